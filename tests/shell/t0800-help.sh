#!/bin/sh
# Get-Help, Get-Command and Get-Member: the help text at each level comes
# from the cmdlet entries and has PowerShell's sections; the lists and
# member views are objects.

. "$(dirname "$0")/test-lib.sh"

SQ="'"

# Section headings are the lines at column 0 in capitals.
sections() {
	grep -E '^[A-Z][A-Z ]+$' "$1" | tr '\n' ' '
	echo
}

test_expect_success 'Get-Help without a switch: the brief sections only' '
	$UCSH -c "Get-Help Get-Command" >out &&
	sections out >actual &&
	echo "NAME SYNOPSIS SYNTAX DESCRIPTION ALIASES RELATED LINKS REMARKS " >expect &&
	test_cmp expect actual &&
	test_grep "^    Lists the cmdlets of the shell.$" out &&
	! grep -q "EXAMPLE 1" out
'

test_expect_success 'Get-Help -Examples: name, synopsis and the examples' '
	$UCSH -c "Get-Help Get-Command -Examples" >out &&
	sections out >actual &&
	echo "NAME SYNOPSIS " >expect &&
	test_cmp expect actual &&
	test_grep "^    -------------------------- EXAMPLE 1 --------------------------$" out &&
	test_grep "^    PS> Get-Command -Verb Get$" out &&
	test_grep "^    Lists the cmdlets that only read.$" out
'

test_expect_success 'Get-Help Where-Object -Examples prints its examples' '
	$UCSH -c "Get-Help Where-Object -Examples" >out &&
	test_grep "EXAMPLE 1" out &&
	test_grep "^    PS> .*Where-Object" out
'

test_expect_success 'Get-Help -Detailed: parameter descriptions without attributes' '
	$UCSH -c "Get-Help Get-Help -Detailed" >out &&
	sections out >actual &&
	echo "NAME SYNOPSIS SYNTAX DESCRIPTION ALIASES PARAMETERS REMARKS " >expect &&
	test_cmp expect actual &&
	test_grep "^    -Examples \[<SwitchParameter>\]$" out &&
	test_grep "^        Shows only the name, the synopsis and the examples.$" out &&
	test_grep "^    <CommonParameters>$" out &&
	test_grep "EXAMPLE 1" out &&
	! grep -q "Required?" out
'

test_expect_success 'Get-Help -Full: attributes, inputs, outputs, notes, role' '
	$UCSH -c "Get-Help Get-Member -Full" >out &&
	sections out >actual &&
	echo "NAME SYNOPSIS SYNTAX DESCRIPTION ALIASES PARAMETERS INPUTS OUTPUTS NOTES REQUIRED ROLE RELATED LINKS " >expect &&
	test_cmp expect actual &&
	test_grep "^        Required?                    false$" out &&
	test_grep "^        Position?                    named$" out &&
	test_grep "^        Accept pipeline input?       True (ByValue)$" out &&
	test_grep "^        Aliases                      none$" out &&
	test_grep "^    CsViewOnlyAdministrator, or any role above it$" out &&
	test_grep "^    MemberDefinition$" out &&
	test_grep "each binds to -InputObject" out &&
	test_grep "Accepted values: Continue, Stop, SilentlyContinue." out
'

test_expect_success 'the state-changing common parameters appear in full help' '
	$UCSH -c "Get-Help Out-File -Full" >out &&
	test_grep "^    -WhatIf \[<SwitchParameter>\]$" out &&
	test_grep "^    -Confirm \[<SwitchParameter>\]$" out &&
	test_grep "^        Aliases                      Path$" out &&
	test_grep "^        Required?                    true$" out
'

test_expect_success 'syntax: positional names in brackets, mandatory ones bare' '
	COLUMNS=300 $UCSH -c "Get-Help Get-Help" >out &&
	test_grep -F "    Get-Help [[-Name] <String>] [-Examples] [-Detailed] [-Full] [-Parameter <String>] [<CommonParameters>]" out &&
	COLUMNS=300 $UCSH -c "Get-Help Out-File" >out &&
	test_grep -F "    Out-File [-FilePath] <String> [-Append] [-NoClobber] [-Width <Int>] [-InputObject <Object>] [-WhatIf] [-Confirm] [-Force] [<CommonParameters>]" out &&
	COLUMNS=300 $UCSH -c "Get-Help Get-Command" >out &&
	test_grep -F "[[-Name] <String[]>]" out
'

test_expect_success 'help is wrapped to COLUMNS, code and banners excepted' '
	COLUMNS=60 $UCSH -c "Get-Help Get-Member -Full" >out &&
	grep -v -e "^    PS> " -e "-- EXAMPLE [0-9]* --" out |
	awk "length > 60 { print; bad = 1 } END { exit bad }" &&
	test_grep "^               \[<CommonParameters>\]$" out
'

test_expect_success 'Get-Help -Parameter shows one parameter with its attributes' '
	$UCSH -c "Get-Help Get-Help -Parameter Name" >out &&
	test_grep "^-Name <String>$" out &&
	test_grep "^    Position?                    0$" out &&
	! grep -q "^-Full" out &&
	$UCSH -c "Get-Help Get-Help -Parameter ea" >out &&
	test_grep "^-ErrorAction <String>$" out &&
	test_grep "^    Accepted values              Continue, Stop, SilentlyContinue$" out &&
	$UCSH -c "Get-Help Out-File -Parameter N*" >out &&
	test_grep "^-NoClobber" out &&
	! grep -q "^-Append" out
'

test_expect_success 'Get-Help -Parameter of an unknown parameter fails' '
	test_expect_code 1 $UCSH -c "Get-Help Get-Help -Parameter Nope" 2>err &&
	test_grep "Get-Help has no parameter -Nope" err
'

test_expect_success 'Get-Help of an unknown cmdlet fails, naming it' '
	test_expect_code 1 $UCSH -c "Get-Help Get-Nonexistent" >out 2>err &&
	test_grep "^Get-Help : no help found for .Get-Nonexistent." err &&
	test ! -s out
'

test_expect_success 'Get-Help finds a cmdlet by its alias' '
	$UCSH -c "Get-Help gcm" >out &&
	test_grep "^    Get-Command$" out
'

test_expect_success 'Get-Help without a name explains the shell' '
	$UCSH -c "Get-Help" >out &&
	test_grep "Get-Help NAME -Examples" out &&
	test_grep "Get-Command -Noun CsPhone" out
'

test_expect_success 'Get-Help with a wildcard lists the matches, or shows the only one' '
	$UCSH -o csv -c "Get-Help Write-*" >out &&
	cat >expect <<-\EOF &&
	Write-Error
	Write-Host
	Write-Output
	Write-Warning
	EOF
	$UCSH -c "Get-Help Write-* | ForEach-Object { \$_.Name }" >actual &&
	test_cmp expect actual &&
	$UCSH -c "Get-Help Get-Mem*" >out &&
	test_grep "^    Get-Member$" out
'

test_expect_success 'Get-Help writes strings down the pipeline' '
	$UCSH -c "(Get-Help Get-Command | Measure-Object).Count -gt 10" >out &&
	echo True >expect &&
	test_cmp expect out
'

test_expect_success 'Get-Command lists every cmdlet once, sorted' '
	$UCSH -c "Get-Command | ForEach-Object { \$_.Name }" >names &&
	sort -f names >sorted &&
	test_cmp sorted names &&
	test_grep -x Get-Command names &&
	test_grep -x Where-Object names &&
	test "$(sort -u names | wc -l)" = "$(wc -l <names)"
'

test_expect_success 'Get-Command -Verb Get' '
	$UCSH -c "Get-Command -Verb Get | ForEach-Object { \$_.Name }" >actual &&
	! grep -v "^Get-" actual &&
	test_grep -x Get-Help actual &&
	test_grep -x Get-Member actual
'

test_expect_success 'Get-Command -Noun, with wildcards, and with -Verb' '
	$UCSH -c "Get-Command -Noun Object | ForEach-Object { \$_.Name }" >actual &&
	test_grep -x Where-Object actual &&
	! grep -v -- "-Object$" actual &&
	$UCSH -c "Get-Command -Noun Js* -Verb ConvertTo | ForEach-Object { \$_.Name }" >actual &&
	echo ConvertTo-Json >expect &&
	test_cmp expect actual
'

test_expect_success 'Get-Command NAME-PATTERN, and an alias' '
	$UCSH -c "Get-Command Get-?e* | ForEach-Object { \$_.Name }" >actual &&
	printf "Get-Help\nGet-Member\n" >expect &&
	test_cmp expect actual &&
	$UCSH -c "(Get-Command gcm).Name" >actual &&
	echo Get-Command >expect &&
	test_cmp expect actual
'

test_expect_success 'Get-Command writes CommandInfo objects' '
	$UCSH -o json -c "Get-Command Get-Help" >actual &&
	cat >expect <<-\EOF &&
	{
	  "Name": "Get-Help",
	  "CommandType": "Cmdlet",
	  "Verb": "Get",
	  "Noun": "Help",
	  "Role": "CsViewOnlyAdministrator",
	  "Synopsis": "Explains a cmdlet: what it does, its syntax, parameters and examples."
	}
	EOF
	test_cmp expect actual &&
	$UCSH -c "Get-Command Get-Help" >table &&
	test_grep "^CommandType Name *Role *Synopsis$" table
'

test_expect_success 'Get-Command of an unknown name fails; a pattern need not match' '
	test_expect_code 1 $UCSH -c "Get-Command Get-Nothing" 2>err &&
	test_grep "Get-Command : .Get-Nothing. is not the name of a cmdlet" err &&
	$UCSH -c "Get-Command Get-Nothing*" >out &&
	test ! -s out
'

test_expect_success 'Get-Member on ConvertFrom-Json output: note properties' '
	printf "%s\n" "ConvertFrom-Json $SQ{\"Port\":5061,\"Model\":\"CX600\",\"Tls\":true}$SQ | Get-Member" >member.ucsh &&
	$UCSH member.ucsh >actual &&
	cat >expect <<-\EOF &&
	TypeName: PSCustomObject

	Name  MemberType   Definition
	----  ----------   ----------
	Model NoteProperty string Model=CX600
	Port  NoteProperty long Port=5061
	Tls   NoteProperty bool Tls=True
	EOF
	test_cmp expect actual
'

test_expect_success 'Get-Member: a header and sorted members per type' '
	$UCSH -c "Get-Command Get-Help | Get-Member" >out &&
	test_grep "^TypeName: CommandInfo$" out &&
	test_grep "^Name  *MemberType  *Definition$" out &&
	test_grep "^CommandType  *Property  *string CommandType=Cmdlet$" out &&
	$UCSH -c "Get-Command Get-Help | Get-Member | Where-Object MemberType -eq Property | ForEach-Object { \$_.Name }" >actual &&
	printf "CommandType\nName\nNoun\nRole\nSynopsis\nVerb\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'Get-Member: each distinct type once, -Name filters' '
	$UCSH -c "Write-Output a b | Get-Member; Write-Output 1 | Get-Member" >out &&
	test "$(grep -c "^TypeName: String$" out)" = 1 &&
	test_grep "^TypeName: Int64$" out &&
	test_grep "^Length  *Property  *int Length {get;}$" out &&
	$UCSH -c "(Get-Command Get-Help | Get-Member -Name N*).Name" >actual &&
	printf "Name\nNoun\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'Get-Member without input fails' '
	test_expect_code 1 $UCSH -c "Get-Member" 2>err &&
	test_grep "Get-Member : Get-Member needs an object" err
'

test_done
