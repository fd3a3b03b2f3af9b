#!/bin/sh
# tenet-bench on the software ports, tiny runs: the shape of what it
# reports, never a figure. The max-rate chain run keeps the JSON fields
# ../shared/peer-onvm reads; --ndr on chain, steer and scan gives one
# object per result with the keys the docs promise, a PDR never below the
# NDR (every zero-loss trial is a PDR pass too), the CPU split adding up,
# and steer's ordering check over two runs; scan's default scenarios; bad
# options are usage errors; tenet itself no longer runs benchmarks and does
# not link DPDK. tests/sys/test_bench_real.sh is the --real back end.
. "$(dirname "$0")/lib.sh"
BENCH="$B/tenet-bench"
[ -x "$BENCH" ] || fail "no $BENCH (make)"
# short trials at low rates: this checks the harness, not the platform
SEARCH="--final 0.2 --initial 0.1 --phases 2 --warmup 0.1 --width 0.25 --max-rate 40000 --min-rate 5000 --rate-tol 0.5"

"$BENCH" --help >"$T/help" || fail "tenet-bench --help exited $?"
for s in ring chain steer scan; do
	grep -q "^  $s " "$T/help" || fail "tenet-bench --help does not list $s"
done
"$BENCH" chain --no-such-option >/dev/null 2>&1
[ $? -eq 2 ] || fail "an unknown option is not a usage error"
"$BENCH" chain --ndr --width 7 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--width 7 is not a usage error"
"$TENET" bench chain >/dev/null 2>"$T/tb.err"
[ $? -eq 2 ] && grep -q tenet-bench "$T/tb.err" || fail "tenet bench does not point to tenet-bench"
if command -v ldd >/dev/null; then
	[ "$(ldd "$TENET" | grep -c rte_)" -eq 0 ] || fail "tenet links DPDK"
fi
echo "ok: usage, tenet without benchmarks"

# the max-rate run peer-onvm parses (stdout must be exactly one JSON array)
"$BENCH" chain --sizes 64 --hops 1 --mode adaptive --count 20000 --reps 1 --json \
	>"$T/max.json" 2>"$T/max.err" || fail "chain max-rate exited $? ($(tail -n 3 "$T/max.err"))"
check "max-rate: the fields peer-onvm reads" 'len(j) == 1 and all(k in j[0] for k in
	["size", "hops", "tenants", "mpps", "offered_mpps", "loss_pct", "host_ns_per_pkt",
	 "nic_ns_per_pkt", "conserved"]) and j[0]["hops"] == 1 and j[0]["tenants"] == 1' "$T/max.json"
check "max-rate: conserved, labelled overload" 'j[0]["conserved"] is True and
	j[0]["load"].startswith("max-rate") and j[0]["ndr_mpps"] is None' "$T/max.json"

# --nic-stage: the manager's key in every trial (the stage's own thread here), checked values
"$BENCH" chain --sizes 64 --hops 1 --mode adaptive --count 20000 --reps 1 --json \
	--nic-stage thread >"$T/thr.json" 2>"$T/thr.err" || fail "--nic-stage thread exited $? ($(tail -n 3 "$T/thr.err"))"
check "--nic-stage thread: conserved" 'len(j) == 1 and j[0]["conserved"] is True and
	j[0]["nic_ns_per_pkt"] > 0' "$T/thr.json"
"$BENCH" chain --nic-stage fused >/dev/null 2>"$T/bad.err"
[ $? -eq 2 ] && grep -q -- "--nic-stage wants auto, thread or inline" "$T/bad.err" ||
	fail "--nic-stage fused not refused: $(cat "$T/bad.err")"
"$BENCH" steer --real --nic-stage thread >/dev/null 2>"$T/bad.err"
[ $? -eq 2 ] && grep -q -- "--nic-stage" "$T/bad.err" ||
	fail "--real --nic-stage not refused: $(cat "$T/bad.err")"
echo "ok: --nic-stage reaches the trials, bad values and --real refused"

KEYS='["bench", "steer", "size", "hops", "tenants", "ndr_mpps", "pdr_mpps", "host_ns_per_pkt",
	"lat_p50_us", "lat_p99_us"]'
# shellcheck disable=SC2086
"$BENCH" chain --ndr --sizes 64 --hops 1 $SEARCH --json >"$T/ndr.json" 2>"$T/ndr.err" ||
	fail "chain --ndr exited $? ($(tail -n 3 "$T/ndr.err"))"
check "chain --ndr: one object with the promised keys" "len(j) == 1 and all(k in j[0] for k in $KEYS)
	and j[0]['bench'] == 'chain' and j[0]['load'] == 'ndr' and j[0]['valid'] is True" "$T/ndr.json"
check "chain --ndr: PDR >= NDR, both within the search range" '0 <= j[0]["ndr_mpps"] <=
	j[0]["pdr_mpps"] <= 0.04' "$T/ndr.json"
check "chain --ndr: host CPU at NDR is dispatcher + NFs" 'j[0]["host_ns_per_pkt"] is None or
	abs(j[0]["host_ns_per_pkt"] - j[0]["dispatch_ns_per_pkt"] - j[0]["nf_ns_per_pkt"]) < 1' "$T/ndr.json"
grep -q "phase 2/2 NDR trial" "$T/ndr.err" || fail "no search progress on stderr"
grep -q "trial  1: max" "$T/ndr.err" || fail "the search does not start with the unpaced trial"
echo "ok: search progress on stderr"

# steer: two runs and the ordering check (exit 3 when the runs disagree)
# shellcheck disable=SC2086
"$BENCH" steer --ndr --sizes 64 --steer nic,cpu --runs 2 --fixed-frac 0.5 $SEARCH --json \
	>"$T/steer.json" 2>"$T/steer.err"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "steer --ndr exited $rc ($(tail -n 3 "$T/steer.err"))"
check "steer --ndr: per run and mode, with the ordering and its check" "len(j) == 4 and
	all(k in r for r in j for k in $KEYS + ['ordering', 'ordering_agrees', 'fixed_host_ns_per_pkt'])
	and sorted((r['run'], r['steer']) for r in j) == [(1, 'cpu'), (1, 'nic'), (2, 'cpu'), (2, 'nic')]
	and len(set(r['ordering_agrees'] for r in j)) == 1" "$T/steer.json"
agree=$(json "$T/steer.json" 'j[0]["ordering_agrees"]')
if [ "$agree" = "True" ]; then
	[ $rc -eq 0 ] || fail "steer: runs agree but exit $rc"
	grep -q "agree on the ordering" "$T/steer.err" || fail "steer does not say the runs agree"
else
	[ $rc -eq 3 ] || fail "steer: runs disagree but exit $rc"
	grep -q "DISAGREE" "$T/steer.err" || fail "steer does not say the runs disagree"
fi
echo "ok: steer ordering check ($agree)"

# scan: verdict drops are not loss
# shellcheck disable=SC2086
"$BENCH" scan --ndr --sizes 512 --scenarios nic-scan $SEARCH --json >"$T/scan.json" \
	2>"$T/scan.err" || fail "scan --ndr exited $? ($(tail -n 3 "$T/scan.err"))"
check "scan --ndr: one object with the promised keys" "len(j) == 1 and all(k in j[0] for k in $KEYS)
	and j[0]['scenario'] == 'nic-scan' and j[0]['valid'] is True" "$T/scan.json"
# scan at a fixed rate, default scenarios: the software back end's three (wire is --real's)
"$BENCH" scan --sizes 512 --reps 1 --count 2000 --json >"$T/scanfix.json" 2>"$T/scanfix.err" ||
	fail "scan exited $? ($(tail -n 3 "$T/scanfix.err"))"
check "scan: the software back end's default scenarios" '[r["scenario"] for r in j] ==
	["nic-only", "nic-scan", "host-scan"] and all("backend" not in r for r in j)' "$T/scanfix.json"
echo "ok: tenet-bench"
