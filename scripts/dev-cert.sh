#!/usr/bin/env bash
# A self-signed development certificate for localhost (and a CA file to
# trust it): scripts/dev-cert.sh DIR. Idempotent; never for production.
set -euo pipefail
DIR=${1:?usage: dev-cert.sh DIR}
mkdir -p "$DIR"
[ -s "$DIR/server.crt" ] && [ -s "$DIR/server.key" ] && exit 0
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$DIR/server.key" -out "$DIR/server.crt" -days 825 \
	-subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" 2>/dev/null
chmod 0600 "$DIR/server.key"
