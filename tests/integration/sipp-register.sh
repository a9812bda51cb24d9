#!/bin/sh
# The registrar against SIPp over UDP and TCP on loopback: digest sign-in
# by SIP user name and by extension, wrong PIN and unknown user answered
# alike, lockout and Unlock-CsClientPin, un-REGISTER, the wildcard, 423,
# OPTIONS/405/400, the phone inventory, MaxEndpointsPerUser, removal by
# another process, expiry on time, and a SIGKILL in the middle of a
# registration load after which every acknowledged binding is in the store.
# SIPp's digest is MD5 only and reads only the first challenge, so ucshd
# runs with UCSH_DIGEST_ALGORITHMS=MD5,SHA-256 here (see src/registrar.h).
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need sipp sqlite3 ss
trap 'stop_ucshd KILL' EXIT
UCSH_DIGEST_ALGORITHMS=MD5,SHA-256
export UCSH_DIGEST_ALGORITHMS

pick_ports
setup_pool
add_user ken 100 48213
add_user ann 101 59314
creds_csv ken.csv ken 48213
creds_csv ext.csv 100 48213
creds_csv ann.csv ann 59314
creds_csv wrong.csv ken 11111
creds_csv nobody.csv nobody 48213
creds_csv annwrong.csv ann 22222

start_registrar >/dev/null 2>&1
test_expect_success 'ucshd starts its registrar on UDP, TCP and TLS, IPv4 and IPv6' '
	$UCSH -c "(Get-CsService Registrar).Listen" >listen &&
	test_grep "UDP 127.0.0.1:$SIP_PORT" listen && test_grep "TCP \[::1\]:$SIP_PORT" listen &&
	test_grep "TLS 127.0.0.1:$TLS_PORT" listen
'

test_expect_success 'UDP: REGISTER with MD5 digest by SIP user name gets 200 and a stored binding' '
	sipp_run register-auth ken.csv u1 &&
	test "$(bindings_of ken)" = 1 &&
	store_rows "SELECT Transport, Source, Node FROM registration" >row &&
	test_grep "^UDP|127.0.0.1:$LOCAL_PORT|pool01.contoso.com$" row
'

test_expect_success 'the 200 lists the binding with its remaining time, and a Date' '
	test_grep "^Contact: <sip:ken@127.0.0.1:$LOCAL_PORT;transport=UDP>;expires=600" sipp-msg.log &&
	test_grep "^Date: " sipp-msg.log
'

test_expect_success 'TCP: REGISTER by extension (100) signs in as ken' '
	rm -f sipp-msg.log &&
	SIPP_LOCAL_PORT=$LOCAL_PORT2 sipp_run register-auth ext.csv t1 &&
	test "$(bindings_of ken)" = 2 &&
	store_rows "SELECT count(*) FROM registration WHERE Transport = '"'"'TCP'"'"'" >n && test "$(cat n)" = 1
'

test_expect_success 'wrong PIN and unknown user get the same 401, then the same 403' '
	rm -f sipp-msg.log && sipp_run register-403 wrong.csv u1 && mv sipp-msg.log wrong.log &&
	sipp_run register-403 nobody.csv u1 && mv sipp-msg.log nobody.log &&
	for f in wrong nobody; do
		grep -E "^(SIP/2.0|WWW-Authenticate|Content-Length|Server)" $f.log |
			sed -e "s/nonce=\"[^\"]*\"/nonce/" -e "s/opaque=\"[^\"]*\"/opaque/" >$f.resp || return 1
	done &&
	test_cmp wrong.resp nobody.resp &&
	test_grep "SIP/2.0 403" wrong.resp
'

test_expect_success 'a wrong PIN counts in FailedAttempts; a right one resets it' '
	test "$(pin_info ken FailedAttempts)" = 1 &&
	sipp_run register-auth ken.csv u1 &&
	test "$(pin_info ken FailedAttempts)" = 0
'

test_expect_success 'MaximumLogonAttempts wrong PINs lock the PIN; then even the right one gets 403' '
	sipp_run register-403 annwrong.csv u1 -m 3 &&
	test "$(pin_info ann IsLockedOut)" = True &&
	sipp_run register-403 ann.csv u1
'

test_expect_success 'Unlock-CsClientPin lets the phone in again' '
	$UCSH -c "Unlock-CsClientPin -Identity sip:ann@$DOMAIN" >/dev/null &&
	sipp_run register-auth ann.csv u1 &&
	test "$(bindings_of ann)" = 1 && test "$(pin_info ann FailedAttempts)" = 0
'

test_expect_success 'an interval shorter than MinEndpointExpiration gets 423 with Min-Expires' '
	EXPIRES=30 sipp_run register-423 ken.csv u1
'

test_expect_success 'un-REGISTER (Expires: 0) removes that one binding' '
	sipp_run unregister ken.csv u1 &&
	test "$(bindings_of ken)" = 1
'

test_expect_success 'Contact: * with Expires: 0 removes every binding of the user' '
	sipp_run register-auth ken.csv u1 && test "$(bindings_of ken)" = 2 &&
	sipp_run register-wildcard ken.csv u1 &&
	test "$(bindings_of ken)" = 0
'

test_expect_success 'OPTIONS 200 with Allow and rport, MESSAGE 405 with Allow, Contact * with Expires 600 400 (UDP, TCP)' '
	sipp_run options-405 ken.csv u1 &&
	SIPP_LOCAL_PORT=$LOCAL_PORT2 sipp_run options-405 ken.csv t1
'

test_expect_success 'Get-CsService counts requests, answers and bindings' '
	$UCSH -o json -c "Get-CsService Registrar" >svc &&
	test_grep "\"Responses200\": [1-9]" svc && test_grep "\"Responses401\": [1-9]" svc &&
	test_grep "\"Responses403\": [1-9]" svc && test_grep "\"ActiveBindings\": 1" svc
'

test_expect_success 'a phone that tells its MAC (+sip.instance) and model refreshes the inventory' '
	sipp_run register-phone ken.csv u1 -key mac 0004f2abcdef -key ua "PolycomVVX-VVX_410-UA/5.9.0" &&
	store_rows "SELECT Brand, Model, FirmwareVersion, IPAddress, LastRegistered IS NOT NULL FROM phone WHERE MacAddress = '"'"'00-04-F2-AB-CD-EF'"'"'" >phone &&
	echo "Polycom|VVX 410|5.9.0|127.0.0.1|1" >expected && test_cmp expected phone &&
	store_rows "SELECT Phone, Instance FROM registration WHERE User = '"'"'sip:ken@contoso.com'"'"'" >reg &&
	test_grep "^00-04-F2-AB-CD-EF|\"<urn:uuid:6f1d2b30-0b1c-11ee-8000-0004f2abcdef>\"" reg
'

test_expect_success 'the same instance from another address is the same binding; Lync-era UAs parse too' '
	SIPP_LOCAL_PORT=$LOCAL_PORT2 sipp_run register-phone ken.csv u1 -key mac 0004f2abcdef -key ua "Polycom/4.0.7577.4100 CX600" &&
	test "$(bindings_of ken)" = 1 &&
	store_rows "SELECT Model, FirmwareVersion FROM phone WHERE MacAddress = '"'"'00-04-F2-AB-CD-EF'"'"'" >phone &&
	test "$(cat phone)" = "CX600|4.0.7577.4100"
'

test_expect_success 'MaxEndpointsPerUser: a new endpoint replaces the oldest binding' '
	$UCSH -c "Set-CsRegistrarConfiguration -MaxEndpointsPerUser 2" &&
	wait_until "test \$(log_count \", 2 endpoints per user\") -gt 0" &&
	SIPP_LOCAL_PORT=$LOCAL_PORT2 sipp_run register-auth ann.csv u1 &&
	SIPP_LOCAL_PORT=$AUX_PORT sipp_run register-auth ann.csv u1 &&
	test "$(bindings_of ann)" = 2 &&
	store_rows "SELECT count(*) FROM registration WHERE User = '"'"'sip:ann@contoso.com'"'"' AND Source = '"'"'127.0.0.1:$LOCAL_PORT'"'"'" >n &&
	test "$(cat n)" = 0
'

test_expect_success 'bindings removed from the store by another process are dropped at once' '
	store_rows "BEGIN; DELETE FROM registration WHERE User = '"'"'sip:ken@contoso.com'"'"'; UPDATE change_counter SET seq = seq + 1 WHERE kind IN ('"'"'Registration'"'"', '"'"'*'"'"'); COMMIT;" &&
	wait_until "test \$($UCSH -c \"(Get-CsService Registrar).ActiveBindings\") = 2"
'

# ---- expiry: a configuration below the cmdlets' floor, written directly ----
acked_before=$(store_rows "SELECT count(*) FROM registration")
stop_ucshd
store_rows "UPDATE registrar_configuration SET MinEndpointExpiration = 1, DefaultEndpointExpiration = 2, MaxEndpointExpiration = 2"
start_ucshd >/dev/null 2>&1

test_expect_success 'a restarted ucshd serves the bindings it acknowledged before' '
	test "$acked_before" -ge 2 &&
	$UCSH -c "(Get-CsService Registrar).ActiveBindings" >n && test "$(cat n)" = "$acked_before"
'

test_expect_success 'a binding is removed from the store when it expires' '
	EXPIRES=2 sipp_run register-auth ken.csv u1 && test "$(bindings_of ken)" = 1 &&
	wait_until "test \$(bindings_of ken) = 0" 60
'
stop_ucshd
store_rows "UPDATE registrar_configuration SET MinEndpointExpiration = 300, DefaultEndpointExpiration = 600, MaxEndpointExpiration = 900"

# ---- SIGKILL in the middle of a load: acknowledged means stored ----
N=150
i=1
args=
while [ $i -le $N ]; do
	args="$args load$i 7$((1000 + i))9"
	i=$((i + 1))
done
$UCSH -c "1..$N | ForEach-Object { New-CsUser -SipAddress \"sip:load\$_@$DOMAIN\" | Out-Null; Set-CsClientPin -Identity \"sip:load\$_@$DOMAIN\" -Pin \"7\$(1000 + \$_)9\" | Out-Null }" >/dev/null 2>&1
creds_csv load.csv $args
start_ucshd >/dev/null 2>&1
rm -f sipp-msg.log
timeout -k 5 60 sipp 127.0.0.1:$SIP_PORT -sf "$SIPP_DIR/register-auth.xml" -inf load.csv \
	-key domain $DOMAIN -key expires 600 -auth_uri $DOMAIN -t u1 -i 127.0.0.1 -p $LOCAL_PORT \
	-r 100 -m $N -recv_timeout 3000 -timeout 30s -nostdin -trace_msg -message_file sipp-msg.log \
	>/dev/null 2>&1 &
SIPP_PID=$!
wait_until 'test $(grep -c "^SIP/2.0 200" sipp-msg.log 2>/dev/null || echo 0) -ge 40' 100
stop_ucshd KILL
wait $SIPP_PID 2>/dev/null
# the users whose REGISTER got a 200: the To of each 200 received
awk '/^SIP\/2.0 200/{ok=1} ok && /^To:/{sub(/.*<sip:/,""); sub(/@.*/,""); print; ok=0}' sipp-msg.log | sort -u >acked
start_ucshd >/dev/null 2>&1

test_expect_success 'after SIGKILL mid-load every acknowledged binding is in the store and served' '
	n=$(wc -l <acked) && test "$n" -ge 40 && test "$n" -lt $N &&
	store_rows "SELECT substr(User, 5, instr(User, '"'"'@'"'"') - 5) FROM registration" | sort -u >stored &&
	comm -23 acked stored >missing && test_cmp /dev/null missing &&
	$UCSH -c "(Get-CsService Registrar).ActiveBindings" >active &&
	test "$(cat active)" -ge "$n"
'

stop_ucshd TERM && drained=yes || drained=no
test_expect_success 'SIGTERM drains: ucshd exits cleanly (and ASan found nothing)' '
	test $drained = yes
'
test_done
