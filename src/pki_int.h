/*
 * pki_int: what pki.c, pki_import.c and pki_tls.c share and nobody else
 * needs. Conventions as in pki.h.
 */
#ifndef UCSH_PKI_INT_H
#define UCSH_PKI_INT_H

#include <sys/types.h>
#include <time.h>

#include "pki.h"

/* sk_X509_pop_free with X509_free; NULL is a no-op. */
static inline void pki_chain_free(STACK_OF(X509) *s)
{
	sk_X509_pop_free(s, X509_free);
}

/* err from OpenSSL's queue (which is then cleared), prefixed by what. -1. */
int pki_ossl_fail(struct ucsh_err *err, const char *what);
/* Write atomically (temporary file, fsync, rename) with mode. */
int pki_write_file(const char *path, const void *data, size_t n, mode_t mode,
		   struct ucsh_err *err);
/* PEM text of exactly one of key, cert, req, crl; caller frees; NULL on failure. */
char *pki_pem_of(EVP_PKEY *key, X509 *cert, X509_REQ *req, X509_CRL *crl);
EVP_PKEY *pki_ca_key(const struct pki_ca *ca);
int pki_random_serial(ASN1_INTEGER *out);

time_t pki_time_of(const ASN1_TIME *t);
void pki_thumbprint(X509 *cert, char out[41]);
bool pki_issued_by(struct pki_ca *ca, X509 *cert);

bool pki_name_is_ip(const char *s);
int pki_check_name(const char *s, struct ucsh_err *err);
int pki_check_names(const json_t *names, struct ucsh_err *err);
bool pki_cert_names(X509 *cert, const char *name);
const char *pki_missing_name(X509 *cert, const json_t *names);

/* Use text <-> bit mask of uses. */
unsigned pki_mask_of(const char *use);
json_t *pki_use_of(unsigned mask);

/* A Certificate row for leaf (+ chain, key): a new object. */
json_t *pki_row_new(X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *key);
/* The row's leaf, and its chain and key when asked (all caller-owned). */
int pki_row_parse(const json_t *row, X509 **leaf, STACK_OF(X509) **chain, EVP_PKEY **key,
		  struct ucsh_err *err);
int pki_row_get(struct store *st, const char *thumbprint, json_t **row, struct ucsh_err *err);
/* Upsert row, delete the row `drop` (may be NULL), give row mask's uses. */
int pki_store_row(struct store *st, json_t *row, unsigned mask, const char *drop,
		  struct ucsh_err *err);

#endif
