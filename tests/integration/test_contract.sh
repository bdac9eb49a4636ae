# Interfaces analysts, scripts and integrators use (issue 17): needlewatchctl
# --json, progress on long jobs, needlewatch-upload with a client
# certificate, the FHIR extension definitions, and the published contract
# (docs/openapi.yaml, docs/schemas/) checked against the daemon and real output.
# Runs against its own needlewatchd: the client-certificate part restarts it
# with tls_client_ca_file.

nw_own_daemon
CT_DIR="$WORK/contract"
mkdir -p "$CT_DIR"
read -r CT_ID CT_TOKEN <<<"$(new_reporter salon LS6)"

# --- needlewatchctl --json: one type per member, whatever the row
out=$(ctl premises list --json)
assert_eq "premises list --json is an array holding our premises, typed" "number|string|number" \
	"$(jq -r --argjson id "$CT_ID" '.[] | select(.id == $id) | [(.id|type), (.code|type), (.reporters|type)] | join("|")' <<<"$out")"
out=$(ctl token list --json)
assert_eq "token list --json: ids numbers, an active token's revoked_at null" "number|reporter|null" \
	"$(jq -r --argjson id "$CT_ID" '[.[] | select(.premises == $id)][0] | [(.id|type), .role, (.revoked_at|type)] | join("|")' <<<"$out")"
assert_eq "token list --json never holds a token" 0 "$(grep -c 'nwt_' <<<"$out")"
out=$(ctl review list --json --field no.such.field)
assert_eq "review list --json with nothing to show is []" "[]" "$(jq -c . <<<"$out")"
out=$(ctl review list --json --limit 1000)
assert_eq "review list --json: counts are numbers, last_seen a string" "true" \
	"$(jq -r 'all(.[]; (.reports|type) == "number" and (.premises|type) == "number" and (.last_seen|type) == "string")' <<<"$out")"

# --- progress on long jobs: "k of N" on stderr with --progress (no terminal here)
ctl refresh --full --progress >"$CT_DIR/refresh.out" 2>"$CT_DIR/refresh.err"
assert_match "refresh --full --progress counts the audited weeks on stderr" \
	'refresh: ([0-9]+) of \1 weeks audited' "$(cat "$CT_DIR/refresh.err")"
assert_nomatch "stdout keeps only the result" 'of [0-9]' "$(cat "$CT_DIR/refresh.out")"
ctl refresh --full >/dev/null 2>"$CT_DIR/refresh-quiet.err"
assert_eq "without --progress and without a terminal, nothing on stderr" "" "$(cat "$CT_DIR/refresh-quiet.err")"
printf 'tok\n' >"$CT_DIR/deliver.token"
timeout 60 "$BIN/needlewatchctl" -c "$WORK/needlewatchd.conf" export --week 2024-W10 \
	--out "$CT_DIR" --no-refresh --deliver "https://127.0.0.1:1/in" \
	--deliver-token-file "$CT_DIR/deliver.token" --deliver-attempts 2 --progress \
	>/dev/null 2>"$CT_DIR/deliver.err"
assert_match "export delivery says each failed attempt and the wait" \
	'delivery: attempt 1 of 2 failed \(.*\); next in [0-9.]+ s' "$(cat "$CT_DIR/deliver.err")"

for i in 1 2 3; do report_json "CT-PROG-$i" >"$CT_DIR/p$i.json"; done
printf '%s\n' "$CT_TOKEN" >"$CT_DIR/ct.token"
timeout 60 "$BIN/needlewatch-upload" --url "$NW_URL" --ca-file "$WORK/tls/server.crt" \
	--token-file "$CT_DIR/ct.token" --progress --log-level error \
	"$CT_DIR/p1.json" "$CT_DIR/p2.json" "$CT_DIR/p3.json" 2>"$CT_DIR/upload.err"
assert_eq "the uploader sends the three files" 0 "$?"
assert_match "and counts them on stderr: 3 of 3" 'upload: 3 of 3 files' "$(cat "$CT_DIR/upload.err")"

# --- needlewatch-upload --cert/--key: a token bound to a client certificate
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
	-keyout "$CT_DIR/ca.key" -out "$CT_DIR/ca.crt" -subj "/CN=Needlewatch contract test CA" 2>/dev/null
printf 'extendedKeyUsage = clientAuth\n' >"$CT_DIR/clinic.ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$CT_DIR/clinic.key" -out "$CT_DIR/clinic.csr" -subj "/CN=clinic" 2>/dev/null
openssl x509 -req -in "$CT_DIR/clinic.csr" -CA "$CT_DIR/ca.crt" -CAkey "$CT_DIR/ca.key" \
	-CAcreateserial -days 30 -extfile "$CT_DIR/clinic.ext" -out "$CT_DIR/clinic.crt" 2>/dev/null
nw_restart_with "tls_client_ca_file = $CT_DIR/ca.crt"
CT_BOUND=$(ctl token create --role reporter --premises "$CT_ID" --client-cert "$CT_DIR/clinic.crt" | tail -1)
printf '%s\n' "$CT_BOUND" >"$CT_DIR/bound.token"
report_json CT-CERT-1 >"$CT_DIR/cert1.json"
ct_upload() {
	timeout 60 "$BIN/needlewatch-upload" --url "$NW_URL" --ca-file "$WORK/tls/server.crt" \
		--token-file "$CT_DIR/bound.token" --retry-for 2 --max-delay 1 --log-level error "$@" \
		"$CT_DIR/cert1.json" 2>"$CT_DIR/cert.err"
}
ct_upload
assert_eq "a certificate-bound token without --cert is refused (77)" 77 "$?"
ct_upload --cert "$CT_DIR/clinic.crt" --key "$CT_DIR/clinic.key"
assert_eq "with --cert/--key the upload is stored (0)" 0 "$?"
assert_eq "the report is at the certificate's premises" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE premises_id = $CT_ID AND client_ref = 'CT-CERT-1'")"
ct_upload --cert "$CT_DIR/clinic.crt"
assert_eq "--cert without --key is a usage error (64)" 64 "$?"
# The rest of the file posts without a client certificate, as configured by default.
nw_restart_with ""

# --- the FHIR extensions: a StructureDefinition for each one the mapping reads, and no other
ct_read=$(tr -s '\n\t' '  ' <"$ROOT/daemon/core/fhir.c" |
	grep -oE '(take_ext|take_ext_list)\(m, [^;]*\);|extension\(m, [a-z]+, "[^"]*"' |
	sed -E 's/.*"([a-z-]+)".*/\1/' | sort -u | tr '\n' ' ')
ct_defined=$(for f in "$ROOT"/docs/fhir/StructureDefinition-*.json; do jq -r '.url | sub(".*/"; "")' "$f"; done | sort -u | tr '\n' ' ')
assert_eq "docs/fhir defines exactly the extensions daemon/core/fhir.c reads" "$ct_read" "$ct_defined"
assert_eq "each is an Extension StructureDefinition with its url under needlewatch.uk" 0 \
	"$(for f in "$ROOT"/docs/fhir/StructureDefinition-*.json; do jq -e '.resourceType == "StructureDefinition" and .type == "Extension" and (.url | startswith("https://needlewatch.uk/fhir/StructureDefinition/")) and .differential.element[2].fixedUri == .url' "$f" >/dev/null || echo "$f"; done | wc -l | tr -d ' ')"

# --- make run: Ctrl-C stops the daemon and the private PostgreSQL it started
# (a cluster of its own: its own TMPDIR and ports, never the tests' one)
CT_RUN="$CT_DIR/run"
mkdir -p "$CT_RUN"
CT_PG_PORT=$((NW_PORT + 7)) CT_NW_PORT=$((NW_PORT + 8))
ct_pg() { TMPDIR="$CT_RUN" NW_PG_PORT=$CT_PG_PORT "$ROOT/scripts/pg-dev.sh" "$@"; }
# ct_make_run: scripts/run-dev.sh in the background, until /healthz answers
ct_make_run() {
	# A background job of a script ignores SIGINT, and bash cannot trap a
	# signal ignored on entry: restore its default, as a terminal's would be.
	TMPDIR="$CT_RUN" NW_PG_PORT=$CT_PG_PORT NW_PORT=$CT_NW_PORT BUILD="${BUILD:-build/release}" \
		env --default-signal=INT "$ROOT/scripts/run-dev.sh" >"$CT_RUN/out" 2>"$CT_RUN/err" &
	CT_RUN_PID=$!
	for _ in $(seq 1 300); do
		curl -sk --max-time 1 "https://127.0.0.1:$CT_NW_PORT/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$CT_RUN_PID" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
# ct_ctrl_c: SIGINT, as the terminal sends it, then the script's exit (bounded)
ct_ctrl_c() {
	kill -INT "$CT_RUN_PID"
	for _ in $(seq 1 150); do kill -0 "$CT_RUN_PID" 2>/dev/null || break; sleep 0.2; done
	if kill -0 "$CT_RUN_PID" 2>/dev/null; then # it hung: leave nothing behind
		local d
		d=$(ss -ltnpH "sport = :$CT_NW_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
		[ -n "$d" ] && kill -KILL "$d"
		kill -KILL "$CT_RUN_PID"
	fi
	wait "$CT_RUN_PID" 2>/dev/null
}
if ct_make_run; then
	ct_ctrl_c
	assert_eq "after Ctrl-C the daemon is gone" 000 \
		"$(curl -sk --max-time 2 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$CT_NW_PORT/healthz" 2>/dev/null)"
	assert_eq "and the PostgreSQL make run started is stopped" stopped "$(ct_pg status 2>/dev/null)"
	assert_match "it says so" 'stopping the private PostgreSQL this run started' "$(cat "$CT_RUN/err")"
	ct_pg start >/dev/null 2>&1
	ct_make_run && ct_ctrl_c
	assert_match "a PostgreSQL already running is left running" '^running' "$(ct_pg status 2>/dev/null)"
	assert_match "and the message says how to stop it" 'keeps running.*scripts/pg-dev.sh stop' "$(cat "$CT_RUN/err")"
else
	fail "make run did not come up (see $CT_RUN/err: $(tail -3 "$CT_RUN/err" | tr '\n' ' '))"
	kill "$CT_RUN_PID" 2>/dev/null
fi
ct_pg destroy >/dev/null 2>&1

# --- the published contract: docs/openapi.yaml and docs/schemas/, with npm
# validators (test-time only: tests/contract/package-lock.json, npm ci)
CT_NPM="$ROOT/tests/contract"
if ! command -v npm >/dev/null 2>&1; then
	skip "docs/openapi.yaml and docs/schemas/ validation" "npm is not installed (apt-get install npm)"
elif ! (cd "$CT_NPM" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >"$CT_DIR/npm.log" 2>&1); then
	fail "npm ci in tests/contract failed: $(tail -3 "$CT_DIR/npm.log" | tr '\n' ' ')"
else
	# OpenAPI: valid 3.1, and the same operations as the daemon's route table
	# (parameter names aside: {id} and {arg} are one path). The daemon routes
	# by prefix, so a path parameter and whatever follows it are its one
	# argument: /v1/premises/{code}/weeks is the route /v1/premises/{arg}.
	node "$CT_NPM/check-openapi.mjs" "$ROOT/docs/openapi.yaml" >"$CT_DIR/openapi.ops" 2>"$CT_DIR/openapi.err"
	assert_eq "docs/openapi.yaml is valid OpenAPI 3.1 (swagger-parser)" "0:" "$?:$(head -c 300 "$CT_DIR/openapi.err")"
	"$BIN/needlewatchd" --list-routes >"$CT_DIR/routes"
	ct_norm() { sed -E 's/\{[^}]*\}.*/{}/' "$1" | sort -u; }
	assert_eq "every route needlewatchd serves is in docs/openapi.yaml (missing listed)" "" \
		"$(comm -23 <(ct_norm "$CT_DIR/routes") <(ct_norm "$CT_DIR/openapi.ops") | tr '\n' ';')"
	assert_eq "every operation in docs/openapi.yaml is served (stale listed)" "" \
		"$(comm -13 <(ct_norm "$CT_DIR/routes") <(ct_norm "$CT_DIR/openapi.ops") | tr '\n' ';')"
	assert_match "the route table has the routes this test knows of" 'GET /fhir/metadata' "$(cat "$CT_DIR/routes")"

	ct_ajv() { # SCHEMA FILE...: ajv-cli, draft 2020-12
		local s=$1; shift
		local args=()
		for f in "$@"; do args+=(-d "$f"); done
		"$CT_NPM/node_modules/.bin/ajv" validate --spec=draft2020 --allow-union-types \
			-c ajv-formats -s "$ROOT/docs/schemas/$s" "${args[@]}" >"$CT_DIR/ajv.out" 2>&1
	}
	# The report schema: the fixtures, and the reports this test sent and the daemon stored
	ct_ajv report.schema.json "$ROOT"/tests/fixtures/reports/*.json "$ROOT/tests/fixtures/example-report.json" \
		"$CT_DIR"/p[123].json "$CT_DIR/cert1.json"
	assert_eq "the report fixtures and the reports sent here match docs/schemas/report.schema.json" \
		"0:" "$?:$(grep -v ' valid$' "$CT_DIR/ajv.out" | head -c 300)"
	printf '{"client_ref": "x", "procedure": {"date": "2026-11-02"}, "complications": []}' >"$CT_DIR/bad-report.json"
	ct_ajv report.schema.json "$CT_DIR/bad-report.json"
	assert_eq "a report without a complication does not match it (the schema says something)" 1 "$?"

	# The weekly export schema, on a real export: this salon's week with
	# activity and fewer cases than the threshold, so suppressed cells are in it
	printf '{"period": "2026-W45", "procedures": 200}' >"$CT_DIR/activity.json"
	http POST /v1/activity "$CT_TOKEN" application/json "$CT_DIR/activity.json"
	assert_match "the week's activity is stored" '^20[01]$' "$STATUS"
	mkdir -p "$CT_DIR/export"
	ctl export --week 2026-W45 --as-of 2026-12-01 --out "$CT_DIR/export" >/dev/null
	CT_EXPORT="$CT_DIR/export/needlewatch-2026-W45.json"
	ct_ajv weekly-export.schema.json "$CT_EXPORT"
	assert_eq "a real weekly export matches docs/schemas/weekly-export.schema.json" \
		"0:" "$?:$(grep -v ' valid$' "$CT_DIR/ajv.out" | head -c 300)"
	assert_eq "and has suppressed cells: null with their flag" true \
		"$(jq -r '[.cells[] | select(.events_suppressed)] | length > 0 and all(.events == null and .rate_per_1000 == null)' "$CT_EXPORT")"
	jq '.cells[0].events = "suppressed"' "$CT_EXPORT" >"$CT_DIR/old-style.json"
	ct_ajv weekly-export.schema.json "$CT_DIR/old-style.json"
	assert_eq "the old form (the word suppressed in a numeric member) does not match it" 1 "$?"
fi

# test_export counts export runs from an empty record: leave none of ours
# (2024-W10's failed delivery above, 2026-W45's schema check).
sql "DELETE FROM needlewatch.exports WHERE week IN ('2024-03-04', '2026-11-02')" >/dev/null
