# Helpers for the system tests (sourced). Each test is a shell script that
# exits 0 (pass), 77 (skip, with a reason on the last line) or 1 (fail).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B="$TOP/${TENET_BUILD:-build}"
TENET="$B/tenet"
T=$(mktemp -d /tmp/tenet-sys.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$TOP"

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

# json FILE EXPR: evaluate a Python expression over the parsed JSON as 'j'
json() {
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

# check DESCRIPTION PYTHON-BOOL-EXPR-over-j SUMMARY
check() {
	r=$(json "$3" "$2") || fail "$1: cannot evaluate"
	[ "$r" = "True" ] || fail "$1 ($2 is $r)"
	echo "ok: $1"
}

probe_val() { # FILE KEY
	sed -n "s/^$2 //p" "$1"
}

# tenant_drops_only TENANT SUMMARY REASON...: every packet of TENANT's chains
# that was dropped after classification was dropped for one of REASONs
# (e.g. the load reasons nf_rx_full no_buffer tx_full), and the per-reason
# counts add up to the tenant's total
tenant_drops_only() {
	_tn=$1
	_s=$2
	shift 2
	check "$_tn: dropped only for $* ($(json "$_s" "j['tenants']['$_tn']['drops']"))" \
		"set(j['tenants']['$_tn']['drops']) <= set('$*'.split()) and sum(j['tenants']['$_tn']['drops'].values()) == j['tenants']['$_tn']['dropped']" "$_s"
}

# one_nf_yaml NAME GEN-OPTIONS: write $T/NAME.yaml, a gen port (its options,
# e.g. "rate: 20000, duration: 2") into alice's one-NF chain (build/nf/fwd)
# and out to a sink, with a socket directory of its own
one_nf_yaml() {
	cat >"$T/$1.yaml" <<YAML
manager: {socket_dir: $T/sock-$1, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, $2, size: 64}
  - {name: sink0, driver: sink}
tenants: [{name: alice}]
services:
  - {name: fwd, tenant: alice, command: "$B/nf/fwd"}
chains:
  - {name: a, hops: [alice/fwd], output: sink0}
YAML
}
