/*
 * ctl: the control socket, server side in ucshd's loop and client side in
 * ucsh. Requests are small; both sides bound what they read.
 */
#include "config.h"
#include "ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "daemon.h"
#include "log.h"

#define CTL_MAX_LINE (64 * 1024)
#define CTL_MAX_CLIENTS 64

struct ctl_server {
	struct daemon *d;
	struct evconnlistener *listener;
	char *path;
	int clients;
};

struct ctl_client {
	struct ctl_server *srv;
	struct bufferevent *bev;
};

static json_t *answer_ok(json_t *result)
{
	return json_pack("{s:b,s:o}", "ok", 1, "result", result ? result : json_null());
}

static json_t *answer_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *answer_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b,s:s}", "ok", 0, "error", msg);
}

/* start/stop NAME: act, then answer with the new status of every service. */
static json_t *handle_service_op(struct daemon *d, const char *op, const char *name)
{
	struct service *svc = name ? daemon_service(d, name) : NULL;
	if (!svc)
		return answer_error("ucshd has no service '%s'", name ? name : "");
	if (!strcmp(op, "stop")) {
		daemon_service_stop(svc);
	} else {
		struct ucsh_err err;
		if (daemon_service_start(svc, &err))
			return answer_error("%s", err.msg);
	}
	return answer_ok(daemon_status(d));
}

static json_t *handle(struct daemon *d, json_t *req)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	const char *name = json_string_value(json_object_get(req, "service"));
	if (!op)
		return answer_error("the request has no \"op\"");
	if (!strcmp(op, "status"))
		return answer_ok(daemon_status(d));
	if (!strcmp(op, "start") || !strcmp(op, "stop"))
		return handle_service_op(d, op, name);
	return answer_error("unknown op '%s'", op);
}

static void client_free(struct ctl_client *c)
{
	c->srv->clients--;
	bufferevent_free(c->bev);
	free(c);
}

static void on_client_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;
	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF))) {
		json_error_t jerr;
		json_t *req = json_loadb(line, len, 0, &jerr);
		free(line);
		json_t *ans = req ? handle(c->srv->d, req)
				  : answer_error("bad request: %s", jerr.text);
		json_decref(req);
		char *out = json_dumps(ans, JSON_COMPACT);
		json_decref(ans);
		evbuffer_add_printf(bufferevent_get_output(bev), "%s\n", out ? out : "{}");
		free(out);
	}
	if (evbuffer_get_length(in) > CTL_MAX_LINE) {
		log_warning("control socket: a request longer than %d bytes; closing", CTL_MAX_LINE);
		client_free(c);
	}
}

static void on_client_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		client_free(arg);
}

/* Only the daemon's own user (or root) may drive it. */
static bool peer_allowed(evutil_socket_t fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return false;
	return cred.uid == getuid() || cred.uid == 0;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct ctl_server *srv = arg;
	(void)l;
	(void)sa;
	(void)salen;
	if (srv->clients >= CTL_MAX_CLIENTS || !peer_allowed(fd)) {
		log_warning("control socket: connection refused (%s)",
			    srv->clients >= CTL_MAX_CLIENTS ? "too many clients" : "another user");
		evutil_closesocket(fd);
		return;
	}
	struct ctl_client *c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	c->bev = bufferevent_socket_new(srv->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	srv->clients++;
	bufferevent_setcb(c->bev, on_client_read, NULL, on_client_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_MAX_LINE + 1);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* A socket file nobody answers on is left from a killed ucshd: remove it.
 * One that answers means another ucshd serves this store. */
static int clear_stale(const char *path, struct ucsh_err *err)
{
	struct ucsh_err probe;
	json_t *req = json_pack("{s:s}", "op", "status");
	json_t *res = ctl_request(path, req, 1000, &probe);
	json_decref(req);
	if (res) {
		json_decref(res);
		err_set(err, "another ucshd already serves this store (%s)", path);
		return err_hint(err, "stop it first, or give this one another --store");
	}
	if (unlink(path) != 0 && errno != ENOENT)
		return err_set(err, "cannot remove the stale socket %s: %s", path, strerror(errno));
	return 0;
}

struct ctl_server *ctl_server_new(struct daemon *d, const char *path, struct ucsh_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path)) {
		err_set(err, "control socket path too long: %s", path);
		return NULL;
	}
	if (clear_stale(path, err))
		return NULL;
	strcpy(sun.sun_path, path);
	mode_t old = umask(0177); /* the socket is born 0600 */
	struct ctl_server *srv = xcalloc(1, sizeof(*srv));
	srv->d = d;
	srv->path = xstrdup(path);
	srv->listener = evconnlistener_new_bind(d->base, on_accept, srv,
						LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
						(struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (!srv->listener) {
		err_set(err, "cannot listen on %s: %s", path, strerror(errno));
		free(srv->path);
		free(srv);
		return NULL;
	}
	return srv;
}

void ctl_server_free(struct ctl_server *c)
{
	if (!c)
		return;
	evconnlistener_free(c->listener);
	unlink(c->path);
	free(c->path);
	free(c);
}

/* --- client -------------------------------------------------------------- */

#define NOT_RUNNING "ucshd is not running for this store"

bool ctl_not_running(const struct ucsh_err *err)
{
	return strncmp(err->msg, NOT_RUNNING, strlen(NOT_RUNNING)) == 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int ctl_connect(const char *path, struct ucsh_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path))
		return err_set(err, "control socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(err, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;
		close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			return err_set(err, NOT_RUNNING " (no one listens at %s)", path);
		return err_set(err, "cannot reach ucshd at %s: %s", path, strerror(e));
	}
	return fd;
}

/* Read one line, bounded in size and time. Caller frees. */
static char *read_line(int fd, int timeout_ms, struct ucsh_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			err_set(err, "ucshd did not answer within %d ms", timeout_ms);
			break;
		}
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			err_set(err, "ucshd closed the control connection");
			break;
		}
		sb_add(&sb, buf, (size_t)n);
		char *nl = memchr(sb.buf, '\n', sb.len);
		if (nl) {
			*nl = '\0';
			return sb_detach(&sb);
		}
		if (sb.len > 16 * CTL_MAX_LINE) {
			err_set(err, "ucshd's answer is too long");
			break;
		}
	}
	sb_free(&sb);
	return NULL;
}

json_t *ctl_request(const char *path, json_t *req, int timeout_ms, struct ucsh_err *err)
{
	int fd = ctl_connect(path, err);
	if (fd < 0)
		return NULL;
	char *msg = json_dumps(req, JSON_COMPACT);
	size_t len = strlen(msg);
	msg[len] = '\0';
	bool sent = write(fd, msg, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
	free(msg);
	char *line = sent ? read_line(fd, timeout_ms, err) : NULL;
	if (!sent)
		err_set(err, "cannot write to ucshd: %s", strerror(errno));
	close(fd);
	if (!line)
		return NULL;
	json_error_t jerr;
	json_t *ans = json_loads(line, 0, &jerr);
	free(line);
	json_t *result = NULL;
	if (!ans)
		err_set(err, "ucshd's answer is not JSON: %s", jerr.text);
	else if (!json_is_true(json_object_get(ans, "ok")))
		err_set(err, "%s", json_string_value(json_object_get(ans, "error")) ?: "ucshd failed");
	else
		result = json_incref(json_object_get(ans, "result"));
	json_decref(ans);
	return result;
}
