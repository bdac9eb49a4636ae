# The weekly export (needlewatchctl export, scripts/weekly-export): files
# that match the summary tables figure for figure, suppression kept, a
# self-contained HTML page that renders its charts in Chromium, identical
# re-exports, --catch-up over a gap, and delivery over HTTPS to a local
# receiver that fails first and then recovers.
#
# Weeks 2024-W01 to 2024-W15, which no other test uses, at premises of this
# file's own. "Now" is always given with --as-of, so the weeks the export
# picks do not depend on today's date.
#
# Premises: XC1 medical_clinic (LS1), XC2 medical_clinic (EC1A), XS1 salon
# (M1), XS2 salon (LS1), XM1 mobile (M1), XG a GP reporting unregistered
# places. Every week W01-W10: XC1 1000 procedures, XC2 600, XS1 500 (all
# three by Fitzpatrick type; XC1 and XS1 by training too), XS2 300, XM1 200.
# Cases in W10: XC1 6 infection + 5 PIH (type IV), XC2 2 infection, XS1 12
# infection + 7 PIH (IV) + 6 PIH (V), XS2 5 infection, XM1 3
# infection, XG 3 at home and 6 at unregistered salons. Earlier weeks carry a
# few cases each for the trend.

X_OUT="$WORK/export"
X_BIN_RECEIVER="$ROOT/$BUILD/tests/export_receiver"
mkdir -p "$X_OUT"

# --- the receiver is a test helper: build it like the unit tests are built
x_make_args=()
[ "$BUILD" = build/asan ] && x_make_args+=(SANITIZE=1)
make -s -C "$ROOT" "${x_make_args[@]}" "$BUILD/tests/export_receiver" >/dev/null
assert_eq "the local HTTPS receiver builds" 0 "$?"

# --- seeding
read -r XC1 XC1_T <<<"$(named_reporter "Export Clinic One" medical_clinic LS1 EXP-C1)"
read -r XC2 XC2_T <<<"$(named_reporter "Export Clinic Two" medical_clinic EC1A EXP-C2)"
read -r XS1 XS1_T <<<"$(named_reporter "Export Salon One" salon M1 EXP-S1)"
read -r XS2 XS2_T <<<"$(named_reporter "Export Salon Two" salon LS1 EXP-S2)"
read -r XM1 XM1_T <<<"$(named_reporter "Export Mobile One" mobile M1 EXP-M1)"
read -r XG XG_T <<<"$(named_reporter "Export GP" medical_clinic B1 EXP-G1)"

X_BAD_POSTS=0
x_post() { # TOKEN PATH JSON
	post_json "$2" "$1" "$3"
	case "$STATUS" in
	200 | 201) ;;
	*) X_BAD_POSTS=$((X_BAD_POSTS + 1)); echo "# $2 answered $STATUS: ${BODY:0:300}" ;;
	esac
	if [ "$STATUS" = 200 ] && [ "$(json_field rejected)" != 0 ]; then
		X_BAD_POSTS=$((X_BAD_POSTS + 1)); echo "# $2 rejected items: ${BODY:0:300}"
	fi
}
# x_reports TOKEN PREFIX COUNT DATE ROLE FITZ COMPLICATION [SETTING REPORTER_ROLE]:
# COUNT reports, one complication each, posted as one batch.
x_reports() {
	local fitz=null setting=null items="" i
	[ -n "$6" ] && fitz="\"$6\""
	[ -n "${8:-}" ] && setting="\"$8\""
	for ((i = 1; i <= $3; i++)); do
		items+="${items:+,}{\"client_ref\": \"$2-$i\", \"version\": 1,
 \"procedure\": {\"date\": \"$4\", \"type\": \"microneedling\", \"setting\": $setting,
  \"premises_code\": null, \"practitioner_role\": \"$5\"},
 \"patient\": {\"age_band\": \"25-34\", \"fitzpatrick\": $fitz, \"postcode_district\": \"LS6\"},
 \"complications\": [{\"type\": \"$7\", \"severity\": \"mild\"}],
 \"reporter_role\": \"${9:-practitioner}\"}"
	done
	x_post "$1" /v1/reports "[$items]"
}
x_activity() { # TOKEN PROCEDURES [BREAKDOWNS-JSON]: the same figures for W01-W10
	local items="" w
	for w in 01 02 03 04 05 06 07 08 09 10; do
		items+="${items:+,}{\"period\": \"2024-W$w\", \"procedure_type\": \"microneedling\",
 \"procedures\": $2${3:+, $3}}"
	done
	x_post "$1" /v1/activity "[$items]"
}
x_activity "$XC1_T" 1000 '"by_fitzpatrick": {"1": 100, "2": 200, "3": 300, "4": 250, "5": 100, "6": 50},
 "by_training": {"medically_trained": 1000, "not_medically_trained": 0}'
x_activity "$XC2_T" 600 '"by_fitzpatrick": {"1": 60, "2": 120, "3": 180, "4": 150, "5": 60, "6": 30}'
x_activity "$XS1_T" 500 '"by_fitzpatrick": {"1": 50, "2": 100, "3": 150, "4": 125, "5": 50, "6": 25},
 "by_training": {"medically_trained": 0, "not_medically_trained": 500}'
x_activity "$XS2_T" 300
x_activity "$XM1_T" 200

# The trend: a few cases a week at XC1, XS1 and (from W05) XM1.
for w in 1 2 3 4 5 6 7 8 9; do
	day=$(date -u -d "2024-01-02 + $(((w - 1) * 7)) days" +%F)
	x_reports "$XC1_T" "XT-C1-W$w" $((4 + w % 3)) "$day" nurse III "cold sores"
	x_reports "$XS1_T" "XT-S1-W$w" $((6 + (w * 3) % 7)) "$day" aesthetician IV "cold sores"
	[ "$w" -ge 5 ] && x_reports "$XM1_T" "XT-M1-W$w" $((w == 7 ? 5 : 2)) "$day" nurse "" "cold sores"
done
X_W10_DAY=2024-03-05
x_reports "$XC1_T" XC1-INF 6 $X_W10_DAY nurse IV "cold sores"
x_reports "$XC1_T" XC1-PIH 5 $X_W10_DAY doctor IV "dark patches"
x_reports "$XC2_T" XC2-INF 2 $X_W10_DAY nurse III "cold sores"
x_reports "$XS1_T" XS1-INF 12 $X_W10_DAY aesthetician IV "cold sores"
x_reports "$XS1_T" XS1-PIH4 7 $X_W10_DAY aesthetician IV "dark patches"
x_reports "$XS1_T" XS1-PIH5 6 $X_W10_DAY aesthetician V "dark patches"
x_reports "$XS2_T" XS2-INF 5 $X_W10_DAY aesthetician "" "cold sores"
x_reports "$XM1_T" XM1-INF 3 $X_W10_DAY nurse "" "cold sores"
x_reports "$XG_T" XG-HOME 3 $X_W10_DAY self "" "cold sores" "DIY dermaroller" treating_clinician
x_reports "$XG_T" XG-SALON 6 $X_W10_DAY aesthetician "" "dark patches" "beauty salon" treating_clinician
assert_eq "the export scenario is stored (every activity and report accepted)" 0 "$X_BAD_POSTS"

ctl refresh >/dev/null 2>&1
assert_eq "needlewatchctl refresh brings the summary tables up to date" 0 "$?"

# --- help and usage errors
out=$(ctl export --help); rc=$?
assert_eq "export --help exits 0" 0 "$rc"
assert_match "export --help lists the modes and the exit codes" \
	'--catch-up.*--deliver-token-file.*75 another export is running' "$(tr '\n' ' ' <<<"$out")"
ctl export --week 2024-W10 >/dev/null 2>&1
assert_eq "export without --out is a usage error (64)" 64 "$?"
ctl export --week 2024-W10 --last-week --out "$X_OUT" >/dev/null 2>&1
assert_eq "two modes at once is a usage error (64)" 64 "$?"
ctl export --week 2024-W99 --out "$X_OUT" >/dev/null 2>&1
assert_eq "a malformed week is a usage error (64)" 64 "$?"
ctl export --week 2024-W10 --out "$X_OUT" --deliver http://127.0.0.1:1/ >/dev/null 2>&1
assert_eq "a plain-http delivery URL is refused (64)" 64 "$?"
ctl export --week 2024-W10 --out "$X_OUT/missing" >/dev/null 2>&1
assert_eq "a missing output directory exits 73" 73 "$?"
ctl export --week 2024-W11 --out "$X_OUT" --as-of 2024-03-17 >/dev/null 2>&1
assert_eq "a week not over yet in London is refused (65)" 65 "$?"
assert_eq "refused runs write nothing" 0 "$(find "$X_OUT" -type f | wc -l | tr -d ' ')"

# --- the first --catch-up: no export has succeeded yet, so it starts at the
# first week with data (at most 52 weeks back) and ends with the last
# complete week: 2024-W02 on Wednesday 2024-01-17.
x_first=$(sql "SELECT summary.iso_week(min(week)) FROM (SELECT min(week) AS week FROM summary.rates_week_setting UNION ALL SELECT min(week) FROM summary.unregistered_counts) x")
x_expected=$(sql "SELECT string_agg(summary.iso_week(w::date), ' ' ORDER BY w) FROM generate_series(greatest(summary.iso_week_start('$x_first'), date '2024-01-08' - 7 * 51), date '2024-01-08', interval '7 days') w")
out=$(ctl export --catch-up --out "$X_OUT" --as-of 2024-01-17 --no-refresh); rc=$?
assert_eq "the first --catch-up exits 0" 0 "$rc"
assert_eq "it exports from the first week with data to the last complete week, oldest first" \
	"$x_expected" "$(grep -o 'week=[^ ]*' <<<"$out" | cut -d= -f2 | tr '\n' ' ' | sed 's/ $//')"
assert_match "it ends with 2024-W02" '2024-W02$' "$x_expected"

# --- one week, exported and checked against the summary tables
out=$(ctl export --week 2024-W10 --out "$X_OUT"); rc=$?
assert_eq "export --week 2024-W10 exits 0" 0 "$rc"
assert_match "it prints one line for the week" \
	'^week=2024-W10 status=succeeded delivery=not_requested files=needlewatch-2024-W10.csv,needlewatch-2024-W10.json,needlewatch-2024-W10.html ms=[0-9]+$' "$out"
X_CSV="$X_OUT/needlewatch-2024-W10.csv"
X_JSON="$X_OUT/needlewatch-2024-W10.json"
X_HTML="$X_OUT/needlewatch-2024-W10.html"
assert_eq "the three files are in place, no temporary file left" \
	"needlewatch-2024-W10.csv needlewatch-2024-W10.html needlewatch-2024-W10.json" \
	"$(cd "$X_OUT" && ls -A needlewatch-2024-W10.* .needlewatch* 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"

# Every CSV row against the exact summary tables, each figure written as the
# public views must show it: the same text, or "suppressed" where the
# table's flag says so. Both directions (EXCEPT ALL), so no cell is missing,
# added or altered. Then every JSON cell against the CSV row in its place.
cat >"$WORK/x_expected.sql" <<'SQL'
-- A figure as published: rounded to 10 significant figures (numfmt.h), and
-- a CSV number read back, both as trimmed numeric text, so 1e-05 = 0.00001.
CREATE FUNCTION pg_temp.pub(v numeric) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN v IS NULL THEN '' WHEN v = 0 THEN '0'
    ELSE trim_scale(round(v, 9 - floor(log(abs(v)))::int))::text END $$;
CREATE FUNCTION pg_temp.num(t text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN coalesce(t, '') = '' THEN '' ELSE trim_scale(t::numeric)::text END $$;
CREATE TEMP VIEW expected AS
SELECT 'rates_week_setting' AS tbl, s.setting, s.complication_group, '' AS fitzpatrick,
       '' AS region, '' AS trained,
       CASE WHEN s.events_suppressed THEN '' ELSE s.events::text END AS events,
       s.procedures::text AS procedures,
       CASE WHEN s.events_suppressed THEN '' ELSE pg_temp.pub(s.rate_per_1000::numeric) END AS rate,
       CASE WHEN s.events_suppressed THEN '' ELSE pg_temp.pub(s.ci95_low::numeric) END AS lo,
       CASE WHEN s.events_suppressed THEN '' ELSE pg_temp.pub(s.ci95_high::numeric) END AS hi,
       CASE WHEN s.events_suppressed THEN '' ELSE coalesce(s.ci_method, '') END AS method,
       s.premises_reporting::text AS premises,
       CASE WHEN s.events_without_activity_suppressed THEN '' ELSE s.events_without_activity::text END AS ewa,
       CASE WHEN c.events_suppressed THEN '' ELSE pg_temp.pub(c.rate_ratio::numeric) END AS rr,
       CASE WHEN c.events_suppressed THEN '' ELSE pg_temp.pub(c.rr_ci95_low::numeric) END AS rr_lo,
       CASE WHEN c.events_suppressed THEN '' ELSE pg_temp.pub(c.rr_ci95_high::numeric) END AS rr_hi,
       CASE WHEN c.events_suppressed THEN '' ELSE coalesce(c.haldane::text, '') END AS haldane,
       CASE WHEN c.adjusted_suppressed THEN '' ELSE pg_temp.pub(c.rr_adjusted::numeric) END AS adj,
       CASE WHEN c.adjusted_suppressed THEN '' ELSE pg_temp.pub(c.rr_adjusted_ci95_low::numeric) END AS adj_lo,
       CASE WHEN c.adjusted_suppressed THEN '' ELSE pg_temp.pub(c.rr_adjusted_ci95_high::numeric) END AS adj_hi,
       coalesce(c.adjusted_strata::text, '') AS strata,
       s.events_suppressed::text AS events_sup, s.events_without_activity_suppressed::text AS ewa_sup,
       coalesce(c.events_suppressed, false)::text AS rr_sup,
       coalesce(c.adjusted_suppressed, false)::text AS adj_sup
FROM summary.rates_week_setting s
LEFT JOIN summary.setting_comparisons c
  ON c.week = s.week AND c.setting = s.setting AND c.complication_group = s.complication_group
WHERE s.week = :'monday'
UNION ALL
SELECT t.tbl, t.setting, t.complication_group, t.fitzpatrick, t.region, t.trained,
       CASE WHEN t.events_suppressed THEN '' ELSE t.events::text END,
       t.procedures::text,
       CASE WHEN t.events_suppressed THEN '' ELSE pg_temp.pub(t.rate_per_1000::numeric) END,
       CASE WHEN t.events_suppressed THEN '' ELSE pg_temp.pub(t.ci95_low::numeric) END,
       CASE WHEN t.events_suppressed THEN '' ELSE pg_temp.pub(t.ci95_high::numeric) END,
       CASE WHEN t.events_suppressed THEN '' ELSE coalesce(t.ci_method, '') END,
       t.premises_reporting::text,
       CASE WHEN t.ewa_suppressed THEN '' ELSE t.events_without_activity::text END,
       '', '', '', '', '', '', '', '',
       t.events_suppressed::text, t.ewa_suppressed::text, 'false', 'false'
FROM (SELECT 'rates_fitzpatrick' AS tbl, setting, complication_group,
             coalesce(fitzpatrick::text, 'unknown') AS fitzpatrick, '' AS region, '' AS trained,
             events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
             events_without_activity, events_suppressed,
             events_without_activity_suppressed AS ewa_suppressed
      FROM summary.rates_fitzpatrick WHERE week = :'monday'
      UNION ALL
      SELECT 'rates_region', setting, complication_group, '', coalesce(region, 'unknown'), '',
             events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
             events_without_activity, events_suppressed, events_without_activity_suppressed
      FROM summary.rates_region WHERE week = :'monday'
      UNION ALL
      SELECT 'rates_training', setting, complication_group, '', '',
             coalesce(medically_trained::text, 'unknown'),
             events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
             events_without_activity, events_suppressed, events_without_activity_suppressed
      FROM summary.rates_training WHERE week = :'monday') t
UNION ALL
SELECT 'unregistered_counts', setting, complication_group, '', coalesce(region, 'unknown'), '',
       CASE WHEN cases_suppressed THEN '' ELSE cases::text END,
       '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',
       cases_suppressed::text, 'false', 'false', 'false'
FROM summary.unregistered_counts WHERE week = :'monday';

CREATE TEMP VIEW got AS
SELECT "table" AS tbl, setting, complication_group, coalesce(fitzpatrick, '') AS fitzpatrick,
       coalesce(region, '') AS region, coalesce(medically_trained, '') AS trained,
       coalesce(events, '') AS events, coalesce(procedures, '') AS procedures,
       pg_temp.num(rate_per_1000) AS rate, pg_temp.num(ci95_low) AS lo,
       pg_temp.num(ci95_high) AS hi, coalesce(ci_method, '') AS method,
       coalesce(premises_reporting, '') AS premises, coalesce(events_without_activity, '') AS ewa,
       pg_temp.num(rate_ratio) AS rr, pg_temp.num(rr_ci95_low) AS rr_lo,
       pg_temp.num(rr_ci95_high) AS rr_hi, coalesce(rr_haldane, '') AS haldane,
       pg_temp.num(rr_adjusted) AS adj, pg_temp.num(rr_adjusted_ci95_low) AS adj_lo,
       pg_temp.num(rr_adjusted_ci95_high) AS adj_hi, coalesce(rr_adjusted_strata, '') AS strata,
       events_suppressed, events_without_activity_suppressed, rate_ratio_suppressed,
       rr_adjusted_suppressed
FROM x;

SELECT 'rows', (SELECT count(*) FROM x), (SELECT count(*) FROM expected);
SELECT 'missing', count(*) FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM got) d;
SELECT 'extra', count(*) FROM (SELECT * FROM got EXCEPT ALL SELECT * FROM expected) d;
SELECT 'tables', string_agg(DISTINCT "table", ',' ORDER BY "table") FROM x;
SELECT 'weeks', string_agg(DISTINCT week, ',') FROM x;
SELECT 'suppressed', count(*) FROM x WHERE events_suppressed = 'true';
-- numbers stay numeric: no word in a figure column, a figure a JSON number
SELECT 'words_in_numbers', count(*) FROM x
WHERE concat(events, procedures, rate_per_1000, ci95_low, ci95_high, premises_reporting,
             events_without_activity, rate_ratio, rr_ci95_low, rr_ci95_high, rr_adjusted,
             rr_adjusted_ci95_low, rr_adjusted_ci95_high, rr_adjusted_strata) ~ '[a-df-z]';
SELECT 'small_counts', count(*) FROM x
WHERE events ~ '^[0-9]+$' AND events::int BETWEEN 1 AND :threshold - 1
   OR events_without_activity ~ '^[0-9]+$' AND events_without_activity::int BETWEEN 1 AND :threshold - 1;
SELECT 'figures_behind_suppression', count(*) FROM x
WHERE events_suppressed = 'true' AND (events IS NOT NULL OR rate_per_1000 IS NOT NULL
                                      OR ci95_low IS NOT NULL OR ci95_high IS NOT NULL);

-- JSON: each cell equals the CSV row in the same place; numbers as numbers.
CREATE TEMP VIEW cells AS
SELECT c.cell, c.n FROM jsonb_array_elements((:'doc')::jsonb -> 'cells') WITH ORDINALITY AS c (cell, n);
SELECT 'json_cells', count(*) FROM cells;
SELECT 'json_mismatch', count(*) FROM cells j JOIN x ON x.n = j.n
CROSS JOIN LATERAL (VALUES ('events', x.events), ('procedures', x.procedures),
	('rate_per_1000', x.rate_per_1000), ('ci95_low', x.ci95_low), ('ci95_high', x.ci95_high),
	('premises_reporting', x.premises_reporting),
	('events_without_activity', x.events_without_activity), ('rate_ratio', x.rate_ratio),
	('rr_ci95_low', x.rr_ci95_low), ('rr_ci95_high', x.rr_ci95_high),
	('rr_adjusted', x.rr_adjusted), ('rr_adjusted_ci95_low', x.rr_adjusted_ci95_low),
	('rr_adjusted_ci95_high', x.rr_adjusted_ci95_high),
	('rr_adjusted_strata', x.rr_adjusted_strata)) f (name, csv)
WHERE NOT CASE
	WHEN f.csv IS NULL THEN jsonb_typeof(j.cell -> f.name) = 'null'
	ELSE jsonb_typeof(j.cell -> f.name) = 'number' AND (j.cell ->> f.name)::float8 = f.csv::float8
END
   OR j.cell ->> 'table' IS DISTINCT FROM x."table"
   OR j.cell ->> 'setting' IS DISTINCT FROM x.setting
   OR j.cell ->> 'complication_group' IS DISTINCT FROM x.complication_group
   OR coalesce(j.cell ->> 'ci_method', '') <> coalesce(x.ci_method, '')
   OR (j.cell ->> 'events_suppressed') <> x.events_suppressed
   OR (j.cell ->> 'events_without_activity_suppressed') <> x.events_without_activity_suppressed
   OR (j.cell ->> 'rate_ratio_suppressed') <> x.rate_ratio_suppressed
   OR (j.cell ->> 'rr_adjusted_suppressed') <> x.rr_adjusted_suppressed;
SELECT 'json_meta', concat_ws('|', (:'doc')::jsonb ->> 'week', (:'doc')::jsonb ->> 'week_start',
	(:'doc')::jsonb #>> '{suppression,threshold}', (:'doc')::jsonb #>> '{software,version}',
	(:'doc')::jsonb #>> '{coverage,procedures}', (:'doc')::jsonb #>> '{coverage,premises_reporting}',
	(:'doc')::jsonb ->> 'timezone',
	(:'doc')::jsonb ->> 'generated_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$',
	(:'doc')::jsonb -> 'methods' ? 'ci95');
SQL
# x_check CSV JSON MONDAY: the checks above, one "name|value" line each
x_check() {
	# The JSON document is read by psql itself (\set from a file): passed as
	# an argument it can exceed the kernel's limit on one argument (128 KiB).
	printf '\\set doc `cat %s`\n' "$2" >"$WORK/x_doc.sql"
	psql -X -q -tA -v ON_ERROR_STOP=1 "$OWNER_CONNINFO" -v monday="$3" -v threshold=5 \
		-f "$WORK/x_doc.sql" \
		-c "CREATE TEMP TABLE x (week text, \"table\" text, setting text, complication_group text,
			fitzpatrick text, region text, medically_trained text, events text, procedures text,
			rate_per_1000 text, ci95_low text, ci95_high text, ci_method text,
			premises_reporting text, events_without_activity text, rate_ratio text,
			rr_ci95_low text, rr_ci95_high text, rr_haldane text, rr_adjusted text,
			rr_adjusted_ci95_low text, rr_adjusted_ci95_high text, rr_adjusted_strata text,
			premises_active text, premises_silent text, premises_implausible text,
			plausibility text,
			events_suppressed text, events_without_activity_suppressed text,
			rate_ratio_suppressed text, rr_adjusted_suppressed text, n serial)" \
		-c "\\copy x (week, \"table\", setting, complication_group, fitzpatrick, region, medically_trained, events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting, events_without_activity, rate_ratio, rr_ci95_low, rr_ci95_high, rr_haldane, rr_adjusted, rr_adjusted_ci95_low, rr_adjusted_ci95_high, rr_adjusted_strata, premises_active, premises_silent, premises_implausible, plausibility, events_suppressed, events_without_activity_suppressed, rate_ratio_suppressed, rr_adjusted_suppressed) FROM pstdin WITH (FORMAT csv, HEADER true)" \
		-f "$WORK/x_expected.sql" <"$1" 2>&1
}
X_RES=$(x_check "$X_CSV" "$X_JSON" 2024-03-04)
x_res() { grep "^$1|" <<<"$X_RES" | cut -d'|' -f2-; }
x_rows=$(x_res rows)
assert_eq "the CSV has one row per cell of the week's summary tables" "${x_rows#*|}" "${x_rows%|*}"
assert_match "the week has cells in every table" '^[0-9]{3,}\|' "$x_rows"
assert_eq "no cell of the summary tables is missing from the CSV" 0 "$(x_res missing)"
assert_eq "no CSV cell differs from the summary tables" 0 "$(x_res extra)"
assert_eq "the CSV holds all five tables" \
	"rates_fitzpatrick,rates_region,rates_training,rates_week_setting,unregistered_counts" "$(x_res tables)"
assert_eq "every CSV row is for the week" 2024-W10 "$(x_res weeks)"
assert_match "the scenario has suppressed cells" '^[1-9][0-9]*$' "$(x_res suppressed)"
assert_eq "no count from 1 to 4 is published" 0 "$(x_res small_counts)"
assert_eq "no rate or interval is published behind a suppressed count" 0 "$(x_res figures_behind_suppression)"
assert_eq "the JSON has as many cells as the CSV has rows" "${x_rows%|*}" "$(x_res json_cells)"
assert_eq "every JSON figure equals the CSV's (numbers as numbers, suppressed as null with its flag)" 0 "$(x_res json_mismatch)"
assert_eq "the JSON metadata: week, threshold, version, coverage, timezone, generated_at, methods" \
	"2024-W10|2024-03-04|5|0.1.0|2600|5|Europe/London|t|t" "$(x_res json_meta)"
assert_eq "the XS1 salon's 12 infection cases are published as counted" \
	'2024-W10,rates_region,salon,infection,,North West,,12,500,24,' \
	"$(grep -m1 '^2024-W10,rates_region,salon,infection,,North West,' "$X_CSV" | cut -d, -f1-10),"
assert_eq "the 3 cases at home (unregistered) stay suppressed: empty, events_suppressed true" \
	'2024-W10,unregistered_counts,home,infection,,Yorkshire and The Humber,,|true' \
	"$(grep -m1 '^2024-W10,unregistered_counts,home,infection,' "$X_CSV" | cut -d, -f1-8)|$(grep -m1 '^2024-W10,unregistered_counts,home,infection,' "$X_CSV" | cut -d, -f28)"
assert_eq "the CSV starts with a UTF-8 byte order mark (Excel)" "efbbbf" "$(head -c3 "$X_CSV" | od -An -tx1 | tr -d ' \n')"
assert_eq "no figure column holds a word" 0 "$(x_res words_in_numbers)"
assert_eq "CSV lines end in CRLF (RFC 4180)" "$(wc -l <"$X_CSV")" "$(grep -c $'\r$' "$X_CSV")"

# --- the HTML page: well-formed, self-contained, with its charts
xmllint --noout "$X_HTML" 2>"$WORK/xmllint.err"
assert_eq "the HTML is well-formed (xmllint parses it as XML)" "0:" "$?:$(head -c 300 "$WORK/xmllint.err")"
assert_eq "the HTML references nothing outside itself (no http, script, link, img, url())" "" \
	"$(grep -oiE 'https?://|<script|<link|<img|<iframe|<object|src=|url\(|@import' "$X_HTML" | sort -u | tr '\n' ' ')"
assert_eq "the page has the rate panels (8 groups), the trend (3 settings) and the PIH chart" 12 \
	"$(grep -c '<svg viewBox="0 0 [0-9]* [0-9]*" width' "$X_HTML")"
assert_match "the PIH chart draws whiskers for both settings" 'whisker s0.*whisker s1' \
	"$(sed -n '/id="pih"/,/<\/section>/p' "$X_HTML" | tr -d '\n')"
assert_match "suppressed figures read 'suppressed' on the page" 'class="sup">suppressed<' "$(cat "$X_HTML")"
assert_match "the page prints on A4" '@media print\{.*@page\{size:A4' "$(tr -d '\n' <"$X_HTML")"
assert_eq "generated_at appears on one line of the page" 1 "$(grep -c generated_at "$X_HTML")"

# Headless Chromium renders it. A screenshot of the page; then one with
# everything but the charts made invisible, which must hold the charts'
# pixels, against one of the same with the charts removed, which is blank.
x_chromium() { # HTML-FILE PNG
	rm -rf "$WORK/chromium-profile"
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --hide-scrollbars \
		--user-data-dir="$WORK/chromium-profile" --window-size=1200,2000 \
		--screenshot="$2" "file://$1" >/dev/null 2>&1
}
x_only_charts='<style>*{visibility:hidden}svg,svg *{visibility:visible}</style></head>'
sed "s|</head>|$x_only_charts|" "$X_HTML" >"$WORK/x_charts.html"
sed -e '/<svg viewBox="0 0 [0-9]* [0-9]*" width/,/<\/svg>/d' -e "s|</head>|$x_only_charts|" \
	"$X_HTML" >"$WORK/x_blank.html"
x_chromium "$X_HTML" "$WORK/x_page.png"
x_chromium "$WORK/x_charts.html" "$WORK/x_charts.png"
x_chromium "$WORK/x_blank.html" "$WORK/x_blank.png"
x_size() { stat -c %s "$1" 2>/dev/null || echo 0; }
assert_eq "Chromium writes a 1200x2000 PNG screenshot of the page" "89504e47 000004b0 000007d0" \
	"$(od -An -tx1 -N24 "$WORK/x_page.png" 2>/dev/null | tr -d ' \n' | sed -E 's/^(.{8}).{24}(.{8})(.{8})$/\1 \2 \3/')"
assert_eq "the page's screenshot is far from blank (over 60 KB of PNG)" 1 \
	"$(($(x_size "$WORK/x_page.png") > 60000))"
assert_eq "with all else hidden, the page without its charts renders blank (under 20 KB)" 1 \
	"$(($(x_size "$WORK/x_blank.png") > 0 && $(x_size "$WORK/x_blank.png") < 20000))"
assert_eq "with all else hidden, the charts alone fill the screenshot (over 50 KB more)" 1 \
	"$(($(x_size "$WORK/x_charts.png") > $(x_size "$WORK/x_blank.png") + 50000))"
[ -n "${NW_EXPORT_KEEP_SCREENSHOT:-}" ] && cp "$WORK/x_page.png" "$X_HTML" "$NW_EXPORT_KEEP_SCREENSHOT/"

# --- re-export: the same content, apart from generated_at
mkdir -p "$WORK/x_first"
cp "$X_CSV" "$X_JSON" "$X_HTML" "$WORK/x_first/"
sleep 1 # so that generated_at differs
ctl export --week 2024-W10 --out "$X_OUT" >/dev/null; rc=$?
assert_eq "re-exporting the week exits 0" 0 "$rc"
assert_eq "the CSV is byte for byte the same" "" "$(cmp "$WORK/x_first/needlewatch-2024-W10.csv" "$X_CSV" 2>&1)"
assert_eq "the JSON differs only in generated_at" "" \
	"$(diff <(grep -v '"generated_at"' "$WORK/x_first/needlewatch-2024-W10.json") <(grep -v '"generated_at"' "$X_JSON"))"
assert_eq "the HTML differs only in generated_at" "" \
	"$(diff <(grep -v generated_at "$WORK/x_first/needlewatch-2024-W10.html") <(grep -v generated_at "$X_HTML"))"
assert_eq "generated_at did change" 1 \
	"$(diff <(grep generated_at "$WORK/x_first/needlewatch-2024-W10.json") <(grep generated_at "$X_JSON") | grep -c '^>')"
assert_eq "both runs are recorded, with the files' SHA-256" \
	"2|2|$(sha256sum "$X_CSV" | cut -d' ' -f1)|$(sha256sum "$X_JSON" | cut -d' ' -f1)|$(sha256sum "$X_HTML" | cut -d' ' -f1)" \
	"$(sql "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded' AND finished_at >= started_at AND delivery_status = 'not_requested'),
	        (array_agg(csv_sha256 ORDER BY id DESC))[1], (array_agg(json_sha256 ORDER BY id DESC))[1],
	        (array_agg(html_sha256 ORDER BY id DESC))[1]
	 FROM needlewatch.exports WHERE iso_week = '2024-W10'")"
assert_eq "the recorded names and the CSV's checksum are those of both runs" \
	"needlewatch-2024-W10.csv|needlewatch-2024-W10.json|needlewatch-2024-W10.html|1" \
	"$(sql "SELECT min(csv_file), min(json_file), min(html_file), count(DISTINCT csv_sha256) FROM needlewatch.exports WHERE iso_week = '2024-W10'")"

# --- --catch-up over gaps: the first --catch-up ended with W02, W10 was
# exported alone, and on Wednesday 2024-04-03 the last complete week is W13.
# Every missing week since the first export is filled: W03-W09 before W10
# as well as W11-W13 after it (issue 17: not only those after the latest).
out=$(ctl export --catch-up --out "$X_OUT" --as-of 2024-04-03); rc=$?
assert_eq "--catch-up after the gaps exits 0" 0 "$rc"
assert_eq "it exports W03-W09 and W11-W13, oldest first, one line each" \
	"2024-W03 succeeded|2024-W04 succeeded|2024-W05 succeeded|2024-W06 succeeded|2024-W07 succeeded|2024-W08 succeeded|2024-W09 succeeded|2024-W11 succeeded|2024-W12 succeeded|2024-W13 succeeded" \
	"$(sed -E 's/^week=([^ ]*) status=([^ ]*).*/\1 \2/' <<<"$out" | paste -sd'|')"
assert_eq "the gap's nine files are in place" 9 \
	"$(ls "$X_OUT"/needlewatch-2024-W1[123].{csv,json,html} 2>/dev/null | wc -l | tr -d ' ')"
xmllint --noout "$X_OUT/needlewatch-2024-W12.html" 2>/dev/null
assert_eq "a week without data still gives a well-formed page" 0 "$?"
assert_eq "a week without data has a header and no rows" 1 "$(wc -l <"$X_OUT/needlewatch-2024-W12.csv")"
assert_eq "the gap's runs are recorded as succeeded" "3" \
	"$(sql "SELECT count(*) FROM needlewatch.exports WHERE iso_week IN ('2024-W11', '2024-W12', '2024-W13') AND status = 'succeeded'")"
out=$(ctl export --catch-up --out "$X_OUT" --as-of 2024-04-03); rc=$?
assert_eq "a second --catch-up the same day finds nothing to do" "0|nothing to export: every complete week up to 2024-W13 has been exported" "$rc|$out"

# --- one export at a time: another holder of the export lock makes it wait its turn
psql -X -q "$OWNER_CONNINFO" -c "SELECT pg_advisory_lock(7959942434357473908), pg_sleep(20)" >/dev/null 2>&1 &
x_holder=$!
for _ in $(seq 1 50); do
	[ "$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = (7959942434357473908 & 4294967295)::oid")" = 1 ] && break
	sleep 0.1
done
ctl export --week 2024-W10 --out "$X_OUT" >/dev/null 2>&1
assert_eq "an export while another runs exits 75 (EX_TEMPFAIL)" 75 "$?"
kill "$x_holder" 2>/dev/null
sql "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = (7959942434357473908 & 4294967295)::oid" >/dev/null
wait "$x_holder" 2>/dev/null

# --- delivery to a local HTTPS receiver (127.0.0.1 only, exits by itself)
X_INBOX="$WORK/x_inbox"
mkdir -p "$X_INBOX"
printf 'xdeliver-%s\n' "$RANDOM$RANDOM" >"$WORK/x_token"
X_RECEIVER_PID=
X_PORT=
x_receiver_start() { # [RECEIVER OPTIONS]: on X_PORT when set, else the first free port
	local p ports
	ports=${X_PORT:-$(seq $((NW_PORT + 11)) $((NW_PORT + 40)))}
	for p in $ports; do
		"$X_BIN_RECEIVER" --port "$p" --cert "$WORK/tls/server.crt" --key "$WORK/tls/server.key" \
			--dir "$X_INBOX" --token-file "$WORK/x_token" --lifetime 90 "$@" \
			>>"$WORK/x_receiver.log" 2>&1 &
		X_RECEIVER_PID=$!
		for _ in $(seq 1 50); do
			if curl -s -o /dev/null --max-time 2 --cacert "$WORK/tls/server.crt" "https://127.0.0.1:$p/"; then
				X_PORT=$p
				return 0
			fi
			kill -0 "$X_RECEIVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$X_RECEIVER_PID" 2>/dev/null
		wait "$X_RECEIVER_PID" 2>/dev/null
	done
	X_RECEIVER_PID=
	return 1
}
x_receiver_stop() {
	[ -n "$X_RECEIVER_PID" ] || return 0
	kill -TERM "$X_RECEIVER_PID" 2>/dev/null
	wait "$X_RECEIVER_PID" 2>/dev/null
	X_RECEIVER_PID=
}
x_deliver() { # EXPORT OPTIONS...: export with delivery to the receiver
	ctl export --out "$X_OUT" --deliver "https://127.0.0.1:$X_PORT/inbox" \
		--deliver-token-file "$WORK/x_token" --ca-file "$WORK/tls/server.crt" "$@"
}

x_receiver_start --fail-first 1
assert_match "the receiver listens on 127.0.0.1" '^[0-9]+$' "$X_PORT"
out=$(x_deliver --week 2024-W10 2>&1); rc=$?
assert_eq "delivery through a 503 (Retry-After) succeeds on the retry: exit 0" 0 "$rc"
assert_match "the week's line says delivered, after 2 attempts" \
	'^week=2024-W10 status=succeeded delivery=delivered attempts=2 files=' "$out"
assert_eq "the receiver answered 503 first, then stored the three files" \
	"status=503 week=2024-W10 files=0|status=201 week=2024-W10 files=3" \
	"$(grep -o 'status=[0-9]* week=2024-W10 files=[0-9]*' "$WORK/x_receiver.log" | paste -sd'|')"
for ext in csv json html; do
	cmp -s "$X_OUT/needlewatch-2024-W10.$ext" "$X_INBOX/needlewatch-2024-W10.$ext"
	assert_eq "the delivered .$ext is the exported file, byte for byte" 0 "$?"
done
assert_eq "the run records the delivery: status, attempts, HTTP status, time" \
	"succeeded|delivered|2|201|t|https://127.0.0.1:$X_PORT/inbox" \
	"$(sql "SELECT status, delivery_status, delivery_attempts, delivery_http_status, delivered_at IS NOT NULL, delivery_url FROM needlewatch.exports WHERE iso_week = '2024-W10' ORDER BY id DESC LIMIT 1")"

# Verification stays on: without --ca-file the receiver's certificate is not
# trusted, which is a set-up error (78), not retried. The failed week waits
# for the next --catch-up.
out=$(ctl export --week 2024-W13 --out "$X_OUT" --deliver "https://127.0.0.1:$X_PORT/inbox" \
	--deliver-token-file "$WORK/x_token" 2>&1); rc=$?
assert_eq "an untrusted receiver certificate fails the delivery with exit 78" 78 "$rc"
assert_match "after one attempt, saying why" 'delivery=failed attempts=1 .*certificate' "$out"
assert_eq "that run is recorded as failed, its files kept" "failed|failed|1|3" \
	"$(sql "SELECT status, delivery_status, delivery_attempts FROM needlewatch.exports WHERE iso_week = '2024-W13' ORDER BY id DESC LIMIT 1")|$(ls "$X_OUT"/needlewatch-2024-W13.* | wc -l | tr -d ' ')"

# The receiver is down: delivery fails after its attempts, exit 69, files
# kept, failure recorded; once it is up, the next --catch-up delivers.
x_receiver_stop
out=$(x_deliver --catch-up --as-of 2024-04-10 --deliver-attempts 2 2>&1); rc=$?
assert_eq "delivery to a receiver that is down exits 69 (EX_UNAVAILABLE)" 69 "$rc"
assert_match "the first pending week (W13) failed after 2 attempts" \
	'^week=2024-W13 status=failed delivery=failed attempts=2 ' "$out"
assert_nomatch "it stops there: W14 waits for W13" 'week=2024-W14' "$out"
assert_eq "the failure is recorded with its reason" "failed|failed|2|t" \
	"$(sql "SELECT status, delivery_status, delivery_attempts, delivery_error ~* 'connect' FROM needlewatch.exports WHERE iso_week = '2024-W13' ORDER BY id DESC LIMIT 1")"
assert_eq "the undelivered week's files are in place" 3 "$(ls "$X_OUT"/needlewatch-2024-W13.* | wc -l | tr -d ' ')"
x_receiver_start
out=$(x_deliver --catch-up --as-of 2024-04-10 2>&1); rc=$?
assert_eq "with the receiver back, the next --catch-up exits 0" 0 "$rc"
assert_eq "it delivers the failed week, then the new one" \
	"2024-W13 succeeded delivered|2024-W14 succeeded delivered" \
	"$(sed -E 's/^week=([^ ]*) status=([^ ]*) delivery=([^ ]*).*/\1 \2 \3/' <<<"$out" | paste -sd'|')"
assert_eq "the receiver has both weeks' files" 6 \
	"$(ls "$X_INBOX"/needlewatch-2024-W1[34].* 2>/dev/null | wc -l | tr -d ' ')"
x_receiver_stop

# --- scripts/weekly-export, as cron runs it
x_wrapper() { # WRAPPER ARGS...
	NEEDLEWATCH_CONFIG="$WORK/needlewatchd.conf" NEEDLEWATCH_EXPORT_DIR="$X_OUT" \
		NEEDLEWATCH_EXPORT_LOG="$WORK/x_weekly.log" NEEDLEWATCH_LOCK_FILE="$WORK/x_weekly.lock" \
		NEEDLEWATCHCTL="$BIN/needlewatchctl" "$ROOT/scripts/weekly-export" "$@"
}
# A run killed while exporting W15 left its row 'running': the next export
# closes it as failed, and exports the week again.
sql "INSERT INTO needlewatch.exports (week, iso_week, actor, out_dir) VALUES ('2024-04-08', '2024-W15', 'test', '/nowhere')" >/dev/null
out=$(x_wrapper --as-of 2024-04-17); rc=$?
assert_eq "weekly-export exits 0 when every week is exported" 0 "$rc"
assert_match "it logs one stamped line for the one new week (W15)" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z weekly-export: week=2024-W15 status=succeeded delivery=not_requested ' "$out"
assert_eq "exactly one line, also written to its log file" "1|1" \
	"$(wc -l <<<"$out" | tr -d ' ')|$(grep -c 'week=2024-W15' "$WORK/x_weekly.log")"
assert_eq "the interrupted run is marked failed, with a reason" "failed|interrupted before it finished|t" \
	"$(sql "SELECT status, error, finished_at IS NOT NULL FROM needlewatch.exports WHERE out_dir = '/nowhere'")"
# This shell takes the wrapper's lock (its own open of the file), as a
# running export would hold it.
exec {x_lock_fd}>>"$WORK/x_weekly.lock"
flock -n "$x_lock_fd"
out=$(x_wrapper --as-of 2024-04-24); rc=$?
assert_eq "weekly-export exits 75 while another run holds the lock" 75 "$rc"
assert_match "and says so in its log, exporting nothing" 'export_skipped reason="another weekly export is running"' "$out"
assert_eq "no W16 file was written meanwhile" 0 "$(ls "$X_OUT"/needlewatch-2024-W16.* 2>/dev/null | wc -l | tr -d ' ')"
exec {x_lock_fd}>&-
out=$(NEEDLEWATCH_DELIVER_URL="https://127.0.0.1:$X_PORT/inbox" \
	NEEDLEWATCH_DELIVER_TOKEN_FILE="$WORK/x_token" NEEDLEWATCH_CA_FILE="$WORK/tls/server.crt" \
	x_wrapper --as-of 2024-04-24 --deliver-attempts 1); rc=$?
assert_eq "weekly-export passes a failed delivery's exit code on (69)" 69 "$rc"
assert_match "and logs the week as failed, then the exit" \
	'week=2024-W16 status=failed delivery=failed attempts=1 .*event=export_failed exit=69' "$(tr '\n' ' ' <<<"$out")"

# --- a receiver that refuses the token: no retry, exit 77
x_receiver_start
printf 'not-the-token\n' >"$WORK/x_bad_token"
out=$(ctl export --week 2024-W16 --out "$X_OUT" --deliver "https://127.0.0.1:$X_PORT/inbox" \
	--deliver-token-file "$WORK/x_bad_token" --ca-file "$WORK/tls/server.crt" 2>&1); rc=$?
assert_eq "a refused token exits 77 (EX_NOPERM)" 77 "$rc"
assert_match "after one attempt, with the HTTP status" 'attempts=1 .*HTTP 401' "$out"
assert_nomatch "the token never appears in the output" 'not-the-token|xdeliver-' "$out"
x_receiver_stop
assert_eq "no exports row or log keeps a delivery token" "0|0" \
	"$(sql "SELECT count(*) FROM needlewatch.exports WHERE concat(delivery_error, error, delivery_url) ~ '(not-the-token|xdeliver-)'")|$(grep -c -e not-the-token -e xdeliver- "$WORK/x_weekly.log")"
