# POST /v1/activity: the denominator. JSON and CSV, replace-on-resend with
# the history kept, validation with field paths, and the dirty-week marks
# the refresh works from. Weeks 2025-W20..W30 at premises of its own.

read -r ACT_ID ACT_TOKEN <<<"$(new_reporter salon LS6)"
read -r ACT2_ID ACT2_TOKEN <<<"$(new_reporter medical_clinic EC1A)"
ACT_REGULATOR=$(ctl token create --role regulator --name "Activity Regulator" | tail -1)

act_rows() { # WHERE-clause on needlewatch.activity for the first premises
	sql "SELECT count(*) FROM needlewatch.activity WHERE premises_id = $ACT_ID AND $1"
}

# --- one week as JSON: 201 after the commit, with the stored figures
sql "DELETE FROM needlewatch.dirty_weeks WHERE week = '2025-05-12'" >/dev/null
post_json /v1/activity "$ACT_TOKEN" '{"period": "2025-W20", "procedure_type": "microneedling",
 "procedures": 120, "by_fitzpatrick": {"1": 10, "2": 20, "3": 30, "4": 30, "5": 20, "6": 10},
 "by_training": {"medically_trained": 0, "not_medically_trained": 120}}'
assert_eq "activity answers 201" 201 "$STATUS"
assert_eq "the answer carries the ISO week" 2025-W20 "$(json_field period)"
assert_eq "the answer carries its Monday" 2025-05-12 "$(json_field week_start)"
assert_eq "the answer carries the procedures" 120 "$(json_field procedures)"
assert_eq "the answer carries the breakdown" 30 "$(json_field by_fitzpatrick,4)"
assert_eq "the answer carries the training split" 120 "$(json_field by_training,not_medically_trained)"
assert_eq "a first figure replaces nothing" false "$(json_field replaced)"
ACT_FIRST=$(json_field id)
assert_eq "the row is committed when the 201 arrives" "2025-05-12|microneedling|120|{10,20,30,30,20,10}|0|120|json" \
	"$(sql "SELECT week, procedure_type, procedures, by_fitzpatrick, procedures_trained, procedures_untrained, format FROM needlewatch.activity WHERE premises_id = $ACT_ID AND id = $ACT_FIRST")"
assert_eq "the week is marked for the next refresh" 1 \
	"$(sql "SELECT count(*) > 0 FROM needlewatch.dirty_weeks WHERE week = '2025-05-12'" | sed 's/t/1/')"

# --- re-sending the same premises, week and type replaces; history is kept
post_json /v1/activity "$ACT_TOKEN" '{"period": "2025-05-14", "procedure_type": "dermapen treatment", "procedures": 130}'
assert_eq "a corrected figure answers 201" 201 "$STATUS"
assert_eq "a date names its week" 2025-W20 "$(json_field period)"
assert_eq "the correction says it replaced a figure" true "$(json_field replaced)"
assert_eq "no breakdown is null in the answer" "" "$(json_field by_fitzpatrick)"
assert_eq "both submissions are kept" 2 "$(act_rows "week = '2025-05-12'")"
assert_eq "the latest submission is the one that counts" "130||" \
	"$(sql "SELECT procedures, by_fitzpatrick, procedures_trained FROM needlewatch.latest_activity WHERE premises_id = $ACT_ID AND week = '2025-05-12'")"
post_json /v1/activity "$ACT_TOKEN" '{"period": "2025-W20", "procedure_type": "RF microneedling", "procedures": 7}'
assert_eq "another procedure type is another figure" false "$(json_field replaced)"
assert_eq "the type is the vocabulary code" rf_microneedling "$(json_field procedure_type)"
post_json /v1/activity "$ACT2_TOKEN" '{"period": "2025-W20", "procedures": 50}'
assert_eq "another premises' figure for the week is its own" false "$(json_field replaced)"

# --- an array: every item stored, in one transaction
post_json /v1/activity "$ACT_TOKEN" '[{"period": "2025-W21", "procedures": 40},
 {"period": "2025-W22", "procedures": 0, "by_fitzpatrick": {}}]'
assert_eq "an array answers 201" 201 "$STATUS"
assert_eq "an array answers with items" "2025-W21 2025-W22" "$(json_field items,0,period) $(json_field items,1,period)"
assert_eq "zero procedures with an empty breakdown is a valid week" "0|{0,0,0,0,0,0}" \
	"$(sql "SELECT procedures, by_fitzpatrick FROM needlewatch.activity WHERE premises_id = $ACT_ID AND week = '2025-05-26'")"

# --- CSV, the template first
http POST /v1/activity "$ACT_TOKEN" text/csv "$ROOT/config/activity-template.csv"
assert_eq "the shipped CSV template is accepted as it is" 201 "$STATUS"
assert_eq "the template's rows are stored as csv" 3 "$(act_rows "format = 'csv'")"
assert_eq "the template's first row" "2025-11-10|microneedling|120|{10,30,40,25,10,5}|120|0" \
	"$(sql "SELECT week, procedure_type, procedures, by_fitzpatrick, procedures_trained, procedures_untrained FROM needlewatch.activity WHERE premises_id = $ACT_ID AND format = 'csv' ORDER BY id LIMIT 1")"
printf 'Week;Procedures;Fitzpatrick 1;Fitzpatrick 2;Fitzpatrick 3;Fitzpatrick 4;Fitzpatrick 5;Fitzpatrick 6\r\n2025-W23;60;10;10;10;10;10;10\r\n2025-W21;45;;;;;;\r\n' >"$WORK/act.csv"
http POST /v1/activity "$ACT_TOKEN" "text/csv; charset=utf-8" "$WORK/act.csv"
assert_eq "CSV with ; and spreadsheet headers answers 201" 201 "$STATUS"
assert_eq "CSV items say what they replaced" "false true" "$(json_field items,0,replaced) $(json_field items,1,replaced)"
assert_eq "the CSV correction counts" 45 \
	"$(sql "SELECT procedures FROM needlewatch.latest_activity WHERE premises_id = $ACT_ID AND week = '2025-05-19'")"

# --- invalid values: 422 with field paths, nothing stored
act_422() { # DESCRIPTION FIELD CONTENT-TYPE BODY
	local before
	before=$(act_rows true)
	printf '%s' "$4" >"$WORK/act.body"
	http POST /v1/activity "$ACT_TOKEN" "$3" "$WORK/act.body"
	assert_eq "$1 answers 422" 422 "$STATUS"
	assert_match "$1 names field $2" "\"field\":\"${2//[/\\[}\"" "$BODY"
	assert_eq "$1 stores nothing" "$before" "$(act_rows true)"
}
act_422 "a negative count" procedures application/json '{"period": "2025-W24", "procedures": -5}'
act_422 "a week in the future" period application/json '{"period": "2099-W01", "procedures": 5}'
act_422 "a breakdown that does not sum" by_fitzpatrick application/json \
	'{"period": "2025-W24", "procedures": 100, "by_fitzpatrick": {"1": 10, "2": 20}}'
act_422 "a training split that does not sum" by_training application/json \
	'{"period": "2025-W24", "procedures": 10, "by_training": {"medically_trained": 3, "not_medically_trained": 3}}'
act_422 "a malformed week" period application/json '{"period": "2025-24", "procedures": 5}'
act_422 "week 53 of a 52-week year" period application/json '{"period": "2025-W53", "procedures": 5}'
act_422 "an unknown procedure type" procedure_type application/json '{"period": "2025-W24", "procedure_type": "tattoo", "procedures": 5}'
act_422 "an unknown member" by_fitzpatric application/json '{"period": "2025-W24", "procedures": 5, "by_fitzpatric": {}}'
act_422 "a Fitzpatrick type twice" by_fitzpatrick.IV application/json \
	'{"period": "2025-W24", "procedures": 2, "by_fitzpatrick": {"4": 1, "IV": 1}}'
act_422 "a bad item in an array" '[1].procedures' application/json \
	'[{"period": "2025-W24", "procedures": 5}, {"period": "2025-W25", "procedures": 2.5}]'
act_422 "the same week twice in one request" '[1].period' application/json \
	'[{"period": "2025-W24", "procedures": 5}, {"period": "2025-W24", "procedures": 6}]'
act_422 "a negative CSV cell" 'line 3.procedures' text/csv $'period,procedures\n2025-W24,5\n2025-W25,-1\n'
assert_match "every error of a request is listed" '"field":"period".*"field":"procedures"' \
	"$(post_json /v1/activity "$ACT_TOKEN" '{"period": "2025-W99", "procedures": "many"}'; echo "$BODY")"

# --- malformed bodies: 400; wrong media type: 415
act_400() { # DESCRIPTION CONTENT-TYPE BODY
	printf '%s' "$3" >"$WORK/act.body"
	http POST /v1/activity "$ACT_TOKEN" "$2" "$WORK/act.body"
	assert_eq "$1 answers 400" 400 "$STATUS"
}
act_400 "not JSON" application/json '{"period": "2025-W24",'
act_400 "a JSON string" application/json '"2025-W24"'
act_400 "duplicate keys" application/json '{"period": "2025-W24", "procedures": 1, "procedures": 2}'
act_400 "an empty body" application/json ''
act_400 "an unknown CSV column" text/csv $'period,procedures,colour\n2025-W24,1,red\n'
act_400 "a CSV without rows" text/csv $'period,procedures\n'
act_400 "a CSV with an open quote" text/csv $'period,procedures\n"2025-W24,1\n'
printf '{}' >"$WORK/act.body"
http POST /v1/activity "$ACT_TOKEN" text/plain "$WORK/act.body"
assert_eq "a text/plain body answers 415" 415 "$STATUS"

# --- who may send activity
post_json /v1/activity "" '{"period": "2025-W24", "procedures": 1}'
assert_eq "no token answers 401" 401 "$STATUS"
post_json /v1/activity "$ACT_REGULATOR" '{"period": "2025-W24", "procedures": 1}'
assert_eq "a regulator token answers 403" 403 "$STATUS"
assert_eq "nothing was stored for 2025-W24" 0 "$(sql "SELECT count(*) FROM needlewatch.activity WHERE week = '2025-06-09'")"

# --- the daemon may insert activity but never rewrite history
assert_match "the daemon's role cannot update activity" 'permission denied' \
	"$(sql_as needlewatch_app "UPDATE needlewatch.activity SET procedures = 1" 2>&1)"
assert_match "the daemon's role cannot delete activity" 'permission denied' \
	"$(sql_as needlewatch_app "DELETE FROM needlewatch.activity" 2>&1)"
