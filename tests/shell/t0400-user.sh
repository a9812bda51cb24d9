#!/bin/sh
# Users: New-, Get-, Set-, Remove-, Enable- and Disable-CsUser, and the
# identity spellings they share with PINs and common area phones.
. "$(dirname "$0")/test-lib.sh"

# The default pool is pool01.contoso.com, serving the SIP domain contoso.com.
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN
SQ="'"

# users: the SIP addresses in the store, one per line, into actual.
users() {
	$UCSH -c "Get-CsUser | Select-Object -ExpandProperty SipAddress" >actual
}

test_expect_success 'New-CsUser stores the user with Identity = SipAddress, the default pool, enabled' '
	$UCSH -c "New-CsUser -SipAddress sip:ken@contoso.com -LineURI ${SQ}tel:+14255550100;ext=100${SQ} -DisplayName ${SQ}Ken Myer${SQ} | ConvertTo-Json -Compress" >actual &&
	echo "{\"SipAddress\":\"sip:ken@contoso.com\",\"Identity\":\"sip:ken@contoso.com\",\"DisplayName\":\"Ken Myer\",\"LineURI\":\"tel:+14255550100;ext=100\",\"RegistrarPool\":\"pool01.contoso.com\",\"Enabled\":true,\"PinPolicy\":null}" >expected &&
	test_cmp expected actual
'

test_expect_success 'a SIP address without sip: gets it, and its domain is stored in lower case' '
	$UCSH -c "New-CsUser -SipAddress Pat@Contoso.COM -LineURI TEL:+14255550101" >/dev/null &&
	$UCSH -c "Get-CsUser sip:pat@contoso.com | ForEach-Object { \$_.SipAddress; \$_.LineURI }" >actual &&
	printf "%s\n" sip:Pat@contoso.com tel:+14255550101 >expected &&
	test_cmp expected actual
'

test_expect_success 'a SIP domain that no pool serves is refused, naming the domains that are' '
	test_must_fail $UCSH -c "New-CsUser -SipAddress sip:bob@fabrikam.com" 2>err &&
	test_grep "the SIP domain .fabrikam.com. of sip:bob@fabrikam.com is not served by any pool; the SIP domains are: contoso.com" err &&
	users &&
	printf "%s\n" sip:ken@contoso.com sip:Pat@contoso.com >expected &&
	test_cmp expected actual
'

test_expect_success 'a malformed SIP address is refused with the value named' '
	test_must_fail $UCSH -c "New-CsUser -SipAddress bob" 2>err &&
	test_grep "New-CsUser : .bob. is not a SIP address: expected sip:user@domain" err &&
	test_must_fail $UCSH -c "New-CsUser -SipAddress ${SQ}sip:b o@contoso.com${SQ}" 2>err &&
	test_grep "the SIP address .sip:b o@contoso.com. has . . in its user part" err &&
	test_must_fail $UCSH -c "New-CsUser -SipAddress sip:bob@contoso" 2>err &&
	test_grep "the SIP address .sip:bob@contoso. has no valid domain after the @" err &&
	test_must_fail $UCSH -c "New-CsUser -SipAddress sip:bob@-x.com" 2>err &&
	test_grep "no valid domain" err
'

test_expect_success 'malformed line URIs are refused, each with the reason' '
	test_must_fail $UCSH -c "New-CsUser sip:bob@contoso.com -LineURI tel:14255550102" 2>err &&
	test_grep ".tel:14255550102. is not a line URI: expected tel:+ and the number in E.164 form" err &&
	test_must_fail $UCSH -c "New-CsUser sip:bob@contoso.com -LineURI tel:+04255550102" 2>err &&
	test_grep "needs an E.164 number after tel:+: 1 to 15 digits, the first not 0" err &&
	test_must_fail $UCSH -c "New-CsUser sip:bob@contoso.com -LineURI tel:+1425555010212345" 2>err &&
	test_grep "1 to 15 digits" err &&
	test_must_fail $UCSH -c "New-CsUser sip:bob@contoso.com -LineURI ${SQ}tel:+14255550102;ext=1a${SQ}" 2>err &&
	test_grep "the extension in the line URI .tel:+14255550102;ext=1a. must be 1 to 15 digits" err &&
	test_must_fail $UCSH -c "New-CsUser sip:bob@contoso.com -LineURI ${SQ}tel:+14255550102;phone-context=x${SQ}" 2>err &&
	test_grep "has .;phone-context=x. after the number; only ;ext=DIGITS may follow" err &&
	users &&
	printf "%s\n" sip:ken@contoso.com sip:Pat@contoso.com >expected &&
	test_cmp expected actual
'

test_expect_success 'a taken SIP address or line URI is refused, naming who has it' '
	test_must_fail $UCSH -c "New-CsUser -SipAddress sip:KEN@contoso.com" 2>err &&
	test_grep "sip:ken@contoso.com is already the SIP address of a user (Ken Myer)" err &&
	test_must_fail $UCSH -c "New-CsUser sip:bob@contoso.com -LineURI ${SQ}tel:+14255550100;ext=100${SQ}" 2>err &&
	test_grep "the line URI tel:+14255550100;ext=100 is already assigned to the user sip:ken@contoso.com (Ken Myer)" err
'

test_expect_success 'the same number with another extension is a different line URI' '
	$UCSH -c "New-CsUser sip:bob@contoso.com -LineURI ${SQ}tel:+14255550100;ext=102${SQ} -DisplayName ${SQ}Bob Kelly${SQ}" >/dev/null &&
	$UCSH -c "(Get-CsUser 102).SipAddress" >actual &&
	echo sip:bob@contoso.com >expected &&
	test_cmp expected actual
'

test_expect_success 'an unknown -RegistrarPool is refused' '
	test_must_fail $UCSH -c "New-CsUser sip:amy@contoso.com -RegistrarPool pool09.contoso.com" 2>err &&
	test_grep "no registrar pool .pool09.contoso.com. exists" err
'

test_expect_success 'New-CsUser -WhatIf says what it would do and creates nothing' '
	$UCSH -c "New-CsUser sip:amy@contoso.com -WhatIf" >out &&
	test_grep "What if: Performing the operation \"New user\" on target \"sip:amy@contoso.com\"" out &&
	users &&
	printf "%s\n" sip:ken@contoso.com sip:Pat@contoso.com sip:bob@contoso.com >expected &&
	test_cmp expected actual
'

test_expect_success 'Import-Csv | New-CsUser binds SipAddress, LineURI and DisplayName by name; a bad row is reported and skipped' '
	cat >users.csv <<-\EOF &&
	SipAddress,LineURI,DisplayName,Department
	sip:amy@contoso.com,tel:+14255550110;ext=110,Amy Rusko,Sales
	sip:bad@nowhere.example,tel:+14255550111;ext=111,Bad Row,Sales
	carl@contoso.com,,Carl Lee,Support
	EOF
	test_must_fail $UCSH -c "Import-Csv users.csv | New-CsUser | ForEach-Object { \$_.SipAddress + \"|\" + \$_.LineURI + \"|\" + \$_.DisplayName }" >actual 2>err &&
	printf "%s\n" "sip:amy@contoso.com|tel:+14255550110;ext=110|Amy Rusko" "sip:carl@contoso.com||Carl Lee" >expected &&
	test_cmp expected actual &&
	test_grep "nowhere.example" err &&
	test "$(grep -c "New-CsUser :" err)" = 1
'

test_expect_success 'Get-CsUser finds a user by every spelling of its identity' '
	for id in sip:ken@contoso.com ken@contoso.com KEN@CONTOSO.COM "tel:+14255550100;ext=100" 100 \
		"Ken Myer" "ken myer"
	do
		$UCSH -c "(Get-CsUser -Identity ${SQ}$id${SQ}).SipAddress" >actual &&
		echo sip:ken@contoso.com >expected &&
		test_cmp expected actual || return 1
	done &&
	$UCSH -c "(Get-CsUser +14255550110).SipAddress; (Get-CsUser tel:+14255550110).SipAddress; (Get-CsUser 14255550110).SipAddress" >actual &&
	printf "%s\n" sip:amy@contoso.com sip:amy@contoso.com sip:amy@contoso.com >expected &&
	test_cmp expected actual
'

test_expect_success 'an identity that matches several users is an error listing them' '
	test_must_fail $UCSH -c "Get-CsUser +14255550100" 2>err &&
	test_grep "Get-CsUser : .+14255550100. is ambiguous: it matches sip:bob@contoso.com (Bob Kelly), sip:ken@contoso.com (Ken Myer)" err &&
	test_grep "hint: name one by its SIP address" err
'

test_expect_success 'an identity that matches nobody is an error saying how to name one' '
	test_must_fail $UCSH -c "Get-CsUser 999" 2>err &&
	test_grep "Get-CsUser : no user matches .999." err &&
	test_grep "hint: name it by SIP address" err &&
	test_must_fail $UCSH -c "Get-CsUser -Identity sip:nobody" 2>err &&
	test_grep ".sip:nobody. is not a SIP address" err
'

test_expect_success 'wildcards match SIP addresses (sip: may be left out), display names and line URIs' '
	$UCSH -c "Get-CsUser *Kel* | Select-Object -ExpandProperty SipAddress" >actual &&
	echo sip:bob@contoso.com >expected &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsUser a* | Select-Object -ExpandProperty SipAddress" >actual &&
	echo sip:amy@contoso.com >expected &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsUser ${SQ}tel:+1425555010*${SQ} | Select-Object -ExpandProperty SipAddress" >actual &&
	printf "%s\n" sip:ken@contoso.com sip:Pat@contoso.com sip:bob@contoso.com >expected &&
	test_cmp expected actual
'

test_expect_success '-Filter runs over users, and -ResultSize counts what it lets through' '
	$UCSH -c "Get-CsUser -Filter { \$_.DisplayName -like ${SQ}*e*${SQ} } | Select-Object -ExpandProperty SipAddress" >actual &&
	printf "%s\n" sip:ken@contoso.com sip:bob@contoso.com sip:carl@contoso.com >expected &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsUser -ResultSize 2 | Select-Object -ExpandProperty SipAddress" >actual &&
	printf "%s\n" sip:ken@contoso.com sip:Pat@contoso.com >expected &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsUser -ResultSize 1 -Filter { \$_.DisplayName.Length -gt 8 } | Select-Object -ExpandProperty SipAddress" >actual &&
	echo sip:bob@contoso.com >expected &&
	test_cmp expected actual &&
	test_must_fail $UCSH -c "Get-CsUser -ResultSize 0" 2>err &&
	test_grep "ResultSize must be at least 1" err
'

test_expect_success 'Set-CsUser changes the named properties and keeps the others' '
	$UCSH -c "Set-CsUser 100 -DisplayName ${SQ}Ken M. Myer${SQ} -LineURI ${SQ}tel:+14255550120;ext=120${SQ} -PassThru | ConvertTo-Json -Compress" >actual &&
	echo "{\"SipAddress\":\"sip:ken@contoso.com\",\"Identity\":\"sip:ken@contoso.com\",\"DisplayName\":\"Ken M. Myer\",\"LineURI\":\"tel:+14255550120;ext=120\",\"RegistrarPool\":\"pool01.contoso.com\",\"Enabled\":true,\"PinPolicy\":null}" >expected &&
	test_cmp expected actual &&
	$UCSH -c "Set-CsUser sip:ken@contoso.com -LineURI \$null; (Get-CsUser ken@contoso.com).LineURI -eq \$null" >actual &&
	echo True >expected &&
	test_cmp expected actual
'

test_expect_success 'Set-CsUser refuses a bad or taken value and changes nothing' '
	test_must_fail $UCSH -c "Set-CsUser sip:ken@contoso.com -LineURI ${SQ}tel:+14255550110;ext=110${SQ}" 2>err &&
	test_grep "already assigned to the user sip:amy@contoso.com (Amy Rusko)" err &&
	test_must_fail $UCSH -c "Set-CsUser sip:ken@contoso.com -SipAddress sip:ken@fabrikam.com" 2>err &&
	test_grep "not served by any pool" err &&
	test_must_fail $UCSH -c "Set-CsUser sip:ken@contoso.com -RegistrarPool \$null" 2>err &&
	test_grep "RegistrarPool cannot be cleared" err &&
	test_must_fail $UCSH -c "Set-CsUser sip:ken@contoso.com" 2>err &&
	test_grep "Set-CsUser was given nothing to change" err &&
	$UCSH -c "Get-CsUser sip:ken@contoso.com | ForEach-Object { \$_.SipAddress + \"|\" + \$_.LineURI + \"|\" + \$_.DisplayName }" >actual &&
	echo "sip:ken@contoso.com||Ken M. Myer" >expected &&
	test_cmp expected actual
'

test_expect_success 'Set-CsUser -WhatIf changes nothing' '
	$UCSH -c "Set-CsUser sip:ken@contoso.com -DisplayName Other -WhatIf" >out &&
	test_grep "What if: Performing the operation \"Set user\" on target \"sip:ken@contoso.com\"" out &&
	$UCSH -c "(Get-CsUser sip:ken@contoso.com).DisplayName" >actual &&
	echo "Ken M. Myer" >expected &&
	test_cmp expected actual
'

test_expect_success 'Get-CsUser | Set-CsUser binds Identity from each user' '
	$UCSH -c "Get-CsUser -Filter { \$_.SipAddress -like ${SQ}sip:a*${SQ} -or \$_.SipAddress -like ${SQ}sip:b*${SQ} } | Set-CsUser -DisplayName Renamed" &&
	$UCSH -c "Get-CsUser -Filter { \$_.DisplayName -eq ${SQ}Renamed${SQ} } | Select-Object -ExpandProperty SipAddress" >actual &&
	printf "%s\n" sip:bob@contoso.com sip:amy@contoso.com >expected &&
	test_cmp expected actual
'

test_expect_success 'Set-CsUser -SipAddress renames the user; Identity follows' '
	$UCSH -c "Set-CsUser sip:carl@contoso.com -SipAddress sip:carl.lee@contoso.com; Get-CsUser carl.lee@contoso.com | ForEach-Object { \$_.SipAddress + \"|\" + \$_.Identity }" >actual &&
	echo "sip:carl.lee@contoso.com|sip:carl.lee@contoso.com" >expected &&
	test_cmp expected actual &&
	test_must_fail $UCSH -c "Get-CsUser sip:carl@contoso.com" 2>err &&
	test_grep "no user matches" err
'

test_expect_success 'Disable-CsUser and Enable-CsUser switch Enabled, keeping the rest' '
	$UCSH -c "Disable-CsUser 110; (Get-CsUser 110).Enabled; Enable-CsUser sip:amy@contoso.com -PassThru | Select-Object -ExpandProperty Enabled; (Get-CsUser 110).LineURI" >actual &&
	printf "%s\n" False True "tel:+14255550110;ext=110" >expected &&
	test_cmp expected actual &&
	$UCSH -c "Disable-CsUser 110 -WhatIf; (Get-CsUser 110).Enabled" >actual &&
	test_grep "^True$" actual
'

test_expect_success 'New-CsUser -Enabled $false creates a disabled user' '
	$UCSH -c "(New-CsUser sip:dan@contoso.com -Enabled \$false).Enabled" >actual &&
	echo False >expected &&
	test_cmp expected actual
'

test_expect_success 'Remove-CsUser -WhatIf keeps the user; Remove-CsUser removes it' '
	$UCSH -c "Remove-CsUser sip:dan@contoso.com -WhatIf" >out &&
	test_grep "Remove user" out &&
	$UCSH -c "(Get-CsUser sip:dan@contoso.com).SipAddress" >actual &&
	echo sip:dan@contoso.com >expected &&
	test_cmp expected actual &&
	$UCSH -c "Remove-CsUser sip:dan@contoso.com -Force" &&
	test_must_fail $UCSH -c "Get-CsUser sip:dan@contoso.com" 2>err &&
	test_grep "no user matches" err
'

test_expect_success 'with several pools, the one serving the domain is chosen, else -RegistrarPool is asked for' '
	$UCSH -c "New-CsPool -Identity pool02.fabrikam.com -Site Site:Default -SipDomain fabrikam.com" >/dev/null &&
	$UCSH -c "(New-CsUser sip:eve@fabrikam.com).RegistrarPool; (New-CsUser sip:fay@contoso.com).RegistrarPool" >actual &&
	printf "%s\n" pool02.fabrikam.com pool01.contoso.com >expected &&
	test_cmp expected actual &&
	$UCSH -c "New-CsPool -Identity pool03.fabrikam.com -Site Site:Default -SipDomain fabrikam.com" >/dev/null &&
	test_must_fail $UCSH -c "New-CsUser sip:gus@fabrikam.com" 2>err &&
	test_grep "name the registrar pool of sip:gus@fabrikam.com with -RegistrarPool: 3 pools exist, and those serving fabrikam.com are: pool02.fabrikam.com, pool03.fabrikam.com" err &&
	$UCSH -c "(New-CsUser sip:gus@fabrikam.com -RegistrarPool pool03.fabrikam.com).RegistrarPool" >actual &&
	echo pool03.fabrikam.com >expected &&
	test_cmp expected actual
'

test_expect_success '-Identity completes SIP addresses, with or without sip:; -RegistrarPool completes pools' '
	$UCSH --complete -- "Get-CsUser -Identity sip:e" >actual &&
	echo sip:eve@fabrikam.com >expected &&
	test_cmp expected actual &&
	$UCSH --complete -- "Set-CsUser -Identity fa" >actual &&
	echo sip:fay@contoso.com >expected &&
	test_cmp expected actual &&
	$UCSH --complete -- "New-CsUser -RegistrarPool pool0" >actual &&
	printf "%s\n" pool01.contoso.com pool02.fabrikam.com pool03.fabrikam.com >expected &&
	test_cmp expected actual
'

test_expect_success 'the user cmdlets need the roles CMDLETS.md gives them' '
	$UCSH -c "Get-Command *-CsUser | ForEach-Object { \$_.Name + \" \" + \$_.Role }" >actual &&
	cat >expected <<-\EOF &&
	Disable-CsUser CsUserAdministrator
	Enable-CsUser CsUserAdministrator
	Get-CsUser CsViewOnlyAdministrator
	New-CsUser CsUserAdministrator
	Remove-CsUser CsUserAdministrator
	Set-CsUser CsUserAdministrator
	EOF
	test_cmp expected actual
'

test_done
