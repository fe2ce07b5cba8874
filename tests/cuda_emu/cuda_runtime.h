/* cuda_runtime.h (emulated) - just enough of the CUDA runtime to compile
 * nn/cuda/'s kernels as plain C++ and run them on the CPU, so the nn_cuda
 * suite can check their index arithmetic and host logic without a GPU
 * (scripts/cuda-emu-check.sh).
 *
 * A launch k<<<grid, threads>>>(args) is rewritten by the script into
 * nn_emu_launch(grid, k, args): the blocks run one after another with ONE
 * thread each, so grid-stride loops cover every element, block reductions
 * see a one-thread block, and __shfl_down_sync finds no other lanes.
 * Device memory is host memory, filled with garbage when allocated, so a
 * missing memset shows. It cannot find races, shared-memory or launch-limit
 * bugs: those need the GPU (scripts/gpu-check.sh).
 */
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <math.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __CUDACC__ 1

struct emu_uint3 {
	unsigned x, y, z;
};
extern emu_uint3 blockIdx, threadIdx, blockDim, gridDim;

typedef enum {
	cudaSuccess = 0,
	cudaErrorMemoryAllocation = 2,
	cudaErrorInsufficientDriver = 35,
	cudaErrorNoDevice = 100
} cudaError_t;
typedef void *cudaStream_t;
typedef enum {
	cudaMemcpyHostToDevice = 1,
	cudaMemcpyDeviceToHost = 2,
	cudaMemcpyDeviceToDevice = 3
} cudaMemcpyKind;
#define cudaStreamNonBlocking 1
struct cudaDeviceProp {
	char name[256];
	int major, minor;
};

inline const char *cudaGetErrorString(cudaError_t e)
{
	return e ? "emulated error" : "no error";
}
inline cudaError_t cudaGetLastError(void)
{
	return cudaSuccess;
}
inline cudaError_t cudaGetDeviceCount(int *n)
{
	*n = 1;
	return cudaSuccess;
}
inline cudaError_t cudaSetDevice(int)
{
	return cudaSuccess;
}
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int)
{
	strcpy(p->name, "emulated on the CPU");
	p->major = 9;
	p->minor = 0;
	return cudaSuccess;
}
inline cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned)
{
	*s = (void *)1;
	return cudaSuccess;
}
inline cudaError_t cudaStreamDestroy(cudaStream_t)
{
	return cudaSuccess;
}
inline cudaError_t cudaStreamSynchronize(cudaStream_t)
{
	return cudaSuccess;
}
inline cudaError_t cudaMalloc(void **p, size_t bytes)
{
	*p = malloc(bytes);
	if (*p) memset(*p, 0x7f, bytes); /* garbage, as fresh device memory may be */
	return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
inline cudaError_t cudaFree(void *p)
{
	free(p);
	return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void *p, int v, size_t bytes, cudaStream_t)
{
	memset(p, v, bytes);
	return cudaSuccess;
}
inline cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t bytes, cudaMemcpyKind,
                                   cudaStream_t)
{
	memmove(d, s, bytes);
	return cudaSuccess;
}
template <class T> inline T __shfl_down_sync(unsigned, T, int)
{
	return T(0); /* a one-thread warp: no other lane to read */
}
inline void __syncthreads(void) {}

template <class F, class... A> inline void nn_emu_launch(unsigned grid, F kernel, A... args)
{
	gridDim.x = grid;
	blockDim.x = 1;
	threadIdx.x = 0;
	for (unsigned b = 0; b < grid; b++) {
		blockIdx.x = b;
		kernel(args...);
	}
}
