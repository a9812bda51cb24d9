/* signin: digest sign-in by SIP user or extension and PIN (see signin.h). */
#include "config.h"

#include "signin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "sip.h"
#include "store.h"

#define MAX_NAME 256

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long int_of(const json_t *o, const char *k, long dflt)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

static void add_ext(json_t *map, const json_t *principal)
{
	const char *line = str_of(principal, "LineURI"), *sip = str_of(principal, "SipAddress");
	const char *ext = line ? strstr(line, ";ext=") : NULL;
	if (!ext || !sip)
		return;
	json_t *list = json_object_get(map, ext + 5);
	if (!list)
		json_object_set_new(map, ext + 5, list = json_array());
	json_array_append_new(list, json_string(sip));
}

/* Extension -> SIP addresses, read again when users or common area phones
 * changed: so that signing in by extension needs no scan of the users. */
static int ext_map_refresh(struct signin *s, struct ucsh_err *err)
{
	static const char *const kinds[] = { "User", "CommonAreaPhone" };
	long long us, cs;
	if (store_changes(s->st, "User", &us, err) ||
	    store_changes(s->st, "CommonAreaPhone", &cs, err))
		return -1;
	if (s->ext_map && us == s->user_seq && cs == s->cap_seq)
		return 0;
	json_t *map = json_object();
	for (size_t k = 0; k < UCSH_ARRAY_LEN(kinds); k++) {
		struct store_cursor *cur;
		json_t *row;
		json_t *filter = json_pack("[{s:s, s:s, s:s}]", "Property", "LineURI", "Op", "like",
					   "Value", "*;ext=*");
		int rc = store_query(s->st, kinds[k], filter, NULL, &cur, err);
		json_decref(filter);
		if (rc) {
			json_decref(map);
			return -1;
		}
		while ((rc = store_cursor_next(cur, &row, err)) == 1) {
			add_ext(map, row);
			json_decref(row);
		}
		store_cursor_free(cur);
	}
	json_decref(s->ext_map);
	s->ext_map = map;
	s->user_seq = us;
	s->cap_seq = cs;
	return 0;
}

/* The user or common area phone at sip; new reference or NULL. */
static json_t *principal_get_sip(struct signin *s, const char *sip)
{
	struct ucsh_err err;
	json_t *p = NULL;
	if (store_get(s->st, "User", sip, &p, &err) == 1)
		return p;
	if (store_get(s->st, "CommonAreaPhone", sip, &p, &err) == 1)
		return p;
	return NULL;
}

/* Who signs in as name (SIP user part or extension) in domain: new
 * reference or NULL. */
json_t *signin_principal_find(struct signin *s, const char *name, const char *domain)
{
	struct ucsh_err err;
	if (!*name || strlen(name) > MAX_NAME)
		return NULL;
	char *sip = xasprintf("sip:%s@%s", name, domain);
	json_t *p = principal_get_sip(s, sip);
	free(sip);
	if (p || ext_map_refresh(s, &err))
		return p;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(s->ext_map, name), i, v) {
		const char *addr = json_string_value(v), *at = strrchr(addr, '@');
		if (at && strcasecmp(at + 1, domain) == 0)
			return principal_get_sip(s, addr);
	}
	return NULL;
}

/* MaximumLogonAttempts of the principal's PIN policy (see registrar.h for the default). */
static long max_attempts(struct signin *s, const json_t *principal)
{
	struct ucsh_err err;
	json_t *pol = NULL;
	const char *own = str_of(principal, "PinPolicy");
	if (!own || store_get(s->st, "PinPolicy", own, &pol, &err) != 1)
		store_get(s->st, "PinPolicy", "Global", &pol, &err);
	long max = int_of(pol, "MaximumLogonAttempts", 0);
	if (max <= 0)
		max = int_of(pol, "MinPasswordLength", 5) <= 4 ? 10 : 25;
	json_decref(pol);
	return max;
}

/* Count n wrong PINs and lock at the policy's limit. Its own transaction:
 * failures are rare and must count even if nothing else commits. */
int signin_record_failure(struct signin *s, const json_t *principal, long n)
{
	struct ucsh_err err;
	struct store *st = s->st;
	const char *sip = str_of(principal, "SipAddress");
	long max = max_attempts(s, principal);
	json_t *pin = NULL;
	int rc = 0;
	if (store_begin(st, &err)) {
		if (store_last_error(st) == STORE_E_BUSY)
			rc = -1;
		else
			log_warning("the wrong PINs of %s are not counted: %s", sip, err.msg);
		goto out;
	}
	if (store_get(st, "ClientPin", sip, &pin, &err) == 1 &&
	    !json_is_true(json_object_get(pin, "IsLockedOut"))) {
		long failed = int_of(pin, "FailedAttempts", 0) + n;
		json_t *ch = json_pack("{s:I, s:b}", "FailedAttempts", (json_int_t)failed,
				       "IsLockedOut", failed >= max);
		store_update(st, "ClientPin", sip, ch, &err);
		json_decref(ch);
		if (failed >= max)
			log_notice("the PIN of %s is locked after %ld failed sign-ins", sip, failed);
	}
	if (store_commit(st, &err) == 0)
		goto out;
	store_rollback(st, NULL);
	log_warning("the wrong PINs of %s are not counted: %s", sip, err.msg);
out:
	json_decref(pin);
	return rc;
}

static void reset_failures(struct signin *s, const json_t *principal, const json_t *pin)
{
	struct ucsh_err err;
	if (int_of(pin, "FailedAttempts", 0) == 0)
		return;
	json_t *ch = json_pack("{s:i}", "FailedAttempts", 0);
	store_update(s->st, "ClientPin", str_of(principal, "SipAddress"), ch, &err);
	json_decref(ch);
}

/* The identity of some ClientPin row, or NULL when there is none. */
static char *any_pin(struct signin *s)
{
	struct store_cursor *cur;
	struct store_query_opts opts = { .limit = 1 };
	struct ucsh_err err;
	json_t *row = NULL;
	char *id = NULL;
	if (store_query(s->st, "ClientPin", NULL, &opts, &cur, &err))
		return NULL;
	if (store_cursor_next(cur, &row, &err) == 1)
		id = str_of(row, "Identity") ? xstrdup(str_of(row, "Identity")) : NULL;
	json_decref(row);
	store_cursor_free(cur);
	return id;
}

int signin_init(struct signin *s, struct store *st, struct ucsh_err *err)
{
	memset(s, 0, sizeof(*s));
	s->st = st;
	if (sip_random_token(s->dummy_ha1, 64, err))
		return -1;
	s->decoy_pin = any_pin(s);
	return 0;
}

void signin_clear(struct signin *s)
{
	json_decref(s->ext_map);
	free(s->decoy_pin);
	memset(s, 0, sizeof(*s));
}

void signin_refresh(struct signin *s)
{
	if (!s->decoy_pin)
		s->decoy_pin = any_pin(s);
}

enum signin_verdict signin_check(struct signin *s, struct digest_server *ds,
				 const struct digest_creds *c, const char *realm,
				 const char *method, const char *uri, json_t **principal,
				 json_t **wrong_pin, struct ucsh_err *err)
{
	*principal = *wrong_pin = NULL;
	json_t *who = strcasecmp(c->realm, realm) == 0 ? signin_principal_find(s, c->username, realm)
						       : NULL;
	json_t *pin = NULL;
	/* An unknown name reads a real PIN row too (and finds no HA1 in it for
	 * that name), so both paths do the same store work. */
	const char *pin_key = who ? str_of(who, "SipAddress") : s->decoy_pin;
	if (pin_key)
		store_get(s->st, "ClientPin", pin_key, &pin, err);
	char key[DIGEST_MAX_USERNAME + DIGEST_MAX_REALM + 2];
	snprintf(key, sizeof(key), "%s:%s", c->username, realm);
	const char *ha1 = str_of(json_object_get(pin, c->alg == SECRET_SHA256 ? "Ha1Sha256" : "Ha1Md5"),
				 key);
	if (!who)
		ha1 = NULL; /* the decoy's HA1s are never an unknown name's */
	enum digest_verdict v = digest_verify(ds, c, realm, method, uri, ha1 ? ha1 : s->dummy_ha1,
					      time(NULL), err);
	bool locked = who && json_is_true(json_object_get(pin, "IsLockedOut"));
	bool disabled = json_is_false(json_object_get(who, "Enabled"));
	enum signin_verdict res = SIGNIN_DENIED;
	if (v == DIGEST_STALE) {
		res = SIGNIN_STALE;
	} else if (v == DIGEST_OK && ha1 && !locked && !disabled) {
		reset_failures(s, who, pin);
		*principal = json_incref(who);
		res = SIGNIN_OK;
	} else if (v == DIGEST_DENIED && ha1 && !locked) {
		*wrong_pin = json_incref(who);
	}
	if (res == SIGNIN_DENIED) /* for the admin: who, and why; never a credential */
		log_info("sign-in refused for '%s': %s", c->username,
			 !who ? "no such user or extension" : !ha1 ? "no PIN for this name and realm"
			 : locked ? "PIN locked" : disabled ? "user disabled" : err->msg);
	json_decref(pin);
	json_decref(who);
	return res;
}
