#!/bin/sh
# Get-, Remove- and Test-CsRegistration against a real ucshd on loopback:
# Test-CsRegistration signs in over UDP, TCP and TLS (the certificate checked
# against the private CA) and stops at Authenticate on a wrong PIN;
# Get-CsRegistration lists the bindings it and SIPp made; Remove-CsRegistration
# drops one (ucshd no longer answers with it) or all of a user's; -WhatIf
# removes nothing; the bindings survive a restart of ucshd.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need sqlite3 ss openssl
trap 'stop_ucshd KILL' EXIT
# SIPp reads only the first challenge and knows only MD5 (see src/registrar.h)
UCSH_DIGEST_ALGORITHMS=MD5,SHA-256
export UCSH_DIGEST_ALGORITHMS

pick_ports
setup_pool
add_user ken 100 48213
add_user ann 101 59314
start_registrar >/dev/null 2>&1

# probe USER PIN TRANSPORT [more parameters]: "Step Result" lines in steps,
# the Detail of each step in details; the exit status of ucsh.
probe() {
	_u=$1 _pin=$2 _tr=$3
	shift 3
	_port=$SIP_PORT
	[ "$_tr" = tls ] && _port=$TLS_PORT
	$UCSH -o json -c "Test-CsRegistration -UserSipAddress sip:$_u@$DOMAIN -Pin $_pin -Transport $_tr -Registrar 127.0.0.1:$_port $*" >probe.json 2>probe.err
	_rc=$?
	jq -r ".[] | .Step + \" \" + .Result" probe.json >steps
	jq -r ".[] | .Step + \": \" + .Detail" probe.json >details
	return $_rc
}

live() {
	$UCSH -c "Get-CsRegistration $* | ForEach-Object { \$_.Contact }" | sort
}

test_expect_success 'Test-CsRegistration over UDP passes every step and leaves a binding' '
	probe ken 48213 udp &&
	printf "%s\n" "Resolve Pass" "Connect Pass" "Register Pass" "Authenticate Pass" \
		"Total Pass" >expect &&
	test_cmp expect steps &&
	test_grep "^Register: 401 realm \"contoso.com\", algorithms offered: MD5, SHA-256$" details &&
	test_grep "^Authenticate: 200 OK, 1 binding(s): sip:ken@127.0.0.1:[0-9]*;transport=udp;expires=600$" details &&
	test "$(store_rows "SELECT Transport FROM registration WHERE User = '"'"'sip:ken@$DOMAIN'"'"'")" = UDP
'

test_expect_success 'over TCP too' '
	probe ken 48213 tcp &&
	test_cmp expect steps &&
	test_grep "^Connect: TCP 127.0.0.1:[0-9]* -> 127.0.0.1:$SIP_PORT$" details &&
	test "$(bindings_of ken)" = 2
'

test_expect_success 'over TLS the pool certificate is verified against the private CA' '
	probe ken 48213 tls &&
	printf "%s\n" "Resolve Pass" "Connect Pass" "TlsHandshake Pass" "Register Pass" \
		"Authenticate Pass" "Total Pass" >expect-tls &&
	test_cmp expect-tls steps &&
	test_grep "^TlsHandshake: TLSv1.[23], subject /O=ucsh/CN=pool01.contoso.com, issuer /O=ucsh/CN=ucsh private root CA, verified against $TEST_DIR/store/pki/ca.pem$" details &&
	test "$(bindings_of ken)" = 3
'

test_expect_success 'IPv6: -Registrar [::1]:port over UDP, then unregistered' '
	$UCSH -o json -c "Test-CsRegistration sip:ken@$DOMAIN -Pin 48213 -Transport udp -Registrar [::1]:$SIP_PORT -Expires 0" >p.json &&
	jq -r ".[] | .Step + \" \" + .Result + \" \" + .Detail" p.json >got &&
	test_grep "^Connect Pass UDP \[::1\]:[0-9]* -> \[::1\]:$SIP_PORT$" got &&
	test_grep "^Unregister Pass 200 OK" got &&
	test "$(bindings_of ken)" = 3
'

test_expect_success 'TLS with -CaFile of another CA fails at TlsHandshake and exits 1' '
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj /CN=other -keyout other.key -out other.pem >/dev/null 2>&1 &&
	test_expect_code 1 probe ken 48213 tls -CaFile other.pem &&
	printf "%s\n" "Resolve Pass" "Connect Pass" "TlsHandshake Fail" "Total Fail" >expect &&
	test_cmp expect steps &&
	test_grep "^TlsHandshake: subject /O=ucsh/CN=pool01.contoso.com, issuer /O=ucsh/CN=ucsh private root CA: unable to get local issuer certificate (trusting other.pem)$" details &&
	test_grep "registration test of sip:ken@contoso.com via tls 127.0.0.1:$TLS_PORT failed" probe.err
'

test_expect_success 'a wrong PIN fails at Authenticate with 403, exits 1 and binds nothing' '
	test_expect_code 1 probe ann 11111 udp &&
	printf "%s\n" "Resolve Pass" "Connect Pass" "Register Pass" "Authenticate Fail" \
		"Total Fail" >expect &&
	test_cmp expect steps &&
	test_grep "^Authenticate: 403 Forbidden" details &&
	test "$(bindings_of ann)" = 0 && test "$(pin_info ann FailedAttempts)" = 1
'

test_expect_success 'the PIN never appears in the output or the errors' '
	test_expect_code 1 probe ann 11111 tcp &&
	! grep 11111 probe.json probe.err
'

test_expect_success '-Expires 0 registers, then unregisters, leaving nothing' '
	probe ann 59314 tcp -Expires 0 &&
	test_grep "^Unregister Pass$" steps &&
	test_grep "^Unregister: 200 OK, 0 binding(s): none$" details &&
	test "$(bindings_of ann)" = 0
'

test_expect_success 'without -Registrar the pool of the user is asked, on its TlsPort or SipPort' '
	test_expect_code 1 $UCSH -o json -c "Test-CsRegistration sip:ken@$DOMAIN -Pin 48213" >p.json 2>/dev/null &&
	test "$(jq -r ".[-1].Detail" p.json)" = "sip:ken@$DOMAIN via tls $UCSH_POOL_FQDN:$TLS_PORT" &&
	test_expect_code 1 $UCSH -o json -c "Test-CsRegistration sip:ken@$DOMAIN -Pin 48213 -Transport udp" >p.json 2>/dev/null &&
	test "$(jq -r ".[-1].Detail" p.json)" = "sip:ken@$DOMAIN via udp $UCSH_POOL_FQDN:$SIP_PORT"
'

test_expect_success 'TCP to a port nobody listens on fails at Connect' '
	test_expect_code 1 $UCSH -o json -c "Test-CsRegistration sip:ken@$DOMAIN -Pin 48213 -Transport tcp -Registrar 127.0.0.1:$AUX_PORT" >p.json 2>/dev/null &&
	jq -r ".[] | .Step + \" \" + .Result + \" \" + .Detail" p.json >got &&
	test_grep "^Connect Fail tcp 127.0.0.1:$AUX_PORT: Connection refused$" got
'

test_expect_success 'UDP to a registrar that never answers gives up after -TimeoutSeconds' '
	python3 -c "import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((\"127.0.0.1\", $AUX_PORT2)); open(\"sink.ready\", \"w\").close(); time.sleep(8)" &
	sink=$! &&
	wait_until "test -e sink.ready" &&
	start=$(date +%s) &&
	test_expect_code 1 $UCSH -o json -c "Test-CsRegistration sip:ken@$DOMAIN -Pin 48213 -Transport udp -Registrar 127.0.0.1:$AUX_PORT2 -TimeoutSeconds 1" >p.json 2>/dev/null &&
	end=$(date +%s) && kill $sink &&
	test $((end - start)) -le 3 &&
	test "$(jq -r ".[] | select(.Step == \"Register\") | .Detail" p.json)" = "no response within the timeout"
'

test_expect_success 'bad parameters are refused before anything is sent' '
	test_must_fail $UCSH -c "Test-CsRegistration ken -Pin 1 -Registrar 127.0.0.1:$SIP_PORT" 2>err &&
	test_grep "UserSipAddress: .ken. is not a SIP address" err &&
	test_must_fail $UCSH -c "Test-CsRegistration ken@$DOMAIN -Pin 1 -Registrar 127.0.0.1:99999" 2>err &&
	test_grep "Registrar .127.0.0.1:99999. is not host or host:port" err &&
	test_must_fail $UCSH -c "Test-CsRegistration ken@$DOMAIN -Pin 1 -Expires -5" 2>err &&
	test_grep "Expires must be 0 to 86400 seconds, not -5" err &&
	test_must_fail $UCSH -c "Test-CsRegistration ken@$DOMAIN -Pin 1 -TimeoutSeconds 0" 2>err &&
	test_grep "TimeoutSeconds must be 1 to 300, not 0" err &&
	test_must_fail $UCSH -c "Test-CsRegistration ken@$DOMAIN -Pin 1 -Transport sctp" 2>err &&
	test "$(pin_info ken FailedAttempts)" = 0
'

test_expect_success 'Get-CsRegistration lists the bindings with their properties' '
	probe ann 59314 udp &&
	$UCSH -o json -c "Get-CsRegistration" >all.json &&
	test "$(jq length all.json)" = 4 &&
	jq -r ".[] | [.User, .Transport, .Node, .UserAgent] | join(\" \")" all.json | sort >got &&
	cat >expect <<-EOF &&
	sip:ann@$DOMAIN UDP $UCSH_POOL_FQDN ucsh Test-CsRegistration
	sip:ken@$DOMAIN TCP $UCSH_POOL_FQDN ucsh Test-CsRegistration
	sip:ken@$DOMAIN TLS $UCSH_POOL_FQDN ucsh Test-CsRegistration
	sip:ken@$DOMAIN UDP $UCSH_POOL_FQDN ucsh Test-CsRegistration
	EOF
	test_cmp expect got &&
	jq -e "all(.[]; .ExpiresIn > 480 and .ExpiresIn <= 600 and (.Source | test(\"^127.0.0.1:[0-9]+$\")))" all.json
'

test_expect_success '-Identity takes an extension, a SIP address or a binding id' '
	test "$(live 100 | wc -l)" = 3 &&
	test "$(live ann@contoso.com | wc -l)" = 1 &&
	id=$($UCSH -c "(Get-CsRegistration sip:ann@$DOMAIN).Identity") &&
	live "$id" >got && live ann@contoso.com >expect && test_cmp expect got
'

test_expect_success '-Filter, -Pool and -ResultSize narrow the list' '
	test "$(live "-Filter { \$_.Transport -eq '"'"'TLS'"'"' }" | wc -l)" = 1 &&
	test "$(live -Pool $UCSH_POOL_FQDN | wc -l)" = 4 &&
	test "$(live -Pool other.contoso.com | wc -l)" = 0 &&
	test "$(live -ResultSize 2 | wc -l)" = 2
'

test_expect_success 'an unknown user is an error naming it' '
	test_must_fail $UCSH -c "Get-CsRegistration nobody@contoso.com" 2>err &&
	test_grep "nobody@contoso.com" err
'

test_expect_success 'a binding made by SIPp is listed too' '
	command -v sipp >/dev/null || { echo "sipp is not installed"; return 0; }
	creds_csv ann.csv ann 59314 &&
	sipp_run register-auth ann.csv t1 &&
	live ann@contoso.com >got &&
	test_grep "^sip:ann@127.0.0.1:$LOCAL_PORT;transport=TCP$" got
'

test_expect_success 'Remove-CsRegistration -WhatIf removes nothing' '
	before=$(store_rows "SELECT count(*) FROM registration") &&
	$UCSH -c "Remove-CsRegistration -Identity sip:ken@$DOMAIN -WhatIf" >out &&
	test_grep "What if" out &&
	test "$(store_rows "SELECT count(*) FROM registration")" = "$before"
'

test_expect_success 'Remove-CsRegistration from the pipeline drops one binding, in ucshd too' '
	udp=$($UCSH -c "(Get-CsRegistration 100 -Filter { \$_.Transport -eq '"'"'UDP'"'"' }).Contact") &&
	$UCSH -c "Get-CsRegistration 100 -Filter { \$_.Transport -eq '"'"'UDP'"'"' } | Remove-CsRegistration -Force" &&
	test "$(live 100 | wc -l)" = 2 && ! live 100 | grep -F "$udp" &&
	sleep 1 &&
	probe ken 48213 tcp -Expires 0 &&
	test_grep "^Authenticate: 200 OK, 3 binding(s)" details &&
	! grep -F "$udp" details
'

test_expect_success 'the phone must REGISTER again to be listed again' '
	probe ken 48213 udp &&
	test "$(live 100 | wc -l)" = 3
'

test_expect_success 'Remove-CsRegistration -Identity USER drops all of its bindings' '
	$UCSH -c "Remove-CsRegistration -Identity 101 -Force" &&
	test "$(bindings_of ann)" = 0 &&
	test_must_fail $UCSH -c "Remove-CsRegistration -Identity 101 -Force" 2>err &&
	test_grep "has no registrations" err
'

test_expect_success 'a binding id that does not exist is an error' '
	test_must_fail $UCSH -c "Remove-CsRegistration -Identity 0123456789abcdef -Force" 2>err &&
	test_grep "0123456789abcdef" err
'

test_expect_success 'a common area phone: listed by its extension, removed by its display name' '
	$UCSH -c "New-CsCommonAreaPhone -LineURI '"'"'tel:+14255550150;ext=150'"'"' -RegistrarPool $UCSH_POOL_FQDN -DisplayName Lobby | Out-Null; Set-CsClientPin -Identity 150 -Pin 61842 | Out-Null" &&
	probe cap-150 61842 tcp &&
	test "$(live 150)" = "$(jq -r ".[] | select(.Step == \"Connect\") | .Detail" probe.json |
		sed "s/^TCP \([^ ]*\) .*/sip:cap-150@\1;transport=tcp/")" &&
	$UCSH -c "Remove-CsRegistration -Identity Lobby -Force" &&
	test "$(live 150 | wc -l)" = 0 && test "$(live | wc -l)" = 3
'

# Restart at the top level: test bodies run in subshells, and the EXIT
# trap must know the PID of the ucshd that runs.
live >before
stop_ucshd && stopped=yes || stopped=no
start_registrar >/dev/null 2>&1
test_expect_success 'the bindings survive a restart of ucshd (stopped by its PID)' '
	test $stopped = yes && test "$(wc -l <before)" = 3 &&
	live >after && test_cmp before after &&
	test_grep "3 bindings of 1 addresses of record loaded" ucshd.log &&
	probe ken 48213 tcp -Expires 0 &&
	test_grep "^Authenticate: 200 OK, 4 binding(s)" details
'

stop_ucshd
test_expect_success 'a binding past its time is not listed before the sweep' '
	store_rows "UPDATE registration SET Expires = '"'"'2020-01-01T00:00:00Z'"'"' WHERE Transport = '"'"'TLS'"'"'" &&
	test "$(live | wc -l)" = 2 && ! live | grep transport=tls
'

test_done
