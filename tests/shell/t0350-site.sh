#!/bin/sh
# Sites, and the store-backed cmdlet machinery they share with every noun:
# identities, -Filter in the store or in the shell, -WhatIf, references.
. "$(dirname "$0")/test-lib.sh"
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN

test_expect_success 'a new store has the default site' '
	$UCSH -c "Get-CsSite | Select-Object -ExpandProperty Identity" >actual &&
	echo Site:Default >expected && test_cmp expected actual
'

test_expect_success 'New-CsSite adds the Site: prefix and a display name' '
	$UCSH -o json -c "New-CsSite Redmond -City Redmond -CountryCode US | Select-Object Identity, DisplayName, City" >actual &&
	cat >expected <<-\EOF &&
	{
	  "Identity": "Site:Redmond",
	  "DisplayName": "Redmond",
	  "City": "Redmond"
	}
	EOF
	test_cmp expected actual
'

test_expect_success 'a site is found with or without the prefix, in any case' '
	$UCSH -c "(Get-CsSite redmond).City; (Get-CsSite SITE:REDMOND).City" >actual &&
	printf "Redmond\nRedmond\n" >expected && test_cmp expected actual
'

test_expect_success 'a duplicate site is an error and changes nothing' '
	test_expect_code 1 $UCSH -c "New-CsSite Redmond -City Elsewhere" 2>err &&
	test_grep "already exists" err &&
	$UCSH -c "(Get-CsSite Redmond).City" >actual &&
	echo Redmond >expected && test_cmp expected actual
'

test_expect_success 'an unknown site is a non-terminating error naming it' '
	test_expect_code 1 $UCSH -c "Get-CsSite Nowhere; Write-Output next" >out 2>err &&
	test_grep "no site .Site:Nowhere. was found" err &&
	echo next >expected && test_cmp expected out
'

test_expect_success 'arrays are kept: subnets' '
	$UCSH -c "New-CsSite Berlin -Subnets 10.20.0.0/16,2001:db8:20::/48 | Out-Null; (Get-CsSite Berlin).Subnets" >actual &&
	printf "10.20.0.0/16\n2001:db8:20::/48\n" >expected && test_cmp expected actual
'

test_expect_success 'a wildcard identity lists several' '
	$UCSH -c "Get-CsSite Site:[BR]* | Sort-Object Identity | Select-Object -ExpandProperty Identity" >actual &&
	printf "Site:Berlin\nSite:Redmond\n" >expected && test_cmp expected actual
'

test_expect_success '-Filter that translates runs in the store' '
	$UCSH -c "Get-CsSite -Filter { \$_.CountryCode -eq \"US\" -or \$_.Identity -like \"*lin\" } -Verbose | Sort-Object Identity | Select-Object -ExpandProperty Identity" >actual 2>err &&
	printf "Site:Berlin\nSite:Redmond\n" >expected && test_cmp expected actual &&
	! grep -q "runs in the shell" err
'

test_expect_success '-Filter that does not translate runs in the shell, same answer' '
	$UCSH -c "Get-CsSite -Filter { \$_.Identity.Length -eq 11 } -Verbose | Select-Object -ExpandProperty Identity" >actual 2>err &&
	echo Site:Berlin >expected && test_cmp expected actual &&
	test_grep "runs in the shell" err
'

test_expect_success '-Filter uses the current value of a variable' '
	$UCSH -c "\$c = \"US\"; Get-CsSite -Filter { \$_.CountryCode -eq \$c } | Select-Object -ExpandProperty Identity" >actual &&
	echo Site:Redmond >expected && test_cmp expected actual
'

test_expect_success 'Set-CsSite changes only what is named; -PassThru shows it' '
	$UCSH -c "Set-CsSite Berlin -City Berlin -PassThru | Select-Object -ExpandProperty City; (Get-CsSite Berlin).Subnets.Count" >actual &&
	printf "Berlin\n2\n" >expected && test_cmp expected actual
'

test_expect_success 'Set-CsSite with nothing to change is an error' '
	test_expect_code 1 $UCSH -c "Set-CsSite Berlin" 2>err &&
	test_grep "nothing to change" err
'

test_expect_success 'pipeline binding by property name' '
	$UCSH -c "Get-CsSite Site:B* | Set-CsSite -Description piped; (Get-CsSite Berlin).Description" >actual &&
	echo piped >expected && test_cmp expected actual
'

test_expect_success 'Import-Csv | New-CsSite creates one site per row' '
	printf "Identity,City\nOslo,Oslo\nLima,Lima\n" >sites.csv &&
	$UCSH -c "Import-Csv sites.csv | New-CsSite | Measure-Object | Select-Object -ExpandProperty Count" >actual &&
	echo 2 >expected && test_cmp expected actual
'

test_expect_success '-WhatIf says what it would do and changes nothing' '
	$UCSH -c "Remove-CsSite Oslo -WhatIf; New-CsSite Rome -WhatIf; Set-CsSite Lima -City X -WhatIf" >out &&
	test_grep "What if: Performing the operation \"Remove site\" on target \"Site:Oslo\"" out &&
	test_grep "What if: .*\"New site\" on target \"Site:Rome\"" out &&
	$UCSH -c "(Get-CsSite Oslo).Identity; (Get-CsSite Lima).City; Get-CsSite Rome" >actual 2>err;
	printf "Site:Oslo\nLima\n" >expected && test_cmp expected actual &&
	test_grep "no site .Site:Rome." err
'

test_expect_success 'a site a pool belongs to cannot be removed' '
	test_expect_code 1 $UCSH -c "Remove-CsSite Default -Force" 2>err &&
	test_grep "Pool object still refers to it" err &&
	$UCSH -c "(Get-CsSite Default).Identity" >actual &&
	echo Site:Default >expected && test_cmp expected actual
'

test_expect_success 'Remove-CsSite removes' '
	$UCSH -c "Remove-CsSite Oslo -Force; Get-CsSite Site:O* | Measure-Object | Select-Object -ExpandProperty Count" >actual &&
	echo 0 >expected && test_cmp expected actual
'

test_expect_success '-Confirm without a terminal is refused, not assumed' '
	test_expect_code 1 $UCSH -c "Remove-CsSite Lima -Confirm" 2>err &&
	test_grep "cannot ask to confirm" err &&
	$UCSH -c "(Get-CsSite Lima).Identity" >actual && echo Site:Lima >expected && test_cmp expected actual
'

if test_on_sqlite; then
	test_expect_success 'the store file is private to its owner' '
		perm=$(stat -c %a "$TEST_DIR/store/ucsh.db") && test "$perm" = 600
	'
else
	test_skip 'the store file is private to its owner' 'a PostgreSQL store has no file'
fi

test_done
