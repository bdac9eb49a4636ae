#!/usr/bin/env bash
# make check's runner: the include-circle check, unit tests, then integration
# tests; the last line is the total of all three, "N passed, M failed, K
# skipped". A skipped test is one that could not run here (a missing tool, a
# check that cannot fail as root): it is never counted as passed.
set -u
cd "$(dirname "$0")/.."
out=$(mktemp)
# No module may include its way back to itself (scripts/include-cycles.py).
if command -v python3 >/dev/null; then
	scripts/include-cycles.py 2>&1 | tee "$out"
else
	echo "skip - include circles: python3 is not installed"
	echo "includes: 0 passed, 0 failed, 1 skipped" | tee "$out"
fi
tests/run-unit.sh "$@" 2>&1 | tee -a "$out"
tests/integration/run.sh 2>&1 | tee -a "$out"
read -r p f s < <(awk '/^(includes|unit|integration): [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
	p += $2; f += $4; s += $6 } END {print p + 0, f + 0, s + 0}' "$out")
n=$(grep -cE '^(includes|unit|integration): [0-9]+ passed' "$out")
rm -f "$out"
# A runner that printed no summary at all counts as a failure.
[ "$n" -lt 3 ] && f=$((f + 1))
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
