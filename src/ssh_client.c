/*
 * ssh_client: ucsh's remote mode (see ssh_client.h).
 */
#include "config.h"
#include "ssh_client.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <libssh/libssh.h>

#define DEFAULT_PORT 2222
#define SCRIPT_MAX (256 * 1024) /* what the endpoint takes in one request */

struct target {
	char *user, *host;
	unsigned port;
};

static void target_free(struct target *t)
{
	free(t->user);
	free(t->host);
}

/* ssh://[USER@]HOST[:PORT], HOST possibly [v6]. 0, or -1 after a message. */
static int parse_target(const char *uri, struct target *t)
{
	memset(t, 0, sizeof(*t));
	t->port = DEFAULT_PORT;
	const char *p = str_iprefix("ssh://", uri) ? uri + 6 : NULL, *at, *end;
	if (!p || !*p)
		goto bad;
	if ((at = strchr(p, '@'))) {
		t->user = xstrndup(p, (size_t)(at - p));
		p = at + 1;
	} else {
		const char *u = getenv("USER");
		t->user = xstrdup(u && *u ? u : "root");
	}
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end)
			goto bad;
		t->host = xstrndup(p + 1, (size_t)(end - p - 1));
		p = end + 1;
	} else {
		end = p + strcspn(p, ":/");
		t->host = xstrndup(p, (size_t)(end - p));
		p = end;
	}
	if (*p == ':') {
		char *e;
		long port = strtol(p + 1, &e, 10);
		if (e == p + 1 || port <= 0 || port > 65535)
			goto bad;
		t->port = (unsigned)port;
		p = e;
	}
	if (*p == '/')
		p++;
	if (*p || !*t->host || !*t->user)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "ucsh: --host takes ssh://USER@HOST[:PORT], not '%s'\n", uri);
	target_free(t);
	return -1;
}

/* Ask on the terminal whether to trust an unknown host key. */
static bool ask_yes(const char *question)
{
	char line[16];
	fprintf(stderr, "%s (yes/no) ", question);
	fflush(stderr);
	FILE *tty = fopen("/dev/tty", "r");
	bool yes = tty && fgets(line, sizeof(line), tty) && strncmp(line, "yes", 3) == 0;
	if (tty)
		fclose(tty);
	return yes;
}

static int verify_host(ssh_session s, const struct target *t)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL;
	if (ssh_get_server_publickey(s, &key) == SSH_OK &&
	    ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0)
		fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	const char *type = key ? ssh_key_type_to_char(ssh_key_type(key)) : "?";
	enum ssh_known_hosts_e state = ssh_session_is_known_server(s);
	int rc = -1;
	char q[600];
	switch (state) {
	case SSH_KNOWN_HOSTS_OK:
		rc = 0;
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		fprintf(stderr,
			"ucsh: the host key of %s port %u has CHANGED: it is now %s %s.\n"
			"ucsh: someone may be intercepting the connection; ucsh refuses to go on.\n"
			"ucsh: if the key was changed on purpose, remove the old one with\n"
			"ucsh:     ssh-keygen -R '[%s]:%u'\n",
			t->host, t->port, type, fp ? fp : "?", t->host, t->port);
		break;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		snprintf(q, sizeof(q), "ucsh: the host %s port %u is not in known_hosts; its %s key "
			 "is %s. Trust it?", t->host, t->port, type, fp ? fp : "?");
		if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO) && ask_yes(q)) {
			if (ssh_session_update_known_hosts(s) == SSH_OK)
				rc = 0;
			else
				fprintf(stderr, "ucsh: cannot write known_hosts: %s\n", ssh_get_error(s));
		} else if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "ucsh: the host %s port %u is not in known_hosts (its %s key is "
				"%s); connect once on a terminal, or add it with ssh-keyscan -p %u %s\n",
				t->host, t->port, type, fp ? fp : "?", t->port, t->host);
		}
		break;
	default:
		fprintf(stderr, "ucsh: cannot check the host key of %s: %s\n", t->host,
			ssh_get_error(s));
	}
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return rc;
}

static ssh_session connect_to(const struct target *t)
{
	ssh_session s = ssh_new();
	int port = (int)t->port;
	if (!s)
		return NULL;
	ssh_options_set(s, SSH_OPTIONS_HOST, t->host);
	ssh_options_set(s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(s, SSH_OPTIONS_USER, t->user);
	/* ~ is $HOME, as for the rest of ucsh (libssh would take the password
	 * file's): known_hosts, keys and config in $HOME/.ssh */
	const char *home = getenv("HOME");
	if (home && *home) {
		char *dir = xasprintf("%s/.ssh", home);
		ssh_options_set(s, SSH_OPTIONS_SSH_DIR, dir);
		free(dir);
	}
	ssh_options_parse_config(s, NULL); /* the user's ~/.ssh/config, as ssh would */
	ssh_options_set(s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(s, SSH_OPTIONS_USER, t->user);
	if (ssh_connect(s) != SSH_OK) {
		fprintf(stderr, "ucsh: cannot connect to %s port %u: %s\n", t->host, t->port,
			ssh_get_error(s));
		goto fail;
	}
	if (verify_host(s, t) != 0)
		goto fail;
	if (ssh_userauth_publickey_auto(s, NULL, NULL) != SSH_AUTH_SUCCESS) {
		fprintf(stderr, "ucsh: %s@%s: permission denied: none of your keys (SSH agent or "
			"~/.ssh) is the administrator's\n", t->user, t->host);
		fprintf(stderr, "    hint: a CsAdministrator gives you access with "
			"New-CsAdministrator %s -PublicKey '<your .pub line>'\n", t->user);
		goto fail;
	}
	return s;
fail:
	ssh_disconnect(s);
	ssh_free(s);
	return NULL;
}

static int write_all(int fd, const char *buf, int n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, (size_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (int)w;
	}
	return 0;
}

/* Copy what the channel has to stdout/stderr; the read's result. */
static int pump(ssh_channel ch, int is_stderr, int timeout_ms)
{
	char buf[16384];
	int n = ssh_channel_read_timeout(ch, buf, sizeof(buf), is_stderr, timeout_ms);
	if (n > 0)
		write_all(is_stderr ? STDERR_FILENO : STDOUT_FILENO, buf, n);
	return n;
}

static int exit_status(ssh_channel ch)
{
	int st = ssh_channel_get_exit_status(ch);
	return st < 0 ? 1 : st;
}

/* One exec request: the text runs on the server; its output comes here. */
static int run_exec(ssh_channel ch, const char *text)
{
	if (ssh_channel_request_exec(ch, text) != SSH_OK) {
		fprintf(stderr, "ucsh: the server refused the commands: %s\n",
			ssh_get_error(ssh_channel_get_session(ch)));
		return 1;
	}
	ssh_channel_send_eof(ch);
	while (ssh_channel_is_open(ch) && !ssh_channel_is_eof(ch)) {
		if (pump(ch, 0, 100) < 0 || pump(ch, 1, 0) < 0)
			break;
	}
	while (pump(ch, 0, 0) > 0 || pump(ch, 1, 0) > 0)
		;
	return exit_status(ch);
}

static volatile sig_atomic_t resized;

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

static void term_size(int *cols, int *rows)
{
	struct winsize ws;
	*cols = 80;
	*rows = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/* The remote shell on a pty, our terminal raw in between. */
static int run_interactive(ssh_channel ch)
{
	struct termios saved, raw;
	int cols, rows;
	const char *term = getenv("TERM");
	term_size(&cols, &rows);
	if (ssh_channel_request_pty_size(ch, term && *term ? term : "vt100", cols, rows) != SSH_OK ||
	    ssh_channel_request_shell(ch) != SSH_OK) {
		fprintf(stderr, "ucsh: the server refused an interactive session\n");
		return 1;
	}
	bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	signal(SIGWINCH, on_winch);
	bool in_open = true;
	while (ssh_channel_is_open(ch) && !ssh_channel_is_eof(ch)) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		if (in_open && poll(&p, 1, 20) > 0) {
			char buf[4096];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0)
				ssh_channel_write(ch, buf, (uint32_t)n);
			else if (n == 0 || errno != EINTR) {
				ssh_channel_send_eof(ch);
				in_open = false;
			}
		}
		if (resized) {
			resized = 0;
			term_size(&cols, &rows);
			ssh_channel_change_pty_size(ch, cols, rows);
		}
		if (pump(ch, 0, in_open ? 0 : 20) < 0 || pump(ch, 1, 0) < 0)
			break;
	}
	while (pump(ch, 0, 0) > 0 || pump(ch, 1, 0) > 0)
		;
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return exit_status(ch);
}

/* '...' quoting of the shell language: '' stands for one quote. */
static void add_quoted(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sb_addc(sb, '\'');
		sb_addc(sb, *s);
	}
	sb_addc(sb, '\'');
}

/* The text an exec request carries: the commands, $args for a script, and
 * the output format as the endpoint takes it (a trailing -o FORMAT). NULL
 * after a message. */
static char *request_text(const struct ssh_client_opts *o)
{
	static const char *const fmts[] = { "", "table", "list", "json", "csv" };
	struct strbuf sb = STRBUF_INIT;
	if (o->command) {
		sb_adds(&sb, o->command);
	} else {
		const char *path = o->script ? o->script : "-";
		FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
		if (!f) {
			fprintf(stderr, "ucsh: cannot open %s: %s\n", path, strerror(errno));
			return NULL;
		}
		if (o->nargs) {
			sb_adds(&sb, "$args = @(");
			for (int i = 0; i < o->nargs; i++) {
				if (i)
					sb_addc(&sb, ',');
				add_quoted(&sb, o->args[i]);
			}
			sb_adds(&sb, ")\n");
		}
		char buf[8192];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len <= SCRIPT_MAX)
			sb_add(&sb, buf, n);
		if (f != stdin)
			fclose(f);
		if (sb.len > SCRIPT_MAX || memchr(sb_str(&sb), '\0', sb.len)) {
			fprintf(stderr, "ucsh: %s is not a script the endpoint takes (over 256 KiB, or "
				"not text)\n", path);
			sb_free(&sb);
			return NULL;
		}
	}
	if (o->format != OUT_DEFAULT)
		sb_addf(&sb, "\n -o %s", fmts[o->format]);
	return sb_detach(&sb);
}

int ssh_client_run(const struct ssh_client_opts *o)
{
	struct target t;
	if (parse_target(o->host_uri, &t))
		return 2;
	bool interactive = !o->command && !o->script && isatty(STDIN_FILENO);
	char *text = interactive ? NULL : request_text(o);
	if (!interactive && !text) {
		target_free(&t);
		return o->script ? 2 : 1;
	}
	int rc = 1;
	ssh_session s = connect_to(&t);
	ssh_channel ch = s ? ssh_channel_new(s) : NULL;
	if (ch && ssh_channel_open_session(ch) == SSH_OK)
		rc = interactive ? run_interactive(ch) : run_exec(ch, text);
	else if (s)
		fprintf(stderr, "ucsh: cannot open a session on %s: %s\n", t.host, ssh_get_error(s));
	if (ch) {
		ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	if (s) {
		ssh_disconnect(s);
		ssh_free(s);
	}
	free(text);
	target_free(&t);
	return rc;
}
