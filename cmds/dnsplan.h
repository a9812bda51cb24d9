/*
 * dnsplan: what cmds/dns.c and cmds/bootstrap.c share: the records a pool
 * publishes for a SIP domain (the plan that Get-CsDnsRecord prints and
 * Test-CsDnsPublication checks), the pool serving a domain, the resolver
 * of -DnsServer and the private CA that phones of the embedded default
 * trust.
 */
#ifndef UCSH_DNSPLAN_H
#define UCSH_DNSPLAN_H

#include <jansson.h>

#include "cmd.h"
#include "dns.h"

#define DNSPLAN_TTL 3600
#define DNSPLAN_NTP_DEFAULT "time.windows.com" /* where phones go without _ntp._udp */

enum dnsplan_scope { SCOPE_INTERNAL = 1, SCOPE_EXTERNAL = 2, SCOPE_ALL = 3 };

enum dnsplan_kind {
	REC_SRV,   /* a service record: target and port */
	REC_HOST,  /* a host name that must have an address */
	REC_ALIAS, /* a name that should lead to target (CNAME, or its address) */
};

enum dnsplan_check {
	CHK_TLS = 1,        /* a TLS handshake to what it points at, with a good certificate */
	CHK_UPDATE_INT = 2, /* the internal update URL answers */
	CHK_UPDATE_EXT = 4, /* the external update URL answers (401 with Digest) */
};

/* One record of the plan, with the look-ups that check it. */
struct dnsplan_rec {
	enum dnsplan_kind kind;
	enum dnsplan_scope scope;
	bool required;       /* Fail when missing (else Warning) */
	bool any_target;     /* SRV whose target is the admin's choice (_ntp._udp) */
	const char *purpose;
	unsigned checks;     /* enum dnsplan_check */
	char name[DNS_MAX_NAME + 1];
	char target[DNS_MAX_NAME + 1]; /* SRV and ALIAS: the expected target */
	unsigned port;                 /* SRV: the expected port; checks: the web port */
	struct dns_answer *srv, *a, *aaaa; /* filled by dnsplan_submit */
};

struct dnsplan {
	char domain[DNS_MAX_NAME + 1];
	json_t *pool; /* owned */
	struct dnsplan_rec *recs;
	size_t nrec;
};

/*
 * The plan for domain served by pool (borrowed; a reference is taken) in
 * the scopes of mask. Caller frees with dnsplan_free.
 */
struct dnsplan *dnsplan_new(const char *domain, json_t *pool, unsigned mask);
void dnsplan_free(struct dnsplan *p);

/* Queue the look-ups of every record (and its expected target). 0 / -1 err. */
int dnsplan_submit(struct dnsplan *p, struct dns_resolver *r, struct ucsh_err *err);

/* The zone-file lines that publish rec, appended (one or more lines, the
 * A/AAAA of a host from the pool's ListenAddress; a commented template
 * when the pool listens on every address). */
void dnsplan_zone_lines(const struct dnsplan *p, const struct dnsplan_rec *rec, struct strbuf *out);

const char *dnsplan_scope_name(enum dnsplan_scope s);

/*
 * Every pool in the store (a new array). NULL after writing an error.
 */
json_t *dnsplan_pools(struct cmd_ctx *ctx);
/* The pool of pools serving domain (borrowed), or -Pool's when given; NULL
 * when none (err says why). */
json_t *dnsplan_pool_for(json_t *pools, const char *domain, const char *given,
			 struct ucsh_err *err);

/* A resolver for -DnsServer (NULL: the system's); NULL after writing an error. */
struct dns_resolver *dnsplan_resolver(struct cmd_ctx *ctx, int timeout_ms);

/* The PEM file of the private CA next to the store. Caller frees. */
char *dnsplan_default_ca(struct cmd_ctx *ctx);

/* The first address of answers a then aaaa (may be NULL), or NULL. */
const char *dnsplan_first_addr(const struct dns_answer *a, const struct dns_answer *aaaa);

/* Cancel callback for dns_resolver_run: arg is the cmd_ctx. */
bool dnsplan_cancelled(void *ctx);

#endif
