#!/bin/sh
# A stall that drains costs latency, not packets: alice's NF stops taking
# packets (SIGSTOP) at 20 kpps, so her packets queue past the NIC - more
# than her 'inflight' (512), less than her stall budget. The budget drops
# to 'inflight' only once the backlog has stood at the stall budget's cap
# for 10 ms, which it never reaches here: once the NF runs again it
# catches up, and every packet is delivered, none dropped. (Before, 10 ms
# above 'inflight' latched the small budget and the NIC dropped the rest
# of the stall's frames.)
#  - pool 16384, a 0.2 s stop: ~4000 queue; the budget is half the pool.
#  - pool 65536, a 1 s stop: ~20000 queue. Her NF rings get as many slots
#    as her pool has buffers (65536; 16384 for pools up to that), so the
#    budget is half the pool, 32768; with 16384-slot rings it was 14336
#    whatever the pool, and this stop lost 3664 frames (no_buffer).
. "$(dirname "$0")/lib.sh"
run_stall() { # NAME POOL-BUFS STOP-SECONDS
	cat >"$T/$1.yaml" <<YAML
manager: {socket_dir: $T/sock-$1, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 20000, duration: 3, size: 64}
  - {name: sink0, driver: sink}
tenants: [{name: alice, pool_bufs: $2}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd --port 1"}
chains:
  - {name: a, hops: [alice/fwd], output: sink0}
YAML
	"$TENET" run "$T/$1.yaml" --quiet --summary "$T/$1.json" >"$T/$1.log" 2>&1 &
	mgr=$!
	sleep 1
	a=$(pgrep -f -x "$B/nf/fwd --port 1" | head -n 1)
	[ -n "$a" ] || fail "$1: alice's NF is not running"
	kill -STOP "$a"
	sleep "$3"
	kill -CONT "$a"
	wait $mgr || fail "$1: manager exited $? ($(tail -n 5 "$T/$1.log"))"
	S="$T/$1.json"
	echo "info: $1: in $(json "$S" 'j["packets_in"]') delivered $(json "$S" 'j["delivered"]') dropped $(json "$S" 'j["dropped"]') max latency $(json "$S" 'j["ports"]["sink0"]["driver_stats"]["latency_ns"]["max"] // 1000') us"
	check "$1: every packet accounted" 'j["conserved"]' "$S"
	check "$1: the generator's 3 s at 20 kpps entered" 'j["packets_in"] >= 59000' "$S"
	check "$1: the stall cost no packet: all delivered" 'j["delivered"] == j["packets_in"]' "$S"
}
run_stall short 16384 0.2
check "short: the stall was a stall: some packet waited it out (max latency >= 100 ms)" \
	'j["ports"]["sink0"]["driver_stats"]["latency_ns"]["max"] >= 100000000' "$T/short.json"
run_stall long 65536 1.0
check "long: the stall queued more than 16384-slot rings allowed (max latency >= 800 ms)" \
	'j["ports"]["sink0"]["driver_stats"]["latency_ns"]["max"] >= 800000000' "$T/long.json"
