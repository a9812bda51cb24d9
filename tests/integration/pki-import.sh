#!/bin/sh
# Import-CsCertificate against a running ucshd: a chain made by an
# "enterprise CA" (the openssl command) is served on the next handshake;
# every bad input is refused with its own message, and the certificate
# served before is still the one in the store and on the wire.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/pki-lib.sh"
need sqlite3 ss openssl python3
PROBE="python3 $UCSH_SRC_DIR/tests/integration/tls-probe.py"
trap 'stop_ucshd KILL' EXIT

pick_ports
setup_pool
start_registrar >/dev/null 2>&1
$UCSH -c "Export-CsCertificate -Type Root -Path root.pem"
NAMES="DNS:$UCSH_POOL_FQDN,IP:127.0.0.1"

# served CAFILE: the serial of a new handshake's certificate, trusting CAFILE
served() {
	$PROBE serial 127.0.0.1 $TLS_PORT "$1" 2>>probe.err
}
default_tp() {
	$UCSH -c "(Get-CsCertificate -Type Default).Thumbprint"
}
serial_of() {
	openssl x509 -in "$1" -noout -serial | cut -d= -f2
}

test_expect_success 'an enterprise CA, and the certificates of each case' '
	ent_ca &&
	ent_leaf good "$NAMES" && ent_leaf good2 "$NAMES" && ent_leaf other "$NAMES" &&
	ent_leaf wrongname "DNS:www.example.com,IP:127.0.0.1" &&
	ent_leaf broken "$NAMES" badint &&
	ent_leaf expired "$NAMES" int 20200101000000Z 20210101000000Z &&
	cat ent/good.pem ent/int.pem ent/root.pem >chain.pem &&
	openssl pkcs12 -export -in ent/good.pem -inkey ent/good.key -certfile chain.pem \
		-passout pass:Secret1 -out good.pfx &&
	cat ent/good.pem ent/int.pem ent/root.pem ent/other.key >mismatch.pem &&
	cat ent/good.pem ent/good.key >incomplete.pem &&
	cat ent/broken.pem ent/badint.pem ent/root.pem ent/broken.key >broken.pem &&
	cat ent/wrongname.pem ent/int.pem ent/root.pem ent/wrongname.key >wrongname.pem &&
	cat ent/expired.pem ent/int.pem ent/root.pem ent/expired.key >expired.pem &&
	cat ent/good2.pem ent/int.pem ent/root.pem ent/good2.key >good2.pem
'
BEFORE_TP=$(default_tp)
BEFORE_SERIAL=$(served root.pem)

# refused FILE MESSAGE [more arguments]: refused with MESSAGE; nothing changed
refused() {
	_f=$1 _m=$2
	shift 2
	test_must_fail $UCSH -c "Import-CsCertificate -Path $_f $*" 2>err &&
	test_grep "$_m" err &&
	test "$(default_tp)" = "$BEFORE_TP" &&
	test "$(served root.pem)" = "$BEFORE_SERIAL"
}

test_expect_success 'a wrong PKCS#12 password is refused' '
	refused good.pfx "wrong password for good.pfx" -Password Wrong1
'
test_expect_success 'a PKCS#12 file without -Password says it needs one' '
	refused good.pfx "is protected: give -Password"
'
test_expect_success 'a key that does not match the certificate is refused' '
	refused mismatch.pem "does not match the certificate"
'
test_expect_success 'a chain without its intermediate is refused' '
	refused incomplete.pem "the chain is incomplete"
'
test_expect_success 'a chain that does not verify (an intermediate that is no CA) is refused' '
	refused broken.pem "the chain does not verify.*invalid CA certificate"
'
test_expect_success 'names that do not cover the pool are refused' '
	refused wrongname.pem "does not name $UCSH_POOL_FQDN, which Default needs"
'
test_expect_success 'an expired certificate is refused' '
	refused expired.pem "expired on 2021-01-01"
'
test_expect_success 'a file that is no certificate is refused' '
	echo hello >junk.pem && refused junk.pem "neither PEM nor PKCS#12" &&
	refused missing.pem "cannot read missing.pem"
'

test_expect_success 'the PKCS#12 chain is served on the next handshake' '
	$UCSH -c "Import-CsCertificate -Path good.pfx -Password Secret1 -Type Default" >out &&
	test "$(default_tp)" = "$(thumbprint_of ent/good.pem)" &&
	want=$(serial_of ent/good.pem) &&
	wait_until "test \"\$(served ent/root.pem)\" = $want" 50 &&
	echo | openssl s_client -connect 127.0.0.1:$TLS_PORT -CAfile ent/root.pem \
		-verify_return_error -showcerts >sc 2>&1 &&
	test_grep "Verify return code: 0" sc &&
	test "$(grep -c "BEGIN CERTIFICATE" sc)" = 2
'

test_expect_success 'a PEM chain with its key replaces it, without a restart' '
	$UCSH -c "Import-CsCertificate good2.pem" >out &&
	want=$(serial_of ent/good2.pem) &&
	wait_until "test \"\$(served ent/root.pem)\" = $want" 50 &&
	test "$(grep -c "Registrar started" ucshd.log)" = 1
'

test_expect_success 'Set-CsCertificate puts the first one back' '
	$UCSH -c "Set-CsCertificate -Type Default -Thumbprint $(thumbprint_of ent/good.pem)" &&
	want=$(serial_of ent/good.pem) &&
	wait_until "test \"\$(served ent/root.pem)\" = $want" 50
'

test_expect_success 'a TLS 1.2 session resumes from its ticket' '
	echo | openssl s_client -connect 127.0.0.1:$TLS_PORT -CAfile ent/root.pem -tls1_2 \
		-sess_out sess.pem >s1 2>&1 &&
	test_grep "TLS session ticket:" s1 &&
	echo | openssl s_client -connect 127.0.0.1:$TLS_PORT -CAfile ent/root.pem -tls1_2 \
		-sess_in sess.pem >s2 2>&1 &&
	test_grep "^Reused, TLSv1.2" s2
'

test_expect_success 'an enterprise certificate cannot be revoked by the private CA' '
	test_must_fail $UCSH -c "Revoke-CsCertificate -Thumbprint $(thumbprint_of ent/good.pem) -Force" 2>e &&
	test_grep "not by the private CA" e
'

stop_ucshd TERM && drained=yes || drained=no
test_expect_success 'ucshd drains on SIGTERM (and ASan found nothing)' '
	test $drained = yes
'
test_done
