/*
 * Unit tests for digest: RFC 7616 and RFC 2617 known answers, SIP-style
 * vectors computed independently (Python hashlib, see each test), the whole
 * challenge / Authorization / verify exchange for SHA-256 and MD5, and every
 * way verification must refuse: stale and tampered nonces, wrong realm,
 * URI, PIN or opaque, replayed nonce counts (also after the count table
 * has evicted the nonce), malformed headers.
 *
 * Linked with -Wl,--wrap=secret_equal so that the tests can see that the
 * response and the nonce MAC are compared in constant time.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "secret.h"

static unsigned secret_equal_calls;

bool __real_secret_equal(const void *a, const void *b, size_t n);
bool __wrap_secret_equal(const void *a, const void *b, size_t n);
bool __wrap_secret_equal(const void *a, const void *b, size_t n)
{
	secret_equal_calls++;
	return __real_secret_equal(a, b, n);
}

#define NOW ((time_t)1700000000)
#define REALM "example.com"
#define RURI "sip:example.com"

struct fixture {
	struct digest_server *s;
	struct strbuf sb;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ucsh_err err;
	f->s = digest_server_new(0, 0, &err);
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	digest_server_free(f->s);
	sb_free(&f->sb);
	free(f);
	return 0;
}

/* The challenge of algorithm alg from a fresh set, parsed as a client would. */
static void challenge(struct fixture *f, enum secret_digest alg, bool stale, time_t now,
		      struct digest_challenge *ch)
{
	struct ucsh_err err = { 0 };
	sb_reset(&f->sb);
	assert_int_equal(digest_challenge(f->s, &f->sb, "WWW-Authenticate", REALM, stale, now, &err), 0);
	const char *line = f->sb.buf;
	if (alg == SECRET_MD5)
		line = strstr(line, "\r\n") + 2;
	const char *v = line + strlen("WWW-Authenticate: ");
	assert_int_equal(digest_challenge_parse(ch, v, (size_t)(strstr(v, "\r\n") - v), &err), 0);
	assert_int_equal(ch->alg, alg);
}

/* Credentials answering ch for user/pin on uri with count nc, parsed as
 * the server would. */
static void answer(const struct digest_challenge *ch, const char *user, const char *pin,
		   const char *uri, uint32_t nc, struct digest_creds *c)
{
	struct strbuf sb = STRBUF_INIT;
	struct ucsh_err err = { 0 };
	assert_int_equal(digest_authorization(&sb, ch, user, pin, "REGISTER", uri, nc, NULL, &err), 0);
	assert_int_equal(digest_creds_parse(c, sb.buf, sb.len, &err), 0);
	sb_free(&sb);
}

static void ha1(enum secret_digest alg, const char *user, const char *pin, char out[65])
{
	struct ucsh_err err;
	assert_int_equal(secret_ha1(alg, user, REALM, pin, out, &err), 0);
}

static enum digest_verdict verify(struct fixture *f, const struct digest_creds *c,
				  const char *stored_ha1, time_t now, struct ucsh_err *err)
{
	return digest_verify(f->s, c, REALM, "REGISTER", RURI, stored_ha1, now, err);
}

/* RFC 7616 3.9.1 (Mufasa), both algorithms; RFC 2617 3.5 for MD5. */
static void test_known_answers(void **state)
{
	(void)state;
	struct ucsh_err err;
	char h[SECRET_HA1_HEX_LEN], r[65];
	static const char nonce[] = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
	static const char cnonce[] = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
	assert_int_equal(secret_ha1(SECRET_MD5, "Mufasa", "http-auth@example.org", "Circle of Life",
				    h, &err), 0);
	assert_int_equal(digest_response(SECRET_MD5, h, nonce, "00000001", cnonce, "GET",
					 "/dir/index.html", r, &err), 0);
	assert_string_equal(r, "8ca523f5e9506fed4657c9700eebdbec");
	assert_int_equal(secret_ha1(SECRET_SHA256, "Mufasa", "http-auth@example.org",
				    "Circle of Life", h, &err), 0);
	assert_int_equal(digest_response(SECRET_SHA256, h, nonce, "00000001", cnonce, "GET",
					 "/dir/index.html", r, &err), 0);
	assert_string_equal(r, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
	assert_int_equal(secret_ha1(SECRET_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life", h,
				    &err), 0);
	assert_int_equal(digest_response(SECRET_MD5, h, "dcd98b7102dd2f0e8b11d0f600bfb0c093",
					 "00000001", "0a4f113b", "GET", "/dir/index.html", r, &err), 0);
	assert_string_equal(r, "6629fae49393a05397450978507c4ef1");
}

/*
 * SIP-style, from Python:
 *   H = lambda a, s: hashlib.new(a, s.encode()).hexdigest()
 *   ha1 = H(a, '1001:example.com:582913'); ha2 = H(a, 'REGISTER:sip:example.com')
 *   H(a, ha1 + ':0123456789abcdef0123456789abcdef:0000002a:4f3c2b1a:auth:' + ha2)
 */
static void test_sip_vectors(void **state)
{
	(void)state;
	struct ucsh_err err;
	char h[SECRET_HA1_HEX_LEN], r[65];
	static const char nonce[] = "0123456789abcdef0123456789abcdef";
	ha1(SECRET_MD5, "1001", "582913", h);
	assert_string_equal(h, "d752c98aa340f05c3c3a3377219be604");
	assert_int_equal(digest_response(SECRET_MD5, h, nonce, "0000002a", "4f3c2b1a", "REGISTER",
					 RURI, r, &err), 0);
	assert_string_equal(r, "66652eb599284107a4e601d660d9f366");
	ha1(SECRET_SHA256, "1001", "582913", h);
	assert_string_equal(h, "b5ed1b5f0882d5576383896cf7263d2fa14cde08b70e807cc21bfe7dbbf803ba");
	assert_int_equal(digest_response(SECRET_SHA256, h, nonce, "0000002a", "4f3c2b1a",
					 "REGISTER", RURI, r, &err), 0);
	assert_string_equal(r, "ff7c2736771114aa7af04a2d7b380abee5d8fff1d51f22e426759b50e4db0770");
}

/* RFC 8760: SHA-256 offered first, then MD5, one nonce, qop=auth. */
static void test_challenge_shape(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	assert_true(digest_server_has_md5(f->s));
	assert_int_equal(digest_challenge(f->s, &f->sb, "WWW-Authenticate", REALM, false, NOW, &err), 0);
	const char *sha = strstr(f->sb.buf, "algorithm=SHA-256"), *md5 = strstr(f->sb.buf, "algorithm=MD5");
	assert_non_null(sha);
	assert_non_null(md5);
	assert_true(sha < md5);
	assert_int_equal(strncmp(f->sb.buf, "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"", 53), 0);
	assert_null(strstr(f->sb.buf, "stale"));
	/* the same nonce in both */
	char n1[80], n2[80];
	const char *second = strstr(f->sb.buf, "\r\n") + 2;
	assert_int_equal(sscanf(strstr(f->sb.buf, "nonce="), "nonce=\"%79[^\"]", n1), 1);
	assert_int_equal(sscanf(strstr(second, "nonce="), "nonce=\"%79[^\"]", n2), 1);
	assert_string_equal(n1, n2);
	assert_int_equal(strlen(n1), DIGEST_NONCE_LEN);
	/* a nonce is never reused */
	sb_reset(&f->sb);
	assert_int_equal(digest_challenge(f->s, &f->sb, "Proxy-Authenticate", REALM, true, NOW, &err), 0);
	assert_null(strstr(f->sb.buf, n1));
	assert_non_null(strstr(f->sb.buf, "Proxy-Authenticate: Digest"));
	assert_non_null(strstr(f->sb.buf, ", stale=true\r\n"));
	struct digest_challenge ch;
	challenge(f, SECRET_SHA256, true, NOW, &ch);
	assert_true(ch.stale);
	assert_true(ch.qop_auth);
	assert_true(ch.has_opaque);
	assert_string_equal(ch.realm, REALM);
	/* no way to put a header into a header */
	assert_int_equal(digest_challenge(f->s, &f->sb, "WWW-Authenticate", "a\r\nX: y", false, NOW, &err), -1);
	assert_int_equal(digest_challenge(f->s, &f->sb, "X\r\nY", REALM, false, NOW, &err), -1);
}

static void round_trip(struct fixture *f, enum secret_digest alg)
{
	struct digest_challenge ch;
	struct digest_creds c;
	struct ucsh_err err = { 0 };
	char h[SECRET_HA1_HEX_LEN];
	challenge(f, alg, false, NOW, &ch);
	answer(&ch, "1001", "582913", RURI, 1, &c);
	assert_int_equal(c.alg, alg);
	ha1(alg, "1001", "582913", h);
	secret_equal_calls = 0;
	assert_int_equal(verify(f, &c, h, NOW + 10, &err), DIGEST_OK);
	/* the response and the nonce MAC: both compared in constant time */
	assert_true(secret_equal_calls >= 2);
	/* the next request on the same nonce, as phones do on refresh */
	answer(&ch, "1001", "582913", RURI, 2, &c);
	assert_int_equal(verify(f, &c, h, NOW + 20, &err), DIGEST_OK);
}

static void test_sha256_verifies(void **state)
{
	round_trip(*state, SECRET_SHA256);
}

static void test_md5_verifies(void **state)
{
	round_trip(*state, SECRET_MD5);
}

static void test_wrong_pin_and_unknown_user(void **state)
{
	struct fixture *f = *state;
	struct digest_challenge ch;
	struct digest_creds c;
	struct ucsh_err err = { 0 };
	char h[SECRET_HA1_HEX_LEN];
	challenge(f, SECRET_SHA256, false, NOW, &ch);
	answer(&ch, "1001", "582914", RURI, 1, &c);
	ha1(SECRET_SHA256, "1001", "582913", h);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_DENIED);
	assert_string_equal(err.msg, "the response does not match");
	/* no secret in the reason */
	assert_null(strstr(err.msg, h));
	assert_null(strstr(err.msg, c.response));
	/* an unknown user is checked against a dummy HA1: the same answer */
	struct ucsh_err err2 = { 0 };
	answer(&ch, "9999", "582913", RURI, 1, &c);
	assert_int_equal(verify(f, &c, "00000000000000000000000000000000"
					"00000000000000000000000000000000", NOW, &err2), DIGEST_DENIED);
	assert_string_equal(err.msg, err2.msg);
	/* and a failed attempt does not burn the nonce count */
	answer(&ch, "1001", "582913", RURI, 1, &c);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_OK);
}

static void test_stale_nonce(void **state)
{
	struct fixture *f = *state;
	struct digest_challenge ch;
	struct digest_creds c;
	struct ucsh_err err = { 0 };
	char h[SECRET_HA1_HEX_LEN];
	challenge(f, SECRET_SHA256, false, NOW, &ch);
	answer(&ch, "1001", "582913", RURI, 1, &c);
	ha1(SECRET_SHA256, "1001", "582913", h);
	assert_int_equal(verify(f, &c, h, NOW + DIGEST_NONCE_TTL + 1, &err), DIGEST_STALE);
	assert_string_equal(err.msg, "the nonce has expired");
	/* stale only when the digest is right: a wrong PIN is denied */
	answer(&ch, "1001", "000000", RURI, 1, &c);
	assert_int_equal(verify(f, &c, h, NOW + DIGEST_NONCE_TTL + 1, &err), DIGEST_DENIED);
	/* from the future (a clock step back) is not ours either */
	answer(&ch, "1001", "582913", RURI, 1, &c);
	assert_int_equal(verify(f, &c, h, NOW - 3600, &err), DIGEST_STALE);
	/* within its lifetime it is fine */
	assert_int_equal(verify(f, &c, h, NOW + DIGEST_NONCE_TTL, &err), DIGEST_OK);
}

static void test_tampered_nonce(void **state)
{
	struct fixture *f = *state;
	struct digest_challenge ch;
	struct digest_creds c;
	struct ucsh_err err = { 0 };
	char h[SECRET_HA1_HEX_LEN];
	ha1(SECRET_SHA256, "1001", "582913", h);
	challenge(f, SECRET_SHA256, false, NOW, &ch);
	/* a client that moves the issue time forward to keep a nonce alive */
	ch.nonce[7] = ch.nonce[7] == 'f' ? '0' : 'f';
	answer(&ch, "1001", "582913", RURI, 1, &c);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_STALE);
	assert_string_equal(err.msg, "the nonce was not issued by this server");
	/* a response for the real nonce presented with another is denied */
	challenge(f, SECRET_SHA256, false, NOW, &ch);
	answer(&ch, "1001", "582913", RURI, 1, &c);
	c.nonce[20] = c.nonce[20] == 'a' ? 'b' : 'a';
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_DENIED);
	/* a nonce of another server (another key: a restart) is only stale */
	struct digest_server *other = digest_server_new(0, 0, &err);
	struct fixture g = { other, STRBUF_INIT };
	challenge(&g, SECRET_SHA256, false, NOW, &ch);
	answer(&ch, "1001", "582913", RURI, 1, &c);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_STALE);
	assert_int_equal(digest_verify(other, &c, REALM, "REGISTER", RURI, h, NOW, &err), DIGEST_OK);
	digest_server_free(other);
	sb_free(&g.sb);
}

static void test_wrong_realm_uri_opaque(void **state)
{
	struct fixture *f = *state;
	struct digest_challenge ch;
	struct digest_creds c;
	struct ucsh_err err = { 0 };
	char h[SECRET_HA1_HEX_LEN];
	ha1(SECRET_SHA256, "1001", "582913", h);
	challenge(f, SECRET_SHA256, false, NOW, &ch);
	answer(&ch, "1001", "582913", RURI, 1, &c);
	assert_int_equal(digest_verify(f->s, &c, "other.example", "REGISTER", RURI, h, NOW, &err),
			 DIGEST_DENIED);
	assert_string_equal(err.msg, "the realm does not match");
	/* the nonce is bound to its realm too */
	struct digest_challenge ch2 = ch;
	snprintf(ch2.realm, sizeof(ch2.realm), "other.example");
	answer(&ch2, "1001", "582913", RURI, 1, &c);
	char h2[SECRET_HA1_HEX_LEN];
	assert_int_equal(secret_ha1(SECRET_SHA256, "1001", "other.example", "582913", h2, &err), 0);
	assert_int_equal(digest_verify(f->s, &c, "other.example", "REGISTER", RURI, h2, NOW, &err),
			 DIGEST_STALE);
	/* the digest URI must be the Request-URI */
	answer(&ch, "1001", "582913", "sip:other.example", 1, &c);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_DENIED);
	assert_string_equal(err.msg, "the digest URI does not match the Request-URI");
	/* and the method is in the digest */
	answer(&ch, "1001", "582913", RURI, 1, &c);
	assert_int_equal(digest_verify(f->s, &c, REALM, "INVITE", RURI, h, NOW, &err), DIGEST_DENIED);
	/* opaque comes back unchanged or not at all */
	snprintf(ch2.realm, sizeof(ch2.realm), REALM);
	snprintf(ch2.opaque, sizeof(ch2.opaque), "0000");
	answer(&ch2, "1001", "582913", RURI, 1, &c);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_DENIED);
	assert_string_equal(err.msg, "the opaque value does not match");
	ch2.has_opaque = false;
	answer(&ch2, "1001", "582913", RURI, 1, &c);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_OK);
	/* an HA1 of the other algorithm is refused, not misused */
	char hm[SECRET_HA1_HEX_LEN];
	ha1(SECRET_MD5, "1001", "582913", hm);
	answer(&ch, "1001", "582913", RURI, 2, &c);
	assert_int_equal(verify(f, &c, hm, NOW, &err), DIGEST_DENIED);
}

static void test_replayed_nc(void **state)
{
	struct fixture *f = *state;
	struct digest_challenge ch;
	struct digest_creds c1, c;
	struct ucsh_err err = { 0 };
	char h[SECRET_HA1_HEX_LEN];
	ha1(SECRET_MD5, "1001", "582913", h);
	challenge(f, SECRET_MD5, false, NOW, &ch);
	answer(&ch, "1001", "582913", RURI, 1, &c1);
	assert_int_equal(verify(f, &c1, h, NOW, &err), DIGEST_OK);
	assert_int_equal(verify(f, &c1, h, NOW, &err), DIGEST_DENIED);
	assert_string_equal(err.msg, "the nonce count was replayed");
	answer(&ch, "1001", "582913", RURI, 5, &c);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_OK);
	answer(&ch, "1001", "582913", RURI, 3, &c);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_DENIED);
	answer(&ch, "1001", "582913", RURI, 5, &c);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_DENIED);
	answer(&ch, "1001", "582913", RURI, 6, &c);
	assert_int_equal(verify(f, &c, h, NOW, &err), DIGEST_OK);
}

/* A table of 4: the fifth nonce evicts the least recently used, which
 * must then not be accepted again with an old count. */
static void test_nc_table_bounded(void **state)
{
	(void)state;
	struct ucsh_err err = { 0 };
	struct digest_server *s = digest_server_new(0, 4, &err);
	struct fixture f = { s, STRBUF_INIT };
	struct digest_challenge ch[7];
	struct digest_creds c[7];
	char h[SECRET_HA1_HEX_LEN];
	ha1(SECRET_SHA256, "1001", "582913", h);
	for (int i = 0; i < 7; i++)
		challenge(&f, SECRET_SHA256, false, NOW, &ch[i]);
	for (int i = 0; i < 5; i++) {
		answer(&ch[i], "1001", "582913", RURI, 1, &c[i]);
		assert_int_equal(verify(&f, &c[i], h, NOW, &err), DIGEST_OK);
	}
	/* ch[0] was evicted: its replay earns a new challenge, not access */
	assert_int_equal(verify(&f, &c[0], h, NOW, &err), DIGEST_STALE);
	assert_string_equal(err.msg, "the nonce is no longer tracked");
	/* the tracked ones still refuse replays */
	assert_int_equal(verify(&f, &c[4], h, NOW, &err), DIGEST_DENIED);
	/* a new nonce evicts ch[1], now the least recently used */
	answer(&ch[5], "1001", "582913", RURI, 1, &c[5]);
	assert_int_equal(verify(&f, &c[5], h, NOW, &err), DIGEST_OK);
	answer(&ch[1], "1001", "582913", RURI, 2, &c[1]);
	assert_int_equal(verify(&f, &c[1], h, NOW, &err), DIGEST_STALE);
	/* use keeps a nonce: after touching ch[2], ch[3] goes next */
	answer(&ch[2], "1001", "582913", RURI, 2, &c[2]);
	assert_int_equal(verify(&f, &c[2], h, NOW, &err), DIGEST_OK);
	answer(&ch[6], "1001", "582913", RURI, 1, &c[6]);
	assert_int_equal(verify(&f, &c[6], h, NOW, &err), DIGEST_OK);
	answer(&ch[3], "1001", "582913", RURI, 2, &c[3]);
	assert_int_equal(verify(&f, &c[3], h, NOW, &err), DIGEST_STALE);
	answer(&ch[2], "1001", "582913", RURI, 3, &c[2]);
	assert_int_equal(verify(&f, &c[2], h, NOW, &err), DIGEST_OK);
	digest_server_free(s);
	sb_free(&f.sb);
	assert_null(digest_server_new(0, (size_t)1 << 25, &err));
}

static void expect_parse(const char *v, int want, const char *why)
{
	struct digest_creds c;
	struct ucsh_err err = { 0 };
	int rc = digest_creds_parse(&c, v, strlen(v), &err);
	if (rc != want || (why && !strstr(err.msg, why))) {
		print_error("%s: got %d \"%s\", want %d \"%s\"\n", v, rc, err.msg, want, why ? why : "");
		fail();
	}
}

#define BASE "username=\"1001\", realm=\"example.com\", nonce=\"n\", uri=\"sip:example.com\", "
#define RESP32 "response=\"0123456789abcdef0123456789ABCDEF\""

static void test_creds_parse(void **state)
{
	(void)state;
	struct digest_creds c;
	struct ucsh_err err = { 0 };
	static const char ok[] = "Digest  response=\"0123456789ABCDEF0123456789abcdef\",uri=\"sip:a@b\","
				 "nonce=\"n\\\"x\" , realm=\"r\\\\\",\r\n username=\"a\\\"b\", qop=\"auth\","
				 "nc=0000000A, cnonce=\"c\", algorithm=md5, opaque=\"o\", x-new=\"?\", "
				 "domain=\"sip:example.com\"";
	assert_int_equal(digest_creds_parse(&c, ok, strlen(ok), &err), 0);
	assert_string_equal(c.username, "a\"b");
	assert_string_equal(c.realm, "r\\");
	assert_string_equal(c.nonce, "n\"x");
	assert_string_equal(c.uri, "sip:a@b");
	assert_string_equal(c.response, "0123456789abcdef0123456789abcdef");
	assert_int_equal(c.nc_value, 10);
	assert_int_equal(c.alg, SECRET_MD5);
	assert_true(c.has_qop);
	assert_true(c.has_opaque);
	expect_parse("Basic dXNlcjpwYXNz", 1, NULL);
	expect_parse("NoOneKnowsThisScheme opaque-data=here", 1, NULL);
	expect_parse("Digestive x=1", 1, NULL);
	expect_parse("Digest " BASE RESP32, 0, NULL);
	expect_parse("Digest " BASE RESP32 ", realm=\"x\"", -1, "realm repeated");
	expect_parse("Digest " BASE RESP32 ", UserName=\"x\"", -1, "username repeated");
	expect_parse("Digest realm=\"example.com\", nonce=\"n\", uri=\"u\", " RESP32, -1,
		     "username missing");
	expect_parse("Digest " BASE "response=\"0123\"", -1, "response malformed");
	expect_parse("Digest " BASE RESP32 ", algorithm=SHA-256", -1, "response malformed");
	expect_parse("Digest " BASE RESP32 ", algorithm=MD5-sess", -1, "algorithm not supported");
	expect_parse("Digest " BASE RESP32 ", algorithm=AKAv1-MD5", -1, "algorithm not supported");
	expect_parse("Digest " BASE RESP32 ", qop=auth-int, nc=00000001, cnonce=\"c\"", -1,
		     "qop other than auth");
	expect_parse("Digest " BASE RESP32 ", qop=auth", -1, "cnonce or nc");
	expect_parse("Digest " BASE RESP32 ", qop=auth, nc=00000000, cnonce=\"c\"", -1, "nc");
	expect_parse("Digest " BASE RESP32 ", qop=auth, nc=1, cnonce=\"c\"", -1, "nc");
	expect_parse("Digest " BASE RESP32 ", qop=auth, nc=000000001, cnonce=\"c\"", -1,
		     "nc too long");
	expect_parse("Digest " BASE RESP32 ", userhash=true", -1, "userhash");
	expect_parse("Digest " BASE RESP32 ", userhash=false", 0, NULL);
	expect_parse("Digest " BASE RESP32 ", username*=UTF-8''a", -1, "username*");
	expect_parse("Digest " BASE RESP32 ", x=\"unterminated", -1, "Malformed");
	expect_parse("Digest " BASE RESP32 ", x", -1, "Malformed");
	expect_parse("Digest " BASE RESP32 " junk", -1, "Malformed");
	expect_parse("Digest " BASE RESP32 ", x=\"a\x01\"", -1, "Malformed");
	expect_parse("Digest " BASE RESP32 ", x=\"a\\\x7f\"", -1, "Malformed");
	expect_parse("Digest username=\"a\\", -1, "Malformed");
	expect_parse("Digest ,,, " BASE RESP32 ",,", 0, NULL);
	/* bounds: each value and the whole header */
	char *big = xmalloc(DIGEST_MAX_HEADER + 100);
	int n = snprintf(big, DIGEST_MAX_HEADER, "Digest " BASE RESP32 ", cnonce=\"");
	memset(big + n, 'c', 300);
	strcpy(big + n + 300, "\"");
	expect_parse(big, -1, "cnonce too long");
	n = snprintf(big, DIGEST_MAX_HEADER, "Digest " BASE RESP32 ", x=\"");
	memset(big + n, 'x', DIGEST_MAX_URI + 10);
	strcpy(big + n + DIGEST_MAX_URI + 10, "\"");
	expect_parse(big, -1, "too long");
	memset(big, ' ', DIGEST_MAX_HEADER + 50);
	memcpy(big, "Digest", 6);
	big[DIGEST_MAX_HEADER + 50] = '\0';
	expect_parse(big, -1, "Authorization too long");
	free(big);
}

static void test_challenge_parse(void **state)
{
	(void)state;
	struct digest_challenge ch;
	struct ucsh_err err = { 0 };
	static const char c1[] = "Digest realm=\"r\", nonce=\"n\", qop=\"auth,auth-int\", "
				 "algorithm=SHA-256, stale=TRUE, domain=\"sip:r\"";
	assert_int_equal(digest_challenge_parse(&ch, c1, strlen(c1), &err), 0);
	assert_int_equal(ch.alg, SECRET_SHA256);
	assert_true(ch.stale);
	assert_false(ch.has_opaque);
	static const char c2[] = "Digest realm=\"r\", nonce=\"n\"";
	assert_int_equal(digest_challenge_parse(&ch, c2, strlen(c2), &err), 1);
	static const char c3[] = "Digest realm=\"r\", nonce=\"n\", qop=\"auth\", algorithm=SHA-512-256";
	assert_int_equal(digest_challenge_parse(&ch, c3, strlen(c3), &err), 1);
	static const char c4[] = "Digest realm=\"r\", qop=\"auth\"";
	assert_int_equal(digest_challenge_parse(&ch, c4, strlen(c4), &err), -1);
	static const char c5[] = "Basic realm=\"r\"";
	assert_int_equal(digest_challenge_parse(&ch, c5, strlen(c5), &err), 1);
	/* what the client writes escapes what needs it */
	struct strbuf sb = STRBUF_INIT;
	struct digest_creds c;
	static const char c6[] = "Digest realm=\"r\", nonce=\"n\", qop=auth";
	assert_int_equal(digest_challenge_parse(&ch, c6, strlen(c6), &err), 0);
	assert_int_equal(digest_authorization(&sb, &ch, "we\"ird\\", "1234", "REGISTER", "sip:r",
					      1, "cn", &err), 0);
	assert_int_equal(digest_creds_parse(&c, sb.buf, sb.len, &err), 0);
	assert_string_equal(c.username, "we\"ird\\");
	assert_string_equal(c.cnonce, "cn");
	assert_string_equal(c.nc, "00000001");
	assert_false(c.has_opaque);
	sb_reset(&sb);
	assert_int_equal(digest_authorization(&sb, &ch, "a\r\nb", "1234", "REGISTER", "sip:r", 1,
					      NULL, &err), -1);
	sb_free(&sb);
}

/* The Authorization our client writes for the RFC 7616 example matches it. */
static void test_client_rfc7616(void **state)
{
	(void)state;
	struct digest_challenge ch = { .realm = "http-auth@example.org",
				       .nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
				       .opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
				       .alg = SECRET_SHA256, .has_opaque = true, .qop_auth = true };
	struct strbuf sb = STRBUF_INIT;
	struct ucsh_err err = { 0 };
	assert_int_equal(digest_authorization(&sb, &ch, "Mufasa", "Circle of Life", "GET",
					      "/dir/index.html", 1,
					      "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", &err), 0);
	assert_non_null(strstr(sb.buf, "response=\"753927fa0e85d155564e2e272a28d1802ca10daf44967946"
				       "97cf8db5856cb6c1\""));
	assert_non_null(strstr(sb.buf, "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""));
	assert_non_null(strstr(sb.buf, "qop=auth, nc=00000001"));
	sb_free(&sb);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_sip_vectors),
		T(test_challenge_shape),
		T(test_sha256_verifies),
		T(test_md5_verifies),
		T(test_wrong_pin_and_unknown_user),
		T(test_stale_nonce),
		T(test_tampered_nonce),
		T(test_wrong_realm_uri_opaque),
		T(test_replayed_nc),
		cmocka_unit_test(test_nc_table_bounded),
		cmocka_unit_test(test_creds_parse),
		cmocka_unit_test(test_challenge_parse),
		cmocka_unit_test(test_client_rfc7616),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
