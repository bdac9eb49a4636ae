#!/usr/bin/env bash
# make check's runner: unit tests, then integration tests; the last line is
# the total of both, "N passed, M failed, K skipped".
set -u
cd "$(dirname "$0")/.."
out=$(mktemp)
tests/run-unit.sh "$@" 2>&1 | tee "$out"
tests/integration/run.sh 2>&1 | tee -a "$out"
read -r p f s < <(awk '/^(unit|integration): [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {p += $2; f += $4; s += $6} END {print p + 0, f + 0, s + 0}' "$out")
n=$(grep -cE '^(unit|integration): [0-9]+ passed' "$out")
rm -f "$out"
p=${p:-0}; f=${f:-0}
# A runner that printed no summary at all counts as a failure.
[ "$n" -lt 2 ] && f=$((f + 1))
echo "$p passed, $f failed, ${s:-0} skipped"
[ "$f" -eq 0 ]
