/*
 * assets.h - registered tilesets (ts_…) and samples (sm_…): specs a client
 * uploads once and then names in job requests.
 *
 * Each asset is kept as its canonical JSON spec (api_spec_to_json, images
 * inline) plus a few numbers for listings, in memory and in
 * DIR/tilesets/<id>.json or DIR/samples/<id>.json:
 *   {"id","name","createdMs","meta":[a,b,c],"spec":{...}}
 * where meta is tiles, variants, 0 for a tileset and width, height,
 * colours for a sample.
 *
 * Ownership: strings returned are malloc'd copies. Thread-safe.
 */
#ifndef SRV_ASSETS_H
#define SRV_ASSETS_H

#include "../api/spec.h"
#include "ids.h"
#include "log.h"
#include "problem.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum { SRV_ASSET_TILESET, SRV_ASSET_SAMPLE } srv_asset_kind;

typedef struct {
	char id[SRV_ID_MAX];
	char name[160];
	int64_t created_ms;
	int meta[3];
} srv_asset_meta;

typedef struct srv_assets srv_assets;

int srv_assets_create(const char *data_dir, srv_log *log, srv_assets **out);
void srv_assets_destroy(srv_assets *a);
/* Loads the data directory's assets; returns how many. */
int srv_assets_restore(srv_assets *a);
/* Registers a validated spec (tiled for tilesets, overlapping for samples).
 * 0 with *meta filled, or an HTTP status with p filled. */
int srv_assets_add(srv_assets *a, srv_asset_kind kind, const api_spec *spec, srv_asset_meta *meta,
                   srv_problem *p);
/* false when there is no such asset. spec_json may be NULL. */
bool srv_assets_get(srv_assets *a, srv_asset_kind kind, const char *id, srv_asset_meta *meta,
                    char **spec_json);
bool srv_assets_delete(srv_assets *a, srv_asset_kind kind, const char *id);
/* {"tilesets":[meta...]} or {"samples":[...]}, newest first. */
char *srv_assets_list_json(srv_assets *a, srv_asset_kind kind);
/* One asset's JSON; with "spec" when spec_json is given. */
char *srv_asset_json(srv_asset_kind kind, const srv_asset_meta *m, const char *spec_json);

#endif
