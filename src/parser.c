/*
 * parser: recursive descent over the lexer's two modes. Statements and
 * expressions read tokens in expression mode; command arguments in
 * argument mode. Lookahead saves and restores the lexer position, which is
 * cheap because tokens are small and statements short.
 */
#include "config.h"
#include "parser.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lexer.h"

#define MAX_DEPTH 200 /* nesting bound: hostile input cannot overflow the stack */

struct parser {
	struct lexer lx;
	struct ucsh_err *err;
	enum parse_status status;
	int err_line, err_col;
	int depth;
};

struct ast *ast_new(enum ast_kind kind, int line, int col)
{
	struct ast *a = xcalloc(1, sizeof(*a));
	a->kind = kind;
	a->line = line;
	a->col = col;
	return a;
}

void ast_add(struct ast *parent, struct ast *kid)
{
	if (parent->nkids == parent->capkids) {
		parent->capkids = parent->capkids ? parent->capkids * 2 : 4;
		parent->kids = xrealloc(parent->kids, parent->capkids * sizeof(*parent->kids));
	}
	parent->kids[parent->nkids++] = kid;
}

void ast_free(struct ast *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nkids; i++)
		ast_free(a->kids[i]);
	free(a->kids);
	free(a->name);
	free(a->op);
	free(a->text);
	json_decref(a->value);
	free(a);
}

/* Record the first error; an error at end of input means "incomplete". */
static struct ast *fail_at(struct parser *p, const struct token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static struct ast *fail_at(struct parser *p, const struct token *t, const char *fmt, ...)
{
	if (p->status != PARSE_OK)
		return NULL;
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	p->status = t->type == T_EOF ? PARSE_INCOMPLETE : PARSE_ERROR;
	p->err_line = t->line;
	p->err_col = t->col;
	err_set(p->err, "line %d, column %d: %s", t->line, t->col, what);
	return NULL;
}

static bool next(struct parser *p, enum lex_mode mode, struct token *t)
{
	struct ucsh_err e;
	err_clear(&e);
	enum lex_status st = lexer_next(&p->lx, mode, t, &e);
	if (st == LEX_OK)
		return true;
	if (p->status == PARSE_OK) {
		p->status = st == LEX_INCOMPLETE ? PARSE_INCOMPLETE : PARSE_ERROR;
		p->err_line = t->line;
		p->err_col = t->col;
		*p->err = e;
	}
	token_free(t);
	t->type = T_EOF;
	return false;
}

/* Look at the next token without consuming it. */
static enum tok_type peek(struct parser *p, enum lex_mode mode, struct token *t)
{
	struct lexer_pos save = lexer_save(&p->lx);
	struct ucsh_err e;
	err_clear(&e);
	if (lexer_next(&p->lx, mode, t, &e) != LEX_OK) {
		token_free(t);
		t->type = T_EOF;
		/* let the consuming read report it */
		lexer_restore(&p->lx, save);
		struct token t2;
		next(p, mode, &t2);
		token_free(&t2);
		return T_EOF;
	}
	lexer_restore(&p->lx, save);
	return t->type;
}

static enum tok_type peek_type(struct parser *p, enum lex_mode mode)
{
	struct token t;
	enum tok_type ty = peek(p, mode, &t);
	token_free(&t);
	return ty;
}

static bool accept(struct parser *p, enum lex_mode mode, enum tok_type type)
{
	if (peek_type(p, mode) != type)
		return false;
	struct token t;
	next(p, mode, &t);
	token_free(&t);
	return true;
}

static struct ast *expect(struct parser *p, enum lex_mode mode, enum tok_type type,
			  const char *context)
{
	struct token t;
	if (!next(p, mode, &t))
		return NULL;
	if (t.type != type) {
		fail_at(p, &t, "expected %s %s, found %s", tok_type_name(type), context,
			t.type == T_WORD || t.type == T_OPERATOR ? t.text : tok_type_name(t.type));
		token_free(&t);
		return NULL;
	}
	token_free(&t);
	return (struct ast *)1;
}

static void skip_newlines(struct parser *p)
{
	while (accept(p, LEX_EXPR, T_NEWLINE))
		;
}

static struct ast *parse_block_body(struct parser *p, enum tok_type closer);
static struct ast *parse_pipeline(struct parser *p);
static struct ast *parse_statement(struct parser *p);
static struct ast *parse_expr(struct parser *p);
static struct ast *parse_unary(struct parser *p);

static bool enter(struct parser *p, const struct token *t)
{
	if (++p->depth > MAX_DEPTH) {
		fail_at(p, t, "nesting is deeper than %d levels", MAX_DEPTH);
		return false;
	}
	return true;
}

static struct ast *literal(json_t *v, const struct token *t)
{
	struct ast *a = ast_new(AST_LITERAL, t->line, t->col);
	a->value = v;
	return a;
}

/* --- "..." strings ------------------------------------------------------ */

static char backtick_escape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case '0': return '\0';
	case 'a': return '\a';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'v': return '\v';
	case 'e': return 27;
	default: return c;
	}
}

static void flush_text(struct ast *xs, struct strbuf *sb, const struct token *t)
{
	if (sb->len == 0)
		return;
	ast_add(xs, literal(json_stringn(sb->buf, sb->len), t));
	sb_reset(sb);
}

/* Length of a $( ... ) at s (pointing at '$'), quotes inside honoured. */
static size_t subexpr_len(const char *s, size_t n)
{
	int depth = 0;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (c == '\'' || c == '"') {
			for (i++; i < n && s[i] != c; i++)
				if (c == '"' && s[i] == '`')
					i++;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			return i + 1;
		}
	}
	return n;
}

static size_t var_name_len(const char *s, size_t n)
{
	size_t i = 0;
	if (n && s[0] == '{') {
		const char *e = memchr(s, '}', n);
		return e ? (size_t)(e - s) + 1 : 0;
	}
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || (unsigned char)s[i] >= 0x80))
		i++;
	if (i && i + 1 < n && s[i] == ':' && (isalnum((unsigned char)s[i + 1]) || s[i + 1] == '_')) {
		i++;
		while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
			i++;
	}
	return i;
}

static struct ast *parse_xstring(struct parser *p, const struct token *t)
{
	struct ast *xs = ast_new(AST_XSTRING, t->line, t->col);
	struct strbuf sb = STRBUF_INIT;
	const char *s = t->text;
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '`' && i + 1 < n) {
			sb_addc(&sb, backtick_escape(s[++i]));
		} else if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') {
			sb_addc(&sb, '"');
			i++;
		} else if (s[i] == '$' && i + 1 < n && s[i + 1] == '(') {
			size_t len = subexpr_len(s + i, n - i);
			flush_text(xs, &sb, t);
			struct ast *body = NULL;
			struct ucsh_err e;
			if (parse_program(s + i + 2, len - 3, &body, &e, NULL, NULL) != PARSE_OK) {
				sb_free(&sb);
				ast_free(xs);
				return fail_at(p, t, "in the string's $( ): %s", e.msg);
			}
			struct ast *sub = ast_new(AST_SUBEXPR, t->line, t->col);
			ast_add(sub, body);
			ast_add(xs, sub);
			i += len - 1;
		} else if (s[i] == '$' && var_name_len(s + i + 1, n - i - 1) > 0) {
			size_t len = var_name_len(s + i + 1, n - i - 1);
			flush_text(xs, &sb, t);
			struct ast *v = ast_new(AST_VAR, t->line, t->col);
			if (s[i + 1] == '{')
				v->name = xstrndup(s + i + 2, len - 2);
			else
				v->name = xstrndup(s + i + 1, len);
			ast_add(xs, v);
			i += len;
		} else {
			sb_addc(&sb, s[i]);
		}
	}
	flush_text(xs, &sb, t);
	sb_free(&sb);
	return xs;
}

/* --- primaries and postfix ---------------------------------------------- */

static struct ast *parse_scriptblock(struct parser *p, const struct token *open)
{
	size_t from = open->start;
	struct ast *body = parse_block_body(p, T_RBRACE);
	if (!body)
		return NULL;
	struct ast *sb = ast_new(AST_SCRIPTBLOCK, open->line, open->col);
	ast_add(sb, body);
	sb->text = xstrndup(p->lx.src + from, p->lx.pos - from);
	return sb;
}

static struct ast *parse_hash(struct parser *p, const struct token *open)
{
	struct ast *h = ast_new(AST_HASH, open->line, open->col);
	for (;;) {
		while (accept(p, LEX_EXPR, T_NEWLINE) || accept(p, LEX_EXPR, T_SEMI))
			;
		if (accept(p, LEX_EXPR, T_RBRACE))
			return h;
		struct token k;
		if (!next(p, LEX_EXPR, &k))
			break;
		struct ast *key;
		if (k.type == T_WORD || k.type == T_STRING || k.type == T_NUMBER) {
			key = literal(json_string(k.text), &k);
		} else if (k.type == T_XSTRING) {
			key = parse_xstring(p, &k);
		} else {
			fail_at(p, &k, "expected a key in @{ }, found %s", tok_type_name(k.type));
			token_free(&k);
			break;
		}
		token_free(&k);
		if (!key)
			break;
		ast_add(h, key);
		struct token eq;
		if (!next(p, LEX_EXPR, &eq))
			break;
		if (eq.type != T_ASSIGN || strcmp(eq.text, "=") != 0) {
			fail_at(p, &eq, "expected '=' after a key in @{ }");
			token_free(&eq);
			break;
		}
		token_free(&eq);
		skip_newlines(p);
		struct ast *val = parse_statement(p);
		if (!val)
			break;
		ast_add(h, val);
	}
	ast_free(h);
	return NULL;
}

static struct ast *wrap_block(enum ast_kind kind, struct ast *body, const struct token *t)
{
	struct ast *a = ast_new(kind, t->line, t->col);
	ast_add(a, body);
	return a;
}

static struct ast *parse_primary(struct parser *p)
{
	struct token t;
	if (!next(p, LEX_EXPR, &t))
		return NULL;
	struct ast *a = NULL;
	switch (t.type) {
	case T_NUMBER:
		a = literal(t.is_int && t.num >= -9.2e18 && t.num <= 9.2e18
				    ? json_integer((json_int_t)t.num) : json_real(t.num), &t);
		break;
	case T_STRING:
		a = literal(json_string(t.text), &t);
		break;
	case T_XSTRING:
		a = parse_xstring(p, &t);
		break;
	case T_VARIABLE:
		a = ast_new(AST_VAR, t.line, t.col);
		a->name = t.text;
		t.text = NULL;
		break;
	case T_LPAREN: {
		skip_newlines(p);
		struct ast *pl = parse_statement(p);
		skip_newlines(p);
		if (pl && expect(p, LEX_EXPR, T_RPAREN, "to close '('"))
			a = wrap_block(AST_PAREN, pl, &t);
		else
			ast_free(pl);
		break;
	}
	case T_SUBEXPR:
	case T_ARRAYEXPR: {
		struct ast *body = parse_block_body(p, T_RPAREN);
		if (body)
			a = wrap_block(t.type == T_SUBEXPR ? AST_SUBEXPR : AST_ARRAYEXPR, body, &t);
		break;
	}
	case T_HASH:
		a = parse_hash(p, &t);
		break;
	case T_LBRACE:
		a = parse_scriptblock(p, &t);
		break;
	case T_WORD:
		fail_at(p, &t, "unexpected word '%s' in an expression; quote it ('%s') if it is text",
			t.text, t.text);
		break;
	default:
		fail_at(p, &t, "unexpected %s", t.type == T_OPERATOR ? t.text : tok_type_name(t.type));
		break;
	}
	token_free(&t);
	return a;
}

static bool name_start(int c)
{
	return c >= 0 && (isalpha(c) || c == '_' || c >= 0x80);
}

/* .Name, .Method(args), [index] directly after a value (no space). */
static struct ast *parse_postfix(struct parser *p, struct ast *a)
{
	while (a) {
		const char *s = p->lx.src + p->lx.pos;
		size_t left = p->lx.len - p->lx.pos;
		if (left >= 2 && s[0] == '.' && (name_start((unsigned char)s[1]) || s[1] == '$' ||
						 s[1] == '\'' || s[1] == '"')) {
			struct token dot, name;
			next(p, LEX_EXPR, &dot);
			token_free(&dot);
			if (!next(p, LEX_ARG, &name))
				goto fail;
			struct ast *m = ast_new(AST_MEMBER, name.line, name.col);
			ast_add(m, a);
			a = m;
			if (name.type == T_VARIABLE) {
				struct ast *v = ast_new(AST_VAR, name.line, name.col);
				v->name = name.text;
				name.text = NULL;
				ast_add(m, v);
			} else if (name.type == T_WORD || name.type == T_NUMBER) {
				/* a word lexed in argument mode may run on: Name(...) or Name.Next */
				size_t wl = strcspn(name.text, ".([");
				p->lx.pos = name.start + wl;
				m->name = xstrndup(name.text, wl);
			} else if (name.type == T_STRING || name.type == T_XSTRING) {
				m->name = name.text; /* $x.'Name with spaces' */
				name.text = NULL;
			} else {
				fail_at(p, &name, "expected a property name after '.'");
				token_free(&name);
				goto fail;
			}
			token_free(&name);
			if (p->lx.pos < p->lx.len && p->lx.src[p->lx.pos] == '(') {
				m->kind = AST_METHOD;
				struct token lp;
				next(p, LEX_EXPR, &lp);
				token_free(&lp);
				skip_newlines(p);
				if (!accept(p, LEX_EXPR, T_RPAREN)) {
					for (;;) {
						struct ast *arg = parse_unary(p);
						if (!arg)
							goto fail;
						ast_add(m, arg);
						skip_newlines(p);
						if (accept(p, LEX_EXPR, T_RPAREN))
							break;
						if (!expect(p, LEX_EXPR, T_COMMA, "between method arguments"))
							goto fail;
					}
				}
			}
		} else if (left >= 1 && s[0] == '[') {
			struct token lb;
			next(p, LEX_EXPR, &lb);
			token_free(&lb);
			struct ast *idx = parse_expr(p);
			if (!idx || !expect(p, LEX_EXPR, T_RBRACKET, "to close '['")) {
				ast_free(idx);
				goto fail;
			}
			struct ast *ix = ast_new(AST_INDEX, a->line, a->col);
			ast_add(ix, a);
			ast_add(ix, idx);
			a = ix;
		} else {
			break;
		}
	}
	return a;
fail:
	ast_free(a);
	return NULL;
}

static struct ast *parse_unary(struct parser *p)
{
	struct token t;
	enum tok_type ty = peek(p, LEX_EXPR, &t);
	bool is_not = ty == T_OPERATOR && str_ieq(t.text, "not");
	if (is_not || ty == T_BANG || ty == T_MINUS || ty == T_PLUS) {
		token_free(&t);
		next(p, LEX_EXPR, &t);
		if (!enter(p, &t)) {
			token_free(&t);
			return NULL;
		}
		struct ast *kid = parse_unary(p);
		p->depth--;
		if (!kid) {
			token_free(&t);
			return NULL;
		}
		struct ast *u = ast_new(AST_UNOP, t.line, t.col);
		u->op = xstrdup(is_not || ty == T_BANG ? "not" : ty == T_MINUS ? "-" : "+");
		ast_add(u, kid);
		token_free(&t);
		return u;
	}
	if (ty == T_OPERATOR && (str_ieq(t.text, "join") || str_ieq(t.text, "split"))) {
		token_free(&t);
		next(p, LEX_EXPR, &t);
		struct ast *kid = parse_unary(p);
		struct ast *u = kid ? ast_new(AST_UNOP, t.line, t.col) : NULL;
		if (u) {
			u->op = xstrdup(t.text);
			ast_add(u, kid);
		}
		token_free(&t);
		return u;
	}
	token_free(&t);
	if (!enter(p, &t))
		return NULL;
	struct ast *a = parse_postfix(p, parse_primary(p));
	p->depth--;
	return a;
}

/* --- binary operators, by precedence ------------------------------------ */

static bool is_cmp_op(const char *op)
{
	static const char *const ops[] = {
		"eq", "ne", "lt", "le", "gt", "ge", "like", "notlike", "match", "notmatch",
		"contains", "notcontains", "in", "notin", "is", "isnot", "replace", "split", "join",
		NULL,
	};
	const char *o = op;
	for (size_t i = 0; ops[i]; i++)
		if (str_ieq(ops[i], o))
			return true;
	/* case-sensitive and -insensitive spellings: -ceq, -ilike ... */
	if ((o[0] == 'c' || o[0] == 'i' || o[0] == 'C' || o[0] == 'I') && o[1])
		for (size_t i = 0; ops[i]; i++)
			if (str_ieq(ops[i], o + 1))
				return true;
	return false;
}

typedef struct ast *(*parse_fn)(struct parser *);

static struct ast *binary_loop(struct parser *p, parse_fn sub, bool (*match)(const struct token *))
{
	struct ast *left = sub(p);
	while (left) {
		struct token t;
		peek(p, LEX_EXPR, &t);
		if (!match(&t)) {
			token_free(&t);
			break;
		}
		token_free(&t);
		next(p, LEX_EXPR, &t);
		skip_newlines(p);
		struct ast *right = sub(p);
		if (!right) {
			token_free(&t);
			ast_free(left);
			return NULL;
		}
		struct ast *b = ast_new(t.type == T_DOTDOT ? AST_RANGE : AST_BINOP, t.line, t.col);
		static const char *const sym[] = { [T_PLUS] = "+", [T_MINUS] = "-", [T_STAR] = "*",
						   [T_SLASH] = "/", [T_PERCENT] = "%" };
		if (t.type == T_OPERATOR)
			b->op = xstrdup(t.text);
		else if (t.type != T_DOTDOT)
			b->op = xstrdup(sym[t.type]);
		for (char *c = b->op; c && *c; c++)
			*c = (char)tolower((unsigned char)*c);
		ast_add(b, left);
		ast_add(b, right);
		left = b;
		token_free(&t);
	}
	return left;
}

static bool m_range(const struct token *t) { return t->type == T_DOTDOT; }
static bool m_mul(const struct token *t)
{
	return t->type == T_STAR || t->type == T_SLASH || t->type == T_PERCENT;
}
static bool m_add(const struct token *t) { return t->type == T_PLUS || t->type == T_MINUS; }
static bool m_cmp(const struct token *t) { return t->type == T_OPERATOR && is_cmp_op(t->text); }
static bool m_logic(const struct token *t)
{
	return t->type == T_OPERATOR &&
	       (str_ieq(t->text, "and") || str_ieq(t->text, "or") || str_ieq(t->text, "xor"));
}

/* a,b,c: flatten into one AST_ARRAY rather than nested pairs. */
static struct ast *parse_comma(struct parser *p)
{
	struct ast *first = parse_unary(p);
	if (!first || peek_type(p, LEX_EXPR) != T_COMMA)
		return first;
	struct ast *arr = ast_new(AST_ARRAY, first->line, first->col);
	ast_add(arr, first);
	while (accept(p, LEX_EXPR, T_COMMA)) {
		skip_newlines(p);
		struct ast *item = parse_unary(p);
		if (!item) {
			ast_free(arr);
			return NULL;
		}
		ast_add(arr, item);
	}
	return arr;
}

static struct ast *parse_range(struct parser *p) { return binary_loop(p, parse_comma, m_range); }
static struct ast *parse_mul(struct parser *p) { return binary_loop(p, parse_range, m_mul); }
static struct ast *parse_add(struct parser *p) { return binary_loop(p, parse_mul, m_add); }
static struct ast *parse_cmp(struct parser *p) { return binary_loop(p, parse_add, m_cmp); }
static struct ast *parse_expr(struct parser *p) { return binary_loop(p, parse_cmp, m_logic); }

/* --- commands and pipelines --------------------------------------------- */

static bool ends_command(enum tok_type t)
{
	return t == T_PIPE || t == T_NEWLINE || t == T_SEMI || t == T_EOF || t == T_RPAREN ||
	       t == T_RBRACE || t == T_REDIRECT;
}

/* One argument primary in argument mode. */
static struct ast *parse_arg_primary(struct parser *p)
{
	struct token t;
	enum tok_type ty = peek(p, LEX_ARG, &t);
	struct ast *a = NULL;
	token_free(&t);
	if (ty == T_WORD || ty == T_NUMBER) {
		next(p, LEX_ARG, &t);
		if (t.type == T_NUMBER) {
			bool fits = t.is_int && t.num >= -9.2e18 && t.num <= 9.2e18;
			a = literal(fits ? json_integer((json_int_t)t.num) : json_real(t.num), &t);
			a->text = xstrdup(t.text); /* keep the spelling: 007 stays "007" as a string */
		} else {
			a = ast_new(AST_WORD, t.line, t.col);
			a->value = json_string(t.text);
		}
		token_free(&t);
		return a;
	}
	if (ty == T_COMMA || ty == T_SEMI || ty == T_PIPE) {
		next(p, LEX_ARG, &t);
		fail_at(p, &t, "missing argument before %s", tok_type_name(t.type));
		token_free(&t);
		return NULL;
	}
	/* strings, variables, ( ), $( ), @( ), @{ }, { } read as in an expression */
	return parse_postfix(p, parse_primary(p));
}

static struct ast *parse_arg(struct parser *p)
{
	struct ast *first = parse_arg_primary(p);
	if (!first || peek_type(p, LEX_ARG) != T_COMMA)
		return first;
	struct ast *arr = ast_new(AST_ARRAY, first->line, first->col);
	ast_add(arr, first);
	while (accept(p, LEX_ARG, T_COMMA)) {
		skip_newlines(p);
		struct ast *item = parse_arg_primary(p);
		if (!item) {
			ast_free(arr);
			return NULL;
		}
		ast_add(arr, item);
	}
	return arr;
}

static struct ast *parse_command(struct parser *p, struct token *name)
{
	struct ast *cmd = ast_new(AST_COMMAND, name->line, name->col);
	cmd->name = name->text;
	name->text = NULL;
	for (;;) {
		struct token t;
		enum tok_type ty = peek(p, LEX_ARG, &t);
		if (p->status != PARSE_OK) {
			token_free(&t);
			break;
		}
		if (ends_command(ty)) {
			token_free(&t);
			return cmd;
		}
		struct ast *arg;
		if (ty == T_PARAM) {
			token_free(&t);
			next(p, LEX_ARG, &t);
			arg = ast_new(AST_PARAM, t.line, t.col);
			arg->name = t.text;
			t.text = NULL;
			if (t.colon) {
				struct ast *v = parse_arg(p);
				if (!v) {
					ast_free(arg);
					arg = NULL;
				} else {
					ast_add(arg, v);
				}
			}
			token_free(&t);
		} else {
			token_free(&t);
			arg = parse_arg(p);
		}
		if (!arg)
			break;
		ast_add(cmd, arg);
	}
	ast_free(cmd);
	return NULL;
}

/* A redirection `> file` becomes Out-File at the end of the pipeline. */
static bool parse_redirect(struct parser *p, struct ast *pl)
{
	struct token t;
	if (peek(p, LEX_ARG, &t) != T_REDIRECT) {
		token_free(&t);
		return true;
	}
	token_free(&t);
	next(p, LEX_ARG, &t);
	struct ast *out = ast_new(AST_COMMAND, t.line, t.col);
	out->name = xstrdup("Out-File");
	if (strcmp(t.text, ">>") == 0) {
		struct ast *app = ast_new(AST_PARAM, t.line, t.col);
		app->name = xstrdup("Append");
		ast_add(out, app);
	}
	token_free(&t);
	ast_add(pl, out);
	struct ast *target = parse_arg(p);
	if (!target)
		return false;
	ast_add(out, target);
	return true;
}

static struct ast *parse_pipeline(struct parser *p)
{
	struct token t;
	enum tok_type ty = peek(p, LEX_ARG, &t);
	struct ast *pl = ast_new(AST_PIPELINE, t.line, t.col);
	struct ast *el;
	/* a word that starts with a digit (1..3, 4.0.7577.1) is a value, not a cmdlet */
	if (ty == T_WORD && !isdigit((unsigned char)t.text[0]) && t.text[0] != '.' &&
	    t.text[0] != '-') {
		token_free(&t);
		next(p, LEX_ARG, &t);
		el = parse_command(p, &t);
	} else {
		el = parse_expr(p);
	}
	token_free(&t);
	while (el) {
		ast_add(pl, el);
		if (!accept(p, LEX_ARG, T_PIPE))
			break;
		skip_newlines(p);
		if (!next(p, LEX_ARG, &t))
			break;
		if (t.type != T_WORD) {
			fail_at(p, &t, "expected a command after '|', found %s",
				tok_type_name(t.type));
			token_free(&t);
			break;
		}
		el = parse_command(p, &t);
		token_free(&t);
	}
	if (p->status != PARSE_OK || !parse_redirect(p, pl)) {
		ast_free(pl);
		return NULL;
	}
	return pl;
}

/* --- statements --------------------------------------------------------- */

static struct ast *parse_braced(struct parser *p, const char *what)
{
	skip_newlines(p);
	struct token t;
	if (!next(p, LEX_EXPR, &t))
		return NULL;
	if (t.type != T_LBRACE) {
		fail_at(p, &t, "expected '{' %s", what);
		token_free(&t);
		return NULL;
	}
	if (!enter(p, &t)) {
		token_free(&t);
		return NULL;
	}
	token_free(&t);
	struct ast *b = parse_block_body(p, T_RBRACE);
	p->depth--;
	return b;
}

static struct ast *parse_condition(struct parser *p, const char *kw)
{
	char ctx[64];
	snprintf(ctx, sizeof(ctx), "after '%s'", kw);
	skip_newlines(p);
	if (!expect(p, LEX_EXPR, T_LPAREN, ctx))
		return NULL;
	skip_newlines(p);
	struct ast *c = parse_statement(p);
	skip_newlines(p);
	snprintf(ctx, sizeof(ctx), "to close the %s condition", kw);
	if (c && !expect(p, LEX_EXPR, T_RPAREN, ctx)) {
		ast_free(c);
		return NULL;
	}
	return c;
}

/* Peek past newlines for `elseif`/`else`, restoring if neither follows. */
static bool peek_keyword(struct parser *p, const char *kw)
{
	struct lexer_pos save = lexer_save(&p->lx);
	skip_newlines(p);
	struct token t;
	bool hit = peek(p, LEX_ARG, &t) == T_WORD && str_ieq(t.text, kw);
	token_free(&t);
	if (hit) {
		next(p, LEX_ARG, &t);
		token_free(&t);
	} else {
		lexer_restore(&p->lx, save);
	}
	return hit;
}

static struct ast *parse_if(struct parser *p, const struct token *kw)
{
	struct ast *a = ast_new(AST_IF, kw->line, kw->col);
	const char *word = "if";
	for (;;) {
		struct ast *c = parse_condition(p, word);
		struct ast *b = c ? parse_braced(p, "for the if body") : NULL;
		if (!b) {
			ast_free(c);
			ast_free(a);
			return NULL;
		}
		ast_add(a, c);
		ast_add(a, b);
		if (peek_keyword(p, "elseif")) {
			word = "elseif";
			continue;
		}
		if (peek_keyword(p, "else")) {
			struct ast *e = parse_braced(p, "after 'else'");
			if (!e) {
				ast_free(a);
				return NULL;
			}
			ast_add(a, e);
			a->flag = true;
		}
		return a;
	}
}

static struct ast *parse_foreach(struct parser *p, const struct token *kw)
{
	struct token v, in;
	skip_newlines(p);
	if (!expect(p, LEX_EXPR, T_LPAREN, "after 'foreach'"))
		return NULL;
	if (!next(p, LEX_EXPR, &v))
		return NULL;
	if (v.type != T_VARIABLE) {
		fail_at(p, &v, "expected a variable after 'foreach ('");
		token_free(&v);
		return NULL;
	}
	if (!next(p, LEX_ARG, &in) || in.type != T_WORD || !str_ieq(in.text, "in")) {
		fail_at(p, &in, "expected 'in' after 'foreach (%s'", v.text);
		token_free(&in);
		token_free(&v);
		return NULL;
	}
	token_free(&in);
	struct ast *a = ast_new(AST_FOREACH, kw->line, kw->col);
	a->name = v.text;
	v.text = NULL;
	struct ast *coll = parse_statement(p);
	struct ast *body = NULL;
	if (coll && expect(p, LEX_EXPR, T_RPAREN, "to close the foreach"))
		body = parse_braced(p, "for the foreach body");
	if (!body) {
		ast_free(coll);
		ast_free(a);
		return NULL;
	}
	ast_add(a, coll);
	ast_add(a, body);
	return a;
}

static struct ast *parse_keyword(struct parser *p, struct token *kw)
{
	const char *w = kw->text;
	if (str_ieq(w, "if"))
		return parse_if(p, kw);
	if (str_ieq(w, "foreach"))
		return parse_foreach(p, kw);
	if (str_ieq(w, "while")) {
		struct ast *c = parse_condition(p, "while");
		struct ast *b = c ? parse_braced(p, "for the while body") : NULL;
		if (!b) {
			ast_free(c);
			return NULL;
		}
		struct ast *a = ast_new(AST_WHILE, kw->line, kw->col);
		ast_add(a, c);
		ast_add(a, b);
		return a;
	}
	enum ast_kind k = str_ieq(w, "break") ? AST_BREAK : str_ieq(w, "continue") ? AST_CONTINUE
			: str_ieq(w, "exit") ? AST_EXIT : AST_RETURN;
	struct ast *a = ast_new(k, kw->line, kw->col);
	if (k == AST_EXIT || k == AST_RETURN) {
		enum tok_type ty = peek_type(p, LEX_EXPR);
		if (!ends_command(ty)) {
			struct ast *v = k == AST_EXIT ? parse_expr(p) : parse_pipeline(p);
			if (!v) {
				ast_free(a);
				return NULL;
			}
			ast_add(a, v);
		}
	}
	return a;
}

static bool is_keyword(const char *w)
{
	static const char *const kws[] = { "if", "foreach", "while", "break", "continue",
					   "exit", "return", NULL };
	for (size_t i = 0; kws[i]; i++)
		if (str_ieq(kws[i], w))
			return true;
	return false;
}

/* $x = ..., $x.Prop = ..., $x[0] += ... */
static struct ast *try_assignment(struct parser *p)
{
	struct lexer_pos save = lexer_save(&p->lx);
	struct ucsh_err *keep = p->err;
	struct ucsh_err scratch;
	p->err = &scratch;
	struct ast *target = parse_postfix(p, parse_primary(p));
	p->err = keep;
	struct token t = { 0 }; /* not read when the target failed to parse */
	if (!target || p->status != PARSE_OK || peek(p, LEX_EXPR, &t) != T_ASSIGN) {
		if (target)
			token_free(&t);
		ast_free(target);
		p->status = PARSE_OK;
		lexer_restore(&p->lx, save);
		return NULL;
	}
	token_free(&t);
	next(p, LEX_EXPR, &t);
	skip_newlines(p);
	struct ast *a = ast_new(AST_ASSIGN, target->line, target->col);
	a->op = t.text;
	t.text = NULL;
	ast_add(a, target);
	struct ast *value = parse_statement(p);
	if (!value) {
		ast_free(a);
		return (struct ast *)-1;
	}
	ast_add(a, value);
	return a;
}

static struct ast *parse_statement(struct parser *p)
{
	struct token t;
	enum tok_type ty = peek(p, LEX_ARG, &t);
	if (ty == T_WORD && is_keyword(t.text)) {
		bool loop_form = !str_ieq(t.text, "foreach") && !str_ieq(t.text, "if") &&
				 !str_ieq(t.text, "while");
		/* `foreach` without '(' is the ForEach-Object alias in a pipeline */
		token_free(&t);
		struct lexer_pos save = lexer_save(&p->lx);
		next(p, LEX_ARG, &t);
		if (loop_form || peek_type(p, LEX_EXPR) == T_LPAREN) {
			if (!enter(p, &t)) {
				token_free(&t);
				return NULL;
			}
			struct ast *a = parse_keyword(p, &t);
			p->depth--;
			token_free(&t);
			return a;
		}
		token_free(&t);
		lexer_restore(&p->lx, save);
	} else {
		token_free(&t);
	}
	if (ty == T_VARIABLE) {
		struct ast *a = try_assignment(p);
		if (a == (struct ast *)-1)
			return NULL;
		if (a)
			return a;
	}
	return parse_pipeline(p);
}

/* Statements up to `closer` (T_EOF for a whole program). */
static struct ast *parse_block_body(struct parser *p, enum tok_type closer)
{
	struct token t;
	peek(p, LEX_EXPR, &t);
	struct ast *blk = ast_new(AST_BLOCK, t.line, t.col);
	token_free(&t);
	for (;;) {
		while (accept(p, LEX_EXPR, T_NEWLINE) || accept(p, LEX_EXPR, T_SEMI))
			;
		if (p->status != PARSE_OK)
			break;
		enum tok_type ty = peek(p, LEX_EXPR, &t);
		token_free(&t);
		if (ty == closer) {
			next(p, LEX_EXPR, &t);
			token_free(&t);
			return blk;
		}
		if (ty == T_EOF || ty == T_RPAREN || ty == T_RBRACE) {
			next(p, LEX_EXPR, &t);
			if (closer == T_EOF)
				fail_at(p, &t, "unexpected %s", tok_type_name(t.type));
			else
				fail_at(p, &t, "missing %s", tok_type_name(closer));
			token_free(&t);
			break;
		}
		struct token start;
		peek(p, LEX_EXPR, &start);
		struct ast *st = parse_statement(p);
		if (!st) {
			token_free(&start);
			break;
		}
		st->text = st->text ? st->text : xstrndup(p->lx.src + start.start, p->lx.pos - start.start);
		token_free(&start);
		ast_add(blk, st);
		ty = peek(p, LEX_EXPR, &t);
		if (ty != T_NEWLINE && ty != T_SEMI && ty != closer && p->status == PARSE_OK) {
			token_free(&t);
			next(p, LEX_EXPR, &t);
			fail_at(p, &t, "unexpected %s after the statement",
				t.type == T_WORD || t.type == T_OPERATOR ? t.text : tok_type_name(t.type));
		}
		token_free(&t);
	}
	ast_free(blk);
	return NULL;
}

enum parse_status parse_program(const char *src, size_t len, struct ast **out,
				struct ucsh_err *err, int *line, int *col)
{
	struct parser p = { .err = err, .status = PARSE_OK };
	err_clear(err);
	lexer_init(&p.lx, src, len);
	*out = parse_block_body(&p, T_EOF);
	if (!*out && p.status == PARSE_OK) {
		p.status = PARSE_ERROR;
		err_set(err, "line 1, column 1: syntax error");
	}
	if (line)
		*line = p.err_line;
	if (col)
		*col = p.err_col;
	return *out ? PARSE_OK : p.status;
}
