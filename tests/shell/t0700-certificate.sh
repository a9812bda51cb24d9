#!/bin/sh
# The certificate cmdlets without ucshd: the private CA, issuing, the CRL,
# revocation, assignment, and a request answered by an enterprise CA.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/pki-lib.sh"
command -v openssl >/dev/null 2>&1 || { echo "1..0 # SKIP openssl is not installed"; exit 0; }
POOL=pool.ucsh.local

test_expect_success 'before any start there is no CA, and exporting the root says so' '
	$UCSH -c "Get-CsCertificate" >out &&
	! test_grep Root out &&
	test_must_fail $UCSH -c "Export-CsCertificate -Type Root -Path root.pem" 2>err &&
	test_grep "no private CA yet" err && ! test -e root.pem
'

test_expect_success 'Request-CsCertificate -New makes the CA (key 0600) and a leaf it signed' '
	$UCSH -c "Request-CsCertificate -New -Type Default,WebServicesInternal" >out &&
	test_grep "Default,WebServicesInternal" out &&
	test "$(stat -c %a "$PKI_DIR/ca.key")" = 600 &&
	test "$(stat -c %a "$PKI_DIR")" = 700 &&
	$UCSH -c "Export-CsCertificate -Type Root -Path root.pem" &&
	$UCSH -c "Export-CsCertificate -Type Default -Path leaf.pem" &&
	openssl verify -CAfile root.pem leaf.pem &&
	cmp root.pem "$PKI_DIR/ca.pem"
'

test_expect_success 'the leaf: P-256, at most 397 days, the pool and loopback names, a CDP' '
	openssl x509 -in leaf.pem -noout -text >text &&
	test_grep "prime256v1\|P-256" text &&
	test_grep "DNS:$POOL" text && test_grep "DNS:localhost" text &&
	test_grep "IP Address:127.0.0.1" text && test_grep "IP Address:0:0:0:0:0:0:0:1" text &&
	test_grep "URI:http://$POOL/CertProv/ucsh-ca.crl" text &&
	test_grep "TLS Web Server Authentication" text &&
	start=$(date -d "$(openssl x509 -in leaf.pem -noout -startdate | cut -d= -f2)" +%s) &&
	end=$(date -d "$(openssl x509 -in leaf.pem -noout -enddate | cut -d= -f2)" +%s) &&
	test $((end - start)) -le $((397 * 86400))
'

test_expect_success 'the root: a CA certificate with a long life' '
	openssl x509 -in root.pem -noout -text >rtext &&
	test_grep "CA:TRUE" rtext && test_grep "Certificate Sign, CRL Sign" rtext &&
	end=$(date -d "$(openssl x509 -in root.pem -noout -enddate | cut -d= -f2)" +%s) &&
	test $((end - $(date +%s))) -gt $((15 * 365 * 86400))
'

test_expect_success 'the CDP follows the pool: InternalWebFqdn and a port other than 80' '
	$UCSH -c "Set-CsPool $POOL -InternalWebFqdn web.ucsh.local -InternalHttpPort 8081" &&
	$UCSH -c "Request-CsCertificate -New -Type WebServicesInternal" >/dev/null &&
	$UCSH -c "Export-CsCertificate -Type WebServicesInternal -Path web.pem" &&
	openssl x509 -in web.pem -noout -text >wtext &&
	test_grep "URI:http://web.ucsh.local:8081/CertProv/ucsh-ca.crl" wtext &&
	test_grep "DNS:web.ucsh.local" wtext
'

test_expect_success 'Get-CsCertificate: the root and the leaves, never a private key' '
	$UCSH -c "Get-CsCertificate | ConvertTo-Json" >all.json &&
	! test_grep "PRIVATE KEY" all.json &&
	test_grep "\"Use\": \"Root\"" all.json &&
	test_grep "\"HasPrivateKey\": true" all.json &&
	! test_grep "PRIVATE KEY" "$PKI_DIR/ca.pem" &&
	tp=$(thumbprint_of leaf.pem) &&
	$UCSH -c "(Get-CsCertificate -Type Default).Thumbprint" >t && test "$(cat t)" = "$tp" &&
	$UCSH -c "(Get-CsCertificate -Thumbprint $tp).SerialNumber" >s &&
	test "$(cat s)" = "$(openssl x509 -in leaf.pem -noout -serial | cut -d= -f2)"
'

test_expect_success 'Export-CsCertificate -Encoding Der writes DER' '
	$UCSH -c "Export-CsCertificate -Type Root -Path root.der -Encoding Der" &&
	openssl x509 -inform DER -in root.der -noout -subject >subj &&
	test_grep "ucsh private root CA" subj
'

test_expect_success 'a live leaf passes openssl verify -crl_check; revoked, it fails' '
	$UCSH -c "Export-CsCertificate -Type Crl -Path crl.pem" &&
	openssl verify -crl_check -CAfile root.pem -CRLfile crl.pem leaf.pem &&
	tp=$(thumbprint_of leaf.pem) &&
	$UCSH -c "Revoke-CsCertificate -Thumbprint $tp -Force" &&
	$UCSH -c "Export-CsCertificate -Type Crl -Path crl2.pem" &&
	test_must_fail openssl verify -crl_check -CAfile root.pem -CRLfile crl2.pem leaf.pem >v 2>&1 &&
	test_grep "certificate revoked" v &&
	openssl crl -in crl2.pem -noout -text >ctext &&
	test_grep "$(openssl x509 -in leaf.pem -noout -serial | cut -d= -f2)" ctext &&
	$UCSH -c "(Get-CsCertificate -Thumbprint $tp).Revoked" >r && test -s r &&
	$UCSH -c "(Get-CsCertificate -Thumbprint $tp).Use" >u && ! test -s u
'

test_expect_success 'revoking twice, or an unknown or malformed thumbprint, is refused' '
	tp=$(thumbprint_of leaf.pem) &&
	test_must_fail $UCSH -c "Revoke-CsCertificate -Thumbprint $tp -Force" 2>e1 &&
	test_grep "already revoked" e1 &&
	test_must_fail $UCSH -c "Revoke-CsCertificate -Thumbprint 00112233445566778899AABBCCDDEEFF00112233 -Force" 2>e2 &&
	test_grep "no certificate has the thumbprint" e2 &&
	test_must_fail $UCSH -c "Revoke-CsCertificate -Thumbprint nothex -Force" 2>e3 &&
	test_grep "is not a thumbprint" e3
'

test_expect_success 'Set-CsCertificate assigns a stored leaf; a revoked one is refused' '
	$UCSH -c "Request-CsCertificate -New -Type WebServicesExternal -DomainName sip.contoso.com" >/dev/null &&
	new=$($UCSH -c "(Get-CsCertificate -Type WebServicesExternal).Thumbprint") &&
	$UCSH -c "Set-CsCertificate -Type Default -Thumbprint $new" &&
	$UCSH -c "(Get-CsCertificate -Thumbprint $new).Use" >u &&
	test "$(cat u)" = "Default,WebServicesExternal" &&
	test_must_fail $UCSH -c "Set-CsCertificate -Type Default -Thumbprint $(thumbprint_of leaf.pem)" 2>e &&
	test_grep "was revoked" e &&
	$UCSH -c "(Get-CsCertificate -Type Default).Thumbprint" >t && test "$(cat t)" = "$new"
'

test_expect_success '-DomainName adds names; a bad one is refused' '
	$UCSH -c "Export-CsCertificate -Type Default -Path d.pem" &&
	openssl x509 -in d.pem -noout -ext subjectAltName >san && test_grep "DNS:sip.contoso.com" san &&
	test_must_fail $UCSH -c "Request-CsCertificate -New -DomainName '"'bad name,x'"'" 2>e &&
	test_grep "is not a DNS name" e
'

test_expect_success 'Request-CsCertificate without -New says what to give' '
	test_must_fail $UCSH -c "Request-CsCertificate -Type Default" 2>e &&
	test_grep "give -New" e
'

test_expect_success 'a request for an enterprise CA: a CSR, the key pending in the store' '
	ent_ca &&
	$UCSH -c "Request-CsCertificate -New -Type Default -DomainName sip.contoso.com -Output pool.csr" >out &&
	openssl req -in pool.csr -noout -verify -text >req 2>&1 &&
	test_grep "verify OK\|Certificate request self-signature verify OK" req &&
	test_grep "DNS:$POOL" req && test_grep "DNS:sip.contoso.com" req &&
	$UCSH -c "Get-CsCertificate | Where-Object Identity -like Request:* | ConvertTo-Json" >p &&
	test_grep "\"HasPrivateKey\": true" p && ! test_grep "PRIVATE KEY" p
'

test_expect_success 'the signed answer imports without a key file, and replaces Default' '
	printf "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:$POOL,DNS:sip.contoso.com\n" >ent/ans.ext &&
	ent_sign_csr pool.csr answer.pem ent/ans.ext int &&
	cat answer.pem ent/int.pem ent/root.pem >answer-chain.pem &&
	$UCSH -c "Import-CsCertificate answer-chain.pem -Type Default" >out &&
	$UCSH -c "(Get-CsCertificate -Type Default).Thumbprint" >t &&
	test "$(cat t)" = "$(thumbprint_of answer.pem)" &&
	$UCSH -c "Get-CsCertificate | Where-Object Identity -like Request:*" >p && ! test -s p &&
	$UCSH -c "Export-CsCertificate -Type Default -Path served.pem" && cmp served.pem answer.pem
'

test_expect_success 'the same answer again has no key left to take' '
	test_must_fail $UCSH -c "Import-CsCertificate answer.pem" 2>e &&
	test_grep "holds no private key" e
'

test_done
