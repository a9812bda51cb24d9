/*
 * object: the cmdlets that work on any object in the pipeline, whatever its
 * kind: Where-Object, Select-Object, Sort-Object, Group-Object,
 * Measure-Object and ForEach-Object.
 *
 * They share one idea of a "key": what -Property names. A key is a property
 * name (or, for Select-Object, a wildcard pattern), a script block run with
 * $_ set to the input, or a hashtable (a "calculated property") holding an
 * Expression and a Name, or for Sort-Object an Ascending/Descending order.
 * keys_parse() reads them once, in begin; key_value() evaluates one for an
 * input. Comparisons go through the language's own rules (ops_binary,
 * value_compare), so a cmdlet orders and matches exactly as an expression
 * would: numbers as numbers, firmware versions as versions, strings without
 * regard to case.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ops.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* --- shared helpers ------------------------------------------------------- */

/* The object a process call works on: the pipeline input, or -InputObject
 * when the cmdlet runs first in its pipeline. Borrowed; NULL when neither. */
static json_t *input_of(struct cmd_ctx *ctx, json_t *input)
{
	return input ? input : cmd_arg(ctx, "InputObject");
}

static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A member as $v.Name reads it: a property of an object, or the Length of a
 * string or Count of a list. New reference, or NULL when v has no such member. */
static json_t *member_get(const json_t *v, const char *name)
{
	if (json_is_object(v) && !value_is_scriptblock(v)) {
		json_t *p = value_prop(v, name);
		return p ? json_incref(p) : NULL;
	}
	if (json_is_string(v) && str_ieq(name, "Length"))
		return json_integer((json_int_t)utf8_length(json_string_value(v)));
	if (json_is_array(v) && (str_ieq(name, "Count") || str_ieq(name, "Length")))
		return json_integer((json_int_t)json_array_size(v));
	return NULL;
}

/* A whole number when d is one, as arithmetic in the language gives. */
static json_t *number_value(double d)
{
	if (d == floor(d) && fabs(d) < 9e15)
		return json_integer((json_int_t)d);
	return json_real(d);
}

/* Emit every item of r (a value or a list of them); steals r. -1 when the
 * pipeline stopped taking objects. */
static int emit_items(struct cmd_ctx *ctx, json_t *r)
{
	int rc = 0;
	for (size_t i = 0; i < value_count(r) && rc == 0; i++)
		rc = cmd_emit(ctx, json_incref(value_item(r, i)));
	json_decref(r);
	return rc;
}

/* --- keys: what -Property names ------------------------------------------- */

enum key_fields {
	KF_NAME = 1 << 0,       /* Name / Label */
	KF_EXPRESSION = 1 << 1, /* Expression */
	KF_ORDER = 1 << 2,      /* Ascending / Descending */
};

struct key {
	char *name;        /* the output property's name (or the key's text for errors) */
	char *prop;        /* a property name or pattern, or NULL */
	json_t *block;     /* a script block, or NULL */
	bool calculated;   /* came from a hashtable: prop is a name, never a pattern */
	int order;         /* +1 ascending, -1 descending, 0 not said */
};

struct keys {
	struct key *k;
	size_t n;
};

static void keys_free(struct keys *ks)
{
	for (size_t i = 0; i < ks->n; i++) {
		free(ks->k[i].name);
		free(ks->k[i].prop);
		json_decref(ks->k[i].block);
	}
	free(ks->k);
	ks->k = NULL;
	ks->n = 0;
}

/* Which field of a calculated property a hashtable key names: any prefix
 * of the field's name, as PowerShell takes n, l, e. */
static unsigned hash_field(const char *key, unsigned allowed, bool *ascending)
{
	static const struct { const char *name; unsigned field; bool asc; } fields[] = {
		{ "Name", KF_NAME, false }, { "Label", KF_NAME, false },
		{ "Expression", KF_EXPRESSION, false }, { "Ascending", KF_ORDER, true },
		{ "Descending", KF_ORDER, false },
	};
	for (size_t i = 0; *key && i < UCSH_ARRAY_LEN(fields); i++)
		if ((fields[i].field & allowed) && str_iprefix(key, fields[i].name)) {
			*ascending = fields[i].asc;
			return fields[i].field;
		}
	return 0;
}

static const char *hash_fields_text(unsigned allowed)
{
	if (allowed & KF_NAME)
		return "Name (or Label) and Expression";
	if (allowed & KF_ORDER)
		return "Expression, Ascending and Descending";
	return "Expression";
}

static int key_from_hash(json_t *h, unsigned allowed, struct key *k, struct ucsh_err *err)
{
	const char *hk;
	json_t *hv;
	bool asc = false;
	k->calculated = true;
	value_each_prop(h, hk, hv) {
		unsigned f = hash_field(hk, allowed, &asc);
		if (f == KF_NAME) {
			free(k->name);
			k->name = value_to_string(hv);
		} else if (f == KF_EXPRESSION && value_is_scriptblock(hv)) {
			k->block = json_incref(hv);
		} else if (f == KF_EXPRESSION && json_is_string(hv)) {
			k->prop = xstrdup(json_string_value(hv));
		} else if (f == KF_EXPRESSION) {
			return err_set(err, "the Expression of a calculated property must be a "
					    "property name or a script block");
		} else if (f == KF_ORDER) {
			k->order = value_truthy(hv) == asc ? 1 : -1;
		} else {
			err_set(err, "'%s' is not a key of a calculated property", hk);
			return err_hint(err, "use %s", hash_fields_text(allowed));
		}
	}
	if (!k->prop && !k->block) {
		err_set(err, "a calculated property needs an Expression");
		return err_hint(err, "for example @{Name='Model'; Expression={ $_.Model }}");
	}
	if (!k->name)
		k->name = xstrdup(k->prop ? k->prop : value_scriptblock_text(k->block));
	return 0;
}

/* Read -Property (borrowed; NULL for none) into ks. allowed: the fields a
 * hashtable may hold. Returns -1 with err set. */
static int keys_parse(json_t *specs, unsigned allowed, struct keys *ks, struct ucsh_err *err)
{
	size_t n = value_count(specs);
	ks->k = xcalloc(n ? n : 1, sizeof(*ks->k));
	ks->n = n;
	for (size_t i = 0; i < n; i++) {
		json_t *s = value_item(specs, i);
		struct key *k = &ks->k[i];
		if (value_is_scriptblock(s)) {
			k->block = json_incref(s);
			k->name = xstrdup(value_scriptblock_text(s));
		} else if (json_is_object(s)) {
			if (key_from_hash(s, allowed, k, err))
				return -1;
		} else if (json_is_array(s)) {
			return err_set(err, "a property name cannot be a list");
		} else {
			k->prop = value_to_string(s);
			k->name = xstrdup(k->prop);
			if (!*k->prop)
				return err_set(err, "a property name cannot be empty");
		}
	}
	return 0;
}

/* The key's value for v: a new reference, JSON null when v lacks the
 * property; NULL when a script block stopped the script. */
static json_t *key_value(struct cmd_ctx *ctx, const struct key *k, json_t *v)
{
	if (k->block)
		return cmd_invoke_block(ctx, k->block, v);
	json_t *m = member_get(v, k->prop);
	return m ? m : json_null();
}

/* Parse -Property in begin; a bad key is a terminating error. */
static int keys_begin(struct cmd_ctx *ctx, unsigned allowed, struct keys *ks)
{
	struct ucsh_err err;
	err_clear(&err);
	if (keys_parse(cmd_arg(ctx, "Property"), allowed, ks, &err) == 0)
		return 0;
	return cmd_fail(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
}

/* Order two values as Sort-Object does: the language's comparison, falling
 * back to the text of values it cannot order (objects); with case_sensitive,
 * equal strings that differ in case put lower case first ("a" < "A" < "b"). */
static int order_values(const json_t *a, const json_t *b, bool case_sensitive)
{
	struct ucsh_err err;
	int c = 0;
	if (value_compare(a, b, &c, &err) < 0) {
		char *sa = value_to_string(a), *sb = value_to_string(b);
		c = str_ieq(sa, sb) ? 0 : strcmp(sa, sb) < 0 ? -1 : 1;
		free(sa);
		free(sb);
	}
	if (c == 0 && case_sensitive && json_is_string(a) && json_is_string(b)) {
		const char *x = json_string_value(a), *y = json_string_value(b);
		while (*x && *x == *y)
			x++, y++;
		if (*x == *y)
			c = 0;
		else if (!*x || !*y)
			c = *x ? 1 : -1;
		else
			c = *x >= 'a' && *x <= 'z' ? -1 : 1;
	}
	return c;
}

/* --- Where-Object --------------------------------------------------------- */

/* The comparison switches of Where-Object and the operator each stands for. */
static const struct { const char *param, *op; } where_ops[] = {
	{ "EQ", "eq" }, { "NE", "ne" }, { "GT", "gt" }, { "GE", "ge" }, { "LT", "lt" },
	{ "LE", "le" }, { "Like", "like" }, { "NotLike", "notlike" }, { "Match", "match" },
	{ "NotMatch", "notmatch" }, { "Contains", "contains" }, { "NotContains", "notcontains" },
	{ "In", "in" }, { "NotIn", "notin" }, { "CEQ", "ceq" }, { "CNE", "cne" },
	{ "CLike", "clike" }, { "CNotLike", "cnotlike" }, { "CMatch", "cmatch" },
	{ "CContains", "ccontains" }, { "CIn", "cin" },
};

struct where {
	const char *op;   /* NULL: test the property's truth */
	bool negate;      /* -Not */
};

static int where_begin(struct cmd_ctx *ctx)
{
	struct where *w = xcalloc(1, sizeof(*w));
	const char *second = NULL;
	ctx->state = w;
	for (size_t i = 0; i < UCSH_ARRAY_LEN(where_ops); i++) {
		if (!cmd_arg_bool(ctx, where_ops[i].param))
			continue;
		if (w->op)
			second = where_ops[i].param;
		else
			w->op = where_ops[i].op;
	}
	w->negate = cmd_arg_bool(ctx, "Not");
	bool script = cmd_has_arg(ctx, "FilterScript"), prop = cmd_has_arg(ctx, "Property");
	bool value = json_object_get(ctx->params, "Value") != NULL;
	const char *hint = "Where-Object { $_.Model -eq 'CX600' } or Where-Object Model -eq CX600";
	if (script == prop)
		return cmd_fail(ctx, hint, script ? "give a script block or a property, not both"
						  : "give a script block or a property to test");
	if (second)
		return cmd_fail(ctx, "use a script block to combine conditions",
				"only one comparison operator may be given (-%s was the second)", second);
	if (script && (w->op || w->negate || value))
		return cmd_fail(ctx, hint, "a comparison operator goes with a property, "
					   "not with a script block");
	if (w->op && w->negate)
		return cmd_fail(ctx, "use -NE, -NotLike, ... or a script block",
				"-Not cannot be combined with a comparison operator");
	if (w->op && !value)
		return cmd_fail(ctx, hint, "the comparison needs a value to compare with");
	if (!w->op && value)
		return cmd_fail(ctx, hint, "a value was given but no comparison operator "
					   "(-EQ, -Like, -GT, ...)");
	return 0;
}

/* 1 when v passes, 0 when not, -1 when the pipeline must stop. */
static int where_test(struct cmd_ctx *ctx, const struct where *w, json_t *v)
{
	json_t *block = cmd_arg(ctx, "FilterScript");
	if (block) {
		json_t *r = cmd_invoke_block(ctx, block, v);
		if (!r)
			return -1;
		bool hit = value_truthy(r);
		json_decref(r);
		return hit;
	}
	json_t *p = member_get(v, cmd_arg_str(ctx, "Property"));
	if (!p)
		p = json_null();
	if (!w->op) {
		bool hit = value_truthy(p) != w->negate;
		json_decref(p);
		return hit;
	}
	struct ucsh_err err;
	err_clear(&err);
	json_t *r = ops_binary(w->op, p, json_object_get(ctx->params, "Value"), &err);
	json_decref(p);
	if (!r)
		return cmd_fail(ctx, NULL, "%s", err.msg);
	bool hit = value_truthy(r);
	json_decref(r);
	return hit;
}

static int where_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *v = input_of(ctx, input);
	if (!v || !ctx->state)
		return 0;
	int hit = where_test(ctx, ctx->state, v);
	if (hit <= 0)
		return hit;
	return cmd_emit(ctx, json_incref(v));
}

static void free_state(struct cmd_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

#define WHERE_OP(p, text) \
	{ .name = p, .type = PT_SWITCH, .position = POS_NAMED, .help = text }

static const struct cmd_param where_params[] = {
	{ .name = "FilterScript", .type = PT_SCRIPTBLOCK, .position = 0,
	  .help = "A script block run for each object with $_ set to it; the object is kept "
		  "when the block's result is true." },
	{ .name = "Property", .type = PT_STRING, .position = 0,
	  .help = "The property to test. Alone, an object is kept when the property is true "
		  "(not empty, zero or $null); with a comparison switch, when the comparison "
		  "of the property with -Value holds." },
	{ .name = "Value", .type = PT_OBJECT, .position = 1,
	  .help = "What the property is compared with. Firmware versions compare as versions, "
		  "numbers as numbers, text without regard to case." },
	WHERE_OP("EQ", "Keeps objects whose property equals -Value."),
	WHERE_OP("NE", "Keeps objects whose property differs from -Value."),
	WHERE_OP("GT", "Keeps objects whose property is greater than -Value."),
	WHERE_OP("GE", "Keeps objects whose property is greater than or equal to -Value."),
	WHERE_OP("LT", "Keeps objects whose property is less than -Value."),
	WHERE_OP("LE", "Keeps objects whose property is less than or equal to -Value."),
	WHERE_OP("Like", "Keeps objects whose property matches the wildcard pattern -Value "
			 "(* any text, ? one character, [a-z] a set)."),
	WHERE_OP("NotLike", "Keeps objects whose property does not match the wildcard -Value."),
	WHERE_OP("Match", "Keeps objects whose property matches the regular expression -Value."),
	WHERE_OP("NotMatch", "Keeps objects whose property does not match the regular "
			     "expression -Value."),
	WHERE_OP("Contains", "Keeps objects whose property is a list holding -Value."),
	WHERE_OP("NotContains", "Keeps objects whose property is a list not holding -Value."),
	WHERE_OP("In", "Keeps objects whose property is one of the values in -Value."),
	WHERE_OP("NotIn", "Keeps objects whose property is none of the values in -Value."),
	WHERE_OP("CEQ", "As -EQ, but text must match in case too."),
	WHERE_OP("CNE", "As -NE, but text that differs only in case counts as different."),
	WHERE_OP("CLike", "As -Like, case-sensitively."),
	WHERE_OP("CNotLike", "As -NotLike, case-sensitively."),
	WHERE_OP("CMatch", "As -Match, case-sensitively."),
	WHERE_OP("CContains", "As -Contains, case-sensitively."),
	WHERE_OP("CIn", "As -In, case-sensitively."),
	WHERE_OP("Not", "Keeps objects whose property is false, empty or missing."),
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to filter, usually from the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_where_object_entry = {
	.name = "Where-Object",
	.aliases = ALIASES("where", "?"),
	.synopsis = "Keeps the objects of the pipeline that meet a condition.",
	.description =
		"Passes on each input object for which the condition holds and drops the rest.\n\n"
		"The condition is either a script block, in which $_ is the object "
		"(Where-Object { $_.Model -eq 'CX600' -and $_.Site -like 'HQ*' }), or one "
		"property, a comparison switch and a value (Where-Object Model -eq CX600). The "
		"comparisons are the operators of the language: text compares without regard to "
		"case unless the switch begins with C, numbers compare as numbers and firmware "
		"versions such as 4.0.7577.4100 compare part by part. A property alone keeps the "
		"objects in which it is true; -Not keeps those in which it is not.",
	.params = where_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | Where-Object Model -eq CX600",
		  "Keeps the Polycom CX600 phones." },
		{ "Import-Csv phones.csv | Where-Object FirmwareVersion -lt 4.0.7577.4100",
		  "Finds phones running firmware older than 4.0.7577.4100; the versions compare "
		  "as versions, so 4.0.7577.250 is older." },
		{ "Import-Csv phones.csv | Where-Object { $_.Model -like 'CX*' -and $_.Site -eq 'HQ' }",
		  "Combines two conditions in a script block." },
		{ "Import-Csv phones.csv | ? Model -in CX500,CX600", "The same test against a list, by alias." },
		{ 0 } },
	.outputs = "Object",
	.notes = "Where-Object never changes the objects it passes on.",
	.role = ROLE_VIEW_ONLY,
	.begin = where_begin,
	.process = where_process,
	.cleanup = free_state,
};

/* --- Select-Object -------------------------------------------------------- */

struct select {
	struct keys props;    /* -Property; "*" when only -ExcludeProperty was given */
	const char *expand;   /* -ExpandProperty, borrowed from the bound arguments */
	json_t *exclude;      /* -ExcludeProperty patterns, borrowed */
	long long first, last, skip;
	bool has_first, has_last;
	long long taken, skipped;
	json_t *held;         /* -Last: the latest inputs */
	json_t *seen;         /* -Unique: compact JSON of each object written */
};

static bool excluded(const struct select *s, const char *name)
{
	for (size_t i = 0; i < value_count(s->exclude); i++) {
		const char *pat = json_string_value(value_item(s->exclude, i));
		if (pat && wildcard_match(pat, name))
			return true;
	}
	return false;
}

/* Add name=val to out (stealing val) unless it is excluded or already there. */
static void select_put(const struct select *s, json_t *out, const char *name, json_t *val)
{
	if (value_prop(out, name) || excluded(s, name))
		json_decref(val);
	else
		json_object_set_new(out, name, val);
}

/* Add to out the properties -Property picks from v. -1 when a script block
 * stopped the script. */
static int select_props(struct cmd_ctx *ctx, const struct select *s, json_t *v, json_t *out)
{
	for (size_t i = 0; i < s->props.n; i++) {
		const struct key *k = &s->props.k[i];
		if (k->calculated || k->block) {
			json_t *val = key_value(ctx, k, v);
			if (!val)
				return -1;
			select_put(s, out, k->name, val);
		} else if (wildcard_has_meta(k->prop)) {
			const char *name;
			json_t *val;
			if (json_is_object(v) && !value_is_scriptblock(v))
				value_each_prop(v, name, val)
					if (wildcard_match(k->prop, name))
						select_put(s, out, name, json_incref(val));
		} else {
			const char *have = value_prop_key(v, k->prop);
			json_t *val = member_get(v, k->prop);
			select_put(s, out, have ? have : k->prop, val ? val : json_null());
		}
	}
	return 0;
}

/* Write out (stolen) unless -Unique has seen it already. */
static int select_emit(struct cmd_ctx *ctx, struct select *s, json_t *out)
{
	if (s->seen) {
		char *text = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
		bool dup = text && json_object_get(s->seen, text);
		if (text && !dup)
			json_object_set_new(s->seen, text, json_true());
		free(text);
		if (dup) {
			json_decref(out);
			return 0;
		}
	}
	return cmd_emit(ctx, out);
}

static int select_expand(struct cmd_ctx *ctx, struct select *s, json_t *v)
{
	json_t *x = member_get(v, s->expand);
	if (!x) {
		char *text = value_to_string(v);
		int rc = cmd_error(ctx, "Get-Member shows the properties an object has",
				   "property '%s' cannot be found on the input '%.60s'", s->expand,
				   text);
		free(text);
		return rc;
	}
	if (s->props.n && json_is_object(x) && !value_is_scriptblock(x)) {
		json_t *out = json_copy(x);
		json_decref(x);
		if (select_props(ctx, s, v, out)) {
			json_decref(out);
			return -1;
		}
		return select_emit(ctx, s, out);
	}
	int rc = 0;
	for (size_t i = 0; i < value_count(x) && rc == 0; i++)
		rc = select_emit(ctx, s, json_incref(value_item(x, i)));
	json_decref(x);
	return rc;
}

/* Select from one input object and write the result. */
static int select_write(struct cmd_ctx *ctx, struct select *s, json_t *v)
{
	if (s->expand)
		return select_expand(ctx, s, v);
	if (!s->props.n)
		return select_emit(ctx, s, json_incref(v));
	json_t *out = json_object();
	if (select_props(ctx, s, v, out)) {
		json_decref(out);
		return -1;
	}
	return select_emit(ctx, s, out);
}

static int select_count_arg(struct cmd_ctx *ctx, const char *name, long long *n, bool *has)
{
	*has = cmd_has_arg(ctx, name);
	*n = cmd_arg_int(ctx, name, 0);
	if (*n < 0)
		return cmd_fail(ctx, NULL, "-%s cannot be negative (%lld)", name, *n);
	return 0;
}

static int select_begin(struct cmd_ctx *ctx)
{
	struct select *s = xcalloc(1, sizeof(*s));
	bool has_skip;
	ctx->state = s;
	s->expand = cmd_arg_str(ctx, "ExpandProperty");
	s->exclude = cmd_arg(ctx, "ExcludeProperty");
	if (keys_begin(ctx, KF_NAME | KF_EXPRESSION, &s->props))
		return -1;
	if (!s->props.n && s->exclude && !s->expand) {
		keys_free(&s->props);
		json_t *all = json_string("*");
		keys_parse(all, 0, &s->props, NULL);
		json_decref(all);
	}
	if (select_count_arg(ctx, "First", &s->first, &s->has_first) ||
	    select_count_arg(ctx, "Last", &s->last, &s->has_last) ||
	    select_count_arg(ctx, "Skip", &s->skip, &has_skip))
		return -1;
	if (s->has_first && s->has_last)
		return cmd_fail(ctx, "use two commands, or Sort-Object and -First",
				"-First and -Last cannot be used together");
	if (s->has_last)
		s->held = json_array();
	if (cmd_arg_bool(ctx, "Unique"))
		s->seen = json_object();
	return 0;
}

/* -Last: keep the latest last+skip inputs, trimming now and then so that
 * memory stays in proportion to what is kept. */
static void select_hold(struct select *s, json_t *v)
{
	size_t keep = (size_t)(s->last + s->skip);
	json_array_append(s->held, v);
	if (json_array_size(s->held) < 2 * keep + 64)
		return;
	json_t *tail = json_array();
	for (size_t i = json_array_size(s->held) - keep; i < json_array_size(s->held); i++)
		json_array_append(tail, json_array_get(s->held, i));
	json_decref(s->held);
	s->held = tail;
}

static int select_process(struct cmd_ctx *ctx, json_t *input)
{
	struct select *s = ctx->state;
	json_t *v = input_of(ctx, input);
	if (!v || !s)
		return 0;
	if (s->has_last) {
		select_hold(s, v);
		return 0;
	}
	if (s->skipped < s->skip) {
		s->skipped++;
		return 0;
	}
	if (s->has_first && s->taken >= s->first) {
		cmd_stop_upstream(ctx); /* -First 0, or input that came after the stop */
		return 0;
	}
	s->taken++;
	int rc = select_write(ctx, s, v);
	if (rc == 0 && s->has_first && s->taken >= s->first)
		cmd_stop_upstream(ctx);
	return rc;
}

static int select_end(struct cmd_ctx *ctx)
{
	struct select *s = ctx->state;
	if (!s || !s->held)
		return 0;
	/* -Skip with -Last counts from the end, as in PowerShell */
	size_t n = json_array_size(s->held), keep = (size_t)(s->last + s->skip);
	size_t from = n > keep ? n - keep : 0;
	size_t to = n > (size_t)s->skip ? n - (size_t)s->skip : 0;
	for (size_t i = from; i < to; i++)
		if (select_write(ctx, s, json_array_get(s->held, i)))
			return -1;
	return 0;
}

static void select_cleanup(struct cmd_ctx *ctx)
{
	struct select *s = ctx->state;
	if (!s)
		return;
	keys_free(&s->props);
	json_decref(s->held);
	json_decref(s->seen);
	free(s);
	ctx->state = NULL;
}

static const struct cmd_param select_params[] = {
	{ .name = "Property", .type = PT_OBJECT, .flags = PF_ARRAY, .position = 0,
	  .help = "The properties to keep, in this order. Names may hold wildcards (*, ?). "
		  "A hashtable @{Name='X'; Expression={ ... }} adds a calculated property: "
		  "Expression is a script block run with $_ set to the object, or a property "
		  "name; n, l (Label) and e are accepted for short. The objects written are new "
		  "objects holding only these properties." },
	{ .name = "ExpandProperty", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Writes the value of this one property instead of the object; a list is "
		  "written item by item. With -Property, the selected properties are added to "
		  "the value when it is an object." },
	{ .name = "ExcludeProperty", .type = PT_STRING, .flags = PF_ARRAY, .position = POS_NAMED,
	  .help = "Properties (wildcards allowed) to leave out. Alone, every other property "
		  "is kept." },
	{ .name = "First", .type = PT_INT, .position = POS_NAMED,
	  .help = "Keeps only this many objects from the start. The commands before it stop "
		  "as soon as they are written, so the rest is never produced." },
	{ .name = "Last", .type = PT_INT, .position = POS_NAMED,
	  .help = "Keeps only this many objects from the end." },
	{ .name = "Skip", .type = PT_INT, .position = POS_NAMED,
	  .help = "Leaves out this many objects from the start (from the end, with -Last)." },
	{ .name = "Unique", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes an object only once when several selected objects are identical "
		  "(text compares case-sensitively here, as in PowerShell)." },
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to select from, usually from the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_select_object_entry = {
	.name = "Select-Object",
	.aliases = ALIASES("select"),
	.synopsis = "Selects properties of objects, or some of the objects.",
	.description =
		"With -Property, writes for each input a new object that holds only the named "
		"properties (and any calculated ones); a property the input lacks is added "
		"empty. With -ExpandProperty, writes the value of one property instead.\n\n"
		"-First, -Last and -Skip choose which inputs to keep; -First stops the "
		"commands before it once it has what it needs, so "
		"'Import-Csv phones.csv | Select-Object -First 1' reads one record, not the whole "
		"file. -Unique "
		"drops objects identical to one already written.\n\n"
		"Without -Property or -ExpandProperty, the objects pass unchanged and keep "
		"their type, and so their default view.",
	.params = select_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | Select-Object MacAddress, Model, FirmwareVersion",
		  "Keeps three properties of each phone." },
		{ "Import-Csv phones.csv | Select-Object MacAddress, @{Name='Vendor'; Expression={ "
		  "$_.Model.Split(' ')[0] }}",
		  "Adds a calculated property." },
		{ "Import-Csv phones.csv | Select-Object -ExpandProperty MacAddress",
		  "Writes the MAC addresses as plain strings." },
		{ "Import-Csv phones.csv | Sort-Object LastSeen -Descending | Select-Object -First 5",
		  "The five phones seen most recently." },
		{ 0 } },
	.outputs = "Object",
	.role = ROLE_VIEW_ONLY,
	.begin = select_begin,
	.process = select_process,
	.end = select_end,
	.cleanup = select_cleanup,
};

/* --- Sort-Object ---------------------------------------------------------- */

struct sort {
	struct keys keys;     /* none: each object is its own key */
	size_t nkeys;         /* values per item: keys.n, or 1 */
	json_t **items;       /* the inputs, in arrival order */
	json_t **values;      /* nkeys values per item */
	size_t n, cap;
	bool descending, case_sensitive;
};

static int sort_begin(struct cmd_ctx *ctx)
{
	struct sort *s = xcalloc(1, sizeof(*s));
	ctx->state = s;
	s->descending = cmd_arg_bool(ctx, "Descending");
	s->case_sensitive = cmd_arg_bool(ctx, "CaseSensitive");
	if (keys_begin(ctx, KF_EXPRESSION | KF_ORDER, &s->keys))
		return -1;
	s->nkeys = s->keys.n ? s->keys.n : 1;
	return 0;
}

static int sort_process(struct cmd_ctx *ctx, json_t *input)
{
	struct sort *s = ctx->state;
	json_t *v = input_of(ctx, input);
	if (!v || !s)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->items = xrealloc(s->items, s->cap * sizeof(*s->items));
		s->values = xrealloc(s->values, s->cap * s->nkeys * sizeof(*s->values));
	}
	json_t **vals = &s->values[s->n * s->nkeys];
	for (size_t i = 0; i < s->nkeys; i++) {
		vals[i] = s->keys.n ? key_value(ctx, &s->keys.k[i], v) : json_incref(v);
		if (!vals[i]) {
			while (i--)
				json_decref(vals[i]);
			return -1;
		}
	}
	s->items[s->n++] = json_incref(v);
	return 0;
}

/* Compare items a and b; with directed, each key in its own direction. */
static int sort_cmp(const struct sort *s, size_t a, size_t b, bool directed)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		int c = order_values(s->values[a * s->nkeys + i], s->values[b * s->nkeys + i],
				     s->case_sensitive);
		int order = s->keys.n && s->keys.k[i].order ? s->keys.k[i].order
							    : s->descending ? -1 : 1;
		if (c)
			return directed ? c * order : c;
	}
	return 0;
}

/* A stable merge sort of the item indexes. */
static void sort_merge(const struct sort *s, size_t *idx, size_t *tmp, size_t n)
{
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = sort_cmp(s, idx[j], idx[i], true) < 0 ? idx[j++] : idx[i++];
			while (i < mid)
				tmp[k++] = idx[i++];
			while (j < hi)
				tmp[k++] = idx[j++];
		}
		memcpy(idx, tmp, n * sizeof(*idx));
	}
}

static int sort_end(struct cmd_ctx *ctx)
{
	struct sort *s = ctx->state;
	if (!s || !s->n)
		return 0;
	size_t *idx = xmalloc(s->n * sizeof(*idx)), *tmp = xmalloc(s->n * sizeof(*tmp));
	for (size_t i = 0; i < s->n; i++)
		idx[i] = i;
	sort_merge(s, idx, tmp, s->n);
	bool unique = cmd_arg_bool(ctx, "Unique");
	int rc = 0;
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		if (unique && i && sort_cmp(s, idx[i - 1], idx[i], false) == 0)
			continue;
		rc = cmd_emit(ctx, json_incref(s->items[idx[i]]));
	}
	free(idx);
	free(tmp);
	return rc;
}

static void sort_cleanup(struct cmd_ctx *ctx)
{
	struct sort *s = ctx->state;
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		json_decref(s->items[i]);
	for (size_t i = 0; i < s->n * s->nkeys; i++)
		json_decref(s->values[i]);
	free(s->items);
	free(s->values);
	keys_free(&s->keys);
	free(s);
	ctx->state = NULL;
}

static const struct cmd_param sort_params[] = {
	{ .name = "Property", .type = PT_OBJECT, .flags = PF_ARRAY, .position = 0,
	  .help = "The properties to sort by, the first deciding first. A script block sorts "
		  "by its result; a hashtable @{Expression='Name'; Descending=$true} sets the "
		  "direction of one key. Without it, the objects themselves are compared." },
	{ .name = "Descending", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Sorts from the largest to the smallest." },
	{ .name = "Unique", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes only the first of objects whose sort keys are equal." },
	{ .name = "CaseSensitive", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Text that differs only in case is not equal: lower case sorts first." },
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to sort, usually from the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_sort_object_entry = {
	.name = "Sort-Object",
	.aliases = ALIASES("sort"),
	.synopsis = "Sorts objects by property values.",
	.description =
		"Reads every input, then writes them in order. Values compare as the language's "
		"operators compare them: numbers as numbers, firmware versions such as "
		"4.0.7577.250 and 4.0.7577.4100 part by part, text without regard to case, and "
		"empty values first. The sort is stable: objects with equal keys keep the order "
		"in which they came.",
	.params = sort_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | Sort-Object FirmwareVersion", "Oldest firmware first." },
		{ "Import-Csv phones.csv | Sort-Object Site, @{Expression='LastSeen'; Descending=$true}",
		  "By site, and within a site the most recently seen first." },
		{ "Import-Csv phones.csv | Sort-Object Model -Unique | Select-Object -ExpandProperty Model",
		  "Each model once." },
		{ 0 } },
	.outputs = "Object",
	.notes = "Sort-Object holds every object until its input ends.",
	.role = ROLE_VIEW_ONLY,
	.begin = sort_begin,
	.process = sort_process,
	.end = sort_end,
	.cleanup = sort_cleanup,
};

/* --- Group-Object --------------------------------------------------------- */

struct group {
	struct keys keys;
	json_t *groups;   /* GroupInfo objects, in order of first appearance */
	json_t *index;    /* folded name -> position in groups */
	bool case_sensitive, no_element;
};

static int group_begin(struct cmd_ctx *ctx)
{
	struct group *g = xcalloc(1, sizeof(*g));
	ctx->state = g;
	g->groups = json_array();
	g->index = json_object();
	g->case_sensitive = cmd_arg_bool(ctx, "CaseSensitive");
	g->no_element = cmd_arg_bool(ctx, "NoElement") && !cmd_arg_bool(ctx, "AsHashTable");
	return keys_begin(ctx, KF_EXPRESSION, &g->keys);
}

/* The key values of v (a new array) and its group name; NULL on stop. */
static json_t *group_values(struct cmd_ctx *ctx, struct group *g, json_t *v, char **name)
{
	json_t *vals = json_array();
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < (g->keys.n ? g->keys.n : 1); i++) {
		json_t *x = g->keys.n ? key_value(ctx, &g->keys.k[i], v) : json_incref(v);
		if (!x) {
			json_decref(vals);
			sb_free(&sb);
			return NULL;
		}
		char *text = value_to_string(x);
		sb_addf(&sb, "%s%s", i ? ", " : "", text);
		free(text);
		json_array_append_new(vals, x);
	}
	*name = sb_detach(&sb);
	return vals;
}

static json_t *group_new(struct group *g, const char *name, json_t *vals)
{
	json_t *gi = value_object_new(g->no_element ? "GroupInfoNoElement" : "GroupInfo");
	json_object_set_new(gi, "Count", json_integer(0));
	json_object_set_new(gi, "Name", json_string(name));
	if (!g->no_element)
		json_object_set_new(gi, "Group", json_array());
	json_object_set(gi, "Values", vals);
	json_array_append_new(g->groups, gi);
	return gi;
}

static int group_process(struct cmd_ctx *ctx, json_t *input)
{
	struct group *g = ctx->state;
	json_t *v = input_of(ctx, input);
	char *name;
	if (!v || !g)
		return 0;
	json_t *vals = group_values(ctx, g, v, &name);
	if (!vals)
		return -1;
	char *fold = xstrdup(name);
	for (char *p = fold; !g->case_sensitive && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	json_t *at = json_object_get(g->index, fold), *gi;
	if (at) {
		gi = json_array_get(g->groups, (size_t)json_integer_value(at));
	} else {
		json_object_set_new(g->index, fold, json_integer((json_int_t)json_array_size(g->groups)));
		gi = group_new(g, name, vals);
	}
	json_t *count = json_object_get(gi, "Count");
	json_integer_set(count, json_integer_value(count) + 1);
	if (!g->no_element)
		json_array_append(json_object_get(gi, "Group"), v);
	json_decref(vals);
	free(name);
	free(fold);
	return 0;
}

static int group_end(struct cmd_ctx *ctx)
{
	struct group *g = ctx->state;
	if (!g || !json_array_size(g->groups))
		return 0;
	if (!cmd_arg_bool(ctx, "AsHashTable"))
		return emit_items(ctx, json_incref(g->groups));
	json_t *table = json_object();
	size_t i;
	json_t *gi;
	json_array_foreach(g->groups, i, gi)
		json_object_set(table, json_string_value(json_object_get(gi, "Name")),
				json_object_get(gi, "Group"));
	return cmd_emit(ctx, table);
}

static void group_cleanup(struct cmd_ctx *ctx)
{
	struct group *g = ctx->state;
	if (!g)
		return;
	keys_free(&g->keys);
	json_decref(g->groups);
	json_decref(g->index);
	free(g);
	ctx->state = NULL;
}

static const struct cmd_param group_params[] = {
	{ .name = "Property", .type = PT_OBJECT, .flags = PF_ARRAY, .position = 0,
	  .help = "The properties to group by: objects whose values are all equal form one "
		  "group. A script block groups by its result. Without it, the objects "
		  "themselves are compared." },
	{ .name = "NoElement", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Leaves the objects out of the groups: only Count and Name." },
	{ .name = "AsHashTable", .type = PT_SWITCH, .position = POS_NAMED,
	  .aliases = ALIASES("AHT"),
	  .help = "Writes one object whose property names are the group names and whose "
		  "values are the groups' objects." },
	{ .name = "AsString", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Accepted for PowerShell scripts: group names are always text." },
	{ .name = "CaseSensitive", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Values that differ only in case form different groups." },
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to group, usually from the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_group_object_entry = {
	.name = "Group-Object",
	.aliases = ALIASES("group"),
	.synopsis = "Groups objects that have the same value for properties.",
	.description =
		"Reads every input and writes one GroupInfo per distinct value: Count (how many "
		"objects), Name (the value as text; several properties are joined with \", \"), "
		"Group (the objects) and Values (the values themselves). Groups come in the order "
		"in which their first object came. Text compares without regard to case unless "
		"-CaseSensitive is given.",
	.params = group_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | Group-Object Model -NoElement", "How many phones of each model." },
		{ "Import-Csv phones.csv | Group-Object Site, Model",
		  "Groups by site and model together (names such as \"HQ, CX600\")." },
		{ "$bySite = Import-Csv phones.csv | Group-Object Site -AsHashTable; $bySite.HQ",
		  "The phones of site HQ, looked up by name." },
		{ 0 } },
	.outputs = "GroupInfo",
	.role = ROLE_VIEW_ONLY,
	.begin = group_begin,
	.process = group_process,
	.end = group_end,
	.cleanup = group_cleanup,
};

/* --- Measure-Object ------------------------------------------------------- */

struct measure_stat {
	long long count;
	double sum;
	json_int_t isum;
	bool real_sum;      /* a non-integer or an overflow: Sum is written as a real */
	bool found;         /* some input had the property */
	json_t *min, *max;
};

struct measure {
	struct keys keys;
	struct measure_stat *st; /* one per key, or one for the inputs themselves */
	size_t n;
	bool sum, average, minimum, maximum;
	long long inputs;
};

static int measure_begin(struct cmd_ctx *ctx)
{
	struct measure *m = xcalloc(1, sizeof(*m));
	ctx->state = m;
	m->sum = cmd_arg_bool(ctx, "Sum");
	m->average = cmd_arg_bool(ctx, "Average");
	m->minimum = cmd_arg_bool(ctx, "Minimum");
	m->maximum = cmd_arg_bool(ctx, "Maximum");
	if (keys_begin(ctx, KF_EXPRESSION, &m->keys))
		return -1;
	m->n = m->keys.n ? m->keys.n : 1;
	m->st = xcalloc(m->n, sizeof(*m->st));
	return 0;
}

/* Numbers in text ("42" from a CSV file) count as numbers; versions do not. */
static bool measure_number(const json_t *v, double *d)
{
	if (json_is_string(v) && value_is_version_string(json_string_value(v)) &&
	    strchr(strchr(json_string_value(v), '.') + 1, '.'))
		return false;
	return value_to_number(v, d);
}

static void measure_extreme(json_t **have, json_t *v, int want)
{
	int c;
	struct ucsh_err err;
	if (*have && (value_compare(v, *have, &c, &err) < 0 || c * want <= 0))
		return;
	json_decref(*have);
	*have = json_incref(v);
}

/* Add one value to st. -1 when the pipeline must stop. */
static int measure_add(struct cmd_ctx *ctx, const struct measure *m, struct measure_stat *st,
		       json_t *v)
{
	double d;
	bool numeric = measure_number(v, &d);
	if (json_is_null(v) || (json_is_string(v) && !json_string_length(v)))
		return 0;
	if ((m->sum || m->average) && !numeric) {
		char *text = value_to_string(v);
		int rc = cmd_error(ctx, "-Sum and -Average need numbers; -Minimum and -Maximum "
					"also order text", "input object '%.60s' is not numeric", text);
		free(text);
		return rc;
	}
	st->count++;
	if (numeric) {
		bool whole = json_is_integer(v) || (d == floor(d) && fabs(d) < 9e15);
		json_int_t i = json_is_integer(v) ? json_integer_value(v) : whole ? (json_int_t)d : 0;
		st->real_sum |= !whole || __builtin_add_overflow(st->isum, i, &st->isum);
		st->sum += d;
	}
	json_t *x = numeric ? number_value(d) : json_incref(v);
	if (m->minimum)
		measure_extreme(&st->min, x, -1);
	if (m->maximum)
		measure_extreme(&st->max, x, 1);
	json_decref(x);
	return 0;
}

static int measure_process(struct cmd_ctx *ctx, json_t *input)
{
	struct measure *m = ctx->state;
	json_t *v = input_of(ctx, input);
	if (!v || !m)
		return 0;
	m->inputs++;
	for (size_t i = 0; i < m->n; i++) {
		const struct key *k = m->keys.n ? &m->keys.k[i] : NULL;
		json_t *x = !k ? json_incref(v) : k->block ? key_value(ctx, k, v)
							   : member_get(v, k->prop);
		if (k && k->block && !x)
			return -1;
		if (!x)
			continue;
		m->st[i].found = true;
		int rc = measure_add(ctx, m, &m->st[i], x);
		json_decref(x);
		if (rc)
			return rc;
	}
	return 0;
}

static json_t *measure_info(const struct measure *m, const struct measure_stat *st,
			    const struct key *k)
{
	json_t *mi = value_object_new("MeasureInfo");
	json_t *sum = st->real_sum ? number_value(st->sum) : json_integer(st->isum);
	json_object_set_new(mi, "Count", json_integer(st->count));
	json_object_set_new(mi, "Average", m->average && st->count
						   ? number_value(st->sum / (double)st->count)
						   : json_null());
	json_object_set_new(mi, "Sum", m->sum ? sum : json_null());
	if (!m->sum)
		json_decref(sum);
	json_object_set_new(mi, "Maximum", m->maximum && st->max ? json_incref(st->max)
								: json_null());
	json_object_set_new(mi, "Minimum", m->minimum && st->min ? json_incref(st->min)
								: json_null());
	json_object_set_new(mi, "Property", k ? json_string(k->name) : json_null());
	return mi;
}

static int measure_end(struct cmd_ctx *ctx)
{
	struct measure *m = ctx->state;
	if (!m)
		return 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct key *k = m->keys.n ? &m->keys.k[i] : NULL;
		int rc;
		if (k && !m->st[i].found && m->inputs)
			rc = cmd_error(ctx, "Get-Member shows the properties an object has",
				       "property '%s' cannot be found on any input object", k->name);
		else
			rc = cmd_emit(ctx, measure_info(m, &m->st[i], k));
		if (rc)
			return rc;
	}
	return 0;
}

static void measure_cleanup(struct cmd_ctx *ctx)
{
	struct measure *m = ctx->state;
	if (!m)
		return;
	for (size_t i = 0; m->st && i < m->n; i++) {
		json_decref(m->st[i].min);
		json_decref(m->st[i].max);
	}
	free(m->st);
	keys_free(&m->keys);
	free(m);
	ctx->state = NULL;
}

static const struct cmd_param measure_params[] = {
	{ .name = "Property", .type = PT_OBJECT, .flags = PF_ARRAY, .position = 0,
	  .help = "The properties to measure; one MeasureInfo is written for each. A script "
		  "block measures its result. Without it, the input values themselves are "
		  "measured." },
	{ .name = "Sum", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Adds the values up. Each must be a number (text such as \"42\" counts)." },
	{ .name = "Average", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "The mean of the values, which must be numbers." },
	{ .name = "Minimum", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "The smallest value (numbers, versions or text)." },
	{ .name = "Maximum", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "The largest value (numbers, versions or text)." },
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to measure, usually from the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_measure_object_entry = {
	.name = "Measure-Object",
	.aliases = ALIASES("measure"),
	.synopsis = "Counts objects and computes the sum, average, minimum and maximum of values.",
	.description =
		"Writes a MeasureInfo with the Count of the values and, when asked, their Sum, "
		"Average, Minimum and Maximum. Empty values ($null or \"\") are not counted. With "
		"-Sum or -Average a value that is not a number is an error that names it, and is "
		"left out. A -Property that no input has is an error.",
	.params = measure_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | Measure-Object", "How many phones there are." },
		{ "Import-Csv calls.csv | Measure-Object Seconds -Sum -Average -Maximum",
		  "Statistics over a column of a CSV file." },
		{ "Import-Csv phones.csv | Measure-Object FirmwareVersion -Minimum",
		  "The oldest firmware in the fleet, compared as versions." },
		{ 0 } },
	.outputs = "MeasureInfo",
	.role = ROLE_VIEW_ONLY,
	.begin = measure_begin,
	.process = measure_process,
	.end = measure_end,
	.cleanup = measure_cleanup,
};

/* --- ForEach-Object ------------------------------------------------------- */

struct foreach {
	json_t *begin, *end;  /* script blocks or NULL */
	json_t *process;      /* array of script blocks */
	const char *member;   /* -MemberName */
	json_t *args;         /* method arguments for -MemberName, or NULL */
};

/*
 * PowerShell's reading of the blocks: -Begin, then -Process and the blocks
 * that followed it by position. Given two or more without -Begin, the first
 * is the begin block; three or more without -End, the last is the end block.
 */
static int foreach_blocks(struct cmd_ctx *ctx, struct foreach *f)
{
	json_t *all = json_array(), *given = cmd_arg(ctx, "Process");
	json_t *more = cmd_arg(ctx, "RemainingScripts");
	for (size_t i = 0; i < value_count(given); i++)
		json_array_append(all, value_item(given, i));
	for (size_t i = 0; i < value_count(more); i++)
		json_array_append(all, value_item(more, i));
	for (size_t i = 0; i < json_array_size(all); i++)
		if (!value_is_scriptblock(json_array_get(all, i))) {
			json_decref(all);
			return cmd_fail(ctx, "ForEach-Object { ... } or ForEach-Object -MemberName "
					     "Name", "ForEach-Object takes script blocks, or one "
					     "member name");
		}
	f->begin = json_incref(cmd_arg(ctx, "Begin"));
	f->end = json_incref(cmd_arg(ctx, "End"));
	if (!f->begin && json_array_size(all) >= 2) {
		f->begin = json_incref(json_array_get(all, 0));
		json_array_remove(all, 0);
	}
	if (!f->end && json_array_size(all) >= 2) {
		f->end = json_incref(json_array_get(all, json_array_size(all) - 1));
		json_array_remove(all, json_array_size(all) - 1);
	}
	f->process = all;
	return 0;
}

static int foreach_begin(struct cmd_ctx *ctx)
{
	struct foreach *f = xcalloc(1, sizeof(*f));
	ctx->state = f;
	f->member = cmd_arg_str(ctx, "MemberName");
	if (f->member) {
		if (cmd_has_arg(ctx, "ArgumentList") && cmd_has_arg(ctx, "RemainingScripts"))
			return cmd_fail(ctx, NULL, "give the method's arguments either by position or "
						   "with -ArgumentList");
		if (cmd_has_arg(ctx, "Begin") || cmd_has_arg(ctx, "End"))
			return cmd_fail(ctx, NULL, "-Begin and -End go with script blocks, not with "
						   "-MemberName");
		f->args = cmd_arg(ctx, "ArgumentList");
		f->args = json_incref(f->args ? f->args : cmd_arg(ctx, "RemainingScripts"));
		return 0;
	}
	if (cmd_has_arg(ctx, "ArgumentList"))
		return cmd_fail(ctx, NULL, "-ArgumentList goes with -MemberName");
	if (foreach_blocks(ctx, f))
		return -1;
	if (!json_array_size(f->process) && !f->begin && !f->end)
		return cmd_fail(ctx, "ForEach-Object { $_.Name } or ForEach-Object Name",
				"give a script block to run, or a member name");
	if (!f->begin)
		return 0;
	json_t *r = cmd_invoke_block(ctx, f->begin, NULL);
	return r ? emit_items(ctx, r) : -1;
}

/* -MemberName: the property's value, or the result of the method of that name. */
static int foreach_member(struct cmd_ctx *ctx, const struct foreach *f, json_t *v)
{
	json_t *r = f->args ? NULL : member_get(v, f->member);
	if (!r && !json_is_null(v)) {
		struct ucsh_err err;
		json_t *args = f->args ? json_incref(f->args) : json_array();
		err_clear(&err);
		r = ops_method(v, f->member, args, &err);
		json_decref(args);
		if (!r && f->args)
			return cmd_error(ctx, NULL, "%s", err.msg);
	}
	return r ? emit_items(ctx, r) : 0; /* a missing property writes nothing, as in PowerShell */
}

static int foreach_process(struct cmd_ctx *ctx, json_t *input)
{
	struct foreach *f = ctx->state;
	json_t *v = input_of(ctx, input);
	if (!f)
		return 0;
	if (!v)
		v = json_null(); /* first in its pipeline: the block runs once, $_ empty */
	if (f->member)
		return foreach_member(ctx, f, v);
	for (size_t i = 0; i < json_array_size(f->process); i++) {
		json_t *r = cmd_invoke_block(ctx, json_array_get(f->process, i), v);
		if (!r || emit_items(ctx, r))
			return -1;
	}
	return 0;
}

static int foreach_end(struct cmd_ctx *ctx)
{
	struct foreach *f = ctx->state;
	if (!f || !f->end)
		return 0;
	json_t *r = cmd_invoke_block(ctx, f->end, NULL);
	return r ? emit_items(ctx, r) : -1;
}

static void foreach_cleanup(struct cmd_ctx *ctx)
{
	struct foreach *f = ctx->state;
	if (!f)
		return;
	json_decref(f->begin);
	json_decref(f->end);
	json_decref(f->process);
	json_decref(f->args);
	free(f);
	ctx->state = NULL;
}

static const struct cmd_param foreach_params[] = {
	{ .name = "Process", .type = PT_SCRIPTBLOCK, .flags = PF_ARRAY, .position = 0,
	  .help = "The script block run for each input object, with $_ set to it. What it "
		  "writes goes down the pipeline." },
	{ .name = "MemberName", .type = PT_STRING, .position = 0,
	  .help = "Instead of a script block: the property whose value to write for each "
		  "object, or a method to call on it (with -ArgumentList)." },
	{ .name = "Begin", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A script block run once, before the first object." },
	{ .name = "End", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A script block run once, after the last object." },
	{ .name = "RemainingScripts", .type = PT_OBJECT, .flags = PF_ARRAY | PF_REMAINING,
	  .position = 1,
	  .help = "Script blocks after the first, by position: with two, the first is -Begin; "
		  "with three or more, the first is -Begin and the last -End. After "
		  "-MemberName: the method's arguments." },
	{ .name = "ArgumentList", .type = PT_OBJECT, .flags = PF_ARRAY, .position = POS_NAMED,
	  .aliases = ALIASES("Args"),
	  .help = "The arguments of the method named by -MemberName." },
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to work on, usually from the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_foreach_object_entry = {
	.name = "ForEach-Object",
	.aliases = ALIASES("foreach", "%"),
	.synopsis = "Runs a script block for each object of the pipeline.",
	.description =
		"Runs -Process once for each input object, with $_ set to the object, and "
		"writes what it returns. -Begin runs before the first object and -End after the "
		"last. Given a member name instead (ForEach-Object Name), writes that property "
		"of each object; a list is written item by item.",
	.params = foreach_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | ForEach-Object { $_.MacAddress.ToUpper() }",
		  "Each phone's MAC address in capitals." },
		{ "Import-Csv phones.csv | ForEach-Object MacAddress", "The MAC addresses, by member name." },
		{ "1..3 | ForEach-Object -Begin { $n = 0 } -Process { $n += $_ } -End { $n }",
		  "Adds the numbers up: writes 6." },
		{ "'a,b', 'c' | % Split ','", "Calls a method of each string: writes a, b and c." },
		{ 0 } },
	.outputs = "Object",
	.role = ROLE_VIEW_ONLY,
	.begin = foreach_begin,
	.process = foreach_process,
	.end = foreach_end,
	.cleanup = foreach_cleanup,
};
