/*
 * Unit tests for the store: opening and seeding, migrations, objects by
 * key, filters, cursors, transactions, the busy error, change counters and
 * the error wording. Each test works in its own temporary directory, and,
 * with UCSH_TEST_BACKEND=postgresql (tests/pg/run.sh), in a schema of its
 * own (a store per schema: creating a database per test costs seconds) of
 * a database of this run's on the server whose socket directory is
 * UCSH_TEST_PG_HOST.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* nftw, when built without the configure-made config.h */
#endif
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

struct fixture {
	char dir[64];
	char uri[320];
	char path[128];
	char db[64];             /* the PostgreSQL schema, "" on SQLite */
	struct store *st;
};

/* The PostgreSQL server's socket directory, or NULL: test SQLite. */
static const char *pg_host(void)
{
	const char *b = getenv("UCSH_TEST_BACKEND"), *h = getenv("UCSH_TEST_PG_HOST");
	return b && strcmp(b, "postgresql") == 0 && h && *h ? h : NULL;
}

static char pg_database[64]; /* this run's */

/* Run sql in schema (NULL: none) of this run's database; 0 or -1 (printed). */
static int pg_run(const char *schema, const char *sql)
{
	char conninfo[400];
	snprintf(conninfo, sizeof(conninfo), "host=%s user=ucsh dbname=%s%s%s", pg_host(),
		 schema ? pg_database : "postgres", schema ? " options=-csearch_path=" : "",
		 schema ? schema : "");
	PGconn *c = PQconnectdb(conninfo);
	PQclear(PQstatus(c) == CONNECTION_OK ? PQexec(c, "SET client_min_messages = warning") : NULL);
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	int ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

static void pg_uri_of(const char *schema, char *out, size_t n)
{
	snprintf(out, n, "postgresql:///%s?host=%s&user=ucsh&options=-csearch_path%%3D%s",
		 pg_database, pg_host(), schema);
}

/* A fresh schema for one test. */
static int pg_new_db(char *schema, size_t n)
{
	static unsigned serial;
	char sql[128];
	snprintf(schema, n, "u%u", ++serial);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	return pg_run("", sql);
}

static void pg_drop_db(const char *schema)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
	pg_run("", sql);
}

/* This run's database, made at the start and dropped at the end. */
static int pg_database_create(void)
{
	char sql[128];
	snprintf(pg_database, sizeof(pg_database), "u_store_%ld", (long)getpid());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_database);
	return pg_run(NULL, sql);
}

static void pg_database_drop(void)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_database);
	pg_run(NULL, sql);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ucsh_err err = { 0 };
	snprintf(f->dir, sizeof(f->dir), "/tmp/ucsh-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/data/ucsh/ucsh.db", f->dir);
	snprintf(f->uri, sizeof(f->uri), "sqlite://%s", f->path);
	if (pg_host()) {
		if (pg_new_db(f->db, sizeof(f->db)) < 0) {
			nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
			free(f);
			return -1;
		}
		pg_uri_of(f->db, f->uri, sizeof(f->uri));
	}
	f->st = store_open(f->uri, &err);
	*state = f;
	if (!f->st) {
		fprintf(stderr, "store_open: %s\n", err.msg);
		nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		if (f->db[0])
			pg_drop_db(f->db);
		free(f);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->st);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (f->db[0])
		pg_drop_db(f->db);
	free(f);
	return 0;
}

/* ---- helpers ---------------------------------------------------------- */

static json_t *get(struct store *st, const char *kind, const char *key)
{
	struct ucsh_err err = { 0 };
	json_t *obj = NULL;
	int rc = store_get(st, kind, key, &obj, &err);
	assert_int_not_equal(rc, -1);
	return obj;
}

static void insert(struct store *st, const char *kind, json_t *obj)
{
	struct ucsh_err err = { 0 };
	assert_non_null(obj);
	int rc = store_insert(st, kind, obj, &err);
	if (rc != 0)
		fail_msg("insert %s: %s", kind, err.msg);
	json_decref(obj);
}

static long long count(struct store *st, const char *kind, const char *filter_json)
{
	struct ucsh_err err = { 0 };
	json_t *filter = filter_json ? json_loads(filter_json, 0, NULL) : NULL;
	long long n = -1;
	if (filter_json)
		assert_non_null(filter);
	int rc = store_count(st, kind, filter, &n, &err);
	json_decref(filter);
	if (rc != 0)
		fail_msg("count %s %s: %s", kind, filter_json ? filter_json : "", err.msg);
	return n;
}

/* The count that a failing filter must not produce: returns the error. */
static void count_fails(struct store *st, const char *kind, const char *filter_json,
			const char *needle)
{
	struct ucsh_err err = { 0 };
	json_t *filter = json_loads(filter_json, 0, NULL);
	long long n;
	assert_non_null(filter);
	assert_int_equal(store_count(st, kind, filter, &n, &err), -1);
	json_decref(filter);
	if (!strstr(err.msg, needle))
		fail_msg("expected '%s' in '%s'", needle, err.msg);
	assert_int_equal(store_last_error(st), STORE_E_INVALID);
}

static void add_phone(struct store *st, const char *mac, const char *model, const char *site,
		      const char *fw)
{
	insert(st, "Phone", json_pack("{s:s, s:s, s:s?, s:s?}", "MacAddress", mac, "Model", model,
				      "Site", site, "FirmwareVersion", fw));
}

static void add_sample_phones(struct store *st)
{
	add_phone(st, "00-04-F2-00-00-01", "CX600", "HQ", "4.0.7577.4100");
	add_phone(st, "00-04-F2-00-00-02", "CX600", "HQ-East", "4.0.7577.4400");
	add_phone(st, "00-04-F2-00-00-03", "CX700", "Branch", "4.0.10");
	add_phone(st, "00-04-F2-00-00-04", "4110", NULL, "4.0.9");
	add_phone(st, "00-04-F2-00-00-05", "CX_3%", "50%_off", NULL);
}

/* ---- opening, seeding, migrations ------------------------------------- */

static void test_open_creates_private_file_and_seeds(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	char dir[160];
	if (!f->db[0]) { /* a PostgreSQL store has no file */
		assert_int_equal(stat(f->path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		snprintf(dir, sizeof(dir), "%s/data/ucsh", f->dir);
		assert_int_equal(stat(dir, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0700);
	}

	json_t *site = get(f->st, "Site", "Site:Default");
	assert_non_null(site);
	json_decref(site);
	json_t *pool = get(f->st, "Pool", "pool01.contoso.com");
	assert_non_null(pool);
	assert_string_equal(json_string_value(json_object_get(pool, "Site")), "Site:Default");
	assert_string_equal(json_string_value(json_array_get(json_object_get(pool, "SipDomain"), 0)),
			    "contoso.com");
	assert_int_equal(json_integer_value(json_object_get(pool, "TlsPort")), 5061);
	assert_int_equal(json_integer_value(json_object_get(pool, "ExternalHttpsPort")), 4443);
	assert_int_equal(json_integer_value(json_object_get(pool, "SshPort")), 2222);
	assert_true(json_is_null(json_object_get(pool, "ListenAddress")));
	json_decref(pool);

	json_t *pin = get(f->st, "PinPolicy", "global");
	assert_non_null(pin);
	assert_int_equal(json_integer_value(json_object_get(pin, "MinPasswordLength")), 5);
	assert_int_equal(json_integer_value(json_object_get(pin, "MaximumLogonAttempts")), 10);
	assert_int_equal(json_integer_value(json_object_get(pin, "PINHistoryCount")), 5);
	assert_int_equal(json_integer_value(json_object_get(pin, "PINLifetime")), 0);
	assert_true(json_is_false(json_object_get(pin, "AllowCommonPatterns")));
	json_decref(pin);

	json_t *reg = get(f->st, "RegistrarConfiguration", "Global");
	assert_int_equal(json_integer_value(json_object_get(reg, "MinEndpointExpiration")), 300);
	assert_int_equal(json_integer_value(json_object_get(reg, "MaxEndpointExpiration")), 900);
	assert_int_equal(json_integer_value(json_object_get(reg, "DefaultEndpointExpiration")), 600);
	assert_int_equal(json_integer_value(json_object_get(reg, "MaxEndpointsPerUser")), 8);
	assert_true(json_is_false(json_object_get(reg, "EnableDHCPServer")));
	json_decref(reg);

	json_t *uc = get(f->st, "UCPhoneConfiguration", "Global");
	assert_true(json_is_true(json_object_get(uc, "EnforcePhoneLock")));
	assert_int_equal(json_integer_value(json_object_get(uc, "PhoneLockTimeout")), 600);
	assert_string_equal(json_string_value(json_object_get(uc, "SIPSecurityMode")), "High");
	json_decref(uc);

	json_t *du = get(f->st, "DeviceUpdateConfiguration", "Global");
	assert_int_equal(json_array_size(json_object_get(du, "ValidLogFileTypes")), 2);
	json_decref(du);

	assert_int_equal(count(f->st, "PhoneModel", NULL), 8);
	json_t *cx700 = get(f->st, "PhoneModel", "Polycom/CX700");
	assert_true(json_is_false(json_object_get(cx700, "RunsLyncPhoneEdition")));
	assert_string_equal(json_string_value(json_object_get(cx700, "DeviceType")), "Desk");
	json_decref(cx700);
	assert_int_equal(count(f->st, "PhoneModel",
			       "[{\"Property\":\"DeviceType\",\"Op\":\"eq\",\"Value\":\"CommonArea\"}]"), 3);
}

static void test_reopen_is_idempotent(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	int v = 0;
	add_phone(f->st, "00-04-F2-AB-CD-EF", "CX600", NULL, NULL);
	store_close(f->st);
	f->st = store_open(f->uri, &err);
	assert_non_null(f->st);
	assert_int_equal(store_schema_version(f->st, &v, &err), 0);
	assert_int_equal(v, store_schema_latest());
	assert_int_equal(count(f->st, "PhoneModel", NULL), 8);
	assert_int_equal(count(f->st, "Site", NULL), 1);
	assert_int_equal(count(f->st, "Phone", NULL), 1);
	/* A bare path opens the same store. */
	struct store *again = store_open(f->db[0] ? f->uri : f->path, &err);
	assert_non_null(again);
	assert_int_equal(count(again, "Phone", NULL), 1);
	store_close(again);
}

static void test_newer_schema_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	sqlite3 *db;
	if (f->db[0]) {
		assert_int_equal(pg_run(f->db, "INSERT INTO schema_version VALUES (999, 'x')"), 0);
	} else {
		assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_version VALUES (999, 'x')", NULL,
					      NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	assert_null(store_open(f->uri, &err));
	assert_non_null(strstr(err.msg, "schema version 999"));
	assert_non_null(strstr(err.hint, "upgrade"));
}

/* A database (schema) with tables of someone else's is left alone. */
static void pg_foreign_schema_is_refused(void)
{
	struct ucsh_err err = { 0 };
	char db[64], uri[320];
	assert_int_equal(pg_new_db(db, sizeof(db)), 0);
	assert_int_equal(pg_run(db, "CREATE TABLE recipes (name text)"), 0);
	pg_uri_of(db, uri, sizeof(uri));
	assert_null(store_open(uri, &err));
	assert_non_null(strstr(err.msg, "a PostgreSQL database but not a ucsh store"));
	assert_int_equal(pg_run(db, "SELECT 1 FROM recipes"), 0);
	pg_drop_db(db);
}

static void test_foreign_files_are_refused(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	char path[200];
	if (f->db[0])
		pg_foreign_schema_is_refused();
	snprintf(path, sizeof(path), "%s/notes.txt", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("this is not a database, just some notes that happen to be long enough\n", fp);
	for (int i = 0; i < 100; i++)
		fputs("more text so that SQLite reads a whole page of it\n", fp);
	fclose(fp);
	assert_null(store_open(path, &err));
	assert_non_null(strstr(err.msg, "is damaged or is not a ucsh store"));

	sqlite3 *db;
	snprintf(path, sizeof(path), "%s/other.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE recipes (name TEXT)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(path, &err));
	assert_non_null(strstr(err.msg, "an SQLite database but not a ucsh store"));
}

static void test_uris(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	/* nothing listens on port 1; the password never shows in the message */
	assert_null(store_open("postgresql://ken:s3cret@127.0.0.1:1/ucsh?password=other", &err));
	assert_non_null(strstr(err.msg, "cannot open the store postgresql://ken:***@127.0.0.1:1/ucsh"));
	assert_null(strstr(err.msg, "s3cret"));
	assert_null(strstr(err.msg, "other"));
	assert_null(store_open("mysql://x/y", &err));
	assert_non_null(strstr(err.msg, "unknown store URI"));
	assert_null(store_open("sqlite://", &err));

	char cwd[512], rel[160];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	struct store *st = store_open("sqlite://relative/r.db", &err);
	assert_non_null(st);
	store_close(st);
	snprintf(rel, sizeof(rel), "%s/relative/r.db", f->dir);
	assert_int_equal(access(rel, F_OK), 0);
	assert_int_equal(chdir(cwd), 0);

	st = store_open(":memory:", &err);
	assert_non_null(st);
	assert_int_equal(count(st, "PhoneModel", NULL), 8);
	store_close(st);
}

static void test_default_uri(void **state)
{
	(void)state;
	char *saved = getenv("UCSH_STORE") ? strdup(getenv("UCSH_STORE")) : NULL;
	setenv("UCSH_STORE", "sqlite:///srv/x.db", 1);
	assert_string_equal(store_default_uri(), "sqlite:///srv/x.db");
	unsetenv("UCSH_STORE");
	setenv("XDG_DATA_HOME", "/home/ken/.data", 1);
	assert_string_equal(store_default_uri(), "sqlite:///home/ken/.data/ucsh/ucsh.db");
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/ken", 1);
	assert_string_equal(store_default_uri(), "sqlite:///home/ken/.local/share/ucsh/ucsh.db");
	if (saved)
		setenv("UCSH_STORE", saved, 1);
	free(saved);
}

/* ---- objects by key --------------------------------------------------- */

static void test_insert_get_update_delete(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	insert(f->st, "Phone", json_pack("{s:s, s:s, s:s, s:s, s:s}", "MacAddress",
					 "00-04-F2-AB-CD-EF", "Model", "CX600", "Brand", "Polycom",
					 "LastSeen", "2026-11-26T11:38:02+01:00", "Status", "New"));
	json_t *p = get(f->st, "Phone", "00-04-F2-AB-CD-EF");
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "Model")), "CX600");
	assert_string_equal(json_string_value(json_object_get(p, "LastSeen")), "2026-11-26T10:38:02Z");
	assert_true(json_is_null(json_object_get(p, "Site"))); /* every property is present */
	assert_int_equal(json_object_size(p), store_kind_find("Phone")->ncolumns);
	json_decref(p);

	json_t *changes = json_pack("{s:s, s:n}", "Model", "CX700", "Status");
	assert_int_equal(store_update(f->st, "Phone", "00-04-F2-AB-CD-EF", changes, &err), 1);
	assert_int_equal(store_update(f->st, "Phone", "00-04-F2-00-00-00", changes, &err), 0);
	json_decref(changes);
	p = get(f->st, "Phone", "00-04-F2-AB-CD-EF");
	assert_string_equal(json_string_value(json_object_get(p, "Model")), "CX700");
	assert_string_equal(json_string_value(json_object_get(p, "Brand")), "Polycom");
	assert_true(json_is_null(json_object_get(p, "Status")));
	json_decref(p);

	/* Upsert sets only what it is given. */
	json_t *up = json_pack("{s:s, s:s}", "MacAddress", "00-04-f2-ab-cd-ef", "IPAddress", "10.0.0.7");
	assert_int_equal(store_upsert(f->st, "Phone", up, &err), 0);
	json_decref(up);
	p = get(f->st, "Phone", "00-04-F2-AB-CD-EF");
	assert_string_equal(json_string_value(json_object_get(p, "Model")), "CX700");
	assert_string_equal(json_string_value(json_object_get(p, "IPAddress")), "10.0.0.7");
	json_decref(p);
	up = json_pack("{s:s, s:s}", "MacAddress", "00-04-F2-00-00-09", "Model", "CX500");
	assert_int_equal(store_upsert(f->st, "Phone", up, &err), 0);
	json_decref(up);
	assert_int_equal(count(f->st, "Phone", NULL), 2);

	assert_int_equal(store_delete(f->st, "Phone", "00-04-F2-AB-CD-EF", &err), 1);
	assert_int_equal(store_delete(f->st, "Phone", "00-04-F2-AB-CD-EF", &err), 0);
	assert_null(get(f->st, "Phone", "00-04-F2-AB-CD-EF"));
}

static void test_duplicate_key(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	add_phone(f->st, "00-04-F2-AB-CD-EF", "CX600", NULL, NULL);
	json_t *dup = json_pack("{s:s, s:s}", "MacAddress", "00-04-f2-ab-cd-ef", "Model", "CX700");
	assert_int_equal(store_insert(f->st, "Phone", dup, &err), -1);
	json_decref(dup);
	assert_int_equal(store_last_error(f->st), STORE_E_DUPLICATE);
	assert_string_equal(err.msg, "Phone '00-04-f2-ab-cd-ef' already exists");
	assert_true(err.hint[0] != '\0');

	insert(f->st, "User", json_pack("{s:s, s:s}", "SipAddress", "sip:ken@contoso.com", "LineURI",
					"tel:+14255550100;ext=100"));
	dup = json_pack("{s:s, s:s}", "SipAddress", "sip:pat@contoso.com", "LineURI",
			"TEL:+14255550100;ext=100");
	assert_int_equal(store_insert(f->st, "User", dup, &err), -1);
	json_decref(dup);
	assert_int_equal(store_last_error(f->st), STORE_E_DUPLICATE);
	assert_non_null(strstr(err.msg, "another User already has LineURI"));
}

static void test_keys_are_case_insensitive(void **state)
{
	struct fixture *f = *state;
	insert(f->st, "User", json_pack("{s:s, s:s}", "SipAddress", "sip:Ken@Contoso.com",
					"DisplayName", "Ken Myer"));
	json_t *u = get(f->st, "User", "SIP:ken@contoso.COM");
	assert_non_null(u);
	assert_string_equal(json_string_value(json_object_get(u, "SipAddress")), "sip:Ken@Contoso.com");
	assert_true(json_is_true(json_object_get(u, "Enabled"))); /* the default */
	json_decref(u);
	json_t *pool = get(f->st, "Pool", "POOL01.Contoso.Com");
	assert_non_null(pool);
	json_decref(pool);
	/* Text filters compare case-insensitively too, as PowerShell does. */
	assert_int_equal(count(f->st, "User",
			       "[{\"Property\":\"displayname\",\"Op\":\"eq\",\"Value\":\"KEN MYER\"}]"), 1);
}

static void test_values_and_types(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	/* Strings from CSV convert to the column types. */
	insert(f->st, "RegistrarConfiguration", json_pack("{s:s, s:s, s:s}", "Identity", "site:HQ",
		"MaxEndpointsPerUser", "4", "EnableDHCPServer", "True"));
	json_t *r = get(f->st, "RegistrarConfiguration", "site:HQ");
	assert_int_equal(json_integer_value(json_object_get(r, "MaxEndpointsPerUser")), 4);
	assert_true(json_is_true(json_object_get(r, "EnableDHCPServer")));
	assert_int_equal(json_integer_value(json_object_get(r, "MinEndpointExpiration")), 300);
	json_decref(r);

	/* A single value for a list property becomes a one-element list. */
	json_t *ch = json_pack("{s:s}", "ValidLogFileTypes", "Watson");
	assert_int_equal(store_update(f->st, "DeviceUpdateConfiguration", "Global", ch, &err), 1);
	json_decref(ch);
	json_t *du = get(f->st, "DeviceUpdateConfiguration", "Global");
	json_t *types = json_object_get(du, "ValidLogFileTypes");
	assert_true(json_is_array(types));
	assert_string_equal(json_string_value(json_array_get(types, 0)), "Watson");
	json_decref(du);

	json_t *bad = json_pack("{s:s, s:s}", "MacAddress", "00-04-F2-00-00-01", "LastSeen", "yesterday");
	assert_int_equal(store_insert(f->st, "Phone", bad, &err), -1);
	json_decref(bad);
	assert_int_equal(store_last_error(f->st), STORE_E_INVALID);
	assert_non_null(strstr(err.msg, "Phone property LastSeen expects a time"));
	assert_non_null(strstr(err.msg, "'yesterday'"));

	bad = json_pack("{s:s, s:s}", "MacAddress", "00-04-F2-00-00-01", "Colour", "red");
	assert_int_equal(store_insert(f->st, "Phone", bad, &err), -1);
	json_decref(bad);
	assert_string_equal(err.msg, "Phone has no property 'Colour'");
	assert_non_null(strstr(err.hint, "MacAddress"));

	bad = json_pack("{s:s}", "Model", "CX600");
	assert_int_equal(store_insert(f->st, "Phone", bad, &err), -1);
	json_decref(bad);
	assert_string_equal(err.msg, "a Phone needs a MacAddress");

	/* A secret never shows up in an error. */
	bad = json_pack("{s:s, s:i}", "Identity", "sip:ken@contoso.com", "PinHash", 582913);
	assert_int_equal(store_insert(f->st, "ClientPin", bad, &err), 0);
	json_decref(bad);
	bad = json_pack("{s:s, s:{s:i}}", "Identity", "sip:pat@contoso.com", "PinHash", "x", 582913);
	assert_int_equal(store_insert(f->st, "ClientPin", bad, &err), -1);
	json_decref(bad);
	assert_null(strstr(err.msg, "582913"));

	assert_int_equal(store_get(f->st, "Gadget", "x", &bad, &err), -1);
	assert_non_null(strstr(err.msg, "no kind 'Gadget'"));
}

static void test_hidden_keys_are_ignored(void **state)
{
	struct fixture *f = *state;
	json_t *obj = json_pack("{s:s, s:s, s:s}", "MacAddress", "00-04-F2-00-00-01", "Model", "CX600",
				"\x1ftype", "Phone");
	insert(f->st, "Phone", obj);
	assert_int_equal(count(f->st, "Phone", NULL), 1);
}

static void test_references(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	json_t *pool = json_pack("{s:s, s:s}", "Identity", "pool02.contoso.com", "Site", "Site:Nowhere");
	assert_int_equal(store_insert(f->st, "Pool", pool, &err), -1);
	json_decref(pool);
	assert_int_equal(store_last_error(f->st), STORE_E_REFERENCE);
	assert_string_equal(err.msg, "Pool Site: Site 'Site:Nowhere' does not exist");

	assert_int_equal(store_delete(f->st, "Site", "Site:Default", &err), -1);
	assert_int_equal(store_last_error(f->st), STORE_E_REFERENCE);
	assert_non_null(strstr(err.msg, "cannot remove Site 'Site:Default': 1 Pool object still refers"));

	/* Renaming a site carries its pools along. */
	json_t *ch = json_pack("{s:s}", "Identity", "Site:HQ");
	assert_int_equal(store_update(f->st, "Site", "Site:Default", ch, &err), 1);
	json_decref(ch);
	assert_int_equal(count(f->st, "Pool",
			       "[{\"Property\":\"Site\",\"Op\":\"eq\",\"Value\":\"Site:HQ\"}]"), 1);
}

static void test_pin_follows_its_owner(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	insert(f->st, "User", json_pack("{s:s}", "SipAddress", "sip:ken@contoso.com"));
	insert(f->st, "ClientPin", json_pack("{s:s, s:s}", "Identity", "sip:ken@contoso.com",
					     "PinHash", "pbkdf2-sha256$1$AA$AA"));
	json_t *ch = json_pack("{s:s}", "SipAddress", "sip:kenm@contoso.com");
	assert_int_equal(store_update(f->st, "User", "sip:ken@contoso.com", ch, &err), 1);
	json_decref(ch);
	json_t *pin = get(f->st, "ClientPin", "sip:kenm@contoso.com");
	assert_non_null(pin);
	assert_int_equal(json_integer_value(json_object_get(pin, "FailedAttempts")), 0);
	assert_true(json_is_false(json_object_get(pin, "IsLockedOut")));
	json_decref(pin);
	assert_int_equal(store_delete(f->st, "User", "sip:kenm@contoso.com", &err), 1);
	assert_int_equal(count(f->st, "ClientPin", NULL), 0);
}

static void test_auto_key(void **state)
{
	struct fixture *f = *state;
	insert(f->st, "AuditLog", json_pack("{s:s, s:s, s:s}", "Time", "2026-11-26T10:38:02Z",
					    "Command", "Get-CsPhone", "Outcome", "Success"));
	insert(f->st, "AuditLog", json_pack("{s:s}", "Command", "Remove-CsPhone"));
	json_t *second = get(f->st, "AuditLog", "2");
	assert_non_null(second);
	assert_string_equal(json_string_value(json_object_get(second, "Command")), "Remove-CsPhone");
	assert_int_equal(json_integer_value(json_object_get(second, "Id")), 2);
	json_decref(second);
}

/* ---- queries ---------------------------------------------------------- */

#define COND(p, o, v) "[{\"Property\":\"" p "\",\"Op\":\"" o "\",\"Value\":" v "}]"

static void test_filter_ops(void **state)
{
	struct fixture *f = *state;
	add_sample_phones(f->st);
	assert_int_equal(count(f->st, "Phone", COND("Model", "eq", "\"cx600\"")), 2);
	assert_int_equal(count(f->st, "Phone", COND("Model", "-EQ", "\"CX600\"")), 2);
	assert_int_equal(count(f->st, "Phone", COND("Model", "ne", "\"CX600\"")), 3);
	/* ne matches nulls, as PowerShell's -ne does; eq null finds them. */
	assert_int_equal(count(f->st, "Phone", COND("Site", "ne", "\"HQ\"")), 4);
	assert_int_equal(count(f->st, "Phone", COND("Site", "eq", "null")), 1);
	assert_int_equal(count(f->st, "Phone", COND("Site", "ne", "null")), 4);
	/* Versions compare as versions: 4.0.9 < 4.0.10 < 4.0.7577.x */
	assert_int_equal(count(f->st, "Phone", COND("FirmwareVersion", "lt", "\"4.0.10\"")), 1);
	assert_int_equal(count(f->st, "Phone", COND("FirmwareVersion", "le", "\"4.0.10\"")), 2);
	assert_int_equal(count(f->st, "Phone", COND("FirmwareVersion", "gt", "\"4.0.7577.4100\"")), 1);
	assert_int_equal(count(f->st, "Phone", COND("FirmwareVersion", "ge", "\"4.0.7577.4100\"")), 2);
	assert_int_equal(count(f->st, "Phone", COND("MacAddress", "like", "\"00-04-f2-*\"")), 5);
	assert_int_equal(count(f->st, "Phone", COND("Site", "like", "\"HQ*\"")), 2);
	assert_int_equal(count(f->st, "Phone", COND("Site", "like", "\"H?\"")), 1);
	assert_int_equal(count(f->st, "Phone", COND("Site", "notlike", "\"HQ*\"")), 3);
	/* % and _ in a value are literal characters, not wildcards. */
	assert_int_equal(count(f->st, "Phone", COND("Model", "like", "\"CX_*\"")), 1);
	assert_int_equal(count(f->st, "Phone", COND("Model", "like", "\"*%\"")), 1);
	assert_int_equal(count(f->st, "Phone", COND("Site", "like", "\"50%_off\"")), 1);
	assert_int_equal(count(f->st, "Phone", COND("Site", "like", "\"50_%_off\"")), 0);
	assert_int_equal(count(f->st, "Phone", COND("Model", "like", "\"CX`*\"")), 0);
	assert_int_equal(count(f->st, "Phone", COND("Model", "in", "[\"CX700\",\"4110\"]")), 2);
	assert_int_equal(count(f->st, "Phone", COND("Model", "in", "[]")), 0);
	assert_int_equal(count(f->st, "Phone", COND("Model", "notin", "[\"CX700\",\"4110\"]")), 3);
	assert_int_equal(count(f->st, "Phone", COND("Site", "in", "\"HQ\"")), 1);
	/* Groups. */
	assert_int_equal(count(f->st, "Phone",
		"[{\"Or\":[" "{\"Property\":\"Model\",\"Op\":\"eq\",\"Value\":\"CX700\"},"
		"{\"Property\":\"Site\",\"Op\":\"eq\",\"Value\":\"HQ\"}]}]"), 2);
	assert_int_equal(count(f->st, "Phone",
		"[{\"Not\":{\"Property\":\"Model\",\"Op\":\"eq\",\"Value\":\"CX600\"}},"
		"{\"Property\":\"FirmwareVersion\",\"Op\":\"ne\",\"Value\":null}]"), 2);
}

static void test_filter_on_lists_and_types(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(count(f->st, "Pool", COND("SipDomain", "eq", "\"CONTOSO.com\"")), 1);
	assert_int_equal(count(f->st, "Pool", COND("SipDomain", "ne", "\"contoso.com\"")), 0);
	assert_int_equal(count(f->st, "Pool", COND("SipDomain", "like", "\"*.com\"")), 1);
	assert_int_equal(count(f->st, "DeviceUpdateConfiguration",
			       COND("ValidLogFileExtensions", "in", "[\".log\",\".cab\"]")), 0);
	assert_int_equal(count(f->st, "PinPolicy", COND("AllowCommonPatterns", "eq", "false")), 1);
	assert_int_equal(count(f->st, "PinPolicy", COND("AllowCommonPatterns", "eq", "\"False\"")), 1);
	assert_int_equal(count(f->st, "PinPolicy", COND("MinPasswordLength", "ge", "\"5\"")), 1);
	assert_int_equal(count(f->st, "PinPolicy", COND("MinPasswordLength", "gt", "5")), 0);
	assert_int_equal(count(f->st, "RegistrarConfiguration",
			       COND("MaxEndpointsPerUser", "like", "\"8\"")), 1);
}

static void test_filter_errors(void **state)
{
	struct fixture *f = *state;
	count_fails(f->st, "Phone", COND("Colour", "eq", "\"red\""), "Phone has no property 'Colour'");
	count_fails(f->st, "Phone", COND("Model", "matches", "\"x\""), "unknown operator 'matches'");
	count_fails(f->st, "Phone", COND("Model", "lt", "null"), "the value is missing or null");
	count_fails(f->st, "Phone", COND("Model", "like", "\"CX[67]00\""), "wildcard sets");
	count_fails(f->st, "Phone", COND("LastSeen", "gt", "\"soon\""), "LastSeen expects a time");
	count_fails(f->st, "Phone", "[{\"Op\":\"eq\",\"Value\":1}]", "needs a Property");
	count_fails(f->st, "Phone", "[1]", "must be an object");

	char deep[1024] = "";
	for (int i = 0; i < 12; i++)
		strcat(deep, "{\"Not\":");
	strcat(deep, "{\"Property\":\"Model\",\"Op\":\"eq\",\"Value\":\"x\"}");
	for (int i = 0; i < 12; i++)
		strcat(deep, "}");
	count_fails(f->st, "Phone", deep, "too large");

	struct ucsh_err err = { 0 };
	struct store_query_opts opts = { .sort = "Colour" };
	struct store_cursor *c;
	assert_int_equal(store_query(f->st, "Phone", NULL, &opts, &c, &err), -1);
	assert_string_equal(err.msg, "Phone has no property 'Colour'");
}

static json_t *collect(struct store *st, const char *kind, const char *filter_json,
		       const struct store_query_opts *opts, const char *prop)
{
	struct ucsh_err err = { 0 };
	struct store_cursor *c = NULL;
	json_t *filter = filter_json ? json_loads(filter_json, 0, NULL) : NULL;
	json_t *out = json_array(), *obj;
	assert_int_equal(store_query(st, kind, filter, opts, &c, &err), 0);
	int rc;
	while ((rc = store_cursor_next(c, &obj, &err)) == 1) {
		json_array_append(out, json_object_get(obj, prop));
		json_decref(obj);
	}
	assert_int_equal(rc, 0);
	store_cursor_free(c);
	json_decref(filter);
	return out;
}

static void assert_strings(json_t *arr, const char *const *want, size_t n)
{
	assert_int_equal(json_array_size(arr), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(arr, i)), want[i]);
	json_decref(arr);
}

static void test_sort_limit_offset(void **state)
{
	struct fixture *f = *state;
	add_sample_phones(f->st);
	static const char *const insertion[] = { "CX600", "CX600", "CX700", "4110", "CX_3%" };
	assert_strings(collect(f->st, "Phone", NULL, NULL, "Model"), insertion, 5);

	struct store_query_opts by_fw = { .sort = "firmwareversion" };
	static const char *const fw_up[] = { NULL, "4.0.9", "4.0.10", "4.0.7577.4100",
					     "4.0.7577.4400" };
	json_t *got = collect(f->st, "Phone", NULL, &by_fw, "FirmwareVersion");
	assert_true(json_is_null(json_array_get(got, 0)));
	json_array_remove(got, 0);
	assert_strings(got, fw_up + 1, 4);

	struct store_query_opts desc = { .sort = "MacAddress", .descending = true, .limit = 2,
					 .offset = 1 };
	static const char *const macs[] = { "00-04-F2-00-00-04", "00-04-F2-00-00-03" };
	assert_strings(collect(f->st, "Phone", NULL, &desc, "MacAddress"), macs, 2);

	struct store_query_opts first = { .limit = 1 };
	static const char *const one[] = { "00-04-F2-00-00-02" };
	assert_strings(collect(f->st, "Phone", COND("Site", "like", "\"*East\""), &first,
			       "MacAddress"), one, 1);
}

static void test_cursor_streams_many_rows(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	enum { N = 20000 };
	assert_int_equal(store_begin(f->st, &err), 0);
	for (int i = 0; i < N; i++) {
		char mac[32];
		snprintf(mac, sizeof(mac), "00-04-F2-%02X-%02X-%02X", i >> 16, (i >> 8) & 0xff, i & 0xff);
		json_t *p = json_pack("{s:s, s:s, s:i}", "MacAddress", mac, "Model",
				      i % 4 ? "CX600" : "CX700", "SerialNumber", i);
		assert_int_equal(store_insert(f->st, "Phone", p, &err), 0);
		json_decref(p);
	}
	assert_int_equal(store_commit(f->st, &err), 0);

	struct store_cursor *c;
	json_t *obj;
	json_t *filter = json_loads(COND("Model", "eq", "\"CX700\""), 0, NULL);
	assert_int_equal(store_query(f->st, "Phone", filter, NULL, &c, &err), 0);
	long long seen = 0, last = -1;
	int rc;
	while ((rc = store_cursor_next(c, &obj, &err)) == 1) {
		long long serial = atoll(json_string_value(json_object_get(obj, "SerialNumber")));
		assert_true(serial > last); /* insertion order */
		last = serial;
		seen++;
		json_decref(obj);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(store_cursor_next(c, &obj, &err), 0); /* stays at the end */
	store_cursor_free(c);
	json_decref(filter);
	assert_int_equal(seen, N / 4);
	assert_int_equal(count(f->st, "Phone", NULL), N);

	/* Two cursors over the same query at once. */
	struct store_cursor *a, *b;
	assert_int_equal(store_query(f->st, "Phone", NULL, NULL, &a, &err), 0);
	assert_int_equal(store_query(f->st, "Phone", NULL, NULL, &b, &err), 0);
	for (int i = 0; i < 3; i++) {
		json_t *x, *y;
		assert_int_equal(store_cursor_next(a, &x, &err), 1);
		assert_int_equal(store_cursor_next(b, &y, &err), 1);
		assert_true(json_equal(x, y));
		json_decref(x);
		json_decref(y);
	}
	store_cursor_free(a);
	store_cursor_free(b);

	long long n;
	json_t *del = json_loads(COND("Model", "eq", "\"CX700\""), 0, NULL);
	assert_int_equal(store_delete_where(f->st, "Phone", del, &n, &err), 0);
	json_decref(del);
	assert_int_equal(n, N / 4);
	assert_int_equal(count(f->st, "Phone", NULL), N - N / 4);
}

/* ---- transactions, concurrency, change counters ----------------------- */

static void test_rollback_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	assert_int_equal(store_begin(f->st, &err), 0);
	add_phone(f->st, "00-04-F2-00-00-01", "CX600", NULL, NULL);
	add_phone(f->st, "00-04-F2-00-00-02", "CX600", NULL, NULL);
	assert_int_equal(store_transaction_depth(f->st), 1);
	assert_int_equal(store_rollback(f->st, &err), 0);
	assert_int_equal(store_transaction_depth(f->st), 0);
	assert_int_equal(count(f->st, "Phone", NULL), 0);

	/* An inner rollback undoes only the inner part. */
	assert_int_equal(store_begin(f->st, &err), 0);
	add_phone(f->st, "00-04-F2-00-00-01", "CX600", NULL, NULL);
	assert_int_equal(store_begin(f->st, &err), 0);
	add_phone(f->st, "00-04-F2-00-00-02", "CX600", NULL, NULL);
	assert_int_equal(store_rollback(f->st, &err), 0);
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_int_equal(count(f->st, "Phone", NULL), 1);

	/* A failed statement inside a transaction leaves the rest usable. */
	assert_int_equal(store_begin(f->st, &err), 0);
	json_t *dup = json_pack("{s:s}", "MacAddress", "00-04-F2-00-00-01");
	assert_int_equal(store_insert(f->st, "Phone", dup, &err), -1);
	json_decref(dup);
	add_phone(f->st, "00-04-F2-00-00-03", "CX600", NULL, NULL);
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_int_equal(count(f->st, "Phone", NULL), 2);

	assert_int_equal(store_commit(f->st, &err), -1);
	assert_non_null(strstr(err.msg, "no transaction"));
}

static void test_busy_store(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	struct store *other = store_open(f->uri, &err);
	assert_non_null(other);
	assert_int_equal(store_begin(other, &err), 0);
	add_phone(other, "00-04-F2-00-00-01", "CX600", NULL, NULL);

	store_set_busy_timeout(f->st, 20);
	json_t *p = json_pack("{s:s}", "MacAddress", "00-04-F2-00-00-02");
	assert_int_equal(store_insert(f->st, "Phone", p, &err), -1);
	assert_int_equal(store_last_error(f->st), STORE_E_BUSY);
	assert_string_equal(err.msg, "store busy: another ucsh or ucshd is writing; try again");
	assert_int_equal(store_begin(f->st, &err), -1);
	assert_int_equal(store_last_error(f->st), STORE_E_BUSY);
	assert_int_equal(store_transaction_depth(f->st), 0);
	/* Readers are not blocked by the writer, and do not see its work. */
	assert_int_equal(count(f->st, "Phone", NULL), 0);

	assert_int_equal(store_commit(other, &err), 0);
	assert_int_equal(store_insert(f->st, "Phone", p, &err), 0);
	json_decref(p);
	assert_int_equal(count(f->st, "Phone", NULL), 2);
	store_close(other);
}

/*
 * A pipeline such as Get-CsPhone | Set-CsPhone writes while the Get's cursor
 * is still open, and ucshd commits in between. The writes must wait for the
 * lock and succeed, not fail at once because the cursor holds an old view.
 */
static void test_write_while_cursor_open(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	add_sample_phones(f->st);
	struct store *other = store_open(f->uri, &err);
	assert_non_null(other);

	struct store_cursor *c;
	json_t *obj;
	assert_int_equal(store_query(f->st, "Phone", NULL, NULL, &c, &err), 0);
	assert_int_equal(store_cursor_next(c, &obj, &err), 1);
	json_decref(obj);

	/* another process commits while the cursor is open */
	add_phone(other, "00-04-F2-00-00-10", "CX600", NULL, NULL);
	/* a transaction, and a lone write, both from the cursor's own store */
	assert_int_equal(store_begin(f->st, &err), 0);
	add_phone(f->st, "00-04-F2-00-00-11", "CX600", NULL, NULL);
	assert_int_equal(store_commit(f->st, &err), 0);
	add_phone(f->st, "00-04-F2-00-00-12", "CX600", NULL, NULL);

	/* and while the other holds the lock briefly, a write waits for it */
	assert_int_equal(store_begin(other, &err), 0);
	add_phone(other, "00-04-F2-00-00-13", "CX600", NULL, NULL);
	store_set_busy_timeout(f->st, 20);
	json_t *p = json_pack("{s:s}", "MacAddress", "00-04-F2-00-00-14");
	assert_int_equal(store_insert(f->st, "Phone", p, &err), -1);
	assert_int_equal(store_last_error(f->st), STORE_E_BUSY);
	assert_int_equal(store_commit(other, &err), 0);
	assert_int_equal(store_insert(f->st, "Phone", p, &err), 0);
	json_decref(p);

	/* the cursor goes on to its end */
	int n = 1, rc;
	while ((rc = store_cursor_next(c, &obj, &err)) == 1) {
		json_decref(obj);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_true(n >= 5);
	store_cursor_free(c);
	assert_int_equal(count(f->st, "Phone", NULL), 10);
	store_close(other);
}

static void test_change_counter(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err = { 0 };
	long long all0, phone0, site0, all1, phone1, site1, again;
	assert_int_equal(store_changes(f->st, NULL, &all0, &err), 0);
	assert_int_equal(store_changes(f->st, "Phone", &phone0, &err), 0);
	assert_int_equal(store_changes(f->st, "Site", &site0, &err), 0);
	assert_true(site0 > 0); /* the seeding wrote a site */

	struct store *other = store_open(f->uri, &err);
	assert_non_null(other);
	add_phone(other, "00-04-F2-00-00-01", "CX600", NULL, NULL);
	store_close(other);

	assert_int_equal(store_changes(f->st, NULL, &all1, &err), 0);
	assert_int_equal(store_changes(f->st, "Phone", &phone1, &err), 0);
	assert_int_equal(store_changes(f->st, "Site", &site1, &err), 0);
	assert_true(all1 > all0);
	assert_true(phone1 > phone0);
	assert_int_equal(site1, site0);

	/* Its own writes count too; a batch counts once; rollbacks not at all. */
	assert_int_equal(store_begin(f->st, &err), 0);
	add_phone(f->st, "00-04-F2-00-00-02", "CX600", NULL, NULL);
	add_phone(f->st, "00-04-F2-00-00-03", "CX600", NULL, NULL);
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_int_equal(store_changes(f->st, "Phone", &again, &err), 0);
	assert_int_equal(again, phone1 + 1);
	assert_int_equal(store_begin(f->st, &err), 0);
	add_phone(f->st, "00-04-F2-00-00-04", "CX600", NULL, NULL);
	assert_int_equal(store_rollback(f->st, &err), 0);
	assert_int_equal(store_changes(f->st, "Phone", &phone1, &err), 0);
	assert_int_equal(phone1, again);
	/* A savepoint rolled back does not stop the outer write from counting. */
	assert_int_equal(store_begin(f->st, &err), 0);
	assert_int_equal(store_begin(f->st, &err), 0);
	add_phone(f->st, "00-04-F2-00-00-05", "CX600", NULL, NULL);
	assert_int_equal(store_rollback(f->st, &err), 0);
	add_phone(f->st, "00-04-F2-00-00-06", "CX600", NULL, NULL);
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_int_equal(store_changes(f->st, "Phone", &phone1, &err), 0);
	assert_int_equal(phone1, again + 1);
	/* Nothing changed: nothing moves. */
	assert_int_equal(store_changes(f->st, NULL, &all0, &err), 0);
	assert_int_equal(store_changes(f->st, NULL, &all1, &err), 0);
	assert_int_equal(all0, all1);
}

static void test_timestamps(void **state)
{
	(void)state;
	time_t t;
	char buf[STORE_TIMESTAMP_LEN];
	assert_int_equal(store_timestamp_parse("2026-11-26T10:38:02Z", &t), 0);
	store_timestamp(t, buf);
	assert_string_equal(buf, "2026-11-26T10:38:02Z");
	assert_int_equal(store_timestamp_parse("2026-11-26 12:38:02.250+02:00", &t), 0);
	store_timestamp(t, buf);
	assert_string_equal(buf, "2026-11-26T10:38:02Z");
	assert_int_equal(store_timestamp_parse("2026-11-26", &t), 0);
	store_timestamp(t, buf);
	assert_string_equal(buf, "2026-11-26T00:00:00Z");
	assert_int_equal(store_timestamp_parse("2026-02-31T00:00:00Z", &t), -1);
	assert_int_equal(store_timestamp_parse("2026-11-26T25:00:00Z", &t), -1);
	assert_int_equal(store_timestamp_parse("26-11-2026", &t), -1);
	assert_int_equal(store_timestamp_parse("2026-11-26T10:38:02Zjunk", &t), -1);
}

static void test_schema_table(void **state)
{
	(void)state;
	static const char *const required[] = {
		"Site", "Pool", "RegistrarConfiguration", "User", "ClientPin", "PinPolicy",
		"CommonAreaPhone", "UCPhoneConfiguration", "PhoneModel", "Phone", "TestDevice",
		"DeviceUpdateConfiguration", "DeviceUpdateRule", "DeviceRollout", "Registration",
		"Administrator", "AuditLog",
	};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		assert_non_null(store_kind_find(required[i]));
	for (size_t i = 0; i < store_kind_count(); i++) {
		const struct store_kind *k = store_kind_at(i);
		assert_true(k->columns[0].flags & STORE_KEY);
		assert_true(k->ncolumns <= STORE_MAX_COLUMNS);
		for (size_t j = 1; j < k->ncolumns; j++)
			assert_false(k->columns[j].flags & STORE_KEY);
	}
	assert_non_null(store_column_find(store_kind_find("phone"), "macaddress"));
}

int main(void)
{
	setenv("UCSH_POOL_FQDN", "pool01.contoso.com", 1);
	unsetenv("UCSH_STORE_BUSY_TIMEOUT_MS");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_private_file_and_seeds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_files_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uris, setup, teardown),
		cmocka_unit_test(test_default_uri),
		cmocka_unit_test_setup_teardown(test_insert_get_update_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_are_case_insensitive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values_and_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hidden_keys_are_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_follows_its_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_on_lists_and_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_limit_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_streams_many_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_while_cursor_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_counter, setup, teardown),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_schema_table),
	};
	if (pg_host() && pg_database_create() < 0)
		return 1;
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (pg_host())
		pg_database_drop();
	return failed;
}
