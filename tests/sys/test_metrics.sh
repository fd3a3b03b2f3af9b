#!/bin/sh
# Prometheus metrics (tenet run --metrics): a platform with two tenants
# serves /metrics on loopback while traffic flows.
#
#   - bad addresses are refused (exit 2, with what was expected), from the
#     command line and from the config (FILE:LINE:COL); a busy port is a
#     start-up error (exit 1) naming the address;
#   - curl: the content type of the text format 0.0.4, real values (alice's
#     and bob's counters present and > 0, a drop series per reason and
#     tenant, delivered grows between two scrapes), 404 off /metrics, 405
#     for POST, 400 for a GET with a body, keep-alive; `promtool check
#     metrics` finds nothing;
#   - 50 connections that send nothing and one that sends half a request
#     stay open while another client scrapes and packets are delivered;
#     the server closes all of them once they sat idle for its timeout;
#   - alice's NF is killed: restarts_total counts it, nf_up returns to 1
#     and the instance's rx counter goes on from where it was;
#   - a real Prometheus server scraping every second reports up == 1 for
#     the tenet job and a tenet_ metric > 0 through its HTTP API;
#   - the manager then stops on SIGTERM with an exact summary.
#
# promtool and prometheus come from Debian's prometheus package
# (scripts/install-deps.sh); without them those two checks are skipped and
# the test ends with exit 77 after the rest passed.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip "curl is not installed (scripts/install-deps.sh)"

# free_port FROM: the first TCP port from FROM on that nothing listens on
free_port() {
	python3 - "$1" <<'PY'
import socket, sys
p = int(sys.argv[1])
while True:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        s.close()
        print(p)
        break
    except OSError:
        p += 1
PY
}
MP=$(free_port 19464)
PP=$(free_port $((MP + 1)))
URL="http://127.0.0.1:$MP/metrics"

# scrape FILE [curl args]: the body to FILE, headers to FILE.h
scrape() {
	_f=$1
	shift
	curl -sS --max-time 5 -D "$_f.h" -o "$_f" "$@" "$URL"
}

# metric FILE SERIES: the value of one sample (exact name and labels)
metric() {
	awk -v s="$2" '$1 == s {print $2; f = 1} END {if (!f) print "none"}' "$1"
}

cat >"$T/c.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 5000, duration: 60,
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 16},
             {src: 10.9.0.0/16, dst: 10.2.0.0/16, count: 16}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}, {name: bob}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
  - {name: monitor, tenant: bob, command: "$B/nf/monitor"}
chains:
  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], output: sink0}
  - {name: b, match: {src: 10.9.0.0/16}, hops: [bob/monitor], output: sink0}
YAML

# ---- bad values
out=$("$TENET" run "$T/c.yaml" --metrics localhost:9464 2>&1)
rc=$?
[ $rc -eq 2 ] || fail "--metrics localhost:9464: exit $rc, want 2 ($out)"
echo "$out" | grep -qF -- "--metrics 'localhost:9464': 'localhost' is not a numeric IPv4 address; expected PORT, :PORT (127.0.0.1)" ||
	fail "--metrics localhost:9464: '$out'"
echo "ok: bad --metrics refused: $out"
out=$("$TENET" run "$T/c.yaml" --metrics 127.0.0.1:70000 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -qF "not a number in 1..65535" ||
	fail "--metrics 127.0.0.1:70000: '$out'"
echo "ok: bad --metrics port refused: $out"
printf 'manager:\n  metrics: "[::1]9464"\n' >"$T/bad.yaml"
out=$("$TENET" run "$T/bad.yaml" 2>&1)
rc=$?
[ $rc -eq 2 ] || fail "bad metrics key: exit $rc, want 2 ($out)"
echo "$out" | grep -qF "$T/bad.yaml:2:12: metrics '[::1]9464': an IPv6 address is written [ADDR]:PORT; expected" ||
	fail "bad metrics key: '$out'"
echo "ok: bad manager: metrics refused: $out"
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(20)' "$MP" &
busy=$!
sleep 0.5
out=$(timeout 20 "$TENET" run "$T/c.yaml" --quiet --duration 1 --metrics "127.0.0.1:$MP" 2>&1)
rc=$?
kill "$busy" 2>/dev/null
wait "$busy" 2>/dev/null
[ $rc -eq 1 ] || fail "busy metrics port: exit $rc, want 1 ($out)"
echo "$out" | grep -qF "metrics: cannot listen on 127.0.0.1:$MP: Address already in use" ||
	fail "busy metrics port: '$out'"
echo "ok: busy metrics port is a start-up error: $(echo "$out" | grep metrics)"

# ---- a running platform
"$TENET" run "$T/c.yaml" --quiet --summary "$T/s.json" --metrics ":$MP" >"$T/mgr.log" 2>&1 &
mgr=$!
for i in $(seq 100); do
	scrape "$T/m0" 2>/dev/null && [ "$(metric "$T/m0" 'tenet_nf_up{tenant="bob",service="monitor",instance="0"}')" = 1 ] &&
		[ "$(metric "$T/m0" 'tenet_delivered_total{tenant="alice"}')" != 0 ] && break
	kill -0 $mgr 2>/dev/null || fail "manager exited ($(tail -n 5 "$T/mgr.log"))"
	sleep 0.2
done
grep -q "metrics at http://127.0.0.1:$MP/metrics" "$T/mgr.log" ||
	fail "no 'metrics at' line for the bare port ($(head -n 5 "$T/mgr.log"))"
scrape "$T/m1" || fail "scrape 1"
tr -d '\r' <"$T/m1.h" | grep -qx 'Content-Type: text/plain; version=0.0.4; charset=utf-8' ||
	fail "content type: $(cat "$T/m1.h")"
grep -q '^HTTP/1.1 200' "$T/m1.h" || fail "status: $(head -n 1 "$T/m1.h")"
echo "ok: 200, Content-Type: text/plain; version=0.0.4; charset=utf-8, $(wc -l <"$T/m1") lines"
for s in 'tenet_up' 'tenet_delivered_total{tenant="alice"}' 'tenet_delivered_total{tenant="bob"}' \
	'tenet_tenant_packets_in_total{tenant="alice"}' 'tenet_packets_in_total{port="gen0"}' \
	'tenet_port_tx_frames_total{port="sink0"}' 'tenet_chain_packets_total{chain="a",tenant="alice"}' \
	'tenet_nf_rx_packets_total{tenant="alice",service="fwd",instance="0"}' \
	'tenet_sink_latency_seconds_count{port="sink0"}'; do
	v=$(metric "$T/m1" "$s")
	[ "$v" != none ] && [ "$v" -gt 0 ] || fail "$s is $v, want > 0"
done
[ "$(metric "$T/m1" 'tenet_pool_buffers{tenant="alice"}')" -gt 0 ] &&
	[ "$(metric "$T/m1" 'tenet_pool_free_buffers{tenant="bob"}')" -gt 0 ] || fail "pool gauges"
[ "$(metric "$T/m1" 'tenet_dropped_total{reason="nf_violation",tenant="alice"}')" = 0 ] &&
	[ "$(metric "$T/m1" 'tenet_dropped_total{reason="no_rule",tenant=""}')" != none ] ||
	fail "drop series per reason and tenant"
echo "ok: alice's and bob's counters, ports, chain, NF, pool, drops and sink latency present and > 0"
d1=$(metric "$T/m1" 'tenet_delivered_total{tenant="alice"}')
sleep 1.2
scrape "$T/m2" || fail "scrape 2"
d2=$(metric "$T/m2" 'tenet_delivered_total{tenant="alice"}')
[ "$d2" -gt "$d1" ] || fail "alice's delivered did not grow between two scrapes ($d1, $d2)"
echo "ok: alice delivered $d1 then $d2 one scrape later"
c=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MP/")
[ "$c" = 404 ] || fail "GET / is $c, want 404"
c=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MP/metricsx")
[ "$c" = 404 ] || fail "GET /metricsx is $c, want 404"
c=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X POST -d x=1 "$URL")
[ "$c" = 405 ] || fail "POST /metrics is $c, want 405"
c=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X GET --data-binary @"$T/c.yaml" "$URL")
[ "$c" = 400 ] || fail "GET /metrics with a body is $c, want 400"
echo "ok: 404 off /metrics, 405 for POST, 400 for a GET with a body"
curl -sv --max-time 5 -o /dev/null -o /dev/null "$URL" "$URL" 2>&1 | grep -q 'Re-using existing connection' ||
	fail "the connection was not kept open for a second scrape"
echo "ok: a second scrape re-uses the connection (keep-alive)"

# ---- hostile clients: silent connections and a half-sent request hold on
cat >"$T/idle.py" <<'PY'
import select, socket, sys, time
port, n, secs, marker = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
socks = [socket.create_connection(("127.0.0.1", port)) for i in range(n)]
half = socket.create_connection(("127.0.0.1", port))
half.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # never ends the headers
socks.append(half)
open(marker, "w").write("%d\n" % len(socks))
# then wait, sending nothing more, until the server closes them
start, open_ = time.time(), set(socks)
while open_ and time.time() - start < secs:
    for s in select.select(list(open_), [], [], 0.2)[0]:
        try:
            gone = s.recv(4096) == b"" or True  # an answer to half a request is not expected
        except OSError:
            gone = True
        if gone:
            open_.discard(s)
print("%d of %d closed by the server after %.1f s" % (n + 1 - len(open_), n + 1, time.time() - start))
PY
python3 "$T/idle.py" "$MP" 50 15 "$T/idle.up" >"$T/idle.out" &
idle=$!
for i in $(seq 50); do
	[ -f "$T/idle.up" ] && break
	sleep 0.1
done
[ -f "$T/idle.up" ] || fail "the idle clients did not connect"
d3=$(metric "$T/m2" 'tenet_delivered_total{tenant="bob"}')
scrape "$T/m3" || fail "scrape while $(cat "$T/idle.up") connections sit idle"
d4=$(metric "$T/m3" 'tenet_delivered_total{tenant="bob"}')
[ "$d4" -gt "$d3" ] || fail "bob's delivered did not grow while clients sat idle ($d3, $d4)"
kill -0 $idle 2>/dev/null || fail "the idle clients were gone before the scrape was done"
echo "ok: scraped while $(cat "$T/idle.up") connections sat idle (one with half a request); bob delivered $d3 -> $d4"
wait $idle
grep -q "^51 of 51 closed" "$T/idle.out" || fail "idle connections not closed by the server: $(cat "$T/idle.out")"
echo "ok: idle connections timed out: $(cat "$T/idle.out")"

# ---- an NF restart: its instance's counters carry on, the restart is counted
RX='tenet_nf_rx_packets_total{tenant="alice",service="fwd",instance="0"}'
UP='tenet_nf_up{tenant="alice",service="fwd",instance="0"}'
pid=$(timeout 10 "$TENET" ctl --config "$T/c.yaml" nfs | awk '/alice\/fwd#0/ {print $3}')
[ -n "$pid" ] || fail "no pid for alice/fwd#0"
scrape "$T/m4" || fail "scrape before the restart"
r1=$(metric "$T/m4" "$RX")
kill -9 "$pid"
for i in $(seq 100); do
	scrape "$T/m5" || fail "scrape during the restart"
	[ "$(metric "$T/m5" 'tenet_service_restarts_total{tenant="alice",service="fwd"}')" = 1 ] &&
		[ "$(metric "$T/m5" "$UP")" = 1 ] && [ "$(metric "$T/m5" "$RX")" -gt "$r1" ] && break
	sleep 0.1
done
r2=$(metric "$T/m5" "$RX")
[ "$(metric "$T/m5" "$UP")" = 1 ] && [ "$r2" -gt "$r1" ] ||
	fail "after the restart: up $(metric "$T/m5" "$UP"), rx $r1 -> $r2, restarts $(metric "$T/m5" 'tenet_service_restarts_total{tenant="alice",service="fwd"}')"
echo "ok: alice/fwd#0 killed and restarted: restarts_total 1, up again, its rx counter went on ($r1 -> $r2)"

# ---- promtool and a real Prometheus server
have_prom=1
command -v promtool >/dev/null && command -v prometheus >/dev/null || have_prom=0
if [ $have_prom = 1 ]; then
	promtool check metrics <"$T/m2" >"$T/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$T/promtool.out")"
	[ -s "$T/promtool.out" ] && fail "promtool check metrics reports: $(cat "$T/promtool.out")"
	echo "ok: promtool check metrics: no problems"
	cat >"$T/prom.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: tenet
    static_configs: [{targets: ["127.0.0.1:$MP"]}]
YAML
	nice -n 19 prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" \
		--web.listen-address="127.0.0.1:$PP" >"$T/prom.log" 2>&1 &
	prom=$!
	api() { # QUERY: the first sample's value, or nothing
		curl -s --max-time 3 -G "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
			python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
	}
	up=""
	for i in $(seq 60); do
		up=$(api 'up{job="tenet"}')
		[ "$up" = 1 ] && break
		kill -0 $prom 2>/dev/null || fail "prometheus exited: $(tail -n 5 "$T/prom.log")"
		sleep 0.5
	done
	[ "$up" = 1 ] || fail "prometheus: up{job=\"tenet\"} is '$up', want 1 ($(tail -n 3 "$T/prom.log"))"
	echo "ok: prometheus: up{job=\"tenet\"} == 1"
	v=""
	for i in $(seq 20); do
		v=$(api 'tenet_delivered_total{job="tenet",tenant="alice"}')
		[ -n "$v" ] && [ "$v" != 0 ] && break
		sleep 0.5
	done
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)' "${v:-0}" ||
		fail "prometheus: tenet_delivered_total{tenant=\"alice\"} is '$v', want > 0"
	echo "ok: prometheus: tenet_delivered_total{tenant=\"alice\"} = $v"
	v=$(api 'histogram_quantile(0.99, sum by (le) (tenet_sink_latency_seconds_bucket))')
	echo "info: prometheus: p99 sink latency from the histogram: $v s"
	kill $prom
	wait $prom 2>/dev/null
fi

# ---- the manager stops with an exact summary
kill -TERM $mgr
wait $mgr || fail "manager exited $? ($(tail -n 5 "$T/mgr.log"))"
check "every packet accounted" 'j["conserved"] and j["packets_in"] == j["delivered"] + j["dropped_total"]' "$T/s.json"
check "alice and bob delivered" 'j["tenants"]["alice"]["delivered"] > 0 and j["tenants"]["bob"]["delivered"] > 0' "$T/s.json"
[ $have_prom = 1 ] || skip "promtool/prometheus not installed (Debian package prometheus, scripts/install-deps.sh): the curl checks passed"
echo "test_metrics: pass"
