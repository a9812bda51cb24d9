/*
 * store_pg: the PostgreSQL back end of the store (libpq), for a pool of
 * ucshd nodes sharing one database. Same tables, same rules and the same
 * wording as store_sqlite.c:
 *
 *  - Writers serialise. BEGIN takes a transaction-scoped advisory lock,
 *    waiting at most the busy timeout (lock_timeout), so a busy store fails
 *    at the start of a transaction with STORE_E_BUSY, as SQLite's BEGIN
 *    IMMEDIATE does; readers never wait (MVCC).
 *  - Each write runs under a savepoint: a failed statement (a duplicate
 *    key) leaves the transaction usable, as in SQLite, and the front can
 *    still read to explain the failure.
 *  - Case-insensitive text uses a nondeterministic ICU collation for
 *    equality, unique keys and references, and ASCII folding (lower()
 *    under "C") for ordering and -like: what SQLite's NOCASE and LIKE do.
 *  - Versions order by ucsh_version_key(), a byte-comparable key in which
 *    digit runs compare as numbers (4.0.10 > 4.0.9), like UCSH_VERSION.
 *  - A commit that bumped a change counter NOTIFYs ucsh_changes; a node's
 *    watch connection (store_watch_fd) hears it at once.
 *
 * Besides the kinds' tables, version 1 creates three tables of the pool:
 * job_lease (store_job_lease), pool_secret (store_pool_secret) and
 * pool_node (store_node_report).
 */
#include "config.h"
#include "store_backend.h"
#include "store_sql.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define PG_CACHE 128             /* prepared statements kept per connection */
#define PG_FETCH 1000            /* rows a cursor fetches at a time */
#define PG_DIRECT_LIMIT 1000     /* queries limited to this many rows skip the cursor */
/* The lock writers take: "ucsh", and the store's schema (one database may
 * hold several stores, one per schema). */
#define PG_WRITE_LOCK "1970496360, hashtext(current_schema())"
#define PG_CHANNEL "ucsh_changes"

struct pg_slot {
	char *sql;
	uint32_t hash;
	unsigned long id;        /* the statement's name is ucsh_s<id>; 0: empty */
	unsigned long used;
};

/* Parameters of one statement, as text (libpq's text format). */
struct pg_params {
	const char **v;
	char (*num)[32];         /* numbers formatted for v */
	size_t n, cap;
};

struct pg {
	PGconn *conn;
	PGconn *watch;           /* LISTEN connection, opened by store_watch_fd */
	char *target;            /* the URI as given: libpq's connection string */
	char *display;           /* the URI without its password, for messages */
	struct pg_slot cache[PG_CACHE];
	unsigned long tick, next_id;
	unsigned cursors;        /* cursor names handed out */
	struct strbuf sql;
	struct pg_params p;
};

struct pg_cursor {
	const struct store_kind *kind;
	PGresult *res;           /* the rows in hand */
	int row;
	char name[32];           /* server-side cursor; "" when the query ran directly */
	bool done;
};

static struct pg *pg_of(struct store *st)
{
	return st->impl;
}

/* ---- Parameters --------------------------------------------------------- */

static void params_reset(struct pg_params *p)
{
	p->n = 0;
}

static size_t params_slot(struct pg_params *p)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
		p->num = xrealloc(p->num, p->cap * sizeof(*p->num));
	}
	return p->n++;
}

static void params_add(struct pg_params *p, const char *s)
{
	size_t i = params_slot(p);
	p->v[i] = s;
}

static void params_add_ll(struct pg_params *p, long long v)
{
	size_t i = params_slot(p);
	snprintf(p->num[i], sizeof(p->num[i]), "%lld", v);
	p->v[i] = p->num[i];
}

static void params_add_cell(struct pg_params *p, enum store_type t, const struct store_cell *c)
{
	size_t i;
	if (c->null)
		return params_add(p, NULL);
	switch (t) {
	case STORE_INTEGER:
	case STORE_BOOLEAN:
		return params_add_ll(p, c->i);
	case STORE_REAL:
		i = params_slot(p);
		snprintf(p->num[i], sizeof(p->num[i]), "%.17g", c->r);
		p->v[i] = p->num[i];
		return;
	default:
		return params_add(p, c->s);
	}
}

static void params_free(struct pg_params *p)
{
	free(p->v);
	free(p->num);
	memset(p, 0, sizeof(*p));
}

/* ---- Errors ------------------------------------------------------------- */

static const char *diag(const PGresult *r, int code)
{
	const char *s = r ? PQresultErrorField(r, code) : NULL;
	return s ? s : "";
}

/* The first line of a libpq message, without its newline. */
static void first_line(char *out, size_t n, const char *msg)
{
	snprintf(out, n, "%.*s", (int)strcspn(msg, "\n"), msg);
}

/* The column a unique index names: idx_<table>_key or idx_<table>_<Column>. */
static int unique_column(const struct store_kind *k, const char *constraint)
{
	if (!k || strncmp(constraint, "idx_", 4) != 0)
		return -1;
	size_t tl = strlen(k->table);
	const char *p = constraint + 4;
	if (strncmp(p, k->table, tl) != 0 || p[tl] != '_')
		return -1;
	p += tl + 1;
	if (strcmp(p, "key") == 0)
		return 0;
	const struct store_column *c = store_column_find(k, p);
	return c ? (int)(c - k->columns) : -1;
}

static int busy_error(struct store *st, struct ucsh_err *err)
{
	err_set(err, "store busy: another ucsh or ucshd is writing; try again");
	err_hint(err, "waited %d ms for the write lock (UCSH_STORE_BUSY_TIMEOUT_MS sets how long)",
		 st->busy_ms);
	return store_fail(st, STORE_E_BUSY, -1);
}

/*
 * Word a failure by its SQLSTATE. Only the primary message is ever shown:
 * PostgreSQL puts the values of a row in the detail, never there.
 */
static int pg_error(struct store *st, const PGresult *res, const struct store_kind *k,
		    struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	const char *state = diag(res, PG_DIAG_SQLSTATE);
	char msg[256];
	first_line(msg, sizeof(msg), *diag(res, PG_DIAG_MESSAGE_PRIMARY)
					     ? diag(res, PG_DIAG_MESSAGE_PRIMARY)
					     : PQerrorMessage(pg->conn));
	if (PQstatus(pg->conn) == CONNECTION_BAD || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0) {
		err_set(err, "cannot reach the store %s: %s", pg->display, msg);
		err_hint(err, "check that the PostgreSQL server is running; the next command reconnects");
		return store_fail(st, STORE_E_IO, -1);
	}
	if (!strcmp(state, "55P03") || !strcmp(state, "40001") || !strcmp(state, "40P01") ||
	    !strcmp(state, "57014"))
		return busy_error(st, err);
	if (!strcmp(state, "23505")) {
		err_set(err, "%s already exists", k ? k->name : "the object");
		return store_fail(st, STORE_E_DUPLICATE,
				  unique_column(k, diag(res, PG_DIAG_CONSTRAINT_NAME)));
	}
	if (!strcmp(state, "23503")) {
		err_set(err, "%s refers to a missing object, or is still referred to",
			k ? k->name : "the object");
		return store_fail(st, STORE_E_REFERENCE, -1);
	}
	if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2)) {
		err_set(err, "%s: %s", k ? k->name : "store", msg);
		return store_fail(st, STORE_E_INVALID, -1);
	}
	if (!strcmp(state, "25P02")) {
		err_set(err, "the transaction was ended by an earlier error");
		err_hint(err, "roll it back and start again");
	} else if (!strcmp(state, "53100")) {
		err_set(err, "the disk holding the store %s is full", pg->display);
	} else if (!strcmp(state, "42501") || !strcmp(state, "25006")) {
		err_set(err, "the store %s cannot be written here: %s", pg->display, msg);
		err_hint(err, "check the privileges of the database user");
	} else {
		err_set(err, "store error: %s", msg);
	}
	return store_fail(st, STORE_E_IO, -1);
}

/* ---- Running statements -------------------------------------------------- */

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void cache_clear(struct pg *pg)
{
	for (size_t i = 0; i < PG_CACHE; i++) {
		free(pg->cache[i].sql);
		memset(&pg->cache[i], 0, sizeof(pg->cache[i]));
	}
}

/* A connection that broke (the server restarted) is re-made at the start
 * of the next call outside a transaction; its prepared statements are gone. */
static void reconnect_if_broken(struct store *st)
{
	struct pg *pg = pg_of(st);
	if (st->depth > 0 || PQstatus(pg->conn) != CONNECTION_BAD)
		return;
	PQreset(pg->conn);
	cache_clear(pg);
}

static bool ok_status(const PGresult *r)
{
	ExecStatusType s = PQresultStatus(r);
	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Run statements without parameters (simple protocol, several allowed). */
static int pg_simple(struct store *st, const char *sql, struct ucsh_err *err)
{
	PGresult *r = PQexec(pg_of(st)->conn, sql);
	int rc = ok_status(r) ? 0 : pg_error(st, r, NULL, err);
	PQclear(r);
	return rc;
}

static struct pg_slot *slot_for(struct pg *pg, const char *sql, uint32_t h, bool *found)
{
	struct pg_slot *victim = &pg->cache[0];
	for (size_t i = 0; i < PG_CACHE; i++) {
		struct pg_slot *s = &pg->cache[i];
		if (s->id && s->hash == h && strcmp(s->sql, sql) == 0) {
			*found = true;
			return s;
		}
		if (!s->id || (victim->id && s->used < victim->used))
			victim = s;
	}
	*found = false;
	return victim;
}

/* The name of sql's prepared statement into name (preparing it once per
 * connection, kept by its text); 0, or -1 with err. */
static int pg_prepare(struct store *st, const char *sql, const struct store_kind *k,
		      char name[40], struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	uint32_t h = fnv1a(sql);
	bool found;
	struct pg_slot *s = slot_for(pg, sql, h, &found);
	if (!found) {
		if (s->id) {
			snprintf(name, 40, "DEALLOCATE ucsh_s%lu", s->id);
			PQclear(PQexec(pg->conn, name));
			free(s->sql);
			memset(s, 0, sizeof(*s));
		}
		unsigned long id = ++pg->next_id;
		snprintf(name, 40, "ucsh_s%lu", id);
		PGresult *r = PQprepare(pg->conn, name, sql, 0, NULL);
		if (!ok_status(r)) {
			pg_error(st, r, k, err);
			PQclear(r);
			return -1;
		}
		PQclear(r);
		s->sql = xstrdup(sql);
		s->hash = h;
		s->id = id;
	}
	s->used = ++pg->tick;
	snprintf(name, 40, "ucsh_s%lu", s->id);
	return 0;
}

/* Run sql with the parameters in pg->p. The result (caller PQclears), or
 * NULL with err. */
static PGresult *pg_exec(struct store *st, const char *sql, const struct store_kind *k,
			 struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	char name[40];
	if (pg_prepare(st, sql, k, name, err) < 0)
		return NULL;
	PGresult *r = PQexecPrepared(pg->conn, name, (int)pg->p.n, pg->p.v, NULL, NULL, 0);
	if (ok_status(r))
		return r;
	pg_error(st, r, k, err);
	PQclear(r);
	return NULL;
}

/* A write inside a transaction that the database already ended would
 * silently do nothing: refuse it. */
static int check_transaction(struct store *st, struct ucsh_err *err)
{
	PGTransactionStatusType ts = PQtransactionStatus(pg_of(st)->conn);
	if (st->depth == 0 || ts == PQTRANS_INTRANS)
		return 0;
	err_set(err, "the transaction was ended by an earlier error");
	err_hint(err, "roll it back and start again");
	return store_fail(st, STORE_E_IO, -1);
}

/* The next result of a pipeline, and the NULL that ends it. */
static PGresult *pipeline_result(PGconn *c)
{
	PGresult *r = PQgetResult(c);
	if (r && PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
		PGresult *end;
		while ((end = PQgetResult(c)))
			PQclear(end);
	}
	return r;
}

/*
 * SAVEPOINT, the prepared statement `name`, RELEASE: sent together in one
 * round trip (libpq's pipeline mode). The statement's result, or NULL with
 * err and the savepoint rolled back, so the transaction goes on.
 */
static PGresult *exec_under_savepoint(struct store *st, const char *name,
				      const struct store_kind *k, struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	PGconn *c = pg->conn;
	PGresult *res[3] = { NULL, NULL, NULL }, *sync;
	if (PQenterPipelineMode(c) != 1 ||
	    !PQsendQueryParams(c, "SAVEPOINT ucsh_w", 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQsendQueryPrepared(c, name, (int)pg->p.n, pg->p.v, NULL, NULL, 0) ||
	    !PQsendQueryParams(c, "RELEASE SAVEPOINT ucsh_w", 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQpipelineSync(c)) {
		pg_error(st, NULL, k, err);
		PQexitPipelineMode(c);
		return NULL;
	}
	for (int i = 0; i < 3; i++)
		res[i] = pipeline_result(c);
	while ((sync = PQgetResult(c)) && PQresultStatus(sync) != PGRES_PIPELINE_SYNC)
		PQclear(sync);
	PQclear(sync);
	PQexitPipelineMode(c);
	PGresult *out = NULL;
	if (ok_status(res[0]) && ok_status(res[1]) && ok_status(res[2])) {
		out = res[1];
		res[1] = NULL;
	} else {
		const PGresult *bad = !ok_status(res[0]) ? res[0] : !ok_status(res[1]) ? res[1] : res[2];
		pg_error(st, bad, k, err);
		if (ok_status(res[0]))
			PQclear(PQexec(c, "ROLLBACK TO SAVEPOINT ucsh_w; RELEASE SAVEPOINT ucsh_w"));
	}
	for (int i = 0; i < 3; i++)
		PQclear(res[i]);
	return out;
}

/* A write under its own savepoint, so that its failure does not end the
 * transaction around it. *n: rows changed. */
static int pg_write(struct store *st, const char *sql, const struct store_kind *k, long long *n,
		    struct ucsh_err *err)
{
	char name[40];
	if (n)
		*n = 0;
	if (check_transaction(st, err) < 0)
		return -1;
	PGresult *r = st->depth == 0 ? pg_exec(st, sql, k, err)
		    : pg_prepare(st, sql, k, name, err) == 0 ? exec_under_savepoint(st, name, k, err)
							      : NULL;
	if (n && r)
		*n = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return r ? 0 : -1;
}

/* ---- Building SQL ---------------------------------------------------------- */

/* Text compared case-insensitively (SQLite: COLLATE NOCASE). */
static bool is_nocase(const struct store_column *c)
{
	return (c->type == STORE_TEXT || c->type == STORE_VERSION) && !(c->flags & STORE_CASE);
}

/* The column insertion order follows: the store-assigned key, or _seq. */
static const char *order_column(const struct store_kind *k)
{
	return k->columns[0].flags & STORE_AUTO ? k->columns[0].name : "_seq";
}

/* The next parameter's placeholder, $N. */
static void sb_param(struct strbuf *sb, int *pn)
{
	sb_addf(sb, "$%d", ++*pn);
}

enum cmp_mode {
	CMP_PLAIN,   /* the column's own comparison (numbers, "C" text, nocase equality) */
	CMP_FOLD,    /* ASCII-folded bytes: SQLite's NOCASE ordering */
	CMP_VERSION, /* firmware version order */
};

/* One side of a comparison: expr is a column or $N text. */
static void sb_side(struct strbuf *sb, const char *expr, enum cmp_mode m, bool param)
{
	const char *cast = param ? "::text" : "";
	if (m == CMP_FOLD)
		sb_addf(sb, "lower(%s%s COLLATE \"C\")", expr, cast);
	else if (m == CMP_VERSION)
		sb_addf(sb, "ucsh_version_key(%s%s COLLATE \"C\") COLLATE \"C\"", expr, cast);
	else
		sb_adds(sb, expr);
}

/* expr <op> the value(s), op positive; vals of c are bound in order. */
static void sb_compare(struct strbuf *sb, const char *expr, enum store_op op,
		       const struct store_cond *c, enum cmp_mode m, int *pn)
{
	static const char *const sym[] = {
		[STORE_OP_EQ] = "=", [STORE_OP_LT] = "<", [STORE_OP_LE] = "<=",
		[STORE_OP_GT] = ">", [STORE_OP_GE] = ">=",
	};
	char p[16];
	if (op == STORE_OP_LIKE) {
		sb_side(sb, expr, CMP_FOLD, false);
		snprintf(p, sizeof(p), "$%d", ++*pn);
		sb_adds(sb, " LIKE ");
		sb_side(sb, p, CMP_FOLD, true);
		sb_adds(sb, " ESCAPE '\\'");
		return;
	}
	if (op == STORE_OP_IN) {
		if (c->nvals == 0) {
			sb_adds(sb, "false");
			return;
		}
		sb_side(sb, expr, m, false);
		sb_adds(sb, " IN (");
		for (size_t i = 0; i < c->nvals; i++) {
			snprintf(p, sizeof(p), "$%d", ++*pn);
			sb_adds(sb, i ? ", " : "");
			sb_side(sb, p, m, m != CMP_PLAIN);
		}
		sb_addc(sb, ')');
		return;
	}
	sb_side(sb, expr, m, false);
	sb_addf(sb, " %s ", sym[op]);
	snprintf(p, sizeof(p), "$%d", ++*pn);
	sb_side(sb, p, m, m != CMP_PLAIN);
}

/* How column c compares under op (positive). */
static enum cmp_mode column_mode(const struct store_column *c, enum store_op op)
{
	bool order = op != STORE_OP_EQ && op != STORE_OP_IN;
	if (!order)
		return CMP_PLAIN; /* nocase columns: the ICU collation's equality, indexed */
	if (c->type == STORE_VERSION)
		return CMP_VERSION;
	return is_nocase(c) ? CMP_FOLD : CMP_PLAIN;
}

/*
 * A leaf. Negative operators also match null, as PowerShell's -ne does. On a
 * json column the test applies to the elements (case-insensitively, as
 * SQLite's json_each under NOCASE): some element for positive operators,
 * none for negative ones.
 */
static void sb_leaf(struct strbuf *sb, const struct store_cond *c, int *pn)
{
	struct strbuf col = STRBUF_INIT;
	sql_ident(&col, c->col->name);
	bool negated;
	enum store_op op = sql_positive(c->op, &negated);
	if (op == STORE_OP_EQ && c->nvals == 1 && c->vals[0].null) {
		sb_addf(sb, "%s IS %sNULL", sb_str(&col), negated ? "NOT " : "");
	} else if (c->col->type == STORE_JSON) {
		sb_addf(sb, "%sEXISTS (SELECT 1 FROM ucsh_json_values(%s) AS e(v) WHERE ",
			negated ? "NOT " : "", sb_str(&col));
		sb_compare(sb, "e.v", op, c, CMP_FOLD, pn);
		sb_addc(sb, ')');
	} else {
		char expr[96];
		if (op == STORE_OP_LIKE && !sql_is_text_type(c->col->type))
			snprintf(expr, sizeof(expr), "CAST(%s AS text)", sb_str(&col));
		else
			snprintf(expr, sizeof(expr), "%s", sb_str(&col));
		if (negated)
			sb_addf(sb, "(%s IS NULL OR NOT (", sb_str(&col));
		sb_compare(sb, expr, op, c, column_mode(c->col, op), pn);
		if (negated)
			sb_adds(sb, "))");
	}
	sb_free(&col);
}

static void sb_where(struct strbuf *sb, const struct store_cond *c, int *pn)
{
	switch (c->type) {
	case STORE_COND_LEAF:
		sb_leaf(sb, c, pn);
		return;
	case STORE_COND_NOT:
		sb_adds(sb, "NOT (");
		sb_where(sb, &c->kids[0], pn);
		sb_addc(sb, ')');
		return;
	case STORE_COND_AND:
	case STORE_COND_OR:
		if (c->nkids == 0) {
			sb_adds(sb, c->type == STORE_COND_AND ? "true" : "false");
			return;
		}
		sb_addc(sb, '(');
		for (size_t i = 0; i < c->nkids; i++) {
			if (i)
				sb_adds(sb, c->type == STORE_COND_AND ? " AND " : " OR ");
			sb_where(sb, &c->kids[i], pn);
		}
		sb_addc(sb, ')');
		return;
	}
}

/* The sort: SQLite puts nulls first ascending and last descending, and
 * breaks ties by insertion order. */
static void sb_order(struct strbuf *sb, const struct store_select *sel)
{
	sb_adds(sb, " ORDER BY ");
	if (sel->sort >= 0) {
		const struct store_column *c = &sel->kind->columns[sel->sort];
		struct strbuf col = STRBUF_INIT;
		sql_ident(&col, c->name);
		enum cmp_mode m = c->type == STORE_VERSION ? CMP_VERSION
				  : is_nocase(c) ? CMP_FOLD : CMP_PLAIN;
		if (m == CMP_PLAIN && sql_is_text_type(c->type))
			sb_addf(sb, "%s COLLATE \"C\"", sb_str(&col));
		else
			sb_side(sb, sb_str(&col), m, false);
		sb_adds(sb, sel->descending ? " DESC NULLS LAST, " : " ASC NULLS FIRST, ");
		sb_free(&col);
	}
	sql_ident(sb, order_column(sel->kind));
}

static void sb_select_tail(struct strbuf *sb, const struct store_select *sel, bool order, int *pn)
{
	if (sel->where) {
		sb_adds(sb, " WHERE ");
		sb_where(sb, sel->where, pn);
	}
	if (order) {
		sb_order(sb, sel);
		if (sel->limit || sel->offset) {
			sb_adds(sb, " LIMIT ");
			sb_param(sb, pn);
			sb_adds(sb, " OFFSET ");
			sb_param(sb, pn);
		}
	}
}

/* ---- Binding ------------------------------------------------------------- */

static void bind_where(struct pg_params *p, const struct store_cond *c)
{
	if (c->type != STORE_COND_LEAF) {
		for (size_t i = 0; i < c->nkids; i++)
			bind_where(p, &c->kids[i]);
		return;
	}
	if (c->nvals == 1 && c->vals[0].null)
		return; /* IS [NOT] NULL takes no parameter */
	bool like = c->op == STORE_OP_LIKE || c->op == STORE_OP_NOTLIKE;
	enum store_type t = like || c->col->type == STORE_JSON ? STORE_TEXT : c->col->type;
	for (size_t i = 0; i < c->nvals; i++)
		params_add_cell(p, t, &c->vals[i]);
}

static void bind_select(struct pg_params *p, const struct store_select *sel, bool order)
{
	if (sel->where)
		bind_where(p, sel->where);
	if (order && (sel->limit || sel->offset)) {
		if (sel->limit)
			params_add_ll(p, sel->limit);
		else
			params_add(p, NULL); /* LIMIT NULL: no limit */
		params_add_ll(p, sel->offset);
	}
}

static void bind_row(struct pg_params *p, const struct store_row *row)
{
	for (size_t i = 0; i < row->kind->ncolumns; i++)
		if (row->mask & (1ull << i))
			params_add_cell(p, row->kind->columns[i].type, &row->cells[i]);
}

/* ---- Schema: DDL from the schema table ------------------------------------ */

/* Functions and tables every PostgreSQL store has from version 1. */
static const char pg_base_ddl[] =
	"CREATE TABLE schema_version (version integer PRIMARY KEY, applied text NOT NULL);\n"
	"CREATE TABLE change_counter (kind text COLLATE \"C\" PRIMARY KEY, seq bigint NOT NULL);\n"
	"CREATE TABLE job_lease (job text COLLATE \"C\" PRIMARY KEY, node text NOT NULL, "
	"expires timestamptz NOT NULL);\n"
	"CREATE TABLE pool_secret (name text COLLATE \"C\" PRIMARY KEY, value text NOT NULL);\n"
	"CREATE TABLE pool_node (node text COLLATE \"C\" PRIMARY KEY, seen timestamptz NOT NULL, "
	"status text NOT NULL);\n"
	/* SQLite's NOCASE equality, for keys, unique properties and references */
	"CREATE COLLATION ucsh_nocase (provider = icu, locale = 'und-u-ks-level2', "
	"deterministic = false);\n"
	/* UCSH_VERSION as a key: a digit run becomes '0', the length of its
	 * length, its length and its digits without leading zeros; the rest is
	 * lower-cased. Byte order of keys is then the collation's order. */
	"CREATE FUNCTION ucsh_version_key(v text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT "
	"PARALLEL SAFE AS $f$\n"
	"DECLARE k text := ''; m text[]; d text;\n"
	"BEGIN\n"
	"  FOR m IN SELECT regexp_matches(v COLLATE \"C\", '([0-9]+)|([^0-9]+)', 'g') LOOP\n"
	"    IF m[1] IS NOT NULL THEN\n"
	"      d := ltrim(m[1], '0');\n"
	"      k := k || '0' || length(length(d)::text)::text || length(d)::text || d;\n"
	"    ELSE\n"
	"      k := k || lower(m[2] COLLATE \"C\");\n"
	"    END IF;\n"
	"  END LOOP;\n"
	"  RETURN k;\n"
	"END $f$;\n"
	/* json_each's values: an array's elements, an object's values, a scalar */
	"CREATE FUNCTION ucsh_json_values(j text) RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE "
	"STRICT AS $f$\n"
	"DECLARE d jsonb := j::jsonb;\n"
	"BEGIN\n"
	"  IF jsonb_typeof(d) = 'array' THEN RETURN QUERY SELECT jsonb_array_elements_text(d);\n"
	"  ELSIF jsonb_typeof(d) = 'object' THEN RETURN QUERY SELECT value FROM jsonb_each_text(d);\n"
	"  ELSE RETURN NEXT d #>> '{}';\n"
	"  END IF;\n"
	"END $f$;\n";

static void ddl_column(struct strbuf *sb, const struct store_column *c)
{
	sql_ident(sb, c->name);
	if (c->flags & STORE_AUTO) {
		sb_adds(sb, " bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
		return;
	}
	if (c->type == STORE_INTEGER || c->type == STORE_BOOLEAN)
		sb_adds(sb, " bigint");
	else if (c->type == STORE_REAL)
		sb_adds(sb, " double precision");
	else
		sb_adds(sb, is_nocase(c) ? " text COLLATE ucsh_nocase" : " text COLLATE \"C\"");
	if (c->flags & (STORE_KEY | STORE_REQUIRED))
		sb_adds(sb, " NOT NULL");
	if (c->dflt)
		sql_default(sb, c);
	sql_references(sb, c);
}

static void ddl_table(struct strbuf *sb, const struct store_kind *k, int v)
{
	sb_adds(sb, "CREATE TABLE ");
	sql_ident(sb, k->table);
	sb_adds(sb, " (");
	for (size_t i = 0; i < k->ncolumns; i++) {
		if (sql_since(k->columns[i].since) > v)
			continue;
		sb_adds(sb, "\n  ");
		ddl_column(sb, &k->columns[i]);
		sb_addc(sb, ',');
	}
	if (!(k->columns[0].flags & STORE_AUTO))
		sb_adds(sb, "\n  \"_seq\" bigint GENERATED ALWAYS AS IDENTITY,");
	sb->len--; /* the last comma */
	sb_adds(sb, "\n);\n");
	for (size_t i = 0; i < k->ncolumns; i++)
		if (sql_since(k->columns[i].since) <= v)
			sql_index(sb, k, &k->columns[i]);
}

/* k's key mirrors owner's: follow its deletes and renames. */
static void ddl_owner_triggers(struct strbuf *sb, const struct store_kind *k,
			       const struct store_kind *o)
{
	const char *kk = k->columns[0].name, *ok = o->columns[0].name;
	sb_addf(sb, "CREATE FUNCTION \"%s_%s_follow\"() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
		    "BEGIN\n"
		    "  IF TG_OP = 'DELETE' THEN\n"
		    "    DELETE FROM \"%s\" WHERE \"%s\" = OLD.\"%s\";\n"
		    "  ELSIF OLD.\"%s\" IS DISTINCT FROM NEW.\"%s\" THEN\n"
		    "    UPDATE \"%s\" SET \"%s\" = NEW.\"%s\" WHERE \"%s\" = OLD.\"%s\";\n"
		    "  END IF;\n"
		    "  RETURN NULL;\n"
		    "END $f$;\n", o->table, k->table, k->table, kk, ok, ok, ok, k->table, kk, ok,
		kk, ok);
	sb_addf(sb, "CREATE TRIGGER \"%s_%s_follow\" AFTER DELETE OR UPDATE OF \"%s\" ON ",
		o->table, k->table, ok);
	sql_ident(sb, o->table);
	sb_addf(sb, " FOR EACH ROW EXECUTE FUNCTION \"%s_%s_follow\"();\n", o->table, k->table);
}


static const struct sql_dialect pg_dialect = {
	pg_base_ddl, ddl_table, ddl_column, ddl_owner_triggers,
};

static int pg_migrate(struct store *st, int v, struct ucsh_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	char now[STORE_TIMESTAMP_LEN];
	sql_ddl_version(&sb, v, &pg_dialect);
	store_timestamp(time(NULL), now);
	sb_addf(&sb, "INSERT INTO schema_version (version, applied) VALUES (%d, '%s');\n", v, now);
	int rc = pg_simple(st, sb_str(&sb), err);
	sb_free(&sb);
	/* the tables changed under the prepared statements */
	cache_clear(pg_of(st));
	return rc;
}

/* One integer from a statement with the parameters in pg->p. */
static int pg_integer(struct store *st, const char *sql, long long *out, struct ucsh_err *err)
{
	PGresult *r = pg_exec(st, sql, NULL, err);
	if (!r)
		return -1;
	*out = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return 0;
}

static int pg_schema_version(struct store *st, int *version, struct ucsh_err *err)
{
	long long n = 0;
	*version = 0;
	reconnect_if_broken(st);
	params_reset(&pg_of(st)->p);
	if (pg_integer(st, "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace s "
			   "ON s.oid = c.relnamespace WHERE s.nspname = current_schema() "
			   "AND c.relname = 'schema_version'", &n, err) < 0)
		return -1;
	if (n == 0) {
		/* Never add our tables to someone else's database. */
		if (pg_integer(st, "SELECT count(*) FROM pg_catalog.pg_class c JOIN "
				   "pg_catalog.pg_namespace s ON s.oid = c.relnamespace WHERE "
				   "s.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v')",
			       &n, err) < 0)
			return -1;
		if (n == 0)
			return 0;
		err_set(err, "%s is a PostgreSQL database but not a ucsh store", pg_of(st)->display);
		err_hint(err, "point --store or UCSH_STORE at a new database or an existing ucsh store");
		return store_fail(st, STORE_E_INVALID, -1);
	}
	if (pg_integer(st, "SELECT coalesce(max(version), 0) FROM schema_version", &n, err) < 0)
		return -1;
	*version = (int)n;
	return 0;
}

/* ---- Opening and closing -------------------------------------------------- */

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* library code does not print; notices carry nothing we act on */
}

/* The URI with the password of its user part and any password= replaced. */
char *store_pg_redact(const char *uri)
{
	struct strbuf sb = STRBUF_INIT;
	const char *rest = strstr(uri, "://");
	rest = rest ? rest + 3 : uri;
	size_t auth = strcspn(rest, "@/?");
	const char *colon = memchr(rest, ':', auth);
	if (rest[auth] == '@' && colon) {
		sb_add(&sb, uri, (size_t)(colon - uri) + 1);
		sb_adds(&sb, "***");
		rest += auth;
	} else {
		sb_add(&sb, uri, (size_t)(rest - uri));
	}
	for (const char *p = rest; *p;) {
		const char *pw = strstr(p, "password=");
		if (!pw) {
			sb_adds(&sb, p);
			break;
		}
		sb_add(&sb, p, (size_t)(pw - p) + 9);
		sb_adds(&sb, "***");
		p = pw + 9 + strcspn(pw + 9, "&");
	}
	return sb_detach(&sb);
}

static void set_lock_timeout(struct store *st)
{
	char sql[64];
	/* 0 would mean "wait for ever" to PostgreSQL; begin tries instead */
	snprintf(sql, sizeof(sql), "SET lock_timeout = %d", st->busy_ms > 0 ? st->busy_ms : 1);
	PQclear(PQexec(pg_of(st)->conn, sql));
}

static PGconn *pg_connect(struct store *st, const char *target, struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	PGconn *c = PQconnectdb(target);
	char msg[256];
	if (c && PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, quiet_notices, NULL);
		if (PQserverVersion(c) >= 120000)
			return c;
		err_set(err, "the store %s needs PostgreSQL 12 or later", pg->display);
	} else {
		first_line(msg, sizeof(msg), c ? PQerrorMessage(c) : "out of memory");
		err_set(err, "cannot open the store %s: %s", pg->display, msg);
		err_hint(err, "check that the PostgreSQL server is running and that the URI names its "
			      "host, port, database and user");
	}
	PQfinish(c);
	store_fail(st, STORE_E_IO, -1);
	return NULL;
}

static int pg_open(struct store *st, const char *target, struct ucsh_err *err)
{
	struct pg *pg = xcalloc(1, sizeof(*pg));
	st->impl = pg;
	pg->target = xstrdup(target);
	pg->display = store_pg_redact(target);
	pg->conn = pg_connect(st, target, err);
	if (pg->conn && pg_simple(st, "SET client_min_messages = warning; "
				      "SET application_name = 'ucsh'", err) == 0) {
		set_lock_timeout(st);
		return 0;
	}
	PQfinish(pg->conn);
	free(pg->target);
	free(pg->display);
	free(pg);
	st->impl = NULL;
	return -1;
}

static void pg_close(struct store *st)
{
	struct pg *pg = pg_of(st);
	if (!pg)
		return;
	PQfinish(pg->conn);
	PQfinish(pg->watch);
	cache_clear(pg);
	sb_free(&pg->sql);
	params_free(&pg->p);
	free(pg->target);
	free(pg->display);
	free(pg);
	st->impl = NULL;
}

static void pg_set_busy_timeout(struct store *st, int ms)
{
	(void)ms; /* st->busy_ms holds it already */
	set_lock_timeout(st);
}

/* ---- Transactions --------------------------------------------------------- */

static int take_write_lock(struct store *st, struct ucsh_err *err)
{
	params_reset(&pg_of(st)->p);
	if (st->busy_ms > 0)
		return pg_simple(st, "SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")", err);
	PGresult *r = PQexec(pg_of(st)->conn, "SELECT pg_try_advisory_xact_lock(" PG_WRITE_LOCK ")");
	int rc = !ok_status(r) ? pg_error(st, r, NULL, err)
	       : strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? 0 : busy_error(st, err);
	PQclear(r);
	return rc;
}

static int pg_begin(struct store *st, int depth, struct ucsh_err *err)
{
	char sql[48];
	if (depth) {
		snprintf(sql, sizeof(sql), "SAVEPOINT s%d", depth);
		return pg_simple(st, sql, err);
	}
	reconnect_if_broken(st);
	if (pg_simple(st, "BEGIN", err) < 0)
		return -1;
	if (take_write_lock(st, err) == 0)
		return 0;
	PQclear(PQexec(pg_of(st)->conn, "ROLLBACK"));
	return -1;
}

static int pg_commit(struct store *st, int depth, struct ucsh_err *err)
{
	char sql[48];
	if (depth) {
		snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT s%d", depth);
		return pg_simple(st, sql, err);
	}
	PGresult *r = PQexec(pg_of(st)->conn, "COMMIT");
	int rc = ok_status(r) ? 0 : pg_error(st, r, NULL, err);
	/* COMMIT of a transaction that had failed answers ROLLBACK */
	if (rc == 0 && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
		err_set(err, "the transaction was ended by an earlier error");
		rc = store_fail(st, STORE_E_IO, -1);
	}
	PQclear(r);
	return rc;
}

static int pg_rollback(struct store *st, int depth, struct ucsh_err *err)
{
	char sql[96];
	if (PQtransactionStatus(pg_of(st)->conn) == PQTRANS_IDLE)
		return 0; /* the connection was lost: nothing is left to undo */
	if (depth == 0)
		return pg_simple(st, "ROLLBACK", err);
	snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT s%d; RELEASE SAVEPOINT s%d", depth, depth);
	return pg_simple(st, sql, err);
}

/* ---- Change counters ------------------------------------------------------ */

static int pg_bump(struct store *st, const struct store_kind *k, struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	params_reset(&pg->p);
	params_add(&pg->p, k->name);
	if (check_transaction(st, err) < 0)
		return -1;
	PGresult *r = pg_exec(st, "INSERT INTO change_counter AS c (kind, seq) VALUES ($1, 1), ('*', 1) "
				  "ON CONFLICT (kind) DO UPDATE SET seq = c.seq + 1", NULL, err);
	if (!r)
		return -1;
	PQclear(r);
	/* delivered at commit, once per transaction however many kinds it bumped */
	return pg_simple(st, "NOTIFY " PG_CHANNEL, err);
}

static int pg_changes(struct store *st, const struct store_kind *k, long long *seq,
		      struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	reconnect_if_broken(st);
	params_reset(&pg->p);
	params_add(&pg->p, k ? k->name : "*");
	return pg_integer(st, "SELECT seq FROM change_counter WHERE kind = $1", seq, err);
}

static int pg_watch_fd(struct store *st, struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	if (!pg->watch) {
		pg->watch = pg_connect(st, pg->target, err);
		if (!pg->watch)
			return -1;
		PGresult *r = PQexec(pg->watch, "LISTEN " PG_CHANNEL);
		bool ok = ok_status(r);
		PQclear(r);
		if (!ok || PQsetnonblocking(pg->watch, 1) != 0) {
			err_set(err, "cannot listen for changes on %s", pg->display);
			PQfinish(pg->watch);
			pg->watch = NULL;
			return store_fail(st, STORE_E_IO, -1);
		}
	}
	return PQsocket(pg->watch);
}

static int pg_watch_drain(struct store *st, struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	int n = 0;
	PGnotify *nf;
	if (!pg->watch)
		return 0;
	if (!PQconsumeInput(pg->watch) || PQstatus(pg->watch) == CONNECTION_BAD) {
		err_set(err, "lost the change notifications of %s", pg->display);
		PQfinish(pg->watch);
		pg->watch = NULL;
		return store_fail(st, STORE_E_IO, -1);
	}
	/* this handle's own commits are no news to its owner */
	int self = PQbackendPID(pg->conn);
	while ((nf = PQnotifies(pg->watch))) {
		if (nf->be_pid != self)
			n++;
		PQfreemem(nf);
	}
	return n > 0;
}

/* ---- The pool: leases, shared secrets, node reports ----------------------- */

static int pg_lease(struct store *st, const char *job, const char *node, int seconds, bool *held,
		    struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	reconnect_if_broken(st);
	params_reset(&pg->p);
	params_add(&pg->p, job);
	params_add(&pg->p, node);
	params_add_ll(&pg->p, seconds);
	/* the database's clock decides, so the nodes' clocks need not agree */
	PGresult *r = pg_exec(st, "INSERT INTO job_lease AS l (job, node, expires) VALUES ($1, $2, "
				  "clock_timestamp() + $3::integer * interval '1 second') "
				  "ON CONFLICT (job) DO UPDATE SET node = excluded.node, "
				  "expires = excluded.expires WHERE l.node = excluded.node "
				  "OR l.expires < clock_timestamp() RETURNING node", NULL, err);
	if (!r)
		return -1;
	*held = PQntuples(r) == 1;
	PQclear(r);
	return 0;
}

static int pg_release(struct store *st, const char *job, const char *node, struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	params_reset(&pg->p);
	params_add(&pg->p, job);
	params_add(&pg->p, node);
	PGresult *r = pg_exec(st, "DELETE FROM job_lease WHERE job = $1 AND node = $2", NULL, err);
	PQclear(r);
	return r ? 0 : -1;
}

static int pg_secret(struct store *st, const char *name, unsigned char *buf, size_t len,
		     struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	unsigned char fresh[64];
	char hex[2 * sizeof(fresh) + 1];
	if (len > sizeof(fresh) || getrandom(fresh, len, 0) != (ssize_t)len)
		return err_set(err, "cannot draw %zu random bytes for the pool's %s key", len, name);
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", fresh[i]);
	explicit_bzero(fresh, sizeof(fresh));
	params_reset(&pg->p);
	params_add(&pg->p, name);
	params_add(&pg->p, hex);
	/* the first node to ask makes it; every other one reads that one */
	PGresult *r = pg_exec(st, "INSERT INTO pool_secret (name, value) VALUES ($1, $2) "
				  "ON CONFLICT (name) DO NOTHING", NULL, err);
	explicit_bzero(hex, sizeof(hex));
	if (!r)
		return -1;
	PQclear(r);
	params_reset(&pg->p);
	params_add(&pg->p, name);
	r = pg_exec(st, "SELECT value FROM pool_secret WHERE name = $1", NULL, err);
	if (!r)
		return -1;
	const char *v = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "";
	int rc = 0;
	if (strlen(v) != 2 * len) {
		err_set(err, "the pool's %s key in the store has the wrong length", name);
		rc = store_fail(st, STORE_E_INVALID, -1);
	}
	for (size_t i = 0; rc == 0 && i < len; i++) {
		unsigned int byte;
		if (sscanf(v + 2 * i, "%2x", &byte) != 1)
			rc = err_set(err, "the pool's %s key in the store is not hex", name);
		buf[i] = (unsigned char)byte;
	}
	PQclear(r);
	return rc;
}

static int pg_node_report(struct store *st, const char *node, const char *status,
			  struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	reconnect_if_broken(st);
	params_reset(&pg->p);
	params_add(&pg->p, node);
	params_add(&pg->p, status);
	PGresult *r = status
		? pg_exec(st, "INSERT INTO pool_node (node, seen, status) VALUES ($1, "
			      "clock_timestamp(), $2) ON CONFLICT (node) DO UPDATE SET "
			      "seen = excluded.seen, status = excluded.status", NULL, err)
		: pg_exec(st, "DELETE FROM pool_node WHERE node = $1 AND $2::text IS NULL", NULL, err);
	PQclear(r);
	return r ? 0 : -1;
}

static int pg_node_reports(struct store *st, int max_age, json_t **out, struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	reconnect_if_broken(st);
	params_reset(&pg->p);
	params_add_ll(&pg->p, max_age);
	PGresult *r = pg_exec(st, "SELECT node, status, extract(epoch FROM clock_timestamp() - seen) "
				  "FROM pool_node WHERE seen > clock_timestamp() - $1::integer * "
				  "interval '1 second' ORDER BY node", NULL, err);
	if (!r)
		return -1;
	*out = json_array();
	for (int i = 0; i < PQntuples(r); i++) {
		json_t *status = json_loads(PQgetvalue(r, i, 1), JSON_DECODE_ANY, NULL);
		json_array_append_new(*out, json_pack("{s:s, s:o, s:f}", "Node", PQgetvalue(r, i, 0),
						      "Status", status ? status : json_null(),
						      "Age", strtod(PQgetvalue(r, i, 2), NULL)));
	}
	PQclear(r);
	return 0;
}

/* ---- Writes ---------------------------------------------------------------- */

static void sb_insert(struct strbuf *sb, const struct store_row *row, bool upsert)
{
	const struct store_kind *k = row->kind;
	int pn = 0;
	sb_adds(sb, "INSERT INTO ");
	sql_ident(sb, k->table);
	sb_adds(sb, " AS t");
	if (row->mask == 0) {
		sb_adds(sb, " DEFAULT VALUES");
		return;
	}
	sb_adds(sb, " (");
	int n = 0;
	for (size_t i = 0; i < k->ncolumns; i++) {
		if (!(row->mask & (1ull << i)))
			continue;
		sb_adds(sb, n++ ? "," : "");
		sql_ident(sb, k->columns[i].name);
	}
	sb_adds(sb, ") VALUES (");
	for (int i = 0; i < n; i++) {
		sb_adds(sb, i ? "," : "");
		sb_param(sb, &pn);
	}
	sb_addc(sb, ')');
	if (!upsert || !(row->mask & 1))
		return;
	sb_adds(sb, " ON CONFLICT (");
	sql_ident(sb, k->columns[0].name);
	if (row->mask == 1) {
		sb_adds(sb, ") DO NOTHING");
		return;
	}
	sb_adds(sb, ") DO UPDATE SET ");
	n = 0;
	for (size_t i = 1; i < k->ncolumns; i++) {
		if (!(row->mask & (1ull << i)))
			continue;
		sb_adds(sb, n++ ? ", " : "");
		sql_ident(sb, k->columns[i].name);
		sb_adds(sb, " = excluded.");
		sql_ident(sb, k->columns[i].name);
	}
}

static int pg_insert(struct store *st, const struct store_row *row, bool upsert,
		     struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	sb_reset(&pg->sql);
	sb_insert(&pg->sql, row, upsert);
	params_reset(&pg->p);
	bind_row(&pg->p, row);
	return pg_write(st, sb_str(&pg->sql), row->kind, NULL, err);
}

static int pg_update(struct store *st, const struct store_select *sel, const struct store_row *row,
		     long long *n, struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	const struct store_kind *k = sel->kind;
	int pn = 0, cols = 0;
	sb_reset(&pg->sql);
	sb_adds(&pg->sql, "UPDATE ");
	sql_ident(&pg->sql, k->table);
	sb_adds(&pg->sql, " SET ");
	for (size_t i = 0; i < k->ncolumns; i++) {
		if (!(row->mask & (1ull << i)))
			continue;
		sb_adds(&pg->sql, cols++ ? ", " : "");
		sql_ident(&pg->sql, k->columns[i].name);
		sb_adds(&pg->sql, " = ");
		sb_param(&pg->sql, &pn);
	}
	sb_select_tail(&pg->sql, sel, false, &pn);
	params_reset(&pg->p);
	bind_row(&pg->p, row);
	bind_select(&pg->p, sel, false);
	return pg_write(st, sb_str(&pg->sql), k, n, err);
}

static int pg_remove(struct store *st, const struct store_select *sel, long long *n,
		     struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	int pn = 0;
	sb_reset(&pg->sql);
	sb_adds(&pg->sql, "DELETE FROM ");
	sql_ident(&pg->sql, sel->kind->table);
	sb_select_tail(&pg->sql, sel, false, &pn);
	params_reset(&pg->p);
	bind_select(&pg->p, sel, false);
	return pg_write(st, sb_str(&pg->sql), sel->kind, n, err);
}

/* ---- Reads -------------------------------------------------------------------- */

static int pg_count(struct store *st, const struct store_select *sel, long long *n,
		    struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	int pn = 0;
	reconnect_if_broken(st);
	sb_reset(&pg->sql);
	sb_adds(&pg->sql, "SELECT count(*) FROM ");
	sql_ident(&pg->sql, sel->kind->table);
	sb_select_tail(&pg->sql, sel, false, &pn);
	params_reset(&pg->p);
	bind_select(&pg->p, sel, false);
	PGresult *r = pg_exec(st, sb_str(&pg->sql), sel->kind, err);
	if (!r)
		return -1;
	*n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

/* The SELECT of sel into pg->sql, its parameters into pg->p. */
static void build_query(struct pg *pg, const struct store_select *sel)
{
	int pn = 0;
	sb_reset(&pg->sql);
	sb_adds(&pg->sql, "SELECT ");
	for (size_t i = 0; i < sel->kind->ncolumns; i++) {
		if (i)
			sb_addc(&pg->sql, ',');
		sql_ident(&pg->sql, sel->kind->columns[i].name);
	}
	sb_adds(&pg->sql, " FROM ");
	sql_ident(&pg->sql, sel->kind->table);
	sb_select_tail(&pg->sql, sel, true, &pn);
	params_reset(&pg->p);
	bind_select(&pg->p, sel, true);
}

/*
 * A query limited to a few rows (store_get) runs at once and keeps its
 * rows. Any other runs as a server-side cursor WITH HOLD, fetched a
 * thousand rows at a time, so a million phones stream instead of filling
 * memory, and the connection stays free for writes while it is open.
 */
static int pg_query(struct store *st, const struct store_select *sel, void **impl,
		    struct ucsh_err *err)
{
	struct pg *pg = pg_of(st);
	struct pg_cursor *c = xcalloc(1, sizeof(*c));
	c->kind = sel->kind;
	reconnect_if_broken(st);
	build_query(pg, sel);
	if (sel->limit > 0 && sel->limit <= PG_DIRECT_LIMIT) {
		c->res = pg_exec(st, sb_str(&pg->sql), sel->kind, err);
	} else {
		struct strbuf decl = STRBUF_INIT;
		snprintf(c->name, sizeof(c->name), "ucsh_c%u", ++pg->cursors);
		sb_addf(&decl, "DECLARE %s NO SCROLL CURSOR WITH HOLD FOR %s", c->name, sb_str(&pg->sql));
		PGresult *r = PQexecParams(pg->conn, sb_str(&decl), (int)pg->p.n, NULL, pg->p.v, NULL,
					   NULL, 0);
		sb_free(&decl);
		if (!ok_status(r)) {
			pg_error(st, r, sel->kind, err);
			c->name[0] = '\0';
		} else {
			c->done = false;
			c->res = PQresultStatus(r) == PGRES_COMMAND_OK ? NULL : r;
			if (c->res == NULL)
				PQclear(r);
			*impl = c;
			return 0;
		}
		PQclear(r);
	}
	if (!c->res) {
		free(c);
		return -1;
	}
	*impl = c;
	return 0;
}

static json_t *row_json(const struct store_kind *k, const PGresult *r, int row)
{
	json_t *obj = json_object();
	for (size_t i = 0; i < k->ncolumns; i++) {
		const struct store_column *c = &k->columns[i];
		int col = (int)i;
		bool null = PQgetisnull(r, row, col);
		const char *v = null ? NULL : PQgetvalue(r, row, col);
		long long iv = 0;
		double rv = 0;
		if (!null && (c->type == STORE_INTEGER || c->type == STORE_BOOLEAN))
			iv = strtoll(v, NULL, 10);
		else if (!null && c->type == STORE_REAL)
			rv = strtod(v, NULL);
		json_object_set_new_nocheck(obj, c->name, store_value_json(c, null, iv, rv, v));
	}
	return obj;
}

static void close_cursor(struct store *st, struct pg_cursor *c)
{
	if (!c->name[0])
		return;
	char sql[48];
	snprintf(sql, sizeof(sql), "CLOSE %s", c->name);
	/* a cursor of a transaction since rolled back is gone already */
	PQclear(PQexec(pg_of(st)->conn, sql));
	c->name[0] = '\0';
}

static int fetch_more(struct store *st, struct pg_cursor *c, struct ucsh_err *err)
{
	char sql[64];
	PQclear(c->res);
	c->res = NULL;
	c->row = 0;
	snprintf(sql, sizeof(sql), "FETCH %d FROM %s", PG_FETCH, c->name);
	PGresult *r = PQexec(pg_of(st)->conn, sql);
	if (!ok_status(r)) {
		pg_error(st, r, c->kind, err);
		PQclear(r);
		return -1;
	}
	c->res = r;
	return 0;
}

static int pg_next(struct store *st, void *impl, json_t **out, struct ucsh_err *err)
{
	struct pg_cursor *c = impl;
	if (c->done)
		return 0;
	if (c->name[0] && (!c->res || c->row >= PQntuples(c->res))) {
		/* a short batch was the last one */
		if (c->res && PQntuples(c->res) < PG_FETCH) {
			c->done = true;
		} else if (fetch_more(st, c, err) < 0) {
			c->done = true;
			close_cursor(st, c);
			return -1;
		}
	}
	if (!c->done && c->res && c->row < PQntuples(c->res)) {
		*out = row_json(c->kind, c->res, c->row++);
		return 1;
	}
	/* Hand the cursor back now: a drained cursor holds nothing. */
	c->done = true;
	close_cursor(st, c);
	PQclear(c->res);
	c->res = NULL;
	return 0;
}

static void pg_cursor_free(struct store *st, void *impl)
{
	struct pg_cursor *c = impl;
	if (!c)
		return;
	close_cursor(st, c);
	PQclear(c->res);
	free(c);
}

const struct store_ops store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.set_busy_timeout = pg_set_busy_timeout,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.schema_version = pg_schema_version,
	.migrate = pg_migrate,
	.bump = pg_bump,
	.changes = pg_changes,
	.insert = pg_insert,
	.update = pg_update,
	.remove = pg_remove,
	.count = pg_count,
	.query = pg_query,
	.next = pg_next,
	.cursor_free = pg_cursor_free,
	.watch_fd = pg_watch_fd,
	.watch_drain = pg_watch_drain,
	.lease = pg_lease,
	.release = pg_release,
	.secret = pg_secret,
	.node_report = pg_node_report,
	.node_reports = pg_node_reports,
};
