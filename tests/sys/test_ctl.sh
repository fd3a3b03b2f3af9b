#!/bin/sh
# tenet ctl against a running manager: listings, a rule added at run time
# takes traffic that was dropped before, a chain added and removed at run
# time, rule churn under load keeps exact accounting, malformed requests
# get clear errors and never harm the manager.
. "$(dirname "$0")/lib.sh"
cat >"$T/ctl.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 100000, duration: 8, size: 128,
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 16},
             {src: 10.9.0.0/16, dst: 10.2.0.0/16, count: 16}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: mon, tenant: bob, command: "$B/nf/monitor"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], output: sink0}
  - {name: b, match: {src: 10.200.0.0/16}, hops: [bob/mon], output: sink0}
YAML
"$TENET" run "$T/ctl.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 &
mgr=$!
CTL="$TENET ctl --config $T/ctl.yaml"
for i in $(seq 50); do [ -S "$T/sock/ctl.sock" ] && break; sleep 0.1; done
sleep 0.5
$CTL tenants | grep -q '^alice' || fail "tenants listing"
$CTL nfs | grep -q 'bob/mon#0' || fail "nfs listing"
$CTL chains | grep -q 'alice/fwd -> sink0' || fail "chains listing"
$CTL rules | grep -q '10.1.0.0/16' || fail "rules listing"
echo "ok: listings"
b0=$($CTL chains | awk '$1 == "b" {print $NF}')
out=$($CTL rule add '{match: {src: 10.9.0.0/16}, chain: b, priority: 1}') || fail "rule add: $out"
id=$(echo "$out" | sed -n 's/^rule \([0-9]*\) added$/\1/p')
[ -n "$id" ] || fail "rule add reply: $out"
sleep 1
b1=$($CTL chains | awk '$1 == "b" {print $NF}')
[ "$b1" -gt "$b0" ] || fail "rule $id did not steer 10.9/16 into chain b ($b0 -> $b1)"
echo "ok: rule $id added at run time steers traffic ($b0 -> $b1 packets on chain b)"
$CTL rule del "$id" >/dev/null || fail "rule del"
$CTL rules | grep -q "^$id " && fail "rule $id still listed"
echo "ok: rule $id removed"
out=$($CTL chain add '{name: c9, match: {src: 10.9.0.0/16}, priority: 0, hops: [alice/fwd, bob/mon], output: sink0}') ||
	fail "chain add: $out"
sleep 1
c9=$($CTL chains | awk '$1 == "c9" {print $NF}')
[ "$c9" -gt 0 ] || fail "chain c9 took no traffic"
$CTL chain del c9 >/dev/null || fail "chain del"
$CTL chains | grep -q '^c9 .*(removed)' || fail "c9 not marked removed"
echo "ok: chain c9 added ($c9 packets) and removed at run time"
# churn: add and delete a rule 100 times while traffic flows
for i in $(seq 100); do
	out=$($CTL rule add '{match: {src: 10.9.0.0/16}, chain: a}') || fail "churn add: $out"
	id=$(echo "$out" | sed -n 's/^rule \([0-9]*\) added$/\1/p')
	$CTL rule del "$id" >/dev/null || fail "churn del $id"
done
echo "ok: 100 rule add/del under load"
# malformed requests: each an error, none fatal
for req in "bogus" "rule add {match: {src: 10.0.0.0/99}, chain: a}" "rule add [1, 2" \
	"rule add {chain: nosuch}" "rule del 999999" "rule del x" "chain del nosuch" \
	"chain add {name: a, hops: [alice/fwd]}" "chain add {name: z, hops: [alice/nope]}" \
	"nf stop 77"; do
	out=$($CTL "$req") && fail "'$req' was accepted: $out"
	echo "$out" | grep -q '^error: ' || fail "'$req': no error line: $out"
done
printf 'tenants\0junk\n' | python3 -c "
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect('$T/sock/ctl.sock'); s.sendall(sys.stdin.buffer.read())
print(s.recv(4096).decode())" | grep -q 'NUL' || fail "NUL request not refused"
python3 -c "
import socket
s=socket.socket(socket.AF_UNIX); s.connect('$T/sock/ctl.sock')
try:
    s.sendall(b'x' * 20000)
except OSError:
    pass  # the manager answers after 8 KiB and closes
print(s.recv(4096).decode())" | grep -q 'too long' || fail "oversized request not refused"
echo "ok: malformed requests refused with errors"
$CTL nfs | grep -q 'alice/fwd#0' || fail "manager unhealthy after bad requests"
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
check "every packet accounted through all the changes" 'j["conserved"]' "$T/s.json"
check "traffic outside any rule was dropped as no_rule" 'j["dropped"]["no_rule"] > 0' "$T/s.json"
