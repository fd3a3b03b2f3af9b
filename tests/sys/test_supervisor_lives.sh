#!/bin/sh
# The summary counts every NF life, not only the last one of each of the
# 64 NF slots. Alice's hostile NF is started by hand 70 times; each life
# attaches, hands back forged descriptors for 3 bursts and exits holding
# buffers. The totals must say 70 lives, their rejects must add up to at
# least what the (bounded) nfs[] list shows, and the buffers reclaimed
# over all lives must equal the packets dropped as nf_gone exactly. Bob's
# traffic in the same run is delivered complete.
. "$(dirname "$0")/lib.sh"
cat >"$T/l.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 40000, duration: 12, size: [64, 512],
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 32},
             {src: 10.3.0.0/16, dst: 10.4.0.0/16, proto: tcp, sport: 1000-2000, dport: 443, count: 32}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: evil, tenant: alice}
  - {name: fwd, tenant: bob, command: "$B/nf/fwd"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/evil], output: sink0}
  - {name: b, match: {src: 10.3.0.0/16}, hops: [bob/fwd], output: sink0}
YAML
"$TENET" run "$T/l.yaml" --quiet --summary "$T/s.json" >"$T/mgr.log" 2>&1 &
mgr=$!
for i in $(seq 50); do [ -S "$T/sock/alice.sock" ] && break; sleep 0.1; done
lives=0
tries=0
while [ $lives -lt 70 ] && [ $tries -lt 700 ]; do
	tries=$((tries + 1))
	TENET_SOCKET="$T/sock/alice.sock" TENET_SERVICE=evil "$B/tests/nf_hostile" --bursts 3 \
		>/dev/null 2>&1
	rc=$?
	if [ $rc -eq 3 ]; then
		lives=$((lives + 1))
	else
		sleep 0.02 # not attached (the last life is still being reclaimed): again
	fi
done
[ $lives -eq 70 ] || fail "only $lives hostile lives in $tries tries"
echo "ok: 70 hostile lives of alice/evil ($tries tries)"
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
S="$T/s.json"
check "every packet accounted" 'j["conserved"]' "$S"
check "the totals count all 70 lives of alice/evil" \
	'j["services"]["alice/evil"]["lives"]["lives"] == 70 and j["nf_totals"]["lives"] == 70 + j["services"]["bob/fwd"]["lives"]["lives"]' "$S"
check "rejects over all lives at least those of the listed slots, and more than zero" \
	"j['nf_totals']['rejects']['buf_range'] >= sum(n['rejects']['buf_range'] for n in j['nfs']) and j['services']['alice/evil']['lives']['rejects']['buf_range'] > 0" "$S"
check "buffers reclaimed over all lives == packets dropped as nf_gone" \
	'j["nf_totals"]["reclaimed"] == j["dropped"]["nf_gone"] > 0' "$S"
echo "info: nfs[] lists $(json "$S" 'len(j["nfs"])') lives; reclaimed there $(json "$S" 'sum(n["reclaimed"] for n in j["nfs"])'), over all lives $(json "$S" 'j["nf_totals"]["reclaimed"]')"
echo "info: bob dropped $(json "$S" 'j["tenants"]["bob"]["dropped"]') (all tenants: $(json "$S" '{k: v for k, v in j["dropped"].items() if v}'))"
check "bob: every packet the generator sent for bob delivered, but for load drops" \
	'0 <= j["ports"]["gen0"]["driver_stats"]["groups"][1] - j["tenants"]["bob"]["delivered"] <= j["dropped"]["nf_rx_full"] + j["dropped"]["no_buffer"] + j["dropped"]["tx_full"] and j["tenants"]["bob"]["in"] == j["tenants"]["bob"]["delivered"] + j["tenants"]["bob"]["dropped"] and j["tenants"]["bob"]["delivered"] > 0' "$S"
tenant_drops_only bob "$S" nf_rx_full no_buffer tx_full
sink='j["ports"]["sink0"]["driver_stats"]'
check "bob: all checksums right at the sink" \
	"[t for t in $sink['tenants'] if t['tenant'] == 1][0]['csum_bad'] == 0" "$S"
check "pools full again once stopped" \
	'all(t["pool_free_at_stop"] == t["pool_bufs"] for t in j["tenants"].values())' "$S"
