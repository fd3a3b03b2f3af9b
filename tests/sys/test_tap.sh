#!/bin/sh
# tenet ctl tap: a pcap stream of the packets at a hop of a chain, read by
# tcpdump. Checks which packets each HOP shows (the probe NFs rewrite the
# last byte at each hop: 0 before hop 1, 1 after it, 2 after hop 2), the
# frames' addresses, ports and lengths, errors for a bad chain or hop and
# beyond 4 taps, Ctrl-C, a client killed or a reader that stops reading
# (the tap drops and counts copies; other tenants' traffic and the manager
# are unaffected), and that taps change nothing in the accounting.
. "$(dirname "$0")/lib.sh"
command -v tcpdump >/dev/null 2>&1 || skip "tcpdump not installed (apt-get install tcpdump)"
P="$B/tests/nf_probe"
cat >"$T/tap.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 4000, duration: 120, size: 128,
     flows: [{src: 10.1.0.1/32, dst: 10.2.0.2/32, sport: 1000, dport: 80},
             {src: 10.3.0.3/32, dst: 10.4.0.4/32, proto: tcp, sport: 2000, dport: 443}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}, {name: carol}]
services:
  - {name: p1, tenant: alice, command: "$P --mark 1 --out $T/p1"}
  - {name: p2, tenant: bob, command: "$P --mark 2 --expect 1 --out $T/p2"}
  - {name: fwd, tenant: carol, command: "$B/nf/fwd"}
chains:
  - {name: web, match: {src: 10.1.0.0/16}, hops: [alice/p1, bob/p2], output: sink0}
  - {name: other, match: {src: 10.3.0.0/16}, hops: [carol/fwd], output: sink0}
YAML
"$TENET" run "$T/tap.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 &
mgr=$!
trap 'kill $mgr 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
CTL="$TENET ctl --config $T/tap.yaml"
for i in $(seq 50); do [ -S "$T/sock/ctl.sock" ] && break; sleep 0.1; done
for i in $(seq 50); do
	[ "$($CTL chains | awk '$1 == "web" {print $NF}')" -gt 100 ] 2>/dev/null && break
	sleep 0.1
done

# pcapcheck FILE N MARK: N frames of the web flow, whole, with the last byte MARK
pcapcheck() {
	python3 - "$@" <<'PY' || fail "pcap check of $1"
import struct, sys
path, n, mark = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = open(path, 'rb').read()
magic, vmaj, vmin, _, _, snap, link = struct.unpack('<IHHiIII', b[:24])
assert magic == 0xa1b23c4d, 'not a nanosecond pcap: %x' % magic
assert (vmaj, vmin, link) == (2, 4, 1), (vmaj, vmin, link)
off, k, last = 24, 0, 0
while off < len(b):
    sec, nsec, cap, ln = struct.unpack('<IIII', b[off:off + 16])
    f = b[off + 16:off + 16 + cap]
    off += 16 + cap
    k += 1
    assert nsec < 10**9 and sec * 10**9 + nsec >= last, 'timestamps'
    last = sec * 10**9 + nsec
    assert cap == ln == 124 == len(f), 'frame %d: caplen %d len %d' % (k, cap, ln)
    assert f[0:12] == bytes.fromhex('020000000002020000000001'), 'MACs'
    assert f[12:14] == b'\x08\x00' and f[23] == 17, 'not IPv4/UDP'
    assert f[26:34] == bytes([10, 1, 0, 1, 10, 2, 0, 2]), 'addresses'
    assert struct.unpack('>HH', f[34:38]) == (1000, 80), 'ports'
    assert f[-1] == mark, 'frame %d: last byte %d, expected %d' % (k, f[-1], mark)
assert k == n, '%d frames, expected %d' % (k, n)
print('ok: %s: %d frames, 124 bytes, 10.1.0.1:1000 > 10.2.0.2:80 UDP, mark %d' % (path, n, mark))
PY
}

# hop 2: the packets handed to bob/p2, after alice/p1 marked them 1
$CTL tap web:2 --count 20 2>"$T/hop2.err" | tee "$T/hop2.pcap" | tcpdump -nr - -e >"$T/hop2.txt" 2>"$T/tcpdump.err" ||
	fail "tap web:2 | tcpdump failed: $(cat "$T/hop2.err" "$T/tcpdump.err")"
[ "$(wc -l <"$T/hop2.txt")" -eq 20 ] || fail "tcpdump read $(wc -l <"$T/hop2.txt") frames, expected 20: $(cat "$T/hop2.txt" "$T/hop2.err")"
n=$(grep -c '02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 124: 10.1.0.1.1000 > 10.2.0.2.80: UDP, length 82$' "$T/hop2.txt")
[ "$n" -eq 20 ] || fail "tcpdump: $n of 20 frames as generated: $(head -n 3 "$T/hop2.txt")"
grep -q 'reading from file -, link-type EN10MB (Ethernet), snapshot length 2048' "$T/tcpdump.err" ||
	fail "tcpdump header: $(cat "$T/tcpdump.err")"
grep -q '^tenet ctl tap: 20 packets, [0-9]* dropped (count reached)$' "$T/hop2.err" ||
	fail "tap end line: $(cat "$T/hop2.err")"
echo "ok: tap web:2 --count 20 | tcpdump: 20 frames ($(head -n 1 "$T/hop2.txt" | cut -d' ' -f2-))"
pcapcheck "$T/hop2.pcap" 20 1
# no HOP: hop 1, before alice/p1; 'out' and 3 (= hops + 1): what the chain sends out
$CTL tap web --count 10 >"$T/hop1.pcap" 2>"$T/hop1.err" || fail "tap web: $(cat "$T/hop1.err")"
pcapcheck "$T/hop1.pcap" 10 0
$CTL tap web:1 --count 10 >"$T/hop1b.pcap" 2>/dev/null || fail "tap web:1"
pcapcheck "$T/hop1b.pcap" 10 0
$CTL tap web:out --count 10 >"$T/out.pcap" 2>"$T/out.err" || fail "tap web:out: $(cat "$T/out.err")"
pcapcheck "$T/out.pcap" 10 2
$CTL tap web:3 --count=5 >"$T/out3.pcap" 2>/dev/null || fail "tap web:3"
pcapcheck "$T/out3.pcap" 5 2
n=$($CTL tap other:out --count 7 2>/dev/null | tcpdump -nr - 2>/dev/null |
	grep -c 'IP 10.3.0.3.2000 > 10.4.0.4.443: Flags')
[ "$n" -eq 7 ] || fail "tap other:out: $n of 7 TCP frames"
echo "ok: tap other:out: 7 frames of the other tenant's TCP flow"

# errors: exit status non-zero, one clear line on stderr, nothing on stdout
experr() { # PATTERN ARGS...
	pat=$1
	shift
	$CTL tap "$@" >"$T/e.out" 2>"$T/e.err" && fail "tap $* was accepted"
	[ ! -s "$T/e.out" ] || fail "tap $*: wrote to stdout"
	grep -q "$pat" "$T/e.err" || fail "tap $*: expected '$pat', got: $(cat "$T/e.err")"
	echo "ok: tap $*: $(cat "$T/e.err")"
}
experr "error: no chain 'nosuch'; expected a name" nosuch:1
experr "error: chain web has 2 hop(s), no hop 4; expected 1 to 2, or 3 or 'out'" web:4
experr "error: bad tap hop '0'" web:0
experr "error: bad tap hop 'x'" web:x
experr "error: bad chain name 'web!'" 'web!:1'
experr "error: byte \\\\x1b at column 6 of 'tap w\\\\x1bb'" "$(printf 'w\033b')"
experr "^usage: tenet ctl" web extra
experr "count wants a number" web --count 0
out=$(python3 -c 'import pty, subprocess, sys
m, s = pty.openpty()
r = subprocess.run(sys.argv[1:], stdout=s, stderr=subprocess.PIPE)
print(r.returncode, r.stderr.decode().strip())' $CTL tap web:1)
case $out in
"2 tenet ctl tap: stdout is a terminal;"*) echo "ok: pcap to a terminal refused: $out" ;;
*) fail "a tap to a terminal: $out" ;;
esac

# at most 4 taps at once; a tap whose client is killed ends and frees its slot
taps_started() { $CTL stats | sed -n 's/^taps: \([0-9]*\) started.*/\1/p'; }
s0=$(taps_started)
pids=""
for h in web:1 web:2 web:out other; do
	$CTL tap $h >/dev/null 2>&1 &
	pids="$pids $!"
done
for i in $(seq 50); do # until all 4 are in (a loaded machine may be slow)
	[ "$(taps_started)" -ge $((s0 + 4)) ] && break
	sleep 0.2
done
experr "error: 4 taps are running; expected at most 4" web:2
kill -9 $pids
wait $pids 2>/dev/null
sleep 0.3
$CTL tap web:2 --count 3 >"$T/after.pcap" 2>/dev/null || fail "no tap after the 4 clients were killed"
pcapcheck "$T/after.pcap" 3 1
echo "ok: 4 taps at once, a 5th refused; killed clients free their slots"

# Ctrl-C: the client asks the manager to end the tap and still gets the end line
$CTL tap web:2 >"$T/int.pcap" 2>"$T/int.err" &
tp=$!
sleep 1
kill -INT $tp
wait $tp || fail "tap after SIGINT exited $?: $(cat "$T/int.err")"
grep -q 'packets, [0-9]* dropped (stopped by the client)$' "$T/int.err" || fail "SIGINT: $(cat "$T/int.err")"
n=$(tcpdump -nr "$T/int.pcap" 2>/dev/null | wc -l)
[ "$n" -gt 100 ] || fail "SIGINT: $n frames in the file"
echo "ok: Ctrl-C ends the stream cleanly: $n frames, $(cat "$T/int.err")"

# a reader that never reads: the client blocks on a full pipe, the manager's
# buffer and the tap's ring fill, and the dispatcher drops copies (counted);
# every tenant's traffic keeps flowing and the manager answers
mkfifo "$T/fifo"
sleep 60 <"$T/fifo" &
rd=$!
$CTL tap web:2 >"$T/fifo" 2>"$T/slow.err" &
tp=$!
drops=0
for i in $(seq 100); do
	drops=$($CTL stats | sed -n 's/^taps: .* \([0-9]*\) copies dropped.*/\1/p')
	[ "${drops:-0}" -gt 0 ] && break
	sleep 0.2
done
[ "${drops:-0}" -gt 0 ] || fail "no tap drops counted with a stuck reader: $($CTL stats | grep taps)"
d0=$($CTL tenants | awk '{d[$1] = $5} END {print d["alice"], d["carol"]}')
sleep 1
d1=$($CTL tenants | awk '{d[$1] = $5} END {print d["alice"], d["carol"]}')
set -- $d0 $d1
[ "$3" -gt $(($1 + 100)) ] && [ "$4" -gt $(($2 + 100)) ] ||
	fail "delivery stalled behind a stuck tap reader: alice $1 -> $3, carol $2 -> $4"
echo "ok: a stuck reader: $drops copies dropped, delivery goes on (alice $1 -> $3, carol $2 -> $4 in 1 s)"
$CTL nfs | grep -q 'carol/fwd#0' || fail "manager unresponsive with a stuck tap reader"
kill $rd # the reader goes away: EPIPE in the client, which closes; the tap ends
wait $tp || fail "tap with a vanished reader exited $?: $(cat "$T/slow.err")"
grep -q 'the reader went away after' "$T/slow.err" || fail "vanished reader: $(cat "$T/slow.err")"
echo "ok: $(cat "$T/slow.err")"
sleep 0.3
$CTL tap web:out --count 2 >/dev/null 2>&1 || fail "no tap after the stuck one"

kill -TERM $mgr
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
check "every packet accounted with taps running" \
	'j["conserved"] and j["packets_in"] == j["delivered"] + j["dropped_total"]' "$S"
for tn in alice bob carol; do
	tenant_drops_only $tn "$S" nf_rx_full no_buffer tx_full shutdown
done
check "taps counted in the summary (started, streamed, dropped copies)" \
	'j["ctl"]["taps"] >= 12 and j["ctl"]["tap_packets"] > 200 and j["ctl"]["tap_dropped"] > 0' "$S"
echo "info: ctl $(json "$S" 'j["ctl"]')"
