# Database roles (docs/security.md): needlewatch_regulator reads schema summary and
# nothing in schema needlewatch; the daemon's role may run the refresh but not
# write schema summary itself. Proven by trying every relation, not by
# reading the grants.

ctl refresh >/dev/null

SUMMARY_RELS=$(sql "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'summary' AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1")
PRIVATE_RELS=$(sql "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'needlewatch' AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1")
assert_match "schema summary holds the rate tables and public views" \
	'rates_week_setting.*public_rates_week_setting|public_rates_week_setting.*rates_week_setting' \
	"$(tr '\n' ' ' <<<"$SUMMARY_RELS")"
assert_match "schema needlewatch holds the reports and activity" 'activity.*reports' \
	"$(tr '\n' ' ' <<<"$PRIVATE_RELS")"

# Every summary relation is readable by the regulator.
unreadable=""
for rel in $SUMMARY_RELS; do
	sql_as needlewatch_regulator "SELECT count(*) FROM summary.$rel" >/dev/null 2>&1 ||
		unreadable+=" $rel"
done
assert_eq "the regulator reads every relation in schema summary" "" "$unreadable"
assert_match "the regulator reads real figures" '^[0-9]+$' \
	"$(sql_as needlewatch_regulator "SELECT count(*) FROM summary.rates_week_setting")"
assert_match "the regulator may use the interval functions for its own periods" '^\(5\.5109951740' \
	"$(sql_as needlewatch_regulator "SELECT summary.wilson95(6, 500)")"

# Nothing in schema needlewatch, read or written.
readable="" writable="" count=0
for rel in $PRIVATE_RELS; do
	count=$((count + 1))
	out=$(sql_as needlewatch_regulator "SELECT 1 FROM needlewatch.$rel LIMIT 1" 2>&1)
	[[ "$out" =~ "permission denied" ]] || readable+=" $rel"
	out=$(sql_as needlewatch_regulator "INSERT INTO needlewatch.$rel DEFAULT VALUES" 2>&1)
	[[ "$out" =~ "permission denied" ]] || writable+=" $rel"
done
assert_eq "every SELECT on schema needlewatch ($count relations) is denied" "" "$readable"
assert_eq "every INSERT on schema needlewatch is denied" "" "$writable"
assert_match "the regulator cannot run the refresh" 'permission denied' \
	"$(sql_as needlewatch_regulator "SELECT needlewatch.refresh_summaries(5, false)" 2>&1)"
assert_match "the regulator cannot see the pseudonymised patients" 'permission denied' \
	"$(sql_as needlewatch_regulator "SELECT patient_pseudonym FROM needlewatch.reports" 2>&1)"

# Read-only even in schema summary.
assert_match "the regulator cannot write a summary table" 'permission denied' \
	"$(sql_as needlewatch_regulator "DELETE FROM summary.rates_week_setting" 2>&1)"
assert_match "the regulator cannot create tables in schema summary" 'permission denied' \
	"$(sql_as needlewatch_regulator "CREATE TABLE summary.mine (x int)" 2>&1)"

# The daemon's role: the refresh, and nothing else in schema summary.
assert_match "the daemon's role may run the refresh" '^[0-9]+$' \
	"$(sql_as needlewatch_app "SELECT needlewatch.refresh_summaries(5, false)")"
assert_match "the daemon's role cannot write a summary table directly" 'permission denied' \
	"$(sql_as needlewatch_app "UPDATE summary.rates_week_setting SET events = 0" 2>&1)"
assert_match "the daemon's role cannot run the refresh's inner steps" 'permission denied' \
	"$(sql_as needlewatch_app "SELECT needlewatch.refresh_comparisons(ARRAY['2025-03-03'::date])" 2>&1)"
assert_match "the daemon's role cannot forge dirty weeks" 'permission denied' \
	"$(sql_as needlewatch_app "INSERT INTO needlewatch.dirty_weeks (week) VALUES ('2025-03-03')" 2>&1)"
