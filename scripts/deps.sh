#!/bin/sh
# Installs the Debian packages wfcd builds and tests with, when missing.
# As root it runs apt-get; otherwise it lists what to install and fails.
# Usage: scripts/deps.sh [extra-package ...]
set -eu

packages="build-essential pkg-config libpng-dev zlib1g-dev libexpat1-dev libcjson-dev
libcriterion-dev libmicrohttpd-dev libopenblas-dev libhiredis-dev $*"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || true
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: install them with: sudo apt-get install$missing" >&2
	exit 1
fi
