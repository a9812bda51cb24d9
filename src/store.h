/*
 * store: everything ucsh and ucshd keep — topology, users and PINs, the
 * phone inventory, device updates, live registrations, the audit log —
 * behind one interface with interchangeable back ends (SQLite for one
 * node, PostgreSQL for a pool of nodes). No SQL leaves this module: callers speak in kinds
 * ("Phone"), keys, Jansson objects whose keys are the PowerShell property
 * names (MacAddress, Model, ...) and filters expressed as JSON data.
 *
 * Each kind is declared once, in a schema table in store.c: its table, its
 * key property, its columns with their types and indexes. The back end
 * generates its tables, indexes and statements from that table, so adding
 * a property is one line there (plus its `since` schema version).
 *
 * Values, in and out:
 *   text       JSON string (numbers are accepted and stored as text)
 *   integer    JSON integer (also a whole real or a numeric string)
 *   real       JSON number (also a numeric string)
 *   boolean    JSON true/false (also 0/1, "true"/"false"); comes back true/false
 *   timestamp  ISO-8601 UTC text "2026-11-26T10:38:02Z" (input may also carry
 *              an offset, fractions or be Unix seconds; it is normalised)
 *   version    text compared as a firmware version (4.0.10 > 4.0.9)
 *   json       JSON array or object, stored as JSON text (a plain string
 *              becomes a one-element array; "[...]" text is parsed)
 * An empty string given for a non-text property means null. Every property
 * of the kind is present in objects the store returns; an unset one is JSON
 * null, so tables and CSV exports have stable columns. Text comparisons
 * (keys included) are case-insensitive, as PowerShell's are, except for
 * properties flagged STORE_CASE (hashes, keys, certificates).
 *
 * Errors: every function returns a status and fills struct ucsh_err with a
 * message and, where it helps, a hint. Nothing here prints or exits, and no
 * message ever contains the value of a property flagged STORE_SECRET.
 *
 * Threads: a struct store and its cursors belong to one thread at a time.
 * Several processes may open the same store; writes serialise on the store
 * and a writer that waits longer than the busy timeout gets a "store busy"
 * error (store_last_error() == STORE_E_BUSY) instead of blocking forever.
 */
#ifndef UCSH_STORE_H
#define UCSH_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util.h"

/* ---- The schema table ------------------------------------------------- */

enum store_type {
	STORE_TEXT,
	STORE_INTEGER,
	STORE_REAL,
	STORE_BOOLEAN,
	STORE_TIMESTAMP,
	STORE_VERSION,
	STORE_JSON,
};

enum store_column_flags {
	STORE_KEY = 1 << 0,      /* the kind's key: unique and required; always column 0 */
	STORE_INDEXED = 1 << 1,  /* filters and sorts on it use an index */
	STORE_UNIQUE = 1 << 2,   /* no two objects share a (non-null) value */
	STORE_REQUIRED = 1 << 3, /* never null */
	STORE_SECRET = 1 << 4,   /* never shown in an error message */
	STORE_CASE = 1 << 5,     /* compared case-sensitively */
	STORE_AUTO = 1 << 6,     /* integer key assigned by the store on insert */
};

enum store_on_delete {
	STORE_RESTRICT,          /* deleting the referenced object fails */
	STORE_CASCADE,           /* ... deletes this object too */
	STORE_SET_NULL,          /* ... clears this property */
};

struct store_column {
	const char *name;        /* the PowerShell property name, PascalCase */
	enum store_type type;
	unsigned flags;          /* enum store_column_flags */
	const char *ref;         /* kind whose key this property holds, or NULL */
	enum store_on_delete on_delete;
	const char *dflt;        /* default in text form ("0", "true", "Unknown"), or NULL */
	int since;               /* schema version that added it; 0 means 1 */
};

struct store_kind {
	const char *name;        /* "Phone": also the object type name */
	const char *table;       /* "phone" */
	const struct store_column *columns; /* columns[0] is the key */
	size_t ncolumns;         /* at most STORE_MAX_COLUMNS */
	/* Kinds whose key this kind's key mirrors: deleting or renaming such an
	 * object deletes or renames this one (ClientPin follows its User or
	 * CommonAreaPhone, so a PIN never outlives its owner). NULL-terminated. */
	const char *const *owners;
	int since;               /* schema version that added it; 0 means 1 */
};

#define STORE_MAX_COLUMNS 64
#define STORE_TIMESTAMP_LEN 21   /* "2026-11-26T10:38:02Z" + NUL */

/* The kinds, in schema order. Borrowed, static. */
size_t store_kind_count(void);
const struct store_kind *store_kind_at(size_t i);
/* By name, case-insensitively; NULL when unknown. */
const struct store_kind *store_kind_find(const char *name);
/* A kind's property by name, case-insensitively; NULL when unknown. */
const struct store_column *store_column_find(const struct store_kind *k, const char *name);
/* The schema version this build creates and understands. */
int store_schema_latest(void);

/* ---- Opening --------------------------------------------------------- */

struct store;
struct store_cursor;

/*
 * The store a session uses when none is given: $UCSH_STORE when set and
 * non-empty, else sqlite://$XDG_DATA_HOME/ucsh/ucsh.db with XDG_DATA_HOME
 * defaulting to ~/.local/share. The string is owned by this module (or is
 * the environment's): valid until the next call or a change to the
 * environment; copy it to keep it.
 */
const char *store_default_uri(void);

/*
 * Open (creating when needed) the store at uri: `sqlite:///abs/path`,
 * `sqlite://relative/path`, a bare path, `:memory:` (a private store that
 * lives as long as the handle: tests), or a PostgreSQL database as a libpq
 * URI: `postgresql://user@host:port/db`, `postgresql:///db?host=/run/dir`
 * (`postgres://` too). A new file is created 0600 in directories created
 * 0700; a PostgreSQL database must exist (the store makes its tables).
 * Pending schema migrations run here, each in its own transaction; the
 * first one also seeds the defaults (site, pool, Global configurations, the
 * phone model catalogue) so that a new user can work at once.
 * The busy timeout is 5 s, or $UCSH_STORE_BUSY_TIMEOUT_MS when set.
 * uri NULL or "" means store_default_uri(). Returns the handle (caller
 * owns: store_close) or NULL with err filled.
 */
struct store *store_open(const char *uri, struct ucsh_err *err);
/* Rolls back an open transaction. Free every cursor first. NULL is a no-op. */
void store_close(struct store *st);

/* The directory beside the store where ucshd keeps its files (the pki/,
 * images/ and logs/ folders): the store file's directory, or for a shared
 * or in-memory store $XDG_DATA_HOME/ucsh. Caller frees. */
char *store_dir(const char *uri);
/* The URI, without a password (for messages and logs); owned by st. */
const char *store_uri(const struct store *st);
/* How long a write waits for another writer before STORE_E_BUSY. */
void store_set_busy_timeout(struct store *st, int ms);
int store_busy_timeout(const struct store *st);
/* The schema version of the open store (store_schema_latest() once open). */
int store_schema_version(struct store *st, int *version, struct ucsh_err *err);

/* What the last failed call on st was about, for callers that react to it. */
enum store_error {
	STORE_E_NONE,
	STORE_E_BUSY,        /* another process held the write lock too long */
	STORE_E_DUPLICATE,   /* insert of an existing key, or a unique property clash */
	STORE_E_REFERENCE,   /* refers to a missing object, or is still referred to */
	STORE_E_INVALID,     /* bad input: unknown kind/property, wrong type, bad filter */
	STORE_E_IO,          /* the file, the disk, the database engine */
};
enum store_error store_last_error(const struct store *st);

/* ---- Transactions ---------------------------------------------------- */

/*
 * store_begin takes the write lock at once (waiting at most the busy
 * timeout), so a transaction never fails half-way for want of it. Nested
 * calls make savepoints: an inner rollback undoes only the inner part.
 * Every write outside a transaction is a transaction of its own.
 *
 * Bulk loads: commit every 50,000-100,000 rows, not every few thousand. A
 * commit writes out every index page the batch touched, and random keys
 * (MAC addresses) touch most of them. Measured on 1,000,000 phones in
 * random MAC order on a 2-core machine: 10,000-row batches 57-62 s,
 * 100,000-row batches 33-35 s; the sqlite3 shell's .import of the same CSV
 * into an equivalent table (same indexes, WAL) 33-36 s.
 */
int store_begin(struct store *st, struct ucsh_err *err);
int store_commit(struct store *st, struct ucsh_err *err);
int store_rollback(struct store *st, struct ucsh_err *err);
int store_transaction_depth(const struct store *st);

/* ---- Objects by key -------------------------------------------------- */

/*
 * Keys are strings (an integer key is given as its decimal text). Objects
 * passed in are borrowed; objects returned are new references the caller
 * must json_decref. Unknown properties are an error; keys that begin with
 * 0x1f (the shell's hidden type name) are ignored.
 */
/* 1 found (*out set), 0 not found (*out NULL), -1 error. */
int store_get(struct store *st, const char *kind, const char *key, json_t **out,
	      struct ucsh_err *err);
/* 0, or -1 (STORE_E_DUPLICATE when the key exists). Unset properties take
 * their defaults. An STORE_AUTO key is assigned and not reported back. */
int store_insert(struct store *st, const char *kind, const json_t *obj, struct ucsh_err *err);
/* Set the properties present in changes (null clears one; a different key
 * renames). 1 updated, 0 no such object, -1 error. */
int store_update(struct store *st, const char *kind, const char *key, const json_t *changes,
		 struct ucsh_err *err);
/* Insert, or when the key exists set only the properties present in obj. 0 / -1. */
int store_upsert(struct store *st, const char *kind, const json_t *obj, struct ucsh_err *err);
/* 1 deleted, 0 no such object, -1 error (STORE_E_REFERENCE when still used). */
int store_delete(struct store *st, const char *kind, const char *key, struct ucsh_err *err);

/* ---- Queries --------------------------------------------------------- */

/*
 * A filter is NULL (everything) or a JSON array of conditions, all of which
 * must hold. A condition is
 *   {"Property": "Model", "Op": "eq", "Value": "CX600"}
 * with Op one of eq ne lt le gt ge like notlike in notin (a leading '-' and
 * any case are accepted), or a group {"And": [...]}, {"Or": [...]},
 * {"Not": condition}. like/notlike take PowerShell wildcards (* any run,
 * ? one character, ` escapes the next), case-insensitive. in/notin take an
 * array. "Value": null with eq/ne tests for null; ne, notlike and notin
 * match nulls, the other operators never do. On a json property the
 * condition applies to its elements: eq/like/in/lt... hold when some
 * element matches, ne/notlike/notin when none does. Limits: 256 conditions,
 * 8 levels of nesting, 1000 values in an in list.
 */
struct store_query_opts {
	const char *sort;       /* property to sort by; NULL: insertion order */
	bool descending;
	long long limit;        /* 0: no limit */
	long long offset;
};

/* Stream the matching objects. opts may be NULL. *out: caller owns
 * (store_cursor_free), valid while st is open. Writes made while a cursor
 * is open may or may not be seen by it. */
int store_query(struct store *st, const char *kind, const json_t *filter,
		const struct store_query_opts *opts, struct store_cursor **out,
		struct ucsh_err *err);
/* 1 with *out a new reference, 0 at the end, -1 error. */
int store_cursor_next(struct store_cursor *c, json_t **out, struct ucsh_err *err);
void store_cursor_free(struct store_cursor *c); /* NULL is a no-op */
int store_count(struct store *st, const char *kind, const json_t *filter, long long *n,
		struct ucsh_err *err);
/* Delete every match (e.g. expired registrations); *n: how many. 0 / -1. */
int store_delete_where(struct store *st, const char *kind, const json_t *filter, long long *n,
		       struct ucsh_err *err);

/* ---- Noticing changes ------------------------------------------------ */

/*
 * A counter that grows whenever a transaction that wrote objects of kind
 * (or of any kind, for NULL) commits, in this process or another. Cheap
 * enough to poll every second: when no other connection has committed and
 * this one has not written, it answers without reading the database.
 */
int store_changes(struct store *st, const char *kind, long long *seq, struct ucsh_err *err);

/* ---- A pool of nodes on one store ----------------------------------- *
 *
 * Several ucshd nodes may serve one pool from one PostgreSQL store. These
 * calls are what they need of it; on SQLite (one node) they answer as for
 * a pool of one. None of them may be called inside a transaction.
 */

/*
 * A file descriptor that becomes readable when a change may have been
 * committed by another connection (PostgreSQL: a LISTEN connection of its
 * own), for an event loop to watch; then call store_watch_drain and, when
 * it says so, store_changes. -1 with err when it cannot be made; -2 (err
 * untouched) when the back end has none: poll store_changes instead.
 */
int store_watch_fd(struct store *st, struct ucsh_err *err);
/* Consume what the watch fd delivered: 1 another connection announced a
 * commit, 0 none (or only this handle's own), -1 the watch connection was
 * lost (store_watch_fd makes a new one). */
int store_watch_drain(struct store *st, struct ucsh_err *err);

/*
 * Time-driven work that must run once per pool, not once per node
 * (binding expiry, rollout waves): take or renew the lease on job for
 * node (a name unique to the process) for `seconds` (1..86400). *held is
 * true when node holds it now, for `seconds` from this call by the
 * database's clock; another node gets it only once it has lapsed or been
 * released. The holder renews it each time before doing the work, and does
 * no more work than fits well within `seconds`, so a node that stalls or
 * is killed hands the job over after at most `seconds`. Work that must
 * not be done twice should also record its progress in the same
 * transaction as its effects (a rollout's CurrentWave), so that a new
 * holder continues instead of repeating. On SQLite the lease is always
 * held (one node per store).
 */
int store_job_lease(struct store *st, const char *job, const char *node, int seconds, bool *held,
		    struct ucsh_err *err);
/* Give the lease up (a node stopping cleanly), so another node takes over
 * at once. Releasing a lease not held is no error. */
int store_job_release(struct store *st, const char *job, const char *node, struct ucsh_err *err);

/*
 * A secret of len bytes (at most 64) that every node of the pool shares,
 * e.g. the key sealing digest nonces so that one node verifies what
 * another issued: made at random by the first node that asks, kept in the
 * store, read by the rest. 1 with buf filled; 0 when the back end keeps
 * none (SQLite: one node), and the caller uses a key of its own; -1 error.
 */
int store_pool_secret(struct store *st, const char *name, unsigned char *buf, size_t len,
		      struct ucsh_err *err);

/*
 * Per-node state for the pool to see (Get-CsService sums the counters of
 * every node): node publishes status (borrowed, any JSON) as of now;
 * status NULL removes its report. store_node_reports: the nodes heard from
 * in the last max_age seconds, as a new array of {"Node", "Status", "Age"
 * (seconds since the report)}. On SQLite nothing is kept and the list is
 * empty: the one node answers for itself.
 */
int store_node_report(struct store *st, const char *node, const json_t *status,
		      struct ucsh_err *err);
int store_node_reports(struct store *st, int max_age, json_t **out, struct ucsh_err *err);

/* ---- Timestamps ------------------------------------------------------ */

/* Format t as "2026-11-26T10:38:02Z" into buf. */
void store_timestamp(time_t t, char buf[STORE_TIMESTAMP_LEN]);
/* Parse the accepted input forms (see top); 0 on success, -1 if malformed. */
int store_timestamp_parse(const char *s, time_t *out);

#endif
