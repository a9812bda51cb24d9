/*
 * test_update_check: the <UpdateRequest> a phone POSTs (hostile input,
 * DEVICE-UPDATE.md fixes its form) is either read into every field it
 * carries or refused with a one-line reason, whatever came before on the
 * same parser; and the <UpdateResponse> ucshd writes is well-formed XML
 * whatever the values hold.
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
#include <expat.h>

#include "update_check.h"

static struct update_parser *parser;
static struct update_request req;
static struct ucsh_err err;

static int setup(void **state)
{
	(void)state;
	parser = update_parser_new();
	return parser ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	update_parser_free(parser);
	parser = NULL;
	return 0;
}

/* Parse body on the quick path where it can go, and again through Expat
 * alone: both must give the same verdict, values and reason. */
static int parse_n(const char *body, size_t len)
{
	static struct update_request full;
	struct ucsh_err full_err;
	err_clear(&full_err);
	memset(&full, 0x5a, sizeof(full));
	update_parser_set_quick(parser, false);
	int full_rc = update_parser_parse(parser, body, len, &full, &full_err);
	update_parser_set_quick(parser, true);

	err_clear(&err);
	memset(&req, 0x5a, sizeof(req)); /* what the parser leaves unwritten shows */
	int rc = update_parser_parse(parser, body, len, &req, &err);
	if (rc)
		assert_true(err.msg[0] != '\0' && !strchr(err.msg, '\n'));
	assert_int_equal(rc, full_rc);
	assert_string_equal(err.msg, full_err.msg);
	assert_memory_equal(&req, &full, sizeof(req));
	return rc;
}

static int parse(const char *body)
{
	return parse_n(body, strlen(body));
}

static void accepted(const char *body)
{
	if (parse(body) != 0)
		fail_msg("refused: %s\n%s", err.msg, body);
}

static void refused(const char *body, const char *why)
{
	if (parse(body) == 0)
		fail_msg("accepted: %s", body);
	if (!strstr(err.msg, why))
		fail_msg("reason '%s' does not say '%s' for %s", err.msg, why, body);
	/* a refused request writes nothing of itself */
	for (size_t i = 0; i < sizeof(req); i++)
		assert_int_equal(((unsigned char *)&req)[i], 0x5a);
}

/* A minimal request with one more element in it. */
static void with(char *buf, size_t size, const char *extra)
{
	snprintf(buf, size,
		 "<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model>CX600</Model>"
		 "<Version>4.0.7577.4100</Version>%s</UpdateRequest>", extra);
}

static void test_full_request(void **state)
{
	(void)state;
	accepted("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		 "<UpdateRequest>\n"
		 "  <MacAddress>00-04-F2-AB-CD-EF</MacAddress>\n"
		 "  <SerialNumber>SN123</SerialNumber>\n"
		 "  <UpdateType>UCPhone</UpdateType>\n"
		 "  <Brand>Polycom</Brand> <Model>CX600</Model> <Revision>Rev-1</Revision>"
		 " <Locale>ENU</Locale>\n"
		 "  <Version>4.0.7577.4100</Version>\n"
		 "  <User>sip:ken@contoso.com</User>\n"
		 "</UpdateRequest>\n");
	assert_string_equal(req.mac, "00-04-F2-AB-CD-EF");
	assert_string_equal(req.serial, "SN123");
	assert_string_equal(req.update_type, "UCPhone");
	assert_string_equal(req.brand, "Polycom");
	assert_string_equal(req.model, "CX600");
	assert_string_equal(req.revision, "Rev-1");
	assert_string_equal(req.locale, "ENU");
	assert_string_equal(req.version, "4.0.7577.4100");
	assert_string_equal(req.user, "sip:ken@contoso.com");
}

static void test_any_order_unknown_ignored(void **state)
{
	(void)state;
	accepted("<UpdateRequest xmlns:x=\"urn:x\" a=\"1\">"
		 "<User>sip:a@b</User><Future><Model>NOT-THIS</Model><x/></Future>"
		 "<Version>1.2</Version><x:Extra>e</x:Extra><Locale>DEU</Locale>"
		 "<Model attr=\"v\">LX700</Model><!-- a comment --><?pi data?>"
		 "<Brand><![CDATA[A&B <Co>]]></Brand><MacAddress>0004f2abcdef</MacAddress>"
		 "<Revision>R&amp;D &#x41;&lt;</Revision>"
		 "</UpdateRequest>");
	assert_string_equal(req.model, "LX700"); /* not the nested one */
	assert_string_equal(req.user, "sip:a@b");
	assert_string_equal(req.version, "1.2");
	assert_string_equal(req.locale, "DEU");
	assert_string_equal(req.brand, "A&B <Co>");
	assert_string_equal(req.revision, "R&D A<");
	assert_string_equal(req.mac, "00-04-F2-AB-CD-EF");
	/* optional fields absent: empty, UpdateType defaults to UCPhone */
	assert_string_equal(req.serial, "");
	assert_string_equal(req.update_type, "UCPhone");
}

static void test_trimmed_and_mac_spellings(void **state)
{
	(void)state;
	static const char *const macs[] = {
		"00-04-F2-AB-CD-EF", "00:04:f2:ab:cd:ef", "0004.f2ab.cdef", "0004f2-abcdef",
		"0004F2ABCDEF", " \n\t 00-04-f2-ab-cd-ef \r\n ",
	};
	char body[1024];
	for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
		snprintf(body, sizeof(body),
			 "<UpdateRequest><MacAddress>%s</MacAddress><Model>\n  CX600\t\n</Model>"
			 "<Version> 4.0.1 </Version><User>  Ken  Myer </User></UpdateRequest>",
			 macs[i]);
		accepted(body);
		assert_string_equal(req.mac, "00-04-F2-AB-CD-EF");
		assert_string_equal(req.model, "CX600");
		assert_string_equal(req.version, "4.0.1");
		assert_string_equal(req.user, "Ken  Myer"); /* inner white space kept */
	}
}

static void test_missing_fields(void **state)
{
	(void)state;
	refused("<UpdateRequest><Model>CX600</Model><Version>4.0</Version></UpdateRequest>",
		"<MacAddress> is missing");
	refused("<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Version>4.0</Version>"
		"</UpdateRequest>", "<Model> is missing");
	refused("<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Model>CX600</Model>"
		"</UpdateRequest>", "<Version> is missing");
	/* present but empty or blank is missing */
	refused("<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Model> \n </Model>"
		"<Version>4.0</Version></UpdateRequest>", "<Model> is missing");
	refused("<UpdateRequest><MacAddress/><Model>CX600</Model><Version>4.0</Version>"
		"</UpdateRequest>", "<MacAddress> is missing");
	refused("<UpdateRequest/>", "<MacAddress> is missing");
	/* nested deeper, it is not the field */
	refused("<UpdateRequest><Device><MacAddress>0004f2abcdef</MacAddress></Device>"
		"<Model>CX600</Model><Version>4.0</Version></UpdateRequest>", "<MacAddress> is missing");
}

static void test_bad_mac_and_version(void **state)
{
	(void)state;
	static const char *const bad_macs[] = {
		"00-04-F2-AB-CD", "00-04-F2-AB-CD-EF-01", "00-04-F2-AB-CD-EG", "01-00-5E-00-00-01",
		"FF-FF-FF-FF-FF-FF", "phone", "00-04-F2 AB-CD-EF",
	};
	char body[1024];
	for (size_t i = 0; i < sizeof(bad_macs) / sizeof(bad_macs[0]); i++) {
		snprintf(body, sizeof(body),
			 "<UpdateRequest><MacAddress>%s</MacAddress><Model>CX600</Model>"
			 "<Version>4.0</Version></UpdateRequest>", bad_macs[i]);
		refused(body, "<MacAddress> is not a MAC address");
	}
	static const char *const bad_versions[] = {
		"4.0.7577.x", "v4.0", "4..0", "4.0.", ".4", "1.2.3.4.5.6.7.8.9", "1234567890.1",
		"4 .0", "-1", "4,0",
	};
	for (size_t i = 0; i < sizeof(bad_versions) / sizeof(bad_versions[0]); i++) {
		snprintf(body, sizeof(body),
			 "<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Model>CX600</Model>"
			 "<Version>%s</Version></UpdateRequest>", bad_versions[i]);
		refused(body, "<Version> is not a dotted version");
	}
}

static void test_value_length(void **state)
{
	(void)state;
	char value[300], extra[400], body[1024];
	memset(value, 'u', 256);
	value[256] = '\0';
	snprintf(extra, sizeof(extra), "<User>%s</User>", value);
	with(body, sizeof(body), extra);
	accepted(body);
	assert_int_equal(strlen(req.user), 256);
	/* white space around a 256-byte value is trimmed, not counted */
	snprintf(extra, sizeof(extra), "<User>\n    %s\n  \t  \n</User>", value);
	with(body, sizeof(body), extra);
	accepted(body);
	assert_int_equal(strlen(req.user), 256);
	/* 257 bytes */
	value[256] = 'u';
	value[257] = '\0';
	snprintf(extra, sizeof(extra), "<User>%s</User>", value);
	with(body, sizeof(body), extra);
	refused(body, "<User> is longer than 256 bytes");
	/* 256 and then a space and text: 258 */
	value[256] = ' ';
	value[257] = 'v';
	value[258] = '\0';
	snprintf(extra, sizeof(extra), "<User>%s</User>", value);
	with(body, sizeof(body), extra);
	refused(body, "<User> is longer than 256 bytes");
	/* the limit is in bytes: 129 two-byte characters are 258 */
	char *p = extra + sprintf(extra, "<Locale>");
	for (int i = 0; i < 129; i++)
		p += sprintf(p, "\xc3\xa9");
	strcpy(p, "</Locale>");
	with(body, sizeof(body), extra);
	refused(body, "<Locale> is longer than 256 bytes");
	/* an unknown element's text has no limit of its own */
	char big[2048];
	memset(big, 'z', 1500);
	big[1500] = '\0';
	snprintf(body, sizeof(body), "<Other>%.900s</Other>", big);
	char all[2048];
	with(all, sizeof(all), body);
	accepted(all);
}

static void test_field_twice(void **state)
{
	(void)state;
	char body[1024];
	with(body, sizeof(body), "<Model>CX700</Model>");
	refused(body, "<Model> is given twice");
	with(body, sizeof(body), "<User>a</User><User/>");
	refused(body, "<User> is given twice");
	/* an unknown element may come many times */
	with(body, sizeof(body), "<Note>a</Note><Note>b</Note>");
	accepted(body);
}

static void test_doctype_refused(void **state)
{
	(void)state;
	refused("<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE UpdateRequest [\n"
		" <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
		" <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
		" <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
		" <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
		"]>\n"
		"<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Model>&d;</Model>"
		"<Version>4.0</Version></UpdateRequest>",
		"a DOCTYPE is not accepted");
	refused("<!DOCTYPE UpdateRequest SYSTEM \"file:///etc/passwd\">"
		"<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Model>CX600</Model>"
		"<Version>4.0</Version></UpdateRequest>",
		"a DOCTYPE is not accepted");
	/* without a DOCTYPE no entity but the five of XML is defined */
	refused("<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Model>&x;</Model>"
		"<Version>4.0</Version></UpdateRequest>",
		"not well-formed XML");
}

/* A good request with elements nested depth levels deep in all (the
 * root is level 1). */
static void nested(char *buf, size_t size, int depth)
{
	char inner[2048];
	size_t o = 0;
	for (int i = 2; i <= depth; i++)
		o += (size_t)snprintf(inner + o, sizeof(inner) - o, "<d%d>", i);
	for (int i = depth; i >= 2; i--)
		o += (size_t)snprintf(inner + o, sizeof(inner) - o, "</d%d>", i);
	assert_true(o < sizeof(inner));
	with(buf, size, inner);
}

static void test_depth(void **state)
{
	(void)state;
	char body[4096];
	nested(body, sizeof(body), 16);
	accepted(body);
	nested(body, sizeof(body), 17);
	refused(body, "nests deeper than 16 levels");
	nested(body, sizeof(body), 100);
	refused(body, "nests deeper than 16 levels");
}

static void test_not_an_update_request(void **state)
{
	(void)state;
	refused("<UpdateResponse><MacAddress>0004f2abcdef</MacAddress></UpdateResponse>",
		"the root element is <UpdateResponse>, not <UpdateRequest>");
	refused("<updaterequest/>", "not <UpdateRequest>");
	refused("MacAddress=0004f2abcdef&Model=CX600", "not well-formed XML");
	refused("{\"MacAddress\": \"0004f2abcdef\"}", "not well-formed XML");
	refused("", "not well-formed XML");
	refused("<UpdateRequest><MacAddress>0004f2abcdef</MacAddress>", "not well-formed XML");
	refused("<UpdateRequest></UpdateRequest><UpdateRequest/>", "not well-formed XML");
	refused("<UpdateRequest><Model>CX600</Version></UpdateRequest>", "not well-formed XML");
	/* not UTF-8 */
	char body[1024];
	with(body, sizeof(body), "<User>caf\xe9</User>");
	refused(body, "not well-formed XML");
	/* a long root name is cut in the reason */
	char root[400];
	memset(root, 'R', 300);
	strcpy(root + 300, "/>");
	memmove(root + 1, root, strlen(root) + 1);
	root[0] = '<';
	refused(root, "the root element is <RRRR");
	assert_true(strlen(err.msg) < 120);
	/* and cut between UTF-8 characters, not inside one */
	memset(root, 'R', 63);
	strcpy(root + 63, "\xc3\xa9\xc3\xa9/>");
	memmove(root + 1, root, strlen(root) + 1);
	root[0] = '<';
	refused(root, "the root element is <");
	char want[128];
	snprintf(want, sizeof(want), "<%.63s>, not", root + 1);
	if (!strstr(err.msg, want))
		fail_msg("'%s' is not cut after 63 bytes", err.msg);
	/* a name of 64 bytes ending in a whole character is quoted whole */
	memset(root, 'R', 62);
	strcpy(root + 62, "\xc3\xa9/>");
	memmove(root + 1, root, strlen(root) + 1);
	root[0] = '<';
	refused(root, "\xc3\xa9>, not <UpdateRequest>");
}

static void test_body_limit(void **state)
{
	(void)state;
	static char body[UPDATE_MAX_BODY + 2];
	const char *head = "<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Model>CX600</Model>"
			   "<Version>4.0</Version><Pad>";
	const char *tail = "</Pad></UpdateRequest>";
	size_t hn = strlen(head), tn = strlen(tail);
	memcpy(body, head, hn);
	memset(body + hn, 'p', UPDATE_MAX_BODY - hn - tn);
	memcpy(body + UPDATE_MAX_BODY - tn, tail, tn);
	assert_int_equal(parse_n(body, UPDATE_MAX_BODY), 0); /* exactly 16 KiB */
	assert_string_equal(req.model, "CX600");
	memmove(body + hn + 1, body + hn, UPDATE_MAX_BODY - hn);
	assert_int_equal(parse_n(body, UPDATE_MAX_BODY + 1), -1);
	assert_string_equal(err.msg, "the body is larger than 16 KiB");
}

static void test_control_characters(void **state)
{
	(void)state;
	char body[1024];
	/* XML 1.0 itself has no place for most of them, even as references */
	with(body, sizeof(body), "<User>a\x01z</User>");
	refused(body, "not well-formed XML");
	with(body, sizeof(body), "<User>a&#1;z</User>");
	refused(body, "not well-formed XML");
	/* DEL is XML, but no value of ours holds it */
	with(body, sizeof(body), "<User>a\x7fz</User>");
	refused(body, "<User> holds a control character");
	with(body, sizeof(body), "<Locale>a&#x7f;z</Locale>");
	refused(body, "<Locale> holds a control character");
	/* white space inside a value is text */
	with(body, sizeof(body), "<User>a&#9;z</User>");
	accepted(body);
	assert_string_equal(req.user, "a\tz");
	/* outside the known elements nothing is looked at */
	with(body, sizeof(body), "<Note>a\x7fz</Note>");
	accepted(body);
	/* a NUL byte is not XML */
	const char nul[] = "<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Model>C\0X"
			   "</Model><Version>4.0</Version></UpdateRequest>";
	assert_int_equal(parse_n(nul, sizeof(nul) - 1), -1);
	assert_non_null(strstr(err.msg, "not well-formed XML"));
}

/* One parser for many requests: nothing of one shows in the next. */
static void test_parser_reuse(void **state)
{
	(void)state;
	char body[1024];
	for (int round = 0; round < 200; round++) {
		snprintf(body, sizeof(body),
			 "<UpdateRequest><MacAddress>00-04-F2-00-%02X-%02X</MacAddress>"
			 "<Model>M%d</Model><Version>1.%d</Version>%s</UpdateRequest>",
			 round / 256, round % 256, round, round,
			 round % 2 ? "<User>sip:odd@x</User><SerialNumber>S</SerialNumber>" : "");
		accepted(body);
		char want[32];
		snprintf(want, sizeof(want), "00-04-F2-00-%02X-%02X", round / 256, round % 256);
		assert_string_equal(req.mac, want);
		snprintf(want, sizeof(want), "M%d", round);
		assert_string_equal(req.model, want);
		assert_string_equal(req.user, round % 2 ? "sip:odd@x" : "");
		assert_string_equal(req.serial, round % 2 ? "S" : "");
		/* a refused request between two good ones, stopped at any point */
		switch (round % 5) {
		case 0: refused("<UpdateRequest><User>x", "not well-formed XML"); break;
		case 1: with(body, sizeof(body), "<Model>again</Model>");
			refused(body, "given twice"); break;
		case 2: nested(body, sizeof(body), 40); refused(body, "deeper"); break;
		case 3: refused("<!DOCTYPE a><a/>", "DOCTYPE"); break;
		case 4: refused("<Other/>", "root element"); break;
		}
	}
	/* after a request cut inside a field, the next has none of its text */
	refused("<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Model>CX6", "not well-formed");
	refused("<UpdateRequest><MacAddress>0004f2abcdef</MacAddress><Version>4.0</Version>"
		"</UpdateRequest>", "<Model> is missing");
}

/* ---- The answer ----------------------------------------------------------- */

/* Whether Expat reads xml as one well-formed document. */
static bool well_formed(const char *xml)
{
	XML_Parser xp = XML_ParserCreate("UTF-8");
	bool ok = XML_Parse(xp, xml, (int)strlen(xml), XML_TRUE) == XML_STATUS_OK;
	XML_ParserFree(xp);
	return ok;
}

static void test_response_no_update(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	update_response_write(&sb, NULL, NULL, 0, NULL);
	assert_string_equal(sb_str(&sb), "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
					 "<UpdateResponse>\n"
					 "  <Update available=\"false\"/>\n"
					 "</UpdateResponse>\n");
	assert_true(well_formed(sb_str(&sb)));
	sb_free(&sb);
}

static void test_response_update(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	const struct update_file files[] = {
		{ "https://pool/RequestHandler/Files/UCPhone/P/CX600/Rev-1/ENU/4.0.7577.4400/CPE/nk.bin",
		  1048576, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" },
		{ "https://pool/f?a=1&b=<2>&c=\"3\"&d='4'", 0, "00" },
	};
	update_response_write(&sb, "4.0.7577.4400", files, 2, NULL);
	assert_string_equal(
		sb_str(&sb),
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		"<UpdateResponse>\n"
		"  <Update available=\"true\">\n"
		"    <Version>4.0.7577.4400</Version>\n"
		"    <File url=\"https://pool/RequestHandler/Files/UCPhone/P/CX600/Rev-1/ENU/"
		"4.0.7577.4400/CPE/nk.bin\" size=\"1048576\" "
		"sha256=\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"/>\n"
		"    <File url=\"https://pool/f?a=1&amp;b=&lt;2&gt;&amp;c=&quot;3&quot;&amp;d=&apos;4&apos;\""
		" size=\"0\" sha256=\"00\"/>\n"
		"  </Update>\n"
		"</UpdateResponse>\n");
	assert_true(well_formed(sb_str(&sb)));
	sb_reset(&sb);
	/* an update with no files is still well-formed */
	update_response_write(&sb, "1<&>2", NULL, 0, NULL);
	assert_non_null(strstr(sb_str(&sb), "<Version>1&lt;&amp;&gt;2</Version>"));
	assert_true(well_formed(sb_str(&sb)));
	sb_free(&sb);
}

static void test_response_configuration(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	json_t *config = json_pack("{s:s, s:b, s:b, s:I, s:f, s:s, s:n, s:o}",
				   "Identity", "site:Berlin", "EnforcePhoneLock", 1,
				   "Voicemail", 0, "PhoneLockTimeout", (json_int_t)300,
				   "Ratio", 0.5, "Banner", "Tom & Jerry's <\"lab\">",
				   "Unset", "Nested", json_array());
	assert_non_null(config);
	update_response_write(&sb, NULL, NULL, 0, config);
	const char *x = sb_str(&sb);
	assert_null(strstr(x, "Identity"));
	assert_null(strstr(x, "site:Berlin"));
	assert_null(strstr(x, "Unset")); /* null values are left out */
	assert_non_null(strstr(x, "  <Update available=\"false\"/>\n  <PhoneConfiguration>\n"));
	assert_non_null(strstr(x, "    <EnforcePhoneLock>true</EnforcePhoneLock>\n"));
	assert_non_null(strstr(x, "    <Voicemail>false</Voicemail>\n"));
	assert_non_null(strstr(x, "    <PhoneLockTimeout>300</PhoneLockTimeout>\n"));
	assert_non_null(strstr(x, "    <Ratio>0.5</Ratio>\n"));
	assert_non_null(strstr(x, "    <Banner>Tom &amp; Jerry&apos;s &lt;&quot;lab&quot;&gt;</Banner>\n"));
	assert_non_null(strstr(x, "  </PhoneConfiguration>\n</UpdateResponse>\n"));
	assert_true(well_formed(x));
	sb_reset(&sb);
	/* with an update, the configuration follows it */
	const struct update_file f = { "http://p/x", 1, "ab" };
	update_response_write(&sb, "2.0", &f, 1, config);
	x = sb_str(&sb);
	assert_true(strstr(x, "</Update>\n  <PhoneConfiguration>") != NULL);
	assert_true(well_formed(x));
	json_decref(config);
	sb_free(&sb);
}

static void test_xml_escape(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	xml_escape(&sb, "a&b<c>d\"e'f\xc3\xa9");
	assert_string_equal(sb_str(&sb), "a&amp;b&lt;c&gt;d&quot;e&apos;f\xc3\xa9");
	sb_reset(&sb);
	xml_escape(&sb, "");
	assert_string_equal(sb_str(&sb), "");
	sb_reset(&sb);
	xml_escape(&sb, "&amp;");
	assert_string_equal(sb_str(&sb), "&amp;amp;"); /* escaped again: it is text */
	sb_free(&sb);
}

/* What phones send takes the quick path; anything that needs XML's rules
 * (entities, CDATA, comments, attributes, CR, non-ASCII, errors) goes to
 * Expat, and parse_n has checked that both read every body alike. */
static void test_quick_path(void **state)
{
	static const char *const quick[] = {
		"<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model>CX600</Model>"
		"<Version>4.0.7577.4100</Version></UpdateRequest>",
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<UpdateRequest>\n"
		"  <MacAddress> 0004f2abcdef </MacAddress>\n\t<Model>CX600</Model>\n"
		"  <Version>4.0.7577.4100</Version><Future>x > y</Future>\n</UpdateRequest>\n",
		"<?xml version=\"1.0\"?><UpdateRequest><Version>1.2</Version><Model>LX700</Model>"
		"<Brand>Polycom</Brand><MacAddress>00-04-F2-00-00-01</MacAddress></UpdateRequest>",
	};
	static const char *const full[] = {
		"<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model>A&amp;B</Model>"
		"<Version>1.2</Version></UpdateRequest>",
		"<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model><![CDATA[X]]></Model>"
		"<Version>1.2</Version></UpdateRequest>",
		"<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><!-- c --><Model>X</Model>"
		"<Version>1.2</Version></UpdateRequest>",
		"<UpdateRequest a=\"1\"><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model>X</Model>"
		"<Version>1.2</Version></UpdateRequest>",
		"<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model>X\r\n</Model>"
		"<Version>1.2</Version></UpdateRequest>",
		"<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model>\xc3\xa9</Model>"
		"<Version>1.2</Version></UpdateRequest>",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><UpdateRequest><MacAddress>"
		"00-04-F2-AB-CD-EF</MacAddress><Model>X</Model><Version>1.2</Version></UpdateRequest>",
		"<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model>X</Model>"
		"<Model>Y</Model><Version>1.2</Version></UpdateRequest>",
		"<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model>X</Modl>"
		"<Version>1.2</Version></UpdateRequest>",
		"<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model>a]]>b</Model>"
		"<Version>1.2</Version></UpdateRequest>",
		"<UpdateRequest><MacAddress>00-04-F2-AB-CD-EF</MacAddress><Model>X</Model>"
		"<Version>1.2</Version></UpdateRequest><x/>",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(quick) / sizeof(quick[0]); i++) {
		if (parse(quick[i]) != 0)
			fail_msg("refused: %s\n%s", err.msg, quick[i]);
		if (!update_parser_last_quick(parser))
			fail_msg("not on the quick path: %s", quick[i]);
	}
	for (size_t i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		parse(full[i]);
		if (update_parser_last_quick(parser))
			fail_msg("on the quick path: %s", full[i]);
	}
}

static void test_version_valid(void **state)
{
	(void)state;
	static const char *const good[] = {
		"4", "4.0", "4.0.7577.4100", "0.0", "1.2.3.4.5.6.7.8", "123456789.987654321",
		"007.01",
	};
	static const char *const bad[] = {
		"", ".", "4.", ".4", "4..0", "1.2.3.4.5.6.7.8.9", "1234567890", "4.0a", "a4",
		"4 .0", " 4.0", "4.0 ", "4-0", "+4", "4.0\n", "\xd9\xa1",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!update_version_valid(good[i]))
			fail_msg("'%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (update_version_valid(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_request),
		cmocka_unit_test(test_any_order_unknown_ignored),
		cmocka_unit_test(test_trimmed_and_mac_spellings),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_bad_mac_and_version),
		cmocka_unit_test(test_value_length),
		cmocka_unit_test(test_field_twice),
		cmocka_unit_test(test_doctype_refused),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_not_an_update_request),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_parser_reuse),
		cmocka_unit_test(test_response_no_update),
		cmocka_unit_test(test_response_update),
		cmocka_unit_test(test_response_configuration),
		cmocka_unit_test(test_xml_escape),
		cmocka_unit_test(test_version_valid),
		cmocka_unit_test(test_quick_path),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
