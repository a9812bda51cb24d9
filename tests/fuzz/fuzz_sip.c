/*
 * fuzz_sip: the SIP parser, writer and stream framer on hostile bytes.
 * Every input must end in a message or a status with a reason, with nothing
 * leaked, overrun or undefined. Oracles on top:
 *  - a reason phrase is printable ASCII (it goes into a status line);
 *  - the reply written for a request that parsed parses back, with the same
 *    Via count, Call-ID and CSeq, and a To tag;
 *  - the framer makes progress and stays inside the buffer, and each
 *    message it frames, parsed as a stream message, has the body it framed;
 *  - the accessors (URI parameters, unescaping, unquoting, header
 *    parameters, Authorization parsing) are run over what parsed.
 * Build: ./configure --enable-fuzzing CC=clang && make
 * Run:   tests/fuzz/fuzz_sip tests/fuzz/corpus/sip
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "sip.h"

static void check_reason(const char *r)
{
	if (!*r)
		abort();
	for (; *r; r++)
		if (*r < 0x20 || *r > 0x7e)
			abort();
}

static void poke_accessors(const struct sip_msg *m)
{
	char buf[SIP_MAX_MSG];
	struct sip_str v;
	struct digest_creds c;
	struct ucsh_err err;
	struct strbuf sb = STRBUF_INIT;
	static const char *const ours[] = { "path", "outbound", NULL };
	sip_uri_param(&m->ruri, "transport", &v);
	sip_unescape(m->ruri.user, buf, sizeof(buf));
	for (size_t i = 0; i < m->ncontact; i++) {
		const struct sip_addr *a = &m->contact[i].addr;
		sip_unquote(a->display, buf, sizeof(buf));
		sip_unescape(a->uri.user, buf, sizeof(buf));
		sip_param_get(a->params, "+sip.instance", &v);
		sip_uri_param(&a->uri, "lr", &v);
	}
	sip_msg_unsupported(m, ours, &sb);
	sb_free(&sb);
	sip_msg_check_request(m, &err);
	for (size_t i = 0; i < m->nhdr; i++)
		if (m->hdr[i].id == SIP_H_AUTHORIZATION &&
		    digest_creds_parse(&c, m->hdr[i].value.p, m->hdr[i].value.n, &err) < 0)
			check_reason(err.msg);
}

static void same(struct sip_str a, struct sip_str b)
{
	if (a.n != b.n || (a.n && memcmp(a.p, b.p, a.n) != 0))
		abort();
}

/* Answer what parsed; our answer must parse. */
static void reply(struct sip_msg *m, int rc, const char *reason, struct sip_msg *r)
{
	struct strbuf sb = STRBUF_INIT;
	struct ucsh_err err;
	struct sip_reply_opts o = { .to_tag = "fz1", .received = "192.0.2.1", .src_port = 5060 };
	if (sip_reply_build(&sb, m, rc ? rc : 200, rc ? reason : NULL, &o, &err) < 0)
		abort();
	if (rc == 0) {
		if (sip_msg_parse(r, sb.buf, sb.len, SIP_STREAM, &err) != 0) {
			fprintf(stderr, "reply does not parse: %s\n%s\n", err.msg, sb.buf);
			abort();
		}
		if (r->nvia != m->nvia || r->cseq != m->cseq || !r->to.has_tag)
			abort();
		same(r->call_id, m->call_id);
	}
	sb_free(&sb);
}

static void frame_all(const uint8_t *data, size_t size, struct sip_msg *m)
{
	struct ucsh_err err;
	size_t off = 0, n;
	while (off < size) {
		enum sip_frame f = sip_stream_frame((const char *)data + off, size - off, &n, &err);
		if (f == SIP_FRAME_ERROR)
			check_reason(err.msg);
		if (f == SIP_FRAME_ERROR || f == SIP_FRAME_NEED_MORE)
			return;
		if (n == 0 || n > size - off)
			abort();
		if (f == SIP_FRAME_MESSAGE) {
			int rc = sip_msg_parse(m, data + off, n, SIP_STREAM, &err);
			if (rc == 0 && (size_t)m->content_length != m->body.n)
				abort();
			if (rc == 0 && m->body.p + m->body.n != m->buf + m->len)
				abort();
		}
		off += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg *m, *r;
	struct ucsh_err err;
	struct sip_uri u;
	if (!m) {
		m = sip_msg_new();
		r = sip_msg_new();
	}
	int rc = sip_msg_parse(m, data, size, SIP_DATAGRAM, &err);
	if (rc)
		check_reason(err.msg);
	if (rc == 0)
		poke_accessors(m);
	if ((rc == 0 && m->is_request) || (rc && sip_msg_can_reply(m))) {
		char reason[sizeof(err.msg)];
		memcpy(reason, err.msg, sizeof(reason));
		reply(m, rc, reason, r);
	}
	frame_all(data, size, m);
	if (size <= SIP_MAX_URI && sip_uri_parse(&u, (const char *)data, size, &err) == 0)
		sip_uri_param(&u, "maddr", NULL);
	return 0;
}
