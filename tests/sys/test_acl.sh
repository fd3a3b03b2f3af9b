#!/bin/sh
# The acl NF in a chain alice/acl -> sink: two generated flow groups (DNS
# from 10.1/16, HTTP from 10.3/16); the rules drop the first. Every packet
# of that group must be dropped by the NF's verdict and every packet of the
# other delivered, exactly, and the per-rule counters the NF prints must
# agree (first match wins: the catch-all last rule is never reached). A
# second run reaches the same split through --default drop, and a bad rules
# file stops the NF with FILE:LINE:COL and exit 2 before it attaches.
. "$(dirname "$0")/lib.sh"
ACL="$B/nf/acl"
[ -x "$ACL" ] || fail "$ACL not built"

# once NAME ACL-ARGS: one manager run; summary in $T/NAME.json, output in $T/NAME.out
once() {
	cat >"$T/$1.yaml" <<YAML
manager: {socket_dir: $T/sock, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, rate: 50000, count: 100000, size: 128,
     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, proto: udp, dport: 53, count: 64},
             {src: 10.3.0.0/16, dst: 10.2.0.0/16, proto: udp, dport: 80, count: 64}]}
  - {name: sink0, driver: sink}
tenants: [{name: alice}]
services:
  - {name: acl, tenant: alice, command: "$ACL $2"}
chains:
  - {name: c, hops: [alice/acl], output: sink0}
YAML
	"$TENET" run "$T/$1.yaml" --quiet --summary "$T/$1.json" --duration 60 >"$T/$1.out" ||
		fail "tenet run ($1) exited $?"
	# what the NF says it did must be what the manager saw, loss or not
	S="$T/$1.json"
	line=$(grep '^acl alice/acl#0: ' "$T/$1.out") || fail "$1: acl printed no summary"
	set -- "$1" $(echo "$line" | sed 's/^acl [^ ]* \([0-9]*\) packets, \([0-9]*\) allowed, \([0-9]*\) dropped$/\1 \2 \3/')
	[ $# = 4 ] || fail "$1: cannot read acl's summary: $line"
	check "$1: acl saw what the manager gave it ($2)" "j['nfs'][0]['rx'] == $2" "$S"
	check "$1: acl's drop count ($4) is the manager's NF-verdict drop count" \
		"j['nfs'][0]['verdict_drop'] == j['dropped']['nf_verdict'] == $4" "$S"
	check "$1: acl's allow count ($3) is what the sink got" "j['delivered'] == $3" "$S"
}

# run NAME ACL-ARGS: once, and again (4 runs at most) while packets were lost
# because the NF's rx ring was full. The manager never waits for an NF, so
# an NF descheduled for longer than its ring lasts (1024 packets: 20 ms at
# 50 kpps) loses packets; on a machine busy with other work that happens.
# The checks in once() hold even then; the exact split needs a clean run.
run() {
	for attempt in 1 2 3 4; do
		once "$@"
		full=$(json "$T/$1.json" 'j["dropped_total"] - j["dropped"]["nf_verdict"]')
		[ "$full" = 0 ] && return
		echo "note: $1: $full packets lost to a full NF ring or pool (NF starved of CPU?); run again"
	done
	skip "$1: the NF's rx ring overflowed in 4 runs of 4: CPUs too busy ($(cut -d' ' -f1-3 /proc/loadavg))"
}

# expect_split NAME: group 0 dropped by the NF, group 1 delivered, nothing else lost
expect_split() {
	S="$T/$1.json"
	G='j["ports"]["gen0"]["driver_stats"]["groups"]'
	check "$1: all 100000 packets accounted for" 'j["conserved"] and j["packets_in"] == 100000' "$S"
	check "$1: both groups generated" "len($G) == 2 and min($G) > 0 and sum($G) == 100000" "$S"
	check "$1: dropped.nf_verdict == packets of the DNS group" \
		"j['dropped']['nf_verdict'] == $G[0]" "$S"
	check "$1: delivered == packets of the HTTP group" "j['delivered'] == $G[1]" "$S"
	check "$1: no other drops" "j['dropped_total'] == j['dropped']['nf_verdict']" "$S"
	g0=$(json "$S" "$G[0]")
	g1=$(json "$S" "$G[1]")
}

# hits NAME LINE: the counter the NF printed for the rule on LINE
hits() {
	sed -n "s/^  line $2: .*: \([0-9]*\)\$/\1/p" "$T/$1.out"
}

cat >"$T/rules" <<'RULES'
# test_acl rules
allow src 10.3.0.0/16 proto udp dport 80
drop  src 10.1.0.0/16 proto udp dport 53   # the DNS group

drop src 2001:db8::/32                     # IPv6: matches nothing here
	drop proto udp                     # would match both; never reached
RULES

run rules "--rules $T/rules"
expect_split rules
grep -q "^acl alice/acl#0: 100000 packets, $g1 allowed, $g0 dropped\$" "$T/rules.out" ||
	fail "acl's summary line is wrong: $(grep '^acl ' "$T/rules.out")"
[ "$(hits rules 2)" = "$g1" ] || fail "rule on line 2 hit $(hits rules 2) times, expected $g1"
[ "$(hits rules 3)" = "$g0" ] || fail "rule on line 3 hit $(hits rules 3) times, expected $g0"
[ "$(hits rules 6)" = 0 ] || fail "rule on line 6 hit $(hits rules 6) times: first match lost"
[ "$(hits rules 5)" = 0 ] || fail "IPv6 rule on line 5 hit $(hits rules 5) times"
grep -q "^  line 3: drop src 10.1.0.0/16 proto udp dport 53: " "$T/rules.out" ||
	fail "rule 3 not printed in canonical form"
grep -q "^  default allow: 0 matched no rule, 0 non-IP/malformed\$" "$T/rules.out" ||
	fail "default counters wrong: $(grep default "$T/rules.out")"
echo "ok: per-rule counters: line 2 $g1, line 3 $g0, unreachable rules 0"

printf 'allow dst 10.2.0.0/16 sport 0-65535 dport 80\n' >"$T/allow"
run dflt "--rules $T/allow --default drop"
expect_split dflt
[ "$(hits dflt 1)" = "$g1" ] || fail "allow rule hit $(hits dflt 1) times, expected $g1"
grep -q "^  default drop: $g0 matched no rule, 0 non-IP/malformed\$" "$T/dflt.out" ||
	fail "default drop counters wrong: $(grep default "$T/dflt.out")"
echo "ok: --default drop takes the packets no rule matches ($g0)"

printf 'allow src 10.3.0.0/16\n# fine so far\ndrop src 10.1.0.0/16 dport 53-x\n' >"$T/bad"
TENET_SOCKET="$T/none.sock" TENET_SERVICE=acl "$ACL" --rules "$T/bad" 2>"$T/bad.err"
rc=$?
[ "$rc" = 2 ] || fail "bad rules: exit $rc, expected 2"
grep -q "^acl: $T/bad:3:28: bad dport '53-x'; expected " "$T/bad.err" ||
	fail "bad rules message: $(cat "$T/bad.err")"
! grep -q attach "$T/bad.err" || fail "acl tried to attach with a bad rules file"
echo "ok: bad rules file: exit 2 with $(sed 's/^acl: [^:]*:/FILE:/' "$T/bad.err")"
