/*
 * principal: the shared half of the User, CommonAreaPhone and ClientPin
 * cmdlets (see principal.h): identity resolution across both kinds, the
 * checks on SIP addresses, line URIs, domains and pools, and the writes
 * that must keep SIP addresses and line URIs unique across both kinds
 * (the store's unique indexes only see one kind at a time).
 */
#include "config.h"
#include "principal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storecmd.h"
#include "value.h"

#define MAX_LISTED 10 /* matches named in an "ambiguous" error */
#define IDENTITY_HINT "name it by SIP address (sip:ken@contoso.com), line URI " \
	"(tel:+14255550100;ext=100), extension (100) or display name"

static const char *const kinds[] = { "User", "CommonAreaPhone" };

static const char *what_of(const char *kind)
{
	return strcmp(kind, "User") == 0 ? "user" : "common area phone";
}

static const char *kinds_what(unsigned mask)
{
	if (mask == PRINCIPAL_USER)
		return "user";
	return mask == PRINCIPAL_CAP ? "common area phone" : "user or common area phone";
}

static const char *str_of(const json_t *obj, const char *prop)
{
	return json_string_value(json_object_get(obj, prop));
}

static json_t *cond(const char *prop, const char *op, const char *value)
{
	return json_pack("{s:s,s:s,s:s}", "Property", prop, "Op", op, "Value", value);
}

/* ---- SIP addresses and line URIs -------------------------------------- */

/* An RFC 1035 host name with at least two labels. */
static bool valid_domain(const char *d)
{
	size_t len = strlen(d), label = 0;
	if (len == 0 || len > 253 || !strchr(d, '.'))
		return false;
	for (const char *p = d;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63 || p[-1] == '-')
				return false;
			if (*p == '\0')
				return true;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && !(*p == '-' && label > 0))
			return false;
		label++;
	}
}

char *principal_sip_address(const char *in, struct ucsh_err *err)
{
	const char *s = str_iprefix("sip:", in) ? in + 4 : in;
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@')) {
		err_set(err, "'%s' is not a SIP address: expected sip:user@domain", in);
		err_hint(err, "e.g. sip:ken@contoso.com");
		return NULL;
	}
	for (const char *p = s; p < at; p++) {
		if (isalnum((unsigned char)*p) || strchr("-_.!~*'+&=$,", *p))
			continue;
		err_set(err, "the SIP address '%s' has '%c' in its user part, which a SIP "
			"address cannot hold", in, *p);
		err_hint(err, "use letters, digits and - _ . ! ~ * ' + & = $ ,");
		return NULL;
	}
	if (at - s > 64 || !valid_domain(at + 1)) {
		err_set(err, "the SIP address '%s' has %s", in,
			at - s > 64 ? "a user part longer than 64 characters"
				    : "no valid domain after the @");
		err_hint(err, "e.g. sip:ken@contoso.com");
		return NULL;
	}
	char *out = xasprintf("sip:%.*s@%s", (int)(at - s), s, at + 1);
	for (char *p = strchr(out, '@'); *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

const char *principal_sip_domain(const char *sip)
{
	const char *at = sip ? strchr(sip, '@') : NULL;
	return at ? at + 1 : "";
}

static size_t digits(const char *s)
{
	return strspn(s, "0123456789");
}

char *principal_line_uri(const char *in, struct ucsh_err *err)
{
	const char *num = str_iprefix("tel:+", in) ? in + 5 : NULL;
	size_t n = num ? digits(num) : 0;
	const char *rest = num ? num + n : NULL;
	const char *ext = rest && str_iprefix(";ext=", rest) ? rest + 5 : NULL;
	size_t e = ext ? digits(ext) : 0;
	if (!num) {
		err_set(err, "'%s' is not a line URI: expected tel:+ and the number in E.164 form", in);
	} else if (n == 0 || n > 15 || *num == '0') {
		err_set(err, "the line URI '%s' needs an E.164 number after tel:+: 1 to 15 digits, "
			"the first not 0", in);
	} else if (*rest && !ext) {
		err_set(err, "the line URI '%s' has '%s' after the number; only ;ext=DIGITS may "
			"follow", in, rest);
	} else if (ext && (e == 0 || e > 15 || ext[e])) {
		err_set(err, "the extension in the line URI '%s' must be 1 to 15 digits", in);
	} else {
		return ext ? xasprintf("tel:+%.*s;ext=%.*s", (int)n, num, (int)e, ext)
			   : xasprintf("tel:+%.*s", (int)n, num);
	}
	err_hint(err, "e.g. tel:+14255550100;ext=100 or tel:+14255550100");
	return NULL;
}

/* ---- Pools and domains ----------------------------------------------- */

/* Stream every pool into fn; 0 / -1 with err. */
static int each_pool(struct store *st, void (*fn)(const json_t *pool, void *arg), void *arg,
		     struct ucsh_err *err)
{
	struct store_cursor *cur;
	json_t *pool;
	int rc;
	if (store_query(st, "Pool", NULL, NULL, &cur, err))
		return -1;
	while ((rc = store_cursor_next(cur, &pool, err)) == 1) {
		fn(pool, arg);
		json_decref(pool);
	}
	store_cursor_free(cur);
	return rc;
}

static bool has_string(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && str_ieq(json_string_value(v), s))
			return true;
	return false;
}

static void add_domains(const json_t *pool, void *arg)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(pool, "SipDomain"), i, d)
		if (json_is_string(d) && !has_string(arg, json_string_value(d)))
			json_array_append(arg, d);
}

static char *join(const json_t *arr, const char *empty)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		sb_addf(&sb, "%s%s", i ? ", " : "", json_string_value(v));
	return sb.len ? sb_detach(&sb) : xstrdup(empty);
}

int principal_check_domain(struct store *st, const char *sip, struct ucsh_err *err)
{
	const char *domain = principal_sip_domain(sip);
	json_t *domains = json_array();
	int rc = each_pool(st, add_domains, domains, err);
	if (rc == 0 && !has_string(domains, domain)) {
		char *list = join(domains, "none");
		err_set(err, "the SIP domain '%s' of %s is not served by any pool; the SIP "
			"domains are: %s", domain, sip, list);
		err_hint(err, "use one of those, or add %s to a pool's SipDomain", domain);
		free(list);
		rc = -1;
	}
	json_decref(domains);
	return rc;
}

struct pool_pick {
	const char *domain;
	json_t *all, *serving; /* pool identities */
};

static void pick_pool(const json_t *pool, void *arg)
{
	struct pool_pick *p = arg;
	json_t *id = json_object_get(pool, "Identity");
	json_array_append(p->all, id);
	if (has_string(json_object_get(pool, "SipDomain"), p->domain))
		json_array_append(p->serving, id);
}

static char *given_pool(struct store *st, const char *given, struct ucsh_err *err)
{
	json_t *pool = NULL;
	int rc = store_get(st, "Pool", given, &pool, err);
	if (rc == 0) {
		err_set(err, "no registrar pool '%s' exists", given);
		err_hint(err, "Get-CsPool lists the pools");
	}
	char *id = rc == 1 ? xstrdup(str_of(pool, "Identity")) : NULL;
	json_decref(pool);
	return id;
}

char *principal_pool(struct store *st, const char *given, const char *sip, struct ucsh_err *err)
{
	if (given && *given)
		return given_pool(st, given, err);
	struct pool_pick p = { principal_sip_domain(sip), json_array(), json_array() };
	char *id = NULL;
	if (each_pool(st, pick_pool, &p, err) == 0) {
		json_t *one = json_array_size(p.all) == 1 ? p.all
			      : json_array_size(p.serving) == 1 ? p.serving : NULL;
		if (one) {
			id = xstrdup(json_string_value(json_array_get(one, 0)));
		} else if (json_array_size(p.all) == 0) {
			err_set(err, "there is no registrar pool to place %s in", sip);
			err_hint(err, "create one with New-CsPool");
		} else {
			char *list = join(p.serving, "none");
			err_set(err, "name the registrar pool of %s with -RegistrarPool: %zu pools "
				"exist, and those serving %s are: %s", sip, json_array_size(p.all),
				p.domain, list);
			err_hint(err, "Get-CsPool lists the pools");
			free(list);
		}
	}
	json_decref(p.all);
	json_decref(p.serving);
	return id;
}

json_t *principal_pool_domains(struct store *st, const char *pool, struct ucsh_err *err)
{
	json_t *obj = NULL;
	if (!pool)
		return json_array();
	int rc = store_get(st, "Pool", pool, &obj, err);
	if (rc < 0)
		return NULL;
	json_t *out = json_array();
	if (rc == 1)
		add_domains(obj, out);
	json_decref(obj);
	return out;
}

/* ---- Checking what is written ---------------------------------------- */

static int prepare_sip(struct store *st, json_t *obj, struct ucsh_err *err)
{
	const char *given = str_of(obj, "SipAddress");
	if (!given || !*given) {
		err_set(err, "-SipAddress cannot be empty: it is how phones and cmdlets find it");
		err_hint(err, "e.g. -SipAddress sip:ken@contoso.com");
		return -1;
	}
	char *sip = principal_sip_address(given, err);
	if (!sip || principal_check_domain(st, sip, err)) {
		free(sip);
		return -1;
	}
	json_object_set_new(obj, "SipAddress", json_string(sip));
	json_object_set_new(obj, "Identity", json_string(sip));
	free(sip);
	return 0;
}

static int prepare_line(json_t *obj, const json_t *old, struct ucsh_err *err)
{
	const char *given = str_of(obj, "LineURI");
	if (!json_object_get(obj, "LineURI"))
		return 0;
	if (!given || !*given) {
		if (old && !given)
			return 0; /* $null: Set-* clears it */
		json_object_del(obj, "LineURI");
		return 0;
	}
	char *line = principal_line_uri(given, err);
	if (!line)
		return -1;
	json_object_set_new(obj, "LineURI", json_string(line));
	free(line);
	return 0;
}

static int prepare_pool(struct store *st, json_t *obj, const json_t *old, struct ucsh_err *err)
{
	json_t *v = json_object_get(obj, "RegistrarPool");
	const char *given = json_string_value(v);
	if (old && v && !given) {
		err_set(err, "-RegistrarPool cannot be cleared: every principal has a pool");
		err_hint(err, "name another pool to move it");
		return -1;
	}
	if (old && (!given || !*given)) {
		json_object_del(obj, "RegistrarPool");
		return 0;
	}
	const char *sip = str_of(json_object_get(obj, "SipAddress") ? obj : old, "SipAddress");
	char *pool = principal_pool(st, given, sip, err);
	if (!pool)
		return -1;
	json_object_set_new(obj, "RegistrarPool", json_string(pool));
	free(pool);
	return 0;
}

int principal_prepare(struct store *st, json_t *obj, const json_t *old, struct ucsh_err *err)
{
	if ((!old || json_object_get(obj, "SipAddress")) && prepare_sip(st, obj, err))
		return -1;
	return prepare_line(obj, old, err) || prepare_pool(st, obj, old, err) ? -1 : 0;
}

/* ---- Resolving -Identity ---------------------------------------------- */

/* s with the store's wildcard characters escaped, for a literal like. */
static char *like_literal(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (; *s; s++) {
		if (strchr("*?[`", *s))
			sb_addc(&sb, '`');
		sb_addc(&sb, *s);
	}
	return sb_detach(&sb);
}

/* Line URIs for a number with or without an extension: tel:+N, tel:+N;... */
static json_t *number_conds(const char *number)
{
	char *uri = xasprintf("tel:+%s", number);
	char *lit = like_literal(uri);
	char *any_ext = xasprintf("%s;*", lit);
	json_t *c = json_pack("[o,o]", cond("LineURI", "eq", uri), cond("LineURI", "like", any_ext));
	free(uri);
	free(lit);
	free(any_ext);
	return c;
}

/* The filter for an identity that is not a SIP address. */
static json_t *identity_filter(const char *id)
{
	json_t *any;
	if (str_iprefix("tel:+", id) && id[5] && !id[5 + digits(id + 5)]) {
		any = number_conds(id + 5);
	} else if (str_iprefix("tel:", id)) {
		return json_pack("[o]", cond("LineURI", "eq", id));
	} else if (id[0] == '+' && id[1] && !id[1 + digits(id + 1)]) {
		any = number_conds(id + 1);
	} else if (id[0] && !id[digits(id)]) {
		char *ext = xasprintf("*;ext=%s", id);
		any = number_conds(id);
		json_array_append_new(any, cond("LineURI", "like", ext));
		free(ext);
	} else {
		return json_pack("[o]", cond("DisplayName", "eq", id));
	}
	return json_pack("[{s:o}]", "Or", any);
}

/* Append the objects of kind matching filter to matches. 0 / -1. */
static int collect(struct store *st, const char *kind, const json_t *filter, json_t *matches,
		   struct ucsh_err *err)
{
	struct store_query_opts opts = { .sort = "SipAddress", .limit = MAX_LISTED + 1 };
	struct store_cursor *cur;
	json_t *obj;
	int rc;
	if (store_query(st, kind, filter, &opts, &cur, err))
		return -1;
	while ((rc = store_cursor_next(cur, &obj, err)) == 1) {
		value_set_type(obj, kind);
		json_array_append_new(matches, obj);
	}
	store_cursor_free(cur);
	return rc;
}

/* The principals identity names: 0 (matches filled, maybe empty), 1 when
 * identity is a malformed SIP address (err says why), -1 store failure. */
static int find(struct store *st, const char *identity, unsigned mask, json_t *matches,
		struct ucsh_err *err)
{
	char *sip = NULL;
	json_t *filter = NULL;
	if (str_iprefix("sip:", identity) || strchr(identity, '@')) {
		if (!(sip = principal_sip_address(identity, err)))
			return 1;
	} else {
		filter = identity_filter(identity);
	}
	int rc = 0;
	for (size_t i = 0; i < UCSH_ARRAY_LEN(kinds) && rc == 0; i++) {
		json_t *obj = NULL;
		if (!(mask & (1u << i)))
			continue;
		if (filter) {
			rc = collect(st, kinds[i], filter, matches, err);
		} else if ((rc = store_get(st, kinds[i], sip, &obj, err)) == 1) {
			value_set_type(obj, kinds[i]);
			json_array_append_new(matches, obj);
			rc = 0;
		}
	}
	free(sip);
	json_decref(filter);
	return rc;
}

/* "sip:ken@contoso.com (Ken Myer)" */
static void describe(struct strbuf *sb, const json_t *obj)
{
	const char *name = str_of(obj, "DisplayName");
	sb_adds(sb, str_of(obj, "SipAddress"));
	if (name && *name)
		sb_addf(sb, " (%s)", name);
}

static int ambiguous(struct cmd_ctx *ctx, const char *identity, const json_t *matches)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	json_t *obj;
	json_array_foreach(matches, i, obj) {
		if (i == MAX_LISTED) {
			sb_adds(&sb, ", and more");
			break;
		}
		if (i)
			sb_adds(&sb, ", ");
		describe(&sb, obj);
	}
	int rc = cmd_error(ctx, "name one by its SIP address", "'%s' is ambiguous: it matches %s",
			   identity, sb_str(&sb));
	sb_free(&sb);
	return rc;
}

int principal_resolve(struct cmd_ctx *ctx, const char *identity, unsigned mask, json_t **out)
{
	*out = NULL;
	struct store *st = cmd_store(ctx);
	if (!st)
		return -1;
	if (!identity || !*identity)
		return cmd_error(ctx, IDENTITY_HINT, "-Identity is empty: name a %s",
				 kinds_what(mask));
	struct ucsh_err err;
	err_clear(&err);
	json_t *matches = json_array();
	int rc = find(st, identity, mask, matches, &err);
	if (rc < 0) {
		rc = storecmd_error(ctx, st, &err);
	} else if (rc == 1) {
		rc = cmd_error_err(ctx, &err);
	} else if (json_array_size(matches) == 1) {
		*out = json_incref(json_array_get(matches, 0));
		rc = 1;
	} else if (json_array_size(matches) == 0) {
		rc = cmd_error(ctx, IDENTITY_HINT, "no %s matches '%s'", kinds_what(mask), identity);
	} else {
		rc = ambiguous(ctx, identity, matches);
	}
	json_decref(matches);
	return rc;
}

/* ---- Get-CsUser, Get-CsCommonAreaPhone --------------------------------- */

/* A wildcard identity looks at SIP addresses (sip: may be left out),
 * display names and line URIs. */
static json_t *wildcard_filter(const char *pattern)
{
	char *sip = str_iprefix("sip:", pattern) || pattern[0] == '*'
			    ? xstrdup(pattern) : xasprintf("sip:%s", pattern);
	json_t *f = json_pack("[{s:[o,o,o]}]", "Or", cond("SipAddress", "like", sip),
			      cond("DisplayName", "like", pattern), cond("LineURI", "like", pattern));
	free(sip);
	return f;
}

int principal_get(struct cmd_ctx *ctx, const char *kind)
{
	const char *id = cmd_arg_str(ctx, "Identity");
	const json_t *script = cmd_arg(ctx, "Filter");
	struct store_query_opts opts = { .limit = cmd_arg_int(ctx, "ResultSize", 0) };
	if (cmd_has_arg(ctx, "ResultSize") && opts.limit < 1)
		return cmd_error(ctx, "leave -ResultSize out to get every object",
				 "-ResultSize must be at least 1, not %lld", opts.limit);
	json_t *filter = NULL;
	if (id && !wildcard_has_meta(id)) {
		json_t *obj;
		unsigned mask = strcmp(kind, "User") == 0 ? PRINCIPAL_USER : PRINCIPAL_CAP;
		int rc = principal_resolve(ctx, id, mask, &obj);
		if (rc <= 0 || !script) {
			rc = rc == 1 ? storecmd_emit(ctx, kind, obj) : rc;
			json_decref(obj);
			return rc;
		}
		filter = json_pack("[o]", cond("SipAddress", "eq", str_of(obj, "SipAddress")));
		json_decref(obj);
	} else if (id) {
		filter = wildcard_filter(id);
	}
	int rc = storecmd_query(ctx, kind, filter, &opts, script);
	json_decref(filter);
	return rc;
}

/* ---- Writes ------------------------------------------------------------ */

/* No principal but self (kind, key) has sip or line. 0 / -1 with err. */
static int check_unique(struct store *st, const char *kind, const char *self, const char *sip,
			const char *line, struct ucsh_err *err)
{
	json_t *filter = line ? json_pack("[o]", cond("LineURI", "eq", line)) : NULL;
	json_t *found = json_array();
	int rc = 0;
	for (size_t i = 0; i < UCSH_ARRAY_LEN(kinds) && rc == 0 && !json_array_size(found); i++) {
		json_t *obj = NULL;
		if (sip && (rc = store_get(st, kinds[i], sip, &obj, err)) == 1)
			json_array_append_new(found, obj);
		if (rc >= 0 && filter)
			rc = collect(st, kinds[i], filter, found, err);
		for (size_t j = json_array_size(found); j-- > 0;) {
			const char *key = str_of(json_array_get(found, j), "SipAddress");
			if (self && strcmp(kinds[i], kind) == 0 && str_ieq(key, self))
				json_array_remove(found, j);
		}
		rc = rc < 0 ? -1 : 0;
		if (json_array_size(found)) {
			const json_t *other = json_array_get(found, 0);
			const char *name = str_of(other, "DisplayName");
			char named[200] = "";
			if (name && *name)
				snprintf(named, sizeof(named), " (%s)", name);
			if (sip && str_ieq(str_of(other, "SipAddress"), sip))
				err_set(err, "%s is already the SIP address of a %s%s",
					str_of(other, "SipAddress"), what_of(kinds[i]), named);
			else
				err_set(err, "the line URI %s is already assigned to the %s %s%s", line,
					what_of(kinds[i]), str_of(other, "SipAddress"), named);
			err_hint(err, "choose another, or change or remove that %s first",
				 what_of(kinds[i]));
			rc = -1;
		}
	}
	json_decref(filter);
	json_decref(found);
	return rc;
}

/* Roll back what was begun at depth and write err, terminating when the
 * store itself failed. */
static int txn_fail(struct cmd_ctx *ctx, struct store *st, int depth, const struct ucsh_err *err)
{
	enum store_error e = store_last_error(st);
	struct ucsh_err ignore;
	if (store_transaction_depth(st) > depth)
		store_rollback(st, &ignore);
	if (e == STORE_E_BUSY || e == STORE_E_IO)
		return cmd_fail(ctx, err->hint[0] ? err->hint : NULL, "%s", err->msg);
	return cmd_error_err(ctx, err);
}

static int emit_stored(struct cmd_ctx *ctx, struct store *st, const char *kind, const char *key)
{
	json_t *stored = NULL;
	struct ucsh_err err;
	if (store_get(st, kind, key, &stored, &err) != 1)
		return cmd_fail(ctx, NULL, "%s '%s' cannot be read back: %s", what_of(kind), key,
				err.msg);
	int rc = storecmd_emit(ctx, kind, stored);
	json_decref(stored);
	return rc;
}

int principal_insert(struct cmd_ctx *ctx, const char *kind, const json_t *obj, const char *what)
{
	const char *sip = str_of(obj, "SipAddress");
	char action[64];
	snprintf(action, sizeof(action), "New %s", what);
	if (!cmd_should_process(ctx, action, sip))
		return cmd_cancelled(ctx) ? -1 : 0;
	struct store *st = cmd_store(ctx);
	if (!st)
		return -1;
	struct ucsh_err err;
	err_clear(&err);
	int depth = store_transaction_depth(st);
	if (store_begin(st, &err) || check_unique(st, kind, NULL, sip, str_of(obj, "LineURI"), &err) ||
	    store_insert(st, kind, obj, &err) || store_commit(st, &err))
		return txn_fail(ctx, st, depth, &err);
	return emit_stored(ctx, st, kind, sip);
}

json_t *principal_usernames(const json_t *obj)
{
	json_t *names = json_array();
	const char *sip = str_of(obj, "SipAddress");
	const char *line = str_of(obj, "LineURI");
	const char *ext = line ? strstr(line, ";ext=") : NULL;
	if (sip) {
		const char *user = str_iprefix("sip:", sip) ? sip + 4 : sip;
		const char *at = strchr(user, '@');
		json_array_append_new(names, json_stringn(user, at ? (size_t)(at - user) : strlen(user)));
	}
	if (ext && !has_string(names, ext + 5))
		json_array_append_new(names, json_string(ext + 5));
	return names;
}

/* Does changes alter what old's HA1 tables were computed for? */
static bool names_change(const json_t *old, const json_t *changes)
{
	static const char *const props[] = { "SipAddress", "LineURI", "RegistrarPool" };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(props); i++) {
		json_t *v = json_object_get(changes, props[i]);
		if (v && !json_equal(v, json_object_get(old, props[i])))
			return true;
	}
	return false;
}

/* The "user:realm" pairs obj's HA1 tables should hold, as an object. */
static json_t *wanted_pairs(struct store *st, const json_t *obj, struct ucsh_err *err)
{
	json_t *realms = principal_pool_domains(st, str_of(obj, "RegistrarPool"), err);
	if (!realms)
		return NULL;
	json_t *names = principal_usernames(obj), *pairs = json_object(), *u, *r;
	size_t i, j;
	json_array_foreach(names, i, u) {
		json_array_foreach(realms, j, r) {
			char *key = xasprintf("%s:%s", json_string_value(u), json_string_value(r));
			json_object_set_new(pairs, key, json_string(json_string_value(u)));
			free(key);
		}
	}
	json_decref(names);
	json_decref(realms);
	return pairs;
}

/* The entries of table whose "user:realm" is wanted: a new object. */
static json_t *prune(const json_t *table, const json_t *wanted)
{
	json_t *kept = json_object(), *v;
	const char *key;
	json_object_foreach((json_t *)table, key, v)
		if (json_object_get(wanted, key))
			json_object_set(kept, key, v);
	return kept;
}

/* After obj's names or pool changed: drop the HA1 values that no longer
 * apply (an old extension must not keep signing in) and say which names
 * need the PIN set again. */
static int refresh_pin(struct cmd_ctx *ctx, struct store *st, const json_t *obj)
{
	static const char *const tables[] = { "Ha1Md5", "Ha1Sha256" };
	const char *sip = str_of(obj, "SipAddress");
	json_t *pin = NULL, *wanted = NULL, *changes = json_object(), *missing = json_array();
	struct ucsh_err err;
	int rc = store_get(st, "ClientPin", sip, &pin, &err);
	if (rc == 1 && json_is_string(json_object_get(pin, "PinHash"))) {
		const char *key;
		json_t *user;
		if (!(wanted = wanted_pairs(st, obj, &err)))
			rc = -1;
		for (size_t i = 0; wanted && i < UCSH_ARRAY_LEN(tables); i++) {
			json_t *table = json_object_get(pin, tables[i]);
			json_t *kept = prune(table, wanted);
			if (json_object_size(kept) != json_object_size(table))
				json_object_set(changes, tables[i], kept);
			json_decref(kept);
		}
		json_object_foreach(wanted, key, user)
			if (!json_object_get(json_object_get(pin, "Ha1Md5"), key) &&
			    !has_string(missing, json_string_value(user)))
				json_array_append(missing, user);
		if (json_object_size(changes))
			rc = store_update(st, "ClientPin", sip, changes, &err);
	}
	if (rc >= 0 && json_array_size(missing)) {
		char *list = join(missing, "");
		cmd_warning(ctx, "the PIN of %s was not set for signing in as %s: set it again with "
			    "Set-CsClientPin -Identity %s", sip, list, sip);
		free(list);
	}
	json_decref(pin);
	json_decref(wanted);
	json_decref(changes);
	json_decref(missing);
	return rc < 0 ? storecmd_error(ctx, st, &err) : 0;
}

int principal_update(struct cmd_ctx *ctx, const json_t *old, json_t *changes, const char *what,
		     bool passthru)
{
	const char *kind = value_object_type(old);
	const char *key = str_of(old, "SipAddress");
	char action[64];
	snprintf(action, sizeof(action), "Set %s", what);
	if (!cmd_should_process(ctx, action, key))
		return cmd_cancelled(ctx) ? -1 : 0;
	struct store *st = cmd_store(ctx);
	if (!st)
		return -1;
	struct ucsh_err err;
	err_clear(&err);
	const char *sip = str_of(changes, "SipAddress");
	const char *line = str_of(changes, "LineURI");
	int depth = store_transaction_depth(st);
	if (store_begin(st, &err) || check_unique(st, kind, key, sip, line, &err))
		return txn_fail(ctx, st, depth, &err);
	int rc = store_update(st, kind, key, changes, &err);
	if (rc == 0)
		err_set(&err, "the %s %s was removed meanwhile", what, key);
	if (rc <= 0 || store_commit(st, &err))
		return txn_fail(ctx, st, depth, &err);
	json_t *now = NULL;
	const char *new_key = sip ? sip : key;
	if (store_get(st, kind, new_key, &now, &err) != 1)
		return cmd_fail(ctx, NULL, "the %s %s cannot be read back: %s", what, new_key, err.msg);
	rc = names_change(old, changes) ? refresh_pin(ctx, st, now) : 0;
	if (rc == 0 && passthru)
		rc = storecmd_emit(ctx, kind, now);
	json_decref(now);
	return rc;
}

/* ---- Completion and small helpers -------------------------------------- */

/* SIP addresses may be typed without sip:. */
static json_t *complete_sip(struct shell *sh, const char *kind, const char *prefix)
{
	if (str_iprefix(prefix, "sip:") || str_iprefix("sip:", prefix))
		return storecmd_complete_keys(sh, kind, "SipAddress", prefix);
	char *full = xasprintf("sip:%s", prefix);
	json_t *out = storecmd_complete_keys(sh, kind, "SipAddress", full);
	free(full);
	return out;
}

json_t *principal_complete_user(struct shell *sh, const char *prefix)
{
	return complete_sip(sh, "User", prefix);
}

json_t *principal_complete_cap(struct shell *sh, const char *prefix)
{
	return complete_sip(sh, "CommonAreaPhone", prefix);
}

json_t *principal_complete_any(struct shell *sh, const char *prefix)
{
	json_t *out = complete_sip(sh, "User", prefix);
	json_t *caps = complete_sip(sh, "CommonAreaPhone", prefix);
	json_array_extend(out, caps);
	json_decref(caps);
	return out;
}

json_t *principal_complete_pool(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "Pool", "Identity", prefix);
}

const char **principal_strv(const json_t *arr)
{
	const char **v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	size_t i, n = 0;
	json_t *s;
	json_array_foreach(arr, i, s)
		if (json_is_string(s))
			v[n++] = json_string_value(s);
	return v;
}
