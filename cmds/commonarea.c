/*
 * commonarea: New-, Get-, Set- and Remove-CsCommonAreaPhone. A common area
 * phone (lobby, meeting room, kitchen) signs in as itself rather than as a
 * person, so it is a principal of its own with a line URI, a pool and a
 * PIN. As in Lync the line URI and the pool are required and the SIP
 * address is made up when not given: sip:cap-<extension>@<the pool's first
 * SIP domain>, or cap-<random> when there is no extension or it is taken.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cmds.h"
#include "principal.h"
#include "storecmd.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static int taken(struct store *st, const char *sip, struct ucsh_err *err)
{
	static const char *const kinds[] = { "User", "CommonAreaPhone" };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(kinds); i++) {
		json_t *obj = NULL;
		int rc = store_get(st, kinds[i], sip, &obj, err);
		json_decref(obj);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* A free SIP address for a phone with line (stored form) in domain. Caller
 * frees; NULL with err filled. */
static char *free_sip(struct store *st, const char *line, const char *domain,
		      struct ucsh_err *err)
{
	const char *ext = strstr(line, ";ext=");
	for (int attempt = 0; attempt < 8; attempt++) {
		unsigned char r[4];
		char *sip;
		if (attempt == 0 && ext) {
			sip = xasprintf("sip:cap-%s@%s", ext + 5, domain);
		} else if (RAND_bytes(r, sizeof(r)) == 1) {
			sip = xasprintf("sip:cap-%02x%02x%02x%02x@%s", r[0], r[1], r[2], r[3], domain);
		} else {
			err_set(err, "no random numbers from OpenSSL to make a SIP address");
			return NULL;
		}
		int rc = taken(st, sip, err);
		if (rc == 0)
			return sip;
		free(sip);
		if (rc < 0)
			return NULL;
	}
	err_set(err, "could not find a free SIP address in %s", domain);
	err_hint(err, "give one with -SipAddress");
	return NULL;
}

/* Fill in obj's SipAddress from its line URI and pool (both checked). */
static int make_sip(struct store *st, json_t *obj, struct ucsh_err *err)
{
	char *line = principal_line_uri(json_string_value(json_object_get(obj, "LineURI")), err);
	char *pool = line ? principal_pool(st, json_string_value(json_object_get(obj,
						"RegistrarPool")), NULL, err) : NULL;
	json_t *domains = pool ? principal_pool_domains(st, pool, err) : NULL;
	char *sip = NULL;
	if (domains && json_array_size(domains) == 0) {
		err_set(err, "the pool %s has no SIP domain to make the phone's SIP address in", pool);
		err_hint(err, "give -SipAddress, or add a SipDomain to the pool");
	} else if (domains) {
		sip = free_sip(st, line, json_string_value(json_array_get(domains, 0)), err);
	}
	if (sip)
		json_object_set_new(obj, "SipAddress", json_string(sip));
	free(line);
	free(pool);
	free(sip);
	json_decref(domains);
	return json_object_get(obj, "SipAddress") ? 0 : -1;
}

static bool has(const json_t *obj, const char *prop)
{
	const char *v = json_string_value(json_object_get(obj, prop));
	return v && *v;
}

static int new_cap_process(struct cmd_ctx *ctx, json_t *input)
{
	struct store *st = cmd_store(ctx);
	if (!st)
		return -1;
	struct ucsh_err err;
	err_clear(&err);
	json_t *obj = storecmd_props(ctx, "CommonAreaPhone", ALIASES("Identity"));
	const char *sip = json_string_value(json_object_get(obj, "SipAddress"));
	int rc;
	if (!has(obj, "LineURI"))
		rc = cmd_error(ctx, "e.g. -LineURI 'tel:+14255550150;ext=150'",
			       "-LineURI is required: a common area phone signs in with its number");
	else if (!has(obj, "RegistrarPool"))
		rc = cmd_error(ctx, "Get-CsPool lists the pools",
			       "-RegistrarPool is required: name the pool that serves the phone");
	else if ((!sip || !*sip) && make_sip(st, obj, &err))
		rc = storecmd_error(ctx, st, &err);
	else if (principal_prepare(st, obj, NULL, &err))
		rc = storecmd_error(ctx, st, &err);
	else
		rc = principal_insert(ctx, "CommonAreaPhone", obj, "common area phone");
	json_decref(obj);
	return rc;
}

static int get_cap_process(struct cmd_ctx *ctx, json_t *input)
{
	return principal_get(ctx, "CommonAreaPhone");
}

static int set_cap_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *old = NULL, *changes = NULL;
	int rc = principal_resolve(ctx, cmd_arg_str(ctx, "Identity"), PRINCIPAL_CAP, &old);
	if (rc <= 0)
		return rc;
	struct ucsh_err err;
	err_clear(&err);
	struct store *st = cmd_store(ctx);
	changes = storecmd_props(ctx, "CommonAreaPhone", ALIASES("Identity", "PassThru"));
	json_t *line = json_object_get(changes, "LineURI");
	if (!st)
		rc = -1;
	else if (json_object_size(changes) == 0)
		rc = cmd_error(ctx, "name at least one property to change, e.g. -Description",
			       "Set-CsCommonAreaPhone was given nothing to change");
	else if (json_is_null(line))
		rc = cmd_error(ctx, "give it another line URI instead",
			       "-LineURI cannot be removed: a common area phone signs in with it");
	else if (principal_prepare(st, changes, old, &err))
		rc = storecmd_error(ctx, st, &err);
	else
		rc = principal_update(ctx, old, changes, "common area phone",
				      cmd_arg_bool(ctx, "PassThru"));
	json_decref(changes);
	json_decref(old);
	return rc;
}

static int remove_cap_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *cap = NULL;
	int rc = principal_resolve(ctx, cmd_arg_str(ctx, "Identity"), PRINCIPAL_CAP, &cap);
	if (rc <= 0)
		return rc;
	rc = storecmd_delete(ctx, "CommonAreaPhone",
			     json_string_value(json_object_get(cap, "SipAddress")),
			     "common area phone");
	json_decref(cap);
	return rc;
}

#define IDENTITY_HELP \
	"The common area phone: its SIP address (sip:cap-150@contoso.com), line URI " \
	"(tel:+14255550150;ext=150), extension (150) or display name. It must name exactly one."

#define IDENTITY_PARAM \
	{ .name = "Identity", .type = PT_STRING, .position = 0, \
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, .help = IDENTITY_HELP, \
	  .complete = principal_complete_cap }

#define CAP_PROPS(line_flags, pool_flags) \
	{ .name = "LineURI", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = (line_flags) | PF_PIPE_PROP, \
	  .help = "The phone's number as tel:+ and the E.164 number, with the extension it " \
		  "signs in with after ;ext= (tel:+14255550150;ext=150). Unique among users " \
		  "and common area phones." }, \
	{ .name = "RegistrarPool", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = (pool_flags) | PF_PIPE_PROP, .complete = principal_complete_pool, \
	  .help = "The registrar pool that serves the phone." }, \
	{ .name = "DisplayName", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "The name shown on the phone and in lists (Building 14 Lobby)." }, \
	{ .name = "Description", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "Free text: where the phone is, who looks after it." }

static const struct cmd_param new_cap_params[] = {
	CAP_PROPS(PF_MANDATORY, PF_MANDATORY),
	{ .name = "SipAddress", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP,
	  .help = "The phone's SIP address, in a SIP domain of a pool. Left out, it is made "
		  "up: sip:cap-<extension>@<the pool's first SIP domain>." },
	{ 0 },
};

static const struct cmd_param get_cap_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_PIPE_VALUE | PF_PIPE_PROP,
	  .help = IDENTITY_HELP " With wildcards (*Lobby*) it lists every phone whose SIP "
		  "address, display name or line URI matches.",
	  .complete = principal_complete_cap },
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A condition on $_, e.g. { $_.Description -like '*Building 14*' }; simple "
		  "comparisons run in the store." },
	{ .name = "ResultSize", .type = PT_INT, .position = POS_NAMED,
	  .help = "The most phones to return (all when left out)." },
	{ 0 },
};

static const struct cmd_param set_cap_params[] = {
	IDENTITY_PARAM,
	CAP_PROPS(0, 0),
	{ .name = "SipAddress", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP,
	  .help = "A new SIP address for the phone (its PIN follows, but must be set again "
		  "for the new name)." },
	{ .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes the changed phone down the pipeline." },
	{ 0 },
};

static const struct cmd_param remove_cap_params[] = {
	IDENTITY_PARAM,
	{ 0 },
};

const struct cmd_entry cmd_new_cscommonareaphone_entry = {
	.name = "New-CsCommonAreaPhone",
	.synopsis = "Creates a common area phone that signs in as itself.",
	.description = "Adds a phone for a shared place (lobby, meeting room). Its line URI "
		       "and registrar pool are required; the SIP address is made up from the "
		       "extension when not given. Give it a PIN with Set-CsClientPin so that it "
		       "can sign in.",
	.params = new_cap_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsCommonAreaPhone -LineURI 'tel:+14255550150;ext=150' -RegistrarPool "
		  "pool01.contoso.com -DisplayName 'Building 14 Lobby'",
		  "Creates sip:cap-150@contoso.com." },
		{ "Import-Csv lobbies.csv | New-CsCommonAreaPhone", "Creates one phone per line "
		  "of a CSV file with LineURI, RegistrarPool and DisplayName columns." },
		{ 0 } },
	.outputs = "CommonAreaPhone",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = new_cap_process,
};

const struct cmd_entry cmd_get_cscommonareaphone_entry = {
	.name = "Get-CsCommonAreaPhone",
	.synopsis = "Lists the common area phones.",
	.description = "Writes one CommonAreaPhone object per phone: SipAddress (also its "
		       "Identity), LineURI, DisplayName, RegistrarPool and Description.",
	.params = get_cap_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsCommonAreaPhone", "Lists every common area phone." },
		{ "Get-CsCommonAreaPhone -Identity 150 | Format-List", "Shows the phone with "
		  "extension 150." },
		{ 0 } },
	.outputs = "CommonAreaPhone",
	.role = ROLE_VIEW_ONLY,
	.process = get_cap_process,
};

const struct cmd_entry cmd_set_cscommonareaphone_entry = {
	.name = "Set-CsCommonAreaPhone",
	.synopsis = "Changes the properties of a common area phone.",
	.description = "Sets the properties named on the command line and leaves the others as "
		       "they are. Changing the SIP address, line URI or pool drops the PIN's "
		       "hashes for names that no longer apply, with a warning when the PIN "
		       "must be set again.",
	.params = set_cap_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsCommonAreaPhone -Identity 150 -Description 'Next to the lifts'",
		  "Changes one property." },
		{ 0 } },
	.outputs = "CommonAreaPhone (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = set_cap_process,
};

const struct cmd_entry cmd_remove_cscommonareaphone_entry = {
	.name = "Remove-CsCommonAreaPhone",
	.synopsis = "Removes a common area phone and its PIN.",
	.description = "Deletes the common area phone; its PIN goes with it.",
	.params = remove_cap_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsCommonAreaPhone -Identity sip:cap-150@contoso.com -Force",
		  "Removes the phone without asking." },
		{ 0 } },
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = remove_cap_process,
};
