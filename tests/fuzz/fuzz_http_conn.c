/*
 * fuzz_http_conn: the connection layer of ucshd's HTTP server (reading,
 * framing of heads and bodies, pipelining, 100-continue, keep-alive and
 * close, files and large answers) on hostile byte streams through a real
 * socket. Each input is written into one end of a UNIX socketpair whose
 * other end a server living across inputs has adopted. The low 7 bits of
 * the input's first byte choose how the rest is cut into writes (0: at
 * once), so heads and bodies arrive split anywhere; then the client
 * half-closes and reads all, or, when the high bit is set, closes at once
 * without reading the rest (the server is then mid-answer or mid-body).
 * Oracles on top of ASan/UBSan:
 *  - every response is "HTTP/1.1 NNN reason" CRLF, header lines, CRLF CRLF,
 *    and a final one has one Content-Length that the bytes following it
 *    match (a 100 Continue has none; an answer to HEAD announces a length
 *    and sends no bytes); the stream ends between responses;
 *  - the responses are those a model predicts that reads the whole input
 *    with the same head parser and handler: the same statuses in order, a
 *    100 Continue where one is due, bodies byte for byte (request bodies
 *    echoed, file ranges; error texts start with their status);
 *  - at most one final response per CRLF CRLF in the input, plus one (an
 *    oversized head), and none after one that says Connection: close;
 *  - the handler sees the on_head, on_request and on_abort calls the model
 *    predicts;
 *  - the server keeps reading while the client writes, closes its end after
 *    the client's half-close, and frees the connection, also when the
 *    client left early: its count is back to 0 within a bounded number of
 *    loop turns.
 * Nothing is timed: every loop is bounded by turns. The server's timeouts
 * are 1 s; if an input took that long, one may have closed the connection
 * early, and then only what was answered is checked, not that all was.
 * Build: ./configure --enable-fuzzing CC=clang && make
 * Run:   tests/fuzz/fuzz_http_conn tests/fuzz/corpus/http_conn
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "http.h"

#define PEER "fuzz-client"
#define BODY_LIMIT 64       /* what most requests may carry */
#define UP_LIMIT 8192       /* /up: bodies that outgrow the body buffer's first 4 KiB */
#define SMALL_OFF 7         /* /file: a range of the file, not at 0 */
#define SMALL_LEN 1000
#define BIG_LEN (260 * 1024) /* /big: over the 256 KiB that makes an answer drain alone */
#define MAX_TURNS 10000     /* loop turns while writing, and again while reading */
#define MAX_PIECES 256      /* writes cut by the first byte; the rest goes at once */
#define MAX_RESPONSE_HEAD 4096

/* What the handler does, by path; the model asks the same. */
enum route { R_ECHO, R_UP, R_A, R_CLOSE, R_FILE, R_BIG, R_SILENT };

struct calls {
	unsigned long long heads, requests, aborts;
};

/* A response the model predicts. */
struct expected {
	int status;        /* 100: an interim 100 Continue */
	bool has_body;     /* false for HEAD: a Content-Length and no bytes */
	const char *body;  /* the bytes, or NULL: an error text of any length */
	size_t length;
};

struct model {
	struct expected *v;
	size_t n, cap;
	unsigned long long heads, requests, aborts; /* on_head, on_request, on_abort calls */
};

/* The client's side of one input. */
struct run {
	int fd;
	bool eof;          /* the server closed its end */
	bool closing;      /* a response said Connection: close */
	char *buf;         /* received and not yet checked: buf[0..len) */
	size_t len, cap;
	size_t next;       /* model.v[next] is the response due */
	size_t finals, finals_bound;
};

static struct event_base *base;
static struct http_server *server;
static struct calls calls;
static struct model model;
static int file_fd = -1;
static unsigned char file_bytes[BIG_LEN];

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_http_conn: %s\n", why);
	abort();
}

static enum route route_of(const struct http_head *h)
{
	static const struct { const char *path; enum route r; } routes[] = {
		{ "/a", R_A }, { "/close", R_CLOSE }, { "/file", R_FILE }, { "/big", R_BIG },
		{ "/up", R_UP }, { "/silent", R_SILENT },
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(h->path, routes[i].path) == 0)
			return routes[i].r;
	return R_ECHO;
}

static int file_dup(void)
{
	int fd = dup(file_fd);
	if (fd < 0)
		fail("dup");
	return fd;
}

/* Some paths are answered from the head, the others take a body. */
static void on_head(struct http_request *req, void *arg)
{
	struct calls *n = arg;
	n->heads++;
	if (strcmp(req->peer, PEER) != 0 || req->body || req->responded)
		fail("on_head: the request is not fresh");
	switch (route_of(&req->head)) {
	case R_A:
		http_respond(req, 200, "text/plain", "a\n", 2);
		break;
	case R_CLOSE:
		http_close_after(req);
		http_respond(req, 200, "text/plain", "bye\n", 4);
		break;
	case R_FILE:
		http_respond_file(req, 200, "application/octet-stream", file_dup(), SMALL_OFF,
				  SMALL_LEN);
		break;
	case R_BIG:
		http_respond_file(req, 200, "application/octet-stream", file_dup(), 0, BIG_LEN);
		break;
	case R_UP:
		req->body_limit = UP_LIMIT;
		break;
	case R_ECHO:
	case R_SILENT:
		req->body_limit = BODY_LIMIT;
		break;
	}
}

/* Echo the body, so that the client sees what the server read; /silent
 * does not answer (the server must). */
static void on_request(struct http_request *req, void *arg)
{
	struct calls *n = arg;
	n->requests++;
	if ((long long)req->body_len != (req->head.content_length > 0 ? req->head.content_length : 0))
		fail("on_request: the body is not as long as announced");
	if (route_of(&req->head) == R_SILENT)
		return;
	http_add_header(req, "X-Body-Length", "%zu", req->body_len);
	http_respond(req, 200, "application/octet-stream", req->body, req->body_len);
}

static void on_abort(struct http_request *req, void *arg)
{
	struct calls *n = arg;
	(void)req;
	n->aborts++;
}

static void setup(void)
{
	signal(SIGPIPE, SIG_IGN); /* as ucshd does: sendfile(2) to a closed socket */
	for (size_t i = 0; i < sizeof(file_bytes); i++)
		file_bytes[i] = (unsigned char)(i % 251);
	FILE *f = tmpfile();
	if (!f || fwrite(file_bytes, 1, sizeof(file_bytes), f) != sizeof(file_bytes) || fflush(f))
		fail("cannot write the file to serve");
	file_fd = fileno(f);
	base = event_base_new();
	const struct http_limits lim = { .max_conns = 4, .idle_timeout = 1, .head_timeout = 1,
					 .body_timeout = 1 };
	const struct http_handler h = { on_head, on_request, on_abort, &calls };
	server = base ? http_server_new(base, "fuzz", &lim, &h) : NULL;
	if (!server)
		fail("cannot make the server");
}

/* ---- The model: what the server answers to the whole input ------------------ */

static void expect(struct model *m, int status, bool has_body, const char *body, size_t length)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->v = realloc(m->v, m->cap * sizeof(*m->v));
		if (!m->v)
			fail("out of memory");
	}
	m->v[m->n++] = (struct expected){ status, has_body, body, length };
}

/* The answer on_head gives for route r; false when it takes a body. */
static bool expect_at_head(struct model *m, enum route r, bool has_body)
{
	switch (r) {
	case R_A: expect(m, 200, has_body, "a\n", 2); return true;
	case R_CLOSE: expect(m, 200, has_body, "bye\n", 4); return true;
	case R_FILE: expect(m, 200, has_body, (char *)file_bytes + SMALL_OFF, SMALL_LEN); return true;
	case R_BIG: expect(m, 200, has_body, (char *)file_bytes, BIG_LEN); return true;
	default: return false;
	}
}

/* The answer on_request gives (or the server for it) to a body. */
static void expect_request(struct model *m, enum route r, bool has_body, const char *body,
			   size_t len)
{
	m->requests++;
	if (r == R_SILENT)
		expect(m, 500, has_body, NULL, 0);
	else
		expect(m, 200, has_body, body, len);
}

/*
 * One request at in[*pos..n): its answers go into m, *pos moves past it.
 * True when the connection goes on to another request.
 */
static bool model_request(struct model *m, const char *in, size_t n, size_t *pos)
{
	static char head[HTTP_MAX_HEAD + 1];
	struct http_head h;
	struct ucsh_err err;
	size_t left = n - *pos;
	const char *end = memmem(in + *pos, left, "\r\n\r\n", 4);
	size_t hlen = end ? (size_t)(end - (in + *pos)) + 4 : 0;
	if (!end || hlen > HTTP_MAX_HEAD) {
		if (end || left >= HTTP_MAX_HEAD)
			expect(m, 431, true, NULL, 0); /* on a blank request: a GET, with a text */
		return false; /* else the input ends in a head: no answer */
	}
	memcpy(head, in + *pos, hlen);
	head[hlen] = '\0';
	*pos += hlen;
	int status = http_parse_head(head, hlen, &h, &err);
	bool has_body = h.method != HTTP_HEAD;
	if (status) {
		expect(m, status, has_body, NULL, 0);
		return false;
	}
	m->heads++;
	enum route r = route_of(&h);
	long long cl = h.content_length;
	bool more = h.keep_alive && r != R_CLOSE;
	if (expect_at_head(m, r, has_body))
		return more && cl <= 0; /* an unread body cannot be skipped */
	if (cl <= 0) {
		expect_request(m, r, has_body, "", 0);
		return more;
	}
	if ((size_t)cl > (r == R_UP ? UP_LIMIT : BODY_LIMIT)) {
		expect(m, 413, has_body, NULL, 0);
		return false;
	}
	if (h.expect_continue)
		expect(m, 100, false, NULL, 0);
	if (n - *pos < (size_t)cl) {
		m->aborts++; /* the input ends in the body */
		return false;
	}
	expect_request(m, r, has_body, in + *pos, (size_t)cl);
	*pos += (size_t)cl;
	return more;
}

static void model_build(struct model *m, const char *in, size_t n)
{
	size_t pos = 0;
	m->n = 0;
	m->heads = m->requests = m->aborts = 0;
	while (pos < n && model_request(m, in, n, &pos))
		;
}

/* Heads end in CRLF CRLF and do not overlap: at most this many. */
static size_t heads_at_most(const char *in, size_t n)
{
	size_t count = 0;
	for (const char *p = in, *e; (e = memmem(p, n - (size_t)(p - in), "\r\n\r\n", 4)); p = e + 4)
		count++;
	return count;
}

/* ---- The client: reading and checking responses ------------------------------ */

struct response_head {
	int status;
	long long length; /* -1: no Content-Length */
	bool close;
};

static bool line_is(const char *line, size_t n, const char *name, size_t *value_at)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return false;
	*value_at = k + 1 + (line[k + 1] == ' ');
	return true;
}

static long long parse_length(const char *v, size_t n)
{
	long long x = 0;
	if (n == 0 || n > 15)
		fail("a Content-Length is empty or too long");
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			fail("a Content-Length is not a number");
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* One header line (without CRLF) of a response head. */
static void parse_header(const char *line, size_t n, struct response_head *rh)
{
	size_t v;
	const char *colon = memchr(line, ':', n);
	if (!colon || colon == line)
		fail("a response header line has no name");
	for (const char *c = line; c < line + n; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			fail("a response header line holds a control character");
	if (line_is(line, n, "Content-Length", &v)) {
		if (rh->length >= 0)
			fail("a response has two Content-Length headers");
		rh->length = parse_length(line + v, n - v);
	} else if (line_is(line, n, "Connection", &v)) {
		rh->close = n - v == 5 && strncasecmp(line + v, "close", 5) == 0;
	}
}

/* The head b[0..hlen), ending in CRLF CRLF. */
static void parse_response_head(const char *b, size_t hlen, struct response_head *rh)
{
	if (memcmp(b, "HTTP/1.1 ", 9) != 0)
		fail("a response does not start with HTTP/1.1");
	const char *d = b + 9;
	if (d[0] < '1' || d[0] > '5' || d[1] < '0' || d[1] > '9' || d[2] < '0' || d[2] > '9' ||
	    d[3] != ' ')
		fail("a response has no 3-digit status");
	rh->status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	rh->length = -1;
	rh->close = false;
	const char *eol = memmem(b, hlen, "\r\n", 2), *end = b + hlen - 2;
	if (eol == d + 4)
		fail("a response has an empty reason");
	for (const char *c = d + 4; c < eol; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			fail("a response reason holds a control character");
	for (const char *line = eol + 2; line < end;) {
		const char *e = memmem(line, (size_t)(end - line), "\r\n", 2);
		parse_header(line, (size_t)(e - line), rh);
		line = e + 2;
	}
}

/* An error text is "NNN reason: why" (http_respond_error). */
static bool starts_with_status(const char *body, size_t len, int status)
{
	char want[5];
	snprintf(want, sizeof(want), "%03d ", status);
	return len >= 4 && memcmp(body, want, 4) == 0;
}

/* A final response against what the model said; the body is whole. */
static void check_final(struct run *r, const struct expected *x, const struct response_head *rh,
			const char *body)
{
	if (rh->length < 0)
		fail("a final response has no Content-Length");
	if (r->closing)
		fail("a response follows one that said Connection: close");
	if (++r->finals > r->finals_bound)
		fail("more final responses than request heads in the input");
	if (rh->status != x->status) {
		fprintf(stderr, "response %zu: status %d, the model says %d\n", r->next, rh->status,
			x->status);
		fail("a response is not the one the model predicts");
	}
	if (x->body && (size_t)rh->length != x->length)
		fail("a response announces a length that is not its body's");
	if (x->has_body && x->body && memcmp(body, x->body, x->length) != 0)
		fail("a response body is not what the request should get");
	if (x->has_body && !x->body && !starts_with_status(body, (size_t)rh->length, x->status))
		fail("an error text does not start with its status");
	r->closing = rh->close;
}

/* Check and drop the response at the front of r->buf if it is whole:
 * true when there was one. */
static bool take_response(struct run *r)
{
	const char *end = memmem(r->buf, r->len, "\r\n\r\n", 4);
	if (!end) {
		if (r->len > MAX_RESPONSE_HEAD)
			fail("a response head does not end");
		return false;
	}
	size_t hlen = (size_t)(end - r->buf) + 4;
	struct response_head rh;
	parse_response_head(r->buf, hlen, &rh);
	if (r->next == model.n)
		fail("more responses than the model predicts");
	const struct expected *x = &model.v[r->next];
	size_t body = 0;
	if (rh.status == 100) {
		if (x->status != 100 || rh.length >= 0)
			fail("a 100 Continue is not due, or has a Content-Length");
	} else {
		if (rh.length > BIG_LEN)
			fail("a response announces more than any answer has");
		body = x->has_body && rh.length > 0 ? (size_t)rh.length : 0;
		if (r->len < hlen + body)
			return false;
		check_final(r, x, &rh, r->buf + hlen);
	}
	r->next++;
	memmove(r->buf, r->buf + hlen + body, r->len - hlen - body);
	r->len -= hlen + body;
	return true;
}

/* Read what the server sent, checking each whole response. */
static void read_responses(struct run *r)
{
	while (!r->eof) {
		if (r->cap - r->len < 65536) {
			r->cap = r->len + 2 * 65536;
			r->buf = realloc(r->buf, r->cap);
			if (!r->buf)
				fail("out of memory");
		}
		ssize_t n = recv(r->fd, r->buf + r->len, r->cap - r->len, 0);
		if (n > 0) {
			r->len += (size_t)n;
			while (take_response(r))
				;
		} else if (n == 0 || errno == ECONNRESET) {
			r->eof = true; /* a reset: it closed with input unread */
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return;
		} else if (errno != EINTR) {
			fail("recv on the client's end");
		}
	}
}

/* One turn of the server's loop, then the client reads. */
static void turn(struct run *r)
{
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	read_responses(r);
}

/* The length of the i-th write when the input is cut (1..cut). */
static size_t piece_len(uint8_t cut, unsigned i)
{
	uint32_t x = (uint32_t)cut * 2654435761u ^ (uint32_t)i * 40503u;
	x ^= x >> 13;
	x *= 0x5bd1e995u;
	x ^= x >> 15;
	return 1 + x % cut;
}

/* Write in[0..n) in pieces, a loop turn after each, until all is written
 * or the server closed its end. */
static void write_input(struct run *r, const char *in, size_t n, uint8_t cut)
{
	size_t pos = 0;
	unsigned piece = 0;
	for (unsigned turns = 0; pos < n && !r->eof; turns++) {
		if (turns == MAX_TURNS)
			fail("the server stopped reading before the input was written");
		size_t want = n - pos;
		if (cut && piece < MAX_PIECES && piece_len(cut, piece) < want)
			want = piece_len(cut, piece);
		ssize_t w = send(r->fd, in + pos, want, MSG_NOSIGNAL);
		if (w > 0) {
			pos += (size_t)w;
			piece++;
		} else if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			break; /* the server closed: it answered what it will */
		} else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			fail("send on the client's end");
		}
		turn(r);
	}
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Close the client's end and turn the loop until the server has no
 * connection left. */
static void finish(struct run *r)
{
	struct http_stats st;
	close(r->fd);
	for (unsigned turns = 0;; turns++) {
		http_server_stats(server, &st);
		if (st.conns == 0)
			return;
		if (turns == MAX_TURNS)
			fail("the server kept a connection the client closed");
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
}

/* What must hold once the stream has ended. */
static void check_end(const struct run *r, bool may_be_cut)
{
	if (r->len)
		fail("the stream ended inside a response");
	if (may_be_cut) /* a timeout may have closed the connection early */
		return;
	if (r->next != model.n) {
		fprintf(stderr, "%zu responses, the model says %zu\n", r->next, model.n);
		fail("fewer responses than the model predicts");
	}
	if (calls.heads != model.heads || calls.requests != model.requests ||
	    calls.aborts != model.aborts)
		fail("the handler was not called as the model predicts");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	int sv[2];
	if (!server)
		setup();
	uint8_t cut = size ? data[0] & 0x7f : 0;
	bool hang_up = size && data[0] & 0x80;
	const char *in = size ? (const char *)data + 1 : "";
	size_t n = size ? size - 1 : 0;
	model_build(&model, in, n);
	memset(&calls, 0, sizeof(calls));
	r.eof = r.closing = false;
	r.len = r.next = r.finals = 0;
	r.finals_bound = heads_at_most(in, n) + 1;
	double start = seconds();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		fail("socketpair");
	if (http_server_adopt(server, sv[0], PEER) != 0)
		fail("the server refused a connection with none open");
	r.fd = sv[1];
	write_input(&r, in, n, cut);
	if (hang_up) {
		finish(&r); /* what was read is checked; the rest is cut off */
		return 0;
	}
	shutdown(r.fd, SHUT_WR);
	for (unsigned turns = 0; !r.eof; turns++) {
		if (turns == MAX_TURNS)
			fail("the server did not close after the client's half-close");
		turn(&r);
	}
	finish(&r);
	check_end(&r, seconds() - start >= 0.9);
	return 0;
}
