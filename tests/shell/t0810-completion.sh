#!/bin/sh
# Completion: what `ucsh --complete` offers for a line (the same function
# the interactive shell calls on Tab), the values of one parameter for the
# shell completion files, and the generated bash, fish and zsh files.

. "$(dirname "$0")/test-lib.sh"

SQ="'"

# complete LINE: the candidates, one per line, into actual.
complete() {
	$UCSH --complete -- "$1" >actual
}

test_expect_success 'a cmdlet name by prefix, in any case' '
	complete "Get-Comm" &&
	echo Get-Command >expect &&
	test_cmp expect actual &&
	complete "get-comm" &&
	test_cmp expect actual
'

test_expect_success 'cmdlet names by wildcard, and aliases' '
	complete "Get-[CHM][oe][lm]*" &&
	printf "Get-Command\nGet-Help\nGet-Member\n" >expect &&
	test_cmp expect actual &&
	complete "gc" &&
	echo gcm >expect &&
	test_cmp expect actual
'

test_expect_success 'the command of the pipeline element under the cursor' '
	complete "Get-Command | Sort-O" &&
	echo Sort-Object >expect &&
	test_cmp expect actual &&
	complete "Write-Output 1; Get-He" &&
	echo Get-Help >expect &&
	test_cmp expect actual &&
	complete "Get-Command | Where-Object { \$_.Name -like ${SQ}a|b${SQ} } | Get-Me" &&
	echo Get-Member >expect &&
	test_cmp expect actual &&
	complete "\$x = Get-He" &&
	echo Get-Help >expect &&
	test_cmp expect actual
'

test_expect_success 'parameter names: own then common, in table order' '
	complete "Get-Help -" &&
	printf "%s\n" -Name -Examples -Detailed -Full -Parameter -Verbose -ErrorAction >expect &&
	test_cmp expect actual &&
	complete "Out-File x -W" &&
	printf "%s\n" -Width -WhatIf >expect &&
	test_cmp expect actual
'

test_expect_success 'parameter names already given are not offered again' '
	complete "Get-Help -Full -F" &&
	test ! -s actual &&
	complete "Get-Help -Examples -E" &&
	echo -ErrorAction >expect &&
	test_cmp expect actual
'

test_expect_success 'parameters after a sub-expression argument' '
	complete "Get-Help (Get-Command gcm).Name -Fu" &&
	echo -Full >expect &&
	test_cmp expect actual
'

test_expect_success 'enumerated values after -Param, by name, alias or prefix' '
	complete "Get-Help -ErrorAction " &&
	printf "%s\n" Continue SilentlyContinue Stop >expect &&
	test_cmp expect actual &&
	complete "Get-Help -ea s" &&
	printf "%s\n" SilentlyContinue Stop >expect &&
	test_cmp expect actual &&
	complete "Get-Help -ErrorA St" &&
	echo Stop >expect &&
	test_cmp expect actual
'

test_expect_success 'values in -Param:value form, and inside a quote' '
	complete "Get-Help -ErrorAction:Co" &&
	echo -ErrorAction:Continue >expect &&
	test_cmp expect actual &&
	complete "Get-Help -ErrorAction ${SQ}Si" &&
	echo "${SQ}SilentlyContinue${SQ}" >expect &&
	test_cmp expect actual &&
	complete "Get-Command -Verbose:\$f" &&
	echo "-Verbose:\$false" >expect &&
	test_cmp expect actual
'

test_expect_success 'live values from an entry hook, by name and by position' '
	complete "Get-Help -Name Get-Co" &&
	echo Get-Command >expect &&
	test_cmp expect actual &&
	complete "Get-Help -Full get-m" &&
	echo Get-Member >expect &&
	test_cmp expect actual
'

test_expect_success 'no values for a parameter that has none to offer' '
	complete "Get-Help -Parameter " &&
	test ! -s actual &&
	complete "Get-Help Get-Command -Examples " &&
	test ! -s actual
'

test_expect_success 'variables: automatic ones, and $env:' '
	complete "Write-Output \$" &&
	printf "%s\n" "\$_" "\$false" "\$null" "\$true" >expect &&
	test_cmp expect actual &&
	complete "\$t" &&
	echo "\$true" >expect &&
	test_cmp expect actual &&
	UCSH_TEST_VAR=1 $UCSH --complete -- "Write-Output \$env:UCSH_TEST_V" >actual &&
	echo "\$env:UCSH_TEST_VAR" >expect &&
	test_cmp expect actual
'

test_expect_success 'a file name parameter: exit 3 and nothing, for the caller' '
	for line in "Out-File " "Out-File -FilePath " "Out-File -Path x" \
		"Export-Csv -Path " "Get-Command > " "Import-Csv ./"
	do
		test_expect_code 3 $UCSH --complete -- "$line" >actual &&
		test ! -s actual || exit 1
	done
'

test_expect_success 'nothing inside a comment or after an unknown command' '
	complete "# Get-Co" &&
	test ! -s actual &&
	complete "Get-Nothing -" &&
	test ! -s actual
'

test_expect_success 'ucsh --complete CMDLET PARAM PREFIX: one parameter' '
	$UCSH --complete Get-Help -ErrorAction S >actual &&
	printf "%s\n" SilentlyContinue Stop >expect &&
	test_cmp expect actual &&
	$UCSH --complete get-help ea "" >actual &&
	printf "%s\n" Continue SilentlyContinue Stop >expect &&
	test_cmp expect actual &&
	$UCSH --complete Get-Command Name Get-H >actual &&
	echo Get-Help >expect &&
	test_cmp expect actual
'

test_expect_success 'ucsh --complete: errors and usage' '
	test_expect_code 1 $UCSH --complete Get-Nothing Name "" 2>err &&
	test_grep "Get-Nothing" err &&
	test_expect_code 1 $UCSH --complete Get-Help Nope "" 2>err &&
	test_grep "no parameter -Nope" err &&
	test_expect_code 2 $UCSH --complete a b 2>err &&
	test_grep "usage" err
'

# The bash completion, called as bash calls it: COMP_WORDS and COMP_CWORD
# set, and the word being completed as $2 (the text after an open quote).
cat >bashcomp.sh <<\EOF
. "$UCSH_SRC_DIR/completions/ucsh.bash"
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
cur=${COMP_WORDS[COMP_CWORD]}
cur=${cur#[\"\']}
_ucsh "${COMP_WORDS[0]}" "$cur" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
EOF

test_expect_success 'bash: complete -F _ucsh ucsh is registered' '
	bash -c ". \"\$UCSH_SRC_DIR/completions/ucsh.bash\" && complete -p ucsh" >actual &&
	echo "complete -F _ucsh ucsh" >expect &&
	test_cmp expect actual
'

test_expect_success 'bash: completes Get-Comm after ucsh -c' '
	bash bashcomp.sh ucsh -c Get-Comm >actual &&
	echo Get-Command >expect &&
	test_cmp expect actual &&
	bash -c ". \"\$UCSH_SRC_DIR/completions/ucsh.bash\" && compgen -W \"\${_ucsh_cmdlets[*]}\" -- Get-Comm" >actual &&
	test_cmp expect actual
'

test_expect_success 'bash: inside a quoted -c, parameters and enumerated values' '
	bash bashcomp.sh ucsh -c "${SQ}Get-Help -Ex" >actual &&
	echo "Get-Help -Examples" >expect &&
	test_cmp expect actual &&
	bash bashcomp.sh ucsh -c "${SQ}Get-Command | Get-Help -ErrorAction S" >actual &&
	printf "%s\n" "Get-Command | Get-Help -ErrorAction Stop" \
		"Get-Command | Get-Help -ErrorAction SilentlyContinue" | sort >expect &&
	sort actual >sorted &&
	test_cmp expect sorted
'

test_expect_success 'bash: live values through ucsh --complete' '
	bash bashcomp.sh "$UCSH" -c "${SQ}Get-Help Get-Co" >actual &&
	echo "Get-Help Get-Command" >expect &&
	test_cmp expect actual &&
	bash bashcomp.sh "$UCSH" -c "${SQ}Get-Help -ErrorA Sil" >actual &&
	echo "Get-Help -ErrorA SilentlyContinue" >expect &&
	test_cmp expect actual
'

test_expect_success 'bash: options, -o formats, and file names' '
	bash bashcomp.sh ucsh --no >actual &&
	echo --no-color >expect &&
	test_cmp expect actual &&
	bash bashcomp.sh ucsh -o j >actual &&
	echo json >expect &&
	test_cmp expect actual &&
	: >script.ucsh &&
	bash bashcomp.sh ucsh -c "${SQ}Out-File scr" >actual &&
	echo "Out-File script.ucsh" >expect &&
	test_cmp expect actual
'

if command -v fish >/dev/null 2>&1; then
	test_expect_success 'fish: cmdlet names with synopses, and values from ucsh' '
		mkdir -p bin && ln -s "$UCSH" bin/ucsh &&
		PATH=$PWD/bin:$PATH fish -c "source \"\$UCSH_SRC_DIR/completions/ucsh.fish\"
			complete -C \"ucsh -c Get-Comm\"
			complete -C \"ucsh -c ${SQ}Get-Help -ErrorAction St\"" >actual &&
		printf "Get-Command\tLists the cmdlets of the shell.\n" >expect &&
		printf "Get-Help -ErrorAction Stop\tvalue\n" >>expect &&
		test_cmp expect actual
	'
else
	test_skip 'fish: cmdlet names with synopses, and values from ucsh' 'fish is not installed'
fi

if command -v zsh >/dev/null 2>&1; then
	test_expect_success 'zsh: the completion file parses' '
		zsh -n "$UCSH_SRC_DIR/completions/_ucsh"
	'
else
	test_skip 'zsh: the completion file parses' 'zsh is not installed'
fi

test_done
