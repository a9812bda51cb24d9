#!/bin/sh
# Staged rollouts in a pool of two ucshd nodes on one PostgreSQL store: the
# waves move on one node only (the holder of the "rollouts" lease), so a
# wave begins once; when that node is killed, the other takes the lease and
# judges the wave from the check-ins it served, suspending the rollout when
# its phones fail.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/pool-lib.sh"
if test_on_sqlite; then
	echo "1..0 # SKIP a pool needs a PostgreSQL store (make check runs this through tests/pg/run.sh)"
	exit 0
fi
need curl gcab python3 sha256sum ss
trap stop_all_nodes EXIT
SIM="$UCSH_SRC_DIR/tests/integration/phone-sim.sh"
V0=4.0.7577.4100 V1=4.0.7577.4400
PHONES="01 02 03 04 05 06 07 08"

pick_ports
setup_pool

# sim ADDRESS N STEP: phone 00-04-F2-20-00-N, served by the node at ADDRESS
sim() {
	SIM_DIR=$TEST_DIR/phone$2 SIM_MAC=00-04-F2-20-00-$2 SIM_VERSION=$V0 \
	SIM_BASE=http://$1:$INT_HTTP_PORT/RequestHandler SIM_CONNECT=$UCSH_POOL_FQDN \
		"$SIM" "$3"
}

members() { # ROLLOUT PCT: the phones in its first PCT percent (rollout.h's hash)
	python3 - "$1" "$2" $PHONES <<-\EOF
	import hashlib, sys
	rid, pct = sys.argv[1], float(sys.argv[2])
	for n in sys.argv[3:]:
	    h = hashlib.sha256(("%s/00-04-F2-20-00-%s" % (rid, n)).encode()).digest()
	    if int.from_bytes(h[:4], "big") / 2**32 * 100 < pct:
	        print(n)
	EOF
}

begun() { # how many times wave 1 began, in both nodes' logs
	cat "$TEST_DIR/a.log" "$TEST_DIR/b.log" | grep -c "rollout Rollout-pool: wave 1 (50%) begins"
}

mkdir -p pkg/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE &&
head -c 20000 /dev/urandom >pkg/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE/nk.bin &&
(cd pkg && gcab -c ../pkg.cab UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE/nk.bin)

test_expect_success 'two nodes serve the web service, each on its own address' '
	start_node a 127.0.0.1 && start_node b 127.0.0.2 &&
	wait_until "grep -q \"DeviceUpdateInternal started\" a.log && grep -q \"DeviceUpdateInternal started\" b.log" 100 &&
	for n in $PHONES; do sim 127.0.0.1 $n check >out && test_grep -q "^none$" out || return 1; done
'

test_expect_success 'a rollout begins its first wave on one node only' '
	$UCSH -c "Import-CsDeviceUpdate -FileName pkg.cab" >/dev/null &&
	$UCSH -c "Get-CsDeviceUpdateRule | New-CsDeviceRollout -Name Rollout-pool -Waves 50,100 -WaveInterval 300 -ErrorThreshold 10" >/dev/null &&
	wait_until "test \"\$(begun)\" -ge 1" 150 &&
	members Rollout-pool 50 >expect && test -s expect &&
	m=$(head -n 1 expect) &&
	wait_until "sim 127.0.0.2 $m check | grep -q \"^update $V1\$\"" 100 &&
	test "$(begun)" = 1
'

test_expect_success 'the lease holder is killed: the other node judges the wave and suspends it' '
	holder=$(grep -l "wave 1 (50%) begins" a.log b.log | head -n 1) && holder=${holder%.log} &&
	if [ "$holder" = a ]; then other=b addr=127.0.0.2; else other=a addr=127.0.0.1; fi &&
	stop_node $holder KILL &&
	for n in $(cat expect); do
		sim $addr $n check >out && test_grep -q "^update $V1$" out &&
		sim $addr $n check >/dev/null || return 1
	done &&
	wait_until "test \"\$($UCSH -c \"(Get-CsDeviceRollout Rollout-pool).Status\")\" = Suspended" 300 &&
	test_grep "rollout Rollout-pool: wave 1: .* failed, more than the error threshold" $other.log &&
	test "$(begun)" = 1
'

test_expect_success 'the nodes stopped cleanly, ASan found nothing' '
	stop_all_nodes && ! grep -q "ERROR: AddressSanitizer\|runtime error:" a.log b.log
'
test_done
