/* devupdate: the Device Update web service (see devupdate.h). */
#include "config.h"

#include "devupdate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "devupdate_rule.h"
#include "digest.h"
#include "http.h"
#include "log.h"
#include "mac.h"
#include "pki.h"
#include "rollout.h"
#include "signin.h"
#include "store.h"
#include "update_check.h"
#include "value.h"

#define INVENTORY_FLUSH_MS 1000
#define INVENTORY_MAX_QUEUE 4096
#define INVENTORY_REFRESH_SECS 300 /* LastSeen alone is written at most this often */
#define LOG_NAME_MAX 128

/* What the sites read from the store, re-read when its kind changed. */
enum cached { C_RULES, C_IMAGES, C_TESTDEV, C_UCPHONE, C_SITES, C_DEVCFG, C_ROLLOUTS, C_COUNT };
static const char *const cached_kind[C_COUNT] = {
	"DeviceUpdateRule", "DeviceUpdateImage", "TestDevice", "UCPhoneConfiguration", "Site",
	"DeviceUpdateConfiguration", "DeviceRollout",
};

struct web_shared {
	struct daemon *d;
	int refs;
	char *dir;                /* the store's directory: images/, logs/, pki/ */
	json_t *rows[C_COUNT];    /* each kind's rows, an array */
	long long seq[C_COUNT];
	json_t *files;            /* lower("<image>/<path>") -> file entry of an image */
	json_t *images;           /* lower(image identity) -> image row */
	json_t *test_ids;         /* "mac:<MAC>", "sn:<serial lower>" -> [TestDevice rows] */
	struct update_parser *parser;
	struct digest_server *digest;
	struct signin signin;
	json_t *phones;           /* MAC -> inventory row waiting for the flush */
	json_t *written;          /* MAC -> [signature, time] of the last row written */
	json_t *failures;         /* SipAddress -> {p: principal, n: wrong PINs} to count */
	/* Writes the store was too busy to take, kept for the next flush. */
	json_t *checkins;         /* [rollout, MAC, version, offered, time] of rollouts */
	json_t *logs;             /* DeviceUpdateLog rows of logs already on disk */
	struct event *flush_ev;
	struct event *tick_ev;    /* the rollouts' periodic step */
	unsigned long long upload_bytes; /* bodies of log uploads in memory now */
	unsigned long long generation;   /* bumped whenever what answers depend on changes */
	json_t *pool_seen;        /* the pool the answers were rendered for */
};

struct web_counters {
	unsigned long long checks, offered, downloads, not_modified, uploads, refused, denied;
};

struct web_site {
	struct web_shared *sh;
	bool external;
	const char *prefix;       /* "/RequestHandler" or "/RequestHandlerExt" */
	struct http_server *http;
	struct web_counters n;
	json_t *answers;          /* rendered answers (answer_for) */
	unsigned long long answers_gen; /* the shared generation they were made in */
};

/* What a request under the site's prefix is, from its path. */
enum route { R_CHECK, R_FILE, R_LOG };

struct upload {
	enum route route;
	char mac[MAC_STR_LEN];
	char name[LOG_NAME_MAX + 1];
	char type[65];
	size_t size;
};

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long int_of(const json_t *o, const char *k, long long dflt)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

static char *lower_dup(const char *s)
{
	char *d = xstrdup(s ? s : "");
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* ---- The cache ------------------------------------------------------------ */

static json_t *read_all(struct store *st, const char *kind, struct ucsh_err *err)
{
	struct store_cursor *cur;
	json_t *rows = json_array(), *row;
	int rc;
	if (store_query(st, kind, NULL, NULL, &cur, err)) {
		json_decref(rows);
		return NULL;
	}
	while ((rc = store_cursor_next(cur, &row, err)) == 1)
		json_array_append_new(rows, row);
	store_cursor_free(cur);
	if (rc < 0) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

/* The lookup tables derived from the image and test device rows. */
static void index_images(struct web_shared *sh)
{
	size_t i, j;
	json_t *img, *f;
	json_object_clear(sh->files);
	json_object_clear(sh->images);
	json_array_foreach(sh->rows[C_IMAGES], i, img) {
		const char *id = str_of(img, "Identity");
		char *lid = lower_dup(id);
		json_object_set(sh->images, lid, img);
		json_array_foreach(json_object_get(img, "Files"), j, f) {
			char *key = xasprintf("%s/%s", lid, str_of(f, "Path") ? str_of(f, "Path") : "");
			char *lkey = lower_dup(key);
			json_t *entry = json_pack("{s:s, s:O, s:O, s:O}", "Image", id, "Path",
						  json_object_get(f, "Path"), "Size",
						  json_object_get(f, "Size"), "Sha256",
						  json_object_get(f, "Sha256"));
			if (entry)
				json_object_set_new(sh->files, lkey, entry);
			free(lkey);
			free(key);
		}
		free(lid);
	}
}

/* Test devices by what identifies them ("mac:<MAC>", "sn:<serial>"), each
 * key holding the rows (their scopes differ). */
static void index_test_devices(struct web_shared *sh)
{
	size_t i;
	json_t *td;
	json_object_clear(sh->test_ids);
	json_array_foreach(sh->rows[C_TESTDEV], i, td) {
		const char *id = str_of(td, "Identifier");
		char mac[MAC_STR_LEN], *key = NULL;
		struct ucsh_err err;
		if (!id)
			continue;
		if (str_ieq(str_of(td, "IdentifierType"), "SerialNumber")) {
			char *l = lower_dup(id);
			key = xasprintf("sn:%s", l);
			free(l);
		} else if (mac_canonical(id, mac, &err) == 0) {
			key = xasprintf("mac:%s", mac);
		}
		if (!key)
			continue;
		json_t *list = json_object_get(sh->test_ids, key);
		if (!list)
			json_object_set_new(sh->test_ids, key, list = json_array());
		json_array_append(list, td);
		free(key);
	}
}

/* Re-read every kind whose change counter moved. */
static void cache_refresh(struct web_shared *sh)
{
	struct store *st = sh->d->store;
	struct ucsh_err err;
	for (int k = 0; k < C_COUNT; k++) {
		long long seq;
		if (store_changes(st, cached_kind[k], &seq, &err)) {
			log_warning("device update: %s", err.msg);
			continue;
		}
		if (sh->rows[k] && seq == sh->seq[k])
			continue;
		json_t *rows = read_all(st, cached_kind[k], &err);
		if (!rows) {
			log_warning("device update: reading %s: %s", cached_kind[k], err.msg);
			continue;
		}
		json_decref(sh->rows[k]);
		sh->rows[k] = rows;
		sh->seq[k] = seq;
		sh->generation++;
		if (k == C_IMAGES)
			index_images(sh);
		else if (k == C_TESTDEV)
			index_test_devices(sh);
	}
}

static const json_t *row_by_id(const json_t *rows, const char *id)
{
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		if (str_ieq(str_of(r, "Identity"), id))
			return r;
	return NULL;
}

/* ---- Deciding ------------------------------------------------------------- */

static const json_t *rule_for(const json_t *rules, const struct update_request *q)
{
	struct devupdate_device dev = { q->update_type, q->brand, q->model, q->revision, q->locale };
	return devupdate_rule_find(rules, &dev);
}

/* Whether one of the test device rows in test_ids under key covers site. */
static bool covered(struct web_shared *sh, const char *key, const char *site)
{
	size_t i;
	json_t *td;
	json_array_foreach(json_object_get(sh->test_ids, key), i, td)
		if (devupdate_test_device_covers(td, site))
			return true;
	return false;
}

static bool is_test_device(struct web_shared *sh, const struct update_request *q,
			   const char *site)
{
	char key[UPDATE_MAX_VALUE + 8];
	snprintf(key, sizeof(key), "mac:%s", q->mac);
	if (covered(sh, key, site))
		return true;
	if (!q->serial[0])
		return false;
	char *l = lower_dup(q->serial);
	snprintf(key, sizeof(key), "sn:%s", l);
	free(l);
	return covered(sh, key, site);
}

/* The site whose Subnets hold ip, or NULL (borrowed). */
static bool in_prefix(const char *ip, const char *cidr)
{
	unsigned char a[16], b[16];
	char net[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(cidr, '/');
	size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
	if (n >= sizeof(net))
		return false;
	memcpy(net, cidr, n);
	net[n] = '\0';
	int fam = strchr(net, ':') ? AF_INET6 : AF_INET, len = fam == AF_INET6 ? 128 : 32;
	if ((strchr(ip, ':') ? AF_INET6 : AF_INET) != fam || inet_pton(fam, ip, a) != 1 ||
	    inet_pton(fam, net, b) != 1)
		return false;
	int bits = slash ? atoi(slash + 1) : len;
	if (bits < 0 || bits > len)
		return false;
	for (int i = 0; i < bits; i++)
		if (((a[i / 8] ^ b[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

static const char *site_of(struct web_shared *sh, const char *ip)
{
	size_t i, j;
	json_t *site, *cidr;
	json_array_foreach(sh->rows[C_SITES], i, site)
		json_array_foreach(json_object_get(site, "Subnets"), j, cidr)
			if (json_is_string(cidr) && in_prefix(ip, json_string_value(cidr)))
				return str_of(site, "Identity");
	return NULL;
}

/* The UC phone configuration for site ("Site:Berlin" -> "site:Berlin"), else Global. */
static const json_t *ucphone_for(struct web_shared *sh, const char *site)
{
	const json_t *c = NULL;
	if (site && strchr(site, ':')) {
		char *id = xasprintf("site:%s", strchr(site, ':') + 1);
		c = row_by_id(sh->rows[C_UCPHONE], id);
		free(id);
	}
	return c ? c : row_by_id(sh->rows[C_UCPHONE], "Global");
}

/* The identity of the image of version under rule. */
static char *image_id(const json_t *rule, const char *version)
{
	const char *t = str_of(rule, "UpdateType");
	return xasprintf("%s/%s/%s/%s/%s/%s", t ? t : "UCPhone", str_of(rule, "Brand") ?: "",
			 str_of(rule, "Model") ?: "", str_of(rule, "Revision") ?: "",
			 str_of(rule, "Locale") ?: "", version);
}

/* ---- The phone inventory ------------------------------------------------------ */

static void flush_soon(struct web_shared *sh)
{
	struct timeval tv = { INVENTORY_FLUSH_MS / 1000, (INVENTORY_FLUSH_MS % 1000) * 1000 };
	if (!evtimer_pending(sh->flush_ev, NULL))
		evtimer_add(sh->flush_ev, &tv);
}

static void inventory_flush(struct web_shared *sh)
{
	struct store *st = sh->d->store;
	struct ucsh_err err;
	const char *mac;
	json_t *row;
	int rc = 0;
	if (json_object_size(sh->phones) == 0)
		return;
	if (store_begin(st, &err) == 0) {
		json_object_foreach(sh->phones, mac, row)
			if ((rc = store_upsert(st, "Phone", row, &err)) != 0)
				break;
		if (rc == 0 && store_commit(st, &err) == 0) {
			json_object_clear(sh->phones);
			return;
		}
		store_rollback(st, NULL);
	}
	/* kept for the next flush; the queue is bounded */
	if (store_last_error(st) != STORE_E_BUSY)
		log_warning("device update: the inventory of %zu phones waits: %s",
			    json_object_size(sh->phones), err.msg);
}

/* Wrong PINs are counted after their answers have gone, as the registrar
 * counts them: the answer to a wrong PIN must not wait for a write that
 * the answer to an unknown name does not wait for. */
static void failures_flush(struct web_shared *sh)
{
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(sh->failures, tmp, k, v)
		if (signin_record_failure(&sh->signin, json_object_get(v, "p"),
					  (long)json_integer_value(json_object_get(v, "n"))) == 0)
			json_object_del(sh->failures, k);
}

/* Keep what the store was too busy to take, up to a bound: past it the
 * oldest goes, with a word in the log. */
static void keep_for_later(json_t *queue, json_t *item, const char *what)
{
	if (json_array_size(queue) >= INVENTORY_MAX_QUEUE) {
		log_warning("device update: the store stays busy; a %s is dropped", what);
		json_array_remove(queue, 0);
	}
	json_array_append_new(queue, item);
}

/* Rollout check-ins and log rows kept while the store was busy, in order. */
static void kept_flush(struct web_shared *sh)
{
	struct ucsh_err err;
	size_t i, n;
	json_t *v;
	for (n = 0; n < json_array_size(sh->checkins); n++) {
		v = json_array_get(sh->checkins, n);
		const json_t *ro = row_by_id(sh->rows[C_ROLLOUTS],
					     json_string_value(json_array_get(v, 0)));
		if (ro && rollout_checkin(sh->d->store, ro, json_string_value(json_array_get(v, 1)),
					  json_string_value(json_array_get(v, 2)),
					  json_is_true(json_array_get(v, 3)),
					  (time_t)json_integer_value(json_array_get(v, 4))) < 0)
			break;
	}
	for (i = 0; i < n; i++)
		json_array_remove(sh->checkins, 0);
	while (json_array_size(sh->logs)) {
		v = json_array_get(sh->logs, 0);
		if (store_upsert(sh->d->store, "DeviceUpdateLog", v, &err)) {
			if (store_last_error(sh->d->store) == STORE_E_BUSY)
				break;
			log_warning("device update: a log of %s is kept but not listed: %s",
				    str_of(v, "MacAddress"), err.msg);
		}
		json_array_remove(sh->logs, 0);
	}
}

static bool anything_kept(const struct web_shared *sh)
{
	return json_object_size(sh->failures) || json_array_size(sh->checkins) ||
	       json_array_size(sh->logs) || json_object_size(sh->phones);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct web_shared *sh = arg;
	failures_flush(sh);
	kept_flush(sh);
	inventory_flush(sh);
	if (anything_kept(sh))
		flush_soon(sh); /* the store was busy: again at the next flush */
}

/* What a check-in says of a phone, for the inventory. Written when it
 * differs from what was last written, or LastSeen is old. */
static void inventory_note(struct web_shared *sh, const struct update_request *q,
			   const char *ip, const char *site, time_t now)
{
	static const struct { const char *prop; size_t off; } opt[] = {
		{ "Brand", offsetof(struct update_request, brand) },
		{ "SerialNumber", offsetof(struct update_request, serial) },
		{ "Revision", offsetof(struct update_request, revision) },
		{ "Locale", offsetof(struct update_request, locale) },
	};
	const char *parts[] = { q->model, q->version, ip, q->brand, q->serial, q->revision,
				q->locale, site ? site : "" };
	/* What the row would say, as a 64-bit FNV-1a hash (this runs once per
	 * check): equal hashes with a recent write mean nothing new. A phone
	 * that forged a collision would only keep its own row from changing,
	 * which it can do by sending the old values. */
	unsigned long long sig = 14695981039346656037ULL;
	for (size_t i = 0; i < UCSH_ARRAY_LEN(parts); i++) {
		for (const unsigned char *s = (const unsigned char *)parts[i]; *s; s++)
			sig = (sig ^ *s) * 1099511628211ULL;
		sig = (sig ^ '|') * 1099511628211ULL;
	}
	json_t *last = json_object_get(sh->written, q->mac);
	if (last && (unsigned long long)json_integer_value(json_array_get(last, 0)) == sig &&
	    now - json_integer_value(json_array_get(last, 1)) < INVENTORY_REFRESH_SECS)
		return; /* nothing new to say */
	char ts[STORE_TIMESTAMP_LEN];
	store_timestamp(now, ts);
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "MacAddress", q->mac, "Model", q->model,
				"FirmwareVersion", q->version, "IPAddress", ip, "LastSeen", ts);
	for (size_t i = 0; i < UCSH_ARRAY_LEN(opt); i++) {
		const char *v = (const char *)q + opt[i].off;
		if (*v)
			json_object_set_new(row, opt[i].prop, json_string(v));
	}
	if (site)
		json_object_set_new(row, "Site", json_string(site));
	if (json_object_size(sh->written) >= 64 * INVENTORY_MAX_QUEUE)
		json_object_clear(sh->written); /* a bound; the cost is one more write each */
	json_object_set_new(sh->written, q->mac,
			    json_pack("[I, I]", (json_int_t)sig, (json_int_t)now));
	json_object_set_new(sh->phones, q->mac, row);
	if (json_object_size(sh->phones) >= INVENTORY_MAX_QUEUE)
		inventory_flush(sh);
	if (json_object_size(sh->phones) >= INVENTORY_MAX_QUEUE)
		json_object_clear(sh->phones); /* the store refuses: bound what waits */
	else
		flush_soon(sh);
}

/* ---- The update check ----------------------------------------------------------- */

/* Append s with every byte but unreserved ones and '/' %-encoded. */
static void url_path_add(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~/", c))
			sb_addc(sb, (char)c);
		else
			sb_addf(sb, "%%%02X", c);
	}
}

/* Where this site's files are: the image store URL of DEVICE-UPDATE.md. */
static void files_base(struct web_site *site, struct strbuf *sb)
{
	const json_t *pool = site->sh->d->pool;
	const char *fqdn = str_of(pool, site->external ? "ExternalWebFqdn" : "InternalWebFqdn");
	long long http = int_of(pool, site->external ? "ExternalHttpPort" : "InternalHttpPort", 0);
	long long https = int_of(pool, site->external ? "ExternalHttpsPort" : "InternalHttpsPort", 0);
	/* Lync's internal image store is plain HTTP (the image carries its own
	 * SHA-256); the external one is HTTPS. */
	bool tls = site->external ? https > 0 : http <= 0;
	long long port = tls ? https : http;
	sb_addf(sb, "%s://%s", tls ? "https" : "http", fqdn ? fqdn : site->sh->d->pool_id);
	if (port != (tls ? 443 : 80))
		sb_addf(sb, ":%lld", port);
	sb_adds(sb, site->prefix);
	sb_adds(sb, "/Files/");
}

/* The version to offer, or NULL; *ro and *rv say what a rollout decided. */
static const char *offer_for(struct web_shared *sh, const json_t *rule,
			     const struct update_request *q, const char *site,
			     const json_t **ro, enum rollout_verdict *rv)
{
	*ro = NULL;
	*rv = ROLLOUT_NONE;
	if (!rule)
		return NULL;
	if (str_of(rule, "PendingVersion") && is_test_device(sh, q, site))
		return devupdate_rule_offer(rule, true);
	*ro = rollout_for_rule(sh->rows[C_ROLLOUTS], rule);
	*rv = *ro ? rollout_decide(*ro, q->mac, site) : ROLLOUT_NONE;
	if (*rv == ROLLOUT_HOLD)
		return NULL;
	return *rv == ROLLOUT_OFFER ? str_of(*ro, "Version") : devupdate_rule_offer(rule, false);
}

/* The files of the image of version under rule, as the answer lists them;
 * 0 when there is no such image (logged: a rule must not point at none). */
static size_t offered_files(struct web_site *site, const json_t *rule, const char *version,
			    struct update_file *out, size_t max, struct strbuf *urls)
{
	char *id = image_id(rule, version), *lid = lower_dup(id);
	const json_t *img = json_object_get(site->sh->images, lid);
	size_t i, n = 0, at[16];
	json_t *f;
	if (!img)
		log_warning("device update: rule %s offers %s, but no image %s was imported",
			    str_of(rule, "Identity"), version, id);
	json_array_foreach(json_object_get(img, "Files"), i, f) {
		if (n == max || n == UCSH_ARRAY_LEN(at))
			break;
		out[n].size = int_of(f, "Size", 0);
		out[n].sha256 = str_of(f, "Sha256") ? str_of(f, "Sha256") : "";
		at[n] = urls->len; /* an offset: urls moves while it grows */
		files_base(site, urls);
		url_path_add(urls, str_of(img, "Identity"));
		sb_addc(urls, '/');
		url_path_add(urls, str_of(f, "Path") ? str_of(f, "Path") : "");
		sb_addc(urls, '\0');
		n++;
	}
	for (i = 0; i < n; i++)
		out[i].url = sb_str(urls) + at[i];
	free(lid);
	free(id);
	return n;
}

/*
 * The answer for a device offered version (NULL: none) under rule, with
 * config's PhoneConfiguration: the same bytes for every device in the same
 * case, so each is rendered once and kept until the store changes.
 * *offered: whether it offers an update (false when the image is missing).
 */
static const char *answer_for(struct web_site *site, const json_t *rule, const char *version,
			      const json_t *config, bool *offered, size_t *len)
{
	char key[600];
	if (site->answers_gen != site->sh->generation) {
		json_object_clear(site->answers);
		site->answers_gen = site->sh->generation;
	}
	const char *parts[] = { version ? str_of(rule, "Identity") : "", version ? version : "",
				str_of(config, "Identity") };
	size_t n = 0;
	for (size_t i = 0; i < UCSH_ARRAY_LEN(parts); i++) { /* no stdio: once per check */
		size_t part = parts[i] ? strlen(parts[i]) : 0;
		size_t room = sizeof(key) - 2 > n ? sizeof(key) - 2 - n : 0;
		if (part > room)
			part = room;
		memcpy(key + n, parts[i] ? parts[i] : "", part);
		n += part;
		key[n++] = '|';
	}
	key[n] = '\0';
	json_t *a = json_object_get(site->answers, key);
	if (!a) {
		struct update_file files[16];
		struct strbuf urls = { 0 }, out = { 0 };
		size_t nf = version ? offered_files(site, rule, version, files, 16, &urls) : 0;
		update_response_write(&out, nf ? version : NULL, files, nf, config);
		a = json_pack("{s:s%, s:b}", "xml", sb_str(&out), out.len, "offered", nf > 0);
		if (json_object_size(site->answers) >= 4096)
			json_object_clear(site->answers); /* a bound: rules x versions x sites */
		json_object_set_new(site->answers, key, a);
		sb_free(&out);
		sb_free(&urls);
	}
	*offered = json_is_true(json_object_get(a, "offered"));
	*len = json_string_length(json_object_get(a, "xml"));
	return json_string_value(json_object_get(a, "xml"));
}

static void handle_check(struct web_site *site, struct http_request *req)
{
	struct web_shared *sh = site->sh;
	struct update_request q;
	struct ucsh_err err;
	size_t len = req->body ? req->body_len : 0; /* no body: none */
	const char *body = len ? req->body : "";
	if (update_parser_parse(sh->parser, body, len, &q, &err)) {
		site->n.refused++;
		http_respond_error(req, 400, err.msg);
		return;
	}
	site->n.checks++;
	time_t now = time(NULL);
	const char *phone_site = site_of(sh, req->peer_ip);
	const json_t *rule = rule_for(sh->rows[C_RULES], &q), *ro;
	enum rollout_verdict rv;
	const char *version = offer_for(sh, rule, &q, phone_site, &ro, &rv);
	if (version && value_version_cmp(version, q.version) == 0)
		version = NULL; /* it runs what it should */
	bool offered;
	size_t xml_len;
	const char *xml = answer_for(site, rule, version, ucphone_for(sh, phone_site), &offered,
				     &xml_len);
	if (offered)
		site->n.offered++;
	bool ro_offered = rv == ROLLOUT_OFFER && offered;
	if (ro && (json_array_size(sh->checkins) ||
		   rollout_checkin(sh->d->store, ro, q.mac, q.version, ro_offered, now) < 0)) {
		/* behind those already kept, so that a phone's check-ins keep their order */
		keep_for_later(sh->checkins, json_pack("[s, s, s, b, I]", str_of(ro, "Identity"),
						       q.mac, q.version, ro_offered, (json_int_t)now),
			       "rollout check-in");
		flush_soon(sh);
	}
	inventory_note(sh, &q, req->peer_ip, phone_site, now);
	http_respond(req, 200, "text/xml; charset=utf-8", xml, xml_len);
}

/* ---- Image downloads ----------------------------------------------------------- */

/* Open rel (checked: no "." or ".." segment) under dirfd without following
 * any symbolic link, so that nothing outside the image store is reached
 * even if a link was planted inside it. */
static int open_beneath(int dirfd, const char *rel)
{
	char *copy = xstrdup(rel), *save = NULL, *part = strtok_r(copy, "/", &save);
	int fd = dup(dirfd);
	while (fd >= 0 && part) {
		char *next = strtok_r(NULL, "/", &save);
		int flags = O_NOFOLLOW | O_CLOEXEC | (next ? O_DIRECTORY | O_PATH : O_RDONLY);
		int nfd = openat(fd, part, flags);
		close(fd);
		fd = nfd;
		part = next;
	}
	free(copy);
	return fd;
}

/* Range: bytes=a-b | a- | -n. 0 with the span, 1 to send it all (absent,
 * invalid or several ranges), -1 unsatisfiable. */
static int parse_range(const char *v, long long size, long long *start, long long *len)
{
	char *end;
	if (!v || strncmp(v, "bytes=", 6) != 0 || strchr(v, ','))
		return 1;
	v += 6;
	long long a = -1, b = -1;
	if (*v == '-') {
		long long n = strtoll(v + 1, &end, 10);
		if (end == v + 1 || *end || n < 0)
			return 1;
		if (n == 0 || size == 0)
			return -1;
		a = n > size ? 0 : size - n;
		b = size - 1;
	} else {
		a = strtoll(v, &end, 10);
		if (end == v || *end != '-' || a < 0)
			return 1;
		v = end + 1;
		b = *v ? strtoll(v, &end, 10) : -1;
		if ((*v && (end == v || *end || b < a)))
			return 1;
		if (a >= size)
			return -1;
		if (b < 0)
			b = size - 1;
		if (b >= size)
			b = size - 1;
	}
	*start = a;
	*len = b - a + 1;
	return 0;
}

static bool etag_matches(const char *list, const char *etag)
{
	if (!list)
		return false;
	if (strcmp(list, "*") == 0)
		return true;
	const char *p = strstr(list, etag);
	return p != NULL;
}

static int images_dir(struct web_shared *sh)
{
	char *path = xasprintf("%s/images", sh->dir);
	int fd = open(path, O_DIRECTORY | O_PATH | O_CLOEXEC);
	free(path);
	return fd;
}

static void handle_file(struct web_site *site, struct http_request *req, const char *rel)
{
	struct web_shared *sh = site->sh;
	char *key = lower_dup(rel);
	const json_t *f = json_object_get(sh->files, key);
	free(key);
	if (!f) {
		http_respond_error(req, 404, "no imported image has this file");
		return;
	}
	char *fspath = xasprintf("%s/%s", str_of(f, "Image"), str_of(f, "Path"));
	int dirfd = images_dir(sh), fd = dirfd >= 0 ? open_beneath(dirfd, fspath) : -1;
	struct stat stb;
	if (dirfd >= 0)
		close(dirfd);
	long long size = int_of(f, "Size", -1);
	if (fd < 0 || fstat(fd, &stb) != 0 || !S_ISREG(stb.st_mode) || stb.st_size != size) {
		log_warning("device update: image file %s is missing or not as imported", fspath);
		if (fd >= 0)
			close(fd);
		free(fspath);
		http_respond_error(req, 404, "the image file is missing from the image store");
		return;
	}
	free(fspath);
	char etag[80];
	snprintf(etag, sizeof(etag), "\"%.64s\"", str_of(f, "Sha256") ? str_of(f, "Sha256") : "");
	http_add_header(req, "ETag", "%s", etag);
	http_add_header(req, "Accept-Ranges", "bytes");
	if (etag_matches(http_header_get(&req->head, "If-None-Match"), etag)) {
		site->n.not_modified++;
		close(fd);
		http_respond(req, 304, NULL, NULL, 0);
		return;
	}
	long long start = 0, len = size;
	const char *if_range = http_header_get(&req->head, "If-Range");
	int r = if_range && strcmp(if_range, etag) != 0
			? 1 : parse_range(http_header_get(&req->head, "Range"), size, &start, &len);
	site->n.downloads++;
	if (r < 0) {
		close(fd);
		http_add_header(req, "Content-Range", "bytes */%lld", size);
		http_respond_error(req, 416, "the range is outside the file");
		return;
	}
	if (r == 0)
		http_add_header(req, "Content-Range", "bytes %lld-%lld/%lld", start, start + len - 1,
				size);
	http_respond_file(req, r == 0 ? 206 : 200, "application/octet-stream", fd, (off_t)start,
			  (off_t)len);
}

/* ---- Log uploads ------------------------------------------------------------------ */

static bool in_list(const json_t *list, const char *v)
{
	size_t i;
	json_t *x;
	if (!json_is_array(list) || json_array_size(list) == 0)
		return true; /* no list configured: anything */
	json_array_foreach(list, i, x)
		if (str_ieq(json_string_value(x), v))
			return true;
	return false;
}

static bool log_name_ok(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= LOG_NAME_MAX && name[0] != '.' &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* The log type from the query (?type=Watson), CELog when not given. */
static void log_type(const char *query, char out[65])
{
	strcpy(out, "CELog");
	for (const char *p = query; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		if (n > 5 && strncmp(p, "type=", 5) == 0 && n - 5 < 65) {
			memcpy(out, p + 5, n - 5);
			out[n - 5] = '\0';
		}
		p = amp ? amp + 1 : NULL;
	}
}

/* The head of PUT .../Logs/<MAC>/<file>: every bound of the device update
 * configuration is checked before a byte of the body is read. */
static void log_head(struct web_site *site, struct http_request *req, const char *rest)
{
	struct web_shared *sh = site->sh;
	const json_t *cfg = row_by_id(sh->rows[C_DEVCFG], "Global");
	const char *slash = strchr(rest, '/');
	struct upload up = { .route = R_LOG };
	struct ucsh_err err;
	char macs[32];
	if (!slash || (size_t)(slash - rest) >= sizeof(macs) || !log_name_ok(slash + 1)) {
		http_respond_error(req, 400, "a log goes to Logs/<MAC address>/<file name of letters, "
				   "digits, '.', '_' and '-'>");
		return;
	}
	memcpy(macs, rest, (size_t)(slash - rest));
	macs[slash - rest] = '\0';
	const char *ext = strrchr(slash + 1, '.');
	log_type(req->head.query, up.type);
	long long cl = req->head.content_length, max = int_of(cfg, "MaxLogFileSize", 1024000);
	unsigned long long cache = (unsigned long long)int_of(cfg, "MaxLogCacheLimit", 512000) * 1024;
	if (mac_canonical(macs, up.mac, &err))
		http_respond_error(req, 400, "the folder of a log is the phone's MAC address");
	else if (!ext || !in_list(json_object_get(cfg, "ValidLogFileExtensions"), ext))
		http_respond_error(req, 415, "this file extension is not in ValidLogFileExtensions");
	else if (!in_list(json_object_get(cfg, "ValidLogFileTypes"), up.type))
		http_respond_error(req, 415, "this log type is not in ValidLogFileTypes");
	else if (cl < 0)
		http_respond_error(req, 411, "a log upload needs a Content-Length");
	else if (cl == 0)
		http_respond_error(req, 400, "the log is empty");
	else if (cl > max)
		http_respond_error(req, 413, "the log is larger than MaxLogFileSize");
	else if (sh->upload_bytes + (unsigned long long)cl > cache) {
		http_add_header(req, "Retry-After", "30");
		http_respond_error(req, 503, "MaxLogCacheLimit is reached: try again later");
	} else {
		snprintf(up.name, sizeof(up.name), "%s", slash + 1);
		up.size = (size_t)cl;
		sh->upload_bytes += up.size;
		req->body_limit = up.size;
		req->data = xmalloc(sizeof(up));
		memcpy(req->data, &up, sizeof(up));
		return;
	}
	site->n.refused++;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write the log beside its final name, sync, rename: a crash leaves the
 * old file or the new one, never half of one. 0, or -1 with err. */
static int log_store_file(struct web_shared *sh, const struct upload *up,
			  const struct http_request *req, char **rel, struct ucsh_err *err)
{
	char *logs = xasprintf("%s/logs", sh->dir), *dir = xasprintf("%s/%s", logs, up->mac);
	char *tmp = xasprintf("%s/.upload-XXXXXX", dir), *final = xasprintf("%s/%s", dir, up->name);
	int fd = -1, rc = -1;
	if (mkdir_all(logs, 0700) || (mkdir(dir, 0700) && errno != EEXIST) ||
	    (fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		err_set(err, "cannot create %s: %s", dir, strerror(errno));
	} else if (write_all(fd, (const unsigned char *)req->body, req->body ? req->body_len : 0) ||
		   fsync(fd) || rename(tmp, final)) {
		err_set(err, "cannot write %s: %s", final, strerror(errno));
		unlink(tmp);
	} else {
		*rel = xasprintf("logs/%s/%s", up->mac, up->name);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	free(final);
	free(tmp);
	free(dir);
	free(logs);
	return rc;
}

static void log_done(struct web_site *site, struct http_request *req, struct upload *up)
{
	struct web_shared *sh = site->sh;
	struct ucsh_err err;
	char *rel = NULL;
	char ts[STORE_TIMESTAMP_LEN];
	store_timestamp(time(NULL), ts);
	if (log_store_file(sh, up, req, &rel, &err) == 0) {
		char *id = xasprintf("%s/%s", up->mac, up->name);
		json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "Identity", id,
					"MacAddress", up->mac, "FileName", up->name, "FileType",
					up->type, "Size", (json_int_t)up->size, "Received", ts,
					"Path", rel);
		int rc = json_array_size(sh->logs) ? -1
			 : store_upsert(sh->d->store, "DeviceUpdateLog", row, &err);
		if (rc && (json_array_size(sh->logs) ||
			   store_last_error(sh->d->store) == STORE_E_BUSY)) {
			/* the file is kept; its row follows once the store is free */
			keep_for_later(sh->logs, json_incref(row), "log upload's record");
			flush_soon(sh);
			rc = 0;
		}
		json_decref(row);
		free(id);
		if (rc == 0) {
			site->n.uploads++;
			http_respond(req, 201, NULL, NULL, 0);
		}
	}
	if (!req->responded) {
		log_warning("device update: a log of %s was not kept: %s", up->mac, err.msg);
		http_respond_error(req, 500, "the log could not be stored");
	}
	free(rel);
}

static void upload_release(struct web_site *site, struct http_request *req)
{
	struct upload *up = req->data;
	if (!up)
		return;
	site->sh->upload_bytes -= up->size;
	free(up);
	req->data = NULL;
}

/* ---- The root certificate ------------------------------------------------------- */

/* GET /CertProv/ucsh-ca.pem or ucsh-ca.crt (DER): the root phones must
 * trust; ucsh-ca.crl: the CRL the leaves name (pki.h). */
static void handle_certprov(struct web_site *site, struct http_request *req, const char *name)
{
	const struct pki *pki = site->sh->d->pki;
	const char *crl = strrchr(PKI_CRL_PATH, '/') + 1, *pem = strrchr(PKI_CA_PEM_PATH, '/') + 1;
	const char *der = strrchr(PKI_CA_DER_PATH, '/') + 1, *type = NULL;
	unsigned char *buf = NULL;
	size_t n = 0;
	int rc = -1;
	if (strcmp(name, crl) == 0) {
		rc = pki_crl_der(pki, &buf, &n);
		type = "application/pkix-crl";
	} else if (strcmp(name, pem) == 0) {
		rc = pki_ca_pem(pki, (char **)&buf, &n);
		type = "application/x-pem-file";
	} else if (strcmp(name, der) == 0) {
		rc = pki_ca_der(pki, &buf, &n);
		type = "application/pkix-cert";
	} else {
		http_respond_error(req, 404, "the provisioning service has ucsh-ca.pem, ucsh-ca.crt "
					     "and ucsh-ca.crl");
		return;
	}
	if (rc == 0)
		http_respond(req, 200, type, buf, n);
	else
		http_respond_error(req, 503, "the pool's certificates are not set up");
	free(buf);
}

/* ---- Signing in on the external site ----------------------------------------------- */

static void challenge(struct web_site *site, struct http_request *req, bool stale)
{
	struct ucsh_err err;
	struct strbuf hs = { 0 };
	size_t i;
	json_t *dom;
	json_array_foreach(json_object_get(site->sh->d->pool, "SipDomain"), i, dom)
		if (json_is_string(dom))
			digest_challenge(site->sh->digest, &hs, "WWW-Authenticate",
					 json_string_value(dom), stale, time(NULL), &err);
	/* each challenge line ends in CRLF: add them one by one */
	for (char *line = hs.buf, *eol; line && (eol = strstr(line, "\r\n")); line = eol + 2) {
		*eol = '\0';
		char *colon = strchr(line, ':');
		if (colon)
			http_add_header(req, "WWW-Authenticate", "%s", colon + 2);
	}
	sb_free(&hs);
	http_respond_error(req, 401, "the external site serves signed-in phones only: sign in "
			   "with the extension or SIP user and the PIN");
}

static bool pool_domain(const json_t *pool, const char *realm)
{
	size_t i;
	json_t *dom;
	json_array_foreach(json_object_get(pool, "SipDomain"), i, dom)
		if (str_ieq(json_string_value(dom), realm))
			return true;
	return false;
}

/* Whether the request carries the credentials of a user or common area
 * phone; if not, it has been answered (401, or 400 when malformed). */
static bool signed_in(struct web_site *site, struct http_request *req)
{
	struct web_shared *sh = site->sh;
	static struct digest_creds c; /* 4 KiB: not on the stack */
	struct ucsh_err err;
	const char *auth = http_header_get(&req->head, "Authorization");
	int rc = auth ? digest_creds_parse(&c, auth, strlen(auth), &err) : 1;
	if (rc < 0) {
		http_respond_error(req, 400, err.msg);
		return false;
	}
	if (rc > 0 || !pool_domain(sh->d->pool, c.realm)) {
		challenge(site, req, false);
		return false;
	}
	json_t *who = NULL, *wrong = NULL;
	enum signin_verdict v = signin_check(&sh->signin, sh->digest, &c, c.realm,
					     req->head.method_text, req->head.target, &who, &wrong,
					     &err);
	if (wrong) {
		const char *sip = str_of(wrong, "SipAddress");
		json_t *f = json_object_get(sh->failures, sip);
		if (f)
			json_object_set_new(f, "n", json_integer(int_of(f, "n", 0) + 1));
		else
			json_object_set_new(sh->failures, sip, json_pack("{s:O, s:i}", "p", wrong, "n", 1));
		flush_soon(sh);
		json_decref(wrong);
	}
	json_decref(who);
	if (v == SIGNIN_OK)
		return true;
	site->n.denied++;
	challenge(site, req, v == SIGNIN_STALE);
	return false;
}

/* ---- Routing ------------------------------------------------------------------------ */

static bool method_ok(struct http_request *req, enum route r)
{
	enum http_method m = req->head.method;
	static const char *const allow[] = { "POST", "GET, HEAD", "PUT" };
	bool ok = r == R_CHECK ? m == HTTP_POST : r == R_FILE ? m == HTTP_GET || m == HTTP_HEAD
							      : m == HTTP_PUT;
	if (!ok) {
		http_add_header(req, "Allow", "%s", allow[r]);
		http_respond_error(req, 405, "this method is not served here");
	}
	return ok;
}

static bool xml_type(const char *ct)
{
	if (!ct)
		return false;
	size_t n = strcspn(ct, "; \t");
	return (n == 8 && strncasecmp(ct, "text/xml", 8) == 0) ||
	       (n == 15 && strncasecmp(ct, "application/xml", 15) == 0);
}

static void on_head(struct http_request *req, void *arg)
{
	struct web_site *site = arg;
	const char *path = req->head.path, *rest;
	size_t pl = strlen(site->prefix);
	enum route route;
	if (str_iprefix("/CertProv/", path)) {
		if (req->head.method == HTTP_GET || req->head.method == HTTP_HEAD)
			handle_certprov(site, req, path + 10);
		else
			method_ok(req, R_FILE);
		return;
	}
	if (strncasecmp(path, site->prefix, pl) != 0 || path[pl] != '/') {
		http_respond_error(req, 404, "not a path of the Device Update web service");
		return;
	}
	rest = path + pl + 1;
	if (strcasecmp(rest, "ucdevice.upx") == 0)
		route = R_CHECK;
	else if (str_iprefix("Files/", rest))
		route = R_FILE;
	else if (str_iprefix("Logs/", rest))
		route = R_LOG;
	else {
		http_respond_error(req, 404, "not a path of the Device Update web service");
		return;
	}
	if (!method_ok(req, route) || (site->external && !signed_in(site, req)))
		return;
	if (route == R_FILE) {
		handle_file(site, req, rest + 6);
	} else if (route == R_LOG) {
		log_head(site, req, rest + 5);
	} else if (!xml_type(http_header_get(&req->head, "Content-Type"))) {
		site->n.refused++;
		http_respond_error(req, 415, "an update check is text/xml");
	} else {
		req->body_limit = UPDATE_MAX_BODY;
	}
}

static void on_request(struct http_request *req, void *arg)
{
	struct web_site *site = arg;
	struct upload *up = req->data;
	if (up) {
		log_done(site, req, up);
		upload_release(site, req);
	} else {
		handle_check(site, req);
	}
}

static void on_abort(struct http_request *req, void *arg)
{
	upload_release(arg, req);
}

/* ---- Staged rollouts ------------------------------------------------------------------ */

#define ROLLOUT_TICK_SECS 2

#define ROLLOUT_LEASE_SECS 10 /* another node takes over this long after a failure */

/* The waves move on one node of the pool at a time: the holder of the
 * "rollouts" lease (always this node on SQLite), so that no wave is begun
 * or judged twice. */
static void on_rollout_tick(evutil_socket_t fd, short what, void *arg)
{
	struct web_shared *sh = arg;
	struct ucsh_err err;
	bool held = false;
	(void)fd;
	(void)what;
	if (json_array_size(sh->rows[C_ROLLOUTS]) == 0)
		return;
	/* Waves are judged on every check-in heard: none may still wait. */
	kept_flush(sh);
	if (json_array_size(sh->checkins))
		return;
	int rc = store_job_lease(sh->d->store, "rollouts", sh->d->node, ROLLOUT_LEASE_SECS, &held,
				 &err);
	if (rc == 0 && held)
		rc = rollout_tick(sh->d->store, time(NULL), &err);
	/* a busy store: the next tick tries again */
	if (rc < 0 && store_last_error(sh->d->store) != STORE_E_BUSY)
		log_warning("rollouts: %s", err.msg);
}

/* ---- The two sites as services ------------------------------------------------------- */

/* The state both sites share, taken by each running site. */
static struct web_shared *shared_get(struct service *svc, struct ucsh_err *err)
{
	static const char *const names[] = { "DeviceUpdateInternal", "DeviceUpdateExternal" };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(names); i++) {
		struct service *other = daemon_service(svc->d, names[i]);
		struct web_site *ws = other && other != svc ? other->impl : NULL;
		if (ws && ws->sh) {
			ws->sh->refs++;
			return ws->sh;
		}
	}
	struct web_shared *sh = xcalloc(1, sizeof(*sh));
	struct timeval tick = { ROLLOUT_TICK_SECS, 0 };
	sh->d = svc->d;
	sh->refs = 1;
	sh->dir = store_dir(svc->d->store_uri);
	sh->files = json_object();
	sh->images = json_object();
	sh->test_ids = json_object();
	sh->phones = json_object();
	sh->written = json_object();
	sh->failures = json_object();
	sh->checkins = json_array();
	sh->logs = json_array();
	sh->parser = update_parser_new();
	sh->flush_ev = evtimer_new(svc->d->base, on_flush, sh);
	sh->tick_ev = event_new(svc->d->base, -1, EV_PERSIST, on_rollout_tick, sh);
	if (!sh->parser || !sh->flush_ev || !sh->tick_ev || event_add(sh->tick_ev, &tick) ||
	    !(sh->digest = digest_server_new(0, 0, err)) ||
	    signin_init(&sh->signin, svc->d->store, err)) {
		if (!*err->msg)
			err_set(err, "out of memory");
		sh->refs = 1;
		return sh; /* the caller puts it back */
	}
	cache_refresh(sh);
	return sh;
}

static void shared_put(struct web_shared *sh)
{
	if (!sh || --sh->refs > 0)
		return;
	failures_flush(sh);
	kept_flush(sh);
	inventory_flush(sh);
	if (anything_kept(sh))
		log_warning("device update: the store stayed busy; %zu check-ins, %zu log records "
			    "and %zu inventory rows are not written",
			    json_array_size(sh->checkins), json_array_size(sh->logs),
			    json_object_size(sh->phones));
	struct ucsh_err err;
	if (store_job_release(sh->d->store, "rollouts", sh->d->node, &err))
		log_warning("rollouts: cannot give the lease up: %s", err.msg);
	for (int k = 0; k < C_COUNT; k++)
		json_decref(sh->rows[k]);
	json_decref(sh->files);
	json_decref(sh->images);
	json_decref(sh->test_ids);
	json_decref(sh->phones);
	json_decref(sh->written);
	json_decref(sh->failures);
	json_decref(sh->checkins);
	json_decref(sh->logs);
	json_decref(sh->pool_seen);
	update_parser_free(sh->parser);
	if (sh->flush_ev)
		event_free(sh->flush_ev);
	if (sh->tick_ev)
		event_free(sh->tick_ev);
	digest_server_free(sh->digest);
	signin_clear(&sh->signin);
	free(sh->dir);
	free(sh);
}

/* Limits; UCSH_HTTP_TIMEOUT (seconds) shortens every timeout for tests. */
static void site_limits(struct http_limits *lim)
{
	const char *t = getenv("UCSH_HTTP_TIMEOUT"), *c = getenv("UCSH_HTTP_MAX_CONNS");
	memset(lim, 0, sizeof(*lim));
	if (t && atoi(t) > 0)
		lim->idle_timeout = lim->head_timeout = lim->body_timeout = (unsigned)atoi(t);
	if (c && atoi(c) > 0)
		lim->max_conns = (size_t)atoi(c);
}

/* The certificate of the site's use: WebServicesInternal or External. */
static struct tls_identity *site_identity(struct web_site *site)
{
	return pki_tls_identity(site->sh->d->pki,
				site->external ? PKI_USE_WEB_EXTERNAL : PKI_USE_WEB_INTERNAL);
}

static int site_listen(struct web_site *site, struct ucsh_err *err)
{
	const json_t *pool = site->sh->d->pool, *addrs = json_object_get(pool, "ListenAddress");
	if (site->sh->d->listen) /* this node's own addresses (pool members sharing a host) */
		addrs = site->sh->d->listen;
	long long http = int_of(pool, site->external ? "ExternalHttpPort" : "InternalHttpPort", 0);
	long long https = int_of(pool, site->external ? "ExternalHttpsPort" : "InternalHttpsPort", 0);
	size_t i, n = json_array_size(addrs);
	if (https > 0) {
		SSL_CTX *tls = tls_identity_ctx(site_identity(site));
		if (!tls)
			return err_set(err, "HTTPS port %lld has no certificate: %s", https,
				       site->sh->d->pki_error[0] ? site->sh->d->pki_error
				       : "none is assigned to the site's use");
		http_server_set_tls(site->http, tls);
	}
	for (i = 0; i < (n ? n : 1); i++) {
		const char *a = n ? json_string_value(json_array_get(addrs, i)) : NULL;
		if ((http > 0 && http_server_listen(site->http, a, (unsigned)http, false, err)) ||
		    (https > 0 && http_server_listen(site->http, a, (unsigned)https, true, err)))
			return -1;
	}
	return 0;
}

static int site_start(struct service *svc, bool external, struct ucsh_err *err)
{
	struct web_site *site = svc->impl ? svc->impl : xcalloc(1, sizeof(*site));
	struct http_limits lim;
	struct http_handler h = { on_head, on_request, on_abort, site };
	svc->impl = site;
	memset(&site->n, 0, sizeof(site->n));
	site->external = external;
	site->prefix = external ? "/RequestHandlerExt" : "/RequestHandler";
	if (!site->answers)
		site->answers = json_object();
	err_clear(err);
	site->sh = shared_get(svc, err);
	site_limits(&lim);
	site->http = http_server_new(svc->d->base, svc->ops->name, &lim, &h);
	if (*err->msg || site_listen(site, err)) {
		http_server_free(site->http);
		site->http = NULL;
		shared_put(site->sh);
		site->sh = NULL;
		return -1;
	}
	return 0;
}

static int internal_start(struct service *svc, struct ucsh_err *err)
{
	return site_start(svc, false, err);
}

static int external_start(struct service *svc, struct ucsh_err *err)
{
	return site_start(svc, true, err);
}

static void site_stop(struct service *svc)
{
	struct web_site *site = svc->impl;
	if (!site || !site->http)
		return;
	http_server_free(site->http);
	site->http = NULL;
	shared_put(site->sh);
	site->sh = NULL;
}

static void site_reload(struct service *svc)
{
	struct web_site *site = svc->impl;
	if (!site || !site->sh)
		return;
	cache_refresh(site->sh);
	if (!json_equal(site->sh->pool_seen, site->sh->d->pool)) {
		/* the pool's names and ports are in the answers */
		json_decref(site->sh->pool_seen);
		site->sh->pool_seen = json_deep_copy(site->sh->d->pool);
		site->sh->generation++;
	}
	signin_refresh(&site->sh->signin);
	/* a renewed or reassigned certificate: the daemon refreshed the
	 * certificates before this reload; new connections get it */
	SSL_CTX *tls = tls_identity_ctx(site_identity(site));
	if (tls && site->http)
		http_server_set_tls(site->http, tls);
}

static json_t *site_status(struct service *svc)
{
	struct web_site *site = svc->impl;
	struct http_stats st;
	if (!site || !site->http)
		return NULL;
	http_server_stats(site->http, &st);
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "Listen",
			 http_server_listeners(site->http), "Connections", (json_int_t)st.conns,
			 "Requests", (json_int_t)st.requests, "UpdateChecks",
			 (json_int_t)site->n.checks, "UpdatesOffered", (json_int_t)site->n.offered,
			 "Downloads", (json_int_t)site->n.downloads, "NotModified",
			 (json_int_t)site->n.not_modified, "LogUploads", (json_int_t)site->n.uploads,
			 "Refused", (json_int_t)site->n.refused, "SignInsDenied",
			 (json_int_t)site->n.denied, "BadRequests", (json_int_t)st.bad_requests,
			 "Timeouts", (json_int_t)st.timeouts);
}

static void site_destroy(struct service *svc)
{
	struct web_site *site = svc->impl;
	if (site)
		json_decref(site->answers);
	free(svc->impl);
	svc->impl = NULL;
}

const struct service_ops devupdate_internal_ops = {
	.name = "DeviceUpdateInternal",
	.summary = "Device Update web service, internal site: update checks, images, logs",
	.start = internal_start,
	.stop = site_stop,
	.reload = site_reload,
	.status = site_status,
	.destroy = site_destroy,
};

const struct service_ops devupdate_external_ops = {
	.name = "DeviceUpdateExternal",
	.summary = "Device Update web service, external site: the same for signed-in phones",
	.start = external_start,
	.stop = site_stop,
	.reload = site_reload,
	.status = site_status,
	.destroy = site_destroy,
};
