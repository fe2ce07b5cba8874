/*
 * cmd_demo.c - `wfc demo`: a level generated from a sample drawn here in
 * code (rooms joined by doors), so `make run` shows something with no
 * input files at all.
 */
#include "cli.h"

#include "../api/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: wfc demo [-o FILE.png] [--seed S] [--size N]\n"
    "\n"
    "Generates a dungeon-like level from a built-in sample (rooms, walls,\n"
    "doors) with the overlapping model, scaled up 6x. Default out/demo.png.\n";

#define ROOM 5    /* room pitch: 4 floor cells + 1 wall */
#define SAMPLE 15 /* 3 x 3 rooms, wrapping */
#define SCALE 6

static void draw_sample(uint32_t *px)
{
	const uint32_t floor = 0xffd8c8a0u, wall = 0xff3a2e28u, door = 0xff8a5a30u;
	for (int y = 0; y < SAMPLE; y++) {
		for (int x = 0; x < SAMPLE; x++) {
			bool wx = x % ROOM == 0, wy = y % ROOM == 0;
			uint32_t c = floor;
			if (wx || wy) c = wall;
			/* one door in the middle of each wall segment, some rooms closed */
			if (wx != wy && (wx ? y : x) % ROOM == 2 && (x / ROOM + y / ROOM) % 3 != 1)
				c = door;
			px[x + y * SAMPLE] = c;
		}
	}
}

int cli_demo(int argc, char **argv)
{
	const char *out = "out/demo.png";
	long seed = 42, size = 48;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return CLI_DONE;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			if (!cli_parse_int(argv[++i], INT32_MIN, INT32_MAX, &seed)) goto bad;
		} else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			if (!cli_parse_int(argv[++i], 8, 512, &size)) goto bad;
		} else {
			goto bad;
		}
	}
	uint32_t sample[SAMPLE * SAMPLE];
	draw_sample(sample);
	wfc_overlapping_spec spec = {
	    .sample = sample,
	    .sample_width = SAMPLE,
	    .sample_height = SAMPLE,
	    .N = 3,
	    .width = (int)size,
	    .height = (int)size,
	    .periodic_input = true,
	    .periodic = true,
	    .symmetry = 8,
	    .heuristic = WFC_HEURISTIC_ENTROPY,
	};
	wfc_model *m;
	wfc_state *s;
	wfc_error werr;
	if (wfc_model_create_overlapping(&spec, &m, &werr) != WFC_OK) {
		fprintf(stderr, "wfc demo: %s\n", werr.message);
		return CLI_FAILURE;
	}
	if (wfc_state_create(m, &s, &werr) != WFC_OK) {
		fprintf(stderr, "wfc demo: %s\n", werr.message);
		wfc_model_destroy(m);
		return CLI_FAILURE;
	}
	int used = 0;
	double t0 = cli_now_ms();
	wfc_status st = wfc_generate(s, (int32_t)seed, 10, true, -1, NULL, &used);
	double ms = cli_now_ms() - t0;
	int rc = CLI_DONE;
	if (st != WFC_OK) {
		fprintf(stderr, "wfc demo: contradiction after %d attempts\n", used);
		rc = CLI_CONTRADICTION;
	} else {
		int W = (int)size * SCALE;
		uint32_t *small = malloc((size_t)size * size * sizeof *small);
		uint32_t *big = malloc((size_t)W * W * sizeof *big);
		api_error err = {0};
		if (!small || !big) {
			rc = CLI_FAILURE;
		} else {
			wfc_render(s, small);
			for (int y = 0; y < W; y++)
				for (int x = 0; x < W; x++)
					big[x + (size_t)y * W] =
					    small[x / SCALE + (y / SCALE) * size];
			int wrc = api_png_write_file(out, big, W, W, &err);
			if (wrc != API_OK)
				rc = cli_report(out, wrc, &err);
			else
				printf("demo: %ldx%ld level, seed %ld, %d attempt%s, %.1f ms, %d "
				       "patterns -> %s\n",
				       size, size, seed, used, used == 1 ? "" : "s", ms,
				       wfc_model_pattern_count(m), out);
		}
		free(small);
		free(big);
	}
	wfc_state_destroy(s);
	wfc_model_destroy(m);
	return rc;
bad:
	fprintf(stderr, "wfc demo: bad argument '%s'\n%s", argv[argc - 1], usage);
	return CLI_BAD_INPUT;
}
