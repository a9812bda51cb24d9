#!/bin/sh
# Get-CsDeviceUpdateLog: the logs phones uploaded (rows the web service
# writes, put in here with sqlite3), oldest first, by MAC address in any
# spelling and by time.
. "$(dirname "$0")/test-lib.sh"
have_store_sql || { echo "1..0 # SKIP sqlite3 is not installed"; exit 0; }

$UCSH -c 'Get-CsDeviceUpdateLog' >/dev/null # creates the store
store_sql "INSERT INTO device_update_log
	(\"Identity\", \"MacAddress\", \"FileName\", \"FileType\", \"Size\", \"Received\", \"Path\") VALUES
	('00-04-F2-AB-CD-EF/2', '00-04-F2-AB-CD-EF', 'b.clg', 'CELog', 200, '2026-11-26T11:00:00Z', 'logs/b.clg'),
	('00-04-F2-00-00-01/1', '00-04-F2-00-00-01', 'c.dmp', 'Watson', 300, '2026-11-25T09:00:00Z', 'logs/c.dmp'),
	('00-04-F2-AB-CD-EF/1', '00-04-F2-AB-CD-EF', 'a.clg', 'CELog', 100, '2026-11-26T10:00:00Z', 'logs/a.clg')" || exit 1

names() {
	$UCSH -c "$1 | ForEach-Object { \$_.FileName }"
}

test_expect_success 'every log, oldest first' '
	names Get-CsDeviceUpdateLog >actual &&
	printf "c.dmp\na.clg\nb.clg\n" >expected && test_cmp expected actual
'

test_expect_success '-MacAddress in any spelling' '
	names "Get-CsDeviceUpdateLog -MacAddress 0004.f2ab.cdef" >actual &&
	printf "a.clg\nb.clg\n" >expected && test_cmp expected actual &&
	names "Get-CsDeviceUpdateLog -MacAddress 00:04:f2:00:00:01" >actual &&
	echo c.dmp >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Get-CsDeviceUpdateLog -MacAddress 0004f2zz" 2>err &&
	test_grep "MacAddress: .0004f2zz. is not a MAC address" err
'

test_expect_success '-Since and -Until bound the time received, inclusive' '
	names "Get-CsDeviceUpdateLog -Since 2026-11-26T10:00:00Z" >actual &&
	printf "a.clg\nb.clg\n" >expected && test_cmp expected actual &&
	names "Get-CsDeviceUpdateLog -Since 2026-11-25T00:00:00Z -Until 2026-11-26T10:00:00Z" >actual &&
	printf "c.dmp\na.clg\n" >expected && test_cmp expected actual &&
	names "Get-CsDeviceUpdateLog -MacAddress 0004f2abcdef -Until 2026-11-26T10:30:00+00:00" >actual &&
	echo a.clg >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Get-CsDeviceUpdateLog -Since yesterday" 2>err &&
	test_grep "Since .yesterday. is not a time" err
'

test_expect_success '-Identity with wildcards, and -Filter' '
	names "Get-CsDeviceUpdateLog 00-04-F2-AB-CD-EF/*" >actual &&
	printf "a.clg\nb.clg\n" >expected && test_cmp expected actual &&
	names "Get-CsDeviceUpdateLog -Filter { \$_.FileType -eq \"Watson\" }" >actual &&
	echo c.dmp >expected && test_cmp expected actual
'

test_done
