/*
 * output.h - result formats: JSON grid and the reference text grid.
 *
 * JSON grid: {"width":W,"height":H,"legend":[...],"grid":[[...],...]}
 * where legend entries are the tile variants as "<tile> <orientation>"
 * (tiled) or colours "#rrggbb" / "#rrggbbaa" when not opaque
 * (overlapping), and grid[y][x] indexes the legend.
 * Text grid (tiled only, reference textOutput): one line per row, each
 * cell written "<tile> <t>, ", lines ended by "\n".
 *
 * Ownership: both return malloc'd NUL-terminated strings the caller frees,
 * or NULL (with err filled) when the state is not complete.
 */
#ifndef API_OUTPUT_H
#define API_OUTPUT_H

#include "../engine/wfc.h"
#include "error.h"

char *api_grid_json(const wfc_state *s, const wfc_model *m, api_error *err);
char *api_grid_text(const wfc_state *s, const wfc_model *m, api_error *err);

#endif
