# The load and the failures, sourced by tests/ha/run.sh: the uploader's
# spool and the curl client's reports, a write probe and a read probe every
# quarter second, then the primary's host killed, the standby promoted, one
# daemon killed; waits (bounded) for the senders to finish.

# report REF: a valid report with this client_ref.
report() {
	cat <<JSON
{"client_ref": "$1", "version": 1,
 "procedure": {"date": "2026-11-02", "type": "microneedling", "setting": "beauty salon",
   "practitioner_role": "aesthetician", "device": "pen", "needle_depth": "1.5 mm",
   "areas": ["cheeks"], "products": [], "sterile_single_use_cartridge": true,
   "antiviral_prophylaxis": false},
 "patient": {"age_band": "25-34", "sex": "female", "fitzpatrick": "III", "history": [],
   "ref": "ha-$1", "postcode_district": "LS6"},
 "complications": [{"type": "erythema", "onset_days": 1, "duration_days": 3,
   "severity": "mild", "serious": false, "outcome": "resolved", "treatment": []}],
 "reporter_role": "practitioner"}
JSON
}

HALF=$((REPORTS / 2))
SPOOL="$WORK/spool"
mkdir -p "$SPOOL/tmp" "$SPOOL/new" "$WORK/curl"
TEMPLATE=$(report REF-X)
for ((i = 1; i <= HALF; i++)); do
	printf '%s' "${TEMPLATE//REF-X/UP-$i}" >"$SPOOL/tmp/UP-$i.json"
done
mv "$SPOOL"/tmp/*.json "$SPOOL/new/"

# The plain client: two curl processes, keep-alive, each posting its half
# of the other half at a fixed rate; one line per report: "STATUS REF EXIT".
CURL_PER=$(((REPORTS - HALF) / 2))
for c in 1 2; do
	: >"$WORK/curl/$c.conf"
	for ((i = 1; i <= CURL_PER; i++)); do
		ref="CU$c-$i"
		printf '%s' "${TEMPLATE//REF-X/$ref}" >"$WORK/curl/$ref.json"
		[ "$i" = 1 ] || echo next >>"$WORK/curl/$c.conf"
		cat >>"$WORK/curl/$c.conf" <<CONF
url = "$URL/v1/reports"
cacert = "$WORK/tls/server.crt"
header = "Authorization: Bearer $TOK_CURL"
header = "Content-Type: application/json"
data-binary = "@$WORK/curl/$ref.json"
output = "/dev/null"
write-out = "%{http_code} $ref %{exitcode}\\n"
connect-timeout = 2
max-time = 10
CONF
	done
done

# probe write|read: every 0.25 s one request through HAProxy, "MS STATUS".
probe() {
	local k=0 code
	printf '%s' "${TEMPLATE//REF-X/PROBE-REF}" >"$WORK/probe.tmpl"
	while [ ! -f "$WORK/stop-probes" ]; do
		k=$((k + 1))
		if [ "$1" = write ]; then
			sed "s/PROBE-REF/PR-$k/" "$WORK/probe.tmpl" >"$WORK/probe.json"
			code=$("${CURL[@]}" --max-time 3 -o /dev/null -w '%{http_code}' \
				-H "Authorization: Bearer $TOK_PROBE" -H 'Content-Type: application/json' \
				--data-binary "@$WORK/probe.json" "$URL/v1/reports")
			echo "$(now_ms) $code PR-$k"
		else
			code=$("${CURL[@]}" --max-time 3 -o /dev/null -w '%{http_code}' \
				-H "Authorization: Bearer $TOK_REG" "$URL/v1/summaries?from=2026-W40&to=2026-W46")
			echo "$(now_ms) $code"
		fi
		sleep 0.25
	done
}

T_LOAD=$(now_ms)
probe write >"$WORK/probe-write" 2>/dev/null &
PIDS+=($!)
PROBE_PIDS=($!)
probe read >"$WORK/probe-read" 2>/dev/null &
PIDS+=($!)
PROBE_PIDS+=($!)
timeout 150 "$BIN/needlewatch-upload" --url "$URL" --token-file "$WORK/upload.token" \
	--ca-file "$WORK/tls/server.crt" --spool "$SPOOL" --once --parallel 4 --max-delay 3 \
	--retry-for 90 --connect-timeout 3 --timeout 15 >"$WORK/logs/upload.log" 2>&1 &
UPLOADER=$!
PIDS+=($!)
CURL_PIDS=()
for c in 1 2; do
	timeout 150 curl -s --rate 60/s -K "$WORK/curl/$c.conf" >"$WORK/curl/$c.codes" 2>/dev/null &
	CURL_PIDS+=($!)
	PIDS+=($!)
done

# Mid-stream, the primary's host dies: keeper and postmaster at once.
sleep 4
T_KILL=$(now_ms)
kill -9 -- "-$(cat "$PG/node1.pgid")"
wait_for 60 "the monitor promotes the standby" writable "$PG2_PORT"
T_PROMOTED=$(now_ms)
wait_for 30 "the new primary takes writes (wait_primary)" is_state node2 wait_primary
# Later, one of the two daemons dies too.
sleep 2
T_NWKILL=$(now_ms)
kill -9 "${NW_PIDS[1]}"
wait "${NW_PIDS[1]}" 2>/dev/null
for p in "${CURL_PIDS[@]}"; do wait "$p"; done
wait "$UPLOADER"
UPLOADER_EXIT=$?
T_SENT=$(now_ms)
touch "$WORK/stop-probes"
for p in "${PROBE_PIDS[@]}"; do wait "$p"; done
echo "# load: sent in $(((T_SENT - T_LOAD) / 1000)) s; primary killed at +$(((T_KILL - T_LOAD) / 1000)) s," \
	"promoted $(((T_PROMOTED - T_KILL) / 1000)) s later; daemon 1 killed at +$(((T_NWKILL - T_LOAD) / 1000)) s;" \
	"uploader exit $UPLOADER_EXIT"
