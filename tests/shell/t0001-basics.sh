#!/bin/sh
# The ways ucsh is started: -c, a script with arguments, stdin, options,
# and the exit status each gives.
. "$(dirname "$0")/test-lib.sh"

test_expect_success '-c runs commands and exits 0' '
	$UCSH -c "Write-Output hello" >actual &&
	echo hello >expected &&
	test_cmp expected actual
'

test_expect_success 'an unknown cmdlet exits 1 and names the cmdlet' '
	test_expect_code 1 $UCSH -c "Get-Nonexistent" >out 2>err &&
	test_grep "^Get-Nonexistent : " err &&
	test_grep "is not the name of a cmdlet" err &&
	test ! -s out
'

test_expect_success 'a syntax error names line and column and runs nothing' '
	test_expect_code 1 $UCSH -c "Write-Output before
Write-Output (1 +" >out 2>err &&
	test_grep "syntax error: line 2, column" err &&
	test ! -s out
'

test_expect_success 'the column of a syntax error points at the fault' '
	test_expect_code 1 $UCSH -c "\$x = @{ a 1 }" 2>err &&
	test_grep "line 1, column 11: expected .=. after a key" err
'

test_expect_success 'a script file runs with $args' '
	cat >script.ucsh <<-\EOS &&
	# a comment
	Write-Output "count $($args.Count)"
	foreach ($a in $args) { "arg $a" }
	EOS
	$UCSH script.ucsh one "two words" >actual &&
	printf "count 2\narg one\narg two words\n" >expected &&
	test_cmp expected actual
'

test_expect_success 'commands come from stdin when it is not a terminal' '
	printf "\$x = 40\n\$x + 2\n" | $UCSH >actual &&
	echo 42 >expected &&
	test_cmp expected actual
'

test_expect_success 'exit N sets the exit status and stops the script' '
	test_expect_code 3 $UCSH -c "Write-Output a; exit 3; Write-Output b" >actual &&
	echo a >expected &&
	test_cmp expected actual
'

test_expect_success 'a non-terminating error lets the script go on, status 1' '
	test_expect_code 1 $UCSH -c "Write-Error oops; Write-Output after" >out 2>err &&
	test_grep "^Write-Error : oops" err &&
	echo after >expected &&
	test_cmp expected out
'

test_expect_success '-ErrorAction Stop stops the script' '
	test_expect_code 1 $UCSH -c "Write-Error oops -ErrorAction Stop; Write-Output after" >out 2>err &&
	test ! -s out
'

test_expect_success '-ErrorAction SilentlyContinue writes nothing and exits 0' '
	$UCSH -c "Write-Error oops -ErrorAction SilentlyContinue; Write-Output after" >out 2>err &&
	test ! -s err &&
	echo after >expected &&
	test_cmp expected out
'

test_expect_success 'a usage error exits 2' '
	test_expect_code 2 $UCSH --no-such-option 2>err &&
	test_grep "usage: ucsh" err &&
	test_expect_code 2 $UCSH -o yaml -c "1" 2>err &&
	test_grep "table, list, json or csv" err
'

test_expect_success '--version and --help' '
	$UCSH --version >out && test_grep "^ucsh [0-9]" out &&
	$UCSH --help >out && test_grep "usage: ucsh" out
'

test_expect_success 'a missing script file is an error' '
	test_expect_code 2 $UCSH no-such-file.ucsh 2>err &&
	test_grep "cannot open no-such-file.ucsh" err
'

test_expect_success 'no colour escapes when output is not a terminal' '
	$UCSH -c "Write-Error x; @{a=1}" >out 2>err;
	! grep -q "$(printf "\033")" out &&
	! grep -q "$(printf "\033")" err
'

test_expect_success '-o json writes one JSON document' '
	$UCSH -o json -c "@{Name=\"a\"; N=1}; @{Name=\"b\"; N=2}" >actual &&
	cat >expected <<-\EOF &&
	[
	  {
	    "Name": "a",
	    "N": 1
	  },
	  {
	    "Name": "b",
	    "N": 2
	  }
	]
	EOF
	test_cmp expected actual
'

test_expect_success '-o csv writes a header and rows' '
	$UCSH -o csv -c "@{Name=\"a\"; N=1}; @{Name=\"b,c\"; N=2}" >actual &&
	printf "\"Name\",\"N\"\n\"a\",\"1\"\n\"b,c\",\"2\"\n" >expected &&
	test_cmp expected actual
'

test_expect_success '-o list writes Name : value lines' '
	$UCSH -o list -c "@{Name=\"a\"; Count=1}" >actual &&
	test_grep "^Name  : a" actual &&
	test_grep "^Count : 1" actual
'

test_done
