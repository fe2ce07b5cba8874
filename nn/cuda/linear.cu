/* linear.cu - fully connected layers on cuBLAS.
 * x (N,In), w (Out,In), b (Out), y (N,Out). */
#include "state.cuh"

extern "C" void nn_cuda_linear_forward(nn_backend *be, int n, int in, int out, const float *x,
                                       const float *w, const float *b, float *y)
{
	if (n <= 0 || out <= 0) return;
	/* y (N,Out) = x (N,In) w^T (In,Out) */
	nn_cuda_sgemm_ld(be, 0, 1, n, out, in, 1.0f, x, in, w, in, 0.0f, y, out);
	nn_cuda_add_channel_bias(be, n, out, 1, b, y);
}

extern "C" void nn_cuda_linear_backward(nn_backend *be, int n, int in, int out, const float *x,
                                        const float *w, const float *dy, float *dx, float *dw,
                                        float *db)
{
	if (n <= 0 || out <= 0) return;
	if (db) nn_cuda_channel_sum(be, n, out, 1, dy, db, 1);
	/* dw (Out,In) += dy^T (Out,N) x (N,In) */
	if (dw && in > 0)
		nn_cuda_sgemm_ld(be, 1, 0, out, in, n, 1.0f, dy, out, x, in, 1.0f, dw, in);
	/* dx (N,In) = dy (N,Out) w (Out,In) */
	if (dx && in > 0)
		nn_cuda_sgemm_ld(be, 0, 0, n, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
}
