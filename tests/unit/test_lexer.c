/* Unit tests of the lexer: both modes, strings, numbers, errors. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lexer.h"

/* Lex all of src in one mode into "TYPE:text" words joined by spaces. */
static char *lex_all(const char *src, enum lex_mode mode, enum lex_status *last)
{
	static char buf[1024];
	struct lexer lx;
	struct token t;
	struct ucsh_err err;
	lexer_init(&lx, src, strlen(src));
	buf[0] = '\0';
	for (;;) {
		*last = lexer_next(&lx, mode, &t, &err);
		if (*last != LEX_OK || t.type == T_EOF) {
			token_free(&t);
			break;
		}
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n, "%s%d:%s", n ? " " : "", t.type,
			 t.text ? t.text : "");
		token_free(&t);
	}
	return buf;
}

static void expect_tokens(const char *src, enum lex_mode mode, const char *want)
{
	enum lex_status st;
	char *got = lex_all(src, mode, &st);
	assert_int_equal(st, LEX_OK);
	assert_string_equal(got, want);
}

static void test_arg_mode_words_and_params(void **state)
{
	(void)state;
	char want[256];
	snprintf(want, sizeof(want), "%d:Get-CsPhone %d:Model %d:CX600 %d:Force %d:4.0.7577.1000",
		 T_WORD, T_PARAM, T_WORD, T_PARAM, T_WORD);
	expect_tokens("Get-CsPhone -Model CX600 -Force 4.0.7577.1000", LEX_ARG, want);
}

static void test_param_with_colon(void **state)
{
	(void)state;
	struct lexer lx;
	struct token t;
	struct ucsh_err err;
	lexer_init(&lx, "-Confirm:$false", 15);
	assert_int_equal(lexer_next(&lx, LEX_ARG, &t, &err), LEX_OK);
	assert_int_equal(t.type, T_PARAM);
	assert_string_equal(t.text, "Confirm");
	assert_true(t.colon);
	token_free(&t);
	assert_int_equal(lexer_next(&lx, LEX_ARG, &t, &err), LEX_OK);
	assert_int_equal(t.type, T_VARIABLE);
	assert_string_equal(t.text, "false");
	token_free(&t);
}

static void test_expr_mode_operators(void **state)
{
	(void)state;
	char want[256];
	snprintf(want, sizeof(want), "%d:x %d:eq %d:5 %d:and %d:not %d:y", T_VARIABLE, T_OPERATOR,
		 T_NUMBER, T_OPERATOR, T_OPERATOR, T_VARIABLE);
	expect_tokens("$x -eq 5 -and -not $y", LEX_EXPR, want);
}

static void test_numbers(void **state)
{
	(void)state;
	struct lexer lx;
	struct token t;
	struct ucsh_err err;
	const char *src = "1.5 0x1F 2kb 1e3";
	double want[] = { 1.5, 31, 2048, 1000 };
	bool ints[] = { false, true, true, false };
	lexer_init(&lx, src, strlen(src));
	for (int i = 0; i < 4; i++) {
		assert_int_equal(lexer_next(&lx, LEX_EXPR, &t, &err), LEX_OK);
		assert_int_equal(t.type, T_NUMBER);
		assert_true(t.num == want[i]);
		assert_int_equal(t.is_int, ints[i]);
		token_free(&t);
	}
}

static void test_version_in_expr_mode_is_a_string(void **state)
{
	(void)state;
	char want[64];
	snprintf(want, sizeof(want), "%d:4.0.7577.4100", T_STRING);
	expect_tokens("4.0.7577.4100", LEX_EXPR, want);
}

static void test_strings(void **state)
{
	(void)state;
	char want[256];
	snprintf(want, sizeof(want), "%d:it's %d:a \"\"b\"\" $x", T_STRING, T_XSTRING);
	expect_tokens("'it''s' \"a \"\"b\"\" $x\"", LEX_EXPR, want);
}

static void test_subexpression_inside_string_keeps_quotes(void **state)
{
	(void)state;
	char want[128];
	snprintf(want, sizeof(want), "%d:a $(\"b)\") c", T_XSTRING);
	expect_tokens("\"a $(\"b)\") c\"", LEX_EXPR, want);
}

static void test_comments_and_continuation(void **state)
{
	(void)state;
	char want[128];
	snprintf(want, sizeof(want), "%d:a %d:b %d: %d:c", T_WORD, T_WORD, T_NEWLINE, T_WORD);
	expect_tokens("a <# block #> `\n b # line\nc", LEX_ARG, want);
}

static void test_unterminated_string_is_incomplete(void **state)
{
	(void)state;
	enum lex_status st;
	lex_all("'abc", LEX_EXPR, &st);
	assert_int_equal(st, LEX_INCOMPLETE);
	lex_all("\"abc $(x", LEX_EXPR, &st);
	assert_int_equal(st, LEX_INCOMPLETE);
	lex_all("<# open", LEX_EXPR, &st);
	assert_int_equal(st, LEX_INCOMPLETE);
}

static void test_unknown_operator_is_an_error(void **state)
{
	(void)state;
	struct lexer lx;
	struct token t;
	struct ucsh_err err;
	lexer_init(&lx, "-frob", 5);
	assert_int_equal(lexer_next(&lx, LEX_EXPR, &t, &err), LEX_ERROR);
	assert_non_null(strstr(err.msg, "unknown operator '-frob'"));
	token_free(&t);
}

static void test_positions(void **state)
{
	(void)state;
	struct lexer lx;
	struct token t;
	struct ucsh_err err;
	const char *src = "a\n  bc";
	lexer_init(&lx, src, strlen(src));
	lexer_next(&lx, LEX_ARG, &t, &err);
	token_free(&t);
	lexer_next(&lx, LEX_ARG, &t, &err);
	assert_int_equal(t.type, T_NEWLINE);
	token_free(&t);
	lexer_next(&lx, LEX_ARG, &t, &err);
	assert_int_equal(t.line, 2);
	assert_int_equal(t.col, 3);
	token_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arg_mode_words_and_params),
		cmocka_unit_test(test_param_with_colon),
		cmocka_unit_test(test_expr_mode_operators),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_version_in_expr_mode_is_a_string),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_subexpression_inside_string_keeps_quotes),
		cmocka_unit_test(test_comments_and_continuation),
		cmocka_unit_test(test_unterminated_string_is_incomplete),
		cmocka_unit_test(test_unknown_operator_is_an_error),
		cmocka_unit_test(test_positions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
