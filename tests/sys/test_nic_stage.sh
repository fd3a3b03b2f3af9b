#!/bin/sh
# manager.nic_stage: a software port's NIC stage on a thread of its own
# (thread) or run in the dispatcher's thread (inline; auto picks it when
# the two would share a CPU). Both ways: the same two-tenant traffic is
# delivered with exact accounting, the stage's time is its own (nic_ns),
# the summary says where the stage ran. Inline: SIGTERM in the middle of
# the traffic closes the stage
# (what it staged is pushed and accounted) and the manager exits with an
# exact summary; a tenant whose NF is stopped with its ring full costs
# the other tenant nothing.
. "$(dirname "$0")/lib.sh"

# conf NAME STAGE RATE DURATION [FROZEN-NF-COMMAND]
conf() {
	cat >"$T/$1.yaml" <<YAML
manager: {socket_dir: $T/sock-$1, stats_interval: 0, nic_stage: $2}
ports:
  - {name: gen0, driver: gen, rate: $3, duration: $4, size: 64,
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 8},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, count: 8}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice, pool_bufs: 2048, inflight: 256}, {name: bob}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
YAML
}

for stage in thread inline; do
	conf $stage $stage 20000 2
	"$TENET" run "$T/$stage.yaml" --quiet --summary "$T/$stage.json" >"$T/$stage.log" 2>&1 ||
		fail "$stage: manager exited $? ($(tail -n 3 "$T/$stage.log"))"
	S="$T/$stage.json"
	check "$stage: 40000 frames in, every one delivered, exact accounting" \
		'j["conserved"] and 40000 <= j["packets_in"] <= 40001 and j["delivered"] == j["packets_in"]' "$S"
	check "$stage: each tenant got its own half" \
		'j["tenants"]["alice"]["delivered"] > 19000 and j["tenants"]["bob"]["delivered"] > 19000' "$S"
	check "$stage: the NIC stage's time is counted as its own" \
		'j["ports"]["gen0"]["nic_ns"] > 0' "$S"
done
check "thread: the summary says no stage ran in the dispatcher's thread" \
	'j["dispatchers"][0]["nic_stages"] == 0' "$T/thread.json"
check "inline: the summary says the stage ran in the dispatcher's thread" \
	'j["dispatchers"][0]["nic_stages"] == 1' "$T/inline.json"
grep -q "NIC stages: 1 port(s) inline" "$T/inline.log" || fail "inline: not logged"
grep -q "NIC stages:" "$T/thread.log" && fail "thread: an inline stage is logged"
echo "ok: thread and inline deliver the same traffic with exact accounting"

# SIGTERM in the middle of the traffic: the inline stage closes, the run ends exact
conf term inline 20000 30
"$TENET" run "$T/term.yaml" --quiet --summary "$T/term.json" >"$T/term.log" 2>&1 &
mgr=$!
for i in $(seq 100); do grep -q "bob/fwd#0 attached" "$T/term.log" && break; sleep 0.1; done
sleep 1
kill -TERM $mgr
for i in $(seq 100); do kill -0 $mgr 2>/dev/null || break; sleep 0.1; done
if kill -0 $mgr 2>/dev/null; then
	kill -9 $mgr
	fail "inline: SIGTERM did not stop the manager within 10 s"
fi
wait $mgr || fail "inline: exit $? after SIGTERM ($(tail -n 3 "$T/term.log"))"
check "inline, SIGTERM mid-traffic: exact summary, what came in was delivered" \
	'j["conserved"] and j["packets_in"] > 10000 and j["packets_in"] == j["delivered"] + j["dropped_total"] and j["dropped_total"] == 0' "$T/term.json"

# alice's NF stopped (SIGSTOP) with her pool's budget in flight: bob's
# traffic through the same inline loop is all delivered
conf stop inline 20000 3
"$TENET" run "$T/stop.yaml" --quiet --summary "$T/stop.json" >"$T/stop.log" 2>&1 &
mgr=$!
for i in $(seq 100); do grep -q "alice/fwd#0 attached" "$T/stop.log" && break; sleep 0.1; done
pid=$(sed -n 's/.*NF alice\/fwd#0 attached (id [0-9]*, pid \([0-9]*\)).*/\1/p' "$T/stop.log" | head -n 1)
[ -n "$pid" ] || { kill -9 $mgr; fail "alice's NF did not attach ($(tail -n 3 "$T/stop.log"))"; }
kill -STOP "$pid"
sleep 1.5
kill -CONT "$pid"
wait $mgr || fail "stop: manager exited $? ($(tail -n 3 "$T/stop.log"))"
S="$T/stop.json"
check "stop: exact summary" 'j["conserved"]' "$S"
check "stop: alice's frames past her budget dropped at the NIC (no_buffer), the rest delivered" \
	'j["dropped"]["no_buffer"] > 0 and j["ports"]["gen0"]["driver_stats"]["groups"][0] == j["tenants"]["alice"]["in"] + j["dropped"]["no_buffer"] and j["tenants"]["alice"]["delivered"] == j["tenants"]["alice"]["in"]' "$S"
check "stop: bob lost nothing, every frame sent for him delivered" \
	'j["ports"]["gen0"]["driver_stats"]["groups"][1] == j["tenants"]["bob"]["in"] == j["tenants"]["bob"]["delivered"] and j["tenants"]["bob"]["dropped"] == 0' "$S"
echo "info: alice lost $(json "$S" 'j["dropped"]["no_buffer"]') (no_buffer), bob delivered $(json "$S" 'j["tenants"]["bob"]["delivered"]')"
echo "ok: the inline NIC stage stops cleanly and keeps the tenants apart"
