/* rollout: staged rollouts (see rollout.h). */
#include "config.h"

#include "rollout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"
#include "store.h"
#include "value.h"

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static double num_of(const json_t *o, const char *k, double dflt)
{
	json_t *v = json_object_get(o, k);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

static bool version_eq(const char *a, const char *b)
{
	return a && b && value_version_cmp(a, b) == 0;
}

const json_t *rollout_for_rule(const json_t *rollouts, const json_t *rule)
{
	size_t i;
	json_t *ro;
	const char *rule_id = str_of(rule, "Identity");
	json_array_foreach(rollouts, i, ro)
		if (str_ieq(str_of(ro, "Rule"), rule_id) && !str_ieq(str_of(ro, "Status"), "Completed") &&
		    version_eq(str_of(ro, "Version"), str_of(rule, "ApprovedVersion")))
			return ro;
	return NULL;
}

bool rollout_includes(const char *rollout_id, const char *mac, double pct)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *text = xasprintf("%s/%s", rollout_id, mac);
	EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL);
	free(text);
	uint32_t x = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
	return (double)x / 4294967296.0 * 100.0 < pct;
}

static double wave_percent(const json_t *ro, long w)
{
	json_t *v = json_array_get(json_object_get(ro, "Waves"), (size_t)w);
	return json_is_number(v) ? json_number_value(v) : 0;
}

static bool site_included(const json_t *ro, const char *site)
{
	const json_t *sites = json_object_get(ro, "Site");
	size_t i;
	json_t *s;
	if (json_array_size(sites) == 0)
		return true;
	json_array_foreach(sites, i, s)
		if (site && str_ieq(json_string_value(s), site))
			return true;
	return false;
}

enum rollout_verdict rollout_decide(const json_t *ro, const char *mac, const char *site)
{
	const char *status = str_of(ro, "Status");
	if (str_ieq(status, "Completed"))
		return ROLLOUT_NONE;
	if (!str_ieq(status, "Running") || !site_included(ro, site))
		return ROLLOUT_HOLD;
	long w = (long)json_integer_value(json_object_get(ro, "CurrentWave"));
	return rollout_includes(str_of(ro, "Identity"), mac, wave_percent(ro, w)) ? ROLLOUT_OFFER
										  : ROLLOUT_HOLD;
}

/* ---- Check-ins --------------------------------------------------------------- */

static char *target_id(const json_t *ro, const char *mac)
{
	return xasprintf("%s/%s", str_of(ro, "Identity"), mac);
}

/* What a check-in changes of a target's outcome; NULL: nothing. */
static json_t *checkin_change(const json_t *ro, const json_t *t, const char *version, bool offered,
			      const char *now)
{
	const char *outcome = str_of(t, "Outcome");
	bool is_new = version_eq(version, str_of(ro, "Version"));
	if (str_ieq(outcome, "Pending") && is_new)
		return json_pack("{s:s, s:s, s:s}", "Outcome", "Updated", "Offered", now, "Updated", now);
	if (str_ieq(outcome, "Pending") && offered)
		return json_pack("{s:s, s:s}", "Outcome", "Offered", "Offered", now);
	if (str_ieq(outcome, "Offered") && is_new)
		return json_pack("{s:s, s:s}", "Outcome", "Updated", "Updated", now);
	if (str_ieq(outcome, "Offered"))
		return json_pack("{s:s, s:s}", "Outcome", "Failed", "Reason",
				 "checked in again still running the old version");
	return NULL;
}

int rollout_checkin(struct store *st, const json_t *ro, const char *mac, const char *version,
		    bool offered, time_t now)
{
	struct ucsh_err err;
	char ts[STORE_TIMESTAMP_LEN];
	char *id = target_id(ro, mac);
	json_t *t = NULL, *ch = NULL;
	store_timestamp(now, ts);
	int found = store_get(st, "DeviceRolloutTarget", id, &t, &err);
	int rc = 0;
	if (found == 0 && offered) {
		ch = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "Identity", id, "Rollout",
			       str_of(ro, "Identity"), "MacAddress", mac, "Wave",
			       json_integer_value(json_object_get(ro, "CurrentWave")), "Outcome",
			       "Offered", "Offered", ts);
		rc = store_insert(st, "DeviceRolloutTarget", ch, &err);
	} else if (found == 1 && (ch = checkin_change(ro, t, version, offered, ts))) {
		rc = store_update(st, "DeviceRolloutTarget", id, ch, &err) < 0 ? -1 : 0;
	}
	bool busy = (found < 0 || rc) && store_last_error(st) == STORE_E_BUSY;
	if ((found < 0 || rc) && !busy)
		log_warning("rollout %s: the check-in of %s is not recorded: %s",
			    str_of(ro, "Identity"), mac, err.msg);
	json_decref(ch);
	json_decref(t);
	free(id);
	return busy ? -1 : 0;
}

/* ---- The periodic step --------------------------------------------------------- */

struct wave_count {
	long targets, succeeded, failed, pending;
};

static time_t time_of(const json_t *o, const char *k)
{
	time_t t = 0;
	const char *s = str_of(o, k);
	return s && store_timestamp_parse(s, &t) == 0 ? t : 0;
}

static bool phone_matches(const json_t *ro, const json_t *rule, const json_t *phone)
{
	static const char *const props[] = { "Brand", "Revision", "Locale" };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(props); i++) {
		const char *want = str_of(rule, props[i]), *have = str_of(phone, props[i]);
		if (want && *want && have && *have && !str_ieq(want, have))
			return false;
	}
	return site_included(ro, str_of(phone, "Site"));
}

/* Whether the phone is a target already with an outcome to keep: one
 * offered at a check-in before this step, or done. A failed one is made
 * pending again (a resumed wave gives it another chance). */
static bool target_kept(struct store *st, const json_t *ro, const char *mac)
{
	struct ucsh_err err;
	char *tid = target_id(ro, mac);
	json_t *t = NULL;
	bool keep = store_get(st, "DeviceRolloutTarget", tid, &t, &err) == 1 &&
		    !str_ieq(str_of(t, "Outcome"), "Failed");
	json_decref(t);
	free(tid);
	return keep;
}

/* A wave begins: the inventory's matching phones of its share become
 * targets; those already running the version count as succeeded. */
static int wave_start(struct store *st, const json_t *ro, const json_t *rule, long w,
		      struct ucsh_err *err)
{
	struct store_cursor *cur;
	json_t *phone, *filter = json_pack("[{s:s, s:s, s:O}]", "Property", "Model", "Op", "eq",
					   "Value", json_object_get(rule, "Model"));
	double pct = wave_percent(ro, w), prev = w > 0 ? wave_percent(ro, w - 1) : 0;
	const char *id = str_of(ro, "Identity");
	int rc = store_query(st, "Phone", filter, NULL, &cur, err);
	json_decref(filter);
	while (rc == 0 && (rc = store_cursor_next(cur, &phone, err)) == 1) {
		const char *mac = str_of(phone, "MacAddress");
		rc = 0;
		if (phone_matches(ro, rule, phone) && rollout_includes(id, mac, pct) &&
		    !rollout_includes(id, mac, prev) && !target_kept(st, ro, mac)) {
			char *tid = target_id(ro, mac);
			bool done = version_eq(str_of(phone, "FirmwareVersion"), str_of(ro, "Version"));
			json_t *t = json_pack("{s:s, s:s, s:s, s:I, s:s}", "Identity", tid, "Rollout", id,
					      "MacAddress", mac, "Wave", (json_int_t)w, "Outcome",
					      done ? "Succeeded" : "Pending");
			rc = store_upsert(st, "DeviceRolloutTarget", t, err);
			json_decref(t);
			free(tid);
		}
		json_decref(phone);
	}
	store_cursor_free(cur);
	return rc < 0 ? -1 : 0;
}

/* Settle the outcome of one target of the current wave. */
static int target_settle(struct store *st, const json_t *t, bool over, struct wave_count *n,
			 struct ucsh_err *err)
{
	const char *outcome = str_of(t, "Outcome");
	json_t *ch = NULL, *phone = NULL;
	if (str_ieq(outcome, "Updated") &&
	    store_get(st, "Phone", str_of(t, "MacAddress"), &phone, err) == 1 &&
	    time_of(phone, "LastRegistered") >= time_of(t, "Offered") &&
	    time_of(phone, "LastRegistered") > 0)
		ch = json_pack("{s:s}", "Outcome", (outcome = "Succeeded"));
	else if (over && !str_ieq(outcome, "Succeeded") && !str_ieq(outcome, "Failed"))
		ch = json_pack("{s:s, s:s}", "Outcome", (outcome = "Failed"), "Reason",
			       str_ieq(str_of(t, "Outcome"), "Updated")
				       ? "updated, but did not register again in time"
				       : "did not update within the wave interval");
	json_decref(phone);
	int rc = ch ? store_update(st, "DeviceRolloutTarget", str_of(t, "Identity"), ch, err) : 0;
	json_decref(ch);
	n->targets++;
	if (str_ieq(outcome, "Succeeded"))
		n->succeeded++;
	else if (str_ieq(outcome, "Failed"))
		n->failed++;
	else
		n->pending++;
	return rc < 0 ? -1 : 0;
}

static int wave_count(struct store *st, const json_t *ro, long w, bool over,
		      struct wave_count *n, struct ucsh_err *err)
{
	struct store_cursor *cur;
	json_t *t, *filter = json_pack("[{s:s, s:s, s:O}, {s:s, s:s, s:I}]", "Property", "Rollout",
				       "Op", "eq", "Value", json_object_get(ro, "Identity"),
				       "Property", "Wave", "Op", "eq", "Value", (json_int_t)w);
	int rc = store_query(st, "DeviceRolloutTarget", filter, NULL, &cur, err);
	json_decref(filter);
	memset(n, 0, sizeof(*n));
	while (rc == 0 && (rc = store_cursor_next(cur, &t, err)) == 1) {
		rc = target_settle(st, t, over, n, err);
		json_decref(t);
	}
	store_cursor_free(cur);
	return rc < 0 ? -1 : 0;
}

/* The rollout's Progress with wave w's counts and the reason given. */
static json_t *progress_with(const json_t *ro, long w, const struct wave_count *n,
			     const char *reason)
{
	json_t *p = json_deep_copy(json_object_get(ro, "Progress"));
	if (!json_is_object(p)) {
		json_decref(p);
		p = json_object();
	}
	json_t *waves = json_object_get(p, "Waves");
	if (!json_is_array(waves))
		json_object_set_new(p, "Waves", waves = json_array());
	while ((long)json_array_size(waves) <= w)
		json_array_append_new(waves, json_null());
	json_array_set_new(waves, (size_t)w,
			   json_pack("{s:I, s:f, s:I, s:I, s:I, s:I}", "Wave", (json_int_t)w + 1,
				     "Percent", wave_percent(ro, w), "Targets", (json_int_t)n->targets,
				     "Succeeded", (json_int_t)n->succeeded, "Failed",
				     (json_int_t)n->failed, "Pending", (json_int_t)n->pending));
	if (reason)
		json_object_set_new(p, "Reason", json_string(reason));
	return p;
}

/* What becomes of a running rollout after wave w's count: changes to it. */
static json_t *rollout_next(const json_t *ro, long w, const struct wave_count *n, bool over,
			    char reason[256])
{
	double fail_pct = n->targets ? 100.0 * (double)n->failed / (double)n->targets : 0;
	double ok_pct = n->targets ? 100.0 * (double)n->succeeded / (double)n->targets : 100;
	double err_max = num_of(ro, "ErrorThreshold", 5), ok_min = num_of(ro, "SuccessThreshold", 95);
	size_t nwaves = json_array_size(json_object_get(ro, "Waves"));
	reason[0] = '\0';
	if (fail_pct > err_max) {
		snprintf(reason, 256, "wave %ld: %.1f%% of %ld phones failed, more than the error "
			 "threshold of %g%%", w + 1, fail_pct, n->targets, err_max);
		return json_pack("{s:s}", "Status", "Suspended");
	}
	if (!over && n->pending > 0)
		return NULL; /* phones of this wave may still update */
	if (ok_pct < ok_min && !over)
		return NULL; /* every phone has an outcome, but the error threshold allows waiting */
	if (ok_pct < ok_min) {
		snprintf(reason, 256, "wave %ld: %.1f%% of %ld phones succeeded, less than the "
			 "success threshold of %g%%", w + 1, ok_pct, n->targets, ok_min);
		return json_pack("{s:s}", "Status", "Suspended");
	}
	if ((size_t)w + 1 >= nwaves) {
		snprintf(reason, 256, "every wave succeeded");
		return json_pack("{s:s}", "Status", "Completed");
	}
	return json_pack("{s:I, s:n}", "CurrentWave", (json_int_t)w + 1, "WaveStarted");
}

static int tick_one(struct store *st, const json_t *ro, time_t now, struct ucsh_err *err)
{
	char ts[STORE_TIMESTAMP_LEN], reason[256] = "";
	json_t *rule = NULL, *ch = NULL;
	long w = (long)json_integer_value(json_object_get(ro, "CurrentWave"));
	const char *id = str_of(ro, "Identity");
	int rc = store_get(st, "DeviceUpdateRule", str_of(ro, "Rule"), &rule, err);
	store_timestamp(now, ts);
	if (rc != 1) {
		json_decref(rule);
		return rc < 0 ? -1 : 0;
	}
	if (!version_eq(str_of(rule, "ApprovedVersion"), str_of(ro, "Version"))) {
		ch = json_pack("{s:s, s:o}", "Status", "Stopped", "Progress",
			       progress_with(ro, w, &(struct wave_count){ 0 },
					     "the rule's approved version changed"));
	} else if (!str_of(ro, "WaveStarted")) {
		rc = wave_start(st, ro, rule, w, err);
		ch = json_pack("{s:s}", "WaveStarted", ts);
		log_notice("rollout %s: wave %ld (%g%%) begins", id, w + 1, wave_percent(ro, w));
	} else {
		struct wave_count n;
		bool over = now >= time_of(ro, "WaveStarted") +
					   (time_t)json_integer_value(json_object_get(ro, "WaveInterval"));
		rc = wave_count(st, ro, w, over, &n, err);
		ch = rc ? NULL : rollout_next(ro, w, &n, over, reason);
		if (!ch)
			ch = json_object();
		json_object_set_new(ch, "Progress", progress_with(ro, w, &n, *reason ? reason : NULL));
		if (*reason)
			log_notice("rollout %s: %s", id, reason);
	}
	if (rc == 0 && ch && store_update(st, "DeviceRollout", id, ch, err) < 0)
		rc = -1;
	json_decref(ch);
	json_decref(rule);
	return rc;
}

int rollout_tick(struct store *st, time_t now, struct ucsh_err *err)
{
	struct store_cursor *cur;
	json_t *ro, *filter = json_pack("[{s:s, s:s, s:s}]", "Property", "Status", "Op", "eq",
					"Value", "Running");
	json_t *running = json_array();
	int rc = store_query(st, "DeviceRollout", filter, NULL, &cur, err);
	json_decref(filter);
	while (rc == 0 && (rc = store_cursor_next(cur, &ro, err)) == 1) {
		json_array_append_new(running, ro);
		rc = 0;
	}
	store_cursor_free(cur);
	size_t i;
	json_array_foreach(running, i, ro) {
		if (rc < 0)
			break;
		if (store_begin(st, err))
			rc = -1;
		else if (tick_one(st, ro, now, err) == 0)
			rc = store_commit(st, err);
		else
			store_rollback(st, NULL), rc = -1;
	}
	json_decref(running);
	return rc < 0 ? -1 : 0;
}
