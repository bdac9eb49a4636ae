-- 005: hardening — client certificates mapped to accounts, and the daemon's
-- privileges on report history narrowed to what 001 meant.
--
-- A client certificate is identified by the SHA-256 of its DER encoding, the
-- value `openssl x509 -noout -fingerprint -sha256` prints (without colons,
-- lower case). `needlewatchctl token create ... --client-cert FILE` stores
-- it. An account with a certificate authenticates either by presenting that
-- certificate (verified against tls_client_ca_file) or by its bearer token
-- over a connection presenting that certificate: a stolen token alone is not
-- enough.

ALTER TABLE needlewatch.accounts
	ADD COLUMN client_cert_sha256 text CHECK (client_cert_sha256 ~ '^[0-9a-f]{64}$');

-- One active account per certificate; a revoked account's certificate may be
-- bound again.
CREATE UNIQUE INDEX accounts_client_cert_active ON needlewatch.accounts (client_cert_sha256)
	WHERE client_cert_sha256 IS NOT NULL AND revoked_at IS NULL;

-- Report history is append-only for the daemon, whatever any earlier grant
-- said: it inserts reports and audit rows, reads accounts and premises, and
-- never updates, deletes or truncates any of them.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
	ON needlewatch.reports, needlewatch.report_complications, needlewatch.accounts,
	   needlewatch.premises, needlewatch.audit_log
	FROM needlewatch_app, PUBLIC;
REVOKE INSERT ON needlewatch.accounts, needlewatch.premises FROM needlewatch_app, PUBLIC;
REVOKE CREATE ON SCHEMA needlewatch, summary FROM needlewatch_app, needlewatch_regulator, PUBLIC;
