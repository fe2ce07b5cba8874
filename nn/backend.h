/* backend.h - what a backend is, shared by the CPU code and the CUDA code.
 *
 * Dispatch is by name: every public op nn_X(nn_backend *be, ...) of nn.h
 * has a CUDA twin nn_cuda_X(nn_backend *be, ...) with the same signature
 * (declared in nn/cuda/nn_cuda.h, built only when NN_HAVE_CUDA is defined).
 * The public function checks be->device and calls the twin, or runs its CPU
 * code. Without a CUDA build the CPU is the only device there is.
 *
 * Ownership: nn_backend_create allocates the struct and its workspaces;
 * nn_backend_destroy frees them (and the CUDA state through
 * nn_cuda_backend_release).
 */
#ifndef NN_BACKEND_H
#define NN_BACKEND_H

#include "nn.h"

struct nn_backend {
	nn_device device;
	int threads;
	char desc[128];
	/* CPU scratch (im2col columns, per-channel sums), grown on demand and
	 * kept for the backend's life so hot loops allocate nothing. */
	float *work;
	size_t work_cap;
	/* CUDA private state (cuBLAS handle, stream, device scratch), owned by
	 * nn/cuda/; NULL on the CPU. */
	void *cuda;
};

/* The softmax of one position's c values, stride floats apart, from x
 * into y (y may be x): the CPU path of nn_softmax_channels_forward, which
 * nn/infer.c's portable kernel calls too, so the two agree to the bit. */
void nn_softmax_position_cpu(const float *x, float *y, size_t stride, int c);

/* Grows be->work to at least n floats; NULL when out of memory. */
float *nn_cpu_workspace(nn_backend *be, size_t n);

#endif
