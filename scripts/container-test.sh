#!/usr/bin/env bash
# container-test.sh - builds docker/Dockerfile with podman and checks the
# image as a user would run it: serves on a published port, generates, runs
# the CLI, keeps jobs in its /data volume across a restart, passes its
# HEALTHCHECK, runs as a non-root user, and exits 0 soon after SIGTERM.
#
# For machines with podman but no Docker engine and no registry (`make
# container-test`; as root). The base image is made locally: debootstrap
# --variant=minbase bookworm, imported as docker.io/library/debian:bookworm-slim
# into a private podman store (runc, cgroupfs; the overlay driver, or vfs
# where overlay does not work) under $WFCD_CT_DIR, so the machine's own
# podman images and settings are left alone. The base and the build layers
# stay there as a cache for the next run.
#
# Usage: scripts/container-test.sh [CONTEXT]
#   CONTEXT   the build context: a directory (default: the repository), or
#             HEAD for the last commit (git archive) with the working tree's
#             docker/ and .dockerignore on top - immune to half-written files.
# Environment: WFCD_CT_DIR (/var/tmp/wfcd-container-test), WFCD_CT_DRIVER
# (overlay or vfs; default: overlay when it works), DEBIAN_MIRROR
# (http://deb.debian.org/debian), WFCD_CT_CLEAN=1 removes the state
# directory (base image and cache) at the end.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
state=${WFCD_CT_DIR:-/var/tmp/wfcd-container-test}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=docker.io/library/debian:bookworm-slim
image=localhost/wfcd:container-test
name=wfcd-ct-$$
stop_limit_s=10
started=$(date +%s)

say() { printf 'container-test: %s\n' "$*"; }
fail() {
	printf 'container-test: FAIL: %s\n' "$*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root (podman here has no rootless setup)"
sh "$repo/scripts/deps.sh" podman buildah runc debootstrap curl

# ---- a private podman: its own settings and store ---------------------------
mkdir -p "$state/conf"
export CONTAINERS_CONF=$state/conf/containers.conf
export CONTAINERS_STORAGE_CONF=$state/conf/storage.conf
# default_ulimits = []: the VM refuses podman's default nofile limits.
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
use_driver() {
	printf '[storage]\ndriver = "%s"\nrunroot = "%s"\ngraphroot = "%s"\n' \
		"$1" "$state/run-$1" "$state/storage-$1" >"$CONTAINERS_STORAGE_CONF"
	podman info >/dev/null 2>&1
}
# vfs works everywhere, but copies the whole tree for every build step.
driver=${WFCD_CT_DRIVER:-}
if [ -z "$driver" ]; then
	driver=overlay
	use_driver overlay || driver=vfs
fi
use_driver "$driver" || fail "podman does not start with the $driver storage driver"
log=$state/podman.log
: >"$log"

tmp=$(mktemp -d)
cleanup() {
	podman rm -f -v -t 0 "$name" >/dev/null 2>&1 || true
	rm -rf "$tmp"
	# the untagged images of earlier builds
	podman image prune -f >/dev/null 2>&1 || true
	if [ "${WFCD_CT_CLEAN:-0}" = 1 ]; then
		podman rmi -a -f >/dev/null 2>&1 || true
		rm -rf "$state"
	fi
}
trap cleanup EXIT

# ---- the base image, once ---------------------------------------------------
if ! podman image exists "$base"; then
	say "making $base with debootstrap (once; a few minutes)"
	root=$state/rootfs
	rm -rf "$root"
	debootstrap --variant=minbase bookworm "$root" "$mirror" >"$state/debootstrap.log" 2>&1 ||
		fail "debootstrap failed, see $state/debootstrap.log"
	# the suites of the official image; no package lists or archives
	rm -f "$root/etc/apt/sources.list"
	cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
	tar -C "$root" -c . | podman import --change 'CMD ["bash"]' - "$base" >>"$log" 2>&1 ||
		fail "podman import failed, see $log"
	rm -rf "$root"
fi

# ---- the context ------------------------------------------------------------
context=${1:-$repo}
if [ "$context" = HEAD ]; then
	context=$tmp/context
	mkdir -p "$context"
	git -C "$repo" archive HEAD | tar -x -C "$context"
	rm -rf "$context/docker"
	cp -R "$repo/docker" "$repo/.dockerignore" "$context/"
fi
[ -f "$context/docker/Dockerfile" ] || fail "$context/docker/Dockerfile: not found"

# ---- build ------------------------------------------------------------------
# --format docker: OCI image configs have no HEALTHCHECK. --pull=never: no
# registry; the base comes from the store. The build stage is tagged too, so
# that pruning the untagged images keeps its layers (the -dev packages) as
# the cache of the next run.
say "building docker/Dockerfile from $context ($driver storage)"
t0=$(date +%s)
: >"$state/build.log"
for target in build ""; do
	if [ -n "$target" ]; then
		args=(--target "$target" -t "$image-$target")
	else
		args=(-t "$image")
	fi
	podman build --format docker --pull=never --layers -f "$context/docker/Dockerfile" \
		"${args[@]}" "$context" >>"$state/build.log" 2>&1 ||
		{
			tail -n 30 "$state/build.log" >&2
			fail "podman build failed, see $state/build.log"
		}
done
size=$(podman image inspect -f '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }')
say "built $image in $(($(date +%s) - t0)) s ($size)"

hc=$(podman image inspect -f '{{.Config.Healthcheck}}' "$image")
[[ $hc == *wfcd-healthcheck* ]] || fail "the image has no HEALTHCHECK (got: $hc)"

# ---- run: port 8080 published on a free host port -----------------------------
# podman logs (to $log) that it has no systemd for the healthcheck's timer;
# the check itself runs below with `podman healthcheck run`.
podman run -d --name "$name" -p 127.0.0.1::8080 "$image" >>"$log" 2>&1 ||
	fail "podman run failed, see $log"
url=

wait_healthy() {
	url=http://127.0.0.1:$(podman port "$name" 8080 | sed -n '1s/.*://p')
	for _ in $(seq 1 100); do
		curl -fsS -m 2 "$url/healthz" >/dev/null 2>&1 && return 0
		[ "$(podman inspect -f '{{.State.Running}}' "$name")" = true ] || break
		sleep 0.3
	done
	podman logs "$name" 2>&1 | tail -n 20 >&2
	fail "no 200 from $url/healthz within 30 s"
}
wait_healthy
say "container $name serves on $url"

body=$(curl -fsS "$url/healthz")
[[ $body == *'"ok"'* ]] || fail "/healthz: $body"
# (no `| grep -q` under pipefail: grep's early exit would fail the pipe)
out=$(podman logs "$name" 2>&1)
[[ $out == *'"event":"listening"'* ]] || fail "no listening event in the log: ${out:0:300}"

# the built-in library was found in the image
lib=$(curl -fsS "$url/v1/library")
[[ $lib == *'"name":"Pipes"'* ]] || fail "/v1/library has no Pipes entry: ${lib:0:200}"

# a job: submit, wait for it, fetch its result
job=$(curl -fsS -X POST "$url/v1/jobs?wait=20" -H 'Content-Type: application/json' \
	-d '{"library":"Pipes","seed":11,"width":24,"height":16,"format":"json"}')
[[ $job == *'"status":"succeeded"'* ]] || fail "job did not succeed: $job"
id=$(printf '%s' "$job" | grep -o '"id":"j_[a-z0-9]*"' | sed -n '1p' | cut -d'"' -f4)
[ -n "$id" ] || fail "no job id in: $job"
result=$(curl -fsS "$url/v1/jobs/$id/result")
[[ $result == *'"width":24'* && $result == *'"height":16'* && $result == *'"grid"'* ]] ||
	fail "result of $id is not a 24x16 grid: ${result:0:200}"
say "job $id succeeded, result fetched (${#result} bytes of JSON)"

# a generated PNG, straight away
curl -fsS -X POST "$url/v1/generate" -H 'Content-Type: application/json' \
	-d '{"library":"Dungeon","seed":7}' -o "$tmp/level.png"
[ "$(head -c 8 "$tmp/level.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	fail "POST /v1/generate did not answer a PNG"

# the CLI is in the image too, on PATH
podman exec "$name" wfc convert --xml /opt/wfcd/library/samples.xml --entry 1 >"$tmp/spec.json" ||
	fail "wfc convert failed in the container"
grep -q '"model"' "$tmp/spec.json" || fail "wfc convert printed no spec"

# not root
uid=$(podman exec "$name" id -u)
[ "$uid" != 0 ] || fail "the server runs as root"

# the image's HEALTHCHECK: healthy now; the probe fails with nothing listening
podman healthcheck run "$name" >>"$log" 2>&1 || fail "podman healthcheck run: unhealthy"
if podman exec -e WFCD_PORT=1 "$name" wfcd-healthcheck >/dev/null 2>&1; then
	fail "wfcd-healthcheck passes with no server on its port"
fi
say "healthcheck passes (and fails on a closed port); runs as uid $uid"

# SIGTERM: exit 0 within the limit (podman stop kills after -t seconds).
# Timed from SIGTERM to the process's end, podman's own teardown aside.
stop_and_check() {
	local t0 t1 code took
	t0=$(date +%s.%N)
	podman stop -t "$stop_limit_s" "$name" >>"$log" 2>&1 || fail "podman stop failed, see $log"
	t1=$(date -d "$(podman inspect -f '{{.State.FinishedAt}}' "$name" | sed 's/ [A-Z]*$//')" +%s.%N)
	code=$(podman inspect -f '{{.State.ExitCode}}' "$name")
	[ "$code" = 0 ] || fail "exit status $code after SIGTERM (137: killed after ${stop_limit_s} s)"
	took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	awk -v t="$took" -v l="$stop_limit_s" 'BEGIN { exit !(t < l) }' ||
		fail "the exit came $took s after SIGTERM; the limit is $stop_limit_s s"
	say "SIGTERM: exit 0 after $took s"
}
stop_and_check

# the job outlives the process: /data is a volume of the container
podman start "$name" >>"$log" 2>&1 || fail "podman start failed, see $log"
wait_healthy
again=$(curl -fsS "$url/v1/jobs/$id")
[[ $again == *'"status":"succeeded"'* ]] || fail "job $id lost across a restart: $again"
say "job $id still there after a restart (/data volume)"
stop_and_check

say "PASS in $(($(date +%s) - started)) s"
