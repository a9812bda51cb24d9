/*
 * site: Get-, New-, Set- and Remove-CsSite. A site is a place: pools belong
 * to one, and its subnets let ucshd put a phone in the right site by the
 * address it registers from. Identities are Lync's "Site:Name"; the prefix
 * may be left out when typing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "storecmd.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* "Redmond" and "site:Redmond" both mean "Site:Redmond". Caller frees. */
static char *site_key(const char *identity)
{
	if (str_iprefix("site:", identity))
		return xasprintf("Site:%s", identity + 5);
	return xasprintf("Site:%s", identity);
}

static json_t *site_complete(struct shell *sh, const char *prefix);

static int get_site_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *id = cmd_arg_str(ctx, "Identity");
	if (id && !wildcard_has_meta(id)) {
		char *key = site_key(id);
		json_t *site = storecmd_get(ctx, "Site", key, "site");
		free(key);
		int rc = site ? storecmd_emit(ctx, "Site", site) : 0;
		json_decref(site);
		return rc;
	}
	if (!id)
		return storecmd_query(ctx, "Site", NULL, NULL, cmd_arg(ctx, "Filter"));
	char *pattern = site_key(id);
	int rc = storecmd_query_like(ctx, "Site", "Identity", pattern, NULL, NULL,
				     cmd_arg(ctx, "Filter"));
	free(pattern);
	return rc;
}

static int new_site_process(struct cmd_ctx *ctx, json_t *input)
{
	char *key = site_key(cmd_arg_str(ctx, "Identity"));
	json_t *obj = storecmd_props(ctx, "Site", ALIASES("Identity"));
	json_object_set_new(obj, "Identity", json_string(key));
	if (!json_object_get(obj, "DisplayName"))
		json_object_set_new(obj, "DisplayName", json_string(key + 5));
	int rc = storecmd_insert(ctx, "Site", key, obj, "site");
	json_decref(obj);
	free(key);
	return rc;
}

static int set_site_process(struct cmd_ctx *ctx, json_t *input)
{
	char *key = site_key(cmd_arg_str(ctx, "Identity"));
	json_t *changes = storecmd_props(ctx, "Site", ALIASES("Identity", "PassThru"));
	int rc = json_object_size(changes) == 0
			 ? cmd_error(ctx, "name at least one property to change, e.g. -City",
				     "Set-CsSite was given nothing to change")
			 : storecmd_update(ctx, "Site", key, changes, "site",
					   cmd_arg_bool(ctx, "PassThru"));
	json_decref(changes);
	free(key);
	return rc;
}

static int remove_site_process(struct cmd_ctx *ctx, json_t *input)
{
	char *key = site_key(cmd_arg_str(ctx, "Identity"));
	int rc = storecmd_delete(ctx, "Site", key, "site");
	free(key);
	return rc;
}

/* Live completion of site identities for -Identity. */
static json_t *site_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "Site", "Identity", prefix);
}

#define SITE_PROPS \
	{ .name = "DisplayName", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_PIPE_PROP, .help = "The site's name as people say it." }, \
	{ .name = "Description", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_PIPE_PROP, .help = "Free text about the site." }, \
	{ .name = "City", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "The city the site is in." }, \
	{ .name = "State", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "The state or province." }, \
	{ .name = "CountryCode", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_PIPE_PROP, .help = "The two-letter country code (US, DE)." }, \
	{ .name = "Subnets", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_ARRAY | PF_PIPE_PROP, \
	  .help = "The address prefixes of the site (10.1.0.0/16, 2001:db8::/48): a phone " \
		  "that checks in from one of them is placed in this site." }

static const struct cmd_param get_site_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .flags = PF_PIPE_VALUE | PF_PIPE_PROP,
	  .help = "The site, as Site:Name or Name; wildcards (Site:HQ*) list several.",
	  .complete = site_complete },
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A condition on $_, e.g. { $_.City -eq 'Redmond' }; simple comparisons run "
		  "in the store." },
	{ 0 },
};

static const struct cmd_param new_site_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_PROP, .help = "The new site's name (Site:Name or Name)." },
	SITE_PROPS,
	{ 0 },
};

static const struct cmd_param set_site_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, .help = "The site to change.",
	  .complete = site_complete },
	SITE_PROPS,
	{ .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes the changed site down the pipeline." },
	{ 0 },
};

static const struct cmd_param remove_site_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, .help = "The site to remove.",
	  .complete = site_complete },
	{ 0 },
};

const struct cmd_entry cmd_get_cssite_entry = {
	.name = "Get-CsSite",
	.synopsis = "Lists the sites of the deployment.",
	.description = "Writes one Site object per site: its identity, names, location and the "
		       "subnets that place phones in it. With no -Identity, every site.",
	.params = get_site_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsSite", "Lists every site." },
		{ "Get-CsSite -Identity Redmond | Format-List", "Shows all of one site's properties." },
		{ "Get-CsSite -Filter { $_.CountryCode -eq 'DE' }", "Lists the sites in Germany." },
		{ 0 } },
	.outputs = "Site",
	.role = ROLE_VIEW_ONLY,
	.process = get_site_process,
};

const struct cmd_entry cmd_new_cssite_entry = {
	.name = "New-CsSite",
	.synopsis = "Creates a site.",
	.description = "Adds a site to the topology. Pools are then placed in it with "
		       "New-CsPool -Site or Set-CsPool -Site, and its -Subnets let phones be "
		       "placed in it by their address.",
	.params = new_site_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsSite -Identity Redmond -City Redmond -State WA -CountryCode US",
		  "Creates the site Site:Redmond." },
		{ "New-CsSite Berlin -Subnets 10.20.0.0/16,2001:db8:20::/48",
		  "Creates a site with the address ranges of its phones." },
		{ "Import-Csv sites.csv | New-CsSite", "Creates one site per line of a CSV file "
		  "with an Identity column (and any of the other properties)." },
		{ 0 } },
	.outputs = "Site",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = new_site_process,
};

const struct cmd_entry cmd_set_cssite_entry = {
	.name = "Set-CsSite",
	.synopsis = "Changes the properties of a site.",
	.description = "Sets the properties named on the command line and leaves the others as "
		       "they are. A property given as $null is cleared.",
	.params = set_site_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsSite Redmond -Description 'Main campus'", "Changes one property." },
		{ "Get-CsSite | Set-CsSite -CountryCode US", "Changes every site." },
		{ 0 } },
	.outputs = "Site (with -PassThru)",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = set_site_process,
};

const struct cmd_entry cmd_remove_cssite_entry = {
	.name = "Remove-CsSite",
	.synopsis = "Removes a site.",
	.description = "Deletes a site. A site that a pool still belongs to cannot be removed: "
		       "move or remove the pool first.",
	.params = remove_site_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsSite -Identity Site:Berlin", "Removes the site, asking first on a terminal." },
		{ "Remove-CsSite Berlin -Force", "Removes it without asking." },
		{ 0 } },
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = remove_site_process,
};
