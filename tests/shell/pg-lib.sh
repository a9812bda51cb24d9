# pg-lib.sh: a throw-away PostgreSQL server for the tests, sourced by
# test-lib.sh (UCSH_TEST_BACKEND=postgresql), the PostgreSQL pass of make
# check (tests/pg-suite.sh) and the benchmarks.
#
#   pg_server_start DIR   initdb into DIR/data and serve on a Unix socket in
#                         DIR (no TCP), as an unprivileged user when run as
#                         root (initdb and postgres refuse root); superuser
#                         "ucsh", trust authentication. PID in DIR/pid.
#   pg_server_stop DIR    stop it by its PID (fast shutdown, bounded wait)
#   pg_sql DIR DB SQL     run SQL with psql, unaligned, no headers
#   pg_uri DIR DB         the store URI of database DB
#
# PG_FSYNC=on keeps PostgreSQL's durability (benchmarks); tests run with
# fsync off, as nothing they check survives a power cut.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

pg_available() {
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/postgres" ] &&
		command -v psql >/dev/null 2>&1
}

# as_pg CMD...: run CMD as the user the server runs as.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

pg_server_start() {
	_d=$1
	mkdir -p "$_d" || return 1
	if [ "$(id -u)" = 0 ]; then
		chown nobody:nogroup "$_d" && chmod 755 "$_d" || return 1
	fi
	as_pg "$PG_BIN/initdb" -D "$_d/data" -U ucsh --auth=trust -E UTF8 --locale=C -N \
		>"$_d/initdb.log" 2>&1 || { cat "$_d/initdb.log"; return 1; }
	_fsync=${PG_FSYNC:-off}
	# the socket directory is the server's own: other users only connect
	as_pg sh -c 'echo $$ >"$1/pid"; exec "$2/postgres" -D "$1/data" -k "$1" -c listen_addresses= \
		-c fsync="$3" -c synchronous_commit="$3" -c full_page_writes="$3" \
		-c max_connections=200 -c shared_buffers=64MB' \
		pg "$_d" "$PG_BIN" "$_fsync" >"$_d/server.log" 2>&1 </dev/null &
	_i=0
	while [ $_i -lt 300 ]; do
		if psql -h "$_d" -U ucsh -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
			return 0
		fi
		[ -s "$_d/pid" ] && ! kill -0 "$(cat "$_d/pid")" 2>/dev/null && break
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "PostgreSQL did not start in $_d:"
	cat "$_d/server.log"
	return 1
}

pg_server_stop() {
	_d=$1
	[ -s "$_d/pid" ] || return 0
	_pid=$(cat "$_d/pid")
	kill -INT "$_pid" 2>/dev/null || { rm -f "$_d/pid"; return 0; }
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -0 "$_pid" 2>/dev/null && kill -KILL "$_pid" 2>/dev/null
	rm -f "$_d/pid"
	return 0
}

pg_sql() {
	psql -h "$1" -U ucsh -d "$2" -X -v ON_ERROR_STOP=1 -Atqc "$3"
}

pg_uri() {
	echo "postgresql:///$2?host=$1&user=ucsh"
}
