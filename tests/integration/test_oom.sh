# Out of memory, end to end (issue 13, item 6): a needlewatchd of its own,
# with the allocator shim tests/integration/failmalloc.c preloaded, is made
# to fail every allocation of OOM_N bytes or more while a trigger file exists.
# Each request that meets it must be answered 503 out-of-memory with
# Retry-After (never a dropped connection), counted in
# needlewatch_out_of_memory_total, logged as event=oom without secrets, and
# store nothing; with the trigger gone the same requests succeed, and the
# daemon exits 0 on SIGTERM. It is the file's own daemon (nw_own_daemon);
# the shared one is not touched.

# OOM_N sits above the arena's largest ordinary block (1 MiB, core/arena.c),
# so only what grows with a batch as a whole meets it: the buffer of a body
# of OOM_N bytes or more (a), and the item array of a batch of many short
# reports whose body stays well under OOM_N (b: 2,000 items of 672 bytes).
OOM_N=1200000
OOM_A_N=2500 # full reports, ~750 bytes a line: a body of ~1.9 MB
OOM_B_N=2000 # short reports, ~150 bytes a line: a body of ~0.3 MB

if [[ "$BUILD" == *asan* || "$BUILD" == *tsan* ]]; then
	skip "out of memory answered 503, counted, logged, nothing stored" \
		"an LD_PRELOAD malloc shim cannot replace a sanitizer's allocator ($BUILD)"
	return 0
fi

make -s -C "$ROOT" "$BUILD/tests/failmalloc.so" >/dev/null
assert_eq "the allocator shim builds" 0 "$?"
OOM_TRIGGER="$WORK/oom.trigger"
rm -f "$OOM_TRIGGER"
# Its own daemon, with the shim: bodies up to 8 MiB and 5,000 reports, no
# background refresh to allocate beside the requests.
NW_DAEMON_WRAP=(env "FAILMALLOC_TRIGGER=$OOM_TRIGGER" "LD_PRELOAD=$ROOT/$BUILD/tests/failmalloc.so")
NW_MAX_BODY=8MiB nw_own_daemon "max_batch_reports = 5000
summary_refresh_interval_s = 0" || return 0
OOM_LOG=$NW_LOG

# oom_post BODY-FILE: POSTs an NDJSON or JSON body; sets STATUS, BODY, HEADERS.
oom_post() {
	local ct=application/x-ndjson
	[[ "$1" == *.json ]] && ct=application/json
	http POST /v1/reports "$OOM_TOKEN" "$ct" "$1"
}

# oom_metric: needlewatch_out_of_memory_total of the shimmed daemon.
oom_metric() {
	curl -s --max-time 10 --cacert "$WORK/tls/server.crt" "$NW_URL/metrics" |
		awk '$1 == "needlewatch_out_of_memory_total" { print $2 }'
}

# oom_stored PREFIX: reports of our premises whose client_ref starts with PREFIX.
oom_stored() {
	sql "SELECT count(*) FROM needlewatch.reports
	     WHERE premises_id = $OOM_PREMISES AND client_ref LIKE '$1%'"
}

# oom_outcome: "STATUS accepted=N rejected=N" of the last batch answer (read
# from the file: a 2,500-item answer is too long for json_field's argument).
oom_outcome() {
	echo "$STATUS $(grep -oE '"(accepted|rejected)":[0-9]+' "$WORK/body" | tr -d '"' |
		tr ':\n' '= ' | sed 's/ $//')"
}

# oom_is_oom_answer WHAT: the answer is the fixed out-of-memory problem.
oom_is_oom_answer() {
	assert_eq "$1: 503" 503 "$STATUS"
	assert_eq "$1: problem type out-of-memory" "urn:needlewatch:problem:out-of-memory" \
		"$(json_field type)"
	assert_match "$1: Retry-After" $'\n[Rr]etry-[Aa]fter: [0-9]+\r' "$HEADERS"
}

read -r OOM_PREMISES OOM_TOKEN <<<"$(new_reporter salon LS6)"

# The bodies: (a) full reports, one a line; (b) the shortest valid report,
# one a line, and the same items as a JSON array.
report_json OOM-REF | tr -d '\n' >"$WORK/oom-template"
awk -v n="$OOM_A_N" '{ for (i = 1; i <= n; i++) { s = $0; gsub(/OOM-REF/, "OOM-A-" i, s); print s } }' \
	"$WORK/oom-template" >"$WORK/oom-a.ndjson"
oom_short='{"client_ref":"REF","reporter_role":"practitioner","procedure":{"date":"2026-11-02"},"complications":[{"type":"cold sores"}]}'
awk -v n="$OOM_B_N" -v t="$oom_short" 'BEGIN { for (i = 1; i <= n; i++) { s = t; sub(/REF/, "OOM-B-" i, s); print s } }' \
	>"$WORK/oom-b.ndjson"
awk -v n="$OOM_B_N" -v t="$oom_short" 'BEGIN { printf "["; for (i = 1; i <= n; i++) { s = t; sub(/REF/, "OOM-C-" i, s); printf "%s%s", (i > 1 ? "," : ""), s } print "]" }' \
	>"$WORK/oom-c.json"
assert_eq "body (a) is at least OOM_N bytes, bodies (b) and (c) well under" "yes yes yes" \
	"$([ "$(stat -c %s "$WORK/oom-a.ndjson")" -ge $OOM_N ] && echo yes) $(
		[ "$(stat -c %s "$WORK/oom-b.ndjson")" -lt $((OOM_N / 2)) ] && echo yes) $(
		[ "$(stat -c %s "$WORK/oom-c.json")" -lt $((OOM_N / 2)) ] && echo yes)"

OOM_BEFORE=$(oom_metric)
assert_eq "the shimmed daemon counts no out-of-memory answer yet" 0 "$OOM_BEFORE"

# --- the trigger on: every allocation of OOM_N bytes or more fails -----------
echo "$OOM_N" >"$OOM_TRIGGER"
oom_post "$WORK/oom-a.ndjson"
oom_is_oom_answer "(a) a body too large to buffer"
assert_eq "(a) none of its reports stored" 0 "$(oom_stored OOM-A-)"
oom_post "$WORK/oom-b.ndjson"
oom_is_oom_answer "(b) an NDJSON batch whose item array cannot be allocated"
assert_eq "(b) none of its reports stored" 0 "$(oom_stored OOM-B-)"
oom_post "$WORK/oom-c.json"
oom_is_oom_answer "(b) a JSON array batch whose item array cannot be allocated"
assert_eq "(b) none of the array's reports stored" 0 "$(oom_stored OOM-C-)"
OOM_REFUSED=$(grep -c '^failmalloc: refused' "$OOM_LOG")
assert_match "the shim refused the allocations (and nothing else got through to 503)" '^[1-9][0-9]*$' \
	"$OOM_REFUSED"
rm -f "$OOM_TRIGGER"

# --- counted and logged -------------------------------------------------------
assert_eq "(c) needlewatch_out_of_memory_total went up by the three 503s" $((OOM_BEFORE + 3)) \
	"$(oom_metric)"
assert_eq "(c) one event=oom line per 503, at the body and in ingest" "1 2" \
	"$(grep -c 'event=oom .*where=body' "$OOM_LOG") $(grep -c 'event=oom .*where=ingest' "$OOM_LOG")"
if grep -E 'event=oom' "$OOM_LOG" | grep -qE 'nwt_|opaque-local-id|OOM-[ABC]-' ||
	grep -qF "$OOM_TOKEN" "$OOM_LOG"; then
	fail "(c) an event=oom line names a token, a patient ref or a client_ref"
else
	pass "(c) the event=oom lines name no token, patient ref or client_ref"
fi

# --- the trigger off: the same requests succeed, the daemon kept going -------
oom_post "$WORK/oom-a.ndjson"
assert_eq "(d) the large body, sent again: 200, every report accepted" \
	"200 accepted=$OOM_A_N rejected=0" "$(oom_outcome)"
assert_eq "(d) and stored" "$OOM_A_N" "$(oom_stored OOM-A-)"
oom_post "$WORK/oom-b.ndjson"
assert_eq "(d) the NDJSON batch, sent again: 200, every report accepted" \
	"200 accepted=$OOM_B_N rejected=0" "$(oom_outcome)"
assert_eq "(d) and stored" "$OOM_B_N" "$(oom_stored OOM-B-)"
oom_post "$WORK/oom-c.json"
assert_eq "(d) the JSON array, sent again: 200, every report accepted" \
	"200 accepted=$OOM_B_N rejected=0" "$(oom_outcome)"
assert_eq "(d) and stored" "$OOM_B_N" "$(oom_stored OOM-C-)"
assert_eq "(d) with the trigger off the shim refuses nothing more" "$OOM_REFUSED" \
	"$(grep -c '^failmalloc: refused' "$OOM_LOG")"
assert_eq "(d) successes are not counted as out of memory" $((OOM_BEFORE + 3)) "$(oom_metric)"

# --- an answer that cannot be built, after the reports were committed --------
# 100 reports with 300 members the format does not define each: a body of
# ~0.4 MB, items and rows well under OOM_N, but 30,000 warnings in the batch
# answer (~2 MB of JSON), which cannot be printed while the trigger is on.
# It used to drop the connection (respond_json's bare MHD_NO): now it is the
# 503, and a retry is answered as duplicates.
awk -v n=100 -v t="$oom_short" 'BEGIN { for (i = 1; i <= n; i++) { s = t; sub(/REF/, "OOM-D-" i, s);
	x = ""; for (k = 1; k <= 300; k++) x = x sprintf(",\"zz%d\":0", k); sub(/}$/, x "}", s); print s } }' \
	>"$WORK/oom-d.ndjson"
echo "$OOM_N" >"$OOM_TRIGGER"
oom_post "$WORK/oom-d.ndjson"
rm -f "$OOM_TRIGGER"
oom_is_oom_answer "(f) a batch answer too large to build"
assert_eq "(f) its reports were committed before the answer" 100 "$(oom_stored OOM-D-)"
oom_post "$WORK/oom-d.ndjson"
assert_match "(f) sent again with the trigger off: 200, every report a duplicate" \
	'^200 .*"duplicate":100' "$STATUS $(grep -oE '"duplicate":[0-9]+' "$WORK/body")"
assert_eq "(f) counted and logged too" "$((OOM_BEFORE + 4)) 1" \
	"$(oom_metric) $(grep -c 'event=oom .*where=ingest_answer' "$OOM_LOG")"

# --- shutdown: run.sh stops the file's own daemon, expects exit 0 and reads
# its log for tokens and patient refs, as for the shared one.

# Other files re-derive every stored report: leave none of these 6,600.
sql "DELETE FROM needlewatch.report_complications WHERE premises_id = $OOM_PREMISES;
     DELETE FROM needlewatch.reports WHERE premises_id = $OOM_PREMISES" >/dev/null
assert_eq "its reports are removed again" 0 "$(oom_stored OOM-)"
rm -f "$WORK"/oom-*
