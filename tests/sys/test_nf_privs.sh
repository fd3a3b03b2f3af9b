#!/bin/sh
# An NF started as another user inherits nothing of the manager's. The
# manager runs with two supplementary groups and an fd it was given
# without close-on-exec (a secret file), and has pcap files open for a
# port. Alice's NF runs as nobody:nogroup and reports, right after exec
# and again after attaching, every open fd (with its device and inode)
# and its ids: right after exec it has fds 0-2 and nothing else; after
# attaching, the only open files it shares with the manager are its own
# tenant's pool and its own rings (no port file, no secret, no manager
# socket, nothing of bob's); its uid and gid are nobody's (real, effective,
# saved) and it has no supplementary group. (Open files are compared with
# kcmp, as the same open file description, not by name.) Bob's traffic in the same run
# is delivered complete, alice's NF carries its traffic, and the manager
# stops with an exact summary.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root to start an NF as another user"
NOBODY=65534
getent passwd $NOBODY >/dev/null || skip "no user $NOBODY on this host"
chmod 755 "$T"
mkdir -m 1777 "$T/out"
# a pcap file of 100 UDP frames for bob, and a capture file the port writes
python3 - "$T/in.pcap" <<'PY'
import struct, sys
eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
ip = bytes.fromhex("4500002e000000004011") + b"\x00\x00" + bytes([10, 3, 0, 1, 10, 4, 0, 1])
udp = struct.pack(">HHHH", 1000, 2000, 26, 0) + b"x" * 18
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i in range(100):
        frame = eth + ip + udp
        f.write(struct.pack("<IIII", 1, i, len(frame), len(frame)) + frame)
PY
echo "the manager's secret" >"$T/secret"
cat >"$T/p.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 20000, duration: 4, size: [64, 512],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 32},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 32}]}
  - {name: cap0, driver: pcap, in: $T/in.pcap, out: $T/out.pcap}
  - {name: sink0, driver: sink}
tenants:
  - {name: alice, uid: $NOBODY, gid: $NOBODY}
  - {name: bob}
services:
  - {name: report, tenant: alice, command: "$B/tests/nf_fdreport --out $T/out/alice"}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/report], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
YAML
# the manager starts with supplementary groups 4242 and 4343 and the secret
# open on fd 9 without close-on-exec, as a careless parent would leave it
python3 - "$TENET" "$T/secret" "$T/mgr.pid" run "$T/p.yaml" --quiet --summary "$T/s.json" \
	>"$T/mgr.log" 2>&1 <<'PY' &
import os, sys
tenet, secret, pidfile = sys.argv[1:4]
os.setgroups([4242, 4343])
fd = os.open(secret, os.O_RDONLY)
os.dup2(fd, 9, inheritable=True)
with open(pidfile, "w") as f:
    f.write(str(os.getpid()))
os.execv(tenet, [tenet] + sys.argv[4:])
PY
runner=$!
for i in $(seq 100); do [ -f "$T/out/alice.post" ] && break; sleep 0.1; done
[ -f "$T/out/alice.post" ] || fail "alice's NF did not attach ($(tail -n 5 "$T/mgr.log"))"
mgr=$(cat "$T/mgr.pid")
nf=$(sed -n 's/^pid //p' "$T/out/alice.post")
# which of the NF's fds (3 and up) are the same open file as one of the
# manager's (kcmp KCMP_FILE): print the manager fd's target for each
python3 - "$mgr" "$nf" >"$T/shared" <<'PY'
import ctypes, os, platform, sys
nr = {"x86_64": 312, "aarch64": 272}.get(platform.machine())
if nr is None:
    print("SKIP no kcmp number for " + platform.machine())
    sys.exit(0)
libc = ctypes.CDLL(None, use_errno=True)
mgr, nf = int(sys.argv[1]), int(sys.argv[2])
mfds = [int(x) for x in os.listdir("/proc/%d/fd" % mgr)]
for n in sorted(int(x) for x in os.listdir("/proc/%d/fd" % nf)):
    if n < 3:
        continue
    for m in mfds:
        if libc.syscall(nr, mgr, nf, 0, m, n) == 0:  # KCMP_FILE
            print(os.readlink("/proc/%d/fd/%d" % (mgr, m)))
            break
PY
grep -q '^SKIP' "$T/shared" && skip "$(sed 's/^SKIP //' "$T/shared")"
ls -l "/proc/$mgr/fd" | grep -q secret || fail "the manager does not hold the secret (test set-up)"
ls -l "/proc/$mgr/fd" | grep -q out.pcap || fail "the manager does not hold the pcap file open (test set-up)"
echo "info: alice's NF right after exec:"
sed 's/^/  /' "$T/out/alice.pre"
echo "info: alice's NF after attaching:"
sed 's/^/  /' "$T/out/alice.post"
fds=$(awk '$1 == "fd" {print $2}' "$T/out/alice.pre" | sort -n | tr '\n' ' ')
[ "$fds" = "0 1 2 " ] || fail "alice's NF started with fds $fds; expected 0 1 2 only"
echo "ok: right after exec the NF has fds 0, 1, 2 and nothing else"
shared=$(sort "$T/shared")
echo "info: open files shared with the manager: $(echo "$shared" | tr '\n' ',')"
echo "$shared" | grep -qv -e '^/memfd:alice (deleted)$' -e '^/memfd:tenet-rings (deleted)$' &&
	fail "alice's NF shares other open files with the manager: $shared"
[ "$(echo "$shared" | grep -c '^/memfd:alice ')" -eq 1 ] || fail "alice's pool not shared exactly once"
[ "$(echo "$shared" | grep -c 'tenet-rings')" -le 1 ] || fail "more than one rings memfd shared"
grep -e secret -e pcap -e 'memfd:bob' "$T/out/alice.post" && fail "a file of the manager or of bob reached alice's NF"
echo "ok: after attaching it shares only its own pool (and at most its rings) with the manager"
grep -qx "uid $NOBODY $NOBODY $NOBODY" "$T/out/alice.post" || fail "uid: $(grep ^uid "$T/out/alice.post")"
grep -qx "gid $NOBODY $NOBODY $NOBODY" "$T/out/alice.post" || fail "gid: $(grep ^gid "$T/out/alice.post")"
grep -qx "groups 0" "$T/out/alice.post" ||
	fail "alice's NF kept supplementary groups: $(grep ^groups "$T/out/alice.post")"
echo "ok: uid and gid $NOBODY (real, effective, saved), no supplementary group"
wait $runner || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
check "every packet accounted" 'j["conserved"]' "$S"
check "alice's NF (as nobody) carried alice's traffic" \
	'j["tenants"]["alice"]["delivered"] > 0 and j["services"]["alice/report"]["restarts"] == 0' "$S"
check "bob: every packet the generator and the pcap file sent for bob delivered, but for load drops" \
	'0 <= j["ports"]["gen0"]["driver_stats"]["groups"][1] + 100 - j["tenants"]["bob"]["delivered"] <= j["dropped"]["nf_rx_full"] + j["dropped"]["no_buffer"] + j["dropped"]["tx_full"] and j["tenants"]["bob"]["in"] == j["tenants"]["bob"]["delivered"] + j["tenants"]["bob"]["dropped"] and j["tenants"]["bob"]["delivered"] > 0' "$S"
tenant_drops_only bob "$S" nf_rx_full no_buffer tx_full
sink='j["ports"]["sink0"]["driver_stats"]'
check "bob: all checksums right at the sink" \
	"[t for t in $sink['tenants'] if t['tenant'] == 1][0]['csum_bad'] == 0" "$S"
