/*
 * dns: c-ares behind a small queue (see dns.h). Answers are parsed here
 * rather than with ares_parse_*_reply so that the CNAME chain is seen as
 * the server sent it: a loop is a finding to report, not just a failure.
 * Every length and count read from the network is checked against the
 * message before it is used.
 */
#include "config.h"
#include "dns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ares.h>

#define DEFAULT_INFLIGHT 200

struct dns_resolver {
	ares_channel ch;
	struct dns_answer **answers; /* in the order asked */
	size_t n, cap;
	size_t *slots, nslots;       /* hash of (type, name): index + 1, 0 empty */
	size_t next;                 /* the first answer not sent yet */
	size_t inflight;
	unsigned long queries;
};

const char *dns_status_name(enum dns_status s)
{
	static const char *const names[] = {
		"pending", "ok", "no record of that type", "no such name (NXDOMAIN)",
		"CNAME loop", "CNAME chain too long", "server failure (SERVFAIL)",
		"refused by the server", "no answer from the server", "error",
	};
	return (size_t)s < UCSH_ARRAY_LEN(names) ? names[s] : "?";
}

const char *dns_type_name(enum dns_type t)
{
	switch (t) {
	case DNS_T_A: return "A";
	case DNS_T_CNAME: return "CNAME";
	case DNS_T_AAAA: return "AAAA";
	case DNS_T_SRV: return "SRV";
	}
	return "?";
}

bool dns_name_valid(const char *name)
{
	size_t len = strlen(name), label = 0;
	if (len && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_MAX_NAME)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
			continue;
		}
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		label++;
	}
	return true;
}

/* name into out: lower case, without the trailing dot. */
static void name_copy(char out[DNS_MAX_NAME + 1], const char *name)
{
	size_t n = strlen(name);
	if (n && name[n - 1] == '.')
		n--;
	if (n > DNS_MAX_NAME)
		n = DNS_MAX_NAME;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	out[n] = '\0';
}

/* ---- Parsing an answer -------------------------------------------------- */

struct rr {
	char owner[DNS_MAX_NAME + 1];
	unsigned type;
	size_t rdata, rdlen; /* offsets into the message */
};

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Expand the name at abuf+off into out (lower case); its wire length in
 * *used. 0, or -1 when malformed or too long. */
static int expand_name(const unsigned char *abuf, size_t alen, size_t off,
		       char out[DNS_MAX_NAME + 1], size_t *used)
{
	char *s = NULL;
	long enclen = 0;
	if (off >= alen || alen > INT32_MAX ||
	    ares_expand_name(abuf + off, abuf, (int)alen, &s, &enclen) != ARES_SUCCESS)
		return -1;
	int rc = strlen(s) > DNS_MAX_NAME ? -1 : 0;
	if (rc == 0)
		name_copy(out, s);
	ares_free_string(s);
	*used = (size_t)enclen;
	return rc;
}

/* The answer section's records, at most DNS_MAX_RECORDS * 2. Count in *n.
 * The rcode in *rcode. 0, or -1 malformed. */
static int parse_records(const unsigned char *abuf, size_t alen, struct rr *rrs, size_t max,
			 size_t *n, unsigned *rcode)
{
	char scratch[DNS_MAX_NAME + 1];
	size_t used, off = 12;
	if (alen < 12)
		return -1;
	*rcode = abuf[3] & 0x0F;
	unsigned qd = get16(abuf + 4), an = get16(abuf + 6);
	for (unsigned i = 0; i < qd; i++) {
		if (expand_name(abuf, alen, off, scratch, &used) || off + used + 4 > alen)
			return -1;
		off += used + 4;
	}
	*n = 0;
	for (unsigned i = 0; i < an && *n < max; i++) {
		struct rr *r = &rrs[*n];
		if (expand_name(abuf, alen, off, r->owner, &used) || off + used + 10 > alen)
			return -1;
		off += used;
		r->type = get16(abuf + off);
		unsigned cls = get16(abuf + off + 2);
		r->rdlen = get16(abuf + off + 8);
		r->rdata = off + 10;
		if (r->rdata + r->rdlen > alen)
			return -1;
		off = r->rdata + r->rdlen;
		if (cls == 1) /* IN only */
			(*n)++;
	}
	return 0;
}

static bool chain_has(const struct dns_answer *a, const char *name)
{
	if (strcmp(a->name, name) == 0)
		return true;
	for (size_t i = 0; i < a->nchain; i++)
		if (strcmp(a->chain[i], name) == 0)
			return true;
	return false;
}

/* Follow the CNAMEs from a->asking through rrs. The name reached, in a->asking;
 * -1 when the message is malformed, 1 on a loop or too long a chain. */
static int follow_chain(struct dns_answer *a, const unsigned char *abuf, size_t alen,
			const struct rr *rrs, size_t n)
{
	for (size_t steps = 0; steps <= n; steps++) {
		const struct rr *c = NULL;
		for (size_t i = 0; i < n && !c; i++)
			if (rrs[i].type == DNS_T_CNAME && strcmp(rrs[i].owner, a->asking) == 0)
				c = &rrs[i];
		if (!c)
			return 0;
		char target[DNS_MAX_NAME + 1];
		size_t used;
		if (expand_name(abuf, alen, c->rdata, target, &used) || used > c->rdlen)
			return -1;
		if (a->nchain >= DNS_MAX_CHAIN) {
			a->status = DNS_LONGCHAIN;
			return 1;
		}
		bool loop = chain_has(a, target);
		memcpy(a->chain[a->nchain++], target, sizeof(target));
		if (loop) {
			a->status = DNS_LOOP;
			return 1;
		}
		memcpy(a->asking, target, sizeof(target));
	}
	return 0;
}

/* The records of a->type owned by a->asking. -1 malformed. */
static int collect(struct dns_answer *a, const unsigned char *abuf, size_t alen,
		   const struct rr *rrs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct rr *r = &rrs[i];
		if (r->type != a->type || strcmp(r->owner, a->asking) != 0)
			continue;
		const unsigned char *d = abuf + r->rdata;
		if (a->type == DNS_T_A || a->type == DNS_T_AAAA) {
			if (r->rdlen != (a->type == DNS_T_A ? 4u : 16u))
				return -1;
			if (a->naddr < DNS_MAX_RECORDS)
				inet_ntop(a->type == DNS_T_A ? AF_INET : AF_INET6, d,
					  a->addr[a->naddr++], sizeof(a->addr[0]));
		} else if (a->type == DNS_T_SRV) {
			size_t used;
			if (r->rdlen < 7 || a->nsrv >= DNS_MAX_RECORDS)
				return r->rdlen < 7 ? -1 : 0;
			struct dns_srv *s = &a->srv[a->nsrv];
			s->priority = get16(d), s->weight = get16(d + 2), s->port = get16(d + 4);
			if (expand_name(abuf, alen, r->rdata + 6, s->target, &used) ||
			    used > r->rdlen - 6)
				return -1;
			a->nsrv++;
		}
	}
	return 0;
}

int dns_answer_parse(struct dns_answer *a, const char *qname, enum dns_type qtype,
		     const unsigned char *abuf, size_t alen)
{
	struct rr *rrs = xcalloc(DNS_MAX_RECORDS * 2, sizeof(*rrs));
	size_t n = 0;
	unsigned rcode = 0;
	int rc = 1;
	a->type = qtype;
	name_copy(a->asking, qname);
	if (parse_records(abuf, alen, rrs, DNS_MAX_RECORDS * 2, &n, &rcode) ||
	    (rc = follow_chain(a, abuf, alen, rrs, n)) < 0 || (rc == 0 && collect(a, abuf, alen, rrs, n))) {
		a->status = DNS_ERROR;
		snprintf(a->error, sizeof(a->error), "malformed answer");
		free(rrs);
		return -1;
	}
	free(rrs);
	if (rc == 1) /* loop or too long: status set */
		return 0;
	char asked[DNS_MAX_NAME + 1];
	name_copy(asked, qname);
	bool moved = strcmp(a->asking, asked) != 0;
	if (a->naddr || a->nsrv)
		a->status = DNS_OK;
	else if (rcode == 3)
		a->status = DNS_NXDOMAIN;
	else if (rcode == 2)
		a->status = DNS_SERVFAIL;
	else if (rcode == 5)
		a->status = DNS_REFUSED;
	else if (rcode != 0) {
		a->status = DNS_ERROR;
		snprintf(a->error, sizeof(a->error), "response code %u", rcode);
	} else if (moved) {
		return 1; /* the chain left this answer: ask for its end */
	} else {
		a->status = DNS_NODATA;
	}
	return 0;
}

/* ---- The resolver ------------------------------------------------------- */

static void send_query(struct dns_resolver *r, struct dns_answer *a);

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_answer *a = arg;
	struct dns_resolver *r = a->owner;
	(void)timeouts;
	r->inflight--;
	if (abuf && alen > 0 && (status == ARES_SUCCESS || status == ARES_ENODATA ||
				 status == ARES_ENOTFOUND)) {
		char asked[DNS_MAX_NAME + 1];
		memcpy(asked, a->asking, sizeof(asked));
		if (dns_answer_parse(a, asked, a->type, abuf, (size_t)alen) == 1) {
			if (++a->hops > DNS_MAX_CHAIN)
				a->status = DNS_LONGCHAIN;
			else
				send_query(r, a);
		}
		return;
	}
	switch (status) {
	case ARES_ENOTFOUND: a->status = DNS_NXDOMAIN; break;
	case ARES_ENODATA: a->status = DNS_NODATA; break;
	case ARES_ESERVFAIL: a->status = DNS_SERVFAIL; break;
	case ARES_EREFUSED: a->status = DNS_REFUSED; break;
	case ARES_ETIMEOUT: a->status = DNS_TIMEOUT; break;
	default:
		a->status = DNS_ERROR;
		snprintf(a->error, sizeof(a->error), "%s", ares_strerror(status));
	}
}

static void send_query(struct dns_resolver *r, struct dns_answer *a)
{
	r->inflight++;
	r->queries++;
	ares_query(r->ch, a->asking, 1 /* IN */, (int)a->type, on_answer, a);
}

/* "host[:port]" or "[v6]:port" into "addr:port" for c-ares. Caller frees. */
static char *server_csv(const char *server, struct ucsh_err *err)
{
	char host[DNS_MAX_NAME + 1];
	const char *port = NULL, *h = server;
	size_t n;
	if (*server == '[') {
		const char *end = strchr(server, ']');
		if (!end || (end[1] && end[1] != ':'))
			return err_set(err, "-DnsServer '%s': a ']' is missing or misplaced", server), NULL;
		h = server + 1, n = (size_t)(end - h), port = end[1] ? end + 2 : NULL;
	} else {
		const char *colon = strchr(server, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
		n = colon ? (size_t)(colon - server) : strlen(server);
		port = colon ? colon + 1 : NULL;
	}
	char *endp;
	long pn = port ? strtol(port, &endp, 10) : 53;
	if (n == 0 || n > DNS_MAX_NAME || (port && (*endp || endp == port)) || pn < 1 || pn > 65535) {
		err_set(err, "-DnsServer '%s' is not host or host:port", server);
		err_hint(err, "e.g. -DnsServer 10.0.0.2, 127.0.0.1:5353 or [2001:db8::2]:53");
		return NULL;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	int gai = getaddrinfo(host, NULL, &hints, &ai);
	if (gai) {
		err_set(err, "-DnsServer '%s': %s", host, gai_strerror(gai));
		return NULL;
	}
	char ip[INET6_ADDRSTRLEN];
	bool v6 = ai->ai_family == AF_INET6;
	getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof(ip), NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(ai);
	return v6 ? xasprintf("[%s]:%ld", ip, pn) : xasprintf("%s:%ld", ip, pn);
}

struct dns_resolver *dns_resolver_new(const char *server, int timeout_ms, int tries,
				      struct ucsh_err *err)
{
	char *csv = server ? server_csv(server, err) : NULL;
	if (server && !csv)
		return NULL;
	int rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		free(csv);
		return err_set(err, "c-ares: %s", ares_strerror(rc)), NULL;
	}
	struct dns_resolver *r = xcalloc(1, sizeof(*r));
	struct ares_options o = { .flags = ARES_FLAG_NOSEARCH, .timeout = timeout_ms,
				  .tries = tries };
	rc = ares_init_options(&r->ch, &o, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc == ARES_SUCCESS && csv)
		rc = ares_set_servers_ports_csv(r->ch, csv);
	if (rc != ARES_SUCCESS) {
		err_set(err, "cannot set up the DNS resolver%s%s: %s", csv ? " for " : "",
			csv ? csv : "", ares_strerror(rc));
		free(csv);
		dns_resolver_free(r);
		return NULL;
	}
	free(csv);
	return r;
}

void dns_resolver_free(struct dns_resolver *r)
{
	if (!r)
		return;
	if (r->ch)
		ares_destroy(r->ch); /* callbacks run with ARES_EDESTRUCTION */
	for (size_t i = 0; i < r->n; i++)
		free(r->answers[i]);
	free(r->answers);
	free(r->slots);
	free(r);
	ares_library_cleanup();
}

unsigned long dns_resolver_queries(const struct dns_resolver *r)
{
	return r->queries;
}

static size_t slot_hash(const char *name, enum dns_type type)
{
	size_t h = 1469598103934665603ULL ^ (size_t)type;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static void slots_grow(struct dns_resolver *r)
{
	free(r->slots);
	r->nslots = r->nslots ? r->nslots * 2 : 256;
	r->slots = xcalloc(r->nslots, sizeof(*r->slots));
	for (size_t i = 0; i < r->n; i++) {
		size_t s = slot_hash(r->answers[i]->name, r->answers[i]->type) & (r->nslots - 1);
		while (r->slots[s])
			s = (s + 1) & (r->nslots - 1);
		r->slots[s] = i + 1;
	}
}

struct dns_answer *dns_lookup(struct dns_resolver *r, const char *name, enum dns_type type,
			      struct ucsh_err *err)
{
	if (!dns_name_valid(name))
		return err_set(err, "'%s' is not a DNS name", name), NULL;
	char key[DNS_MAX_NAME + 1];
	name_copy(key, name);
	if (r->n * 2 >= r->nslots)
		slots_grow(r);
	size_t s = slot_hash(key, type) & (r->nslots - 1);
	for (; r->slots[s]; s = (s + 1) & (r->nslots - 1)) {
		struct dns_answer *a = r->answers[r->slots[s] - 1];
		if (a->type == type && strcmp(a->name, key) == 0)
			return a;
	}
	struct dns_answer *a = xcalloc(1, sizeof(*a));
	memcpy(a->name, key, sizeof(key));
	memcpy(a->asking, key, sizeof(key));
	a->type = type;
	a->owner = r;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->answers = xrealloc(r->answers, r->cap * sizeof(*r->answers));
	}
	r->answers[r->n++] = a;
	r->slots[s] = r->n;
	return a;
}

/* Wait for c-ares' sockets (at most 100 ms, so that cancelling is seen)
 * and let it read and write what is ready. */
static int poll_once(struct dns_resolver *r, struct ucsh_err *err)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	/* the bits by hand: ARES_GETSOCK_WRITABLE shifts an int into its sign bit */
	unsigned bits = (unsigned)ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
	nfds_t n = 0;
	for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		short ev = (short)((bits & (1u << i) ? POLLIN : 0) |
				   (bits & (1u << (i + ARES_GETSOCK_MAXNUM)) ? POLLOUT : 0));
		if (ev)
			pfd[n++] = (struct pollfd){ .fd = socks[i], .events = ev };
	}
	struct timeval max = { 0, 100000 }, tv, *tvp = ares_timeout(r->ch, &max, &tv);
	int ms = (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000);
	int rc = poll(pfd, n, ms);
	if (rc < 0 && errno != EINTR)
		return err_set(err, "poll: %s", strerror(errno));
	if (rc <= 0) {
		ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
		return 0;
	}
	for (nfds_t i = 0; i < n; i++) {
		short re = pfd[i].revents;
		if (re)
			ares_process_fd(r->ch, re & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
					re & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
	}
	return 0;
}

int dns_resolver_run(struct dns_resolver *r, bool (*cancelled)(void *), void *arg,
		     struct ucsh_err *err)
{
	size_t max = DEFAULT_INFLIGHT;
	for (;;) {
		while (r->inflight < max && r->next < r->n) {
			struct dns_answer *a = r->answers[r->next++];
			if (a->status == DNS_PENDING)
				send_query(r, a);
		}
		if (r->inflight == 0 && r->next == r->n)
			return 0;
		if (cancelled && cancelled(arg)) {
			ares_cancel(r->ch);
			for (size_t i = 0; i < r->n; i++)
				if (r->answers[i]->status == DNS_PENDING) {
					r->answers[i]->status = DNS_ERROR;
					snprintf(r->answers[i]->error, sizeof(r->answers[i]->error),
						 "cancelled");
				}
			r->next = r->n;
			r->inflight = 0;
			return 0;
		}
		if (poll_once(r, err))
			return -1;
	}
}

/* ---- Text ------------------------------------------------------------- */

void dns_answer_short(const struct dns_answer *a, struct strbuf *out)
{
	const char *sep = "";
	for (size_t i = 0; i < a->nchain; i++, sep = ", ")
		sb_addf(out, "%s%s.", sep, a->chain[i]);
	for (size_t i = 0; i < a->naddr; i++, sep = ", ")
		sb_addf(out, "%s%s", sep, a->addr[i]);
	for (size_t i = 0; i < a->nsrv; i++, sep = ", ")
		sb_addf(out, "%s%u %u %u %s.", sep, a->srv[i].priority, a->srv[i].weight,
			a->srv[i].port, a->srv[i].target);
}

bool dns_answer_reaches(const struct dns_answer *a, const char *name)
{
	char key[DNS_MAX_NAME + 1];
	name_copy(key, name);
	return chain_has(a, key);
}

void dns_zone_line(struct strbuf *out, const char *name, unsigned ttl, const char *type,
		   const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	bool dotted = strcasecmp(type, "SRV") == 0 || strcasecmp(type, "CNAME") == 0;
	sb_addf(out, "%s%s %u IN %s %s%s", name, n && name[n - 1] == '.' ? "" : ".", ttl, type,
		value, dotted && v && value[v - 1] != '.' ? "." : "");
}
