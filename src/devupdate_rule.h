/*
 * devupdate_rule: device update rules, as Lync has them. A rule names one
 * kind of device (UpdateType, Brand, Model, Revision, Locale) on one web
 * service and three versions of its firmware:
 *   PendingVersion   imported, not approved: only test devices get it;
 *   ApprovedVersion  what every other device gets;
 *   RestoreVersion   the approved version before the last approval.
 * Import makes a new image pending; Approve moves pending to approved
 * (keeping the old approved as restore); Restore moves restore back to
 * approved; Reset drops pending.
 *
 * The pure functions here decide what a device is offered and which rule
 * is a device's; the web service calls them on every update check, and the
 * rule cmdlets use the transitions. Rules are JSON objects as the store
 * returns them (kind DeviceUpdateRule).
 */
#ifndef UCSH_DEVUPDATE_RULE_H
#define UCSH_DEVUPDATE_RULE_H

#include <jansson.h>
#include <stdbool.h>

#include "store.h"
#include "util.h"

/* What a device says it is (any field may be NULL: it then matches nothing). */
struct devupdate_device {
	const char *update_type, *brand, *model, *revision, *locale;
};

/* The version to offer a device under rule: a test device gets the
 * PendingVersion when there is one, else (and every other device) the
 * ApprovedVersion; NULL when the rule has none. Borrowed from rule. */
const char *devupdate_rule_offer(const json_t *rule, bool test_device);

/* Is rule the one for dev: UpdateType, Brand, Model, Revision and Locale
 * all equal, case-insensitively? */
bool devupdate_rule_matches(const json_t *rule, const struct devupdate_device *dev);

/* The first rule of the array rules that matches dev, or NULL. Borrowed. */
const json_t *devupdate_rule_find(const json_t *rules, const struct devupdate_device *dev);

/* The web service a rule belongs to: "service:WebServer:<pool>". Caller frees. */
char *devupdate_service_identity(const char *pool);
/* A new rule identity "service:WebServer:<pool>/<random GUID>". Caller
 * frees; NULL when OpenSSL has no random numbers. */
char *devupdate_rule_new_identity(const char *pool);

/*
 * The rule of the web service of pool that matches dev, from the store:
 * *rule a new reference, or NULL when there is none. 0, or -1 with err.
 */
int devupdate_rule_lookup(struct store *st, const char *pool, const struct devupdate_device *dev,
			  json_t **rule, struct ucsh_err *err);

/*
 * Is the device with this MAC address (any spelling; may be NULL) or serial
 * number (may be NULL) a test device (kind TestDevice) of the Global scope
 * or of site (a Site identity such as "Site:Redmond"; NULL: Global only)?
 * 0 with *yes set, or -1 with err.
 */
int devupdate_is_test_device(struct store *st, const char *mac, const char *serial,
			     const char *site, bool *yes, struct ucsh_err *err);

/* Whether the test device (a TestDevice row) applies to a phone of site
 * (a Site identity; NULL: none known): a Global one always, a site's one
 * to that site's phones. */
bool devupdate_test_device_covers(const json_t *test_device, const char *site);

enum devupdate_action {
	DEVUPDATE_APPROVE,  /* pending -> approved, approved -> restore */
	DEVUPDATE_RESTORE,  /* restore -> approved */
	DEVUPDATE_RESET,    /* pending dropped */
};

/*
 * The changes (a new object for store_update) that action makes to rule.
 * Approving with no PendingVersion, or restoring with no RestoreVersion, is
 * an error naming the rule. Resetting with nothing pending gives no changes
 * (an empty object). 0, or -1 with err.
 */
int devupdate_rule_transition(const json_t *rule, enum devupdate_action action, json_t **changes,
			      struct ucsh_err *err);

/*
 * Make version the PendingVersion of pool's rule for the image fields
 * (UpdateType, Brand, Model, Revision, Locale, Version, as pkg_field
 * orders them), creating the rule when there is none. A version that is
 * already the ApprovedVersion changes nothing. *rule: a new reference to the
 * rule as stored; *changed: whether it was created or changed. Runs inside
 * the caller's transaction when there is one. 0, or -1 with err.
 */
int devupdate_rule_set_pending(struct store *st, const char *pool, const char *const fields[6],
			       json_t **rule, bool *changed, struct ucsh_err *err);

#endif
