/*
 * store_backend: the contract between the store's front (store.c: URIs,
 * the schema table, value conversion, filters, transactions, migrations,
 * seeding, error wording) and one back end (store_sqlite.c, store_pg.c).
 * The front validates and converts everything before a back end sees it,
 * so a back end only turns rows, conditions and schema versions into its
 * own SQL, and reports failures by class so that the
 * front words them the same way whatever the database.
 *
 * Only store.c and the back ends include this header.
 */
#ifndef UCSH_STORE_BACKEND_H
#define UCSH_STORE_BACKEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

/*
 * One property value converted to its column's type. s points into the
 * caller's JSON, into buf, or into owned (freed by store_cell_clear).
 */
struct store_cell {
	bool null;
	long long i;            /* integer, boolean */
	double r;               /* real */
	const char *s;          /* text, timestamp, version, json text */
	char *owned;
	char buf[32];
};
void store_cell_clear(struct store_cell *c);

/* The properties of one object being written. */
struct store_row {
	const struct store_kind *kind;
	uint64_t mask;          /* bit i: columns[i] is present */
	struct store_cell cells[STORE_MAX_COLUMNS];
};

enum store_op {
	STORE_OP_EQ, STORE_OP_NE, STORE_OP_LT, STORE_OP_LE, STORE_OP_GT, STORE_OP_GE,
	STORE_OP_LIKE, STORE_OP_NOTLIKE, STORE_OP_IN, STORE_OP_NOTIN,
};

enum store_cond_type { STORE_COND_LEAF, STORE_COND_AND, STORE_COND_OR, STORE_COND_NOT };

/*
 * A compiled condition. Leaves: col/colidx, op and values (one, or the in
 * list; a like value is already an SQL LIKE pattern escaped with '\').
 * An eq/ne leaf with one null value tests for null.
 */
struct store_cond {
	enum store_cond_type type;
	const struct store_column *col;
	size_t colidx;
	enum store_op op;
	struct store_cell *vals;
	size_t nvals;
	struct store_cond *kids;
	size_t nkids;
};

/* What a query, count, update or delete applies to. */
struct store_select {
	const struct store_kind *kind;
	struct store_cond *where;  /* NULL: every object */
	int sort;                  /* column index, or -1 for insertion order */
	bool descending;
	long long limit, offset;   /* 0: none */
};

#define STORE_MAX_DEPTH 16         /* transaction nesting */

/* Failure classes a back end reports alongside its message. */
struct store_fail {
	enum store_error code;
	int column;                /* STORE_E_DUPLICATE: the clashing column, or -1 */
};

struct store_ops {
	const char *name;
	int (*open)(struct store *st, const char *target, struct ucsh_err *err);
	void (*close)(struct store *st);
	void (*set_busy_timeout)(struct store *st, int ms);
	/* depth is the nesting level being opened/closed: 0 is the outermost. */
	int (*begin)(struct store *st, int depth, struct ucsh_err *err);
	int (*commit)(struct store *st, int depth, struct ucsh_err *err);
	int (*rollback)(struct store *st, int depth, struct ucsh_err *err);
	int (*schema_version)(struct store *st, int *version, struct ucsh_err *err);
	/* Inside a transaction: create what schema version v adds, record v. */
	int (*migrate)(struct store *st, int v, struct ucsh_err *err);
	int (*bump)(struct store *st, const struct store_kind *k, struct ucsh_err *err);
	int (*changes)(struct store *st, const struct store_kind *k, long long *seq,
		       struct ucsh_err *err);
	int (*insert)(struct store *st, const struct store_row *row, bool upsert,
		      struct ucsh_err *err);
	/* Set row's columns on the objects sel matches; *n: how many. */
	int (*update)(struct store *st, const struct store_select *sel, const struct store_row *row,
		      long long *n, struct ucsh_err *err);
	int (*remove)(struct store *st, const struct store_select *sel, long long *n,
		      struct ucsh_err *err);
	int (*count)(struct store *st, const struct store_select *sel, long long *n,
		     struct ucsh_err *err);
	/* *impl: the back end's cursor state. */
	int (*query)(struct store *st, const struct store_select *sel, void **impl,
		     struct ucsh_err *err);
	int (*next)(struct store *st, void *impl, json_t **out, struct ucsh_err *err);
	void (*cursor_free)(struct store *st, void *impl);
	/* The pool (NULL in a back end that serves one node: see store.h). */
	int (*watch_fd)(struct store *st, struct ucsh_err *err);
	int (*watch_drain)(struct store *st, struct ucsh_err *err);
	int (*lease)(struct store *st, const char *job, const char *node, int seconds, bool *held,
		     struct ucsh_err *err);
	int (*release)(struct store *st, const char *job, const char *node, struct ucsh_err *err);
	int (*secret)(struct store *st, const char *name, unsigned char *buf, size_t len,
		      struct ucsh_err *err);
	/* status NULL: forget the node */
	int (*node_report)(struct store *st, const char *node, const char *status,
			   struct ucsh_err *err);
	int (*node_reports)(struct store *st, int max_age, json_t **out, struct ucsh_err *err);
};

struct store {
	const struct store_ops *ops;
	void *impl;                /* the back end's connection state */
	char *uri;
	int depth;                 /* open transaction nesting */
	uint64_t bumped;           /* kinds whose change counter this transaction bumped */
	uint64_t bumped_at[STORE_MAX_DEPTH]; /* bumped when each level began: for rollback */
	int busy_ms;
	struct store_fail fail;    /* the last failure's class */
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;
/* A PostgreSQL URI without its password, for messages (caller frees). */
char *store_pg_redact(const char *uri);

/* Helpers the front offers back ends. */
size_t store_kind_index(const struct store_kind *k);
/* Build the JSON value of column c from a back end's raw value. New reference. */
json_t *store_value_json(const struct store_column *c, bool null, long long i, double r,
			 const char *s);
/* Record a failure class on st (the message is in err already). Returns -1. */
int store_fail(struct store *st, enum store_error code, int column);

#endif
