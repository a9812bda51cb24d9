/*
 * secret: PIN verifiers (PBKDF2-HMAC-SHA256), digest HA1 values, the PIN
 * policy and PIN generation. See secret.h for what these protect and what
 * they cannot.
 */
#include "config.h"
#include "secret.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define SALT_LEN 16
#define HASH_LEN 32
#define MAX_SALT_LEN 64
#define MAX_ITERATIONS 10000000ul /* bounds the work a tampered verifier can cause */
#define VERIFIER_PREFIX "pbkdf2-sha256$"

void secret_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

/* ---- PBKDF2 verifiers ------------------------------------------------- */

static int pbkdf2(const char *pin, const unsigned char *salt, size_t salt_len, unsigned iter,
		  unsigned char out[HASH_LEN])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "PBKDF2", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pin, strlen(pin)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
		OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	int ok = ctx && EVP_KDF_derive(ctx, out, HASH_LEN, params) > 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* Standard base64 with padding; out needs 4 * ceil(n / 3) + 1 bytes. */
static void b64_encode(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* Decode exactly; returns the length, or -1 when s is not base64 or too long. */
static int b64_decode(const char *s, size_t n, unsigned char *out, size_t outsz)
{
	if (n == 0 || n % 4 || n / 4 * 3 > outsz)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/' &&
		    !(s[i] == '=' && i >= n - 2))
			return -1;
	int len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (len < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	return len - (s[n - 1] == '=') - (s[n - 2] == '=');
}

char *secret_pin_hash(const char *pin, struct ucsh_err *err)
{
	unsigned char salt[SALT_LEN], hash[HASH_LEN];
	char salt64[((SALT_LEN + 2) / 3) * 4 + 1], hash64[((HASH_LEN + 2) / 3) * 4 + 1];
	if (RAND_bytes(salt, sizeof(salt)) != 1) {
		err_set(err, "the random number generator failed");
		return NULL;
	}
	if (pbkdf2(pin, salt, sizeof(salt), SECRET_PBKDF2_ITERATIONS, hash) < 0) {
		err_set(err, "PBKDF2-SHA256 is not available from OpenSSL");
		return NULL;
	}
	b64_encode(salt, sizeof(salt), salt64);
	b64_encode(hash, sizeof(hash), hash64);
	secret_wipe(hash, sizeof(hash));
	return xasprintf(VERIFIER_PREFIX "%u$%s$%s", SECRET_PBKDF2_ITERATIONS, salt64, hash64);
}

struct verifier {
	unsigned iter;
	unsigned char salt[MAX_SALT_LEN];
	int salt_len;
	unsigned char hash[HASH_LEN + 3];
	int hash_len;
};

static int parse_verifier(const char *v, struct verifier *out)
{
	size_t plen = strlen(VERIFIER_PREFIX);
	if (!v || strncmp(v, VERIFIER_PREFIX, plen) != 0)
		return -1;
	const char *p = v + plen, *salt, *hash;
	char *end;
	errno = 0;
	unsigned long iter = strtoul(p, &end, 10);
	if (end == p || *end != '$' || errno || iter == 0 || iter > MAX_ITERATIONS)
		return -1;
	salt = end + 1;
	hash = strchr(salt, '$');
	if (!hash)
		return -1;
	out->iter = (unsigned)iter;
	out->salt_len = b64_decode(salt, (size_t)(hash - salt), out->salt, sizeof(out->salt));
	hash++;
	out->hash_len = b64_decode(hash, strlen(hash), out->hash, sizeof(out->hash));
	return out->salt_len >= 8 && out->hash_len == HASH_LEN ? 0 : -1;
}

int secret_pin_verify(const char *pin, const char *verifier, struct ucsh_err *err)
{
	struct verifier v;
	unsigned char hash[HASH_LEN];
	if (parse_verifier(verifier, &v) < 0) {
		err_set(err, "the stored PIN verifier is malformed");
		err_hint(err, "set a new PIN with Set-CsClientPin");
		return -1;
	}
	if (pbkdf2(pin, v.salt, (size_t)v.salt_len, v.iter, hash) < 0) {
		err_set(err, "PBKDF2-SHA256 is not available from OpenSSL");
		return -1;
	}
	int match = CRYPTO_memcmp(hash, v.hash, HASH_LEN) == 0;
	secret_wipe(hash, sizeof(hash));
	secret_wipe(&v, sizeof(v));
	return match;
}

bool secret_pin_needs_rehash(const char *verifier)
{
	struct verifier v;
	return parse_verifier(verifier, &v) < 0 || v.iter < SECRET_PBKDF2_ITERATIONS;
}

/* ---- Digest HA1 ------------------------------------------------------- */

int secret_ha1(enum secret_digest alg, const char *user, const char *realm, const char *pin,
	       char out[SECRET_HA1_HEX_LEN], struct ucsh_err *err)
{
	EVP_MD *md = EVP_MD_fetch(NULL, alg == SECRET_MD5 ? "MD5" : "SHA256", NULL);
	EVP_MD_CTX *ctx = md ? EVP_MD_CTX_new() : NULL;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	/* Fed in pieces so that no buffer holds "user:realm:pin". */
	int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) &&
		 EVP_DigestUpdate(ctx, user, strlen(user)) && EVP_DigestUpdate(ctx, ":", 1) &&
		 EVP_DigestUpdate(ctx, realm, strlen(realm)) && EVP_DigestUpdate(ctx, ":", 1) &&
		 EVP_DigestUpdate(ctx, pin, strlen(pin)) && EVP_DigestFinal_ex(ctx, d, &n) &&
		 n * 2 < SECRET_HA1_HEX_LEN;
	EVP_MD_CTX_free(ctx); /* wipes its state */
	EVP_MD_free(md);
	if (!ok) {
		err_set(err, "%s is not available from OpenSSL",
			alg == SECRET_MD5 ? "MD5" : "SHA-256");
		err_hint(err, "a FIPS-only OpenSSL configuration refuses MD5; use SHA-256 digests");
		return -1;
	}
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	secret_wipe(d, sizeof(d));
	return 0;
}

json_t *secret_ha1_table(enum secret_digest alg, const char *const *users,
			 const char *const *realms, const char *pin, struct ucsh_err *err)
{
	json_t *table = json_object();
	char hex[SECRET_HA1_HEX_LEN];
	for (size_t i = 0; users && users[i]; i++) {
		for (size_t j = 0; realms && realms[j]; j++) {
			if (secret_ha1(alg, users[i], realms[j], pin, hex, err) < 0) {
				json_decref(table);
				return NULL;
			}
			char *key = xasprintf("%s:%s", users[i], realms[j]);
			json_object_set_new(table, key, json_string(hex));
			free(key);
		}
	}
	secret_wipe(hex, sizeof(hex));
	return table;
}

/* ---- The PIN policy --------------------------------------------------- */

void secret_pin_policy_default(struct secret_pin_policy *p)
{
	p->min_length = 5;
	p->allow_common_patterns = false;
	p->history_count = 0;
}

int secret_pin_policy_from_json(const json_t *policy, struct secret_pin_policy *p,
				struct ucsh_err *err)
{
	secret_pin_policy_default(p);
	json_t *min = json_object_get(policy, "MinPasswordLength");
	json_t *common = json_object_get(policy, "AllowCommonPatterns");
	json_t *history = json_object_get(policy, "PINHistoryCount");
	if (json_is_integer(min)) {
		json_int_t v = json_integer_value(min);
		if (v < SECRET_PIN_MIN_LENGTH || v > SECRET_PIN_MAX_LENGTH) {
			err_set(err, "the PIN policy's MinPasswordLength %lld is outside %d..%d",
				(long long)v, SECRET_PIN_MIN_LENGTH, SECRET_PIN_MAX_LENGTH);
			err_hint(err, "fix it with Set-CsPinPolicy -MinPasswordLength");
			return -1;
		}
		p->min_length = (unsigned)v;
	}
	if (json_is_boolean(common))
		p->allow_common_patterns = json_is_true(common);
	if (json_is_integer(history) && json_integer_value(history) > 0)
		p->history_count = json_integer_value(history) > 100 ? 100
			: (unsigned)json_integer_value(history);
	return 0;
}

/* The whole of pin is one unit of u digits repeated (1212, 123123). */
static bool repeats_unit(const char *pin, size_t n, size_t u)
{
	if (n % u || n == u)
		return false;
	for (size_t i = u; i < n; i++)
		if (pin[i] != pin[i % u])
			return false;
	return true;
}

/* 4 or more consecutive digits stepping by step (+1 ascending, -1 descending). */
static bool has_run(const char *pin, size_t n, int step)
{
	size_t run = 1;
	for (size_t i = 1; i < n; i++) {
		run = pin[i] - pin[i - 1] == step ? run + 1 : 1;
		if (run >= 4)
			return true;
	}
	return false;
}

/* Every digit doubled (225577, 1122): Lync's "repeating digits". */
static bool all_pairs(const char *pin, size_t n)
{
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i += 2)
		if (pin[i] != pin[i + 1])
			return false;
	return true;
}

/* Which common pattern pin is (Lync: repeating digits, 4+ consecutive
 * digits), or NULL. */
static const char *common_pattern(const char *pin, size_t n)
{
	if (repeats_unit(pin, n, 1))
		return "all the same digit";
	if (has_run(pin, n, 1))
		return "ascending digits";
	if (has_run(pin, n, -1))
		return "descending digits";
	for (size_t u = 2; u <= n / 2; u++)
		if (repeats_unit(pin, n, u))
			return "a repeated group of digits";
	if (all_pairs(pin, n))
		return "repeating digits";
	return NULL;
}

/* One group of digits (a number, an extension) against the PIN. */
static bool matches_number(const char *pin, size_t n, const char *digits, size_t d)
{
	return strcmp(digits, pin) == 0 || (d > n && strstr(digits, pin)) ||
	       (d >= 4 && d < n && strstr(pin, digits));
}

/* The PIN is, contains or is part of one of the user's numbers. Each run
 * of digits counts apart: tel:+14255550100;ext=100 is 14255550100 and 100. */
static bool matches_personal(const char *pin, size_t n, const char *const *personal)
{
	char digits[64];
	for (size_t i = 0; personal && personal[i]; i++) {
		const char *p = personal[i];
		while (*p) {
			size_t d = 0;
			while (*p && !isdigit((unsigned char)*p))
				p++;
			while (isdigit((unsigned char)*p)) {
				if (d < sizeof(digits) - 1)
					digits[d++] = *p;
				p++;
			}
			digits[d] = '\0';
			if (d && matches_number(pin, n, digits, d))
				return true;
		}
	}
	return false;
}

static int check_history(const char *pin, const struct secret_pin_policy *p,
			 const json_t *history, struct ucsh_err *err)
{
	size_t n = json_is_array(history) ? json_array_size(history) : 0;
	if (n > p->history_count)
		n = p->history_count;
	for (size_t i = 0; i < n; i++) {
		struct ucsh_err ignore;
		const char *v = json_string_value(json_array_get(history, i));
		if (v && secret_pin_verify(pin, v, &ignore) == 1) {
			err_set(err, "PIN was used recently (it is one of the last %u); choose another",
				p->history_count);
			err_hint(err, "PINHistoryCount in the PIN policy sets how many are remembered");
			return -1;
		}
	}
	return 0;
}

int secret_pin_check(const char *pin, const struct secret_pin_policy *p, const json_t *history,
		     const char *const *personal, struct ucsh_err *err)
{
	size_t n = pin ? strlen(pin) : 0;
	if (n == 0 || strspn(pin, "0123456789") != n) {
		err_set(err, "PIN must be digits only");
		err_hint(err, "phones have only a keypad: use %u to %d digits", p->min_length,
			 SECRET_PIN_MAX_LENGTH);
		return -1;
	}
	if (n < p->min_length || n > SECRET_PIN_MAX_LENGTH) {
		err_set(err, "PIN is too %s: %u to %d digits are allowed",
			n < p->min_length ? "short" : "long", p->min_length, SECRET_PIN_MAX_LENGTH);
		err_hint(err, "MinPasswordLength in the PIN policy sets the minimum");
		return -1;
	}
	if (!p->allow_common_patterns) {
		const char *why = common_pattern(pin, n);
		if (!why && matches_personal(pin, n, personal))
			why = "the phone number or extension";
		if (why) {
			err_set(err, "PIN is a common pattern (%s); choose another or set "
				"AllowCommonPatterns", why);
			err_hint(err, "Set-CsPinPolicy -AllowCommonPatterns $true allows such PINs");
			return -1;
		}
	}
	return check_history(pin, p, history, err);
}

json_t *secret_pin_history_push(const json_t *history, const char *verifier, size_t keep)
{
	json_t *out = json_array();
	if (keep > 0 && verifier)
		json_array_append_new(out, json_string(verifier));
	for (size_t i = 0; json_is_array(history) && i < json_array_size(history); i++) {
		if (json_array_size(out) >= keep)
			break;
		json_t *v = json_array_get(history, i);
		if (json_is_string(v))
			json_array_append(out, v);
	}
	return out;
}

/* ---- Generating PINs -------------------------------------------------- */

/* len uniformly random digits: bytes of 250 or more are thrown away so
 * that every digit is equally likely. */
static int random_digits(char *out, size_t len)
{
	unsigned char buf[64];
	size_t have = 0;
	while (have < len) {
		if (RAND_bytes(buf, sizeof(buf)) != 1)
			return -1;
		for (size_t i = 0; i < sizeof(buf) && have < len; i++)
			if (buf[i] < 250)
				out[have++] = (char)('0' + buf[i] % 10);
	}
	out[len] = '\0';
	secret_wipe(buf, sizeof(buf));
	return 0;
}

int secret_generate_pin(size_t len, const struct secret_pin_policy *p, char *out, size_t outsz,
			struct ucsh_err *err)
{
	if (len == 0)
		len = p->min_length > 6 ? p->min_length : 6;
	if (len < p->min_length || len > SECRET_PIN_MAX_LENGTH || outsz < len + 1) {
		err_set(err, "cannot generate a PIN of %zu digits: the policy allows %u to %d",
			len, p->min_length, SECRET_PIN_MAX_LENGTH);
		return -1;
	}
	/* Patterns are rare among random PINs; a few draws always suffice. */
	struct secret_pin_policy fresh = *p;
	fresh.history_count = 0;
	for (int attempt = 0; attempt < 1000; attempt++) {
		struct ucsh_err ignore;
		if (random_digits(out, len) < 0)
			break;
		if (secret_pin_check(out, &fresh, NULL, NULL, &ignore) == 0)
			return 0;
	}
	secret_wipe(out, outsz);
	err_set(err, "could not generate a PIN that the policy accepts");
	return -1;
}
