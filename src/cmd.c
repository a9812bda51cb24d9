/*
 * cmd: lookup in the cmdlet table and the accessors handlers use.
 */
#include "config.h"
#include "cmd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"

const char *cmd_role_name(enum cmd_role role)
{
	static const char *const names[] = {
		"CsViewOnlyAdministrator", "CsHelpDesk", "CsVoiceAdministrator",
		"CsUserAdministrator", "CsAdministrator",
	};
	return role <= ROLE_ADMIN ? names[role] : "unknown";
}

const struct cmd_entry *cmd_find(const char *name)
{
	for (size_t i = 0; i < cmd_table_len; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (str_ieq(e->name, name))
			return e;
		for (const char *const *a = e->aliases; a && *a; a++)
			if (str_ieq(*a, name))
				return e;
	}
	return NULL;
}

static const char *const error_actions[] = { "Continue", "Stop", "SilentlyContinue", NULL };
static const char *const ea_aliases[] = { "ea", NULL };
static const char *const vb_aliases[] = { "vb", NULL };
static const char *const wi_aliases[] = { "wi", NULL };
static const char *const cf_aliases[] = { "cf", NULL };

/* The first two apply to every cmdlet; the rest to those that change state. */
static const struct cmd_param common_params[] = {
	{ .name = "Verbose", .type = PT_SWITCH, .position = POS_NAMED, .aliases = vb_aliases,
	  .help = "Writes a line on what the cmdlet does, step by step." },
	{ .name = "ErrorAction", .type = PT_ENUM, .position = POS_NAMED, .aliases = ea_aliases,
	  .values = error_actions,
	  .help = "What to do on a non-terminating error: Continue (write it and go on), "
		  "Stop (stop the script), SilentlyContinue (go on without writing it)." },
	{ .name = "WhatIf", .type = PT_SWITCH, .position = POS_NAMED, .aliases = wi_aliases,
	  .help = "Says what the cmdlet would change, and changes nothing." },
	{ .name = "Confirm", .type = PT_SWITCH, .position = POS_NAMED, .aliases = cf_aliases,
	  .help = "Asks before each change. -Confirm:$false never asks." },
	{ .name = "Force", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Acts without asking for confirmation." },
};

const struct cmd_param *cmd_common_params(const struct cmd_entry *e, size_t *n)
{
	*n = (e->flags & CMD_CHANGES_STATE) ? UCSH_ARRAY_LEN(common_params) : 2;
	return common_params;
}

bool cmd_param_is_common(const struct cmd_param *p)
{
	return p >= common_params && p < common_params + UCSH_ARRAY_LEN(common_params);
}

static bool param_has_alias(const struct cmd_param *p, const char *name, bool prefix)
{
	for (const char *const *a = p->aliases; a && *a; a++)
		if (prefix ? str_iprefix(name, *a) : str_ieq(*a, name))
			return true;
	return false;
}

/* Visit own then common parameters. */
static const struct cmd_param *param_at(const struct cmd_entry *e, size_t i)
{
	size_t own = 0, ncommon;
	while (e->params && e->params[own].name)
		own++;
	const struct cmd_param *common = cmd_common_params(e, &ncommon);
	if (i < own)
		return &e->params[i];
	return i - own < ncommon ? &common[i - own] : NULL;
}

const struct cmd_param *cmd_find_param(const struct cmd_entry *e, const char *name,
				       struct ucsh_err *err)
{
	const struct cmd_param *p, *hit = NULL;
	size_t nhits = 0;
	struct strbuf names = STRBUF_INIT;
	for (size_t i = 0; (p = param_at(e, i)); i++)
		if (str_ieq(p->name, name) || param_has_alias(p, name, false)) {
			sb_free(&names);
			return p;
		}
	for (size_t i = 0; (p = param_at(e, i)); i++) {
		if (str_iprefix(name, p->name) || param_has_alias(p, name, true)) {
			sb_addf(&names, "%s-%s", nhits ? ", " : "", p->name);
			hit = p;
			nhits++;
		}
	}
	if (nhits == 1) {
		sb_free(&names);
		return hit;
	}
	if (nhits == 0) {
		err_set(err, "%s has no parameter -%s", e->name, name);
		err_hint(err, "Get-Help %s lists its parameters", e->name);
	} else {
		err_set(err, "parameter -%s is ambiguous: it could be %s", name, sb_str(&names));
	}
	sb_free(&names);
	return NULL;
}

const char *cmd_param_type_name(const struct cmd_param *p)
{
	static const char *const names[] = {
		[PT_STRING] = "String", [PT_INT] = "Int", [PT_NUMBER] = "Number",
		[PT_BOOL] = "Boolean", [PT_SWITCH] = "Switch", [PT_ENUM] = "String",
		[PT_SCRIPTBLOCK] = "ScriptBlock", [PT_HASHTABLE] = "Hashtable",
		[PT_OBJECT] = "Object", [PT_TIMESPAN] = "TimeSpan",
	};
	static const char *const arrays[] = {
		[PT_STRING] = "String[]", [PT_INT] = "Int[]", [PT_NUMBER] = "Number[]",
		[PT_BOOL] = "Boolean[]", [PT_SWITCH] = "Switch", [PT_ENUM] = "String[]",
		[PT_SCRIPTBLOCK] = "ScriptBlock[]", [PT_HASHTABLE] = "Hashtable[]",
		[PT_OBJECT] = "Object[]", [PT_TIMESPAN] = "TimeSpan[]",
	};
	return (p->flags & PF_ARRAY) ? arrays[p->type] : names[p->type];
}

json_t *cmd_arg(const struct cmd_ctx *ctx, const char *name)
{
	json_t *v = json_object_get(ctx->params, name);
	return json_is_null(v) ? NULL : v;
}

bool cmd_has_arg(const struct cmd_ctx *ctx, const char *name)
{
	return cmd_arg(ctx, name) != NULL;
}

const char *cmd_arg_str(const struct cmd_ctx *ctx, const char *name)
{
	return json_string_value(cmd_arg(ctx, name));
}

long long cmd_arg_int(const struct cmd_ctx *ctx, const char *name, long long dflt)
{
	double d;
	json_t *v = cmd_arg(ctx, name);
	if (!v || !value_to_number(v, &d))
		return dflt;
	return (long long)d;
}

double cmd_arg_number(const struct cmd_ctx *ctx, const char *name, double dflt)
{
	double d;
	json_t *v = cmd_arg(ctx, name);
	return v && value_to_number(v, &d) ? d : dflt;
}

bool cmd_arg_bool(const struct cmd_ctx *ctx, const char *name)
{
	return json_is_true(cmd_arg(ctx, name));
}
