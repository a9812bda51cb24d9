/*
 * user: New-, Get-, Set-, Remove-, Enable- and Disable-CsUser. A user is a
 * person who signs in to a desk phone: a SIP address (the key; Lync shows
 * the directory name as Identity, we have none, so Identity is the SIP
 * address too), a line URI whose extension the phone may sign in with, a
 * display name and the registrar pool that serves it. Lync takes users
 * from Active Directory; here New-CsUser creates them, so that
 * `Import-Csv users.csv | New-CsUser` can stand in for the directory.
 * Identities resolve through principal.c; the user's PIN (ClientPin)
 * follows the user's renames and removal in the store itself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "principal.h"
#include "storecmd.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static int get_user_process(struct cmd_ctx *ctx, json_t *input)
{
	return principal_get(ctx, "User");
}

static int new_user_process(struct cmd_ctx *ctx, json_t *input)
{
	struct store *st = cmd_store(ctx);
	if (!st)
		return -1;
	struct ucsh_err err;
	err_clear(&err);
	json_t *obj = storecmd_props(ctx, "User", ALIASES("Identity"));
	int rc = principal_prepare(st, obj, NULL, &err) ? storecmd_error(ctx, st, &err)
							 : principal_insert(ctx, "User", obj, "user");
	json_decref(obj);
	return rc;
}

/* Set-, Enable- and Disable-CsUser: apply changes (borrowed) to the user
 * that -Identity names. */
static int change_user(struct cmd_ctx *ctx, json_t *changes)
{
	json_t *old = NULL;
	int rc = principal_resolve(ctx, cmd_arg_str(ctx, "Identity"), PRINCIPAL_USER, &old);
	if (rc <= 0)
		return rc;
	struct ucsh_err err;
	err_clear(&err);
	struct store *st = cmd_store(ctx);
	if (!st)
		rc = -1;
	else if (json_object_size(changes) == 0)
		rc = cmd_error(ctx, "name at least one property to change, e.g. -DisplayName",
			       "Set-CsUser was given nothing to change");
	else if (principal_prepare(st, changes, old, &err))
		rc = storecmd_error(ctx, st, &err);
	else
		rc = principal_update(ctx, old, changes, "user", cmd_arg_bool(ctx, "PassThru"));
	json_decref(old);
	return rc;
}

static int set_user_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *changes = storecmd_props(ctx, "User", ALIASES("Identity", "PassThru"));
	int rc = change_user(ctx, changes);
	json_decref(changes);
	return rc;
}

static int enable_user_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *changes = storecmd_props(ctx, "User", ALIASES("Identity", "PassThru"));
	json_object_set_new(changes, "Enabled", json_true());
	int rc = change_user(ctx, changes);
	json_decref(changes);
	return rc;
}

static int disable_user_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *changes = json_pack("{s:b}", "Enabled", 0);
	int rc = change_user(ctx, changes);
	json_decref(changes);
	return rc;
}

static int remove_user_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *user = NULL;
	int rc = principal_resolve(ctx, cmd_arg_str(ctx, "Identity"), PRINCIPAL_USER, &user);
	if (rc <= 0)
		return rc;
	rc = storecmd_delete(ctx, "User", json_string_value(json_object_get(user, "SipAddress")),
			     "user");
	json_decref(user);
	return rc;
}

#define IDENTITY_HELP \
	"The user: a SIP address (sip:ken@contoso.com or ken@contoso.com), a line URI " \
	"(tel:+14255550100;ext=100), a phone number (+14255550100), an extension (100) or " \
	"a display name. It must name exactly one user."

#define IDENTITY_PARAM(pos_flags) \
	{ .name = "Identity", .type = PT_STRING, .position = 0, \
	  .flags = (pos_flags) | PF_PIPE_VALUE | PF_PIPE_PROP, .help = IDENTITY_HELP, \
	  .complete = principal_complete_user }

#define PASSTHRU_PARAM \
	{ .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED, \
	  .help = "Writes the changed user down the pipeline." }

#define POOL_PARAM(text) \
	{ .name = "RegistrarPool", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_PIPE_PROP, .help = text, .complete = principal_complete_pool }

#define USER_PROPS(sip_flags, sip_pos, sip_help) \
	{ .name = "SipAddress", .type = PT_STRING, .position = sip_pos, \
	  .flags = (sip_flags) | PF_PIPE_PROP, .help = sip_help }, \
	{ .name = "LineURI", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "The user's phone number as tel:+ and the E.164 number, with the extension " \
		  "the phone may sign in with after ;ext= (tel:+14255550100;ext=100). No two " \
		  "users or common area phones share one." }, \
	{ .name = "DisplayName", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "The name shown on phones and in lists (Ken Myer)." }, \
	{ .name = "Enabled", .type = PT_BOOL, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "Whether the user may sign in ($true by default); a disabled user keeps " \
		  "the settings and the PIN." }

static const struct cmd_param get_user_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_PIPE_VALUE | PF_PIPE_PROP,
	  .help = IDENTITY_HELP " With wildcards (sip:k*, *Myer) it lists every user whose SIP "
		  "address, display name or line URI matches.",
	  .complete = principal_complete_user },
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A condition on $_, e.g. { $_.RegistrarPool -eq 'pool01.contoso.com' }; "
		  "simple comparisons run in the store." },
	{ .name = "ResultSize", .type = PT_INT, .position = POS_NAMED,
	  .help = "The most users to return (all when left out)." },
	{ 0 },
};

static const struct cmd_param new_user_params[] = {
	USER_PROPS(PF_MANDATORY, 0,
		   "The user's SIP address, sip:user@domain; the domain must be a SIP domain "
		   "of a pool. Also the user's Identity."),
	POOL_PARAM("The registrar pool that serves the user. Defaults to the only pool, or "
		   "to the only pool serving the SIP address's domain."),
	{ 0 },
};

static const struct cmd_param set_user_params[] = {
	IDENTITY_PARAM(PF_MANDATORY),
	USER_PROPS(0, POS_NAMED,
		   "A new SIP address for the user (renames it; the PIN follows, but must be "
		   "set again for phones to sign in with the new name)."),
	POOL_PARAM("Moves the user to another registrar pool."),
	PASSTHRU_PARAM,
	{ 0 },
};

static const struct cmd_param enable_user_params[] = {
	IDENTITY_PARAM(PF_MANDATORY),
	POOL_PARAM("Also moves the user to this registrar pool."),
	PASSTHRU_PARAM,
	{ 0 },
};

static const struct cmd_param identity_only_params[] = {
	IDENTITY_PARAM(PF_MANDATORY),
	{ 0 },
};

static const struct cmd_param disable_user_params[] = {
	IDENTITY_PARAM(PF_MANDATORY),
	PASSTHRU_PARAM,
	{ 0 },
};

const struct cmd_entry cmd_get_csuser_entry = {
	.name = "Get-CsUser",
	.synopsis = "Lists the users who sign in to phones.",
	.description = "Writes one User object per user: SipAddress (also its Identity), "
		       "DisplayName, LineURI, RegistrarPool and Enabled. With no -Identity, "
		       "every user; -Identity with wildcards and -Filter narrow the list.",
	.params = get_user_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsUser", "Lists every user." },
		{ "Get-CsUser -Identity 100 | Format-List", "Shows the user with extension 100." },
		{ "Get-CsUser *Myer", "Lists the users whose display name ends in Myer." },
		{ "Get-CsUser -Filter { $_.Enabled -eq $false }", "Lists the disabled users." },
		{ 0 } },
	.outputs = "User",
	.role = ROLE_VIEW_ONLY,
	.process = get_user_process,
};

const struct cmd_entry cmd_new_csuser_entry = {
	.name = "New-CsUser",
	.synopsis = "Creates a user who can sign in to a phone.",
	.description = "Adds a user (Lync takes users from Active Directory; ucsh keeps them "
		       "itself). The SIP address must be in a SIP domain of a pool; the line "
		       "URI, when given, must be unique among users and common area phones. "
		       "Set the user's PIN with Set-CsClientPin.\n\n"
		       "Every parameter binds by property name, so a CSV file with SipAddress, "
		       "LineURI and DisplayName columns can be piped in from Import-Csv.",
	.params = new_user_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsUser -SipAddress sip:ken@contoso.com -LineURI 'tel:+14255550100;ext=100' "
		  "-DisplayName 'Ken Myer'", "Creates a user with extension 100." },
		{ "Import-Csv users.csv | New-CsUser", "Creates one user per line of a CSV file "
		  "with SipAddress, LineURI and DisplayName columns." },
		{ 0 } },
	.outputs = "User",
	.role = ROLE_USER,
	.flags = CMD_CHANGES_STATE,
	.process = new_user_process,
};

const struct cmd_entry cmd_set_csuser_entry = {
	.name = "Set-CsUser",
	.synopsis = "Changes the properties of a user.",
	.description = "Sets the properties named on the command line and leaves the others as "
		       "they are; -LineURI $null removes the line URI. Changing the SIP "
		       "address, line URI or pool changes the names and realms phones sign in "
		       "with: the PIN's hashes for names that no longer apply are dropped, and "
		       "a warning says when the PIN must be set again.",
	.params = set_user_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsUser -Identity sip:ken@contoso.com -LineURI 'tel:+14255550101;ext=101'",
		  "Gives the user a new number and extension." },
		{ "Get-CsUser -Filter { $_.RegistrarPool -eq 'pool01.contoso.com' } | "
		  "Set-CsUser -RegistrarPool pool02.contoso.com", "Moves the users of one pool to "
		  "another." },
		{ 0 } },
	.outputs = "User (with -PassThru)",
	.role = ROLE_USER,
	.flags = CMD_CHANGES_STATE,
	.process = set_user_process,
};

const struct cmd_entry cmd_remove_csuser_entry = {
	.name = "Remove-CsUser",
	.synopsis = "Removes a user and the user's PIN.",
	.description = "Deletes the user; its PIN (verifier and digest hashes) goes with it.",
	.params = identity_only_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsUser -Identity sip:ken@contoso.com", "Removes the user, asking first on "
		  "a terminal." },
		{ "Get-CsUser -Filter { $_.Enabled -eq $false } | Remove-CsUser -Force",
		  "Removes every disabled user without asking." },
		{ 0 } },
	.role = ROLE_USER,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = remove_user_process,
};

const struct cmd_entry cmd_enable_csuser_entry = {
	.name = "Enable-CsUser",
	.synopsis = "Lets a user sign in again.",
	.description = "Sets Enabled to True, optionally moving the user to -RegistrarPool. "
		       "(In Lync, Enable-CsUser first gives a directory user a SIP address; "
		       "here New-CsUser does that.)",
	.params = enable_user_params,
	.examples = (const struct cmd_example[]){
		{ "Enable-CsUser -Identity sip:ken@contoso.com", "Enables the user." },
		{ 0 } },
	.outputs = "User (with -PassThru)",
	.role = ROLE_USER,
	.flags = CMD_CHANGES_STATE,
	.process = enable_user_process,
};

const struct cmd_entry cmd_disable_csuser_entry = {
	.name = "Disable-CsUser",
	.synopsis = "Stops a user from signing in, keeping the user's settings and PIN.",
	.description = "Sets Enabled to False: the registrar refuses the user until "
		       "Enable-CsUser. (Lync's Disable-CsUser deletes the user's settings; "
		       "use Remove-CsUser for that.)",
	.params = disable_user_params,
	.examples = (const struct cmd_example[]){
		{ "Disable-CsUser -Identity 100", "Disables the user with extension 100." },
		{ 0 } },
	.outputs = "User (with -PassThru)",
	.role = ROLE_USER,
	.flags = CMD_CHANGES_STATE,
	.process = disable_user_process,
};
