# ingest_memory_budget: a request whose body is complete waits, suspended,
# while earlier ones hold the budget, and goes on — stored, answered in full —
# once they let go; SIGHUP can widen the budget for requests already waiting.
#
# A reader session holding a lock on the reports table keeps the first batch
# in the writer (and so holding its share of the budget) for as long as the
# test needs, which makes the waiting observable rather than a race.
#
# Its own daemon (a budget smaller than any request; SIGHUP changes it).
nw_own_daemon "ingest_memory_budget = 1KiB"
assert_eq "the daemon starts with a 1 KiB budget" 0 "$?"

read -r ADM_ID ADM_TOKEN <<<"$(new_reporter salon LS6)"

adm_batch() { # NAME N: an NDJSON file of N reports
	local i
	for i in $(seq 1 "$2"); do
		report_json "ADM-$1-$i" | tr -d '\n'
		echo
	done >"$WORK/adm-$1.ndjson"
}

adm_post() { # NAME CONTENT-TYPE: posts $WORK/adm-NAME.*, status to $WORK/adm-NAME.status
	local file
	file=$(ls "$WORK"/adm-"$1".ndjson "$WORK"/adm-"$1".json 2>/dev/null | head -1)
	curl -sS --cacert "$WORK/tls/server.crt" --max-time 30 -o "$WORK/adm-$1.answer" \
		-w '%{http_code}' -H "Authorization: Bearer $ADM_TOKEN" -H "Content-Type: $2" \
		--data-binary "@$file" "$NW_URL/v1/reports" >"$WORK/adm-$1.status" 2>/dev/null ||
		echo 000 >"$WORK/adm-$1.status"
}

adm_metric() { # NAME: its value in /metrics
	curl -s --cacert "$WORK/tls/server.crt" "$NW_URL/metrics" | awk -v m="$1" '$1 == m {print $2}'
}

adm_wait_metric() { # NAME PREDICATE(awk, on v): polls up to 10 s; prints the last value
	local v=
	for _ in $(seq 1 100); do
		v=$(adm_metric "$1")
		awk -v v="${v:-0}" "BEGIN { exit !($2) }" && break
		sleep 0.1
	done
	echo "${v:-0}"
}

# Holds a lock that makes every INSERT into reports wait, for at most $1 s;
# returns once the lock is held.
adm_lock_reports() {
	psql -X -q "$OWNER_CONNINFO" -c "BEGIN" \
		-c "LOCK TABLE needlewatch.reports IN SHARE ROW EXCLUSIVE MODE" \
		-c "SELECT pg_sleep($1)" -c "COMMIT" >/dev/null 2>&1 &
	ADM_LOCK_PID=$!
	for _ in $(seq 1 100); do
		[ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
			WHERE c.relname = 'reports' AND l.mode = 'ShareRowExclusiveLock' AND l.granted")" = 1 ] &&
			return 0
		sleep 0.05
	done
	return 1
}

adm_unlock_reports() {
	kill "$ADM_LOCK_PID" 2>/dev/null
	wait "$ADM_LOCK_PID" 2>/dev/null
	# The lock holder's backend ends its transaction when psql goes away.
	sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()" >/dev/null
}

# adm_pair FIRST SECOND: with INSERTs held up by a lock, batch FIRST is
# admitted (and stays in the writer) and batch SECOND waits for room; their
# posts run in the background as ADM_PIDS.
adm_pair() {
	adm_batch "$1" 5
	adm_batch "$2" 5
	adm_lock_reports 20 || return 1
	adm_post "$1" application/x-ndjson &
	ADM_PIDS=($!)
	adm_wait_metric needlewatch_admission_held_bytes 'v > 0' >/dev/null
	adm_post "$2" application/x-ndjson &
	ADM_PIDS+=($!)
	[ "$(adm_wait_metric needlewatch_admission_waiting 'v >= 1')" = 1 ]
}

adm_batch A 20
adm_batch B 20
report_json "ADM-single-1" >"$WORK/adm-S.json"

# --- a budget smaller than any request: one at a time
assert_eq "nothing is held at rest" 0 "$(adm_metric needlewatch_admission_held_bytes)"

adm_lock_reports 20
assert_eq "a session holds a lock on reports" 0 "$?"
adm_post A application/x-ndjson &
pid_a=$!
held=$(adm_wait_metric needlewatch_admission_held_bytes 'v > 0')
assert_match "the first batch is admitted and holds its expected cost" '^[1-9][0-9]+$' "$held"
adm_post B application/x-ndjson &
pid_b=$!
adm_post S application/json &
pid_s=$!
assert_eq "the second batch and a single report wait for room" 2 \
	"$(adm_wait_metric needlewatch_admission_waiting 'v >= 2')"
assert_eq "while they wait, the held cost is still the first batch's alone" "$held" \
	"$(adm_metric needlewatch_admission_held_bytes)"
http GET /healthz
assert_eq "requests without a body are not held up" 200 "$STATUS"

adm_unlock_reports
wait "$pid_a" "$pid_b" "$pid_s"
assert_eq "the first batch is answered" 200 "$(cat "$WORK/adm-A.status")"
assert_eq "the batch that waited is answered" 200 "$(cat "$WORK/adm-B.status")"
assert_eq "the single report that waited is stored" 201 "$(cat "$WORK/adm-S.status")"
BODY=$(cat "$WORK/adm-B.answer")
assert_eq "every item of the batch that waited was accepted" 20 \
	"$(printf '%s' "$BODY" | grep -o '"status":"accepted"' | wc -l)"
assert_eq "all 41 reports are stored" 41 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $ADM_ID AND client_ref LIKE 'ADM-%'")"
assert_eq "nothing waits afterwards" 0 "$(adm_wait_metric needlewatch_admission_waiting 'v == 0')"
assert_eq "nothing is held afterwards" 0 "$(adm_wait_metric needlewatch_admission_held_bytes 'v == 0')"

# --- SIGHUP widens the budget: the waiting request goes on at once
adm_pair C D
assert_eq "with the budget spent, the next batch waits" 0 "$?"
sed -i 's/^ingest_memory_budget = .*/ingest_memory_budget = 0/' "$WORK/needlewatchd.conf"
kill -HUP "$NW_PID"
assert_eq "after SIGHUP to an unlimited budget, it no longer waits" 0 \
	"$(adm_wait_metric needlewatch_admission_waiting 'v == 0')"
adm_unlock_reports
wait "${ADM_PIDS[@]}"
assert_eq "both batches are answered" "200 200" \
	"$(cat "$WORK/adm-C.status") $(cat "$WORK/adm-D.status")"
assert_eq "and stored" 10 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $ADM_ID AND client_ref ~ '^ADM-[CD]-'")"

# --- SIGTERM with a request waiting: both are finished before the exit
sed -i 's/^ingest_memory_budget = .*/ingest_memory_budget = 1KiB/' "$WORK/needlewatchd.conf"
kill -HUP "$NW_PID"
adm_pair E F
assert_eq "a batch is admitted and another waits" 0 "$?"
kill -TERM "$NW_PID"
sleep 0.5
adm_unlock_reports
wait "${ADM_PIDS[@]}"
rc=0
wait "$NW_PID" || rc=$?
NW_PID=
assert_eq "needlewatchd stopped with a request waiting exits 0" 0 "$rc"
assert_eq "the admitted and the waiting batch are both answered before the exit" "200 200" \
	"$(cat "$WORK/adm-E.status") $(cat "$WORK/adm-F.status")"
assert_eq "and both are stored" 10 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $ADM_ID AND client_ref ~ '^ADM-[EF]-'")"
