#!/usr/bin/env bash
# registrar-vs-kamailio: the highest REGISTER-with-digest rate at zero failed
# calls that ucshd sustains over UDP, side by side with Kamailio configured as
# the equivalent durable registrar (digest auth against a SQLite subscriber
# table, usrloc written through to SQLite: ULDBMODE=1, "auth-wt"), in ONE
# run, on the same load generator (SIPp), with the same 10,000 user names;
# then ucshd's peak RSS (VmHWM) with 100,000 live bindings.
#
#   1. builds a release ucsh/ucshd (no sanitizers) unless $UCSH_BUILD_DIR
#      holds one (make in it brings it up to date), creates a store with the
#      pool on loopback ports, N users (Import-Csv | New-CsUser) and their
#      PINs (Import-Csv | Set-CsClientPin: ~5 ms of PBKDF2 each), starts ucshd
#      and runs the shared ladder ../shared/peers/registrar-ladder.sh on it;
#   2. runs the shared ../shared/peers/run-peers.sh with SIP_PLAN=auth-wt:udp
#      (Kamailio on 127.0.0.1:5070, fixtures from gen-data.sh);
#   2b. with TLS=1 (default when stunnel4 is installed) the same over TLS 1.2 for
#      both: Debian's SIPp has no TLS, so registrar/sipp-stunnel (SIPP_TLS) puts
#      stunnel4 in front of SIPp's single TCP connection;
#   3. restarts nothing: registers BINDINGS_PER_USER more contacts per user on
#      ucshd (one SIPp run per contact port), counts the store's bindings and
#      reads VmHWM/VmRSS from /proc/PID/status.
# "Sustained" is BASELINE.md's: 0 failed calls, achieved >= 97 % of target,
# retransmissions < 1 %, p99 <= 100 ms; the top step is repeated REPEATS times.
# CPU figures are % of ONE core (the machine has $(nproc) * 100 %).
#
# Not run by CI. Usage: tests/bench/registrar-vs-kamailio.sh
# Environment (optional):
#   PEERS             the shared peers folder (default ../shared/peers from the repo)
#   UCSH_BUILD_DIR    a configured build dir to use (default: a new one in $WORK)
#   N                 users (default 10000)
#   STEP_SECS         seconds per ladder step (default 10); REPEATS (default 2)
#   UCSHD_RATES       ucshd's ladder (default 500 1000 ... 14000 16000)
#   KAM_RATES         Kamailio's ladder (default 250 500 1000 1500 2000 2500 3000 4000 5000)
#   UCSHD_SIP_PORT    ucshd's UDP/TCP port (default 5080; TLS = +1)
#   BINDINGS_PER_USER extra contacts per user for the memory figure (default 10)
#   QUIET_PCT, QUIET_WAIT  passed to the shared scripts (default 20 % / 20 s)
#   TLS               1: also the TLS ladders (default 1 when stunnel4 is installed)
#   UCSHD_TLS_RATES   ucshd's TLS ladder (default 500 1000 2000 3000 4000 5000 6000 8000 10000)
#   KEEP=1            keep the work dir ($WORK) for inspection
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$(cd "$SRC/../shared/peers" 2>/dev/null && pwd)}
[[ -x $PEERS/registrar-ladder.sh && -x $PEERS/run-peers.sh ]] ||
	{ echo "registrar-vs-kamailio: set PEERS to the shared peers folder" >&2; exit 2; }
source "$PEERS/lib.sh"

N=${N:-10000}
STEP_SECS=${STEP_SECS:-10}
REPEATS=${REPEATS:-2}
UCSHD_RATES=${UCSHD_RATES:-"500 1000 2000 3000 4000 5000 6000 8000 10000 12000 14000 16000"}
KAM_RATES=${KAM_RATES:-"250 500 1000 1500 2000 2500 3000 4000 5000"}
SIP_PORT=${UCSHD_SIP_PORT:-5080}
TLS_PORT=$((SIP_PORT + 1))
BINDINGS_PER_USER=${BINDINGS_PER_USER:-10}
UCSHD_TLS_RATES=${UCSHD_TLS_RATES:-"500 1000 2000 3000 4000 5000 6000 8000 10000"}
TLS=${TLS:-$(command -v stunnel4 >/dev/null && echo 1 || echo 0)}
export SIPP_TLS=$SRC/tests/bench/registrar/sipp-stunnel
export QUIET_PCT=${QUIET_PCT:-20} QUIET_WAIT=${QUIET_WAIT:-20}
DOMAIN_U=contoso.com
export UCSH_POOL_FQDN=pool01.contoso.com
# SIPp 3.6 answers only the first challenge, and only MD5 (see sipp-register.sh)
export UCSH_DIGEST_ALGORITHMS=MD5,SHA-256

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ucsh-regbench.XXXXXX")
UPID=
cleanup() {
	[[ -n $UPID ]] && stop_pid "$UPID" ucshd
	UPID=
	if [[ ${KEEP:-0} == 1 ]]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo interrupted >&2; exit 130' INT TERM
REPORT=$WORK/report.txt
say() { echo "$*" | tee -a "$REPORT"; }
host_note() { say "# $(date -u +%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg) cpu_ref_ms=$(cpu_ref_ms)"; }
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<< "$2"; }

for p in $SIP_PORT $TLS_PORT 5070 5071 15060; do
	ss -Hltun "sport = :$p" 2>/dev/null | grep -q . && die "port $p is in use"
done
command -v sipp >/dev/null || die "sipp missing (apt-get install sip-tester)"
command -v kamailio >/dev/null || die "kamailio missing (apt-get install kamailio kamailio-sqlite-modules kamailio-tls-modules)"
command -v sqlite3 >/dev/null || die "sqlite3 missing"

## 1. a release build
if [[ -z ${UCSH_BUILD_DIR:-} ]]; then
	[[ -x $SRC/configure ]] || die "run autoreconf -fi first"
	UCSH_BUILD_DIR=$WORK/build
	mkdir -p "$UCSH_BUILD_DIR"
	echo "configuring a release build (no sanitizers) in $UCSH_BUILD_DIR ..."
	(cd "$UCSH_BUILD_DIR" && "$SRC/configure" --quiet CFLAGS="-O2 -g" >/dev/null) || die "configure failed"
fi
(cd "$UCSH_BUILD_DIR" && timeout 900 make -j"$(nproc)" ucsh ucshd >/dev/null) || die "build failed"
grep -q '^SAN_CFLAGS = -f' "$UCSH_BUILD_DIR/Makefile" && die "$UCSH_BUILD_DIR is a sanitizer build"
UCSH=$UCSH_BUILD_DIR/ucsh UCSHD=$UCSH_BUILD_DIR/ucshd
say "# registrar-vs-kamailio on $(hostname) $(date -u +%FT%TZ); $(nproc) cores; ucsh $(git -C "$SRC" describe --always --dirty 2>/dev/null)"
say "# $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1); kamailio $(kamailio -v | head -1 | awk '{print $3}'); users=$N step=${STEP_SECS}s repeats=$REPEATS"

## users, PINs, pool
export UCSH_STORE=$WORK/store/ucsh.db
mkdir -p "$WORK/store"
cd "$WORK" || exit 2
awk -v n="$N" -v users=users.csv -v pins=pins.csv -v inj=sipp-users.csv 'BEGIN {
	print "SipAddress,LineURI,DisplayName" >users
	print "Identity,Pin" >pins
	print "SEQUENTIAL" >inj
	seed = 20261126
	for (i = 1; i <= n; i++) {
		u = sprintf("user%05d", i)
		seed = (seed * 1103515245 + 12345) % 2147483648
		pin = sprintf("%06d", int(seed / 2048) % 1000000)
		printf "sip:%s@contoso.com,tel:+1425%07d;ext=%05d,User %05d\n", u, 5550000 + i, 10000 + i, i >users
		printf "sip:%s@contoso.com,%s\n", u, pin >pins
		printf "%s;[authentication username=%s password=%s]\n", u, u, pin >inj
	}
}'
"$UCSH" -c "Set-CsPool $UCSH_POOL_FQDN -SipPort $SIP_PORT -TlsPort $TLS_PORT -ListenAddress 127.0.0.1; Set-CsPinPolicy -AllowCommonPatterns \$true; Set-CsRegistrarConfiguration -Identity Global -MaxEndpointsPerUser $((BINDINGS_PER_USER + 2))" >/dev/null ||
	die "store setup failed"
t0=$(date +%s)
nu=$(timeout 600 "$UCSH" -c '(Import-Csv users.csv | New-CsUser | Measure-Object).Count')
t1=$(date +%s)
np=$(timeout 1200 "$UCSH" -c '(Import-Csv pins.csv | Set-CsClientPin | Measure-Object).Count')
t2=$(date +%s)
say "# ucsh store: $nu users in $((t1 - t0)) s, $np PINs in $((t2 - t1)) s"
[[ $nu == "$N" && $np == "$N" ]] || die "users/PINs not all created"

## start ucshd
"$UCSHD" --pidfile "$WORK/ucshd.pid" --log-level warning 2>>"$WORK/ucshd.log" &
UPID=$!
for ((i = 0; i < 300; i++)); do
	ss -Hlun "sport = :$SIP_PORT" 2>/dev/null | grep -q . && break
	kill -0 "$UPID" 2>/dev/null || break
	sleep 0.1
done
ss -Hlun "sport = :$SIP_PORT" 2>/dev/null | grep -q . || { tail -5 "$WORK/ucshd.log" >&2; die "ucshd did not listen on UDP $SIP_PORT"; }
say "# ucshd pid=$UPID udp 127.0.0.1:$SIP_PORT, store $UCSH_STORE"

## ucshd ladder
host_note
say "## ucshd udp ladder: $UCSHD_RATES"
RATES=$UCSHD_RATES SERVER_PID=$UPID USERS_CSV=$WORK/sipp-users.csv DOMAIN=$DOMAIN_U EXPIRES=600 \
	timeout 1800 "$PEERS/registrar-ladder.sh" 127.0.0.1 "$SIP_PORT" udp "$STEP_SECS" "$REPEATS" 2>&1 | tee -a "$REPORT"
U_LINE=$(grep '^max_rate=' "$REPORT" | tail -1)
host_note
U_TLS_LINE=
if [[ $TLS == 1 ]]; then
	say "## ucshd tls ladder (SIPp -t t1 -> stunnel4 -> TLS 1.2 127.0.0.1:$TLS_PORT): $UCSHD_TLS_RATES"
	RATES=$UCSHD_TLS_RATES SERVER_PID=$UPID USERS_CSV=$WORK/sipp-users.csv DOMAIN=$DOMAIN_U EXPIRES=600 \
		timeout 1800 "$PEERS/registrar-ladder.sh" 127.0.0.1 "$TLS_PORT" tls "$STEP_SECS" "$REPEATS" 2>&1 | tee -a "$REPORT"
	U_TLS_LINE=$(grep '^max_rate=' "$REPORT" | tail -1)
	host_note
fi

## 100,000 live bindings: BINDINGS_PER_USER more contacts per user (a port each)
say "## ucshd: $BINDINGS_PER_USER x $N bindings (one SIPp run per contact port)"
BR=2000; ((N < BR)) && BR=$N
for ((k = 1; k <= BINDINGS_PER_USER; k++)); do
	line=$(LOCAL_PORT=$((15060 + k)) SERVER_PID=$UPID USERS_CSV=$WORK/sipp-users.csv DOMAIN=$DOMAIN_U \
		EXPIRES=900 QUIET_PCT=0 timeout 120 "$PEERS/registrar-load.sh" 127.0.0.1 "$SIP_PORT" udp "$BR" $((N / BR)) 2>&1 | tail -1)
	say "bindings $k: $line"
done
sleep 1
NB=$(sqlite3 "file:$UCSH_STORE?mode=ro" "SELECT count(*) FROM registration" 2>/dev/null)
HWM=$(awk '/^VmHWM/{print $2}' "/proc/$UPID/status") RSS=$(awk '/^VmRSS/{print $2}' "/proc/$UPID/status")
say "# ucshd bindings in the store: $NB; VmHWM=${HWM} kB VmRSS=${RSS} kB"
kill -0 "$UPID" 2>/dev/null || say "# ucshd DIED during the run"
stop_pid "$UPID" ucshd
UPID=
grep -E "ERROR|error" "$WORK/ucshd.log" | head -3

## Kamailio, write-through, through the shared runner
host_note
say "## kamailio auth-wt udp ladder (run-peers.sh): $KAM_RATES"
PLAN=auth-wt:udp
[[ $TLS == 1 ]] && PLAN+=" auth-wt:tls"
SIP_PLAN=$PLAN RATES=$KAM_RATES STEP_SECS=$STEP_SECS REPEATS=$REPEATS BENCH_WORK=$WORK/peers \
	RESULTS=$WORK/kamailio-results.txt timeout 1800 "$PEERS/run-peers.sh" sip 2>&1 | tee -a "$REPORT"
K_LINE=$(grep '^RESULT auth-wt:udp' "$WORK/kamailio-results.txt" | tail -1)
K_TLS_LINE=$(grep '^RESULT auth-wt:tls' "$WORK/kamailio-results.txt" | tail -1)
host_note

## summary
ur=$(field max_rate "$U_LINE") kr=$(field max_rate "$K_LINE")
say ""
say "=== REGISTER + digest over UDP, $N users, ${STEP_SECS}s steps, top step x$REPEATS"
say "ucshd    max_rate=${ur:-?}/s p99=$(field median_p99_ms "$U_LINE")ms ucshd_cpu=$(field median_server_cpu "$U_LINE") sipp_cpu=$(field median_sipp_cpu "$U_LINE") first_fail=$(field first_fail "$U_LINE")"
say "kamailio max_rate=${kr:-?}/s p99=$(field median_p99_ms "$K_LINE")ms kamailio_cpu=$(field median_server_cpu "$K_LINE") sipp_cpu=$(field median_sipp_cpu "$K_LINE") first_fail=$(field first_fail "$K_LINE") (auth-wt: usrloc write-through to SQLite, 1 worker)"
if [[ $ur =~ ^[0-9]+$ && $kr =~ ^[0-9]+$ && $kr -gt 0 ]]; then
	say "ratio ucshd/kamailio = $(awk -v a="$ur" -v b="$kr" 'BEGIN{printf "%.2f", a/b}')"
fi
if [[ $TLS == 1 ]]; then
	utr=$(field max_rate "$U_TLS_LINE") ktr=$(field max_rate "$K_TLS_LINE")
	say "=== the same over TLS 1.2, one connection (SIPp TCP -> stunnel4 -> TLS; stunnel's CPU is in other_cpu)"
	say "ucshd    max_rate=${utr:-?}/s p99=$(field median_p99_ms "$U_TLS_LINE")ms ucshd_cpu=$(field median_server_cpu "$U_TLS_LINE") sipp_cpu=$(field median_sipp_cpu "$U_TLS_LINE") first_fail=$(field first_fail "$U_TLS_LINE")"
	say "kamailio max_rate=${ktr:-?}/s p99=$(field median_p99_ms "$K_TLS_LINE")ms kamailio_cpu=$(field median_server_cpu "$K_TLS_LINE") sipp_cpu=$(field median_sipp_cpu "$K_TLS_LINE") first_fail=$(field first_fail "$K_TLS_LINE")"
	if [[ $utr =~ ^[0-9]+$ && $ktr =~ ^[0-9]+$ && $ktr -gt 0 ]]; then
		say "ratio ucshd/kamailio (TLS) = $(awk -v a="$utr" -v b="$ktr" 'BEGIN{printf "%.2f", a/b}')"
	fi
fi
say "ucshd peak RSS (VmHWM) with $NB live bindings: $HWM kB ($((HWM / 1024)) MiB)"
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
cp "$REPORT" "${TMPDIR:-/tmp}/registrar-vs-kamailio-$(date -u +%Y%m%dT%H%M%SZ).txt" 2>/dev/null
