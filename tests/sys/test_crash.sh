#!/bin/sh
# kill -9 of an NF under load: the manager survives, reclaims every buffer
# the NF held (the pools are full again at the end), the supervisor
# restarts the NF, the new instance re-attaches and carries traffic, and
# every packet is still accounted for.
. "$(dirname "$0")/lib.sh"
P="$B/tests/nf_probe"
cat >"$T/crash.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 200000, count: 1200000, size: 256,
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 32}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: victim, tenant: alice, command: "$P --mark 1 --out $T/victim"}
  - {name: after, tenant: bob, command: "$P --mark 2 --expect 1 --out $T/after"}
chains:
  - {name: c, match: {src: 10.1.0.0/16}, hops: [alice/victim, bob/after], output: sink0}
YAML
"$TENET" run "$T/crash.yaml" --quiet --summary "$T/s.json" --duration 60 &
mgr=$!
sleep 2.5
victim=$(pgrep -f -- "--out $T/victim" | head -n 1)
[ -n "$victim" ] || fail "victim NF not running"
kill -9 "$victim"
echo "killed victim pid $victim"
wait $mgr || fail "manager exited $? after an NF was killed"
S="$T/s.json"
check "every packet accounted" 'j["conserved"] and j["packets_in"] == 1200000' "$S"
check "the supervisor restarted the NF" 'j["services"]["alice/victim"]["restarts"] >= 1' "$S"
check "two victim instances over the run, the restarted one carried traffic" \
	'len([n for n in j["nfs"] if n["service"] == "alice/victim"]) == 2 and [n for n in j["nfs"] if n["service"] == "alice/victim"][-1]["rx"] > 0' "$S"
check "buffers held by the killed NF were reclaimed and counted" \
	'sum(n["reclaimed"] for n in j["nfs"]) == j["dropped"]["nf_gone"] == j["nf_totals"]["reclaimed"]' "$S"
check "both victim lives in the totals, one death, restarted after the first backoff step" \
	'j["services"]["alice/victim"]["lives"]["lives"] == 2 and j["services"]["alice/victim"]["deaths"] == 1 and j["services"]["alice/victim"]["max_backoff_ms"] == 100' "$S"
check "pools full again once stopped (nothing leaked)" \
	'all(t["pool_free_at_stop"] == t["pool_bufs"] for t in j["tenants"].values()) and j["dropped"]["shutdown"] == 0' "$S"
[ "$(probe_val "$T/victim.0" seen)" -gt 0 ] || fail "restarted victim saw no packets"
echo "ok: restarted victim processed $(probe_val "$T/victim.0" seen) packets"
echo "info: $(json "$S" 'j["dropped"]["nf_gone"]') packets were held by the killed NF"
