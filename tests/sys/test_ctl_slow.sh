#!/bin/sh
# Slow ctl clients cannot stall the control thread. Twenty clients (more
# than the manager keeps open at once) each write one byte every 0.9 s and
# reconnect whenever the manager closes them, for about 11 s. Meanwhile
# bob's NF is killed: the supervisor must restart it and the new instance
# must attach, and `tenet ctl` requests must be answered, all before the
# slow clients are done. Alice's traffic is delivered complete with every
# checksum right, every slow connection was closed by the manager (timed
# out or evicted, and counted), requests sent during a flood of idle
# connections are answered, and the manager stops with an exact summary.
. "$(dirname "$0")/lib.sh"
P="$B/tests/nf_probe"
cat >"$T/c.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 20000, duration: 18, size: [64, 512],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 32},
             {src: 10.9.0.0/16, dst: 10.2.0.0/16, proto: udp, count: 32}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: probe, tenant: bob, command: "$P --mark 7 --out $T/bob"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], output: sink0}
  - {name: b, match: {src: 10.9.0.0/16}, hops: [bob/probe], output: sink0}
YAML
cat >"$T/slow.py" <<'PY'
import os, socket, sys, time
path, marker, n, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
opened = closed = 0
def connect():
    global opened
    s = socket.socket(socket.AF_UNIX)
    s.setblocking(False)
    try:
        s.connect(path)
    except OSError:
        s.close()
        return None  # backlog full: try again next round
    opened += 1
    return s
def gone(s):
    try:
        return s.recv(4096) == b""  # the manager closed it without a reply
    except BlockingIOError:
        return False
    except OSError:
        return True
conns = [connect() for _ in range(n)]
for r in range(rounds):
    for i, s in enumerate(conns):
        if s is None:
            conns[i] = connect()
            continue
        try:
            dead = gone(s) or s.send(b"x") != 1
        except BlockingIOError:
            dead = False
        except OSError:
            dead = True
        if dead:
            closed += 1
            s.close()
            conns[i] = connect()
    time.sleep(0.9)
for s in conns:
    if s is not None:
        s.close()
with open(marker + ".tmp", "w") as f:
    f.write("opened %d\nclosed %d\n" % (opened, closed))
os.rename(marker + ".tmp", marker)
PY
"$TENET" run "$T/c.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 &
mgr=$!
CTL="timeout 30 $TENET ctl --config $T/c.yaml"
for i in $(seq 100); do
	$CTL nfs 2>/dev/null | grep -q 'bob/probe#0' && break
	sleep 0.1
done
old=$($CTL nfs | awk '/bob\/probe#0/ {print $3}')
[ -n "$old" ] || fail "bob's NF did not attach ($(tail -n 3 "$T/mgr.log"))"
python3 "$T/slow.py" "$T/sock/ctl.sock" "$T/slow.done" 20 12 &
slow=$!
sleep 1
kill -9 "$old" || fail "cannot kill bob's NF (pid $old)"
echo "killed bob/probe pid $old while 20 slow ctl clients are connected"
new=""
while [ ! -f "$T/slow.done" ]; do
	new=$($CTL nfs 2>/dev/null | awk '/bob\/probe#0/ {print $3}')
	[ -n "$new" ] && [ "$new" != "$old" ] && break
	new=""
	sleep 0.2
done
[ -n "$new" ] && [ ! -f "$T/slow.done" ] ||
	fail "bob's NF was not restarted and attached before the slow clients finished"
echo "ok: bob's NF restarted and re-attached (pid $new) while the slow clients write"
out=$($CTL tenants) || fail "tenants: $out"
echo "$out" | grep -q '^alice' || fail "tenants listing: $out"
out=$($CTL rule del -1) && fail "'rule del -1' accepted: $out"
[ -f "$T/slow.done" ] && fail "ctl requests were not answered before the slow clients finished"
echo "ok: ctl requests answered while the slow clients write"
wait $slow || fail "slow clients: python exited $?"
cat "$T/slow.done"
opened=$(sed -n 's/^opened //p' "$T/slow.done")
closed=$(sed -n 's/^closed //p' "$T/slow.done")
[ "$closed" -ge 20 ] || fail "only $closed of $opened slow connections were closed by the manager"
echo "ok: the manager closed $closed of the $opened slow connections"
# a connection flood: clients that connect as fast as they can and say
# nothing; requests sent meanwhile are answered all the same
cat >"$T/flood.py" <<'PY'
import socket, sys, time
path, secs = sys.argv[1], float(sys.argv[2])
socks, n, end = [], 0, time.time() + secs
while time.time() < end:
    s = socket.socket(socket.AF_UNIX)
    s.setblocking(False)
    try:
        s.connect(path)
    except OSError:
        s.close()
        continue
    n += 1
    socks.append(s)
    if len(socks) > 400:
        socks.pop(0).close()
print(n)
PY
python3 "$T/flood.py" "$T/sock/ctl.sock" 4 >"$T/flood.n" &
flood=$!
sleep 0.5
for i in $(seq 10); do
	out=$($CTL tenants 2>&1) || fail "request $i during the connection flood: $out"
	echo "$out" | grep -q '^alice' || fail "request $i during the connection flood: $out"
done
wait $flood
echo "ok: 10 requests answered during a flood of $(cat "$T/flood.n") idle connections"
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
check "every packet accounted" 'j["conserved"]' "$S"
check "slow connections closed by the manager and counted" \
	"j['ctl']['timeouts'] + j['ctl']['evicted'] >= $closed" "$S"
check "both limits at work: connections past the deadline, and the oldest evicted when 16 were open" \
	'j["ctl"]["timeouts"] > 0 and j["ctl"]["evicted"] > 0' "$S"
echo "info: ctl $(json "$S" 'j["ctl"]')"
check "the supervisor restarted bob's NF once" 'j["services"]["bob/probe"]["restarts"] == 1' "$S"
[ "$(probe_val "$T/bob.0" seen)" -gt 0 ] || fail "bob's restarted NF saw no packets"
echo "ok: bob's restarted NF carried $(probe_val "$T/bob.0" seen) packets"
echo "info: alice dropped $(json "$S" 'j["tenants"]["alice"]["dropped"]') (all tenants: $(json "$S" '{k: v for k, v in j["dropped"].items() if v}'))"
check "alice: every packet the generator sent for alice delivered, but for load drops" \
	'0 <= j["ports"]["gen0"]["driver_stats"]["groups"][0] - j["tenants"]["alice"]["delivered"] <= j["dropped"]["nf_rx_full"] + j["dropped"]["no_buffer"] + j["dropped"]["tx_full"] and j["tenants"]["alice"]["in"] == j["tenants"]["alice"]["delivered"] + j["tenants"]["alice"]["dropped"] and j["tenants"]["alice"]["delivered"] > 0' "$S"
tenant_drops_only alice "$S" nf_rx_full no_buffer tx_full
sink='j["ports"]["sink0"]["driver_stats"]'
check "alice: the sink got exactly alice's packets, all checksums right" \
	"[t for t in $sink['tenants'] if t['tenant'] == 0][0]['packets'] == j['tenants']['alice']['delivered'] and [t for t in $sink['tenants'] if t['tenant'] == 0][0]['csum_bad'] == 0" "$S"
check "pools full again once stopped" \
	'all(t["pool_free_at_stop"] == t["pool_bufs"] for t in j["tenants"].values())' "$S"
