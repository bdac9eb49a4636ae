# The account cache (daemon/server/directory.c, schema/006_auth_notify.sql):
# a token is looked up in PostgreSQL once and then remembered, and every
# change to accounts or premises reaches the daemon through NOTIFY
# needlewatch_auth before the next request can see the old answer.

super_sql() { "$ROOT/scripts/pg-dev.sh" super -tAc "$1"; }
listeners() {
	super_sql "SELECT count(*) FROM pg_stat_activity
		WHERE usename = 'needlewatch_app' AND query = 'LISTEN needlewatch_auth'"
}
# wait_for_log PATTERN COUNT: until PATTERN has appeared COUNT times (5 s at most)
wait_for_log() {
	for _ in $(seq 1 50); do
		[ "$(grep -c "$1" "$NW_LOG")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

assert_eq "the daemon listens for account changes on a connection of its own" 1 "$(listeners)"
assert_match "and says its cache is on" 'event=token_cache state=on' "$(grep token_cache "$NW_LOG")"

read -r AC_PREMISES AC_TOKEN <<<"$(new_reporter salon LS6)"
post_json /v1/reports "$AC_TOKEN" "$(report_json CACHE-1)"
assert_eq "a report with a fresh token is stored" 201 "$STATUS"
assert_eq "its setting is the premises' registered one" salon \
	"$(sql "SELECT setting FROM needlewatch.reports WHERE premises_id = $AC_PREMISES AND client_ref = 'CACHE-1'")"

# The token's account (and its premises' setting) is cached now; a change to
# the premises must still count for the very next report.
sql "UPDATE needlewatch.premises SET setting = 'mobile' WHERE id = $AC_PREMISES"
post_json /v1/reports "$AC_TOKEN" "$(report_json CACHE-2)"
assert_eq "the next report is stored" 201 "$STATUS"
assert_eq "with the premises' new setting, not the cached one" mobile \
	"$(sql "SELECT setting FROM needlewatch.reports WHERE premises_id = $AC_PREMISES AND client_ref = 'CACHE-2'")"
sql "UPDATE needlewatch.premises SET setting = 'salon' WHERE id = $AC_PREMISES"
post_json /v1/reports "$AC_TOKEN" "$(report_json CACHE-2B)"
assert_eq "and changed back, the next report has the old setting again" salon \
	"$(sql "SELECT setting FROM needlewatch.reports WHERE premises_id = $AC_PREMISES AND client_ref = 'CACHE-2B'")"
# Other tests re-derive every stored report from its premises (renormalise):
# leave none stored under a setting its premises no longer has.
sql "DELETE FROM needlewatch.report_complications WHERE premises_id = $AC_PREMISES
	AND report_id = (SELECT id FROM needlewatch.reports WHERE premises_id = $AC_PREMISES AND client_ref = 'CACHE-2');
     DELETE FROM needlewatch.reports WHERE premises_id = $AC_PREMISES AND client_ref = 'CACHE-2'"

# Many requests on a cached token, then a revocation: refused at once.
for i in 1 2 3; do post_json /v1/reports "$AC_TOKEN" "$(report_json "CACHE-3-$i")"; done
assert_eq "a cached token keeps working" 201 "$STATUS"
AC_ACCOUNT=$(sql "SELECT id FROM needlewatch.accounts WHERE premises_id = $AC_PREMISES")
ctl token revoke "$AC_ACCOUNT" >/dev/null
post_json /v1/reports "$AC_TOKEN" "$(report_json CACHE-4)"
assert_eq "revoking a cached token refuses it at once" 401 "$STATUS"

# The listening connection dies: nothing new is cached until it is back, and
# once it is back a revocation is heard again.
read -r AC2_PREMISES AC2_TOKEN <<<"$(new_reporter medical_clinic EC1A)"
post_json /v1/reports "$AC2_TOKEN" "$(report_json CACHE-5)"
assert_eq "a second token works (and is cached)" 201 "$STATUS"
ONS=$(grep -c 'event=token_cache state=on' "$NW_LOG")
super_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	WHERE usename = 'needlewatch_app' AND query = 'LISTEN needlewatch_auth'" >/dev/null
wait_for_log 'event=token_cache state=held' 1
assert_match "losing the listening connection holds the cache (no new entries, old ones for 30 s)" \
	'state=held hold_s=30 reason="connection lost"' \
	"$(grep token_cache "$NW_LOG")"
wait_for_log 'event=token_cache state=on' $((ONS + 1))
assert_eq "the daemon listens again" 1 "$(listeners)"
post_json /v1/reports "$AC2_TOKEN" "$(report_json CACHE-6)"
assert_eq "the token works after the reconnection" 201 "$STATUS"
AC2_ACCOUNT=$(sql "SELECT id FROM needlewatch.accounts WHERE premises_id = $AC2_PREMISES")
ctl token revoke "$AC2_ACCOUNT" >/dev/null
post_json /v1/reports "$AC2_TOKEN" "$(report_json CACHE-7)"
assert_eq "and its revocation is heard at once" 401 "$STATUS"
assert_eq "nothing refused was stored" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref IN ('CACHE-4', 'CACHE-7')")"
