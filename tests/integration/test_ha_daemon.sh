# High availability, the daemon's half (issue 18): what one PostgreSQL can
# show of it. A COMMIT whose answer never came is looked up again before it
# is answered; reads go to db_read_conninfo and skip a host that is down;
# the replay lag gauge; two daemons take turns at the summary refresh and
# both hear a token revocation. The failover itself is tests/ha/.
# Runs against its own needlewatchd (restarted with other read and refresh
# settings); leaves PostgreSQL as it was.

nw_own_daemon
HA_SUPER() { "$ROOT/scripts/pg-dev.sh" super -tAc "$1"; }
HA_SOCK=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$APP_CONNINFO")
HA_PGPORT=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$APP_CONNINFO")
# A loopback port nothing listens on (a dead first host): our own HTTPS port + 7.
HA_DEAD_PORT=$((NW_PORT + 7))
# ha_wait_sql QUERY WANT: until QUERY prints WANT (10 s at most).
ha_wait_sql() {
	for _ in $(seq 1 100); do
		[ "$(HA_SUPER "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
ha_metric() {
	curl -s --max-time 5 --cacert "$WORK/tls/server.crt" "$1/metrics" | awk -v m="$2" '$1 == m {print $2}'
}

read -r HA_PREMISES HA_TOKEN <<<"$(new_reporter salon LS6)"

# --- a COMMIT whose outcome the writer never heard --------------------------
# ha_lost_commit NAME JSON: posts JSON and kills its writer connection while
# the COMMIT waits for the standby; sets HA_CODE and leaves the answer in
# $WORK/NAME.body. Asserts that no answer leaves before the recheck's own
# commit has passed the synchronous wait.
ha_lost_commit() {
	local pid1 curl_pid
	HA_SUPER "ALTER SYSTEM SET synchronous_standby_names = 'nobody'" >/dev/null
	HA_SUPER "SELECT pg_reload_conf()" >/dev/null
	sleep 0.3
	printf '%s' "$2" >"$WORK/$1.json"
	curl -s --max-time 30 --cacert "$WORK/tls/server.crt" -H "Authorization: Bearer $HA_TOKEN" \
		-H 'Content-Type: application/json' --data-binary "@$WORK/$1.json" \
		-o "$WORK/$1.body" -w '%{http_code}' "$NW_URL/v1/reports" >"$WORK/$1.code" &
	curl_pid=$!
	ha_wait_sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'" 1 ||
		fail "$1: the COMMIT never waited for the standby"
	pid1=$(HA_SUPER "SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep'")
	HA_SUPER "SELECT pg_terminate_backend(${pid1:-0})" >/dev/null
	# The recheck's own COMMIT waits for the standby in turn: no 2xx yet.
	ha_wait_sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND pid <> ${pid1:-0}" 1 ||
		fail "$1: the recheck did not wait for the standby"
	assert_eq "$1: no answer leaves while the rows are on one host only" "" "$(cat "$WORK/$1.code")"
	HA_SUPER "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null
	HA_SUPER "SELECT pg_reload_conf()" >/dev/null
	wait "$curl_pid"
	HA_CODE=$(cat "$WORK/$1.code")
}

# A synchronous standby that does not exist holds every COMMIT after it is
# durable here; terminating that backend is "connection lost during COMMIT"
# with the rows committed. The old writer answered 503 on a guess; now it
# looks them up on a new connection, and answers only once its own look-up
# transaction has passed the same synchronous wait.
ha_lost_commit ha-recheck "$(report_json HA-RECHECK-1)"
HA_HTTP_CODE=$HA_CODE
assert_eq "a report committed while the connection died is answered 201, not 503" 201 "$HA_HTTP_CODE"
assert_eq "with the id of the stored row" \
	"$(sql "SELECT id FROM needlewatch.reports WHERE premises_id = $HA_PREMISES AND client_ref = 'HA-RECHECK-1'")" \
	"$(sed -n 's/.*"id": *\([0-9]*\).*/\1/p' "$WORK/ha-recheck.body")"
assert_eq "stored once" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'HA-RECHECK-1'")"
assert_eq "the metric counts the recheck" 1 "$(ha_metric "$NW_URL" needlewatch_batches_rechecked_total)"
assert_match "and the log says so" 'event=batch_rechecked .*reports=1 ok=1' "$(grep batch_rechecked "$NW_LOG")"

# A batch lost with its COMMIT: a new report, a replay of a stored one, and
# a different body under a stored key. Each is answered for what is stored.
post_json /v1/reports "$HA_TOKEN" "$(report_json HA-RECHECK-2)"
HA_R2_ID=$(json_field id)
# (A conflict is another report under the key, here another complication: an
# unknown member alone is not, since idempotency compares the normalised report.)
HA_CHANGED=$(report_json HA-RECHECK-1)
ha_lost_commit ha-batch "[$(report_json HA-RECHECK-3), $(report_json HA-RECHECK-2), ${HA_CHANGED/cold sores/infection}]"
BODY=$(cat "$WORK/ha-batch.body")
assert_eq "a lost batch is answered 200 with each item's outcome" 200 "$HA_CODE"
assert_eq "new: accepted; a replay: duplicate; another body under a stored key: conflict" \
	"accepted duplicate conflict" \
	"$(for i in 0 1 2; do json_field "results,$i,status"; done | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the accepted item has the stored row's id" \
	"$(sql "SELECT id FROM needlewatch.reports WHERE premises_id = $HA_PREMISES AND client_ref = 'HA-RECHECK-3'")" \
	"$(json_field results,0,id)"
assert_eq "the replay has the first row's id" "$HA_R2_ID" "$(json_field results,1,id)"
assert_eq "nothing stored twice" 3 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $HA_PREMISES AND client_ref LIKE 'HA-RECHECK-%'")"

# --- reads: db_read_conninfo, a host down, the replay lag ---------------------
# The first host refuses connections; prefer-standby finds no standby and
# settles for the primary. Writes keep db_conninfo.
HA_READ="host=127.0.0.1,$HA_SOCK port=$HA_DEAD_PORT,$HA_PGPORT dbname=needlewatch user=needlewatch_app connect_timeout=2 target_session_attrs=prefer-standby"
nw_restart_with "db_read_conninfo = $HA_READ"
HA_REG=$(ctl token create --role regulator --name "HA Regulator" | tail -1)
HA_T0=$(now_ms)
http GET "/v1/summaries?from=2026-W40&to=2026-W45" "$HA_REG"
assert_eq "GET /v1/summaries through a read conninfo whose first host is down" 200 "$STATUS"
assert_eq "and without waiting for it (under 5 s)" yes "$( [ $(($(now_ms) - HA_T0)) -lt 5000 ] && echo yes || echo no)"
HA_ID=$(sql "SELECT id FROM needlewatch.reports WHERE client_ref = 'HA-RECHECK-1'")
http GET "/v1/reports/$HA_ID" "$HA_TOKEN"
assert_eq "GET /v1/reports/{id} through the read pool" 200 "$STATUS"
mkdir -p "$WORK/ha-export"
ctl export --week 2026-W45 --out "$WORK/ha-export" >/dev/null 2>&1
assert_eq "needlewatchctl export reads through db_read_conninfo, skipping the dead host" 0 $?
assert_eq "the replay lag on a primary is 0" 0.000 "$(ha_metric "$NW_URL" needlewatch_db_replay_lag_seconds)"
nw_restart_with "db_read_conninfo = host=127.0.0.1 port=$HA_DEAD_PORT dbname=needlewatch connect_timeout=2"
HA_T0=$(now_ms)
http GET "/v1/summaries?from=2026-W40&to=2026-W45" "$HA_REG"
assert_eq "with no read host at all, GET /v1/summaries answers 503" 503 "$STATUS"
assert_match "with Retry-After" '[Rr]etry-[Aa]fter: [0-9]' "$HEADERS"
assert_eq "at once (under 5 s)" yes "$( [ $(($(now_ms) - HA_T0)) -lt 5000 ] && echo yes || echo no)"
assert_eq "and the replay lag is unknown: NaN" NaN "$(ha_metric "$NW_URL" needlewatch_db_replay_lag_seconds)"
ctl export --week 2026-W44 --out "$WORK/ha-export" >/dev/null 2>&1
assert_eq "needlewatchctl export reads the week from db_read_conninfo, not the primary (unavailable: 69)" 69 $?
# Other tests count export runs from an empty history.
sql "DELETE FROM needlewatch.exports WHERE iso_week IN ('2026-W44', '2026-W45')" >/dev/null

# --- two daemons: one refresh at a time, revocations heard by both ------------
HA_PORT2=$((NW_PORT + 3))
HA_URL2="https://127.0.0.1:$HA_PORT2"
# The run's shared daemon, paused meanwhile, keeps its listening session:
# count only the sessions of the daemons started from here on.
HA_SINCE=$(HA_SUPER "SELECT clock_timestamp()")
nw_restart_with "summary_refresh_interval_s = 1"
sed -e "s/^listen_port = .*/listen_port = $HA_PORT2/" "$WORK/needlewatchd.conf" >"$WORK/needlewatchd-2.conf"
"$BIN/needlewatchd" -c "$WORK/needlewatchd-2.conf" >>"$WORK/needlewatchd-2.log" 2>&1 &
HA_PID2=$!
for _ in $(seq 1 50); do
	curl -s --cacert "$WORK/tls/server.crt" "$HA_URL2/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
# Hold the refresh lock as another daemon would: both skip while it is held.
HA_SUPER "SELECT pg_advisory_lock(7959956646236681064), pg_sleep(3)" >/dev/null &
HA_HOLDER=$!
sleep 2.5
wait "$HA_HOLDER"
assert_match "a daemon that does not get the refresh lock skips the round" \
	'event=summaries_refresh_skipped reason="another daemon is refreshing"' "$(grep refresh_skipped "$NW_LOG")"
assert_match "so does the second daemon" 'summaries_refresh_skipped' "$(grep refresh_skipped "$WORK/needlewatchd-2.log")"
HA_R1=$(grep -c 'event=summaries_refreshed' "$NW_LOG")
HA_R2=$(grep -c 'event=summaries_refreshed' "$WORK/needlewatchd-2.log")
sleep 2.5
assert_eq "once the lock is free, refreshes resume" yes \
	"$( [ $(( $(grep -c 'event=summaries_refreshed' "$NW_LOG") + $(grep -c 'event=summaries_refreshed' "$WORK/needlewatchd-2.log") )) -gt $((HA_R1 + HA_R2)) ] && echo yes || echo no)"
assert_eq "two daemons listen for account changes" 2 \
	"$(HA_SUPER "SELECT count(*) FROM pg_stat_activity WHERE usename = 'needlewatch_app' AND query = 'LISTEN needlewatch_auth'
		AND backend_start > '$HA_SINCE'")"
read -r HA2_PREMISES HA2_TOKEN <<<"$(new_reporter salon LS6)"
post_json /v1/reports "$HA2_TOKEN" "$(report_json HA-TWO-1)"
assert_eq "daemon 1 takes the token (and caches it)" 201 "$STATUS"
NW_URL_SAVED=$NW_URL
NW_URL=$HA_URL2
post_json /v1/reports "$HA2_TOKEN" "$(report_json HA-TWO-2)"
assert_eq "daemon 2 takes the token (and caches it)" 201 "$STATUS"
ctl token revoke "$(sql "SELECT id FROM needlewatch.accounts WHERE premises_id = $HA2_PREMISES")" >/dev/null
post_json /v1/reports "$HA2_TOKEN" "$(report_json HA-TWO-3)"
assert_eq "after a revocation daemon 2 refuses the token at once" 401 "$STATUS"
NW_URL=$NW_URL_SAVED
post_json /v1/reports "$HA2_TOKEN" "$(report_json HA-TWO-4)"
assert_eq "and so does daemon 1" 401 "$STATUS"
kill -TERM "$HA_PID2"
wait "$HA_PID2"
assert_eq "the second daemon exits 0" 0 $?
# Back to the default configuration for the rest of this file.
nw_restart_with ""

# --- reads while the primary is unreachable (issue 18, the read half) --------
# A daemon whose db_conninfo is a dead host and whose db_read_conninfo is our
# database: a primary lost, a standby there. Reads go on: /readyz is read
# readiness, a GET is authenticated from the read pool; writes are refused.
HA_PORT3=$((NW_PORT + 4))
HA_URL3="https://127.0.0.1:$HA_PORT3"
sed -e "s/^listen_port = .*/listen_port = $HA_PORT3/" \
	-e "s|^db_conninfo = .*|db_conninfo = host=127.0.0.1 port=$HA_DEAD_PORT dbname=needlewatch user=needlewatch_app connect_timeout=2|" \
	"$WORK/needlewatchd.conf" >"$WORK/needlewatchd-3.conf"
cat >>"$WORK/needlewatchd-3.conf" <<CONF
db_read_conninfo = $APP_CONNINFO application_name=nw_ha_read
db_read_max_age_s = 3
CONF
"$BIN/needlewatchd" -c "$WORK/needlewatchd-3.conf" >>"$WORK/needlewatchd-3.log" 2>&1 &
HA_PID3=$!
for _ in $(seq 1 50); do
	curl -s --cacert "$WORK/tls/server.crt" "$HA_URL3/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
NW_URL_SAVED=$NW_URL
NW_URL=$HA_URL3
http GET /readyz
assert_eq "/readyz: ready for reads while only the standby answers" 200 "$STATUS"
http GET "/readyz?write=1"
assert_eq "/readyz?write=1: not ready for writes without a primary" 503 "$STATUS"
assert_match "and says why" 'primary database unavailable' "$BODY"
HA_T0=$(now_ms)
http GET "/v1/summaries?from=2026-W40&to=2026-W45" "$HA_REG"
assert_eq "GET /v1/summaries is authenticated from the read pool when the primary is gone" 200 "$STATUS"
assert_eq "without hanging on the primary (under 5 s)" yes "$( [ $(($(now_ms) - HA_T0)) -lt 5000 ] && echo yes || echo no)"
http GET "/v1/reports/$HA_ID" "$HA_TOKEN"
assert_eq "so is GET /v1/reports/{id}" 200 "$STATUS"
post_json /v1/reports "$HA_TOKEN" "$(report_json HA-NOPRIMARY-1)"
assert_eq "a write is not authenticated from a standby: 503" 503 "$STATUS"
assert_match "with Retry-After" '[Rr]etry-[Aa]fter: [0-9]' "$HEADERS"
# What the standby knows of revocations is what it has replayed: here, all.
read -r HA3_PREMISES HA3_TOKEN <<<"$(new_reporter salon LS6)"
ctl token revoke "$(sql "SELECT id FROM needlewatch.accounts WHERE premises_id = $HA3_PREMISES")" >/dev/null
http GET "/v1/reports/$HA_ID" "$HA3_TOKEN"
assert_eq "a token revoked (and replayed) is refused by the read pool too" 401 "$STATUS"

# Read connections are reopened past db_read_max_age_s (3 s here), so a pool
# that fell back to a primary returns to a standby.
ha_read_pids() {
	HA_SUPER "SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE application_name = 'nw_ha_read'"
}
# First past the age, so that the connection the next reads use is new.
sleep 3.2
http GET "/v1/summaries?from=2026-W40&to=2026-W45" "$HA_REG"
HA_PIDS_A=$(ha_read_pids)
http GET "/v1/summaries?from=2026-W40&to=2026-W45" "$HA_REG"
assert_eq "within db_read_max_age_s a read connection is kept" "$HA_PIDS_A" "$(ha_read_pids)"
sleep 3.2
http GET "/v1/summaries?from=2026-W40&to=2026-W45" "$HA_REG"
assert_eq "past it the connection is closed and a new one opened" yes \
	"$( [ -n "$HA_PIDS_A" ] && [ -n "$(ha_read_pids)" ] && [ "$(ha_read_pids)" != "$HA_PIDS_A" ] && echo yes || echo no)"
assert_eq "needlewatch_db_read_recycled_total counts it" yes \
	"$( [ "$(ha_metric "$HA_URL3" needlewatch_db_read_recycled_total)" -ge 1 ] 2>/dev/null && echo yes || echo no)"
NW_URL=$NW_URL_SAVED
kill -TERM "$HA_PID3"
wait "$HA_PID3"
assert_eq "the daemon without a primary exits 0" 0 $?

# --- needlewatchctl refresh takes the daemons' refresh lock -------------------
HA_SUPER "SELECT pg_advisory_lock(7959956646236681064), pg_sleep(3)" >/dev/null &
HA_HOLDER=$!
sleep 1
HA_OUT=$(ctl refresh --no-wait 2>&1)
assert_eq "refresh --no-wait while another refresh runs exits 75 (EX_TEMPFAIL)" 75 $?
assert_match "and says so" 'another refresh is running' "$HA_OUT"
HA_T0=$(now_ms)
ctl refresh >/dev/null 2>&1
assert_eq "refresh waits for the running refresh, then runs (exit 0)" 0 $?
assert_eq "it did wait (over 1 s)" yes "$( [ $(($(now_ms) - HA_T0)) -gt 1000 ] && echo yes || echo no)"
wait "$HA_HOLDER"
