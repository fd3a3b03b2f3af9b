#!/bin/sh
# A hostile NF of tenant alice forges indices, returns buffers twice and
# ones it never got, writes lengths/offsets past the buffer, returns bad
# verdicts (and targets bob's service and a port that does not exist),
# garbles its ring indices, floods its tx ring with garbage, and exits in
# the middle of a burst (then again, restarted). The manager survives,
# counts every violation, bob's traffic in the same run arrives complete
# but for load drops of bob's own NF and unaltered (TCP checksums verified
# at the sink), and alice's pool is full again at the end.
. "$(dirname "$0")/lib.sh"
cat >"$T/h.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 60000, duration: 6, size: [64, 256, 1024],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 64, weight: 2},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 64}]}
  - {name: sink0, driver: sink}
# alice's NF keeps the buffers behind the indices it forges: a budget of
# the whole pool lets it go through every phase before its pool runs dry
tenants: [{name: alice, inflight: 8192}, {name: bob}]
services:
  - {name: evil, tenant: alice, command: "$B/tests/nf_hostile --bursts 1500"}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/evil], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
YAML
"$TENET" run "$T/h.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 ||
	fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
echo "info: alice/evil over $(json "$S" 'len([n for n in j["nfs"] if n["service"] == "alice/evil"])') lives: rejects $(json "$S" '{k: sum(n["rejects"][k] for n in j["nfs"] if n["service"] == "alice/evil") for k in ("buf_range", "not_owner", "bad_len", "bad_verdict", "bad_index")}')"
evil='[n for n in j["nfs"] if n["service"] == "alice/evil"]'
check "every packet accounted" 'j["conserved"]' "$S"
check "forged (out-of-range) indices counted" "sum(n['rejects']['buf_range'] for n in $evil) > 0" "$S"
check "stale / doubled / never-received buffers counted" "sum(n['rejects']['not_owner'] for n in $evil) > 0" "$S"
check "lengths/offsets past the buffer counted" "sum(n['rejects']['bad_len'] for n in $evil) > 0" "$S"
check "bad verdicts and targets counted" "sum(n['rejects']['bad_verdict'] for n in $evil) > 0" "$S"
check "garbage ring indices counted" "sum(n['rejects']['bad_index'] for n in $evil) > 0" "$S"
check "violations dropped with a reason" 'j["dropped"]["nf_violation"] > 0' "$S"
check "buffers held at the mid-burst exit reclaimed" "j['dropped']['nf_gone'] > 0 and sum(n['reclaimed'] for n in $evil) == j['dropped']['nf_gone']" "$S"
check "the supervisor restarted the hostile NF" 'j["services"]["alice/evil"]["restarts"] >= 1' "$S"
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
check "alice's pool full again once the NF is gone" \
	'j["tenants"]["alice"]["pool_free_at_stop"] == j["tenants"]["alice"]["pool_bufs"]' "$S"
