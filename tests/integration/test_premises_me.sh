# GET /v1/premises/me (issue 14, item 5): a reporter sees its own missing
# weeks, reports awaiting review, follow-ups due and last upload — and
# nothing of any other premises. Sourced by run.sh.

read -r PM_A PM_A_TOKEN <<<"$(named_reporter "Premises me A" salon LS6)"
read -r PM_B PM_B_TOKEN <<<"$(named_reporter "Premises me B" salon LS6)"
PM_REG_TOKEN=$(ctl token create --role regulator --name "premises me regulator" | tail -1)

# pm_week N: the ISO week N weeks before the current one, e.g. 2026-W45
pm_week() { sql "SELECT summary.iso_week(date_trunc('week', (now() AT TIME ZONE 'UTC')::date::timestamp)::date - 7 * $1)"; }
# pm_day N: the UTC date N days ago
pm_day() { sql "SELECT (now() AT TIME ZONE 'UTC')::date - $1"; }
PM_POST_FAILED=0
pm_post() {
	post_json "$2" "$1" "$3"
	[[ "$STATUS" =~ ^20[01]$ ]] || { PM_POST_FAILED=$((PM_POST_FAILED + 1)); echo "# $2: $STATUS $BODY"; }
}
# pm_report TOKEN REF VERSION DAYS_AGO OUTCOME [DEVICE]: a report whose procedure
# was DAYS_AGO days ago and whose one complication has OUTCOME
pm_report() {
	pm_post "$1" /v1/reports "$(report_json "$2" "$3" | sed -e "s/\"2026-11-02\"/\"$(pm_day "$4")\"/" \
		-e "s/\"outcome\": \"resolved\"/\"outcome\": \"$5\"/" -e "s/\"device\": \"pen\"/\"device\": \"${6:-pen}\"/")"
}

# Activity: A for 11 of the last 13 weeks (one of them a reported 0: that is
# activity too), not for 3 and 10 weeks ago; B for exactly those two, which
# must not fill A's gaps. The current week is not checked.
for n in 1 2 4 5 6 7 8 9 11 12 13; do
	pm_post "$PM_A_TOKEN" /v1/activity "{\"period\": \"$(pm_week "$n")\", \"procedures\": $((n == 5 ? 0 : 40))}"
done
for n in 3 10; do
	pm_post "$PM_B_TOKEN" /v1/activity "{\"period\": \"$(pm_week "$n")\", \"procedures\": 7}"
done
pm_post "$PM_A_TOKEN" /v1/activity "{\"period\": \"$(pm_week 0)\", \"procedures\": 3}"

# Reports.
pm_report "$PM_A_TOKEN" pm-a-due 1 120 ongoing            # due: ongoing after 120 days
pm_report "$PM_A_TOKEN" pm-a-recent 1 30 recovering       # not yet 90 days
pm_report "$PM_A_TOKEN" pm-a-edge 1 90 recovering         # exactly 90 days: not more than 90
pm_report "$PM_A_TOKEN" pm-a-healed 1 100 recovering      # was due ...
pm_report "$PM_A_TOKEN" pm-a-healed 2 100 resolved        # ... until this follow-up
pm_report "$PM_A_TOKEN" pm-a-review 1 10 resolved "zorblatt wand"  # device not in the vocabulary
pm_report "$PM_A_TOKEN" pm-a-fixed 1 12 resolved "zorblatt wand"
pm_report "$PM_A_TOKEN" pm-a-fixed 2 12 resolved          # corrected: nothing to review
pm_report "$PM_B_TOKEN" pm-b-due 1 200 ongoing
pm_report "$PM_B_TOKEN" pm-b-review 1 5 resolved "zorblatt wand"
assert_eq "the seed data was accepted" 0 "$PM_POST_FAILED"

http GET /v1/premises/me "$PM_A_TOKEN"
PM_A_BODY=$BODY
assert_eq "a reporter token reads its own premises" "200 $PM_A Premises me A" \
	"$STATUS $(json_field premises,id) $(json_field premises,name)"
assert_match "the answer is JSON" 'Content-Type: application/json' "$HEADERS"
assert_eq "the 13 complete weeks before this one are checked" "$(pm_week 13) $(pm_week 1) 13" \
	"$(json_field weeks_checked,from) $(json_field weeks_checked,to) $(json_field weeks_checked,count)"
assert_eq "weeks without activity: 10 and 3 weeks ago (a reported 0 is activity; B's weeks are not A's)" \
	"[\"$(pm_week 10)\", \"$(pm_week 3)\"]" "$(json_field weeks_without_activity)"
assert_eq "one report awaits vocabulary review (a corrected version does not)" "1 pm-a-review 1" \
	"$(json_field awaiting_review,count) $(json_field awaiting_review,reports,0,client_ref) $(json_field awaiting_review,reports,0,version)"
assert_match "the review entry names the field the vocabulary did not recognise" '"field": "procedure\.device"' \
	"$(json_field awaiting_review,reports,0,warnings)"
assert_eq "refused reports are not stored: no count, and it says so" "null|true" \
	"$(printf "SELECT coalesce(:'doc'::jsonb #> '{refused,count}', 'null'::jsonb)::text || '|' || ((:'doc'::jsonb #>> '{refused,detail}') LIKE '%%not stored%%')\n" |
		psql -X -q -tA "$OWNER_CONNINFO" -v "doc=$BODY")"
assert_eq "follow-up due: only the case still ongoing after 120 days" \
	"1 pm-a-due 120 [\"not_resolved\"] $(pm_day 120)" \
	"$(json_field follow_up_due,count) $(json_field follow_up_due,reports,0,client_ref) $(json_field follow_up_due,reports,0,days_since_procedure) $(json_field follow_up_due,reports,0,outcomes) $(json_field follow_up_due,reports,0,procedure_date)"
PM_UTC="'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
assert_eq "last report and activity received, and the later of the two" \
	"$(sql "SELECT to_char(max(received_at) AT TIME ZONE 'UTC', $PM_UTC) FROM needlewatch.reports WHERE premises_id = $PM_A")|$(sql "SELECT to_char(max(received_at) AT TIME ZONE 'UTC', $PM_UTC) FROM needlewatch.activity WHERE premises_id = $PM_A")|$(sql "SELECT to_char(greatest((SELECT max(received_at) FROM needlewatch.reports WHERE premises_id = $PM_A), (SELECT max(received_at) FROM needlewatch.activity WHERE premises_id = $PM_A)) AT TIME ZONE 'UTC', $PM_UTC)")" \
	"$(json_field last_report_at)|$(json_field last_activity_at)|$(json_field last_upload_at)"
assert_nomatch "nothing of premises B in A's answer" 'pm-b-|Premises me B' "$PM_A_BODY"

http GET /v1/premises/me "$PM_B_TOKEN"
assert_eq "B sees its own: weeks, review, follow-up" \
	"$PM_B 11 1 pm-b-review 1 pm-b-due" \
	"$(json_field premises,id) $(printf "SELECT jsonb_array_length(:'doc'::jsonb -> 'weeks_without_activity')\n" | psql -X -q -tA "$OWNER_CONNINFO" -v "doc=$BODY") $(json_field awaiting_review,count) $(json_field awaiting_review,reports,0,client_ref) $(json_field follow_up_due,count) $(json_field follow_up_due,reports,0,client_ref)"
assert_nomatch "nothing of premises A in B's answer" 'pm-a-|Premises me A' "$BODY"

# A premises that has sent nothing: every week missing, nothing uploaded.
read -r PM_C PM_C_TOKEN <<<"$(named_reporter "Premises me C" mobile LS6)"
http GET /v1/premises/me "$PM_C_TOKEN"
assert_eq "a premises that sent nothing: 13 weeks missing, no upload" "200 13 0 0 " \
	"$STATUS $(printf "SELECT jsonb_array_length(:'doc'::jsonb -> 'weeks_without_activity')\n" | psql -X -q -tA "$OWNER_CONNINFO" -v "doc=$BODY") $(json_field awaiting_review,count) $(json_field follow_up_due,count) $(json_field last_upload_at)"

http GET /v1/premises/me "$PM_REG_TOKEN"
assert_eq "a regulator token is refused" 403 "$STATUS"
assert_match "as problem+json saying what is needed" 'needs a reporter token' "$BODY"
http GET /v1/premises/me
assert_eq "no token: 401" 401 "$STATUS"
http POST /v1/premises/me "$PM_A_TOKEN"
assert_eq "POST is not allowed" 405 "$STATUS"

# --- needlewatch-upload status prints it -------------------------------------
printf '%s\n' "$PM_A_TOKEN" >"$WORK/pm_a.token"
printf '%s\n' "$PM_REG_TOKEN" >"$WORK/pm_reg.token"
chmod 0600 "$WORK/pm_a.token" "$WORK/pm_reg.token"
mkdir -p "$WORK/pm_spool/failed"
: >"$WORK/pm_spool/failed/r1.json"
echo '{"status": 422}' >"$WORK/pm_spool/failed/r1.json.problem.json"
: >"$WORK/pm_spool/failed/r2.csv"
echo '{"status": 400}' >"$WORK/pm_spool/failed/r2.csv.problem.json"
PM_OUT=$(timeout 30 "$BIN/needlewatch-upload" status --url "$NW_URL/" --token-file "$WORK/pm_a.token" \
	--ca-file "$WORK/tls/server.crt" --spool "$WORK/pm_spool" 2>&1)
assert_eq "upload status exits 0" 0 $?
assert_match "status: the premises" 'premises: Premises me A \([^,]+, salon\)' "$PM_OUT"
assert_match "status: the missing weeks, each listed" \
	"weeks without activity \($(pm_week 13) to $(pm_week 1)\): 2 of 13
  $(pm_week 10)
  $(pm_week 3)" "$PM_OUT"
assert_match "status: the report awaiting review and its field" \
	'reports awaiting vocabulary review: 1
  report [0-9]+ \(pm-a-review, version 1, received [0-9T:Z-]+\)
    procedure\.device: unknown device' "$PM_OUT"
assert_match "status: refused reports are not counted by the server; the spool's are" \
	"not counted by the server.*
  files refused, in $WORK/pm_spool/failed/: 2" "$PM_OUT"
assert_match "status: the follow-up due" \
	"follow-up due \(outcome ongoing or recovering more than 90 days after the procedure\): 1
  report [0-9]+ \(pm-a-due, version 1\): procedure $(pm_day 120), 120 days ago, outcome not_resolved" "$PM_OUT"
http GET /v1/premises/me "$PM_A_TOKEN"
assert_match "status: the last upload" "last upload received: $(json_field last_upload_at) \(report $(json_field last_report_at), activity $(json_field last_activity_at)\)" "$PM_OUT"
assert_nomatch "status never prints the token" "$PM_A_TOKEN" "$PM_OUT"
PM_JSON=$(timeout 30 "$BIN/needlewatch-upload" status --json --url "$NW_URL" --token-file "$WORK/pm_a.token" --ca-file "$WORK/tls/server.crt")
assert_eq "status --json prints the server's answer as it came" "$BODY" "$PM_JSON"
timeout 30 "$BIN/needlewatch-upload" status --url "$NW_URL" --token-file "$WORK/pm_reg.token" \
	--ca-file "$WORK/tls/server.crt" >/dev/null 2>"$WORK/pm_status.err"
assert_eq "status with a regulator token: exit 77 (token refused)" 77 $?
timeout 30 "$BIN/needlewatch-upload" status --url "http://127.0.0.1:$NW_PORT" --token-file "$WORK/pm_a.token" >/dev/null 2>&1
assert_eq "status refuses a non-https URL: exit 64" 64 $?
