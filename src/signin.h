/*
 * signin: who a phone is, from its digest credentials. The registrar (SIP
 * REGISTER) and the external Device Update site (HTTP) sign phones in the
 * same way: as a user or common area phone by SIP user part or extension
 * in one of the pool's SIP domains, with the PIN's stored HA1, and the
 * same lockout after the PIN policy's MaximumLogonAttempts.
 *
 * Unknown names, users without a PIN and locked PINs go through the same
 * store reads and hash work as a wrong PIN (a decoy PIN row, a random
 * HA1), so that neither the answer nor its time tells them apart.
 */
#ifndef UCSH_SIGNIN_H
#define UCSH_SIGNIN_H

#include <jansson.h>

#include "digest.h"
#include "secret.h"
#include "util.h"

struct store;

struct signin {
	struct store *st;            /* borrowed */
	json_t *ext_map;             /* extension -> [SipAddress, ...] */
	long long user_seq, cap_seq; /* the store's counters when ext_map was read */
	char dummy_ha1[SECRET_HA1_HEX_LEN];
	char *decoy_pin;             /* some ClientPin identity, read for unknown names */
};

/* 0, or -1 with err (no randomness). */
int signin_init(struct signin *s, struct store *st, struct ucsh_err *err);
void signin_clear(struct signin *s);
/* The store changed: pick a decoy PIN if there was none. */
void signin_refresh(struct signin *s);

/* Who signs in as name (SIP user part or extension) in domain: a new
 * reference, or NULL. */
json_t *signin_principal_find(struct signin *s, const char *name, const char *domain);

enum signin_verdict {
	SIGNIN_OK,
	SIGNIN_STALE,  /* right PIN, stale nonce: challenge again with stale=true */
	SIGNIN_DENIED, /* wrong PIN, unknown name, locked, disabled, ... */
};

/*
 * Check credentials c (parsed) against realm, method and the request's
 * URI. On SIGNIN_OK *principal is the signed-in user or common area phone
 * (new reference) and its failed-attempt count is reset. On a wrong PIN of
 * a known, unlocked principal *wrong_pin is that principal (new reference):
 * the caller counts it with signin_record_failure, now or batched. err says
 * why for the log, never with a secret.
 */
enum signin_verdict signin_check(struct signin *s, struct digest_server *ds,
				 const struct digest_creds *c, const char *realm,
				 const char *method, const char *uri, json_t **principal,
				 json_t **wrong_pin, struct ucsh_err *err);

/* Count n wrong PINs of principal and lock its PIN at the policy's limit,
 * in a transaction of its own. -1: the store was busy and nothing was
 * counted; the caller keeps the count and tries again, for a count that
 * is dropped would let PINs be guessed without end. */
int signin_record_failure(struct signin *s, const json_t *principal, long n);

#endif
