# SIGHUP reloads the vocabulary without dropping a request: reports posted
# without pause while the daemon reloads again and again all succeed, and a
# term added to the vocabulary file maps from the next report on.

# --- its own daemon, on a copy of the vocabulary we may edit ($NW_VOCAB)
nw_own_daemon
assert_eq "the daemon runs on the editable vocabulary" "0 vocabulary_file = $NW_VOCAB" \
	"$? $(grep '^vocabulary_file = ' "$WORK/needlewatchd.conf")"
read -r HUP_ID HUP_TOKEN <<<"$(new_reporter salon LS6)"

# --- 4 clients x 40 reports, while SIGHUP arrives every 50 ms
hup_client() { # N: posts 40 reports, one status per line into $WORK/hup.N
	local i
	for i in $(seq 1 40); do
		report_json "HUP-$1-$i" >"$WORK/hup-req.$1"
		curl -sS --cacert "$WORK/tls/server.crt" -o /dev/null -w '%{http_code}\n' --max-time 30 \
			-H "Authorization: Bearer $HUP_TOKEN" -H "Content-Type: application/json" \
			--data-binary "@$WORK/hup-req.$1" "$NW_URL/v1/reports" 2>/dev/null || echo 000
	done >"$WORK/hup.$1"
}
pids=()
for c in 1 2 3 4; do hup_client "$c" & pids+=($!); done
sent=0
while kill -0 "${pids[0]}" 2>/dev/null || kill -0 "${pids[3]}" 2>/dev/null; do
	kill -HUP "$NW_PID"
	sent=$((sent + 1))
	sleep 0.05
	[ "$sent" -ge 600 ] && break # bounded even if a client hangs
done
wait "${pids[@]}"
statuses=$(cat "$WORK"/hup.[1-4] | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
assert_match "SIGHUP was sent many times during the posts" '^[0-9]{2,}$' "$sent"
assert_eq "every report posted during the reloads got 201" "201x160 " "$statuses"
assert_eq "every one of them is stored" 160 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $HUP_ID AND client_ref LIKE 'HUP-%'")"
assert_eq "the daemon is still running" 0 "$(kill -0 "$NW_PID" 2>/dev/null; echo $?)"
assert_match "the reloads were logged" '^[1-9][0-9]*$' "$(grep -c 'event=reloaded' "$NW_LOG")"

# --- a term added to the file maps after SIGHUP
TERM="hup sparkle rash $RANDOM"
R=$(report_json HUP-TERM-1)
post_json /v1/reports "$HUP_TOKEN" "${R/cold sores/$TERM}"
assert_eq "before the reload the term is unknown" other "$(json_field report,complications,0,type)"
sed -i "s|\"acne_flare\": \[|\"acne_flare\": [\"$TERM\", |" "$NW_VOCAB"
kill -HUP "$NW_PID"
for _ in $(seq 1 50); do
	R=$(report_json "HUP-TERM-2-$RANDOM")
	post_json /v1/reports "$HUP_TOKEN" "${R/cold sores/$TERM}"
	[ "$(json_field report,complications,0,type)" = acne_flare ] && break
	sleep 0.1
done
assert_eq "after SIGHUP the new term maps" acne_flare "$(json_field report,complications,0,type)"

# --- a broken vocabulary file is refused and the old one kept
echo '{ not json' >"$NW_VOCAB"
kill -HUP "$NW_PID"
sleep 0.5
R=$(report_json HUP-TERM-3)
post_json /v1/reports "$HUP_TOKEN" "${R/cold sores/$TERM}"
assert_eq "a broken vocabulary keeps the previous one" "201|acne_flare" \
	"$STATUS|$(json_field report,complications,0,type)"
assert_match "the failed reload is logged" "event=reload_failed" "$(grep -o 'event=reload_failed' "$NW_LOG" | tail -1)"
