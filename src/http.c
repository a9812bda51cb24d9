/* http: a bounded HTTP/1.1 server on the libevent loop (see http.h). */
#include "config.h"

#include "http.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

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

/* One Content-Length value; several must agree (RFC 7230 3.3.2). */
static int content_length(struct http_head *h, const char *v, struct ucsh_err *err)
{
	size_t n = strlen(v);
	if (n == 0 || strspn(v, "0123456789") != n)
		return err_set(err, "Content-Length is not a number"), 400;
	if (n > 15)
		return err_set(err, "Content-Length is too large"), 400;
	long long cl = atoll(v);
	if (h->content_length >= 0 && cl != h->content_length)
		return err_set(err, "two different Content-Length headers"), 400;
	h->content_length = cl;
	return 0;
}

/* The framing headers, in one pass over the head (this runs for every
 * update check): length, keep-alive, expectations. */
static int parse_framing(struct http_head *h, struct ucsh_err *err)
{
	const char *te = NULL, *conn = NULL, *expect = NULL;
	size_t hosts = 0;
	int cl_status = 0;
	struct ucsh_err cl_err;
	h->content_length = -1;
	for (size_t i = 0; i < h->nheaders; i++) {
		const char *n = h->headers[i].name, *v = h->headers[i].value;
		switch (n[0] | 0x20) {
		case 'h':
			hosts += strcasecmp(n, "Host") == 0;
			break;
		case 'c':
			if (strcasecmp(n, "Content-Length") == 0 && cl_status == 0)
				cl_status = content_length(h, v, &cl_err);
			else if (!conn && strcasecmp(n, "Connection") == 0)
				conn = v;
			break;
		case 't':
			if (!te && strcasecmp(n, "Transfer-Encoding") == 0)
				te = v;
			break;
		case 'e':
			if (!expect && strcasecmp(n, "Expect") == 0)
				expect = v;
			break;
		}
	}
	if (te)
		return err_set(err, "bodies must have a Content-Length; Transfer-Encoding is not accepted"),
		       411;
	if (cl_status) {
		h->content_length = -1;
		*err = cl_err;
		return cl_status;
	}
	if (h->minor >= 1 && hosts == 0)
		return err_set(err, "an HTTP/1.1 request needs a Host header"), 400;
	if (hosts > 1) /* RFC 7230 5.4 */
		return err_set(err, "more than one Host header"), 400;
	h->keep_alive = h->minor >= 1 ? !(conn && has_token(conn, "close"))
				      : conn && has_token(conn, "keep-alive");
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

/*
 * Each connection is a socket with two events (readable, writable) and its
 * own buffers, not a bufferevent: an update check is one recv(2) and one
 * send(2), and a download moves through sendfile(2) or, over TLS, from
 * pread(2) through SSL_write into sends of 128 KiB. The events are level
 * triggered and added only while the connection waits on them, so a
 * kept-alive connection that never fills its socket costs no epoll_ctl(2)
 * per request.
 */

/* The most one turn moves of a file over plain TCP: large enough that a
 * file goes out in few sendfile(2) calls, small enough that one download
 * does not hold the loop while others wait (nginx's sendfile_max_chunk). */
#define WRITE_CHUNK (2 << 20)
/* Over TLS: what one pread(2) reads for SSL_write (eight full records, sent
 * in one send(2)), and the most one turn encrypts before the loop serves
 * others. */
#define TLS_CHUNK (128 * 1024)
#define TLS_TURN (512 * 1024)
/* Requests one connection may have answered in one turn (pipelining). */
#define TURN_REQUESTS 16
#define IN_SIZE (2 * HTTP_MAX_HEAD)

enum conn_state {
	CONN_HEAD,    /* waiting for (the rest of) a request head */
	CONN_BODY,    /* reading a body */
	CONN_WRITING, /* a large answer is draining */
	CONN_CLOSING, /* the last answer is draining, then close */
};

/* What an I/O step came to. */
enum io { IO_OK, IO_WANT_READ, IO_WANT_WRITE, IO_EOF, IO_ERROR };

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
	int fd;
	SSL *ssl;                  /* NULL: plain TCP */
	struct event *rev, *wev;   /* readable, writable (added while waited on) */
	struct event *timer;
	double deadline, timer_at; /* monotonic seconds: set_deadline */
	bool reading, writing;     /* whether rev, wev are added */
	enum conn_state state;
	bool handshaking, head_started, close_after, drained;
	long long body_left;
	char peer[NET_ADDR_TEXT_LEN], peer_ip[INET6_ADDRSTRLEN + 1];
	struct http_request req;
	struct strbuf extra;       /* response headers added by the handler */
	/* input: in[in_start..in_end) is read and not yet taken */
	size_t in_start, in_end;
	char *body;                /* the request body being read (body_cap bytes) */
	size_t body_cap;
	/* output: out[out_off..) then file_left bytes of file_fd at file_off */
	struct strbuf out;
	size_t out_off;
	int file_fd;
	off_t file_off, file_left;
	unsigned char *chunk;      /* TLS: file bytes being encrypted */
	struct strbuf tls_out;     /* TLS: records made and not yet sent (tls_out_off..) */
	size_t tls_out_off;
	struct http_conn *prev, *next;
	char head[HTTP_MAX_HEAD + 1];
	char in[IN_SIZE];
};

static double now_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void arm_timer(struct http_conn *c, double secs)
{
	struct timeval tv = { (time_t)secs, (suseconds_t)((secs - (double)(time_t)secs) * 1e6) };
	evtimer_add(c->timer, &tv);
	c->timer_at = now_monotonic() + secs;
}

/*
 * The connection closes unless it moves on within secs. Each answered
 * request moves its deadline later; that is only written down here, and
 * a timer that fires before the deadline is armed again for the rest, so
 * that a request costs no timer update (an update check is answered tens
 * of thousands of times a second).
 */
static void set_deadline(struct http_conn *c, double secs)
{
	c->deadline = now_monotonic() + secs;
	if (!evtimer_pending(c->timer, NULL) || c->deadline < c->timer_at)
		arm_timer(c, secs);
}

static double rate_allowance(const struct http_conn *c, unsigned long long bytes)
{
	return (double)bytes / (double)c->s->lim.min_rate;
}

static void file_close(struct http_conn *c)
{
	if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_fd = -1;
	c->file_left = 0;
	free(c->chunk);
	c->chunk = NULL;
}

/* Send n bytes at p on the socket; *sent gets how many went. */
static enum io sock_send(struct http_conn *c, const void *p, size_t n, bool more, size_t *sent)
{
	for (;;) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
		if (w == 0 && n > 0)
			return IO_WANT_WRITE;
		if (w >= 0) {
			*sent = (size_t)w;
			return IO_OK;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IO_WANT_WRITE;
		if (errno != EINTR)
			return IO_ERROR;
	}
}

/*
 * TLS output. Through a socket BIO, each 16 KiB record SSL_write makes
 * would cost a send(2), a segment and a wake-up of the peer. A TLS
 * connection's records go into its tls_out instead (this BIO takes all and
 * never blocks), and tls_send sends them, a download's 128 KiB of records
 * in one send(2).
 */
static BIO_METHOD *tls_out_method;
static unsigned tls_out_users; /* servers: the method goes with the last */

static int tls_out_write(BIO *b, const char *p, int n)
{
	struct http_conn *c = BIO_get_data(b);
	if (n <= 0)
		return 0;
	sb_add(&c->tls_out, p, (size_t)n);
	return n;
}

static long tls_out_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct http_conn *c = BIO_get_data(b);
	(void)num;
	(void)ptr;
	if (cmd == BIO_CTRL_FLUSH)
		return 1; /* tls_send sends; the loop calls it */
	if (cmd == BIO_CTRL_WPENDING)
		return (long)(c->tls_out.len - c->tls_out_off);
	return 0;
}

static int tls_out_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* The connection's BIOs: the socket to read, tls_out to write. */
static int tls_bios(struct http_conn *c)
{
	BIO *r = BIO_new_socket(c->fd, BIO_NOCLOSE), *w = BIO_new(tls_out_method);
	if (!r || !w) {
		BIO_free(r);
		BIO_free(w);
		return -1;
	}
	BIO_set_data(w, c);
	SSL_set_bio(c->ssl, r, w);
	return 0;
}

/* Send the records tls_out holds: IO_OK once it is empty. */
static enum io tls_send(struct http_conn *c)
{
	while (c->tls_out_off < c->tls_out.len) {
		size_t sent;
		enum io r = sock_send(c, c->tls_out.buf + c->tls_out_off,
				      c->tls_out.len - c->tls_out_off, false, &sent);
		if (r != IO_OK)
			return r;
		c->tls_out_off += sent;
	}
	c->tls_out_off = 0;
	if (c->tls_out.cap > 32 * 1024 && c->file_left == 0)
		sb_free(&c->tls_out); /* a download's buffer goes with it */
	else
		sb_reset(&c->tls_out);
	return IO_OK;
}

static void conn_free(struct http_conn *c)
{
	struct http_server *s = c->s;
	if (c->state == CONN_BODY && s->h.on_abort)
		s->h.on_abort(&c->req, s->h.arg);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->stats.conns--;
	event_free(c->timer);
	event_free(c->rev);
	event_free(c->wev);
	if (c->ssl) {
		if (!c->handshaking && c->state == CONN_CLOSING)
			SSL_shutdown(c->ssl); /* a close_notify */
		tls_send(c); /* that, or the alert of a failed handshake, if the socket takes it */
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	close(c->fd);
	file_close(c);
	sb_free(&c->tls_out);
	free(c->body);
	sb_free(&c->extra);
	sb_free(&c->out);
	free(c);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;
	double left = c->deadline - now_monotonic();
	(void)fd;
	(void)what;
	if (left > 0) {
		arm_timer(c, left);
		return;
	}
	if (c->state != CONN_HEAD || c->head_started)
		c->s->stats.timeouts++;
	log_debug("%s: %s: closed, too slow", c->s->name, c->peer);
	conn_free(c);
}

/* Wait for the socket to become readable (want_read) or writable. */
static void conn_wait(struct http_conn *c, bool want_read)
{
	bool want_write = !want_read;
	if (c->reading != want_read) {
		if (want_read)
			event_add(c->rev, NULL);
		else
			event_del(c->rev);
		c->reading = want_read;
	}
	if (c->writing != want_write) {
		if (want_write)
			event_add(c->wev, NULL);
		else
			event_del(c->wev);
		c->writing = want_write;
	}
}

/* What a failed SSL call (rc <= 0) means for the connection. */
static enum io tls_error(struct http_conn *c, int rc)
{
	int e = SSL_get_error(c->ssl, rc), saved = errno;
	unsigned long q;
	switch (e) {
	case SSL_ERROR_WANT_READ: return IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE: return IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN: return IO_EOF;
	case SSL_ERROR_SYSCALL:
		/* a peer that closes without close_notify (as most HTTP clients
		 * do once they have their answer) */
		if (ERR_peek_error() == 0)
			return rc == 0 || saved == ECONNRESET || saved == EPIPE ? IO_EOF : IO_ERROR;
		/* fall through */
	default:
		while ((q = ERR_get_error()) != 0)
			log_debug("%s: %s: TLS: %s", c->s->name, c->peer, ERR_reason_error_string(q));
		return IO_ERROR;
	}
}

/* Read what the socket has into in[]. */
static enum io conn_recv(struct http_conn *c)
{
	if (c->in_start == c->in_end)
		c->in_start = c->in_end = 0;
	if (c->in_end == sizeof(c->in) && c->in_start > 0) {
		memmove(c->in, c->in + c->in_start, c->in_end - c->in_start);
		c->in_end -= c->in_start;
		c->in_start = 0;
	}
	size_t room = sizeof(c->in) - c->in_end;
	if (room == 0)
		return IO_OK; /* a full head is refused by conn_take before this */
	if (c->ssl) {
		ERR_clear_error();
		int n = SSL_read(c->ssl, c->in + c->in_end, (int)room);
		if (n <= 0)
			return tls_error(c, n);
		c->in_end += (size_t)n;
		c->drained = (size_t)n < room && !SSL_has_pending(c->ssl);
		return IO_OK;
	}
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_end, room, 0);
		if (n > 0) {
			c->in_end += (size_t)n;
			/* less than asked for: the socket is empty, and the
			 * readable event will say when it is not */
			c->drained = (size_t)n < room;
			return IO_OK;
		}
		if (n == 0)
			return IO_EOF;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IO_WANT_READ;
		if (errno != EINTR)
			return IO_ERROR;
	}
}

/* Encrypt n bytes at p into tls_out (whole: its BIO never blocks). */
static enum io tls_write(struct http_conn *c, const void *p, size_t n)
{
	ERR_clear_error();
	int w = SSL_write(c->ssl, p, (int)n);
	return w == (int)n ? IO_OK : tls_error(c, w < 0 ? w : 0);
}

/* Move the next part of the file: with sendfile(2), or over TLS read into
 * chunk and encrypted; *moved gets how many bytes left the file. */
static enum io conn_send_file(struct http_conn *c, size_t *moved)
{
	size_t max = c->ssl ? TLS_CHUNK : WRITE_CHUNK;
	size_t want = c->file_left < (off_t)max ? (size_t)c->file_left : max;
	ssize_t n;
	*moved = 0;
	if (!c->ssl) {
		n = sendfile(c->fd, c->file_fd, &c->file_off, want);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return IO_WANT_WRITE;
		if (n < 0 && errno == EINTR)
			return IO_OK;
	} else {
		if (!c->chunk)
			c->chunk = xmalloc(TLS_CHUNK);
		n = pread(c->file_fd, c->chunk, want, c->file_off);
		if (n > 0) {
			enum io r = tls_write(c, c->chunk, (size_t)n);
			if (r != IO_OK)
				return r;
			c->file_off += n;
		}
	}
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		return IO_EOF; /* the client left mid-file: nothing to report */
	if (n <= 0) {
		log_warning("%s: %s: sending a file: %s", c->s->name, c->peer,
			    n == 0 ? "it is shorter than announced" : strerror(errno));
		return IO_ERROR;
	}
	c->file_left -= n;
	*moved = (size_t)n;
	if (c->file_left == 0)
		file_close(c);
	return IO_OK;
}

/* Send what is queued, up to a turn's worth: IO_OK once all of it is out. */
static enum io conn_flush(struct http_conn *c)
{
	size_t budget = c->ssl ? TLS_TURN : WRITE_CHUNK, moved;
	for (;;) {
		enum io r;
		if (c->ssl && (r = tls_send(c)) != IO_OK)
			return r;
		if (c->out_off < c->out.len) {
			size_t n = c->out.len - c->out_off;
			if (c->ssl)
				r = tls_write(c, c->out.buf + c->out_off, moved = n);
			else
				r = sock_send(c, c->out.buf + c->out_off, n, c->file_left > 0, &moved);
			if (r == IO_OK && (c->out_off += moved) == c->out.len) {
				sb_reset(&c->out);
				c->out_off = 0;
			}
		} else if (c->file_left > 0) {
			r = conn_send_file(c, &moved);
		} else {
			return IO_OK;
		}
		if (r != IO_OK)
			return r;
		if (moved >= budget)
			return IO_WANT_WRITE; /* others' turn; the socket is writable */
		budget -= moved;
	}
}

static void request_reset(struct http_conn *c)
{
	memset(&c->req, 0, sizeof(c->req));
	c->req.conn = c;
	c->req.tls = c->ssl != NULL;
	c->req.peer = c->peer;
	c->req.peer_ip = c->peer_ip;
	sb_reset(&c->extra);
	if (c->body_cap > 64 * 1024) { /* a large body's memory goes with it */
		free(c->body);
		c->body = NULL;
		c->body_cap = 0;
	}
}

/* The answer is queued: decide what the connection does next. */
static void request_done(struct http_conn *c)
{
	if (!c->req.responded)
		http_respond_error(&c->req, 500, "the request was not answered");
	request_reset(c);
	unsigned long long queued = c->out.len - c->out_off + (unsigned long long)c->file_left;
	if (c->close_after) {
		c->state = CONN_CLOSING;
		set_deadline(c, 10 + rate_allowance(c, queued));
	} else if (queued > 256 * 1024) {
		c->state = CONN_WRITING;
		set_deadline(c, 10 + rate_allowance(c, queued));
	} else {
		c->state = CONN_HEAD;
		c->head_started = false;
		set_deadline(c, c->s->lim.idle_timeout);
	}
}

static void fail_head(struct http_conn *c, int status, const char *why)
{
	c->s->stats.bad_requests++;
	log_debug("%s: %s: %d %s", c->s->name, c->peer, status, why);
	c->close_after = true;
	http_respond_error(&c->req, status, why);
	request_done(c);
}

/* A whole head of hlen bytes is at the front of the input: parse it and
 * let the handler answer or decide about the body. */
static void take_head(struct http_conn *c, size_t hlen)
{
	struct ucsh_err err;
	struct http_server *s = c->s;
	memcpy(c->head, c->in + c->in_start, hlen);
	c->head[hlen] = '\0';
	c->in_start += hlen;
	int status = http_parse_head(c->head, hlen, &c->req.head, &err);
	s->stats.requests++;
	if (status) {
		fail_head(c, status, err.msg);
		return;
	}
	if (!c->req.head.keep_alive)
		c->close_after = true;
	s->h.on_head(&c->req, s->h.arg);
	long long cl = c->req.head.content_length;
	if (c->req.responded) {
		if (cl > 0)
			c->close_after = true; /* the unread body cannot be skipped safely */
		request_done(c);
		return;
	}
	if (cl <= 0) {
		s->h.on_request(&c->req, s->h.arg);
		request_done(c);
		return;
	}
	if ((size_t)cl > c->req.body_limit) {
		c->close_after = true;
		http_respond_error(&c->req, 413, "the body is larger than this request may carry");
		request_done(c);
		return;
	}
	c->state = CONN_BODY;
	c->body_left = cl;
	c->req.body = c->body;
	c->req.body_len = 0;
	set_deadline(c, s->lim.body_timeout + rate_allowance(c, (unsigned long long)cl));
	if (c->req.head.expect_continue)
		sb_add(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25);
}

/* Move what has arrived of the body; true when it is complete. The buffer
 * grows with what arrives (up to the Content-Length the handler allowed),
 * not with what a client announces. */
static bool take_body(struct http_conn *c)
{
	size_t n = c->in_end - c->in_start, have = c->req.body_len;
	if ((long long)n > c->body_left)
		n = (size_t)c->body_left;
	if (n == 0)
		return c->body_left == 0;
	if (have + n > c->body_cap) {
		size_t cap = c->body_cap ? c->body_cap : 4096;
		size_t total = have + (size_t)c->body_left;
		while (cap < have + n)
			cap *= 2;
		c->body_cap = cap < total ? cap : total;
		c->body = xrealloc(c->body, c->body_cap);
	}
	memcpy(c->body + have, c->in + c->in_start, n);
	c->in_start += n;
	c->req.body = c->body;
	c->req.body_len = have + n;
	c->body_left -= (long long)n;
	return c->body_left == 0;
}

/* Take what the input holds: true when an answer was queued (or the
 * connection is to close), false when it needs more input. */
static bool conn_take(struct http_conn *c)
{
	if (c->state == CONN_BODY) {
		if (!take_body(c))
			return false;
		c->state = CONN_HEAD;
		c->s->h.on_request(&c->req, c->s->h.arg);
		request_done(c);
		return true;
	}
	size_t avail = c->in_end - c->in_start;
	if (c->state != CONN_HEAD || avail == 0)
		return false;
	if (!c->head_started) {
		c->head_started = true;
		set_deadline(c, c->s->lim.head_timeout);
	}
	const char *at = c->in + c->in_start;
	const char *end = memmem(at, avail, "\r\n\r\n", 4);
	size_t hlen = end ? (size_t)(end - at) + 4 : 0;
	if (!end || hlen > HTTP_MAX_HEAD) {
		if (end || avail >= HTTP_MAX_HEAD) {
			fail_head(c, 431, "the request head is larger than 8 KiB");
			return true;
		}
		return false;
	}
	take_head(c, hlen);
	return true;
}

/*
 * Everything a connection does, whenever its socket is ready: finish the
 * handshake, send what is queued, take what was read (answering as it
 * goes), read more. It returns when the socket would block, after a turn's
 * worth of requests (to come back once others had theirs), or having freed
 * c (the peer left, an error, or the last answer is out).
 */
static void conn_run(struct http_conn *c)
{
	enum io r;
	for (int requests = 0;;) {
		if (c->handshaking) {
			ERR_clear_error();
			int rc = SSL_do_handshake(c->ssl);
			if (rc != 1) {
				r = tls_error(c, rc);
				break;
			}
			c->handshaking = false;
		}
		if ((r = conn_flush(c)) != IO_OK)
			break;
		if (c->state == CONN_CLOSING) {
			r = IO_EOF;
			break;
		}
		if (c->state == CONN_WRITING) {
			c->state = CONN_HEAD;
			c->head_started = false;
			set_deadline(c, c->s->lim.idle_timeout);
		}
		if (conn_take(c)) {
			if (++requests == TURN_REQUESTS) {
				event_active(c->rev, EV_READ, 1);
				return;
			}
			continue;
		}
		if (c->drained && c->state == CONN_HEAD) {
			r = IO_WANT_READ; /* the socket was empty: spare a recv(2) */
			break;
		}
		if ((r = conn_recv(c)) != IO_OK)
			break;
	}
	if (r == IO_WANT_READ && c->ssl) { /* a handshake flight, an alert, a ticket */
		enum io t = tls_send(c);
		r = t == IO_OK ? r : t;
	}
	if (r == IO_WANT_READ || r == IO_WANT_WRITE) {
		c->drained = false;
		conn_wait(c, r == IO_WANT_READ);
		return;
	}
	conn_free(c);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_run(arg);
}

/*
 * Serve fd as a connection of s (over TLS when tls). 0, or -1 with fd
 * closed: the connection bound is reached, TLS has no context yet, or
 * there is no memory for it.
 */
static int conn_start(struct http_server *s, int fd, bool tls, const char *peer,
		      const char *peer_ip)
{
	if (s->stats.conns >= s->lim.max_conns || (tls && !s->tls)) {
		s->stats.refused_conns++;
		close(fd);
		return -1;
	}
	struct http_conn *c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->fd = fd;
	c->file_fd = -1;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	snprintf(c->peer_ip, sizeof(c->peer_ip), "%s", peer_ip);
	c->rev = event_new(s->base, fd, EV_READ | EV_PERSIST, on_io, c);
	c->wev = event_new(s->base, fd, EV_WRITE | EV_PERSIST, on_io, c);
	c->timer = evtimer_new(s->base, on_timeout, c);
	if (tls && (c->ssl = SSL_new(s->tls)) != NULL) {
		/* no partial writes: an SSL_write always writes all into tls_out */
		SSL_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
		SSL_set_accept_state(c->ssl);
		c->handshaking = true;
	}
	if (!c->rev || !c->wev || !c->timer || (tls && (!c->ssl || tls_bios(c) != 0))) {
		log_warning("%s: %s: out of memory for a connection", s->name, c->peer);
		if (c->rev)
			event_free(c->rev);
		if (c->wev)
			event_free(c->wev);
		if (c->timer)
			event_free(c->timer);
		SSL_free(c->ssl);
		close(fd);
		free(c);
		return -1;
	}
	/* answers go out whole, with no Nagle wait for a short one (a socket
	 * that is not TCP refuses this, harmlessly) */
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->stats.conns++;
	request_reset(c);
	set_deadline(c, s->lim.head_timeout); /* the TLS handshake and first head */
	c->head_started = true;
	conn_wait(c, true);
	return 0;
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct listener *l = arg;
	(void)lev;
	char peer[NET_ADDR_TEXT_LEN], peer_ip[INET6_ADDRSTRLEN + 1];
	unsigned port;
	net_addr_text((struct sockaddr_storage *)sa, (socklen_t)salen, peer);
	net_addr_host((struct sockaddr_storage *)sa, (socklen_t)salen, peer_ip, sizeof(peer_ip),
		      &port);
	conn_start(l->s, fd, l->tls, peer, peer_ip);
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
	char head[512], num[24], *p = head, *end = head + sizeof(head);
	req->responded = true;
	head_add(&p, end, "HTTP/1.1 ");
	num[0] = (char)('0' + status / 100 % 10);
	num[1] = (char)('0' + status / 10 % 10);
	num[2] = (char)('0' + status % 10);
	num[3] = ' ';
	num[4] = '\0';
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
		char *d = num + sizeof(num) - 1;
		unsigned long long v = length;
		*d = '\0';
		do
			*--d = (char)('0' + v % 10);
		while ((v /= 10) > 0);
		head_add(&p, end, "Content-Length: ");
		head_add(&p, end, d);
		head_add(&p, end, "\r\n");
	}
	/* answered from its head, a request's body is not read, and the
	 * connection cannot go on past it: say so */
	if (req->head.content_length > 0 && !req->body)
		c->close_after = true;
	if (c->close_after)
		head_add(&p, end, "Connection: close\r\n");
	else if (req->head.minor == 0)
		head_add(&p, end, "Connection: keep-alive\r\n");
	sb_add(&c->out, head, (size_t)(p - head));
	sb_add(&c->out, sb_str(&c->extra), c->extra.len);
	sb_add(&c->out, "\r\n", 2);
	c->s->stats.bytes_out += length;
}

void http_respond(struct http_request *req, int status, const char *content_type,
		  const void *body, size_t len)
{
	if (req->responded)
		return;
	write_head(req, status, content_type, len);
	if (req->head.method != HTTP_HEAD && len)
		sb_add(&req->conn->out, body, len);
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
	struct http_conn *c = req->conn;
	if (req->responded) {
		close(fd);
		return;
	}
	write_head(req, status, content_type, (unsigned long long)length);
	if (req->head.method == HTTP_HEAD || length <= 0) {
		close(fd);
		return;
	}
	file_close(c); /* none: one answer per request, sent before the next */
	c->file_fd = fd;
	c->file_off = offset;
	c->file_left = length;
}

/* ---- The server ------------------------------------------------------------- */

struct http_server *http_server_new(struct event_base *base, const char *name,
				    const struct http_limits *lim, const struct http_handler *h)
{
	if (tls_out_users++ == 0) {
		tls_out_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
					      "ucshd TLS output");
		if (!tls_out_method || !BIO_meth_set_write(tls_out_method, tls_out_write) ||
		    !BIO_meth_set_ctrl(tls_out_method, tls_out_ctrl) ||
		    !BIO_meth_set_create(tls_out_method, tls_out_create)) {
			/* as xmalloc: a few bytes OpenSSL could not allocate */
			fprintf(stderr, "ucshd: out of memory for a BIO method\n");
			abort();
		}
	}
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

int http_server_adopt(struct http_server *s, int fd, const char *peer)
{
	return conn_start(s, fd, false, peer, peer);
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
	if (--tls_out_users == 0) {
		BIO_meth_free(tls_out_method);
		tls_out_method = NULL;
	}
}
