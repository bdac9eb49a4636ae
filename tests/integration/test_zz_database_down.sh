# PostgreSQL stopped: writes answer 503 with Retry-After, /readyz says not
# ready; when it returns, the pools reconnect by themselves. Runs last.

read -r _ DOWN_TOKEN <<<"$(new_reporter salon LS6)"
post_json /v1/reports "$DOWN_TOKEN" "$(report_json DOWN-0)"
assert_eq "a report is accepted before the database stops" 201 "$STATUS"

"$ROOT/scripts/pg-dev.sh" stop
post_json /v1/reports "$DOWN_TOKEN" "$(report_json DOWN-1)"
assert_eq "with the database down a report answers 503" 503 "$STATUS"
assert_match "503 carries Retry-After" 'Retry-After: [0-9]+' "$HEADERS"
http GET /readyz
assert_eq "/readyz answers 503 with the database down" 503 "$STATUS"
http GET /healthz
assert_eq "/healthz still answers 200" 200 "$STATUS"

"$ROOT/scripts/pg-dev.sh" start
for _ in $(seq 1 50); do
	http GET /readyz
	[ "$STATUS" = 200 ] && break
	sleep 0.2
done
assert_eq "/readyz recovers when the database returns" 200 "$STATUS"
for _ in $(seq 1 50); do
	post_json /v1/reports "$DOWN_TOKEN" "$(report_json DOWN-1)"
	[ "$STATUS" = 201 ] && break
	sleep 0.2
done
assert_eq "the retried report is accepted after recovery" 201 "$STATUS"
assert_eq "the retried report is stored exactly once" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'DOWN-1'")"
