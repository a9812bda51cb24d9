/*
 * testdevice: New-, Get-, Set- and Remove-CsTestDevice, as in Lync. A test
 * device is a phone named by its MAC address or serial number that gets a
 * device update rule's PendingVersion before the rule is approved, so a
 * new firmware can be tried on a few desks first. Test devices are kept
 * per scope: "Global/Name" applies everywhere, "Site:Redmond/Name" to the
 * update service of one site. A MAC identifier is stored in the canonical
 * form of mac.h, so that the update service matches it however the admin
 * typed it.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmds.h"
#include "mac.h"
#include "phone.h"
#include "storecmd.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NAME_MAX_LEN 128

static const char *const identifier_types[] = { "MacAddress", "SerialNumber", NULL };

/* A scope as stored: "Global" or "Site:Name". Caller frees. */
static char *scope_key(const char *parent)
{
	if (!parent || !*parent || str_ieq(parent, "global"))
		return xstrdup("Global");
	if (wildcard_has_meta(parent)) /* a pattern over scopes: Global or sites */
		return xstrdup(parent);
	return phone_site_key(parent);
}

/* "Global/Name", "site:X/Name", "X/Name" or a bare "Name" (Global) as stored.
 * A pattern keeps its wildcards. Caller frees. */
static char *device_key(const char *identity)
{
	const char *slash = strrchr(identity, '/');
	if (!slash)
		return xasprintf("Global/%s", identity);
	char *parent = xstrndup(identity, (size_t)(slash - identity));
	char *scope = scope_key(parent);
	char *key = xasprintf("%s/%s", scope, slash + 1);
	free(scope);
	free(parent);
	return key;
}

static int check_name(struct cmd_ctx *ctx, const char *name)
{
	bool ok = name && *name && strlen(name) <= NAME_MAX_LEN && !strchr(name, '/');
	for (const char *p = name; ok && *p; p++)
		ok = !iscntrl((unsigned char)*p) && !strchr("*?[", *p);
	if (ok)
		return 0;
	cmd_error(ctx, "a name is 1 to 128 characters, without /, *, ? or [",
		  "'%.80s' cannot be a test device's name", name ? name : "");
	return -1;
}

/* The scope as the store spells it: Global, or the identity of an existing
 * site. NULL after an error; caller frees. */
static char *stored_scope(struct cmd_ctx *ctx, const char *scope)
{
	if (strcmp(scope, "Global") == 0)
		return xstrdup(scope);
	json_t *site = storecmd_get(ctx, "Site", scope, "site");
	char *stored = site ? xstrdup(json_string_value(json_object_get(site, "Identity"))) : NULL;
	json_decref(site);
	return stored;
}

/* The identifier in its stored form (a canonical MAC, or the serial number
 * trimmed) into *out (caller frees). 0, or -1 after an error. */
static int check_identifier(struct cmd_ctx *ctx, const char *type, const char *id, char **out)
{
	struct ucsh_err err;
	char mac[MAC_STR_LEN];
	*out = NULL;
	if (str_ieq(type, "MacAddress")) {
		if (mac_canonical(id, mac, &err) < 0)
			return cmd_error(ctx, err.hint, "-Identifier: %s", err.msg), -1;
		*out = xstrdup(mac);
		return 0;
	}
	while (id && isspace((unsigned char)*id))
		id++;
	size_t n = id ? strlen(id) : 0;
	while (n && isspace((unsigned char)id[n - 1]))
		n--;
	if (n == 0 || n > NAME_MAX_LEN)
		return cmd_error(ctx, "give the serial number printed on the phone's label",
				 "-Identifier: '%.80s' is not a serial number", id ? id : ""), -1;
	*out = xstrndup(id, n);
	return 0;
}

/* ---- The cmdlets ------------------------------------------------------- */

static int get_device_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *id = cmd_arg_str(ctx, "Identity");
	char *key = id ? device_key(id) : NULL;
	int rc;
	if (id && !wildcard_has_meta(id)) {
		json_t *dev = storecmd_get(ctx, "TestDevice", key, "test device");
		rc = dev ? storecmd_emit(ctx, "TestDevice", dev) : 0;
		json_decref(dev);
	} else {
		/* a pattern with no scope ("Desk*") matches names in every scope */
		bool scoped = id && strchr(id, '/');
		json_t *filter = id ? json_pack("[{s:s,s:s,s:s}]", "Property",
						scoped ? "Identity" : "Name", "Op", "like",
						"Value", scoped ? key : id)
				    : NULL;
		rc = storecmd_query(ctx, "TestDevice", filter, NULL, cmd_arg(ctx, "Filter"));
		json_decref(filter);
	}
	free(key);
	return rc;
}

/* -Name and -Parent given beside -Identity (as a TestDevice object in the
 * pipeline gives them) must agree with it. */
static bool identity_agrees(struct cmd_ctx *ctx, const char *key, const char *name,
			    const char *scope)
{
	const char *slash = strrchr(key, '/');
	if (name && !str_ieq(slash + 1, name)) {
		cmd_error(ctx, "give -Identity Scope/Name, or -Name and -Parent",
			  "-Name '%s' is not the name in -Identity '%s'", name, key);
		return false;
	}
	if (scope && (strlen(scope) != (size_t)(slash - key) ||
		      strncasecmp(scope, key, strlen(scope)) != 0)) {
		cmd_error(ctx, "give -Identity Scope/Name, or -Name and -Parent",
			  "-Parent '%s' is not the scope in -Identity '%s'", scope, key);
		return false;
	}
	return true;
}

/* The key of the new device: -Identity Scope/Name, or -Name with -Parent. */
static char *new_device_key(struct cmd_ctx *ctx)
{
	const char *id = cmd_arg_str(ctx, "Identity"), *name = cmd_arg_str(ctx, "Name");
	char *scope = scope_key(cmd_arg_str(ctx, "Parent"));
	char *key = id ? device_key(id) : name ? xasprintf("%s/%s", scope, name) : NULL;
	bool ok = key != NULL;
	if (!key)
		cmd_error(ctx, "e.g. -Identity Global/Desk1, or -Name Desk1 -Parent site:Redmond",
			  "New-CsTestDevice needs -Identity or -Name");
	else if (id)
		ok = identity_agrees(ctx, key, name, cmd_has_arg(ctx, "Parent") ? scope : NULL);
	free(scope);
	if (!ok) {
		free(key);
		return NULL;
	}
	return key;
}

static int new_device_process(struct cmd_ctx *ctx, json_t *input)
{
	char *key = new_device_key(ctx), *scope = NULL, *ident = NULL;
	if (!key)
		return cmd_cancelled(ctx) ? -1 : 0;
	char *slash = strrchr(key, '/');
	const char *name = slash + 1, *type = cmd_arg_str(ctx, "IdentifierType");
	int rc;
	*slash = '\0';
	if (check_name(ctx, name) == 0 && (scope = stored_scope(ctx, key)) &&
	    check_identifier(ctx, type, cmd_arg_str(ctx, "Identifier"), &ident) == 0) {
		char *stored = xasprintf("%s/%s", scope, name);
		json_t *obj = json_pack("{s:s, s:s, s:s, s:s}", "Identity", stored, "Name", name,
					"IdentifierType", type, "Identifier", ident);
		rc = storecmd_insert(ctx, "TestDevice", stored, obj, "test device");
		json_decref(obj);
		free(stored);
	} else {
		rc = cmd_cancelled(ctx) ? -1 : 0;
	}
	free(ident);
	free(scope);
	free(key);
	return rc;
}

/* The changes Set-CsTestDevice makes to cur: a checked identifier (against
 * the new type, or the current one) and a new name (a new Identity). */
static json_t *device_changes(struct cmd_ctx *ctx, const json_t *cur)
{
	const char *type = cmd_arg_str(ctx, "IdentifierType");
	const char *ident = cmd_arg_str(ctx, "Identifier"), *name = cmd_arg_str(ctx, "Name");
	json_t *changes = json_object();
	char *checked = NULL;
	if (type || ident) {
		if (check_identifier(ctx, type ? type : json_string_value(json_object_get(cur,
				     "IdentifierType")), ident ? ident : json_string_value(
				     json_object_get(cur, "Identifier")), &checked) < 0)
			goto fail;
		json_object_set_new(changes, "Identifier", json_string(checked));
		if (type)
			json_object_set_new(changes, "IdentifierType", json_string(type));
	}
	if (name) {
		if (check_name(ctx, name) < 0)
			goto fail;
		const char *id = json_string_value(json_object_get(cur, "Identity"));
		char *key = xasprintf("%.*s/%s", (int)(strrchr(id, '/') - id), id, name);
		json_object_set_new(changes, "Identity", json_string(key));
		json_object_set_new(changes, "Name", json_string(name));
		free(key);
	}
	free(checked);
	return changes;
fail:
	free(checked);
	json_decref(changes);
	return NULL;
}

static int set_device_process(struct cmd_ctx *ctx, json_t *input)
{
	char *key = device_key(cmd_arg_str(ctx, "Identity"));
	json_t *cur = storecmd_get(ctx, "TestDevice", key, "test device"), *changes = NULL;
	int rc = 0;
	if (cur && !(changes = device_changes(ctx, cur)))
		rc = 0;
	else if (cur && json_object_size(changes) == 0)
		rc = cmd_error(ctx, "name what to change: -Identifier, -IdentifierType or -Name",
			       "Set-CsTestDevice was given nothing to change");
	else if (cur)
		rc = storecmd_update(ctx, "TestDevice", json_string_value(json_object_get(cur,
				     "Identity")), changes, "test device", cmd_arg_bool(ctx, "PassThru"));
	json_decref(changes);
	json_decref(cur);
	free(key);
	return rc < 0 || cmd_cancelled(ctx) ? -1 : 0;
}

static int remove_device_process(struct cmd_ctx *ctx, json_t *input)
{
	char *key = device_key(cmd_arg_str(ctx, "Identity"));
	int rc = storecmd_delete(ctx, "TestDevice", key, "test device");
	free(key);
	return rc;
}

static json_t *device_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "TestDevice", "Identity", prefix);
}

/* ---- Entries ----------------------------------------------------------- */

#define IDENTITY_PARAM(flags_, help_) { .name = "Identity", .type = PT_STRING, .position = 0, \
	.flags = flags_, .complete = device_complete, .help = help_ }

static const struct cmd_param get_device_params[] = {
	IDENTITY_PARAM(PF_PIPE_VALUE | PF_PIPE_PROP,
		       "The test device as Scope/Name (Global/Desk1, site:Redmond/Desk1); a bare "
		       "name is in Global. Wildcards list several; a pattern without a scope "
		       "(Desk*) matches names in every scope."),
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A condition on $_, e.g. { $_.IdentifierType -eq 'SerialNumber' }." },
	{ 0 },
};

#define IDENTIFIER_PARAMS(flags_) \
	{ .name = "IdentifierType", .type = PT_ENUM, .position = POS_NAMED, .flags = flags_, \
	  .values = identifier_types, \
	  .help = "What -Identifier is: the phone's MacAddress or its SerialNumber." }, \
	{ .name = "Identifier", .type = PT_STRING, .position = POS_NAMED, .flags = flags_, \
	  .help = "The phone's MAC address (any common spelling; stored as " \
		  "00-04-F2-AB-CD-EF) or serial number, as -IdentifierType says." }

static const struct cmd_param new_device_params[] = {
	IDENTITY_PARAM(PF_PIPE_PROP, "The new test device as Scope/Name: Global/Desk1 or "
		       "site:Redmond/Desk1 (the site must exist). Or give -Name and -Parent."),
	{ .name = "Name", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP,
	  .help = "The test device's name, with -Parent instead of -Identity." },
	{ .name = "Parent", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP,
	  .help = "The scope with -Name: Global (the default) or site:Name." },
	IDENTIFIER_PARAMS(PF_MANDATORY | PF_PIPE_PROP),
	{ 0 },
};

static const struct cmd_param set_device_params[] = {
	IDENTITY_PARAM(PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, "The test device to change."),
	IDENTIFIER_PARAMS(0),
	{ .name = "Name", .type = PT_STRING, .position = POS_NAMED,
	  .help = "A new name; the device keeps its scope, so its Identity becomes Scope/Name." },
	{ .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes the changed test device down the pipeline." },
	{ 0 },
};

static const struct cmd_param remove_device_params[] = {
	IDENTITY_PARAM(PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, "The test device to remove."),
	{ 0 },
};

const struct cmd_entry cmd_get_cstestdevice_entry = {
	.name = "Get-CsTestDevice",
	.synopsis = "Lists the test devices.",
	.description = "Writes one TestDevice object per test device: its identity (scope and "
		       "name), and the MAC address or serial number that identifies the phone. "
		       "Test devices receive a device update rule's PendingVersion before the "
		       "rule is approved.",
	.params = get_device_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsTestDevice", "Lists every test device." },
		{ "Get-CsTestDevice -Identity site:Redmond/*", "Lists the test devices of site Redmond." },
		{ 0 } },
	.outputs = "TestDevice",
	.role = ROLE_VIEW_ONLY,
	.process = get_device_process,
};

const struct cmd_entry cmd_new_cstestdevice_entry = {
	.name = "New-CsTestDevice",
	.synopsis = "Makes a phone a test device for device updates.",
	.description = "Names a phone, by MAC address or serial number, as a test device of a "
		       "scope: Global, or one site. Test devices download a rule's "
		       "PendingVersion, so that new firmware can be tried before "
		       "Approve-CsDeviceUpdateRule gives it to every phone.",
	.params = new_device_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsTestDevice -Identity Global/Desk1 -IdentifierType MacAddress -Identifier 0004f2abcdef",
		  "Makes the phone 00-04-F2-AB-CD-EF a test device everywhere." },
		{ "New-CsTestDevice -Name Lobby -Parent site:Default -IdentifierType SerialNumber -Identifier 64167F0A",
		  "Makes a phone, known by its serial number, a test device of one site." },
		{ 0 } },
	.outputs = "TestDevice",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = new_device_process,
};

const struct cmd_entry cmd_set_cstestdevice_entry = {
	.name = "Set-CsTestDevice",
	.synopsis = "Changes a test device.",
	.description = "Changes which phone a test device names (-Identifier, -IdentifierType) "
		       "or renames it (-Name). A new identifier is checked against the new "
		       "type, or the current one.",
	.params = set_device_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsTestDevice Global/Desk1 -Identifier 00:04:f2:ab:cd:01",
		  "Points the test device at another phone." },
		{ "Set-CsTestDevice Global/Desk1 -Name Desk2", "Renames it to Global/Desk2." },
		{ 0 } },
	.outputs = "TestDevice (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = set_device_process,
};

const struct cmd_entry cmd_remove_cstestdevice_entry = {
	.name = "Remove-CsTestDevice",
	.synopsis = "Removes a test device.",
	.description = "The phone is no longer a test device: it gets only approved versions. "
		       "The phone itself stays in the inventory.",
	.params = remove_device_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsTestDevice Global/Desk1 -Force", "Removes one test device without asking." },
		{ "Get-CsTestDevice site:Redmond/* | Remove-CsTestDevice -Force",
		  "Removes every test device of site Redmond." },
		{ 0 } },
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = remove_device_process,
};
