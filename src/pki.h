/*
 * pki: the embedded default's private CA, just enough for ucshd's TLS
 * listeners. On first use it makes an ECDSA P-256 root (10 years) and, for
 * the pool, a server certificate signed by it (397 days, the most a
 * browser-era client accepts; SANs: the pool FQDN, localhost, 127.0.0.1 and
 * ::1). Both live as PEM files in <store dir>/pki/, keys 0600, so that a
 * restarted ucshd keeps its identity and phones keep trusting it; the
 * server certificate is re-issued when it is missing, names another pool
 * or has fewer than 30 days left.
 *
 * Why files and not the store's Certificate kind: the full PKI (another
 * issue) moves them there, with CRLs and imported certificates. Until then
 * this interface stays one call so that swapping the back end touches
 * nothing else.
 */
#ifndef UCSH_PKI_H
#define UCSH_PKI_H

#include <openssl/ssl.h>

#include "util.h"

/* Where the files are: <store_dir>/pki/ca.pem holds the root that clients
 * must trust (tests point baresip and stunnel at it). */
#define PKI_DIR "pki"
#define PKI_CA_CERT "ca.pem"

/*
 * A TLS server context (TLS 1.2 or newer) carrying the pool's certificate
 * chain, issuing what is missing first. store_dir: the directory of the
 * store file (created 0700 if needed). *out: caller owns (SSL_CTX_free).
 * 0, or -1 with err.
 */
int pki_server_ctx(const char *store_dir, const char *pool_fqdn, SSL_CTX **out,
		   struct ucsh_err *err);

#endif
