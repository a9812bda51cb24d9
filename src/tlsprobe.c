/*
 * tlsprobe: see tlsprobe.h. Non-blocking connect and handshake, each
 * bounded by the timeout; verification runs but does not abort the
 * handshake (SSL_VERIFY_NONE keeps the result), and the name is checked
 * apart from the chain so that both findings are reported.
 */
#include "config.h"
#include "tlsprobe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int wait_ready(int fd, short events, double deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;
	do {
		double left = deadline - mono_ms();
		rc = poll(&pfd, 1, left > 0 ? (int)left : 0);
	} while (rc < 0 && errno == EINTR);
	return rc;
}

static int connect_addr(struct tls_probe *p)
{
	char port[8];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST }, *ai;
	snprintf(port, sizeof(port), "%u", p->port);
	int gai = getaddrinfo(p->addr, port, &hints, &ai);
	if (gai)
		return snprintf(p->error, sizeof(p->error), "%s: %s", p->addr, gai_strerror(gai)), -1;
	p->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc = p->fd < 0 ? -1 : connect(p->fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc < 0 && errno == EINPROGRESS) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		int w = wait_ready(p->fd, POLLOUT, mono_ms() + p->timeout_ms);
		if (w == 0)
			return snprintf(p->error, sizeof(p->error), "no answer within %d ms",
					p->timeout_ms), -1;
		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		errno = soerr;
		rc = w < 0 || soerr ? -1 : 0;
	}
	if (rc < 0)
		snprintf(p->error, sizeof(p->error), "%s", strerror(errno));
	return rc;
}

static void add_names(struct tls_probe *p, X509 *cert)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;
	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		char text[64] = "";
		if (g->type == GEN_DNS) {
			snprintf(text, sizeof(text), "DNS:%.*s", ASN1_STRING_length(g->d.dNSName),
				 (const char *)ASN1_STRING_get0_data(g->d.dNSName));
		} else if (g->type == GEN_IPADD) {
			int l = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *b = ASN1_STRING_get0_data(g->d.iPAddress);
			char ip[INET6_ADDRSTRLEN] = "?";
			if (l == 4 || l == 16)
				inet_ntop(l == 4 ? AF_INET : AF_INET6, b, ip, sizeof(ip));
			snprintf(text, sizeof(text), "IP:%s", ip);
		}
		if (*text && used < sizeof(p->names))
			used += (size_t)snprintf(p->names + used, sizeof(p->names) - used, "%s%s",
						 used ? ", " : "", text);
	}
	GENERAL_NAMES_free(sans);
}

/* What the certificate says: names, dates, and whether it covers p->name. */
static void read_cert(struct tls_probe *p)
{
	X509 *cert = SSL_get1_peer_certificate(p->ssl);
	if (!cert)
		return;
	X509_NAME_oneline(X509_get_subject_name(cert), p->subject, sizeof(p->subject));
	X509_NAME_oneline(X509_get_issuer_name(cert), p->issuer, sizeof(p->issuer));
	add_names(p, cert);
	int days = 0, secs = 0;
	const ASN1_TIME *na = X509_get0_notAfter(cert);
	if (ASN1_TIME_diff(&days, &secs, NULL, na))
		p->days_left = days == 0 && secs < 0 ? -1 : days; /* whole days, expired: < 0 */
	struct tm tm;
	if (ASN1_TIME_to_tm(na, &tm))
		strftime(p->not_after, sizeof(p->not_after), "%Y-%m-%d %H:%M:%S UTC", &tm);
	struct in6_addr a6;
	bool is_ip = inet_pton(AF_INET, p->name, &a6) == 1 || inet_pton(AF_INET6, p->name, &a6) == 1;
	p->name_ok = is_ip ? X509_check_ip_asc(cert, p->name, 0) == 1
			   : X509_check_host(cert, p->name, 0, 0, NULL) == 1;
	X509_free(cert);
}

static int handshake(struct tls_probe *p)
{
	double deadline = mono_ms() + p->timeout_ms;
	for (;;) {
		int rc = SSL_connect(p->ssl);
		if (rc == 1)
			return 0;
		int e = SSL_get_error(p->ssl, rc);
		short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
		int w = ev ? wait_ready(p->fd, ev, deadline) : -1;
		if (w <= 0) {
			unsigned long le = ERR_peek_last_error();
			if (w == 0)
				snprintf(p->error, sizeof(p->error), "no handshake within %d ms",
					 p->timeout_ms);
			else if (le)
				snprintf(p->error, sizeof(p->error), "%s", ERR_reason_error_string(le));
			else
				snprintf(p->error, sizeof(p->error), "the server closed the connection");
			ERR_clear_error();
			return -1;
		}
	}
}

static void keep_blocking(struct tls_probe *p)
{
	struct timeval tv = { p->timeout_ms / 1000, (p->timeout_ms % 1000) * 1000 };
	fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(p->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

bool tls_probe_run(struct tls_probe *p, bool keep)
{
	p->fd = -1;
	p->verify = -1;
	double t0 = mono_ms();
	if (connect_addr(p))
		goto out;
	p->connected = true;
	p->connect_ms = mono_ms() - t0;
	p->ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(p->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_default_verify_paths(p->ctx);
	if (p->ca_file && SSL_CTX_load_verify_locations(p->ctx, p->ca_file, NULL) != 1)
		ERR_clear_error(); /* missing: only the system's roots are trusted */
	p->ssl = SSL_new(p->ctx);
	SSL_set_fd(p->ssl, p->fd);
	struct in6_addr a6;
	if (inet_pton(AF_INET, p->name, &a6) != 1 && inet_pton(AF_INET6, p->name, &a6) != 1)
		SSL_set_tlsext_host_name(p->ssl, p->name);
	t0 = mono_ms();
	if (handshake(p) == 0) {
		p->handshake = true;
		p->handshake_ms = mono_ms() - t0;
		snprintf(p->version, sizeof(p->version), "%s", SSL_get_version(p->ssl));
		p->verify = SSL_get_verify_result(p->ssl);
		p->trusted = p->verify == X509_V_OK;
		read_cert(p);
	}
out:
	if (p->handshake && keep)
		keep_blocking(p);
	else
		tls_probe_close(p);
	return p->handshake;
}

void tls_probe_close(struct tls_probe *p)
{
	if (p->ssl && p->handshake)
		SSL_shutdown(p->ssl);
	SSL_free(p->ssl);
	SSL_CTX_free(p->ctx);
	if (p->fd >= 0)
		close(p->fd);
	p->ssl = NULL;
	p->ctx = NULL;
	p->fd = -1;
}

bool tls_probe_cert_ok(const struct tls_probe *p, long min_days, char *why, size_t n)
{
	if (!p->handshake)
		return snprintf(why, n, "no TLS handshake: %s", p->error), false;
	if (!p->name_ok)
		return snprintf(why, n, "the certificate does not name %s (it names %s)", p->name,
				*p->names ? p->names : p->subject), false;
	if (p->days_left < 0 || p->verify == X509_V_ERR_CERT_HAS_EXPIRED)
		return snprintf(why, n, "the certificate expired on %s", p->not_after), false;
	if (!p->trusted)
		return snprintf(why, n, "the certificate is not trusted: %s (issuer %s)",
				X509_verify_cert_error_string(p->verify), p->issuer), false;
	if (p->days_left < min_days)
		return snprintf(why, n, "the certificate expires in %ld days (%s), under %ld",
				p->days_left, p->not_after, min_days), false;
	return true;
}
