# POST /v1/reports with application/fhir+json: a hospital's Bundle, a lone
# AdverseEvent, the FHIR specification's own example, and the rows in PostgreSQL.

read -r FH_ID FH_TOKEN <<<"$(new_reporter medical_clinic LS2)"
read -r FH2_ID FH2_TOKEN <<<"$(new_reporter salon M14)"
FX="$ROOT/tests/fixtures/fhir"
FHIR=application/fhir+json
# The API's own answers, asked for as needlewatch-upload asks (Accept:
# application/json); the FHIR answers a FHIR client gets are at the end.
HTTP_ACCEPT=application/json

# --- a Bundle of two AdverseEvents and the resources they refer to
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$FX/bundle-salon-complications.json"
assert_eq "a FHIR Bundle answers 200 with one result per AdverseEvent" "200|2|0" \
	"$STATUS|$(json_field accepted)|$(json_field rejected)"
assert_eq "results name their Bundle entries" "0 1" \
	"$(json_field results,0,entry) $(json_field results,1,entry)"
assert_eq "the identifier is the client_ref" LD-2026-0117 "$(json_field results,0,client_ref)"
AE1=$(json_field results,0,id)
AE2=$(json_field results,1,id)
assert_eq "the mapped columns" "fhir|treating_clinician|2026-11-02|salon|aesthetician|pen|1.50|female|5|LS6" \
	"$(sql "SELECT format, reporter_role, procedure_date, setting, practitioner_role, device, needle_depth_mm, sex, fitzpatrick, postcode_district FROM needlewatch.reports WHERE id = $AE1")"
assert_eq "the event, onset, severity and outcome" "infection_viral_hsv|Herpes labialis|3|12|moderate|f|resolving" \
	"$(sql "SELECT type, type_raw, onset_days, duration_days, severity, serious, outcome FROM needlewatch.report_complications WHERE report_id = $AE1")"
assert_eq "an unknown coding is kept and flagged" "other|Koebner phenomenon|t|t|resolved_with_sequelae" \
	"$(sql "SELECT c.type, c.type_raw, c.needs_review, r.needs_review, c.outcome FROM needlewatch.report_complications c JOIN needlewatch.reports r ON r.premises_id = c.premises_id AND r.id = c.report_id WHERE c.report_id = $AE2")"
assert_eq "the stored body is the AdverseEvent and what it refers to" "Bundle|5" \
	"$(sql "SELECT body::jsonb ->> 'resourceType', jsonb_array_length(body::jsonb -> 'entry') FROM needlewatch.reports WHERE id = $AE1")"
assert_eq "the subject is the pseudonym" t \
	"$(sql "SELECT body::jsonb #>> '{entry,0,resource,subject,reference}' = 'Patient/' || patient_pseudonym FROM needlewatch.reports WHERE id = $AE1")"
assert_eq "no name, birth date, address or NHS number is stored" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $FH_ID AND (body ~ 'Smith|1990-04-12|Headingley Lane|9434765919|2AB' OR normalised::text ~ 'Smith|9434765919')")"

# --- the same Bundle again: duplicates
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$FX/bundle-salon-complications.json"
assert_eq "the same Bundle again is all duplicates" "0|2|$AE1" \
	"$(json_field accepted)|$(json_field duplicate)|$(json_field results,0,id)"

# --- a lone AdverseEvent: a single report's answer
http POST /v1/reports "$FH2_TOKEN" "$FHIR" "$FX/adverseevent-contained.json"
assert_eq "a lone AdverseEvent answers 201" 201 "$STATUS"
assert_eq "its answer is the normalised report" "acne_flare|2|salon" \
	"$(json_field report,complications,0,type)|$(json_field report,complications,0,onset_days)|$(json_field report,procedure,place,setting)"
LONE=$(json_field id)
assert_eq "meta.versionId is the version, extensions fill the rest" "2|practitioner|35-44|0.50|t|fhir" \
	"$(sql "SELECT version, reporter_role, age_band, needle_depth_mm, sterile_single_use_cartridge, format FROM needlewatch.reports WHERE id = $LONE")"
assert_eq "a practitioner's AdverseEvent is placed at its own premises" "$FH2_ID" \
	"$(sql "SELECT procedure_premises_id FROM needlewatch.reports WHERE id = $LONE")"

# --- pseudonyms across formats: the FHIR subject identifier and a JSON patient.ref
R=$(report_json XF-FHIR-1)
post_json /v1/reports "$FH_TOKEN" "${R/opaque-local-id-XF-FHIR-1/P-77}"
assert_eq "the same ref in FHIR and JSON, from two premises, is one pseudonym" 1 \
	"$(sql "SELECT count(DISTINCT patient_pseudonym) FROM needlewatch.reports WHERE id IN ($LONE, $(json_field id))")"

# --- a Location in the premises-code system names a registered premises
CODE="GLOW-HDL-$RANDOM"
PLACE_ID=$(ctl premises add --name "Glow Headingley $CODE" --setting salon --postcode LS6 --code "$CODE" | tail -1)
cat >"$WORK/ae-registered.json" <<JSON
{"resourceType": "AdverseEvent", "identifier": {"value": "REG-1"},
 "event": {"text": "keloid"}, "date": "2026-10-20",
 "location": {"reference": "#loc"},
 "contained": [{"resourceType": "Location", "id": "loc",
   "identifier": [{"system": "https://needlewatch.uk/fhir/premises-code", "value": "$CODE"}]},
  {"resourceType": "Procedure", "id": "p", "performedDateTime": "2026-10-01"}],
 "suspectEntity": [{"instance": {"reference": "#p"}}]}
JSON
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$WORK/ae-registered.json"
assert_eq "an AdverseEvent at a registered premises is accepted" 201 "$STATUS"
assert_eq "it is counted at that premises, with its setting" "$PLACE_ID|salon|19" \
	"$(sql "SELECT r.procedure_premises_id, r.setting, c.onset_days FROM needlewatch.reports r JOIN needlewatch.report_complications c ON c.premises_id = r.premises_id AND c.report_id = r.id WHERE r.id = $(json_field id)")"

# --- the specification's own example: mapped, then refused for want of a procedure date
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$FX/spec-adverseevent-example.json"
assert_eq "the spec example answers 422" 422 "$STATUS"
assert_match "it needs the procedure date" '"field":"procedure.date"' "$BODY"

# --- refusals
printf '{"resourceType": "AdverseEvent", "identifier": {"value": "POT-1"}, "actuality": "potential", "event": {"text": "PIH"}}' >"$WORK/potential.json"
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$WORK/potential.json"
assert_eq "a potential event answers 422" 422 "$STATUS"
assert_match "the 422 names the FHIR element" '"field":"AdverseEvent.actuality"' "$BODY"
printf '{"resourceType": "Patient", "id": "x"}' >"$WORK/patient.json"
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$WORK/patient.json"
assert_eq "another resource type answers 400" 400 "$STATUS"
printf '{"resourceType": "Bundle", "type": "collection", "entry": []}' >"$WORK/empty-bundle.json"
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$WORK/empty-bundle.json"
assert_eq "a Bundle without an AdverseEvent answers 400" 400 "$STATUS"
assert_match "the 400 says so" "holds no AdverseEvent" "$BODY"
printf '{"resourceType": "AdverseEvent", "id": 1,}' >"$WORK/bad.json"
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$WORK/bad.json"
assert_eq "malformed FHIR JSON answers 400" 400 "$STATUS"

# --- FHIR callers get FHIR answers (issue 17): no Accept, or Accept naming FHIR
unset HTTP_ACCEPT
jqb() { jq -r "$1" <<<"$BODY" 2>/dev/null; }
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$FX/spec-adverseevent-example.json"
assert_eq "HL7's example answers 422 as an OperationOutcome" "422|OperationOutcome" \
	"$STATUS|$(jqb .resourceType)"
assert_match "the answer is application/fhir+json" "[Cc]ontent-[Tt]ype: application/fhir\+json" "$HEADERS"
assert_eq "the OperationOutcome names the element to fix" "AdverseEvent.suspectEntity" \
	"$(jqb '[.issue[] | select(.expression) | .expression[0]] | first')"
assert_match "and says both ways to link a procedure" \
	"performedDateTime.*StructureDefinition/procedure-date" \
	"$(jqb '.issue[] | select(.expression[0]? == "AdverseEvent.suspectEntity") | .diagnostics')"
assert_eq "a report field is a coding in the report-field system" "procedure.date" \
	"$(jqb '.issue[] | select(.details.coding[0].system? == "https://needlewatch.uk/fhir/report-field") | .details.coding[0].code' | head -1)"
HTTP_ACCEPT=application/fhir+json http POST /v1/reports "" "$FHIR" "$WORK/patient.json"
assert_eq "a 401 to a FHIR caller is an OperationOutcome with code login" "401|login" \
	"$STATUS|$(jqb '.issue[0].code')"

# a batch Bundle of one good AdverseEvent, a Procedure, and one refused
cat >"$WORK/batch.json" <<JSON
{"resourceType": "Bundle", "type": "batch", "entry": [
 {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Procedure", "id": "p1", "performedDateTime": "2026-10-01"},
  "request": {"method": "POST", "url": "Procedure"}},
 {"resource": {"resourceType": "AdverseEvent", "identifier": {"value": "BATCH-OK-$RANDOM"}, "event": {"text": "keloid"},
  "date": "2026-10-20", "suspectEntity": [{"instance": {"reference": "urn:uuid:p1"}}]},
  "request": {"method": "POST", "url": "AdverseEvent"}},
 {"resource": {"resourceType": "AdverseEvent", "identifier": {"value": "BATCH-BAD"}, "actuality": "potential",
  "event": {"text": "PIH"}}, "request": {"method": "POST", "url": "AdverseEvent"}}]}
JSON
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$WORK/batch.json"
assert_eq "a batch Bundle answers a batch-response, one entry per request entry" "200|Bundle|batch-response|3" \
	"$STATUS|$(jqb .resourceType)|$(jqb .type)|$(jqb '.entry | length')"
assert_eq "entry by entry: the Procedure read, the AdverseEvent created, the potential one refused" \
	"200 OK|201 Created|422 Unprocessable Entity" \
	"$(jqb '[.entry[].response.status] | join("|")')"
BATCH_LOC=$(jqb '.entry[1].response.location')
assert_eq "the created entry's location is its report" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $FH_ID AND '/v1/reports/' || id = '$BATCH_LOC'")"
assert_eq "the refused entry's outcome names its element" "Bundle.entry[2].resource.actuality" \
	"$(jqb '.entry[2].response.outcome.issue[0].expression[0]')"

# the same as a transaction: all or nothing
sed -e 's/"type": "batch"/"type": "transaction"/' -e 's/BATCH-OK-[0-9]*/TXN-OK-1/' "$WORK/batch.json" >"$WORK/txn.json"
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$WORK/txn.json"
assert_eq "a transaction with a refused entry answers 422 and stores nothing" "422|OperationOutcome|0" \
	"$STATUS|$(jqb .resourceType)|$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $FH_ID AND client_ref = 'TXN-OK-1'")"
assert_match "its outcome names the refused entry" "Bundle.entry\[2\].resource.actuality" "$BODY"
jq 'del(.entry[2])' "$WORK/txn.json" >"$WORK/txn-ok.json"
http POST /v1/reports "$FH_TOKEN" "$FHIR" "$WORK/txn-ok.json"
assert_eq "a valid transaction answers a transaction-response" "200|transaction-response|201 Created" \
	"$STATUS|$(jqb .type)|$(jqb '.entry[1].response.status')"

# the CapabilityStatement, without a token
http GET /fhir/metadata
assert_eq "GET /fhir/metadata is a CapabilityStatement for FHIR 4.0.1" \
	"200|CapabilityStatement|4.0.1|AdverseEvent|create" \
	"$STATUS|$(jqb .resourceType)|$(jqb .fhirVersion)|$(jqb '.rest[0].resource[0].type')|$(jqb '.rest[0].resource[0].interaction[0].code')"
assert_eq "it names batch and transaction" "batch transaction" "$(jqb '[.rest[0].interaction[].code] | join(" ")')"
