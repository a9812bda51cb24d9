/*
 * fuzz_update_check: the <UpdateRequest> parser on hostile bodies, with one
 * parser reused across inputs as ucshd reuses it across requests. Oracles
 * on top of ASan/UBSan:
 *  - a refused body gets a one-line reason in valid UTF-8 (it is sent as
 *    text/plain; charset=utf-8 and logged);
 *  - an accepted one has a canonical MAC, a dotted Version, a Model, and
 *    every value at most 256 bytes of UTF-8, trimmed, without control
 *    characters;
 *  - the answer written from the accepted values (they become URLs and
 *    element text) is well-formed XML;
 *  - after every input, a known request parses to exactly its values:
 *    nothing of one request leaks into the next;
 *  - a body read on the quick path reads the same through Expat alone
 *    (verdict, every byte of the values, the reason).
 * Build: ./configure --enable-fuzzing CC=clang && make
 * Run:   tests/fuzz/fuzz_update_check tests/fuzz/corpus/update_check
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "update_check.h"

static const char known[] =
	"<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Model>CX600</Model>"
	"<Version>4.0.7577.4100</Version></UpdateRequest>";

static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		int extra = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 ? 1 : (*s & 0xf0) == 0xe0 ? 2
			  : (*s & 0xf8) == 0xf0 ? 3 : -1;
		if (extra < 0)
			return false;
		s++;
		for (; extra > 0; extra--, s++)
			if ((*s & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static void check_value(const char *v)
{
	size_t n = strlen(v);
	if (n > UPDATE_MAX_VALUE || !utf8_valid((const unsigned char *)v))
		abort();
	if (n && (strchr(" \t\r\n", v[0]) || strchr(" \t\r\n", v[n - 1])))
		abort();
	for (; *v; v++)
		if (((unsigned char)*v < 0x20 && !strchr("\t\r\n", *v)) || *v == 0x7f)
			abort();
}

static void check_request(const struct update_request *q)
{
	char again[MAC_STR_LEN];
	struct ucsh_err err;
	if (mac_canonical(q->mac, again, &err) != 0 || strcmp(again, q->mac) != 0)
		abort();
	if (!update_version_valid(q->version) || !q->model[0] || !q->update_type[0])
		abort();
	const char *const values[] = { q->serial, q->update_type, q->brand, q->model,
				       q->revision, q->locale, q->version, q->user };
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		check_value(values[i]);
}

/* The answer built from what the phone sent must be well-formed. */
static void check_answer(const struct update_request *q)
{
	struct strbuf sb = STRBUF_INIT;
	char *url = xasprintf("https://pool/RequestHandler/Files/%s/%s/%s/%s/%s/%s/%s",
			      q->update_type, q->brand, q->model, q->revision, q->locale,
			      q->version, q->serial);
	const struct update_file f = { url, 1, q->user };
	json_t *config = json_pack("{s:s, s:s}", "Identity", q->mac, "Banner", q->user);
	update_response_write(&sb, q->version, &f, 1, config);
	XML_Parser xp = XML_ParserCreate("UTF-8");
	if (!xp)
		abort();
	if (XML_Parse(xp, sb_str(&sb), (int)sb.len, XML_TRUE) != XML_STATUS_OK) {
		fprintf(stderr, "answer not well-formed: %s\n%s\n",
			XML_ErrorString(XML_GetErrorCode(xp)), sb_str(&sb));
		abort();
	}
	XML_ParserFree(xp);
	json_decref(config);
	free(url);
	sb_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct update_parser *p;
	struct update_request q;
	struct ucsh_err err;
	if (!p && !(p = update_parser_new()))
		abort();
	err.msg[0] = '\0';
	memset(&q, 0x5a, sizeof(q));
	int rc = update_parser_parse(p, (const char *)data, size, &q, &err);
	if (update_parser_last_quick(p)) {
		/* the quick path's reading must be Expat's, byte for byte */
		struct update_request full;
		struct ucsh_err ferr;
		memset(&full, 0x5a, sizeof(full));
		update_parser_set_quick(p, false);
		int frc = update_parser_parse(p, (const char *)data, size, &full, &ferr);
		update_parser_set_quick(p, true);
		if (frc != rc || (rc == 0 && memcmp(&q, &full, sizeof(q)) != 0) ||
		    (rc != 0 && strcmp(err.msg, ferr.msg) != 0)) {
			fprintf(stderr, "the quick path and Expat differ\n");
			abort();
		}
	}
	if (rc == 0) {
		check_request(&q);
		check_answer(&q);
	} else if (!err.msg[0] || strchr(err.msg, '\n') ||
		   !utf8_valid((const unsigned char *)err.msg)) {
		abort();
	}
	memset(&q, 0, sizeof(q));
	if (update_parser_parse(p, known, sizeof(known) - 1, &q, &err) != 0 ||
	    strcmp(q.mac, "00-04-F2-AB-CD-EF") != 0 || strcmp(q.model, "CX600") != 0 ||
	    strcmp(q.version, "4.0.7577.4100") != 0 || strcmp(q.update_type, "UCPhone") != 0 ||
	    q.serial[0] || q.brand[0] || q.revision[0] || q.locale[0] || q.user[0])
		abort();
	return 0;
}
