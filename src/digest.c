/*
 * digest: RFC 7616 / RFC 8760 Digest for SIP, server and client side. See
 * digest.h for the design: stateless HMAC-sealed nonces, one bounded table
 * of nonce counts, SHA-256 offered before MD5, constant-time comparisons.
 */
#include "config.h"
#include "digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define KEY_LEN 32
#define MAC_LEN 16       /* HMAC-SHA256 truncated: 128 bits is plenty for a nonce */
#define PAYLOAD_LEN 16   /* issue time (4) + serial (8) + random (4) */
#define NONCE_BYTES (PAYLOAD_LEN + MAC_LEN)
#define CLOCK_SKEW 60    /* a nonce from the future beyond this is not ours */

/* One remembered nonce: its serial, the last nc accepted, LRU and hash
 * links as index + 1 (0 is "none", so that calloc'ed memory is empty). */
struct nc_entry {
	uint64_t serial;
	uint32_t nc;
	uint32_t prev, next, hnext;
};

struct nc_table {
	struct nc_entry *e;
	uint32_t *bucket;
	uint32_t cap, used, nbucket_bits;
	uint32_t head, tail;        /* most and least recently used */
	uint64_t evicted_max;       /* highest serial ever evicted; 0: none */
};

struct digest_server {
	unsigned char key[KEY_LEN];
	EVP_MAC *mac;
	EVP_MAC_CTX *mac_ctx;       /* keyed once; re-initialised per nonce */
	EVP_MD *md5, *sha256;       /* fetched once: fetching per hash is slow */
	EVP_MD_CTX *md_ctx;
	unsigned ttl;
	uint64_t serial;
	char opaque[33];
	struct nc_table nc;
};

static const char hexdig[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int from_hex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		int c = s[i], v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = (c | 0x20) - 'a' + 10;
		else
			return -1;
		out[i / 2] = (unsigned char)(i % 2 ? (out[i / 2] << 4) | v : v);
	}
	return s[2 * n] == '\0' ? 0 : -1;
}

static size_t hex_len(enum secret_digest alg)
{
	return alg == SECRET_MD5 ? 32 : 64;
}

/* ---- Hashing ---------------------------------------------------------- */

/* H(p[0] ":" p[1] ":" ... ) in lower-case hex. */
static int md_hex(const EVP_MD *md, EVP_MD_CTX *ctx, const char *const *p, size_t np,
		  char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!md || !EVP_DigestInit_ex(ctx, md, NULL))
		return -1;
	for (size_t i = 0; i < np; i++)
		if ((i && !EVP_DigestUpdate(ctx, ":", 1)) || !EVP_DigestUpdate(ctx, p[i], strlen(p[i])))
			return -1;
	if (!EVP_DigestFinal_ex(ctx, d, &n))
		return -1;
	to_hex(d, n, out);
	return 0;
}

static int response_hex(const EVP_MD *md, EVP_MD_CTX *ctx, const char *ha1, const char *nonce,
			const char *nc, const char *cnonce, const char *method, const char *uri,
			char out[65])
{
	char ha2[65];
	const char *a2[] = { method, uri };
	if (md_hex(md, ctx, a2, 2, ha2) < 0)
		return -1;
	const char *kd[] = { ha1, nonce, nc, cnonce, "auth", ha2 };
	return md_hex(md, ctx, kd, 6, out);
}

int digest_response(enum secret_digest alg, const char *ha1_hex, const char *nonce,
		    const char *nc, const char *cnonce, const char *method, const char *uri,
		    char out[65], struct ucsh_err *err)
{
	EVP_MD *md = EVP_MD_fetch(NULL, alg == SECRET_MD5 ? "MD5" : "SHA256", NULL);
	EVP_MD_CTX *ctx = md ? EVP_MD_CTX_new() : NULL;
	int rc = ctx ? response_hex(md, ctx, ha1_hex, nonce, nc, cnonce, method, uri, out) : -1;
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	if (rc < 0)
		return err_set(err, "%s is not available from OpenSSL",
			       alg == SECRET_MD5 ? "MD5" : "SHA-256");
	return 0;
}

/* ---- Server ----------------------------------------------------------- */

static int nc_table_init(struct nc_table *t, size_t max)
{
	if (max == 0)
		max = DIGEST_NC_TABLE_MAX;
	if (max > (1u << 24))
		return -1;
	t->cap = (uint32_t)max;
	t->nbucket_bits = 1;
	while ((1u << t->nbucket_bits) < t->cap)
		t->nbucket_bits++;
	t->e = xcalloc(t->cap, sizeof(*t->e));
	t->bucket = xcalloc((size_t)1 << t->nbucket_bits, sizeof(*t->bucket));
	return 0;
}

struct digest_server *digest_server_new(unsigned nonce_ttl, size_t max_nonces,
					struct ucsh_err *err)
{
	struct digest_server *s = xcalloc(1, sizeof(*s));
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	unsigned char op[16];
	s->ttl = nonce_ttl ? nonce_ttl : DIGEST_NONCE_TTL;
	s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	s->md5 = EVP_MD_fetch(NULL, "MD5", NULL); /* may be NULL under FIPS */
	s->md_ctx = EVP_MD_CTX_new();
	s->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	s->mac_ctx = s->mac ? EVP_MAC_CTX_new(s->mac) : NULL;
	if (!s->sha256 || !s->md_ctx || !s->mac_ctx || RAND_bytes(s->key, KEY_LEN) != 1 ||
	    RAND_bytes(op, sizeof(op)) != 1 ||
	    !EVP_MAC_init(s->mac_ctx, s->key, KEY_LEN, params)) {
		digest_server_free(s);
		err_set(err, "SHA-256, HMAC or the random generator is not available from OpenSSL");
		return NULL;
	}
	if (nc_table_init(&s->nc, max_nonces) < 0) {
		digest_server_free(s);
		err_set(err, "the nonce table may hold at most %u nonces", 1u << 24);
		return NULL;
	}
	/* opaque only has to come back unchanged: random, and the same for all */
	to_hex(op, sizeof(op), s->opaque);
	return s;
}

void digest_server_free(struct digest_server *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s->key, sizeof(s->key));
	EVP_MAC_CTX_free(s->mac_ctx);
	EVP_MAC_free(s->mac);
	EVP_MD_CTX_free(s->md_ctx);
	EVP_MD_free(s->md5);
	EVP_MD_free(s->sha256);
	free(s->nc.e);
	free(s->nc.bucket);
	free(s);
}

int digest_server_set_key(struct digest_server *s, const unsigned char *key, size_t len,
			  struct ucsh_err *err)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	unsigned char op[EVP_MAX_MD_SIZE];
	size_t n = 0;
	if (len != KEY_LEN)
		return err_set(err, "a nonce key is %d bytes, not %zu", KEY_LEN, len);
	memcpy(s->key, key, KEY_LEN);
	/* opaque from the key too: every node holding it answers alike */
	if (!EVP_MAC_init(s->mac_ctx, s->key, KEY_LEN, params) ||
	    !EVP_MAC_update(s->mac_ctx, (const unsigned char *)"opaque", 6) ||
	    !EVP_MAC_final(s->mac_ctx, op, &n, sizeof(op)) || n < 16 ||
	    !EVP_MAC_init(s->mac_ctx, s->key, KEY_LEN, params))
		return err_set(err, "HMAC is not available from OpenSSL");
	to_hex(op, 16, s->opaque);
	OPENSSL_cleanse(op, sizeof(op));
	return 0;
}

bool digest_server_has_md5(const struct digest_server *s)
{
	return s->md5 != NULL;
}

/* HMAC-SHA256(key, payload || realm), truncated. The context keeps the key:
 * EVP_MAC_init with a NULL key reuses it. */
static int nonce_mac(struct digest_server *s, const unsigned char *payload, const char *realm,
		     unsigned char out[MAC_LEN])
{
	unsigned char full[EVP_MAX_MD_SIZE];
	size_t n = 0;
	if (!EVP_MAC_init(s->mac_ctx, NULL, 0, NULL) ||
	    !EVP_MAC_update(s->mac_ctx, payload, PAYLOAD_LEN) ||
	    !EVP_MAC_update(s->mac_ctx, (const unsigned char *)realm, strlen(realm)) ||
	    !EVP_MAC_final(s->mac_ctx, full, &n, sizeof(full)) || n < MAC_LEN)
		return -1;
	memcpy(out, full, MAC_LEN);
	return 0;
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int nonce_make(struct digest_server *s, const char *realm, time_t now,
		      char out[DIGEST_NONCE_LEN + 1])
{
	unsigned char b[NONCE_BYTES];
	put_be(b, (uint64_t)now, 4);
	put_be(b + 4, ++s->serial, 8);
	if (RAND_bytes(b + 12, 4) != 1 || nonce_mac(s, b, realm, b + PAYLOAD_LEN) < 0)
		return -1;
	to_hex(b, NONCE_BYTES, out);
	return 0;
}

/* A quoted-string of s; -1 when s holds a control character. */
static int add_quoted(struct strbuf *out, const char *s)
{
	sb_addc(out, '"');
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return -1;
		if (*s == '"' || *s == '\\')
			sb_addc(out, '\\');
		sb_addc(out, *s);
	}
	sb_addc(out, '"');
	return 0;
}

int digest_challenge(struct digest_server *s, struct strbuf *out, const char *name,
		     const char *realm, bool stale, time_t now, struct ucsh_err *err)
{
	static const char *const algs[] = { "SHA-256", "MD5" };
	char nonce[DIGEST_NONCE_LEN + 1];
	if (strlen(realm) >= DIGEST_MAX_REALM || strpbrk(name, "\r\n:"))
		return err_set(err, "the realm is too long or the header name is malformed");
	if (nonce_make(s, realm, now, nonce) < 0)
		return err_set(err, "could not make a nonce (OpenSSL HMAC or random failed)");
	for (int i = 0; i < (s->md5 ? 2 : 1); i++) {
		sb_addf(out, "%s: Digest realm=", name);
		if (add_quoted(out, realm) < 0)
			return err_set(err, "the realm holds a control character");
		sb_addf(out, ", nonce=\"%s\", opaque=\"%s\", algorithm=%s, qop=\"auth\"%s\r\n", nonce,
			s->opaque, algs[i], stale ? ", stale=true" : "");
	}
	return 0;
}

/* ---- Nonce counts ----------------------------------------------------- */

static uint32_t nc_hash(const struct nc_table *t, uint64_t serial)
{
	return (uint32_t)((serial * 0x9E3779B97F4A7C15ull) >> (64 - t->nbucket_bits));
}

static struct nc_entry *nc_at(struct nc_table *t, uint32_t ref)
{
	return ref ? &t->e[ref - 1] : NULL;
}

static uint32_t nc_find(struct nc_table *t, uint64_t serial)
{
	for (uint32_t r = t->bucket[nc_hash(t, serial)]; r; r = t->e[r - 1].hnext)
		if (t->e[r - 1].serial == serial)
			return r;
	return 0;
}

static void lru_unlink(struct nc_table *t, uint32_t r)
{
	struct nc_entry *e = nc_at(t, r);
	if (e->prev)
		nc_at(t, e->prev)->next = e->next;
	else
		t->head = e->next;
	if (e->next)
		nc_at(t, e->next)->prev = e->prev;
	else
		t->tail = e->prev;
	e->prev = e->next = 0;
}

static void lru_push_head(struct nc_table *t, uint32_t r)
{
	struct nc_entry *e = nc_at(t, r);
	e->prev = 0;
	e->next = t->head;
	if (t->head)
		nc_at(t, t->head)->prev = r;
	t->head = r;
	if (!t->tail)
		t->tail = r;
}

/* Drop the least recently used entry and return its slot. */
static uint32_t nc_evict(struct nc_table *t)
{
	uint32_t r = t->tail;
	struct nc_entry *e = nc_at(t, r);
	uint32_t *link = &t->bucket[nc_hash(t, e->serial)];
	while (*link != r)
		link = &t->e[*link - 1].hnext;
	*link = e->hnext;
	if (e->serial > t->evicted_max)
		t->evicted_max = e->serial;
	lru_unlink(t, r);
	return r;
}

/*
 * Accept nc for the nonce with this serial if it is above the last one
 * accepted: 0 accepted (and recorded), 1 replayed, 2 unknown and possibly
 * evicted (so possibly replayed: the caller answers stale).
 */
static int nc_accept(struct nc_table *t, uint64_t serial, uint32_t nc)
{
	uint32_t r = nc_find(t, serial);
	if (r) {
		struct nc_entry *e = nc_at(t, r);
		if (nc <= e->nc)
			return 1;
		e->nc = nc;
		lru_unlink(t, r);
		lru_push_head(t, r);
		return 0;
	}
	if (serial <= t->evicted_max)
		return 2;
	r = t->used < t->cap ? ++t->used : nc_evict(t);
	struct nc_entry *e = nc_at(t, r);
	uint32_t *b = &t->bucket[nc_hash(t, serial)];
	e->serial = serial;
	e->nc = nc;
	e->hnext = *b;
	*b = r;
	lru_push_head(t, r);
	return 0;
}

/* ---- Verification ----------------------------------------------------- */

/* 0 when nonce is one of ours for realm (serial and issue time out), -1 not. */
static int nonce_check(struct digest_server *s, const char *nonce, const char *realm,
		       uint64_t *serial, time_t *issued)
{
	unsigned char b[NONCE_BYTES], mac[MAC_LEN];
	if (strlen(nonce) != 2 * NONCE_BYTES || from_hex(nonce, b, NONCE_BYTES) < 0 ||
	    nonce_mac(s, b, realm, mac) < 0 || !secret_equal(mac, b + PAYLOAD_LEN, MAC_LEN))
		return -1;
	*issued = (time_t)get_be(b, 4);
	*serial = get_be(b + 4, 8);
	return 0;
}

static enum digest_verdict deny(struct ucsh_err *err, const char *why)
{
	err_set(err, "%s", why);
	return DIGEST_DENIED;
}

/* Checks that need no hashing and reveal nothing about the user. */
static enum digest_verdict precheck(struct digest_server *s, const struct digest_creds *c,
				    const char *realm, const char *request_uri, const char *ha1,
				    struct ucsh_err *err)
{
	if (!c->has_qop)
		return deny(err, "the client did not use qop=auth");
	if (strcmp(c->realm, realm) != 0)
		return deny(err, "the realm does not match");
	if (strcmp(c->uri, request_uri) != 0)
		return deny(err, "the digest URI does not match the Request-URI");
	if (c->alg == SECRET_MD5 && !s->md5)
		return deny(err, "MD5 was not offered");
	if (!ha1 || strlen(ha1) != hex_len(c->alg))
		return deny(err, "the stored HA1 has the wrong length for the algorithm");
	return DIGEST_OK;
}

enum digest_verdict digest_verify(struct digest_server *s, const struct digest_creds *c,
				  const char *realm, const char *method, const char *request_uri,
				  const char *ha1_hex, time_t now, struct ucsh_err *err)
{
	char want[65];
	uint64_t serial = 0;
	time_t issued = 0;
	enum digest_verdict v = precheck(s, c, realm, request_uri, ha1_hex, err);
	if (v != DIGEST_OK)
		return v;
	const EVP_MD *md = c->alg == SECRET_MD5 ? s->md5 : s->sha256;
	if (response_hex(md, s->md_ctx, ha1_hex, c->nonce, c->nc, c->cnonce, method, c->uri,
			 want) < 0)
		return deny(err, "the digest could not be computed");
	bool match = secret_equal(want, c->response, hex_len(c->alg));
	OPENSSL_cleanse(want, sizeof(want));
	if (!match)
		return deny(err, "the response does not match");
	/* Right response: the client knows the PIN. A nonce that is not ours
	 * (tampered, or from before a restart) or too old only earns a fresh
	 * one (RFC 7616 3.3: stale). */
	if (nonce_check(s, c->nonce, realm, &serial, &issued) < 0) {
		err_set(err, "the nonce was not issued by this server");
		return DIGEST_STALE;
	}
	if (now - issued > (time_t)s->ttl || issued - now > CLOCK_SKEW) {
		err_set(err, "the nonce has expired");
		return DIGEST_STALE;
	}
	/* checked only now: a nonce from before a restart came with the old
	 * opaque, and should be stale rather than denied */
	if (c->has_opaque && strcmp(c->opaque, s->opaque) != 0)
		return deny(err, "the opaque value does not match");
	switch (nc_accept(&s->nc, serial, c->nc_value)) {
	case 0:
		return DIGEST_OK;
	case 1:
		return deny(err, "the nonce count was replayed");
	default:
		err_set(err, "the nonce is no longer tracked");
		return DIGEST_STALE;
	}
}

/* ---- Parsing auth-params ---------------------------------------------- */

static bool is_tchar(int c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (c && strchr("-.!%*_+`'~", c));
}

static const char *skip_lws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* The unescaped text of the quoted-string at *pp into out. 0, -1 malformed
 * (or a control character: none may reach a C string), -2 too long. */
static int take_quoted(const char **pp, const char *end, char *out, size_t outsz)
{
	const char *p = *pp + 1;
	size_t o = 0;
	for (; p < end && *p != '"'; p++) {
		if (*p == '\\' && ++p == end)
			return -1;
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
		if (o + 1 >= outsz)
			return -2;
		out[o++] = *p;
	}
	if (p == end)
		return -1;
	out[o] = '\0';
	*pp = p + 1;
	return 0;
}

/*
 * One auth-param (token "=" ( token / quoted-string )) from *pp, with the
 * commas and whitespace around it. 1 with name (pointer, length) and the
 * value in val, 0 at the end, -1 malformed, -2 value too long.
 */
static int auth_param_next(const char **pp, const char *end, const char **name, size_t *nlen,
			   char *val, size_t valsz)
{
	const char *p = *pp;
	while ((p = skip_lws(p, end)) < end && *p == ',')
		p++;
	if (p == end)
		return 0;
	*name = p;
	while (p < end && is_tchar((unsigned char)*p))
		p++;
	*nlen = (size_t)(p - *name);
	p = skip_lws(p, end);
	if (*nlen == 0 || p == end || *p != '=')
		return -1;
	p = skip_lws(p + 1, end);
	if (p < end && *p == '"') {
		int rc = take_quoted(&p, end, val, valsz);
		if (rc < 0)
			return rc;
	} else {
		const char *vs = p;
		while (p < end && is_tchar((unsigned char)*p))
			p++;
		if (p == vs)
			return -1;
		if ((size_t)(p - vs) >= valsz)
			return -2;
		memcpy(val, vs, (size_t)(p - vs));
		val[p - vs] = '\0';
	}
	p = skip_lws(p, end);
	if (p < end && *p != ',')
		return -1;
	*pp = p;
	return 1;
}

/* "Digest" then whitespace: 0 and *pp after it, 1 for another scheme. */
static int take_scheme(const char **pp, const char *end)
{
	const char *p = skip_lws(*pp, end);
	if (end - p < 7 || strncasecmp(p, "Digest", 6) != 0 ||
	    (p[6] != ' ' && p[6] != '\t' && p[6] != '\r' && p[6] != '\n'))
		return 1;
	*pp = p + 6;
	return 0;
}

struct param_slot {
	const char *name;
	char *out;
	size_t size;
	bool seen;
};

/* Fill the slots from the parameters; unknown names are checked for shape
 * and ignored. 0, or -1 with err filled. */
static int take_params(const char *p, const char *end, struct param_slot *slots, size_t nslots,
		       struct ucsh_err *err)
{
	char scratch[DIGEST_MAX_URI];
	const char *name;
	size_t nlen;
	int rc;
	while ((rc = auth_param_next(&p, end, &name, &nlen, scratch, sizeof(scratch))) == 1) {
		size_t i = 0;
		while (i < nslots && !(strlen(slots[i].name) == nlen &&
				       strncasecmp(slots[i].name, name, nlen) == 0))
			i++;
		if (i == nslots)
			continue;
		if (slots[i].seen)
			return err_set(err, "Bad Request - Digest parameter %s repeated", slots[i].name);
		if (strlen(scratch) >= slots[i].size)
			return err_set(err, "Bad Request - Digest parameter %s too long", slots[i].name);
		strcpy(slots[i].out, scratch);
		slots[i].seen = true;
	}
	if (rc == -2)
		return err_set(err, "Bad Request - Digest parameter too long");
	return rc < 0 ? err_set(err, "Bad Request - Malformed Digest parameters") : 0;
}

static int parse_alg(const char *s, bool seen, enum secret_digest *alg)
{
	if (!seen || strcasecmp(s, "MD5") == 0)
		*alg = SECRET_MD5;
	else if (strcasecmp(s, "SHA-256") == 0)
		*alg = SECRET_SHA256;
	else
		return -1;
	return 0;
}

/* ---- Server: credentials ---------------------------------------------- */

/* nc = 8LHEX, above zero (the first request of a nonce sends 00000001). */
static int parse_nc(const char *s, uint32_t *v)
{
	unsigned char b[4];
	if (strlen(s) != 8 || from_hex(s, b, 4) < 0)
		return -1;
	*v = (uint32_t)get_be(b, 4);
	return *v ? 0 : -1;
}

static int check_creds(struct digest_creds *c, const struct param_slot *sl, char *alg,
		       char *qop, char *userhash, struct ucsh_err *err)
{
	/* slots: 0 username 1 realm 2 nonce 3 uri 4 response 5 algorithm
	 * 6 cnonce 7 opaque 8 qop 9 nc 10 userhash 11 username* */
	for (int i = 0; i < 5; i++)
		if (!sl[i].seen)
			return err_set(err, "Bad Request - Digest %s missing", sl[i].name);
	if (sl[11].seen || (sl[10].seen && strcasecmp(userhash, "true") == 0))
		return err_set(err, "Bad Request - Digest username* and userhash are not supported");
	if (parse_alg(alg, sl[5].seen, &c->alg) < 0)
		return err_set(err, "Bad Request - Digest algorithm not supported");
	c->has_opaque = sl[7].seen;
	c->has_qop = sl[8].seen;
	if (c->has_qop && strcasecmp(qop, "auth") != 0)
		return err_set(err, "Bad Request - Digest qop other than auth");
	if (c->has_qop && (!sl[6].seen || !sl[9].seen || parse_nc(c->nc, &c->nc_value) < 0))
		return err_set(err, "Bad Request - Digest cnonce or nc missing or malformed");
	size_t rl = strlen(c->response);
	unsigned char tmp[32];
	if (rl != hex_len(c->alg) || from_hex(c->response, tmp, rl / 2) < 0)
		return err_set(err, "Bad Request - Digest response malformed");
	for (size_t i = 0; i < rl; i++)
		c->response[i] = (char)(c->response[i] | 0x20); /* hex digits: lower case */
	return 0;
}

int digest_creds_parse(struct digest_creds *c, const char *value, size_t n,
		       struct ucsh_err *err)
{
	const char *p = value, *end = value + n;
	char alg[16] = "", qop[16] = "", userhash[8] = "", extuser[DIGEST_MAX_USERNAME];
	memset(c, 0, sizeof(*c));
	if (n > DIGEST_MAX_HEADER)
		return err_set(err, "Bad Request - Authorization too long");
	if (take_scheme(&p, end))
		return 1;
	struct param_slot sl[] = {
		{ "username", c->username, sizeof(c->username), false },
		{ "realm", c->realm, sizeof(c->realm), false },
		{ "nonce", c->nonce, sizeof(c->nonce), false },
		{ "uri", c->uri, sizeof(c->uri), false },
		{ "response", c->response, sizeof(c->response), false },
		{ "algorithm", alg, sizeof(alg), false },
		{ "cnonce", c->cnonce, sizeof(c->cnonce), false },
		{ "opaque", c->opaque, sizeof(c->opaque), false },
		{ "qop", qop, sizeof(qop), false },
		{ "nc", c->nc, sizeof(c->nc), false },
		{ "userhash", userhash, sizeof(userhash), false },
		{ "username*", extuser, sizeof(extuser), false },
	};
	if (take_params(p, end, sl, UCSH_ARRAY_LEN(sl), err) < 0 ||
	    check_creds(c, sl, alg, qop, userhash, err) < 0) {
		OPENSSL_cleanse(c, sizeof(*c));
		return -1;
	}
	return 0;
}

/* ---- Client ----------------------------------------------------------- */

/* Whether a qop list ("auth,auth-int") names auth. */
static bool qop_has_auth(const char *s)
{
	for (const char *p = s; *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, " \t,");
		if (n == 4 && strncasecmp(p, "auth", 4) == 0)
			return true;
		p += n;
	}
	return false;
}

int digest_challenge_parse(struct digest_challenge *ch, const char *value, size_t n,
			   struct ucsh_err *err)
{
	const char *p = value, *end = value + n;
	char alg[16] = "", qop[64] = "", stale[8] = "";
	memset(ch, 0, sizeof(*ch));
	if (n > DIGEST_MAX_HEADER)
		return err_set(err, "the challenge is too long");
	if (take_scheme(&p, end))
		return 1;
	struct param_slot sl[] = {
		{ "realm", ch->realm, sizeof(ch->realm), false },
		{ "nonce", ch->nonce, sizeof(ch->nonce), false },
		{ "opaque", ch->opaque, sizeof(ch->opaque), false },
		{ "algorithm", alg, sizeof(alg), false },
		{ "qop", qop, sizeof(qop), false },
		{ "stale", stale, sizeof(stale), false },
	};
	if (take_params(p, end, sl, UCSH_ARRAY_LEN(sl), err) < 0)
		return -1;
	if (!sl[0].seen || !sl[1].seen)
		return err_set(err, "the challenge has no realm or nonce");
	ch->has_opaque = sl[2].seen;
	ch->qop_auth = sl[4].seen && qop_has_auth(qop);
	ch->stale = strcasecmp(stale, "true") == 0;
	if (parse_alg(alg, sl[3].seen, &ch->alg) < 0 || !ch->qop_auth)
		return 1;
	return 0;
}

int digest_authorization(struct strbuf *out, const struct digest_challenge *ch,
			 const char *username, const char *password, const char *method,
			 const char *uri, uint32_t nc, const char *cnonce, struct ucsh_err *err)
{
	char ha1[SECRET_HA1_HEX_LEN], resp[65], ncs[9], cn[33];
	unsigned char r[16];
	if (!cnonce) {
		if (RAND_bytes(r, sizeof(r)) != 1)
			return err_set(err, "the random number generator failed");
		to_hex(r, sizeof(r), cn);
		cnonce = cn;
	}
	snprintf(ncs, sizeof(ncs), "%08x", nc);
	if (secret_ha1(ch->alg, username, ch->realm, password, ha1, err) < 0)
		return -1;
	int rc = digest_response(ch->alg, ha1, ch->nonce, ncs, cnonce, method, uri, resp, err);
	OPENSSL_cleanse(ha1, sizeof(ha1));
	if (rc < 0)
		return -1;
	sb_adds(out, "Digest username=");
	int bad = add_quoted(out, username);
	sb_adds(out, ", realm=");
	bad |= add_quoted(out, ch->realm);
	sb_adds(out, ", nonce=");
	bad |= add_quoted(out, ch->nonce);
	sb_adds(out, ", uri=");
	bad |= add_quoted(out, uri);
	sb_addf(out, ", response=\"%s\", algorithm=%s, cnonce=", resp,
		ch->alg == SECRET_MD5 ? "MD5" : "SHA-256");
	bad |= add_quoted(out, cnonce);
	if (ch->has_opaque) {
		sb_adds(out, ", opaque=");
		bad |= add_quoted(out, ch->opaque);
	}
	sb_addf(out, ", qop=auth, nc=%s", ncs);
	return bad ? err_set(err, "a Digest field holds a control character") : 0;
}
