#!/bin/sh
# Installs the pinned npm tools of tools/contract/package-lock.json (redocly,
# spectral, prism) into tools/contract/node_modules, when missing or older
# than the lock file. Uses the machine's node and npm; without them it says
# so and exits 0, and the callers skip what needs the tools.
# Usage: scripts/contract-tools.sh   (exit 0: installed or skipped; 1: failed)
set -eu

dir=$(cd "$(dirname "$0")/../tools/contract" && pwd)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "contract-tools: node or npm not found, skipping (install Node.js >= 20.19 and npm)" >&2
	exit 0
fi
# redocly 2 needs node >= 20.19; an older node fails later with less clear errors.
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a==20&&b>=19)?0:1)'; then
	echo "contract-tools: node $(node --version) is older than 20.19, skipping" >&2
	exit 0
fi

stamp="$dir/node_modules/.package-lock.json"
if [ -x "$dir/node_modules/.bin/prism" ] && [ -x "$dir/node_modules/.bin/redocly" ] &&
	[ -x "$dir/node_modules/.bin/spectral" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then
	exit 0
fi
echo "contract-tools: installing the pinned tools into tools/contract/node_modules"
cd "$dir"
# --ignore-scripts: none of the tools needs an install script (one would only
# phone home); telemetry and update checks stay off for the same reason.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
touch "$stamp"
