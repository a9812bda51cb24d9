/*
 * test_dns: zone-file lines as Get-CsDnsRecord prints them, and the
 * parsing of DNS answers: CNAME chains followed inside an answer, a loop
 * noticed, a chain that leaves the answer asked again, and a malformed
 * message refused rather than read past its end.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"

static void test_zone_lines(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	dns_zone_line(&sb, "_sipinternaltls._tcp.contoso.com", 3600, "SRV",
		      "0 0 5061 pool01.contoso.com");
	assert_string_equal(sb_str(&sb),
			    "_sipinternaltls._tcp.contoso.com. 3600 IN SRV 0 0 5061 pool01.contoso.com.");
	sb_reset(&sb);
	dns_zone_line(&sb, "sip.contoso.com.", 60, "CNAME", "pool01.contoso.com.");
	assert_string_equal(sb_str(&sb), "sip.contoso.com. 60 IN CNAME pool01.contoso.com.");
	sb_reset(&sb);
	dns_zone_line(&sb, "pool01.contoso.com", 3600, "A", "192.0.2.5");
	assert_string_equal(sb_str(&sb), "pool01.contoso.com. 3600 IN A 192.0.2.5");
	sb_reset(&sb);
	dns_zone_line(&sb, "pool01.contoso.com", 3600, "AAAA", "2001:db8::5");
	assert_string_equal(sb_str(&sb), "pool01.contoso.com. 3600 IN AAAA 2001:db8::5");
	sb_free(&sb);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(dns_name_valid("_sipinternaltls._tcp.contoso.com"));
	assert_true(dns_name_valid("contoso.com."));
	assert_false(dns_name_valid(""));
	assert_false(dns_name_valid("a..b"));
	assert_false(dns_name_valid("a b.com"));
	char label[80];
	memset(label, 'a', 64);
	strcpy(label + 64, ".com");
	assert_false(dns_name_valid(label)); /* a label of 64 */
}

/* ---- Building answers ---------------------------------------------------- */

struct msg {
	unsigned char b[1024];
	size_t n;
};

static void put16(struct msg *m, unsigned v)
{
	m->b[m->n++] = (unsigned char)(v >> 8);
	m->b[m->n++] = (unsigned char)v;
}

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		m->b[m->n++] = (unsigned char)l;
		memcpy(m->b + m->n, name, l);
		m->n += l;
		name += l + (dot ? 1 : 0);
	}
	m->b[m->n++] = 0;
}

static void header(struct msg *m, unsigned rcode, unsigned an, const char *qname, unsigned qtype)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, 0x8400 | rcode); /* response, authoritative */
	put16(m, 1);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, 1);
}

/* An RR header; rdata follows. */
static void rr(struct msg *m, const char *owner, unsigned type, unsigned rdlen)
{
	put_name(m, owner);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 60);
	put16(m, rdlen);
}

static void rr_cname(struct msg *m, const char *owner, const char *target)
{
	struct msg t = { .n = 0 };
	put_name(&t, target);
	rr(m, owner, DNS_T_CNAME, (unsigned)t.n);
	memcpy(m->b + m->n, t.b, t.n);
	m->n += t.n;
}

static void rr_a(struct msg *m, const char *owner, unsigned char last)
{
	rr(m, owner, DNS_T_A, 4);
	const unsigned char a[4] = { 192, 0, 2, last };
	memcpy(m->b + m->n, a, 4);
	m->n += 4;
}

static void short_of(const struct dns_answer *a, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	dns_answer_short(a, &sb);
	assert_string_equal(sb_str(&sb), want);
	sb_free(&sb);
}

static void test_chain_in_answer(void **state)
{
	(void)state;
	struct msg m;
	struct dns_answer *a = calloc(1, sizeof(*a));
	header(&m, 0, 3, "sip.contoso.com", DNS_T_A);
	rr_cname(&m, "sip.contoso.com", "edge.contoso.com");
	rr_cname(&m, "edge.contoso.com", "pool01.contoso.com");
	rr_a(&m, "pool01.contoso.com", 5);
	snprintf(a->name, sizeof(a->name), "sip.contoso.com");
	assert_int_equal(dns_answer_parse(a, "sip.contoso.com.", DNS_T_A, m.b, m.n), 0);
	assert_int_equal(a->status, DNS_OK);
	short_of(a, "edge.contoso.com., pool01.contoso.com., 192.0.2.5");
	assert_true(dns_answer_reaches(a, "POOL01.contoso.com."));
	assert_false(dns_answer_reaches(a, "other.contoso.com"));
	free(a);
}

static void test_loop(void **state)
{
	(void)state;
	struct msg m;
	struct dns_answer *a = calloc(1, sizeof(*a));
	header(&m, 0, 2, "loop1.contoso.com", DNS_T_A);
	rr_cname(&m, "loop1.contoso.com", "loop2.contoso.com");
	rr_cname(&m, "loop2.contoso.com", "loop1.contoso.com");
	snprintf(a->name, sizeof(a->name), "loop1.contoso.com");
	assert_int_equal(dns_answer_parse(a, "loop1.contoso.com", DNS_T_A, m.b, m.n), 0);
	assert_int_equal(a->status, DNS_LOOP);
	/* as dig +short prints it */
	short_of(a, "loop2.contoso.com., loop1.contoso.com.");
	free(a);
}

static void test_chain_leaves_answer(void **state)
{
	(void)state;
	struct msg m;
	struct dns_answer *a = calloc(1, sizeof(*a));
	header(&m, 0, 1, "ucupdates-r2.contoso.com", DNS_T_A);
	rr_cname(&m, "ucupdates-r2.contoso.com", "web.fabrikam.com");
	snprintf(a->name, sizeof(a->name), "ucupdates-r2.contoso.com");
	assert_int_equal(dns_answer_parse(a, "ucupdates-r2.contoso.com", DNS_T_A, m.b, m.n), 1);
	assert_string_equal(a->asking, "web.fabrikam.com");
	/* the second answer, for the end of the chain, completes it */
	header(&m, 0, 1, "web.fabrikam.com", DNS_T_A);
	rr_a(&m, "web.fabrikam.com", 9);
	assert_int_equal(dns_answer_parse(a, "web.fabrikam.com", DNS_T_A, m.b, m.n), 0);
	assert_int_equal(a->status, DNS_OK);
	short_of(a, "web.fabrikam.com., 192.0.2.9");
	free(a);
}

static void test_srv_and_statuses(void **state)
{
	(void)state;
	struct msg m;
	struct dns_answer *a = calloc(1, sizeof(*a));
	header(&m, 0, 1, "_sip._tls.contoso.com", DNS_T_SRV);
	struct msg t = { .n = 0 };
	put16(&t, 10), put16(&t, 20), put16(&t, 5061);
	put_name(&t, "pool01.contoso.com");
	rr(&m, "_sip._tls.contoso.com", DNS_T_SRV, (unsigned)t.n);
	memcpy(m.b + m.n, t.b, t.n);
	m.n += t.n;
	assert_int_equal(dns_answer_parse(a, "_sip._tls.contoso.com", DNS_T_SRV, m.b, m.n), 0);
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(a->nsrv, 1);
	assert_int_equal(a->srv[0].port, 5061);
	short_of(a, "10 20 5061 pool01.contoso.com.");
	memset(a, 0, sizeof(*a));
	header(&m, 3, 0, "nothere.contoso.com", DNS_T_A);
	assert_int_equal(dns_answer_parse(a, "nothere.contoso.com", DNS_T_A, m.b, m.n), 0);
	assert_int_equal(a->status, DNS_NXDOMAIN);
	memset(a, 0, sizeof(*a));
	header(&m, 0, 0, "pool01.contoso.com", DNS_T_AAAA);
	assert_int_equal(dns_answer_parse(a, "pool01.contoso.com", DNS_T_AAAA, m.b, m.n), 0);
	assert_int_equal(a->status, DNS_NODATA);
	free(a);
}

static void test_malformed(void **state)
{
	(void)state;
	struct msg m;
	struct dns_answer *a = calloc(1, sizeof(*a));
	header(&m, 0, 1, "pool01.contoso.com", DNS_T_A);
	rr_a(&m, "pool01.contoso.com", 5);
	/* rdata cut short: the length says 4, the message ends 2 bytes early */
	assert_int_equal(dns_answer_parse(a, "pool01.contoso.com", DNS_T_A, m.b, m.n - 2), -1);
	assert_int_equal(a->status, DNS_ERROR);
	/* more answers announced than present */
	memset(a, 0, sizeof(*a));
	header(&m, 0, 5, "pool01.contoso.com", DNS_T_A);
	rr_a(&m, "pool01.contoso.com", 5);
	assert_int_equal(dns_answer_parse(a, "pool01.contoso.com", DNS_T_A, m.b, m.n), -1);
	/* a compression pointer to itself */
	memset(a, 0, sizeof(*a));
	header(&m, 0, 1, "x.com", DNS_T_A);
	size_t at = m.n;
	m.b[m.n++] = 0xC0;
	m.b[m.n++] = (unsigned char)at;
	assert_int_equal(dns_answer_parse(a, "x.com", DNS_T_A, m.b, m.n), -1);
	/* shorter than a header */
	assert_int_equal(dns_answer_parse(a, "x.com", DNS_T_A, m.b, 5), -1);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_lines),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_chain_in_answer),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_chain_leaves_answer),
		cmocka_unit_test(test_srv_and_statuses),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
