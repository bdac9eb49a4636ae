#!/usr/bin/env bash
# make ha-check: no acknowledged report lost when the PostgreSQL primary dies.
#
# Stands up on loopback, from config/ha/: a pg_auto_failover monitor, a
# primary and a synchronous hot standby; two needlewatchd; HAProxy in front.
# Then needlewatch-upload (a spool of single-report files) and a plain
# concurrent client (curl) send 5,000 distinct reports through HAProxy;
# mid-stream the primary's host dies (kill -9 of its pg_autoctl keeper and
# postmaster together, so nothing restarts it in place); the monitor promotes
# the standby; later one daemon is killed -9 as well. Then it checks that
# every report answered 2xx is stored exactly once on the new primary, that
# every file the uploader held is delivered or still in its outbox, and that
# the old primary, rejoined as a standby, holds the same rows; that reads
# stayed available while writes were refused (at least 90% of the read
# probes answered 200) and that a daemon's reads return to the rejoined
# standby (db_read_max_age_s). Last, with the standby stopped, reads fall
# back to the primary and never hang.
#
# Bounded: every wait has a timeout, the whole run stays under 4 minutes, and
# everything started here is killed at exit (trap). Prints one figures line
# and "ha: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BUILD=${BUILD:-build/release}
BIN="$ROOT/$BUILD/bin"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
KEY=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
# Ports above every range the integration tests use (20000-59999).
BASE=${NW_HA_PORT_BASE:-$((60100 + (KEY % 250) * 20))}
MON_PORT=$BASE PG1_PORT=$((BASE + 1)) PG2_PORT=$((BASE + 2))
NW1_PORT=$((BASE + 3)) NW2_PORT=$((BASE + 4)) HA_PORT=$((BASE + 5)) STATS_PORT=$((BASE + 6))
URL="https://127.0.0.1:$HA_PORT"
REPORTS=${NW_HA_REPORTS:-5000}
T_START=$(date +%s)

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - ha: $1"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - ha: $1"; }
assert_eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (want '$2', got '$3')"; fi; }
finish() {
	if [ "$FAILED" -gt 0 ] && [ -d "${WORK:-}/logs" ]; then
		for l in "$WORK"/logs/*.log; do
			echo "# --- last lines of $(basename "$l")"
			tail -n 8 "$l" | sed 's/nwt_[0-9a-f]*/nwt_.../g; s/^/#   /'
		done
	fi
	echo "ha: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit
}
now_ms() { date +%s%3N; }

for tool in "$PGBIN/pg_ctl" /usr/bin/pg_autoctl /usr/sbin/haproxy "$BIN/needlewatchd"; do
	if [ ! -x "$tool" ]; then
		fail "$tool is missing (scripts/deps.sh installs the packages; make all builds the programs)"
		finish
	fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/needlewatch-ha.XXXXXX")
chmod 0755 "$WORK"
PG="$WORK/pg"
mkdir -p "$PG/run" "$WORK/logs"
# PostgreSQL refuses to run as root: as root, pg_autoctl runs as postgres.
if [ "$(id -u)" -eq 0 ]; then
	chown -R postgres: "$PG"
	as_pg() { runuser -u postgres -- env PATH="$PGBIN:$PATH" XDG_CONFIG_HOME="$PG/config" \
		XDG_DATA_HOME="$PG/data" XDG_RUNTIME_DIR="$PG/run" "$@"; }
else
	as_pg() { env PATH="$PGBIN:$PATH" XDG_CONFIG_HOME="$PG/config" XDG_DATA_HOME="$PG/data" \
		XDG_RUNTIME_DIR="$PG/run" "$@"; }
fi
chmod 0700 "$PG/run"
psql_at() { # PORT DB SQL: as the cluster's superuser
	as_pg "$PGBIN/psql" -X -q -tA -h 127.0.0.1 -p "$1" -d "$2" -U postgres -c "$3" 2>/dev/null
}

# ---- teardown: every process started here, by its id --------------------------
PIDS=()
cleanup() {
	local p g
	exec 2>/dev/null # not bash's "Killed" line for each job
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for g in "$PG"/*.pgid; do
		[ -f "$g" ] && kill -9 -- "-$(cat "$g")" 2>/dev/null
	done
	for d in "$PG"/monitor "$PG"/node1 "$PG"/node2; do
		[ -f "$d/postmaster.pid" ] && kill -9 "$(head -1 "$d/postmaster.pid")" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT
# The whole run is bounded: past LIMIT_S a watchdog ends it (counted as a
# failure, and the teardown still runs).
LIMIT_S=${NW_HA_LIMIT_S:-240}
trap 'fail "the whole test took more than $LIMIT_S s"; finish' TERM
# Its output goes nowhere: a sleep left behind by a passing run must not hold
# the caller's pipe open (.ci/run's tee would wait for it).
(sleep "$LIMIT_S" && kill -TERM $$) >/dev/null 2>&1 &
PIDS+=($!)

# autoctl NAME ARGS...: runs `pg_autoctl ARGS` in a session of its own (its
# keeper, its postmaster and the backends share that process group), with
# the group id kept in NAME.pgid so that one signal kills that host.
autoctl() {
	local name=$1
	shift
	as_pg setsid bash -c 'echo $$ >"$0"; exec pg_autoctl "$@"' "$PG/$name.pgid" "$@" \
		>>"$WORK/logs/$name.log" 2>&1 &
	PIDS+=($!)
}
# wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds; fails the test otherwise.
wait_for() {
	local limit=$(($(date +%s) + $1)) secs=$1 what=$2
	shift 2
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$limit" ]; then
			fail "$what (not within $secs s)"
			return 1
		fi
		sleep 0.3
	done
}
state_of() { # NODE-NAME: its reported and assigned states, e.g. "primary primary"
	as_pg pg_autoctl show state --pgdata "$PG/monitor" 2>/dev/null |
		awk -F'|' -v n="$1" '{gsub(/ /, "")} $1 == n {print $6, $7}'
}
is_state() { [ "$(state_of "$1")" = "$2 $2" ]; }
writable() { [ "$(psql_at "$1" needlewatch 'SELECT pg_is_in_recovery()')" = f ]; }

# ---- PostgreSQL under pg_auto_failover -----------------------------------------
MONITOR_URI="postgres://autoctl_node@127.0.0.1:$MON_PORT/pg_auto_failover?sslmode=disable"
NODE_OPTS=(--hostname 127.0.0.1 --listen 127.0.0.1 --dbname needlewatch --auth trust --no-ssl
	--monitor "$MONITOR_URI" --pgctl "$PGBIN/pg_ctl")
autoctl monitor create monitor --pgdata "$PG/monitor" --pgport "$MON_PORT" --hostname 127.0.0.1 \
	--listen 127.0.0.1 --auth trust --no-ssl --pgctl "$PGBIN/pg_ctl" --run
wait_for 60 "the monitor starts" psql_at "$MON_PORT" pg_auto_failover \
	"SELECT 1 FROM pg_extension WHERE extname = 'pgautofailover'" || finish
as_pg sh -c "cat '$ROOT/config/ha/monitor.conf' >>'$PG/monitor/postgresql.conf'"
psql_at "$MON_PORT" postgres "SELECT pg_reload_conf()" >/dev/null

autoctl node1 create postgres --pgdata "$PG/node1" --pgport "$PG1_PORT" --name node1 "${NODE_OPTS[@]}" --run
wait_for 60 "the first node becomes primary" is_state node1 single || finish
as_pg sh -c "cat '$ROOT/config/ha/node.conf' >>'$PG/node1/postgresql.conf'"
# The daemon and needlewatchctl connect over TCP as their own roles (before
# the standby is cloned, so that it has the same rules).
as_pg sh -c "echo 'host needlewatch needlewatch_owner,needlewatch_app,needlewatch_regulator 127.0.0.1/32 trust' >>'$PG/node1/pg_hba.conf'"
psql_at "$PG1_PORT" postgres "SELECT pg_reload_conf()" >/dev/null
as_pg "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PG1_PORT" -U postgres -d postgres \
	-f "$ROOT/scripts/create-roles.sql" >/dev/null
psql_at "$PG1_PORT" postgres "ALTER DATABASE needlewatch OWNER TO needlewatch_owner" >/dev/null

# pg_basebackup starts with a spread checkpoint (minutes at the default
# checkpoint_completion_target); an immediate one first leaves it nothing to do.
psql_at "$PG1_PORT" postgres "CHECKPOINT" >/dev/null
autoctl node2 create postgres --pgdata "$PG/node2" --pgport "$PG2_PORT" --name node2 "${NODE_OPTS[@]}" --run
wait_for 60 "the second node becomes a synchronous standby" is_state node2 secondary || finish
wait_for 20 "the first node is primary with a standby" is_state node1 primary || finish
assert_eq "the primary replicates synchronously" "ANY 1 (pgautofailover_standby_2)" \
	"$(psql_at "$PG1_PORT" postgres 'SHOW synchronous_standby_names')"
assert_eq "commits wait for the standby to apply them" remote_apply \
	"$(psql_at "$PG1_PORT" postgres 'SHOW synchronous_commit')"
assert_eq "the standby is a hot standby" t "$(psql_at "$PG2_PORT" postgres 'SELECT pg_is_in_recovery()')"

# ---- two needlewatchd, HAProxy in front ----------------------------------------
"$ROOT/scripts/dev-cert.sh" "$WORK/tls" >/dev/null 2>&1
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/pseudonym.key"
chmod 0600 "$WORK/pseudonym.key"
for n in 1 2; do
	port_var="NW${n}_PORT"
	sed -e "s|@NW${n}_PORT@|${!port_var}|; s|@TLS_DIR@|$WORK/tls|; s|@PSEUDONYM_KEY@|$WORK/pseudonym.key|" \
		-e "s|@ROOT@|$ROOT|g; s|@PG1_HOST@|127.0.0.1|g; s|@PG2_HOST@|127.0.0.1|g" \
		-e "s|@PG1_PORT@|$PG1_PORT|g; s|@PG2_PORT@|$PG2_PORT|g" \
		"$ROOT/config/ha/needlewatchd-$n.conf" >"$WORK/nw$n.conf"
done
ctl() { "$BIN/needlewatchctl" -c "$WORK/nw1.conf" "$@"; }
ctl migrate --schema-dir "$ROOT/schema" >/dev/null || { fail "needlewatchctl migrate"; finish; }
NW_PIDS=()
start_daemon() { # N
	"$BIN/needlewatchd" -c "$WORK/nw$1.conf" >>"$WORK/logs/nw$1.log" 2>&1 &
	NW_PIDS[$1]=$!
	PIDS+=($!)
}
start_daemon 1
start_daemon 2
NW_HA_BIND="127.0.0.1:$HA_PORT" NW_HA_NW1="127.0.0.1:$NW1_PORT" NW_HA_NW2="127.0.0.1:$NW2_PORT" \
	NW_HA_STATS="127.0.0.1:$STATS_PORT" /usr/sbin/haproxy -db -f "$ROOT/config/ha/haproxy.cfg" \
	>>"$WORK/logs/haproxy.log" 2>&1 &
PIDS+=($!)
CURL=(curl -s --cacert "$WORK/tls/server.crt" --connect-timeout 2 --max-time 10)
ready() { [ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$1/readyz")" = 200 ]; }
wait_for 20 "needlewatchd 1 is ready" ready "https://127.0.0.1:$NW1_PORT" || finish
wait_for 20 "needlewatchd 2 is ready" ready "https://127.0.0.1:$NW2_PORT" || finish
wait_for 20 "HAProxy sends to a ready daemon" ready "$URL" || finish

P_UP=$(ctl premises add --name "HA Upload Clinic" --setting medical_clinic --postcode LS6 | tail -1)
P_CURL=$(ctl premises add --name "HA Curl Salon" --setting salon --postcode LS6 | tail -1)
P_PROBE=$(ctl premises add --name "HA Probe" --setting salon --postcode LS6 | tail -1)
TOK_UP=$(ctl token create --role reporter --premises "$P_UP" | tail -1)
TOK_CURL=$(ctl token create --role reporter --premises "$P_CURL" | tail -1)
TOK_PROBE=$(ctl token create --role reporter --premises "$P_PROBE" | tail -1)
TOK_REG=$(ctl token create --role regulator --name "HA Regulator" | tail -1)
install -m 0600 /dev/null "$WORK/upload.token"
echo "$TOK_UP" >"$WORK/upload.token"

. "$ROOT/tests/ha/load.sh"
. "$ROOT/tests/ha/checks.sh"
finish
