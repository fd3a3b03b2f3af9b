#!/bin/sh
# Run every test tenet has and end with one line: "tests: N passed, N failed, N skipped".
#
#   build/tests/test_*        cmocka unit tests, normal build
#   build/asan/tests/test_*   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   build/tsan/tests/test_*   ring and pool concurrency tests under ThreadSanitizer
#   tests/sys/test_*.sh       system tests with real processes (exit 0 pass, 77 skip)
#
# cmocka counts are summed per test case; a binary that dies without a
# cmocka summary counts as one failure. Logs go to build/test-logs/.
set -u
cd "$(dirname "$0")/.."
LOGS=build/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
passed=0
failed=0
skipped=0
failures=""

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

run_cmocka() { # variant binary
	log="$LOGS/$1-$(basename "$2").log"
	start=$(date +%s)
	"$2" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, or a sanitizer stopped it
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	printf '%-6s %-40s %3d passed %3d failed %3d skipped  (%ss)\n' "$1" "$(basename "$2")" \
		"$p" "$f" "$s" "$(($(date +%s) - start))"
	if [ "$f" -ne 0 ]; then
		failures="$failures $log"
	fi
}

for variant in unit asan tsan; do
	case $variant in
	unit) dir=build/tests ;;
	asan) dir=build/asan/tests ;;
	tsan) dir=build/tsan/tests ;;
	esac
	for t in "$dir"/test_*; do
		[ -x "$t" ] || continue
		run_cmocka "$variant" "$t"
	done
done

for t in tests/sys/test_*.sh; do
	[ -f "$t" ] || continue
	log="$LOGS/sys-$(basename "$t").log"
	start=$(date +%s)
	TENET_BUILD=build sh "$t" >"$log" 2>&1
	rc=$?
	case $rc in
	0) passed=$((passed + 1)); r=pass ;;
	77) skipped=$((skipped + 1)); r="skip: $(tail -n 1 "$log")" ;;
	*) failed=$((failed + 1)); r="FAIL (exit $rc)"; failures="$failures $log" ;;
	esac
	printf '%-6s %-40s %s  (%ss)\n' sys "$(basename "$t")" "$r" "$(($(date +%s) - start))"
done

for log in $failures; do
	echo "---- $log (last 40 lines)"
	tail -n 40 "$log"
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
