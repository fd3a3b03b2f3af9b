#!/bin/sh
# tenet doctor on a veth in a network namespace:
#   - every BPF program of every object in build/bpf loads, and each uses at
#     most 25 % of the verifier's 1,000,000-instruction budget (a program
#     that does not load, or uses more, FAILS this test: it never skips);
#   - native and generic XDP attach on the veth, AF_XDP zero-copy reported;
#   - exit status: 0 for a config whose needs are met, 1 for one naming a
#     missing interface or (unprivileged) an afxdp port, 0 for a
#     generator-only config run unprivileged;
#   - an interface that already runs an XDP program is left as it was.
. "$(dirname "$0")/lib.sh"
NS=tndoc_ns

[ -x "$TENET" ] || fail "build first: $TENET"
[ "$(id -u)" -eq 0 ] || skip "needs root (BPF loads, netns, veth)"
command -v ip >/dev/null || skip "iproute2 (ip) not installed"

cleanup() {
	ip netns del $NS 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cleanup
mkdir -p "$T"
ip netns add $NS 2>/dev/null || skip "cannot create network namespaces"
ip -n $NS link add tndoc0 type veth peer name tndoc1 2>/dev/null || skip "no veth support"
ip -n $NS link set tndoc0 up || fail "link tndoc0"
ip -n $NS link set tndoc1 up || fail "link tndoc1"

# 1. the programs, with statistics, and the interface checks
ip netns exec $NS "$TENET" doctor --ifname tndoc0 >"$T/out" 2>&1
rc=$?
cat "$T/out"

# every program in every object must have its verifier line
progs=0
for o in "$B"/bpf/*.bpf.o; do
	obj=$(basename "$o")
	for p in $(llvm-objdump -t "$o" 2>/dev/null | awk '$3 == "F" && ($4 == "xdp" || $4 ~ /^xdp/) {print $NF}'); do
		progs=$((progs + 1))
		l=$(grep -E "^ok +verifier: $obj/$p processed [0-9]+ insns \(limit 1000000, [0-9.]+%\)$" "$T/out") ||
			fail "no passing verifier line for $obj/$p"
		n=$(echo "$l" | sed -n 's/.*processed \([0-9]*\) insns.*/\1/p')
		[ "$n" -le 250000 ] || fail "$obj/$p: $n insns is over 25 % of the verifier's budget"
		echo "ok: $obj/$p loads, $n insns processed (<= 250000)"
	done
done
[ "$progs" -ge 3 ] || fail "found only $progs BPF programs in $B/bpf (llvm-objdump missing?)"
# and none failed or went over (doctor's own judgement agrees)
grep -E "^FAIL +verifier:" "$T/out" && fail "doctor reports a program that failed or is over 25 %"
grep -qE "^ok +xdp native on tndoc0: the classifier attaches$" "$T/out" || fail "native XDP on veth"
grep -qE "^ok +xdp generic on tndoc0: the classifier attaches$" "$T/out" || fail "generic XDP on veth"
echo "ok: native and generic XDP attach on a veth"
grep -qE "^(ok|warn) +af_xdp zero-copy on tndoc0" "$T/out" || fail "no AF_XDP zero-copy line"
echo "ok: AF_XDP zero-copy availability reported"
for c in kernel privileges memlock hugepages hyperscan; do
	grep -qE "^(ok|FAIL|warn|skip) +$c: " "$T/out" || fail "no $c line"
done
echo "ok: kernel, privileges, memlock, hugepages, hyperscan checked"
# the doctor detached what it attached
ip -n $NS link show tndoc0 | grep -q "xdp" && fail "doctor left an XDP program on tndoc0"
echo "ok: nothing left attached"
# without a config everything but huge pages and zero-copy is needed: only warnings here
[ $rc -eq 0 ] || fail "doctor --ifname exited $rc with everything needed available"
tail -n 1 "$T/out" | grep -q "^doctor: 0 failed" || fail "summary line"

# 2. a config the host can run: exit 0
cat >"$T/ok.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: nic0, driver: afxdp, ifname: tndoc0, steer: nic, xdp_mode: generic,
     tenant_ifs: {alice: tndoc1}}
  - {name: sink0, driver: sink}
tenants: [{name: alice, pool_bufs: 1024}]
services: [{name: fwd, tenant: alice, command: "$B/nf/fwd"}]
chains: [{name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], output: sink0}]
YAML
ip netns exec $NS "$TENET" doctor --config "$T/ok.yaml" >"$T/out2" 2>&1
rc=$?
cat "$T/out2"
[ $rc -eq 0 ] || fail "doctor --config ok.yaml exited $rc"
grep -qE "^ok +xdp generic on tndoc1: the classifier attaches$" "$T/out2" ||
	fail "tenant interface not checked"
echo "ok: a config this host can run: exit 0"

# 3. a config naming an interface that does not exist: exit 1, and it says which
sed 's/tenant_ifs: {alice: tndoc1}/tenant_ifs: {alice: tndocX}/' "$T/ok.yaml" >"$T/bad.yaml"
ip netns exec $NS "$TENET" doctor --config "$T/bad.yaml" >"$T/out3" 2>&1
rc=$?
cat "$T/out3"
[ $rc -eq 1 ] || fail "doctor with a missing interface exited $rc, not 1"
grep -qE "^FAIL +interface tndocX: " "$T/out3" || fail "missing interface not named"
echo "ok: a missing interface fails with its name, exit 1"

# 3b. pools larger than the machine's memory: the host check fails and says why
sed 's/tenants: \[{name: alice, pool_bufs: 1024}\]/tenants: [{name: alice, pool_bufs: 1048576, buf_size: 65536}]/' \
	"$T/ok.yaml" >"$T/huge.yaml"
ip netns exec $NS "$TENET" doctor --config "$T/huge.yaml" >"$T/out3b" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$T/out3b"; fail "doctor with 64 GiB of pools exited $rc, not 1"; }
grep -qE "^FAIL +host: .*huge.yaml:[0-9]+:[0-9]+: the pools need 64.00 GiB" "$T/out3b" ||
	{ cat "$T/out3b"; fail "the pool sum is not named"; }
echo "ok: pools beyond the machine's memory fail the host check, exit 1"

# 4. an interface that runs another XDP program is not touched
ip -n $NS link set dev tndoc0 xdpgeneric obj "$B/bpf/classify.bpf.o" sec xdp 2>/dev/null ||
	ip netns exec $NS "$TENET" doctor --help >/dev/null # no iproute2 XDP loader: skip this part
if ip -n $NS link show tndoc0 | grep -q xdpgeneric; then
	before=$(ip -n $NS link show tndoc0 | grep -o "prog/xdp id [0-9]*")
	ip netns exec $NS "$TENET" doctor --ifname tndoc0 >"$T/out4" 2>&1
	grep -qE "^skip +xdp generic on tndoc0: the interface runs another XDP program" "$T/out4" ||
		{ cat "$T/out4"; fail "an occupied interface was not skipped"; }
	after=$(ip -n $NS link show tndoc0 | grep -o "prog/xdp id [0-9]*")
	[ "$before" = "$after" ] || fail "doctor replaced the interface's program ($before -> $after)"
	echo "ok: an interface with its own XDP program is skipped and left as it was"
	ip -n $NS link set dev tndoc0 xdpgeneric off
fi

# 5. unprivileged: the afxdp config fails on privileges, a generator config passes
if command -v setpriv >/dev/null; then
	cat >"$T/gen.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports: [{name: g, driver: gen, count: 10, flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16}]}, {name: s, driver: sink}]
tenants: [{name: alice}]
services: [{name: fwd, tenant: alice, command: "$B/nf/fwd"}]
chains: [{name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], output: s}]
YAML
	chmod 755 "$T"
	chmod 644 "$T"/*.yaml
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$TENET" doctor --config "$T/ok.yaml" >"$T/out5" 2>&1
	rc=$?
	cat "$T/out5"
	[ $rc -eq 1 ] || fail "unprivileged doctor for an afxdp config exited $rc, not 1"
	grep -qE "^FAIL +privileges: uid 65534 lacks .*CAP_NET_ADMIN" "$T/out5" ||
		fail "missing capabilities not named"
	echo "ok: unprivileged, an afxdp config fails and names the missing capabilities"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$TENET" doctor --config "$T/gen.yaml" >"$T/out6" 2>&1
	rc=$?
	cat "$T/out6"
	[ $rc -eq 0 ] || fail "unprivileged doctor for a generator config exited $rc, not 0"
	echo "ok: unprivileged, a generator-only config needs nothing it lacks: exit 0"
fi
echo "PASS"
