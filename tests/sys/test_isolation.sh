#!/bin/sh
# Tenant isolation is an absence: an NF of tenant alice has no mapping and
# no file descriptor of bob's pool (and vice versa), checked in
# /proc/PID/maps and /proc/PID/fd of the running NF processes.
. "$(dirname "$0")/lib.sh"
cat >"$T/iso.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 10000, duration: 3, size: 64,
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16}, {src: 10.3.0.0/16, dst: 10.4.0.0/16}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: monitor, tenant: bob, command: "$B/nf/monitor"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd, bob/monitor], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/monitor], output: sink0}
YAML
"$TENET" run "$T/iso.yaml" --quiet --summary "$T/s.json" >/dev/null 2>&1 &
mgr=$!
sleep 1.5
a=$(pgrep -f -x "$B/nf/fwd" | head -n 1)
b=$(pgrep -f -x "$B/nf/monitor" | head -n 1)
[ -n "$a" ] && [ -n "$b" ] || fail "NFs not running (alice: '$a', bob: '$b')"
# memfds show up as "/memfd:NAME (deleted)" in maps and as fd links
grep -q 'memfd:alice ' /proc/$a/maps || fail "alice's NF does not map alice's pool"
grep -q 'memfd:bob ' /proc/$b/maps || fail "bob's NF does not map bob's pool"
grep -q 'memfd:bob ' /proc/$a/maps && fail "alice's NF maps bob's pool"
grep -q 'memfd:alice ' /proc/$b/maps && fail "bob's NF maps alice's pool"
ls -l /proc/$a/fd | grep -q 'memfd:bob ' && fail "alice's NF holds an fd of bob's pool"
ls -l /proc/$b/fd | grep -q 'memfd:alice ' && fail "bob's NF holds an fd of alice's pool"
grep -q 'memfd:ingress\|memfd:shared' /proc/$a/maps && fail "alice's NF maps a manager-private pool"
echo "ok: alice's NF (pid $a) maps only alice's pool; bob's NF (pid $b) only bob's"
wait $mgr || fail "manager exited $?"
check "traffic flowed across the tenants meanwhile" 'j["conserved"] and j["copies"] > 0' "$T/s.json"
