#!/bin/sh
# The phone inventory: New/Get/Set/Remove-CsPhone and the model catalogue.
# MAC addresses in every spelling, the checks every phone passes, the
# filters of Get-CsPhone (which run in the store), pipeline binding and
# -WhatIf.
. "$(dirname "$0")/test-lib.sh"
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN

count_phones() {
	$UCSH -c "Get-CsPhone | Measure-Object | Select-Object -ExpandProperty Count"
}

test_expect_success 'Get-CsPhoneModel lists the eight models of the catalogue' '
	$UCSH -o csv -c "Get-CsPhoneModel | Select-Object Brand, Model, DeviceType, RunsLyncPhoneEdition" >actual &&
	cat >expected <<-\EOF &&
	"Brand","Model","DeviceType","RunsLyncPhoneEdition"
	"Aastra","6721ip","CommonArea","True"
	"Aastra","6725ip","Desk","True"
	"HP","4110","CommonArea","True"
	"HP","4120","Desk","True"
	"Polycom","CX500","CommonArea","True"
	"Polycom","CX600","Desk","True"
	"Polycom","CX700","Desk","False"
	"Polycom","CX3000","Conference","True"
	EOF
	test_cmp expected actual
'

test_expect_success 'Get-CsPhoneModel filters by brand and by model, with wildcards' '
	$UCSH -c "Get-CsPhoneModel -Brand hp | Select-Object -ExpandProperty Model; Get-CsPhoneModel -Model cx5* | Select-Object -ExpandProperty Identity; Get-CsPhoneModel Aastra/* | Measure-Object | Select-Object -ExpandProperty Count" >actual &&
	printf "4110\n4120\nPolycom/CX500\n2\n" >expected && test_cmp expected actual
'

test_expect_success 'New-CsPhone stores the MAC in canonical form and fills the brand' '
	$UCSH -o json -c "New-CsPhone 0004f2abcdef -Model cx600 -Site default -SerialNumber 64167F0A -IPAddress 10.1.2.3 -FirmwareVersion 4.0.7577.4100 | Select-Object MacAddress, Brand, Model, Site, IPAddress, FirmwareVersion, SerialNumber, Owner" >actual &&
	cat >expected <<-\EOF &&
	{
	  "MacAddress": "00-04-F2-AB-CD-EF",
	  "Brand": "Polycom",
	  "Model": "CX600",
	  "Site": "Site:Default",
	  "IPAddress": "10.1.2.3",
	  "FirmwareVersion": "4.0.7577.4100",
	  "SerialNumber": "64167F0A",
	  "Owner": null
	}
	EOF
	test_cmp expected actual
'

test_expect_success 'every common spelling of the MAC finds the same phone' '
	for mac in 00-04-F2-AB-CD-EF 0004f2abcdef 00:04:f2:ab:cd:ef 0004.f2ab.cdef 0004F2-ABCDEF " 0004f2abcdef "; do
		$UCSH -c "(Get-CsPhone \"$mac\").SerialNumber" || return 1
	done >actual &&
	printf "64167F0A\n%.0s" 1 2 3 4 5 6 >expected && test_cmp expected actual
'

test_expect_success 'each spelling makes the same canonical MAC' '
	$UCSH -c "New-CsPhone 00:04:f2:00:00:01 -Model 4120 | Out-Null; New-CsPhone 0004.f200.0002 -Model 6725IP | Out-Null; New-CsPhone 0:4:f2:0:0:3 -Model CX3000 | Out-Null; Get-CsPhone -Identity 00-04-F2-00-00-0* | ForEach-Object { \$_.MacAddress + \" \" + \$_.Brand + \" \" + \$_.Model }" >actual &&
	cat >expected <<-\EOF &&
	00-04-F2-00-00-01 HP 4120
	00-04-F2-00-00-02 Aastra 6725ip
	00-04-F2-00-00-03 Polycom CX3000
	EOF
	test_cmp expected actual
'

test_expect_success 'a bad MAC address is an error that names it, and adds nothing' '
	test_expect_code 1 $UCSH -c "New-CsPhone 0004f2abcd -Model CX600" 2>err &&
	test_grep "New-CsPhone : .0004f2abcd. is not a MAC address: it has 10 hex digits; a MAC address has 12" err &&
	test_expect_code 1 $UCSH -c "New-CsPhone ff:ff:ff:ff:ff:ff -Model CX600" 2>err &&
	test_grep "multicast or broadcast" err &&
	test_expect_code 1 $UCSH -c "Get-CsPhone 00-04-G2-AB-CD-EF" 2>err &&
	test_grep "is not a MAC address: .G. is not a hex digit" err &&
	echo 4 >expected && count_phones >actual && test_cmp expected actual
'

test_expect_success 'a phone already there, in another spelling, is a duplicate' '
	test_expect_code 1 $UCSH -c "New-CsPhone 00:04:F2:AB:CD:EF -Model CX700" 2>err &&
	test_grep "Phone .00-04-F2-AB-CD-EF. already exists" err &&
	$UCSH -c "(Get-CsPhone 0004f2abcdef).Model" >actual &&
	echo CX600 >expected && test_cmp expected actual
'

test_expect_success 'an unknown model makes a generic device, with a warning' '
	$UCSH -c "(New-CsPhone 0004f2000010 -Model SoundPoint).Brand; (New-CsPhone 0004f2000011 -Model VVX400 -Brand Polycom).Brand" >actual 2>err &&
	printf "Generic\nPolycom\n" >expected && test_cmp expected actual &&
	test_grep "WARNING: model .SoundPoint. is not in the catalogue" err &&
	test_grep "WARNING: model .VVX400. is not in the catalogue.*brand .Polycom." err
'

test_expect_success 'bad values are refused with the property and the value' '
	test_expect_code 1 $UCSH -c "New-CsPhone 0004f2000020 -Model CX600 -IPAddress 10.1.2.300" 2>err &&
	test_grep "IPAddress .10.1.2.300. is not an IPv4 or IPv6 address" err &&
	test_expect_code 1 $UCSH -c "New-CsPhone 0004f2000020 -Model CX600 -FirmwareVersion 4.x" 2>err &&
	test_grep "FirmwareVersion .4.x. is not a firmware version" err &&
	test_expect_code 1 $UCSH -c "New-CsPhone 0004f2000020 -Model CX600 -Site Atlantis" 2>err &&
	test_grep "Site .Site:Atlantis. does not exist" err &&
	test_expect_code 1 $UCSH -c "New-CsPhone 0004f2000020 -Model CX600 -LastSeen yesterday" 2>err &&
	test_grep "LastSeen expects a time like 2026-11-26T10:38:02Z, not .yesterday." err &&
	test_expect_code 1 $UCSH -c "New-CsPhone 0004f2000020 -Model CX600 -Owner sip:nobody@contoso.com" 2>err &&
	test_grep "no user or common area phone matches .sip:nobody@contoso.com." err &&
	test_expect_code 1 $UCSH -c "Get-CsPhone 0004f2000020" 2>err &&
	test_grep "no phone .00-04-F2-00-00-20. was found" err
'

test_expect_success 'IPv6 addresses and times are kept in one form' '
	$UCSH -c "\$p = New-CsPhone 0004f2000021 -Model CX600 -IPAddress 2001:DB8:0::10 -LastSeen 2026-11-26T11:38:02+01:00; \$p.IPAddress; \$p.LastSeen" >actual &&
	printf "2001:db8::10\n2026-11-26T10:38:02Z\n" >expected && test_cmp expected actual
'

test_expect_success 'the owner is a user or common area phone, found by any of its names' '
	$UCSH -c "New-CsUser -SipAddress sip:ken@contoso.com -LineURI \"tel:+14255550100;ext=100\" -DisplayName \"Ken Myer\" | Out-Null" &&
	$UCSH -c "(Set-CsPhone 0004f2abcdef -Owner 100 -PassThru).Owner; (Set-CsPhone 0004f2000001 -Owner \"Ken Myer\" -PassThru).Owner; (Set-CsPhone 0004f2000002 -Owner Ken@Contoso.com -PassThru).Owner" >actual &&
	printf "sip:ken@contoso.com\n%.0s" 1 2 3 >expected && test_cmp expected actual
'

test_expect_success 'Get-CsPhone filters combine, and run in the store' '
	$UCSH -c "New-CsSite Redmond | Out-Null; Set-CsPhone 0004f2000001 -Site redmond -FirmwareVersion 4.0.7577.4455; Set-CsPhone 0004f2000003 -Site Site:Redmond -FirmwareVersion 4.0.7577.4100" &&
	$UCSH -c "Get-CsPhone -Site Redmond | Select-Object -ExpandProperty MacAddress" >actual &&
	printf "00-04-F2-00-00-01\n00-04-F2-00-00-03\n" >expected && test_cmp expected actual &&
	$UCSH -c "Get-CsPhone -Site Redmond -Brand Polycom | Select-Object -ExpandProperty MacAddress" >actual &&
	echo 00-04-F2-00-00-03 >expected && test_cmp expected actual &&
	$UCSH -c "Get-CsPhone -FirmwareVersion 4.0.7577.4100 | Select-Object -ExpandProperty MacAddress" >actual &&
	printf "00-04-F2-AB-CD-EF\n00-04-F2-00-00-03\n" >expected && test_cmp expected actual &&
	$UCSH -c "Get-CsPhone -Owner ken@contoso.com -Model 4* | Select-Object -ExpandProperty Model" >actual &&
	printf "4120\n" >expected && test_cmp expected actual &&
	$UCSH -c "Get-CsPhone -Model cx600 -SerialNumber 6416* | Select-Object -ExpandProperty MacAddress" >actual &&
	echo 00-04-F2-AB-CD-EF >expected && test_cmp expected actual &&
	$UCSH -c "Get-CsPhone -Site Site:Re* -Model 4120 -Brand HP -Owner sip:* -FirmwareVersion 4.0.* | Select-Object -ExpandProperty MacAddress" >actual &&
	echo 00-04-F2-00-00-01 >expected && test_cmp expected actual
'

test_expect_success '-Filter runs in the store and compares firmware as versions' '
	$UCSH -c "Get-CsPhone -Filter { \$_.FirmwareVersion -lt \"4.0.7577.10000\" -and \$_.Site -eq \"Site:Redmond\" } -Verbose | Select-Object -ExpandProperty MacAddress" >actual 2>err &&
	printf "00-04-F2-00-00-01\n00-04-F2-00-00-03\n" >expected && test_cmp expected actual &&
	! grep -q "runs in the shell" err
'

test_expect_success 'a wildcard identity is matched in canonical form' '
	$UCSH -c "Get-CsPhone 0004f2abcd* | Select-Object -ExpandProperty MacAddress; Get-CsPhone 00:04:F2:00:00:1* | Measure-Object | Select-Object -ExpandProperty Count" >actual &&
	printf "00-04-F2-AB-CD-EF\n2\n" >expected && test_cmp expected actual
'

test_expect_success '-ResultSize bounds the output; it must be positive' '
	$UCSH -c "Get-CsPhone -ResultSize 2 | Select-Object -ExpandProperty MacAddress" >actual &&
	printf "00-04-F2-AB-CD-EF\n00-04-F2-00-00-01\n" >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Get-CsPhone -ResultSize 0" 2>err &&
	test_grep "ResultSize must be 1 or more" err
'

test_expect_success 'the filter columns are indexed in the store' '
	if test_on_sqlite; then
		if ! command -v sqlite3 >/dev/null; then echo "no sqlite3: skipped"; exit 0; fi &&
		store_sql "SELECT name FROM sqlite_master WHERE type = '"'"'index'"'"' AND tbl_name = '"'"'phone'"'"' ORDER BY name" >actual
	else
		store_sql "SELECT indexname FROM pg_indexes WHERE tablename = '"'"'phone'"'"' ORDER BY indexname" >actual
	fi &&
	printf "%s\n" idx_phone_Brand idx_phone_FirmwareVersion idx_phone_Model idx_phone_Owner idx_phone_SerialNumber idx_phone_Site idx_phone_key >expected &&
	test_cmp expected actual
'

test_expect_success 'Set-CsPhone changes what is named; a new model brings its brand' '
	$UCSH -o json -c "Set-CsPhone 00-04-F2-00-00-02 -Model CX700 -Status InStock -PassThru | Select-Object Brand, Model, Status, Owner" >actual &&
	cat >expected <<-\EOF &&
	{
	  "Brand": "Polycom",
	  "Model": "CX700",
	  "Status": "InStock",
	  "Owner": "sip:ken@contoso.com"
	}
	EOF
	test_cmp expected actual
'

test_expect_success 'Set-CsPhone with an empty value clears the property' '
	$UCSH -c "Set-CsPhone 0004f2000002 -Status \"\" -Owner \$null; \$p = Get-CsPhone 0004f2000002; \$p.Status -eq \$null; \$p.Owner -eq \$null" >actual &&
	printf "True\nTrue\n" >expected && test_cmp expected actual
'

test_expect_success 'Set-CsPhone errors: nothing to change, unknown phone, bad value' '
	test_expect_code 1 $UCSH -c "Set-CsPhone 0004f2000002" 2>err &&
	test_grep "nothing to change" err &&
	test_expect_code 1 $UCSH -c "Set-CsPhone 0004f2999999 -Status x" 2>err &&
	test_grep "no phone .00-04-F2-99-99-99. was found" err &&
	test_expect_code 1 $UCSH -c "Set-CsPhone 0004f2000002 -IPAddress nowhere" 2>err &&
	test_grep "IPAddress .nowhere. is not an IPv4 or IPv6 address" err &&
	$UCSH -c "(Get-CsPhone 0004f2000002).IPAddress -eq \$null" >actual &&
	echo True >expected && test_cmp expected actual
'

test_expect_success 'pipeline binding: Get-CsPhone | Set-CsPhone, by property name' '
	$UCSH -c "Get-CsPhone -Site Redmond | Set-CsPhone -Status Retired; Get-CsPhone -Filter { \$_.Status -eq \"Retired\" } | Select-Object -ExpandProperty MacAddress" >actual &&
	printf "00-04-F2-00-00-01\n00-04-F2-00-00-03\n" >expected && test_cmp expected actual
'

test_expect_success 'Import-Csv | New-CsPhone binds the columns by name' '
	printf "MacAddress,Model,Site,SerialNumber\n00:04:f2:00:01:01,CX500,Redmond,S1\n00:04:f2:00:01:02,HP 4110,,S2\n" >new.csv &&
	$UCSH -c "Import-Csv new.csv | New-CsPhone | ForEach-Object { \$_.MacAddress + \" \" + \$_.Brand + \" \" + \$_.Site }" >actual 2>err &&
	printf "00-04-F2-00-01-01 Polycom Site:Redmond\n00-04-F2-00-01-02 Generic \n" >expected && test_cmp expected actual &&
	test_grep "model .HP 4110. is not in the catalogue" err
'

test_expect_success '-WhatIf says what it would do and changes nothing' '
	$UCSH -c "New-CsPhone 0004f2000030 -Model CX600 -WhatIf; Set-CsPhone 0004f2abcdef -Site Redmond -WhatIf; Remove-CsPhone 0004f2abcdef -WhatIf" >out &&
	test_grep "What if: Performing the operation \"New phone\" on target \"00-04-F2-00-00-30\"" out &&
	test_grep "What if: Performing the operation \"Set phone\" on target \"00-04-F2-AB-CD-EF\"" out &&
	test_grep "What if: Performing the operation \"Remove phone\" on target \"00-04-F2-AB-CD-EF\"" out &&
	$UCSH -c "(Get-CsPhone 0004f2abcdef).Site; Get-CsPhone -Identity 0004f2000030 -ErrorAction SilentlyContinue | Measure-Object | Select-Object -ExpandProperty Count" >actual &&
	printf "Site:Default\n0\n" >expected && test_cmp expected actual
'

test_expect_success 'Remove-CsPhone asks without a terminal only with -Confirm, and removes' '
	test_expect_code 1 $UCSH -c "Remove-CsPhone 0004f2000010 -Confirm" 2>err &&
	test_grep "cannot ask to confirm" err &&
	$UCSH -c "Remove-CsPhone 00.04.f2.00.00.10 -Force" 2>err;
	test_grep "not a MAC address" err &&
	$UCSH -c "Remove-CsPhone 0004.f200.0010 -Force; Get-CsPhone -Filter { \$_.Status -eq \"Retired\" } | Remove-CsPhone -Force; Get-CsPhone 0004f2* | Measure-Object | Select-Object -ExpandProperty Count" >actual &&
	echo 6 >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Remove-CsPhone 0004f2000010 -Force" 2>err &&
	test_grep "no phone .00-04-F2-00-00-10. was found" err
'

test_expect_success 'live completion offers MACs, in canonical form, for any spelling' '
	$UCSH --complete -- "Get-CsPhone 0004f2abc" >actual &&
	echo 00-04-F2-AB-CD-EF >expected && test_cmp expected actual &&
	$UCSH --complete -- "Set-CsPhone -Identity 00:04:F2:00:01:0" >actual &&
	printf "00-04-F2-00-01-01\n00-04-F2-00-01-02\n" >expected && test_cmp expected actual &&
	$UCSH --complete -- "Get-CsPhone -Model CX5" >actual &&
	echo CX500 >expected && test_cmp expected actual
'

test_expect_success 'Get-Help shows the examples of the phone cmdlets' '
	$UCSH -c "Get-Help Get-CsPhone -Examples; Get-Help New-CsPhone -Examples; Get-Help Set-CsPhone -Examples; Get-Help Remove-CsPhone -Examples; Get-Help Get-CsPhoneModel -Examples" >help &&
	test_grep -F "Get-CsPhone -Model CX600 -Site Redmond | Measure-Object" help &&
	test_grep -F "New-CsPhone -MacAddress 0004f2abcdef -Model CX600 -Site Default" help &&
	test_grep -F "Set-CsPhone 00-04-F2-AB-CD-EF -Site Redmond" help &&
	test_grep -F "Remove-CsPhone 0004f2abcdef -Force" help &&
	test_grep -F "Get-CsPhoneModel -Brand Polycom" help
'

test_done
