/*
 * fuzz_http: the request-head parser and the path decoder of ucshd's HTTP
 * server on hostile bytes. The server hands http_parse_head a head of at
 * most 8 KiB that holds no NUL and ends in CRLF CRLF; the input is made
 * into one. Oracles on top of ASan/UBSan:
 *  - a refused head gets one of the statuses the server answers with and
 *    a one-line printable reason;
 *  - a parsed head has a method token, a path that obeys every rule of
 *    http_path_decode (starts with '/', no empty, "." or ".." segment, no
 *    control character or backslash), at most 64 headers with token names
 *    and values free of CR and LF, a Host on HTTP/1.1, a sane length;
 *  - http_path_decode on the raw bytes either gives such a path no longer
 *    than its input, or refuses it and leaves the output empty.
 * Build: ./configure --enable-fuzzing CC=clang && make
 * Run:   tests/fuzz/fuzz_http tests/fuzz/corpus/http
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static void check_reason(const char *r)
{
	if (!*r)
		abort();
	for (; *r; r++)
		if ((unsigned char)*r < 0x20 || *r == 0x7f)
			abort();
}

static bool dot_segment(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

/* What a decoded path must be, whoever made it. */
static void check_path(const char *p)
{
	if (p[0] != '/')
		abort();
	const char *seg = p + 1;
	for (const char *c = p + 1;; c++) {
		if (*c == '/' || *c == '\0') {
			if ((*c == '/' && c == seg) || dot_segment(seg, (size_t)(c - seg)))
				abort();
			if (!*c)
				break;
			seg = c + 1;
		} else if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\') {
			abort();
		}
	}
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("\"(),/:;<=>?@[\\]{}", *s))
			return false;
	return true;
}

static void check_head(const struct http_head *h, const char *buf, size_t len)
{
	if (!is_token(h->method_text) || strlen(h->method_text) > 16)
		abort();
	check_path(h->path);
	if (h->query && (h->query < buf || h->query >= buf + len))
		abort();
	if (h->minor < 0 || h->minor > 9 || h->nheaders > HTTP_MAX_HEADERS)
		abort();
	for (size_t i = 0; i < h->nheaders; i++) {
		if (!is_token(h->headers[i].name) || strpbrk(h->headers[i].value, "\r\n"))
			abort();
		if (http_header_get(h, h->headers[i].name) == NULL)
			abort();
	}
	if (h->content_length < -1 || h->content_length > 999999999999999LL)
		abort();
	if (h->minor >= 1 && !http_header_get(h, "host"))
		abort();
	if (http_header_get(h, "Transfer-Encoding"))
		abort();
	if (h->expect_continue && h->minor == 0)
		abort();
}

static void fuzz_head(const uint8_t *data, size_t size)
{
	static char buf[HTTP_MAX_HEAD + 1];
	struct http_head h;
	struct ucsh_err err;
	size_t n = 0;
	for (size_t i = 0; i < size && n < HTTP_MAX_HEAD - 4; i++)
		if (data[i])
			buf[n++] = (char)data[i];
	if (n < 4 || memcmp(buf + n - 4, "\r\n\r\n", 4) != 0) {
		memcpy(buf + n, "\r\n\r\n", 4);
		n += 4;
	}
	buf[n] = '\0';
	err.msg[0] = '\0';
	int rc = http_parse_head(buf, n, &h, &err);
	switch (rc) {
	case 0:
		check_head(&h, buf, n);
		break;
	case 400: case 411: case 414: case 417: case 431: case 505:
		check_reason(err.msg);
		if (h.content_length < -1 || h.nheaders > HTTP_MAX_HEADERS)
			abort();
		break;
	default:
		fprintf(stderr, "unexpected status %d: %s\n", rc, err.msg);
		abort();
	}
}

static void fuzz_path(const uint8_t *data, size_t size)
{
	static char out[HTTP_MAX_PATH];
	struct ucsh_err err;
	memset(out, 'x', sizeof(out));
	err.msg[0] = '\0';
	if (http_path_decode((const char *)data, size, out, sizeof(out), &err) == 0) {
		if (strlen(out) > size)
			abort();
		check_path(out);
	} else {
		check_reason(err.msg);
		if (out[0] != '\0')
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_head(data, size);
	fuzz_path(data, size);
	return 0;
}
