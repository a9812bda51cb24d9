#!/bin/sh
# Staged rollouts end to end: simulated phones (phone-sim.sh, curl) check
# in, the waves offer the version to the share of phones the MAC hash says,
# the others are held; members update, re-register with SIPp and count as
# successes until the rollout completes (across a restart of ucshd); a
# second rollout whose phones fail suspends itself; suspend, resume, stop.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need curl gcab sipp python3 sha256sum ss sqlite3
trap 'release_lock; stop_ucshd KILL' EXIT
SIM="$UCSH_SRC_DIR/tests/integration/phone-sim.sh"
UCSH_DIGEST_ALGORITHMS=MD5,SHA-256 # SIPp answers only MD5
export UCSH_DIGEST_ALGORITHMS

pick_ports
setup_pool
add_user ken 100 48213
V0=4.0.7577.4100 V1=4.0.7577.4400 V2=4.0.7577.4500
PHONES="01 02 03 04 05 06 07 08 09 0A 0B 0C"

package() {
	d=pkgsrc-$1/UCPhone/Polycom/CX600/Rev-1/ENU/$1/CPE
	mkdir -p "$d" && head -c 50000 /dev/urandom >"$d/nk.bin" &&
	(cd "pkgsrc-$1" && gcab -c "../pkg-$1.cab" UCPhone/Polycom/CX600/Rev-1/ENU/$1/CPE/nk.bin)
}

# sim N STEP: phone 00-04-F2-10-00-N runs phone-sim.sh STEP
sim() {
	SIM_DIR=$TEST_DIR/phone$1 SIM_MAC=00-04-F2-10-00-$1 SIM_VERSION=$V0 \
	SIM_BASE=http://127.0.0.1:$INT_HTTP_PORT/RequestHandler SIM_CONNECT=$UCSH_POOL_FQDN \
	SIM_SIP=127.0.0.1:$SIP_PORT SIM_SIP_LOCAL_PORT=$LOCAL_PORT SIM_DOMAIN=$DOMAIN \
	SIM_SIPP_XML=$SIPP_DIR/register-phone.xml SIM_SIP_USER=ken SIM_SIP_PIN=48213 \
		"$SIM" "$2"
}

# The phones within the first PCT percent of rollout ID, by rollout.h's hash.
members() {
	python3 - "$1" "$2" $PHONES <<-\EOF
	import hashlib, sys
	rid, pct = sys.argv[1], float(sys.argv[2])
	for n in sys.argv[3:]:
	    h = hashlib.sha256(("%s/00-04-F2-10-00-%s" % (rid, n)).encode()).digest()
	    if int.from_bytes(h[:4], "big") / 2**32 * 100 < pct:
	        print(n)
	EOF
}

status() { $UCSH -c "(Get-CsDeviceRollout $1).Status"; }

# One round of every phone: those offered an update install it, re-register
# and check in again running it (the members); the rest say "none". Prints
# the offered ones.
round() {
	for n in $PHONES; do
		out=$(sim $n update) || { echo "phone $n: $out" >&2; return 1; }
		case $out in installed*)
			echo $n
			sim $n register >/dev/null && sim $n check >/dev/null || return 1 ;;
		esac
	done
}

package $V1 >/dev/null && package $V2 >/dev/null
start_registrar >/dev/null 2>&1
wait_until 'grep -q "DeviceUpdateInternal started" "$TEST_DIR/ucshd.log"' 100

test_expect_success 'phones check in and are in the inventory' '
	for n in $PHONES; do sim $n check >out && test_grep -q "^none$" out || return 1; done &&
	wait_until "test \"\$($UCSH -c \"(Get-CsPhone | Measure-Object).Count\")\" = 12" 50
'

rule() { $UCSH -c "(Get-CsDeviceUpdateRule).Identity"; }
test_expect_success 'New-CsDeviceRollout approves the pending version and starts wave 1' '
	$UCSH -c "Import-CsDeviceUpdate -FileName pkg-$V1.cab" >/dev/null &&
	$UCSH -c "New-CsDeviceRollout -Rule $(rule) -Name Rollout-one -Waves 40,100 -WaveInterval 300 -SuccessThreshold 90 -ErrorThreshold 30" >/dev/null &&
	test "$($UCSH -c "(Get-CsDeviceUpdateRule).ApprovedVersion")" = $V1 &&
	test "$(status Rollout-one)" = Running &&
	wait_until "$UCSH -o json -c \"Get-CsDeviceRollout Rollout-one\" | grep -q \"\\\"Targets\\\"\"" 100
'

outcome() {
	store_rows "SELECT Outcome FROM device_rollout_target WHERE MacAddress = '00-04-F2-10-00-$1'"
}

# While a cmdlet holds the store's write lock, a member is offered the
# version and installs it; its check-in is written once the lock is free,
# and it goes on as any member.
if test_on_sqlite; then
	hold_lock && held=yes || held=no
	test_expect_success 'a member checking in while the store is busy gets the version' '
		test $held = yes &&
		m=$(members Rollout-one 40 | head -n 1) && test -n "$m" && echo $m >kept &&
		sim $m update >out && test_grep "^installed $V1$" out &&
		test "$(outcome $m)" = Pending
	'
	release_lock
	test_expect_success '... and its check-in is recorded once the lock is free' '
		m=$(cat kept) &&
		wait_until "test \"\$(outcome $m)\" = Offered" 100 &&
		sim $m register >/dev/null && sim $m check >/dev/null
	'
fi
touch kept

test_expect_success 'wave 1 offers the version to its share of the phones only; they succeed' '
	members Rollout-one 40 | grep -v -x -f kept >expect &&
	round >offered && test_cmp expect offered &&
	wait_until "$UCSH -c \"(Get-CsDeviceRollout Rollout-one).Wave\" | grep -q \"^2/2\$\"" 150
'

test_expect_success 'the rollout survives a restart of ucshd and completes with wave 2' '
	stop_ucshd TERM && start_registrar >/dev/null 2>&1 &&
	wait_until "grep -c \"DeviceUpdateInternal started\" \"$TEST_DIR/ucshd.log\" | grep -q 2" 100 &&
	members Rollout-one 40 >first && members Rollout-one 100 | grep -v -x -f first >expect &&
	wait_until "round >offered; test -s offered" 100 &&
	sort expect >e && sort offered >o && test_cmp e o &&
	wait_until "test \"\$(status Rollout-one)\" = Completed" 150 &&
	for n in $PHONES; do test "$(cat phone$n/version)" = $V1 || return 1; done
'
# The restart ran in the case's subshell: this shell must stop the daemon
# it started there, not leave it running after the test.
[ -s "$TEST_DIR/ucshd.pid" ] && UCSHD_PID=$(cat "$TEST_DIR/ucshd.pid")

test_expect_success 'a wave whose phones fail suspends the rollout; the others are held' '
	$UCSH -c "Import-CsDeviceUpdate -FileName pkg-$V2.cab" >/dev/null &&
	$UCSH -c "New-CsDeviceRollout -Rule $(rule) -Name Rollout-two -Waves 50,100 -WaveInterval 300 -ErrorThreshold 10" >/dev/null &&
	members Rollout-two 50 >expect && test -s expect &&
	wait_until "$UCSH -o json -c \"Get-CsDeviceRollout Rollout-two\" | grep -q \"\\\"Targets\\\"\"" 100 &&
	for n in $PHONES; do sim $n check >out || return 1
		if grep -q "^update" out; then echo $n; fi
	done >offered && test_cmp expect offered &&
	for n in $(cat expect); do sim $n check >/dev/null || return 1; done &&
	wait_until "test \"\$(status Rollout-two)\" = Suspended" 150 &&
	$UCSH -c "(Get-CsDeviceRollout Rollout-two).Reason" >reason && test_grep "error threshold" reason &&
	m=$(head -n 1 expect) && wait_until "sim $m check | grep -q \"^none\$\"" 50 &&
	for n in $PHONES; do sim $n check >out && test_grep -q "^none$" out || return 1; done
'

test_expect_success 'Get-CsDeviceRollout -PerWave shows each wave' '
	$UCSH -o csv -c "Get-CsDeviceRollout Rollout-one -PerWave" >waves &&
	test_grep "^\"Rollout-one\",\"1\",\"40\",\"Done\"" waves &&
	test_grep "^\"Rollout-one\",\"2\",\"100\",\"Done\"" waves
'

test_expect_success 'resume runs the wave again; suspend pauses it; stop ends it and keeps the phones held' '
	$UCSH -c "Resume-CsDeviceRollout Rollout-two" && test "$(status Rollout-two)" = Running &&
	test_must_fail $UCSH -c "Resume-CsDeviceRollout Rollout-two" 2>err && test_grep "is Running" err &&
	$UCSH -c "Get-CsDeviceRollout Rollout-two | Suspend-CsDeviceRollout" &&
	test "$(status Rollout-two)" = Suspended &&
	$UCSH -c "(Get-CsDeviceRollout Rollout-two).Reason" >reason && test_grep "suspended by an administrator" reason &&
	m=$(members Rollout-two 50 | head -n 1) && wait_until "sim $m check | grep -q \"^none\$\"" 50 &&
	test_must_fail $UCSH -c "Suspend-CsDeviceRollout Rollout-two" 2>err && test_grep "is Suspended" err &&
	$UCSH -c "Stop-CsDeviceRollout Rollout-two -Force" && test "$(status Rollout-two)" = Stopped &&
	wait_until "sim 01 check | grep -q \"^none\$\"" 50 &&
	for n in $PHONES; do sim $n check >out && test_grep -q "^none$" out || return 1; done
'

test_expect_success 'bad rollouts are refused with the reason' '
	test_must_fail $UCSH -c "New-CsDeviceRollout -Rule $(rule) -Waves 10,5,100" 2>err && test_grep "rise" err &&
	test_must_fail $UCSH -c "New-CsDeviceRollout -Rule $(rule) -Waves 10,50" 2>err && test_grep "end at 100" err &&
	test_must_fail $UCSH -c "New-CsDeviceRollout -Rule $(rule) -ErrorThreshold 120" 2>err && test_grep "percentage" err &&
	test_must_fail $UCSH -c "New-CsDeviceRollout -Rule nosuchrule" 2>err && test_grep "nosuchrule" err &&
	test_must_fail $UCSH -c "New-CsDeviceRollout -Rule $(rule) -Site Nowhere" 2>err && test_grep "Nowhere" err
'

test_expect_success 'ucshd shut down cleanly, ASan found nothing' '
	stop_ucshd TERM
'
test_done
