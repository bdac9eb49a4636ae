# Failed authentication per client address (auth_failures_per_minute): 401s
# up to the limit, then 429 with Retry-After before any token is looked up,
# for a good token too; a success does not reset the count; 403s and
# requests with no credentials are not counted; another address has its own
# count; one warning per episode, a /metrics count, live on SIGHUP.
# Runs against its own needlewatchd, started with a low limit.

nw_own_daemon "auth_failures_per_minute = 3"
AF_MARK=$(wc -l <"$NW_LOG")
read -r _ AF_TOKEN <<<"$(new_reporter salon LS6)"
AF_ACCOUNT=$(sql "SELECT max(id) FROM needlewatch.accounts WHERE role = 'reporter'")
# Token-shaped but unknown: a guess. run.sh checks no such string reaches the log.
af_guess() { echo "nwt_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
AF_BAD=$(af_guess)
AF_NONE=/v1/reports/999999999 # a good token answers 404: authenticated, no such report

# af_get SOURCE-ADDRESS TOKEN PATH: one GET from that loopback address (the
# daemon listens on 127.0.0.1; the client may bind any 127/8 address).
# Sets STATUS, BODY and HEADERS like lib.sh's http.
af_get() {
	local args=(-sS --cacert "$WORK/tls/server.crt" -D "$WORK/headers" -o "$WORK/body"
		-w '%{http_code}' --max-time 10 --interface "$1")
	[ -n "$2" ] && args+=(-H "Authorization: Bearer $2")
	STATUS=$(curl "${args[@]}" "$NW_URL$3" 2>"$WORK/curl.err") || STATUS=000
	BODY=$(cat "$WORK/body" 2>/dev/null)
	HEADERS=$(cat "$WORK/headers" 2>/dev/null)
}
# af_statuses SOURCE-ADDRESS N TOKEN PATH: the N statuses, space-separated.
af_statuses() {
	local out="" i
	for ((i = 0; i < $2; i++)); do
		af_get "$1" "$3" "$4"
		out+="${out:+ }$STATUS"
	done
	echo "$out"
}
# af_metric NAME: its value in /metrics (from 127.0.0.1: loopback only).
af_metric() {
	af_get 127.0.0.1 "" /metrics
	awk -v n="$1" '$1 == n {print $2}' <<<"$BODY"
}
# The daemon log since its start.
af_log() { tail -n +"$((AF_MARK + 1))" "$NW_LOG"; }
# af_last_request: the access-log line of the last request, once written
# (the daemon writes it after the answer has gone out).
af_last_request() {
	for _ in $(seq 1 40); do
		[ "$(af_log | grep -c 'event=request ')" -gt "$AF_SEEN" ] && break
		sleep 0.05
	done
	AF_SEEN=$(af_log | grep -c 'event=request ')
	af_log | grep 'event=request ' | tail -1
}

assert_eq "a fresh daemon has refused nobody" 0 "$(af_metric needlewatch_auth_refused_total)"

# --- what does not count: a 403 (wrong role) and a request with no credentials
assert_eq "5 requests with the wrong role answer 403, none 429" "403 403 403 403 403" \
	"$(af_statuses 127.0.0.1 5 "$AF_TOKEN" /v1/summaries)"
assert_eq "5 requests with no credentials answer 401, none 429" "401 401 401 401 401" \
	"$(af_statuses 127.0.0.1 5 "" "$AF_NONE")"
assert_eq "neither put the address in the table" 0 "$(af_metric needlewatch_auth_failure_addresses)"

# --- 3 failures a minute, a good token between them resetting nothing
af_get 127.0.0.1 "$AF_BAD" "$AF_NONE"; s1=$STATUS
af_get 127.0.0.1 "$(af_guess)" "$AF_NONE"; s2=$STATUS
sleep 0.2 # the access-log lines of the requests before are written
AF_SEEN=$(af_log | grep -c 'event=request ')
af_get 127.0.0.1 "$AF_TOKEN" "$AF_NONE"; s3=$STATUS
l3=$(af_last_request)
af_get 127.0.0.1 "$(af_guess)" "$AF_NONE"; s4=$STATUS
assert_eq "bad, bad, good, bad: 401 401 404 401" "401 401 404 401" "$s1 $s2 $s3 $s4"
assert_match "the good token was authenticated" "status=404 account=$AF_ACCOUNT " "$l3"

sleep 0.2
AF_SEEN=$(af_log | grep -c 'event=request ')
af_get 127.0.0.1 "$AF_TOKEN" "$AF_NONE"
assert_eq "after 3 failures even the good token is refused with 429" 429 "$STATUS"
assert_match "the 429 carries Retry-After (one failure per 20 s at 3/min)" \
	'Retry-After: (1[0-9]|20)[^0-9]' "$HEADERS"
assert_match "the 429 is problem+json" 'Content-Type: application/problem\+json' "$HEADERS"
assert_match "its type names the reason" '"type":"urn:needlewatch:problem:too-many-auth-failures"' "$BODY"
assert_match "its detail names the setting" 'more than auth_failures_per_minute' "$BODY"
assert_match "the good token was never looked up (no account on the 429)" \
	'route=report_get status=429 account=0 ' "$(af_last_request)"
af_get 127.0.0.1 "$(af_guess)" "$AF_NONE"
assert_eq "a further guess is refused 429 unheard" 429 "$STATUS"
af_get 127.0.0.1 "" "$AF_NONE"
assert_eq "so is a request with no credentials" 429 "$STATUS"
af_get 127.0.0.1 "" /healthz
assert_eq "routes without authentication still answer" 200 "$STATUS"

# --- another address counts apart
af_get 127.0.0.2 "$AF_TOKEN" "$AF_NONE"
assert_eq "the good token from 127.0.0.2 is served" 404 "$STATUS"
assert_eq "127.0.0.2 has 3 failures of its own, then 429" "401 401 401 429" \
	"$(af_statuses 127.0.0.2 4 "$AF_BAD" "$AF_NONE")"

# --- /metrics and the log
assert_eq "/metrics counts the 4 requests refused 429" 4 "$(af_metric needlewatch_auth_refused_total)"
assert_eq "/metrics counts 2 addresses gone over the limit" 2 "$(af_metric needlewatch_auth_blocked_total)"
assert_eq "/metrics shows 2 addresses tracked" 2 "$(af_metric needlewatch_auth_failure_addresses)"
assert_eq "one warning for 127.0.0.1, however many refusals" 1 \
	"$(af_log | grep -c 'level=warning event=auth_failures_over_limit address=127\.0\.0\.1 ')"
assert_match "the warning gives the limit and the wait" \
	'event=auth_failures_over_limit address=127\.0\.0\.2 limit_per_minute=3 retry_after_s=(1[0-9]|20)$' \
	"$(af_log | grep 'event=auth_failures_over_limit address=127\.0\.0\.2')"
assert_eq "no guessed token reached the log" 0 "$(af_log | grep -c 'nwt_')"

# --- live on SIGHUP: 0 turns it off at once, for an address already over
NW_EXTRA_CONFIG="auth_failures_per_minute = 0" nw_write_config
kill -HUP "$NW_PID"
for _ in $(seq 1 30); do
	af_get 127.0.0.1 "$AF_TOKEN" "$AF_NONE"
	[ "$STATUS" = 429 ] || break
	sleep 0.1
done
assert_eq "SIGHUP with auth_failures_per_minute = 0 lets the good token in" 404 "$STATUS"
assert_eq "and guesses are answered 401 again, unlimited" "401 401 401 401 401" \
	"$(af_statuses 127.0.0.1 5 "$AF_BAD" "$AF_NONE")"
