#!/bin/sh
# Measure the figures of docs/RESULTS.md ("Current figures") with tenet-bench
# and write them, with the commands and the commit, to docs/results/:
#
#   scripts/results.sh [--quick]
#
# Run it on a quiet machine (nothing else busy: the figures move with any
# other load) from a fresh `make`. For each benchmark NAME it writes
# NAME.json (tenet-bench --json), NAME.log (its progress on stderr),
# NAME.cmd (the command) and NAME.md (the table); summary.md collects the
# tables with the commit and the machine. --quick: 64 B only and 1 and 2
# hops (about 45 minutes instead of about 75). --tables: no runs, only the
# tables and summary.md of what is in docs/results/.
#
# As root it reserves the 2 MiB huge pages the runs' pools need (160, when
# fewer are free) and gives them back at the end, as an NFV host has them
# (docs/operations.md, "Huge pages"); without, the pools are on 4 KiB pages
# and every result says huge_pages: false.
set -u
cd "$(dirname "$0")/.."
OUT=docs/results
BENCH=build/tenet-bench
quick=0
only_tables=0
[ "${1:-}" = "--quick" ] && quick=1
[ "${1:-}" = "--tables" ] && only_tables=1
[ -x "$BENCH" ] || { echo "results.sh: $BENCH missing: run make first" >&2; exit 2; }
mkdir -p "$OUT" docs/img
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ $only_tables = 0 ] && [ "$(id -u)" = 0 ] && [ -w "$HP" ]; then
	hp_free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	if [ "${hp_free:-0}" -lt 160 ]; then
		hp_old=$(cat "$HP")
		trap 'echo "$hp_old" >"$HP"' EXIT
		trap 'exit 130' INT TERM
		echo $((hp_old + 160 - ${hp_free:-0})) >"$HP"
		echo "results.sh: reserved $(($(cat "$HP") - hp_old)) huge pages for the run" >&2
	fi
fi
if [ $only_tables = 1 ] && [ -s "$OUT/COMMIT" ]; then
	commit=$(cat "$OUT/COMMIT") # what the runs were measured at
else
	commit=$(git rev-parse --short HEAD)
	git diff --quiet HEAD -- . ':!docs' ':!scripts' 2>/dev/null || commit="$commit+changes"
	[ $only_tables = 1 ] || echo "$commit" >"$OUT/COMMIT"
fi
md() { python3 scripts/results_md.py "$@"; }

# run NAME ARGS...: tenet-bench ARGS --json into NAME.json; the exit status
# is kept in NAME.rc (steer's 3 says two runs disagree on the ordering)
run() {
	name=$1
	shift
	echo "results.sh: $name: $BENCH $*" >&2
	echo "$BENCH $* --json" >"$OUT/$name.cmd"
	"$BENCH" "$@" --json >"$OUT/$name.json" 2>"$OUT/$name.log"
	echo $? >"$OUT/$name.rc"
}

[ $only_tables = 1 ] && run() { :; } # the tables of what an earlier run left
if [ $quick = 1 ]; then
	hops=1,2
else
	hops=1,2,3,4
fi
run chain-ndr chain --ndr --sizes 64 --hops $hops --csv "$OUT/chain-ndr.csv"
run steer-ndr-a steer --ndr --sizes 64
run steer-ndr-b steer --ndr --sizes 64
run scan-ndr scan --ndr --sizes 64
run chain-overload chain --sizes 64 --hops 1,2 --mode adaptive --count 10000000 --reps 3
[ $quick = 1 ] || run steer-ndr-sizes steer --ndr --sizes 64,512,1518 --runs 1 \
	--csv "$OUT/steer-ndr-sizes.csv" --plot docs/img

ndr_cols=hops,tenants,steer,scenario,size,run,ndr_mpps,pdr_mpps,ndr_trials,ndr_losing_trials
ndr_cols=$ndr_cols,host_ns_per_pkt,dispatch_ns_per_pkt,dispatch_work_ns_per_pkt,work_ns_per_pass
ndr_cols=$ndr_cols,nf_ns_per_pkt,nic_ns_per_pkt,nic_work_ns_per_pkt,huge_pages
ndr_cols=$ndr_cols,lat_p50_us,lat_p99_us,lat90_p50_us,lat90_p99_us,mrr_mpps
for n in chain-ndr steer-ndr-a steer-ndr-b scan-ndr steer-ndr-sizes; do
	[ -s "$OUT/$n.json" ] || continue
	md "$OUT/$n.json" "$ndr_cols,fixed_mpps,fixed_host_ns_per_pkt,fixed_loss_pct,ordering_agrees" \
		--where load=ndr >"$OUT/$n.md"
done
[ -s "$OUT/chain-overload.json" ] && md "$OUT/chain-overload.json" \
	hops,size,mpps,offered_mpps,loss_pct,host_ns_per_pkt,dispatch_work_ns_per_pkt,nic_ns_per_pkt,nic_work_ns_per_pkt,huge_pages,conserved \
	>"$OUT/chain-overload.md"

# the steering criterion: NDR nic / cpu and nic / shared per run
ratios() {
	python3 - "$1" <<'PY'
import json, sys
rows = [r for r in json.load(open(sys.argv[1])) if r.get("load") == "ndr"]
for run, size in sorted({(r.get("run"), r.get("size")) for r in rows}):
    by = {r["steer"]: r.get("ndr_mpps", 0) for r in rows
          if r.get("run") == run and r.get("size") == size}
    if all(k in by for k in ("nic", "cpu", "shared")) and by["cpu"] and by["shared"]:
        print("- run %s, %s B: NDR nic %.3f, cpu %.3f, shared %.3f Mpps: nic/cpu %.2f, nic/shared %.2f"
              % (run, size, by["nic"], by["cpu"], by["shared"], by["nic"] / by["cpu"],
                 by["nic"] / by["shared"]))
PY
}

{
	echo "Measured at $commit on $(date -u +%Y-%m-%d), $(nproc) CPUs ($(uname -r)), by scripts/results.sh."
	for n in chain-ndr steer-ndr-a steer-ndr-b scan-ndr chain-overload steer-ndr-sizes; do
		[ -s "$OUT/$n.md" ] && [ -s "$OUT/$n.json" ] || continue
		echo
		echo "### $n"
		echo
		echo '`'"$(cat "$OUT/$n.cmd")"'` (exit '"$(cat "$OUT/$n.rc")"')'
		echo
		cat "$OUT/$n.md"
		case $n in steer-ndr-*)
			echo
			ratios "$OUT/$n.json"
			grep -h 'agree\|DISAGREE' "$OUT/$n.log" | sed 's/^/    /'
			;;
		esac
	done
} >"$OUT/summary.md"
echo "results.sh: wrote $OUT/summary.md" >&2
