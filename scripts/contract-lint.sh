#!/bin/sh
# Lints openapi.yaml with redocly (recommended-strict) and spectral
# (spectral:oas, warnings fail), as pinned in tools/contract/. Installs the
# tools first; skips, saying so, when node/npm are not on the machine.
# Usage: scripts/contract-lint.sh [openapi.yaml]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
spec=$(cd "$(dirname "${1:-$root/openapi.yaml}")" && pwd)/$(basename "${1:-openapi.yaml}")
tools="$root/tools/contract"

sh "$root/scripts/contract-tools.sh"
if [ ! -x "$tools/node_modules/.bin/redocly" ]; then
	echo "contract-lint: tools not installed, skipping the openapi.yaml lint" >&2
	exit 0
fi

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
cd "$tools"
# redocly resolves the ignore file's paths against its config's folder. Its
# Node.js deprecation banner is dropped; the findings are kept.
rc=0
out=$(node_modules/.bin/redocly lint --config redocly.yaml "$spec" 2>&1) || rc=$?
printf '%s\n' "$out" | grep -v '[║╔╚]' | grep -v '^ *$' || true
if [ "$rc" -ne 0 ]; then
	echo "contract-lint: redocly found problems in $spec" >&2
	exit 1
fi
node_modules/.bin/spectral lint --quiet --ruleset .spectral.yaml --fail-severity=hint "$spec" || {
	echo "contract-lint: spectral found problems in $spec" >&2
	exit 1
}
echo "contract-lint: $spec is clean (redocly, spectral)"
