/* net: addresses and sockets shared by ucshd's listeners (see net.h). */
#include "config.h"

#include "net.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"

int net_resolve(const char *addr, unsigned port, int family, struct sockaddr_storage *ss,
		socklen_t *len, struct ucsh_err *err)
{
	struct addrinfo hints = { .ai_family = family, .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				  .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;
	char serv[8];
	snprintf(serv, sizeof(serv), "%u", port);
	int rc = getaddrinfo(addr, serv, &hints, &res);
	if (rc != 0 || !res) {
		if (res)
			freeaddrinfo(res);
		return err_set(err, "'%s' is not a numeric IPv4 or IPv6 address", addr ? addr : "*");
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int net_bound_socket(int type, const struct sockaddr_storage *ss, socklen_t len,
		     struct ucsh_err *err)
{
	int fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		return err_set(err, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) != 0) {
		err_set(err, "bind: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void net_addr_host(const struct sockaddr_storage *ss, socklen_t len, char *host, size_t hostsz,
		   unsigned *port)
{
	char serv[16];
	if (getnameinfo((const struct sockaddr *)ss, len, host, (socklen_t)hostsz, serv,
			sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(host, hostsz, "?");
		*port = 0;
		return;
	}
	*port = (unsigned)atoi(serv);
}

void net_addr_text(const struct sockaddr_storage *ss, socklen_t len,
		   char buf[NET_ADDR_TEXT_LEN])
{
	char host[INET6_ADDRSTRLEN + 1];
	unsigned port;
	net_addr_host(ss, len, host, sizeof(host), &port);
	snprintf(buf, NET_ADDR_TEXT_LEN, ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
		 port);
}

void net_raise_fd_limit(size_t want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_warning("cannot raise the descriptor limit to %zu", want);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evconnlistener_enable(arg);
}

void net_listener_pause(struct evconnlistener *lev, struct event **resume, const char *name)
{
	struct timeval one = { 1, 0 };
	log_warning("%s: accept: %s; pausing for a second", name,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	evconnlistener_disable(lev);
	if (!*resume)
		*resume = evtimer_new(evconnlistener_get_base(lev), on_resume, lev);
	if (*resume)
		evtimer_add(*resume, &one);
}
