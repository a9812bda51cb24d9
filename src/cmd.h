/*
 * cmd: the one definition of a cmdlet. Each cmdlet is a `struct cmd_entry`
 * in cmds/: its name, help, parameters, role and handlers. Everything else a
 * user sees of a cmdlet comes from that entry: argument binding (cmd_bind),
 * Get-Help and Get-Command, interactive completion, the man pages and the
 * shell completion files. Nothing about a cmdlet is written twice.
 *
 * Handlers follow PowerShell's begin/process/end: begin once, process once
 * per pipeline input (once with NULL input when the cmdlet is first in its
 * pipeline), end once. They write objects downstream with cmd_emit() and
 * errors with cmd_error(); a handler returns 0, or -1 for a terminating
 * error that stops the pipeline.
 */
#ifndef UCSH_CMD_H
#define UCSH_CMD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "util.h"

enum cmd_role {
	ROLE_VIEW_ONLY,  /* CsViewOnlyAdministrator */
	ROLE_HELPDESK,   /* CsHelpDesk */
	ROLE_VOICE,      /* CsVoiceAdministrator */
	ROLE_USER,       /* CsUserAdministrator */
	ROLE_ADMIN,      /* CsAdministrator */
};
const char *cmd_role_name(enum cmd_role role);

enum param_type {
	PT_STRING,      /* any value, bound as its string form */
	PT_INT,         /* a whole number */
	PT_NUMBER,      /* any number */
	PT_BOOL,        /* $true/$false, 1/0, True/False */
	PT_SWITCH,      /* present or -Name:$false */
	PT_ENUM,        /* one of .values, matched case-insensitively */
	PT_SCRIPTBLOCK, /* { ... } */
	PT_HASHTABLE,   /* @{ ... } */
	PT_OBJECT,      /* any value, unchanged */
	PT_TIMESPAN,    /* 90s, 15m, 1h, 7d, or a number of seconds; bound as seconds */
};

enum param_flags {
	PF_MANDATORY = 1 << 0,
	PF_ARRAY = 1 << 1,       /* accepts a,b,c; bound as a JSON array */
	PF_PIPE_VALUE = 1 << 2,  /* binds the pipeline input itself */
	PF_PIPE_PROP = 1 << 3,   /* binds the input's property of the same name (or alias) */
	PF_SECRET = 1 << 4,      /* never echoed: redacted in audit and errors */
	PF_REMAINING = 1 << 5,   /* takes every remaining positional argument */
};

struct cmd_ctx;

struct shell;

/*
 * A cmdlet may offer live values (identities, MACs) for a parameter: an
 * array of strings (caller owns). sh is the session asking, whose store is
 * the one to look in; NULL from `ucsh --complete` (the default store).
 */
typedef json_t *(*cmd_complete_fn)(struct shell *sh, const char *prefix);

struct cmd_param {
	const char *name;
	enum param_type type;
	unsigned flags;
	int position;              /* 0-based; -1 (or unset with .named) for named only */
	const char *const *aliases; /* NULL-terminated */
	const char *const *values; /* PT_ENUM: allowed values, NULL-terminated */
	const char *help;
	cmd_complete_fn complete;
};
#define POS_NAMED (-1)

struct cmd_example {
	const char *code;
	const char *text;
};

enum cmd_flags {
	CMD_CHANGES_STATE = 1 << 0, /* gets -WhatIf/-Confirm/-Force, is audited */
	CMD_CONFIRM_HIGH = 1 << 1,  /* asks before acting on a tty unless -Force */
	CMD_FORMATTER = 1 << 2,     /* output is already text: no default view */
	CMD_LOCAL_FILES = 1 << 3,   /* reads or writes files where the shell runs: refused
				     * to remote (SSH) sessions, whose files are elsewhere */
	CMD_NOT_AUDITED = 1 << 4,   /* changes only local files, not the store: no audit row */
};

struct cmd_entry {
	const char *name;              /* Verb-Noun */
	const char *const *aliases;    /* NULL-terminated, may be NULL */
	const char *synopsis;          /* one line */
	const char *description;       /* paragraphs separated by blank lines */
	const struct cmd_param *params; /* terminated by an entry with name NULL */
	const struct cmd_example *examples; /* terminated by code NULL; at least one */
	const char *outputs;           /* type name of what it writes, for help */
	const char *notes;
	enum cmd_role role;
	unsigned flags;
	int (*begin)(struct cmd_ctx *ctx);
	int (*process)(struct cmd_ctx *ctx, json_t *input);
	int (*end)(struct cmd_ctx *ctx);
	void (*cleanup)(struct cmd_ctx *ctx); /* frees ctx->state on every path */
};

/* The table of every cmdlet, sorted by name (cmds/cmds.c). */
extern const struct cmd_entry *const cmd_table[];
extern const size_t cmd_table_len;

/* Find by exact name or alias, case-insensitively. */
const struct cmd_entry *cmd_find(const char *name);
/* Find a parameter by name, alias or unambiguous prefix; common parameters too. */
const struct cmd_param *cmd_find_param(const struct cmd_entry *e, const char *name,
				       struct ucsh_err *err);
/* The common parameters an entry accepts (depends on CMD_CHANGES_STATE). */
const struct cmd_param *cmd_common_params(const struct cmd_entry *e, size_t *n);
const char *cmd_param_type_name(const struct cmd_param *p);
bool cmd_param_is_common(const struct cmd_param *p);

enum error_action {
	EA_CONTINUE,
	EA_STOP,
	EA_SILENT,
};

/* What a running cmdlet sees. Owned by the pipeline runner. */
struct cmd_ctx {
	const struct cmd_entry *entry;
	json_t *params;       /* bound parameters by canonical name; borrowed by handlers */
	json_t *input;        /* the current pipeline input, or NULL */
	void *state;          /* the handler's own, freed by entry->cleanup */
	enum error_action error_action;
	bool verbose, whatif, confirm, force;
	struct shell *shell;  /* the session: variables, store, output */
	struct pipeline_stage *stage; /* where emitted objects go */
	int line, column;     /* of the command, for error text */
	int confirm_all;      /* after "Yes to All" (1) or "No to All" (-1) */
};

/* Parameter accessors. Borrowed values; NULL/defaults when not bound. */
json_t *cmd_arg(const struct cmd_ctx *ctx, const char *name);
const char *cmd_arg_str(const struct cmd_ctx *ctx, const char *name);
long long cmd_arg_int(const struct cmd_ctx *ctx, const char *name, long long dflt);
double cmd_arg_number(const struct cmd_ctx *ctx, const char *name, double dflt);
bool cmd_arg_bool(const struct cmd_ctx *ctx, const char *name); /* switch or bool */
bool cmd_has_arg(const struct cmd_ctx *ctx, const char *name);

/* Write an object downstream; steals the reference. -1 when the pipeline is stopping. */
int cmd_emit(struct cmd_ctx *ctx, json_t *obj);
/* Ask the commands upstream to stop, without error (Select-Object -First). */
void cmd_stop_upstream(struct cmd_ctx *ctx);
/* A non-terminating error (or terminating with -ErrorAction Stop). Returns -1
 * when the pipeline must stop, 0 to go on. The message names no secret. */
int cmd_error(struct cmd_ctx *ctx, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cmd_error_err(struct cmd_ctx *ctx, const struct ucsh_err *err);
/* A terminating error: always stops the pipeline; returns -1. */
int cmd_fail(struct cmd_ctx *ctx, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cmd_warning(struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cmd_verbose(struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text for the user (Write-Host, progress, generated PINs): goes to the terminal. */
void cmd_host(struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Before changing state: false under -WhatIf (after saying what it would
 * do) or when the user declines -Confirm. "action" is a verb phrase, target
 * names the object.
 */
bool cmd_should_process(struct cmd_ctx *ctx, const char *action, const char *target);
/* The store, opened at first use; NULL after writing a terminating error. */
struct store *cmd_store(struct cmd_ctx *ctx);
/* True once Ctrl-C has asked the running pipeline to stop. */
bool cmd_cancelled(const struct cmd_ctx *ctx);
/* Run a script block with $_ = input (NULL: leave $_). Returns new reference
 * to its output (a single value, an array of several, or JSON null), or NULL
 * with an error written. */
json_t *cmd_invoke_block(struct cmd_ctx *ctx, const json_t *block, json_t *input);

#endif
