#!/usr/bin/env bash
# `make run`: a private PostgreSQL, the schema, a development certificate, a
# demo premises with a reporter and a regulator token, then needlewatchd on
# https://localhost:8443 in the foreground. Ctrl-C stops it, and the private
# PostgreSQL too when this run started it (one already running is left as it
# was, and the message says how to stop it). NW_KEEP_PG=1 keeps it running.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build/release}
BIN="$ROOT/$BUILD/bin"
KEY=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
STATE="${TMPDIR:-/tmp}/needlewatch-dev-$KEY"   # outside the checkout, like the cluster
PORT=${NW_PORT:-8443}
mkdir -p "$STATE"

# Whether this run starts PostgreSQL decides whether it stops it again.
PG_STARTED=0
"$ROOT/scripts/pg-dev.sh" status >/dev/null 2>&1 || PG_STARTED=1
"$ROOT/scripts/pg-dev.sh" start
APP=$("$ROOT/scripts/pg-dev.sh" env)
OWNER=$(NW_PG_ROLE=needlewatch_owner "$ROOT/scripts/pg-dev.sh" env)
"$ROOT/scripts/dev-cert.sh" "$STATE/tls"
if [ ! -s "$STATE/pseudonym.key" ]; then
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$STATE/pseudonym.key"
	chmod 0600 "$STATE/pseudonym.key"
fi
CONF="$STATE/needlewatchd.conf"
cat >"$CONF" <<CONF
# Written by scripts/run-dev.sh for "make run"; see config/needlewatchd.conf.example.
listen_address = 127.0.0.1
listen_port = $PORT
tls_cert_file = $STATE/tls/server.crt
tls_key_file = $STATE/tls/server.key
db_conninfo = $APP
db_admin_conninfo = $OWNER
pseudonym_key_file = $STATE/pseudonym.key
vocabulary_file = $ROOT/config/vocabulary.json
postcode_regions_file = $ROOT/config/postcode-regions.tsv
web_dir = $ROOT/web
CONF
CTL=("$BIN/needlewatchctl" -c "$CONF")
"${CTL[@]}" migrate --schema-dir "$ROOT/schema"

# The demo premises and tokens are made once and remembered.
if [ ! -s "$STATE/demo.env" ]; then
	PREMISES=$("${CTL[@]}" premises add --name "Glow Beauty (demo)" --setting salon --postcode LS6 | tail -1)
	REPORTER=$("${CTL[@]}" token create --role reporter --premises "$PREMISES" | tail -1)
	REGULATOR=$("${CTL[@]}" token create --role regulator --name "Demo regulator" | tail -1)
	printf 'REPORTER=%s\nREGULATOR=%s\n' "$REPORTER" "$REGULATOR" >"$STATE/demo.env"
	chmod 0600 "$STATE/demo.env"
fi
. "$STATE/demo.env"
# A fresh client_ref each run, so the printed command answers 201 every time
# (resending the same report is an idempotent 200).
sed "s/GLOW-2026-00042/GLOW-$(date +%s)/" "$ROOT/tests/fixtures/example-report.json" \
	>"$STATE/example-report.json"

cat <<MSG

needlewatchd is starting on https://localhost:$PORT (Ctrl-C to stop).
Reporter token:  $REPORTER
Regulator token: $REGULATOR
Dashboard:       https://localhost:$PORT/dashboard/  (sign in with the regulator token;
                 the certificate is $STATE/tls/server.crt)
Submit the example report from another terminal:

  curl --cacert $STATE/tls/server.crt -H "Authorization: Bearer $REPORTER" -H "Content-Type: application/json" --data-binary @$STATE/example-report.json https://localhost:$PORT/v1/reports

MSG

# Not exec: after needlewatchd ends (Ctrl-C reaches it and this shell
# alike), the PostgreSQL this run started is stopped too.
stop_pg() {
	if [ "$PG_STARTED" = 1 ] && [ "${NW_KEEP_PG:-0}" != 1 ]; then
		echo "stopping the private PostgreSQL this run started" >&2
		"$ROOT/scripts/pg-dev.sh" stop
	else
		echo "the private PostgreSQL keeps running (it was running before, or NW_KEEP_PG=1);" \
			"stop it with: scripts/pg-dev.sh stop" >&2
	fi
}
# Job control gives the daemon a process group of its own, so that a
# background start does not leave SIGINT ignored in it (its signalfd would
# never see Ctrl-C); this shell passes Ctrl-C and SIGTERM on.
set -m
"$BIN/needlewatchd" -c "$CONF" &
NWD=$!
trap 'kill -INT "$NWD" 2>/dev/null' INT
trap 'kill -TERM "$NWD" 2>/dev/null' TERM HUP
rc=0
while kill -0 "$NWD" 2>/dev/null; do
	wait "$NWD" && rc=0 || rc=$?
done
stop_pg
exit "$rc"
