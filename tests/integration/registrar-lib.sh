# registrar-lib.sh: what the registrar's integration tests share, sourced
# after tests/shell/test-lib.sh (which gives each test its own directory and
# store). Every wait polls with a bound; only the PIDs started here are
# stopped. Ports come from 25060 up, in blocks of 16, the first block free.

UCSHD=${UCSHD:-$UCSH_BUILD_DIR/ucshd}
SIPP_DIR=$UCSH_SRC_DIR/tests/integration/sipp
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN
DOMAIN=contoso.com
UCSHD_PID=

# wait_until 'shell condition' [tenths of a second, default 200]
wait_until() {
	_i=0
	while ! eval "$1"; do
		_i=$((_i + 1))
		[ $_i -gt "${2:-200}" ] && { echo "timed out: $1"; return 1; }
		sleep 0.1
	done
}

port_busy() {
	ss -Htuan 2>/dev/null | awk '{print $5}' | grep -q ":$1\$"
}

# pick_ports: one block of 16 ports, the first free from 25060 up. SIP_PORT
# (UDP+TCP), TLS_PORT, LOCAL_PORT.. and AUX_PORT.. for the peers, the web
# sites (INT_HTTP_PORT, INT_HTTPS_PORT, EXT_HTTP_PORT, EXT_HTTPS_PORT) and
# SSH_PORT; base+11..15 are free for a test's own use (SPARE_PORT..).
pick_ports() {
	base=${1:-$((25060 + ($$ % 100) * 16))}
	tries=0
	while :; do
		busy=0 i=0
		while [ $i -lt 16 ]; do
			port_busy $((base + i)) && busy=1
			i=$((i + 1))
		done
		[ $busy = 0 ] && break
		tries=$((tries + 1))
		[ $tries -gt 100 ] && { echo "no free ports"; return 1; }
		base=$((25060 + (base - 25060 + 16) % 1600))
	done
	SIP_PORT=$base TLS_PORT=$((base + 1)) LOCAL_PORT=$((base + 2)) LOCAL_PORT2=$((base + 3))
	AUX_PORT=$((base + 4)) AUX_PORT2=$((base + 5))
	INT_HTTP_PORT=$((base + 6)) INT_HTTPS_PORT=$((base + 7))
	EXT_HTTP_PORT=$((base + 8)) EXT_HTTPS_PORT=$((base + 9)) SSH_PORT=$((base + 10))
	SPARE_PORT=$((base + 11))
}

# The pool on our ports, loopback only, and the PIN policy of the tests.
setup_pool() {
	$UCSH -c "Set-CsPool $UCSH_POOL_FQDN -SipPort $SIP_PORT -TlsPort $TLS_PORT -InternalHttpPort $INT_HTTP_PORT -InternalHttpsPort $INT_HTTPS_PORT -ExternalHttpPort $EXT_HTTP_PORT -ExternalHttpsPort $EXT_HTTPS_PORT -SshPort $SSH_PORT -ListenAddress 127.0.0.1,::1; Set-CsPinPolicy -AllowCommonPatterns \$true -MaximumLogonAttempts 3" >/dev/null
}

# add_user NAME EXT PIN
add_user() {
	$UCSH -c "New-CsUser -SipAddress sip:$1@$DOMAIN -LineURI 'tel:+1425555$2;ext=$2' | Out-Null; Set-CsClientPin -Identity sip:$1@$DOMAIN -Pin $3 | Out-Null"
}

# start_ucshd: in the background, ready when the registrar listens.
log_count() {
	grep -c "$1" "$TEST_DIR/ucshd.log" 2>/dev/null || true
}
start_ucshd() {
	_ok=$(log_count "Registrar started") _bad=$(log_count "did not start")
	_ssh=$(log_count "SSH started") _sshbad=$(log_count "SSH did not start")
	"$UCSHD" --pidfile "$TEST_DIR/ucshd.pid" --log-level info 2>>"$TEST_DIR/ucshd.log" &
	UCSHD_PID=$!
	wait_until 'test "$(log_count "Registrar started")" -gt "${_ok:-0}" ||
		test "$(log_count "did not start")" -gt "${_bad:-0}" || ! kill -0 $UCSHD_PID 2>/dev/null' &&
	test "$(log_count "Registrar started")" -gt "${_ok:-0}" &&
	wait_until 'test "$(log_count "SSH started")" -gt "${_ssh:-0}" ||
		test "$(log_count "SSH did not start")" -gt "${_sshbad:-0}"' &&
	test "$(log_count "SSH started")" -gt "${_ssh:-0}" &&
	wait_until 'test -S "$UCSHD_SOCK"' && kill -0 $UCSHD_PID
}

# start_registrar: start_ucshd, and when a test running beside this one
# took the ports in the meantime, move to the next free block (twice at most).
start_registrar() {
	for _try in 1 2 3; do
		start_ucshd && return 0
		grep -q "Address already in use" "$TEST_DIR/ucshd.log" || return 1
		stop_ucshd KILL
		pick_ports $((25060 + (SIP_PORT - 25060 + 16 * (_try * 7)) % 1600)) && setup_pool || return 1
	done
	return 1
}

stop_ucshd() {
	[ -n "$UCSHD_PID" ] || return 0
	kill -${1:-TERM} "$UCSHD_PID" 2>/dev/null
	wait_until '! kill -0 $UCSHD_PID 2>/dev/null' 300 || kill -KILL "$UCSHD_PID" 2>/dev/null
	wait "$UCSHD_PID" 2>/dev/null
	UCSHD_PID=
	# the log holds ASan's report, if any
	! grep -q "ERROR: AddressSanitizer\|runtime error:" "$TEST_DIR/ucshd.log" 2>/dev/null
}

# creds_csv FILE NAME PIN [NAME PIN ...]: a SIPp injection file
creds_csv() {
	f=$1
	shift
	echo SEQUENTIAL >"$f"
	while [ $# -ge 2 ]; do
		echo "$1;[authentication username=$1 password=$2]" >>"$f"
		shift 2
	done
}

# sipp_run SCENARIO CSV TRANSPORT [extra SIPp args]: one call unless -m is
# given; exit status 0 when every call succeeded. Messages in sipp-*.log.
sipp_run() {
	sc=$1 csv=$2 tr=$3
	shift 3
	case "$sc" in */*) ;; *) sc=$SIPP_DIR/$sc.xml ;; esac
	timeout -k 5 60 sipp 127.0.0.1:$SIP_PORT -sf "$sc" -inf "$csv" -key domain $DOMAIN \
		-key expires "${EXPIRES:-600}" -auth_uri $DOMAIN -t "$tr" -i 127.0.0.1 \
		-p "${SIPP_LOCAL_PORT:-$LOCAL_PORT}" -recv_timeout 5000 -timeout 50s -nostdin \
		-default_behaviors abortunexp -trace_err -error_file "$TEST_DIR/sipp-err.log" \
		-trace_msg -message_file "$TEST_DIR/sipp-msg.log" -m 1 "$@" >/dev/null 2>&1
}

# store_rows SQL: a read of the store (tests only; ucsh has no SQL)
store_rows() {
	store_sql "$1"
}

bindings_of() {
	store_rows "SELECT count(*) FROM registration WHERE \"User\" = 'sip:$1@$DOMAIN'"
}

pin_info() {
	$UCSH -c "(Get-CsClientPinInfo sip:$1@$DOMAIN).$2"
}

# hold_lock: the sqlite3 shell takes the SQLite store's write lock and keeps
# it until release_lock; returns once it holds it. Call both at the top
# level: a test body runs in a subshell, whose end would close fd 7.
LOCK_PID=
hold_lock() {
	rm -f lock.fifo lock.out && mkfifo lock.fifo || return 1
	sqlite3 "$TEST_DIR/store/ucsh.db" <lock.fifo >lock.out 2>&1 &
	LOCK_PID=$!
	exec 7>lock.fifo
	printf '.timeout 10000\nBEGIN IMMEDIATE;\nSELECT '"'"'lock'"'"' || '"'"'ed'"'"';\n' >&7
	wait_until 'grep -q "^locked$" lock.out || ! kill -0 $LOCK_PID 2>/dev/null' 200 &&
	grep -q "^locked$" lock.out
}

release_lock() {
	[ -n "$LOCK_PID" ] || return 0
	echo "COMMIT;" >&7
	exec 7>&-
	wait_until '! kill -0 $LOCK_PID 2>/dev/null' 100 || kill "$LOCK_PID" 2>/dev/null
	wait "$LOCK_PID" 2>/dev/null
	LOCK_PID=
}

need() {
	for b in "$@"; do
		command -v "$b" >/dev/null 2>&1 || { echo "1..0 # SKIP $b is not installed"; exit 0; }
	done
}
