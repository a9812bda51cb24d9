/*
 * registration: Get-, Remove- and Test-CsRegistration. The registrar in
 * ucshd keeps every binding it acknowledged as a Registration row, so the
 * shell lists and removes bindings in the store; ucshd notices a row
 * deleted by another process within half a second and drops the phone.
 * Test-CsRegistration is a small SIP user agent: one REGISTER with digest
 * over UDP, TCP or TLS, step by step, so that an admin sees where sign-in
 * breaks (name, port, certificate, challenge or PIN).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cmds.h"
#include "daemon.h"
#include "digest.h"
#include "pki.h"
#include "principal.h"
#include "sip.h"
#include "storecmd.h"
#include "value.h"

#define BINDING_ID_LEN 16 /* hex characters; chosen by the registrar */

static json_t *cond(const char *prop, const char *op, const char *value)
{
	return json_pack("{s:s,s:s,s:s}", "Property", prop, "Op", op, "Value", value);
}

static const char *str_of(const json_t *obj, const char *prop)
{
	return json_string_value(json_object_get(obj, prop));
}

static bool is_binding_id(const char *s)
{
	return strlen(s) == BINDING_ID_LEN && strspn(s, "0123456789abcdefABCDEF") == BINDING_ID_LEN;
}

/* ExpiresIn: the seconds a binding has left, computed when it is read. */
static void add_expires_in(json_t *obj)
{
	const char *e = json_string_value(json_object_get(obj, "Expires"));
	time_t t;
	long left = e && store_timestamp_parse(e, &t) == 0 ? (long)(t - time(NULL)) : 0;
	json_object_set_new(obj, "ExpiresIn", json_integer(left > 0 ? left : 0));
}

/*
 * Append to conds the condition -Identity means: a binding id, or every
 * binding of a user or common area phone in any spelling. 1, or 0 after a
 * non-terminating error, -1 to stop.
 */
static int identity_conds(struct cmd_ctx *ctx, const char *id, json_t *conds)
{
	if (is_binding_id(id)) {
		json_array_append_new(conds, cond("Identity", "eq", id));
		return 1;
	}
	json_t *p;
	int rc = principal_resolve(ctx, id, PRINCIPAL_ANY, &p);
	if (rc == 1) {
		json_array_append_new(conds, cond("User", "eq",
						  json_string_value(json_object_get(p, "SipAddress"))));
		json_decref(p);
	}
	return rc;
}

static json_t *registration_complete(struct shell *sh, const char *prefix);

static int get_registration_process(struct cmd_ctx *ctx, json_t *input)
{
	struct store_query_opts opts = { .sort = "User",
					 .limit = cmd_arg_int(ctx, "ResultSize", 0) };
	if (cmd_has_arg(ctx, "ResultSize") && opts.limit < 1)
		return cmd_error(ctx, "leave -ResultSize out to get every binding",
				 "-ResultSize must be at least 1, not %lld", opts.limit);
	/* Rows past their time wait for the registrar's sweep: they are not live. */
	char now[STORE_TIMESTAMP_LEN];
	store_timestamp(time(NULL), now);
	json_t *conds = json_pack("[o]", cond("Expires", "gt", now));
	const char *id = cmd_arg_str(ctx, "Identity"), *pool = cmd_arg_str(ctx, "Pool");
	int rc = id ? identity_conds(ctx, id, conds) : 1;
	if (rc == 1 && pool)
		json_array_append_new(conds, cond("Node", "eq", pool));
	if (rc == 1)
		rc = storecmd_query_map(ctx, "Registration", conds, &opts, cmd_arg(ctx, "Filter"),
					add_expires_in);
	json_decref(conds);
	return rc;
}

/* Remove every binding of the principal id names; an error when it has none. */
static int remove_principal_bindings(struct cmd_ctx *ctx, const char *id)
{
	json_t *conds = json_array();
	int rc = identity_conds(ctx, id, conds);
	struct store *st = rc == 1 ? cmd_store(ctx) : NULL;
	struct store_cursor *cur = NULL;
	struct ucsh_err err;
	json_t *keys = json_array(), *row;
	if (rc == 1 && !st)
		rc = -1;
	if (rc == 1 && store_query(st, "Registration", conds, NULL, &cur, &err))
		rc = storecmd_error(ctx, st, &err);
	while (rc == 1 && (rc = store_cursor_next(cur, &row, &err)) == 1) {
		json_array_append(keys, json_object_get(row, "Identity"));
		json_decref(row);
	}
	store_cursor_free(cur);
	if (rc < 0 && st && cur)
		rc = storecmd_error(ctx, st, &err);
	else if (rc == 0 && cur && json_array_size(keys) == 0)
		rc = cmd_error(ctx, "Get-CsRegistration lists the live bindings",
			       "'%s' has no registrations", id);
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k) {
		if (rc < 0)
			break;
		rc = storecmd_delete(ctx, "Registration", json_string_value(k), "registration");
	}
	json_decref(keys);
	json_decref(conds);
	return rc < 0 ? -1 : 0;
}

static int remove_registration_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *id = cmd_arg_str(ctx, "Identity");
	if (!is_binding_id(id))
		return remove_principal_bindings(ctx, id);
	json_t *row = storecmd_get(ctx, "Registration", id, "registration");
	if (!row)
		return cmd_cancelled(ctx) ? -1 : 0;
	int rc = storecmd_delete(ctx, "Registration", str_of(row, "Identity"), "registration");
	json_decref(row);
	return rc;
}

/* Live completion: the users that have bindings. */
static json_t *registration_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "Registration", "User", prefix);
}

/* ---- Test-CsRegistration ---------------------------------------------- */

enum probe_transport { PROBE_UDP, PROBE_TCP, PROBE_TLS };
static const char *const transport_names[] = { "udp", "tcp", "tls", NULL };

/* One run of the test: the connection, the dialog's fixed parts, the clock. */
struct probe {
	struct cmd_ctx *ctx;
	enum probe_transport tr;
	int timeout_ms;
	int fd;
	SSL_CTX *sctx;
	SSL *ssl;
	char host[SIP_MAX_HOST + 1];
	char port[8];
	char sent_by[INET6_ADDRSTRLEN + 10];
	char *aor, *user, *domain, *ruri, *contact, *ca_file;
	char call_id[33], from_tag[17];
	uint32_t cseq;
	struct sip_msg *resp;
	char *rbuf;
	size_t rlen;
	struct digest_challenge ch;
	uint32_t nc;
	double start, step_start;
	int sys_errno;  /* why the last send or receive failed, 0: closed by the peer */
	bool failed;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Write the result of one step; the next step's clock starts now. */
static int step(struct probe *p, const char *name, bool pass, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int step(struct probe *p, const char *name, bool pass, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	double t = now_ms();
	json_t *o = json_pack("{s:s,s:s,s:s,s:I}", "Step", name, "Result", pass ? "Pass" : "Fail",
			      "Detail", sb_str(&sb), "Latency", (json_int_t)(t - p->step_start + 0.5));
	sb_free(&sb);
	p->step_start = t;
	if (!pass)
		p->failed = true;
	value_set_type(o, "RegistrationTestStep");
	return cmd_emit(p->ctx, o) < 0 ? -1 : (pass ? 0 : 1);
}

/* Milliseconds left before deadline (a now_ms() value), at least 0. */
static int left_ms(double deadline)
{
	double l = deadline - now_ms();
	return l > 0 ? (int)l : 0;
}

/* Wait for fd to be ready for events; 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, double deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;
	do
		rc = poll(&pfd, 1, left_ms(deadline));
	while (rc < 0 && errno == EINTR);
	return rc;
}

/* "host", "host:port", "[v6]" or "[v6]:port" into p->host and p->port. */
static int parse_registrar(struct probe *p, const char *in, long dflt_port)
{
	const char *h = in, *port = NULL;
	size_t n;
	if (*in == '[') {
		const char *end = strchr(in, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -1;
		h = in + 1, n = (size_t)(end - h);
		port = end[1] ? end + 2 : NULL;
	} else {
		const char *colon = strchr(in, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
		n = colon ? (size_t)(colon - in) : strlen(in);
		port = colon ? colon + 1 : NULL;
	}
	char *endp;
	long pn = port ? strtol(port, &endp, 10) : dflt_port;
	if (n == 0 || n > SIP_MAX_HOST || (port && (*endp || endp == port)) || pn < 1 || pn > 65535)
		return -1;
	memcpy(p->host, h, n);
	p->host[n] = '\0';
	snprintf(p->port, sizeof(p->port), "%ld", pn);
	return 0;
}

/* The default registrar: the pool that serves the user's domain, with the
 * port of the transport from the store. 0, or -1 with err. */
static int pool_registrar(struct probe *p, struct ucsh_err *err)
{
	struct store *st = cmd_store(p->ctx);
	if (!st)
		return err_set(err, "the store cannot be opened"), -1;
	char *pool = principal_pool(st, NULL, p->aor, err);
	json_t *obj = NULL;
	int rc = pool ? store_get(st, "Pool", pool, &obj, err) : -1;
	if (rc == 0)
		err_set(err, "the pool '%s' is not in the store", pool);
	if (rc == 1) {
		json_int_t port = json_integer_value(
			json_object_get(obj, p->tr == PROBE_TLS ? "TlsPort" : "SipPort"));
		rc = parse_registrar(p, pool, port) ? (err_set(err, "the pool's name '%s' is not "
								   "a host name", pool), -1) : 0;
	} else {
		rc = -1;
	}
	json_decref(obj);
	free(pool);
	return rc;
}

static void addr_text(const struct sockaddr *sa, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
		snprintf(out, n, "[%s]:%u", ip, port);
		return;
	}
	const struct sockaddr_in *s4 = (const void *)sa;
	inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
	snprintf(out, n, "%s:%u", ip, ntohs(s4->sin_port));
}

/* Connect p->fd to ai within the timeout (a non-blocking connect). */
static int connect_to(struct probe *p, const struct addrinfo *ai, char *why, size_t n)
{
	p->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (p->fd < 0 || fcntl(p->fd, F_SETFL, O_NONBLOCK) < 0)
		return snprintf(why, n, "socket: %s", strerror(errno)), -1;
	if (connect(p->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return snprintf(why, n, "%s", strerror(errno)), -1;
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	int rc = wait_fd(p->fd, POLLOUT, now_ms() + p->timeout_ms);
	if (rc == 0)
		return snprintf(why, n, "no answer within %d s", p->timeout_ms / 1000), -1;
	getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (rc < 0 || soerr)
		return snprintf(why, n, "%s", strerror(rc < 0 ? errno : soerr)), -1;
	return 0;
}

static int step_resolve_connect(struct probe *p, const char *registrar)
{
	struct ucsh_err err;
	err_clear(&err);
	if (!registrar && pool_registrar(p, &err))
		return step(p, "Resolve", false, "%s", err.msg);
	struct addrinfo hints = { .ai_socktype = p->tr == PROBE_UDP ? SOCK_DGRAM : SOCK_STREAM };
	struct addrinfo *ai = NULL;
	int gai = getaddrinfo(p->host, p->port, &hints, &ai);
	if (gai)
		return step(p, "Resolve", false, "%s: %s", p->host, gai_strerror(gai));
	char peer[INET6_ADDRSTRLEN + 10], why[160], all[512] = "";
	for (const struct addrinfo *a = ai; a; a = a->ai_next) {
		addr_text(a->ai_addr, peer, sizeof(peer));
		size_t used = strlen(all);
		snprintf(all + used, sizeof(all) - used, "%s%s", used ? ", " : "", peer);
	}
	int rc = step(p, "Resolve", true, "%s is %s", p->host, all);
	/* Each address in the resolver's order, as a phone tries them. */
	for (const struct addrinfo *a = ai; rc == 0 && a; a = a->ai_next) {
		addr_text(a->ai_addr, peer, sizeof(peer));
		if (p->fd >= 0)
			close(p->fd);
		if (connect_to(p, a, why, sizeof(why)) == 0)
			break;
		if (!a->ai_next)
			rc = step(p, "Connect", false, "%s %s: %s", transport_names[p->tr], peer, why);
	}
	freeaddrinfo(ai);
	if (rc)
		return rc;
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	getsockname(p->fd, (struct sockaddr *)&local, &len);
	addr_text((struct sockaddr *)&local, p->sent_by, sizeof(p->sent_by));
	return step(p, "Connect", true, "%s %s -> %s", p->tr == PROBE_UDP ? "UDP" : "TCP",
		    p->sent_by, peer);
}

/* The default trust anchor: the private CA next to the store file. */
static char *default_ca(struct probe *p)
{
	struct store *st = cmd_store(p->ctx);
	char *dir = store_dir(st ? store_uri(st) : "");
	char *ca = xasprintf("%s/%s/%s", dir, PKI_DIR, PKI_CA_CERT);
	free(dir);
	return ca;
}

static void name_of(X509_NAME *n, char *out, size_t len)
{
	if (!n) {
		snprintf(out, len, "(none)");
		return;
	}
	X509_NAME_oneline(n, out, (int)len);
}

/* The names of the registrar's certificate, seen while it is verified, so
 * that a failed verification can still say whose certificate it was. */
struct peer_names {
	char subject[256], issuer[256];
};

static int verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct peer_names *n = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *cert = X509_STORE_CTX_get0_cert(x); /* the leaf, at any depth */
	if (n && cert) {
		name_of(X509_get_subject_name(cert), n->subject, sizeof(n->subject));
		name_of(X509_get_issuer_name(cert), n->issuer, sizeof(n->issuer));
	}
	return ok;
}

/* Run SSL_connect to the end or the deadline: 1 done, 0 failed. */
static int tls_handshake(struct probe *p)
{
	double deadline = now_ms() + p->timeout_ms;
	for (;;) {
		int rc = SSL_connect(p->ssl);
		if (rc == 1)
			return 1;
		int e = SSL_get_error(p->ssl, rc);
		short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
		if (!ev || wait_fd(p->fd, ev, deadline) <= 0)
			return 0;
	}
}

static int step_tls(struct probe *p)
{
	const char *sym = NULL;
	p->sctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(p->sctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(p->sctx, SSL_VERIFY_PEER, verify_cb);
	if (SSL_CTX_load_verify_locations(p->sctx, p->ca_file, NULL) != 1) {
		ERR_clear_error();
		return step(p, "TlsHandshake", false, "cannot read the CA certificates in %s",
			    p->ca_file);
	}
	struct peer_names names = { "(none)", "(none)" };
	p->ssl = SSL_new(p->sctx);
	SSL_set_fd(p->ssl, p->fd);
	SSL_set_app_data(p->ssl, &names);
	struct in6_addr a6;
	bool is_ip = inet_pton(AF_INET, p->host, &a6) == 1 || inet_pton(AF_INET6, p->host, &a6) == 1;
	if (is_ip) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(p->ssl), p->host);
	} else {
		SSL_set_tlsext_host_name(p->ssl, p->host);
		SSL_set1_host(p->ssl, p->host);
	}
	bool ok = tls_handshake(p);
	SSL_set_app_data(p->ssl, NULL);
	const char *subject = names.subject, *issuer = names.issuer;
	long vr = SSL_get_verify_result(p->ssl);
	ERR_clear_error();
	if (!ok || vr != X509_V_OK) {
		sym = vr != X509_V_OK ? X509_verify_cert_error_string(vr)
				      : "the handshake failed or timed out";
		return step(p, "TlsHandshake", false, "subject %s, issuer %s: %s (trusting %s)",
			    subject, issuer, sym, p->ca_file);
	}
	return step(p, "TlsHandshake", true, "%s, subject %s, issuer %s, verified against %s",
		    SSL_get_version(p->ssl), subject, issuer, p->ca_file);
}

/* Send all of buf[0..n). 0 / -1. */
static int send_all(struct probe *p, const char *buf, size_t n)
{
	double deadline = now_ms() + p->timeout_ms;
	while (n > 0) {
		ssize_t w;
		if (p->ssl) {
			int rc = SSL_write(p->ssl, buf, (int)n);
			int e = rc > 0 ? 0 : SSL_get_error(p->ssl, rc);
			w = rc > 0 ? rc : -1;
			if (w < 0 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				return -1;
			if (w < 0 && wait_fd(p->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
					     deadline) <= 0)
				return -1;
		} else {
			w = send(p->fd, buf, n, MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return p->sys_errno = errno, -1;
			if (w < 0 && wait_fd(p->fd, POLLOUT, deadline) <= 0)
				return -1;
		}
		if (w > 0)
			buf += w, n -= (size_t)w;
	}
	return 0;
}

/* Read what is there into rbuf: >0 bytes, 0 nothing yet, -1 closed or error. */
static ssize_t read_some(struct probe *p)
{
	size_t room = SIP_MAX_MSG - p->rlen;
	if (room == 0)
		return -1;
	if (p->ssl) {
		int rc = SSL_read(p->ssl, p->rbuf + p->rlen, (int)room);
		if (rc > 0)
			return rc;
		int e = SSL_get_error(p->ssl, rc);
		return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
	}
	ssize_t r = recv(p->fd, p->rbuf + p->rlen, room, 0);
	if (r == 0 && p->tr != PROBE_UDP)
		return -1;
	if (r < 0 && errno != EAGAIN && errno != EINTR)
		p->sys_errno = errno; /* over UDP, ECONNREFUSED: nothing listens there */
	return r < 0 ? (errno == EAGAIN || errno == EINTR ? 0 : -1) : r;
}

/* The next message from the registrar into p->resp: 1, 0 on timeout, -1. */
static int recv_msg(struct probe *p, double deadline)
{
	struct ucsh_err err;
	for (;;) {
		if (p->tr != PROBE_UDP) {
			size_t n;
			enum sip_frame f = sip_stream_frame(p->rbuf, p->rlen, &n, &err);
			if (f == SIP_FRAME_ERROR)
				return -1;
			if (f != SIP_FRAME_NEED_MORE) {
				int rc = f == SIP_FRAME_MESSAGE
						 ? sip_msg_parse(p->resp, p->rbuf, n, SIP_STREAM, &err) : 1;
				memmove(p->rbuf, p->rbuf + n, p->rlen - n);
				p->rlen -= n;
				if (f == SIP_FRAME_MESSAGE)
					return rc == 0 ? 1 : -1;
				continue;
			}
		}
		if (!(p->ssl && SSL_pending(p->ssl)) && wait_fd(p->fd, POLLIN, deadline) <= 0)
			return 0;
		ssize_t r = read_some(p);
		if (r < 0)
			return -1;
		if (p->tr == PROBE_UDP && r > 0) {
			int rc = sip_msg_parse(p->resp, p->rbuf, (size_t)r, SIP_DATAGRAM, &err);
			if (rc == 0)
				return 1;
			continue; /* not a SIP message: keep waiting */
		}
		p->rlen += (size_t)r;
	}
}

/*
 * Send a REGISTER (cseq p->cseq + 1) and wait for its final response in
 * p->resp: 1, 0 on timeout, -1 when the connection failed. Over UDP the
 * request is sent again at 0.5, 1, 2, 4 s (RFC 3261 timer A).
 */
static int transaction(struct probe *p, long expires, const char *authorization)
{
	char branch[33] = "z9hG4bK";
	struct ucsh_err err;
	struct strbuf req = STRBUF_INIT;
	char *from = xasprintf("<%s>", p->aor);
	struct sip_request_spec s = {
		.method = "REGISTER", .ruri = p->ruri,
		.transport = p->tr == PROBE_UDP ? "UDP" : p->tr == PROBE_TCP ? "TCP" : "TLS",
		.sent_by = p->sent_by, .branch = branch, .from = from, .from_tag = p->from_tag,
		.to = from, .call_id = p->call_id, .cseq = ++p->cseq, .contact = p->contact,
		.expires = expires, .authorization = authorization,
		.user_agent = "ucsh Test-CsRegistration",
	};
	int rc = sip_random_token(branch + 7, 16, &err) || sip_request_build(&req, &s, &err) ? -1 : 0;
	free(from);
	double deadline = now_ms() + p->timeout_ms, resend = now_ms() + 500, interval = 500;
	if (rc == 0 && send_all(p, req.buf, req.len))
		rc = -1;
	while (rc == 0) {
		double until = p->tr == PROBE_UDP && resend < deadline ? resend : deadline;
		int got = recv_msg(p, until);
		if (got < 0) {
			rc = -1;
		} else if (got == 1 && !p->resp->is_request && p->resp->has_cseq &&
			   p->resp->cseq == p->cseq && p->resp->status >= 200) {
			rc = 1;
		} else if (got == 0 && now_ms() >= deadline) {
			break;
		} else if (got == 0) {
			interval *= 2;
			resend = now_ms() + interval;
			rc = send_all(p, req.buf, req.len) ? -1 : 0;
		}
	}
	sb_free(&req);
	return rc;
}

/* Why a transaction gave no response, for Detail. */
static const char *no_response(const struct probe *p, int rc)
{
	if (rc == 0)
		return "no response within the timeout";
	return p->sys_errno ? strerror(p->sys_errno) : "the registrar closed the connection";
}

static int step_register(struct probe *p)
{
	int rc = transaction(p, -1, NULL);
	if (rc != 1)
		return step(p, "Register", false, "%s", no_response(p, rc));
	if (p->resp->status != 401)
		return step(p, "Register", false, "expected a 401 challenge, got %d %.*s",
			    p->resp->status, (int)p->resp->reason.n, p->resp->reason.p);
	struct strbuf algs = STRBUF_INIT;
	bool have = false;
	const struct sip_header *h;
	for (size_t i = 0; (h = sip_msg_header(p->resp, SIP_H_WWW_AUTHENTICATE, i)); i++) {
		struct digest_challenge ch;
		struct ucsh_err err;
		int prc = digest_challenge_parse(&ch, h->value.p, h->value.n, &err);
		if (prc < 0)
			continue;
		const char *alg = prc == 1 ? "(unusable)" : ch.alg == SECRET_SHA256 ? "SHA-256" : "MD5";
		sb_addf(&algs, "%s%s", algs.len ? ", " : "", alg);
		if (prc == 0 && !have)
			p->ch = ch, have = true; /* the registrar's order is its preference */
	}
	rc = step(p, "Register", have, "401 realm \"%s\", algorithms offered: %s",
		  have ? p->ch.realm : "?", algs.len ? sb_str(&algs) : "none");
	sb_free(&algs);
	return rc;
}

/* Answer p->ch with the PIN and send; the final response in p->resp. */
static int authorized(struct probe *p, long expires, const char *pin)
{
	struct strbuf auth = STRBUF_INIT;
	struct ucsh_err err;
	int rc = digest_authorization(&auth, &p->ch, p->user, pin, "REGISTER", p->ruri, ++p->nc,
				      NULL, &err) ? -1 : transaction(p, expires, sb_str(&auth));
	sb_free(&auth);
	return rc;
}

/* The Contact values of a 200, with their times. */
static void list_bindings(const struct sip_msg *m, struct strbuf *out)
{
	for (size_t i = 0; i < m->ncontact; i++)
		sb_addf(out, "%s%.*s;expires=%ld", i ? ", " : "", (int)m->contact[i].addr.uri.raw.n,
			m->contact[i].addr.uri.raw.p, m->contact[i].expires);
}

static int final_step(struct probe *p, const char *name, int rc)
{
	if (rc != 1)
		return step(p, name, false, "%s", no_response(p, rc));
	int status = p->resp->status;
	if (status == 200) {
		struct strbuf b = STRBUF_INIT;
		list_bindings(p->resp, &b);
		rc = step(p, name, true, "200 OK, %zu binding(s): %s", p->resp->ncontact,
			  b.len ? sb_str(&b) : "none");
		sb_free(&b);
		return rc;
	}
	const struct sip_header *min = sip_msg_header(p->resp, SIP_H_MIN_EXPIRES, 0);
	if (status == 423 && min)
		return step(p, name, false, "423 Interval Too Brief: -Expires must be at least %.*s",
			    (int)min->value.n, min->value.p);
	return step(p, name, false, "%d %.*s%s", status, (int)p->resp->reason.n, p->resp->reason.p,
		    status == 403 ? " (wrong PIN, unknown user, locked PIN or disabled user)" : "");
}

static int step_unregister(struct probe *p, const char *pin)
{
	int rc = authorized(p, 0, pin);
	if (rc == 1 && p->resp->status == 401) {
		/* The nonce went stale: answer the fresh challenge once. */
		const struct sip_header *h = sip_msg_header(p->resp, SIP_H_WWW_AUTHENTICATE, 0);
		struct ucsh_err err;
		if (h && digest_challenge_parse(&p->ch, h->value.p, h->value.n, &err) == 0) {
			p->nc = 0;
			rc = authorized(p, 0, pin);
		}
	}
	return final_step(p, "Unregister", rc);
}

/* Fill the fixed parts of the dialog from the parameters. 0, or -1 written. */
static int probe_init(struct probe *p, struct cmd_ctx *ctx)
{
	struct ucsh_err err;
	p->ctx = ctx;
	p->fd = -1;
	p->start = p->step_start = now_ms();
	p->timeout_ms = (int)cmd_arg_int(ctx, "TimeoutSeconds", 5) * 1000;
	const char *tr = cmd_arg_str(ctx, "Transport");
	p->tr = !tr || strcasecmp(tr, "tls") == 0 ? PROBE_TLS
		: strcasecmp(tr, "tcp") == 0 ? PROBE_TCP : PROBE_UDP;
	long long t = cmd_arg_int(ctx, "TimeoutSeconds", 5);
	if (t < 1 || t > 300)
		return cmd_fail(ctx, "e.g. -TimeoutSeconds 5", "-TimeoutSeconds must be 1 to 300, "
				"not %lld", t);
	long long e = cmd_arg_int(ctx, "Expires", 600);
	if (e < 0 || e > 86400)
		return cmd_fail(ctx, "0 unregisters after the test", "-Expires must be 0 to 86400 "
				"seconds, not %lld", e);
	const char *reg = cmd_arg_str(ctx, "Registrar");
	if (reg && parse_registrar(p, reg, p->tr == PROBE_TLS ? 5061 : 5060))
		return cmd_fail(ctx, "e.g. -Registrar pool01.contoso.com:5061 or [2001:db8::5]:5061",
				"-Registrar '%s' is not host or host:port", reg);
	p->aor = principal_sip_address(cmd_arg_str(ctx, "UserSipAddress"), &err);
	if (!p->aor)
		return cmd_fail(ctx, err.hint[0] ? err.hint : NULL, "-UserSipAddress: %s", err.msg);
	const char *at = strchr(p->aor, '@');
	p->user = xstrndup(p->aor + 4, (size_t)(at - p->aor - 4));
	p->domain = xstrdup(at + 1);
	p->ruri = xasprintf("sip:%s", p->domain);
	const char *ca = cmd_arg_str(ctx, "CaFile");
	p->ca_file = ca ? xstrdup(ca) : default_ca(p);
	p->resp = sip_msg_new();
	p->rbuf = xmalloc(SIP_MAX_MSG);
	if (sip_random_token(p->call_id, 32, &err) || sip_random_token(p->from_tag, 16, &err))
		return cmd_fail(ctx, NULL, "%s", err.msg);
	return 0;
}

static void probe_free(struct probe *p)
{
	SSL_free(p->ssl);
	SSL_CTX_free(p->sctx);
	if (p->fd >= 0)
		close(p->fd);
	sip_msg_free(p->resp);
	free(p->rbuf);
	free(p->aor);
	free(p->user);
	free(p->domain);
	free(p->ruri);
	free(p->contact);
	free(p->ca_file);
}

/* The steps in order; each returns 0 (passed), 1 (failed: stop), -1. */
static int run_steps(struct probe *p)
{
	const char *pin = cmd_arg_str(p->ctx, "Pin");
	long expires = (long)cmd_arg_int(p->ctx, "Expires", 600);
	/* The clock starts with the first packet, not with opening the store. */
	p->start = p->step_start = now_ms();
	int rc = step_resolve_connect(p, cmd_arg_str(p->ctx, "Registrar"));
	if (rc == 0 && p->tr == PROBE_TLS)
		rc = step_tls(p);
	if (rc)
		return rc;
	p->contact = xasprintf("<sip:%s@%s;transport=%s>", p->user, p->sent_by,
			       transport_names[p->tr]);
	/* -Expires 0: register as a phone would, then take the binding away. */
	if ((rc = step_register(p)) == 0)
		rc = final_step(p, "Authenticate", authorized(p, expires ? expires : 600, pin));
	if (rc == 0 && expires == 0)
		rc = step_unregister(p, pin);
	return rc;
}

static int test_registration_process(struct cmd_ctx *ctx, json_t *input)
{
	struct probe p = { 0 };
	int rc = probe_init(&p, ctx);
	if (rc == 0)
		rc = run_steps(&p);
	if (rc >= 0 && p.aor) {
		p.step_start = p.start;
		char *target = xasprintf("%s via %s %s:%s", p.aor, transport_names[p.tr],
					 p.host[0] ? p.host : "?", p.port);
		rc = step(&p, "Total", !p.failed, "%s", target) < 0 ? -1 : 0;
		if (rc == 0 && p.failed)
			rc = cmd_error(ctx, "the step marked Fail says why",
				       "the registration test of %s failed", target);
		free(target);
	}
	probe_free(&p);
	return rc;
}

/* ---- Entries ----------------------------------------------------------- */

static const struct cmd_param get_registration_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .flags = PF_PIPE_PROP,
	  .help = "A user or common area phone in any spelling (sip:ken@contoso.com, "
		  "ken@contoso.com, an extension, a line URI, a display name), or the id of "
		  "one binding. Without it, every live binding.",
	  .complete = registration_complete },
	{ .name = "Pool", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only the bindings held by this pool (its FQDN, the Node property).",
	  .complete = principal_complete_pool },
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A condition on $_, e.g. { $_.Transport -eq 'TLS' }; simple comparisons run "
		  "in the store." },
	{ .name = "ResultSize", .type = PT_INT, .position = POS_NAMED,
	  .help = "The most bindings to return." },
	{ 0 },
};

static const struct cmd_param remove_registration_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP,
	  .help = "The id of one binding (as Get-CsRegistration shows it), or a user or common "
		  "area phone in any spelling: then all of its bindings.",
	  .complete = registration_complete },
	{ 0 },
};

static const struct cmd_param test_registration_params[] = {
	{ .name = "UserSipAddress", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_PROP, .aliases = (const char *const[]){ "SipAddress", NULL },
	  .help = "The user (or common area phone) to sign in as, sip:ken@contoso.com; the "
		  "digest user name is its user part.",
	  .complete = principal_complete_any },
	{ .name = "Pin", .type = PT_STRING, .position = POS_NAMED,
	  .flags = PF_MANDATORY | PF_SECRET, .help = "The user's PIN: the digest password." },
	{ .name = "Transport", .type = PT_ENUM, .position = POS_NAMED,
	  .values = transport_names, .help = "How to reach the registrar: udp, tcp or tls "
	  "(the default; the certificate is checked)." },
	{ .name = "Registrar", .type = PT_STRING, .position = POS_NAMED,
	  .help = "host, host:port or [IPv6]:port. Default: the FQDN of the pool serving the "
		  "user's domain, with its SipPort (udp, tcp) or TlsPort (tls)." },
	{ .name = "Expires", .type = PT_INT, .position = POS_NAMED,
	  .help = "The binding's lifetime to ask for, in seconds (default 600). 0 registers, "
		  "then unregisters, leaving no binding behind." },
	{ .name = "CaFile", .type = PT_STRING, .position = POS_NAMED,
	  .help = "PEM file of the CA certificates to trust for tls. Default: the private CA "
		  "next to the store (pki/ca.pem)." },
	{ .name = "TimeoutSeconds", .type = PT_INT, .position = POS_NAMED,
	  .help = "How long each step may wait for the registrar, 1 to 300 (default 5)." },
	{ 0 },
};

const struct cmd_entry cmd_get_csregistration_entry = {
	.name = "Get-CsRegistration",
	.synopsis = "Lists the live registrations (bindings) of phones.",
	.description = "Writes one Registration object per live binding that ucshd's registrar "
		       "acknowledged: User (the address of record), Contact, Expires (the time) "
		       "and ExpiresIn (seconds left), Transport, Source (address:port the phone "
		       "registered from), UserAgent, Phone (its MAC, when the phone told it) and "
		       "Node (the pool holding it). Bindings past their time are not shown, even "
		       "before the registrar removes them.",
	.params = get_registration_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsRegistration", "Lists every live binding." },
		{ "Get-CsRegistration -Identity 100", "Lists the bindings of the user or common "
		  "area phone with extension 100." },
		{ "Get-CsRegistration -Filter { $_.Transport -eq 'TLS' } | Format-List",
		  "Shows all properties of the bindings made over TLS." },
		{ 0 } },
	.outputs = "Registration",
	.role = ROLE_VIEW_ONLY,
	.process = get_registration_process,
};

const struct cmd_entry cmd_remove_csregistration_entry = {
	.name = "Remove-CsRegistration",
	.synopsis = "Signs phones out: removes registrations.",
	.description = "Deletes bindings: one by its id, or every binding of a user or common "
		       "area phone. ucshd drops the phone within a second: calls no longer "
		       "reach it, and the phone must REGISTER again (most do so at their next "
		       "refresh).",
	.params = remove_registration_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsRegistration -Identity sip:ken@contoso.com",
		  "Signs out every phone of Ken, asking first on a terminal." },
		{ "Get-CsRegistration -Filter { $_.UserAgent -like 'Polycom*' } | "
		  "Remove-CsRegistration -Force", "Signs out every Polycom phone." },
		{ 0 } },
	.role = ROLE_HELPDESK,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = remove_registration_process,
};

const struct cmd_entry cmd_test_csregistration_entry = {
	.name = "Test-CsRegistration",
	.synopsis = "Signs in to the registrar as a user, step by step.",
	.description = "Sends a REGISTER with the user's SIP address and PIN, as a phone would, "
		       "and writes one RegistrationTestStep per step with Result Pass or Fail, "
		       "a Detail and its Latency in milliseconds: Resolve (the registrar's "
		       "address), Connect, TlsHandshake (the certificate's subject and issuer, "
		       "verified against the private CA or -CaFile), Register (the 401 "
		       "challenge and the digest algorithms offered), Authenticate (200 with "
		       "the user's bindings, or 403), Unregister (with -Expires 0), then Total "
		       "with the whole latency.\n\n"
		       "The binding it makes is a real one, listed by Get-CsRegistration, unless "
		       "-Expires 0 takes it away again. A wrong PIN counts against the PIN "
		       "policy's MaximumLogonAttempts as a phone's would. When a step fails the "
		       "test stops there and an error is written.",
	.params = test_registration_params,
	.examples = (const struct cmd_example[]){
		{ "Test-CsRegistration -UserSipAddress sip:ken@contoso.com -Pin 48213 -Expires 0",
		  "Signs in over TLS to the user's pool and signs out again." },
		{ "Test-CsRegistration sip:ken@contoso.com -Pin 48213 -Transport udp "
		  "-Registrar 10.0.0.5:5060", "Tests one registrar over UDP." },
		{ 0 } },
	.outputs = "RegistrationTestStep",
	.notes = "Each step waits at most -TimeoutSeconds; over UDP the REGISTER is sent again "
		 "after 0.5, 1, 2 and 4 seconds, as a phone does.",
	.role = ROLE_VIEW_ONLY,
	.process = test_registration_process,
};
