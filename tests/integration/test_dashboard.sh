# The regulator's dashboard (docs/dashboard.md): sessions, the static files
# and their headers, then the pages themselves in headless Chromium
# (tests/browser/dashboard.mjs), compared with what GET /v1/summaries
# answers for the same filters.
#
# Weeks 2022-W40..2022-W45 (Monday 2022-10-03 to 2022-11-07), which no other
# test uses, at premises of this file's own; the browser compares the page
# with the API over the whole database for those weeks, so other files'
# rows cannot make it fail. Runs against its own needlewatchd (the session
# part restarts it with short session limits).

nw_own_daemon
DASH_REG=$(ctl token create --role regulator --name "Dashboard Regulator" | tail -1)
read -r DC1 DC1_TOKEN <<<"$(named_reporter "Dash Clinic One" medical_clinic LS6 DASH-C1)"
read -r DC2 DC2_TOKEN <<<"$(named_reporter "Dash Clinic Two" medical_clinic EC1A DASH-C2)"
read -r DS1 DS1_TOKEN <<<"$(named_reporter "Dash Salon One" salon LS6 DASH-S1)"
read -r DS2 DS2_TOKEN <<<"$(named_reporter "Dash Salon Two" salon M14 DASH-S2)"
read -r DM1 DM1_TOKEN <<<"$(named_reporter "Dash Mobile One" mobile B1 DASH-M1)"

DASH_FAILED_POSTS=0
dash_post() { # TOKEN PATH JSON
	post_json "$2" "$1" "$3"
	if [ "$STATUS" != 201 ]; then
		DASH_FAILED_POSTS=$((DASH_FAILED_POSTS + 1))
		echo "# $2 answered $STATUS: ${BODY:0:300}"
	fi
}
dash_activity() { # TOKEN WEEK PROCEDURES (spread over the six skin types)
	local k=$(($3 / 6)) r=$(($3 - 5 * ($3 / 6)))
	dash_post "$1" /v1/activity "{\"period\": \"$2\", \"procedures\": $3,
 \"by_fitzpatrick\": {\"1\": $k, \"2\": $k, \"3\": $k, \"4\": $k, \"5\": $k, \"6\": $r},
 \"by_training\": {\"medically_trained\": $3, \"not_medically_trained\": 0}}"
}
dash_report() { # TOKEN REF DATE FITZ ROLE COMPLICATION [SETTING POSTCODE REPORTER_ROLE]
	local setting=null
	[ -n "${7:-}" ] && setting="\"$7\""
	dash_post "$1" /v1/reports "{\"client_ref\": \"$2\", \"version\": 1,
 \"procedure\": {\"date\": \"$3\", \"type\": \"microneedling\", \"setting\": $setting,
   \"practitioner_role\": \"$5\"},
 \"patient\": {\"age_band\": \"25-34\", \"fitzpatrick\": \"$4\", \"postcode_district\": \"${8:-LS6}\"},
 \"complications\": [{\"type\": \"$6\", \"severity\": \"mild\"}], \"reporter_role\": \"${9:-practitioner}\"}"
}

DAYS=(2022-10-04 2022-10-11 2022-10-18 2022-10-25 2022-11-01 2022-11-08)
for i in 0 1 2 3 4 5; do
	w="2022-W$((40 + i))"
	dash_activity "$DC1_TOKEN" "$w" $((900 + 30 * i))
	dash_activity "$DC2_TOKEN" "$w" 600
	dash_activity "$DS1_TOKEN" "$w" $((300 + 10 * i))
	[ "$i" -ne 3 ] && dash_activity "$DS2_TOKEN" "$w" 200   # W43: no activity from S2
	dash_activity "$DM1_TOKEN" "$w" 120
done
fitz=(I II III IV V VI)
n=0
for i in 0 1 2 3 4 5; do
	d=${DAYS[$i]}
	for j in $(seq 0 $((i % 3))); do
		n=$((n + 1)); dash_report "$DC1_TOKEN" "DASH-$n" "$d" "${fitz[$(((i + j) % 6))]}" nurse "cold sores"
	done
	for j in $(seq 0 $((2 + i % 2))); do
		n=$((n + 1)); dash_report "$DS1_TOKEN" "DASH-$n" "$d" "${fitz[$(((i + j + 3) % 6))]}" aesthetician "cellulitis"
		n=$((n + 1)); dash_report "$DS2_TOKEN" "DASH-$n" "$d" "${fitz[$(((i + 2 * j) % 6))]}" aesthetician "PIH"
	done
	n=$((n + 1)); dash_report "$DM1_TOKEN" "DASH-$n" "$d" IV nurse "keloid"
	n=$((n + 1)); dash_report "$DC2_TOKEN" "DASH-$n" "$d" III doctor "dark patches"
	n=$((n + 1)); dash_report "$DC2_TOKEN" "DASH-$n" "$d" V self-administered "cold sores" "DIY dermaroller" LS6 treating_clinician
done
assert_eq "the dashboard's scenario is accepted whole" 0 "$DASH_FAILED_POSTS"

# --- alerts: a cluster and a funnel outlier, seeded as test_alerts.sh seeds them
# (SQL through the real tables), in 2019, which no other test uses, at salons
# DSH-A00..A07 of this file's own. 2019-W01 is Monday 2018-12-31.
#   salons DSH-A01..A06  250 procedures a week each, W01..W40; 4 bacterial
#                        infections a week among them, in rotation (2.7 per 1,000)
#   salon DSH-A00        90 procedures in W31..W34 and one infection in each of
#                        W32, W33, W34: a red cluster (rule 2) and, over the 13
#                        weeks to W34, a funnel outlier above the 99.8% limit (rule 6)
#   salon DSH-A07        no activity; one report for W33 with a term the
#                        vocabulary did not know: silent in W33, awaiting review
# Every seeded report is stored now, years after its week: all are late.
read -r DA0 DA0_TOKEN <<<"$(named_reporter "Dash Alerts Salon New" salon LS6 DSH-A00)"
DA_ACCT=$(sql "SELECT id FROM needlewatch.accounts WHERE premises_id = $DA0")
psql -X -q -v ON_ERROR_STOP=1 "$OWNER_CONNINFO" -v s0="$DA0" -v acct="$DA_ACCT" <<'SQL' >/dev/null
INSERT INTO needlewatch.premises (code, name, setting)
SELECT 'DSH-A' || lpad(i::text, 2, '0'), 'Dash alerts salon ' || i, 'salon' FROM generate_series(1, 7) i;
CREATE TEMP TABLE dsh_cases (code text, day date, grp text, ref text, review boolean);
INSERT INTO dsh_cases
SELECT 'DSH-A' || lpad((1 + (4 * w + k) % 6)::text, 2, '0'), date '2019-01-01' + 7 * w,
       'infection', 'dsh-bg-' || w || '-' || k, false
FROM generate_series(0, 39) w, generate_series(0, 3) k;
INSERT INTO dsh_cases VALUES ('DSH-A00', '2019-08-06', 'infection', 'dsh-cl-1', false),
	('DSH-A00', '2019-08-13', 'infection', 'dsh-cl-2', false),
	('DSH-A00', '2019-08-20', 'infection', 'dsh-cl-3', false),
	('DSH-A07', '2019-08-13', 'expected', 'dsh-review-1', true);
WITH r AS (
	INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version,
		procedure_premises_id, procedure_date, procedure_type, setting, reporter_role,
		needs_review, body, body_sha256, normalised)
	SELECT p.id, :acct, c.ref, 1, p.id, c.day, 'microneedling', p.setting, 'practitioner', c.review,
	       '{}', repeat('0', 64), jsonb_build_object('grp', c.grp)
	FROM dsh_cases c JOIN needlewatch.premises p ON p.code = c.code
	RETURNING premises_id, id, normalised, needs_review)
INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, complication_group, needs_review)
SELECT premises_id, id, 0, CASE WHEN needs_review THEN 'unknown' ELSE 'infection_bacterial' END,
       normalised ->> 'grp', needs_review FROM r;
INSERT INTO needlewatch.activity (premises_id, account_id, week, procedure_type, procedures)
SELECT p.id, :acct, date '2018-12-31' + 7 * w, 'microneedling', 250
FROM needlewatch.premises p, generate_series(0, 39) w
WHERE p.code LIKE 'DSH-A%' AND p.code NOT IN ('DSH-A00', 'DSH-A07');
INSERT INTO needlewatch.activity (premises_id, account_id, week, procedure_type, procedures)
VALUES (:s0, :acct, '2019-07-29', 'microneedling', 22), (:s0, :acct, '2019-08-05', 'microneedling', 23),
       (:s0, :acct, '2019-08-12', 'microneedling', 22), (:s0, :acct, '2019-08-19', 'microneedling', 23);
SQL
assert_eq "the alerts scenario is seeded (reports, DSH-A00's procedures)" "164|90" \
	"$(sql "SELECT count(*), (SELECT sum(procedures) FROM needlewatch.activity WHERE premises_id = $DA0)
	        FROM needlewatch.reports r JOIN needlewatch.premises p ON p.id = r.premises_id
	        WHERE p.code LIKE 'DSH-A%'")"
ctl refresh >/dev/null
ctl alerts run --as-of 2019-W34 >/dev/null
assert_eq "DSH-A00 has a red cluster and an amber funnel-outlier alert, open" "2:open:red|6:open:amber" \
	"$(sql "SELECT string_agg(rule || ':' || state || ':' || level, '|' ORDER BY rule)
	        FROM needlewatch.alerts WHERE premises_id = $DA0")"
assert_eq "and no other DSH-A premises has an alert" 0 \
	"$(sql "SELECT count(*) FROM needlewatch.alerts a JOIN needlewatch.premises p ON p.id = a.premises_id
	        WHERE p.code LIKE 'DSH-A%' AND p.id <> $DA0")"

# --- sessions -----------------------------------------------------------------
# curl_dash ARGS...: an HTTPS request; sets STATUS, BODY, HEADERS like http().
curl_dash() {
	STATUS=$(curl -sS --cacert "$WORK/tls/server.crt" -D "$WORK/headers" -o "$WORK/body" \
		-w '%{http_code}' --max-time 30 "$@") || STATUS=000
	BODY=$(cat "$WORK/body" 2>/dev/null)
	HEADERS=$(cat "$WORK/headers" 2>/dev/null)
}
JAR="$WORK/dash.jar"
rm -f "$JAR"
curl_dash -c "$JAR" -X POST -H "Authorization: Bearer $DASH_REG" "$NW_URL/dashboard/session"
assert_eq "a regulator token opens a session" 201 "$STATUS"
COOKIE=$(grep -i '^set-cookie:' <<<"$HEADERS" | tr -d '\r')
assert_match "the cookie is __Host-, HttpOnly, Secure, SameSite=Strict, Path=/ and expires" \
	'__Host-needlewatch_session=[0-9a-f]{64}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=43200' "$COOKIE"
CSRF=$(json_field csrf)
assert_match "the session answer carries a CSRF value" '^[0-9a-f]{32}$' "$CSRF"
SID=$(grep -oE '[0-9a-f]{64}' <<<"$COOKIE" | head -1)
assert_nomatch "the daemon's log holds no session id" "$SID" "$(cat "$NW_LOG")"
assert_eq "the session id is not in the response body" "" "$(grep -F "$SID" "$WORK/body")"

Q='/v1/summaries?from=2022-W40&to=2022-W45&by=setting'
curl_dash -H "Authorization: Bearer $DASH_REG" "$NW_URL$Q"
BY_TOKEN=$BODY
curl_dash -b "$JAR" "$NW_URL$Q"
assert_eq "the session cookie authenticates GET /v1/summaries" 200 "$STATUS"
assert_eq "and answers what the token answers" \
	"$(sed 's/"generated_at":"[^"]*"//' <<<"$BY_TOKEN")" "$(sed 's/"generated_at":"[^"]*"//' <<<"$BODY")"
curl_dash -b "$JAR" "$NW_URL/dashboard/session"
assert_eq "GET /dashboard/session tells the page its CSRF value" "200 $CSRF" "$STATUS $(json_field csrf)"
curl_dash -b "$JAR" -X DELETE "$NW_URL/dashboard/session"
assert_eq "a state-changing request with the cookie but no CSRF header is refused" 401 "$STATUS"
assert_match "and says which header is missing" 'X-Needlewatch-CSRF' "$BODY"
curl_dash -b "$JAR" -X DELETE -H "X-Needlewatch-CSRF: ${CSRF/?/0}x" "$NW_URL/dashboard/session"
assert_eq "a wrong CSRF value is refused" 401 "$STATUS"
curl_dash -b "$JAR" -X POST -H "X-Needlewatch-CSRF: $CSRF" "$NW_URL/dashboard/session"
assert_eq "a session cannot open another session" 400 "$STATUS"
curl_dash -X POST -H "Authorization: Bearer nwt_$(printf '0%.0s' $(seq 48))" "$NW_URL/dashboard/session"
assert_eq "a wrong token opens no session" 401 "$STATUS"
assert_match "and is told why" 'not valid or has been revoked' "$BODY"
assert_eq "and gets no cookie" "" "$(grep -i '^set-cookie' <<<"$HEADERS")"
curl_dash -X POST -H "Authorization: Bearer $DC1_TOKEN" "$NW_URL/dashboard/session"
assert_eq "a reporter token opens no session" "403" "$STATUS"
assert_match "and is told it needs a regulator token" 'needs a regulator token' "$BODY"
curl_dash -b "$JAR" -X DELETE -H "X-Needlewatch-CSRF: $CSRF" "$NW_URL/dashboard/session"
assert_eq "sign-out with the CSRF header works" 200 "$STATUS"
assert_match "and clears the cookie" '__Host-needlewatch_session=; .*Max-Age=0' "$HEADERS"
curl_dash -b "$JAR" "$NW_URL$Q"
assert_eq "after sign-out the cookie is refused" 401 "$STATUS"
assert_match "with a sentence saying the session ended" 'session has ended' "$BODY"

# A revoked token ends its sessions at once.
REV_REG=$(ctl token create --role regulator --name "Dashboard Revoked" | tail -1)
rm -f "$JAR"
curl_dash -c "$JAR" -X POST -H "Authorization: Bearer $REV_REG" "$NW_URL/dashboard/session"
curl_dash -b "$JAR" "$NW_URL$Q"
assert_eq "a second regulator's session works before its token is revoked" 200 "$STATUS"
REV_ID=$(sql "SELECT id FROM needlewatch.accounts WHERE name = 'Dashboard Revoked'")
ctl token revoke "$REV_ID" >/dev/null
# The account cache forgets at the revocation's NOTIFY: give it up to 5 s.
for _ in $(seq 1 50); do
	curl_dash -b "$JAR" "$NW_URL$Q"
	[ "$STATUS" = 401 ] && break
	sleep 0.1
done
assert_eq "a session whose token was revoked is refused" 401 "$STATUS"

# Short sessions expire (the idle limit, from the configuration).
nw_restart_with "session_idle_timeout_s = 60
session_max_age_s = 61"
rm -f "$JAR"
curl_dash -c "$JAR" -X POST -H "Authorization: Bearer $DASH_REG" "$NW_URL/dashboard/session"
assert_match "the cookie's Max-Age is session_max_age_s" 'Max-Age=61' "$HEADERS"
assert_eq "the session answer gives the idle limit" 60 "$(json_field expires_in_s)"
nw_restart_with ""
curl_dash -b "$JAR" "$NW_URL$Q"
assert_eq "a restart signs every browser out (sessions are in memory)" 401 "$STATUS"

# --- the static files ----------------------------------------------------------
curl_dash "$NW_URL/dashboard/"
assert_eq "GET /dashboard/ serves the page" 200 "$STATUS"
assert_match "as HTML" '[Cc]ontent-[Tt]ype: text/html; charset=utf-8' "$HEADERS"
assert_match "with the CSP: default-src 'self', no framing" "Content-Security-Policy: default-src 'self';.*frame-ancestors 'none'" "$HEADERS"
assert_match "and nosniff" 'X-Content-Type-Options: nosniff' "$HEADERS"
assert_nomatch "the page has no inline script or style" '<script>|<style|style=' "$BODY"
curl_dash "$NW_URL/dashboard/app.js"
assert_match "JavaScript is served as text/javascript" '[Cc]ontent-[Tt]ype: text/javascript' "$HEADERS"
curl_dash "$NW_URL/dashboard/style.css"
assert_match "CSS as text/css" '[Cc]ontent-[Tt]ype: text/css' "$HEADERS"
curl_dash "$NW_URL/dashboard"
assert_eq "/dashboard redirects to /dashboard/" "308 /dashboard/" "$STATUS $(grep -i '^location:' <<<"$HEADERS" | cut -d' ' -f2 | tr -d '\r')"
TRAVERSED=""
for p in '../README.md' '..%2fREADME.md' '%2e%2e/README.md' '.%2e/Makefile' 'x/../../Makefile' \
	'..%5cMakefile' '%2fetc%2fpasswd' '/etc/passwd' '.hidden' 'index.html%00.js' 'vendor/' 'nope.js'; do
	curl_dash --path-as-is "$NW_URL/dashboard/$p"
	[ "$STATUS" = 404 ] || [ "$STATUS" = 400 ] || TRAVERSED+=" $p:$STATUS"
	grep -q 'root:' "$WORK/body" && TRAVERSED+=" $p:passwd"
done
assert_eq "no name reaches outside web_dir (each answers 404 or 400)" "" "$TRAVERSED"
ln -sf /etc/passwd "$ROOT/web/dash-test-link.txt"
curl_dash "$NW_URL/dashboard/dash-test-link.txt"
rm -f "$ROOT/web/dash-test-link.txt"
assert_eq "a symbolic link in web_dir is not followed" 404 "$STATUS"

# --- premises-level routes: GET /v1/premises/{code}/weeks and GET /v1/completeness
# dash_json QUERY: QUERY over the last answer, bound as d (jsonb).
dash_json() {
	printf "WITH x AS (SELECT :'doc'::jsonb AS d) %s\n" "$1" |
		psql -X -q -tA -v ON_ERROR_STOP=1 "$OWNER_CONNINFO" -v "doc=$BODY"
}
http GET "/v1/premises/DSH-A00/weeks?from=2019-W30&to=2019-W34" "$DASH_REG"
assert_eq "a premises' weeks: 200 for a regulator" 200 "$STATUS"
assert_eq "one row per week; W30 without activity; W32: 23 procedures, 1 report, 1 case" \
	"5|false||true|23|1|1" \
	"$(dash_json "SELECT jsonb_array_length(d->'weeks') || '|' || (d #>> '{weeks,0,has_activity}') || '|' ||
	   coalesce(d #>> '{weeks,0,procedures}', '') || '|' || (d #>> '{weeks,2,has_activity}') || '|' ||
	   (d #>> '{weeks,2,procedures}') || '|' || (d #>> '{weeks,2,reports}') || '|' || (d #>> '{weeks,2,cases}') FROM x")"
assert_eq "its completeness: W30 without activity, 3 reports, all late, none awaiting review" \
	'["2019-W30"]|3|3|0|salon|DSH-A00' \
	"$(dash_json "SELECT (d #> '{completeness,weeks_without_activity}')::text || '|' || (d #>> '{completeness,reports}') || '|' ||
	   (d #>> '{completeness,late}') || '|' || (d #>> '{completeness,awaiting_review}') || '|' ||
	   (d #>> '{premises,setting}') || '|' || (d #>> '{premises,code}') FROM x")"
http GET "/v1/premises/DSH-A00/weeks?from=2019-W30&to=2019-W34" "$DA0_TOKEN"
assert_eq "a premises' weeks: 403 for a reporter, even its own" 403 "$STATUS"
http GET "/v1/premises/DSH-NONE/weeks" "$DASH_REG"
assert_eq "an unknown premises is 404" 404 "$STATUS"
http GET "/v1/premises/DSH-A00/reports" "$DASH_REG"
assert_eq "only .../weeks is a premises route" 404 "$STATUS"
http GET "/v1/premises/DSH-A00/weeks?from=2019-W60" "$DASH_REG"
assert_eq "a bad week is a 400 naming it" "400 from" "$STATUS $(json_field errors,0,field)"
http GET "/v1/premises/DSH-A00/weeks?from=2015-W01&to=2019-W01" "$DASH_REG"
assert_eq "more than 104 weeks is a 400" "400 from" "$STATUS $(json_field errors,0,field)"
http GET "/v1/premises/DSH-A00/weeks?week=2019-W01" "$DASH_REG"
assert_eq "an unknown parameter is a 400 naming it" "400 week" "$STATUS $(json_field errors,0,field)"
http GET "/v1/premises/me" "$DA0_TOKEN"
assert_eq "GET /v1/premises/me still answers its reporter" "200 DSH-A00" "$STATUS $(json_field premises,code)"

http GET "/v1/completeness?from=2019-W30&to=2019-W34" "$DASH_REG"
assert_eq "completeness: 200 for a regulator" 200 "$STATUS"
assert_eq "DSH-A07 sent a report and no activity for W33: listed as silent that week" '1|["2019-W33"]' \
	"$(dash_json "SELECT e->>'count' || '|' || (e->'weeks')::text FROM x, jsonb_array_elements(d->'without_activity') e
	   WHERE e->>'premises_code' = 'DSH-A07'")"
assert_eq "DSH-A00 is not silent (it is not active before its first activity)" "" \
	"$(dash_json "SELECT e->>'count' FROM x, jsonb_array_elements(d->'without_activity') e WHERE e->>'premises_code' = 'DSH-A00'")"
assert_eq "awaiting review: DSH-A07's one report" 1 \
	"$(dash_json "SELECT e->>'reports' FROM x, jsonb_array_elements(d #> '{awaiting_review,premises}') e WHERE e->>'premises_code' = 'DSH-A07'")"
assert_eq "late: DSH-A00's three reports (W32..W34, stored years later), after 14 days" "3|14" \
	"$(dash_json "SELECT e->>'reports' || '|' || (d->>'late_after_days') FROM x, jsonb_array_elements(d #> '{late,premises}') e
	   WHERE e->>'premises_code' = 'DSH-A00'")"
http GET "/v1/completeness" "$DA0_TOKEN"
assert_eq "completeness: 403 for a reporter" 403 "$STATUS"
http GET "/v1/completeness"
assert_eq "completeness: 401 without a token" 401 "$STATUS"

# --- the pages, in headless Chromium ----------------------------------------------
dash_browser() {
	local dir="$ROOT/tests/browser"
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		skip "dashboard browser tests" "node or npm not installed"; return
	fi
	if [ ! -x /usr/bin/chromium ]; then
		skip "dashboard browser tests" "no /usr/bin/chromium"; return
	fi
	if [ ! -d "$dir/node_modules/puppeteer-core" ] &&
		! (cd "$dir" && timeout 300 npm ci --ignore-scripts --no-audit --no-fund >"$WORK/npm.log" 2>&1); then
		skip "dashboard browser tests" "npm ci failed: $(tail -1 "$WORK/npm.log")"; return
	fi
	mkdir -p "$WORK/dashboard"
	local out rc=0
	out=$(NW_URL="$NW_URL" NW_CA="$WORK/tls/server.crt" NW_TOKEN="$DASH_REG" NW_REPORTER="$DC1_TOKEN" \
		NW_OUT="$WORK/dashboard" timeout 300 node "$dir/dashboard.mjs" 2>"$WORK/dashboard/stderr") || rc=$?
	# Each line the driver prints is "ok - ...", "not ok - ..." or "skip - ...".
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) pass "${line#ok - }" ;;
		"not ok - "*) fail "${line#not ok - }" ;;
		"skip - "*) skip "${line#skip - }" ;;
		*) echo "# $line" ;;
		esac
	done <<<"$out"
	if [ "$rc" -ne 0 ]; then
		fail "the browser driver exited $rc; the end of its log:"
		tail -25 "$WORK/dashboard/stderr" | sed 's/^/#   /'
	fi
	ls "$WORK/dashboard"/*.png >/dev/null 2>&1 && echo "# screenshots in $WORK/dashboard (kept while the run lasts)"
	if [ -n "${NW_DASHBOARD_SCREENSHOTS:-}" ]; then
		mkdir -p "$NW_DASHBOARD_SCREENSHOTS"; cp "$WORK/dashboard"/*.png "$NW_DASHBOARD_SCREENSHOTS"/
	fi
}
dash_browser

# What the browser changed, as the database has it: the alerts' states and their
# audit rows (alert_events, written by 012's trigger in the change's transaction),
# naming the regulator's account and the note typed on the page.
if [ -s "$WORK/dashboard/changed-alerts" ]; then
	read -r DASH_ACKED DASH_CLOSED <"$WORK/dashboard/changed-alerts"
	DASH_REG_ID=$(sql "SELECT id FROM needlewatch.accounts WHERE name = 'Dashboard Regulator'")
	assert_eq "SQL: the cluster alert acknowledged on the page, the outlier closed" "acknowledged|closed" \
		"$(sql "SELECT (SELECT state FROM needlewatch.alerts WHERE id = $DASH_ACKED) || '|' ||
		        (SELECT state FROM needlewatch.alerts WHERE id = $DASH_CLOSED)")"
	assert_eq "SQL: the audit row names the regulator (account and name) and the note" \
		"open|acknowledged|account:$DASH_REG_ID|Dashboard Regulator|seen from the dashboard test; inspection booked" \
		"$(sql "SELECT e.from_state || '|' || e.to_state || '|' || e.actor || '|' || a.name || '|' || e.note
		        FROM needlewatch.alert_events e JOIN needlewatch.accounts a ON e.actor = 'account:' || a.id
		        WHERE e.alert_id = $DASH_ACKED AND e.to_state = 'acknowledged'")"
	assert_eq "SQL: the close has its own audit row; the refused close left none" \
		"1|open|closed|closed from the dashboard test" \
		"$(sql "SELECT count(*) || '|' || min(from_state) || '|' || min(to_state) || '|' || min(note)
		        FROM needlewatch.alert_events WHERE alert_id = $DASH_CLOSED AND actor LIKE 'account:%'")"
else
	skip "the alerts' state and audit rows in SQL" "the browser did not change them"
fi
