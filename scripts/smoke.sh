#!/bin/sh
# Smoke test of wfcd: starts it on an ephemeral port with a fresh data
# directory, exercises a few routes with curl, stops it with SIGTERM and
# checks that it exits 0.
# Usage: scripts/smoke.sh [path/to/wfcd] [library dir]
set -eu

WFCD=${1:-build/wfcd}
LIBRARY=${2:-library}
[ -d "$LIBRARY" ] || LIBRARY=../shared/corpus
TMP=$(mktemp -d)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

fail() {
	echo "smoke: FAIL: $*" >&2
	echo "--- server log" >&2
	tail -20 "$TMP/out.log" >&2 || true
	exit 1
}

"$WFCD" --port 0 --data-dir "$TMP/data" --library "$LIBRARY" --workers 2 \
	>"$TMP/out.log" 2>"$TMP/err.log" &
PID=$!

PORT=""
for _ in $(seq 1 50); do
	PORT=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$TMP/out.log" | head -1)
	[ -n "$PORT" ] && break
	kill -0 "$PID" 2>/dev/null || fail "wfcd exited: $(cat "$TMP/err.log")"
	sleep 0.1
done
[ -n "$PORT" ] || fail "no listening line"
B="http://127.0.0.1:$PORT"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect() {
	want=$1
	shift
	got=$(code "$@")
	[ "$got" = "$want" ] || fail "$* -> $got, expected $want"
	echo "smoke: $want $*"
}

expect 200 "$B/healthz"
expect 200 "$B/readyz"
expect 200 "$B/metrics"
expect 200 "$B/v1/library"
NAME=$(curl -s "$B/v1/library" | sed -n 's/^{"entries":\[{"name":"\([^"]*\)".*/\1/p')
[ -n "$NAME" ] || fail "empty library"
expect 200 "$B/v1/library/$NAME"
expect 404 "$B/v1/library/no-such-entry"
expect 404 "$B/nowhere"
expect 405 -X PUT "$B/v1/jobs"
expect 415 -X POST "$B/v1/jobs" -H 'Content-Type: text/plain' -d x
expect 400 -X POST "$B/v1/jobs" -H 'Content-Type: application/json' -d '{"library":'
expect 422 -X POST "$B/v1/jobs" -H 'Content-Type: application/json' -d '{"library":"no-such-entry"}'

curl -s -X POST "$B/v1/generate" -H 'Content-Type: application/json' \
	-d "{\"library\":\"$NAME\",\"seed\":7,\"size\":16}" -o "$TMP/level.png" -D "$TMP/h" ||
	fail "generate"
grep -q '^HTTP/1.1 200' "$TMP/h" || fail "generate: $(head -1 "$TMP/h")"
head -c 4 "$TMP/level.png" | od -c | grep -q 'P   N   G' || fail "generate: not a PNG"
echo "smoke: 200 POST /v1/generate (PNG)"

JOB=$(curl -s -X POST "$B/v1/jobs?wait=20" -H 'Content-Type: application/json' \
	-d "{\"library\":\"$NAME\",\"seed\":3,\"size\":12,\"format\":\"json\"}")
ID=$(echo "$JOB" | sed -n 's/^{"id":"\(j_[a-z2-7]*\)".*/\1/p')
[ -n "$ID" ] || fail "no job id in $JOB"
echo "$JOB" | grep -q '"status":"succeeded"' || fail "job did not succeed: $JOB"
expect 200 "$B/v1/jobs/$ID"
expect 200 "$B/v1/jobs/$ID/result"
ETAG=$(curl -s -D - -o /dev/null "$B/v1/jobs/$ID/result?format=png" | tr -d '\r' |
	sed -n 's/^ETag: //p')
expect 304 -H "If-None-Match: $ETAG" "$B/v1/jobs/$ID/result?format=png"
expect 406 -H 'Accept: image/gif' "$B/v1/jobs/$ID/result"
expect 200 "$B/v1/jobs?limit=5"
expect 204 -X DELETE "$B/v1/jobs/$ID"
expect 404 "$B/v1/jobs/$ID"

kill -TERM "$PID"
RC=0
wait "$PID" || RC=$?
PID=""
[ "$RC" -eq 0 ] || fail "wfcd exited with $RC after SIGTERM"
grep -q '"event":"stopped"' "$TMP/out.log" || fail "no stopped line"
echo "smoke: OK (SIGTERM -> exit 0)"
