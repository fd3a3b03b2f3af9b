#!/bin/sh
# Packet conservation under overload: 5 million packets at the generator's
# full speed through two tenants' chains (drops are expected: NF rings
# overflow). Every packet must be accounted for exactly, globally and per
# tenant, and the sink must have seen exactly what was delivered.
. "$(dirname "$0")/lib.sh"
cat >"$T/c.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, count: 5000000, size: [64, 128, 1518],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 500},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, count: 500},
             {src: 192.168.0.0/16, dst: 10.9.0.0/16, count: 10}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: monitor, tenant: bob, command: "$B/nf/monitor"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd, bob/monitor], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/monitor], output: sink0}
YAML
"$TENET" run "$T/c.yaml" --quiet --summary "$T/s.json" --duration 120 >/dev/null 2>&1 ||
	fail "tenet run exited $?"
S="$T/s.json"
check "5,000,000 packets in" 'j["packets_in"] == 5000000' "$S"
check "packets_in == delivered + sum(dropped)" \
	'j["packets_in"] == j["delivered"] + sum(j["dropped"].values())' "$S"
check "unmatched traffic (192.168/16) dropped as no_rule" 'j["dropped"]["no_rule"] > 0' "$S"
check "per tenant: classified == delivered + dropped" \
	'all(t["in"] == t["delivered"] + t["dropped"] for t in j["tenants"].values())' "$S"
check "no frame longer than its buffer (1518 B frames into 2 KiB buffers fit)" 'j["dropped"]["oversize"] == 0' "$S"
check "landed in a tenant pool + no_rule + no_buffer (NIC found the pool empty) + oversize == packets_in" \
	'sum(t["in"] for t in j["tenants"].values()) + j["dropped"]["no_rule"] + j["dropped"]["no_buffer"] + j["dropped"]["oversize"] == j["packets_in"]' "$S"
check "the sink saw exactly the delivered packets" \
	'j["ports"]["sink0"]["driver_stats"]["packets"] == j["delivered"]' "$S"
echo "info: $(json "$S" 'j["delivered"]') delivered, drops $(json "$S" '{k: v for k, v in j["dropped"].items() if v}')"
