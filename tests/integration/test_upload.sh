# needlewatch-upload against a real needlewatchd and PostgreSQL: a spool of
# every format reaches PostgreSQL exactly once, also when the daemon starts
# late, when PostgreSQL restarts mid-run and when the uploader is SIGKILLed;
# refused files land in failed/ with their reason. Bounded: every uploader
# run has a timeout, every wait a deadline. Leaves needlewatchd and
# PostgreSQL running, as it found them.

UP_DIR="$WORK/upload"
UP_MAKE="$ROOT/tests/fixtures/upload/make-spool.sh"
mkdir -p "$UP_DIR"
# --settle 0: the files below are complete when the uploader starts; the
# tests of files still being written (k, l, m) set their own.
UPLOAD=("$BIN/needlewatch-upload" --url "$NW_URL" --ca-file "$WORK/tls/server.crt"
	--connect-timeout 2 --timeout 20 --max-delay 1 --parallel 8 --log-level debug --settle 0)

# up_reporter NAME: a new salon premises; sets UP_ID, writes $UP_DIR/NAME.token.
up_reporter() {
	local tok
	read -r UP_ID tok <<<"$(new_reporter salon LS6)"
	printf '%s\n' "$tok" >"$UP_DIR/$1.token"
}
# up_run NAME ARGS...: the uploader with NAME's token, log in $UP_DIR/NAME.log; sets RC.
up_run() {
	local name=$1
	shift
	RC=0
	timeout 90 "${UPLOAD[@]}" --token-file "$UP_DIR/$name.token" "$@" 2>>"$UP_DIR/$name.log" || RC=$?
}
# Files (not dot files) in a spool box.
up_count() { find "$1/$2" -mindepth 1 -maxdepth 1 ! -name '.*' 2>/dev/null | wc -l; }
up_boxes() { echo "$(up_count "$1" new)|$(up_count "$1" cur)|$(up_count "$1" sent)|$(up_count "$1" failed)"; }
# "rows|distinct keys" stored for a premises.
up_rows() {
	sql "SELECT count(*) || '|' || count(DISTINCT (client_ref, version)) FROM needlewatch.reports WHERE premises_id = $1"
}
# up_wait_sent SPOOL N: waits (at most 60 s) until sent/ holds N files.
up_wait_sent() {
	for _ in $(seq 1 1200); do
		[ "$(up_count "$1" sent)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
up_summary() { grep -o 'event=upload_summary.*' "$UP_DIR/$1.log" | tail -1; }

# --- (a) 2,000 reports in every format reach PostgreSQL exactly once
up_reporter a
A_ID=$UP_ID
SA="$UP_DIR/a"
NA=$("$UP_MAKE" "$SA/new" UA mixed 2000)
# Ten files whose report is also in another file: the second to arrive is a duplicate.
for i in 1 2 3 4 5 6 7 8 9; do cp "$SA/new/UA-0003-a0$i.json" "$SA/new/UA-copy-$i.json"; done
cp "$SA/new/UA-0004-b00.json" "$SA/new/UA-copy-batch.json"
T0=$(date +%s%N)
up_run a --spool "$SA" --once
T1=$(date +%s%N)
echo "# 1,310 files, 2,000 reports sent in $(((T1 - T0) / 1000000)) ms"
assert_eq "(a) --once exits 0 when every file is delivered" 0 "$RC"
assert_eq "(a) all 2,000 reports are stored, each once" "$NA|$NA" "$(up_rows "$A_ID")"
assert_eq "(a) each format arrives" "csv=200 fhir=400 json=1400" \
	"$(sql "SELECT string_agg(format || '=' || n, ' ' ORDER BY format) FROM (SELECT format, count(*) n FROM needlewatch.reports WHERE premises_id = $A_ID GROUP BY format) f")"
assert_eq "(a) every file moved to sent/ (new|cur|sent|failed)" "0|0|1310|0" "$(up_boxes "$SA")"
assert_eq "(a) the summary counts files sent and duplicates" \
	"event=upload_summary sent=1300 duplicate=10 rejected=0 pending=0" "$(up_summary a)"
assert_eq "(a) one log line per file" 1310 "$(grep -cE 'event=file_(sent|duplicate) ' "$UP_DIR/a.log")"
assert_match "(a) a batch file's line counts its items" \
	'event=file_sent file="UA-0000-b00.json" status=200 items=10 accepted=10 duplicate=0' "$(cat "$UP_DIR/a.log")"
assert_eq "(a) it took less than 30 s" 1 "$(((T1 - T0) < 30000000000))"
# Sending everything again is safe: the idempotency key makes each a duplicate.
mv "$SA"/sent/* "$SA/new/"
up_run a --spool "$SA" --once
assert_eq "(a) a second sending exits 0" 0 "$RC"
assert_eq "(a) a second sending stores nothing" "$NA|$NA" "$(up_rows "$A_ID")"
assert_eq "(a) ... and every file is a duplicate" \
	"event=upload_summary sent=0 duplicate=1310 rejected=0 pending=0" "$(up_summary a)"

# --- (b) needlewatchd down at the start, started 5 s later
up_reporter b
B_ID=$UP_ID
SB="$UP_DIR/b"
NB=$("$UP_MAKE" "$SB/new" UB mixed 500)
nw_stop_daemon
timeout 90 "${UPLOAD[@]}" --token-file "$UP_DIR/b.token" --spool "$SB" --once --retry-for 60 \
	2>"$UP_DIR/b.log" &
UP_PID=$!
sleep 5
assert_eq "(b) nothing is sent while the daemon is down" 0 "$(up_count "$SB" sent)"
nw_start_daemon
RC=0
wait "$UP_PID" || RC=$?
assert_eq "(b) the uploader waits for the daemon and exits 0" 0 "$RC"
assert_match "(b) it logged its retries with the reason" \
	'event=file_retrying file="[^"]+" reason="[^"]*(onnect|refused)[^"]*" failures=[0-9]+ delay_ms=' \
	"$(cat "$UP_DIR/b.log")"
assert_eq "(b) all 500 reports are stored, each once" "$NB|$NB" "$(up_rows "$B_ID")"
assert_eq "(b) every file moved to sent/" "0|0|325|0" "$(up_boxes "$SB")"

# --- (c) PostgreSQL stopped and restarted mid-run
up_reporter c
C_ID=$UP_ID
SC="$UP_DIR/c"
NC=$("$UP_MAKE" "$SC/new" UC single 2000)
timeout 90 "${UPLOAD[@]}" --token-file "$UP_DIR/c.token" --spool "$SC" --once --retry-for 60 \
	--parallel 2 2>"$UP_DIR/c.log" &
UP_PID=$!
up_wait_sent "$SC" 300
"$ROOT/scripts/pg-dev.sh" stop
SENT_AT_STOP=$(up_count "$SC" sent)
sleep 2
"$ROOT/scripts/pg-dev.sh" start 2>/dev/null
RC=0
wait "$UP_PID" || RC=$?
assert_eq "(c) the uploader rides out the restart and exits 0" 0 "$RC"
assert_eq "(c) PostgreSQL stopped in the middle of the run" 1 \
	"$((SENT_AT_STOP >= 300 && SENT_AT_STOP < NC))"
assert_match "(c) the daemon's 503 was retried" 'event=file_retrying file="[^"]+" reason="HTTP 503' \
	"$(cat "$UP_DIR/c.log")"
assert_eq "(c) rows = distinct reports: nothing lost, nothing twice" "$NC|$NC" "$(up_rows "$C_ID")"
assert_eq "(c) every file moved to sent/" "0|0|2000|0" "$(up_boxes "$SC")"

# --- (d) refused files land in failed/ with their reason
up_reporter d
D_ID=$UP_ID
SD="$UP_DIR/d"
mkdir -p "$SD/new"
report_json UD-GOOD >"$SD/new/good.json"
printf '{"client_ref": ' >"$SD/new/malformed.json"
R=$(report_json UD-FUTURE)
printf '%s' "${R/2026-11-02/2099-01-01}" >"$SD/new/future.json"
echo "not a report" >"$SD/new/notes.txt"
R2=$(report_json UD-P2)
printf '[%s,\n%s,\n%s]' "$(report_json UD-P1)" "${R2/\"IV\"/9}" "$(report_json UD-P3)" >"$SD/new/partial.json"
up_run d --spool "$SD" --once
assert_eq "(d) --once exits 65 when a file is refused" 65 "$RC"
assert_eq "(d) the good file is sent, four refused ones failed with answers" "0|0|1|8" "$(up_boxes "$SD")"
assert_eq "(d) malformed JSON keeps the server's 400 problem" "400|malformed-body" \
	"$(sql "SELECT (d->>'status') || '|' || split_part(d->>'type', ':', 4) FROM (SELECT '$(cat "$SD/failed/malformed.json.problem.json")'::jsonb d) x")"
assert_match "(d) an invalid value keeps the 422 with its field" '"field":"procedure.date"' \
	"$(cat "$SD/failed/future.json.problem.json")"
assert_match "(d) an unknown file type is refused locally, with the reason" \
	'"detail":"unknown file type: the name must end in .json, .ndjson or .csv"' \
	"$(cat "$SD/failed/notes.txt.problem.json")"
assert_match "(d) a partly rejected batch keeps the per-item answer" \
	'"results":\[.*"status":"rejected".*"field":"patient.fitzpatrick"' "$(cat "$SD/failed/partial.json.problem.json")"
assert_match "(d) the log says why, per file" \
	'event=file_rejected file="future.json" status=422 reason="HTTP 422 invalid report: [^"]*procedure.date' \
	"$(cat "$UP_DIR/d.log")"
assert_match "(d) the batch's reason names the item" \
	'event=file_rejected file="partial.json" status=200 reason="1 of 3 items rejected; item 1 rejected' \
	"$(cat "$UP_DIR/d.log")"
assert_eq "(d) the valid items of the partly rejected batch are stored" "UD-GOOD UD-P1 UD-P3" \
	"$(sql "SELECT string_agg(client_ref, ' ' ORDER BY client_ref) FROM needlewatch.reports WHERE premises_id = $D_ID")"
assert_eq "(d) the summary counts the refusals" \
	"event=upload_summary sent=1 duplicate=0 rejected=4 pending=0" "$(up_summary d)"
# The clinic fixes the rejected item and drops the file back: stored items
# come back as duplicates, the fixed one is accepted.
printf '[%s,\n%s,\n%s]' "$(report_json UD-P1)" "$R2" "$(report_json UD-P3)" >"$SD/new/partial.json"
up_run d --spool "$SD" --once
assert_eq "(d) the fixed batch is sent" 0 "$RC"
assert_match "(d) ... with the stored items as duplicates" \
	'event=file_sent file="partial.json" status=200 items=3 accepted=1 duplicate=2' "$(cat "$UP_DIR/d.log")"
assert_eq "(d) ... storing only the fixed item" 4 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $D_ID")"
assert_eq "(d) the resent file does not overwrite the failed one" 1 \
	"$(find "$SD/sent" -name 'partial*.json' | wc -l)"

# --- (e) SIGKILL mid-run, then a restart: nothing lost, nothing twice
up_reporter e
E_ID=$UP_ID
SE="$UP_DIR/e"
NE=$("$UP_MAKE" "$SE/new" UE mixed 2000)
# No timeout(1) wrapper here: the SIGKILL must reach the uploader itself.
# The wait below has its own deadline, and the kill comes after it anyway.
"${UPLOAD[@]}" --token-file "$UP_DIR/e.token" --spool "$SE" --once --parallel 4 \
	2>"$UP_DIR/e.log" &
UP_PID=$!
up_wait_sent "$SE" 200
kill -KILL "$UP_PID"
wait "$UP_PID" 2>/dev/null
AFTER_KILL=$(up_boxes "$SE")
assert_match "(e) the kill left files unsent" '^[0-9]+\|[0-9]+\|[0-9]+\|0$' "$AFTER_KILL"
assert_eq "(e) ... in new/ or cur/" 1 "$(($(up_count "$SE" new) + $(up_count "$SE" cur) > 0))"
up_run e --spool "$SE" --once
assert_eq "(e) the restarted uploader exits 0" 0 "$RC"
assert_eq "(e) rows = distinct reports after the kill" "$NE|$NE" "$(up_rows "$E_ID")"
assert_eq "(e) every file ends in sent/" "0|0|1300|0" "$(up_boxes "$SE")"

# --- a refused token stops the run and keeps every file pending
SF="$UP_DIR/f"
mkdir -p "$SF/new"
report_json UF-1 >"$SF/new/one.json"
report_json UF-2 >"$SF/new/two.json"
echo "nwt_000000000000000000000000000000000000000000000000" >"$UP_DIR/f.token"
up_run f --spool "$SF" --once
assert_eq "a refused token exits 77" 77 "$RC"
assert_eq "a refused token sends nothing to failed/" "0|2|0|0" "$(up_boxes "$SF")"
assert_match "a refused token is logged once, with the server's reason" \
	'event=upload_stopped reason="HTTP 401 ' "$(cat "$UP_DIR/f.log")"
assert_eq "the summary shows the files pending" \
	"event=upload_summary sent=0 duplicate=0 rejected=0 pending=2" "$(up_summary f)"
# The operator writes the right token: the next run delivers them.
cp "$UP_DIR/d.token" "$UP_DIR/f.token"
up_run f --spool "$SF" --once
assert_eq "with the right token the pending files go" "0|0|2|0" "$(up_boxes "$SF")"

# --- TLS: verification is not optional, https only
SG="$UP_DIR/g"
mkdir -p "$SG"
report_json UG-1 >"$SG/g.json"
RC=0
timeout 30 "$BIN/needlewatch-upload" --url "$NW_URL" --token-file "$UP_DIR/d.token" "$SG/g.json" \
	2>"$UP_DIR/g.log" || RC=$?
assert_eq "an unverifiable certificate exits 78" 78 "$RC"
assert_match "... saying so" 'event=upload_stopped reason="TLS verification failed' "$(cat "$UP_DIR/g.log")"
RC=0
"$BIN/needlewatch-upload" --url "http://127.0.0.1:$NW_PORT" --token-file "$UP_DIR/d.token" \
	"$SG/g.json" 2>/dev/null || RC=$?
assert_eq "an http:// URL is a usage error" 64 "$RC"
assert_eq "nothing was sent without TLS" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'UG-1'")"

# --- FILE... mode: files are sent where they are
up_run d "$SG/g.json" "$SD/sent/good.json"
assert_eq "named files are sent, exit 0" 0 "$RC"
assert_eq "named files stay where they are" 1 "$(ls "$SG"/g.json | wc -l)"
assert_match "a named file already stored is a duplicate" \
	'event=upload_summary sent=1 duplicate=1 rejected=0 pending=0' "$(up_summary d)"

# --- activity: by name in a spool, or every named file with --activity
up_reporter j
J_ID=$UP_ID
SJ="$UP_DIR/j"
mkdir -p "$SJ/new"
printf '{"period": "2026-W40", "procedure_type": "microneedling", "procedures": 120}' \
	>"$SJ/new/w40.activity.json"
printf 'period,procedure_type,procedures\n2026-W41,microneedling,90\n2026-W41,RF microneedling,12\n' \
	>"$SJ/new/w41.activity.csv"
report_json UJ-1 >"$SJ/new/case.json"
up_run j --spool "$SJ" --once
assert_eq "a spool with activity and reports exits 0" 0 "$RC"
UP_ACT_SQL="SELECT string_agg(to_char(week, 'IYYY-\"W\"IW') || ' ' || procedure_type || ' ' || procedures, ', ' ORDER BY week, procedure_type) FROM needlewatch.activity WHERE premises_id = $J_ID"
assert_eq "NAME.activity.json and .csv go to /v1/activity" \
	"2026-W40 microneedling 120, 2026-W41 microneedling 90, 2026-W41 rf_microneedling 12" "$(sql "$UP_ACT_SQL")"
assert_eq "... and the report beside them to /v1/reports" UJ-1 \
	"$(sql "SELECT string_agg(client_ref, ' ') FROM needlewatch.reports WHERE premises_id = $J_ID")"
printf '{"period": "2026-W42", "procedure_type": "microneedling", "procedures": 77}' >"$SJ/week42.json"
up_run j --activity "$SJ/week42.json"
assert_eq "--activity sends any file to /v1/activity" 0 "$RC"
assert_match "... where it is stored" '2026-W42 microneedling 77$' "$(sql "$UP_ACT_SQL")"

# --- polling: files delivered through tmp/ -> new/ while it runs; SIGTERM ends it with 0
up_reporter h
SH="$UP_DIR/h"
timeout 90 "${UPLOAD[@]}" --token-file "$UP_DIR/h.token" --spool "$SH" --interval 0.2 \
	2>"$UP_DIR/h.log" &
UP_PID=$!
for _ in $(seq 1 100); do [ -d "$SH/tmp" ] && break; sleep 0.05; done
for i in $(seq 1 20); do
	report_json "UH-$i" >"$SH/tmp/h$i.json"
	mv "$SH/tmp/h$i.json" "$SH/new/h$i.json"
done
up_wait_sent "$SH" 20
assert_eq "a polling uploader sends files as they are dropped in" "0|0|20|0" "$(up_boxes "$SH")"
kill -TERM "$UP_PID"
RC=0
wait "$UP_PID" || RC=$?
assert_eq "SIGTERM stops a polling uploader with exit 0" 0 "$RC"
assert_match "... after logging its summary" 'event=upload_summary sent=20 duplicate=0' "$(cat "$UP_DIR/h.log")"

# --- unattended: a refused token keeps the files and is re-read until it works
SI="$UP_DIR/i"
mkdir -p "$SI/new"
report_json UI-1 >"$SI/new/i1.json"
echo "nwt_000000000000000000000000000000000000000000000000" >"$UP_DIR/i.token"
timeout 90 "${UPLOAD[@]}" --token-file "$UP_DIR/i.token" --spool "$SI" --interval 0.2 \
	2>"$UP_DIR/i.log" &
UP_PID=$!
for _ in $(seq 1 200); do grep -q 'status=401\|HTTP 401' "$UP_DIR/i.log" && break; sleep 0.05; done
assert_match "a polling uploader retries a refused token instead of stopping" \
	'event=file_retrying file="i1.json" reason="HTTP 401 ' "$(cat "$UP_DIR/i.log")"
assert_eq "... keeping the file in cur/" "0|1|0|0" "$(up_boxes "$SI")"
cp "$UP_DIR/h.token" "$UP_DIR/i.token" # the operator rotates the token
up_wait_sent "$SI" 1
assert_eq "the rotated token is picked up without a restart" "0|0|1|0" "$(up_boxes "$SI")"
kill -TERM "$UP_PID"
wait "$UP_PID"

# --- (k) issue 12 item 5: an unreadable file is refused on its own; the
# uploader keeps running and sends the rest. Root reads a mode-000 file, so
# the uploader runs as "nobody" (setpriv), for whom it really is unreadable.
up_reporter k
SK="$UP_DIR/k"
mkdir -p "$SK"
AS_USER=()
if [ "$(id -u)" = 0 ]; then
	AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	cp "$WORK/tls/server.crt" "$UP_DIR/k.crt"
	chown -R 65534:65534 "$SK" "$UP_DIR/k.token" "$UP_DIR/k.crt"
else
	cp "$WORK/tls/server.crt" "$UP_DIR/k.crt"
fi
"${AS_USER[@]}" mkdir -p "$SK/new"
"${AS_USER[@]}" sh -c "cat >'$SK/new/a-good.json'" <<<"$(report_json UK-1)"
"${AS_USER[@]}" sh -c "cat >'$SK/new/b-locked.json'" <<<"$(report_json UK-2)"
"${AS_USER[@]}" chmod 000 "$SK/new/b-locked.json"
assert_eq "(k) the locked file is unreadable for the uploader's user" 1 \
	"$("${AS_USER[@]}" sh -c "test -r '$SK/new/b-locked.json' && echo 0 || echo 1")"
timeout 90 "${AS_USER[@]}" "${UPLOAD[@]}" --ca-file "$UP_DIR/k.crt" --token-file "$UP_DIR/k.token" \
	--spool "$SK" --interval 0.2 2>"$UP_DIR/k.log" &
UP_PID=$!
up_wait_sent "$SK" 1
for _ in $(seq 1 200); do [ -e "$SK/failed/b-locked.json.problem.json" ] && break; sleep 0.05; done
assert_eq "(k) the uploader is still running after the unreadable file" 0 "$(kill -0 "$UP_PID" 2>/dev/null; echo $?)"
assert_eq "(k) the good file is sent, the unreadable one failed with its answer" "0|0|1|2" "$(up_boxes "$SK")"
assert_match "(k) its answer says why" '"detail":"cannot read the file: permission denied"' \
	"$(cat "$SK/failed/b-locked.json.problem.json" 2>/dev/null)"
assert_match "(k) the log names the file and the reason" \
	'event=file_rejected file="b-locked.json" status=0 reason="cannot read the file: permission denied"' \
	"$(cat "$UP_DIR/k.log")"
"${AS_USER[@]}" sh -c "cat >'$SK/new/c-later.json'" <<<"$(report_json UK-3)"
up_wait_sent "$SK" 2
assert_eq "(k) a file dropped in afterwards is still sent" "0|0|2|2" "$(up_boxes "$SK")"
kill -TERM "$UP_PID"
RC=0
wait "$UP_PID" || RC=$?
assert_eq "(k) SIGTERM ends it with 0 (no crash loop under Restart=on-failure)" 0 "$RC"
assert_eq "(k) the readable reports are stored" "UK-1 UK-3" \
	"$(sql "SELECT string_agg(client_ref, ' ' ORDER BY client_ref) FROM needlewatch.reports WHERE premises_id = $UP_ID")"

# --- (l) issue 12 item 6: a CSV still being written into new/ is not sent
# half: 12 of 50 rows are written, the uploader starts, the other 38 follow a
# second later. The file waits until it has been left alone for --settle.
up_reporter l
L_ID=$UP_ID
SL="$UP_DIR/l"
mkdir -p "$SL/new"
up_csv_rows() {
	local i
	for i in $(seq "$1" "$2"); do
		echo "UL-$i,1,practitioner,2026-11-02,microneedling,beauty salon,aesthetician,IV,upl-UL-$i,LS6,cold sores,3,moderate,resolved"
	done
}
# The producer keeps the file open, as a real one does: its later rows
# follow the file into cur/ when the uploader claims it.
exec {UP_FD}>"$SL/new/clinic.csv"
{
	echo "client_ref,version,reporter_role,procedure_date,procedure_type,setting,practitioner_role,fitzpatrick,patient_ref,postcode_district,complication,onset_days,severity,outcome"
	up_csv_rows 1 12
} >&"$UP_FD"
timeout 90 "${UPLOAD[@]}" --token-file "$UP_DIR/l.token" --spool "$SL" --once --settle 2 \
	--retry-for 30 2>"$UP_DIR/l.log" &
UP_PID=$!
sleep 1
up_csv_rows 13 50 >&"$UP_FD"
exec {UP_FD}>&-
RC=0
wait "$UP_PID" || RC=$?
assert_eq "(l) --once waits for the file to settle and exits 0" 0 "$RC"
assert_eq "(l) all 50 rows are stored, not the first 12" "50|50" "$(up_rows "$L_ID")"
assert_eq "(l) sent/ holds the whole file" 51 "$(wc -l <"$SL/sent/clinic.csv" 2>/dev/null)"
assert_match "(l) the young file was deferred, with the reason" \
	'event=file_deferred file="clinic.csv" reason="modified less than 2000 ms ago' "$(cat "$UP_DIR/l.log")"
assert_eq "(l) it was sent once, whole" 1 \
	"$(grep -c 'event=file_sent file="clinic.csv" status=200 items=50 accepted=50' "$UP_DIR/l.log")"

# --- (m) a file found in cur/ at a restart is checked the same way: one a
# producer is still writing (claimed by an uploader that then died) waits.
up_reporter m
M_ID=$UP_ID
SM="$UP_DIR/m"
mkdir -p "$SM/cur"
R=$(report_json UM-1)
printf '%s' "${R:0:100}" >"$SM/cur/m.json"
timeout 90 "${UPLOAD[@]}" --token-file "$UP_DIR/m.token" --spool "$SM" --once --settle 2 \
	--retry-for 30 2>"$UP_DIR/m.log" &
UP_PID=$!
sleep 0.5
printf '%s' "${R:100}" >>"$SM/cur/m.json"
RC=0
wait "$UP_PID" || RC=$?
assert_eq "(m) the file resumed from cur/ is sent once complete, exit 0" 0 "$RC"
assert_eq "(m) ... not refused half-written" "0|0|1|0" "$(up_boxes "$SM")"
assert_eq "(m) ... and stored" "1|1" "$(up_rows "$M_ID")"
# An old file in cur/ (an uploader killed mid-send) goes at once.
report_json UM-2 >"$SM/cur/old.json"
touch -d '1 minute ago' "$SM/cur/old.json"
T0=$(date +%s%N)
up_run m --spool "$SM" --once --settle 30
T1=$(date +%s%N)
assert_eq "(m) a settled file in cur/ is sent without waiting" "0|$(((T1 - T0) < 10000000000))" "$RC|1"

# --- issue 12 item 9: a file name with U+202E (right-to-left override) is
# logged neutralised, so it cannot disguise itself on the operator's terminal
SN="$UP_DIR/n"
mkdir -p "$SN/new"
report_json UN-1 >"$SN/new/x"$'\u202e'"nosj.json"
up_run d --spool "$SN" --once
assert_eq "(n) the file with a bidi control in its name is sent" "0|$RC" "0|0"
assert_match "(n) its name is logged with the control as \\u202e" 'event=file_sent file="x\\u202enosj.json"' \
	"$(cat "$UP_DIR/d.log")"
assert_eq "(n) no raw U+202E reaches the uploader's output" 0 "$(grep -c $'\u202e' "$UP_DIR/d.log")"

# --- secrets: no token and no patient ref in any uploader log
UP_SECRETS=$(cat "$UP_DIR"/*.token)
assert_eq "no token appears in the uploader's logs" 0 \
	"$(grep -cF -f <(printf '%s\n' "$UP_SECRETS") "$UP_DIR"/*.log | awk -F: '{s += $2} END {print s}')"
assert_eq "no patient ref appears in the uploader's logs" 0 \
	"$(cat "$UP_DIR"/*.log | grep -cE 'upl-U|opaque-local-id')"

# Under SANITIZE=1 the uploader's reports (leaks included) land in its logs.
assert_eq "no sanitizer report in the uploader's logs" "" \
	"$(grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$UP_DIR"/*.log)"

# The harness expects both servers up for the tests after this one.
http GET /readyz
assert_eq "needlewatchd and PostgreSQL are left running" 200 "$STATUS"
