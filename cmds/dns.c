/*
 * dns: Test-CsDnsPublication, Get-CsDnsRecord and Get-CsDhcpOption.
 *
 * Test-CsDnsPublication gathers every SIP domain first (parameters and
 * pipeline), then asks all their records at once through one c-ares
 * channel, then the addresses of the SRV targets found, and only then
 * judges each record against the plan of its pool (dnsplan.c). The TLS
 * and update-service probes that follow are made once per address, port
 * and name, however many domains lead there. One DnsCheck object per
 * check; a Fail among them makes the command end with an error, so that
 * `ucsh -c` exits non-zero for monitoring.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmds.h"
#include "dhcp.h"
#include "dnsplan.h"
#include "principal.h"
#include "tlsprobe.h"
#include "updprobe.h"
#include "value.h"

#define MIN_CERT_DAYS 30
#define MAX_DOMAINS 100000

static const char *const scope_names[] = { "Internal", "External", "All", NULL };
static const char *const format_names[] = { "Object", "Zone", NULL };

static unsigned scope_mask(struct cmd_ctx *ctx, unsigned dflt)
{
	const char *s = cmd_arg_str(ctx, "Scope");
	return !s ? dflt : str_ieq(s, "Internal") ? SCOPE_INTERNAL
		: str_ieq(s, "External") ? SCOPE_EXTERNAL : SCOPE_ALL;
}

/* ---- Gathering the domains --------------------------------------------- */

struct dns_state {
	json_t *domains; /* strings, lower case, in order, without repeats */
	json_t *seen;    /* domain -> true */
	json_t *pools;
	struct dns_resolver *res;
	char *ca_file;
	json_t *probe_cache; /* "tls|addr|port|name" or "upd|url|addr" -> result */
	size_t checks, fails, warnings;
};

static void dns_cleanup(struct cmd_ctx *ctx)
{
	struct dns_state *s = ctx->state;
	if (!s)
		return;
	json_decref(s->domains);
	json_decref(s->seen);
	json_decref(s->pools);
	json_decref(s->probe_cache);
	dns_resolver_free(s->res);
	free(s->ca_file);
	free(s);
	ctx->state = NULL;
}

static int dns_begin(struct cmd_ctx *ctx)
{
	struct dns_state *s = xcalloc(1, sizeof(*s));
	ctx->state = s;
	s->domains = json_array();
	s->seen = json_object();
	s->probe_cache = json_object();
	return 0;
}

/* Add the domains of -SipDomain (a string, an array, or a Pool's property). */
static int dns_process(struct cmd_ctx *ctx, json_t *input)
{
	struct dns_state *s = ctx->state;
	const json_t *v = cmd_arg(ctx, "SipDomain");
	for (size_t i = 0; i < value_count(v); i++) {
		const char *d = json_string_value(value_item(v, i));
		if (!d || !dns_name_valid(d)) {
			char *shown = value_to_string(value_item(v, i));
			int rc = cmd_error(ctx, "e.g. -SipDomain contoso.com",
					   "-SipDomain '%s' is not a domain name", shown);
			free(shown);
			if (rc)
				return rc;
			continue;
		}
		char key[DNS_MAX_NAME + 1];
		size_t n = strlen(d) - (d[strlen(d) - 1] == '.');
		for (size_t k = 0; k < n; k++)
			key[k] = (char)(d[k] >= 'A' && d[k] <= 'Z' ? d[k] + 32 : d[k]);
		key[n] = '\0';
		if (json_object_get(s->seen, key))
			continue;
		if (json_array_size(s->domains) >= MAX_DOMAINS)
			return cmd_fail(ctx, NULL, "more than %d SIP domains at once", MAX_DOMAINS);
		json_object_set_new(s->seen, key, json_true());
		json_array_append_new(s->domains, json_string(key));
	}
	return 0;
}

/* Without -SipDomain: every domain of the chosen pool, or of every pool. */
static void default_domains(struct cmd_ctx *ctx, struct dns_state *s)
{
	const char *given = cmd_arg_str(ctx, "Pool");
	size_t i;
	json_t *pool;
	json_array_foreach(s->pools, i, pool) {
		if (given && !str_ieq(given, json_string_value(json_object_get(pool, "Identity"))))
			continue;
		const json_t *ds = json_object_get(pool, "SipDomain");
		for (size_t k = 0; k < value_count(ds); k++) {
			const char *d = json_string_value(value_item(ds, k));
			if (d && !json_object_get(s->seen, d)) {
				json_object_set_new(s->seen, d, json_true());
				json_array_append_new(s->domains, json_string(d));
			}
		}
	}
}

/* The plans of every domain (NULL where no pool serves it: error written). */
static struct dnsplan **make_plans(struct cmd_ctx *ctx, struct dns_state *s, unsigned mask,
				   int *rc)
{
	size_t n = json_array_size(s->domains);
	struct dnsplan **plans = xcalloc(n ? n : 1, sizeof(*plans));
	struct ucsh_err err;
	*rc = 0;
	for (size_t i = 0; i < n && *rc == 0; i++) {
		const char *d = json_string_value(json_array_get(s->domains, i));
		json_t *pool = dnsplan_pool_for(s->pools, d, cmd_arg_str(ctx, "Pool"), &err);
		if (!pool)
			*rc = cmd_error(ctx, err.hint, "%s", err.msg);
		else
			plans[i] = dnsplan_new(d, pool, mask);
	}
	return plans;
}

static void free_plans(struct dnsplan **plans, size_t n)
{
	for (size_t i = 0; plans && i < n; i++)
		dnsplan_free(plans[i]);
	free(plans);
}

static struct dns_resolver *ctx_res(struct cmd_ctx *ctx)
{
	return ((struct dns_state *)ctx->state)->res;
}

/* ---- Judging ------------------------------------------------------------- */

enum verdict { PASS, WARNING, FAIL };
static const char *const verdict_names[] = { "Pass", "Warning", "Fail" };

struct check {
	const struct dnsplan *plan;
	const struct dnsplan_rec *rec;
	const char *record, *type, *purpose;
	struct strbuf expected, found, remedy;
	enum verdict v;
};

static void check_init(struct check *c, const struct dnsplan *p, const struct dnsplan_rec *r,
		       const char *record, const char *type)
{
	*c = (struct check){ .plan = p, .rec = r, .record = record, .type = type, .purpose = r->purpose,
			     .expected = STRBUF_INIT, .found = STRBUF_INIT, .remedy = STRBUF_INIT };
}

static int check_emit(struct cmd_ctx *ctx, struct check *c)
{
	struct dns_state *s = ctx->state;
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			      "SipDomain", c->plan->domain, "Scope", dnsplan_scope_name(c->rec->scope),
			      "Record", c->record, "Type", c->type, "Expected", sb_str(&c->expected),
			      "Found", sb_str(&c->found), "Result", verdict_names[c->v],
			      "Remediation", sb_str(&c->remedy), "Purpose", c->purpose);
	value_set_type(o, "DnsCheck");
	sb_free(&c->expected);
	sb_free(&c->found);
	sb_free(&c->remedy);
	s->checks++;
	s->fails += c->v == FAIL;
	s->warnings += c->v == WARNING;
	return cmd_emit(ctx, o);
}

/* Found for an answer that has nothing: "none (why)". */
static void found_none(struct strbuf *sb, const struct dns_answer *a)
{
	size_t before = sb->len;
	dns_answer_short(a, sb);
	sb_addf(sb, "%snone (%s%s%s)", sb->len > before ? ", " : "", dns_status_name(a->status),
		*a->error ? ": " : "", a->error);
}

/* Found for a host: the A and AAAA answers together, as dig +short lists them. */
static void found_host(struct strbuf *sb, const struct dns_answer *a, const struct dns_answer *aaaa)
{
	dns_answer_short(a, sb);
	if (aaaa->naddr) {
		for (size_t i = 0; i < aaaa->naddr; i++)
			sb_addf(sb, "%s%s", sb->len ? ", " : "", aaaa->addr[i]);
	}
	if (!a->naddr && !aaaa->naddr) {
		sb_reset(sb);
		found_none(sb, a->status == DNS_NODATA && aaaa->status != DNS_NODATA ? aaaa : a);
	}
}

static bool answer_broken(const struct dns_answer *a)
{
	return a->status == DNS_LOOP || a->status == DNS_LONGCHAIN;
}

/* The remedy for a broken chain names the alias to replace. */
static void remedy_chain(struct strbuf *sb, const struct dns_answer *a)
{
	sb_addf(sb, "; the CNAME chain from %s. %s: replace the alias so that it ends at an "
		"address, e.g.\n", a->name, a->status == DNS_LOOP ? "comes back to itself"
		: "is too long");
}

/* An address check: the host (name) must have an address. */
static int check_address(struct cmd_ctx *ctx, const struct dnsplan *p, const struct dnsplan_rec *rec,
			 const char *name, enum verdict missing)
{
	struct dns_state *s = ctx->state;
	struct ucsh_err err;
	struct dns_answer *a = dns_lookup(s->res, name, DNS_T_A, &err);
	struct dns_answer *aaaa = dns_lookup(s->res, name, DNS_T_AAAA, &err);
	if (!a || !aaaa)
		return 0; /* not a DNS name: the SRV check said so */
	struct check c;
	check_init(&c, p, rec, name, "A/AAAA");
	sb_adds(&c.expected, "an address (A or AAAA)");
	found_host(&c.found, a, aaaa);
	if (!a->naddr && !aaaa->naddr) {
		c.v = answer_broken(a) ? FAIL : missing;
		if (answer_broken(a))
			remedy_chain(&c.remedy, a);
		struct dnsplan_rec host = *rec;
		host.kind = REC_HOST;
		snprintf(host.name, sizeof(host.name), "%s", name);
		dnsplan_zone_lines(p, &host, &c.remedy);
	}
	return check_emit(ctx, &c);
}

/* ---- TLS and the update service ------------------------------------------- */

/* The TLS check of name:port at addr, cached. */
static int check_tls(struct cmd_ctx *ctx, const struct dnsplan *p, const struct dnsplan_rec *rec,
		     const char *name, const char *addr, unsigned port)
{
	struct dns_state *s = ctx->state;
	char *key = xasprintf("tls|%s|%u|%s", addr, port, name);
	json_t *r = json_object_get(s->probe_cache, key);
	if (!r) {
		struct tls_probe t = { .addr = addr, .port = port, .name = name,
				       .ca_file = s->ca_file, .timeout_ms = 3000 };
		char why[512], found[1024];
		tls_probe_run(&t, false);
		bool ok = tls_probe_cert_ok(&t, MIN_CERT_DAYS, why, sizeof(why));
		if (t.handshake)
			snprintf(found, sizeof(found), "%s, names %s, issuer %s, expires %s (%ld days)",
				 t.version, *t.names ? t.names : t.subject, t.issuer, t.not_after,
				 t.days_left);
		else
			snprintf(found, sizeof(found), "%s", why);
		r = json_pack("{s:b,s:s,s:s}", "ok", ok, "found", found, "why", ok ? "" : why);
		json_object_set_new(s->probe_cache, key, r);
	}
	free(key);
	struct check c;
	char *record = xasprintf("%s:%u", name, port);
	check_init(&c, p, rec, record, "TLS");
	c.purpose = "phones trust the server they reach";
	sb_addf(&c.expected, "a TLS handshake; a trusted certificate naming %s, valid %d more days",
		name, MIN_CERT_DAYS);
	sb_adds(&c.found, json_string_value(json_object_get(r, "found")));
	if (!json_is_true(json_object_get(r, "ok"))) {
		c.v = FAIL;
		sb_addf(&c.remedy, "%s; serve on %s port %u (%s) a certificate from a CA the phones "
			"trust, with DNS:%s among its subject alternative names and at least %d days "
			"left", json_string_value(json_object_get(r, "why")), name, port, addr, name,
			MIN_CERT_DAYS);
	}
	int rc = check_emit(ctx, &c);
	free(record);
	return rc;
}

/* The update URL on host (at addr), cached: internal answers 200
 * <UpdateResponse>, external 401 with a Digest challenge. */
static int check_update(struct cmd_ctx *ctx, const struct dnsplan *p, const struct dnsplan_rec *rec,
			const char *host, const char *addr, bool external)
{
	struct dns_state *s = ctx->state;
	char *url = xasprintf("https://%s:%u/%s/ucdevice.upx", host, rec->port,
			      external ? "RequestHandlerExt" : "RequestHandler");
	char *key = xasprintf("upd|%s|%s", url, addr);
	json_t *r = json_object_get(s->probe_cache, key);
	if (!r) {
		struct update_probe u = { .url = url, .host = host, .addr = addr, .port = rec->port,
					  .mac = "00-00-5E-00-53-00", .brand = "Polycom",
					  .model = "CX600", .version = "0.0.0.0", .timeout_ms = 5000 };
		char found[512];
		update_probe_run(&u);
		bool ok = update_probe_answer_ok(&u, external, found, sizeof(found));
		r = json_pack("{s:b,s:s}", "ok", ok, "found", found);
		json_object_set_new(s->probe_cache, key, r);
	}
	struct check c;
	check_init(&c, p, rec, url, "HTTPS");
	c.purpose = external ? "phones outside check for updates" : "phones check for updates";
	sb_adds(&c.expected, external ? "401 with a Digest challenge (anonymous access refused)"
				      : "200 text/xml <UpdateResponse>");
	sb_adds(&c.found, json_string_value(json_object_get(r, "found")));
	if (!json_is_true(json_object_get(r, "ok"))) {
		c.v = FAIL;
		sb_addf(&c.remedy, "the Device Update web service (%s site) must answer at %s (%s): "
			"check that ucshd runs (Get-CsService), that %sHttpsPort of the pool is %u "
			"and that nothing else answers there", external ? "external" : "internal",
			url, addr, external ? "External" : "Internal", rec->port);
	}
	int rc = check_emit(ctx, &c);
	free(key);
	free(url);
	return rc;
}

/* ---- One record of the plan ------------------------------------------------ */

/* Does the SRV answer hold the expected target and port? */
static enum verdict judge_srv(const struct dnsplan_rec *rec, struct strbuf *why)
{
	bool port_ok = false;
	for (size_t i = 0; i < rec->srv->nsrv; i++) {
		const struct dns_srv *v = &rec->srv->srv[i];
		bool target_ok = rec->any_target ? *v->target != '\0'
						 : strcasecmp(v->target, rec->target) == 0;
		if (target_ok && v->port == rec->port)
			return PASS;
		port_ok |= v->port == rec->port && *v->target;
	}
	if (port_ok) {
		sb_addf(why, "; points at another host than the pool %s: change it to\n", rec->target);
		return WARNING;
	}
	sb_addf(why, "; no record with port %u: change it to\n", rec->port);
	return FAIL;
}

/* Is name a host record of the plan in scope (checked there already)? */
static bool plan_has_host(const struct dnsplan *p, const char *name, enum dnsplan_scope scope)
{
	for (size_t i = 0; i < p->nrec; i++)
		if (p->recs[i].kind == REC_HOST && p->recs[i].scope == scope &&
		    strcasecmp(p->recs[i].name, name) == 0)
			return true;
	return false;
}

static int check_srv(struct cmd_ctx *ctx, const struct dnsplan *p, const struct dnsplan_rec *rec,
		     bool dns_only)
{
	struct check c;
	check_init(&c, p, rec, rec->name, "SRV");
	sb_addf(&c.expected, "0 0 %u %s.", rec->port, rec->any_target ? "<an NTP server>" : rec->target);
	if (rec->srv->nsrv) {
		dns_answer_short(rec->srv, &c.found);
		c.v = judge_srv(rec, &c.remedy);
	} else {
		found_none(&c.found, rec->srv);
		c.v = rec->required || answer_broken(rec->srv) ? FAIL : WARNING;
	}
	if (c.v != PASS)
		dnsplan_zone_lines(p, rec, &c.remedy);
	int rc = check_emit(ctx, &c);
	/* each target the record names must have an address, and answer TLS */
	for (size_t i = 0; rc == 0 && i < rec->srv->nsrv && i < 4; i++) {
		const struct dns_srv *v = &rec->srv->srv[i];
		if (!*v->target)
			continue;
		if (!plan_has_host(p, v->target, rec->scope))
			rc = check_address(ctx, p, rec, v->target, FAIL);
		struct ucsh_err err;
		const char *addr = dnsplan_first_addr(dns_lookup(ctx_res(ctx), v->target, DNS_T_A, &err),
						      dns_lookup(ctx_res(ctx), v->target, DNS_T_AAAA, &err));
		if (rc == 0 && addr && !dns_only && (rec->checks & CHK_TLS))
			rc = check_tls(ctx, p, rec, v->target, addr, v->port);
	}
	return rc;
}

/* Is one of the addresses of answer a/aaaa among those of the target? */
static bool same_address(struct dns_resolver *res, const struct dnsplan_rec *rec)
{
	struct ucsh_err err;
	const struct dns_answer *t[2] = { dns_lookup(res, rec->target, DNS_T_A, &err),
					  dns_lookup(res, rec->target, DNS_T_AAAA, &err) };
	const struct dns_answer *mine[2] = { rec->a, rec->aaaa };
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; t[k] && i < mine[k]->naddr; i++)
			for (size_t j = 0; j < t[k]->naddr; j++)
				if (strcmp(mine[k]->addr[i], t[k]->addr[j]) == 0)
					return true;
	return false;
}

static int check_host(struct cmd_ctx *ctx, const struct dnsplan *p, const struct dnsplan_rec *rec,
		      bool dns_only)
{
	struct check c;
	check_init(&c, p, rec, rec->name, "A/AAAA");
	const json_t *listen = json_object_get(p->pool, "ListenAddress");
	sb_adds(&c.expected, "an address (A or AAAA)");
	if (value_count(listen)) {
		char *l = value_to_string(listen);
		sb_addf(&c.expected, ", one the pool listens on: %s", l);
		free(l);
	}
	found_host(&c.found, rec->a, rec->aaaa);
	bool has = rec->a->naddr || rec->aaaa->naddr;
	if (!has) {
		c.v = FAIL;
		if (answer_broken(rec->a))
			remedy_chain(&c.remedy, rec->a);
		dnsplan_zone_lines(p, rec, &c.remedy);
	} else if (value_count(listen)) {
		bool listed = false;
		const struct dns_answer *mine[2] = { rec->a, rec->aaaa };
		for (int k = 0; k < 2; k++)
			for (size_t i = 0; i < mine[k]->naddr; i++)
				for (size_t j = 0; j < value_count(listen); j++)
					listed |= str_ieq(mine[k]->addr[i],
							  json_string_value(value_item(listen, j)));
		if (!listed) {
			c.v = WARNING;
			sb_adds(&c.remedy, "; the pool listens on other addresses (ListenAddress): "
				"publish one of them\n");
			dnsplan_zone_lines(p, rec, &c.remedy);
		}
	}
	int rc = check_emit(ctx, &c);
	const char *addr = dnsplan_first_addr(rec->a, rec->aaaa);
	if (rc == 0 && addr && !dns_only && (rec->checks & CHK_UPDATE_INT))
		rc = check_update(ctx, p, rec, rec->name, addr, false);
	return rc;
}

static int check_alias(struct cmd_ctx *ctx, const struct dnsplan *p, const struct dnsplan_rec *rec,
		       bool dns_only)
{
	struct check c;
	check_init(&c, p, rec, rec->name, "CNAME");
	sb_addf(&c.expected, "CNAME %s. (or an address of it)", rec->target);
	found_host(&c.found, rec->a, rec->aaaa);
	bool has = rec->a->naddr || rec->aaaa->naddr;
	if (answer_broken(rec->a)) {
		c.v = FAIL;
		remedy_chain(&c.remedy, rec->a);
	} else if (!has) {
		c.v = rec->required ? FAIL : WARNING;
	} else if (!dns_answer_reaches(rec->a, rec->target) &&
		   !dns_answer_reaches(rec->aaaa, rec->target) && !same_address(ctx_res(ctx), rec)) {
		c.v = WARNING;
		sb_addf(&c.remedy, "; leads elsewhere than %s: change it to\n", rec->target);
	}
	if (c.v != PASS)
		dnsplan_zone_lines(p, rec, &c.remedy);
	int rc = check_emit(ctx, &c);
	const char *addr = dnsplan_first_addr(rec->a, rec->aaaa);
	if (rc == 0 && addr && !dns_only && (rec->checks & CHK_TLS))
		rc = check_tls(ctx, p, rec, rec->name, addr, rec->port);
	if (rc == 0 && addr && !dns_only && (rec->checks & CHK_UPDATE_EXT))
		rc = check_update(ctx, p, rec, rec->name, addr, true);
	return rc;
}

/* ---- Test-CsDnsPublication -------------------------------------------------- */

/* Queue the addresses of every SRV target found (second round of look-ups). */
static int submit_targets(struct dns_state *s, struct dnsplan **plans, size_t n,
			  struct ucsh_err *err)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; plans[i] && k < plans[i]->nrec; k++) {
			const struct dns_answer *a = plans[i]->recs[k].srv;
			for (size_t j = 0; a && j < a->nsrv && j < 4; j++)
				if (*a->srv[j].target &&
				    (!dns_lookup(s->res, a->srv[j].target, DNS_T_A, err) ||
				     !dns_lookup(s->res, a->srv[j].target, DNS_T_AAAA, err)))
					return -1;
		}
	return 0;
}

static int resolve_all(struct cmd_ctx *ctx, struct dns_state *s, struct dnsplan **plans, size_t n)
{
	struct ucsh_err err;
	err_clear(&err);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (plans[i])
			rc = dnsplan_submit(plans[i], s->res, &err);
	if (rc == 0)
		rc = dns_resolver_run(s->res, dnsplan_cancelled, ctx, &err);
	if (rc == 0)
		rc = submit_targets(s, plans, n, &err);
	if (rc == 0)
		rc = dns_resolver_run(s->res, dnsplan_cancelled, ctx, &err);
	if (rc)
		return cmd_fail(ctx, NULL, "DNS: %s", err.msg);
	return cmd_cancelled(ctx) ? -1 : 0;
}

static int test_dns_end(struct cmd_ctx *ctx)
{
	struct dns_state *s = ctx->state;
	int timeout = (int)cmd_arg_int(ctx, "TimeoutSeconds", 2);
	if (timeout < 1 || timeout > 60)
		return cmd_fail(ctx, "e.g. -TimeoutSeconds 2", "-TimeoutSeconds must be 1 to 60, "
				"not %d", timeout);
	if (!(s->pools = dnsplan_pools(ctx)))
		return -1;
	if (json_array_size(s->domains) == 0)
		default_domains(ctx, s);
	if (json_array_size(s->domains) == 0)
		return cmd_fail(ctx, "give -SipDomain, or New-CsPool -SipDomain", "no SIP domain to check");
	if (!(s->res = dnsplan_resolver(ctx, timeout * 1000)))
		return -1;
	s->ca_file = dnsplan_default_ca(ctx);
	bool dns_only = cmd_arg_bool(ctx, "DnsOnly");
	size_t n = json_array_size(s->domains);
	int rc;
	struct dnsplan **plans = make_plans(ctx, s, scope_mask(ctx, SCOPE_ALL), &rc);
	if (rc == 0)
		rc = resolve_all(ctx, s, plans, n);
	for (size_t i = 0; i < n && rc == 0; i++)
		for (size_t k = 0; plans[i] && k < plans[i]->nrec && rc == 0; k++) {
			const struct dnsplan_rec *rec = &plans[i]->recs[k];
			rc = rec->kind == REC_SRV ? check_srv(ctx, plans[i], rec, dns_only)
			     : rec->kind == REC_HOST ? check_host(ctx, plans[i], rec, dns_only)
						     : check_alias(ctx, plans[i], rec, dns_only);
		}
	free_plans(plans, n);
	cmd_verbose(ctx, "%lu DNS queries for %zu domains", dns_resolver_queries(s->res), n);
	if (rc == 0 && s->fails)
		rc = cmd_error(ctx, "the checks with Result Fail say what to add or change",
			       "%zu of %zu DNS publication checks failed", s->fails, s->checks);
	return rc;
}

/* ---- Get-CsDnsRecord ----------------------------------------------------------- */

static int emit_records(struct cmd_ctx *ctx, const struct dnsplan *p, bool zone)
{
	int rc = 0;
	for (size_t k = 0; k < p->nrec && rc == 0; k++) {
		const struct dnsplan_rec *rec = &p->recs[k];
		struct strbuf sb = STRBUF_INIT;
		dnsplan_zone_lines(p, rec, &sb);
		if (zone) {
			/* one string per line, as Get-Content gives them */
			char *save, *line = strtok_r(sb.buf, "\n", &save);
			for (; line && rc == 0; line = strtok_r(NULL, "\n", &save))
				rc = cmd_emit(ctx, json_string(line));
			sb_free(&sb);
			continue;
		}
		const char *type = rec->kind == REC_SRV ? "SRV" : rec->kind == REC_ALIAS ? "CNAME" : "A/AAAA";
		char value[DNS_MAX_NAME + 32];
		if (rec->kind == REC_SRV)
			snprintf(value, sizeof(value), "0 0 %u %s.", rec->port, rec->target);
		else if (rec->kind == REC_ALIAS)
			snprintf(value, sizeof(value), "%s.", rec->target);
		else {
			json_t *l = json_object_get(p->pool, "ListenAddress");
			char *t = value_count(l) ? value_to_string(l) : xstrdup("(the pool's address)");
			snprintf(value, sizeof(value), "%s", t);
			free(t);
		}
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:b,s:s,s:s}", "SipDomain", p->domain,
				      "Scope", dnsplan_scope_name(rec->scope), "Name", rec->name,
				      "Type", type, "Ttl", DNSPLAN_TTL, "Value", value,
				      "Required", rec->required, "Purpose", rec->purpose,
				      "ZoneLine", sb_str(&sb));
		value_set_type(o, "DnsRecord");
		sb_free(&sb);
		rc = cmd_emit(ctx, o);
	}
	return rc;
}

static int get_records_end(struct cmd_ctx *ctx)
{
	struct dns_state *s = ctx->state;
	if (!(s->pools = dnsplan_pools(ctx)))
		return -1;
	if (json_array_size(s->domains) == 0)
		default_domains(ctx, s);
	const char *f = cmd_arg_str(ctx, "Format");
	bool zone = f && str_ieq(f, "Zone");
	size_t n = json_array_size(s->domains);
	int rc;
	struct dnsplan **plans = make_plans(ctx, s, scope_mask(ctx, SCOPE_ALL), &rc);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (plans[i])
			rc = emit_records(ctx, plans[i], zone);
	free_plans(plans, n);
	return rc;
}

/* ---- Get-CsDhcpOption ---------------------------------------------------------- */

static json_t *dhcp_object(const char *pool, const unsigned char *o120, size_t n120,
			   const unsigned char *o43, size_t n43)
{
	struct strbuf h120 = STRBUF_INIT, h43 = STRBUF_INIT, isc = STRBUF_INIT, kea = STRBUF_INIT,
		      dm = STRBUF_INIT;
	dhcp_hex(o120, n120, "", &h120);
	dhcp_hex(o43, n43, "", &h43);
	dhcp_config_isc(o120, n120, o43, n43, pool, &isc);
	dhcp_config_kea(o120, n120, o43, n43, &kea);
	dhcp_config_dnsmasq(o120, n120, o43, n43, pool, &dm);
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Pool", pool,
			      "Option120", sb_str(&h120), "Option43", sb_str(&h43),
			      "VendorClass", DHCP_UC_VENDOR_CLASS, "IscDhcpd", sb_str(&isc),
			      "Kea", sb_str(&kea), "Dnsmasq", sb_str(&dm));
	value_set_type(o, "DhcpOption");
	sb_free(&h120);
	sb_free(&h43);
	sb_free(&isc);
	sb_free(&kea);
	sb_free(&dm);
	return o;
}

static int one_pool_options(struct cmd_ctx *ctx, const json_t *pool)
{
	struct ucsh_err err;
	unsigned char o120[DHCP_OPTION_MAX], o43[DHCP_OPTION_MAX];
	size_t n120, n43;
	const char *id = json_string_value(json_object_get(pool, "Identity"));
	const char *web = json_string_value(json_object_get(pool, "InternalWebFqdn"));
	unsigned port = (unsigned)json_integer_value(json_object_get(pool, "InternalHttpsPort"));
	const char *names[] = { id };
	if (dhcp_option120(names, 1, o120, &n120, &err) ||
	    dhcp_option43("https", web && *web ? web : id, port, DHCP_CERTPROV_PATH, o43, &n43, &err))
		return cmd_error(ctx, NULL, "pool '%s': %s", id, err.msg);
	return cmd_emit(ctx, dhcp_object(id, o120, n120, o43, n43));
}

static int get_dhcp_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *pools = dnsplan_pools(ctx);
	if (!pools)
		return -1;
	const char *given = cmd_arg_str(ctx, "Pool");
	int rc = 0, found = 0;
	size_t i;
	json_t *pool;
	json_array_foreach(pools, i, pool) {
		if (rc || (given && !str_ieq(given, json_string_value(json_object_get(pool, "Identity")))))
			continue;
		found++;
		rc = one_pool_options(ctx, pool);
	}
	json_decref(pools);
	if (rc == 0 && !found)
		rc = cmd_error(ctx, "Get-CsPool lists the pools", given ? "there is no pool '%s'"
			       : "there is no pool%s", given ? given : "");
	return rc;
}

/* ---- Entries -------------------------------------------------------------------- */

static const struct cmd_param test_dns_params[] = {
	{ .name = "SipDomain", .type = PT_STRING, .position = 0,
	  .flags = PF_ARRAY | PF_PIPE_VALUE | PF_PIPE_PROP,
	  .help = "The SIP domains to check, from the pipeline too (strings, or pools by their "
		  "SipDomain). Default: every domain of -Pool, or of every pool." },
	{ .name = "Scope", .type = PT_ENUM, .position = POS_NAMED, .values = scope_names,
	  .help = "Internal (what phones inside use), External (what must be in public DNS) or "
		  "All (the default)." },
	{ .name = "DnsServer", .type = PT_STRING, .position = POS_NAMED,
	  .help = "The DNS server to ask: host, host:port or [IPv6]:port. Default: the system's "
		  "resolver (/etc/resolv.conf). Ask an outside server for -Scope External." },
	{ .name = "Pool", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Check against this pool rather than the pool that serves each domain.",
	  .complete = principal_complete_pool },
	{ .name = "CaFile", .type = PT_STRING, .position = POS_NAMED,
	  .help = "PEM file of CA certificates that phones trust, besides the system's. Default: "
		  "the private CA next to the store (pki/ca.pem)." },
	{ .name = "DnsOnly", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Check the records only: no TLS handshake, no update request." },
	{ .name = "TimeoutSeconds", .type = PT_INT, .position = POS_NAMED,
	  .help = "How long to wait for each DNS answer before trying again (once), 1 to 60 "
		  "(default 2)." },
	{ 0 },
};

static const struct cmd_param get_records_params[] = {
	{ .name = "SipDomain", .type = PT_STRING, .position = 0,
	  .flags = PF_ARRAY | PF_PIPE_VALUE | PF_PIPE_PROP,
	  .help = "The SIP domains. Default: every domain of -Pool, or of every pool." },
	{ .name = "Scope", .type = PT_ENUM, .position = POS_NAMED, .values = scope_names,
	  .help = "Internal, External or All (the default)." },
	{ .name = "Pool", .type = PT_STRING, .position = POS_NAMED,
	  .help = "The pool the records point at. Default: the pool serving each domain.",
	  .complete = principal_complete_pool },
	{ .name = "Format", .type = PT_ENUM, .position = POS_NAMED, .values = format_names,
	  .help = "Object (the default): DnsRecord objects; Zone: zone-file lines as strings." },
	{ 0 },
};

static const struct cmd_param get_dhcp_params[] = {
	{ .name = "Pool", .type = PT_STRING, .position = 0, .flags = PF_PIPE_PROP,
	  .aliases = (const char *const[]){ "Identity", NULL },
	  .help = "The pool phones should find. Default: every pool.",
	  .complete = principal_complete_pool },
	{ 0 },
};

const struct cmd_entry cmd_test_csdnspublication_entry = {
	.name = "Test-CsDnsPublication",
	.synopsis = "Checks the DNS records phones and clients need, and says how to fix them.",
	.description = "Resolves, with the given DNS server, every record that phones and clients "
		       "use to find the pool of each SIP domain, and checks it against the pool: "
		       "the SRV records' targets and ports, that each target has an address, that "
		       "a TLS handshake with the target succeeds with a trusted certificate naming "
		       "it and valid at least 30 more days, and that the Device Update web service "
		       "answers at its URL (internal: 200 with an <UpdateResponse>; external, "
		       "ucupdates-r2: 401 asking for Digest sign-in).\n\n"
		       "Internal records: _sipinternaltls._tcp, _sipinternal._tcp, sipinternal, the "
		       "pool's and the internal web site's names, _ntp._udp, lyncdiscoverinternal. "
		       "External: _sip._tls, sip, the pool's name, ucupdates-r2, the external web "
		       "site's name, lyncdiscover, _sipfederationtls._tcp. CNAMEs are followed; a "
		       "loop is a failure.\n\n"
		       "Writes one DnsCheck per check: Record, Type, Scope, Expected, Found (as "
		       "`dig +short` shows the answer), Result (Pass, Warning for an optional "
		       "record that is missing or leads elsewhere, Fail) and Remediation (the "
		       "zone-file line to add or change). When any check fails the command ends "
		       "with an error, so `ucsh -c` exits with status 1. All domains are resolved "
		       "in parallel.",
	.params = test_dns_params,
	.examples = (const struct cmd_example[]){
		{ "Test-CsDnsPublication -SipDomain contoso.com -Scope Internal -DnsServer 10.0.0.2",
		  "Checks what phones inside see, asking the internal DNS server." },
		{ "Get-CsPool | Test-CsDnsPublication -Scope External -DnsServer 8.8.8.8 | "
		  "Where-Object Result -ne Pass | Format-List",
		  "Shows only the problems of every pool's domains in public DNS." },
		{ "ucsh -c 'Test-CsDnsPublication -DnsOnly' >/dev/null || echo 'DNS is broken'",
		  "From monitoring: the exit status says whether anything failed." },
		{ 0 } },
	.outputs = "DnsCheck",
	.role = ROLE_VIEW_ONLY,
	.begin = dns_begin,
	.process = dns_process,
	.end = test_dns_end,
	.cleanup = dns_cleanup,
};

const struct cmd_entry cmd_get_csdnsrecord_entry = {
	.name = "Get-CsDnsRecord",
	.synopsis = "Lists the DNS records to publish for the pools' SIP domains.",
	.description = "Writes the records that Test-CsDnsPublication checks, as the pool serving "
		       "each domain needs them: DnsRecord objects (SipDomain, Scope, Name, Type, "
		       "Ttl, Value, Required, Purpose, ZoneLine) or, with -Format Zone, the zone-file "
		       "lines themselves. Host addresses come from the pool's ListenAddress; when "
		       "the pool listens on every address the line is a commented template.",
	.params = get_records_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsDnsRecord -SipDomain contoso.com -Scope External -Format Zone",
		  "Prints the lines to add to the public zone of contoso.com." },
		{ "Get-CsDnsRecord | Where-Object Required | Format-Table Name, Type, Value",
		  "Lists the records without which phones cannot sign in or update." },
		{ 0 } },
	.outputs = "DnsRecord",
	.role = ROLE_VIEW_ONLY,
	.begin = dns_begin,
	.process = dns_process,
	.end = get_records_end,
	.cleanup = dns_cleanup,
};

const struct cmd_entry cmd_get_csdhcpoption_entry = {
	.name = "Get-CsDhcpOption",
	.synopsis = "Gives the DHCP options 120 and 43 that let phones find a pool.",
	.description = "Computes, for each pool (or -Pool), the value of DHCP option 120 (SIP "
		       "server, RFC 3361: encoding 0 and the pool's FQDN in DNS format) and of "
		       "option 43 for the vendor class MS-UC-Client (sub-options 1 to 5: the UC "
		       "identifier, the URL scheme https, the internal web FQDN, its HTTPS port and "
		       "the certificate provisioning path " DHCP_CERTPROV_PATH "), as hex and as "
		       "configuration ready for ISC dhcpd, Kea (a Dhcp4 fragment to merge) and "
		       "dnsmasq. Writes one DhcpOption object per pool.",
	.params = get_dhcp_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsDhcpOption -Pool pool01.contoso.com | Format-List",
		  "Shows both options and the configuration for each DHCP server." },
		{ "(Get-CsDhcpOption pool01.contoso.com).Dnsmasq | Out-File /etc/dnsmasq.d/lync.conf",
		  "Writes the dnsmasq configuration." },
		{ 0 } },
	.outputs = "DhcpOption",
	.role = ROLE_VIEW_ONLY,
	.process = get_dhcp_process,
};
