# Identifying patient data (issue 12, item 1): refused with 422 naming the
# field, in JSON at every depth, in CSV headers, in FHIR and in free text;
# nothing of it stored; unknown members are warnings and not stored.

read -r PII_ID PII_TOKEN <<<"$(new_reporter salon LS6)"
FHIR=application/fhir+json
HTTP_ACCEPT=application/json # the API's own answers (test_fhir.sh has the FHIR ones)
stored() { sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $PII_ID"; }
# Stored text of this premises' reports that matches a regular expression.
stored_matching() {
	sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $PII_ID AND (body ~ '$1' OR normalised::text ~ '$1' OR warnings::text ~ '$1')"
}
# A valid report with one more member in patient (or, with top, at the top).
with_patient() { local r; r=$(report_json "$1"); printf '%s' "${r/\"postcode_district\": \"LS6\"\}/\"postcode_district\": \"LS6\", $2\}}"; }
with_top() { report_json "$1" 1 ", $2"; }

# --- member names, however spelt, at every depth
N=0
refuse_member() { # DESCRIPTION FIELD JSON
	N=$((N + 1))
	post_json /v1/reports "$PII_TOKEN" "$3"
	assert_eq "$1 is refused with 422 naming $2" "422|$2" "$STATUS|$(json_field errors,0,field)"
	assert_match "$1: the message says why" "identifying data must not be sent" "$(json_field errors,0,message)"
	assert_nomatch "$1: the answer does not echo the value" "Jane|Smith|900123" "$BODY"
}
refuse_member "patient.Name" patient.Name "$(with_patient ID-1 '"Name": "Jane Smith"')"
refuse_member "patient.NHS_Number" patient.NHS_Number "$(with_patient ID-2 '"NHS_Number": "943 476 5919"')"
refuse_member "patient.DOB" patient.DOB "$(with_patient ID-3 '"DOB": "01/04/1990"')"
refuse_member "patient.Email" patient.Email "$(with_patient ID-4 '"Email": "jane.smith@example.com"')"
refuse_member "patient \"nhs number\"" "patient.nhs number" "$(with_patient ID-5 '"nhs number": "9434765919"')"
refuse_member "patient \"date of birth\"" "patient.date of birth" "$(with_patient ID-6 '"date of birth": "1990-04-01"')"
refuse_member "patient.DateOfBirth" patient.DateOfBirth "$(with_patient ID-7 '"DateOfBirth": "1990-04-01"')"
refuse_member "patient.telephone" patient.telephone "$(with_patient ID-8 '"telephone": "07700 900123"')"
refuse_member "patient.Address" patient.Address "$(with_patient ID-9 '"Address": "1 Headingley Lane"')"
refuse_member "top-level name" name "$(with_top ID-10 '"name": "Jane Smith"')"
refuse_member "top-level nhs_number" nhs_number "$(with_top ID-11 '"nhs_number": "9434765919"')"
refuse_member "top-level email" email "$(with_top ID-12 '"email": "jane.smith@example.com"')"
refuse_member "a nested unknown object" "booking.client.Surname" "$(with_top ID-13 '"booking": {"client": {"Surname": "Smith"}}')"

# --- free text: the narrative with an NHS number, e-mail, phone or postcode
refuse_text() { # KIND NARRATIVE VALUE-PATTERN
	local r
	r=$(report_json "TX-$RANDOM")
	post_json /v1/reports "$PII_TOKEN" "${r/\"narrative\": \"free text\"/\"narrative\": \"$2\"}"
	assert_eq "a narrative with $1 is refused with 422 naming it" "422|narrative" "$STATUS|$(json_field errors,0,field)"
	assert_eq "the message names what was found" "contains what looks like $1; identifying data must not be sent" \
		"$(json_field errors,0,message)"
	assert_nomatch "the answer does not echo $1" "$3" "$BODY"
}
refuse_text "an NHS number" "Seen again, NHS 943 476 5919, improving" "943 476"
refuse_text "an e-mail address" "Client emailed from jane.smith@example.com" "example"
refuse_text "a phone number" "Rang her on 07700 900123 to follow up" "900123"
refuse_text "a full postcode" "Lives near LS6 2AB" "2AB"
post_json /v1/reports "$PII_TOKEN" "$(report_json ID-TREAT | sed 's/"oral antivirals"/"GP, tel +44 113 496 0000"/')"
assert_eq "a treatment item with a phone number names its path" "422|complications[0].treatment[0]" \
	"$STATUS|$(json_field errors,0,field)"

# --- CSV: a booking system's export with identifying columns
printf 'client_ref,name,nhs_number,dob,phone,procedure_date,reporter_role,complication\nCSV-1,Jane Smith,9434765919,01/04/1990,07700 900123,2026-11-02,practitioner,PIH\n' >"$WORK/pii1.csv"
http POST /v1/reports "$PII_TOKEN" text/csv "$WORK/pii1.csv"
assert_eq "CSV columns name,nhs_number,dob,phone: 422 with one error each" "422|4" \
	"$STATUS|$(json_field errors | grep -o '"field"' | wc -l)"
assert_eq "the first error names its column" 'column "name": identifying data must not be sent (a name); remove the column' \
	"$(json_field errors,0,message)"
assert_match "the phone column is named" 'column \"phone\"' "$(json_field errors,3,message)"
printf 'Client Ref,Patient Name,NHS Number,Postcode,Procedure Date,Reporter Role,Complication\nCSV-2,Jane Smith,943 476 5919,LS6 2AB,2026-11-02,practitioner,PIH\n' >"$WORK/pii2.csv"
http POST /v1/reports "$PII_TOKEN" text/csv "$WORK/pii2.csv"
assert_eq "CSV columns Patient Name, NHS Number, Postcode: 422" "422|3" \
	"$STATUS|$(json_field errors | grep -o '"field"' | wc -l)"
assert_match "the Postcode column is named" 'column \"Postcode\"' "$(json_field errors,2,message)"
printf 'client_ref,procedure_date,reporter_role,complication,notes\nCSV-3,2026-11-02,practitioner,PIH,call 07700 900123\n' >"$WORK/pii3.csv"
http POST /v1/reports "$PII_TOKEN" text/csv "$WORK/pii3.csv"
assert_eq "a CSV note with a phone number: the report is rejected naming narrative" "200|rejected|narrative" \
	"$STATUS|$(json_field results,0,status)|$(json_field results,0,errors,0,field)"

# --- FHIR: what the mapping does not read is not stored; kept text is scanned
cat >"$WORK/pii-ae.json" <<'JSON'
{"resourceType": "AdverseEvent", "id": "FH-PII-1",
 "text": {"status": "generated", "div": "<div>Jane Smith</div>"},
 "contained": [
  {"resourceType": "Patient", "id": "p1", "gender": "female", "name": [{"family": "Smith", "given": ["Jane"]}],
   "birthDate": "1990-04-01", "telecom": [{"system": "phone", "value": "07700 900123"}],
   "address": [{"line": ["1 Headingley Lane"], "postalCode": "LS6 2AB"}]},
  {"resourceType": "RelatedPerson", "id": "rp", "patient": {"reference": "#p1"},
   "name": [{"text": "John Smith"}], "telecom": [{"value": "07700 900456"}]},
  {"resourceType": "Procedure", "id": "proc", "code": {"text": "microneedling"},
   "subject": {"reference": "#p1", "display": "Jane Smith"}, "performedDateTime": "2026-11-02",
   "note": [{"text": "Jane Smith, 07700 900123"}]}],
 "extension": [{"url": "https://needlewatch.uk/fhir/StructureDefinition/reporter-role", "valueCode": "practitioner"}],
 "actuality": "actual", "event": {"text": "PIH"},
 "subject": {"reference": "#p1", "display": "Jane Smith"},
 "recorder": {"reference": "#rp", "display": "John Smith"},
 "note": [{"text": "Jane Smith rang from 07700 900123"}],
 "suspectEntity": [{"instance": {"reference": "#proc", "display": "Jane Smith's treatment"}}]}
JSON
http POST /v1/reports "$PII_TOKEN" "$FHIR" "$WORK/pii-ae.json"
assert_eq "a FHIR AdverseEvent with displays, notes and a RelatedPerson is stored" 201 "$STATUS"
FH=$(json_field id)
assert_eq "no display, note, RelatedPerson, narrative, name, phone or birth date is stored" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE id = ${FH:-0} AND body ~ 'Smith|Jane|07700|RelatedPerson|\"note\"|\"display\"|1990|Headingley|2AB|div'")"
assert_eq "the stored FHIR body keeps the reduced Patient and the Procedure" "Patient:female|Procedure" \
	"$(sql "SELECT string_agg(coalesce(c->>'resourceType','') || coalesce(':' || (c->>'gender'), ''), '|' ORDER BY c->>'resourceType') FROM needlewatch.reports, jsonb_array_elements(body::jsonb -> 'contained') c WHERE id = ${FH:-0}")"
sed 's/"event": {"text": "PIH"}/"event": {"text": "PIH, NHS 943 476 5919"}/; s/FH-PII-1/FH-PII-2/' "$WORK/pii-ae.json" >"$WORK/pii-ae2.json"
http POST /v1/reports "$PII_TOKEN" "$FHIR" "$WORK/pii-ae2.json"
assert_eq "FHIR event text with an NHS number is refused naming its path" "422|AdverseEvent.event.text" \
	"$STATUS|$(json_field errors,0,field)"

# --- nothing identifying was stored by any of the refusals
assert_eq "only the FHIR report was stored" 1 "$(stored)"
assert_eq "no stored body, normalised report or warning holds the identifying values" 0 \
	"$(stored_matching 'Jane|Smith|9434765919|943 476|1990|07700|jane.smith@|Headingley|2AB|496 0000')"

# --- unknown members: a warning, and not stored
post_json /v1/reports "$PII_TOKEN" "$(with_patient UNK-1 '"shoe_size": 9' | sed 's/"narrative": "free text"/"narrative": "free text", "source_system": "BookMe 3.1"/')"
assert_eq "a report with unknown members is accepted" 201 "$STATUS"
UNK=$(json_field id)
assert_eq "each unknown member is a warning in the answer saying it is not stored" \
	"source_system: unknown member, not stored|patient.shoe_size: unknown member, not stored" \
	"$(printf "SELECT string_agg((w->>'field') || ': ' || (w->>'message'), '|' ORDER BY w->>'field' DESC) FROM jsonb_array_elements((:'doc'::jsonb) -> 'warnings') w WHERE w->>'message' LIKE 'unknown member%%'\n" |
		psql -X -q -tA "$OWNER_CONNINFO" -v "doc=$BODY")"
# Re-deriving from the stored body could not say it again: not kept with the report.
assert_eq "the stored warnings leave them out" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.reports, jsonb_array_elements(warnings::jsonb) w WHERE id = ${UNK:-0} AND w->>'message' LIKE 'unknown member%'")"
assert_eq "unknown members are absent from the stored body, known ones kept" "||free text|25-34" \
	"$(sql "SELECT coalesce(body::jsonb ->> 'source_system', ''), coalesce(body::jsonb #>> '{patient,shoe_size}', ''), body::jsonb ->> 'narrative', body::jsonb #>> '{patient,age_band}' FROM needlewatch.reports WHERE id = ${UNK:-0}")"
assert_eq "no stored body mentions the unknown members or their values" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $PII_ID AND body ~ 'BookMe|shoe_size'")"
unset HTTP_ACCEPT
