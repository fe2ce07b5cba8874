/*
 * fuzz_samples_xml.c - libFuzzer target for samples.xml: the entry
 * counter and loader (api_xml_count_entries, api_xml_load_entry) and the
 * library index built on it (api_library_open, api_library_find).
 *
 * Each input is written as samples.xml into a scratch directory made once
 * at start, laid out like the reference corpus:
 *   samples/a.png, samples/b.png       overlapping samples (4x4, 3x5)
 *   samples/f.png                      not a PNG
 *   tilesets/t.xml + t/{a,b,c}.png     a tileset with subset "s"
 *   tilesets/u.xml + u/<tile> <k>.png  a unique tileset
 *   tilesets/v.xml                     a tileset whose bitmaps are missing
 * so entries reach the attribute parsing and every file they resolve.
 *
 * Properties: a refusal has a message; an accepted entry has its name and
 * goes through the engine's validation; every library entry is found by
 * its own name (the names are unique).
 */
#include "../../api/library.h"
#include "../../api/xml.h"
#include "fuzz_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES_LOADED 4 /* each load parses the whole file again */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *dir;
static char *samples_xml;

static const char tileset_t[] =
    "<set>\n"
    "<tiles>\n"
    "  <tile name=\"a\" symmetry=\"L\" weight=\"2\"/>\n"
    "  <tile name=\"b\" symmetry=\"I\"/>\n"
    "  <tile name=\"c\"/>\n"
    "</tiles>\n"
    "<neighbors>\n"
    "  <neighbor left=\"a 1\" right=\"b\"/>\n"
    "  <neighbor left=\"b\" right=\"c 0\"/>\n"
    "  <neighbor left=\"c\" right=\"c\"/>\n"
    "</neighbors>\n"
    "<subsets>\n"
    "  <subset name=\"s\"><tile name=\"b\"/><tile name=\"c\"/></subset>\n"
    "</subsets>\n"
    "</set>\n";

static const char tileset_u[] =
    "<set unique=\"True\">\n"
    "<tiles><tile name=\"a\" symmetry=\"T\"/><tile name=\"b\"/></tiles>\n"
    "<neighbors><neighbor left=\"a 3\" right=\"b\"/></neighbors>\n"
    "</set>\n";

static const char tileset_v[] = "<set><tiles><tile name=\"gone\"/></tiles><neighbors/></set>\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dir = fuzz_temp_dir("samples");
	samples_xml = fuzz_path(dir, "samples.xml");
	fuzz_write_png(dir, "samples/a.png", 4, 4, 0);
	fuzz_write_png(dir, "samples/b.png", 3, 5, 0x102030u);
	fuzz_write_file(dir, "samples/f.png", "not a png", 9);
	fuzz_write_file(dir, "tilesets/t.xml", tileset_t, sizeof tileset_t - 1);
	fuzz_write_file(dir, "tilesets/u.xml", tileset_u, sizeof tileset_u - 1);
	fuzz_write_file(dir, "tilesets/v.xml", tileset_v, sizeof tileset_v - 1);
	static const char *const tiles[] = {"a", "b", "c"};
	for (int i = 0; i < 3; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "tilesets/t/%s.png", tiles[i]);
		fuzz_write_png(dir, rel, 3, 3, (uint32_t)i * 0x30507u);
	}
	for (int k = 0; k < 4; k++) {
		char rel[64];
		snprintf(rel, sizeof rel, "tilesets/u/a %d.png", k);
		fuzz_write_png(dir, rel, 2, 2, (uint32_t)k * 0x11u);
	}
	fuzz_write_png(dir, "tilesets/u/b 0.png", 2, 2, 0x808080u);
	return 0;
}

static void check_library(void)
{
	api_library *lib = NULL;
	api_error err = {0};
	if (api_library_open(dir, &lib, &err) != API_OK) {
		FUZZ_CHECK(err.message[0] != '\0' && lib == NULL);
		return;
	}
	int n = api_library_count(lib);
	for (int i = 0; i < n; i++) {
		const api_library_entry *e = api_library_get(lib, i);
		FUZZ_CHECK(e && e->name && e->source && e->entry == i + 1);
		FUZZ_CHECK(api_library_find(lib, e->name) == e);
	}
	api_library_close(lib);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write_file(dir, "samples.xml", data, size);
	int count = -1;
	api_error err = {0};
	if (api_xml_count_entries(samples_xml, &count, &err) != API_OK) {
		FUZZ_CHECK(err.message[0] != '\0' && count == 0);
		/* A document the counter refuses is refused by the library too. */
		api_library *lib = NULL;
		FUZZ_CHECK(api_library_open(dir, &lib, &err) != API_OK && lib == NULL);
		return 0;
	}
	FUZZ_CHECK(count >= 0);
	for (int k = 1; k <= count && k <= MAX_ENTRIES_LOADED; k++) {
		api_spec spec;
		api_error load_err = {0}; /* fresh, so an empty message shows */
		if (api_xml_load_entry(samples_xml, k, &spec, &load_err) != API_OK) {
			FUZZ_CHECK(load_err.message[0] != '\0');
			continue;
		}
		FUZZ_CHECK(spec.name != NULL);
		wfc_model *model = NULL;
		api_error build_err = {0};
		if (api_spec_build_model(&spec, &model, &build_err) == API_OK)
			wfc_model_destroy(model);
		else
			FUZZ_CHECK(build_err.message[0] != '\0');
		api_spec_free(&spec);
	}
	api_spec none;
	api_error none_err = {0};
	FUZZ_CHECK(api_xml_load_entry(samples_xml, count + 1, &none, &none_err) != API_OK);
	FUZZ_CHECK(none_err.message[0] != '\0');
	check_library();
	return 0;
}
