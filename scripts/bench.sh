#!/usr/bin/env bash
# `make bench`: needlewatchd against PostgreSQL's own ceiling (docs/performance.md).
#
# One run, on a private PostgreSQL and a release needlewatchd, both on
# loopback: every figure is measured next to its ceiling on the same machine
# in the same run, and reported as a ratio, because absolute numbers on a
# shared machine drift. Prints a table and writes bench/results/LATEST.json.
#
#   1. 2,000,000 generated reports (bench/generate.sql) and a full rebuild of
#      the summary tables: the refresh ceiling;
#   2. GET /v1/summaries, one quarter by setting × complication, 1,000 times,
#      against the same aggregate as a plain GROUP BY on the report tables
#      (bench/raw_summary.sql, median of a few runs, JIT on and off);
#   3. one new week of reports and activity, then an incremental refresh as
#      an operator runs it, `needlewatchctl refresh` (the recompute and its
#      disclosure audit, what needlewatchd's refresher runs), against the full
#      rebuild; then the alert rules over the weeks it changed, `needlewatchctl
#      alerts run` (what the refresher runs next), against that refresh. Every
#      week is audited and the alerts evaluated once before (untimed), as on a
#      daemon that has been running;
#   3b. the dashboard's overview, first drawn in headless Chromium
#      (tests/browser/bench_overview.mjs: a fresh page and no cache each run,
#      the session kept), against the overview's own GET /v1/summaries timed
#      with curl with the same session, NW_BENCH_RENDER_RUNS times each;
#   4. single-report POSTs: wrk, 64 keep-alive HTTPS connections, against
#      pgbench inserting the same rows with the daemon's INSERT, one row per
#      transaction, 64 clients; the daemon's peak RSS;
#   5. 1,000-report NDJSON POSTs against the faster of COPY and 100-row
#      INSERTs (16 clients) of the same rows.
# Rows committed are counted in PostgreSQL (each load writes for its own
# premises), not taken from the client's word.
#
# Environment: NW_BENCH_PG_PORT, NW_BENCH_PORT (ports; defaults derived from
# the checkout), NW_BENCH_SECONDS (each load, default 20), NW_BENCH_REPORTS
# (default 2000000), NW_BENCH_RENDER_RUNS (default 5), BUILD (default
# build/release). NW_BENCH_ONLY, a list of "summaries", "refresh",
# "dashboard" and "ingest" (3 and 3b are "refresh" and "dashboard", 4 and 5
# "ingest"), runs only those after loading the data, e.g. while developing:
#   NW_BENCH_REPORTS=50000 NW_BENCH_ONLY="refresh dashboard" make bench
# The rows not measured are null in LATEST.json and left out of the table.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build/release}
BIN="$ROOT/$BUILD/bin"
BENCH="$ROOT/bench"
KEY=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
export NW_PG_PORT=${NW_BENCH_PG_PORT:-$((20000 + KEY % 20000 + 2))}
PORT=${NW_BENCH_PORT:-$((40000 + KEY % 20000 + 2))}
LOAD_S=${NW_BENCH_SECONDS:-20}
REPORTS=${NW_BENCH_REPORTS:-2000000}
PREMISES=1000          # registered premises of the generated data
WEEKS=104              # two years of it
SINGLE_CONNS=64        # docs/performance.md: 64 connections, and 64 pgbench clients
BATCH_CONNS=16         # batches and their ceilings: 16 clients
BATCH_SIZE=1000        # reports per NDJSON request, and rows per COPY
MULTIROW_SIZE=100      # rows per multi-row INSERT
SUMMARY_REQUESTS=${NW_BENCH_SUMMARY_REQUESTS:-1000}
ROUNDS=4               # turns each load and its ceiling take (see turn())
ROUND_S=$(((LOAD_S + ROUNDS - 1) / ROUNDS))
RAW_RUNS=5
RENDER_RUNS=${NW_BENCH_RENDER_RUNS:-5}
ONLY=${NW_BENCH_ONLY:-}
TODAY=$(date -u +%F)
RUN=$(date -u +%H%M%S)

WORK=                  # the run's files, made by main()
DAEMON_PID=
declare -A R=()         # results, by name

log() { printf 'bench: %s\n' "$*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6g\", $* }"; }
super() { "$ROOT/scripts/pg-dev.sh" super "$@"; }
ctl() { "$BIN/needlewatchctl" -c "$WORK/needlewatchd.conf" "$@"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# want PART: whether NW_BENCH_ONLY asks for PART (or is unset).
want() { [ -z "$ONLY" ] || [[ " ${ONLY//,/ } " == *" $1 "* ]]; }
count_rows() { super -tAc "SELECT count(*) FROM needlewatch.reports WHERE premises_id BETWEEN $1 AND $2"; }

cleanup() {
	stop_daemon || true
	"$ROOT/scripts/pg-dev.sh" destroy >/dev/null 2>&1 || true
	[ -n "$WORK" ] && rm -rf "$WORK"
}

# Bench-only tools, installed here rather than by deps.sh: building and
# testing do not need them.
install_tools() {
	local missing=() sudo=""
	command -v wrk >/dev/null || missing+=(wrk)
	command -v jq >/dev/null || missing+=(jq)
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---- environment ----------------------------------------------------------

# A fresh cluster on its own port. WAL may grow to 8 GB between checkpoints so
# that no checkpoint lands inside a measurement; that applies to the daemon
# and its ceilings alike.
start_postgres() {
	"$ROOT/scripts/pg-dev.sh" destroy >/dev/null 2>&1 || true
	"$ROOT/scripts/pg-dev.sh" start 2>/dev/null
	super -c "ALTER SYSTEM SET max_wal_size = '8GB'" -c "ALTER SYSTEM SET checkpoint_timeout = '30min'" \
		-c "SELECT pg_reload_conf()" >/dev/null
	APP=$("$ROOT/scripts/pg-dev.sh" env)
	OWNER=$(NW_PG_ROLE=needlewatch_owner "$ROOT/scripts/pg-dev.sh" env)
	PG_VERSION=$(super -tAc "SHOW server_version" | cut -d' ' -f1)
}

write_config() {
	"$ROOT/scripts/dev-cert.sh" "$WORK/tls"
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/pseudonym.key"
	chmod 0600 "$WORK/pseudonym.key"
	# Defaults for everything that shapes performance; refreshes only when
	# asked (the bench times them itself), and no per-IP limit, since every
	# connection comes from 127.0.0.1. The dashboard from the checkout.
	cat >"$WORK/needlewatchd.conf" <<CONF
listen_address = 127.0.0.1
listen_port = $PORT
tls_cert_file = $WORK/tls/server.crt
tls_key_file = $WORK/tls/server.key
db_conninfo = $APP
db_admin_conninfo = $OWNER
pseudonym_key_file = $WORK/pseudonym.key
vocabulary_file = $ROOT/config/vocabulary.json
postcode_regions_file = $ROOT/config/postcode-regions.tsv
web_dir = $ROOT/web
summary_refresh_interval_s = 0
per_ip_connection_limit = 0
CONF
	"$BIN/needlewatchctl" -c "$WORK/needlewatchd.conf" migrate --schema-dir "$ROOT/schema" >/dev/null
}

start_daemon() {
	"$BIN/needlewatchd" -c "$WORK/needlewatchd.conf" >>"$WORK/needlewatchd.log" 2>&1 &
	DAEMON_PID=$!
	for _ in $(seq 1 100); do
		curl -s --cacert "$WORK/tls/server.crt" "https://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	log "needlewatchd did not start:"
	tail -20 "$WORK/needlewatchd.log" >&2
	return 1
}

stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null || true
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
}

# new_premises PREFIX COUNT: premises with one reporter token each, settings
# in turn; tokens to $WORK/PREFIX.tokens, the id range to PREFIX_LO/PREFIX_HI
# and the first account id to PREFIX_ACC.
new_premises() {
	psql -X -q -tA -v ON_ERROR_STOP=1 "$OWNER" -v prefix="$1" -v n="$2" >"$WORK/$1.tokens" <<'SQL'
WITH p AS (
	INSERT INTO needlewatch.premises (code, name, setting, postcode_district, postcode_area, region)
	SELECT :'prefix' || '-' || g, 'Bench ' || :'prefix' || ' ' || g,
	       (ARRAY['medical_clinic', 'salon', 'mobile'])[1 + g % 3], 'LS6', 'LS',
	       'Yorkshire and The Humber'
	FROM generate_series(1, :n) g
	RETURNING id
), t AS (
	SELECT id, 'nwt_' || md5(random()::text || id) || substr(md5(id || random()::text), 1, 16) AS token
	FROM p
), a AS (
	INSERT INTO needlewatch.accounts (token_sha256, role, premises_id, name)
	SELECT encode(sha256(convert_to(token, 'UTF8')), 'hex'), 'reporter', id, 'bench'
	FROM t ORDER BY id
)
SELECT token FROM t ORDER BY id;
SQL
	chmod 0600 "$WORK/$1.tokens"
	local lo hi acc
	read -r lo hi <<<"$(psql -X -q -tA -F ' ' "$OWNER" -c \
		"SELECT min(id), max(id) FROM needlewatch.premises WHERE code LIKE '$1-%'")"
	acc=$(psql -X -q -tA "$OWNER" -c "SELECT min(a.id) FROM needlewatch.accounts a
		JOIN needlewatch.premises p ON p.id = a.premises_id WHERE p.code LIKE '$1-%'")
	printf -v "$1_LO" '%s' "$lo"
	printf -v "$1_HI" '%s' "$hi"
	printf -v "$1_ACC" '%s' "$acc"
}

regulator_token() {
	psql -X -q -tA -v ON_ERROR_STOP=1 "$OWNER" <<'SQL'
WITH t AS (SELECT 'nwt_' || md5(random()::text) || substr(md5(random()::text), 1, 16) AS token),
a AS (INSERT INTO needlewatch.accounts (token_sha256, role, name)
      SELECT encode(sha256(convert_to(token, 'UTF8')), 'hex'), 'regulator', 'bench' FROM t)
SELECT token FROM t;
SQL
}

# ---- 1. data and the full rebuild -------------------------------------------

load_data() {
	log "generating $REPORTS reports over $WEEKS weeks at $PREMISES premises"
	local t0
	t0=$(now)
	super -v mode=load -v reports="$REPORTS" -v premises="$PREMISES" -v weeks="$WEEKS" \
		-v today="$TODAY" -f "$BENCH/generate.sql" >/dev/null
	super -c "VACUUM ANALYZE" >/dev/null
	R[load_s]=$(calc "$(now) - $t0")
	log "full rebuild of the summary tables"
	t0=$(now)
	super -tAc "SELECT needlewatch.refresh_summaries(5, true)" >/dev/null
	R[rebuild_s]=$(calc "$(now) - $t0")
}

# ---- 2. summaries -----------------------------------------------------------

bench_summaries() {
	local from to from_w to_w token out
	from=$(date -u -d "$TODAY -$(( $(date -u -d "$TODAY" +%u) - 1 + 13 * 7 )) days" +%F)
	to=$(date -u -d "$from +84 days" +%F)
	from_w=$(date -u -d "$from" +%G-W%V)
	to_w=$(date -u -d "$to" +%G-W%V)
	token=$(regulator_token)
	log "GET /v1/summaries?from=$from_w&to=$to_w&by=setting,complication x $SUMMARY_REQUESTS"
	local path="/v1/summaries?from=$from_w&to=$to_w&by=setting,complication"
	curl -sf --cacert "$WORK/tls/server.crt" -H "Authorization: Bearer $token" \
		"https://127.0.0.1:$PORT$path" >"$WORK/summaries.json"
	R[summary_rows]=$(jq '.rows | length' "$WORK/summaries.json")
	out=$(NW_BENCH_DIR="$BENCH" NW_BENCH_PATH="$path" NW_BENCH_TOKEN="$token" \
		NW_BENCH_REQUESTS=$SUMMARY_REQUESTS \
		wrk -t1 -c1 -d120s --timeout 10s -s "$BENCH/summaries.lua" "https://127.0.0.1:$PORT" |
		grep '^RESULT')
	R[summaries_p50_ms]=$(field "$out" p50_ms)
	R[summaries_p99_ms]=$(field "$out" p99_ms)
	R[summaries_requests]=$(field "$out" requests)
	R[summaries_statuses]=$(field "$out" statuses)

	# The ceiling: the plain GROUP BY, with JIT on (PostgreSQL's default)
	# and off, the faster median counting. JIT compiles this query for
	# longer than it saves here, and a ceiling should be the database at
	# its best.
	log "the same aggregate as a plain GROUP BY on the report tables, JIT on and off, $RAW_RUNS runs each"
	local on off
	on=$(raw_median raw_summary.sql on "$from" "$to" "$RAW_RUNS")
	off=$(raw_median raw_summary.sql off "$from" "$to" "$RAW_RUNS")
	R[raw_jit_on_ms]=$on
	R[raw_jit_off_ms]=$off
	R[raw_median_ms]=$(awk -v a="$on" -v b="$off" 'BEGIN { print (a < b ? a : b) }')
	log "and with the refresh's rules (latest version, activity), for the record"
	R[raw_rules_ms]=$(raw_median raw_summary_rules.sql off "$from" "$to" 3)
}

# raw_median FILE JIT FROM TO RUNS: the median wall time of FILE, in ms.
raw_median() {
	local t0 times=()
	for _ in $(seq 1 "$5"); do
		t0=$(now)
		psql -X -q -tA "$APP" -c "SET jit = $2" -v from="$3" -v to="$4" -f "$BENCH/$1" >/dev/null
		times+=("$(calc "($(now) - $t0) * 1000")")
	done
	printf '%s\n' "${times[@]}" | median
}

field() { grep -o "$2=[^ ]*" <<<"$1" | cut -d= -f2; }

# ---- 3. refresh after one new week -------------------------------------------

# The state of a daemon that has been running: the full rebuild above, from
# psql, left every week pending its disclosure audit. One refresh audits them
# all, and one run of the rules consumes any week marked for them (the load
# runs with triggers off, so it marks none), so that what is timed next is
# the work of one new week. Untimed, but printed.
settle_refresh() {
	log "auditing every week and running the alert rules once (untimed), as a running daemon has"
	local t0
	t0=$(now)
	ctl refresh >"$WORK/settle.out"
	ctl alerts run >>"$WORK/settle.out"
	R[settle_s]=$(calc "$(now) - $t0")
}

# needlewatchctl refresh, then needlewatchctl alerts run: the refresher's two
# steps (daemon/server/refresher.c: refresh_audit_run(), then the alert hook's
# alerts_run() over the weeks changed since its last run), each in its own
# process and timed from outside, connection included.
bench_refresh() {
	settle_refresh
	log "one new week of reports and activity, then needlewatchctl refresh and alerts run"
	super -v mode=week -v first="$REPORTS" -v reports=$((REPORTS / WEEKS)) -v weeks="$WEEKS" \
		-v today="$TODAY" -f "$BENCH/generate.sql" >/dev/null
	local t0 out
	t0=$(now)
	out=$(ctl refresh)
	R[refresh_s]=$(calc "$(now) - $t0")
	R[refresh_weeks]=$(sed -n 's/^refresh: \([0-9]*\) weeks recomputed.*/\1/p' <<<"$out")
	R[refresh_audit_ms]=$(sed -n 's/^audit: .* in \([0-9.]*\) ms$/\1/p' <<<"$out")
	t0=$(now)
	out=$(ctl alerts run)
	R[alerts_s]=$(calc "$(now) - $t0")
	R[alerts_weeks]=$(sed -n 's/^alerts run: \([0-9]*\) weeks evaluated.*/\1/p' <<<"$out")
	R[alerts_signals]=$(sed -n 's/.*, \([0-9]*\) signals.*/\1/p' <<<"$out")
}

# ---- 3b. the dashboard's first drawn overview --------------------------------

# Node and Debian's chromium come with scripts/deps.sh, puppeteer-core with
# tests/browser's lock file; without them the row is left out, not failed.
browser_ready() {
	local dir="$ROOT/tests/browser"
	if ! command -v node >/dev/null || ! command -v npm >/dev/null || [ ! -x /usr/bin/chromium ]; then
		log "no node, npm or /usr/bin/chromium: the dashboard is not measured"
		return 1
	fi
	[ -d "$dir/node_modules/puppeteer-core" ] && return 0
	(cd "$dir" && timeout 300 npm ci --ignore-scripts --no-audit --no-fund) >"$WORK/npm.log" 2>&1 || {
		log "npm ci in tests/browser failed: the dashboard is not measured"
		return 1
	}
}

bench_dashboard() {
	browser_ready || return 0
	local token out path times=()
	token=$(regulator_token)
	mkdir -p "$WORK/browser"
	log "the dashboard's overview in headless Chromium, first drawn, $RENDER_RUNS fresh pages"
	out=$(NW_URL="https://127.0.0.1:$PORT" NW_TOKEN="$token" NW_OUT="$WORK/browser" \
		NW_RUNS="$RENDER_RUNS" timeout 600 node "$ROOT/tests/browser/bench_overview.mjs" \
		2>"$WORK/browser/stderr") || {
		log "the browser run failed; the end of its log:"
		tail -5 "$WORK/browser/stderr" >&2
		return 0
	}
	R[render_ms]=$(jq '.median_ms' <<<"$out")
	R[render_marked_ms]=$(jq '.median_marked_ms' <<<"$out")
	R[render_runs_ms]=$(jq -c '.drawn_ms' <<<"$out")
	R[render_api]=$(jq -r '.api_requests | length' <<<"$out")
	R[render_api_ms]=$(jq -c '.median_run_api' <<<"$out")
	R[render_weeks]=$(jq -r '"\(.from) to \(.to)"' <<<"$out")
	path=$(jq -r '.summaries_path' <<<"$out")
	R[render_query]=$path
	# The ceiling: the same query with the same kind of session, a new
	# connection each time as curl makes it.
	log "and its GET $path with curl, $RENDER_RUNS times"
	curl -sf --cacert "$WORK/tls/server.crt" -c "$WORK/cookies" -X POST \
		-H "Authorization: Bearer $token" "https://127.0.0.1:$PORT/dashboard/session" >/dev/null
	for _ in $(seq 1 "$RENDER_RUNS"); do
		times+=("$(curl -sf --cacert "$WORK/tls/server.crt" -b "$WORK/cookies" -o /dev/null \
			-w '%{time_total}' "https://127.0.0.1:$PORT$path")")
	done
	R[render_summaries_ms]=$(printf '%s\n' "${times[@]}" | median | awk '{ print $1 * 1000 }')
}

# ---- 4. single reports ------------------------------------------------------

# One POST of each shape of bench/reports.lua, kept as the rows the ceilings insert.
capture_shapes() {
	NW_BENCH_DIR="$BENCH" NW_BENCH_TOKENS="$WORK/S.tokens" NW_BENCH_RUN="$RUN" \
		wrk -t1 -c1 -d10s -s "$BENCH/shapes.lua" "https://127.0.0.1:$PORT" >/dev/null
	local ids
	ids=$(super -tAc "SELECT string_agg(id::text, ',' ORDER BY client_ref) FROM needlewatch.reports
		WHERE premises_id = $S_LO AND client_ref LIKE 'SHAPE-$RUN-%'")
	super -v ids="{$ids}" -f "$BENCH/shapes.sql" >/dev/null
	SHAPES=$(super -tAc "SELECT count(*) FROM bench.shapes")
	[ "$SHAPES" -ge 1 ] || { log "no report shape was stored"; return 1; }
}

# The daemon's INSERT (daemon/server/store.c, SQL_INSERT_REPORTS) for one
# row: the same table, columns, conflict rule and complications, with the
# row's values as VALUES rather than as arrays of one element, which is the
# faster form for a single row. The statement pgbench runs, one per
# transaction.
insert_report_sql() {
	cat <<SQL
WITH r AS (
 INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version, format,
  procedure_premises_id, $(super -tAc "SELECT string_agg(name, ', ' ORDER BY pos) FROM bench.columns WHERE pos > 2"))
 VALUES ($1)
 ON CONFLICT (premises_id, client_ref, version) DO NOTHING
 RETURNING premises_id, id
), c AS (
 INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type,
  type_raw, complication_group, onset_days, duration_days, severity, severity_raw,
  serious, outcome, outcome_raw, treatment, needs_review)
 SELECT r.premises_id, r.id, x.idx, x.type, x.type_raw, x.grp, x.onset_days,
  x.duration_days, x.severity, x.severity_raw, x.serious, x.outcome, x.outcome_raw,
  coalesce(x.treatment, '[]'::jsonb), x.needs_review
 FROM r, jsonb_to_recordset($2::jsonb) AS x(idx smallint, type text, type_raw text,
  grp text, onset_days integer, duration_days integer, severity text, severity_raw text,
  serious boolean, outcome text, outcome_raw text, treatment jsonb, needs_review boolean)
)
SELECT id FROM r;
SQL
}

# pgbench scripts, one per shape, and the -D options carrying the values.
pgbench_single_scripts() {
	local k pos name isnull registered values
	PGB_ARGS=()
	for k in $(seq 0 $((SHAPES - 1))); do
		registered=$(super -tAc "SELECT registered FROM bench.shapes WHERE k = $k")
		values=":pid, :aid, 'PGB-' || :client_id::text || '-' || :r::text"
		while IFS='|' read -r pos name isnull; do
			[ "$pos" -eq 3 ] && values+=", $([ "$registered" = t ] && echo :pid || echo NULL)"
			if [ "$isnull" = t ]; then values+=", NULL"; else values+=", :s${k}_$name"; fi
		done < <(super -tAc "SELECT pos, name, value IS NULL FROM bench.shape_values
			WHERE k = $k ORDER BY pos")
		{
			echo '\set r random(1, 1000000000000000)'
			echo "\\set pid $P_LO + :client_id % $SINGLE_CONNS"
			echo "\\set aid $P_ACC + :client_id % $SINGLE_CONNS"
			insert_report_sql "$values" ":s${k}_complications"
		} >"$WORK/single_$k.sql"
		PGB_ARGS+=(-f "$WORK/single_$k.sql@1")
	done
	local d
	while IFS= read -r d; do
		PGB_ARGS+=(-D "$d")
	done < <(super -tAc "SELECT 's' || k || '_' || name || '=' || value FROM bench.shape_values
		WHERE value IS NOT NULL
		UNION ALL SELECT 's' || k || '_complications=' || complications FROM bench.shapes")
}

# ---- rounds ------------------------------------------------------------------

# Each load and its ceiling take turns, ROUNDS times ROUND_S seconds each, so
# that a disturbance from outside (another job on a shared machine) falls on
# both rather than on one. Rows are counted in PostgreSQL just before and just
# after each turn; a request still in flight when its turn ends is not
# counted, and pgbench's connection set-up is not timed.
declare -A ROWS=() SECS=()

# turn NAME LO HI COMMAND...: runs COMMAND, adds the rows the premises
# LO..HI gained and the seconds it took to NAME's totals; COMMAND's output
# goes to $WORK/NAME.out.
turn() {
	local name=$1 lo=$2 hi=$3 rows0 rows1 t0 t1 setup
	shift 3
	rows0=$(count_rows "$lo" "$hi")
	t0=$(now)
	"$@" >"$WORK/$name.out" 2>&1 || true
	t1=$(now)
	rows1=$(count_rows "$lo" "$hi")
	setup=$(sed -n 's/^initial connection time = \([0-9.]*\) ms.*/\1/p' "$WORK/$name.out")
	ROWS[$name]=$((${ROWS[$name]:-0} + rows1 - rows0))
	SECS[$name]=$(calc "${SECS[$name]:-0} + $t1 - $t0 - ${setup:-0} / 1000")
	cat "$WORK/$name.out" >>"$WORK/$name.log"
}

rate() { calc "${ROWS[$1]} / ${SECS[$1]}"; }

# wrk_run SCRIPT CONNECTIONS TOKENS-PREFIX SECONDS
wrk_run() {
	NW_BENCH_DIR="$BENCH" NW_BENCH_TOKENS="$WORK/$3.tokens" NW_BENCH_RUN="$3$RUN$RANDOM" \
		NW_BENCH_BATCH=$BATCH_SIZE \
		wrk -t2 -c"$2" -d"$4s" --timeout 30s -s "$BENCH/$1" "https://127.0.0.1:$PORT"
}

pgbench_run() {
	"$PGBIN/pgbench" -n -M prepared -j 2 -h "$PGSOCK" -p "$NW_PG_PORT" -U needlewatch_app "$@" \
		needlewatch
}

# Latency over the rounds of a wrk load: the median round's p50, the worst p99.
latencies() {
	R[$2_p50_ms]=$(sed -n 's/.* p50_ms=\([^ ]*\).*/\1/p' "$WORK/$1.log" | sort -g |
		awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	R[$2_p99_ms]=$(sed -n 's/.* p99_ms=\([^ ]*\).*/\1/p' "$WORK/$1.log" | sort -g | tail -1)
	R[$2_statuses]=$(sed -n 's/.* statuses=\([^ ]*\).*/\1/p' "$WORK/$1.log" | tr ',' '\n' |
		awk -F: '{n[$1]+=$2} END {for (k in n) printf "%s%s:%d", (i++ ? "," : ""), k, n[k]}')
}

bench_single() {
	log "single reports: wrk, $SINGLE_CONNS connections, against pgbench, the same INSERT one"
	log "row per transaction, $SINGLE_CONNS clients; $ROUNDS rounds of ${ROUND_S}s each"
	wrk_run ingest_single.lua "$SINGLE_CONNS" W 3 >/dev/null # warm-up
	pgbench_single_scripts
	for _ in $(seq 1 "$ROUNDS"); do
		turn daemon_single "$W_LO" "$W_HI" wrk_run ingest_single.lua "$SINGLE_CONNS" W "$ROUND_S"
		turn pgbench_single "$P_LO" "$P_HI" pgbench_run -c "$SINGLE_CONNS" -T "$ROUND_S" \
			"${PGB_ARGS[@]}"
	done
	R[single_rate]=$(rate daemon_single)
	R[single_ceiling]=$(rate pgbench_single)
	latencies daemon_single single
	R[rss_kib]=$(awk '/^VmHWM:/ {print $2}' "/proc/$DAEMON_PID/status")
}

# ---- 5. batches ---------------------------------------------------------------

# The COPY ceiling's clients: BATCH_CONNS psql sessions, each COPYing
# BATCH_SIZE rows into a staging table and inserting them from there, one
# transaction per batch, until stopped.
copy_prepare() {
	local cols
	cols=$(super -tAc "SELECT string_agg(name, ', ' ORDER BY pos) FROM bench.columns")
	super -c "CREATE TABLE bench.stage_template AS
		SELECT premises_id, account_id, client_ref, procedure_premises_id, $cols
		FROM needlewatch.reports LIMIT 0" \
		-c "ALTER TABLE bench.stage_template ADD complications jsonb" \
		-c "GRANT USAGE ON SCHEMA bench TO needlewatch_app" \
		-c "GRANT SELECT ON ALL TABLES IN SCHEMA bench TO needlewatch_app" >/dev/null
	super -c "COPY (SELECT $C_LO + n % $BATCH_CONNS, $C_ACC + n % $BATCH_CONNS, 'PGC-' || n || '-',
		CASE WHEN s.registered THEN $C_LO + n % $BATCH_CONNS END, $cols, s.complications
		FROM generate_series(0, $BATCH_SIZE - 1) n JOIN bench.shapes s ON s.k = n % $SHAPES
		ORDER BY n) TO STDOUT" >"$WORK/copy.tsv"
}

# copy_scripts ROUND: each client's script, batches named after the round.
copy_scripts() {
	local c b insert
	insert=$(cat "$BENCH/copy_insert.sql")
	for c in $(seq 1 "$BATCH_CONNS"); do
		{
			echo '\set ON_ERROR_STOP 1'
			echo 'CREATE TEMP TABLE stage (LIKE bench.stage_template) ON COMMIT DELETE ROWS;'
			for b in $(seq 1 $((ROUND_S * 20))); do
				printf 'BEGIN;\n\\copy stage FROM %s\n\\set sfx %s\n%s\nCOMMIT;\n' \
					"'$WORK/copy.tsv'" "$RUN-$1-$c-$b" "$insert"
			done
		} >"$WORK/copy_$c.sql"
	done
}

COPY_ROUND=0
copy_run() {
	local c pids=()
	COPY_ROUND=$((COPY_ROUND + 1))
	for c in $(seq 1 "$BATCH_CONNS"); do
		psql -X -q -o /dev/null "$APP" -f "$WORK/copy_$c.sql" &
		pids+=($!)
	done
	sleep "$ROUND_S"
	kill -TERM "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
}

bench_batches() {
	log "batches: wrk, $BATCH_SIZE-report NDJSON requests, $BATCH_CONNS connections, against"
	log "pgbench $MULTIROW_SIZE-row INSERTs and COPY, $BATCH_CONNS clients each; $ROUNDS rounds of ${ROUND_S}s"
	super -tA -v rows=$MULTIROW_SIZE -v pbase="$M_LO" -v abase="$M_ACC" -v pcount=$BATCH_CONNS \
		-f "$BENCH/multirow.sql" >"$WORK/multirow.sql"
	copy_prepare
	for _ in $(seq 1 "$ROUNDS"); do
		turn daemon_batch "$B_LO" "$B_HI" wrk_run ingest_batch.lua "$BATCH_CONNS" B "$ROUND_S"
		turn multirow "$M_LO" "$M_HI" pgbench_run -c "$BATCH_CONNS" -T "$ROUND_S" \
			-f "$WORK/multirow.sql"
		copy_scripts "$((COPY_ROUND + 1))"
		turn copy "$C_LO" "$C_HI" copy_run
	done
	R[batch_rate]=$(rate daemon_batch)
	R[multirow_rate]=$(rate multirow)
	R[copy_rate]=$(rate copy)
	latencies daemon_batch batch
	R[rss_batch_kib]=$(awk '/^VmHWM:/ {print $2}' "/proc/$DAEMON_PID/status")
}

bench_ingest() {
	# A fresh daemon for the ingest loads, so its peak RSS is theirs.
	stop_daemon
	start_daemon
	new_premises S 1
	new_premises W "$SINGLE_CONNS"
	new_premises P "$SINGLE_CONNS"
	new_premises B "$BATCH_CONNS"
	new_premises M "$BATCH_CONNS"
	new_premises C "$BATCH_CONNS"
	capture_shapes
	bench_single
	bench_batches
}

# ---- report -------------------------------------------------------------------

# Tab-separated rows as aligned columns (column(1) is not always installed).
columns() {
	awk -F'\t' '{
		for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }
		if (NF > nf) nf = NF
	} END {
		for (r = 1; r <= NR; r++) {
			line = ""
			for (i = 1; i <= nf; i++) line = line sprintf("%-" (w[i] + 2) "s", c[r, i])
			sub(/ +$/, "", line)
			print line
		}
	}'
}

# ratio VALUE CEILING, or null when either was not measured.
ratio() {
	if [ -n "$1" ] && [ -n "$2" ]; then calc "$1 / $2"; else echo null; fi
}
# jnum NAME: a result as JSON, null when its part did not run.
jnum() { printf '%s' "${R[$1]:-null}"; }
# jstr NAME: a result as a JSON string, null when its part did not run.
jstr() { if [ -n "${R[$1]:-}" ]; then jq -n --arg x "${R[$1]}" '$x'; else echo null; fi; }

report() {
	local single_ratio batch_ceiling="" batch_ceiling_is="" batch_ratio sum_ratio refresh_ratio
	local alerts_ratio render_ratio rss_mib=null rss_batch_mib=null cores date
	cores=$(nproc)
	date=$(date -u +%FT%TZ)
	single_ratio=$(ratio "${R[single_rate]:-}" "${R[single_ceiling]:-}")
	if [ -z "${R[copy_rate]:-}" ]; then
		:
	elif awk "BEGIN { exit !(${R[copy_rate]} > ${R[multirow_rate]}) }"; then
		batch_ceiling=${R[copy_rate]} batch_ceiling_is="COPY"
	else
		batch_ceiling=${R[multirow_rate]} batch_ceiling_is="multi-row INSERT"
	fi
	batch_ratio=$(ratio "${R[batch_rate]:-}" "$batch_ceiling")
	sum_ratio=$(ratio "${R[summaries_p99_ms]:-}" "${R[raw_median_ms]:-}")
	refresh_ratio=$(ratio "${R[refresh_s]:-}" "${R[rebuild_s]:-}")
	alerts_ratio=$(ratio "${R[alerts_s]:-}" "${R[refresh_s]:-}")
	render_ratio=$(ratio "${R[render_ms]:-}" "${R[render_summaries_ms]:-}")
	[ -n "${R[rss_kib]:-}" ] && rss_mib=$(calc "${R[rss_kib]} / 1024")
	[ -n "${R[rss_batch_kib]:-}" ] && rss_batch_mib=$(calc "${R[rss_batch_kib]} / 1024")

	mkdir -p "$ROOT/bench/results"
	jq -n --arg date "$date" --argjson cores "$cores" --arg pg "$PG_VERSION" \
		--arg cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" \
		--argjson reports "$REPORTS" --argjson seconds "$LOAD_S" \
		--argjson s "$(jnum single_rate)" --argjson sc "$(jnum single_ceiling)" \
		--argjson sr "$single_ratio" --argjson s50 "$(jnum single_p50_ms)" \
		--argjson s99 "$(jnum single_p99_ms)" --argjson sst "$(jstr single_statuses)" \
		--argjson b "$(jnum batch_rate)" --argjson bc "${batch_ceiling:-null}" --arg bci "$batch_ceiling_is" \
		--argjson br "$batch_ratio" --argjson copy "$(jnum copy_rate)" \
		--argjson multi "$(jnum multirow_rate)" --argjson b50 "$(jnum batch_p50_ms)" \
		--argjson b99 "$(jnum batch_p99_ms)" --argjson bst "$(jstr batch_statuses)" \
		--argjson q99 "$(jnum summaries_p99_ms)" --argjson q50 "$(jnum summaries_p50_ms)" \
		--argjson raw "$(jnum raw_median_ms)" --argjson qr "$sum_ratio" \
		--argjson rawon "$(jnum raw_jit_on_ms)" --argjson rawoff "$(jnum raw_jit_off_ms)" \
		--argjson rules "$(jnum raw_rules_ms)" \
		--argjson qn "$(jnum summaries_requests)" --argjson qst "$(jstr summaries_statuses)" \
		--argjson qrows "$(jnum summary_rows)" \
		--argjson rf "$(jnum refresh_s)" --argjson rb "$(jnum rebuild_s)" --argjson rr "$refresh_ratio" \
		--argjson rfw "$(jnum refresh_weeks)" --argjson rfa "$(jnum refresh_audit_ms)" \
		--argjson settle "$(jnum settle_s)" \
		--argjson al "$(jnum alerts_s)" --argjson ar "$alerts_ratio" \
		--argjson alw "$(jnum alerts_weeks)" --argjson als "$(jnum alerts_signals)" \
		--argjson dr "$(jnum render_ms)" --argjson dq "$(jnum render_summaries_ms)" \
		--argjson drr "$render_ratio" --argjson dm "$(jnum render_marked_ms)" \
		--argjson druns "$(jnum render_runs_ms)" --argjson dapi "$(jnum render_api)" \
		--argjson dapims "$(jnum render_api_ms)" \
		--argjson dweeks "$(jstr render_weeks)" --argjson dpath "$(jstr render_query)" \
		--argjson nruns "$RENDER_RUNS" \
		--argjson rss "$rss_mib" --argjson rssb "$rss_batch_mib" '{
  date: $date,
  machine: {cores: $cores, postgresql: $pg, cpu: $cpu,
            note: "wrk, PostgreSQL and needlewatchd share these cores"},
  ingest_single: (if $s == null then null else
                 {value: $s, unit: "reports/s", ceiling: $sc, ratio: $sr,
                  target: ">= 1.5", better: "higher", met: ($sr >= 1.5),
                  ceiling_is: "pgbench, the same rows with the daemon INSERT for one row, one row per transaction, 64 clients",
                  load: "wrk, POST /v1/reports one report each, 64 HTTPS keep-alive connections",
                  p50_ms: $s50, p99_ms: $s99, statuses: $sst} end),
  ingest_batch: (if $b == null then null else
                {value: $b, unit: "reports/s", ceiling: $bc, ratio: $br,
                 target: ">= 0.5", better: "higher", met: ($br >= 0.5),
                 ceiling_is: ("faster of COPY and 100-row INSERT, 16 clients: " + $bci),
                 copy: $copy, multirow_insert: $multi,
                 load: "wrk, 1000-report NDJSON requests, 16 connections",
                 p50_ms: $b50, p99_ms: $b99, statuses: $bst} end),
  summaries_p99: (if $q99 == null then null else
                 {value: $q99, unit: "ms", ceiling: $raw, ratio: $qr,
                  target: "<= 0.1", better: "lower", met: ($qr <= 0.1),
                  ceiling_is: "median of the same aggregate as a plain GROUP BY on the report tables (bench/raw_summary.sql), the faster of JIT on and off",
                  ceiling_jit_on_ms: $rawon, ceiling_jit_off_ms: $rawoff,
                  with_refresh_rules_ms: $rules,
                  p50_ms: $q50, requests: $qn, rows: $qrows, statuses: $qst} end),
  refresh: (if $rf == null then null else
           {value: $rf, unit: "s", ceiling: $rb, ratio: $rr,
            target: "<= 0.1", better: "lower", met: ($rr <= 0.1),
            load: "needlewatchctl refresh after one new week: the recompute and its disclosure audit",
            ceiling_is: "full rebuild of the summary tables",
            weeks: $rfw, audit_ms: $rfa, settle_s: $settle} end),
  alerts: (if $al == null then null else
          {value: $al, unit: "s", ceiling: $rf, ratio: $ar,
           target: "<= 0.5", better: "lower", met: ($ar <= 0.5),
           load: "needlewatchctl alerts run after that refresh: the signal rules over the weeks it changed",
           ceiling_is: "the refresh before it (needlewatchctl refresh, same run)",
           weeks: $alw, signals: $als} end),
  dashboard_render: (if $dr == null then null else
                    {value: $dr, unit: "ms", ceiling: $dq, ratio: $drr,
                     target: "< 1000 ms", target_on: "value", better: "lower", met: ($dr < 1000),
                     load: ("headless Chromium, /dashboard/ with a session, first drawn overview, median of " + ($nruns | tostring) + " fresh pages, cache off"),
                     ceiling_is: ("the overview GET " + $dpath + " with curl, same session, median of " + ($nruns | tostring)),
                     weeks: $dweeks, marked_ms: $dm, runs_ms: $druns, api_requests: $dapi,
                     median_run_api: $dapims} end),
  rss_mib: $rssb,
  rss: (if $rssb == null then null else
       {value: $rssb, unit: "MiB", target: "< 64", met: ($rssb < 64),
        under: "both ingest loads, single reports then 1,000-report batches (VmHWM)",
        after_single_mib: $rss} end),
  reports_stored: $reports, load_seconds: $seconds
}' >"$ROOT/bench/results/LATEST.json"

	local j="$ROOT/bench/results/LATEST.json"
	printf '\nNeedlewatch bench, %s: %s cores shared by wrk, PostgreSQL %s and needlewatchd\n' \
		"$date" "$cores" "$PG_VERSION"
	printf '%s reports stored; each load %ss\n\n' "$REPORTS" "$LOAD_S"
	jq -r '
	  def f: if . >= 100 then (. | round | tostring) else ((. * 1000 | round) / 1000 | tostring) end;
	  def row(name; what): [name, what, (.value | f) + " " + .unit, (.ceiling | f) + " " + .unit,
	                        (.ratio | f), .target, (if .met then "yes" else "NO" end)];
	  (["measurement", "what", "value", "ceiling", "ratio", "target", "met"],
	   (.ingest_single | values | row("ingest_single"; "POST one report, 64 connections")),
	   (.ingest_batch | values | row("ingest_batch"; "POST 1,000-report NDJSON, 16 connections")),
	   (.summaries_p99 | values | row("summaries_p99"; "GET /v1/summaries, a quarter, p99")),
	   (.refresh | values | row("refresh"; "needlewatchctl refresh after one new week")),
	   (.alerts | values | row("alerts"; "alert rules after that refresh")),
	   (.dashboard_render | values | row("dashboard_render"; "dashboard overview, first drawn")),
	   (.rss | values | ["rss_mib", "daemon peak RSS under ingest", (.value | f) + " MiB", "-", "-",
	            .target, (if .met then "yes" else "NO" end)]))
	  | @tsv' "$j" | columns
	jq -r '(.ingest_single | values | "\ningest_single: p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, statuses \(.statuses)"),
	       (.ingest_batch | values | "ingest_batch: p50 \(.p50_ms) ms, p99 \(.p99_ms) ms per request; COPY \(.copy | round)/s, multi-row INSERT \(.multirow_insert | round)/s"),
	       (.summaries_p99 | values | "summaries: p50 \(.p50_ms) ms over \(.requests) requests, \(.rows) rows each",
	        "summaries ceiling: plain GROUP BY \(.ceiling_jit_on_ms) ms with JIT, \(.ceiling_jit_off_ms) ms without; with the refresh rules \(.with_refresh_rules_ms) ms"),
	       (.refresh | values | "refresh: \(.weeks) weeks recomputed and audited, the audit \(.audit_ms) ms of it; every week audited and the rules run once before, untimed, in \(.settle_s) s"),
	       (.alerts | values | "alerts: \(.weeks) weeks evaluated, \(.signals) signals"),
	       (.dashboard_render | values | "dashboard_render: \(.weeks), runs \(.runs_ms | map(tostring) | join(", ")) ms; marked drawn at \(.marked_ms) ms (median); \(.api_requests) API requests",
	        "dashboard_render, the median run: " + ([.median_run_api[]? | "\(.path | sub("^/v1/summaries\\?from=[^&]*&to=[^&]*&"; "summaries ")) \(.start_ms)-\(.end_ms)"] | join(", ")) + " ms"),
	       (.rss | values | "rss after the single-report load: \(.after_single_mib) MiB"),
	       "written to bench/results/LATEST.json"' "$j"
}

# ---- main -----------------------------------------------------------------------

main() {
	local started
	started=$(now)
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/needlewatch-bench.XXXXXX")
	chmod 0755 "$WORK"
	trap cleanup EXIT
	install_tools
	[ -x "$BIN/needlewatchd" ] || { log "no $BIN/needlewatchd: run make all first"; exit 1; }
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	log "PostgreSQL on 127.0.0.1:$NW_PG_PORT, needlewatchd ($BUILD) on 127.0.0.1:$PORT"
	start_postgres
	PGSOCK=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$APP")
	write_config
	start_daemon
	load_data
	want summaries && bench_summaries
	want refresh && bench_refresh
	want dashboard && bench_dashboard
	want ingest && bench_ingest
	report
	log "done in $(calc "$(now) - $started") s"
}

# Sourced (by a developer who wants one phase), it only defines the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
