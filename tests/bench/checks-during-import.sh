#!/bin/sh
# checks-during-import: how long a phone waits for ucshd while an admin
# writes a lot. Update checks from new phones (each one's inventory row is
# a write) run in a loop with curl, one at a time, first with nothing else
# running and then while `Import-CsPhone` writes N phones in the same run;
# it prints each pass's median, p99 and longest answer.
#
# The figure to watch is the longest answer during the import: ucshd's one
# loop must not wait for the import's lock (see DAEMON_LOOP_BUSY_MS). There
# is no peer for this: the quiet pass is the baseline.
#
# Not run by CI. Usage: tests/bench/checks-during-import.sh [N]
# Environment: BATCH (Import-CsPhone -BatchSize), PORT (base of 8 ports,
# default 28400), SECS (the quiet pass, default 5; the other lasts as long
# as the import, 300 s at most).
set -eu
N=${1:-200000}
PORT=${PORT:-28400}
SECS=${SECS:-5}
for tool in curl awk ss; do
	command -v $tool >/dev/null || { echo "checks-during-import: needs $tool" >&2; exit 1; }
done
NAME=checks-during-import
. "$(dirname "$0")/lib.sh"
UCSHD=$(dirname "$UCSH")/ucshd
[ -x "$UCSHD" ] || (cd "$(dirname "$UCSH")" && make ucshd >/dev/null)
for p in $(seq "$PORT" $((PORT + 7))); do
	if ss -Htuan | awk '{print $5}' | grep -q ":$p\$"; then
		echo "checks-during-import: port $p is in use; set PORT" >&2
		exit 1
	fi
done

awk -v n="$N" 'BEGIN {
	print "MacAddress,SerialNumber,Brand,Model,Revision,Locale,Site,Owner,FirmwareVersion,IPAddress,UserAgent,LastSeen,LastRegistered,Status"
	for (i = 0; i < n; i++) {
		r = (i * 2654435761) % 16777216
		printf "00-0B-F2-%02X-%02X-%02X,SN%08d,Polycom,CX600,A,ENU,,,4.0.7577.4100,10.0.0.1,,,,Registered\n",
			int(r / 65536), int(r / 256) % 256, r % 256, i
	}
}' >phones.csv
"$UCSH" -c "Set-CsPool $UCSH_POOL_FQDN -SipPort $PORT -TlsPort $((PORT + 1)) -InternalHttpPort $((PORT + 2)) -InternalHttpsPort $((PORT + 3)) -ExternalHttpPort $((PORT + 4)) -ExternalHttpsPort $((PORT + 5)) -SshPort $((PORT + 6)) -ListenAddress 127.0.0.1" >/dev/null
"$UCSHD" --log-level warning 2>ucshd.log &
UCSHD_PID=$!
trap 'kill $UCSHD_PID 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM
URL=http://127.0.0.1:$((PORT + 2))/RequestHandler/ucdevice.upx
i=0
until curl -s -o /dev/null "http://127.0.0.1:$((PORT + 2))/CertProv/ucsh-ca.pem"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "checks-during-import: ucshd did not start" >&2; exit 1; }
	sleep 0.1
done

# checks FIRST OUT SECS: check-ins of new phones until the flag file goes
# or SECS pass (and at most 100,000), each answer's seconds in OUT
checks() {
	end=$(($(date +%s) + $3)) k=$1
	: >"$2"
	while [ -f running ] && [ "$(date +%s)" -lt $end ] && [ $k -lt $(($1 + 100000)) ]; do
		k=$((k + 1))
		mac=$(printf "00-04-F2-%02X-%02X-%02X" $((k >> 16 & 255)) $((k >> 8 & 255)) $((k & 255)))
		curl -s -o /dev/null -w '%{time_total}\n' --max-time 30 -X POST \
			-H 'Content-Type: text/xml' --data-binary \
			"<UpdateRequest><MacAddress>$mac</MacAddress><Brand>Polycom</Brand><Model>CX600</Model><Revision>Rev-1</Revision><Locale>ENU</Locale><Version>4.0.7577.4100</Version></UpdateRequest>" \
			"$URL" >>"$2"
	done
}

summary() {
	sort -n "$1" | awk -v what="$2" '{ a[NR] = $1 }
		END { p = int(NR * 0.99); if (p < 1) p = 1
			printf "%-28s %6d checks  median %7.1f ms  p99 %7.1f ms  longest %7.1f ms\n",
				what, NR, a[int((NR + 1) / 2)] * 1000, a[p] * 1000, a[NR] * 1000 }'
}

touch running
checks 0 quiet.txt $SECS
touch running
checks 200000 busy.txt 300 &
loop=$!
t0=$(date +%s%N)
imported=$("$UCSH" -c "(Import-CsPhone -Path phones.csv ${BATCH:+-BatchSize $BATCH}).Imported")
t1=$(date +%s%N)
rm -f running
wait $loop
[ "$imported" = "$N" ] || { echo "checks-during-import: imported $imported of $N" >&2; exit 1; }

echo "$N phones imported in $(((t1 - t0) / 1000000)) ms${BATCH:+ (-BatchSize $BATCH)}; ucshd at $UCSHD"
summary quiet.txt "update checks, nothing else"
summary busy.txt "update checks during import"
grep -i "warning\|error" ucshd.log || true
