# POST /v1/reports with many reports: a JSON array and application/x-ndjson.
# One result per item in order, valid items stored beside rejected ones, the
# whole batch in one transaction, limits, and 503 with the database down.

read -r B_ID B_TOKEN <<<"$(new_reporter salon LS6)"
read -r B2_ID B2_TOKEN <<<"$(new_reporter medical_clinic EC1A)"

# one line of JSON per report, for arrays and NDJSON
compact() { tr -d '\n' | tr -s ' '; }
R_A=$(report_json BAT-A | compact)
R_B=$(report_json BAT-B | compact); R_B=${R_B/2026-11-02/2099-01-01}
R_C=$(report_json BAT-C | compact); R_C=${R_C/cold sores/purple glitter rash}
R_D=$(report_json BAT-D | compact)
R_E=$(report_json BAT-E | compact)
R_E2=$(report_json BAT-E | compact); R_E2=${R_E2/free text/changed narrative}

# --- BAT-D and BAT-E exist before the batch: a replay and a conflict
post_json /v1/reports "$B_TOKEN" "$R_D"
D_ID=$(json_field id)
post_json /v1/reports "$B_TOKEN" "$R_E"
assert_eq "the reports the batch will repeat are stored first" 201 "$STATUS"

# --- a mixed JSON array
post_json /v1/reports "$B_TOKEN" "[$R_A, $R_B, $R_C, $R_D, $R_E2]"
assert_eq "a mixed batch answers 200" 200 "$STATUS"
assert_eq "results come in order with their index" "0 1 2 3 4" \
	"$(for i in 0 1 2 3 4; do json_field "results,$i,index"; done | tr '\n' ' ' | sed 's/ $//')"
assert_eq "item statuses: accepted, rejected, accepted, duplicate, conflict" \
	"accepted rejected accepted duplicate conflict" \
	"$(for i in 0 1 2 3 4; do json_field "results,$i,status"; done | tr '\n' ' ' | sed 's/ $//')"
assert_eq "counts per outcome" "2|1|1|1" \
	"$(json_field accepted)|$(json_field duplicate)|$(json_field conflict)|$(json_field rejected)"
A_ID=$(json_field results,0,id)
C_ID=$(json_field results,2,id)
assert_match "an accepted item carries its new id" '^[0-9]+$' "$A_ID"
assert_eq "an accepted item carries its client_ref and version" "BAT-A|1" \
	"$(json_field results,0,client_ref)|$(json_field results,0,version)"
assert_eq "a rejected item names the field" procedure.date "$(json_field results,1,errors,0,field)"
assert_match "a rejected item says why" "future" "$(json_field results,1,errors,0,message)"
assert_eq "a rejected item echoes its client_ref" BAT-B "$(json_field results,1,client_ref)"
assert_eq "a duplicate carries the existing id" "$D_ID" "$(json_field results,3,id)"
assert_eq "a conflict names the version" version "$(json_field results,4,errors,0,field)"
assert_match "an unknown term is a warning on its item" 'complications\[0\]\.type' \
	"$(json_field results,2,warnings)"
assert_eq "valid items are stored beside the rejected one" "BAT-A BAT-C" \
	"$(sql "SELECT string_agg(client_ref, ' ' ORDER BY client_ref) FROM needlewatch.reports WHERE premises_id = $B_ID AND client_ref IN ('BAT-A','BAT-B','BAT-C')")"
assert_eq "stored rows are normalised like single reports" "infection_viral_hsv|json" \
	"$(sql "SELECT c.type, r.format FROM needlewatch.reports r JOIN needlewatch.report_complications c ON c.premises_id = r.premises_id AND c.report_id = r.id WHERE r.id = $A_ID")"
assert_eq "the unknown term is stored as other, flagged" "other|t" \
	"$(sql "SELECT type, needs_review FROM needlewatch.report_complications WHERE report_id = $C_ID")"
assert_eq "the conflict stored nothing new" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $B_ID AND client_ref = 'BAT-E'")"
assert_eq "the batch's patient refs are stored only as pseudonyms" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $B_ID AND body LIKE '%opaque-local-id%'")"

# --- one group commit: every row of a batch has the same inserting transaction
BIG="["
for i in $(seq 1 20); do BIG+="$(report_json "TX-$i" | compact),"; done
BIG="${BIG%,}]"
post_json /v1/reports "$B_TOKEN" "$BIG"
assert_eq "twenty reports in one batch are accepted" 20 "$(json_field accepted)"
assert_eq "the whole batch is one transaction (one xmin)" "20|1" \
	"$(sql "SELECT count(*), count(DISTINCT xmin::text) FROM needlewatch.reports WHERE premises_id = $B_ID AND client_ref LIKE 'TX-%'")"
post_json /v1/reports "$B_TOKEN" "$BIG"
assert_eq "the same batch again is all duplicates" "0|20" "$(json_field accepted)|$(json_field duplicate)"

# --- duplicates inside one batch
post_json /v1/reports "$B_TOKEN" "[$(report_json IN-1 | compact), $(report_json IN-1 | compact), $(report_json IN-1 | compact | sed 's/free text/changed/')]"
assert_eq "a repeat inside a batch is a duplicate, a changed one a conflict" \
	"accepted duplicate conflict" \
	"$(for i in 0 1 2; do json_field "results,$i,status"; done | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the repeat points at the first item's row" "$(json_field results,0,id)" "$(json_field results,1,id)"

# --- NDJSON: one report per line; a bad line rejects only itself
{
	report_json ND-1 | compact; echo
	echo
	echo '{"client_ref": "ND-2", "version": 1,'
	echo '[1, 2]'
	report_json ND-3 | compact; printf '\r\n'
} >"$WORK/batch.ndjson"
http POST /v1/reports "$B_TOKEN" application/x-ndjson "$WORK/batch.ndjson"
assert_eq "NDJSON answers 200" 200 "$STATUS"
assert_eq "NDJSON results name their lines (blank lines skipped)" "1 3 4 5" \
	"$(for i in 0 1 2 3; do json_field "results,$i,line"; done | tr '\n' ' ' | sed 's/ $//')"
assert_eq "NDJSON statuses" "accepted rejected rejected accepted" \
	"$(for i in 0 1 2 3; do json_field "results,$i,status"; done | tr '\n' ' ' | sed 's/ $//')"
assert_match "a broken line says where" "not valid JSON at byte" "$(json_field results,1,errors,0,message)"
assert_eq "a non-object line is rejected" "a report must be a JSON object" "$(json_field results,2,errors,0,message)"
assert_eq "NDJSON's valid lines are stored" 2 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $B_ID AND client_ref IN ('ND-1','ND-3')")"

# --- the shape of the batch itself
post_json /v1/reports "$B_TOKEN" "[]"
assert_eq "an empty array answers 400" 400 "$STATUS"
post_json /v1/reports "$B_TOKEN" "[$R_A, 7]"
assert_eq "an array with a non-object answers 400" 400 "$STATUS"
assert_match "the 400 names the item" "item 1" "$BODY"
printf '\n \n' >"$WORK/empty.ndjson"
http POST /v1/reports "$B_TOKEN" application/x-ndjson "$WORK/empty.ndjson"
assert_eq "NDJSON without a report answers 400" 400 "$STATUS"
MAXB=$(sed -n 's/^max_batch_reports *= *//p' "$WORK/needlewatchd.conf"); MAXB=${MAXB:-1000}
{ printf '['; for _ in $(seq 1 "$MAXB"); do printf '{},'; done; printf '{}]'; } >"$WORK/over.json"
http POST /v1/reports "$B_TOKEN" application/json "$WORK/over.json"
assert_eq "one report over max_batch_reports answers 413" 413 "$STATUS"
assert_match "the 413 says the limit" "at most $MAXB reports" "$BODY"
for _ in $(seq 0 "$MAXB"); do echo '{}'; done >"$WORK/over.ndjson"
http POST /v1/reports "$B_TOKEN" application/x-ndjson "$WORK/over.ndjson"
assert_eq "NDJSON over max_batch_reports answers 413" 413 "$STATUS"
{ printf '['; for _ in $(seq 2 "$MAXB"); do printf '{},'; done; printf '{}]'; } >"$WORK/max.json"
http POST /v1/reports "$B_TOKEN" application/json "$WORK/max.json"
# (too long an answer for json_field's psql argument: match the total)
assert_eq "exactly max_batch_reports items are taken (each rejected here)" 200 "$STATUS"
assert_match "all $MAXB items have a result" "\"accepted\":0,\"duplicate\":0,\"conflict\":0,\"rejected\":$MAXB[,}]" "$BODY"

# --- the same patient ref from two premises is one pseudonym
post_json /v1/reports "$B2_TOKEN" "[$(report_json PSEUDO-1 | compact | sed 's/opaque-local-id-PSEUDO-1/shared-patient-77/')]"
post_json /v1/reports "$B_TOKEN" "[$(report_json PSEUDO-2 | compact | sed 's/opaque-local-id-PSEUDO-2/shared-patient-77/')]"
assert_eq "the same ref from two premises gives one pseudonym" "2|1" \
	"$(sql "SELECT count(*), count(DISTINCT patient_pseudonym) FROM needlewatch.reports WHERE client_ref IN ('PSEUDO-1','PSEUDO-2')")"

# --- metrics count batch items by outcome
http GET /metrics
assert_match "/metrics counts rejected reports" 'needlewatch_reports_total\{outcome="rejected"\} [1-9]' "$BODY"

# --- the database down: the whole batch answers 503, nothing half-stored
"$ROOT/scripts/pg-dev.sh" stop
post_json /v1/reports "$B_TOKEN" "[$(report_json DOWNB-1 | compact), $(report_json DOWNB-2 | compact)]"
assert_eq "a batch with the database down answers 503" 503 "$STATUS"
assert_match "the batch 503 carries Retry-After" 'Retry-After: [0-9]+' "$HEADERS"
"$ROOT/scripts/pg-dev.sh" start
for _ in $(seq 1 50); do
	post_json /v1/reports "$B_TOKEN" "[$(report_json DOWNB-1 | compact), $(report_json DOWNB-2 | compact)]"
	[ "$STATUS" = 200 ] && break
	sleep 0.2
done
assert_eq "the retried batch is stored once the database is back" "200|2" "$STATUS|$(json_field accepted)"
assert_eq "each retried report is stored exactly once" 2 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref IN ('DOWNB-1','DOWNB-2')")"
