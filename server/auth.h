/*
 * auth.h - optional API keys: a file with one key per line (blank lines
 * and lines starting with '#' ignored, surrounding spaces trimmed).
 *
 * Only SHA-256 digests of the keys are kept in memory; a presented key is
 * hashed and compared with every stored digest in constant time, so
 * neither timing nor a memory dump gives a key away.
 *
 * Ownership: srv_auth_load allocates, srv_auth_destroy frees. Read-only
 * after loading, so shared by the HTTP threads without a lock.
 */
#ifndef SRV_AUTH_H
#define SRV_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define SRV_AUTH_MAX_KEYS 10000
#define SRV_AUTH_MIN_KEY 16 /* shorter keys are refused at load time */

typedef struct srv_auth srv_auth;

/* 0 on success; -1 with a message in err (file missing, empty, a key too
 * short). */
int srv_auth_load(const char *path, srv_auth **out, char *err, size_t err_size);
/* From keys in memory (tests). */
int srv_auth_from_text(const char *text, size_t len, srv_auth **out, char *err, size_t err_size);
void srv_auth_destroy(srv_auth *a);
int srv_auth_count(const srv_auth *a);
/* authorization: the Authorization header value, may be NULL. true when it
 * is "Bearer <key>" with a known key. */
bool srv_auth_check(const srv_auth *a, const char *authorization);

#endif
