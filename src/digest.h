/*
 * digest: HTTP Digest authentication as SIP uses it (RFC 7616, RFC 8760;
 * RFC 3261 22.4), server and client side, with OpenSSL 3 EVP only.
 *
 * Server side. Nonces are made, not stored: each carries its issue time, a
 * serial number and random bytes, sealed with an HMAC-SHA256 under a key
 * drawn at start-up (digest_server_new), over those and the realm. So a
 * nonce is bound to this process and realm, expires (stale=true once its
 * time is up but the response was right), and says nothing secret. The only
 * state is the nonce-count table that refuses replays: the last nc seen for
 * each nonce that authenticated, in a bounded LRU. A nonce that may have
 * been evicted from it (issued before the newest evicted one) is answered
 * with stale=true rather than trusted, so eviction can never open a replay.
 * Challenges offer SHA-256 first, then MD5 (RFC 8760 section 2.4: baresip
 * and many desk phones know only MD5), both with qop="auth" and one nonce.
 *
 * Verification compares against a stored HA1 (hex, as secret.h computes
 * it) with secret_equal, never the PIN. No error text holds an HA1, a
 * response or the key. Not thread-safe: one struct digest_server per event
 * loop.
 */
#ifndef UCSH_DIGEST_H
#define UCSH_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "secret.h"
#include "util.h"

#define DIGEST_NONCE_TTL 300          /* seconds a nonce is fresh */
#define DIGEST_NC_TABLE_MAX 65536     /* nonces whose count is remembered */
#define DIGEST_NONCE_LEN 64           /* hex characters of a nonce we issue */

/* Bounds on what a client may send (with the NUL). */
#define DIGEST_MAX_USERNAME 257
#define DIGEST_MAX_REALM 257
#define DIGEST_MAX_NONCE 257
#define DIGEST_MAX_URI 2049
#define DIGEST_MAX_CNONCE 257
#define DIGEST_MAX_OPAQUE 257
#define DIGEST_MAX_HEADER 8192        /* a whole Authorization value */

struct digest_server;

/*
 * A server with a fresh random key. nonce_ttl: seconds (0: DIGEST_NONCE_TTL);
 * max_nonces: size of the nonce-count table (0: DIGEST_NC_TABLE_MAX), which
 * is allocated here, about 32 bytes a nonce. The caller owns the result and
 * frees it with digest_server_free, which wipes the key. NULL with err
 * filled when OpenSSL lacks SHA-256 or HMAC.
 */
struct digest_server *digest_server_new(unsigned nonce_ttl, size_t max_nonces,
					struct ucsh_err *err);
void digest_server_free(struct digest_server *s);
/*
 * Seal nonces with key (DIGEST_KEY_LEN bytes, copied) instead of the one
 * drawn at start, and derive opaque from it: the nodes of a pool share the
 * key (store_pool_secret), so a nonce one issued verifies on another. The
 * nonce-count table stays per node: a nonce first used on another node
 * starts a new count here. 0, or -1 with err.
 */
#define DIGEST_KEY_LEN 32
int digest_server_set_key(struct digest_server *s, const unsigned char *key, size_t len,
			  struct ucsh_err *err);
/* Whether MD5 is offered (a FIPS-only OpenSSL has none). */
bool digest_server_has_md5(const struct digest_server *s);

/*
 * Append to out the challenge header lines for realm, each ending in CRLF:
 *   NAME: Digest realm="..", nonce="..", opaque="..", algorithm=SHA-256, qop="auth"[, stale=true]
 * then the same with algorithm=MD5. name: "WWW-Authenticate" (401) or
 * "Proxy-Authenticate" (407). now: the current time (time(NULL)). 0 / -1.
 */
int digest_challenge(struct digest_server *s, struct strbuf *out, const char *name,
		     const char *realm, bool stale, time_t now, struct ucsh_err *err);

/* An Authorization (or Proxy-Authorization) value, parsed and unescaped. */
struct digest_creds {
	char username[DIGEST_MAX_USERNAME];
	char realm[DIGEST_MAX_REALM];
	char nonce[DIGEST_MAX_NONCE];
	char uri[DIGEST_MAX_URI];
	char response[65];          /* lower-cased hex */
	char cnonce[DIGEST_MAX_CNONCE];
	char opaque[DIGEST_MAX_OPAQUE];
	char nc[9];                 /* 8 hex digits as sent */
	uint32_t nc_value;
	enum secret_digest alg;     /* MD5 when algorithm is absent */
	bool has_opaque, has_qop;
};

/*
 * Parse value[0..n) (the header value, "Digest ..."): parameters in any
 * order, quoted strings with backslash escapes, unknown parameters ignored.
 * Returns 0; 1 when the scheme is not Digest (RFC 4475 regaut01: answer
 * with a challenge); -1 when malformed: a parameter twice, a value too long
 * or holding a control character, username/realm/nonce/uri/response
 * missing, an algorithm other than MD5 or SHA-256 (no -sess), a qop other
 * than auth, userhash=true, a response of the wrong length for the
 * algorithm, qop without cnonce and nc. err gets "Bad Request - ..." text.
 */
int digest_creds_parse(struct digest_creds *c, const char *value, size_t n,
		       struct ucsh_err *err);

enum digest_verdict {
	DIGEST_OK = 0,
	DIGEST_STALE,   /* right response, nonce expired or not ours: challenge with stale=true */
	DIGEST_DENIED,  /* wrong response, realm, URI, algorithm, replayed nc, ... */
};

/*
 * Check parsed credentials for a request: realm must equal realm, the
 * digest URI must equal request_uri (byte for byte: RFC 7616 3.4.6), qop
 * must be auth with cnonce and an nc greater than the last accepted for
 * that nonce, and the response must be the one ha1_hex (the stored HA1 of
 * c->alg for username and realm) gives. Pass a random ha1_hex for unknown
 * users: the work and the verdict are then the same as for a wrong PIN.
 * The nc is only recorded when the verdict is DIGEST_OK. err says why for
 * the log (never a secret).
 */
enum digest_verdict digest_verify(struct digest_server *s, const struct digest_creds *c,
				  const char *realm, const char *method, const char *request_uri,
				  const char *ha1_hex, time_t now, struct ucsh_err *err);

/* ---- Client side ------------------------------------------------------ */

/* A WWW-Authenticate or Proxy-Authenticate challenge, parsed. */
struct digest_challenge {
	char realm[DIGEST_MAX_REALM];
	char nonce[DIGEST_MAX_NONCE];
	char opaque[DIGEST_MAX_OPAQUE];
	enum secret_digest alg;
	bool has_opaque, qop_auth, stale;
};

/* 0, 1 when not a Digest challenge or one we cannot answer (unknown
 * algorithm, no qop=auth), -1 when malformed. */
int digest_challenge_parse(struct digest_challenge *ch, const char *value, size_t n,
			   struct ucsh_err *err);

/*
 * response = H(HA1 ":" nonce ":" nc ":" cnonce ":" "auth" ":" H(method ":" uri))
 * in lower-case hex into out (65 bytes). 0 / -1.
 */
int digest_response(enum secret_digest alg, const char *ha1_hex, const char *nonce,
		    const char *nc, const char *cnonce, const char *method, const char *uri,
		    char out[65], struct ucsh_err *err);

/*
 * Append to out an Authorization value answering ch for username and
 * password (a PIN) on method and uri: "Digest username=\"..\", realm=..,
 * nonce=.., uri=.., response=.., algorithm=.., cnonce=.., opaque=.., qop=auth,
 * nc=........". cnonce NULL draws a random one. The HA1 computed on the way
 * is wiped before returning; the password stays the caller's to wipe. 0 / -1.
 */
int digest_authorization(struct strbuf *out, const struct digest_challenge *ch,
			 const char *username, const char *password, const char *method,
			 const char *uri, uint32_t nc, const char *cnonce, struct ucsh_err *err);

#endif
