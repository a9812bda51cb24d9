#!/bin/sh
# testssl.sh rates the TLS listeners of a fresh deployment, trusting only
# the exported root: nothing may be rated HIGH or CRITICAL (no allowances:
# the whole default run, every finding counted). A full run takes one to
# two minutes; it is bounded at ten.
#
# The SIP TLS port and the internal web site's HTTPS port are rated (the
# latter is skipped, saying why, in a build without the web site).
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
TESTSSL=$(command -v testssl || command -v testssl.sh || true)
[ -n "$TESTSSL" ] || { echo "1..0 # SKIP testssl.sh is not installed"; exit 0; }
need sqlite3 ss openssl python3
trap 'stop_ucshd KILL' EXIT
unset UCSH_PKI_LEAF_SECONDS

pick_ports
setup_pool
start_registrar >/dev/null 2>&1
$UCSH -c "Export-CsCertificate -Type Root -Path root.pem"

# rate NAME PORT: testssl.sh's default run, JSON findings in NAME.json
rate() {
	timeout -k 10 600 "$TESTSSL" --quiet --color 0 --warnings off --add-ca "$TEST_DIR/root.pem" \
		--jsonfile "$TEST_DIR/$1.json" 127.0.0.1:$2 >"$TEST_DIR/$1.txt" 2>&1
	test -s "$TEST_DIR/$1.json"
}

# verdict NAME: every finding HIGH or CRITICAL, one per line (none: empty),
# and a check that the run covered protocols, ciphers, the certificate and
# the vulnerabilities.
verdict() {
	python3 - "$TEST_DIR/$1.json" <<-'EOF'
	import json, sys
	findings = json.load(open(sys.argv[1]))
	ids = {f["id"] for f in findings}
	for need in ("TLS1_2", "TLS1_3", "cipher_order", "cert_trust", "cert_chain_of_trust",
	             "cert_crlDistributionPoints", "cert_validityPeriod", "heartbleed", "ROBOT"):
	    if need not in ids:
	        print("not rated: " + need)
	for f in findings:
	    if f["severity"] in ("HIGH", "CRITICAL"):
	        print(f["severity"] + " " + f["id"] + ": " + f["finding"])
	EOF
}

# summary NAME: a TAP comment with the count of findings per severity and
# the run's length, for the record
summary() {
	python3 - "$TEST_DIR/$1.json" "$1" "$2" <<-'EOF'
	import collections, json, sys
	c = collections.Counter(f["severity"] for f in json.load(open(sys.argv[1])))
	print("# testssl.sh %s: %s in %s s" % (sys.argv[2], ", ".join(
	    "%s %d" % kv for kv in sorted(c.items())), sys.argv[3]))
	EOF
}

t0=$(date +%s)
test_expect_success 'testssl.sh: nothing HIGH or CRITICAL on the SIP TLS port' '
	rate sip $TLS_PORT && verdict sip >bad && cat bad && ! test -s bad
'
[ -s sip.json ] && summary sip $(($(date +%s) - t0))

test_expect_success 'testssl.sh: the chain is trusted, TLS 1.2 and 1.3 only, forward secrecy' '
	python3 - "$TEST_DIR/sip.json" <<-EOF
	import json, sys
	f = {x["id"]: x for x in json.load(open(sys.argv[1]))}
	def want(i, sev, text):
	    assert f[i]["severity"] == sev and text in f[i]["finding"], (i, f[i])
	want("cert_chain_of_trust", "OK", "passed")
	want("SSLv3", "OK", "not offered")
	want("TLS1", "INFO", "not offered")
	want("TLS1_1", "INFO", "not offered")
	want("TLS1_2", "OK", "offered")
	want("TLS1_3", "OK", "offered")
	want("PFS", "OK", "offered")
	want("cipher_order", "OK", "server")
	want("cert_crlDistributionPoints", "INFO", "/CertProv/ucsh-ca.crl")
	EOF
'

if port_busy $INT_HTTPS_PORT; then
	t0=$(date +%s)
	test_expect_success 'testssl.sh: nothing HIGH or CRITICAL on the internal HTTPS port' '
		rate https $INT_HTTPS_PORT && verdict https >bad && cat bad && ! test -s bad
	'
	[ -s https.json ] && summary https $(($(date +%s) - t0))
else
	test_skip 'testssl.sh: nothing HIGH or CRITICAL on the internal HTTPS port' \
		'ucshd has no internal web site in this build'
fi

stop_ucshd TERM && drained=yes || drained=no
test_expect_success 'ucshd drains on SIGTERM (and ASan found nothing)' '
	test $drained = yes
'
test_done
