# needlewatchctl review list and renormalise: unknown terms with counts; after
# the vocabulary learns a term, stored reports of every format are re-derived,
# in resumable batches, and only the reports that change are touched.

read -r RV_ID RV_TOKEN <<<"$(new_reporter salon LS6)"
read -r RV2_ID RV2_TOKEN <<<"$(new_reporter medical_clinic LS1)"
TERM="zebra stripe welts $RANDOM"

# --- reports with the unknown term, in JSON (twice), CSV and FHIR
R=$(report_json RV-1); post_json /v1/reports "$RV_TOKEN" "${R/cold sores/$TERM}"
RV1=$(json_field id)
R=$(report_json RV-2); post_json /v1/reports "$RV2_TOKEN" "${R/cold sores/$TERM}"
R=$(report_json RV-3); post_json /v1/reports "$RV_TOKEN" "${R/beauty salon/a garden shed $RANDOM}"
printf 'client_ref,reporter_role,procedure_date,setting,complication,patient_ref\nRV-CSV,practitioner,2026-10-01,salon,%s,rv-patient\nRV-CSV,,,,PIH,\n' \
	"${TERM^^}" >"$WORK/rv.csv"
http POST /v1/reports "$RV_TOKEN" text/csv "$WORK/rv.csv"
RVCSV=$(json_field results,0,id)
cat >"$WORK/rv-fhir.json" <<JSON
{"resourceType": "AdverseEvent", "identifier": {"value": "RV-FHIR"},
 "subject": {"identifier": {"value": "rv-fhir-patient"}},
 "event": {"coding": [{"system": "http://snomed.info/sct", "code": "999", "display": "$TERM"}]},
 "date": "2026-10-04", "contained": [{"resourceType": "Procedure", "id": "p", "performedDateTime": "2026-10-01"}],
 "suspectEntity": [{"instance": {"reference": "#p"}}]}
JSON
http POST /v1/reports "$RV_TOKEN" application/fhir+json "$WORK/rv-fhir.json"
RVFHIR=$(json_field id)
assert_eq "reports with the unknown term are stored" "201" "$STATUS"

# --- review list: the term, case folded (one row for "x" and "X"), with its counts
out=$(ctl review list --limit 1000)
line=$(printf '%s\n' "$out" | grep -i "$TERM"); line=${line,,}
assert_match "review list shows the unknown complication term" "^complications\.type +$TERM" "$line"
assert_match "the term's report and premises counts (JSON x2, CSV, FHIR; 2 premises)" "$TERM +4 +2 " "$line"
assert_match "review list shows an unknown setting" "procedure\.setting +a garden shed" "$out"
out=$(ctl review list --field procedure.setting --limit 1000)
assert_nomatch "--field keeps to that field" "complications\.type" "$out"
ctl review list --limit 0 >/dev/null 2>&1
assert_eq "a bad --limit is a usage error" 64 "$?"

# --- a vocabulary that knows the term, for needlewatchctl only
cp "$ROOT/config/vocabulary.json" "$WORK/vocab-new.json"
sed -i "s|\"hypersensitivity\": \[\"hypersensitivity\", |\"hypersensitivity\": [\"hypersensitivity\", \"$TERM\", |" "$WORK/vocab-new.json"
sed "s|^vocabulary_file = .*|vocabulary_file = $WORK/vocab-new.json|" "$WORK/needlewatchd.conf" >"$WORK/renorm.conf"
assert_eq "the test vocabulary has the new term" 1 "$(grep -c "\"$TERM\"" "$WORK/vocab-new.json")"
rctl() { "$BIN/needlewatchctl" -c "$WORK/renorm.conf" "$@"; }
# Other files seed rows by SQL that a re-derivation writes differently: a
# dry run with the running vocabulary counts them first, so that what this
# file asserts is the change the new term makes, whatever ran before it.
BASE=$(ctl renormalise --dry-run | sed -n 's/.* \([0-9][0-9]*\) would change.*/\1/p')
assert_match "a dry run with the running vocabulary counts what would change anyway" '^[0-9]+$' "$BASE"
EXPECT=$(( $(sql "SELECT count(*) FROM needlewatch.reports WHERE lower(normalised::text) LIKE lower('%$TERM%')") + ${BASE:-0} ))
BEFORE=$(sql "SELECT string_agg(id || body_sha256 || coalesce(patient_pseudonym, ''), ',' ORDER BY id) FROM needlewatch.reports")

# --- dry run: counts, changes nothing
out=$(rctl renormalise --dry-run)
assert_match "a dry run says how many would change" "$EXPECT would change" "$out"
assert_eq "a dry run changes nothing" "other" \
	"$(sql "SELECT type FROM needlewatch.report_complications WHERE report_id = $RV1")"

# --- resumable: stop after two reports, then go on
out=$(rctl renormalise --batch-size 1 --limit 2)
assert_match "--limit stops after that many reports" "2 reports examined" "$out"
assert_match "a stopped run says it can go on" "paused .* run again to continue" "$out"
assert_eq "the open run is recorded with its position" "1|2" \
	"$(sql "SELECT count(*), max(examined) FROM needlewatch.renormalise_runs WHERE finished_at IS NULL")"
out=$(rctl renormalise --batch-size 7)
assert_match "the next run resumes the open one" "resuming run [0-9]+ after report" "$out"
assert_match "the run finishes" "finished" "$out"
CHANGED=$(sql "SELECT changed FROM needlewatch.renormalise_runs ORDER BY id DESC LIMIT 1")
assert_eq "exactly the reports with the term changed, across both invocations" "$EXPECT" "$CHANGED"
assert_eq "no run is left open" 0 "$(sql "SELECT count(*) FROM needlewatch.renormalise_runs WHERE finished_at IS NULL")"
assert_eq "the run is audited" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.audit_log WHERE action = 'renormalise' AND (detail->>'changed')::int = $CHANGED AND (detail->>'run')::bigint = (SELECT max(id) FROM needlewatch.renormalise_runs)")"

# --- the rows now: new code and group, raw text kept, review flags cleared
assert_eq "a JSON report's complication is re-derived" "hypersensitivity|granulomatous_allergic|$TERM|f" \
	"$(sql "SELECT type, complication_group, type_raw, needs_review FROM needlewatch.report_complications WHERE report_id = $RV1")"
assert_eq "its report row and normalised JSON follow" "f|hypersensitivity|0" \
	"$(sql "SELECT needs_review, normalised #>> '{complications,0,type}', jsonb_array_length(normalised -> 'needs_review') FROM needlewatch.reports WHERE id = $RV1")"
assert_eq "its unknown-term warning is gone" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.reports r, jsonb_array_elements(r.warnings) w WHERE r.id = $RV1 AND w->>'message' LIKE 'unknown complication%'")"
assert_eq "the CSV report is re-derived from its stored body" "hypersensitivity pih" \
	"$(sql "SELECT string_agg(type, ' ' ORDER BY idx) FROM needlewatch.report_complications WHERE report_id = $RVCSV")"
assert_eq "the FHIR report is re-derived from its stored resources" "hypersensitivity|3" \
	"$(sql "SELECT type, onset_days FROM needlewatch.report_complications WHERE report_id = $RVFHIR")"
assert_eq "bodies, hashes and pseudonyms are untouched" "$BEFORE" \
	"$(sql "SELECT string_agg(id || body_sha256 || coalesce(patient_pseudonym, ''), ',' ORDER BY id) FROM needlewatch.reports")"
out=$(ctl review list --limit 1000)
assert_nomatch "review list no longer shows the term" "$TERM" "$out"

# --- a second run changes nothing: re-derivation reproduces the daemon exactly
out=$(rctl renormalise)
assert_match "renormalising again changes nothing" " 0 changed" "$out"

# --- a run begun with one vocabulary is not resumed with another
rctl renormalise --limit 1 >/dev/null
out=$(ctl renormalise --limit 1)
assert_match "another vocabulary starts over" "was for another vocabulary; starting over" "$out"
out=$(ctl renormalise --restart)
assert_match "--restart abandons the open run" "abandoned \(--restart\)" "$out"
assert_eq "and finishes a new one" 0 "$(sql "SELECT count(*) FROM needlewatch.renormalise_runs WHERE finished_at IS NULL")"
# the shipped vocabulary maps the term to other again: put the rows back
assert_eq "the shipped vocabulary made the term unknown again" "other|t" \
	"$(sql "SELECT type, needs_review FROM needlewatch.report_complications WHERE report_id = $RV1")"

# --- the daemon's role still cannot rewrite history
sql_as needlewatch_app "UPDATE needlewatch.reports SET needs_review = false WHERE id = $RV1" >/dev/null 2>&1
assert_eq "needlewatch_app cannot UPDATE reports (renormalise runs as the owner)" 1 "$?"
ctl renormalise --batch-size 0 >/dev/null 2>&1
assert_eq "a bad --batch-size is a usage error" 64 "$?"

# --- issue 12, item 9: a reporter's term with U+202E (right-to-left override)
# is shown neutralised, so it cannot reorder what the curator reads
BIDI="bidi $RANDOM"
R=$(report_json RV-BIDI); post_json /v1/reports "$RV_TOKEN" "${R/cold sores/$BIDI \\u202egnitaeh \\u2066x\\u2069}"
assert_eq "a term with bidi controls is stored (they are the reporter's text)" 201 "$STATUS"
assert_eq "... as sent, U+202E included" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.report_complications WHERE type_raw LIKE '%' || U&'\\202E' || 'gnitaeh%'")"
out=$(ctl review list --limit 1000)
assert_eq "review list prints no U+202E, U+2066 or U+2069" 0 "$(printf '%s' "$out" | grep -c $'\u202e\|\u2066\|\u2069')"
assert_match "... but the term, with each control shown as ?" "complications\.type +$BIDI \?gnitaeh \?x\? +1 +1 " "$out"
