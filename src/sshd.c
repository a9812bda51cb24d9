/*
 * sshd: the SSH service on ucshd's loop (see sshd.h): the host key, the
 * listeners, the accept-time limits and the session processes.
 */
#include "config.h"
#include "sshd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/event.h>
#include <libssh/libssh.h>

#include "log.h"
#include "store.h"

#define MAX_LISTENERS 16
#define MAX_SOURCES 1024   /* addresses with recent failures we remember */

struct source {
	char addr[INET6_ADDRSTRLEN];
	unsigned failures;
	time_t first;      /* of the failures counted */
};

struct session_proc {
	pid_t pid;
	char addr[INET6_ADDRSTRLEN];
};

struct sshd {
	struct daemon *d;
	struct event *listeners[MAX_LISTENERS];
	size_t nlisteners;
	struct event *sigchld;
	char *exe;                 /* this program, to start session processes */
	char *key_path;
	long port;
	/* limits */
	int max_sessions, grace, idle, max_failures, window;
	struct session_proc *procs;
	size_t nprocs;
	struct source *sources;
	size_t nsources;
	/* counters */
	unsigned long long accepted, refused_busy, refused_source, signed_in, failed;
};

static int env_int(const char *name, int dflt, int min, int max)
{
	const char *v = getenv(name);
	char *end;
	long n = v && *v ? strtol(v, &end, 10) : dflt;
	if (v && *v && (*end || n < min || n > max)) {
		log_warning("%s=%s is not a number from %d to %d; using %d", name, v, min, max, dflt);
		return dflt;
	}
	return (int)n;
}

/* ---- The host key ------------------------------------------------------ */

char *sshd_host_key_path(const char *store_uri)
{
	char *dir = store_dir(store_uri);
	char *path = xasprintf("%s/ssh_host_ed25519_key", dir);
	free(dir);
	return path;
}

/* Make the Ed25519 host key when there is none; refuse one others can read. */
static int host_key_ensure(const char *path, struct ucsh_err *err)
{
	struct stat sb;
	if (stat(path, &sb) == 0) {
		if (sb.st_mode & 077)
			return err_set(err, "the SSH host key %s can be read by others (mode %03o)", path,
				       (unsigned)(sb.st_mode & 0777)),
			       err_hint(err, "chmod 600 %s", path);
		return 0;
	}
	ssh_key key = NULL;
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK)
		return err_set(err, "cannot generate an Ed25519 host key");
	mode_t old = umask(077);
	int rc = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path);
	umask(old);
	ssh_key_free(key);
	if (rc != SSH_OK || chmod(path, 0600) != 0) {
		unlink(path);
		return err_set(err, "cannot write the SSH host key %s", path);
	}
	log_notice("ssh: made the host key %s", path);
	return 0;
}

/* ---- Failed sign-ins per source ---------------------------------------- */

static struct source *source_find(struct sshd *s, const char *addr, time_t now)
{
	for (size_t i = 0; i < s->nsources; i++) {
		struct source *src = &s->sources[i];
		if (now - src->first >= s->window) { /* forget what is out of the window */
			s->sources[i--] = s->sources[--s->nsources];
			continue;
		}
		if (strcmp(src->addr, addr) == 0)
			return src;
	}
	return NULL;
}

static void source_fail(struct sshd *s, const char *addr)
{
	time_t now = time(NULL);
	struct source *src = source_find(s, addr, now);
	if (!src) {
		if (s->nsources == MAX_SOURCES) { /* forget the oldest */
			size_t oldest = 0;
			for (size_t i = 1; i < s->nsources; i++)
				if (s->sources[i].first < s->sources[oldest].first)
					oldest = i;
			s->sources[oldest] = s->sources[--s->nsources];
		}
		src = &s->sources[s->nsources++];
		memset(src, 0, sizeof(*src));
		snprintf(src->addr, sizeof(src->addr), "%s", addr);
		src->first = now;
	}
	if (++src->failures == (unsigned)s->max_failures)
		log_warning("ssh: %u failed sign-ins from %s: refusing it for %d s", src->failures,
			    addr, s->window);
}

static bool source_refused(struct sshd *s, const char *addr)
{
	struct source *src = source_find(s, addr, time(NULL));
	return src && src->failures >= (unsigned)s->max_failures;
}

/* ---- Session processes ------------------------------------------------- */

static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct sshd *s = arg;
	(void)sig;
	(void)what;
	for (size_t i = 0; i < s->nprocs; i++) {
		int status;
		if (waitpid(s->procs[i].pid, &status, WNOHANG) != s->procs[i].pid)
			continue;
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (code == SSHD_EXIT_SIGNED_IN) {
			s->signed_in++;
		} else if (code == SSHD_EXIT_AUTH_FAILED) {
			s->failed++;
			source_fail(s, s->procs[i].addr);
		} else if (code < 0) {
			log_warning("ssh: the session process of %s ended by signal %d",
				    s->procs[i].addr, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		}
		s->procs[i--] = s->procs[--s->nprocs];
	}
}

static void peer_text(const struct sockaddr_storage *ss, char *host, size_t hn, char *full,
		      size_t fn)
{
	char serv[16] = "";
	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host, (socklen_t)hn, serv,
			sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(host, hn, "?");
	if (ss->ss_family == AF_INET6)
		snprintf(full, fn, "[%s]:%s", host, serv);
	else
		snprintf(full, fn, "%s:%s", host, serv);
}

/* In the child: the connection on fd 3, nothing else of ucshd's open, and
 * a fresh image of this program to serve it. Never returns. */
static void exec_session(struct sshd *s, int fd, const char *peer)
{
	char level[8], grace[16], idle[16];
	snprintf(level, sizeof(level), "%d", log_enabled(LOG_LVL_DEBUG) ? 4
				   : log_enabled(LOG_LVL_INFO) ? 3 : 2);
	snprintf(grace, sizeof(grace), "%d", s->grace);
	snprintf(idle, sizeof(idle), "%d", s->idle);
	if (fd != 3 && (dup2(fd, 3) != 3 || close(fd) != 0))
		_exit(SSHD_EXIT_ERROR);
	fcntl(3, F_SETFD, 0);
	for (int i = 4; i < 1024; i++)
		close(i); /* belt and braces: ucshd's descriptors are close-on-exec too */
	int null = open("/dev/null", O_RDWR);
	if (null >= 0 && null != STDIN_FILENO) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	char *argv[] = { "ucshd", "--ssh-session", "--store", (char *)s->d->store_uri,
			 "--peer", (char *)peer, "--log-level", level, "--grace", grace,
			 "--idle", idle, NULL };
	execv(s->exe, argv);
	_exit(SSHD_EXIT_ERROR);
}

static void spawn_session(struct sshd *s, int fd, const char *addr, const char *peer)
{
	pid_t pid = fork();
	if (pid == 0)
		exec_session(s, fd, peer);
	close(fd);
	if (pid < 0) {
		log_error("ssh: cannot start a session for %s: %s", peer, strerror(errno));
		return;
	}
	s->procs = xrealloc(s->procs, (s->nprocs + 1) * sizeof(*s->procs));
	s->procs[s->nprocs].pid = pid;
	snprintf(s->procs[s->nprocs].addr, sizeof(s->procs[0].addr), "%s", addr);
	s->nprocs++;
	s->accepted++;
	log_info("ssh: connection from %s (session process %ld)", peer, (long)pid);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct sshd *s = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	(void)what;
	int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	char addr[INET6_ADDRSTRLEN], peer[INET6_ADDRSTRLEN + 32];
	peer_text(&ss, addr, sizeof(addr), peer, sizeof(peer));
	if (s->nprocs >= (size_t)s->max_sessions) {
		s->refused_busy++;
		log_warning("ssh: refused %s: %d sessions already", peer, s->max_sessions);
		close(fd);
	} else if (source_refused(s, addr)) {
		s->refused_source++;
		log_info("ssh: refused %s: too many failed sign-ins from it", peer);
		close(fd);
	} else {
		spawn_session(s, fd, addr, peer);
	}
}

/* ---- Listeners ---------------------------------------------------------- */

static int listen_on(struct sshd *s, const char *addr, int family, struct ucsh_err *err)
{
	struct addrinfo hints = { .ai_family = family, .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char serv[8];
	snprintf(serv, sizeof(serv), "%ld", s->port);
	if (getaddrinfo(addr, serv, &hints, &res) != 0 || !res)
		return err_set(err, "'%s' is not a numeric IPv4 or IPv6 address", addr);
	int one = 1, fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (res->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 64) != 0) {
		err_set(err, "cannot listen for SSH on %s port %ld: %s", addr, s->port,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	struct event *ev = event_new(s->d->base, fd, EV_READ | EV_PERSIST, on_accept, s);
	if (!ev || s->nlisteners == MAX_LISTENERS || event_add(ev, NULL) != 0) {
		if (ev)
			event_free(ev);
		close(fd);
		return err_set(err, "cannot watch the SSH listener on %s", addr);
	}
	s->listeners[s->nlisteners++] = ev;
	log_info("ssh: listening on %s port %ld", addr, s->port);
	return 0;
}

static int listen_all(struct sshd *s, struct ucsh_err *err)
{
	json_t *addrs = json_object_get(s->d->pool, "ListenAddress"), *v;
	if (s->d->listen) /* this node's own addresses (pool members sharing a host) */
		addrs = s->d->listen;
	size_t i;
	if (json_array_size(addrs) == 0) {
		struct ucsh_err e6;
		if (listen_on(s, "0.0.0.0", AF_INET, err))
			return -1;
		if (listen_on(s, "::", AF_INET6, &e6)) /* a host without IPv6 still serves IPv4 */
			log_warning("%s", e6.msg);
		return 0;
	}
	json_array_foreach(addrs, i, v)
		if (listen_on(s, json_string_value(v), AF_UNSPEC, err))
			return -1;
	return 0;
}

static void close_listeners(struct sshd *s)
{
	for (size_t i = 0; i < s->nlisteners; i++) {
		close(event_get_fd(s->listeners[i]));
		event_free(s->listeners[i]);
	}
	s->nlisteners = 0;
}

/* ---- Service ops --------------------------------------------------------- */

static int sshd_start(struct service *svc, struct ucsh_err *err)
{
	if (!svc->impl)
		svc->impl = xcalloc(1, sizeof(struct sshd));
	struct sshd *s = svc->impl;
	s->d = svc->d;
	json_t *port = json_object_get(s->d->pool, "SshPort");
	s->port = json_is_integer(port) ? (long)json_integer_value(port) : 2222;
	if (s->port <= 0 || s->port > 65535)
		return err_set(err, "pool %s has no SSH port (SshPort %ld)", s->d->pool_id, s->port),
		       err_hint(err, "Set-CsPool -SshPort 2222");
	s->max_sessions = env_int("UCSH_SSH_MAX_SESSIONS", 16, 1, 1000);
	s->grace = env_int("UCSH_SSH_LOGIN_GRACE", 30, 1, 600);
	s->idle = env_int("UCSH_SSH_IDLE_TIMEOUT", 900, 1, 86400);
	s->max_failures = env_int("UCSH_SSH_MAX_FAILURES", 10, 1, 10000);
	s->window = env_int("UCSH_SSH_FAILURE_WINDOW", 600, 1, 86400);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return err_set(err, "cannot find this program to start SSH sessions with");
	exe[n] = '\0';
	free(s->exe);
	s->exe = xstrdup(exe);
	free(s->key_path);
	s->key_path = sshd_host_key_path(s->d->store_uri);
	if (!s->sources)
		s->sources = xcalloc(MAX_SOURCES, sizeof(*s->sources));
	if (host_key_ensure(s->key_path, err) || listen_all(s, err)) {
		close_listeners(s);
		return -1;
	}
	if (!s->sigchld) {
		s->sigchld = evsignal_new(s->d->base, SIGCHLD, on_sigchld, s);
		if (!s->sigchld || event_add(s->sigchld, NULL) != 0) {
			close_listeners(s);
			return err_set(err, "cannot watch the SSH session processes");
		}
	}
	return 0;
}

/* Sessions end with the service: an administrator's shell does not outlive
 * the endpoint it came through. */
static void sshd_stop(struct service *svc)
{
	struct sshd *s = svc->impl;
	if (!s)
		return;
	close_listeners(s);
	for (size_t i = 0; i < s->nprocs; i++)
		kill(s->procs[i].pid, SIGTERM);
}

static json_t *sshd_status(struct service *svc)
{
	struct sshd *s = svc->impl;
	if (!s)
		return NULL;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "Port", (json_int_t)s->port,
			 "Sessions", (json_int_t)s->nprocs, "Connections", (json_int_t)s->accepted,
			 "SignedIn", (json_int_t)s->signed_in, "FailedSignIns", (json_int_t)s->failed,
			 "RefusedBusy", (json_int_t)s->refused_busy,
			 "RefusedSource", (json_int_t)s->refused_source);
}

static void sshd_destroy(struct service *svc)
{
	struct sshd *s = svc->impl;
	if (!s)
		return;
	for (size_t i = 0; i < s->nprocs; i++) /* reap what SIGTERM ended, without waiting */
		waitpid(s->procs[i].pid, NULL, WNOHANG);
	if (s->sigchld)
		event_free(s->sigchld);
	free(s->procs);
	free(s->sources);
	free(s->exe);
	free(s->key_path);
	free(s);
	svc->impl = NULL;
}

const struct service_ops sshd_service_ops = {
	.name = "SSH",
	.summary = "SSH management endpoint: the ucsh shell for remote administrators",
	.start = sshd_start,
	.stop = sshd_stop,
	.status = sshd_status,
	.destroy = sshd_destroy,
};
