/*
 * secret: PINs and what is derived from them. A PIN is never stored: the
 * store keeps a salted PBKDF2-HMAC-SHA256 verifier (to check history and
 * PINs typed at ucsh) and the digest HA1 values the registrar and the
 * external web site need (RFC 7616 / RFC 8760, MD5 and SHA-256).
 *
 * Be clear about what that buys. A 4-8 digit PIN has at most 10^8 values,
 * and an HA1 is one fast hash of user:realm:PIN, so anyone who reads the
 * store recovers every PIN offline in seconds, whatever the verifier's
 * iteration count. Digest authentication needs the HA1, so it has to be
 * there. The real protection is that the store file is readable by its
 * owner only (0600, created so by store_open) and that no PIN is written
 * anywhere in clear; the verifier's cost only keeps PINs out of reach of a
 * copy of the verifiers alone (audit exports, PinHistory).
 *
 * OpenSSL 3 EVP interfaces only. Every buffer that held a PIN or a value
 * derived from it is wiped (OPENSSL_cleanse) before it is released; callers
 * should do the same with the PINs they hold (secret_wipe).
 */
#ifndef UCSH_SECRET_H
#define UCSH_SECRET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define SECRET_PIN_MIN_LENGTH 4   /* Lync's floor for MinPasswordLength */
#define SECRET_PIN_MAX_LENGTH 24  /* Lync's ceiling */
#define SECRET_HA1_HEX_LEN 65     /* SHA-256 in hex + NUL; MD5 uses 33 of it */

/*
 * PBKDF2 iterations for new verifiers. Measured on this project's 2-core
 * build machine (AMD EPYC, OpenSSL 3.0.19, 1000 hashes): 4.4-7.0 ms per
 * PIN, so a bulk import of 10,000 PINs spends 45-70 s hashing on one core
 * (100,000 iterations would make that 8-12 minutes). Verifiers
 * record their own count, so this can be raised without invalidating old
 * ones (secret_pin_needs_rehash tells when a PIN should be re-hashed).
 */
#define SECRET_PBKDF2_ITERATIONS 10000

enum secret_digest {
	SECRET_MD5,
	SECRET_SHA256,
};

/* Wipe n bytes at p so that the compiler cannot skip it. */
void secret_wipe(void *p, size_t n);

/*
 * A new verifier for pin: "pbkdf2-sha256$ITER$SALT_B64$HASH_B64" with a
 * random 16-byte salt. Returns a string the caller frees (it is not
 * secret on its own), or NULL with err filled.
 */
char *secret_pin_hash(const char *pin, struct ucsh_err *err);
/* 1 when pin matches verifier, 0 when it does not, -1 when the verifier is
 * malformed (err filled). Compares in constant time. */
int secret_pin_verify(const char *pin, const char *verifier, struct ucsh_err *err);
/* True when verifier uses fewer iterations than new ones would. */
bool secret_pin_needs_rehash(const char *verifier);

/* HA1 = H(user ":" realm ":" pin) in lower-case hex into out. 0 / -1. */
int secret_ha1(enum secret_digest alg, const char *user, const char *realm, const char *pin,
	       char out[SECRET_HA1_HEX_LEN], struct ucsh_err *err);
/*
 * The HA1 of pin for every user and realm pair (NULL-terminated lists), as
 * the object {"user:realm": "hex", ...} that ClientPin's Ha1Md5/Ha1Sha256
 * hold. New reference, or NULL with err filled.
 */
json_t *secret_ha1_table(enum secret_digest alg, const char *const *users,
			 const char *const *realms, const char *pin, struct ucsh_err *err);

/* The parts of a PinPolicy that judge a new PIN. */
struct secret_pin_policy {
	unsigned min_length;        /* MinPasswordLength */
	bool allow_common_patterns; /* AllowCommonPatterns */
	unsigned history_count;     /* PINHistoryCount */
};

/* Lync's defaults: 5 digits, no common patterns, no history. */
void secret_pin_policy_default(struct secret_pin_policy *p);
/* From a PinPolicy object as the store returns it. 0 / -1. */
int secret_pin_policy_from_json(const json_t *policy, struct secret_pin_policy *p,
				struct ucsh_err *err);

/*
 * Whether pin may be set under p. history: the verifiers of the current
 * and earlier PINs, newest first (ClientPin's PinHash followed by its
 * PinHistory), or NULL; the first history_count are checked. personal:
 * NULL-terminated numbers the PIN must not match (the user's extension,
 * phone number), or NULL. Returns 0, or -1 with the reason in err, e.g.
 * "PIN is a common pattern (ascending digits)". The reason never contains
 * the PIN.
 */
int secret_pin_check(const char *pin, const struct secret_pin_policy *p, const json_t *history,
		     const char *const *personal, struct ucsh_err *err);

/* A new history: verifier, then history, keeping at most keep entries.
 * history may be NULL. New reference. */
json_t *secret_pin_history_push(const json_t *history, const char *verifier, size_t keep);

/*
 * A random PIN of len digits (0: the policy's minimum, at least 6) that
 * passes p, from OpenSSL's CSPRNG with unbiased digits, into out (outsz
 * bytes, at least len + 1). 0 / -1. Wipe out when done with it.
 */
int secret_generate_pin(size_t len, const struct secret_pin_policy *p, char *out, size_t outsz,
			struct ucsh_err *err);

#endif
