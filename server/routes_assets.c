/* routes_assets.c - /v1/tilesets, /v1/samples and /v1/library (see
 * routes.h and docs/http-api.md). */
#include "routes.h"

#include "../api/json_spec.h"
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(srv_asset_kind k)
{
	return k == SRV_ASSET_TILESET ? "tileset" : "sample";
}

static enum MHD_Result not_found(srv_request *rq, srv_asset_kind kind, const char *id)
{
	srv_problem p;
	srv_problem_set(&p, 404, "not-found", NULL, "no %s '%s'", kind_name(kind), id);
	return srv_reply_problem(rq, &p);
}

static const char *query_of(void *ctx, const char *key)
{
	return srv_request_query(ctx, key);
}

enum MHD_Result srv_assets_post(srv_app *app, srv_request *rq, srv_asset_kind kind)
{
	srv_problem p;
	api_spec spec;
	const char *body = rq->body ? rq->body : "";
	int rc;
	if (kind == SRV_ASSET_SAMPLE &&
	    srv_media_type_is(srv_request_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE), "image/png"))
		rc = srv_sample_from_png((const unsigned char *)body, rq->body_len, query_of, rq,
		                         &spec, &p);
	else
		rc = srv_spec_parse_kind(
		    body, rq->body_len,
		    kind == SRV_ASSET_TILESET ? WFC_MODEL_TILED : WFC_MODEL_OVERLAPPING, &spec, &p);
	if (rc) return srv_reply_problem(rq, &p);
	srv_asset_meta meta;
	rc = srv_assets_add(app->assets, kind, &spec, &meta, &p);
	api_spec_free(&spec);
	if (rc) return srv_reply_problem(rq, &p);
	char location[64];
	snprintf(location, sizeof location, "/v1/%s/%s",
	         kind == SRV_ASSET_TILESET ? "tilesets" : "samples", meta.id);
	srv_header h = {"Location", location};
	return srv_reply_json(rq, 201, srv_asset_json(kind, &meta, NULL), &h, 1);
}

enum MHD_Result srv_assets_get_list(srv_app *app, srv_request *rq, srv_asset_kind kind)
{
	return srv_reply_json(rq, 200, srv_assets_list_json(app->assets, kind), NULL, 0);
}

enum MHD_Result srv_asset_get(srv_app *app, srv_request *rq, srv_asset_kind kind)
{
	srv_asset_meta meta;
	char *spec = NULL;
	if (!srv_assets_get(app->assets, kind, rq->match.param, &meta, &spec))
		return not_found(rq, kind, rq->match.param);
	char *json = srv_asset_json(kind, &meta, spec);
	free(spec);
	return srv_reply_json(rq, 200, json, NULL, 0);
}

enum MHD_Result srv_asset_delete(srv_app *app, srv_request *rq, srv_asset_kind kind)
{
	if (!srv_assets_delete(app->assets, kind, rq->match.param))
		return not_found(rq, kind, rq->match.param);
	return srv_reply(rq, 204, NULL, NULL, 0, NULL, 0);
}

static void entry_fields(srv_buf *b, const api_library_entry *e)
{
	srv_buf_puts(b, "{\"name\":");
	srv_buf_json_str(b, e->name);
	srv_buf_printf(b, ",\"model\":\"%s\",\"source\":",
	               e->kind == WFC_MODEL_TILED ? "tiled" : "overlapping");
	srv_buf_json_str(b, e->source);
	srv_buf_puts(b, ",\"subset\":");
	srv_buf_json_str(b, e->subset);
	srv_buf_printf(b, ",\"width\":%d,\"height\":%d", e->width, e->height);
}

enum MHD_Result srv_library_list(srv_app *app, srv_request *rq)
{
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_puts(&b, "{\"entries\":[");
	int n = app->library ? api_library_count(app->library) : 0;
	for (int i = 0; i < n; i++) {
		if (i) srv_buf_puts(&b, ",");
		entry_fields(&b, api_library_get(app->library, i));
		srv_buf_puts(&b, "}");
	}
	srv_buf_puts(&b, "]}");
	return srv_reply_json(rq, 200, srv_buf_take(&b), NULL, 0);
}

enum MHD_Result srv_library_entry(srv_app *app, srv_request *rq)
{
	srv_problem p;
	const char *name = rq->match.param;
	const api_library_entry *e = app->library ? api_library_find(app->library, name) : NULL;
	if (!e) {
		srv_problem_set(&p, 404, "not-found", NULL, "no library entry named '%s'", name);
		return srv_reply_problem(rq, &p);
	}
	api_spec spec;
	api_error err = {0};
	if (api_library_load(app->library, name, &spec, &err) != API_OK) {
		srv_problem_set(&p, 500, "internal", NULL, "library entry '%s': %s", name,
		                err.message);
		return srv_reply_problem(rq, &p);
	}
	char *json = api_spec_to_json(&spec, &err);
	api_spec_free(&spec);
	if (!json) {
		srv_problem_from_api(&p, 500, "internal", &err);
		return srv_reply_problem(rq, &p);
	}
	srv_buf b;
	srv_buf_init(&b);
	entry_fields(&b, e);
	srv_buf_puts(&b, ",\"spec\":");
	srv_buf_puts(&b, json);
	srv_buf_puts(&b, "}");
	free(json);
	return srv_reply_json(rq, 200, srv_buf_take(&b), NULL, 0);
}
