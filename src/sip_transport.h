/*
 * sip_transport: SIP's three transports on ucshd's libevent loop. UDP
 * sockets, TCP and TLS listeners (IPv4 and IPv6), the connections they
 * accept with their limits (how many, how many bytes each may buffer, how
 * long each may stay idle or take to shake hands), and the framing of
 * streams into messages (sip_stream_frame). Above it the registrar sees
 * only whole messages, each with the peer it came from, and sends back
 * through a peer.
 *
 * Why peers are values, not pointers: the registrar answers some requests
 * later (after the group commit of their bindings), when the connection
 * may be gone. A peer names a connection by slot and generation, so a
 * late answer to a closed connection is dropped, never written to a slot
 * a newer connection took.
 *
 * Response routing (RFC 3261 18.2.2, RFC 3581) is sip_transport_reply_peer:
 * a stream answer goes back on its connection; a UDP answer goes from the
 * socket the request came in on to the source address, at the source port
 * when the top Via has rport, else at the sent-by port (5060 when absent).
 * An answer whose connection has closed is dropped (18.2.2 would open a
 * new connection; phones keep theirs, and an unanswered REGISTER is
 * retried).
 */
#ifndef UCSH_SIP_TRANSPORT_H
#define UCSH_SIP_TRANSPORT_H

#include <jansson.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/ssl.h>

struct tls_identity;

#include "sip.h"
#include "util.h"

struct event_base;
struct sip_transport;

enum sip_proto {
	SIP_PROTO_UDP,
	SIP_PROTO_TCP,
	SIP_PROTO_TLS,
};
const char *sip_proto_name(enum sip_proto p); /* "UDP", "TCP", "TLS" */

/* Where a message came from or goes to. */
struct sip_peer {
	enum sip_proto proto;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint32_t slot;  /* UDP: the socket's index; TCP/TLS: the connection's slot */
	uint32_t gen;   /* TCP/TLS: the connection's generation */
};

/* The numeric address and port of a peer ("::1", 5060). */
void sip_peer_host(const struct sip_peer *p, char *host, size_t hostsz, unsigned *port);

struct sip_transport_limits {
	size_t max_conns;        /* TCP+TLS connections at once (0: 4096) */
	size_t max_conn_buffer;  /* bytes a connection may hold unread or unsent (0: 256 KiB) */
	int idle_timeout;        /* seconds without a message before closing (0: 600) */
	int handshake_timeout;   /* seconds to the first message or TLS handshake (0: 30) */
};

/* Called once per framed message; data is valid during the call only. */
typedef void (*sip_transport_recv_fn)(void *arg, const char *data, size_t len,
				      const struct sip_peer *from);

/* A transport with no listener yet; the caller owns it (sip_transport_free). */
struct sip_transport *sip_transport_new(struct event_base *base,
					const struct sip_transport_limits *limits,
					sip_transport_recv_fn fn, void *arg);
/*
 * Listen on addr (numeric IPv4 or IPv6; NULL: every IPv4 and IPv6 address)
 * at port. TLS needs tls (borrowed; must outlive the listener): each
 * accepted connection gets the context it holds then (pki.h), so a renewed
 * certificate needs no restart. 0, or -1 with err naming the address.
 */
int sip_transport_listen(struct sip_transport *tp, enum sip_proto proto, const char *addr,
			 unsigned port, struct tls_identity *tls, struct ucsh_err *err);
/*
 * Send data to peer. 0 sent or queued; -1 when the connection is gone or
 * its output exceeds max_conn_buffer (it is then closed) or UDP refused.
 */
int sip_transport_send(struct sip_transport *tp, const struct sip_peer *to, const char *data,
		       size_t len);
/* Where a response to a request from `from` with top Via `via` goes. */
void sip_transport_reply_peer(const struct sip_peer *from, const struct sip_via *via,
			      struct sip_peer *to);
/* Try to write out what connections still hold (draining). */
void sip_transport_flush(struct sip_transport *tp);
/* {"Listen": ["UDP 0.0.0.0:5060", ...], "Connections": n, "ConnectionsRefused": n}:
 * a new object. */
json_t *sip_transport_status(const struct sip_transport *tp);
/* Close every listener and connection and free tp. NULL is a no-op. */
void sip_transport_free(struct sip_transport *tp);

/*
 * The server transactions of UDP requests (RFC 3261 17.2.2), kept only as
 * far as a stateless-looking server needs them: a retransmitted request is
 * answered with the answer already given, or dropped while its answer is
 * pending (after the group commit). Without it a retransmitted REGISTER
 * would be processed again, and its repeated nonce count refused as a
 * replay (a 403 and a failed sign-in) when the first answer was merely
 * slow. Entries live lifetime seconds (Timer J, 64*T1 = 32 s) or until
 * max_entries newer ones push them out.
 */
struct sip_txn_cache;
enum sip_txn_state {
	SIP_TXN_UNTRACKED,  /* no RFC 3261 branch: process, nothing to record */
	SIP_TXN_NEW,        /* process it; *id names it for sip_txn_answer */
	SIP_TXN_PENDING,    /* a retransmission whose answer is not ready: drop */
	SIP_TXN_ANSWERED,   /* a retransmission: send *resp again */
};
/* A cache; the caller owns it (sip_txn_cache_free). */
struct sip_txn_cache *sip_txn_cache_new(size_t max_entries, int lifetime);
void sip_txn_cache_free(struct sip_txn_cache *c);
/* *resp is borrowed, valid until the next call on c. */
enum sip_txn_state sip_txn_lookup(struct sip_txn_cache *c, const struct sip_msg *m, time_t now,
				  uint64_t *id, const char **resp, size_t *len);
/* Record the answer of transaction id (a no-op once it has been pushed out). */
void sip_txn_answer(struct sip_txn_cache *c, uint64_t id, const char *resp, size_t len);

#endif
