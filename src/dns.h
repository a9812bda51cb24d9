/*
 * dns: the look-ups behind Test-CsDnsPublication, Get-CsDnsRecord and
 * Test-CsPhoneBootstrap. A resolver is one c-ares channel pointed at one
 * server (host[:port]) or at the system's, driven by its own poll loop:
 * ucsh is not the daemon and has no event loop of its own. Look-ups are
 * queued first and answered together by dns_resolver_run, many in flight
 * at once on the one channel, so that a thousand domains cost about what
 * one does. Each look-up follows CNAMEs (in the answer, and by asking again
 * for the end of the chain) and notices a loop.
 *
 * The answer's text is what `dig +short` prints for the same question, so
 * that an admin (and the tests) can compare the two line by line.
 *
 * Also here: the records a pool should publish, rendered as zone-file
 * lines, since the checks use them as their expectation and remedy.
 */
#ifndef UCSH_DNS_H
#define UCSH_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define DNS_MAX_NAME 253     /* text form, without the trailing dot */
#define DNS_MAX_CHAIN 8      /* CNAMEs followed before giving up */
#define DNS_MAX_RECORDS 64   /* records kept from one answer */

enum dns_type {
	DNS_T_A = 1,
	DNS_T_CNAME = 5,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
};

enum dns_status {
	DNS_PENDING,   /* not answered yet */
	DNS_OK,        /* records of the asked type, at the end of the chain */
	DNS_NODATA,    /* the name exists, without records of the type */
	DNS_NXDOMAIN,  /* no such name */
	DNS_LOOP,      /* the CNAME chain comes back to a name it passed */
	DNS_LONGCHAIN, /* more than DNS_MAX_CHAIN CNAMEs */
	DNS_SERVFAIL,
	DNS_REFUSED,
	DNS_TIMEOUT,   /* the server did not answer */
	DNS_ERROR,     /* anything else; see dns_answer.error */
};

struct dns_srv {
	unsigned priority, weight, port;
	char target[DNS_MAX_NAME + 1]; /* lower case, no trailing dot; "" for "." */
};

/* One look-up and, once run, its answer. Owned by the resolver. */
struct dns_answer {
	char name[DNS_MAX_NAME + 1]; /* as asked, lower case, no trailing dot */
	enum dns_type type;
	enum dns_status status;
	char error[96];              /* c-ares' word when status is DNS_ERROR */
	/* The CNAME chain from name: chain[i] is the target of the i-th alias. */
	char chain[DNS_MAX_CHAIN + 1][DNS_MAX_NAME + 1];
	size_t nchain;
	/* Records of type at the end of the chain: addresses as text, or SRV. */
	char addr[DNS_MAX_RECORDS][46];
	size_t naddr;
	struct dns_srv srv[DNS_MAX_RECORDS];
	size_t nsrv;
	/* private: the name asked for now, hops taken */
	char asking[DNS_MAX_NAME + 1];
	int hops;
	struct dns_resolver *owner;
};

struct dns_resolver;

/*
 * A resolver asking server ("host", "host:port", "[v6]:port"; NULL: the
 * system's resolv.conf) with timeout_ms per try and tries tries. Caller
 * owns (dns_resolver_free). NULL with err.
 */
struct dns_resolver *dns_resolver_new(const char *server, int timeout_ms, int tries,
				      struct ucsh_err *err);
void dns_resolver_free(struct dns_resolver *r);

/*
 * Queue the look-up of name (any case, trailing dot or not) for type; the
 * same question twice gives the same answer object. The answer is filled by
 * the next dns_resolver_run. NULL with err when name is not a DNS name.
 */
struct dns_answer *dns_lookup(struct dns_resolver *r, const char *name, enum dns_type type,
			      struct ucsh_err *err);

/*
 * Answer every queued look-up, at most max_inflight at a time (0: 200).
 * cancelled, when given, is asked between rounds; when it says true the
 * look-ups left are answered DNS_ERROR "cancelled". 0, or -1 with err
 * when the loop itself failed.
 */
int dns_resolver_run(struct dns_resolver *r, bool (*cancelled)(void *), void *arg,
		     struct ucsh_err *err);

/* Number of queries sent to the server so far (follow-ups included). */
unsigned long dns_resolver_queries(const struct dns_resolver *r);

const char *dns_status_name(enum dns_status s);
const char *dns_type_name(enum dns_type t);

/*
 * The answer as `dig +short` prints it, lines joined by ", ": the chain's
 * targets with a trailing dot, then the records ("0 0 5061 pool.", or an
 * address). "" when there is nothing. Appended to out.
 */
void dns_answer_short(const struct dns_answer *a, struct strbuf *out);

/* Does the answer reach name (its own name or a target in its chain)? */
bool dns_answer_reaches(const struct dns_answer *a, const char *name);

/*
 * Parse a DNS response (abuf[0..alen)) for the question (qname, qtype)
 * into a, following the CNAMEs inside it from qname. Sets status (OK,
 * NODATA, NXDOMAIN, LOOP, LONGCHAIN, SERVFAIL, REFUSED, ERROR) and, when
 * the chain ends in a name without records, leaves that name in a->asking
 * for the caller to ask again (returns 1 then). 0 when done, -1 when the
 * message is malformed (status DNS_ERROR). Exposed for the unit tests.
 */
int dns_answer_parse(struct dns_answer *a, const char *qname, enum dns_type qtype,
		     const unsigned char *abuf, size_t alen);

/* ---- What to publish --------------------------------------------------- */

/* Is name a DNS host name (labels of letters, digits, '-', '_' as in SRV
 * owners)? */
bool dns_name_valid(const char *name);

/*
 * One zone-file line: "name. ttl IN TYPE value", where value is an address,
 * "target." (CNAME) or "priority weight port target." (SRV). value for SRV
 * and CNAME targets may come with or without the trailing dot. Appended.
 */
void dns_zone_line(struct strbuf *out, const char *name, unsigned ttl, const char *type,
		   const char *value);

#endif
