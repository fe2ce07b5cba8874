/* spectral.c - spectral norm projection (see spectral.h). */
#include "spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float normalise(float *x, int n)
{
	double ss = 0;
	for (int i = 0; i < n; i++)
		ss += (double)x[i] * x[i];
	float norm = (float)sqrt(ss);
	/* a zero vector stays zero: sigma 0, nothing to project */
	if (norm > 0)
		for (int i = 0; i < n; i++)
			x[i] /= norm;
	return norm;
}

/* v = normalise(W^T u), u = normalise(W v); returns sigma = |W v|, which
 * equals u^T W v for the new u. */
static float power_iteration(nn_spectral *sn, int i)
{
	nn_backend *be = sn->seq->be;
	const float *w = sn->seq->params + sn->seq->layers[sn->layer[i]].w_off;
	int rows = sn->rows[i], cols = sn->cols[i];
	float *du = sn->dev, *dv = sn->dev + rows;
	nn_upload(be, du, sn->u[i], (size_t)rows);
	/* v (cols, 1) = W^T (cols, rows) u (rows, 1) */
	nn_gemm(be, 1, 0, cols, 1, rows, 1.0f, w, du, 0.0f, dv);
	nn_download(be, sn->host, dv, (size_t)cols);
	normalise(sn->host, cols);
	nn_upload(be, dv, sn->host, (size_t)cols);
	nn_gemm(be, 0, 0, rows, 1, cols, 1.0f, w, dv, 0.0f, du);
	nn_download(be, sn->u[i], du, (size_t)rows);
	return normalise(sn->u[i], rows);
}

int nn_spectral_init(nn_spectral *sn, nn_seq *s, int warmup)
{
	memset(sn, 0, sizeof *sn);
	sn->seq = s;
	for (int i = 0; i < s->nlayers; i++)
		if (s->layers[i].kind == NN_LAYER_CONVT) return -1;
	int maxr = 1, maxc = 1;
	for (int i = 0; i < s->nlayers; i++) {
		const nn_layer *l = &s->layers[i];
		if (l->kind != NN_LAYER_CONV && l->kind != NN_LAYER_LINEAR) continue;
		int k = sn->count++;
		sn->layer[k] = i;
		if (l->kind == NN_LAYER_CONV) {
			sn->rows[k] = l->conv.cout;
			sn->cols[k] = l->conv.cin * l->conv.k * l->conv.k;
		} else {
			sn->rows[k] = (int)nn_layer_out_count(l);
			sn->cols[k] = l->in_count;
		}
		if (sn->rows[k] > maxr) maxr = sn->rows[k];
		if (sn->cols[k] > maxc) maxc = sn->cols[k];
		sn->u[k] = malloc((size_t)sn->rows[k] * sizeof *sn->u[k]);
		if (!sn->u[k]) goto oom;
		for (int j = 0; j < sn->rows[k]; j++)
			sn->u[k][j] = 1.0f;
		normalise(sn->u[k], sn->rows[k]);
	}
	sn->host = malloc((size_t)maxc * sizeof *sn->host);
	sn->dev = nn_alloc(s->be, (size_t)maxr + (size_t)maxc);
	if (!sn->host || !sn->dev) goto oom;
	for (int k = 0; k < sn->count; k++)
		for (int it = 0; it < warmup; it++)
			sn->sigma[k] = power_iteration(sn, k);
	return 0;
oom:
	nn_spectral_free(sn);
	return -1;
}

void nn_spectral_free(nn_spectral *sn)
{
	for (int k = 0; k < sn->count; k++)
		free(sn->u[k]);
	free(sn->host);
	if (sn->dev) nn_free(sn->seq->be, sn->dev);
	memset(sn, 0, sizeof *sn);
}

void nn_spectral_project(nn_spectral *sn)
{
	for (int k = 0; k < sn->count; k++) {
		float sigma = power_iteration(sn, k);
		sn->sigma[k] = sigma;
		if (sigma > 1.0f) {
			size_t n = (size_t)sn->rows[k] * sn->cols[k];
			nn_scale(sn->seq->be, n, 1.0f / sigma,
			         sn->seq->params + sn->seq->layers[sn->layer[k]].w_off);
		}
	}
}
