# POST /v1/reports with text/csv: a messy spreadsheet export, row problems
# with their line numbers, the shipped template, and the rows in PostgreSQL.

read -r CSV_ID CSV_TOKEN <<<"$(new_reporter salon LS6)"
read -r CSV2_ID CSV2_TOKEN <<<"$(new_reporter medical_clinic LS1)"
FX="$ROOT/tests/fixtures/csv"

# --- a messy export: BOM, CRLF, odd headers, quoted commas and newlines
http POST /v1/reports "$CSV_TOKEN" text/csv "$FX/messy-salon-export.csv"
assert_eq "a messy CSV export answers 200" 200 "$STATUS"
assert_eq "its rows make two reports, both accepted" "2|0" "$(json_field accepted)|$(json_field rejected)"
assert_eq "a report lists the lines of its rows" '[2, 5]' "$(json_field results,0,lines)"
assert_eq "the unknown column is a warning about line 1" "line 1" "$(json_field warnings,0,field)"
assert_eq "the warning names the column and says it is not stored" 'unknown column "Booking No", not stored' \
	"$(json_field warnings,0,message)"
SAL1=$(json_field results,0,id)
assert_eq "the CSV report's normalised columns" "csv|salon|aesthetician|pen|1.50|4|LS6|Yorkshire and The Humber|t" \
	"$(sql "SELECT format, setting, practitioner_role, device, needle_depth_mm, fitzpatrick, postcode_district, region, sterile_single_use_cartridge FROM needlewatch.reports WHERE id = $SAL1")"
assert_eq "one complication row per CSV row" "0:infection_viral_hsv:3 1:pih:21" \
	"$(sql "SELECT string_agg(idx || ':' || type || ':' || onset_days, ' ' ORDER BY idx) FROM needlewatch.report_complications WHERE report_id = $SAL1")"
assert_eq "the embedded newline and quotes survive" 'Client said "it tingled"' \
	"$(sql "SELECT split_part(normalised->>'narrative', E'\r\n', 1) FROM needlewatch.reports WHERE id = $SAL1")"
assert_eq "the stored body keeps the report shape and the known columns' cells, not the unknown column's" \
	"SAL-001||Cheeks, Forehead" \
	"$(sql "SELECT body::jsonb #>> '{report,client_ref}', coalesce(body::jsonb #>> '{rows,0,Booking No}', ''), body::jsonb #>> '{rows,0,Treatment Areas}' FROM needlewatch.reports WHERE id = $SAL1")"
assert_eq "the patient ref is stored only as its pseudonym, in report and rows" "t|t|0" \
	"$(sql "SELECT body::jsonb #>> '{report,patient,ref}' = patient_pseudonym, body::jsonb #>> '{rows,0,Patient ID}' = patient_pseudonym, (SELECT count(*) FROM needlewatch.reports WHERE premises_id = $CSV_ID AND body LIKE '%P-77%') FROM needlewatch.reports WHERE id = $SAL1")"

# --- the same CSV again: every report is a duplicate with its id
http POST /v1/reports "$CSV_TOKEN" text/csv "$FX/messy-salon-export.csv"
assert_eq "the same CSV again is all duplicates" "0|2|$SAL1" \
	"$(json_field accepted)|$(json_field duplicate)|$(json_field results,0,id)"

# --- pseudonyms across formats: the ref in CSV and in JSON, from another premises
R=$(report_json XFMT-1)
post_json /v1/reports "$CSV2_TOKEN" "${R/opaque-local-id-XFMT-1/P-77}"
assert_eq "a JSON report with the CSV's patient ref is accepted" 201 "$STATUS"
assert_eq "the same ref in CSV and JSON, from two premises, is one pseudonym" 1 \
	"$(sql "SELECT count(DISTINCT patient_pseudonym) FROM needlewatch.reports WHERE id IN ($SAL1, $(json_field id))")"

# --- row problems: ragged, invalid UTF-8, conflicting cells; the good row is stored
http POST /v1/reports "$CSV_TOKEN" text/csv "$FX/problems.csv"
assert_eq "a CSV with bad rows answers 200" 200 "$STATUS"
assert_eq "the good row is stored, the bad ones rejected" \
	"accepted rejected rejected rejected" \
	"$(for i in 0 1 2 3; do json_field "results,$i,status"; done | tr '\n' ' ' | sed 's/ $//')"
assert_eq "a ragged row names its line" "line 3|5 fields, but the header has 7" \
	"$(json_field results,1,errors,0,field)|$(json_field results,1,errors,0,message)"
assert_eq "invalid UTF-8 names its line" "line 4" "$(json_field results,2,errors,0,field)"
assert_match "invalid UTF-8 says how to fix it" "CSV UTF-8" "$(json_field results,2,errors,0,message)"
assert_eq "two rows disagreeing name the later line" "line 6" "$(json_field results,3,errors,0,field)"
assert_eq "only the good row reached the database" "OK-1" \
	"$(sql "SELECT string_agg(client_ref, ' ') FROM needlewatch.reports WHERE premises_id = $CSV_ID AND client_ref IN ('OK-1','RAG-1','UTF-1','CON-1')")"

# --- a value error in a row carries that row's line
printf 'client_ref,reporter_role,procedure_date,complication,onset_days\r\nL-1,practitioner,2026-10-01,PIH,2\r\nL-1,,,keloid,-4\r\n' >"$WORK/lines.csv"
http POST /v1/reports "$CSV_TOKEN" text/csv "$WORK/lines.csv"
assert_eq "a value error names the report field and the CSV line" "complications[1].onset_days|3" \
	"$(json_field results,0,errors,0,field)|$(json_field results,0,errors,0,line)"

# --- the shipped template is a valid file
http POST /v1/reports "$CSV_TOKEN" text/csv "$ROOT/config/report-template.csv"
assert_eq "config/report-template.csv posts cleanly" "200|2|0|0" \
	"$STATUS|$(json_field accepted)|$(json_field rejected)|$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $CSV_ID AND client_ref LIKE 'GLOW-2026-0004%' AND format <> 'csv'")"

# --- semicolons (European Excel)
http POST /v1/reports "$CSV_TOKEN" "text/csv; charset=utf-8" "$FX/semicolon.csv"
assert_eq "a semicolon-separated export is read" "200|1" "$STATUS|$(json_field accepted)"
assert_eq "its decimal comma depth is 1 mm" "1.00" \
	"$(sql "SELECT needle_depth_mm FROM needlewatch.reports WHERE premises_id = $CSV_ID AND client_ref = 'EU-1'")"

# --- whole-file problems: 400 with the line; other charsets: 415
printf 'client_ref,narrative\nA,"never closed\nB,x\n' >"$WORK/broken.csv"
http POST /v1/reports "$CSV_TOKEN" text/csv "$WORK/broken.csv"
assert_eq "broken quoting answers 400" 400 "$STATUS"
assert_match "the 400 names the line" "line 2: unterminated quoted field" "$BODY"
printf 'setting,complication\nsalon,PIH\n' >"$WORK/noref.csv"
http POST /v1/reports "$CSV_TOKEN" text/csv "$WORK/noref.csv"
assert_eq "a CSV without a client_ref column answers 400" 400 "$STATUS"
assert_match "the 400 points at the template" "report-template.csv" "$BODY"
http POST /v1/reports "$CSV_TOKEN" "text/csv; charset=windows-1252" "$FX/semicolon.csv"
assert_eq "CSV in another charset answers 415" 415 "$STATUS"
assert_match "the 415 says CSV UTF-8" "CSV UTF-8" "$BODY"
