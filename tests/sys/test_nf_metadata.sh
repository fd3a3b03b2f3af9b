#!/bin/sh
# An NF forges the metadata of every descriptor it hands back: the flow
# hash (a new value per packet), the ingress port and the hop. The manager
# must keep its own copies: the next services' instances (alice's, zero
# copy, then bob's, after a copy) see the true ingress port, flows stay on
# one instance each (the hash from ingress picks the instance, never the
# NF's), no forged hash reaches them, the chain goes on hop by hop, and
# every packet is delivered but for load drops.
. "$(dirname "$0")/lib.sh"
P="$B/tests/nf_probe"
cat >"$T/m.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: sink0, driver: sink}
  - {name: gen0, driver: gen, rate: 50000, count: 60000, size: 128,
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, sport: 1000-60000, dport: 80, count: 64}]}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: evil, tenant: alice, command: "$B/tests/nf_hostile --mode forge --out $T/evil", restart: false}
  - {name: p, tenant: alice, instances: 2, command: "$P --mark 1 --port 1 --out $T/p"}
  - {name: q, tenant: bob, instances: 2, command: "$P --mark 2 --expect 1 --port 1 --out $T/q"}
chains:
  - {name: c, match: {src: 10.1.0.0/16}, hops: [alice/evil, alice/p, bob/q], output: sink0}
YAML
"$TENET" run "$T/m.yaml" --quiet --summary "$T/s.json" --duration 60 >"$T/mgr.log" 2>&1 ||
	fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
[ -s "$T/evil" ] || fail "the forging NF wrote no counts"
forged=$(probe_val "$T/evil" forged)
[ "$forged" -gt 0 ] || fail "the forging NF saw no traffic"
echo "info: alice/evil forged the metadata of $forged packets"
# a loaded 2-CPU machine may deschedule an NF long enough to fill its rx
# ring: those drops are load, not the forgery; nothing else may be lost
check "every packet accounted, most of them delivered" \
	'j["conserved"] and j["packets_in"] == 60000 and j["delivered"] > 50000' "$S"
tenant_drops_only alice "$S" nf_rx_full no_buffer tx_full
tenant_drops_only bob "$S" nf_rx_full no_buffer tx_full
for f in p.0 p.1 q.0 q.1; do
	[ -f "$T/$f" ] || fail "probe $f wrote no report"
	[ "$(probe_val "$T/$f" seen)" -gt 0 ] || fail "$f saw no traffic (flows not shared?)"
	[ "$(probe_val "$T/$f" port_bad)" = 0 ] ||
		fail "$f saw $(probe_val "$T/$f" port_bad) packets with a forged ingress port"
	[ "$(probe_val "$T/$f" order_bad)" = 0 ] || fail "$f saw packets out of chain order"
	# 0xdead0000..0xdeadffff: the hashes the NF wrote
	bad=$(awk '$1 == "flow" && $2 >= 3735879680 && $2 <= 3735945215' "$T/$f" | wc -l)
	[ "$bad" -eq 0 ] || fail "$f saw $bad forged flow hashes"
done
echo "ok: the next hops saw the true ingress port and no forged hash"
for s in p q; do
	n=$(cat "$T/$s.0" "$T/$s.1" | grep -c '^flow')
	[ "$n" -eq 64 ] || fail "$s saw $n distinct flow hashes over its instances, not the 64 sent"
	common=$(sort "$T/$s.0" "$T/$s.1" | grep '^flow' | uniq -d | wc -l)
	[ "$common" -eq 0 ] || fail "$common flows were split across $s's instances"
done
echo "ok: flow affinity kept after the forging hop (64 flows, one instance each)"
