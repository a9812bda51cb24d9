#!/bin/sh
# Test-CsDnsPublication, Get-CsDnsRecord and Get-CsDhcpOption against a real
# DNS server (Knot, on a loopback port, with a test zone for contoso.com),
# ucshd's registrar, and openssl s_server for the certificates that are
# wrong. A correct zone passes; each kind of mistake is the right Fail with
# the right zone line; every answer is the one dig gets from the same server.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/dns-lib.sh"
need knotd dig openssl python3 ss
stop_s_server() {
	S_SERVER_PID=$(cat s_server.pid 2>/dev/null)
	[ -n "$S_SERVER_PID" ] || return 0
	kill "$S_SERVER_PID" 2>/dev/null
	wait_until '! kill -0 $S_SERVER_PID 2>/dev/null' 100
	rm -f s_server.pid
}
cleanup() {
	stop_s_server
	stop_knot
	stop_ucshd KILL
}
trap cleanup EXIT

pick_ports
setup_pool
start_registrar >/dev/null 2>&1 || { echo "1..0 # SKIP ucshd did not start"; exit 0; }
DNS_PORT=$((SPARE_PORT + 4))
good_zone >good.zone
serve_zone good.zone || { echo "Bail out! knotd did not start"; cat "$KNOT_DIR/knot.log"; exit 1; }
P=pool01.$DNS_ZONE
wait_until 'grep -q "DeviceUpdateExternal started" "$TEST_DIR/ucshd.log"' 50 >/dev/null ||
	{ echo "Bail out! the Device Update web service did not start"; exit 1; }

# edit_zone SED-SCRIPT: serve the good zone changed by the script.
edit_zone() {
	sed "$1" good.zone >bad.zone && serve_zone bad.zone
}

test_expect_success 'a correct zone: every record passes and ucsh -c exits 0' '
	checks -DnsOnly &&
	test_grep "^\"_sipinternaltls._tcp.contoso.com\",\"SRV\",\"Internal\",\"Pass\",\"0 0 $TLS_PORT $P.\"" checks.csv &&
	! grep -v "\"Pass\"" checks.csv | grep -v "^\"Record\"" &&
	test "$(grep -c "\"Pass\"" checks.csv)" = 13
'

test_expect_success 'a correct zone: the registrar answers TLS with a certificate naming the SRV target' '
	{ checks -Scope Internal; true; } &&
	test "$(check_field Result "$P:$TLS_PORT" TLS Internal)" = Pass &&
	check_field Found "$P:$TLS_PORT" TLS Internal >found &&
	test_grep "DNS:$P" found && test_grep "days)" found
'

# ucshd's web sites serve leaves of the pool's CA (pki.c) that name
# ucupdates-r2.<domain> too, the name phones outside ask for.
test_expect_success 'a correct zone: the update URLs answer as the Device Update service' '
	{ checks; true; } &&
	test "$(check_field Result "https://ucupdates-r2.$DNS_ZONE:$EXT_HTTPS_PORT/RequestHandlerExt/ucdevice.upx" HTTPS)" = Pass &&
	check_field Found "https://ucupdates-r2.$DNS_ZONE:$EXT_HTTPS_PORT/RequestHandlerExt/ucdevice.upx" HTTPS >ext &&
	test_grep "^401, Digest realm=\"contoso.com\"" ext &&
	test "$(check_field Result "https://$P:$INT_HTTPS_PORT/RequestHandler/ucdevice.upx" HTTPS)" = Pass &&
	check_field Found "https://$P:$INT_HTTPS_PORT/RequestHandler/ucdevice.upx" HTTPS >int &&
	test_grep "^200 <UpdateResponse>" int
'
test_expect_success 'a correct zone: every check passes, the external update site too' '
	{ checks; true; } &&
	{ grep -v "\"Pass\"" checks.csv | grep -v "^\"Record\"" >notpass; true; } &&
	test_cmp /dev/null notpass &&
	test_grep "^\"ucupdates-r2.contoso.com:$EXT_HTTPS_PORT\",\"TLS\",\"External\",\"Pass\"" checks.csv
'

test_expect_success 'what ucsh found is what dig gets from the same server' '
	{ checks -DnsOnly; true; } &&
	python3 - >pairs <<-EOF &&
	import csv
	for r in csv.DictReader(open("checks.csv")):
	    if r["Type"] in ("SRV", "CNAME", "A/AAAA"):
	        print(r["Type"], r["Record"], r["Found"], sep="\t")
	EOF
	test "$(wc -l <pairs)" = 13 &&
	while IFS="	" read -r type name found; do
		case $type in
		SRV) want=$(dig_short SRV "$name") ;;
		*) want=$(dig_short A "$name") ;;
		esac
		test "$found" = "$want" || { echo "$name: ucsh \"$found\", dig \"$want\""; exit 1; }
	done <pairs
'

test_expect_success 'missing _sipinternaltls._tcp: Fail, the SRV line to add, exit status 1' '
	edit_zone "/^_sipinternaltls/d" &&
	test_must_fail checks -DnsOnly &&
	test_grep "DNS publication checks failed" checks.err &&
	test "$(check_field Result _sipinternaltls._tcp.$DNS_ZONE SRV)" = Fail &&
	check_field Found _sipinternaltls._tcp.$DNS_ZONE SRV >found &&
	test_grep "^none (no such name (NXDOMAIN))" found &&
	test -z "$(dig_short SRV _sipinternaltls._tcp.$DNS_ZONE)" &&
	check_field Remediation _sipinternaltls._tcp.$DNS_ZONE SRV >fix &&
	test_grep "^_sipinternaltls._tcp.contoso.com. 3600 IN SRV 0 0 $TLS_PORT $P.\$" fix
'

test_expect_success 'wrong SRV port: Fail, found as dig says, the line with the pool port' '
	edit_zone "s/^_sip._tls IN SRV 0 0 $TLS_PORT/_sip._tls IN SRV 0 0 5099/" &&
	test_must_fail checks -DnsOnly -Scope External &&
	test "$(check_field Result _sip._tls.$DNS_ZONE SRV)" = Fail &&
	test "$(check_field Found _sip._tls.$DNS_ZONE SRV)" = "0 0 5099 $P." &&
	test "$(dig_short SRV _sip._tls.$DNS_ZONE)" = "0 0 5099 $P." &&
	check_field Remediation _sip._tls.$DNS_ZONE SRV >fix &&
	test_grep "no record with port $TLS_PORT" fix &&
	test_grep "^_sip._tls.contoso.com. 3600 IN SRV 0 0 $TLS_PORT $P.\$" fix
'

test_expect_success 'SRV target without an address: Fail with its A line' '
	edit_zone "s/^_sipinternaltls._tcp IN SRV 0 0 $TLS_PORT $P./_sipinternaltls._tcp IN SRV 0 0 $TLS_PORT noaddr.$DNS_ZONE./" &&
	test_must_fail checks -DnsOnly -Scope Internal &&
	test "$(check_field Result _sipinternaltls._tcp.$DNS_ZONE SRV)" = Warning &&
	test "$(check_field Result noaddr.$DNS_ZONE A/AAAA)" = Fail &&
	test -z "$(dig_short A noaddr.$DNS_ZONE)" &&
	check_field Remediation noaddr.$DNS_ZONE A/AAAA >fix &&
	test_grep "^noaddr.contoso.com. 3600 IN A 127.0.0.1\$" fix &&
	test_grep "^noaddr.contoso.com. 3600 IN AAAA ::1\$" fix
'

test_expect_success 'CNAME loop: Fail, the loop as dig shows it, the CNAME to put instead' '
	edit_zone "s/^ucupdates-r2 IN CNAME pool01/ucupdates-r2 IN CNAME updates-loop\nupdates-loop IN CNAME ucupdates-r2/" &&
	test_must_fail checks -DnsOnly -Scope External &&
	test "$(check_field Result ucupdates-r2.$DNS_ZONE CNAME)" = Fail &&
	check_field Found ucupdates-r2.$DNS_ZONE CNAME >found &&
	test_grep "^updates-loop.contoso.com., ucupdates-r2.contoso.com., none (CNAME loop)" found &&
	test "$(dig_short A ucupdates-r2.$DNS_ZONE)" = "updates-loop.contoso.com., ucupdates-r2.contoso.com." &&
	check_field Remediation ucupdates-r2.$DNS_ZONE CNAME >fix &&
	test_grep "comes back to itself" fix &&
	test_grep "^ucupdates-r2.contoso.com. 3600 IN CNAME $P.\$" fix
'

# serve_cert NAME DAYS: openssl s_server on SPARE_PORT with a certificate of
# the store CA for NAME, valid DAYS days (-1: expired yesterday).
# The PID is read from its file: each case runs in a subshell.
serve_cert() {
	stop_s_server
	echo "subjectAltName=DNS:$1" >ext.cnf &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key \
		-subj "/CN=$1" -out leaf.csr 2>/dev/null &&
	openssl x509 -req -in leaf.csr -CA store/pki/ca.pem -CAkey store/pki/ca.key \
		-CAcreateserial -days "$2" -extfile ext.cnf -out leaf.pem 2>/dev/null &&
	{ sh -c 'echo $$ >s_server.pid; exec openssl s_server -accept 127.0.0.1:'$SPARE_PORT' -cert leaf.pem -key leaf.key -www' </dev/null >s_server.log 2>&1 & } &&
	wait_until 'test -s s_server.pid' 50 && wait_until "port_busy $SPARE_PORT" 100
}

test_expect_success 'certificate without the target name: TLS Fail naming what it covers' '
	serve_cert other.contoso.com 90 &&
	edit_zone "s/^_sipinternaltls._tcp IN SRV 0 0 $TLS_PORT/_sipinternaltls._tcp IN SRV 0 0 $SPARE_PORT/" &&
	test_must_fail checks -Scope Internal &&
	test "$(check_field Result "$P:$SPARE_PORT" TLS)" = Fail &&
	check_field Remediation "$P:$SPARE_PORT" TLS >fix &&
	test_grep "does not name $P (it names DNS:other.contoso.com)" fix &&
	test_grep "with DNS:$P among its subject alternative names" fix
'

test_expect_success 'expired certificate: TLS Fail with the date it expired' '
	serve_cert $P -1 &&
	edit_zone "s/^_sipinternaltls._tcp IN SRV 0 0 $TLS_PORT/_sipinternaltls._tcp IN SRV 0 0 $SPARE_PORT/" &&
	test_must_fail checks -Scope Internal &&
	test "$(check_field Result "$P:$SPARE_PORT" TLS)" = Fail &&
	check_field Remediation "$P:$SPARE_PORT" TLS >fix &&
	test_grep "the certificate expired on" fix &&
	check_field Found "$P:$SPARE_PORT" TLS >found && test_grep "(-1 days)" found
'

test_expect_success 'a certificate with 10 days left fails the 30-day rule' '
	serve_cert $P 10 &&
	edit_zone "s/^_sipinternaltls._tcp IN SRV 0 0 $TLS_PORT/_sipinternaltls._tcp IN SRV 0 0 $SPARE_PORT/" &&
	test_must_fail checks -Scope Internal &&
	check_field Remediation "$P:$SPARE_PORT" TLS >fix &&
	test_grep "expires in [0-9] days\|expires in 10 days" fix
'

stop_s_server
test_expect_success 'update URL not answering: Fail with what to check' '
	edit_zone "s/^ucupdates-r2 IN CNAME pool01/ucupdates-r2 IN A 127.0.0.2/" &&
	test_must_fail checks -Scope External &&
	U="https://ucupdates-r2.$DNS_ZONE:$EXT_HTTPS_PORT/RequestHandlerExt/ucdevice.upx" &&
	test "$(check_field Result "$U" HTTPS)" = Fail &&
	check_field Found "$U" HTTPS >found && test_grep "^no answer: " found &&
	check_field Remediation "$U" HTTPS >fix &&
	test_grep "must answer at $U (127.0.0.2)" fix &&
	test_grep "ExternalHttpsPort of the pool is $EXT_HTTPS_PORT" fix
'

test_expect_success 'an optional record missing is a Warning, and the exit status stays 0' '
	edit_zone "/^lyncdiscover IN/d" &&
	checks -DnsOnly -Scope External &&
	test "$(check_field Result lyncdiscover.$DNS_ZONE CNAME)" = Warning &&
	check_field Remediation lyncdiscover.$DNS_ZONE CNAME >fix &&
	test_grep "^lyncdiscover.contoso.com. 3600 IN CNAME $P.\$" fix
'

test_expect_success 'Get-CsDnsRecord -Format Zone, served as it is, passes the check' '
	$UCSH -c "Get-CsDnsRecord -SipDomain contoso.com -Scope External -Format Zone" >ext.zone &&
	test_grep "^_sip._tls.contoso.com. 3600 IN SRV 0 0 $TLS_PORT $P.\$" ext.zone &&
	test_grep "^$P. 3600 IN A 127.0.0.1\$" ext.zone &&
	test_grep "^ucupdates-r2.contoso.com. 3600 IN CNAME $P.\$" ext.zone &&
	serve_zone ext.zone &&
	checks -DnsOnly -Scope External &&
	! grep -v "\"Pass\"" checks.csv | grep -v "^\"Record\""
'

test_expect_success 'Get-CsDnsRecord objects carry the same lines' '
	$UCSH -c "Get-CsDnsRecord contoso.com -Scope Internal | Where-Object Name -eq _sipinternaltls._tcp.contoso.com | Select-Object -ExpandProperty ZoneLine" >line &&
	test_grep "^_sipinternaltls._tcp.contoso.com. 3600 IN SRV 0 0 $TLS_PORT $P.\$" line &&
	$UCSH -c "(Get-CsDnsRecord contoso.com | Where-Object Required | Measure-Object).Count" >n &&
	test "$(cat n)" = 5
'

test_expect_success 'many domains from the pipeline, resolved in one parallel run' '
	i=1 && : >many.zone && : >domains &&
	while [ $i -le 60 ]; do
		echo "_sipinternaltls._tcp.d$i IN SRV 0 0 $TLS_PORT $P." >>many.zone &&
		echo "d$i.$DNS_ZONE" >>domains && i=$((i + 1)) || exit 1
	done &&
	cat good.zone >>many.zone && serve_zone many.zone &&
	list=$(sed "s/.*/\"&\"/" domains | paste -sd, -) &&
	$UCSH -c "Set-CsPool $P -SipDomain contoso.com,$(paste -sd, domains)" &&
	$UCSH -c "$list | Test-CsDnsPublication -DnsServer 127.0.0.1:$DNS_PORT -Scope Internal -DnsOnly -Verbose | Where-Object Record -like _sipinternaltls* | Select-Object Record, Result | Export-Csv -Path many.csv" 2>verbose.txt;
	test "$(grep -c "\"Pass\"" many.csv)" = 60 &&
	test_grep "DNS queries for 60 domains" verbose.txt &&
	$UCSH -c "Set-CsPool $P -SipDomain contoso.com"
'

test_expect_success 'Get-CsPool | Test-CsDnsPublication checks the pool domains' '
	serve_zone good.zone &&
	$UCSH -c "Get-CsPool | Test-CsDnsPublication -DnsServer 127.0.0.1:$DNS_PORT -DnsOnly | Select-Object -ExpandProperty SipDomain -Unique" >doms;
	test "$(sort -u doms)" = contoso.com
'

test_expect_success 'a DNS server that does not answer: every record Fails as unanswered' '
	$UCSH -c "Test-CsDnsPublication contoso.com -DnsServer 127.0.0.1:$AUX_PORT -TimeoutSeconds 1 -DnsOnly -Scope Internal | Select-Object -First 1 -ExpandProperty Found" >found 2>err;
	test_grep "no answer from the server\|connection refused\|Could not contact" found
'

test_expect_success 'bad arguments are refused with what was wrong' '
	test_must_fail $UCSH -c "Test-CsDnsPublication contoso.com -DnsServer 127.0.0.1:99999" 2>err &&
	test_grep "is not host or host:port" err &&
	test_must_fail $UCSH -c "Test-CsDnsPublication \"bad domain\" -DnsServer 127.0.0.1:$DNS_PORT" 2>err &&
	test_grep "is not a domain name" err &&
	test_must_fail $UCSH -c "Test-CsDnsPublication fabrikam.com -DnsServer 127.0.0.1:$DNS_PORT" 2>err &&
	test_grep "no pool serves the SIP domain .fabrikam.com." err
'

test_expect_success 'Get-CsDhcpOption: option 120 and 43 for the pool; dnsmasq accepts its configuration' '
	$UCSH -c "(Get-CsDhcpOption $P).Option120" >o120 &&
	test "$(cat o120)" = "0006706f6f6c303107636f6e746f736f03636f6d00" &&
	$UCSH -c "(Get-CsDhcpOption $P).Option43" >o43 &&
	python3 -c "import sys; b=bytes.fromhex(open(\"o43\").read().strip()); i=0; out=[]
while i < len(b): out.append((b[i], b[i+2:i+2+b[i+1]].decode())); i += 2 + b[i+1]
print(out)" >subs &&
	test_grep "(1, .MS-UC-Client.), (2, .https.), (3, .$P.), (4, .$INT_HTTPS_PORT.), (5, ./CertProv/CertProvisioningService.svc.)" subs &&
	$UCSH -c "(Get-CsDhcpOption $P).Dnsmasq" >dnsmasq.conf &&
	if command -v dnsmasq >/dev/null 2>&1; then dnsmasq --test -C dnsmasq.conf; fi &&
	$UCSH -c "(Get-CsDhcpOption $P).Kea" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d[\"Dhcp4\"][\"option-data\"][0][\"code\"] == 120"
'

stop_knot
stop_ucshd TERM && clean=yes || clean=no
test_expect_success 'ucshd stopped cleanly (and ASan found nothing)' '
	test $clean = yes
'
test_done
