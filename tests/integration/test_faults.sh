# Faults (issue 7, item 3): PostgreSQL stopped under load, SIGTERM under
# load, SIGHUP under load and configuration reload. The load is bounded:
# each generator is one curl process posting a fixed list of distinct
# reports at 40 a second over one keep-alive connection, and records every
# answer as "STATUS CLIENT_REF CURL_EXIT". The invariant checked throughout:
# a report that got 201 is in the database — docs/api.md, never 201 before
# the row is committed. Runs against its own needlewatchd (it stops,
# restarts and reconfigures it); leaves PostgreSQL running.

nw_own_daemon
read -r FLT_PREMISES FLT_TOKEN <<<"$(new_reporter salon LS6)"
FLT_DIR="$WORK/faults"
mkdir -p "$FLT_DIR"
FLT_PIDS=()

# flt_load NAME COUNT: starts a generator posting FLT-NAME-1..COUNT.
flt_load() {
	local cfg="$FLT_DIR/$1.conf" tmpl i ref
	tmpl=$(report_json FLT-REF)
	: >"$cfg"
	for ((i = 1; i <= $2; i++)); do
		ref="FLT-$1-$i"
		printf '%s' "${tmpl//FLT-REF/$ref}" >"$FLT_DIR/$ref.json"
		[ "$i" = 1 ] || echo next >>"$cfg"
		cat >>"$cfg" <<CONF
url = "$NW_URL/v1/reports"
cacert = "$WORK/tls/server.crt"
header = "Authorization: Bearer $FLT_TOKEN"
header = "Content-Type: application/json"
data-binary = "@$FLT_DIR/$ref.json"
dump-header = "$FLT_DIR/$ref.h"
output = "/dev/null"
write-out = "%{http_code} $ref %{exitcode}\\n"
connect-timeout = 3
max-time = 20
CONF
	done
	curl -s --rate 40/s -K "$cfg" >"$FLT_DIR/$1.codes" 2>/dev/null &
	FLT_PIDS+=($!)
}

# flt_wait: waits for every generator (bounded: each has at most COUNT x 20 s,
# in practice a few seconds).
flt_wait() {
	local p
	for p in "${FLT_PIDS[@]}"; do wait "$p"; done
	FLT_PIDS=()
}

# flt_missing CODES...: the client_refs answered 201 that are not in the database.
flt_missing() {
	awk '$1 == 201 {print $2}' "$@" | sort >"$FLT_DIR/created"
	sql "SELECT client_ref FROM needlewatch.reports WHERE premises_id = $FLT_PREMISES" |
		sort >"$FLT_DIR/stored"
	comm -23 "$FLT_DIR/created" "$FLT_DIR/stored" | head -5 | tr '\n' ' '
}

flt_count() { # STATUS CODES...
	local s=$1
	shift
	awk -v s="$s" '$1 == s' "$@" | wc -l
}

# --- PostgreSQL stopped during load
flt_load PG1 400
flt_load PG2 400
sleep 1.2
"$ROOT/scripts/pg-dev.sh" stop
http GET /readyz
FLT_READY_DOWN=$STATUS
sleep 1.5
"$ROOT/scripts/pg-dev.sh" start 2>/dev/null
flt_wait
assert_eq "/readyz says not ready while PostgreSQL is down" 503 "$FLT_READY_DOWN"
FLT_CODES=("$FLT_DIR/PG1.codes" "$FLT_DIR/PG2.codes")
assert_eq "every request of the load got an answer" 800 "$(cat "${FLT_CODES[@]}" | awk '$3 == 0' | wc -l)"
FLT_503=$(flt_count 503 "${FLT_CODES[@]}")
if [ "$FLT_503" -gt 0 ]; then pass "writes answered 503 during the outage ($FLT_503 of them)"
else fail "no request saw the outage: the test proves nothing"; fi
assert_eq "the only answers are 201 and 503" "" \
	"$(cat "${FLT_CODES[@]}" | awk '$1 != 201 && $1 != 503 {print $1, $2}' | head -3 | tr '\n' ';')"
FLT_NO_RETRY=0
for ref in $(awk '$1 == 503 {print $2}' "${FLT_CODES[@]}"); do
	grep -qi '^Retry-After: [0-9]' "$FLT_DIR/$ref.h" || FLT_NO_RETRY=$((FLT_NO_RETRY + 1))
done
assert_eq "every 503 carries Retry-After" 0 "$FLT_NO_RETRY"
# Recovery under load: after the last 503, each generator got 201s again.
FLT_AFTER=$(for f in "${FLT_CODES[@]}"; do
	awk '$1 == 503 {n = 0} $1 == 201 {n++} END {print n + 0}' "$f"
done | sort -n | head -1)
if [ "$FLT_AFTER" -gt 0 ]; then
	pass "the pools reconnected by themselves: the load goes on with 201s ($FLT_AFTER after the last 503)"
else fail "no 201 after the last 503: the pools did not reconnect during the load"; fi
assert_eq "not one report that got 201 is missing" "" "$(flt_missing "${FLT_CODES[@]}")"
http GET /readyz
assert_eq "/readyz is ready again" 200 "$STATUS"
http GET /metrics
assert_match "/metrics counts the writer's reconnections" 'needlewatch_db_reconnects_total\{pool="writer"\} [1-9]' "$BODY"
# The clients' retries (all at once): each refused report is stored exactly once.
awk '$1 == 503 {print $2}' "${FLT_CODES[@]}" | while read -r ref; do
	printf 'url = "%s"\ncacert = "%s"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\ndata-binary = "@%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %s\\n"\nmax-time = 20\nnext\n' \
		"$NW_URL/v1/reports" "$WORK/tls/server.crt" "$FLT_TOKEN" "$FLT_DIR/$ref.json" "$ref"
done | sed '$ d' >"$FLT_DIR/retry.conf"
curl -s --parallel --parallel-max 8 -K "$FLT_DIR/retry.conf" >"$FLT_DIR/retry.codes" 2>/dev/null
assert_eq "every retried report is accepted (201) or recognised as stored (200)" \
	"$FLT_503 0" "$(grep -c . "$FLT_DIR/retry.codes") $(awk '$1 != 201 && $1 != 200' "$FLT_DIR/retry.codes" | wc -l)"
assert_eq "after the retries all 800 reports are stored, each once" "800|800" \
	"$(sql "SELECT count(*), count(DISTINCT client_ref) FROM needlewatch.reports WHERE premises_id = $FLT_PREMISES AND client_ref LIKE 'FLT-PG%'")"

# --- SIGTERM during load: in-flight requests finish, nothing committed is lost, exit 0
flt_load TERM1 100
flt_load TERM2 100
sleep 1
FLT_BEFORE=$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $FLT_PREMISES AND client_ref LIKE 'FLT-TERM%'")
nw_stop_daemon
FLT_RC=$?
flt_wait
assert_eq "needlewatchd exits 0 on SIGTERM under load" 0 "$FLT_RC"
FLT_CODES=("$FLT_DIR/TERM1.codes" "$FLT_DIR/TERM2.codes")
if [ "$FLT_BEFORE" -gt 0 ]; then pass "the load was running when SIGTERM came ($FLT_BEFORE stored)"
else fail "nothing was stored before SIGTERM: the test proves nothing"; fi
assert_eq "not one report that got 201 before SIGTERM is missing" "" "$(flt_missing "${FLT_CODES[@]}")"
# A request either got its answer, or could not connect once the daemon had
# stopped listening (curl exit 7): none was cut off after being sent.
assert_eq "no request was cut off mid-flight" "" \
	"$(cat "${FLT_CODES[@]}" | awk '$3 != 0 && $3 != 7 {print $2, "exit", $3}' | head -3 | tr '\n' ';')"
assert_eq "answers during the drain are 201 or 503" "" \
	"$(cat "${FLT_CODES[@]}" | awk '$3 == 0 && $1 != 201 && $1 != 503 {print $1, $2}' | head -3 | tr '\n' ';')"
nw_start_daemon
http GET /readyz
assert_eq "the daemon starts again after the drain" 200 "$STATUS"

# --- SIGHUP during load: configuration reloaded, not one request dropped
FLT_MARK=$(wc -l <"$NW_LOG")
flt_load HUP1 100
flt_load HUP2 100
for level in info debug info debug; do
	sleep 0.4
	sed -i "s/^log_level = .*/log_level = $level/" "$WORK/needlewatchd.conf"
	kill -HUP "$NW_PID"
done
flt_wait
FLT_CODES=("$FLT_DIR/HUP1.codes" "$FLT_DIR/HUP2.codes")
assert_eq "all 200 requests across four SIGHUPs answered 201" 200 "$(flt_count 201 "${FLT_CODES[@]}")"
assert_eq "SIGHUP reloaded the configuration each time" 4 \
	"$(tail -n +"$((FLT_MARK + 1))" "$NW_LOG" | grep -c 'event=config_reloaded changed="log_level"')"

# log_level applies live: at info, a request logs no debug line.
sed -i "s/^log_level = .*/log_level = info/" "$WORK/needlewatchd.conf"
kill -HUP "$NW_PID"
sleep 0.5
FLT_MARK=$(wc -l <"$NW_LOG")
post_json /v1/reports "$FLT_TOKEN" "$(report_json FLT-LEVEL-1)"
sleep 0.2
assert_eq "a report is accepted at log_level info" 201 "$STATUS"
assert_eq "at log_level info the daemon writes no debug line" 0 \
	"$(tail -n +"$((FLT_MARK + 1))" "$NW_LOG" | grep -c 'level=debug')"
sed -i "s/^log_level = .*/log_level = debug/" "$WORK/needlewatchd.conf"
kill -HUP "$NW_PID"
sleep 0.5
FLT_MARK=$(wc -l <"$NW_LOG")
post_json /v1/reports "$FLT_TOKEN" "$(report_json FLT-LEVEL-2)"
sleep 0.2
if [ "$(tail -n +"$((FLT_MARK + 1))" "$NW_LOG" | grep -c 'level=debug')" -gt 0 ]; then
	pass "back at log_level debug, debug lines return"
else fail "log_level debug did not apply on SIGHUP"; fi

# A key that needs a restart: the whole file is refused, the daemon keeps going.
FLT_MARK=$(wc -l <"$NW_LOG")
sed -i -e "s/^listen_port = .*/listen_port = $((NW_PORT + 1))/" \
	-e "s/^log_level = .*/log_level = info/" "$WORK/needlewatchd.conf"
kill -HUP "$NW_PID"
sleep 0.5
assert_match "a changed listen_port on SIGHUP is refused, naming the key" \
	'event=config_reload_failed reason="a changed key needs a restart" restart_keys="listen_port"' \
	"$(tail -n +"$((FLT_MARK + 1))" "$NW_LOG")"
post_json /v1/reports "$FLT_TOKEN" "$(report_json FLT-PORT-1)"
assert_eq "the daemon still serves on its port" 201 "$STATUS"
if [ "$(tail -n +"$((FLT_MARK + 1))" "$NW_LOG" | grep -c 'level=debug')" -gt 0 ]; then
	pass "nothing from the refused file applied (log_level stays debug)"
else fail "part of a refused configuration was applied"; fi

# A broken file: refused, the running configuration kept.
nw_write_config
echo "no_such_key = 1" >>"$WORK/needlewatchd.conf"
FLT_MARK=$(wc -l <"$NW_LOG")
kill -HUP "$NW_PID"
sleep 0.5
assert_match "an unknown key on SIGHUP is refused with file, line and reason" \
	'event=config_reload_failed reason=".*needlewatchd.conf:[0-9]+: unknown key \\"no_such_key\\"" kept=previous' \
	"$(tail -n +"$((FLT_MARK + 1))" "$NW_LOG")"
http GET /readyz
assert_eq "the daemon is ready after a refused reload" 200 "$STATUS"
rm -rf "$FLT_DIR"
