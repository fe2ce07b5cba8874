/*
 * fuzz_json_spec.c - libFuzzer target for the JSON spec reader
 * (api_spec_from_json), the reader the HTTP service runs on every request
 * body, so with base_dir NULL as there (paths refused, images inline).
 *
 * Properties beyond "no crash, no leak": a refused document always comes
 * with a message, and an accepted spec survives its own canonical form:
 * api_spec_from_json(api_spec_to_json(spec)) succeeds and writes back the
 * same text (the server stores specs that way and reads them back).
 * Accepted specs also go through api_spec_build_model, the engine's own
 * validation, which sees exactly what the parser let through.
 */
#include "../../api/json_spec.h"
#include "fuzz_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	api_spec spec;
	api_error err = {0};
	if (api_spec_from_json((const char *)data, size, NULL, &spec, &err) != API_OK) {
		FUZZ_CHECK(err.message[0] != '\0');
		return 0;
	}
	wfc_model *model = NULL;
	api_error build_err = {0};
	if (api_spec_build_model(&spec, &model, &build_err) == API_OK)
		wfc_model_destroy(model);
	else
		FUZZ_CHECK(build_err.message[0] != '\0');

	api_error trip_err = {0};
	char *json = api_spec_to_json(&spec, &trip_err);
	FUZZ_CHECK(json != NULL);
	api_spec back;
	FUZZ_CHECK(api_spec_from_json(json, strlen(json), NULL, &back, &trip_err) == API_OK);
	char *again = api_spec_to_json(&back, &trip_err);
	FUZZ_CHECK(again != NULL && strcmp(json, again) == 0);
	free(again);
	api_spec_free(&back);
	free(json);
	api_spec_free(&spec);
	return 0;
}
