#!/bin/sh
# Import-CsDeviceUpdate -Uri: the package downloaded over HTTPS (from an
# `openssl s_server -WWW` on loopback with a certificate made here) and
# checked against -Sha256 before it is read; a wrong digest, an untrusted
# server, a download over the size limit, a missing file or a plain http://
# URL import nothing and leave no temporary file.
. "$(dirname "$0")/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need gcab sqlite3 openssl ss sha256sum
IMAGES=$STATE_DIR/images
V1=4.0.7577.4400
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null' EXIT

d=t1/UCPhone/Polycom/CX600/Rev-1/ENU/$V1
mkdir -p "$d/CPE" www && head -c 100000 /dev/urandom >"$d/CPE/nk.bin" &&
(cd t1 && gcab -c -z "$TEST_DIR/www/p1.cab" $(find UCPhone -type f)) || exit 1
SUM=$(sha256sum www/p1.cab | cut -d' ' -f1)
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >openssl.log 2>&1 || exit 1
pick_ports
URL=https://127.0.0.1:$SPARE_PORT
(cd www && sh -c 'echo $$ >../server.pid; exec openssl s_server -quiet -WWW -accept 127.0.0.1:'$SPARE_PORT' -cert ../cert.pem -key ../key.pem' >../server.log 2>&1 &)
wait_until 'test -s server.pid && port_busy '$SPARE_PORT || { cat server.log; exit 1; }
SERVER_PID=$(cat server.pid)

sql() {
	store_sql "$1"
}
nothing_imported() {
	test "$(sql "SELECT count(*) FROM device_update_image")" = 0 &&
	test "$(sql "SELECT count(*) FROM device_update_rule")" = 0 &&
	test -z "$(find "$IMAGES" -type f ! -name .import.lock)"
}
$UCSH -c 'Get-CsDeviceUpdateRule' >/dev/null # creates the store

test_expect_success 'a digest that does not match: refused, nothing imported, no file left' '
	bad=$(echo "$SUM" | tr 0-9a-f 1-9a-f0) &&
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate -Uri $URL/p1.cab -Sha256 $bad -CaFile cert.pem" 2>err &&
	test_grep "the SHA-256 of $URL/p1.cab is $SUM, not the $bad given" err &&
	nothing_imported
'

test_expect_success 'a server the system does not trust is refused' '
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate -Uri $URL/p1.cab -Sha256 $SUM" 2>err &&
	test_grep "cannot download $URL/p1.cab: .*certificate" err &&
	nothing_imported
'

test_expect_success 'a download over -MaxPackageSize is stopped' '
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate -Uri $URL/p1.cab -Sha256 $SUM -CaFile cert.pem -MaxPackageSize 1000" 2>err &&
	test_grep "$URL/p1.cab is bigger than the limit of 1000 bytes" err &&
	nothing_imported
'

test_expect_success 'a missing file, http://, a missing or malformed digest are refused' '
	# s_server answers a missing file with 200 and an error text: the digest stops it
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate -Uri $URL/missing.cab -Sha256 $SUM -CaFile cert.pem" 2>err &&
	test_grep "the SHA-256 of $URL/missing.cab is [0-9a-f]*, not the $SUM given" err &&
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate -Uri http://127.0.0.1:$SPARE_PORT/p1.cab -Sha256 $SUM" 2>err &&
	test_grep "Uri must be an https:// URL" err &&
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate -Uri $URL/p1.cab" 2>err &&
	test_grep "Uri needs -Sha256" err &&
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate -Uri $URL/p1.cab -Sha256 abc -CaFile cert.pem" 2>err &&
	test_grep "Sha256 .abc. is not a SHA-256 digest" err &&
	nothing_imported
'

test_expect_success 'the right digest: the package is imported, the download removed' '
	$UCSH -c "Import-CsDeviceUpdate -Uri $URL/p1.cab -Sha256 $SUM -CaFile cert.pem | ForEach-Object { \$_.Model + \" \" + \$_.PendingVersion }" >actual &&
	echo "CX600 $V1" >expected && test_cmp expected actual &&
	cmp "$d/CPE/nk.bin" "$IMAGES/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE/nk.bin" &&
	test -z "$(find "$IMAGES" -name ".ucsh-tmp-*")"
'

test_expect_success '-WhatIf downloads nothing' '
	$UCSH -c "Import-CsDeviceUpdate -Uri $URL/none.cab -Sha256 $SUM -WhatIf" >out &&
	test_grep "What if: Performing the operation \"Download and import the package $URL/none.cab\"" out
'

test_done
