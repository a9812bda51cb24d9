#!/bin/sh
# Ctrl-C cancels the running pipeline, not the shell.
. "$(dirname "$0")/test-lib.sh"

# wait_for FILE PATTERN: poll (bounded to ~20 s) until FILE matches.
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 400 ] && { echo "timed out waiting for '$2' in $1"; cat "$1"; return 1; }
		sleep 0.05
	done
}

# interrupt_loop N: SIGINT to a script counting in a loop, N times: each
# ends with status 130 and says nothing, wherever in the loop it was hit.
interrupt_loop() {
	for i in $(seq "$1"); do
		rm -f started.txt
		$UCSH -c "Write-Output started > started.txt; while (\$n -lt 50000000) { \$n += 1 }; Write-Output after" \
			>out 2>err &
		pid=$!
		wait_for started.txt started && kill -INT $pid || return 1
		wait $pid
		rc=$?
		test "$rc" = 130 || { echo "run $i: status $rc"; cat err; return 1; }
		! grep -q after out && test_must_fail test -s err || { echo "run $i:"; cat out err; return 1; }
	done
}

test_expect_success 'SIGINT stops a running script with status 130, without a word' '
	interrupt_loop 12
'

if ! command -v tmux >/dev/null; then
	test_skip "Ctrl-C in the interactive shell" "tmux is not installed"
	test_done
fi

sock=ucsh-int-$$
tmux_kill() { tmux -L $sock kill-server 2>/dev/null; true; }
trap tmux_kill EXIT

screen() { tmux -L $sock capture-pane -p -t t >screen.txt; }
wait_screen() {
	i=0
	while screen && ! grep -q "$1" screen.txt; do
		i=$((i + 1))
		[ $i -gt 400 ] && { echo "timed out waiting for '$1'"; cat screen.txt; return 1; }
		sleep 0.05
	done
}

test_expect_success 'Ctrl-C in the interactive shell ends the pipeline and keeps the shell' '
	tmux -L $sock new-session -d -s t -x 120 -y 30 "$UCSH; echo EXITED \$?; sleep 60" &&
	wait_screen "^ucsh .*>" &&
	tmux -L $sock send-keys -t t "Write-Output looping; while (\$true) { \$n += 1 }" Enter &&
	wait_screen "^looping" &&
	tmux -L $sock send-keys -t t C-c &&
	tmux -L $sock send-keys -t t "Write-Output still-here" Enter &&
	wait_screen "^still-here" &&
	! grep -q EXITED screen.txt
'

# prompts_over N: wait (bounded) until the screen shows more than N prompts
prompts_over() {
	i=0
	while screen && [ "$(grep -c "^ucsh .*>" screen.txt)" -le "$1" ]; do
		i=$((i + 1))
		[ $i -gt 400 ] && { echo "timed out waiting for prompt $(($1 + 1))"; cat screen.txt; return 1; }
		sleep 0.05
	done
}

# The next line is typed only once Ctrl-C has given a fresh prompt: typed
# sooner, it can reach the line editor before the signal and go with it.
test_expect_success 'Ctrl-C at the prompt drops the typed line and keeps the shell' '
	screen && before=$(grep -c "^ucsh .*>" screen.txt) &&
	tmux -L $sock send-keys -t t "Write-Output dropped" C-c &&
	prompts_over $before &&
	tmux -L $sock send-keys -t t "Write-Output kept" Enter &&
	wait_screen "^kept" &&
	! grep -q "^dropped" screen.txt &&
	! grep -q EXITED screen.txt
'

test_expect_success 'end of input (Ctrl-D) leaves the shell with status 0' '
	tmux -L $sock send-keys -t t C-d &&
	wait_screen "EXITED 0"
'

test_done
