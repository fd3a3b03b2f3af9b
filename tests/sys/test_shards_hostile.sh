#!/bin/sh
# Hostile and crashing NFs under two dispatcher shards (manager.dispatchers:
# 2). Tenants alice and carol are shard 0's pools, bob and dave shard 1's.
# alice's NF is tests/nf_hostile (as in test_hostile.sh: forged, stale and
# doubled indices, bad lengths, verdicts and targets, garbage ring indices,
# an exit mid-burst); dave's NF is killed with -9 mid-run (as in
# test_crash.sh). bob (the other shard) and carol (the hostile NF's own
# shard), one of whose chains crosses into bob's pool, are checked intact:
# every packet classified, delivered but for load drops, the sink got
# bob's packets with their checksums right; the manager reclaims every
# buffer the dying NFs held, the supervisor restarts both, every pool is
# full again at the end and every packet is accounted for.
. "$(dirname "$0")/lib.sh"
P="$B/tests/nf_probe"
cat >"$T/h.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0, dispatchers: 2}
ports:
  - {name: gen0, driver: gen, rate: 60000, duration: 7, size: [64, 256, 1024],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 64, weight: 2},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 64},
             {src: 10.5.0.0/16, dst: 10.6.0.0/16, proto: tcp, sport: 1000-2000, dport: 80, count: 64},
             {src: 10.7.0.0/16, dst: 10.8.0.0/16, count: 32, weight: 2}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice, inflight: 8192}, {name: bob}, {name: carol}, {name: dave}]
services:
  - {name: evil, tenant: alice, command: "$B/tests/nf_hostile --bursts 1500"}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
  - {name: xin, tenant: bob, command: "$B/nf/fwd"}
  - {name: fwd, tenant: carol, command: "$B/nf/fwd"}
  - {name: victim, tenant: dave, command: "$P --mark 1 --out $T/victim"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/evil], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
  - {name: c, match: {src: 10.5.0.0/16}, hops: [carol/fwd, bob/xin], output: sink0}
  - {name: d, match: {src: 10.7.0.0/16}, hops: [dave/victim], output: sink0}
YAML
"$TENET" run "$T/h.yaml" --quiet --summary "$T/s.json" --duration 60 >"$T/mgr.log" 2>&1 &
mgr=$!
sleep 3
victim=$(pgrep -f -- "--out $T/victim" | head -n 1)
[ -n "$victim" ] || { kill "$mgr"; wait "$mgr"; fail "victim NF not running"; }
kill -9 "$victim"
echo "killed dave/victim pid $victim (shard 1)"
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
evil='[n for n in j["nfs"] if n["service"] == "alice/evil"]'
vic='[n for n in j["nfs"] if n["service"] == "dave/victim"]'
echo "info: dispatchers $(json "$S" 'j["dispatchers"]'); dropped $(json "$S" '{k: v for k, v in j["dropped"].items() if v}')"
check "every packet accounted" 'j["conserved"]' "$S"
check "two shards, both moved packets" 'len(j["dispatchers"]) == 2 and all(d["pkts"] > 0 for d in j["dispatchers"])' "$S"
check "alice's NF (shard 0): forged, stale, bad-length, bad-verdict and garbage-index rejects counted" \
	"all(sum(n['rejects'][k] for n in $evil) > 0 for k in ('buf_range', 'not_owner', 'bad_len', 'bad_verdict', 'bad_index'))" "$S"
check "violations dropped with a reason, on alice only" \
	'j["tenants"]["alice"]["drops"].get("nf_violation", 0) > 0 and all(t["drops"].get("nf_violation", 0) == 0 for n, t in j["tenants"].items() if n != "alice")' "$S"
check "the supervisor restarted the hostile NF" 'j["services"]["alice/evil"]["restarts"] >= 1' "$S"
check "dave's NF (shard 1) killed and restarted; the restarted one carried traffic" \
	"j['services']['dave/victim']['restarts'] >= 1 and len($vic) == 2 and $vic[-1]['rx'] > 0" "$S"
check "buffers held by the dying NFs reclaimed and counted, per tenant" \
	"sum(n['reclaimed'] for n in $evil) == j['tenants']['alice']['drops'].get('nf_gone', 0) and sum(n['reclaimed'] for n in $vic) == j['tenants']['dave']['drops'].get('nf_gone', 0) and sum(n['reclaimed'] for n in j['nfs']) == j['dropped']['nf_gone'] > 0" "$S"
check "bob (shard 1): every packet the generator sent for bob classified, delivered but for load drops" \
	'j["ports"]["gen0"]["driver_stats"]["groups"][1] == j["tenants"]["bob"]["in"] == j["tenants"]["bob"]["delivered"] + j["tenants"]["bob"]["dropped"] and j["tenants"]["bob"]["delivered"] > 0' "$S"
tenant_drops_only bob "$S" nf_rx_full no_buffer tx_full
check "carol (shard 0, crossing into bob's pool): classified, delivered but for load drops" \
	'j["ports"]["gen0"]["driver_stats"]["groups"][2] == j["tenants"]["carol"]["in"] == j["tenants"]["carol"]["delivered"] + j["tenants"]["carol"]["dropped"] and j["tenants"]["carol"]["delivered"] > 0 and j["tenants"]["bob"]["copies_in"] > 0' "$S"
tenant_drops_only carol "$S" nf_rx_full no_buffer tx_full
sink='j["ports"]["sink0"]["driver_stats"]'
check "the sink got exactly bob's packets, all checksums right" \
	"[t for t in $sink['tenants'] if t['tenant'] == 1][0]['packets'] == j['tenants']['bob']['delivered'] and [t for t in $sink['tenants'] if t['tenant'] == 1][0]['csum_bad'] == 0" "$S"
check "every pool full again at the end" \
	'all(t["pool_free_at_stop"] == t["pool_bufs"] for t in j["tenants"].values())' "$S"
