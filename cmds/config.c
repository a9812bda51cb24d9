/*
 * config: the configuration nouns of Lync that hold settings rather than
 * things: registrar configuration, PIN policy, UC phone configuration and
 * device update configuration. Each has a Global instance, made on first
 * start, and may have one per site (site:Redmond) that overrides it for the
 * phones of that site; PIN policies may also be per-user (Tag:Name), for
 * the users whose PinPolicy names them.
 *
 * The four nouns behave alike, so one table (config_kinds) says what is
 * particular to each: its bounds, its list properties and the rules that
 * tie properties together; the handlers are shared. Lync's types and
 * ranges are kept (MinEndpointExpiration 300..900, MinPasswordLength
 * 4..24, ...) so that old scripts and habits carry over. Time spans are
 * stored as whole seconds and accept 00:10:00, 10m or 600.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "storecmd.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* A whole-number property and the values it takes. */
struct config_bound {
	const char *prop;
	long long min, max;
	bool seconds;  /* a time span: shown as hh:mm:ss in messages */
	bool nullable; /* $null is a value of its own (MaximumLogonAttempts) */
};

/* A list property edited as Lync's PSListModifier: an array replaces it,
 * @{Add=...; Remove=...; Replace=...} edits it. */
struct config_list {
	const char *prop;
	int (*check)(const char *item, char **out, struct ucsh_err *err);
};

struct config_kind {
	const char *kind;  /* the store kind, also the noun after "Cs" */
	const char *what;  /* as the user says it, in messages */
	bool tags;         /* per-user instances (Tag:Name) besides Global and sites */
	const struct config_bound *bounds; /* terminated by prop NULL */
	const struct config_list *lists;   /* terminated by prop NULL; may be NULL */
	/* Rules across properties, on the object as it would be stored. */
	int (*check)(const json_t *merged, const json_t *changes, struct ucsh_err *err);
};

/* ---- Values in messages ----------------------------------------------- */

/* 600 -> "00:10:00"; 864000 -> "10.00:00:00", as Lync writes time spans. */
static void format_span(long long s, char *buf, size_t n)
{
	if (s >= 86400)
		snprintf(buf, n, "%lld.%02lld:%02lld:%02lld", s / 86400, s % 86400 / 3600,
			 s % 3600 / 60, s % 60);
	else
		snprintf(buf, n, "%02lld:%02lld:%02lld", s / 3600, s % 3600 / 60, s % 60);
}

static void format_bound(const struct config_bound *b, long long v, char *buf, size_t n)
{
	if (b->seconds)
		format_span(v, buf, n);
	else
		snprintf(buf, n, "%lld", v);
}

/* How a property's value reads in a message: "-Prop 700" when the user gave
 * it, "the stored Prop 600" when it comes from the store. */
static void describe(const json_t *merged, const json_t *changes, const char *prop, char *buf,
		     size_t n)
{
	long long v = json_integer_value(json_object_get(merged, prop));
	if (json_object_get(changes, prop))
		snprintf(buf, n, "-%s %lld", prop, v);
	else
		snprintf(buf, n, "the stored %s %lld", prop, v);
}

/* ---- The rules of each kind ------------------------------------------- */

static int check_bounds(const struct config_kind *ck, const json_t *changes, struct ucsh_err *err)
{
	for (const struct config_bound *b = ck->bounds; b->prop; b++) {
		json_t *v = json_object_get(changes, b->prop);
		if (!v || (json_is_null(v) && b->nullable))
			continue;
		char lo[32], hi[32], got[32] = "$null";
		format_bound(b, b->min, lo, sizeof(lo));
		format_bound(b, b->max, hi, sizeof(hi));
		if (json_is_integer(v))
			format_bound(b, json_integer_value(v), got, sizeof(got));
		if (json_is_integer(v) && json_integer_value(v) >= b->min &&
		    json_integer_value(v) <= b->max)
			continue;
		err_set(err, "-%s %s is out of range", b->prop, got);
		return err_hint(err, "give %s from %s to %s%s",
				b->seconds ? "a time span" : "a whole number", lo, hi,
				b->nullable ? ", or $null" : "");
	}
	return 0;
}

/* Endpoint expirations: Min <= Default <= Max, whichever of them changed. */
static int check_registrar(const json_t *merged, const json_t *changes, struct ucsh_err *err)
{
	static const char *const order[] = { "MinEndpointExpiration", "DefaultEndpointExpiration",
					     "MaxEndpointExpiration" };
	for (size_t i = 0; i < 2; i++) {
		json_t *lo = json_object_get(merged, order[i]), *hi = json_object_get(merged, order[i + 1]);
		if (!json_is_integer(lo) || !json_is_integer(hi) ||
		    json_integer_value(lo) <= json_integer_value(hi))
			continue;
		char a[80], b[80];
		describe(merged, changes, order[i], a, sizeof(a));
		describe(merged, changes, order[i + 1], b, sizeof(b));
		err_set(err, "%s is above %s", a, b);
		return err_hint(err, "MinEndpointExpiration <= DefaultEndpointExpiration <= "
				"MaxEndpointExpiration must hold; give several of them together if need be");
	}
	return 0;
}

/* Lync's rule: PINs that expire must not come back at once. */
static int check_pin_policy(const json_t *merged, const json_t *changes, struct ucsh_err *err)
{
	json_int_t life = json_integer_value(json_object_get(merged, "PINLifetime"));
	json_int_t history = json_integer_value(json_object_get(merged, "PINHistoryCount"));
	if (life == 0 || history > 0)
		return 0;
	char a[80], b[80];
	describe(merged, changes, "PINLifetime", a, sizeof(a));
	describe(merged, changes, "PINHistoryCount", b, sizeof(b));
	err_set(err, "%s needs a PIN history: %s keeps none", a, b);
	return err_hint(err, "PINs that expire need -PINHistoryCount 1 or more, so that the old "
			"PIN cannot be set again at once");
}

/* Watson, CELog: letters, digits, '_' and '-'. */
static int check_log_type(const char *item, char **out, struct ucsh_err *err)
{
	size_t n = strlen(item);
	if (n == 0 || n > 64 || strspn(item, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					   "0123456789_-") != n) {
		err_set(err, "-ValidLogFileTypes: '%s' is not a log file type", item);
		return err_hint(err, "a type is a word of letters and digits (Watson, CELog)");
	}
	*out = xstrdup(item);
	return 0;
}

/* .clg, .dmp: a dot and letters or digits, lower case; the dot may be left out. */
static int check_log_extension(const char *item, char **out, struct ucsh_err *err)
{
	const char *s = item[0] == '.' ? item + 1 : item;
	size_t n = strlen(s);
	if (n == 0 || n > 16 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					"0123456789") != n) {
		err_set(err, "-ValidLogFileExtensions: '%s' is not a file extension", item);
		return err_hint(err, "an extension is a dot and letters or digits (.clg, .dmp)");
	}
	*out = xasprintf(".%s", s);
	for (char *p = *out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

#define BOUND(p, lo, hi, ...) { .prop = p, .min = lo, .max = hi, __VA_ARGS__ }

static const struct config_kind config_kinds[] = {
	{ .kind = "RegistrarConfiguration", .what = "registrar configuration",
	  .bounds = (const struct config_bound[]){
		BOUND("MinEndpointExpiration", 300, 900),
		BOUND("MaxEndpointExpiration", 300, 900),
		BOUND("DefaultEndpointExpiration", 300, 900),
		BOUND("MaxEndpointsPerUser", 1, 64),
		{ 0 } },
	  .check = check_registrar },
	{ .kind = "PinPolicy", .what = "PIN policy", .tags = true,
	  .bounds = (const struct config_bound[]){
		BOUND("MinPasswordLength", 4, 24),
		BOUND("MaximumLogonAttempts", 1, 999, .nullable = true),
		BOUND("PINHistoryCount", 0, 20),
		BOUND("PINLifetime", 0, 999),
		{ 0 } },
	  .check = check_pin_policy },
	{ .kind = "UCPhoneConfiguration", .what = "UC phone configuration",
	  .bounds = (const struct config_bound[]){
		BOUND("PhoneLockTimeout", 1, 3599, .seconds = true),
		BOUND("MinPhonePinLength", 4, 15),
		BOUND("VoiceDiffServTag", 0, 63),
		BOUND("Voice8021p", 0, 7),
		BOUND("CalendarPollInterval", 1, 3600, .seconds = true),
		{ 0 } } },
	{ .kind = "DeviceUpdateConfiguration", .what = "device update configuration",
	  .bounds = (const struct config_bound[]){
		BOUND("MaxLogFileSize", 1, 4294967295LL),
		BOUND("MaxLogCacheLimit", 1, 4294967295LL),
		BOUND("LogCleanUpInterval", 86400, 365 * 86400, .seconds = true),
		BOUND("LogFlushInterval", 60, 3600, .seconds = true),
		{ 0 } },
	  .lists = (const struct config_list[]){
		{ "ValidLogFileTypes", check_log_type },
		{ "ValidLogFileExtensions", check_log_extension },
		{ 0 } } },
};

/* The kind a cmdlet works on: its noun less "Cs" (Set-CsPinPolicy: PinPolicy). */
static const struct config_kind *config_kind_of(const struct cmd_ctx *ctx)
{
	const char *noun = strchr(ctx->entry->name, '-') + 3;
	for (size_t i = 0; i < UCSH_ARRAY_LEN(config_kinds); i++)
		if (str_ieq(config_kinds[i].kind, noun))
			return &config_kinds[i];
	return NULL; /* unreachable: every entry below names one of the kinds */
}

/* ---- Identities --------------------------------------------------------- */

/*
 * Global, site:NAME and, for PIN policies, Tag:NAME (or plain NAME, as
 * Lync writes per-user policies). *key: caller frees. Service scopes
 * (service:Registrar:pool01...) are Lync's but not ucsh's.
 */
static int config_key(const struct config_kind *ck, const char *id, char **key,
		      struct ucsh_err *err)
{
	const char *others = ck->tags ? ", site:NAME or a per-user policy name" : " or site:NAME";
	if (!id || !*id || str_ieq(id, "global")) {
		*key = xstrdup("Global");
		return 0;
	}
	if (str_iprefix("site:", id) && id[5]) {
		*key = xasprintf("site:%s", id + 5);
		return 0;
	}
	const char *name = ck->tags && str_iprefix("tag:", id) ? id + 4 : id;
	if (ck->tags && *name && !strchr(name, ':') && !wildcard_has_meta(name)) {
		*key = xasprintf("Tag:%s", name);
		return 0;
	}
	if (str_iprefix("service:", id)) {
		err_set(err, "'%s': ucsh keeps %s at Global and site scope, not per service",
			id, ck->what);
		return err_hint(err, "give Global%s", others);
	}
	err_set(err, "'%s' is not a scope of %s", id, ck->what);
	return err_hint(err, "give Global%s", others);
}

static json_t *get_or_report(struct cmd_ctx *ctx, const struct config_kind *ck, const char *key)
{
	return storecmd_get(ctx, ck->kind, key, ck->what);
}

static int config_get_process(struct cmd_ctx *ctx, json_t *input)
{
	const struct config_kind *ck = config_kind_of(ctx);
	const char *id = cmd_arg_str(ctx, "Identity");
	struct ucsh_err err;
	if (!id || wildcard_has_meta(id))
		return storecmd_query_identity(ctx, ck->kind, id, cmd_arg(ctx, "Filter"));
	char *key;
	if (config_key(ck, id, &key, &err))
		return cmd_error_err(ctx, &err);
	json_t *obj = get_or_report(ctx, ck, key);
	int rc = obj ? storecmd_emit(ctx, ck->kind, obj) : 0;
	json_decref(obj);
	free(key);
	return rc;
}

/* ---- Lists ------------------------------------------------------------- */

/* Append the checked items of v (a string or an array) to out, or remove
 * them from it; no item twice. */
static int list_edit(const struct config_list *cl, json_t *out, const json_t *v, bool add,
		     struct ucsh_err *err)
{
	for (size_t i = 0; i < value_count(v); i++) {
		const json_t *item = value_item(v, i);
		char *norm;
		if (!json_is_string(item)) {
			err_set(err, "-%s takes names, not '%s'", cl->prop, value_type(item));
			return err_hint(err, "e.g. -%s a,b or @{Add='a'}", cl->prop);
		}
		if (cl->check(json_string_value(item), &norm, err))
			return -1;
		size_t j;
		json_t *have;
		json_array_foreach(out, j, have)
			if (str_ieq(json_string_value(have), norm))
				break;
		if (add && j == json_array_size(out))
			json_array_append_new(out, json_string(norm));
		else if (!add && j < json_array_size(out))
			json_array_remove(out, j);
		free(norm);
	}
	return 0;
}

/* @{Add=...; Remove=...; Replace=...} applied to current (Replace first). */
static int list_modify(const struct config_list *cl, json_t *out, const json_t *mod,
		       struct ucsh_err *err)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)mod, k, v)
		if (!str_ieq(k, "Add") && !str_ieq(k, "Remove") && !str_ieq(k, "Replace")) {
			err_set(err, "-%s: '%s' is not a list edit", cl->prop, k);
			return err_hint(err, "use @{Add=...}, @{Remove=...} or @{Replace=...}");
		}
	json_object_foreach((json_t *)mod, k, v)
		if (str_ieq(k, "Replace")) {
			json_array_clear(out);
			if (list_edit(cl, out, v, true, err))
				return -1;
		}
	json_object_foreach((json_t *)mod, k, v)
		if (!str_ieq(k, "Replace") && list_edit(cl, out, v, str_ieq(k, "Add"), err))
			return -1;
	return 0;
}

/* Turn each list parameter in changes into the list to store, from the
 * list in base (the stored object, or what a new one starts from). */
static int apply_lists(const struct config_kind *ck, const json_t *base, json_t *changes,
		       struct ucsh_err *err)
{
	for (const struct config_list *cl = ck->lists; cl && cl->prop; cl++) {
		json_t *arg = json_object_get(changes, cl->prop);
		if (!arg)
			continue;
		bool modifier = json_is_object(arg) && !value_is_scriptblock(arg);
		const json_t *cur = json_object_get(base, cl->prop);
		json_t *out = modifier && json_is_array(cur) ? json_deep_copy(cur) : json_array();
		int rc = modifier ? list_modify(cl, out, arg, err)
				  : list_edit(cl, out, arg, true, err);
		if (rc == 0)
			json_object_set(changes, cl->prop, out);
		json_decref(out);
		if (rc)
			return -1;
	}
	return 0;
}

/* Bounds, lists and cross-property rules of changes over base; merged is
 * base with the changes, as it would be stored (caller owns). */
static int config_check(const struct config_kind *ck, const json_t *base, json_t *changes,
			json_t **merged, struct ucsh_err *err)
{
	*merged = NULL;
	if (check_bounds(ck, changes, err) || apply_lists(ck, base, changes, err))
		return -1;
	*merged = json_deep_copy(base);
	json_object_update(*merged, changes);
	return ck->check ? ck->check(*merged, changes, err) : 0;
}

/* ---- Set, New, Remove ----------------------------------------------- */

static int config_set_process(struct cmd_ctx *ctx, json_t *input)
{
	const struct config_kind *ck = config_kind_of(ctx);
	struct ucsh_err err;
	char *key;
	if (config_key(ck, cmd_arg_str(ctx, "Identity"), &key, &err))
		return cmd_error_err(ctx, &err);
	json_t *changes = storecmd_props(ctx, ck->kind, ALIASES("Identity", "PassThru"));
	json_t *stored = NULL, *merged = NULL;
	int rc;
	if (json_object_size(changes) == 0)
		rc = cmd_error(ctx, "name at least one property to change",
			       "%s was given nothing to change", ctx->entry->name);
	else if (!(stored = get_or_report(ctx, ck, key)))
		rc = 0;
	else if (config_check(ck, stored, changes, &merged, &err))
		rc = cmd_error_err(ctx, &err);
	else
		rc = storecmd_update(ctx, ck->kind, key, changes, ck->what,
				     cmd_arg_bool(ctx, "PassThru"));
	json_decref(merged);
	json_decref(stored);
	json_decref(changes);
	free(key);
	return rc;
}

/* site:NAME of a site that exists, spelled as the site is. */
static int site_scope(struct store *st, char **key, struct ucsh_err *err)
{
	char *site_key = xasprintf("Site:%s", *key + 5);
	json_t *site = NULL;
	int rc = store_get(st, "Site", site_key, &site, err);
	if (rc == 0) {
		err_set(err, "-Identity %s: there is no site '%s'", *key, site_key);
		err_hint(err, "Get-CsSite lists the sites; New-CsSite -Identity %s creates it",
			 site_key + 5);
	} else if (rc == 1) {
		free(*key);
		*key = xasprintf("site:%s", json_string_value(json_object_get(site, "Identity")) + 5);
	}
	json_decref(site);
	free(site_key);
	return rc == 1 ? 0 : -1;
}

/* What a new instance starts from: the Global one, less what is its own. */
static json_t *config_base(struct cmd_ctx *ctx, const struct config_kind *ck)
{
	json_t *global = get_or_report(ctx, ck, "Global");
	if (!global)
		return NULL;
	json_object_del(global, "Identity");
	json_object_del(global, "Description");
	return global;
}

static int config_new_process(struct cmd_ctx *ctx, json_t *input)
{
	const struct config_kind *ck = config_kind_of(ctx);
	struct store *st = cmd_store(ctx);
	struct ucsh_err err;
	char *key, hint[96];
	if (!st)
		return -1;
	if (config_key(ck, cmd_arg_str(ctx, "Identity"), &key, &err))
		return cmd_error_err(ctx, &err);
	if (strcmp(key, "Global") == 0) {
		free(key);
		snprintf(hint, sizeof(hint), "change it with Set-Cs%s -Identity Global", ck->kind);
		return cmd_error(ctx, hint, "the Global %s always exists", ck->what);
	}
	if (str_iprefix("site:", key) && site_scope(st, &key, &err)) {
		free(key);
		return cmd_error_err(ctx, &err);
	}
	json_t *changes = storecmd_props(ctx, ck->kind, ALIASES("Identity"));
	json_t *base = config_base(ctx, ck), *merged = NULL;
	int rc = 0;
	if (base && config_check(ck, base, changes, &merged, &err))
		rc = cmd_error_err(ctx, &err);
	else if (base) {
		json_object_set_new(merged, "Identity", json_string(key));
		rc = storecmd_insert(ctx, ck->kind, key, merged, ck->what);
	}
	json_decref(merged);
	json_decref(base);
	json_decref(changes);
	free(key);
	return rc;
}

static int config_remove_process(struct cmd_ctx *ctx, json_t *input)
{
	const struct config_kind *ck = config_kind_of(ctx);
	struct ucsh_err err;
	char *key, hint[96];
	if (config_key(ck, cmd_arg_str(ctx, "Identity"), &key, &err))
		return cmd_error_err(ctx, &err);
	snprintf(hint, sizeof(hint), "change its properties with Set-Cs%s instead", ck->kind);
	int rc = strcmp(key, "Global") == 0
			 ? cmd_error(ctx, hint, "the Global %s cannot be removed", ck->what)
			 : storecmd_delete(ctx, ck->kind, key, ck->what);
	free(key);
	return rc;
}

/* ---- Live completion ---------------------------------------------------- */

static json_t *registrar_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "RegistrarConfiguration", "Identity", prefix);
}

static json_t *pin_policy_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "PinPolicy", "Identity", prefix);
}

static json_t *ucphone_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "UCPhoneConfiguration", "Identity", prefix);
}

static json_t *device_update_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "DeviceUpdateConfiguration", "Identity", prefix);
}

/* ---- Parameters --------------------------------------------------------- */

#define SCOPES "Global or site:Name"
#define PIN_SCOPES "Global, site:Name or a per-user policy (Tag:Name, or just Name)"

#define GET_PARAMS(complete_fn, scopes) \
	{ .name = "Identity", .type = PT_STRING, .position = 0, \
	  .flags = PF_PIPE_VALUE | PF_PIPE_PROP, \
	  .help = "The settings to show: " scopes "; wildcards (site:*) list several. " \
		  "Without it, all of them, Global first.", \
	  .complete = complete_fn }, \
	{ .name = "Filter", .type = PT_OBJECT, .position = POS_NAMED, \
	  .help = "Which settings: a wildcard on the identity as in Lync ('site:*'), or a " \
		  "condition on $_ ({ $_.Identity -like 'site:*' })." }, \
	{ 0 }

#define SET_IDENTITY(complete_fn, scopes) \
	{ .name = "Identity", .type = PT_STRING, .position = 0, \
	  .flags = PF_PIPE_VALUE | PF_PIPE_PROP, \
	  .help = "The settings to change: " scopes "; Global when not given.", \
	  .complete = complete_fn }
#define NEW_SCOPES "site:Name, for a site that exists"
#define NEW_PIN_SCOPES NEW_SCOPES ", or the name of a per-user policy (Name or Tag:Name)"
#define NEW_IDENTITY(scopes) \
	{ .name = "Identity", .type = PT_STRING, .position = 0, \
	  .flags = PF_MANDATORY | PF_PIPE_PROP, \
	  .help = "The scope of the new settings: " scopes ". Global always exists." }
#define REMOVE_IDENTITY(complete_fn, scopes) \
	{ .name = "Identity", .type = PT_STRING, .position = 0, \
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, \
	  .help = "The settings to remove: " scopes "; not Global.", \
	  .complete = complete_fn }, \
	{ 0 }
#define PASSTHRU \
	{ .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED, \
	  .help = "Writes the changed settings down the pipeline." }

#define PROP(n, t, h) \
	{ .name = n, .type = t, .position = POS_NAMED, .flags = PF_PIPE_PROP, .help = h }
#define ENUM_PROP(n, vals, h) \
	{ .name = n, .type = PT_ENUM, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .values = vals, .help = h }

#define REGISTRAR_PROPS \
	PROP("MinEndpointExpiration", PT_INT, "The shortest registration the registrar grants, " \
	     "in seconds: a phone asking for less gets this (300 to 900; 300 by default)."), \
	PROP("MaxEndpointExpiration", PT_INT, "The longest registration the registrar grants, " \
	     "in seconds: a phone asking for more gets this (300 to 900; 900 by default)."), \
	PROP("DefaultEndpointExpiration", PT_INT, "The registration granted, in seconds, to a " \
	     "phone that asks for none (300 to 900, between the minimum and the maximum; 600 " \
	     "by default)."), \
	PROP("MaxEndpointsPerUser", PT_INT, "How many devices one user may have registered at " \
	     "once (1 to 64; 8 by default): one more replaces the oldest."), \
	PROP("EnableDHCPServer", PT_BOOL, "Whether the registrar answers the DHCPINFORM of " \
	     "phones with the registrar and web service options (120 and 43), for networks " \
	     "whose DHCP server cannot carry them ($false by default).")

#define PIN_POLICY_PROPS \
	PROP("Description", PT_STRING, "Free text about the policy, e.g. whom it is for."), \
	PROP("MinPasswordLength", PT_INT, "The fewest digits a PIN may have (4 to 24)."), \
	PROP("MaximumLogonAttempts", PT_INT, "How many wrong PINs in a row lock the PIN (1 to " \
	     "999); $null lets ucsh choose by PIN length, as Lync does."), \
	PROP("PINHistoryCount", PT_INT, "How many earlier PINs a new PIN may not repeat (0 to " \
	     "20; 0: any). Needs to be 1 or more when PINs expire."), \
	PROP("PINLifetime", PT_INT, "How many days a PIN stays valid (0 to 999; 0: it never " \
	     "expires)."), \
	PROP("AllowCommonPatterns", PT_BOOL, "Whether PINs like 1234, 1111 or the user's own " \
	     "extension are accepted ($false by default).")

static const char *const security_modes[] = { "Low", "Medium", "High", NULL };
static const char *const logging_levels[] = { "Off", "Low", "Medium", "High", NULL };

#define UCPHONE_PROPS \
	PROP("EnforcePhoneLock", PT_BOOL, "Whether phones lock themselves after " \
	     "PhoneLockTimeout without use ($true by default)."), \
	PROP("PhoneLockTimeout", PT_TIMESPAN, "How long a phone stays unused before it locks: " \
	     "00:10:00, 10m or 600 (seconds); less than an hour (10 minutes by default)."), \
	PROP("MinPhonePinLength", PT_INT, "The fewest digits of the PIN that unlocks a phone " \
	     "(4 to 15; 6 by default)."), \
	ENUM_PROP("SIPSecurityMode", security_modes, "What phones require of SIP: Low (any " \
		  "authentication or transport), Medium (authentication required), High " \
		  "(authentication and TLS; the default)."), \
	PROP("VoiceDiffServTag", PT_INT, "The DSCP value phones mark voice packets with (0 to " \
	     "63; 40 by default)."), \
	PROP("Voice8021p", PT_INT, "The 802.1p priority of voice traffic (0 to 7; 0 by " \
	     "default), for switches that honour it."), \
	ENUM_PROP("LoggingLevel", logging_levels, "How much phones log for upload to the " \
		  "Device Update service: Off (the default), Low, Medium or High."), \
	PROP("CalendarPollInterval", PT_TIMESPAN, "How often phones fetch the user's calendar: " \
	     "00:03:00, 3m or 180; at most an hour (3 minutes by default).")

#define DEVICE_UPDATE_PROPS \
	PROP("MaxLogFileSize", PT_INT, "The largest log file a phone may upload, in bytes " \
	     "(1024000 by default; 1mb works)."), \
	PROP("MaxLogCacheLimit", PT_INT, "How many KiB of log uploads ucshd holds in memory " \
	     "at once while phones send them (512000 by default); further uploads are told " \
	     "to retry later."), \
	PROP("ValidLogFileTypes", PT_OBJECT, "The kinds of log phones may upload (Watson, " \
	     "CELog): a list replaces them, @{Add='X'} or @{Remove='X'} edits them."), \
	PROP("ValidLogFileExtensions", PT_OBJECT, "The file extensions accepted for uploaded " \
	     "logs (.clg, .dmp, ...): a list replaces them, @{Add='.log'} or " \
	     "@{Remove='.bak'} edits them."), \
	PROP("LogCleanUpInterval", PT_TIMESPAN, "How long uploaded logs are kept: 10d, " \
	     "10.00:00:00 or 864000; from a day to a year (10 days by default)."), \
	PROP("LogFlushInterval", PT_TIMESPAN, "How often held logs are written out: 5m, " \
	     "00:05:00 or 300; from a minute to an hour (5 minutes by default).")

static const struct cmd_param get_registrar_params[] = { GET_PARAMS(registrar_complete, SCOPES) };
static const struct cmd_param set_registrar_params[] = {
	SET_IDENTITY(registrar_complete, SCOPES), REGISTRAR_PROPS, PASSTHRU, { 0 } };
static const struct cmd_param new_registrar_params[] = {
	NEW_IDENTITY(NEW_SCOPES), REGISTRAR_PROPS, { 0 } };
static const struct cmd_param remove_registrar_params[] = {
	REMOVE_IDENTITY(registrar_complete, SCOPES) };

static const struct cmd_param get_pin_policy_params[] = {
	GET_PARAMS(pin_policy_complete, PIN_SCOPES) };
static const struct cmd_param set_pin_policy_params[] = {
	SET_IDENTITY(pin_policy_complete, PIN_SCOPES), PIN_POLICY_PROPS, PASSTHRU, { 0 } };
static const struct cmd_param new_pin_policy_params[] = {
	NEW_IDENTITY(NEW_PIN_SCOPES), PIN_POLICY_PROPS, { 0 } };
static const struct cmd_param remove_pin_policy_params[] = {
	REMOVE_IDENTITY(pin_policy_complete, PIN_SCOPES) };

static const struct cmd_param get_ucphone_params[] = { GET_PARAMS(ucphone_complete, SCOPES) };
static const struct cmd_param set_ucphone_params[] = {
	SET_IDENTITY(ucphone_complete, SCOPES), UCPHONE_PROPS, PASSTHRU, { 0 } };
static const struct cmd_param new_ucphone_params[] = {
	NEW_IDENTITY(NEW_SCOPES), UCPHONE_PROPS, { 0 } };
static const struct cmd_param remove_ucphone_params[] = {
	REMOVE_IDENTITY(ucphone_complete, SCOPES) };

static const struct cmd_param get_device_update_params[] = {
	GET_PARAMS(device_update_complete, SCOPES) };
static const struct cmd_param set_device_update_params[] = {
	SET_IDENTITY(device_update_complete, SCOPES), DEVICE_UPDATE_PROPS, PASSTHRU, { 0 } };
static const struct cmd_param new_device_update_params[] = {
	NEW_IDENTITY(NEW_SCOPES), DEVICE_UPDATE_PROPS, { 0 } };
static const struct cmd_param remove_device_update_params[] = {
	REMOVE_IDENTITY(device_update_complete, SCOPES) };

/* ---- Entries ------------------------------------------------------------ */

#define NEW_DESCRIPTION(what) \
	"Creates " what " for a site (site:Redmond), which then applies to that site " \
	"instead of the Global one. Properties not given are copied from the Global " \
	"settings (Lync starts from its built-in defaults instead). A site has at most one."
#define REMOVE_DESCRIPTION(what) \
	"Deletes the " what " of a site, so that the Global settings apply there again. " \
	"The Global settings cannot be removed (Lync resets them instead): change them " \
	"with Set-*."

const struct cmd_entry cmd_get_csregistrarconfiguration_entry = {
	.name = "Get-CsRegistrarConfiguration",
	.synopsis = "Shows how the registrar treats registrations.",
	.description = "Writes the registrar settings: how long registrations last "
		       "(MinEndpointExpiration, DefaultEndpointExpiration, MaxEndpointExpiration), "
		       "how many devices a user may register (MaxEndpointsPerUser) and whether "
		       "the registrar answers DHCP (EnableDHCPServer). The Global settings apply "
		       "unless a site has its own.",
	.params = get_registrar_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsRegistrarConfiguration", "Shows every collection of registrar settings." },
		{ "Get-CsRegistrarConfiguration -Identity site:Redmond", "Shows one site's settings." },
		{ "Get-CsRegistrarConfiguration -Filter 'site:*'", "Shows the site settings only." },
		{ 0 } },
	.outputs = "RegistrarConfiguration",
	.role = ROLE_VIEW_ONLY,
	.process = config_get_process,
};

const struct cmd_entry cmd_set_csregistrarconfiguration_entry = {
	.name = "Set-CsRegistrarConfiguration",
	.synopsis = "Changes how the registrar treats registrations.",
	.description = "Sets the properties named and leaves the others. The expirations are "
		       "checked together with the stored ones: MinEndpointExpiration <= "
		       "DefaultEndpointExpiration <= MaxEndpointExpiration must hold. ucshd applies "
		       "the change to the next REGISTER, without a restart.",
	.params = set_registrar_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsRegistrarConfiguration -MaxEndpointsPerUser 4",
		  "Lets each user register four devices at once (Global settings)." },
		{ "Set-CsRegistrarConfiguration -Identity site:Redmond -DefaultEndpointExpiration 900 "
		  "-MaxEndpointExpiration 900", "Makes registrations in Redmond last 15 minutes." },
		{ "Get-CsRegistrarConfiguration | Set-CsRegistrarConfiguration -EnableDHCPServer $false",
		  "Changes every collection." },
		{ 0 } },
	.outputs = "RegistrarConfiguration (with -PassThru)",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = config_set_process,
};

const struct cmd_entry cmd_new_csregistrarconfiguration_entry = {
	.name = "New-CsRegistrarConfiguration",
	.synopsis = "Creates registrar settings for a site.",
	.description = NEW_DESCRIPTION("registrar settings"),
	.params = new_registrar_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsRegistrarConfiguration -Identity site:Redmond -MaxEndpointsPerUser 4",
		  "Gives Redmond its own settings, with four devices per user." },
		{ 0 } },
	.outputs = "RegistrarConfiguration",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = config_new_process,
};

const struct cmd_entry cmd_remove_csregistrarconfiguration_entry = {
	.name = "Remove-CsRegistrarConfiguration",
	.synopsis = "Removes the registrar settings of a site.",
	.description = REMOVE_DESCRIPTION("registrar settings"),
	.params = remove_registrar_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsRegistrarConfiguration -Identity site:Redmond -Force",
		  "Redmond follows the Global settings again." },
		{ 0 } },
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = config_remove_process,
};

const struct cmd_entry cmd_get_cspinpolicy_entry = {
	.name = "Get-CsPinPolicy",
	.synopsis = "Shows the rules PINs must follow.",
	.description = "Writes the PIN policies: the Global one, those of sites (site:Name) and "
		       "per-user policies (Tag:Name), which a user is given through their "
		       "PinPolicy property. With no -Identity, all of them, Global first.",
	.params = get_pin_policy_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsPinPolicy", "Shows every PIN policy." },
		{ "Get-CsPinPolicy -Identity Global", "Shows the Global policy." },
		{ "Get-CsPinPolicy -Filter 'Tag:*'", "Shows the per-user policies." },
		{ 0 } },
	.outputs = "PinPolicy",
	.role = ROLE_VIEW_ONLY,
	.process = config_get_process,
};

const struct cmd_entry cmd_set_cspinpolicy_entry = {
	.name = "Set-CsPinPolicy",
	.synopsis = "Changes the rules PINs must follow.",
	.description = "Sets the properties named and leaves the others. The rules apply to PINs "
		       "set from now on; PINs already set keep working until they expire "
		       "(PINLifetime). PINs that expire need a PIN history (PINHistoryCount 1 or "
		       "more), as in Lync.",
	.params = set_pin_policy_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsPinPolicy -MinPasswordLength 6", "Asks for PINs of six digits or more "
		  "(Global policy)." },
		{ "Set-CsPinPolicy -Identity site:Redmond -PINLifetime 90 -PINHistoryCount 5",
		  "Makes Redmond's PINs expire after 90 days, with no reuse of the last five." },
		{ "Get-CsPinPolicy | Set-CsPinPolicy -MaximumLogonAttempts 10",
		  "Locks PINs after ten wrong tries in every policy." },
		{ 0 } },
	.outputs = "PinPolicy (with -PassThru)",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = config_set_process,
};

const struct cmd_entry cmd_new_cspinpolicy_entry = {
	.name = "New-CsPinPolicy",
	.synopsis = "Creates a PIN policy for a site or for some users.",
	.description = "Creates a PIN policy for a site (site:Redmond), which applies to its "
		       "users instead of the Global one, or a per-user policy (a plain name, "
		       "stored as Tag:Name) that users are given with their PinPolicy property. "
		       "Properties not given are copied from the Global policy (Lync starts from "
		       "its built-in defaults instead).",
	.params = new_pin_policy_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsPinPolicy -Identity site:Redmond -MinPasswordLength 8",
		  "Asks for longer PINs in Redmond." },
		{ "New-CsPinPolicy -Identity LobbyPhones -AllowCommonPatterns $true "
		  "-Description 'Common area phones'", "Creates the per-user policy Tag:LobbyPhones." },
		{ 0 } },
	.outputs = "PinPolicy",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = config_new_process,
};

const struct cmd_entry cmd_remove_cspinpolicy_entry = {
	.name = "Remove-CsPinPolicy",
	.synopsis = "Removes a site's or a per-user PIN policy.",
	.description = "Deletes a PIN policy. Users that had a removed per-user policy follow "
		       "their site's or the Global policy again. The Global policy cannot be "
		       "removed (Lync resets it instead): change it with Set-CsPinPolicy.",
	.params = remove_pin_policy_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsPinPolicy -Identity site:Redmond -Force", "Redmond follows the Global "
		  "policy again." },
		{ "Remove-CsPinPolicy LobbyPhones -Force", "Removes a per-user policy." },
		{ 0 } },
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = config_remove_process,
};

const struct cmd_entry cmd_get_csucphoneconfiguration_entry = {
	.name = "Get-CsUCPhoneConfiguration",
	.synopsis = "Shows the settings delivered to the phones.",
	.description = "Writes the UC phone settings: phone lock, PIN length, SIP security, QoS "
		       "marking, logging and calendar polling. Phones receive them with the update "
		       "response; the Global settings apply unless a site has its own. Time spans "
		       "are shown in seconds.",
	.params = get_ucphone_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsUCPhoneConfiguration", "Shows every collection of phone settings." },
		{ "(Get-CsUCPhoneConfiguration Global).PhoneLockTimeout",
		  "Shows the Global lock timeout, in seconds." },
		{ 0 } },
	.outputs = "UCPhoneConfiguration",
	.role = ROLE_VIEW_ONLY,
	.process = config_get_process,
};

const struct cmd_entry cmd_set_csucphoneconfiguration_entry = {
	.name = "Set-CsUCPhoneConfiguration",
	.synopsis = "Changes the settings delivered to the phones.",
	.description = "Sets the properties named and leaves the others. Phones pick the change "
		       "up at their next update check.",
	.params = set_ucphone_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsUCPhoneConfiguration -SIPSecurityMode Medium", "Changes the Global "
		  "settings." },
		{ "Set-CsUCPhoneConfiguration -Identity site:Redmond -PhoneLockTimeout 00:30:00",
		  "Locks Redmond's phones after 30 minutes without use." },
		{ "Get-CsUCPhoneConfiguration | Set-CsUCPhoneConfiguration -LoggingLevel Low",
		  "Turns logging on everywhere." },
		{ 0 } },
	.outputs = "UCPhoneConfiguration (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = config_set_process,
};

const struct cmd_entry cmd_new_csucphoneconfiguration_entry = {
	.name = "New-CsUCPhoneConfiguration",
	.synopsis = "Creates phone settings for a site.",
	.description = NEW_DESCRIPTION("UC phone settings"),
	.params = new_ucphone_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsUCPhoneConfiguration -Identity site:Redmond -EnforcePhoneLock $false",
		  "Gives Redmond its own settings, without phone lock." },
		{ 0 } },
	.outputs = "UCPhoneConfiguration",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = config_new_process,
};

const struct cmd_entry cmd_remove_csucphoneconfiguration_entry = {
	.name = "Remove-CsUCPhoneConfiguration",
	.synopsis = "Removes the phone settings of a site.",
	.description = REMOVE_DESCRIPTION("UC phone settings"),
	.params = remove_ucphone_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsUCPhoneConfiguration -Identity site:Redmond -Force",
		  "Redmond's phones follow the Global settings again." },
		{ 0 } },
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = config_remove_process,
};

const struct cmd_entry cmd_get_csdeviceupdateconfiguration_entry = {
	.name = "Get-CsDeviceUpdateConfiguration",
	.synopsis = "Shows how the Device Update service treats uploaded logs.",
	.description = "Writes the device update settings: which logs phones may upload "
		       "(ValidLogFileTypes, ValidLogFileExtensions, MaxLogFileSize), how they are "
		       "buffered (MaxLogCacheLimit, LogFlushInterval) and how long they are kept "
		       "(LogCleanUpInterval). Time spans are shown in seconds.",
	.params = get_device_update_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsDeviceUpdateConfiguration", "Shows every collection of settings." },
		{ "(Get-CsDeviceUpdateConfiguration).ValidLogFileExtensions",
		  "Lists the accepted log file extensions." },
		{ 0 } },
	.outputs = "DeviceUpdateConfiguration",
	.role = ROLE_VIEW_ONLY,
	.process = config_get_process,
};

const struct cmd_entry cmd_set_csdeviceupdateconfiguration_entry = {
	.name = "Set-CsDeviceUpdateConfiguration",
	.synopsis = "Changes how the Device Update service treats uploaded logs.",
	.description = "Sets the properties named and leaves the others. The lists take a new "
		       "list, or Lync's @{Add=...; Remove=...; Replace=...} to edit the stored one.",
	.params = set_device_update_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsDeviceUpdateConfiguration -MaxLogFileSize 2mb -LogCleanUpInterval 14d",
		  "Accepts larger logs and keeps them two weeks (Global settings)." },
		{ "Set-CsDeviceUpdateConfiguration -ValidLogFileTypes @{Remove='CELog'}",
		  "Stops accepting CELog files." },
		{ "Get-CsDeviceUpdateConfiguration | Set-CsDeviceUpdateConfiguration -LogFlushInterval 00:02:00",
		  "Writes held logs out every two minutes everywhere." },
		{ 0 } },
	.outputs = "DeviceUpdateConfiguration (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = config_set_process,
};

const struct cmd_entry cmd_new_csdeviceupdateconfiguration_entry = {
	.name = "New-CsDeviceUpdateConfiguration",
	.synopsis = "Creates device update settings for a site.",
	.description = NEW_DESCRIPTION("device update settings"),
	.params = new_device_update_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsDeviceUpdateConfiguration -Identity site:Redmond -LogCleanUpInterval 30d",
		  "Keeps Redmond's phone logs for 30 days." },
		{ 0 } },
	.outputs = "DeviceUpdateConfiguration",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = config_new_process,
};

const struct cmd_entry cmd_remove_csdeviceupdateconfiguration_entry = {
	.name = "Remove-CsDeviceUpdateConfiguration",
	.synopsis = "Removes the device update settings of a site.",
	.description = REMOVE_DESCRIPTION("device update settings"),
	.params = remove_device_update_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsDeviceUpdateConfiguration -Identity site:Redmond -Force",
		  "Redmond follows the Global settings again." },
		{ 0 } },
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = config_remove_process,
};
