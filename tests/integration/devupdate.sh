#!/bin/sh
# The Device Update web service against curl and a simulated phone
# (phone-sim.sh): packages built with gcab and imported, test devices
# against ordinary ones, approve/restore/reset as the phones see them,
# downloads with Range and ETag, every log upload limit, hostile paths and
# bodies refused with nothing written, the external site's digest sign-in,
# slow clients and the connection bound, HTTPS, the inventory.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need curl gcab sha256sum python3 sqlite3 ss
trap 'stop_ucshd KILL' EXIT
SIM="$UCSH_SRC_DIR/tests/integration/phone-sim.sh"
UCSH_HTTP_TIMEOUT=3 UCSH_HTTP_MAX_CONNS=8
export UCSH_HTTP_TIMEOUT UCSH_HTTP_MAX_CONNS

pick_ports
setup_pool
add_user ken 100 48213
INT=http://127.0.0.1:$INT_HTTP_PORT/RequestHandler
EXT=http://127.0.0.1:$EXT_HTTP_PORT/RequestHandlerExt
MAC1=00-04-F2-00-00-01 MAC2=00-04-F2-00-00-02 MAC3=00-04-F2-00-00-03
V0=4.0.7577.4100 V1=4.0.7577.4400 V2=4.0.7577.4500

# package VERSION BYTES: pkg-VERSION.cab with one image of the CX600 rule
package() {
	d=pkgsrc-$1/UCPhone/Polycom/CX600/Rev-1/ENU/$1/CPE
	mkdir -p "$d" &&
	head -c "$2" /dev/urandom >"$d/nk.bin" &&
	(cd "pkgsrc-$1" && gcab -c -z "../pkg-$1.cab" UCPhone/Polycom/CX600/Rev-1/ENU/$1/CPE/nk.bin)
}

# phone N MAC [VERSION]: the environment of simulated phone N
phone() {
	SIM_DIR=$TEST_DIR/phone$1 SIM_MAC=$2 SIM_VERSION=${3:-$V0} SIM_BASE=${SIM_BASE:-$INT} \
		SIM_CONNECT=$UCSH_POOL_FQDN
	export SIM_DIR SIM_MAC SIM_VERSION SIM_BASE SIM_CONNECT
}

check_body() {
	printf '<UpdateRequest><MacAddress>%s</MacAddress><Brand>Polycom</Brand><Model>CX600</Model><Revision>Rev-1</Revision><Locale>ENU</Locale><Version>%s</Version>%s</UpdateRequest>' "$1" "$2" "${3:-}"
}

post_check() { # URL BODY [curl args]: the status; the answer in answer.xml
	url=$1 body=$2
	shift 2
	curl -s -o answer.xml -w '%{http_code}' -X POST -H 'Content-Type: text/xml' \
		--data-binary "$body" "$@" "$url/ucdevice.upx"
}

rule_prop() {
	$UCSH -c "(Get-CsDeviceUpdateRule | Where-Object Model -eq CX600).$1"
}

start_registrar >/dev/null 2>&1
wait_until 'grep -q "DeviceUpdateExternal started" "$TEST_DIR/ucshd.log"' 100

test_expect_success 'ucshd starts the internal and external sites on HTTP and HTTPS' '
	$UCSH -c "(Get-CsService DeviceUpdateInternal).Listen; (Get-CsService DeviceUpdateExternal).Listen" >listen &&
	test_grep "^HTTP 127.0.0.1:$INT_HTTP_PORT$" listen && test_grep "^HTTPS \[::1\]:$INT_HTTPS_PORT$" listen &&
	test_grep "^HTTP 127.0.0.1:$EXT_HTTP_PORT$" listen && test_grep "^HTTPS 127.0.0.1:$EXT_HTTPS_PORT$" listen
'

test_expect_success 'with no rule for the device, the answer is no update plus the phone configuration' '
	test "$(post_check $INT "$(check_body $MAC1 $V0)")" = 200 &&
	test_grep "<Update available=\"false\"/>" answer.xml &&
	test_grep "<EnforcePhoneLock>true</EnforcePhoneLock>" answer.xml
'

test_expect_success 'a check-in refreshes the inventory (model, firmware, address, last seen)' '
	wait_until "$UCSH -c \"(Get-CsPhone $MAC1).FirmwareVersion\" | grep -q $V0" 50 &&
	$UCSH -o json -c "Get-CsPhone $MAC1" >p.json &&
	test_grep "\"Model\": \"CX600\"" p.json && test_grep "\"IPAddress\": \"127.0.0.1\"" p.json &&
	test_grep "\"LastSeen\": \"20" p.json
'

package $V1 300000 >/dev/null
test_expect_success 'an imported package is offered to test devices only (pending)' '
	$UCSH -c "Import-CsDeviceUpdate -FileName pkg-$V1.cab" >/dev/null &&
	test "$(rule_prop PendingVersion)" = $V1 &&
	$UCSH -c "New-CsTestDevice -Identity Global/bench1 -IdentifierType MacAddress -Identifier 0004.f200.0001; New-CsTestDevice -Identity Global/bench3 -IdentifierType SerialNumber -Identifier SN-TEST-3" >/dev/null &&
	wait_until "test \"\$(post_check $INT \"\$(check_body $MAC1 $V0)\")\" = 200 && grep -q $V1 answer.xml" 50 &&
	test "$(post_check $INT "$(check_body $MAC2 $V0)")" = 200 &&
	test_grep "<Update available=\"false\"/>" answer.xml &&
	wait_until "test \"\$(post_check $INT \"\$(check_body $MAC3 $V0 \"<SerialNumber>sn-test-3</SerialNumber>\")\")\" = 200 && grep -q \"<Version>$V1</Version>\" answer.xml" 50
'

test_expect_success 'the simulated test device checks, downloads, verifies the SHA-256 and installs' '
	(phone 1 $MAC1 && "$SIM" update >out) && test_grep "^installed $V1$" out &&
	cmp phone1/flash/1.bin pkgsrc-$V1/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE/nk.bin &&
	(phone 1 $MAC1 && "$SIM" check >out) && test_grep "^none$" out
'

test_expect_success 'approve: every device gets the approved version' '
	$UCSH -c "Get-CsDeviceUpdateRule | Approve-CsDeviceUpdateRule" &&
	test "$(rule_prop ApprovedVersion)" = $V1 &&
	wait_until "(phone 2 $MAC2 && \"$SIM\" update) | grep -q \"^installed $V1\$\"" 50
'

package $V2 200000 >/dev/null
test_expect_success 'a newer package: approve keeps the old version as RestoreVersion; restore goes back' '
	$UCSH -c "Import-CsDeviceUpdate -FileName pkg-$V2.cab; Get-CsDeviceUpdateRule | Approve-CsDeviceUpdateRule" >/dev/null &&
	test "$(rule_prop ApprovedVersion)" = $V2 && test "$(rule_prop RestoreVersion)" = $V1 &&
	wait_until "test \"\$(post_check $INT \"\$(check_body $MAC2 $V1)\")\" = 200 && grep -q $V2 answer.xml" 50 &&
	$UCSH -c "Get-CsDeviceUpdateRule | Restore-CsDeviceUpdateRule" &&
	test "$(rule_prop ApprovedVersion)" = $V1 &&
	wait_until "test \"\$(post_check $INT \"\$(check_body $MAC2 $V2)\")\" = 200 && grep -q \"<Version>$V1<\" answer.xml" 50
'

test_expect_success 'reset drops the pending version: test devices get the approved one again' '
	$UCSH -c "Import-CsDeviceUpdate -FileName pkg-$V2.cab" >/dev/null &&
	wait_until "test \"\$(post_check $INT \"\$(check_body $MAC1 $V1)\")\" = 200 && grep -q $V2 answer.xml" 50 &&
	$UCSH -c "Get-CsDeviceUpdateRule | Reset-CsDeviceUpdateRule" &&
	test -z "$(rule_prop PendingVersion)" &&
	wait_until "test \"\$(post_check $INT \"\$(check_body $MAC1 $V1)\")\" = 200 && grep -q \"available=.false\" answer.xml" 50
'

test_expect_success 'a site test device applies to the phones of its site only (site by subnet)' '
	MAC5=00-04-F2-00-00-05 &&
	$UCSH -c "New-CsSite Lab; New-CsTestDevice -Identity site:Lab/t5 -IdentifierType MacAddress -Identifier $MAC5; Import-CsDeviceUpdate -FileName pkg-$V2.cab" >/dev/null &&
	wait_until "test \"\$(post_check $INT \"\$(check_body $MAC1 $V1)\")\" = 200 && grep -q $V2 answer.xml" 50 &&
	test "$(post_check $INT "$(check_body $MAC5 $V0)")" = 200 && test_grep "<Version>$V1<" answer.xml &&
	$UCSH -c "Set-CsSite Lab -Subnets 127.0.0.0/8" &&
	wait_until "test \"\$(post_check $INT \"\$(check_body $MAC5 $V0)\")\" = 200 && grep -q \"<Version>$V2<\" answer.xml" 50 &&
	wait_until "test \"\$($UCSH -c \"(Get-CsPhone $MAC5).Site\")\" = Site:Lab" 50 &&
	$UCSH -c "Get-CsDeviceUpdateRule | Reset-CsDeviceUpdateRule; Set-CsSite Lab -Subnets \$null"
'

FILE=$INT/Files/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE/nk.bin
SHA=$(sha256sum pkgsrc-$V1/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE/nk.bin | cut -c1-64)
test_expect_success 'downloads: ETag and If-None-Match, Range, HEAD, an unsatisfiable range' '
	curl -s -D h -o /dev/null "$FILE" && test_grep -i "^ETag: \"$SHA\"" h &&
	test "$(curl -s -o /dev/null -w %{http_code} -H "If-None-Match: \"$SHA\"" "$FILE")" = 304 &&
	curl -s -D h -r 1000-1999 -o part "$FILE" && test_grep "^HTTP/1.1 206" h &&
	test_grep -i "^Content-Range: bytes 1000-1999/300000" h && test "$(wc -c <part)" = 1000 &&
	dd if=pkgsrc-$V1/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE/nk.bin bs=1000 skip=1 count=1 2>/dev/null | cmp - part &&
	curl -s -I "$FILE" >h && test_grep -i "^Content-Length: 300000" h &&
	test "$(curl -s -o /dev/null -w %{http_code} -r 400000- "$FILE")" = 416
'

test_expect_success 'paths cannot leave the image store: dots, encoded slashes, NULs, symlinks' '
	for p in "Files/../../../etc/passwd" "Files/%2e%2e/%2e%2e/ucsh.db" "Files/UCPhone%2f..%2f..%2fucsh.db" \
		 "Files/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE/nk.bin%00.txt" "Files/..%5c..%5cucsh.db" \
		 "Files/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE/missing.bin"; do
		code=$(curl -s --path-as-is -o body -w %{http_code} "$INT/$p") &&
		case $code in 400|404) ;; *) echo "$p: $code"; return 1 ;; esac &&
		! grep -q "SQLite\|root:" body || return 1
	done &&
	img=store/images/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE &&
	mv $img/nk.bin nk.saved && ln -s "$TEST_DIR/store/ucsh.db" $img/nk.bin &&
	test "$(curl -s -o body -w %{http_code} "$FILE")" = 404 && ! grep -q SQLite body &&
	rm $img/nk.bin && mv nk.saved $img/nk.bin
'

logs() { find store/logs -type f 2>/dev/null | grep -v "/\.upload\|$PROBE" | sort; }
PROBE=00-04-F2-00-00-FF
# probe CODE FILE: wait until ucshd answers an upload of FILE with CODE (it
# has read the new configuration); the probe phone's logs are not counted
probe() {
	wait_until "test \"\$(curl -s -o /dev/null -w %{http_code} -T $2 $INT/Logs/$PROBE/$2)\" = $1" 50
}
test_expect_success 'a log upload is kept and listed by Get-CsDeviceUpdateLog' '
	printf "celog line\n" >boot.clg &&
	(phone 1 $MAC1 && "$SIM" upload boot.clg CELog >code) && test "$(cat code)" = 201 &&
	cmp boot.clg store/logs/$MAC1/boot.clg &&
	test "$(stat -c %a store/logs/$MAC1/boot.clg)" = 600 &&
	$UCSH -c "Get-CsDeviceUpdateLog -MacAddress 0004f2000001 | Select-Object -ExpandProperty FileName" >got &&
	test "$(cat got)" = boot.clg
'

test_expect_success 'every log limit refuses before anything is written' '
	logs >before &&
	$UCSH -c "Set-CsDeviceUpdateConfiguration -MaxLogFileSize 2000 -MaxLogCacheLimit 3" &&
	head -c 2500 /dev/zero >big.clg && head -c 1900 /dev/zero >mid.clg && printf x >ok.exe &&
	probe 413 big.clg &&
	test "$(curl -s -o /dev/null -w %{http_code} -T big.clg $INT/Logs/$MAC1/big.clg)" = 413 &&
	test "$(curl -s -o /dev/null -w %{http_code} -T ok.exe $INT/Logs/$MAC1/ok.exe)" = 415 &&
	test "$(curl -s -o /dev/null -w %{http_code} -T boot.clg "$INT/Logs/$MAC1/b2.clg?type=Dump")" = 415 &&
	test "$(curl -s -o /dev/null -w %{http_code} -T boot.clg $INT/Logs/not-a-mac/b3.clg)" = 400 &&
	test "$(curl -s -o /dev/null -w %{http_code} -T boot.clg $INT/Logs/$MAC1/.hidden.clg)" = 400 &&
	test "$(curl -s --path-as-is -o /dev/null -w %{http_code} -T boot.clg $INT/Logs/$MAC1/../../x.clg)" = 400 &&
	test "$(curl -s -o /dev/null -w %{http_code} -H "Transfer-Encoding: chunked" -T - $INT/Logs/$MAC1/c.clg <boot.clg)" = 411 &&
	logs >after && test_cmp before after &&
	$UCSH -c "Set-CsDeviceUpdateConfiguration -MaxLogCacheLimit 1" &&
	probe 503 mid.clg &&
	test "$(curl -s -o /dev/null -w %{http_code} -T mid.clg $INT/Logs/$MAC1/mid.clg)" = 503 &&
	logs >after && test_cmp before after &&
	$UCSH -c "Set-CsDeviceUpdateConfiguration -MaxLogFileSize 1024000 -MaxLogCacheLimit 512000"
'

test_expect_success 'bad update checks: malformed, too large, wrong type, wrong method; nothing recorded' '
	test "$(post_check $INT "<UpdateRequest><MacAddress>00-04-F2-00-00-09</MacAddress>")" = 400 &&
	test_grep "not well-formed" answer.xml &&
	test "$(post_check $INT "")" = 400 &&
	test "$(curl -s -o answer.xml -w %{http_code} -X POST -H "Content-Type: text/xml" $INT/ucdevice.upx)" = 400 &&
	test_grep "not well-formed" answer.xml &&
	test "$(post_check $INT "$(check_body nonsense $V0)")" = 400 && test_grep "MacAddress" answer.xml &&
	test "$(post_check $INT "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><UpdateRequest/>")" = 400 &&
	python3 -c "print(\"<UpdateRequest>\" + \"<X>y</X>\" * 3000 + \"</UpdateRequest>\")" >huge.xml &&
	test "$(post_check $INT @huge.xml)" = 413 &&
	test "$(curl -s -o /dev/null -w %{http_code} -X POST -H "Content-Type: application/json" --data "{}" $INT/ucdevice.upx)" = 415 &&
	curl -s -D h -o /dev/null $INT/ucdevice.upx && test_grep "^HTTP/1.1 405" h && test_grep -i "^Allow: POST" h &&
	test_must_fail $UCSH -c "Get-CsPhone 00-04-F2-00-00-09" 2>/dev/null
'

test_expect_success 'the external site refuses anonymous requests and signs in with extension and PIN' '
	test "$(post_check $EXT "$(check_body $MAC2 $V0)")" = 401 &&
	test "$(curl -s -o /dev/null -w %{http_code} $EXT/Files/UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE/nk.bin)" = 401 &&
	test "$(post_check $EXT "$(check_body $MAC2 $V0)" --digest -u 100:48213)" = 200 &&
	test_grep "<Version>$V1</Version>" answer.xml && test_grep "RequestHandlerExt/Files/" answer.xml &&
	test "$(post_check $EXT "$(check_body $MAC2 $V0)" --digest -u ken:48213)" = 200 &&
	test "$(post_check $EXT "$(check_body $MAC2 $V0)" --digest -u 100:11111)" = 401 &&
	wait_until "test \"\$(pin_info ken FailedAttempts)\" = 1" 50 &&
	(SIM_BASE=$EXT SIM_USER=100 SIM_PIN=48213 SIM_CACERT= && export SIM_BASE SIM_USER SIM_PIN &&
	 phone 4 00-04-F2-00-00-04 && "$SIM" check >out) && test_grep "^update $V1$" out
'

test_expect_success 'HTTPS on the internal site with the pool root' '
	curl -s --cacert store/pki/ca.pem -o answer.xml -X POST -H "Content-Type: text/xml" \
		--data-binary "$(check_body $MAC2 $V0)" --connect-to $UCSH_POOL_FQDN::127.0.0.1: \
		https://$UCSH_POOL_FQDN:$INT_HTTPS_PORT/RequestHandler/ucdevice.upx &&
	test_grep "<Version>$V1</Version>" answer.xml &&
	curl -s -o root.pem http://127.0.0.1:$INT_HTTP_PORT/CertProv/ucsh-ca.pem && cmp root.pem store/pki/ca.pem
'

big=pkgsrc-big/UCPhone/Polycom/LX700/Rev-1/ENU/$V1/CPE
mkdir -p $big && head -c 5000000 /dev/urandom >$big/nk.bin &&
	(cd pkgsrc-big && gcab -c -z ../pkg-big.cab UCPhone/Polycom/LX700/Rev-1/ENU/$V1/CPE/nk.bin)
test_expect_success 'connections: large files whole over HTTP and HTTPS while checks are answered, pipelined requests in order' '
	$UCSH -c "Import-CsDeviceUpdate -FileName pkg-big.cab" >/dev/null &&
	file=RequestHandler/Files/UCPhone/Polycom/LX700/Rev-1/ENU/$V1/CPE/nk.bin &&
	tls="--cacert store/pki/ca.pem --connect-to $UCSH_POOL_FQDN::127.0.0.1:" &&
	https=https://$UCSH_POOL_FQDN:$INT_HTTPS_PORT &&
	wait_until "curl -sf -o /dev/null -r 0-0 http://127.0.0.1:$INT_HTTP_PORT/$file" 50 &&
	{ curl -sSf -o dl1 $tls $https/$file & p1=$!; } &&
	{ curl -sSf -o dl2 $tls $https/$file & p2=$!; } &&
	{ curl -sSf -o dl3 http://127.0.0.1:$INT_HTTP_PORT/$file & p3=$!; } &&
	test "$(post_check $INT "$(check_body $MAC2 $V0)")" = 200 &&
	wait $p1 && wait $p2 && wait $p3 &&
	cmp dl1 $big/nk.bin && cmp dl2 $big/nk.bin && cmp dl3 $big/nk.bin &&
	curl -sSf -o part -H "Range: bytes=4000000-4199999" $tls $https/$file &&
	dd if=$big/nk.bin bs=100000 skip=40 count=2 2>/dev/null | cmp - part &&
	python3 - $INT_HTTP_PORT $INT_HTTPS_PORT store/pki/ca.pem "$(check_body $MAC2 $V0)" <<-\EOF
	import socket, ssl, sys, time
	port, tls_port, ca, body = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4].encode()
	check = (b"POST /RequestHandler/ucdevice.upx HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
	         b"Content-Length: %d\r\n\r\n" % len(body)) + body
	last = b"GET /CertProv/ucsh-ca.pem HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	def answers(s, data, pieces=1):
	    step = -(-len(data) // pieces)
	    for i in range(0, len(data), step):
	        s.sendall(data[i:i + step])
	        if pieces > 1:
	            time.sleep(0.005)
	    s.settimeout(20)
	    got = b""
	    while True:
	        b = s.recv(65536)
	        if not b:
	            return got
	        got += b
	def ordered(got, n):
	    assert got.count(b"HTTP/1.1 200 OK") == n + 1, got[:300]
	    assert got.count(b"<UpdateResponse>") == n, got[:300]
	    assert got.rindex(b"<UpdateResponse>") < got.index(b"BEGIN CERTIFICATE"), "out of order"
	# five requests in one write, the last closing: five answers, in order
	ordered(answers(socket.create_connection(("127.0.0.1", port)), check * 4 + last), 4)
	# the same over TLS
	ctx = ssl.create_default_context(cafile=ca)
	ctx.check_hostname = False
	t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", tls_port)))
	ordered(answers(t, check * 4 + last), 4)
	# a head and body arriving in 60 pieces
	ordered(answers(socket.create_connection(("127.0.0.1", port)), check + last, 60), 1)
	# answered from its head, a request leaves its body unread: the answer
	# says Connection: close, and what follows is not taken as a request
	refused = (b"POST /RequestHandler/ucdevice.upx HTTP/1.1\r\nHost: x\r\n"
	           b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
	got = answers(socket.create_connection(("127.0.0.1", port)), refused + check)
	assert got.count(b"HTTP/1.1 ") == 1 and got.startswith(b"HTTP/1.1 415 "), got[:300]
	assert b"\r\nConnection: close\r\n" in got.split(b"\r\n\r\n")[0] + b"\r\n", got[:300]
	EOF
'

test_expect_success 'slow clients are cut off, connections are bounded, the service goes on' '
	python3 - $INT_HTTP_PORT <<-\EOF &&
	import socket, sys, time
	port = int(sys.argv[1])
	def closed_within(s, secs):
	    s.settimeout(secs)
	    try:
	        return s.recv(4096) is not None
	    except socket.timeout:
	        return False
	# a head sent a byte at a time never completes: closed by the head deadline
	s = socket.create_connection(("127.0.0.1", port))
	end = time.time() + 20
	for c in b"POST /RequestHandler/ucdevice.upx HTTP/1.1\r\nHost: x\r\n":
	    try:
	        s.send(bytes([c]))
	    except OSError:
	        break
	    time.sleep(0.2)
	    if time.time() > end:
	        sys.exit("never cut off")
	assert closed_within(s, 20), "slow head kept open"
	# a kept-alive connection answered once, then idle: closed by the idle deadline
	s = socket.create_connection(("127.0.0.1", port))
	s.sendall(b"GET /CertProv/ucsh-ca.pem HTTP/1.1\r\nHost: x\r\n\r\n")
	s.settimeout(20)
	got = b""
	while b"END CERTIFICATE" not in got:
	    b = s.recv(65536)
	    assert b, "closed before the answer"
	    got += b
	while True:
	    try:
	        if not s.recv(65536):
	            break
	    except socket.timeout:
	        sys.exit("idle connection kept open")
	# more connections than the bound: the extra ones are closed at once
	conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(12)]
	shut = sum(1 for c in conns if closed_within(c, 1.0))
	assert shut >= 4, "only %d of 12 refused" % shut
	for c in conns:
	    c.close()
	EOF
	wait_until "test \"\$(post_check $INT \"\$(check_body $MAC2 $V0)\")\" = 200" 100 &&
	$UCSH -o json -c "Get-CsService DeviceUpdateInternal" >svc.json && test_grep "\"Timeouts\": [1-9]" svc.json
'

test_expect_success 'Stop-CsService and Start-CsService close and reopen a site' '
	$UCSH -c "Stop-CsService DeviceUpdateExternal -Force" &&
	test "$($UCSH -c "(Get-CsService DeviceUpdateExternal).State")" = Stopped &&
	test_must_fail curl -s -o /dev/null $EXT/ucdevice.upx &&
	test "$(post_check $INT "$(check_body $MAC2 $V0)")" = 200 &&
	$UCSH -c "Start-CsService DeviceUpdateExternal" &&
	test "$($UCSH -c "(Get-CsService DeviceUpdateExternal).State")" = Running &&
	test "$(post_check $EXT "$(check_body $MAC2 $V0)")" = 401
'

test_expect_success 'ucshd shut down cleanly, ASan found nothing' '
	stop_ucshd TERM
'
test_done
