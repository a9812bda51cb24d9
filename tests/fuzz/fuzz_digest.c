/*
 * fuzz_digest: the Digest header parsers on hostile bytes, as an
 * Authorization value (server side) and as a WWW-Authenticate value (client
 * side). Oracles:
 *  - credentials that parse are verified against a server and a dummy HA1;
 *    whatever the verdict, nothing crashes and the reason is plain text;
 *  - a challenge that parses is answered by the client, and that answer
 *    parses back on the server side with the same realm, nonce and nc.
 * Build: ./configure --enable-fuzzing CC=clang && make
 * Run:   tests/fuzz/fuzz_digest tests/fuzz/corpus/digest
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"

static void check_text(const char *r)
{
	for (; *r; r++)
		if (*r < 0x20 || *r > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct digest_server *s;
	static const char dummy[] = "0123456789abcdef0123456789abcdef"
				    "0123456789abcdef0123456789abcdef";
	struct digest_creds c;
	struct digest_challenge ch;
	struct ucsh_err err;
	const char *v = (const char *)data;
	if (!s && !(s = digest_server_new(0, 1024, &err)))
		abort();
	int rc = digest_creds_parse(&c, v, size, &err);
	if (rc < 0)
		check_text(err.msg);
	if (rc == 0) {
		const char *ha1 = c.alg == SECRET_MD5 ? dummy + 32 : dummy;
		digest_verify(s, &c, c.realm, "REGISTER", c.uri, ha1, 1700000000, &err);
		check_text(err.msg);
	}
	if (digest_challenge_parse(&ch, v, size, &err) == 0) {
		struct strbuf sb = STRBUF_INIT;
		if (digest_authorization(&sb, &ch, "1001", "582913", "REGISTER", "sip:x", 7, NULL,
					 &err) == 0) {
			if (digest_creds_parse(&c, sb.buf, sb.len, &err) != 0 ||
			    strcmp(c.realm, ch.realm) != 0 || strcmp(c.nonce, ch.nonce) != 0 ||
			    c.nc_value != 7 || c.alg != ch.alg) {
				fprintf(stderr, "our Authorization does not parse back: %s\n%s\n",
					err.msg, sb.buf);
				abort();
			}
		}
		sb_free(&sb);
	}
	return 0;
}
