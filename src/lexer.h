/*
 * lexer: turns ucsh source into tokens. The language is PowerShell's, which
 * lexes differently in expression mode (`-eq` is an operator, `4.0` a
 * number) and in argument mode (`-Name` is a parameter, `4.0.7577.1000` a
 * word), so the parser asks for each token in the mode it needs and may
 * re-read from a saved position.
 */
#ifndef UCSH_LEXER_H
#define UCSH_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum tok_type {
	T_EOF,
	T_NEWLINE,
	T_SEMI,
	T_PIPE,
	T_COMMA,
	T_LPAREN,
	T_RPAREN,
	T_LBRACE,
	T_RBRACE,
	T_LBRACKET,
	T_RBRACKET,
	T_SUBEXPR,   /* $( */
	T_ARRAYEXPR, /* @( */
	T_HASH,      /* @{ */
	T_DOT,
	T_DOTDOT,
	T_ASSIGN,    /* = += -= */
	T_PLUS,
	T_MINUS,
	T_STAR,
	T_SLASH,
	T_PERCENT,
	T_BANG,
	T_NUMBER,
	T_STRING,    /* '...': literal text */
	T_XSTRING,   /* "...": text with $var and $( ) still to expand */
	T_VARIABLE,  /* $name, ${name}, $env:NAME */
	T_OPERATOR,  /* -eq, -like, -and ... (expression mode) */
	T_PARAM,     /* -Name or -Name: (argument mode) */
	T_WORD,      /* a bare word: command name, keyword or argument */
	T_REDIRECT,  /* > or >> */
};

enum lex_mode {
	LEX_EXPR,
	LEX_ARG,
};

struct token {
	enum tok_type type;
	char *text;      /* owned: word, string contents, variable or operator name */
	double num;      /* T_NUMBER */
	bool is_int;     /* T_NUMBER without fraction or exponent */
	bool colon;      /* T_PARAM written as -Name: (its value follows) */
	bool space_before;
	size_t start, end; /* byte offsets in the source */
	int line, col;   /* 1-based */
};

struct lexer {
	const char *src;
	size_t len, pos;
	int line;
	size_t line_start;
};

enum lex_status {
	LEX_OK = 0,
	LEX_ERROR = -1,
	LEX_INCOMPLETE = 1, /* an unterminated string or comment */
};

void lexer_init(struct lexer *lx, const char *src, size_t len);
/* Read the next token in the given mode. On error err holds the message and
 * tok->line and tok->col point at the offending text. The caller frees tok->text
 * with token_free. */
enum lex_status lexer_next(struct lexer *lx, enum lex_mode mode, struct token *tok,
			   struct ucsh_err *err);
void token_free(struct token *tok);

/* Save and restore a position, for the parser's lookahead. */
struct lexer_pos {
	size_t pos;
	int line;
	size_t line_start;
};
struct lexer_pos lexer_save(const struct lexer *lx);
void lexer_restore(struct lexer *lx, struct lexer_pos p);

/* True when name is an operator of the language (without the dash). */
bool lexer_is_operator(const char *name);
const char *tok_type_name(enum tok_type t);

#endif
