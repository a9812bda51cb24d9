#!/bin/sh
# Test devices: New/Get/Set/Remove-CsTestDevice, scoped Global or per site,
# naming a phone by MAC address (canonicalised) or serial number.
. "$(dirname "$0")/test-lib.sh"
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN

ids() {
	$UCSH -c "$1 | ForEach-Object { \$_.Identity + \" \" + \$_.IdentifierType + \" \" + \$_.Identifier }"
}

test_expect_success 'New-CsTestDevice -Identity: a MAC in any spelling is stored canonical' '
	$UCSH -o json -c "New-CsTestDevice -Identity global/Desk1 -IdentifierType macaddress -Identifier 0004.f2ab.cdef" >actual &&
	cat >expected <<-\EOF &&
	{
	  "Identity": "Global/Desk1",
	  "Name": "Desk1",
	  "IdentifierType": "MacAddress",
	  "Identifier": "00-04-F2-AB-CD-EF"
	}
	EOF
	test_cmp expected actual
'

test_expect_success 'New-CsTestDevice -Name with -Parent, a serial number, and a bare name' '
	$UCSH -c "New-CsTestDevice -Name Lobby -Parent site:default -IdentifierType SerialNumber -Identifier \" 64167F0A \" | Out-Null; New-CsTestDevice Desk2 -IdentifierType MACAddress -Identifier 00:04:f2:ab:cd:02 | Out-Null" &&
	ids Get-CsTestDevice >actual &&
	cat >expected <<-\EOF &&
	Global/Desk1 MacAddress 00-04-F2-AB-CD-EF
	Site:Default/Lobby SerialNumber 64167F0A
	Global/Desk2 MacAddress 00-04-F2-AB-CD-02
	EOF
	test_cmp expected actual
'

test_expect_success 'Get-CsTestDevice by identity, by scope pattern, by name pattern' '
	{ ids "Get-CsTestDevice site:Default/LOBBY" && ids "Get-CsTestDevice Global/*" &&
	  ids "Get-CsTestDevice *o*"; } >actual &&
	cat >expected <<-\EOF &&
	Site:Default/Lobby SerialNumber 64167F0A
	Global/Desk1 MacAddress 00-04-F2-AB-CD-EF
	Global/Desk2 MacAddress 00-04-F2-AB-CD-02
	Site:Default/Lobby SerialNumber 64167F0A
	EOF
	test_cmp expected actual &&
	$UCSH -c "Get-CsTestDevice -Filter { \$_.IdentifierType -eq \"SerialNumber\" } | Select-Object -ExpandProperty Name" >actual &&
	echo Lobby >expected && test_cmp expected actual
'

test_expect_success 'validation: a bad MAC, an empty serial, a missing site, a bad name, a duplicate' '
	test_expect_code 1 $UCSH -c "New-CsTestDevice Desk3 -IdentifierType MacAddress -Identifier 0004f2abcdeg" 2>err &&
	test_grep "Identifier: .0004f2abcdeg. is not a MAC address: .g. is not a hex digit" err &&
	test_expect_code 1 $UCSH -c "New-CsTestDevice Desk3 -IdentifierType SerialNumber -Identifier \"  \"" 2>err &&
	test_grep "is not a serial number" err &&
	test_expect_code 1 $UCSH -c "New-CsTestDevice site:Atlantis/Desk3 -IdentifierType SerialNumber -Identifier X1" 2>err &&
	test_grep "no site .Site:Atlantis. was found" err &&
	test_expect_code 1 $UCSH -c "New-CsTestDevice -Name \"De*sk\" -IdentifierType SerialNumber -Identifier X1" 2>err &&
	test_grep "cannot be a test device.s name" err &&
	test_expect_code 1 $UCSH -c "New-CsTestDevice Global/desk1 -IdentifierType SerialNumber -Identifier X1" 2>err &&
	test_grep "TestDevice .Global/desk1. already exists" err &&
	test_expect_code 1 $UCSH -c "New-CsTestDevice Desk3 -IdentifierType Phone -Identifier X1" 2>err &&
	test_grep "is not a valid value for -IdentifierType" err &&
	test_expect_code 1 $UCSH -c "New-CsTestDevice -IdentifierType SerialNumber -Identifier X1" 2>err &&
	test_grep "needs -Identity or -Name" err &&
	test_expect_code 1 $UCSH -c "New-CsTestDevice -Identity Global/A -Name B -IdentifierType SerialNumber -Identifier X1" 2>err &&
	test_grep "Name .B. is not the name in -Identity .Global/A." err &&
	$UCSH -c "Get-CsTestDevice | Measure-Object | Select-Object -ExpandProperty Count" >actual &&
	echo 3 >expected && test_cmp expected actual
'

test_expect_success 'Set-CsTestDevice: a new identifier is checked against the type' '
	ids "Set-CsTestDevice Global/Desk2 -Identifier 00:04:F2:AB:CD:03 -PassThru" >actual &&
	echo "Global/Desk2 MacAddress 00-04-F2-AB-CD-03" >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Set-CsTestDevice site:Default/Lobby -IdentifierType MacAddress" 2>err &&
	test_grep "Identifier: .64167F0A. is not a MAC address" err &&
	ids "Get-CsTestDevice site:Default/Lobby" >actual &&
	echo "Site:Default/Lobby SerialNumber 64167F0A" >expected && test_cmp expected actual
'

test_expect_success 'Set-CsTestDevice -Name renames within the scope' '
	$UCSH -c "Set-CsTestDevice Global/Desk2 -Name Desk7; Get-CsTestDevice Global/Desk7 | Select-Object Identity, Name | ConvertTo-Json -Compress" >actual &&
	echo "{\"Identity\":\"Global/Desk7\",\"Name\":\"Desk7\"}" >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Get-CsTestDevice Global/Desk2" 2>err &&
	test_grep "no test device .Global/Desk2. was found" err
'

test_expect_success 'Set-CsTestDevice errors: nothing to change, unknown device' '
	test_expect_code 1 $UCSH -c "Set-CsTestDevice Global/Desk7" 2>err &&
	test_grep "nothing to change" err &&
	test_expect_code 1 $UCSH -c "Set-CsTestDevice Global/Nope -Name X" 2>err &&
	test_grep "no test device .Global/Nope. was found" err
'

test_expect_success '-WhatIf changes nothing' '
	$UCSH -c "New-CsTestDevice Desk8 -IdentifierType SerialNumber -Identifier X8 -WhatIf; Set-CsTestDevice Desk7 -Identifier 0004f2000009 -WhatIf; Remove-CsTestDevice Desk1 -WhatIf" >out &&
	test_grep "What if: Performing the operation \"New test device\" on target \"Global/Desk8\"" out &&
	test_grep "What if: Performing the operation \"Set test device\" on target \"Global/Desk7\"" out &&
	test_grep "What if: Performing the operation \"Remove test device\" on target \"Global/Desk1\"" out &&
	ids Get-CsTestDevice >actual &&
	cat >expected <<-\EOF &&
	Global/Desk1 MacAddress 00-04-F2-AB-CD-EF
	Site:Default/Lobby SerialNumber 64167F0A
	Global/Desk7 MacAddress 00-04-F2-AB-CD-03
	EOF
	test_cmp expected actual
'

test_expect_success 'pipeline binding: Import-Csv | New-CsTestDevice, Get | Set, Get | Remove' '
	printf "Identity,IdentifierType,Identifier\nsite:Default/T1,MacAddress,0004f2000101\nT2,SerialNumber,SN2\n" >dev.csv &&
	ids "Import-Csv dev.csv | New-CsTestDevice" >actual &&
	printf "Site:Default/T1 MacAddress 00-04-F2-00-01-01\nGlobal/T2 SerialNumber SN2\n" >expected &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsTestDevice site:Default/* | Set-CsTestDevice -IdentifierType SerialNumber -Identifier SN9" &&
	ids "Get-CsTestDevice site:Default/*" >actual &&
	printf "Site:Default/Lobby SerialNumber SN9\nSite:Default/T1 SerialNumber SN9\n" >expected &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsTestDevice site:Default/* | Remove-CsTestDevice -Force; Get-CsTestDevice | Select-Object -ExpandProperty Identity" >actual &&
	printf "Global/Desk1\nGlobal/Desk7\nGlobal/T2\n" >expected && test_cmp expected actual
'

test_expect_success 'Remove-CsTestDevice: confirmation without a terminal, unknown device' '
	test_expect_code 1 $UCSH -c "Remove-CsTestDevice Desk1 -Confirm" 2>err &&
	test_grep "cannot ask to confirm" err &&
	$UCSH -c "Remove-CsTestDevice Desk1 -Force" &&
	test_expect_code 1 $UCSH -c "Remove-CsTestDevice Desk1 -Force" 2>err &&
	test_grep "no test device .Global/Desk1. was found" err
'

test_expect_success 'live completion of test device identities' '
	$UCSH --complete -- "Get-CsTestDevice Global/D" >actual &&
	echo Global/Desk7 >expected && test_cmp expected actual
'

test_done
