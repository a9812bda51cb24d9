#!/bin/sh
# import-phones: the inventory at the scale it is built for, beside its peer.
#
#   1. generate N phones (default 1,000,000) as CSV with awk: the export's 14
#      columns, MACs in random order (a bijection of the row number, so all
#      distinct), the 8 catalogue models, 20 sites;
#   2. time `Import-CsPhone -Path` into a new store, and the sqlite3 shell's
#      .import of the same file into an equivalent table (the store's own
#      DDL: same columns, collations and indexes; WAL, synchronous=NORMAL and
#      the cache size the store uses);
#   3. time a cold `ucsh -c 'Get-CsPhone -Identity <mac>'` (a new process
#      each run: start, open, look up, print) beside sqlite3 doing the same
#      look-up, and `Get-CsPhone -Model CX600 | Measure-Object` beside
#      sqlite3 selecting the same rows.
#
# Targets: the import within 2x of .import; the single look-up within 20 ms.
# Not run by CI (it takes minutes). Usage:
#   tests/bench/import-phones.sh [N]
# ucsh: $UCSH, else _build/release/ucsh, else a release build (no
# sanitizers) configured into a temporary directory.
set -eu

N=${1:-1000000}

for tool in sqlite3 awk; do
	command -v $tool >/dev/null || { echo "import-phones: needs $tool" >&2; exit 1; }
done

NAME=import-phones
. "$(dirname "$0")/lib.sh"

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

echo "generating $N phones ..."
awk -v n="$N" '
BEGIN {
	split("Polycom CX600,Polycom CX500,Polycom CX700,Polycom CX3000,Aastra 6721ip,Aastra 6725ip,HP 4110,HP 4120", models, ",")
	oui["Polycom"] = "00-04-F2"; oui["Aastra"] = "00-08-5D"; oui["HP"] = "00-1A-4B"
	split("4.0.7577.4100,4.0.7577.4455,4.0.7577.4487", fw, ",")
	print "MacAddress,SerialNumber,Brand,Model,Revision,Locale,Site,Owner,FirmwareVersion,IPAddress,UserAgent,LastSeen,LastRegistered,Status"
	for (i = 0; i < n; i++) {
		split(models[i % 8 + 1], bm, " ")
		r = (i * 2654435761) % 16777216   # odd multiplier: a bijection on 24 bits
		v = fw[i % 3 + 1]
		ts = sprintf("2026-11-%02dT%02d:%02d:%02dZ", i % 25 + 1, i % 24, i % 60, (i * 7) % 60)
		printf "%s-%02X-%02X-%02X,SN%08d,%s,%s,A,ENU,Site:S%02d,,%s,10.%d.%d.%d,%s %s %s,%s,%s,Registered\n",
			oui[bm[1]], int(r / 65536), int(r / 256) % 256, r % 256, i, bm[1], bm[2],
			i % 20 + 1, v, int(i / 64516) % 256, int(i / 254) % 254, i % 254 + 1,
			bm[1], bm[2], v, ts, ts
	}
}' >phones.csv
MAC=$(sed -n "$((N / 2 + 2))p" phones.csv | cut -d, -f1)
seq -w 1 20 | sed 's/^/New-CsSite S/; s/$/ | Out-Null/' >sites.ps1
"$UCSH" sites.ps1
cat phones.csv >/dev/null # both read the file from the page cache

echo "importing ..."
t0=$(now_ms)
imported=$("$UCSH" -c '(Import-CsPhone -Path phones.csv).Imported')
t1=$(now_ms)
ucsh_import=$((t1 - t0))
[ "$imported" = "$N" ] || { echo "import-phones: Import-CsPhone imported $imported of $N"; exit 1; }

sqlite3 "$UCSH_STORE" '.schema phone' >phone.sql
t0=$(now_ms)
sqlite3 peer.db 'PRAGMA journal_mode=WAL' 'PRAGMA synchronous=NORMAL' 'PRAGMA cache_size=-16384' \
	'.read phone.sql' '.import --csv --skip 1 phones.csv phone' >/dev/null
t1=$(now_ms)
peer_import=$((t1 - t0))
[ "$(sqlite3 peer.db 'SELECT count(*) FROM phone')" = "$N" ] || { echo "import-phones: .import lost rows"; exit 1; }

# mean milliseconds of a command over runs (hyperfine when there is one)
mean_ms() {
	if command -v hyperfine >/dev/null; then
		hyperfine -N --warmup 3 --runs "$2" --export-csv h.csv "$1" >/dev/null 2>&1 ||
			hyperfine --warmup 3 --runs "$2" --export-csv h.csv "$1" >/dev/null
		awk -F, 'NR == 2 { printf "%.1f", $2 * 1000 }' h.csv
	else
		s=$(date +%s%N)
		i=0
		while [ $i -lt "$2" ]; do sh -c "$1" >/dev/null; i=$((i + 1)); done
		e=$(date +%s%N)
		awk -v t=$((e - s)) -v n="$2" 'BEGIN { printf "%.1f", t / n / 1e6 }'
	fi
}

echo "timing look-ups ..."
[ "$("$UCSH" -c "(Get-CsPhone -Identity $MAC).MacAddress")" = "$MAC" ] ||
	{ echo "import-phones: Get-CsPhone did not find $MAC"; exit 1; }
ucsh_get=$(mean_ms "$UCSH -c 'Get-CsPhone -Identity $MAC'" 30)
peer_get=$(mean_ms "sqlite3 peer.db \"SELECT * FROM phone WHERE MacAddress = '$MAC'\"" 30)
count=$("$UCSH" -c 'Get-CsPhone -Model CX600 | Measure-Object | Select-Object -ExpandProperty Count')
ucsh_model=$(mean_ms "$UCSH -c 'Get-CsPhone -Model CX600 | Measure-Object'" 5)
peer_model=$(mean_ms "sqlite3 peer.db \"SELECT * FROM phone WHERE Model = 'CX600'\"" 5)

cat <<EOF

$N phones, $(du -h phones.csv | cut -f1) of CSV; ucsh at $UCSH
                                      ucsh        sqlite3 shell   ratio
Import-CsPhone vs .import        $(printf '%8d ms  %8d ms     %5.2fx' "$ucsh_import" "$peer_import" "$(awk "BEGIN{print $ucsh_import/$peer_import}")")   (target < 2x)
Get-CsPhone -Identity (cold)     $(printf '%8.1f ms  %8.1f ms' "$ucsh_get" "$peer_get")              (target < 20 ms)
Get-CsPhone -Model CX600 ($count) $(printf '%8.1f ms  %8.1f ms' "$ucsh_model" "$peer_model")
   | Measure-Object                  (sqlite3: SELECT * of the same rows)
EOF
