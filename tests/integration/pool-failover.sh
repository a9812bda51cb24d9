#!/bin/sh
# Failover in a pool of two ucshd nodes on one PostgreSQL store: phones
# sign in through node a while it is killed with SIGKILL. The phones move
# to node b, as they would with the pool's DNS SRV records listing both;
# every binding a acknowledged before it died is still in the store; every
# phone ends up signed in; b takes over the pool's time-driven work (the
# expiry of bindings) once a's lease lapses, and runs it alone.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/pool-lib.sh"
if test_on_sqlite; then
	echo "1..0 # SKIP a pool needs a PostgreSQL store (make check runs this through tests/pg/run.sh)"
	exit 0
fi
need ss python3
trap stop_all_nodes EXIT

PHONES=60
pick_ports
setup_pool
add_users $PHONES
A=127.0.0.1:$SIP_PORT
B=127.0.0.2:$SIP_PORT

# bound_users: the user names with a binding in the store
bound_users() {
	store_sql "SELECT \"User\" FROM registration" | sed "s/^sip://; s/@.*//" | sort -u
}

acked() {
	wc -l <acked.txt 2>/dev/null || echo 0
}

test_expect_success 'two nodes serve the pool; a runs the expiry' '
	start_node a 127.0.0.1 &&
	wait_until "grep -q \"expiry: node a removes\" a.log" &&
	start_node b 127.0.0.2 &&
	wait_until "grep -q \"expiry: node b leaves\" b.log"
'

test_expect_success 'phones signing in through a move to b when a is killed; every phone is signed in' '
	: >acked.txt &&
	{ pool_client register --targets $A,$B --phones phones.txt --ack acked.txt \
		--timeout 1 >client.out 2>&1; echo $? >client.rc; } &
	wait_until "test \$(acked) -ge 15" 300 &&
	pa=$(node_pid a) && kill -KILL "$pa" &&
	wait_until "! kill -0 $pa 2>/dev/null" && rm -f a.pid &&
	echo "# killed node a after $(acked) acknowledged sign-ins" &&
	wait_until "test -s client.rc" 1200 &&
	cat client.out && test "$(cat client.rc)" = 0 &&
	test "$(acked)" = $PHONES &&
	grep -q " $A\$" acked.txt && grep -q " $B\$" acked.txt
'

test_expect_success 'no binding acknowledged by the killed node is lost' '
	grep " $A\$" acked.txt | cut -d" " -f1 | sort >acked-by-a &&
	test -s acked-by-a &&
	bound_users >in-store &&
	comm -23 acked-by-a in-store >lost &&
	test ! -s lost &&
	test "$(wc -l <in-store)" = $PHONES
'

test_expect_success 'b takes the expiry over once the killed node'"'"'s lease has lapsed' '
	wait_until "grep -q \"expiry: node b removes\" b.log" 400 &&
	! grep "expiry: node a leaves" a.log
'

pool_nodes_of() {
	node_ucsh "$1" -o json -c "Get-CsService Registrar" | python3 -c \
		'import json, sys; d = json.load(sys.stdin); d = d[0] if isinstance(d, list) else d; print(",".join(sorted(d.get("PoolNodes") or [])))'
}

test_expect_success 'b answers for the whole pool alone' '
	wait_until "test \"\$(pool_nodes_of b)\" = b" 150
'

test_expect_success 'the surviving node stops cleanly' '
	stop_node b
'

test_done
