#!/usr/bin/env bash
# devupdate-vs-nginx: the Device Update web service beside nginx, in ONE run,
# with the same load generator (wrk) on the same machine:
#
#   1. update checks: wrk POSTs <UpdateRequest>s from PHONES different MACs
#      (one pre-built request per phone, cycled; a rule with an approved image
#      makes every answer "update available" with the file's URL and SHA-256)
#      to ucshd's internal site; nginx serves a static file as large as
#      ucshd's answer (the shared nginx.conf of the peers folder). Requests/s,
#      over HTTP and over HTTPS (kept-alive connections: the handshakes are
#      not what is measured).
#   2. image downloads: a 32 MiB image imported as a package, fetched by
#      CONNS connections from ucshd and the same file from nginx, over HTTP
#      (sendfile on both) and HTTPS (both with an ECDSA P-256 certificate).
#      MiB/s.
#
# Each figure is the median of REPEATS runs of SECS seconds. CPU is % of ONE
# core for the server (and for wrk), from /proc; the machine has $(nproc)
# cores and wrk shares them, so a ratio is meaningful, an absolute figure
# only for this machine at this moment.
#
# Not run by CI. Usage: tests/bench/devupdate-vs-nginx.sh
# Environment (optional):
#   PEERS     the shared peers folder (default ../shared/peers from the repo)
#   UCSH      a release ucsh beside its ucshd (default: _build/release, or built)
#   PHONES    distinct phones in the update-check load (default 1000)
#   SECS      seconds per wrk run (default 10); REPEATS (default 3)
#   CONNS     connections for update checks (default 50), DL_CONNS for downloads (4)
#   PORT      first of 9 loopback ports (default 28060)
set -uo pipefail
NAME=devupdate-vs-nginx
. "$(dirname "$0")/lib.sh"
PEERS=${PEERS:-$SRC/../shared/peers}
UCSHD=$(dirname "$UCSH")/ucshd
PHONES=${PHONES:-1000} SECS=${SECS:-10} REPEATS=${REPEATS:-3}
CONNS=${CONNS:-50} DL_CONNS=${DL_CONNS:-4} PORT=${PORT:-28060}
V1=4.0.7577.4400
for t in wrk nginx gcab openssl curl; do
	command -v $t >/dev/null || { echo "$NAME: $t is not installed"; exit 1; }
done
[ -x "$UCSHD" ] || { echo "$NAME: no ucshd beside $UCSH"; exit 1; }
[ -f "$PEERS/nginx/nginx.conf" ] || { echo "$NAME: no $PEERS/nginx/nginx.conf"; exit 1; }

UCSHD_PID= NGINX_PID=
cleanup() {
	[ -n "$UCSHD_PID" ] && kill "$UCSHD_PID" 2>/dev/null
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
	wait 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

wait_for() { # CONDITION TENTHS
	local i=0
	until eval "$1"; do
		i=$((i + 1))
		[ $i -gt "$2" ] && { echo "$NAME: timed out: $1" >&2; return 1; }
		sleep 0.1
	done
}

# cpu_ticks PID: user+system ticks of PID and its children so far
cpu_ticks() {
	local t=0 p
	for p in $1 $(pgrep -P "$1" 2>/dev/null); do
		[ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat)))
	done
	echo $t
}

# load URL CONNS SERVER_PID [wrk args]: one wrk run; prints
# "requests/s MiB/s server-CPU% wrk-CPU%" (CPU in % of one core)
load() {
	local url=$1 conns=$2 pid=$3
	shift 3
	local hz; hz=$(getconf CLK_TCK)
	local s0; s0=$(cpu_ticks "$pid")
	local t0; t0=$(date +%s.%N)
	timeout -k 5 $((SECS + 30)) /usr/bin/time -f '%U %S' -o wrk.time \
		wrk -t1 -c"$conns" -d"${SECS}s" "$url" "$@" >wrk.out 2>&1
	local t1; t1=$(date +%s.%N)
	local s1; s1=$(cpu_ticks "$pid")
	local rps; rps=$(awk '/^Requests\/sec/ {print $2}' wrk.out)
	local mbs; mbs=$(awk '/^Transfer\/sec/ {v=$2; u=substr(v, length(v)-1); n=v+0;
		if (u=="GB") n*=1024; else if (u=="KB") n/=1024; else if (u=="B") n/=1048576; print n}' wrk.out)
	local errs; errs=$(awk '/Non-2xx|Socket errors/ {print}' wrk.out | tr '\n' ' ')
	local cpu; cpu=$(awk -v a="$s0" -v b="$s1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
		'BEGIN { printf "%.0f", (b - a) / hz / (t1 - t0) * 100 }')
	local wcpu; wcpu=$(awk -v t0="$t0" -v t1="$t1" '{ printf "%.0f", ($1 + $2) / (t1 - t0) * 100 }' wrk.time)
	echo "${rps:-0} ${mbs:-0} $cpu $wcpu ${errs:+ERR:$errs}"
}

# median of REPEATS runs of load ...; prints the median line by its first field
median() {
	local i
	for i in $(seq "$REPEATS"); do load "$@"; done | sort -n -k1 | sed -n "$(((REPEATS + 1) / 2))p"
}

# ---- ucshd: a pool on loopback, a rule with a 32 MiB approved image ----
echo "setting up ucshd (store, 32 MiB package) in $WORK ..."
"$UCSH" -c "Set-CsPool $UCSH_POOL_FQDN -SipPort $PORT -TlsPort $((PORT + 1)) -InternalHttpPort $((PORT + 2)) -InternalHttpsPort $((PORT + 3)) -ExternalHttpPort $((PORT + 4)) -ExternalHttpsPort $((PORT + 5)) -SshPort $((PORT + 8)) -ListenAddress 127.0.0.1" >/dev/null || exit 1
img=UCPhone/Polycom/CX600/Rev-1/ENU/$V1/CPE
mkdir -p "pkg/$img" && head -c $((32 << 20)) /dev/urandom >"pkg/$img/nk.bin"
(cd pkg && gcab -c ../fw.cab "$img/nk.bin") || exit 1
"$UCSH" -c "Import-CsDeviceUpdate -FileName fw.cab | Approve-CsDeviceUpdateRule" >/dev/null || exit 1
"$UCSHD" --log-level warning 2>ucshd.log &
UCSHD_PID=$!
wait_for "curl -s -o /dev/null http://127.0.0.1:$((PORT + 2))/CertProv/ucsh-ca.pem" 300 || exit 1

cat >checks.lua <<'LUA'
local reqs, i = {}, 0
function init(args)
	for k = 1, tonumber(args[1]) do
		local mac = string.format("00-04-F2-%02X-%02X-%02X", (k >> 16) & 255, (k >> 8) & 255, k & 255)
		local body = "<UpdateRequest><MacAddress>" .. mac .. "</MacAddress><Brand>Polycom</Brand>" ..
			"<Model>CX600</Model><Revision>Rev-1</Revision><Locale>ENU</Locale>" ..
			"<Version>4.0.7577.4100</Version></UpdateRequest>"
		reqs[k] = wrk.format("POST", "/RequestHandler/ucdevice.upx",
			{ ["Content-Type"] = "text/xml", ["Host"] = "pool01.contoso.com" }, body)
	end
end
function request()
	i = i % #reqs + 1
	return reqs[i]
end
LUA
# nginx is asked the same way (a Lua request() cycling pre-built requests),
# so that wrk spends the same on both
cat >static.lua <<'LUA'
local reqs, i = {}, 0
function init(args)
	for k = 1, tonumber(args[1]) do
		reqs[k] = wrk.format("GET", "/update.xml", { ["Host"] = "pool01.contoso.com" })
	end
end
function request()
	i = i % #reqs + 1
	return reqs[i]
end
LUA
# wrk's LuaJIT has no bit operators in the syntax: use arithmetic instead
sed -i 's/(k >> 16) & 255/math.floor(k \/ 65536) % 256/; s/(k >> 8) & 255/math.floor(k \/ 256) % 256/; s/k & 255)/k % 256)/' checks.lua

# ---- nginx: the shared configuration, on our ports, the same files ----
mkdir -p nginx/tmp www tls
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj /CN=pool01.contoso.com -keyout tls/key.pem -out tls/cert.pem 2>/dev/null
cp "pkg/$img/nk.bin" www/fw-32M.bin
curl -s -X POST -H 'Content-Type: text/xml' --data-binary \
	'<UpdateRequest><MacAddress>00-04-F2-00-00-01</MacAddress><Brand>Polycom</Brand><Model>CX600</Model><Revision>Rev-1</Revision><Locale>ENU</Locale><Version>4.0.7577.4100</Version></UpdateRequest>' \
	"http://127.0.0.1:$((PORT + 2))/RequestHandler/ucdevice.upx" >www/update.xml
grep -q 'available="true"' www/update.xml || { echo "$NAME: ucshd offers no update"; exit 1; }
# nginx started by root serves as nobody: the files must be readable to all
chmod a+rx "$WORK" www && chmod a+r www/*
sed -e "s|@WORK@|$WORK|g" -e "s|8088|$((PORT + 6))|g" -e "s|8443|$((PORT + 7))|g" \
	-e 's|^\(\s*listen \[::1\].*\)$|# \1|' "$PEERS/nginx/nginx.conf" >nginx.conf
nginx -p "$WORK/nginx" -c "$WORK/nginx.conf" -e "$WORK/nginx/error.log" 2>nginx.err &
NGINX_PID=$!
wait_for "curl -sf -o /dev/null http://127.0.0.1:$((PORT + 6))/update.xml" 100 || { cat nginx/error.log nginx.err; exit 1; }

echo "update answer: $(wc -c <www/update.xml) bytes; $PHONES phones; $SECS s x $REPEATS runs, median"
echo "columns: requests/s  MiB/s  server-CPU%  wrk-CPU% (of one core)"
U=http://127.0.0.1:$((PORT + 2)) UT=https://127.0.0.1:$((PORT + 3))
N=http://127.0.0.1:$((PORT + 6)) NT=https://127.0.0.1:$((PORT + 7))
report() { # LABEL UCSHD_LINE NGINX_LINE FIELD(1 rps, 2 MiB/s)
	echo "$1"
	echo "  ucshd: $2"
	echo "  nginx: $3"
	awk -v a="$2" -v b="$3" -v f="$4" 'BEGIN { split(a, x, " "); split(b, y, " ");
		if (y[f] > 0) printf "  ratio ucshd/nginx: %.2f\n", x[f] / y[f] }'
}
a=$(median "$U/RequestHandler/ucdevice.upx" "$CONNS" "$UCSHD_PID" -s checks.lua -- "$PHONES")
b=$(median "$N/update.xml" "$CONNS" "$NGINX_PID" -s static.lua -- "$PHONES")
report "update checks, HTTP, $CONNS connections (nginx: the same-size static file)" "$a" "$b" 1
a=$(median "$UT/RequestHandler/ucdevice.upx" "$CONNS" "$UCSHD_PID" -s checks.lua -- "$PHONES")
b=$(median "$NT/update.xml" "$CONNS" "$NGINX_PID" -s static.lua -- "$PHONES")
report "update checks, HTTPS, $CONNS kept-alive connections (nginx: the same-size static file)" "$a" "$b" 1
FILE=/RequestHandler/Files/$img/nk.bin
a=$(median "$U$FILE" "$DL_CONNS" "$UCSHD_PID")
b=$(median "$N/fw-32M.bin" "$DL_CONNS" "$NGINX_PID")
report "32 MiB image, HTTP, $DL_CONNS connections" "$a" "$b" 2
a=$(median "$UT$FILE" "$DL_CONNS" "$UCSHD_PID")
b=$(median "$NT/fw-32M.bin" "$DL_CONNS" "$NGINX_PID")
report "32 MiB image, HTTPS, $DL_CONNS connections" "$a" "$b" 2
grep -i "error\|warning" ucshd.log | head -5
