/*
 * bind: PowerShell parameter binding driven by a cmdlet's entry.
 */
#include "config.h"
#include "bind.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"

bool bind_parse_timespan(const char *s, double *seconds)
{
	double total = 0, n;
	int d, h, m, sec;
	char tail;
	if (sscanf(s, "%d:%d:%d%c", &h, &m, &sec, &tail) == 3 && h >= 0 && m >= 0 && sec >= 0) {
		*seconds = h * 3600.0 + m * 60.0 + sec;
		return true;
	}
	/* d.hh:mm:ss, as .NET writes a TimeSpan of a day or more (14.00:00:00) */
	if (sscanf(s, "%d.%d:%d:%d%c", &d, &h, &m, &sec, &tail) == 4 && d >= 0 && h >= 0 &&
	    m >= 0 && sec >= 0) {
		*seconds = d * 86400.0 + h * 3600.0 + m * 60.0 + sec;
		return true;
	}
	if (value_parse_number(s, &n)) {
		if (n < 0)
			return false;
		*seconds = n;
		return true;
	}
	const char *p = s;
	while (*p) {
		char *end;
		n = strtod(p, &end);
		if (end == p || n < 0)
			return false;
		double unit;
		switch (tolower((unsigned char)*end)) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 604800; break;
		default: return false;
		}
		total += n * unit;
		p = end + 1;
	}
	*seconds = total;
	return p != s;
}

static json_t *convert_fail(const struct cmd_param *p, json_t *v, const char *what,
			    struct ucsh_err *err)
{
	char *s = (p->flags & PF_SECRET) ? xstrdup("(hidden)") : value_to_string(v);
	if (strlen(s) > 60)
		strcpy(s + 57, "...");
	err_set(err, "cannot convert '%s' to %s for parameter -%s", s, what, p->name);
	free(s);
	return NULL;
}

static json_t *convert_enum(const struct cmd_param *p, json_t *v, struct ucsh_err *err)
{
	char *s = value_to_string(v);
	for (const char *const *a = p->values; a && *a; a++)
		if (str_ieq(*a, s)) {
			free(s);
			return json_string(*a);
		}
	struct strbuf list = STRBUF_INIT;
	for (const char *const *a = p->values; a && *a; a++)
		sb_addf(&list, "%s%s", a == p->values ? "" : ", ", *a);
	err_set(err, "'%s' is not a valid value for -%s", s, p->name);
	err_hint(err, "use one of: %s", sb_str(&list));
	sb_free(&list);
	free(s);
	return NULL;
}

static json_t *convert_bool(const struct cmd_param *p, json_t *v, struct ucsh_err *err)
{
	double d;
	if (json_is_boolean(v))
		return json_incref(v);
	if (json_is_number(v) && value_to_number(v, &d))
		return json_boolean(d != 0);
	const char *s = json_string_value(v);
	if (s && (str_ieq(s, "true") || str_ieq(s, "$true")))
		return json_true();
	if (s && (str_ieq(s, "false") || str_ieq(s, "$false")))
		return json_false();
	return convert_fail(p, v, "Boolean ($true or $false)", err);
}

static json_t *convert_one(const struct cmd_param *p, json_t *v, struct ucsh_err *err)
{
	double d;
	if (json_is_null(v) && p->type != PT_SWITCH && p->type != PT_BOOL)
		return json_null();
	switch (p->type) {
	case PT_OBJECT:
		return json_incref(v);
	case PT_SCRIPTBLOCK:
		if (value_is_scriptblock(v))
			return json_incref(v);
		return convert_fail(p, v, "a script block { ... }", err);
	case PT_HASHTABLE:
		if (json_is_object(v) && !value_is_scriptblock(v))
			return json_incref(v);
		return convert_fail(p, v, "a hashtable @{ ... }", err);
	case PT_BOOL:
	case PT_SWITCH:
		return convert_bool(p, v, err);
	case PT_ENUM:
		if (json_is_object(v) || json_is_array(v))
			return convert_fail(p, v, "one of its values", err);
		return convert_enum(p, v, err);
	case PT_INT:
		if (!value_to_number(v, &d) || json_is_boolean(v) || d != floor(d) || fabs(d) > 9e15)
			return convert_fail(p, v, "a whole number", err);
		return json_integer((json_int_t)d);
	case PT_NUMBER:
		if (!value_to_number(v, &d) || json_is_boolean(v))
			return convert_fail(p, v, "a number", err);
		return json_is_integer(v) ? json_incref(v) : json_real(d);
	case PT_TIMESPAN: {
		char *s = value_to_string(v);
		bool ok = !json_is_object(v) && !json_is_array(v) && bind_parse_timespan(s, &d) &&
			  d < 9e15; /* seconds that fit an integer, not a float's infinity */
		free(s);
		if (!ok)
			return convert_fail(p, v, "a time span (90s, 15m, 1h, 7d or hh:mm:ss)", err);
		return json_integer((json_int_t)d);
	}
	case PT_STRING:
		if (json_is_object(v) && !value_is_scriptblock(v))
			return convert_fail(p, v, "a string", err);
		if (json_is_array(v))
			return convert_fail(p, v, "a single string (it was given a list)", err);
		if (json_is_string(v))
			return json_incref(v);
		char *s = value_to_string(v);
		json_t *r = json_string(s);
		free(s);
		return r;
	}
	return NULL;
}

json_t *bind_convert(const struct cmd_param *p, json_t *v, struct ucsh_err *err)
{
	if (!(p->flags & PF_ARRAY))
		return convert_one(p, v, err);
	json_t *out = json_array();
	for (size_t i = 0; i < value_count(v); i++) {
		json_t *c = convert_one(p, value_item(v, i), err);
		if (!c) {
			json_decref(out);
			return NULL;
		}
		json_array_append_new(out, c);
	}
	return out;
}

static int bind_one(json_t *params, const struct cmd_param *p, json_t *v, struct ucsh_err *err)
{
	if (json_object_get(params, p->name))
		return err_set(err, "parameter -%s was given more than once", p->name);
	json_t *c = bind_convert(p, v, err);
	if (!c)
		return -1;
	json_object_set_new(params, p->name, c);
	return 0;
}

/* Can a positional value go to p? Script blocks only to script block parameters. */
static bool positional_fits(const struct cmd_param *p, json_t *v)
{
	if (p->type == PT_SCRIPTBLOCK)
		return value_is_scriptblock(v);
	if (p->type == PT_OBJECT)
		return true;
	return !value_is_scriptblock(v) || p->type == PT_STRING;
}

static bool position_taken(const struct cmd_entry *e, json_t *params, int pos)
{
	for (const struct cmd_param *p = e->params; p && p->name; p++)
		if (p->position == pos && !(p->flags & PF_REMAINING) && json_object_get(params, p->name))
			return true;
	return false;
}

static int bind_positional(const struct cmd_entry *e, json_t *params, json_t *v,
			   struct ucsh_err *err)
{
	for (int pos = 0; pos < 32; pos++) {
		const struct cmd_param *remaining = NULL;
		for (const struct cmd_param *p = e->params; p && p->name; p++) {
			if (p->position != pos || p->position == POS_NAMED)
				continue;
			if (p->flags & PF_REMAINING) {
				remaining = p;
				continue;
			}
			if (position_taken(e, params, pos))
				break;
			if (positional_fits(p, v))
				return bind_one(params, p, v, err);
		}
		if (remaining) {
			json_t *have = json_object_get(params, remaining->name);
			if (!have) {
				have = json_array();
				json_object_set_new(params, remaining->name, have);
			}
			json_t *c = convert_one(remaining, v, err);
			if (!c)
				return -1;
			json_array_append_new(have, c);
			return 0;
		}
	}
	char *s = value_to_string(v);
	err_set(err, "no positional parameter of %s takes the argument '%.60s'", e->name, s);
	err_hint(err, "name the parameter (-Name value); Get-Help %s shows which are positional",
		 e->name);
	free(s);
	return -1;
}

int bind_args(const struct cmd_entry *e, const struct bind_arg *args, size_t n,
	      json_t **params, struct ucsh_err *err)
{
	json_t *out = json_object();
	json_t *positional = json_array();
	for (size_t i = 0; i < n; i++) {
		if (!args[i].name) {
			json_array_append(positional, args[i].value);
			continue;
		}
		const struct cmd_param *p = cmd_find_param(e, args[i].name, err);
		if (!p)
			goto fail;
		json_t *v = args[i].value;
		if (p->type == PT_SWITCH && !args[i].colon) {
			v = json_true();
			int rc = bind_one(out, p, v, err);
			json_decref(v);
			if (rc)
				goto fail;
			continue;
		}
		if (!args[i].colon) {
			if (i + 1 >= n || args[i + 1].name) {
				err_set(err, "parameter -%s needs a value (%s)", p->name,
					cmd_param_type_name(p));
				goto fail;
			}
			v = args[++i].value;
		}
		if (bind_one(out, p, v, err))
			goto fail;
	}
	for (size_t i = 0; i < json_array_size(positional); i++)
		if (bind_positional(e, out, json_array_get(positional, i), err))
			goto fail;
	json_decref(positional);
	*params = out;
	return 0;
fail:
	json_decref(positional);
	json_decref(out);
	return -1;
}

/* The input's property for p: its name first, then its aliases. */
static json_t *input_prop(json_t *input, const struct cmd_param *p)
{
	json_t *v = value_prop(input, p->name);
	for (const char *const *a = p->aliases; !v && a && *a; a++)
		v = value_prop(input, *a);
	return v;
}

static bool is_record(json_t *v)
{
	return json_is_object(v) && !value_is_scriptblock(v);
}

int bind_pipeline(const struct cmd_entry *e, json_t *params, json_t *input, json_t **bound,
		  struct ucsh_err *err)
{
	json_t *out = json_copy(params);
	bool took = false, offered = false;
	/* by value: objects to Object parameters, plain values to plain parameters */
	for (const struct cmd_param *p = e->params; p && p->name && !took; p++) {
		if (!(p->flags & PF_PIPE_VALUE) || json_object_get(out, p->name))
			continue;
		offered = true;
		if (p->type != PT_OBJECT && is_record(input))
			continue; /* a record binds plain parameters by property name */
		if (bind_one(out, p, input, err))
			goto fail;
		took = true;
	}
	if (is_record(input)) {
		for (const struct cmd_param *p = e->params; p && p->name; p++) {
			if (!(p->flags & PF_PIPE_PROP) || json_object_get(out, p->name))
				continue;
			offered = true;
			json_t *v = input_prop(input, p);
			if (!v)
				continue;
			if (bind_one(out, p, v, err))
				goto fail;
			took = true;
		}
	}
	if (!took) {
		if (offered)
			err_set(err, "the input (%s) fits no parameter of %s", value_type(input), e->name);
		else
			err_set(err, "%s takes no pipeline input (or its parameters are already given)",
				e->name);
		err_hint(err, "Get-Help %s -Full shows which parameters accept pipeline input",
			 e->name);
		goto fail;
	}
	*bound = out;
	return 0;
fail:
	json_decref(out);
	return -1;
}

int bind_check_mandatory(const struct cmd_entry *e, json_t *params, bool with_input,
			 struct ucsh_err *err)
{
	for (const struct cmd_param *p = e->params; p && p->name; p++) {
		if (!(p->flags & PF_MANDATORY) || json_object_get(params, p->name))
			continue;
		if (with_input && (p->flags & (PF_PIPE_VALUE | PF_PIPE_PROP)))
			continue;
		err_set(err, "missing the mandatory parameter -%s (%s)", p->name,
			cmd_param_type_name(p));
		err_hint(err, "Get-Help %s -Examples", e->name);
		return -1;
	}
	return 0;
}
