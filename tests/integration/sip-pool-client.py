#!/usr/bin/env python3
"""sip-pool-client: phones signing in to a pool of registrars over UDP, for
the pool tests. Each phone is USER:PIN; it REGISTERs, answers the digest
challenge and counts as acknowledged on a 200 OK.

  register --targets A,B [--ack FILE]   every phone signs in through the
      first target that answers, moving to the next one when a request
      times out, as a phone does with the DNS SRV records of its pool.
      Each acknowledged phone is written to FILE as "USER TARGET" at once.
  cross --targets A,B                   the challenge comes from A, the
      answer goes to B: a pool whose nodes share the nonce key accepts it.
      Prints the final status code.

--expires 0 makes each REGISTER remove the phone's binding instead.

Phones come from --phones FILE (one USER:PIN a line). Loopback only; every
wait is bounded by --timeout.
"""
import argparse
import hashlib
import os
import random
import re
import socket
import sys


def hexdigest(alg, text):
    h = hashlib.sha256 if alg == "SHA-256" else hashlib.md5
    return h(text.encode()).hexdigest()


def parse_challenges(resp):
    out = []
    for line in resp.split("\r\n"):
        if not line.lower().startswith("www-authenticate:"):
            continue
        params = dict((k.lower(), v.strip('"')) for k, v in
                      re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', line.split(":", 1)[1]))
        params.setdefault("algorithm", "MD5")
        out.append(params)
    return out


def status_of(resp):
    m = re.match(r"SIP/2\.0 (\d{3})", resp)
    return int(m.group(1)) if m else 0


class Phone:
    def __init__(self, user, pin, domain, expires=600):
        self.user, self.pin, self.domain, self.expires = user, pin, domain, expires
        self.call_id = "%s-%08x@pool-test" % (user, random.getrandbits(32))
        self.tag = "%08x" % random.getrandbits(32)
        self.cseq = 0

    def request(self, lport, auth=None):
        self.cseq += 1
        branch = "z9hG4bK%016x" % random.getrandbits(64)
        lines = [
            "REGISTER sip:%s SIP/2.0" % self.domain,
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (lport, branch),
            "Max-Forwards: 70",
            "From: <sip:%s@%s>;tag=%s" % (self.user, self.domain, self.tag),
            "To: <sip:%s@%s>" % (self.user, self.domain),
            "Call-ID: %s" % self.call_id,
            "CSeq: %d REGISTER" % self.cseq,
            "Contact: <sip:%s@127.0.0.1:5999>" % self.user,
            "Expires: %d" % self.expires,
            "User-Agent: sip-pool-client",
        ]
        if auth:
            lines.append("Authorization: " + auth)
        lines += ["Content-Length: 0", "", ""]
        return "\r\n".join(lines).encode()

    def answer(self, ch):
        alg = ch["algorithm"]
        uri = "sip:%s" % self.domain
        cnonce = "%016x" % random.getrandbits(64)
        ha1 = hexdigest(alg, "%s:%s:%s" % (self.user, ch["realm"], self.pin))
        ha2 = hexdigest(alg, "REGISTER:%s" % uri)
        resp = hexdigest(alg, "%s:%s:00000001:%s:auth:%s" % (ha1, ch["nonce"], cnonce, ha2))
        auth = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
                'algorithm=%s, cnonce="%s", qop=auth, nc=00000001'
                % (self.user, ch["realm"], ch["nonce"], uri, resp, alg, cnonce))
        if "opaque" in ch:
            auth += ', opaque="%s"' % ch["opaque"]
        return auth


def exchange(sock, target, data, timeout):
    """Send data, return the final response text, or None on a timeout."""
    sock.settimeout(timeout)
    sock.sendto(data, target)
    while True:
        try:
            pkt, _ = sock.recvfrom(65535)
        except socket.timeout:
            return None
        text = pkt.decode(errors="replace")
        if status_of(text) >= 200:
            return text


def addr(s):
    host, port = s.rsplit(":", 1)
    return (host, int(port))


def sign_in(sock, phone, challenger, answerer, timeout):
    """The status of the second REGISTER (0: a timeout)."""
    lport = sock.getsockname()[1]
    resp = exchange(sock, challenger, phone.request(lport), timeout)
    if resp is None:
        return 0
    if status_of(resp) != 401:
        return status_of(resp)
    ch = parse_challenges(resp)
    if not ch:
        return 401
    resp = exchange(sock, answerer, phone.request(lport, phone.answer(ch[0])), timeout)
    return status_of(resp) if resp else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["register", "cross"])
    ap.add_argument("--targets", required=True)
    ap.add_argument("--phones", required=True)
    ap.add_argument("--domain", default="contoso.com")
    ap.add_argument("--ack")
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--max-timeouts", type=int, default=20)
    ap.add_argument("--expires", type=int, default=600, help="0: unregister")
    a = ap.parse_args()
    targets = [addr(t) for t in a.targets.split(",")]
    phones = []
    with open(a.phones) as f:
        for line in f:
            if line.strip():
                user, pin = line.strip().split(":", 1)
                phones.append(Phone(user, pin, a.domain, a.expires))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    if a.mode == "cross":
        print(sign_in(sock, phones[0], targets[0], targets[1], a.timeout))
        return 0
    ack = open(a.ack, "a", buffering=1) if a.ack else None
    cur, timeouts, failed = 0, 0, 0
    for p in phones:
        while True:
            st = sign_in(sock, p, targets[cur], targets[cur], a.timeout)
            if st:
                break
            timeouts += 1
            if timeouts > a.max_timeouts:
                print("gave up after %d timeouts" % timeouts, file=sys.stderr)
                return 1
            cur = (cur + 1) % len(targets)  # the next SRV target
        if st == 200:
            if ack:
                ack.write("%s %s:%d\n" % (p.user, targets[cur][0], targets[cur][1]))
                ack.flush()
                os.fsync(ack.fileno())
        else:
            failed += 1
            print("%s: %d" % (p.user, st), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
