#!/bin/sh
# AF_XDP sockets over tenant pools (lib/xsk.c) behind the XDP classifier:
# builds its own netns + veth topology, then build/tests/xsk_check puts
# the classifier (DEVMAP steering) on the ingress veth, the per-tenant
# program bpf/xsk_redirect.bpf.o and an AF_XDP socket whose UMEM is a
# tenet pool on each tenant veth, and checks frame by frame: every frame
# in its own tenant's pool buffer, byte for byte, no leakage, no loss, the
# fill ring recycled, copy mode reported; then tx from the pools to
# AF_PACKET on the peers, with every completion returned.
#
#   tnq_snd:  tnqs ---- tnqi  :tnq_dut  (classifier on tnqi)
#                                  tnqa ---- tnqap  (tenant 0: xsk_redirect + AF_XDP)
#                                  tnqb ---- tnqbp  (tenant 1: xsk_redirect + AF_XDP)
#
# FRAMES / TX_FRAMES in the environment override 1000000 / 100000 (per tenant for tx).
. "$(dirname "$0")/lib.sh"
CHECK="$B/tests/xsk_check"
XOBJ="$B/bpf/xsk_redirect.bpf.o"
COBJ="$B/bpf/classify.bpf.o"
SND=tnq_snd
DUT=tnq_dut

[ "$(id -u)" -eq 0 ] || skip "needs root (netns, veth, XDP, AF_XDP)"
[ -x "$CHECK" ] && [ -f "$XOBJ" ] && [ -f "$COBJ" ] || fail "build first: $CHECK, $XOBJ, $COBJ"
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
ip -n $DUT link add tnqi type veth peer name tnqs 2>/dev/null || skip "no veth support"
ip -n $DUT link set tnqs netns $SND || fail "move tnqs"
ip -n $DUT link add tnqa type veth peer name tnqap || fail "veth tnqa"
ip -n $DUT link add tnqb type veth peer name tnqbp || fail "veth tnqb"
for ns in $SND $DUT; do
	# no IPv6 autoconfiguration, no addresses: nothing but our frames on the wire
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 ||
		fail "sysctl in $ns"
done
for d in tnqi tnqa tnqap tnqb tnqbp; do
	ip -n $DUT link set $d up || fail "link $d"
	ip netns exec $DUT ethtool -K $d gro off >/dev/null 2>&1
done
ip -n $SND link set tnqs up || fail "link tnqs"
ip netns exec $SND ethtool -K tnqs gro off >/dev/null 2>&1

ip netns exec $DUT "$CHECK" "$XOBJ" "$COBJ" $SND "${FRAMES:-1000000}" "${TX_FRAMES:-100000}"
rc=$?
[ $rc -eq 0 ] || exit $rc
for d in tnqi tnqap tnqbp; do
	ip -n $DUT link show $d | grep -q "xdp" && fail "an XDP program is still on $d"
done
echo "ok: ip link shows no XDP program on tnqi, tnqap, tnqbp"
