# Third-party reports and premises codes (issue 12, item 2).
#
# A practitioner may name only its own premises; a GP, A&E or a patient may
# name any, and such a report counts where the procedure was done but is
# marked third-party: reports.third_party, events_third_party in the summary
# tables and in GET /v1/summaries, and `needlewatchctl review third-party`.
# Premises codes are random with a Luhn mod 32 check character, checked here
# by an implementation of the algorithm independent of daemon/core.
#
# Week 2024-W30 (Monday 2024-07-22), which no other test uses. Scenario:
#   TPC  a clinic, 1000 procedures; it reports 2 cases of its own
#   TPG  a GP (treating_clinician) reports 1 case at TPC; a patient, through
#        TPP's token (reporter_role patient), reports 1 more: TPC's rate
#        moves from 2 to 4 per 1,000, and 2 of its 4 events are third-party
#   TPR  a rival salon whose practitioner tries to charge TPC: refused

TP_DATE=2024-07-23
TP_WEEK=2024-W30
TP_REG=$(ctl token create --role regulator --name "Third-party Regulator" | tail -1)
read -r TPC TPC_TOKEN <<<"$(named_reporter "TP Clinic $RANDOM" medical_clinic LS6)"
read -r TPG TPG_TOKEN <<<"$(named_reporter "TP GP $RANDOM" medical_clinic B1)"
read -r TPP TPP_TOKEN <<<"$(named_reporter "TP Pharmacy $RANDOM" unknown M14)"
read -r TPR TPR_TOKEN <<<"$(named_reporter "TP Rival Salon $RANDOM" salon LS6)"
tp_code() { sql "SELECT code FROM needlewatch.premises WHERE id = $1"; }
TPC_CODE=$(tp_code "$TPC")

# luhn32_ok CODE: the check character of a code agrees (Luhn mod N, N = 32,
# over 23456789ABCDEFGHJKLMNPQRSTUVWXYZ; the check character is rightmost).
luhn32_ok() {
	local s=${1/-/} alpha=23456789ABCDEFGHJKLMNPQRSTUVWXYZ sum=0 f=1 i before a
	for ((i = ${#s} - 1; i >= 0; i--)); do
		before=${alpha%%"${s:i:1}"*}
		[ ${#before} -eq 32 ] && return 1
		a=$((f * ${#before}))
		sum=$((sum + a / 32 + a % 32))
		f=$((3 - f))
	done
	[ $((sum % 32)) -eq 0 ]
}

# --- codes: random, well-formed, with a check character ----------------------
TP_CODES=("$TPC_CODE" "$(tp_code "$TPG")" "$(tp_code "$TPP")" "$(tp_code "$TPR")")
TP_BAD=0
for c in "${TP_CODES[@]}"; do
	[[ "$c" =~ ^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{5}$ ]] && luhn32_ok "$c" || TP_BAD=$((TP_BAD + 1))
done
assert_eq "generated codes are XXXX-XXXXC over the alphabet without 0/O/1/I and pass their check" 0 "$TP_BAD"
assert_eq "four premises added in a row get four different codes" 4 \
	"$(printf '%s\n' "${TP_CODES[@]}" | sort -u | wc -l)"
assert_nomatch "codes are not sequential any more" '^P[0-9]+$' "${TP_CODES[*]}"
OUT=$(ctl premises add --name "TP Typo Code" --setting salon --postcode LS6 --code "ZZZZ-ZZZZB" 2>&1)
assert_eq "premises add refuses a chosen code of the generated shape that fails its check (exit 64)" \
	"64|1" "$?|$(grep -c 'check character' <<<"$OUT")"

# tp_report TOKEN REF ROLE CODE-JSON [COMPLICATION]
tp_report() {
	post_json /v1/reports "$1" "{\"client_ref\": \"$2\", \"version\": 1,
 \"procedure\": {\"date\": \"$TP_DATE\", \"type\": \"microneedling\", \"premises_code\": $4,
   \"practitioner_role\": \"nurse\"},
 \"patient\": {\"age_band\": \"25-34\", \"fitzpatrick\": \"III\", \"postcode_district\": \"LS6\"},
 \"complications\": [{\"type\": \"${5:-cold sores}\", \"severity\": \"mild\"}],
 \"reporter_role\": \"$3\"}"
}
tp_stored() { sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = '$1'"; }

# --- a practitioner names only its own premises --------------------------------
tp_report "$TPR_TOKEN" TP-RIVAL-1 practitioner "\"$TPC_CODE\""
assert_eq "a practitioner naming another premises is refused with 422" 422 "$STATUS"
assert_eq "the refusal names procedure.premises_code" procedure.premises_code \
	"$(json_field errors,0,field)"
assert_match "the refusal says a practitioner names only its own premises" "only its own premises" \
	"$(json_field errors,0,message)"
assert_eq "nothing of the refused report is stored" 0 "$(tp_stored TP-RIVAL-1)"
tp_report "$TPR_TOKEN" TP-RIVAL-2 practitioner '"NOWHERE-42"'
assert_eq "a practitioner naming an unregistered code is refused too (it is not its own)" \
	"422|0" "$STATUS|$(tp_stored TP-RIVAL-2)"
printf '[%s, %s]' \
	"$(report_json TP-RIVAL-3 | sed "s/\"premises_code\": null/\"premises_code\": \"$TPC_CODE\"/")" \
	"$(report_json TP-RIVAL-4)" >"$WORK/tp_batch.json"
http POST /v1/reports "$TPR_TOKEN" application/json "$WORK/tp_batch.json"
assert_eq "in a batch, the item naming another premises is rejected and the other stored" \
	"200|rejected|procedure.premises_code|accepted|0|1" \
	"$STATUS|$(json_field results,0,status)|$(json_field results,0,errors,0,field)|$(json_field results,1,status)|$(tp_stored TP-RIVAL-3)|$(tp_stored TP-RIVAL-4)"
TPC_LOWER=$(tr 'A-Z' 'a-z' <<<"$TPC_CODE")
tp_report "$TPC_TOKEN" TP-OWN-1 practitioner "\"$TPC_LOWER\""
assert_eq "a practitioner naming its own code (even in lower case) is accepted, not third-party" \
	"201|$TPC|f" \
	"$STATUS|$(sql "SELECT procedure_premises_id, third_party FROM needlewatch.reports WHERE client_ref = 'TP-OWN-1'" | tr '|' '|')"

# --- mistyped codes are told apart from unregistered places ------------------
alpha=23456789ABCDEFGHJKLMNPQRSTUVWXYZ
first=${TPC_CODE:0:1}
before=${alpha%%"$first"*}
other=${alpha:$(((${#before} + 1) % 32)):1}
TP_TYPO="$other${TPC_CODE:1}"
tp_report "$TPG_TOKEN" TP-TYPO-1 treating_clinician "\"$TP_TYPO\""
assert_eq "a code with one character mistyped is refused with 422" 422 "$STATUS"
assert_match "the refusal says the code is mistyped, not unregistered" "mistyped" \
	"$(json_field errors,0,message)"
assert_eq "nothing of the mistyped report is stored" 0 "$(tp_stored TP-TYPO-1)"
tp_report "$TPG_TOKEN" TP-UNREG-1 treating_clinician '"ZZZZ-ZZZZA"' # valid, unregistered
assert_eq "a well-formed but unregistered code is stored as an unregistered place, with a warning" \
	"201|no registered premises has this code; counted as an unregistered place" \
	"$STATUS|$(json_field warnings,0,message)"
LEGACY=$(ctl premises add --name "TP Legacy $RANDOM" --setting salon --postcode LS6 --code "P0$((90000 + RANDOM % 9999))" | tail -1)
LEGACY_CODE=$(tp_code "$LEGACY")
tp_report "$TPG_TOKEN" TP-LEGACY-1 treating_clinician "\"$LEGACY_CODE\""
assert_eq "an old sequential-style code ($LEGACY_CODE) still names its premises" "201|$LEGACY" \
	"$STATUS|$(sql "SELECT procedure_premises_id FROM needlewatch.reports WHERE client_ref = 'TP-LEGACY-1'")"

# --- third-party reports count, marked ---------------------------------------
post_json /v1/activity "$TPC_TOKEN" "{\"period\": \"$TP_WEEK\", \"procedures\": 1000}"
assert_eq "TPC's activity is accepted" 201 "$STATUS"
tp_report "$TPC_TOKEN" TP-C-1 practitioner null
assert_eq "TPC's own case is accepted" 201 "$STATUS"
tp_report "$TPG_TOKEN" TP-G-1 treating_clinician "\"$TPC_CODE\"" cellulitis
assert_eq "a treating clinician naming a premises is accepted" 201 "$STATUS"
tp_report "$TPP_TOKEN" TP-P-1 patient "\"$TPC_CODE\""
assert_eq "a patient's report naming a premises is accepted" 201 "$STATUS"
tp_row() { sql "SELECT premises_id, procedure_premises_id, third_party FROM needlewatch.reports WHERE client_ref = '$1'"; }
assert_eq "third-party reports are kept with the reporting premises and marked; the clinic's own is not" \
	"$TPG|$TPC|t $TPP|$TPC|t $TPC|$TPC|f" "$(tp_row TP-G-1) $(tp_row TP-P-1) $(tp_row TP-C-1)"
assert_eq "third_party follows its rule on every stored row" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE third_party <> (procedure_premises_id IS DISTINCT FROM premises_id)")"

# --- the summaries count them, and say how many ------------------------------
ctl refresh >/dev/null
TPW() { # TABLE GROUP COLUMNS: TP_WEEK's medical_clinic rows (summed over other keys)
	sql "SELECT $3 FROM summary.$1 WHERE week = '2024-07-22' AND setting = 'medical_clinic' AND complication_group = '$2'"
}
assert_eq "two third-party reports move the clinic's rate (2 -> 4 per 1,000) and are shown as such" \
	"4|2|1000|4" "$(TPW rates_week_setting any "events, events_third_party, procedures, rate_per_1000")"
assert_eq "per group: all four are infections, two of them third-party" "4|2" \
	"$(TPW rates_week_setting infection "events, events_third_party")"
assert_eq "rates_region carries events_third_party too" "4|2" \
	"$(TPW rates_region any "sum(events), sum(events_third_party)")"
assert_eq "cases without a denominator are not in events_third_party (no Fitzpatrick or training breakdown)" \
	"0|0 0|0" "$(TPW rates_fitzpatrick any "sum(events), sum(events_third_party)") $(TPW rates_training any "sum(events), sum(events_third_party)")"
assert_eq "the public views do not show third-party counts" 0 \
	"$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'summary' AND table_name LIKE 'public_%' AND column_name LIKE '%third_party%'")"
assert_eq "a regulator's database role reads events_third_party" 2 \
	"$(sql_as needlewatch_regulator "SELECT events_third_party FROM summary.rates_week_setting WHERE week = '2024-07-22' AND setting = 'medical_clinic' AND complication_group = 'any'")"

tp_summary() { http GET "/v1/summaries?from=$TP_WEEK&to=$TP_WEEK&setting=medical_clinic&by=$1" "$TP_REG"; }
tp_summary setting
assert_eq "GET /v1/summaries answers events and events_third_party" "200|4|2|4" \
	"$STATUS|$(json_field rows,0,events)|$(json_field rows,0,events_third_party)|$(json_field rows,0,rate_per_1000)"
tp_summary setting,region
assert_eq "... also by region (from event_cells)" "4|2" \
	"$(json_field rows,0,events)|$(json_field rows,0,events_third_party)"
http GET "/v1/summaries?from=$TP_WEEK&to=$TP_WEEK&setting=medical_clinic&complication_type=infection_bacterial&by=setting,complication_type" "$TP_REG"
assert_eq "... and by complication type (from event_type_cells): cellulitis is the GP's" "1|1" \
	"$(json_field rows,0,events)|$(json_field rows,0,events_third_party)"
curl -sS --cacert "$WORK/tls/server.crt" --max-time 30 -H "Authorization: Bearer $TP_REG" -H "Accept: text/csv" \
	"$NW_URL/v1/summaries?from=$TP_WEEK&to=$TP_WEEK&setting=medical_clinic&by=setting" >"$WORK/tp.csv"
assert_eq "the CSV answer has an events_third_party column with the same figure" "2" \
	"$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^events_third_party/) c = i } NR == 2 { print $c }' "$WORK/tp.csv" | tr -d '\r')"

# --- the regulator sees who charged whom --------------------------------------
OUT=$(ctl review third-party --premises "$TPC_CODE")
assert_eq "review third-party lists one line per reporting premises naming TPC" 2 \
	"$(grep -c "^$TPC_CODE" <<<"$OUT")"
assert_match "review third-party shows the GP, its role and its report" \
	"$TPC_CODE +medical_clinic +$(tp_code "$TPG") .*treating_clinician +1 +1 +$TP_WEEK" "$OUT"
assert_nomatch "review third-party does not list the clinic's own reports" "$TPC_CODE +medical_clinic +$TPC_CODE" "$OUT"
OUT=$(ctl review third-party --premises "$(tp_code "$TPR")")
assert_eq "review third-party says when no third-party report names a premises" \
	"no third-party reports name this premises" "$OUT"
