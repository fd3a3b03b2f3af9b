#!/bin/sh
# make install / make uninstall into a staging tree (DESTDIR, PREFIX=/usr/local):
#   - exactly the expected files land there (programs, example NFs, BPF
#     objects, libtenet.a and libtenet.so with its soname links, the public
#     headers and nothing from lib/, libtenet.pc, tenet@.service, docs,
#     example configs);
#   - libtenet.so exports exactly the functions declared in include/tenet/;
#   - every example NF in nf/ builds out of tree from the installed headers
#     and pkg-config alone, against libtenet.so and against libtenet.a;
#   - the installed tenet, run from the staging tree, starts the installed
#     example NFs named without a path and the out-of-tree NFs, and packets
#     are delivered through them (a small chain, then the installed demo);
#     the installed tenet-bench runs a chain through the installed fwd;
#   - the installed tenet finds the installed BPF objects (tenet doctor);
#   - systemd-analyze verify accepts the unit (when systemd-analyze exists);
#   - make uninstall leaves no file behind.
. "$(dirname "$0")/lib.sh"
P=/usr/local
D="$T/destdir"
R="$D$P"
unset TENET_BPF_DIR TENET_NF_DIR

command -v pkg-config >/dev/null || fail "pkg-config not installed"
[ -x "$TENET" ] || fail "build first: $TENET"

# 1. install
make -s install DESTDIR="$D" PREFIX=$P >"$T/install.log" 2>&1
rc=$?
cat "$T/install.log"
[ "$rc" -eq 0 ] || fail "make install exited $rc"
echo "ok: make install DESTDIR=... PREFIX=$P"

# 2. the file list, exactly
ver=$(sed -n 's/^VERSION := //p' Makefile)
so=$(sed -n 's/^SOVERSION := //p' Makefile)
[ -n "$ver" ] && [ -n "$so" ] || fail "no VERSION/SOVERSION in the Makefile"
{
	echo "$P/bin/tenet"
	echo "$P/bin/tenet-bench"
	for f in nf/*.c; do echo "$P/lib/tenet/nf/$(basename "$f" .c)"; done
	for f in bpf/*.bpf.c; do echo "$P/lib/tenet/bpf/$(basename "$f" .c).o"; done
	echo "$P/lib/libtenet.a"
	echo "$P/lib/libtenet.so"
	echo "$P/lib/libtenet.so.$so"
	echo "$P/lib/libtenet.so.$ver"
	for f in include/tenet/*.h; do echo "$P/$f"; done
	echo "$P/lib/pkgconfig/libtenet.pc"
	echo "$P/lib/systemd/system/tenet@.service"
	for f in README.md docs/*.md docs/img/*; do echo "$P/share/doc/tenet/$f"; done
	for f in examples/*; do echo "$P/share/tenet/$f"; done
} | sort >"$T/expected"
(cd "$D" && find . ! -type d | sed 's|^\.||' | sort) >"$T/installed"
diff -u "$T/expected" "$T/installed" || fail "installed files differ from the expected list (- expected, + installed)"
echo "ok: $(wc -l <"$T/installed") files, exactly the expected ones"
[ "$(readlink "$R/lib/libtenet.so")" = "libtenet.so.$so" ] || fail "libtenet.so does not point at libtenet.so.$so"
[ "$(readlink "$R/lib/libtenet.so.$so")" = "libtenet.so.$ver" ] ||
	fail "libtenet.so.$so does not point at libtenet.so.$ver"
readelf -d "$R/lib/libtenet.so.$ver" | grep -q "SONAME.*\[libtenet.so.$so\]" || fail "soname is not libtenet.so.$so"
echo "ok: libtenet.so -> libtenet.so.$so -> libtenet.so.$ver, soname libtenet.so.$so"
grep -q '^Cflags: -I${includedir}$' "$R/lib/pkgconfig/libtenet.pc" || fail "libtenet.pc: Cflags"
grep -q "^prefix=$P\$" "$R/lib/pkgconfig/libtenet.pc" || fail "libtenet.pc: prefix is not $P"
grep -q "^ExecStart=$P/bin/tenet run .*/etc/tenet/%i.yaml\$" "$R/lib/systemd/system/tenet@.service" ||
	fail "tenet@.service does not run $P/bin/tenet on /etc/tenet/%i.yaml"
grep -n 'build/' "$R/share/tenet/examples/"*.yaml && fail "an installed example config names the build tree"
echo "ok: libtenet.pc, tenet@.service and the example configs name the installed paths"

# 3. libtenet.so exports what include/tenet/ declares, and nothing else
for h in "$R"/include/tenet/*.h; do echo "#include <tenet/$(basename "$h")>"; done >"$T/all.c"
cc -I"$R/include" -aux-info "$T/aux" -c "$T/all.c" -o "$T/all.o" || fail "the installed headers do not compile"
grep '/include/tenet/' "$T/aux" | grep -v ' static ' | grep -o 'tenet_[a-z0-9_]* (' | tr -d ' (' |
	sort -u >"$T/declared"
nm -D --defined-only "$R/lib/libtenet.so.$ver" | awk '$2 ~ /^[TDBRW]$/ {sub(/@.*/, "", $3); print $3}' |
	sort -u >"$T/exported"
[ -s "$T/declared" ] || fail "no function found in the installed headers"
diff -u "$T/declared" "$T/exported" || fail "exported symbols differ from the public headers (- declared, + exported)"
echo "ok: libtenet.so exports the $(wc -l <"$T/declared") functions of include/tenet/ and nothing else"

# 4. every example NF out of tree, with pkg-config: shared and static
PKG_CONFIG_PATH="$R/lib/pkgconfig"
export PKG_CONFIG_PATH
pc() { pkg-config --define-prefix "$@" libtenet; }
[ "$(pc --variable=includedir)" = "$R/include" ] || fail "pkg-config --define-prefix: includedir is $(pc --variable=includedir)"
mkdir -p "$T/oot"
for f in nf/*.c; do
	n=$(basename "$f" .c)
	cp "$f" "$T/oot/$n.c"
	# shellcheck disable=SC2046
	cc -O2 -Wall -Wextra -Werror "$T/oot/$n.c" $(pc --cflags --libs) -o "$T/oot/$n-shared" ||
		fail "nf/$n.c does not build against libtenet.so with pkg-config"
	# shellcheck disable=SC2046
	cc -O2 -Wall -Wextra -Werror "$T/oot/$n.c" $(pc --cflags) "$R/lib/libtenet.a" \
		$(pc --static --libs | sed 's/-ltenet//') -o "$T/oot/$n-static" ||
		fail "nf/$n.c does not build against libtenet.a with pkg-config --static"
	LD_LIBRARY_PATH="$R/lib" ldd "$T/oot/$n-shared" | grep -q "libtenet.so.$so => $R/lib/libtenet.so.$so" ||
		fail "$n-shared does not load the installed libtenet.so.$so"
	ldd "$T/oot/$n-static" | grep -q libtenet && fail "$n-static needs libtenet.so"
done
echo "ok: every example NF ($(ls nf/*.c | wc -l)) builds out of tree, shared and static"

# 5. the installed manager runs installed and out-of-tree NFs
printf 'drop literal attack\n' >"$T/pat.txt"
printf 'allow src 10.1.0.0/16\n' >"$T/acl.txt"
cat >"$T/c.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 50000, count: 20000, size: 256,
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, sport: 1000-60000, dport: 80, count: 64}],
     payload: {patterns: [attack], fraction: 0.1}}
  - {name: sink0, driver: sink}
tenants: [{name: alice}]
services:
  - {name: fwd, tenant: alice, command: fwd}
  - {name: scan, tenant: alice, command: "$T/oot/scan-shared --patterns $T/pat.txt"}
  - {name: acl, tenant: alice, command: "$T/oot/acl-static --rules $T/acl.txt --default drop"}
  - {name: monitor, tenant: alice, command: monitor}
chains:
  - {name: c, match: {src: 10.1.0.0/16},
     hops: [alice/fwd, alice/scan, alice/acl, alice/monitor], output: sink0}
YAML
# PATH has no tenet NF: a bare 'fwd' can come only from $P/lib/tenet/nf
(cd "$T" && PATH=/usr/bin:/bin LD_LIBRARY_PATH="$R/lib" "$R/bin/tenet" run "$T/c.yaml" --quiet \
	--summary "$T/s.json" --duration 60) >"$T/run.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || {
	cat "$T/run.log"
	fail "installed tenet run exited $rc"
}
S="$T/s.json"
check "every packet accounted" 'j["conserved"] and j["packets_in"] == 20000' "$S"
for s in fwd scan acl monitor; do
	check "alice/$s ran and received packets" \
		"[n for n in j['nfs'] if n['service'] == 'alice/$s'][0]['rx'] > 0" "$S"
done
check "packets delivered through the chain" 'j["delivered"] > 0' "$S"
check "the out-of-tree scan dropped the attack packets" 'j["dropped"]["nf_verdict"] > 0' "$S"
check "no NF broke the rules" 'j["dropped"]["nf_violation"] == 0' "$S"

# the installed demo config, its paths moved into the staging tree
sed -e "s|$P/|$R/|g" -e "s|^manager:\$|manager:\\n  socket_dir: $T/sock2|" \
	"$R/share/tenet/examples/demo.yaml" >"$T/demo.yaml"
grep -q "^  socket_dir: $T/sock2\$" "$T/demo.yaml" || fail "demo.yaml has no 'manager:' line to extend"
(cd "$T" && PATH=/usr/bin:/bin "$R/bin/tenet" run "$T/demo.yaml" --quiet --summary "$T/d.json" \
	--duration 2) >"$T/demo.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || {
	cat "$T/demo.log"
	fail "installed tenet run on the installed demo.yaml exited $rc"
}
check "installed demo: every packet accounted, packets delivered" \
	'j["conserved"] and j["delivered"] > 0' "$T/d.json"
check "installed demo: the installed scan NF dropped by pattern" 'j["dropped"]["nf_verdict"] > 0' "$T/d.json"

# the installed tenet-bench finds the installed fwd NF (a tiny run: its shape, not a figure)
(cd "$T" && PATH=/usr/bin:/bin "$R/bin/tenet-bench" chain --sizes 64 --hops 1 --mode adaptive \
	--count 20000 --reps 1 --json) >"$T/bench.json" 2>"$T/bench.err"
rc=$?
[ "$rc" -eq 0 ] || {
	tail -n 5 "$T/bench.err"
	fail "installed tenet-bench chain exited $rc"
}
check "installed tenet-bench ran a chain through the installed fwd" \
	'len(j) == 1 and j[0]["conserved"] is True and j[0]["hops"] == 1' "$T/bench.json"

# 6. the installed manager finds the installed BPF objects
(cd "$T" && "$R/bin/tenet" doctor) >"$T/doctor.log" 2>&1
nbpf=$(ls bpf/*.bpf.c | wc -l)
grep -qE "^ok +bpf objects: $nbpf in $R/lib/tenet/bpf\$" "$T/doctor.log" || {
	cat "$T/doctor.log"
	fail "installed tenet doctor did not find the $nbpf BPF objects in $R/lib/tenet/bpf"
}
echo "ok: installed tenet finds its BPF objects in $P/lib/tenet/bpf"

# 7. the systemd unit
if command -v systemd-analyze >/dev/null; then
	# verify checks that ExecStart exists: point it into the staging tree
	mkdir -p "$T/unit"
	sed "s|$P/bin/|$R/bin/|g" "$R/lib/systemd/system/tenet@.service" >"$T/unit/tenet@.service"
	systemd-analyze verify "$T/unit/tenet@.service" >"$T/verify.log" 2>&1
	rc=$?
	cat "$T/verify.log"
	[ "$rc" -eq 0 ] || fail "systemd-analyze verify exited $rc"
	grep -q 'tenet@' "$T/verify.log" && fail "systemd-analyze verify complains about tenet@.service"
	echo "ok: systemd-analyze verify tenet@.service: clean"
else
	echo "note: systemd-analyze not installed: tenet@.service not verified"
fi

# 8. uninstall
make -s uninstall DESTDIR="$D" PREFIX=$P >"$T/uninstall.log" 2>&1
rc=$?
cat "$T/uninstall.log"
[ "$rc" -eq 0 ] || fail "make uninstall exited $rc"
left=$(cd "$D" && find . ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
for d in lib/tenet include/tenet share/tenet share/doc/tenet; do
	[ -e "$R/$d" ] && fail "make uninstall left the directory $P/$d"
done
echo "ok: make uninstall removed every file and tenet's directories"
