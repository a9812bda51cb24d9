#!/bin/sh
# tests/pg/run.sh: run one test on the PostgreSQL back end.
#
#   sh tests/pg/run.sh tests/pg/NAME.pgt     (make check: the .pgt file names the test)
#   sh tests/pg/run.sh tests/shell/t0100-where.sh | tests/unit/test_store
#
# The test runs with UCSH_TEST_BACKEND=postgresql on the server named by
# UCSH_TEST_PG_HOST (its socket directory: ./quickstart check starts one
# for the whole run); without one, a server of its own is started here and
# stopped, by PID, when the test ends.
UCSH_SRC_DIR=${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$UCSH_SRC_DIR/tests/shell/pg-lib.sh"

target=$1
case "$target" in
*.pgt) target=$(cat "$target") ;;
esac
if ! pg_available; then
	echo "1..0 # SKIP PostgreSQL (initdb, postgres, psql) is not installed"
	exit 0
fi
own=
if [ -z "${UCSH_TEST_PG_HOST:-}" ]; then
	own=$(mktemp -d "${TMPDIR:-/tmp}/ucsh-pg.XXXXXX") || exit 1
	chmod 755 "$own"
	trap 'pg_server_stop "$own"; rm -rf "$own"' EXIT
	trap 'exit 130' INT TERM
	if ! pg_server_start "$own" >"$own.log" 2>&1; then
		echo "Bail out! cannot start PostgreSQL: $(tail -3 "$own.log")"
		rm -f "$own.log"
		exit 1
	fi
	rm -f "$own.log"
	UCSH_TEST_PG_HOST=$own
fi
UCSH_TEST_BACKEND=postgresql
export UCSH_TEST_BACKEND UCSH_TEST_PG_HOST
case "$target" in
*.sh) ${SHELL:-sh} "$target" ;;
*) "$target" ;;
esac
status=$?
exit $status
