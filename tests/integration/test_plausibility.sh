# Implausible premises-weeks and coverage (issue 14, items 3 and 4;
# schema/013_plausibility_coverage.sql).
#
# Week 2018-W33 (Monday 2018-08-13), which no other test uses (test_alerts seeds salons around 2021). All salons,
# registered (created_at set back) before the week:
#   PLA  554 procedures, 2,021 cases: more cases than procedures (the issue's
#        example: it read "3648 per 1,000" in the headline, export and API)
#   PLB  0 procedures, 1 case: before, an event over the others' procedures
#   PLC  1,000 procedures, 6 cases: the only plausible rate, 6 per 1,000
#   PLD  40 procedures, 6 cases: 150 per 1,000, above the plausible 100
#   PLE  5 cases, no activity: events without activity, not silent
#   PLF, PLG  nothing at all: silent
#   PLH  closed before the week; PLI registered after it: neither is active
# So the salon row is 6 events in 1,000 procedures from 1 premises; 3
# premises-weeks (2,028 cases, 594 procedures) are left out; 7 premises are
# active, 2 of them silent.

PL_DATE=2018-08-14
PL_WEEK=2018-W33
PL_MONDAY=2018-08-13
PL_REG=$(ctl token create --role regulator --name "Plausibility Regulator" | tail -1)
for p in A B C D E F G H I; do
	read -r id tok <<<"$(named_reporter "PL Salon $p $RANDOM" salon LS6)"
	printf -v "PL${p}" '%s' "$id"
	printf -v "PL${p}_TOKEN" '%s' "$tok"
done
pl_code() { sql "SELECT code FROM needlewatch.premises WHERE id = $1"; }
sql "UPDATE needlewatch.premises SET created_at = '2018-01-01' WHERE id IN ($PLA, $PLB, $PLC, $PLD, $PLE, $PLF, $PLG, $PLH)"
sql "UPDATE needlewatch.premises SET closed_on = '2018-06-01' WHERE id = $PLH"

# pl_reports TOKEN PREFIX N: N reports of one case each, as one batch
pl_reports() {
	local i items=()
	for ((i = 1; i <= $3; i++)); do
		items+=("$(report_json "$2-$i" | sed "s/2026-11-02/$PL_DATE/")")
	done
	(IFS=,; printf '[%s]' "${items[*]}") >"$WORK/pl_batch.json"
	http POST /v1/reports "$1" application/json "$WORK/pl_batch.json"
}
pl_activity() { post_json /v1/activity "$1" "{\"period\": \"$PL_WEEK\", \"procedures\": $2}"; }

# --- ingest: the activity arriving second sees the reports ---------------------
pl_reports "$PLA_TOKEN" PL-A 1
assert_eq "PLA's first case is stored" "200|accepted" "$STATUS|$(json_field results,0,status)"
# 2,020 more cases of the same kind, copied in SQL (posting them would take minutes)
sql "DO \$\$
DECLARE cols text; ccols text;
BEGIN
	SELECT string_agg(quote_ident(column_name), ', ') INTO cols FROM information_schema.columns
	WHERE table_schema = 'needlewatch' AND table_name = 'reports' AND is_generated = 'NEVER'
	  AND is_identity = 'NO' AND column_name <> 'client_ref';
	EXECUTE format('INSERT INTO needlewatch.reports (client_ref, %s)
	                SELECT ''PL-A-c'' || g, %s FROM needlewatch.reports, generate_series(2, 2021) g
	                WHERE client_ref = ''PL-A-1''', cols, cols);
	SELECT string_agg('c.' || quote_ident(column_name), ', '), string_agg(quote_ident(column_name), ', ')
	INTO ccols, cols FROM information_schema.columns
	WHERE table_schema = 'needlewatch' AND table_name = 'report_complications'
	  AND column_name NOT IN ('premises_id', 'report_id');
	EXECUTE format('INSERT INTO needlewatch.report_complications (premises_id, report_id, %s)
	                SELECT n.premises_id, n.id, %s FROM needlewatch.reports o
	                JOIN needlewatch.report_complications c ON c.premises_id = o.premises_id AND c.report_id = o.id
	                JOIN needlewatch.reports n ON n.premises_id = o.premises_id AND n.client_ref LIKE ''PL-A-c%%''
	                WHERE o.client_ref = ''PL-A-1''', cols, ccols);
END \$\$"
assert_eq "PLA has 2,021 cases in $PL_WEEK" 2021 \
	"$(sql "SELECT needlewatch.premises_week_cases($PLA, '$PL_MONDAY')")"
pl_activity "$PLA_TOKEN" 554
assert_eq "PLA's activity of 554 procedures is stored, with a warning: more cases than procedures" \
	"201|procedures|cases_exceed_procedures" \
	"$STATUS|$(json_field warnings,0,field)|$(json_field warnings,0,code)"
assert_match "the warning gives both figures and what follows" \
	"2021 case.* against 554 procedure.*left out of the rates" "$(json_field warnings,0,message)"
pl_reports "$PLB_TOKEN" PL-B 1
pl_activity "$PLB_TOKEN" 0
assert_eq "0 procedures in a week with a case: stored, warned" "201|zero_procedures" \
	"$STATUS|$(json_field warnings,0,code)"
# a single report arriving second sees the activity (a follow-up: still 1 case)
post_json /v1/reports "$PLB_TOKEN" "$(report_json PL-B-1 2 | sed "s/2026-11-02/$PL_DATE/")"
assert_eq "a follow-up at PLB is stored, with a warning under procedure" "201|procedure" \
	"$STATUS|$(json_field warnings,0,field)"
assert_match "the warning counts the case once (the follow-up replaces it) against 0 procedures" \
	"has 1 case.* against the 0 procedure.*zero_procedures" "$(json_field warnings,0,message)"
pl_reports "$PLC_TOKEN" PL-C 6
pl_activity "$PLC_TOKEN" 1000
assert_eq "6 cases in 1,000 procedures: no warning" "201|" "$STATUS|$(json_field warnings)"
post_json /v1/reports "$PLC_TOKEN" "$(report_json PL-C-1 2 | sed "s/2026-11-02/$PL_DATE/")"
assert_eq "a follow-up at PLC (6 cases in 1,000) draws no plausibility warning" "201|0" \
	"$STATUS|$(grep -c 'left out of the rates' <<<"$BODY")"
pl_reports "$PLD_TOKEN" PL-D 6
pl_activity "$PLD_TOKEN" 40
assert_eq "6 cases in 40 procedures (150 per 1,000): warned" "201|rate_above_plausible" \
	"$STATUS|$(json_field warnings,0,code)"
pl_reports "$PLE_TOKEN" PL-E 5
assert_eq "PLE's five cases (no activity) are stored" "200|accepted|accepted" \
	"$STATUS|$(json_field results,0,status)|$(json_field results,4,status)"

out=$(ctl refresh 2>&1)
assert_eq "the refresh, with its audit, succeeds" 0 "$?"
assert_eq "the week's disclosure audit passed" passed \
	"$(sql "SELECT status FROM summary.suppression_audit WHERE week = '$PL_MONDAY'")"

# --- the exact tables: left out, marked, counted -------------------------------
pl_ws() { sql "SELECT $1 FROM summary.rates_week_setting WHERE week = '$PL_MONDAY' AND setting = 'salon' AND complication_group = '${2:-any}'"; }
assert_eq "the salon rate is PLC's alone: 6 events in 1,000 procedures, 6 per 1,000, 1 premises" \
	"6|1000|6|1" "$(pl_ws "events, procedures, rate_per_1000, premises_reporting")"
assert_eq "PLB's case (0 procedures) is not an event over the others' procedures" \
	"zero_procedures|1" \
	"$(sql "SELECT plausibility, cases FROM needlewatch.premises_weeks WHERE premises_id = $PLB AND week = '$PL_MONDAY'")"
assert_eq "the left-out premises-weeks are counted: 2,028 cases, 594 procedures, 3 premises" \
	"2028|594|3" "$(pl_ws "events_implausible, procedures_implausible, premises_implausible")"
assert_eq "the row names every reason" "cases_exceed_procedures,rate_above_plausible,zero_procedures" \
	"$(pl_ws plausibility)"
assert_eq "events + events_without_activity + events_implausible is every case (6 + 5 + 2,028)" \
	"6|5|2039" "$(pl_ws "events, events_without_activity, events + events_without_activity + events_implausible")"
assert_eq "the other tables leave them out too (region, Fitzpatrick, training: any)" \
	"6|2028 0|11|2028 0|11|2028" \
	"$(sql "SELECT sum(events), sum(events_implausible) FROM summary.rates_region WHERE week = '$PL_MONDAY' AND setting = 'salon' AND complication_group = 'any'") $(sql "SELECT sum(events), sum(events_without_activity), max(events_implausible) FROM summary.rates_fitzpatrick WHERE week = '$PL_MONDAY' AND setting = 'salon' AND complication_group = 'any'") $(sql "SELECT sum(events), sum(events_without_activity), max(events_implausible) FROM summary.rates_training WHERE week = '$PL_MONDAY' AND setting = 'salon' AND complication_group = 'any'")"
assert_eq "a clean row has no plausibility mark" "0|" \
	"$(sql "SELECT count(*), '' FROM summary.rates_week_setting WHERE week = '$PL_MONDAY' AND setting <> 'salon' AND plausibility IS NOT NULL")"

# --- coverage ------------------------------------------------------------------
assert_eq "coverage: 7 salons active (PLH closed, PLI registered later), 2 silent" "7|2" \
	"$(pl_ws "premises_active, premises_silent")"
assert_eq "every group's row carries the same coverage" "8|7|2" \
	"$(sql "SELECT count(*), min(premises_active), max(premises_silent) FROM summary.rates_week_setting WHERE week = '$PL_MONDAY' AND setting = 'salon'")"
assert_eq "the region row carries its region's coverage" "7|2" \
	"$(sql "SELECT premises_active, premises_silent FROM summary.rates_region WHERE week = '$PL_MONDAY' AND setting = 'salon' AND complication_group = 'any'")"
assert_eq "PLF and PLG are silent, PLE is not (it sent reports), PLH and PLI are not active" \
	"$PLF $PLG|$PLE" \
	"$(sql "SELECT string_agg(premises_id::text, ' ' ORDER BY premises_id) FILTER (WHERE NOT has_activity AND NOT has_reports), string_agg(premises_id::text, ' ') FILTER (WHERE has_reports AND NOT has_activity) FROM needlewatch.premises_coverage WHERE week = '$PL_MONDAY' AND premises_id IN ($PLA, $PLB, $PLC, $PLD, $PLE, $PLF, $PLG, $PLH, $PLI)")"

# --- the public views: no implausible rate, the count of what was left out -------
assert_eq "the public salon row shows PLC's rate, coverage and what was left out" \
	"6|1000|6|1|7|2|3|cases_exceed_procedures,rate_above_plausible,zero_procedures" \
	"$(sql "SELECT events, procedures, rate_per_1000, premises_reporting, premises_active, premises_silent, premises_implausible, plausibility FROM summary.public_rates_week_setting WHERE week = '$PL_MONDAY' AND setting = 'salon' AND complication_group = 'any'")"
assert_eq "no public view shows the implausible case count" 0 \
	"$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'summary' AND table_name LIKE 'public_%' AND column_name IN ('events_implausible', 'procedures_implausible')")"
assert_eq "the regulator role reads the new columns" "2028|7" \
	"$(sql_as needlewatch_regulator "SELECT events_implausible, premises_active FROM summary.rates_week_setting WHERE week = '$PL_MONDAY' AND setting = 'salon' AND complication_group = 'any'")"

# --- the API ------------------------------------------------------------------
pl_api() { http GET "/v1/summaries?from=$PL_WEEK&to=$PL_WEEK&setting=salon&by=$1" "$PL_REG"; }
pl_row() { echo "$(json_field rows,0,events)|$(json_field rows,0,procedures)|$(json_field rows,0,rate_per_1000)|$(json_field rows,0,events_without_activity)|$(json_field rows,0,events_implausible)|$(json_field rows,0,premises_implausible)|$(json_field rows,0,premises_reporting)|$(json_field rows,0,premises_active)|$(json_field rows,0,premises_silent)"; }
pl_api setting
assert_eq "GET /v1/summaries: 6 per 1,000, 2,028 cases and 3 premises-weeks left out, 7 active, 2 silent" \
	"200|6|1000|6|5|2028|3|1|7|2" "$STATUS|$(pl_row)"
pl_api setting,region
assert_eq "... the same by region (from event_cells)" "6|1000|6|5|2028|3|1|7|2" "$(pl_row)"
pl_api setting,fitzpatrick
assert_eq "... by Fitzpatrick type: no breakdown, so no events, and the implausible cases apart" \
	"0|0|2028" "$(json_field rows,0,events)|$(json_field rows,0,procedures)|$(sql "SELECT sum((r ->> 'events_implausible')::int) FROM jsonb_array_elements('$(printf '%s' "$BODY" | sed "s/'/''/g")'::jsonb -> 'rows') r")"
curl -sS --cacert "$WORK/tls/server.crt" --max-time 30 -H "Authorization: Bearer $PL_REG" -H "Accept: text/csv" \
	"$NW_URL/v1/summaries?from=$PL_WEEK&to=$PL_WEEK&setting=salon&by=setting" >"$WORK/pl.csv"
assert_eq "the CSV answer ends with premises_active, premises_silent, premises_implausible, events_implausible" \
	"premises_active,premises_silent,premises_implausible,events_implausible|7,2,3,2028" \
	"$(head -1 "$WORK/pl.csv" | tr -d '\r' | awk -F, '{print $(NF-3)","$(NF-2)","$(NF-1)","$NF}')|$(sed -n 2p "$WORK/pl.csv" | tr -d '\r' | awk -F, '{print $(NF-3)","$(NF-2)","$(NF-1)","$NF}')"

# --- the export ---------------------------------------------------------------
PL_OUT="$WORK/pl_export"
mkdir -p "$PL_OUT"
ctl export --week "$PL_WEEK" --out "$PL_OUT" --no-refresh >/dev/null
assert_eq "export --week $PL_WEEK exits 0" 0 "$?"
PL_CSV="$PL_OUT/needlewatch-$PL_WEEK.csv"
pl_csv_col() { awk -F, -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) n = i } NR > 1 && $2 == "rates_week_setting" && $3 == "salon" && $4 == "any" { print $n }' "$PL_CSV" | tr -d '\r'; }
assert_eq "the export's salon row: 6 per 1,000 over 1,000 procedures, 7 active, 2 silent, 3 left out" \
	"6|1000|7|2|3" \
	"$(pl_csv_col rate_per_1000)|$(pl_csv_col procedures)|$(pl_csv_col premises_active)|$(pl_csv_col premises_silent)|$(pl_csv_col premises_implausible)"
assert_nomatch "no 2,021 or 3648 anywhere in the export" "2021,|3648|2028" "$(cat "$PL_OUT"/needlewatch-$PL_WEEK.*)"
PL_HTML=$(tr '\n' ' ' <"$PL_OUT/needlewatch-$PL_WEEK.html")
assert_match "the HTML headline says the coverage in words" \
	"Beauty salon: 1 of 7 active premises reported activity; 1 sent reports but no activity; 2 were silent \(sent nothing for the week\); 3 were left out as implausible" \
	"$PL_HTML"
assert_match "... and counts the premises-weeks left out" "3 premises-weeks with more cases than procedures, or an implausible rate, were left out" "$PL_HTML"
assert_eq "the JSON export's coverage carries the salon's figures" "7|2|3" \
	"$(sql "SELECT s ->> 'premises_active', s ->> 'premises_silent', s ->> 'premises_implausible' FROM jsonb_array_elements('$(sed "s/'/''/g" "$PL_OUT/needlewatch-$PL_WEEK.json")'::jsonb -> 'coverage' -> 'by_setting') s WHERE s ->> 'setting' = 'salon'")"

# The export record would make another file's first --catch-up start after this week.
sql "DELETE FROM needlewatch.exports WHERE week = '$PL_MONDAY'"
assert_eq "this test leaves no export record behind" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.exports WHERE week = '$PL_MONDAY'")"

# --- the regulator's list, and an acceptance ------------------------------------
OUT=$(ctl review implausible)
assert_match "review implausible lists PLA: 2,021 cases over 554 procedures" \
	"$(pl_code "$PLA") +PL Salon A [0-9]+ +salon +$PL_WEEK +2021 +554 +3648.0 +cases_exceed_procedures" "$OUT"
assert_match "... PLB's zero-procedure week" "$(pl_code "$PLB") .* +$PL_WEEK +1 +0 +- +zero_procedures" "$OUT"
assert_match "... and PLD's implausible rate" "$(pl_code "$PLD") .* +$PL_WEEK +6 +40 +150.0 +rate_above_plausible" "$OUT"
assert_nomatch "... not PLC" "$(pl_code "$PLC")" "$OUT"
OUT=$(ctl review implausible --premises "$(pl_code "$PLC")")
assert_eq "review implausible says when a premises has none" "no implausible premises-weeks at this premises" "$OUT"
ctl review implausible --accept --premises "$(pl_code "$PLC")" --week "$PL_WEEK" >/dev/null 2>&1
assert_eq "accepting a week that is not implausible fails (65)" 65 "$?"
ctl review implausible --accept --premises "$(pl_code "$PLD")" >/dev/null 2>&1
assert_eq "--accept without --week is a usage error (64)" 64 "$?"
OUT=$(ctl review implausible --accept --premises "$(pl_code "$PLD")" --week "$PL_WEEK")
assert_match "the regulator accepts PLD's figures" "accepted .* 6 cases, 40 procedures" "$OUT"
ctl refresh >/dev/null 2>&1
assert_eq "after the refresh PLD counts again: 12 events in 1,040 procedures, 2 left out" \
	"12|1040|2|2|cases_exceed_procedures,zero_procedures" \
	"$(pl_ws "events, procedures, premises_reporting, premises_implausible, plausibility")"
pl_reports "$PLD_TOKEN" PL-D-late 1
ctl refresh >/dev/null 2>&1
assert_eq "a later case changes PLD's figures: the acceptance no longer holds" "rate_above_plausible" \
	"$(sql "SELECT plausibility FROM needlewatch.premises_weeks WHERE premises_id = $PLD AND week = '$PL_MONDAY'")"

# --- resolved by a correction; the threshold is configurable -------------------
pl_activity "$PLB_TOKEN" 100
assert_eq "PLB's corrected activity (100 procedures) draws no warning" "201|" "$STATUS|$(json_field warnings)"
sql "UPDATE needlewatch.plausibility_settings SET max_rate_per_1000 = 200"
ctl refresh >/dev/null 2>&1
assert_eq "with PLB corrected and the threshold at 200, only PLA is left out" \
	"14|1140|3|1|cases_exceed_procedures" \
	"$(pl_ws "events, procedures, premises_reporting, premises_implausible, plausibility")"
sql "UPDATE needlewatch.plausibility_settings SET max_rate_per_1000 = 100"
ctl refresh >/dev/null 2>&1
