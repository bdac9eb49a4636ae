# Slow loris (issue 7, item 1): request_header_timeout_s bounds how long a
# request's header may take, however steadily its bytes trickle in, and the
# body must then arrive at 1 KiB/s or better; libmicrohttpd's own
# connection_timeout_s (30 s here) only ends connections that go silent.
# Every client is bounded (12 s at most). Runs against its own needlewatchd,
# started with a 2 s header timeout.

nw_own_daemon "request_header_timeout_s = 2"
read -r _ SL_TOKEN <<<"$(new_reporter salon LS6)"

# sl_talk WRITER: runs the shell function WRITER, which prints a request at
# its own pace, into a TLS connection (tls_talk); the answer goes to $WORK/sl.out.
sl_talk() { tls_talk "$WORK/sl.out" "$1"; }

# sl_metric REASON: needlewatch_connections_dropped_total{reason=REASON}.
sl_metric() {
	http GET /metrics
	sed -n "s/^needlewatch_connections_dropped_total{reason=\"$1\"} //p" <<<"$BODY"
}

# sl_in RANGE_LO RANGE_HI MS DESCRIPTION
sl_in() {
	if [ "$3" -ge "$1" ] && [ "$3" -lt "$2" ]; then pass "$4 (${3} ms)"
	else fail "$4: took ${3} ms, expected ${1}..${2}"; fi
}

# The slow loris: a header that never ends, one byte every 0.5 s — well
# inside the 30 s idle timeout, so only the header deadline can stop it.
sl_loris() {
	printf 'POST /v1/reports?sl-marker HTTP/1.1\r\nHost: x\r\nX-Slow: '
	for _ in $(seq 1 20); do
		sleep 0.5
		printf 'a'
	done
}

# A legitimate but slow client: its header takes 1.2 s, inside the deadline,
# and it keeps the connection open afterwards (keep-alive).
sl_slow_header() {
	printf 'POST /v1/reports HTTP/1.1\r\nHost: x\r\n'
	sleep 0.4
	printf 'Authorization: Bearer %s\r\n' "$SL_TOKEN"
	sleep 0.4
	printf 'Content-Type: application/json\r\nContent-Length: %d\r\n' "$(wc -c <"$WORK/sl-1.json")"
	sleep 0.4
	printf '\r\n'
	cat "$WORK/sl-1.json"
}

# A complete header, then a body trickled at 2 bytes a second.
sl_body_trickle() {
	printf 'POST /v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{' "$SL_TOKEN"
	for _ in $(seq 1 20); do
		sleep 0.5
		printf ' '
	done
}

# A 2 KiB body in six parts 0.5 s apart: 2.5 s, longer than the header
# timeout, but steady enough (each second of it brings its allowance).
sl_slow_body() {
	local n part i
	n=$(wc -c <"$WORK/sl-2.json")
	part=$(((n + 5) / 6))
	printf 'POST /v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n' \
		"$SL_TOKEN" "$n"
	for i in 0 1 2 3 4 5; do
		[ "$i" = 0 ] || sleep 0.5
		tail -c +$((i * part + 1)) "$WORK/sl-2.json" | head -c "$part"
	done
}

report_json SL-SLOW-HEADER >"$WORK/sl-1.json"
# Padded to about 2 KiB, so that each part is a few hundred bytes.
report_json SL-SLOW-BODY 1 ", \"extra\": \"$(printf '%1200s' '' | tr ' ' x)\"" >"$WORK/sl-2.json"

sl_log_mark=$(wc -l <"$NW_LOG")

# --- the slow loris is dropped, and others are served meanwhile
sl_talk sl_loris >"$WORK/sl.t" &
sl_pid=$!
sleep 0.5
http GET /healthz
assert_eq "another connection is served while a slow loris trickles its header" 200 "$STATUS"
post_json /v1/reports "$SL_TOKEN" "$(report_json SL-MEANWHILE)"
assert_eq "a report posted meanwhile is stored" 201 "$STATUS"
wait "$sl_pid"
sl_in 1500 5000 "$(cat "$WORK/sl.t")" \
	"a header trickled a byte every 0.5 s is dropped after request_header_timeout_s = 2"
assert_eq "the slow loris got no answer" "" "$(cat "$WORK/sl.out")"
assert_eq "the drop is counted in /metrics" 1 "$(sl_metric header_timeout)"
sl_lines=$(tail -n +"$((sl_log_mark + 1))" "$NW_LOG" | grep 'event=connection_dropped reason=header_timeout')
assert_eq "the drop is logged once" 1 "$(grep -c . <<<"$sl_lines")"
assert_match "the log line says how long the header took, nothing about the client" \
	'^[^"]*event=connection_dropped reason=header_timeout after_ms=[0-9]+ body_bytes=0$' "$sl_lines"
assert_nomatch "the log never repeats the slow loris's request" 'sl-marker|X-Slow' \
	"$(tail -n +"$((sl_log_mark + 1))" "$NW_LOG")"

# --- a slow header that completes in time is served, then keep-alive ends
sl_t=$(sl_talk sl_slow_header)
assert_match "a header sent over 1.2 s, within the deadline, is served" '^HTTP/1\.1 201' \
	"$(head -1 "$WORK/sl.out")"
assert_eq "its report is stored" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'SL-SLOW-HEADER'")"
sl_in 2500 6000 "$sl_t" "the idle keep-alive connection is closed request_header_timeout_s after the answer"
assert_eq "a keep-alive close is counted apart from header timeouts" "1 1" \
	"$(sl_metric keepalive_timeout) $(sl_metric header_timeout)"

# --- the body: a trickle is dropped, a slow but steady body is not
sl_t=$(sl_talk sl_body_trickle)
sl_in 1500 5000 "$sl_t" "a body trickled at 2 bytes a second is dropped soon after the header timeout"
assert_nomatch "the trickled body got no answer" 'HTTP/1\.1' "$(cat "$WORK/sl.out")"
assert_eq "the body drop is counted" 1 "$(sl_metric body_too_slow)"
sl_t=$(sl_talk sl_slow_body)
assert_match "a 2 KiB body sent steadily over 2.5 s, past the header timeout, is served" \
	'^HTTP/1\.1 201' "$(head -1 "$WORK/sl.out")"
sl_in 2400 5000 "$sl_t" "the steady body took its 2.5 s"
assert_eq "its report is stored" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'SL-SLOW-BODY'")"

# --- a request suspended for the writer is never cut, however long it waits
psql -X -q "$OWNER_CONNINFO" -c "BEGIN; LOCK TABLE needlewatch.reports IN SHARE ROW EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT" \
	>/dev/null 2>&1 &
sl_lock=$!
for _ in $(seq 1 50); do
	[ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'reports' AND l.mode = 'ShareRowExclusiveLock' AND l.granted")" = 1 ] && break
	sleep 0.1
done
sl_t0=$(now_ms)
post_json /v1/reports "$SL_TOKEN" "$(report_json SL-SUSPENDED)"
sl_t=$(($(now_ms) - sl_t0))
wait "$sl_lock"
assert_eq "a report whose commit waited on a table lock is answered 201" 201 "$STATUS"
sl_in 2500 12000 "$sl_t" "its connection stayed suspended past request_header_timeout_s"
assert_eq "nothing else was dropped" "1 1 1" \
	"$(sl_metric header_timeout) $(sl_metric body_too_slow) $(sl_metric keepalive_timeout)"

# --- SIGHUP changes the deadline at once
NW_EXTRA_CONFIG="request_header_timeout_s = 4" nw_write_config
sl_log_mark=$(wc -l <"$NW_LOG")
kill -HUP "$NW_PID"
for _ in $(seq 1 50); do
	tail -n +"$((sl_log_mark + 1))" "$NW_LOG" | grep -q 'event=config_reloaded' && break
	sleep 0.1
done
sl_in 3500 7000 "$(sl_talk sl_loris)" "after SIGHUP to 4 s the slow loris is dropped after about 4 s"

rm -f "$WORK/sl.fifo" "$WORK/sl.out" "$WORK/sl.t" "$WORK/sl-1.json" "$WORK/sl-2.json"
