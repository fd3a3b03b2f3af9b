#!/bin/sh
# The attach protocol: a good attach gets its tenant's pool and rings; an
# unknown service, a wrong protocol version, garbage, one instance too many
# and wrong credentials each get a clear refusal; the manager survives all.
. "$(dirname "$0")/lib.sh"
C="$B/tests/attach_client"
# the socket of a tenant with a uid is chown'ed to it: only root can do that
BOB_UID=""
[ "$(id -u)" = 0 ] && BOB_UID=", uid: 54321"
cat >"$T/a.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports: [{name: sink0, driver: sink}]
tenants: [{name: alice}, {name: bob$BOB_UID}]
services:
  - {name: fwd, tenant: alice}
  - {name: mon, tenant: bob}
chains:
  - {name: a, hops: [alice/fwd], output: sink0}
YAML
"$TENET" run "$T/a.yaml" --quiet --duration 10 --summary "$T/s.json" >"$T/mgr.log" 2>&1 &
mgr=$!
for i in $(seq 50); do [ -S "$T/sock/alice.sock" ] && break; sleep 0.1; done
A="$T/sock/alice.sock"
out=$("$C" "$A" fwd)
[ "$out" = "ok alice/fwd#0" ] || fail "good attach: '$out'"
echo "ok: good attach: $out"
# a client that connects and says nothing must not hold up anyone else
python3 -c "
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect('$A'); time.sleep(3)" &
silent=$!
sleep 0.3
out=$(timeout 1 "$C" "$A" fwd)
[ "$out" = "ok alice/fwd#0" ] || fail "attach while a silent client is connected: '$out'"
echo "ok: a silent client does not block attachments"
out=$("$C" "$A" nosuch)
[ "$out" = "error ESRCH" ] || fail "unknown service: '$out'"
out=$("$C" "$A" nosuch --raw 2)
echo "$out" | grep -q "tenant alice has no service 'nosuch'" || fail "unknown service msg: '$out'"
echo "ok: unknown service: $out"
out=$("$C" "$A" fwd --raw 99)
echo "$out" | grep -q "protocol version 99, the manager speaks version 2" || fail "version: '$out'"
echo "$out" | grep -q "fds 0" || fail "refusal carried fds: '$out'"
echo "ok: wrong version: $out"
out=$("$C" "$A" fwd --garbage)
echo "$out" | grep -q "malformed hello: 6 bytes, expected 48" || fail "garbage hello: '$out'"
echo "ok: garbage hello: $out"
# a record one byte longer, or 64 KiB, is not a hello cut to size
for len in 49 65536; do
	out=$("$C" "$A" fwd --raw 2 $len)
	echo "$out" | grep -q "status -71 fds 0 msg tenant alice: malformed hello: $len bytes, expected 48" ||
		fail "$len-byte hello: '$out'"
	grep -q "attach refused: tenant alice: malformed hello: $len bytes, expected 48" "$T/mgr.log" ||
		fail "$len-byte hello: no clear log line"
	echo "ok: $len-byte hello refused: $out"
done
# descriptors sent along with a hello are never installed in the manager
echo bait >"$T/bait"
out=$(python3 - "$A" "$T/bait" <<'PY'
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
fd = os.open(sys.argv[2], os.O_RDONLY)
socket.send_fds(s, [struct.pack("<IIII32s", 0x544E4554, 2, os.getpid(), 0, b"nosuch")], [fd] * 8)
print(s.recv(512)[8:12] != b"\0\0\0\0")
PY
)
[ "$out" = "True" ] || fail "hello with fds: no refusal ($out)"
ls -l /proc/$mgr/fd 2>/dev/null | grep -q "$T/bait" && fail "the manager kept descriptors sent with a hello"
echo "ok: descriptors sent with a hello are not kept by the manager"
out=$("$C" "$A" 'fw d' --raw 2)
echo "$out" | grep -q "status -71 .*byte 0x20 at 2 of the service name" || fail "bad service name: '$out'"
echo "ok: bad service name: $out"
HOLD_MS=1500 "$C" "$A" fwd >"$T/first" &
held=$!
sleep 0.5
out=$("$C" "$A" fwd)
[ "$out" = "error ENOSPC" ] || fail "second instance of a 1-instance service: '$out'"
echo "ok: instance limit: $out"
wait $held
grep -q "ok alice/fwd#0" "$T/first" || fail "held attach failed: $(cat "$T/first")"
if [ -n "$BOB_UID" ]; then
	out=$("$C" "$T/sock/bob.sock" mon --raw 2)
	echo "$out" | grep -q "status -13 .*credentials uid $(id -u)" || fail "SO_PEERCRED: '$out'"
	echo "ok: credentials checked: $out"
else
	echo "note: not root: the SO_PEERCRED refusal is not exercised (needs a chown)"
fi
wait $silent
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
grep -q "no hello within" "$T/mgr.log" || fail "the silent connection was not timed out"
echo "ok: the silent connection was closed after its deadline"
check "manager finished cleanly" 'j["conserved"]' "$T/s.json"
