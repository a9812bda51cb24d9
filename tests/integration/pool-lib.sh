# pool-lib.sh: two or more ucshd nodes of one pool on one PostgreSQL store,
# sourced after registrar-lib.sh. Every node listens on a loopback address
# of its own (127.0.0.1, 127.0.0.2, ...) with the pool's ports, has its own
# control socket (run-NAME/), log (NAME.log) and PID file (NAME.pid), and
# is stopped by that PID.

# start_node NAME ADDRESS: ready when its registrar listens.
start_node() {
	_n=$1
	mkdir -p "$TEST_DIR/run-$_n" && chmod 700 "$TEST_DIR/run-$_n"
	XDG_RUNTIME_DIR=$TEST_DIR/run-$_n sh -c 'echo $$ >"$1"; exec "$2" --node "$3" --listen-address "$4" --log-level info' \
		node "$TEST_DIR/$_n.pid" "$UCSHD" "$_n" "$2" 2>>"$TEST_DIR/$_n.log" </dev/null &
	wait_until "grep -q 'Registrar started\\|did not start' '$TEST_DIR/$_n.log' 2>/dev/null" &&
	grep -q "Registrar started" "$TEST_DIR/$_n.log" &&
	wait_until "test -S '$TEST_DIR/run-$_n/ucshd.sock'"
}

node_pid() {
	cat "$TEST_DIR/$1.pid" 2>/dev/null
}

# stop_node NAME [SIGNAL]: by its PID; fails on an ASan report in its log.
stop_node() {
	_p=$(node_pid "$1")
	[ -n "$_p" ] || return 0
	kill -"${2:-TERM}" "$_p" 2>/dev/null
	wait_until "! kill -0 $_p 2>/dev/null" 300 || kill -KILL "$_p" 2>/dev/null
	rm -f "$TEST_DIR/$1.pid"
	! grep -q "ERROR: AddressSanitizer\|runtime error:" "$TEST_DIR/$1.log"
}

# stop_all_nodes: every node whose PID file is still there (nodes start in
# test bodies, which are subshells: their PID files are what the EXIT trap
# can see).
stop_all_nodes() {
	for _f in "$TEST_DIR"/*.pid; do
		[ -f "$_f" ] && stop_node "$(basename "$_f" .pid)" KILL
	done
	return 0
}

# node_ucsh NAME ARGS...: ucsh talking to node NAME's control socket.
node_ucsh() {
	_n=$1
	shift
	XDG_RUNTIME_DIR=$TEST_DIR/run-$_n $UCSH "$@"
}

# add_users N: users u1..uN with extensions 301.. and PINs 5000NN, in
# phones.txt as USER:PIN for sip-pool-client.py.
add_users() {
	$UCSH -c "1..$1 | ForEach-Object { New-CsUser -SipAddress \"sip:u\$_@$DOMAIN\" -LineURI \"tel:+1425555\$(300 + \$_);ext=\$(300 + \$_)\" | Out-Null; Set-CsClientPin -Identity \"sip:u\$_@$DOMAIN\" -Pin \"\$(500000 + \$_)\" | Out-Null }" &&
	_i=1 && : >phones.txt &&
	while [ $_i -le "$1" ]; do
		echo "u$_i:$((500000 + _i))" >>phones.txt
		_i=$((_i + 1))
	done
}

pool_client() {
	timeout -k 5 120 python3 "$UCSH_SRC_DIR/tests/integration/sip-pool-client.py" "$@"
}
