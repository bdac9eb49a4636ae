#!/usr/bin/env bash
# Installs Needlewatch's build, run and test dependencies from Debian 12's
# archive. Idempotent: quiet and quick when everything is present.
set -euo pipefail

PKGS=(
	build-essential pkg-config
	libmicrohttpd-dev libgnutls28-dev gnutls-bin
	libpq-dev postgresql postgresql-contrib
	libcjson-dev libcurl4-openssl-dev libcmocka-dev
	curl openssl ca-certificates
	chromium libxml2-utils  # export tests: screenshot, well-formed HTML
	clang libclang-rt-14-dev  # make fuzz: libFuzzer and its sanitizer runtimes
	postgresql-15-auto-failover pg-auto-failover-cli haproxy  # make ha-check
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql package starts a system cluster on 5432; we never use
# it (pg-dev.sh runs private clusters), so leave it as the operator has it.
