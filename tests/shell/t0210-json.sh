#!/bin/sh
# ConvertTo-Json and ConvertFrom-Json.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'one object: indented by two, properties in order' '
	$UCSH -c "@{Mac=\"0004f2000001\"; Lines=2; Ok=\$true; Owner=\$null; Tags=@(\"a\", \"b\")} | ConvertTo-Json" >actual &&
	cat >expected <<-\EOF &&
	{
	  "Mac": "0004f2000001",
	  "Lines": 2,
	  "Ok": true,
	  "Owner": null,
	  "Tags": [
	    "a",
	    "b"
	  ]
	}
	EOF
	test_cmp expected actual
'

test_expect_success 'several inputs make one array; -Compress writes one line' '
	$UCSH -c "1, \"two\", @{a=3} | ConvertTo-Json -Compress" >actual &&
	echo "[1,\"two\",{\"a\":3}]" >expected &&
	test_cmp expected actual
'

test_expect_success 'the whole document is one string' '
	$UCSH -c "1, 2 | ConvertTo-Json | Measure-Object | ForEach-Object Count" >actual &&
	echo 1 >expected &&
	test_cmp expected actual
'

test_expect_success '-AsArray makes an array of one; -InputObject takes a list whole' '
	$UCSH -c "1 | ConvertTo-Json -AsArray -Compress; ConvertTo-Json -InputObject @(7) -Compress; 7 | ConvertTo-Json" >actual &&
	printf "%s\n" "[1]" "[7]" 7 >expected &&
	test_cmp expected actual
'

test_expect_success 'deeper than -Depth 2 becomes text, with a warning' '
	$UCSH -c "@{a=@{b=@{c=@{d=1}}}} | ConvertTo-Json -Compress" >actual 2>err &&
	echo "{\"a\":{\"b\":{\"c\":\"@{d=1}\"}}}" >expected &&
	test_cmp expected actual &&
	test_grep "^WARNING: Resulting JSON is truncated as serialization has exceeded the set depth of 2.$" err
'

test_expect_success '-Depth keeps deeper levels; no warning when nothing is cut' '
	$UCSH -c "@{a=@{b=@{c=@{d=1}}}} | ConvertTo-Json -Compress -Depth 3" >actual 2>err &&
	echo "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}" >expected &&
	test_cmp expected actual &&
	test_must_fail test -s err
'

test_expect_success 'lists count as a level; -Depth 0 keeps only the top' '
	$UCSH -c "@{a=@(1, @(2, 3)); b=@{c=1}} | ConvertTo-Json -Compress -Depth 0; @(1, @(2, @(3))) | ConvertTo-Json -Compress -Depth 1 -AsArray" >actual 2>/dev/null &&
	printf "%s\n" "{\"a\":\"1 2 3\",\"b\":\"@{c=1}\"}" "[1,[2,\"3\"]]" >expected &&
	test_cmp expected actual
'

test_expect_success '-Depth out of range is an error' '
	test_expect_code 1 $UCSH -c "1 | ConvertTo-Json -Depth 101" 2>err &&
	test_grep "Depth must be from 0 to 100" err
'

test_expect_success 'hidden type names never reach JSON; reals stay short' '
	$UCSH -c "1 | Group-Object | ConvertTo-Json -Compress; 0.1, 2.5 | ConvertTo-Json -Compress" >actual &&
	printf "%s\n" "{\"Count\":1,\"Name\":\"1\",\"Group\":[1],\"Values\":[1]}" "[0.1,2.5]" >expected &&
	test_cmp expected actual
'

test_expect_success 'a script block is written as its text' '
	$UCSH -c "@{f={ \$_.Mac }} | ConvertTo-Json -Compress" >actual &&
	echo "{\"f\":\"{ \$_.Mac }\"}" >expected &&
	test_cmp expected actual
'

test_expect_success 'ConvertFrom-Json writes the items of an array one by one' '
	$UCSH -c "\"[1, 2, 3]\" | ConvertFrom-Json | Measure-Object | ForEach-Object Count; \"[1, 2, 3]\" | ConvertFrom-Json -NoEnumerate | Measure-Object | ForEach-Object Count" >actual &&
	printf "%s\n" 3 1 >expected &&
	test_cmp expected actual
'

test_expect_success 'objects get their properties in order; nested ones too' '
	$UCSH -c "ConvertFrom-Json \"{\"\"b\"\": 1, \"\"a\"\": {\"\"x\"\": [1, {\"\"y\"\": null}]}}\" | ForEach-Object { \$_.a.x[1].y -eq \$null; \$_ | ConvertTo-Json -Compress -Depth 5 }" >actual &&
	printf "%s\n" True "{\"b\":1,\"a\":{\"x\":[1,{\"y\":null}]}}" >expected &&
	test_cmp expected actual
'

test_expect_success 'property names are case-insensitive once read' '
	$UCSH -c "(ConvertFrom-Json \"{\"\"MacAddress\"\": \"\"m1\"\"}\").macaddress" >actual &&
	echo m1 >expected &&
	test_cmp expected actual
'

test_expect_success 'strings that are lines of one document are joined' '
	$UCSH -c "\"{\", \"  \"\"a\"\": 1,\", \"  \"\"b\"\": 2\", \"}\" | ConvertFrom-Json | ConvertTo-Json -Compress" >actual &&
	echo "{\"a\":1,\"b\":2}" >expected &&
	test_cmp expected actual
'

test_expect_success 'strings that are whole documents are read one by one' '
	$UCSH -c "\"{\"\"a\"\": 1}\", \"{\"\"a\"\": 2}\", \"3\" | ConvertFrom-Json | ForEach-Object { \$_ | ConvertTo-Json -Compress }" >actual &&
	printf "%s\n" "{\"a\":1}" "{\"a\":2}" 3 >expected &&
	test_cmp expected actual
'

test_expect_success 'values survive a round trip: unicode, quotes, new lines, numbers' '
	cat >script <<-\EOF &&
	$o = @{s="Zürich ☎ `"q`" a,b"; nl="l1`nl2"; i=-42; r=0.125; t=$true; f=$false; n=$null; e=""}
	$back = $o | ConvertTo-Json | ConvertFrom-Json
	$back | ConvertTo-Json -Compress
	($back.nl -split "`n").Count
	EOF
	$UCSH script >actual &&
	cat >expected <<-\EOF &&
	{"s":"Zürich ☎ \"q\" a,b","nl":"l1\nl2","i":-42,"r":0.125,"t":true,"f":false,"n":null,"e":""}
	2
	EOF
	test_cmp expected actual
'

test_expect_success 'the example of the foundation issue' '
	cat >script <<-\EOF &&
	ConvertFrom-Json "[{""n"":""a"",""v"":""4.0.7577.4100""},{""n"":""b"",""v"":""4.0.7577.250""}]" | Where-Object v -gt 4.0.7577.1000 | Select-Object -ExpandProperty n
	EOF
	$UCSH script >actual &&
	echo a >expected &&
	test_cmp expected actual
'

test_expect_success 'bad JSON: an error with line and column, exit status 1' '
	test_expect_code 1 $UCSH -c "\"{\", \"  \"\"a\"\": [1,\", \"  }\" | ConvertFrom-Json" >out 2>err &&
	test_grep "ConvertFrom-Json : invalid JSON at line 3, column 3: " err &&
	test_must_fail test -s out
'

test_expect_success 'bad JSON on one line names column' '
	test_expect_code 1 $UCSH -c "ConvertFrom-Json \"{\"\"a\"\" 1}\"" 2>err &&
	test_grep "invalid JSON at line 1, column 6: .:. expected near .1.$" err
'

test_expect_success 'keys that differ only in case are an error, unless -AsHashtable' '
	test_expect_code 1 $UCSH -c "ConvertFrom-Json \"{\"\"a\"\": 1, \"\"A\"\": 2}\"" 2>err &&
	test_grep "keys that differ only in case: .a. and .A." err &&
	$UCSH -c "ConvertFrom-Json \"{\"\"a\"\": 1, \"\"A\"\": 2}\" -AsHashtable | ConvertTo-Json -Compress" >actual &&
	echo "{\"a\":1,\"A\":2}" >expected &&
	test_cmp expected actual
'

test_expect_success 'a duplicate key is an error' '
	test_expect_code 1 $UCSH -c "ConvertFrom-Json \"{\"\"a\"\": 1, \"\"a\"\": 2}\"" 2>err &&
	test_grep "duplicate object key" err
'

test_expect_success 'JSON cannot forge the hidden type of an object' '
	test_expect_code 1 $UCSH -c "ConvertFrom-Json \"{\"\"\\u001ftype\"\": \"\"GroupInfo\"\", \"\"Count\"\": 1}\"" >out 2>err &&
	test_grep "begins with the control character U+001F" err &&
	test_must_fail test -s out
'

test_expect_success 'nesting beyond -Depth is an error' '
	test_expect_code 1 $UCSH -c "\"[[[1]]]\" | ConvertFrom-Json -Depth 2" 2>err &&
	test_grep "nested more than 2 levels deep" err &&
	$UCSH -c "\"[[[1]]]\" | ConvertFrom-Json -Depth 3 | ConvertTo-Json -Compress" >actual &&
	echo "[[1]]" >expected &&
	test_cmp expected actual
'

test_expect_success 'blank input gives nothing; no input is an error' '
	$UCSH -c "\"  \" | ConvertFrom-Json; \"done\"" >actual &&
	echo done >expected &&
	test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "ConvertFrom-Json" 2>err &&
	test_grep "missing the mandatory parameter -InputObject" err
'

test_expect_success 'input larger than 64 MiB is refused' '
	test_expect_code 1 $UCSH -c "\$s = \"x\" * (15 * 1024 * 1024); \$s, \$s, \$s, \$s, \$s | ConvertFrom-Json" 2>err &&
	test_grep "larger than 64 MiB" err
'

test_done
