# Malformed input corpus (issue 7, item 2): every document in
# tests/fixtures/json-malformed/ (tests/fixtures/make-json-malformed.sh) is
# posted to POST /v1/reports. Each must be refused with 400 — not 422, 413 or
# 500 — nothing may be stored, and the daemon must stay up. One curl process
# posts them all, 16 at a time, so the corpus takes about a second.
# The same corpus goes in as FHIR, and a few broken CSV documents as CSV,
# when those formats are accepted. Runs against its own needlewatchd, which
# takes bodies of up to 1 MiB: some documents break limits rather than
# grammar (20,000 levels of nesting is 100 KB), and the parser, not
# max_body_bytes, must refuse them.

NW_MAX_BODY=1048576 nw_own_daemon
read -r MAL_PREMISES MAL_TOKEN <<<"$(new_reporter salon LS6)"
MAL_DIR="$WORK/malformed"
mkdir -p "$MAL_DIR"

# mal_post_corpus DIR CONTENT-TYPE: posts every file in DIR; writes
# "STATUS NAME" lines to $MAL_DIR/codes and each answer to $MAL_DIR/NAME.out.
mal_post_corpus() {
	local cfg="$MAL_DIR/curl.conf" f name first=1
	: >"$cfg"
	for f in "$1"/*; do
		name=$(basename "$f")
		[ "$first" = 1 ] || echo next >>"$cfg"
		first=0
		cat >>"$cfg" <<CONF
url = "$NW_URL/v1/reports"
cacert = "$WORK/tls/server.crt"
header = "Authorization: Bearer $MAL_TOKEN"
header = "Content-Type: $2"
data-binary = "@$f"
output = "$MAL_DIR/$name.out"
write-out = "%{http_code} $name\\n"
max-time = 30
CONF
	done
	curl -s --parallel --parallel-max 16 -K "$cfg" >"$MAL_DIR/codes" 2>"$MAL_DIR/curl.err"
}

# mal_check LABEL COUNT [PATTERN WHAT]: the assertions over one corpus run;
# each refusal must hold PATTERN (default: a problem+json type).
mal_check() {
	local bad
	assert_eq "$1: every document got an answer" "$2" "$(grep -c . "$MAL_DIR/codes")"
	bad=$(grep -v '^400 ' "$MAL_DIR/codes" | sort | head -5 | tr '\n' ';')
	assert_eq "$1: every document is refused with 400" "" "$bad"
	bad=$(grep -L "${3:-\"type\":\"urn:needlewatch:problem:}" "$MAL_DIR"/*.out | head -3 | tr '\n' ' ')
	assert_eq "$1: every refusal is ${4:-problem+json}" "" "$bad"
	assert_eq "$1: nothing was stored" 0 \
		"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $MAL_PREMISES")"
	http GET /healthz
	assert_eq "$1: the daemon is up afterwards" 200 "$STATUS"
	rm -f "$MAL_DIR"/*.out
}

MAL_N=$(find tests/fixtures/json-malformed -name '*.json' | wc -l)
if [ "$MAL_N" -ge 400 ]; then pass "the JSON corpus has $MAL_N documents"
else fail "the JSON corpus has only $MAL_N documents; run tests/fixtures/make-json-malformed.sh"; fi
mal_post_corpus "$ROOT/tests/fixtures/json-malformed" application/json
mal_check "JSON corpus" "$MAL_N"
assert_eq "no request failed or crashed the daemon" "" \
	"$(grep -E '^(5[0-9][0-9]|000) ' "$MAL_DIR/codes" | head -3 | tr '\n' ';')"

# FHIR (issue 3): a FHIR body is JSON first, so the same corpus must be
# refused with 400 as application/fhir+json too.
printf '{}' >"$MAL_DIR/probe"
http POST /v1/reports "$MAL_TOKEN" application/fhir+json "$MAL_DIR/probe"
if [ "$STATUS" = 415 ]; then
	echo "# fhir: POST /v1/reports answers 415 for application/fhir+json: not posted"
else
	mal_post_corpus "$ROOT/tests/fixtures/json-malformed" application/fhir+json
	# A FHIR caller gets FHIR answers (issue 17): the same problem, as an
	# OperationOutcome whose first issue carries its type.
	mal_check "JSON corpus as FHIR" "$MAL_N" \
		'"resourceType":"OperationOutcome".*"system":"urn:needlewatch:problem","code":"malformed-body"' \
		"an OperationOutcome with the problem's type"
fi

# CSV (issue 3): the documents no reader can recover a row boundary from.
mkdir -p "$MAL_DIR/csv"
printf 'client_ref,version\n"GLOW-1,1\n' >"$MAL_DIR/csv/unterminated-quote.csv"
printf 'client_ref,version\n"GLOW"x,1\n' >"$MAL_DIR/csv/text-after-closing-quote.csv"
printf 'client_ref,version\n"GLOW-1","1\r\n' >"$MAL_DIR/csv/unterminated-last-field.csv"
: >"$MAL_DIR/csv/empty.csv"
http POST /v1/reports "$MAL_TOKEN" text/csv "$MAL_DIR/csv/empty.csv"
if [ "$STATUS" = 415 ]; then
	echo "# csv: POST /v1/reports answers 415 for text/csv: not posted"
else
	mal_post_corpus "$MAL_DIR/csv" text/csv
	mal_check "CSV corpus" 4
fi
rm -rf "$MAL_DIR"
