/*
 * principal: what users and common area phones have in common. Both are
 * principals a phone signs in as with a PIN, so they share the identity
 * spellings an admin types (SIP address, line URI or extension, display
 * name), the rules for SIP addresses and line URIs, the pool that serves
 * them, and the user names and realms their PIN's digest hashes are made
 * for. The User, CommonAreaPhone and ClientPin cmdlets all resolve
 * -Identity here, so `Set-CsClientPin -Identity 100` finds a user or a
 * common area phone alike, and no two principals share a SIP address (the
 * key their PIN is stored under) or a line URI.
 */
#ifndef UCSH_PRINCIPAL_H
#define UCSH_PRINCIPAL_H

#include <jansson.h>
#include <stdbool.h>

#include "cmd.h"
#include "store.h"

/* Which kinds a look-up considers. */
enum principal_kinds {
	PRINCIPAL_USER = 1 << 0,
	PRINCIPAL_CAP = 1 << 1,
	PRINCIPAL_ANY = PRINCIPAL_USER | PRINCIPAL_CAP,
};

/*
 * "sip:ken@contoso.com" or "ken@contoso.com" in its stored form
 * "sip:ken@contoso.com" (domain in lower case). Caller frees; NULL with
 * err naming the value and what is wrong with it.
 */
char *principal_sip_address(const char *in, struct ucsh_err *err);
/* The domain part of a stored SIP address (borrowed, inside sip). */
const char *principal_sip_domain(const char *sip);

/*
 * "tel:+14255550100;ext=100" (E.164 number, optional extension) in its
 * stored form. Caller frees; NULL with err filled.
 */
char *principal_line_uri(const char *in, struct ucsh_err *err);

/* 0 when some pool serves the domain of sip; else -1 with err naming the
 * domains that are served. */
int principal_check_domain(struct store *st, const char *sip, struct ucsh_err *err);

/*
 * The pool for a principal at sip: given (which must exist; its stored
 * spelling is returned), else the only pool, else the only pool serving
 * sip's domain. Caller frees; NULL with err saying why none was chosen.
 */
char *principal_pool(struct store *st, const char *given, const char *sip,
		     struct ucsh_err *err);

/* The SIP domains of pool (a new array, possibly empty), or NULL with err. */
json_t *principal_pool_domains(struct store *st, const char *pool, struct ucsh_err *err);

/*
 * Check and normalise in place the SipAddress, LineURI and RegistrarPool of
 * obj: a new principal (old NULL: the pool is chosen when not given) or the
 * changes to old (an empty string means "not given"). Sets Identity to the
 * SIP address, as Lync shows it for want of a directory name. 0, or -1
 * with err naming the value and the parameter.
 */
int principal_prepare(struct store *st, json_t *obj, const json_t *old, struct ucsh_err *err);

/*
 * The principal that identity names among kinds: 1 with *out a new
 * reference (typed User or CommonAreaPhone); 0 after writing a
 * non-terminating error (not found, ambiguous: the matches are listed);
 * -1 when the pipeline must stop. Identities: sip:ken@contoso.com,
 * ken@contoso.com, tel:+14255550100;ext=100, tel:+14255550100, +14255550100,
 * an extension (100) or a display name.
 */
int principal_resolve(struct cmd_ctx *ctx, const char *identity, unsigned kinds, json_t **out);

/*
 * Get-CsUser and Get-CsCommonAreaPhone: -Identity (one principal, or a
 * wildcard over SIP address, display name and line URI), -Filter and
 * -ResultSize, over kind.
 */
int principal_get(struct cmd_ctx *ctx, const char *kind);

/*
 * Insert obj (borrowed; SipAddress, Identity, LineURI and RegistrarPool
 * already checked) after asking, checking in the same transaction that no
 * principal of either kind has its SIP address or line URI; then emit what
 * the store holds. 0, or -1 to stop.
 */
int principal_insert(struct cmd_ctx *ctx, const char *kind, const json_t *obj, const char *what);

/*
 * Apply changes (borrowed, checked as for insert) to old (the principal as
 * it is). When the change alters the names or realms its PIN's digest
 * hashes were made for, the hashes that no longer apply are dropped and a
 * warning says the PIN must be set again for the new ones. 0 or -1.
 */
int principal_update(struct cmd_ctx *ctx, const json_t *old, json_t *changes, const char *what,
		     bool passthru);

/* The names a phone may sign in as: the user part of the SIP address and
 * the line URI's extension. A new array of strings. */
json_t *principal_usernames(const json_t *obj);

/* Completion of SIP addresses of users, common area phones or both, and of
 * pool identities. */
json_t *principal_complete_user(struct shell *sh, const char *prefix);
json_t *principal_complete_cap(struct shell *sh, const char *prefix);
json_t *principal_complete_any(struct shell *sh, const char *prefix);
json_t *principal_complete_pool(struct shell *sh, const char *prefix);

/* A NULL-terminated vector of the strings in arr (borrowed from it); free
 * the vector only. */
const char **principal_strv(const json_t *arr);

#endif
