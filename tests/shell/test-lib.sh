# test-lib.sh: the harness of ucsh's shell-level tests, after git's t/.
# A test file sources this, declares cases with test_expect_success and
# ends with test_done. Output is TAP, which `make check` reads.
#
#   test_expect_success 'what the case proves' '
#           $UCSH -c "..." >actual &&
#           test_cmp expected actual
#   '
#
# Each file runs in its own empty directory (removed on success) with
# HOME, XDG dirs and UCSH_STORE inside it, so no test sees another's state.

set -u
test_count=0
test_failed=0
test_skipped=0

UCSH_BUILD_DIR=${UCSH_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
UCSH_SRC_DIR=${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
UCSH=${UCSH:-$UCSH_BUILD_DIR/ucsh}
export UCSH UCSH_BUILD_DIR UCSH_SRC_DIR

test_name=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ucsh-$test_name.XXXXXX") || exit 1
HOME=$TEST_DIR/home
XDG_DATA_HOME=$TEST_DIR/home/.local/share
XDG_STATE_HOME=$TEST_DIR/home/.local/state
XDG_CONFIG_HOME=$TEST_DIR/home/.config
UCSH_STORE=sqlite://$TEST_DIR/store/ucsh.db
# Where ucshd keeps its control socket and its PKI: beside an SQLite store;
# for a PostgreSQL store, in the runtime and data directories.
UCSHD_SOCK=$TEST_DIR/store/ucshd.sock
PKI_DIR=$TEST_DIR/store/pki
STATE_DIR=$TEST_DIR/store # what ucshd keeps beside the store: images/, logs/, pki/
export HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CONFIG_HOME UCSH_STORE
unset NO_COLOR COLUMNS XDG_RUNTIME_DIR
mkdir -p "$HOME"
cd "$TEST_DIR" || exit 1

# UCSH_TEST_BACKEND=postgresql (tests/pg/run.sh sets it): the same tests on
# a database of their own on the server whose socket directory is
# UCSH_TEST_PG_HOST, dropped when the file passes.
UCSH_TEST_BACKEND=${UCSH_TEST_BACKEND:-sqlite}
TEST_PG_DB=
if [ "$UCSH_TEST_BACKEND" = postgresql ]; then
	. "$UCSH_SRC_DIR/tests/shell/pg-lib.sh"
	if [ -z "${UCSH_TEST_PG_HOST:-}" ]; then
		echo "1..0 # SKIP no PostgreSQL server: run it through tests/pg/run.sh"
		cd / && rm -rf "$TEST_DIR"
		exit 0
	fi
	TEST_PG_DB=t_$(echo "$test_name" | tr -c 'a-zA-Z0-9\n' _ | tr A-Z a-z)_$$
	pg_sql "$UCSH_TEST_PG_HOST" postgres "CREATE DATABASE $TEST_PG_DB" ||
		{ echo "Bail out! cannot create the database $TEST_PG_DB"; exit 1; }
	UCSH_STORE=$(pg_uri "$UCSH_TEST_PG_HOST" "$TEST_PG_DB")
	XDG_RUNTIME_DIR=$TEST_DIR/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	export XDG_RUNTIME_DIR
	UCSHD_SOCK=$XDG_RUNTIME_DIR/ucshd.sock
	PKI_DIR=$XDG_DATA_HOME/ucsh/pki
	STATE_DIR=$XDG_DATA_HOME/ucsh
fi

# store_sql SQL: read (or poke) the store behind ucsh's back, for checks of
# what it keeps. Tests only; ucsh itself has no SQL.
store_sql() {
	if [ -n "$TEST_PG_DB" ]; then
		pg_sql "$UCSH_TEST_PG_HOST" "$TEST_PG_DB" "$1"
	else
		sqlite3 "$TEST_DIR/store/ucsh.db" "$1"
	fi
}

# test_on_sqlite: true on the SQLite back end (for checks of its file).
test_on_sqlite() {
	test -z "$TEST_PG_DB"
}

# have_store_sql: store_sql can run (sqlite3 is installed, or psql is).
have_store_sql() {
	if test_on_sqlite; then command -v sqlite3 >/dev/null; else true; fi
}

# SQL for a JSON column (quoted name COL): the value of KEY, and the keys
# in order joined by commas.
sql_json_field() {
	if test_on_sqlite; then echo "json_extract(\"$1\", '\$.\"$2\"')"
	else echo "(\"$1\"::json ->> '$2')"; fi
}
# The elements of a JSON array column as a FROM item named j (ALIAS COL),
# and the field KEY of such an element.
sql_json_each() {
	if test_on_sqlite; then echo "json_each($1.\"$2\") j"
	else echo "json_array_elements($1.\"$2\"::json) j"; fi
}
sql_elem_field() {
	if test_on_sqlite; then echo "(j.value ->> '\$.$1')"
	else echo "(j ->> '$1')"; fi
}
sql_json_keys() {
	if test_on_sqlite; then echo "(SELECT group_concat(key) FROM json_each(\"$1\"))"
	else echo "(SELECT string_agg(key, ',') FROM json_each_text(\"$1\"::json))"; fi
}

if [ ! -x "$UCSH" ]; then
	echo "1..0 # SKIP ucsh binary not found at $UCSH"
	exit 0
fi

say_case() {
	# $1: ok|not ok, $2: number, $3: description
	printf '%s %d - %s\n' "$1" "$2" "$3"
}

# Run the case body in a subshell so that a failing command cannot leak
# state (cd, variables) into the next case.
test_expect_success() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TEST_DIR/.out" 2>&1; then
		say_case "ok" "$test_count" "$1"
	else
		test_failed=$((test_failed + 1))
		say_case "not ok" "$test_count" "$1"
		sed 's/^/#   /' "$TEST_DIR/.out"
		printf '#   the case was:\n'
		printf '%s\n' "$2" | sed 's/^/#   /'
	fi
}

# A case expected to fail for a known, written-down reason: TAP TODO.
test_expect_failure() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TEST_DIR/.out" 2>&1; then
		say_case "ok" "$test_count" "$1 # TODO known breakage vanished"
	else
		say_case "not ok" "$test_count" "$1 # TODO known breakage"
	fi
}

# Skip a case, always with the reason printed beside it.
test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	say_case "ok" "$test_count" "$1 # SKIP $2"
}

test_cmp() {
	diff -u "$1" "$2"
}

# Runs a command that must fail with the given exit status.
test_expect_code() {
	want=$1
	shift
	"$@"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "expected exit status $want, got $got: $*"
		return 1
	fi
	return 0
}

test_must_fail() {
	"$@"
	got=$?
	if [ "$got" = 0 ]; then
		echo "expected failure, got success: $*"
		return 1
	fi
	if [ "$got" -gt 128 ]; then
		echo "died of signal $((got - 128)): $*"
		return 1
	fi
	return 0
}

# grep that shows the file when it does not match.
test_grep() {
	if ! grep "$@"; then
		eval "last=\${$#}"
		echo "no match for: $*"
		echo "--- $last:"
		cat "$last" 2>/dev/null
		return 1
	fi
}

test_done() {
	echo "1..$test_count"
	if [ "$test_failed" = 0 ]; then
		cd / && rm -rf "$TEST_DIR"
		[ -z "$TEST_PG_DB" ] ||
			pg_sql "$UCSH_TEST_PG_HOST" postgres "DROP DATABASE IF EXISTS $TEST_PG_DB WITH (FORCE)" ||
			echo "# could not drop the database $TEST_PG_DB"
		exit 0
	fi
	echo "# failed $test_failed of $test_count; files kept in $TEST_DIR"
	exit 1
}
