/* memory.cu - CUDA backend lifetime, device memory and error recording.
 *
 * One stream per backend: every op of a backend is queued on it in order,
 * so ops need no syncs between them; nn_cuda_sync and the downloads wait.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.cuh"

int nn_cuda_check(nn_backend *be, cudaError_t e, const char *what)
{
	if (e == cudaSuccess) return 0;
	nn_cuda_state *st = nn_cuda_st(be);
	if (st && !st->error[0])
		snprintf(st->error, sizeof st->error, "%s: %s", what, cudaGetErrorString(e));
	return -1;
}

int nn_cuda_check_launch(nn_backend *be, const char *what)
{
	return nn_cuda_check(be, cudaGetLastError(), what);
}

void nn_cuda_fail(nn_backend *be, const char *fmt, ...)
{
	nn_cuda_state *st = nn_cuda_st(be);
	if (!st || st->error[0]) return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->error, sizeof st->error, fmt, ap);
	va_end(ap);
}

extern "C" const char *nn_cuda_error(const nn_backend *be)
{
	const nn_cuda_state *st = (const nn_cuda_state *)be->cuda;
	return st ? st->error : "no CUDA state";
}

extern "C" int nn_cuda_probe(void)
{
	int n = 0;
	/* Without a driver the static runtime answers
	 * cudaErrorInsufficientDriver or cudaErrorNoDevice; it never aborts. */
	cudaError_t e = cudaGetDeviceCount(&n);
	if (e != cudaSuccess) {
		cudaGetLastError(); /* clear it so later calls start clean */
		return 0;
	}
	return n > 0;
}

extern "C" int nn_cuda_backend_init(nn_backend *be, char *err, size_t errlen)
{
	if (err && errlen) err[0] = '\0';
	int n = 0;
	cudaError_t e = cudaGetDeviceCount(&n);
	if (e != cudaSuccess || n < 1) {
		/* The runtime reports a missing libcuda.so.1 as an old driver;
		 * say which it is. */
		void *drv =
		    e == cudaErrorInsufficientDriver ? dlopen("libcuda.so.1", RTLD_LAZY) : NULL;
		const char *why = e == cudaSuccess ? "the driver lists none"
		                  : e == cudaErrorInsufficientDriver && !drv
		                      ? "no NVIDIA driver (libcuda.so.1 is not installed)"
		                      : cudaGetErrorString(e);
		if (err && errlen) snprintf(err, errlen, "no CUDA device: %s", why);
		if (drv) dlclose(drv);
		cudaGetLastError();
		return -1;
	}
	nn_cuda_state *st = (nn_cuda_state *)calloc(1, sizeof *st);
	if (!st) {
		if (err && errlen) snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->device = 0;
	cudaDeviceProp prop;
	const char *what = "cudaSetDevice";
	if ((e = cudaSetDevice(st->device)) != cudaSuccess) goto fail;
	what = "cudaGetDeviceProperties";
	if ((e = cudaGetDeviceProperties(&prop, st->device)) != cudaSuccess) goto fail;
	what = "cudaStreamCreate";
	if ((e = cudaStreamCreateWithFlags(&st->stream, cudaStreamNonBlocking)) != cudaSuccess)
		goto fail;
	what = "cudaMalloc";
	if ((e = cudaMalloc((void **)&st->partials,
	                    (NN_CUDA_REDUCE_BLOCKS + 1) * sizeof(double))) != cudaSuccess)
		goto fail;
	if (nn_cuda_blas_load(&st->api, err, errlen) != 0) goto fail_quiet;
	if (st->api.create(&st->blas) != CUBLAS_STATUS_SUCCESS) {
		if (err && errlen) snprintf(err, errlen, "cublasCreate failed");
		goto fail_quiet;
	}
	st->api.set_stream(st->blas, st->stream);
	/* Plain fp32 products (no TF32 tensor cores), so results match the
	 * CPU backend within fp32 rounding. */
	st->api.set_math_mode(st->blas, CUBLAS_DEFAULT_MATH);
	be->cuda = st;
	snprintf(be->desc, sizeof be->desc, "cuda (%.96s, sm_%d%d)", prop.name, prop.major,
	         prop.minor);
	return 0;
fail:
	if (err && errlen) snprintf(err, errlen, "%s: %s", what, cudaGetErrorString(e));
fail_quiet:
	cudaGetLastError();
	if (st->blas) st->api.destroy(st->blas);
	nn_cuda_blas_unload(&st->api);
	if (st->partials) cudaFree(st->partials);
	if (st->stream) cudaStreamDestroy(st->stream);
	free(st);
	return -1;
}

extern "C" void nn_cuda_backend_release(nn_backend *be)
{
	nn_cuda_state *st = nn_cuda_st(be);
	if (!st) return;
	cudaStreamSynchronize(st->stream);
	if (st->blas) st->api.destroy(st->blas);
	nn_cuda_blas_unload(&st->api);
	cudaFree(st->work);
	cudaFree(st->idx);
	cudaFree(st->partials);
	cudaStreamDestroy(st->stream);
	free(st);
	be->cuda = NULL;
}

float *nn_cuda_workspace(nn_backend *be, size_t n)
{
	nn_cuda_state *st = nn_cuda_st(be);
	if (n <= st->work_cap) return st->work;
	/* cudaFree waits for the device, so queued kernels that still read
	 * the old scratch finish first. Grow by half again, like the CPU. */
	cudaFree(st->work);
	st->work = NULL;
	st->work_cap = 0;
	size_t cap = n + n / 2;
	if (cudaMalloc((void **)&st->work, cap * sizeof(float)) != cudaSuccess) {
		cudaGetLastError();
		cap = n;
		if (nn_cuda_check(be, cudaMalloc((void **)&st->work, cap * sizeof(float)),
		                  "cudaMalloc (workspace)") != 0) {
			st->work = NULL;
			return NULL;
		}
	}
	st->work_cap = cap;
	return st->work;
}

extern "C" void nn_cuda_sync(nn_backend *be)
{
	nn_cuda_check(be, cudaStreamSynchronize(nn_cuda_stream(be)), "cudaStreamSynchronize");
}

extern "C" float *nn_cuda_alloc(nn_backend *be, size_t n)
{
	if (n > ((size_t)-1) / sizeof(float)) return NULL;
	size_t bytes = (n ? n : 1) * sizeof(float);
	float *p = NULL;
	if (cudaMalloc((void **)&p, bytes) != cudaSuccess) {
		cudaGetLastError(); /* out of memory is the caller's to handle */
		return NULL;
	}
	if (nn_cuda_check(be, cudaMemsetAsync(p, 0, bytes, nn_cuda_stream(be)), "cudaMemset")) {
		cudaFree(p);
		return NULL;
	}
	return p;
}

extern "C" void nn_cuda_free(nn_backend *be, float *p)
{
	if (p) nn_cuda_check(be, cudaFree(p), "cudaFree");
}

/* Uploads wait until the copy is done: the caller may reuse host_src at
 * once, whether it is pageable or pinned. */
extern "C" void nn_cuda_upload(nn_backend *be, float *dst, const float *host_src, size_t n)
{
	if (!n) return;
	cudaStream_t s = nn_cuda_stream(be);
	if (nn_cuda_check(
	        be, cudaMemcpyAsync(dst, host_src, n * sizeof(float), cudaMemcpyHostToDevice, s),
	        "cudaMemcpy (upload)") == 0)
		nn_cuda_check(be, cudaStreamSynchronize(s), "cudaStreamSynchronize (upload)");
}

static __global__ void onehot_kernel(float *dst, const int32_t *idx, int channels, size_t cells,
                                     size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x) {
		size_t p = i % cells, plane = i / cells; /* plane = image * channels + c */
		size_t image = plane / (size_t)channels;
		int c = (int)(plane % (size_t)channels);
		dst[i] = idx[image * cells + p] == c ? 1.0f : 0.0f;
	}
}

/* Sends the indices, then writes every element of the planes on the device
 * (no memset first: each element is written once). */
extern "C" void nn_cuda_upload_onehot(nn_backend *be, float *dst, const int32_t *host_idx,
                                      int images, int channels, size_t cells)
{
	size_t count = (size_t)images * cells, n = count * (size_t)channels;
	if (!n) return;
	nn_cuda_state *st = nn_cuda_st(be);
	if (count > st->idx_cap) {
		cudaFree(st->idx);
		st->idx = NULL;
		st->idx_cap = 0;
		if (nn_cuda_check(be, cudaMalloc((void **)&st->idx, count * sizeof(int32_t)),
		                  "cudaMalloc (one-hot indices)") != 0)
			return;
		st->idx_cap = count;
	}
	cudaStream_t s = st->stream;
	if (nn_cuda_check(be,
	                  cudaMemcpyAsync(st->idx, host_idx, count * sizeof(int32_t),
	                                  cudaMemcpyHostToDevice, s),
	                  "cudaMemcpy (one-hot indices)") != 0)
		return;
	onehot_kernel<<<nn_cuda_grid(n), NN_CUDA_THREADS, 0, s>>>(dst, st->idx, channels, cells, n);
	nn_cuda_check_launch(be, "one-hot");
	/* like nn_cuda_upload: host_idx may be reused as soon as this returns */
	nn_cuda_check(be, cudaStreamSynchronize(s), "cudaStreamSynchronize (one-hot)");
}

extern "C" void nn_cuda_download(nn_backend *be, float *host_dst, const float *src, size_t n)
{
	if (!n) return;
	cudaStream_t s = nn_cuda_stream(be);
	if (nn_cuda_check(
	        be, cudaMemcpyAsync(host_dst, src, n * sizeof(float), cudaMemcpyDeviceToHost, s),
	        "cudaMemcpy (download)") == 0)
		nn_cuda_check(be, cudaStreamSynchronize(s), "cudaStreamSynchronize (download)");
}

extern "C" void nn_cuda_copy(nn_backend *be, float *dst, const float *src, size_t n)
{
	if (!n || dst == src) return;
	nn_cuda_check(be,
	              cudaMemcpyAsync(dst, src, n * sizeof(float), cudaMemcpyDeviceToDevice,
	                              nn_cuda_stream(be)),
	              "cudaMemcpy (copy)");
}

static __global__ void fill_kernel(float *x, float v, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		x[i] = v;
}

extern "C" void nn_cuda_fill(nn_backend *be, float *x, float value, size_t n)
{
	if (!n) return;
	if (value == 0.0f && !signbit(value)) {
		nn_cuda_check(be, cudaMemsetAsync(x, 0, n * sizeof(float), nn_cuda_stream(be)),
		              "cudaMemset");
		return;
	}
	fill_kernel<<<nn_cuda_grid(n), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(x, value, n);
	nn_cuda_check_launch(be, "fill");
}
