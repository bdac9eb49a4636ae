# needlewatchctl and needlewatchd as an operator uses them: migrate,
# premises, tokens, configuration checks.

# --- migrate: ordered, once, checksummed
out=$(ctl migrate --schema-dir "$ROOT/schema" 2>&1); rc=$?
assert_eq "migrate a second time succeeds" 0 "$rc"
assert_match "migrate a second time applies nothing" '0 applied' "$out"
assert_eq "each migration is recorded once with its checksum" \
	"$(ls "$ROOT"/schema/*.sql | wc -l | tr -d ' ')" \
	"$(sql "SELECT count(*) FROM needlewatch.schema_migrations WHERE sha256 ~ '^[0-9a-f]{64}\$'")"
mkdir -p "$WORK/schema"
cp "$ROOT"/schema/*.sql "$WORK/schema/"
echo "-- edited after it was applied" >>"$WORK/schema/001_foundation.sql"
out=$(ctl migrate --schema-dir "$WORK/schema" 2>&1); rc=$?
assert_eq "migrate refuses a changed applied file with exit 65" 65 "$rc"
assert_match "the refusal names the file" '001_foundation.sql has changed since it was applied' "$out"

# --- premises
out=$(ctl premises add --name "Leeds Skin Clinic" --setting medical_clinic --postcode "LS1" 2>&1)
PID=$(printf '%s\n' "$out" | tail -1)
assert_match "premises add prints the id alone on the last line" '^[0-9]+$' "$PID"
assert_eq "premises add stores setting, area and region" "medical_clinic|LS1|LS|Yorkshire and The Humber" \
	"$(sql "SELECT setting, postcode_district, postcode_area, region FROM needlewatch.premises WHERE id = $PID")"
ctl premises add --name "Nowhere" --setting spaceship --postcode LS1 >/dev/null 2>&1
assert_eq "premises add refuses an unknown setting with exit 64" 64 "$?"
out=$(ctl premises list)
assert_match "premises list shows the premises" "Leeds Skin Clinic" "$out"
assert_eq "premises add is audited" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.audit_log WHERE action = 'premises_add' AND (detail->>'id')::bigint = $PID")"

# --- tokens
TOK=$(ctl token create --role reporter --premises "$PID" | tail -1)
assert_match "token create prints the token alone on the last line" '^nwt_[0-9a-f]{48}$' "$TOK"
HASH=$(printf '%s' "$TOK" | sha256sum | cut -d' ' -f1)
assert_eq "only the token's SHA-256 is stored" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.accounts WHERE token_sha256 = '$HASH'")"
TID=$(sql "SELECT id FROM needlewatch.accounts WHERE token_sha256 = '$HASH'")
ctl token create --role reporter --premises 99999999 >/dev/null 2>&1
assert_eq "a token for an unknown premises is refused with exit 65" 65 "$?"
out=$(ctl token list)
# The absence below means something only if the list printed the token's row.
assert_match "token list shows the new token's id" "(^|[^0-9])$TID([^0-9]|$)" "$out"
assert_nomatch "token list never shows a token or hash" "$TOK|$HASH" "$out"
ctl token revoke "$TID" >/dev/null
assert_eq "token revoke sets revoked_at" t \
	"$(sql "SELECT revoked_at IS NOT NULL FROM needlewatch.accounts WHERE id = $TID")"
ctl token revoke "$TID" >/dev/null 2>&1
assert_eq "revoking twice is refused with exit 65" 65 "$?"
assert_eq "token creation and revocation are audited without the token" "2|0" \
	"$(sql "SELECT count(*), count(*) FILTER (WHERE detail::text LIKE '%$HASH%' OR detail::text LIKE '%$TOK%') FROM needlewatch.audit_log WHERE action IN ('token_create', 'token_revoke') AND (detail->>'id')::bigint = $TID")"

# --- configuration checks
"$BIN/needlewatchd" -c "$WORK/needlewatchd.conf" --check-config
assert_eq "needlewatchd --check-config accepts the test configuration" 0 "$?"
printf 'listen_port = 8443\nlisten_prot = 1\n' >"$WORK/bad.conf"
out=$("$BIN/needlewatchd" -c "$WORK/bad.conf" --check-config 2>&1); rc=$?
assert_eq "--check-config exits 78 on an unknown key" 78 "$rc"
assert_eq "--check-config names file and line" "$WORK/bad.conf:2: unknown key \"listen_prot\"" "$out"
printf 'listen_port = 99999\n' >"$WORK/bad.conf"
out=$("$BIN/needlewatchd" -c "$WORK/bad.conf" --check-config 2>&1)
assert_match "--check-config explains a bad value" "bad.conf:1: listen_port must be between 1 and 65535" "$out"
out=$("$BIN/needlewatchd" -c "$WORK/needlewatchd.conf" --dump-config)
assert_match "--dump-config shows the effective max_body_bytes" 'max_body_bytes = ' "$out"
out=$(ctl -c "$WORK/bad.conf" premises list 2>&1); rc=$?
assert_eq "needlewatchctl reads the same file and exits 78 on a bad one" 78 "$rc"
