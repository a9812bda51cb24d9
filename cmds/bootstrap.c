/*
 * bootstrap: Test-CsPhoneBootstrap does what a phone does after DHCP has
 * given it a domain: find the registrar in DNS (the SRV records, then the
 * fallback host names, in Lync Phone Edition's order), open TLS and judge
 * the certificate, sign in with extension and PIN, and check for an
 * update at the web service the domain's pool publishes (inside: the
 * internal site; outside: ucupdates-r2, signed in with the same PIN). Each
 * step is one PhoneBootstrapStep with its outcome, time and, on failure,
 * the likely cause. The phone's binding is removed again at the end.
 *
 * It knows nothing from the store that a phone would not learn on the
 * wire, except the web site's name and port, which a phone receives by
 * in-band provisioning once signed in.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/err.h>

#include "cmds.h"
#include "digest.h"
#include "dnsplan.h"
#include "mac.h"
#include "sip.h"
#include "tlsprobe.h"
#include "updprobe.h"
#include "value.h"

#define DEFAULT_MAC "00-00-5E-00-53-01" /* the documentation range (RFC 7042) */

/* Where the registrar was found: a record of the discovery order. */
struct found {
	char record[DNS_MAX_NAME + 32];
	char host[DNS_MAX_NAME + 1];
	unsigned port;
	bool external;
};

struct boot {
	struct cmd_ctx *ctx;
	struct dns_resolver *res;
	char domain[DNS_MAX_NAME + 1];
	char user[128];   /* the digest user: extension or SIP user part */
	char *aor, *ruri, *contact, *ca_file;
	const char *pin;
	int timeout_ms;
	struct found at;
	char addr[INET6_ADDRSTRLEN];
	struct tls_probe tls;
	char sent_by[INET6_ADDRSTRLEN + 10];
	char call_id[33], from_tag[17];
	uint32_t cseq, nc;
	struct digest_challenge ch;
	struct sip_msg *resp;
	char *rbuf;
	size_t rlen;
	double start, step_start;
	bool failed;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Write one step; cause only on failure. 0 passed, 1 failed, -1 stop. */
static int step(struct boot *b, const char *name, bool pass, const char *cause,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int step(struct boot *b, const char *name, bool pass, const char *cause,
		const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	double t = now_ms();
	json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:s}", "Step", name, "Result", pass ? "Pass" : "Fail",
			      "Latency", (json_int_t)(t - b->step_start + 0.5), "Detail", sb_str(&sb),
			      "Cause", pass || !cause ? "" : cause);
	sb_free(&sb);
	b->step_start = t;
	b->failed |= !pass;
	value_set_type(o, "PhoneBootstrapStep");
	return cmd_emit(b->ctx, o) < 0 ? -1 : pass ? 0 : 1;
}

/* ---- DNS ------------------------------------------------------------------ */

/* The SRV record of lowest priority (then highest weight) with a target. */
static const struct dns_srv *best_srv(const struct dns_answer *a)
{
	const struct dns_srv *best = NULL;
	for (size_t i = 0; i < a->nsrv; i++) {
		const struct dns_srv *s = &a->srv[i];
		if (*s->target && (!best || s->priority < best->priority ||
				   (s->priority == best->priority && s->weight > best->weight)))
			best = s;
	}
	return best;
}

static int step_discover(struct boot *b)
{
	static const struct { const char *label; bool srv, external; } order[] = {
		{ "_sipinternaltls._tcp", true, false }, { "_sip._tls", true, true },
		{ "sipinternal", false, false }, { "sip", false, true },
	};
	struct dns_answer *ans[UCSH_ARRAY_LEN(order)];
	struct ucsh_err err;
	char name[DNS_MAX_NAME + 32];
	for (size_t i = 0; i < UCSH_ARRAY_LEN(order); i++) {
		snprintf(name, sizeof(name), "%s.%s", order[i].label, b->domain);
		if (!(ans[i] = dns_lookup(b->res, name, order[i].srv ? DNS_T_SRV : DNS_T_A, &err)))
			return step(b, "Discover", false, "the SIP domain is not a DNS name", "%s", err.msg);
	}
	if (dns_resolver_run(b->res, dnsplan_cancelled, b->ctx, &err))
		return step(b, "Discover", false, NULL, "DNS: %s", err.msg);
	struct strbuf tried = STRBUF_INIT;
	for (size_t i = 0; i < UCSH_ARRAY_LEN(order); i++) {
		const struct dns_srv *s = order[i].srv ? best_srv(ans[i]) : NULL;
		if (s || (!order[i].srv && ans[i]->naddr)) {
			struct found *f = &b->at;
			snprintf(f->host, sizeof(f->host), "%s", s ? s->target : ans[i]->name);
			f->port = s ? s->port : 5061;
			f->external = order[i].external;
			snprintf(f->record, sizeof(f->record), "%s %s", ans[i]->name,
				 order[i].srv ? "SRV" : "A");
			sb_free(&tried);
			return step(b, "Discover", true, NULL, "%s: %s:%u (%s)%s", f->record, f->host,
				    f->port, f->external ? "external" : "internal",
				    i ? "; the records before it are missing" : "");
		}
		sb_addf(&tried, "%s%s %s: %s", i ? "; " : "", ans[i]->name,
			order[i].srv ? "SRV" : "A", dns_status_name(ans[i]->status));
	}
	char *cause = xasprintf("the domain publishes no registrar record: Get-CsDnsRecord "
				"-SipDomain %s -Format Zone gives the lines to add", b->domain);
	int rc = step(b, "Discover", false, cause, "%s", sb_str(&tried));
	free(cause);
	sb_free(&tried);
	return rc;
}

/* The first address of host, looked up with the same server. */
static int resolve_host(struct boot *b, const char *host, char *addr, size_t n,
			struct strbuf *found)
{
	struct ucsh_err err;
	struct dns_answer *a = dns_lookup(b->res, host, DNS_T_A, &err);
	struct dns_answer *aaaa = a ? dns_lookup(b->res, host, DNS_T_AAAA, &err) : NULL;
	if (!aaaa || dns_resolver_run(b->res, dnsplan_cancelled, b->ctx, &err))
		return sb_adds(found, err.msg), -1;
	dns_answer_short(a, found);
	for (size_t i = 0; i < aaaa->naddr; i++)
		sb_addf(found, "%s%s", found->len ? ", " : "", aaaa->addr[i]);
	const char *first = dnsplan_first_addr(a, aaaa);
	if (!first) {
		sb_reset(found);
		sb_addf(found, "%s: %s", host, dns_status_name(a->status));
		return -1;
	}
	snprintf(addr, n, "%s", first);
	return 0;
}

static int step_resolve(struct boot *b)
{
	struct strbuf found = STRBUF_INIT;
	int rc = resolve_host(b, b->at.host, b->addr, sizeof(b->addr), &found);
	char *cause = rc ? xasprintf("%s has no address in DNS: publish its A record "
				     "(Test-CsDnsPublication says which)", b->at.host) : NULL;
	rc = step(b, "Resolve", rc == 0, cause, "%s is %s", b->at.host, sb_str(&found));
	free(cause);
	sb_free(&found);
	return rc;
}

/* ---- TLS and SIP ------------------------------------------------------------- */

static int step_tls(struct boot *b)
{
	struct tls_probe *t = &b->tls;
	*t = (struct tls_probe){ .addr = b->addr, .port = b->at.port, .name = b->at.host,
				 .ca_file = b->ca_file, .timeout_ms = b->timeout_ms };
	char why[512];
	tls_probe_run(t, true);
	if (!t->connected) {
		char *cause = xasprintf("nothing answers on %s port %u: is ucshd running, and is "
					"the record's port the pool's TlsPort?", b->addr, b->at.port);
		int rc = step(b, "TlsHandshake", false, cause, "connect to %s:%u: %s", b->addr,
			      b->at.port, t->error);
		free(cause);
		return rc;
	}
	bool ok = tls_probe_cert_ok(t, 0, why, sizeof(why));
	if (!ok)
		return step(b, "TlsHandshake", false, why, "%s:%u: %s", b->addr, b->at.port,
			    t->handshake ? t->subject : t->error);
	return step(b, "TlsHandshake", true, NULL, "%s to %s:%u, certificate %s issued by %s, "
		    "valid until %s (%ld days)", t->version, b->addr, b->at.port, t->names, t->issuer,
		    t->not_after, t->days_left);
}

static int send_all(struct boot *b, const struct strbuf *m)
{
	size_t off = 0;
	while (off < m->len) {
		int w = SSL_write(b->tls.ssl, m->buf + off, (int)(m->len - off));
		if (w <= 0)
			return ERR_clear_error(), -1;
		off += (size_t)w;
	}
	return 0;
}

/* The next SIP message on the connection into b->resp: 1, or -1. */
static int recv_msg(struct boot *b)
{
	struct ucsh_err err;
	double deadline = now_ms() + b->timeout_ms;
	while (now_ms() < deadline) {
		size_t n;
		enum sip_frame f = sip_stream_frame(b->rbuf, b->rlen, &n, &err);
		if (f == SIP_FRAME_ERROR)
			return -1;
		if (f != SIP_FRAME_NEED_MORE) {
			int rc = f == SIP_FRAME_MESSAGE ? sip_msg_parse(b->resp, b->rbuf, n, SIP_STREAM, &err) : 1;
			memmove(b->rbuf, b->rbuf + n, b->rlen - n);
			b->rlen -= n;
			if (f == SIP_FRAME_MESSAGE)
				return rc == 0 ? 1 : -1;
			continue;
		}
		if (b->rlen == SIP_MAX_MSG)
			return -1;
		int r = SSL_read(b->tls.ssl, b->rbuf + b->rlen, (int)(SIP_MAX_MSG - b->rlen));
		if (r <= 0)
			return ERR_clear_error(), -1; /* closed, or the read timed out */
		b->rlen += (size_t)r;
	}
	return -1;
}

/* One REGISTER and its final response in b->resp: 1, or -1 (no answer). */
static int transaction(struct boot *b, long expires, const char *authorization)
{
	char branch[33] = "z9hG4bK";
	struct ucsh_err err;
	struct strbuf req = STRBUF_INIT;
	char *from = xasprintf("<%s>", b->aor);
	struct sip_request_spec s = {
		.method = "REGISTER", .ruri = b->ruri, .transport = "TLS", .sent_by = b->sent_by,
		.branch = branch, .from = from, .from_tag = b->from_tag, .to = from,
		.call_id = b->call_id, .cseq = ++b->cseq, .contact = b->contact,
		.expires = expires, .authorization = authorization,
		.user_agent = "ucsh Test-CsPhoneBootstrap",
	};
	int rc = sip_random_token(branch + 7, 16, &err) || sip_request_build(&req, &s, &err) ||
		 send_all(b, &req) ? -1 : 0;
	free(from);
	sb_free(&req);
	while (rc == 0) {
		if (recv_msg(b) != 1)
			return -1;
		if (!b->resp->is_request && b->resp->has_cseq && b->resp->cseq == b->cseq &&
		    b->resp->status >= 200)
			return 1;
	}
	return -1;
}

static int step_challenge(struct boot *b)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	char ip[INET6_ADDRSTRLEN] = "0.0.0.0";
	getsockname(b->tls.fd, (struct sockaddr *)&local, &len);
	bool v6 = local.ss_family == AF_INET6;
	inet_ntop(local.ss_family, v6 ? (void *)&((struct sockaddr_in6 *)&local)->sin6_addr
				   : (void *)&((struct sockaddr_in *)&local)->sin_addr, ip, sizeof(ip));
	unsigned port = ntohs(v6 ? ((struct sockaddr_in6 *)&local)->sin6_port
			       : ((struct sockaddr_in *)&local)->sin_port);
	snprintf(b->sent_by, sizeof(b->sent_by), v6 ? "[%s]:%u" : "%s:%u", ip, port);
	b->contact = xasprintf("<sip:%s@%s;transport=tls>", b->user, b->sent_by);
	if (transaction(b, 600, NULL) != 1)
		return step(b, "Register", false, "the registrar did not answer a REGISTER: see "
			    "ucshd's log", "no answer within %d ms", b->timeout_ms);
	const struct sip_header *h = sip_msg_header(b->resp, SIP_H_WWW_AUTHENTICATE, 0);
	struct ucsh_err err;
	if (b->resp->status != 401 || !h ||
	    digest_challenge_parse(&b->ch, h->value.p, h->value.n, &err) != 0)
		return step(b, "Register", false, b->resp->status == 404 ? "the registrar does not "
			    "serve this SIP domain: Set-CsPool -SipDomain" : "the registrar did not "
			    "ask for Digest sign-in", "%d %.*s", b->resp->status,
			    (int)b->resp->reason.n, b->resp->reason.p);
	return step(b, "Register", true, NULL, "401, Digest realm \"%s\" (%s)", b->ch.realm,
		    b->ch.alg == SECRET_SHA256 ? "SHA-256" : "MD5");
}

static int signed_register(struct boot *b, long expires)
{
	struct strbuf auth = STRBUF_INIT;
	struct ucsh_err err;
	int rc = digest_authorization(&auth, &b->ch, b->user, b->pin, "REGISTER", b->ruri, ++b->nc,
				      NULL, &err) ? -1 : transaction(b, expires, sb_str(&auth));
	sb_free(&auth);
	return rc;
}

static int step_signin(struct boot *b)
{
	if (signed_register(b, 600) != 1)
		return step(b, "SignIn", false, "the registrar closed the connection or did not "
			    "answer", "no answer within %d ms", b->timeout_ms);
	int status = b->resp->status;
	if (status == 200)
		return step(b, "SignIn", true, NULL, "200 OK: %s signed in as %s", b->user, b->aor);
	return step(b, "SignIn", false, status == 403 ? "wrong PIN, unknown extension, locked "
		    "PIN or disabled user: Get-CsClientPinInfo and Get-CsUser say which"
		    : "the registrar refused the sign-in", "%d %.*s", status,
		    (int)b->resp->reason.n, b->resp->reason.p);
}

static int step_signout(struct boot *b)
{
	int rc = signed_register(b, 0);
	bool ok = rc == 1 && b->resp->status == 200;
	return step(b, "SignOut", ok, "the registrar did not remove the binding",
		    "%s", ok ? "200 OK: binding removed" : "no 200 for Expires: 0");
}

/* ---- The update check ----------------------------------------------------------- */

/* The update URL a phone uses where it found the registrar. 0, or -1 (why in cause). */
static int update_url(struct boot *b, char **host, unsigned *port, char **cause)
{
	json_t *pools = dnsplan_pools(b->ctx);
	struct ucsh_err err;
	json_t *pool = pools ? dnsplan_pool_for(pools, b->domain, NULL, &err) : NULL;
	if (!pool) {
		*cause = xasprintf("no pool in the store serves %s, so the web site a phone "
				   "would be given is unknown", b->domain);
		json_decref(pools);
		return -1;
	}
	if (b->at.external) {
		*host = xasprintf("ucupdates-r2.%s", b->domain);
		*port = (unsigned)json_integer_value(json_object_get(pool, "ExternalHttpsPort"));
	} else {
		const char *web = json_string_value(json_object_get(pool, "InternalWebFqdn"));
		*host = xstrdup(web && *web ? web : json_string_value(json_object_get(pool, "Identity")));
		*port = (unsigned)json_integer_value(json_object_get(pool, "InternalHttpsPort"));
	}
	json_decref(pools);
	return 0;
}

static int step_update(struct boot *b)
{
	char *host = NULL, *cause = NULL, addr[INET6_ADDRSTRLEN];
	unsigned port = 0;
	struct strbuf found = STRBUF_INIT;
	int rc;
	if (update_url(b, &host, &port, &cause) == 0 &&
	    resolve_host(b, host, addr, sizeof(addr), &found) != 0)
		cause = xasprintf("%s has no address in DNS (%s): publish it", host, sb_str(&found));
	if (cause) {
		rc = step(b, "UpdateCheck", false, cause, "the update URL cannot be reached");
		goto out;
	}
	char *url = xasprintf("https://%s:%u/%s/ucdevice.upx", host, port,
			      b->at.external ? "RequestHandlerExt" : "RequestHandler");
	const char *mac = cmd_arg_str(b->ctx, "MacAddress");
	char canon[MAC_STR_LEN];
	struct ucsh_err err;
	if (mac_canonical(mac ? mac : DEFAULT_MAC, canon, &err))
		snprintf(canon, sizeof(canon), "%s", DEFAULT_MAC);
	struct update_probe u = { .url = url, .host = host, .addr = addr, .port = port,
				  .ca_file = b->ca_file, .verify = true,
				  .user = b->at.external ? b->user : NULL, .pin = b->pin,
				  .mac = canon, .brand = "Polycom", .model = "CX600",
				  .version = "0.0.0.0", .timeout_ms = b->timeout_ms };
	char what[512];
	update_probe_run(&u);
	bool ok = update_probe_answer_ok(&u, false, what, sizeof(what));
	const char *why = ok ? NULL : !u.status ? "the web service did not answer (is it started, "
		"and is its certificate trusted and valid for the name?)"
		: u.status == 401 ? "the web site refused the PIN" : "something other than the Device "
		"Update web service answers at this URL";
	rc = step(b, "UpdateCheck", ok, why, "POST %s (%s): %s", url, addr, what);
	free(url);
out:
	free(host);
	free(cause);
	sb_free(&found);
	return rc;
}

/* ---- The run ---------------------------------------------------------------------- */

/* The domain and digest user from -PhoneOrExtension and -SipDomain. 0 / -1 written. */
static int boot_identity(struct boot *b)
{
	struct cmd_ctx *ctx = b->ctx;
	const char *who = cmd_arg_str(ctx, "PhoneOrExtension"), *dom = cmd_arg_str(ctx, "SipDomain");
	const char *s = str_iprefix("sip:", who) ? who + 4 : who, *at = strchr(s, '@');
	size_t ulen = at ? (size_t)(at - s) : strlen(s);
	if (ulen == 0 || ulen >= sizeof(b->user) || strcspn(s, " \t\r\n;:<>\"") < ulen)
		return cmd_fail(ctx, "an extension (100) or a SIP address (sip:ken@contoso.com)",
				"-PhoneOrExtension '%s' is not an extension or SIP address", who);
	memcpy(b->user, s, ulen);
	b->user[ulen] = '\0';
	const char *domain = dom ? dom : at ? at + 1 : NULL;
	json_t *pools = NULL;
	if (!domain) { /* what DHCP gives: the one domain served here */
		if (!(pools = dnsplan_pools(ctx)))
			return -1;
		const json_t *ds = json_object_get(json_array_get(pools, 0), "SipDomain");
		domain = json_array_size(pools) == 1 && value_count(ds) == 1
				 ? json_string_value(value_item(ds, 0)) : NULL;
	}
	if (!domain || !dns_name_valid(domain)) {
		json_decref(pools);
		return cmd_fail(ctx, "e.g. -SipDomain contoso.com", domain ? "'%s' is not a domain "
				"name" : "give -SipDomain: the store has more than one", domain);
	}
	snprintf(b->domain, sizeof(b->domain), "%s", domain);
	json_decref(pools);
	return 0;
}

static int boot_init(struct boot *b, struct cmd_ctx *ctx)
{
	struct ucsh_err err;
	b->ctx = ctx;
	b->tls.fd = -1;
	long long t = cmd_arg_int(ctx, "TimeoutSeconds", 5);
	if (t < 1 || t > 300)
		return cmd_fail(ctx, "e.g. -TimeoutSeconds 5", "-TimeoutSeconds must be 1 to 300, "
				"not %lld", t);
	b->timeout_ms = (int)t * 1000;
	if (boot_identity(b))
		return -1;
	b->pin = cmd_arg_str(ctx, "Pin");
	b->aor = xasprintf("sip:%s@%s", b->user, b->domain);
	b->ruri = xasprintf("sip:%s", b->domain);
	b->ca_file = dnsplan_default_ca(ctx);
	b->resp = sip_msg_new();
	b->rbuf = xmalloc(SIP_MAX_MSG);
	if (sip_random_token(b->call_id, 32, &err) || sip_random_token(b->from_tag, 16, &err))
		return cmd_fail(ctx, NULL, "%s", err.msg);
	if (!(b->res = dnsplan_resolver(ctx, b->timeout_ms / 2 > 0 ? b->timeout_ms / 2 : 1000)))
		return -1;
	return 0;
}

static void boot_free(struct boot *b)
{
	tls_probe_close(&b->tls);
	dns_resolver_free(b->res);
	sip_msg_free(b->resp);
	free(b->rbuf);
	free(b->aor);
	free(b->ruri);
	free(b->contact);
	free(b->ca_file);
}

static int boot_steps(struct boot *b)
{
	b->start = b->step_start = now_ms();
	int rc = step_discover(b);
	if (rc == 0)
		rc = step_resolve(b);
	if (rc == 0)
		rc = step_tls(b);
	if (rc == 0)
		rc = step_challenge(b);
	if (rc == 0)
		rc = step_signin(b);
	if (rc < 0 || b->cseq < 2 || b->resp->status != 200)
		return rc;
	/* signed in: check for an update, then take the binding away again */
	int up = step_update(b);
	rc = up < 0 ? -1 : step_signout(b);
	return rc < 0 ? -1 : up ? up : rc;
}

static int test_bootstrap_process(struct cmd_ctx *ctx, json_t *input)
{
	struct boot b = { 0 };
	b.tls.fd = -1;
	int rc = boot_init(&b, ctx);
	if (rc == 0)
		rc = boot_steps(&b);
	if (rc >= 0 && b.aor) {
		b.step_start = b.start;
		rc = step(&b, "Total", !b.failed, "the step marked Fail says why", "%s in %s%s%s",
			  b.user, b.domain, b.at.host[0] ? " via " : "", b.at.record) < 0 ? -1 : 0;
		if (rc == 0 && b.failed)
			rc = cmd_error(ctx, "the step marked Fail says why, in Cause",
				       "the bootstrap of %s in %s failed", b.user, b.domain);
	}
	boot_free(&b);
	return rc;
}

static const struct cmd_param test_bootstrap_params[] = {
	{ .name = "PhoneOrExtension", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_VALUE,
	  .help = "What the user types on the phone: an extension (100), or a SIP address "
		  "(sip:ken@contoso.com) whose user part is then the sign-in name." },
	{ .name = "Pin", .type = PT_STRING, .position = POS_NAMED,
	  .flags = PF_MANDATORY | PF_SECRET, .help = "The PIN that goes with it." },
	{ .name = "SipDomain", .type = PT_STRING, .position = POS_NAMED,
	  .help = "The domain DHCP gives the phone. Default: the SIP address's domain, or the one "
		  "domain of the one pool." },
	{ .name = "DnsServer", .type = PT_STRING, .position = POS_NAMED,
	  .help = "The DNS server the phone asks: host, host:port or [IPv6]:port. Default: the "
		  "system's resolver." },
	{ .name = "CaFile", .type = PT_STRING, .position = POS_NAMED,
	  .help = "PEM file of the CA certificates the phone trusts besides the system's. "
		  "Default: the private CA next to the store (pki/ca.pem)." },
	{ .name = "MacAddress", .type = PT_STRING, .position = POS_NAMED,
	  .help = "The MAC address the update check reports (default " DEFAULT_MAC ", from the "
		  "range kept for documentation). The web service records it in the inventory." },
	{ .name = "TimeoutSeconds", .type = PT_INT, .position = POS_NAMED,
	  .help = "How long each step may wait, 1 to 300 (default 5)." },
	{ 0 },
};

const struct cmd_entry cmd_test_csphonebootstrap_entry = {
	.name = "Test-CsPhoneBootstrap",
	.synopsis = "Does what a phone does to start: DNS, TLS, PIN sign-in, update check.",
	.description = "Behaves as a phone given the SIP domain by DHCP: Discover (looks up "
		       "_sipinternaltls._tcp, then _sip._tls, then the hosts sipinternal and sip, "
		       "as Lync Phone Edition does), Resolve (the registrar's address), TlsHandshake "
		       "(the certificate must be trusted, name the registrar and be valid), Register "
		       "(the registrar's Digest challenge), SignIn (extension or user and PIN), "
		       "UpdateCheck (POST to the internal web site's ucdevice.upx, or outside to "
		       "ucupdates-r2 with the same sign-in), SignOut (the binding is removed "
		       "again), then Total.\n\n"
		       "Each step is one PhoneBootstrapStep: Step, Result (Pass or Fail), Latency "
		       "in milliseconds, Detail and, on failure, the likely Cause. The test stops "
		       "at the first failed step and ends with an error. DNS is asked with "
		       "-DnsServer, so the test sees what phones on that network see. A wrong PIN "
		       "counts against the PIN policy as a phone's would.",
	.params = test_bootstrap_params,
	.examples = (const struct cmd_example[]){
		{ "Test-CsPhoneBootstrap -PhoneOrExtension 100 -Pin 48213 -SipDomain contoso.com "
		  "-DnsServer 10.0.0.2", "Starts as a phone inside would, asking the internal DNS." },
		{ "Test-CsPhoneBootstrap 100 -Pin 48213 | Where-Object Result -eq Fail | Format-List",
		  "Shows only the step that failed, with its likely cause." },
		{ 0 } },
	.outputs = "PhoneBootstrapStep",
	.role = ROLE_VIEW_ONLY,
	.process = test_bootstrap_process,
};
