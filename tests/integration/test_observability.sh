# What operators' tools read: /metrics as Prometheus checks it (promtool,
# base units, HELP and TYPE everywhere, build/process/database/TLS gauges),
# the access line and report_stored sharing a request id, and the weekly
# export's node_exporter textfile and cron-friendly silence on success.
# Runs against its own needlewatchd (the libpq-notice part restarts it with
# another db_conninfo).

nw_own_daemon

# --- /metrics through promtool
http GET /metrics
O_METRICS="$WORK/metrics.txt"
printf '%s\n' "$BODY" >"$O_METRICS"
assert_eq "/metrics answers 200" 200 "$STATUS"
if command -v promtool >/dev/null; then
	o_out=$(promtool check metrics <"$O_METRICS" 2>&1); o_rc=$?
	assert_eq "promtool check metrics finds no problem (${o_out:0:400})" "0|" "$o_rc|$o_out"
else
	skip "promtool check metrics: promtool (Debian package prometheus) is not installed"
fi
o_metric() { awk -v m="$1" '$1 == m {print $2}' "$O_METRICS"; }
assert_eq "no metric name carries a non-base unit (_ms, _milliseconds, _kb)" "" \
	"$(grep -vE '^#' "$O_METRICS" | grep -oE '^[a-z_]+_(ms|milliseconds|kb|mb)(_[a-z]+)?[{ ]' | sort -u | tr '\n' ' ')"
o_untyped=$(grep -vE '^(#|$)' "$O_METRICS" | sed -E 's/[{ ].*//; s/_(bucket|sum|count)$//' | sort -u |
	while read -r fam; do grep -q "^# TYPE $fam " "$O_METRICS" && grep -q "^# HELP $fam " "$O_METRICS" || echo "$fam"; done)
assert_eq "every family has HELP and TYPE" "" "$(printf '%s' "$o_untyped" | tr '\n' ' ')"
assert_match "group-commit latency is a histogram in seconds" \
	'needlewatch_commit_duration_seconds_bucket\{le="0\.001"\}' "$BODY"
assert_match "needlewatch_build_info names the version" 'needlewatch_build_info\{version="[0-9]+\.[0-9]+\.[0-9]+",' "$BODY"
o_start=$(o_metric process_start_time_seconds)
o_now=$(date +%s)
assert_eq "process_start_time_seconds is when this daemon started (within the last 10 min)" yes \
	"$(awk -v s="${o_start:-0}" -v n="$o_now" 'BEGIN {print (s > n - 600 && s <= n + 1) ? "yes" : "no"}')"
assert_eq "process_resident_memory_bytes is the daemon's RSS (1 MiB to 1 GiB)" yes \
	"$(awk -v r="$(o_metric process_resident_memory_bytes)" 'BEGIN {print (r > 1048576 && r < 1073741824) ? "yes" : "no"}')"
o_fds=$(ls /proc/"$NW_PID"/fd 2>/dev/null | wc -l)
assert_eq "process_open_fds is the daemon's open descriptors (±5 of /proc's count $o_fds)" yes \
	"$(awk -v f="$(o_metric process_open_fds)" -v p="$o_fds" 'BEGIN {d = f - p; print (f > 0 && d < 5 && d > -5) ? "yes" : "no"}')"
assert_eq "needlewatch_database_up is 1 while PostgreSQL answers" 1 "$(o_metric needlewatch_database_up)"
o_refreshed=$(sql "SELECT floor(extract(epoch FROM refreshed_at))::bigint FROM summary.refresh_state")
assert_eq "the last successful summary refresh is summary.refresh_state's time" "$o_refreshed" \
	"$(o_metric needlewatch_summaries_last_refresh_timestamp_seconds | cut -d. -f1)"
o_not_after=$(date -d "$(openssl x509 -in "$WORK/tls/server.crt" -noout -enddate | cut -d= -f2)" +%s)
assert_eq "the TLS certificate's expiry is its notAfter" "$o_not_after" \
	"$(o_metric needlewatch_tls_certificate_expiry_timestamp_seconds)"

# --- one request id on the access line and on report_stored
read -r _ O_TOKEN <<<"$(new_reporter salon)"
post_json /v1/reports "$O_TOKEN" "$(report_json "OBS-$RANDOM")"
assert_eq "a report is stored" 201 "$STATUS"
o_stored=""
for _ in $(seq 1 50); do
	o_stored=$(grep 'event=report_stored' "$NW_LOG" | tail -1)
	o_id=$(grep -oE 'request_id=[0-9a-f]{16}' <<<"$o_stored" | cut -d= -f2)
	[ -n "$o_id" ] && grep -q "event=request request_id=$o_id " "$NW_LOG" && break
	sleep 0.1
done
assert_match "report_stored carries a request id" '^[0-9a-f]{16}$' "$o_id"
assert_match "the access line with the same id names method, client and route" \
	"event=request request_id=$o_id method=\"POST\" client=127\.0\.0\.1 route=reports_post status=201 " \
	"$(grep "request_id=$o_id " "$NW_LOG" | grep 'event=request ')"
assert_eq "ids differ between requests" 1 \
	"$(grep -oE 'event=request request_id=[0-9a-f]{16}' "$NW_LOG" | sort | uniq -d | wc -l | awk '{print ($1 == 0)}')"
assert_eq "no raw libpq NOTICE/WARNING line reached the daemon's stderr" "" \
	"$(grep -E '^(NOTICE|WARNING|ERROR): ' "$NW_LOG" | head -3)"

# --- weekly-export: the textfile and the silence, with a stand-in
# needlewatchctl that "exports" what O_WEEKS says and exits O_RC.
O_DIR="$WORK/obs-export"
O_TEXTFILE="$WORK/obs-textfile"
mkdir -p "$O_DIR" "$O_TEXTFILE"
cat >"$WORK/fake-ctl" <<'FAKE'
#!/bin/sh
for w in $O_WEEKS; do
	printf 'week,setting,events\n%s,salon,1\n%s,home,2\n%s,mobile,0\n' "$w" "$w" "$w" >"$O_DIR/needlewatch-$w.csv"
	echo "week=$w status=succeeded delivery=not_requested files=needlewatch-$w.csv ms=1"
done
[ "$O_RC" -ne 0 ] && echo "week=2031-W09 status=failed delivery=failed" && echo "needlewatchctl: the receiver is down" >&2
exit "$O_RC"
FAKE
chmod +x "$WORK/fake-ctl"
o_wrapper() { # RC WEEKS
	O_RC=$1 O_WEEKS=$2 O_DIR="$O_DIR" NEEDLEWATCHCTL="$WORK/fake-ctl" NEEDLEWATCH_EXPORT_DIR="$O_DIR" \
		NEEDLEWATCH_TEXTFILE_DIR="$O_TEXTFILE" NEEDLEWATCH_STDOUT=on-failure "$ROOT/scripts/weekly-export"
}
o_out=$(o_wrapper 0 "2031-W07 2031-W08"); o_rc=$?
assert_eq "a successful run with NEEDLEWATCH_STDOUT=on-failure prints nothing (cron mails nothing)" "0|" "$o_rc|$o_out"
o_prom="$O_TEXTFILE/needlewatch_export.prom"
o_tf() { awk -v m="$1" '$1 == m {print $2}' "$o_prom"; }
assert_eq "the textfile counts the weeks and the CSV rows exported" "2|6|0" \
	"$(o_tf needlewatch_export_last_run_periods)|$(o_tf needlewatch_export_last_run_rows)|$(o_tf needlewatch_export_last_run_exit_code)"
o_success=$(o_tf needlewatch_export_last_success_timestamp_seconds)
assert_eq "and the time of the last success (now)" yes \
	"$(awk -v s="${o_success:-0}" -v n="$(date +%s)" 'BEGIN {print (s >= n - 60 && s <= n) ? "yes" : "no"}')"
if command -v promtool >/dev/null; then
	o_out2=$(promtool check metrics <"$o_prom" 2>&1)
	assert_eq "promtool accepts the textfile" "" "$o_out2"
else
	skip "promtool check of the textfile: promtool is not installed"
fi
sleep 1
o_out=$(o_wrapper 69 ""); o_rc=$?
assert_eq "a failed run exits with needlewatchctl's status" 69 "$o_rc"
assert_match "and prints what happened, so cron mails it" 'week=2031-W09 status=failed.*event=export_failed exit=69' \
	"$(tr '\n' ' ' <<<"$o_out")"
assert_eq "the textfile records the failure and keeps the last success's time" "69|$o_success|0" \
	"$(o_tf needlewatch_export_last_run_exit_code)|$(o_tf needlewatch_export_last_success_timestamp_seconds)|$(o_tf needlewatch_export_last_run_periods)"
o_out=$(O_RC=0 O_WEEKS=2031-W10 O_DIR="$O_DIR" NEEDLEWATCHCTL="$WORK/fake-ctl" NEEDLEWATCH_EXPORT_DIR="$O_DIR" \
	"$ROOT/scripts/weekly-export")
assert_match "by default (the timer's journal) a successful run still logs its weeks" 'week=2031-W10 status=succeeded' "$o_out"

# --- libpq notices become log lines: a session whose server sends DEBUG
# notices for every transaction (client_min_messages=debug5) must not put a
# raw "DEBUG:  ..." line on stderr.
nw_stop_daemon
nw_write_config
sed -i "s|^db_conninfo = .*|& options='-c client_min_messages=debug5'|" "$WORK/needlewatchd.conf"
o_lines_before=$(wc -l <"$NW_LOG")
nw_start_daemon
http GET /readyz
post_json /v1/reports "$O_TOKEN" "$(report_json "OBS-N-$RANDOM")"
assert_eq "a report is stored over connections that receive notices" 201 "$STATUS"
o_new=$(tail -n +"$((o_lines_before + 1))" "$NW_LOG")
assert_match "the read pool's notices are db_notice lines" \
	'event=db_notice pool=read severity=DEBUG sqlstate=00000 message="' "$o_new"
assert_match "and so are the writer's" 'event=db_notice pool=writer severity=DEBUG ' "$o_new"
assert_eq "no raw libpq notice reaches stderr" "" "$(grep -E '^(DEBUG|NOTICE|WARNING|LOG|INFO): ' <<<"$o_new" | head -2)"
