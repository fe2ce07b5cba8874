/* wgan.h - the dense WGAN (Arjovsky et al. 2017, the paper's MLP nets).
 *
 * Generator, latent (N,L) -> (N,C,S,S); H = width:
 *   main.0 Linear(L->H)  main.1 ReLU  main.2 Linear(H->H)  main.3 ReLU
 *   main.4 Linear(H->H)  main.5 ReLU  main.6 Linear(H->C*S*S)
 *   main.7 Tanh (rgb) or Softmax over channels (onehot, the output seen as
 *          (C, S*S))
 * Critic, (N,C*S*S) -> (N,1):
 *   main.0 Linear(C*S*S->H) main.1 ReLU main.2 Linear(H->H) main.3 ReLU
 *   main.4 Linear(H->H)     main.5 ReLU main.6 Linear(H->1)
 * ReLU in the critic as in the paper's MLP critic (it has no BN either,
 * so train and eval modes are the same). Init: PyTorch's Linear default,
 * weights and biases U(-1/sqrt(in), 1/sqrt(in)); the critic is clipped to
 * [-clip, clip] at creation and after every update, so |w| <= clip holds
 * at all times.
 * Sizes at S = 64, L = 128: rgb with H = 512: G 6.90M, D 6.82M parameters;
 * onehot with vocab 95 and H = 64 (the default there, nn_gan_config_default):
 * G 25.31M, D 24.91M, the 389120-wide first critic / last generator layer
 * being almost all of it. Training holds params, grads and the RMSprop
 * average: about 0.6 GB for that pair.
 *
 * Step: n_critic (5) times { real batch; z; critic loss mean D(G(z)) -
 * mean D(real); RMSprop step (lr 5e-5, alpha 0.99, eps 1e-8); clip };
 * then z; generator loss -mean D(G(z)); RMSprop step on G. (The paper's
 * 100 critic steps during the first 25 generator steps are not done.)
 * nn_wgan_step also trains a DCGAN with a Wasserstein objective: with
 * "wasserstein" exactly as above; with "wasserstein-sn" Adam replaces
 * RMSprop for both nets (D's t counts its n_critic updates per step) and
 * spectral norm projection (nn/spectral.h) replaces the clip; with
 * "wasserstein-gp" Adam likewise, and the gradient penalty (nn/gp.h) is
 * added to each critic update's gradients instead of any clip.
 */
#ifndef NN_WGAN_H
#define NN_WGAN_H

#include "gan.h"

int nn_wgan_build_generator(nn_seq *g, const nn_gan_config *c, char *err, size_t errlen);
int nn_wgan_build_discriminator(nn_seq *d, const nn_gan_config *c, char *err, size_t errlen);
int nn_wgan_step(nn_gan *gan, nn_rng *r, nn_batch_fn next, void *ctx, float *loss_d, float *loss_g);

#endif
