#!/bin/sh
# Common area phones: New-, Get-, Set- and Remove-CsCommonAreaPhone, the SIP
# addresses made up for them, and what they share with users (identities,
# unique SIP addresses and line URIs, PINs).
. "$(dirname "$0")/test-lib.sh"

UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN
SQ="'"
POOL=pool01.contoso.com

# caps: the common area phones' SIP addresses, one per line, into actual.
caps() {
	$UCSH -c "Get-CsCommonAreaPhone | Select-Object -ExpandProperty SipAddress" >actual
}

test_expect_success 'New-CsCommonAreaPhone makes up sip:cap-<extension>@<the pool domain>' '
	$UCSH -c "New-CsCommonAreaPhone -LineURI ${SQ}tel:+14255550150;ext=150${SQ} -RegistrarPool $POOL -DisplayName ${SQ}Building 14 Lobby${SQ} -Description ${SQ}Next to the lifts${SQ} | ConvertTo-Json -Compress" >actual &&
	echo "{\"SipAddress\":\"sip:cap-150@contoso.com\",\"Identity\":\"sip:cap-150@contoso.com\",\"LineURI\":\"tel:+14255550150;ext=150\",\"DisplayName\":\"Building 14 Lobby\",\"RegistrarPool\":\"pool01.contoso.com\",\"Description\":\"Next to the lifts\"}" >expected &&
	test_cmp expected actual
'

test_expect_success 'a taken cap-<extension> name, or no extension, gives cap-<random>' '
	$UCSH -c "(New-CsCommonAreaPhone -LineURI ${SQ}tel:+14255550151;ext=150${SQ} -RegistrarPool $POOL).SipAddress; (New-CsCommonAreaPhone -LineURI tel:+14255550152 -RegistrarPool $POOL).SipAddress" >actual &&
	test "$(grep -c "^sip:cap-[0-9a-f]\{8\}@contoso.com$" actual)" = 2 &&
	test "$(sort -u actual | wc -l)" = 2
'

test_expect_success 'a given SIP address is used, checked as a user'"'"'s is' '
	$UCSH -c "(New-CsCommonAreaPhone -LineURI ${SQ}tel:+14255550153;ext=153${SQ} -RegistrarPool $POOL -SipAddress kitchen@contoso.com).SipAddress" >actual &&
	echo sip:kitchen@contoso.com >expected &&
	test_cmp expected actual &&
	test_must_fail $UCSH -c "New-CsCommonAreaPhone -LineURI tel:+14255550154 -RegistrarPool $POOL -SipAddress sip:x@fabrikam.com" 2>err &&
	test_grep "the SIP domain .fabrikam.com. of sip:x@fabrikam.com is not served by any pool" err
'

test_expect_success 'LineURI and RegistrarPool are required, and checked' '
	test_must_fail $UCSH -c "New-CsCommonAreaPhone -RegistrarPool $POOL" 2>err &&
	test_grep "missing the mandatory parameter -LineURI" err &&
	test_must_fail $UCSH -c "New-CsCommonAreaPhone -LineURI tel:+14255550154" 2>err &&
	test_grep "missing the mandatory parameter -RegistrarPool" err &&
	test_must_fail $UCSH -c "New-CsCommonAreaPhone -LineURI 4255550154 -RegistrarPool $POOL" 2>err &&
	test_grep ".4255550154. is not a line URI" err &&
	test_must_fail $UCSH -c "New-CsCommonAreaPhone -LineURI tel:+14255550154 -RegistrarPool pool09.contoso.com" 2>err &&
	test_grep "no registrar pool .pool09.contoso.com. exists" err &&
	test_must_fail $UCSH -c "New-CsCommonAreaPhone -LineURI ${SQ}${SQ} -RegistrarPool $POOL" 2>err &&
	test_grep "LineURI is required" err &&
	test_must_fail $UCSH -c "New-CsCommonAreaPhone -LineURI tel:+14255550154 -RegistrarPool ${SQ}${SQ}" 2>err &&
	test_grep "RegistrarPool is required" err &&
	caps &&
	test "$(wc -l <actual)" = 4
'

test_expect_success 'users and common area phones never share a SIP address or a line URI' '
	test_must_fail $UCSH -c "New-CsUser sip:cap-150@contoso.com" 2>err &&
	test_grep "sip:cap-150@contoso.com is already the SIP address of a common area phone (Building 14 Lobby)" err &&
	test_must_fail $UCSH -c "New-CsUser sip:ann@contoso.com -LineURI ${SQ}tel:+14255550150;ext=150${SQ}" 2>err &&
	test_grep "the line URI tel:+14255550150;ext=150 is already assigned to the common area phone sip:cap-150@contoso.com (Building 14 Lobby)" err &&
	$UCSH -c "New-CsUser sip:ann@contoso.com -LineURI ${SQ}tel:+14255550160;ext=160${SQ} -DisplayName ${SQ}Ann Beebe${SQ}" >/dev/null &&
	test_must_fail $UCSH -c "New-CsCommonAreaPhone -LineURI ${SQ}tel:+14255550160;ext=160${SQ} -RegistrarPool $POOL" 2>err &&
	test_grep "already assigned to the user sip:ann@contoso.com (Ann Beebe)" err &&
	test_must_fail $UCSH -c "New-CsCommonAreaPhone -LineURI tel:+14255550161 -RegistrarPool $POOL -SipAddress sip:ann@contoso.com" 2>err &&
	test_grep "sip:ann@contoso.com is already the SIP address of a user (Ann Beebe)" err &&
	test_must_fail $UCSH -c "Set-CsUser sip:ann@contoso.com -SipAddress sip:kitchen@contoso.com" 2>err &&
	test_grep "sip:kitchen@contoso.com is already the SIP address of a common area phone" err
'

test_expect_success 'New-CsCommonAreaPhone -WhatIf creates nothing' '
	$UCSH -c "New-CsCommonAreaPhone -LineURI ${SQ}tel:+14255550170;ext=170${SQ} -RegistrarPool $POOL -WhatIf" >out &&
	test_grep "What if: Performing the operation \"New common area phone\" on target \"sip:cap-170@contoso.com\"" out &&
	caps &&
	test "$(wc -l <actual)" = 4
'

test_expect_success 'Import-Csv | New-CsCommonAreaPhone binds every column by name' '
	cat >lobbies.csv <<-\EOF &&
	LineURI,RegistrarPool,DisplayName,Description
	tel:+14255550180;ext=180,pool01.contoso.com,Building 18 Lobby,Ground floor
	tel:+14255550181;ext=181,pool01.contoso.com,Building 18 Kitchen,
	EOF
	$UCSH -c "Import-Csv lobbies.csv | New-CsCommonAreaPhone | ForEach-Object { \$_.SipAddress + \"|\" + \$_.DisplayName + \"|\" + \$_.Description }" >actual &&
	printf "%s\n" "sip:cap-180@contoso.com|Building 18 Lobby|Ground floor" "sip:cap-181@contoso.com|Building 18 Kitchen|" >expected &&
	test_cmp expected actual
'

test_expect_success 'Get-CsCommonAreaPhone finds a phone by extension, line URI, display name, wildcard' '
	$UCSH -c "(Get-CsCommonAreaPhone 153).SipAddress; (Get-CsCommonAreaPhone ${SQ}tel:+14255550180;ext=180${SQ}).SipAddress; (Get-CsCommonAreaPhone ${SQ}building 14 lobby${SQ}).SipAddress" >actual &&
	printf "%s\n" sip:kitchen@contoso.com sip:cap-180@contoso.com sip:cap-150@contoso.com >expected &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsCommonAreaPhone ${SQ}*18 *${SQ} | Select-Object -ExpandProperty SipAddress" >actual &&
	printf "%s\n" sip:cap-180@contoso.com sip:cap-181@contoso.com >expected &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsCommonAreaPhone -Filter { \$_.Description -like ${SQ}*lifts*${SQ} } | Select-Object -ExpandProperty SipAddress" >actual &&
	echo sip:cap-150@contoso.com >expected &&
	test_cmp expected actual
'

test_expect_success 'Get-CsCommonAreaPhone does not find users, nor Get-CsUser phones' '
	test_must_fail $UCSH -c "Get-CsCommonAreaPhone 160" 2>err &&
	test_grep "no common area phone matches .160." err &&
	test_must_fail $UCSH -c "Get-CsUser 150" 2>err &&
	test_grep "no user matches .150." err
'

test_expect_success 'an extension two phones share is ambiguous' '
	test_must_fail $UCSH -c "Get-CsCommonAreaPhone 150" 2>err &&
	test_grep "150. is ambiguous: it matches " err &&
	test_grep "sip:cap-150@contoso.com (Building 14 Lobby)" err &&
	test_grep -E "sip:cap-[0-9a-f]{8}@contoso.com" err
'

test_expect_success 'Set-CsCommonAreaPhone changes what is named; -WhatIf nothing; the line URI cannot be removed' '
	$UCSH -c "Set-CsCommonAreaPhone 153 -Description ${SQ}By the coffee${SQ} -DisplayName Kitchen -PassThru | ForEach-Object { \$_.DisplayName + \"|\" + \$_.Description + \"|\" + \$_.LineURI }" >actual &&
	echo "Kitchen|By the coffee|tel:+14255550153;ext=153" >expected &&
	test_cmp expected actual &&
	$UCSH -c "Set-CsCommonAreaPhone Kitchen -Description Elsewhere -WhatIf; (Get-CsCommonAreaPhone Kitchen).Description" >out &&
	test_grep "What if: Performing the operation \"Set common area phone\" on target \"sip:kitchen@contoso.com\"" out &&
	test_grep "^By the coffee$" out &&
	test_must_fail $UCSH -c "Set-CsCommonAreaPhone Kitchen -LineURI \$null" 2>err &&
	test_grep "LineURI cannot be removed" err &&
	test_must_fail $UCSH -c "Set-CsCommonAreaPhone Kitchen -LineURI ${SQ}tel:+14255550160;ext=160${SQ}" 2>err &&
	test_grep "already assigned to the user sip:ann@contoso.com" err &&
	test_must_fail $UCSH -c "Set-CsCommonAreaPhone Kitchen" 2>err &&
	test_grep "Set-CsCommonAreaPhone was given nothing to change" err
'

test_expect_success 'Set-CsClientPin finds common area phones too; their HA1 uses the cap- name and extension' '
	$UCSH -c "Set-CsClientPin -Identity 180 -Pin 640372; (Get-CsClientPinInfo sip:cap-180@contoso.com).IsPinSet" >actual &&
	test_grep "^True$" actual &&
	if have_store_sql; then
		store_sql "SELECT $(sql_json_keys Ha1Md5) FROM client_pin WHERE \"Identity\" = ${SQ}sip:cap-180@contoso.com${SQ}" >actual &&
		echo "cap-180:contoso.com,180:contoso.com" >expected &&
		test_cmp expected actual
	fi
'

test_expect_success 'an identity shared by a user and a phone is ambiguous to the PIN cmdlets' '
	$UCSH -c "Set-CsUser sip:ann@contoso.com -DisplayName Kitchen" &&
	test_must_fail $UCSH -c "Get-CsClientPinInfo Kitchen" 2>err &&
	test_grep "Kitchen. is ambiguous: it matches sip:ann@contoso.com (Kitchen), sip:kitchen@contoso.com (Kitchen)" err
'

test_expect_success 'Remove-CsCommonAreaPhone removes the phone and its PIN' '
	$UCSH -c "Remove-CsCommonAreaPhone 180 -WhatIf" >out &&
	test_grep "Remove common area phone" out &&
	$UCSH -c "Remove-CsCommonAreaPhone 180 -Force" &&
	test_must_fail $UCSH -c "Get-CsCommonAreaPhone 180" 2>err &&
	test_grep "no common area phone matches" err &&
	$UCSH -c "New-CsCommonAreaPhone -LineURI ${SQ}tel:+14255550180;ext=180${SQ} -RegistrarPool $POOL | Get-CsClientPinInfo | Select-Object -ExpandProperty IsPinSet" >actual &&
	echo False >expected &&
	test_cmp expected actual
'

test_expect_success 'the common area phone cmdlets need the roles CMDLETS.md gives them' '
	$UCSH -c "Get-Command *-CsCommonAreaPhone | ForEach-Object { \$_.Name + \" \" + \$_.Role }" >actual &&
	cat >expected <<-\EOF &&
	Get-CsCommonAreaPhone CsViewOnlyAdministrator
	New-CsCommonAreaPhone CsVoiceAdministrator
	Remove-CsCommonAreaPhone CsVoiceAdministrator
	Set-CsCommonAreaPhone CsVoiceAdministrator
	EOF
	test_cmp expected actual
'

test_done
