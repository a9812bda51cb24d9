# dns-lib.sh: a real authoritative DNS server (Knot DNS) for the DNS tests,
# sourced after registrar-lib.sh. It serves the zone $DNS_ZONE from
# $TEST_DIR/knot/zone on 127.0.0.1:$DNS_PORT (UDP and TCP), started and
# stopped by its PID. Knot follows CNAMEs inside its zone and answers a
# loop as a loop, as a production server does.

DNS_ZONE=contoso.com
KNOT_PID=
KNOT_DIR=$TEST_DIR/knot

# write_zone: the zone file from stdin, with SOA and NS put before it.
write_zone() {
	mkdir -p "$KNOT_DIR"
	{
		printf '$ORIGIN %s.\n$TTL 60\n' "$DNS_ZONE"
		printf '@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 60\n' "$DNS_ZONE" "$DNS_ZONE"
		printf '@ IN NS ns.%s.\nns IN A 127.0.0.1\n' "$DNS_ZONE"
		cat
	} >"$KNOT_DIR/zone"
}

# good_zone: every record phones and clients use, pointing at pool01 and its
# ports (pick_ports); a test edits a copy with sed for each mistake.
good_zone() {
	cat <<-EOF
	pool01 IN A 127.0.0.1
	_sipinternaltls._tcp IN SRV 0 0 $TLS_PORT pool01.$DNS_ZONE.
	_sipinternal._tcp IN SRV 0 0 $SIP_PORT pool01.$DNS_ZONE.
	sipinternal IN CNAME pool01
	_ntp._udp IN SRV 0 0 123 ntp.$DNS_ZONE.
	ntp IN A 127.0.0.1
	lyncdiscoverinternal IN CNAME pool01
	_sip._tls IN SRV 0 0 $TLS_PORT pool01.$DNS_ZONE.
	sip IN CNAME pool01
	ucupdates-r2 IN CNAME pool01
	lyncdiscover IN CNAME pool01
	_sipfederationtls._tcp IN SRV 0 0 $TLS_PORT pool01.$DNS_ZONE.
	EOF
}

knot_answers() {
	dig +time=1 +tries=1 +short @127.0.0.1 -p "$DNS_PORT" SOA "$DNS_ZONE" 2>/dev/null | grep -q hostmaster
}

# start_knot: serve $KNOT_DIR/zone (write_zone first); ready when it answers.
start_knot() {
	DNS_PORT=${DNS_PORT:-$((SPARE_PORT + 4))}
	cat >"$KNOT_DIR/knot.conf" <<-EOF
	server:
	    rundir: "$KNOT_DIR"
	    listen: 127.0.0.1@$DNS_PORT
	log:
	  - target: stderr
	    any: info
	database:
	    storage: "$KNOT_DIR/db"
	template:
	  - id: default
	    storage: "$KNOT_DIR"
	    semantic-checks: off
	zone:
	  - domain: $DNS_ZONE
	    file: "zone"
	    zonefile-load: whole
	    journal-content: none
	EOF
	sh -c 'echo $$ >"$1/knot.pid"; exec knotd -c "$1/knot.conf"' sh "$KNOT_DIR" \
		>>"$KNOT_DIR/knot.log" 2>&1 &
	wait_until 'test -s "$KNOT_DIR/knot.pid"' 50 && KNOT_PID=$(cat "$KNOT_DIR/knot.pid") &&
	wait_until 'knot_answers || ! kill -0 $KNOT_PID 2>/dev/null' 100 && knot_answers
}

# By the PID in its file: a test case runs in a subshell, so a variable set
# there would not reach the next case.
stop_knot() {
	KNOT_PID=$(cat "$KNOT_DIR/knot.pid" 2>/dev/null)
	[ -n "$KNOT_PID" ] || return 0
	kill "$KNOT_PID" 2>/dev/null
	wait_until '! kill -0 $KNOT_PID 2>/dev/null' 100 || kill -KILL "$KNOT_PID" 2>/dev/null
	KNOT_PID=
	rm -f "$KNOT_DIR/knot.pid"
}

# serve_zone FILE: (re)start Knot with the records in FILE (not from a pipe:
# the PID and port must stay in this shell).
serve_zone() {
	stop_knot
	write_zone <"$1" && start_knot
}

# dig_short TYPE NAME: what dig +short says, lines joined by ", " as ucsh's Found.
dig_short() {
	dig +time=1 +tries=2 +short @127.0.0.1 -p "$DNS_PORT" "$1" "$2" | paste -sd, - | sed 's/,/, /g'
}

# checks ARGS: Test-CsDnsPublication against the test server, as CSV
# (Record,Type,Scope,Result,Found,Remediation) in checks.csv; its exit
# status is ucsh's.
checks() {
	$UCSH -c "Test-CsDnsPublication -DnsServer 127.0.0.1:$DNS_PORT $* | Select-Object Record, Type, Scope, Result, Found, Remediation | Export-Csv -Path checks.csv" 2>checks.err
}

# result_of RECORD TYPE [SCOPE]: the Result of that check in checks.csv.
check_field() {
	python3 - "$@" <<-'EOF'
	import csv, sys
	field, record, typ = sys.argv[1:4]
	scope = sys.argv[4] if len(sys.argv) > 4 else None
	for row in csv.DictReader(open("checks.csv")):
	    if row["Record"] == record and row["Type"] == typ and (not scope or row["Scope"] == scope):
	        print(row[field])
	        break
	EOF
}
