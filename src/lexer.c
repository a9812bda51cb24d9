/*
 * lexer: PowerShell-style tokens in two modes (see lexer.h).
 */
#include "config.h"
#include "lexer.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const operators[] = {
	"eq", "ne", "lt", "le", "gt", "ge", "like", "notlike", "match", "notmatch",
	"contains", "notcontains", "in", "notin", "and", "or", "xor", "not", "is", "isnot",
	"replace", "split", "join", "ieq", "ine", "ilt", "ile", "igt", "ige", "ilike",
	"inotlike", "imatch", "inotmatch", "ceq", "cne", "clike", "cnotlike", "cmatch",
	"cnotmatch", "icontains", "inotcontains", "iin", "inotin", NULL,
};

bool lexer_is_operator(const char *name)
{
	for (size_t i = 0; operators[i]; i++)
		if (strcasecmp(operators[i], name) == 0)
			return true;
	return false;
}

const char *tok_type_name(enum tok_type t)
{
	static const char *const names[] = {
		"end of input", "newline", "';'", "'|'", "','", "'('", "')'", "'{'", "'}'",
		"'['", "']'", "'$('", "'@('", "'@{'", "'.'", "'..'", "'='", "'+'", "'-'",
		"'*'", "'/'", "'%'", "'!'", "number", "string", "string", "variable",
		"operator", "parameter", "word", "redirection",
	};
	return t < UCSH_ARRAY_LEN(names) ? names[t] : "token";
}

void lexer_init(struct lexer *lx, const char *src, size_t len)
{
	lx->src = src;
	lx->len = len;
	lx->pos = 0;
	lx->line = 1;
	lx->line_start = 0;
}

struct lexer_pos lexer_save(const struct lexer *lx)
{
	return (struct lexer_pos){ lx->pos, lx->line, lx->line_start };
}

void lexer_restore(struct lexer *lx, struct lexer_pos p)
{
	lx->pos = p.pos;
	lx->line = p.line;
	lx->line_start = p.line_start;
}

void token_free(struct token *tok)
{
	free(tok->text);
	tok->text = NULL;
}

static int peekc(const struct lexer *lx, size_t ahead)
{
	size_t p = lx->pos + ahead;
	return p < lx->len ? (unsigned char)lx->src[p] : -1;
}

static void advance(struct lexer *lx)
{
	if (lx->pos < lx->len && lx->src[lx->pos] == '\n') {
		lx->line++;
		lx->line_start = lx->pos + 1;
	}
	lx->pos++;
}

static int col_of(const struct lexer *lx)
{
	return (int)(lx->pos - lx->line_start) + 1;
}

/* Skip blanks, comments and backtick line continuations. Newlines stay. */
static enum lex_status skip_space(struct lexer *lx, bool *skipped, struct ucsh_err *err)
{
	for (;;) {
		int c = peekc(lx, 0);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			advance(lx);
		} else if (c == '`' && (peekc(lx, 1) == '\n' ||
					(peekc(lx, 1) == '\r' && peekc(lx, 2) == '\n'))) {
			advance(lx);
			if (peekc(lx, 0) == '\r')
				advance(lx);
			advance(lx);
		} else if (c == '<' && peekc(lx, 1) == '#') {
			int line = lx->line, col = col_of(lx);
			advance(lx);
			advance(lx);
			while (!(peekc(lx, 0) == '#' && peekc(lx, 1) == '>')) {
				if (peekc(lx, 0) < 0) {
					err_set(err, "line %d, column %d: unterminated comment <#", line, col);
					return LEX_INCOMPLETE;
				}
				advance(lx);
			}
			advance(lx);
			advance(lx);
		} else if (c == '#') {
			while (peekc(lx, 0) >= 0 && peekc(lx, 0) != '\n')
				advance(lx);
		} else {
			return LEX_OK;
		}
		*skipped = true;
	}
}

static bool is_name_char(int c)
{
	return c >= 0 && (isalnum(c) || c == '_' || c == '?' || c >= 0x80);
}

/* Characters that end a bare word in argument mode. */
static bool ends_word(int c)
{
	return c < 0 || strchr(" \t\r\n\f\v|;,(){}&<>", c) != NULL;
}

static void set_text(struct token *tok, const struct lexer *lx, size_t from, size_t to)
{
	tok->text = xstrndup(lx->src + from, to - from);
	(void)lx;
}

/* '...' with '' for a quote. */
static enum lex_status lex_single(struct lexer *lx, struct token *tok, struct ucsh_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	advance(lx);
	for (;;) {
		int c = peekc(lx, 0);
		if (c < 0) {
			sb_free(&sb);
			err_set(err, "line %d, column %d: the string is missing its closing quote (')",
				tok->line, tok->col);
			return LEX_INCOMPLETE;
		}
		advance(lx);
		if (c == '\'') {
			if (peekc(lx, 0) != '\'')
				break;
			advance(lx);
		}
		sb_addc(&sb, (char)c);
	}
	tok->type = T_STRING;
	tok->text = sb_detach(&sb);
	return LEX_OK;
}

/*
 * Skip a nested $( ... ) inside a double-quoted string, including strings
 * within it, so that "a $("b)") c" ends where it should.
 */
static enum lex_status skip_subexpr(struct lexer *lx)
{
	int depth = 1;
	advance(lx); /* $ */
	advance(lx); /* ( */
	while (depth > 0) {
		int c = peekc(lx, 0);
		if (c < 0)
			return LEX_INCOMPLETE;
		if (c == '\'' || c == '"') {
			advance(lx);
			while (peekc(lx, 0) >= 0 && peekc(lx, 0) != c) {
				if (c == '"' && peekc(lx, 0) == '`')
					advance(lx);
				advance(lx);
			}
			if (peekc(lx, 0) < 0)
				return LEX_INCOMPLETE;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			depth--;
		}
		advance(lx);
	}
	return LEX_OK;
}

/* "..." keeps its raw text; the parser expands it. */
static enum lex_status lex_double(struct lexer *lx, struct token *tok, struct ucsh_err *err)
{
	advance(lx);
	size_t from = lx->pos;
	for (;;) {
		int c = peekc(lx, 0);
		if (c < 0)
			goto open;
		if (c == '`') {
			advance(lx);
			if (peekc(lx, 0) < 0)
				goto open;
			advance(lx);
		} else if (c == '$' && peekc(lx, 1) == '(') {
			if (skip_subexpr(lx) != LEX_OK)
				goto open;
		} else if (c == '"') {
			if (peekc(lx, 1) != '"')
				break;
			advance(lx);
			advance(lx);
		} else {
			advance(lx);
		}
	}
	set_text(tok, lx, from, lx->pos);
	advance(lx);
	tok->type = T_XSTRING;
	return LEX_OK;
open:
	err_set(err, "line %d, column %d: the string is missing its closing quote (\")", tok->line,
		tok->col);
	return LEX_INCOMPLETE;
}

static enum lex_status lex_variable(struct lexer *lx, struct token *tok, struct ucsh_err *err)
{
	advance(lx); /* $ */
	size_t from = lx->pos;
	if (peekc(lx, 0) == '{') {
		advance(lx);
		from = lx->pos;
		while (peekc(lx, 0) >= 0 && peekc(lx, 0) != '}')
			advance(lx);
		if (peekc(lx, 0) < 0) {
			err_set(err, "line %d, column %d: ${ is missing its closing }", tok->line,
				tok->col);
			return LEX_INCOMPLETE;
		}
		set_text(tok, lx, from, lx->pos);
		advance(lx);
		tok->type = T_VARIABLE;
		return LEX_OK;
	}
	while (is_name_char(peekc(lx, 0)))
		advance(lx);
	/* scope prefixes: $env:HOME, $global:x, $script:x */
	if (peekc(lx, 0) == ':' && lx->pos > from && is_name_char(peekc(lx, 1))) {
		advance(lx);
		while (is_name_char(peekc(lx, 0)))
			advance(lx);
	}
	if (lx->pos == from) {
		err_set(err, "line %d, column %d: '$' must be followed by a variable name", tok->line,
			tok->col);
		return LEX_ERROR;
	}
	set_text(tok, lx, from, lx->pos);
	tok->type = T_VARIABLE;
	return LEX_OK;
}

/* 10, 1.5, 1e3, 0x1F, with an optional kb/mb/gb/tb multiplier. */
static bool parse_number_text(const char *s, size_t n, double *out, bool *is_int)
{
	char buf[128];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	double mult = 1;
	if (n > 2) {
		static const char *const sfx[] = { "kb", "mb", "gb", "tb" };
		for (int i = 0; i < 4; i++)
			if (strcasecmp(buf + n - 2, sfx[i]) == 0) {
				mult = pow(1024, i + 1);
				buf[n - 2] = '\0';
			}
	}
	char *end;
	double d;
	bool hex = buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
	if (!isdigit((unsigned char)buf[0]) && !(buf[0] == '.' && isdigit((unsigned char)buf[1])))
		return false;
	if (hex)
		d = (double)strtoull(buf + 2, &end, 16);
	else
		d = strtod(buf, &end);
	if (*end || end == buf || isinf(d))
		return false;
	*is_int = hex || !strpbrk(buf, ".eE");
	*out = d * mult;
	return true;
}

static enum lex_status lex_word(struct lexer *lx, struct token *tok, enum lex_mode mode)
{
	size_t from = lx->pos;
	if (mode == LEX_ARG) {
		while (!ends_word(peekc(lx, 0)))
			advance(lx);
	} else {
		while (is_name_char(peekc(lx, 0)) || peekc(lx, 0) == '-' || peekc(lx, 0) == '.' ||
		       peekc(lx, 0) == ':' || peekc(lx, 0) == '\\' || peekc(lx, 0) == '/')
			advance(lx);
	}
	if (lx->pos == from)
		advance(lx);
	if (parse_number_text(lx->src + from, lx->pos - from, &tok->num, &tok->is_int)) {
		tok->type = T_NUMBER;
	} else {
		tok->type = T_WORD;
	}
	set_text(tok, lx, from, lx->pos);
	return LEX_OK;
}

/* A number in expression mode; a dotted version (4.0.7577.1) becomes a string. */
static enum lex_status lex_number(struct lexer *lx, struct token *tok)
{
	size_t from = lx->pos;
	while (isalnum(peekc(lx, 0)) || peekc(lx, 0) == '.' ||
	       ((peekc(lx, 0) == '+' || peekc(lx, 0) == '-') &&
		(lx->src[lx->pos - 1] == 'e' || lx->src[lx->pos - 1] == 'E') &&
		!(lx->src[from] == '0' && (lx->src[from + 1] == 'x' || lx->src[from + 1] == 'X')))) {
		/* stop before '..' (range) and before '.Name' (member access) */
		if (peekc(lx, 0) == '.' && !isdigit(peekc(lx, 1)))
			break;
		advance(lx);
	}
	set_text(tok, lx, from, lx->pos);
	if (parse_number_text(tok->text, lx->pos - from, &tok->num, &tok->is_int)) {
		tok->type = T_NUMBER;
	} else {
		tok->type = T_STRING; /* a version such as 4.0.7577.4100 */
	}
	return LEX_OK;
}

static enum lex_status lex_dash(struct lexer *lx, struct token *tok, enum lex_mode mode,
				struct ucsh_err *err)
{
	int c1 = peekc(lx, 1);
	if (mode == LEX_ARG) {
		if (c1 >= 0 && (isalpha(c1) || c1 == '_' || c1 == '?')) {
			advance(lx);
			size_t from = lx->pos;
			while (!ends_word(peekc(lx, 0)) && peekc(lx, 0) != ':')
				advance(lx);
			set_text(tok, lx, from, lx->pos);
			tok->type = T_PARAM;
			if (peekc(lx, 0) == ':') {
				advance(lx);
				tok->colon = true;
			}
			return LEX_OK;
		}
		return lex_word(lx, tok, mode);
	}
	if (c1 >= 0 && isalpha(c1)) {
		struct lexer_pos save = lexer_save(lx);
		advance(lx);
		size_t from = lx->pos;
		while (isalpha(peekc(lx, 0)))
			advance(lx);
		char *name = xstrndup(lx->src + from, lx->pos - from);
		if (lexer_is_operator(name)) {
			tok->type = T_OPERATOR;
			tok->text = name;
			return LEX_OK;
		}
		free(name);
		lexer_restore(lx, save);
		err_set(err, "line %d, column %d: unknown operator '-%.*s'", tok->line, tok->col,
			(int)(lx->pos + 1 < lx->len ? strcspn(lx->src + lx->pos + 1, " \t\r\n)") : 0),
			lx->src + lx->pos + 1);
		return LEX_ERROR;
	}
	advance(lx);
	if (peekc(lx, 0) == '=') {
		advance(lx);
		tok->type = T_ASSIGN;
		tok->text = xstrdup("-=");
		return LEX_OK;
	}
	tok->type = T_MINUS;
	return LEX_OK;
}

#define LEX_NOT_PUNCT 2

static enum lex_status lex_punct(struct lexer *lx, struct token *tok, enum lex_mode mode,
				 struct ucsh_err *err)
{
	int c = peekc(lx, 0), c1 = peekc(lx, 1);
	static const struct { char c; enum tok_type t; } single[] = {
		{ '\n', T_NEWLINE }, { ';', T_SEMI }, { '|', T_PIPE }, { ',', T_COMMA },
		{ '(', T_LPAREN }, { ')', T_RPAREN }, { '{', T_LBRACE }, { '}', T_RBRACE },
		{ ']', T_RBRACKET }, { '*', T_STAR }, { '/', T_SLASH }, { '%', T_PERCENT },
		{ '!', T_BANG },
	};
	if (c == '@' && (c1 == '(' || c1 == '{')) {
		advance(lx);
		advance(lx);
		tok->type = c1 == '(' ? T_ARRAYEXPR : T_HASH;
		return LEX_OK;
	}
	if (c == '$' && c1 == '(') {
		advance(lx);
		advance(lx);
		tok->type = T_SUBEXPR;
		return LEX_OK;
	}
	if (c == '$')
		return lex_variable(lx, tok, err);
	if (c == '>') {
		advance(lx);
		tok->type = T_REDIRECT;
		bool append = peekc(lx, 0) == '>';
		if (append)
			advance(lx);
		tok->text = xstrdup(append ? ">>" : ">");
		return LEX_OK;
	}
	if (mode == LEX_EXPR) {
		if (c == '=' || (c == '+' && c1 == '=')) {
			if (c == '=' && c1 == '=') {
				err_set(err, "line %d, column %d: '==' is not an operator; use -eq",
					tok->line, tok->col);
				return LEX_ERROR;
			}
			tok->type = T_ASSIGN;
			tok->text = xstrdup(c == '=' ? "=" : "+=");
			advance(lx);
			if (c == '+')
				advance(lx);
			return LEX_OK;
		}
		if (c == '+') {
			advance(lx);
			tok->type = T_PLUS;
			return LEX_OK;
		}
		if (c == '.' && c1 == '.') {
			advance(lx);
			advance(lx);
			tok->type = T_DOTDOT;
			return LEX_OK;
		}
		if (c == '.' && !isdigit(c1)) {
			advance(lx);
			tok->type = T_DOT;
			return LEX_OK;
		}
		if (c == '[') {
			advance(lx);
			tok->type = T_LBRACKET;
			return LEX_OK;
		}
	}
	/* in arguments these begin a bare word: Select-Object *, /tmp/a.csv, `| % { }` */
	if (mode == LEX_ARG && (c == '*' || c == '/' || c == '%'))
		return LEX_NOT_PUNCT;
	for (size_t i = 0; i < UCSH_ARRAY_LEN(single); i++)
		if (single[i].c == c) {
			advance(lx);
			tok->type = single[i].t;
			return LEX_OK;
		}
	return LEX_NOT_PUNCT; /* not punctuation: the caller goes on */
}

enum lex_status lexer_next(struct lexer *lx, enum lex_mode mode, struct token *tok,
			   struct ucsh_err *err)
{
	memset(tok, 0, sizeof(*tok));
	bool skipped = false;
	enum lex_status st = skip_space(lx, &skipped, err);
	tok->space_before = skipped || lx->pos == 0;
	tok->line = lx->line;
	tok->col = col_of(lx);
	tok->start = lx->pos;
	if (st != LEX_OK)
		return st;
	int c = peekc(lx, 0);
	if (c < 0) {
		tok->type = T_EOF;
		tok->end = lx->pos;
		return LEX_OK;
	}
	if (c == '\'')
		st = lex_single(lx, tok, err);
	else if (c == '"')
		st = lex_double(lx, tok, err);
	else if (c == '-' || (c == 0xe2 && peekc(lx, 1) == 0x80 &&
			      (peekc(lx, 2) == 0x93 || peekc(lx, 2) == 0x94)))
		st = c == '-' ? lex_dash(lx, tok, mode, err) : LEX_ERROR;
	else if (mode == LEX_EXPR && (isdigit(c) || (c == '.' && isdigit(peekc(lx, 1)))))
		st = lex_number(lx, tok);
	else {
		st = lex_punct(lx, tok, mode, err);
		if ((int)st == LEX_NOT_PUNCT)
			st = lex_word(lx, tok, mode);
	}
	if (st == LEX_ERROR && !err->msg[0])
		err_set(err, "line %d, column %d: unexpected character", tok->line, tok->col);
	tok->end = lx->pos;
	return st;
}
