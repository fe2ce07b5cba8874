#!/bin/sh
# valgrind.sh - the unit suites under Valgrind's memcheck (`make valgrind`).
#
#   scripts/valgrind.sh BUILD [SUITE ...]
#
# Every process is checked: the Criterion runner, each test's own process
# and every `wfc` the CLI tests start (--trace-children). Each writes its
# own log under out/valgrind/, so the CLI's stderr, which the tests read,
# stays clean. Fails on any memcheck error, leaks included (definitely,
# indirectly or possibly lost). With no SUITE, the suites that take under a minute or so
# under Valgrind (about 10 minutes); VG_SUITES=all for all of
# them (hours: the corpus and training tests are heavy at 20-50x slower).
# Needs the valgrind package (scripts/deps.sh valgrind).
set -eu
build=$1
shift
suites=${*:-${VG_SUITES:-anchors base64 cli cli_dataset cli_errors dataset errors eval fast
guide json_spec nn_gp nn_infer nn_optim nn_spectral overlapping png rng run safetensors
sha256 srv_auth srv_config srv_headers srv_ids srv_jobs srv_models srv_problem srv_queue
srv_request srv_router srv_runner tiled validator xml xml_errors xml_fixture}}
[ "$suites" = all ] && suites="*"

logs=out/valgrind
rm -rf "$logs"
mkdir -p "$logs"
failed=0
for s in $suites; do
	mkdir -p "$logs/$s"
	# one thread: OpenBLAS's pool adds nothing to check and much to wait for
	if ! WFC_CLI="$build/wfc" WFC_MKLIBRARY="$build/mklibrary" WFC_QUICK=1 \
		OPENBLAS_NUM_THREADS=1 valgrind --trace-children=yes --leak-check=full \
		--num-callers=30 --log-file="$logs/$s/%p.log" \
		"$build/tests" --filter "$s/*" -j1 >"$logs/$s.out" 2>&1; then
		echo "valgrind: $s: the tests failed (see $logs/$s.out)"
		failed=1
	fi
	# definite and possible leaks are in memcheck's error count already
	bad=$(grep -l -E "ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]" \
		"$logs/$s"/*.log 2>/dev/null || true)
	procs=$(ls "$logs/$s" | wc -l)
	if grep -q "Tested: 0 " "$logs/$s.out"; then
		echo "valgrind: $s: no test matches '$s/*' ($build/tests --list names the suites)"
		failed=1
	elif [ -n "$bad" ]; then
		echo "valgrind: $s: memcheck reports in: $bad"
		failed=1
	else
		echo "valgrind: $s: clean ($procs processes, $(grep -h Synthesis "$logs/$s.out" | sed 's/.*Synthesis: //'))"
	fi
done
exit $failed
