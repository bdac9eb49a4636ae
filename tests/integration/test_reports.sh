# POST /v1/reports and GET /v1/reports/{id}: every row of the foundation
# issue's table, and the rows in PostgreSQL afterwards.

read -r SALON_ID SALON_TOKEN <<<"$(new_reporter salon LS6)"
read -r CLINIC_ID CLINIC_TOKEN <<<"$(new_reporter medical_clinic EC1A)"
REGULATOR_TOKEN=$(ctl token create --role regulator --name "Test Regulator" | tail -1)

# --- valid report: 201 only after COMMIT, with id, normalised report, warnings
post_json /v1/reports "$SALON_TOKEN" "$(report_json GLOW-1)"
assert_eq "valid report answers 201" 201 "$STATUS"
ID1=$(json_field id)
assert_match "201 carries the new id" '^[0-9]+$' "$ID1"
assert_eq "201 carries status accepted" accepted "$(json_field status)"
assert_eq "answer has the normalised setting" salon "$(json_field report,procedure,setting)"
assert_eq "answer has the normalised complication" infection_viral_hsv "$(json_field report,complications,0,type)"
assert_eq "answer has the complication group" infection "$(json_field report,complications,0,group)"
assert_eq "answer has fitzpatrick IV as 4" 4 "$(json_field report,patient,fitzpatrick)"
assert_match "Location header points at the report" "Location: /v1/reports/$ID1" "$HEADERS"
assert_eq "the row is committed when the 201 arrives" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE id = $ID1")"
assert_eq "stored normalised columns" "salon|aesthetician|t|pen|1.50|4|Yorkshire and The Humber|practitioner" \
	"$(sql "SELECT setting, practitioner_role, medically_trained IS FALSE, device, needle_depth_mm, fitzpatrick, region, reporter_role FROM needlewatch.reports WHERE id = $ID1")"
assert_eq "the procedure premises is the reporting salon" "$SALON_ID" \
	"$(sql "SELECT procedure_premises_id FROM needlewatch.reports WHERE id = $ID1")"
assert_eq "one complication row with code and raw text" "infection_viral_hsv|cold sores|infection|3|10|moderate|resolved" \
	"$(sql "SELECT type, type_raw, complication_group, onset_days, duration_days, severity, outcome FROM needlewatch.report_complications WHERE report_id = $ID1")"
assert_eq "verbatim body is stored" "free text" \
	"$(sql "SELECT body::jsonb ->> 'narrative' FROM needlewatch.reports WHERE id = $ID1")"
assert_eq "patient.ref is stored only as its 64-hex pseudonym" "t|t" \
	"$(sql "SELECT patient_pseudonym ~ '^[0-9a-f]{64}\$', (body::jsonb #>> '{patient,ref}') = patient_pseudonym FROM needlewatch.reports WHERE id = $ID1")"
assert_eq "the clear patient ref is nowhere in the database" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE body LIKE '%opaque-local-id%' OR normalised::text LIKE '%opaque-local-id%'")"

# --- idempotent replay: 200, same id, nothing stored twice
post_json /v1/reports "$SALON_TOKEN" "$(report_json GLOW-1)"
assert_eq "same client_ref, version and body answers 200" 200 "$STATUS"
assert_eq "replay returns the same id" "$ID1" "$(json_field id)"
assert_eq "replay says duplicate" duplicate "$(json_field status)"
assert_eq "replay stores nothing" 1 "$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'GLOW-1'")"

# --- same key, different body: 409
post_json /v1/reports "$SALON_TOKEN" "$(report_json GLOW-1 | sed 's/free text/changed narrative/')"
assert_eq "same key with a different body answers 409" 409 "$STATUS"
assert_match "409 is problem+json" 'Content-Type: application/problem\+json' "$HEADERS"
assert_eq "409 stores nothing" 1 "$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'GLOW-1'")"

# --- follow-up version: 201, supersedes
post_json /v1/reports "$SALON_TOKEN" "$(report_json GLOW-1 2)"
assert_eq "a higher version answers 201" 201 "$STATUS"
ID2=$(json_field id)
assert_eq "both versions are kept" 2 "$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'GLOW-1'")"
assert_eq "the latest version supersedes" "2|$ID2" \
	"$(sql "SELECT version, id FROM needlewatch.latest_reports WHERE client_ref = 'GLOW-1'")"

# --- the same client_ref from another premises is a different case
post_json /v1/reports "$CLINIC_TOKEN" "$(report_json GLOW-1)"
assert_eq "the idempotency key is per premises" 201 "$STATUS"

# --- malformed bodies: 400
for body in 'not json' '[1, 2]' '"a string"' '{"client_ref": "X"} trailing' '{"a":1,"a":2}' '{"n": 01}'; do
	post_json /v1/reports "$SALON_TOKEN" "$body"
	assert_eq "malformed body '${body:0:24}' answers 400" 400 "$STATUS"
done
assert_match "400 is problem+json with a detail" '"detail":"' "$BODY"

# --- invalid values: 422 with field paths
check_422() { # DESCRIPTION FIELD JSON
	post_json /v1/reports "$SALON_TOKEN" "$3"
	assert_eq "$1 answers 422" 422 "$STATUS"
	assert_match "$1 names field $2" "\"field\":\"${2//[/\\[}\"" "$BODY"
}
R=$(report_json BAD-1)
check_422 "a future date" procedure.date "${R/2026-11-02/2099-01-01}"
check_422 "fitzpatrick 9" patient.fitzpatrick "${R/\"IV\"/9}"
check_422 "depth 12 mm" procedure.needle_depth "${R/1.5 mm/12 mm}"
check_422 "missing client_ref" client_ref "${R/\"client_ref\": \"BAD-1\",/}"
check_422 "empty complications" complications "$(printf '%s' "$R" | tr '\n' ' ' | sed 's/"complications": \[.*\]/"complications": []/')"
check_422 "a negative onset" 'complications[0].onset_days' "${R/\"onset_days\": 3/\"onset_days\": -3}"
assert_eq "nothing invalid was stored" 0 "$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'BAD-1'")"

# --- unknown vocabulary: kept, flagged, warned, never refused
R=$(report_json ODD-1)
R=${R/beauty salon/a friend\'s kitchen}
R=${R/cold sores/purple glitter rash}
post_json /v1/reports "$SALON_TOKEN" "$R"
assert_eq "unknown terms are accepted" 201 "$STATUS"
assert_match "unknown terms produce warnings" '"warnings":\[\{"field"' "$BODY"
ODD=$(json_field id)
assert_eq "unknown complication is stored as other with its raw text, flagged" "other|purple glitter rash|t" \
	"$(sql "SELECT type, type_raw, needs_review FROM needlewatch.report_complications WHERE report_id = $ODD")"
assert_eq "the report is flagged for review" t "$(sql "SELECT needs_review FROM needlewatch.reports WHERE id = $ODD")"

# --- authentication and authorisation
post_json /v1/reports "" "$(report_json AUTH-1)"
assert_eq "no token answers 401" 401 "$STATUS"
assert_match "401 asks for a bearer token" 'WWW-Authenticate: Bearer' "$HEADERS"
post_json /v1/reports "nwt_000000000000000000000000000000000000000000000000" "$(report_json AUTH-1)"
assert_eq "an unknown token answers 401" 401 "$STATUS"
post_json /v1/reports "$REGULATOR_TOKEN" "$(report_json AUTH-1)"
assert_eq "a regulator token on POST /v1/reports answers 403" 403 "$STATUS"
read -r _ DOOMED_TOKEN <<<"$(new_reporter salon LS6)"
DOOMED_ID=$(sql "SELECT max(id) FROM needlewatch.accounts")
post_json /v1/reports "$DOOMED_TOKEN" "$(report_json AUTH-2)"
assert_eq "a token works before revocation" 201 "$STATUS"
ctl token revoke "$DOOMED_ID" >/dev/null
post_json /v1/reports "$DOOMED_TOKEN" "$(report_json AUTH-3)"
assert_eq "a revoked token answers 401 at once" 401 "$STATUS"
assert_eq "only hashes are stored" 0 "$(sql "SELECT count(*) FROM needlewatch.accounts WHERE token_sha256 = '$DOOMED_TOKEN'")"

# --- size and media type
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
http POST /v1/reports "$SALON_TOKEN" application/json "$WORK/big.json"
assert_eq "a body over max_body_bytes answers 413" 413 "$STATUS"
report_json CT-1 >"$WORK/ct.json"
http POST /v1/reports "$SALON_TOKEN" text/plain "$WORK/ct.json"
assert_eq "a non-JSON Content-Type answers 415" 415 "$STATUS"
http POST /v1/reports "$SALON_TOKEN" "application/json; charset=utf-8" "$WORK/ct.json"
assert_eq "application/json with a charset is accepted" 201 "$STATUS"

# --- GET /v1/reports/{id}: own premises only
http GET "/v1/reports/$ID1" "$SALON_TOKEN"
assert_eq "the reporting premises reads its report" 200 "$STATUS"
assert_eq "GET returns the stored normalised report" infection_viral_hsv "$(json_field report,complications,0,type)"
assert_eq "GET returns the client_ref" GLOW-1 "$(json_field client_ref)"
http GET "/v1/reports/$ID1" "$CLINIC_TOKEN"
assert_eq "another premises gets 404" 404 "$STATUS"
http GET "/v1/reports/999999999" "$SALON_TOKEN"
assert_eq "an unknown id gets 404" 404 "$STATUS"

# --- health
http GET /healthz
assert_eq "/healthz answers 200" 200 "$STATUS"
http GET /readyz
assert_eq "/readyz answers 200 with the database up" 200 "$STATUS"
http GET /metrics
assert_match "/metrics counts accepted reports" 'needlewatch_reports_total\{outcome="accepted"\} [1-9]' "$BODY"
