#!/bin/sh
# Format-Table and Format-List: text through the formatter, one string per
# line down the pipeline.
. "$(dirname "$0")/test-lib.sh"

cat >phones.ps1 <<'EOF_PHONES'
$phones = @(
	@{Mac="0004f2000001"; Model="CX600"; Lines=2; Firmware="4.0.7577.4100"}
	@{Mac="0004f2000002"; Model="CX3000"; Lines=10; Firmware="4.0.7577.250"}
)
EOF_PHONES

# run: phones.ps1, then the script on stdin.
run() {
	cat phones.ps1 - | $UCSH
}

test_expect_success 'Format-Table shows every property, numbers to the right' '
	echo "\$phones | Format-Table" | run >actual &&
	cat >expected <<-\EOF &&
	Mac          Model  Lines Firmware
	---          -----  ----- --------
	0004f2000001 CX600      2 4.0.7577.4100
	0004f2000002 CX3000    10 4.0.7577.250
	EOF
	test_cmp expected actual
'

test_expect_success 'Format-Table -Property chooses columns, wildcards included' '
	echo "\$phones | Format-Table Model, *ware" | run >actual &&
	cat >expected <<-\EOF &&
	Model  Firmware
	-----  --------
	CX600  4.0.7577.4100
	CX3000 4.0.7577.250
	EOF
	test_cmp expected actual
'

test_expect_success 'Format-Table -HideTableHeaders leaves out names and dashes' '
	echo "\$phones | ft Model, Lines -HideTableHeaders" | run >actual &&
	cat >expected <<-\EOF &&
	CX600      2
	CX3000    10
	EOF
	test_cmp expected actual
'

test_expect_success '-HideTableHeaders holds for every table' '
	echo "\$(\$phones | Select-Object Model; 1, 1 | Group-Object) | Format-Table -HideTableHeaders" | run >actual &&
	cat >expected <<-\EOF &&
	CX600
	CX3000

	    2 1    {1, 1}
	EOF
	test_cmp expected actual
'

test_expect_success 'the default view of a type decides the columns' '
	$UCSH -c "1, 1 | Group-Object | Format-Table" >actual &&
	cat >expected <<-\EOF &&
	Count Name Group
	----- ---- -----
	    2 1    {1, 1}
	EOF
	test_cmp expected actual
'

test_expect_success 'the output is strings, one per line' '
	echo "\$phones | Format-Table Model | ForEach-Object { \"[\$_]\" }" | run >actual &&
	cat >expected <<-\EOF &&
	[Model]
	[-----]
	[CX600]
	[CX3000]
	EOF
	test_cmp expected actual &&
	echo "\$phones | Format-Table Model | ConvertTo-Json -Compress" | run >actual &&
	echo "[\"Model\",\"-----\",\"CX600\",\"CX3000\"]" >expected &&
	test_cmp expected actual
'

test_expect_success 'Format-Table | Out-File writes the table to a file' '
	echo "\$phones | Format-Table Model, Lines | Out-File t.txt" | run >actual &&
	test_must_fail test -s actual &&
	cat >expected <<-\EOF &&
	Model  Lines
	-----  -----
	CX600      2
	CX3000    10
	EOF
	test_cmp expected t.txt
'

test_expect_success '-AutoSize is accepted and changes nothing' '
	echo "\$phones | Format-Table Model -AutoSize" | run >actual &&
	echo "\$phones | Format-Table Model" | run >expected &&
	test_cmp expected actual
'

test_expect_success 'Format-List shows Name : value, a blank line between objects' '
	echo "\$phones | Format-List" | run >actual &&
	cat >expected <<-\EOF &&
	Mac      : 0004f2000001
	Model    : CX600
	Lines    : 2
	Firmware : 4.0.7577.4100

	Mac      : 0004f2000002
	Model    : CX3000
	Lines    : 10
	Firmware : 4.0.7577.250
	EOF
	test_cmp expected actual
'

test_expect_success 'Format-List -Property and the alias fl' '
	echo "\$phones | fl M*" | run >actual &&
	cat >expected <<-\EOF &&
	Mac   : 0004f2000001
	Model : CX600

	Mac   : 0004f2000002
	Model : CX3000
	EOF
	test_cmp expected actual
'

test_expect_success 'Format-List of a typed object shows all of its properties' '
	$UCSH -c "1, 1 | Group-Object | Format-List" >actual &&
	cat >expected <<-\EOF &&
	Count  : 2
	Name   : 1
	Group  : {1, 1}
	Values : {1}
	EOF
	test_cmp expected actual
'

test_expect_success 'plain values are written as their text' '
	$UCSH -c "1, \"two\" | Format-Table" >actual &&
	printf "%s\n" 1 two >expected &&
	test_cmp expected actual
'

test_expect_success 'control characters in data cannot reach the terminal' '
	$UCSH -c "@{a=\"x\`e[31my\"} | Format-Table | ForEach-Object { \$_.Contains(\"\`e\") }" >actual &&
	printf "%s\n" False False False >expected &&
	test_cmp expected actual
'

test_expect_success 'a parameter Format-Table does not have is an error' '
	test_expect_code 1 $UCSH -c "1 | Format-Table -Wide" 2>err &&
	test_grep "Format-Table has no parameter -Wide" err
'

test_done
