#!/bin/sh
# Administrators of the SSH endpoint (New/Get/Set/Remove-CsAdministrator)
# and the audit log a local shell writes (Get-CsAuditLog): who, from
# where, what, the outcome, and never a PIN.
. "$(dirname "$0")/test-lib.sh"

ssh-keygen -q -t ed25519 -N '' -C alice@desk -f alice_key >/dev/null 2>&1
ssh-keygen -q -t rsa -b 1024 -N '' -f short_rsa >/dev/null 2>&1

test_expect_success 'New-CsAdministrator with a role and an Ed25519 key; Get-CsAdministrator' '
	test -f alice_key.pub &&
	$UCSH -c "New-CsAdministrator alice -Role cshelpdesk -PublicKey \"$(cat alice_key.pub)\" -Description Desk | Out-Null" &&
	$UCSH -c "Get-CsAdministrator alice | ForEach-Object { \$_.Name + \" \" + \$_.Role + \" \" + \$_.Enabled + \" \" + \$_.Description }" >actual &&
	echo "alice CsHelpDesk True Desk" >expected &&
	test_cmp expected actual &&
	$UCSH -c "(Get-CsAdministrator alice).PublicKey" >actual &&
	test_cmp alice_key.pub actual
'

test_expect_success 'validation: a bad name, an unknown role, a broken key, a short RSA key, a duplicate' '
	test_expect_code 1 $UCSH -c "New-CsAdministrator \"al ice\" -Role CsHelpDesk" 2>err &&
	test_grep "cannot be an administrator.s name" err &&
	test_expect_code 1 $UCSH -c "New-CsAdministrator bob -Role Root" 2>err &&
	test_grep "use one of: CsViewOnlyAdministrator, CsHelpDesk" err &&
	test_expect_code 1 $UCSH -c "New-CsAdministrator bob -Role CsHelpDesk -PublicKey \"ssh-ed25519 AAAAbroken\"" 2>err &&
	test_grep "the ssh-ed25519 key does not decode" err &&
	test_expect_code 1 $UCSH -c "New-CsAdministrator bob -Role CsHelpDesk -PublicKey \"$(cat short_rsa.pub)\"" 2>err &&
	test_grep "a 1024-bit RSA key is too short" err &&
	test_expect_code 1 $UCSH -c "New-CsAdministrator ALICE -Role CsHelpDesk" 2>err &&
	test_grep "already exists" err &&
	$UCSH -c "Get-CsAdministrator | Measure-Object | ForEach-Object { \$_.Count }" >actual &&
	echo 1 >expected && test_cmp expected actual
'

test_expect_success 'Set-CsAdministrator -Enabled $false and -Role; Remove-CsAdministrator' '
	$UCSH -c "Set-CsAdministrator alice -Enabled \$false -Role CsVoiceAdministrator" &&
	$UCSH -c "Get-CsAdministrator alice | ForEach-Object { \$_.Role + \" \" + \$_.Enabled }" >actual &&
	echo "CsVoiceAdministrator False" >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Set-CsAdministrator alice" 2>err &&
	test_grep "was given nothing to change" err &&
	$UCSH -c "New-CsAdministrator bob -Role CsAdministrator | Out-Null; Remove-CsAdministrator bob -Force" &&
	test_expect_code 1 $UCSH -c "Get-CsAdministrator bob" 2>err &&
	test_grep "no administrator .bob. was found" err
'

test_expect_success 'the audit log records local changes with the Unix user, source local, outcome' '
	$UCSH -c "Get-CsAuditLog -Cmdlet Set-CsAdministrator -ResultSize 1 | ForEach-Object { \$_.Administrator + \"|\" + \$_.Source + \"|\" + \$_.Outcome + \"|\" + \$_.Command }" >actual &&
	echo "$(id -un)|local|Failed|Set-CsAdministrator alice" >expected && test_cmp expected actual &&
	$UCSH -c "Get-CsAuditLog -Cmdlet Remove-CsAdministrator | ForEach-Object { \$_.Outcome + \"|\" + \$_.Command }" >actual &&
	echo "Success|Remove-CsAdministrator bob -Force" >expected &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsAuditLog -Outcome Failed -Cmdlet New-CsAdministrator | Measure-Object | ForEach-Object { \$_.Count }" >actual &&
	echo 4 >expected && test_cmp expected actual
'

test_expect_success 'reading is not recorded: Get-* and -WhatIf show as such' '
	$UCSH -c "Get-CsAdministrator | Out-Null; Get-CsUser | Out-Null" &&
	$UCSH -c "Get-CsAuditLog -Cmdlet Get-*" >actual &&
	test_must_fail test -s actual &&
	$UCSH -c "New-CsSite Berlin -WhatIf" >/dev/null &&
	$UCSH -c "(Get-CsAuditLog -ResultSize 1).Outcome" >actual &&
	echo WhatIf >expected && test_cmp expected actual
'

test_expect_success 'PINs never reach the audit log, however they were written' '
	$UCSH -c "New-CsUser -SipAddress sip:ken@ucsh.local -LineURI \"tel:+14255550100;ext=100\" | Out-Null" &&
	$UCSH -c "Set-CsClientPin sip:ken@ucsh.local -Pin 918273" >/dev/null &&
	$UCSH -c "Set-CsClientPin -Identity sip:ken@ucsh.local -pi:\"527361\"" >/dev/null &&
	$UCSH -c "\$p = \"640192\"; Set-CsClientPin sip:ken@ucsh.local -Pin (\$p) -WhatIf" >/dev/null &&
	$UCSH -c "Set-CsClientPin sip:ken@ucsh.local -Pin 71 -ErrorAction SilentlyContinue; Set-CsClientPin -Pin \"77\" sip:ken@ucsh.local" >/dev/null 2>&1;
	$UCSH -o csv -c "Get-CsAuditLog" >log.csv &&
	test_grep "Set-CsClientPin sip:ken@ucsh.local -Pin \*\*\*" log.csv &&
	test_grep "Set-CsClientPin -Identity sip:ken@ucsh.local -pi: \*\*\*" log.csv &&
	test_grep "Set-CsClientPin -Pin \*\*\* sip:ken@ucsh.local\"" log.csv &&
	test_grep "Set-CsClientPin sip:ken@ucsh.local -Pin \*\*\* -WhatIf" log.csv &&
	! grep -e 918273 -e 527361 -e 640192 log.csv &&
	grep Set-CsClientPin log.csv >pin-rows &&
	! grep -e 71 -e 77 pin-rows &&
	store_sql "SELECT * FROM audit_log" >rows && test_grep "Set-CsClientPin" rows &&
	! grep -e 918273 -e 527361 -e 640192 rows &&
	if test_on_sqlite; then ! grep -a -e 918273 -e 527361 -e 640192 "$TEST_DIR"/store/ucsh.db*; fi
'

test_expect_success 'Get-CsAuditLog filters: administrator, time window, result size, bad time' '
	$UCSH -c "Get-CsAuditLog -Administrator nobody-here" >actual &&
	test_must_fail test -s actual &&
	$UCSH -c "Get-CsAuditLog -StartTime 2000-01-01 -EndTime 2000-12-31" >actual &&
	test_must_fail test -s actual &&
	$UCSH -c "(Get-CsAuditLog -StartTime 2000-01-01 -ResultSize 2 | Measure-Object).Count" >actual &&
	echo 2 >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Get-CsAuditLog -StartTime yesterday" 2>err &&
	test_grep "StartTime: .yesterday. is not a time" err
'

test_done
