#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh against one environment (private
# PostgreSQL + needlewatchd on loopback) and prints "integration: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
trap nw_env_down EXIT

if ! nw_env_up; then
	echo "integration: 0 passed, 1 failed"
	exit 1
fi
for t in tests/integration/test_*.sh; do
	CURRENT_TEST=$(basename "$t" .sh)
	echo "# $CURRENT_TEST"
	. "$t"
done
# The daemon's shutdown path is part of the contract: SIGTERM exits 0.
CURRENT_TEST=shutdown
nw_stop_daemon; assert_eq "needlewatchd exits 0 on SIGTERM" 0 $?
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$NW_LOG"; then
	fail "sanitizer reports in the daemon log"; grep -E -A5 'Sanitizer|runtime error' "$NW_LOG" | head -40
else
	pass "no sanitizer report in the daemon log"
fi
echo "integration: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
