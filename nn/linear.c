/* linear.c - fully connected layer y = x w^T + b (PyTorch nn.Linear). */
#include "backend.h"

#include <cblas.h>

#ifdef NN_HAVE_CUDA
#include "cuda/nn_cuda.h"
#endif

void nn_linear_forward(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                       const float *b, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_linear_forward(be, n, in, out, x, w, b, y);
		return;
	}
#endif
	(void)be;
	if (n <= 0 || out <= 0) return;
	/* Start y from the bias rows so the gemm can add onto it (beta 1). */
	for (int i = 0; i < n; i++)
		for (int o = 0; o < out; o++)
			y[(size_t)i * out + o] = b ? b[o] : 0.0f;
	/* y (N, Out) += x (N, In) . w^T (In, Out) */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, w, in, 1.0f,
	            y, out);
}

void nn_linear_backward(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                        const float *dy, float *dx, float *dw, float *db)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_linear_backward(be, n, in, out, x, w, dy, dx, dw, db);
		return;
	}
#endif
	(void)be;
	if (n <= 0 || in <= 0 || out <= 0) return;
	/* dx (N, In) = dy (N, Out) . w (Out, In) */
	if (dx)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, dy, out, w,
		            in, 0.0f, dx, in);
	/* dw (Out, In) += dy^T (Out, N) . x (N, In) */
	if (dw)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1.0f, dy, out, x,
		            in, 1.0f, dw, in);
	if (db)
		for (int o = 0; o < out; o++) {
			double acc = 0.0;
			for (int i = 0; i < n; i++)
				acc += dy[(size_t)i * out + o];
			db[o] += (float)acc;
		}
}
