#!/bin/sh
# Finding B: alice's buffers are 4096 B, bob's 2048 B. Alice's NF hands
# every other packet of chain a back with len = buf_size - off (the longest
# its own pool allows, the tail filled with 0xee) before the hop into bob's
# service, where the manager copies it into a bob buffer. Each of those
# copies must be refused against the DESTINATION buffer and counted
# 'oversize' (exactly as many as the NF lengthened), the honest half must
# be copied and delivered intact, and bob's own packets, in the same pool
# at the same time, must arrive byte for byte as sent (TCP checksums).
. "$(dirname "$0")/lib.sh"
cat >"$T/o.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 40000, duration: 3, size: [64, 256, 1024],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, proto: tcp, sport: 1000-2000, dport: 80, count: 64},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 64}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice, buf_size: 4096, pool_bufs: 4096}, {name: bob, buf_size: 2048, pool_bufs: 2048}]
services:
  - {name: evil, tenant: alice, command: "$B/tests/nf_hostile --mode oversize --out $T/evil", restart: false}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/evil, bob/fwd], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
YAML
"$TENET" run "$T/o.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 ||
	fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
[ -s "$T/evil" ] || fail "the hostile NF wrote no counts"
len=$(probe_val "$T/evil" lengthened)
hon=$(probe_val "$T/evil" honest)
echo "info: alice's NF lengthened $len packets, left $hon alone"
[ "$len" -gt 0 ] && [ "$hon" -gt 0 ] || fail "the hostile NF saw no traffic"
check "every packet accounted" 'j["conserved"]' "$S"
check "each lengthened packet dropped 'oversize' at the copy into bob's pool, exactly" \
	"j['dropped']['oversize'] == $len" "$S"
check "the honest ones were copied into bob's pool" "j['copies'] > 0 and j['tenants']['bob']['copies_in'] == j['copies']" "$S"
# a busy 2-core machine may deschedule bob's NF long enough to fill its rx
# ring: those drops (bob's own NF's rx_full, no_buffer, tx_full) are load,
# not the attack; anything else lost of bob's fails the test
check "bob: every packet the generator sent for bob classified, delivered but for load drops" \
	'j["ports"]["gen0"]["driver_stats"]["groups"][1] == j["tenants"]["bob"]["in"] == j["tenants"]["bob"]["delivered"] + j["tenants"]["bob"]["dropped"] and j["tenants"]["bob"]["delivered"] > 0 and j["tenants"]["bob"]["dropped"] <= sum(n["rx_full"] for n in j["nfs"] if n["service"] == "bob/fwd") + j["dropped"]["no_buffer"] + j["dropped"]["tx_full"]' "$S"
tenant_drops_only bob "$S" nf_rx_full no_buffer tx_full
echo "info: bob dropped $(json "$S" 'j["tenants"]["bob"]["dropped"]') (bob/fwd rx_full $(json "$S" 'sum(n["rx_full"] for n in j["nfs"] if n["service"] == "bob/fwd")'), no_buffer $(json "$S" 'j["dropped"]["no_buffer"]'), tx_full $(json "$S" 'j["dropped"]["tx_full"]'))"
sink='j["ports"]["sink0"]["driver_stats"]'
tn() { echo "[t for t in $sink['tenants'] if t['tenant'] == $1][0]"; }
check "bob: the sink got exactly bob's packets, all checksums right" \
	"$(tn 1)['packets'] == j['tenants']['bob']['delivered'] and $(tn 1)['csum_bad'] == 0" "$S"
check "alice: the copies that fit arrived intact (checksums right)" \
	"$(tn 0)['packets'] == j['tenants']['alice']['delivered'] > 0 and $(tn 0)['csum_bad'] == 0" "$S"
check "both pools full again at the end" \
	'all(t["pool_free_at_stop"] == t["pool_bufs"] for t in j["tenants"].values())' "$S"
