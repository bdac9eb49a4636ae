# The disclosure audit (issue 14, item 1): no hidden cell of the public views
# can be recovered from what they publish, checked by an attack written apart
# from the audit (tests/integration/disclosure_attack.py: its own model of
# what a reader knows, solved as integer programmes by glpsol).
#
# Week 2024-W20 (Monday 2024-05-13), which no other test uses:
#   mobile  DM1 (North West), 300 procedures broken down by Fitzpatrick type
#           and training; 5 cases by a nurse, one each of types I..V: 3
#           cellulitis (infection), 2 dark patches (pigmentation). The issue's
#           case: `any` shows 5, the five Fitzpatrick cells are hidden, so
#           each is 1.
#   salon   DS1 London 500 procedures, 10 cases; DS2 Wales 40, 1 case; DS3
#           Scotland 30, 1 case (all cellulitis): salon any 12 = 10 + two
#           hidden regions, so each is 1.
# Runs against its own needlewatchd, refreshing only when told to.

nw_own_daemon "summary_refresh_interval_s = 0"
DWEEK=2024-05-13
DDAY=2024-05-14
ATTACK="tests/integration/disclosure_attack.py"
read -r _ DM1_TOKEN <<<"$(named_reporter "Disc Mobile" mobile M14)"
read -r _ DS1_TOKEN <<<"$(named_reporter "Disc Salon London" salon EC1A)"
read -r _ DS2_TOKEN <<<"$(named_reporter "Disc Salon Wales" salon CF10)"
read -r _ DS3_TOKEN <<<"$(named_reporter "Disc Salon Scotland" salon EH1)"

DISC_FAILED=0
disc_post() { # TOKEN PATH JSON
	post_json "$2" "$1" "$3"
	[ "$STATUS" = 201 ] || { DISC_FAILED=$((DISC_FAILED + 1)); echo "# $2: $STATUS ${BODY:0:200}"; }
}
disc_report() { # TOKEN REF FITZ ROLE COMPLICATION
	disc_post "$1" /v1/reports "{\"client_ref\": \"$2\", \"version\": 1,
 \"procedure\": {\"date\": \"$DDAY\", \"type\": \"microneedling\", \"practitioner_role\": \"$4\"},
 \"patient\": {\"age_band\": \"25-34\", \"fitzpatrick\": \"$3\", \"postcode_district\": \"M14\"},
 \"complications\": [{\"type\": \"$5\", \"severity\": \"mild\"}], \"reporter_role\": \"practitioner\"}"
}
fitz_activity() { # PROCEDURES: split evenly over types I..V
	local p=$1 k=$(($1 / 5))
	echo "{\"period\": \"2024-W20\", \"procedures\": $p, \"by_fitzpatrick\": {\"1\": $k, \"2\": $k,
 \"3\": $k, \"4\": $k, \"5\": $((p - 4 * k)), \"6\": 0}, \"by_training\": {\"medically_trained\": $p,
 \"not_medically_trained\": 0}}"
}
disc_post "$DM1_TOKEN" /v1/activity "$(fitz_activity 300)"
disc_post "$DS1_TOKEN" /v1/activity "$(fitz_activity 500)"
disc_post "$DS2_TOKEN" /v1/activity "$(fitz_activity 40)"
disc_post "$DS3_TOKEN" /v1/activity "$(fitz_activity 30)"
i=0
for fitz in I II III; do disc_report "$DM1_TOKEN" "DM1-$fitz" "$fitz" nurse cellulitis; done
for fitz in IV V; do disc_report "$DM1_TOKEN" "DM1-$fitz" "$fitz" nurse "dark patches"; done
for i in $(seq 1 10); do disc_report "$DS1_TOKEN" "DS1-$i" III nurse cellulitis; done
disc_report "$DS2_TOKEN" DS2-1 III nurse cellulitis
disc_report "$DS3_TOKEN" DS3-1 III nurse cellulitis
assert_eq "the scenario is stored" 0 "$DISC_FAILED"

# summary line of the attack: "hidden=N pinned=P narrow=Q"
attack() { timeout 120 python3 "$ATTACK" "$OWNER_CONNINFO" "$DWEEK" --width 5 "$@" | tail -1; }
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }

# --- before the audit: 002's pattern, as its public views showed it -------
# A refresh without the audit (the SQL function alone, as from psql) chooses
# the pattern the old public views published: the attack recovers cells.
sql "SELECT needlewatch.refresh_summaries(5, false)" >/dev/null
assert_eq "the exact table holds the issue's row: mobile any 5, published by refresh_suppress" "5|f" \
	"$(sql "SELECT events, events_suppressed FROM summary.rates_week_setting WHERE week = '$DWEEK' AND setting = 'mobile' AND complication_group = 'any'")"
BEFORE=$(attack --source flags)
echo "# without the audit: $BEFORE"
assert_match "without the audit, the attack pins hidden cells (the issue reproduced)" \
	'pinned=([1-9][0-9]*)' "$BEFORE"
PINNED_LIST=$(timeout 120 python3 "$ATTACK" "$OWNER_CONNINFO" "$DWEEK" --source flags | grep '^pinned')
assert_match "...among them skin type V of the mobile any row, exactly 1" \
	'pinned fitz/mobile/5/any/e 1\.\.1' "$PINNED_LIST"
assert_match "...and the salons' Wales region, exactly 1" \
	'pinned region/salon/Wales/any/e 1\.\.1' "$PINNED_LIST"
# Until its audit has passed, the public views publish none of the week's counts.
assert_eq "an unaudited week is pending" pending \
	"$(sql "SELECT status FROM summary.suppression_audit WHERE week = '$DWEEK'")"
assert_eq "an unaudited week shows no count in the public views" "0" \
	"$(sql "SELECT count(*) FROM summary.public_rates_week_setting WHERE week = '$DWEEK' AND events <> 'suppressed'")"
assert_eq "...nor in the comparisons" "0" \
	"$(sql "SELECT count(*) FROM summary.public_setting_comparisons WHERE week = '$DWEEK' AND rate_ratio <> 'suppressed'")"

# --- needlewatchctl refresh audits ----------------------------------------------
OUT=$(ctl refresh)
assert_match "needlewatchctl refresh reports its audit" 'audit: [0-9]+ weeks, [0-9]+ hidden cells, [1-9][0-9]* hidden by the audit, 0 failed \(withheld\) in [0-9]+ ms$' "$OUT"
assert_eq "the week's audit passed, hiding more cells than refresh_suppress did" "passed|t|t|5" \
	"$(sql "SELECT status, cells_added > 0, rounds >= 2, threshold FROM summary.suppression_audit WHERE week = '$DWEEK'")"
AFTER=$(attack)
echo "# after the audit: $AFTER"
assert_eq "the attack on the public views pins no hidden cell" 0 "$(field pinned "$AFTER")"
assert_eq "...and narrows none to fewer than 5 values" 0 "$(field narrow "$AFTER")"
assert_match "...of the hidden cells it attacked" 'hidden=[1-9]' "$AFTER"
assert_eq "the audit's extra suppression is in the exact tables' flags" "t" \
	"$(sql "SELECT events_suppressed FROM summary.rates_week_setting WHERE week = '$DWEEK' AND setting = 'mobile' AND complication_group = 'any'")"
assert_eq "public: mobile any now reads suppressed" suppressed \
	"$(sql "SELECT events FROM summary.public_rates_week_setting WHERE week = '$DWEEK' AND setting = 'mobile' AND complication_group = 'any'")"
assert_eq "zeros are still published" 0 \
	"$(sql "SELECT count(*) FROM summary.rates_fitzpatrick WHERE week = '$DWEEK' AND events = 0 AND events_suppressed")"
assert_eq "comparisons follow the flags the audit set" 0 "$(sql "
	SELECT count(*) FROM summary.setting_comparisons c
	JOIN summary.rates_week_setting s ON s.week = c.week AND s.setting = c.setting
	 AND s.complication_group = c.complication_group
	WHERE c.week = '$DWEEK' AND s.events_suppressed AND NOT c.events_suppressed")"

# The daemon's role can add suppression only through the audit's function, and
# only to a week awaiting its audit.
assert_match "the daemon's role cannot write the summary tables" 'permission denied' \
	"$(sql_as needlewatch_app "UPDATE summary.rates_region SET events_suppressed = false WHERE week = '$DWEEK'" 2>&1)"
assert_match "an audited week cannot be recorded again" 'not awaiting its audit' \
	"$(sql_as needlewatch_app "SELECT needlewatch.record_suppression_audit('$DWEEK', 5, 'passed', '[]', 0, 0, 1, 0, NULL)" 2>&1)"

# --- needlewatchd's refresher audits too ---------------------------------------
BEFORE_AT=$(sql "SELECT audited_at FROM summary.suppression_audit WHERE week = '$DWEEK'")
disc_report "$DM1_TOKEN" DM1-VI VI nurse cellulitis
nw_restart_with "summary_refresh_interval_s = 1"
for _ in $(seq 1 100); do
	[ "$(sql "SELECT status = 'passed' AND audited_at > '$BEFORE_AT' FROM summary.suppression_audit WHERE week = '$DWEEK'")" = t ] && break
	sleep 0.2
done
assert_eq "needlewatchd's refresh audited the week again" "passed|6" \
	"$(sql "SELECT a.status, r.events FROM summary.suppression_audit a JOIN summary.rates_week_setting r ON r.week = a.week AND r.setting = 'mobile' AND r.complication_group = 'any' WHERE a.week = '$DWEEK'")"
assert_match "needlewatchd logs the audit" 'event=summaries_refreshed .*audited=[0-9]+ audit_failed=0' \
	"$(grep 'summaries_refreshed' "$NW_LOG" | tail -1)"
AFTER=$(attack)
assert_eq "after the daemon's refresh the attack still pins nothing" "0 0" \
	"$(field pinned "$AFTER") $(field narrow "$AFTER")"
