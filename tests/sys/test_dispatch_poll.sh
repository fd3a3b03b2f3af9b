#!/bin/sh
# The dispatcher polls while traffic is steady and sleeps while it is
# light (mgr/dispatch.c, steady). A paced 1-NF chain for 2 s:
#  - at 500 kpps it sleeps rarely: fewer than 10000 wake-ups (it slept
#    after 256 empty polls before, and was woken 22k times: each a kick
#    and a wake-up across CPUs, adding ~90 µs to the p50);
#  - at 10 kpps it still sleeps between packets: at least 10000 wake-ups
#    for the 20000 packets (polling there would burn a CPU for nothing).
. "$(dirname "$0")/lib.sh"
run() { # NAME RATE
	one_nf_yaml "$1" "rate: $2, duration: 2"
	"$TENET" run "$T/$1.yaml" --quiet --summary "$T/$1.json" >"$T/$1.log" 2>&1 ||
		fail "$1: manager exited $? ($(tail -n 5 "$T/$1.log"))"
	echo "info: $1: in $(json "$T/$1.json" 'j["packets_in"]') delivered $(json "$T/$1.json" 'j["delivered"]') dispatcher wake-ups $(json "$T/$1.json" 'j["dispatcher_wakeups"]')"
	check "$1: every packet accounted" 'j["conserved"]' "$T/$1.json"
}
run steady 500000
check "steady: 1 M packets entered" 'j["packets_in"] >= 990000' "$T/steady.json"
check "steady: the dispatcher polled (fewer than 10000 wake-ups)" \
	'j["dispatcher_wakeups"] < 10000' "$T/steady.json"
run light 10000
check "light: 20 k packets entered" 'j["packets_in"] >= 19900' "$T/light.json"
check "light: the dispatcher slept between packets (at least 10000 wake-ups)" \
	'j["dispatcher_wakeups"] >= 10000' "$T/light.json"
echo "ok: the dispatcher polls under steady traffic and sleeps under light"
