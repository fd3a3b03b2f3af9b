#!/bin/sh
# tenet ctl against a running manager: listings, a rule added at run time
# takes traffic that was dropped before, a chain added and removed at run
# time, rule churn under load keeps exact accounting, malformed requests
# get clear errors and never harm the manager.
. "$(dirname "$0")/lib.sh"
cat >"$T/ctl.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 100000, duration: 120, size: 128,
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
# raw: send bytes as they are, print the reply with every byte outside
# printable ASCII (newline aside) shown as <NN>, so that a raw byte echoed
# back cannot hide from grep
raw() {
	python3 -c "
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect('$T/sock/ctl.sock')
try:
    s.sendall(sys.stdin.buffer.read())
except OSError:
    pass  # the manager answers after 8 KiB and closes
out=b''
while True:
    b=s.recv(4096)
    if not b: break
    out+=b
print(''.join(chr(c) if 32 <= c < 127 or c == 10 else '<%02x>' % c for c in out))"
}
out=$(printf 'tenants\0junk\n' | raw)
echo "$out" | grep -q '^error: .*NUL' || fail "NUL request not refused: $out"
out=$(python3 -c "import sys; sys.stdout.write('x' * 20000)" | raw)
echo "$out" | grep -q '^error: request too long' || fail "oversized request not refused: $out"
out=$(printf 'tenants\nnfs\n' | raw)
echo "$out" | grep -q '^error: .*after the request' || fail "bytes after the newline not refused: $out"
echo "ok: malformed requests refused with errors"
# numbers are read strictly: -1 is not 2^64-1, nor 4294967296 rule 0
for req in "rule del -1" "rule del +5" "rule del 4294967296" "rule del 18446744073709551615" \
	"rule del 1e3" "rule del 0x10" "rule del 12 " "nf stop -1" "nf stop 0" "nf stop 65"; do
	out=$($CTL "$req") && fail "'$req' was accepted: $out"
	echo "$out" | grep -q "^error: bad .* id '.*'; expected a number from" ||
		fail "'$req': no clear error: $out"
done
echo "ok: rule and NF ids parsed strictly ('rule del -1': $($CTL rule del -1))"
# a rule or chain argument is exactly one YAML document
rules0=$($CTL rules | wc -l)
for req in "rule add --- {match: {src: 10.9.0.0/16}, chain: b} --- {chain: a}" \
	"rule add {match: {src: 10.9.0.0/16}, chain: b}\n--- {chain: a}"; do
	out=$(printf "$req\n" | raw)
	echo "$out" | grep -q '^error: ' || fail "two YAML documents accepted: $out"
done
out=$(printf 'rule add {match: {src: 10.9.0.0/16}, chain: b}\302\205--- {chain: a}\n' | raw)
echo "$out" | grep -q '^error: .*\\xc2' || fail "a NEL-separated second document accepted: $out"
out=$(printf 'rule add {match: {src: 10.9.0.0/16}, chain: b}\r--- {chain: a}\n' | raw)
echo "$out" | grep -q '^error: ' || fail "a CR-separated second document accepted: $out"
[ "$($CTL rules | wc -l)" -eq "$rules0" ] || fail "a refused request changed the rules"
echo "ok: a second YAML document is refused, nothing changed"
# untrusted bytes are echoed escaped: bidi overrides, invalid UTF-8, escapes
# that YAML turns into control characters
for req in 'chain del \342\200\256evil\033[2J' 'bogus\377\376' 'rule del \342\201\246' \
	'rule add {chain: "x\\u202e\\x1b[31m\\xff"}'; do
	out=$(printf "$req\n" | raw)
	echo "$out" | grep -q '^error: ' || fail "'$req': no error: $out"
	echo "$out" | grep -q '<' && fail "'$req': raw bytes echoed: $out"
	echo "$out" | grep -q '\\x' || fail "'$req': nothing escaped: $out"
done
echo "ok: untrusted bytes echoed as \\xNN ($(printf 'chain del \342\200\256evil\n' | raw))"
$CTL nfs | grep -q 'alice/fwd#0' || fail "manager unhealthy after bad requests"
kill -TERM $mgr # the traffic would go on for a while: stop now, gracefully
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
check "every packet accounted through all the changes" 'j["conserved"]' "$T/s.json"
check "traffic outside any rule was dropped as no_rule" 'j["dropped"]["no_rule"] > 0' "$T/s.json"
