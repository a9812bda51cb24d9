#!/bin/sh
# The language: values, variables, strings, operators, control flow.
. "$(dirname "$0")/test-lib.sh"

# out 'ucsh commands' 'expected lines...': run and compare stdout exactly.
out() {
	cmd=$1
	shift
	printf '%s\n' "$@" >expected &&
	$UCSH -c "$cmd" >actual &&
	test_cmp expected actual
}

test_expect_success 'numbers and arithmetic' '
	out "1 + 2 * 3; (1 + 2) * 3; 7 / 2; 7 % 3; -5 + 1; 1kb; 0x10" 7 9 3.5 1 -4 1024 16
'

test_expect_success 'variables are case-insensitive and $null is nothing' '
	out "\$Name = \"ken\"; \$NAME; \$null; \$undefined; \"[\$undefined]\"" ken "[]"
'

test_expect_success 'single quotes are literal, double quotes expand' '
	out "\$x = 5; '"'"'a \$x'"'"'; \"a \$x\"; \"sum \$(\$x + 1)\"; \"tab[\`t]\"" \
		"a \$x" "a 5" "sum 6" "tab[	]"
'

test_expect_success 'a doubled quote inside a string is one quote' '
	out "'"'"'it'"''"'s'"'"'; \"say \"\"hi\"\"\"" "it'"'"'s" "say \"hi\""
'

test_expect_success 'arrays, indexing, count and ranges' '
	out "\$a = 10,20,30; \$a[0]; \$a[-1]; \$a.Count; (1..4).Count; @(\$null).Count; @().Count" \
		10 30 3 4 1 0
'

test_expect_success 'hashtables and property access' '
	out "\$h = @{Name=\"cx\"; Model=\"CX600\"}; \$h.model; \$h.Name.Length; \$h[\"Model\"]" \
		CX600 2 CX600
'

test_expect_success 'assigning a property adds or changes it' '
	out "\$h = @{a=1}; \$h.a = 2; \$h.B = 3; \$h.a + \$h.b; \$h.a += 5; \$h.a" 5 7
'

test_expect_success 'comparison operators are case-insensitive' '
	out "\"ABC\" -eq \"abc\"; \"ABC\" -ceq \"abc\"; 2 -lt 10; \"2\" -lt 10; \"b\" -gt \"A\"" \
		True False True True True
'

test_expect_success 'firmware versions compare as versions' '
	out "\"4.0.7577.4100\" -gt \"4.0.7577.1000\"; \"4.0.7577.250\" -lt \"4.0.7577.1000\"; \"4.0.10\" -gt \"4.0.9\"; \"1.10\" -gt \"1.9\"" \
		True True True False
'

test_expect_success 'a version literal in an expression is a string' '
	out "\$v = \"4.0.7577.4100\"; \$v -gt 4.0.7577.1000; 4.0.7577.1000" True 4.0.7577.1000
'

test_expect_success '-like, -notlike, -match' '
	out "\"CX600\" -like \"cx*\"; \"CX600\" -like \"?X6[0-9]0\"; \"HQ-1\" -notlike \"HQ*\"; \"sip:ken@contoso.com\" -match \"^sip:[a-z]+@\"" \
		True True False True
'

test_expect_success '-contains, -in, and filtering a list with -eq' '
	out "1,2,3 -contains 2; \"b\" -in \"a\",\"B\"; 5 -notin 1,2; 1,2,3,2 -eq 2" True True True 2 2
'

test_expect_success '-and, -or, -not, ! and short-circuit' '
	out "\$true -and \$false; \$true -or \$false; -not \$true; !0; \$false -and (1/0)" \
		False True False True False
'

test_expect_success '-replace, -split, -join' '
	out "\"a-b-c\" -replace \"-\",\"+\"; (\"a,b,c\" -split \",\").Count; (1,2,3) -join \"/\"; \"ab12\" -replace \"([a-z]+)([0-9]+)\",'"'"'\$2\$1'"'"'" \
		a+b+c 3 1/2/3 12ab
'

test_expect_success 'string methods' '
	out "\"  Ken  \".Trim(); \"ken\".ToUpper(); \"a.b.c\".Split(\".\").Count; \"hello\".Substring(1,3); \"abc\".Contains(\"b\")" \
		Ken KEN 3 ell True
'

test_expect_success 'if, elseif, else' '
	out "foreach (\$i in 1,5,9) { if (\$i -lt 3) { \"low\" } elseif (\$i -lt 7) { \"mid\" } else { \"high\" } }" \
		low mid high
'

test_expect_success 'foreach with break and continue; while' '
	out "foreach (\$i in 1..10) { if (\$i -eq 2) { continue }; if (\$i -gt 4) { break }; \$i }; \$n = 0; while (\$n -lt 3) { \$n += 1 }; \$n" \
		1 3 4 3
'

test_expect_success 'statements split by newlines and semicolons; comments ignored' '
	cat >s.ucsh <<-\EOS &&
	$a = 1 # trailing comment
	<# a block
	   comment #>
	$b = 2; $a + $b
	EOS
	$UCSH s.ucsh >actual && echo 3 >expected && test_cmp expected actual
'

test_expect_success 'a multi-line if and a backtick continuation' '
	cat >s.ucsh <<-\EOS &&
	$x = 3
	if ($x -gt 2)
	{
	    "big"
	}
	else
	{
	    "small"
	}
	Write-Output `
	    continued
	EOS
	$UCSH s.ucsh >actual && printf "big\ncontinued\n" >expected && test_cmp expected actual
'

test_expect_success 'subexpressions and @() always give arrays' '
	out "\$(1; 2).Count; @(5).Count; (Write-Output 7)" 2 1 7
'

test_expect_success 'script blocks are values with their source text' '
	out "\$b = { \$_ * 2 }; \$b" "{ \$_ * 2 }"
'

test_expect_success 'a leading-zero argument stays text (PINs, extensions)' '
	out "Write-Output 007123 42" 007123 42
'

test_expect_success 'environment variables' '
	UCSH_T_VAR=from-env $UCSH -c "\$env:UCSH_T_VAR" >actual &&
	echo from-env >expected && test_cmp expected actual
'

test_expect_success 'division by zero is an error naming the fault' '
	test_expect_code 1 $UCSH -c "1/0" 2>err &&
	test_grep "division by zero" err &&
	test_grep "line 1, column 2" err
'

test_expect_success 'assigning to $true is refused' '
	test_expect_code 1 $UCSH -c "\$true = 1" 2>err &&
	test_grep "cannot assign to .true" err
'

test_expect_success '== is refused with a hint to use -eq' '
	test_expect_code 1 $UCSH -c "1 == 1" 2>err &&
	test_grep "use -eq" err
'

test_expect_success 'an unterminated string is an error naming where it began' '
	test_expect_code 1 $UCSH -c "Write-Output \"abc" 2>err &&
	test_grep "line 1, column 14: the string is missing its closing quote" err
'

test_expect_success 'deep nesting is refused, not a crash' '
	deep=$(printf "%0300d" 0 | tr 0 "(") &&
	test_expect_code 1 $UCSH -c "$deep" 2>err &&
	test_grep "nesting is deeper" err
'

test_expect_success '> and >> redirect output to a file' '
	$UCSH -c "Write-Output one > f.txt; Write-Output two >> f.txt" &&
	printf "one\ntwo\n" >expected && test_cmp expected f.txt
'

test_done
