/*
 * store_sqlite: the SQLite back end of the store. One connection per
 * struct store, in WAL mode so that readers (ucsh) never wait for the
 * writer (ucshd) and the reverse; writes take the lock up front (BEGIN
 * IMMEDIATE) so that a busy store fails at the start of a transaction,
 * after the busy timeout, rather than in the middle.
 *
 * Cursors opened outside a transaction read through a second, read-only
 * connection. A cursor holds its snapshot until it is drained, and a
 * connection holding an old snapshot cannot take the write lock at all
 * (SQLite fails at once, without the busy wait, once anyone else has
 * committed). Get-CsPhone | Set-CsPhone writes while the Get's cursor is
 * open, and ucshd commits check-ins meanwhile: on one connection that
 * pipeline would fail whenever the estate is busy.
 *
 * All SQL is generated here from the schema table in store.c. Statements
 * are cached by their text: an import of a million rows with the same
 * properties prepares its INSERT once.
 */
#include "config.h"
#include "store_backend.h"
#include "store_sql.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQ_CACHE 64

struct stmt_slot {
	char *sql;
	uint32_t hash;
	sqlite3_stmt *stmt;
	bool busy;               /* in use by a running statement or an open cursor */
	unsigned long used;      /* for evicting the least recently used */
};

/* A statement checked out of a connection's cache (slot NULL: not cached). */
struct sq_stmt {
	sqlite3_stmt *stmt;
	struct stmt_slot *slot;
	struct sq_conn *conn;
};

/* One SQLite connection and its statement cache. */
struct sq_conn {
	sqlite3 *db;
	struct stmt_slot cache[SQ_CACHE];
	unsigned long tick;
};

struct sq {
	struct sq_conn rw;       /* writes, transactions, reads that finish at once */
	struct sq_conn *rd;      /* cursors outside a transaction; opened on the first */
	char *target;            /* the file, for opening rd; NULL for :memory: */
	struct strbuf sql;       /* scratch for building statements */
	/* The change counters as last read, and when. */
	bool seq_valid;
	bool dirty;              /* this connection bumped a counter since */
	long long data_version;
	long long seq_all;
	long long seqs[64];
};

struct sq_cursor {
	struct sq_stmt h;
	const struct store_kind *kind;
	bool done;
};

static struct sq *sq_of(struct store *st)
{
	return st->impl;
}

/* ---- Errors ----------------------------------------------------------- */

/* The column a UNIQUE failure names ("UNIQUE constraint failed: t.Col"). */
static int unique_column(const struct store_kind *k, const char *msg)
{
	const char *p = strstr(msg, "failed: ");
	if (!k || !p)
		return -1;
	p += 8;
	size_t tl = strlen(k->table);
	if (strncmp(p, k->table, tl) != 0 || p[tl] != '.')
		return -1;
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(p + tl + 1, ", "), p + tl + 1);
	const struct store_column *c = store_column_find(k, name);
	return c ? (int)(c - k->columns) : -1;
}

static int constraint_error(struct store *st, int rc, const struct store_kind *k, const char *msg,
			    struct ucsh_err *err)
{
	/* ON DELETE RESTRICT fails as a trigger, not as SQLITE_CONSTRAINT_FOREIGNKEY. */
	if (rc == SQLITE_CONSTRAINT_TRIGGER && strstr(msg, "FOREIGN KEY"))
		rc = SQLITE_CONSTRAINT_FOREIGNKEY;
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		err_set(err, "%s already exists", k ? k->name : "the object");
		return store_fail(st, STORE_E_DUPLICATE, unique_column(k, msg));
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		err_set(err, "%s refers to a missing object, or is still referred to",
			k ? k->name : "the object");
		return store_fail(st, STORE_E_REFERENCE, -1);
	default:
		err_set(err, "%s: %s", k ? k->name : "store", msg);
		return store_fail(st, STORE_E_INVALID, -1);
	}
}

/* Word an SQLite failure on conn; the message never carries a value. */
static int sq_error_on(struct store *st, struct sq_conn *conn, int rc, const struct store_kind *k,
		       struct ucsh_err *err)
{
	const char *msg = sqlite3_errmsg(conn->db);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		err_set(err, "store busy: another ucsh or ucshd is writing; try again");
		err_hint(err, "waited %d ms for the write lock (UCSH_STORE_BUSY_TIMEOUT_MS sets how long)",
			 st->busy_ms);
		return store_fail(st, STORE_E_BUSY, -1);
	case SQLITE_CONSTRAINT:
		return constraint_error(st, rc, k, msg, err);
	case SQLITE_FULL:
		err_set(err, "the disk holding the store %s is full", st->uri);
		break;
	case SQLITE_READONLY:
		err_set(err, "the store %s cannot be written here: %s", st->uri, msg);
		err_hint(err, "check the permissions of the file and its directory");
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		err_set(err, "the store %s is damaged or is not a ucsh store", st->uri);
		err_hint(err, "restore it from a backup, or point --store at another file");
		break;
	case SQLITE_CANTOPEN:
		err_set(err, "cannot open the store %s: %s", st->uri, msg);
		err_hint(err, "check that the directory exists and is writable");
		break;
	default:
		err_set(err, "store error: %s", msg);
		break;
	}
	return store_fail(st, STORE_E_IO, -1);
}

static int sq_error(struct store *st, int rc, const struct store_kind *k, struct ucsh_err *err)
{
	return sq_error_on(st, &sq_of(st)->rw, rc, k, err);
}

/* ---- Statement cache -------------------------------------------------- */

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct stmt_slot *slot_for(struct sq_conn *conn, const char *sql, uint32_t h)
{
	struct stmt_slot *victim = NULL;
	for (size_t i = 0; i < SQ_CACHE; i++) {
		struct stmt_slot *s = &conn->cache[i];
		if (s->stmt && !s->busy && s->hash == h && strcmp(s->sql, sql) == 0)
			return s;
		if (!s->busy && (!victim || !s->stmt || (victim->stmt && s->used < victim->used)))
			victim = s;
	}
	if (victim && victim->stmt) {
		sqlite3_finalize(victim->stmt);
		free(victim->sql);
		memset(victim, 0, sizeof(*victim));
	}
	return victim;
}

/* Check out a prepared statement for sql on conn. */
static int stmt_get_on(struct store *st, struct sq_conn *conn, const char *sql,
		       struct sq_stmt *h, const struct store_kind *k, struct ucsh_err *err)
{
	uint32_t hash = fnv1a(sql);
	struct stmt_slot *s = slot_for(conn, sql, hash);
	h->slot = s;
	h->conn = conn;
	if (s && s->stmt) {
		s->busy = true;
		s->used = ++conn->tick;
		h->stmt = s->stmt;
		return 0;
	}
	int rc = sqlite3_prepare_v3(conn->db, sql, -1, s ? SQLITE_PREPARE_PERSISTENT : 0,
				    &h->stmt, NULL);
	if (rc != SQLITE_OK)
		return sq_error_on(st, conn, rc, k, err);
	if (s) {
		s->sql = xstrdup(sql);
		s->hash = hash;
		s->stmt = h->stmt;
		s->busy = true;
		s->used = ++conn->tick;
	}
	return 0;
}

static int stmt_get(struct store *st, const char *sql, struct sq_stmt *h,
		    const struct store_kind *k, struct ucsh_err *err)
{
	return stmt_get_on(st, &sq_of(st)->rw, sql, h, k, err);
}

static void stmt_put(struct sq_stmt *h)
{
	if (!h->stmt)
		return;
	if (h->slot) {
		sqlite3_reset(h->stmt);
		sqlite3_clear_bindings(h->stmt);
		h->slot->busy = false;
	} else {
		sqlite3_finalize(h->stmt);
	}
	h->stmt = NULL;
}

/* Run a statement that returns no rows. */
static int sq_run(struct store *st, const char *sql, struct ucsh_err *err)
{
	struct sq_stmt h;
	if (stmt_get(st, sql, &h, NULL, err) < 0)
		return -1;
	int rc = sqlite3_step(h.stmt);
	int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sq_error(st, rc, NULL, err);
	stmt_put(&h);
	return ret;
}

/* Run a statement that returns one integer. */
static int sq_integer(struct store *st, const char *sql, long long *out, struct ucsh_err *err)
{
	struct sq_stmt h;
	if (stmt_get(st, sql, &h, NULL, err) < 0)
		return -1;
	int rc = sqlite3_step(h.stmt);
	int ret = 0;
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(h.stmt, 0);
	else
		ret = sq_error(st, rc, NULL, err);
	stmt_put(&h);
	return ret;
}

/* ---- Building SQL ----------------------------------------------------- */

static void sb_columns(struct strbuf *sb, const struct store_kind *k)
{
	for (size_t i = 0; i < k->ncolumns; i++) {
		if (i)
			sb_addc(sb, ',');
		sql_ident(sb, k->columns[i].name);
	}
}

/* The comparison of expr with the bound value(s) under op (a positive op). */
static void sb_compare(struct strbuf *sb, const char *expr, enum store_op op,
		       const struct store_cond *c, bool version)
{
	static const char *const sym[] = {
		[STORE_OP_EQ] = "=", [STORE_OP_LT] = "<", [STORE_OP_LE] = "<=",
		[STORE_OP_GT] = ">", [STORE_OP_GE] = ">=",
	};
	if (op == STORE_OP_LIKE) {
		sb_addf(sb, "%s LIKE ? ESCAPE '\\'", expr);
	} else if (op == STORE_OP_IN) {
		if (c->nvals == 0) {
			sb_adds(sb, "0");
			return;
		}
		sb_addf(sb, "%s IN (", expr);
		for (size_t i = 0; i < c->nvals; i++)
			sb_adds(sb, i ? ",?" : "?");
		sb_addc(sb, ')');
	} else {
		sb_addf(sb, "%s %s ?", expr, sym[op]);
		if (version && op != STORE_OP_EQ)
			sb_adds(sb, " COLLATE UCSH_VERSION");
	}
}

/*
 * A leaf. Negative operators also match null, as PowerShell's -ne does. On a
 * json column the test applies to the elements: some element for positive
 * operators, none for negative ones.
 */
static void sb_leaf(struct strbuf *sb, const struct store_cond *c)
{
	struct strbuf col = STRBUF_INIT;
	sql_ident(&col, c->col->name);
	bool negated;
	enum store_op op = sql_positive(c->op, &negated);
	if (op == STORE_OP_EQ && c->nvals == 1 && c->vals[0].null) {
		sb_addf(sb, "%s IS %sNULL", sb_str(&col), negated ? "NOT " : "");
	} else if (c->col->type == STORE_JSON) {
		sb_addf(sb, "%sEXISTS (SELECT 1 FROM json_each(%s) WHERE ", negated ? "NOT " : "",
			sb_str(&col));
		sb_compare(sb, "CAST(value AS TEXT) COLLATE NOCASE", op, c, false);
		sb_addc(sb, ')');
	} else {
		char expr[96];
		if (op == STORE_OP_LIKE && !sql_is_text_type(c->col->type))
			snprintf(expr, sizeof(expr), "CAST(%s AS TEXT)", sb_str(&col));
		else
			snprintf(expr, sizeof(expr), "%s", sb_str(&col));
		if (negated)
			sb_addf(sb, "(%s IS NULL OR NOT (", sb_str(&col));
		sb_compare(sb, expr, op, c, c->col->type == STORE_VERSION);
		if (negated)
			sb_adds(sb, "))");
	}
	sb_free(&col);
}

static void sb_where(struct strbuf *sb, const struct store_cond *c)
{
	switch (c->type) {
	case STORE_COND_LEAF:
		sb_leaf(sb, c);
		return;
	case STORE_COND_NOT:
		sb_adds(sb, "NOT (");
		sb_where(sb, &c->kids[0]);
		sb_addc(sb, ')');
		return;
	case STORE_COND_AND:
	case STORE_COND_OR:
		if (c->nkids == 0) {
			sb_adds(sb, c->type == STORE_COND_AND ? "1" : "0");
			return;
		}
		sb_addc(sb, '(');
		for (size_t i = 0; i < c->nkids; i++) {
			if (i)
				sb_adds(sb, c->type == STORE_COND_AND ? " AND " : " OR ");
			sb_where(sb, &c->kids[i]);
		}
		sb_addc(sb, ')');
		return;
	}
}

static void sb_select_tail(struct strbuf *sb, const struct store_select *sel, bool order)
{
	if (sel->where) {
		sb_adds(sb, " WHERE ");
		sb_where(sb, sel->where);
	}
	if (order) {
		sb_adds(sb, " ORDER BY ");
		if (sel->sort >= 0) {
			const struct store_column *c = &sel->kind->columns[sel->sort];
			sql_ident(sb, c->name);
			if (c->type == STORE_VERSION)
				sb_adds(sb, " COLLATE UCSH_VERSION");
			sb_adds(sb, sel->descending ? " DESC, " : ", ");
		}
		sb_adds(sb, "rowid");
		if (sel->limit || sel->offset)
			sb_adds(sb, " LIMIT ? OFFSET ?");
	}
}

/* ---- Binding ---------------------------------------------------------- */

static int bind_cell(sqlite3_stmt *s, int idx, enum store_type t, const struct store_cell *c,
		     bool copy)
{
	if (c->null)
		return sqlite3_bind_null(s, idx);
	switch (t) {
	case STORE_INTEGER:
	case STORE_BOOLEAN:
		return sqlite3_bind_int64(s, idx, c->i);
	case STORE_REAL:
		return sqlite3_bind_double(s, idx, c->r);
	default:
		return sqlite3_bind_text(s, idx, c->s, -1, copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
	}
}

static int bind_where(sqlite3_stmt *s, int *idx, const struct store_cond *c)
{
	if (c->type != STORE_COND_LEAF) {
		for (size_t i = 0; i < c->nkids; i++)
			if (bind_where(s, idx, &c->kids[i]) != SQLITE_OK)
				return SQLITE_RANGE;
		return SQLITE_OK;
	}
	if (c->nvals == 1 && c->vals[0].null)
		return SQLITE_OK; /* IS [NOT] NULL takes no parameter */
	bool like = c->op == STORE_OP_LIKE || c->op == STORE_OP_NOTLIKE;
	enum store_type t = like || c->col->type == STORE_JSON ? STORE_TEXT : c->col->type;
	for (size_t i = 0; i < c->nvals; i++)
		if (bind_cell(s, (*idx)++, t, &c->vals[i], true) != SQLITE_OK)
			return SQLITE_RANGE;
	return SQLITE_OK;
}

static int bind_select(sqlite3_stmt *s, int *idx, const struct store_select *sel, bool order)
{
	if (sel->where && bind_where(s, idx, sel->where) != SQLITE_OK)
		return SQLITE_RANGE;
	if (order && (sel->limit || sel->offset)) {
		sqlite3_bind_int64(s, (*idx)++, sel->limit ? sel->limit : -1);
		sqlite3_bind_int64(s, (*idx)++, sel->offset);
	}
	return SQLITE_OK;
}

static int bind_row(sqlite3_stmt *s, int *idx, const struct store_row *row)
{
	for (size_t i = 0; i < row->kind->ncolumns; i++)
		if ((row->mask & (1ull << i)) &&
		    bind_cell(s, (*idx)++, row->kind->columns[i].type, &row->cells[i], false) !=
			    SQLITE_OK)
			return SQLITE_RANGE;
	return SQLITE_OK;
}

/* ---- Schema: DDL from the schema table -------------------------------- */

static void ddl_column(struct strbuf *sb, const struct store_column *c)
{
	sql_ident(sb, c->name);
	if (c->flags & STORE_AUTO) {
		sb_adds(sb, " INTEGER PRIMARY KEY");
		return;
	}
	if (c->type == STORE_INTEGER || c->type == STORE_BOOLEAN)
		sb_adds(sb, " INTEGER");
	else if (c->type == STORE_REAL)
		sb_adds(sb, " REAL");
	else
		sb_adds(sb, " TEXT");
	if ((c->type == STORE_TEXT || c->type == STORE_VERSION) && !(c->flags & STORE_CASE))
		sb_adds(sb, " COLLATE NOCASE");
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
	bool first = true;
	for (size_t i = 0; i < k->ncolumns; i++) {
		if (sql_since(k->columns[i].since) > v)
			continue;
		sb_adds(sb, first ? "\n  " : ",\n  ");
		ddl_column(sb, &k->columns[i]);
		first = false;
	}
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
	sb_addf(sb, "CREATE TRIGGER \"%s_%s_delete\" AFTER DELETE ON ", o->table, k->table);
	sql_ident(sb, o->table);
	sb_adds(sb, " BEGIN DELETE FROM ");
	sql_ident(sb, k->table);
	sb_addf(sb, " WHERE \"%s\" = OLD.\"%s\"; END;\n", kk, ok);
	sb_addf(sb, "CREATE TRIGGER \"%s_%s_rename\" AFTER UPDATE OF \"%s\" ON ", o->table, k->table,
		ok);
	sql_ident(sb, o->table);
	sb_addf(sb, " WHEN OLD.\"%s\" IS NOT NEW.\"%s\" BEGIN UPDATE ", ok, ok);
	sql_ident(sb, k->table);
	sb_addf(sb, " SET \"%s\" = NEW.\"%s\" WHERE \"%s\" = OLD.\"%s\"; END;\n", kk, ok, kk, ok);
}


static const char sq_base_ddl[] =
	"CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL);\n"
	"CREATE TABLE change_counter (kind TEXT PRIMARY KEY, seq INTEGER NOT NULL);\n";

static const struct sql_dialect sq_dialect = {
	sq_base_ddl, ddl_table, ddl_column, ddl_owner_triggers,
};

static int sq_migrate(struct store *st, int v, struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	struct strbuf sb = STRBUF_INIT;
	char now[STORE_TIMESTAMP_LEN];
	sql_ddl_version(&sb, v, &sq_dialect);
	store_timestamp(time(NULL), now);
	sb_addf(&sb, "INSERT INTO schema_version (version, applied) VALUES (%d, '%s');\n", v, now);
	int rc = sqlite3_exec(sq->rw.db, sb_str(&sb), NULL, NULL, NULL);
	sb_free(&sb);
	return rc == SQLITE_OK ? 0 : sq_error(st, rc, NULL, err);
}

static int sq_schema_version(struct store *st, int *version, struct ucsh_err *err)
{
	long long n = 0;
	*version = 0;
	if (sq_integer(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
			   "AND name = 'schema_version'", &n, err) < 0)
		return -1;
	if (n == 0) {
		/* Never add our tables to someone else's database. */
		if (sq_integer(st, "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite%'",
			       &n, err) < 0)
			return -1;
		if (n == 0)
			return 0;
		err_set(err, "%s is an SQLite database but not a ucsh store", st->uri);
		err_hint(err, "point --store or UCSH_STORE at a new file or an existing ucsh store");
		return store_fail(st, STORE_E_INVALID, -1);
	}
	if (sq_integer(st, "SELECT coalesce(max(version), 0) FROM schema_version", &n, err) < 0)
		return -1;
	*version = (int)n;
	return 0;
}

/* ---- Versions as firmware compares them -------------------------------- */

/* Digit runs compare as numbers, the rest case-insensitively: 4.0.10 > 4.0.9. */
static int version_collate(void *arg, int na, const void *va, int nb, const void *vb)
{
	const unsigned char *a = va, *b = vb;
	int i = 0, j = 0;
	(void)arg;
	while (i < na && j < nb) {
		if (isdigit(a[i]) && isdigit(b[j])) {
			while (i < na && a[i] == '0')
				i++;
			while (j < nb && b[j] == '0')
				j++;
			int si = i, sj = j;
			while (i < na && isdigit(a[i]))
				i++;
			while (j < nb && isdigit(b[j]))
				j++;
			if (i - si != j - sj)
				return (i - si) - (j - sj);
			int c = memcmp(a + si, b + sj, (size_t)(i - si));
			if (c)
				return c;
			continue;
		}
		int ca = tolower(a[i]), cb = tolower(b[j]);
		if (ca != cb)
			return ca - cb;
		i++;
		j++;
	}
	return (na - i) - (nb - j);
}

/* ---- Opening and closing ---------------------------------------------- */

static int sq_pragmas(struct store *st, bool memory, struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	char *mode = NULL;
	sqlite3_stmt *s = NULL;
	/* journal_mode answers with the mode it got: a file that is not a
	 * database, or that cannot switch, says so here. */
	int rc = sqlite3_prepare_v2(sq->rw.db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		mode = xstrdup((const char *)sqlite3_column_text(s, 0));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK) {
		free(mode);
		return sq_error(st, rc, NULL, err);
	}
	bool wal = mode && strcasecmp(mode, "wal") == 0;
	free(mode);
	if (!wal && !memory) {
		err_set(err, "the store %s cannot use write-ahead logging", st->uri);
		err_hint(err, "the file system must support shared memory (not NFS) and be writable");
		return store_fail(st, STORE_E_IO, -1);
	}
	/* FULL: a commit is on disk before it returns, so what ucshd has
	 * acknowledged (a binding's 200) survives a power loss too, not only a
	 * crash. Writers batch (group commit, import batches), so the flush is
	 * paid per batch, not per object. */
	rc = sqlite3_exec(sq->rw.db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; "
				  "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;",
			  NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_error(st, rc, NULL, err);
}

/* Open conn on target with the settings every ucsh connection has. */
static int conn_open(struct store *st, struct sq_conn *conn, const char *target, int flags,
		     struct ucsh_err *err)
{
	int rc = sqlite3_open_v2(target, &conn->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(conn->db, 1);
		sqlite3_busy_timeout(conn->db, st->busy_ms);
		/* The store is data, never code: no schema tricks from a file. */
		sqlite3_db_config(conn->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
		sqlite3_db_config(conn->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
		rc = sqlite3_create_collation_v2(conn->db, "UCSH_VERSION", SQLITE_UTF8, NULL,
						 version_collate, NULL);
	}
	if (rc == SQLITE_OK)
		return 0;
	sq_error_on(st, conn, rc, NULL, err);
	sqlite3_close_v2(conn->db);
	conn->db = NULL;
	return -1;
}

static void conn_close(struct sq_conn *conn)
{
	for (size_t i = 0; i < SQ_CACHE; i++) {
		sqlite3_finalize(conn->cache[i].stmt);
		free(conn->cache[i].sql);
	}
	/* close_v2 waits for any cursor the caller forgot instead of failing. */
	sqlite3_close_v2(conn->db);
	memset(conn, 0, sizeof(*conn));
}

/* The connection a cursor reads through: rw inside a transaction (the
 * cursor must see the transaction's writes) and for an in-memory store
 * (a second connection would be another database), else rd. */
static struct sq_conn *cursor_conn(struct store *st, struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	if (st->depth > 0 || !sq->target)
		return &sq->rw;
	if (sq->rd)
		return sq->rd;
	struct sq_conn *rd = xcalloc(1, sizeof(*rd));
	if (conn_open(st, rd, sq->target, SQLITE_OPEN_READWRITE, err) < 0 ||
	    sqlite3_exec(rd->db, "PRAGMA query_only = ON; PRAGMA temp_store = MEMORY; "
				 "PRAGMA cache_size = -16384;", NULL, NULL, NULL) != SQLITE_OK) {
		if (rd->db)
			sq_error_on(st, rd, sqlite3_errcode(rd->db), NULL, err);
		conn_close(rd);
		free(rd);
		return NULL;
	}
	return sq->rd = rd;
}

static int sq_open(struct store *st, const char *target, struct ucsh_err *err)
{
	struct sq *sq = xcalloc(1, sizeof(*sq));
	bool memory = strcmp(target, ":memory:") == 0;
	st->impl = sq;
	if (conn_open(st, &sq->rw, target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err) == 0) {
		if (sq_pragmas(st, memory, err) == 0) {
			sq->target = memory ? NULL : xstrdup(target);
			return 0;
		}
		conn_close(&sq->rw);
	}
	free(sq);
	st->impl = NULL;
	return -1;
}

static void sq_close(struct store *st)
{
	struct sq *sq = sq_of(st);
	if (!sq)
		return;
	if (sq->rd) {
		conn_close(sq->rd);
		free(sq->rd);
	}
	conn_close(&sq->rw);
	free(sq->target);
	sb_free(&sq->sql);
	free(sq);
	st->impl = NULL;
}

static void sq_set_busy_timeout(struct store *st, int ms)
{
	struct sq *sq = sq_of(st);
	sqlite3_busy_timeout(sq->rw.db, ms);
	if (sq->rd)
		sqlite3_busy_timeout(sq->rd->db, ms);
}

/* ---- Transactions ----------------------------------------------------- */

static int sq_begin(struct store *st, int depth, struct ucsh_err *err)
{
	char sql[32];
	snprintf(sql, sizeof(sql), depth ? "SAVEPOINT s%d" : "BEGIN IMMEDIATE", depth);
	return sq_run(st, sql, err);
}

static int sq_commit(struct store *st, int depth, struct ucsh_err *err)
{
	char sql[32];
	snprintf(sql, sizeof(sql), depth ? "RELEASE s%d" : "COMMIT", depth);
	return sq_run(st, sql, err);
}

static int sq_rollback(struct store *st, int depth, struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	char sql[48];
	/* Some errors (a full disk, I/O) end the transaction by themselves. */
	if (sqlite3_get_autocommit(sq->rw.db))
		return 0;
	if (depth == 0)
		return sq_run(st, "ROLLBACK", err);
	snprintf(sql, sizeof(sql), "ROLLBACK TO s%d", depth);
	if (sq_run(st, sql, err) < 0)
		return -1;
	snprintf(sql, sizeof(sql), "RELEASE s%d", depth);
	return sq_run(st, sql, err);
}

/* A write inside a transaction that the database already ended would
 * silently commit on its own: refuse it. */
static int check_transaction(struct store *st, struct ucsh_err *err)
{
	if (st->depth == 0 || !sqlite3_get_autocommit(sq_of(st)->rw.db))
		return 0;
	err_set(err, "the transaction was ended by an earlier error");
	err_hint(err, "roll it back and start again");
	return store_fail(st, STORE_E_IO, -1);
}

/* ---- Change counters -------------------------------------------------- */

static int sq_bump(struct store *st, const struct store_kind *k, struct ucsh_err *err)
{
	struct sq_stmt h;
	if (check_transaction(st, err) < 0 ||
	    stmt_get(st, "INSERT INTO change_counter (kind, seq) VALUES (?, 1), ('*', 1) "
			 "ON CONFLICT (kind) DO UPDATE SET seq = seq + 1", &h, NULL, err) < 0)
		return -1;
	sqlite3_bind_text(h.stmt, 1, k->name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(h.stmt);
	int ret = rc == SQLITE_DONE ? 0 : sq_error(st, rc, NULL, err);
	stmt_put(&h);
	sq_of(st)->dirty = true;
	return ret;
}

static int reload_counters(struct store *st, struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	struct sq_stmt h;
	if (stmt_get(st, "SELECT kind, seq FROM change_counter", &h, NULL, err) < 0)
		return -1;
	sq->seq_all = 0;
	memset(sq->seqs, 0, sizeof(sq->seqs));
	int rc;
	while ((rc = sqlite3_step(h.stmt)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(h.stmt, 0);
		long long seq = sqlite3_column_int64(h.stmt, 1);
		const struct store_kind *k = store_kind_find(kind);
		if (kind && strcmp(kind, "*") == 0)
			sq->seq_all = seq;
		else if (k)
			sq->seqs[store_kind_index(k)] = seq;
	}
	int ret = rc == SQLITE_DONE ? 0 : sq_error(st, rc, NULL, err);
	stmt_put(&h);
	return ret;
}

/*
 * PRAGMA data_version changes only when another connection commits; it
 * costs no I/O. So the counter table is read only when someone else wrote,
 * this connection wrote, or a transaction is open.
 */
static int sq_changes(struct store *st, const struct store_kind *k, long long *seq,
		      struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	long long dv;
	if (sq_integer(st, "PRAGMA data_version", &dv, err) < 0)
		return -1;
	if (!sq->seq_valid || sq->dirty || dv != sq->data_version || st->depth > 0) {
		if (reload_counters(st, err) < 0)
			return -1;
		sq->data_version = dv;
		sq->dirty = false;
		sq->seq_valid = st->depth == 0;
	}
	*seq = k ? sq->seqs[store_kind_index(k)] : sq->seq_all;
	return 0;
}

/* ---- Writes ----------------------------------------------------------- */

/* Run a prepared statement that returns no rows; *n: rows changed. */
static int step_write(struct store *st, struct sq_stmt *h, const struct store_kind *k,
		      long long *n, struct ucsh_err *err)
{
	int rc = sqlite3_step(h->stmt);
	int ret = rc == SQLITE_DONE ? 0 : sq_error(st, rc, k, err);
	if (n)
		*n = ret == 0 ? sqlite3_changes(sq_of(st)->rw.db) : 0;
	stmt_put(h);
	return ret;
}

static void sb_insert(struct strbuf *sb, const struct store_row *row, bool upsert)
{
	const struct store_kind *k = row->kind;
	sb_adds(sb, "INSERT INTO ");
	sql_ident(sb, k->table);
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
	for (int i = 0; i < n; i++)
		sb_adds(sb, i ? ",?" : "?");
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

static int sq_insert(struct store *st, const struct store_row *row, bool upsert,
		     struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	struct sq_stmt h;
	int idx = 1;
	if (check_transaction(st, err) < 0)
		return -1;
	sb_reset(&sq->sql);
	sb_insert(&sq->sql, row, upsert);
	if (stmt_get(st, sb_str(&sq->sql), &h, row->kind, err) < 0)
		return -1;
	bind_row(h.stmt, &idx, row);
	return step_write(st, &h, row->kind, NULL, err);
}

static int sq_update(struct store *st, const struct store_select *sel, const struct store_row *row,
		     long long *n, struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	const struct store_kind *k = sel->kind;
	struct sq_stmt h;
	int idx = 1, cols = 0;
	if (check_transaction(st, err) < 0)
		return -1;
	sb_reset(&sq->sql);
	sb_adds(&sq->sql, "UPDATE ");
	sql_ident(&sq->sql, k->table);
	sb_adds(&sq->sql, " SET ");
	for (size_t i = 0; i < k->ncolumns; i++) {
		if (!(row->mask & (1ull << i)))
			continue;
		sb_adds(&sq->sql, cols++ ? ", " : "");
		sql_ident(&sq->sql, k->columns[i].name);
		sb_adds(&sq->sql, " = ?");
	}
	sb_select_tail(&sq->sql, sel, false);
	if (stmt_get(st, sb_str(&sq->sql), &h, k, err) < 0)
		return -1;
	bind_row(h.stmt, &idx, row);
	bind_select(h.stmt, &idx, sel, false);
	return step_write(st, &h, k, n, err);
}

static int sq_remove(struct store *st, const struct store_select *sel, long long *n,
		     struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	struct sq_stmt h;
	int idx = 1;
	if (check_transaction(st, err) < 0)
		return -1;
	sb_reset(&sq->sql);
	sb_adds(&sq->sql, "DELETE FROM ");
	sql_ident(&sq->sql, sel->kind->table);
	sb_select_tail(&sq->sql, sel, false);
	if (stmt_get(st, sb_str(&sq->sql), &h, sel->kind, err) < 0)
		return -1;
	bind_select(h.stmt, &idx, sel, false);
	return step_write(st, &h, sel->kind, n, err);
}

/* ---- Reads ------------------------------------------------------------ */

static int sq_count(struct store *st, const struct store_select *sel, long long *n,
		    struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	struct sq_stmt h;
	int idx = 1;
	sb_reset(&sq->sql);
	sb_adds(&sq->sql, "SELECT count(*) FROM ");
	sql_ident(&sq->sql, sel->kind->table);
	sb_select_tail(&sq->sql, sel, false);
	if (stmt_get(st, sb_str(&sq->sql), &h, sel->kind, err) < 0)
		return -1;
	bind_select(h.stmt, &idx, sel, false);
	int rc = sqlite3_step(h.stmt);
	int ret = 0;
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(h.stmt, 0);
	else
		ret = sq_error(st, rc, sel->kind, err);
	stmt_put(&h);
	return ret;
}

static int sq_query(struct store *st, const struct store_select *sel, void **impl,
		    struct ucsh_err *err)
{
	struct sq *sq = sq_of(st);
	struct sq_cursor *c = xcalloc(1, sizeof(*c));
	int idx = 1;
	sb_reset(&sq->sql);
	sb_adds(&sq->sql, "SELECT ");
	sb_columns(&sq->sql, sel->kind);
	sb_adds(&sq->sql, " FROM ");
	sql_ident(&sq->sql, sel->kind->table);
	sb_select_tail(&sq->sql, sel, true);
	struct sq_conn *conn = cursor_conn(st, err);
	if (!conn || stmt_get_on(st, conn, sb_str(&sq->sql), &c->h, sel->kind, err) < 0) {
		free(c);
		return -1;
	}
	bind_select(c->h.stmt, &idx, sel, true);
	c->kind = sel->kind;
	*impl = c;
	return 0;
}

static json_t *row_json(const struct store_kind *k, sqlite3_stmt *s)
{
	json_t *obj = json_object();
	for (size_t i = 0; i < k->ncolumns; i++) {
		const struct store_column *c = &k->columns[i];
		int col = (int)i;
		bool null = sqlite3_column_type(s, col) == SQLITE_NULL;
		long long iv = 0;
		double rv = 0;
		const char *sv = NULL;
		if (!null && (c->type == STORE_INTEGER || c->type == STORE_BOOLEAN))
			iv = sqlite3_column_int64(s, col);
		else if (!null && c->type == STORE_REAL)
			rv = sqlite3_column_double(s, col);
		else if (!null)
			sv = (const char *)sqlite3_column_text(s, col);
		json_object_set_new_nocheck(obj, c->name, store_value_json(c, null, iv, rv, sv));
	}
	return obj;
}

static int sq_next(struct store *st, void *impl, json_t **out, struct ucsh_err *err)
{
	struct sq_cursor *c = impl;
	if (c->done)
		return 0;
	int rc = sqlite3_step(c->h.stmt);
	if (rc == SQLITE_ROW) {
		*out = row_json(c->kind, c->h.stmt);
		return 1;
	}
	c->done = true;
	int ret = rc == SQLITE_DONE ? 0 : sq_error_on(st, c->h.conn, rc, c->kind, err);
	/* Hand the statement back now: a drained cursor holds no snapshot. */
	stmt_put(&c->h);
	return ret;
}

static void sq_cursor_free(struct store *st, void *impl)
{
	struct sq_cursor *c = impl;
	(void)st;
	if (!c)
		return;
	stmt_put(&c->h);
	free(c);
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.set_busy_timeout = sq_set_busy_timeout,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.schema_version = sq_schema_version,
	.migrate = sq_migrate,
	.bump = sq_bump,
	.changes = sq_changes,
	.insert = sq_insert,
	.update = sq_update,
	.remove = sq_remove,
	.count = sq_count,
	.query = sq_query,
	.next = sq_next,
	.cursor_free = sq_cursor_free,
};
