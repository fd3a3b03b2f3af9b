#!/bin/sh
# A stall that drains costs latency, not packets: alice's NF stops taking
# packets (SIGSTOP) for 0.2 s at 20 kpps, so ~4000 of her packets queue
# past the NIC - more than her 'inflight' (512), less than her stall budget
# (half her pool of 16384). The budget drops to 'inflight' only once the
# backlog has stood at the stall budget's cap for 10 ms, which it never
# reaches here: once the NF runs again it catches up, and every packet is
# delivered, none dropped. (Before, 10 ms above 'inflight' latched the
# small budget and the NIC dropped the rest of the stall's frames.)
. "$(dirname "$0")/lib.sh"
cat >"$T/f.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 20000, duration: 3, size: 64}
  - {name: sink0, driver: sink}
tenants: [{name: alice, pool_bufs: 16384}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd --port 1"}
chains:
  - {name: a, hops: [alice/fwd], output: sink0}
YAML
"$TENET" run "$T/f.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 &
mgr=$!
sleep 1
a=$(pgrep -f -x "$B/nf/fwd --port 1" | head -n 1)
[ -n "$a" ] || fail "alice's NF is not running"
kill -STOP "$a"
sleep 0.2
kill -CONT "$a"
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
echo "info: in $(json "$S" 'j["packets_in"]') delivered $(json "$S" 'j["delivered"]') dropped $(json "$S" 'j["dropped"]') max latency $(json "$S" 'j["ports"]["sink0"]["driver_stats"]["latency_ns"]["max"] // 1000') us"
check "every packet accounted" 'j["conserved"]' "$S"
check "the generator's 3 s at 20 kpps entered" 'j["packets_in"] >= 59000' "$S"
check "the stall cost no packet: all delivered" 'j["delivered"] == j["packets_in"]' "$S"
check "the stall was a stall: some packet waited it out (max latency >= 100 ms)" \
	'j["ports"]["sink0"]["driver_stats"]["latency_ns"]["max"] >= 100000000' "$S"
