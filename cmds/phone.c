/*
 * phone: the phone inventory — Get-, New-, Set- and Remove-CsPhone — and
 * the model catalogue, Get-CsPhoneModel. A phone is known by its MAC
 * address, accepted in any common spelling and kept in one canonical form
 * (mac.h), so that a label, a switch's table and a provisioning file name
 * all find the same phone. The inventory is built for a million phones:
 * every filter of Get-CsPhone becomes a store condition that runs on the
 * store's indexes, never a scan in the shell. The checks every phone
 * passes, typed or imported, are here too (phone.h).
 */
#include "config.h"
#include "phone.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "mac.h"
#include "principal.h"
#include "shell.h"
#include "storecmd.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- The checks every phone passes ---------------------------------- */

static json_t *query_all(struct store *st, const char *kind, struct ucsh_err *err)
{
	struct store_cursor *cur;
	json_t *all = json_array(), *obj;
	int rc;
	if (store_query(st, kind, NULL, NULL, &cur, err) < 0) {
		json_decref(all);
		return NULL;
	}
	while ((rc = store_cursor_next(cur, &obj, err)) == 1)
		json_array_append_new(all, obj);
	store_cursor_free(cur);
	if (rc < 0) {
		json_decref(all);
		return NULL;
	}
	return all;
}

static char *lower(const char *s)
{
	char *l = xstrdup(s);
	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

int phone_refs_load(struct store *st, struct phone_refs *refs, struct ucsh_err *err)
{
	memset(refs, 0, sizeof(*refs));
	refs->st = st;
	refs->models = query_all(st, "PhoneModel", err);
	json_t *sites = refs->models ? query_all(st, "Site", err) : NULL;
	if (!sites)
		return -1;
	refs->sites = json_object();
	size_t i;
	json_t *site;
	json_array_foreach(sites, i, site) {
		json_t *id = json_object_get(site, "Identity");
		char *key = lower(json_string_value(id));
		json_object_set(refs->sites, key, id);
		free(key);
	}
	json_decref(sites);
	return 0;
}

void phone_refs_free(struct phone_refs *refs)
{
	json_decref(refs->models);
	json_decref(refs->sites);
	memset(refs, 0, sizeof(*refs));
}

static const char *prop_str(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

const json_t *phone_model_find(const struct phone_refs *refs, const char *brand,
			       const char *model)
{
	size_t i;
	json_t *m;
	if (!model)
		return NULL;
	json_array_foreach(refs->models, i, m) {
		if (!str_ieq(prop_str(m, "Model"), model))
			continue;
		if (!brand || str_ieq(prop_str(m, "Brand"), brand))
			return m;
	}
	return NULL;
}

char *phone_site_key(const char *site)
{
	return xasprintf("Site:%s", str_iprefix("site:", site) ? site + 5 : site);
}

/* Set obj's prop to v unless it already holds that text: most rows of an
 * import are already in normal form, and this spares them an allocation. */
static void set_text(json_t *obj, const char *prop, const char *v)
{
	const char *cur = prop_str(obj, prop);
	if (!cur || strcmp(cur, v) != 0)
		json_object_set_new(obj, prop, json_string(v));
}

static int bad_value(struct ucsh_err *err, const char *prop, const char *value, const char *why,
		     const char *hint)
{
	err_set(err, "%s '%.80s' %s", prop, value, why);
	err_hint(err, "%s", hint);
	return -1;
}

static int check_mac(json_t *obj, struct ucsh_err *err)
{
	const char *s = prop_str(obj, "MacAddress");
	char mac[MAC_STR_LEN];
	if (!s)
		return 0;
	if (mac_canonical(s, mac, err) < 0)
		return -1;
	set_text(obj, "MacAddress", mac);
	return 0;
}

/* An IPv4 or IPv6 address, kept in the text inet_ntop gives it, so that
 * 2001:DB8::1 and 2001:db8:0::1 are stored alike. */
static int check_ip(json_t *obj, struct ucsh_err *err)
{
	const char *s = prop_str(obj, "IPAddress");
	unsigned char addr[16];
	char text[64];
	if (!s)
		return 0;
	int af = strchr(s, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, s, addr) != 1 || !inet_ntop(af, addr, text, sizeof(text)))
		return bad_value(err, "IPAddress", s, "is not an IPv4 or IPv6 address",
				 "write it as 10.1.2.3 or 2001:db8::10");
	set_text(obj, "IPAddress", text);
	return 0;
}

static int check_version(const json_t *obj, struct ucsh_err *err)
{
	const char *s = prop_str(obj, "FirmwareVersion");
	if (!s || (strlen(s) <= 64 && value_is_version_string(s)))
		return 0;
	return bad_value(err, "FirmwareVersion", s, "is not a firmware version",
			 "write it as numbers separated by dots, e.g. 4.0.7577.4100");
}

static int check_site(const struct phone_refs *refs, json_t *obj, struct ucsh_err *err)
{
	const char *s = prop_str(obj, "Site");
	char low[320];
	if (!s)
		return 0;
	/* refs->sites is keyed by the lower-cased identity, "site:name" */
	snprintf(low, sizeof(low), "site:%s", str_iprefix("site:", s) ? s + 5 : s);
	for (char *p = low; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	json_t *site = strlen(s) < 300 ? json_object_get(refs->sites, low) : NULL;
	if (site) {
		set_text(obj, "Site", json_string_value(site));
		return 0;
	}
	char *key = phone_site_key(s);
	bad_value(err, "Site", key, "does not exist",
		  "Get-CsSite lists the sites; New-CsSite creates one");
	free(key);
	return -1;
}

/* The SIP address of a user or a common area phone: an import names
 * owners as the export wrote them, so a look-up by key is enough here
 * (New- and Set-CsPhone resolve other spellings first). */
static int check_owner(const struct phone_refs *refs, json_t *obj, struct ucsh_err *err)
{
	const char *s = prop_str(obj, "Owner");
	if (!s)
		return 0;
	char *sip = principal_sip_address(s, err);
	json_t *found = NULL;
	int rc = sip ? store_get(refs->st, "User", sip, &found, err) : -1;
	if (rc == 0)
		rc = store_get(refs->st, "CommonAreaPhone", sip, &found, err);
	json_decref(found);
	if (rc == 0) {
		err_set(err, "Owner '%s' is neither a user nor a common area phone", sip);
		err_hint(err, "Get-CsUser and Get-CsCommonAreaPhone list them");
		rc = -1;
	} else if (rc == 1) {
		set_text(obj, "Owner", sip);
		rc = 0;
	}
	free(sip);
	return rc;
}

/* Model in the catalogue's spelling; Brand from the catalogue when asked
 * and not given; an unknown model makes a generic device. */
static void check_model(const struct phone_refs *refs, json_t *obj, bool fill_brand,
			bool *generic)
{
	const char *model = prop_str(obj, "Model"), *brand = prop_str(obj, "Brand");
	const json_t *m = phone_model_find(refs, brand, model);
	*generic = model && !m;
	if (m) {
		set_text(obj, "Model", prop_str(m, "Model"));
		set_text(obj, "Brand", prop_str(m, "Brand"));
	} else if (fill_brand && !brand && model) {
		json_object_set_new(obj, "Brand", json_string("Generic"));
	}
}

/* Empty strings mean "not set", so that a CSV round trip keeps nulls. */
static void empty_to_null(json_t *obj)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
		if (json_is_string(v) && json_string_length(v) == 0)
			json_object_set_new(obj, key, json_null());
}

int phone_normalize(const struct phone_refs *refs, json_t *obj, bool fill_brand, bool *generic,
		    struct ucsh_err *err)
{
	*generic = false;
	empty_to_null(obj);
	if (check_mac(obj, err) < 0 || check_ip(obj, err) < 0 || check_version(obj, err) < 0 ||
	    check_site(refs, obj, err) < 0 || check_owner(refs, obj, err) < 0)
		return -1;
	check_model(refs, obj, fill_brand, generic);
	return 0;
}

/* ---- Identities and filters ------------------------------------------ */

/*
 * A MAC wildcard pattern matched against the canonical form: a leading run
 * of hex digits and separators is put in that form ("0004f2*" ->
 * "00-04-F2*"), the rest kept. Caller frees.
 */
static char *mac_pattern(const char *pat)
{
	size_t head = strspn(pat, "0123456789abcdefABCDEF:-.");
	struct strbuf sb = STRBUF_INIT;
	int digits = 0;
	for (size_t i = 0; i < head; i++) {
		if (!isxdigit((unsigned char)pat[i]))
			continue;
		if (digits && digits % 2 == 0 && digits < 12)
			sb_addc(&sb, '-');
		sb_addc(&sb, (char)toupper((unsigned char)pat[i]));
		digits++;
	}
	if (head && !isxdigit((unsigned char)pat[head - 1]) && digits && digits % 2 == 0 &&
	    digits < 12)
		sb_addc(&sb, '-');
	sb_adds(&sb, pat + head);
	return sb_detach(&sb);
}

static void add_cond(json_t *filter, const char *prop, const char *op, const char *value)
{
	json_array_append_new(filter, json_pack("{s:s,s:s,s:s}", "Property", prop, "Op", op,
						"Value", value));
}

/* -Name value: equality, or -like when the value has wildcards. */
static void add_match(json_t *filter, const char *prop, const char *value)
{
	if (value)
		add_cond(filter, prop, wildcard_has_meta(value) ? "like" : "eq", value);
}

/* -Site and -Owner are written as users write them, matched as stored. */
static void add_site_match(json_t *filter, const char *site)
{
	char *key = site ? phone_site_key(site) : NULL;
	add_match(filter, "Site", site && strcmp(site, "*") ? key : site);
	free(key);
}

static void add_owner_match(json_t *filter, const char *owner)
{
	bool bare = owner && !str_iprefix("sip:", owner) && owner[0] != '*';
	char *v = bare ? xasprintf("sip:%s", owner) : NULL;
	add_match(filter, "Owner", v ? v : owner);
	free(v);
}

/* The Identity (a MAC) of a cmdlet, canonical; false after an error. */
static bool identity_mac(struct cmd_ctx *ctx, char mac[MAC_STR_LEN])
{
	struct ucsh_err err;
	if (mac_canonical(cmd_arg_str(ctx, "Identity"), mac, &err) == 0)
		return true;
	cmd_error_err(ctx, &err);
	return false;
}

/* ---- Get-CsPhone ----------------------------------------------------- */

static const char *const get_filters[] = { "Model", "Brand", "Site", "Owner", "FirmwareVersion",
					   "SerialNumber", NULL };

static bool has_other_filters(struct cmd_ctx *ctx)
{
	for (const char *const *f = get_filters; *f; f++)
		if (cmd_has_arg(ctx, *f))
			return true;
	return cmd_has_arg(ctx, "Filter") || cmd_has_arg(ctx, "ResultSize");
}

/* -Identity: one MAC (canonical) or a pattern; false after an error. */
static bool identity_filter(struct cmd_ctx *ctx, json_t *filter)
{
	const char *id = cmd_arg_str(ctx, "Identity");
	char mac[MAC_STR_LEN];
	if (!id)
		return true;
	if (wildcard_has_meta(id)) {
		char *pat = mac_pattern(id);
		add_cond(filter, "MacAddress", "like", pat);
		free(pat);
		return true;
	}
	if (!identity_mac(ctx, mac))
		return false;
	add_cond(filter, "MacAddress", "eq", mac);
	return true;
}

static int get_phone_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *id = cmd_arg_str(ctx, "Identity");
	char mac[MAC_STR_LEN];
	if (id && !wildcard_has_meta(id) && !has_other_filters(ctx)) {
		if (!identity_mac(ctx, mac))
			return 0;
		json_t *phone = storecmd_get(ctx, "Phone", mac, "phone");
		int rc = phone ? storecmd_emit(ctx, "Phone", phone) : 0;
		json_decref(phone);
		return rc;
	}
	long long size = cmd_arg_int(ctx, "ResultSize", 0);
	if (cmd_has_arg(ctx, "ResultSize") && size < 1)
		return cmd_fail(ctx, "leave -ResultSize out to get every phone",
				"-ResultSize must be 1 or more, not %lld", size);
	json_t *filter = json_array();
	int rc;
	if (!identity_filter(ctx, filter)) {
		rc = cmd_cancelled(ctx) ? -1 : 0;
	} else {
		add_match(filter, "Model", cmd_arg_str(ctx, "Model"));
		add_match(filter, "Brand", cmd_arg_str(ctx, "Brand"));
		add_site_match(filter, cmd_arg_str(ctx, "Site"));
		add_owner_match(filter, cmd_arg_str(ctx, "Owner"));
		add_match(filter, "FirmwareVersion", cmd_arg_str(ctx, "FirmwareVersion"));
		add_match(filter, "SerialNumber", cmd_arg_str(ctx, "SerialNumber"));
		struct store_query_opts opts = { .limit = size };
		rc = storecmd_query(ctx, "Phone", filter, &opts, cmd_arg(ctx, "Filter"));
	}
	json_decref(filter);
	return rc;
}

/* ---- New-, Set-, Remove-CsPhone --------------------------------------- */

/* The catalogue and sites, read at the first object of a pipeline. */
static struct phone_refs *refs_of(struct cmd_ctx *ctx)
{
	if (ctx->state)
		return ctx->state;
	struct store *st = cmd_store(ctx);
	struct ucsh_err err;
	if (!st)
		return NULL;
	struct phone_refs *refs = xcalloc(1, sizeof(*refs));
	if (phone_refs_load(st, refs, &err) < 0) {
		phone_refs_free(refs);
		free(refs);
		cmd_fail(ctx, NULL, "%s", err.msg);
		return NULL;
	}
	return ctx->state = refs;
}

static void phone_cleanup(struct cmd_ctx *ctx)
{
	if (ctx->state)
		phone_refs_free(ctx->state);
	free(ctx->state);
	ctx->state = NULL;
}

/* -Owner in any spelling of principal.h (an extension, a display name)
 * as the owner's SIP address. 0, 1 after an error, -1 to stop. */
static int resolve_owner(struct cmd_ctx *ctx, json_t *obj)
{
	const char *owner = prop_str(obj, "Owner");
	json_t *principal;
	if (!owner || !*owner)
		return 0;
	int rc = principal_resolve(ctx, owner, PRINCIPAL_ANY, &principal);
	if (rc != 1)
		return rc < 0 ? -1 : 1;
	json_object_set(obj, "Owner", json_object_get(principal, "SipAddress"));
	json_decref(principal);
	return 0;
}

/* Check obj; warn about a model that is not in the catalogue. 0, 1 after
 * an error, -1 to stop. */
static int normalize(struct cmd_ctx *ctx, json_t *obj, bool fill_brand)
{
	struct phone_refs *refs = refs_of(ctx);
	struct ucsh_err err;
	bool generic;
	int rc;
	if (!refs)
		return -1;
	if ((rc = resolve_owner(ctx, obj)) != 0)
		return rc;
	if (phone_normalize(refs, obj, fill_brand, &generic, &err) < 0)
		return cmd_error_err(ctx, &err) < 0 ? -1 : 1;
	if (generic)
		cmd_warning(ctx, "model '%s' is not in the catalogue (%s): the phone is kept as a "
			    "generic device of brand '%s'", prop_str(obj, "Model"),
			    PHONE_GENERIC_HINT, prop_str(obj, "Brand") ? prop_str(obj, "Brand") : "");
	return 0;
}

static int new_phone_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *obj = storecmd_props(ctx, "Phone", NULL);
	int rc = normalize(ctx, obj, true);
	if (rc == 0)
		rc = storecmd_insert(ctx, "Phone", prop_str(obj, "MacAddress"), obj, "phone");
	json_decref(obj);
	return rc < 0 ? -1 : 0;
}

static int set_phone_process(struct cmd_ctx *ctx, json_t *input)
{
	char mac[MAC_STR_LEN];
	if (!identity_mac(ctx, mac))
		return 0;
	json_t *changes = storecmd_props(ctx, "Phone", ALIASES("Identity", "PassThru"));
	int rc;
	if (json_object_size(changes) == 0)
		rc = cmd_error(ctx, "name at least one property to change, e.g. -Site",
			       "Set-CsPhone was given nothing to change");
	else if ((rc = normalize(ctx, changes, json_object_get(changes, "Model") &&
				 !json_object_get(changes, "Brand"))) == 0)
		rc = storecmd_update(ctx, "Phone", mac, changes, "phone",
				     cmd_arg_bool(ctx, "PassThru"));
	json_decref(changes);
	return rc < 0 ? -1 : 0;
}

static int remove_phone_process(struct cmd_ctx *ctx, json_t *input)
{
	char mac[MAC_STR_LEN];
	if (!identity_mac(ctx, mac))
		return 0;
	return storecmd_delete(ctx, "Phone", mac, "phone");
}

/* ---- Get-CsPhoneModel ------------------------------------------------- */

static int get_model_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *filter = json_array();
	add_match(filter, "Identity", cmd_arg_str(ctx, "Identity"));
	add_match(filter, "Brand", cmd_arg_str(ctx, "Brand"));
	add_match(filter, "Model", cmd_arg_str(ctx, "Model"));
	int rc = storecmd_query(ctx, "PhoneModel", filter, NULL, NULL);
	json_decref(filter);
	return rc;
}

/* ---- Live completion -------------------------------------------------- */

static json_t *mac_complete(struct shell *sh, const char *prefix)
{
	char *canon = mac_pattern(prefix);
	json_t *r = storecmd_complete_keys(sh, "Phone", "MacAddress", canon);
	free(canon);
	return r;
}

static json_t *model_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "PhoneModel", "Model", prefix);
}

static json_t *site_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "Site", "Identity", prefix);
}

/* ---- Entries ---------------------------------------------------------- */

#define PROP(n, h) { .name = n, .type = PT_STRING, .position = POS_NAMED, \
		     .flags = PF_PIPE_PROP, .help = h }

/* Every property but MacAddress (the identity) and Model (mandatory in New). */
#define PHONE_PROPS \
	PROP("Brand", "The maker (Polycom, Aastra, HP). Filled from the catalogue when only " \
	     "-Model is given; a model the catalogue does not have is a generic device, of " \
	     "brand Generic unless one is given."), \
	PROP("SerialNumber", "The serial number on the label."), \
	PROP("Revision", "The hardware revision, as device update rules name it (e.g. A)."), \
	PROP("Locale", "The language of the phone's firmware, as device update rules name it " \
	     "(e.g. ENU)."), \
	{ .name = "Site", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "The site the phone is in (Site:Name or Name); the site must exist.", \
	  .complete = site_complete }, \
	{ .name = "Owner", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .complete = principal_complete_any, \
	  .help = "The user or common area phone that signs in on it: its SIP address " \
		  "(sip:ken@contoso.com), extension or display name. It must exist; the " \
		  "phone stores its SIP address." }, \
	PROP("FirmwareVersion", "The firmware the phone runs, as a dotted version " \
	     "(4.0.7577.4100)."), \
	PROP("IPAddress", "The phone's last IPv4 or IPv6 address."), \
	PROP("UserAgent", "The User-Agent the phone last sent."), \
	PROP("LastSeen", "When the phone last checked in, as 2026-11-26T10:38:02Z (an offset " \
	     "like +01:00 is converted to UTC)."), \
	PROP("LastRegistered", "When the phone last registered, in the same form as LastSeen."), \
	PROP("Status", "Free text on the phone's state (Registered, InStock, Retired, ...).")

#define MODEL_PARAM(flags_) { .name = "Model", .type = PT_STRING, .position = POS_NAMED, \
	.flags = flags_, .complete = model_complete, \
	.help = "The model (CX600, 4120, 6725ip, ...): Get-CsPhoneModel lists the catalogue." }

static const struct cmd_param get_phone_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .aliases = ALIASES("MacAddress"),
	  .flags = PF_PIPE_VALUE | PF_PIPE_PROP, .complete = mac_complete,
	  .help = "The phone's MAC address in any common spelling (00-04-F2-AB-CD-EF, "
		  "0004f2abcdef, 00:04:f2:ab:cd:ef, 0004.f2ab.cdef), or a wildcard pattern on "
		  "the canonical form (00-04-F2-*; a leading 0004f2* is put in that form)." },
	{ .name = "Model", .type = PT_STRING, .position = POS_NAMED, .complete = model_complete,
	  .help = "Only phones of this model (wildcards allowed)." },
	{ .name = "Brand", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only phones of this brand (wildcards allowed)." },
	{ .name = "Site", .type = PT_STRING, .position = POS_NAMED, .complete = site_complete,
	  .help = "Only phones in this site (Site:Name or Name; wildcards allowed)." },
	{ .name = "Owner", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only phones of this owner (sip:ken@contoso.com; wildcards allowed)." },
	{ .name = "FirmwareVersion", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only phones running this firmware (wildcards allowed: 4.0.*)." },
	{ .name = "SerialNumber", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only the phone with this serial number (wildcards allowed)." },
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A condition on $_, e.g. { $_.Model -eq 'CX600' -and $_.Site -like 'Site:HQ*' }; "
		  "comparisons of properties with values run in the store, on its indexes." },
	{ .name = "ResultSize", .type = PT_INT, .position = POS_NAMED,
	  .help = "At most this many phones (the first ones added)." },
	{ 0 },
};

static const struct cmd_param new_phone_params[] = {
	{ .name = "MacAddress", .type = PT_STRING, .position = 0, .aliases = ALIASES("Identity"),
	  .flags = PF_MANDATORY | PF_PIPE_PROP,
	  .help = "The phone's MAC address in any common spelling; it is stored as "
		  "00-04-F2-AB-CD-EF and identifies the phone." },
	MODEL_PARAM(PF_MANDATORY | PF_PIPE_PROP),
	PHONE_PROPS,
	{ 0 },
};

static const struct cmd_param set_phone_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .aliases = ALIASES("MacAddress"),
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, .complete = mac_complete,
	  .help = "The phone to change: its MAC address in any common spelling." },
	MODEL_PARAM(PF_PIPE_PROP),
	PHONE_PROPS,
	{ .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes the changed phone down the pipeline." },
	{ 0 },
};

static const struct cmd_param remove_phone_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .aliases = ALIASES("MacAddress"),
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, .complete = mac_complete,
	  .help = "The phone to remove: its MAC address in any common spelling." },
	{ 0 },
};

static const struct cmd_param get_model_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .flags = PF_PIPE_PROP,
	  .help = "The model as Brand/Model (Polycom/CX600; wildcards allowed)." },
	{ .name = "Brand", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only this brand's models (wildcards allowed)." },
	{ .name = "Model", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP,
	  .complete = model_complete, .help = "Only this model (wildcards allowed)." },
	{ 0 },
};

const struct cmd_entry cmd_get_csphone_entry = {
	.name = "Get-CsPhone",
	.synopsis = "Lists the phones of the inventory.",
	.description = "Writes one Phone object per phone: its MAC address, serial number, "
		       "brand and model, site, owner, firmware, address and when it was last "
		       "seen. With no parameter, every phone, in the order they were added.\n\n"
		       "-Model, -Brand, -Site, -Owner, -FirmwareVersion and -SerialNumber "
		       "narrow the list and combine with each other, with a wildcard -Identity "
		       "and with -Filter; all of them run in the store, on its indexes, so that "
		       "finding the CX600s among a million phones does not read the million.",
	.params = get_phone_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsPhone -Identity 0004f2abcdef | Format-List",
		  "Shows every property of one phone; the MAC may be written in any common "
		  "spelling." },
		{ "Get-CsPhone -Model CX600 -Site Redmond | Measure-Object",
		  "Counts the CX600s in site Redmond." },
		{ "Get-CsPhone -Filter { $_.FirmwareVersion -lt '4.0.7577.4100' -and $_.Brand -eq 'Polycom' }",
		  "Lists the Polycom phones on firmware older than 4.0.7577.4100." },
		{ "Get-CsPhone | Export-Csv phones.csv",
		  "Saves the inventory; Import-CsPhone -Path phones.csv reads it back." },
		{ 0 } },
	.outputs = "Phone",
	.role = ROLE_VIEW_ONLY,
	.process = get_phone_process,
};

const struct cmd_entry cmd_new_csphone_entry = {
	.name = "New-CsPhone",
	.synopsis = "Adds a phone to the inventory.",
	.description = "Adds one phone, known by its MAC address. The brand comes from the "
		       "model catalogue when only the model is given; a model the catalogue "
		       "does not have is accepted as a generic device, with a warning. Values "
		       "are checked (MAC address, IP address, firmware version, site, owner) "
		       "and stored in one form: the MAC as 00-04-F2-AB-CD-EF, the site as "
		       "Site:Name, the owner as sip:user@domain. An empty value means unset.\n\n"
		       "Phones also add themselves when they register or check for updates; "
		       "for many phones at once, Import-CsPhone reads a CSV file much faster "
		       "than a pipeline into New-CsPhone.",
	.params = new_phone_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsPhone -MacAddress 0004f2abcdef -Model CX600 -Site Default",
		  "Adds a Polycom CX600 to site Default." },
		{ "New-CsPhone 00:04:f2:ab:cd:01 -Model CX3000 -Owner sip:room1@contoso.com -SerialNumber 64167F0A",
		  "Adds a conference phone with its owner and serial number." },
		{ "Import-Csv phones.csv | New-CsPhone",
		  "Adds one phone per line of a CSV file whose columns are property names." },
		{ 0 } },
	.outputs = "Phone",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = new_phone_process,
	.cleanup = phone_cleanup,
};

const struct cmd_entry cmd_set_csphone_entry = {
	.name = "Set-CsPhone",
	.synopsis = "Changes the properties of a phone.",
	.description = "Sets the properties named on the command line and leaves the others as "
		       "they are; a property given as $null or '' is cleared. Changing -Model "
		       "without -Brand takes the brand from the catalogue. Values are checked "
		       "as New-CsPhone checks them.",
	.params = set_phone_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsPhone 00-04-F2-AB-CD-EF -Site Redmond -Owner sip:ken@contoso.com",
		  "Moves a phone to site Redmond and gives it an owner." },
		{ "Get-CsPhone -Site Berlin | Set-CsPhone -Status Retired",
		  "Marks every phone of site Berlin as retired." },
		{ 0 } },
	.outputs = "Phone (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = set_phone_process,
	.cleanup = phone_cleanup,
};

const struct cmd_entry cmd_remove_csphone_entry = {
	.name = "Remove-CsPhone",
	.synopsis = "Removes a phone from the inventory.",
	.description = "Deletes a phone. A phone that registers again afterwards adds itself "
		       "back.",
	.params = remove_phone_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsPhone 0004f2abcdef -Force", "Removes one phone without asking." },
		{ "Get-CsPhone -Filter { $_.Status -eq 'Retired' } | Remove-CsPhone -Force",
		  "Removes every phone marked as retired." },
		{ 0 } },
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = remove_phone_process,
};

const struct cmd_entry cmd_get_csphonemodel_entry = {
	.name = "Get-CsPhoneModel",
	.synopsis = "Lists the phone models of the catalogue.",
	.description = "Writes one PhoneModel object per model ucsh knows: brand, model, "
		       "device type (Desk, CommonArea or Conference) and whether it runs Lync "
		       "Phone Edition. The catalogue fills in a phone's brand from its model; "
		       "any other SIP phone is kept as a generic device.",
	.params = get_model_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsPhoneModel", "Lists the catalogue." },
		{ "Get-CsPhoneModel -Brand Polycom", "Lists the Polycom models." },
		{ "Get-CsPhoneModel | Where-Object DeviceType -eq CommonArea",
		  "Lists the models made for common areas." },
		{ 0 } },
	.outputs = "PhoneModel",
	.role = ROLE_VIEW_ONLY,
	.process = get_model_process,
};
