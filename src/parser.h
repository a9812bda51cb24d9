/*
 * parser: ucsh source to an AST (ast.h), by recursive descent. Statements
 * are pipelines, assignments, if/elseif/else, foreach, while, break,
 * continue, exit and return; pipeline elements are commands in argument
 * mode or, first only, an expression.
 */
#ifndef UCSH_PARSER_H
#define UCSH_PARSER_H

#include "ast.h"
#include "util.h"

enum parse_status {
	PARSE_OK = 0,
	PARSE_ERROR = -1,
	PARSE_INCOMPLETE = 1, /* the text ends inside a block, string or pipeline */
};

/*
 * Parse a whole program. On success *out is a new AST_BLOCK the caller owns.
 * On error err->msg reads "line L, column C: what was wrong" and *line and
 * *col (if non-NULL) locate it.
 */
enum parse_status parse_program(const char *src, size_t len, struct ast **out,
				struct ucsh_err *err, int *line, int *col);

#endif
