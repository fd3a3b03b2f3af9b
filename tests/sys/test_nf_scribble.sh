#!/bin/sh
# Finding I: an NF of alice overwrites the pool header, punches holes in
# the whole pool memfd and exits holding buffers. The NF the supervisor
# starts next (an honest one, through libtenet) must attach - it maps the
# pool by the geometry in the manager's welcome, not by the header - and
# carry alice's traffic again; bob's traffic is untouched throughout.
. "$(dirname "$0")/lib.sh"
cat >"$T/sc.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 20000, duration: 4, size: [64, 512],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, proto: tcp, sport: 1000-2000, dport: 80, count: 64},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 64}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: evil, tenant: alice, command: "$B/tests/nf_hostile --mode scribble --once $T/scribbled"}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/evil], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
YAML
"$TENET" run "$T/sc.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 ||
	fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
grep -q "header overwritten, holes punched" "$T/mgr.log" || fail "the attack did not run ($(grep nf_hostile "$T/mgr.log" | head -n 3))"
grep -q "honest instance attached" "$T/mgr.log" ||
	fail "the honest NF of alice could not attach after the scribble: $(grep -E 'attach|nf_hostile' "$T/mgr.log" | tail -n 3)"
echo "ok: alice's next NF attached after the header scribble and hole punch"
evil='[n for n in j["nfs"] if n["service"] == "alice/evil"]'
check "every packet accounted" 'j["conserved"]' "$S"
check "the supervisor restarted alice's NF" 'j["services"]["alice/evil"]["restarts"] >= 1' "$S"
check "alice's restarted NF carried traffic again" "len($evil) >= 2 and $evil[-1]['rx'] > 0 and $evil[-1]['tx'] > 0" "$S"
check "buffers held by the scribbling NF were reclaimed" "$evil[0]['reclaimed'] > 0" "$S"
# a busy 2-core machine may deschedule bob's NF long enough to fill its rx
# ring: those drops (bob's own NF's rx_full, no_buffer, tx_full) are load,
# not the attack; anything else lost of bob's fails the test
check "bob: every packet the generator sent for bob classified, delivered but for load drops" \
	'j["ports"]["gen0"]["driver_stats"]["groups"][1] == j["tenants"]["bob"]["in"] == j["tenants"]["bob"]["delivered"] + j["tenants"]["bob"]["dropped"] and j["tenants"]["bob"]["delivered"] > 0 and j["tenants"]["bob"]["dropped"] <= sum(n["rx_full"] for n in j["nfs"] if n["service"] == "bob/fwd") + j["dropped"]["no_buffer"] + j["dropped"]["tx_full"]' "$S"
tenant_drops_only bob "$S" nf_rx_full no_buffer tx_full
echo "info: bob dropped $(json "$S" 'j["tenants"]["bob"]["dropped"]') (bob/fwd rx_full $(json "$S" 'sum(n["rx_full"] for n in j["nfs"] if n["service"] == "bob/fwd")'), no_buffer $(json "$S" 'j["dropped"]["no_buffer"]'), tx_full $(json "$S" 'j["dropped"]["tx_full"]'))"
sink='j["ports"]["sink0"]["driver_stats"]'
check "bob: the sink got exactly bob's packets, all checksums right" \
	"[t for t in $sink['tenants'] if t['tenant'] == 1][0]['packets'] == j['tenants']['bob']['delivered'] and [t for t in $sink['tenants'] if t['tenant'] == 1][0]['csum_bad'] == 0" "$S"
check "both pools full again at the end" \
	'all(t["pool_free_at_stop"] == t["pool_bufs"] for t in j["tenants"].values())' "$S"
