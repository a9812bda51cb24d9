/*
 * bind: parameter binding, PowerShell's way, from a cmdlet's entry alone.
 * Arguments as written (named, -Switch, -Name:value, positional) bind once
 * per invocation; pipeline input binds again for every object, by value or
 * by property name, on top of them.
 */
#ifndef UCSH_BIND_H
#define UCSH_BIND_H

#include <jansson.h>
#include <stddef.h>

#include "cmd.h"
#include "util.h"

struct bind_arg {
	const char *name; /* parameter as written, without '-'; NULL for a positional value */
	json_t *value;    /* borrowed; NULL for -Name written without a value */
	bool colon;       /* -Name:value */
};

/*
 * Bind the written arguments. *params receives a new object of canonical
 * parameter name -> converted value. Returns -1 with err set ("parameter
 * -Iden is ambiguous: -Identity, -IdentityType").
 */
int bind_args(const struct cmd_entry *e, const struct bind_arg *args, size_t n,
	      json_t **params, struct ucsh_err *err);

/*
 * Bind one pipeline input on top of the written arguments. *bound is a new
 * object (a copy of params plus what the input supplied). Returns -1 when
 * the input fits no parameter, or a value cannot be converted.
 */
int bind_pipeline(const struct cmd_entry *e, json_t *params, json_t *input, json_t **bound,
		  struct ucsh_err *err);

/* Fail (-1) when a mandatory parameter is still missing. with_input: the
 * cmdlet will still receive pipeline input that may supply it. */
int bind_check_mandatory(const struct cmd_entry *e, json_t *params, bool with_input,
			 struct ucsh_err *err);

/* Convert v (borrowed) to the parameter's type: a new reference or NULL with err. */
json_t *bind_convert(const struct cmd_param *p, json_t *v, struct ucsh_err *err);

/* Parse a timespan: 90, 90s, 15m, 1h, 7d, 1h30m, or hh:mm:ss. */
bool bind_parse_timespan(const char *s, double *seconds);

#endif
