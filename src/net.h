/*
 * net: what ucshd's listeners share, whatever they speak: numeric
 * addresses, bound non-blocking sockets, the text of an address for logs
 * and Get-CsService, and the descriptor limit.
 */
#ifndef UCSH_NET_H
#define UCSH_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "util.h"

/* Room for "[v6addr]:port" with the NUL. */
#define NET_ADDR_TEXT_LEN (INET6_ADDRSTRLEN + 10)

/* addr: numeric IPv4 or IPv6 (NULL: the wildcard of family). 0, or -1 with err. */
int net_resolve(const char *addr, unsigned port, int family, struct sockaddr_storage *ss,
		socklen_t *len, struct ucsh_err *err);
/* A bound, non-blocking, close-on-exec socket of type; IPv6 sockets are
 * IPv6-only, so that "every address" is one IPv4 and one IPv6 socket on any
 * kernel setting. The fd, or -1 with err. */
int net_bound_socket(int type, const struct sockaddr_storage *ss, socklen_t len,
		     struct ucsh_err *err);
/* The numeric host ("::1") and port of an address. */
void net_addr_host(const struct sockaddr_storage *ss, socklen_t len, char *host, size_t hostsz,
		   unsigned *port);
/* "127.0.0.1:5060" or "[::1]:5060" into buf. */
void net_addr_text(const struct sockaddr_storage *ss, socklen_t len,
		   char buf[NET_ADDR_TEXT_LEN]);
struct evconnlistener;
struct event;
/*
 * For a listener's error callback: accept() failed (out of descriptors
 * would fire again at once and spin), so pause the listener for a second.
 * *resume: the listener's timer, made on first use; the caller frees it
 * (event_free) with the listener. name: for the log.
 */
void net_listener_pause(struct evconnlistener *lev, struct event **resume, const char *name);

/* Raise the soft descriptor limit to want, as far as the hard limit allows. */
void net_raise_fd_limit(size_t want);

#endif
