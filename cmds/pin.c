/*
 * pin: Set-, Lock- and Unlock-CsClientPin and Get-CsClientPinInfo. A PIN
 * is what a phone signs in with (extension or SIP user name + PIN). It is
 * never kept: the store holds, under the principal's SIP address, a PBKDF2
 * verifier (for the history check and for ucsh itself), the digest HA1
 * values the registrar needs, MD5 and SHA-256, for every name the phone may
 * sign in as and every realm (SIP domain) of the principal's pool, and the
 * verifiers of earlier PINs as the PIN policy's history asks. A PIN given
 * with -Pin is never written back, not in errors, not in -Verbose; a
 * generated one is shown once, to the terminal, and nowhere else.
 *
 * The PIN policy is the principal's own (User.PinPolicy) or Global.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "principal.h"
#include "secret.h"
#include "storecmd.h"
#include "value.h"

static const char *str_of(const json_t *obj, const char *prop)
{
	return json_string_value(json_object_get(obj, prop));
}

/* The PIN policy that applies to who: its own, else Global; *policy stays
 * NULL when neither exists (Lync's defaults then apply). 0 / -1. */
static int load_policy(struct store *st, const json_t *who, json_t **policy,
		       struct ucsh_err *err)
{
	const char *own = str_of(who, "PinPolicy");
	int rc = own ? store_get(st, "PinPolicy", own, policy, err) : 0;
	if (rc == 0)
		rc = store_get(st, "PinPolicy", "Global", policy, err);
	return rc < 0 ? -1 : 0;
}

/* The verifiers of the current and earlier PINs, newest first. */
static json_t *verifiers(const json_t *pin_row)
{
	json_t *all = json_array();
	json_t *current = json_object_get(pin_row, "PinHash");
	json_t *earlier = json_object_get(pin_row, "PinHistory");
	if (json_is_string(current))
		json_array_append(all, current);
	if (json_is_array(earlier))
		json_array_extend(all, earlier);
	return all;
}

/* A PIN that passes the whole policy, history and personal numbers too. */
static int generate(const struct secret_pin_policy *p, const json_t *history,
		    const char *const *personal, char *out, size_t outsz, struct ucsh_err *err)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		if (secret_generate_pin(0, p, out, outsz, err))
			return -1;
		if (secret_pin_check(out, p, history, personal, err) == 0)
			return 0;
	}
	secret_wipe(out, outsz);
	err_set(err, "could not generate a PIN that the policy accepts");
	return -1;
}

/* The row ClientPin keeps for pin: verifier, HA1 tables, history. New
 * reference, or NULL with err filled. */
static json_t *pin_row(struct store *st, const json_t *who, const char *pin, const json_t *old,
		       const struct secret_pin_policy *p, struct ucsh_err *err)
{
	char *verifier = secret_pin_hash(pin, err);
	json_t *realms = verifier ? principal_pool_domains(st, str_of(who, "RegistrarPool"), err)
				  : NULL;
	json_t *names = principal_usernames(who), *row = NULL;
	const char **u = principal_strv(names), **r = realms ? principal_strv(realms) : NULL;
	json_t *md5 = r ? secret_ha1_table(SECRET_MD5, u, r, pin, err) : NULL;
	json_t *sha = md5 ? secret_ha1_table(SECRET_SHA256, u, r, pin, err) : NULL;
	if (sha) {
		char now[STORE_TIMESTAMP_LEN];
		store_timestamp(time(NULL), now);
		/* the check looks at the current PIN and history_count - 1 earlier ones */
		json_t *history = secret_pin_history_push(json_object_get(old, "PinHistory"),
							  str_of(old, "PinHash"),
							  p->history_count ? p->history_count - 1 : 0);
		row = json_pack("{s:s, s:s, s:O, s:O, s:s, s:i, s:o}", "Identity",
				str_of(who, "SipAddress"), "PinHash", verifier, "Ha1Md5", md5,
				"Ha1Sha256", sha, "PinLastSet", now, "FailedAttempts", 0,
				"PinHistory", history);
	}
	free(verifier);
	free(u);
	free(r);
	json_decref(names);
	json_decref(realms);
	json_decref(md5);
	json_decref(sha);
	return row;
}

/* Hash and store pin for who. 1 when stored, else an error was written:
 * 0 to go on, -1 to stop. */
static int write_pin(struct cmd_ctx *ctx, struct store *st, const json_t *who, const char *pin,
		     const json_t *old, const struct secret_pin_policy *p)
{
	struct ucsh_err err;
	err_clear(&err);
	json_t *row = pin_row(st, who, pin, old, p, &err);
	int rc = row ? store_upsert(st, "ClientPin", row, &err) : -1;
	if (rc == 0 && json_object_size(json_object_get(row, "Ha1Md5")) == 0)
		cmd_warning(ctx, "the pool %s of %s has no SIP domain: phones cannot sign in with "
			    "this PIN until the pool has one and the PIN is set again",
			    str_of(who, "RegistrarPool"), str_of(who, "SipAddress"));
	json_decref(row);
	return rc ? storecmd_error(ctx, st, &err) : 1;
}

/* What Set-CsClientPin needs to judge a PIN for who. */
struct pin_target {
	json_t *policy_obj, *old, *history;
	struct secret_pin_policy policy;
};

static int target_load(struct store *st, const json_t *who, struct pin_target *t,
		       struct ucsh_err *err)
{
	memset(t, 0, sizeof(*t));
	if (load_policy(st, who, &t->policy_obj, err) ||
	    secret_pin_policy_from_json(t->policy_obj, &t->policy, err) ||
	    store_get(st, "ClientPin", str_of(who, "SipAddress"), &t->old, err) < 0)
		return -1;
	t->history = verifiers(t->old);
	return 0;
}

static void target_free(struct pin_target *t)
{
	json_decref(t->policy_obj);
	json_decref(t->old);
	json_decref(t->history);
}

static int set_pin(struct cmd_ctx *ctx, struct store *st, const json_t *who)
{
	const char *sip = str_of(who, "SipAddress");
	const char *given = cmd_arg_str(ctx, "Pin");
	const char *personal[] = { str_of(who, "LineURI"), NULL };
	char generated[SECRET_PIN_MAX_LENGTH + 1] = "";
	struct pin_target t;
	struct ucsh_err err;
	err_clear(&err);
	int rc; /* 1 once stored; else 0 or -1 as cmd_error returns */
	if (target_load(st, who, &t, &err))
		rc = storecmd_error(ctx, st, &err);
	else if (given && secret_pin_check(given, &t.policy, t.history, personal, &err))
		rc = cmd_error(ctx, err.hint[0] ? err.hint : NULL, "cannot set the PIN of %s: %s",
			       sip, err.msg);
	else if (!cmd_should_process(ctx, given ? "Set PIN" : "Set a generated PIN", sip))
		rc = cmd_cancelled(ctx) ? -1 : 0;
	else if (!given && generate(&t.policy, t.history, personal, generated, sizeof(generated),
				    &err))
		rc = cmd_error(ctx, NULL, "cannot set the PIN of %s: %s", sip, err.msg);
	else
		rc = write_pin(ctx, st, who, given ? given : generated, t.old, &t.policy);
	target_free(&t);
	if (rc == 1 && !given)
		cmd_host(ctx, "PIN for %s: %s", sip, generated);
	secret_wipe(generated, sizeof(generated));
	if (rc == 1) {
		json_t *out = json_pack("{s:s, s:b}", "Identity", sip, "PinSet", 1);
		value_set_type(out, "PinSetResult");
		rc = cmd_emit(ctx, out);
	}
	return rc < 0 ? -1 : 0;
}

/* Resolve -Identity among users and common area phones and run fn on it. */
static int with_principal(struct cmd_ctx *ctx,
			  int (*fn)(struct cmd_ctx *ctx, struct store *st, const json_t *who))
{
	json_t *who = NULL;
	int rc = principal_resolve(ctx, cmd_arg_str(ctx, "Identity"), PRINCIPAL_ANY, &who);
	if (rc <= 0)
		return rc;
	struct store *st = cmd_store(ctx);
	rc = st ? fn(ctx, st, who) : -1;
	json_decref(who);
	return rc;
}

static int set_pin_process(struct cmd_ctx *ctx, json_t *input)
{
	return with_principal(ctx, set_pin);
}

static int lock_pin(struct cmd_ctx *ctx, struct store *st, const json_t *who)
{
	const char *sip = str_of(who, "SipAddress");
	if (!cmd_should_process(ctx, "Lock PIN", sip))
		return cmd_cancelled(ctx) ? -1 : 0;
	struct ucsh_err err;
	json_t *row = json_pack("{s:s, s:b}", "Identity", sip, "IsLockedOut", 1);
	int rc = store_upsert(st, "ClientPin", row, &err);
	json_decref(row);
	return rc ? storecmd_error(ctx, st, &err) : 0;
}

static int lock_pin_process(struct cmd_ctx *ctx, json_t *input)
{
	return with_principal(ctx, lock_pin);
}

static int unlock_pin(struct cmd_ctx *ctx, struct store *st, const json_t *who)
{
	const char *sip = str_of(who, "SipAddress");
	if (!cmd_should_process(ctx, "Unlock PIN", sip))
		return cmd_cancelled(ctx) ? -1 : 0;
	struct ucsh_err err;
	json_t *changes = json_pack("{s:b, s:i}", "IsLockedOut", 0, "FailedAttempts", 0);
	int rc = store_update(st, "ClientPin", sip, changes, &err);
	json_decref(changes);
	if (rc == 0)
		cmd_verbose(ctx, "%s has no PIN: nothing to unlock", sip);
	return rc < 0 ? storecmd_error(ctx, st, &err) : 0;
}

static int unlock_pin_process(struct cmd_ctx *ctx, json_t *input)
{
	return with_principal(ctx, unlock_pin);
}

/* PinLastSet plus the policy's PINLifetime (days), or null. */
static json_t *expiry(const json_t *policy, const json_t *row)
{
	json_int_t days = json_integer_value(json_object_get(policy, "PINLifetime"));
	const char *set = str_of(row, "PinLastSet");
	time_t t;
	char buf[STORE_TIMESTAMP_LEN];
	if (!set || store_timestamp_parse(set, &t))
		return json_null();
	store_timestamp(t + (time_t)days * 86400, buf);
	return json_string(buf);
}

static int pin_info(struct cmd_ctx *ctx, struct store *st, const json_t *who)
{
	const char *sip = str_of(who, "SipAddress");
	json_t *row = NULL, *policy = NULL;
	struct ucsh_err err;
	if (store_get(st, "ClientPin", sip, &row, &err) < 0 || load_policy(st, who, &policy, &err))
		return storecmd_error(ctx, st, &err);
	json_t *failed = json_object_get(row, "FailedAttempts");
	json_t *info = json_pack("{s:s, s:b, s:b, s:O, s:I}", "Identity", sip, "IsPinSet",
				 json_is_string(json_object_get(row, "PinHash")), "IsLockedOut",
				 json_is_true(json_object_get(row, "IsLockedOut")), "PinLastSet",
				 row ? json_object_get(row, "PinLastSet") : json_null(), "FailedAttempts",
				 (json_int_t)(failed ? json_integer_value(failed) : 0));
	if (json_integer_value(json_object_get(policy, "PINLifetime")) > 0)
		json_object_set_new(info, "PinExpires", expiry(policy, row));
	value_set_type(info, "PinInfo");
	json_decref(row);
	json_decref(policy);
	return cmd_emit(ctx, info);
}

static int get_pin_info_process(struct cmd_ctx *ctx, json_t *input)
{
	return with_principal(ctx, pin_info);
}

#define IDENTITY_PARAM(what) \
	{ .name = "Identity", .type = PT_STRING, .position = 0, \
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, \
	  .help = "The user or common area phone " what ": a SIP address " \
		  "(sip:ken@contoso.com), a line URI (tel:+14255550100;ext=100), an extension " \
		  "(100) or a display name. It must name exactly one.", \
	  .complete = principal_complete_any }

static const struct cmd_param set_pin_params[] = {
	IDENTITY_PARAM("whose PIN to set"),
	{ .name = "Pin", .type = PT_STRING, .position = POS_NAMED, .flags = PF_SECRET | PF_PIPE_PROP,
	  .help = "The new PIN: digits only, at least the policy's MinPasswordLength, not a "
		  "common pattern (1234, 1111, the extension) unless the policy allows them, "
		  "and none of the last PINHistoryCount PINs. Left out, a PIN is generated and "
		  "shown once." },
	{ 0 },
};

static const struct cmd_param identity_params[] = {
	IDENTITY_PARAM("whose PIN it is"),
	{ 0 },
};

const struct cmd_entry cmd_set_csclientpin_entry = {
	.name = "Set-CsClientPin",
	.synopsis = "Sets the PIN a user or common area phone signs in to a phone with.",
	.description = "Checks the PIN against the PIN policy (the principal's own, else "
		       "Global) and stores only what verifies it: a salted PBKDF2 verifier and "
		       "the digest HA1 values (MD5 and SHA-256) for each name the phone may "
		       "sign in as (the SIP user name and the extension) in each SIP domain of "
		       "the principal's pool. The PIN itself is kept nowhere.\n\n"
		       "Without -Pin a PIN that satisfies the policy is generated and shown "
		       "once, on the terminal; it cannot be shown again. Setting a PIN clears "
		       "FailedAttempts but leaves a locked PIN locked: use Unlock-CsClientPin.",
	.params = set_pin_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsClientPin -Identity sip:ken@contoso.com -Pin 582913",
		  "Sets Ken's PIN." },
		{ "Set-CsClientPin -Identity 100", "Generates a PIN for extension 100 and shows "
		  "it once." },
		{ "Import-Csv pins.csv | Set-CsClientPin", "Sets the PINs listed in a CSV file "
		  "with Identity and Pin columns." },
		{ 0 } },
	.outputs = "PinSetResult",
	.role = ROLE_HELPDESK,
	.flags = CMD_CHANGES_STATE,
	.process = set_pin_process,
};

const struct cmd_entry cmd_lock_csclientpin_entry = {
	.name = "Lock-CsClientPin",
	.synopsis = "Locks a PIN so that phones cannot sign in with it.",
	.description = "Sets IsLockedOut: the registrar refuses PIN sign-in for the user or "
		       "common area phone until Unlock-CsClientPin. The PIN is kept.",
	.params = identity_params,
	.examples = (const struct cmd_example[]){
		{ "Lock-CsClientPin -Identity sip:ken@contoso.com", "Locks Ken's PIN." },
		{ 0 } },
	.role = ROLE_HELPDESK,
	.flags = CMD_CHANGES_STATE,
	.process = lock_pin_process,
};

const struct cmd_entry cmd_unlock_csclientpin_entry = {
	.name = "Unlock-CsClientPin",
	.synopsis = "Unlocks a locked PIN and resets its failed attempts.",
	.description = "Clears IsLockedOut and sets FailedAttempts to 0, whether the PIN was "
		       "locked by Lock-CsClientPin or by too many failed sign-ins. The PIN "
		       "stays as it was; a user who forgot it needs Set-CsClientPin.",
	.params = identity_params,
	.examples = (const struct cmd_example[]){
		{ "Unlock-CsClientPin -Identity sip:ken@contoso.com", "Unlocks Ken's PIN." },
		{ "Get-CsUser | Unlock-CsClientPin", "Unlocks every user's PIN." },
		{ 0 } },
	.role = ROLE_HELPDESK,
	.flags = CMD_CHANGES_STATE,
	.process = unlock_pin_process,
};

const struct cmd_entry cmd_get_csclientpininfo_entry = {
	.name = "Get-CsClientPinInfo",
	.synopsis = "Shows whether a PIN is set and whether it is locked.",
	.description = "Writes a PinInfo object: Identity, IsPinSet, IsLockedOut, PinLastSet, "
		       "FailedAttempts and, when the PIN policy's PINLifetime is not 0, "
		       "PinExpires. Never the PIN or anything derived from it.",
	.params = identity_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsClientPinInfo -Identity sip:ken@contoso.com", "Shows Ken's PIN state." },
		{ "Get-CsUser | Get-CsClientPinInfo | Where-Object { -not $_.IsPinSet }",
		  "Lists the users who have no PIN yet." },
		{ 0 } },
	.outputs = "PinInfo",
	.role = ROLE_VIEW_ONLY,
	.process = get_pin_info_process,
};
