/* test_safetensors.c - api/safetensors.c: round trips, metadata and every
 * malformed case the reader must refuse with a message naming the fault. */
#include "../api/safetensors.h"
#include "testutil.h"

#include <stdint.h>
#include <unistd.h>

/* A file from a header text and n data bytes (zeros). malloc'd. */
static uint8_t *make_file(const char *header, size_t data_len, size_t *len)
{
	size_t h = strlen(header);
	*len = 8 + h + data_len;
	uint8_t *b = calloc(1, *len + 1);
	cr_assert_not_null(b);
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)h >> (8 * i));
	memcpy(b + 8, header, h);
	return b;
}

/* Parses header + data_len zero bytes; expects failure with `needle` in
 * the message. */
static void expect_reject(const char *header, size_t data_len, const char *needle)
{
	size_t len;
	uint8_t *b = make_file(header, data_len, &len);
	api_safetensors st;
	api_error err = {0};
	int rc = api_st_parse(b, len, &st, &err);
	cr_assert_eq(rc, API_ERR_INPUT, "accepted: %s", header);
	cr_assert(strstr(err.message, needle), "message '%s' lacks '%s'", err.message, needle);
	cr_assert_eq(st.count, 0);
	cr_assert_null(st.tensors);
	free(b);
}

static void expect_accept(const char *header, size_t data_len, api_safetensors *st)
{
	size_t len;
	uint8_t *b = make_file(header, data_len, &len);
	api_error err = {0};
	int rc = api_st_parse(b, len, st, &err);
	cr_assert_eq(rc, API_OK, "rejected %s: %s", header, err.message);
	free(b);
}

Test(safetensors, round_trip_mem)
{
	api_st_writer *w = api_st_writer_create();
	cr_assert_not_null(w);
	api_error err = {0};
	float a[6] = {1.5f, -2.0f, 0.0f, 3.25f, 1e-30f, -7.0f};
	float s = 42.0f;
	int64_t sa[2] = {2, 3};
	cr_assert_eq(api_st_add(w, "weight", 2, sa, a, &err), API_OK, "%s", err.message);
	cr_assert_eq(api_st_add(w, "scalar", 0, NULL, &s, &err), API_OK);
	int64_t se[2] = {0, 4};
	cr_assert_eq(api_st_add(w, "empty", 2, se, NULL, &err), API_OK, "%s", err.message);
	cr_assert_eq(api_st_set_meta(w, "format", "rgb", &err), API_OK);
	cr_assert_eq(api_st_set_meta(w, "quote\"d\n", "v\\al", &err), API_OK);
	cr_assert_eq(api_st_set_meta(w, "format", "onehot", &err), API_OK); /* replaces */

	uint8_t *buf;
	size_t len;
	cr_assert_eq(api_st_write_mem(w, &buf, &len, &err), API_OK);
	uint64_t h = 0;
	for (int i = 7; i >= 0; i--)
		h = h << 8 | buf[i];
	cr_assert_eq(h % 8, 0, "header not padded to 8");
	cr_assert_eq(len, 8 + h + 7 * 4);

	api_safetensors st;
	cr_assert_eq(api_st_parse(buf, len, &st, &err), API_OK, "%s", err.message);
	cr_assert_eq(st.count, 3);
	cr_assert_str_eq(st.tensors[0].name, "weight"); /* order kept */
	cr_assert_str_eq(st.tensors[1].name, "scalar");
	const api_st_tensor *t = api_st_find(&st, "weight");
	cr_assert_eq(t->ndim, 2);
	cr_assert_eq(t->shape[0], 2);
	cr_assert_eq(t->shape[1], 3);
	cr_assert_eq(t->count, 6);
	cr_assert_eq(memcmp(t->data, a, sizeof a), 0);
	t = api_st_find(&st, "scalar");
	cr_assert_eq(t->ndim, 0);
	cr_assert_eq(t->count, 1);
	cr_assert_eq(t->data[0], 42.0f);
	t = api_st_find(&st, "empty");
	cr_assert_eq(t->count, 0);
	cr_assert_eq(t->shape[1], 4);
	cr_assert_null(api_st_find(&st, "nope"));
	cr_assert_str_eq(api_st_meta(&st, "format"), "onehot");
	cr_assert_str_eq(api_st_meta(&st, "quote\"d\n"), "v\\al");
	cr_assert_null(api_st_meta(&st, "missing"));
	cr_assert_eq(st.meta_count, 2);
	api_st_free(&st);
	cr_assert_eq(st.count, 0);
	free(buf);
	api_st_writer_destroy(w);
}

Test(safetensors, round_trip_file)
{
	char path[] = "/tmp/wfc-st-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	close(fd);
	api_st_writer *w = api_st_writer_create();
	api_error err = {0};
	float big[1000];
	for (int i = 0; i < 1000; i++)
		big[i] = (float)i * 0.5f - 17.0f;
	int64_t shape[3] = {10, 10, 10};
	cr_assert_eq(api_st_add(w, "cube", 3, shape, big, &err), API_OK);
	cr_assert_eq(api_st_write_file(w, path, &err), API_OK, "%s", err.message);
	api_st_writer_destroy(w);
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	cr_assert_neq(access(tmp, F_OK), 0, "temporary file left behind");

	api_safetensors st;
	cr_assert_eq(api_st_read_file(path, &st, &err), API_OK, "%s", err.message);
	cr_assert_eq(st.count, 1);
	cr_assert_eq(memcmp(st.tensors[0].data, big, sizeof big), 0);
	cr_assert_eq(st.meta_count, 0);
	api_st_free(&st);
	unlink(path);

	cr_assert_eq(api_st_read_file("/nonexistent/x.safetensors", &st, &err), API_ERR_IO);
	cr_assert(strstr(err.message, "/nonexistent/x.safetensors"));
}

/* Bytes written by hand, as the reference writer lays them out. */
Test(safetensors, reads_reference_layout)
{
	const char *hdr = "{\"__metadata__\":{\"k\":\"v\"},\"b\":{\"dtype\":\"F32\",\"shape\":[1],"
	                  "\"data_offsets\":[4,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[],"
	                  "\"data_offsets\":[0,4]}}    ";
	size_t len;
	uint8_t *b = make_file(hdr, 8, &len);
	uint8_t *d = b + 8 + strlen(hdr);
	/* a = 1.0f (0x3f800000), b = -2.0f (0xc0000000), little-endian */
	d[3] = 0x3f;
	d[2] = 0x80;
	d[7] = 0xc0;
	api_safetensors st;
	api_error err = {0};
	cr_assert_eq(api_st_parse(b, len, &st, &err), API_OK, "%s", err.message);
	cr_assert_str_eq(st.tensors[0].name, "b");
	cr_assert_eq(api_st_find(&st, "a")->data[0], 1.0f);
	cr_assert_eq(api_st_find(&st, "b")->data[0], -2.0f);
	cr_assert_str_eq(api_st_meta(&st, "k"), "v");
	api_st_free(&st);
	free(b);
}

Test(safetensors, empty_header_object)
{
	api_safetensors st;
	expect_accept("{}", 0, &st);
	cr_assert_eq(st.count, 0);
	api_st_free(&st);
	expect_accept("{\"__metadata__\":{}}", 0, &st);
	api_st_free(&st);
}

Test(safetensors, short_file)
{
	api_safetensors st;
	api_error err = {0};
	const uint8_t b[5] = {1, 0, 0, 0, 0};
	cr_assert_eq(api_st_parse(b, sizeof b, &st, &err), API_ERR_INPUT);
	cr_assert(strstr(err.message, "too short"), "%s", err.message);
	cr_assert_eq(api_st_parse(NULL, 0, &st, &err), API_ERR_INPUT);
}

Test(safetensors, header_length_past_end)
{
	size_t len;
	uint8_t *b = make_file("{}", 0, &len);
	b[0] = 3; /* claims 3 bytes, file has 2 */
	api_safetensors st;
	api_error err = {0};
	cr_assert_eq(api_st_parse(b, len, &st, &err), API_ERR_INPUT);
	cr_assert(strstr(err.message, "runs past the end"), "%s", err.message);
	b[7] = 0x80; /* astronomically large */
	cr_assert_eq(api_st_parse(b, len, &st, &err), API_ERR_INPUT);
	cr_assert(strstr(err.message, "over the limit"), "%s", err.message);
	free(b);
}

Test(safetensors, bad_json)
{
	expect_reject("{\"a\":", 0, "JSON header is invalid");
	expect_reject("", 0, "JSON header is invalid");
	expect_reject("[1,2]", 0, "must be an object");
	expect_reject("{} x", 0, "JSON header is invalid");
	expect_reject("{\"a\":3}", 0, "tensor 'a' must be a JSON object");
}

Test(safetensors, dtype)
{
	expect_reject("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
	              "dtype 'F16' is not supported");
	expect_reject("{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
	              "dtype must be a string");
	expect_reject("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "missing field 'dtype'");
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4,
	              "unknown field 'x'");
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],"
	              "\"data_offsets\":[0,4]}}",
	              4, "'dtype' appears twice");
}

Test(safetensors, shape_bytes_mismatch)
{
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
	              "hold 8 bytes but the shape needs 12");
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
	              "shape[0] is not a non-negative integer");
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
	              "shape[0] is not a non-negative integer");
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":3,\"data_offsets\":[0,4]}}", 4,
	              "shape must be an array");
	/* product overflow: 2^31 * 2^31 values */
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536],"
	              "\"data_offsets\":[0,4]}}",
	              4, "more than");
}

Test(safetensors, too_many_dims)
{
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],"
	              "\"data_offsets\":[0,4]}}",
	              4, "9 dimensions, over the limit of 8");
	api_safetensors st;
	expect_accept("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1],"
	              "\"data_offsets\":[0,4]}}",
	              4, &st);
	cr_assert_eq(st.tensors[0].ndim, 8);
	api_st_free(&st);
}

Test(safetensors, offsets)
{
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8,
	              "tensor 'a': data_offsets [8,4] are reversed");
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 4,
	              "run past the end of the data (4 bytes)");
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
	              "array of two integers");
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1e300]}}", 4,
	              "non-negative integers");
	/* overlap: b starts inside a */
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
	              "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
	              12, "overlap tensor 'a'");
	/* a hole between tensors, and bytes after the last one */
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
	              "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
	              12, "data bytes [4,8] belong to no tensor");
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
	              "data bytes [4,8] at the end belong to no tensor");
	expect_reject("{}", 4, "data bytes [0,4] at the end");
}

Test(safetensors, duplicate_names)
{
	expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
	              "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
	              8, "tensor name 'a' appears twice");
	expect_reject("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "appears twice");
	expect_reject("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "key 'k' appears twice");
	expect_reject("{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
	              "empty name");
}

Test(safetensors, metadata)
{
	expect_reject("{\"__metadata__\":{\"k\":1}}", 0, "'k' must be a string");
	expect_reject("{\"__metadata__\":[]}", 0, "must be an object of strings");
	api_safetensors st;
	expect_accept("{\"__metadata__\":{\"a\":\"x\",\"b\":\"\"}}", 0, &st);
	cr_assert_eq(st.meta_count, 2);
	cr_assert_str_eq(api_st_meta(&st, "b"), "");
	api_st_free(&st);
}

Test(safetensors, too_many_tensors)
{
	/* API_ST_MAX_TENSORS + 1 empty tensors */
	size_t cap = (API_ST_MAX_TENSORS + 2) * 64;
	char *h = malloc(cap);
	size_t n = 0;
	n += (size_t)snprintf(h + n, cap - n, "{");
	for (int i = 0; i <= API_ST_MAX_TENSORS; i++)
		n += (size_t)snprintf(h + n, cap - n,
		                      "%s\"t%d\":{\"dtype\":\"F32\",\"shape\":[0],"
		                      "\"data_offsets\":[0,0]}",
		                      i ? "," : "", i);
	snprintf(h + n, cap - n, "}");
	expect_reject(h, 0, "more than 4096 tensors");
	free(h);
}

Test(safetensors, writer_rejects)
{
	api_st_writer *w = api_st_writer_create();
	api_error err = {0};
	float x = 1;
	int64_t one = 1, neg = -1;
	int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	cr_assert_eq(api_st_add(w, "a", 1, &one, &x, &err), API_OK);
	cr_assert_eq(api_st_add(w, "a", 1, &one, &x, &err), API_ERR_INPUT);
	cr_assert(strstr(err.message, "appears twice"));
	cr_assert_eq(api_st_add(w, "", 1, &one, &x, &err), API_ERR_INPUT);
	cr_assert_eq(api_st_add(w, "__metadata__", 1, &one, &x, &err), API_ERR_INPUT);
	cr_assert_eq(api_st_add(w, "b", 1, &neg, &x, &err), API_ERR_INPUT);
	cr_assert_eq(api_st_add(w, "c", 9, nine, &x, &err), API_ERR_INPUT);
	cr_assert_eq(api_st_add(w, "d", 1, &one, NULL, &err), API_ERR_INPUT);
	api_st_writer_destroy(w);
}
