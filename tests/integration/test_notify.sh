# needlewatchd under Type=notify: a test socket stands in for systemd's
# NOTIFY_SOCKET and records every datagram. READY=1 once the listener is up,
# RELOADING=1 (with MONOTONIC_USEC) then READY=1 on SIGHUP, a STATUS= saying
# so when the reload fails, WATCHDOG=1 keep-alives when WATCHDOG_USEC is set,
# STOPPING=1 on SIGTERM. Runs against its own needlewatchd, restarted under
# the test socket and stopped by the file.

nw_own_daemon
N_SOCK="$WORK/notify.sock"
N_OUT="$WORK/notify.log"
N_VOCAB="$WORK/notify-vocabulary.json"

# n_wait PATTERN: waits up to 10 s for a recorded datagram matching PATTERN.
n_wait() {
	for _ in $(seq 1 100); do
		grep -qE "$1" "$N_OUT" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

if ! command -v python3 >/dev/null; then
	skip "sd_notify protocol: python3 (the test's notify socket) is not installed"
else
	nw_stop_daemon
	rm -f "$N_SOCK" "$N_OUT"
	: >"$N_OUT"
	# One datagram per line, newlines shown as '|'; it stops by itself
	# after 60 s of silence, so the test is bounded even if it fails.
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "a") as out:
    while True:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        out.write(d.decode(errors="replace").replace("\n", "|") + "\n")
        out.flush()
' "$N_SOCK" "$N_OUT" &
	N_LISTENER=$!
	for _ in $(seq 1 50); do [ -S "$N_SOCK" ] && break; sleep 0.1; done
	cp "$ROOT/config/vocabulary.json" "$N_VOCAB"
	nw_write_config
	sed -i "s|^vocabulary_file = .*|vocabulary_file = $N_VOCAB|" "$WORK/needlewatchd.conf"
	NOTIFY_SOCKET="$N_SOCK" WATCHDOG_USEC=400000 nw_start_daemon
	N_PID=$NW_PID

	n_wait '^READY=1'
	assert_match "READY=1 once the listener is up, with a status" \
		'^READY=1\|STATUS=serving https on 127\.0\.0\.1 port [0-9]+$' "$(grep -m1 '^READY=1' "$N_OUT")"
	# The daemon answered /healthz before nw_start_daemon returned, and
	# READY=1 came after the listener was up: it must already be there.
	assert_eq "READY=1 came before the first answer (it is recorded by now)" 1 "$(grep -c '^READY=1' "$N_OUT")"
	n_wait '^WATCHDOG=1$'
	assert_eq "WATCHDOG=1 keep-alives from the main loop when WATCHDOG_USEC is set" 0 $?

	kill -HUP "$N_PID"
	n_wait '^READY=1\|STATUS=serving; configuration reloaded'
	assert_match "SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1" \
		'RELOADING=1\|MONOTONIC_USEC=[0-9]+ READY=1\|STATUS=serving; configuration reloaded' \
		"$(grep -E '^(RELOADING|READY)' "$N_OUT" | tail -2 | tr '\n' ' ')"

	printf '{ not json' >"$N_VOCAB"
	kill -HUP "$N_PID"
	n_wait 'STATUS=reload failed'
	assert_match "a failed reload ends READY=1 with a STATUS= saying it failed and what was kept" \
		'^READY=1\|STATUS=reload failed, previous configuration kept: .*notify-vocabulary\.json' \
		"$(grep 'STATUS=reload failed' "$N_OUT" | tail -1)"
	http GET /healthz
	assert_eq "and the daemon still serves" 200 "$STATUS"

	kill -TERM "$N_PID"
	wait "$N_PID"; n_rc=$?
	NW_PID=
	assert_eq "needlewatchd exits 0 on SIGTERM" 0 "$n_rc"
	assert_match "STOPPING=1 when it begins to stop" '^STOPPING=1' "$(grep '^STOPPING' "$N_OUT")"
	kill "$N_LISTENER" 2>/dev/null
	wait "$N_LISTENER" 2>/dev/null
fi
