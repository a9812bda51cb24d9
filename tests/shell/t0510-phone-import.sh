#!/bin/sh
# Import-CsPhone: the header, every kind of bad row reported with its line
# while the import goes on, duplicates in the file and in the store,
# -Update, -ErrorAction Stop rolling back the current batch only, -WhatIf,
# the exact round trip of Get-CsPhone | Export-Csv, the progress line on a
# terminal only, and a SIGKILL in the middle of a large import.
. "$(dirname "$0")/test-lib.sh"
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN

phone_count() {
	$UCSH -c "Get-CsPhone | Measure-Object | Select-Object -ExpandProperty Count"
}

# summary FILE [ARGS]: the PhoneImportResult of an import, on one line
summary() {
	f=$1
	shift
	$UCSH -c "Import-CsPhone $f $* | ForEach-Object { \"\$(\$_.Imported) \$(\$_.Updated) \$(\$_.Failed) \$(\$_.Lines)\" }"
}

test_expect_success 'setup: sites and an owner' '
	$UCSH -c "New-CsSite Redmond | Out-Null; New-CsSite Berlin | Out-Null; New-CsUser -SipAddress sip:ken@contoso.com -LineURI \"tel:+14255550100;ext=100\" -DisplayName \"Ken Myer\" | Out-Null"
'

test_expect_success 'a clean file imports every row; the summary counts them' '
	cat >good.csv <<-\EOF &&
	MacAddress,Model,Site,SerialNumber,FirmwareVersion,IPAddress,Owner
	0004f2000001,CX600,Redmond,S1,4.0.7577.4100,10.0.0.1,sip:ken@contoso.com
	00:04:f2:00:00:02,cx500,site:berlin,S2,4.0.7577.4455,2001:DB8::2,
	0004.f200.0003,4120,,S3,,,
	EOF
	$UCSH -o json -c "Import-CsPhone -Path good.csv" >actual &&
	cat >expected <<-\EOF &&
	{
	  "Imported": 3,
	  "Updated": 0,
	  "Failed": 0,
	  "Lines": 3,
	  "Path": "good.csv"
	}
	EOF
	test_cmp expected actual &&
	$UCSH -c "Get-CsPhone | ForEach-Object { \$_.MacAddress + \" \" + \$_.Brand + \" \" + \$_.Model + \" \" + \$_.Site + \" \" + \$_.IPAddress }" >actual &&
	cat >expected <<-\EOF &&
	00-04-F2-00-00-01 Polycom CX600 Site:Redmond 10.0.0.1
	00-04-F2-00-00-02 Polycom CX500 Site:Berlin 2001:db8::2
	00-04-F2-00-00-03 HP 4120  
	EOF
	test_cmp expected actual
'

test_expect_success 'empty fields import as unset properties, not empty text' '
	$UCSH -c "\$p = Get-CsPhone 0004f2000003; \$p.Site -eq \$null; \$p.Owner -eq \$null; \$p.FirmwareVersion -eq \$null" >actual &&
	printf "True\nTrue\nTrue\n" >expected && test_cmp expected actual
'

test_expect_success 'unknown columns are an error naming them; nothing is imported' '
	printf "MacAddress,Model,Colour,Room\n0004f2000009,CX600,red,1\n" >cols.csv &&
	test_expect_code 1 $UCSH -c "Import-CsPhone cols.csv" >out 2>err &&
	test_grep "cols.csv: unknown columns .Colour., .Room. in the header" err &&
	test_grep "hint: the columns are phone properties: MacAddress, SerialNumber, Brand, Model" err &&
	test_must_fail test -s out &&
	echo 3 >expected && phone_count >actual && test_cmp expected actual
'

test_expect_success 'MacAddress and Model are required columns, in any case' '
	printf "MacAddress,Site\n0004f2000009,Redmond\n" >nomodel.csv &&
	test_expect_code 1 $UCSH -c "Import-CsPhone nomodel.csv" 2>err &&
	test_grep "nomodel.csv: the header has no Model column" err &&
	printf "Model\n" >nomac.csv &&
	test_expect_code 1 $UCSH -c "Import-CsPhone nomac.csv" 2>err &&
	test_grep "nomac.csv: the header has no MacAddress column" err &&
	printf "macaddress,MODEL,site\n0004f2000009,cx700,REDMOND\n" >case.csv &&
	summary case.csv >actual &&
	echo "1 0 0 1" >expected && test_cmp expected actual &&
	$UCSH -c "(Get-CsPhone 0004f2000009).Model + \" \" + (Get-CsPhone 0004f2000009).Site" >actual &&
	echo "CX700 Site:Redmond" >expected && test_cmp expected actual
'

test_expect_success 'each bad row is reported with its line, and the import goes on' '
	cat >bad.csv <<-\EOF &&
	MacAddress,Model,IPAddress,FirmwareVersion,Site,Owner,LastSeen
	0004f2000101,CX600,,,,,
	0004f20001,CX600,,,,,
	0004f2000102,CX600,10.0.0.300,,,,
	0004f2000103,CX600,,4.0.x,,,
	0004f2000104,CX600,,,Atlantis,,
	0004f2000105,CX600,,,,sip:nobody@contoso.com,
	0004f2000106,CX600,,,,,last week
	0004f2000107,,,,,,
	00:04:F2:00:01:01,CX500,,,,,
	0004f2000001,CX600,,,,,
	"0004f2000108","CX3000","10.0.0.8",,,"ken@contoso.com","2026-11-26T12:00:00+02:00"
	EOF
	test_expect_code 1 $UCSH -c "Import-CsPhone bad.csv | ForEach-Object { \"\$(\$_.Imported) \$(\$_.Failed) \$(\$_.Lines)\" }" >actual 2>err &&
	echo "2 9 11" >expected && test_cmp expected actual &&
	grep "^Import-CsPhone : " err >lines &&
	cat >expected <<-\EOF &&
	Import-CsPhone : bad.csv line 3: '"'"'0004f20001'"'"' is not a MAC address: it has 10 hex digits; a MAC address has 12
	Import-CsPhone : bad.csv line 4: IPAddress '"'"'10.0.0.300'"'"' is not an IPv4 or IPv6 address
	Import-CsPhone : bad.csv line 5: FirmwareVersion '"'"'4.0.x'"'"' is not a firmware version
	Import-CsPhone : bad.csv line 6: Site '"'"'Site:Atlantis'"'"' does not exist
	Import-CsPhone : bad.csv line 7: Owner '"'"'sip:nobody@contoso.com'"'"' is neither a user nor a common area phone
	Import-CsPhone : bad.csv line 8: Phone property LastSeen expects a time like 2026-11-26T10:38:02Z, not '"'"'last week'"'"'
	Import-CsPhone : bad.csv line 9: no Model
	Import-CsPhone : bad.csv line 10: phone 00-04-F2-00-01-01 is already on line 2
	Import-CsPhone : bad.csv line 11: phone 00-04-F2-00-00-01 is already in the store
	EOF
	test_cmp expected lines &&
	test_grep "hint: add -Update to update the phones that exist" err &&
	$UCSH -c "\$p = Get-CsPhone 0004f2000108; \$p.Owner; \$p.LastSeen; \$p.Brand" >actual &&
	printf "sip:ken@contoso.com\n2026-11-26T10:00:00Z\nPolycom\n" >expected && test_cmp expected actual
'

test_expect_success 'rows the store refuses at the start of a batch lose no later rows' '
	printf "MacAddress,Model,LastSeen\n0004f2000001,CX600,\n0004f2000151,CX600,never\n0004f2000152,CX600,\n0004f2000153,CX600,\n" >first.csv &&
	test_expect_code 1 $UCSH -c "Import-CsPhone first.csv -BatchSize 1 | ForEach-Object { \"\$(\$_.Imported) \$(\$_.Failed)\" }" >actual 2>err &&
	echo "2 2" >expected && test_cmp expected actual &&
	$UCSH -c "Get-CsPhone 0004f200015* | Select-Object -ExpandProperty MacAddress" >actual &&
	printf "00-04-F2-00-01-52\n00-04-F2-00-01-53\n" >expected && test_cmp expected actual
'

test_expect_success 'an unknown model is imported as generic, with one warning per model' '
	printf "MacAddress,Model,Brand\n0004f2000201,VVX400,Polycom\n0004f2000202,VVX400,\n0004f2000203,T46S,\n0004f2000204,T46S,Yealink\n" >generic.csv &&
	summary generic.csv >actual 2>err &&
	echo "4 0 0 4" >expected && test_cmp expected actual &&
	test $(grep -c "WARNING: generic.csv line .: model .VVX400. is not in the catalogue" err) = 1 &&
	test $(grep -c "model .T46S. is not in the catalogue" err) = 1 &&
	$UCSH -c "Get-CsPhone 0004f20002* | Select-Object -ExpandProperty Brand" >actual &&
	printf "Polycom\nGeneric\nGeneric\nYealink\n" >expected && test_cmp expected actual
'

test_expect_success '-Update updates the phones that exist, with the columns of the file only' '
	printf "MacAddress,Model,Site\n0004f2000001,CX600,Berlin\n0004f2000301,CX600,Berlin\n" >upd.csv &&
	summary upd.csv -Update >actual &&
	echo "1 1 0 2" >expected && test_cmp expected actual &&
	$UCSH -c "\$p = Get-CsPhone 0004f2000001; \$p.Site; \$p.SerialNumber; \$p.Owner" >actual &&
	printf "Site:Berlin\nS1\nsip:ken@contoso.com\n" >expected && test_cmp expected actual
'

test_expect_success 'a MAC twice in one file is an error even with -Update' '
	printf "MacAddress,Model\n0004f2000401,CX600\n0004f2000401,CX700\n" >twice.csv &&
	test_expect_code 1 $UCSH -c "Import-CsPhone twice.csv -Update" >out 2>err &&
	test_grep "twice.csv line 3: phone 00-04-F2-00-04-01 is already on line 2" err &&
	$UCSH -c "(Get-CsPhone 0004f2000401).Model" >actual &&
	echo CX600 >expected && test_cmp expected actual
'

test_expect_success '-ErrorAction Stop rolls back the current batch; earlier batches stay' '
	printf "MacAddress,Model\n0004f2000501,CX600\n0004f2000502,CX600\n0004f2000503,CX600\n0004f2000504,CX600\n0004f2000505,CX600\nbad,CX600\n0004f2000506,CX600\n" >stop.csv &&
	test_expect_code 1 $UCSH -c "Import-CsPhone stop.csv -BatchSize 2 -ErrorAction Stop; Write-Output not-reached" >out 2>err &&
	test_must_fail test -s out &&
	test_grep "stop.csv line 7: .bad. is not a MAC address" err &&
	test_grep "import stopped at line 7: the 1 row written since line 6 was rolled back; the 4 phones committed before stay" err &&
	$UCSH -c "Get-CsPhone 0004f20005* | Select-Object -ExpandProperty MacAddress" >actual &&
	printf "00-04-F2-00-05-01\n00-04-F2-00-05-02\n00-04-F2-00-05-03\n00-04-F2-00-05-04\n" >expected &&
	test_cmp expected actual
'

test_expect_success 'running it again with -Update completes the stopped import' '
	sed "/^bad,/d" stop.csv >stop2.csv &&
	summary stop2.csv -Update >actual &&
	echo "2 4 0 6" >expected && test_cmp expected actual
'

test_expect_success '-WhatIf checks every row, says what it would do, writes nothing' '
	printf "MacAddress,Model\n0004f2000601,CX600\n0004f2000001,CX600\nxx,CX600\n" >what.csv &&
	test_expect_code 1 $UCSH -c "Import-CsPhone what.csv -WhatIf" >out 2>err &&
	test_grep "What if: Performing the operation \"Import 1 new phones and update 0 (2 rows with errors)\" on target \"what.csv\"" out &&
	test_grep "what.csv line 3: phone 00-04-F2-00-00-01 is already in the store" err &&
	test_grep "what.csv line 4: .xx. is not a MAC address" err &&
	$UCSH -c "Import-CsPhone what.csv -WhatIf -Update -ErrorAction SilentlyContinue" >out &&
	test_grep "\"Import 1 new phones and update 1 (1 rows with errors)\"" out &&
	test_expect_code 1 $UCSH -c "Get-CsPhone 0004f2000601" 2>err &&
	test_grep "no phone" err
'

test_expect_success 'a malformed file stops at the bad line; the rows before it are kept' '
	printf "MacAddress,Model\n0004f2000701,CX600\n\"0004f2000702,CX600\n0004f2000703,CX600\n" >broken.csv &&
	test_expect_code 1 $UCSH -c "Import-CsPhone broken.csv" >out 2>err &&
	test_grep "broken.csv: line 3: unterminated quoted field" err &&
	$UCSH -c "Get-CsPhone 0004f20007* | Select-Object -ExpandProperty MacAddress" >actual &&
	echo 00-04-F2-00-07-01 >expected && test_cmp expected actual
'

test_expect_success 'quoted fields, CRLF line ends, a #TYPE line and another delimiter' '
	printf "#TYPE Phone\r\n\"MacAddress\";\"Model\";\"Status\"\r\n\"0004f2000801\";\"CX600\";\"In stock; shelf 2\"\r\n" >semi.csv &&
	summary semi.csv -Delimiter "'"'"';'"'"'" >actual &&
	echo "1 0 0 1" >expected && test_cmp expected actual &&
	$UCSH -c "(Get-CsPhone 0004f2000801).Status" >actual &&
	echo "In stock; shelf 2" >expected && test_cmp expected actual
'

test_expect_success 'bad parameters and files: batch size, delimiter, missing file, directory' '
	test_expect_code 1 $UCSH -c "Import-CsPhone good.csv -BatchSize 0" 2>err &&
	test_grep "BatchSize must be between 1 and 1000000, not 0" err &&
	test_expect_code 1 $UCSH -c "Import-CsPhone good.csv -Delimiter ab" 2>err &&
	test_grep "Delimiter must be one ASCII character" err &&
	test_expect_code 1 $UCSH -c "Import-CsPhone nosuch.csv" 2>err &&
	test_grep "cannot open nosuch.csv: No such file or directory" err &&
	mkdir dir.csv &&
	test_expect_code 1 $UCSH -c "Import-CsPhone dir.csv" 2>err &&
	test_grep "dir.csv is a directory" err
'

test_expect_success 'several files from the pipeline: one summary each' '
	printf "MacAddress,Model\n0004f2000901,CX600\n" >p1.csv &&
	printf "MacAddress,Model\n0004f2000902,CX600\n0004f2000903,CX600\n" >p2.csv &&
	$UCSH -c "\"p1.csv\", \"p2.csv\" | Import-CsPhone | ForEach-Object { \$_.Path + \" \" + \$_.Imported }" >actual &&
	printf "p1.csv 1\np2.csv 2\n" >expected && test_cmp expected actual
'

test_expect_success 'Get-CsPhone | Export-Csv, then Import-CsPhone into an empty store, round-trips every property' '
	$UCSH -c "New-CsCommonAreaPhone -LineURI \"tel:+14255550150;ext=150\" -RegistrarPool pool01.contoso.com -SipAddress sip:lobby@contoso.com | Out-Null" &&
	$UCSH -c "New-CsPhone 00-04-F2-00-0A-01 -Model CX3000 -SerialNumber \"SN, with comma\" -Revision B -Locale ENU -Site Berlin -Owner sip:lobby@contoso.com -FirmwareVersion 4.0.7577.4487 -IPAddress 192.0.2.7 -UserAgent \"Polycom/CX3000 \"\"quoted\"\"\" -LastSeen 2026-11-26T10:38:02Z -LastRegistered \"2026-11-25 08:00:00-05:00\" -Status Registered | Out-Null" &&
	$UCSH -o json -c "Get-CsPhone" >before.json &&
	$UCSH -c "Get-CsPhone | Export-Csv export.csv" &&
	(
		UCSH_STORE=sqlite://$TEST_DIR/store2/ucsh.db &&
		export UCSH_STORE &&
		$UCSH -c "New-CsSite Redmond | Out-Null; New-CsSite Berlin | Out-Null; New-CsUser -SipAddress sip:ken@contoso.com -LineURI \"tel:+14255550100;ext=100\" | Out-Null; New-CsCommonAreaPhone -LineURI \"tel:+14255550150;ext=150\" -RegistrarPool pool01.contoso.com -SipAddress sip:lobby@contoso.com | Out-Null" &&
		$UCSH -c "(Import-CsPhone export.csv).Failed" >failed 2>warnings &&
		echo 0 >zero && test_cmp zero failed &&
		$UCSH -o json -c "Get-CsPhone" >after.json &&
		$UCSH -c "Get-CsPhone | Export-Csv export2.csv"
	) &&
	test_cmp before.json after.json &&
	test_cmp export.csv export2.csv &&
	test_grep "\"LastRegistered\": \"2026-11-25T13:00:00Z\"" after.json &&
	test_grep "\"UserAgent\": \"Polycom/CX3000 \\\\\"quoted\\\\\"\"" after.json &&
	test_grep "\"SerialNumber\": null" after.json
'

# A file big enough to take a while under any build, with a MAC per row.
make_big() {
	awk -v n="$1" "BEGIN { print \"MacAddress,Model\"; for (i = 1; i <= n; i++) printf \"02%010X,CX600\\n\", i }" >big.csv
}

test_expect_success 'the progress line goes to a terminal only' '
	make_big 5000 &&
	$UCSH -c "Import-CsPhone big.csv -BatchSize 1000 | Out-Null" 2>err &&
	test_must_fail test -s err &&
	if ! command -v script >/dev/null; then echo "no script(1): tty half skipped"; exit 0; fi &&
	$UCSH -c "Get-CsPhone 02* | Remove-CsPhone -Force" &&
	script -qec "$UCSH -c \"Import-CsPhone big.csv -BatchSize 1000 | Out-Null\"" /dev/null >tty.out &&
	test_grep "Import-CsPhone big.csv: .*% .* rows  0 failed" tty.out &&
	test $(tr "\r" "\n" <tty.out | grep -c "rows/s") -ge 1
'

test_expect_success 'SIGKILL in the middle of an import leaves the store intact with whole batches' '
	$UCSH -c "Get-CsPhone 02* | Remove-CsPhone -Force" &&
	before=$(phone_count) &&
	make_big 300000 &&
	{ $UCSH -c "Import-CsPhone big.csv -BatchSize 1000" >/dev/null 2>&1 & } &&
	pid=$! &&
	tries=0 &&
	until $UCSH -c "Get-CsPhone 02* -ResultSize 1" 2>/dev/null | grep -q 00-00-00-00; do
		tries=$((tries + 1)) &&
		if [ $tries -gt 600 ]; then kill -9 $pid; echo "no batch committed in 60 s"; exit 1; fi &&
		sleep 0.1 || exit 1
	done &&
	kill -9 $pid &&
	{ wait $pid; true; } &&
	if ! test_on_sqlite; then
		store_sql "SELECT count(*) FROM phone WHERE substr(\"MacAddress\", 1, 3) = '"'"'02-'"'"'" >n
	elif command -v sqlite3 >/dev/null; then
		sqlite3 "$TEST_DIR/store/ucsh.db" "PRAGMA integrity_check" >check &&
		echo ok >ok && test_cmp ok check &&
		sqlite3 "$TEST_DIR/store/ucsh.db" "SELECT count(*) FROM phone WHERE MacAddress LIKE '"'"'02-%'"'"'" >n
	else
		$UCSH -c "Get-CsPhone 02* | Measure-Object | Select-Object -ExpandProperty Count" >n
	fi &&
	n=$(cat n) &&
	echo "committed before the kill: $n" &&
	test "$n" -gt 0 && test "$n" -lt 300000 &&
	test $((n % 1000)) = 0 &&
	after=$(phone_count) &&
	test "$after" = $((before + n)) &&
	printf "MacAddress,Model\n0004f2000b01,CX600\n" >after.csv &&
	summary after.csv >actual &&
	echo "1 0 0 1" >expected && test_cmp expected actual
'

test_expect_success 'Ctrl-C (SIGINT) cancels an import: the current batch is rolled back' '
	$UCSH -c "Get-CsPhone 02* | Remove-CsPhone -Force" &&
	{ $UCSH -c "Import-CsPhone big.csv -BatchSize 1000; Write-Output after" >out 2>err & } &&
	pid=$! &&
	tries=0 &&
	until $UCSH -c "Get-CsPhone 02* -ResultSize 1" 2>/dev/null | grep -q 00-00-00-00; do
		tries=$((tries + 1)) &&
		if [ $tries -gt 600 ]; then kill -9 $pid; echo "no batch committed in 60 s"; exit 1; fi &&
		sleep 0.1 || exit 1
	done &&
	kill -INT $pid &&
	{ wait $pid; rc=$?; } &&
	test "$rc" = 130 &&
	test_must_fail test -s out &&
	test_grep "WARNING: big.csv: import cancelled at line [0-9]*[:;] .*the [0-9]*000 phones committed before stay" err &&
	kept=$(sed -n "s/.*the \([0-9]*\) phones committed before stay.*/\1/p" err) &&
	$UCSH -c "Get-CsPhone 02* | Measure-Object | Select-Object -ExpandProperty Count" >actual &&
	echo "$kept" >expected && test_cmp expected actual
'

test_expect_success 'Get-Help Import-CsPhone says what a stop keeps' '
	$UCSH -c "Get-Help Import-CsPhone -Full" >help &&
	test_grep "rolls back only the batch it was in" help &&
	test_grep -F "Import-CsPhone -Path phones.csv" help
'

test_done
