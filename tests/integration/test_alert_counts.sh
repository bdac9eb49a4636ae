# The alert rules' weekly counts (schema/014): the refresh keeps them, an alert
# run reads them instead of every stored report, and the alerts are the same
# whichever way the counts were read. 2017 is this file's year (no other test
# uses it), so every count of those weeks is of this file's rows.
#
# Scenario, weeks 2017-W01..W30 (Mondays from 2017-01-02):
#   salons ACN-S01..S06   200 procedures a week; 3 infections and one scarring
#                         a week in rotation, every fifth infection also with
#                         pigmentation (two groups, two types)
#   salon ACN-S01         10 more infections in W28: a cluster (rule 2) and
#                         the salons' exceedance (rule 3)
#   clinics ACN-C01..C03  300 procedures a week, one infection a week
#   clinic ACN-C02        NTM in W20, NTM with HSV in W22: with both types
#                         sentinel, the second case counts once (rule 1)
#   home rollers          4 granulomas W10..W13 (rule 7's exposure)
#   an unregistered salon an NTM in W15
# Then late reports (follow-ups moving cases from W28 to W05, and their type
# to HSV) and a renormalise's writes (a report's complications rewritten):
# both change past weeks, whose counts the next refresh rewrites.

nw_own_daemon "summary_refresh_interval_s = 0
alerts_recompute_max_weeks = 520
alerts_sentinel_types = infection_mycobacterial,infection_viral_hsv" || return 0
read -r ACN_S0 _ <<<"$(named_reporter "Alert Counts Reporter" salon LS6 ACN-R00)"
ACN_ACCT=$(sql "SELECT id FROM needlewatch.accounts WHERE premises_id = $ACN_S0")

psql -X -q -v ON_ERROR_STOP=1 "$OWNER_CONNINFO" -v s0="$ACN_S0" -v acct="$ACN_ACCT" <<'SQL' >/dev/null
INSERT INTO needlewatch.premises (code, name, setting)
SELECT 'ACN-S' || lpad(i::text, 2, '0'), 'Counts salon ' || i, 'salon' FROM generate_series(1, 6) i
UNION ALL
SELECT 'ACN-C' || lpad(i::text, 2, '0'), 'Counts clinic ' || i, 'medical_clinic' FROM generate_series(1, 3) i;

CREATE TEMP TABLE acn_cases (code text, day date, types text[], grps text[], ref text);
INSERT INTO acn_cases
SELECT 'ACN-S' || lpad((1 + (4 * w + k) % 6)::text, 2, '0'), date '2017-01-03' + 7 * w,
       CASE WHEN k = 3 THEN '{scarring_atrophic}'
            WHEN (4 * w + k) % 5 = 0 THEN '{infection_bacterial,pih}'
            ELSE '{infection_bacterial}' END::text[],
       CASE WHEN k = 3 THEN '{scarring}'
            WHEN (4 * w + k) % 5 = 0 THEN '{infection,pigmentation}'
            ELSE '{infection}' END::text[],
       'acn-s-' || w || '-' || k
FROM generate_series(0, 29) w, generate_series(0, 3) k;
INSERT INTO acn_cases
SELECT 'ACN-C' || lpad((1 + w % 3)::text, 2, '0'), date '2017-01-04' + 7 * w,
       '{infection_bacterial}', '{infection}', 'acn-c-' || w
FROM generate_series(0, 29) w;
INSERT INTO acn_cases
SELECT 'ACN-S01', date '2017-07-11', '{infection_bacterial}', '{infection}', 'acn-cl-' || k
FROM generate_series(0, 9) k;
INSERT INTO acn_cases VALUES
	('ACN-C02', '2017-05-16', '{infection_mycobacterial}', '{infection}', 'acn-ntm-1'),
	('ACN-C02', '2017-05-30', '{infection_mycobacterial,infection_viral_hsv}', '{infection,infection}', 'acn-ntm-2');

WITH r AS (
	INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version,
		procedure_premises_id, procedure_date, procedure_type, setting, reporter_role,
		needs_review, body, body_sha256, normalised)
	SELECT p.id, :acct, c.ref, 1, p.id, c.day, 'microneedling', p.setting, 'practitioner', false,
	       '{}', repeat('0', 64), jsonb_build_object('types', to_jsonb(c.types), 'grps', to_jsonb(c.grps))
	FROM acn_cases c JOIN needlewatch.premises p ON p.code = c.code
	RETURNING premises_id, id, normalised)
INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
SELECT premises_id, id, i - 1, normalised -> 'types' ->> (i - 1), normalised -> 'grps' ->> (i - 1), false
FROM r, generate_series(1, jsonb_array_length(r.normalised -> 'types')) i;

WITH r AS (
	INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version,
		procedure_premises_id, procedure_date, procedure_type, setting, device, reporter_role,
		needs_review, body, body_sha256, normalised)
	SELECT :s0, :acct, 'acn-home-' || k, 1, NULL, date '2017-03-07' + 7 * k, 'microneedling',
	       CASE WHEN k < 4 THEN 'home' ELSE 'salon' END, CASE WHEN k < 4 THEN 'roller' END,
	       'treating_clinician', false, '{}', repeat('0', 64),
	       CASE WHEN k < 4 THEN '{"type": "granuloma", "grp": "granulomatous_allergic"}'
	            ELSE '{"type": "infection_mycobacterial", "grp": "infection"}' END::jsonb
	FROM generate_series(0, 4) k
	RETURNING premises_id, id, normalised)
INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
SELECT premises_id, id, 0, normalised ->> 'type', normalised ->> 'grp', false FROM r;

INSERT INTO needlewatch.activity (premises_id, account_id, week, procedure_type, procedures)
SELECT p.id, :acct, date '2017-01-02' + 7 * w, 'microneedling',
       CASE WHEN p.setting = 'salon' THEN 200 ELSE 300 END
FROM needlewatch.premises p, generate_series(0, 29) w WHERE p.code LIKE 'ACN-S%' OR p.code LIKE 'ACN-C%';
SQL
assert_eq "the scenario is seeded" "162|5" \
	"$(sql "SELECT count(*) FILTER (WHERE procedure_premises_id IS NOT NULL),
	               count(*) FILTER (WHERE procedure_premises_id IS NULL)
	        FROM needlewatch.reports WHERE client_ref LIKE 'acn-%'")"

# acn_mismatch FROM TO: rows of the four count tables over weeks FROM..TO that
# differ from a direct count of the raw tables (latest versions, complications
# other than expected reactions, by procedure week), either way.
acn_mismatch() {
	sql "WITH c AS (
		SELECT r.procedure_week AS week, r.procedure_premises_id AS pid, r.setting,
		       CASE WHEN r.setting = 'home' OR r.procedure_premises_id IS NULL
		            THEN r.setting || ':' || coalesce(r.device, 'unspecified') END AS exposure,
		       array_agg(DISTINCT rc.complication_group) AS groups,
		       array_agg(DISTINCT rc.type ORDER BY rc.type) AS types
		FROM needlewatch.latest_reports r
		JOIN needlewatch.report_complications rc ON rc.premises_id = r.premises_id AND rc.report_id = r.id
		WHERE r.procedure_week BETWEEN '$1' AND '$2' AND rc.complication_group <> 'expected'
		GROUP BY 1, 2, 3, 4, r.premises_id, r.id),
	cc AS (SELECT week, pid, g, count(*)::int AS n FROM c, unnest(groups || 'any'::text) g
	       WHERE pid IS NOT NULL GROUP BY 1, 2, 3),
	pwk AS (SELECT k.week, k.pid, coalesce(max(a.n), 0)::bigint AS procs,
	               array_agg(coalesce(cc.n, 0) ORDER BY g.sort_order) AS cases
	        FROM (SELECT week, premises_id AS pid FROM needlewatch.latest_activity
	              WHERE week BETWEEN '$1' AND '$2' GROUP BY 1, 2 HAVING sum(procedures) > 0
	              UNION SELECT week, pid FROM cc) k
	        CROSS JOIN summary.complication_groups g
	        LEFT JOIN cc ON cc.week = k.week AND cc.pid = k.pid AND cc.g = g.complication_group
	        LEFT JOIN (SELECT week, premises_id, sum(procedures) AS n FROM needlewatch.latest_activity
	                   GROUP BY 1, 2) a ON a.week = k.week AND a.premises_id = k.pid
	        GROUP BY 1, 2),
	ts AS (SELECT week, pid, setting, types, count(*)::int AS n FROM c GROUP BY 1, 2, 3, 4),
	ex AS (SELECT week, exposure, t, count(*)::int AS n FROM c, unnest(types || '*'::text) t
	       GROUP BY 1, 2, 3),
	pw AS (SELECT premises_id, week, sum(procedures) AS n
	       FROM needlewatch.latest_activity WHERE week BETWEEN '$1' AND '$2' GROUP BY 1, 2),
	sc AS (SELECT pw.week, p.setting, g.complication_group AS g,
	              coalesce(sum(cc.n), 0)::bigint AS n,
	              CASE WHEN g.complication_group = 'any' THEN sum(pw.n) ELSE 0 END::bigint AS procs
	       FROM pw JOIN needlewatch.premises p ON p.id = pw.premises_id
	       CROSS JOIN summary.complication_groups g
	       LEFT JOIN cc ON cc.week = pw.week AND cc.pid = pw.premises_id AND cc.g = g.complication_group
	       WHERE pw.n > 0 GROUP BY 1, 2, 3
	       HAVING g.complication_group = 'any' OR sum(cc.n) > 0),
	t_pwk AS (SELECT week, premises_id, procedures, cases FROM needlewatch.alert_premises_weeks
	          WHERE week BETWEEN '$1' AND '$2'),
	t_ts AS (SELECT week, premises_id, setting, types, cases FROM needlewatch.alert_type_sets
	         WHERE week BETWEEN '$1' AND '$2'),
	t_ex AS (SELECT week, exposure, complication_type, reports FROM needlewatch.alert_exposure_counts
	         WHERE week BETWEEN '$1' AND '$2'),
	t_sc AS (SELECT week, setting, complication_group, cases, procedures
	         FROM needlewatch.alert_setting_counts WHERE week BETWEEN '$1' AND '$2')
	SELECT (SELECT count(*) FROM ((TABLE pwk EXCEPT ALL TABLE t_pwk) UNION ALL (TABLE t_pwk EXCEPT ALL TABLE pwk)) a)
	     + (SELECT count(*) FROM ((TABLE ts EXCEPT ALL TABLE t_ts) UNION ALL (TABLE t_ts EXCEPT ALL TABLE ts)) a)
	     + (SELECT count(*) FROM ((TABLE ex EXCEPT ALL TABLE t_ex) UNION ALL (TABLE t_ex EXCEPT ALL TABLE ex)) a)
	     + (SELECT count(*) FROM ((TABLE sc EXCEPT ALL TABLE t_sc) UNION ALL (TABLE t_sc EXCEPT ALL TABLE sc)) a)
	     || '|' || (SELECT count(*) FROM t_pwk) || '|' || (SELECT count(*) FROM t_sc)"
}

# Before a refresh every week of 2017 is dirty: the run counts them from the raw tables.
assert_eq "before the refresh, no count of 2017 is kept" "0" \
	"$(sql "SELECT count(*) FROM needlewatch.alert_premises_weeks WHERE week >= '2017-01-01' AND week < '2018-01-01'")"
ACN_RAW=$(ctl alerts backtest --from 2017-W05 --to 2017-W30)
assert_match "from the raw tables: the cluster at ACN-S01 fires in 2017-W28" \
	"2017-07-10 rule=2 kind=cluster level=red .* setting=salon group=infection" "$ACN_RAW"
assert_match "from the raw tables: two sentinel cases at ACN-C02 are a red cluster in 2017-W22" \
	"2017-05-29 rule=1 kind=sentinel_cluster level=red .* observed=2 " "$ACN_RAW"
assert_match "from the raw tables: the unregistered NTM is a sentinel" \
	"2017-04-03 rule=1 kind=sentinel level=amber setting=salon group=- observed=1 " "$ACN_RAW"

ctl refresh >/dev/null
assert_match "after the refresh the counts of W01..W30 equal a direct count (0 mismatches, rows kept)" \
	"^0\|[1-9][0-9]*\|[1-9][0-9]*$" "$(acn_mismatch 2017-01-02 2017-07-24)"
assert_eq "no week of 2017 is left dirty" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.dirty_weeks WHERE week >= '2017-01-01' AND week < '2018-01-01'")"
ACN_COUNTED=$(ctl alerts backtest --from 2017-W05 --to 2017-W30)
assert_eq "from the counts, the backtest prints the same signals as from the raw tables" \
	"$ACN_RAW" "$ACN_COUNTED"

# With short premises-level look-backs (12 weeks), a run from W26 reads the
# weeks before W14 as setting totals only (alert_setting_counts): the same
# signals again, the exceedance's expected count included.
ACN_SHORT="summary_refresh_interval_s = 0
alerts_recompute_max_weeks = 520
alerts_sentinel_types = infection_mycobacterial,infection_viral_hsv
alerts_cluster_baseline_weeks = 8
alerts_funnel_weeks = 4
alerts_sentinel_window_weeks = 4"
nw_restart_with "$ACN_SHORT"
ACN_SHORT_COUNTED=$(ctl alerts backtest --from 2017-W26 --to 2017-W30)
assert_match "short look-backs: the salons' exceedance fires in W28 against a 27-week baseline" \
	"2017-07-10 rule=3 kind=exceedance level=red setting=salon group=infection observed=13 expected=3" \
	"$ACN_SHORT_COUNTED"
sql "INSERT INTO needlewatch.dirty_weeks (week) SELECT DISTINCT procedure_week FROM needlewatch.reports
	WHERE procedure_week >= '2017-01-01' AND procedure_week < '2018-01-01'" >/dev/null
assert_eq "short look-backs: from the raw tables (every week dirty), the same signals" \
	"$ACN_SHORT_COUNTED" "$(ctl alerts backtest --from 2017-W26 --to 2017-W30)"
ctl refresh >/dev/null
nw_restart_with "summary_refresh_interval_s = 0
alerts_recompute_max_weeks = 520
alerts_sentinel_types = infection_mycobacterial,infection_viral_hsv"

# Changing the sentinel list needs no refresh: the counts keep every case's type set.
nw_restart_with "summary_refresh_interval_s = 0
alerts_recompute_max_weeks = 520"
OUT=$(ctl alerts backtest --from 2017-W22 --to 2017-W22)
assert_match "with NTM alone sentinel, both ACN-C02 cases still count (each has NTM)" \
	"2017-05-29 rule=1 kind=sentinel_cluster level=red .* observed=2 " "$OUT"
nw_restart_with "summary_refresh_interval_s = 0
alerts_recompute_max_weeks = 520
alerts_sentinel_types = infection_viral_hsv"
OUT=$(ctl alerts backtest --from 2017-W22 --to 2017-W22)
assert_match "with HSV alone sentinel, the W22 case is a sentinel" \
	"2017-05-29 rule=1 kind=sentinel level=amber premises=[0-9]+ .* observed=1 " "$OUT"
assert_nomatch "... and no cluster" "2017-05-29 rule=1 kind=sentinel_cluster" "$OUT"
# alerts run stores the alerts of the counted weeks. Rule 7 is kept from
# storing any (test_alerts.sh counts every stored rule-7 alert): the backtests
# above compared its signals.
nw_restart_with "summary_refresh_interval_s = 0
alerts_recompute_max_weeks = 520
alerts_sentinel_types = infection_mycobacterial,infection_viral_hsv
alerts_evans_min_reports = 1000"
sql "DELETE FROM needlewatch.alert_dirty_weeks WHERE week < '2017-01-01' OR week >= '2018-01-01'" >/dev/null
OUT=$(ctl alerts run)
assert_match "alerts run evaluates the weeks of 2017" "alerts run: [0-9]+ weeks evaluated \\(2017-W01 to" "$OUT"
ACN_S1=$(sql "SELECT id FROM needlewatch.premises WHERE code = 'ACN-S01'")
assert_eq "the cluster at ACN-S01 is stored, open" "open" \
	"$(sql "SELECT state FROM needlewatch.alerts WHERE rule = 2 AND kind = 'cluster' AND premises_id = $ACN_S1")"

# Late reports: follow-ups of eight of the cluster's cases move them to W05
# and make them HSV. Both weeks are dirty; until the refresh they are counted raw.
sql "INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version,
		procedure_premises_id, procedure_date, procedure_type, setting, reporter_role,
		needs_review, body, body_sha256, normalised)
	SELECT premises_id, account_id, client_ref, 2, procedure_premises_id, date '2017-01-31',
	       procedure_type, setting, reporter_role, false, '{}', repeat('1', 64), '{}'
	FROM needlewatch.reports WHERE client_ref IN ('acn-cl-0', 'acn-cl-1', 'acn-cl-2', 'acn-cl-3',
		'acn-cl-4', 'acn-cl-5', 'acn-cl-6', 'acn-cl-7')" >/dev/null
sql "INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
	SELECT premises_id, id, 0, 'infection_viral_hsv', 'infection', false
	FROM needlewatch.reports WHERE client_ref LIKE 'acn-cl-%' AND version = 2" >/dev/null
ACN_LATE_RAW=$(ctl alerts backtest --from 2017-W05 --to 2017-W30)
assert_nomatch "before the refresh, the late reports already remove the cluster" \
	"2017-07-10 rule=2 kind=cluster" "$ACN_LATE_RAW"
ctl refresh >/dev/null
assert_eq "after the late reports and a refresh, the counts of W05 and W28 equal a direct count" \
	"0|0" "$(acn_mismatch 2017-01-30 2017-01-30 | cut -d'|' -f1)|$(acn_mismatch 2017-07-10 2017-07-10 | cut -d'|' -f1)"
assert_eq "W05 now counts eight HSV cases at ACN-S01" 8 \
	"$(sql "SELECT sum(cases) FROM needlewatch.alert_type_sets WHERE week = '2017-01-30'
	        AND premises_id = $ACN_S1 AND types = '{infection_viral_hsv}'")"
assert_eq "from the counts, the backtest after the late reports prints what the raw tables gave" \
	"$ACN_LATE_RAW" "$(ctl alerts backtest --from 2017-W05 --to 2017-W30)"
OUT=$(ctl alerts run)
assert_match "alerts run recomputes the changed weeks" "alerts run: [0-9]+ weeks evaluated \\(2017-W05 to .* [1-9][0-9]* withdrawn" "$OUT"
assert_eq "the cluster is withdrawn" "withdrawn" \
	"$(sql "SELECT state FROM needlewatch.alerts WHERE rule = 2 AND kind = 'cluster' AND premises_id = $ACN_S1")"

# A renormalise's writes (needlewatchctl renormalise, as the owner): the report
# is updated and its complications rewritten — the scarring of W10 becomes a
# granuloma. The report's UPDATE marks its week dirty.
sql "BEGIN;
	DELETE FROM needlewatch.report_complications rc USING needlewatch.reports r
	WHERE rc.premises_id = r.premises_id AND rc.report_id = r.id AND r.client_ref LIKE 'acn-s-9-3';
	INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
	SELECT premises_id, id, 0, 'granuloma', 'granulomatous_allergic', false
	FROM needlewatch.reports WHERE client_ref = 'acn-s-9-3';
	UPDATE needlewatch.reports SET normalised = '{\"renormalised\": true}' WHERE client_ref = 'acn-s-9-3';
	COMMIT" >/dev/null
assert_eq "the renormalised week is dirty" 1 \
	"$(sql "SELECT count(DISTINCT week) FROM needlewatch.dirty_weeks WHERE week = '2017-03-06'")"
ACN_RENORM_RAW=$(ctl alerts backtest --from 2017-W05 --to 2017-W30)
ctl refresh >/dev/null
assert_eq "after the renormalise and a refresh, the counts of W10 equal a direct count" \
	"0" "$(acn_mismatch 2017-03-06 2017-03-06 | cut -d'|' -f1)"
assert_eq "W10's granulomas at registered premises: one, the renormalised case" 1 \
	"$(sql "SELECT sum(x.cases[g.sort_order + 1]) FROM needlewatch.alert_premises_weeks x,
	        summary.complication_groups g WHERE x.week = '2017-03-06'
	        AND g.complication_group = 'granulomatous_allergic'")"
assert_eq "from the counts, the backtest after the renormalise prints what the raw tables gave" \
	"$ACN_RENORM_RAW" "$(ctl alerts backtest --from 2017-W05 --to 2017-W30)"

# A full refresh rebuilds the counts to the same rows.
BEFORE=$(sql "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM needlewatch.alert_premises_weeks x
	WHERE week >= '2017-01-01' AND week < '2018-01-01'")
ctl refresh --full >/dev/null
assert_eq "a full refresh rebuilds the same counts" "$BEFORE" \
	"$(sql "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM needlewatch.alert_premises_weeks x
	WHERE week >= '2017-01-01' AND week < '2018-01-01'")"

# Least privilege: the daemon reads the counts and cannot write them.
sql_as needlewatch_app "DELETE FROM needlewatch.alert_premises_weeks" >/dev/null 2>&1
assert_eq "needlewatch_app cannot write the counts (only the refresh does)" 1 "$?"
assert_eq "needlewatch_app reads them" t \
	"$(sql_as needlewatch_app "SELECT count(*) > 0 FROM needlewatch.alert_premises_weeks")"

# Leave no dirty alert week of 2017 behind for the refresher of later files.
sql "DELETE FROM needlewatch.alert_dirty_weeks WHERE week >= '2017-01-01' AND week < '2018-01-01'" >/dev/null
