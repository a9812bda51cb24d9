#!/bin/sh
# SHA-256 digest sign-in (RFC 8760), which none of the packaged peers
# speaks (SIPp, sipsak and baresip are MD5 only): a small client in Python
# answers the SHA-256 challenge that ucshd offers first, over UDP and TCP,
# a replayed nonce count is refused, and a common area phone signs in.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need python3 sqlite3 ss
trap 'stop_ucshd KILL' EXIT
unset UCSH_DIGEST_ALGORITHMS

pick_ports
setup_pool
add_user ken 100 48213
start_registrar >/dev/null 2>&1

cat >client.py <<'EOF'
# client.py PORT TRANSPORT USER PIN [replay]: REGISTER, answer the first
# challenge (which must be SHA-256), print the final status code(s).
import hashlib, os, re, socket, sys
port, tr, user, pin = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
replay = len(sys.argv) > 5
dom, lport, cid = "contoso.com", 40000 + port % 1000, os.urandom(8).hex()
if tr == "UDP":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", lport))
else:
    s = socket.create_connection(("127.0.0.1", port))
s.settimeout(5)
def xfer(msg):
    if tr == "UDP":
        s.sendto(msg.encode(), ("127.0.0.1", port)); return s.recv(65535).decode()
    s.sendall(msg.encode()); data = b""
    while b"\r\n\r\n" not in data: data += s.recv(65535)
    return data.decode()
def req(cseq, auth=""):
    return ("REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bK%d;rport\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:%s@%s>;tag=t1\r\nTo: <sip:%s@%s>\r\n"
            "Call-ID: %s@test\r\nCSeq: %d REGISTER\r\n"
            "Contact: <sip:%s@127.0.0.1:%d;transport=%s>\r\nExpires: 600\r\n%s"
            "Content-Length: 0\r\n\r\n") % (dom, tr, lport, cseq, user, dom, user, dom, cid, cseq,
                                           user, lport, tr.lower(), auth)
r = xfer(req(1))
ch = re.search(r"WWW-Authenticate: Digest ([^\r]*)", r).group(1)
p = dict(re.findall(r'(\w+)="?([^",]*)"?', ch))
assert p["algorithm"] == "SHA-256", p
H = lambda x: hashlib.sha256(x.encode()).hexdigest()
ha1, ha2 = H("%s:%s:%s" % (user, p["realm"], pin)), H("REGISTER:sip:%s" % dom)
def auth(nc):
    resp = H("%s:%s:%08x:c0ffee:auth:%s" % (ha1, p["nonce"], nc, ha2))
    return ('Authorization: Digest username="%s", realm="%s", nonce="%s", uri="sip:%s", '
            'response="%s", algorithm=SHA-256, cnonce="c0ffee", opaque="%s", qop=auth, '
            'nc=%08x\r\n') % (user, p["realm"], p["nonce"], dom, resp, p["opaque"], nc)
out = [xfer(req(2, auth(1))).split(" ")[1]]
if replay:
    out.append(xfer(req(3, auth(1))).split(" ")[1])
print(" ".join(out))
EOF

test_expect_success 'SHA-256 digest over UDP: 200 and a binding' '
	python3 client.py $SIP_PORT UDP ken 48213 >out && test "$(cat out)" = 200 &&
	test "$(bindings_of ken)" = 1
'

test_expect_success 'SHA-256 digest over TCP, by extension: 200' '
	python3 client.py $SIP_PORT TCP 100 48213 >out && test "$(cat out)" = 200 &&
	test "$(bindings_of ken)" = 2
'

test_expect_success 'a wrong PIN under SHA-256 gets 403' '
	python3 client.py $SIP_PORT UDP ken 11111 >out && test "$(cat out)" = 403
'

test_expect_success 'a replayed nonce count is refused' '
	python3 client.py $SIP_PORT UDP ken 48213 replay >out && test "$(cat out)" = "200 403"
'

test_expect_success 'a common area phone signs in by its extension' '
	$UCSH -c "New-CsCommonAreaPhone -LineURI '"'"'tel:+14255550150;ext=150'"'"' -RegistrarPool $UCSH_POOL_FQDN -DisplayName Lobby | Out-Null; Set-CsClientPin -Identity 150 -Pin 61842 | Out-Null" &&
	python3 client.py $SIP_PORT UDP 150 61842 >out && test "$(cat out)" = 200 &&
	test "$(store_rows "SELECT count(*) FROM registration WHERE User = '"'"'sip:cap-150@contoso.com'"'"'")" = 1
'

stop_ucshd TERM && drained=yes || drained=no
test_expect_success 'ucshd drains on SIGTERM (and ASan found nothing)' '
	test $drained = yes
'
test_done
