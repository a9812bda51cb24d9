#!/bin/sh
# Test-CsPhoneBootstrap end to end: Knot serves the test zone on a loopback
# port, ucshd runs the registrar and the Device Update web service, and
# the cmdlet starts as a phone would: DNS, TLS, PIN sign-in, update check,
# sign-out. Each kind of breakage stops it at the right step with a cause.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/dns-lib.sh"
need knotd dig openssl sqlite3 ss
cleanup() {
	stop_knot
	stop_ucshd KILL
}
trap cleanup EXIT

pick_ports
setup_pool
add_user ken 100 48213
start_registrar >/dev/null 2>&1 || { echo "Bail out! ucshd did not start"; exit 1; }
DNS_PORT=$((SPARE_PORT + 4))
good_zone >good.zone
serve_zone good.zone || { echo "Bail out! knotd did not start"; cat "$KNOT_DIR/knot.log"; exit 1; }
wait_until 'grep -q "DeviceUpdateInternal started" "$TEST_DIR/ucshd.log" &&
	grep -q "DeviceUpdateExternal started" "$TEST_DIR/ucshd.log"' 50 >/dev/null ||
	{ echo "Bail out! the Device Update web service did not start"; exit 1; }

edit_zone() {
	sed "$1" good.zone >bad.zone && serve_zone bad.zone
}

# boot ARGS: the steps as "Step Result" lines in steps, the rest in boot.csv.
boot() {
	$UCSH -c "Test-CsPhoneBootstrap -DnsServer 127.0.0.1:$DNS_PORT $* | Select-Object Step, Result, Detail, Cause | Export-Csv -Path boot.csv" 2>boot.err
	_rc=$?
	python3 -c 'import csv
for r in csv.DictReader(open("boot.csv")): print(r["Step"], r["Result"])' >steps
	return $_rc
}
field_of() {
	python3 -c 'import csv, sys
for r in csv.DictReader(open("boot.csv")):
    if r["Step"] == sys.argv[1]: print(r[sys.argv[2]])' "$1" "$2"
}

test_expect_success 'end to end: every step passes, ucsh -c exits 0, no binding is left' '
	boot 100 -Pin 48213 -SipDomain contoso.com &&
	printf "%s Pass\n" Discover Resolve TlsHandshake Register SignIn UpdateCheck SignOut Total >want &&
	test_cmp want steps &&
	field_of Discover Detail >d && test_grep "_sipinternaltls._tcp.contoso.com SRV: pool01.contoso.com:$TLS_PORT (internal)" d &&
	field_of UpdateCheck Detail >u && test_grep "RequestHandler/ucdevice.upx (127.0.0.1): 200 <UpdateResponse>" u &&
	test "$(bindings_of ken)" = 0
'
# Outside, the phone finds the registrar by _sip._tls and checks for updates
# at ucupdates-r2.<domain>, signing in with digest: every step passes.
test_expect_success 'outside (only _sip._tls): signs in and checks for updates at ucupdates-r2' '
	edit_zone "/^_sipinternaltls/d" &&
	boot sip:ken@contoso.com -Pin 48213 &&
	field_of Discover Detail >d && test_grep "_sip._tls.contoso.com SRV: pool01.contoso.com:$TLS_PORT (external)" d &&
	printf "%s Pass\n" Discover Resolve TlsHandshake Register SignIn UpdateCheck SignOut Total >want &&
	test_cmp want steps &&
	field_of UpdateCheck Detail >u &&
	test_grep "https://ucupdates-r2.contoso.com:$EXT_HTTPS_PORT/RequestHandlerExt/ucdevice.upx" u &&
	test_grep "200 <UpdateResponse>" u &&
	test "$(bindings_of ken)" = 0
'

test_expect_success 'discovery, TLS and PIN sign-in pass; the binding is removed again' '
	serve_zone good.zone &&
	{ boot 100 -Pin 48213 -SipDomain contoso.com; true; } &&
	printf "%s Pass\n" Discover Resolve TlsHandshake Register SignIn >want &&
	head -5 steps >got && test_cmp want got &&
	field_of TlsHandshake Detail >t && test_grep "DNS:pool01.contoso.com" t &&
	field_of SignIn Detail >s && test_grep "200 OK: 100 signed in as sip:100@contoso.com" s &&
	test "$(bindings_of ken)" = 0
'

test_expect_success 'a wrong PIN stops at SignIn with the likely cause' '
	test_must_fail boot 100 -Pin 11111 -SipDomain contoso.com &&
	test "$(tail -1 steps)" = "Total Fail" &&
	grep "^SignIn Fail" steps &&
	field_of SignIn Cause >c && test_grep "wrong PIN" c &&
	test_grep "the bootstrap of 100 in contoso.com failed" boot.err &&
	$UCSH -c "Unlock-CsClientPin sip:ken@contoso.com" >/dev/null
'

# 127.0.0.2: the fallback port 5061 is not ours, so nothing of this test is there
test_expect_success 'no SRV: the phone falls back to sipinternal on 5061, where ucshd is not' '
	edit_zone "/^_sip/d; s/^sipinternal IN CNAME pool01/sipinternal IN A 127.0.0.2/" &&
	test_must_fail boot 100 -Pin 48213 -SipDomain contoso.com &&
	field_of Discover Detail >d && test_grep "sipinternal.contoso.com A: sipinternal.contoso.com:5061" d &&
	test_grep "the records before it are missing" d &&
	grep "^TlsHandshake Fail" steps &&
	field_of TlsHandshake Detail >t && test_grep "127.0.0.2:5061" t
'

test_expect_success 'no registrar record at all: Discover fails and says how to publish one' '
	edit_zone "/^_sip\|^sip/d" &&
	test_must_fail boot 100 -Pin 48213 -SipDomain contoso.com &&
	test "$(head -1 steps)" = "Discover Fail" &&
	field_of Discover Cause >c && test_grep "Get-CsDnsRecord -SipDomain contoso.com -Format Zone" c &&
	field_of Discover Detail >d && test_grep "_sipinternaltls._tcp.contoso.com SRV: no such name" d
'

test_expect_success 'a registrar name without an address stops at Resolve' '
	edit_zone "s/^_sipinternaltls._tcp IN SRV 0 0 $TLS_PORT pool01.contoso.com./_sipinternaltls._tcp IN SRV 0 0 $TLS_PORT gone.contoso.com./" &&
	test_must_fail boot 100 -Pin 48213 -SipDomain contoso.com &&
	grep "^Resolve Fail" steps &&
	field_of Resolve Cause >c && test_grep "gone.contoso.com has no address in DNS" c
'

test_expect_success 'a certificate that does not name the registrar stops at TlsHandshake' '
	edit_zone "s/^_sipinternaltls._tcp IN SRV 0 0 $TLS_PORT pool01.contoso.com./_sipinternaltls._tcp IN SRV 0 0 $TLS_PORT alias.contoso.com.\nalias IN A 127.0.0.1/" &&
	test_must_fail boot 100 -Pin 48213 -SipDomain contoso.com &&
	grep "^TlsHandshake Fail" steps &&
	field_of TlsHandshake Cause >c && test_grep "does not name alias.contoso.com" c
'

test_expect_success 'without -SipDomain, the domain of the one pool is used; bad input is refused' '
	serve_zone good.zone &&
	{ boot 100 -Pin 48213; true; } && grep "^SignIn Pass" steps &&
	test_must_fail $UCSH -c "Test-CsPhoneBootstrap \"10 0\" -Pin 1 -DnsServer 127.0.0.1:$DNS_PORT" 2>err &&
	test_grep "is not an extension or SIP address" err
'

stop_knot
stop_ucshd TERM && clean=yes || clean=no
test_expect_success 'ucshd stopped cleanly (and ASan found nothing)' '
	test $clean = yes
'
test_done
