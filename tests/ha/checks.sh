# What must hold after the failover, sourced by tests/ha/run.sh: every 2xx
# stored once on the new primary, the uploader's files all accounted for,
# the old primary rejoined and agreeing; then reads with the standby down.

NEW_PRIMARY=$PG2_PORT
OLD_PRIMARY=$PG1_PORT
q() { psql_at "$1" needlewatch "$2"; }

# Acknowledged: a 2xx to the curl client or the write probe, or a file the
# uploader moved to sent/ (it does only on 2xx).
{
	awk '$1 ~ /^20[01]$/ {print $2}' "$WORK"/curl/*.codes
	awk '$2 ~ /^20[01]$/ {print $3}' "$WORK/probe-write"
	find "$SPOOL/sent" -name 'UP-*.json' -printf '%f\n' | sed 's/\.json$//'
} | sort >"$WORK/acked"
q "$NEW_PRIMARY" "SELECT client_ref FROM needlewatch.reports
	WHERE premises_id IN ($P_UP, $P_CURL, $P_PROBE) ORDER BY 1" | sort >"$WORK/stored"
ACKED=$(wc -l <"$WORK/acked")
LOST=$(comm -23 "$WORK/acked" "$WORK/stored" | wc -l)
DUPLICATED=$(q "$NEW_PRIMARY" "SELECT count(*) - count(DISTINCT (premises_id, client_ref))
	FROM needlewatch.reports WHERE premises_id IN ($P_UP, $P_CURL, $P_PROBE)")
assert_eq "every report answered 2xx is on the new primary (missing: $(comm -23 "$WORK/acked" "$WORK/stored" | head -3 | tr '\n' ' '))" 0 "$LOST"
assert_eq "no report is stored twice" 0 "$DUPLICATED"
assert_eq "no 2xx was given twice for one report" "$ACKED" "$(sort -u "$WORK/acked" | wc -l)"
assert_eq "the senders got 2xx for most reports (more than half)" yes \
	"$([ "$ACKED" -gt $((REPORTS / 2)) ] && echo yes || echo no)"

# The uploader: each file delivered, or still in its outbox; none refused.
IN_SENT=$(find "$SPOOL/sent" -name 'UP-*.json' | wc -l)
IN_OUTBOX=$(find "$SPOOL/new" "$SPOOL/cur" -name 'UP-*.json' | wc -l)
assert_eq "every file the uploader held is delivered or still in its outbox" "$HALF" $((IN_SENT + IN_OUTBOX))
assert_eq "the uploader refused none" 0 "$(find "$SPOOL/failed" -name '*.json' 2>/dev/null | grep -vc problem)"
assert_eq "each delivered file is stored" 0 \
	"$(find "$SPOOL/sent" -name 'UP-*.json' -printf '%f\n' | sed 's/\.json$//' | sort | comm -23 - "$WORK/stored" | wc -l)"
assert_eq "the uploader delivered everything within its retries (exit 0)" 0 "$UPLOADER_EXIT"

# Writes refused: from the first failed write probe after the kill to the
# next successful one. Reads: the share of read probes answered 200 in the
# same window.
read -r W_FROM W_TO <<<"$(awk -v k="$T_KILL" '$1 >= k && $2 !~ /^20[01]$/ && !f {f = $1}
	f && $2 ~ /^20[01]$/ && !t {t = $1} END {print (f ? f : 0), (t ? t : 0)}' "$WORK/probe-write")"
if [ "$W_FROM" = 0 ]; then
	REFUSED_S=0 W_FROM=$T_KILL W_TO=$T_KILL
else
	[ "$W_TO" = 0 ] && W_TO=$T_SENT
	REFUSED_S=$(awk -v a="$W_FROM" -v b="$W_TO" 'BEGIN {printf "%.1f", (b - a) / 1000}')
fi
READ_AVAIL=$(awk -v a="$W_FROM" -v b="$W_TO" '$1 >= a && $1 <= b {n++; if ($2 == 200) ok++}
	END {if (n) printf "%d%% of %d", 100 * ok / n, n; else print "n/a (no read in the window)"}' "$WORK/probe-read")
READ_AVAIL_ALL=$(awk '{n++; if ($2 == 200) ok++} END {printf "%d%% of %d", 100 * ok / n, n}' "$WORK/probe-read")
assert_eq "writes are taken again after the failover" yes \
	"$([ "$W_TO" != "$T_SENT" ] && echo yes || echo no)"
# Reads go on while writes are refused: /readyz is read readiness, so
# HAProxy keeps the daemons in, and they authenticate GETs from the standby.
READ_PCT=$(awk -v a="$W_FROM" -v b="$W_TO" '$1 >= a && $1 <= b {n++; if ($2 == 200) ok++}
	END {print (n ? int(100 * ok / n) : 0)}' "$WORK/probe-read")
assert_eq "at least 90% of reads are answered 200 while writes are refused ($READ_AVAIL)" yes \
	"$([ "$READ_PCT" -ge 90 ] && echo yes || echo no)"

# The old primary, restarted, rejoins as a standby of the new one and agrees.
autoctl node1-rejoin run --pgdata "$PG/node1"
wait_for 60 "the old primary rejoins as a standby" is_state node1 secondary
assert_eq "the old primary is now a standby" t "$(q "$OLD_PRIMARY" 'SELECT pg_is_in_recovery()')"
SUM_SQL="SELECT count(*) || ' ' || md5(coalesce(string_agg(premises_id || '/' || client_ref || '/' || version, ','
	ORDER BY premises_id, client_ref, version), '')) FROM needlewatch.reports"
same_rows() { [ "$(q "$OLD_PRIMARY" "$SUM_SQL")" = "$(q "$NEW_PRIMARY" "$SUM_SQL")" ]; }
wait_for 30 "the rejoined standby catches up" same_rows
assert_eq "the rejoined standby holds the same reports (count and checksum of keys)" \
	"$(q "$NEW_PRIMARY" "$SUM_SQL")" "$(q "$OLD_PRIMARY" "$SUM_SQL")"

# Daemon 2 (never restarted) read from the new primary while no standby was
# there; each read connection is reopened past db_read_max_age_s and finds
# the rejoined standby again. Daemon 1 is dead: whatever needlewatch_app
# has on the standby is daemon 2's read pool.
nw2_reads_on_standby() {
	"${CURL[@]}" -o /dev/null -H "Authorization: Bearer $TOK_REG" \
		"https://127.0.0.1:$NW2_PORT/v1/summaries?from=2026-W40&to=2026-W46"
	[ "$(q "$OLD_PRIMARY" "SELECT count(*) FROM pg_stat_activity WHERE usename = 'needlewatch_app'")" -ge 1 ]
}
T0=$(now_ms)
wait_for 40 "daemon 2's read pool returns to the rejoined standby (db_read_max_age_s)" nw2_reads_on_standby &&
	pass "daemon 2's reads are on the standby again $((($(now_ms) - T0) / 1000)) s after it rejoined"

# Reads with the standby down. Daemon 1 restarts (it was killed): its read
# pool connects to the standby (prefer-standby) and shows the replay lag.
start_daemon 1
NW1="https://127.0.0.1:$NW1_PORT"
wait_for 20 "needlewatchd 1 is ready again" ready "$NW1"
"${CURL[@]}" -o /dev/null -H "Authorization: Bearer $TOK_REG" "$NW1/v1/summaries?from=2026-W40&to=2026-W46"
assert_eq "the read pool's connection is on the standby" yes \
	"$([ "$(q "$OLD_PRIMARY" "SELECT count(*) FROM pg_stat_activity WHERE usename = 'needlewatch_app'")" -ge 1 ] && echo yes || echo no)"
LAG=$("${CURL[@]}" "$NW1/metrics" | awk '$1 == "needlewatch_db_replay_lag_seconds" {print $2}')
assert_eq "needlewatch_db_replay_lag_seconds is a number of seconds ($LAG)" yes \
	"$([[ "$LAG" =~ ^[0-9]+\.[0-9]+$ ]] && echo yes || echo no)"
kill -9 -- "-$(cat "$PG/node1-rejoin.pgid")"
T0=$(now_ms)
CODES=""
for _ in 1 2 3; do
	c=$("${CURL[@]}" -D "$WORK/read.h" -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $TOK_REG" "$NW1/v1/summaries?from=2026-W40&to=2026-W46")
	CODES="$CODES$c "
	[ "$c" = 200 ] && break
	grep -qi '^retry-after: [0-9]' "$WORK/read.h" || CODES="${CODES}(no Retry-After) "
done
READ_MS=$(($(now_ms) - T0))
assert_eq "with the standby stopped, GET /v1/summaries falls back to the primary (answers: $CODES)" 200 "$c"
assert_eq "within 3 s, never hanging (${READ_MS} ms)" yes "$([ "$READ_MS" -lt 3000 ] && echo yes || echo no)"

assert_eq "no sanitizer report in the daemons' logs" 0 \
	"$(cat "$WORK"/logs/nw*.log | grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:')"
assert_eq "no token in the daemons' logs" 0 "$(cat "$WORK"/logs/nw*.log | grep -cE 'nwt_[0-9a-f]{48}')"
RECHECKED=$("${CURL[@]}" "https://127.0.0.1:$NW2_PORT/metrics" | awk '$1 == "needlewatch_batches_rechecked_total" {print $2}')
echo "# ha: acknowledged=$ACKED lost=$LOST duplicated=$DUPLICATED writes_refused_s=$REFUSED_S" \
	"read_availability_during_failover=\"$READ_AVAIL\" read_availability_overall=\"$READ_AVAIL_ALL\"" \
	"uploader_delivered=$IN_SENT uploader_outbox=$IN_OUTBOX batches_rechecked_daemon2=${RECHECKED:-?}" \
	"total_s=$(($(date +%s) - T_START))"
