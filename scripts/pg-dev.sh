#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests.
#
#   scripts/pg-dev.sh start|stop|status|env|destroy
#
# The cluster lives outside the checkout (a checkout may sit under a root-only
# home) in $TMPDIR/needlewatch-pg-<key>-<port>, keyed by the checkout path and
# port, so two checkouts, or CI beside a developer's `make run`, never collide.
# PostgreSQL refuses to run as root: as root the cluster belongs to the
# unprivileged `postgres` user. It listens on 127.0.0.1 and a unix socket only,
# with trust authentication: it is a development cluster, never a production one.
#
# Environment: NW_PG_PORT (default derived from the checkout path),
# NW_PG_ROLE (which role `env` prints a conninfo for; default needlewatch_app).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KEY=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
PORT=${NW_PG_PORT:-$((20000 + KEY % 20000))}
BASE="${TMPDIR:-/tmp}/needlewatch-pg-$KEY-$PORT"
DATA="$BASE/data"
SOCK="$BASE/sock"
LOG="$BASE/postgres.log"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

superuser() {
	if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

psql_super() {
	as_owner "$PGBIN/../bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" \
		-U "$(superuser)" -d "${1:-postgres}" "${@:2}"
}

init_cluster() {
	mkdir -p "$BASE"
	chmod 0755 "$BASE"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$BASE"
	as_owner mkdir -p "$SOCK"
	as_owner "$PGBIN/initdb" -D "$DATA" -U "$(superuser)" --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >/dev/null
	cat <<CONF | as_owner tee -a "$DATA/postgresql.conf" >/dev/null
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
log_min_messages = warning
log_line_prefix = '%m [%p] %u@%d '
CONF
}

# Roles and the database: what an operator does once with scripts/create-roles.sql.
bootstrap() {
	psql_super postgres -f "$ROOT/scripts/create-roles.sql"
	if ! psql_super postgres -tAc "SELECT 1 FROM pg_database WHERE datname='needlewatch'" | grep -q 1; then
		psql_super postgres -c "CREATE DATABASE needlewatch OWNER needlewatch_owner"
	fi
}

is_running() {
	[ -f "$DATA/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

cmd_start() {
	[ -d "$DATA" ] || init_cluster
	if ! is_running; then
		as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
	fi
	bootstrap
	echo "pg-dev: running on 127.0.0.1:$PORT, socket $SOCK" >&2
}

cmd_stop() {
	if is_running; then
		as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
	fi
}

cmd_env() {
	local role=${NW_PG_ROLE:-needlewatch_app}
	echo "host=$SOCK port=$PORT dbname=needlewatch user=$role"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) if is_running; then echo "running 127.0.0.1:$PORT $SOCK"; else echo stopped; exit 3; fi ;;
env) cmd_env ;;
super) shift; psql_super needlewatch "$@" ;;
destroy) cmd_stop; rm -rf "$BASE" ;;
*) echo "usage: $0 start|stop|status|env|super [psql args]|destroy" >&2; exit 64 ;;
esac
