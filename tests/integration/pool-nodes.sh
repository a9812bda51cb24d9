#!/bin/sh
# A pool of two ucshd nodes on one PostgreSQL store (127.0.0.1 and
# 127.0.0.2, the pool's ports): each runs under its own name and hears of
# changes by notification; a nonce one node issued is accepted by the
# other; a binding made through one node is in the other's memory; a
# cmdlet's change reaches both at once; the expiry of bindings runs on one
# node only; Get-CsService adds up the counters of both.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/pool-lib.sh"
if test_on_sqlite; then
	echo "1..0 # SKIP a pool needs a PostgreSQL store (make check runs this through tests/pg/run.sh)"
	exit 0
fi
need ss python3 jq
trap stop_all_nodes EXIT

pick_ports
setup_pool
add_user ken 100 48213
add_user ann 101 59314
echo ken:48213 >ken.txt
echo ann:59314 >ann.txt
A=127.0.0.1:$SIP_PORT
B=127.0.0.2:$SIP_PORT

# service_prop NAME PROP: PROP of the Registrar as node NAME answers
service_prop() {
	node_ucsh "$1" -o json -c "Get-CsService Registrar" |
		jq -r "if type == \"array\" then .[0] else . end | .$2"
}

test_expect_success 'two nodes serve the pool, each under its name, notified of changes' '
	start_node a 127.0.0.1 && start_node b 127.0.0.2 &&
	test_grep "serving pool pool01.contoso.com from postgresql:.* as node a (notified of changes)" a.log &&
	test_grep "serving pool pool01.contoso.com from postgresql:.* as node b (notified of changes)" b.log
'

test_expect_success 'a nonce issued by one node is accepted by the other' '
	pool_client cross --targets $A,$B --phones ken.txt >status &&
	echo 200 >expect && test_cmp expect status &&
	pool_client cross --targets $B,$A --phones ken.txt >status &&
	test_cmp expect status
'

# b answers a REGISTER with the bindings a made a moment before: a node
# reads an address of record's bindings from the store when it is asked.
test_expect_success 'a binding made through one node is seen at once by the other' '
	pool_client register --targets $A --phones ann.txt &&
	$UCSH -c "Test-CsRegistration -UserSipAddress sip:ann@$DOMAIN -Pin 59314 -Transport udp -Registrar $B -Expires 0" -o json >probe.json &&
	jq -r ".[] | .Step + \": \" + .Detail" probe.json >details &&
	test_grep "^Authenticate: 200 OK, 2 binding(s)" details
'

# notified_reloads NODE: how many reloads a notification caused so far
notified_reloads() {
	grep -c "reloaded (the store changed, notified)" "$TEST_DIR/$1.log" || true
}

test_expect_success 'a change made by a cmdlet reaches both nodes by notification' '
	a0=$(notified_reloads a) && b0=$(notified_reloads b) &&
	t0=$(date +%s%N) &&
	$UCSH -c "Set-CsRegistrarConfiguration -MaxEndpointsPerUser 7" &&
	wait_until "test \$(notified_reloads a) -gt $a0 && test \$(notified_reloads b) -gt $b0" 100 &&
	wait_until "grep -q \", 7 endpoints per user\" a.log && grep -q \", 7 endpoints per user\" b.log" 100 &&
	echo "# both nodes reloaded after $((($(date +%s%N) - t0) / 1000000)) ms"
'

test_expect_success 'the expiry of bindings runs on one node of the pool' '
	wait_until "grep -q \"expiry: node a removes\" a.log" &&
	sleep_until=$(( $(date +%s) + 9 )) &&
	wait_until "test \$(date +%s) -ge $sleep_until" 150 &&
	! grep "expiry: node b removes" b.log &&
	test_grep "expiry: node b leaves" b.log
'

# own_total NAME COUNTER: what node NAME published of its own Registrar counter
own_total() {
	store_sql "SELECT status FROM pool_node WHERE node = '$1'" |
		jq ".[] | select(.Service == \"Registrar\") | .$2"
}
pool_total() {
	service_prop "$1" "$2"
}
pool_nodes_of() {
	service_prop "$1" 'PoolNodes | sort | join(",")'
}

test_expect_success 'counters are per node, and Get-CsService adds them up over the pool' '
	wait_until "a=\$(own_total a Requests) && b=\$(own_total b Requests) &&
		test -n \"\$a\" && test -n \"\$b\" && test \"\$a\" -gt 0 && test \"\$b\" -gt 0 &&
		test \"\$(pool_total a Requests)\" = \$((a + b)) &&
		test \"\$(pool_total b Requests)\" = \$((a + b))" 100 ||
	{ echo "own: a $(own_total a Requests), b $(own_total b Requests); sums: a $(pool_total a Requests), b $(pool_total b Requests)"; false; } &&
	pool_nodes_of a >nodes &&
	echo a,b >expect && test_cmp expect nodes &&
	service_prop a Node >node &&
	echo a >expect && test_cmp expect node
'

test_expect_success 'a node stopped cleanly hands the expiry over at once and leaves the sum' '
	stop_node a &&
	wait_until "grep -q \"expiry: node b removes\" b.log" 100 &&
	wait_until "test \"\$(pool_nodes_of b)\" = b" 150
'

test_expect_success 'the surviving node stops cleanly' '
	stop_node b
'

test_done
