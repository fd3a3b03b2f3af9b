#!/bin/sh
# An NF that keeps dying quickly is restarted again and again, never given
# up on, with a delay that doubles from 100 ms (capped at 5 s), and every
# decision is logged (service, instance, cause, next attempt). Alice's
# crashing service attaches an NF and dies 0.3 s later, over and over.
# Alice's "ladder" service dies quickly three times, then stays up 5.5 s:
# its next delay is 100 ms again (the ladder starts over), then 200 ms.
# bob's traffic in the same run is delivered complete with every checksum
# right, and the manager stops with an exact summary.
. "$(dirname "$0")/lib.sh"
cat >"$T/b.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 20000, duration: 12, size: [64, 512],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 32},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 32}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: crashy, tenant: alice,
     command: [/bin/sh, -c, "$B/nf/fwd & sleep 0.3; kill -9 \$!; exit 3"]}
  - {name: ladder, tenant: alice,
     command: [/bin/sh, -c, "n=\$((\$(cat $T/lives 2>/dev/null || echo 0) + 1)); echo \$n >$T/lives; $B/nf/fwd & p=\$!; if [ \$n -eq 4 ]; then sleep 5.5; else sleep 0.3; fi; kill -9 \$p; exit 4"]}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/crashy], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
YAML
"$TENET" run "$T/b.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 ||
	fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
grep 'alice/crashy#0' "$T/mgr.log" | grep -E 'next attempt|restarted as|not restarting' | head -n 12
grep -q 'alice/crashy.*not restarting' "$T/mgr.log" && fail "the supervisor gave up on alice/crashy"
delays=$(sed -n 's|.*NF alice/crashy#0 (pid [0-9]*) exited with 3 after [0-9.]* s.*; next attempt in \([0-9]*\) ms$|\1|p' "$T/mgr.log" | tr '\n' ' ')
echo "info: delays after each death: $delays"
python3 - "$delays" <<'PY' || fail "delays are not 100 ms doubling up to 5 s: $delays"
import sys
d = [int(x) for x in sys.argv[1].split()]
assert len(d) >= 5, d
assert d[0] == 100, d
assert all(b == min(2 * a, 5000) for a, b in zip(d, d[1:])), d
PY
echo "ok: every quick death logged with its cause and a doubling delay"
ladder=$(sed -n 's|.*NF alice/ladder#0 (pid [0-9]*) exited with 4 after [0-9.]* s.*; next attempt in \([0-9]*\) ms$|\1|p' "$T/mgr.log" | head -n 5 | tr '\n' ' ')
[ "$ladder" = "100 200 400 100 200 " ] ||
	fail "after 5.5 s up the delays did not start again at 100 ms: $ladder"
echo "ok: after staying up the ladder starts again: $ladder"
restarted=$(grep -c 'NF alice/crashy#0 restarted as pid' "$T/mgr.log")
check "restarts in the summary match the log ($restarted)" \
	"j['services']['alice/crashy']['restarts'] == $restarted >= 5" "$S"
check "deaths counted, longest delay recorded" \
	'j["services"]["alice/crashy"]["deaths"] >= j["services"]["alice/crashy"]["restarts"] and j["services"]["alice/crashy"]["max_backoff_ms"] >= 1600' "$S"
check "every packet accounted" 'j["conserved"]' "$S"
echo "info: bob dropped $(json "$S" 'j["tenants"]["bob"]["dropped"]') (all tenants: $(json "$S" '{k: v for k, v in j["dropped"].items() if v}'))"
check "bob: every packet the generator sent for bob delivered, but for load drops" \
	'0 <= j["ports"]["gen0"]["driver_stats"]["groups"][1] - j["tenants"]["bob"]["delivered"] <= j["dropped"]["nf_rx_full"] + j["dropped"]["no_buffer"] + j["dropped"]["tx_full"] and j["tenants"]["bob"]["in"] == j["tenants"]["bob"]["delivered"] + j["tenants"]["bob"]["dropped"] and j["tenants"]["bob"]["delivered"] > 0' "$S"
tenant_drops_only bob "$S" nf_rx_full no_buffer tx_full
sink='j["ports"]["sink0"]["driver_stats"]'
check "bob: the sink got exactly bob's packets, all checksums right" \
	"[t for t in $sink['tenants'] if t['tenant'] == 1][0]['packets'] == j['tenants']['bob']['delivered'] and [t for t in $sink['tenants'] if t['tenant'] == 1][0]['csum_bad'] == 0" "$S"
check "bob's NF lived the whole run" 'j["services"]["bob/fwd"]["restarts"] == 0' "$S"
check "pools full again once stopped" \
	'all(t["pool_free_at_stop"] == t["pool_bufs"] for t in j["tenants"].values())' "$S"
