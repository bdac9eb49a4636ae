# Integration test harness: a private PostgreSQL, a real needlewatchd over
# HTTPS on loopback, and small assertion helpers. Sourced by run.sh.
#
# Every server started here listens on 127.0.0.1 only and is stopped by
# nw_env_down (also on exit), so a run leaves nothing behind.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build/release}
BIN="$ROOT/$BUILD/bin"
KEY=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
# Test ports differ from `make run`'s, so tests can run beside a developer's daemon.
export NW_PG_PORT=${NW_TEST_PG_PORT:-$((20000 + KEY % 20000 + 1))}
NW_PORT=${NW_TEST_PORT:-$((40000 + KEY % 20000))}
NW_URL="https://127.0.0.1:$NW_PORT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/needlewatch-it.XXXXXX")
chmod 0755 "$WORK"
NW_LOG="$WORK/needlewatchd.log"
NW_PID=

PASSED=0
FAILED=0
SKIPPED=0
CURRENT_TEST=

pass() { PASSED=$((PASSED + 1)); echo "ok - $CURRENT_TEST: $1"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $CURRENT_TEST: $1"; }
# skip DESCRIPTION [REASON]: a check that cannot run here (a missing tool, a
# kernel setting); counted in the total as skipped, never as passed.
skip() { SKIPPED=$((SKIPPED + 1)); echo "skip - $CURRENT_TEST: $1${2:+ ($2)}"; }

# assert_eq DESCRIPTION EXPECTED ACTUAL
assert_eq() {
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi
}
# assert_match DESCRIPTION REGEX ACTUAL
assert_match() {
	if [[ "$3" =~ $2 ]]; then pass "$1"; else fail "$1 (no match for /$2/ in '${3:0:300}')"; fi
}
assert_nomatch() {
	if [[ "$3" =~ $2 ]]; then fail "$1 (unexpected /$2/ in '${3:0:300}')"; else pass "$1"; fi
}

# SQL as the schema owner; prints unaligned tuples.
sql() { psql -X -q -tA -v ON_ERROR_STOP=1 "$OWNER_CONNINFO" -c "$1"; }
# SQL as another role: sql_as ROLE QUERY (prints tuples, or the error on stderr)
sql_as() { psql -X -q -tA -v ON_ERROR_STOP=1 "$(NW_PG_ROLE=$1 "$ROOT/scripts/pg-dev.sh" env)" -c "$2"; }

# needlewatchctl with the test configuration. Every token `token create`
# prints is also kept in $WORK/secrets: run.sh checks at the end of the run
# that none of them ever reached the daemon's log.
ctl() {
	if [ "${1:-}" != token ] || [ "${2:-}" != create ]; then
		"$BIN/needlewatchctl" -c "$WORK/needlewatchd.conf" "$@"
		return
	fi
	local out rc=0
	out=$("$BIN/needlewatchctl" -c "$WORK/needlewatchd.conf" "$@") || rc=$?
	[ -n "$out" ] && printf '%s\n' "$out"
	grep -oE 'nwt_[0-9a-f]{48}' <<<"$out" >>"$WORK/secrets"
	return $rc
}

# http METHOD PATH [TOKEN] [CONTENT-TYPE] [BODY-FILE]: sets STATUS, BODY, HEADERS.
http() {
	local args=(-sS --cacert "$WORK/tls/server.crt" -X "$1" -D "$WORK/headers" -o "$WORK/body"
		-w '%{http_code}' --max-time 30)
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H "Content-Type: $4")
	# HTTP_ACCEPT: an Accept header (FHIR answers are negotiated by it)
	[ -n "${HTTP_ACCEPT:-}" ] && args+=(-H "Accept: $HTTP_ACCEPT")
	[ -n "${5:-}" ] && args+=(--data-binary "@$5")
	STATUS=$(curl "${args[@]}" "$NW_URL$2" 2>"$WORK/curl.err") || STATUS=000
	BODY=$(cat "$WORK/body" 2>/dev/null)
	HEADERS=$(cat "$WORK/headers" 2>/dev/null)
}
# post_json PATH TOKEN JSON-TEXT
post_json() {
	printf '%s' "$3" >"$WORK/req.json"
	http POST "$1" "$2" application/json "$WORK/req.json"
}
# json_field PATH: a member of the last answer, by a comma-separated path (PostgreSQL's #>>)
json_field() {
	printf "SELECT (:'doc'::jsonb) #>> '{%s}'\n" "$1" |
		psql -X -q -tA "$OWNER_CONNINFO" -v "doc=$BODY" 2>/dev/null
}

nw_write_config() {
	cat >"$WORK/needlewatchd.conf" <<CONF
listen_address = 127.0.0.1
listen_port = $NW_PORT
tls_cert_file = $WORK/tls/server.crt
tls_key_file = $WORK/tls/server.key
db_conninfo = $APP_CONNINFO
db_admin_conninfo = $OWNER_CONNINFO
pseudonym_key_file = $WORK/pseudonym.key
vocabulary_file = $ROOT/config/vocabulary.json
postcode_regions_file = $ROOT/config/postcode-regions.tsv
web_dir = $ROOT/web
max_body_bytes = ${NW_MAX_BODY:-65536}
batch_max_wait_ms = 2
log_level = debug
${NW_EXTRA_CONFIG:-}
CONF
}

nw_start_daemon() {
	"$BIN/needlewatchd" -c "$WORK/needlewatchd.conf" >>"$NW_LOG" 2>&1 &
	NW_PID=$!
	for _ in $(seq 1 100); do
		curl -s --cacert "$WORK/tls/server.crt" "$NW_URL/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$NW_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "needlewatchd did not start; log:" >&2
	tail -20 "$NW_LOG" >&2
	return 1
}

nw_stop_daemon() {
	[ -n "$NW_PID" ] || return 0
	kill -TERM "$NW_PID" 2>/dev/null
	local rc=0
	wait "$NW_PID" || rc=$?
	NW_PID=
	return $rc
}

# nw_restart_with LINES: restarts needlewatchd with LINES added to the test
# configuration; nw_restart_with "" restores the default one.
nw_restart_with() {
	nw_stop_daemon
	NW_EXTRA_CONFIG="$1" nw_write_config
	nw_start_daemon
}

nw_env_up() {
	"$ROOT/scripts/pg-dev.sh" start
	APP_CONNINFO=$("$ROOT/scripts/pg-dev.sh" env)
	OWNER_CONNINFO=$(NW_PG_ROLE=needlewatch_owner "$ROOT/scripts/pg-dev.sh" env)
	# A fresh database per run: tests count rows.
	"$ROOT/scripts/pg-dev.sh" super -c "DROP SCHEMA IF EXISTS needlewatch, summary CASCADE" >/dev/null
	"$ROOT/scripts/dev-cert.sh" "$WORK/tls"
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/pseudonym.key"
	chmod 0600 "$WORK/pseudonym.key"
	nw_write_config
	ctl migrate --schema-dir "$ROOT/schema" >/dev/null
	nw_start_daemon
}

nw_env_down() {
	nw_stop_daemon || true
	"$ROOT/scripts/pg-dev.sh" stop || true
	rm -rf "$WORK"
}

# new_reporter SETTING [POSTCODE]: prints "premises_id token"
new_reporter() { named_reporter "Test $1 $RANDOM" "$1" "${2:-LS6}"; }

# named_reporter NAME SETTING POSTCODE [CODE]: a premises and a reporter
# token for it; prints "id token"
named_reporter() {
	local id tok
	id=$(ctl premises add --name "$1" --setting "$2" --postcode "$3" ${4:+--code "$4"} | tail -1)
	tok=$(ctl token create --role reporter --premises "$id" | tail -1)
	echo "$id $tok"
}

now_ms() { date +%s%3N; }

# tls_talk OUT COMMAND [ARGS...]: runs COMMAND, which writes a request at its
# own pace, into a TLS connection to the daemon, then sends nothing more; the
# answer goes to OUT. Prints the milliseconds until the server closed the
# connection (about 12000 when it never did: every client is bounded).
tls_talk() {
	local out=$1 fifo="$WORK/tls_talk.fifo" t0 t1 w
	shift
	rm -f "$fifo"
	mkfifo "$fifo"
	t0=$(now_ms)
	{ "$@"; exec sleep 12; } >"$fifo" 2>/dev/null &
	w=$!
	timeout 12 openssl s_client -quiet -connect "127.0.0.1:$NW_PORT" <"$fifo" >"$out" 2>/dev/null
	t1=$(now_ms)
	kill "$w" 2>/dev/null
	wait "$w" 2>/dev/null
	echo $((t1 - t0))
}

# A valid report (docs/report-format.md) with a given client_ref and version.
report_json() {
	local ref=$1 version=${2:-1} extra=${3:-}
	cat <<JSON
{"client_ref": "$ref", "version": $version,
 "procedure": {"date": "2026-11-02", "type": "microneedling", "setting": "beauty salon",
   "premises_code": null, "practitioner_role": "aesthetician", "device": "pen",
   "needle_depth": "1.5 mm", "areas": ["cheeks", "forehead"], "products": ["vitamin C serum"],
   "sterile_single_use_cartridge": false, "antiviral_prophylaxis": false},
 "patient": {"age_band": "25-34", "sex": "female", "fitzpatrick": "IV", "history": ["rosacea"],
   "ref": "opaque-local-id-$ref", "postcode_district": "LS6"},
 "complications": [{"type": "cold sores", "onset_days": 3, "duration_days": 10,
   "severity": "moderate", "serious": false, "outcome": "resolved",
   "treatment": ["oral antivirals"]}],
 "reporter_role": "practitioner", "narrative": "free text"$extra}
JSON
}
