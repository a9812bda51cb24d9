#!/bin/sh
# ucshd renews its certificates in place. With 30-second leaves
# (UCSH_PKI_LEAF_SECONDS), a leaf has a third of its life left after 20 s:
# ucshd issues the next one, a new TLS handshake presents the new serial,
# a connection opened before keeps working, and ucshd is never restarted.
# Revoking the live leaf puts it in the CRL ucshd writes, and a
# replacement is served. The CRL and the root are fetched from the web
# service, at the URL the leaves name.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need sqlite3 ss openssl python3 curl
PROBE="python3 $UCSH_SRC_DIR/tests/integration/tls-probe.py"
HOLD_PID=
cleanup() {
	[ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null
	stop_ucshd KILL
}
trap cleanup EXIT
UCSH_PKI_LEAF_SECONDS=30
export UCSH_PKI_LEAF_SECONDS

pick_ports
setup_pool
start_registrar >/dev/null 2>&1
FIRST_PID=$UCSHD_PID
$UCSH -c "Export-CsCertificate -Type Root -Path root.pem"

serial() {
	$PROBE serial 127.0.0.1 $TLS_PORT root.pem 2>>probe.err
}

test_expect_success 'the served leaf is a 30-second one of the private CA' '
	$UCSH -c "Export-CsCertificate -Type Default -Path leaf0.pem" &&
	start=$(date -d "$(openssl x509 -in leaf0.pem -noout -startdate | cut -d= -f2)" +%s) &&
	end=$(date -d "$(openssl x509 -in leaf0.pem -noout -enddate | cut -d= -f2)" +%s) &&
	test $((end - start)) = 30 &&
	test "$(serial)" = "$(openssl x509 -in leaf0.pem -noout -serial | cut -d= -f2)"
'

test_expect_success 'a connection is held open on the first leaf' '
	sh -c "echo \$\$ >hold.pid; exec $PROBE hold 127.0.0.1 $TLS_PORT root.pem held go" \
		>hold.log 2>&1 &
	wait_until "test -s held" &&
	test -n "$(head -1 held)"
'
# the cases run in subshells: what later cases need is read out here
S1=$(head -1 held 2>/dev/null)
HOLD_PID=$(cat hold.pid 2>/dev/null)

test_expect_success 'ucshd renews the leaf: a new handshake presents a new serial' '
	wait_until "s=\$(serial) && test -n \"\$s\" && test \"\$s\" != \"$S1\"" 600 &&
	S2=$(serial) && test "$S2" != "$S1" &&
	grep -c "TLS Default: serving certificate" ucshd.log >n && test "$(cat n)" -ge 2
'

test_expect_success 'the connection opened before the renewal still answers' '
	touch go &&
	test -n "$HOLD_PID" && wait_until "! kill -0 $HOLD_PID 2>/dev/null" 200 &&
	sed -n 2p held >status && test_grep "^SIP/2.0 200" status
'
HOLD_PID=

test_expect_success 'the internal HTTPS site is renewed in place too' '
	h1=$($PROBE serial 127.0.0.1 $INT_HTTPS_PORT root.pem) && test -n "$h1" &&
	wait_until "s=\$($PROBE serial 127.0.0.1 $INT_HTTPS_PORT root.pem 2>>probe.err) && test -n \"\$s\" && test \"\$s\" != $h1" 600
'

test_expect_success 'ucshd was never restarted' '
	test "$UCSHD_PID" = "$FIRST_PID" && kill -0 "$UCSHD_PID" &&
	test "$(grep -c "Registrar started" ucshd.log)" = 1 &&
	test "$(grep -c "serving pool" ucshd.log)" = 1
'

# The CRL from the URL the leaf names (the pool's name resolved to
# loopback), as PEM for openssl verify.
crl_pem() {
	url=$(openssl x509 -in live.pem -noout -ext crlDistributionPoints | sed -n "s/.*URI://p") &&
	curl -sf --max-time 10 --resolve $UCSH_POOL_FQDN:$INT_HTTP_PORT:127.0.0.1 -o crl.der "$url" &&
	openssl crl -inform DER -in crl.der -out crl.pem 2>/dev/null
}

test_expect_success 'the web service hands out the root as PEM and DER' '
	curl -sf --max-time 10 -o web-root.pem http://127.0.0.1:$INT_HTTP_PORT/CertProv/ucsh-ca.pem &&
	cmp web-root.pem root.pem &&
	curl -sf --max-time 10 -o web-root.crt http://127.0.0.1:$INT_HTTP_PORT/CertProv/ucsh-ca.crt &&
	openssl x509 -inform DER -in web-root.crt -out der-root.pem && cmp der-root.pem root.pem &&
	curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:$INT_HTTP_PORT/CertProv/other >code &&
	test "$(cat code)" = 404
'

test_expect_success 'the live leaf names the CRL URL, and verifies against that CRL' '
	$UCSH -c "Export-CsCertificate -Type Default -Path live.pem" &&
	openssl x509 -in live.pem -noout -ext crlDistributionPoints >cdp &&
	test_grep "URI:http://$UCSH_POOL_FQDN:$INT_HTTP_PORT/CertProv/ucsh-ca.crl" cdp &&
	crl_pem &&
	openssl verify -crl_check -CAfile root.pem -CRLfile crl.pem live.pem
'

test_expect_success 'revoked, it fails against the next CRL, and another leaf is served' '
	live=$(openssl x509 -in live.pem -noout -serial | cut -d= -f2) &&
	$UCSH -c "Revoke-CsCertificate -Thumbprint $(openssl x509 -in live.pem -noout -fingerprint -sha1 | sed "s/.*=//; s/://g") -Force" &&
	wait_until "crl_pem && ! openssl verify -crl_check -CAfile root.pem -CRLfile crl.pem live.pem >/dev/null 2>&1" 100 &&
	openssl crl -in crl.pem -noout -text >ctext && test_grep "$live" ctext &&
	wait_until "s=\$(serial) && test -n \"\$s\" && test \"\$s\" != \"$live\"" 100
'

stop_ucshd TERM && drained=yes || drained=no
test_expect_success 'ucshd drains on SIGTERM (and ASan found nothing)' '
	test $drained = yes
'
test_done
