#!/usr/bin/env python3
# tls-probe.py: a TLS client for the certificate tests, trusting only CAFILE.
#
#   tls-probe.py serial HOST PORT CAFILE
#       one handshake; prints the serial number of the certificate served
#   tls-probe.py hold HOST PORT CAFILE OUT GO
#       one handshake; writes the serial to OUT, waits (at most 120 s) for
#       the file GO to exist, then sends a SIP OPTIONS on the same
#       connection and appends the status line of the answer to OUT
#
# Exit status 0 on success, 1 on any failure (reason on stderr).
import os
import socket
import ssl
import sys
import time


def connect(host, port, cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = True
    raw = socket.create_connection((host, int(port)), timeout=10)
    return ctx.wrap_socket(raw, server_hostname=host)


def options(sock, host, port):
    local = sock.getsockname()
    msg = (f"OPTIONS sip:{host}:{port};transport=tls SIP/2.0\r\n"
           f"Via: SIP/2.0/TLS {local[0]}:{local[1]};branch=z9hG4bK-probe{os.getpid()}\r\n"
           f"Max-Forwards: 70\r\n"
           f"From: <sip:probe@{host}>;tag=p{os.getpid()}\r\n"
           f"To: <sip:{host}>\r\n"
           f"Call-ID: probe-{os.getpid()}@{local[0]}\r\n"
           f"CSeq: 1 OPTIONS\r\n"
           f"Content-Length: 0\r\n\r\n")
    sock.sendall(msg.encode())
    data = b""
    while b"\r\n" not in data and len(data) < 65536:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode(errors="replace")


def main(argv):
    mode, host, port, cafile = argv[1:5]
    sock = connect(host, port, cafile)
    serial = sock.getpeercert()["serialNumber"]
    if mode == "serial":
        print(serial)
        return 0
    out, go = argv[5], argv[6]
    with open(out + ".tmp", "w") as f:
        f.write(serial + "\n")
    os.rename(out + ".tmp", out)
    deadline = time.time() + 120
    while not os.path.exists(go):
        if time.time() > deadline:
            print("timed out waiting for " + go, file=sys.stderr)
            return 1
        time.sleep(0.1)
    status = options(sock, host, port)
    with open(out, "a") as f:
        f.write(status + "\n")
    sock.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ssl.SSLError, KeyError, ValueError) as e:
        print(f"tls-probe: {e}", file=sys.stderr)
        sys.exit(1)
