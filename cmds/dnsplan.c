/*
 * dnsplan: the records phones and clients use, per SIP domain and pool
 * (see dnsplan.h). The table follows what Lync Phone Edition looks up:
 * inside, _sipinternaltls._tcp (then the sipinternal host), the pool and
 * its web site, _ntp._udp for the clock; outside, _sip._tls, sip,
 * ucupdates-r2 (the update service before anyone has signed in) and the
 * discovery and federation names. The records marked required are the
 * ones without which a phone cannot sign in or update.
 */
#include "config.h"
#include "dnsplan.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pki.h"
#include "store.h"
#include "value.h"

enum target_of { TGT_POOL, TGT_INTWEB, TGT_EXTWEB, TGT_NTP };

struct rec_spec {
	const char *label; /* before the domain; NULL: the target itself is the record */
	enum dnsplan_kind kind;
	enum dnsplan_scope scope;
	bool required;
	enum target_of target;
	const char *port_prop; /* SRV port, or the web port the checks use */
	unsigned checks;
	const char *purpose;
};

static const struct rec_spec specs[] = {
	{ "_sipinternaltls._tcp", REC_SRV, SCOPE_INTERNAL, true, TGT_POOL, "TlsPort", CHK_TLS,
	  "phones find the registrar (SIP over TLS)" },
	{ "_sipinternal._tcp", REC_SRV, SCOPE_INTERNAL, false, TGT_POOL, "SipPort", 0,
	  "clients find the registrar over TCP" },
	{ "sipinternal", REC_ALIAS, SCOPE_INTERNAL, false, TGT_POOL, NULL, 0,
	  "the registrar for clients that do not use SRV" },
	{ NULL, REC_HOST, SCOPE_INTERNAL, true, TGT_POOL, NULL, 0, "the registrar pool's address" },
	{ NULL, REC_HOST, SCOPE_INTERNAL, true, TGT_INTWEB, "InternalHttpsPort", CHK_UPDATE_INT,
	  "the internal web site: update checks and downloads" },
	{ "_ntp._udp", REC_SRV, SCOPE_INTERNAL, false, TGT_NTP, NULL, 0,
	  "phones set their clock (else they ask " DNSPLAN_NTP_DEFAULT ")" },
	{ "lyncdiscoverinternal", REC_ALIAS, SCOPE_INTERNAL, false, TGT_INTWEB, NULL, 0,
	  "clients discover the internal web services" },
	{ "_sip._tls", REC_SRV, SCOPE_EXTERNAL, true, TGT_POOL, "TlsPort", CHK_TLS,
	  "phones outside find the registrar" },
	{ "sip", REC_ALIAS, SCOPE_EXTERNAL, false, TGT_POOL, NULL, 0,
	  "the registrar for phones outside that do not use SRV" },
	{ NULL, REC_HOST, SCOPE_EXTERNAL, true, TGT_POOL, NULL, 0, "the registrar's public address" },
	{ "ucupdates-r2", REC_ALIAS, SCOPE_EXTERNAL, true, TGT_EXTWEB, "ExternalHttpsPort",
	  CHK_TLS | CHK_UPDATE_EXT, "phones outside check for updates" },
	{ NULL, REC_HOST, SCOPE_EXTERNAL, true, TGT_EXTWEB, NULL, 0, "the external web site" },
	{ "lyncdiscover", REC_ALIAS, SCOPE_EXTERNAL, false, TGT_EXTWEB, NULL, 0,
	  "clients outside discover the web services" },
	{ "_sipfederationtls._tcp", REC_SRV, SCOPE_EXTERNAL, false, TGT_POOL, "TlsPort", 0,
	  "federated partners find the domain's SIP server" },
};

const char *dnsplan_scope_name(enum dnsplan_scope s)
{
	return s == SCOPE_INTERNAL ? "Internal" : s == SCOPE_EXTERNAL ? "External" : "All";
}

static const char *pool_str(const json_t *pool, const char *prop)
{
	const char *v = json_string_value(json_object_get(pool, prop));
	return v && *v ? v : json_string_value(json_object_get(pool, "Identity"));
}

static unsigned pool_port(const json_t *pool, const char *prop)
{
	return prop ? (unsigned)json_integer_value(json_object_get(pool, prop)) : 0;
}

static const char *target_name(const json_t *pool, enum target_of t)
{
	switch (t) {
	case TGT_POOL: return json_string_value(json_object_get(pool, "Identity"));
	case TGT_INTWEB: return pool_str(pool, "InternalWebFqdn");
	case TGT_EXTWEB: return pool_str(pool, "ExternalWebFqdn");
	case TGT_NTP: return DNSPLAN_NTP_DEFAULT;
	}
	return "";
}

/* A host record already in the plan for name and scope (to merge into). */
static struct dnsplan_rec *find_host(struct dnsplan *p, const char *name, enum dnsplan_scope s)
{
	for (size_t i = 0; i < p->nrec; i++)
		if (p->recs[i].kind == REC_HOST && p->recs[i].scope == s &&
		    strcasecmp(p->recs[i].name, name) == 0)
			return &p->recs[i];
	return NULL;
}

struct dnsplan *dnsplan_new(const char *domain, json_t *pool, unsigned mask)
{
	struct dnsplan *p = xcalloc(1, sizeof(*p));
	snprintf(p->domain, sizeof(p->domain), "%s", domain);
	p->pool = json_incref(pool);
	p->recs = xcalloc(UCSH_ARRAY_LEN(specs), sizeof(*p->recs));
	for (size_t i = 0; i < UCSH_ARRAY_LEN(specs); i++) {
		const struct rec_spec *s = &specs[i];
		if (!(s->scope & mask))
			continue;
		const char *target = target_name(pool, s->target);
		struct dnsplan_rec *dup = s->label ? NULL : find_host(p, target, s->scope);
		if (dup) { /* the web site on the pool's own name: one record, both checks */
			dup->checks |= s->checks;
			dup->port = dup->port ? dup->port : pool_port(pool, s->port_prop);
			continue;
		}
		struct dnsplan_rec *r = &p->recs[p->nrec++];
		r->kind = s->kind, r->scope = s->scope, r->required = s->required;
		r->any_target = s->target == TGT_NTP;
		r->purpose = s->purpose, r->checks = s->checks;
		r->port = s->target == TGT_NTP ? 123 : pool_port(pool, s->port_prop);
		if (s->label)
			snprintf(r->name, sizeof(r->name), "%s.%s", s->label, domain);
		else
			snprintf(r->name, sizeof(r->name), "%s", target);
		snprintf(r->target, sizeof(r->target), "%s", target);
	}
	return p;
}

void dnsplan_free(struct dnsplan *p)
{
	if (!p)
		return;
	json_decref(p->pool);
	free(p->recs);
	free(p);
}

int dnsplan_submit(struct dnsplan *p, struct dns_resolver *r, struct ucsh_err *err)
{
	for (size_t i = 0; i < p->nrec; i++) {
		struct dnsplan_rec *rec = &p->recs[i];
		if (rec->kind == REC_SRV) {
			if (!(rec->srv = dns_lookup(r, rec->name, DNS_T_SRV, err)))
				return -1;
			continue;
		}
		if (!(rec->a = dns_lookup(r, rec->name, DNS_T_A, err)) ||
		    !(rec->aaaa = dns_lookup(r, rec->name, DNS_T_AAAA, err)))
			return -1;
		/* an alias is also judged by its target's addresses */
		if (rec->kind == REC_ALIAS && (!dns_lookup(r, rec->target, DNS_T_A, err) ||
					       !dns_lookup(r, rec->target, DNS_T_AAAA, err)))
			return -1;
	}
	return 0;
}

void dnsplan_zone_lines(const struct dnsplan *p, const struct dnsplan_rec *rec, struct strbuf *out)
{
	char value[DNS_MAX_NAME + 32];
	if (rec->kind == REC_SRV) {
		snprintf(value, sizeof(value), "0 0 %u %s", rec->port, rec->target);
		dns_zone_line(out, rec->name, DNSPLAN_TTL, "SRV", value);
		return;
	}
	if (rec->kind == REC_ALIAS) {
		dns_zone_line(out, rec->name, DNSPLAN_TTL, "CNAME", rec->target);
		return;
	}
	const json_t *addrs = json_object_get(p->pool, "ListenAddress");
	size_t n = 0;
	for (size_t i = 0; i < value_count(addrs); i++) {
		const char *a = json_string_value(value_item(addrs, i));
		if (!a)
			continue;
		sb_adds(out, n++ ? "\n" : "");
		dns_zone_line(out, rec->name, DNSPLAN_TTL, strchr(a, ':') ? "AAAA" : "A", a);
	}
	if (n == 0) {
		sb_adds(out, "; ");
		dns_zone_line(out, rec->name, DNSPLAN_TTL, "A", "<its IPv4 address>");
	}
}

json_t *dnsplan_pools(struct cmd_ctx *ctx)
{
	struct store *st = cmd_store(ctx);
	struct store_cursor *cur = NULL;
	struct ucsh_err err;
	json_t *pools = json_array(), *row;
	struct store_query_opts opts = { .sort = "Identity" };
	int rc = st ? store_query(st, "Pool", NULL, &opts, &cur, &err) : -1;
	while (rc == 0 && (rc = store_cursor_next(cur, &row, &err)) == 1) {
		json_array_append_new(pools, row);
		rc = 0;
	}
	store_cursor_free(cur);
	if (rc < 0) {
		if (st)
			cmd_fail(ctx, NULL, "cannot read the pools: %s", err.msg);
		json_decref(pools);
		return NULL;
	}
	return pools;
}

static bool serves(const json_t *pool, const char *domain)
{
	const json_t *ds = json_object_get(pool, "SipDomain");
	for (size_t i = 0; i < value_count(ds); i++)
		if (str_ieq(json_string_value(value_item(ds, i)), domain))
			return true;
	return false;
}

json_t *dnsplan_pool_for(json_t *pools, const char *domain, const char *given,
			 struct ucsh_err *err)
{
	size_t i;
	json_t *pool;
	json_array_foreach(pools, i, pool) {
		const char *id = json_string_value(json_object_get(pool, "Identity"));
		if (given ? str_ieq(id, given) : serves(pool, domain))
			return pool;
	}
	if (given)
		err_set(err, "-Pool: there is no pool '%s'", given), err_hint(err, "Get-CsPool lists the pools");
	else
		err_set(err, "no pool serves the SIP domain '%s'", domain),
			err_hint(err, "Set-CsPool -SipDomain adds it to a pool, or name one with -Pool");
	return NULL;
}

struct dns_resolver *dnsplan_resolver(struct cmd_ctx *ctx, int timeout_ms)
{
	struct ucsh_err err;
	err_clear(&err);
	struct dns_resolver *r = dns_resolver_new(cmd_arg_str(ctx, "DnsServer"), timeout_ms, 2, &err);
	if (!r)
		cmd_fail(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
	return r;
}

char *dnsplan_default_ca(struct cmd_ctx *ctx)
{
	const char *given = cmd_arg_str(ctx, "CaFile");
	if (given)
		return xstrdup(given);
	struct store *st = cmd_store(ctx);
	const char *uri = st ? store_uri(st) : "";
	const char *path = str_iprefix("sqlite://", uri) ? uri + 9 : uri;
	const char *slash = strrchr(path, '/');
	return slash ? xasprintf("%.*s/%s/%s", (int)(slash - path), path, PKI_DIR, PKI_CA_CERT)
		     : xasprintf("%s/%s", PKI_DIR, PKI_CA_CERT);
}

const char *dnsplan_first_addr(const struct dns_answer *a, const struct dns_answer *aaaa)
{
	if (a && a->naddr)
		return a->addr[0];
	if (aaaa && aaaa->naddr)
		return aaaa->addr[0];
	return NULL;
}

bool dnsplan_cancelled(void *ctx)
{
	return cmd_cancelled(ctx);
}
