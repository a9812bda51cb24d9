#!/bin/sh
# Export-Csv and Import-Csv.
. "$(dirname "$0")/test-lib.sh"

cat >phones.ps1 <<'EOF_PHONES'
$phones = @(
	@{Mac="0004f2000001"; Model="CX600"; Lines=2}
	@{Mac="0004f2000002"; Model="CX3000"; Lines=10}
)
EOF_PHONES

# run: phones.ps1, then the script on stdin.
run() {
	cat phones.ps1 - | $UCSH
}

test_expect_success 'Export-Csv writes a header and one quoted record per object' '
	echo "\$phones | Export-Csv phones.csv" | run >actual &&
	test_must_fail test -s actual &&
	cat >expected <<-\EOF &&
	"Mac","Model","Lines"
	"0004f2000001","CX600","2"
	"0004f2000002","CX3000","10"
	EOF
	test_cmp expected phones.csv
'

test_expect_success 'Import-Csv reads the objects back, every value as text' '
	$UCSH -c "Import-Csv phones.csv | ConvertTo-Json -Compress" >actual &&
	echo "[{\"Mac\":\"0004f2000001\",\"Model\":\"CX600\",\"Lines\":\"2\"},{\"Mac\":\"0004f2000002\",\"Model\":\"CX3000\",\"Lines\":\"10\"}]" >expected &&
	test_cmp expected actual
'

test_expect_success 'tricky values survive Export then Import' '
	cat >script <<-\EOF &&
	$o = @{comma="a, b"; quote="say ""hi"""; nl="line 1`nline 2"; crlf="x`r`ny"; uni="Zürich ☎ 東京"; sp="  padded  "; empty=""; hash="#TYPE x"}
	$o | Export-Csv tricky.csv
	$o | ConvertTo-Json -Compress
	Import-Csv tricky.csv | ConvertTo-Json -Compress
	EOF
	$UCSH script >actual &&
	head -n 1 actual >want &&
	tail -n 1 actual >got &&
	test_cmp want got &&
	test_grep -F "\"say \"\"hi\"\"\"" tricky.csv
'

test_expect_success 'a second export of the imported file is identical' '
	$UCSH -c "Import-Csv tricky.csv | Export-Csv again.csv" &&
	test_cmp tricky.csv again.csv
'

test_expect_success 'the first object decides the columns' '
	$UCSH -c "@{a=1; b=2}, @{b=3; c=4} | Export-Csv cols.csv" &&
	cat >expected <<-\EOF &&
	"a","b"
	"1","2"
	"","3"
	EOF
	test_cmp expected cols.csv
'

test_expect_success '-Delimiter, for writing and for reading' '
	echo "\$phones | Export-Csv semi.csv -Delimiter \";\"; Import-Csv semi.csv -Delimiter \";\" | ForEach-Object Model" |
		run >actual &&
	printf "%s\n" CX600 CX3000 >expected &&
	test_cmp expected actual &&
	head -n 1 semi.csv >first &&
	echo "\"Mac\";\"Model\";\"Lines\"" >expected &&
	test_cmp expected first
'

test_expect_success 'a delimiter of more than one character is an error, and nothing is written' '
	test_expect_code 1 $UCSH -c "1 | Export-Csv d.csv -Delimiter ab" 2>err &&
	test_grep "Delimiter must be one ASCII character" err &&
	test_must_fail test -e d.csv
'

test_expect_success '-Append adds records under the existing header, in its order' '
	cp phones.csv app.csv &&
	$UCSH -c "@{Lines=1; Mac=\"m3\"; Model=\"CX500\"; Extra=\"x\"} | Export-Csv app.csv -Append" &&
	cat >expected <<-\EOF &&
	"Mac","Model","Lines"
	"0004f2000001","CX600","2"
	"0004f2000002","CX3000","10"
	"m3","CX500","1"
	EOF
	test_cmp expected app.csv
'

test_expect_success '-Append of an object lacking a column is an error; -Force writes it' '
	cp phones.csv app2.csv &&
	test_expect_code 1 $UCSH -c "@{Mac=\"m4\"} | Export-Csv app2.csv -Append" 2>err &&
	test_grep "cannot append to app2.csv: the object has no property .Model." err &&
	test_cmp phones.csv app2.csv &&
	$UCSH -c "@{Mac=\"m4\"} | Export-Csv app2.csv -Append -Force" &&
	tail -n 1 app2.csv >last &&
	echo "\"m4\",\"\",\"\"" >expected &&
	test_cmp expected last
'

test_expect_success '-Append to a new or empty file writes the header' '
	: >empty.csv &&
	$UCSH -c "@{a=1} | Export-Csv empty.csv -Append; @{a=2} | Export-Csv new.csv -Append; @{a=3} | Export-Csv new.csv -Append" &&
	printf "%s\n" "\"a\"" "\"1\"" >expected &&
	test_cmp expected empty.csv &&
	printf "%s\n" "\"a\"" "\"2\"" "\"3\"" >expected &&
	test_cmp expected new.csv
'

test_expect_success '-Append after a last line without a line break' '
	printf "a,b" >nonl.csv &&
	$UCSH -c "@{a=1; b=2} | Export-Csv nonl.csv -Append" &&
	printf "%s\n" "a,b" "\"1\",\"2\"" >expected &&
	test_cmp expected nonl.csv
'

test_expect_success '-NoClobber refuses to replace a file, but writes a new one' '
	cp phones.csv keep.csv &&
	test_expect_code 1 $UCSH -c "@{a=1} | Export-Csv keep.csv -NoClobber" 2>err &&
	test_grep "the file keep.csv already exists" err &&
	test_cmp phones.csv keep.csv &&
	$UCSH -c "@{a=1} | Export-Csv fresh.csv -NoClobber -NoTypeInformation" &&
	test -s fresh.csv
'

test_expect_success '-WhatIf writes nothing, neither a new file nor over an old one' '
	cp phones.csv old.csv &&
	$UCSH -c "@{a=1} | Export-Csv whatif.csv -WhatIf; @{a=1} | Export-Csv old.csv -WhatIf" >actual &&
	test_must_fail test -e whatif.csv &&
	test_cmp phones.csv old.csv &&
	test_grep "What if: Performing the operation \"Export to CSV file\" on target \"whatif.csv\"" actual
'

test_expect_success 'Export-Csv writes objects only' '
	test_expect_code 1 $UCSH -c "1, 2 | Export-Csv nums.csv" 2>err &&
	test_grep "Export-Csv writes objects, not .1. (Int64)" err
'

test_expect_success 'Export-Csv into a missing directory names the path' '
	test_expect_code 1 $UCSH -c "@{a=1} | Export-Csv no/such/dir.csv" 2>err &&
	test_grep "cannot open no/such/dir.csv: No such file or directory" err
'

test_expect_success 'Import-Csv -Header reads the first line as a record' '
	$UCSH -c "Import-Csv phones.csv -Header A, B, C | Select-Object -First 1 | ConvertTo-Json -Compress" >actual &&
	echo "{\"A\":\"Mac\",\"B\":\"Model\",\"C\":\"Lines\"}" >expected &&
	test_cmp expected actual
'

test_expect_success 'Import-Csv skips a #TYPE line and fills short records with nothing' '
	printf "%s\n" "#TYPE Phone" "Mac,Model" "m1" "m2,CX600" >typed.csv &&
	$UCSH -c "Import-Csv typed.csv | ConvertTo-Json -Compress" >actual &&
	echo "[{\"Mac\":\"m1\",\"Model\":null},{\"Mac\":\"m2\",\"Model\":\"CX600\"}]" >expected &&
	test_cmp expected actual
'

test_expect_success 'Import-Csv reads several files, and paths from the pipeline' '
	$UCSH -c "Import-Csv phones.csv, app.csv | Measure-Object | ForEach-Object Count; \"phones.csv\" | Import-Csv | Measure-Object | ForEach-Object Count" >actual &&
	printf "%s\n" 5 2 >expected &&
	test_cmp expected actual
'

test_expect_success 'a missing file is an error naming it; the next file is still read' '
	test_expect_code 1 $UCSH -c "Import-Csv nope.csv, phones.csv | ForEach-Object Model" >actual 2>err &&
	test_grep "Import-Csv : cannot open nope.csv: No such file or directory" err &&
	printf "%s\n" CX600 CX3000 >expected &&
	test_cmp expected actual
'

test_expect_success 'a malformed file is an error naming the file and the line' '
	printf "%s\n" "a,b" "1,2" "\"3,4" >bad.csv &&
	test_expect_code 1 $UCSH -c "Import-Csv bad.csv | ForEach-Object a" >actual 2>err &&
	test_grep "Import-Csv : bad.csv: line 3: unterminated quoted field" err &&
	echo 1 >expected &&
	test_cmp expected actual
'

test_expect_success 'a record longer than the header is an error naming the line' '
	printf "%s\n" "a,b" "1,2" "3,4,5" >long.csv &&
	test_expect_code 1 $UCSH -c "Import-Csv long.csv" 2>err &&
	test_grep "long.csv: line 3: 3 fields, but the header has 2 columns" err
'

test_expect_success 'a directory is not a CSV file' '
	mkdir dir &&
	test_expect_code 1 $UCSH -c "Import-Csv dir" 2>err &&
	test_grep "dir is a directory" err
'

test_expect_success 'Select-Object -First stops reading a large file early' '
	$UCSH -c "1..20000 | ForEach-Object { @{n=\$_} } | Export-Csv big.csv" &&
	$UCSH -c "Import-Csv big.csv | Select-Object -First 2 | ForEach-Object n" >actual &&
	printf "%s\n" 1 2 >expected &&
	test_cmp expected actual
'

test_done
