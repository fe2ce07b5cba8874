/* checkpoint.c - GAN checkpoints as safetensors files (see checkpoint.h). */
#include "checkpoint.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *what, const api_error *e)
{
	snprintf(err, errlen, "%s: %s", what, e->message);
	return -1;
}

static int meta_set(api_st_writer *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int meta_set(api_st_writer *w, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return api_st_set_meta(w, key, buf, NULL);
}

/* "[[r,g,b],...]", malloc'd */
static char *colors_json(const uint8_t *colors, int vocab)
{
	size_t cap = 16 + (size_t)vocab * 16;
	char *s = malloc(cap);
	if (!s) return NULL;
	size_t n = 0;
	s[n++] = '[';
	for (int i = 0; colors && i < vocab; i++)
		n += (size_t)snprintf(s + n, cap - n, "%s[%d,%d,%d]", i ? "," : "", colors[3 * i],
		                      colors[3 * i + 1], colors[3 * i + 2]);
	snprintf(s + n, cap - n, "]");
	return s;
}

/* "[a,b,...]", malloc'd */
static char *ints_json(const int32_t *v, int n)
{
	size_t cap = 16 + (size_t)n * 12;
	char *s = malloc(cap);
	if (!s) return NULL;
	size_t k = 0;
	s[k++] = '[';
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(s + k, cap - k, "%s%d", i ? "," : "", (int)v[i]);
	snprintf(s + k, cap - k, "]");
	return s;
}

static int write_meta(api_st_writer *w, const nn_gan *gan, const nn_ckpt_info *info, int epoch)
{
	const nn_gan_config *c = &gan->cfg;
	int rc = 0;
	rc |= meta_set(w, "arch", "%s", nn_arch_name(c->arch));
	rc |= meta_set(w, "format", "%s", c->onehot ? "onehot" : "rgb");
	rc |= meta_set(w, "channels", "%d", c->channels);
	rc |= meta_set(w, "vocab", "%d", info->vocab);
	rc |= meta_set(w, "size", "%d", c->size);
	rc |= meta_set(w, "latent", "%d", c->latent);
	rc |= meta_set(w, "width", "%d", c->width);
	rc |= meta_set(w, "steps", "%ld", gan->step);
	rc |= meta_set(w, "seed", "%" PRIu64, info->seed);
	rc |= meta_set(w, "source", "%s", info->source ? info->source : "");
	rc |= meta_set(w, "config",
	               "{\"batch\":%d,\"lr\":%.9g,\"betas\":[%.9g,%.9g],\"clip\":%.9g,"
	               "\"n_critic\":%d,\"epoch\":%d,\"loss\":\"%s\"}",
	               c->batch, c->lr, c->beta1, c->beta2, c->clip, c->n_critic, epoch,
	               nn_loss_name(c->loss));
	char *colors = colors_json(info->colors, info->vocab);
	rc |= !colors || api_st_set_meta(w, "colors", colors, NULL);
	free(colors);
	if (info->spec_json) rc |= api_st_set_meta(w, "spec", info->spec_json, NULL);
	if (info->vocab_ids) {
		char *ids = ints_json(info->vocab_ids, info->vocab);
		rc |= !ids || api_st_set_meta(w, "vocab_ids", ids, NULL);
		free(ids);
	}
	return rc ? -1 : 0;
}

/* Adds s's state_dict as "<prefix>name" and, when moment >= 0, that
 * optimiser moment of each parameter as "<prefix>name" instead. */
static int add_seq(api_st_writer *w, const nn_seq *s, const char *prefix, int moment, api_error *e)
{
	nn_seq_tensor ts[NN_SEQ_MAX_TENSORS];
	int k = nn_seq_tensors(s, "main.", ts, NN_SEQ_MAX_TENSORS);
	const float *mom = moment == 0 ? s->m : moment == 1 ? s->v : NULL;
	if (moment >= 0 && !mom) return 0;
	size_t biggest = 1;
	for (int i = 0; i < k; i++)
		if (ts[i].count > biggest) biggest = ts[i].count;
	float *host = malloc(biggest * sizeof *host);
	if (!host) return api_fail(e, API_ERR_NOMEM, "out of memory");
	int rc = 0;
	for (int i = 0; i < k && rc == 0; i++) {
		if (moment >= 0 && ts[i].param_off == NN_SEQ_NONE) continue;
		char name[128];
		snprintf(name, sizeof name, "%.64s%.48s", prefix, ts[i].name);
		if (moment >= 0)
			nn_download(s->be, host, mom + ts[i].param_off, ts[i].count);
		else if (ts[i].data)
			nn_download(s->be, host, ts[i].data, ts[i].count);
		else
			host[0] = (float)s->bn_batches; /* num_batches_tracked */
		rc = api_st_add(w, name, ts[i].ndim, ts[i].shape, host, e);
	}
	free(host);
	return rc;
}

int nn_ckpt_save_generator(const char *path, const nn_gan *gan, const nn_ckpt_info *info, int epoch,
                           char *err, size_t errlen)
{
	api_error e = {0};
	api_st_writer *w = api_st_writer_create();
	if (!w) return fail(err, errlen, path, &(api_error){"out of memory", ""});
	int rc = write_meta(w, gan, info, epoch) ? api_fail(&e, API_ERR_NOMEM, "out of memory")
	                                         : add_seq(w, &gan->g, "", -1, &e);
	if (rc == 0) rc = api_st_write_file(w, path, &e);
	api_st_writer_destroy(w);
	return rc ? fail(err, errlen, path, &e) : 0;
}

int nn_ckpt_save_state(const char *path, const nn_trainer *t, const nn_ckpt_info *info, char *err,
                       size_t errlen)
{
	api_error e = {0};
	const nn_gan *gan = &t->gan;
	api_st_writer *w = api_st_writer_create();
	if (!w) return fail(err, errlen, path, &(api_error){"out of memory", ""});
	int adam = !nn_gan_rmsprop(&gan->cfg);
	const char *m0 = adam ? "exp_avg." : "square_avg.";
	char pg[64], pd[64], pg2[64], pd2[64];
	snprintf(pg, sizeof pg, "optG.%s", m0);
	snprintf(pd, sizeof pd, "optD.%s", m0);
	snprintf(pg2, sizeof pg2, "optG.exp_avg_sq.");
	snprintf(pd2, sizeof pd2, "optD.exp_avg_sq.");
	int rc = write_meta(w, gan, info, t->epoch);
	rc |= meta_set(w, "rng", "%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64,
	               t->rng.s[0], t->rng.s[1], t->rng.s[2], t->rng.s[3]);
	rc |= meta_set(w, "cursor", "%ld", t->cursor);
	rc |= meta_set(w, "epoch", "%d", t->epoch);
	rc |= meta_set(w, "seconds", "%.6f", t->seconds);
	if (rc) rc = api_fail(&e, API_ERR_NOMEM, "out of memory");
	if (rc == 0) rc = add_seq(w, &gan->g, "netG.", -1, &e);
	if (rc == 0) rc = add_seq(w, &gan->d, "netD.", -1, &e);
	if (rc == 0) rc = add_seq(w, &gan->g, pg, 0, &e);
	if (rc == 0) rc = add_seq(w, &gan->d, pd, 0, &e);
	if (rc == 0 && adam) rc = add_seq(w, &gan->g, pg2, 1, &e);
	if (rc == 0 && adam) rc = add_seq(w, &gan->d, pd2, 1, &e);
	for (int k = 0; rc == 0 && k < gan->sn.count; k++) {
		char name[64];
		snprintf(name, sizeof name, "netD.main.%d.weight_u", gan->sn.layer[k]);
		int64_t shape[1] = {gan->sn.rows[k]};
		rc = api_st_add(w, name, 1, shape, gan->sn.u[k], &e);
	}
	float *perm = rc == 0 ? malloc((size_t)t->ds->count * sizeof *perm) : NULL;
	if (rc == 0 && !perm) rc = api_fail(&e, API_ERR_NOMEM, "out of memory");
	if (rc == 0) {
		for (int i = 0; i < t->ds->count; i++)
			perm[i] = (float)t->perm[i];
		int64_t shape[1] = {t->ds->count};
		rc = api_st_add(w, "train.perm", 1, shape, perm, &e);
	}
	free(perm);
	if (rc == 0) rc = api_st_write_file(w, path, &e);
	api_st_writer_destroy(w);
	return rc ? fail(err, errlen, path, &e) : 0;
}

static int meta_long(const api_safetensors *st, const char *key, long lo, long hi, long *out)
{
	const char *v = api_st_meta(st, key);
	if (!v || !*v) return -1;
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || *end || x < lo || x > hi) return -1;
	*out = x;
	return 0;
}

int nn_ckpt_config(const api_safetensors *st, nn_gan_config *cfg, uint64_t *seed, char *err,
                   size_t errlen)
{
	const char *arch = api_st_meta(st, "arch"), *format = api_st_meta(st, "format");
	nn_arch a;
	if (!arch || nn_arch_parse(arch, &a) || !format ||
	    (strcmp(format, "rgb") && strcmp(format, "onehot"))) {
		snprintf(err, errlen,
		         "not a wfc GAN checkpoint (metadata arch/format missing or unknown)");
		return -1;
	}
	long channels, size, latent, width;
	if (meta_long(st, "channels", 1, 4096, &channels) ||
	    meta_long(st, "size", 1, 1024, &size) || meta_long(st, "latent", 1, 4096, &latent) ||
	    meta_long(st, "width", 1, 8192, &width)) {
		snprintf(err, errlen,
		         "checkpoint metadata channels/size/latent/width missing or out of range");
		return -1;
	}
	int onehot = !strcmp(format, "onehot");
	nn_gan_config_default(cfg, a, (int)channels, onehot, (int)size);
	cfg->latent = (int)latent;
	cfg->width = (int)width;
	const char *conf = api_st_meta(st, "config");
	if (conf) {
		/* the fields written by write_meta, in its order */
		int batch = 0, n_critic = 0, epoch = 0;
		float lr = 0, b1 = 0, b2 = 0, clip = 0;
		/* "loss" came later: files without it were trained with BCE */
		const char *loss = strstr(conf, "\"loss\":\"");
		char name[32] = "";
		if (loss) sscanf(loss + 8, "%31[^\"]", name);
		if (nn_loss_parse(name, &cfg->loss)) cfg->loss = NN_LOSS_BCE;
		if (sscanf(conf,
		           "{\"batch\":%d,\"lr\":%g,\"betas\":[%g,%g],\"clip\":%g,\"n_critic\":%d,"
		           "\"epoch\":%d",
		           &batch, &lr, &b1, &b2, &clip, &n_critic, &epoch) == 7 &&
		    batch > 0 && n_critic > 0 && lr > 0) {
			cfg->batch = batch;
			cfg->lr = lr;
			cfg->beta1 = b1;
			cfg->beta2 = b2;
			cfg->clip = clip;
			cfg->n_critic = n_critic;
		}
	}
	const char *s = api_st_meta(st, "seed");
	*seed = s ? strtoull(s, NULL, 10) : 0;
	return 0;
}

/* Uploads "<prefix>name" of every tensor of s (moment -1: the
 * state_dict; 0/1: that optimiser moment). */
static int load_seq(const api_safetensors *st, nn_seq *s, const char *prefix, int moment, char *err,
                    size_t errlen)
{
	nn_seq_tensor ts[NN_SEQ_MAX_TENSORS];
	int k = nn_seq_tensors(s, "main.", ts, NN_SEQ_MAX_TENSORS);
	float *mom = moment == 0 ? s->m : moment == 1 ? s->v : NULL;
	if (moment >= 0 && !mom) return 0;
	for (int i = 0; i < k; i++) {
		if (moment >= 0 && ts[i].param_off == NN_SEQ_NONE) continue;
		char name[128];
		snprintf(name, sizeof name, "%.64s%.48s", prefix, ts[i].name);
		const api_st_tensor *t = api_st_find(st, name);
		if (!t || t->count != ts[i].count) {
			snprintf(err, errlen, "checkpoint tensor '%s' %s (expected %zu values)",
			         name, t ? "has the wrong size" : "is missing", ts[i].count);
			return -1;
		}
		if (moment >= 0)
			nn_upload(s->be, mom + ts[i].param_off, t->data, t->count);
		else if (ts[i].data)
			nn_upload(s->be, ts[i].data, t->data, t->count);
		else
			s->bn_batches = (long)t->data[0];
	}
	return 0;
}

/* The spectral critic's power-iteration vectors ("netD.main.<i>.weight_u",
 * PyTorch's name for them), so a resumed run projects as the first did. */
static int load_spectral(const api_safetensors *st, nn_spectral *sn, char *err, size_t errlen)
{
	for (int k = 0; k < sn->count; k++) {
		char name[64];
		snprintf(name, sizeof name, "netD.main.%d.weight_u", sn->layer[k]);
		const api_st_tensor *t = api_st_find(st, name);
		if (!t || t->count != (size_t)sn->rows[k]) {
			snprintf(err, errlen, "checkpoint tensor '%s' %s (expected %d values)", name,
			         t ? "has the wrong size" : "is missing", sn->rows[k]);
			return -1;
		}
		memcpy(sn->u[k], t->data, t->count * sizeof *sn->u[k]);
	}
	return 0;
}

static int restore(const api_safetensors *st, nn_trainer *t, char *err, size_t errlen)
{
	nn_gan *gan = &t->gan;
	int adam = !nn_gan_rmsprop(&gan->cfg);
	const char *m0 = adam ? "exp_avg." : "square_avg.";
	char pg[64], pd[64];
	snprintf(pg, sizeof pg, "optG.%s", m0);
	snprintf(pd, sizeof pd, "optD.%s", m0);
	if (load_seq(st, &gan->g, "netG.", -1, err, errlen) ||
	    load_seq(st, &gan->d, "netD.", -1, err, errlen) ||
	    load_seq(st, &gan->g, pg, 0, err, errlen) ||
	    load_seq(st, &gan->d, pd, 0, err, errlen) ||
	    (adam && (load_seq(st, &gan->g, "optG.exp_avg_sq.", 1, err, errlen) ||
	              load_seq(st, &gan->d, "optD.exp_avg_sq.", 1, err, errlen))) ||
	    load_spectral(st, &gan->sn, err, errlen))
		return -1;
	long step, cursor, epoch;
	const char *rng = api_st_meta(st, "rng"), *secs = api_st_meta(st, "seconds");
	const api_st_tensor *perm = api_st_find(st, "train.perm");
	uint64_t s[4];
	if (meta_long(st, "steps", 0, 1L << 50, &step) ||
	    meta_long(st, "cursor", 0, t->ds->count, &cursor) ||
	    meta_long(st, "epoch", 0, 1L << 30, &epoch) || !rng ||
	    sscanf(rng, "%" SCNx64 ",%" SCNx64 ",%" SCNx64 ",%" SCNx64, &s[0], &s[1], &s[2],
	           &s[3]) != 4 ||
	    !perm || perm->count != (size_t)t->ds->count) {
		snprintf(
		    err, errlen,
		    "not a training state file, or not of this data set (steps, cursor, epoch, "
		    "rng or train.perm missing or wrong)");
		return -1;
	}
	for (int i = 0; i < t->ds->count; i++) {
		float v = perm->data[i];
		if (!(v >= 0 && v < (float)t->ds->count)) {
			snprintf(err, errlen, "train.perm holds an index out of range");
			return -1;
		}
		t->perm[i] = (int32_t)v;
	}
	memcpy(t->rng.s, s, sizeof s);
	gan->step = step;
	t->cursor = cursor;
	t->epoch = (int)epoch;
	t->seconds = secs ? strtod(secs, NULL) : 0;
	return 0;
}

int nn_trainer_resume(nn_trainer *t, const char *path, const api_dataset *ds, nn_backend *be,
                      char *err, size_t errlen)
{
	api_safetensors st;
	api_error e = {0};
	if (api_st_read_file(path, &st, &e) != API_OK) return fail(err, errlen, path, &e);
	nn_gan_config cfg;
	uint64_t seed;
	int rc = nn_ckpt_config(&st, &cfg, &seed, err, errlen);
	if (rc == 0) rc = nn_trainer_create(t, ds, &cfg, be, seed, err, errlen);
	if (rc == 0 && (rc = restore(&st, t, err, errlen)) != 0) nn_trainer_destroy(t);
	api_st_free(&st);
	return rc;
}

/* "[[r,g,b],...]": every integer in order; vocab*3 of them, each a byte. */
static uint8_t *parse_colors(const char *s, int vocab)
{
	if (!s || vocab <= 0) return NULL;
	uint8_t *c = malloc((size_t)vocab * 3);
	if (!c) return NULL;
	int n = 0;
	while (*s) {
		if (*s < '0' || *s > '9') {
			s++;
			continue;
		}
		char *end;
		long v = strtol(s, &end, 10);
		if (v > 255 || n >= vocab * 3) break;
		c[n++] = (uint8_t)v;
		s = end;
	}
	if (n != vocab * 3) {
		free(c);
		return NULL;
	}
	return c;
}

/* "[a,b,...]": exactly n non-negative integers, else NULL. */
static int32_t *parse_ints(const char *s, int n)
{
	if (!s || n <= 0) return NULL;
	int32_t *v = malloc((size_t)n * sizeof *v);
	if (!v) return NULL;
	int k = 0;
	while (*s) {
		if (*s < '0' || *s > '9') {
			if (*s == '-') break; /* no negative indices */
			s++;
			continue;
		}
		char *end;
		errno = 0;
		long x = strtol(s, &end, 10);
		if (errno || x > INT32_MAX || k >= n) break;
		v[k++] = (int32_t)x;
		s = end;
	}
	if (k != n || *s) {
		free(v);
		return NULL;
	}
	return v;
}

/* Metadata "guide_scale": absent, 0 and *out NULL; else a JSON array of
 * exactly vocab finite numbers > 0 into a malloc'd *out, or -1 with why. */
static int parse_scale(const char *s, int vocab, float **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!s) return 0;
	cJSON *a = cJSON_Parse(s);
	int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
	float *v = n == vocab && vocab > 0 ? malloc((size_t)vocab * sizeof *v) : NULL;
	int k = 0;
	for (const cJSON *x = v ? a->child : NULL; x; x = x->next, k++) {
		double d = cJSON_IsNumber(x) ? x->valuedouble : NAN;
		if (!(d > 0 && d <= 3e38)) break;
		v[k] = (float)d;
	}
	cJSON_Delete(a);
	if (!v || k != vocab) {
		free(v);
		snprintf(err, errlen,
		         "metadata guide_scale must be a JSON array of %d finite numbers > 0, one "
		         "per vocabulary entry",
		         vocab);
		return -1;
	}
	*out = v;
	return 0;
}

/* Metadata "guide_floor": absent, 0; else one finite number > 0. */
static int parse_floor(const char *s, float *out, char *err, size_t errlen)
{
	*out = 0;
	if (!s) return 0;
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (end == s || *end || errno || !(d > 0 && d <= 1e6)) {
		snprintf(err, errlen, "metadata guide_floor must be a number > 0 and <= 1e6, not '%.40s'",
		         s);
		return -1;
	}
	*out = (float)d;
	return 0;
}

int nn_ckpt_guide(const api_safetensors *st, int vocab, float **scale, float *floor_out,
                  char *err, size_t errlen)
{
	if (parse_scale(api_st_meta(st, "guide_scale"), vocab, scale, err, errlen)) return -1;
	if (parse_floor(api_st_meta(st, "guide_floor"), floor_out, err, errlen)) {
		free(*scale);
		*scale = NULL;
		return -1;
	}
	return 0;
}

int nn_generator_load_st(const api_safetensors *st, nn_backend *be, int batch, nn_generator *out,
                         char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (nn_ckpt_config(st, &out->cfg, &out->seed, err, errlen)) return -1;
	out->cfg.batch = batch;
	if (nn_gan_build_generator(&out->g, &out->cfg, err, errlen) ||
	    nn_seq_alloc(&out->g, be, batch, 0, 0, err, errlen))
		return -1;
	out->z = nn_alloc(be, (size_t)batch * out->cfg.latent);
	if (!out->z) {
		snprintf(err, errlen, "out of memory for the latents");
		nn_generator_free(out);
		return -1;
	}
	/* a generator file has plain names, a state file "netG." ones */
	const char *prefix = api_st_find(st, "netG.main.0.weight") ? "netG." : "";
	if (load_seq(st, &out->g, prefix, -1, err, errlen)) {
		nn_generator_free(out);
		return -1;
	}
	long v = 0, steps = 0;
	out->vocab = meta_long(st, "vocab", 1, 1 << 20, &v) == 0 ? (int)v : 0;
	out->steps = meta_long(st, "steps", 0, 1L << 50, &steps) == 0 ? steps : 0;
	out->colors = parse_colors(api_st_meta(st, "colors"), out->vocab);
	out->vocab_ids = parse_ints(api_st_meta(st, "vocab_ids"), out->vocab);
	if (nn_ckpt_guide(st, out->vocab, &out->guide_scale, &out->guide_floor, err, errlen)) {
		nn_generator_free(out);
		return -1;
	}
	const char *spec = api_st_meta(st, "spec"), *source = api_st_meta(st, "source");
	out->spec_json = spec && *spec ? strdup(spec) : NULL;
	snprintf(out->source, sizeof out->source, "%s", source ? source : "");
	return 0;
}

int nn_generator_load(const char *path, nn_backend *be, int batch, nn_generator *out, char *err,
                      size_t errlen)
{
	api_safetensors st;
	api_error e = {0};
	if (api_st_read_file(path, &st, &e) != API_OK) {
		memset(out, 0, sizeof *out);
		return fail(err, errlen, path, &e);
	}
	int rc = nn_generator_load_st(&st, be, batch, out, err, errlen);
	api_st_free(&st);
	return rc;
}

void nn_generator_free(nn_generator *g)
{
	nn_seq_release(&g->g);
	if (g->z) nn_free(g->g.be, g->z);
	free(g->colors);
	free(g->spec_json);
	free(g->vocab_ids);
	free(g->guide_scale);
	g->guide_scale = NULL;
	g->z = NULL;
	g->colors = NULL;
	g->spec_json = NULL;
	g->vocab_ids = NULL;
}

int nn_ckpt_write_guide(const char *in, const char *out, const float *scale, int vocab,
                        float floor, char *err, size_t errlen)
{
	api_safetensors st;
	api_error e = {0};
	if (api_st_read_file(in, &st, &e) != API_OK) return fail(err, errlen, in, &e);
	int rc = -1;
	long v = 0;
	api_st_writer *w = NULL;
	char *json = NULL;
	if (meta_long(&st, "vocab", 1, 1 << 20, &v) || v != vocab) {
		snprintf(err, errlen, "%s: %d guide scales for a vocabulary of %ld entries", in,
		         vocab, v);
		goto done;
	}
	/* "%.9g" and a comma take at most 16 characters a scale */
	size_t len = 0, cap = (size_t)vocab * 24 + 3;
	if (!(w = api_st_writer_create()) || !(json = malloc(cap))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	json[len++] = '[';
	for (int i = 0; i < vocab; i++) {
		if (!(scale[i] > 0 && scale[i] <= 3e38f)) {
			snprintf(err, errlen, "guide scale %d is %g; scales must be finite and > 0", i,
			         (double)scale[i]);
			goto done;
		}
		len += (size_t)snprintf(json + len, cap - len, "%s%.9g", i ? "," : "",
		                        (double)scale[i]);
	}
	memcpy(json + len, "]", 2);
	if (!(floor > 0 && floor <= 1e6f)) {
		snprintf(err, errlen, "guide floor %g; it must be > 0 and <= 1e6", (double)floor);
		goto done;
	}
	char floor_text[32];
	snprintf(floor_text, sizeof floor_text, "%.9g", (double)floor);
	for (int i = 0; i < st.count; i++) {
		const api_st_tensor *t = &st.tensors[i];
		if (api_st_add(w, t->name, t->ndim, t->shape, t->data, &e)) {
			rc = fail(err, errlen, out, &e);
			goto done;
		}
	}
	for (int i = 0; i < st.meta_count; i++)
		if (api_st_set_meta(w, st.meta_keys[i], st.meta_values[i], &e)) {
			rc = fail(err, errlen, out, &e);
			goto done;
		}
	if (api_st_set_meta(w, "guide_scale", json, &e) ||
	    api_st_set_meta(w, "guide_floor", floor_text, &e) || api_st_write_file(w, out, &e)) {
		rc = fail(err, errlen, out, &e);
		goto done;
	}
	rc = 0;
done:
	free(json);
	api_st_writer_destroy(w);
	api_st_free(&st);
	return rc;
}
