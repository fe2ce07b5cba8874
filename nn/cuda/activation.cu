/* activation.cu - elementwise activations and softmax over channels.
 * Forward may run in place (y == x); backward takes the forward output y
 * and may write dx over dy. */
#include "state.cuh"

#define GRID_LOOP(i, n)                                                                            \
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n);                    \
	     i += (size_t)gridDim.x * blockDim.x)

enum { ACT_RELU, ACT_LEAKY, ACT_TANH, ACT_SIGMOID };

static __global__ void act_forward(int kind, size_t n, float slope, const float *x, float *y)
{
	GRID_LOOP(i, n)
	{
		float v = x[i];
		switch (kind) {
		case ACT_RELU:
			v = v > 0.0f ? v : 0.0f;
			break;
		case ACT_LEAKY:
			v = v > 0.0f ? v : slope * v;
			break;
		case ACT_TANH:
			v = tanhf(v);
			break;
		default:
			v = 1.0f / (1.0f + expf(-v));
			break;
		}
		y[i] = v;
	}
}

static __global__ void act_backward(int kind, size_t n, float slope, const float *y,
                                    const float *dy, float *dx)
{
	GRID_LOOP(i, n)
	{
		float v = y[i], d = dy[i];
		switch (kind) {
		case ACT_RELU:
			d = v > 0.0f ? d : 0.0f;
			break;
		/* y > 0 exactly when x > 0 for a positive slope */
		case ACT_LEAKY:
			d = v > 0.0f ? d : slope * d;
			break;
		case ACT_TANH:
			d = d * (1.0f - v * v);
			break;
		default:
			d = d * v * (1.0f - v);
			break;
		}
		dx[i] = d;
	}
}

static void fwd(nn_backend *be, int kind, size_t n, float slope, const float *x, float *y)
{
	if (!n) return;
	act_forward<<<nn_cuda_grid(n), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(kind, n, slope, x,
	                                                                         y);
	nn_cuda_check_launch(be, "activation forward");
}

static void bwd(nn_backend *be, int kind, size_t n, float slope, const float *y, const float *dy,
                float *dx)
{
	if (!n) return;
	act_backward<<<nn_cuda_grid(n), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(kind, n, slope, y,
	                                                                          dy, dx);
	nn_cuda_check_launch(be, "activation backward");
}

extern "C" void nn_cuda_relu_forward(nn_backend *be, size_t n, const float *x, float *y)
{
	fwd(be, ACT_RELU, n, 0.0f, x, y);
}
extern "C" void nn_cuda_relu_backward(nn_backend *be, size_t n, const float *y, const float *dy,
                                      float *dx)
{
	bwd(be, ACT_RELU, n, 0.0f, y, dy, dx);
}
extern "C" void nn_cuda_leaky_relu_forward(nn_backend *be, size_t n, float slope, const float *x,
                                           float *y)
{
	fwd(be, ACT_LEAKY, n, slope, x, y);
}
extern "C" void nn_cuda_leaky_relu_backward(nn_backend *be, size_t n, float slope, const float *y,
                                            const float *dy, float *dx)
{
	bwd(be, ACT_LEAKY, n, slope, y, dy, dx);
}
extern "C" void nn_cuda_tanh_forward(nn_backend *be, size_t n, const float *x, float *y)
{
	fwd(be, ACT_TANH, n, 0.0f, x, y);
}
extern "C" void nn_cuda_tanh_backward(nn_backend *be, size_t n, const float *y, const float *dy,
                                      float *dx)
{
	bwd(be, ACT_TANH, n, 0.0f, y, dy, dx);
}
extern "C" void nn_cuda_sigmoid_forward(nn_backend *be, size_t n, const float *x, float *y)
{
	fwd(be, ACT_SIGMOID, n, 0.0f, x, y);
}
extern "C" void nn_cuda_sigmoid_backward(nn_backend *be, size_t n, const float *y, const float *dy,
                                         float *dx)
{
	bwd(be, ACT_SIGMOID, n, 0.0f, y, dy, dx);
}

/* One thread per (n, s) walks the C channels; neighbouring threads read
 * neighbouring s, so loads coalesce. */
static __global__ void softmax_forward(int n, int c, int s, const float *x, float *y)
{
	GRID_LOOP(i, (size_t)n * s)
	{
		size_t base = i / (size_t)s * c * (size_t)s + i % (size_t)s;
		float mx = -INFINITY;
		for (int k = 0; k < c; k++)
			mx = fmaxf(mx, x[base + (size_t)k * s]);
		float sum = 0.0f;
		for (int k = 0; k < c; k++) {
			float e = expf(x[base + (size_t)k * s] - mx);
			y[base + (size_t)k * s] = e;
			sum += e;
		}
		float inv = 1.0f / sum;
		for (int k = 0; k < c; k++)
			y[base + (size_t)k * s] *= inv;
	}
}

/* dx = y (dy - sum_c dy y) */
static __global__ void softmax_backward(int n, int c, int s, const float *y, const float *dy,
                                        float *dx)
{
	GRID_LOOP(i, (size_t)n * s)
	{
		size_t base = i / (size_t)s * c * (size_t)s + i % (size_t)s;
		float dot = 0.0f;
		for (int k = 0; k < c; k++)
			dot += dy[base + (size_t)k * s] * y[base + (size_t)k * s];
		for (int k = 0; k < c; k++) {
			size_t j = base + (size_t)k * s;
			dx[j] = y[j] * (dy[j] - dot);
		}
	}
}

extern "C" void nn_cuda_softmax_channels_forward(nn_backend *be, int n, int c, int s,
                                                 const float *x, float *y)
{
	if (n <= 0 || c <= 0 || s <= 0) return;
	size_t rows = (size_t)n * s;
	softmax_forward<<<nn_cuda_grid(rows), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(n, c, s, x,
	                                                                                y);
	nn_cuda_check_launch(be, "softmax forward");
}

extern "C" void nn_cuda_softmax_channels_backward(nn_backend *be, int n, int c, int s,
                                                  const float *y, const float *dy, float *dx)
{
	if (n <= 0 || c <= 0 || s <= 0) return;
	size_t rows = (size_t)n * s;
	softmax_backward<<<nn_cuda_grid(rows), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(n, c, s, y,
	                                                                                 dy, dx);
	nn_cuda_check_launch(be, "softmax backward");
}
