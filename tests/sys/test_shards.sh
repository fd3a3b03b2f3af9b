#!/bin/sh
# Two dispatcher shards (manager.dispatchers: 2), three tenants: alice and
# carol are shard 0's pools, bob is shard 1's. Chains within each tenant,
# one crossing from shard 0 to shard 1 (alice/xfwd -> bob/monitor) and one
# back (bob/fwd -> carol/fwd, two instances), many flows at a modest rate.
# Every packet is accounted for, every tenant delivers, no flow is
# reordered at the sink, the cross-shard hops were copies, and both shards
# did work, each taking handoffs from the other. Then the same under steer
# cpu: the router hands each shard its own pools' packets.
. "$(dirname "$0")/lib.sh"
for steer in nic cpu; do
echo "--- steer $steer"
cat >"$T/sh.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0, dispatchers: 2}
ports:
  - {name: gen0, driver: gen, steer: $steer, rate: 40000, duration: 4, size: [64, 200, 700],
     flows: [{src: 10.1.0.0/16, dst: 10.9.0.0/16, proto: udp, sport: 1000-9000, dport: 53, count: 64},
             {src: 10.2.0.0/16, dst: 10.9.0.0/16, proto: udp, sport: 1000-9000, dport: 53, count: 64},
             {src: 10.3.0.0/16, dst: 10.9.0.0/16, proto: tcp, sport: 1000-9000, dport: 443, count: 64},
             {src: 10.4.0.0/16, dst: 10.9.0.0/16, proto: tcp, sport: 1000-9000, dport: 80, count: 64},
             {src: 10.5.0.0/16, dst: 10.9.0.0/16, proto: udp, sport: 1000-9000, dport: 123, count: 64}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}, {name: carol}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: xfwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
  - {name: monitor, tenant: bob, command: "$B/nf/monitor"}
  - {name: fwd, tenant: carol, instances: 2, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], output: sink0}
  - {name: b, match: {src: 10.2.0.0/16}, hops: [bob/fwd], output: sink0}
  - {name: c, match: {src: 10.3.0.0/16}, hops: [carol/fwd], output: sink0}
  - {name: x, match: {src: 10.4.0.0/16}, hops: [alice/xfwd, bob/monitor], output: sink0}
  - {name: y, match: {src: 10.5.0.0/16}, hops: [bob/fwd, carol/fwd], output: sink0}
YAML
"$TENET" run "$T/sh.yaml" --quiet --summary "$T/s.json" --duration 60 >"$T/mgr.log" 2>&1 ||
	fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
echo "info: dispatchers $(json "$S" 'j["dispatchers"]'); copies $(json "$S" 'j["copies"]'); dropped $(json "$S" '{k: v for k, v in j["dropped"].items() if v}')"
check "every packet accounted" 'j["conserved"] and j["packets_in"] > 50000' "$S"
check "two dispatcher shards, shard 0 owns two pools (alice, carol), shard 1 one (bob)" \
	'len(j["dispatchers"]) == 2 and j["dispatchers"][0]["pools"] == 2 and j["dispatchers"][1]["pools"] == 1' "$S"
check "both shards moved packets" 'all(d["pkts"] > 0 for d in j["dispatchers"])' "$S"
check "both shards took handoffs: alice -> bob (0 -> 1) and bob -> carol (1 -> 0)" \
	'all(d["hand_in"] > 0 for d in j["dispatchers"])' "$S"
check "every tenant delivered" 'all(t["delivered"] > 0 for t in j["tenants"].values())' "$S"
check "every chain carried packets" 'all(v > 0 for v in j["chains"].values())' "$S"
# a loaded 2-CPU machine may drop for load; nothing else is allowed
for t in alice bob carol; do
	tenant_drops_only $t "$S" nf_rx_full no_buffer tx_full
done
check "each tenant: classified = delivered + dropped" \
	'all(t["in"] == t["delivered"] + t["dropped"] for t in j["tenants"].values())' "$S"
check "cross-tenant hops were copies: bob got chain x's, carol chain y's, alice none" \
	'j["tenants"]["alice"]["copies_in"] == 0 and j["tenants"]["bob"]["copies_in"] > 0 and j["tenants"]["carol"]["copies_in"] > 0 and j["copies"] == j["tenants"]["bob"]["copies_in"] + j["tenants"]["carol"]["copies_in"]' "$S"
check "every copy handed over was taken by the other shard" \
	'j["dispatchers"][1]["hand_in"] == j["tenants"]["bob"]["copies_in"] and j["dispatchers"][0]["hand_in"] == j["tenants"]["carol"]["copies_in"]' "$S"
check "bob/monitor saw every packet copied into bob's pool (but for its rx_full)" \
	'sum(n["rx"] + n["rx_full"] for n in j["nfs"] if n["service"] == "bob/monitor") == j["tenants"]["bob"]["copies_in"]' "$S"
K='j["ports"]["sink0"]["driver_stats"]'
check "the sink got every delivered packet, stamped" \
	"$K['packets'] == j['delivered'] and $K['unstamped'] == 0" "$S"
check "order per flow kept: no flow reordered, no duplicates, across both shards" \
	"$K['reordered'] == 0 and $K['duplicates'] == 0 and $K['flows'] >= 300" "$S"
check "pools full again at the end (nothing leaked across shards)" \
	'all(t["pool_free_at_stop"] == t["pool_bufs"] for t in j["tenants"].values()) and j["dropped"]["shutdown"] == 0' "$S"
done
