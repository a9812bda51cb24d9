#!/usr/bin/env bash
# registrar-pool: ucshd's REGISTER-with-digest rate over UDP on its three
# stores, in ONE run, on the same load generator (SIPp through the shared
# registrar-load.sh) and the same users:
#   sqlite   one node on the embedded SQLite store (synchronous=FULL);
#   pg-1     one node on a PostgreSQL store (a server started here, fsync on);
#   pg-2     two nodes of one pool on that store (127.0.0.1 and 127.0.0.2,
#            the same ports), each loaded with half the rate and half the
#            users by a SIPp of its own, at the same time.
# A step is sustained as BASELINE.md says (0 failed calls, >= 97 % of the
# target, < 1 % retransmissions, p99 <= 100 ms); for pg-2 both halves must be.
# The single-node ladders use the shared registrar-ladder.sh (the top step
# repeated REPEATS times); the two-node ladder runs each step once and
# repeats the top one REPEATS-1 times.
#
# Not run by CI. Usage: tests/bench/registrar-pool.sh
# Environment (optional):
#   PEERS           the shared peers folder (default ../shared/peers from the repo)
#   UCSH_BUILD_DIR  a configured release build dir (default: a new one in $WORK)
#   N               users (default 4000); STEP_SECS (default 10); REPEATS (default 2)
#   RATES           the ladder (default 250 500 1000 1500 2000 3000 4000 6000 8000 10000 12000)
#   SIP_PORT        the pool's UDP port (default 5090)
#   KEEP=1          keep the work dir
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$(cd "$SRC/../shared/peers" 2>/dev/null && pwd)}
[[ -x $PEERS/registrar-ladder.sh && -x $PEERS/registrar-load.sh ]] ||
	{ echo "registrar-pool: set PEERS to the shared peers folder" >&2; exit 2; }
source "$PEERS/lib.sh"
source "$SRC/tests/shell/pg-lib.sh"

N=${N:-4000}
STEP_SECS=${STEP_SECS:-10}
REPEATS=${REPEATS:-2}
RATES=${RATES:-"250 500 1000 1500 2000 3000 4000 6000 8000 10000 12000"}
SIP_PORT=${SIP_PORT:-5090}
export UCSH_POOL_FQDN=pool01.contoso.com
# SIPp 3.6 answers only the first challenge, and only MD5 (see sipp-register.sh)
export UCSH_DIGEST_ALGORITHMS=MD5,SHA-256
export QUIET_PCT=${QUIET_PCT:-20} QUIET_WAIT=${QUIET_WAIT:-20}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ucsh-poolbench.XXXXXX")
chmod 755 "$WORK"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do stop_pid "$p" ucshd; done
	pg_server_stop "$WORK/pg"
	if [[ ${KEEP:-0} == 1 ]]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo interrupted >&2; exit 130' INT TERM
REPORT=$WORK/report.txt
say() { echo "$*" | tee -a "$REPORT"; }
host_note() { say "# $(date -u +%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg)"; }
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<< "$2"; }

for p in $SIP_PORT $((SIP_PORT + 1)) 15060 15061; do
	ss -Hltun "sport = :$p" 2>/dev/null | grep -q . && die "port $p is in use"
done
command -v sipp >/dev/null || die "sipp missing (apt-get install sip-tester)"
pg_available || die "PostgreSQL missing (apt-get install postgresql)"

## a release build
if [[ -z ${UCSH_BUILD_DIR:-} ]]; then
	[[ -x $SRC/configure ]] || die "run autoreconf -fi first"
	UCSH_BUILD_DIR=$WORK/build
	mkdir -p "$UCSH_BUILD_DIR"
	echo "configuring a release build (no sanitizers) in $UCSH_BUILD_DIR ..."
	(cd "$UCSH_BUILD_DIR" && "$SRC/configure" --quiet CFLAGS="-O2 -g" >/dev/null) || die "configure failed"
fi
(cd "$UCSH_BUILD_DIR" && timeout 900 make -j"$(nproc)" ucsh ucshd >/dev/null) || die "build failed"
grep -q '^SAN_CFLAGS = -f' "$UCSH_BUILD_DIR/Makefile" && die "$UCSH_BUILD_DIR is a sanitizer build"
UCSH=$UCSH_BUILD_DIR/ucsh UCSHD=$UCSH_BUILD_DIR/ucshd
cd "$WORK" || exit 2
say "# registrar-pool on $(hostname) $(date -u +%FT%TZ); $(nproc) cores; ucsh $(git -C "$SRC" describe --always --dirty 2>/dev/null)"
say "# $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1); $("$PG_BIN/postgres" --version); users=$N step=${STEP_SECS}s repeats=$REPEATS"

## users and PINs, the same in both stores; SIPp injection files (all, and two halves)
awk -v n="$N" 'BEGIN {
	print "SipAddress,LineURI,DisplayName" >"users.csv"
	print "Identity,Pin" >"pins.csv"
	print "SEQUENTIAL" >"sipp-users.csv"; print "SEQUENTIAL" >"sipp-a.csv"; print "SEQUENTIAL" >"sipp-b.csv"
	seed = 20261126
	for (i = 1; i <= n; i++) {
		u = sprintf("user%05d", i)
		seed = (seed * 1103515245 + 12345) % 2147483648
		pin = sprintf("%06d", int(seed / 2048) % 1000000)
		printf "sip:%s@contoso.com,tel:+1425%07d;ext=%05d,User %05d\n", u, 5550000 + i, 10000 + i, i >"users.csv"
		printf "sip:%s@contoso.com,%s\n", u, pin >"pins.csv"
		line = sprintf("%s;[authentication username=%s password=%s]", u, u, pin)
		print line >"sipp-users.csv"
		print line >(i % 2 ? "sipp-a.csv" : "sipp-b.csv")
	}
}'
fill_store() { # URI
	UCSH_STORE=$1 "$UCSH" -c "Set-CsPool $UCSH_POOL_FQDN -SipPort $SIP_PORT -TlsPort $((SIP_PORT + 1)) -ListenAddress 127.0.0.1; Set-CsPinPolicy -AllowCommonPatterns \$true" >/dev/null &&
	[[ $(UCSH_STORE=$1 timeout 900 "$UCSH" -c '(Import-Csv users.csv | New-CsUser | Measure-Object).Count') == "$N" ]] &&
	[[ $(UCSH_STORE=$1 timeout 1800 "$UCSH" -c '(Import-Csv pins.csv | Set-CsClientPin | Measure-Object).Count') == "$N" ]]
}
SQLITE_URI=sqlite://$WORK/sqlite/ucsh.db
PG_FSYNC=on pg_server_start "$WORK/pg" >/dev/null || die "PostgreSQL did not start"
pg_sql "$WORK/pg" postgres "CREATE DATABASE ucsh" || die "cannot create the database"
PG_URI=$(pg_uri "$WORK/pg" ucsh)
t0=$(date +%s)
fill_store "$SQLITE_URI" || die "the SQLite store was not filled"
t1=$(date +%s)
fill_store "$PG_URI" || die "the PostgreSQL store was not filled"
t2=$(date +%s)
say "# $N users and PINs: SQLite $((t1 - t0)) s, PostgreSQL $((t2 - t1)) s (fsync on)"

# start_node URI NAME ADDRESS: a node, ready when it listens; its PID in NPID
start_node() {
	mkdir -p "$WORK/run-$2" && chmod 700 "$WORK/run-$2"
	XDG_RUNTIME_DIR=$WORK/run-$2 UCSH_STORE=$1 "$UCSHD" --node "$2" --listen-address "$3" \
		--log-level warning 2>>"$WORK/$2.log" &
	NPID=$!
	PIDS+=("$NPID")
	for ((i = 0; i < 300; i++)); do
		ss -Hlun "src $3:$SIP_PORT" 2>/dev/null | grep -q . && return 0
		kill -0 "$NPID" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$WORK/$2.log" >&2
	die "ucshd $2 did not listen on $3:$SIP_PORT"
}
stop_nodes() {
	for p in "${PIDS[@]}"; do stop_pid "$p" ucshd; done
	PIDS=()
}
# single_ladder LABEL URI: one node, the shared ladder; its max_rate line in LINE
single_ladder() {
	start_node "$2" "$1" 127.0.0.1
	host_note
	say "## $1: one node, udp ladder: $RATES"
	RATES=$RATES SERVER_PID=$NPID USERS_CSV=$WORK/sipp-users.csv DOMAIN=contoso.com EXPIRES=600 \
		timeout 2400 "$PEERS/registrar-ladder.sh" 127.0.0.1 "$SIP_PORT" udp "$STEP_SECS" "$REPEATS" 2>&1 |
		tee -a "$REPORT"
	LINE=$(grep '^max_rate=' "$REPORT" | tail -1)
	stop_nodes
}

# pair_step RATE: both nodes at RATE/2 each, at once; "yes" when both sustained
pair_step() {
	local half=$(($1 / 2)) la lb
	LOCAL_PORT=15060 SERVER_PID=$PA USERS_CSV=$WORK/sipp-a.csv DOMAIN=contoso.com EXPIRES=600 \
		"$PEERS/registrar-load.sh" 127.0.0.1 "$SIP_PORT" udp "$half" "$STEP_SECS" >pair-a.txt 2>/dev/null &
	local ja=$!
	LOCAL_PORT=15061 LOCAL_IP=127.0.0.2 SERVER_PID=$PB USERS_CSV=$WORK/sipp-b.csv DOMAIN=contoso.com \
		EXPIRES=600 "$PEERS/registrar-load.sh" 127.0.0.2 "$SIP_PORT" udp "$half" "$STEP_SECS" \
		>pair-b.txt 2>/dev/null
	wait "$ja"
	la=$(tail -1 pair-a.txt) lb=$(tail -1 pair-b.txt)
	say "$2 rate=$1 a: $la"
	say "$2 rate=$1 b: $lb"
	[[ $(field sustained "$la") == yes && $(field sustained "$lb") == yes ]]
}

pair_ladder() {
	start_node "$PG_URI" a 127.0.0.1
	PA=$NPID
	start_node "$PG_URI" b 127.0.0.2
	PB=$NPID
	host_note
	say "## pg-2: two nodes, each at half the rate with half the users: $RATES"
	local best= first_fail=none r
	for r in $RATES; do
		if pair_step "$r" step; then best=$r; else first_fail=$r; break; fi
		sleep 2
	done
	local k=1
	while [[ -n $best ]] && ((k < REPEATS)); do
		sleep 2
		pair_step "$best" repeat || { say "# the top step did not hold on repeat $k"; best=; break; }
		k=$((k + 1))
	done
	PAIR_LINE="max_rate=${best:-0} first_fail=$first_fail"
	say "$PAIR_LINE"
	stop_nodes
}

single_ladder sqlite "$SQLITE_URI"
SQ_LINE=$LINE
single_ladder pg-1 "$PG_URI"
PG1_LINE=$LINE
pair_ladder
host_note

say ""
say "=== REGISTER + digest over UDP, $N users, ${STEP_SECS}s steps, one run (rates are complete sign-ins/s)"
say "sqlite  1 node   max_rate=$(field max_rate "$SQ_LINE")/s p99=$(field median_p99_ms "$SQ_LINE")ms ucshd_cpu=$(field median_server_cpu "$SQ_LINE") first_fail=$(field first_fail "$SQ_LINE")"
say "pg      1 node   max_rate=$(field max_rate "$PG1_LINE")/s p99=$(field median_p99_ms "$PG1_LINE")ms ucshd_cpu=$(field median_server_cpu "$PG1_LINE") first_fail=$(field first_fail "$PG1_LINE")"
say "pg      2 nodes  max_rate=$(field max_rate "$PAIR_LINE")/s (sum of both halves) first_fail=$(field first_fail "$PAIR_LINE")"
say "# PostgreSQL's own CPU is in other_cpu of each line; SIPp, PostgreSQL and the nodes share $(nproc) cores"
