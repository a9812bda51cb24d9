/*
 * value: type names, case-insensitive properties, script blocks and the
 * comparison rules of the language, over Jansson values.
 */
#include "config.h"
#include "value.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEY_TYPE "\x1ftype"
#define KEY_SB_BODY "\x1fsb"
#define KEY_SB_TEXT "\x1fsbtext"

bool value_is_hidden_key(const char *key)
{
	return key[0] == VALUE_HIDDEN;
}

void value_set_type(json_t *obj, const char *type)
{
	if (json_is_object(obj))
		json_object_set_new(obj, KEY_TYPE, json_string(type));
}

const char *value_object_type(const json_t *obj)
{
	return json_string_value(json_object_get(obj, KEY_TYPE));
}

json_t *value_object_new(const char *type)
{
	json_t *o = json_object();
	if (type)
		value_set_type(o, type);
	return o;
}

const char *value_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		if (value_is_scriptblock(v))
			return "ScriptBlock";
		const char *t = value_object_type(v);
		return t ? t : "PSCustomObject";
	}
	case JSON_ARRAY: return "Object[]";
	case JSON_STRING: return "String";
	case JSON_INTEGER: return "Int64";
	case JSON_REAL: return "Double";
	case JSON_TRUE:
	case JSON_FALSE: return "Boolean";
	default: return "Null";
	}
}

size_t value_prop_count(const json_t *obj)
{
	size_t n = 0;
	const char *k;
	json_t *v;
	value_each_prop((json_t *)obj, k, v) n++;
	return n;
}

const char *value_prop_key(const json_t *obj, const char *name)
{
	if (!json_is_object(obj) || value_is_hidden_key(name))
		return NULL;
	const char *k;
	json_t *v;
	if (json_object_get(obj, name))
		return json_object_iter_key(json_object_iter_at((json_t *)obj, name));
	value_each_prop((json_t *)obj, k, v) {
		if (strcasecmp(k, name) == 0)
			return k;
	}
	return NULL;
}

json_t *value_prop(const json_t *obj, const char *name)
{
	const char *k = value_prop_key(obj, name);
	return k ? json_object_get(obj, k) : NULL;
}

json_t *value_scriptblock_new(const struct ast *body, const char *text)
{
	json_t *o = json_object();
	json_object_set_new(o, KEY_SB_BODY, json_integer((json_int_t)(intptr_t)body));
	json_object_set_new(o, KEY_SB_TEXT, json_string(text));
	return o;
}

bool value_is_scriptblock(const json_t *v)
{
	return json_is_object(v) && json_object_get(v, KEY_SB_BODY) != NULL;
}

const struct ast *value_scriptblock_body(const json_t *v)
{
	json_t *b = json_object_get(v, KEY_SB_BODY);
	return b ? (const struct ast *)(intptr_t)json_integer_value(b) : NULL;
}

const char *value_scriptblock_text(const json_t *v)
{
	const char *t = json_string_value(json_object_get(v, KEY_SB_TEXT));
	return t ? t : "";
}

void value_format_number(double d, char *buf, size_t len)
{
	if (isnan(d)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, len, d < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (d == floor(d) && fabs(d) < 1e15) {
		snprintf(buf, len, "%.0f", d);
		return;
	}
	snprintf(buf, len, "%.15g", d);
}

static void add_string_form(struct strbuf *sb, const json_t *v, int depth)
{
	char num[64];
	switch (json_typeof(v)) {
	case JSON_STRING:
		sb_add(sb, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		sb_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		value_format_number(json_real_value(v), num, sizeof(num));
		sb_adds(sb, num);
		break;
	case JSON_TRUE: sb_adds(sb, "True"); break;
	case JSON_FALSE: sb_adds(sb, "False"); break;
	case JSON_NULL: break;
	case JSON_ARRAY: {
		/* PowerShell joins array items with a space in string context. */
		size_t i;
		json_t *it;
		json_array_foreach(v, i, it) {
			if (i)
				sb_addc(sb, ' ');
			if (depth < 8)
				add_string_form(sb, it, depth + 1);
		}
		break;
	}
	case JSON_OBJECT: {
		if (value_is_scriptblock(v)) {
			sb_adds(sb, value_scriptblock_text(v));
			break;
		}
		const char *k;
		json_t *p;
		bool first = true;
		sb_adds(sb, "@{");
		value_each_prop((json_t *)v, k, p) {
			sb_addf(sb, "%s%s=", first ? "" : "; ", k);
			if (depth < 8)
				add_string_form(sb, p, depth + 1);
			first = false;
		}
		sb_addc(sb, '}');
		break;
	}
	}
}

char *value_to_string(const json_t *v)
{
	struct strbuf sb = STRBUF_INIT;
	if (v)
		add_string_form(&sb, v, 0);
	return sb_detach(&sb);
}

bool value_truthy(const json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE: return false;
	case JSON_TRUE: return true;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0.0;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_ARRAY:
		/* PowerShell: an empty array is false, one item is that item's truth. */
		if (json_array_size(v) == 0)
			return false;
		if (json_array_size(v) == 1)
			return value_truthy(json_array_get(v, 0));
		return true;
	case JSON_OBJECT: return true;
	}
	return false;
}

bool value_parse_number(const char *s, double *out)
{
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	char *end;
	errno = 0;
	double d;
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ||
	    ((s[0] == '-' || s[0] == '+') && s[1] == '0' && (s[2] == 'x' || s[2] == 'X')))
		d = (double)strtoll(s, &end, 16);
	else
		d = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end || isnan(d) || isinf(d))
		return false;
	/* strtod takes "inf", "nan" and hex floats; the language does not. */
	for (const char *p = s; p < end; p++)
		if (isalpha((unsigned char)*p) && *p != 'e' && *p != 'E' && *p != 'x' && *p != 'X' &&
		    !isxdigit((unsigned char)*p))
			return false;
	*out = d;
	return true;
}

bool value_to_number(const json_t *v, double *out)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER: *out = (double)json_integer_value(v); return true;
	case JSON_REAL: *out = json_real_value(v); return true;
	case JSON_TRUE: *out = 1; return true;
	case JSON_FALSE: *out = 0; return true;
	case JSON_STRING: return value_parse_number(json_string_value(v), out);
	default: return false;
	}
}

bool value_is_version_string(const char *s)
{
	int parts = 0;
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
		parts++;
		if (*s == '.')
			s++;
		else if (*s)
			return false;
		else
			break;
		if (!*s)
			return false;
	}
	return parts >= 2;
}

/* Component-wise numeric comparison: 4.0.7577.250 < 4.0.7577.4100. */
int value_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		while (*a == '0' && isdigit((unsigned char)a[1]))
			a++;
		while (*b == '0' && isdigit((unsigned char)b[1]))
			b++;
		size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
		if (la != lb)
			return la < lb ? -1 : 1;
		int c = strncmp(a, b, la);
		if (c)
			return c < 0 ? -1 : 1;
		a += la;
		b += lb;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

/*
 * Two strings compare as versions when both look like versions and at least
 * one has three or more components: "1.5" vs "1.10" stays a number compare,
 * "4.0.7577.250" vs "4.0.7577.4100" does not.
 */
static bool both_versions(const char *a, const char *b)
{
	if (!value_is_version_string(a) || !value_is_version_string(b))
		return false;
	return strchr(strchr(a, '.') + 1, '.') || strchr(strchr(b, '.') + 1, '.');
}

int value_compare(const json_t *a, const json_t *b, int *cmp, struct ucsh_err *err)
{
	double x, y;
	if (json_is_null(a) || json_is_null(b) || !a || !b) {
		bool an = !a || json_is_null(a), bn = !b || json_is_null(b);
		*cmp = an == bn ? 0 : (an ? -1 : 1);
		return 0;
	}
	if (json_is_string(a) && json_is_string(b) &&
	    both_versions(json_string_value(a), json_string_value(b))) {
		*cmp = value_version_cmp(json_string_value(a), json_string_value(b));
		return 0;
	}
	if ((json_is_number(a) || json_is_boolean(a)) || (json_is_number(b) || json_is_boolean(b))) {
		if (value_to_number(a, &x) && value_to_number(b, &y)) {
			*cmp = x < y ? -1 : x > y;
			return 0;
		}
	}
	if (json_is_object(a) || json_is_array(a) || json_is_object(b) || json_is_array(b)) {
		if (!(json_is_string(a) || json_is_string(b)))
			return err_set(err, "cannot compare %s with %s", value_type(a), value_type(b));
	}
	char *sa = value_to_string(a), *sbv = value_to_string(b);
	int c = strcasecmp(sa, sbv);
	*cmp = c < 0 ? -1 : c > 0;
	free(sa);
	free(sbv);
	return 0;
}

bool value_equal(const json_t *a, const json_t *b)
{
	int c;
	if ((json_is_object(a) && !json_is_object(b)) || (json_is_object(b) && !json_is_object(a)))
		return false;
	if (json_is_object(a) && json_is_object(b))
		return a == b || json_equal((json_t *)a, (json_t *)b);
	if (json_is_array(a) || json_is_array(b))
		return json_equal((json_t *)a, (json_t *)b);
	return value_compare(a, b, &c, NULL) == 0 && c == 0;
}

size_t value_count(const json_t *v)
{
	if (!v || json_is_null(v))
		return 0;
	return json_is_array(v) ? json_array_size(v) : 1;
}

json_t *value_item(const json_t *v, size_t i)
{
	return json_is_array(v) ? json_array_get(v, i) : (json_t *)v;
}
