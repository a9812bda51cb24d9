/* Unit tests of the parser: the shape of the AST, errors and incompleteness. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parser.h"

static const char *const kind_names[] = {
	"block", "pipe", "cmd", "param", "assign", "if", "foreach", "while", "break",
	"continue", "exit", "return", "lit", "word", "var", "xstr", "array", "subexpr",
	"arrayexpr", "paren", "hash", "sb", "member", "method", "index", "binop", "unop",
	"range", "redirect",
};

/* An S-expression of the tree: (kind:name-or-op kids...) */
static void dump(const struct ast *a, struct strbuf *sb)
{
	sb_addf(sb, "(%s", kind_names[a->kind]);
	if (a->name)
		sb_addf(sb, ":%s", a->name);
	if (a->op)
		sb_addf(sb, ":%s", a->op);
	if (a->value) {
		char *s = json_dumps(a->value, JSON_ENCODE_ANY);
		sb_addf(sb, " %s", s);
		free(s);
	}
	for (size_t i = 0; i < a->nkids; i++) {
		sb_addc(sb, ' ');
		dump(a->kids[i], sb);
	}
	sb_addc(sb, ')');
}

static void expect_tree(const char *src, const char *want)
{
	struct ast *prog;
	struct ucsh_err err;
	enum parse_status st = parse_program(src, strlen(src), &prog, &err, NULL, NULL);
	if (st != PARSE_OK)
		fail_msg("parse of [%s] failed: %s", src, err.msg);
	struct strbuf sb = STRBUF_INIT;
	dump(prog, &sb);
	assert_string_equal(sb_str(&sb), want);
	sb_free(&sb);
	ast_free(prog);
}

static void expect_error(const char *src, enum parse_status want, const char *msg_part)
{
	struct ast *prog = NULL;
	struct ucsh_err err;
	int line, col;
	enum parse_status st = parse_program(src, strlen(src), &prog, &err, &line, &col);
	assert_int_equal(st, want);
	assert_null(prog);
	if (!strstr(err.msg, msg_part))
		fail_msg("error [%s] lacks [%s]", err.msg, msg_part);
}

static void test_command_with_params(void **state)
{
	(void)state;
	expect_tree("Get-CsPhone -Model CX600 -Force",
		    "(block (pipe (cmd:Get-CsPhone (param:Model) (word \"CX600\") (param:Force))))");
}

static void test_pipeline_of_commands(void **state)
{
	(void)state;
	expect_tree("a | b x | c",
		    "(block (pipe (cmd:a) (cmd:b (word \"x\")) (cmd:c)))");
}

static void test_expression_heads_a_pipeline(void **state)
{
	(void)state;
	expect_tree("1,2 | c", "(block (pipe (array (lit 1) (lit 2)) (cmd:c)))");
}

static void test_precedence(void **state)
{
	(void)state;
	expect_tree("1 + 2 * 3 -gt 6 -and $x",
		    "(block (pipe (binop:and (binop:gt (binop:+ (lit 1) (binop:* (lit 2) (lit 3))) "
		    "(lit 6)) (var:x))))");
}

static void test_comma_binds_tighter_than_plus(void **state)
{
	(void)state;
	expect_tree("1,2 + 3", "(block (pipe (binop:+ (array (lit 1) (lit 2)) (lit 3))))");
}

static void test_assignment_and_member(void **state)
{
	(void)state;
	expect_tree("$p.Model = 'CX600'",
		    "(block (assign:= (member:Model (var:p)) (pipe (lit \"CX600\"))))");
	expect_tree("$n += 1", "(block (assign:+= (var:n) (pipe (lit 1))))");
}

static void test_colon_parameter(void **state)
{
	(void)state;
	expect_tree("c -Confirm:$false",
		    "(block (pipe (cmd:c (param:Confirm (var:false)))))");
}

static void test_script_block_argument(void **state)
{
	(void)state;
	expect_tree("where { $_.Model -eq 'CX600' }",
		    "(block (pipe (cmd:where (sb (block (pipe (binop:eq (member:Model (var:_)) "
		    "(lit \"CX600\"))))))))");
}

static void test_if_elseif_else(void **state)
{
	(void)state;
	expect_tree("if ($a) { 1 } elseif ($b) { 2 } else { 3 }",
		    "(block (if (pipe (var:a)) (block (pipe (lit 1))) (pipe (var:b)) "
		    "(block (pipe (lit 2))) (block (pipe (lit 3)))))");
}

static void test_foreach(void **state)
{
	(void)state;
	expect_tree("foreach ($i in 1..3) { $i }",
		    "(block (foreach:i (pipe (range (lit 1) (lit 3))) (block (pipe (var:i)))))");
}

static void test_expandable_string(void **state)
{
	(void)state;
	expect_tree("\"a $x b $($y)\"",
		    "(block (pipe (xstr (lit \"a \") (var:x) (lit \" b \") "
		    "(subexpr (block (pipe (var:y)))))))");
}

static void test_hash_literal(void **state)
{
	(void)state;
	expect_tree("@{Name='a'; N=1}",
		    "(block (pipe (hash (lit \"Name\") (pipe (lit \"a\")) (lit \"N\") (pipe (lit 1)))))");
}

static void test_redirection_becomes_out_file(void **state)
{
	(void)state;
	expect_tree("a >> f.txt",
		    "(block (pipe (cmd:a) (cmd:Out-File (param:Append) (word \"f.txt\"))))");
}

static void test_method_call(void **state)
{
	(void)state;
	expect_tree("$s.Substring(1, 2)",
		    "(block (pipe (method:Substring (var:s) (lit 1) (lit 2))))");
}

static void test_incomplete_input(void **state)
{
	(void)state;
	expect_error("if ($x) {", PARSE_INCOMPLETE, "missing '}'");
	expect_error("Get-X |", PARSE_INCOMPLETE, "expected a command after '|'");
	expect_error("(1 +", PARSE_INCOMPLETE, "");
	expect_error("'open", PARSE_INCOMPLETE, "missing its closing quote");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_error("1 + )", PARSE_ERROR, "line 1, column 5: unexpected ')'");
	expect_error("a | 1", PARSE_ERROR, "expected a command after '|'");
	expect_error("foreach (x in 1) {}", PARSE_ERROR, "expected a variable");
	expect_error("@{ a 1 }", PARSE_ERROR, "expected '=' after a key");
	expect_error("}", PARSE_ERROR, "unexpected '}'");
}

static void test_nesting_is_bounded(void **state)
{
	(void)state;
	char src[2001];
	memset(src, '(', 2000);
	src[2000] = '\0';
	expect_error(src, PARSE_ERROR, "nesting is deeper");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_with_params),
		cmocka_unit_test(test_pipeline_of_commands),
		cmocka_unit_test(test_expression_heads_a_pipeline),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_comma_binds_tighter_than_plus),
		cmocka_unit_test(test_assignment_and_member),
		cmocka_unit_test(test_colon_parameter),
		cmocka_unit_test(test_script_block_argument),
		cmocka_unit_test(test_if_elseif_else),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_expandable_string),
		cmocka_unit_test(test_hash_literal),
		cmocka_unit_test(test_redirection_becomes_out_file),
		cmocka_unit_test(test_method_call),
		cmocka_unit_test(test_incomplete_input),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_nesting_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
