/*
 * ops: operator semantics. Comparisons go through value_compare, so numbers,
 * versions and strings order the same way everywhere in the language.
 */
#include "config.h"
#include "ops.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "value.h"

#define RANGE_MAX 1000000
#define REPEAT_MAX (16 * 1024 * 1024)

static json_t *number(double d)
{
	if (d == floor(d) && fabs(d) < 9e15)
		return json_integer((json_int_t)d);
	return json_real(d);
}

static json_t *arith(char op, json_t *l, json_t *r, struct ucsh_err *err)
{
	double a, b;
	if (op == '+' && json_is_string(l)) {
		char *s = value_to_string(r);
		json_t *out = json_sprintf("%s%s", json_string_value(l), s);
		free(s);
		return out;
	}
	if ((op == '+') && (json_is_array(l) || json_is_array(r))) {
		json_t *out = json_array();
		for (size_t i = 0; i < value_count(l); i++)
			json_array_append(out, value_item(l, i));
		for (size_t i = 0; i < value_count(r); i++)
			json_array_append(out, value_item(r, i));
		return out;
	}
	if (op == '*' && json_is_string(l) && value_to_number(r, &b)) {
		size_t len = json_string_length(l);
		if (b < 0 || (double)len * b > REPEAT_MAX)
			return err_set(err, "string repetition too large"), NULL;
		struct strbuf sb = STRBUF_INIT;
		for (long i = 0; i < (long)b; i++)
			sb_add(&sb, json_string_value(l), len);
		json_t *out = json_stringn(sb_str(&sb), sb.len);
		sb_free(&sb);
		return out;
	}
	if (json_is_null(l) && op == '+')
		return json_incref(r);
	a = b = 0; /* $null counts as 0 */
	if ((!json_is_null(l) && !value_to_number(l, &a)) ||
	    (!json_is_null(r) && !value_to_number(r, &b))) {
		char *ls = value_to_string(l), *rs = value_to_string(r);
		err_set(err, "cannot apply '%c' to '%.40s' and '%.40s'", op, ls, rs);
		free(ls);
		free(rs);
		return NULL;
	}
	switch (op) {
	case '+': return number(a + b);
	case '-': return number(a - b);
	case '*': return number(a * b);
	case '/':
		if (b == 0)
			return err_set(err, "division by zero"), NULL;
		return number(a / b);
	case '%':
		if (b == 0)
			return err_set(err, "division by zero"), NULL;
		return number(fmod(a, b));
	}
	return NULL;
}

static bool regex_match(const char *pattern, const char *s, bool icase, bool *hit,
			struct ucsh_err *err)
{
	regex_t re;
	int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
	if (rc) {
		char msg[128];
		regerror(rc, &re, msg, sizeof(msg));
		err_set(err, "invalid regular expression '%.60s': %s", pattern, msg);
		return false;
	}
	*hit = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return true;
}

/* -clike: the wildcard as an anchored regular expression, matched with case. */
static bool like_cs(const char *pat, const char *s)
{
	struct strbuf re = STRBUF_INIT;
	struct ucsh_err err;
	bool hit = false;
	sb_addc(&re, '^');
	for (const char *p = pat; *p; p++) {
		const char *close = *p == '[' ? strchr(p + 1, ']') : NULL;
		if (*p == '*') {
			sb_adds(&re, ".*");
		} else if (*p == '?') {
			sb_addc(&re, '.');
		} else if (close) {
			sb_add(&re, p, (size_t)(close - p + 1));
			p = close;
		} else {
			if (strchr("\\.^$|()[]{}+", *p))
				sb_addc(&re, '\\');
			sb_addc(&re, *p);
		}
	}
	sb_addc(&re, '$');
	if (!regex_match(sb_str(&re), s, false, &hit, &err))
		hit = false;
	sb_free(&re);
	return hit;
}

/* One scalar comparison; -1 on error. */
static int compare_one(const char *op, bool cs, json_t *l, json_t *r, struct ucsh_err *err)
{
	int c = 0;
	if (!strcmp(op, "like") || !strcmp(op, "notlike")) {
		char *s = value_to_string(l), *p = value_to_string(r);
		bool hit = cs ? like_cs(p, s) : wildcard_match(p, s);
		free(s);
		free(p);
		return op[0] == 'n' ? !hit : hit;
	}
	if (!strcmp(op, "match") || !strcmp(op, "notmatch")) {
		char *s = value_to_string(l), *p = value_to_string(r);
		bool hit = false, ok = regex_match(p, s, !cs, &hit, err);
		free(s);
		free(p);
		if (!ok)
			return -1;
		return op[0] == 'n' ? !hit : hit;
	}
	if (cs && json_is_string(l) && json_is_string(r) && (!strcmp(op, "eq") || !strcmp(op, "ne")))
		c = strcmp(json_string_value(l), json_string_value(r));
	else if (!strcmp(op, "eq") || !strcmp(op, "ne"))
		c = value_equal(l, r) ? 0 : 1;
	else if (value_compare(l, r, &c, err))
		return -1;
	if (!strcmp(op, "eq")) return c == 0;
	if (!strcmp(op, "ne")) return c != 0;
	if (!strcmp(op, "lt")) return c < 0;
	if (!strcmp(op, "le")) return c <= 0;
	if (!strcmp(op, "gt")) return c > 0;
	if (!strcmp(op, "ge")) return c >= 0;
	return err_set(err, "unknown operator -%s", op);
}

/* -eq and friends: with a list on the left they filter it. */
static json_t *comparison(const char *op, bool cs, json_t *l, json_t *r, struct ucsh_err *err)
{
	if (!json_is_array(l)) {
		int hit = compare_one(op, cs, l, r, err);
		return hit < 0 ? NULL : json_boolean(hit);
	}
	json_t *out = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(l, i, it) {
		int hit = compare_one(op, cs, it, r, err);
		if (hit < 0) {
			json_decref(out);
			return NULL;
		}
		if (hit)
			json_array_append(out, it);
	}
	return out;
}

static bool contains(json_t *list, json_t *item, bool cs)
{
	for (size_t i = 0; i < value_count(list); i++) {
		json_t *x = value_item(list, i);
		if (cs && json_is_string(x) && json_is_string(item)
			    ? strcmp(json_string_value(x), json_string_value(item)) == 0
			    : value_equal(x, item))
			return true;
	}
	return false;
}

static void add_replacement(struct strbuf *sb, const char *rep, const char *s, regmatch_t *m)
{
	for (const char *p = rep; *p; p++) {
		if (*p == '$' && isdigit((unsigned char)p[1])) {
			int g = p[1] - '0';
			if (m[g].rm_so >= 0)
				sb_add(sb, s + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
			p++;
		} else {
			sb_addc(sb, *p);
		}
	}
}

static json_t *replace(json_t *l, json_t *r, bool cs, struct ucsh_err *err)
{
	char *pat = value_to_string(value_item(r, 0));
	char *rep = value_count(r) > 1 ? value_to_string(value_item(r, 1)) : xstrdup("");
	char *s = value_to_string(l);
	regex_t re;
	json_t *out = NULL;
	int rc = regcomp(&re, pat, REG_EXTENDED | (cs ? 0 : REG_ICASE));
	if (rc) {
		err_set(err, "invalid regular expression '%.60s'", pat);
		goto done;
	}
	struct strbuf sb = STRBUF_INIT;
	const char *p = s;
	regmatch_t m[10];
	while (*p && regexec(&re, p, 10, m, p == s ? 0 : REG_NOTBOL) == 0) {
		sb_add(&sb, p, (size_t)m[0].rm_so);
		add_replacement(&sb, rep, p, m);
		if (m[0].rm_eo == m[0].rm_so) {
			if (!p[m[0].rm_eo])
				break;
			sb_addc(&sb, p[m[0].rm_eo]);
			p += m[0].rm_eo + 1;
		} else {
			p += m[0].rm_eo;
		}
	}
	sb_adds(&sb, p);
	out = json_string(sb_str(&sb));
	sb_free(&sb);
	regfree(&re);
done:
	free(pat);
	free(rep);
	free(s);
	return out;
}

static json_t *split(json_t *l, json_t *r, struct ucsh_err *err)
{
	char *s = value_to_string(l);
	char *pat = r ? value_to_string(r) : xstrdup("[[:space:]]+");
	json_t *out = json_array();
	regex_t re;
	if (regcomp(&re, pat, REG_EXTENDED | REG_ICASE)) {
		err_set(err, "invalid regular expression '%.60s'", pat);
		json_decref(out);
		out = NULL;
		goto done;
	}
	const char *p = s;
	regmatch_t m;
	while (regexec(&re, p, 1, &m, p == s ? 0 : REG_NOTBOL) == 0 && m.rm_eo > 0 && *p) {
		json_array_append_new(out, json_stringn(p, (size_t)m.rm_so));
		p += m.rm_eo;
	}
	json_array_append_new(out, json_string(p));
	regfree(&re);
done:
	free(s);
	free(pat);
	return out;
}

static json_t *join(json_t *l, json_t *r)
{
	char *sep = r ? value_to_string(r) : xstrdup("");
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < value_count(l); i++) {
		char *s = value_to_string(value_item(l, i));
		sb_addf(&sb, "%s%s", i ? sep : "", s);
		free(s);
	}
	json_t *out = json_string(sb_str(&sb));
	sb_free(&sb);
	free(sep);
	return out;
}

json_t *ops_binary(const char *op, json_t *l, json_t *r, struct ucsh_err *err)
{
	if (strlen(op) == 1 && strchr("+-*/%", op[0]))
		return arith(op[0], l, r, err);
	if (!strcmp(op, "and"))
		return json_boolean(value_truthy(l) && value_truthy(r));
	if (!strcmp(op, "or"))
		return json_boolean(value_truthy(l) || value_truthy(r));
	if (!strcmp(op, "xor"))
		return json_boolean(value_truthy(l) != value_truthy(r));
	bool cs = op[0] == 'c' && strcmp(op, "contains") != 0;
	if ((op[0] == 'i' || cs) && strcmp(op, "in") && strcmp(op, "is") && strcmp(op, "isnot"))
		op++;
	if (!strcmp(op, "contains") || !strcmp(op, "notcontains"))
		return json_boolean(contains(l, r, cs) == (op[0] == 'c'));
	if (!strcmp(op, "in") || !strcmp(op, "notin"))
		return json_boolean(contains(r, l, cs) == (op[1] == 'n'));
	if (!strcmp(op, "replace"))
		return replace(l, r, cs, err);
	if (!strcmp(op, "split"))
		return split(l, r, err);
	if (!strcmp(op, "join"))
		return join(l, r);
	if (!strcmp(op, "is") || !strcmp(op, "isnot"))
		return err_set(err, "-%s needs .NET types, which ucsh does not have", op), NULL;
	return comparison(op, cs, l, r, err);
}

json_t *ops_unary(const char *op, json_t *v, struct ucsh_err *err)
{
	double d;
	if (!strcmp(op, "not"))
		return json_boolean(!value_truthy(v));
	if (!strcmp(op, "join"))
		return join(v, NULL);
	if (!strcmp(op, "split"))
		return split(v, NULL, err);
	if (!value_to_number(v, &d)) {
		char *s = value_to_string(v);
		err_set(err, "cannot apply unary '%s' to '%.40s'", op, s);
		free(s);
		return NULL;
	}
	return number(op[0] == '-' ? -d : d);
}

json_t *ops_range(json_t *lo, json_t *hi, struct ucsh_err *err)
{
	double a, b;
	if (!value_to_number(lo, &a) || !value_to_number(hi, &b))
		return err_set(err, "a range needs numbers: lo..hi"), NULL;
	long long x = llround(a), y = llround(b);
	if (llabs(y - x) >= RANGE_MAX)
		return err_set(err, "a range may hold at most %d numbers", RANGE_MAX), NULL;
	json_t *out = json_array();
	for (long long i = x;; i += x <= y ? 1 : -1) {
		json_array_append_new(out, json_integer(i));
		if (i == y)
			break;
	}
	return out;
}

static json_t *str_method(const char *s, const char *name, json_t *args, struct ucsh_err *err)
{
	size_t n = strlen(s);
	char *a0 = json_array_size(args) ? value_to_string(json_array_get(args, 0)) : NULL;
	json_t *out = NULL;
	if (str_ieq(name, "ToUpper") || str_ieq(name, "ToLower")) {
		char *c = xstrdup(s);
		for (char *p = c; *p; p++)
			*p = (char)(name[2] == 'U' || name[2] == 'u' ? toupper((unsigned char)*p)
								      : tolower((unsigned char)*p));
		out = json_string(c);
		free(c);
	} else if (str_ieq(name, "Trim") || str_ieq(name, "TrimStart") || str_ieq(name, "TrimEnd")) {
		size_t b = 0, e = n;
		if (!str_ieq(name, "TrimEnd"))
			while (b < e && isspace((unsigned char)s[b]))
				b++;
		if (!str_ieq(name, "TrimStart"))
			while (e > b && isspace((unsigned char)s[e - 1]))
				e--;
		out = json_stringn(s + b, e - b);
	} else if (a0 && str_ieq(name, "Contains")) {
		out = json_boolean(strstr(s, a0) != NULL);
	} else if (a0 && str_ieq(name, "StartsWith")) {
		out = json_boolean(strncmp(s, a0, strlen(a0)) == 0);
	} else if (a0 && str_ieq(name, "EndsWith")) {
		out = json_boolean(str_has_suffix(s, a0));
	} else if (a0 && str_ieq(name, "IndexOf")) {
		const char *p = strstr(s, a0);
		out = json_integer(p ? (json_int_t)(p - s) : -1);
	} else if (a0 && str_ieq(name, "Replace") && json_array_size(args) == 2) {
		char *to = value_to_string(json_array_get(args, 1));
		struct strbuf sb = STRBUF_INIT;
		const char *p = s, *q;
		while (*a0 && (q = strstr(p, a0))) {
			sb_add(&sb, p, (size_t)(q - p));
			sb_adds(&sb, to);
			p = q + strlen(a0);
		}
		sb_adds(&sb, p);
		out = json_string(sb_str(&sb));
		sb_free(&sb);
		free(to);
	} else if (a0 && str_ieq(name, "Split")) {
		out = json_array();
		const char *p = s;
		for (;;) {
			size_t len = *a0 ? strcspn(p, a0) : strlen(p);
			json_array_append_new(out, json_stringn(p, len));
			if (!p[len])
				break;
			p += len + 1;
		}
	} else if (a0 && str_ieq(name, "Substring")) {
		double st, ln = -1;
		value_to_number(json_array_get(args, 0), &st);
		if (json_array_size(args) > 1)
			value_to_number(json_array_get(args, 1), &ln);
		if (st < 0 || st > n || (ln >= 0 && st + ln > n))
			err_set(err, "Substring(%g) is outside the string", st);
		else
			out = json_stringn(s + (size_t)st, ln >= 0 ? (size_t)ln : n - (size_t)st);
	} else {
		err_set(err, "strings have no method %s()", name);
	}
	free(a0);
	return out;
}

json_t *ops_method(json_t *target, const char *name, json_t *args, struct ucsh_err *err)
{
	if (json_is_string(target))
		return str_method(json_string_value(target), name, args, err);
	if (str_ieq(name, "ToString")) {
		char *s = value_to_string(target);
		json_t *out = json_string(s);
		free(s);
		return out;
	}
	if (json_is_array(target) && str_ieq(name, "Contains") && json_array_size(args) == 1)
		return json_boolean(contains(target, json_array_get(args, 0), false));
	return err_set(err, "%s has no method %s()", value_type(target), name), NULL;
}
