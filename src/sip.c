/*
 * sip: SIP message parser, stream framer and writer (see sip.h for the
 * shape). Grammar references are to RFC 3261 section 25 unless noted. The
 * parser works in three passes over a private copy of the message:
 *   1. structure: start line, header lines (folding turned into spaces in
 *      place), each line split into values where the grammar has a list;
 *   2. types: Via, From, To, Contact, Call-ID, CSeq and the numbers;
 *   3. rules: required and single-valued headers, CSeq method, the body.
 * Pass 1 keeps going after a bad start line so that a 400 or 505 can still
 * be answered from the headers.
 */
#include "config.h"
#include "sip.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

/* ---- Character classes ------------------------------------------------ */

enum {
	C_ALNUM = 1 << 0,
	C_MARK = 1 << 1,        /* - _ . ! ~ * ' ( )            (unreserved = alnum + mark) */
	C_TOKEN = 1 << 2,       /* alnum - . ! % * _ + ` ' ~ */
	C_USER = 1 << 3,        /* user-unreserved: & = + $ , ; ? / */
	C_PASS = 1 << 4,        /* password extras: & = + $ , */
	C_PARAM = 1 << 5,       /* param-unreserved: [ ] / : & + $ */
	C_HNV = 1 << 6,         /* hnv-unreserved: [ ] / ? : + $ */
	C_WORD = 1 << 7,        /* Call-ID word */
	C_HOST = 1 << 8,        /* hostname and IPv4 characters */
	C_URIC = 1 << 9,        /* what an opaque absoluteURI may hold */
	C_SCHEME = 1 << 10,
	C_WSP = 1 << 11,
	C_HEX = 1 << 12,
	C_TEL = 1 << 13,        /* tel: subscriber digits and visual separators */
	C_SPLIT = 1 << 14,      /* what splitting a header list stops at: " < > , */
};

#define ALNUM_ALL (C_ALNUM | C_TOKEN | C_WORD | C_HOST | C_URIC | C_SCHEME)
static const unsigned short cclass[256] = {
	['0' ... '9'] = ALNUM_ALL | C_HEX | C_TEL,
	['a' ... 'f'] = ALNUM_ALL | C_HEX | C_TEL,
	['g' ... 'z'] = ALNUM_ALL,
	['A' ... 'F'] = ALNUM_ALL | C_HEX | C_TEL,
	['G' ... 'Z'] = ALNUM_ALL,
	['-'] = C_MARK | C_TOKEN | C_WORD | C_HOST | C_URIC | C_SCHEME | C_TEL,
	['.'] = C_MARK | C_TOKEN | C_WORD | C_HOST | C_URIC | C_SCHEME | C_TEL,
	['_'] = C_MARK | C_TOKEN | C_WORD | C_URIC,
	['!'] = C_MARK | C_TOKEN | C_WORD | C_URIC,
	['~'] = C_MARK | C_TOKEN | C_WORD | C_URIC,
	['*'] = C_MARK | C_TOKEN | C_WORD | C_URIC | C_TEL,
	['\''] = C_MARK | C_TOKEN | C_WORD | C_URIC,
	['('] = C_MARK | C_WORD | C_URIC | C_TEL,
	[')'] = C_MARK | C_WORD | C_URIC | C_TEL,
	['%'] = C_TOKEN | C_WORD,
	['+'] = C_TOKEN | C_WORD | C_USER | C_PASS | C_PARAM | C_HNV | C_URIC | C_SCHEME |
		C_TEL,
	['`'] = C_TOKEN | C_WORD,
	['&'] = C_USER | C_PASS | C_PARAM | C_URIC,
	['='] = C_USER | C_PASS | C_URIC,
	['$'] = C_USER | C_PASS | C_PARAM | C_HNV | C_URIC,
	[','] = C_USER | C_PASS | C_URIC | C_SPLIT,
	[';'] = C_USER | C_URIC,
	['?'] = C_USER | C_HNV | C_WORD | C_URIC,
	['/'] = C_USER | C_PARAM | C_HNV | C_WORD | C_URIC,
	['['] = C_PARAM | C_HNV | C_WORD | C_URIC,
	[']'] = C_PARAM | C_HNV | C_WORD | C_URIC,
	[':'] = C_PARAM | C_HNV | C_WORD | C_URIC,
	['@'] = C_URIC,
	['#'] = C_URIC | C_TEL,
	['<'] = C_WORD | C_SPLIT,
	['>'] = C_WORD | C_SPLIT,
	['\\'] = C_WORD,
	['"'] = C_WORD | C_SPLIT,
	['{'] = C_WORD,
	['}'] = C_WORD,
	[' '] = C_WSP,
	['\t'] = C_WSP,
};

static inline bool is(int c, unsigned cls)
{
	return (cclass[(unsigned char)c] & cls) != 0;
}

static inline const char *skip_wsp(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static inline const char *skip_class(const char *p, const char *end, unsigned cls)
{
	while (p < end && is(*p, cls))
		p++;
	return p;
}

static inline const char *skip_until_split(const char *p, const char *end)
{
	while (p < end && !is(*p, C_SPLIT))
		p++;
	return p;
}

static struct sip_str trim(const char *p, const char *end)
{
	p = skip_wsp(p, end);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (struct sip_str){ p, (size_t)(end - p) };
}

static inline struct sip_str slice(const char *p, const char *end)
{
	return (struct sip_str){ p, (size_t)(end - p) };
}

bool sip_str_eq(struct sip_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

bool sip_str_ieq(struct sip_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && (n == 0 || strncasecmp(s.p, lit, n) == 0);
}

static inline int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Status code and "Bad Request - what" in err; returns 400. */
static int bad(struct ucsh_err *err, const char *what)
{
	err_set(err, "Bad Request - %s", what);
	return 400;
}

static int badf(struct ucsh_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int badf(struct ucsh_err *err, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return bad(err, what);
}

/* ---- Header names ----------------------------------------------------- */

struct hdr_def {
	const char *name;
	unsigned char len;
	char compact;
	bool list; /* a #() list: split at commas */
};

#define H(id, n, c, l) [id] = { n, sizeof(n) - 1, c, l }
static const struct hdr_def hdr_defs[SIP_H_COUNT_] = {
	H(SIP_H_ACCEPT, "Accept", 0, true),
	H(SIP_H_ACCEPT_CONTACT, "Accept-Contact", 'a', true),
	H(SIP_H_ACCEPT_ENCODING, "Accept-Encoding", 0, true),
	H(SIP_H_ACCEPT_LANGUAGE, "Accept-Language", 0, true),
	H(SIP_H_ALERT_INFO, "Alert-Info", 0, true),
	H(SIP_H_ALLOW, "Allow", 0, true),
	H(SIP_H_ALLOW_EVENTS, "Allow-Events", 'u', true),
	H(SIP_H_AUTHENTICATION_INFO, "Authentication-Info", 0, false),
	H(SIP_H_AUTHORIZATION, "Authorization", 0, false),
	H(SIP_H_CALL_ID, "Call-ID", 'i', false),
	H(SIP_H_CALL_INFO, "Call-Info", 0, true),
	H(SIP_H_CONTACT, "Contact", 'm', true),
	H(SIP_H_CONTENT_DISPOSITION, "Content-Disposition", 0, false),
	H(SIP_H_CONTENT_ENCODING, "Content-Encoding", 'e', true),
	H(SIP_H_CONTENT_LANGUAGE, "Content-Language", 0, true),
	H(SIP_H_CONTENT_LENGTH, "Content-Length", 'l', false),
	H(SIP_H_CONTENT_TYPE, "Content-Type", 'c', false),
	H(SIP_H_CSEQ, "CSeq", 0, false),
	H(SIP_H_DATE, "Date", 0, false),
	H(SIP_H_ERROR_INFO, "Error-Info", 0, true),
	H(SIP_H_EVENT, "Event", 'o', false),
	H(SIP_H_EXPIRES, "Expires", 0, false),
	H(SIP_H_FROM, "From", 'f', false),
	H(SIP_H_IDENTITY, "Identity", 'y', false),
	H(SIP_H_IDENTITY_INFO, "Identity-Info", 'n', false),
	H(SIP_H_IN_REPLY_TO, "In-Reply-To", 0, true),
	H(SIP_H_MAX_FORWARDS, "Max-Forwards", 0, false),
	H(SIP_H_MIME_VERSION, "MIME-Version", 0, false),
	H(SIP_H_MIN_EXPIRES, "Min-Expires", 0, false),
	H(SIP_H_ORGANIZATION, "Organization", 0, false),
	H(SIP_H_PATH, "Path", 0, true),
	H(SIP_H_PRIORITY, "Priority", 0, false),
	H(SIP_H_PROXY_AUTHENTICATE, "Proxy-Authenticate", 0, false),
	H(SIP_H_PROXY_AUTHORIZATION, "Proxy-Authorization", 0, false),
	H(SIP_H_PROXY_REQUIRE, "Proxy-Require", 0, true),
	H(SIP_H_REASON, "Reason", 0, true),
	H(SIP_H_RECORD_ROUTE, "Record-Route", 0, true),
	H(SIP_H_REFER_TO, "Refer-To", 'r', false),
	H(SIP_H_REFERRED_BY, "Referred-By", 'b', false),
	H(SIP_H_REJECT_CONTACT, "Reject-Contact", 'j', true),
	H(SIP_H_REPLY_TO, "Reply-To", 0, false),
	H(SIP_H_REQUEST_DISPOSITION, "Request-Disposition", 'd', true),
	H(SIP_H_REQUIRE, "Require", 0, true),
	H(SIP_H_RETRY_AFTER, "Retry-After", 0, false),
	H(SIP_H_ROUTE, "Route", 0, true),
	H(SIP_H_SERVER, "Server", 0, false),
	H(SIP_H_SERVICE_ROUTE, "Service-Route", 0, true),
	H(SIP_H_SESSION_EXPIRES, "Session-Expires", 'x', false),
	H(SIP_H_SUBJECT, "Subject", 's', false),
	H(SIP_H_SUPPORTED, "Supported", 'k', true),
	H(SIP_H_TIMESTAMP, "Timestamp", 0, false),
	H(SIP_H_TO, "To", 't', false),
	H(SIP_H_UNSUPPORTED, "Unsupported", 0, true),
	H(SIP_H_USER_AGENT, "User-Agent", 0, false),
	H(SIP_H_VIA, "Via", 'v', true),
	H(SIP_H_WARNING, "Warning", 0, true),
	H(SIP_H_WWW_AUTHENTICATE, "WWW-Authenticate", 0, false),
};
#undef H

const char *sip_hdr_name(enum sip_hdr id)
{
	return id > SIP_H_OTHER && id < SIP_H_COUNT_ ? hdr_defs[id].name : NULL;
}

/* hdr_defs is in case-insensitive alphabetical order (the unit tests check
 * that every name finds its own id), so the names starting with one letter
 * are a run of ids; letter_first[c - 'a'] is where it starts, 0 if none. */
static unsigned char letter_first[26];
static pthread_once_t letters_once = PTHREAD_ONCE_INIT;

static void letters_init(void)
{
	for (int id = SIP_H_COUNT_ - 1; id > 0; id--)
		letter_first[lower((unsigned char)hdr_defs[id].name[0]) - 'a'] = (unsigned char)id;
}

enum sip_hdr sip_hdr_lookup(const char *name, size_t n)
{
	int c = lower((unsigned char)name[0]);
	if (n == 0 || c < 'a' || c > 'z')
		return SIP_H_OTHER;
	if (n == 1) {
		for (int id = 1; id < SIP_H_COUNT_; id++)
			if (hdr_defs[id].compact == c)
				return (enum sip_hdr)id;
		return SIP_H_OTHER;
	}
	pthread_once(&letters_once, letters_init);
	for (int id = letter_first[c - 'a']; id && id < SIP_H_COUNT_ &&
					      lower((unsigned char)hdr_defs[id].name[0]) == c; id++)
		if (hdr_defs[id].len == n && strncasecmp(hdr_defs[id].name, name, n) == 0)
			return (enum sip_hdr)id;
	return SIP_H_OTHER;
}

/* Headers whose values this module parses; an empty element in their list
 * is an error rather than noise to skip (RFC 4475 badinv01). */
static bool hdr_is_typed_list(enum sip_hdr id)
{
	return id == SIP_H_VIA || id == SIP_H_CONTACT || id == SIP_H_ROUTE ||
	       id == SIP_H_RECORD_ROUTE || id == SIP_H_PATH;
}

/* ---- Methods ---------------------------------------------------------- */

static const char *const method_names[] = {
	[SIP_METHOD_INVITE] = "INVITE",       [SIP_METHOD_ACK] = "ACK",
	[SIP_METHOD_OPTIONS] = "OPTIONS",     [SIP_METHOD_BYE] = "BYE",
	[SIP_METHOD_CANCEL] = "CANCEL",       [SIP_METHOD_REGISTER] = "REGISTER",
	[SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE", [SIP_METHOD_NOTIFY] = "NOTIFY",
	[SIP_METHOD_PUBLISH] = "PUBLISH",     [SIP_METHOD_INFO] = "INFO",
	[SIP_METHOD_PRACK] = "PRACK",         [SIP_METHOD_UPDATE] = "UPDATE",
	[SIP_METHOD_MESSAGE] = "MESSAGE",     [SIP_METHOD_REFER] = "REFER",
};

/* Methods are case-sensitive (RFC 3261 7.1). */
static enum sip_method method_lookup(struct sip_str s)
{
	for (size_t i = 1; i < UCSH_ARRAY_LEN(method_names); i++)
		if (sip_str_eq(s, method_names[i]))
			return (enum sip_method)i;
	return SIP_METHOD_OTHER;
}

/* ---- Numbers ---------------------------------------------------------- */

/* Decimal digits only. 0, -1 when not a number, 1 when above max (the digits
 * are still all checked, so "1x" is -1 whatever its size). */
static int parse_uint(struct sip_str s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool over = false;
	if (s.n == 0)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		if (!over) {
			v = v * 10 + (uint64_t)(s.p[i] - '0');
			over = v > max;
		}
	}
	*out = v;
	return over ? 1 : 0;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths. */
static int parse_qvalue(struct sip_str s, int *q)
{
	if (s.n == 0 || s.n > 5 || (s.p[0] != '0' && s.p[0] != '1'))
		return -1;
	int v = (s.p[0] - '0') * 1000, scale = 100;
	if (s.n > 1 && s.p[1] != '.')
		return -1;
	for (size_t i = 2; i < s.n; i++, scale /= 10) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v += (s.p[i] - '0') * scale;
	}
	if (v > 1000)
		return -1;
	*q = v;
	return 0;
}

/* ---- Escapes and quoted strings --------------------------------------- */

/* Whether s[0..n) is made of class cls and well-formed %HH escapes. */
static bool escaped_run_ok(const char *s, size_t n, unsigned cls)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return false;
			i += 2;
		} else if (!is(s[i], cls)) {
			return false;
		}
	}
	return true;
}

long sip_unescape(struct sip_str in, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < in.n; i++) {
		int c = (unsigned char)in.p[i];
		if (c == '%') {
			if (i + 2 >= in.n || hexval(in.p[i + 1]) < 0 || hexval(in.p[i + 2]) < 0)
				return -1;
			c = hexval(in.p[i + 1]) * 16 + hexval(in.p[i + 2]);
			i += 2;
		}
		if (o + 1 > outsz)
			return -1;
		out[o++] = (char)c;
	}
	if (o < outsz)
		out[o] = '\0';
	return (long)o;
}

/* Compare an escaped slice with a plain lower/upper-case-insensitive literal. */
static bool escaped_ieq(struct sip_str s, const char *lit)
{
	size_t i = 0;
	for (; i < s.n; i++, lit++) {
		int c = (unsigned char)s.p[i];
		if (c == '%' && i + 2 < s.n && hexval(s.p[i + 1]) >= 0 && hexval(s.p[i + 2]) >= 0) {
			c = hexval(s.p[i + 1]) * 16 + hexval(s.p[i + 2]);
			i += 2;
		}
		if (!*lit || lower(c) != lower((unsigned char)*lit))
			return false;
	}
	return *lit == '\0';
}

/*
 * The end of the quoted-string starting at p (which is '"'), or NULL when
 * unterminated or holding a control character. quoted-pair may escape any
 * octet up to 0x7f but CR and LF (RFC 4475 intmeth escapes NUL, BEL, DEL).
 */
static const char *quoted_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			if (++p == end || (unsigned char)*p > 0x7f || *p == '\r' || *p == '\n')
				return NULL;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			return NULL;
		}
	}
	return NULL;
}

long sip_unquote(struct sip_str q, char *out, size_t outsz)
{
	if (q.n == 0 || q.p[0] != '"') {
		if (q.n + 1 > outsz)
			return -1;
		if (q.n)
			memcpy(out, q.p, q.n);
		out[q.n] = '\0';
		return (long)q.n;
	}
	if (quoted_end(q.p, q.p + q.n) != q.p + q.n)
		return -1;
	size_t o = 0;
	for (size_t i = 1; i + 1 < q.n; i++) {
		if (q.p[i] == '\\')
			i++;
		if (o + 1 > outsz)
			return -1;
		out[o++] = q.p[i];
	}
	if (o < outsz)
		out[o] = '\0';
	return (long)o;
}

/* ---- URIs ------------------------------------------------------------- */

static int uri_bad(struct ucsh_err *err, const char *what)
{
	err_set(err, "%s", what);
	return -1;
}

static bool ipv4_ok(const char *s, size_t n)
{
	char tmp[16];
	struct in_addr a;
	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET, tmp, &a) == 1;
}

static bool ipv6_ok(const char *s, size_t n)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;
	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, &a) == 1;
}

/* hostname = *( domainlabel "." ) toplabel [ "." ], or an IPv4 address. */
static bool host_ok(const char *s, size_t n, bool *ipv4)
{
	*ipv4 = false;
	if (n == 0 || n > SIP_MAX_HOST)
		return false;
	size_t i = 0;
	while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
		i++;
	if (i == n)
		return (*ipv4 = ipv4_ok(s, n));
	const char *top = NULL;
	for (size_t ls = 0; ls < n;) {
		size_t le = ls;
		while (le < n && s[le] != '.')
			le++;
		if (le == ls || s[ls] == '-' || s[le - 1] == '-')
			return false;
		for (size_t k = ls; k < le; k++)
			if (!is(s[k], C_ALNUM) && s[k] != '-')
				return false;
		top = s + ls;
		ls = le + 1;
	}
	return top && ((*top | 0x20) >= 'a' && (*top | 0x20) <= 'z');
}

/* host [ ":" port ] at *pp; leaves *pp after it. */
static int parse_hostport(struct sip_uri *u, const char **pp, const char *end,
			  struct ucsh_err *err)
{
	const char *p = *pp, *q;
	if (p < end && *p == '[') {
		q = memchr(p, ']', (size_t)(end - p));
		if (!q || !ipv6_ok(p + 1, (size_t)(q - p - 1)))
			return uri_bad(err, "Malformed IPv6 reference in URI");
		u->host = slice(p + 1, q);
		u->host_ipv6 = true;
		q++;
	} else {
		q = skip_class(p, end, C_HOST);
		if (!host_ok(p, (size_t)(q - p), &u->host_ipv4))
			return uri_bad(err, "Malformed host in URI");
		u->host = slice(p, q);
	}
	if (q < end && *q == ':') {
		const char *ds = ++q;
		uint64_t port;
		q = skip_class(q, end, C_ALNUM);
		if (parse_uint(slice(ds, q), 65535, &port) != 0 || port == 0)
			return uri_bad(err, "Malformed port in URI");
		u->port = (uint16_t)port;
	}
	*pp = q;
	return 0;
}

/* *( ";" pname [ "=" pvalue ] ) over s[0..n) without the leading ';'. */
static bool uri_params_ok(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	while (p <= end) {
		const char *e = memchr(p, ';', (size_t)(end - p));
		if (!e)
			e = end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		const char *ne = eq ? eq : e;
		if (ne == p || !escaped_run_ok(p, (size_t)(ne - p), C_ALNUM | C_MARK | C_PARAM))
			return false;
		if (eq && (e == eq + 1 ||
			   !escaped_run_ok(eq + 1, (size_t)(e - eq - 1), C_ALNUM | C_MARK | C_PARAM)))
			return false;
		p = e + 1;
	}
	return true;
}

/* hname "=" hvalue *( "&" hname "=" hvalue ) */
static bool uri_headers_ok(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	while (p <= end) {
		const char *e = memchr(p, '&', (size_t)(end - p));
		if (!e)
			e = end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		if (!eq || eq == p ||
		    !escaped_run_ok(p, (size_t)(eq - p), C_ALNUM | C_MARK | C_HNV) ||
		    !escaped_run_ok(eq + 1, (size_t)(e - eq - 1), C_ALNUM | C_MARK | C_HNV))
			return false;
		p = e + 1;
	}
	return true;
}

/* The part of a SIP URI after "sip:". userinfo ends at the only '@': no
 * later part of the grammar may hold one unescaped. */
static int parse_sip_rest(struct sip_uri *u, const char *p, const char *end,
			  struct ucsh_err *err)
{
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *ue = colon ? colon : at;
		if (ue == p || !escaped_run_ok(p, (size_t)(ue - p), C_ALNUM | C_MARK | C_USER))
			return uri_bad(err, "Malformed user in URI");
		if (colon && !escaped_run_ok(colon + 1, (size_t)(at - colon - 1),
					     C_ALNUM | C_MARK | C_PASS))
			return uri_bad(err, "Malformed password in URI");
		u->user = slice(p, ue);
		u->has_user = true;
		if (colon) {
			u->password = slice(colon + 1, at);
			u->has_password = true;
		}
		p = at + 1;
	}
	if (parse_hostport(u, &p, end, err) < 0)
		return -1;
	if (p < end && *p == ';') {
		const char *q = memchr(p, '?', (size_t)(end - p));
		q = q ? q : end;
		if (!uri_params_ok(p + 1, (size_t)(q - p - 1)))
			return uri_bad(err, "Malformed URI parameter");
		u->params = slice(p + 1, q);
		p = q;
	}
	if (p < end && *p == '?') {
		if (!uri_headers_ok(p + 1, (size_t)(end - p - 1)))
			return uri_bad(err, "Malformed URI headers");
		u->headers = slice(p + 1, end);
		p = end;
	}
	return p == end ? 0 : uri_bad(err, "Malformed URI");
}

/* tel: (RFC 3966) subscriber digits with visual separators, then params. */
static int parse_tel_rest(struct sip_uri *u, const char *p, const char *end,
			  struct ucsh_err *err)
{
	const char *q = p;
	if (q < end && *q == '+')
		q++;
	q = skip_class(q, end, C_TEL);
	if (q == p || (q == p + 1 && *p == '+'))
		return uri_bad(err, "Malformed tel URI");
	u->user = slice(p, q);
	u->has_user = true;
	if (q < end && *q == ';') {
		if (!uri_params_ok(q + 1, (size_t)(end - q - 1)))
			return uri_bad(err, "Malformed URI parameter");
		u->params = slice(q + 1, end);
		q = end;
	}
	return q == end ? 0 : uri_bad(err, "Malformed tel URI");
}

int sip_uri_parse(struct sip_uri *u, const char *s, size_t n, struct ucsh_err *err)
{
	memset(u, 0, sizeof(*u));
	if (n == 0)
		return uri_bad(err, "Empty URI");
	if (n > SIP_MAX_URI)
		return uri_bad(err, "URI too long");
	u->raw = (struct sip_str){ s, n };
	const char *end = s + n, *p = skip_class(s, end, C_SCHEME);
	if (!is(s[0], C_ALNUM) || (s[0] >= '0' && s[0] <= '9') || p == end || *p != ':')
		return uri_bad(err, "Malformed URI scheme");
	u->scheme_name = slice(s, p);
	p++;
	if (sip_str_ieq(u->scheme_name, "sip") || sip_str_ieq(u->scheme_name, "sips")) {
		u->scheme = u->scheme_name.n == 3 ? SIP_SCHEME_SIP : SIP_SCHEME_SIPS;
		return parse_sip_rest(u, p, end, err);
	}
	if (sip_str_ieq(u->scheme_name, "tel")) {
		u->scheme = SIP_SCHEME_TEL;
		return parse_tel_rest(u, p, end, err);
	}
	u->scheme = SIP_SCHEME_OTHER;
	u->opaque = slice(p, end);
	if (p == end || !escaped_run_ok(p, (size_t)(end - p), C_ALNUM | C_MARK | C_URIC))
		return uri_bad(err, "Malformed URI");
	return 0;
}

bool sip_uri_param(const struct sip_uri *u, const char *name, struct sip_str *value)
{
	if (!u->params.p || u->params.n == 0)
		return false;
	const char *p = u->params.p, *end = p + u->params.n;
	while (p <= end) {
		const char *e = memchr(p, ';', (size_t)(end - p));
		if (!e)
			e = end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		if (escaped_ieq(slice(p, eq ? eq : e), name)) {
			if (value)
				*value = eq ? slice(eq + 1, e) : (struct sip_str){ e, 0 };
			return true;
		}
		p = e + 1;
	}
	return false;
}

/* ---- Header parameters ------------------------------------------------ */

/*
 * One generic-param ( SEMI token [ EQUAL gen-value ] ) from *pp, where SEMI
 * and EQUAL allow whitespace around them (folding is spaces by now).
 * gen-value = token / host / quoted-string. 1 with name and value (n = 0
 * when valueless), 0 at the end, -1 on bad syntax.
 */
static int hparam_next(const char **pp, const char *end, struct sip_str *name,
		       struct sip_str *value)
{
	const char *p = skip_wsp(*pp, end);
	if (p == end)
		return 0;
	if (*p != ';')
		return -1;
	p = skip_wsp(p + 1, end);
	const char *ns = p;
	p = skip_class(p, end, C_TOKEN);
	if (p == ns)
		return -1;
	*name = slice(ns, p);
	*value = (struct sip_str){ p, 0 };
	const char *q = skip_wsp(p, end);
	if (q < end && *q == '=') {
		q = skip_wsp(q + 1, end);
		const char *vs = q;
		if (q < end && *q == '"') {
			q = quoted_end(q, end);
			if (!q)
				return -1;
		} else {
			while (q < end && (is(*q, C_TOKEN) || *q == ':' || *q == '[' || *q == ']'))
				q++;
		}
		if (q == vs)
			return -1;
		*value = slice(vs, q);
		p = q;
	}
	*pp = p;
	return 1;
}

bool sip_param_get(struct sip_str params, const char *name, struct sip_str *value)
{
	struct sip_str n, v;
	if (!params.p)
		return false;
	const char *p = params.p, *end = params.p + params.n;
	while (hparam_next(&p, end, &n, &v) == 1)
		if (sip_str_ieq(n, name)) {
			if (value)
				*value = v;
			return true;
		}
	return false;
}

/* ---- From, To, Contact ------------------------------------------------ */

/* The display name and the URI's extent; leaves *pp after the URI. */
static int parse_addr_uri(struct sip_addr *a, const char **pp, const char *end,
			  struct sip_str *uri, const char *hname, struct ucsh_err *err)
{
	const char *p = *pp, *q;
	if (*p == '"') {
		q = quoted_end(p, end);
		if (!q)
			return badf(err, "Unterminated quoted string in %s", hname);
		a->display = slice(p, q);
		p = skip_wsp(q, end);
		if (p == end || *p != '<')
			return badf(err, "Malformed %s", hname);
	} else {
		/* *(token LWS) before '<', or the scheme of an addr-spec; RFC 4475
		 * lwsdisp has no LWS before '<' and is valid. */
		q = p;
		while (q < end && is(*q, C_TOKEN | C_WSP))
			q++;
		if (q < end && *q == '<') {
			a->display = trim(p, q);
			p = q;
		} else if (q == end || *q != ':') {
			return badf(err, "Invalid display name in %s", hname);
		}
	}
	if (*p == '<') {
		q = memchr(p, '>', (size_t)(end - p));
		if (!q)
			return badf(err, "Unterminated <> in %s", hname);
		a->angle = true;
		*uri = slice(p + 1, q);
		*pp = q + 1;
		return 0;
	}
	/* addr-spec: its parameters belong to the header (RFC 3261 20), and a
	 * URI with ',', '?' or ';' must have been in <> (RFC 4475 regbadct). */
	q = p;
	while (q < end && *q != ';' && *q != ' ' && *q != '\t')
		q++;
	*uri = slice(p, q);
	if (memchr(p, '?', (size_t)(q - p)) || memchr(p, ',', (size_t)(q - p)))
		return badf(err, "URI with headers not enclosed in <> in %s", hname);
	*pp = q;
	return 0;
}

static int parse_addr(struct sip_addr *a, struct sip_str v, const char *hname,
		      struct ucsh_err *err)
{
	const char *p = v.p, *end = v.p + v.n;
	struct sip_str uri = { NULL, 0 }, n, val;
	struct ucsh_err uerr;
	int rc;
	memset(a, 0, sizeof(*a));
	if (v.n == 0)
		return badf(err, "Empty %s", hname);
	if ((rc = parse_addr_uri(a, &p, end, &uri, hname, err)) != 0)
		return rc;
	if (sip_uri_parse(&a->uri, uri.p, uri.n, &uerr) < 0)
		return badf(err, "Malformed URI in %s", hname);
	p = skip_wsp(p, end);
	a->params = slice(p, end);
	while ((rc = hparam_next(&p, end, &n, &val)) == 1) {
		if (sip_str_ieq(n, "tag")) {
			if (a->has_tag || val.n == 0 || val.p[0] == '"')
				return badf(err, "Malformed tag in %s", hname);
			a->tag = val;
			a->has_tag = true;
		}
	}
	return rc < 0 ? badf(err, "Malformed parameters in %s", hname) : 0;
}

static int parse_contact(struct sip_contact *c, struct sip_str v, struct ucsh_err *err)
{
	struct sip_str val;
	uint64_t e;
	int rc = parse_addr(&c->addr, v, "Contact", err);
	if (rc)
		return rc;
	c->expires = -1;
	c->q = -1;
	if (sip_param_get(c->addr.params, "expires", &val)) {
		/* RFC 3261 20.19 / RFC 4475 scalar02: malformed means 3600 */
		if (parse_uint(val, UINT32_MAX, &e) == 0) {
			c->expires = (long)e;
		} else {
			c->expires = SIP_EXPIRES_DEFAULT;
			c->expires_malformed = true;
		}
	}
	if (sip_param_get(c->addr.params, "q", &val) && parse_qvalue(val, &c->q) < 0)
		return bad(err, "Invalid q in Contact");
	return 0;
}

/* ---- Via -------------------------------------------------------------- */

/* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
static int parse_via_protocol(struct sip_via *v, const char **pp, const char *end)
{
	const char *p = *pp, *s;
	struct sip_str part[3];
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			p = skip_wsp(p, end);
			if (p == end || *p != '/')
				return -1;
			p = skip_wsp(p + 1, end);
		}
		s = p;
		p = skip_class(p, end, C_TOKEN);
		if (p == s)
			return -1;
		part[i] = slice(s, p);
	}
	if (!sip_str_ieq(part[0], "SIP") || !sip_str_eq(part[1], "2.0"))
		return -1;
	v->transport = part[2];
	*pp = p;
	return 0;
}

static int parse_via_sent_by(struct sip_via *v, const char **pp, const char *end)
{
	const char *p = *pp, *s = p, *q;
	bool ipv4;
	if (p < end && *p == '[') {
		q = memchr(p, ']', (size_t)(end - p));
		if (!q || !ipv6_ok(p + 1, (size_t)(q - p - 1)))
			return -1;
		v->host = slice(p + 1, q);
		v->host_ipv6 = true;
		p = q + 1;
	} else {
		p = skip_class(p, end, C_HOST);
		if (!host_ok(s, (size_t)(p - s), &ipv4))
			return -1;
		v->host = slice(s, p);
	}
	q = skip_wsp(p, end);
	if (q < end && *q == ':') {
		uint64_t port;
		const char *ds = skip_wsp(q + 1, end);
		p = skip_class(ds, end, C_ALNUM);
		if (parse_uint(slice(ds, p), 65535, &port) != 0 || port == 0)
			return -1;
		v->port = (uint16_t)port;
	}
	v->sent_by = slice(s, p);
	*pp = p;
	return 0;
}

static int via_param(struct sip_via *v, struct sip_str n, struct sip_str val)
{
	uint64_t port;
	bool ipv4;
	if (sip_str_ieq(n, "branch")) {
		if (v->has_branch || val.n == 0 || val.p[0] == '"')
			return -1;
		v->branch = val;
		v->has_branch = true;
	} else if (sip_str_ieq(n, "received")) {
		if (v->has_received || val.n == 0 ||
		    !(ipv6_ok(val.p, val.n) || host_ok(val.p, val.n, &ipv4)))
			return -1;
		v->received = val;
		v->has_received = true;
	} else if (sip_str_ieq(n, "rport")) {
		if (v->has_rport || (val.n && (parse_uint(val, 65535, &port) != 0 || port == 0)))
			return -1;
		v->rport = val.n ? (long)port : -1;
		v->has_rport = true;
	} else if (sip_str_ieq(n, "maddr")) {
		v->maddr = val;
	}
	return 0;
}

static int parse_via(struct sip_via *v, struct sip_str s, struct ucsh_err *err)
{
	const char *p = s.p, *end = s.p + s.n;
	struct sip_str n, val;
	int rc;
	memset(v, 0, sizeof(*v));
	v->raw = s;
	v->rport = -1;
	if (parse_via_protocol(v, &p, end) < 0)
		return bad(err, "Malformed Via protocol");
	if (p == end || (*p != ' ' && *p != '\t'))
		return bad(err, "Malformed Via");
	p = skip_wsp(p, end);
	if (parse_via_sent_by(v, &p, end) < 0)
		return bad(err, "Malformed Via sent-by");
	p = skip_wsp(p, end);
	v->params = slice(p, end);
	while ((rc = hparam_next(&p, end, &n, &val)) == 1)
		if (via_param(v, n, val) < 0)
			return bad(err, "Malformed Via parameter");
	return rc < 0 ? bad(err, "Malformed Via parameters") : 0;
}

bool sip_via_branch_is_rfc3261(const struct sip_via *v)
{
	return v->has_branch && v->branch.n > 7 && memcmp(v->branch.p, "z9hG4bK", 7) == 0;
}

/* ---- Pass 1: start line and header structure ---------------------------- */

/* The first "\r\n\r\n" in p[0..n): memchr is much faster than glibc's
 * memmem for this short needle. */
static const char *find_eoh(const char *p, size_t n)
{
	const char *end = p + n;
	while (end - p >= 4) {
		const char *cr = memchr(p, '\r', (size_t)(end - p) - 3);
		if (!cr)
			return NULL;
		if (cr[1] == '\n' && cr[2] == '\r' && cr[3] == '\n')
			return cr;
		p = cr + 1;
	}
	return NULL;
}

struct sip_msg *sip_msg_new(void)
{
	return xcalloc(1, sizeof(struct sip_msg));
}

void sip_msg_free(struct sip_msg *m)
{
	if (!m)
		return;
	free(m->buf);
	free(m);
}

static bool all_digits(const char *p, const char *end)
{
	if (p == end)
		return false;
	for (; p < end; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* "SIP/2.0" (case-insensitive): 0; another SIP/x.y: 505; else 400. */
static int check_version(struct sip_str v, struct ucsh_err *err)
{
	if (sip_str_ieq(v, "SIP/2.0"))
		return 0;
	if (v.n > 4 && strncasecmp(v.p, "SIP/", 4) == 0) {
		const char *p = v.p + 4, *end = v.p + v.n;
		const char *dot = memchr(p, '.', (size_t)(end - p));
		if (dot && all_digits(p, dot) && all_digits(dot + 1, end)) {
			err_set(err, "Version Not Supported");
			return 505;
		}
	}
	return bad(err, "Malformed SIP version");
}

/* Request-Line = Method SP Request-URI SP SIP-Version: single spaces only
 * (RFC 4475 lwsstart, trws and lwsruri are all refused here). */
static int parse_request_line(struct sip_msg *m, const char *p, const char *end,
			      struct ucsh_err *err)
{
	const char *sp1 = skip_class(p, end, C_TOKEN);
	struct ucsh_err uerr;
	if (sp1 == p || sp1 == end || *sp1 != ' ')
		return bad(err, "Malformed Request-Line");
	m->is_request = true;
	m->method_name = slice(p, sp1);
	m->method = method_lookup(m->method_name);
	const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || memchr(sp2 + 1, ' ', (size_t)(end - sp2 - 1)) ||
	    memchr(sp1 + 1, '\t', (size_t)(end - sp1 - 1)))
		return bad(err, "Malformed Request-Line");
	m->ruri_text = slice(sp1 + 1, sp2);
	int rc = check_version(slice(sp2 + 1, end), err);
	if (rc)
		return rc;
	if (sip_uri_parse(&m->ruri, m->ruri_text.p, m->ruri_text.n, &uerr) < 0)
		return bad(err, "Malformed Request-URI");
	/* RFC 3261 19.1.1: no headers in a Request-URI (RFC 4475 escruri) */
	if (m->ruri.headers.p && m->ruri.scheme != SIP_SCHEME_OTHER)
		return bad(err, "Request-URI with headers");
	return 0;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
static int parse_status_line(struct sip_msg *m, const char *p, const char *end,
			     struct ucsh_err *err)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	uint64_t code;
	if (!sp || !sip_str_ieq(slice(p, sp), "SIP/2.0"))
		return bad(err, "Malformed Status-Line");
	const char *cs = sp + 1, *ce = cs;
	while (ce < end && *ce != ' ')
		ce++;
	if (ce - cs != 3 || parse_uint(slice(cs, ce), 699, &code) != 0 || code < 100)
		return bad(err, "Malformed status code");
	m->status = (int)code;
	if (ce < end)
		ce++;
	for (const char *r = ce; r < end; r++)
		if (((unsigned char)*r < 0x20 && *r != '\t') || *r == 0x7f)
			return bad(err, "Malformed reason phrase");
	m->reason = slice(ce, end);
	return 0;
}

static int add_field(struct sip_msg *m, enum sip_hdr id, struct sip_str name, struct sip_str v,
		     struct ucsh_err *err)
{
	if (m->nhdr == SIP_MAX_FIELDS)
		return bad(err, "Too many headers");
	m->hdr[m->nhdr++] = (struct sip_header){ id, name, v };
	return 0;
}

/*
 * Split a #() list at commas outside quoted strings and <...>. Empty
 * elements are an error in the lists this module parses, noise elsewhere.
 */
static int split_list(struct sip_msg *m, enum sip_hdr id, struct sip_str name, struct sip_str v,
		      struct ucsh_err *err)
{
	const char *p = v.p, *end = v.p + v.n, *start = p;
	size_t before = m->nhdr;
	bool angle = false;
	for (; p <= end; p++) {
		p = skip_until_split(p, end);
		if (p < end && *p == '"' && !angle) {
			const char *q = quoted_end(p, end);
			if (!q)
				return badf(err, "Unterminated quoted string in %s", hdr_defs[id].name);
			p = q - 1;
		} else if (p < end && (*p == '<' || *p == '>')) {
			angle = *p == '<';
		} else if (p == end || (*p == ',' && !angle)) {
			struct sip_str e = trim(start, p);
			if (e.n == 0 && hdr_is_typed_list(id))
				return badf(err, "Empty element in %s", hdr_defs[id].name);
			if (e.n && add_field(m, id, name, e, err))
				return 400;
			start = p + 1;
		}
	}
	/* "Supported:" with nothing is a legal empty list: keep it visible */
	return m->nhdr == before ? add_field(m, id, name, v, err) : 0;
}

/* One unfolded header line [p, end). */
static int parse_header_line(struct sip_msg *m, const char *p, const char *end,
			     struct ucsh_err *err)
{
	const char *ne = skip_class(p, end, C_TOKEN);
	const char *colon = skip_wsp(ne, end);
	if (ne == p || colon == end || *colon != ':')
		return bad(err, "Malformed header");
	if (end - p > SIP_MAX_LINE)
		return bad(err, "Header too long");
	enum sip_hdr id = sip_hdr_lookup(p, (size_t)(ne - p));
	struct sip_str name = slice(p, ne);
	if (id != SIP_H_OTHER)
		name = (struct sip_str){ hdr_defs[id].name, hdr_defs[id].len };
	struct sip_str v = trim(colon + 1, end);
	if (id != SIP_H_OTHER && hdr_defs[id].list)
		return split_list(m, id, name, v, err);
	return add_field(m, id, name, v, err);
}

/*
 * The header lines between hs and he (he: just past the last line's CRLF).
 * Folding (CRLF followed by SP or HT) becomes two spaces in place, which
 * RFC 3261 7.3.1 allows, and keeps every slice's offsets. A CR or LF
 * outside a CRLF pair is refused.
 */
static int split_headers(struct sip_msg *m, char *hs, char *he, struct ucsh_err *err)
{
	size_t lines = 0;
	char *ls = hs, *p = hs;
	while (p < he) {
		char *cr = memchr(p, '\r', (size_t)(he - p));
		if (!cr || cr + 1 >= he || cr[1] != '\n' || memchr(p, '\n', (size_t)(cr - p)))
			return bad(err, "Bare CR or LF in headers");
		if (cr + 2 < he && (cr[2] == ' ' || cr[2] == '\t')) {
			cr[0] = cr[1] = ' ';
			p = cr + 2;
			continue;
		}
		if (++lines > SIP_MAX_HEADER_LINES)
			return bad(err, "Too many headers");
		int rc = parse_header_line(m, ls, cr, err);
		if (rc)
			return rc;
		ls = p = cr + 2;
	}
	return 0;
}

static void msg_reset(struct sip_msg *m)
{
	/* the arrays are only read up to their counts: no need to clear them */
	memset(m, 0, offsetof(struct sip_msg, hdr));
	m->max_forwards = -1;
	m->expires = -1;
	m->content_length = -1;
}

static void msg_copy(struct sip_msg *m, const void *data, size_t len)
{
	if (m->cap < len + 1) {
		size_t cap = m->cap ? m->cap : 1024;
		while (cap < len + 1)
			cap *= 2;
		free(m->buf);
		m->buf = xmalloc(cap);
		m->cap = cap;
	}
	memcpy(m->buf, data, len);
	m->buf[len] = '\0';
	m->len = len;
}

/* Pass 1 over m->buf: returns the status, *body_at the offset of the body. */
static int parse_structure(struct sip_msg *m, size_t *body_at, struct ucsh_err *err)
{
	char *s = m->buf, *end = m->buf + m->len;
	/* CRLF before the start line is ignored (RFC 3261 7.5) */
	while (end - s >= 2 && s[0] == '\r' && s[1] == '\n')
		s += 2;
	char *eoh = (char *)find_eoh(s, (size_t)(end - s));
	if (!eoh)
		return bad(err, "Incomplete header section");
	char *sl_end = memchr(s, '\r', (size_t)(eoh + 2 - s));
	if (memchr(s, '\n', (size_t)(sl_end - s)))
		return bad(err, "Bare LF in start line");
	*body_at = (size_t)(eoh + 4 - m->buf);
	int line_rc;
	if (end - s > 4 && strncasecmp(s, "SIP/", 4) == 0)
		line_rc = parse_status_line(m, s, sl_end, err);
	else
		line_rc = parse_request_line(m, s, sl_end, err);
	/* headers even after a bad start line, so that it can be answered */
	struct ucsh_err herr;
	int rc = split_headers(m, sl_end + 2, eoh + 2, line_rc ? &herr : err);
	return line_rc ? line_rc : rc;
}

/* ---- Pass 2: typed headers ---------------------------------------------- */

/* Parse a single-valued header once: a second one is an error (RFC 4475
 * multi01). *seen is set only when the value parsed. */
static int once(bool *seen, int rc)
{
	if (rc == 0)
		*seen = true;
	return rc;
}

static int dup_check(bool seen, const char *hname, struct ucsh_err *err)
{
	return seen ? badf(err, "Multiple %s headers", hname) : 0;
}

/* callid = word [ "@" word ] */
static int parse_call_id(struct sip_msg *m, struct sip_str v, struct ucsh_err *err)
{
	const char *at = memchr(v.p, '@', v.n), *end = v.p + v.n;
	const char *e1 = at ? at : end;
	if (v.n == 0 || skip_class(v.p, e1, C_WORD) != e1 || e1 == v.p ||
	    (at && (at + 1 == end || skip_class(at + 1, end, C_WORD) != end)))
		return bad(err, "Malformed Call-ID");
	m->call_id = v;
	return 0;
}

/* CSeq = 1*DIGIT LWS Method, the number below 2**31 (RFC 4475 scalar02) */
static int parse_cseq(struct sip_msg *m, struct sip_str v, struct ucsh_err *err)
{
	const char *end = v.p + v.n, *d = skip_class(v.p, end, C_HEX);
	const char *ms = skip_wsp(d, end);
	uint64_t n;
	int rc = parse_uint(slice(v.p, d), SIP_CSEQ_MAX, &n);
	if (rc < 0 || ms == d || ms == end || skip_class(ms, end, C_TOKEN) != end)
		return bad(err, "Malformed CSeq");
	if (rc > 0)
		return bad(err, "CSeq out of range");
	m->cseq = (uint32_t)n;
	m->cseq_method_name = slice(ms, end);
	m->cseq_method = method_lookup(m->cseq_method_name);
	return 0;
}

static int parse_number_hdr(struct sip_msg *m, const struct sip_header *h,
			    struct ucsh_err *err)
{
	uint64_t n;
	int rc;
	switch (h->id) {
	case SIP_H_MAX_FORWARDS:
		if ((rc = parse_uint(h->value, 255, &n)) != 0)
			return bad(err, rc < 0 ? "Malformed Max-Forwards" : "Max-Forwards out of range");
		m->max_forwards = (int)n;
		return 0;
	case SIP_H_CONTENT_LENGTH:
		if ((rc = parse_uint(h->value, SIP_MAX_MSG, &n)) != 0)
			return bad(err, rc < 0 ? "Malformed Content-Length" : "Content-Length too large");
		m->content_length = (long)n;
		return 0;
	default: /* SIP_H_EXPIRES: malformed means 3600 (RFC 3261 20.19) */
		if (parse_uint(h->value, UINT32_MAX, &n) == 0) {
			m->expires = (long)n;
		} else {
			m->expires = SIP_EXPIRES_DEFAULT;
			m->expires_malformed = true;
		}
		return 0;
	}
}

static int parse_contact_value(struct sip_msg *m, struct sip_str v, struct ucsh_err *err)
{
	if (sip_str_eq(v, "*")) {
		if (m->contact_star || m->ncontact)
			return bad(err, "Contact * with other contacts");
		m->contact_star = true;
		return 0;
	}
	if (m->contact_star)
		return bad(err, "Contact * with other contacts");
	if (m->ncontact == SIP_MAX_CONTACT)
		return bad(err, "Too many Contact values");
	int rc = parse_contact(&m->contact[m->ncontact], v, err);
	if (rc == 0)
		m->ncontact++;
	return rc;
}

static int parse_typed(struct sip_msg *m, const struct sip_header *h, struct ucsh_err *err)
{
	bool seen;
	int rc;
	switch (h->id) {
	case SIP_H_VIA:
		if (m->nvia == SIP_MAX_VIA)
			return bad(err, "Too many Via values");
		if ((rc = parse_via(&m->via[m->nvia], h->value, err)) == 0)
			m->nvia++;
		return rc;
	case SIP_H_CONTACT:
		return parse_contact_value(m, h->value, err);
	case SIP_H_FROM:
		if ((rc = dup_check(m->has_from, "From", err)) != 0)
			return rc;
		return once(&m->has_from, parse_addr(&m->from, h->value, "From", err));
	case SIP_H_TO:
		if ((rc = dup_check(m->has_to, "To", err)) != 0)
			return rc;
		return once(&m->has_to, parse_addr(&m->to, h->value, "To", err));
	case SIP_H_CALL_ID:
		if ((rc = dup_check(m->has_call_id, "Call-ID", err)) != 0)
			return rc;
		return once(&m->has_call_id, parse_call_id(m, h->value, err));
	case SIP_H_CSEQ:
		if ((rc = dup_check(m->has_cseq, "CSeq", err)) != 0)
			return rc;
		return once(&m->has_cseq, parse_cseq(m, h->value, err));
	case SIP_H_MAX_FORWARDS:
	case SIP_H_CONTENT_LENGTH:
	case SIP_H_EXPIRES:
		seen = (h->id == SIP_H_MAX_FORWARDS ? m->max_forwards :
			h->id == SIP_H_EXPIRES ? m->expires : m->content_length) >= 0;
		if (seen)
			return badf(err, "Multiple %s headers", hdr_defs[h->id].name);
		return parse_number_hdr(m, h, err);
	case SIP_H_USER_AGENT:
		if (!m->user_agent.p)
			m->user_agent = h->value;
		return 0;
	default:
		return 0;
	}
}

/* ---- Pass 3: rules ------------------------------------------------------ */

static int check_rules(struct sip_msg *m, struct ucsh_err *err)
{
	static const struct {
		enum sip_hdr id;
		const char *what;
	} required[] = {
		{ SIP_H_TO, "Missing To header" },       { SIP_H_FROM, "Missing From header" },
		{ SIP_H_CALL_ID, "Missing Call-ID header" }, { SIP_H_CSEQ, "Missing CSeq header" },
		{ SIP_H_VIA, "Missing Via header" },
	};
	for (size_t i = 0; i < UCSH_ARRAY_LEN(required); i++)
		if (!sip_msg_header(m, required[i].id, 0))
			return bad(err, required[i].what);
	if (m->is_request &&
	    !(m->cseq_method_name.n == m->method_name.n &&
	      memcmp(m->cseq_method_name.p, m->method_name.p, m->method_name.n) == 0)) {
		/* RFC 4475 mismatch02: 501 for a method we do not know */
		if (m->method == SIP_METHOD_OTHER) {
			err_set(err, "Not Implemented");
			return 501;
		}
		return bad(err, "CSeq method does not match the request");
	}
	return 0;
}

/* The body: Content-Length octets after the blank line. A datagram may lack
 * Content-Length (the rest is the body) or carry octets after the body
 * (ignored: RFC 3261 18.3, RFC 4475 dblreq); a stream must have it. */
static int take_body(struct sip_msg *m, size_t body_at, enum sip_framing framing,
		     struct ucsh_err *err)
{
	size_t avail = m->len - body_at;
	if (m->content_length < 0) {
		if (framing == SIP_STREAM)
			return bad(err, "Missing Content-Length");
		m->body = (struct sip_str){ m->buf + body_at, avail };
		return 0;
	}
	if ((size_t)m->content_length > avail)
		return bad(err, "Content-Length larger than message");
	m->body = (struct sip_str){ m->buf + body_at, (size_t)m->content_length };
	return 0;
}

/* After a failure: the top Via and the To, if they parse on their own, so
 * that the error response still reaches a client behind NAT (rport) and
 * carries a To tag. */
static void salvage(struct sip_msg *m)
{
	const struct sip_header *h;
	struct ucsh_err ignored;
	if (m->nvia == 0 && (h = sip_msg_header(m, SIP_H_VIA, 0)) &&
	    parse_via(&m->via[0], h->value, &ignored) == 0)
		m->nvia = 1;
	if (!m->has_to && (h = sip_msg_header(m, SIP_H_TO, 0)) &&
	    parse_addr(&m->to, h->value, "To", &ignored) == 0)
		m->has_to = true;
}

static int parse_all(struct sip_msg *m, enum sip_framing framing, struct ucsh_err *err)
{
	size_t body_at = 0;
	int rc;
	if ((rc = parse_structure(m, &body_at, err)) != 0)
		return rc;
	for (size_t i = 0; i < m->nhdr; i++)
		if ((rc = parse_typed(m, &m->hdr[i], err)) != 0)
			return rc;
	if ((rc = check_rules(m, err)) != 0)
		return rc;
	return take_body(m, body_at, framing, err);
}

int sip_msg_parse(struct sip_msg *m, const void *data, size_t len, enum sip_framing framing,
		  struct ucsh_err *err)
{
	msg_reset(m);
	m->len = 0;
	if (len > SIP_MAX_MSG) {
		err_set(err, "Message Too Large");
		return 513;
	}
	msg_copy(m, data, len);
	int rc = parse_all(m, framing, err);
	if (rc)
		salvage(m);
	return rc;
}

/* ---- Accessors and checks ----------------------------------------------- */

const struct sip_header *sip_msg_header(const struct sip_msg *m, enum sip_hdr id, size_t nth)
{
	for (size_t i = 0; i < m->nhdr; i++)
		if (m->hdr[i].id == id && nth-- == 0)
			return &m->hdr[i];
	return NULL;
}

size_t sip_msg_header_count(const struct sip_msg *m, enum sip_hdr id)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nhdr; i++)
		n += m->hdr[i].id == id;
	return n;
}

bool sip_msg_has_option(const struct sip_msg *m, enum sip_hdr id, const char *tag)
{
	for (size_t i = 0; i < m->nhdr; i++)
		if (m->hdr[i].id == id && sip_str_ieq(m->hdr[i].value, tag))
			return true;
	return false;
}

size_t sip_msg_unsupported(const struct sip_msg *m, const char *const *supported,
			   struct strbuf *out)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nhdr; i++) {
		const struct sip_header *h = &m->hdr[i];
		size_t k = 0;
		if (h->id != SIP_H_REQUIRE || h->value.n == 0)
			continue;
		while (supported && supported[k] && !sip_str_ieq(h->value, supported[k]))
			k++;
		if (supported && supported[k])
			continue;
		/* option-tags are tokens: safe to echo in a header */
		if (skip_class(h->value.p, h->value.p + h->value.n, C_TOKEN) !=
		    h->value.p + h->value.n)
			continue;
		if (n++)
			sb_adds(out, ", ");
		sb_add(out, h->value.p, h->value.n);
	}
	return n;
}

bool sip_msg_can_reply(const struct sip_msg *m)
{
	return m->is_request && m->method != SIP_METHOD_ACK && sip_msg_header(m, SIP_H_VIA, 0) &&
	       sip_msg_header(m, SIP_H_CALL_ID, 0) && sip_msg_header(m, SIP_H_CSEQ, 0);
}

int sip_msg_check_request(const struct sip_msg *m, struct ucsh_err *err)
{
	if (!m->is_request)
		return 0;
	if (m->ruri.scheme != SIP_SCHEME_SIP && m->ruri.scheme != SIP_SCHEME_SIPS) {
		err_set(err, "Unsupported URI Scheme");
		return 416;
	}
	/* RFC 3261 10.3 step 6: "*" only alone and with Expires: 0 */
	if (m->method == SIP_METHOD_REGISTER && m->contact_star && m->expires != 0)
		return bad(err, "Contact * requires Expires: 0");
	return 0;
}

/* ---- Stream framing ----------------------------------------------------- */

/* The value of a header field whose line starts at p, up to he; folding
 * (CRLF + WSP) counts as whitespace. */
static struct sip_str field_value(const char *p, const char *he)
{
	const char *e = p;
	for (;;) {
		const char *cr = memchr(e, '\r', (size_t)(he - e));
		if (!cr || cr + 2 >= he || (cr[2] != ' ' && cr[2] != '\t')) {
			e = cr ? cr : he;
			break;
		}
		e = cr + 2;
	}
	return slice(p, e);
}

/* Content-Length among the header lines [hs, he): length, -1 missing, -2
 * malformed or repeated (err says which). */
static long frame_content_length(const char *hs, const char *he, struct ucsh_err *err)
{
	long cl = -1;
	for (const char *p = hs; p < he;) {
		const char *ne = skip_class(p, he, C_TOKEN), *c = skip_wsp(ne, he);
		enum sip_hdr id = SIP_H_OTHER;
		if ((ne - p == 1 || ne - p == 14) && c < he && *c == ':')
			id = sip_hdr_lookup(p, (size_t)(ne - p));
		struct sip_str v = field_value(p, he);
		if (id == SIP_H_CONTENT_LENGTH) {
			const char *q = c + 1, *end = v.p + v.n, *ds;
			uint64_t n;
			while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
				q++;
			ds = q;
			q = skip_class(q, end, C_ALNUM);
			int rc = parse_uint(slice(ds, q), SIP_MAX_MSG, &n);
			while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
				q++;
			if (cl >= 0 || rc != 0 || q != end) {
				bad(err, cl >= 0 ? "Multiple Content-Length headers" :
					rc > 0 ? "Content-Length too large" : "Malformed Content-Length");
				return -2;
			}
			cl = (long)n;
		}
		p = v.p + v.n + 2;
	}
	return cl;
}

/* RFC 5626 3.5.1: "\r\n\r\n" is a ping, "\r\n" a pong. */
static enum sip_frame frame_crlf(const char *buf, size_t len, size_t *n, struct ucsh_err *err)
{
	if (len < 2)
		return SIP_FRAME_NEED_MORE;
	if (buf[1] != '\n') {
		bad(err, "Bare CR");
		return SIP_FRAME_ERROR;
	}
	if (len < 3)
		return SIP_FRAME_NEED_MORE; /* a pong, or half a ping */
	if (buf[2] != '\r') {
		*n = 2;
		return SIP_FRAME_SKIP;
	}
	if (len < 4)
		return SIP_FRAME_NEED_MORE;
	if (buf[3] != '\n') {
		bad(err, "Bare CR");
		return SIP_FRAME_ERROR;
	}
	*n = 4;
	return SIP_FRAME_PING;
}

enum sip_frame sip_stream_frame(const char *buf, size_t len, size_t *n, struct ucsh_err *err)
{
	*n = 0;
	if (len == 0 || !buf)
		return SIP_FRAME_NEED_MORE;
	if (buf[0] == '\r')
		return frame_crlf(buf, len, n, err);
	const char *eoh = find_eoh(buf, len < SIP_MAX_MSG ? len : SIP_MAX_MSG);
	if (!eoh) {
		if (len < SIP_MAX_MSG)
			return SIP_FRAME_NEED_MORE;
		err_set(err, "Message Too Large");
		return SIP_FRAME_ERROR;
	}
	/* the start line ends at the first CR, at eoh at the latest */
	const char *sl_end = memchr(buf, '\r', (size_t)(eoh - buf) + 1);
	long cl = frame_content_length(sl_end ? sl_end + 2 : eoh + 2, eoh + 2, err);
	if (cl == -2)
		return SIP_FRAME_ERROR;
	if (cl == -1) {
		bad(err, "Missing Content-Length");
		return SIP_FRAME_ERROR;
	}
	size_t total = (size_t)(eoh - buf) + 4 + (size_t)cl;
	if (total > SIP_MAX_MSG) {
		bad(err, "Content-Length too large");
		return SIP_FRAME_ERROR;
	}
	if (len < total)
		return SIP_FRAME_NEED_MORE;
	*n = total;
	return SIP_FRAME_MESSAGE;
}

/* ---- Writing ------------------------------------------------------------ */

const char *sip_status_phrase(int status)
{
	static const struct {
		int code;
		const char *phrase;
	} phrases[] = {
		{ 100, "Trying" }, { 180, "Ringing" }, { 200, "OK" }, { 202, "Accepted" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 413, "Request Entity Too Large" },
		{ 415, "Unsupported Media Type" }, { 416, "Unsupported URI Scheme" },
		{ 420, "Bad Extension" }, { 421, "Extension Required" },
		{ 423, "Interval Too Brief" }, { 480, "Temporarily Unavailable" },
		{ 481, "Call/Transaction Does Not Exist" }, { 482, "Loop Detected" },
		{ 483, "Too Many Hops" }, { 500, "Server Internal Error" }, { 501, "Not Implemented" },
		{ 503, "Service Unavailable" }, { 504, "Server Time-out" },
		{ 505, "Version Not Supported" }, { 513, "Message Too Large" },
		{ 603, "Decline" },
	};
	for (size_t i = 0; i < UCSH_ARRAY_LEN(phrases); i++)
		if (phrases[i].code == status)
			return phrases[i].phrase;
	return status < 200 ? "Trying" : status < 300 ? "OK" : status < 400 ? "Redirect" :
	       status < 500 ? "Client Error" : status < 600 ? "Server Error" : "Failure";
}

/* sb_addf costs two vsnprintf passes; replies are written often. */
static void add_uint(struct strbuf *out, unsigned long v)
{
	char d[24];
	size_t i = sizeof(d);
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	sb_add(out, d + i, sizeof(d) - i);
}

static bool has_crlf(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

/* Extra header lines: each ends in CRLF, no bare CR or LF, no blank line. */
static bool header_lines_ok(const char *s)
{
	if (!s || !*s)
		return true;
	for (const char *p = s; *p; p++) {
		if (*p == '\r' && (p[1] != '\n' || p[2] == '\r' || p == s))
			return false;
		if (*p == '\n' && (p == s || p[-1] != '\r'))
			return false;
	}
	size_t n = strlen(s);
	return n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n';
}

/* Two host texts naming the same address (IP forms compared as binary). */
static bool same_host(struct sip_str a, const char *b)
{
	char ta[INET6_ADDRSTRLEN + 1];
	unsigned char ba[16], bb[16];
	if (a.n < sizeof(ta)) {
		memcpy(ta, a.p, a.n);
		ta[a.n] = '\0';
		for (int af = AF_INET; af; af = af == AF_INET ? AF_INET6 : 0)
			if (inet_pton(af, ta, ba) == 1 && inet_pton(af, b, bb) == 1)
				return memcmp(ba, bb, af == AF_INET ? 4 : 16) == 0;
	}
	return sip_str_ieq(a, b);
}

/* The top Via with received= and rport= (RFC 3261 18.2.1, RFC 3581 4). */
static void add_top_via(struct strbuf *out, const struct sip_via *v, const struct sip_reply_opts *o)
{
	bool want_received = o && o->received && (v->has_rport || !same_host(v->host, o->received));
	const char *p = v->params.p, *end = v->params.p + v->params.n;
	struct sip_str n, val;
	sb_adds(out, "Via: SIP/2.0/");
	sb_add(out, v->transport.p, v->transport.n);
	sb_addc(out, ' ');
	sb_add(out, v->sent_by.p, v->sent_by.n);
	while (hparam_next(&p, end, &n, &val) == 1) {
		if (want_received && sip_str_ieq(n, "received"))
			continue;
		sb_addc(out, ';');
		sb_add(out, n.p, n.n);
		if (sip_str_ieq(n, "rport") && val.n == 0 && o && o->src_port) {
			sb_addc(out, '=');
			add_uint(out, o->src_port);
		} else if (val.n) {
			sb_addc(out, '=');
			sb_add(out, val.p, val.n);
		}
	}
	if (want_received) {
		sb_adds(out, ";received=");
		sb_adds(out, o->received);
	}
	sb_adds(out, "\r\n");
}

static void add_header(struct strbuf *out, const char *name, struct sip_str v)
{
	sb_adds(out, name);
	sb_adds(out, ": ");
	sb_add(out, v.p, v.n);
	sb_adds(out, "\r\n");
}

/* Via, From, To, Call-ID and CSeq as the request had them. */
static void add_dialog_headers(struct strbuf *out, const struct sip_msg *req,
			       const struct sip_reply_opts *o, int status)
{
	const struct sip_header *h;
	size_t nvia = 0;
	for (size_t i = 0; i < req->nhdr; i++) {
		if (req->hdr[i].id != SIP_H_VIA)
			continue;
		if (nvia++ == 0 && req->nvia > 0)
			add_top_via(out, &req->via[0], o);
		else
			add_header(out, "Via", req->hdr[i].value);
	}
	if ((h = sip_msg_header(req, SIP_H_FROM, 0)))
		add_header(out, "From", h->value);
	if ((h = sip_msg_header(req, SIP_H_TO, 0))) {
		sb_adds(out, "To: ");
		sb_add(out, h->value.p, h->value.n);
		if (req->has_to && !req->to.has_tag && o && o->to_tag && status > 100) {
			sb_adds(out, ";tag=");
			sb_adds(out, o->to_tag);
		}
		sb_adds(out, "\r\n");
	}
	if ((h = sip_msg_header(req, SIP_H_CALL_ID, 0)))
		add_header(out, "Call-ID", h->value);
	if ((h = sip_msg_header(req, SIP_H_CSEQ, 0)))
		add_header(out, "CSeq", h->value);
}

int sip_reply_build(struct strbuf *out, const struct sip_msg *req, int status,
		    const char *reason, const struct sip_reply_opts *o, struct ucsh_err *err)
{
	if (status < 100 || status > 699)
		return err_set(err, "status %d is not a SIP status code", status);
	if (!reason)
		reason = sip_status_phrase(status);
	if (has_crlf(reason) || (o && (has_crlf(o->to_tag) || has_crlf(o->received) ||
				       has_crlf(o->content_type) || !header_lines_ok(o->headers))))
		return err_set(err, "a response field holds CR or LF");
	if (o && o->to_tag && skip_class(o->to_tag, o->to_tag + strlen(o->to_tag), C_TOKEN) !=
				      o->to_tag + strlen(o->to_tag))
		return err_set(err, "a To tag must be a token");
	sb_adds(out, "SIP/2.0 ");
	add_uint(out, (unsigned long)status);
	sb_addc(out, ' ');
	sb_adds(out, reason);
	sb_adds(out, "\r\n");
	add_dialog_headers(out, req, o, status);
	if (o && o->headers)
		sb_adds(out, o->headers);
	size_t blen = o && o->body ? o->body_len : 0;
	if (blen && o->content_type)
		sb_addf(out, "Content-Type: %s\r\n", o->content_type);
	sb_adds(out, "Content-Length: ");
	add_uint(out, blen);
	sb_adds(out, "\r\n\r\n");
	if (blen)
		sb_add(out, o->body, blen);
	return 0;
}

int sip_request_build(struct strbuf *out, const struct sip_request_spec *s, struct ucsh_err *err)
{
	const char *fields[] = { s->method, s->ruri, s->transport, s->sent_by, s->branch, s->from,
				 s->from_tag, s->to, s->call_id, s->contact, s->authorization,
				 s->user_agent };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(fields); i++)
		if (has_crlf(fields[i]))
			return err_set(err, "a request field holds CR or LF");
	if (!s->method || !s->ruri || !s->transport || !s->sent_by || !s->branch || !s->from ||
	    !s->to || !s->call_id)
		return err_set(err, "a request needs method, URI, Via, From, To and Call-ID");
	if (s->cseq > SIP_CSEQ_MAX || !header_lines_ok(s->headers))
		return err_set(err, "the CSeq or the extra headers are malformed");
	sb_addf(out, "%s %s SIP/2.0\r\n", s->method, s->ruri);
	sb_addf(out, "Via: SIP/2.0/%s %s;branch=%s;rport\r\n", s->transport, s->sent_by, s->branch);
	sb_addf(out, "Max-Forwards: %d\r\n", s->max_forwards > 0 ? s->max_forwards : 70);
	sb_addf(out, "From: %s", s->from);
	if (s->from_tag)
		sb_addf(out, ";tag=%s", s->from_tag);
	sb_addf(out, "\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n", s->to, s->call_id,
		(unsigned)s->cseq, s->method);
	if (s->contact)
		sb_addf(out, "Contact: %s\r\n", s->contact);
	if (s->expires >= 0)
		sb_addf(out, "Expires: %ld\r\n", s->expires);
	if (s->authorization)
		sb_addf(out, "Authorization: %s\r\n", s->authorization);
	if (s->user_agent)
		sb_addf(out, "User-Agent: %s\r\n", s->user_agent);
	if (s->headers)
		sb_adds(out, s->headers);
	sb_adds(out, "Content-Length: 0\r\n\r\n");
	return 0;
}

int sip_random_token(char *out, size_t len, struct ucsh_err *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[64];
	for (size_t done = 0; done < len;) {
		size_t k = (len - done + 1) / 2;
		k = k > sizeof(r) ? sizeof(r) : k;
		if (RAND_bytes(r, (int)k) != 1)
			return err_set(err, "the random number generator failed");
		for (size_t i = 0; i < k * 2 && done < len; i++, done++)
			out[done] = hex[(r[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	}
	out[len] = '\0';
	return 0;
}
