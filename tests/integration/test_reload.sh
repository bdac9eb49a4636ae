# Reload swaps one snapshot (configuration, vocabulary, regions, TLS) or
# nothing: 20 SIGHUPs that each change live keys while requests go on fail
# no request, and a reload in which one part fails applies none of it.
# Under a ThreadSanitizer build (BUILD=build/tsan) run.sh's closing check
# also proves the reloads raced no request thread. Runs against its own
# needlewatchd, on a copy of the vocabulary it may edit ($NW_VOCAB).

nw_own_daemon
assert_eq "the daemon runs on the editable vocabulary" "0 vocabulary_file = $NW_VOCAB" \
	"$? $(grep '^vocabulary_file = ' "$WORK/needlewatchd.conf")"
read -r RL_ID RL_TOKEN <<<"$(new_reporter salon LS6)"

# reload_and_wait EVENT: SIGHUP, then wait (at most 10 s) until the log has
# one more "event=EVENT" line than before.
reload_and_wait() {
	local before
	before=$(grep -c "event=$1 " "$NW_LOG")
	kill -HUP "$NW_PID"
	for _ in $(seq 1 100); do
		[ "$(grep -c "event=$1 " "$NW_LOG")" -gt "$before" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- 3 clients post without pause (reports and GETs) during 20 reloads,
# each of which changes four live keys.
rl_client() { # N: posts until $WORK/rl.stop exists (at most 400), one status per line
	local i=0 id
	while [ ! -e "$WORK/rl.stop" ] && [ "$i" -lt 400 ]; do
		i=$((i + 1))
		report_json "RL-$1-$i" >"$WORK/rl-req.$1"
		curl -sS --cacert "$WORK/tls/server.crt" -o "$WORK/rl-resp.$1" -w '%{http_code}\n' \
			--max-time 30 -H "Authorization: Bearer $RL_TOKEN" \
			-H "Content-Type: application/json" --data-binary "@$WORK/rl-req.$1" \
			"$NW_URL/v1/reports" 2>/dev/null || echo 000
		id=$(grep -o '"id": *[0-9]*' "$WORK/rl-resp.$1" | grep -o '[0-9]*$')
		curl -sS --cacert "$WORK/tls/server.crt" -o /dev/null -w 'get-%{http_code}\n' \
			--max-time 30 -H "Authorization: Bearer $RL_TOKEN" \
			"$NW_URL/v1/reports/${id:-0}" 2>/dev/null || echo get-000
	done >"$WORK/rl.$1"
}
rm -f "$WORK/rl.stop"
mark=$(wc -l <"$NW_LOG")
pids=()
for c in 1 2 3; do rl_client "$c" & pids+=($!); done
# The clients are under way before the first reload (at most 10 s).
for _ in $(seq 1 100); do [ -s "$WORK/rl.3" ] && break; sleep 0.1; done
reloads=0
for n in $(seq 1 20); do
	sed -i -e '/^max_body_bytes = /d' -e '/^rate_limit_per_token = /d' \
		-e '/^auth_failures_per_minute = /d' -e '/^request_header_timeout_s = /d' \
		"$WORK/needlewatchd.conf"
	printf 'max_body_bytes = %d\nrate_limit_per_token = %d\nauth_failures_per_minute = %d\nrequest_header_timeout_s = %d\n' \
		$((65536 + n)) $((100000 + n)) $((1000 + n)) $((10 + n % 2)) >>"$WORK/needlewatchd.conf"
	reload_and_wait config_reloaded && reloads=$((reloads + 1))
	sleep 0.1 # requests run between reloads too, not only across them
done
touch "$WORK/rl.stop"
wait "${pids[@]}"
assert_eq "all 20 reloads applied, one after the other" 20 "$reloads"
assert_eq "no reload failed" 0 "$(tail -n +"$((mark + 1))" "$NW_LOG" | grep -c 'event=.*reload_failed')"
posted=$(cat "$WORK"/rl.[1-3] | grep -c '^[0-9]')
assert_match "requests were in flight during the reloads ($posted)" '^[0-9]{2,}$' "$posted"
assert_eq "every report posted during the reloads got 201" "201x$posted " \
	"$(cat "$WORK"/rl.[1-3] | grep '^[0-9]' | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')"
assert_eq "every report read back during the reloads got 200" "get-200x$posted " \
	"$(cat "$WORK"/rl.[1-3] | grep '^get-' | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')"
assert_eq "every one of them is stored" "$posted" \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $RL_ID AND client_ref LIKE 'RL-%'")"
assert_match "the reloads logged the live keys they changed" 'changed=".*max_body_bytes' \
	"$(grep 'event=config_reloaded' "$NW_LOG" | tail -1)"

# --- a reload with one bad part applies none of it: a smaller body limit in
# the configuration and a broken vocabulary file are refused together.
R=$(report_json RL-WHOLE-1)
BIG="$R$(printf '%*s' 3000 '')" # valid JSON, 3 KiB and more with the trailing spaces
sed -i 's|^max_body_bytes = .*|max_body_bytes = 2KiB|' "$WORK/needlewatchd.conf"
printf '{ not json' >"$NW_VOCAB"
reload_and_wait reload_failed
assert_eq "the failed reload is logged" 0 $?
post_json /v1/reports "$RL_TOKEN" "$BIG"
assert_eq "the body limit of the refused configuration was not applied" 201 "$STATUS"
cp "$ROOT/config/vocabulary.json" "$NW_VOCAB"
reload_and_wait config_reloaded
post_json /v1/reports "$RL_TOKEN" "${BIG/RL-WHOLE-1/RL-WHOLE-2}"
assert_eq "once every part loads, the whole new configuration applies" 413 "$STATUS"
