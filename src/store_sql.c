/* store_sql: SQL text shared by the store's back ends (see store_sql.h). */
#include "config.h"

#include "store_sql.h"

#include <string.h>
#include <strings.h>

void sql_ident(struct strbuf *sb, const char *name)
{
	if (!strchr(name, '"')) { /* always, for the names in the schema table */
		/* not sb_addf: this runs for every column of every row written */
		sb_addc(sb, '"');
		sb_adds(sb, name);
		sb_addc(sb, '"');
		return;
	}
	sb_addc(sb, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			sb_addc(sb, '"');
		sb_addc(sb, *p);
	}
	sb_addc(sb, '"');
}

void sql_literal(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			sb_addc(sb, '\'');
		sb_addc(sb, *p);
	}
	sb_addc(sb, '\'');
}

void sql_default(struct strbuf *sb, const struct store_column *c)
{
	sb_adds(sb, " DEFAULT ");
	if (c->type == STORE_BOOLEAN)
		sb_adds(sb, strcasecmp(c->dflt, "true") == 0 ? "1" : "0");
	else if ((c->type == STORE_INTEGER || c->type == STORE_REAL) &&
		 strspn(c->dflt, "0123456789.-") == strlen(c->dflt))
		sb_adds(sb, c->dflt);
	else
		sql_literal(sb, c->dflt);
}

void sql_references(struct strbuf *sb, const struct store_column *c)
{
	static const char *const on_delete[] = {
		[STORE_RESTRICT] = "RESTRICT", [STORE_CASCADE] = "CASCADE", [STORE_SET_NULL] = "SET NULL",
	};
	const struct store_kind *parent = store_kind_find(c->ref);
	if (!parent)
		return;
	sb_adds(sb, " REFERENCES ");
	sql_ident(sb, parent->table);
	sb_addc(sb, '(');
	sql_ident(sb, parent->columns[0].name);
	sb_addf(sb, ") ON DELETE %s ON UPDATE CASCADE", on_delete[c->on_delete]);
}

void sql_index(struct strbuf *sb, const struct store_kind *k, const struct store_column *c)
{
	bool unique = (c->flags & (STORE_KEY | STORE_UNIQUE)) != 0;
	if ((c->flags & STORE_AUTO) || !(unique || (c->flags & STORE_INDEXED) || c->ref))
		return;
	sb_addf(sb, "CREATE %sINDEX ", unique ? "UNIQUE " : "");
	struct strbuf name = STRBUF_INIT;
	sb_addf(&name, "idx_%s_%s", k->table, c->flags & STORE_KEY ? "key" : c->name);
	sql_ident(sb, sb_str(&name));
	sb_free(&name);
	sb_adds(sb, " ON ");
	sql_ident(sb, k->table);
	sb_addc(sb, '(');
	sql_ident(sb, c->name);
	sb_adds(sb, ");\n");
}

int sql_since(int v)
{
	return v > 0 ? v : 1;
}

bool sql_is_text_type(enum store_type t)
{
	return t == STORE_TEXT || t == STORE_VERSION || t == STORE_TIMESTAMP || t == STORE_JSON;
}

enum store_op sql_positive(enum store_op op, bool *negated)
{
	*negated = true;
	switch (op) {
	case STORE_OP_NE: return STORE_OP_EQ;
	case STORE_OP_NOTLIKE: return STORE_OP_LIKE;
	case STORE_OP_NOTIN: return STORE_OP_IN;
	default: *negated = false; return op;
	}
}

/* The columns of an older kind that came with version v. */
static void ddl_new_columns(struct strbuf *sb, const struct store_kind *k, int v,
			    const struct sql_dialect *d)
{
	for (size_t j = 0; j < k->ncolumns; j++) {
		if (sql_since(k->columns[j].since) != v)
			continue;
		sb_adds(sb, "ALTER TABLE ");
		sql_ident(sb, k->table);
		sb_adds(sb, " ADD COLUMN ");
		d->column(sb, &k->columns[j]);
		sb_adds(sb, ";\n");
		sql_index(sb, k, &k->columns[j]);
	}
}

void sql_ddl_version(struct strbuf *sb, int v, const struct sql_dialect *d)
{
	if (v == 1)
		sb_adds(sb, d->base_ddl);
	for (size_t i = 0; i < store_kind_count(); i++) {
		const struct store_kind *k = store_kind_at(i);
		if (sql_since(k->since) == v)
			d->table(sb, k, v);
		else if (sql_since(k->since) < v)
			ddl_new_columns(sb, k, v, d);
		for (const char *const *o = k->owners; o && *o; o++) {
			const struct store_kind *owner = store_kind_find(*o);
			int when = sql_since(k->since) > sql_since(owner->since) ? sql_since(k->since)
									 : sql_since(owner->since);
			if (when == v)
				d->owner_triggers(sb, k, owner);
		}
	}
}
