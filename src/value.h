/*
 * value: the objects that pipelines carry. Every value is a Jansson json_t;
 * this module adds what PowerShell objects have and JSON has not: a type
 * name (which picks the default view), case-insensitive property lookup,
 * script blocks as first-class values, and the comparison rules of the
 * language (numbers as numbers, firmware versions as versions, strings
 * case-insensitively).
 *
 * The type name and script block payload live under keys that begin with
 * VALUE_HIDDEN (0x1f); value_each_prop() and every formatter skip them, so
 * they never reach JSON, CSV or a table.
 */
#ifndef UCSH_VALUE_H
#define UCSH_VALUE_H

#include <jansson.h>
#include <stdbool.h>

#include "util.h"

#define VALUE_HIDDEN '\x1f'

/* Type names. A plain JSON object has none and is shown as a PSCustomObject. */
void value_set_type(json_t *obj, const char *type);
const char *value_type(const json_t *v); /* "String", "Int32", "Phone", ... */
const char *value_object_type(const json_t *obj); /* NULL when untyped */

/* Object properties, skipping hidden keys. */
bool value_is_hidden_key(const char *key);
#define value_each_prop(obj, key, val) \
	json_object_foreach((obj), (key), (val)) if (!value_is_hidden_key(key))
size_t value_prop_count(const json_t *obj);
/* Case-insensitive lookup: exact match first. Borrowed reference or NULL. */
json_t *value_prop(const json_t *obj, const char *name);
const char *value_prop_key(const json_t *obj, const char *name); /* stored spelling */
/* New object of the given type (NULL for untyped). Caller owns. */
json_t *value_object_new(const char *type);

/*
 * Script blocks. The AST belongs to the evaluator's program list, which
 * outlives every value made from it; the value holds the source text too,
 * so that a script block prints as what the user wrote.
 */
struct ast;
json_t *value_scriptblock_new(const struct ast *body, const char *text);
bool value_is_scriptblock(const json_t *v);
const struct ast *value_scriptblock_body(const json_t *v);
const char *value_scriptblock_text(const json_t *v);

/* Conversions. value_to_string: caller frees. */
char *value_to_string(const json_t *v);
bool value_truthy(const json_t *v);
/* Parse a whole string as a number; false when it is not one. */
bool value_parse_number(const char *s, double *out);
bool value_to_number(const json_t *v, double *out);
/* A string like 4.0.7577.4100: 2+ dot-separated decimal components. */
bool value_is_version_string(const char *s);
/* Two dotted versions component by component (4.0.7577.250 < 4.0.7577.4100): <0, 0, >0. */
int value_version_cmp(const char *a, const char *b);

/*
 * Compare a and b as the language does: numbers numerically, two version
 * strings component by component, a number and a numeric string as numbers,
 * anything else as strings case-insensitively. Sets *cmp to <0, 0, >0.
 * Returns -1 (and fills err) when the values cannot be ordered.
 */
int value_compare(const json_t *a, const json_t *b, int *cmp, struct ucsh_err *err);
bool value_equal(const json_t *a, const json_t *b);

/* Flatten: an array yields its items, anything else itself; NULL yields nothing. */
size_t value_count(const json_t *v);
json_t *value_item(const json_t *v, size_t i); /* borrowed */

/* The text form used for display and interpolation of numbers. */
void value_format_number(double d, char *buf, size_t len);

#endif
