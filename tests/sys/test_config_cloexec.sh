#!/bin/sh
# Files the config makes the manager open never reach an NF: while a run
# replays a pcap input into a pcap output, every descriptor of the manager
# on either capture file (and every other one) is close-on-exec, none is
# left open on the config or the pattern file, and no NF process holds any
# of them.
. "$(dirname "$0")/lib.sh"
[ -d /proc/self/fdinfo ] || skip "needs /proc/PID/fdinfo"
python3 - "$T/in.pcap" <<'PY' || fail "cannot write the input capture"
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(64):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 86, i, 0, 64, 17, 0, bytes([10, 1, 0, i]), bytes([10, 2, 0, 1]))
        fr = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + struct.pack("!HHHH", 1000, 2000, 66, 0) + bytes(58)
        f.write(struct.pack("<IIII", 0, i, len(fr), len(fr)) + fr)
PY
printf 'attack\n' >"$T/pat.txt"
cat >"$T/c.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: wire, driver: pcap, in: $T/in.pcap, loop: true, rate: 2000, duration: 30}
  - {name: out, driver: pcap, out: $T/out.pcap}
tenants: [{name: alice}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd", patterns: $T/pat.txt}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], output: out}
YAML
# descriptors this shell passes down (same number, same open file) are not
# the manager's own: skipped below
inherited=" "
for f in /proc/$$/fd/*; do
	l=$(readlink "$f" 2>/dev/null) && inherited="$inherited${f##*/}=$l "
done
"$TENET" run "$T/c.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 &
mgr=$!
for i in $(seq 100); do grep -q "attached (id 1" "$T/mgr.log" && break; sleep 0.1; done
grep -q "attached (id 1" "$T/mgr.log" || { kill $mgr; fail "the NF did not attach: $(tail -n 3 "$T/mgr.log")"; }
sleep 0.5
# fds PID: "FD FLAGS TARGET" for every fd of PID on one of our files
fds() {
	for l in /proc/$1/fd/*; do
		t=$(readlink "$l" 2>/dev/null) || continue
		case "$t" in "$T/in.pcap" | "$T/out.pcap" | "$T/c.yaml" | "$T/pat.txt")
			echo "${l##*/} $(sed -n 's/^flags:[[:space:]]*//p' /proc/$1/fdinfo/${l##*/}) $t" ;;
		esac
	done
}
m=$(fds $mgr)
nocloexec=""
for f in /proc/$mgr/fdinfo/*; do
	fd=${f##*/}
	[ "$fd" -gt 2 ] || continue
	case "$inherited" in *" $fd=$(readlink /proc/$mgr/fd/$fd) "*) continue ;; esac
	fl=$(sed -n 's/^flags:[[:space:]]*//p' "$f" 2>/dev/null) || continue
	[ -n "$fl" ] || continue
	[ $((0$fl & 02000000)) -ne 0 ] || nocloexec="$nocloexec $fd=$(readlink /proc/$mgr/fd/$fd)"
done
nf=$(pgrep -P $mgr)
kids=""
for p in $nf; do kids="$kids$(fds $p)"; done
kill -INT $mgr
wait $mgr || fail "manager exited $? ($(tail -n 3 "$T/mgr.log"))"
echo "info: manager's fds on the files: $(echo "$m" | tr '\n' ';')"
echo "$m" | grep -q " $T/in.pcap$" || fail "no descriptor on the input capture found (the check would see nothing)"
echo "$m" | grep -q " $T/out.pcap$" || fail "no descriptor on the output capture found (the check would see nothing)"
echo "$m" | while read -r fd flags target; do
	[ $((0$flags & 02000000)) -ne 0 ] || { echo "FAIL: fd $fd on $target is not close-on-exec (flags $flags)"; exit 1; }
done || exit 1
echo "ok: every manager descriptor on the capture files is close-on-exec"
[ -z "$nocloexec" ] || fail "manager descriptors without close-on-exec:$nocloexec"
echo "ok: so is every other descriptor of the manager"
echo "$m" | grep -qE " $T/(c.yaml|pat.txt)$" && fail "the manager keeps the config or pattern file open: $m"
echo "ok: the config and pattern files are closed once read"
[ -n "$nf" ] || fail "no NF process found"
[ -z "$kids" ] || fail "an NF holds a manager file: $kids"
echo "ok: the NF ($nf) holds none of them"
check "the run itself was sound" 'j["conserved"] and j["delivered"] > 0' "$T/s.json"
