/* common.c - helpers shared by the wfc subcommands. */
#include "cli.h"

#include "../api/json_spec.h"
#include "../api/readfile.h"
#include "../api/xml.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_report(const char *what, int api_status, const api_error *err)
{
	if (err->pointer[0])
		fprintf(stderr, "wfc: %s: %s (at %s)\n", what, err->message, err->pointer);
	else
		fprintf(stderr, "wfc: %s: %s\n", what, err->message);
	return api_status == API_ERR_INPUT ? CLI_BAD_INPUT : CLI_FAILURE;
}

int cli_load_spec(const char *xml, int entry, const char *json_path, api_spec *out, api_error *err)
{
	if (xml) return api_xml_load_entry(xml, entry, out, err);
	unsigned char *data = NULL;
	size_t size = 0;
	int rc = api_read_file(json_path, API_JSON_MAX_BYTES, &data, &size, err);
	if (rc != API_OK) return rc;
	/* relative image paths in a spec file are relative to that file */
	char *copy = strdup(json_path);
	if (!copy) {
		free(data);
		return api_fail(err, API_ERR_NOMEM, "out of memory");
	}
	rc = api_spec_from_json((const char *)data, size, dirname(copy), out, err);
	free(copy);
	free(data);
	return rc;
}

bool cli_parse_int(const char *text, long lo, long hi, long *out)
{
	if (!text || !*text) return false;
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || *end || v < lo || v > hi) return false;
	*out = v;
	return true;
}

bool cli_parse_size(const char *text, int *w, int *h)
{
	long a, b;
	const char *x = strchr(text, 'x');
	if (!x) x = strchr(text, 'X');
	if (!x) {
		if (!cli_parse_int(text, 1, WFC_MAX_SIDE, &a)) return false;
		*w = *h = (int)a;
		return true;
	}
	char first[32];
	size_t n = (size_t)(x - text);
	if (n == 0 || n >= sizeof first) return false;
	memcpy(first, text, n);
	first[n] = '\0';
	if (!cli_parse_int(first, 1, WFC_MAX_SIDE, &a) ||
	    !cli_parse_int(x + 1, 1, WFC_MAX_SIDE, &b))
		return false;
	*w = (int)a;
	*h = (int)b;
	return true;
}

double cli_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int cli_write_text(const char *path, const char *text, api_error *err)
{
	bool to_stdout = strcmp(path, "-") == 0;
	FILE *f = to_stdout ? stdout : fopen(path, "wb");
	if (!f) return api_fail(err, API_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	if (to_stdout)
		ok = fflush(f) == 0 && ok;
	else
		ok = fclose(f) == 0 && ok;
	if (!ok) return api_fail(err, API_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	return API_OK;
}
