/* test_nn_models.c - the GANs of nn/ (dcgan, wgan, train, checkpoint,
 * sample) at tiny widths on the CPU: shapes and state_dict names, a whole
 * training step's gradients against finite differences, determinism,
 * checkpoint round trips, resume == uninterrupted, learning on a trivial
 * data set, WGAN clipping. */
#include "../nn/checkpoint.h"
#include "../nn/dcgan.h"
#include "../nn/sample.h"
#include "../nn/train.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

static nn_backend *be;

static void setup(void)
{
	char err[256];
	be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
}

static void teardown(void)
{
	nn_backend_destroy(be);
}

TestSuite(nn_models, .init = setup, .fini = teardown);

/* A tiny model: width 4, latent 8, batch 2. */
static nn_gan_config tiny(nn_arch arch, int onehot, int channels, int size)
{
	nn_gan_config c;
	nn_gan_config_default(&c, arch, channels, onehot, size);
	c.width = arch == NN_ARCH_DCGAN ? 4 : 16;
	c.latent = 8;
	c.batch = 2;
	return c;
}

/* A data set of `count` samples: rgb images random in [-1,1] (or all
 * `constant` when constant > -2), states cycling through the vocabulary. */
static api_dataset make_dataset(int format, int count, int size, int vocab, float constant,
                                uint64_t seed)
{
	api_dataset ds;
	memset(&ds, 0, sizeof ds);
	ds.format = format;
	ds.count = count;
	ds.size = size;
	ds.vocab = vocab;
	size_t ss = (size_t)size * size;
	nn_rng r;
	nn_rng_seed(&r, seed);
	ds.states = malloc((size_t)count * ss * sizeof *ds.states);
	for (size_t i = 0; i < (size_t)count * ss; i++)
		ds.states[i] = (int32_t)(nn_rng_next(&r) % (uint64_t)vocab);
	if (format == API_DATASET_RGB) {
		ds.images = malloc((size_t)count * 3 * ss * sizeof *ds.images);
		for (size_t i = 0; i < (size_t)count * 3 * ss; i++)
			ds.images[i] = constant > -2 ? constant : 2 * nn_rng_uniform(&r) - 1;
	}
	ds.colors = malloc((size_t)vocab * 3);
	for (int i = 0; i < vocab * 3; i++)
		ds.colors[i] = (uint8_t)(40 * i);
	return ds;
}

static float *download_all(nn_seq *s, const float *p, size_t n)
{
	float *h = malloc(n * sizeof *h);
	cr_assert_not_null(h);
	nn_download(s->be, h, p, n);
	return h;
}

Test(nn_models, dcgan_shapes_and_state_dict_names)
{
	char err[256];
	for (int onehot = 0; onehot <= 1; onehot++) {
		nn_gan_config c = tiny(NN_ARCH_DCGAN, onehot, onehot ? 5 : 3, 64);
		nn_seq g, d;
		cr_assert_eq(nn_gan_build_generator(&g, &c, err, sizeof err), 0, "%s", err);
		cr_assert_eq(nn_gan_build_discriminator(&d, &c, err, sizeof err), 0, "%s", err);
		cr_assert_eq(g.nlayers, 14);
		cr_assert_eq(d.nlayers, 12);
		cr_assert_eq(nn_seq_out_count(&g), (size_t)c.channels * 64 * 64);
		cr_assert_eq(nn_seq_out_count(&d), 1);
		cr_assert_eq(nn_seq_alloc(&g, be, 2, 0, 0, err, sizeof err), 0, "%s", err);
		nn_rng r;
		nn_rng_seed(&r, 1);
		cr_assert_eq(nn_seq_init_params(&g, &r), 0);

		nn_seq_tensor ts[NN_SEQ_MAX_TENSORS];
		int k = nn_seq_tensors(&g, "main.", ts, NN_SEQ_MAX_TENSORS);
		/* 5 convT weights + 4 BN x (weight, bias, mean, var, count) */
		cr_assert_eq(k, 5 + 4 * 5);
		cr_assert_str_eq(ts[0].name, "main.0.weight");
		cr_assert_eq(ts[0].ndim, 4); /* ConvT (Cin, Cout, K, K) */
		cr_assert(ts[0].shape[0] == 8 && ts[0].shape[1] == 32 && ts[0].shape[2] == 4);
		cr_assert_str_eq(ts[1].name, "main.1.weight");
		cr_assert_str_eq(ts[3].name, "main.1.running_mean");
		cr_assert_str_eq(ts[5].name, "main.1.num_batches_tracked");
		cr_assert_eq(ts[5].ndim, 0);
		cr_assert_str_eq(ts[k - 1].name, "main.12.weight");
		cr_assert(ts[k - 1].shape[0] == 4 && ts[k - 1].shape[1] == c.channels);

		/* outputs in range: tanh in [-1, 1], softmax sums to 1 per cell */
		float z[2 * 8];
		for (int i = 0; i < 16; i++)
			z[i] = nn_rng_normal(&r);
		float *zb = nn_alloc(be, 16);
		nn_upload(be, zb, z, 16);
		float *y = download_all(&g, nn_seq_forward(&g, 2, zb, 0), 2 * nn_seq_out_count(&g));
		for (size_t p = 0; p < 4096; p++) {
			if (!onehot) {
				cr_assert(y[p] >= -1 && y[p] <= 1);
				continue;
			}
			float sum = 0;
			for (int ch = 0; ch < c.channels; ch++)
				sum += y[4096 + ch * 4096 + p];
			cr_assert_float_eq(sum, 1.0f, 1e-5);
		}
		free(y);
		nn_free(be, zb);
		nn_seq_release(&g);

		k = nn_seq_tensors(&d, "main.", ts, NN_SEQ_MAX_TENSORS);
		cr_assert_eq(k, 5 + 3 * 5);
		cr_assert_str_eq(ts[0].name, "main.0.weight"); /* Conv (Cout, Cin, K, K) */
		cr_assert(ts[0].shape[0] == 4 && ts[0].shape[1] == c.channels);
		cr_assert_str_eq(ts[k - 1].name, "main.11.weight");
		cr_assert(ts[k - 1].shape[0] == 1 && ts[k - 1].shape[1] == 32);
	}
}

Test(nn_models, wgan_shapes)
{
	char err[256];
	nn_gan_config c = tiny(NN_ARCH_WGAN_DENSE, 1, 4, 8);
	nn_seq g, d;
	cr_assert_eq(nn_gan_build_generator(&g, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_gan_build_discriminator(&d, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(g.nlayers, 8);
	cr_assert_eq(d.nlayers, 7);
	cr_assert_eq(nn_seq_out_count(&g), 4 * 8 * 8);
	cr_assert_eq(nn_seq_out_count(&d), 1);
	nn_seq_tensor ts[NN_SEQ_MAX_TENSORS];
	int k = nn_seq_tensors(&d, "main.", ts, NN_SEQ_MAX_TENSORS);
	cr_assert_eq(k, 8);
	cr_assert_str_eq(ts[0].name, "main.0.weight");
	cr_assert(ts[0].shape[0] == 16 && ts[0].shape[1] == 256); /* Linear (Out, In) */
	cr_assert_str_eq(ts[7].name, "main.6.bias");
}

/* The DCGAN losses as plain functions of the parameters (no gradients). */
static float loss_d(nn_gan *gan, const float *real)
{
	float *fake = nn_seq_forward(&gan->g, 2, gan->z, 1);
	float *out = nn_seq_forward(&gan->d, 2, real, 1);
	float l = nn_bce_logits(be, 2, out, 1.0f, NULL);
	out = nn_seq_forward(&gan->d, 2, fake, 1);
	return l + nn_bce_logits(be, 2, out, 0.0f, NULL);
}

static float loss_g(nn_gan *gan)
{
	float *fake = nn_seq_forward(&gan->g, 2, gan->z, 1);
	float *out = nn_seq_forward(&gan->d, 2, fake, 1);
	return nn_bce_logits(be, 2, out, 1.0f, NULL);
}

static float get1(float *p)
{
	float v;
	nn_download(be, &v, p, 1);
	return v;
}

static void set1(float *p, float v)
{
	nn_upload(be, p, &v, 1);
}

/* Central differences of `which` loss at a few parameters of seq s: the
 * largest-gradient entry of each weight tensor and two random ones. */
static void check_fd(nn_gan *gan, nn_seq *s, const float *grads, int which, const float *real)
{
	nn_seq_tensor ts[NN_SEQ_MAX_TENSORS];
	int k = nn_seq_tensors(s, "main.", ts, NN_SEQ_MAX_TENSORS);
	nn_rng r;
	nn_rng_seed(&r, 99);
	int checked = 0, big = 0;
	for (int t = 0; t < k; t++) {
		if (ts[t].param_off == NN_SEQ_NONE) continue;
		size_t best = 0;
		for (size_t i = 1; i < ts[t].count; i++)
			if (fabsf(grads[ts[t].param_off + i]) >
			    fabsf(grads[ts[t].param_off + best]))
				best = i;
		float gmax = fabsf(grads[ts[t].param_off + best]);
		size_t picks[3] = {best, nn_rng_next(&r) % ts[t].count,
		                   nn_rng_next(&r) % ts[t].count};
		for (int j = 0; j < 3; j++) {
			size_t off = ts[t].param_off + picks[j];
			float *p = s->params + off;
			float p0 = get1(p), h = 2.5e-4f;
			set1(p, p0 + h);
			float up = which ? loss_g(gan) : loss_d(gan, real);
			set1(p, p0 - h);
			float down = which ? loss_g(gan) : loss_d(gan, real);
			set1(p, p0);
			float fd = (up - down) / (2 * h), an = grads[off];
			/* float32 losses and the kinks of (leaky) ReLUs that a step of
			 * h crosses bound the agreement; tools/nn_models.py matches the
			 * same gradients to 1e-6 against PyTorch */
			cr_assert(fabsf(fd - an) <= 2e-3f + 0.04f * gmax + 0.05f * fabsf(an),
			          "%s %s[%zu]: analytic %g, finite differences %g",
			          which ? "G" : "D", ts[t].name, picks[j], an, fd);
			checked++;
			big += fabsf(an) > 1e-2f;
		}
	}
	cr_assert_geq(checked, 15);
	cr_assert_geq(big, 5, "too few gradients large enough to test (%d)", big);
}

Test(nn_models, dcgan_step_gradients_match_finite_differences)
{
	char err[256];
	nn_gan_config c = tiny(NN_ARCH_DCGAN, 0, 3, 64);
	nn_gan gan;
	nn_rng r;
	nn_rng_seed(&r, 7);
	cr_assert_eq(nn_gan_create(&gan, &c, be, &r, err, sizeof err), 0, "%s", err);
	nn_gan_draw_latents(&gan, &r);
	size_t rn = 2 * 3 * 64 * 64;
	float *host = malloc(rn * sizeof *host);
	for (size_t i = 0; i < rn; i++)
		host[i] = 2 * nn_rng_uniform(&r) - 1;
	nn_upload(be, gan.real, host, rn);
	free(host);

	float ld = nn_dcgan_d_grads(&gan, 2, gan.real);
	cr_assert_float_eq(ld, loss_d(&gan, gan.real), 1e-5);
	float *gd = download_all(&gan.d, gan.d.grads, gan.d.nparams);
	check_fd(&gan, &gan.d, gd, 0, gan.real);
	free(gd);

	float lg = nn_dcgan_g_grads(&gan, 2, 0);
	cr_assert_float_eq(lg, loss_g(&gan), 1e-5);
	float *gg = download_all(&gan.g, gan.g.grads, gan.g.nparams);
	check_fd(&gan, &gan.g, gg, 1, NULL);
	free(gg);
	nn_gan_destroy(&gan);
}

static void free_dataset(api_dataset *ds)
{
	free(ds->images);
	free(ds->states);
	free(ds->colors);
}

/* Runs `steps` steps of a fresh trainer and returns G's and D's params. */
static void train_params(const api_dataset *ds, const nn_gan_config *c, uint64_t seed, long steps,
                         float **g, float **d)
{
	char err[256];
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, ds, c, be, seed, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_trainer_run(&t, steps, NULL, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.gan.step, steps);
	*g = download_all(&t.gan.g, t.gan.g.params, t.gan.g.nparams);
	*d = download_all(&t.gan.d, t.gan.d.params, t.gan.d.nparams);
	nn_trainer_destroy(&t);
}

Test(nn_models, same_seed_same_weights)
{
	char err[128];
	api_dataset ds = make_dataset(API_DATASET_RGB, 6, 64, 3, -3, 1);
	nn_gan_config c = tiny(NN_ARCH_DCGAN, 0, 3, 64);
	float *g1, *d1, *g2, *d2, *g3, *d3;
	train_params(&ds, &c, 5, 3, &g1, &d1);
	train_params(&ds, &c, 5, 3, &g2, &d2);
	train_params(&ds, &c, 6, 3, &g3, &d3);
	/* a fresh trainer of seed 5: its sizes, and the weights before training */
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 5, err, sizeof err), 0, "%s", err);
	size_t gn = t.gan.g.nparams, dn = t.gan.d.nparams;
	float *g0 = download_all(&t.gan.g, t.gan.g.params, gn);
	nn_trainer_destroy(&t);
	cr_assert_eq(memcmp(g1, g2, gn * sizeof *g1), 0, "same seed, different G");
	cr_assert_eq(memcmp(d1, d2, dn * sizeof *d1), 0, "same seed, different D");
	cr_assert_neq(memcmp(g1, g3, gn * sizeof *g1), 0, "another seed, same G");
	cr_assert_neq(memcmp(g0, g1, gn * sizeof *g1), 0, "three steps left G as it was");
	free(g0), free(g1), free(d1), free(g2), free(d2), free(g3), free(d3);
	free_dataset(&ds);
}

static char *tmp_path(const char *name)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "/tmp/wfc-nn-models-%d-%s", (int)getpid(), name);
	return buf[k];
}

Test(nn_models, generator_checkpoint_round_trip)
{
	char err[256];
	api_dataset ds = make_dataset(API_DATASET_ONEHOT, 4, 64, 3, 0, 2);
	nn_gan_config c = tiny(NN_ARCH_DCGAN, 1, 3, 64);
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 11, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_trainer_run(&t, 2, NULL, err, sizeof err), 0);
	nn_ckpt_info info = {.colors = ds.colors, .vocab = 3, .source = "test", .seed = 11};
	const char *path = tmp_path("gen.safetensors");
	cr_assert_eq(nn_ckpt_save_generator(path, &t.gan, &info, t.epoch, err, sizeof err), 0, "%s",
	             err);
	size_t per = 3 * 64 * 64;
	float *a = malloc(3 * per * sizeof *a), *b = malloc(3 * per * sizeof *b);
	cr_assert_eq(nn_sample_batch(&t.gan.g, t.gan.z, c.latent, 42, 0, 3, a), 0);

	nn_generator gen;
	cr_assert_eq(nn_generator_load(path, be, 1, &gen, err, sizeof err), 0, "%s", err);
	cr_assert_eq(gen.cfg.arch, NN_ARCH_DCGAN);
	cr_assert_eq(gen.cfg.onehot, 1);
	cr_assert_eq(gen.cfg.width, 4);
	cr_assert_eq(gen.steps, 2);
	cr_assert_eq(gen.g.bn_batches, t.gan.g.bn_batches);
	cr_assert_not_null(gen.colors);
	cr_assert_eq(memcmp(gen.colors, ds.colors, 9), 0);
	/* batch 1 here, 2 in training: sample i is the same either way */
	cr_assert_eq(nn_sample_batch(&gen.g, gen.z, c.latent, 42, 0, 3, b), 0);
	for (size_t i = 0; i < 3 * per; i++)
		cr_assert_float_eq(a[i], b[i], 1e-6);
	/* and sample 2 drawn alone is sample 2 of the three */
	cr_assert_eq(nn_sample_batch(&gen.g, gen.z, c.latent, 42, 2, 1, b), 0);
	for (size_t i = 0; i < per; i++)
		cr_assert_float_eq(a[2 * per + i], b[i], 1e-6);

	uint32_t px[4096];
	int32_t idx[4096];
	nn_sample_to_image(a, 3, 64, 1, gen.colors, px, idx);
	for (int p = 0; p < 4096; p++) {
		cr_assert(idx[p] >= 0 && idx[p] < 3);
		uint32_t want = 0xFF000000u | (uint32_t)ds.colors[3 * idx[p]] << 16 |
		                (uint32_t)ds.colors[3 * idx[p] + 1] << 8 |
		                ds.colors[3 * idx[p] + 2];
		cr_assert_eq(px[p], want);
	}
	nn_generator_free(&gen);
	unlink(path);
	free(a), free(b);
	nn_trainer_destroy(&t);
	free_dataset(&ds);
}

/* A copy of generator file in with metadata key set to text. */
static void with_meta(const char *in, const char *out, const char *key, const char *text)
{
	api_safetensors st;
	api_error e = {0};
	cr_assert_eq(api_st_read_file(in, &st, &e), API_OK, "%s", e.message);
	api_st_writer *w = api_st_writer_create();
	for (int i = 0; i < st.count; i++)
		cr_assert_eq(api_st_add(w, st.tensors[i].name, st.tensors[i].ndim, st.tensors[i].shape,
		                        st.tensors[i].data, &e),
		             API_OK);
	for (int i = 0; i < st.meta_count; i++)
		cr_assert_eq(api_st_set_meta(w, st.meta_keys[i], st.meta_values[i], &e), API_OK);
	cr_assert_eq(api_st_set_meta(w, key, text, &e), API_OK);
	cr_assert_eq(api_st_write_file(w, out, &e), API_OK, "%s", e.message);
	api_st_writer_destroy(w);
	api_st_free(&st);
}

/* guide scales (wfc calibrate) travel in the generator file's metadata:
 * written beside the weights, read back exactly, malformed ones refused */
Test(nn_models, guide_scale_round_trip_and_refusals)
{
	char err[256];
	api_dataset ds = make_dataset(API_DATASET_ONEHOT, 4, 64, 3, 0, 2);
	nn_gan_config c = tiny(NN_ARCH_DCGAN, 1, 3, 64);
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 11, err, sizeof err), 0, "%s", err);
	nn_ckpt_info info = {.colors = ds.colors, .vocab = 3, .source = "test", .seed = 11};
	const char *path = tmp_path("scale0.safetensors"), *out = tmp_path("scale1.safetensors");
	cr_assert_eq(nn_ckpt_save_generator(path, &t.gan, &info, t.epoch, err, sizeof err), 0, "%s",
	             err);
	nn_generator g;
	cr_assert_eq(nn_generator_load(path, be, 1, &g, err, sizeof err), 0, "%s", err);
	cr_assert_null(g.guide_scale, "a file without guide_scale has none");
	cr_assert_eq(g.guide_floor, 0.0f);
	nn_generator_free(&g);

	const float scale[3] = {0.25f, 3.0f, 17927.0625f};
	cr_assert_eq(nn_ckpt_write_guide(path, out, scale, 3, 0.05f, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_generator_load(out, be, 1, &g, err, sizeof err), 0, "%s", err);
	cr_assert_not_null(g.guide_scale);
	cr_assert_eq(g.guide_floor, 0.05f);
	for (int v = 0; v < 3; v++)
		cr_assert_eq(g.guide_scale[v], scale[v], "scale %d", v);
	nn_generator_free(&g);
	/* the weights and the other metadata are the input's */
	api_safetensors a, b;
	api_error e = {0};
	cr_assert_eq(api_st_read_file(path, &a, &e), API_OK);
	cr_assert_eq(api_st_read_file(out, &b, &e), API_OK);
	cr_assert_eq(a.count, b.count);
	for (int i = 0; i < a.count; i++) {
		const api_st_tensor *y = api_st_find(&b, a.tensors[i].name);
		cr_assert_not_null(y, "%s lost", a.tensors[i].name);
		cr_assert_eq(y->count, a.tensors[i].count);
		cr_assert_eq(memcmp(y->data, a.tensors[i].data, y->count * sizeof *y->data), 0);
	}
	cr_assert_eq(b.meta_count, a.meta_count + 2);
	for (int i = 0; i < a.meta_count; i++)
		cr_assert_str_eq(api_st_meta(&b, a.meta_keys[i]), a.meta_values[i]);
	api_st_free(&a), api_st_free(&b);
	/* rewriting a file in place replaces its scales */
	const float again[3] = {1, 1, 2};
	cr_assert_eq(nn_ckpt_write_guide(out, out, again, 3, 0.001f, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_generator_load(out, be, 1, &g, err, sizeof err), 0, "%s", err);
	cr_assert_eq(g.guide_scale[2], 2.0f);
	cr_assert_eq(g.guide_floor, 0.001f);
	nn_generator_free(&g);

	/* the writer refuses what the reader would */
	const float bad[3] = {1, 0, 1}, nan3[3] = {1, NAN, 1};
	cr_assert_neq(nn_ckpt_write_guide(path, out, scale, 2, 0.001f, err, sizeof err), 0);
	cr_assert(strstr(err, "2 guide scales for a vocabulary of 3"), "%s", err);
	cr_assert_neq(nn_ckpt_write_guide(path, out, bad, 3, 0.001f, err, sizeof err), 0);
	cr_assert(strstr(err, "scale 1 is 0"), "%s", err);
	cr_assert_neq(nn_ckpt_write_guide(path, out, nan3, 3, 0.001f, err, sizeof err), 0);
	cr_assert_neq(nn_ckpt_write_guide(path, out, scale, 3, 0, err, sizeof err), 0);
	cr_assert(strstr(err, "guide floor 0"), "%s", err);
	/* and a file whose scales are malformed does not load */
	const char *texts[] = {"[1,2]", "[1,2,3,4]", "[1,-2,3]", "[1,0,3]", "[1,\"2\",3]",
	                       "{\"a\":1}", "not json", "[1,2,1e40]", ""};
	for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
		with_meta(path, out, "guide_scale", texts[k]);
		cr_assert_neq(nn_generator_load(out, be, 1, &g, err, sizeof err), 0, "'%s' loaded",
		              texts[k]);
		cr_assert(strstr(err, "guide_scale must be a JSON array of 3"), "'%s': %s", texts[k],
		          err);
	}
	const char *floors[] = {"0", "-1", "x", "1e7", "0.1x", "", "nan"};
	for (size_t k = 0; k < sizeof floors / sizeof *floors; k++) {
		with_meta(path, out, "guide_floor", floors[k]);
		cr_assert_neq(nn_generator_load(out, be, 1, &g, err, sizeof err), 0, "'%s' loaded",
		              floors[k]);
		cr_assert(strstr(err, "guide_floor must be a number > 0"), "'%s': %s", floors[k], err);
	}
	unlink(path), unlink(out);
	nn_trainer_destroy(&t);
	free_dataset(&ds);
}

static void resume_equals_uninterrupted(nn_arch arch, nn_loss loss, int onehot, int size)
{
	char err[256];
	api_dataset ds =
	    make_dataset(onehot ? API_DATASET_ONEHOT : API_DATASET_RGB, 7, size, 3, -3, 3);
	nn_gan_config c = tiny(arch, onehot, 3, size);
	c.loss = loss;
	/* across an epoch boundary either way (a Wasserstein step reads 5 batches) */
	long total = nn_gan_wasserstein(&c) ? 2 : 6;
	float *g1, *d1;
	train_params(&ds, &c, 9, total, &g1, &d1);

	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 9, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_trainer_run(&t, total / 2, NULL, err, sizeof err), 0);
	nn_ckpt_info info = {.colors = ds.colors, .vocab = 3, .source = "test", .seed = 9};
	const char *path = tmp_path("state.safetensors");
	cr_assert_eq(nn_ckpt_save_state(path, &t, &info, err, sizeof err), 0, "%s", err);
	nn_trainer_destroy(&t);

	nn_trainer u;
	cr_assert_eq(nn_trainer_resume(&u, path, &ds, be, err, sizeof err), 0, "%s", err);
	cr_assert_eq(u.gan.step, total / 2);
	cr_assert_eq(nn_trainer_run(&u, total, NULL, err, sizeof err), 0);
	float *g2 = download_all(&u.gan.g, u.gan.g.params, u.gan.g.nparams);
	float *d2 = download_all(&u.gan.d, u.gan.d.params, u.gan.d.nparams);
	cr_assert_eq(memcmp(g1, g2, u.gan.g.nparams * sizeof *g1), 0, "resumed G differs");
	cr_assert_eq(memcmp(d1, d2, u.gan.d.nparams * sizeof *d1), 0, "resumed D differs");
	nn_trainer_destroy(&u);
	unlink(path);
	free(g1), free(d1), free(g2), free(d2);
	free_dataset(&ds);
}

Test(nn_models, dcgan_resume_equals_uninterrupted_run)
{
	resume_equals_uninterrupted(NN_ARCH_DCGAN, NN_LOSS_BCE, 0, 64);
}

Test(nn_models, dcgan_wasserstein_resume_equals_uninterrupted_run)
{
	resume_equals_uninterrupted(NN_ARCH_DCGAN, NN_LOSS_WASSERSTEIN, 1, 64);
}

Test(nn_models, dcgan_wasserstein_sn_resume_equals_uninterrupted_run)
{
	resume_equals_uninterrupted(NN_ARCH_DCGAN, NN_LOSS_WASSERSTEIN_SN, 1, 64);
}

Test(nn_models, dcgan_wasserstein_gp_resume_equals_uninterrupted_run)
{
	resume_equals_uninterrupted(NN_ARCH_DCGAN, NN_LOSS_WASSERSTEIN_GP, 1, 64);
}

Test(nn_models, wgan_resume_equals_uninterrupted_run)
{
	resume_equals_uninterrupted(NN_ARCH_WGAN_DENSE, NN_LOSS_BCE, 1, 8);
}

Test(nn_models, state_file_of_another_data_set_is_refused)
{
	char err[256];
	api_dataset ds = make_dataset(API_DATASET_RGB, 4, 64, 3, -3, 3);
	api_dataset other = make_dataset(API_DATASET_RGB, 5, 64, 3, -3, 3);
	nn_gan_config c = tiny(NN_ARCH_DCGAN, 0, 3, 64);
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 1, err, sizeof err), 0, "%s", err);
	nn_ckpt_info info = {.colors = ds.colors, .vocab = 3, .source = "test", .seed = 1};
	const char *path = tmp_path("state2.safetensors");
	cr_assert_eq(nn_ckpt_save_state(path, &t, &info, err, sizeof err), 0, "%s", err);
	nn_trainer_destroy(&t);
	cr_assert_neq(nn_trainer_resume(&t, path, &other, be, err, sizeof err), 0);
	cr_assert(strstr(err, "data set"), "%s", err);
	unlink(path);
	free_dataset(&ds);
	free_dataset(&other);
}

/* Mean |G(z) - target| over a few eval-mode samples. */
static float distance_to(nn_trainer *t, float target)
{
	size_t per = nn_seq_out_count(&t->gan.g);
	float *x = malloc(4 * per * sizeof *x);
	cr_assert_eq(nn_sample_batch(&t->gan.g, t->gan.z, t->gan.cfg.latent, 1, 0, 4, x), 0);
	double s = 0;
	for (size_t i = 0; i < 4 * per; i++)
		s += fabs(x[i] - target);
	free(x);
	return (float)(s / (4 * per));
}

typedef struct {
	float first_d, last_d[10];
	long n;
} loss_log;

static int log_step(void *ctx, const nn_train_progress *p)
{
	loss_log *l = ctx;
	if (l->n == 0) l->first_d = p->loss_d;
	l->last_d[l->n++ % 10] = p->loss_d;
	return 0;
}

/* On a data set of one constant image, D soon tells it from G's noise
 * (its loss falls), and G's samples move onto the constant. */
static void train_on_constant(float lr, long steps, float *before, float *after, loss_log *log)
{
	char err[256];
	api_dataset ds = make_dataset(API_DATASET_RGB, 8, 64, 3, 0.5f, 4);
	nn_gan_config c = tiny(NN_ARCH_DCGAN, 0, 3, 64);
	c.lr = lr; /* a few dozen steps, not thousands */
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 3, err, sizeof err), 0, "%s", err);
	*before = distance_to(&t, 0.5f);
	nn_train_hooks h = {.on_step = log_step, .ctx = log};
	cr_assert_eq(nn_trainer_run(&t, steps, &h, err, sizeof err), 0);
	*after = distance_to(&t, 0.5f);
	nn_trainer_destroy(&t);
	free_dataset(&ds);
}

Test(nn_models, dcgan_discriminator_loss_falls)
{
	float before, after, last = 0;
	loss_log log = {0};
	train_on_constant(2e-3f, 30, &before, &after, &log);
	for (int i = 0; i < 10; i++)
		last += log.last_d[i] / 10;
	cr_assert_lt(last, 0.5f * log.first_d, "D's loss: %g at first, %g over the last 10 steps",
	             log.first_d, last);
}

Test(nn_models, dcgan_generator_learns_a_constant_image)
{
	float before, after;
	loss_log log = {0};
	train_on_constant(1e-2f, 60, &before, &after, &log);
	cr_assert_lt(after, 0.5f * before, "G's mean distance to the data: %g before, %g after",
	             before, after);
}

Test(nn_models, wgan_critic_stays_clipped)
{
	char err[256];
	api_dataset ds = make_dataset(API_DATASET_RGB, 10, 8, 3, -3, 5);
	nn_gan_config c = tiny(NN_ARCH_WGAN_DENSE, 0, 3, 8);
	c.lr = 1e-2f; /* big steps push weights against the bound */
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 3, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_trainer_run(&t, 3, NULL, err, sizeof err), 0);
	float *d = download_all(&t.gan.d, t.gan.d.params, t.gan.d.nparams);
	int at_bound = 0;
	for (size_t i = 0; i < t.gan.d.nparams; i++) {
		cr_assert_leq(fabsf(d[i]), 0.01f, "critic param %zu = %g", i, d[i]);
		at_bound += fabsf(d[i]) == 0.01f;
	}
	cr_assert_gt(at_bound, 100, "clipping never bit (%d at the bound)", at_bound);
	float *g = download_all(&t.gan.g, t.gan.g.params, t.gan.g.nparams);
	float gmax = 0;
	for (size_t i = 0; i < t.gan.g.nparams; i++)
		gmax = fmaxf(gmax, fabsf(g[i]));
	cr_assert_gt(gmax, 0.05f, "the generator is not clipped");
	free(d), free(g);
	nn_trainer_destroy(&t);
	free_dataset(&ds);
}

/* Saves t's state file at path and reads its config back; *st stays
 * open for more checks (api_st_free it, then unlink path). */
static nn_gan_config saved_config(nn_trainer *t, const api_dataset *ds, const char *path,
                                  api_safetensors *st)
{
	char err[256];
	nn_ckpt_info info = {.colors = ds->colors, .vocab = ds->vocab, .source = "test", .seed = 3};
	cr_assert_eq(nn_ckpt_save_state(path, t, &info, err, sizeof err), 0, "%s", err);
	api_error e = {0};
	cr_assert_eq(api_st_read_file(path, st, &e), 0, "%s", e.message);
	nn_gan_config back;
	uint64_t seed;
	cr_assert_eq(nn_ckpt_config(st, &back, &seed, err, sizeof err), 0, "%s", err);
	return back;
}

/* t's generator file loads as a plain DCGAN generator, whatever the
 * objective that trained it. */
static void generator_loads_as_dcgan(nn_trainer *t, const api_dataset *ds, const char *name)
{
	char err[256];
	const char *path = tmp_path(name);
	nn_ckpt_info info = {.colors = ds->colors, .vocab = ds->vocab, .source = "test", .seed = 3};
	cr_assert_eq(nn_ckpt_save_generator(path, &t->gan, &info, 0, err, sizeof err), 0, "%s",
	             err);
	nn_generator g;
	cr_assert_eq(nn_generator_load(path, be, 1, &g, err, sizeof err), 0, "%s", err);
	cr_assert_eq(g.cfg.arch, NN_ARCH_DCGAN);
	nn_generator_free(&g);
	unlink(path);
}

/* The DCGAN's layers with the Wasserstein objective: the critic is
 * clipped, the generator not, the files record the loss, and the
 * generator file is a plain DCGAN generator to every reader. */
Test(nn_models, dcgan_wasserstein_clips_the_critic_and_records_its_loss)
{
	char err[256];
	api_dataset ds = make_dataset(API_DATASET_ONEHOT, 6, 64, 3, -3, 5);
	nn_gan_config c = tiny(NN_ARCH_DCGAN, 1, 3, 64);
	c.loss = NN_LOSS_WASSERSTEIN;
	c.lr = 1e-2f; /* big steps push weights against the bound */
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 3, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_trainer_run(&t, 2, NULL, err, sizeof err), 0);
	cr_assert(isfinite(t.loss_d) && isfinite(t.loss_g));
	float *d = download_all(&t.gan.d, t.gan.d.params, t.gan.d.nparams);
	int at_bound = 0;
	for (size_t i = 0; i < t.gan.d.nparams; i++) {
		cr_assert_leq(fabsf(d[i]), c.clip, "critic param %zu = %g", i, d[i]);
		at_bound += fabsf(d[i]) == c.clip;
	}
	cr_assert_gt(at_bound, 100, "clipping never bit (%d at the bound)", at_bound);
	const char *state = tmp_path("wstate.safetensors");
	api_safetensors st;
	nn_gan_config back = saved_config(&t, &ds, state, &st);
	cr_assert_eq(back.arch, NN_ARCH_DCGAN);
	cr_assert_eq(back.loss, NN_LOSS_WASSERSTEIN);
	cr_assert_float_eq(back.lr, 1e-2f, 1e-9);
	api_st_free(&st);
	unlink(state);
	generator_loads_as_dcgan(&t, &ds, "wgen.safetensors");
	free(d);
	nn_trainer_destroy(&t);
	free_dataset(&ds);
}

/* The largest singular value of w (rows, cols), by 500 power iterations
 * in double from a random start: the test's own estimate, not nn/'s. */
static double top_singular_value(const float *w, int rows, int cols)
{
	double *u = malloc((size_t)rows * sizeof *u), *v = malloc((size_t)cols * sizeof *v);
	cr_assert(u && v);
	nn_rng r;
	nn_rng_seed(&r, 11);
	for (int i = 0; i < rows; i++)
		u[i] = nn_rng_normal(&r);
	double sigma = 0;
	for (int it = 0; it < 500; it++) {
		double nv = 0, nu = 0;
		for (int j = 0; j < cols; j++) {
			v[j] = 0;
			for (int i = 0; i < rows; i++)
				v[j] += w[(size_t)i * cols + j] * u[i];
			nv += v[j] * v[j];
		}
		for (int j = 0; j < cols; j++)
			v[j] /= sqrt(nv);
		for (int i = 0; i < rows; i++) {
			u[i] = 0;
			for (int j = 0; j < cols; j++)
				u[i] += w[(size_t)i * cols + j] * v[j];
			nu += u[i] * u[i];
		}
		sigma = sqrt(nu);
		for (int i = 0; i < rows; i++)
			u[i] /= sigma;
	}
	free(u), free(v);
	return sigma;
}

/* "wasserstein-sn": the critic has no BatchNorm, every critic weight keeps
 * its largest singular value at 1 (not its entries at the clip), G learns
 * through it, both nets have Adam's two moments, and the files record the
 * loss and the power-iteration vectors; the generator is a plain DCGAN
 * generator. */
Test(nn_models, dcgan_wasserstein_sn_bounds_the_critic_spectrally)
{
	char err[256];
	api_dataset ds = make_dataset(API_DATASET_ONEHOT, 6, 64, 3, -3, 5);
	nn_gan_config c = tiny(NN_ARCH_DCGAN, 1, 3, 64);
	nn_gan_config_set_loss(&c, NN_LOSS_WASSERSTEIN_SN);
	c.lr = 2e-2f; /* big steps push every layer past the bound */
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 3, err, sizeof err), 0, "%s", err);
	nn_seq *d = &t.gan.d;
	for (int i = 0; i < d->nlayers; i++)
		cr_assert_neq(d->layers[i].kind, NN_LAYER_BN, "BatchNorm at critic layer %d", i);
	cr_assert_eq(d->nlayers, 9, "conv, lrelu x 4, conv");
	cr_assert_not_null(d->v, "the critic has no Adam second moment");
	cr_assert_not_null(t.gan.g.v, "the generator has no Adam second moment");
	cr_assert_eq(t.gan.sn.count, 5);
	float *g0 = download_all(&t.gan.g, t.gan.g.params, t.gan.g.nparams);
	cr_assert_eq(nn_trainer_run(&t, 3, NULL, err, sizeof err), 0);
	cr_assert(isfinite(t.loss_d) && isfinite(t.loss_g));

	/* the generator learned through the critic */
	float *g1 = download_all(&t.gan.g, t.gan.g.params, t.gan.g.nparams);
	size_t moved = 0;
	for (size_t i = 0; i < t.gan.g.nparams; i++)
		moved += g1[i] != g0[i];
	cr_assert_gt(moved, t.gan.g.nparams / 2, "only %zu generator params moved", moved);
	free(g0), free(g1);

	float *p = download_all(d, d->params, d->nparams);
	float biggest = 0;
	int at_bound = 0;
	for (int k = 0; k < t.gan.sn.count; k++) {
		const nn_layer *l = &d->layers[t.gan.sn.layer[k]];
		cr_assert_eq(l->kind, NN_LAYER_CONV);
		int rows = l->conv.cout, cols = l->conv.cin * l->conv.k * l->conv.k;
		const float *w = p + l->w_off;
		double sigma = top_singular_value(w, rows, cols);
		/* one power iteration per update underestimates a little */
		cr_assert_leq(sigma, 1.02, "critic layer %d: sigma %g", t.gan.sn.layer[k], sigma);
		at_bound += sigma > 0.98;
		for (int i = 0; i < rows * cols; i++)
			biggest = fmaxf(biggest, fabsf(w[i]));
	}
	cr_assert_geq(at_bound, 3, "the projection never bit (%d layers at sigma 1)", at_bound);
	cr_assert_gt(biggest, 0.05f, "the critic looks clipped (largest |w| %g)", biggest);

	const char *state = tmp_path("snstate.safetensors");
	api_safetensors st;
	nn_gan_config back = saved_config(&t, &ds, state, &st);
	cr_assert_eq(back.loss, NN_LOSS_WASSERSTEIN_SN);
	cr_assert_float_eq(back.lr, 2e-2f, 1e-9);
	const api_st_tensor *u = api_st_find(&st, "netD.main.2.weight_u");
	cr_assert_not_null(u);
	cr_assert_eq(u->count, 8, "the second conv has 2w = 8 outputs");
	cr_assert_not_null(api_st_find(&st, "optD.exp_avg_sq.main.0.weight"));
	cr_assert_null(api_st_find(&st, "optD.square_avg.main.0.weight"));
	api_st_free(&st);
	unlink(state);
	generator_loads_as_dcgan(&t, &ds, "sngen.safetensors");
	free(p);
	nn_trainer_destroy(&t);
	free_dataset(&ds);
}

/* "wasserstein-gp": the critic has no BatchNorm and is not clipped, both
 * nets use Adam with the paper's betas, training keeps the penalty small,
 * the penalty's gradient reaches the critic's weights, G learns, and the
 * files record the loss. */
Test(nn_models, dcgan_wasserstein_gp_penalises_the_critic)
{
	char err[256];
	api_dataset ds = make_dataset(API_DATASET_ONEHOT, 6, 64, 3, -3, 5);
	nn_gan_config c = tiny(NN_ARCH_DCGAN, 1, 3, 64);
	nn_gan_config_set_loss(&c, NN_LOSS_WASSERSTEIN_GP);
	cr_assert_float_eq(c.lr, 2e-4f, 1e-12);
	cr_assert_float_eq(c.beta1, 0.0f, 0);
	cr_assert_float_eq(c.beta2, 0.9f, 1e-7);
	c.lr = 1e-2f;
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 3, err, sizeof err), 0, "%s", err);
	nn_seq *d = &t.gan.d;
	for (int i = 0; i < d->nlayers; i++)
		cr_assert_neq(d->layers[i].kind, NN_LAYER_BN, "BatchNorm at critic layer %d", i);
	cr_assert_not_null(d->v);
	cr_assert_not_null(t.gan.gp.seq, "no penalty buffers");
	float *g0 = download_all(&t.gan.g, t.gan.g.params, t.gan.g.nparams);
	cr_assert_eq(nn_trainer_run(&t, 3, NULL, err, sizeof err), 0);
	cr_assert(isfinite(t.loss_d) && isfinite(t.loss_g));
	float *g1 = download_all(&t.gan.g, t.gan.g.params, t.gan.g.nparams);
	float *p = download_all(d, d->params, d->nparams);
	size_t moved = 0;
	float biggest = 0;
	for (size_t i = 0; i < t.gan.g.nparams; i++)
		moved += g1[i] != g0[i];
	for (size_t i = 0; i < d->nparams; i++)
		biggest = fmaxf(biggest, fabsf(p[i]));
	cr_assert_gt(moved, t.gan.g.nparams / 2, "only %zu generator params moved", moved);
	cr_assert_gt(biggest, 0.05f, "the critic looks clipped (largest |w| %g)", biggest);

	/* the penalty's share of a critic gradient: the same update with and
	 * without it differs */
	float *before = download_all(d, d->grads, d->nparams);
	nn_rng r;
	nn_rng_seed(&r, 4);
	float pen = nn_gp_accumulate(&t.gan.gp, c.batch, t.gan.real, t.gan.fake, NN_GP_LAMBDA, &r);
	/* training kept the critic's gradients near norm 1 (without the
	 * penalty these 15 big critic updates give about 6e7) */
	cr_assert_lt(pen, NN_GP_LAMBDA, "penalty %g after training", pen);
	float *after = download_all(d, d->grads, d->nparams);
	size_t changed = 0;
	for (size_t i = 0; i < d->nparams; i++)
		changed += after[i] != before[i];
	cr_assert_gt(changed, d->nparams / 2, "the penalty moved %zu critic gradients", changed);

	const char *state = tmp_path("gpstate.safetensors");
	api_safetensors st;
	nn_gan_config back = saved_config(&t, &ds, state, &st);
	cr_assert_eq(back.loss, NN_LOSS_WASSERSTEIN_GP);
	cr_assert_float_eq(back.beta1, 0.0f, 0);
	cr_assert_float_eq(back.beta2, 0.9f, 1e-7);
	api_st_free(&st);
	unlink(state);
	free(g0), free(g1), free(p), free(before), free(after);
	nn_trainer_destroy(&t);
	free_dataset(&ds);
}

Test(nn_models, onehot_batches_expand_states)
{
	char err[256];
	api_dataset ds = make_dataset(API_DATASET_ONEHOT, 3, 8, 4, 0, 6);
	nn_gan_config c = tiny(NN_ARCH_WGAN_DENSE, 1, 4, 8);
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 3, err, sizeof err), 0, "%s", err);
	int first = t.perm[0], second = t.perm[1];
	cr_assert_eq(nn_trainer_next_batch(&t, t.gan.real), 0);
	float *x = download_all(&t.gan.d, t.gan.real, 2 * 4 * 64);
	for (int k = 0; k < 2; k++) {
		int s = k ? second : first;
		for (int p = 0; p < 64; p++)
			for (int ch = 0; ch < 4; ch++)
				cr_assert_eq(x[k * 256 + ch * 64 + p],
				             ds.states[s * 64 + p] == ch ? 1.0f : 0.0f);
	}
	/* the third sample is a partial batch: the next batch starts epoch 1 */
	cr_assert_eq(nn_trainer_next_batch(&t, t.gan.real), 0);
	cr_assert_eq(t.epoch, 1);
	cr_assert_eq(t.cursor, 2);
	free(x);
	nn_trainer_destroy(&t);
	free_dataset(&ds);
}

/* --- against PyTorch (tools/nn_models.py check-step) ------------------- */

static int fixed_batch(void *ctx, float *real)
{
	nn_gan *gan = ctx;
	(void)real; /* gan->real already holds the batch */
	(void)gan;
	return 0;
}

/* Adds every parameter (moment -1) or gradient of s as "<prefix><name>". */
static void dump_seq(api_st_writer *w, nn_seq *s, const char *prefix, int grads)
{
	nn_seq_tensor ts[NN_SEQ_MAX_TENSORS];
	int k = nn_seq_tensors(s, "main.", ts, NN_SEQ_MAX_TENSORS);
	for (int i = 0; i < k; i++) {
		if (!ts[i].data || (grads && ts[i].param_off == NN_SEQ_NONE)) continue;
		float *h =
		    download_all(s, grads ? s->grads + ts[i].param_off : ts[i].data, ts[i].count);
		char name[128];
		snprintf(name, sizeof name, "%.64s%.48s", prefix, ts[i].name);
		cr_assert_eq(api_st_add(w, name, ts[i].ndim, ts[i].shape, h, NULL), 0);
		free(h);
	}
}

/* One step of a tiny model in C after two others, written out (the state
 * before it, its inputs, gradients and updated weights) for
 * tools/nn_models.py to replay in PyTorch. */
static void step_for_torch(nn_arch arch, int onehot, int size, nn_loss loss, const char *state,
                           const char *dump)
{
	char err[256];
	int channels = onehot ? 4 : 3;
	api_dataset ds =
	    make_dataset(onehot ? API_DATASET_ONEHOT : API_DATASET_RGB, 4, size, channels, -3, 8);
	nn_gan_config c = tiny(arch, onehot, channels, size);
	nn_gan_config_set_loss(&c, loss);
	c.n_critic = 1;
	/* moves the weights visibly in one step; RMSprop's early steps move a
	 * weight by about lr whatever its gradient's size, so float rounding
	 * in a tiny gradient shows at lr 1e-3 against a critic clipped to 0.01 */
	c.lr = nn_gan_rmsprop(&c) ? 1e-4f : 1e-3f;
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 21, err, sizeof err), 0, "%s", err);
	/* a little training first, so moments and BN statistics are not fresh */
	cr_assert_eq(nn_trainer_run(&t, 2, NULL, err, sizeof err), 0);
	nn_ckpt_info info = {.colors = ds.colors, .vocab = channels, .source = "test", .seed = 21};
	cr_assert_eq(nn_ckpt_save_state(state, &t, &info, err, sizeof err), 0, "%s", err);

	nn_gan *gan = &t.gan;
	size_t rn = (size_t)c.batch * nn_seq_in_count(&gan->d), zn = (size_t)c.batch * c.latent;
	cr_assert_eq(nn_trainer_next_batch(&t, gan->real), 0);
	float *real = download_all(&gan->d, gan->real, rn);
	/* the step's draws, again: latents, the penalty's weights, latents */
	nn_rng copy = t.rng;
	float *z = malloc(2 * zn * sizeof *z), eps[64];
	cr_assert(z && c.batch <= 64);
	for (size_t i = 0; i < zn; i++)
		z[i] = nn_rng_normal(&copy);
	for (int i = 0; i < c.batch && nn_gan_penalty(&c); i++)
		eps[i] = nn_rng_uniform(&copy);
	for (size_t i = zn; i < 2 * zn; i++)
		z[i] = nn_rng_normal(&copy);
	float ld, lg;
	cr_assert_eq(nn_gan_step(gan, &t.rng, fixed_batch, gan, &ld, &lg), 0);

	api_st_writer *w = api_st_writer_create();
	int64_t zs[2] = {c.batch, c.latent}, rs[4] = {c.batch, channels, size, size};
	cr_assert_eq(api_st_add(w, "real", 4, rs, real, NULL), 0);
	cr_assert_eq(api_st_add(w, "z1", 2, zs, z, NULL), 0);
	cr_assert_eq(api_st_add(w, "z2", 2, zs, z + zn, NULL), 0);
	int64_t es[1] = {c.batch};
	if (nn_gan_penalty(&c)) cr_assert_eq(api_st_add(w, "eps", 1, es, eps, NULL), 0);
	dump_seq(w, &gan->d, "gradD.", 1);
	dump_seq(w, &gan->g, "gradG.", 1);
	dump_seq(w, &gan->d, "afterD.", 0);
	dump_seq(w, &gan->g, "afterG.", 0);
	api_error e;
	cr_assert_eq(api_st_write_file(w, dump, &e), 0, "%s", e.message);
	api_st_writer_destroy(w);
	free(real), free(z);
	nn_trainer_destroy(&t);
	free_dataset(&ds);
}

/* DCGAN rgb and onehot, the onehot DCGAN with each Wasserstein critic, and
 * the onehot WGAN: one PyTorch run for all (importing torch is most of the
 * time). Skipped without torch, and in the sanitizer run. */
Test(nn_models, training_steps_match_pytorch, .timeout = 120)
{
	if (test_quick()) cr_skip_test("WFC_QUICK: the PyTorch check runs in the plain build");
	if (access("tools/nn_models.py", R_OK) != 0 ||
	    system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
		cr_skip_test("needs PyTorch (python3-torch) and tools/nn_models.py in the cwd");
	static const struct {
		nn_arch arch;
		int onehot, size;
		nn_loss loss;
	} cases[] = {{NN_ARCH_DCGAN, 0, 64, NN_LOSS_BCE},
	             {NN_ARCH_DCGAN, 1, 64, NN_LOSS_BCE},
	             {NN_ARCH_DCGAN, 1, 64, NN_LOSS_WASSERSTEIN},
	             {NN_ARCH_DCGAN, 1, 64, NN_LOSS_WASSERSTEIN_SN},
	             {NN_ARCH_DCGAN, 1, 64, NN_LOSS_WASSERSTEIN_GP},
	             {NN_ARCH_WGAN_DENSE, 1, 8, NN_LOSS_BCE}};
	enum { CASES = sizeof cases / sizeof cases[0] };
	char paths[2 * CASES][128], cmd[2048];
	int n = snprintf(cmd, sizeof cmd, "/usr/bin/python3 tools/nn_models.py check-step");
	for (int i = 0; i < CASES; i++) {
		snprintf(paths[2 * i], sizeof paths[0], "/tmp/wfc-nn-torch-%d-%d-state.safetensors",
		         (int)getpid(), i);
		snprintf(paths[2 * i + 1], sizeof paths[0],
		         "/tmp/wfc-nn-torch-%d-%d-dump.safetensors", (int)getpid(), i);
		step_for_torch(cases[i].arch, cases[i].onehot, cases[i].size, cases[i].loss,
		               paths[2 * i], paths[2 * i + 1]);
		n += snprintf(cmd + n, sizeof cmd - (size_t)n, " %s %s", paths[2 * i],
		              paths[2 * i + 1]);
	}
	snprintf(cmd + n, sizeof cmd - (size_t)n, " 1>&2");
	int rc = system(cmd);
	for (int i = 0; i < 2 * CASES; i++)
		unlink(paths[i]);
	cr_assert_eq(rc, 0, "PyTorch disagrees with a training step (see the lines above)");
}

/* Names of the objectives, setting one on a config, and epochs counted in
 * real batches: a Wasserstein step reads n_critic of them. */
Test(nn_models, loss_names_and_epochs_of_each_objective)
{
	nn_loss l = NN_LOSS_WASSERSTEIN;
	cr_assert_eq(nn_loss_parse("bce", &l), 0);
	cr_assert_eq(l, NN_LOSS_BCE);
	cr_assert_eq(nn_loss_parse("wasserstein", &l), 0);
	cr_assert_eq(l, NN_LOSS_WASSERSTEIN);
	cr_assert_eq(nn_loss_parse("wasserstein-sn", &l), 0);
	cr_assert_eq(l, NN_LOSS_WASSERSTEIN_SN);
	cr_assert_eq(nn_loss_parse("wasserstein-gp", &l), 0);
	cr_assert_eq(l, NN_LOSS_WASSERSTEIN_GP);
	cr_assert_eq(nn_loss_parse("Wasserstein", &l), -1);
	cr_assert_eq(nn_loss_parse("wasserstein-", &l), -1);
	cr_assert_eq(nn_loss_parse("", &l), -1);
	cr_assert_str_eq(nn_loss_name(NN_LOSS_BCE), "bce");
	cr_assert_str_eq(nn_loss_name(NN_LOSS_WASSERSTEIN), "wasserstein");
	cr_assert_str_eq(nn_loss_name(NN_LOSS_WASSERSTEIN_SN), "wasserstein-sn");
	cr_assert_str_eq(nn_loss_name(NN_LOSS_WASSERSTEIN_GP), "wasserstein-gp");

	nn_gan_config c = tiny(NN_ARCH_DCGAN, 1, 3, 64);
	cr_assert_eq(c.loss, NN_LOSS_BCE);
	cr_assert_float_eq(c.lr, 1e-4f, 1e-12);
	nn_gan_config_set_loss(&c, NN_LOSS_WASSERSTEIN);
	cr_assert_eq(c.loss, NN_LOSS_WASSERSTEIN);
	cr_assert_float_eq(c.lr, 5e-5f, 1e-12);
	nn_gan_config_set_loss(&c, NN_LOSS_WASSERSTEIN_SN);
	cr_assert_float_eq(c.lr, 2e-4f, 1e-12);
	cr_assert(nn_gan_wasserstein(&c) && nn_gan_spectral(&c) && !nn_gan_rmsprop(&c));
	nn_gan_config_set_loss(&c, NN_LOSS_WASSERSTEIN_GP);
	cr_assert(nn_gan_wasserstein(&c) && nn_gan_penalty(&c) && !nn_gan_rmsprop(&c));
	nn_gan_config_set_loss(&c, NN_LOSS_BCE);
	cr_assert_float_eq(c.lr, 1e-4f, 1e-12);
	cr_assert_float_eq(c.beta1, 0.5f, 0, "BCE's betas come back");
	cr_assert_float_eq(c.beta2, 0.999f, 0);
	nn_gan_config w = tiny(NN_ARCH_WGAN_DENSE, 1, 3, 8);
	float lr = w.lr;
	nn_gan_config_set_loss(&w, NN_LOSS_BCE);
	cr_assert_eq(w.loss, NN_LOSS_BCE, "the dense WGAN's field is unused and unchanged");
	cr_assert_float_eq(w.lr, lr, 0);
	nn_gan_config_set_loss(&w, NN_LOSS_WASSERSTEIN_SN);
	cr_assert_eq(nn_gan_loss(&w), NN_LOSS_WASSERSTEIN, "the dense WGAN is always clipped");
	cr_assert(!nn_gan_spectral(&w));

	char err[256];
	api_dataset ds = make_dataset(API_DATASET_ONEHOT, 20, 64, 3, -3, 5);
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 3, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_trainer_steps_for_epochs(&t, 3), 3 * 20 / 2, "BCE: a batch a step");
	nn_trainer_destroy(&t);
	nn_gan_config_set_loss(&c, NN_LOSS_WASSERSTEIN);
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 3, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_trainer_steps_for_epochs(&t, 3), 3 * 20 / 2 / c.n_critic,
	             "Wasserstein: n_critic batches a step");
	nn_trainer_destroy(&t);
	free_dataset(&ds);
}
