/* http: a bounded HTTP/1.1 server on libevent bufferevents (see http.h). */
#include "config.h"

#include "http.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>
#include <openssl/err.h>

#include "log.h"

/* ---- Parsing -------------------------------------------------------------- */

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int path_decode(const char *target, size_t n, char *out, size_t outsz,
		       struct ucsh_err *err)
{
	size_t o = 0, seg = 0; /* seg: where the current segment starts in out */
	if (n == 0 || target[0] != '/')
		return err_set(err, "the path does not start with '/'");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)target[i];
		bool encoded = false;
		if (c == '%') {
			int hi = i + 2 < n ? hexval(target[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(target[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return err_set(err, "the path has an invalid %%-escape");
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
			encoded = true;
		}
		if (c < 0x20 || c == 0x7f)
			return err_set(err, "the path holds a control character");
		if (c == '\\' || (c == '/' && encoded))
			return err_set(err, "the path holds an encoded '/' or a '\\'");
		if (c == '/') {
			if (o > 0 && o == seg)
				return err_set(err, "the path has an empty segment");
			if (o > seg && ((o - seg == 1 && out[seg] == '.') ||
					(o - seg == 2 && out[seg] == '.' && out[seg + 1] == '.')))
				return err_set(err, "the path has a '.' or '..' segment");
			seg = o + 1;
		}
		if (o + 1 >= outsz)
			return err_set(err, "the path is too long");
		out[o++] = (char)c;
	}
	if ((o - seg == 1 && out[seg] == '.') ||
	    (o - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
		return err_set(err, "the path has a '.' or '..' segment");
	out[o] = '\0';
	return 0;
}

int http_path_decode(const char *target, size_t n, char *out, size_t outsz,
		     struct ucsh_err *err)
{
	if (path_decode(target, n, out, outsz, err) == 0)
		return 0;
	if (outsz > 0)
		out[0] = '\0'; /* a refused path leaves no part of itself behind */
	return -1;
}

/* Whether the comma-separated list value holds token (any case). */
static bool has_token(const char *value, const char *token)
{
	size_t tn = strlen(token);
	for (const char *p = value; p && *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *e = p;
		while (*e && *e != ',')
			e++;
		const char *t = e;
		while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		if ((size_t)(t - p) == tn && strncasecmp(p, token, tn) == 0)
			return true;
		p = e;
	}
	return false;
}

/* The request line "METHOD SP target SP HTTP/1.x"; *p moves past its CRLF. */
static int parse_request_line(char **p, struct http_head *h, struct ucsh_err *err)
{
	char *s = *p, *eol = strstr(s, "\r\n");
	if (!eol)
		return err_set(err, "no request line"), 400;
	*eol = '\0';
	*p = eol + 2;
	char *sp1 = strchr(s, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' '))
		return err_set(err, "the request line is not 'METHOD target HTTP/1.x'"), 400;
	*sp1 = *sp2 = '\0';
	for (char *m = s; *m; m++)
		if (!is_tchar((unsigned char)*m))
			return err_set(err, "the method is not a token"), 400;
	if (sp1 == s || sp1 - s > 16)
		return err_set(err, "the method is empty or too long"), 400;
	const char *v = sp2 + 1;
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT: anything else is not a
	 * version at all (400); another major version is one we do not serve */
	if (strncmp(v, "HTTP/", 5) != 0 || !is_digit(v[5]) || v[6] != '.' || !is_digit(v[7]) ||
	    v[8])
		return err_set(err, "the version is not HTTP/1.x"), 400;
	if (v[5] != '1')
		return err_set(err, "only HTTP/1.x is served"), 505;
	h->minor = v[7] - '0';
	h->method_text = s;
	h->method = strcmp(s, "GET") == 0 ? HTTP_GET : strcmp(s, "HEAD") == 0 ? HTTP_HEAD
		  : strcmp(s, "POST") == 0 ? HTTP_POST : strcmp(s, "PUT") == 0 ? HTTP_PUT
		  : HTTP_OTHER;
	h->target = sp1 + 1;
	return 0;
}

/* The target: origin-form, or absolute-form (RFC 7230 5.3.2) reduced to it. */
static int parse_target(struct http_head *h, struct ucsh_err *err)
{
	const char *t = h->target;
	for (const char *c = t; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return err_set(err, "the target holds a space, control or non-ASCII byte"), 400;
	const char *q, *path = t;
	if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
		/* the authority ends at the path or the query: a '/' inside the
		 * query of "http://host?a=/b" does not start the path */
		const char *auth = strstr(t, "//") + 2;
		path = auth + strcspn(auth, "/?");
	}
	q = strchr(path, '?');
	size_t n = q ? (size_t)(q - path) : strlen(path);
	if (n >= HTTP_MAX_PATH)
		return err_set(err, "the path is longer than %d bytes", HTTP_MAX_PATH - 1), 414;
	h->query = q ? q + 1 : NULL;
	if (n == 0 && path != t) /* "http://host" or "http://host?q": the root */
		path = "/", n = 1;
	if (http_path_decode(path, n, h->path, sizeof(h->path), err))
		return 400;
	return 0;
}

static int parse_header_line(char *line, struct http_head *h, struct ucsh_err *err)
{
	if (*line == ' ' || *line == '\t')
		return err_set(err, "folded header lines are not accepted"), 400;
	char *colon = strchr(line, ':');
	if (!colon || colon == line)
		return err_set(err, "a header line has no name"), 400;
	for (char *c = line; c < colon; c++)
		if (!is_tchar((unsigned char)*c))
			return err_set(err, "a header name holds a character that is not allowed"), 400;
	*colon = '\0';
	char *v = colon + 1, *e = v + strlen(v);
	while (*v == ' ' || *v == '\t')
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	for (char *c = v; *c; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
			return err_set(err, "header %s holds a control character", line), 400;
	if (h->nheaders == HTTP_MAX_HEADERS)
		return err_set(err, "more than %d header lines", HTTP_MAX_HEADERS), 431;
	h->headers[h->nheaders].name = line;
	h->headers[h->nheaders++].value = v;
	return 0;
}

static int parse_content_length(struct http_head *h, struct ucsh_err *err)
{
	h->content_length = -1;
	for (size_t i = 0; i < h->nheaders; i++) {
		if (strcasecmp(h->headers[i].name, "Content-Length") != 0)
			continue;
		const char *v = h->headers[i].value;
		size_t n = strlen(v);
		if (n == 0 || strspn(v, "0123456789") != n)
			return err_set(err, "Content-Length is not a number"), 400;
		if (n > 15)
			return err_set(err, "Content-Length is too large"), 400;
		long long cl = atoll(v);
		if (h->content_length >= 0 && cl != h->content_length)
			return err_set(err, "two different Content-Length headers"), 400;
		h->content_length = cl;
	}
	return 0;
}

static size_t header_count(const struct http_head *h, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < h->nheaders; i++)
		n += strcasecmp(h->headers[i].name, name) == 0;
	return n;
}

/* What the framing headers say: length, keep-alive, expectations. */
static int parse_framing(struct http_head *h, struct ucsh_err *err)
{
	if (http_header_get(h, "Transfer-Encoding"))
		return err_set(err, "bodies must have a Content-Length; Transfer-Encoding is not accepted"),
		       411;
	int rc = parse_content_length(h, err);
	if (rc)
		return rc;
	if (h->minor >= 1 && !http_header_get(h, "Host"))
		return err_set(err, "an HTTP/1.1 request needs a Host header"), 400;
	if (header_count(h, "Host") > 1) /* RFC 7230 5.4 */
		return err_set(err, "more than one Host header"), 400;
	const char *conn = http_header_get(h, "Connection");
	h->keep_alive = h->minor >= 1 ? !(conn && has_token(conn, "close"))
				      : conn && has_token(conn, "keep-alive");
	const char *expect = http_header_get(h, "Expect");
	if (expect && strcasecmp(expect, "100-continue") != 0)
		return err_set(err, "the only expectation met is 100-continue"), 417;
	/* RFC 7231 5.1.1: an HTTP/1.0 client does not wait for 100 Continue */
	h->expect_continue = expect != NULL && h->minor >= 1;
	return 0;
}

int http_parse_head(char *buf, size_t len, struct http_head *h, struct ucsh_err *err)
{
	/* every field is defined, also when the head is refused half-way */
	memset(h, 0, offsetof(struct http_head, path));
	h->path[0] = '\0';
	h->query = NULL;
	h->minor = 0;
	h->nheaders = 0;
	h->content_length = -1;
	h->keep_alive = false;
	h->expect_continue = false;
	if (len < 4 || memcmp(buf + len - 4, "\r\n\r\n", 4) != 0 || memchr(buf, '\0', len))
		return err_set(err, "the request head is not text ending in an empty line"), 400;
	buf[len - 2] = '\0'; /* the last header line keeps its CRLF */
	char *p = buf;
	while (p[0] == '\r' && p[1] == '\n') /* RFC 7230 3.5: empty lines before a request */
		p += 2;
	int rc = parse_request_line(&p, h, err);
	if (rc == 0)
		rc = parse_target(h, err);
	while (rc == 0 && *p) {
		char *eol = strstr(p, "\r\n");
		if (!eol)
			return err_set(err, "a header line does not end in CRLF"), 400;
		*eol = '\0';
		rc = parse_header_line(p, h, err);
		p = eol + 2;
	}
	return rc ? rc : parse_framing(h, err);
}

const char *http_header_get(const struct http_head *h, const char *name)
{
	for (size_t i = 0; i < h->nheaders; i++)
		if (strcasecmp(h->headers[i].name, name) == 0)
			return h->headers[i].value;
	return NULL;
}

const char *http_status_text(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	case 507: return "Insufficient Storage";
	default: return "Unknown";
	}
}

/* ---- Connections ------------------------------------------------------------ */

/* The most one write moves: large enough that a file goes out in few
 * sendfile(2) calls, small enough that one download does not hold the loop
 * while others wait (nginx's sendfile_max_chunk is the same). */
#define WRITE_CHUNK (2 << 20)

enum conn_state {
	CONN_HEAD,    /* waiting for (the rest of) a request head */
	CONN_BODY,    /* reading a body */
	CONN_WRITING, /* a large answer is draining; read nothing meanwhile */
	CONN_CLOSING, /* the last answer is draining, then close */
};

struct listener {
	struct http_server *s;
	struct evconnlistener *lev;
	struct event *resume;
	bool tls;
	char name[NET_ADDR_TEXT_LEN + 8];
	struct listener *next;
};

struct http_server {
	struct event_base *base;
	char *name;
	struct http_limits lim;
	struct http_handler h;
	SSL_CTX *tls;
	struct listener *listeners;
	struct http_conn *conns; /* doubly linked */
	struct http_stats stats;
	time_t date_at;
	char date[40];
};

struct http_conn {
	struct http_server *s;
	struct bufferevent *bev;
	struct event *timer;
	enum conn_state state;
	bool head_started, close_after, tls;
	bool corked;         /* TCP_CORK is on while a file goes out (full segments) */
	long long body_left;
	char peer[NET_ADDR_TEXT_LEN], peer_ip[INET6_ADDRSTRLEN + 1];
	struct http_request req;
	struct strbuf extra; /* response headers added by the handler */
	struct evbuffer *body_buf; /* request bodies, one at a time */
	struct http_conn *prev, *next;
	char head[HTTP_MAX_HEAD + 1];
};

static void conn_process(struct http_conn *c);
static bool flush_out(struct http_conn *c);
static void uncork(struct http_conn *c);

static void set_deadline(struct http_conn *c, double secs)
{
	struct timeval tv = { (time_t)secs, (suseconds_t)((secs - (double)(time_t)secs) * 1e6) };
	evtimer_add(c->timer, &tv);
}

static double rate_allowance(const struct http_conn *c, unsigned long long bytes)
{
	return (double)bytes / (double)c->s->lim.min_rate;
}

static void conn_free(struct http_conn *c)
{
	struct http_server *s = c->s;
	if (c->state == CONN_BODY && s->h.on_abort)
		s->h.on_abort(&c->req, s->h.arg);
	evbuffer_free(c->body_buf);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->stats.conns--;
	event_free(c->timer);
	bufferevent_free(c->bev);
	sb_free(&c->extra);
	free(c);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;
	(void)fd;
	(void)what;
	if (c->state != CONN_HEAD || c->head_started)
		c->s->stats.timeouts++;
	log_debug("%s: %s: closed, too slow", c->s->name, c->peer);
	conn_free(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *c = arg;
	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if ((what & BEV_EVENT_ERROR) && c->tls) {
		unsigned long e;
		while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
			log_debug("%s: %s: TLS: %s", c->s->name, c->peer, ERR_reason_error_string(e));
	}
	conn_free(c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_process(arg);
}

/* Output drained: close, or go on with the next request. */
static void on_write(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;
	(void)bev;
	if (!c->tls) {
		bufferevent_disable(c->bev, EV_WRITE); /* flush_out enables it when needed */
		uncork(c);
	}
	if (c->state == CONN_CLOSING) {
		conn_free(c);
	} else if (c->state == CONN_WRITING) {
		c->state = CONN_HEAD;
		c->head_started = false;
		set_deadline(c, c->s->lim.idle_timeout);
		bufferevent_enable(c->bev, EV_READ);
		conn_process(c);
	}
}

static void request_reset(struct http_conn *c)
{
	evbuffer_drain(c->body_buf, evbuffer_get_length(c->body_buf));
	memset(&c->req, 0, sizeof(c->req));
	c->req.conn = c;
	c->req.tls = c->tls;
	c->req.peer = c->peer;
	c->req.peer_ip = c->peer_ip;
	sb_reset(&c->extra);
}

static void set_cork(struct http_conn *c, int on)
{
	setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
	c->corked = on;
}

/* The last of a file is out: let the final partial segment go. */
static void uncork(struct http_conn *c)
{
	if (c->corked)
		set_cork(c, 0);
}

/*
 * Send what is queued now, on a plain connection: most answers go out whole
 * in this one writev(2), and the write event is enabled only for what the
 * socket would not take (two epoll_ctl(2) calls saved per request). TLS
 * connections leave writing to their bufferevent. false when the peer is
 * gone.
 */
static bool flush_out(struct http_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (c->tls || evbuffer_get_length(out) == 0)
		return true;
	/* A socket bufferevent keeps its output's front frozen, so that only it
	 * drains it; it thaws it the same way around its own writes. */
	evbuffer_unfreeze(out, 1);
	int n = evbuffer_write_atmost(out, bufferevent_getfd(c->bev), WRITE_CHUNK);
	int e = errno;
	evbuffer_freeze(out, 1);
	if (n < 0 && e != EAGAIN && e != EINTR)
		return false;
	if (evbuffer_get_length(out) > 0)
		bufferevent_enable(c->bev, EV_WRITE);
	else
		uncork(c);
	return true;
}

/* The answer is queued: decide what the connection does next. */
static void request_done(struct http_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (!c->req.responded)
		http_respond_error(&c->req, 500, "the request was not answered");
	request_reset(c);
	if (!flush_out(c)) {
		c->state = CONN_CLOSING; /* the peer is gone: free on the next turn */
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		set_deadline(c, 0);
		return;
	}
	if (c->close_after) {
		c->state = CONN_CLOSING;
		bufferevent_disable(c->bev, EV_READ);
		/* freed by on_write once drained, or at once by the timer: never
		 * here, where callers still hold c */
		set_deadline(c, evbuffer_get_length(out) == 0
					? 0 : 10 + rate_allowance(c, evbuffer_get_length(out)));
		return;
	}
	if (evbuffer_get_length(out) > 256 * 1024) {
		c->state = CONN_WRITING;
		bufferevent_disable(c->bev, EV_READ);
		set_deadline(c, 10 + rate_allowance(c, evbuffer_get_length(out)));
		return;
	}
	c->state = CONN_HEAD;
	c->head_started = false;
	set_deadline(c, c->s->lim.idle_timeout);
}

static void fail_head(struct http_conn *c, int status, const char *why)
{
	c->s->stats.bad_requests++;
	log_debug("%s: %s: %d %s", c->s->name, c->peer, status, why);
	c->close_after = true;
	http_respond_error(&c->req, status, why);
	request_done(c);
}

/* A whole head is in: parse it and let the handler decide about the body.
 * false when the connection was closed or waits for output. */
static bool take_head(struct http_conn *c, size_t hlen)
{
	struct ucsh_err err;
	struct http_server *s = c->s;
	evbuffer_remove(bufferevent_get_input(c->bev), c->head, hlen);
	c->head[hlen] = '\0';
	int status = http_parse_head(c->head, hlen, &c->req.head, &err);
	s->stats.requests++;
	if (status) {
		fail_head(c, status, err.msg);
		return false;
	}
	if (!c->req.head.keep_alive)
		c->close_after = true;
	s->h.on_head(&c->req, s->h.arg);
	long long cl = c->req.head.content_length;
	if (c->req.responded) {
		if (cl > 0)
			c->close_after = true; /* the unread body cannot be skipped safely */
		request_done(c);
		return c->state == CONN_HEAD;
	}
	if (cl <= 0) {
		s->h.on_request(&c->req, s->h.arg);
		request_done(c);
		return c->state == CONN_HEAD;
	}
	if ((size_t)cl > c->req.body_limit) {
		c->close_after = true;
		http_respond_error(&c->req, 413, "the body is larger than this request may carry");
		request_done(c);
		return false;
	}
	c->req.body = c->body_buf;
	c->state = CONN_BODY;
	c->body_left = cl;
	set_deadline(c, s->lim.body_timeout + rate_allowance(c, (unsigned long long)cl));
	if (c->req.head.expect_continue) {
		bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		flush_out(c); /* a failure shows as EOF on the next read */
	}
	return true;
}

/* Move what has arrived of the body; true when it is complete. */
static bool take_body(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t n = evbuffer_get_length(in);
	if ((long long)n > c->body_left)
		n = (size_t)c->body_left;
	evbuffer_remove_buffer(in, c->req.body, n);
	c->body_left -= (long long)n;
	return c->body_left == 0;
}

static void conn_process(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	for (;;) {
		if (c->state == CONN_BODY) {
			if (!take_body(c))
				return;
			c->state = CONN_HEAD;
			c->s->h.on_request(&c->req, c->s->h.arg);
			request_done(c);
			if (c->state != CONN_HEAD)
				return;
			continue;
		}
		if (c->state != CONN_HEAD || evbuffer_get_length(in) == 0)
			return;
		if (!c->head_started) {
			c->head_started = true;
			set_deadline(c, c->s->lim.head_timeout);
		}
		struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		if (end.pos < 0 || end.pos + 4 > HTTP_MAX_HEAD) {
			if (end.pos >= 0 || evbuffer_get_length(in) > HTTP_MAX_HEAD)
				fail_head(c, 431, "the request head is larger than 8 KiB");
			return;
		}
		if (!take_head(c, (size_t)end.pos + 4))
			return;
	}
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct listener *l = arg;
	struct http_server *s = l->s;
	(void)lev;
	if (s->stats.conns >= s->lim.max_conns || (l->tls && !s->tls)) {
		s->stats.refused_conns++;
		close(fd);
		return;
	}
	struct http_conn *c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->tls = l->tls;
	unsigned port;
	net_addr_text((struct sockaddr_storage *)sa, (socklen_t)salen, c->peer);
	net_addr_host((struct sockaddr_storage *)sa, (socklen_t)salen, c->peer_ip,
		      sizeof(c->peer_ip), &port);
	if (l->tls) {
		SSL *ssl = SSL_new(s->tls);
		c->bev = ssl ? bufferevent_openssl_socket_new(s->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
							      BEV_OPT_CLOSE_ON_FREE)
			     : NULL;
		if (c->bev)
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
		else if (ssl)
			SSL_free(ssl);
	} else {
		c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	}
	c->timer = c->bev ? evtimer_new(s->base, on_timeout, c) : NULL;
	if (c->bev) {
		/* Answers go out whole (no Nagle wait for a short one), and a file
		 * moves in large sendfile(2) calls rather than libevent's 16 KiB. */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		bufferevent_set_max_single_write(c->bev, WRITE_CHUNK);
		bufferevent_set_max_single_read(c->bev, 64 * 1024);
	}
	if (!c->timer) {
		if (c->bev)
			bufferevent_free(c->bev);
		else
			close(fd);
		free(c);
		return;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->stats.conns++;
	c->body_buf = evbuffer_new();
	request_reset(c);
	/* Read no further than a head and a bit: pipelined requests wait in
	 * the kernel, not in our memory. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, HTTP_MAX_HEAD * 8);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	set_deadline(c, s->lim.head_timeout); /* the TLS handshake and first head */
	c->head_started = true;
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (!c->tls) /* a bufferevent starts with writing enabled: flush_out writes */
		bufferevent_disable(c->bev, EV_WRITE);
}

/* ---- Answers ------------------------------------------------------------------ */

static const char *http_date(struct http_server *s)
{
	time_t now = time(NULL);
	if (now != s->date_at) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(s->date, sizeof(s->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		s->date_at = now;
	}
	return s->date;
}

void http_add_header(struct http_request *req, const char *name, const char *fmt, ...)
{
	va_list ap;
	struct strbuf *sb = &req->conn->extra;
	sb_adds(sb, name);
	sb_adds(sb, ": ");
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
	sb_adds(sb, "\r\n");
}

void http_close_after(struct http_request *req)
{
	req->conn->close_after = true;
}

/* Append s to the head being built at *p (bounded by end). */
static void head_add(char **p, const char *end, const char *s)
{
	size_t n = strlen(s);
	if (n > (size_t)(end - *p))
		n = (size_t)(end - *p);
	memcpy(*p, s, n);
	*p += n;
}

/* The status line and headers, built without stdio: an update check is
 * answered tens of thousands of times a second. */
static void write_head(struct http_request *req, int status, const char *ctype,
		       unsigned long long length)
{
	struct http_conn *c = req->conn;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char head[512], num[24], *p = head, *end = head + sizeof(head);
	req->responded = true;
	snprintf(num, sizeof(num), "%d ", status);
	head_add(&p, end, "HTTP/1.1 ");
	head_add(&p, end, num);
	head_add(&p, end, http_status_text(status));
	head_add(&p, end, "\r\nServer: ucshd\r\nDate: ");
	head_add(&p, end, http_date(c->s));
	head_add(&p, end, "\r\n");
	if (ctype) {
		head_add(&p, end, "Content-Type: ");
		head_add(&p, end, ctype);
		head_add(&p, end, "\r\n");
	}
	if (status != 304 && status >= 200) {
		snprintf(num, sizeof(num), "%llu", length);
		head_add(&p, end, "Content-Length: ");
		head_add(&p, end, num);
		head_add(&p, end, "\r\n");
	}
	if (c->close_after)
		head_add(&p, end, "Connection: close\r\n");
	else if (req->head.minor == 0)
		head_add(&p, end, "Connection: keep-alive\r\n");
	evbuffer_add(out, head, (size_t)(p - head));
	evbuffer_add(out, sb_str(&c->extra), c->extra.len);
	evbuffer_add(out, "\r\n", 2);
	c->s->stats.bytes_out += length;
}

void http_respond(struct http_request *req, int status, const char *content_type,
		  const void *body, size_t len)
{
	if (req->responded)
		return;
	write_head(req, status, content_type, len);
	if (req->head.method != HTTP_HEAD && len)
		evbuffer_add(bufferevent_get_output(req->conn->bev), body, len);
}

void http_respond_error(struct http_request *req, int status, const char *reason)
{
	char line[600];
	int n = snprintf(line, sizeof(line), "%d %s: %s\n", status, http_status_text(status), reason);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	http_respond(req, status, "text/plain; charset=utf-8", line, (size_t)n);
}

void http_respond_file(struct http_request *req, int status, const char *content_type, int fd,
		       off_t offset, off_t length)
{
	if (req->responded) {
		close(fd);
		return;
	}
	if (!req->conn->tls && req->head.method != HTTP_HEAD && length > 64 * 1024)
		set_cork(req->conn, 1); /* as nginx's tcp_nopush: head and file in full segments */
	write_head(req, status, content_type, (unsigned long long)length);
	if (req->head.method == HTTP_HEAD || length == 0 ||
	    evbuffer_add_file(bufferevent_get_output(req->conn->bev), fd, offset, length) != 0)
		close(fd); /* evbuffer_add_file closes fd itself, also when it fails */
}

/* ---- The server ------------------------------------------------------------- */

struct http_server *http_server_new(struct event_base *base, const char *name,
				    const struct http_limits *lim, const struct http_handler *h)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->base = base;
	s->name = xstrdup(name);
	s->lim = *lim;
	s->h = *h;
	if (!s->lim.max_conns)
		s->lim.max_conns = 1024;
	if (!s->lim.idle_timeout)
		s->lim.idle_timeout = 30;
	if (!s->lim.head_timeout)
		s->lim.head_timeout = 10;
	if (!s->lim.body_timeout)
		s->lim.body_timeout = 10;
	if (!s->lim.min_rate)
		s->lim.min_rate = 16 * 1024;
	net_raise_fd_limit(s->lim.max_conns * 2 + 256);
	return s;
}

void http_server_set_tls(struct http_server *s, SSL_CTX *ctx)
{
	if (ctx && !SSL_CTX_up_ref(ctx))
		return;
	SSL_CTX_free(s->tls);
	s->tls = ctx;
}

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct listener *l = arg;
	net_listener_pause(lev, &l->resume, l->name);
}

static int listen_one(struct http_server *s, const struct sockaddr_storage *ss, socklen_t len,
		      bool tls, struct ucsh_err *err)
{
	char text[NET_ADDR_TEXT_LEN];
	net_addr_text(ss, len, text);
	int fd = net_bound_socket(SOCK_STREAM, ss, len, err);
	if (fd < 0) {
		char why[sizeof(err->msg)];
		memcpy(why, err->msg, sizeof(why));
		return err_set(err, "cannot listen on %s %s: %s", tls ? "HTTPS" : "HTTP", text, why);
	}
	struct listener *l = xcalloc(1, sizeof(*l));
	l->s = s;
	l->tls = tls;
	snprintf(l->name, sizeof(l->name), "%s %s", tls ? "HTTPS" : "HTTP", text);
	l->lev = evconnlistener_new(s->base, on_accept, l, LEV_OPT_CLOSE_ON_FREE, 1024, fd);
	if (!l->lev) {
		close(fd);
		free(l);
		return err_set(err, "cannot listen on %s %s: %s", tls ? "HTTPS" : "HTTP", text,
			       strerror(errno));
	}
	evconnlistener_set_error_cb(l->lev, on_accept_error);
	l->next = s->listeners;
	s->listeners = l;
	return 0;
}

int http_server_listen(struct http_server *s, const char *addr, unsigned port, bool tls,
		       struct ucsh_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (tls && !s->tls)
		return err_set(err, "HTTPS needs a certificate");
	if (addr)
		return net_resolve(addr, port, AF_UNSPEC, &ss, &len, err) ||
		       listen_one(s, &ss, len, tls, err) ? -1 : 0;
	if (net_resolve("0.0.0.0", port, AF_INET, &ss, &len, err) ||
	    listen_one(s, &ss, len, tls, err))
		return -1;
	struct ucsh_err e6; /* a host without IPv6 still serves IPv4 */
	if (net_resolve("::", port, AF_INET6, &ss, &len, &e6) == 0 &&
	    listen_one(s, &ss, len, tls, &e6) != 0)
		log_warning("%s", e6.msg);
	return 0;
}

json_t *http_server_listeners(const struct http_server *s)
{
	json_t *a = json_array();
	for (const struct listener *l = s->listeners; l; l = l->next)
		json_array_insert_new(a, 0, json_string(l->name));
	return a;
}

void http_server_stats(const struct http_server *s, struct http_stats *out)
{
	*out = s->stats;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	while (s->listeners) {
		struct listener *l = s->listeners;
		s->listeners = l->next;
		if (l->resume)
			event_free(l->resume);
		evconnlistener_free(l->lev);
		free(l);
	}
	while (s->conns)
		conn_free(s->conns);
	SSL_CTX_free(s->tls);
	free(s->name);
	free(s);
}
