#!/bin/sh
# A paced port that the NIC stage did not poll for 1 ms or more is counted
# (ports.<name>.nic_stalls, nic_stall_ns; tenet-bench prints them per
# trial, since what arrives past the receive ring then is lost as
# rx_missed). The manager is stopped (SIGSTOP) for 0.3 s while a paced
# generator sends 20 kpps: 6000 frames wait in the 8192-frame receive
# ring, so none is lost, and the stop is counted as a turn of >= 0.25 s.
# An on-demand source (no rate) loses nothing while not polled: a stop
# of its manager is not counted. A stop of 1 s at 20 kpps outlasts the
# ring: what arrived past it is lost as rx_missed, exactly as many as the
# stop's length says, and the summary names the reason.
. "$(dirname "$0")/lib.sh"
run_stopped() { # NAME GEN-OPTIONS [STOP-SECONDS [POOL-BUFS]]
	one_nf_yaml "$1" "$2"
	[ -z "${4:-}" ] || sed -i "s/tenants: \[{name: alice}\]/tenants: [{name: alice, pool_bufs: $4}]/" "$T/$1.yaml"
	"$TENET" run "$T/$1.yaml" --summary "$T/$1.json" >"$T/$1.log" 2>&1 &
	mgr=$!
	sleep 1
	kill -STOP "$mgr" || fail "$1: the manager had exited before the stop"
	sleep "${3:-0.3}"
	kill -CONT "$mgr" || fail "$1: no manager to continue"
	wait $mgr || fail "$1: manager exited $? ($(tail -n 5 "$T/$1.log"))"
	echo "info: $1: in $(json "$T/$1.json" 'j["packets_in"]') delivered $(json "$T/$1.json" 'j["delivered"]') unpolled $(json "$T/$1.json" 'j["ports"]["gen0"]["nic_stalls"]') x, $(json "$T/$1.json" 'j["ports"]["gen0"]["nic_stall_ns"] // 1000000') ms"
}
run_stopped paced "rate: 20000, duration: 2.5"
S="$T/paced.json"
check "paced: every packet accounted" 'j["conserved"]' "$S"
check "paced: the ring held the stop: every frame delivered" \
	'j["delivered"] == j["packets_in"] and j["packets_in"] >= 49000' "$S"
check "paced: the stop counted as a port unpolled >= 250 ms" \
	'j["ports"]["gen0"]["nic_stalls"] >= 1 and j["ports"]["gen0"]["nic_stall_ns"] >= 250000000' "$S"
run_stopped demand "duration: 2.5"
S="$T/demand.json"
check "on demand: every packet accounted" 'j["conserved"]' "$S"
check "on demand: the stop not counted" 'j["ports"]["gen0"]["nic_stalls"] == 0' "$S"
# the ring's 8192 frames come in at once after the stop: a pool whose
# stall budget holds them (half of 32768), so that nothing else is lost
run_stopped missed "rate: 20000, duration: 3" 1.0 32768
S="$T/missed.json"
check "past the ring: every packet accounted" 'j["conserved"]' "$S"
# 20 frames a ms while unpolled, less the 8192 the ring held: at least the
# 1 s stop's, at most what all the port's unpolled turns add up to (the
# guest's own stops of a few ms may add to the sum), within 64 (the turn's
# own few us, the token rounding)
check "past the ring: rx_missed is what arrived after the ring filled" \
	'j["dropped"]["rx_missed"] >= 20000 - 8192 - 64 and j["dropped"]["rx_missed"] <= j["ports"]["gen0"]["nic_stall_ns"] * 20000 / 1e9 - 8192 + 64' "$S"
echo "info: missed: drops $(json "$S" '{k: v for k, v in j["dropped"].items() if v}')"
check "past the ring: nothing else lost" \
	'j["delivered"] + j["dropped"]["rx_missed"] == j["packets_in"]' "$S"
grep -q '^  rx_missed     arrived with the port.s receive ring full' "$T/missed.log" ||
	fail "the summary does not explain rx_missed: $(grep rx_missed "$T/missed.log")"
grep -q '(null)' "$T/missed.log" && fail "the summary printed (null): $(grep -n '(null)' "$T/missed.log")"
echo "ok: a paced port unpolled is counted, an on-demand one is not; past the ring, rx_missed"
