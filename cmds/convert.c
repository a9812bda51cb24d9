/*
 * convert: ConvertTo-Json and ConvertFrom-Json, between pipeline objects and
 * JSON text, with PowerShell 7's rules: ConvertTo-Json writes one document
 * for all its input (an array when there are several) and turns what lies
 * deeper than -Depth into text; ConvertFrom-Json writes the items of an
 * array one by one.
 *
 * JSON from outside is untrusted: its size is bounded, its nesting is
 * bounded (Jansson's own limit, and -Depth), and a key that would pass for
 * one of the hidden keys that carry a value's type is refused, so that text
 * cannot forge the type of the objects it becomes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "format.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define JSON_INPUT_MAX (64 * 1024 * 1024)
#define JSON_DEPTH_MAX 100        /* ConvertTo-Json -Depth, as in PowerShell */
#define JSON_READ_DEPTH 1024      /* ConvertFrom-Json -Depth default, as in PowerShell */

/* --- ConvertTo-Json ------------------------------------------------------- */

struct to_json {
	json_t *items;
};

static int to_json_begin(struct cmd_ctx *ctx)
{
	long long depth = cmd_arg_int(ctx, "Depth", 2);
	ctx->state = xcalloc(1, sizeof(struct to_json));
	if (depth < 0 || depth > JSON_DEPTH_MAX)
		return cmd_fail(ctx, NULL, "-Depth must be from 0 to %d (it was %lld)",
				JSON_DEPTH_MAX, depth);
	((struct to_json *)ctx->state)->items = json_array();
	return 0;
}

static int to_json_process(struct cmd_ctx *ctx, json_t *input)
{
	struct to_json *tj = ctx->state;
	/* -InputObject given as written: the value itself, a list included */
	json_t *v = input ? input : json_object_get(ctx->params, "InputObject");
	if (tj && tj->items && v)
		json_array_append(tj->items, v);
	return 0;
}

/* The JSON for v at nesting level `level`: objects and lists deeper than
 * depth become their text. Hidden keys go; script blocks become their text. */
static json_t *json_for(const json_t *v, int level, int depth, bool *truncated)
{
	if (value_is_scriptblock(v))
		return json_string(value_scriptblock_text(v));
	if ((json_is_object(v) || json_is_array(v)) && level > depth) {
		char *text = value_to_string(v);
		json_t *s = json_string(text);
		free(text);
		*truncated = true;
		return s;
	}
	if (json_is_object(v)) {
		json_t *o = json_object(), *p;
		const char *k;
		value_each_prop((json_t *)v, k, p)
			json_object_set_new(o, k, json_for(p, level + 1, depth, truncated));
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array(), *it;
		size_t i;
		json_array_foreach(v, i, it)
			json_array_append_new(a, json_for(it, level + 1, depth, truncated));
		return a;
	}
	return json_incref((json_t *)v);
}

static int to_json_end(struct cmd_ctx *ctx)
{
	struct to_json *tj = ctx->state;
	if (!tj || !tj->items || !json_array_size(tj->items))
		return 0;
	int depth = (int)cmd_arg_int(ctx, "Depth", 2);
	bool whole = json_array_size(tj->items) > 1 || cmd_arg_bool(ctx, "AsArray");
	bool truncated = false;
	json_t *doc = json_for(whole ? tj->items : json_array_get(tj->items, 0), 0, depth,
			       &truncated);
	size_t flags = JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(format_real_precision(doc)) |
		       (cmd_arg_bool(ctx, "Compress") ? JSON_COMPACT : JSON_INDENT(2));
	char *text = json_dumps(doc, flags);
	json_decref(doc);
	if (truncated)
		cmd_warning(ctx, "Resulting JSON is truncated as serialization has exceeded the "
				 "set depth of %d.", depth);
	if (!text)
		return cmd_fail(ctx, NULL, "the input cannot be written as JSON");
	json_t *s = json_string(text);
	free(text);
	if (!s)
		return cmd_fail(ctx, "text in the input is not valid UTF-8",
				"the input cannot be written as JSON");
	return cmd_emit(ctx, s);
}

static void to_json_cleanup(struct cmd_ctx *ctx)
{
	struct to_json *tj = ctx->state;
	if (!tj)
		return;
	json_decref(tj->items);
	free(tj);
	ctx->state = NULL;
}

static const struct cmd_param to_json_params[] = {
	{ .name = "InputObject", .type = PT_OBJECT, .position = 0, .flags = PF_PIPE_VALUE,
	  .help = "The objects to convert, usually from the pipeline. Given by name, a list "
		  "is one value, written as a JSON array." },
	{ .name = "Depth", .type = PT_INT, .position = POS_NAMED,
	  .help = "How many levels of nested objects and lists to write (0 to 100, default "
		  "2); deeper ones are written as their text, with a warning." },
	{ .name = "Compress", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes the JSON on one line, without spaces." },
	{ .name = "AsArray", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes a JSON array even for a single object." },
	{ 0 },
};

const struct cmd_entry cmd_convertto_json_entry = {
	.name = "ConvertTo-Json",
	.synopsis = "Converts objects to a JSON string.",
	.description =
		"Reads every input and writes one string holding one JSON document: the object "
		"itself when there is one, an array when there are several (or with -AsArray). "
		"Property order is kept. Objects and lists nested deeper than -Depth are written "
		"as their text, as PowerShell does, and a warning says so: raise -Depth to keep "
		"them whole.",
	.params = to_json_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | ConvertTo-Json", "The records of a CSV file as one JSON array." },
		{ "Import-Csv phones.csv | Select-Object MacAddress, Model | ConvertTo-Json -Compress | "
		  "Out-File phones.json",
		  "Two properties of each phone, on one line, into a file." },
		{ "@{a=@{b=@{c=1}}} | ConvertTo-Json -Depth 5", "Keeps deep nesting." },
		{ 0 } },
	.outputs = "String",
	.role = ROLE_VIEW_ONLY,
	.begin = to_json_begin,
	.process = to_json_process,
	.end = to_json_end,
	.cleanup = to_json_cleanup,
};

/* --- ConvertFrom-Json ----------------------------------------------------- */

struct from_json {
	json_t *texts;    /* the input strings */
	size_t size;      /* their total length */
};

static int from_json_begin(struct cmd_ctx *ctx)
{
	struct from_json *fj = xcalloc(1, sizeof(*fj));
	ctx->state = fj;
	fj->texts = json_array();
	if (cmd_arg_int(ctx, "Depth", JSON_READ_DEPTH) < 1)
		return cmd_fail(ctx, NULL, "-Depth must be 1 or more");
	return 0;
}

static int from_json_process(struct cmd_ctx *ctx, json_t *input)
{
	struct from_json *fj = ctx->state;
	json_t *texts = cmd_arg(ctx, "InputObject");
	(void)input;
	for (size_t i = 0; fj && i < value_count(texts); i++) {
		json_t *t = value_item(texts, i);
		fj->size += json_string_length(t) + 1;
		if (fj->size > JSON_INPUT_MAX)
			return cmd_fail(ctx, "split the input into several documents",
					"the JSON input is larger than %d MiB",
					JSON_INPUT_MAX / (1024 * 1024));
		json_array_append(fj->texts, t);
	}
	return 0;
}

/* Check what Jansson does not: nesting against -Depth, keys that would pass
 * for hidden ones, and (unless as_hashtable) keys that are empty or differ
 * only in case, which properties cannot tell apart. Marks objects as
 * Hashtable with as_hashtable. */
static int check_doc(json_t *v, long long depth, int level, bool as_hashtable,
		     struct ucsh_err *err)
{
	const char *k, *k2;
	json_t *it, *it2;
	size_t i;
	if ((json_is_object(v) || json_is_array(v)) && level >= depth)
		return err_set(err, "the JSON is nested more than %lld levels deep", depth);
	if (json_is_array(v))
		json_array_foreach(v, i, it)
			if (check_doc(it, depth, level + 1, as_hashtable, err))
				return -1;
	if (!json_is_object(v))
		return 0;
	json_object_foreach(v, k, it) {
		if (value_is_hidden_key(k))
			return err_set(err, "the JSON has a property name that begins with the "
					    "control character U+001F");
		if (!as_hashtable && !*k) {
			err_set(err, "the JSON has a property with an empty name");
			return err_hint(err, "-AsHashtable accepts it");
		}
		json_object_foreach(v, k2, it2) {
			if (k2 == k)
				break;
			if (!as_hashtable && str_ieq(k, k2)) {
				err_set(err, "the JSON has keys that differ only in case: '%s' and "
					     "'%s'", k2, k);
				return err_hint(err, "-AsHashtable keeps them apart");
			}
		}
		if (check_doc(it, depth, level + 1, as_hashtable, err))
			return -1;
	}
	if (as_hashtable)
		value_set_type(v, "Hashtable");
	return 0;
}

/* Parse one document. NULL with err set (line and column) when it is not
 * JSON; JSON null for blank text, as PowerShell gives nothing for it. */
static json_t *parse_doc(struct cmd_ctx *ctx, const char *text, struct ucsh_err *err)
{
	json_error_t je;
	if (text[strspn(text, " \t\r\n")] == '\0')
		return json_null();
	json_t *doc = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		err_set(err, "invalid JSON at line %d, column %d: %s", je.line, je.column, je.text);
		return NULL;
	}
	if (check_doc(doc, cmd_arg_int(ctx, "Depth", JSON_READ_DEPTH), 0,
		      cmd_arg_bool(ctx, "AsHashtable"), err)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static int from_json_emit(struct cmd_ctx *ctx, json_t *doc)
{
	if (json_is_null(doc))
		return 0;
	if (json_is_array(doc) && !cmd_arg_bool(ctx, "NoEnumerate")) {
		json_t *it;
		size_t i;
		json_array_foreach(doc, i, it)
			if (cmd_emit(ctx, json_incref(it)))
				return -1;
		return 0;
	}
	return cmd_emit(ctx, json_incref(doc));
}

static int parse_and_emit(struct cmd_ctx *ctx, const char *text)
{
	struct ucsh_err err;
	err_clear(&err);
	json_t *doc = parse_doc(ctx, text, &err);
	if (!doc)
		return cmd_error(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
	int rc = from_json_emit(ctx, doc);
	json_decref(doc);
	return rc;
}

/*
 * As PowerShell: when the first string is a JSON document by itself, each
 * string is one; otherwise the strings are the lines of one document (as
 * Get-Content gives a file) and are joined with newlines.
 */
static int from_json_end(struct cmd_ctx *ctx)
{
	struct from_json *fj = ctx->state;
	size_t n = fj ? json_array_size(fj->texts) : 0;
	struct ucsh_err err;
	if (n == 0)
		return 0;
	json_t *first = n > 1 ? parse_doc(ctx, json_string_value(json_array_get(fj->texts, 0)),
					  &err) : NULL;
	if (json_is_null(first)) { /* a blank first line belongs to a document */
		json_decref(first);
		first = NULL;
	}
	if (n == 1 || first) {
		int rc = first ? from_json_emit(ctx, first) : 0;
		json_decref(first);
		for (size_t i = first ? 1 : 0; i < n && rc == 0; i++)
			rc = parse_and_emit(ctx, json_string_value(json_array_get(fj->texts, i)));
		return rc;
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		sb_addf(&sb, "%s%s", i ? "\n" : "", json_string_value(json_array_get(fj->texts, i)));
	int rc = parse_and_emit(ctx, sb_str(&sb));
	sb_free(&sb);
	return rc;
}

static void from_json_cleanup(struct cmd_ctx *ctx)
{
	struct from_json *fj = ctx->state;
	if (!fj)
		return;
	json_decref(fj->texts);
	free(fj);
	ctx->state = NULL;
}

static const struct cmd_param from_json_params[] = {
	{ .name = "InputObject", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_ARRAY,
	  .help = "The JSON text. Several strings are several documents when the first is a "
		  "whole document, else the lines of one document." },
	{ .name = "AsHashtable", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Makes Hashtable objects, which may hold keys that differ only in case or "
		  "are empty." },
	{ .name = "Depth", .type = PT_INT, .position = POS_NAMED,
	  .help = "The deepest nesting of objects and arrays accepted (default 1024)." },
	{ .name = "NoEnumerate", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes a JSON array as one list instead of item by item." },
	{ 0 },
};

const struct cmd_entry cmd_convertfrom_json_entry = {
	.name = "ConvertFrom-Json",
	.synopsis = "Converts JSON text to objects.",
	.description =
		"Parses JSON text and writes the objects it describes: a JSON object becomes an "
		"object with the same properties in the same order, and a JSON array is written "
		"item by item (as in PowerShell 7; -NoEnumerate writes it whole). Text that is "
		"not JSON is an error naming the line and column. The input may be at most "
		"64 MiB.",
	.params = from_json_params,
	.examples = (const struct cmd_example[]){
		{ "ConvertFrom-Json '[{\"n\":\"a\",\"v\":\"4.0.7577.4100\"},{\"n\":\"b\",\"v\":\"4.0.7577.250\"}]'"
		  " | Where-Object v -gt 4.0.7577.1000",
		  "Makes two objects from JSON and keeps the one with the newer version." },
		{ "$p = ConvertFrom-Json '{\"MacAddress\": \"0004f2abcdef\", \"Model\": \"CX600\"}'; $p.Model",
		  "Reads one object and shows one of its properties: CX600." },
		{ 0 } },
	.outputs = "PSCustomObject",
	.role = ROLE_VIEW_ONLY,
	.begin = from_json_begin,
	.process = from_json_process,
	.end = from_json_end,
	.cleanup = from_json_cleanup,
};
