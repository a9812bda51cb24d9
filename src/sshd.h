/*
 * sshd: the SSH management endpoint of ucshd. Remote administrators sign
 * in with a public key from New-CsAdministrator and get the ucsh shell,
 * limited to their role and recorded in the audit log.
 *
 * The daemon's loop only accepts: each connection is handed to a fresh
 * process (ucshd re-executed with --ssh-session) that owns the socket and
 * does everything else (key exchange, sign-in, the shell) with blocking
 * libssh calls. So a slow client, a long pipeline or a crash in a session
 * never stalls SIP, and a session holds none of ucshd's listeners or store
 * handles. The loop keeps the limits that need a view across sessions:
 * concurrent sessions, and failed sign-ins per source address (an address
 * with too many is refused at accept for a while). Each session process
 * enforces its own login grace time, tries per connection and idle timeout.
 *
 * Algorithms, the same for every session: curve25519-sha256 key exchange
 * (with strict key exchange, which libssh adds), an Ed25519 host key kept
 * in <store dir>/ssh_host_ed25519_key (0600, made on first start),
 * chacha20-poly1305 or AES-GCM, encrypt-then-MAC SHA-2 MACs. Public keys
 * only; no forwarding, no agent, no X11, no subsystems, no environment.
 *
 * Knobs (environment of ucshd): UCSH_SSH_MAX_SESSIONS (16),
 * UCSH_SSH_LOGIN_GRACE seconds (30), UCSH_SSH_IDLE_TIMEOUT seconds (900),
 * UCSH_SSH_MAX_FAILURES per address (10) within UCSH_SSH_FAILURE_WINDOW
 * seconds (600), which is also how long the address is then refused.
 */
#ifndef UCSH_SSHD_H
#define UCSH_SSHD_H

#include "daemon.h"

extern const struct service_ops sshd_service_ops;

/* The session process exits with these; the service counts failures. */
enum sshd_session_exit {
	SSHD_EXIT_SIGNED_IN = 0,   /* an administrator signed in; the session ended */
	SSHD_EXIT_ERROR = 1,       /* set-up or protocol failure before sign-in */
	SSHD_EXIT_AUTH_FAILED = 3, /* the client gave up or was refused: a failed sign-in */
	SSHD_EXIT_GRACE = 4,       /* no sign-in within the login grace time */
};

/* The options a session process is started with (see sshd_session_main). */
struct sshd_session_opts {
	const char *store_uri;
	const char *peer;          /* "203.0.113.5:50022" */
	int level;                 /* log level */
	int grace, idle, max_tries;
};

/*
 * `ucshd --ssh-session ...`: serve the one connection on fd 3 and exit
 * with an enum sshd_session_exit. argv as passed by the service.
 */
int sshd_session_main(int argc, char **argv);

/* The host key's path for the store at uri (caller frees), or NULL. */
char *sshd_host_key_path(const char *store_uri);

#endif
