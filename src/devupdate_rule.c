/*
 * devupdate_rule: which version a device gets, which rule is a device's,
 * and the moves between a rule's versions. See devupdate_rule.h.
 */
#include "config.h"
#include "devupdate_rule.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mac.h"

#define RULE_FIELDS 5 /* UpdateType .. Locale: what a device and a rule both name */
static const char *const rule_fields[RULE_FIELDS] = {
	"UpdateType", "Brand", "Model", "Revision", "Locale",
};

static const char *text_of(const json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));
	return s && *s ? s : NULL;
}

const char *devupdate_rule_offer(const json_t *rule, bool test_device)
{
	const char *pending = text_of(rule, "PendingVersion");
	if (test_device && pending)
		return pending;
	return text_of(rule, "ApprovedVersion");
}

static const char *device_field(const struct devupdate_device *dev, size_t i)
{
	const char *v[RULE_FIELDS] = { dev->update_type, dev->brand, dev->model, dev->revision,
				       dev->locale };
	return v[i];
}

bool devupdate_rule_matches(const json_t *rule, const struct devupdate_device *dev)
{
	for (size_t i = 0; i < RULE_FIELDS; i++) {
		const char *r = text_of(rule, rule_fields[i]), *d = device_field(dev, i);
		if (!r || !d || strcasecmp(r, d) != 0)
			return false;
	}
	return true;
}

const json_t *devupdate_rule_find(const json_t *rules, const struct devupdate_device *dev)
{
	size_t i;
	const json_t *rule;
	json_array_foreach(rules, i, rule)
		if (devupdate_rule_matches(rule, dev))
			return rule;
	return NULL;
}

char *devupdate_service_identity(const char *pool)
{
	return xasprintf("service:WebServer:%s", pool);
}

char *devupdate_rule_new_identity(const char *pool)
{
	unsigned char g[16];
	if (RAND_bytes(g, sizeof(g)) != 1)
		return NULL;
	g[6] = (unsigned char)((g[6] & 0x0f) | 0x40); /* a version 4 (random) GUID */
	g[8] = (unsigned char)((g[8] & 0x3f) | 0x80);
	return xasprintf("service:WebServer:%s/%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x%02x%02x%02x%02x", pool, g[0], g[1], g[2], g[3], g[4], g[5], g[6],
			 g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* Identity escaped for a like pattern: the rules of pool's web service. */
static char *service_rules_pattern(const char *pool)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "service:WebServer:");
	for (const char *p = pool; *p; p++) {
		if (strchr("*?[]`", *p))
			sb_addc(&sb, '`');
		sb_addc(&sb, *p);
	}
	sb_adds(&sb, "/*");
	return sb_detach(&sb);
}

int devupdate_rule_lookup(struct store *st, const char *pool, const struct devupdate_device *dev,
			  json_t **rule, struct ucsh_err *err)
{
	*rule = NULL;
	if (!dev->model)
		return 0;
	char *pattern = service_rules_pattern(pool);
	/* Model is indexed; the store compares text case-insensitively */
	json_t *filter = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "Property", "Identity", "Op",
				   "like", "Value", pattern, "Property", "Model", "Op", "eq", "Value",
				   dev->model);
	struct store_cursor *cur;
	json_t *obj;
	int rc = store_query(st, "DeviceUpdateRule", filter, NULL, &cur, err);
	json_decref(filter);
	free(pattern);
	if (rc)
		return -1;
	while (!*rule && (rc = store_cursor_next(cur, &obj, err)) == 1) {
		if (devupdate_rule_matches(obj, dev))
			*rule = obj;
		else
			json_decref(obj);
	}
	store_cursor_free(cur);
	return rc < 0 ? -1 : 0;
}

/* Does the TestDevice's scope (Identity "Global/Name" or "Site:X/Name") cover site? */
static bool scope_covers(const char *identity, const char *site)
{
	const char *slash = identity ? strrchr(identity, '/') : NULL;
	if (!slash)
		return false;
	size_t n = (size_t)(slash - identity);
	if (n == 6 && strncasecmp(identity, "Global", 6) == 0)
		return true;
	return site && strlen(site) == n && strncasecmp(identity, site, n) == 0;
}

bool devupdate_test_device_covers(const json_t *test_device, const char *site)
{
	return scope_covers(text_of(test_device, "Identity"), site);
}

/* Test devices of type whose Identifier is id: does one cover site? */
static int any_covers(struct store *st, const char *type, const char *id, const char *site,
		      bool *yes, struct ucsh_err *err)
{
	json_t *filter = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "Property", "Identifier",
				   "Op", "eq", "Value", id, "Property", "IdentifierType", "Op", "eq",
				   "Value", type);
	struct store_cursor *cur;
	json_t *obj;
	int rc = store_query(st, "TestDevice", filter, NULL, &cur, err);
	json_decref(filter);
	if (rc)
		return -1;
	while (!*yes && (rc = store_cursor_next(cur, &obj, err)) == 1) {
		*yes = scope_covers(text_of(obj, "Identity"), site);
		json_decref(obj);
	}
	store_cursor_free(cur);
	return rc < 0 ? -1 : 0;
}

int devupdate_is_test_device(struct store *st, const char *mac, const char *serial,
			     const char *site, bool *yes, struct ucsh_err *err)
{
	char canon[MAC_STR_LEN];
	struct ucsh_err ignored;
	*yes = false;
	if (mac && mac_canonical(mac, canon, &ignored) == 0 &&
	    any_covers(st, "MacAddress", canon, site, yes, err) < 0)
		return -1;
	if (!*yes && serial && *serial && any_covers(st, "SerialNumber", serial, site, yes, err) < 0)
		return -1;
	return 0;
}

int devupdate_rule_transition(const json_t *rule, enum devupdate_action action, json_t **changes,
			      struct ucsh_err *err)
{
	const char *id = text_of(rule, "Identity");
	const char *pending = text_of(rule, "PendingVersion");
	const char *approved = text_of(rule, "ApprovedVersion");
	const char *restore = text_of(rule, "RestoreVersion");
	*changes = NULL;
	switch (action) {
	case DEVUPDATE_APPROVE:
		if (!pending) {
			err_set(err, "the device update rule '%s' has no PendingVersion to approve",
				id ? id : "");
			return err_hint(err, "Import-CsDeviceUpdate makes an image pending");
		}
		*changes = json_pack("{s:s, s:o, s:n}", "ApprovedVersion", pending, "RestoreVersion",
				     approved ? json_string(approved) : json_null(), "PendingVersion");
		return 0;
	case DEVUPDATE_RESTORE:
		if (!restore) {
			err_set(err, "the device update rule '%s' has no RestoreVersion to go back to",
				id ? id : "");
			return err_hint(err, "a rule has one after Approve-CsDeviceUpdateRule replaced "
					     "an approved version");
		}
		*changes = json_pack("{s:s, s:n}", "ApprovedVersion", restore, "RestoreVersion");
		return 0;
	case DEVUPDATE_RESET:
		*changes = pending ? json_pack("{s:n}", "PendingVersion") : json_object();
		return 0;
	}
	return err_set(err, "unknown device update rule action");
}

int devupdate_rule_set_pending(struct store *st, const char *pool, const char *const fields[6],
			       json_t **rule, bool *changed, struct ucsh_err *err)
{
	struct devupdate_device dev = { fields[0], fields[1], fields[2], fields[3], fields[4] };
	const char *version = fields[5];
	json_t *cur = NULL;
	char *id = NULL;
	int rc = -1;
	*rule = NULL;
	*changed = false;
	if (devupdate_rule_lookup(st, pool, &dev, &cur, err) < 0)
		return -1;
	if (cur) {
		json_t *approved = json_object_get(cur, "ApprovedVersion");
		json_t *pending = json_object_get(cur, "PendingVersion");
		id = xstrdup(text_of(cur, "Identity"));
		if ((json_is_string(approved) && strcasecmp(json_string_value(approved), version) == 0) ||
		    (json_is_string(pending) && strcasecmp(json_string_value(pending), version) == 0)) {
			*rule = cur;
			free(id);
			return 0;
		}
		json_t *changes = json_pack("{s:s}", "PendingVersion", version);
		rc = store_update(st, "DeviceUpdateRule", id, changes, err) == 1 ? 0 : -1;
		json_decref(changes);
	} else {
		if (!(id = devupdate_rule_new_identity(pool)))
			return err_set(err, "no random numbers for a rule identity (OpenSSL)");
		json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Identity", id,
					"UpdateType", fields[0], "Brand", fields[1], "Model", fields[2],
					"Revision", fields[3], "Locale", fields[4], "PendingVersion",
					version);
		rc = store_insert(st, "DeviceUpdateRule", obj, err);
		json_decref(obj);
	}
	json_decref(cur);
	if (rc == 0 && store_get(st, "DeviceUpdateRule", id, rule, err) != 1)
		rc = err_set(err, "the device update rule '%s' cannot be read back", id);
	*changed = rc == 0;
	free(id);
	return rc;
}
