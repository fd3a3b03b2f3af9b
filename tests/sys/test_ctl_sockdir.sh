#!/bin/sh
# The manager refuses a socket_dir that someone else could write into (a
# world-writable directory, a symlink, one owned by another user): there
# anyone could put a socket of their own where NFs and tenet ctl look for
# the manager's. Each refusal is one clear error, exit status 1, and no
# socket left behind; with a directory of its own the same config runs,
# its NF attaches and the summary is exact.
. "$(dirname "$0")/lib.sh"
conf() { # SOCKET_DIR
	cat >"$T/d.yaml" <<YAML
manager: {socket_dir: $1, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 20000, count: 20000,
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 8}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], output: sink0}
YAML
}
refused() { # SOCKET_DIR WHY
	conf "$1"
	"$TENET" run "$T/d.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "socket_dir $1 ($2): exit status $rc ($(tail -n 3 "$T/mgr.log"))"
	grep -q "error: socket_dir $1: $2; expected a directory (not a symlink) owned by uid" \
		"$T/mgr.log" || fail "socket_dir $1: no clear error: $(cat "$T/mgr.log")"
	[ -z "$(find -L "$1" -type s 2>/dev/null)" ] || fail "socket_dir $1: sockets left behind"
	echo "ok: refused: $(grep 'error: socket_dir' "$T/mgr.log")"
}
mkdir -m 0777 "$T/open"
chmod 0777 "$T/open" # past the umask
refused "$T/open" "writable by group or others"
mkdir -m 0770 "$T/group"
chmod 0770 "$T/group"
refused "$T/group" "writable by group or others"
mkdir -m 0755 "$T/real"
ln -s "$T/real" "$T/link"
refused "$T/link" "not a directory (a symlink?)"
if [ "$(id -u)" -eq 0 ] && getent passwd 65534 >/dev/null; then
	mkdir -m 0755 "$T/theirs"
	chown 65534 "$T/theirs"
	refused "$T/theirs" "owned by another user"
else
	echo "info: not root: the 'owned by another user' case is not tried"
fi
conf "$T/real"
"$TENET" run "$T/d.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 ||
	fail "manager exited $? with a directory of its own ($(tail -n 3 "$T/mgr.log"))"
check "with its own directory: the NF attached, every packet accounted" \
	'j["conserved"] and j["packets_in"] == 20000 and j["tenants"]["alice"]["delivered"] > 0' "$T/s.json"
