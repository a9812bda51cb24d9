/*
 * update_check: the body of the Device Update service's update check, as
 * ../design DEVICE-UPDATE.md fixes it (and ucshd(8) documents): the
 * <UpdateRequest> a phone POSTs to .../ucdevice.upx, parsed with Expat,
 * and the <UpdateResponse> ucshd answers.
 *
 * The request is hostile input: at most UPDATE_MAX_BODY bytes, no DOCTYPE
 * (so no entities to expand), elements at most 16 deep, each known value
 * at most UPDATE_MAX_VALUE bytes of text without control characters, each
 * known element once. Unknown elements are ignored, in any order.
 */
#ifndef UCSH_UPDATE_CHECK_H
#define UCSH_UPDATE_CHECK_H

#include <jansson.h>
#include <stddef.h>

#include "mac.h"
#include "util.h"

#define UPDATE_MAX_BODY (16 * 1024)
#define UPDATE_MAX_VALUE 256

struct update_request {
	char mac[MAC_STR_LEN];          /* canonical 00-04-F2-AB-CD-EF */
	char serial[UPDATE_MAX_VALUE + 1];
	char update_type[UPDATE_MAX_VALUE + 1]; /* "UCPhone" when not given */
	char brand[UPDATE_MAX_VALUE + 1];
	char model[UPDATE_MAX_VALUE + 1];
	char revision[UPDATE_MAX_VALUE + 1];
	char locale[UPDATE_MAX_VALUE + 1];
	char version[UPDATE_MAX_VALUE + 1];
	char user[UPDATE_MAX_VALUE + 1];
};

struct update_parser;

/* A parser to use for many requests, one at a time. NULL when out of memory. */
struct update_parser *update_parser_new(void);
void update_parser_free(struct update_parser *p);
/*
 * Parse body[0..len). 0 with *out filled, or -1 with err saying in one
 * line what was wrong (for the 400 answer): not XML, another root, a
 * DOCTYPE, too deep, a value too long or twice, MacAddress not a MAC,
 * Version not a dotted version, MacAddress, Model or Version missing.
 */
int update_parser_parse(struct update_parser *p, const char *body, size_t len,
			struct update_request *out, struct ucsh_err *err);

/* Whether plain bodies take the quick path (on by default); off, every
 * body goes through Expat, as tests do to compare the two. */
void update_parser_set_quick(struct update_parser *p, bool on);
/* Whether the last body parsed took the quick path. */
bool update_parser_last_quick(const struct update_parser *p);

/* Whether s is a dotted version: 1 to 8 parts of 1 to 9 digits. */
bool update_version_valid(const char *s);

/* One file of the offered image. */
struct update_file {
	const char *url;
	long long size;
	const char *sha256; /* lowercase hex */
};

/*
 * Append the <UpdateResponse> to sb: version NULL for <Update
 * available="false"/>, else the version and its files. config: the UC
 * phone configuration's properties (Identity left out), or NULL.
 */
void update_response_write(struct strbuf *sb, const char *version,
			   const struct update_file *files, size_t nfiles, const json_t *config);

/* Append s to sb with &, <, >, " and ' escaped. */
void xml_escape(struct strbuf *sb, const char *s);

#endif
