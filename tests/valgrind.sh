#!/usr/bin/env bash
# The daemon's start, a few requests and SIGTERM under valgrind's memcheck:
# no leak, no invalid access. Prints "valgrind: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind: not installed" >&2; apt-get install -y -qq valgrind >/dev/null; }
export NW_TEST_PG_PORT=${NW_VG_PG_PORT:-$(( $(printf '%s' "$PWD" | cksum | cut -d' ' -f1) % 20000 + 20002 ))}
export NW_TEST_PORT=${NW_VG_PORT:-$(( NW_TEST_PG_PORT + 20000 ))}
BUILD=build/release
make -s all >/dev/null
. tests/integration/lib.sh
CURRENT_TEST=valgrind
trap nw_env_down EXIT

nw_start_daemon() {
	valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		--log-file="$WORK/valgrind.log" \
		"$BIN/needlewatchd" -c "$WORK/needlewatchd.conf" >>"$NW_LOG" 2>&1 &
	NW_PID=$!
	for _ in $(seq 1 300); do
		curl -s --cacert "$WORK/tls/server.crt" "$NW_URL/healthz" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

if ! nw_env_up; then
	echo "valgrind: 0 passed, 1 failed"
	exit 1
fi
read -r _ TOKEN <<<"$(new_reporter salon LS6)"
post_json /v1/reports "$TOKEN" "$(report_json VG-1)"
assert_eq "a report is accepted under valgrind" 201 "$STATUS"
post_json /v1/reports "$TOKEN" "$(report_json VG-1)"
assert_eq "a replay is answered under valgrind" 200 "$STATUS"
post_json /v1/reports "$TOKEN" '{"client_ref": 1}'
assert_eq "an invalid report is refused under valgrind" 422 "$STATUS"
post_json /v1/reports "$TOKEN" 'not json'
assert_eq "a malformed body is refused under valgrind" 400 "$STATUS"
http GET /metrics
assert_eq "/metrics answers under valgrind" 200 "$STATUS"
kill -HUP "$NW_PID"; sleep 1
http GET /readyz
assert_eq "the daemon is ready after SIGHUP under valgrind" 200 "$STATUS"
nw_stop_daemon; rc=$?
assert_eq "needlewatchd exits 0 after SIGTERM with no leak or memory error" 0 "$rc"
if [ "$rc" -ne 0 ]; then head -60 "$WORK/valgrind.log"; fi
echo "valgrind: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
