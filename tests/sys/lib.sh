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
