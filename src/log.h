/*
 * log: the one place ucshd writes what it does, to stderr or syslog, with
 * levels. Library code logs through here, never with printf. Nothing that
 * is a secret (PIN, HA1, key, nonce secret) is ever passed to it: callers
 * log identities and outcomes, not credentials.
 */
#ifndef UCSH_LOG_H
#define UCSH_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARNING,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Parse "error", "warning", "notice", "info", "debug"; -1 if none. */
int log_level_parse(const char *name);
const char *log_level_name(enum log_level level);
/* ident: the program name; to_syslog: else stderr with a timestamp. */
void log_init(const char *ident, enum log_level level, bool to_syslog);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_enabled(LOG_LVL_DEBUG)) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
