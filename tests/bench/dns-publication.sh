#!/bin/sh
# dns-publication.sh: checking N SIP domains (default 1000) against a local
# Knot DNS server: Test-CsDnsPublication -Scope Internal -DnsOnly (every
# domain at once on one c-ares channel) versus a shell loop of dig calls
# doing the same look-ups (SRV _sipinternaltls._tcp, SRV _sipinternal._tcp,
# A and AAAA of sipinternal, SRV _ntp._udp, A and AAAA of
# lyncdiscoverinternal, per domain). Both must see every record; the
# figures are wall-clock seconds of each and their ratio.
#
#   tests/bench/dns-publication.sh [N] [PORT]
#
# On the 2-core development machine (release build, shared with other
# builds): 1000 domains, 7000 checks all Pass; ucsh 1.14 s (9004 queries,
# one process), the dig loop 405 s (7000 dig processes): 356x.
set -eu
NAME=dns-publication
. "$(dirname "$0")/lib.sh"
N=${1:-1000}
PORT=${2:-25953}
ZONE=bench.test
POOL=pool01.$ZONE
command -v knotd >/dev/null && command -v dig >/dev/null ||
	{ echo "$NAME: needs knotd (knot) and dig (bind9-dnsutils)" >&2; exit 1; }

# The zone: every internal record of each domain dNNNN.bench.test.
{
	printf '$ORIGIN %s.\n$TTL 60\n@ IN SOA ns hostmaster 1 3600 600 86400 60\n' $ZONE
	printf '@ IN NS ns\nns IN A 127.0.0.1\npool01 IN A 127.0.0.1\nntp IN A 127.0.0.1\n'
	i=1
	while [ $i -le "$N" ]; do
		d=d$i
		printf '_sipinternaltls._tcp.%s IN SRV 0 0 5061 %s.\n' $d $POOL
		printf '_sipinternal._tcp.%s IN SRV 0 0 5060 %s.\n' $d $POOL
		printf 'sipinternal.%s IN CNAME pool01\n_ntp._udp.%s IN SRV 0 0 123 ntp\n' $d $d
		printf 'lyncdiscoverinternal.%s IN CNAME pool01\n' $d
		echo "$d.$ZONE" >>domains
		i=$((i + 1))
	done
} >zone
cat >knot.conf <<EOF
server:
    rundir: "$WORK"
    listen: 127.0.0.1@$PORT
log:
  - target: stderr
    any: warning
database:
    storage: "$WORK/db"
template:
  - id: default
    storage: "$WORK"
    semantic-checks: off
zone:
  - domain: $ZONE
    file: "zone"
    journal-content: none
EOF
sh -c 'echo $$ >knot.pid; exec knotd -c knot.conf' >knot.log 2>&1 &
trap 'kill $(cat "$WORK/knot.pid") 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM
i=0
until dig +short +time=1 +tries=1 @127.0.0.1 -p "$PORT" SOA $ZONE | grep -q hostmaster; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "$NAME: knotd did not start" >&2; cat knot.log >&2; exit 1; }
	sleep 0.1
done

"$UCSH" -c "New-CsSite -Identity Bench | Out-Null; New-CsPool -Identity $POOL -Site Bench -SipDomain $(paste -sd, domains) | Out-Null"

now() { date +%s.%N; }
t0=$(now)
"$UCSH" -c "Test-CsDnsPublication -DnsServer 127.0.0.1:$PORT -Pool $POOL -Scope Internal -DnsOnly -Verbose | Where-Object Result -eq Pass | Measure-Object | Select-Object -ExpandProperty Count" >ucsh.out 2>ucsh.err
t1=$(now)
while read -r d; do
	for q in "SRV _sipinternaltls._tcp.$d" "SRV _sipinternal._tcp.$d" "A sipinternal.$d" \
		"AAAA sipinternal.$d" "SRV _ntp._udp.$d" "A lyncdiscoverinternal.$d" \
		"AAAA lyncdiscoverinternal.$d"; do
		dig +short +time=2 +tries=2 @127.0.0.1 -p "$PORT" $q
	done
done <domains >dig.out
t2=$(now)

passes=$(cat ucsh.out)
queries=$(sed -n 's/.*VERBOSE: \([0-9]*\) DNS queries.*/\1/p; s/^\([0-9]*\) DNS queries.*/\1/p' ucsh.err | head -1)
srv=$(grep -c " 5061 $POOL.\$" dig.out || true)
echo "domains:                 $N"
echo "ucsh checks passed:      $passes (7 internal checks per domain)"
echo "ucsh DNS queries:        ${queries:-?}"
echo "dig answers (lines):     $(wc -l <dig.out), _sipinternaltls SRV found: $srv"
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
	u = b - a; d = c - b
	printf "ucsh Test-CsDnsPublication: %.2f s\n", u
	printf "shell loop of dig:          %.2f s\n", d
	printf "ratio (dig loop / ucsh):    %.1fx\n", d / u
}'
