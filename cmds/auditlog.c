/*
 * auditlog: Get-CsAuditLog, the record of every state-changing cmdlet and
 * of every denied one (see src/audit.h for what is written and how secrets
 * are kept out). The filters run in the store, so that a long log is not
 * read whole to find one administrator's last hour; the newest rows come
 * first, as an admin looking at a log wants them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cmds.h"
#include "storecmd.h"
#include "store.h"

static const char *const outcomes[] = {
	AUDIT_SUCCESS, AUDIT_FAILED, AUDIT_DENIED, AUDIT_WHATIF, NULL,
};

static void add_cond(json_t *filter, const char *prop, const char *op, const char *value)
{
	json_array_append_new(filter, json_pack("{s:s,s:s,s:s}", "Property", prop, "Op", op,
						"Value", value));
}

/* -StartTime/-EndTime as the store's timestamps, or an error naming the
 * parameter. A bare date is that day at 00:00 UTC. */
static int add_time(struct cmd_ctx *ctx, json_t *filter, const char *param, const char *op)
{
	const char *given = cmd_arg_str(ctx, param);
	time_t t;
	char ts[STORE_TIMESTAMP_LEN];
	if (!given)
		return 0;
	if (store_timestamp_parse(given, &t) != 0)
		return cmd_error(ctx, "e.g. 2026-11-26, 2026-11-26T10:00:00Z or 2026-11-26T11:00:00+01:00",
				 "-%s: '%.60s' is not a time", param, given), -1;
	store_timestamp(t, ts);
	add_cond(filter, "Time", op, ts);
	return 0;
}

static int get_audit_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *filter = json_array();
	const char *admin = cmd_arg_str(ctx, "Administrator"), *cmdlet = cmd_arg_str(ctx, "Cmdlet");
	const char *outcome = cmd_arg_str(ctx, "Outcome");
	struct store_query_opts opts = { .sort = "Id", .descending = true,
					 .limit = cmd_arg_int(ctx, "ResultSize", 0) };
	int rc = 0;
	if (opts.limit < 0)
		rc = cmd_error(ctx, NULL, "-ResultSize must be 0 (all) or more");
	if (rc == 0 && (add_time(ctx, filter, "StartTime", "ge") ||
			add_time(ctx, filter, "EndTime", "le")))
		rc = -1;
	if (rc == 0) {
		if (admin)
			add_cond(filter, "Administrator", "like", admin);
		if (cmdlet)
			add_cond(filter, "Cmdlet", "like", cmdlet);
		if (outcome)
			add_cond(filter, "Outcome", "eq", outcome);
		rc = storecmd_query(ctx, "AuditLog", filter, &opts, cmd_arg(ctx, "Filter"));
	} else {
		rc = cmd_cancelled(ctx) ? -1 : 0;
	}
	json_decref(filter);
	return rc;
}

static json_t *admin_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "Administrator", "Name", prefix);
}

static const struct cmd_param get_audit_params[] = {
	{ .name = "Administrator", .type = PT_STRING, .position = 0, .complete = admin_complete,
	  .help = "Only the rows of this administrator (wildcards allowed). Local shells are "
		  "recorded under the Unix user's name, with Source local." },
	{ .name = "Cmdlet", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only the rows of this cmdlet (wildcards allowed: Set-*)." },
	{ .name = "StartTime", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only rows at or after this time (2026-11-26, 2026-11-26T10:00:00Z)." },
	{ .name = "EndTime", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only rows at or before this time." },
	{ .name = "Outcome", .type = PT_ENUM, .position = POS_NAMED, .values = outcomes,
	  .help = "Only rows with this outcome: Success, Failed, Denied (the role did not allow "
		  "it) or WhatIf." },
	{ .name = "ResultSize", .type = PT_INT, .position = POS_NAMED,
	  .help = "At most this many rows, the newest first (0: all)." },
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A condition on $_, e.g. { $_.Source -like '10.1.*' }." },
	{ 0 },
};

const struct cmd_entry cmd_get_csauditlog_entry = {
	.name = "Get-CsAuditLog",
	.synopsis = "Shows who changed what, when, from where, and who was refused.",
	.description = "Writes one AuditLog object per recorded command, newest first: the "
		       "time, the administrator, the source address, the command line (secrets "
		       "such as PINs shown as ***), the cmdlet, the outcome (Success, Failed, "
		       "Denied, WhatIf) and the first error of a failure. Every state-changing "
		       "cmdlet is recorded, from SSH sessions and local shells alike, and every "
		       "cmdlet a role denied.",
	.params = get_audit_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsAuditLog -ResultSize 20", "The last twenty recorded commands." },
		{ "Get-CsAuditLog alice -StartTime 2026-11-26", "What alice did since a day began (UTC)." },
		{ "Get-CsAuditLog -Outcome Denied", "Every command a role refused." },
		{ "Get-CsAuditLog -Cmdlet Set-CsClientPin | Format-List", "Every PIN change, in full." },
		{ 0 } },
	.outputs = "AuditLog",
	.role = ROLE_VIEW_ONLY,
	.process = get_audit_process,
};
