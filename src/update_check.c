/* update_check: the update check's XML bodies (see update_check.h). */
#include "config.h"

#include "update_check.h"

#include <ctype.h>
#include <expat.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16

enum field {
	F_MAC, F_SERIAL, F_TYPE, F_BRAND, F_MODEL, F_REVISION, F_LOCALE, F_VERSION, F_USER, F_COUNT
};
static const char *const field_names[F_COUNT] = {
	"MacAddress", "SerialNumber", "UpdateType", "Brand", "Model", "Revision", "Locale",
	"Version", "User",
};

struct update_parser {
	XML_Parser xp;
	unsigned long salt;
	int depth;
	int field;            /* the known element open at depth 2, or -1 */
	bool seen[F_COUNT];
	char text[F_COUNT][UPDATE_MAX_VALUE + 1];
	size_t len[F_COUNT];
	struct ucsh_err *err;
	bool failed;
	bool no_quick;        /* every body through Expat (tests compare both) */
	bool last_quick;      /* whether the last body took the quick path */
};

static void fail(struct update_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct update_parser *p, const char *fmt, ...)
{
	if (!p->failed) {
		char msg[300];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		err_set(p->err, "%s", msg);
	}
	p->failed = true;
	XML_StopParser(p->xp, XML_FALSE);
}

static void on_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct update_parser *p = arg;
	(void)atts;
	p->depth++;
	if (p->depth > MAX_DEPTH) {
		fail(p, "the XML nests deeper than %d levels", MAX_DEPTH);
		return;
	}
	if (p->depth == 1 && strcmp(name, "UpdateRequest") != 0) {
		/* quote at most 64 bytes, cut between UTF-8 characters: the
		 * reason goes into a text/plain; charset=utf-8 answer */
		int n = (int)strnlen(name, 64);
		while (n > 0 && name[n] && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
		fail(p, "the root element is <%.*s>, not <UpdateRequest>", n, name);
		return;
	}
	if (p->depth != 2)
		return;
	p->field = -1;
	for (int f = 0; f < F_COUNT; f++)
		if (strcmp(name, field_names[f]) == 0)
			p->field = f;
	if (p->field >= 0 && p->seen[p->field]) {
		fail(p, "<%s> is given twice", field_names[p->field]);
		return;
	}
	if (p->field >= 0)
		p->seen[p->field] = true;
}

static void on_end(void *arg, const XML_Char *name)
{
	struct update_parser *p = arg;
	(void)name;
	if (p->depth == 2)
		p->field = -1;
	p->depth--;
}

static void on_text(void *arg, const XML_Char *s, int n)
{
	struct update_parser *p = arg;
	if (p->depth != 2 || p->field < 0)
		return;
	size_t *len = &p->len[p->field];
	for (int i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
		if ((c < 0x20 && !space) || c == 0x7f) {
			fail(p, "<%s> holds a control character", field_names[p->field]);
			return;
		}
		if (*len == 0 && space)
			continue; /* leading white space */
		if (*len >= UPDATE_MAX_VALUE) {
			/* White space past the limit can only be trailing (any
			 * text after it fails here), and trailing white space is
			 * trimmed: a pretty-printed 256-byte value is fine. */
			if (space)
				continue;
			fail(p, "<%s> is longer than %d bytes", field_names[p->field],
			     UPDATE_MAX_VALUE);
			return;
		}
		p->text[p->field][(*len)++] = (char)c;
	}
}

static void on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
		       const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	fail(arg, "a DOCTYPE is not accepted");
}

struct update_parser *update_parser_new(void)
{
	struct update_parser *p = xcalloc(1, sizeof(*p));
	p->xp = XML_ParserCreate("UTF-8");
	if (!p->xp || RAND_bytes((unsigned char *)&p->salt, sizeof(p->salt)) != 1) {
		if (p->xp)
			XML_ParserFree(p->xp);
		free(p);
		return NULL;
	}
	return p;
}

void update_parser_free(struct update_parser *p)
{
	if (!p)
		return;
	XML_ParserFree(p->xp);
	free(p);
}

bool update_version_valid(const char *s)
{
	int parts = 0;
	while (*s) {
		size_t n = strspn(s, "0123456789");
		if (n == 0 || n > 9 || ++parts > 8)
			return false;
		s += n;
		if (*s == '.' && s[1])
			s++;
		else if (*s)
			return false;
	}
	return parts > 0;
}

/* The text of field f, trailing white space cut. */
static const char *field_text(struct update_parser *p, int f)
{
	size_t n = p->len[f];
	while (n > 0 && strchr(" \t\r\n", p->text[f][n - 1]))
		n--;
	p->text[f][n] = '\0';
	return p->text[f];
}

static int fill(struct update_parser *p, struct update_request *out, struct ucsh_err *err)
{
	static const int required[] = { F_MAC, F_MODEL, F_VERSION };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!*field_text(p, required[i]))
			return err_set(err, "<%s> is missing", field_names[required[i]]);
	struct ucsh_err merr;
	char mac[MAC_STR_LEN]; /* out is written only when the whole request is good */
	if (mac_canonical(field_text(p, F_MAC), mac, &merr))
		return err_set(err, "<MacAddress> is not a MAC address");
	if (!update_version_valid(field_text(p, F_VERSION)))
		return err_set(err, "<Version> is not a dotted version such as 4.0.7577.4100");
	memcpy(out->mac, mac, sizeof(mac));
	char *dst[F_COUNT] = { NULL, out->serial, out->update_type, out->brand, out->model,
			       out->revision, out->locale, out->version, out->user };
	for (int f = 1; f < F_COUNT; f++) {
		/* trimmed first: strlen in the same call could see the text of an
		 * earlier request beyond this one's end */
		const char *text = field_text(p, f);
		memcpy(dst[f], text, strlen(text) + 1);
	}
	if (!out->update_type[0])
		strcpy(out->update_type, "UCPhone");
	return 0;
}

/* ---- The quick path ------------------------------------------------------- */

/*
 * Phones send the same plain form every time: an optional XML declaration,
 * <UpdateRequest> and one level of <Name>text</Name>, ASCII, no entities,
 * attributes, comments, ']' or CR. Expat's setup per document costs more than
 * the rest of an update check, so that form is read here; anything else
 * (and anything wrong) goes to Expat, whose answer is the reference: what
 * this accepts, Expat accepts with the same values (fuzz_update_check
 * checks both on every input).
 */
struct scan {
	const char *s, *end;
};

static void scan_space(struct scan *sc)
{
	while (sc->s < sc->end && (*sc->s == ' ' || *sc->s == '\t' || *sc->s == '\n'))
		sc->s++;
}

static bool scan_lit(struct scan *sc, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(sc->end - sc->s) < n || memcmp(sc->s, lit, n) != 0)
		return false;
	sc->s += n;
	return true;
}

/* "<Name>" (open) or "</Name>" (close): the name, [A-Za-z][A-Za-z0-9]*. */
static bool scan_tag(struct scan *sc, bool close, const char **name, size_t *n)
{
	if (!scan_lit(sc, close ? "</" : "<"))
		return false;
	const char *b = sc->s;
	while (sc->s < sc->end && (isalpha((unsigned char)*sc->s) ||
				   (sc->s > b && isdigit((unsigned char)*sc->s))))
		sc->s++;
	*name = b;
	*n = (size_t)(sc->s - b);
	return *n > 0 && sc->s < sc->end && *sc->s++ == '>';
}

/* One <Name>text</Name> child; false when it is not of the plain form. */
static bool scan_child(struct update_parser *p, struct scan *sc)
{
	const char *name, *close;
	size_t n, cn;
	if (!scan_tag(sc, false, &name, &n))
		return false;
	const char *text = sc->s;
	while (sc->s < sc->end && *sc->s != '<') {
		unsigned char c = (unsigned char)*sc->s++;
		if (c == '&' || c == ']' || c >= 0x7f || (c < 0x20 && c != '\t' && c != '\n'))
			return false;
	}
	size_t tn = (size_t)(sc->s - text);
	if (!scan_tag(sc, true, &close, &cn) || cn != n || memcmp(name, close, n) != 0)
		return false;
	for (int f = 0; f < F_COUNT; f++) {
		if (strncmp(field_names[f], name, n) != 0 || field_names[f][n] != '\0')
			continue;
		if (p->seen[f])
			return false;
		p->seen[f] = true;
		p->field = f;
		p->depth = 2;
		on_text(p, text, (int)tn);
		p->field = -1;
		return !p->failed;
	}
	return true; /* an element we do not know: ignored, as by Expat */
}

static bool quick_parse(struct update_parser *p, const char *body, size_t len)
{
	struct scan sc = { body, body + len };
	const char *name;
	size_t n;
	/* the declaration is optional; any other than these goes to Expat */
	(void)(scan_lit(&sc, "<?xml version=\"1.0\" encoding=\"utf-8\"?>") ||
	       scan_lit(&sc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>") ||
	       scan_lit(&sc, "<?xml version=\"1.0\"?>"));
	scan_space(&sc);
	if (!scan_lit(&sc, "<UpdateRequest>"))
		return false;
	for (;;) {
		scan_space(&sc);
		if (sc.end - sc.s >= 2 && sc.s[0] == '<' && sc.s[1] == '/')
			break;
		if (!scan_child(p, &sc))
			return false;
	}
	if (!scan_tag(&sc, true, &name, &n) || n != 13 || memcmp(name, "UpdateRequest", 13) != 0)
		return false;
	scan_space(&sc);
	return sc.s == sc.end;
}

void update_parser_set_quick(struct update_parser *p, bool on)
{
	p->no_quick = !on;
}

bool update_parser_last_quick(const struct update_parser *p)
{
	return p->last_quick;
}

static void parser_clear(struct update_parser *p, struct ucsh_err *err)
{
	p->depth = 0;
	p->field = -1;
	p->failed = false;
	p->err = err;
	memset(p->seen, 0, sizeof(p->seen));
	memset(p->len, 0, sizeof(p->len));
}

int update_parser_parse(struct update_parser *p, const char *body, size_t len,
			struct update_request *out, struct ucsh_err *err)
{
	if (len > UPDATE_MAX_BODY)
		return err_set(err, "the body is larger than 16 KiB");
	parser_clear(p, err);
	p->last_quick = !p->no_quick && quick_parse(p, body, len);
	if (p->last_quick)
		return fill(p, out, err);
	parser_clear(p, err);
	XML_ParserReset(p->xp, "UTF-8");
	/* Expat would draw a new hash salt from getrandom(2) for every
	 * request; one random salt per parser keeps the protection against
	 * hash flooding without a system call per update check. */
	XML_SetHashSalt(p->xp, p->salt);
	XML_SetUserData(p->xp, p);
	XML_SetElementHandler(p->xp, on_start, on_end);
	XML_SetCharacterDataHandler(p->xp, on_text);
	XML_SetStartDoctypeDeclHandler(p->xp, on_doctype);
	if (XML_Parse(p->xp, body, (int)len, XML_TRUE) != XML_STATUS_OK || p->failed) {
		if (!p->failed)
			err_set(err, "the body is not well-formed XML (line %lu: %s)",
				(unsigned long)XML_GetCurrentLineNumber(p->xp),
				XML_ErrorString(XML_GetErrorCode(p->xp)));
		return -1;
	}
	return fill(p, out, err);
}

void xml_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_adds(sb, "&amp;"); break;
		case '<': sb_adds(sb, "&lt;"); break;
		case '>': sb_adds(sb, "&gt;"); break;
		case '"': sb_adds(sb, "&quot;"); break;
		case '\'': sb_adds(sb, "&apos;"); break;
		default: sb_addc(sb, *s);
		}
	}
}

static void config_write(struct strbuf *sb, const json_t *config)
{
	const char *k;
	json_t *v;
	sb_adds(sb, "  <PhoneConfiguration>\n");
	json_object_foreach((json_t *)config, k, v) {
		if (strcmp(k, "Identity") == 0 || json_is_null(v) || k[0] == 0x1f)
			continue;
		sb_adds(sb, "    <");
		sb_adds(sb, k);
		sb_adds(sb, ">");
		if (json_is_string(v))
			xml_escape(sb, json_string_value(v));
		else if (json_is_boolean(v))
			sb_adds(sb, json_is_true(v) ? "true" : "false");
		else if (json_is_integer(v))
			sb_addf(sb, "%lld", (long long)json_integer_value(v));
		else if (json_is_real(v))
			sb_addf(sb, "%g", json_real_value(v));
		sb_adds(sb, "</");
		sb_adds(sb, k);
		sb_adds(sb, ">\n");
	}
	sb_adds(sb, "  </PhoneConfiguration>\n");
}

void update_response_write(struct strbuf *sb, const char *version,
			   const struct update_file *files, size_t nfiles, const json_t *config)
{
	sb_adds(sb, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<UpdateResponse>\n");
	if (!version) {
		sb_adds(sb, "  <Update available=\"false\"/>\n");
	} else {
		sb_adds(sb, "  <Update available=\"true\">\n    <Version>");
		xml_escape(sb, version);
		sb_adds(sb, "</Version>\n");
		for (size_t i = 0; i < nfiles; i++) {
			sb_adds(sb, "    <File url=\"");
			xml_escape(sb, files[i].url);
			sb_addf(sb, "\" size=\"%lld\" sha256=\"", files[i].size);
			xml_escape(sb, files[i].sha256);
			sb_adds(sb, "\"/>\n");
		}
		sb_adds(sb, "  </Update>\n");
	}
	if (config)
		config_write(sb, config);
	sb_adds(sb, "</UpdateResponse>\n");
}
