/*
 * certificate: Get-, Request-, Import-, Set-, Revoke- and
 * Export-CsCertificate, over the deployment's private CA and the
 * certificates in the store (pki.h). As in Lync, a certificate serves
 * "uses": Default (SIP over TLS), WebServicesInternal and
 * WebServicesExternal (the web sites' HTTPS). ucshd picks up whatever these
 * cmdlets assign at its next store poll and serves it from the next TLS
 * handshake on, without a restart. Every check runs before anything is
 * written, so a refused certificate leaves the served one in place; no
 * output ever carries a private key.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmds.h"
#include "pki.h"
#include "pki_int.h"
#include "shell.h"
#include "storecmd.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *const get_types[] = { "Root", "Default", "WebServicesInternal",
					 "WebServicesExternal", NULL };
static const char *const export_types[] = { "Root", "Crl", "Default", "WebServicesInternal",
					    "WebServicesExternal", NULL };
static const char *const encodings[] = { "Pem", "Der", NULL };
static const char *const key_algorithms[] = { "ECDSA", "RSA", NULL };

/* -Type as a mask of uses; Default when not given. */
static unsigned type_mask(struct cmd_ctx *ctx)
{
	json_t *types = cmd_arg(ctx, "Type"), *v;
	size_t i;
	unsigned mask = 0;
	json_array_foreach(types, i, v) {
		int u = pki_use_parse(json_string_value(v));
		if (u >= 0)
			mask |= 1u << u;
	}
	return types ? mask : 1u << PKI_USE_DEFAULT;
}

static const char *uri_of(struct cmd_ctx *ctx)
{
	struct store *st = cmd_store(ctx);
	return st ? store_uri(st) : NULL;
}

/* The private CA; made when create and missing. NULL after an error. */
static struct pki_ca *ca_of(struct cmd_ctx *ctx, bool create)
{
	const char *uri = uri_of(ctx);
	struct pki_ca *ca = NULL;
	struct ucsh_err err;
	if (!uri)
		return NULL;
	if (pki_ca_open(uri, create, &ca, &err))
		cmd_fail(ctx, NULL, "%s", err.msg);
	else if (!ca)
		cmd_fail(ctx, "ucshd makes it on its first start; Request-CsCertificate -New also does",
			 "this deployment has no private CA yet");
	return ca;
}

/* What the shell shows of a stored certificate: never the key. */
static json_t *public_view(json_t *row)
{
	json_t *o = json_deep_copy(row);
	const char *key = json_string_value(json_object_get(o, "PrivateKeyPem"));
	json_object_set_new(o, "HasPrivateKey", json_boolean(key && *key));
	json_object_del(o, "PrivateKeyPem");
	value_set_type(o, "Certificate");
	return o;
}

static json_t *root_view(X509 *ca)
{
	json_t *props = pki_cert_props(ca), *o = json_object();
	json_object_set(o, "Identity", json_object_get(props, "Thumbprint"));
	json_object_set_new(o, "Use", json_string("Root"));
	json_object_update(o, props);
	json_decref(props);
	json_object_set_new(o, "Revoked", json_null());
	json_object_set_new(o, "HasPrivateKey", json_true());
	char *pem = pki_pem_of(NULL, ca, NULL, NULL);
	json_object_set_new(o, "CertificatePem", pem ? json_string(pem) : json_null());
	free(pem);
	value_set_type(o, "Certificate");
	return o;
}

/* ---- Get-CsCertificate ------------------------------------------------- */

static bool wanted(struct cmd_ctx *ctx, const json_t *o)
{
	const char *type = cmd_arg_str(ctx, "Type"), *tp = cmd_arg_str(ctx, "Thumbprint");
	const char *use = json_string_value(json_object_get(o, "Use"));
	const char *have = json_string_value(json_object_get(o, "Thumbprint"));
	if (tp && (!have || strcasecmp(tp, have) != 0))
		return false;
	if (type && str_ieq(type, "Root"))
		return use && str_ieq(use, "Root");
	return !type || (pki_mask_of(use) & (1u << pki_use_parse(type)));
}

static int get_cert_process(struct cmd_ctx *ctx, json_t *input)
{
	struct store *st = cmd_store(ctx);
	struct store_query_opts opts = { .sort = "NotBefore" };
	struct store_cursor *cur = NULL;
	struct ucsh_err err;
	X509 *ca = NULL;
	json_t *row;
	int rc = 0, n;
	if (!st)
		return -1;
	if (pki_root_load(store_uri(st), &ca, &err) < 0)
		cmd_warning(ctx, "%s", err.msg);
	json_t *root = ca ? root_view(ca) : NULL;
	X509_free(ca);
	if (root && wanted(ctx, root))
		rc = cmd_emit(ctx, json_incref(root));
	json_decref(root);
	if (rc == 0 && store_query(st, "Certificate", NULL, &opts, &cur, &err))
		return storecmd_error(ctx, st, &err);
	while (rc == 0 && (n = store_cursor_next(cur, &row, &err)) != 0) {
		if (n < 0) {
			rc = storecmd_error(ctx, st, &err);
			break;
		}
		json_t *o = public_view(row);
		json_decref(row);
		rc = wanted(ctx, o) ? cmd_emit(ctx, o) : (json_decref(o), 0);
	}
	store_cursor_free(cur);
	return rc;
}

/* ---- Request-CsCertificate ---------------------------------------------- */

static int write_text(struct cmd_ctx *ctx, const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "we");
	bool ok = f && fwrite(data, 1, n, f) == n;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		return cmd_fail(ctx, NULL, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int request_csr(struct cmd_ctx *ctx, struct store *st, unsigned mask)
{
	const char *out = cmd_arg_str(ctx, "Output");
	struct ucsh_err err;
	char *csr = NULL;
	if (ctx->shell->remote)
		return cmd_error(ctx, "run Request-CsCertificate -Output in a local ucsh on the server",
				 "-Output writes a file, and a remote session has no access to the "
				 "files of the server");
	if (!cmd_should_process(ctx, "Write a certificate request to", out))
		return 0;
	if (pki_request(st, mask, cmd_arg(ctx, "DomainName"),
			cmd_has_arg(ctx, "KeyAlgorithm") && str_ieq(cmd_arg_str(ctx, "KeyAlgorithm"), "RSA"),
			&csr, &err))
		return cmd_error(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
	int rc = write_text(ctx, out, csr, strlen(csr));
	free(csr);
	if (rc == 0)
		cmd_host(ctx, "The request is in %s; the key waits in the store. Import the "
			      "certificate the CA issues with Import-CsCertificate.", out);
	return rc;
}

static int request_cert_process(struct cmd_ctx *ctx, json_t *input)
{
	struct store *st = cmd_store(ctx);
	unsigned mask = type_mask(ctx);
	struct ucsh_err err;
	json_t *row = NULL;
	if (!st)
		return -1;
	if (!cmd_arg_bool(ctx, "New"))
		return cmd_error(ctx, "e.g. Request-CsCertificate -New -Type Default",
				 "Request-CsCertificate makes new certificates only: give -New");
	if (cmd_has_arg(ctx, "Output"))
		return request_csr(ctx, st, mask);
	json_t *use = pki_use_of(mask);
	bool go = cmd_should_process(ctx, "Issue a certificate from the private CA for",
				     json_string_value(use));
	json_decref(use);
	if (!go)
		return 0;
	struct pki_ca *ca = ca_of(ctx, true);
	if (!ca)
		return -1;
	int rc = pki_issue(st, ca, mask, cmd_arg(ctx, "DomainName"), pki_leaf_seconds(), &row, &err);
	pki_ca_free(ca);
	if (rc)
		return cmd_error(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
	rc = cmd_emit(ctx, public_view(row));
	json_decref(row);
	return rc;
}

/* ---- Import-, Set-, Revoke-CsCertificate ---------------------------------- */

static int import_cert_process(struct cmd_ctx *ctx, json_t *input)
{
	struct store *st = cmd_store(ctx);
	const char *path = cmd_arg_str(ctx, "Path");
	struct pki_bundle b;
	struct ucsh_err err;
	json_t *row = NULL;
	if (!st)
		return -1;
	if (pki_bundle_load(st, path, cmd_arg_str(ctx, "Password"), type_mask(ctx), &b, &err))
		return cmd_error(ctx, err.hint[0] ? err.hint : "nothing was changed", "%s", err.msg);
	char tp[41];
	pki_thumbprint(b.leaf, tp);
	int rc = 0;
	if (cmd_should_process(ctx, "Import and assign certificate", tp)) {
		if (pki_bundle_store(st, &b, type_mask(ctx), &row, &err))
			rc = storecmd_error(ctx, st, &err);
		else
			rc = cmd_emit(ctx, public_view(row));
	}
	json_decref(row);
	pki_bundle_clear(&b);
	return rc;
}

static int set_cert_process(struct cmd_ctx *ctx, json_t *input)
{
	struct store *st = cmd_store(ctx);
	const char *tp = cmd_arg_str(ctx, "Thumbprint");
	struct ucsh_err err;
	if (!st)
		return -1;
	json_t *use = pki_use_of(type_mask(ctx));
	char *what = xasprintf("%s to %s", tp, json_string_value(use));
	bool go = cmd_should_process(ctx, "Assign certificate", what);
	free(what);
	json_decref(use);
	if (go && pki_assign(st, tp, type_mask(ctx), &err))
		return cmd_error(ctx, err.hint[0] ? err.hint : "nothing was changed", "%s", err.msg);
	return 0;
}

static int revoke_cert_process(struct cmd_ctx *ctx, json_t *input)
{
	struct store *st = cmd_store(ctx);
	const char *tp = cmd_arg_str(ctx, "Thumbprint");
	struct ucsh_err err;
	if (!st)
		return -1;
	if (!cmd_should_process(ctx, "Revoke certificate", tp))
		return 0;
	struct pki_ca *ca = ca_of(ctx, false);
	if (!ca)
		return -1;
	int rc = pki_revoke(st, ca, tp, &err);
	pki_ca_free(ca);
	if (rc)
		return cmd_error(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
	return 0;
}

/* ---- Export-CsCertificate -------------------------------------------------- */

/* The PEM or DER bytes of what -Type names; caller frees. -1 after an error. */
static int export_bytes(struct cmd_ctx *ctx, struct store *st, const char *type, bool der,
			unsigned char **out, size_t *n)
{
	struct ucsh_err err;
	struct pki_ca *ca = NULL;
	X509 *cert = NULL;
	X509_CRL *crl = NULL;
	json_t *row = NULL;
	int rc = 0;
	if (str_ieq(type, "Root")) {
		int f = pki_root_load(store_uri(st), &cert, &err);
		if (f < 0)
			rc = cmd_fail(ctx, NULL, "%s", err.msg);
		else if (f == 0)
			rc = cmd_fail(ctx, "ucshd makes it on its first start; Request-CsCertificate "
					   "-New also does", "this deployment has no private CA yet");
	} else if (str_ieq(type, "Crl")) {
		if (!(ca = ca_of(ctx, false)))
			return -1;
		if (pki_crl_make(st, ca, 7L * 86400, (long long)time(NULL), &crl, &err))
			rc = cmd_fail(ctx, NULL, "%s", err.msg);
	} else {
		int u = pki_use_parse(type), f = pki_current_row(st, (enum pki_use)u, &row, &err);
		if (f < 0)
			rc = storecmd_error(ctx, st, &err);
		else if (f == 0)
			rc = cmd_error(ctx, NULL, "no certificate is assigned to %s", type);
		else if (pki_row_parse(row, &cert, NULL, NULL, &err))
			rc = cmd_fail(ctx, NULL, "%s", err.msg);
	}
	unsigned char *buf = NULL;
	int len = 0;
	if (rc == 0 && der)
		len = cert ? i2d_X509(cert, &buf) : i2d_X509_CRL(crl, &buf);
	if (rc == 0 && !der) {
		char *pem = pki_pem_of(NULL, cert, NULL, cert ? NULL : crl);
		len = pem ? (int)strlen(pem) : 0;
		buf = pem ? OPENSSL_memdup(pem, (size_t)len) : NULL;
		free(pem);
	}
	if (rc == 0 && len <= 0)
		rc = cmd_fail(ctx, NULL, "cannot encode the %s", type);
	*out = rc == 0 ? buf : NULL;
	*n = rc == 0 ? (size_t)len : 0;
	if (rc)
		OPENSSL_free(buf);
	X509_free(cert);
	X509_CRL_free(crl);
	json_decref(row);
	pki_ca_free(ca);
	return rc;
}

static int export_cert_process(struct cmd_ctx *ctx, json_t *input)
{
	struct store *st = cmd_store(ctx);
	const char *type = cmd_arg_str(ctx, "Type"), *path = cmd_arg_str(ctx, "Path");
	const char *enc = cmd_arg_str(ctx, "Encoding");
	unsigned char *buf;
	size_t n;
	if (!st)
		return -1;
	if (!cmd_should_process(ctx, "Write the certificate file", path))
		return 0;
	if (export_bytes(ctx, st, type, enc && str_ieq(enc, "Der"), &buf, &n))
		return cmd_cancelled(ctx) ? -1 : 0;
	int rc = write_text(ctx, path, buf, n);
	OPENSSL_free(buf);
	return rc;
}

/* ---- Entries ------------------------------------------------------------------ */

static json_t *thumbprint_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "Certificate", "Thumbprint", prefix);
}

#define TYPE_PARAM(flags_, help_) { .name = "Type", .type = PT_ENUM, .position = POS_NAMED, \
	.flags = (flags_) | PF_ARRAY, .values = pki_use_names, .help = help_ }
#define THUMBPRINT_PARAM(flags_, help_) { .name = "Thumbprint", .type = PT_STRING, \
	.position = POS_NAMED, .flags = flags_, .complete = thumbprint_complete, .help = help_ }

static const struct cmd_param get_cert_params[] = {
	{ .name = "Type", .type = PT_ENUM, .position = 0, .values = get_types,
	  .help = "Only the certificate of this use; Root is the private CA's own." },
	THUMBPRINT_PARAM(0, "Only the certificate with this thumbprint."),
	{ 0 },
};

static const struct cmd_param request_cert_params[] = {
	{ .name = "New", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Make a new certificate (the only kind of request there is)." },
	TYPE_PARAM(0, "The uses it is for: Default (SIP over TLS), WebServicesInternal, "
		      "WebServicesExternal. Default when not given."),
	{ .name = "DomainName", .type = PT_STRING, .position = POS_NAMED, .flags = PF_ARRAY,
	  .help = "More names (DNS names or IP addresses) beside the pools' own." },
	{ .name = "Output", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Write a certificate request (PEM) to this file for an enterprise CA, "
		  "instead of issuing from the private CA. The key stays in the store." },
	{ .name = "KeyAlgorithm", .type = PT_ENUM, .position = POS_NAMED, .values = key_algorithms,
	  .help = "With -Output: the key to make, ECDSA (P-256, the default) or RSA (3072 bits)." },
	{ 0 },
};

static const struct cmd_param import_cert_params[] = {
	{ .name = "Path", .type = PT_STRING, .position = 0, .flags = PF_MANDATORY,
	  .help = "The certificate file: PEM (certificate, chain, key) or PKCS#12 (.pfx)." },
	{ .name = "Password", .type = PT_STRING, .position = POS_NAMED, .flags = PF_SECRET,
	  .help = "The password of the PKCS#12 file or of the encrypted PEM key." },
	TYPE_PARAM(0, "The uses to assign it to; Default when not given. Its names must "
		      "cover what those uses need."),
	{ 0 },
};

static const struct cmd_param set_cert_params[] = {
	TYPE_PARAM(PF_MANDATORY, "The uses to assign the certificate to."),
	THUMBPRINT_PARAM(PF_MANDATORY | PF_PIPE_PROP, "The certificate, by thumbprint."),
	{ 0 },
};

static const struct cmd_param revoke_cert_params[] = {
	THUMBPRINT_PARAM(PF_MANDATORY | PF_PIPE_PROP,
			 "The certificate to revoke, by thumbprint; it must come from the "
			 "private CA."),
	{ 0 },
};

static const struct cmd_param export_cert_params[] = {
	{ .name = "Type", .type = PT_ENUM, .position = POS_NAMED, .flags = PF_MANDATORY,
	  .values = export_types,
	  .help = "Root: the private CA's certificate; Crl: its certificate revocation list; "
		  "a use: the certificate assigned to it (never its key)." },
	{ .name = "Path", .type = PT_STRING, .position = 0, .flags = PF_MANDATORY,
	  .help = "The file to write." },
	{ .name = "Encoding", .type = PT_ENUM, .position = POS_NAMED, .values = encodings,
	  .help = "Pem (the default) or Der." },
	{ 0 },
};

const struct cmd_entry cmd_get_cscertificate_entry = {
	.name = "Get-CsCertificate",
	.synopsis = "Lists the deployment's certificates.",
	.description = "Writes the private CA's root (Use Root) and every certificate in the "
		       "store: its uses, subject, issuer, names, validity, thumbprint, serial "
		       "number and, once revoked, when. Use says where it is served: Default is "
		       "SIP over TLS, WebServicesInternal and WebServicesExternal the web sites. "
		       "A certificate with no Use is kept but not served; one whose Identity "
		       "starts with Request: is a pending request. Private keys are never shown.",
	.params = get_cert_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsCertificate", "Lists the root and every certificate." },
		{ "Get-CsCertificate -Type Default | Format-List",
		  "Shows the certificate the registrar serves over TLS." },
		{ 0 } },
	.outputs = "Certificate",
	.role = ROLE_VIEW_ONLY,
	.process = get_cert_process,
};

const struct cmd_entry cmd_request_cscertificate_entry = {
	.name = "Request-CsCertificate",
	.synopsis = "Issues a certificate from the private CA, or writes a request for another CA.",
	.description = "With -New, issues a new certificate from the deployment's private CA "
		       "and assigns it to the uses of -Type: it names every pool FQDN, the "
		       "internal and external web FQDNs, localhost and the loopback addresses, "
		       "plus -DomainName, lives 397 days and names the pool's CRL. ucshd serves "
		       "it from the next TLS handshake on.\n\n"
		       "With -Output, makes a key instead and writes a certificate request "
		       "(PEM) for an enterprise CA; the key waits in the store until "
		       "Import-CsCertificate brings the issued certificate.",
	.params = request_cert_params,
	.examples = (const struct cmd_example[]){
		{ "Request-CsCertificate -New -Type Default,WebServicesInternal",
		  "Replaces the SIP and internal web certificates with new ones." },
		{ "Request-CsCertificate -New -Type Default -DomainName sip.contoso.com -Output pool.csr",
		  "Writes a request for an enterprise CA, naming one more host." },
		{ 0 } },
	.outputs = "Certificate",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = request_cert_process,
};

const struct cmd_entry cmd_import_cscertificate_entry = {
	.name = "Import-CsCertificate",
	.synopsis = "Imports a certificate from an enterprise CA and assigns it.",
	.description = "Reads a PEM file (the certificate, its chain, its key, which may be "
		       "encrypted) or a PKCS#12 file, and checks it before anything changes: the "
		       "key matches the certificate (a file without a key takes the key of a "
		       "pending Request-CsCertificate -Output request), the chain verifies to a "
		       "root in the file or in the system's trust store, no certificate has "
		       "expired, and its names cover what the uses of -Type need. Then it is "
		       "stored and assigned; ucshd serves it from the next TLS handshake on.",
	.params = import_cert_params,
	.examples = (const struct cmd_example[]){
		{ "Import-CsCertificate -Path pool.pfx -Password 'Secret1' -Type Default",
		  "Imports a PKCS#12 file for SIP over TLS." },
		{ "Import-CsCertificate pool-chain.pem -Type Default,WebServicesInternal",
		  "Imports the answer to an earlier request, for SIP and the internal site." },
		{ 0 } },
	.outputs = "Certificate",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE | CMD_LOCAL_FILES,
	.process = import_cert_process,
};

const struct cmd_entry cmd_set_cscertificate_entry = {
	.name = "Set-CsCertificate",
	.synopsis = "Assigns a stored certificate to uses.",
	.description = "Makes the certificate with -Thumbprint the one served for the uses of "
		       "-Type, after checking it has its key, is valid, not revoked, and names "
		       "what those uses need. The certificate that served them before is kept, "
		       "unassigned.",
	.params = set_cert_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsCertificate -Type WebServicesExternal -Thumbprint 0B2A...",
		  "Serves that certificate on the external web site." },
		{ 0 } },
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = set_cert_process,
};

const struct cmd_entry cmd_revoke_cscertificate_entry = {
	.name = "Revoke-CsCertificate",
	.synopsis = "Revokes a certificate of the private CA.",
	.description = "Marks the certificate revoked: the CRL that ucshd serves lists it from "
		       "its next refresh (within a second), and if it was assigned, ucshd issues "
		       "a replacement for its uses. Certificates of other CAs are revoked at "
		       "their CA.",
	.params = revoke_cert_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsCertificate -Type Default | Revoke-CsCertificate -Force",
		  "Revokes the SIP certificate; ucshd serves a new one." },
		{ 0 } },
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = revoke_cert_process,
};

const struct cmd_entry cmd_export_cscertificate_entry = {
	.name = "Export-CsCertificate",
	.synopsis = "Writes the root, the CRL or a served certificate to a file.",
	.description = "Writes the private CA's certificate (-Type Root: what phones, browsers "
		       "and soft-phones must trust), a freshly signed CRL (-Type Crl, valid seven "
		       "days), or the certificate assigned to a use, as PEM or DER. Private keys "
		       "are never exported.",
	.params = export_cert_params,
	.examples = (const struct cmd_example[]){
		{ "Export-CsCertificate -Type Root -Path ucsh-root.pem",
		  "The root to install on phones and admin workstations." },
		{ "Export-CsCertificate -Type Crl -Path ucsh.crl -Encoding Der", "The current CRL." },
		{ 0 } },
	.role = ROLE_VIEW_ONLY,
	.flags = CMD_CHANGES_STATE | CMD_LOCAL_FILES | CMD_NOT_AUDITED,
	.process = export_cert_process,
};
