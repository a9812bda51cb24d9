/*
 * pki_tls: ucshd's live certificates (see pki.h). One TLS server context
 * per use, swapped when the store's assignment changes, so that the next
 * handshake gets the new certificate and live connections keep theirs;
 * session-ticket keys that rotate; the CRL, remade when a certificate is
 * revoked and before it runs out, kept in memory for the web service and
 * written to <store dir>/pki/ucsh-ca.crl.
 */
#include "config.h"
#include "pki.h"
#include "pki_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "log.h"
#include "secret.h"
#include "store.h"

#define TICKET_ROTATE_SECONDS 3600  /* a ticket lives two rotations at most */
#define SESSION_SECONDS 7200
#define CRL_MAX_SECONDS (7L * 86400)
#define REFRESH_MAX_SECONDS 60

/* TLS 1.2: ECDHE (forward secrecy) with AEAD only, the server's order.
 * TLS 1.3 suites are all AEAD with (EC)DHE. */
static const char tls12_ciphers[] =
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:"
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256";
static const char tls13_suites[] =
	"TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
static const char tls_groups[] = "X25519:P-256:P-384";

struct tls_identity {
	SSL_CTX *ctx;          /* owned; connections hold their own references */
	char thumbprint[41];   /* of the certificate in ctx */
};

struct ticket_key {
	unsigned char name[16], aes[32], hmac[32];
	time_t made;
};

struct pki {
	struct store *st;
	const char *uri;
	struct pki_ca *ca;
	long leaf_seconds;
	struct tls_identity ids[PKI_NUSES];
	struct ticket_key keys[2];  /* [0] issues tickets, [1] still opens them */
	unsigned char *crl;         /* DER */
	size_t crl_len;
	time_t crl_made, crl_next;
	long long crl_number, cert_seq, pool_seq;
	time_t next_check;          /* when renewal is next looked at */
};

static int ex_index = -1; /* SSL_CTX ex_data slot of the struct pki */

/* ---- Session tickets ---------------------------------------------------- */

static int ticket_key_new(struct ticket_key *k)
{
	k->made = time(NULL);
	return RAND_bytes(k->name, sizeof(k->name)) == 1 && RAND_bytes(k->aes, sizeof(k->aes)) == 1 &&
	       RAND_bytes(k->hmac, sizeof(k->hmac)) == 1 ? 0 : -1;
}

static int ticket_rotate(struct pki *p)
{
	struct ticket_key k;
	if (ticket_key_new(&k))
		return -1;
	secret_wipe(&p->keys[1], sizeof(p->keys[1]));
	p->keys[1] = p->keys[0];
	p->keys[0] = k;
	secret_wipe(&k, sizeof(k));
	return 0;
}

/* OpenSSL's ticket callback: seal with keys[0]; open with either key, and
 * ask for a fresh ticket (2) when it was the previous one. */
static int ticket_cb(SSL *s, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
		     EVP_MAC_CTX *hctx, int enc)
{
	struct pki *p = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), ex_index);
	const struct ticket_key *k = NULL;
	char sha256[] = "SHA256";
	if (!p)
		return -1;
	if (enc) {
		k = &p->keys[0];
		memcpy(name, k->name, sizeof(k->name));
		if (RAND_bytes(iv, 16) != 1)
			return -1;
	} else {
		for (int i = 0; i < 2 && !k; i++)
			if (p->keys[i].made && memcmp(name, p->keys[i].name, 16) == 0)
				k = &p->keys[i];
		if (!k)
			return 0; /* unknown or rotated out: a full handshake */
	}
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)k->hmac, sizeof(k->hmac)),
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0),
		OSSL_PARAM_construct_end(),
	};
	if (!EVP_MAC_CTX_set_params(hctx, params))
		return -1;
	if (enc)
		return EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv) == 1 ? 1 : -1;
	if (EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv) != 1)
		return -1;
	return k == &p->keys[0] ? 1 : 2;
}

/* ---- Contexts ------------------------------------------------------------- */

static SSL_CTX *ctx_new(struct pki *p, X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *key,
			struct ucsh_err *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	static const unsigned char sid_ctx[] = "ucsh";
	bool ok = ctx && SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) &&
		  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) &&
		  SSL_CTX_set_cipher_list(ctx, tls12_ciphers) &&
		  SSL_CTX_set_ciphersuites(ctx, tls13_suites) &&
		  SSL_CTX_set1_groups_list(ctx, tls_groups) &&
		  SSL_CTX_use_certificate(ctx, leaf) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
		  SSL_CTX_check_private_key(ctx) == 1 &&
		  SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1) &&
		  SSL_CTX_set_ex_data(ctx, ex_index, p) &&
		  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb) == 1;
	for (int i = 0; ok && i < sk_X509_num(chain); i++)
		ok = SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i)) == 1;
	if (!ok) {
		pki_ossl_fail(err, "cannot set up TLS");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Renegotiation is a DoS lever and neither SIP nor HTTPS needs it. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
				 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_timeout(ctx, SESSION_SECONDS);
	return ctx;
}

/* Build the context of use from its current row, when that changed. */
static int identity_refresh(struct pki *p, enum pki_use use, struct ucsh_err *err)
{
	struct tls_identity *id = &p->ids[use];
	json_t *row = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *key = NULL;
	int rc = pki_current_row(p->st, use, &row, err);
	const char *tp = json_string_value(json_object_get(row, "Identity"));
	if (rc <= 0 || (id->ctx && strcmp(tp, id->thumbprint) == 0)) {
		json_decref(row);
		return rc < 0 ? -1 : 0;
	}
	SSL_CTX *ctx = pki_row_parse(row, &leaf, &chain, &key, err) ? NULL
		       : ctx_new(p, leaf, chain, key, err);
	if (ctx) {
		SSL_CTX_free(id->ctx); /* live connections keep their own reference */
		id->ctx = ctx;
		snprintf(id->thumbprint, sizeof(id->thumbprint), "%s", tp);
		log_notice("TLS %s: serving certificate %s (serial %s, until %s)", pki_use_name(use),
			   tp, json_string_value(json_object_get(row, "SerialNumber")),
			   json_string_value(json_object_get(row, "NotAfter")));
	}
	X509_free(leaf);
	pki_chain_free(chain);
	EVP_PKEY_free(key);
	json_decref(row);
	return ctx ? 0 : -1;
}

/* ---- The CRL ------------------------------------------------------------------ */

static long crl_seconds(const struct pki *p)
{
	return p->leaf_seconds < CRL_MAX_SECONDS ? (p->leaf_seconds < 60 ? 60 : p->leaf_seconds)
						 : CRL_MAX_SECONDS;
}

static int crl_refresh(struct pki *p, bool force, struct ucsh_err *err)
{
	time_t now = time(NULL);
	if (!force && p->crl && now < p->crl_next - (p->crl_next - p->crl_made) / 3)
		return 0;
	X509_CRL *crl;
	long long number = (long long)now > p->crl_number ? (long long)now : p->crl_number + 1;
	if (pki_crl_make(p->st, p->ca, crl_seconds(p), number, &crl, err))
		return -1;
	unsigned char *der = NULL;
	int len = i2d_X509_CRL(crl, &der);
	X509_CRL_free(crl);
	if (len <= 0)
		return pki_ossl_fail(err, "cannot encode the CRL");
	free(p->crl);
	p->crl = xmalloc((size_t)len);
	memcpy(p->crl, der, (size_t)len);
	p->crl_len = (size_t)len;
	OPENSSL_free(der);
	p->crl_made = now;
	p->crl_next = now + crl_seconds(p);
	p->crl_number = number;
	char *dir = pki_dir(p->uri), *path = xasprintf("%s/%s", dir, PKI_CRL_FILE);
	struct ucsh_err werr;
	if (pki_write_file(path, p->crl, p->crl_len, 0644, &werr))
		log_warning("%s", werr.msg);
	free(path);
	free(dir);
	log_info("CRL %lld made", number);
	return 0;
}

/* ---- The live state ---------------------------------------------------------- */

int pki_refresh(struct pki *p, struct ucsh_err *err)
{
	int issued = 0, rc = 0;
	long long seq = 0, pool_seq = 0;
	time_t now = time(NULL);
	if (now - p->keys[0].made >= TICKET_ROTATE_SECONDS && ticket_rotate(p))
		log_warning("cannot rotate the session ticket keys");
	if (store_changes(p->st, "Certificate", &seq, err) ||
	    store_changes(p->st, "Pool", &pool_seq, err))
		return -1;
	/* The store changes with every registration: unless certificates or
	 * pools did, only time can make a leaf due, and the timer sees to it. */
	if (seq == p->cert_seq && pool_seq == p->pool_seq && now < p->next_check &&
	    now < p->crl_next - (p->crl_next - p->crl_made) / 3)
		return 0;
	p->pool_seq = pool_seq;
	p->next_check = now + pki_refresh_interval(p);
	if (pki_ensure(p->st, p->ca, p->leaf_seconds, &issued, err))
		return -1;
	if (issued)
		log_notice("certificates: %d issued by the private CA", issued);
	for (int u = 0; u < PKI_NUSES; u++)
		if (identity_refresh(p, (enum pki_use)u, err))
			rc = -1;
	if (store_changes(p->st, "Certificate", &seq, err))
		return -1;
	if (crl_refresh(p, seq != p->cert_seq, err))
		return -1;
	p->cert_seq = seq;
	return rc;
}

int pki_open(struct store *st, const char *uri, struct pki **out, struct ucsh_err *err)
{
	struct pki *p = xcalloc(1, sizeof(*p));
	*out = NULL;
	if (ex_index < 0)
		ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	p->st = st;
	p->uri = uri;
	p->leaf_seconds = pki_leaf_seconds();
	p->cert_seq = -1;
	if (ex_index < 0 || ticket_key_new(&p->keys[0])) {
		pki_ossl_fail(err, "cannot set up TLS");
	} else if (pki_ca_open(uri, true, &p->ca, err) == 0 && pki_refresh(p, err) == 0) {
		*out = p;
		return 0;
	}
	pki_free(p);
	return -1;
}

int pki_refresh_interval(const struct pki *p)
{
	long s = p->leaf_seconds / 10;
	return s < 1 ? 1 : s > REFRESH_MAX_SECONDS ? REFRESH_MAX_SECONDS : (int)s;
}

void pki_free(struct pki *p)
{
	if (!p)
		return;
	for (int u = 0; u < PKI_NUSES; u++)
		SSL_CTX_free(p->ids[u].ctx);
	pki_ca_free(p->ca);
	free(p->crl);
	secret_wipe(p->keys, sizeof(p->keys));
	free(p);
}

struct tls_identity *pki_tls_identity(struct pki *p, enum pki_use use)
{
	return p && use < PKI_NUSES ? &p->ids[use] : NULL;
}

SSL_CTX *tls_identity_ctx(const struct tls_identity *id)
{
	return id ? id->ctx : NULL;
}

/* ---- What the web service serves -------------------------------------------- */

int pki_crl_der(const struct pki *p, unsigned char **buf, size_t *len)
{
	if (!p || !p->crl)
		return -1;
	*buf = xmalloc(p->crl_len);
	memcpy(*buf, p->crl, p->crl_len);
	*len = p->crl_len;
	return 0;
}

int pki_ca_pem(const struct pki *p, char **buf, size_t *len)
{
	char *pem = p ? pki_pem_of(NULL, pki_ca_cert(p->ca), NULL, NULL) : NULL;
	if (!pem)
		return -1;
	*buf = pem;
	*len = strlen(pem);
	return 0;
}

int pki_ca_der(const struct pki *p, unsigned char **buf, size_t *len)
{
	unsigned char *der = NULL;
	int n = p ? i2d_X509(pki_ca_cert(p->ca), &der) : -1;
	if (n <= 0)
		return -1;
	*buf = xmalloc((size_t)n);
	memcpy(*buf, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	return 0;
}
