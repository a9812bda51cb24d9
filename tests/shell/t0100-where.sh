#!/bin/sh
# Where-Object: the script-block form, the comparison form and its switches.
. "$(dirname "$0")/test-lib.sh"

cat >phones.ps1 <<'EOF_PHONES'
$phones = @(
	@{Mac="0004f2000001"; Model="CX600"; Site="HQ"; Firmware="4.0.7577.4100"; Lines=2; Tags=@("lobby", "vip")}
	@{Mac="0004f2000002"; Model="cx600"; Site="Branch"; Firmware="4.0.7577.250"; Lines=10; Tags=@()}
	@{Mac="0004f2000003"; Model="CX500"; Site="HQ"; Firmware="4.0.7577.1000"; Lines=9; Tags=@("VIP")}
	@{Mac="0004f2000004"; Model="CX3000"; Site="hq"; Firmware="4.0.7577.99"; Lines=0}
)
EOF_PHONES

# run: phones.ps1, then the script on stdin.
run() {
	cat phones.ps1 - | $UCSH
}

# macs 'Where-Object arguments' last-digits...: the phones kept, by the
# last digit of their MAC address.
macs() {
	printf '%s\n' "\$phones | Where-Object $1 | ForEach-Object { \$_.Mac.Substring(11) }" |
		run >actual &&
	shift &&
	if test $# -gt 0; then printf '%s\n' "$@"; fi >expected &&
	test_cmp expected actual
}

issue_cmd='ConvertFrom-Json '"'"'[{"n":"a","v":"4.0.7577.4100"},{"n":"b","v":"4.0.7577.250"}]'"'"' | Where-Object v -gt 4.0.7577.1000 | Select-Object -ExpandProperty n'

test_expect_success 'firmware versions compare as versions, not as text or numbers' '
	$UCSH -c "$issue_cmd" >actual &&
	echo a >expected &&
	test_cmp expected actual
'

test_expect_success '-lt on versions keeps 4.0.7577.250 and 4.0.7577.99 below 4.0.7577.1000' '
	macs "Firmware -lt 4.0.7577.1000" 2 4
'

test_expect_success '-eq ignores case, -ceq does not' '
	macs "Model -eq cx600" 1 2 &&
	macs "Model -ceq cx600" 2
'

test_expect_success '-ne and -cne' '
	macs "Model -ne CX600" 3 4 &&
	macs "Model -cne CX600" 2 3 4
'

test_expect_success 'numbers compare as numbers: 10 is greater than 9' '
	macs "Lines -gt 9" 2 &&
	macs "Lines -ge 9" 2 3 &&
	macs "Lines -lt 2" 4 &&
	macs "Lines -le 2" 1 4
'

test_expect_success '-like and -notlike take wildcards without regard to case' '
	macs "Model -like cx6*" 1 2 &&
	macs "Model -notlike CX6*" 3 4 &&
	macs "Model -like CX?00" 1 2 3
'

test_expect_success '-clike and -cnotlike match case' '
	macs "Model -clike CX*" 1 3 4 &&
	macs "Model -cnotlike CX*" 2
'

test_expect_success '-match, -notmatch and -cmatch take regular expressions' '
	macs "Model -match ^cx[0-9]00\$" 1 2 3 &&
	macs "Model -notmatch 00\$" &&
	macs "Model -cmatch ^c" 2
'

test_expect_success '-contains and -notcontains look into a list property' '
	macs "Tags -contains vip" 1 3 &&
	macs "Tags -ccontains vip" 1 &&
	macs "Tags -notcontains vip" 2 4
'

test_expect_success '-in and -notin look for the property in a list' '
	macs "Model -in CX500,CX3000" 3 4 &&
	macs "Model -notin CX500,CX3000" 1 2 &&
	macs "Site -cin HQ,Branch" 1 2 3
'

test_expect_success 'a property alone keeps the objects in which it is true; -Not the others' '
	macs "Lines" 1 2 3 &&
	macs "Tags" 1 3 &&
	macs "Lines -Not" 4 &&
	macs "Nonexistent" &&
	macs "Nonexistent -Not" 1 2 3 4
'

test_expect_success 'a missing property is $null: -eq $null finds the phones without Tags' '
	macs "Tags -eq \$null" 4
'

test_expect_success 'the script-block form sees $_ and combines conditions' '
	macs "{ \$_.Site -eq \"HQ\" -and \$_.Lines -gt 2 }" 3 &&
	macs "{ \$_.Model -like \"CX*\" -or \$_.Lines -eq 0 }" 1 2 3 4
'

test_expect_success 'the aliases where and ? work' '
	echo "\$phones | where Site -eq Branch | % Mac; \$phones | ? { \$_.Lines -eq 0 } | % Mac" |
		run >actual &&
	printf "%s\n" 0004f2000002 0004f2000004 >expected &&
	test_cmp expected actual
'

test_expect_success 'plain values: the comparison form reads Length of strings' '
	$UCSH -c "\"a\", \"abc\", \"ab\" | Where-Object Length -ge 2" >actual &&
	printf "%s\n" abc ab >expected &&
	test_cmp expected actual
'

test_expect_success 'objects pass unchanged: a GroupInfo keeps its default view' '
	$UCSH -c "1, 1, 2 | Group-Object | Where-Object Count -gt 1" >actual &&
	cat >expected <<-\EOF &&
	Count Name Group
	----- ---- -----
	    2 1    {1, 1}
	EOF
	test_cmp expected actual
'

test_expect_success '-InputObject filters a value given by name' '
	$UCSH -c "Where-Object -InputObject 5 { \$_ -gt 1 }; Where-Object -InputObject 0 { \$_ }" >actual &&
	echo 5 >expected &&
	test_cmp expected actual
'

test_expect_success 'no condition at all is an error' '
	test_expect_code 1 $UCSH -c "1 | Where-Object" 2>err &&
	test_grep "Where-Object : give a script block or a property to test" err
'

test_expect_success 'two comparison switches are an error naming the second' '
	test_expect_code 1 $UCSH -c "1 | Where-Object Lines -gt -lt 5" 2>err &&
	test_grep "only one comparison operator may be given (-LT was the second)" err
'

test_expect_success 'a comparison switch with a script block is an error' '
	test_expect_code 1 $UCSH -c "1 | Where-Object { \$_ } -eq 1" 2>err &&
	test_grep "a comparison operator goes with a property" err
'

test_expect_success 'a comparison switch without a value is an error' '
	test_expect_code 1 $UCSH -c "1 | Where-Object Lines -eq" 2>err &&
	test_grep "the comparison needs a value" err
'

test_expect_success 'a value without a comparison switch is an error' '
	test_expect_code 1 $UCSH -c "1 | Where-Object Lines 5" 2>err &&
	test_grep "a value was given but no comparison operator" err
'

test_expect_success 'a bad regular expression stops the pipeline and names the pattern' '
	test_expect_code 1 $UCSH -c "\"a\", \"b\" | Where-Object Length -match \"(\"" >out 2>err &&
	test_grep "invalid regular expression .(." err &&
	test_grep -c "Where-Object :" err >count &&
	echo 1 >expected &&
	test_cmp expected count &&
	test_must_fail test -s out
'

test_expect_success 'an error in a filter script is reported and the rest goes on' '
	test_expect_code 1 $UCSH -c "1, 2, 3 | Where-Object { 10 / (\$_ - 2) -gt 0 }" >actual 2>err &&
	echo 3 >expected &&
	test_cmp expected actual &&
	test_grep "division by zero" err
'

test_done
