#!/bin/sh
# The registrar over TLS with the pool certificate of the private CA:
# baresip (a real SIP user agent, MD5 only) signs in with a PIN and trusts
# only that CA; SIPp, which Debian builds without TLS, goes through an
# stunnel client that checks the chain and the pool's name. Each part is
# skipped, with its reason, when its peer is not installed.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need sqlite3 ss openssl
STUNNEL_PID= BARESIP_PID=
cleanup() {
	for p in $STUNNEL_PID $BARESIP_PID; do kill "$p" 2>/dev/null; done
	stop_ucshd KILL
}
trap cleanup EXIT
# baresip 1.0 gives up on any challenge other than MD5 (see src/registrar.h)
UCSH_DIGEST_ALGORITHMS=MD5
export UCSH_DIGEST_ALGORITHMS

pick_ports
setup_pool
add_user ken 100 48213
creds_csv ken.csv ken 48213
start_registrar >/dev/null 2>&1
CA=$TEST_DIR/store/pki/ca.pem

test_expect_success 'first start made a private CA and a pool certificate it signed' '
	test -s "$CA" && test "$(stat -c %a store/pki/ca.key)" = 600 &&
	$UCSH -c "Export-CsCertificate -Type Default -Path leaf.pem" &&
	openssl verify -CAfile "$CA" leaf.pem &&
	openssl x509 -in leaf.pem -noout -ext subjectAltName >san &&
	test_grep "DNS:pool01.contoso.com" san && test_grep "IP Address:127.0.0.1" san
'

test_expect_success 'TLS 1.2 and 1.3 are served with the pool chain; TLS 1.1 is refused' '
	echo | openssl s_client -connect 127.0.0.1:$TLS_PORT -CAfile "$CA" -verify_return_error \
		-tls1_2 >s12 2>&1 && test_grep "Verify return code: 0" s12 &&
	echo | openssl s_client -connect 127.0.0.1:$TLS_PORT -CAfile "$CA" -tls1_3 >s13 2>&1 &&
	test_grep "TLSv1.3" s13 &&
	! (echo | openssl s_client -connect 127.0.0.1:$TLS_PORT -tls1_1 >s11 2>&1)
'

if command -v baresip >/dev/null 2>&1; then
	# baresip listens for SIP on UDP and TCP at sip_listen and for TLS at
	# the port after it: both from the spare ports, as the one after
	# AUX_PORT2 is ucshd's internal web site. It trusts only the root as an
	# admin hands it out.
	$UCSH -c "Export-CsCertificate -Type Root -Path root.pem"
	mkdir -p bs
	cat >bs/config <<-EOF
	poll_method epoll
	sip_listen 127.0.0.1:$SPARE_PORT
	sip_cafile $TEST_DIR/root.pem
	module_path /usr/lib/baresip/modules
	module account.so
	module g711.so
	module ausine.so
	audio_source ausine,nil
	EOF
	echo "<sip:ken@$DOMAIN>;auth_pass=48213;outbound=\"sip:127.0.0.1:$TLS_PORT;transport=tls\";regint=600" >bs/accounts
	: >bs/contacts
	baresip -f "$TEST_DIR/bs" -t 20 -s >baresip.log 2>&1 &
	BARESIP_PID=$!
	test_expect_success 'baresip registers over TLS with its PIN' '
		wait_until "test \$(store_rows \"SELECT count(*) FROM registration WHERE Transport = '"'"'TLS'"'"'\") = 1" 150 &&
		test_grep "200 OK" baresip.log &&
		store_rows "SELECT User, UserAgent FROM registration WHERE Transport = '"'"'TLS'"'"'" >row &&
		test_grep "^sip:ken@contoso.com|baresip" row
	'
	kill $BARESIP_PID 2>/dev/null
	wait $BARESIP_PID 2>/dev/null
	BARESIP_PID=
else
	test_skip 'baresip registers over TLS with its PIN' 'baresip is not installed'
fi

if command -v stunnel4 >/dev/null 2>&1 && command -v sipp >/dev/null 2>&1; then
	cat >stunnel.conf <<-EOF
	foreground = yes
	pid =
	[sip]
	client = yes
	accept = 127.0.0.1:$AUX_PORT
	connect = 127.0.0.1:$TLS_PORT
	CAfile = $CA
	verifyChain = yes
	checkHost = $UCSH_POOL_FQDN
	sslVersionMin = TLSv1.2
	EOF
	stunnel4 stunnel.conf >stunnel.log 2>&1 &
	STUNNEL_PID=$!
	wait_until "port_busy $AUX_PORT" 100
	test_expect_success 'SIPp through stunnel: digest REGISTER and un-REGISTER over TLS' '
		SIP_PORT=$AUX_PORT sipp_run register-auth ken.csv t1 &&
		store_rows "SELECT count(*) FROM registration WHERE User = '"'"'sip:ken@contoso.com'"'"' AND Transport = '"'"'TLS'"'"'" >n &&
		test "$(cat n)" = 1 &&
		SIP_PORT=$AUX_PORT sipp_run unregister ken.csv t1 &&
		test "$(bindings_of ken)" = 0
	'
	test_expect_success 'SIPp through stunnel: 20 REGISTERs on one TLS connection, all 200' '
		creds_csv many.csv ken 48213 &&
		SIP_PORT=$AUX_PORT sipp_run register-auth many.csv t1 -m 20 -r 20
	'
	kill $STUNNEL_PID 2>/dev/null
	wait $STUNNEL_PID 2>/dev/null
	STUNNEL_PID=
else
	test_skip 'SIPp through stunnel: digest REGISTER over TLS' 'stunnel4 or sipp is not installed'
fi

stop_ucshd TERM && drained=yes || drained=no
test_expect_success 'ucshd drains on SIGTERM (and ASan found nothing)' '
	test $drained = yes
'
test_done
