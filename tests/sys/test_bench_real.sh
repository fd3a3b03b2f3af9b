#!/bin/sh
# tenet-bench's --real back end, tiny runs: the shape of what it reports,
# never a figure. steer --real and scan --real are the scenarios of the
# software runs on veth pairs between two network namespaces (the afxdp
# port, its XDP programs, tenet run / gen / sink as children): their JSON
# has the fields of the software runs plus the back end's own, and the
# counts add up (delivered <= counted in <= sent, loss is sent - delivered,
# frames back <= frames expected back); an option of the other back end is
# a usage error with its own message; the namespaces are gone afterwards.
# Root; run it under flock /tmp/tenet-netns.lock (it makes namespaces).
. "$(dirname "$0")/lib.sh"
BENCH="$B/tenet-bench"

[ "$(id -u)" -eq 0 ] || skip "needs root (netns, veth, XDP)"
[ -x "$BENCH" ] && [ -x "$TENET" ] && [ -f "$B/bpf/xsk_redirect.bpf.o" ] ||
	fail "build first: $BENCH, $TENET, $B/bpf"
command -v ip >/dev/null || skip "iproute2 (ip) not installed"
command -v python3 >/dev/null || skip "python3 not installed"

# can this host do it at all: a namespace, a veth, native XDP on it
P=tnbr$$
cleanup() {
	ip netns del $P 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add $P 2>/dev/null || skip "cannot create network namespaces"
ip -n $P link add ${P}a type veth peer name ${P}b 2>/dev/null || skip "no veth support"
ip -n $P link set ${P}a up && ip -n $P link set ${P}b up || fail "veth up"
ip -n $P link set dev ${P}a xdpdrv obj "$B/bpf/xsk_redirect.bpf.o" sec xdp 2>/dev/null ||
	skip "no native XDP on veth"
ip netns del $P

# options of the other back end are usage errors, with what is wrong
"$BENCH" steer --real --warmup 1 >/dev/null 2>"$T/e1"
rc=$?
[ $rc -eq 2 ] || fail "steer --real --warmup 1 exited $rc, not 2"
[ "$(cat "$T/e1")" = "tenet-bench steer --real: --warmup is for the software back end only" ] ||
	fail "steer --real --warmup: '$(cat "$T/e1")'"
"$BENCH" steer --duration 1 >/dev/null 2>"$T/e2"
rc=$?
[ $rc -eq 2 ] && [ "$(cat "$T/e2")" = "tenet-bench steer: --duration is for --real only" ] ||
	fail "steer --duration without --real: exit $rc, '$(cat "$T/e2")'"
"$BENCH" scan --scenarios wire >/dev/null 2>"$T/e3"
rc=$?
[ $rc -eq 2 ] && [ "$(cat "$T/e3")" = "tenet-bench scan: scenario wire is for --real only" ] ||
	fail "scan --scenarios wire without --real: exit $rc, '$(cat "$T/e3")'"
"$BENCH" steer --real --help | grep -q -- "--duration S" || fail "steer --real --help"
echo "ok: back-end options refused with their reason"

before=$(ip netns list | grep -c '^tnb[0-9]')

# steer: two modes, one size, paced, 1 s each
"$BENCH" steer --real --sizes 64 --steer nic,cpu --rate 20000 --duration 1 --reps 1 --json \
	>"$T/steer.json" 2>"$T/steer.err" || fail "steer --real exited $? ($(tail -n 5 "$T/steer.err"))"
check "steer --real: one row per mode, the software run's fields and the back end's" \
	'len(j) == 2 and sorted(r["steer"] for r in j) == ["cpu", "nic"] and all(k in r for r in j
	for k in ["bench", "load", "steer", "size", "hops", "tenants", "mpps", "gbps", "offered_mpps",
	"loss_pct", "host_ns_per_pkt", "dispatch_ns_per_pkt", "nf_ns_per_pkt", "copies_per_pkt",
	"mpps_min", "mpps_max", "lat_p50_us", "lat_p99_us", "reps", "conserved", "backend",
	"rate_pps", "unseen_pct", "port_ns_per_pkt", "softirq_ns_per_pkt", "sent", "packets_in",
	"delivered", "send_s"]) and all(r["bench"] == "steer" and r["backend"] == "real" and
	r["size"] == 64 and r["rate_pps"] == 20000 and r["reps"] == 1 for r in j)' "$T/steer.json"
check "steer --real: conserved, delivered <= counted in <= sent, sent > 0" \
	'all(r["conserved"] is True and r["sent"] > 0 and
	0 <= r["delivered"] <= r["packets_in"] <= r["sent"] for r in j)' "$T/steer.json"
check "steer --real: loss and rates are sent vs delivered over the send time" \
	'all(abs(r["loss_pct"] - 100 * (r["sent"] - r["delivered"]) / r["sent"]) < 0.01 and
	abs(r["mpps"] * r["send_s"] * 1e6 - r["delivered"]) <= 0.001 * r["sent"] + 1 and
	r["mpps"] <= r["offered_mpps"] + 1e-6 and r["mpps_min"] == r["mpps"] == r["mpps_max"]
	for r in j)' "$T/steer.json"
check "steer --real: ingress copies of the mode (nic 1, cpu 2), host CPU split" \
	'all(r["copies_per_pkt"] >= {"nic": 1, "cpu": 2}[r["steer"]] and
	(r["delivered"] == 0 or abs(r["host_ns_per_pkt"] - r["dispatch_ns_per_pkt"] -
	r["nf_ns_per_pkt"]) < 1) for r in j)' "$T/steer.json"
echo "ok: steer --real"

# scan: the wire baseline and the XDP scan, one size, 2000 frames each
"$BENCH" scan --real --sizes 512 --scenarios wire,nic-scan --rate 20000 --count 2000 \
	--fraction 0.1 --reps 1 --json >"$T/scan.json" 2>"$T/scan.err" ||
	fail "scan --real exited $? ($(tail -n 5 "$T/scan.err"))"
check "scan --real: one row per scenario, the software run's fields and the back end's" \
	'[r["scenario"] for r in j] == ["wire", "nic-scan"] and all(k in r for r in j for k in
	["bench", "scenario", "size", "rate_pps", "lat_p50_us", "lat_p99_us", "lat_p999_us",
	"lat_max_us", "scan_drop_pct", "loss_pct", "host_ns_per_pkt", "offered_pps", "reps",
	"conserved", "backend", "lat_min_us", "lat_mean_us", "p50_minus_wire_us", "frames",
	"expected", "port_ns_per_pkt"]) and all(r["backend"] == "real" and r["size"] == 512
	for r in j)' "$T/scan.json"
check "scan --real: frames back <= expected, loss is of those, latencies ordered" \
	'all(r["conserved"] is True and 0 < r["frames"] <= r["expected"] and
	abs(r["loss_pct"] - 100 * (r["expected"] - r["frames"]) / r["expected"]) < 0.01 and
	r["lat_min_us"] <= r["lat_p50_us"] <= r["lat_p99_us"] <= r["lat_max_us"] for r in j)' \
	"$T/scan.json"
check "scan --real: wire sends all back, the XDP scan drops the pattern frames" \
	'j[0]["expected"] == 2000 and j[0]["scan_drop_pct"] == 0 and
	j[0]["p50_minus_wire_us"] is None and j[1]["expected"] < 2000 and
	0 < j[1]["scan_drop_pct"] < 50 and
	abs(j[1]["p50_minus_wire_us"] - (j[1]["lat_p50_us"] - j[0]["lat_p50_us"])) < 0.01' \
	"$T/scan.json"
echo "ok: scan --real"

after=$(ip netns list | grep -c '^tnb[0-9]')
[ "$after" -le "$before" ] || fail "tenet-bench --real left namespaces: $(ip netns list | grep '^tnb')"
echo "ok: tenet-bench --real"
