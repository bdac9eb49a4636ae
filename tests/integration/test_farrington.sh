# Rule 5 (Farrington flexible) end to end: 110 weeks of a setting's history with
# planted outbreaks, computed by `needlewatchctl alerts backtest` and `alerts run`.
#
# Scenario in 2012-2014 (no other test uses those years), setting 'mobile', premises
# FAR-M00..M04 with 200 procedures a week each from 2012-W01 (week index w = 0, Monday
# 2012-01-02) to w = 109: 1 + (7w mod 5) bacterial infections a week (1, 3, 5, 2, 4
# in turn, ~3 per 1,000), spread over the five premises, and 12 more in
#   w = 60  (2013-W09, Monday 2013-02-25): only 61 weeks of history, under the 78 the
#           rule needs -- no Farrington alert (the exceedance rule sees it);
#   w = 100 (2013-W49, Monday 2013-12-02): 13 cases. R (surveillance 1.20.3,
#           farringtonFlexible with noPeriods 10, w 3, b 1, pastWeeksNotIncluded 26,
#           populationOffset, nbPlugin, alpha 0.01, limit54 c(5, 4)):
#           mu0Vector 2.714285716, phi 1, upperbound 7, alarm TRUE -- the only alarm
#           of weeks 77..109.
# Then a correction of 10 of the w = 100 cases withdraws the alert. Runs
# against its own needlewatchd, refreshing only when told to.

nw_own_daemon "summary_refresh_interval_s = 0"
FAR_REG=$(ctl token create --role regulator --name "Farrington Regulator" | tail -1)
read -r FAR_M0 _ <<<"$(named_reporter "Farrington Mobile 0" mobile LS6 FAR-M00)"
FAR_ACCT=$(sql "SELECT id FROM needlewatch.accounts WHERE premises_id = $FAR_M0")

psql -X -q -v ON_ERROR_STOP=1 "$OWNER_CONNINFO" -v acct="$FAR_ACCT" <<'SQL' >/dev/null
INSERT INTO needlewatch.premises (code, name, setting)
SELECT 'FAR-M' || lpad(i::text, 2, '0'), 'Farrington mobile ' || i, 'mobile' FROM generate_series(1, 4) i;

CREATE TEMP TABLE far_cases (code text, day date, ref text);
INSERT INTO far_cases
SELECT 'FAR-M' || lpad(((w + k) % 5)::text, 2, '0'), date '2012-01-03' + 7 * w, 'far-' || w || '-' || k
FROM generate_series(0, 109) w,
     generate_series(0, 1 + (7 * w) % 5 + CASE WHEN w IN (60, 100) THEN 12 ELSE 0 END - 1) k;

WITH r AS (
	INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version,
		procedure_premises_id, procedure_date, procedure_type, setting, reporter_role,
		needs_review, body, body_sha256, normalised)
	SELECT p.id, :acct, c.ref, 1, p.id, c.day, 'microneedling', p.setting, 'practitioner', false,
	       '{}', repeat('0', 64), '{}'
	FROM far_cases c JOIN needlewatch.premises p ON p.code = c.code
	RETURNING premises_id, id)
INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
SELECT premises_id, id, 0, 'infection_bacterial', 'infection', false FROM r;

INSERT INTO needlewatch.activity (premises_id, account_id, week, procedure_type, procedures)
SELECT p.id, :acct, date '2012-01-02' + 7 * w, 'microneedling', 200
FROM needlewatch.premises p, generate_series(0, 109) w WHERE p.code LIKE 'FAR-M%';
SQL
assert_eq "the scenario is seeded: 110 weeks x 1,000 procedures, 354 infections" "110000|354|13" \
	"$(sql "SELECT (SELECT sum(a.procedures) FROM needlewatch.activity a JOIN needlewatch.premises p
	                ON p.id = a.premises_id WHERE p.code LIKE 'FAR-M%'),
	               count(*), count(*) FILTER (WHERE r.procedure_week = '2013-12-02')
	        FROM needlewatch.reports r JOIN needlewatch.premises p ON p.id = r.procedure_premises_id
	        WHERE p.code LIKE 'FAR-M%'")"

FAR_BEFORE=$(sql "SELECT count(*) FROM needlewatch.alerts WHERE rule = 5")
OUT=$(ctl alerts backtest --from 2013-W09 --to 2014-W06)
assert_match "backtest: the Farrington alarm fires at 2013-W49 (2013-12-02), amber, U = 7 as R's" \
	"2013-12-02 rule=5 kind=exceedance level=amber setting=mobile group=infection observed=13 expected=2.714 score=13 threshold=7" "$OUT"
assert_eq "backtest: no other week of 2013-W09..2014-W06 raises a Farrington alarm" 1 \
	"$(grep -c 'rule=5 .*setting=mobile' <<<"$OUT")"
assert_match "backtest: the spike at 2013-W09 is an exceedance (rule 3) ..." \
	"2013-02-25 rule=3 kind=exceedance level=red setting=mobile group=infection observed=13" "$OUT"
assert_nomatch "... but not a Farrington alarm: 61 weeks of history are fewer than 78" \
	"2013-02-25 rule=5" "$OUT"
assert_eq "backtest stores nothing" "$FAR_BEFORE" "$(sql "SELECT count(*) FROM needlewatch.alerts WHERE rule = 5")"

OUT=$(ctl alerts run --as-of 2013-W49)
assert_match "alerts run --as-of evaluates the week" "alerts run: 1 weeks evaluated \\(2013-W49 to 2013-W49\\)" "$OUT"
assert_eq "one amber Farrington alert for mobile x infection at 2013-W49, U = 7" \
	"1|amber|2013-12-02|13|1000|7|open|exceedance" \
	"$(sql "SELECT count(*), min(level), min(first_week), min(observed), min(procedures), min(threshold),
	               min(state), min(kind)
	        FROM needlewatch.alerts WHERE rule = 5 AND setting = 'mobile' AND complication_group = 'infection'")"
FAR_ID=$(sql "SELECT id FROM needlewatch.alerts WHERE rule = 5 AND setting = 'mobile' AND first_week = '2013-12-02'")
assert_eq "its expected count is farringtonFlexible's mu0 (2.714285716) within 1e-3" "t|1|1|t" \
	"$(sql "SELECT abs(expected - 2.714285716) / 2.714285716 < 1e-3, evidence ->> 'years', evidence ->> 'phi',
	               (evidence ->> 'upper_bound')::float8 = 7 FROM needlewatch.alerts WHERE id = $FAR_ID")"
assert_eq "its evidence: the 56 weeks t - 52b - w .. t, no trend (b < 3), 24 cases in the last 4 weeks" \
	"56|false|24" \
	"$(sql "SELECT jsonb_array_length(evidence -> 'series'), evidence ->> 'trend', evidence ->> 'recent_cases'
	        FROM needlewatch.alerts WHERE id = $FAR_ID")"

http GET "/v1/alerts/$FAR_ID" "$FAR_REG"
assert_eq "GET /v1/alerts/{id} shows the regulator rule 5 with its upper bound" "200|5|exceedance|7" \
	"$STATUS|$(json_field rule)|$(json_field kind)|$(json_field evidence,upper_bound)"
http GET "/v1/alerts?rule=5&setting=mobile" "$FAR_REG"
assert_eq "GET /v1/alerts?rule=5 lists it" "200|$FAR_ID" "$STATUS|$(json_field alerts,0,id)"

# A late correction: 10 of W49's cases were expected reactions after all (3 left, under U).
sql "WITH r AS (INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version,
	procedure_premises_id, procedure_date, procedure_type, setting, reporter_role, needs_review,
	body, body_sha256, normalised)
	SELECT r.premises_id, r.account_id, r.client_ref, 2, r.procedure_premises_id, r.procedure_date,
	       'microneedling', 'mobile', 'practitioner', false, '{}', repeat('0', 64), '{}'
	FROM needlewatch.reports r WHERE r.client_ref ~ '^far-100-([3-9]|1[0-2])$'
	RETURNING premises_id, id)
	INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
	SELECT premises_id, id, 0, 'expected_reaction', 'expected', false FROM r" >/dev/null
OUT=$(ctl alerts run --as-of 2013-W49)
assert_match "the corrected week is evaluated again" "alerts run: 1 weeks evaluated .* [1-9][0-9]* withdrawn" "$OUT"
assert_eq "the Farrington alert is withdrawn, not deleted" withdrawn \
	"$(sql "SELECT state FROM needlewatch.alerts WHERE id = $FAR_ID")"

# Leave no dirty week of these years behind for the refresher of later files.
sql "DELETE FROM needlewatch.alert_dirty_weeks WHERE week < '2015-01-01'" >/dev/null
