/*
 * store_sql: the SQL text both back ends of the store write alike: quoted
 * names and literals, column defaults, foreign keys and indexes, and the
 * small facts about the schema they both need. What differs between
 * SQLite and PostgreSQL (types, collations, placeholders) stays in each.
 */
#ifndef UCSH_STORE_SQL_H
#define UCSH_STORE_SQL_H

#include <stdbool.h>

#include "store.h"
#include "store_backend.h"
#include "util.h"

/* "name", with embedded quotes doubled. */
void sql_ident(struct strbuf *sb, const char *name);
/* 'text', with embedded quotes doubled. */
void sql_literal(struct strbuf *sb, const char *s);
/* " DEFAULT ..." for a column that has one. */
void sql_default(struct strbuf *sb, const struct store_column *c);
/* " REFERENCES parent(key) ON DELETE ... ON UPDATE CASCADE" for a reference. */
void sql_references(struct strbuf *sb, const struct store_column *c);
/* "CREATE [UNIQUE] INDEX ...;\n" for a key, unique, indexed or reference column. */
void sql_index(struct strbuf *sb, const struct store_kind *k, const struct store_column *c);
/* The schema version a column or kind came with (0 means 1). */
int sql_since(int v);

/* How a back end writes the pieces of the schema (its dialect). */
struct sql_dialect {
	const char *base_ddl; /* the tables of version 1 that are not kinds */
	void (*table)(struct strbuf *sb, const struct store_kind *k, int v);
	void (*column)(struct strbuf *sb, const struct store_column *c);
	void (*owner_triggers)(struct strbuf *sb, const struct store_kind *k,
			       const struct store_kind *owner);
};
/* Everything schema version v adds to what v-1 had: new tables, new
 * columns of older ones (with their indexes), and owner triggers. */
void sql_ddl_version(struct strbuf *sb, int v, const struct sql_dialect *d);
/* Types kept as text. */
bool sql_is_text_type(enum store_type t);
/* ne, notlike, notin as eq, like, in with *negated set. */
enum store_op sql_positive(enum store_op op, bool *negated);

#endif
