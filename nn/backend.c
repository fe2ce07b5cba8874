/* backend.c - backend lifetime, memory and the CPU scratch workspace.
 *
 * The CPU backend is host memory plus OpenBLAS; its only state is the
 * thread count and one workspace buffer (im2col columns and the like)
 * that grows on demand and lives as long as the backend. With NN_HAVE_CUDA
 * every call here forwards to its nn_cuda_ twin when be->device is CUDA.
 */
#include "backend.h"

#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef NN_HAVE_CUDA
#include "cuda/nn_cuda.h"
#endif

/* Some cblas.h builds do not declare it; OpenBLAS always exports it. */
void openblas_set_num_threads(int num_threads);

static int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 && n < 4096 ? (int)n : 1;
}

nn_backend *nn_backend_create(nn_device device, int threads, char *err, size_t errlen)
{
	if (err && errlen) err[0] = '\0';
	if (device != NN_DEVICE_CPU && device != NN_DEVICE_CUDA) {
		if (err && errlen) snprintf(err, errlen, "unknown device %d", (int)device);
		return NULL;
	}
#ifndef NN_HAVE_CUDA
	if (device == NN_DEVICE_CUDA) {
		if (err && errlen) snprintf(err, errlen, "this build has no CUDA support");
		return NULL;
	}
#endif
	nn_backend *be = calloc(1, sizeof *be);
	if (!be) {
		if (err && errlen) snprintf(err, errlen, "out of memory");
		return NULL;
	}
	be->device = device;
	be->threads = threads > 0 ? threads : cpu_count();
#ifdef NN_HAVE_CUDA
	if (device == NN_DEVICE_CUDA) {
		char tmp[256];
		if (nn_cuda_backend_init(be, tmp, sizeof tmp) != 0) {
			if (err && errlen) snprintf(err, errlen, "%s", tmp);
			free(be);
			return NULL;
		}
		return be;
	}
#endif
	/* OpenBLAS's thread count is process-wide: the last backend created
	 * sets it. */
	openblas_set_num_threads(be->threads);
	snprintf(be->desc, sizeof be->desc, "cpu (OpenBLAS, %d thread%s)", be->threads,
	         be->threads == 1 ? "" : "s");
	return be;
}

void nn_backend_destroy(nn_backend *be)
{
	if (!be) return;
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) nn_cuda_backend_release(be);
#endif
	free(be->work);
	free(be);
}

nn_device nn_backend_device(const nn_backend *be)
{
	return be->device;
}

const char *nn_backend_describe(const nn_backend *be)
{
	return be->desc;
}

int nn_cuda_available(void)
{
#ifdef NN_HAVE_CUDA
	return nn_cuda_probe();
#else
	return 0;
#endif
}

void nn_sync(nn_backend *be)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_sync(be);
		return;
	}
#endif
	(void)be;
}

float *nn_cpu_workspace(nn_backend *be, size_t n)
{
	if (n <= be->work_cap) return be->work;
	if (n > SIZE_MAX / sizeof(float) / 2) return NULL;
	/* Grow by half again so a sequence of slightly larger layers does not
	 * reallocate each time; the old contents are scratch, so no copy. */
	size_t cap = n + n / 2;
	free(be->work);
	be->work = malloc(cap * sizeof(float));
	be->work_cap = be->work ? cap : 0;
	if (!be->work) {
		be->work = malloc(n * sizeof(float));
		be->work_cap = be->work ? n : 0;
	}
	return be->work;
}

float *nn_alloc(nn_backend *be, size_t n)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) return nn_cuda_alloc(be, n);
#endif
	(void)be;
	if (n > SIZE_MAX / sizeof(float)) return NULL;
	return calloc(n ? n : 1, sizeof(float));
}

void nn_free(nn_backend *be, float *p)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_free(be, p);
		return;
	}
#endif
	(void)be;
	free(p);
}

void nn_upload(nn_backend *be, float *dst, const float *host_src, size_t n)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_upload(be, dst, host_src, n);
		return;
	}
#endif
	(void)be;
	if (n) memmove(dst, host_src, n * sizeof(float));
}

void nn_upload_onehot(nn_backend *be, float *dst, const int32_t *host_idx, int images,
                      int channels, size_t cells)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_upload_onehot(be, dst, host_idx, images, channels, cells);
		return;
	}
#endif
	(void)be;
	size_t per = (size_t)channels * cells;
	for (int k = 0; k < images; k++) {
		float *img = dst + (size_t)k * per;
		const int32_t *idx = host_idx + (size_t)k * cells;
		memset(img, 0, per * sizeof *img);
		for (size_t p = 0; p < cells; p++)
			if (idx[p] >= 0 && idx[p] < channels) img[(size_t)idx[p] * cells + p] = 1.0f;
	}
}

void nn_download(nn_backend *be, float *host_dst, const float *src, size_t n)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_download(be, host_dst, src, n);
		return;
	}
#endif
	(void)be;
	if (n) memmove(host_dst, src, n * sizeof(float));
}

void nn_copy(nn_backend *be, float *dst, const float *src, size_t n)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_copy(be, dst, src, n);
		return;
	}
#endif
	(void)be;
	if (n) memmove(dst, src, n * sizeof(float));
}

void nn_fill(nn_backend *be, float *x, float value, size_t n)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_fill(be, x, value, n);
		return;
	}
#endif
	(void)be;
	for (size_t i = 0; i < n; i++)
		x[i] = value;
}
