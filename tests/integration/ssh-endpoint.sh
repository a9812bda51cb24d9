#!/bin/sh
# The SSH endpoint of ucshd against OpenSSH's client, ssh-audit and
# `ucsh --host`, with generated keys on loopback: public-key sign-in only
# (an unknown key, a password and a disabled administrator are refused),
# each role runs what it may and is denied the rest, exec requests pass
# the exit status back, the interactive shell runs on a pty, forwarding
# and subsystems are refused, failed sign-ins from one address shut it
# out, and the audit log records what happened without a PIN.
. "${UCSH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/shell/test-lib.sh"
. "$UCSH_SRC_DIR/tests/integration/registrar-lib.sh"
need ssh ssh-keygen ssh-keyscan ss
trap 'stop_ucshd KILL' EXIT
UCSH_SSH_MAX_FAILURES=4 UCSH_SSH_FAILURE_WINDOW=600
export UCSH_SSH_MAX_FAILURES UCSH_SSH_FAILURE_WINDOW

mkdir -p keys "$HOME/.ssh"
for who in view helpdesk voice useradmin admin stranger disabled; do
	ssh-keygen -q -t ed25519 -N '' -C "$who@test" -f "keys/$who" || exit 1
done
ssh-keygen -q -t rsa -b 3072 -N '' -f keys/rsa || exit 1
new_admin() {
	$UCSH -c "New-CsAdministrator $1 -Role $2 -PublicKey '$(cat "keys/$3.pub")' | Out-Null"
}
pick_ports
setup_pool
new_admin view CsViewOnlyAdministrator view &&
new_admin helpdesk CsHelpDesk helpdesk &&
new_admin voice CsVoiceAdministrator voice &&
new_admin useradmin CsUserAdministrator useradmin &&
new_admin admin CsAdministrator admin &&
new_admin rsa CsViewOnlyAdministrator rsa &&
new_admin disabled CsAdministrator disabled &&
$UCSH -c "Set-CsAdministrator disabled -Enabled \$false" &&
add_user ken 100 48213 &&
$UCSH -c "New-CsPhone -MacAddress 0004f2000001 -Model CX600 | Out-Null" || exit 1
start_registrar >/dev/null 2>&1

# rssh KEY USER [ssh options...] -- COMMAND: OpenSSH's client with only KEY.
rssh() {
	_key=$1 _user=$2
	shift 2
	timeout -k 5 30 ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "keys/$_key" \
		-o UserKnownHostsFile="$TEST_DIR/known_hosts" -o StrictHostKeyChecking=accept-new \
		-o ConnectTimeout=10 -p "$SSH_PORT" "$@" "$_user@${HOST:-127.0.0.1}" ${CMD+"$CMD"}
}
run() { # run KEY USER COMMAND
	CMD=$3 rssh "$1" "$2"
}

test_expect_success 'the host key is Ed25519, made 0600 at first start' '
	test "$(stat -c %a store/ssh_host_ed25519_key)" = 600 &&
	ssh-keyscan -t ed25519 -p $SSH_PORT 127.0.0.1 2>/dev/null >scan &&
	ssh-keygen -y -f store/ssh_host_ed25519_key >pub &&
	test_grep "$(cut -d" " -f2 pub)" scan
'

test_expect_success 'a known key signs in; exec runs the command and passes its output back' '
	run view view "Get-CsPhone | Select-Object -ExpandProperty MacAddress" >out 2>err &&
	echo 00-04-F2-00-00-01 >expected && test_cmp expected out &&
	run view view "Get-CsPool -o json" >pool.json &&
	test_grep "\"SshPort\": $SSH_PORT" pool.json &&
	run rsa rsa "Get-CsSite | Select-Object -ExpandProperty Identity" >out &&
	echo Site:Default >expected && test_cmp expected out
'

test_expect_success 'exec exit statuses: 0, exit N, an error, a syntax error' '
	run view view "exit 5"; test $? = 5 &&
	run view view "Get-CsUser sip:nobody@contoso.com" 2>err; test $? = 1 &&
	test_grep "nobody" err &&
	run view view "Get-CsPool (" 2>err; test $? = 1 &&
	test_grep "syntax error" err &&
	run view view "Get-CsPool | Out-Null"
'

test_expect_success 'an unknown key, a password and a disabled administrator are refused' '
	HOST=::1 run stranger view "Get-CsPool" 2>err; test $? = 255 &&
	test_grep "Permission denied (publickey)" err &&
	HOST=::1 CMD=Get-CsPool rssh view view -o PubkeyAuthentication=no \
		-o PreferredAuthentications=password,keyboard-interactive 2>err; test $? = 255 &&
	test_grep "Permission denied (publickey)" err &&
	HOST=::1 run disabled disabled "Get-CsPool" 2>err; test $? = 255 &&
	test_grep "Permission denied" err &&
	test_grep "disabled from \[::1\]:[0-9]*: the administrator is disabled" ucshd.log &&
	test_grep "view from \[::1\]:[0-9]*: not the administrator.s key" ucshd.log
'

test_expect_success 'CsViewOnlyAdministrator: Get-* and Test-* run, changes are denied naming the role' '
	run view view "Set-CsClientPin sip:ken@contoso.com -Pin 736192" 2>err; test $? = 1 &&
	test_grep "access denied: Set-CsClientPin needs the role CsHelpDesk" err &&
	run view view "New-CsPhone -MacAddress 0004f2000002 -Model CX600" 2>err; test $? = 1 &&
	test_grep "needs the role CsVoiceAdministrator" err &&
	run view view "Get-CsClientPinInfo sip:ken@contoso.com | Select-Object -ExpandProperty IsPinSet" >out &&
	echo True >expected && test_cmp expected out
'

test_expect_success 'each role runs what it should and is denied the rest' '
	run helpdesk helpdesk "Set-CsClientPin sip:ken@contoso.com -Pin 736192" >/dev/null &&
	run helpdesk helpdesk "Unlock-CsClientPin sip:ken@contoso.com" &&
	run helpdesk helpdesk "New-CsPhone -MacAddress 0004f2000002 -Model CX600" 2>err; test $? = 1 &&
	test_grep "needs the role CsVoiceAdministrator" err &&
	run voice voice "New-CsPhone -MacAddress 0004f2000002 -Model CX600 | Out-Null" &&
	run voice voice "New-CsUser -SipAddress sip:amy@contoso.com -LineURI \"tel:+14255550101;ext=101\"" 2>err; test $? = 1 &&
	test_grep "needs the role CsUserAdministrator" err &&
	run useradmin useradmin "New-CsUser -SipAddress sip:amy@contoso.com -LineURI \"tel:+14255550101;ext=101\" | Out-Null" &&
	run useradmin useradmin "Set-CsPool $UCSH_POOL_FQDN -SshPort 1" 2>err; test $? = 1 &&
	test_grep "needs the role CsAdministrator" err &&
	run useradmin useradmin "Get-CsAdministrator" 2>err; test $? = 1 &&
	test_grep "Get-CsAdministrator needs the role CsAdministrator" err &&
	run admin admin "New-CsAdministrator carol -Role CsHelpDesk | Out-Null" &&
	$UCSH -c "Get-CsAdministrator carol | Select-Object -ExpandProperty Role" >out &&
	echo CsHelpDesk >expected && test_cmp expected out &&
	$UCSH -c "Get-CsPhone 0004f2000002 | Select-Object -ExpandProperty Model" >out &&
	echo CX600 >expected && test_cmp expected out
'

test_expect_success 'a remote session has no access to the files of the server' '
	run admin admin "Get-CsPhone | Export-Csv /tmp/ucsh-ssh-$$.csv" 2>err; test $? = 1 &&
	test_grep "remote session has no access to the files" err &&
	run admin admin "Import-Csv /etc/passwd" 2>err; test $? = 1 &&
	run admin admin "Get-CsPool > $TEST_DIR/out.txt" 2>err; test $? = 1 &&
	test ! -e /tmp/ucsh-ssh-$$.csv && test ! -e "$TEST_DIR/out.txt"
'

test_expect_success 'the interactive shell runs on a pty with the line editor; no PIN in its history' '
	printf "Get-CsPool | Select-Object -ExpandProperty SshPort\nSet-CsClientPin sip:ken@contoso.com -Pin 604918 | Out-Null\nexit 3\n" |
		CMD= rssh helpdesk helpdesk -tt >pty.out 2>&1; test $? = 3 &&
	test_grep "ucsh ucsh.db> " pty.out &&
	test_grep "^$SSH_PORT" pty.out &&
	hist=store/ssh-home/helpdesk/.local/state/ucsh/history &&
	test_grep "Get-CsPool" $hist &&
	! grep 604918 $hist
'

test_expect_success 'remote forwarding and subsystems are refused; an agent request does not break the session' '
	CMD=Get-CsPool rssh view view -o ExitOnForwardFailure=yes -R 0:127.0.0.1:9 >/dev/null 2>err; test $? = 255 &&
	test_grep -i "forward" err &&
	CMD=sftp rssh view view -s >/dev/null 2>err; test $? != 0 &&
	test_grep "subsystem sftp: refused" ucshd.log &&
	CMD=Get-CsPool rssh view view -A -o ForwardAgent=yes >out 2>err &&
	test_grep "pool01" out
'

test_expect_success 'the audit log records changes and denials with admin, source, outcome; no PIN' '
	$UCSH -c "Get-CsAuditLog -Administrator view -Outcome Denied | ForEach-Object { \$_.Cmdlet + \"|\" + \$_.Command }" >out &&
	test_grep "^Set-CsClientPin|Set-CsClientPin sip:ken@contoso.com -Pin \*\*\*\$" out &&
	test_grep "^New-CsPhone|" out &&
	$UCSH -c "Get-CsAuditLog -Administrator helpdesk -Cmdlet Set-CsClientPin | ForEach-Object { \$_.Outcome + \"|\" + \$_.Source }" >out &&
	test_grep "^Success|127.0.0.1:[0-9]*\$" out &&
	$UCSH -c "Get-CsAuditLog -Administrator admin -Cmdlet New-CsAdministrator | Select-Object -ExpandProperty Outcome" >out &&
	echo Success >expected && test_cmp expected out &&
	$UCSH -o csv -c "Get-CsAuditLog" >audit.csv &&
	! grep -e 736192 -e 604918 audit.csv &&
	! grep -a -e 736192 -e 604918 store/ucsh.db*
'

test_expect_success 'ucsh --host: -c, -o json, a script with arguments, exit statuses' '
	cp keys/view "$HOME/.ssh/id_ed25519" && cp keys/view.pub "$HOME/.ssh/id_ed25519.pub" &&
	cp "$TEST_DIR/known_hosts" "$HOME/.ssh/known_hosts" &&
	H=ssh://view@127.0.0.1:$SSH_PORT &&
	$UCSH --host $H -c "Get-CsPhone | Select-Object -ExpandProperty MacAddress" >out &&
	printf "00-04-F2-00-00-01\n00-04-F2-00-00-02\n" >expected && test_cmp expected out &&
	$UCSH --host $H -o json -c "Get-CsSite | Select-Object Identity" >out &&
	test_grep "\"Identity\": \"Site:Default\"" out &&
	printf "Write-Output \$args[1]\nexit 6\n" >script.ps1 &&
	$UCSH --host $H script.ps1 one "it'\''s" >out; test $? = 6 &&
	echo "it'\''s" >expected && test_cmp expected out &&
	echo "Get-CsPool | Select-Object -ExpandProperty SshPort" | $UCSH --host $H >out &&
	echo $SSH_PORT >expected && test_cmp expected out
'

test_expect_success 'ucsh --host: a CsViewOnlyAdministrator is denied Set-CsClientPin, and it is recorded' '
	$UCSH --host ssh://view@127.0.0.1:$SSH_PORT -c "Set-CsClientPin sip:ken@contoso.com -Pin 736193" 2>err; test $? = 1 &&
	test_grep "access denied: Set-CsClientPin needs the role CsHelpDesk" err &&
	$UCSH -c "Get-CsAuditLog -Administrator view -Cmdlet Set-CsClientPin -Outcome Denied | Measure-Object | Select-Object -ExpandProperty Count" >out &&
	echo 2 >expected && test_cmp expected out &&
	! grep -a 736193 store/ucsh.db*
'

test_expect_success 'ucsh --host: an unknown user or key is refused, a changed host key is refused' '
	$UCSH --host ssh://stranger@127.0.0.1:$SSH_PORT -c Get-CsPool 2>err; test $? = 1 &&
	test_grep "permission denied" err &&
	ssh-keygen -q -t ed25519 -N "" -f other_host &&
	echo "[127.0.0.1]:$SSH_PORT $(cut -d" " -f1,2 other_host.pub)" >"$HOME/.ssh/known_hosts" &&
	$UCSH --host ssh://view@127.0.0.1:$SSH_PORT -c Get-CsPool >out 2>err; test $? = 1 &&
	test_grep "host key of 127.0.0.1 port $SSH_PORT has CHANGED" err &&
	test_must_fail test -s out &&
	: >"$HOME/.ssh/known_hosts" &&
	$UCSH --host ssh://view@127.0.0.1:$SSH_PORT -c Get-CsPool </dev/null 2>err; test $? = 1 &&
	test_grep "is not in known_hosts" err &&
	$UCSH --host ftp://x -c Get-CsPool 2>err; test $? = 2
'

test_expect_success 'failed sign-ins from one address shut it out; others still get in' '
	for i in 1 2 3 4; do
		grep -q "failed sign-ins from ::1" ucshd.log && break
		HOST=::1 run stranger view "Get-CsPool" 2>/dev/null
		wait_until "test \$(grep -c \"::1.*not the administrator\" ucshd.log) -ge \$((i + 1))"
	done &&
	wait_until "grep -q \"failed sign-ins from ::1\" ucshd.log" &&
	HOST=::1 run view view "Get-CsPool" >/dev/null 2>err; test $? = 255 &&
	test_grep "refused \[::1\]:[0-9]*: too many failed sign-ins" ucshd.log &&
	run view view "Get-CsPool | Out-Null"
'

if command -v ssh-audit >/dev/null 2>&1; then
test_expect_success 'ssh-audit reports no failure' '
	ssh-audit -n -p $SSH_PORT 127.0.0.1 >audit.txt 2>&1; _rc=$? &&
	test $_rc != 3 &&
	! grep "\[fail\]" audit.txt &&
	test_grep "kex-strict-s-v00@openssh.com" audit.txt &&
	test_grep "(key) ssh-ed25519" audit.txt &&
	! grep -E "(kex|key) ecdh-sha2-nistp|diffie-hellman-group1|ssh-rsa " audit.txt
'
else
test_skip 'ssh-audit reports no failure' 'ssh-audit is not installed'
fi

test_expect_success 'Get-CsService shows the SSH service and its counters' '
	$UCSH -c "Get-CsService SSH* | ForEach-Object { \$_.State + \" \" + \$_.Port }" >out &&
	echo "Running $SSH_PORT" >expected && test_cmp expected out &&
	$UCSH -c "(Get-CsService SSH*).FailedSignIns -ge 4" >out &&
	echo True >expected && test_cmp expected out
'

stop_ucshd >stop.out 2>&1; stopped=$?
test_expect_success 'ucshd stops cleanly with the SSH service (no sanitizer report)' '
	test $stopped = 0 && test_grep "SSH stopped" ucshd.log
'

test_done
