/*
 * help: the cmdlets that describe the shell itself. Get-Help shows the text
 * that src/help.c builds from an entry; Get-Command lists entries as
 * CommandInfo objects; Get-Member lists the properties of the objects in a
 * pipeline. None of them knows anything about a particular cmdlet: all of
 * it comes from the table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "format.h"
#include "help.h"
#include "shell.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* --- shared ------------------------------------------------------------------ */

static json_t *command_info(const struct cmd_entry *e)
{
	json_t *o = value_object_new("CommandInfo");
	const char *dash = strchr(e->name, '-');
	json_object_set_new(o, "Name", json_string(e->name));
	json_object_set_new(o, "CommandType", json_string("Cmdlet"));
	json_object_set_new(o, "Verb", dash ? json_stringn(e->name, (size_t)(dash - e->name))
					    : json_string(""));
	json_object_set_new(o, "Noun", json_string(dash ? dash + 1 : e->name));
	json_object_set_new(o, "Role", json_string(cmd_role_name(e->role)));
	json_object_set_new(o, "Synopsis", json_string(e->synopsis));
	return o;
}

/* Get-Help NAME and Get-Command NAME: Tab offers the cmdlet names. */
static json_t *complete_cmdlet_name(struct shell *sh, const char *prefix)
{
	json_t *out = json_array();
	for (size_t i = 0; i < cmd_table_len; i++)
		if (str_iprefix(prefix, cmd_table[i]->name))
			json_array_append_new(out, json_string(cmd_table[i]->name));
	return out;
}

/* Help is wrapped to the terminal, or to 80 columns when it goes elsewhere. */
static int help_width(const struct shell *sh)
{
	int cols = shell_terminal_width(sh);
	return cols ? cols : 80;
}

/* Write text down the pipeline one line at a time, as PowerShell's help does. */
static int emit_lines(struct cmd_ctx *ctx, const char *text)
{
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		if (cmd_emit(ctx, json_stringn(p, n)))
			return -1;
		p += n + (p[n] == '\n');
	}
	return 0;
}

/* --- Get-Help ------------------------------------------------------------------ */

static const char shell_guide[] =
	"\n"
	"ucsh: the management shell for SIP desk phones\n"
	"\n"
	"    A command is a cmdlet, Verb-Noun, with parameters: -Name value, switches\n"
	"    such as -Force, and positional values. Names of cmdlets and parameters are\n"
	"    case-insensitive, and a parameter may be shortened while it stays\n"
	"    unambiguous. Cmdlets write objects, not text: | passes them to the next\n"
	"    cmdlet, and what reaches the end of the pipeline is shown as a table or a\n"
	"    list.\n"
	"\n"
	"    Get-Command                   lists every cmdlet\n"
	"    Get-Command -Noun CsPhone     the cmdlets that act on phones\n"
	"    Get-Help NAME                 what a cmdlet does, and its syntax\n"
	"    Get-Help NAME -Examples       examples of its use\n"
	"    Get-Help NAME -Full           everything, parameter by parameter\n"
	"    Get-Help Get-Cs*              the cmdlets whose names match\n"
	"    ... | Get-Member              the properties of the objects in a pipeline\n"
	"\n"
	"    Tab completes cmdlet names, parameters and their values. man ucsh describes\n"
	"    the language; man ucsh-cmdlets lists every cmdlet.\n";

static enum help_level help_level_of(const struct cmd_ctx *ctx)
{
	if (cmd_arg_bool(ctx, "Full"))
		return HELP_FULL;
	if (cmd_arg_bool(ctx, "Detailed"))
		return HELP_DETAILED;
	if (cmd_arg_bool(ctx, "Examples"))
		return HELP_EXAMPLES;
	return HELP_BRIEF;
}

static int help_one(struct cmd_ctx *ctx, const struct cmd_entry *e)
{
	struct ucsh_err err;
	const char *param = cmd_arg_str(ctx, "Parameter");
	char *text;
	err_clear(&err);
	if (param) {
		text = help_parameter(e, param, &err);
		if (!text)
			return cmd_fail(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
	} else {
		text = help_text(e, help_level_of(ctx), help_width(ctx->shell));
	}
	int rc = emit_lines(ctx, text);
	free(text);
	return rc;
}

static int get_help_process(struct cmd_ctx *ctx, json_t *input)
{
	(void)input;
	const char *name = cmd_arg_str(ctx, "Name");
	if (!name || !*name)
		return emit_lines(ctx, shell_guide);
	if (!wildcard_has_meta(name)) {
		const struct cmd_entry *e = cmd_find(name);
		if (!e)
			return cmd_fail(ctx, "Get-Command lists every cmdlet; Get-Help Get-* finds them "
					     "by pattern", "no help found for '%s': it is not the "
					     "name of a cmdlet", name);
		return help_one(ctx, e);
	}
	/* a pattern: one match shows its help, several are listed, as in PowerShell */
	const struct cmd_entry *only = NULL;
	size_t hits = 0;
	for (size_t i = 0; i < cmd_table_len; i++)
		if (wildcard_match(name, cmd_table[i]->name)) {
			only = cmd_table[i];
			hits++;
		}
	if (hits == 1)
		return help_one(ctx, only);
	if (hits == 0)
		return cmd_fail(ctx, "Get-Command lists every cmdlet",
				"no cmdlet matches '%s'", name);
	for (size_t i = 0; i < cmd_table_len; i++)
		if (wildcard_match(name, cmd_table[i]->name) &&
		    cmd_emit(ctx, command_info(cmd_table[i])))
			return -1;
	return 0;
}

static const struct cmd_param get_help_params[] = {
	{ .name = "Name", .type = PT_STRING, .position = 0, .complete = complete_cmdlet_name,
	  .help = "The cmdlet (or one of its aliases) to explain. A wildcard pattern such as "
		  "Get-Cs* lists the cmdlets that match; without a name, Get-Help explains the "
		  "shell." },
	{ .name = "Examples", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Shows only the name, the synopsis and the examples." },
	{ .name = "Detailed", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Adds the description of each parameter, and the examples." },
	{ .name = "Full", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Shows everything: parameters with their attributes (required, position, "
		  "pipeline input, aliases, accepted values), inputs, outputs, notes, examples "
		  "and the role a cmdlet needs." },
	{ .name = "Parameter", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Shows only the named parameter, with its attributes. A wildcard pattern "
		  "shows every parameter that matches." },
	{ 0 },
};

const struct cmd_entry cmd_get_help_entry = {
	.name = "Get-Help",
	.aliases = ALIASES("help", "man"),
	.synopsis = "Explains a cmdlet: what it does, its syntax, parameters and examples.",
	.description =
		"Shows the help of a cmdlet, built from the same definition that parses its "
		"parameters, so it always describes the cmdlet as it is. Without a switch "
		"Get-Help shows the synopsis, syntax and description; -Examples, -Detailed and "
		"-Full show more, and -Parameter shows one parameter.\n\n"
		"The help is written as lines of text, wrapped to the width of the terminal. "
		"The same text is in the man page of each cmdlet (man ucsh-get-csphone for "
		"Get-CsPhone).",
	.params = get_help_params,
	.examples = (const struct cmd_example[]){
		{ "Get-Help Where-Object -Examples", "Shows examples of filtering objects." },
		{ "Get-Help Get-Command -Full", "Shows every detail of Get-Command's parameters." },
		{ "Get-Help Get-Help -Parameter Name", "Shows what the -Name parameter takes." },
		{ "Get-Help Write-*", "Lists the cmdlets whose names begin with Write-." },
		{ 0 } },
	.outputs = "String",
	.role = ROLE_VIEW_ONLY,
	.process = get_help_process,
};

/* --- Get-Command ---------------------------------------------------------------- */

/* Does s match any pattern of the array (or is the array absent)? */
static bool matches_any(json_t *patterns, const char *s)
{
	json_t *it;
	size_t i;
	if (!patterns)
		return true;
	json_array_foreach(patterns, i, it)
		if (wildcard_match(json_string_value(it), s))
			return true;
	return false;
}

static bool entry_matches(const struct cmd_ctx *ctx, const struct cmd_entry *e)
{
	const char *dash = strchr(e->name, '-');
	char *verb = xstrndup(e->name, dash ? (size_t)(dash - e->name) : strlen(e->name));
	bool alias_hit = false;
	for (const char *const *a = e->aliases; a && *a && cmd_arg(ctx, "Name"); a++)
		alias_hit = alias_hit || matches_any(cmd_arg(ctx, "Name"), *a);
	bool ok = (matches_any(cmd_arg(ctx, "Name"), e->name) || alias_hit) &&
		  matches_any(cmd_arg(ctx, "Verb"), verb) &&
		  matches_any(cmd_arg(ctx, "Noun"), dash ? dash + 1 : e->name);
	free(verb);
	return ok;
}

/* A name without wildcards that matched nothing is an error, as in PowerShell. */
static int report_unmatched(struct cmd_ctx *ctx)
{
	json_t *names = cmd_arg(ctx, "Name"), *it;
	size_t i;
	int rc = 0;
	json_array_foreach(names, i, it) {
		const char *n = json_string_value(it);
		if (!wildcard_has_meta(n) && !cmd_find(n))
			rc |= cmd_error(ctx, "Get-Command with a pattern, such as Get-Command *Phone*, "
					     "finds cmdlets by part of their name",
					"'%s' is not the name of a cmdlet", n);
	}
	return rc ? -1 : 0;
}

static int get_command_process(struct cmd_ctx *ctx, json_t *input)
{
	(void)input;
	for (size_t i = 0; i < cmd_table_len; i++)
		if (entry_matches(ctx, cmd_table[i]) && cmd_emit(ctx, command_info(cmd_table[i])))
			return -1;
	return report_unmatched(ctx);
}

static const struct cmd_param get_command_params[] = {
	{ .name = "Name", .type = PT_STRING, .flags = PF_ARRAY, .position = 0,
	  .complete = complete_cmdlet_name,
	  .help = "Names or wildcard patterns of the cmdlets to list; an alias finds its "
		  "cmdlet. A name without wildcards that is no cmdlet is an error." },
	{ .name = "Verb", .type = PT_STRING, .flags = PF_ARRAY, .position = POS_NAMED,
	  .help = "Lists the cmdlets with this verb (Get, Set, New, ...); wildcards allowed." },
	{ .name = "Noun", .type = PT_STRING, .flags = PF_ARRAY, .position = POS_NAMED,
	  .help = "Lists the cmdlets with this noun (CsPhone, Object, ...); wildcards allowed." },
	{ 0 },
};

const struct cmd_entry cmd_get_command_entry = {
	.name = "Get-Command",
	.aliases = ALIASES("gcm"),
	.synopsis = "Lists the cmdlets of the shell.",
	.description =
		"Writes a CommandInfo object for each cmdlet, in the order of their names: its "
		"Name, CommandType, Verb, Noun, the Role it needs and its Synopsis. -Name, -Verb "
		"and -Noun narrow the list and take wildcard patterns; given together, a cmdlet "
		"must match all of them.",
	.params = get_command_params,
	.examples = (const struct cmd_example[]){
		{ "Get-Command", "Lists every cmdlet." },
		{ "Get-Command -Verb Get", "Lists the cmdlets that only read." },
		{ "Get-Command *Object", "Lists the cmdlets whose noun is Object." },
		{ "Get-Command -Noun CsPhone | Select-Object -ExpandProperty Name",
		  "Writes the names of the phone cmdlets as plain strings." },
		{ 0 } },
	.outputs = "CommandInfo",
	.role = ROLE_VIEW_ONLY,
	.process = get_command_process,
};

/* --- Get-Member ------------------------------------------------------------------ */

struct get_member {
	json_t *first; /* type name -> the first object of that type */
	json_t *order; /* type names in the order they arrived */
};

/* How Get-Member names a value's type in a definition ("string Model=CX600"). */
static const char *short_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "long";
	case JSON_REAL: return "double";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	case JSON_ARRAY: return "Object[]";
	case JSON_OBJECT: return value_is_scriptblock(v) ? "scriptblock" : value_type(v);
	default: return "object";
	}
}

static int get_member_process(struct cmd_ctx *ctx, json_t *input)
{
	struct get_member *gm = ctx->state;
	json_t *v = input ? input : cmd_arg(ctx, "InputObject");
	if (!v)
		return 0;
	if (!gm) {
		gm = ctx->state = xcalloc(1, sizeof(*gm));
		gm->first = json_object();
		gm->order = json_array();
	}
	const char *type = value_type(v);
	if (!json_object_get(gm->first, type)) {
		json_object_set(gm->first, type, v);
		json_array_append_new(gm->order, json_string(type));
	}
	return 0;
}

static json_t *member(const char *type, const char *name, const char *mtype, char *definition)
{
	json_t *m = value_object_new("MemberDefinition");
	json_object_set_new(m, "TypeName", json_string(type));
	json_object_set_new(m, "Name", json_string(name));
	json_object_set_new(m, "MemberType", json_string(mtype));
	json_object_set_new(m, "Definition", json_string(definition));
	free(definition);
	return m;
}

static int cmp_member_names(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcasecmp(json_string_value(json_object_get(x, "Name")),
			  json_string_value(json_object_get(y, "Name")));
}

/*
 * The members of one object, sorted by name. Objects that came from JSON
 * or CSV have note properties (they were added to a PSCustomObject); typed
 * objects (Phone, User, ...) have properties. A string has its Length.
 */
static json_t *members_of(const char *type, const json_t *v, json_t *filter)
{
	json_t *out = json_array(), *val;
	const char *key;
	bool typed = json_is_object(v) && value_object_type(v);
	if (json_is_string(v) && matches_any(filter, "Length"))
		json_array_append_new(out, member(type, "Length", "Property",
						  xstrdup("int Length {get;}")));
	if (json_is_object(v) && !value_is_scriptblock(v))
		value_each_prop((json_t *)v, key, val) {
			if (!matches_any(filter, key))
				continue;
			char *text = format_cell(val);
			char *def = xasprintf("%s %s=%s", short_type(val), key, text);
			free(text);
			json_array_append_new(out, member(type, key, typed ? "Property" : "NoteProperty",
							  def));
		}
	size_t n = json_array_size(out);
	json_t **items = xcalloc(n ? n : 1, sizeof(*items));
	for (size_t i = 0; i < n; i++)
		items[i] = json_incref(json_array_get(out, i));
	qsort(items, n, sizeof(*items), cmp_member_names);
	json_array_clear(out);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, items[i]);
	free(items);
	return out;
}

static int get_member_end(struct cmd_ctx *ctx)
{
	struct get_member *gm = ctx->state;
	json_t *type, *m;
	size_t i, j;
	if (!gm)
		return cmd_fail(ctx, "pipe objects to it: Get-Command | Get-Member",
				"Get-Member needs an object to describe");
	json_array_foreach(gm->order, i, type) {
		const char *t = json_string_value(type);
		json_t *members = members_of(t, json_object_get(gm->first, t), cmd_arg(ctx, "Name"));
		/* the header line goes down the pipeline with the members, in order */
		int rc = cmd_emit(ctx, json_sprintf("TypeName: %s", t));
		json_array_foreach(members, j, m)
			if (!rc)
				rc = cmd_emit(ctx, json_incref(m));
		json_decref(members);
		if (rc)
			return -1;
	}
	return 0;
}

static void get_member_cleanup(struct cmd_ctx *ctx)
{
	struct get_member *gm = ctx->state;
	if (!gm)
		return;
	json_decref(gm->first);
	json_decref(gm->order);
	free(gm);
	ctx->state = NULL;
}

static const struct cmd_param get_member_params[] = {
	{ .name = "Name", .type = PT_STRING, .flags = PF_ARRAY, .position = 0,
	  .help = "Shows only the members with these names; wildcards allowed." },
	{ .name = "InputObject", .type = PT_OBJECT, .flags = PF_PIPE_VALUE, .position = POS_NAMED,
	  .help = "The object to describe; usually it comes down the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_get_member_entry = {
	.name = "Get-Member",
	.aliases = ALIASES("gm"),
	.synopsis = "Lists the properties of the objects in a pipeline.",
	.description =
		"For each type of object that reaches it, Get-Member writes the line "
		"\"TypeName: <type>\" and then one MemberDefinition per property, sorted by name: "
		"its Name, its MemberType (Property for the objects of ucsh's own types, "
		"NoteProperty for objects made from JSON or CSV) and a Definition with the type "
		"and value of the first object of that type, such as \"string Model=CX600\".\n\n"
		"Use it to find the property names that Where-Object, Select-Object and "
		"Sort-Object take.",
	.params = get_member_params,
	.examples = (const struct cmd_example[]){
		{ "Get-Command | Get-Member", "Shows the properties of CommandInfo objects." },
		{ "ConvertFrom-Json '{\"Model\":\"CX600\",\"Port\":5061}' | Get-Member",
		  "Shows two note properties: Model (a string) and Port (a number)." },
		{ 0 } },
	.outputs = "MemberDefinition",
	.notes = "Only the first object of each type is examined, as in PowerShell: objects "
		 "made from ragged JSON may have properties that it does not show.",
	.role = ROLE_VIEW_ONLY,
	.process = get_member_process,
	.end = get_member_end,
	.cleanup = get_member_cleanup,
};
