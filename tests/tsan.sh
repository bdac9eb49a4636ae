#!/usr/bin/env bash
# ThreadSanitizer pass (.ci/run): the daemon built with -fsanitize=thread
# (make SANITIZE=thread, in build/tsan), the snapshot's unit test, and the
# integration files that exercise threads and SIGHUP. run.sh fails a run
# whose daemon log holds a "WARNING: ThreadSanitizer" report. Not the whole
# suite: under TSan the daemon is 5-15 times slower, and these files are the
# ones whose requests race each other, the writer, the deadline sweeper,
# the token cache and the reloads (2 min 37 s on the 2-core dev machine, build
# not counted; 491 checks, the files with a daemon of their own included).
# Prints "tsan: N passed, M failed, K skipped".
set -u
cd "$(dirname "$0")/.."
TSAN_FILES=(test_sighup.sh test_reload.sh test_notify.sh test_admission.sh test_batches.sh
	test_reports.sh test_limits.sh test_auth_cache.sh test_tls.sh test_faults.sh
	test_slowloris.sh test_activity.sh test_auth_failures.sh test_observability.sh
	test_zz_database_down.sh)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! make --no-print-directory SANITIZE=thread -j2 all build/tsan/tests/test_snapshot >"$out" 2>&1; then
	tail -30 "$out"
	echo "tsan: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
: >"$out"
tests/run-unit.sh build/tsan/tests/test_snapshot 2>&1 | tee "$out"
BUILD=build/tsan tests/integration/run.sh "${TSAN_FILES[@]}" 2>&1 | tee -a "$out"
read -r p f s < <(awk '/^(unit|integration): [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
	p += $2; f += $4; s += $6 } END {print p + 0, f + 0, s + 0}' "$out")
[ "$(grep -cE '^(unit|integration): [0-9]+ passed' "$out")" -lt 2 ] && f=$((f + 1))
echo "tsan: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
