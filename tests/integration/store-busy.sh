#!/bin/sh
# ucshd while another process holds the store's write lock (an
# Import-CsPhone batch, a Set-* pipeline): the loop keeps answering phones
# and keeps what it could not write, then writes it once the lock is free.
# Nothing is lost: the REGISTER's binding, the wrong PIN's count, the
# inventory row of a check-in, the record of an uploaded log.
#
# The lock is held by the sqlite3 shell (BEGIN IMMEDIATE) until the test
# lets it go, so every step is ordered by what it waits for, not by time.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need curl python3 sqlite3 ss
if ! test_on_sqlite; then
	echo "1..0 # SKIP the lock is taken with the sqlite3 shell; the store is PostgreSQL"
	exit 0
fi
trap 'release_lock; stop_ucshd KILL' EXIT
CLIENT="$UCSH_SRC_DIR/tests/integration/sip-pool-client.py"

pick_ports
setup_pool
add_user ken 100 48213
add_user ann 101 52817
add_user joe 102 60317
INT=http://127.0.0.1:$INT_HTTP_PORT/RequestHandler
MAC=00-04-F2-00-0B-01

busy_waits() {
	$UCSH -c "(Get-CsService Registrar).StoreBusyWaits"
}

check_in() {
	curl -s --max-time 20 -o answer.xml -w '%{http_code}' -X POST -H 'Content-Type: text/xml' \
		--data-binary "<UpdateRequest><MacAddress>$1</MacAddress><Brand>Polycom</Brand><Model>CX600</Model><Revision>Rev-1</Revision><Locale>ENU</Locale><Version>4.0.7577.4100</Version></UpdateRequest>" \
		"$INT/ucdevice.upx"
}

# sign_in USER PIN [EXPIRES]: the final status of a REGISTER with its
# digest answer (EXPIRES 0: the binding's removal)
sign_in() {
	echo "$1:$2" >"phones-$1.txt"
	timeout -k 5 60 python3 "$CLIENT" cross --targets 127.0.0.1:$SIP_PORT,127.0.0.1:$SIP_PORT \
		--phones "phones-$1.txt" --timeout 40 --expires "${3:-600}"
}

answered_200() {
	$UCSH -c "(Get-CsService Registrar).Responses200"
}

start_registrar >/dev/null 2>&1
wait_until 'grep -q "DeviceUpdateInternal started" "$TEST_DIR/ucshd.log"' 100

# at the top level: the test bodies run in subshells, which would close fd 7
hold_lock && held=yes || held=no
test_expect_success 'the sqlite3 shell holds the write lock' '
	test $held = yes && test "$(busy_waits)" = 0
'

test_expect_success 'a REGISTER waits for the store, its answer held, while the loop goes on' '
	sign_in ken 48213 >register.out 2>register.err &
	reg=$! &&
	wait_until "test \"\$(busy_waits)\" = 1" 200 &&
	test "$(check_in $MAC)" = 200 &&
	test_grep "<Update available=\"false\"/>" answer.xml &&
	kill -0 $reg && test "$(bindings_of ken)" = 0 &&
	echo "$reg" >reg.pid
'

test_expect_success 'a REGISTER and then its removal, both held, end with no binding' '
	sign_in joe 60317 >joe-add.out 2>&1 &
	echo $! >joe-add.pid &&
	wait_until "test \"\$(answered_200)\" = 2" 200 &&
	sign_in joe 60317 0 >joe-del.out 2>&1 &
	echo $! >joe-del.pid &&
	wait_until "test \"\$(answered_200)\" = 3" 200
'

test_expect_success 'a wrong PIN is answered 403 at once, its count kept' '
	test "$(sign_in ann 11111)" = 403 &&
	test "$(store_rows "SELECT FailedAttempts FROM client_pin WHERE Identity = '"'"'sip:ann@contoso.com'"'"'")" = 0
'

test_expect_success 'a log upload is answered 201 at once, the file kept' '
	printf "celog line\n" >boot.clg &&
	test "$(curl -s --max-time 20 -o /dev/null -w "%{http_code}" -T boot.clg \
		"$INT/Logs/$MAC/boot.clg?type=CELog")" = 201 &&
	cmp boot.clg store/logs/$MAC/boot.clg
'

release_lock
test_expect_success 'once the lock is free: the 200, the binding, the count, the phone, the log' '
	reg=$(cat reg.pid) &&
	wait_until "! kill -0 $reg 2>/dev/null" 300 &&
	test "$(cat register.out)" = 200 &&
	test "$(bindings_of ken)" = 1 &&
	wait_until "! kill -0 $(cat joe-add.pid) 2>/dev/null && ! kill -0 $(cat joe-del.pid) 2>/dev/null" 300 &&
	test "$(cat joe-add.out)" = 200 && test "$(cat joe-del.out)" = 200 &&
	test "$(bindings_of joe)" = 0 &&
	wait_until "test \"\$(pin_info ann FailedAttempts)\" = 1" 100 &&
	wait_until "$UCSH -c \"(Get-CsPhone $MAC).Model\" | grep -q CX600" 100 &&
	wait_until "$UCSH -c \"Get-CsDeviceUpdateLog -MacAddress $MAC\" | grep -q boot.clg" 100
'

test_expect_success 'nothing was refused or lost: no 500, no warning in the log' '
	test "$($UCSH -c "(Get-CsService Registrar).Responses5xx")" = 0 &&
	! grep -i "warning\|error" "$TEST_DIR/ucshd.log"
'

stop_ucshd TERM && drained=yes || drained=no
test_expect_success 'ucshd drains on SIGTERM (and ASan found nothing)' '
	test $drained = yes
'
test_done
