#!/bin/sh
# Finding A: an NF of alice tries to freeze the manager through its
# wake-ups: it fills (or saturates) both wake-up fds, clears O_NONBLOCK on
# every fd it got, keeps its rx ring's 'sleeping' flag set while it takes
# a burst now and then (so the manager keeps kicking it), writes garbage
# to its tx wake-up, then shuts down and closes both. While it does, bob's
# traffic keeps flowing and arrives intact (TCP checksums at the sink),
# bob's NF stays attached, the manager answers tenet ctl, and on SIGTERM
# it stops with an exact summary (packets_in == delivered + every drop).
. "$(dirname "$0")/lib.sh"
cat >"$T/f.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 20000, duration: 30, size: [64, 512],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 16},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 64}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: evil, tenant: alice, command: "$B/tests/nf_hostile --mode freeze", restart: false}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/evil], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
YAML
"$TENET" run "$T/f.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 &
mgr=$!
CTL="timeout 5 $TENET ctl --config $T/f.yaml"
stop_mgr() { kill -9 $mgr 2>/dev/null; wait $mgr 2>/dev/null; }
for i in $(seq 100); do grep -q "shut down and closed" "$T/mgr.log" && break; sleep 0.1; done
grep -q "O_NONBLOCK cleared" "$T/mgr.log" || { stop_mgr; fail "the hostile NF did not run ($(tail -n 3 "$T/mgr.log"))"; }
grep -q "shut down and closed" "$T/mgr.log" || { stop_mgr; fail "the hostile NF did not reach its last phase"; }
sleep 0.5
b0=$($CTL chains | awk '$1 == "b" {print $NF}')
[ -n "$b0" ] || { stop_mgr; fail "the manager does not answer tenet ctl during the attack"; }
sleep 1
b1=$($CTL chains | awk '$1 == "b" {print $NF}')
[ -n "$b1" ] && [ "$b1" -gt "$b0" ] || { stop_mgr; fail "bob's chain stopped moving during the attack ($b0 -> $b1)"; }
echo "ok: tenet ctl answers and bob's chain moves during the attack ($b0 -> $b1 packets)"
$CTL nfs | grep -q 'bob/fwd#0' || { stop_mgr; fail "bob's NF is not attached"; }
echo "ok: bob's NF still attached"
kill -TERM $mgr
for i in $(seq 150); do kill -0 $mgr 2>/dev/null || break; sleep 0.1; done
if kill -0 $mgr 2>/dev/null; then
	stop_mgr
	fail "the manager ignored SIGTERM for 15 s (frozen): $(tail -n 3 "$T/mgr.log")"
fi
wait $mgr
rc=$?
[ $rc = 0 ] || fail "manager exited $rc after SIGTERM ($(tail -n 5 "$T/mgr.log"))"
echo "ok: stopped on SIGTERM, exit 0"
S="$T/s.json"
grep -q "NF alice/evil#0 (id [0-9]*): its tx kick socket hung up" "$T/mgr.log" || fail "the closed wake-up fd was not noticed and dropped"
echo "ok: the hung-up wake-up fd was dropped from the dispatcher's epoll set"
grep -Eq "NF alice/evil#0 .*; [1-9][0-9]* wake-ups failed" "$T/mgr.log" ||
	fail "kicks to the closed wake-up fd were not counted: $(grep 'alice/evil#0' "$T/mgr.log" | tail -n 1)"
echo "ok: kicks to the closed wake-up fd failed cleanly and were counted: $(grep -o '[0-9]* wake-ups failed' "$T/mgr.log" | sort -n | tail -n 1)"
check "exact summary: packets_in == delivered + every drop, per reason" \
	'j["conserved"] and j["packets_in"] == j["delivered"] + sum(j["dropped"].values()) and sum(j["dropped"].values()) == j["dropped_total"]' "$S"
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
check "bob's NF lived through the attack (one life, no restart)" \
	'j["services"]["bob/fwd"]["restarts"] == 0 and len([n for n in j["nfs"] if n["service"] == "bob/fwd"]) == 1' "$S"
check "the hostile NF was kicked during the attack" \
	'sum(n["kicks"] for n in j["nfs"] if n["service"] == "alice/evil") > 0' "$S"
