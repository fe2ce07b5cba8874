/* seq.c - a sequential stack of layers over one arena (see seq.h). */
#include "seq.h"

#include "infer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every tensor and region starts on a 64-float (256-byte) boundary: what
 * cuBLAS and vector loads like best. */
#define ALIGN_FLOATS 64

static size_t align_up(size_t n)
{
	return (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
}

static int is_activation(nn_layer_kind k)
{
	return k == NN_LAYER_RELU || k == NN_LAYER_LRELU || k == NN_LAYER_TANH ||
	       k == NN_LAYER_SOFTMAX;
}

static void build_fail(nn_seq *s, const char *msg)
{
	if (!s->build_error) snprintf(s->error, sizeof s->error, "%s", msg);
	s->build_error = 1;
}

/* The next layer slot, its input shape taken from the current output. */
static nn_layer *push(nn_seq *s, nn_layer_kind kind)
{
	if (s->nlayers >= NN_SEQ_MAX_LAYERS) {
		build_fail(s, "too many layers");
		return NULL;
	}
	nn_layer *l = &s->layers[s->nlayers];
	memset(l, 0, sizeof *l);
	l->kind = kind;
	if (s->nlayers == 0) {
		l->c = s->in_c;
		l->h = s->in_h;
		l->w = s->in_w;
	} else {
		const nn_layer *p = &s->layers[s->nlayers - 1];
		l->c = p->c;
		l->h = p->h;
		l->w = p->w;
	}
	l->in_count = l->c * l->h * l->w;
	l->w_off = l->b_off = l->rm_off = l->rv_off = l->save_off = NN_SEQ_NONE;
	s->nlayers++;
	return l;
}

void nn_seq_begin(nn_seq *s, int c, int h, int w)
{
	memset(s, 0, sizeof *s);
	s->in_c = c;
	s->in_h = h;
	s->in_w = w;
	if (c <= 0 || h <= 0 || w <= 0) build_fail(s, "empty input shape");
}

void nn_seq_add_conv(nn_seq *s, int transposed, int cout, int k, int stride, int pad, int bias,
                     nn_init w_init, nn_init b_init)
{
	nn_layer *l = push(s, transposed ? NN_LAYER_CONVT : NN_LAYER_CONV);
	if (!l) return;
	l->conv = nn_conv_shape(1, l->c, l->h, l->w, cout, k, stride, pad, transposed);
	if (l->conv.ho <= 0 || l->conv.wo <= 0) build_fail(s, "a convolution's output is empty");
	l->c = cout;
	l->h = l->conv.ho;
	l->w = l->conv.wo;
	l->w_off = 0; /* marks "has weight"; real offsets come in nn_seq_alloc */
	l->b_off = bias ? 0 : NN_SEQ_NONE;
	l->w_init = w_init;
	l->b_init = b_init;
}

void nn_seq_add_linear(nn_seq *s, int c, int h, int w, nn_init w_init, nn_init b_init)
{
	nn_layer *l = push(s, NN_LAYER_LINEAR);
	if (!l) return;
	l->c = c;
	l->h = h;
	l->w = w;
	l->w_off = l->b_off = 0;
	l->w_init = w_init;
	l->b_init = b_init;
}

void nn_seq_add_bn(nn_seq *s, nn_init gamma_init, nn_init beta_init)
{
	nn_layer *l = push(s, NN_LAYER_BN);
	if (!l) return;
	l->w_off = l->b_off = 0;
	l->rm_off = l->rv_off = l->save_off = 0;
	l->w_init = gamma_init;
	l->b_init = beta_init;
}

void nn_seq_add_act(nn_seq *s, nn_layer_kind kind, float slope)
{
	if (!is_activation(kind)) {
		build_fail(s, "not an activation");
		return;
	}
	if (s->nlayers == 0) {
		build_fail(s, "an activation cannot be the first layer (it runs in place)");
		return;
	}
	nn_layer *l = push(s, kind);
	if (l) l->slope = slope;
}

/* Parameter floats of a layer: weight and bias. */
static void param_counts(const nn_layer *l, size_t *wn, size_t *bn)
{
	*wn = *bn = 0;
	switch (l->kind) {
	case NN_LAYER_CONV:
	case NN_LAYER_CONVT:
		*wn = (size_t)l->conv.cin * l->conv.cout * l->conv.k * l->conv.k;
		*bn = l->b_off != NN_SEQ_NONE ? (size_t)l->conv.cout : 0;
		break;
	case NN_LAYER_LINEAR:
		*wn = (size_t)l->in_count * nn_layer_out_count(l);
		*bn = nn_layer_out_count(l);
		break;
	case NN_LAYER_BN:
		*wn = *bn = (size_t)l->c;
		break;
	default:
		break;
	}
}

int nn_seq_alloc(nn_seq *s, nn_backend *be, int batch, int training, int moments, char *err,
                 size_t errlen)
{
	if (s->build_error || s->nlayers == 0) {
		snprintf(err, errlen, "model build: %s", s->nlayers ? s->error : "no layers");
		return -1;
	}
	if (batch <= 0 || moments < 0 || moments > 2) {
		snprintf(err, errlen, "model build: bad batch or optimiser state");
		return -1;
	}
	s->be = be;
	s->batch = batch;
	s->training = training;
	s->moments = training ? moments : 0;
	size_t np = 0, nb = 0, ns = 0, na = 0;
	size_t dmax = (size_t)s->in_c * s->in_h * s->in_w;
	for (int i = 0; i < s->nlayers; i++) {
		nn_layer *l = &s->layers[i];
		size_t wn, bn;
		param_counts(l, &wn, &bn);
		if (wn) {
			l->w_off = np;
			np += align_up(wn);
		}
		if (bn) {
			l->b_off = np;
			np += align_up(bn);
		}
		if (l->kind == NN_LAYER_BN) {
			l->rm_off = nb;
			nb += align_up((size_t)l->c);
			l->rv_off = nb;
			nb += align_up((size_t)l->c);
			l->save_off = ns;
			ns += align_up(2 * (size_t)l->c);
		}
		if (is_activation(l->kind)) {
			l->act_off = s->layers[i - 1].act_off;
		} else {
			l->act_off = na;
			na += align_up((size_t)batch * nn_layer_out_count(l));
		}
		if (nn_layer_out_count(l) > dmax) dmax = nn_layer_out_count(l);
	}
	dmax = align_up(dmax * (size_t)batch);
	size_t nout = align_up((size_t)batch * nn_seq_out_count(s));
	s->nparams = np;
	s->nbuffers = nb;
	s->nsave = ns;
	s->nacts = na;
	s->dmax = training ? dmax : 0;
	size_t total = np * (1 + (training ? 1 + (size_t)s->moments : 0)) + nb + ns + na +
	               (training ? nout + 2 * dmax : 0);
	s->arena = nn_alloc(be, total);
	if (!s->arena) {
		snprintf(err, errlen, "out of memory: the model needs %.1f MB",
		         (double)total * 4 / 1e6);
		return -1;
	}
	float *p = s->arena;
	s->params = p, p += np;
	if (training) {
		s->grads = p, p += np;
		if (s->moments >= 1) s->m = p, p += np;
		if (s->moments >= 2) s->v = p, p += np;
	}
	s->buffers = p, p += nb;
	s->save = p, p += ns;
	s->acts = p, p += na;
	if (training) {
		s->dout = p, p += nout;
		s->dbuf[0] = p, p += dmax;
		s->dbuf[1] = p, p += dmax;
	}
	for (int i = 0; i < s->nlayers; i++) {
		const nn_layer *l = &s->layers[i];
		if (l->kind == NN_LAYER_BN) nn_fill(be, s->buffers + l->rv_off, 1.0f, (size_t)l->c);
	}
	return 0;
}

void nn_seq_release(nn_seq *s)
{
	if (s->arena) nn_free(s->be, s->arena);
	s->arena = NULL;
}

static void draw(nn_rng *r, nn_init in, float *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (in.kind) {
		case NN_INIT_NORMAL:
			x[i] = in.a + in.b * nn_rng_normal(r);
			break;
		case NN_INIT_UNIFORM:
			x[i] = in.a * (2.0f * nn_rng_uniform(r) - 1.0f);
			break;
		default:
			x[i] = in.a;
			break;
		}
	}
}

int nn_seq_init_params(nn_seq *s, nn_rng *r)
{
	float *host = calloc(s->nparams ? s->nparams : 1, sizeof *host);
	if (!host) return -1;
	for (int i = 0; i < s->nlayers; i++) {
		const nn_layer *l = &s->layers[i];
		size_t wn, bn;
		param_counts(l, &wn, &bn);
		if (wn) draw(r, l->w_init, host + l->w_off, wn);
		if (bn) draw(r, l->b_init, host + l->b_off, bn);
	}
	nn_upload(s->be, s->params, host, s->nparams);
	free(host);
	return 0;
}

size_t nn_seq_out_count(const nn_seq *s)
{
	return s->nlayers ? nn_layer_out_count(&s->layers[s->nlayers - 1]) : 0;
}

size_t nn_seq_param_count(const nn_seq *s)
{
	size_t n = 0;
	for (int i = 0; i < s->nlayers; i++) {
		size_t wn, bn;
		param_counts(&s->layers[i], &wn, &bn);
		n += wn + bn;
	}
	return n;
}

size_t nn_seq_in_count(const nn_seq *s)
{
	return (size_t)s->in_c * s->in_h * s->in_w;
}

static nn_bn bn_shape(const nn_layer *l, int n)
{
	return (nn_bn){.n = n, .c = l->c, .s = l->h * l->w, .eps = 1e-5f, .momentum = 0.1f};
}

float *nn_seq_forward(nn_seq *s, int n, const float *x, int train)
{
	if (!train) {
		float *y = nn_infer_forward(s, n, x);
		if (y) return y;
	}
	return nn_seq_forward_layers(s, n, x, train);
}

float *nn_seq_forward_layers(nn_seq *s, int n, const float *x, int train)
{
	nn_backend *be = s->be;
	const float *in = x;
	s->x_in = x;
	s->n_in = n;
	int counted = 0;
	for (int i = 0; i < s->nlayers; i++) {
		const nn_layer *l = &s->layers[i];
		float *y = s->acts + l->act_off;
		size_t cnt = (size_t)n * nn_layer_out_count(l);
		const float *w = l->w_off != NN_SEQ_NONE ? s->params + l->w_off : NULL;
		const float *b = l->b_off != NN_SEQ_NONE ? s->params + l->b_off : NULL;
		nn_conv c = l->conv;
		c.n = n;
		switch (l->kind) {
		case NN_LAYER_CONV:
			nn_conv2d_forward(be, &c, in, w, b, y);
			break;
		case NN_LAYER_CONVT:
			nn_conv_transpose2d_forward(be, &c, in, w, b, y);
			break;
		case NN_LAYER_LINEAR:
			nn_linear_forward(be, n, l->in_count, (int)nn_layer_out_count(l), in, w, b, y);
			break;
		case NN_LAYER_BN: {
			nn_bn p = bn_shape(l, n);
			float *rm = s->buffers + l->rm_off, *rv = s->buffers + l->rv_off;
			if (train) {
				float *sm = s->save + l->save_off;
				nn_batchnorm_forward_train(be, &p, in, w, b, rm, rv, sm, sm + l->c,
				                           y);
				counted = 1;
			} else {
				nn_batchnorm_forward_eval(be, &p, in, w, b, rm, rv, y);
			}
			break;
		}
		case NN_LAYER_RELU:
			nn_relu_forward(be, cnt, in, y);
			break;
		case NN_LAYER_LRELU:
			nn_leaky_relu_forward(be, cnt, l->slope, in, y);
			break;
		case NN_LAYER_TANH:
			nn_tanh_forward(be, cnt, in, y);
			break;
		case NN_LAYER_SOFTMAX:
			nn_softmax_channels_forward(be, n, l->c, l->h * l->w, in, y);
			break;
		}
		in = y;
	}
	s->bn_batches += counted;
	return (float *)in;
}

void nn_seq_backward(nn_seq *s, int n, const float *dy, float *dx, int param_grads)
{
	nn_backend *be = s->be;
	const float *cur = dy;
	int which = -1; /* which dbuf cur is, -1: the caller's */
	for (int i = s->nlayers - 1; i >= 0; i--) {
		const nn_layer *l = &s->layers[i];
		const float *in = i ? s->acts + s->layers[i - 1].act_off : s->x_in;
		const float *y = s->acts + l->act_off;
		size_t cnt = (size_t)n * nn_layer_out_count(l);
		int act = is_activation(l->kind);
		float *target;
		int next;
		if (i == 0) {
			target = dx;
			next = -1;
		} else if (act) {
			next = which >= 0 ? which : 0; /* in place over dy when dy is ours */
			target = s->dbuf[next];
		} else {
			next = which == 0 ? 1 : 0;
			target = s->dbuf[next];
		}
		int pg = param_grads && l->w_off != NN_SEQ_NONE;
		if (!target && !pg) break;
		const float *w = l->w_off != NN_SEQ_NONE ? s->params + l->w_off : NULL;
		float *dw = pg ? s->grads + l->w_off : NULL;
		float *db = pg && l->b_off != NN_SEQ_NONE ? s->grads + l->b_off : NULL;
		nn_conv c = l->conv;
		c.n = n;
		switch (l->kind) {
		case NN_LAYER_CONV:
			nn_conv2d_backward(be, &c, in, w, cur, target, dw, db);
			break;
		case NN_LAYER_CONVT:
			nn_conv_transpose2d_backward(be, &c, in, w, cur, target, dw, db);
			break;
		case NN_LAYER_LINEAR:
			nn_linear_backward(be, n, l->in_count, (int)nn_layer_out_count(l), in, w, cur,
			                   target, dw, db);
			break;
		case NN_LAYER_BN: {
			nn_bn p = bn_shape(l, n);
			const float *sm = s->save + l->save_off;
			nn_batchnorm_backward(be, &p, in, w, sm, sm + l->c, cur, target, dw, db);
			break;
		}
		case NN_LAYER_RELU:
			if (target) nn_relu_backward(be, cnt, y, cur, target);
			break;
		case NN_LAYER_LRELU:
			if (target) nn_leaky_relu_backward(be, cnt, l->slope, y, cur, target);
			break;
		case NN_LAYER_TANH:
			if (target) nn_tanh_backward(be, cnt, y, cur, target);
			break;
		case NN_LAYER_SOFTMAX:
			if (target)
				nn_softmax_channels_backward(be, n, l->c, l->h * l->w, y, cur,
				                             target);
			break;
		}
		cur = target;
		which = next;
	}
}

void nn_seq_zero_grad(nn_seq *s)
{
	if (s->grads) nn_fill(s->be, s->grads, 0.0f, s->nparams);
}

static void name_of(nn_seq_tensor *t, const char *prefix, int i, const char *what)
{
	snprintf(t->name, sizeof t->name, "%s%d.%s", prefix, i, what);
}

int nn_seq_tensors(const nn_seq *s, const char *prefix, nn_seq_tensor *out, int max)
{
	int k = 0;
	for (int i = 0; i < s->nlayers; i++) {
		const nn_layer *l = &s->layers[i];
		size_t wn, bn;
		param_counts(l, &wn, &bn);
		if (!wn) continue;
		if (k >= max) break;
		nn_seq_tensor *t = &out[k++];
		memset(t, 0, sizeof *t);
		name_of(t, prefix, i, "weight");
		t->count = wn;
		t->data = s->params + l->w_off;
		t->param_off = l->w_off;
		if (l->kind == NN_LAYER_CONV || l->kind == NN_LAYER_CONVT) {
			/* conv (Cout,Cin,K,K); transposed (Cin,Cout,K,K) */
			int first = l->kind == NN_LAYER_CONV ? l->conv.cout : l->conv.cin;
			int second = l->kind == NN_LAYER_CONV ? l->conv.cin : l->conv.cout;
			t->ndim = 4;
			t->shape[0] = first;
			t->shape[1] = second;
			t->shape[2] = t->shape[3] = l->conv.k;
		} else if (l->kind == NN_LAYER_LINEAR) {
			t->ndim = 2;
			t->shape[0] = (int64_t)nn_layer_out_count(l);
			t->shape[1] = l->in_count;
		} else {
			t->ndim = 1;
			t->shape[0] = l->c;
		}
		if (bn && k < max) {
			t = &out[k++];
			memset(t, 0, sizeof *t);
			name_of(t, prefix, i, "bias");
			t->ndim = 1;
			t->shape[0] = (int64_t)bn;
			t->count = bn;
			t->data = s->params + l->b_off;
			t->param_off = l->b_off;
		}
		if (l->kind != NN_LAYER_BN) continue;
		static const char *const bufs[] = {"running_mean", "running_var",
		                                   "num_batches_tracked"};
		for (int j = 0; j < 3 && k < max; j++) {
			t = &out[k++];
			memset(t, 0, sizeof *t);
			name_of(t, prefix, i, bufs[j]);
			t->param_off = NN_SEQ_NONE;
			if (j == 2) {
				t->ndim = 0; /* a scalar, as PyTorch's */
				t->count = 1;
				t->data = NULL;
			} else {
				t->ndim = 1;
				t->shape[0] = l->c;
				t->count = (size_t)l->c;
				t->data = s->buffers + (j == 0 ? l->rm_off : l->rv_off);
			}
		}
	}
	return k;
}
