#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh (or only the files named as
# arguments) against one environment (private PostgreSQL + needlewatchd on
# loopback) and prints "integration: N passed, M failed, K skipped".
#
# NW_TEST_PG_PORT / NW_TEST_PORT choose the ports, so several runs from one
# checkout can go on at once.
set -u
cd "$(dirname "$0")/../.."
# ThreadSanitizer (make SANITIZE=thread): library false positives are
# suppressed in tests/tsan.supp, each with its reason; reports go to the
# daemon's log, which the check at the end reads.
if [[ "${BUILD:-}" == *tsan* ]]; then
	export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
fi
. tests/integration/lib.sh
trap nw_env_down EXIT

if ! nw_env_up; then
	echo "integration: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
if [ $# -gt 0 ]; then TESTS=("$@"); else TESTS=(tests/integration/test_*.sh); fi
for t in "${TESTS[@]}"; do
	[ -f "$t" ] || t="tests/integration/$t"
	CURRENT_TEST=$(basename "$t" .sh)
	echo "# $CURRENT_TEST"
	. "$t"
done
# The daemon's shutdown path is part of the contract: SIGTERM exits 0.
CURRENT_TEST=shutdown
nw_stop_daemon; assert_eq "needlewatchd exits 0 on SIGTERM" 0 $?
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:' "$NW_LOG"; then
	fail "sanitizer reports in the daemon log"; grep -E -A12 'Sanitizer|runtime error' "$NW_LOG" | head -80
else
	pass "no sanitizer report in the daemon log"
fi
# Secrets never reach the log: no token created in this run (lib.sh's ctl
# keeps them in $WORK/secrets), nothing shaped like a token, and no patient
# ref (report_json's are "opaque-local-id-<ref>").
if grep -qF -f "$WORK/secrets" "$NW_LOG" 2>/dev/null ||
	grep -qE 'nwt_[0-9a-f]{48}|opaque-local-id' "$NW_LOG"; then
	fail "a token or a patient ref appears in the daemon log, lines: $(grep -nE 'nwt_|opaque-local-id' "$NW_LOG" | cut -d: -f1 | head -5 | tr '\n' ' ')"
else
	pass "no token (of $(wc -l <"$WORK/secrets" 2>/dev/null || echo 0) created) and no patient ref in the daemon log"
fi
echo "integration: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
