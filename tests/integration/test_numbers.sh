# Figures that must not mislead (issue 14): the Fitzpatrick-adjusted ratio
# when a stratum is unusable, and the suppression threshold /v1/summaries
# reports. Sourced by run.sh. Runs against its own needlewatchd, which
# refreshes only when told to, so the state set here is the one answers read.

nw_own_daemon "summary_refresh_interval_s = 0"

# --- summary.mantel_haenszel95 skips unusable strata first -------------------
# The reference is tests/unit/stats_reference.py's "cases_without_procedures"
# (statsmodels StratifiedTable.riskratio_pooled, Greenland–Robins variance in
# exact fractions), the same literals tests/unit/test_stats.c checks stats.c
# against: type V has 3 cases and 0 procedures, five strata are usable.
MH_ARGS="ARRAY[1,0,2,1,3,0]::bigint[], ARRAY[40,55,38,20,0,12]::bigint[],
	ARRAY[2,3,1,2,0,1]::bigint[], ARRAY[90,160,120,75,30,25]::bigint[]"
# mh_within ARGS: each figure against the reference to 6 significant figures
# (relative 5e-7), and the strata used
mh_within() {
	sql "SELECT abs(rate_ratio / 1.2668368104297063 - 1) < 5e-7,
	            abs(ci95_low / 0.40304302213892629 - 1) < 5e-7,
	            abs(ci95_high / 3.9818962644303553 - 1) < 5e-7, strata
	     FROM summary.mantel_haenszel95($1)"
}
assert_eq "a stratum with cases but no procedures is skipped: RR_MH 1.26684 (0.403043–3.98190) over 5 strata" \
	"t|t|t|5" "$(mh_within "$MH_ARGS")"
assert_eq "the estimate, to 6 significant figures" "1.26684|0.403043|3.98190" \
	"$(sql "SELECT to_char(rate_ratio, 'FM0.00000') || '|' || to_char(ci95_low, 'FM0.000000') || '|' || to_char(ci95_high, 'FM0.00000') FROM summary.mantel_haenszel95($MH_ARGS)")"
# More events than procedures where there are procedures is no 2×2 table
# either: mh_three of test_stats.c (3.41837, 1.23688–9.44737) with two
# impossible strata added, three used.
assert_eq "strata with more events than procedures are skipped, the others still estimate" "3.41837|1.23688|9.44737|3" \
	"$(sql "SELECT to_char(rate_ratio, 'FM0.00000') || '|' || to_char(ci95_low, 'FM0.00000') || '|' || to_char(ci95_high, 'FM0.00000') || '|' || strata
	        FROM summary.mantel_haenszel95(ARRAY[3,9,8,1,2]::bigint[], ARRAY[200,8,400,50,100]::bigint[],
	                                       ARRAY[1,1,4,7,0]::bigint[], ARRAY[300,80,500,6,150]::bigint[])")"
assert_eq "only unusable strata: no ratio, 0 strata" "t|0" \
	"$(sql "SELECT rate_ratio IS NULL, strata FROM summary.mantel_haenszel95(ARRAY[3]::bigint[], ARRAY[0]::bigint[], ARRAY[1]::bigint[], ARRAY[100]::bigint[])")"

# --- GET /v1/summaries reports the threshold of the last refresh --------------
NUM_REG_TOKEN=$(ctl token create --role regulator --name "numbers regulator" | tail -1)
num_threshold() {
	http GET "/v1/summaries?from=2025-W10&to=2025-W11" "$NUM_REG_TOKEN"
	echo "$STATUS $(json_field suppression_threshold)"
}
sql "UPDATE summary.refresh_state SET refreshed_at = NULL, suppression_threshold = NULL" >/dev/null
assert_eq "before any refresh no threshold has been applied: null" "200 " "$(num_threshold)"
cp "$WORK/needlewatchd.conf" "$WORK/num_threshold3.conf"
echo "suppression_threshold = 3" >>"$WORK/num_threshold3.conf"
"$BIN/needlewatchctl" -c "$WORK/num_threshold3.conf" refresh >/dev/null
assert_eq "after a refresh with 3, the daemon (configured with 5) says 3" "200 3" "$(num_threshold)"
ctl refresh >/dev/null
assert_eq "after a refresh with 5 it says 5" "200 5" "$(num_threshold)"

# --- ... and so does the refresh: setting_comparisons for such a week --------
# The same six strata as above, sent as activity and reports for 2023-W20
# (a week no other test uses): mobile against medical_clinic, infection.
read -r _ NUM_M_TOKEN <<<"$(named_reporter "Numbers mobile" mobile LS6)"
read -r _ NUM_C_TOKEN <<<"$(named_reporter "Numbers clinic" medical_clinic LS6)"
NUM_FAILED=0
num_post() {
	post_json "$2" "$1" "$3"
	[ "$STATUS" = 201 ] || { NUM_FAILED=$((NUM_FAILED + 1)); echo "# $2: $STATUS ${BODY:0:300}"; }
}
num_post "$NUM_M_TOKEN" /v1/activity '{"period": "2023-W20", "procedures": 165,
  "by_fitzpatrick": {"1": 40, "2": 55, "3": 38, "4": 20, "5": 0, "6": 12}}'
num_post "$NUM_C_TOKEN" /v1/activity '{"period": "2023-W20", "procedures": 500,
  "by_fitzpatrick": {"1": 90, "2": 160, "3": 120, "4": 75, "5": 30, "6": 25}}'
# num_cases TOKEN PREFIX ROLE FITZPATRICK...: one infection case per type listed
num_cases() {
	local tok=$1 prefix=$2 role=$3 i=0 f
	shift 3
	for f in "$@"; do
		i=$((i + 1))
		num_post "$tok" /v1/reports "{\"client_ref\": \"$prefix-$i\", \"version\": 1,
 \"procedure\": {\"date\": \"2023-05-16\", \"type\": \"microneedling\", \"practitioner_role\": \"$role\"},
 \"patient\": {\"age_band\": \"25-34\", \"fitzpatrick\": \"$f\", \"postcode_district\": \"LS6\"},
 \"complications\": [{\"type\": \"cellulitis\", \"severity\": \"mild\"}], \"reporter_role\": \"practitioner\"}"
	done
}
num_cases "$NUM_M_TOKEN" num-m aesthetician I III III IV V V V
num_cases "$NUM_C_TOKEN" num-c nurse I I II II II III IV IV VI
assert_eq "the 2023-W20 seed was accepted" 0 "$NUM_FAILED"
ctl refresh >/dev/null
assert_eq "mobile type V: 3 cases, 0 procedures" "3|0" \
	"$(sql "SELECT events || '|' || procedures FROM summary.rates_fitzpatrick WHERE week = '2023-05-15' AND setting = 'mobile' AND complication_group = 'infection' AND fitzpatrick = 5")"
assert_eq "setting_comparisons: the adjusted ratio over the 5 usable types, as statsmodels gives it" \
	"t|t|t|5" \
	"$(sql "SELECT abs(rr_adjusted / 1.2668368104297063 - 1) < 5e-7,
	               abs(rr_adjusted_ci95_low / 0.40304302213892629 - 1) < 5e-7,
	               abs(rr_adjusted_ci95_high / 3.9818962644303553 - 1) < 5e-7, adjusted_strata
	        FROM summary.setting_comparisons
	        WHERE week = '2023-05-15' AND setting = 'mobile' AND complication_group = 'infection'")"
# GET /v1/summaries computes the same ratio with daemon/core/stats.c.
http GET "/v1/summaries?from=2023-W20&to=2023-W20&by=setting,complication&setting=mobile&complication=infection" "$NUM_REG_TOKEN"
assert_eq "GET /v1/summaries: the same adjusted ratio from stats.c" "200 t|t|t" \
	"$STATUS $(sql "SELECT abs(nullif('$(json_field rows,0,rr_adjusted)', '')::float8 / 1.2668368104297063 - 1) < 5e-7,
	                       abs(nullif('$(json_field rows,0,rr_adjusted_ci95_low)', '')::float8 / 0.40304302213892629 - 1) < 5e-7,
	                       abs(nullif('$(json_field rows,0,rr_adjusted_ci95_high)', '')::float8 / 3.9818962644303553 - 1) < 5e-7" 2>&1)"
