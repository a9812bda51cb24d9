/*
 * cab: reading Microsoft Cabinet (.cab) files, the packaging of phone
 * firmware, through libmspack. The reader lists a cabinet's files and
 * extracts one at a time to a file descriptor, with a byte bound and the
 * SHA-256 of what it wrote computed on the way, so that a caller never has
 * to trust a size or a name in the file before checking it. It does no
 * path handling of its own: names are given back exactly as stored (CAB
 * names use '\' between folders), and deciding what a name may be is the
 * caller's business (devupdate_pkg.h).
 *
 * A cabinet may come from a file or from memory (the fuzz target); either
 * way libmspack reads it through this module's own I/O, which never opens
 * any other path.
 */
#ifndef UCSH_CAB_H
#define UCSH_CAB_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define CAB_SHA256_LEN 32

struct cab;

struct cab_file {
	const char *name;   /* as stored; owned by the struct cab */
	uint64_t size;      /* uncompressed, as the cabinet declares it */
};

/* Open the cabinet at path, or the len bytes at data (borrowed: they must
 * outlive the handle). *out: caller owns (cab_close). 0, or -1 with err
 * saying why (not a cabinet, truncated, unreadable). */
int cab_open_path(const char *path, struct cab **out, struct ucsh_err *err);
int cab_open_mem(const void *data, size_t len, struct cab **out, struct ucsh_err *err);
void cab_close(struct cab *c); /* NULL is a no-op */

/* The cabinet's files, in the order they are stored. */
size_t cab_file_count(const struct cab *c);
/* File i (< cab_file_count) into *out. */
void cab_file_at(const struct cab *c, size_t i, struct cab_file *out);

/*
 * Decompress file i and write it to fd (fd < 0: only hash it). More than
 * max bytes is an error, whatever the header said. On success sha256 holds
 * the digest of the bytes written and *written their count. 0, or -1 with
 * err naming the file (bad data, checksum, write failure, too big); what
 * was written to fd before the error is the caller's to discard.
 */
int cab_extract(struct cab *c, size_t i, int fd, uint64_t max, unsigned char sha256[CAB_SHA256_LEN],
		uint64_t *written, struct ucsh_err *err);

/* name made safe to show in a message: at most n-1 bytes, every byte that
 * is not printable ASCII written as '?' (a name may hold anything). */
void cab_name_for_message(const char *name, char *buf, size_t n);

/* The digest as 64 lowercase hex digits plus NUL. */
void cab_sha256_hex(const unsigned char sha256[CAB_SHA256_LEN], char hex[2 * CAB_SHA256_LEN + 1]);

#endif
