/* output.c - JSON grid and reference text grid of a finished run. */
#include "output.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t *grid_of(const wfc_state *s, const wfc_model *m, api_error *err)
{
	size_t cells = (size_t)wfc_model_width(m) * wfc_model_height(m);
	int32_t *grid = malloc(cells * sizeof *grid);
	if (!grid) {
		api_fail(err, API_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (!wfc_state_grid(s, grid)) {
		free(grid);
		api_fail(err, API_ERR_INPUT, "the run is not complete, so it has no grid");
		return NULL;
	}
	return grid;
}

static void color_name(uint32_t argb, char out[10])
{
	unsigned a = argb >> 24, r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
	if (a == 0xff)
		snprintf(out, 10, "#%02x%02x%02x", r, g, b);
	else
		snprintf(out, 10, "#%02x%02x%02x%02x", r, g, b, a);
}

char *api_grid_json(const wfc_state *s, const wfc_model *m, api_error *err)
{
	int W = wfc_model_width(m), H = wfc_model_height(m);
	int32_t *grid = grid_of(s, m, err);
	if (!grid) return NULL;
	cJSON *root = cJSON_CreateObject();
	cJSON *legend = cJSON_AddArrayToObject(root, "legend");
	cJSON *rows = NULL;
	bool ok = root && legend && cJSON_AddNumberToObject(root, "width", W) &&
	          cJSON_AddNumberToObject(root, "height", H);
	for (int k = 0; ok && k < wfc_model_legend_count(m); k++) {
		char name[10];
		const char *label = wfc_model_variant_name(m, k);
		if (!label) {
			color_name(wfc_model_color(m, k), name);
			label = name;
		}
		ok = cJSON_AddItemToArray(legend, cJSON_CreateString(label));
	}
	if (ok) ok = (rows = cJSON_AddArrayToObject(root, "grid")) != NULL;
	for (int y = 0; ok && y < H; y++) {
		cJSON *row = cJSON_CreateIntArray(grid + (size_t)y * W, W);
		ok = row && cJSON_AddItemToArray(rows, row);
	}
	free(grid);
	char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (!text) api_fail(err, API_ERR_NOMEM, "out of memory");
	return text;
}

char *api_grid_text(const wfc_state *s, const wfc_model *m, api_error *err)
{
	if (wfc_model_kind_of(m) != WFC_MODEL_TILED) {
		api_fail(err, API_ERR_INPUT, "text output exists for tiled models only");
		return NULL;
	}
	int W = wfc_model_width(m), H = wfc_model_height(m);
	int32_t *grid = grid_of(s, m, err);
	if (!grid) return NULL;
	size_t len = 1;
	for (size_t i = 0; i < (size_t)W * H; i++)
		len += strlen(wfc_model_variant_name(m, grid[i])) + 2;
	len += (size_t)H;
	char *text = malloc(len), *p = text;
	if (!text) {
		free(grid);
		api_fail(err, API_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int y = 0; y < H; y++) {
		for (int x = 0; x < W; x++) {
			const char *name = wfc_model_variant_name(m, grid[x + (size_t)y * W]);
			size_t n = strlen(name);
			memcpy(p, name, n);
			p += n;
			*p++ = ',';
			*p++ = ' ';
		}
		*p++ = '\n';
	}
	*p = '\0';
	free(grid);
	return text;
}
