/*
 * test_http: the pure parts of ucshd's HTTP server, which face the network
 * (the external Device Update site faces the Internet). A request head is
 * either parsed into exactly what it says or refused with the status a
 * client must get and a reason; request paths are decoded or refused
 * before any handler maps them to a file.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

/* The head is parsed in place; keep it alive as long as the result. */
static char head_buf[HTTP_MAX_HEAD * 2];
static struct http_head head;
static struct ucsh_err err;

static int parse_n(const char *text, size_t len)
{
	assert_true(len < sizeof(head_buf));
	memcpy(head_buf, text, len);
	head_buf[len] = '\0';
	err_clear(&err);
	int rc = http_parse_head(head_buf, len, &head, &err);
	/* a refusal always says why; a success says nothing */
	if (rc)
		assert_true(err.msg[0] != '\0');
	return rc;
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void refused(const char *text, int status, const char *why)
{
	int rc = parse(text);
	if (rc != status)
		fail_msg("%s: status %d (%s), want %d", text, rc, err.msg, status);
	if (why && !strstr(err.msg, why))
		fail_msg("%s: reason '%s' does not say '%s'", text, err.msg, why);
}

static void test_request_line_methods(void **state)
{
	(void)state;
	static const struct { const char *m; enum http_method want; } cases[] = {
		{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "POST", HTTP_POST },
		{ "PUT", HTTP_PUT }, { "DELETE", HTTP_OTHER }, { "OPTIONS", HTTP_OTHER },
		{ "get", HTTP_OTHER }, /* methods are case-sensitive */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "%s /a HTTP/1.1\r\nHost: h\r\n\r\n", cases[i].m);
		assert_int_equal(parse(text), 0);
		assert_int_equal(head.method, cases[i].want);
		assert_string_equal(head.method_text, cases[i].m);
		assert_string_equal(head.target, "/a");
		assert_string_equal(head.path, "/a");
		assert_null(head.query);
		assert_int_equal(head.minor, 1);
	}
	refused("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "the method is not a token");
	refused(" / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "empty or too long");
	refused("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "empty or too long");
	assert_int_equal(parse("ABCDEFGHIJKLMNOP / HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
}

static void test_request_line_garbage(void **state)
{
	(void)state;
	refused("GET /\r\n\r\n", 400, "not 'METHOD target HTTP/1.x'");
	refused("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "not 'METHOD target HTTP/1.x'");
	refused("GET / HTTP/1.1 x\r\nHost: h\r\n\r\n", 400, "not 'METHOD target HTTP/1.x'");
	refused("hello\r\n\r\n", 400, NULL);
	refused("GET / FTP/1.1\r\nHost: h\r\n\r\n", 400, "the version is not HTTP/1.x");
	refused("GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400, "the version is not HTTP/1.x");
	refused("GET / HTTP/11\r\nHost: h\r\n\r\n", 400, "the version is not HTTP/1.x");
	refused("GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400, "the version is not HTTP/1.x");
	refused("GET / HTTP/\r\n\r\n", 400, "the version is not HTTP/1.x");
	/* not a digit is not a version at all: 400, not 505 */
	refused("GET / HTTP/a.1\r\nHost: h\r\n\r\n", 400, "the version is not HTTP/1.x");
	refused("GET / http/1.1\r\nHost: h\r\n\r\n", 400, "the version is not HTTP/1.x");
	/* a head that does not end in an empty line, or holds a NUL */
	refused("GET / HTTP/1.0\r\n", 400, "ending in an empty line");
	refused("", 400, "ending in an empty line");
	assert_int_equal(parse_n("GET /\0 HTTP/1.0\r\n\r\n", 19), 400);
	assert_non_null(strstr(err.msg, "not text"));
	/* only empty lines */
	refused("\r\n\r\n", 400, "no request line");
	/* the target holds a control or non-ASCII byte */
	refused("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", 400, NULL);
	refused("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "non-ASCII");
}

static void test_versions_and_keep_alive(void **state)
{
	(void)state;
	refused("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "only HTTP/1.x");
	refused("GET / HTTP/0.9\r\n\r\n", 505, "only HTTP/1.x");
	/* 1.1: kept alive unless the client says close */
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_true(head.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"), 0);
	assert_false(head.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\nconnection: Upgrade, CLOSE\r\n\r\n"), 0);
	assert_false(head.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n"), 0);
	assert_true(head.keep_alive);
	/* 1.0: closed unless the client asks for keep-alive; Host not needed */
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n"), 0);
	assert_int_equal(head.minor, 0);
	assert_false(head.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0);
	assert_true(head.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: x , keep-alive \r\n\r\n"), 0);
	assert_true(head.keep_alive);
	/* a later minor version is served as 1.1 */
	assert_int_equal(parse("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), 0);
	assert_int_equal(head.minor, 2);
	assert_true(head.keep_alive);
}

static void test_targets(void **state)
{
	(void)state;
	assert_int_equal(parse("GET /RequestHandler/Logs?type=app&x=%20 HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(head.path, "/RequestHandler/Logs");
	assert_string_equal(head.query, "type=app&x=%20");
	assert_string_equal(head.target, "/RequestHandler/Logs?type=app&x=%20");
	assert_int_equal(parse("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(head.path, "/a");
	assert_string_equal(head.query, "");
	/* the query is not decoded or checked for path rules */
	assert_int_equal(parse("GET /a?x=/../%2F HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(head.path, "/a");
	assert_string_equal(head.query, "x=/../%2F");
	/* the path is decoded */
	assert_int_equal(parse("GET /a%20b/c HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(head.path, "/a b/c");
	refused("GET /a/../b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "'..' segment");
	refused("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400, "does not start with '/'");
	refused("GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "does not start with '/'");
}

static void test_absolute_form(void **state)
{
	(void)state;
	assert_int_equal(parse("GET http://pool.example.com/RequestHandler/Files/x?y=1 HTTP/1.1\r\n"
			       "Host: h\r\n\r\n"), 0);
	assert_string_equal(head.path, "/RequestHandler/Files/x");
	assert_string_equal(head.query, "y=1");
	assert_int_equal(parse("GET HTTPS://pool:443/a HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(head.path, "/a");
	assert_int_equal(parse("GET http://pool HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(head.path, "/");
	assert_null(head.query);
	/* the authority ends at '?': a '/' in the query is not the path */
	assert_int_equal(parse("GET http://pool?x=/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(head.path, "/");
	assert_string_equal(head.query, "x=/etc/passwd");
	refused("GET http://pool/a/%2e%2e/b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "'..' segment");
	/* another scheme is not absolute-form */
	refused("GET ftp://pool/a HTTP/1.1\r\nHost: h\r\n\r\n", 400, "does not start with '/'");
}

static void test_path_too_long(void **state)
{
	(void)state;
	static char text[HTTP_MAX_HEAD];
	char *p = text + sprintf(text, "GET /");
	memset(p, 'a', HTTP_MAX_PATH - 2);
	p += HTTP_MAX_PATH - 2;
	strcpy(p, " HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(parse(text), 0); /* 2047 bytes: the longest */
	assert_int_equal(strlen(head.path), HTTP_MAX_PATH - 1);
	memmove(p + 1, p, strlen(p) + 1);
	*p = 'a';
	refused(text, 414, "longer than 2047 bytes");
}

static void test_headers(void **state)
{
	(void)state;
	assert_int_equal(parse("POST /x HTTP/1.1\r\nHost: pool\r\nX-Empty:\r\n"
			       "Content-Type:\t text/xml; charset=utf-8 \t\r\nUser-Agent: Ph\xc3\xb6ne/1\r\n"
			       "\r\n"), 0);
	assert_int_equal(head.nheaders, 4);
	assert_string_equal(head.headers[0].name, "Host");
	assert_string_equal(http_header_get(&head, "host"), "pool");
	assert_string_equal(http_header_get(&head, "CONTENT-TYPE"), "text/xml; charset=utf-8");
	assert_string_equal(http_header_get(&head, "X-Empty"), "");
	assert_string_equal(http_header_get(&head, "User-Agent"), "Ph\xc3\xb6ne/1");
	assert_null(http_header_get(&head, "Accept"));
	/* the first of two headers of one name */
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\n"), 0);
	assert_string_equal(http_header_get(&head, "X-A"), "1");
	/* a value keeps inner white space and tabs */
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\nX-A: a \t b\r\n\r\n"), 0);
	assert_string_equal(http_header_get(&head, "X-A"), "a \t b");

	refused("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  continued\r\n\r\n", 400, "folded");
	refused("GET / HTTP/1.1\r\nHost: h\r\n\tX-A: 1\r\n\r\n", 400, "folded");
	refused("GET / HTTP/1.1\r\nHost: h\r\nX A: 1\r\n\r\n", 400, "header name");
	refused("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "header name");
	refused("GET / HTTP/1.1\r\nHost: h\r\nX-A 1\r\n\r\n", 400, "no name");
	refused("GET / HTTP/1.1\r\nHost: h\r\n: 1\r\n\r\n", 400, "no name");
	refused("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01z\r\n\r\n", 400, "X-A holds a control");
	refused("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7fz\r\n\r\n", 400, "control character");
	refused("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rz\r\n\r\n", 400, "control character");
	refused("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\nB: z\r\n\r\n", 400, "control character");
	/* a line ending in a bare LF is part of a name, which cannot hold it */
	refused("GET / HTTP/1.1\r\nHost: h\nX-A: 1\r\n\r\n", 400, NULL);
	/* an empty line in the middle: the head ended there */
	refused("GET / HTTP/1.1\r\nHost: h\r\n\r\nX-A: 1\r\n\r\n", 400, "no name");
}

/* A head with n header lines (Host among them). */
static void many_headers(char *text, size_t size, int n)
{
	size_t o = (size_t)snprintf(text, size, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 1; i < n; i++)
		o += (size_t)snprintf(text + o, size - o, "X-%d: %d\r\n", i, i);
	snprintf(text + o, size - o, "\r\n");
}

static void test_header_count(void **state)
{
	(void)state;
	static char text[HTTP_MAX_HEAD];
	many_headers(text, sizeof(text), HTTP_MAX_HEADERS);
	assert_int_equal(parse(text), 0);
	assert_int_equal(head.nheaders, HTTP_MAX_HEADERS);
	assert_string_equal(http_header_get(&head, "X-63"), "63");
	many_headers(text, sizeof(text), HTTP_MAX_HEADERS + 1);
	refused(text, 431, "more than 64 header lines");
}

static void test_content_length(void **state)
{
	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_true(head.content_length == -1);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"), 0);
	assert_true(head.content_length == 0);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 00512\r\n\r\n"), 0);
	assert_true(head.content_length == 512);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n"
			       "Content-Length: 7\r\n\r\n"), 0);
	assert_true(head.content_length == 7);
	/* the largest accepted; a handler's body limit refuses it later */
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999999999\r\n\r\n"), 0);
	assert_true(head.content_length == 999999999999999LL);
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n", 400,
		"two different Content-Length");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7, 7\r\n\r\n", 400, "not a number");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400, "not a number");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n", 400, "not a number");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", 400, "not a number");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400, "not a number");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000000000000\r\n\r\n", 400,
		"too large");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400,
		"too large");
}

static void test_framing(void **state)
{
	(void)state;
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 411,
		"Transfer-Encoding is not accepted");
	refused("POST / HTTP/1.1\r\nHost: h\r\ntransfer-encoding: identity\r\nContent-Length: 3\r\n\r\n",
		411, NULL);
	refused("GET / HTTP/1.1\r\n\r\n", 400, "needs a Host header");
	refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host");
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 0); /* empty is allowed */
	/* Expect */
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
			       "Expect: 100-Continue\r\n\r\n"), 0);
	assert_true(head.expect_continue);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n"), 0);
	assert_false(head.expect_continue);
	refused("POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n", 417, "100-continue");
	refused("POST / HTTP/1.1\r\nHost: h\r\nExpect:\r\n\r\n", 417, NULL);
	/* an HTTP/1.0 client does not wait for 100 Continue: none is sent */
	assert_int_equal(parse("POST / HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"), 0);
	assert_false(head.expect_continue);
}

static void test_leading_empty_lines(void **state)
{
	(void)state;
	assert_int_equal(parse("\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(head.path, "/x");
	assert_string_equal(head.method_text, "GET");
	assert_int_equal(parse("\r\nGET /y HTTP/1.0\r\n\r\n"), 0);
	assert_string_equal(head.path, "/y");
	/* a bare LF is not an empty line */
	refused("\nGET /y HTTP/1.0\r\n\r\n", 400, NULL);
}

/* A refused head leaves no field of the previous one behind. */
static void test_refused_head_is_defined(void **state)
{
	(void)state;
	assert_int_equal(parse("POST /a?q HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
			       "Expect: 100-continue\r\n\r\n"), 0);
	assert_true(head.keep_alive && head.expect_continue && head.content_length == 5);
	refused("POST /a HTTP/2.0\r\n\r\n", 505, NULL);
	assert_true(head.content_length == -1);
	assert_false(head.keep_alive);
	assert_false(head.expect_continue);
	assert_int_equal(head.nheaders, 0);
	assert_null(head.query);
	assert_string_equal(head.path, "");
	refused("GET /a/%2e%2e HTTP/1.1\r\nHost: h\r\n\r\n", 400, NULL);
	assert_string_equal(head.path, "");
}

/* ---- http_path_decode --------------------------------------------------- */

static char path[HTTP_MAX_PATH];

static int decode(const char *t)
{
	err_clear(&err);
	memset(path, 'x', sizeof(path));
	int rc = http_path_decode(t, strlen(t), path, sizeof(path), &err);
	if (rc) /* refused: a reason, and nothing of the path left in out */
		assert_true(err.msg[0] && path[0] == '\0');
	return rc;
}

static void decodes(const char *t, const char *want)
{
	if (decode(t) != 0)
		fail_msg("%s: refused: %s", t, err.msg);
	assert_string_equal(path, want);
}

static void decode_refused(const char *t, const char *why)
{
	if (decode(t) == 0)
		fail_msg("%s: decoded to '%s'", t, path);
	if (!strstr(err.msg, why))
		fail_msg("%s: reason '%s' does not say '%s'", t, err.msg, why);
}

static void test_path_escapes(void **state)
{
	(void)state;
	decodes("/", "/");
	decodes("/a/b.txt", "/a/b.txt");
	decodes("/a%20b", "/a b");
	decodes("/%41%62%7e", "/Ab~");
	decodes("/%7E%7e", "/~~");
	decodes("/a/", "/a/"); /* a trailing slash is not an empty segment */
	decodes("/a+b", "/a+b"); /* '+' is not a space in a path */
	decodes("/%25", "/%");
	decodes("/%2541", "/%41"); /* decoded once only */
	/* UTF-8 bytes are kept as they are */
	decodes("/caf%C3%A9/%E2%82%AC", "/caf\xc3\xa9/\xe2\x82\xac");
	decodes("/\xc3\xa9", "/\xc3\xa9");
	/* names that merely start or end with dots */
	decodes("/...", "/...");
	decodes("/.a/..b/c.", "/.a/..b/c.");
	decodes("/%2e%2e%2e", "/...");
}

static void test_path_refused(void **state)
{
	(void)state;
	decode_refused("", "does not start with '/'");
	decode_refused("a", "does not start with '/'");
	decode_refused("%2Fa", "does not start with '/'");
	decode_refused("/a%00b", "control character");
	decode_refused("/a%0a", "control character");
	decode_refused("/a%7f", "control character");
	decode_refused("/a%1F", "control character");
	decode_refused("/a\tb", "control character");
	decode_refused("/a%2Fb", "encoded '/'");
	decode_refused("/a%2fb", "encoded '/'");
	decode_refused("/a%5Cb", "'\\'");
	decode_refused("/a%5cb", "'\\'");
	decode_refused("/a\\b", "'\\'");
	decode_refused("/..\\x", "'\\'");
	decode_refused("//a", "empty segment");
	decode_refused("/a//b", "empty segment");
	decode_refused("/a/%2F", "encoded '/'");
	decode_refused("/%", "invalid %-escape");
	decode_refused("/%4", "invalid %-escape");
	decode_refused("/%G1", "invalid %-escape");
	decode_refused("/%1G", "invalid %-escape");
	decode_refused("/% 1", "invalid %-escape");
	decode_refused("/%-1", "invalid %-escape");
}

static void test_path_dot_segments(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"/.", "/..", "/./a", "/../a", "/a/.", "/a/..", "/a/./b", "/a/../b", "/a/../../etc",
		"/%2e", "/%2E%2E", "/%2e%2e/a", "/a/%2e%2e", "/a/.%2e/b", "/a/%2e./b", "/%2e/",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		decode_refused(bad[i], "'.' or '..' segment");
}

static void test_path_length(void **state)
{
	(void)state;
	char t[64], out[8];
	/* out holds 7 bytes and the NUL */
	assert_int_equal(http_path_decode("/abcdef", 7, out, sizeof(out), &err), 0);
	assert_string_equal(out, "/abcdef");
	assert_int_equal(http_path_decode("/abcdefg", 8, out, sizeof(out), &err), -1);
	assert_non_null(strstr(err.msg, "too long"));
	assert_string_equal(out, "");
	/* the limit is on the decoded bytes */
	assert_int_equal(http_path_decode("/%41%42%43%44%45%46", 19, out, sizeof(out), &err), 0);
	assert_string_equal(out, "/ABCDEF");
	/* only n bytes of the target are read */
	strcpy(t, "/ab/../c");
	assert_int_equal(http_path_decode(t, 3, out, sizeof(out), &err), 0);
	assert_string_equal(out, "/ab");
	/* an escape cut by n is invalid, not read past n */
	strcpy(t, "/a%41");
	assert_int_equal(http_path_decode(t, 4, out, sizeof(out), &err), -1);
	assert_non_null(strstr(err.msg, "invalid %-escape"));
	assert_int_equal(http_path_decode(t, 0, out, sizeof(out), &err), -1);
}

static void test_status_text(void **state)
{
	(void)state;
	assert_string_equal(http_status_text(400), "Bad Request");
	assert_string_equal(http_status_text(411), "Length Required");
	assert_string_equal(http_status_text(414), "URI Too Long");
	assert_string_equal(http_status_text(417), "Expectation Failed");
	assert_string_equal(http_status_text(431), "Request Header Fields Too Large");
	assert_string_equal(http_status_text(505), "HTTP Version Not Supported");
	assert_string_equal(http_status_text(299), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_line_methods),
		cmocka_unit_test(test_request_line_garbage),
		cmocka_unit_test(test_versions_and_keep_alive),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_absolute_form),
		cmocka_unit_test(test_path_too_long),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_header_count),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_leading_empty_lines),
		cmocka_unit_test(test_refused_head_is_defined),
		cmocka_unit_test(test_path_escapes),
		cmocka_unit_test(test_path_refused),
		cmocka_unit_test(test_path_dot_segments),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_status_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
