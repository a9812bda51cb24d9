/*
 * sshd_session: one SSH connection, in its own process (`ucshd
 * --ssh-session`, started by the SSH service with the socket on fd 3).
 *
 * It runs the key exchange, signs the administrator in (public key from
 * New-CsAdministrator, enabled, within the grace time and the tries
 * allowed), accepts one session channel, and runs the shell in a child:
 * on a pty with the interactive line editor for a shell request, or on
 * pipes (or the pty) for an exec request. This process relays bytes
 * between the channel and the child and passes the child's exit status
 * back. Everything else a client may ask for (forwarding, agent, X11,
 * subsystems, environment, a second channel) is refused.
 */
#include "config.h"
#include "sshd.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utmp.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "cmd.h"
#include "log.h"
#include "repl.h"
#include "shell.h"
#include "store.h"

#define SESSION_FD 3
#define MAX_TRIES 6           /* keys or passwords offered on one connection */
#define RELAY_BUF 16384
#define DRAIN_SECONDS 2       /* for the last output after the shell ended */
#define COMMAND_MAX 262144    /* an exec request longer than this is refused */

static const char kex[] = "curve25519-sha256,curve25519-sha256@libssh.org";
static const char ciphers[] =
	"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com";
static const char macs[] = "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com";
static const char hostkeys[] = "ssh-ed25519";
static const char user_keys[] = "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,"
				"ecdsa-sha2-nistp384,ecdsa-sha2-nistp521";

struct sess {
	const struct sshd_session_opts *o;
	ssh_session session;
	ssh_channel channel;
	ssh_event event;
	struct store *store;
	struct ssh_channel_callbacks_struct ccb;
	/* sign-in */
	char *admin;
	enum cmd_role role;
	bool authed;
	int tries;
	/* the channel */
	bool want_pty;
	struct winsize ws;
	char term[64];
	int pty_master;
	pid_t child;
	int in_fd, out_fd, err_fd; /* the child's stdin (ours to write), stdout, stderr */
	bool closed, client_eof;
	time_t last_activity;
	int status;               /* the child's exit status, once it ended */
	bool child_done;
};

static volatile sig_atomic_t terminate;

static void on_term(int sig)
{
	(void)sig;
	terminate = 1;
}

static void on_grace(int sig)
{
	(void)sig;
	_exit(SSHD_EXIT_GRACE);
}

/* ---- Sign-in ------------------------------------------------------------ */

static bool role_parse(const char *name, enum cmd_role *out)
{
	for (int r = ROLE_VIEW_ONLY; r <= ROLE_ADMIN; r++)
		if (name && str_ieq(cmd_role_name((enum cmd_role)r), name)) {
			*out = (enum cmd_role)r;
			return true;
		}
	return false;
}

/* Does the administrator user hold this key, and may they sign in? Sets
 * *role. Says why not in the log (never to the client). */
static bool admin_key_ok(struct sess *s, const char *user, ssh_key offered, enum cmd_role *role)
{
	struct ucsh_err err;
	json_t *a = NULL;
	bool ok = false;
	if (store_get(s->store, "Administrator", user, &a, &err) < 0) {
		log_error("ssh: cannot read administrator %s: %s", user, err.msg);
		return false;
	}
	const char *line = json_string_value(json_object_get(a, "PublicKey"));
	char *copy = line ? xstrdup(line) : NULL;
	char *type = copy ? strtok(copy, " \t") : NULL, *b64 = type ? strtok(NULL, " \t") : NULL;
	ssh_key key = NULL;
	if (!a)
		log_info("ssh: %s from %s: no such administrator", user, s->o->peer);
	else if (!json_is_true(json_object_get(a, "Enabled")))
		log_notice("ssh: %s from %s: the administrator is disabled", user, s->o->peer);
	else if (!role_parse(json_string_value(json_object_get(a, "Role")), role))
		log_warning("ssh: %s has no known role", user);
	else if (!b64 || ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type), &key) != SSH_OK)
		log_info("ssh: %s from %s: the administrator has no usable public key", user, s->o->peer);
	else if (ssh_key_cmp(key, offered, SSH_KEY_CMP_PUBLIC) != 0)
		log_info("ssh: %s from %s: not the administrator's key", user, s->o->peer);
	else
		ok = true;
	ssh_key_free(key);
	free(copy);
	json_decref(a);
	return ok;
}

static int on_auth_pubkey(ssh_session session, const char *user, struct ssh_key_struct *pubkey,
			  char signature_state, void *userdata)
{
	struct sess *s = userdata;
	enum cmd_role role;
	(void)session;
	if (s->authed || s->tries >= MAX_TRIES)
		return SSH_AUTH_DENIED;
	bool ok = (signature_state == SSH_PUBLICKEY_STATE_NONE ||
		   signature_state == SSH_PUBLICKEY_STATE_VALID) &&
		  admin_key_ok(s, user, pubkey, &role);
	if (!ok) {
		s->tries++;
		return SSH_AUTH_DENIED;
	}
	if (signature_state == SSH_PUBLICKEY_STATE_NONE)
		return SSH_AUTH_SUCCESS; /* "this key would do": the client signs next */
	s->authed = true;
	s->admin = xstrdup(user);
	s->role = role;
	log_notice("ssh: %s signed in from %s (%s)", user, s->o->peer, cmd_role_name(role));
	return SSH_AUTH_SUCCESS;
}

static int on_auth_password(ssh_session session, const char *user, const char *password,
			    void *userdata)
{
	struct sess *s = userdata;
	(void)session;
	(void)password;
	s->tries++;
	log_info("ssh: %s from %s: refused a password (public keys only)", user, s->o->peer);
	return SSH_AUTH_DENIED;
}

static int on_auth_none(ssh_session session, const char *user, void *userdata)
{
	(void)session;
	(void)user;
	(void)userdata;
	return SSH_AUTH_DENIED;
}

/* ---- The shell, in the child -------------------------------------------- */

static volatile sig_atomic_t shell_cancel;

static void on_shell_int(int sig)
{
	(void)sig;
	shell_cancel = 1;
}

/* History and editor settings per administrator, under the store's
 * directory, so that admins sharing the daemon's account do not share
 * their histories. */
static void set_home(const struct sess *s)
{
	char *key = sshd_host_key_path(s->o->store_uri);
	char *slash = strrchr(key, '/');
	if (slash && !strchr(s->admin, '/') && s->admin[0] != '.') {
		*slash = '\0';
		char *base = xasprintf("%s/ssh-home", key);
		char *home = xasprintf("%s/%s", base, s->admin);
		mkdir(base, 0700);
		mkdir(home, 0700);
		setenv("HOME", home, 1);
		free(base);
		free(home);
	}
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CONFIG_HOME");
	free(key);
}

/* A trailing "-o FORMAT" on an exec request chooses the output format, as
 * ucsh's -o does (ssh host 'Get-CsPhone -o json'). Cuts it off text. */
static enum output_format take_format(char *text)
{
	static const struct { const char *name; enum output_format f; } fmts[] = {
		{ "table", OUT_TABLE }, { "list", OUT_LIST }, { "json", OUT_JSON }, { "csv", OUT_CSV },
	};
	size_t n = strlen(text);
	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	for (size_t i = 0; i < UCSH_ARRAY_LEN(fmts); i++) {
		size_t fl = strlen(fmts[i].name);
		if (n < fl + 4 || strncasecmp(text + n - fl, fmts[i].name, fl) != 0)
			continue;
		size_t at = n - fl;
		if (!isspace((unsigned char)text[at - 1]))
			continue;
		while (at && isspace((unsigned char)text[at - 1]))
			at--;
		if (at >= 3 && text[at - 1] == 'o' && text[at - 2] == '-' &&
		    isspace((unsigned char)text[at - 3])) {
			text[at - 2] = '\0';
			return fmts[i].f;
		}
	}
	return OUT_DEFAULT;
}

static char *read_all(FILE *f)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len < COMMAND_MAX)
		sb_add(&sb, buf, n);
	return sb_detach(&sb);
}

/* Run the session's shell on stdin/stdout/stderr (already the pty or the
 * pipes) and end the child with its exit status. */
static void run_shell(struct sess *s, char *command, bool tty)
{
	struct shell sh;
	struct sigaction sa = { .sa_handler = on_shell_int };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	shell_init(&sh);
	sh.role = s->role;
	sh.remote = true;
	sh.admin = s->admin;
	sh.client = s->o->peer;
	sh.store_uri = s->o->store_uri;
	sh.cancel = &shell_cancel;
	sh.color = tty && strcmp(s->term, "dumb") != 0 && !getenv("NO_COLOR");
	int rc;
	if (command) {
		sh.format = take_format(command);
		rc = shell_run(&sh, command, "<ssh>") < 0 ? 1 : -1;
	} else if (tty) {
		sh.interactive = true;
		setenv("TERM", s->term[0] ? s->term : "vt100", 1);
		set_home(s);
		rc = repl_run(&sh);
	} else {
		char *text = read_all(stdin);
		rc = shell_run(&sh, text, "<stdin>") < 0 ? 1 : -1;
		free(text);
	}
	if (rc < 0)
		rc = sh.exit_requested >= 0 ? sh.exit_requested : sh.errors ? 1 : 0;
	fflush(stdout);
	fflush(stderr);
	_exit(rc);
}

/* The child's side of the plumbing; never returns. */
static void child_start(struct sess *s, char *command, int slave, int in[2], int out[2],
			int err[2])
{
	close(SESSION_FD); /* the connection is this process's parent's */
	if (slave >= 0) {
		close(s->pty_master);
		if (login_tty(slave) != 0)
			_exit(1);
	} else {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		for (int i = 0; i < 2; i++) {
			close(in[i]);
			close(out[i]);
			close(err[i]);
		}
	}
	run_shell(s, command, slave >= 0);
}

static int start_child(struct sess *s, const char *command)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, slave = -1;
	if (s->child)
		return SSH_ERROR; /* one shell or command per channel */
	if (command && strlen(command) > COMMAND_MAX)
		return SSH_ERROR;
	if (s->want_pty) {
		if (openpty(&s->pty_master, &slave, NULL, NULL, &s->ws) != 0)
			return SSH_ERROR;
	} else if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		goto fail;
	}
	/* the store is the shell's to open: no SQLite handle crosses a fork */
	store_close(s->store);
	s->store = NULL;
	char *cmd = command ? xstrdup(command) : NULL;
	s->child = fork();
	if (s->child == 0)
		child_start(s, cmd, slave, in, out, err);
	free(cmd);
	if (s->child < 0) {
		s->child = 0;
		goto fail;
	}
	if (slave >= 0) {
		close(slave);
		s->in_fd = s->out_fd = s->pty_master;
	} else {
		close(in[0]);
		close(out[1]);
		close(err[1]);
		s->in_fd = in[1];
		s->out_fd = out[0];
		s->err_fd = err[0];
	}
	log_info("ssh: %s runs %s", s->admin, command ? "a command" : "the shell");
	return SSH_OK;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	if (slave >= 0) {
		close(slave);
		close(s->pty_master);
		s->pty_master = -1;
	}
	return SSH_ERROR;
}

/* ---- Channel requests --------------------------------------------------- */

static int on_data(ssh_session session, ssh_channel channel, void *data, uint32_t len,
		   int is_stderr, void *userdata)
{
	struct sess *s = userdata;
	(void)session;
	(void)channel;
	(void)is_stderr;
	s->last_activity = time(NULL);
	if (s->in_fd < 0 || len == 0)
		return (int)len; /* nothing runs yet, or its input is closed: drop it */
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(s->in_fd, (char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return (int)len;
}

static void on_eof(ssh_session session, ssh_channel channel, void *userdata)
{
	struct sess *s = userdata;
	(void)session;
	(void)channel;
	s->client_eof = true;
	if (s->in_fd >= 0 && s->in_fd != s->pty_master) { /* the command's stdin ends */
		close(s->in_fd);
		s->in_fd = -1;
	}
}

static void on_close(ssh_session session, ssh_channel channel, void *userdata)
{
	struct sess *s = userdata;
	(void)session;
	(void)channel;
	s->closed = true;
}

static int on_pty(ssh_session session, ssh_channel channel, const char *term, int cols,
		  int rows, int px, int py, void *userdata)
{
	struct sess *s = userdata;
	(void)session;
	(void)channel;
	if (s->child || cols < 0 || rows < 0 || cols > 10000 || rows > 10000)
		return SSH_ERROR;
	s->want_pty = true;
	snprintf(s->term, sizeof(s->term), "%s", term && *term ? term : "vt100");
	for (char *p = s->term; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.+", *p))
			*p = '_';
	s->ws = (struct winsize){ .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols,
				  .ws_xpixel = (unsigned short)px, .ws_ypixel = (unsigned short)py };
	return SSH_OK;
}

static int on_resize(ssh_session session, ssh_channel channel, int cols, int rows, int px,
		     int py, void *userdata)
{
	struct sess *s = userdata;
	(void)session;
	(void)channel;
	if (cols < 0 || rows < 0 || cols > 10000 || rows > 10000)
		return SSH_ERROR;
	s->ws = (struct winsize){ .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols,
				  .ws_xpixel = (unsigned short)px, .ws_ypixel = (unsigned short)py };
	return s->pty_master >= 0 && ioctl(s->pty_master, TIOCSWINSZ, &s->ws) == 0 ? SSH_OK
										    : SSH_ERROR;
}

static int on_shell(ssh_session session, ssh_channel channel, void *userdata)
{
	(void)session;
	(void)channel;
	return start_child(userdata, NULL);
}

static int on_exec(ssh_session session, ssh_channel channel, const char *command, void *userdata)
{
	(void)session;
	(void)channel;
	return start_child(userdata, command);
}

static int refuse_env(ssh_session session, ssh_channel channel, const char *name,
		      const char *value, void *userdata)
{
	(void)session;
	(void)channel;
	(void)name;
	(void)value;
	(void)userdata;
	return SSH_ERROR;
}

static int refuse_subsystem(ssh_session session, ssh_channel channel, const char *name,
			    void *userdata)
{
	struct sess *s = userdata;
	(void)session;
	(void)channel;
	log_info("ssh: %s asked for the subsystem %.40s: refused", s->admin, name);
	return SSH_ERROR;
}

/* One session channel, once signed in; any other kind of channel is
 * refused by libssh, as no callback opens it. */
static ssh_channel on_channel_open(ssh_session session, void *userdata)
{
	struct sess *s = userdata;
	if (!s->authed || s->channel)
		return NULL;
	s->channel = ssh_channel_new(session);
	if (!s->channel)
		return NULL;
	memset(&s->ccb, 0, sizeof(s->ccb));
	s->ccb.userdata = s;
	s->ccb.channel_data_function = on_data;
	s->ccb.channel_eof_function = on_eof;
	s->ccb.channel_close_function = on_close;
	s->ccb.channel_pty_request_function = on_pty;
	s->ccb.channel_pty_window_change_function = on_resize;
	s->ccb.channel_shell_request_function = on_shell;
	s->ccb.channel_exec_request_function = on_exec;
	s->ccb.channel_env_request_function = refuse_env;
	s->ccb.channel_subsystem_request_function = refuse_subsystem;
	ssh_callbacks_init(&s->ccb);
	ssh_set_channel_callbacks(s->channel, &s->ccb);
	return s->channel;
}

/* ---- Relay ---------------------------------------------------------------- */

static int relay_out(socket_t fd, int revents, void *userdata, bool to_stderr)
{
	struct sess *s = userdata;
	char buf[RELAY_BUF];
	ssize_t n = 0;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) { /* the end of the shell's output (EIO from a pty whose shell left) */
		ssh_event_remove_fd(s->event, fd);
		close(fd);
		if (fd == s->out_fd) {
			if (s->in_fd == s->out_fd)
				s->in_fd = -1;
			s->out_fd = -1;
			s->pty_master = s->pty_master == fd ? -1 : s->pty_master;
		} else {
			s->err_fd = -1;
		}
		return 0;
	}
	s->last_activity = time(NULL);
	int w = to_stderr ? ssh_channel_write_stderr(s->channel, buf, (uint32_t)n)
			  : ssh_channel_write(s->channel, buf, (uint32_t)n);
	return w < 0 ? -1 : 0;
}

static int relay_stdout(socket_t fd, int revents, void *userdata)
{
	return relay_out(fd, revents, userdata, false);
}

static int relay_stderr(socket_t fd, int revents, void *userdata)
{
	return relay_out(fd, revents, userdata, true);
}

static void reap_child(struct sess *s, int options)
{
	int status;
	if (!s->child || s->child_done || waitpid(s->child, &status, options) != s->child)
		return;
	s->child_done = true;
	s->status = WIFEXITED(status) ? WEXITSTATUS(status)
		    : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

/* Relay until the shell has ended and its output is out, the client left,
 * the session was idle too long, or the service asked us to stop. */
static void relay(struct sess *s)
{
	bool watching = false;
	time_t done_at = 0;
	s->last_activity = time(NULL);
	while (!s->closed && !terminate && ssh_channel_is_open(s->channel)) {
		if (s->child && !watching) {
			if (s->out_fd >= 0)
				ssh_event_add_fd(s->event, s->out_fd, POLLIN, relay_stdout, s);
			if (s->err_fd >= 0)
				ssh_event_add_fd(s->event, s->err_fd, POLLIN, relay_stderr, s);
			watching = true;
		}
		if (ssh_event_dopoll(s->event, 1000) == SSH_ERROR)
			break;
		/* all output read: the shell has ended or is about to */
		reap_child(s, s->child && s->out_fd < 0 && s->err_fd < 0 ? 0 : WNOHANG);
		time_t now = time(NULL);
		if (s->child_done && !done_at)
			done_at = now;
		if (s->child_done && ((s->out_fd < 0 && s->err_fd < 0) || now - done_at > DRAIN_SECONDS))
			break;
		if (now - s->last_activity > s->o->idle) {
			static const char msg[] = "\r\nucshd: the session was idle too long; "
						  "signing out\r\n";
			log_notice("ssh: %s from %s: idle for %d s, signing out", s->admin, s->o->peer,
				   s->o->idle);
			ssh_channel_write_stderr(s->channel, msg, sizeof(msg) - 1);
			break;
		}
	}
}

/* The shell's end: its status to the client, or the shell stopped when
 * the client left first. */
static void finish(struct sess *s)
{
	if (s->child && !s->child_done) {
		kill(s->child, SIGHUP);
		for (int i = 0; i < 20 && !s->child_done; i++) {
			usleep(50000);
			reap_child(s, WNOHANG);
		}
		if (!s->child_done) {
			kill(s->child, SIGKILL);
			reap_child(s, 0);
		}
	}
	if (s->channel && ssh_channel_is_open(s->channel)) {
		if (s->child_done)
			ssh_channel_request_send_exit_status(s->channel, s->status);
		ssh_channel_send_eof(s->channel);
		ssh_channel_close(s->channel);
	}
	/* the client closes after our close; wait a little for it */
	for (int i = 0; i < 50 && !(ssh_get_status(s->session) & (SSH_CLOSED | SSH_CLOSED_ERROR)); i++)
		if (ssh_event_dopoll(s->event, 100) == SSH_ERROR)
			break;
	int fds[] = { s->out_fd, s->err_fd, s->in_fd };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(fds); i++)
		if (fds[i] >= 0 && (i == 0 || fds[i] != s->out_fd)) {
			ssh_event_remove_fd(s->event, fds[i]);
			close(fds[i]);
		}
}

/* ---- The connection -------------------------------------------------------- */

static int parse_options(int argc, char **argv, struct sshd_session_opts *o)
{
	static const struct option opts[] = {
		{ "ssh-session", no_argument, NULL, 'S' },
		{ "store", required_argument, NULL, 's' },
		{ "peer", required_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "grace", required_argument, NULL, 'g' },
		{ "idle", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	o->level = LOG_LVL_NOTICE;
	o->grace = 30;
	o->idle = 900;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'S': break;
		case 's': o->store_uri = optarg; break;
		case 'p': o->peer = optarg; break;
		case 'l': o->level = atoi(optarg); break;
		case 'g': o->grace = atoi(optarg); break;
		case 'i': o->idle = atoi(optarg); break;
		default: return -1;
		}
	}
	if (!o->store_uri || !o->peer || o->grace <= 0 || o->idle <= 0)
		return -1;
	return 0;
}

static ssh_bind bind_new(const struct sshd_session_opts *o)
{
	ssh_bind b = ssh_bind_new();
	char *key = sshd_host_key_path(o->store_uri);
	bool no = false;
	int ok = b && ssh_bind_options_set(b, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no) == SSH_OK &&
		 ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY, key) == SSH_OK &&
		 ssh_bind_options_set(b, SSH_BIND_OPTIONS_KEY_EXCHANGE, kex) == SSH_OK &&
		 ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_C_S, ciphers) == SSH_OK &&
		 ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_S_C, ciphers) == SSH_OK &&
		 ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_C_S, macs) == SSH_OK &&
		 ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_S_C, macs) == SSH_OK &&
		 ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, hostkeys) == SSH_OK &&
		 ssh_bind_options_set(b, SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, user_keys) == SSH_OK;
	if (!ok) {
		log_error("ssh: cannot set up the endpoint with the host key %s: %s", key,
			  b ? ssh_get_error(b) : "out of memory");
		ssh_bind_free(b);
		b = NULL;
	}
	free(key);
	return b;
}

/* Key exchange and sign-in; the channel opened and its shell or command
 * started. An enum sshd_session_exit when it did not get that far. */
static int sign_in(struct sess *s, ssh_bind b)
{
	struct ssh_server_callbacks_struct scb = {
		.userdata = s,
		.auth_pubkey_function = on_auth_pubkey,
		.auth_password_function = on_auth_password,
		.auth_none_function = on_auth_none,
		.channel_open_request_session_function = on_channel_open,
	};
	ssh_callbacks_init(&scb);
	if (ssh_bind_accept_fd(b, s->session, SESSION_FD) != SSH_OK) {
		log_error("ssh: %s: %s", s->o->peer, ssh_get_error(b));
		return SSHD_EXIT_ERROR;
	}
	ssh_set_server_callbacks(s->session, &scb);
	ssh_set_auth_methods(s->session, SSH_AUTH_METHOD_PUBLICKEY);
	if (ssh_handle_key_exchange(s->session) != SSH_OK) {
		log_info("ssh: %s: key exchange failed: %s", s->o->peer, ssh_get_error(s->session));
		return SSHD_EXIT_ERROR;
	}
	ssh_event_add_session(s->event, s->session);
	while (!(s->authed && s->child) && !terminate) {
		if (s->tries >= MAX_TRIES) {
			log_notice("ssh: %s: %d failed sign-ins on one connection", s->o->peer, s->tries);
			return SSHD_EXIT_AUTH_FAILED;
		}
		if (ssh_event_dopoll(s->event, 1000) == SSH_ERROR ||
		    (ssh_get_status(s->session) & (SSH_CLOSED | SSH_CLOSED_ERROR)))
			return s->authed ? SSHD_EXIT_SIGNED_IN
			       : s->tries ? SSHD_EXIT_AUTH_FAILED : SSHD_EXIT_ERROR;
		if (s->authed)
			alarm(0); /* signed in: the grace time is over */
	}
	return terminate ? SSHD_EXIT_ERROR : -1;
}

int sshd_session_main(int argc, char **argv)
{
	struct sshd_session_opts o = { 0 };
	if (parse_options(argc, argv, &o) != 0) {
		fprintf(stderr, "ucshd: --ssh-session is started by ucshd itself\n");
		return SSHD_EXIT_ERROR;
	}
	log_init("ucshd", (enum log_level)o.level, false);
	signal(SIGALRM, on_grace);
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)o.grace);
	struct sess s = { .o = &o, .pty_master = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1 };
	struct ucsh_err err;
	ssh_bind b = NULL;
	int rc = SSHD_EXIT_ERROR;
	if (ssh_init() != SSH_OK || !(s.store = store_open(o.store_uri, &err))) {
		log_error("ssh: %s: cannot open the store: %s", o.peer, s.store ? "" : err.msg);
		return SSHD_EXIT_ERROR;
	}
	if ((b = bind_new(&o)) && (s.session = ssh_new()) && (s.event = ssh_event_new())) {
		rc = sign_in(&s, b);
		if (rc < 0) {
			relay(&s);
			rc = SSHD_EXIT_SIGNED_IN;
		}
		finish(&s);
		if (s.authed)
			log_info("ssh: %s from %s signed out", s.admin, o.peer);
	}
	if (s.event)
		ssh_event_free(s.event);
	if (s.session) {
		ssh_disconnect(s.session);
		ssh_free(s.session);
	}
	ssh_bind_free(b);
	store_close(s.store);
	free(s.admin);
	ssh_finalize();
	return rc;
}
