#!/bin/sh
# afpacket port on a veth pair between two network namespaces:
#
#   tnp_genID: tnpgID ---- tnpdID :tnp_dutID   (ID: this shell's pid)
#
# 1. tenet gen (in tnp_gen) -> tenet sink (in tnp_dut): 200,000 paced frames
#    of mixed sizes over IPv4 and IPv6 flows. Every frame sent is received or
#    reported dropped by the kernel (ring full); no reordering, duplicates or
#    checksum errors; latency measured from the generator's stamp.
#    With the sink stopped, the ring overflows: the loss is reported
#    (kernel drops) and sent == received + dropped still holds.
# 2. tenet run in tnp_dut with the afpacket port as input (steer nic) feeding
#    alice/fwd -> sink port, and alice/fwd -> back out of the afpacket port to
#    a tenet sink next to the generator, tenet gen from tnp_gen: the manager
#    conserves every packet, each chain carried what was sent for it, and
#    no port receives what its own side sends.
# Also: a missing interface and a missing CAP_NET_RAW give clear errors.
. "$(dirname "$0")/lib.sh"
# names unique per run: two runs of this test at once must not tear down each other's links
ID=$(($$ % 100000))
GNS=tnp_gen$ID
DNS=tnp_dut$ID
GIF=tnpg$ID
DIF=tnpd$ID
N=200000
MN=100000

[ "$(id -u)" -eq 0 ] || skip "needs root (netns, veth, AF_PACKET)"
command -v ip >/dev/null || skip "iproute2 (ip) not installed"
[ -x "$TENET" ] && [ -x "$B/nf/fwd" ] || fail "build first: $TENET and $B/nf/fwd"

cleanup() {
	[ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null
	[ -n "${MGR_PID:-}" ] && kill "$MGR_PID" 2>/dev/null
	wait 2>/dev/null
	ip netns del $GNS 2>/dev/null
	ip netns del $DNS 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add $GNS 2>/dev/null || skip "cannot create network namespaces"
ip netns add $DNS || fail "netns $DNS"
ip -n $GNS link add $GIF type veth peer name $DIF netns $DNS 2>/dev/null || skip "no veth support"
for ns in $GNS $DNS; do
	# no IPv6 autoconfiguration, no addresses: nothing but our frames on the wire
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || fail "sysctl in $ns"
done
ip -n $GNS link set $GIF mtu 2000 up || fail "link $GIF"
ip -n $DNS link set $DIF mtu 2000 up || fail "link $DIF"

# ---- errors ----------------------------------------------------------------------------------
out=$(ip netns exec $DNS "$TENET" sink --ifname tnpnosuch --duration 0.1 2>&1) &&
	fail "sink on a missing interface succeeded"
echo "$out" | grep -q "tnpnosuch" || fail "missing interface not named: $out"
echo "ok: missing interface: $out"
if command -v setpriv >/dev/null; then
	out=$(ip netns exec $DNS setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TENET" sink --ifname $DIF --duration 0.1 2>&1) && fail "sink without CAP_NET_RAW succeeded"
	echo "$out" | grep -q "$DIF" && echo "$out" | grep -q "CAP_NET_RAW" ||
		fail "unprivileged error does not name the interface and CAP_NET_RAW: $out"
	echo "ok: no privileges: $out"
fi

# ---- 1. tenet gen -> tenet sink ----------------------------------------------------------------
wait_listening() { # LOG PID
	for _ in $(seq 100); do
		grep -q "listening on" "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

ip netns exec $DNS "$TENET" sink --ifname $DIF --count $N --idle 3 --duration 40 --json \
	>"$T/sink.json" 2>"$T/sink.err" &
SINK_PID=$!
wait_listening "$T/sink.err" $SINK_PID || fail "tenet sink did not start: $(cat "$T/sink.err")"
ip netns exec $GNS "$TENET" gen --ifname $GIF --count $N --rate 100000 \
	--size 64,128,256,512,1024,1518 --flows 64 \
	--src 10.1.0.0/16 --dst 10.2.0.0/16 --src 2001:db8:a::/48 --dst 2001:db8:b::/48 \
	--json >"$T/gen.json" 2>"$T/gen.err" || fail "tenet gen exited $?: $(cat "$T/gen.err")"
wait $SINK_PID || fail "tenet sink exited $?: $(cat "$T/sink.err")"
SINK_PID=
G="$T/gen.json"
S="$T/sink.json"
check "gen sent $N frames, no tx errors" "j['sent'] == $N and j['tx_errors'] == 0" "$G"
sent=$(json "$G" "j['sent']")
drops=$(json "$S" "j['kernel_drops']")
echo "info: sink received $(json "$S" "j['packets']") of $sent, kernel drops $drops"
check "sent == received + kernel drops" "j['packets'] + j['kernel_drops'] == $sent" "$S"
check "the kernel saw exactly what was sent" "j['kernel_packets'] == $sent" "$S"
check "only generator frames, all stamped" "j['unstamped'] == 0 and j['stamped'] == j['packets']" "$S"
check "sequence gaps are within the kernel's drops" "j['lost'] <= j['kernel_drops']" "$S"
check "no reordering, no duplicates" \
	"j['reordered'] == 0 and j['duplicates'] == 0 and j['flows_with_reorder'] == 0" "$S"
check "checksums verified on every frame, none bad" \
	"j['csum_checked'] == j['packets'] and j['csum_bad'] == 0" "$S"
check "128 flows (64 IPv4 + 64 IPv6)" "j['flows'] == 128" "$S"
check "latency measured for every frame, > 0" \
	"j['latency_ns']['count'] == j['packets'] and 0 < j['latency_ns']['p50'] <= j['latency_ns']['max']" "$S"
check "the sink's port transmitted nothing and ignored nothing" \
	"j['afpacket']['tx_packets'] == 0 and j['afpacket']['rx_outgoing'] == 0" "$S"
echo "info: $(json "$S" "'%.0f pps; latency us p50 %.1f p99 %.1f p99.9 %.1f max %.1f' % (j['pps'], j['latency_ns']['p50']/1e3, j['latency_ns']['p99']/1e3, j['latency_ns']['p99_9']/1e3, j['latency_ns']['max']/1e3)")"

# ---- 1b. honest loss: the sink stalls, its ring overflows ---------------------------------------
# 2048 blocks of 16 KiB hold about 20,000 frames of 1518 B; send 50,000 while the sink is stopped
ip netns exec $DNS "$TENET" sink --ifname $DIF --idle 1 --duration 40 --json \
	>"$T/sink2.json" 2>"$T/sink.err" &
SINK_PID=$!
wait_listening "$T/sink.err" $SINK_PID || fail "tenet sink did not start: $(cat "$T/sink.err")"
kill -STOP $SINK_PID
ip netns exec $GNS "$TENET" gen --ifname $GIF --count 50000 --size 1518 --flows 8 \
	--src 10.1.0.0/16 --dst 10.2.0.0/16 --json >"$T/gen2.json" 2>"$T/gen.err" ||
	fail "tenet gen exited $?: $(cat "$T/gen.err")"
kill -CONT $SINK_PID
wait $SINK_PID || fail "tenet sink exited $?: $(cat "$T/sink.err")"
SINK_PID=
S="$T/sink2.json"
sent=$(json "$T/gen2.json" "j['sent']")
echo "info: stalled sink received $(json "$S" "j['packets']") of $sent, kernel drops $(json "$S" "j['kernel_drops']")"
check "the overflow is reported as kernel drops" "j['kernel_drops'] > 0" "$S"
check "sent == received + kernel drops" "j['packets'] + j['kernel_drops'] == $sent" "$S"
check "sequence gaps are within the kernel's drops" "j['lost'] <= j['kernel_drops']" "$S"

# ---- 2. tenet gen -> manager (afpacket port, alice/fwd) -> sink port, and back out ----------------
# Chain a ends in a sink port; chain b sends the frames back out of the afpacket
# port to a tenet sink next to the generator. Neither the manager's port nor that
# sink may receive what its own side transmits (PACKET_IGNORE_OUTGOING): the
# manager would loop its output forever, the sink would count the generator's frames.
cat >"$T/m.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: wire, driver: afpacket, ifname: $DIF, steer: nic}
  - {name: sink0, driver: sink}
tenants: [{name: alice}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {port: wire, src: 10.1.0.0/16}, hops: [alice/fwd], output: sink0}
  - {name: b, match: {port: wire, src: 10.3.0.0/16}, hops: [alice/fwd], output: wire}
YAML
ip netns exec $DNS "$TENET" run "$T/m.yaml" --quiet --duration 10 --summary "$T/m.json" \
	>"$T/mgr.log" 2>&1 &
MGR_PID=$!
for _ in $(seq 100); do
	"$TENET" ctl --socket "$T/sock/ctl.sock" nfs 2>/dev/null | grep -q 'alice/fwd#0' && break
	kill -0 $MGR_PID 2>/dev/null || fail "tenet run exited early: $(cat "$T/mgr.log")"
	sleep 0.05
done
"$TENET" ctl --socket "$T/sock/ctl.sock" nfs 2>/dev/null | grep -q 'alice/fwd#0' ||
	fail "alice/fwd did not attach within 5 s: $(cat "$T/mgr.log")"
ip netns exec $GNS "$TENET" sink --ifname $GIF --idle 2 --duration 30 --json \
	>"$T/back.json" 2>"$T/sink.err" &
SINK_PID=$!
wait_listening "$T/sink.err" $SINK_PID || fail "tenet sink did not start: $(cat "$T/sink.err")"
ip netns exec $GNS "$TENET" gen --ifname $GIF --count $MN --rate 100000 --size 64,512,1518 \
	--flows 32 --src 10.1.0.0/16 --dst 10.2.0.0/16 --src 10.3.0.0/16 --dst 10.4.0.0/16 \
	--json >"$T/mgen.json" 2>"$T/gen.err" || fail "tenet gen exited $?: $(cat "$T/gen.err")"
wait $MGR_PID || fail "tenet run exited $?: $(cat "$T/mgr.log")"
MGR_PID=
wait $SINK_PID || fail "tenet sink exited $?: $(cat "$T/sink.err")"
SINK_PID=
G="$T/mgen.json"
M="$T/m.json"
check "gen sent $MN frames, no tx errors" "j['sent'] == $MN and j['tx_errors'] == 0" "$G"
sent=$(json "$G" "j['sent']")
ga=$(json "$G" "j['gen']['groups'][0]")
gb=$(json "$G" "j['gen']['groups'][1]")
W="j['ports']['wire']"
K="j['ports']['sink0']['driver_stats']"
kd=$(json "$M" "$W['driver_stats']['kernel_drops']")
echo "info: manager took $(json "$M" "j['packets_in']") of $sent ($ga for chain a, $gb for chain b), kernel drops $kd"
check "manager conserved every packet" "j['conserved']" "$M"
check "sent == packets in + kernel drops" "j['packets_in'] + $kd == $sent" "$M"
echo "info: dropped in the manager: $(json "$M" "{k: v for k, v in j['dropped'].items() if v}")"
# frames the NIC stage dropped (no_buffer: a starved dispatcher on a loaded machine)
# never reach a chain; without such drops each chain got exactly its generator group
pre="sum(j['dropped'][r] for r in ('no_buffer', 'malformed', 'no_rule'))"
if [ "$kd" -eq 0 ] && [ "$(json "$M" "$pre")" -eq 0 ]; then
	check "each chain carried exactly what was sent for it" \
		"j['chains']['a'] == $ga and j['chains']['b'] == $gb" "$M"
else
	check "the chains carried every packet that came in and was not dropped before them" \
		"j['chains']['a'] + j['chains']['b'] + $pre == j['packets_in'] and j['chains']['a'] <= $ga and j['chains']['b'] <= $gb" "$M"
fi
# a loaded machine may drop some in the manager (NF ring full): counted, not lost
check "the two outputs got every delivered packet" \
	"$K['packets'] + $W['tx'] == j['delivered'] and $K['packets'] > 0 and $W['tx'] > 0" "$M"
check "the afpacket port sent everything it was given, without errors" \
	"$W['tx'] == $W['driver_stats']['tx_packets'] and $W['driver_stats']['tx_errors'] == 0" "$M"
check "the port did not receive its own output" \
	"$W['rx'] == j['packets_in'] and $W['driver_stats']['kernel_packets'] == $sent" "$M"
check "through the manager: no reordering, no checksum errors" \
	"$K['reordered'] == 0 and $K['csum_bad'] == 0 and $K['latency_ns']['p50'] > 0" "$M"
B2="$T/back.json"
tx=$(json "$M" "$W['driver_stats']['tx_packets']")
check "chain b came back to the generator's side, and nothing else" \
	"j['packets'] + j['kernel_drops'] == $tx and j['unstamped'] == 0" "$B2"
check "chain b: no reordering, no duplicates, no checksum errors" \
	"j['reordered'] == 0 and j['duplicates'] == 0 and j['csum_bad'] == 0 and j['csum_checked'] == j['packets']" "$B2"
echo "info: through the manager to sink0: latency us p50 $(json "$M" "'%.1f p99 %.1f max %.1f' % ($K['latency_ns']['p50']/1e3, $K['latency_ns']['p99']/1e3, $K['latency_ns']['max']/1e3)")"
echo "info: round trip back to tnp_gen: latency us p50 $(json "$B2" "'%.1f p99 %.1f max %.1f' % (j['latency_ns']['p50']/1e3, j['latency_ns']['p99']/1e3, j['latency_ns']['max']/1e3)")"
