# The memory budget holds against bodies of many small values: the strict
# pre-pass counts a body's reports and values and refuses it (413) before
# cJSON builds a node of it, and before it asks admission for room.
#
# Eight 4 MiB bodies of "[0,0,...]" (two million values each, about 160 MB
# of cJSON tree apiece when they were parsed whole) are posted at once by one
# token to a fresh daemon; its peak RSS (VmHWM) must stay under MEM_BOUND_KIB.
# The bound, 48 MiB: a fresh daemon is about 12 MiB, and the eight bodies are
# each buffered whole before the pre-pass reads them (32 MiB if all are in
# at once); the rest is slack for TLS and MHD's per-connection pools. It is
# under README's 64 MiB for the daemon. (Before the pre-pass counted, the
# peak was about 370 MiB.) Each of the eight must be answered 413
# batch-too-large.

MEM_BOUND_KIB=$((48 * 1024))
MEM_BODY=$((4 * 1024 * 1024))

# Its own needlewatchd, fresh, taking bodies of MEM_BODY bytes.
NW_MAX_BODY=$MEM_BODY nw_own_daemon
read -r _ MEM_TOKEN <<<"$(new_reporter salon LS6)"

# mem_zeros FILE PREFIX SUFFIX: PREFIX "0,0,...,0" SUFFIX, MEM_BODY bytes at most.
mem_zeros() {
	{
		printf '%s' "$2"
		yes 0, | tr -d '\n' | head -c $((MEM_BODY - 64))
		printf '0%s' "$3"
	} >"$1"
}

mem_post() { # FILE CONTENT-TYPE OUT: status and body of the answer to OUT
	curl -sS --cacert "$WORK/tls/server.crt" --max-time 60 -o "$3.body" -w '%{http_code}' \
		-H "Authorization: Bearer $MEM_TOKEN" -H "Content-Type: $2" \
		--data-binary "@$1" "$NW_URL/v1/reports" >"$3.status" 2>/dev/null || echo 000 >"$3.status"
}

mem_hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$NW_PID/status"; }

mem_zeros "$WORK/mem-zeros.json" '[' ']'
assert_eq "the attack body is a valid JSON array of about 4 MiB" \
	"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))) > 2000000)' "$WORK/mem-zeros.json")" True

MEM_BEFORE=$(mem_hwm_kib)
MEM_PIDS=()
for i in 1 2 3 4 5 6 7 8; do
	mem_post "$WORK/mem-zeros.json" application/json "$WORK/mem-$i" &
	MEM_PIDS+=($!)
done
wait "${MEM_PIDS[@]}"
MEM_AFTER=$(mem_hwm_kib)
MEM_STATUSES=$(for i in 1 2 3 4 5 6 7 8; do printf '%s ' "$(cat "$WORK/mem-$i.status")"; done)
assert_eq "eight 4 MiB arrays of zeros at once: each answered 413" \
	"413 413 413 413 413 413 413 413 " "$MEM_STATUSES"
assert_match "the answer is the batch limit's problem" '"type":"urn:needlewatch:problem:batch-too-large"' \
	"$(cat "$WORK/mem-1.body")"
assert_match "it says how many reports a batch may hold" "at most 1000 reports" \
	"$(cat "$WORK/mem-1.body")"
echo "# VmHWM before ${MEM_BEFORE} KiB, after the eight bodies ${MEM_AFTER} KiB (bound ${MEM_BOUND_KIB} KiB)"
if [[ "$BUILD" == *asan* ]]; then
	# AddressSanitizer's shadow memory and quarantine are not the daemon's.
	pass "peak RSS not asserted under sanitizers (VmHWM ${MEM_AFTER} KiB)"
elif [ "${MEM_AFTER:-999999}" -lt "$MEM_BOUND_KIB" ]; then
	pass "peak RSS ${MEM_AFTER} KiB stays under $((MEM_BOUND_KIB / 1024)) MiB"
else
	fail "peak RSS ${MEM_AFTER} KiB exceeds $((MEM_BOUND_KIB / 1024)) MiB"
fi

# What the daemon holds once they are answered: back near where it started
# (the bodies were freed; nothing was parsed). It kept about 300 MB before.
sleep 0.5
MEM_RSS=$(awk '/^VmRSS:/ {print $2}' "/proc/$NW_PID/status")
if [[ "$BUILD" == *asan* ]]; then
	pass "RSS after the answers not asserted under sanitizers (${MEM_RSS} KiB)"
elif [ "${MEM_RSS:-999999}" -lt $((MEM_BEFORE + 8 * 1024)) ]; then
	pass "RSS after the answers ${MEM_RSS} KiB is within 8 MiB of the start (${MEM_BEFORE} KiB)"
else
	fail "RSS after the answers ${MEM_RSS} KiB, more than 8 MiB over the start (${MEM_BEFORE} KiB)"
fi

# Few reports, too many values: one item holding two million of them.
mem_zeros "$WORK/mem-deep.json" '[{"client_ref": "MEM-1", "a": [' ']}]'
http POST /v1/reports "$MEM_TOKEN" application/json "$WORK/mem-deep.json"
assert_eq "one report of two million values: 413" 413 "$STATUS"
assert_eq "answered as too many values" "urn:needlewatch:problem:too-many-values" "$(json_field type)"
assert_match "the detail gives the limit" "more than 128000 values" "$(json_field detail)"

# The same on the activity route, which takes no batch but parses JSON.
mem_zeros "$WORK/mem-activity.json" '{"weeks": [' ']}'
http POST /v1/activity "$MEM_TOKEN" application/json "$WORK/mem-activity.json"
assert_eq "activity: a body of two million values is 413 too-many-values" \
	"413 urn:needlewatch:problem:too-many-values" "$STATUS $(json_field type)"

# NDJSON and CSV: their reports are counted before any is parsed.
for i in $(seq 1 1001); do echo '{"client_ref": "MEM-N"}'; done >"$WORK/mem-lines.ndjson"
http POST /v1/reports "$MEM_TOKEN" application/x-ndjson "$WORK/mem-lines.ndjson"
assert_eq "NDJSON of 1,001 lines: 413 batch-too-large" "413 urn:needlewatch:problem:batch-too-large" \
	"$STATUS $(json_field type)"
{
	printf 'Client Ref,Complication\n'
	yes 'MEM-C,0' | head -c $((MEM_BODY - 64))
} >"$WORK/mem-cells.csv"
http POST /v1/reports "$MEM_TOKEN" text/csv "$WORK/mem-cells.csv"
assert_eq "CSV of 4 MiB of short cells: 413 too-many-values" "413 urn:needlewatch:problem:too-many-values" \
	"$STATUS $(json_field type)"
{
	printf 'Client Ref,Date of Procedure\n'
	for i in $(seq 1 1001); do echo "MEM-C$i,2/11/2026"; done
} >"$WORK/mem-rows.csv"
http POST /v1/reports "$MEM_TOKEN" text/csv "$WORK/mem-rows.csv"
assert_eq "CSV of 1,001 reports: 413 batch-too-large" "413 urn:needlewatch:problem:batch-too-large" \
	"$STATUS $(json_field type)"

# A real batch still goes through, and is stored.
{
	printf '['
	for i in $(seq 1 200); do
		[ "$i" -gt 1 ] && printf ','
		report_json "MEM-OK-$i" | tr -d '\n'
	done
	printf ']'
} >"$WORK/mem-ok.json"
http POST /v1/reports "$MEM_TOKEN" application/json "$WORK/mem-ok.json"
assert_eq "a 200-report batch is answered 200" 200 "$STATUS"
assert_match "all 200 accepted" '"accepted":200,' "$BODY"
assert_eq "nothing of the refused bodies was stored" 200 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref LIKE 'MEM-%'")"
