#!/bin/sh
# Sort-Object, Group-Object and Measure-Object.
. "$(dirname "$0")/test-lib.sh"

cat >phones.ps1 <<'EOF_PHONES'
$phones = @(
	@{Mac="01"; Model="CX600"; Site="HQ"; Firmware="4.0.7577.4100"; Lines=2}
	@{Mac="02"; Model="cx600"; Site="Branch"; Firmware="4.0.7577.250"; Lines=10}
	@{Mac="03"; Model="CX500"; Site="HQ"; Firmware="4.0.7577.1000"; Lines=9}
	@{Mac="04"; Model="CX3000"; Site="hq"; Firmware="4.0.7577.99"; Lines=2}
	@{Mac="05"; Model="CX700"; Site="Lab"; Firmware="4.0.7577.4100"}
)
EOF_PHONES

# run: phones.ps1, then the script on stdin.
run() {
	cat phones.ps1 - | $UCSH
}

# macs 'commands after $phones |' macs...: the MACs in the order written.
macs() {
	printf '%s\n' "\$phones | $1 | ForEach-Object Mac" | run >actual &&
	shift &&
	printf '%s\n' "$@" >expected &&
	test_cmp expected actual
}

test_expect_success 'numbers sort as numbers, text without regard to case' '
	$UCSH -c "10, 9, 100, 1 | Sort-Object; \"b\", \"C\", \"a\" | Sort-Object" >actual &&
	printf "%s\n" 1 9 10 100 a b C >expected &&
	test_cmp expected actual
'

test_expect_success 'firmware versions sort as versions' '
	macs "Sort-Object Firmware" 04 02 03 01 05
'

test_expect_success 'the sort is stable, ascending and descending' '
	macs "Sort-Object Site" 02 01 03 04 05 &&
	macs "Sort-Object Site -Descending" 05 01 03 04 02
'

test_expect_success 'a missing value sorts first' '
	macs "Sort-Object Lines" 05 01 04 03 02
'

test_expect_success 'several keys, the first deciding first' '
	macs "Sort-Object Lines, Model" 05 04 01 03 02
'

test_expect_success 'a hashtable sets the direction of one key' '
	macs "Sort-Object Lines, @{Expression=\"Model\"; Descending=\$true}" 05 01 04 03 02 &&
	macs "Sort-Object @{e=\"Lines\"; Ascending=\$false}, Mac" 02 03 01 04 05
'

test_expect_success 'a script block sorts by its result' '
	macs "Sort-Object { \$_.Model.Length }, Mac -Descending" 04 05 03 02 01
'

test_expect_success '-Unique keeps the first of equal keys' '
	echo "\$phones | Sort-Object Model -Unique | ForEach-Object Model" | run >actual &&
	printf "%s\n" CX3000 CX500 CX600 CX700 >expected &&
	test_cmp expected actual
'

test_expect_success '-CaseSensitive: lower case first, and case makes values different' '
	$UCSH -c "\"B\", \"a\", \"b\", \"A\" | Sort-Object -CaseSensitive; \"x\", \"X\", \"x\" | Sort-Object -Unique -CaseSensitive" >actual &&
	printf "%s\n" a A b B x X >expected &&
	test_cmp expected actual
'

test_expect_success 'sort is an alias, and Sort-Object passes objects unchanged' '
	$UCSH -c "3, 1, 2 | sort | Select-Object -First 1; 2, 2, 1 | Group-Object | sort Count" >actual &&
	cat >expected <<-\EOF &&
	1

	Count Name Group
	----- ---- -----
	    1 1    {1}
	    2 2    {2, 2}
	EOF
	test_cmp expected actual
'

test_expect_success 'a bad key in Sort-Object is an error' '
	test_expect_code 1 $UCSH -c "1 | Sort-Object @{Name=\"x\"; Expression=\"y\"}" 2>err &&
	test_grep "Sort-Object : .Name. is not a key of a calculated property" err
'

test_expect_success 'Group-Object writes GroupInfo in the order of first appearance' '
	echo "\$phones | Group-Object Model" | run >actual &&
	cat >expected <<-\EOF &&
	Count Name   Group
	----- ----   -----
	    2 CX600  {@{Mac=01; Model=CX600; Site=HQ; Firmware=4.0.7577.4100; Lines=2}, @{Mac=02; Model=cx600; Site=Branch; Firmware=4.0.7577.250; Lines=10}}
	    1 CX500  {@{Mac=03; Model=CX500; Site=HQ; Firmware=4.0.7577.1000; Lines=9}}
	    1 CX3000 {@{Mac=04; Model=CX3000; Site=hq; Firmware=4.0.7577.99; Lines=2}}
	    1 CX700  {@{Mac=05; Model=CX700; Site=Lab; Firmware=4.0.7577.4100}}
	EOF
	test_cmp expected actual
'

test_expect_success 'GroupInfo has Count, Name, Group and Values' '
	$UCSH -c "1, 2, 1 | Group-Object | ConvertTo-Json -Compress" >actual &&
	echo "[{\"Count\":2,\"Name\":\"1\",\"Group\":[1,1],\"Values\":[1]},{\"Count\":1,\"Name\":\"2\",\"Group\":[2],\"Values\":[2]}]" >expected &&
	test_cmp expected actual
'

test_expect_success '-NoElement leaves the objects out and shows Count and Name' '
	echo "\$phones | Group-Object Site -NoElement" | run >actual &&
	cat >expected <<-\EOF &&
	Count Name
	----- ----
	    3 HQ
	    1 Branch
	    1 Lab
	EOF
	test_cmp expected actual
'

test_expect_success '-CaseSensitive groups values that differ in case apart' '
	echo "\$phones | Group-Object Site -NoElement -CaseSensitive | ForEach-Object { \"\$(\$_.Name)=\$(\$_.Count)\" }" |
		run >actual &&
	printf "%s\n" HQ=2 Branch=1 hq=1 Lab=1 >expected &&
	test_cmp expected actual
'

test_expect_success 'several properties make one name joined with a comma' '
	echo "\$phones | Group-Object Site, Lines -NoElement | ForEach-Object Name" | run >actual &&
	printf "%s\n" "HQ, 2" "Branch, 10" "HQ, 9" "Lab, " >expected &&
	test_cmp expected actual
'

test_expect_success 'a script block groups by its result' '
	$UCSH -c "1..7 | Group-Object { \$_ % 3 } | ForEach-Object { \"\$(\$_.Name): \$(\$_.Group)\" }" >actual &&
	printf "%s\n" "1: 1 4 7" "2: 2 5" "0: 3 6" >expected &&
	test_cmp expected actual
'

test_expect_success '-AsHashTable makes one object to look groups up by name' '
	echo "\$t = \$phones | Group-Object Site -AsHashTable; \$t.Lab.Mac; \$t.HQ.Count" | run >actual &&
	printf "%s\n" 05 3 >expected &&
	test_cmp expected actual
'

test_expect_success 'Measure-Object counts its input' '
	$UCSH -c "1..4 | Measure-Object | ConvertTo-Json -Compress" >actual &&
	echo "{\"Count\":4,\"Average\":null,\"Sum\":null,\"Maximum\":null,\"Minimum\":null,\"Property\":null}" >expected &&
	test_cmp expected actual
'

test_expect_success 'Measure-Object -Sum -Average -Minimum -Maximum of a property' '
	echo "\$phones | Measure-Object Lines -Sum -Average -Minimum -Maximum" | run >actual &&
	cat >expected <<-\EOF &&
	Count Average Sum Maximum Minimum Property
	----- ------- --- ------- ------- --------
	    4    5.75  23      10       2 Lines
	EOF
	test_cmp expected actual
'

test_expect_success 'a real sum is written in its short form' '
	$UCSH -c "1.5, 2.5, 0.25 | Measure-Object -Sum | ForEach-Object Sum" >actual &&
	echo 4.25 >expected &&
	test_cmp expected actual
'

test_expect_success 'numbers in text count as numbers (as Import-Csv gives them)' '
	$UCSH -c "\"2\", \"10\", \"3\" | Measure-Object -Sum -Maximum | ForEach-Object { \$_.Sum; \$_.Maximum }" >actual &&
	printf "%s\n" 15 10 >expected &&
	test_cmp expected actual
'

test_expect_success 'Minimum and Maximum of versions compare as versions' '
	echo "\$phones | Measure-Object Firmware -Minimum -Maximum | ForEach-Object { \$_.Minimum; \$_.Maximum }" |
		run >actual &&
	printf "%s\n" 4.0.7577.99 4.0.7577.4100 >expected &&
	test_cmp expected actual
'

test_expect_success 'one MeasureInfo per property' '
	$UCSH -c "@{a=1; b=5}, @{a=3; b=7} | measure a, b -Sum | ForEach-Object { \"\$(\$_.Property)=\$(\$_.Sum)\" }" >actual &&
	printf "%s\n" a=4 b=12 >expected &&
	test_cmp expected actual
'

test_expect_success '-Sum of text that is not a number is an error naming it' '
	test_expect_code 1 $UCSH -c "1, \"two\", 3 | Measure-Object -Sum | ForEach-Object Sum" >actual 2>err &&
	test_grep "Measure-Object : input object .two. is not numeric" err &&
	echo 4 >expected &&
	test_cmp expected actual
'

test_expect_success 'a property that no input has is an error' '
	test_expect_code 1 $UCSH -c "1, 2 | Measure-Object Nope" 2>err &&
	test_grep "property .Nope. cannot be found on any input object" err
'

test_done
