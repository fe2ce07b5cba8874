/* seq.h - a sequential stack of layers over one arena (the GAN models' body).
 *
 * A nn_seq is what a PyTorch nn.Sequential is to its model: layers run in
 * order, and a layer's index is its state_dict prefix ("main.<index>.").
 * Build it with nn_seq_begin + nn_seq_add_* (shapes are tracked and
 * checked), then nn_seq_alloc makes ONE backend allocation holding
 *   params | grads | optimiser moments (0, 1 or 2 per param) | buffers
 *   (BN running stats) | BN saved mean/invstd | activations | dout |
 *   two gradient ping-pong buffers
 * sized for `batch` samples, so forward/backward allocate nothing.
 * Activation layers (ReLU, LeakyReLU, tanh, softmax) run in place on the
 * previous layer's output: nothing's backward needs what they overwrite
 * (conv/linear backward need their input, BN backward its input).
 *
 * Forward keeps a pointer to its input x: x must stay unchanged until the
 * matching backward. Backward follows nn.h: parameter gradients are
 * ACCUMULATED (zero them with nn_seq_zero_grad), dx is overwritten.
 *
 * Ownership: nn_seq is caller storage (a struct, usually inside a model);
 * nn_seq_alloc allocates the arena on the given backend and
 * nn_seq_release frees it. The backend must outlive the seq.
 */
#ifndef NN_SEQ_H
#define NN_SEQ_H

#include "nn.h"

#include <stddef.h>
#include <stdint.h>

#define NN_SEQ_MAX_LAYERS 24
#define NN_SEQ_MAX_TENSORS 64
#define NN_SEQ_NONE ((size_t)-1)

typedef enum {
	NN_LAYER_CONV,
	NN_LAYER_CONVT,
	NN_LAYER_LINEAR,
	NN_LAYER_BN,
	NN_LAYER_RELU,
	NN_LAYER_LRELU,
	NN_LAYER_TANH,
	NN_LAYER_SOFTMAX /* over channels of (N,C,H*W) */
} nn_layer_kind;

/* How nn_seq_init_params draws a tensor: N(a, b), U(-a, a) or the constant a. */
typedef enum { NN_INIT_NORMAL, NN_INIT_UNIFORM, NN_INIT_CONST } nn_init_kind;
typedef struct {
	nn_init_kind kind;
	float a, b;
} nn_init;

typedef struct {
	nn_layer_kind kind;
	int c, h, w;           /* output shape per sample (C,H,W); linear: (Out,1,1) or a view */
	int in_count;          /* input floats per sample */
	nn_conv conv;          /* conv/convT geometry, .n set per call */
	float slope;           /* leaky ReLU */
	size_t w_off, b_off;   /* into params (NN_SEQ_NONE: absent) */
	size_t rm_off, rv_off; /* into buffers: BN running mean / var */
	size_t save_off;       /* into the BN save area: mean (C) then invstd (C) */
	size_t act_off;        /* into acts: this layer's output (in-place layers share) */
	nn_init w_init, b_init;
} nn_layer;

/* One named tensor of the state_dict, pointing into backend memory. */
typedef struct {
	char name[48];
	int ndim;
	int64_t shape[4];
	size_t count;
	float *data;      /* backend memory; NULL for num_batches_tracked (host count) */
	size_t param_off; /* offset into params/grads/moments, NN_SEQ_NONE for buffers */
} nn_seq_tensor;

typedef struct {
	nn_backend *be;
	int nlayers;
	nn_layer layers[NN_SEQ_MAX_LAYERS];
	int in_c, in_h, in_w; /* input per sample */
	int batch;            /* max samples per call */
	int moments;          /* optimiser moment buffers per parameter */
	int training;         /* grads and gradient buffers exist */
	size_t nparams, nbuffers, nsave, nacts, dmax;
	float *arena;
	float *params, *grads, *m, *v; /* m, v: NULL unless moments >= 1, 2 */
	float *buffers, *save, *acts, *dout, *dbuf[2];
	long bn_batches;   /* BN num_batches_tracked (train-mode forwards) */
	const float *x_in; /* input of the last forward */
	int n_in;          /* its batch */
	int build_error;   /* a shape did not fit: nn_seq_alloc fails */
	char error[160];
} nn_seq;

/* Floats per sample a layer outputs. */
static inline size_t nn_layer_out_count(const nn_layer *l)
{
	return (size_t)l->c * l->h * l->w;
}

/* Starts an empty stack for inputs of (C,H,W) per sample. */
void nn_seq_begin(nn_seq *s, int c, int h, int w);
/* conv2d / conv_transpose2d with square kernels; weights get w_init. */
void nn_seq_add_conv(nn_seq *s, int transposed, int cout, int k, int stride, int pad, int bias,
                     nn_init w_init, nn_init b_init);
/* Linear over the flattened input, the output viewed as (c,h,w). */
void nn_seq_add_linear(nn_seq *s, int c, int h, int w, nn_init w_init, nn_init b_init);
/* BatchNorm over the current channels; gamma gets w_init, beta b_init. */
void nn_seq_add_bn(nn_seq *s, nn_init gamma_init, nn_init beta_init);
void nn_seq_add_act(nn_seq *s, nn_layer_kind kind, float slope);

/* Allocates the arena. training: grads + gradient buffers; moments: 0..2
 * optimiser buffers per parameter. BN running var starts at 1, the rest
 * at 0. -1 with a message on a bad build or out of memory. */
int nn_seq_alloc(nn_seq *s, nn_backend *be, int batch, int training, int moments, char *err,
                 size_t errlen);
void nn_seq_release(nn_seq *s);

/* Draws every parameter from its nn_init with r, layer by layer, weight
 * then bias (host draw, one upload). -1 when out of memory. */
int nn_seq_init_params(nn_seq *s, nn_rng *r);

size_t nn_seq_out_count(const nn_seq *s); /* output floats per sample */
/* Trainable parameters (nparams also counts alignment padding). */
size_t nn_seq_param_count(const nn_seq *s);
size_t nn_seq_in_count(const nn_seq *s);

/* x (n, in) -> returned output (n, out), backend memory owned by s.
 * train: BN uses batch statistics and updates the running ones. Eval
 * (train = 0) on the CPU goes through nn/infer.c's fused path when it
 * supports the stack and batch, else through nn_seq_forward_layers. */
float *nn_seq_forward(nn_seq *s, int n, const float *x, int train);
/* The layer-by-layer forward, one nn.h op per layer: what training always
 * runs; tests compare the fused eval path against it. */
float *nn_seq_forward_layers(nn_seq *s, int n, const float *x, int train);
/* dy (n, out) (may be s->dout) -> dx (n, in) (NULL: not wanted).
 * param_grads: accumulate parameter gradients (0: only dx). Needs the
 * last forward to have been train-mode with the same n. */
void nn_seq_backward(nn_seq *s, int n, const float *dy, float *dx, int param_grads);
void nn_seq_zero_grad(nn_seq *s);

/* The state_dict: params and buffers in PyTorch order, names "<prefix><i>.weight"
 * etc. Returns the number filled (at most max). */
int nn_seq_tensors(const nn_seq *s, const char *prefix, nn_seq_tensor *out, int max);

#endif
