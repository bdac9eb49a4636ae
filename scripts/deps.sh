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
	libsystemd-dev  # sd_notify: Type=notify readiness, reload and watchdog
	groff-base socat  # tests: man pages render without warnings; the sd_notify socket
	prometheus  # tests: promtool check metrics (Debian also enables its server: disable it if unwanted)
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
