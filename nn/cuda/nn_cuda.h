/* nn_cuda.h - the CUDA twins of nn.h's ops (built only with NN_HAVE_CUDA).
 *
 * Each nn_cuda_X has the signature of nn.h's nn_X and is called by it when
 * be->device is NN_DEVICE_CUDA (see backend.h). Everything runs on one
 * stream per backend, in order; pointers are device memory from
 * nn_cuda_alloc. The only host copies are the uploads and downloads asked
 * for and the one float a loss returns.
 *
 * Linking: the CUDA runtime is static (libcudart_static), which loads the
 * driver (libcuda.so.1) itself at run time, and cuBLAS is dlopen'ed by
 * nn_cuda_backend_init, so a binary built with CUDA still starts, and runs
 * on the CPU, on a machine with neither a driver nor the CUDA libraries.
 *
 * Ownership: nn_cuda_backend_init allocates be->cuda (stream, cuBLAS
 * handle, device scratch) and nn_cuda_backend_release frees it. Ops never
 * print or abort: a failing CUDA call is recorded, the first message is
 * kept (nn_cuda_error), and later ops still run.
 */
#ifndef NN_CUDA_H
#define NN_CUDA_H

#include "../backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the driver answers and at least one device is present; never
 * crashes without a driver. */
int nn_cuda_probe(void);
/* Sets up be->cuda on device 0 and be->desc, e.g.
 * "cuda (NVIDIA H100 80GB HBM3, sm_90)". 0, or -1 with a message. */
int nn_cuda_backend_init(nn_backend *be, char *err, size_t errlen);
void nn_cuda_backend_release(nn_backend *be);
/* The first CUDA failure since init ("" when none); for tests and logs. */
const char *nn_cuda_error(const nn_backend *be);
/* Caps the scratch one conv call may use, in floats (0: the default, 256
 * MiB); a batch that does not fit runs in chunks of images. For tests. */
void nn_cuda_set_conv_work(nn_backend *be, size_t floats);

void nn_cuda_sync(nn_backend *be);
float *nn_cuda_alloc(nn_backend *be, size_t n);
void nn_cuda_free(nn_backend *be, float *p);
void nn_cuda_upload(nn_backend *be, float *dst, const float *host_src, size_t n);
void nn_cuda_download(nn_backend *be, float *host_dst, const float *src, size_t n);
void nn_cuda_upload_onehot(nn_backend *be, float *dst, const int32_t *host_idx, int images,
                           int channels, size_t cells);
void nn_cuda_copy(nn_backend *be, float *dst, const float *src, size_t n);
void nn_cuda_fill(nn_backend *be, float *x, float value, size_t n);

void nn_cuda_gemm(nn_backend *be, int ta, int tb, int M, int N, int K, float alpha, const float *A,
                  const float *B, float beta, float *C);
void nn_cuda_axpy(nn_backend *be, size_t n, float a, const float *x, float *y);
void nn_cuda_scale(nn_backend *be, size_t n, float a, float *x);

void nn_cuda_conv2d_forward(nn_backend *be, const nn_conv *c, const float *x, const float *w,
                            const float *b, float *y);
void nn_cuda_conv2d_backward(nn_backend *be, const nn_conv *c, const float *x, const float *w,
                             const float *dy, float *dx, float *dw, float *db);
void nn_cuda_conv_transpose2d_forward(nn_backend *be, const nn_conv *c, const float *x,
                                      const float *w, const float *b, float *y);
void nn_cuda_conv_transpose2d_backward(nn_backend *be, const nn_conv *c, const float *x,
                                       const float *w, const float *dy, float *dx, float *dw,
                                       float *db);

void nn_cuda_linear_forward(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                            const float *b, float *y);
void nn_cuda_linear_backward(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                             const float *dy, float *dx, float *dw, float *db);

void nn_cuda_batchnorm_forward_train(nn_backend *be, const nn_bn *p, const float *x,
                                     const float *gamma, const float *beta, float *running_mean,
                                     float *running_var, float *save_mean, float *save_invstd,
                                     float *y);
void nn_cuda_batchnorm_forward_eval(nn_backend *be, const nn_bn *p, const float *x,
                                    const float *gamma, const float *beta,
                                    const float *running_mean, const float *running_var, float *y);
void nn_cuda_batchnorm_backward(nn_backend *be, const nn_bn *p, const float *x, const float *gamma,
                                const float *save_mean, const float *save_invstd, const float *dy,
                                float *dx, float *dgamma, float *dbeta);

void nn_cuda_relu_forward(nn_backend *be, size_t n, const float *x, float *y);
void nn_cuda_relu_backward(nn_backend *be, size_t n, const float *y, const float *dy, float *dx);
void nn_cuda_leaky_relu_forward(nn_backend *be, size_t n, float slope, const float *x, float *y);
void nn_cuda_leaky_relu_backward(nn_backend *be, size_t n, float slope, const float *y,
                                 const float *dy, float *dx);
void nn_cuda_tanh_forward(nn_backend *be, size_t n, const float *x, float *y);
void nn_cuda_tanh_backward(nn_backend *be, size_t n, const float *y, const float *dy, float *dx);
void nn_cuda_sigmoid_forward(nn_backend *be, size_t n, const float *x, float *y);
void nn_cuda_sigmoid_backward(nn_backend *be, size_t n, const float *y, const float *dy, float *dx);
void nn_cuda_softmax_channels_forward(nn_backend *be, int n, int c, int s, const float *x,
                                      float *y);
void nn_cuda_softmax_channels_backward(nn_backend *be, int n, int c, int s, const float *y,
                                       const float *dy, float *dx);

float nn_cuda_bce_logits(nn_backend *be, size_t n, const float *logits, float target,
                         float *dlogits);
float nn_cuda_mean_loss(nn_backend *be, size_t n, const float *x, float sign, float *dx);

void nn_cuda_adam_step(nn_backend *be, const nn_adam *o, long t, size_t n, float *p, const float *g,
                       float *m, float *v);
void nn_cuda_rmsprop_step(nn_backend *be, const nn_rmsprop *o, size_t n, float *p, const float *g,
                          float *v);
void nn_cuda_clip(nn_backend *be, size_t n, float c, float *p);

#ifdef __cplusplus
}
#endif

#endif
