#!/bin/sh
# ucshd's life: start, pid file, control socket, reload on a store change
# and on SIGHUP, refusal of a second daemon, draining on SIGTERM, -d.
. "$(dirname "$0")/test-lib.sh"
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN
UCSHD=${UCSHD:-$UCSH_BUILD_DIR/ucshd}

# wait_until 'shell condition': poll, bounded to ~20 s.
wait_until() {
	i=0
	while ! eval "$1"; do
		i=$((i + 1))
		[ $i -gt 400 ] && { echo "timed out: $1"; return 1; }
		sleep 0.05
	done
}

start_ucshd() {
	"$UCSHD" --pidfile "$TEST_DIR/ucshd.pid" --log-level info "$@" 2>>"$TEST_DIR/ucshd.log" &
	wait_until 'test -s "$TEST_DIR/ucshd.pid"'
}

stop_ucshd() {
	pid=$(cat "$TEST_DIR/ucshd.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_until '! kill -0 $pid 2>/dev/null'
}
trap 'stop_ucshd' EXIT

test_expect_success 'Get-CsService without ucshd warns and exits 0' '
	$UCSH -c "Get-CsService" >out 2>err &&
	test_grep "WARNING: ucshd is not running for this store" err
'

test_expect_success 'ucshd starts, writes its pid file and opens its control socket' '
	start_ucshd &&
	pid=$(cat ucshd.pid) && kill -0 $pid &&
	test -S "$UCSHD_SOCK" &&
	perm=$(stat -c %a "$UCSHD_SOCK") && test "$perm" = 600 &&
	test_grep "serving pool pool01.contoso.com" ucshd.log
'

test_expect_success 'Get-CsService reaches the running daemon' '
	$UCSH -c "Get-CsService" >out 2>err &&
	! grep -q "not running" err
'

test_expect_success 'a second ucshd on the same store is refused' '
	test_expect_code 1 "$UCSHD" 2>second.log &&
	test_grep "another ucshd already serves this store" second.log
'

reloads() { grep -c "reloaded (the store changed" ucshd.log || true; }

test_expect_success 'a change made by a cmdlet reaches ucshd within a second or so' '
	before=$(reloads) &&
	$UCSH -c "New-CsSite Reload | Out-Null" &&
	wait_until "test \$(reloads) -gt $before"
'

test_expect_success 'SIGHUP reloads' '
	kill -HUP $(cat ucshd.pid) &&
	wait_until "grep -q \"reloaded (SIGHUP)\" ucshd.log"
'

test_expect_success 'an unknown service is an error naming it' '
	test_expect_code 1 $UCSH -c "Stop-CsService NoSuch -Force" 2>err &&
	test_grep "ucshd has no service .NoSuch." err
'

test_expect_success 'SIGTERM drains and exits 0, removing pid file and socket' '
	pid=$(cat ucshd.pid) &&
	kill -TERM $pid &&
	wait_until "! kill -0 $pid 2>/dev/null" &&
	test ! -e ucshd.pid && test ! -e "$UCSHD_SOCK" &&
	test_grep "exited" ucshd.log
'

test_expect_success 'a stale socket left by a killed ucshd is taken over' '
	start_ucshd && pid=$(cat ucshd.pid) &&
	kill -KILL $pid && wait_until "! kill -0 $pid 2>/dev/null" &&
	test -S "$UCSHD_SOCK" && rm -f ucshd.pid &&
	start_ucshd && $UCSH -c "Get-CsService" 2>err && ! grep -q "not running" err &&
	stop_ucshd
'

test_expect_success '-d detaches once serving; the parent exits 0' '
	"$UCSHD" -d --pidfile "$TEST_DIR/ucshd.pid" &&
	test -s ucshd.pid && kill -0 $(cat ucshd.pid) &&
	stop_ucshd
'

test_expect_success 'a store with several pools and none named like the host is refused' '
	$UCSH -c "New-CsPool pool02.contoso.com -Site Default | Out-Null" 2>/dev/null;
	n=$($UCSH -c "(Get-CsPool | Measure-Object).Count" 2>/dev/null);
	if test "$n" = 2; then
		UCSH_POOL_FQDN=elsewhere.contoso.com test_expect_code 1 "$UCSHD" 2>multi.log &&
		test_grep "several pools and none is named like this host" multi.log
	else
		echo "New-CsPool is not available: case not exercised"; false
	fi
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 "$UCSHD" --log-level loud 2>err &&
	test_grep "error, warning, notice, info or debug" err &&
	test_expect_code 2 "$UCSHD" extra 2>err
'

test_done
