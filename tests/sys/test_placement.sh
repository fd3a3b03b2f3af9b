#!/bin/sh
# CPU placement: where the manager's data-plane threads and its NFs run
# (and, with auto on 2 CPUs, that the NIC stage runs in the dispatcher's),
# read back from /proc/PID/task/TID/status (Cpus_allowed_list) of the live
# processes. auto on this machine's CPUs, cpus: none, a service's own list,
# cpus: {manager, nfs}, and a CPU the process may not use (an error naming
# the config position).
. "$(dirname "$0")/lib.sh"
allowed=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
n=$(nproc)
[ "$n" -ge 2 ] || skip "placement needs 2 CPUs or more (this process may use $allowed)"
first=$(python3 -c "import os; print(sorted(os.sched_getaffinity(0))[0])")
second=$(python3 -c "import os; print(sorted(os.sched_getaffinity(0))[1])")
last=$(python3 -c "import os; print(sorted(os.sched_getaffinity(0))[-1])")

# conf NAME MANAGER-EXTRA SERVICE-EXTRA
conf() {
	cat >"$T/$1.yaml" <<YAML
manager: {socket_dir: $T/sock-$1, stats_interval: 0$2}
ports:
  - {name: gen0, driver: gen, rate: 1000, duration: 3, size: 64,
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"$3}
  - {name: mon, tenant: alice, command: "$B/nf/monitor"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd, alice/mon], output: sink0}
YAML
}

# cpus_of PID [THREAD-NAME]: the CPU list a process (or one of its threads) may run on
cpus_of() {
	if [ -z "${2:-}" ]; then
		sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/status"
		return
	fi
	for t in /proc/$1/task/*; do
		[ "$(cat "$t/comm")" = "$2" ] && sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status"
	done
}

# run NAME: start the manager on NAME.yaml, wait for its NFs; sets mgr, fwd, mon
run() {
	"$TENET" run "$T/$1.yaml" --quiet --summary "$T/$1.json" >"$T/$1.log" 2>&1 &
	mgr=$!
	for i in $(seq 50); do
		fwd=$(pgrep -P "$mgr" -f -x "$B/nf/fwd" | head -n 1)
		mon=$(pgrep -P "$mgr" -f -x "$B/nf/monitor" | head -n 1)
		[ -n "$fwd" ] && [ -n "$mon" ] && break
		sleep 0.1
	done
	[ -n "$fwd" ] && [ -n "$mon" ] || fail "$1: NFs not running ($(tail -n 3 "$T/$1.log"))"
	sleep 0.5
}

finish() {
	wait "$mgr" || fail "$1: manager exited $? ($(tail -n 3 "$T/$1.log"))"
	check "$1: traffic delivered, every packet accounted" 'j["conserved"] and j["delivered"] > 0' "$T/$1.json"
}

# auto: data-plane threads on the first CPU(s), NFs on the others, one CPU each
conf auto "" ""
run auto
d=$(cpus_of "$mgr" tenet-disp0)
nic=$(cpus_of "$mgr" tenet-nic:gen0)
f=$(cpus_of "$fwd")
mo=$(cpus_of "$mon")
echo "info: auto: dispatcher $d, nic ${nic:-inline}, fwd $f, monitor $mo (allowed $allowed)"
[ "$d" = "$first" ] || fail "auto: the dispatcher should be on CPU $first, is on $d"
if [ "$n" -eq 2 ]; then
	# one CPU for the manager's threads: the NIC stage runs in the dispatcher's
	[ -z "$nic" ] || fail "auto: 2 CPUs, yet a NIC stage thread of its own (on $nic)"
	grep -q "NIC stages: 1 port(s) inline, in the dispatcher's thread" "$T/auto.log" ||
		fail "auto: 2 CPUs, and the NIC stage is not said to run inline"
	nic=$d
fi
[ -n "$nic" ] || fail "auto: no NIC stage thread, and the plan has the CPUs for one"
case "$nic" in *[,-]*) fail "auto: the nic thread should be on one CPU, may use $nic" ;; esac
case "$f$mo" in *[,-]*) fail "auto: each NF should be on one CPU ($f, $mo)" ;; esac
[ "$f" != "$d" ] && [ "$mo" != "$d" ] || fail "auto: an NF shares the dispatcher's CPU $d ($f, $mo)"
grep -q "placement: manager threads on CPU" "$T/auto.log" || fail "auto: the plan is not logged"
echo "ok: auto: manager threads on CPU $d/$nic, NFs on $f and $mo"
finish auto

# none: nothing pinned
conf none ", cpus: none" ""
run none
[ "$(cpus_of "$mgr" tenet-disp0)" = "$allowed" ] || fail "none: dispatcher pinned ($(cpus_of "$mgr" tenet-disp0))"
[ "$(cpus_of "$fwd")" = "$allowed" ] || fail "none: fwd pinned ($(cpus_of "$fwd"))"
echo "ok: cpus: none pins nothing (dispatcher and fwd may use $allowed)"
finish none

# explicit lists: the manager on the last CPU, the NFs on the first; fwd's own list wins
# (nic_stage: thread: a manager on one CPU would run the NIC stage inline)
conf lists ", cpus: {manager: $last, nfs: \"$first\"}, nic_stage: thread" ", cpus: \"$second\""
run lists
[ "$(cpus_of "$mgr" tenet-disp0)" = "$last" ] || fail "lists: dispatcher on $(cpus_of "$mgr" tenet-disp0), not $last"
[ "$(cpus_of "$mgr" tenet-nic:gen0)" = "$last" ] || fail "lists: nic on $(cpus_of "$mgr" tenet-nic:gen0), not $last"
[ "$(cpus_of "$fwd")" = "$second" ] || fail "lists: fwd on $(cpus_of "$fwd"), not its own $second"
[ "$(cpus_of "$mon")" = "$first" ] || fail "lists: monitor on $(cpus_of "$mon"), not $first"
echo "ok: cpus lists: manager on $last, fwd on its own $second, monitor on $first"
finish lists

# a CPU this process may not run on: an error at the key's position, nothing started
conf bad "" ", cpus: \"1000\""
"$TENET" run "$T/bad.yaml" --quiet >"$T/bad.log" 2>&1 && fail "bad: a CPU that is not there was accepted"
grep -q "bad.yaml:8:.*CPU 1000 is not one this process may run on; expected CPUs from" "$T/bad.log" ||
	fail "bad: unexpected message: $(cat "$T/bad.log")"
echo "ok: $(grep -o 'bad.yaml:8:.*' "$T/bad.log")"
