/*
 * test_golden.c - every row of ../shared/golden/MANIFEST.tsv reproduced:
 * the reference program's image (SHA-256 of the raw ARGB image), its text
 * grid, or its ten failed attempts, for the same entry and seed.
 */
#include "../api/image.h"
#include "../api/output.h"
#include "../api/readfile.h"
#include "../api/xml.h"
#include "testutil.h"

#include <criterion/parameterized.h>

#define ENTRIES 88

typedef struct {
	int entry;
	char name[64];
	int T;
	int seed;
	bool done;
	char hash[65];
	int width, height;
	char txt[128];
} golden_row;

/* Finds the manifest row of `entry`; false when absent. */
static bool read_row(int entry, golden_row *row)
{
	FILE *f = fopen(test_shared_path("golden/MANIFEST.tsv"), "r");
	cr_assert(f, "cannot open golden/MANIFEST.tsv");
	char line[1024];
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		if (line[0] == '#') continue;
		line[strcspn(line, "\r\n")] = '\0';
		char *fields[10] = {0};
		int n = 0;
		for (char *p = line; n < 10; n++) {
			fields[n] = p;
			char *tab = strchr(p, '\t');
			if (!tab) {
				n++;
				break;
			}
			*tab = '\0';
			p = tab + 1;
		}
		if (n < 9 || atoi(fields[0]) != entry) continue;
		memset(row, 0, sizeof *row);
		row->entry = entry;
		snprintf(row->name, sizeof row->name, "%s", fields[1]);
		row->T = atoi(fields[2]);
		row->seed = atoi(fields[3]);
		row->done = strcmp(fields[4], "DONE") == 0;
		if (row->done) {
			snprintf(row->hash, sizeof row->hash, "%s", fields[5]);
			row->width = atoi(fields[6]);
			row->height = atoi(fields[7]);
			if (n > 9 && fields[9])
				snprintf(row->txt, sizeof row->txt, "%s", fields[9]);
		} else {
			cr_assert_str_eq(fields[4], "CONTRADICTION x10");
		}
		found = true;
	}
	fclose(f);
	return found;
}

ParameterizedTestParameters(golden, entry)
{
	static int entries[ENTRIES];
	for (int i = 0; i < ENTRIES; i++)
		entries[i] = i + 1;
	return cr_make_param_array(int, entries, ENTRIES);
}

ParameterizedTest(int *entry, golden, entry, .timeout = 120)
{
	REQUIRE_SHARED();
	golden_row row;
	cr_assert(read_row(*entry, &row), "entry %d missing from the manifest", *entry);
	api_spec spec;
	api_error err = {0};
	cr_assert_eq(
	    api_xml_load_entry(test_shared_path("corpus/samples.xml"), *entry, &spec, &err), API_OK,
	    "entry %d: %s", *entry, err.message);
	cr_assert_str_eq(spec.name, row.name);
	wfc_model *m;
	cr_assert_eq(api_spec_build_model(&spec, &m, &err), API_OK, "%s", err.message);
	cr_assert_eq(wfc_model_pattern_count(m), row.T, "entry %d: T", *entry);
	/* The sanitizer run skips the one entry that takes seconds (Font). */
	if (test_quick() && (long)wfc_model_width(m) * wfc_model_height(m) * row.T > 10000000) {
		wfc_model_destroy(m);
		api_spec_free(&spec);
		cr_skip_test("slow under sanitizers; covered by the plain run");
	}
	wfc_state *s;
	wfc_error werr;
	cr_assert_eq(wfc_state_create_mode(m, WFC_MODE_REFERENCE, &s, &werr), WFC_OK, "%s",
	             werr.message);
	int used = 0;
	wfc_status st =
	    wfc_generate(s, row.seed, API_DEFAULT_ATTEMPTS, false, spec.limit, NULL, &used);
	if (!row.done) {
		cr_expect_eq(st, WFC_CONTRADICTION, "entry %d seed %d should contradict", *entry,
		             row.seed);
		cr_expect_eq(used, 10);
	} else {
		cr_assert_eq(st, WFC_OK, "entry %d seed %d: %s", *entry, row.seed,
		             wfc_status_name(st));
		cr_expect_eq(used, 1);
		int w, h;
		wfc_render_size(m, &w, &h);
		cr_assert_eq(w, row.width);
		cr_assert_eq(h, row.height);
		uint32_t *px = malloc((size_t)w * h * sizeof *px);
		wfc_render(s, px);
		char hash[65];
		api_image_hash(px, w, h, hash);
		cr_expect_str_eq(hash, row.hash, "entry %d (%s) seed %d: image differs", *entry,
		                 row.name, row.seed);
		free(px);
		if (row.txt[0]) {
			char path[512];
			snprintf(path, sizeof path, "golden/%s", row.txt);
			unsigned char *want = NULL;
			size_t size = 0;
			cr_assert_eq(
			    api_read_file(test_shared_path(path), 1 << 20, &want, &size, &err),
			    API_OK, "%s", err.message);
			char *got = api_grid_text(s, m, &err);
			cr_assert(got, "%s", err.message);
			cr_expect_str_eq(got, (char *)want, "entry %d: text grid differs", *entry);
			free(got);
			free(want);
		}
	}
	wfc_state_destroy(s);
	wfc_model_destroy(m);
	api_spec_free(&spec);
}
