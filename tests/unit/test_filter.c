/* Unit tests of -Filter translation: script block to store filter. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filter.h"
#include "shell.h"

/* Evaluate `$b = { src }` in a fresh shell and translate $b. */
static enum filter_status translate(const char *src, char **json, char *why, size_t whylen)
{
	struct shell sh;
	shell_init(&sh);
	sh.out = fopen("/dev/null", "w");
	sh.err = sh.out;
	shell_var_set(&sh, "m", json_string("CX600"));
	char *prog = xasprintf("$b = { %s }", src);
	assert_int_equal(shell_run(&sh, prog, "test"), 0);
	free(prog);
	json_t *filter = NULL;
	struct ucsh_err err;
	err_clear(&err);
	enum filter_status st = filter_from_scriptblock(&sh, shell_var_get(&sh, "b"), &filter, &err);
	*json = filter ? json_dumps(filter, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	snprintf(why, whylen, "%s", err.msg);
	json_decref(filter);
	fclose(sh.out);
	shell_free(&sh);
	return st;
}

static void expect(const char *src, const char *want)
{
	char *got, why[512];
	assert_int_equal(translate(src, &got, why, sizeof(why)), FILTER_OK);
	assert_string_equal(got, want);
	free(got);
}

static void expect_untranslatable(const char *src)
{
	char *got, why[512];
	assert_int_equal(translate(src, &got, why, sizeof(why)), FILTER_UNTRANSLATABLE);
	assert_null(got);
	assert_true(why[0] != '\0');
}

static void test_simple_comparison(void **state)
{
	(void)state;
	expect("$_.Model -eq 'CX600'", "[{\"Op\":\"eq\",\"Property\":\"Model\",\"Value\":\"CX600\"}]");
}

static void test_and_or_not(void **state)
{
	(void)state;
	expect("$_.Model -eq 'CX600' -and -not ($_.Site -like 'HQ*' -or $_.Site -eq 'X')",
	       "[{\"And\":[{\"Op\":\"eq\",\"Property\":\"Model\",\"Value\":\"CX600\"},"
	       "{\"Not\":{\"Or\":[{\"Op\":\"like\",\"Property\":\"Site\",\"Value\":\"HQ*\"},"
	       "{\"Op\":\"eq\",\"Property\":\"Site\",\"Value\":\"X\"}]}}]}]");
}

static void test_value_on_the_left_is_mirrored(void **state)
{
	(void)state;
	expect("5 -lt $_.N", "[{\"Op\":\"gt\",\"Property\":\"N\",\"Value\":5}]");
}

static void test_variables_are_evaluated_now(void **state)
{
	(void)state;
	expect("$_.Model -eq $m", "[{\"Op\":\"eq\",\"Property\":\"Model\",\"Value\":\"CX600\"}]");
}

static void test_in_takes_a_list(void **state)
{
	(void)state;
	expect("$_.Model -in 'CX600','CX700'",
	       "[{\"Op\":\"in\",\"Property\":\"Model\",\"Value\":[\"CX600\",\"CX700\"]}]");
}

static void test_what_does_not_translate(void **state)
{
	(void)state;
	expect_untranslatable("$_.Model.Length -gt 3");          /* a property of a property */
	expect_untranslatable("$_.Model -ceq 'CX600'");           /* case-sensitive */
	expect_untranslatable("$_.Model -match '^CX'");           /* regex */
	expect_untranslatable("$_.A -eq $_.B");                  /* two properties */
	expect_untranslatable("$_.Model -eq 'a'; $_.Site");       /* two statements */
	expect_untranslatable("Get-Thing");                       /* a command */
	expect_untranslatable("'x' -in $_.Tags");                 /* reversed -in */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_comparison),
		cmocka_unit_test(test_and_or_not),
		cmocka_unit_test(test_value_on_the_left_is_mirrored),
		cmocka_unit_test(test_variables_are_evaluated_now),
		cmocka_unit_test(test_in_takes_a_list),
		cmocka_unit_test(test_what_does_not_translate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
