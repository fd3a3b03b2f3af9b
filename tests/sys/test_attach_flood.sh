#!/bin/sh
# Finding F: a flood of connections that never say hello on alice's
# control socket (hundreds open, reopened as the manager closes them) must
# not keep bob's NFs from attaching: pending attaches have a budget per
# tenant. During the flood bob's supervised NF is killed; the restarted
# one must attach and carry bob's traffic (delivered intact), a second bob
# service attaches by hand, and alice's flood is refused with a clear
# message naming alice.
. "$(dirname "$0")/lib.sh"
C="$B/tests/attach_client"
cat >"$T/fl.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 10000, duration: 7, size: [64, 512],
     flows: [{src: 10.3.0.0/16, dst: 10.4.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 64}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: fwd, tenant: alice}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
  - {name: mon, tenant: bob}
chains:
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
YAML
"$TENET" run "$T/fl.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 &
mgr=$!
for i in $(seq 50); do [ -S "$T/sock/alice.sock" ] && break; sleep 0.1; done
python3 - "$T/sock/alice.sock" "$T/flood" <<'PY' &
import socket, sys, time
path, out = sys.argv[1], sys.argv[2]
held, made, end = [], 0, time.time() + 5
while time.time() < end:
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.setblocking(False)
        s.connect(path)
        held.append(s)
        made += 1
    except OSError:
        s.close()
    if len(held) > 400:
        held.pop(0).close()
    time.sleep(0.001)
open(out, "w").write("%d\n" % made)
PY
flood=$!
# on failure, take the flood and the manager down with the test
trap 'kill $flood $mgr 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
sleep 1
victim=$(pgrep -P $mgr -f "$B/nf/fwd" | head -n 1)
[ -n "$victim" ] || fail "bob's NF is not running"
kill -9 "$victim"
echo "info: killed bob/fwd (pid $victim) during the flood"
sleep 0.5
out=$(HOLD_MS=100 timeout 5 "$C" "$T/sock/bob.sock" mon)
[ "$out" = "ok bob/mon#0" ] || fail "bob's attach during alice's flood: '$out'"
echo "ok: bob attaches during alice's flood: $out"
for i in $(seq 40); do grep -q "NF bob/fwd#0 attached" "$T/mgr.log" && [ "$(grep -c "NF bob/fwd#0 attached" "$T/mgr.log")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c "NF bob/fwd#0 attached" "$T/mgr.log")" -ge 2 ] || fail "bob's restarted NF did not re-attach during the flood"
echo "ok: bob's restarted NF re-attached during the flood"
wait $flood
echo "info: alice's flood opened $(cat "$T/flood") connections"
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
grep -q "attach refused: tenant alice has 8 attachments in progress" "$T/mgr.log" ||
	fail "alice's flood was not refused with a clear message"
echo "ok: alice's flood refused: $(grep -m1 "tenant alice has 8 attachments" "$T/mgr.log")"
S="$T/s.json"
check "every packet accounted" 'j["conserved"]' "$S"
check "bob's restarted NF carried traffic" \
	'len([n for n in j["nfs"] if n["service"] == "bob/fwd"]) >= 2 and [n for n in j["nfs"] if n["service"] == "bob/fwd"][-1]["tx"] > 0' "$S"
sink='j["ports"]["sink0"]["driver_stats"]'
check "bob: delivered packets all arrived with checksums right" \
	"j['tenants']['bob']['delivered'] > 0 and [t for t in $sink['tenants'] if t['tenant'] == 1][0]['packets'] == j['tenants']['bob']['delivered'] and [t for t in $sink['tenants'] if t['tenant'] == 1][0]['csum_bad'] == 0" "$S"
check "bob: nothing lost but what the killed NF held, the gap before its restart, and load drops" \
	'j["tenants"]["bob"]["in"] == j["tenants"]["bob"]["delivered"] + j["tenants"]["bob"]["dropped"] and j["tenants"]["bob"]["dropped"] <= j["dropped"]["nf_gone"] + j["dropped"]["no_instance"] + j["dropped"]["nf_rx_full"] + j["dropped"]["no_buffer"] + j["dropped"]["tx_full"]' "$S"
tenant_drops_only bob "$S" nf_rx_full no_buffer tx_full nf_gone no_instance
echo "info: bob dropped $(json "$S" 'j["tenants"]["bob"]["dropped"]') ($(json "$S" '{k: j["dropped"][k] for k in ("nf_gone", "no_instance", "nf_rx_full", "no_buffer", "tx_full")}'))"
