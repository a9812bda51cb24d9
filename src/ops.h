/*
 * ops: the operators of the language over values: arithmetic, comparison
 * (with PowerShell's filtering when the left side is a list), wildcard and
 * regular-expression matching, containment, -replace, -split and -join.
 */
#ifndef UCSH_OPS_H
#define UCSH_OPS_H

#include <jansson.h>

#include "util.h"

/* op is lower case without the dash ("eq", "+", "clike"). l and r are
 * borrowed; the result is a new reference, or NULL with err set. */
json_t *ops_binary(const char *op, json_t *l, json_t *r, struct ucsh_err *err);
json_t *ops_unary(const char *op, json_t *v, struct ucsh_err *err);
/* lo..hi as an array of integers, bounded in size. */
json_t *ops_range(json_t *lo, json_t *hi, struct ucsh_err *err);
/* A few .NET string and array methods: ToUpper, Trim, Split, Contains ... */
json_t *ops_method(json_t *target, const char *name, json_t *args, struct ucsh_err *err);

#endif
