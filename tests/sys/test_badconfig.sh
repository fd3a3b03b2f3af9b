#!/bin/sh
# tenet run on bad configs: exit status 2 and one clear message naming the
# file, line and column and what was expected.
. "$(dirname "$0")/lib.sh"
n=0
expect() { # NAME EXPECTED-SUBSTRING, config on stdin
	n=$((n + 1))
	cat >"$T/bad$n.yaml"
	out=$("$TENET" run "$T/bad$n.yaml" 2>&1)
	rc=$?
	[ $rc -eq 2 ] || fail "$1: exit $rc, want 2 ($out)"
	echo "$out" | grep -qF -- "$2" || fail "$1: message '$out' lacks '$2'"
	echo "ok: $1: $out"
}
out=$("$TENET" run "$T/nonexistent.yaml" 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q "nonexistent.yaml" || fail "missing file: '$out'"
echo "ok: missing file: $out"
n=1
expect "unknown top-level key" "bad2.yaml:1:1" <<'Y'
bogus: 1
Y
expect "unknown port key" "bad3.yaml:2:" <<'Y'
ports:
  - {name: g, driver: gen, rat: 5}
Y
expect "bad driver" "bad4.yaml:2:" <<'Y'
ports:
  - {name: g, driver: warp}
Y
expect "bad steer" "bad5.yaml:2:" <<'Y'
ports:
  - {name: g, driver: gen, steer: fpga}
Y
expect "bad CIDR" "bad6.yaml:4:" <<'Y'
tenants: [{name: a}]
services: [{name: s, tenant: a}]
chains:
  - {name: c, match: {src: 10.0.0.0/33}, hops: [a/s]}
Y
expect "hop to unknown service" "bad7.yaml:4:" <<'Y'
tenants: [{name: a}]
services: [{name: s, tenant: a}]
chains:
  - {name: c, hops: [a/nope]}
Y
expect "unknown output port" "bad8.yaml:4:" <<'Y'
tenants: [{name: a}]
services: [{name: s, tenant: a}]
chains:
  - {name: c, hops: [a/s], output: nowhere}
Y
expect "duplicate tenant" "bad9.yaml:1:" <<'Y'
tenants: [{name: a}, {name: a}]
Y
expect "wrong type" "bad10.yaml:1:" <<'Y'
tenants: {name: a}
Y
expect "YAML syntax" "bad11.yaml:" <<'Y'
tenants: [{name: a}
Y
expect "bad port range" "bad12.yaml:4:" <<'Y'
tenants: [{name: a}]
services: [{name: s, tenant: a}]
chains:
  - {name: c, match: {dport: 90-80}, hops: [a/s]}
Y
expect "service of unknown tenant" "bad13.yaml:2:" <<'Y'
tenants: [{name: a}]
services: [{name: s, tenant: b}]
Y
expect "frame size out of range" "bad14.yaml:2:" <<'Y'
ports:
  - {name: g, driver: gen, size: 9000}
Y
echo "ok: $n bad configs rejected with positioned messages"
