/*
 * csv: RFC 4180 records with PowerShell's habits (a first line of headers,
 * an optional "#TYPE" line, quotes doubled inside quoted fields). The reader
 * streams a file of any size one record at a time, knows the line each
 * record started on (for error messages), and bounds field and record size
 * so that hostile input cannot exhaust memory.
 */
#ifndef UCSH_CSV_H
#define UCSH_CSV_H

#include <jansson.h>
#include <stdio.h>

#include "util.h"

#define CSV_MAX_FIELD (64 * 1024)
#define CSV_MAX_FIELDS 1024

struct csv_reader;

/* The reader borrows fp; the caller closes it after csv_reader_free. */
struct csv_reader *csv_reader_new(FILE *fp, char delimiter);
/* Reads one record into *fields (a new JSON array of strings, caller owns).
 * Returns 1 for a record, 0 at end of input, -1 on malformed input (err says
 * what and where: "line 12: unterminated quoted field"). */
int csv_read_record(struct csv_reader *r, json_t **fields, struct ucsh_err *err);
/* The 1-based line on which the last record returned began. */
unsigned long csv_record_line(const struct csv_reader *r);
void csv_reader_free(struct csv_reader *r);

/*
 * Import-Csv semantics over a reader: the header record (after an optional
 * "#TYPE ..." line) names the properties; each later record becomes an
 * object. header may be a JSON array to use instead of the first line.
 * Returns 1/0/-1 as csv_read_record; *obj is a new object on 1.
 */
struct csv_table;
struct csv_table *csv_table_new(FILE *fp, char delimiter, json_t *header /* borrowed, or NULL */);
int csv_table_next(struct csv_table *t, json_t **obj, struct ucsh_err *err);
unsigned long csv_table_line(const struct csv_table *t);
/* The column names (borrowed; strings) once the first csv_table_next call
 * has taken them (from the file, or as given to csv_table_new); NULL before
 * and after a bad header. */
const json_t *csv_table_header(const struct csv_table *t);
void csv_table_free(struct csv_table *t);

/* Append one field, quoted when needed, to sb. */
void csv_add_field(struct strbuf *sb, const char *field, char delimiter);
/* Append a header line or a record line (with "\r\n"? no: "\n") for obj. */
void csv_add_header(struct strbuf *sb, json_t *names, char delimiter);
void csv_add_row(struct strbuf *sb, json_t *obj, json_t *names, char delimiter);

#endif
