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

# Hostile configs: each refused fast (a hang would be a failure of the
# timeout), with exactly one line naming the file (and line and column
# where there is one) and what was expected, exit status 2.
one() { # NAME EXPECTED-SUBSTRING CONFIG-PATH
	n=$((n + 1))
	out=$(timeout 20 "$TENET" run "$3" 2>&1)
	rc=$?
	[ $rc -eq 2 ] || fail "$1: exit $rc, want 2 ($out)"
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "$1: more than one line: $out"
	echo "$out" | grep -qF -- "$2" || fail "$1: message '$out' lacks '$2'"
	echo "$out" | grep -qF -- "expected" || fail "$1: message '$out' does not say what was expected"
	echo "ok: $1: $out"
}
python3 -c "print('ports: ' + '[' * 200000)" >"$T/deep.yaml"
one "200,000 nested lists" "deep.yaml:1:39: lists and mappings nested more than 32 deep" "$T/deep.yaml"
python3 -c "print('a: ' + '{a: ' * 100000 + '1' + '}' * 100000)" >"$T/deepmap.yaml"
one "100,000 nested mappings" "deepmap.yaml:1:" "$T/deepmap.yaml"
python3 -c "
print('ports:\\n  - name: p\\n    driver: sink')
for i in range(300000): print('    k%d: 1' % i)" >"$T/wide.yaml"
one "a port with 300,000 keys" "wide.yaml:66:5: a mapping with more than 64 keys; expected at most 64" "$T/wide.yaml"
mkfifo "$T/fifo.yaml"
one "a FIFO as the config (nobody writes to it)" "fifo.yaml: is a FIFO; expected a regular file" "$T/fifo.yaml"
one "a directory as the config" "$T: is a directory; expected a regular file" "$T"
one "/dev/zero as the config" "/dev/zero: is a character device; expected a regular file" /dev/zero
cat >"$T/zero.yaml" <<'Y'
tenants: [{name: a}]
services:
  - {name: s, tenant: a, patterns: /dev/zero}
Y
one "patterns: /dev/zero" "zero.yaml:3:36: patterns file /dev/zero: is a character device; expected a regular file" "$T/zero.yaml"
cat >"$T/fifopat.yaml" <<Y
tenants: [{name: a}]
services:
  - {name: s, tenant: a, patterns: $T/fifo.yaml}
Y
one "patterns: a FIFO" "fifopat.yaml:3:36: patterns file $T/fifo.yaml: is a FIFO" "$T/fifopat.yaml"
cat >"$T/fifopcap.yaml" <<Y
ports:
  - {name: p, driver: pcap, in: $T/fifo.yaml}
Y
one "pcap in: a FIFO" "fifopcap.yaml:2:33: in file $T/fifo.yaml: is a FIFO" "$T/fifopcap.yaml"
cat >"$T/gen512.yaml" <<'Y'
ports:
  - {name: gen0, driver: gen, size: 1518}
tenants:
  - {name: alice}
  - {name: bob, buf_size: 512}
Y
one "gen size 1518 into 512-byte buffers" "gen512.yaml:5:27: tenant 'bob' pool cannot hold the frames of port 'gen0' (gen, line 2): its buffers take frames of up to 384 bytes (buf_size 512 less 128 of headroom), the port sends frames of up to 1514 bytes (size 1518 less the 4-byte FCS); expected buf_size >= 1664" "$T/gen512.yaml"
cat >"$T/tib.yaml" <<'Y'
tenants:
  - {name: a, pool_bufs: 1048576, buf_size: 65536}
  - {name: b, pool_bufs: 1048576, buf_size: 65536}
  - {name: c, pool_bufs: 1048576, buf_size: 65536}
  - {name: d, pool_bufs: 1048576, buf_size: 65536}
  - {name: e, pool_bufs: 1048576, buf_size: 65536}
  - {name: f, pool_bufs: 1048576, buf_size: 65536}
  - {name: g, pool_bufs: 1048576, buf_size: 65536}
  - {name: h, pool_bufs: 1048576, buf_size: 65536}
Y
one "8 pools of 64 GiB" "tib.yaml:2:5: the pools need 512.00 GiB (549755813888 bytes) in all, more than the" "$T/tib.yaml"
avail=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
if [ "${avail:-0}" -lt $((64 * 1024 * 1024)) ]; then
	cat >"$T/64g.yaml" <<'Y'
tenants:
  - {name: alice}
  - {name: bob, pool_bufs: 1048576, buf_size: 65536}
Y
	one "pool_bufs 1048576 x buf_size 65536 (64 GiB)" "64g.yaml:3:5: the pools need 64.02 GiB (68736778240 bytes) in all" "$T/64g.yaml"
else
	echo "info: 64 GiB available here: the single 64 GiB pool case is covered by the 512 GiB one"
fi
echo "ok: $n bad configs rejected with positioned messages"
