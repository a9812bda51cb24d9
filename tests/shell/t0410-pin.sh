#!/bin/sh
# PINs: Set-, Lock- and Unlock-CsClientPin and Get-CsClientPinInfo. A PIN
# is kept nowhere in clear, hex or base64 (store, WAL, output, history);
# only its verifier and the digest HA1 values the registrar needs.
. "$(dirname "$0")/test-lib.sh"

UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN
SQ="'"
STORE_FILE=$TEST_DIR/store/ucsh.db

# store_files: the files that hold the store now (a dump of a PostgreSQL
# one: what the database keeps, without other tests' databases).
store_files() {
	if test_on_sqlite; then
		ls "$STORE_FILE"*
	else
		pg_dump -h "$UCSH_TEST_PG_HOST" -U ucsh -d "$TEST_PG_DB" -f "$TEST_DIR/dump.sql" &&
			echo "$TEST_DIR/dump.sql"
	fi
}

# pin_forms PIN: every way the PIN's ASCII could sit in a file: clear, hex
# (both cases) and base64 at each of the three byte alignments (only the
# characters that the PIN's bytes alone decide).
pin_forms() {
	echo "$1"
	hex=$(printf %s "$1" | od -An -tx1 | tr -d " \n")
	echo "$hex"
	echo "$hex" | tr a-f A-F
	for k in 0 1 2; do
		b64=$(printf "%.${k}s%s" "xx" "$1" | base64 | tr -d "\n")
		first=$(((8 * k + 5) / 6 + 1))
		last=$((8 * (k + ${#1}) / 6))
		echo "$b64" | cut -c"$first-$last"
	done
}

# holds_pin PIN FILE...: succeeds when some form of PIN is in some FILE.
holds_pin() {
	pin=$1
	shift
	pin_forms "$pin" >forms &&
	LC_ALL=C grep -a -F -f forms "$@" >/dev/null
}

test_expect_success 'the hard requirement: New-CsUser, Set-CsClientPin -Pin, Get-CsClientPinInfo shows IsPinSet True' '
	$UCSH -c "Get-CsUser" &&
	# The holder keeps the store open so that its WAL survives. It writes its
	# own PID (the shell may fork before exec, so $! can be a wrapper), its
	# output goes to a file so it can never hold the TAP pipe open, and its
	# loop is bounded in case the kill below is never reached.
	sh -c "echo \$\$ >holder.pid; exec \"\$0\" -c \"\$1\"" "$UCSH" \
		"Get-CsUser | Out-Null; Write-Output ready > ready.txt; while (\$n -lt 20000000) { \$n += 1 }" \
		>holder.out 2>&1 &
	i=0 && while ! test -s holder.pid; do i=$((i + 1)); test $i -lt 200 || break; sleep 0.05; done &&
	holder=$(cat holder.pid) &&
	i=0 && while ! test -s ready.txt; do i=$((i + 1)); test $i -lt 200 || break; sleep 0.05; done &&
	$UCSH -c "New-CsUser -SipAddress sip:ken@contoso.com -LineURI ${SQ}tel:+14255550100;ext=100${SQ} -DisplayName ${SQ}Ken Myer${SQ}; Set-CsClientPin -Identity sip:ken@contoso.com -Pin 582913; Get-CsClientPinInfo -Identity sip:ken@contoso.com" >out 2>err &&
	if test_on_sqlite; then
		{ cp "$STORE_FILE" held.db && cp "$STORE_FILE-wal" held.db-wal; copied=$?; }
	else
		{ cp "$(store_files)" held.db && : >held.db-wal; copied=$?; }
	fi;
	kill -TERM $holder; wait;
	test $copied = 0 &&
	{ ! test_on_sqlite || test -s held.db-wal; } &&
	test ! -s err &&
	test_grep -E "^Identity +IsPinSet +IsLockedOut +PinLastSet +FailedAttempts$" out &&
	test_grep -E "^sip:ken@contoso.com +True +False +[0-9-]+T[0-9:]+Z +0$" out
'

test_expect_success 'the search for the PIN finds it in clear, hex and base64 at each alignment' '
	for planted in "582913" "id=3538323931330a" "ID=3538323931330A" \
		"$(printf 582913 | base64)" "$(printf Z582913 | base64)" "$(printf zz582913! | base64)"
	do
		echo "before $planted after" >planted.txt &&
		holds_pin 582913 planted.txt || { echo "not found: $planted"; return 1; }
	done &&
	echo "5829 13 NTgy" >clean.txt &&
	! holds_pin 582913 clean.txt
'

test_expect_success 'the store file and its WAL hold the PIN in no form' '
	! holds_pin 582913 held.db held.db-wal &&
	! holds_pin 582913 $(store_files)
'

test_expect_success 'output, errors and -Verbose never show a PIN given with -Pin' '
	$UCSH -c "New-CsUser sip:zoe@contoso.com -LineURI ${SQ}tel:+14255550200;ext=200${SQ}" >/dev/null &&
	$UCSH -c "Set-CsClientPin -Identity 200 -Pin 730591 -Verbose; Get-CsClientPinInfo 200 -Verbose" >out 2>err &&
	test_grep "PinSet" out &&
	! holds_pin 730591 out err &&
	test_must_fail $UCSH -c "Set-CsClientPin -Identity 200 -Pin 123456 -Verbose" >out 2>err &&
	test_grep "common pattern" err &&
	! holds_pin 123456 out err &&
	test_must_fail $UCSH -c "Set-CsClientPin -Identity 200 -Pin x730591y" >out 2>err &&
	test_grep "cannot convert\|digits only" err &&
	! holds_pin 730591 out err
'

test_expect_success 'the store holds the HA1 values for the SIP user name and the extension in the pool realm' '
	if ! have_store_sql; then echo "# sqlite3 missing: checked less"; exit 0; fi &&
	store_sql "SELECT \"Ha1Md5\" FROM client_pin WHERE \"Identity\" = ${SQ}sip:ken@contoso.com${SQ}" >actual &&
	md5_ken=$(printf %s "ken:contoso.com:582913" | md5sum | cut -c1-32) &&
	md5_ext=$(printf %s "100:contoso.com:582913" | md5sum | cut -c1-32) &&
	echo "{\"ken:contoso.com\":\"$md5_ken\",\"100:contoso.com\":\"$md5_ext\"}" | tr -d " " >expected &&
	tr -d " " <actual >actual.compact &&
	test_cmp expected actual.compact &&
	store_sql "SELECT \"Ha1Sha256\" FROM client_pin WHERE \"Identity\" = ${SQ}sip:ken@contoso.com${SQ}" | tr -d " " >actual &&
	sha_ken=$(printf %s "ken:contoso.com:582913" | sha256sum | cut -c1-64) &&
	sha_ext=$(printf %s "100:contoso.com:582913" | sha256sum | cut -c1-64) &&
	echo "{\"ken:contoso.com\":\"$sha_ken\",\"100:contoso.com\":\"$sha_ext\"}" >expected &&
	test_cmp expected actual &&
	store_sql "SELECT \"PinHash\" FROM client_pin WHERE \"Identity\" = ${SQ}sip:ken@contoso.com${SQ}" >actual &&
	test_grep -E "^pbkdf2-sha256\\\$[0-9]+\\\$[A-Za-z0-9+/=]+\\\$[A-Za-z0-9+/=]+$" actual
'

test_expect_success 'a PIN that starts with 0, typed without quotes, keeps its 0' '
	if ! have_store_sql; then echo "# sqlite3 missing: checked less"; exit 0; fi &&
	$UCSH -c "Set-CsClientPin 200 -Pin 083527" >/dev/null &&
	store_sql "SELECT $(sql_json_field Ha1Md5 zoe:contoso.com) FROM client_pin WHERE \"Identity\" = ${SQ}sip:zoe@contoso.com${SQ}" >actual &&
	printf %s "zoe:contoso.com:083527" | md5sum | cut -c1-32 >expected &&
	test_cmp expected actual
'

test_expect_success 'Set-CsClientPin -Pin 1234 is refused under the default policy, saying why' '
	$UCSH -c "New-CsUser sip:pat@contoso.com -LineURI ${SQ}tel:+14255550101;ext=55501${SQ}" >/dev/null &&
	test_must_fail $UCSH -c "Set-CsClientPin -Identity sip:pat@contoso.com -Pin 1234" 2>err &&
	test_grep "Set-CsClientPin : cannot set the PIN of sip:pat@contoso.com: PIN is too short: 5 to 24 digits are allowed" err &&
	test_grep "hint: MinPasswordLength in the PIN policy sets the minimum" err &&
	$UCSH -c "(Get-CsClientPinInfo sip:pat@contoso.com).IsPinSet" >actual &&
	echo False >expected &&
	test_cmp expected actual
'

test_expect_success 'common patterns, personal numbers and non-digits are refused, each saying why' '
	for case in "12345:ascending digits" "987654:descending digits" "55555:all the same digit" \
		"121212:a repeated group of digits" "225577:repeating digits" \
		"55501:the phone number or extension" "14255550101:the phone number or extension"
	do
		test_must_fail $UCSH -c "Set-CsClientPin 55501 -Pin ${case%%:*}" 2>err &&
		test_grep "PIN is a common pattern (${case#*:}); choose another or set AllowCommonPatterns" err || return 1
	done &&
	test_must_fail $UCSH -c "Set-CsClientPin 55501 -Pin ${SQ}12a45${SQ}" 2>err &&
	test_grep "PIN must be digits only" err &&
	$UCSH -c "(Get-CsClientPinInfo 55501).IsPinSet" >actual &&
	echo False >expected &&
	test_cmp expected actual
'

test_expect_success 'a recent PIN cannot be set again (PINHistoryCount)' '
	test_must_fail $UCSH -c "Set-CsClientPin sip:ken@contoso.com -Pin 582913" 2>err &&
	test_grep "PIN was used recently (it is one of the last 5); choose another" err &&
	$UCSH -c "Set-CsClientPin sip:ken@contoso.com -Pin 640372" >/dev/null &&
	test_must_fail $UCSH -c "Set-CsClientPin sip:ken@contoso.com -Pin 582913" 2>err &&
	test_grep "used recently" err &&
	$UCSH -c "Set-CsClientPin sip:ken@contoso.com -Pin 730591" >/dev/null
'

test_expect_success 'AllowCommonPatterns lets a common pattern through' '
	$UCSH -c "Set-CsPinPolicy -Identity Global -AllowCommonPatterns \$true" &&
	$UCSH -c "Set-CsClientPin 55501 -Pin 12345 | ForEach-Object { \$_.Identity + \" \" + \$_.PinSet }" >actual &&
	echo "sip:pat@contoso.com True" >expected &&
	test_cmp expected actual &&
	$UCSH -c "Set-CsPinPolicy -Identity Global -AllowCommonPatterns \$false"
'

test_expect_success 'without -Pin a PIN is generated, shown once, and is the one stored' '
	$UCSH -c "Set-CsClientPin -Identity sip:pat@contoso.com" >out 2>err &&
	test ! -s err &&
	test "$(grep -c "^PIN for sip:pat@contoso.com: [0-9]\{6\}$" out)" = 1 &&
	pin=$(sed -n "s/^PIN for sip:pat@contoso.com: //p" out) &&
	test_grep -E "^sip:pat@contoso.com +True$" out &&
	test "$(grep -c -F "$pin" out)" = 1 &&
	if have_store_sql; then
		want=$(printf %s "55501:contoso.com:$pin" | md5sum | cut -c1-32) &&
		store_sql "SELECT $(sql_json_field Ha1Md5 55501:contoso.com) FROM client_pin WHERE \"Identity\" = ${SQ}sip:pat@contoso.com${SQ}" >actual &&
		echo "$want" >expected &&
		test_cmp expected actual
	fi &&
	! holds_pin "$pin" $(store_files)
'

test_expect_success 'a generated PIN is as long as MinPasswordLength when that is above 6' '
	$UCSH -c "Set-CsPinPolicy -Identity Global -MinPasswordLength 9; Set-CsClientPin -Identity sip:pat@contoso.com; Set-CsPinPolicy -Identity Global -MinPasswordLength 5" >out &&
	test_grep -E "^PIN for sip:pat@contoso.com: [0-9]{9}$" out
'

test_expect_success 'Set-CsClientPin -WhatIf neither generates nor stores a PIN' '
	$UCSH -c "New-CsUser sip:amy@contoso.com" >/dev/null &&
	$UCSH -c "Set-CsClientPin -Identity sip:amy@contoso.com -WhatIf; Set-CsClientPin -Identity sip:amy@contoso.com -Pin 640372 -WhatIf" >out &&
	test_grep "What if: Performing the operation \"Set a generated PIN\" on target \"sip:amy@contoso.com\"" out &&
	test_grep "What if: Performing the operation \"Set PIN\" on target \"sip:amy@contoso.com\"" out &&
	! test_grep "^PIN for" out &&
	$UCSH -c "(Get-CsClientPinInfo sip:amy@contoso.com).IsPinSet" >actual &&
	echo False >expected &&
	test_cmp expected actual
'

test_expect_success 'Get-CsClientPinInfo of a principal without a PIN' '
	$UCSH -c "Get-CsClientPinInfo sip:amy@contoso.com | ConvertTo-Json -Compress" >actual &&
	echo "{\"Identity\":\"sip:amy@contoso.com\",\"IsPinSet\":false,\"IsLockedOut\":false,\"PinLastSet\":null,\"FailedAttempts\":0}" >expected &&
	test_cmp expected actual
'

test_expect_success 'PinExpires shows when the policy has a PINLifetime: PinLastSet plus that many days' '
	$UCSH -c "Set-CsPinPolicy -Identity Global -PINLifetime 30" &&
	$UCSH -c "\$i = Get-CsClientPinInfo sip:ken@contoso.com; \$i.PinLastSet; \$i.PinExpires" >actual &&
	set=$(sed -n 1p actual) && expires=$(sed -n 2p actual) &&
	test "$(date -u -d "@$(($(date -u -d "$set" +%s) + 30 * 86400))" +%Y-%m-%dT%H:%M:%SZ)" = "$expires" &&
	$UCSH -c "(Get-CsClientPinInfo sip:amy@contoso.com).PinExpires -eq \$null" >actual &&
	echo True >expected &&
	test_cmp expected actual &&
	$UCSH -c "Set-CsPinPolicy -Identity Global -PINLifetime 0" &&
	$UCSH -c "Get-CsClientPinInfo sip:ken@contoso.com | ConvertTo-Json -Compress" >actual &&
	test_grep "\"IsPinSet\":true" actual &&
	! test_grep PinExpires actual
'

test_expect_success 'Lock-CsClientPin locks; Unlock-CsClientPin unlocks and resets FailedAttempts' '
	$UCSH -c "Lock-CsClientPin sip:ken@contoso.com; (Get-CsClientPinInfo 100).IsLockedOut" >actual &&
	echo True >expected &&
	test_cmp expected actual &&
	if have_store_sql; then
		store_sql "UPDATE client_pin SET \"FailedAttempts\" = 3 WHERE \"Identity\" = ${SQ}sip:ken@contoso.com${SQ}" &&
		$UCSH -c "(Get-CsClientPinInfo 100).FailedAttempts" >actual &&
		echo 3 >expected &&
		test_cmp expected actual
	fi &&
	$UCSH -c "Unlock-CsClientPin 100; Get-CsClientPinInfo 100 | ForEach-Object { \"\$(\$_.IsLockedOut) \$(\$_.FailedAttempts) \$(\$_.IsPinSet)\" }" >actual &&
	echo "False 0 True" >expected &&
	test_cmp expected actual
'

test_expect_success 'Lock- and Unlock-CsClientPin -WhatIf change nothing' '
	$UCSH -c "Lock-CsClientPin 100 -WhatIf; (Get-CsClientPinInfo 100).IsLockedOut" >out &&
	test_grep "Lock PIN" out && test_grep "^False$" out &&
	$UCSH -c "Lock-CsClientPin 100; Unlock-CsClientPin 100 -WhatIf; (Get-CsClientPinInfo 100).IsLockedOut; Unlock-CsClientPin 100" >out &&
	test_grep "Unlock PIN" out && test_grep "^True$" out
'

test_expect_success 'a user locked before any PIN stays locked when one is set' '
	$UCSH -c "Lock-CsClientPin sip:amy@contoso.com; Set-CsClientPin sip:amy@contoso.com -Pin 640372 | Out-Null; Get-CsClientPinInfo sip:amy@contoso.com | ForEach-Object { \"\$(\$_.IsPinSet) \$(\$_.IsLockedOut)\" }" >actual &&
	echo "True True" >expected &&
	test_cmp expected actual
'

test_expect_success 'Import-Csv pins.csv | Set-CsClientPin binds Identity and Pin; a bad row is reported, the rest set' '
	$UCSH -c "New-CsUser sip:bob@contoso.com -LineURI ${SQ}tel:+14255550102;ext=102${SQ}; New-CsUser sip:carl@contoso.com" >/dev/null &&
	cat >pins.csv <<-\EOF &&
	Identity,Pin
	sip:bob@contoso.com,804217
	carl@contoso.com,1111
	102,
	EOF
	test_must_fail $UCSH -c "Import-Csv pins.csv | Set-CsClientPin | ForEach-Object { \$_.Identity }" >out 2>err &&
	test "$(grep -c "Set-CsClientPin :" err)" = 2 &&
	test_grep "cannot set the PIN of sip:carl@contoso.com: PIN is too short" err &&
	test_grep "cannot set the PIN of sip:bob@contoso.com: PIN must be digits only" err &&
	echo sip:bob@contoso.com >expected &&
	test_cmp expected out &&
	! holds_pin 804217 out err &&
	! holds_pin 804217 $(store_files) &&
	$UCSH -c "${SQ}sip:bob@contoso.com${SQ}, ${SQ}carl@contoso.com${SQ} | Get-CsClientPinInfo | ForEach-Object { \$_.Identity + \" \" + \$_.IsPinSet }" >actual &&
	printf "%s\n" "sip:bob@contoso.com True" "sip:carl@contoso.com False" >expected &&
	test_cmp expected actual
'

test_expect_success 'an identity that names nobody, or several, sets no PIN' '
	test_must_fail $UCSH -c "Set-CsClientPin -Identity 999 -Pin 640372" 2>err &&
	test_grep "no user or common area phone matches .999." err &&
	$UCSH -c "Set-CsUser sip:carl@contoso.com -DisplayName ${SQ}Same Name${SQ}; Set-CsUser sip:amy@contoso.com -DisplayName ${SQ}Same Name${SQ}" &&
	test_must_fail $UCSH -c "Set-CsClientPin -Identity ${SQ}Same Name${SQ} -Pin 640372" 2>err &&
	test_grep "is ambiguous: it matches sip:amy@contoso.com (Same Name), sip:carl@contoso.com (Same Name)" err &&
	$UCSH -c "(Get-CsClientPinInfo sip:carl@contoso.com).IsPinSet" >actual &&
	echo False >expected &&
	test_cmp expected actual
'

test_expect_success 'a new line URI drops the old extension HA1 and warns that the PIN must be set again' '
	$UCSH -c "Set-CsUser sip:ken@contoso.com -LineURI ${SQ}tel:+14255550100;ext=177${SQ}" >out 2>err &&
	test_grep "WARNING: the PIN of sip:ken@contoso.com was not set for signing in as 177: set it again with Set-CsClientPin -Identity sip:ken@contoso.com" err &&
	if have_store_sql; then
		store_sql "SELECT $(sql_json_keys Ha1Sha256) FROM client_pin WHERE \"Identity\" = ${SQ}sip:ken@contoso.com${SQ}" >actual &&
		echo "ken:contoso.com" >expected &&
		test_cmp expected actual
	fi &&
	$UCSH -c "(Get-CsClientPinInfo 177).IsPinSet" >actual &&
	echo True >expected &&
	test_cmp expected actual
'

test_expect_success 'a renamed user keeps its PIN record under the new SIP address' '
	$UCSH -c "Set-CsUser sip:ken@contoso.com -SipAddress sip:kenm@contoso.com" 2>err &&
	test_grep "not set for signing in as kenm, 177" err &&
	$UCSH -c "Get-CsClientPinInfo sip:kenm@contoso.com | ForEach-Object { \$_.Identity + \" \" + \$_.IsPinSet }" >actual &&
	echo "sip:kenm@contoso.com True" >expected &&
	test_cmp expected actual
'

test_expect_success 'Remove-CsUser removes the PIN with the user' '
	$UCSH -c "Remove-CsUser sip:kenm@contoso.com -Force" &&
	if have_store_sql; then
		store_sql "SELECT count(*) FROM client_pin WHERE \"Identity\" = ${SQ}sip:kenm@contoso.com${SQ}" >actual &&
		echo 0 >expected &&
		test_cmp expected actual
	fi &&
	$UCSH -c "New-CsUser sip:kenm@contoso.com | Get-CsClientPinInfo | Select-Object -ExpandProperty IsPinSet" >actual &&
	echo False >expected &&
	test_cmp expected actual
'

if command -v tmux >/dev/null 2>&1; then
	test_expect_success 'a PIN typed at the prompt is kept out of the history file' '
		sock=ucsh-pin-$$ &&
		tmux -L $sock -f /dev/null new-session -d -s t -x 150 -y 30 "$UCSH" &&
		i=0 && while ! tmux -L $sock capture-pane -p -t t | grep -q "^ucsh .*>"; do
			i=$((i + 1)); test $i -lt 300 || break; sleep 0.05; done &&
		tmux -L $sock send-keys -t t "Set-CsClientPin -Identity sip:bob@contoso.com -Pin 913847" Enter &&
		i=0 && while ! tmux -L $sock capture-pane -p -t t | grep -q "^sip:bob@contoso.com *True"; do
			i=$((i + 1)); test $i -lt 300 || break; sleep 0.05; done &&
		tmux -L $sock send-keys -t t "set-csclientpin 102 -pi:913848 -WhatIf" Enter &&
		tmux -L $sock send-keys -t t "Write-Output history-ok" Enter &&
		tmux -L $sock send-keys -t t "exit" Enter &&
		i=0 && while tmux -L $sock has-session -t t 2>/dev/null; do
			i=$((i + 1)); test $i -lt 300 || break; sleep 0.05; done;
		tmux -L $sock kill-server 2>/dev/null;
		hist=$XDG_STATE_HOME/ucsh/history &&
		test_grep "history-ok" "$hist" &&
		! holds_pin 913847 "$hist" && ! holds_pin 913848 "$hist" &&
		! test_grep -i "csclientpin" "$hist"
	'
else
	test_skip 'a PIN typed at the prompt is kept out of the history file' 'tmux is not installed'
fi

test_expect_success 'the PIN cmdlets need the roles CMDLETS.md gives them' '
	$UCSH -c "Get-Command *-CsClientPin* | ForEach-Object { \$_.Name + \" \" + \$_.Role }" >actual &&
	cat >expected <<-\EOF &&
	Get-CsClientPinInfo CsViewOnlyAdministrator
	Lock-CsClientPin CsHelpDesk
	Set-CsClientPin CsHelpDesk
	Unlock-CsClientPin CsHelpDesk
	EOF
	test_cmp expected actual
'

test_done
