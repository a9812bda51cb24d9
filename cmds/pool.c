/*
 * pool: Get-, New-, Set- and Remove-CsPool. A pool is the registrar pool of
 * Lync: the FQDN phones register to, the SIP domains it serves, and the
 * addresses and ports of every listener ucshd opens for it (SIP, SIP over
 * TLS, the internal and external Device Update web sites, SSH). ucshd reads
 * its listeners from here, so what is stored must be usable as it is: names
 * are checked as DNS names, addresses with inet_pton, and no two services
 * of a pool may share a port, since they listen on the same addresses.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "storecmd.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The listeners of a pool, by the property that holds their port. */
static const struct {
	const char *prop, *service;
} pool_ports[] = {
	{ "SipPort", "SIP over UDP and TCP" },
	{ "TlsPort", "SIP over TLS" },
	{ "InternalHttpPort", "the internal web site (HTTP)" },
	{ "InternalHttpsPort", "the internal web site (HTTPS)" },
	{ "ExternalHttpPort", "the external web site (HTTP)" },
	{ "ExternalHttpsPort", "the external web site (HTTPS)" },
	{ "SshPort", "the SSH management endpoint" },
};

/* A pool identity as stored: lower case, without a trailing dot. Caller frees. */
static char *pool_key(const char *identity)
{
	char *key = xstrdup(identity);
	size_t n = strlen(key);
	if (n > 1 && key[n - 1] == '.')
		key[n - 1] = '\0';
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return key;
}

/* "Redmond" and "site:Redmond" both mean "Site:Redmond". Caller frees. */
static char *site_key(const char *identity)
{
	return xasprintf("Site:%s", str_iprefix("site:", identity) ? identity + 5 : identity);
}

/*
 * Is name (already lower case, no trailing dot) a DNS name: labels of
 * letters, digits and inner hyphens, 63 characters at most, 253 in all?
 * fqdn also asks for two labels or more and a last label that is not all
 * digits, so that an IP address is not taken for a host name.
 */
static bool dns_name_ok(const char *name, bool fqdn, char *why, size_t n)
{
	size_t len = strlen(name), labels = 0;
	if (len == 0 || len > 253) {
		snprintf(why, n, "a DNS name has 1 to 253 characters");
		return false;
	}
	const char *label = name, *last = name;
	for (const char *p = name;; p++) {
		if (*p && *p != '.') {
			if (!isalnum((unsigned char)*p) && *p != '-') {
				snprintf(why, n, "'%c' is not allowed in a DNS name", *p);
				return false;
			}
			continue;
		}
		size_t ll = (size_t)(p - label);
		if (ll == 0 || ll > 63) {
			snprintf(why, n, "each label of a DNS name has 1 to 63 characters");
			return false;
		}
		if (label[0] == '-' || p[-1] == '-') {
			snprintf(why, n, "a label of a DNS name cannot begin or end with '-'");
			return false;
		}
		labels++;
		last = label;
		if (!*p)
			break;
		label = p + 1;
	}
	if (fqdn && (labels < 2 || strspn(last, "0123456789") == strlen(last))) {
		snprintf(why, n, "a fully qualified domain name has a host and a domain part "
			 "(pool01.contoso.com)");
		return false;
	}
	return true;
}

/* Check and normalise the DNS name in *v (a string) for parameter prop. */
static int check_name(json_t **v, const char *prop, bool fqdn, struct ucsh_err *err)
{
	char why[128];
	if (!json_is_string(*v))
		return err_set(err, "-%s needs a DNS name", prop);
	char *name = pool_key(json_string_value(*v));
	if (!dns_name_ok(name, fqdn, why, sizeof(why))) {
		err_set(err, "-%s '%s' is not a valid %s", prop, json_string_value(*v),
			fqdn ? "fully qualified domain name" : "domain name");
		err_hint(err, "%s", why);
		free(name);
		return -1;
	}
	json_decref(*v);
	*v = json_string(name);
	free(name);
	return 0;
}

/* Is s already among the strings of arr, ignoring case? */
static bool array_has(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (str_ieq(json_string_value(v), s))
			return true;
	return false;
}

/* An empty CSV cell ("") stands for no value. */
static bool is_empty(const json_t *v)
{
	return json_is_null(v) || (json_is_string(v) && !*json_string_value(v));
}

/* Is v given but with nothing in it ("", or a list of "")? */
static bool none_given(const json_t *v)
{
	for (size_t i = 0; i < value_count(v); i++)
		if (!is_empty(value_item(v, i)))
			return false;
	return v != NULL;
}

/* SipDomain: one domain name or more, lower case, without duplicates. */
static json_t *check_domains(const json_t *in, struct ucsh_err *err)
{
	json_t *out = json_array();
	for (size_t i = 0; i < value_count(in); i++) {
		if (is_empty(value_item(in, i)))
			continue;
		json_t *d = json_incref(value_item(in, i));
		if (check_name(&d, "SipDomain", false, err)) {
			json_decref(d);
			json_decref(out);
			return NULL;
		}
		if (!array_has(out, json_string_value(d)))
			json_array_append(out, d);
		json_decref(d);
	}
	if (json_array_size(out) == 0) {
		err_set(err, "-SipDomain needs at least one SIP domain");
		err_hint(err, "the domains of the users' SIP addresses, e.g. -SipDomain contoso.com");
		json_decref(out);
		return NULL;
	}
	return out;
}

/* ListenAddress: IPv4 or IPv6 addresses in canonical form; none means all. */
static json_t *check_addresses(const json_t *in, struct ucsh_err *err)
{
	json_t *out = json_array();
	for (size_t i = 0; i < value_count(in); i++) {
		const char *s = json_string_value(value_item(in, i));
		unsigned char bin[16];
		if (is_empty(value_item(in, i)))
			continue;
		char text[INET6_ADDRSTRLEN];
		int af = s && strchr(s, ':') ? AF_INET6 : AF_INET;
		if (!s || inet_pton(af, s, bin) != 1 || !inet_ntop(af, bin, text, sizeof(text))) {
			char *shown = value_to_string(value_item(in, i));
			err_set(err, "-ListenAddress '%s' is not an IP address", shown);
			err_hint(err, "give IPv4 or IPv6 addresses (10.0.0.5, 2001:db8::5); "
				 "leave it empty to listen on all of them");
			free(shown);
			json_decref(out);
			return NULL;
		}
		if (!array_has(out, text))
			json_array_append_new(out, json_string(text));
	}
	if (json_array_size(out) == 0) {
		json_decref(out);
		return json_null();
	}
	return out;
}

/* Replace obj[prop] (when present) by what check makes of it. */
static int check_array(json_t *obj, const char *prop,
		       json_t *(*check)(const json_t *, struct ucsh_err *), struct ucsh_err *err)
{
	json_t *v = json_object_get(obj, prop);
	if (!v)
		return 0;
	json_t *c = check(v, err);
	if (!c)
		return -1;
	json_object_set_new(obj, prop, c);
	return 0;
}

static int check_ports(const json_t *obj, struct ucsh_err *err)
{
	for (size_t i = 0; i < UCSH_ARRAY_LEN(pool_ports); i++) {
		json_t *v = json_object_get(obj, pool_ports[i].prop);
		if (!v)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 65535) {
			char *shown = value_to_string(v);
			err_set(err, "-%s %s is not a port number", pool_ports[i].prop,
				json_is_null(v) ? "$null" : shown);
			err_hint(err, "give a port from 1 to 65535 for %s", pool_ports[i].service);
			free(shown);
			return -1;
		}
	}
	return 0;
}

/* Check every pool property present in obj and normalise it in place. */
static int check_props(json_t *obj, struct ucsh_err *err)
{
	static const char *const fqdns[] = { "InternalWebFqdn", "ExternalWebFqdn" };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(fqdns); i++) {
		json_t *v = json_object_get(obj, fqdns[i]);
		if (!v || is_empty(v)) {
			if (v) /* cleared: the web site answers at the pool's own FQDN */
				json_object_set_new(obj, fqdns[i], json_null());
			continue;
		}
		json_incref(v);
		int rc = check_name(&v, fqdns[i], true, err);
		if (rc == 0)
			json_object_set(obj, fqdns[i], v);
		json_decref(v);
		if (rc)
			return -1;
	}
	if (check_array(obj, "SipDomain", check_domains, err) ||
	    check_array(obj, "ListenAddress", check_addresses, err))
		return -1;
	return check_ports(obj, err);
}

/* Two listeners of one pool on the same port would clash on every address. */
static int check_port_clash(const json_t *pool, struct ucsh_err *err)
{
	for (size_t i = 0; i < UCSH_ARRAY_LEN(pool_ports); i++)
		for (size_t j = i + 1; j < UCSH_ARRAY_LEN(pool_ports); j++) {
			json_t *a = json_object_get(pool, pool_ports[i].prop);
			json_t *b = json_object_get(pool, pool_ports[j].prop);
			if (!json_is_integer(a) || !json_is_integer(b) ||
			    json_integer_value(a) != json_integer_value(b))
				continue;
			err_set(err, "%s and %s would both be port %lld", pool_ports[i].prop,
				pool_ports[j].prop, (long long)json_integer_value(a));
			err_hint(err, "the services of a pool (here %s, and %s) listen on the same "
				 "addresses: give each its own port", pool_ports[i].service,
				 pool_ports[j].service);
			return -1;
		}
	return 0;
}

/* Site: normalised to Site:NAME and required to exist, with a clear word
 * when it does not (the store would refuse it too, less helpfully). */
static int check_site(struct store *st, json_t *obj, struct ucsh_err *err)
{
	json_t *v = json_object_get(obj, "Site");
	if (!v)
		return 0;
	if (!json_is_string(v) || !*json_string_value(v)) {
		err_set(err, "-Site cannot be empty: every pool belongs to a site");
		return err_hint(err, "Get-CsSite lists the sites");
	}
	char *key = site_key(json_string_value(v));
	json_t *site = NULL;
	int rc = store_get(st, "Site", key, &site, err);
	if (rc == 0) {
		err_set(err, "-Site: there is no site '%s'", key);
		err_hint(err, "Get-CsSite lists the sites; New-CsSite -Identity %s creates it",
			 key + 5);
		rc = -1;
	} else if (rc == 1) {
		json_object_set(obj, "Site", json_object_get(site, "Identity"));
		rc = 0;
	}
	json_decref(site);
	free(key);
	return rc;
}

/* Every property of Pool with its schema default (ports) or null. */
static json_t *pool_defaults(void)
{
	const struct store_kind *k = store_kind_find("Pool");
	json_t *obj = json_object();
	for (size_t i = 0; i < k->ncolumns; i++) {
		const struct store_column *c = &k->columns[i];
		json_object_set_new(obj, c->name, c->dflt && c->type == STORE_INTEGER
				    ? json_integer(strtoll(c->dflt, NULL, 10)) : json_null());
	}
	return obj;
}

/* The SIP domain a pool serves unless told: its FQDN less the host label,
 * when that still has a dot (pool01.contoso.com serves contoso.com). */
static const char *domain_of(const char *fqdn)
{
	const char *dot = strchr(fqdn, '.');
	return dot && strchr(dot + 1, '.') ? dot + 1 : NULL;
}

static int get_pool_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *id = cmd_arg_str(ctx, "Identity");
	if (id && !wildcard_has_meta(id)) {
		char *key = pool_key(id);
		json_t *pool = storecmd_get(ctx, "Pool", key, "pool");
		free(key);
		int rc = pool ? storecmd_emit(ctx, "Pool", pool) : 0;
		json_decref(pool);
		return rc;
	}
	return storecmd_query_identity(ctx, "Pool", id, cmd_arg(ctx, "Filter"));
}

/* Fill in what a new pool takes from its identity: web FQDNs, SIP domain. */
static int new_pool_fill(json_t *obj, const char *key, struct ucsh_err *err)
{
	static const char *const fqdns[] = { "InternalWebFqdn", "ExternalWebFqdn" };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(fqdns); i++)
		if (!json_object_get(obj, fqdns[i]) || json_is_null(json_object_get(obj, fqdns[i])))
			json_object_set_new(obj, fqdns[i], json_string(key));
	if (json_object_get(obj, "SipDomain"))
		return 0;
	const char *domain = domain_of(key);
	if (!domain) {
		err_set(err, "-SipDomain is needed: no SIP domain follows from '%s'", key);
		return err_hint(err, "e.g. -SipDomain contoso.com");
	}
	json_object_set_new(obj, "SipDomain", json_pack("[s]", domain));
	return 0;
}

static int new_pool_process(struct cmd_ctx *ctx, json_t *input)
{
	struct ucsh_err err;
	char why[128];
	struct store *st = cmd_store(ctx);
	if (!st)
		return -1;
	char *key = pool_key(cmd_arg_str(ctx, "Identity"));
	json_t *obj = storecmd_props(ctx, "Pool", ALIASES("Identity"));
	json_t *merged = NULL;
	int rc = 0;
	if (!dns_name_ok(key, true, why, sizeof(why))) {
		err_set(&err, "-Identity '%s' is not a valid fully qualified domain name",
			cmd_arg_str(ctx, "Identity"));
		err_hint(&err, "%s", why);
		rc = -1;
	}
	if (rc == 0 && !json_object_get(obj, "Site")) {
		err_set(&err, "a pool belongs to a site: give -Site");
		err_hint(&err, "Get-CsSite lists the sites");
		rc = -1;
	}
	json_object_set_new(obj, "Identity", json_string(key));
	if (none_given(json_object_get(obj, "SipDomain")))
		json_object_del(obj, "SipDomain"); /* an empty CSV cell: take it from the FQDN */
	if (rc == 0)
		rc = check_props(obj, &err);
	if (rc == 0)
		rc = new_pool_fill(obj, key, &err);
	if (rc == 0) {
		merged = pool_defaults();
		json_object_update(merged, obj);
		rc = check_port_clash(merged, &err);
	}
	if (rc == 0)
		rc = check_site(st, obj, &err);
	rc = rc ? cmd_error_err(ctx, &err) : storecmd_insert(ctx, "Pool", key, obj, "pool");
	json_decref(merged);
	json_decref(obj);
	free(key);
	return rc;
}

/* The changes of a Set-CsPool, checked against the pool as it is stored. */
static int set_pool_check(struct cmd_ctx *ctx, const char *key, json_t *changes,
			  struct ucsh_err *err, bool *reported)
{
	static const char *const required[] = { "SipDomain", "Site" };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(required); i++)
		if (json_is_null(json_object_get(changes, required[i]))) {
			err_set(err, "-%s cannot be cleared: a pool needs one", required[i]);
			return err_hint(err, "give a new value instead of $null");
		}
	struct store *st = cmd_store(ctx);
	if (!st) {
		*reported = true;
		return -1;
	}
	if (check_props(changes, err) || check_site(st, changes, err))
		return -1;
	json_t *pool = storecmd_get(ctx, "Pool", key, "pool");
	if (!pool) {
		*reported = true; /* storecmd_get wrote why */
		return -1;
	}
	json_object_update(pool, changes);
	int rc = check_port_clash(pool, err);
	json_decref(pool);
	return rc;
}

static int set_pool_process(struct cmd_ctx *ctx, json_t *input)
{
	struct ucsh_err err;
	bool reported = false;
	char *key = pool_key(cmd_arg_str(ctx, "Identity"));
	json_t *changes = storecmd_props(ctx, "Pool", ALIASES("Identity", "PassThru"));
	int rc;
	if (json_object_size(changes) == 0)
		rc = cmd_error(ctx, "name at least one property to change, e.g. -SipPort 5070",
			       "Set-CsPool was given nothing to change");
	else if (set_pool_check(ctx, key, changes, &err, &reported))
		rc = reported ? 0 : cmd_error_err(ctx, &err);
	else
		rc = storecmd_update(ctx, "Pool", key, changes, "pool", cmd_arg_bool(ctx, "PassThru"));
	json_decref(changes);
	free(key);
	return rc;
}

static int remove_pool_process(struct cmd_ctx *ctx, json_t *input)
{
	char *key = pool_key(cmd_arg_str(ctx, "Identity"));
	int rc = storecmd_delete(ctx, "Pool", key, "pool");
	free(key);
	return rc;
}

static json_t *pool_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "Pool", "Identity", prefix);
}

static json_t *pool_site_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "Site", "Identity", prefix);
}

#define PORT(n, what, dflt) \
	{ .name = n, .type = PT_INT, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "The port of " what " (" dflt " by default), 1 to 65535. Ports below 1024 " \
		  "need privilege." }

#define POOL_PROPS \
	{ .name = "Site", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "The site the pool belongs to (Site:Name or Name); it must exist.", \
	  .complete = pool_site_complete }, \
	{ .name = "SipDomain", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_ARRAY | PF_PIPE_PROP, \
	  .help = "The SIP domains the pool serves (contoso.com, fabrikam.com): the domains of " \
		  "its users' SIP addresses. New-CsPool takes the pool's FQDN less its host " \
		  "name when this is not given." }, \
	{ .name = "ListenAddress", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_ARRAY | PF_PIPE_PROP, \
	  .help = "The IPv4 and IPv6 addresses every listener of the pool binds to; empty or " \
		  "$null for all of the machine's addresses." }, \
	PORT("SipPort", "SIP over UDP and TCP", "5060"), \
	PORT("TlsPort", "SIP over TLS", "5061"), \
	{ .name = "InternalWebFqdn", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_PIPE_PROP, \
	  .help = "The FQDN of the internal web site (Device Update service); the pool's own " \
		  "FQDN by default." }, \
	{ .name = "ExternalWebFqdn", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_PIPE_PROP, \
	  .help = "The FQDN of the external web site, published in public DNS for phones " \
		  "outside; the pool's own FQDN by default." }, \
	PORT("InternalHttpPort", "the internal web site over HTTP", "80"), \
	PORT("InternalHttpsPort", "the internal web site over HTTPS", "443"), \
	PORT("ExternalHttpPort", "the external web site over HTTP", "8080"), \
	PORT("ExternalHttpsPort", "the external web site over HTTPS", "4443"), \
	PORT("SshPort", "the SSH management endpoint", "2222")

static const struct cmd_param get_pool_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .flags = PF_PIPE_VALUE | PF_PIPE_PROP,
	  .help = "The pool's FQDN; wildcards (*.contoso.com) list several.",
	  .complete = pool_complete },
	{ .name = "Filter", .type = PT_OBJECT, .position = POS_NAMED,
	  .help = "Which pools: a wildcard on the identity as in Lync ('*.contoso.com'), or a "
		  "condition on $_ ({ $_.Site -eq 'Site:Redmond' }) that runs in the store "
		  "when it can." },
	{ 0 },
};

static const struct cmd_param new_pool_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_PROP,
	  .help = "The registrar pool's fully qualified domain name (pool01.contoso.com), as "
		  "phones find it in DNS; stored in lower case." },
	POOL_PROPS,
	{ 0 },
};

static const struct cmd_param set_pool_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, .help = "The pool to change.",
	  .complete = pool_complete },
	POOL_PROPS,
	{ .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes the changed pool down the pipeline." },
	{ 0 },
};

static const struct cmd_param remove_pool_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, .help = "The pool to remove.",
	  .complete = pool_complete },
	{ 0 },
};

const struct cmd_entry cmd_get_cspool_entry = {
	.name = "Get-CsPool",
	.synopsis = "Lists the registrar pools and their listeners.",
	.description = "Writes one Pool object per pool: its FQDN, site, SIP domains, and the "
		       "addresses and ports ucshd listens on for it. The pool created on first "
		       "start is named after this machine. With no -Identity, every pool.",
	.params = get_pool_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsPool", "Lists every pool." },
		{ "Get-CsPool -Identity pool01.contoso.com | Format-List",
		  "Shows all of one pool's properties." },
		{ "Get-CsPool -Filter '*.contoso.com'", "Lists the pools of a domain, as in Lync." },
		{ "Get-CsPool -Filter { $_.Site -eq 'Site:Redmond' }", "Lists the pools of a site." },
		{ 0 } },
	.outputs = "Pool",
	.role = ROLE_VIEW_ONLY,
	.process = get_pool_process,
};

const struct cmd_entry cmd_new_cspool_entry = {
	.name = "New-CsPool",
	.synopsis = "Creates a registrar pool.",
	.description = "Adds a pool to a site. Users and common area phones are homed on a pool "
		       "(their RegistrarPool); ucshd opens the pool's listeners. Ports not given "
		       "take their defaults, and no two services of a pool may share a port, since "
		       "they listen on the same addresses.",
	.params = new_pool_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsPool -Identity pool02.contoso.com -Site Redmond",
		  "Creates a pool in Site:Redmond serving contoso.com on the default ports." },
		{ "New-CsPool pool03.contoso.com -Site Redmond -SipDomain contoso.com,fabrikam.com "
		  "-ListenAddress 10.0.0.5 -SipPort 5070 -TlsPort 5071",
		  "Creates a pool for two domains, listening on one address on other SIP ports." },
		{ "Import-Csv pools.csv | New-CsPool", "Creates one pool per line of a CSV file "
		  "with Identity and Site columns (and any of the other properties)." },
		{ 0 } },
	.outputs = "Pool",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = new_pool_process,
};

const struct cmd_entry cmd_set_cspool_entry = {
	.name = "Set-CsPool",
	.synopsis = "Changes the properties of a registrar pool.",
	.description = "Sets the properties named on the command line and leaves the others as "
		       "they are. The ports are checked together with the stored ones, so a "
		       "change that would put two services of the pool on one port is refused. "
		       "ucshd picks the change up without a restart.",
	.params = set_pool_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsPool pool01.contoso.com -SipPort 5070 -TlsPort 5071",
		  "Moves SIP to other ports." },
		{ "Get-CsPool | Set-CsPool -SshPort 2223", "Changes every pool." },
		{ "Set-CsPool pool01.contoso.com -ListenAddress $null",
		  "Listens on all addresses again." },
		{ 0 } },
	.outputs = "Pool (with -PassThru)",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = set_pool_process,
};

const struct cmd_entry cmd_remove_cspool_entry = {
	.name = "Remove-CsPool",
	.synopsis = "Removes a registrar pool.",
	.description = "Deletes a pool. A pool that users or common area phones are still homed "
		       "on cannot be removed: move them to another pool (their RegistrarPool) or "
		       "remove them first.",
	.params = remove_pool_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsPool -Identity pool02.contoso.com",
		  "Removes the pool, asking first on a terminal." },
		{ "Remove-CsPool pool02.contoso.com -Force", "Removes it without asking." },
		{ 0 } },
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = remove_pool_process,
};
