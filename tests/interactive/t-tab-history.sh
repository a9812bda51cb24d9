#!/bin/sh
# The interactive shell in a real terminal: ucsh runs inside tmux (on a
# private server socket, with its own HOME and XDG directories) and the
# keys are typed as a person would. Tab completes cmdlet names, parameters
# and values through libedit; Up recalls the history, which is kept under
# $XDG_STATE_HOME/ucsh/ with mode 0600.
#
# Every wait polls the screen until the expected text shows or a deadline
# passes; nothing is asserted after a fixed sleep.

. "$(dirname "$0")/../shell/test-lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	test_skip 'interactive completion and history' 'tmux is not installed'
	test_done
fi

SOCKET=ucsh-test-$$
TMUX_CMD="tmux -L $SOCKET -f /dev/null"
unset TMUX

# Only the server on our own socket is ever killed.
stop_tmux() {
	$TMUX_CMD kill-server >/dev/null 2>&1
}
trap stop_tmux EXIT INT TERM

# wait_screen PATTERN: poll the pane (up to 15 s) until a line matches the
# extended regular expression; the last screen is kept in $TEST_DIR/screen.
wait_screen() {
	tries=0
	while [ $tries -lt 150 ]; do
		$TMUX_CMD capture-pane -p -t ucsh >"$TEST_DIR/screen" 2>/dev/null &&
			grep -E -q -- "$1" "$TEST_DIR/screen" && return 0
		sleep 0.1
		tries=$((tries + 1))
	done
	echo "the screen never showed: $1"
	sed 's/^/| /' "$TEST_DIR/screen"
	return 1
}

# type TEXT: literal keys, never taken for tmux options.
type_text() {
	$TMUX_CMD send-keys -t ucsh -l -- "$1"
}

press() {
	$TMUX_CMD send-keys -t ucsh "$@"
}

# capture-pane drops trailing blanks: an empty prompt ends in '>'
PROMPT='^ucsh [^>]*>'

test_expect_success 'ucsh starts interactive on a terminal' '
	$TMUX_CMD new-session -d -s ucsh -x 120 -y 40 \
		"cd \"$TEST_DIR\" && exec env TERM=screen HOME=\"$HOME\" XDG_STATE_HOME=\"$XDG_STATE_HOME\" XDG_DATA_HOME=\"$XDG_DATA_HOME\" UCSH_STORE=\"$UCSH_STORE\" \"$UCSH\"" &&
	wait_screen "$PROMPT\$"
'

test_expect_success 'Tab completes Get-Comm to Get-Command' '
	type_text "Get-Comm" &&
	press Tab &&
	wait_screen "${PROMPT} Get-Command ?\$"
'

test_expect_success 'Tab completes a parameter name, then the command runs' '
	type_text "-No" &&
	press Tab &&
	wait_screen "${PROMPT} Get-Command -Noun ?\$" &&
	type_text "Help" &&
	press Enter &&
	wait_screen "^Cmdlet +Get-Help " &&
	wait_screen "$PROMPT\$"
'

test_expect_success 'Tab completes an enumerated value' '
	type_text "Get-Help Get-Help -ErrorAction Sil" &&
	press Tab &&
	wait_screen "${PROMPT} Get-Help Get-Help -ErrorAction SilentlyContinue ?\$" &&
	press C-u
'

test_expect_success 'Tab completes a variable the session has set' '
	type_text "\$phoneModel = 5" &&
	press Enter &&
	wait_screen "$PROMPT\$" &&
	type_text "Write-Output \$phoneM" &&
	press Tab &&
	wait_screen "${PROMPT} Write-Output \\\$phoneModel ?\$" &&
	press Enter &&
	wait_screen "^5\$"
'

test_expect_success 'Tab completes file names for a file parameter' '
	: >"$TEST_DIR/unique-output-name.txt" &&
	type_text "Out-File unique-out" &&
	press Tab &&
	wait_screen "${PROMPT} Out-File unique-output-name.txt ?\$" &&
	press C-u
'

test_expect_success 'Up recalls the last command' '
	press Up &&
	wait_screen "${PROMPT} Write-Output \\\$phoneModel\$" &&
	press Up &&
	wait_screen "${PROMPT} \\\$phoneModel = 5\$" &&
	press C-u
'

test_expect_success 'exit ends the shell; the history file is private' '
	type_text "exit" &&
	press Enter &&
	tries=0 &&
	while $TMUX_CMD has-session -t ucsh 2>/dev/null && [ $tries -lt 150 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done &&
	! $TMUX_CMD has-session -t ucsh 2>/dev/null &&
	hist=$XDG_STATE_HOME/ucsh/history &&
	test -f "$hist" &&
	test "$(stat -c %a "$hist")" = 600 &&
	test "$(stat -c %a "$XDG_STATE_HOME/ucsh")" = 700 &&
	# libedit writes a blank inside a line as \040
	sed "s/\\\\040/ /g" "$hist" | grep -q "^Get-Command -Noun Help\$"
'

test_done
