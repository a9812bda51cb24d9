/*
 * util: the small pieces every module needs: allocation that cannot return
 * NULL, a growable string buffer, the error object that library code fills
 * instead of printing, and case-insensitive and wildcard string matching.
 */
#ifndef UCSH_UTIL_H
#define UCSH_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define UCSH_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation: abort with a message on exhaustion; the caller owns the result. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable, always NUL-terminated byte string. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};
#define STRBUF_INIT { NULL, 0, 0 }
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);
const char *sb_str(const struct strbuf *sb); /* never NULL */
char *sb_detach(struct strbuf *sb);          /* caller owns; sb is reset */
void sb_free(struct strbuf *sb);

/*
 * The error object. Library code fills one and returns -1; only the shell
 * decides how to show it. Fixed buffers so that filling it never fails and
 * nobody has to free it.
 */
struct ucsh_err {
	char msg[512];
	char hint[256];
};
int err_set(struct ucsh_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int err_hint(struct ucsh_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct ucsh_err *err);

bool str_ieq(const char *a, const char *b);
bool str_iprefix(const char *prefix, const char *s); /* s starts with prefix */
bool str_has_suffix(const char *s, const char *suffix);
/* PowerShell -like: '*' any run, '?' one char, '[a-z]' sets; case-insensitive. */
bool wildcard_match(const char *pattern, const char *s);
bool wildcard_has_meta(const char *s);

/* Constant-time comparison for secrets of equal length. */
/* mkdir -p: dir and the directories above it, each made with mode (0, or
 * -1 with errno set). */
int mkdir_all(const char *dir, unsigned mode);

bool secret_equal(const void *a, const void *b, size_t n);

#endif
