/* Unit tests of parameter binding against a fixture cmdlet entry. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bind.h"
#include "value.h"

static const char *const scopes[] = { "Internal", "External", "All", NULL };
static const char *const id_aliases[] = { "MacAddress", NULL };

static const struct cmd_param fixture_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, .aliases = id_aliases },
	{ .name = "IdentityType", .type = PT_STRING, .position = POS_NAMED },
	{ .name = "Count", .type = PT_INT, .position = 1 },
	{ .name = "Scope", .type = PT_ENUM, .position = POS_NAMED, .values = scopes },
	{ .name = "Tags", .type = PT_STRING, .position = POS_NAMED, .flags = PF_ARRAY },
	{ .name = "Enabled", .type = PT_BOOL, .position = POS_NAMED, .flags = PF_PIPE_PROP },
	{ .name = "Interval", .type = PT_TIMESPAN, .position = POS_NAMED },
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED },
	{ 0 },
};

static const struct cmd_entry fixture = {
	.name = "Set-Fixture",
	.params = fixture_params,
	.flags = CMD_CHANGES_STATE,
};

struct call {
	json_t *keep;
	struct bind_arg args[16];
	size_t n;
};

static void named(struct call *c, const char *name, json_t *v)
{
	c->args[c->n].name = name;
	c->args[c->n].value = v;
	if (v)
		json_array_append_new(c->keep, v);
	c->n++;
}

static json_t *bind(struct call *c, struct ucsh_err *err)
{
	json_t *params = NULL;
	int rc = bind_args(&fixture, c->args, c->n, &params, err);
	json_decref(c->keep);
	return rc ? NULL : params;
}

static void test_named_positional_and_prefix(void **state)
{
	(void)state;
	struct call c = { .keep = json_array() };
	struct ucsh_err err;
	named(&c, NULL, json_string("00-04-F2-AB-CD-EF"));
	named(&c, NULL, json_string("7"));
	named(&c, "sco", NULL);
	named(&c, NULL, json_string("external"));
	json_t *p = bind(&c, &err);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "Identity")), "00-04-F2-AB-CD-EF");
	assert_int_equal(json_integer_value(json_object_get(p, "Count")), 7);
	assert_string_equal(json_string_value(json_object_get(p, "Scope")), "External");
	json_decref(p);
}

static void test_ambiguous_prefix(void **state)
{
	(void)state;
	struct call c = { .keep = json_array() };
	struct ucsh_err err;
	named(&c, "Iden", NULL);
	named(&c, NULL, json_string("x"));
	assert_null(bind(&c, &err));
	assert_non_null(strstr(err.msg, "ambiguous"));
	assert_non_null(strstr(err.msg, "-Identity, -IdentityType"));
}

static void test_exact_name_beats_prefix(void **state)
{
	(void)state;
	struct call c = { .keep = json_array() };
	struct ucsh_err err;
	named(&c, "identity", NULL);
	named(&c, NULL, json_string("x"));
	json_t *p = bind(&c, &err);
	assert_non_null(p);
	json_decref(p);
}

static void test_common_switches(void **state)
{
	(void)state;
	struct call c = { .keep = json_array() };
	struct ucsh_err err;
	named(&c, NULL, json_string("x"));
	named(&c, "WhatIf", NULL);
	named(&c, "Confirm", json_false());
	c.args[c.n - 1].colon = true;
	json_t *p = bind(&c, &err);
	assert_non_null(p);
	assert_true(json_is_true(json_object_get(p, "WhatIf")));
	assert_true(json_is_false(json_object_get(p, "Confirm")));
	json_decref(p);
}

static void test_conversion_errors_name_the_parameter(void **state)
{
	(void)state;
	struct ucsh_err err;
	struct call c = { .keep = json_array() };
	named(&c, "Count", NULL);
	named(&c, NULL, json_string("many"));
	assert_null(bind(&c, &err));
	assert_non_null(strstr(err.msg, "cannot convert 'many' to a whole number for parameter -Count"));

	struct call d = { .keep = json_array() };
	named(&d, "Scope", NULL);
	named(&d, NULL, json_string("Outside"));
	assert_null(bind(&d, &err));
	assert_non_null(strstr(err.msg, "not a valid value for -Scope"));
	assert_non_null(strstr(err.hint, "Internal, External, All"));

	struct call e = { .keep = json_array() };
	named(&e, "Filter", NULL);
	named(&e, NULL, json_string("text"));
	assert_null(bind(&e, &err));
	assert_non_null(strstr(err.msg, "script block"));
}

static void test_missing_value_and_unknown_parameter(void **state)
{
	(void)state;
	struct ucsh_err err;
	struct call c = { .keep = json_array() };
	named(&c, "Count", NULL);
	assert_null(bind(&c, &err));
	assert_non_null(strstr(err.msg, "-Count needs a value"));
	struct call d = { .keep = json_array() };
	named(&d, "Frobnicate", NULL);
	assert_null(bind(&d, &err));
	assert_non_null(strstr(err.msg, "Set-Fixture has no parameter -Frobnicate"));
}

static void test_arrays_and_timespans(void **state)
{
	(void)state;
	struct ucsh_err err;
	struct call c = { .keep = json_array() };
	named(&c, "Tags", NULL);
	named(&c, NULL, json_string("one"));
	named(&c, "Interval", NULL);
	named(&c, NULL, json_string("1h30m"));
	json_t *p = bind(&c, &err);
	assert_non_null(p);
	assert_int_equal(json_array_size(json_object_get(p, "Tags")), 1);
	assert_int_equal(json_integer_value(json_object_get(p, "Interval")), 5400);
	json_decref(p);
}

static void test_pipeline_by_property_name_and_alias(void **state)
{
	(void)state;
	struct ucsh_err err;
	json_t *params = json_object(), *bound = NULL;
	json_t *in = json_pack("{s:s,s:b}", "MacAddress", "0004f2abcdef", "enabled", 1);
	assert_int_equal(bind_pipeline(&fixture, params, in, &bound, &err), 0);
	assert_string_equal(json_string_value(json_object_get(bound, "Identity")), "0004f2abcdef");
	assert_true(json_is_true(json_object_get(bound, "Enabled")));
	assert_int_equal(bind_check_mandatory(&fixture, bound, false, &err), 0);
	json_decref(bound);
	json_decref(in);
	json_decref(params);
}

static void test_pipeline_by_value_and_written_args_win(void **state)
{
	(void)state;
	struct ucsh_err err;
	json_t *params = json_pack("{s:i}", "Count", 3), *bound = NULL;
	json_t *in = json_string("sip:ken@contoso.com");
	assert_int_equal(bind_pipeline(&fixture, params, in, &bound, &err), 0);
	assert_string_equal(json_string_value(json_object_get(bound, "Identity")),
			    "sip:ken@contoso.com");
	assert_int_equal(json_integer_value(json_object_get(bound, "Count")), 3);
	json_decref(bound);
	json_decref(in);
	json_decref(params);
}

static void test_pipeline_input_that_fits_nothing(void **state)
{
	(void)state;
	struct ucsh_err err;
	json_t *params = json_object(), *bound = NULL;
	json_t *in = json_pack("{s:s}", "Unrelated", "x");
	assert_int_equal(bind_pipeline(&fixture, params, in, &bound, &err), -1);
	assert_non_null(strstr(err.msg, "fits no parameter of Set-Fixture"));
	json_decref(in);
	json_decref(params);
}

static void test_mandatory(void **state)
{
	(void)state;
	struct ucsh_err err;
	json_t *params = json_object();
	assert_int_equal(bind_check_mandatory(&fixture, params, true, &err), 0);
	assert_int_equal(bind_check_mandatory(&fixture, params, false, &err), -1);
	assert_non_null(strstr(err.msg, "missing the mandatory parameter -Identity"));
	json_decref(params);
}

static void test_timespan_forms(void **state)
{
	(void)state;
	double s;
	assert_true(bind_parse_timespan("90", &s) && s == 90);
	assert_true(bind_parse_timespan("15m", &s) && s == 900);
	assert_true(bind_parse_timespan("7d", &s) && s == 604800);
	assert_true(bind_parse_timespan("01:02:03", &s) && s == 3723);
	assert_false(bind_parse_timespan("soon", &s));
	assert_false(bind_parse_timespan("-5m", &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_positional_and_prefix),
		cmocka_unit_test(test_ambiguous_prefix),
		cmocka_unit_test(test_exact_name_beats_prefix),
		cmocka_unit_test(test_common_switches),
		cmocka_unit_test(test_conversion_errors_name_the_parameter),
		cmocka_unit_test(test_missing_value_and_unknown_parameter),
		cmocka_unit_test(test_arrays_and_timespans),
		cmocka_unit_test(test_pipeline_by_property_name_and_alias),
		cmocka_unit_test(test_pipeline_by_value_and_written_args_win),
		cmocka_unit_test(test_pipeline_input_that_fits_nothing),
		cmocka_unit_test(test_mandatory),
		cmocka_unit_test(test_timespan_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
