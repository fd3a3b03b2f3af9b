#!/bin/sh
# XDP tenant classifier on veth: builds its own netns + veth topology,
# then build/tests/xdp_check loads bpf/classify.bpf.o on the ingress veth
# and checks, frame by frame against the CPU parser/classifier/scanner:
# DEVMAP steering to two per-tenant veths with zero cross-tenant leakage,
# malformed frames counted by reason and harmless to later traffic, rule
# updates under traffic, the rule limit, NIC scan verdicts (drop, bounce,
# pass), native and generic mode, offload refused on veth, and cleanup
# after close and after kill -9.
#
#   tntx_snd:  tntxs ---- tntxi  :tntx_dut  (XDP classifier on tntxi)
#                                  tntxa ---- tntxap  (tenant 0, AF_PACKET)
#                                  tntxb ---- tntxbp  (tenant 1, AF_PACKET)
#
# FRAMES / SCAN_FRAMES in the environment override 1000000 / 100000.
. "$(dirname "$0")/lib.sh"
CHECK="$B/tests/xdp_check"
OBJ="$B/bpf/classify.bpf.o"
SND=tntx_snd
DUT=tntx_dut

[ "$(id -u)" -eq 0 ] || skip "needs root (netns, veth, XDP)"
[ -x "$CHECK" ] && [ -f "$OBJ" ] || fail "build first: $CHECK and $OBJ"
command -v ip >/dev/null || skip "iproute2 (ip) not installed"

cleanup() {
	ip netns del $SND 2>/dev/null
	ip netns del $DUT 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cleanup
mkdir -p "$T"

ip netns add $SND 2>/dev/null || skip "cannot create network namespaces"
ip netns add $DUT || fail "netns $DUT"
ip -n $DUT link add tntxi type veth peer name tntxs 2>/dev/null || skip "no veth support"
ip -n $DUT link set tntxs netns $SND || fail "move tntxs"
ip -n $DUT link add tntxa type veth peer name tntxap || fail "veth tntxa"
ip -n $DUT link add tntxb type veth peer name tntxbp || fail "veth tntxb"
for ns in $SND $DUT; do
	# no IPv6 autoconfiguration, no addresses: nothing but our frames on the wire
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 ||
		fail "sysctl in $ns"
done
for d in tntxi tntxa tntxap tntxb tntxbp; do
	ip -n $DUT link set $d mtu 2000 up || fail "link $d"
	ip netns exec $DUT ethtool -K $d gro off >/dev/null 2>&1
done
ip -n $SND link set tntxs mtu 2000 up || fail "link tntxs"
ip netns exec $SND ethtool -K tntxs gro off >/dev/null 2>&1

ip netns exec $DUT "$CHECK" "$OBJ" $SND "${FRAMES:-1000000}" "${SCAN_FRAMES:-100000}"
rc=$?
[ $rc -eq 0 ] || exit $rc
# the namespaces go with the trap; the ingress veth must hold no program now
ip -n $DUT link show tntxi | grep -q "xdp" && fail "an XDP program is still on tntxi"
echo "ok: ip link shows no XDP program on tntxi"
