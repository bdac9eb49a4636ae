#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh (or only the files named as
# arguments) against one environment (private PostgreSQL + needlewatchd on
# loopback) and prints "integration: N passed, M failed, K skipped". A file
# that changes the daemon's configuration calls nw_own_daemon (lib.sh) and
# runs against a needlewatchd of its own, ended after the file.
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
	# A file that called nw_own_daemon: its daemon is stopped and checked here.
	nw_own_daemon_end
	nw_guard_shared
done
# The daemon's shutdown path is part of the contract: SIGTERM exits 0.
CURRENT_TEST=shutdown
nw_stop_daemon; assert_eq "needlewatchd exits 0 on SIGTERM" 0 $?
nw_check_log "$NW_LOG" "the daemon log"
# No file changed the shared daemon's configuration: those that change theirs
# run against their own daemon (nw_own_daemon in lib.sh).
CURRENT_TEST=isolation
if [ -z "$NW_GUARD_BROKEN" ]; then
	pass "the shared daemon's configuration and TLS files are byte for byte what nw_env_up wrote"
else
	fail "the shared daemon's configuration was changed, first by $NW_GUARD_BROKEN"
fi
echo "integration: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
