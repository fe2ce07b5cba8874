/* cmd_sample.c - `wfc sample`: outputs of a trained generator. */
#include "cli.h"
#include "nn_common.h"

#include "../nn/checkpoint.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: wfc sample CKPT --seed S [--count N] -o out.png [--json out.json]\n"
    "\n"
    "Draws N samples (default 1) from a generator checkpoint (generator.safetensors\n"
    "or state.safetensors of `wfc train`). Sample i of seed S is the same in any\n"
    "count and on any device. -o writes one image for N = 1, else a grid;\n"
    "--json the index grids ({\"width\",\"height\",\"legend\",\"grid\"}, and\n"
    "{\"seed\",\"samples\":[...]} for N > 1): the argmax entry of each cell for\n"
    "onehot models, the nearest vocabulary colour for rgb ones.\n"
    "\n"
    "Options: --device auto|cpu|cuda (default auto), --threads T\n";

int cli_sample(int argc, char **argv)
{
	const char *ckpt = NULL, *png = NULL, *json = NULL, *device = "auto";
	long seed = 0, count = 1, threads = 0;
	bool has_seed = false;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			fputs(usage, stdout);
			return CLI_DONE;
		}
		if (o[0] != '-') {
			if (ckpt) {
				fprintf(stderr,
				        "wfc sample: more than one checkpoint given ('%s')\n", o);
				return CLI_BAD_INPUT;
			}
			ckpt = o;
			continue;
		}
		if (!v) {
			fprintf(stderr, "wfc sample: %s needs a value\n", o);
			return CLI_BAD_INPUT;
		}
		bool ok = true;
		if (!strcmp(o, "-o") || !strcmp(o, "--output"))
			png = v;
		else if (!strcmp(o, "--json"))
			json = v;
		else if (!strcmp(o, "--device"))
			device = v;
		else if (!strcmp(o, "--seed"))
			ok = cli_parse_int(v, 0, INT64_MAX, &seed), has_seed = true;
		else if (!strcmp(o, "--count"))
			ok = cli_parse_int(v, 1, 4096, &count);
		else if (!strcmp(o, "--threads"))
			ok = cli_parse_int(v, 0, 1024, &threads);
		else {
			fprintf(stderr, "wfc sample: unknown option '%s' (see wfc sample --help)\n",
			        o);
			return CLI_BAD_INPUT;
		}
		if (!ok) {
			fprintf(stderr, "wfc sample: invalid value '%s' for %s\n", v, o);
			return CLI_BAD_INPUT;
		}
		i++;
	}
	if (!ckpt || !has_seed || (!png && !json)) {
		fprintf(stderr, "wfc sample: give CKPT, --seed S and -o FILE.png or --json FILE "
		                "(see wfc sample --help)\n");
		return CLI_BAD_INPUT;
	}
	nn_backend *be = cli_nn_backend(device, (int)threads, "sample");
	if (!be) return CLI_BAD_INPUT;
	nn_generator gen;
	char err[512];
	int batch = count < 64 ? (int)count : 64;
	if (nn_generator_load(ckpt, be, batch, &gen, err, sizeof err)) {
		fprintf(stderr, "wfc sample: %s\n", err);
		nn_backend_destroy(be);
		return CLI_BAD_INPUT;
	}
	api_error aerr = {0};
	int rc = cli_nn_write_samples(&gen.g, gen.z, gen.cfg.latent, gen.cfg.onehot, gen.colors,
	                              gen.vocab, (uint64_t)seed, (int)count, png, json, &aerr);
	if (rc != API_OK) rc = cli_report("sample", rc, &aerr);
	nn_generator_free(&gen);
	nn_backend_destroy(be);
	return rc;
}
