#!/usr/bin/env bash
# Builds each libFuzzer target in tests/fuzz/ with clang (ASan + UBSan), runs
# it over its saved crash inputs (tests/fuzz/regressions/<target>/: every
# crash ever found, kept as a regression test), then fuzzes it for
# FUZZ_SECONDS (default 30) from its seed corpus (tests/fuzz/corpus/<target>/).
# Ends with "fuzz: N passed, M failed", N counting the targets that ran clean.
#
#   FUZZ_SECONDS=60 scripts/fuzz.sh            every target, 60 s each
#   scripts/fuzz.sh fhir csv                   only these targets
#
# A crash leaves its input in build/fuzz/artifacts/; copy it into
# tests/fuzz/regressions/<target>/ once fixed, so it is replayed forever.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_EACH=${FUZZ_SECONDS:-30}
OUT=build/fuzz
CC_FUZZ=${CC_FUZZ:-clang}
CORE="arena codes csv csv_cell fhir fhir_filter fhir_json fhir_store identifying isoweek issues jsonesc jsonstrict normalise normalise_value pseudonym region report_csv report_json report_members utf8 util vocab"

if ! command -v "$CC_FUZZ" >/dev/null 2>&1; then
	echo "fuzz: $CC_FUZZ not found (scripts/deps.sh installs clang)" >&2
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
if [ $# -gt 0 ]; then TARGETS=("$@"); else
	TARGETS=()
	for f in tests/fuzz/fuzz_*.c; do t=$(basename "$f" .c); TARGETS+=("${t#fuzz_}"); done
fi

mkdir -p "$OUT/artifacts"
CFLAGS=(-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-Idaemon/core -DNW_ROOT="\"$ROOT\"" $(pkg-config --cflags libcjson gnutls))
LIBS=($(pkg-config --libs libcjson gnutls) -lm)
SOURCES=()
for m in $CORE; do SOURCES+=("daemon/core/$m.c"); done

passed=0 failed=0
for t in "${TARGETS[@]}"; do
	bin="$OUT/fuzz_$t"
	echo "# fuzz $t: building"
	if ! "$CC_FUZZ" "${CFLAGS[@]}" -o "$bin" "tests/fuzz/fuzz_$t.c" "${SOURCES[@]}" "${LIBS[@]}"; then
		echo "not ok - fuzz $t: does not build"
		failed=$((failed + 1))
		continue
	fi
	regress=(tests/fuzz/regressions/"$t"/*)
	if [ -e "${regress[0]}" ] && ! "$bin" -runs=1 "${regress[@]}" >"$OUT/$t.regress.log" 2>&1; then
		echo "not ok - fuzz $t: a saved crash input fails again (see $OUT/$t.regress.log)"
		tail -30 "$OUT/$t.regress.log"
		failed=$((failed + 1))
		continue
	fi
	work="$OUT/corpus/$t"
	mkdir -p "$work"
	dict=()
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	echo "# fuzz $t: ${SECONDS_EACH}s"
	# New inputs go to the work corpus (first directory); the seeds stay as committed.
	if "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$OUT/artifacts/$t-" -print_final_stats=1 "${dict[@]}" \
		"$work" "tests/fuzz/corpus/$t" >"$OUT/$t.log" 2>&1; then
		echo "ok - fuzz $t: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/$t.log" | grep -o '[0-9]*$') runs clean"
		passed=$((passed + 1))
	else
		echo "not ok - fuzz $t: crashed; input in $OUT/artifacts/ (see $OUT/$t.log)"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$OUT/$t.log" | head -10
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
