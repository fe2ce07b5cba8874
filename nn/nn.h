/* nn.h - a small fp32 tensor library: ops with forward and backward passes.
 *
 * The shape of the code follows karpathy/llm.c: no autograd graph. A model
 * owns flat float buffers (parameters, gradients, activations) and calls an
 * op's forward, then later its backward, by hand. Every op runs on a
 * backend (nn_backend): the CPU one (OpenBLAS sgemm + im2col) always
 * exists; the CUDA one (cuBLAS + kernels) when the build has it and a GPU
 * answers. All pointers passed to ops are backend memory: allocate with
 * nn_alloc, move data with nn_upload / nn_download.
 *
 * Layouts are PyTorch's, so checkpoints map 1:1 onto a state_dict:
 *   activations  NCHW, row-major        (N,C,H,W)
 *   conv2d           weight (Cout,Cin,K,K), bias (Cout)
 *   conv_transpose2d weight (Cin,Cout,K,K), bias (Cout)
 *   linear           weight (Out,In),       bias (Out)
 *   batchnorm        weight=gamma (C), bias=beta (C), running_mean/var (C)
 *
 * Gradient convention: backward functions ACCUMULATE (+=) into parameter
 * gradients (dw, db, dgamma, dbeta) and OVERWRITE input gradients (dx).
 * Any gradient pointer may be NULL when that gradient is not wanted.
 *
 * Ownership: the caller owns every buffer. A backend owns its scratch
 * workspace (im2col columns etc.). Nothing here keeps a pointer after it
 * returns. A backend is used by one thread at a time; make one per job.
 * Errors: functions returning int give 0 on success, -1 with a message in
 * the caller's buffer (or nn_backend_error) otherwise; ops never print.
 */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

typedef enum { NN_DEVICE_CPU = 0, NN_DEVICE_CUDA = 1 } nn_device;

typedef struct nn_backend nn_backend;

/* --- backends -------------------------------------------------------- */

/* Creates a backend. threads: CPU threads for BLAS and loops (0 = all
 * cores); ignored by CUDA. Returns NULL with a message in err when the
 * device is not available (no CUDA build, no driver, no GPU). */
nn_backend *nn_backend_create(nn_device device, int threads, char *err, size_t errlen);
void nn_backend_destroy(nn_backend *be);
nn_device nn_backend_device(const nn_backend *be);
/* A line for logs: "cpu (OpenBLAS, 2 threads)" or "cuda (NVIDIA H100, sm_90)". */
const char *nn_backend_describe(const nn_backend *be);
/* 1 when this binary was built with CUDA and a device answers. */
int nn_cuda_available(void);
/* Waits for queued device work (no-op on CPU); for timing and downloads. */
void nn_sync(nn_backend *be);

/* Zero-filled backend memory of n floats; NULL when out of memory. */
float *nn_alloc(nn_backend *be, size_t n);
/* Spelled nn_free in code, linked as nn_buffer_free: libnanomsg (loaded by
 * Criterion) exports a function nn_free of its own, and an executable that
 * defined nn_free would replace it and crash the test runner. */
#define nn_free nn_buffer_free
void nn_free(nn_backend *be, float *p);
void nn_upload(nn_backend *be, float *dst, const float *host_src, size_t n);
void nn_download(nn_backend *be, float *host_dst, const float *src, size_t n);
/* dst (images, channels, cells) = the one-hot planes of the cell indices
 * host_idx (images, cells): 1 in plane host_idx[i][p] at p, 0 elsewhere; an
 * index outside [0, channels) leaves its cell all zero. The host sends the
 * indices only (4 bytes a cell, not 4 per channel): on CUDA the planes are
 * filled on the device. */
void nn_upload_onehot(nn_backend *be, float *dst, const int32_t *host_idx, int images,
                      int channels, size_t cells);
void nn_copy(nn_backend *be, float *dst, const float *src, size_t n);
void nn_fill(nn_backend *be, float *x, float value, size_t n);

/* --- dense algebra --------------------------------------------------- */

/* C(M,N) = alpha * op(A) op(B) + beta * C, row-major; ta/tb transpose. */
void nn_gemm(nn_backend *be, int ta, int tb, int M, int N, int K, float alpha, const float *A,
             const float *B, float beta, float *C);
/* y += a * x */
void nn_axpy(nn_backend *be, size_t n, float a, const float *x, float *y);
void nn_scale(nn_backend *be, size_t n, float a, float *x);

/* --- layers ---------------------------------------------------------- */

/* Geometry of a (transposed) convolution over square kernels. For conv2d
 * out = (in + 2*pad - k) / stride + 1; for conv_transpose2d
 * out = (in - 1) * stride - 2*pad + k. nn_conv_shape fills ho, wo. */
typedef struct {
	int n, cin, h, w;    /* input (N,Cin,H,W) */
	int cout, k, stride, pad;
	int ho, wo;          /* output (N,Cout,Ho,Wo) */
} nn_conv;
nn_conv nn_conv_shape(int n, int cin, int h, int w, int cout, int k, int stride, int pad,
                      int transposed);

/* y (N,Cout,Ho,Wo) = conv2d(x, w) + b; b may be NULL. */
void nn_conv2d_forward(nn_backend *be, const nn_conv *c, const float *x, const float *w,
                       const float *b, float *y);
void nn_conv2d_backward(nn_backend *be, const nn_conv *c, const float *x, const float *w,
                        const float *dy, float *dx, float *dw, float *db);
/* y (N,Cout,Ho,Wo) = conv_transpose2d(x, w) + b, PyTorch semantics. */
void nn_conv_transpose2d_forward(nn_backend *be, const nn_conv *c, const float *x,
                                 const float *w, const float *b, float *y);
void nn_conv_transpose2d_backward(nn_backend *be, const nn_conv *c, const float *x,
                                  const float *w, const float *dy, float *dx, float *dw,
                                  float *db);

/* y (N,Out) = x (N,In) w^T + b; b may be NULL. */
void nn_linear_forward(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                       const float *b, float *y);
void nn_linear_backward(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                        const float *dy, float *dx, float *dw, float *db);

/* Batch normalisation over (N, C, S) where S = H*W (S = 1 for a (N,C)
 * input, i.e. BatchNorm1d). Training: normalises with the batch's biased
 * variance, saves mean and invstd (C each) for backward, and updates the
 * running statistics with momentum (PyTorch: 0.1) using the unbiased
 * variance. Eval: uses the running statistics. eps as PyTorch (1e-5). */
typedef struct {
	int n, c, s;
	float eps, momentum;
} nn_bn;
void nn_batchnorm_forward_train(nn_backend *be, const nn_bn *p, const float *x,
                                const float *gamma, const float *beta, float *running_mean,
                                float *running_var, float *save_mean, float *save_invstd,
                                float *y);
void nn_batchnorm_forward_eval(nn_backend *be, const nn_bn *p, const float *x,
                               const float *gamma, const float *beta, const float *running_mean,
                               const float *running_var, float *y);
void nn_batchnorm_backward(nn_backend *be, const nn_bn *p, const float *x, const float *gamma,
                           const float *save_mean, const float *save_invstd, const float *dy,
                           float *dx, float *dgamma, float *dbeta);

/* --- activations (elementwise over n floats; y may alias x in forward) --- */
/* Backward takes the forward OUTPUT y (enough for all of these) and may
 * write dx over dy. */
void nn_relu_forward(nn_backend *be, size_t n, const float *x, float *y);
void nn_relu_backward(nn_backend *be, size_t n, const float *y, const float *dy, float *dx);
void nn_leaky_relu_forward(nn_backend *be, size_t n, float slope, const float *x, float *y);
void nn_leaky_relu_backward(nn_backend *be, size_t n, float slope, const float *y,
                            const float *dy, float *dx);
void nn_tanh_forward(nn_backend *be, size_t n, const float *x, float *y);
void nn_tanh_backward(nn_backend *be, size_t n, const float *y, const float *dy, float *dx);
void nn_sigmoid_forward(nn_backend *be, size_t n, const float *x, float *y);
void nn_sigmoid_backward(nn_backend *be, size_t n, const float *y, const float *dy, float *dx);
/* Softmax over the channel axis of (N,C,S), numerically stable. */
void nn_softmax_channels_forward(nn_backend *be, int n, int c, int s, const float *x, float *y);
void nn_softmax_channels_backward(nn_backend *be, int n, int c, int s, const float *y,
                                  const float *dy, float *dx);

/* --- losses (the loss value is returned to the host) ------------------ */

/* mean over n of BCEWithLogits(logit, target), computed stably as
 * max(x,0) - x*t + log(1 + exp(-|x|)). dlogits (may be NULL) gets
 * d(loss)/d(logit) = (sigmoid(x) - t) / n. */
float nn_bce_logits(nn_backend *be, size_t n, const float *logits, float target,
                    float *dlogits);
/* Wasserstein critic term: returns sign * mean(x); dx (may be NULL) gets
 * sign / n everywhere. Critic loss = mean(fake) - mean(real): call with
 * sign +1 on fake and -1 on real. */
float nn_mean_loss(nn_backend *be, size_t n, const float *x, float sign, float *dx);

/* --- optimisers (PyTorch semantics) ----------------------------------- */

/* Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps). t counts from 1. */
typedef struct {
	float lr, beta1, beta2, eps;
} nn_adam;
void nn_adam_step(nn_backend *be, const nn_adam *o, long t, size_t n, float *p, const float *g,
                  float *m, float *v);
/* RMSprop (PyTorch, no momentum, not centred): v = a v + (1-a) g^2;
 * p -= lr * g / (sqrt(v) + eps). PyTorch defaults a = 0.99, eps = 1e-8. */
typedef struct {
	float lr, alpha, eps;
} nn_rmsprop;
void nn_rmsprop_step(nn_backend *be, const nn_rmsprop *o, size_t n, float *p, const float *g,
                     float *v);
/* p = clamp(p, -c, c): the WGAN critic's weight clipping. */
void nn_clip(nn_backend *be, size_t n, float c, float *p);

/* --- randomness (host side, deterministic for a seed) ------------------ */

/* A small PRNG (splitmix64-seeded xoshiro256**) for weights, latents and
 * shuffles, so a seed gives the same run on every machine and backend. */
typedef struct {
	uint64_t s[4];
} nn_rng;
void nn_rng_seed(nn_rng *r, uint64_t seed);
uint64_t nn_rng_next(nn_rng *r);
float nn_rng_uniform(nn_rng *r); /* [0, 1) */
float nn_rng_normal(nn_rng *r);  /* N(0, 1), Box-Muller */

/* --- device choice ----------------------------------------------------- */

/* The device an "auto" setting means: NN_DEVICE_CUDA when this binary was
 * built with CUDA and a device answers (nn_cuda_available), else
 * NN_DEVICE_CPU. Never fails; callers still handle a NULL from
 * nn_backend_create (e.g. cuBLAS missing) by falling back to the CPU. */
nn_device nn_device_auto(void);

#endif
