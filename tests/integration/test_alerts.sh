# Signals end to end: planted outbreaks in 2021 (no other test uses that
# year), computed by `needlewatchctl alerts run` and by needlewatchd after a
# refresh, read and changed through the API.
#
# Scenario, weeks 2021-W01..W40 (Mondays from 2021-01-04), all seeded by SQL
# through the real tables (latest versions, latest activity):
#   salons ALR-S01..S11  250 procedures a week each; 8 bacterial infections a
#                        week among them, one per salon in rotation: 8 in
#                        2,750, 2.9 per 1,000
#   salon ALR-S00        new: 22 + 23 + 22 + 23 = 90 procedures in W31..W34 and
#                        one infection in each of W32, W33, W34 -> at W34,
#                        x = 3 of n = 90, lambda = 2.9/1000,
#                        p = P(Bin(90, lambda) >= 3) = 0.00239 < 0.05 / 12: red
#   clinics ALR-C01..C10 300 procedures a week each, 3 infections a week in
#                        rotation (1 per 1,000); in W37 12 more, 1-2 per clinic:
#                        15 in 3,000 against 3 expected -> exceedance (rule 3),
#                        and no clinic reaches a cluster
#   clinic ALR-C05       one mycobacterial infection in W21 -> sentinel (rule 1)
# Then a correction (version 2 of S00's W34 case: an expected reaction, not an
# infection) leaves 2 cases in the window: the cluster alert is withdrawn.
# Runs against its own needlewatchd, refreshing only when told to.

nw_own_daemon "summary_refresh_interval_s = 0
alerts_recompute_max_weeks = 520"
ALR_REG=$(ctl token create --role regulator --name "Alerts Regulator" | tail -1)
read -r ALR_S0 ALR_S0_TOKEN <<<"$(named_reporter "Alerts Salon New" salon LS6 ALR-S00)"
ALR_ACCT=$(sql "SELECT id FROM needlewatch.accounts WHERE premises_id = $ALR_S0")

psql -X -q -v ON_ERROR_STOP=1 "$OWNER_CONNINFO" -v s0="$ALR_S0" -v acct="$ALR_ACCT" <<'SQL' >/dev/null
INSERT INTO needlewatch.premises (code, name, setting)
SELECT 'ALR-S' || lpad(i::text, 2, '0'), 'Alerts salon ' || i, 'salon' FROM generate_series(1, 11) i
UNION ALL
SELECT 'ALR-C' || lpad(i::text, 2, '0'), 'Alerts clinic ' || i, 'medical_clinic' FROM generate_series(1, 10) i;

CREATE TEMP TABLE alr_cases (code text, day date, type text, grp text, ref text);
-- background: 8 a week at the salons, 3 at the clinics, in rotation
INSERT INTO alr_cases
SELECT 'ALR-S' || lpad((1 + (8 * w + k) % 11)::text, 2, '0'), date '2021-01-05' + 7 * w,
       'infection_bacterial', 'infection', 'alr-s-' || w || '-' || k
FROM generate_series(0, 39) w, generate_series(0, 7) k;
INSERT INTO alr_cases
SELECT 'ALR-C' || lpad((1 + (3 * w + k) % 10)::text, 2, '0'), date '2021-01-05' + 7 * w,
       'infection_bacterial', 'infection', 'alr-c-' || w || '-' || k
FROM generate_series(0, 39) w, generate_series(0, 2) k;
-- the setting-wide outbreak, W37 (index 36)
INSERT INTO alr_cases
SELECT 'ALR-C' || lpad((1 + k % 10)::text, 2, '0'), date '2021-09-14', 'infection_bacterial',
       'infection', 'alr-outbreak-' || k
FROM generate_series(0, 11) k;
-- the sentinel, W21
INSERT INTO alr_cases VALUES ('ALR-C05', '2021-05-25', 'infection_mycobacterial', 'infection', 'alr-ntm-1');
-- the planted cluster at the new salon, W32, W33, W34
INSERT INTO alr_cases VALUES ('ALR-S00', '2021-08-10', 'infection_bacterial', 'infection', 'alr-cl-1'),
	('ALR-S00', '2021-08-17', 'infection_bacterial', 'infection', 'alr-cl-2'),
	('ALR-S00', '2021-08-24', 'infection_bacterial', 'infection', 'alr-cl-3');

WITH r AS (
	INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version,
		procedure_premises_id, procedure_date, procedure_type, setting, reporter_role,
		needs_review, body, body_sha256, normalised)
	SELECT p.id, :acct, c.ref, 1, p.id, c.day, 'microneedling', p.setting, 'practitioner', false,
	       '{}', repeat('0', 64), jsonb_build_object('type', c.type, 'grp', c.grp)
	FROM alr_cases c JOIN needlewatch.premises p ON p.code = c.code
	RETURNING premises_id, id, normalised)
INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
SELECT premises_id, id, 0, normalised ->> 'type', normalised ->> 'grp', false FROM r;

-- home rollers (unregistered, no denominator): 6 granulomas in W10..W15 and 2
-- infections in W10, W11, where no other report has a granuloma
WITH r AS (
	INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version,
		procedure_premises_id, procedure_date, procedure_type, setting, device, reporter_role,
		needs_review, body, body_sha256, normalised)
	SELECT :s0, :acct, 'alr-home-' || k, 1, NULL, date '2021-03-09' + 7 * (k % 6), 'microneedling',
	       'home', 'roller', 'treating_clinician', false, '{}', repeat('0', 64),
	       CASE WHEN k < 6 THEN '{"type": "granuloma", "grp": "granulomatous_allergic"}'
	            ELSE '{"type": "infection_bacterial", "grp": "infection"}' END::jsonb
	FROM generate_series(0, 7) k
	RETURNING premises_id, id, normalised)
INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
SELECT premises_id, id, 0, normalised ->> 'type', normalised ->> 'grp', false FROM r;

INSERT INTO needlewatch.activity (premises_id, account_id, week, procedure_type, procedures)
SELECT p.id, :acct, date '2021-01-04' + 7 * w, 'microneedling',
       CASE WHEN p.setting = 'salon' THEN 250 ELSE 300 END
FROM needlewatch.premises p, generate_series(0, 39) w WHERE p.code LIKE 'ALR-_%' AND p.code <> 'ALR-S00';
INSERT INTO needlewatch.activity (premises_id, account_id, week, procedure_type, procedures)
VALUES (:s0, :acct, '2021-08-02', 'microneedling', 22), (:s0, :acct, '2021-08-09', 'microneedling', 23),
       (:s0, :acct, '2021-08-16', 'microneedling', 22), (:s0, :acct, '2021-08-23', 'microneedling', 23);
SQL
assert_eq "the scenario is seeded (registered places)" "456|90" \
	"$(sql "SELECT count(*), (SELECT sum(procedures) FROM needlewatch.activity WHERE premises_id = $ALR_S0)
	        FROM needlewatch.reports r JOIN needlewatch.premises p ON p.id = r.procedure_premises_id
	        WHERE p.code LIKE 'ALR-%'")"

# Backtest first: it prints and stores nothing. (Other test files may have stored alerts
# of their own weeks already: every count below is of this file's premises or weeks.)
ALR_BEFORE=$(sql "SELECT count(*) FROM needlewatch.alerts")
OUT=$(ctl alerts backtest --from 2021-W30 --to 2021-W38)
assert_match "backtest: the cluster fires at 2021-W34 (Monday 2021-08-23), red" \
	"2021-08-23 rule=2 kind=cluster level=red premises=$ALR_S0 setting=salon group=infection observed=3" "$OUT"
# lambda = the other salons over W01..W30 (the 30 weeks before the window): 240 in
# 82,500; R: pbinom(2, 90, 240/82500, lower.tail = FALSE) = 0.002394604263.
assert_match "backtest: the cluster's p is the binomial tail, below 0.05 / 12" \
	"2021-08-23 rule=2 kind=cluster .* observed=3 expected=0.2618 p=0.002395 threshold=0.004167" "$OUT"
# theta = 107 / 35,840 over W22..W34; R: r = qbinom(0.999, 90, theta),
# (r - (pbinom(r) - 0.999) / dbinom(r)) / 90 = 0.029485721 < 3 / 90.
assert_match "backtest: the salon is a funnel outlier above Spiegelhalter's interpolated 99.8% limit" \
	"2021-08-23 rule=6 kind=funnel_outlier level=amber premises=$ALR_S0 .* observed=3 .* threshold=0.02949" "$OUT"
assert_nomatch "backtest: no cluster before 2021-W34" "2021-08-(09|16) rule=2" "$OUT"
assert_match "backtest: the exceedance fires at 2021-W37 (2021-09-13)" \
	"2021-09-13 rule=3 kind=exceedance level=red setting=medical_clinic group=infection observed=15" "$OUT"
assert_eq "backtest stores nothing" "$ALR_BEFORE" "$(sql "SELECT count(*) FROM needlewatch.alerts")"
assert_eq "backtest consumes no dirty week" t \
	"$(sql "SELECT count(*) > 0 FROM needlewatch.alert_dirty_weeks WHERE week = '2021-08-23'")"

OUT=$(ctl alerts run)
assert_match "alerts run evaluates every changed week" "alerts run: [0-9]+ weeks evaluated \\([0-9]{4}-W[0-9]{2} to" "$OUT"
assert_eq "one red cluster alert for the salon, from 2021-W34" "1|red|2021-08-23|3|open" \
	"$(sql "SELECT count(*), min(level), min(first_week), min(observed), min(state) FROM needlewatch.alerts
	        WHERE rule = 2 AND premises_id = $ALR_S0")"
assert_eq "no other cluster alert in the scenario" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.alerts a JOIN needlewatch.premises p ON p.id = a.premises_id
	        WHERE a.rule = 2 AND p.code LIKE 'ALR-%' AND p.id <> $ALR_S0")"
assert_eq "the setting-wide outbreak raises one exceedance alert at 2021-W37" "1|2021-09-13|15|red" \
	"$(sql "SELECT count(*), min(first_week), min(observed), min(level) FROM needlewatch.alerts
	        WHERE rule = 3 AND setting = 'medical_clinic' AND first_week >= '2021-01-01' AND first_week < '2022-01-01'")"
assert_eq "the salon is also a funnel outlier over 13 weeks (3 in 90 above the 99.8% limit), amber" \
	"1|amber|2021-08-23|3" \
	"$(sql "SELECT count(*), min(level), min(first_week), min(observed) FROM needlewatch.alerts
	        WHERE rule = 6 AND premises_id = $ALR_S0")"
assert_eq "no other funnel outlier in the scenario" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.alerts a JOIN needlewatch.premises p ON p.id = a.premises_id
	        WHERE a.rule = 6 AND p.code LIKE 'ALR-%' AND p.id <> $ALR_S0")"
assert_eq "the mycobacterial case is a sentinel alert" "1|amber|2021-05-24" \
	"$(sql "SELECT count(*), min(level), min(first_week) FROM needlewatch.alerts a
	        JOIN needlewatch.premises p ON p.id = a.premises_id WHERE a.kind = 'sentinel' AND p.code = 'ALR-C05'")"
assert_eq "home rollers and granuloma: one Evans signal (rule 7) from the third report, W12" \
	"1|amber|2021-03-22|home:roller|granuloma" \
	"$(sql "SELECT count(*), min(level), min(first_week), min(exposure), min(complication_type)
	        FROM needlewatch.alerts WHERE rule = 7")"
assert_eq "its evidence holds the 2x2 table and a PRR at least 2" "t|t" \
	"$(sql "SELECT (evidence ->> 'prr')::float8 >= 2 AND (evidence ->> 'chi2_yates')::float8 >= 4,
	               (evidence ->> 'haldane')::boolean FROM needlewatch.alerts WHERE rule = 7")"
assert_eq "every alert's opening is audited" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.alerts a WHERE NOT EXISTS (SELECT 1 FROM needlewatch.alert_events e
	        WHERE e.alert_id = a.id AND e.from_state IS NULL AND e.to_state = 'open')")"
OUT=$(ctl alerts run)
assert_eq "a second run has nothing to do" "alerts run: no week to evaluate" "$OUT"
ALR_CLUSTER=$(sql "SELECT id FROM needlewatch.alerts WHERE rule = 2 AND premises_id = $ALR_S0")
# The episode: W35's window (W32..W35: 3 in 68) still fires and extends the alert,
# which holds the latest week's figures; W36's (2 cases) does not.
assert_eq "consecutive windows extend one alert" "2021-08-23|2021-08-30|3|68" \
	"$(sql "SELECT first_week, last_week, observed, procedures FROM needlewatch.alerts WHERE id = $ALR_CLUSTER")"

# The correction: version 2 of the W34 case is an expected reaction.
sql "WITH r AS (INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version,
	procedure_premises_id, procedure_date, procedure_type, setting, reporter_role, needs_review,
	body, body_sha256, normalised)
	VALUES ($ALR_S0, $ALR_ACCT, 'alr-cl-3', 2, $ALR_S0, '2021-08-24', 'microneedling', 'salon',
	        'practitioner', false, '{}', repeat('0', 64), '{}') RETURNING premises_id, id)
	INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
	SELECT premises_id, id, 0, 'expected_reaction', 'expected', false FROM r" >/dev/null
OUT=$(ctl alerts run)
assert_match "the correction's weeks are evaluated again" "2 withdrawn" "$OUT"
assert_eq "the correction withdraws the funnel outlier too" withdrawn \
	"$(sql "SELECT state FROM needlewatch.alerts WHERE rule = 6 AND premises_id = $ALR_S0")"
assert_eq "the late correction withdraws the cluster alert, which is kept" "withdrawn" \
	"$(sql "SELECT state FROM needlewatch.alerts WHERE id = $ALR_CLUSTER")"
assert_match "the withdrawal is audited with its reason" "open\\|withdrawn\\|no week of it fires" \
	"$(sql "SELECT from_state || '|' || to_state || '|' || note FROM needlewatch.alert_events
	        WHERE alert_id = $ALR_CLUSTER ORDER BY id DESC LIMIT 1")"
assert_eq "the exceedance alert is untouched" open \
	"$(sql "SELECT state FROM needlewatch.alerts WHERE rule = 3 AND setting = 'medical_clinic' AND first_week = '2021-09-13'")"

# The weekly export's alerts section: counts by rule and level of the episodes covering
# the week, withdrawn ones left out, and nothing that names a premises.
mkdir -p "$WORK/alr_export"
ctl export --week 2021-W37 --out "$WORK/alr_export" >/dev/null 2>&1
BODY=$(cat "$WORK/alr_export/needlewatch-2021-W37.json")
assert_eq "the export's alerts section counts W37's episodes: the exceedance and the home rollers" \
	'[{"rule": 3, "count": 1, "level": "red"}, {"rule": 7, "count": 1, "level": "amber"}]' \
	"$(json_field alerts)"
assert_nomatch "the export names no alerted premises" "ALR-S00|ALR-C" "$(cat "$WORK/alr_export/needlewatch-2021-W37.json")"
# test_export.sh's first --catch-up expects no export to have succeeded yet: forget ours.
sql "DELETE FROM needlewatch.exports WHERE week = '2021-09-13'" >/dev/null

# Least privilege: the daemon's role cannot delete an alert or forge the audit trail;
# the regulator's database role and the public views cannot see alerts at all.
assert_match "needlewatch_app cannot delete an alert" "permission denied" \
	"$(sql_as needlewatch_app "DELETE FROM needlewatch.alerts" 2>&1)"
assert_match "needlewatch_app cannot write the alert audit trail" "permission denied" \
	"$(sql_as needlewatch_app "INSERT INTO needlewatch.alert_events (alert_id, actor, to_state) VALUES ($ALR_CLUSTER, 'x', 'open')" 2>&1)"
assert_match "needlewatch_regulator cannot read alerts" "permission denied" \
	"$(sql_as needlewatch_regulator "SELECT count(*) FROM needlewatch.alerts" 2>&1)"
assert_match "a withdrawn alert cannot be reopened" "cannot go from withdrawn to open" \
	"$(psql -X -q -tA "$OWNER_CONNINFO" -c "UPDATE needlewatch.alerts SET state = 'open' WHERE id = $ALR_CLUSTER" 2>&1)"

# The API: regulator only.
http GET "/v1/alerts?rule=2&state=withdrawn" "$ALR_REG"
assert_eq "GET /v1/alerts answers a regulator" 200 "$STATUS"
assert_eq "the withdrawn cluster is listed with its premises, week and figures" \
	"$ALR_CLUSTER|ALR-S00|2021-W34|2021-W35|red|withdrawn" \
	"$(json_field alerts,0,id)|$(json_field alerts,0,premises_code)|$(json_field alerts,0,first_week)|$(json_field alerts,0,last_week)|$(json_field alerts,0,level)|$(json_field alerts,0,state)"
http GET "/v1/alerts?rule=3&setting=medical_clinic&group=infection&from=2021-W37&to=2021-W37&level=red" "$ALR_REG"
assert_eq "filters by rule, setting, group, level and weeks" "200|1|15|open" \
	"$STATUS|$(json_field alerts,0,rule | sed 's/3/1/')|$(json_field alerts,0,observed)|$(json_field alerts,0,state)"
ALR_EXC=$(json_field alerts,0,id)
http GET "/v1/alerts?state=gone&week=3" "$ALR_REG"
assert_eq "a bad filter is a 400 naming each field" "400|state|week" \
	"$STATUS|$(json_field errors,0,field)|$(json_field errors,1,field)"
http GET "/v1/alerts" "$ALR_S0_TOKEN"
assert_eq "a reporter token is refused" 403 "$STATUS"
http GET "/v1/alerts/$ALR_EXC" "$ALR_S0_TOKEN"
assert_eq "a reporter cannot read one alert" 403 "$STATUS"
post_json "/v1/alerts/$ALR_EXC" "$ALR_S0_TOKEN" '{"action": "acknowledge", "note": "mine"}'
assert_eq "a reporter cannot acknowledge" 403 "$STATUS"

http GET "/v1/alerts/$ALR_EXC" "$ALR_REG"
assert_eq "GET /v1/alerts/{id} carries the evidence series and thresholds" "200|0.005|2021-09-13|15|3000" \
	"$STATUS|$(json_field threshold)|$(json_field evidence,series,-1,week)|$(json_field evidence,series,-1,cases)|$(json_field evidence,series,-1,procedures)"
assert_match "its p is below the threshold" "^[0-9.e-]+$" "$(json_field p_value)"
http GET "/v1/alerts/999999" "$ALR_REG"
assert_eq "an unknown alert is 404" 404 "$STATUS"

post_json "/v1/alerts/$ALR_EXC" "$ALR_REG" '{"action": "acknowledge"}'
assert_eq "a change without a note is refused, naming the field" "422|note" "$STATUS|$(json_field errors,0,field)"
post_json "/v1/alerts/$ALR_EXC" "$ALR_REG" '{"action": "acknowledge", "note": "outbreak team informed"}'
assert_eq "a regulator acknowledges with a note" "200|acknowledged" "$STATUS|$(json_field state)"
assert_match "the history names the account and the note" \
	"account:[0-9]+\\|open\\|acknowledged\\|outbreak team informed" \
	"$(json_field history,-1,actor)|$(json_field history,-1,from_state)|$(json_field history,-1,to_state)|$(json_field history,-1,note)"
post_json "/v1/alerts/$ALR_EXC" "$ALR_REG" '{"action": "acknowledge", "note": "again"}'
assert_eq "acknowledging twice is a conflict" 409 "$STATUS"
post_json "/v1/alerts/$ALR_CLUSTER" "$ALR_REG" '{"action": "close", "note": "x"}'
assert_eq "a withdrawn alert cannot be closed" 409 "$STATUS"
post_json "/v1/alerts/$ALR_EXC" "$ALR_REG" '{"action": "close", "note": "contained"}'
assert_eq "then closes it" "200|closed" "$STATUS|$(json_field state)"

http GET "/v1/funnel?setting=salon&complication=infection&from=2021-W31&to=2021-W34" "$ALR_REG"
# W31..W34: 11 salons x 250 x 4 + 90 = 11,090 procedures; 32 + 2 infections (the third
# was corrected away). The new salon: 2 in 90, under its 99.8% limit (R: qbinom).
assert_eq "GET /v1/funnel: every salon, the pooled rate" "200|34|11090|ALR-S11|" \
	"$STATUS|$(json_field cases)|$(json_field procedures)|$(json_field points,11,premises_code)|$(json_field points,12,premises_code)"
assert_eq "the new salon's point and its exact limits" "ALR-S00|2|90|false|t" \
	"$(json_field points,0,premises_code)|$(json_field points,0,cases)|$(json_field points,0,procedures)|$(json_field points,0,outlier)|$(sql "SELECT $(json_field points,0,upper_998) > 2.0 / 90 AND $(json_field points,0,upper_95) < $(json_field points,0,upper_998)")"
http GET "/v1/funnel?setting=spa&complication=infection" "$ALR_REG"
assert_eq "GET /v1/funnel refuses an unknown setting, naming it" "400|setting" "$STATUS|$(json_field errors,0,field)"
http GET "/v1/funnel?setting=salon&complication=infection" "$ALR_S0_TOKEN"
assert_eq "GET /v1/funnel refuses a reporter" 403 "$STATUS"

# needlewatchd computes alerts after each refresh, for the weeks that changed.
sql "WITH r AS (INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version,
	procedure_premises_id, procedure_date, procedure_type, setting, reporter_role, needs_review,
	body, body_sha256, normalised)
	SELECT p.id, $ALR_ACCT, 'alr-ntm-2', 1, p.id, '2021-06-01', 'microneedling', 'medical_clinic',
	       'practitioner', false, '{}', repeat('0', 64), '{}' FROM needlewatch.premises p WHERE p.code = 'ALR-C05'
	RETURNING premises_id, id)
	INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
	SELECT premises_id, id, 0, 'infection_mycobacterial', 'infection', false FROM r" >/dev/null
nw_restart_with "summary_refresh_interval_s = 1
alerts_recompute_max_weeks = 520"
for _ in $(seq 1 50); do
	[ "$(sql "SELECT count(*) FROM needlewatch.alerts a JOIN needlewatch.premises p ON p.id = a.premises_id
	          WHERE a.kind = 'sentinel_cluster' AND p.code = 'ALR-C05'")" = 1 ] && break
	sleep 0.2
done
assert_eq "after a refresh, needlewatchd raises the red sentinel cluster (2 NTM in 12 weeks at one clinic)" \
	"1|red|2021-05-31|2|needlewatchd:refresher" \
	"$(sql "SELECT count(*), min(a.level), min(a.first_week), min(a.observed), min(e.actor)
	        FROM needlewatch.alerts a JOIN needlewatch.alert_events e ON e.alert_id = a.id
	        JOIN needlewatch.premises p ON p.id = a.premises_id
	        WHERE a.kind = 'sentinel_cluster' AND p.code = 'ALR-C05'")"
assert_match "the daemon logs the run" "event=alerts_computed weeks=[0-9]+ signals=[0-9]+ opened=[1-9]" "$(cat "$NW_LOG")"

# The webhook: a receiver that fails twice, then succeeds, gets each new red alert
# once, signed with the shared secret (it checks the HMAC itself).
alr_make_args=()
[ "$BUILD" = build/asan ] && alr_make_args+=(SANITIZE=1)
make -s -C "$ROOT" "${alr_make_args[@]}" "$BUILD/tests/webhook_receiver" >/dev/null
assert_eq "the local webhook receiver builds" 0 "$?"
printf 'alr-secret-%s%s%s\n' "$RANDOM" "$RANDOM" "$RANDOM" >"$WORK/alr_webhook.secret"
ALR_RECEIVER_PID=
for p in $(seq $((NW_PORT + 41)) $((NW_PORT + 60))); do
	"$ROOT/$BUILD/tests/webhook_receiver" --port "$p" --cert "$WORK/tls/server.crt" \
		--key "$WORK/tls/server.key" --secret-file "$WORK/alr_webhook.secret" --fail-first 2 \
		--lifetime 120 >"$WORK/alr_receiver.log" 2>&1 &
	ALR_RECEIVER_PID=$!
	for _ in $(seq 1 50); do
		curl -s -o /dev/null --max-time 2 --cacert "$WORK/tls/server.crt" "https://127.0.0.1:$p/" && break 2
		kill -0 "$ALR_RECEIVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$ALR_RECEIVER_PID" 2>/dev/null; wait "$ALR_RECEIVER_PID" 2>/dev/null; ALR_RECEIVER_PID=
done
assert_match "the webhook receiver listens" "^[0-9]+$" "$ALR_RECEIVER_PID"
nw_restart_with "summary_refresh_interval_s = 0
alerts_webhook_url = https://127.0.0.1:$p/hook
alerts_webhook_secret_file = $WORK/alr_webhook.secret
alerts_webhook_ca_file = $WORK/tls/server.crt"
: >"$WORK/alr_receiver.log" # drop the readiness probes
ALR_RED=$(sql "SELECT count(*) FROM needlewatch.alert_outbox WHERE level = 'red'")
OUT=$(ctl alerts deliver)
assert_eq "alerts deliver exits 0 once every red alert is delivered" 0 "$?"
assert_match "the first delivery took three attempts (503, 503, 200)" "delivery [0-9]+ delivered after 3 attempts" "$OUT"
assert_match "every red alert is delivered" "alerts deliver: $ALR_RED delivered, 0 failed" "$OUT"
ALR_LOG=$(cat "$WORK/alr_receiver.log")
assert_eq "the receiver saw 2 refusals and one accepted POST per red alert" "2|$ALR_RED" \
	"$(grep -c 'status=503' <<<"$ALR_LOG")|$(grep -c 'status=200' <<<"$ALR_LOG")"
assert_eq "each accepted delivery id is unique (the receiver can de-duplicate)" "$ALR_RED" \
	"$(grep 'status=200' <<<"$ALR_LOG" | sed 's/.*delivery=\([0-9]*\).*/\1/' | sort -u | wc -l)"
assert_eq "every signature verifies with the shared secret" 0 "$(grep -c 'signature=bad' <<<"$ALR_LOG")"
assert_eq "amber alerts are not announced unless configured" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.alert_outbox WHERE level = 'amber' AND delivered_at IS NOT NULL")"
assert_eq "the outbox records the deliveries" "$ALR_RED" \
	"$(sql "SELECT count(*) FROM needlewatch.alert_outbox WHERE level = 'red' AND delivered_at IS NOT NULL AND last_status = 200")"
OUT=$(ctl alerts deliver)
assert_match "a second run sends nothing again" "alerts deliver: 0 delivered, 0 failed" "$OUT"
assert_eq "the receiver got no new request" "$((ALR_RED + 2))" "$(wc -l <"$WORK/alr_receiver.log")"
kill -TERM "$ALR_RECEIVER_PID" 2>/dev/null; wait "$ALR_RECEIVER_PID" 2>/dev/null
assert_nomatch "the secret never appears in the daemon log or the output" "alr-secret-" "$(cat "$NW_LOG") $OUT"
