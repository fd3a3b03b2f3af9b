#!/bin/sh
# A small pool still receives cross-tenant copies: bob's pool has 256
# buffers and gen0's fill ring for it used to be kept at 512, so it held
# the whole pool and every copy of alice's chain into bob's service was
# dropped 'no_buffer'. The fill rings a pool feeds now share at most half
# of it. Asserts that copies reach bob's pool and are delivered intact,
# and that bob's own ingress traffic still flows through the smaller ring.
. "$(dirname "$0")/lib.sh"
cat >"$T/p.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 10000, duration: 2, size: [64, 512],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, proto: tcp, sport: 1000-2000, dport: 80, count: 64},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 64}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob, pool_bufs: 256}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd, bob/fwd], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
YAML
"$TENET" run "$T/p.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 ||
	fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
echo "info: copies into bob's pool $(json "$S" 'j["tenants"]["bob"]["copies_in"]'); no_buffer drops $(json "$S" 'j["dropped"]["no_buffer"]')"
check "every packet accounted" 'j["conserved"]' "$S"
check "cross-tenant copies reach the 256-buffer pool" 'j["tenants"]["bob"]["copies_in"] > 0' "$S"
sink='j["ports"]["sink0"]["driver_stats"]'
tn() { echo "[t for t in $sink['tenants'] if t['tenant'] == $1][0]"; }
check "alice's chain through bob's service is delivered, checksums right" \
	"j['tenants']['alice']['delivered'] > 0 and $(tn 0)['packets'] == j['tenants']['alice']['delivered'] and $(tn 0)['csum_bad'] == 0" "$S"
check "bob's own ingress traffic flows, checksums right" \
	"j['tenants']['bob']['delivered'] > 0 and $(tn 1)['packets'] == j['tenants']['bob']['delivered'] and $(tn 1)['csum_bad'] == 0" "$S"
check "both pools full again at the end" \
	'all(t["pool_free_at_stop"] == t["pool_bufs"] for t in j["tenants"].values())' "$S"
