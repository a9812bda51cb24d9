/*
 * registrar: the REGISTER/OPTIONS service of ucshd (see registrar.h for
 * the choices it makes). Sections: bindings in memory, the group commit,
 * the configuration and principals it reads from the store, digest sign-in
 * and lockout, the REGISTER procedure, dispatch, and the service ops.
 */
#include "config.h"
#include "registrar.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "digest.h"
#include "log.h"
#include "mac.h"
#include "pki.h"
#include "secret.h"
#include "sip.h"
#include "signin.h"
#include "sip_transport.h"
#include "store.h"

#define BATCH_MAX 4096          /* commit early past this many pending answers */
/* A batch that finds the store busy waits, its answers held, this long at
 * most before they become 500s: well inside the 32 s a UDP client keeps
 * retransmitting (its retransmissions are absorbed meanwhile). */
#define BATCH_BUSY_WAIT_SEC 16
#define EXPIRY_TICK_SEC 1
/* Expired bindings leave the store by one node of a pool at a time: the
 * holder of this lease (store_job_lease), renewed at every run. */
#define EXPIRY_JOB "registrar-expiry"
#define EXPIRY_LEASE_SEC 10
#define EXPIRY_SWEEP_SEC 4  /* in a pool: how often the holder sweeps (and renews) */
/* In a pool, other nodes' bindings are read per address of record when a
 * REGISTER for it arrives; the whole set at most this often (for
 * ActiveBindings and the expiry clock), not at every commit of theirs. */
#define POOL_FULL_LOAD_SEC 30
#define AOR_MAX_ROWS 1000
#define MAX_AOR 512
#define SERVER_HEADER "Server: ucshd/" PACKAGE_VERSION "\r\n"
#define ALLOW_HEADER "Allow: REGISTER, OPTIONS\r\n"

struct binding {
	struct binding *next;
	char id[17];          /* the Registration's Identity: an endpoint id */
	char *uri;            /* the Contact URI */
	char *key;            /* what later REGISTERs are matched on */
	char *instance;       /* +sip.instance as written, or NULL */
	long reg_id;          /* -1: none */
	char *call_id;
	uint32_t cseq;
	time_t expires, registered;
	enum sip_proto proto;
	char *source;         /* "198.51.100.7:5060" */
	char *user_agent;
	char *phone;          /* MAC, or NULL */
};

struct aor {
	struct aor *next;     /* hash chain */
	char *name;           /* the principal's SipAddress */
	struct binding *list;
	size_t n;
	unsigned long pending; /* batch_no + 1 while the open batch holds changes to it */
};

struct reply {
	struct sip_peer to;
	char *data;
	size_t len;
	uint64_t txn;         /* its UDP server transaction, 0: none */
};

/* What the next commit writes and the answers that wait for it. */
struct batch {
	json_t *regs;         /* Registration identity -> the row to write, or null: delete */
	json_t *phones;       /* MAC -> Phone row */
	json_t *failures;     /* SipAddress -> {"p": principal, "n": wrong PINs} */
	struct reply *replies;
	size_t nreplies, cap;
	struct event *ev;
	bool scheduled;
	time_t busy_since;    /* when the store first refused this batch, 0: it has not */
};

struct counters {
	unsigned long long requests, r200, r401, r403, r4xx, r5xx, commits, commit_failures,
		busy_waits;
};

struct registrar {
	struct daemon *d;
	struct sip_transport *tp;
	struct digest_server *digest;
	struct sip_msg *msg;
	struct sip_txn_cache *txns;
	uint64_t cur_txn;     /* the transaction being answered, 0: none */
	struct aor **buckets;
	size_t nbuckets, naors, nbindings;
	struct batch batch;
	struct event *expiry;
	time_t next_expiry;
	time_t next_sweep;    /* in a pool: the next look at the expiry lease */
	bool expiry_held;     /* this node held the expiry lease at the last look */
	bool expiry_looked;   /* ... and there was a last look */
	/* configuration */
	json_t *pool;         /* the pool as last read */
	json_t *domains;      /* lower-cased SIP domains of the pool */
	long min_exp, max_exp, def_exp, max_endpoints;
	/* what the store held when we last looked */
	long long reg_seq;
	unsigned long batch_no; /* batches written so far */
	time_t full_load;     /* when every binding was last read */
	bool reg_stale;       /* someone else changed Registration: re-read */
	struct signin signin;
	char tag[12];
	unsigned long tag_seq;
	struct counters n;
	const char *algs;     /* $UCSH_DIGEST_ALGORITHMS, or NULL: see registrar.h */
};

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long int_of(const json_t *o, const char *k, long dflt)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

static char *sipstr_dup(struct sip_str s)
{
	return xstrndup(s.p, s.n);
}

/* ---- Bindings in memory ------------------------------------------------ */

static size_t hash_ci(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 1099511628211ULL;
	return h;
}

static void binding_free(struct binding *b)
{
	free(b->uri);
	free(b->key);
	free(b->instance);
	free(b->call_id);
	free(b->source);
	free(b->user_agent);
	free(b->phone);
	free(b);
}

static struct aor *aor_find(struct registrar *r, const char *name, bool create)
{
	size_t h = hash_ci(name) % r->nbuckets;
	for (struct aor *a = r->buckets[h]; a; a = a->next)
		if (strcasecmp(a->name, name) == 0)
			return a;
	if (!create)
		return NULL;
	if (r->naors >= r->nbuckets) { /* grow: keep chains short at 100,000 AORs */
		size_t nb = r->nbuckets * 2;
		struct aor **b = xcalloc(nb, sizeof(*b));
		for (size_t i = 0; i < r->nbuckets; i++)
			for (struct aor *a = r->buckets[i], *nx; a; a = nx) {
				nx = a->next;
				size_t k = hash_ci(a->name) % nb;
				a->next = b[k];
				b[k] = a;
			}
		free(r->buckets);
		r->buckets = b;
		r->nbuckets = nb;
		h = hash_ci(name) % nb;
	}
	struct aor *a = xcalloc(1, sizeof(*a));
	a->name = xstrdup(name);
	a->next = r->buckets[h];
	r->buckets[h] = a;
	r->naors++;
	return a;
}

static void aor_unlink(struct aor *a, struct binding *b)
{
	for (struct binding **p = &a->list; *p; p = &(*p)->next)
		if (*p == b) {
			*p = b->next;
			a->n--;
			return;
		}
}

static void bindings_clear(struct registrar *r)
{
	for (size_t i = 0; i < r->nbuckets; i++) {
		for (struct aor *a = r->buckets[i], *nx; a; a = nx) {
			nx = a->next;
			for (struct binding *b = a->list, *bn; b; b = bn) {
				bn = b->next;
				binding_free(b);
			}
			free(a->name);
			free(a);
		}
		r->buckets[i] = NULL;
	}
	r->naors = r->nbindings = 0;
}

/* The endpoint id: a digest of AOR and contact key, so that the same phone
 * keeps its Registration row across refreshes and restarts. */
static void binding_id(const char *aor, const char *key, char out[17])
{
	unsigned char md[32];
	unsigned int n = 0;
	char *s = xasprintf("%s\n%s", aor, key);
	for (char *p = s; *p && *p != '\n'; p++)
		*p = (char)tolower((unsigned char)*p);
	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	free(s);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The matching key of a contact (see registrar.h). */
static char *contact_key(const char *instance, long reg_id, const char *uri_text)
{
	if (instance)
		return reg_id >= 0 ? xasprintf("i:%s;%ld", instance, reg_id) : xasprintf("i:%s", instance);
	struct sip_uri u;
	struct ucsh_err err;
	if (sip_uri_parse(&u, uri_text, strlen(uri_text), &err) != 0)
		return xasprintf("u:%s", uri_text);
	struct sip_str tr = { 0 };
	sip_uri_param(&u, "transport", &tr);
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "u:");
	for (size_t i = 0; i < u.scheme_name.n; i++)
		sb_addc(&sb, (char)tolower((unsigned char)u.scheme_name.p[i]));
	sb_addf(&sb, ":%.*s@", (int)u.user.n, u.user.p);
	for (size_t i = 0; i < u.host.n; i++)
		sb_addc(&sb, (char)tolower((unsigned char)u.host.p[i]));
	sb_addf(&sb, ":%u;", (unsigned)u.port);
	for (size_t i = 0; i < tr.n; i++)
		sb_addc(&sb, (char)tolower((unsigned char)tr.p[i]));
	return sb_detach(&sb);
}

static void note_expiry(struct registrar *r, time_t t)
{
	if (!r->next_expiry || t < r->next_expiry)
		r->next_expiry = t;
}

/* ---- The store row of a binding ---------------------------------------- */

static json_t *binding_row(const struct registrar *r, const char *aor, const struct binding *b)
{
	char exp[STORE_TIMESTAMP_LEN], reg[STORE_TIMESTAMP_LEN];
	store_timestamp(b->expires, exp);
	store_timestamp(b->registered, reg);
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "Identity",
				b->id, "User", aor, "Contact", b->uri, "Expires", exp, "Transport",
				sip_proto_name(b->proto), "Source", b->source, "CallId", b->call_id,
				"CSeq", (json_int_t)b->cseq, "Node", r->d->pool_id, "Registered", reg);
	json_object_set_new(row, "UserAgent", b->user_agent ? json_string(b->user_agent) : json_null());
	json_object_set_new(row, "Phone", b->phone ? json_string(b->phone) : json_null());
	json_object_set_new(row, "Instance", b->instance ? json_string(b->instance) : json_null());
	json_object_set_new(row, "RegId", b->reg_id >= 0 ? json_integer(b->reg_id) : json_null());
	return row;
}

static enum sip_proto proto_of(const char *s)
{
	return s && strcasecmp(s, "TLS") == 0 ? SIP_PROTO_TLS
	       : s && strcasecmp(s, "TCP") == 0 ? SIP_PROTO_TCP : SIP_PROTO_UDP;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A binding from a store row; NULL when the row is unusable or expired. */
static struct binding *binding_from_row(const json_t *row, time_t now)
{
	const char *id = str_of(row, "Identity"), *uri = str_of(row, "Contact");
	const char *call_id = str_of(row, "CallId"), *exp = str_of(row, "Expires");
	time_t expires, registered = now;
	if (!id || strlen(id) != 16 || !uri || !call_id || !exp ||
	    store_timestamp_parse(exp, &expires) || expires <= now)
		return NULL;
	if (str_of(row, "Registered"))
		store_timestamp_parse(str_of(row, "Registered"), &registered);
	struct binding *b = xcalloc(1, sizeof(*b));
	memcpy(b->id, id, 17);
	b->uri = xstrdup(uri);
	b->instance = dup_or_null(str_of(row, "Instance"));
	b->reg_id = int_of(row, "RegId", -1);
	b->key = contact_key(b->instance, b->reg_id, uri);
	b->call_id = xstrdup(call_id);
	b->cseq = (uint32_t)int_of(row, "CSeq", 0);
	b->expires = expires;
	b->registered = registered;
	b->proto = proto_of(str_of(row, "Transport"));
	b->source = xstrdup(str_of(row, "Source") ? str_of(row, "Source") : "");
	b->user_agent = dup_or_null(str_of(row, "UserAgent"));
	b->phone = dup_or_null(str_of(row, "Phone"));
	return b;
}

/* Read every live binding from the store (start-up, and after another
 * process changed them: Remove-CsRegistration). 0 / -1. */
static int bindings_load(struct registrar *r, struct ucsh_err *err)
{
	struct store_cursor *cur;
	json_t *row;
	time_t now = time(NULL);
	int rc;
	bindings_clear(r);
	r->next_expiry = 0;
	r->full_load = now;
	if (store_query(r->d->store, "Registration", NULL, NULL, &cur, err))
		return -1;
	while ((rc = store_cursor_next(cur, &row, err)) == 1) {
		const char *user = str_of(row, "User");
		struct binding *b = user ? binding_from_row(row, now) : NULL;
		if (b) {
			struct aor *a = aor_find(r, user, true);
			b->next = a->list;
			a->list = b;
			a->n++;
			r->nbindings++;
			note_expiry(r, b->expires);
		}
		json_decref(row);
	}
	store_cursor_free(cur);
	return rc < 0 ? -1 : 0;
}

/*
 * In a pool another node may have changed this address of record's bindings
 * since we last read them: read them again, so that the answer lists every
 * node's and the limits count them. Not while the open batch holds changes
 * of ours to it (memory is ahead of the store then). On an error, memory
 * stays as it was.
 */
static void aor_refresh(struct registrar *r, struct aor *a)
{
	struct ucsh_err err;
	struct store_cursor *cur;
	struct store_query_opts opts = { .limit = AOR_MAX_ROWS };
	json_t *row, *filter;
	time_t now = time(NULL);
	if (!r->d->pooled || a->pending == r->batch_no + 1)
		return;
	filter = json_pack("[{s:s, s:s, s:s}]", "Property", "User", "Op", "eq", "Value", a->name);
	int rc = store_query(r->d->store, "Registration", filter, &opts, &cur, &err);
	json_decref(filter);
	if (rc) {
		log_warning("cannot read the bindings of %s: %s", a->name, err.msg);
		return;
	}
	struct binding *list = NULL, *b;
	size_t n = 0;
	while ((rc = store_cursor_next(cur, &row, &err)) == 1) {
		if ((b = binding_from_row(row, now))) {
			b->next = list;
			list = b;
			n++;
		}
		json_decref(row);
	}
	store_cursor_free(cur);
	if (rc < 0) {
		for (; list; list = b) {
			b = list->next;
			binding_free(list);
		}
		log_warning("cannot read the bindings of %s: %s", a->name, err.msg);
		return;
	}
	while (a->list) {
		b = a->list;
		aor_unlink(a, b);
		binding_free(b);
		r->nbindings--;
	}
	a->list = list;
	a->n = n;
	r->nbindings += n;
	for (b = list; b; b = b->next)
		note_expiry(r, b->expires);
}

/* Changes of ours that the store has not taken yet (memory is ahead). */
static bool batch_holds_changes(const struct batch *bt)
{
	return json_object_size(bt->regs) || json_object_size(bt->phones);
}

/* Whether to read every binding again: another process changed them. In a
 * pool that is every commit of the other nodes: at most every
 * POOL_FULL_LOAD_SEC there (aor_refresh keeps the answers right). Never
 * while the batch holds changes: the read would undo them in memory. */
static bool full_load_due(const struct registrar *r)
{
	return r->reg_stale && !batch_holds_changes(&r->batch) &&
	       (!r->d->pooled || time(NULL) - r->full_load >= POOL_FULL_LOAD_SEC);
}

/* ---- The group commit ------------------------------------------------- */

static void batch_reset(struct batch *bt)
{
	json_object_clear(bt->regs);
	json_object_clear(bt->phones);
	bt->busy_since = 0;
	for (size_t i = 0; i < bt->nreplies; i++)
		free(bt->replies[i].data);
	bt->nreplies = 0;
}

/* Write the batch in one transaction. Registration's change counter is read
 * inside it, before and after our writes, so that a change made by another
 * process in between is noticed (and re-read) rather than mistaken for ours. */
static int batch_write(struct registrar *r, struct ucsh_err *err)
{
	struct store *st = r->d->store;
	struct batch *bt = &r->batch;
	long long before;
	json_t *v;
	const char *k;
	if (store_begin(st, err))
		return -1;
	if (store_changes(st, "Registration", &before, err))
		goto fail;
	if (before != r->reg_seq)
		r->reg_stale = true;
	json_object_foreach(bt->regs, k, v)
		if (json_is_null(v) ? store_delete(st, "Registration", k, err) < 0
				    : store_upsert(st, "Registration", v, err) != 0)
			goto fail;
	json_object_foreach(bt->phones, k, v)
		if (store_upsert(st, "Phone", v, err))
			goto fail;
	if (store_changes(st, "Registration", &r->reg_seq, err) || store_commit(st, err))
		goto fail;
	return 0;
fail:
	store_rollback(st, NULL);
	return -1;
}

static void send_reply(struct registrar *r, const struct reply *rp)
{
	sip_txn_answer(r->txns, rp->txn, rp->data, rp->len);
	sip_transport_send(r->tp, &rp->to, rp->data, rp->len);
}

/* A 500 in place of an answer whose commit failed: the status line is
 * swapped, the rest (Via, tags, CSeq) stays; its Contact list was never
 * stored, so it is cut. */
static void send_failed(struct registrar *r, const struct reply *rp)
{
	const char *eol = memchr(rp->data, '\n', rp->len);
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "SIP/2.0 500 Server Internal Error - store unavailable\r\n"
		     "Retry-After: 5\r\n");
	const char *p = eol ? eol + 1 : rp->data + rp->len, *end = rp->data + rp->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
		if (strncasecmp(p, "Contact:", 8) && strncasecmp(p, "Content-Length:", 15))
			sb_add(&sb, p, n);
		p += n;
		if (n <= 2)
			break; /* the blank line ended the headers */
	}
	sb.len -= 2; /* reopen the header block to add Content-Length */
	sb_adds(&sb, "Content-Length: 0\r\n\r\n");
	sip_txn_answer(r->txns, rp->txn, sb.buf, sb.len);
	sip_transport_send(r->tp, &rp->to, sb.buf, sb.len);
	sb_free(&sb);
}

/* The wrong PINs of this turn, counted after their 403s have gone: the
 * answer to a wrong PIN must not wait for a write that an unknown user's
 * answer does not wait for, or its timing would tell them apart. */
static void failures_flush(struct registrar *r)
{
	const char *k;
	json_t *v;
	void *tmp;
	/* those the store was too busy to count stay for the next try */
	json_object_foreach_safe(r->batch.failures, tmp, k, v)
		if (signin_record_failure(&r->signin, json_object_get(v, "p"),
					  (long)json_integer_value(json_object_get(v, "n"))) == 0)
			json_object_del(r->batch.failures, k);
}

/* Try the batch again a little later, its answers held. */
static void batch_retry(struct batch *bt)
{
	struct timeval tv = { 0, DAEMON_BUSY_RETRY_MS * 1000 };
	event_add(bt->ev, &tv);
	bt->scheduled = true;
}

/* Whether a batch the store refused as busy may wait for another try:
 * not when the service stops, nor past the bounds on its size and age. */
static bool batch_may_wait(struct registrar *r, bool may_wait)
{
	struct batch *bt = &r->batch;
	time_t now = time(NULL);
	if (store_last_error(r->d->store) != STORE_E_BUSY || !may_wait ||
	    bt->nreplies >= BATCH_MAX)
		return false;
	if (!bt->busy_since) {
		bt->busy_since = now;
		r->n.busy_waits++;
		log_info("the store is busy (another writer holds it): %zu answers wait",
			 bt->nreplies);
	}
	return now - bt->busy_since < BATCH_BUSY_WAIT_SEC;
}

/* Commit the batch and send its answers. may_wait: a busy store keeps the
 * batch for another try instead of failing it. */
static void batch_flush(struct registrar *r, bool may_wait)
{
	struct batch *bt = &r->batch;
	struct ucsh_err err;
	if (bt->scheduled)
		event_del(bt->ev);
	bt->scheduled = false;
	if (json_object_size(bt->failures))
		failures_flush(r);
	if (bt->nreplies == 0) {
		if (json_object_size(bt->failures) && may_wait)
			batch_retry(bt);
		return;
	}
	bool wrote = batch_holds_changes(bt);
	if (!wrote || batch_write(r, &err) == 0) {
		r->n.commits += wrote;
		for (size_t i = 0; i < bt->nreplies; i++)
			send_reply(r, &bt->replies[i]);
	} else if (batch_may_wait(r, may_wait)) {
		batch_retry(bt);
		return;
	} else {
		/* Memory ran ahead of the store: answer 500 and take the store's word. */
		log_error("cannot store %zu registrations: %s", bt->nreplies, err.msg);
		r->n.commit_failures++;
		for (size_t i = 0; i < bt->nreplies; i++)
			send_failed(r, &bt->replies[i]);
		r->n.r5xx += bt->nreplies;
		r->reg_stale = true;
	}
	batch_reset(bt);
	r->batch_no++;
	if (full_load_due(r) && bindings_load(r, &err) == 0) {
		r->reg_stale = false;
		store_changes(r->d->store, "Registration", &r->reg_seq, &err);
	}
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	batch_flush(arg, true);
}

static void batch_schedule(struct batch *bt)
{
	if (!bt->scheduled) {
		struct timeval zero = { 0, 0 };
		event_add(bt->ev, &zero);
		bt->scheduled = true;
	}
}

/* Count a wrong PIN of principal at the end of this turn. */
static void batch_add_failure(struct registrar *r, json_t *principal)
{
	const char *sip = str_of(principal, "SipAddress");
	json_t *f = json_object_get(r->batch.failures, sip);
	if (f)
		json_object_set_new(f, "n", json_integer(json_integer_value(json_object_get(f, "n")) + 1));
	else
		json_object_set_new(r->batch.failures, sip, json_pack("{s:O, s:i}", "p", principal, "n", 1));
	batch_schedule(&r->batch);
}

/* Queue an answer for after the commit; the commit runs once the loop has
 * handled what is readable now (a zero timeout fires after this turn's I/O). */
static void batch_add_reply(struct registrar *r, const struct sip_peer *to, struct strbuf *sb)
{
	struct batch *bt = &r->batch;
	if (bt->nreplies == bt->cap) {
		bt->cap = bt->cap ? bt->cap * 2 : 64;
		bt->replies = xrealloc(bt->replies, bt->cap * sizeof(*bt->replies));
	}
	struct reply *rp = &bt->replies[bt->nreplies++];
	rp->to = *to;
	rp->txn = r->cur_txn;
	rp->len = sb->len;
	rp->data = sb_detach(sb);
	batch_schedule(bt);
	if (bt->nreplies >= BATCH_MAX)
		batch_flush(r, true);
}

/* ---- Configuration and principals -------------------------------------- */

static void config_load(struct registrar *r)
{
	struct ucsh_err err;
	json_t *pool, *v, *cfg = NULL;
	/* The pool as the store has it now: Start-CsService right after
	 * Set-CsPool must not bind the old ports (the daemon re-reads it only
	 * every half second). */
	if (store_get(r->d->store, "Pool", r->d->pool_id, &pool, &err) != 1)
		pool = json_incref(r->d->pool);
	json_decref(r->pool);
	r->pool = pool;
	if (r->d->listen) /* this node's own addresses (pool members sharing a host) */
		json_object_set(pool, "ListenAddress", r->d->listen);
	size_t i;
	json_decref(r->domains);
	r->domains = json_array();
	json_array_foreach(json_object_get(pool, "SipDomain"), i, v) {
		char *dom = xstrdup(json_string_value(v) ? json_string_value(v) : "");
		for (char *p = dom; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		json_array_append_new(r->domains, json_string(dom));
		free(dom);
	}
	/* The most specific scope wins: this pool's service, its site, Global. */
	char *svc = xasprintf("service:Registrar:%s", r->d->pool_id);
	const char *site = str_of(pool, "Site");
	if (store_get(r->d->store, "RegistrarConfiguration", svc, &cfg, &err) != 1 &&
	    (!site || store_get(r->d->store, "RegistrarConfiguration", site, &cfg, &err) != 1))
		store_get(r->d->store, "RegistrarConfiguration", "Global", &cfg, &err);
	free(svc);
	long was[] = { r->min_exp, r->max_exp, r->def_exp, r->max_endpoints };
	r->min_exp = int_of(cfg, "MinEndpointExpiration", 300);
	r->max_exp = int_of(cfg, "MaxEndpointExpiration", 900);
	r->def_exp = int_of(cfg, "DefaultEndpointExpiration", 600);
	r->max_endpoints = int_of(cfg, "MaxEndpointsPerUser", 8);
	if (r->max_endpoints < 1)
		r->max_endpoints = 1;
	/* said when it changes, so that an admin (and a test) sees it applied */
	if (was[0] != r->min_exp || was[1] != r->max_exp || was[2] != r->def_exp ||
	    was[3] != r->max_endpoints)
		log_info("registrar: bindings last %ld to %ld s (%ld by default), %ld endpoints per "
			 "user", r->min_exp, r->max_exp, r->def_exp, r->max_endpoints);
	json_decref(cfg);
}

/* The domain of the pool that host names, lower-cased (borrowed), or NULL. */
static const char *served_domain(struct registrar *r, struct sip_str host)
{
	size_t i;
	json_t *v;
	json_array_foreach(r->domains, i, v) {
		const char *d = json_string_value(v);
		if (strlen(d) == host.n && strncasecmp(d, host.p, host.n) == 0)
			return d;
	}
	return NULL;
}





/* ---- Sign-in and lockout ---------------------------------------------- */




enum auth_result { AUTH_OK, AUTH_CHALLENGE, AUTH_STALE, AUTH_FORBIDDEN, AUTH_BAD };

/* The Authorization for realm, or the first one. */
static const struct sip_header *pick_authorization(const struct sip_msg *m, const char *realm)
{
	const struct sip_header *h, *first = NULL;
	for (size_t i = 0; (h = sip_msg_header(m, SIP_H_AUTHORIZATION, i)); i++) {
		char pat[300];
		snprintf(pat, sizeof(pat), "realm=\"%s\"", realm);
		if (!first)
			first = h;
		if (memmem(h->value.p, h->value.n, pat, strlen(pat)))
			return h;
	}
	return first;
}

/*
 * Check the request's credentials (signin.h). A wrong PIN is counted at the
 * end of the turn. *principal: the signed-in principal (new reference)
 * when AUTH_OK.
 */
static enum auth_result authenticate(struct registrar *r, const struct sip_msg *m,
				     const char *realm, json_t **principal, struct ucsh_err *err)
{
	const struct sip_header *h = pick_authorization(m, realm);
	static struct digest_creds c; /* 4 KiB: not on the stack */
	*principal = NULL;
	if (!h)
		return AUTH_CHALLENGE;
	int rc = digest_creds_parse(&c, h->value.p, h->value.n, err);
	if (rc != 0)
		return rc > 0 ? AUTH_CHALLENGE : AUTH_BAD;
	char *ruri = sipstr_dup(m->ruri_text);
	json_t *wrong = NULL;
	enum signin_verdict v = signin_check(&r->signin, r->digest, &c, realm, "REGISTER", ruri,
					     principal, &wrong, err);
	free(ruri);
	if (wrong)
		batch_add_failure(r, wrong);
	json_decref(wrong);
	return v == SIGNIN_OK ? AUTH_OK : v == SIGNIN_STALE ? AUTH_STALE : AUTH_FORBIDDEN;
}

/* ---- Answers ------------------------------------------------------------ */

/* Build an answer to m into sb. Every answer carries our To tag, Server,
 * and the received/rport of RFC 3581. */
static int build_reply(struct registrar *r, struct strbuf *sb, const struct sip_msg *m,
		       const struct sip_peer *from, int status, const char *reason,
		       const char *headers)
{
	char host[64], tag[32];
	unsigned port;
	struct ucsh_err err;
	sip_peer_host(from, host, sizeof(host), &port);
	snprintf(tag, sizeof(tag), "%s%lx", r->tag, ++r->tag_seq);
	struct strbuf hs = STRBUF_INIT;
	sb_adds(&hs, SERVER_HEADER);
	if (headers)
		sb_adds(&hs, headers);
	struct sip_reply_opts o = { .to_tag = tag, .received = host, .src_port = port,
				    .headers = sb_str(&hs) };
	int rc = sip_reply_build(sb, m, status, reason, &o, &err);
	sb_free(&hs);
	if (rc)
		log_warning("cannot answer %d: %s", status, err.msg);
	return rc;
}

static void count_status(struct registrar *r, int status)
{
	if (status == 200)
		r->n.r200++;
	else if (status == 401)
		r->n.r401++;
	else if (status == 403)
		r->n.r403++;
	else if (status >= 500)
		r->n.r5xx++;
	else if (status >= 400)
		r->n.r4xx++;
}

/* Answer now (nothing to commit first). */
static void reply_now(struct registrar *r, const struct sip_msg *m, const struct sip_peer *from,
		      int status, const char *reason, const char *headers)
{
	struct strbuf sb = STRBUF_INIT;
	struct sip_peer to;
	count_status(r, status);
	if (build_reply(r, &sb, m, from, status, reason, headers) == 0) {
		sip_transport_reply_peer(from, m->nvia ? &m->via[0] : NULL, &to);
		sip_txn_answer(r->txns, r->cur_txn, sb.buf, sb.len);
		sip_transport_send(r->tp, &to, sb.buf, sb.len);
	}
	sb_free(&sb);
}

/* Keep and order the challenge lines as r->algs says ("MD5,SHA-256"). */
static void order_challenges(const struct registrar *r, struct strbuf *hs)
{
	struct strbuf out = STRBUF_INIT;
	char *algs = xstrdup(r->algs), *save = NULL;
	for (char *a = strtok_r(algs, ", ", &save); a; a = strtok_r(NULL, ", ", &save)) {
		char *pat = xasprintf("algorithm=%s,", a);
		for (const char *line = hs->buf; line && *line;) {
			const char *nl = strstr(line, "\r\n");
			size_t n = nl ? (size_t)(nl + 2 - line) : strlen(line);
			const char *hit = strcasestr(line, pat);
			if (hit && hit < line + n)
				sb_add(&out, line, n);
			line += n;
		}
		free(pat);
	}
	free(algs);
	if (out.len) { /* an order naming nothing we offer changes nothing */
		sb_free(hs);
		*hs = out;
	}
}

static void challenge(struct registrar *r, const struct sip_msg *m, const struct sip_peer *from,
		      const char *realm, bool stale)
{
	struct strbuf hs = STRBUF_INIT;
	struct ucsh_err err;
	if (digest_challenge(r->digest, &hs, "WWW-Authenticate", realm, stale, time(NULL), &err) == 0) {
		if (r->algs)
			order_challenges(r, &hs);
		reply_now(r, m, from, 401, NULL, hs.buf);
	}
	else
		reply_now(r, m, from, 500, NULL, NULL);
	sb_free(&hs);
}

/* ---- REGISTER ------------------------------------------------------------ */

/* One Contact of the request, as the procedure needs it. */
struct contact_req {
	const struct sip_contact *c;
	long expires;
	char *key, *uri, *instance;
	long reg_id;
	struct binding *found;
};

static void contacts_free(struct contact_req *cr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(cr[i].key);
		free(cr[i].uri);
		free(cr[i].instance);
	}
}

static struct binding *aor_lookup(struct aor *a, const char *key)
{
	for (struct binding *b = a->list; b; b = b->next)
		if (strcmp(b->key, key) == 0)
			return b;
	return NULL;
}

/*
 * Step 7's checks, before anything changes: the expiry of each contact
 * (423 when too brief), and the Call-ID/CSeq order (500). 0 or the status.
 */
static int contacts_check(struct registrar *r, const struct sip_msg *m, struct aor *a,
			  struct contact_req *cr)
{
	for (size_t i = 0; i < m->ncontact; i++) {
		const struct sip_contact *c = &m->contact[i];
		struct sip_str v;
		long e = c->expires >= 0 ? c->expires : m->expires >= 0 ? m->expires : r->def_exp;
		if (e > 0 && e < r->min_exp)
			return 423;
		cr[i].c = c;
		cr[i].expires = e > r->max_exp ? r->max_exp : e;
		cr[i].uri = sipstr_dup(c->addr.uri.raw);
		if (strpbrk(cr[i].uri, "<>\"\r\n") || strlen(cr[i].uri) != c->addr.uri.raw.n)
			return 400;
		cr[i].instance = sip_param_get(c->addr.params, "+sip.instance", &v) && v.n
					 ? sipstr_dup(v) : NULL;
		cr[i].reg_id = -1;
		if (sip_param_get(c->addr.params, "reg-id", &v) && v.n && v.n < 11) {
			char num[12];
			memcpy(num, v.p, v.n);
			num[v.n] = '\0';
			cr[i].reg_id = strtol(num, NULL, 10);
		}
		cr[i].key = contact_key(cr[i].instance, cr[i].reg_id, cr[i].uri);
		cr[i].found = aor_lookup(a, cr[i].key);
		struct binding *b = cr[i].found;
		if (b && m->call_id.n == strlen(b->call_id) &&
		    memcmp(m->call_id.p, b->call_id, m->call_id.n) == 0 && m->cseq <= b->cseq)
			return 500;
	}
	return 0;
}

static void binding_remove(struct registrar *r, struct aor *a, struct binding *b)
{
	a->pending = r->batch_no + 1;
	json_object_set_new(r->batch.regs, b->id, json_null());
	aor_unlink(a, b);
	r->nbindings--;
	binding_free(b);
}

/* The phone inventory row for a contact that tells its MAC; NULL otherwise. */
static json_t *phone_row(const struct sip_msg *m, const struct contact_req *cr,
			 const char *ip, const char *now)
{
	char mac[MAC_STR_LEN];
	struct sip_str mp = { 0 };
	if (!sip_param_get(cr->c->addr.params, "mac", &mp))
		sip_uri_param(&cr->c->addr.uri, "mac", &mp);
	if (registrar_contact_mac(cr->instance, cr->instance ? strlen(cr->instance) : 0, mp.p, mp.n,
				  mac) != 0)
		return NULL;
	struct registrar_ua ua;
	registrar_parse_user_agent(m->user_agent.p, m->user_agent.n, &ua);
	json_t *row = json_pack("{s:s, s:s, s:s, s:s}", "MacAddress", mac, "IPAddress", ip,
				"LastRegistered", now, "LastSeen", now);
	if (m->user_agent.n)
		json_object_set_new(row, "UserAgent", json_stringn(m->user_agent.p, m->user_agent.n));
	if (ua.brand[0])
		json_object_set_new(row, "Brand", json_string(ua.brand));
	if (ua.model[0])
		json_object_set_new(row, "Model", json_string(ua.model));
	if (ua.firmware[0])
		json_object_set_new(row, "FirmwareVersion", json_string(ua.firmware));
	return row;
}

static struct binding *oldest(struct aor *a)
{
	struct binding *o = a->list;
	for (struct binding *b = a->list; b; b = b->next)
		if (b->registered < o->registered)
			o = b;
	return o;
}

/* Add or refresh the binding of one contact. */
static void contact_apply(struct registrar *r, const struct sip_msg *m, const struct sip_peer *from,
			  struct aor *a, struct contact_req *cr, time_t now)
{
	char host[64], ts[STORE_TIMESTAMP_LEN];
	unsigned port;
	struct binding *b = cr->found;
	if (cr->expires == 0) {
		if (b)
			binding_remove(r, a, b);
		return;
	}
	if (!b) {
		if (a->n >= (size_t)r->max_endpoints)
			binding_remove(r, a, oldest(a));
		b = xcalloc(1, sizeof(*b));
		binding_id(a->name, cr->key, b->id);
		b->key = xstrdup(cr->key);
		b->registered = now;
		b->next = a->list;
		a->list = b;
		a->n++;
		r->nbindings++;
	}
	sip_peer_host(from, host, sizeof(host), &port);
	free(b->uri);
	free(b->instance);
	free(b->call_id);
	free(b->source);
	free(b->user_agent);
	b->uri = xstrdup(cr->uri);
	b->instance = dup_or_null(cr->instance);
	b->reg_id = cr->reg_id;
	b->call_id = sipstr_dup(m->call_id);
	b->cseq = m->cseq;
	b->expires = now + cr->expires;
	b->proto = from->proto;
	b->source = from->addr.ss_family == AF_INET6 ? xasprintf("[%s]:%u", host, port)
						     : xasprintf("%s:%u", host, port);
	b->user_agent = m->user_agent.n ? sipstr_dup(m->user_agent) : NULL;
	note_expiry(r, b->expires);
	store_timestamp(now, ts);
	json_t *phone = phone_row(m, cr, host, ts);
	if (phone) {
		free(b->phone);
		b->phone = xstrdup(str_of(phone, "MacAddress"));
		json_object_set_new(r->batch.phones, b->phone, phone);
	}
	a->pending = r->batch_no + 1;
	json_object_set_new(r->batch.regs, b->id, binding_row(r, a->name, b));
}

/* The Contact lines of a 200: every binding with the seconds it has left. */
static void contact_lines(struct strbuf *hs, const struct aor *a, time_t now)
{
	for (const struct binding *b = a->list; b; b = b->next) {
		sb_addf(hs, "Contact: <%s>;expires=%ld", b->uri, (long)(b->expires - now));
		if (b->instance)
			sb_addf(hs, ";+sip.instance=%s", b->instance);
		if (b->instance && b->reg_id >= 0)
			sb_addf(hs, ";reg-id=%ld", b->reg_id);
		sb_adds(hs, "\r\n");
	}
	char date[64];
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
	sb_adds(hs, date);
}

/* Steps 6-8 for the AOR: change the bindings, queue the 200 after them. */
static void register_bindings(struct registrar *r, const struct sip_msg *m,
			      const struct sip_peer *from, const char *aor_name)
{
	struct aor *a = aor_find(r, aor_name, true);
	time_t now = time(NULL);
	static struct contact_req cr[SIP_MAX_CONTACT];
	aor_refresh(r, a);
	memset(cr, 0, sizeof(cr));
	int status = 0;
	if (m->contact_star) {
		for (struct binding *b = a->list; b && !status; b = b->next)
			if (m->call_id.n == strlen(b->call_id) &&
			    memcmp(m->call_id.p, b->call_id, m->call_id.n) == 0 && m->cseq <= b->cseq)
				status = 500;
		while (!status && a->list)
			binding_remove(r, a, a->list);
	} else if (!(status = contacts_check(r, m, a, cr))) {
		for (size_t i = 0; i < m->ncontact; i++)
			contact_apply(r, m, from, a, &cr[i], now);
	}
	contacts_free(cr, m->ncontact);
	if (status == 423) {
		char h[64];
		snprintf(h, sizeof(h), "Min-Expires: %ld\r\n", r->min_exp);
		reply_now(r, m, from, 423, NULL, h);
		return;
	}
	if (status) {
		reply_now(r, m, from, status, status == 500 ? "Server Internal Error - out of order "
							      "CSeq" : "Bad Request - Contact",
			  NULL);
		return;
	}
	struct strbuf hs = STRBUF_INIT, sb = STRBUF_INIT;
	contact_lines(&hs, a, now);
	count_status(r, 200);
	if (build_reply(r, &sb, m, from, 200, NULL, hs.buf) == 0) {
		struct sip_peer to;
		sip_transport_reply_peer(from, m->nvia ? &m->via[0] : NULL, &to);
		batch_add_reply(r, &to, &sb);
	}
	sb_free(&sb);
	sb_free(&hs);
}

/* Is the To of m the signed-in principal (by SIP address or extension)? */
static bool to_matches(struct registrar *r, const struct sip_msg *m, const char *domain,
		       const json_t *principal)
{
	const struct sip_uri *u = &m->to.uri;
	char user[MAX_AOR + 1];
	if (!m->has_to || (u->scheme != SIP_SCHEME_SIP && u->scheme != SIP_SCHEME_SIPS) ||
	    !served_domain(r, u->host) || strncasecmp(domain, u->host.p, u->host.n) ||
	    strlen(domain) != u->host.n)
		return false;
	long n = sip_unescape(u->user, user, sizeof(user));
	if (n <= 0 || (size_t)n != strlen(user))
		return false;
	json_t *to = signin_principal_find(&r->signin, user, domain);
	bool same = to && strcasecmp(str_of(to, "SipAddress"), str_of(principal, "SipAddress")) == 0;
	json_decref(to);
	return same;
}

static void handle_register(struct registrar *r, const struct sip_msg *m,
			    const struct sip_peer *from)
{
	static const char *const supported[] = { "path", "outbound", "gruu", NULL };
	struct ucsh_err err;
	const char *domain = served_domain(r, m->ruri.host);
	if (!domain) {
		reply_now(r, m, from, 404, "Not Found - domain not served here", NULL);
		return;
	}
	struct strbuf uns = STRBUF_INIT;
	if (sip_msg_unsupported(m, supported, &uns)) {
		char *h = xasprintf("Unsupported: %s\r\n", uns.buf);
		reply_now(r, m, from, 420, NULL, h);
		free(h);
		sb_free(&uns);
		return;
	}
	sb_free(&uns);
	json_t *who = NULL;
	err_clear(&err);
	switch (authenticate(r, m, domain, &who, &err)) {
	case AUTH_CHALLENGE: challenge(r, m, from, domain, false); return;
	case AUTH_STALE: challenge(r, m, from, domain, true); return;
	case AUTH_BAD: reply_now(r, m, from, 400, err.msg, NULL); return;
	case AUTH_FORBIDDEN: reply_now(r, m, from, 403, NULL, NULL); return;
	case AUTH_OK: break;
	}
	if (!to_matches(r, m, domain, who))
		reply_now(r, m, from, 403, NULL, NULL);
	else
		register_bindings(r, m, from, str_of(who, "SipAddress"));
	json_decref(who);
}

/* ---- Dispatch ------------------------------------------------------------ */

/* UDP retransmissions: true when m was one (answered again or dropped). */
static bool track_transaction(struct registrar *r, const struct sip_msg *m,
			      const struct sip_peer *from)
{
	const char *resp;
	size_t len;
	struct sip_peer to;
	r->cur_txn = 0;
	if (from->proto != SIP_PROTO_UDP || m->method == SIP_METHOD_ACK)
		return false;
	switch (sip_txn_lookup(r->txns, m, time(NULL), &r->cur_txn, &resp, &len)) {
	case SIP_TXN_ANSWERED:
		sip_transport_reply_peer(from, &m->via[0], &to);
		sip_transport_send(r->tp, &to, resp, len);
		return true;
	case SIP_TXN_PENDING:
		return true;
	default:
		return false;
	}
}

static void on_message(void *arg, const char *data, size_t len, const struct sip_peer *from)
{
	struct registrar *r = arg;
	struct sip_msg *m = r->msg;
	struct ucsh_err err;
	r->cur_txn = 0; /* until track_transaction names this request's */
	int st = sip_msg_parse(m, data, len, from->proto == SIP_PROTO_UDP ? SIP_DATAGRAM : SIP_STREAM,
			       &err);
	if (!m->is_request)
		return; /* responses and garbage without a request line: nothing to answer */
	r->n.requests++;
	if (st == 0)
		st = sip_msg_check_request(m, &err);
	if (st) {
		if (sip_msg_can_reply(m) && m->method != SIP_METHOD_ACK)
			reply_now(r, m, from, st, err.msg, NULL);
		return;
	}
	if (track_transaction(r, m, from))
		return;
	switch (m->method) {
	case SIP_METHOD_REGISTER: handle_register(r, m, from); break;
	case SIP_METHOD_OPTIONS:
		reply_now(r, m, from, 200, NULL, ALLOW_HEADER "Accept: application/sdp\r\n");
		break;
	case SIP_METHOD_ACK: break; /* never answered */
	default: reply_now(r, m, from, 405, NULL, ALLOW_HEADER); break;
	}
}

/* ---- Expiry ---------------------------------------------------------------- */

/* Drop what has expired, from memory and the store, in one transaction. */
static void expire_now(struct registrar *r, time_t now)
{
	struct ucsh_err err;
	char ts[STORE_TIMESTAMP_LEN];
	size_t removed = 0;
	r->next_expiry = 0;
	for (size_t i = 0; i < r->nbuckets; i++)
		for (struct aor *a = r->buckets[i]; a; a = a->next)
			for (struct binding *b = a->list, *nx; b; b = nx) {
				nx = b->next;
				if (b->expires > now) {
					note_expiry(r, b->expires);
					continue;
				}
				aor_unlink(a, b);
				binding_free(b);
				r->nbindings--;
				removed++;
			}
	struct store *st = r->d->store;
	bool held = false;
	r->next_sweep = now + EXPIRY_SWEEP_SEC;
	if (store_job_lease(st, EXPIRY_JOB, r->d->node, EXPIRY_LEASE_SEC, &held, &err) < 0 &&
	    store_last_error(st) != STORE_E_BUSY)
		log_warning("cannot take the expiry lease: %s", err.msg);
	if ((held != r->expiry_held || !r->expiry_looked) && r->d->pooled)
		log_info(held ? "expiry: node %s removes the pool's expired registrations"
			      : "expiry: node %s leaves the pool's expired registrations to another",
			 r->d->node);
	r->expiry_held = held;
	r->expiry_looked = true;
	if (!held) {
		if (removed)
			log_info("%zu bindings expired; the pool's expiry node removes them from the "
				 "store", removed);
		return;
	}
	store_timestamp(now, ts);
	json_t *filter = json_pack("[{s:s, s:s, s:s}]", "Property", "Expires", "Op", "le", "Value", ts);
	long long n = 0, before, after;
	if (store_begin(st, &err) == 0 && store_changes(st, "Registration", &before, &err) == 0 &&
	    store_delete_where(st, "Registration", filter, &n, &err) == 0 &&
	    store_changes(st, "Registration", &after, &err) == 0 && store_commit(st, &err) == 0) {
		if (before != r->reg_seq)
			r->reg_stale = true; /* someone else wrote since our last look */
		r->reg_seq = after;
	} else {
		store_rollback(st, NULL);
		if (store_last_error(st) != STORE_E_BUSY) /* busy: another writer, gone soon */
			log_warning("cannot remove expired registrations: %s", err.msg);
		r->next_expiry = now + 1; /* try again */
	}
	json_decref(filter);
	if (removed || n)
		log_info("%zu bindings expired (%lld rows removed by node %s)", removed, n,
			 r->d->node);
}

static void on_expiry(evutil_socket_t fd, short what, void *arg)
{
	struct registrar *r = arg;
	time_t now = time(NULL);
	(void)fd;
	(void)what;
	/* In a pool the sweep also runs on a clock: the holder renews its lease,
	 * and another node takes over within EXPIRY_LEASE_SEC of its failure. */
	if ((r->next_expiry && now >= r->next_expiry) || (r->d->pooled && now >= r->next_sweep)) {
		batch_flush(r, true); /* the store must see pending refreshes first */
		expire_now(r, now);
	}
}

/* ---- Status ---------------------------------------------------------------- */

static json_t *registrar_status(struct service *svc)
{
	struct registrar *r = svc->impl;
	if (!r || !r->tp)
		return NULL;
	json_t *o = sip_transport_status(r->tp);
	json_object_set_new(o, "Requests", json_integer((json_int_t)r->n.requests));
	json_object_set_new(o, "Responses200", json_integer((json_int_t)r->n.r200));
	json_object_set_new(o, "Responses401", json_integer((json_int_t)r->n.r401));
	json_object_set_new(o, "Responses403", json_integer((json_int_t)r->n.r403));
	json_object_set_new(o, "ResponsesOther4xx", json_integer((json_int_t)r->n.r4xx));
	json_object_set_new(o, "Responses5xx", json_integer((json_int_t)r->n.r5xx));
	json_object_set_new(o, "ActiveBindings", json_integer((json_int_t)r->nbindings));
	json_object_set_new(o, "Commits", json_integer((json_int_t)r->n.commits));
	json_object_set_new(o, "StoreBusyWaits", json_integer((json_int_t)r->n.busy_waits));
	return o;
}

/* ---- Service ops ------------------------------------------------------------- */


static int listen_all(struct registrar *r, struct ucsh_err *err)
{
	json_t *pool = r->pool, *addrs = json_object_get(pool, "ListenAddress"), *v;
	long sip_port = int_of(pool, "SipPort", 5060), tls_port = int_of(pool, "TlsPort", 5061);
	struct tls_identity *tls = pki_tls_identity(r->d->pki, PKI_USE_DEFAULT);
	size_t i, n = json_array_size(addrs);
	int rc = 0;
	if (tls_port > 0 && !tls_identity_ctx(tls))
		return err_set(err, "TLS port %ld has no certificate: %s", tls_port,
			       r->d->pki_error[0] ? r->d->pki_error : "none is assigned to Default");
	for (i = 0; i < (n ? n : 1) && rc == 0; i++) {
		v = n ? json_array_get(addrs, i) : NULL;
		const char *a = json_string_value(v);
		if (sip_port > 0)
			rc = sip_transport_listen(r->tp, SIP_PROTO_UDP, a, (unsigned)sip_port, NULL, err) ||
			     sip_transport_listen(r->tp, SIP_PROTO_TCP, a, (unsigned)sip_port, NULL, err);
		if (rc == 0 && tls_port > 0)
			rc = sip_transport_listen(r->tp, SIP_PROTO_TLS, a, (unsigned)tls_port, tls, err);
	}
	return rc ? -1 : 0;
}

static void registrar_teardown(struct registrar *r)
{
	if (r->batch.ev)
		event_free(r->batch.ev);
	if (r->expiry)
		event_free(r->expiry);
	sip_transport_free(r->tp);
	digest_server_free(r->digest);
	sip_msg_free(r->msg);
	sip_txn_cache_free(r->txns);
	bindings_clear(r);
	free(r->buckets);
	batch_reset(&r->batch);
	json_decref(r->batch.regs);
	json_decref(r->batch.phones);
	json_decref(r->batch.failures);
	free(r->batch.replies);
	json_decref(r->domains);
	json_decref(r->pool);
	signin_clear(&r->signin);
	struct daemon *d = r->d;
	secret_wipe(r, sizeof(*r));
	memset(r, 0, sizeof(*r));
	r->d = d;
}

/* The nodes of a pool seal nonces with one key, so that a phone
 * challenged by one node may answer another (after a failover). */
static int nonce_key_share(struct registrar *r, struct ucsh_err *err)
{
	unsigned char key[DIGEST_KEY_LEN];
	int rc = store_pool_secret(r->d->store, "digest-nonce", key, sizeof(key), err);
	if (rc == 1)
		rc = digest_server_set_key(r->digest, key, sizeof(key), err);
	secret_wipe(key, sizeof(key));
	return rc < 0 ? -1 : 0;
}

static int registrar_setup(struct registrar *r, struct ucsh_err *err)
{
	struct sip_transport_limits lim = { 0 };
	struct timeval tick = { EXPIRY_TICK_SEC, 0 };
	r->nbuckets = 1024;
	r->buckets = xcalloc(r->nbuckets, sizeof(*r->buckets));
	r->batch.regs = json_object();
	r->batch.phones = json_object();
	r->batch.failures = json_object();
	r->msg = sip_msg_new();
	r->txns = sip_txn_cache_new(0, 0);
	if (!(r->digest = digest_server_new(0, 0, err)) || nonce_key_share(r, err) ||
	    signin_init(&r->signin, r->d->store, err) || sip_random_token(r->tag, 8, err))
		return -1;
	config_load(r);
	r->algs = getenv("UCSH_DIGEST_ALGORITHMS");
	if (r->algs && !*r->algs)
		r->algs = NULL;
	if (json_array_size(r->domains) == 0)
		return err_set(err, "pool %s has no SipDomain", r->d->pool_id);
	r->batch.ev = event_new(r->d->base, -1, 0, on_flush, r);
	r->expiry = event_new(r->d->base, -1, EV_PERSIST, on_expiry, r);
	if (!r->batch.ev || !r->expiry || event_add(r->expiry, &tick))
		return err_set(err, "cannot set up the registrar's timers");
	if (store_changes(r->d->store, "Registration", &r->reg_seq, err) || bindings_load(r, err))
		return -1;
	r->tp = sip_transport_new(r->d->base, &lim, on_message, r);
	if (listen_all(r, err))
		return -1;
	expire_now(r, time(NULL)); /* rows that expired while ucshd was down */
	return 0;
}

static int registrar_start(struct service *svc, struct ucsh_err *err)
{
	if (!svc->impl)
		svc->impl = xcalloc(1, sizeof(struct registrar));
	struct registrar *r = svc->impl;
	r->d = svc->d;
	if (registrar_setup(r, err)) {
		registrar_teardown(r);
		return -1;
	}
	log_notice("registrar: %zu bindings of %zu addresses of record loaded", r->nbindings,
		   r->naors);
	return 0;
}

static void registrar_stop(struct service *svc)
{
	struct registrar *r = svc->impl;
	if (!r || !r->tp)
		return;
	batch_flush(r, false); /* what was accepted is committed and answered */
	sip_transport_flush(r->tp);
	struct ucsh_err err;
	/* another node of the pool takes the expiry over at once */
	if (store_job_release(r->d->store, EXPIRY_JOB, r->d->node, &err))
		log_warning("cannot release the expiry lease: %s", err.msg);
	registrar_teardown(r);
}

static bool same_listeners(const json_t *a, const json_t *b)
{
	static const char *const props[] = { "ListenAddress", "SipPort", "TlsPort" };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(props); i++)
		if (!json_equal(json_object_get(a, props[i]), json_object_get(b, props[i])))
			return false;
	return true;
}

static void registrar_reload(struct service *svc)
{
	struct registrar *r = svc->impl;
	struct ucsh_err err;
	long long seq;
	if (!r || !r->tp)
		return;
	json_t *old = json_incref(r->pool);
	config_load(r);
	if (!same_listeners(old, r->pool))
		log_notice("the pool's addresses or ports changed: Stop-CsService and "
			   "Start-CsService Registrar apply them");
	json_decref(old);
	signin_refresh(&r->signin);
	batch_flush(r, true);
	if (store_changes(r->d->store, "Registration", &seq, &err) == 0 && seq != r->reg_seq)
		r->reg_stale = true;
	if (full_load_due(r) && bindings_load(r, &err) == 0) {
		r->reg_stale = false;
		r->reg_seq = seq;
		log_info("registrar: bindings re-read (%zu)", r->nbindings);
	}
}

static void registrar_destroy(struct service *svc)
{
	free(svc->impl);
	svc->impl = NULL;
}

static const char *const registrar_counters[] = {
	"Requests", "Responses200", "Responses401", "Responses403", "ResponsesOther4xx",
	"Responses5xx", "Commits", "StoreBusyWaits", "Connections", "ConnectionsRefused", NULL,
};

const struct service_ops registrar_service_ops = {
	.name = "Registrar",
	.summary = "SIP registrar: REGISTER and OPTIONS over UDP, TCP and TLS",
	.start = registrar_start,
	.stop = registrar_stop,
	.reload = registrar_reload,
	.status = registrar_status,
	.destroy = registrar_destroy,
	.counters = registrar_counters,
};

/* ---- Phone inventory helpers ------------------------------------------------ */

static void copy_span(char *out, size_t outsz, const char *p, size_t n)
{
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* "PolycomVVX-VVX_410-UA/5.9.0", "PolycomSoundPointIP-SPIP_650-UA/4.0.4" */
static bool parse_polycom_ua(const char *s, size_t n, struct registrar_ua *out)
{
	const char *ua = memmem(s, n, "-UA/", 4), *dash = memchr(s, '-', n);
	if (strncasecmp(s, "Polycom", 7) != 0 || !ua || !dash || dash >= ua)
		return false;
	snprintf(out->brand, sizeof(out->brand), "Polycom");
	copy_span(out->model, sizeof(out->model), dash + 1, (size_t)(ua - dash - 1));
	for (char *p = out->model; *p; p++)
		if (*p == '_')
			*p = ' ';
	const char *fw = ua + 4, *end = fw;
	while (end < s + n && !isspace((unsigned char)*end))
		end++;
	copy_span(out->firmware, sizeof(out->firmware), fw, (size_t)(end - fw));
	return true;
}

static bool is_version(const char *p, size_t n)
{
	bool dot = false;
	if (n == 0 || !isdigit((unsigned char)p[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '.')
			dot = true;
		else if (!isdigit((unsigned char)p[i]))
			return false;
	}
	return dot;
}

void registrar_parse_user_agent(const char *ua, size_t n, struct registrar_ua *out)
{
	memset(out, 0, sizeof(*out));
	if (!ua || n == 0 || parse_polycom_ua(ua, n, out))
		return;
	/* Words: "Vendor/1.2.3 Model" or "Vendor SIP-Model 1.2.3". */
	const char *w[3] = { 0 };
	size_t wl[3] = { 0 }, nw = 0;
	for (size_t i = 0; i < n && nw < 3;) {
		while (i < n && isspace((unsigned char)ua[i]))
			i++;
		size_t st = i;
		while (i < n && !isspace((unsigned char)ua[i]))
			i++;
		if (i > st) {
			w[nw] = ua + st;
			wl[nw++] = i - st;
		}
	}
	const char *slash = nw ? memchr(w[0], '/', wl[0]) : NULL;
	if (slash && is_version(slash + 1, wl[0] - (size_t)(slash + 1 - w[0]))) {
		copy_span(out->brand, sizeof(out->brand), w[0], (size_t)(slash - w[0]));
		copy_span(out->firmware, sizeof(out->firmware), slash + 1,
			  wl[0] - (size_t)(slash + 1 - w[0]));
		if (nw > 1 && isalnum((unsigned char)w[1][0]) && !memchr(w[1], '/', wl[1]) &&
		    !memchr(w[1], '(', wl[1]))
			copy_span(out->model, sizeof(out->model), w[1], wl[1]);
	} else if (nw == 3 && is_version(w[2], wl[2])) {
		copy_span(out->brand, sizeof(out->brand), w[0], wl[0]);
		size_t skip = wl[1] > 4 && strncasecmp(w[1], "SIP-", 4) == 0 ? 4 : 0;
		copy_span(out->model, sizeof(out->model), w[1] + skip, wl[1] - skip);
		copy_span(out->firmware, sizeof(out->firmware), w[2], wl[2]);
	}
}

/* The node of a version-1 UUID: 36 characters 8-4-4-4-12, version nibble
 * '1', and a unicast node (a random node has the multicast bit set). */
static int uuid_mac(const char *s, size_t n, char buf[MAC_STR_LEN])
{
	const char *u = memmem(s, n, "urn:uuid:", 9);
	struct ucsh_err err;
	if (!u || (size_t)(s + n - (u + 9)) < 36)
		return -1;
	u += 9;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? u[i] != '-'
							      : !isxdigit((unsigned char)u[i]))
			return -1;
	if (u[14] != '1')
		return -1;
	char node[13];
	memcpy(node, u + 24, 12);
	node[12] = '\0';
	return mac_canonical(node, buf, &err);
}

int registrar_contact_mac(const char *instance, size_t ni, const char *mac_param, size_t nm,
			  char buf[18])
{
	struct ucsh_err err;
	if (instance && ni && uuid_mac(instance, ni, buf) == 0)
		return 0;
	if (!mac_param || nm == 0 || nm > 32)
		return -1;
	char tmp[33];
	copy_span(tmp, sizeof(tmp), mac_param[0] == '"' ? mac_param + 1 : mac_param,
		  mac_param[0] == '"' && nm >= 2 ? nm - 2 : nm);
	return mac_canonical(tmp, buf, &err);
}
