#!/bin/sh
# Select-Object: properties, calculated properties, -ExpandProperty, and
# -First/-Last/-Skip/-Unique, with -First stopping the commands before it.
. "$(dirname "$0")/test-lib.sh"

cat >phones.ps1 <<'EOF_PHONES'
$phones = @(
	@{Mac="0004f2000001"; Model="CX600"; Site="HQ"; Firmware="4.0.7577.4100"; Tags=@("lobby", "vip")}
	@{Mac="0004f2000002"; Model="CX500"; Site="Branch"; Firmware="4.0.7577.250"; Tags=@()}
)
EOF_PHONES

# run: phones.ps1, then the script on stdin.
run() {
	cat phones.ps1 - | $UCSH
}

test_expect_success '-Property keeps the named properties in the given order' '
	echo "\$phones | Select-Object Site, mac | ConvertTo-Json -Compress" | run >actual &&
	cat >expected <<-\EOF &&
	[{"Site":"HQ","Mac":"0004f2000001"},{"Site":"Branch","Mac":"0004f2000002"}]
	EOF
	test_cmp expected actual
'

test_expect_success 'a property the object lacks is added empty, spelled as asked' '
	echo "\$phones[0] | Select-Object Model, Owner | ConvertTo-Json -Compress" | run >actual &&
	echo "{\"Model\":\"CX600\",\"Owner\":null}" >expected &&
	test_cmp expected actual
'

test_expect_success 'wildcards pick properties in the object order' '
	echo "\$phones[0] | Select-Object *i*, M* | ConvertTo-Json -Compress" | run >actual &&
	echo "{\"Site\":\"HQ\",\"Firmware\":\"4.0.7577.4100\",\"Mac\":\"0004f2000001\",\"Model\":\"CX600\"}" >expected &&
	test_cmp expected actual
'

test_expect_success 'calculated properties: Name/Expression, n/e, Label, a property name' '
	run >actual <<-\EOF &&
	$phones[0] | Select-Object @{Name="Vendor"; Expression={ "Polycom " + $_.Model }},
		@{n="Short"; e={ $_.Mac.Substring(8) }}, @{l="Where"; e="Site"}, @{e="Model"} |
		ConvertTo-Json -Compress
	EOF
	echo "{\"Vendor\":\"Polycom CX600\",\"Short\":\"0001\",\"Where\":\"HQ\",\"Model\":\"CX600\"}" >expected &&
	test_cmp expected actual
'

test_expect_success '-ExcludeProperty alone keeps every other property' '
	echo "\$phones[0] | Select-Object -ExcludeProperty Tags, *ware | ConvertTo-Json -Compress" |
		run >actual &&
	echo "{\"Mac\":\"0004f2000001\",\"Model\":\"CX600\",\"Site\":\"HQ\"}" >expected &&
	test_cmp expected actual
'

test_expect_success '-ExcludeProperty with -Property removes from the selection' '
	echo "\$phones[0] | Select-Object M*, Site -ExcludeProperty model | ConvertTo-Json -Compress" |
		run >actual &&
	echo "{\"Mac\":\"0004f2000001\",\"Site\":\"HQ\"}" >expected &&
	test_cmp expected actual
'

test_expect_success '-ExpandProperty writes values, and lists item by item' '
	echo "\$phones | Select-Object -ExpandProperty Model; \$phones | Select-Object -ExpandProperty Tags" |
		run >actual &&
	printf "%s\n" CX600 CX500 lobby vip >expected &&
	test_cmp expected actual
'

test_expect_success '-ExpandProperty with -Property adds to an object value' '
	run >actual <<-\EOF &&
	@{Name="x"; Phone=@{Mac="m1"}} | Select-Object -ExpandProperty Phone -Property Name |
		ConvertTo-Json -Compress
	EOF
	echo "{\"Mac\":\"m1\",\"Name\":\"x\"}" >expected &&
	test_cmp expected actual
'

test_expect_success '-ExpandProperty of a missing property is an error naming it' '
	echo "\$phones | Select-Object -ExpandProperty Owner; \"after\"" | test_expect_code 1 run >actual 2>err &&
	test_grep "Select-Object : property .Owner. cannot be found" err &&
	echo after >expected &&
	test_cmp expected actual
'

test_expect_success '-First, -Last and -Skip' '
	$UCSH -c "1..10 | Select-Object -First 3; 1..10 | Select-Object -Last 2; 1..10 | Select-Object -Skip 8; 1..10 | Select-Object -Skip 2 -First 1" >actual &&
	printf "%s\n" 1 2 3 9 10 9 10 3 >expected &&
	test_cmp expected actual
'

test_expect_success '-Skip with -Last counts from the end' '
	$UCSH -c "1..10 | Select-Object -Last 3 -Skip 2" >actual &&
	printf "%s\n" 6 7 8 >expected &&
	test_cmp expected actual
'

test_expect_success '-Last keeps the last ones of a long input' '
	$UCSH -c "1..5000 | Select-Object -Last 2" >actual &&
	printf "%s\n" 4999 5000 >expected &&
	test_cmp expected actual
'

test_expect_success '-First 0 writes nothing' '
	$UCSH -c "1..3 | Select-Object -First 0; \"done\"" >actual &&
	echo done >expected &&
	test_cmp expected actual
'

test_expect_success '-First stops the commands before it: nothing more is made' '
	$UCSH -c "1..5 | ForEach-Object { Write-Host made \$_; \$_ } | Select-Object -First 2; \"next\"" >actual &&
	printf "%s\n" "made 1" 1 "made 2" 2 next >expected &&
	test_cmp expected actual
'

test_expect_success '-First 1 of a million numbers is quick' '
	start=$(date +%s) &&
	$UCSH -c "1..1000000 | ForEach-Object { \$_ } | Select-Object -First 1" >actual &&
	end=$(date +%s) &&
	echo 1 >expected &&
	test_cmp expected actual &&
	test $((end - start)) -lt 10
'

test_expect_success '-Unique drops objects identical to one written before' '
	$UCSH -c "1, 2, 1, 3, 2 | Select-Object -Unique; \"a\", \"A\" | Select-Object -Unique" >actual &&
	printf "%s\n" 1 2 3 a A >expected &&
	test_cmp expected actual
'

test_expect_success '-Unique compares the selected properties' '
	echo "\$phones + \$phones | Select-Object Site -Unique | ForEach-Object Site" | run >actual &&
	printf "%s\n" HQ Branch >expected &&
	test_cmp expected actual
'

test_expect_success 'without -Property objects keep their type and default view' '
	$UCSH -c "1, 1, 2 | Group-Object | Select-Object -First 1" >actual &&
	cat >expected <<-\EOF &&
	Count Name Group
	----- ---- -----
	    2 1    {1, 1}
	EOF
	test_cmp expected actual
'

test_expect_success 'with -Property the objects are new: the type and its view are gone' '
	$UCSH -c "1, 1, 2 | Group-Object | Select-Object Name, Count" >actual &&
	cat >expected <<-\EOF &&
	Name Count
	---- -----
	1        2
	2        1
	EOF
	test_cmp expected actual
'

test_expect_success 'the input is not changed by selecting from it' '
	echo "\$p = \$phones | Select-Object Mac; \$phones[0].Model" | run >actual &&
	echo CX600 >expected &&
	test_cmp expected actual
'

test_expect_success 'a negative count is an error' '
	test_expect_code 1 $UCSH -c "1 | Select-Object -First -1" 2>err &&
	test_grep "First cannot be negative" err
'

test_expect_success '-First with -Last is an error' '
	test_expect_code 1 $UCSH -c "1 | Select-Object -First 1 -Last 1" 2>err &&
	test_grep "First and -Last cannot be used together" err
'

test_expect_success 'an unknown key in a calculated property is an error naming it' '
	test_expect_code 1 $UCSH -c "1 | Select-Object @{Name=\"a\"; Colour={ 1 }}" 2>err &&
	test_grep "Select-Object : .Colour. is not a key of a calculated property" err
'

test_expect_success 'a calculated property without Expression is an error' '
	test_expect_code 1 $UCSH -c "1 | Select-Object @{Name=\"a\"}" 2>err &&
	test_grep "needs an Expression" err
'

test_done
