/* device_auto.c - what "auto" means when a caller picks a device.
 *
 * Kept apart from backend.c so the rule lives in one place: the GPU when
 * the build has CUDA and a device answers, else the CPU. */
#include "nn.h"

nn_device nn_device_auto(void)
{
	return nn_cuda_available() ? NN_DEVICE_CUDA : NN_DEVICE_CPU;
}
