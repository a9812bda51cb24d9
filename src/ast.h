/*
 * ast: the parsed form of ucsh source. One node type with a kind and a
 * list of children keeps the parser and evaluator small; the comment on
 * each kind says what its fields hold.
 */
#ifndef UCSH_AST_H
#define UCSH_AST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum ast_kind {
	AST_BLOCK,      /* kids: statements */
	AST_PIPELINE,   /* kids: elements; kid 0 an expression or a command, the rest commands */
	AST_COMMAND,    /* name: cmdlet; kids: AST_PARAM and argument expressions in order */
	AST_PARAM,      /* name: parameter (no dash); kid 0: value when written -Name:value */
	AST_ASSIGN,     /* op: "=", "+=", "-="; kid 0: target (VAR, MEMBER, INDEX); kid 1: pipeline */
	AST_IF,         /* kids: cond, block, cond, block, ... [else block when flag] */
	AST_FOREACH,    /* name: loop variable; kid 0: collection; kid 1: body */
	AST_WHILE,      /* kid 0: cond; kid 1: body */
	AST_BREAK,
	AST_CONTINUE,
	AST_EXIT,       /* kid 0 (optional): status */
	AST_RETURN,     /* kid 0 (optional): value */
	AST_LITERAL,    /* value */
	AST_WORD,       /* value: a bare word argument (a string) */
	AST_VAR,        /* name */
	AST_XSTRING,    /* kids: literal and expression parts of "..." */
	AST_ARRAY,      /* kids: items of a,b,c */
	AST_SUBEXPR,    /* kid 0: block; $( ... ) */
	AST_ARRAYEXPR,  /* kid 0: block; @( ... ) */
	AST_PAREN,      /* kid 0: pipeline; ( ... ) */
	AST_HASH,       /* kids: key, value, key, value ... */
	AST_SCRIPTBLOCK, /* kid 0: block; text: its source */
	AST_MEMBER,     /* kid 0: object; name: property (or kid 1 when computed) */
	AST_METHOD,     /* kid 0: object; name: method; kids 1..: arguments */
	AST_INDEX,      /* kid 0: object; kid 1: index */
	AST_BINOP,      /* op; kid 0, kid 1 */
	AST_UNOP,       /* op: "-not", "-", "!"; kid 0 */
	AST_RANGE,      /* kid 0 .. kid 1 */
	AST_REDIRECT,   /* name: ">" or ">>"; kid 0: target */
};

struct ast {
	enum ast_kind kind;
	int line, col;
	char *name;   /* owned */
	char *op;     /* owned */
	char *text;   /* owned: source of a script block, or the statement's line */
	json_t *value; /* owned reference */
	bool flag;
	struct ast **kids; /* owned */
	size_t nkids, capkids;
};

struct ast *ast_new(enum ast_kind kind, int line, int col);
void ast_add(struct ast *parent, struct ast *kid); /* takes ownership of kid */
void ast_free(struct ast *a);

#endif
