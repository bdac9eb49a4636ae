#!/usr/bin/env bash
# Installs Needlewatch's build, run and test dependencies from Debian 12's
# archive. Idempotent: quiet and quick when everything is present.
set -euo pipefail

PKGS=(
	build-essential pkg-config
	libmicrohttpd-dev libgnutls28-dev gnutls-bin
	libpq-dev postgresql postgresql-contrib
	libcjson-dev libcurl4-openssl-dev libcmocka-dev
	libglpk-dev glpk-utils  # the refresh's disclosure audit; glpsol for its independent attack test
	curl openssl ca-certificates jq  # jq: tests read JSON answers
	chromium libxml2-utils  # export tests: screenshot, well-formed HTML
	clang libclang-rt-14-dev  # make fuzz: libFuzzer and its sanitizer runtimes
	libsystemd-dev  # sd_notify: Type=notify readiness, reload and watchdog
	groff-base socat  # tests: man pages render without warnings; the sd_notify socket
	prometheus  # tests: promtool check metrics only; its server is kept from starting (below)
	postgresql-15-auto-failover pg-auto-failover-cli haproxy  # make ha-check
	nodejs  # tests: the dashboard's browser tests (tests/browser, puppeteer-core)
	python3  # make check, make lint: scripts/include-cycles.py
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm is Debian's own package, or comes inside another build of nodejs.
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Test-time tools that Debian packages as services (prometheus would listen
# on every interface) are installed without being started or enabled: a
# policy-rc.d refuses their start for the length of this install.
NO_START="prometheus haproxy"
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\ncase " %s " in *" $1 "*) exit 101;; esac\nexit 0\n' "$NO_START" |
		$SUDO tee "$policy" >/dev/null
	$SUDO chmod 0755 "$policy"
	own_policy=1
fi
rc=0
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
[ "$own_policy" -eq 1 ] && $SUDO rm -f "$policy"
[ "$rc" -eq 0 ] || exit "$rc"
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
	for unit in $NO_START; do
		$SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true
	done
fi
# Debian's postgresql package starts a system cluster on 5432; we never use
# it (pg-dev.sh runs private clusters), so leave it as the operator has it.
