#!/bin/sh
# users-pins: creating users and setting their PINs in bulk, the way an
# admin moves a directory in:
#
#   1. generate N users (default 10,000) as users.csv (SipAddress, LineURI,
#      DisplayName) and pins.csv (Identity, Pin) with awk; the PINs pass the
#      default PIN policy (no runs, repeats or pieces of the user's number);
#   2. time `Import-Csv users.csv | New-CsUser` and
#      `Import-Csv pins.csv | Set-CsClientPin` into a new store;
#   3. estimate PBKDF2's share of the PIN run in the same binary: run the
#      same pins.csv again (each PIN is refused by the history check after
#      one PBKDF2) against Get-CsClientPinInfo (the same look-ups without);
#   4. count how often the New-CsUser pipeline opens the store file (strace):
#      once per run, not once per object.
#
# Not run by CI. Usage: tests/bench/users-pins.sh [N]
# ucsh: $UCSH, else _build/release/ucsh, else a release build (no
# sanitizers) configured into a temporary directory.
set -eu

N=${1:-10000}

NAME=users-pins
. "$(dirname "$0")/lib.sh"

# timed FILE CMD...: run CMD, its stdout into FILE; sets wall_ms and cpu_ms
# (user + system: on a loaded machine wall time counts other work too).
timed() {
	out=$1
	shift
	t0=$(date +%s%N)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f "%U %S" -o cpu.txt "$@" >"$out"
		cpu_ms=$(awk '{ printf "%d", ($1 + $2) * 1000 }' cpu.txt)
	else
		"$@" >"$out"
		cpu_ms=?
	fi
	wall_ms=$((($(date +%s%N) - t0) / 1000000))
}

echo "generating $N users and PINs ..."
awk -v n="$N" -v users=users.csv -v pins=pins.csv '
# What the default policy refuses (secret.c): one digit repeated, a run of
# 4 ascending or descending digits, a repeated group, every digit doubled,
# or a piece of the user number.
function common(p, ext, number,   i, up, down, u, rep, pairs) {
	up = down = 1
	for (i = 2; i <= length(p); i++) {
		up = substr(p, i, 1) - substr(p, i - 1, 1) == 1 ? up + 1 : 1
		down = substr(p, i, 1) - substr(p, i - 1, 1) == -1 ? down + 1 : 1
		if (up >= 4 || down >= 4)
			return 1
	}
	for (u = 1; u <= length(p) / 2; u++) {
		if (length(p) % u)
			continue
		rep = 1
		for (i = u + 1; i <= length(p); i++)
			if (substr(p, i, 1) != substr(p, (i - 1) % u + 1, 1))
				rep = 0
		if (rep)
			return 1
	}
	pairs = 1
	for (i = 1; i < length(p); i += 2)
		if (substr(p, i, 1) != substr(p, i + 1, 1))
			pairs = 0
	return pairs || index(p, ext) || index(number, p)
}
BEGIN {
	print "SipAddress,LineURI,DisplayName" >users
	print "Identity,Pin" >pins
	seed = 20261126
	for (i = 1; i <= n; i++) {
		ext = sprintf("%05d", 10000 + i)
		number = sprintf("1425%07d", 5550000 + i)
		printf "sip:user%05d@contoso.com,tel:+%s;ext=%s,User %05d\n", i, number, ext, i >users
		do {
			seed = (seed * 1103515245 + 12345) % 2147483648
			pin = sprintf("%06d", int(seed / 2048) % 1000000)
		} while (common(pin, ext, number))
		printf "sip:user%05d@contoso.com,%s\n", i, pin >pins
	}
}'

"$UCSH" -c 'Get-CsUser | Out-Null' # create the store: its first start is not timed

echo "Import-Csv users.csv | New-CsUser ..."
timed created.txt "$UCSH" -c '(Import-Csv users.csv | New-CsUser | Measure-Object).Count'
users_ms=$wall_ms users_cpu=$cpu_ms

echo "Import-Csv pins.csv | Set-CsClientPin ..."
timed set.txt "$UCSH" -c '(Import-Csv pins.csv | Set-CsClientPin | Measure-Object).Count'
pins_ms=$wall_ms pins_cpu=$cpu_ms

# PBKDF2's share, measured in the same binary: setting the same PINs again
# is refused by the history check after exactly one PBKDF2 verification per
# PIN; reading each principal's PinInfo does the same look-ups without it.
echo "the same PINs again (refused: one PBKDF2 each) ..."
timed again.txt "$UCSH" -c '(Import-Csv pins.csv | Set-CsClientPin -ErrorAction SilentlyContinue | Measure-Object).Count'
refused_ms=$wall_ms refused_cpu=$cpu_ms
echo "Import-Csv pins.csv | Get-CsClientPinInfo (the same look-ups, no PBKDF2) ..."
timed info.txt "$UCSH" -c '(Import-Csv pins.csv | Get-CsClientPinInfo | Measure-Object).Count'
info_ms=$wall_ms info_cpu=$cpu_ms
iter=$(sed -n 's/^#define SECRET_PBKDF2_ITERATIONS \([0-9]*\).*/\1/p' "$SRC/src/secret.h")

opens=
if command -v strace >/dev/null; then
	head -n 201 users.csv | sed "s/^sip:user/sip:again/; s/tel:+1425/tel:+1426/" >again.csv
	strace -f -qq -e trace=openat -o trace.txt "$UCSH" -c 'Import-Csv again.csv | New-CsUser | Out-Null'
	opens=$(grep -c '/ucsh\.db", O_RDWR' trace.txt || true)
fi

echo
echo "users:   $(cat created.txt) of $N created in $users_ms ms wall, $users_cpu ms CPU" \
	"($((users_ms * 1000 / N)) us per user)"
echo "PINs:    $(cat set.txt) of $N set in $pins_ms ms wall, $pins_cpu ms CPU" \
	"($((pins_ms * 1000 / N)) us per PIN)"
echo "refused: $(cat again.txt) of $N set again in $refused_ms ms wall, $refused_cpu ms CPU"
echo "PinInfo: $(cat info.txt) read in $info_ms ms wall, $info_cpu ms CPU"
if [ "$pins_cpu" != ? ]; then
	pbkdf2_cpu=$((refused_cpu - info_cpu))
	echo "PBKDF2:  about $((pbkdf2_cpu * 1000 / N)) us CPU per PIN at $iter iterations," \
		"$((pbkdf2_cpu * 100 / pins_cpu))% of the PIN run's CPU time"
fi
if [ -n "$opens" ]; then
	echo "store:   opened $opens time(s) by a 200-user New-CsUser pipeline"
fi
