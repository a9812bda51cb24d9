#!/bin/sh
# The registrar's transport at its edges, driven by raw sockets: a
# malformed request gets 400 with the parser's reason, a stream that
# cannot be framed (endless headers) is closed, RFC 5626 keep-alives are
# answered, two requests in one TCP segment are both answered, a
# connection idle past the handshake timeout is closed, and a
# retransmitted REGISTER is answered from the transaction, not re-run.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need python3 ss
trap 'stop_ucshd KILL' EXIT

pick_ports
setup_pool
start_registrar >/dev/null 2>&1

cat >raw.py <<'EOF'
# raw.py PORT CASE: prints what the case observed.
import socket, sys, time
port, case = int(sys.argv[1]), sys.argv[2]
def opts(n, extra="", method="OPTIONS", cseq_method=None):
    return ("%s sip:contoso.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKraw%d\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:a@contoso.com>;tag=x\r\nTo: <sip:a@contoso.com>\r\n"
            "Call-ID: raw%d\r\nCSeq: %d %s\r\n%sContent-Length: 0\r\n\r\n"
            % (method, n, n, n, cseq_method or method, extra))
def tcp():
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5); return s
def read_all(s):
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d: return data, "closed"
            data += d
    except socket.timeout:
        return data, "open"
    except ConnectionResetError:
        return data, "closed"  # closed while our bytes were unread: a reset, still closed
if case == "malformed":
    s = tcp(); s.sendall(opts(1, "Max-Forwards: x\r\n").encode())
    s.settimeout(2); print(read_all(s)[0].decode().split("\r\n")[0])
elif case == "endless":
    s = tcp(); s.sendall(b"OPTIONS sip:contoso.com SIP/2.0\r\n")
    try:
        for i in range(3000): s.sendall(b"X-Pad: " + b"a" * 64 + b"\r\n")
    except OSError: pass
    s.settimeout(5); print(read_all(s)[1])
elif case == "pipelined":
    s = tcp(); s.sendall((opts(2) + opts(3)).encode()); s.settimeout(2)
    print(read_all(s)[0].decode().count("SIP/2.0 200"))
elif case == "keepalive":
    s = tcp(); s.sendall(b"\r\n\r\n"); s.settimeout(2); print(repr(read_all(s)[0]))
elif case == "idle":
    s = tcp(); s.settimeout(40); t = time.time(); print(read_all(s)[1], int(time.time() - t) < 40)
elif case == "udp-retransmit":
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
    m = opts(4, "Contact: *\r\nExpires: 0\r\n", "REGISTER").replace("TCP 127.0.0.1:9;", "UDP 127.0.0.1:9;rport;").encode()
    out = []
    for i in range(2):
        u.sendto(m, ("127.0.0.1", port)); r = u.recv(65535).decode()
        out.append([l for l in r.split("\r\n") if l.startswith("WWW-Authenticate")][0])
    print(out[0] == out[1])
elif case == "ipv6":
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.settimeout(2)
    m = opts(5).replace("TCP 127.0.0.1:9;", "UDP [::1]:9;rport;").encode()
    u.sendto(m, ("::1", port)); r = u.recv(65535).decode().split("\r\n")
    print(r[0], [l for l in r if l.startswith("Via")][0].split(";", 1)[1])
EOF

test_expect_success 'a malformed request gets 400 with the reason' '
	python3 raw.py $SIP_PORT malformed >out && test_grep "^SIP/2.0 400 Bad Request - " out
'

test_expect_success 'a stream whose headers never end is closed' '
	python3 raw.py $SIP_PORT endless >out && test "$(cat out)" = closed
'

test_expect_success 'two requests in one segment are both answered' '
	python3 raw.py $SIP_PORT pipelined >out && test "$(cat out)" = 2
'

test_expect_success 'a CRLFCRLF keep-alive gets a CRLF pong' '
	python3 raw.py $SIP_PORT keepalive >out && test "$(cat out)" = "b'"'"'\\r\\n'"'"'"
'

test_expect_success 'a retransmitted UDP REGISTER gets the same answer (same nonce), not a new one' '
	python3 raw.py $SIP_PORT udp-retransmit >out && test "$(cat out)" = True
'

test_expect_success 'a connection that sends nothing is closed after the handshake timeout' '
	python3 raw.py $SIP_PORT idle >out && test "$(cat out)" = "closed True"
'

test_expect_success 'IPv6: OPTIONS over UDP to [::1] gets 200 with received and rport' '
	python3 raw.py $SIP_PORT ipv6 >out &&
	test_grep "^SIP/2.0 200 OK .*received=::1" out && test_grep "rport=[0-9]" out
'

stop_ucshd TERM && drained=yes || drained=no
test_expect_success 'ucshd drains on SIGTERM (and ASan found nothing)' '
	test $drained = yes
'
test_done
