/*
 * sip_transport: UDP sockets, TCP/TLS listeners and connections on the
 * daemon's libevent loop (see sip_transport.h for the shape and why).
 */
#include "config.h"
#include "sip_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>

#include "log.h"
#include "net.h"
#include "pki.h"

#define UDP_BATCH 256          /* datagrams read per wake-up before yielding */
#define UDP_RCVBUF (4 << 20)   /* absorbs bursts while a group commit runs */
#define UDP_MAX_DGRAM 65535

struct listener {
	enum sip_proto proto;
	char *name;                    /* "UDP 127.0.0.1:5060" */
	int fd;                        /* UDP */
	struct event *ev;              /* UDP */
	struct evconnlistener *lev;    /* TCP/TLS */
	struct event *resume;          /* re-enables lev after running out of descriptors */
	struct tls_identity *tls;      /* borrowed from the daemon's pki */
	struct sip_transport *tp;
	uint32_t index;
};

struct conn {
	struct sip_transport *tp;
	struct bufferevent *bev;
	struct sip_peer peer;
	bool greeted;                  /* a first message came: idle timeout applies */
	bool in_read;                  /* inside conn_drain_input: close later */
	bool dead;                     /* close once the read callback returns */
};

struct sip_transport {
	struct event_base *base;
	struct sip_transport_limits lim;
	sip_transport_recv_fn fn;
	void *arg;
	struct listener **ls;
	size_t nls;
	struct conn **conns;           /* lim.max_conns slots */
	uint32_t *free_slots;          /* stack of free slot numbers */
	size_t nfree;
	uint32_t next_gen;
	size_t nconns;
	unsigned long long refused;
	char *dgram;                   /* UDP receive buffer */
};

const char *sip_proto_name(enum sip_proto p)
{
	static const char *const names[] = { "UDP", "TCP", "TLS" };
	return p <= SIP_PROTO_TLS ? names[p] : "?";
}

void sip_peer_host(const struct sip_peer *p, char *host, size_t hostsz, unsigned *port)
{
	net_addr_host(&p->addr, p->addrlen, host, hostsz, port);
}

struct sip_transport *sip_transport_new(struct event_base *base,
					const struct sip_transport_limits *limits,
					sip_transport_recv_fn fn, void *arg)
{
	struct sip_transport *tp = xcalloc(1, sizeof(*tp));
	tp->base = base;
	tp->lim = *limits;
	if (!tp->lim.max_conns)
		tp->lim.max_conns = 4096;
	if (!tp->lim.max_conn_buffer)
		tp->lim.max_conn_buffer = 256 * 1024;
	if (tp->lim.max_conn_buffer < SIP_MAX_MSG + 4)
		tp->lim.max_conn_buffer = SIP_MAX_MSG + 4; /* must hold one whole message */
	if (!tp->lim.idle_timeout)
		tp->lim.idle_timeout = 600;
	if (!tp->lim.handshake_timeout)
		tp->lim.handshake_timeout = 30;
	tp->fn = fn;
	tp->arg = arg;
	tp->conns = xcalloc(tp->lim.max_conns, sizeof(*tp->conns));
	tp->free_slots = xmalloc(tp->lim.max_conns * sizeof(*tp->free_slots));
	for (size_t i = 0; i < tp->lim.max_conns; i++)
		tp->free_slots[i] = (uint32_t)(tp->lim.max_conns - 1 - i);
	tp->nfree = tp->lim.max_conns;
	tp->dgram = xmalloc(UDP_MAX_DGRAM + 1);
	net_raise_fd_limit(tp->lim.max_conns + 256);
	return tp;
}

/* ---- Addresses -------------------------------------------------------- */

static char *addr_name(enum sip_proto proto, const struct sockaddr_storage *ss, socklen_t len)
{
	char text[NET_ADDR_TEXT_LEN];
	net_addr_text(ss, len, text);
	return xasprintf("%s %s", sip_proto_name(proto), text);
}

/* ---- UDP -------------------------------------------------------------- */

static void udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;
	struct sip_transport *tp = l->tp;
	(void)what;
	for (int i = 0; i < UDP_BATCH; i++) {
		struct sip_peer p = { .proto = SIP_PROTO_UDP, .slot = l->index,
				      .addrlen = sizeof(p.addr) };
		ssize_t n = recvfrom(fd, tp->dgram, UDP_MAX_DGRAM, 0, (struct sockaddr *)&p.addr,
				     &p.addrlen);
		if (n < 0)
			break; /* EAGAIN, or an ICMP error reported on the socket */
		if (n == 0)
			continue;
		tp->dgram[n] = '\0';
		tp->fn(tp->arg, tp->dgram, (size_t)n, &p);
	}
}

static int listen_udp(struct sip_transport *tp, struct listener *l,
		      const struct sockaddr_storage *ss, socklen_t len, struct ucsh_err *err)
{
	int size = UDP_RCVBUF;
	l->fd = net_bound_socket(SOCK_DGRAM, ss, len, err);
	if (l->fd < 0)
		return -1;
	/* FORCE works as root past rmem_max; otherwise the plain call gets what the
	 * system allows. */
	if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	l->ev = event_new(tp->base, l->fd, EV_READ | EV_PERSIST, udp_read, l);
	if (!l->ev || event_add(l->ev, NULL) != 0)
		return err_set(err, "cannot watch the UDP socket");
	return 0;
}

/* ---- Connections ------------------------------------------------------ */

static void conn_close(struct conn *c)
{
	struct sip_transport *tp = c->tp;
	if (c->bev) {
		SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
		if (ssl)
			SSL_set_shutdown(ssl, SSL_RECEIVED_SHUTDOWN); /* no blocking close_notify */
		bufferevent_free(c->bev);
	}
	tp->conns[c->peer.slot] = NULL;
	tp->free_slots[tp->nfree++] = c->peer.slot;
	tp->nconns--;
	free(c);
}

static void set_timeouts(struct conn *c, int secs)
{
	struct timeval tv = { secs, 0 };
	bufferevent_set_timeouts(c->bev, &tv, &tv);
}

/* Frame and hand over every whole message in the input. false: c was closed. */
static bool conn_drain_input(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct ucsh_err err;
	size_t len;
	while ((len = evbuffer_get_length(in)) > 0) {
		size_t want = len < SIP_MAX_MSG ? len : SIP_MAX_MSG, n = 0;
		const char *buf = (const char *)evbuffer_pullup(in, (ssize_t)want);
		switch (sip_stream_frame(buf, want, &n, &err)) {
		case SIP_FRAME_NEED_MORE:
			return true;
		case SIP_FRAME_MESSAGE:
			if (!c->greeted) {
				c->greeted = true;
				set_timeouts(c, c->tp->lim.idle_timeout);
			}
			c->in_read = true;
			c->tp->fn(c->tp->arg, buf, n, &c->peer);
			c->in_read = false;
			if (c->dead) {
				conn_close(c);
				return false;
			}
			break;
		case SIP_FRAME_PING:
			bufferevent_write(c->bev, "\r\n", 2); /* RFC 5626 pong */
			break;
		case SIP_FRAME_SKIP:
			break;
		default:
			log_info("closing a %s connection: %s", sip_proto_name(c->peer.proto), err.msg);
			conn_close(c);
			return false;
		}
		evbuffer_drain(in, n);
	}
	return true;
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_drain_input(arg);
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return; /* TLS handshake done; the first message still has handshake_timeout */
	if (what & BEV_EVENT_ERROR) {
		unsigned long e;
		while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
			log_debug("TLS: %s", ERR_reason_error_string(e));
	}
	conn_close(c);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct listener *l = arg;
	struct sip_transport *tp = l->tp;
	(void)lev;
	if (tp->nfree == 0) {
		tp->refused++;
		close(fd);
		return;
	}
	struct conn *c = xcalloc(1, sizeof(*c));
	c->tp = tp;
	c->peer.proto = l->proto;
	memcpy(&c->peer.addr, sa, (size_t)salen);
	c->peer.addrlen = (socklen_t)salen;
	if (l->proto == SIP_PROTO_TLS) {
		SSL_CTX *ctx = tls_identity_ctx(l->tls); /* the certificate of this moment */
		SSL *ssl = ctx ? SSL_new(ctx) : NULL;
		c->bev = ssl ? bufferevent_openssl_socket_new(tp->base, fd, ssl,
							      BUFFEREVENT_SSL_ACCEPTING,
							      BEV_OPT_CLOSE_ON_FREE)
			     : NULL;
		if (c->bev)
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
		else if (ssl)
			SSL_free(ssl);
	} else {
		c->bev = bufferevent_socket_new(tp->base, fd, BEV_OPT_CLOSE_ON_FREE);
	}
	if (!c->bev) {
		close(fd);
		free(c);
		return;
	}
	c->peer.slot = tp->free_slots[--tp->nfree];
	c->peer.gen = ++tp->next_gen;
	tp->conns[c->peer.slot] = c;
	tp->nconns++;
	/* Stop reading past the bound: a peer that never completes a message is
	 * closed by the framer (too large) or the timeout, not buffered forever. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, tp->lim.max_conn_buffer);
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	set_timeouts(c, tp->lim.handshake_timeout);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct listener *l = arg;
	net_listener_pause(lev, &l->resume, l->name);
}

static int listen_stream(struct sip_transport *tp, struct listener *l,
			 const struct sockaddr_storage *ss, socklen_t len, struct ucsh_err *err)
{
	int fd = net_bound_socket(SOCK_STREAM, ss, len, err);
	if (fd < 0)
		return -1;
	l->lev = evconnlistener_new(tp->base, on_accept, l, LEV_OPT_CLOSE_ON_FREE, 1024, fd);
	if (!l->lev) {
		close(fd);
		return err_set(err, "listen: %s", strerror(errno));
	}
	evconnlistener_set_error_cb(l->lev, on_accept_error);
	return 0;
}

/* ---- Listening -------------------------------------------------------- */

static void listener_free(struct listener *l)
{
	if (l->ev)
		event_free(l->ev);
	if (l->fd >= 0)
		close(l->fd);
	if (l->resume)
		event_free(l->resume);
	if (l->lev)
		evconnlistener_free(l->lev);
	free(l->name);
	free(l);
}

static int listen_one(struct sip_transport *tp, enum sip_proto proto,
		      const struct sockaddr_storage *ss, socklen_t len, struct tls_identity *tls,
		      struct ucsh_err *err)
{
	struct listener *l = xcalloc(1, sizeof(*l));
	l->proto = proto;
	l->tp = tp;
	l->fd = -1;
	l->index = (uint32_t)tp->nls;
	l->name = addr_name(proto, ss, len);
	l->tls = tls;
	int rc = proto == SIP_PROTO_UDP ? listen_udp(tp, l, ss, len, err)
					: listen_stream(tp, l, ss, len, err);
	if (rc) {
		char what[512];
		snprintf(what, sizeof(what), "%s", err->msg);
		err_set(err, "cannot listen on %s: %s", l->name, what);
		listener_free(l);
		return -1;
	}
	tp->ls = xrealloc(tp->ls, (tp->nls + 1) * sizeof(*tp->ls));
	tp->ls[tp->nls++] = l;
	log_info("listening on %s", l->name);
	return 0;
}

int sip_transport_listen(struct sip_transport *tp, enum sip_proto proto, const char *addr,
			 unsigned port, struct tls_identity *tls, struct ucsh_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (proto == SIP_PROTO_TLS && !tls_identity_ctx(tls))
		return err_set(err, "TLS needs a certificate");
	if (addr) {
		if (net_resolve(addr, port, AF_UNSPEC, &ss, &len, err))
			return -1;
		return listen_one(tp, proto, &ss, len, tls, err);
	}
	if (net_resolve("0.0.0.0", port, AF_INET, &ss, &len, err) ||
	    listen_one(tp, proto, &ss, len, tls, err))
		return -1;
	/* A host without IPv6 still serves IPv4. */
	struct ucsh_err e6;
	if (net_resolve("::", port, AF_INET6, &ss, &len, &e6) == 0 &&
	    listen_one(tp, proto, &ss, len, tls, &e6) != 0)
		log_warning("%s", e6.msg);
	return 0;
}

/* ---- Sending ---------------------------------------------------------- */

int sip_transport_send(struct sip_transport *tp, const struct sip_peer *to, const char *data,
		       size_t len)
{
	if (to->proto == SIP_PROTO_UDP) {
		if (to->slot >= tp->nls || tp->ls[to->slot]->fd < 0)
			return -1;
		ssize_t n = sendto(tp->ls[to->slot]->fd, data, len, 0,
				   (const struct sockaddr *)&to->addr, to->addrlen);
		return n == (ssize_t)len ? 0 : -1;
	}
	struct conn *c = to->slot < tp->lim.max_conns ? tp->conns[to->slot] : NULL;
	if (!c || c->peer.gen != to->gen)
		return -1;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) + len > tp->lim.max_conn_buffer) {
		log_info("closing a %s connection that does not read its responses",
			 sip_proto_name(c->peer.proto));
		if (c->in_read)
			c->dead = true;
		else
			conn_close(c);
		return -1;
	}
	return bufferevent_write(c->bev, data, len) == 0 ? 0 : -1;
}

void sip_transport_reply_peer(const struct sip_peer *from, const struct sip_via *via,
			      struct sip_peer *to)
{
	*to = *from;
	if (from->proto != SIP_PROTO_UDP || !via || via->has_rport)
		return;
	/* RFC 3261 18.2.2: the source address (we add received= when sent-by
	 * differs) at the sent-by port, 5060 by default. */
	uint16_t port = htons(via->port ? via->port : 5060);
	if (to->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&to->addr)->sin_port = port;
	else if (to->addr.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&to->addr)->sin6_port = port;
}

void sip_transport_flush(struct sip_transport *tp)
{
	for (size_t i = 0; i < tp->lim.max_conns; i++) {
		struct conn *c = tp->conns[i];
		if (c && c->peer.proto == SIP_PROTO_TCP)
			evbuffer_write(bufferevent_get_output(c->bev), bufferevent_getfd(c->bev));
	}
}

json_t *sip_transport_status(const struct sip_transport *tp)
{
	json_t *ls = json_array();
	for (size_t i = 0; i < tp->nls; i++)
		json_array_append_new(ls, json_string(tp->ls[i]->name));
	return json_pack("{s:o, s:I, s:I}", "Listen", ls, "Connections", (json_int_t)tp->nconns,
			 "ConnectionsRefused", (json_int_t)tp->refused);
}

void sip_transport_free(struct sip_transport *tp)
{
	if (!tp)
		return;
	for (size_t i = 0; i < tp->lim.max_conns; i++)
		if (tp->conns[i])
			conn_close(tp->conns[i]);
	for (size_t i = 0; i < tp->nls; i++)
		listener_free(tp->ls[i]);
	free(tp->ls);
	free(tp->conns);
	free(tp->free_slots);
	free(tp->dgram);
	free(tp);
}

/* ---- UDP server transactions ------------------------------------------- */

struct txn {
	uint64_t id;          /* 0: free */
	char *key;
	char *resp;           /* NULL while pending */
	size_t len;
	time_t t;
	size_t hnext;         /* next slot + 1 in the bucket's chain; 0 ends it */
};

#define TXN_MAX_BYTES (16u << 20) /* answers kept; the oldest go first past it */

struct sip_txn_cache {
	struct txn *ring;
	size_t cap, nbuckets;
	size_t *buckets;      /* slot + 1 of the chain's head; 0: empty */
	uint64_t next_id, oldest_id;
	size_t bytes;         /* held by keys and answers */
	int lifetime;
};

struct sip_txn_cache *sip_txn_cache_new(size_t max_entries, int lifetime)
{
	struct sip_txn_cache *c = xcalloc(1, sizeof(*c));
	c->cap = max_entries ? max_entries : 65536;
	c->nbuckets = c->cap;
	c->ring = xcalloc(c->cap, sizeof(*c->ring));
	c->buckets = xcalloc(c->nbuckets, sizeof(*c->buckets));
	c->next_id = c->oldest_id = 1;
	c->lifetime = lifetime > 0 ? lifetime : 32;
	return c;
}

void sip_txn_cache_free(struct sip_txn_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++) {
		free(c->ring[i].key);
		free(c->ring[i].resp);
	}
	free(c->ring);
	free(c->buckets);
	free(c);
}

static size_t txn_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Branch, sent-by, Call-ID and CSeq: what RFC 3261 17.2.3 matches on, plus
 * the Call-ID and CSeq that make a reused branch harmless. */
static char *txn_key(const struct sip_msg *m)
{
	const struct sip_via *v = &m->via[0];
	return xasprintf("%.*s\n%.*s\n%.*s\n%u %.*s", (int)v->branch.n, v->branch.p,
			 (int)v->sent_by.n, v->sent_by.p, (int)m->call_id.n, m->call_id.p,
			 (unsigned)m->cseq, (int)m->method_name.n, m->method_name.p);
}

static void txn_unlink(struct sip_txn_cache *c, size_t slot);

/* Drop the oldest entry still held. */
static void txn_evict_oldest(struct sip_txn_cache *c)
{
	for (; c->oldest_id < c->next_id; c->oldest_id++) {
		struct txn *t = &c->ring[c->oldest_id % c->cap];
		if (t->id != c->oldest_id)
			continue;
		txn_unlink(c, (size_t)(c->oldest_id % c->cap));
		c->bytes -= strlen(t->key) + t->len;
		free(t->key);
		free(t->resp);
		*t = (struct txn){ 0 };
		c->oldest_id++;
		return;
	}
}

static void txn_unlink(struct sip_txn_cache *c, size_t slot)
{
	size_t b = txn_hash(c->ring[slot].key) % c->nbuckets;
	for (size_t *p = &c->buckets[b]; *p; p = &c->ring[*p - 1].hnext)
		if (*p - 1 == slot) {
			*p = c->ring[slot].hnext;
			return;
		}
}

enum sip_txn_state sip_txn_lookup(struct sip_txn_cache *c, const struct sip_msg *m, time_t now,
				  uint64_t *id, const char **resp, size_t *len)
{
	if (m->nvia == 0 || !sip_via_branch_is_rfc3261(&m->via[0]) || !m->has_call_id ||
	    !m->has_cseq)
		return SIP_TXN_UNTRACKED;
	char *key = txn_key(m);
	size_t b = txn_hash(key) % c->nbuckets;
	for (size_t i = c->buckets[b]; i; i = c->ring[i - 1].hnext) {
		struct txn *t = &c->ring[i - 1];
		if (strcmp(t->key, key) != 0 || now - t->t > c->lifetime)
			continue;
		free(key);
		if (!t->resp)
			return SIP_TXN_PENDING;
		*resp = t->resp;
		*len = t->len;
		return SIP_TXN_ANSWERED;
	}
	size_t slot = (size_t)(c->next_id % c->cap);
	struct txn *t = &c->ring[slot];
	if (t->id) /* the ring is full: its oldest entry makes room */
		txn_evict_oldest(c);
	*t = (struct txn){ .id = c->next_id++, .key = key, .t = now, .hnext = c->buckets[b] };
	c->bytes += strlen(key);
	c->buckets[b] = slot + 1;
	*id = t->id;
	return SIP_TXN_NEW;
}

void sip_txn_answer(struct sip_txn_cache *c, uint64_t id, const char *resp, size_t len)
{
	struct txn *t = id ? &c->ring[id % c->cap] : NULL;
	if (!t || t->id != id || t->resp)
		return;
	t->resp = xmalloc(len);
	memcpy(t->resp, resp, len);
	t->len = len;
	c->bytes += len;
	while (c->bytes > TXN_MAX_BYTES && c->oldest_id < id)
		txn_evict_oldest(c);
}
