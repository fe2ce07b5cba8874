#!/bin/sh
# Runs libFuzzer targets, each for a while on a scratch copy of its seed
# corpus (tests/fuzz/corpus/<name>/ is never written), and prints one line
# per target: executions, executions per second, corpus growth. Fails when
# any target reports a crash, leak, sanitizer error, timeout or OOM; the
# input that did it is kept in BUILD_DIR/fuzz-run/<name>/ and the end of the
# report is shown.
# Usage: [FUZZ_RUNS=N] scripts/fuzz.sh BUILD_DIR SECONDS NAME:MAX_LEN:DICT ...
set -u

build=$1
seconds=$2
shift 2
failed=""
for spec in "$@"; do
	name=${spec%%:*}
	rest=${spec#*:}
	max_len=${rest%%:*}
	dict=${rest#*:}
	bin=$build/fuzz_$name
	run=$build/fuzz-run/$name
	rm -rf "$run"
	mkdir -p "$run/corpus"
	cp tests/fuzz/corpus/"$name"/* "$run/corpus/"
	seeds=$(find "$run/corpus" -type f | wc -l)
	# -timeout: one input may take at most 10 s (the slowest legitimate
	# ones, large PNGs under ASan, take well under 1 s).
	opts="-max_total_time=$seconds -max_len=$max_len -timeout=10 -rss_limit_mb=2048"
	opts="$opts -print_final_stats=1 -artifact_prefix=$run/"
	# FUZZ_RUNS=N also stops a target after N executions (long runs).
	[ -n "${FUZZ_RUNS:-}" ] && opts="$opts -runs=$FUZZ_RUNS"
	[ -n "$dict" ] && opts="$opts -dict=$dict"
	# shellcheck disable=SC2086 # opts holds several options, none with spaces
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" $opts "$run/corpus" >"$run/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run/log")
	units=$(find "$run/corpus" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz %-13s ok   %9s execs %6s/s  corpus %d -> %d\n' "$name" "${execs:-?}" \
			"${rate:-?}" "$seeds" "$units"
	else
		printf 'fuzz %-13s FAIL (exit %d) after %s execs; log %s\n' "$name" "$rc" \
			"${execs:-?}" "$run/log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' \
			"$run/log" | head -20
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed" >&2
	exit 1
fi
