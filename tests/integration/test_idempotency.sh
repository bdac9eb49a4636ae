# Idempotency compares the report, not the bytes: a resend that says the
# same thing in another form (members in another order, version omitted
# rather than 1, a date as 02/11/2026 rather than 2026-11-02, premises_code
# null rather than absent) is the same report, answered 200 duplicate with
# the first id; a real change under the same client_ref and version is 409.

read -r _ IDEM_TOKEN <<<"$(new_reporter salon LS6)"

# idem_reorder: the JSON document on stdin with every object's members in
# reverse order, compact.
idem_reorder() {
	python3 -c 'import json, sys
def rev(v):
    if isinstance(v, dict):
        return {k: rev(v[k]) for k in reversed(list(v))}
    if isinstance(v, list):
        return [rev(x) for x in v]
    return v
print(json.dumps(rev(json.load(sys.stdin)), separators=(",", ":"), ensure_ascii=False))'
}

IDEM_FIRST=$(report_json IDEM-1)
post_json /v1/reports "$IDEM_TOKEN" "$IDEM_FIRST"
assert_eq "the first send is stored" 201 "$STATUS"
IDEM_ID=$(json_field id)

# idem_resend DESCRIPTION BODY: 200 duplicate with the first id
idem_resend() {
	post_json /v1/reports "$IDEM_TOKEN" "$2"
	assert_eq "$1: 200 duplicate, the same id" "200 duplicate $IDEM_ID" \
		"$STATUS $(json_field status) $(json_field id)"
}

IDEM_REORDERED=$(idem_reorder <<<"$IDEM_FIRST")
assert_match "the reordered body starts with another member" '^\{"narrative"' "$IDEM_REORDERED"
idem_resend "members in another order" "$IDEM_REORDERED"
idem_resend "version omitted (it defaults to 1)" "${IDEM_FIRST/\"version\": 1,/}"
idem_resend "procedure.date as 02/11/2026" "${IDEM_FIRST/2026-11-02/02\/11\/2026}"
idem_resend "premises_code absent rather than null" "${IDEM_FIRST/\"premises_code\": null,/}"
idem_resend "all four at once" "$(idem_reorder <<<"${IDEM_FIRST/\"premises_code\": null,/}" |
	sed -e 's/"version":1,//' -e 's/2026-11-02/02\/11\/2026/')"
idem_resend "the same bytes" "$IDEM_FIRST"

post_json /v1/reports "$IDEM_TOKEN" "${IDEM_FIRST/cold sores/infection}"
assert_eq "a different complication under the same key and version: 409" 409 "$STATUS"
post_json /v1/reports "$IDEM_TOKEN" "${IDEM_FIRST/moderate/severe}"
assert_eq "a different severity: 409" 409 "$STATUS"
post_json /v1/reports "$IDEM_TOKEN" "$(idem_reorder <<<"${IDEM_FIRST/free text/other words}")"
assert_eq "reordered and with another narrative: 409" 409 "$STATUS"
assert_eq "nothing was stored twice" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'IDEM-1'")"

# --- in a batch: an NDJSON item resent with its members in another order
IDEM_LINE=$(report_json IDEM-N | tr -d '\n')
printf '%s\n' "$IDEM_LINE" >"$WORK/idem-1.ndjson"
http POST /v1/reports "$IDEM_TOKEN" application/x-ndjson "$WORK/idem-1.ndjson"
assert_eq "an NDJSON item is stored" "200 accepted" "$STATUS $(json_field results,0,status)"
IDEM_NID=$(json_field results,0,id)
{
	idem_reorder <<<"$(report_json IDEM-M)"
	idem_reorder <<<"$IDEM_LINE"
} >"$WORK/idem-2.ndjson"
http POST /v1/reports "$IDEM_TOKEN" application/x-ndjson "$WORK/idem-2.ndjson"
assert_eq "resent in another member order beside a new one: accepted, duplicate" \
	"accepted duplicate" "$(json_field results,0,status) $(json_field results,1,status)"
assert_eq "the duplicate carries the first id" "$IDEM_NID" "$(json_field results,1,id)"
printf '%s\n' "${IDEM_LINE/cold sores/infection}" >"$WORK/idem-3.ndjson"
http POST /v1/reports "$IDEM_TOKEN" application/x-ndjson "$WORK/idem-3.ndjson"
assert_eq "an NDJSON item with another complication: conflict" conflict \
	"$(json_field results,0,status)"

# --- rows whose normalised form differs from today's (stored by an older
# daemon, or before a vocabulary change): the same bytes are still a replay,
# matched by body_sha256.
sql "ALTER TABLE needlewatch.reports DISABLE TRIGGER USER" >/dev/null
sql "UPDATE needlewatch.reports SET normalised = normalised || '{\"older\": true}'
	WHERE client_ref = 'IDEM-1'" >/dev/null
sql "ALTER TABLE needlewatch.reports ENABLE TRIGGER USER" >/dev/null
idem_resend "the same bytes as a row with an older normalised form" "$IDEM_FIRST"
post_json /v1/reports "$IDEM_TOKEN" "$IDEM_REORDERED"
assert_eq "another form of it is compared with the stored normalised form: 409" 409 "$STATUS"
# Put the row back as the daemon stored it: later files (renormalise) count
# the rows whose stored form differs from a re-derivation.
sql "ALTER TABLE needlewatch.reports DISABLE TRIGGER USER" >/dev/null
sql "UPDATE needlewatch.reports SET normalised = normalised - 'older' WHERE client_ref = 'IDEM-1'" >/dev/null
sql "ALTER TABLE needlewatch.reports ENABLE TRIGGER USER" >/dev/null
