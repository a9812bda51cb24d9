/*
 * http: the HTTP/1.1 server under ucshd's web sites, on the daemon's
 * libevent loop, plain and over TLS (OpenSSL on the socket).
 *
 * Why not evhttp: libevent 2.1's evhttp has no bound on connections, keeps
 * a whole request body in memory, and restarts its timeout on every byte,
 * so one client sending a header byte every 29 s holds a connection for
 * days. Phones are many and the external site faces the Internet. This
 * server bounds everything a client controls: the request head (8 KiB,
 * 64 header lines), the body (a limit per request, decided by the handler
 * from the head before a byte of body is read), connections at once, and time: an idle keep-alive connection, a
 * request head and a body each have an absolute deadline (a trickle does
 * not extend it), and a response must drain at a minimum rate.
 *
 * Requests on one connection are handled one at a time, in order. The
 * handler answers synchronously with one http_respond* call; file bodies
 * are sent with sendfile(2) on plain connections, and over TLS read in
 * 64 KiB pieces straight into SSL_write.
 */
#ifndef UCSH_HTTP_H
#define UCSH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "net.h"
#include "util.h"

struct event_base;
struct http_server;
struct http_conn;

#define HTTP_MAX_HEAD 8192      /* request line + header lines, bytes */
#define HTTP_MAX_HEADERS 64
#define HTTP_MAX_PATH 2048      /* decoded path */

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_OTHER };

struct http_header {
	const char *name, *value; /* NUL-terminated, inside the request head */
};

/* A parsed request head (http_parse_head). Strings point into the head. */
struct http_head {
	enum http_method method;
	const char *method_text;
	const char *target;      /* as sent: "/a%20b?x=1" */
	char path[HTTP_MAX_PATH]; /* decoded and checked (http_path_decode) */
	const char *query;       /* after '?', or NULL */
	int minor;               /* HTTP/1.minor */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	long long content_length; /* -1 when absent */
	bool keep_alive;
	bool expect_continue;
};

/*
 * Parse the head buf[0..len) (ending in CRLF CRLF; it is modified: names
 * and values get NUL-terminated in place). 0, or the HTTP status to answer
 * (400, 411, 414, 417, 431, 505) with err saying why in one line; every
 * field of h is defined either way (content_length -1 when not known).
 */
int http_parse_head(char *buf, size_t len, struct http_head *h, struct ucsh_err *err);
/*
 * Percent-decode the path of a request target into out. Refused (-1, err):
 * not starting with '/', %00 or a control character, an encoded '/' or '\',
 * a backslash, a "." or ".." segment, an empty segment ("//"), invalid
 * escapes, longer than outsz - 1. A refused path leaves out empty.
 */
int http_path_decode(const char *target, size_t n, char *out, size_t outsz,
		     struct ucsh_err *err);
/* The value of header name (case-insensitive), or NULL. */
const char *http_header_get(const struct http_head *h, const char *name);
const char *http_status_text(int status);

/* A request being handled. */
struct http_request {
	struct http_head head;
	struct http_conn *conn;
	bool tls;
	const char *peer;     /* "127.0.0.1:40312" */
	const char *peer_ip;  /* "127.0.0.1" */
	const char *body;     /* the body read into memory (body_len bytes), else NULL */
	size_t body_len;
	size_t body_limit;    /* set by on_head: body bytes accepted (0: none) */
	void *data;           /* the handler's, for on_request/on_abort */
	bool responded;
};

struct http_handler {
	/* The head has arrived: set body_limit to take a body, or answer at
	 * once (http_respond*; a body then is not read). */
	void (*on_head)(struct http_request *req, void *arg);
	/* The body (if any) has arrived: answer. */
	void (*on_request)(struct http_request *req, void *arg);
	/* The connection ended after on_head and before on_request. */
	void (*on_abort)(struct http_request *req, void *arg);
	void *arg;
};

struct http_limits {
	size_t max_conns;          /* at once (0: 1024) */
	unsigned idle_timeout;     /* s waiting for a request on a kept-alive connection (0: 30) */
	unsigned head_timeout;     /* s from a connection's or request's first byte to its head (0: 10) */
	unsigned body_timeout;     /* s for a body, plus 1 s per min_rate bytes (0: 10) */
	size_t min_rate;           /* bytes/s a body or response must move at least (0: 16 KiB) */
};

struct http_stats {
	unsigned long long requests, refused_conns, timeouts, bad_requests;
	unsigned long long bytes_out;
	size_t conns;
};

/* A server with no listener; the caller owns it (http_server_free). */
struct http_server *http_server_new(struct event_base *base, const char *name,
				    const struct http_limits *lim, const struct http_handler *h);
/*
 * Listen on addr (numeric; NULL: every IPv4 and IPv6 address) at port,
 * over TLS when tls (http_server_set_tls must have given a context).
 * 0, or -1 with err naming the address.
 */
int http_server_listen(struct http_server *s, const char *addr, unsigned port, bool tls,
		       struct ucsh_err *err);
/*
 * Serve an already connected stream socket fd (non-blocking) as if accepted
 * by a plain listener; the server takes fd. peer names the peer in logs
 * (and is the request's peer_ip). 0, or -1 when the connection bound is
 * reached or there is no memory for the connection (fd closed).
 */
int http_server_adopt(struct http_server *s, int fd, const char *peer);
/* The TLS context for connections accepted from now on (a reference is
 * taken; live connections keep theirs). */
void http_server_set_tls(struct http_server *s, SSL_CTX *ctx);
/* "HTTP 127.0.0.1:80", ... (new reference). */
struct json_t;
struct json_t *http_server_listeners(const struct http_server *s);
void http_server_stats(const struct http_server *s, struct http_stats *out);
/* Close the listeners and every connection. NULL is a no-op. */
void http_server_free(struct http_server *s);

/* ---- Answers (one per request) ------------------------------------------ */

/* Add a response header line ("Name: value"). */
void http_add_header(struct http_request *req, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Answer with a body from memory (len bytes; none for HEAD). */
void http_respond(struct http_request *req, int status, const char *content_type,
		  const void *body, size_t len);
/* Answer with status and a one-line text/plain reason. */
void http_respond_error(struct http_request *req, int status, const char *reason);
/* Answer with length bytes of fd from offset (the server takes fd). */
void http_respond_file(struct http_request *req, int status, const char *content_type, int fd,
		       off_t offset, off_t length);
/* Close the connection after this answer. */
void http_close_after(struct http_request *req);

#endif
