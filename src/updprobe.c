/*
 * updprobe: see updprobe.h. The body read is bounded (UPDPROBE_MAX_BODY)
 * and parsed with Expat only for its root element and the offered
 * version; anything else in it is the service's business.
 */
#include "config.h"
#include "updprobe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <expat.h>

#include "util.h"

struct body {
	struct strbuf buf;
	bool too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	if (b->buf.len + n > UPDPROBE_MAX_BODY) {
		b->too_big = true;
		return 0;
	}
	sb_add(&b->buf, data, n);
	return n;
}

/* realm="..." of a Digest challenge into out. */
static void copy_realm(const char *v, size_t n, char *out, size_t outn)
{
	const char *end = v + n;
	for (const char *p = v; p + 7 <= end; p++) {
		if (strncasecmp(p, "realm=\"", 7) != 0)
			continue;
		const char *s = p + 7, *q = memchr(s, '"', (size_t)(end - s));
		size_t l = q ? (size_t)(q - s) : 0;
		snprintf(out, outn, "%.*s", (int)(l < outn ? l : outn - 1), s);
		return;
	}
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct update_probe *p = arg;
	size_t n = size * nmemb, l;
	if (n > 17 && strncasecmp(data, "WWW-Authenticate:", 17) == 0) {
		const char *v = data + 17;
		l = n - 17;
		while (l && (*v == ' ' || *v == '\t'))
			v++, l--;
		if (l >= 6 && strncasecmp(v, "Digest", 6) == 0 && !p->digest_offered) {
			p->digest_offered = true;
			copy_realm(v, l, p->realm, sizeof(p->realm));
		}
	} else if (n > 13 && strncasecmp(data, "Content-Type:", 13) == 0) {
		const char *v = data + 13;
		l = n - 13;
		while (l && (*v == ' ' || *v == '\t'))
			v++, l--;
		while (l && (v[l - 1] == '\r' || v[l - 1] == '\n'))
			l--;
		snprintf(p->content_type, sizeof(p->content_type), "%.*s", (int)l, v);
	}
	return n;
}

/* ---- The XML answer ---------------------------------------------------- */

struct xml_state {
	struct update_probe *p;
	int depth;
	bool in_update, in_version;
	struct strbuf version;
};

static void on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_state *x = arg;
	if (x->depth == 0)
		snprintf(x->p->root, sizeof(x->p->root), "%s", name);
	if (x->depth == 1 && strcmp(name, "Update") == 0) {
		x->in_update = true;
		for (size_t i = 0; attrs[i] && attrs[i + 1]; i += 2)
			if (strcmp(attrs[i], "available") == 0)
				x->p->update_available = strcmp(attrs[i + 1], "true") == 0;
	}
	if (x->in_update && x->depth == 2 && strcmp(name, "Version") == 0)
		x->in_version = true;
	x->depth++;
}

static void on_end(void *arg, const XML_Char *name)
{
	struct xml_state *x = arg;
	x->depth--;
	if (x->in_version && strcmp(name, "Version") == 0) {
		x->in_version = false;
		snprintf(x->p->offered, sizeof(x->p->offered), "%s", sb_str(&x->version));
	}
	if (x->depth == 1 && strcmp(name, "Update") == 0)
		x->in_update = false;
}

static void on_text(void *arg, const XML_Char *s, int len)
{
	struct xml_state *x = arg;
	if (x->in_version && x->version.len + (size_t)len < 64)
		sb_add(&x->version, s, (size_t)len);
}

static void parse_body(struct update_probe *p, const struct strbuf *body)
{
	XML_Parser xp = XML_ParserCreate(NULL);
	struct xml_state x = { .p = p, .version = STRBUF_INIT };
	XML_SetUserData(xp, &x);
	XML_SetElementHandler(xp, on_start, on_end);
	XML_SetCharacterDataHandler(xp, on_text);
	if (XML_Parse(xp, sb_str(body), (int)body->len, 1) != XML_STATUS_OK && !p->root[0])
		p->root[0] = '\0';
	XML_ParserFree(xp);
	sb_free(&x.version);
}

/* ---- The request -------------------------------------------------------- */

static void add_elem(struct strbuf *sb, const char *name, const char *value)
{
	if (!value)
		return;
	sb_addf(sb, "<%s>", name);
	for (const char *c = value; *c; c++) {
		switch (*c) {
		case '&': sb_adds(sb, "&amp;"); break;
		case '<': sb_adds(sb, "&lt;"); break;
		case '>': sb_adds(sb, "&gt;"); break;
		default: sb_addc(sb, *c);
		}
	}
	sb_addf(sb, "</%s>", name);
}

static void request_body(const struct update_probe *p, struct strbuf *sb)
{
	sb_adds(sb, "<UpdateRequest>");
	add_elem(sb, "MacAddress", p->mac);
	add_elem(sb, "UpdateType", "UCPhone");
	add_elem(sb, "Brand", p->brand);
	add_elem(sb, "Model", p->model);
	add_elem(sb, "Revision", "Rev-1");
	add_elem(sb, "Locale", "ENU");
	add_elem(sb, "Version", p->version);
	sb_adds(sb, "</UpdateRequest>");
}

static void set_options(CURL *c, struct update_probe *p, struct curl_slist **hdrs,
			struct curl_slist **resolve, const struct strbuf *req, struct body *b)
{
	curl_easy_setopt(c, CURLOPT_URL, p->url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, sb_str(req));
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->len);
	*hdrs = curl_slist_append(*hdrs, "Content-Type: text/xml");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ucsh update probe");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)p->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, p);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, p->verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, p->verify ? 2L : 0L);
	if (p->verify && p->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, p->ca_file);
	if (p->addr && p->host) {
		char *entry = strchr(p->addr, ':') ? xasprintf("%s:%u:[%s]", p->host, p->port, p->addr)
						   : xasprintf("%s:%u:%s", p->host, p->port, p->addr);
		*resolve = curl_slist_append(*resolve, entry);
		free(entry);
		curl_easy_setopt(c, CURLOPT_RESOLVE, *resolve);
	}
	if (p->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST);
		curl_easy_setopt(c, CURLOPT_USERNAME, p->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, p->pin ? p->pin : "");
	}
}

int update_probe_run(struct update_probe *p)
{
	static bool curl_ready;
	if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		curl_ready = true;
	CURL *c = curl_easy_init();
	if (!c)
		return snprintf(p->error, sizeof(p->error), "libcurl cannot start"), -1;
	struct strbuf req = STRBUF_INIT;
	struct body b = { STRBUF_INIT, false };
	struct curl_slist *hdrs = NULL, *resolve = NULL;
	char cerr[CURL_ERROR_SIZE] = "";
	request_body(p, &req);
	set_options(c, p, &hdrs, &resolve, &req, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	CURLcode rc = curl_easy_perform(c);
	double total = 0;
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &total);
	p->total_ms = total * 1000.0;
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && b.too_big)) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &p->status);
		if (b.buf.len)
			parse_body(p, &b.buf);
	} else {
		snprintf(p->error, sizeof(p->error), "%s", *cerr ? cerr : curl_easy_strerror(rc));
	}
	curl_slist_free_all(hdrs);
	curl_slist_free_all(resolve);
	curl_easy_cleanup(c);
	sb_free(&req);
	sb_free(&b.buf);
	return p->status ? 0 : -1;
}

bool update_probe_answer_ok(const struct update_probe *p, bool expect_auth, char *what, size_t n)
{
	bool xml = strncasecmp(p->content_type, "text/xml", 8) == 0 ||
		   strncasecmp(p->content_type, "application/xml", 15) == 0;
	if (!p->status)
		return snprintf(what, n, "no answer: %s", p->error), false;
	if (p->status == 401 && p->digest_offered) {
		snprintf(what, n, "401, Digest realm=\"%s\"", p->realm);
		return expect_auth;
	}
	if (p->status == 200 && xml && strcmp(p->root, "UpdateResponse") == 0) {
		if (p->update_available)
			snprintf(what, n, "200 <UpdateResponse>, update %s available", p->offered);
		else
			snprintf(what, n, "200 <UpdateResponse>, no update");
		return true;
	}
	snprintf(what, n, "%ld%s%s%s%s", p->status, *p->content_type ? " " : "", p->content_type,
		 *p->root ? ", root element <" : "", *p->root ? p->root : "");
	if (*p->root)
		snprintf(what + strlen(what), n - strlen(what), ">");
	return false;
}
