#!/usr/bin/env bash
# Integration test of wfcd on Redis (`make test-redis`): one redis-server on
# a Unix socket (TCP off), two worker processes and one API process. It
# submits N small jobs, kills one worker with SIGKILL mid-run and stops the
# other with SIGSTOP past the visibility timeout while a third worker
# starts, then checks that every job succeeded exactly once: no job lost,
# no terminal state written twice (each job's `done` counter is 1 and the
# succeeded total is N), the jobs the killed and the stopped worker held
# were finished by others, results with the same seed are the same bytes
# whichever worker ran them, a long poll on the API node sees a worker's
# job finish, and every process still alive drains and exits 0 on SIGTERM.
# Every process started here is killed on exit, failure included.
# Usage: scripts/test-redis.sh [path/to/wfcd] [N]
set -euo pipefail

WFCD=${1:-build/wfcd}
N=${2:-300}
SEEDS=100       # seeds repeat: jobs with one seed must give the same bytes
VISIBILITY=2s   # a silent worker's jobs run elsewhere after this
DEADLINE_S=45   # for all N jobs to finish

command -v redis-server >/dev/null || { echo "test-redis: redis-server is missing (scripts/deps.sh redis-server)" >&2; exit 1; }
command -v redis-cli >/dev/null || { echo "test-redis: redis-cli is missing" >&2; exit 1; }
command -v curl >/dev/null || { echo "test-redis: curl is missing" >&2; exit 1; }
[ -x "$WFCD" ] || { echo "test-redis: $WFCD is not built" >&2; exit 1; }
WFCD=$(cd "$(dirname "$WFCD")" && pwd)/$(basename "$WFCD")

TMP=$(mktemp -d /tmp/wfcd-redis.XXXXXX)
SOCK=$TMP/redis.sock
PIDS=()
cleanup() {
	exec 2>/dev/null # no "Killed" notices from the shell
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

fail() {
	echo "test-redis: FAIL: $*" >&2
	for f in "$TMP"/*.log; do
		echo "--- $(basename "$f")" >&2
		tail -5 "$f" >&2 || true
	done
	exit 1
}
rcli() { redis-cli -s "$SOCK" "$@"; }
# a counter of wfcd:stats (0 when absent)
counter() { local v; v=$(rcli HGET wfcd:stats "$1"); echo "${v:-0}"; }

redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --save '' --appendonly no \
	--dir "$TMP" >"$TMP/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do
	[ "$(rcli PING 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
[ "$(rcli PING 2>/dev/null)" = PONG ] || fail "redis-server did not start"

# start NAME ROLE [flags...]: a wfcd process, its pid in $LAST
start() {
	local name=$1 role=$2
	shift 2
	"$WFCD" --role "$role" --queue "unix:$SOCK" --visibility-timeout "$VISIBILITY" \
		--data-dir "$TMP/$name.data" "$@" >"$TMP/$name.log" 2>&1 &
	LAST=$!
	PIDS+=("$LAST")
	for _ in $(seq 1 150); do
		grep -q '"event":"listening"' "$TMP/$name.log" && return 0
		kill -0 "$LAST" 2>/dev/null || fail "$name exited"
		sleep 0.1
	done
	fail "$name did not start"
}
# the consumer name of a worker process in the group (host-pid-random)
consumer_of() {
	rcli XINFO CONSUMERS wfcd:jobs workers | grep -E -- "-$1-[a-z0-9]+$" | head -1
}
# stop_holding PID: stops the worker (SIGSTOP) at a moment it holds a job;
# prints the stream entries it holds
stop_holding() {
	local c held
	c=$(consumer_of "$1")
	for _ in $(seq 1 100); do
		kill -STOP "$1"
		held=$(rcli XPENDING wfcd:jobs workers - + 10 "$c" | sed -n '1~4p')
		[ -n "$held" ] && break
		kill -CONT "$1"
		sleep 0.01
	done
	echo "$held"
}

start api api --port 0 --queue-size $((N + 10))
API=$LAST
PORT=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$TMP/api.log" | head -1)
B="http://127.0.0.1:$PORT"

# N jobs from one curl process (a config file of requests, 4 at a time);
# job i has seed i % SEEDS and its answer in sub.i.json
awk -v n="$N" -v seeds=$SEEDS -v b="$B" -v t="$TMP" 'BEGIN {
	for (i = 0; i < n; i++) {
		if (i) print "next"
		printf "url = \"%s/v1/jobs\"\nheader = \"Content-Type: application/json\"\n", b
		printf "data = \"{\\\"library\\\":\\\"Pipes\\\",\\\"size\\\":16,\\\"seed\\\":%d}\"\n", i % seeds
		printf "output = \"%s/sub.%d.json\"\n", t, i
	}
}' >"$TMP/submit.cfg"
curl -s --no-progress-meter -Z --parallel-max 4 -K "$TMP/submit.cfg" || fail "submitting jobs"
# "i id" lines in job order
grep -o '"id":"j_[a-z0-9]*"' "$TMP"/sub.*.json | sed 's/.*sub\.\([0-9]*\)\.json:"id":"\(j_[a-z0-9]*\)"/\1 \2/' |
	sort -n | cut -d' ' -f2 >"$TMP/ids"
[ "$(wc -l <"$TMP/ids")" -eq "$N" ] || fail "$(wc -l <"$TMP/ids") of $N jobs accepted"
[ "$(sort -u "$TMP/ids" | wc -l)" -eq "$N" ] || fail "job ids repeat"

# the workers start on a full queue, so each always holds a job
start w1 worker --workers 1
W1=$LAST
start w2 worker --workers 1
W2=$LAST

# kill -9 the first worker once some jobs are done, while it holds one
for _ in $(seq 1 200); do
	[ "$(counter succeeded)" -ge $((N / 5)) ] && break
	sleep 0.05
done
W1_HELD=$(stop_holding "$W1")
[ -n "$W1_HELD" ] || fail "worker 1 never held a job"
{ kill -9 "$W1" && wait "$W1"; } 2>/dev/null || true
# stop the second past the visibility timeout: a third worker takes over
# its job; when it continues, it must not finish that job (lease lost)
W2_HELD=$(stop_holding "$W2")
[ -n "$W2_HELD" ] || fail "worker 2 never held a job"
C2=$(consumer_of "$W2")
start w3 worker --workers 1
W3=$LAST
sleep 4.5 # > the visibility timeout plus a reclaim period (1 s)
for e in $W2_HELD; do
	owner=$(rcli XPENDING wfcd:jobs workers "$e" "$e" 1 | sed -n 2p)
	[ "$owner" != "$C2" ] || fail "the stopped worker still holds $e after the visibility timeout"
done
kill -CONT "$W2"

for _ in $(seq 1 $((DEADLINE_S * 10))); do
	[ "$(counter succeeded)" -ge "$N" ] && break
	sleep 0.1
done

# every job: succeeded, one terminal write, at least one run
: >"$TMP/check.cmds"
while read -r id; do echo "HMGET wfcd:job:$id status done execs" >>"$TMP/check.cmds"; done <"$TMP/ids"
rcli <"$TMP/check.cmds" | paste - - - >"$TMP/check.out"
BAD=$(awk '$1 != "succeeded" || $2 != 1 || $3 < 1' "$TMP/check.out" | wc -l)
RERUN=$(awk '$3 > 1' "$TMP/check.out" | wc -l)
[ "$BAD" -eq 0 ] || fail "$BAD jobs did not succeed exactly once: $(awk '$1 != "succeeded" || $2 != 1' "$TMP/check.out" | sort | uniq -c | head -5)"
[ "$(counter succeeded)" -eq "$N" ] || fail "succeeded total $(counter succeeded), not $N"
[ "$(rcli XLEN wfcd:jobs)" -eq 0 ] || fail "$(rcli XLEN wfcd:jobs) entries left in the stream"
[ "$(rcli XPENDING wfcd:jobs workers | head -1)" -eq 0 ] || fail "entries still pending"

# the entries the stopped workers held were finished by another worker
for e in $W1_HELD $W2_HELD; do
	[ -z "$(rcli XPENDING wfcd:jobs workers "$e" "$e" 1)" ] || fail "entry $e is still pending"
done

# results through the API: PNGs, the same bytes for the same seed
awk -v b="$B" -v t="$TMP" -v seeds=$SEEDS '{
	if (NR > 1) print "next"
	printf "url = \"%s/v1/jobs/%s/result\"\noutput = \"%s/r.%d.%d.png\"\n", b, $1, t, (NR - 1) % seeds, NR - 1
}' "$TMP/ids" >"$TMP/fetch.cfg"
curl -s --no-progress-meter -f -Z --parallel-max 4 -K "$TMP/fetch.cfg" || fail "fetching results"
[ "$(ls "$TMP"/r.*.png | wc -l)" -eq "$N" ] || fail "$(ls "$TMP"/r.*.png | wc -l) of $N results fetched"
# "hash seed" pairs: one hash per seed
DIFF=$(cd "$TMP" && sha256sum r.*.png | sed 's/ .*r\.\([0-9]*\)\..*/ \1/' | sort -u |
	awk '{ n[$2]++ } END { for (s in n) if (n[s] > 1) print s }')
[ -z "$DIFF" ] || fail "jobs with the same seed gave different bytes (seeds $DIFF)"
head -c 8 "$TMP/r.0.0.png" | od -An -tx1 | grep -q '89 50 4e 47' || fail "results are not PNGs"

# long poll on the API node for a job a worker runs
ID=$(curl -s -X POST "$B/v1/jobs" -H 'Content-Type: application/json' \
	-d '{"library":"Pipes","size":16,"seed":7}' | grep -o '"id":"j_[a-z0-9]*"' | cut -d'"' -f4)
curl -s "$B/v1/jobs/$ID?wait=10" | grep -q '"status":"succeeded"' || fail "long poll did not see the job finish"

# SIGTERM: every process drains and exits 0 (under ASan: no leaks either)
for p in "$API" "$W2" "$W3"; do kill -TERM "$p"; done
for p in "$API" "$W2" "$W3"; do
	rc=0
	wait "$p" || rc=$?
	[ "$rc" -eq 0 ] || fail "process $p exited $rc after SIGTERM"
done

echo "test-redis: ok: $N jobs succeeded exactly once across 3 worker processes" \
	"(killed worker held: $W1_HELD; stopped worker held: $W2_HELD;" \
	"jobs run twice: $RERUN; finishes refused for a lost lease: $(counter stale))"
