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
# A file's own daemon (nw_own_daemon) listens on the next port, so the ports
# such a file derives for servers of its own ($NW_PORT + N) are above it and
# never the shared daemon's.
NW_OWN_PORT=${NW_TEST_OWN_PORT:-$((NW_PORT + 1))}
NW_OWN=
NW_SHARED=()
NW_VOCAB=

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
vocabulary_file = ${NW_VOCAB:-$ROOT/config/vocabulary.json}
postcode_regions_file = $ROOT/config/postcode-regions.tsv
web_dir = $ROOT/web
max_body_bytes = ${NW_MAX_BODY:-65536}
batch_max_wait_ms = 2
log_level = debug
${NW_EXTRA_CONFIG:-}
CONF
}

# NW_DAEMON_WRAP: a command prefix for a file's own daemon (test_oom.sh:
# env LD_PRELOAD=...), emptied when the file ends.
NW_DAEMON_WRAP=()
nw_start_daemon() {
	"${NW_DAEMON_WRAP[@]}" "$BIN/needlewatchd" -c "$WORK/needlewatchd.conf" >>"$NW_LOG" 2>&1 &
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

# nw_restart_with LINES: restarts the file's own needlewatchd (nw_own_daemon)
# with LINES added to the test configuration; nw_restart_with "" restores the
# default one. The shared daemon's configuration never changes.
nw_restart_with() {
	if [ -z "$NW_OWN" ]; then
		fail "nw_restart_with on the shared daemon: call nw_own_daemon first"
		return 1
	fi
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
	# What the guard (nw_guard_shared) compares with after every file.
	mkdir -p "$WORK/.shared-as-written"
	cp -p "$WORK/needlewatchd.conf" "$WORK/tls/server.crt" "$WORK/tls/server.key" "$WORK/.shared-as-written/"
	ctl migrate --schema-dir "$ROOT/schema" >/dev/null
	nw_start_daemon
}

nw_env_down() {
	if [ -n "$NW_OWN" ]; then
		nw_stop_daemon || true
		nw_own_leave
	fi
	nw_resume_shared
	nw_stop_daemon || true
	"$ROOT/scripts/pg-dev.sh" stop || true
	rm -rf "$WORK"
}

# --- a daemon of the file's own -----------------------------------------------
# A test file that changes the daemon's configuration (rewrites it and sends
# SIGHUP, restarts with other settings, edits the vocabulary or the TLS files)
# calls nw_own_daemon as its first line. Its tests then run against a second
# needlewatchd on $NW_OWN_PORT, with its own $WORK (configuration, TLS files,
# vocabulary copy, log) and the same database; run.sh ends it after the file.
# The shared daemon's configuration is thus never changed (nw_guard_shared).

# While a file has its own daemon the shared one is stopped (SIGSTOP): one
# daemon works on the database at a time, as when each file restarted the
# only one, so no refresh, alert run or LISTEN of the shared daemon lands in
# the file's checks. It is stopped only while its sessions are idle: stopped
# inside a transaction it would keep that transaction's locks.
nw_pause_shared() {
	[ -n "$NW_PID" ] || return 0
	local busy
	for _ in $(seq 1 50); do
		kill -STOP "$NW_PID" 2>/dev/null || return 0
		busy=$("$ROOT/scripts/pg-dev.sh" super -tAc "SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND backend_type = 'client backend'
			AND pid <> pg_backend_pid() AND state <> 'idle'" 2>/dev/null)
		[ "$busy" = 0 ] && return 0
		kill -CONT "$NW_PID"
		sleep 0.1
	done
	echo "# the shared daemon is paused with $busy database session(s) busy" >&2
	kill -STOP "$NW_PID"
}
nw_resume_shared() {
	[ -n "$NW_OWN" ] && return 0
	[ -n "$NW_PID" ] && kill -CONT "$NW_PID" 2>/dev/null
	return 0
}

# nw_own_daemon [LINES]: starts the file's own needlewatchd with LINES added
# to the test configuration (NW_MAX_BODY as for nw_write_config) and points
# $WORK, $NW_PORT, $NW_URL, $NW_LOG, $NW_PID (so http, ctl, nw_restart_with
# ...) at it. Tokens still go to the run's one secrets file. Returns
# nw_start_daemon's status.
nw_own_daemon() {
	if [ -n "$NW_OWN" ]; then
		fail "nw_own_daemon called twice in one file"
		return 1
	fi
	# Short: sockets a file makes under $WORK must fit sun_path (108 bytes).
	local own="$WORK/own"
	rm -rf "$own"
	mkdir -p "$own"
	chmod 0755 "$own"
	cp -Rp "$WORK/tls" "$own/tls"
	cp -p "$WORK/pseudonym.key" "$own/pseudonym.key"
	cp "$ROOT/config/vocabulary.json" "$own/vocabulary.json"
	ln -s "$WORK/secrets" "$own/secrets"
	nw_pause_shared
	NW_SHARED=("$WORK" "$NW_PORT" "$NW_URL" "$NW_LOG" "$NW_PID")
	NW_OWN=$CURRENT_TEST
	WORK=$own
	NW_PORT=$NW_OWN_PORT
	NW_URL="https://127.0.0.1:$NW_PORT"
	NW_LOG="$own/needlewatchd.log"
	NW_PID=
	NW_VOCAB="$own/vocabulary.json"
	NW_EXTRA_CONFIG="${1:-}" nw_write_config
	nw_start_daemon || return
	nw_first_refresh_done
}

# A daemon refreshes the summaries as it starts (unless its interval is 0).
# The shared daemon did long ago; wait until this one has too, so that its
# first refresh does not land in the file's checks (a COMMIT a test waits
# for, refresh_state read twice). 60 s at most.
nw_first_refresh_done() {
	# A successful refresh is followed by the alert rules' run, unless disabled.
	local until_re='event=(summaries_refresh_failed|summaries_refresh_skipped|alerts_computed|alerts_run_failed)( |$)'
	grep -q '^summary_refresh_interval_s = 0$' "$WORK/needlewatchd.conf" && return 0
	grep -q '^alerts_enabled = no$' "$WORK/needlewatchd.conf" && until_re='event=summaries_refresh(ed|_failed|_skipped)( |$)'
	for _ in $(seq 1 600); do
		grep -qE "$until_re" "$NW_LOG" && return 0
		sleep 0.1
	done
	return 1
}

# Points the helpers back at the shared daemon and lets it run again.
nw_own_leave() {
	WORK=${NW_SHARED[0]} NW_PORT=${NW_SHARED[1]} NW_URL=${NW_SHARED[2]}
	NW_LOG=${NW_SHARED[3]} NW_PID=${NW_SHARED[4]}
	NW_VOCAB=
	NW_OWN=
	NW_SHARED=()
	NW_DAEMON_WRAP=()
	nw_resume_shared
}

# nw_own_daemon_end: run.sh calls it after every file. If the file had its
# own daemon: SIGTERM exits 0 (unless the file stopped it and judged that
# itself), the log checks, then back to the shared daemon.
nw_own_daemon_end() {
	[ -n "$NW_OWN" ] || return 0
	if [ -n "$NW_PID" ]; then
		nw_stop_daemon
		assert_eq "its own needlewatchd exits 0 on SIGTERM" 0 $?
	fi
	nw_check_log "$NW_LOG" "its own daemon's log"
	nw_own_leave
}

# nw_check_log LOG WHAT: no sanitizer report in LOG, and no secret: no token
# created in this run (ctl keeps them in the secrets file), nothing shaped
# like a token, no patient ref (report_json's are "opaque-local-id-<ref>").
nw_check_log() {
	local secrets="${NW_SHARED[0]:-$WORK}/secrets"
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:' "$1"; then
		fail "sanitizer reports in $2"
		grep -E -A12 'Sanitizer|runtime error' "$1" | head -80
	else
		pass "no sanitizer report in $2"
	fi
	if grep -qF -f "$secrets" "$1" 2>/dev/null ||
		grep -qE 'nwt_[0-9a-f]{48}|opaque-local-id' "$1"; then
		fail "a token or a patient ref appears in $2, lines: $(grep -nE 'nwt_|opaque-local-id' "$1" | cut -d: -f1 | head -5 | tr '\n' ' ')"
	else
		pass "no token (of $({ wc -l <"$secrets"; } 2>/dev/null || echo 0) created) and no patient ref in $2"
	fi
}

# nw_guard_shared: after every file, the shared daemon's configuration and
# TLS files are still byte for byte what nw_env_up wrote; the first file that
# changed them is named (it should have called nw_own_daemon).
NW_GUARD_BROKEN=
nw_guard_shared() {
	local f
	[ -z "$NW_GUARD_BROKEN" ] || return 0
	for f in needlewatchd.conf tls/server.crt tls/server.key; do
		cmp -s "$WORK/.shared-as-written/$(basename "$f")" "$WORK/$f" && continue
		NW_GUARD_BROKEN=$CURRENT_TEST
		fail "$CURRENT_TEST changed the shared daemon's $f: a file that changes configuration calls nw_own_daemon"
		return 1
	done
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
