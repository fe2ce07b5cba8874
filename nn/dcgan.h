/* dcgan.h - the DCGAN (Radford et al.; the PyTorch DCGAN tutorial's nets).
 *
 * Generator, latent z (N,L,1,1) -> (N,C,64,64); w = ngf (64 by default):
 *   main.0  ConvT(L->8w, k4 s1 p0), no bias     -> (8w, 4, 4)
 *   main.1  BatchNorm(8w)   main.2  ReLU
 *   main.3  ConvT(8w->4w, k4 s2 p1)             -> (4w, 8, 8)
 *   main.4  BatchNorm       main.5  ReLU
 *   main.6  ConvT(4w->2w)                        -> (2w, 16, 16)
 *   main.7  BatchNorm       main.8  ReLU
 *   main.9  ConvT(2w->w)                         -> (w, 32, 32)
 *   main.10 BatchNorm       main.11 ReLU
 *   main.12 ConvT(w->C, k4 s2 p1)                -> (C, 64, 64)
 *   main.13 Tanh (rgb) or Softmax over channels (onehot)
 * Discriminator, (N,C,64,64) -> one logit per sample (N,1,1,1); w = ndf:
 *   main.0  Conv(C->w, k4 s2 p1), no bias; main.1 LeakyReLU(0.2)  (no BN)
 *   main.2  Conv(w->2w)  main.3 BatchNorm  main.4 LeakyReLU(0.2)   -> 16x16
 *   main.5  Conv(2w->4w) main.6 BatchNorm  main.7 LeakyReLU       -> 8x8
 *   main.8  Conv(4w->8w) main.9 BatchNorm  main.10 LeakyReLU      -> 4x4
 *   main.11 Conv(8w->1, k4 s1 p0)                                 -> 1x1
 * No sigmoid: the loss is BCE with logits. State-dict names are those of
 * tools/nn_models.py's Generator/Discriminator (nn.Sequential "main"),
 * BN tensors weight, bias, running_mean, running_var, num_batches_tracked.
 * Init (the tutorial's): conv weights N(0, 0.02), BN gamma N(1, 0.02),
 * beta 0. Parameters at w = 64, L = 128: G 3.80M + 1024*C, D 2.76M +
 * 1024*C (rgb: G 3.81M, D 2.77M; onehot, vocab 95: G 3.90M, D 2.86M).
 *
 * Training step (nn_gan_step): D on a real batch (target 1) and on
 * G(z).detach() (target 0), Adam step on D; then G through the updated D
 * (train-mode BN) with target 1, Adam step on G. Adam lr 1e-4, betas
 * (0.5, 0.999), eps 1e-8.
 */
#ifndef NN_DCGAN_H
#define NN_DCGAN_H

#include "gan.h"

int nn_dcgan_build_generator(nn_seq *g, const nn_gan_config *c, char *err, size_t errlen);
int nn_dcgan_build_discriminator(nn_seq *d, const nn_gan_config *c, char *err, size_t errlen);

/* The two halves of a step, without optimiser updates (tests check their
 * gradients by finite differences). Both use gan->z as drawn.
 * d_grads: G(z) forward (train), zero D's grads, accumulate the gradient
 * of BCE(D(real),1) + BCE(D(G(z)),0); returns that loss.
 * g_grads: G(z) forward unless fake_ready, zero G's grads, accumulate the
 * gradient of BCE(D(G(z)),1) into G only; returns that loss. */
float nn_dcgan_d_grads(nn_gan *gan, int n, const float *real);
float nn_dcgan_g_grads(nn_gan *gan, int n, int fake_ready);

int nn_dcgan_step(nn_gan *gan, nn_rng *r, nn_batch_fn next, void *ctx, float *loss_d,
                  float *loss_g);

#endif
