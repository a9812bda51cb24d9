/*
 * Unit tests for secret: PIN verifiers, digest HA1 known answers, the PIN
 * policy (length, Lync's common patterns, history) and PIN generation.
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

#include "secret.h"

static void test_hash_and_verify(void **state)
{
	(void)state;
	struct ucsh_err err = { 0 };
	char *v = secret_pin_hash("582913", &err);
	assert_non_null(v);
	assert_int_equal(strncmp(v, "pbkdf2-sha256$10000$", 20), 0);
	assert_null(strstr(v, "582913"));
	assert_int_equal(secret_pin_verify("582913", v, &err), 1);
	assert_int_equal(secret_pin_verify("582914", v, &err), 0);
	assert_int_equal(secret_pin_verify("", v, &err), 0);
	assert_false(secret_pin_needs_rehash(v));
	/* Salted: the same PIN never gives the same verifier twice. */
	char *w = secret_pin_hash("582913", &err);
	assert_string_not_equal(v, w);
	assert_int_equal(secret_pin_verify("582913", w, &err), 1);
	free(v);
	free(w);
}

static void test_verify_known_vector(void **state)
{
	(void)state;
	struct ucsh_err err = { 0 };
	/* RFC 7914 / RFC 6070-style PBKDF2-HMAC-SHA256 vector, 4096 iterations. */
	const char *v = "pbkdf2-sha256$4096$c2FsdFNBTFRzYWx0U0FMVHNhbHRTQUxUc2FsdFNBTFRzYWx0"
			"$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+E=";
	assert_int_equal(secret_pin_verify("passwordPASSWORDpassword", v, &err), 1);
	assert_int_equal(secret_pin_verify("passwordPASSWORDpassworD", v, &err), 0);
	assert_true(secret_pin_needs_rehash(v)); /* fewer iterations than new ones */
}

static void test_malformed_verifiers(void **state)
{
	(void)state;
	struct ucsh_err err = { 0 };
	static const char *const bad[] = {
		"", "582913", "md5$1$AAAA$AAAA", "pbkdf2-sha256$$AAAAAAAAAAAA$AAAA",
		"pbkdf2-sha256$0$c2FsdHNhbHRzYWx0$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+E=",
		"pbkdf2-sha256$99999999999$c2FsdHNhbHRzYWx0$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+E=",
		"pbkdf2-sha256$10$c2FsdHNhbHRzYWx0$short===",
		"pbkdf2-sha256$10$c2Fs$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+E=",
		"pbkdf2-sha256$10$c2FsdHNhbHRzYWx0",
		"pbkdf2-sha256$10$c2FsdHNh!HRzYWx0$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+E=",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_int_equal(secret_pin_verify("1234", bad[i], &err), -1);
		assert_string_equal(err.msg, "the stored PIN verifier is malformed");
	}
	assert_int_equal(secret_pin_verify("1234", NULL, &err), -1);
}

static void test_ha1_known_answers(void **state)
{
	(void)state;
	struct ucsh_err err = { 0 };
	char hex[SECRET_HA1_HEX_LEN];
	/* printf 'ken:contoso.com:582913' | md5sum / sha256sum */
	assert_int_equal(secret_ha1(SECRET_MD5, "ken", "contoso.com", "582913", hex, &err), 0);
	assert_string_equal(hex, "d11c4fcaea7367facd7d1c0335c6de88");
	assert_int_equal(secret_ha1(SECRET_SHA256, "ken", "contoso.com", "582913", hex, &err), 0);
	assert_string_equal(hex, "f0eaf0274082057435a8a279d0bfe24323b0d8de835990e9ea2bd4f9533847c6");
	/* The user and realm of RFC 7616's examples. */
	assert_int_equal(secret_ha1(SECRET_MD5, "Mufasa", "http-auth@example.org", "Circle of Life",
				    hex, &err), 0);
	assert_string_equal(hex, "3d78807defe7de2157e2b0b6573a855f");
	assert_int_equal(secret_ha1(SECRET_SHA256, "Mufasa", "http-auth@example.org",
				    "Circle of Life", hex, &err), 0);
	assert_string_equal(hex, "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232");
}

static void test_ha1_table(void **state)
{
	(void)state;
	struct ucsh_err err = { 0 };
	const char *users[] = { "ken", "100", NULL };
	const char *realms[] = { "contoso.com", "fabrikam.com", NULL };
	json_t *t = secret_ha1_table(SECRET_MD5, users, realms, "582913", &err);
	assert_non_null(t);
	assert_int_equal(json_object_size(t), 4);
	assert_string_equal(json_string_value(json_object_get(t, "ken:contoso.com")),
			    "d11c4fcaea7367facd7d1c0335c6de88");
	assert_non_null(json_object_get(t, "100:fabrikam.com"));
	char *dump = json_dumps(t, 0);
	assert_null(strstr(dump, "582913"));
	free(dump);
	json_decref(t);
}

/* The reason a PIN is refused, or "" when it is accepted. */
static const char *check(const char *pin, const struct secret_pin_policy *p)
{
	static struct ucsh_err err;
	memset(&err, 0, sizeof(err));
	return secret_pin_check(pin, p, NULL, NULL, &err) == 0 ? "" : err.msg;
}

static void test_policy_patterns(void **state)
{
	(void)state;
	struct secret_pin_policy p;
	secret_pin_policy_default(&p);
	p.min_length = 4;
	assert_string_equal(check("1234", &p),
			    "PIN is a common pattern (ascending digits); choose another or set "
			    "AllowCommonPatterns");
	assert_non_null(strstr(check("1111", &p), "all the same digit"));
	assert_non_null(strstr(check("4321", &p), "descending digits"));
	assert_non_null(strstr(check("1212", &p), "a repeated group"));
	assert_non_null(strstr(check("121212", &p), "a repeated group"));
	assert_non_null(strstr(check("123123", &p), "a repeated group"));
	assert_non_null(strstr(check("123456", &p), "ascending"));
	assert_non_null(strstr(check("991234", &p), "ascending")); /* Lync's own example */
	assert_non_null(strstr(check("225577", &p), "repeating digits")); /* and this one */
	assert_non_null(strstr(check("98765", &p), "descending"));
	assert_string_equal(check("582913", &p), "");
	assert_string_equal(check("1357", &p), "");
	assert_string_equal(check("2580", &p), "");
	p.allow_common_patterns = true;
	assert_string_equal(check("1234", &p), "");
	assert_string_equal(check("1111", &p), "");
}

static void test_policy_length_and_digits(void **state)
{
	(void)state;
	struct secret_pin_policy p;
	secret_pin_policy_default(&p); /* 5 digits minimum */
	assert_non_null(strstr(check("5829", &p), "PIN is too short: 5 to 24 digits"));
	assert_string_equal(check("58291", &p), "");
	assert_non_null(strstr(check("5829135829135829135829135", &p), "too long"));
	assert_string_equal(check("58a913", &p), "PIN must be digits only");
	assert_string_equal(check("", &p), "PIN must be digits only");
	assert_string_equal(check(" 582913", &p), "PIN must be digits only");
	p.allow_common_patterns = true;
	assert_non_null(strstr(check("1234", &p), "too short"));
}

static void test_policy_personal_numbers(void **state)
{
	(void)state;
	struct ucsh_err err = { 0 };
	struct secret_pin_policy p;
	secret_pin_policy_default(&p);
	const char *personal[] = { "tel:+14255550173;ext=58291", NULL };
	assert_int_equal(secret_pin_check("58291", &p, NULL, personal, &err), -1);
	assert_non_null(strstr(err.msg, "phone number or extension"));
	assert_int_equal(secret_pin_check("55501", &p, NULL, personal, &err), -1);
	assert_int_equal(secret_pin_check("582913", &p, NULL, personal, &err), -1);
	assert_int_equal(secret_pin_check("739184", &p, NULL, personal, &err), 0);
}

static void test_policy_history(void **state)
{
	(void)state;
	struct ucsh_err err = { 0 };
	struct secret_pin_policy p;
	secret_pin_policy_default(&p);
	p.history_count = 2;
	char *v1 = secret_pin_hash("582913", &err), *v2 = secret_pin_hash("739184", &err),
	     *v3 = secret_pin_hash("640275", &err);
	json_t *h = secret_pin_history_push(NULL, v1, 5); /* oldest */
	json_t *h2 = secret_pin_history_push(h, v2, 5);
	json_t *h3 = secret_pin_history_push(h2, v3, 5); /* newest first */
	assert_int_equal(json_array_size(h3), 3);
	assert_int_equal(secret_pin_check("640275", &p, h3, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "used recently"));
	assert_null(strstr(err.msg, "640275"));
	assert_int_equal(secret_pin_check("739184", &p, h3, NULL, &err), -1);
	/* Only the last history_count count. */
	assert_int_equal(secret_pin_check("582913", &p, h3, NULL, &err), 0);
	p.history_count = 0;
	assert_int_equal(secret_pin_check("640275", &p, h3, NULL, &err), 0);
	json_t *short_h = secret_pin_history_push(h3, v1, 2);
	assert_int_equal(json_array_size(short_h), 2);
	assert_string_equal(json_string_value(json_array_get(short_h, 1)), v3);
	json_decref(h);
	json_decref(h2);
	json_decref(h3);
	json_decref(short_h);
	free(v1);
	free(v2);
	free(v3);
}

static void test_policy_from_json(void **state)
{
	(void)state;
	struct ucsh_err err = { 0 };
	struct secret_pin_policy p;
	json_t *pol = json_pack("{s:s, s:i, s:b, s:i}", "Identity", "Global", "MinPasswordLength", 6,
				"AllowCommonPatterns", 1, "PINHistoryCount", 5);
	assert_int_equal(secret_pin_policy_from_json(pol, &p, &err), 0);
	assert_int_equal(p.min_length, 6);
	assert_true(p.allow_common_patterns);
	assert_int_equal(p.history_count, 5);
	json_object_set_new(pol, "MinPasswordLength", json_integer(2));
	assert_int_equal(secret_pin_policy_from_json(pol, &p, &err), -1);
	assert_non_null(strstr(err.msg, "MinPasswordLength"));
	json_decref(pol);
}

static void test_generated_pins_pass_policy(void **state)
{
	(void)state;
	struct ucsh_err err = { 0 };
	struct secret_pin_policy p;
	char pin[SECRET_PIN_MAX_LENGTH + 1];
	unsigned digits[10] = { 0 };
	secret_pin_policy_default(&p);
	for (int i = 0; i < 500; i++) {
		assert_int_equal(secret_generate_pin(0, &p, pin, sizeof(pin), &err), 0);
		assert_int_equal(strlen(pin), 6);
		assert_int_equal(secret_pin_check(pin, &p, NULL, NULL, &err), 0);
		for (const char *c = pin; *c; c++)
			digits[*c - '0']++;
	}
	for (int d = 0; d < 10; d++) /* 3000 digits: every one shows up */
		assert_true(digits[d] > 0);
	p.min_length = 4;
	assert_int_equal(secret_generate_pin(4, &p, pin, sizeof(pin), &err), 0);
	assert_int_equal(strlen(pin), 4);
	assert_int_equal(secret_pin_check(pin, &p, NULL, NULL, &err), 0);
	p.min_length = 8;
	assert_int_equal(secret_generate_pin(0, &p, pin, sizeof(pin), &err), 0);
	assert_int_equal(strlen(pin), 8);
	assert_int_equal(secret_generate_pin(6, &p, pin, sizeof(pin), &err), -1);
	assert_int_equal(secret_generate_pin(25, &p, pin, sizeof(pin), &err), -1);
	assert_int_equal(secret_generate_pin(8, &p, pin, 8, &err), -1);
	secret_wipe(pin, sizeof(pin));
	for (size_t i = 0; i < sizeof(pin); i++)
		assert_int_equal(pin[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_and_verify),
		cmocka_unit_test(test_verify_known_vector),
		cmocka_unit_test(test_malformed_verifiers),
		cmocka_unit_test(test_ha1_known_answers),
		cmocka_unit_test(test_ha1_table),
		cmocka_unit_test(test_policy_patterns),
		cmocka_unit_test(test_policy_length_and_digits),
		cmocka_unit_test(test_policy_personal_numbers),
		cmocka_unit_test(test_policy_history),
		cmocka_unit_test(test_policy_from_json),
		cmocka_unit_test(test_generated_pins_pass_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
