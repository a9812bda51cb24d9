/*
 * eval: statements and expressions. Values are Jansson references; every
 * function that returns one hands the caller a new reference.
 */
#include "config.h"
#include "eval.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ops.h"
#include "value.h"

static int eval_statement(struct shell *sh, const struct ast *st, struct sink *out);

void eval_error(struct shell *sh, const struct ast *at, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	shell_write_error(sh, NULL, msg, NULL, at ? at->line : 0, at ? at->col : 0, NULL);
}

static void collect_write(struct sink *s, json_t *v)
{
	json_array_append(s->data, v);
}

void sink_collect_init(struct sink *s, json_t *array)
{
	s->write = collect_write;
	s->data = array;
}

json_t *collected_value(json_t *array)
{
	json_t *v;
	switch (json_array_size(array)) {
	case 0: v = json_null(); break;
	case 1: v = json_incref(json_array_get(array, 0)); break;
	default: return array;
	}
	json_decref(array);
	return v;
}

/* Run a statement and gather what it writes, unwrapped the PowerShell way. */
static json_t *collect_statement(struct shell *sh, const struct ast *st, int *status)
{
	/* A lone expression keeps its value: $x = @('a') holds a list of one and
	 * @{Tags=@()} an empty list, as in PowerShell; only output is unwrapped. */
	if (st->kind == AST_PIPELINE && st->nkids == 1 && st->kids[0]->kind != AST_COMMAND) {
		*status = EV_OK;
		json_t *v = eval_expr(sh, st->kids[0], status);
		if (v)
			return v;
		if (*status == EV_OK)
			*status = EV_FAIL;
		return json_null();
	}
	struct sink s;
	json_t *arr = json_array();
	sink_collect_init(&s, arr);
	*status = eval_statement(sh, st, &s);
	return collected_value(arr);
}

static json_t *variable(struct shell *sh, const char *name)
{
	if (str_ieq(name, "true"))
		return json_true();
	if (str_ieq(name, "false"))
		return json_false();
	if (str_ieq(name, "null"))
		return json_null();
	if (str_iprefix("env:", name)) {
		const char *v = getenv(name + 4);
		return v ? json_string(v) : json_null();
	}
	if (str_iprefix("global:", name))
		name += 7;
	else if (str_iprefix("script:", name))
		name += 7;
	json_t *v = shell_var_get(sh, name);
	return v ? json_incref(v) : json_null();
}

static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static json_t *eval_member(json_t *v, const char *name);

/* $x.Name: a property; on a list, the property of each item (member enumeration). */
static json_t *eval_member(json_t *v, const char *name)
{
	if (json_is_array(v)) {
		if (str_ieq(name, "Count") || str_ieq(name, "Length"))
			return json_integer((json_int_t)json_array_size(v));
		json_t *out = json_array();
		size_t i;
		json_t *it;
		json_array_foreach(v, i, it) {
			json_t *m = eval_member(it, name);
			if (!json_is_null(m))
				json_array_append(out, m);
			json_decref(m);
		}
		return collected_value(out);
	}
	if (json_is_object(v)) {
		json_t *p = value_prop(v, name);
		if (p)
			return json_incref(p);
		if (str_ieq(name, "Count"))
			return json_integer(1);
		return json_null();
	}
	if (json_is_string(v) && str_ieq(name, "Length"))
		return json_integer((json_int_t)utf8_length(json_string_value(v)));
	if (str_ieq(name, "Count"))
		return json_integer(json_is_null(v) ? 0 : 1);
	return json_null();
}

static json_t *index_value(struct shell *sh, const struct ast *at, json_t *v, json_t *idx)
{
	double d;
	if (json_is_object(v)) {
		char *k = value_to_string(idx);
		json_t *p = value_prop(v, k);
		free(k);
		return p ? json_incref(p) : json_null();
	}
	if (!value_to_number(idx, &d)) {
		eval_error(sh, at, "an index must be a number");
		return NULL;
	}
	long long i = (long long)d;
	if (json_is_string(v)) {
		long long n = (long long)json_string_length(v);
		if (i < 0)
			i += n;
		return i >= 0 && i < n ? json_stringn(json_string_value(v) + i, 1) : json_null();
	}
	long long n = (long long)value_count(v);
	if (i < 0)
		i += n;
	return i >= 0 && i < n ? json_incref(value_item(v, (size_t)i)) : json_null();
}

static json_t *eval_xstring(struct shell *sh, const struct ast *a, int *status)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < a->nkids; i++) {
		json_t *v = eval_expr(sh, a->kids[i], status);
		if (!v) {
			sb_free(&sb);
			return NULL;
		}
		char *s = value_to_string(v);
		sb_adds(&sb, s);
		free(s);
		json_decref(v);
	}
	json_t *out = json_stringn(sb_str(&sb), sb.len);
	sb_free(&sb);
	return out;
}

static json_t *eval_hash(struct shell *sh, const struct ast *a, int *status)
{
	json_t *obj = json_object();
	for (size_t i = 0; i + 1 < a->nkids; i += 2) {
		json_t *k = eval_expr(sh, a->kids[i], status);
		json_t *v = k ? collect_statement(sh, a->kids[i + 1], status) : NULL;
		if (!v || *status < 0) {
			json_decref(k);
			json_decref(v);
			json_decref(obj);
			return NULL;
		}
		char *key = value_to_string(k);
		json_object_set_new(obj, key, v);
		free(key);
		json_decref(k);
	}
	return obj;
}

static json_t *eval_binop(struct shell *sh, const struct ast *a, int *status)
{
	json_t *l = eval_expr(sh, a->kids[0], status);
	if (!l)
		return NULL;
	/* -and / -or short-circuit */
	if (a->op && ((!strcmp(a->op, "and") && !value_truthy(l)) ||
		      (!strcmp(a->op, "or") && value_truthy(l)))) {
		json_decref(l);
		return json_boolean(!strcmp(a->op, "or"));
	}
	json_t *r = eval_expr(sh, a->kids[1], status);
	if (!r) {
		json_decref(l);
		return NULL;
	}
	struct ucsh_err err;
	err_clear(&err);
	json_t *v = a->kind == AST_RANGE ? ops_range(l, r, &err) : ops_binary(a->op, l, r, &err);
	if (!v) {
		eval_error(sh, a, "%s", err.msg);
		*status = EV_FAIL;
	}
	json_decref(l);
	json_decref(r);
	return v;
}

static json_t *eval_call(struct shell *sh, const struct ast *a, int *status)
{
	json_t *target = eval_expr(sh, a->kids[0], status);
	if (!target)
		return NULL;
	json_t *args = json_array();
	for (size_t i = 1; i < a->nkids; i++) {
		json_t *v = eval_expr(sh, a->kids[i], status);
		if (!v) {
			json_decref(args);
			json_decref(target);
			return NULL;
		}
		json_array_append_new(args, v);
	}
	struct ucsh_err err;
	err_clear(&err);
	json_t *v = ops_method(target, a->name, args, &err);
	if (!v) {
		eval_error(sh, a, "%s", err.msg);
		*status = EV_FAIL;
	}
	json_decref(args);
	json_decref(target);
	return v;
}

static json_t *eval_block_value(struct shell *sh, const struct ast *blk, bool force_array,
				int *status)
{
	struct sink s;
	json_t *arr = json_array();
	sink_collect_init(&s, arr);
	*status = eval_block(sh, blk, &s);
	if (*status == EV_STOP || *status == EV_EXIT) {
		json_decref(arr);
		return NULL;
	}
	return force_array ? arr : collected_value(arr);
}

static json_t *eval_postfix(struct shell *sh, const struct ast *a, int *status)
{
	json_t *obj = eval_expr(sh, a->kids[0], status);
	if (!obj)
		return NULL;
	json_t *v = NULL;
	if (a->kind == AST_MEMBER) {
		char *name = a->name ? xstrdup(a->name) : NULL;
		if (!name) {
			json_t *n = eval_expr(sh, a->kids[1], status);
			name = n ? value_to_string(n) : NULL;
			json_decref(n);
		}
		if (name)
			v = eval_member(obj, name);
		free(name);
	} else {
		json_t *idx = eval_expr(sh, a->kids[1], status);
		if (idx)
			v = index_value(sh, a, obj, idx);
		json_decref(idx);
	}
	json_decref(obj);
	return v;
}

json_t *eval_expr(struct shell *sh, const struct ast *a, int *status)
{
	struct ucsh_err err;
	json_t *v;
	if (sh->cancel && *sh->cancel) {
		*status = EV_STOP;
		return NULL;
	}
	switch (a->kind) {
	case AST_LITERAL:
	case AST_WORD:
		return json_incref(a->value);
	case AST_VAR:
		return variable(sh, a->name);
	case AST_XSTRING:
		return eval_xstring(sh, a, status);
	case AST_ARRAY: {
		json_t *arr = json_array();
		for (size_t i = 0; i < a->nkids; i++) {
			if (!(v = eval_expr(sh, a->kids[i], status))) {
				json_decref(arr);
				return NULL;
			}
			json_array_append_new(arr, v);
		}
		return arr;
	}
	case AST_SUBEXPR:
	case AST_ARRAYEXPR:
		return eval_block_value(sh, a->kids[0], a->kind == AST_ARRAYEXPR, status);
	case AST_PAREN:
		v = collect_statement(sh, a->kids[0], status);
		if (*status == EV_STOP || *status == EV_EXIT) {
			json_decref(v);
			return NULL;
		}
		return v;
	case AST_HASH:
		return eval_hash(sh, a, status);
	case AST_SCRIPTBLOCK:
		return value_scriptblock_new(a->kids[0], a->text);
	case AST_MEMBER:
	case AST_INDEX:
		return eval_postfix(sh, a, status);
	case AST_METHOD:
		return eval_call(sh, a, status);
	case AST_BINOP:
	case AST_RANGE:
		return eval_binop(sh, a, status);
	case AST_UNOP:
		if (!(v = eval_expr(sh, a->kids[0], status)))
			return NULL;
		err_clear(&err);
		json_t *r = ops_unary(a->op, v, &err);
		json_decref(v);
		if (!r) {
			eval_error(sh, a, "%s", err.msg);
			*status = EV_FAIL;
		}
		return r;
	default:
		/* a statement used as a value: ( if ... ) or a hash entry's pipeline */
		v = collect_statement(sh, a, status);
		if (*status == EV_STOP || *status == EV_EXIT) {
			json_decref(v);
			return NULL;
		}
		return v;
	}
}

/* $x = v, $x.Prop = v, $x[i] = v */
static int assign(struct shell *sh, const struct ast *target, json_t *v)
{
	int status = EV_OK;
	if (target->kind == AST_VAR) {
		const char *n = target->name;
		if (str_ieq(n, "true") || str_ieq(n, "false") || str_ieq(n, "null") ||
		    str_iprefix("env:", n)) {
			eval_error(sh, target, "cannot assign to $%s", n);
			json_decref(v);
			return EV_FAIL;
		}
		if (str_iprefix("global:", n) || str_iprefix("script:", n))
			n = strchr(n, ':') + 1;
		shell_var_set(sh, n, v);
		return EV_OK;
	}
	if (target->kind != AST_MEMBER && target->kind != AST_INDEX) {
		eval_error(sh, target, "the left side of '=' must be a variable, property or index");
		json_decref(v);
		return EV_FAIL;
	}
	json_t *obj = eval_expr(sh, target->kids[0], &status);
	json_t *key = !obj ? NULL : target->name ? json_string(target->name)
						 : eval_expr(sh, target->kids[1], &status);
	double d;
	if (obj && key && json_is_object(obj) && !value_is_scriptblock(obj)) {
		char *k = value_to_string(key);
		const char *have = value_prop_key(obj, k);
		json_object_set(obj, have ? have : k, v);
		free(k);
	} else if (obj && key && json_is_array(obj) && value_to_number(key, &d) && d >= 0 &&
		   d < json_array_size(obj)) {
		json_array_set(obj, (size_t)d, v);
	} else if (obj && key) {
		eval_error(sh, target, "cannot set a property or index on a %s", value_type(obj));
		status = EV_FAIL;
	}
	json_decref(obj);
	json_decref(key);
	json_decref(v);
	return status;
}

static int eval_assign(struct shell *sh, const struct ast *st)
{
	int status = EV_OK;
	json_t *v = collect_statement(sh, st->kids[1], &status);
	if (status == EV_STOP || status == EV_EXIT) {
		json_decref(v);
		return status;
	}
	if (strcmp(st->op, "=") != 0) {
		json_t *old = eval_expr(sh, st->kids[0], &status);
		if (!old) { /* Ctrl-C between the two sides, or reported already */
			json_decref(v);
			return status == EV_OK ? EV_FAIL : status;
		}
		struct ucsh_err err;
		err_clear(&err);
		json_t *nv = ops_binary(st->op[0] == '+' ? "+" : "-", old, v, &err);
		json_decref(old);
		json_decref(v);
		if (!nv) {
			eval_error(sh, st, "%s", err.msg);
			return EV_FAIL;
		}
		v = nv;
	}
	return assign(sh, st->kids[0], v);
}

static int eval_if(struct shell *sh, const struct ast *st, struct sink *out)
{
	size_t pairs = st->flag ? st->nkids - 1 : st->nkids;
	for (size_t i = 0; i + 1 < pairs + 1 && i < pairs; i += 2) {
		int status = EV_OK;
		json_t *c = collect_statement(sh, st->kids[i], &status);
		bool truth = value_truthy(c);
		json_decref(c);
		if (status == EV_STOP || status == EV_EXIT)
			return status;
		if (truth)
			return eval_block(sh, st->kids[i + 1], out);
	}
	return st->flag ? eval_block(sh, st->kids[st->nkids - 1], out) : EV_OK;
}

static int eval_foreach(struct shell *sh, const struct ast *st, struct sink *out)
{
	int status = EV_OK;
	json_t *coll = collect_statement(sh, st->kids[0], &status);
	if (status == EV_STOP || status == EV_EXIT) {
		json_decref(coll);
		return status;
	}
	status = EV_OK;
	for (size_t i = 0; i < value_count(coll); i++) {
		shell_var_set(sh, st->name, json_incref(value_item(coll, i)));
		status = eval_block(sh, st->kids[1], out);
		if (status == EV_BREAK) {
			status = EV_OK;
			break;
		}
		if (status == EV_CONTINUE || status == EV_FAIL)
			status = EV_OK;
		if (status != EV_OK)
			break;
	}
	json_decref(coll);
	return status;
}

static int eval_while(struct shell *sh, const struct ast *st, struct sink *out)
{
	for (;;) {
		int status = EV_OK;
		json_t *c = collect_statement(sh, st->kids[0], &status);
		bool truth = value_truthy(c);
		json_decref(c);
		if (status == EV_STOP || status == EV_EXIT)
			return status;
		if (!truth)
			return EV_OK;
		status = eval_block(sh, st->kids[1], out);
		if (status == EV_BREAK)
			return EV_OK;
		if (status != EV_OK && status != EV_CONTINUE && status != EV_FAIL)
			return status;
	}
}

static int eval_exit(struct shell *sh, const struct ast *st, struct sink *out)
{
	int status = EV_OK;
	if (st->kind == AST_RETURN) {
		if (st->nkids)
			status = eval_statement(sh, st->kids[0], out);
		return status == EV_OK || status == EV_FAIL ? EV_RETURN : status;
	}
	double code = 0;
	if (st->nkids) {
		json_t *v = eval_expr(sh, st->kids[0], &status);
		if (!v)
			return status;
		if (!value_to_number(v, &code))
			code = 1;
		json_decref(v);
	}
	sh->exit_requested = (int)code & 0xff;
	return EV_EXIT;
}

static int eval_statement(struct shell *sh, const struct ast *st, struct sink *out)
{
	if (sh->cancel && *sh->cancel)
		return EV_STOP;
	switch (st->kind) {
	case AST_PIPELINE: return pipeline_run(sh, st, out);
	case AST_ASSIGN: return eval_assign(sh, st);
	case AST_IF: return eval_if(sh, st, out);
	case AST_FOREACH: return eval_foreach(sh, st, out);
	case AST_WHILE: return eval_while(sh, st, out);
	case AST_BREAK: return EV_BREAK;
	case AST_CONTINUE: return EV_CONTINUE;
	case AST_EXIT:
	case AST_RETURN: return eval_exit(sh, st, out);
	default: {
		int status = EV_OK;
		json_t *v = eval_expr(sh, st, &status);
		if (!v)
			return status == EV_OK ? EV_FAIL : status;
		/* a list is written item by item; $null is written as itself */
		if (json_is_null(v))
			out->write(out, v);
		for (size_t i = 0; i < value_count(v); i++)
			out->write(out, value_item(v, i));
		json_decref(v);
		return status;
	}
	}
}

int eval_block(struct shell *sh, const struct ast *block, struct sink *out)
{
	const char *outer = sh->statement;
	for (size_t i = 0; i < block->nkids; i++) {
		unsigned long errors = sh->errors;
		if (block->kids[i]->text)
			sh->statement = block->kids[i]->text;
		int status = eval_statement(sh, block->kids[i], out);
		sh->statement = outer;
		shell_var_set(sh, "?", json_boolean(status == EV_OK && sh->errors == errors));
		if (sh->cancel && *sh->cancel)
			return EV_STOP;
		if (status == EV_OK || status == EV_FAIL)
			continue;
		return status;
	}
	return EV_OK;
}

int eval_scriptblock(struct shell *sh, const json_t *block, json_t *input, struct sink *out)
{
	const struct ast *body = value_scriptblock_body(block);
	json_t *saved = NULL;
	if (input) {
		saved = shell_var_get(sh, "_");
		json_incref(saved);
		shell_var_set(sh, "_", json_incref(input));
	}
	int status = eval_block(sh, body, out);
	if (input)
		shell_var_set(sh, "_", saved ? saved : json_null());
	return status == EV_RETURN ? EV_OK : status;
}
