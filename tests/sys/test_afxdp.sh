#!/bin/sh
# The afxdp port end to end (root): sender netns -> veth -> the manager's
# netns, where the XDP tenant classifier on the ingress veth redirects each
# frame to its tenant's veth pair and an AF_XDP socket whose UMEM is that
# tenant's pool receives it. Checks: every frame is accounted for (XDP
# drops included), each tenant's frames reach exactly its chain, malformed
# frames are counted by reason in the NIC, a rule added with tenet ctl
# reaches the XDP program, and nothing is left attached after the manager
# exits.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (netns, veth, XDP, AF_XDP)"
command -v ip >/dev/null || skip "needs iproute2"
[ -f "$B/bpf/classify.bpf.o" ] && [ -f "$B/bpf/xsk_redirect.bpf.o" ] || skip "BPF objects not built"
S=tnz_snd
D=tnz_dut
cleanup() {
	ip netns del $S 2>/dev/null
	ip netns del $D 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
cleanup
mkdir -p "$T"
ip netns add $S && ip netns add $D || skip "cannot create network namespaces"
ip link add tnzs0 netns $S type veth peer name tnzi0 netns $D || skip "cannot create veth"
ip -n $D link add tnza0 type veth peer name tnza1
ip -n $D link add tnzb0 type veth peer name tnzb1
for ns in $S $D; do
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec $ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
ip -n $S link set tnzs0 up
for l in tnzi0 tnza0 tnza1 tnzb0 tnzb1; do ip -n $D link set $l up; done
cat >"$T/x.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: nic0, driver: afxdp, ifname: tnzi0, steer: nic, xdp_mode: native,
     tenant_ifs: {alice: tnza1, bob: tnzb1}}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: mon, tenant: bob, command: "$B/nf/monitor"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/mon], output: sink0}
YAML
ip netns exec $D "$TENET" run "$T/x.yaml" --quiet --duration 14 --summary "$T/s.json" >"$T/mgr.log" 2>&1 &
mgr=$!
for i in $(seq 100); do [ -S "$T/sock/ctl.sock" ] && break; sleep 0.1; done
[ -S "$T/sock/ctl.sock" ] || { cat "$T/mgr.log"; fail "manager did not start"; }
grep -q "copy mode" "$T/mgr.log" && echo "ok: AF_XDP on veth runs in copy mode (reported at start)"
sleep 1
# sender: paced UDP frames for alice (10.1/16), bob (10.3/16), nobody (10.9/16), and malformed
cat >"$T/send.py" <<'PY'
import socket, struct, sys, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def frame(src, seq, size=128):
    udp_len = size - 14 - 20
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size - 14, seq & 0xffff, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton("10.2.0.1"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    body = bytearray(udp_len - 8)
    if len(sys.argv) > 4:  # a pattern at an offset that moves with seq
        off = seq % (len(body) - len(sys.argv[4]))
        body[off:off + len(sys.argv[4])] = sys.argv[4].encode()
    udp = struct.pack("!HHHH", 1000 + seq % 1000, 80, udp_len, 0) + bytes(body)
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
n = int(sys.argv[2]); prefix = sys.argv[3]
for i in range(n):
    if prefix == "bad":
        f = frame("10.1.0.1", i)[:14 + 8]  # truncated inside the IPv4 header
    else:
        f = frame("%s.%d.%d" % (prefix, (i >> 8) & 255, i & 255), i)
    s.send(f)
    if i % 64 == 63: time.sleep(0.0005)
PY
snd() { ip netns exec $S python3 "$T/send.py" tnzs0 "$@" || fail "sender failed"; }
snd 20000 10.1
snd 15000 10.3
snd 5000 10.9
snd 1000 bad
sleep 1
ip netns exec $D "$TENET" ctl --config "$T/x.yaml" rule add '{match: {src: 10.9.0.0/16}, chain: b, priority: 0}' >/dev/null ||
	fail "rule add"
sleep 0.5
snd 3000 10.9
sleep 1
ip netns exec $D ip link show tnzi0 | grep -q "xdp" || fail "no XDP program on the ingress veth while running"
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
J="$T/s.json"
echo "info: $(json "$J" '{k: j[k] for k in ("packets_in", "delivered", "dropped", "chains")}')"
check "every frame the NIC saw is accounted for" 'j["conserved"]' "$J"
check "alice's frames reached alice's chain, all of them" 'j["chains"]["a"] == 20000' "$J"
check "bob's frames (and 10.9/16 after the rule) reached bob's chain" 'j["chains"]["b"] == 15000 + 3000' "$J"
check "no frame crossed tenants: each pool took only its tenant's frames" \
	'j["tenants"]["alice"]["in"] == 20000 and j["tenants"]["bob"]["in"] == 18000' "$J"
check "10.9/16 before the rule: dropped in XDP as no_rule" 'j["dropped"]["no_rule"] >= 5000' "$J"
check "truncated frames: dropped in XDP as malformed, by reason" \
	'j["dropped"]["malformed"] == 1000 and sum(j["parse_errors"].values()) == 1000' "$J"
ip -n $D link show tnzi0 | grep -q "xdp" && fail "XDP program left on the ingress veth"
ip -n $D link show tnza1 | grep -q "xdp" && fail "XDP program left on alice's veth"
echo "ok: no XDP program left after exit"
# kill -9: programs stay attached; the next manager removes them and starts cleanly
ip netns exec $D "$TENET" run "$T/x.yaml" --quiet --duration 30 >"$T/mgr2.log" 2>&1 &
mgr=$!
for i in $(seq 100); do ip -n $D link show tnzi0 | grep -q xdp && break; sleep 0.1; done
sleep 0.5
nfs=$(pgrep -P $mgr) # its NFs: kill -9 of the manager leaves them running
kill -9 $mgr
wait $mgr 2>/dev/null
[ -n "$nfs" ] && kill -9 $nfs 2>/dev/null
ip -n $D link show tnzi0 | grep -q "xdp" || fail "expected the killed manager's XDP program to remain"
ip netns exec $D "$TENET" run "$T/x.yaml" --quiet --duration 2 --summary "$T/s3.json" >"$T/mgr3.log" 2>&1 ||
	fail "restart after kill -9 failed: $(tail -n 3 "$T/mgr3.log")"
check "restarted manager ran" 'j["conserved"]' "$T/s3.json"
ip -n $D link show tnzi0 | grep -q "xdp" && fail "XDP program left after the restarted manager exited"
ip -n $D link show tnzb1 | grep -q "xdp" && fail "XDP program left on bob's veth"
echo "ok: after kill -9, the next manager cleaned up and left nothing behind"

# steer: cpu and steer: shared on the same port: one socket over the ingress / shared pool
for mode in cpu shared; do
	sed -e "s/steer: nic, xdp_mode: native,/steer: $mode, xdp_mode: native}/" \
		-e '/tenant_ifs: {alice: tnza1, bob: tnzb1}}/d' "$T/x.yaml" >"$T/$mode.yaml"
	ip netns exec $D "$TENET" run "$T/$mode.yaml" --quiet --duration 6 --summary "$T/$mode.json" \
		>"$T/$mode.log" 2>&1 &
	mgr=$!
	for i in $(seq 100); do [ -S "$T/sock/ctl.sock" ] && break; sleep 0.1; done
	sleep 1.5
	snd 4000 10.1
	snd 3000 10.3
	wait $mgr || fail "$mode: manager exited $? ($(tail -n 3 "$T/$mode.log"))"
	check "steer: $mode over AF_XDP: accounted, each tenant's frames in its chain" \
		'j["conserved"] and j["chains"]["a"] == 4000 and j["chains"]["b"] == 3000' "$T/$mode.json"
done
check "cpu: the router classified" 'j["host_ns"]["router"] > 0' "$T/cpu.json"
check "shared: no isolation, and it says so" 'j["isolation"] == False' "$T/shared.json"
# the scan hop in XDP: frames carrying a drop pattern never reach a pool
printf 'drop literal attack\n' >"$T/pat.txt"
sed -e "s|  - {name: fwd, tenant: alice|  - {name: scan, tenant: alice, patterns: $T/pat.txt}\n  - {name: fwd, tenant: alice|" \
	-e 's|hops: \[alice/fwd\]|hops: [{service: alice/scan, on: nic}, alice/fwd]|' "$T/x.yaml" >"$T/scan.yaml"
ip netns exec $D "$TENET" run "$T/scan.yaml" --quiet --duration 6 --summary "$T/scan.json" >"$T/scan.log" 2>&1 &
mgr=$!
for i in $(seq 100); do [ -S "$T/sock/ctl.sock" ] && break; sleep 0.1; done
sleep 1.5
snd 3000 10.1 attack
snd 2000 10.1
wait $mgr || fail "scan: manager exited $? ($(tail -n 3 "$T/scan.log"))"
check "XDP scan dropped exactly the 3000 frames with the pattern, the rest reached the chain" \
	'j["conserved"] and j["dropped"]["nic_scan"] == 3000 and j["chains"]["a"] == 2000 and j["delivered"] == 2000' "$T/scan.json"
# 1,000,000 frames of two tenants through XDP steering into the AF_XDP pools:
# each tenant's chain starts with an acl NF that drops (and so counts) any
# frame of the other tenant: zero leakage means zero acl drops
printf 'drop src 10.3.0.0/16\n' >"$T/acl-a.txt"
printf 'drop src 10.1.0.0/16\n' >"$T/acl-b.txt"
sed -e "s|  - {name: fwd, tenant: alice|  - {name: acl, tenant: alice, command: \"$B/nf/acl --rules $T/acl-a.txt\"}\n  - {name: acl, tenant: bob, command: \"$B/nf/acl --rules $T/acl-b.txt\"}\n  - {name: fwd, tenant: alice|" \
	-e 's|hops: \[alice/fwd\]|hops: [alice/acl, alice/fwd]|' -e 's|hops: \[bob/mon\]|hops: [bob/acl, bob/mon]|' \
	"$T/x.yaml" >"$T/lk.yaml"
ip netns exec $D "$TENET" run "$T/lk.yaml" --quiet --duration 15 --summary "$T/lk.json" >"$T/lk.log" 2>&1 &
mgr=$!
for i in $(seq 100); do [ -S "$T/sock/ctl.sock" ] && break; sleep 0.1; done
sleep 1.5
ip netns exec $S "$TENET" gen --ifname tnzs0 --src 10.1.0.0/16 --dst 10.2.0.0/16 --src 10.3.0.0/16 \
	--dst 10.4.0.0/16 --flows 256 --size 64,256,1024 --count 1000000 --rate 150000 --json >"$T/gen.json" ||
	fail "tenet gen failed"
wait $mgr || fail "leak run: manager exited $? ($(tail -n 3 "$T/lk.log"))"
G='j["gen"]["groups"]'
echo "info: sent $(json "$T/gen.json" "$G"), alice in $(json "$T/lk.json" 'j["tenants"]["alice"]["in"]'), bob in $(json "$T/lk.json" 'j["tenants"]["bob"]["in"]'), drops $(json "$T/lk.json" '{k: v for k, v in j["dropped"].items() if v}')"
check "1,000,000 frames sent, every one the NIC saw accounted for" \
	"j['conserved'] and $(json "$T/gen.json" 'j["sent"]') == 1000000" "$T/lk.json"
check "zero cross-tenant leakage: no acl NF saw a frame of the other tenant" \
	'j["dropped"]["nf_verdict"] == 0' "$T/lk.json"
check "each pool got at most its tenant's frames, and most of them" \
	"0.5 * $(json "$T/gen.json" "$G[0]") <= j['tenants']['alice']['in'] <= $(json "$T/gen.json" "$G[0]") and 0.5 * $(json "$T/gen.json" "$G[1]") <= j['tenants']['bob']['in'] <= $(json "$T/gen.json" "$G[1]")" \
	"$T/lk.json"
# transmit: chains that output to the afxdp port send zero-copy from the
# tenant's pool through the tenant's own AF_XDP socket (its netdev: the VF,
# here the veth pair, where a sink listens on the far end)
sed -e 's|output: sink0|output: nic0|' "$T/x.yaml" >"$T/tx.yaml"
for v in a b; do
	ip netns exec $D "$TENET" sink --ifname tnz${v}0 --duration 9 --json >"$T/sink-$v.json" 2>"$T/sink-$v.log" &
done
ip netns exec $D "$TENET" run "$T/tx.yaml" --quiet --duration 8 --summary "$T/tx.json" >"$T/tx.log" 2>&1 &
mgr=$!
for i in $(seq 100); do [ -S "$T/sock/ctl.sock" ] && break; sleep 0.1; done
sleep 1.5
ip netns exec $S "$TENET" gen --ifname tnzs0 --src 10.1.0.0/16 --dst 10.2.0.0/16 --src 10.3.0.0/16 \
	--dst 10.4.0.0/16 --flows 32 --size 64,512,1500 --count 20000 --rate 20000 --json >"$T/gen2.json" ||
	fail "tenet gen failed"
wait $mgr || fail "tx run: manager exited $? ($(tail -n 3 "$T/tx.log"))"
wait
J="$T/tx.json"
echo "info: delivered $(json "$J" 'j["delivered"]'), afxdp tx $(json "$J" 'j["ports"]["nic0"]["tx"]'), sinks $(json "$T/sink-a.json" 'j["packets"]') + $(json "$T/sink-b.json" 'j["packets"]')"
check "every frame accounted, and every delivered frame left through the afxdp port" \
	'j["conserved"] and j["delivered"] == j["ports"]["nic0"]["tx"] == j["chains"]["a"] + j["chains"]["b"] > 0' "$J"
check "alice's frames left through alice's netdev, intact" \
	"j['packets'] == $(json "$J" 'j["chains"]["a"]') and j['csum_bad'] == 0 and j['stamped'] == j['packets']" "$T/sink-a.json"
check "bob's frames left through bob's netdev, intact" \
	"j['packets'] == $(json "$J" 'j["chains"]["b"]') and j['csum_bad'] == 0 and j['stamped'] == j['packets']" "$T/sink-b.json"
