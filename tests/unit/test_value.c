/* Unit tests of values and operators: comparison rules, conversions, wildcards. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ops.h"
#include "value.h"

static int cmp(json_t *a, json_t *b)
{
	int c = 99;
	assert_int_equal(value_compare(a, b, &c, NULL), 0);
	json_decref(a);
	json_decref(b);
	return c;
}

static void test_versions_compare_by_component(void **state)
{
	(void)state;
	assert_int_equal(cmp(json_string("4.0.7577.4100"), json_string("4.0.7577.250")), 1);
	assert_int_equal(cmp(json_string("4.0.7577.250"), json_string("4.0.7577.1000")), -1);
	assert_int_equal(cmp(json_string("4.0.10"), json_string("4.0.9")), 1);
	assert_int_equal(cmp(json_string("4.0.09"), json_string("4.0.9")), 0);
	assert_int_equal(cmp(json_string("4.0"), json_string("4.0.0")), -1);
}

static void test_two_part_numbers_stay_numbers(void **state)
{
	(void)state;
	/* 1.5 vs 1.10 is a number compare: 1.5 > 1.1 */
	assert_int_equal(cmp(json_string("1.5"), json_string("1.10")), 1);
}

static void test_numbers_and_numeric_strings(void **state)
{
	(void)state;
	assert_int_equal(cmp(json_integer(2), json_string("10")), -1);
	assert_int_equal(cmp(json_real(2.5), json_integer(2)), 1);
	assert_int_equal(cmp(json_string("b"), json_string("A")), 1);
	assert_int_equal(cmp(json_string("abc"), json_string("ABC")), 0);
	assert_int_equal(cmp(json_null(), json_integer(0)), -1);
}

static void test_objects_do_not_order(void **state)
{
	(void)state;
	int c;
	struct ucsh_err err;
	json_t *o = json_object(), *n = json_integer(1);
	assert_int_equal(value_compare(o, n, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cannot compare"));
	json_decref(o);
	json_decref(n);
}

static void test_is_version_string(void **state)
{
	(void)state;
	assert_true(value_is_version_string("4.0.7577.4100"));
	assert_true(value_is_version_string("1.2"));
	assert_false(value_is_version_string("1"));
	assert_false(value_is_version_string("1..2"));
	assert_false(value_is_version_string("1.2."));
	assert_false(value_is_version_string("a.b"));
	assert_false(value_is_version_string(""));
}

static void test_hidden_keys_and_types(void **state)
{
	(void)state;
	json_t *o = value_object_new("Phone");
	json_object_set_new(o, "MacAddress", json_string("00-04-F2-AB-CD-EF"));
	assert_string_equal(value_object_type(o), "Phone");
	assert_string_equal(value_type(o), "Phone");
	assert_int_equal(value_prop_count(o), 1);
	assert_string_equal(json_string_value(value_prop(o, "macaddress")), "00-04-F2-AB-CD-EF");
	assert_null(value_prop(o, "\x1ftype"));
	char *s = value_to_string(o);
	assert_string_equal(s, "@{MacAddress=00-04-F2-AB-CD-EF}");
	free(s);
	json_decref(o);
}

static void test_truthiness(void **state)
{
	(void)state;
	json_t *vals[] = { json_null(), json_false(), json_integer(0), json_string(""), json_array() };
	for (size_t i = 0; i < 5; i++) {
		assert_false(value_truthy(vals[i]));
		json_decref(vals[i]);
	}
	json_t *one = json_pack("[i]", 0);
	assert_false(value_truthy(one)); /* a single item has its item's truth */
	json_decref(one);
	json_t *s = json_string("0");
	assert_true(value_truthy(s));
	json_decref(s);
}

static void test_parse_number_rejects_words(void **state)
{
	(void)state;
	double d;
	assert_true(value_parse_number(" 42 ", &d) && d == 42);
	assert_true(value_parse_number("0x10", &d) && d == 16);
	assert_false(value_parse_number("inf", &d));
	assert_false(value_parse_number("nan", &d));
	assert_false(value_parse_number("12abc", &d));
	assert_false(value_parse_number("", &d));
}

static void test_wildcards(void **state)
{
	(void)state;
	assert_true(wildcard_match("cx*", "CX600"));
	assert_true(wildcard_match("?X6[0-9]0", "CX600"));
	assert_true(wildcard_match("*", ""));
	assert_true(wildcard_match("HQ*", "hq"));
	assert_false(wildcard_match("HQ?*", "hq"));
	assert_true(wildcard_match("HQ*", "hq-1"));
	assert_false(wildcard_match("a?", "a"));
	assert_true(wildcard_match("*a*b*", "xxaxxbxx"));
}

static void test_comparison_filters_a_list(void **state)
{
	(void)state;
	struct ucsh_err err;
	json_t *l = json_pack("[i,i,i,i]", 1, 2, 3, 2), *r = json_integer(2);
	json_t *out = ops_binary("eq", l, r, &err);
	char *s = json_dumps(out, JSON_COMPACT);
	assert_string_equal(s, "[2,2]");
	free(s);
	json_decref(out);
	json_decref(l);
	json_decref(r);
}

static void test_range_is_bounded(void **state)
{
	(void)state;
	struct ucsh_err err;
	json_t *a = json_integer(0), *b = json_integer(100000000);
	assert_null(ops_range(a, b, &err));
	assert_non_null(strstr(err.msg, "at most"));
	json_decref(a);
	json_decref(b);
}

static void test_bad_regex_is_an_error(void **state)
{
	(void)state;
	struct ucsh_err err;
	json_t *a = json_string("x"), *b = json_string("([");
	assert_null(ops_binary("match", a, b, &err));
	assert_non_null(strstr(err.msg, "invalid regular expression"));
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions_compare_by_component),
		cmocka_unit_test(test_two_part_numbers_stay_numbers),
		cmocka_unit_test(test_numbers_and_numeric_strings),
		cmocka_unit_test(test_objects_do_not_order),
		cmocka_unit_test(test_is_version_string),
		cmocka_unit_test(test_hidden_keys_and_types),
		cmocka_unit_test(test_truthiness),
		cmocka_unit_test(test_parse_number_rejects_words),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_comparison_filters_a_list),
		cmocka_unit_test(test_range_is_bounded),
		cmocka_unit_test(test_bad_regex_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
