#!/bin/sh
# ForEach-Object: script blocks (begin/process/end) and the member-name form.
. "$(dirname "$0")/test-lib.sh"

# out 'ucsh commands' lines...: run and compare stdout exactly.
out() {
	cmd=$1
	shift
	printf '%s\n' "$@" >expected &&
	$UCSH -c "$cmd" >actual &&
	test_cmp expected actual
}

test_expect_success '-Process runs for each object with $_ set to it' '
	out "1..3 | ForEach-Object { \$_ * 10 }" 10 20 30
'

test_expect_success 'what a block writes goes down the pipeline item by item' '
	out "1, 2 | ForEach-Object { \$_; \$_ } | Measure-Object | ForEach-Object Count" 4
'

test_expect_success '-Begin and -End run once, around the objects' '
	out "1..3 | ForEach-Object -Begin { \$n = 0; \"start\" } -Process { \$n += \$_ } -End { \"sum \$n\" }" \
		start "sum 6"
'

test_expect_success 'two blocks by position are begin and process' '
	out "1, 2 | ForEach-Object { \"b\" } { \"p\$_\" }" b p1 p2
'

test_expect_success 'three blocks by position are begin, process and end' '
	out "1, 2 | ForEach-Object { \"b\" } { \"p\$_\" } { \"e\" }" b p1 p2 e
'

test_expect_success 'the aliases % and foreach' '
	out "1, 2 | % { \$_ + 1 }; 3 | foreach { \$_ + 1 }" 2 3 4
'

test_expect_success 'a member name writes that property of each object' '
	out "@{Name=\"a\"; Tags=@(\"x\", \"y\")}, @{Name=\"b\"} | ForEach-Object Name" a b
'

test_expect_success 'a list property is written item by item' '
	out "@{Tags=@(\"x\", \"y\")}, @{Tags=@(\"z\")} | ForEach-Object -MemberName Tags" x y z
'

test_expect_success 'a missing property writes nothing, as in PowerShell' '
	out "@{Name=\"a\"} | ForEach-Object Owner; \"done\"" done
'

test_expect_success 'a member name calls a method, with arguments after it' '
	out "\"abc\" | % ToUpper; \"a,b\", \"c\" | % Split \",\"; \"x-y\" | % Replace -ArgumentList \"-\", \"+\"" \
		ABC a b c x+y
'

test_expect_success 'first in a pipeline, the block runs once' '
	out "ForEach-Object { \"once\" }" once
'

test_expect_success '-InputObject gives the object by name' '
	out "ForEach-Object -InputObject 4 { \$_ * 2 }" 8
'

test_expect_success 'an error in the block is reported and the next objects go on' '
	printf "%s\n" 1 3 >expected &&
	test_expect_code 1 $UCSH -c "1, 2, 3 | ForEach-Object { if (\$_ -eq 2) { Write-Error \"bad \$_\" } else { \$_ } }" >actual 2>err &&
	test_cmp expected actual &&
	test_grep "bad 2" err
'

test_expect_success '-ErrorAction Stop in the block stops the script' '
	echo 1 >expected &&
	test_expect_code 1 $UCSH -c "1, 2, 3 | ForEach-Object { if (\$_ -eq 2) { Write-Error stop -ErrorAction Stop }; \$_ }; \"not reached\"" >actual 2>err &&
	test_cmp expected actual
'

test_expect_success 'neither a block nor a member name is an error' '
	test_expect_code 1 $UCSH -c "1 | ForEach-Object" 2>err &&
	test_grep "ForEach-Object : give a script block to run, or a member name" err
'

test_expect_success '-ArgumentList without a member name is an error' '
	test_expect_code 1 $UCSH -c "1 | ForEach-Object { 1 } -ArgumentList 2" 2>err &&
	test_grep "ArgumentList goes with -MemberName" err
'

test_expect_success 'a value that is not a script block after one is an error' '
	test_expect_code 1 $UCSH -c "1 | ForEach-Object { 1 } 2" 2>err &&
	test_grep "ForEach-Object takes script blocks" err
'

test_done
