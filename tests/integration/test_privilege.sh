# Least privilege and secrets (issue 7, items 5 and 6): what the daemon's
# database role may not do, the audit log of regulator queries, reporters
# confined to their own premises' reports even when enumerating ids, and no
# token or patient ref in an error body. (needlewatch_regulator's read-only
# access to schema summary is tested with the summaries.)

read -r PRIV_A_ID PRIV_A_TOKEN <<<"$(new_reporter salon LS6)"
read -r PRIV_B_ID PRIV_B_TOKEN <<<"$(new_reporter medical_clinic EC1A)"
PRIV_REG_TOKEN=$(ctl token create --role regulator --name "Privilege Regulator" | tail -1)
PRIV_REG_ID=$(sql "SELECT max(id) FROM needlewatch.accounts WHERE role = 'regulator'")
post_json /v1/reports "$PRIV_A_TOKEN" "$(report_json PRIV-A-1)"
PRIV_A_REPORT=$(json_field id)
assert_eq "premises A stores a report" 201 "$STATUS"

# --- the daemon's role: needlewatch_app
assert_eq "the daemon's database sessions are all needlewatch_app" needlewatch_app \
	"$(sql "SELECT string_agg(DISTINCT usename::text, ',') FROM pg_stat_activity WHERE datname = 'needlewatch' AND pid <> pg_backend_pid()")"
# priv_refused DESCRIPTION SQL: the statement fails for needlewatch_app.
priv_refused() {
	local out
	if out=$(sql_as needlewatch_app "$2" 2>&1); then
		fail "$1 (it succeeded: ${out:0:80})"
	else
		assert_match "$1" 'permission denied|must be owner' "$out"
	fi
}
for tc in reports:client_ref report_complications:type accounts:name premises:name audit_log:action; do
	t=${tc%%:*}
	priv_refused "needlewatch_app cannot UPDATE needlewatch.$t" \
		"UPDATE needlewatch.$t SET ${tc#*:} = 'x'"
	priv_refused "needlewatch_app cannot DELETE from needlewatch.$t" "DELETE FROM needlewatch.$t"
	priv_refused "needlewatch_app cannot TRUNCATE needlewatch.$t" "TRUNCATE needlewatch.$t"
done
priv_refused "needlewatch_app cannot read the audit log" "SELECT count(*) FROM needlewatch.audit_log"
priv_refused "needlewatch_app cannot create accounts" \
	"INSERT INTO needlewatch.accounts (token_sha256, role, name) VALUES (repeat('a', 64), 'admin', 'x')"
priv_refused "needlewatch_app cannot register premises" \
	"INSERT INTO needlewatch.premises (code, name, setting) VALUES ('PRIVX', 'x', 'salon')"
priv_refused "needlewatch_app cannot create tables in needlewatch" "CREATE TABLE needlewatch.x (a int)"
priv_refused "needlewatch_app cannot create tables in summary" "CREATE TABLE summary.x (a int)"
priv_refused "needlewatch_app cannot alter the reports table" \
	"ALTER TABLE needlewatch.reports ADD COLUMN x int"
priv_refused "needlewatch_app cannot drop the reports table" "DROP TABLE needlewatch.reports"
assert_eq "the refused statements changed nothing" "1|$PRIV_A_ID" \
	"$(sql "SELECT count(*), min(premises_id) FROM needlewatch.reports WHERE client_ref = 'PRIV-A-1'")"
assert_eq "needlewatch_app may insert and read reports (what it needs)" "t|t" \
	"$(sql "SELECT has_table_privilege('needlewatch_app', 'needlewatch.reports', 'INSERT'), has_table_privilege('needlewatch_app', 'needlewatch.reports', 'SELECT')")"

# Schema summary: written only through the SECURITY DEFINER refresh function.
PRIV_SUMMARY_TABLES=$(sql "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'summary' AND c.relkind IN ('r', 'p', 'v', 'm')")
assert_eq "needlewatch_app has no direct write privilege on any of the $PRIV_SUMMARY_TABLES summary relations" "" \
	"$(sql "SELECT string_agg(c.relname, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'summary' AND c.relkind IN ('r', 'p', 'v', 'm') AND (has_table_privilege('needlewatch_app', c.oid, 'INSERT') OR has_table_privilege('needlewatch_app', c.oid, 'UPDATE') OR has_table_privilege('needlewatch_app', c.oid, 'DELETE') OR has_table_privilege('needlewatch_app', c.oid, 'TRUNCATE'))")"
if [ "$PRIV_SUMMARY_TABLES" -gt 0 ]; then
	PRIV_ONE=$(sql "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'summary' AND c.relkind = 'r' ORDER BY 1 LIMIT 1")
	priv_refused "needlewatch_app cannot DELETE from summary.$PRIV_ONE" "DELETE FROM summary.$PRIV_ONE"
	assert_match "the refresh function needlewatch_app may call runs as its owner (SECURITY DEFINER)" \
		'refresh' "$(sql "SELECT string_agg(p.proname, ',') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('needlewatch', 'summary') AND p.prosecdef AND p.proname LIKE 'refresh%' AND has_function_privilege('needlewatch_app', p.oid, 'EXECUTE')")"
else
	echo "# schema summary has no tables yet: only the privilege rule was checked"
fi

# --- audit log: every regulator query, token creation and revocation
PRIV_AUDIT_BEFORE=$(sql "SELECT count(*) FROM needlewatch.audit_log WHERE action = 'regulator_query'")
http GET "/v1/summaries?from=2026-W40&to=2026-W47&by=setting,complication" "$PRIV_REG_TOKEN"
PRIV_SUMMARY_STATUS=$STATUS
http GET "/v1/summaries?by=setting" "$PRIV_A_TOKEN"
assert_eq "a reporter token on /v1/summaries answers 403" 403 "$STATUS"
for _ in $(seq 1 30); do
	[ "$(sql "SELECT count(*) FROM needlewatch.audit_log WHERE action = 'regulator_query'")" -gt "$PRIV_AUDIT_BEFORE" ] && break
	sleep 0.1
done
assert_eq "a regulator query (answered $PRIV_SUMMARY_STATUS) is in the audit log with who, what and the query" \
	"account:$PRIV_REG_ID|summaries_get|GET|2026-W40|2026-W47|setting,complication" \
	"$(sql "SELECT actor, detail->>'route', detail->>'method', detail#>>'{query,from}', detail#>>'{query,to}', detail#>>'{query,by}' FROM needlewatch.audit_log WHERE action = 'regulator_query' ORDER BY id DESC LIMIT 1")"
assert_eq "the reporter's refused attempt is not recorded as a regulator query" 1 \
	"$(($(sql "SELECT count(*) FROM needlewatch.audit_log WHERE action = 'regulator_query'") - PRIV_AUDIT_BEFORE))"
assert_eq "token creation is audited" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.audit_log WHERE action = 'token_create' AND (detail->>'id')::bigint = $PRIV_REG_ID")"
ctl token revoke "$PRIV_REG_ID" >/dev/null
assert_eq "token revocation is audited" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.audit_log WHERE action = 'token_revoke' AND (detail->>'id')::bigint = $PRIV_REG_ID")"
assert_eq "no audit row holds a token" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.audit_log WHERE detail::text ~ 'nwt_[0-9a-f]{48}'")"

# --- a reporter never reads another premises' report, whatever id it tries
post_json /v1/reports "$PRIV_B_TOKEN" "$(report_json PRIV-B-1)"
PRIV_B_REPORT=$(json_field id)
PRIV_MAX=$(sql "SELECT max(id) FROM needlewatch.reports")
{
	for ((i = 1; i <= PRIV_MAX + 5; i++)); do
		[ "$i" = 1 ] || echo next
		printf 'url = "%s/v1/reports/%d"\ncacert = "%s"\nheader = "Authorization: Bearer %s"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %d\\n"\nmax-time = 10\n' \
			"$NW_URL" "$i" "$WORK/tls/server.crt" "$PRIV_B_TOKEN" "$i"
	done
} >"$WORK/priv-enum.conf"
curl -s --parallel --parallel-max 8 -K "$WORK/priv-enum.conf" >"$WORK/priv-enum.codes" 2>/dev/null
assert_eq "enumerating ids 1..$((PRIV_MAX + 5)) answers every one" $((PRIV_MAX + 5)) "$(grep -c . "$WORK/priv-enum.codes")"
assert_eq "premises B reads exactly its own reports, nothing else" \
	"$(sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM needlewatch.reports WHERE premises_id = $PRIV_B_ID")" \
	"$(awk '$1 == 200 {print $2}' "$WORK/priv-enum.codes" | sort -n | paste -sd,)"
assert_eq "every other id answers 404, exactly as an id that does not exist" "" \
	"$(awk '$1 != 200 && $1 != 404' "$WORK/priv-enum.codes" | head -3 | tr '\n' ';')"
rm -f "$WORK/priv-enum.conf" "$WORK/priv-enum.codes"
for id in 0 -1 "$PRIV_A_REPORT.0" "0$PRIV_A_REPORT" "+$PRIV_A_REPORT" "%2B$PRIV_A_REPORT" \
	"$PRIV_A_REPORT%20OR%201=1" 99999999999999999999999 "$PRIV_A_REPORT/"; do
	http GET "/v1/reports/$id" "$PRIV_B_TOKEN"
	assert_eq "B asking for A's report as '$id' gets 404" 404 "$STATUS"
done
# %00 is refused before any look-up (test_http_framing.sh).
http GET "/v1/reports/$PRIV_A_REPORT%00" "$PRIV_B_TOKEN"
assert_eq "B asking for A's report as '$PRIV_A_REPORT%00' gets 400" 400 "$STATUS"
http GET "/v1/reports/$PRIV_A_REPORT" "$PRIV_A_TOKEN"
assert_eq "A reads its own report" 200 "$STATUS"
assert_nomatch "the stored report shows no clear patient ref" 'opaque-local-id' "$BODY"
http GET "/v1/reports/$PRIV_A_REPORT" "$(ctl token create --role regulator --name 'Reader' | tail -1)"
assert_eq "a regulator token cannot read reports through the reporter route" 403 "$STATUS"

# --- no token and no patient ref in any error body
PRIV_FAKE="nwt_$(printf '%048d' 7)"
post_json /v1/reports "$PRIV_FAKE" "$(report_json PRIV-FAKE)"
assert_eq "an unknown token answers 401" 401 "$STATUS"
assert_nomatch "the 401 does not repeat the token" "$PRIV_FAKE" "$BODY$HEADERS"
PRIV_REF="opaque-local-id-$(printf '%0200d' 1)"
R=$(report_json PRIV-REF)
post_json /v1/reports "$PRIV_A_TOKEN" "${R/opaque-local-id-PRIV-REF/$PRIV_REF}"
assert_eq "a patient ref over its length limit answers 422" 422 "$STATUS"
assert_match "the 422 names the field" '"field":"patient.ref"' "$BODY"
assert_nomatch "the 422 does not repeat the patient ref" 'opaque-local-id' "$BODY"
post_json /v1/reports "$PRIV_A_TOKEN" '{"patient": {"ref": "opaque-local-id-x"}} "trailing"'
assert_eq "a malformed body answers 400" 400 "$STATUS"
assert_nomatch "the 400 does not repeat the patient ref" 'opaque-local-id' "$BODY"

# --- the systemd unit (config/needlewatchd.service.in, made and installed by
# make install with PREFIX's paths; test_install.sh checks the installed one)
PRIV_UNIT="$ROOT/config/needlewatchd.service.in"
for d in 'User=needlewatch' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'PrivateTmp=yes' \
	'ProtectHome=yes' 'ReadWritePaths=' 'CapabilityBoundingSet=' 'LimitCORE=0' \
	'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -qxF "$d" "$PRIV_UNIT"
	assert_eq "the unit sets $d" 0 $?
done
if command -v systemd-analyze >/dev/null; then
	sed "s|@BINDIR@/needlewatchd|$BIN/needlewatchd|g; s|@SYSCONFDIR@|/etc/needlewatch|g; s|@DOCDIR@|/usr/share/doc/needlewatch|g" \
		"$PRIV_UNIT" >"$WORK/needlewatchd.service"
	assert_eq "systemd-analyze verify finds nothing wrong with the unit" "" \
		"$(systemd-analyze verify --man=no "$WORK/needlewatchd.service" 2>&1)"
	systemd-analyze security --offline=yes --threshold=20 "$WORK/needlewatchd.service" >/dev/null 2>&1
	assert_eq "systemd-analyze security rates the unit's exposure at 2.0 or less" 0 $?
	rm -f "$WORK/needlewatchd.service"
else
	skip "systemd-analyze verify and security on the unit" "systemd-analyze is not installed"
fi
grep -q 'config/needlewatchd.service' "$ROOT/Makefile"
assert_eq "make install installs the unit" 0 $?

# --- no core dumps: needlewatchd makes itself non-dumpable (PR_SET_DUMPABLE),
# so a crash cannot leave its keys, tokens or patient refs in a core file.
mkdir -p "$WORK/core"
(cd "$WORK/core" && ulimit -c unlimited 2>/dev/null && exec sleep 10) &
PRIV_CORE_PID=$!
sleep 0.2
kill -ABRT "$PRIV_CORE_PID"
wait "$PRIV_CORE_PID" 2>/dev/null
if ! ls "$WORK"/core/core* >/dev/null 2>&1; then
	skip "needlewatchd leaves no core file" "core dumps do not land in the working directory here (core_pattern: $(cat /proc/sys/kernel/core_pattern 2>/dev/null))"
else
	rm -f "$WORK"/core/core*
	nw_stop_daemon
	(cd "$WORK/core" && ulimit -c unlimited && exec "$BIN/needlewatchd" -c "$WORK/needlewatchd.conf") \
		>"$WORK/core.log" 2>&1 &
	PRIV_CORE_PID=$!
	for _ in $(seq 1 100); do
		curl -s --cacert "$WORK/tls/server.crt" "$NW_URL/healthz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	kill -ABRT "$PRIV_CORE_PID"
	wait "$PRIV_CORE_PID" 2>/dev/null
	assert_eq "needlewatchd killed by SIGABRT dies of it" 134 $?
	assert_eq "... and leaves no core file, where another process's core lands" "" \
		"$(ls "$WORK"/core/ | grep '^core' | head -1)"
	rm -rf "$WORK/core" "$WORK/core.log"
	nw_start_daemon
fi
