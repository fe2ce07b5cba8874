/*
 * fuzz_safetensors.c - libFuzzer target for api_st_parse, which reads
 * checkpoints and data sets that users hand to the CLI and the server.
 *
 * Whatever the parser accepts must survive the writer: writing the parsed
 * tensors and metadata back and parsing that again gives the same names,
 * shapes, bits and metadata, in the same order. A generator's guide
 * metadata (nn_ckpt_guide: guide_scale, guide_floor) read from it is
 * either refused with a message or in range.
 */
#include "../../api/safetensors.h"
#include "../../nn/checkpoint.h"
#include "fuzz_util.h"

#include <math.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const api_safetensors *a, const api_safetensors *b)
{
	FUZZ_CHECK(a->count == b->count && a->meta_count == b->meta_count);
	for (int i = 0; i < a->count; i++) {
		const api_st_tensor *x = &a->tensors[i], *y = &b->tensors[i];
		FUZZ_CHECK(!strcmp(x->name, y->name) && x->ndim == y->ndim && x->count == y->count);
		FUZZ_CHECK(!memcmp(x->shape, y->shape, sizeof x->shape));
		FUZZ_CHECK(!memcmp(x->data, y->data, x->count * sizeof(float)));
	}
	for (int i = 0; i < a->meta_count; i++) {
		FUZZ_CHECK(!strcmp(a->meta_keys[i], b->meta_keys[i]));
		FUZZ_CHECK(!strcmp(a->meta_values[i], b->meta_values[i]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	api_safetensors st;
	api_error err;
	if (api_st_parse(data, size, &st, &err) != API_OK) {
		FUZZ_CHECK(st.count == 0 && st.tensors == NULL && err.message[0]);
		return 0;
	}
	for (int vocab = 1; vocab <= 4; vocab++) {
		float *scale = NULL, floor_v = -1;
		char why[256] = "";
		if (nn_ckpt_guide(&st, vocab, &scale, &floor_v, why, sizeof why)) {
			FUZZ_CHECK(scale == NULL && why[0]);
			continue;
		}
		FUZZ_CHECK(floor_v == 0 || (floor_v > 0 && floor_v <= 1e6f));
		FUZZ_CHECK(!scale == !api_st_meta(&st, "guide_scale"));
		for (int v = 0; scale && v < vocab; v++)
			FUZZ_CHECK(scale[v] > 0 && isfinite(scale[v]));
		free(scale);
	}
	api_st_writer *w = api_st_writer_create();
	FUZZ_CHECK(w != NULL);
	for (int i = 0; i < st.count; i++) {
		const api_st_tensor *t = &st.tensors[i];
		FUZZ_CHECK(api_st_find(&st, t->name) == t);
		FUZZ_CHECK(api_st_add(w, t->name, t->ndim, t->shape, t->data, &err) == API_OK);
	}
	for (int i = 0; i < st.meta_count; i++)
		FUZZ_CHECK(api_st_set_meta(w, st.meta_keys[i], st.meta_values[i], &err) == API_OK);
	uint8_t *buf = NULL;
	size_t len = 0;
	FUZZ_CHECK(api_st_write_mem(w, &buf, &len, &err) == API_OK);
	api_safetensors again;
	FUZZ_CHECK(api_st_parse(buf, len, &again, &err) == API_OK);
	same(&st, &again);
	api_st_free(&again);
	free(buf);
	api_st_writer_destroy(w);
	api_st_free(&st);
	return 0;
}
