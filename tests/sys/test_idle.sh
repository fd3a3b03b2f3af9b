#!/bin/sh
# An idle platform (manager + 3 NFs, no traffic) sleeps: less than 2% of
# one core in total over a 3 s window (adaptive mode; --poll would burn
# 100% per thread by design). CPU time is read from /proc/PID/stat.
. "$(dirname "$0")/lib.sh"
cat >"$T/idle.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: fwd2, tenant: alice, command: "$B/nf/fwd"}
  - {name: monitor, tenant: bob, command: "$B/nf/monitor"}
chains:
  - {name: a, hops: [alice/fwd, alice/fwd2, bob/monitor], output: sink0}
YAML
"$TENET" run "$T/idle.yaml" --quiet --duration 6 >/dev/null 2>&1 &
mgr=$!
sleep 2
pids="$mgr $(pgrep -P $mgr | tr '\n' ' ')"
[ "$(echo $pids | wc -w)" -eq 4 ] || fail "expected manager + 3 NFs, got pids: $pids"
ticks() { # total utime+stime of the pids, in clock ticks
	t=0
	for p in $pids; do
		s=$(sed 's/^.*) //' /proc/$p/stat | awk '{print $12 + $13}')
		t=$((t + s))
	done
	echo $t
}
t0=$(ticks)
sleep 3
t1=$(ticks)
hz=$(getconf CLK_TCK)
wait $mgr || fail "manager exited $?"
# 2% of one core over 3 s = 0.06 s
pct=$(python3 -c "print(round(100.0 * ($t1 - $t0) / $hz / 3, 2))")
echo "info: idle platform used $pct% of one core (manager + 3 NFs)"
python3 -c "import sys; sys.exit(0 if ($t1 - $t0) / $hz / 3 < 0.02 else 1)" ||
	fail "idle CPU $pct% >= 2%"
echo "ok: idle CPU below 2% of one core"
