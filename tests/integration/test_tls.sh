# TLS (issue 7, item 4): TLS 1.2 and 1.3 with AEAD ciphers only, certificate
# reload on SIGHUP (a bad certificate keeps the old one), and optional client
# certificates mapped to accounts. Runs against its own needlewatchd, whose
# TLS files ($WORK/tls) are its own copies.

nw_own_daemon
TLS_DIR="$WORK/tls-test"
mkdir -p "$TLS_DIR"
cp "$WORK/tls/server.crt" "$TLS_DIR/orig.crt"
cp "$WORK/tls/server.key" "$TLS_DIR/orig.key"

# tls_handshake PRIORITY: GnuTLS's description of the session the daemon
# agreed to with a client offering only PRIORITY, or "refused".
tls_handshake() {
	local d
	d=$(timeout 5 gnutls-cli --insecure --priority "$1" -p "$NW_PORT" 127.0.0.1 </dev/null 2>/dev/null |
		sed -n 's/^- Description: //p')
	echo "${d:-refused}"
}
# tls_openssl ARGS...: the cipher openssl s_client ARGS agreed on, or "refused".
tls_openssl() {
	local c
	c=$(timeout 5 openssl s_client -connect "127.0.0.1:$NW_PORT" "$@" </dev/null 2>/dev/null |
		sed -n 's/^New, .*, Cipher is //p' | head -1)
	[ -z "$c" ] || [ "$c" = "(NONE)" ] && c=refused
	echo "$c"
}
# tls_served_sha256: the SHA-256 fingerprint of the certificate the daemon serves.
tls_served_sha256() {
	timeout 5 openssl s_client -connect "127.0.0.1:$NW_PORT" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
tls_file_sha256() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
# tls_new_cert NAME CN: a self-signed P-256 server certificate NAME.crt/.key.
tls_new_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
		-keyout "$TLS_DIR/$1.key" -out "$TLS_DIR/$1.crt" -subj "/CN=$2" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}
# tls_sighup_and_wait EVENT: SIGHUP, then wait for the log line "event=EVENT".
tls_sighup_and_wait() {
	local mark
	mark=$(wc -l <"$NW_LOG")
	kill -HUP "$NW_PID"
	for _ in $(seq 1 50); do
		tail -n +"$((mark + 1))" "$NW_LOG" | grep -q "event=$1" && break
		sleep 0.1
	done
	TLS_RELOAD_LOG=$(tail -n +"$((mark + 1))" "$NW_LOG")
}

# --- protocol versions and ciphers: the default tls_priorities
TLS_WEAK=(
	"TLS 1.0|NORMAL:-VERS-ALL:+VERS-TLS1.0"
	"TLS 1.1|NORMAL:-VERS-ALL:+VERS-TLS1.1"
	"3DES|NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+3DES-CBC:+SHA1"
	"RC4|NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+ARCFOUR-128:+SHA1"
	"AES-CBC with SHA-1|NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC:+SHA1"
	"AES-CBC with SHA-256|NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC:+SHA256"
)
for t in "${TLS_WEAK[@]}"; do
	assert_eq "a client offering only ${t%%|*} is refused" refused "$(tls_handshake "${t#*|}")"
done
assert_eq "openssl -tls1 is refused" refused "$(tls_openssl -tls1 -cipher 'DEFAULT:@SECLEVEL=0')"
assert_eq "openssl -tls1_1 is refused" refused "$(tls_openssl -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0')"
assert_match "TLS 1.2 with an AEAD cipher is accepted" '^\(TLS1\.2-X\.509\)-.*-\((AES-(128|256)-GCM|CHACHA20-POLY1305)\)' \
	"$(tls_handshake 'NORMAL:-VERS-ALL:+VERS-TLS1.2')"
assert_match "TLS 1.3 is accepted" '^\(TLS1\.3-X\.509\)' "$(tls_handshake 'NORMAL:-VERS-ALL:+VERS-TLS1.3')"
assert_match "openssl -tls1_3 is accepted" '^TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)$' "$(tls_openssl -tls1_3)"

# The control: with a permissive tls_priorities the same clients do connect,
# so the refusals above are the daemon's doing, not the clients' inability.
nw_restart_with "tls_priorities = NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+3DES-CBC:+ARCFOUR-128:+SHA1:+AES-128-CBC:+AES-256-CBC"
for t in "${TLS_WEAK[@]}"; do
	assert_nomatch "control: with a weak tls_priorities, ${t%%|*} would connect" '^refused$' \
		"$(tls_handshake "${t#*|}")"
done
nw_restart_with ""

# --- certificate reload on SIGHUP
assert_eq "the daemon serves the certificate of tls_cert_file" \
	"$(tls_file_sha256 "$TLS_DIR/orig.crt")" "$(tls_served_sha256)"
tls_new_cert new "needlewatch reloaded"
TLS_NEW=$(tls_file_sha256 "$TLS_DIR/new.crt")
# A connection open across the reload keeps working on the old certificate.
rm -f "$TLS_DIR/fifo"
mkfifo "$TLS_DIR/fifo"
{
	sleep 1.5
	printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
	exec sleep 5
} >"$TLS_DIR/fifo" &
TLS_WRITER=$!
timeout 8 openssl s_client -quiet -connect "127.0.0.1:$NW_PORT" <"$TLS_DIR/fifo" \
	>"$TLS_DIR/old-conn.out" 2>/dev/null &
TLS_OLD=$!
sleep 0.5
cp "$TLS_DIR/new.crt" "$WORK/tls/server.crt"
cp "$TLS_DIR/new.key" "$WORK/tls/server.key"
tls_sighup_and_wait tls_reloaded
assert_match "SIGHUP logs the new certificate's fingerprint" \
	"event=tls_reloaded certificate_sha256=$TLS_NEW changed=yes" "$TLS_RELOAD_LOG"
assert_eq "after SIGHUP the new certificate is served" "$TLS_NEW" "$(tls_served_sha256)"
http GET /readyz
assert_eq "clients trusting the new certificate are served" 200 "$STATUS"
wait "$TLS_OLD"
kill "$TLS_WRITER" 2>/dev/null
wait "$TLS_WRITER" 2>/dev/null
assert_match "a connection made before the reload is still served after it" '^HTTP/1\.1 200' \
	"$(head -1 "$TLS_DIR/old-conn.out")"

# A key that does not belong to the certificate: refused, the old one kept.
tls_new_cert other "needlewatch other"
cp "$TLS_DIR/other.crt" "$WORK/tls/server.crt"
tls_sighup_and_wait tls_reload_failed
assert_match "a mismatched key is refused with a warning" \
	'level=warning event=tls_reload_failed reason=".*server.key does not belong to the certificate in .*server.crt" kept=previous' \
	"$TLS_RELOAD_LOG"
assert_eq "the previous certificate is still served" "$TLS_NEW" "$(tls_served_sha256)"
# A missing file: refused the same way.
sed -i "s|^tls_cert_file = .*|tls_cert_file = $TLS_DIR/missing.crt|" "$WORK/needlewatchd.conf"
tls_sighup_and_wait tls_reload_failed
assert_match "a missing certificate file is refused with a warning" \
	'event=tls_reload_failed reason=".*missing.crt: No such file or directory" kept=previous' "$TLS_RELOAD_LOG"
assert_eq "the previous certificate is still served after that too" "$TLS_NEW" "$(tls_served_sha256)"
# New file names in the configuration are followed (tls_cert_file is live).
sed -i -e "s|^tls_cert_file = .*|tls_cert_file = $TLS_DIR/other.crt|" \
	-e "s|^tls_key_file = .*|tls_key_file = $TLS_DIR/other.key|" "$WORK/needlewatchd.conf"
tls_sighup_and_wait tls_reloaded
assert_eq "renamed certificate files in the configuration are loaded on SIGHUP" \
	"$(tls_file_sha256 "$TLS_DIR/other.crt")" "$(tls_served_sha256)"
# Back to the original certificate for the rest of this file.
cp "$TLS_DIR/orig.crt" "$WORK/tls/server.crt"
cp "$TLS_DIR/orig.key" "$WORK/tls/server.key"
nw_write_config
tls_sighup_and_wait tls_reloaded
assert_eq "the original certificate is served again" \
	"$(tls_file_sha256 "$TLS_DIR/orig.crt")" "$(tls_served_sha256)"

# --- client certificates (tls_client_ca_file), mapped to accounts
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
	-keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.crt" -subj "/CN=Needlewatch test client CA" 2>/dev/null
# tls_client_cert NAME EKU [CA]: a client certificate NAME.crt/.key, signed by
# the test CA (or self-signed when CA is "self"), for extended key usage EKU.
tls_client_cert() {
	printf 'extendedKeyUsage = %s\n' "$2" >"$TLS_DIR/$1.ext"
	if [ "${3:-}" = self ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
			-keyout "$TLS_DIR/$1.key" -out "$TLS_DIR/$1.crt" -subj "/CN=$1" \
			-addext "extendedKeyUsage=$2" 2>/dev/null
		return
	fi
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$TLS_DIR/$1.key" -out "$TLS_DIR/$1.csr" -subj "/CN=$1" 2>/dev/null
	openssl x509 -req -in "$TLS_DIR/$1.csr" -CA "$TLS_DIR/ca.crt" -CAkey "$TLS_DIR/ca.key" \
		-CAcreateserial -days 30 -extfile "$TLS_DIR/$1.ext" -out "$TLS_DIR/$1.crt" 2>/dev/null
}
tls_client_cert clinic clientAuth
tls_client_cert unbound clientAuth
tls_client_cert serveronly serverAuth
tls_client_cert rogue clientAuth self

# tls_req METHOD PATH CERT TOKEN [BODY-FILE]: like http, with a client
# certificate (CERT "" for none) and a token ("" for none).
tls_req() {
	local args=(-sS --cacert "$WORK/tls/server.crt" -X "$1" -D "$WORK/headers" -o "$WORK/body"
		-w '%{http_code}' --max-time 10)
	[ -n "$3" ] && args+=(--cert "$TLS_DIR/$3.crt" --key "$TLS_DIR/$3.key")
	[ -n "$4" ] && args+=(-H "Authorization: Bearer $4")
	[ -n "${5:-}" ] && args+=(-H "Content-Type: application/json" --data-binary "@$5")
	STATUS=$(curl "${args[@]}" "$NW_URL$2" 2>/dev/null) || STATUS=000
	BODY=$(cat "$WORK/body" 2>/dev/null)
}

nw_restart_with "tls_client_ca_file = $TLS_DIR/ca.crt"
TLS_PREMISES=$(ctl premises add --name "Cert Clinic $RANDOM" --setting medical_clinic --postcode EC1A | tail -1)
TLS_CREATED=$(ctl token create --role reporter --premises "$TLS_PREMISES" --client-cert "$TLS_DIR/clinic.crt")
TLS_BOUND=$(tail -1 <<<"$TLS_CREATED")
TLS_BOUND_ID=$(sql "SELECT max(id) FROM needlewatch.accounts WHERE premises_id = $TLS_PREMISES")
assert_eq "the account stores the certificate's SHA-256" "$(tls_file_sha256 "$TLS_DIR/clinic.crt")" \
	"$(sql "SELECT client_cert_sha256 FROM needlewatch.accounts WHERE id = $TLS_BOUND_ID")"
assert_match "token create says what it is bound to" "is bound to the client certificate with SHA-256 $(tls_file_sha256 "$TLS_DIR/clinic.crt")" "$TLS_CREATED"
assert_eq "the audit log records the binding" "$(tls_file_sha256 "$TLS_DIR/clinic.crt")" \
	"$(sql "SELECT detail->>'client_cert_sha256' FROM needlewatch.audit_log WHERE action = 'token_create' AND (detail->>'id')::bigint = $TLS_BOUND_ID")"
read -r _ TLS_PLAIN <<<"$(new_reporter salon LS6)"

report_json TLS-CERT-1 >"$TLS_DIR/r1.json"
tls_req POST /v1/reports clinic "" "$TLS_DIR/r1.json"
assert_eq "a mapped client certificate alone authenticates (201)" 201 "$STATUS"
TLS_ID=$(json_field id)
assert_eq "the report belongs to the certificate's premises and account" "$TLS_PREMISES|$TLS_BOUND_ID" \
	"$(sql "SELECT premises_id, account_id FROM needlewatch.reports WHERE id = $TLS_ID")"
tls_req GET "/v1/reports/$TLS_ID" clinic ""
assert_eq "the certificate reads its own premises' report" 200 "$STATUS"
report_json TLS-CERT-2 >"$TLS_DIR/r2.json"
tls_req POST /v1/reports clinic "$TLS_BOUND" "$TLS_DIR/r2.json"
assert_eq "the bound token with its certificate is accepted" 201 "$STATUS"
tls_req POST /v1/reports "" "$TLS_BOUND" "$TLS_DIR/r2.json"
assert_eq "the bound token without its certificate is refused" 401 "$STATUS"
assert_match "the 401 says the token needs its certificate" 'bound to a client certificate' "$BODY"
tls_req POST /v1/reports unbound "$TLS_BOUND" "$TLS_DIR/r2.json"
assert_eq "the bound token with another (trusted) certificate is refused" 401 "$STATUS"
report_json TLS-CERT-3 >"$TLS_DIR/r3.json"
tls_req POST /v1/reports unbound "" "$TLS_DIR/r3.json"
assert_eq "a trusted certificate bound to no account is refused" 401 "$STATUS"
tls_req POST /v1/reports rogue "" "$TLS_DIR/r3.json"
assert_eq "a certificate from another CA is refused" 401 "$STATUS"
assert_match "the 401 says the certificate does not verify" 'does not verify against tls_client_ca_file' "$BODY"
tls_req POST /v1/reports serveronly "" "$TLS_DIR/r3.json"
assert_eq "a CA-signed certificate not for client use is refused" 401 "$STATUS"
tls_req POST /v1/reports "" "$TLS_PLAIN" "$TLS_DIR/r3.json"
assert_eq "client certificates stay optional: a plain token without one works" 201 "$STATUS"
tls_req POST /v1/reports rogue "$TLS_PLAIN" "$TLS_DIR/r3.json"
assert_eq "but a token with an untrusted certificate is refused" 401 "$STATUS"
assert_eq "nothing refused was stored" 1 \
	"$(sql "SELECT count(*) FROM needlewatch.reports WHERE client_ref = 'TLS-CERT-3'")"
ctl token revoke "$TLS_BOUND_ID" >/dev/null
report_json TLS-CERT-4 >"$TLS_DIR/r4.json"
tls_req POST /v1/reports clinic "" "$TLS_DIR/r4.json"
assert_eq "revoking the account revokes its certificate at once" 401 "$STATUS"
TLS_REBOUND=$(ctl token create --role reporter --premises "$TLS_PREMISES" --client-cert "$TLS_DIR/clinic.crt" | tail -1)
assert_match "a revoked account's certificate may be bound again" '^nwt_[0-9a-f]{48}$' "$TLS_REBOUND"
tls_req POST /v1/reports clinic "" "$TLS_DIR/r4.json"
assert_eq "the certificate works for its new account" 201 "$STATUS"
assert_nomatch "a second active binding of one certificate is refused" '^nwt_' \
	"$(ctl token create --role reporter --premises "$TLS_PREMISES" --client-cert "$TLS_DIR/clinic.crt" 2>&1 | tail -1)"
assert_match "token create refuses a file that is not a certificate" 'not a PEM certificate' \
	"$(ctl token create --role reporter --premises "$TLS_PREMISES" --client-cert "$TLS_DIR/ca.key" 2>&1)"

# Without tls_client_ca_file the daemon asks for no certificate at all.
nw_restart_with ""
tls_req POST /v1/reports clinic "" "$TLS_DIR/r4.json"
assert_eq "without tls_client_ca_file a certificate alone does not authenticate" 401 "$STATUS"
rm -rf "$TLS_DIR"
