/* headers.c - framing checks, negotiation, conditional requests (see headers.h). */
#include "headers.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void srv_header_scan_init(srv_header_scan *s)
{
	memset(s, 0, sizeof *s);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Copies value without surrounding blanks into out; false when too long. */
static bool trimmed(const char *value, char *out, size_t size)
{
	value = skip_ws(value);
	size_t n = strlen(value);
	while (n && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	if (n >= size) return false;
	memcpy(out, value, n);
	out[n] = '\0';
	return true;
}

void srv_header_scan_add(srv_header_scan *s, const char *name, const char *value)
{
	if (!name) return;
	if (!value) value = "";
	if (!strcasecmp(name, "Content-Length")) {
		char v[32];
		bool ok = trimmed(value, v, sizeof v) && v[0];
		for (const char *c = v; ok && *c; c++)
			ok = isdigit((unsigned char)*c);
		if (!ok) s->cl_invalid = true;
		if (s->content_length++ == 0)
			snprintf(s->first_cl, sizeof s->first_cl, "%s", ok ? v : "");
		else if (!ok || strcmp(v, s->first_cl) != 0)
			s->cl_differs = true;
	} else if (!strcasecmp(name, "Transfer-Encoding")) {
		s->transfer_encoding++;
		char v[32];
		if (!trimmed(value, v, sizeof v) || strcasecmp(v, "chunked") != 0)
			s->te_not_chunked = true;
	}
}

int srv_header_framing(const srv_header_scan *s, srv_problem *p)
{
	if (s->content_length && s->transfer_encoding)
		return srv_problem_set(p, 400, "malformed", NULL,
		                       "the request has both Content-Length and Transfer-Encoding; "
		                       "send one of them");
	if (s->cl_invalid)
		return srv_problem_set(p, 400, "malformed", NULL,
		                       "Content-Length must be a decimal number of bytes");
	if (s->content_length > 1)
		return srv_problem_set(p, 400, "malformed", NULL,
		                       "the request has %d Content-Length fields%s; send one",
		                       s->content_length, s->cl_differs ? " that disagree" : "");
	if (s->transfer_encoding > 1 || s->te_not_chunked)
		return srv_problem_set(p, 400, "malformed", NULL,
		                       "only a single 'Transfer-Encoding: chunked' is supported");
	return 0;
}

bool srv_media_type_is(const char *content_type, const char *type)
{
	if (!content_type) return false;
	content_type = skip_ws(content_type);
	size_t n = strlen(type);
	if (strncasecmp(content_type, type, n) != 0) return false;
	const char *rest = skip_ws(content_type + n);
	return *rest == '\0' || *rest == ';';
}

typedef struct {
	char type[64], sub[64];
	double q;
} range;

/* Parses one media range "type/sub;q=0.5;..." of length len. */
static bool parse_range(const char *p, size_t len, range *r)
{
	char item[256];
	if (len >= sizeof item) return false;
	memcpy(item, p, len);
	item[len] = '\0';
	char *semi = strchr(item, ';');
	if (semi) *semi = '\0';
	char mt[160];
	if (!trimmed(item, mt, sizeof mt)) return false;
	char *slash = strchr(mt, '/');
	if (!slash || slash == mt || !slash[1]) return false;
	*slash = '\0';
	if (strlen(mt) >= sizeof r->type || strlen(slash + 1) >= sizeof r->sub) return false;
	strcpy(r->type, mt);
	strcpy(r->sub, slash + 1);
	r->q = 1.0;
	for (char *param = semi ? semi + 1 : NULL; param;) {
		char *next = strchr(param, ';');
		if (next) *next++ = '\0';
		param = (char *)skip_ws(param);
		if ((param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
			char *end;
			double q = strtod(param + 2, &end);
			if (end != param + 2 && q >= 0 && q <= 1) r->q = q;
		}
		param = next;
	}
	return true;
}

/* Specificity of r for the offered "type/sub": 3 exact, 2 "type/any", 1 "any/any", 0 none. */
static int specificity(const range *r, const char *offered)
{
	const char *slash = strchr(offered, '/');
	size_t tlen = (size_t)(slash - offered);
	bool type_ok = strlen(r->type) == tlen && !strncasecmp(r->type, offered, tlen);
	if (!strcmp(r->type, "*") && !strcmp(r->sub, "*")) return 1;
	if (type_ok && !strcmp(r->sub, "*")) return 2;
	if (type_ok && !strcasecmp(r->sub, slash + 1)) return 3;
	return 0;
}

int srv_accept_pick(const char *accept, const char *const *offered, int n, int preferred)
{
	if (!accept || !*skip_ws(accept)) return preferred;
	double q[16];
	int spec[16];
	if (n > 16) n = 16;
	for (int i = 0; i < n; i++) {
		q[i] = 0;
		spec[i] = 0;
	}
	bool any = false;
	for (const char *p = accept; *p;) {
		size_t len = strcspn(p, ",");
		range r;
		if (parse_range(p, len, &r)) {
			any = true;
			for (int i = 0; i < n; i++) {
				int s = specificity(&r, offered[i]);
				if (s > spec[i]) { /* the most specific range decides */
					spec[i] = s;
					q[i] = r.q;
				}
			}
		}
		p += len;
		if (*p == ',') p++;
	}
	if (!any) return preferred; /* nothing parseable: treat as absent */
	int best = -1;
	for (int i = 0; i < n; i++) {
		if (spec[i] == 0 || q[i] <= 0) continue;
		if (best < 0 || q[i] > q[best] || (q[i] == q[best] && spec[i] > spec[best]) ||
		    (q[i] == q[best] && spec[i] == spec[best] && i == preferred))
			best = i;
	}
	return best;
}

bool srv_etag_matches(const char *if_none_match, const char *etag)
{
	if (!if_none_match || !etag) return false;
	const char *p = skip_ws(if_none_match);
	if (*p == '*') return true;
	size_t elen = strlen(etag);
	while (*p) {
		p = skip_ws(p);
		if (!strncmp(p, "W/", 2)) p += 2;
		if (*p != '"') break;
		const char *end = strchr(p + 1, '"');
		if (!end) break;
		size_t len = (size_t)(end - p) + 1;
		if (len == elen && !memcmp(p, etag, len)) return true;
		p = skip_ws(end + 1);
		if (*p != ',') break;
		p++;
	}
	return false;
}

bool srv_prefer_wait(const char *prefer, long *seconds)
{
	if (!prefer) return false;
	for (const char *p = prefer; *p;) {
		p = skip_ws(p);
		size_t len = strcspn(p, ",;");
		if (len > 5 && !strncasecmp(p, "wait=", 5)) {
			char num[16];
			size_t nlen = len - 5;
			while (nlen && (p[5 + nlen - 1] == ' ' || p[5 + nlen - 1] == '\t'))
				nlen--;
			if (nlen == 0 || nlen >= sizeof num) return false;
			memcpy(num, p + 5, nlen);
			num[nlen] = '\0';
			char *end;
			long v = strtol(num, &end, 10);
			if (*end || v < 0) return false;
			*seconds = v;
			return true;
		}
		p += len;
		while (*p && *p != ',')
			p++;
		if (*p == ',') p++;
	}
	return false;
}
