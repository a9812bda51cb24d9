/*
 * filter: script block to store filter translation.
 */
#include "config.h"
#include "filter.h"

#include <string.h>

#include "ast.h"
#include "eval.h"
#include "value.h"

#define FILTER_MAX_DEPTH 8 /* the store's nesting bound */

/* $_.Name or $PSItem.Name: the property name, else NULL. */
static const char *item_property(const struct ast *a)
{
	if (a->kind != AST_MEMBER || !a->name || a->kids[0]->kind != AST_VAR)
		return NULL;
	const char *v = a->kids[0]->name;
	return strcmp(v, "_") == 0 || str_ieq(v, "PSItem") ? a->name : NULL;
}

/* Does the subtree mention $_ anywhere? Then it cannot be a constant. */
static bool uses_item(const struct ast *a)
{
	if (a->kind == AST_VAR && (strcmp(a->name, "_") == 0 || str_ieq(a->name, "PSItem")))
		return true;
	for (size_t i = 0; i < a->nkids; i++)
		if (uses_item(a->kids[i]))
			return true;
	return false;
}

static const char *mirror(const char *op)
{
	static const char *const pairs[][2] = {
		{ "lt", "gt" }, { "le", "ge" }, { "gt", "lt" }, { "ge", "le" }, { "eq", "eq" },
		{ "ne", "ne" },
	};
	for (size_t i = 0; i < UCSH_ARRAY_LEN(pairs); i++)
		if (!strcmp(op, pairs[i][0]))
			return pairs[i][1];
	return NULL;
}

static bool store_op(const char *op)
{
	static const char *const ops[] = { "eq", "ne", "lt", "le", "gt", "ge", "like", "notlike",
					   "in", "notin", NULL };
	for (size_t i = 0; ops[i]; i++)
		if (!strcmp(ops[i], op))
			return true;
	return false;
}

static enum filter_status translate(struct shell *sh, const struct ast *a, int depth,
				    json_t **out, struct ucsh_err *why);

static enum filter_status comparison(struct shell *sh, const struct ast *a, json_t **out,
				     struct ucsh_err *why)
{
	const char *op = a->op[0] == 'i' && strcmp(a->op, "in") ? a->op + 1 : a->op;
	const struct ast *prop_side = a->kids[0], *val_side = a->kids[1];
	const char *prop = item_property(prop_side);
	if (!prop && (prop = item_property(val_side))) {
		/* 'CX600' -eq $_.Model, 5 -lt $_.N, 'a' -in $_.Tags is not the same thing */
		op = mirror(op);
		val_side = a->kids[0];
		if (!op) {
			err_set(why, "-%s with $_ on the right", a->op);
			return FILTER_UNTRANSLATABLE;
		}
	}
	if (!prop || !store_op(op) || uses_item(val_side)) {
		err_set(why, "-%s is not a comparison of one $_ property with a value", a->op);
		return FILTER_UNTRANSLATABLE;
	}
	int status = EV_OK;
	json_t *v = eval_expr(sh, val_side, &status);
	if (!v) {
		err_set(why, "the value compared with %s could not be evaluated", prop);
		return FILTER_ERROR;
	}
	if ((!strcmp(op, "in") || !strcmp(op, "notin")) && !json_is_array(v)) {
		json_t *arr = json_array();
		json_array_append_new(arr, v);
		v = arr;
	} else if (json_is_object(v) || (json_is_array(v) && strcmp(op, "in") && strcmp(op, "notin"))) {
		json_decref(v);
		err_set(why, "%s is compared with a list or object", prop);
		return FILTER_UNTRANSLATABLE;
	}
	*out = json_pack("{s:s,s:s,s:o}", "Property", prop, "Op", op, "Value", v);
	return FILTER_OK;
}

static enum filter_status group(struct shell *sh, const struct ast *a, const char *name,
				int depth, json_t **out, struct ucsh_err *why)
{
	json_t *l = NULL, *r = NULL;
	enum filter_status st = translate(sh, a->kids[0], depth + 1, &l, why);
	if (st == FILTER_OK)
		st = translate(sh, a->kids[1], depth + 1, &r, why);
	if (st != FILTER_OK) {
		json_decref(l);
		return st;
	}
	*out = json_pack("{s:[o,o]}", name, l, r);
	return FILTER_OK;
}

static enum filter_status translate(struct shell *sh, const struct ast *a, int depth,
				    json_t **out, struct ucsh_err *why)
{
	if (depth > FILTER_MAX_DEPTH) {
		err_set(why, "the filter nests deeper than %d levels", FILTER_MAX_DEPTH);
		return FILTER_UNTRANSLATABLE;
	}
	if (a->kind == AST_PAREN && a->kids[0]->kind == AST_PIPELINE && a->kids[0]->nkids == 1)
		return translate(sh, a->kids[0]->kids[0], depth, out, why);
	if (a->kind == AST_BINOP && (!strcmp(a->op, "and") || !strcmp(a->op, "or")))
		return group(sh, a, !strcmp(a->op, "and") ? "And" : "Or", depth, out, why);
	if (a->kind == AST_UNOP && !strcmp(a->op, "not")) {
		json_t *inner = NULL;
		enum filter_status st = translate(sh, a->kids[0], depth + 1, &inner, why);
		if (st == FILTER_OK)
			*out = json_pack("{s:o}", "Not", inner);
		return st;
	}
	if (a->kind == AST_BINOP && a->op[0] != 'c')
		return comparison(sh, a, out, why);
	err_set(why, "only comparisons of $_ properties joined by -and, -or and -not run in the store");
	return FILTER_UNTRANSLATABLE;
}

enum filter_status filter_from_scriptblock(struct shell *sh, const json_t *block,
					   json_t **filter, struct ucsh_err *why)
{
	const struct ast *body = value_scriptblock_body(block);
	*filter = NULL;
	if (!body || body->nkids != 1 || body->kids[0]->kind != AST_PIPELINE ||
	    body->kids[0]->nkids != 1 || body->kids[0]->kids[0]->kind == AST_COMMAND) {
		err_set(why, "the block is not a single expression");
		return FILTER_UNTRANSLATABLE;
	}
	json_t *cond = NULL;
	enum filter_status st = translate(sh, body->kids[0]->kids[0], 0, &cond, why);
	if (st == FILTER_OK) {
		*filter = json_array();
		json_array_append_new(*filter, cond);
	}
	return st;
}
