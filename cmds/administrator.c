/*
 * administrator: New-, Get-, Set- and Remove-CsAdministrator, the accounts
 * of the SSH endpoint. An administrator is a name (the SSH user name), a
 * role (what the remote session may run) and an OpenSSH public key (how it
 * signs in: the endpoint takes public keys only). A disabled administrator
 * (-Enabled $false) keeps the account and cannot sign in.
 *
 * The key is checked when it is given, with libssh, so that a key the
 * endpoint could not use is refused at the prompt rather than at the first
 * login; short RSA and DSA keys are refused for the same reason.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <libssh/libssh.h>
#include <openssl/evp.h>

#include "cmds.h"
#include "storecmd.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define ADMIN_NAME_MAX 64
#define PUBLIC_KEY_MAX 16384
#define RSA_MIN_BITS 2048

static const char *const role_names[] = {
	"CsViewOnlyAdministrator", "CsHelpDesk", "CsVoiceAdministrator", "CsUserAdministrator",
	"CsAdministrator", NULL,
};

/* An SSH user name: letters, digits, . _ - ; not starting with - or . */
static int check_name(struct cmd_ctx *ctx, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	bool ok = n > 0 && n <= ADMIN_NAME_MAX && name[0] != '-' && name[0] != '.';
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || strchr("._-", name[i]);
	if (ok)
		return 0;
	cmd_error(ctx, "1 to 64 letters, digits, '.', '_' or '-', as an SSH user name is",
		  "'%.80s' cannot be an administrator's name", name ? name : "");
	return -1;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The size in bits of the modulus of an ssh-rsa key blob in base64 (string
 * "ssh-rsa", mpint e, mpint n), or 0 when it does not parse. libssh 0.10
 * does not export the size of a key. */
static int rsa_bits(const char *b64)
{
	size_t len = strlen(b64);
	unsigned char *blob = xmalloc(len + 1);
	int n = EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)len), bits = 0;
	size_t at = 0;
	for (int field = 0; n > 0 && field < 3; field++) {
		if (at + 4 > (size_t)n)
			break;
		uint32_t flen = be32(blob + at);
		at += 4;
		if (flen > (size_t)n - at)
			break;
		if (field == 2) {
			const unsigned char *m = blob + at;
			while (flen && *m == 0) { /* the sign byte of the mpint */
				m++;
				flen--;
			}
			bits = flen ? (int)(flen * 8) : 0;
			for (unsigned char top = flen ? m[0] : 0xff; bits && !(top & 0x80); top <<= 1)
				bits--;
		}
		at += flen;
	}
	free(blob);
	return bits;
}

/* The key as the endpoint will read it, checked. Writes an error and
 * returns -1 when libssh cannot use it or it is too weak. */
static int check_public_key(struct cmd_ctx *ctx, const char *line)
{
	const char *hint = "give one line of an OpenSSH .pub file: ssh-ed25519 AAAA... comment";
	size_t n = line ? strlen(line) : 0;
	if (n == 0 || n > PUBLIC_KEY_MAX || strchr(line, '\n'))
		return cmd_error(ctx, hint, "-PublicKey is not one OpenSSH public key line"), -1;
	char *copy = xstrdup(line);
	char *type = strtok(copy, " \t"), *b64 = type ? strtok(NULL, " \t") : NULL;
	enum ssh_keytypes_e kt = type ? ssh_key_type_from_name(type) : SSH_KEYTYPE_UNKNOWN;
	ssh_key key = NULL;
	int rc = -1;
	if (kt == SSH_KEYTYPE_UNKNOWN || !b64)
		cmd_error(ctx, hint, "-PublicKey: '%.40s' is not a key type the endpoint knows",
			  type ? type : "");
	else if (ssh_pki_import_pubkey_base64(b64, kt, &key) != SSH_OK)
		cmd_error(ctx, hint, "-PublicKey: the %s key does not decode", type);
	else if (kt == SSH_KEYTYPE_DSS)
		cmd_error(ctx, "use an Ed25519 key (ssh-keygen -t ed25519)",
			  "-PublicKey: DSA keys are too weak for the endpoint");
	else if (kt == SSH_KEYTYPE_RSA && rsa_bits(b64) < RSA_MIN_BITS)
		cmd_error(ctx, "use an Ed25519 key, or RSA of 3072 bits",
			  "-PublicKey: a %d-bit RSA key is too short (at least %d bits)",
			  rsa_bits(b64), RSA_MIN_BITS);
	else
		rc = 0;
	ssh_key_free(key);
	free(copy);
	return rc;
}

/* -Role, -PublicKey, -Description, -Enabled as the store keeps them; NULL
 * after an error. */
static json_t *admin_props(struct cmd_ctx *ctx)
{
	json_t *obj = storecmd_props(ctx, "Administrator", ALIASES("Name", "PassThru"));
	const char *key = json_string_value(json_object_get(obj, "PublicKey"));
	if (key) {
		/* trailing blanks and a CR from a pasted line are not part of it */
		char *trimmed = xstrdup(key);
		size_t n = strlen(trimmed);
		while (n && isspace((unsigned char)trimmed[n - 1]))
			trimmed[--n] = '\0';
		json_object_set_new(obj, "PublicKey", json_string(trimmed));
		free(trimmed);
		if (check_public_key(ctx, json_string_value(json_object_get(obj, "PublicKey")))) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

static int get_admin_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *name = cmd_arg_str(ctx, "Name");
	if (name && !wildcard_has_meta(name)) {
		json_t *obj = storecmd_get(ctx, "Administrator", name, "administrator");
		int rc = obj ? storecmd_emit(ctx, "Administrator", obj) : 0;
		json_decref(obj);
		return rc;
	}
	if (!name)
		return storecmd_query(ctx, "Administrator", NULL, NULL, cmd_arg(ctx, "Filter"));
	return storecmd_query_like(ctx, "Administrator", "Name", name, NULL, NULL,
				   cmd_arg(ctx, "Filter"));
}

static int new_admin_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *name = cmd_arg_str(ctx, "Name");
	if (check_name(ctx, name))
		return cmd_cancelled(ctx) ? -1 : 0;
	json_t *obj = admin_props(ctx);
	if (!obj)
		return cmd_cancelled(ctx) ? -1 : 0;
	json_object_set_new(obj, "Name", json_string(name));
	int rc = storecmd_insert(ctx, "Administrator", name, obj, "administrator");
	json_decref(obj);
	return rc;
}

static int set_admin_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *name = cmd_arg_str(ctx, "Name");
	json_t *changes = admin_props(ctx);
	int rc = 0;
	if (!changes)
		rc = cmd_cancelled(ctx) ? -1 : 0;
	else if (json_object_size(changes) == 0)
		rc = cmd_error(ctx, "name what to change: -Role, -PublicKey, -Description or -Enabled",
			       "Set-CsAdministrator was given nothing to change");
	else
		rc = storecmd_update(ctx, "Administrator", name, changes, "administrator",
				     cmd_arg_bool(ctx, "PassThru"));
	json_decref(changes);
	return rc;
}

static int remove_admin_process(struct cmd_ctx *ctx, json_t *input)
{
	return storecmd_delete(ctx, "Administrator", cmd_arg_str(ctx, "Name"), "administrator");
}

static json_t *admin_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "Administrator", "Name", prefix);
}

/* ---- Entries ----------------------------------------------------------- */

#define NAME_PARAM(flags_, help_) { .name = "Name", .type = PT_STRING, .position = 0, \
	.flags = flags_, .aliases = ALIASES("Identity"), .complete = admin_complete, \
	.help = help_ }

#define ADMIN_PROPS(role_flags) \
	{ .name = "Role", .type = PT_ENUM, .position = POS_NAMED, \
	  .flags = role_flags | PF_PIPE_PROP, .values = role_names, \
	  .help = "What the administrator may run, least to most: CsViewOnlyAdministrator " \
		  "(Get-*, Test-*), CsHelpDesk (+ PIN reset and unlock, " \
		  "Remove-CsRegistration), CsVoiceAdministrator (+ phones, common area " \
		  "phones, test devices, device updates), CsUserAdministrator (+ users), " \
		  "CsAdministrator (everything)." }, \
	{ .name = "PublicKey", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_PIPE_PROP, \
	  .help = "The administrator's OpenSSH public key, one line of a .pub file " \
		  "(ssh-ed25519 AAAA... comment). Ed25519, ECDSA and RSA of at least 2048 " \
		  "bits are accepted." }, \
	{ .name = "Description", .type = PT_STRING, .position = POS_NAMED, \
	  .flags = PF_PIPE_PROP, .help = "Free text: who this is." }, \
	{ .name = "Enabled", .type = PT_BOOL, .position = POS_NAMED, .flags = PF_PIPE_PROP, \
	  .help = "$false keeps the account but refuses its sign-in." }

static const struct cmd_param get_admin_params[] = {
	NAME_PARAM(PF_PIPE_VALUE | PF_PIPE_PROP, "The administrator; wildcards list several."),
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A condition on $_, e.g. { $_.Role -eq 'CsHelpDesk' }." },
	{ 0 },
};

static const struct cmd_param new_admin_params[] = {
	NAME_PARAM(PF_MANDATORY | PF_PIPE_PROP, "The new administrator's name: the user name "
		   "given to ssh (ssh -p 2222 NAME@host)."),
	ADMIN_PROPS(PF_MANDATORY),
	{ 0 },
};

static const struct cmd_param set_admin_params[] = {
	NAME_PARAM(PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, "The administrator to change."),
	ADMIN_PROPS(0),
	{ .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes the changed administrator down the pipeline." },
	{ 0 },
};

static const struct cmd_param remove_admin_params[] = {
	NAME_PARAM(PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, "The administrator to remove."),
	{ 0 },
};

const struct cmd_entry cmd_get_csadministrator_entry = {
	.name = "Get-CsAdministrator",
	.synopsis = "Lists the administrators of the SSH endpoint.",
	.description = "Writes one Administrator object per account: its name, role, public key, "
		       "description and whether it is enabled.",
	.params = get_admin_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsAdministrator", "Lists every administrator." },
		{ "Get-CsAdministrator -Filter { $_.Role -eq 'CsHelpDesk' }",
		  "Lists the help desk accounts." },
		{ 0 } },
	.outputs = "Administrator",
	.role = ROLE_ADMIN,
	.process = get_admin_process,
};

const struct cmd_entry cmd_new_csadministrator_entry = {
	.name = "New-CsAdministrator",
	.synopsis = "Creates an administrator account for the SSH endpoint.",
	.description = "Adds an administrator who can sign in to ucshd's SSH endpoint with the "
		       "private half of -PublicKey and run the cmdlets of -Role. Without "
		       "-PublicKey the account exists but cannot sign in until "
		       "Set-CsAdministrator gives it a key.",
	.params = new_admin_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsAdministrator alice -Role CsHelpDesk -PublicKey 'ssh-ed25519 AAAAC3Nza... alice@desk'",
		  "Lets alice reset PINs and look at everything, over SSH." },
		{ "Import-Csv admins.csv | New-CsAdministrator",
		  "Creates one administrator per line of a CSV with Name, Role and PublicKey "
		  "columns." },
		{ 0 } },
	.outputs = "Administrator",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = new_admin_process,
};

const struct cmd_entry cmd_set_csadministrator_entry = {
	.name = "Set-CsAdministrator",
	.synopsis = "Changes an administrator's role, key or state.",
	.description = "Sets the properties named on the command line and leaves the others. "
		       "A new role applies to the administrator's next session; -Enabled "
		       "$false refuses the next sign-in.",
	.params = set_admin_params,
	.examples = (const struct cmd_example[]){
		{ "Set-CsAdministrator alice -Role CsVoiceAdministrator", "Gives alice more rights." },
		{ "Set-CsAdministrator bob -Enabled $false", "Keeps bob's account but refuses his sign-in." },
		{ 0 } },
	.outputs = "Administrator (with -PassThru)",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = set_admin_process,
};

const struct cmd_entry cmd_remove_csadministrator_entry = {
	.name = "Remove-CsAdministrator",
	.synopsis = "Removes an administrator account.",
	.description = "Deletes the account: its key no longer signs in. Its rows in the audit "
		       "log stay.",
	.params = remove_admin_params,
	.examples = (const struct cmd_example[]){
		{ "Remove-CsAdministrator bob -Force", "Removes bob's account without asking." },
		{ 0 } },
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = remove_admin_process,
};
