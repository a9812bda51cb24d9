/*
 * pki: the deployment's certificates. Three parts:
 *
 * 1. The private CA. On first use an ECDSA P-256 root (20 years) is made
 *    in <store dir>/pki/: ca.key (0600, never leaves that file, never
 *    printed) and ca.pem (the certificate phones, browsers and tests
 *    trust). A lock file serialises its creation between ucsh and ucshd.
 *
 * 2. Certificates in the store (kind Certificate). Identity is the SHA-1
 *    thumbprint (40 upper-case hex digits, as Lync shows it); Use lists the
 *    uses a certificate is assigned to ("Default", "WebServicesInternal",
 *    "WebServicesExternal", comma-separated; null when unassigned);
 *    CertificatePem holds the leaf and its intermediates; PrivateKeyPem the
 *    key (STORE_SECRET); Revoked the time of revocation. A certificate
 *    request made for an enterprise CA is a row "Request:<key hash>" with a
 *    key and no certificate, until Import-CsCertificate brings the signed
 *    certificate. Leaves the private CA issues live PKI_LEAF_SECONDS (397
 *    days, or $UCSH_PKI_LEAF_SECONDS for tests), name every pool FQDN, the
 *    internal and external web FQDNs, localhost, 127.0.0.1 and ::1, and
 *    carry a CRL distribution point on the pool's internal web service:
 *    http://<InternalWebFqdn>[:<InternalHttpPort>]/CertProv/ucsh-ca.crl.
 *
 * 3. The live state of ucshd (struct pki): one TLS server context per use,
 *    rebuilt when the store's current certificate for that use changes
 *    (issued, renewed, imported, assigned, revoked), and the CRL. The
 *    daemon calls pki_refresh when the store changes and every
 *    pki_refresh_interval seconds; a private-CA leaf with a third of its
 *    life left is re-issued there, with no restart.
 *
 * How a TLS listener uses it: keep the struct tls_identity * of its use
 * (borrowed; valid as long as the struct pki) and, for every accepted
 * connection, SSL_new(tls_identity_ctx(id)). SSL_new takes its own
 * reference on the context, so a connection keeps the certificate it was
 * accepted with, and the next accept gets the new one. The contexts allow
 * TLS 1.2 and 1.3 only, forward-secret AEAD suites only, in the server's
 * order, with session tickets whose keys rotate every hour.
 *
 * A server that keeps a context of its own instead (taking a reference,
 * e.g. http_server_set_tls) re-reads tls_identity_ctx in its reload hook:
 * a context only changes after a store change (issuing, renewing and
 * assigning all write the store), and the daemon refreshes the
 * certificates before it reloads the services.
 *
 * Library code: errors in struct ucsh_err, nothing printed; no message
 * ever carries a key.
 */
#ifndef UCSH_PKI_H
#define UCSH_PKI_H

#include <jansson.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct store;

/* Where the files are: <store dir>/pki/ca.pem holds the root that clients
 * must trust (tests point baresip and stunnel at it). */
#define PKI_DIR "pki"
#define PKI_CA_CERT "ca.pem"
#define PKI_CA_KEY "ca.key"
#define PKI_CRL_FILE "ucsh-ca.crl" /* the last CRL ucshd made, DER */

/* What the web service serves, under the internal site. */
#define PKI_CRL_PATH "/CertProv/ucsh-ca.crl"
#define PKI_CA_PEM_PATH "/CertProv/ucsh-ca.pem"
#define PKI_CA_DER_PATH "/CertProv/ucsh-ca.crt"

#define PKI_LEAF_MAX_SECONDS (397L * 86400) /* the CA/Browser ceiling */

enum pki_use {
	PKI_USE_DEFAULT,       /* SIP TLS (the registrar) */
	PKI_USE_WEB_INTERNAL,  /* the internal web site's HTTPS */
	PKI_USE_WEB_EXTERNAL,  /* the external web site's HTTPS */
	PKI_NUSES,
};
/* "Default", "WebServicesInternal", "WebServicesExternal". */
const char *pki_use_name(enum pki_use use);
/* Case-insensitive; -1 when s names no use. */
int pki_use_parse(const char *s);
/* Every use's name, NULL-terminated (cmdlet parameters). */
extern const char *const pki_use_names[];

/* The lifetime of a new leaf: $UCSH_PKI_LEAF_SECONDS (10 s to 397 days)
 * when set, else 397 days. */
long pki_leaf_seconds(void);

/* store_dir(store_uri)/pki. Caller frees. */
char *pki_dir(const char *store_uri);

/* ---- The private CA ----------------------------------------------------- */

struct pki_ca;
/*
 * Load the CA of the store at store_uri; when it has none, make it if
 * create (else *out = NULL and 0). *out: caller owns (pki_ca_free).
 * 0, or -1 with err.
 */
int pki_ca_open(const char *store_uri, bool create, struct pki_ca **out, struct ucsh_err *err);
void pki_ca_free(struct pki_ca *ca);
/* The CA certificate alone (never its key), for what only shows or exports
 * it: 1 with *out (caller frees), 0 when there is no CA yet, -1 with err. */
int pki_root_load(const char *store_uri, X509 **out, struct ucsh_err *err);
X509 *pki_ca_cert(const struct pki_ca *ca); /* borrowed */

/* ---- Certificates in the store ----------------------------------------- */

/* The certificate's public properties (Subject, Issuer, SerialNumber,
 * Thumbprint, NotBefore, NotAfter, AlternativeNames): a new object. */
json_t *pki_cert_props(X509 *cert);

/* The names a certificate assigned to use must cover: for each pool, its
 * FQDN (Default) or its internal/external web FQDN (falling back to the
 * pool FQDN). A new array, or NULL with err. */
json_t *pki_use_names_required(struct store *st, enum pki_use use, struct ucsh_err *err);

/*
 * Issue a leaf from the private CA for the uses in mask (1 << use) with
 * the deployment's names plus extra_names (array of DNS names or IP
 * addresses; may be NULL), valid `seconds`; store it and assign it to
 * those uses (taking them from any other certificate), in one
 * transaction. *row (may be NULL): the stored object, a new reference.
 */
int pki_issue(struct store *st, struct pki_ca *ca, unsigned mask, const json_t *extra_names,
	      long seconds, json_t **row, struct ucsh_err *err);

/*
 * Give every use a usable certificate: issue one where there is none, or
 * where the current one is revoked, expired, lacks a name the topology
 * needs, names another CRL URL, or (private-CA leaves) has less than a
 * third of its life left. *issued: how many were issued (may be NULL).
 */
int pki_ensure(struct store *st, struct pki_ca *ca, long seconds, int *issued,
	       struct ucsh_err *err);

/* The row assigned to use: 1 with *row (new reference), 0 none, -1 error. */
int pki_current_row(struct store *st, enum pki_use use, json_t **row, struct ucsh_err *err);

/* A certificate as given to Import-CsCertificate, parsed and checked. */
struct pki_bundle {
	EVP_PKEY *key;
	X509 *leaf;
	STACK_OF(X509) *chain; /* intermediates (no self-signed root) */
	char *pending;         /* the Request: row whose key it uses, or NULL */
};
void pki_bundle_clear(struct pki_bundle *b);
/*
 * Read path (PEM: certificates and a key, the key possibly encrypted; or
 * PKCS#12) with password (may be NULL). A file without a key takes the key
 * of a matching pending request in st. Then check it: the key matches the
 * leaf, the chain verifies to a root in the file or the system's trust
 * store, every certificate is inside its validity, and the leaf covers the
 * names of every use in mask. 0, or -1 with err saying which check failed.
 */
int pki_bundle_load(struct store *st, const char *path, const char *password, unsigned mask,
		    struct pki_bundle *b, struct ucsh_err *err);
/* Store b (and drop its pending request) and assign it to mask's uses. */
int pki_bundle_store(struct store *st, const struct pki_bundle *b, unsigned mask, json_t **row,
		     struct ucsh_err *err);

/* Assign the stored certificate thumbprint to mask's uses, after checking
 * it has a key, is valid now, not revoked, and covers their names. */
int pki_assign(struct store *st, const char *thumbprint, unsigned mask, struct ucsh_err *err);

/* Mark a leaf of the private CA revoked (and unassigned): the next CRL
 * lists it, and ucshd issues a replacement for its uses. */
int pki_revoke(struct store *st, struct pki_ca *ca, const char *thumbprint,
	       struct ucsh_err *err);

/*
 * A certificate request for an enterprise CA: a new key (ECDSA P-256, or
 * RSA 3072 when rsa) kept in the store as a pending request, and the CSR
 * (subject CN = the first name; SAN = the names of mask's uses plus
 * extra_names) as PEM in *csr (caller frees).
 */
int pki_request(struct store *st, unsigned mask, const json_t *extra_names, bool rsa,
		char **csr, struct ucsh_err *err);

/* A CRL signed by ca listing its revoked leaves (until a day after they
 * expire); valid
 * `seconds`, numbered `number`. *out: caller owns (X509_CRL_free). */
int pki_crl_make(struct store *st, struct pki_ca *ca, long seconds, long long number,
		 X509_CRL **out, struct ucsh_err *err);

/* ---- ucshd's live state -------------------------------------------------- */

struct pki;
struct tls_identity;

/* Open the CA (made on first start), give every use a certificate, build
 * the TLS contexts and the CRL. st and store_uri are borrowed and must
 * outlive *out (caller owns: pki_free). */
int pki_open(struct store *st, const char *store_uri, struct pki **out, struct ucsh_err *err);
/* Renew, re-read the store's assignments, rebuild what changed, rotate the
 * ticket keys and refresh the CRL when due. Cheap when nothing changed. */
int pki_refresh(struct pki *p, struct ucsh_err *err);
/* How many seconds until pki_refresh should run again (1 to 60). */
int pki_refresh_interval(const struct pki *p);
void pki_free(struct pki *p); /* NULL is a no-op */

/* The identity of use; borrowed, lives as long as p. */
struct tls_identity *pki_tls_identity(struct pki *p, enum pki_use use);
/* The context a new connection should be made from (SSL_new), or NULL when
 * use has no certificate. Borrowed: valid until the next pki_refresh. */
SSL_CTX *tls_identity_ctx(const struct tls_identity *id);

/* The current CRL (DER), the CA certificate as PEM and DER: heap buffers
 * the caller frees. 0, or -1 when there is none. */
int pki_crl_der(const struct pki *p, unsigned char **buf, size_t *len);
int pki_ca_pem(const struct pki *p, char **buf, size_t *len);
int pki_ca_der(const struct pki *p, unsigned char **buf, size_t *len);

#endif
