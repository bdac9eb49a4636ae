# The summary tables and GET /v1/summaries against a scenario whose every
# figure is worked out by hand below (docs/rates.md).
#
# Weeks 2025-W10 (Monday 2025-03-03) and 2025-W11 (2025-03-10), which no
# other test uses, at premises of this file's own; every query filters on
# them. Reference intervals were computed independently of both stats.c and
# the SQL functions: Wilson from its closed form and Clopper–Pearson by
# bisection on the regularized incomplete beta, in mpmath at 40 digits.
#
# Premises (setting, region from the postcode):
#   C1 medical_clinic Yorkshire and The Humber   C2 medical_clinic London
#   S1 salon Yorkshire and The Humber            S2 salon London
#   M1 mobile North West                         G1 a GP (medical_clinic, West
#      Midlands) reporting as treating clinician, with no activity of its own
#
# Activity, 2025-W10: C1 1000 (Fitzpatrick 100/300/300/200/50/50; training
#   1000 medically trained / 0 not), C2 500 (50/150/150/100/25/25), S1 400
#   (40/120/120/80/20/20; training 0 / 400), S2 80 then corrected to 100, M1 200.
# 2025-W11: C1 800, S1 300 (30/90/90/60/15/15); nothing from C2, S2, M1.
#
# Cases (latest versions; roles nurse/doctor are medically trained,
# aesthetician/self not):
#   W10 C1-1 nurse IV cold sores (infection)      C1-2 doctor V dark patches (pigmentation)
#       C1-3 nurse III cellulitis, then v2: keloid (scarring only)
#       C2-1 nurse II cellulitis (infection)
#       S1-1 IV cellulitis   S1-2 V cold sores + dark patches   S1-3 VI cold sores + cellulitis
#       S1-4 IV transient redness (an expected reaction: no event)
#       S1-5 IV PIH          S1-6 II "infection" (infection_unspecified)
#       S2-1 no skin type, cold sores    M1-1 nurse III cold sores
#       G1-1 a DIY dermaroller at home, cold sores (unregistered, patient in LS6)
#       G1-2 an unregistered beauty salon, dark patches (patient in EC1A)
#       G1-3 at S2 (premises_code), aesthetician III, cellulitis: counts for S2
#   W11 C1-4 nurse II cold sores   S1-7 III cellulitis   M1-2 nurse I cold sores (M1: no activity)

# The daemon's own timer would race the checks of what a refresh consumes:
# off until the end, where it is tested. Its own needlewatchd, so that the
# run's shared daemon keeps its configuration.
nw_own_daemon "summary_refresh_interval_s = 0"
SUM_REG=$(ctl token create --role regulator --name "Summaries Regulator" | tail -1)
read -r C1 C1_TOKEN <<<"$(named_reporter "Sum Clinic One" medical_clinic LS6 SUM-C1)"
read -r C2 C2_TOKEN <<<"$(named_reporter "Sum Clinic Two" medical_clinic EC1A SUM-C2)"
read -r S1 S1_TOKEN <<<"$(named_reporter "Sum Salon One" salon LS6 SUM-S1)"
read -r S2 S2_TOKEN <<<"$(named_reporter "Sum Salon Two" salon EC1A SUM-S2)"
read -r M1 M1_TOKEN <<<"$(named_reporter "Sum Mobile One" mobile M14 SUM-M1)"
read -r G1 G1_TOKEN <<<"$(named_reporter "Sum GP" medical_clinic B1 SUM-G1)"

SUM_FAILED_POSTS=0
sum_post() { # TOKEN PATH JSON: counts anything but 201
	post_json "$2" "$1" "$3"
	if [ "$STATUS" != 201 ]; then
		SUM_FAILED_POSTS=$((SUM_FAILED_POSTS + 1))
		echo "# $2 answered $STATUS: ${BODY:0:300}"
	fi
}
# sum_report TOKEN REF VERSION DATE PRACTITIONER FITZ COMPLICATIONS [SETTING CODE POSTCODE ROLE]
sum_report() {
	local fitz=null setting=null code=null
	[ -n "$6" ] && fitz="\"$6\""
	[ -n "${8:-}" ] && setting="\"$8\""
	[ -n "${9:-}" ] && code="\"$9\""
	local comps="" c
	IFS=',' read -ra list <<<"$7"
	for c in "${list[@]}"; do
		comps+="${comps:+, }{\"type\": \"$c\", \"severity\": \"mild\"}"
	done
	sum_post "$1" /v1/reports "{\"client_ref\": \"$2\", \"version\": $3,
 \"procedure\": {\"date\": \"$4\", \"type\": \"microneedling\", \"setting\": $setting,
   \"premises_code\": $code, \"practitioner_role\": \"$5\"},
 \"patient\": {\"age_band\": \"25-34\", \"fitzpatrick\": $fitz, \"postcode_district\": \"${10:-LS6}\"},
 \"complications\": [$comps], \"reporter_role\": \"${11:-practitioner}\"}"
}
W10=2025-03-04
W11=2025-03-11

sum_post "$C1_TOKEN" /v1/activity '[{"period": "2025-W10", "procedures": 1000,
  "by_fitzpatrick": {"1": 100, "2": 300, "3": 300, "4": 200, "5": 50, "6": 50},
  "by_training": {"medically_trained": 1000, "not_medically_trained": 0}},
 {"period": "2025-W11", "procedures": 800}]'
sum_post "$C2_TOKEN" /v1/activity '{"period": "2025-W10", "procedures": 500,
  "by_fitzpatrick": {"1": 50, "2": 150, "3": 150, "4": 100, "5": 25, "6": 25}}'
sum_post "$S1_TOKEN" /v1/activity '[{"period": "2025-W10", "procedures": 400,
  "by_fitzpatrick": {"1": 40, "2": 120, "3": 120, "4": 80, "5": 20, "6": 20},
  "by_training": {"medically_trained": 0, "not_medically_trained": 400}},
 {"period": "2025-W11", "procedures": 300,
  "by_fitzpatrick": {"1": 30, "2": 90, "3": 90, "4": 60, "5": 15, "6": 15}}]'
sum_post "$S2_TOKEN" /v1/activity '{"period": "2025-W10", "procedures": 80}'
sum_post "$S2_TOKEN" /v1/activity '{"period": "2025-W10", "procedures": 100}'
sum_post "$M1_TOKEN" /v1/activity '{"period": "2025-W10", "procedures": 200}'

sum_report "$C1_TOKEN" C1-1 1 $W10 nurse IV "cold sores"
sum_report "$C1_TOKEN" C1-2 1 $W10 doctor V "dark patches"
sum_report "$C1_TOKEN" C1-3 1 $W10 nurse III "cellulitis"
sum_report "$C1_TOKEN" C1-3 2 $W10 nurse III "keloid"
sum_report "$C2_TOKEN" C2-1 1 $W10 nurse II "cellulitis"
sum_report "$S1_TOKEN" S1-1 1 $W10 aesthetician IV "cellulitis"
sum_report "$S1_TOKEN" S1-2 1 $W10 aesthetician V "cold sores,dark patches"
sum_report "$S1_TOKEN" S1-3 1 $W10 aesthetician VI "cold sores,cellulitis"
sum_report "$S1_TOKEN" S1-4 1 $W10 aesthetician IV "transient redness"
sum_report "$S1_TOKEN" S1-5 1 $W10 aesthetician IV "PIH"
sum_report "$S1_TOKEN" S1-6 1 $W10 aesthetician II "infection"
sum_report "$S2_TOKEN" S2-1 1 $W10 aesthetician "" "cold sores"
sum_report "$M1_TOKEN" M1-1 1 $W10 nurse III "cold sores"
sum_report "$G1_TOKEN" G1-1 1 $W10 self-administered "" "cold sores" "DIY dermaroller" "" LS6 treating_clinician
sum_report "$G1_TOKEN" G1-2 1 $W10 aesthetician "" "dark patches" "beauty salon" "" EC1A treating_clinician
sum_report "$G1_TOKEN" G1-3 1 $W10 aesthetician III "cellulitis" "" SUM-S2 EC1A treating_clinician
sum_report "$C1_TOKEN" C1-4 1 $W11 nurse II "cold sores"
sum_report "$S1_TOKEN" S1-7 1 $W11 aesthetician III "cellulitis"
sum_report "$M1_TOKEN" M1-2 1 $W11 nurse I "cold sores"
assert_eq "the scenario's activity and reports are all accepted" 0 "$SUM_FAILED_POSTS"
assert_eq "G1-3 counts at S2, a registered salon" "$S2|salon" \
	"$(sql "SELECT procedure_premises_id, setting FROM needlewatch.reports WHERE client_ref = 'G1-3'")"

# --- refresh: only the dirty weeks, in one transaction -------------------------
assert_eq "the scenario's weeks are marked dirty" 2 \
	"$(sql "SELECT count(DISTINCT week) FROM needlewatch.dirty_weeks WHERE week IN ('2025-03-03', '2025-03-10')")"
OUT=$(ctl refresh)
assert_match "needlewatchctl refresh says how many weeks it recomputed" '^refresh: [0-9]+ weeks recomputed in [0-9]+ ms$' "$(head -1 <<<"$OUT")"
assert_eq "no dirty week is left after a refresh" 0 "$(sql "SELECT count(*) FROM needlewatch.dirty_weeks")"
assert_eq "refresh_state records the refresh" "t|5|f" \
	"$(sql "SELECT refreshed_at > now() - interval '1 minute', suppression_threshold, full_refresh FROM summary.refresh_state")"

# close_to DESCRIPTION EXPECTED ACTUAL: equal to 6 significant figures
close_to() {
	if awk -v e="$2" -v a="$3" 'BEGIN { d = e - a; if (d < 0) d = -d; m = e < 0 ? -e : e;
		exit !(a != "" && (m == 0 ? d == 0 : d <= 5e-7 * m)) }'; then
		pass "$1"
	else
		fail "$1 (expected $2, got '$3')"
	fi
}
WS() { # SETTING GROUP COLUMNS: a 2025-W10 row of rates_week_setting
	sql "SELECT $3 FROM summary.rates_week_setting WHERE week = '${4:-2025-03-03}' AND setting = '$1' AND complication_group = '$2'"
}

# --- summary.rates_week_setting, 2025-W10 ---------------------------------------
# medical_clinic: procedures 1000 + 500 = 1500 from 2 premises;
#   infection C1-1, C2-1 = 2; pigmentation C1-2 = 1; scarring C1-3 v2 = 1
#   (its v1 cellulitis no longer counts); any = 4.
# salon: procedures 400 + 100 (S2's correction replaces its 80) = 500 from 2;
#   infection S1-1, S1-2, S1-3, S1-6, S2-1, G1-3 = 6 (S1-3's two infections count
#   once); pigmentation S1-2, S1-5 = 2; any = 7 (S1-4's expected reaction is none).
# mobile: 200 from 1; infection M1-1 = 1.
assert_eq "rates_week_setting has 3 settings x 8 groups for 2025-W10" 24 \
	"$(sql "SELECT count(*) FROM summary.rates_week_setting WHERE week = '2025-03-03'")"
assert_eq "medical_clinic infection: 2 events in 1500 procedures, 2 premises" "2025-W10|2|1500|2|0|exact" \
	"$(WS medical_clinic infection "iso_week, events, procedures, premises_reporting, events_without_activity, ci_method")"
assert_eq "medical_clinic pigmentation, scarring, any" "1 1 4" \
	"$(WS medical_clinic pigmentation events) $(WS medical_clinic scarring events) $(WS medical_clinic any events)"
assert_eq "salon infection: 6 events in 500 procedures (80 replaced by 100)" "6|500|2|0|wilson" \
	"$(WS salon infection "events, procedures, premises_reporting, events_without_activity, ci_method")"
assert_eq "of salon infection's 6, G1-3 is third-party; medical clinics have none" "1 0" \
	"$(WS salon infection events_third_party) $(WS medical_clinic any events_third_party)"
assert_eq "salon pigmentation 2, any 7, scarring 0" "2 7 0" \
	"$(WS salon pigmentation events) $(WS salon any events) $(WS salon scarring events)"
assert_eq "mobile infection: 1 in 200" "1|200|1" "$(WS mobile infection "events, procedures, premises_reporting")"
assert_eq "expected reactions are nowhere" 0 \
	"$(sql "SELECT count(*) FROM summary.event_cells WHERE complication_group = 'expected'")"
# 6/500 = 12 per 1,000, Wilson 5.51099517403–25.9303611164 (the worked example of docs/rates.md)
close_to "salon infection rate 6/500 = 12 per 1,000" 12 "$(WS salon infection rate_per_1000)"
close_to "salon infection Wilson low" 5.51099517403 "$(WS salon infection ci95_low)"
close_to "salon infection Wilson high" 25.9303611164 "$(WS salon infection ci95_high)"
# 2/1500 = 1.33333 per 1,000, Clopper–Pearson 0.161513659563–4.80807757634
close_to "medical_clinic infection rate 2/1500" 1.33333333333 "$(WS medical_clinic infection rate_per_1000)"
close_to "medical_clinic infection exact low" 0.161513659563 "$(WS medical_clinic infection ci95_low)"
close_to "medical_clinic infection exact high" 4.80807757634 "$(WS medical_clinic infection ci95_high)"
# 0/500: exact 0–7.35061005191; 7/500 = 14, Wilson 6.79778979084–28.6130691378
close_to "salon scarring 0/500 exact high" 7.35061005191 "$(WS salon scarring ci95_high)"
assert_eq "salon scarring 0/500 exact low is 0" 0 "$(WS salon scarring ci95_low)"
close_to "salon any 7/500 Wilson low" 6.79778979084 "$(WS salon any ci95_low)"
close_to "mobile infection 1/200 exact high" 27.5418984572 "$(WS mobile infection ci95_high)"

# 2025-W11: medical_clinic 1/800 (C1); salon 1/300 (S1); mobile: M1-2 has no
# activity that week, so 0 events, 0 procedures, 1 case without activity.
assert_eq "2025-W11 medical_clinic and salon infection" "1|800 1|300" \
	"$(WS medical_clinic infection "events, procedures" 2025-03-10) $(WS salon infection "events, procedures" 2025-03-10)"
assert_eq "2025-W11 mobile: a case without activity has no rate" "0|0|0|1|t" \
	"$(WS mobile infection "events, procedures, premises_reporting, events_without_activity, rate_per_1000 IS NULL" 2025-03-10)"

# The SQL interval functions at the edges stats.c's unit tests use, against
# the same SciPy reference values (tests/unit/test_stats.c): 0 events, events
# = procedures, a single procedure, a million procedures.
while read -r fn x n low high; do
	close_to "$fn($x, $n) low" "$low" "$(sql "SELECT ci95_low FROM summary.$fn($x, $n)")"
	close_to "$fn($x, $n) high" "$high" "$(sql "SELECT ci95_high FROM summary.$fn($x, $n)")"
done <<'REF'
clopper_pearson95 0 1 0 975
clopper_pearson95 1 1 25 1000
clopper_pearson95 10 10 691.50289218123919 1000
clopper_pearson95 1 10 2.5285785444617845 445.01611702819537
clopper_pearson95 0 1000000 0 0.0036888726502064886
clopper_pearson95 3 1000000 0.00061867255019064002 0.0087672477880676777
clopper_pearson95 4 1000 1.0909079877259718 10.209664683929871
wilson95 0 10 0 277.53279986288925
wilson95 1 1 206.54931437723738 1000
wilson95 12345 1000000 12.130446166424585 12.563300432385422
wilson95 999999 1000000 999.99433508819573 999.99982347542323
REF
assert_eq "rate_ci95 picks exact below 5 events, Wilson from 5, nothing without procedures" "exact wilson true" \
	"$(sql "SELECT (summary.rate_ci95(4, 100)).ci_method || ' ' || (summary.rate_ci95(5, 100)).ci_method || ' ' || ((summary.rate_ci95(1, 0)).rate_per_1000 IS NULL)")"

# --- summary.setting_comparisons, 2025-W10 ---------------------------------------
CMP() { sql "SELECT $3 FROM summary.setting_comparisons WHERE week = '2025-03-03' AND setting = '$1' AND complication_group = '$2'"; }
assert_eq "no comparison of medical_clinic with itself" 0 \
	"$(sql "SELECT count(*) FROM summary.setting_comparisons WHERE week = '2025-03-03' AND setting = 'medical_clinic'")"
# salon infection: (6/500)/(2/1500) = 9; Katz var = 494/3000 + 1498/3000 = 0.664,
# 9 exp(∓1.959964 √0.664) = 1.82234566835–44.448208376
assert_eq "salon infection against medical_clinic: counts" "6|500|2|1500|f" \
	"$(CMP salon infection "events, procedures, reference_events, reference_procedures, haldane")"
close_to "salon infection crude rate ratio 9" 9 "$(CMP salon infection rate_ratio)"
close_to "salon infection rate ratio low" 1.82234566835 "$(CMP salon infection rr_ci95_low)"
close_to "salon infection rate ratio high" 44.448208376 "$(CMP salon infection rr_ci95_high)"
# Mantel–Haenszel over Fitzpatrick types, activity with the breakdown only (S1
# for salons; C1 + C2 = 150/450/450/300/75/75 for clinics). Salon a: II 1 (S1-6),
# IV 1, V 1, VI 1; clinic b: II 1 (C2-1), IV 1 (C1-1). R = Σ a·n2/N =
# 450/570 + 300/380 + 75/95 + 75/95 = 3.157895, S = Σ b·n1/N = 120/570 + 80/380
# = 0.421053, RR_MH = 7.5; Greenland–Robins interval 1.37886568524–40.7944012256.
close_to "salon infection adjusted (Mantel–Haenszel) ratio 7.5" 7.5 "$(CMP salon infection rr_adjusted)"
close_to "salon infection adjusted low" 1.37886568524 "$(CMP salon infection rr_adjusted_ci95_low)"
close_to "salon infection adjusted high" 40.7944012256 "$(CMP salon infection rr_adjusted_ci95_high)"
assert_eq "all six Fitzpatrick strata compare" 6 "$(CMP salon infection adjusted_strata)"
# mobile infection: (1/200)/(2/1500) = 3.75, 0.341584048894–41.1684914606; M1 has
# no Fitzpatrick breakdown, so no adjusted ratio.
close_to "mobile infection rate ratio 3.75" 3.75 "$(CMP mobile infection rate_ratio)"
close_to "mobile infection rate ratio high" 41.1684914606 "$(CMP mobile infection rr_ci95_high)"
assert_eq "mobile infection: no adjusted ratio without a breakdown" "t|0" \
	"$(CMP mobile infection "rr_adjusted IS NULL, adjusted_strata")"
# salon scarring 0 against 1: Haldane (0.5/501)/(1.5/1501) = 0.998669328011
assert_eq "a zero count is flagged as Haldane-corrected" t "$(CMP salon scarring haldane)"
close_to "salon scarring Haldane ratio" 0.998669328011 "$(CMP salon scarring rate_ratio)"
close_to "salon scarring Haldane high" 24.4756362865 "$(CMP salon scarring rr_ci95_high)"
assert_eq "0 against 0 has no ratio" t "$(CMP salon neurological "rate_ratio IS NULL")"

# --- summary.rates_fitzpatrick, 2025-W10 -----------------------------------------
FZ() { # SETTING FITZ GROUP COLUMNS
	sql "SELECT $4 FROM summary.rates_fitzpatrick WHERE week = '2025-03-03' AND setting = '$1' AND fitzpatrick IS NOT DISTINCT FROM $2 AND complication_group = '$3'"
}
# Salon: only S1 broke its activity down. PIH: V 1/20 (S1-2), IV 1/80 (S1-5).
assert_eq "salon PIH, Fitzpatrick V: 1 in 20" "1|20|1|0" "$(FZ salon 5 pigmentation "events, procedures, premises_reporting, events_without_activity")"
close_to "salon PIH, Fitzpatrick V: 50 per 1,000" 50 "$(FZ salon 5 pigmentation rate_per_1000)"
close_to "salon PIH, Fitzpatrick V exact high" 248.732762772 "$(FZ salon 5 pigmentation ci95_high)"
assert_eq "salon PIH, Fitzpatrick IV: 1 in 80" "1|80" "$(FZ salon 4 pigmentation "events, procedures")"
# Infection at III: G1-3 happened at S2, which gave no breakdown: no denominator.
assert_eq "salon infection, III: G1-3 lacks a breakdown" "0|120|1" "$(FZ salon 3 infection "events, procedures, events_without_activity")"
assert_eq "salon infection, no skin type (S2-1): counted, never a rate" "0|0|1|t" \
	"$(FZ salon NULL infection "events, procedures, events_without_activity, rate_per_1000 IS NULL")"
assert_eq "medical_clinic PIH, V: 1 in 75 (C1 + C2)" "1|75|2" "$(FZ medical_clinic 5 pigmentation "events, procedures, premises_reporting")"
assert_eq "mobile, III: no breakdown, no denominator" "0|0|1" "$(FZ mobile 3 infection "events, procedures, events_without_activity")"

# --- summary.rates_region, 2025-W10 ----------------------------------------------
RG() { sql "SELECT $4 FROM summary.rates_region WHERE week = '2025-03-03' AND setting = '$1' AND region = '$2' AND complication_group = '$3'"; }
# Region of the premises: S1 Yorkshire 400 (infection S1-1, -2, -3, -6 = 4; any 5),
# S2 London 100 (S2-1, G1-3 = 2).
assert_eq "salon, Yorkshire: infection 4 and any 5 in 400" "4|400|1 5" \
	"$(RG salon "Yorkshire and The Humber" infection "events, procedures, premises_reporting") $(RG salon "Yorkshire and The Humber" any events)"
assert_eq "salon, London: 2 in 100" "2|100" "$(RG salon London infection "events, procedures")"
assert_eq "medical_clinic, London: C2-1 in 500" "1|500" "$(RG medical_clinic London infection "events, procedures")"
assert_eq "regions add up to their setting" 6 \
	"$(sql "SELECT sum(events) FROM summary.rates_region WHERE week = '2025-03-03' AND setting = 'salon' AND complication_group = 'infection'")"

# --- summary.rates_training, 2025-W10 --------------------------------------------
TR() { sql "SELECT $4 FROM summary.rates_training WHERE week = '2025-03-03' AND setting = '$1' AND medically_trained = $2 AND complication_group = '$3'"; }
# Training splits: C1 1000 trained / 0 not, S1 0 / 400. C2-1 (a nurse at C2,
# no split) and S2-1, G1-3 (at S2, no split) have no denominator.
assert_eq "medical_clinic, trained: C1-1 in 1000; C2-1 without a split" "1|1000|1" \
	"$(TR medical_clinic true infection "events, procedures, events_without_activity")"
assert_eq "salon, not trained: 4 in 400; S2-1 and G1-3 without a split" "4|400|2" \
	"$(TR salon false infection "events, procedures, events_without_activity")"
close_to "salon, not trained: 10 per 1,000, exact low" 2.73119597124 "$(TR salon false infection ci95_low)"
assert_eq "salon, trained: no procedures, no rate" "0|t" "$(TR salon true infection "procedures, rate_per_1000 IS NULL")"

# --- summary.unregistered_counts, 2025-W10: counts, never rates ------------------
assert_eq "unregistered places: a home roller and a salon nobody registered" \
	"home|Yorkshire and The Humber|any|1 home|Yorkshire and The Humber|infection|1 salon|London|any|1 salon|London|pigmentation|1" \
	"$(sql "SELECT setting, region, complication_group, cases FROM summary.unregistered_counts WHERE week = '2025-03-03' ORDER BY 1, 3" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "unregistered places have no rate column" 0 \
	"$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'summary' AND table_name = 'unregistered_counts' AND column_name LIKE '%rate%'")"

# --- disclosure control: summary.public_* ---------------------------------------
PUB() { sql "SELECT $2 FROM summary.public_$1"; }
# Primary: 1..4 read 'suppressed', and so do the rates built on them.
assert_eq "public: salon pigmentation (2) is suppressed, with its rate" "suppressed|suppressed|500" \
	"$(PUB "rates_week_setting WHERE week = '2025-03-03' AND setting = 'salon' AND complication_group = 'pigmentation'" "events, rate_per_1000, procedures")"
# The disclosure audit (010) hides salon any (7): its Fitzpatrick cells (II 1,
# IV 2, V 1, VI 1 events; III and no type 1 each without activity) are all
# hidden, six cells summing to 7, so each would be known to be 1 or 2.
assert_eq "public: salon any (7) is hidden by the audit to protect its skin types" "7|t|suppressed" \
	"$(sql "SELECT r.events, r.events_suppressed, p.events FROM summary.rates_week_setting r JOIN summary.public_rates_week_setting p USING (week, setting, complication_group) WHERE week = '2025-03-03' AND setting = 'salon' AND complication_group = 'any'")"
assert_eq "public: zero is published" 0 \
	"$(PUB "rates_week_setting WHERE week = '2025-03-03' AND setting = 'salon' AND complication_group = 'scarring'" events)"
# Secondary: salon any = Yorkshire 5 + London 2. With London (2) hidden and the
# rest shown, London = 7 - 5; so Yorkshire, though 5, is hidden too.
assert_eq "exact table: Yorkshire salon any is 5, flagged" "5|t" \
	"$(RG salon "Yorkshire and The Humber" any "events, events_suppressed")"
assert_eq "public: London's 2 is suppressed" suppressed \
	"$(PUB "rates_region WHERE week = '2025-03-03' AND setting = 'salon' AND region = 'London' AND complication_group = 'any'" events)"
assert_eq "public: Yorkshire's 5 is suppressed to protect London's 2" suppressed \
	"$(PUB "rates_region WHERE week = '2025-03-03' AND setting = 'salon' AND region = 'Yorkshire and The Humber' AND complication_group = 'any'" events)"
# No published total with exactly one suppressed part, anywhere in the scenario.
assert_eq "no region set leaves a single suppressed cell" 0 "$(sql "
	SELECT count(*) FROM (
		SELECT p.setting, p.complication_group
		FROM summary.rates_week_setting p
		JOIN summary.rates_region r USING (week, setting, complication_group)
		WHERE p.week = '2025-03-03'
		GROUP BY p.setting, p.complication_group, p.events_suppressed
		HAVING (p.events_suppressed::int + count(*) FILTER (WHERE r.events_suppressed)) = 1) x")"
assert_eq "public: unregistered single cases are suppressed" "suppressed" \
	"$(PUB "unregistered_counts WHERE week = '2025-03-03' AND setting = 'home' AND complication_group = 'infection'" cases)"
assert_eq "public: a comparison built on a suppressed count is suppressed" "suppressed|suppressed" \
	"$(PUB "setting_comparisons WHERE week = '2025-03-03' AND setting = 'salon' AND complication_group = 'pigmentation'" "rate_ratio, rr_adjusted")"

# --- GET /v1/summaries ----------------------------------------------------------
api() { http GET "/v1/summaries?$1" "${2:-$SUM_REG}"; }
doc_sql() { printf '%s\n' "$1" | psql -X -q -tA "$OWNER_CONNINFO" -v "doc=$BODY"; }
row() { # WHERE-CLAUSE FIELDS: from the answer's rows (r)
	doc_sql "SELECT $2 FROM jsonb_array_elements(:'doc'::jsonb -> 'rows') r WHERE $1"
}
SALON_INF="r->>'setting' = 'salon' AND r->>'complication' = 'infection'"

api "from=2025-W10&to=2025-W10"
assert_eq "GET /v1/summaries answers 200" 200 "$STATUS"
assert_eq "the answer names its range and breakdown" '2025-W10 2025-W10 ["setting", "complication"] 5' \
	"$(json_field from) $(json_field to) $(json_field by) $(json_field suppression_threshold)"
assert_match "generated_at is the last refresh, in UTC" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$(json_field generated_at)"
assert_eq "3 settings x 7 groups" 21 "$(doc_sql "SELECT jsonb_array_length(:'doc'::jsonb -> 'rows')")"
assert_eq "each row carries exactly the by keys and the figures" \
	"ci95_high ci95_low ci_method complication events events_implausible events_third_party events_without_activity premises_active premises_implausible premises_reporting premises_silent procedures rate_per_1000 rate_ratio rr_adjusted rr_adjusted_ci95_high rr_adjusted_ci95_low rr_ci95_high rr_ci95_low rr_haldane setting" \
	"$(row "$SALON_INF" "(SELECT string_agg(k, ' ' ORDER BY k) FROM jsonb_object_keys(r) k)")"
assert_eq "salon infection as docs/rates.md shows it" "6|500|12|wilson|2|0|false" \
	"$(row "$SALON_INF" "r->>'events', r->>'procedures', r->>'rate_per_1000', r->>'ci_method', r->>'premises_reporting', r->>'events_without_activity', r->>'rr_haldane'")"
close_to "API: salon infection CI low" 5.51099517403 "$(row "$SALON_INF" "r->>'ci95_low'")"
close_to "API: salon infection rate ratio" 9 "$(row "$SALON_INF" "r->>'rate_ratio'")"
close_to "API: salon infection rate ratio high" 44.448208376 "$(row "$SALON_INF" "r->>'rr_ci95_high'")"
close_to "API: salon infection adjusted ratio" 7.5 "$(row "$SALON_INF" "r->>'rr_adjusted'")"
close_to "API: salon infection adjusted low" 1.37886568524 "$(row "$SALON_INF" "r->>'rr_adjusted_ci95_low'")"
assert_eq "API: the medical_clinic row is the reference, not compared" "null" \
	"$(row "r->>'setting' = 'medical_clinic' AND r->>'complication' = 'infection'" "coalesce(r->>'rate_ratio', 'null')")"
# stats.c (the API) and the SQL functions (the tables) agree to 6 significant
# figures on every rate, interval and ratio of the week.
assert_eq "API and rates_week_setting agree on all 21 rows" "21|0" "$(doc_sql "
	SELECT count(*), count(*) FILTER (WHERE
		abs((r->>'rate_per_1000')::float8 - t.rate_per_1000) > 5e-7 * abs(t.rate_per_1000)
		OR abs((r->>'ci95_low')::float8 - t.ci95_low) > 5e-7 * abs(t.ci95_low)
		OR abs((r->>'ci95_high')::float8 - t.ci95_high) > 5e-7 * abs(t.ci95_high)
		OR r->>'ci_method' <> t.ci_method OR (r->>'events')::int <> t.events)
	FROM jsonb_array_elements(:'doc'::jsonb -> 'rows') r
	JOIN summary.rates_week_setting t ON t.week = '2025-03-03' AND t.setting = r->>'setting'
	 AND t.complication_group = r->>'complication'")"
assert_eq "API and setting_comparisons agree on every ratio" "0" "$(doc_sql "
	SELECT count(*) FILTER (WHERE
		(r->>'rate_ratio' IS NULL) <> (t.rate_ratio IS NULL)
		OR (r->>'rr_adjusted' IS NULL) <> (t.rr_adjusted IS NULL)
		OR abs((r->>'rate_ratio')::float8 - t.rate_ratio) > 5e-7 * t.rate_ratio
		OR abs((r->>'rr_ci95_low')::float8 - t.rr_ci95_low) > 5e-7 * t.rr_ci95_low
		OR abs((r->>'rr_adjusted')::float8 - t.rr_adjusted) > 5e-7 * t.rr_adjusted
		OR abs((r->>'rr_adjusted_ci95_high')::float8 - t.rr_adjusted_ci95_high) > 5e-7 * t.rr_adjusted_ci95_high
		OR (r->>'rr_haldane')::boolean IS DISTINCT FROM t.haldane)
	FROM jsonb_array_elements(:'doc'::jsonb -> 'rows') r
	JOIN summary.setting_comparisons t ON t.week = '2025-03-03' AND t.setting = r->>'setting'
	 AND t.complication_group = r->>'complication'")"
assert_eq "unregistered places come as counts" '[{"cases": 1, "setting": "salon", "complication": "pigmentation"}, {"cases": 1, "setting": "home", "complication": "infection"}]' \
	"$(json_field unregistered)"

# Two weeks: salon infection 6 + 1 = 7 in 500 + 300 = 800, from 2 premises (S1
# in both weeks counts once); medical_clinic 2 + 1 = 3 in 1500 + 800 = 2300.
# RR (7/800)/(3/2300) = 6.70833333333, 1.73888068151–25.8797148014. MH: salon
# strata now 70/210/210/140/35/35 with III gaining S1-7; clinics unchanged (C1
# gave no breakdown in W11): RR_MH = 5.35714285714, 1.04149134639–27.5556582313.
api "from=2025-W10&to=2025-W11&by=setting,complication"
assert_eq "two weeks: salon infection 7 in 800 from 2 premises" "7|800|2|8.75|wilson" \
	"$(row "$SALON_INF" "r->>'events', r->>'procedures', r->>'premises_reporting', r->>'rate_per_1000', r->>'ci_method'")"
assert_eq "two weeks: medical_clinic infection 3 in 2300" "3|2300|2|exact" \
	"$(row "r->>'setting' = 'medical_clinic' AND r->>'complication' = 'infection'" "r->>'events', r->>'procedures', r->>'premises_reporting', r->>'ci_method'")"
close_to "two weeks: medical_clinic infection exact high" 3.80708133556 \
	"$(row "r->>'setting' = 'medical_clinic' AND r->>'complication' = 'infection'" "r->>'ci95_high'")"
close_to "two weeks: salon infection Wilson high" 17.9504046734 "$(row "$SALON_INF" "r->>'ci95_high'")"
close_to "two weeks: crude ratio" 6.70833333333 "$(row "$SALON_INF" "r->>'rate_ratio'")"
close_to "two weeks: crude ratio low" 1.73888068151 "$(row "$SALON_INF" "r->>'rr_ci95_low'")"
close_to "two weeks: adjusted ratio" 5.35714285714 "$(row "$SALON_INF" "r->>'rr_adjusted'")"
close_to "two weeks: adjusted high" 27.5556582313 "$(row "$SALON_INF" "r->>'rr_adjusted_ci95_high'")"
assert_eq "two weeks: mobile's W11 case lacks activity" "1|200|1" \
	"$(row "r->>'setting' = 'mobile' AND r->>'complication' = 'infection'" "r->>'events', r->>'procedures', r->>'events_without_activity'")"

api "from=2025-W10&to=2025-W11&by=week,setting&complication=infection"
assert_eq "by=week,setting with a complication filter: rows carry week and setting only" \
	"2025-W10 medical_clinic 2 2025-W10 salon 6 2025-W10 mobile 1 2025-W11 medical_clinic 1 2025-W11 salon 1 2025-W11 mobile 0" \
	"$(row "true" "r->>'week', r->>'setting', r->>'events'" | tr '|\n' '  ' | sed 's/ $//')"
assert_eq "no complication key when it is only a filter" "" "$(json_field rows,0,complication)"

api "from=2025-W10&to=2025-W10&by=fitzpatrick&setting=salon&complication=pigmentation"
# PIH in salons by skin type: V 1/20, against clinics' 1/75: RR 3.75; IV 1/80
# against 0/300: Haldane (1.5/81)/(0.5/301) = 11.1481481481.
assert_eq "PIH by Fitzpatrick type in salons: six types" "1:0/40 2:0/120 3:0/120 4:1/80 5:1/20 6:0/20" \
	"$(row "true" "r->>'fitzpatrick' || ':' || (r->>'events') || '/' || (r->>'procedures')" | tr '\n' ' ' | sed 's/ $//')"
close_to "PIH, V: 50 per 1,000, exact low" 1.26508949795 "$(row "r->>'fitzpatrick' = '5'" "r->>'ci95_low'")"
close_to "PIH, V: against clinics" 3.75 "$(row "r->>'fitzpatrick' = '5'" "r->>'rate_ratio'")"
assert_eq "PIH, IV: Haldane-corrected" true "$(row "r->>'fitzpatrick' = '4'" "r->>'rr_haldane'")"
close_to "PIH, IV: Haldane ratio" 11.1481481481 "$(row "r->>'fitzpatrick' = '4'" "r->>'rate_ratio'")"

api "from=2025-W10&to=2025-W10&by=region&setting=salon"
# Any complication by region: Yorkshire 5/400 against clinics' 3/1000 there:
# RR 4.16666666667, 1.00046551442–17.3530330241; London 2/100.
assert_eq "salons by region" "London 2 100|Yorkshire and The Humber 5 400" \
	"$(row "true" "r->>'region' || ' ' || (r->>'events') || ' ' || (r->>'procedures')" | tr '\n' '|' | sed 's/|$//')"
close_to "Yorkshire salons against Yorkshire clinics" 4.16666666667 "$(row "r->>'region' LIKE 'Yorkshire%'" "r->>'rate_ratio'")"
close_to "Yorkshire salons' rate ratio low" 1.00046551442 "$(row "r->>'region' LIKE 'Yorkshire%'" "r->>'rr_ci95_low'")"

api "from=2025-W10&to=2025-W10&by=training,setting&complication=infection"
assert_eq "by training: salons' untrained 4/400 with 2 lacking a split" "4|400|2|10" \
	"$(row "r->>'training' = 'not_medically_trained' AND r->>'setting' = 'salon'" "r->>'events', r->>'procedures', r->>'events_without_activity', r->>'rate_per_1000'")"
assert_eq "by training: medical clinics' trained 1/1000" "1|1000|1" \
	"$(row "r->>'training' = 'medically_trained' AND r->>'setting' = 'medical_clinic'" "r->>'events', r->>'procedures', r->>'events_without_activity'")"

api "from=2025-W10&to=2025-W10&by=complication_type&setting=salon"
# Types count each case once per type: viral S1-2, S1-3, S2-1 = 3; bacterial
# S1-1, S1-3, G1-3 = 3; unspecified S1-6 = 1 (3 + 3 + 1 > the group's 6).
assert_eq "salons by complication type" "3 3 1 2 15" \
	"$(row "r->>'complication_type' = 'infection_viral_hsv'" "r->>'events'") $(row "r->>'complication_type' = 'infection_bacterial'" "r->>'events'") $(row "r->>'complication_type' = 'infection_unspecified'" "r->>'events'") $(row "r->>'complication_type' = 'pih'" "r->>'events'") $(doc_sql "SELECT jsonb_array_length(:'doc'::jsonb -> 'rows')")"

api "from=2025-W10&to=2025-W10&by=fitzpatrick,training"
assert_eq "skin type with training: no joint denominator, so no rate" "200 0" \
	"$STATUS $(row "r->>'rate_per_1000' IS NOT NULL" "count(*)")"

# CSV, same rows and names
curl -sS --cacert "$WORK/tls/server.crt" -H "Authorization: Bearer $SUM_REG" -H "Accept: text/csv" \
	-D "$WORK/headers" -o "$WORK/body.csv" "$NW_URL/v1/summaries?from=2025-W10&to=2025-W10"
assert_match "CSV is served as text/csv" 'Content-Type: text/csv' "$(cat "$WORK/headers")"
assert_eq "CSV header has the JSON names" "setting,complication,events,procedures,rate_per_1000,ci95_low,ci95_high,ci_method,rate_ratio,rr_ci95_low,rr_ci95_high,rr_haldane,rr_adjusted,rr_adjusted_ci95_low,rr_adjusted_ci95_high,premises_reporting,events_without_activity,events_third_party,premises_active,premises_silent,premises_implausible,events_implausible" \
	"$(head -1 "$WORK/body.csv" | tr -d '\r')"
assert_match "CSV salon infection row" '^salon,infection,6,500,12,5\.510995174,25\.93036112,wilson,9,1\.822345668,44\.44820838,false,7\.5,' \
	"$(grep '^salon,infection,' "$WORK/body.csv")"
assert_eq "CSV has a header and 21 rows" 22 "$(wc -l <"$WORK/body.csv")"

# Refusals
api "from=2025-W10&to=2025-W10&by=setting,colour"
assert_eq "an unknown by answers 400" 400 "$STATUS"
assert_match "the 400 names the by parameter" '"field":"by"' "$BODY"
for q in "from=2025W10" "from=2025-W54" "from=2025-W53" "to=2025-10" "from=2025-W11&to=2025-W10"; do
	api "$q"
	assert_eq "a malformed week ($q) answers 400" 400 "$STATUS"
done
api "form=2025-W10"
assert_eq "an unknown parameter answers 400" 400 "$STATUS"
api "setting=spa"
assert_eq "an unknown setting answers 400" 400 "$STATUS"
read -r _ SUM_REPORTER <<<"$(new_reporter salon LS6)"
api "from=2025-W10" "$SUM_REPORTER"
assert_eq "a reporter token answers 403" 403 "$STATUS"
http GET "/v1/summaries?from=2025-W10"
assert_eq "no token answers 401" 401 "$STATUS"

# --- incremental refresh --------------------------------------------------------
W10_XMIN=$(sql "SELECT xmin FROM summary.rates_week_setting WHERE week = '2025-03-03' AND setting = 'salon' AND complication_group = 'infection'")
sum_report "$S1_TOKEN" S1-8 1 $W11 aesthetician II "cellulitis"
assert_eq "a new report marks its week" 1 "$(sql "SELECT count(DISTINCT week) FROM needlewatch.dirty_weeks")"
assert_match "a refresh recomputes that week only" '^refresh: 1 weeks recomputed' "$(ctl refresh)"
assert_eq "W11 salon infection: S1-7, S1-8" 2 "$(WS salon infection events 2025-03-10)"
assert_eq "W10's rows were not rewritten" "$W10_XMIN" \
	"$(sql "SELECT xmin FROM summary.rates_week_setting WHERE week = '2025-03-03' AND setting = 'salon' AND complication_group = 'infection'")"
# A follow-up moves S1-6 from W10 to W11: both weeks are dirty, it counts once.
sum_report "$S1_TOKEN" S1-6 2 2025-03-12 aesthetician II "infection"
assert_match "a follow-up that moves a case recomputes both weeks" '^refresh: 2 weeks recomputed' "$(ctl refresh)"
assert_eq "the follow-up leaves W10 and joins W11" "5 3" \
	"$(WS salon infection events) $(WS salon infection events 2025-03-10)"
# A corrected figure replaces the earlier one in the next refresh.
sum_post "$C1_TOKEN" /v1/activity '{"period": "2025-W11", "procedures": 900}'
ctl refresh >/dev/null
assert_eq "a corrected week counts the new figure" 900 "$(WS medical_clinic infection procedures 2025-03-10)"
assert_eq "the corrections were accepted" 0 "$SUM_FAILED_POSTS"

# A new suppression threshold recomputes every week: with 3, refresh_suppress
# publishes clinics' any (4) (its region and training parts protect each
# other), but its four Fitzpatrick cells (II..V, one case each) are hidden and
# 4 = their sum would pin each to 1, so the audit hides it.
cp "$WORK/needlewatchd.conf" "$WORK/threshold3.conf"
echo "suppression_threshold = 3" >>"$WORK/threshold3.conf"
assert_match "a new threshold forces a full refresh" '^refresh: [0-9]+ weeks recomputed' \
	"$("$BIN/needlewatchctl" -c "$WORK/threshold3.conf" refresh)"
assert_eq "the refresh was full, with threshold 3" "t|3" "$(sql "SELECT full_refresh, suppression_threshold FROM summary.refresh_state")"
assert_eq "with 3, clinics' any (4) is hidden, the audit adding suppression" "suppressed|t" \
	"$(PUB "rates_week_setting WHERE week = '2025-03-03' AND setting = 'medical_clinic' AND complication_group = 'any'" events)|$(sql "SELECT cells_added > 0 FROM summary.suppression_audit WHERE week = '2025-03-03'")"
ctl refresh >/dev/null
assert_eq "back at 5, it is suppressed again" "suppressed|5" \
	"$(PUB "rates_week_setting WHERE week = '2025-03-03' AND setting = 'medical_clinic' AND complication_group = 'any'" events)|$(sql "SELECT suppression_threshold FROM summary.refresh_state")"
assert_eq "ctl refresh --full recomputes every week" "t" \
	"$(ctl refresh --full >/dev/null; sql "SELECT full_refresh AND weeks_refreshed >= 2 FROM summary.refresh_state")"

# needlewatchd refreshes on its own every summary_refresh_interval_s.
nw_restart_with "summary_refresh_interval_s = 1"
sum_report "$S1_TOKEN" S1-9 1 $W11 aesthetician II "cellulitis"
for _ in $(seq 1 50); do
	[ "$(WS salon infection events 2025-03-10)" = 4 ] && break
	sleep 0.2
done
assert_eq "needlewatchd's refresher picked up the new case by itself" 4 "$(WS salon infection events 2025-03-10)"
assert_match "the refresh is logged" 'event=summaries_refreshed weeks=1' "$(cat "$NW_LOG")"
