/*
 * store: the front of the store module. It owns the schema table (every
 * kind, its key and columns), opens the right back end for a URI, turns
 * JSON objects and filters into checked rows and conditions, runs the
 * migrations and the first-start seeding, keeps transactions and change
 * counters straight, and words every error — so that all of it is written
 * once, whatever database sits behind it. The SQL lives in the back ends.
 */
#include "config.h"
#include "store.h"
#include "store_backend.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- The schema ------------------------------------------------------- *
 * One entry per kind; property names and meanings follow CMDLETS.md and the
 * Lync cmdlets. Time spans (PhoneLockTimeout, WaveInterval, ...) are whole
 * seconds, as the shell binds them. A column added after the first release
 * carries .since = N (and a new schema version); such a column cannot be the
 * key, and if required it needs a default.
 */
#define KEY(n) { .name = n, .type = STORE_TEXT, .flags = STORE_KEY }
#define COL(n, t) { .name = n, .type = t }
#define COLF(n, t, f) { .name = n, .type = t, .flags = f }
#define DFLT(n, t, d) { .name = n, .type = t, .dflt = d }
#define REF(n, kind, od) { .name = n, .type = STORE_TEXT, .ref = kind, .on_delete = od }
#define KIND(n, tbl, cols, ...) { .name = n, .table = tbl, .columns = cols, \
	.ncolumns = UCSH_ARRAY_LEN(cols), __VA_ARGS__ }

static const struct store_column site_cols[] = {
	KEY("Identity"), COL("DisplayName", STORE_TEXT), COL("Description", STORE_TEXT),
	COL("City", STORE_TEXT), COL("State", STORE_TEXT), COL("CountryCode", STORE_TEXT),
	COL("Subnets", STORE_JSON), /* CIDR prefixes: places a phone in the site by address */
};

static const struct store_column pool_cols[] = {
	KEY("Identity"), REF("Site", "Site", STORE_RESTRICT),
	COL("SipDomain", STORE_JSON), COL("ListenAddress", STORE_JSON), /* null: all addresses */
	DFLT("SipPort", STORE_INTEGER, "5060"), DFLT("TlsPort", STORE_INTEGER, "5061"),
	COL("InternalWebFqdn", STORE_TEXT), COL("ExternalWebFqdn", STORE_TEXT),
	DFLT("InternalHttpPort", STORE_INTEGER, "80"), DFLT("InternalHttpsPort", STORE_INTEGER, "443"),
	DFLT("ExternalHttpPort", STORE_INTEGER, "8080"),
	DFLT("ExternalHttpsPort", STORE_INTEGER, "4443"), DFLT("SshPort", STORE_INTEGER, "2222"),
};

static const struct store_column registrar_cols[] = {
	KEY("Identity"), /* Global, site:NAME or service:Registrar:FQDN */
	DFLT("MinEndpointExpiration", STORE_INTEGER, "300"),
	DFLT("MaxEndpointExpiration", STORE_INTEGER, "900"),
	DFLT("DefaultEndpointExpiration", STORE_INTEGER, "600"),
	DFLT("MaxEndpointsPerUser", STORE_INTEGER, "8"),
	DFLT("EnableDHCPServer", STORE_BOOLEAN, "false"),
};

static const struct store_column user_cols[] = {
	KEY("SipAddress"), COLF("Identity", STORE_TEXT, STORE_INDEXED),
	COLF("DisplayName", STORE_TEXT, STORE_INDEXED), COLF("LineURI", STORE_TEXT, STORE_UNIQUE),
	REF("RegistrarPool", "Pool", STORE_RESTRICT), DFLT("Enabled", STORE_BOOLEAN, "true"),
	REF("PinPolicy", "PinPolicy", STORE_SET_NULL), /* null: the Global policy */
};

/* The secret half of a user or common area phone, kept apart so that
 * reading users never reads hashes. Ha1Md5/Ha1Sha256 are objects mapping
 * "username:realm" to the hex HA1, one entry per username the registrar
 * accepts (user part, extension) and realm (SIP domain). PinHistory holds
 * the verifiers of earlier PINs, newest first. */
static const char *const client_pin_owners[] = { "User", "CommonAreaPhone", NULL };
static const struct store_column client_pin_cols[] = {
	KEY("Identity"), COLF("PinHash", STORE_TEXT, STORE_SECRET | STORE_CASE),
	COLF("Ha1Md5", STORE_JSON, STORE_SECRET), COLF("Ha1Sha256", STORE_JSON, STORE_SECRET),
	COL("PinLastSet", STORE_TIMESTAMP), DFLT("FailedAttempts", STORE_INTEGER, "0"),
	DFLT("IsLockedOut", STORE_BOOLEAN, "false"), COLF("PinHistory", STORE_JSON, STORE_SECRET),
};

static const struct store_column pin_policy_cols[] = {
	KEY("Identity"), COL("Description", STORE_TEXT),
	DFLT("MinPasswordLength", STORE_INTEGER, "5"),
	COL("MaximumLogonAttempts", STORE_INTEGER), /* null: Lync's automatic lockout */
	DFLT("PINHistoryCount", STORE_INTEGER, "0"), DFLT("PINLifetime", STORE_INTEGER, "0"),
	DFLT("AllowCommonPatterns", STORE_BOOLEAN, "false"),
};

static const struct store_column cap_cols[] = {
	KEY("SipAddress"), COLF("Identity", STORE_TEXT, STORE_INDEXED),
	COLF("LineURI", STORE_TEXT, STORE_UNIQUE), COLF("DisplayName", STORE_TEXT, STORE_INDEXED),
	REF("RegistrarPool", "Pool", STORE_RESTRICT), COL("Description", STORE_TEXT),
};

static const struct store_column ucphone_cols[] = {
	KEY("Identity"), DFLT("EnforcePhoneLock", STORE_BOOLEAN, "true"),
	DFLT("PhoneLockTimeout", STORE_INTEGER, "600"), DFLT("MinPhonePinLength", STORE_INTEGER, "6"),
	DFLT("SIPSecurityMode", STORE_TEXT, "High"), DFLT("VoiceDiffServTag", STORE_INTEGER, "40"),
	DFLT("Voice8021p", STORE_INTEGER, "0"), DFLT("LoggingLevel", STORE_TEXT, "Off"),
	DFLT("CalendarPollInterval", STORE_INTEGER, "180"),
};

static const struct store_column phone_model_cols[] = {
	KEY("Identity"), /* Brand/Model */
	COLF("Brand", STORE_TEXT, STORE_REQUIRED), COLF("Model", STORE_TEXT, STORE_REQUIRED | STORE_INDEXED),
	COL("DeviceType", STORE_TEXT), /* Desk, CommonArea, Conference */
	DFLT("RunsLyncPhoneEdition", STORE_BOOLEAN, "true"),
};

static const struct store_column phone_cols[] = {
	KEY("MacAddress"), COLF("SerialNumber", STORE_TEXT, STORE_INDEXED),
	COLF("Brand", STORE_TEXT, STORE_INDEXED), COLF("Model", STORE_TEXT, STORE_INDEXED),
	COL("Revision", STORE_TEXT), COL("Locale", STORE_TEXT), COLF("Site", STORE_TEXT, STORE_INDEXED),
	COLF("Owner", STORE_TEXT, STORE_INDEXED), COLF("FirmwareVersion", STORE_VERSION, STORE_INDEXED),
	COL("IPAddress", STORE_TEXT), COL("UserAgent", STORE_TEXT), COL("LastSeen", STORE_TIMESTAMP),
	COL("LastRegistered", STORE_TIMESTAMP), COL("Status", STORE_TEXT),
};

static const struct store_column test_device_cols[] = {
	KEY("Identity"), COL("Name", STORE_TEXT),
	DFLT("IdentifierType", STORE_TEXT, "MacAddress"), /* or SerialNumber */
	COLF("Identifier", STORE_TEXT, STORE_INDEXED),
};

static const struct store_column dev_update_config_cols[] = {
	KEY("Identity"), DFLT("MaxLogFileSize", STORE_INTEGER, "1024000"),
	DFLT("MaxLogCacheLimit", STORE_INTEGER, "512000"), COL("ValidLogFileTypes", STORE_JSON),
	COL("ValidLogFileExtensions", STORE_JSON), DFLT("LogCleanUpInterval", STORE_INTEGER, "864000"),
	DFLT("LogFlushInterval", STORE_INTEGER, "300"),
};

static const struct store_column dev_update_rule_cols[] = {
	KEY("Identity"), DFLT("UpdateType", STORE_TEXT, "UCPhone"), COL("Brand", STORE_TEXT),
	COLF("Model", STORE_TEXT, STORE_INDEXED), COL("Revision", STORE_TEXT), COL("Locale", STORE_TEXT),
	COL("ApprovedVersion", STORE_VERSION), COL("PendingVersion", STORE_VERSION),
	COL("RestoreVersion", STORE_VERSION),
};

/* One imported image: UpdateType/Brand/Model/Revision/Locale/Version, as
 * under Files/. Files: [{"Path":..., "Size":..., "Sha256":...}]. */
static const struct store_column dev_update_image_cols[] = {
	KEY("Identity"), COL("UpdateType", STORE_TEXT), COL("Brand", STORE_TEXT),
	COLF("Model", STORE_TEXT, STORE_INDEXED), COL("Revision", STORE_TEXT), COL("Locale", STORE_TEXT),
	COL("Version", STORE_VERSION), COL("Files", STORE_JSON), COL("Imported", STORE_TIMESTAMP),
};

static const struct store_column dev_update_log_cols[] = {
	KEY("Identity"), COLF("MacAddress", STORE_TEXT, STORE_INDEXED), COL("FileName", STORE_TEXT),
	COL("FileType", STORE_TEXT), COL("Size", STORE_INTEGER),
	COLF("Received", STORE_TIMESTAMP, STORE_INDEXED), COLF("Path", STORE_TEXT, STORE_CASE),
};

static const struct store_column rollout_cols[] = {
	KEY("Identity"), REF("Rule", "DeviceUpdateRule", STORE_CASCADE), COL("Version", STORE_VERSION),
	COL("Site", STORE_JSON), COL("Waves", STORE_JSON), DFLT("WaveInterval", STORE_INTEGER, "3600"),
	DFLT("SuccessThreshold", STORE_REAL, "95"), DFLT("ErrorThreshold", STORE_REAL, "5"),
	{ .name = "Status", .type = STORE_TEXT, .flags = STORE_INDEXED, .dflt = "Running" },
	DFLT("CurrentWave", STORE_INTEGER, "0"), COL("WaveStarted", STORE_TIMESTAMP),
	COL("Created", STORE_TIMESTAMP), COL("Progress", STORE_JSON),
};

/* One phone of a staged rollout (rollout.h): its wave, when it was
 * offered the version and updated, and what came of it (Pending, Offered,
 * Updated, Succeeded, Failed). Identity: <rollout>/<MAC>. */
static const struct store_column rollout_target_cols[] = {
	KEY("Identity"), REF("Rollout", "DeviceRollout", STORE_CASCADE),
	COLF("MacAddress", STORE_TEXT, STORE_INDEXED), COL("Wave", STORE_INTEGER),
	COLF("Outcome", STORE_TEXT, STORE_INDEXED), COL("Offered", STORE_TIMESTAMP),
	COL("Updated", STORE_TIMESTAMP), COL("Reason", STORE_TEXT),
};

/* A live binding. Identity is chosen by the registrar (one per AOR and
 * contact); User is the address of record. */
static const struct store_column registration_cols[] = {
	KEY("Identity"), COLF("User", STORE_TEXT, STORE_INDEXED), COLF("Contact", STORE_TEXT, STORE_CASE),
	COLF("Expires", STORE_TIMESTAMP, STORE_INDEXED), COL("Transport", STORE_TEXT),
	COL("Source", STORE_TEXT), COL("UserAgent", STORE_TEXT), COLF("Phone", STORE_TEXT, STORE_INDEXED),
	COLF("CallId", STORE_TEXT, STORE_CASE), COL("CSeq", STORE_INTEGER), COL("Instance", STORE_TEXT),
	COL("RegId", STORE_INTEGER), COL("Node", STORE_TEXT), COL("Registered", STORE_TIMESTAMP),
};

static const struct store_column admin_cols[] = {
	KEY("Name"), COLF("Role", STORE_TEXT, STORE_REQUIRED), COLF("PublicKey", STORE_TEXT, STORE_CASE),
	COL("Description", STORE_TEXT),
	/* a disabled administrator keeps the account but cannot sign in */
	{ .name = "Enabled", .type = STORE_BOOLEAN, .dflt = "true", .since = 2 },
};

static const struct store_column audit_cols[] = {
	{ .name = "Id", .type = STORE_INTEGER, .flags = STORE_KEY | STORE_AUTO },
	COLF("Time", STORE_TIMESTAMP, STORE_INDEXED), COL("Administrator", STORE_TEXT),
	COL("Source", STORE_TEXT), COLF("Command", STORE_TEXT, STORE_CASE), COL("Outcome", STORE_TEXT),
	COL("Message", STORE_TEXT),
	/* the cmdlet the row is about, for Get-CsAuditLog -Cmdlet */
	{ .name = "Cmdlet", .type = STORE_TEXT, .flags = STORE_INDEXED, .since = 2 },
};

static const struct store_column certificate_cols[] = {
	KEY("Identity"), COLF("Use", STORE_TEXT, STORE_INDEXED), COL("Subject", STORE_TEXT),
	COL("Issuer", STORE_TEXT), COL("SerialNumber", STORE_TEXT),
	COLF("Thumbprint", STORE_TEXT, STORE_INDEXED), COL("NotBefore", STORE_TIMESTAMP),
	COL("NotAfter", STORE_TIMESTAMP), COL("AlternativeNames", STORE_JSON),
	COLF("CertificatePem", STORE_TEXT, STORE_CASE),
	COLF("PrivateKeyPem", STORE_TEXT, STORE_SECRET | STORE_CASE),
	{ .name = "Revoked", .type = STORE_TIMESTAMP, .since = 3 }, /* listed in the CRL */
};

static const struct store_kind kinds[] = {
	KIND("Site", "site", site_cols),
	KIND("Pool", "pool", pool_cols),
	KIND("RegistrarConfiguration", "registrar_configuration", registrar_cols),
	KIND("PinPolicy", "pin_policy", pin_policy_cols),
	KIND("User", "user", user_cols),
	KIND("CommonAreaPhone", "common_area_phone", cap_cols),
	KIND("ClientPin", "client_pin", client_pin_cols, .owners = client_pin_owners),
	KIND("UCPhoneConfiguration", "uc_phone_configuration", ucphone_cols),
	KIND("PhoneModel", "phone_model", phone_model_cols),
	KIND("Phone", "phone", phone_cols),
	KIND("TestDevice", "test_device", test_device_cols),
	KIND("DeviceUpdateConfiguration", "device_update_configuration", dev_update_config_cols),
	KIND("DeviceUpdateRule", "device_update_rule", dev_update_rule_cols),
	KIND("DeviceUpdateImage", "device_update_image", dev_update_image_cols),
	KIND("DeviceUpdateLog", "device_update_log", dev_update_log_cols),
	KIND("DeviceRollout", "device_rollout", rollout_cols),
	KIND("Registration", "registration", registration_cols),
	KIND("Administrator", "administrator", admin_cols),
	KIND("AuditLog", "audit_log", audit_cols),
	KIND("Certificate", "certificate", certificate_cols),
	KIND("DeviceRolloutTarget", "device_rollout_target", rollout_target_cols, .since = 2),
};

/* The change counters keep one bit per kind in a uint64_t. */
_Static_assert(UCSH_ARRAY_LEN(kinds) < 64, "too many kinds for the change mask");

#define SCHEMA_LATEST 3

size_t store_kind_count(void)
{
	return UCSH_ARRAY_LEN(kinds);
}

const struct store_kind *store_kind_at(size_t i)
{
	return i < UCSH_ARRAY_LEN(kinds) ? &kinds[i] : NULL;
}

size_t store_kind_index(const struct store_kind *k)
{
	return (size_t)(k - kinds);
}

const struct store_kind *store_kind_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < UCSH_ARRAY_LEN(kinds); i++)
		if (strcasecmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

static int column_index(const struct store_kind *k, const char *name)
{
	/* Exact spelling first: objects from the store and from cmdlets use it. */
	for (size_t i = 0; i < k->ncolumns; i++)
		if (strcmp(k->columns[i].name, name) == 0)
			return (int)i;
	for (size_t i = 0; i < k->ncolumns; i++)
		if (strcasecmp(k->columns[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct store_column *store_column_find(const struct store_kind *k, const char *name)
{
	int i = k && name ? column_index(k, name) : -1;
	return i < 0 ? NULL : &k->columns[i];
}

int store_schema_latest(void)
{
	return SCHEMA_LATEST;
}

/* ---- Errors ----------------------------------------------------------- */

int store_fail(struct store *st, enum store_error code, int column)
{
	if (st) {
		st->fail.code = code;
		st->fail.column = column;
	}
	return -1;
}

enum store_error store_last_error(const struct store *st)
{
	return st ? st->fail.code : STORE_E_NONE;
}

static void call_start(struct store *st)
{
	st->fail.code = STORE_E_NONE;
	st->fail.column = -1;
}

static int invalid(struct store *st, struct ucsh_err *err, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int invalid(struct store *st, struct ucsh_err *err, const char *hint, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
	}
	return store_fail(st, STORE_E_INVALID, -1);
}

static const struct store_kind *kind_lookup(struct store *st, const char *name, struct ucsh_err *err)
{
	const struct store_kind *k = store_kind_find(name);
	if (!k)
		invalid(st, err, "the kinds are the nouns of the cmdlets: Phone, User, Pool, ...",
			"the store has no kind '%s'", name ? name : "(null)");
	return k;
}

/* A property value for an error message: short, and never a secret. */
static void describe_value(const struct store_column *c, const json_t *v, char *buf, size_t n)
{
	if (c->flags & STORE_SECRET) {
		snprintf(buf, n, "(secret)");
		return;
	}
	if (json_is_string(v)) {
		snprintf(buf, n, "'%.60s%s'", json_string_value(v),
			 json_string_length(v) > 60 ? "..." : "");
		return;
	}
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	snprintf(buf, n, "%.60s", s ? s : "?");
	free(s);
}

static void unknown_property(struct store *st, const struct store_kind *k, const char *name,
			     struct ucsh_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < k->ncolumns && sb.len < 200; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", k->columns[i].name);
	char hint[256];
	snprintf(hint, sizeof(hint), "%s has: %s", k->name, sb_str(&sb));
	sb_free(&sb);
	invalid(st, err, hint, "%s has no property '%.80s'", k->name, name);
}

/* ---- Timestamps ------------------------------------------------------- */

void store_timestamp(time_t t, char buf[STORE_TIMESTAMP_LEN])
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, STORE_TIMESTAMP_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, STORE_TIMESTAMP_LEN, "1970-01-01T00:00:00Z");
}

/* Read exactly n digits at *p into *out. */
static bool read_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* The time zone designator: Z, +HH:MM, +HHMM, -HH:MM; none means UTC. */
static bool read_zone(const char *p, long *offset)
{
	*offset = 0;
	if (*p == '\0' || ((*p == 'Z' || *p == 'z') && p[1] == '\0'))
		return true;
	if (*p != '+' && *p != '-')
		return false;
	int sign = *p++ == '-' ? -1 : 1, hh, mm = 0;
	if (!read_digits(&p, 2, &hh))
		return false;
	if (*p == ':')
		p++;
	if (*p && !read_digits(&p, 2, &mm))
		return false;
	if (*p || hh > 23 || mm > 59)
		return false;
	*offset = sign * (hh * 3600L + mm * 60L);
	return true;
}

int store_timestamp_parse(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (!s || !read_digits(&p, 4, &y) || *p++ != '-' || !read_digits(&p, 2, &mo) ||
	    *p++ != '-' || !read_digits(&p, 2, &d))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!read_digits(&p, 2, &h) || *p++ != ':' || !read_digits(&p, 2, &mi))
			return -1;
		if (*p == ':' && (p++, !read_digits(&p, 2, &sec)))
			return -1;
		if (*p == '.' || *p == ',')
			for (p++; isdigit((unsigned char)*p); p++)
				;
	}
	long offset;
	if (!read_zone(p, &offset) || y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	struct tm check;
	/* timegm normalises 31 February into March: refuse such dates. */
	if (!gmtime_r(&t, &check) || check.tm_mday != d || check.tm_mon != mo - 1)
		return -1;
	*out = t - offset;
	return 0;
}

/* ---- Converting values ------------------------------------------------ */

void store_cell_clear(struct store_cell *c)
{
	free(c->owned);
	memset(c, 0, sizeof(*c));
}

static void row_free(struct store_row *row)
{
	for (size_t i = 0; row->kind && i < row->kind->ncolumns; i++)
		if (row->cells[i].owned)
			store_cell_clear(&row->cells[i]);
}

static bool parse_integer(const char *s, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || errno)
		return false;
	*out = v;
	return true;
}

static bool parse_real(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool parse_boolean(const char *s, long long *out)
{
	static const char *const yes[] = { "true", "$true", "1", "yes" };
	static const char *const no[] = { "false", "$false", "0", "no" };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, true;
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, true;
	}
	return false;
}

static int to_integer(const json_t *v, struct store_cell *c)
{
	if (json_is_integer(v))
		c->i = json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
		 fabs(json_real_value(v)) < 9e18)
		c->i = (long long)json_real_value(v);
	else if (!json_is_string(v) || !parse_integer(json_string_value(v), &c->i))
		return -1;
	return 0;
}

static int to_real(const json_t *v, struct store_cell *c)
{
	if (json_is_number(v))
		c->r = json_number_value(v);
	else if (!json_is_string(v) || !parse_real(json_string_value(v), &c->r))
		return -1;
	return 0;
}

static int to_boolean(const json_t *v, struct store_cell *c)
{
	if (json_is_boolean(v))
		c->i = json_is_true(v);
	else if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
		c->i = json_integer_value(v);
	else if (!json_is_string(v) || !parse_boolean(json_string_value(v), &c->i))
		return -1;
	return 0;
}

static int to_text(const json_t *v, struct store_cell *c)
{
	if (json_is_string(v)) {
		c->s = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(c->buf, sizeof(c->buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		c->s = c->buf;
	} else if (json_is_real(v)) {
		snprintf(c->buf, sizeof(c->buf), "%.15g", json_real_value(v));
		c->s = c->buf;
	} else {
		return -1;
	}
	return 0;
}

static int to_timestamp(const json_t *v, struct store_cell *c)
{
	time_t t;
	/* Unix seconds up to 9999-12-31T23:59:59Z. */
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 253402300799LL)
		t = (time_t)json_integer_value(v);
	else if (!json_is_string(v) || store_timestamp_parse(json_string_value(v), &t) < 0)
		return -1;
	store_timestamp(t, c->buf);
	c->s = c->buf;
	return 0;
}

/* Arrays and objects as compact JSON text; a plain value becomes [value]. */
static int to_json_text(const json_t *v, struct store_cell *c)
{
	json_t *parsed = NULL;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (s[0] == '[' || s[0] == '{') {
			parsed = json_loads(s, 0, NULL);
			if (!parsed)
				return -1;
			v = parsed;
		}
	}
	if (json_is_array(v) || json_is_object(v)) {
		c->owned = json_dumps(v, JSON_COMPACT);
	} else {
		json_t *arr = json_pack("[O]", v);
		c->owned = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
		json_decref(arr);
	}
	json_decref(parsed);
	c->s = c->owned;
	return c->owned ? 0 : -1;
}

static const char *type_expectation(enum store_type t)
{
	switch (t) {
	case STORE_TEXT: case STORE_VERSION: return "text";
	case STORE_INTEGER: return "a whole number";
	case STORE_REAL: return "a number";
	case STORE_BOOLEAN: return "$true or $false";
	case STORE_TIMESTAMP: return "a time like 2026-11-26T10:38:02Z";
	case STORE_JSON: return "a list";
	}
	return "a value";
}

/* Convert v into c as a value of type t (the column's, or text for json
 * filters). Fills err naming kind and property on failure. */
static int cell_convert(struct store *st, const struct store_kind *k, const struct store_column *col,
			enum store_type t, const json_t *v, struct store_cell *c, struct ucsh_err *err)
{
	memset(c, 0, sizeof(*c));
	if (!v || json_is_null(v) ||
	    (t != STORE_TEXT && json_is_string(v) && json_string_length(v) == 0)) {
		c->null = true;
		return 0;
	}
	int rc;
	switch (t) {
	case STORE_INTEGER: rc = to_integer(v, c); break;
	case STORE_REAL: rc = to_real(v, c); break;
	case STORE_BOOLEAN: rc = to_boolean(v, c); break;
	case STORE_TIMESTAMP: rc = to_timestamp(v, c); break;
	case STORE_JSON: rc = to_json_text(v, c); break;
	default: rc = to_text(v, c); break;
	}
	if (rc == 0)
		return 0;
	store_cell_clear(c);
	char what[96];
	describe_value(col, v, what, sizeof(what));
	return invalid(st, err, NULL, "%s property %s expects %s, not %s", k->name, col->name,
		       type_expectation(t), what);
}

/* Fill row from obj. Insert: the key must be there (unless assigned by the
 * store) and required properties set or defaulted. */
enum row_mode { ROW_INSERT, ROW_CHANGES };

static int row_check(struct store *st, const struct store_row *row, enum row_mode mode,
		     struct ucsh_err *err)
{
	const struct store_kind *k = row->kind;
	for (size_t i = 0; i < k->ncolumns; i++) {
		const struct store_column *c = &k->columns[i];
		bool present = row->mask & (1ull << i);
		bool null = !present || row->cells[i].null;
		bool must = (c->flags & (STORE_KEY | STORE_REQUIRED)) && !(c->flags & STORE_AUTO);
		if (!must || !null)
			continue;
		if (mode == ROW_CHANGES && !present)
			continue;
		if (mode == ROW_INSERT && !present && c->dflt)
			continue;
		return invalid(st, err, NULL, "a %s needs a %s", k->name, c->name);
	}
	if ((row->mask & 1) && !row->cells[0].null && row->cells[0].s && !row->cells[0].s[0])
		return invalid(st, err, NULL, "a %s's %s cannot be empty", k->name,
			       k->columns[0].name);
	return 0;
}

static int row_from_object(struct store *st, const struct store_kind *k, const json_t *obj,
			   enum row_mode mode, struct store_row *row, struct ucsh_err *err)
{
	memset(row, 0, sizeof(*row));
	row->kind = k;
	if (!json_is_object(obj))
		return invalid(st, err, NULL, "a %s must be given as an object", k->name);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		if (key[0] == '\x1f') /* the shell's hidden type name */
			continue;
		int i = column_index(k, key);
		if (i < 0) {
			unknown_property(st, k, key, err);
			goto fail;
		}
		if (row->mask & (1ull << i)) {
			invalid(st, err, NULL, "%s property %s is given twice", k->name,
				k->columns[i].name);
			goto fail;
		}
		const struct store_column *c = &k->columns[i];
		if (cell_convert(st, k, c, c->type, v, &row->cells[i], err) < 0)
			goto fail;
		row->mask |= 1ull << i;
	}
	if (row_check(st, row, mode, err) == 0)
		return 0;
fail:
	row_free(row);
	return -1;
}

/* A key given as text, converted for the key column. */
static int key_cell(struct store *st, const struct store_kind *k, const char *key,
		    struct store_cell *c, struct ucsh_err *err)
{
	if (!key || !key[0])
		return invalid(st, err, NULL, "no %s given to find the %s by", k->columns[0].name,
			       k->name);
	json_t *v = json_string(key);
	if (!v)
		return invalid(st, err, NULL, "the %s key is not valid UTF-8", k->name);
	int rc = cell_convert(st, k, &k->columns[0], k->columns[0].type, v, c, err);
	/* The cell may point into v: keep the text in the cell itself. */
	if (rc == 0 && c->s && c->s == json_string_value(v)) {
		c->owned = xstrdup(c->s);
		c->s = c->owned;
	}
	json_decref(v);
	return rc;
}

json_t *store_value_json(const struct store_column *c, bool null, long long i, double r,
			 const char *s)
{
	if (null)
		return json_null();
	json_t *v = NULL;
	switch (c->type) {
	case STORE_INTEGER: return json_integer(i);
	case STORE_BOOLEAN: return json_boolean(i != 0);
	case STORE_REAL: return json_real(r);
	case STORE_JSON:
		v = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
		break;
	default:
		break;
	}
	if (!v && s)
		v = json_string(s);
	return v ? v : json_null();
}

/* ---- Filters ---------------------------------------------------------- */

#define FILTER_MAX_CONDS 256
#define FILTER_MAX_DEPTH 8
#define FILTER_MAX_IN 1000

static void cond_clear(struct store_cond *c)
{
	for (size_t i = 0; i < c->nvals; i++)
		store_cell_clear(&c->vals[i]);
	free(c->vals);
	for (size_t i = 0; i < c->nkids; i++)
		cond_clear(&c->kids[i]);
	free(c->kids);
}

static void cond_free(struct store_cond *c)
{
	if (c) {
		cond_clear(c);
		free(c);
	}
}

/* Look a key up in a filter object whatever its case. */
static json_t *obj_get_ci(const json_t *obj, const char *name)
{
	const char *key;
	json_t *v;
	json_t *exact = json_object_get(obj, name);
	if (exact)
		return exact;
	json_object_foreach((json_t *)obj, key, v)
		if (strcasecmp(key, name) == 0)
			return v;
	return NULL;
}

static const struct { const char *name; enum store_op op; } op_names[] = {
	{ "eq", STORE_OP_EQ }, { "ne", STORE_OP_NE }, { "lt", STORE_OP_LT }, { "le", STORE_OP_LE },
	{ "gt", STORE_OP_GT }, { "ge", STORE_OP_GE }, { "like", STORE_OP_LIKE },
	{ "notlike", STORE_OP_NOTLIKE }, { "in", STORE_OP_IN }, { "notin", STORE_OP_NOTIN },
};

static int parse_op(const char *s, enum store_op *op)
{
	if (s && s[0] == '-')
		s++;
	for (size_t i = 0; s && i < UCSH_ARRAY_LEN(op_names); i++)
		if (strcasecmp(s, op_names[i].name) == 0)
			return *op = op_names[i].op, 0;
	return -1;
}

/*
 * PowerShell wildcard to an SQL LIKE pattern escaped with '\': * and ?
 * become % and _, a literal %, _ or \ is escaped, ` quotes the next
 * character. Sets ([a-z]) have no LIKE equivalent and are refused.
 */
static char *like_pattern(const char *w, bool *has_set)
{
	struct strbuf sb = STRBUF_INIT;
	*has_set = false;
	for (const char *p = w; *p; p++) {
		char c = *p;
		if (c == '`' && p[1]) {
			c = *++p;
		} else if (c == '*') {
			sb_addc(&sb, '%');
			continue;
		} else if (c == '?') {
			sb_addc(&sb, '_');
			continue;
		} else if (c == '[') {
			*has_set = true;
		}
		if (c == '%' || c == '_' || c == '\\')
			sb_addc(&sb, '\\');
		sb_addc(&sb, c);
	}
	return sb_detach(&sb);
}

struct filter_ctx {
	struct store *st;
	const struct store_kind *k;
	size_t budget;          /* conditions left */
	struct ucsh_err *err;
};

static int compile_cond(struct filter_ctx *fc, const json_t *j, struct store_cond *c, int depth);

static int compile_group(struct filter_ctx *fc, const json_t *arr, enum store_cond_type type,
			 struct store_cond *c, int depth)
{
	c->type = type;
	if (!json_is_array(arr))
		return invalid(fc->st, fc->err, NULL, "a filter group must be a list of conditions");
	c->nkids = json_array_size(arr);
	c->kids = xcalloc(c->nkids ? c->nkids : 1, sizeof(*c->kids));
	for (size_t i = 0; i < c->nkids; i++)
		if (compile_cond(fc, json_array_get(arr, i), &c->kids[i], depth + 1) < 0)
			return -1;
	return 0;
}

static int compile_values(struct filter_ctx *fc, struct store_cond *c, const json_t *value)
{
	const struct store_column *col = c->col;
	enum store_type t = col->type == STORE_JSON ? STORE_TEXT : col->type;
	bool list = c->op == STORE_OP_IN || c->op == STORE_OP_NOTIN;
	bool like = c->op == STORE_OP_LIKE || c->op == STORE_OP_NOTLIKE;
	size_t n = list ? (json_is_array(value) ? json_array_size(value) : 1) : 1;
	if (n > FILTER_MAX_IN)
		return invalid(fc->st, fc->err, "split the list, or filter in the pipeline",
			       "filter on %s: more than %d values in an 'in' list", col->name,
			       FILTER_MAX_IN);
	c->vals = xcalloc(n ? n : 1, sizeof(*c->vals));
	for (size_t i = 0; i < n; i++) {
		const json_t *v = list && json_is_array(value) ? json_array_get(value, i) : value;
		if (like && !json_is_string(v) && !json_is_number(v))
			return invalid(fc->st, fc->err, NULL,
				       "filter on %s: -like needs a text pattern", col->name);
		if (cell_convert(fc->st, fc->k, col, like ? STORE_TEXT : t, v, &c->vals[i],
				 fc->err) < 0)
			return -1;
		c->nvals++;
		bool null_ok = !list && (c->op == STORE_OP_EQ || c->op == STORE_OP_NE);
		if (c->vals[i].null && !null_ok)
			return invalid(fc->st, fc->err, "only eq and ne compare with $null",
				       "filter on %s: the value is missing or null", col->name);
	}
	if (like) {
		bool has_set;
		char *pat = like_pattern(c->vals[0].s, &has_set);
		store_cell_clear(&c->vals[0]);
		c->vals[0].s = c->vals[0].owned = pat;
		if (has_set)
			return invalid(fc->st, fc->err,
				       "filter with Where-Object after getting the objects",
				       "filter on %s: wildcard sets like [a-z] are not supported "
				       "by the store", col->name);
	}
	return 0;
}

static int compile_leaf(struct filter_ctx *fc, const json_t *j, struct store_cond *c)
{
	json_t *prop = obj_get_ci(j, "Property"), *op = obj_get_ci(j, "Op");
	c->type = STORE_COND_LEAF;
	if (!json_is_string(prop))
		return invalid(fc->st, fc->err, "write {\"Property\":..., \"Op\":..., \"Value\":...}",
			       "a filter condition needs a Property");
	int i = column_index(fc->k, json_string_value(prop));
	if (i < 0) {
		unknown_property(fc->st, fc->k, json_string_value(prop), fc->err);
		return -1;
	}
	c->col = &fc->k->columns[i];
	c->colidx = (size_t)i;
	if (parse_op(json_string_value(op), &c->op) < 0)
		return invalid(fc->st, fc->err, "use eq, ne, lt, le, gt, ge, like, notlike, in or notin",
			       "filter on %s: unknown operator '%.20s'", c->col->name,
			       json_is_string(op) ? json_string_value(op) : "(none)");
	return compile_values(fc, c, obj_get_ci(j, "Value"));
}

static int compile_cond(struct filter_ctx *fc, const json_t *j, struct store_cond *c, int depth)
{
	if (depth > FILTER_MAX_DEPTH || fc->budget == 0)
		return invalid(fc->st, fc->err, "simplify the filter",
			       "the filter is too large (at most %d conditions, %d levels)",
			       FILTER_MAX_CONDS, FILTER_MAX_DEPTH);
	fc->budget--;
	if (!json_is_object(j))
		return invalid(fc->st, fc->err, NULL, "a filter condition must be an object");
	json_t *g;
	if ((g = obj_get_ci(j, "And")))
		return compile_group(fc, g, STORE_COND_AND, c, depth);
	if ((g = obj_get_ci(j, "Or")))
		return compile_group(fc, g, STORE_COND_OR, c, depth);
	if ((g = obj_get_ci(j, "Not"))) {
		c->type = STORE_COND_NOT;
		c->nkids = 1;
		c->kids = xcalloc(1, sizeof(*c->kids));
		return compile_cond(fc, g, &c->kids[0], depth + 1);
	}
	return compile_leaf(fc, j, c);
}

/* filter (NULL, an array, or one condition object) to *out (NULL: all). */
static int compile_filter(struct store *st, const struct store_kind *k, const json_t *filter,
			  struct store_cond **out, struct ucsh_err *err)
{
	*out = NULL;
	if (!filter || json_is_null(filter) || (json_is_array(filter) && !json_array_size(filter)))
		return 0;
	struct filter_ctx fc = { st, k, FILTER_MAX_CONDS, err };
	struct store_cond *c = xcalloc(1, sizeof(*c));
	int rc = json_is_array(filter) ? compile_group(&fc, filter, STORE_COND_AND, c, 0)
				       : compile_cond(&fc, filter, c, 0);
	if (rc < 0) {
		cond_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

/* ---- Selections ------------------------------------------------------- */

static int build_select(struct store *st, const struct store_kind *k, const json_t *filter,
			const struct store_query_opts *opts, struct store_select *sel,
			struct ucsh_err *err)
{
	memset(sel, 0, sizeof(*sel));
	sel->kind = k;
	sel->sort = -1;
	if (opts && opts->sort) {
		sel->sort = column_index(k, opts->sort);
		if (sel->sort < 0) {
			unknown_property(st, k, opts->sort, err);
			return -1;
		}
	}
	if (opts) {
		if (opts->limit < 0 || opts->offset < 0)
			return invalid(st, err, NULL, "a query's limit and offset cannot be negative");
		sel->descending = opts->descending;
		sel->limit = opts->limit;
		sel->offset = opts->offset;
	}
	return compile_filter(st, k, filter, &sel->where, err);
}

/* The selection of one object by key; kc and cond belong to the caller. */
static int key_select(struct store *st, const struct store_kind *k, const char *key,
		      struct store_cell *kc, struct store_cond *cond, struct store_select *sel,
		      struct ucsh_err *err)
{
	if (key_cell(st, k, key, kc, err) < 0)
		return -1;
	memset(cond, 0, sizeof(*cond));
	cond->type = STORE_COND_LEAF;
	cond->col = &k->columns[0];
	cond->op = STORE_OP_EQ;
	cond->vals = kc;
	cond->nvals = 1;
	memset(sel, 0, sizeof(*sel));
	sel->kind = k;
	sel->where = cond;
	sel->sort = -1;
	sel->limit = 1;
	return 0;
}

/* Whether an object of kind k with key value c exists (errors count as yes,
 * so that an explanation never invents a missing object). */
static bool key_exists(struct store *st, const struct store_kind *k, const struct store_column *col,
		       const struct store_cell *c, long long *n)
{
	struct store_cond cond = { .type = STORE_COND_LEAF, .col = col,
				   .colidx = (size_t)(col - k->columns), .op = STORE_OP_EQ,
				   .vals = (struct store_cell *)c, .nvals = 1 };
	struct store_select sel = { .kind = k, .where = &cond, .sort = -1 };
	struct ucsh_err scratch;
	*n = 1;
	return st->ops->count(st, &sel, n, &scratch) < 0 || *n > 0;
}

static void cell_text(const struct store_cell *c, char *buf, size_t n)
{
	if (c->s)
		snprintf(buf, n, "%.100s", c->s);
	else
		snprintf(buf, n, "%lld", c->i);
}

/* ---- Wording write failures ------------------------------------------- */

static void explain_duplicate(struct store *st, const struct store_row *row, struct ucsh_err *err)
{
	const struct store_kind *k = row->kind;
	int col = st->fail.column;
	char key[128] = "", val[128] = "";
	if (row->mask & 1)
		cell_text(&row->cells[0], key, sizeof(key));
	if (col <= 0) {
		err_set(err, "%s '%s' already exists", k->name, key);
		err_hint(err, "change the existing one instead, or remove it first");
		return;
	}
	const struct store_column *c = &k->columns[col];
	cell_text(&row->cells[col], val, sizeof(val));
	err_set(err, "another %s already has %s '%s'", k->name, c->name,
		c->flags & STORE_SECRET ? "(secret)" : val);
	err_hint(err, "each %s's %s must be different", k->name, c->name);
}

static void explain_missing_reference(struct store *st, const struct store_row *row,
				      struct ucsh_err *err)
{
	const struct store_kind *k = row->kind;
	for (size_t i = 0; i < k->ncolumns; i++) {
		const struct store_column *c = &k->columns[i];
		const struct store_kind *parent = store_kind_find(c->ref);
		long long n;
		if (!parent || !(row->mask & (1ull << i)) || row->cells[i].null ||
		    key_exists(st, parent, &parent->columns[0], &row->cells[i], &n))
			continue;
		char val[128];
		cell_text(&row->cells[i], val, sizeof(val));
		err_set(err, "%s %s: %s '%s' does not exist", k->name, c->name, parent->name, val);
		err_hint(err, "create the %s first, or give an existing one", parent->name);
		return;
	}
	err_set(err, "%s refers to an object that does not exist", k->name);
}

static void explain_in_use(struct store *st, const struct store_kind *k, const struct store_cell *kc,
			   struct ucsh_err *err)
{
	char key[128];
	cell_text(kc, key, sizeof(key));
	for (size_t i = 0; i < UCSH_ARRAY_LEN(kinds); i++) {
		const struct store_kind *child = &kinds[i];
		for (size_t j = 0; j < child->ncolumns; j++) {
			const struct store_column *c = &child->columns[j];
			long long n;
			if (!c->ref || strcmp(c->ref, k->name) || c->on_delete != STORE_RESTRICT ||
			    !key_exists(st, child, c, kc, &n))
				continue;
			err_set(err, "cannot remove %s '%s': %lld %s object%s still refer%s to it (%s)",
				k->name, key, n, child->name, n == 1 ? "" : "s", n == 1 ? "s" : "",
				c->name);
			err_hint(err, "remove those or point them elsewhere first");
			return;
		}
	}
	err_set(err, "cannot remove %s '%s': other objects still refer to it", k->name, key);
}

static void explain_write_failure(struct store *st, const struct store_row *row,
				  struct ucsh_err *err)
{
	if (st->fail.code == STORE_E_DUPLICATE)
		explain_duplicate(st, row, err);
	else if (st->fail.code == STORE_E_REFERENCE)
		explain_missing_reference(st, row, err);
}

/* ---- Transactions ----------------------------------------------------- */

static int txn_begin(struct store *st, struct ucsh_err *err)
{
	if (st->depth >= STORE_MAX_DEPTH)
		return invalid(st, err, "commit or roll back the open ones first",
			       "too many nested transactions (at most %d)", STORE_MAX_DEPTH);
	if (st->ops->begin(st, st->depth, err) < 0)
		return -1;
	if (st->depth == 0)
		st->bumped = 0;
	st->bumped_at[st->depth++] = st->bumped;
	return 0;
}

static int txn_rollback(struct store *st, struct ucsh_err *err)
{
	if (st->depth == 0)
		return invalid(st, err, NULL, "there is no transaction to roll back");
	int rc = st->ops->rollback(st, st->depth - 1, err);
	st->bumped = st->bumped_at[--st->depth];
	return rc;
}

static int txn_commit(struct store *st, struct ucsh_err *err)
{
	if (st->depth == 0)
		return invalid(st, err, NULL, "there is no transaction to commit");
	if (st->ops->commit(st, st->depth - 1, err) < 0) {
		/* A failed final commit leaves nothing written; say so by
		 * closing the transaction rather than leaving it half-open. */
		if (st->depth == 1) {
			struct ucsh_err scratch;
			txn_rollback(st, &scratch);
		}
		return -1;
	}
	st->depth--;
	return 0;
}

int store_begin(struct store *st, struct ucsh_err *err)
{
	call_start(st);
	return txn_begin(st, err);
}

int store_commit(struct store *st, struct ucsh_err *err)
{
	call_start(st);
	return txn_commit(st, err);
}

int store_rollback(struct store *st, struct ucsh_err *err)
{
	call_start(st);
	return txn_rollback(st, err);
}

int store_transaction_depth(const struct store *st)
{
	return st->depth;
}

/* A write outside a transaction is a transaction of its own. */
static int write_begin(struct store *st, bool *implicit, struct ucsh_err *err)
{
	*implicit = st->depth == 0;
	return *implicit ? txn_begin(st, err) : 0;
}

/* Bump kind k's change counter once per transaction that changed it, then
 * finish an implicit transaction: commit on success, else roll back. */
static int write_end(struct store *st, const struct store_kind *k, bool implicit, int rc,
		     bool changed, struct ucsh_err *err)
{
	uint64_t bit = 1ull << store_kind_index(k);
	if (rc >= 0 && changed && !(st->bumped & bit)) {
		if (st->ops->bump(st, k, err) < 0)
			rc = -1;
		else
			st->bumped |= bit;
	}
	if (!implicit)
		return rc;
	if (rc >= 0)
		return txn_commit(st, err) < 0 ? -1 : rc;
	struct ucsh_err scratch;
	enum store_error code = st->fail.code;
	txn_rollback(st, &scratch);
	st->fail.code = code;
	return rc;
}

/* ---- Objects ---------------------------------------------------------- */

int store_get(struct store *st, const char *kind, const char *key, json_t **out,
	      struct ucsh_err *err)
{
	call_start(st);
	*out = NULL;
	const struct store_kind *k = kind_lookup(st, kind, err);
	struct store_cell kc;
	struct store_cond cond;
	struct store_select sel;
	void *impl;
	if (!k || key_select(st, k, key, &kc, &cond, &sel, err) < 0)
		return -1;
	int rc = st->ops->query(st, &sel, &impl, err);
	if (rc == 0) {
		rc = st->ops->next(st, impl, out, err);
		st->ops->cursor_free(st, impl);
	}
	store_cell_clear(&kc);
	return rc;
}

static int insert_row(struct store *st, const char *kind, const json_t *obj, bool upsert,
		      struct ucsh_err *err)
{
	call_start(st);
	const struct store_kind *k = kind_lookup(st, kind, err);
	struct store_row row;
	bool implicit;
	if (!k || row_from_object(st, k, obj, ROW_INSERT, &row, err) < 0)
		return -1;
	int rc = write_begin(st, &implicit, err);
	if (rc == 0) {
		rc = st->ops->insert(st, &row, upsert, err);
		if (rc < 0)
			explain_write_failure(st, &row, err);
		rc = write_end(st, k, implicit, rc, true, err);
	}
	row_free(&row);
	return rc < 0 ? -1 : 0;
}

int store_insert(struct store *st, const char *kind, const json_t *obj, struct ucsh_err *err)
{
	return insert_row(st, kind, obj, false, err);
}

int store_upsert(struct store *st, const char *kind, const json_t *obj, struct ucsh_err *err)
{
	return insert_row(st, kind, obj, true, err);
}

int store_update(struct store *st, const char *kind, const char *key, const json_t *changes,
		 struct ucsh_err *err)
{
	call_start(st);
	const struct store_kind *k = kind_lookup(st, kind, err);
	struct store_cell kc;
	struct store_cond cond;
	struct store_select sel;
	struct store_row row;
	long long n = 0;
	bool implicit;
	if (!k || key_select(st, k, key, &kc, &cond, &sel, err) < 0)
		return -1;
	int rc = row_from_object(st, k, changes, ROW_CHANGES, &row, err);
	if (rc == 0 && row.mask == 0) {
		rc = st->ops->count(st, &sel, &n, err);
	} else if (rc == 0 && (rc = write_begin(st, &implicit, err)) == 0) {
		rc = st->ops->update(st, &sel, &row, &n, err);
		if (rc < 0)
			explain_write_failure(st, &row, err);
		rc = write_end(st, k, implicit, rc, n > 0, err);
	}
	row_free(&row);
	store_cell_clear(&kc);
	return rc < 0 ? -1 : n > 0;
}

int store_delete(struct store *st, const char *kind, const char *key, struct ucsh_err *err)
{
	call_start(st);
	const struct store_kind *k = kind_lookup(st, kind, err);
	struct store_cell kc;
	struct store_cond cond;
	struct store_select sel;
	long long n = 0;
	bool implicit;
	if (!k || key_select(st, k, key, &kc, &cond, &sel, err) < 0)
		return -1;
	sel.limit = 0;
	int rc = write_begin(st, &implicit, err);
	if (rc == 0) {
		rc = st->ops->remove(st, &sel, &n, err);
		if (rc < 0 && st->fail.code == STORE_E_REFERENCE)
			explain_in_use(st, k, &kc, err);
		rc = write_end(st, k, implicit, rc, n > 0, err);
	}
	store_cell_clear(&kc);
	return rc < 0 ? -1 : n > 0;
}

/* ---- Queries ---------------------------------------------------------- */

struct store_cursor {
	struct store *st;
	void *impl;
};

int store_query(struct store *st, const char *kind, const json_t *filter,
		const struct store_query_opts *opts, struct store_cursor **out,
		struct ucsh_err *err)
{
	call_start(st);
	*out = NULL;
	const struct store_kind *k = kind_lookup(st, kind, err);
	struct store_select sel;
	void *impl;
	if (!k || build_select(st, k, filter, opts, &sel, err) < 0)
		return -1;
	int rc = st->ops->query(st, &sel, &impl, err);
	cond_free(sel.where);
	if (rc < 0)
		return -1;
	*out = xcalloc(1, sizeof(**out));
	(*out)->st = st;
	(*out)->impl = impl;
	return 0;
}

int store_cursor_next(struct store_cursor *c, json_t **out, struct ucsh_err *err)
{
	*out = NULL;
	call_start(c->st);
	return c->st->ops->next(c->st, c->impl, out, err);
}

void store_cursor_free(struct store_cursor *c)
{
	if (!c)
		return;
	c->st->ops->cursor_free(c->st, c->impl);
	free(c);
}

int store_count(struct store *st, const char *kind, const json_t *filter, long long *n,
		struct ucsh_err *err)
{
	call_start(st);
	*n = 0;
	const struct store_kind *k = kind_lookup(st, kind, err);
	struct store_select sel;
	if (!k || build_select(st, k, filter, NULL, &sel, err) < 0)
		return -1;
	int rc = st->ops->count(st, &sel, n, err);
	cond_free(sel.where);
	return rc;
}

int store_delete_where(struct store *st, const char *kind, const json_t *filter, long long *n,
		       struct ucsh_err *err)
{
	call_start(st);
	*n = 0;
	const struct store_kind *k = kind_lookup(st, kind, err);
	struct store_select sel;
	bool implicit;
	if (!k || build_select(st, k, filter, NULL, &sel, err) < 0)
		return -1;
	int rc = write_begin(st, &implicit, err);
	if (rc == 0) {
		rc = st->ops->remove(st, &sel, n, err);
		if (rc < 0 && st->fail.code == STORE_E_REFERENCE)
			err_hint(err, "remove the objects that refer to them first");
		rc = write_end(st, k, implicit, rc, *n > 0, err);
	}
	cond_free(sel.where);
	return rc < 0 ? -1 : 0;
}

int store_changes(struct store *st, const char *kind, long long *seq, struct ucsh_err *err)
{
	call_start(st);
	*seq = 0;
	const struct store_kind *k = NULL;
	if (kind && !(k = kind_lookup(st, kind, err)))
		return -1;
	return st->ops->changes(st, k, seq, err);
}

/* ---- A pool of nodes --------------------------------------------------- */

/* The pool calls need no transaction of the caller's, and must not run in
 * one: their effect would be undone with it. */
static int pool_call_start(struct store *st, const char *what, struct ucsh_err *err)
{
	call_start(st);
	if (st->depth == 0)
		return 0;
	return invalid(st, err, "call it outside the transaction", "%s inside a transaction", what);
}

int store_watch_fd(struct store *st, struct ucsh_err *err)
{
	call_start(st);
	return st->ops->watch_fd ? st->ops->watch_fd(st, err) : -2;
}

int store_watch_drain(struct store *st, struct ucsh_err *err)
{
	call_start(st);
	return st->ops->watch_drain ? st->ops->watch_drain(st, err) : 0;
}

int store_job_lease(struct store *st, const char *job, const char *node, int seconds, bool *held,
		    struct ucsh_err *err)
{
	*held = false;
	if (pool_call_start(st, "a job lease", err) < 0)
		return -1;
	if (!job || !*job || !node || !*node || seconds < 1 || seconds > 86400)
		return invalid(st, err, NULL, "a job lease needs a job, a node and 1 to 86400 seconds");
	if (!st->ops->lease)
		return *held = true, 0;
	return st->ops->lease(st, job, node, seconds, held, err);
}

int store_job_release(struct store *st, const char *job, const char *node, struct ucsh_err *err)
{
	if (pool_call_start(st, "a job lease", err) < 0)
		return -1;
	return st->ops->release && job && node ? st->ops->release(st, job, node, err) : 0;
}

int store_pool_secret(struct store *st, const char *name, unsigned char *buf, size_t len,
		      struct ucsh_err *err)
{
	if (pool_call_start(st, "a pool secret", err) < 0)
		return -1;
	if (!name || !*name || len == 0 || len > 64)
		return invalid(st, err, NULL, "a pool secret needs a name and 1 to 64 bytes");
	if (!st->ops->secret)
		return 0;
	return st->ops->secret(st, name, buf, len, err) < 0 ? -1 : 1;
}

int store_node_report(struct store *st, const char *node, const json_t *status,
		      struct ucsh_err *err)
{
	if (pool_call_start(st, "a node report", err) < 0)
		return -1;
	if (!node || !*node)
		return invalid(st, err, NULL, "a node report needs the node's name");
	if (!st->ops->node_report)
		return 0;
	char *text = status ? json_dumps(status, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (status && !text)
		return invalid(st, err, NULL, "the node's status cannot be written as JSON");
	int rc = st->ops->node_report(st, node, text, err);
	free(text);
	return rc;
}

int store_node_reports(struct store *st, int max_age, json_t **out, struct ucsh_err *err)
{
	*out = NULL;
	if (pool_call_start(st, "reading node reports", err) < 0)
		return -1;
	if (!st->ops->node_reports)
		return *out = json_array(), 0;
	return st->ops->node_reports(st, max_age, out, err);
}

/* ---- First start: the defaults a new user works with ------------------ */

/*
 * The pool is named after this machine: its FQDN when it has one (or
 * $UCSH_POOL_FQDN, so that tests and scripted installs can choose), else
 * pool.ucsh.local. The SIP domain is the FQDN less its host label when
 * that still has a dot, else ucsh.local.
 */
static void pool_fqdn(char *out, size_t n)
{
	const char *env = getenv("UCSH_POOL_FQDN");
	char host[256] = "";
	if (env && *env) {
		snprintf(out, n, "%s", env);
		return;
	}
	if (gethostname(host, sizeof(host) - 1) == 0 && !strchr(host, '.')) {
		struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *res = NULL;
		if (getaddrinfo(host, NULL, &hints, &res) == 0 && res && res->ai_canonname)
			snprintf(host, sizeof(host), "%s", res->ai_canonname);
		if (res)
			freeaddrinfo(res);
	}
	bool usable = strchr(host, '.') && strncasecmp(host, "localhost", 9) != 0;
	snprintf(out, n, "%s", usable ? host : "pool.ucsh.local");
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

static const char *sip_domain_of(const char *fqdn)
{
	const char *dot = strchr(fqdn, '.');
	return dot && strchr(dot + 1, '.') ? dot + 1 : "ucsh.local";
}

static int seed(struct store *st, const char *kind, json_t *obj, struct ucsh_err *err)
{
	int rc = obj ? store_insert(st, kind, obj, err) : err_set(err, "out of memory");
	json_decref(obj);
	return rc;
}

static int seed_models(struct store *st, struct ucsh_err *err)
{
	static const struct { const char *brand, *model, *type; bool lpe; } models[] = {
		{ "Aastra", "6721ip", "CommonArea", true }, { "Aastra", "6725ip", "Desk", true },
		{ "HP", "4110", "CommonArea", true }, { "HP", "4120", "Desk", true },
		{ "Polycom", "CX500", "CommonArea", true }, { "Polycom", "CX600", "Desk", true },
		{ "Polycom", "CX700", "Desk", false }, { "Polycom", "CX3000", "Conference", true },
	};
	for (size_t i = 0; i < UCSH_ARRAY_LEN(models); i++) {
		char id[64];
		snprintf(id, sizeof(id), "%s/%s", models[i].brand, models[i].model);
		if (seed(st, "PhoneModel", json_pack("{s:s, s:s, s:s, s:s, s:b}", "Identity", id,
			 "Brand", models[i].brand, "Model", models[i].model, "DeviceType",
			 models[i].type, "RunsLyncPhoneEdition", models[i].lpe), err) < 0)
			return -1;
	}
	return 0;
}

static int seed_defaults(struct store *st, struct ucsh_err *err)
{
	char fqdn[256];
	pool_fqdn(fqdn, sizeof(fqdn));
	if (seed(st, "Site", json_pack("{s:s, s:s, s:s}", "Identity", "Site:Default",
		 "DisplayName", "Default", "Description", "Created by ucsh on first start"), err) ||
	    seed(st, "Pool", json_pack("{s:s, s:s, s:[s], s:s, s:s}", "Identity", fqdn,
		 "Site", "Site:Default", "SipDomain", sip_domain_of(fqdn), "InternalWebFqdn", fqdn,
		 "ExternalWebFqdn", fqdn), err) ||
	    seed(st, "RegistrarConfiguration", json_pack("{s:s}", "Identity", "Global"), err) ||
	    seed(st, "PinPolicy", json_pack("{s:s, s:i, s:i, s:i, s:i, s:b}", "Identity", "Global",
		 "MinPasswordLength", 5, "MaximumLogonAttempts", 10, "PINHistoryCount", 5,
		 "PINLifetime", 0, "AllowCommonPatterns", 0), err) ||
	    seed(st, "UCPhoneConfiguration", json_pack("{s:s}", "Identity", "Global"), err) ||
	    seed(st, "DeviceUpdateConfiguration", json_pack("{s:s, s:[ss], s:[sssssssssss]}",
		 "Identity", "Global", "ValidLogFileTypes", "Watson", "CELog",
		 "ValidLogFileExtensions", ".dmp", ".clg", ".clg2", ".bak", ".kdmp", ".dat", ".bin",
		 ".cat", ".xml", ".txt", ".hex"), err))
		return -1;
	return seed_models(st, err);
}

/* ---- Migrations ------------------------------------------------------- */

/* What each schema version adds beyond the tables the back end derives
 * from the schema table: data. */
typedef int (*migration_data_fn)(struct store *st, struct ucsh_err *err);
static const migration_data_fn migration_data[SCHEMA_LATEST + 1] = {
	[1] = seed_defaults,
};

static int migrate_one(struct store *st, int v, struct ucsh_err *err)
{
	if (txn_begin(st, err) < 0)
		return -1;
	int cur = 0;
	/* Another process may have migrated while this one waited for the lock. */
	int rc = st->ops->schema_version(st, &cur, err);
	if (rc == 0 && cur < v) {
		rc = st->ops->migrate(st, v, err);
		if (rc == 0 && migration_data[v])
			rc = migration_data[v](st, err);
	}
	if (rc == 0)
		return txn_commit(st, err);
	struct ucsh_err scratch;
	txn_rollback(st, &scratch);
	return -1;
}

static int migrate_all(struct store *st, struct ucsh_err *err)
{
	int v;
	if (st->ops->schema_version(st, &v, err) < 0)
		return -1;
	if (v > SCHEMA_LATEST) {
		err_set(err, "the store %s has schema version %d; this ucsh knows up to %d",
			st->uri, v, SCHEMA_LATEST);
		err_hint(err, "upgrade ucsh, or open another store with --store");
		return store_fail(st, STORE_E_INVALID, -1);
	}
	for (int n = v + 1; n <= SCHEMA_LATEST; n++) {
		if (migrate_one(st, n, err) == 0)
			continue;
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		snprintf(err->msg, sizeof(err->msg), "updating the store to schema %d: %.460s", n, msg);
		return -1;
	}
	return 0;
}

int store_schema_version(struct store *st, int *version, struct ucsh_err *err)
{
	call_start(st);
	return st->ops->schema_version(st, version, err);
}

/* ---- Opening ---------------------------------------------------------- */

const char *store_default_uri(void)
{
	static char buf[PATH_MAX + 64];
	const char *env = getenv("UCSH_STORE");
	if (env && *env)
		return env;
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && xdg[0] == '/') { /* the XDG spec ignores relative values */
		snprintf(buf, sizeof(buf), "sqlite://%s/ucsh/ucsh.db", xdg);
		return buf;
	}
	const char *home = getenv("HOME");
	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(getuid());
		home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
	}
	if (home)
		snprintf(buf, sizeof(buf), "sqlite://%s/.local/share/ucsh/ucsh.db", home);
	else
		snprintf(buf, sizeof(buf), "sqlite://ucsh.db");
	return buf;
}

/* Split uri into a back end and its target (caller frees *target). */
static int parse_uri(struct store *st, const char *uri, const struct store_ops **ops, char **target,
		     struct ucsh_err *err)
{
	const char *rest = uri;
	if (strncasecmp(uri, "sqlite://", 9) == 0)
		rest = uri + 9;
	else if (strncasecmp(uri, "sqlite:", 7) == 0)
		rest = uri + 7;
	else if (strncasecmp(uri, "postgresql://", 13) == 0 || strncasecmp(uri, "postgres://", 11) == 0)
		return *ops = &store_pg_ops, *target = xstrdup(uri), 0;
	else if (strstr(uri, "://"))
		return invalid(st, err, "use sqlite:///path/to/file.db or a plain path",
			       "unknown store URI '%.100s'", uri);
	if (!*rest)
		return invalid(st, err, "use sqlite:///path/to/file.db or a plain path",
			       "the store URI '%.100s' names no file", uri);
	*ops = &store_sqlite_ops;
	*target = xstrdup(rest);
	return 0;
}

/* Create the missing directories above path, private to this user. */
static int make_parents(struct store *st, const char *path, struct ucsh_err *err)
{
	char *buf = xstrdup(path);
	int rc = 0;
	for (char *p = strchr(buf + 1, '/'); p && rc == 0; p = strchr(p + 1, '/')) {
		*p = '\0';
		struct stat sb;
		if (stat(buf, &sb) < 0 && mkdir(buf, 0700) < 0 && errno != EEXIST) {
			err_set(err, "cannot create the store's directory %s: %s", buf, strerror(errno));
			err_hint(err, "choose another place with --store or UCSH_STORE");
			rc = store_fail(st, STORE_E_IO, -1);
		}
		*p = '/';
	}
	free(buf);
	return rc;
}

/* A new store file is created 0600 before the database engine sees it:
 * it holds PIN verifiers and digest HA1s. An existing file is left as is. */
static int prepare_file(struct store *st, const char *path, struct ucsh_err *err)
{
	struct stat sb;
	if (strcmp(path, ":memory:") == 0 || stat(path, &sb) == 0)
		return 0;
	if (make_parents(st, path, err) < 0)
		return -1;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST) {
		err_set(err, "cannot create the store %s: %s", path, strerror(errno));
		err_hint(err, "choose another place with --store or UCSH_STORE");
		return store_fail(st, STORE_E_IO, -1);
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

static int busy_timeout_from_env(void)
{
	const char *s = getenv("UCSH_STORE_BUSY_TIMEOUT_MS");
	long long ms;
	if (s && parse_integer(s, &ms) && ms >= 0 && ms <= 600000)
		return (int)ms;
	return 5000;
}

struct store *store_open(const char *uri, struct ucsh_err *err)
{
	if (!uri || !*uri)
		uri = store_default_uri();
	struct store *st = xcalloc(1, sizeof(*st));
	char *target = NULL;
	st->uri = xstrdup(uri);
	st->busy_ms = busy_timeout_from_env();
	call_start(st);
	if (parse_uri(st, uri, &st->ops, &target, err) < 0 ||
	    (st->ops == &store_sqlite_ops && prepare_file(st, target, err) < 0) ||
	    st->ops->open(st, target, err) < 0) {
		free(target);
		free(st->uri);
		free(st);
		return NULL;
	}
	free(target);
	if (st->ops == &store_pg_ops) { /* store_uri() is for messages and logs */
		free(st->uri);
		st->uri = store_pg_redact(uri);
	}
	if (migrate_all(st, err) < 0) {
		store_close(st);
		return NULL;
	}
	return st;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	struct ucsh_err scratch;
	if (st->depth > 0)
		st->ops->rollback(st, 0, &scratch);
	st->ops->close(st);
	free(st->uri);
	free(st);
}

const char *store_uri(const struct store *st)
{
	return st->uri;
}

int store_busy_timeout(const struct store *st)
{
	return st->busy_ms;
}

void store_set_busy_timeout(struct store *st, int ms)
{
	st->busy_ms = ms < 0 ? 0 : ms;
	st->ops->set_busy_timeout(st, st->busy_ms);
}

char *store_dir(const char *uri)
{
	const char *path = str_iprefix("sqlite://", uri) ? uri + 9 : uri;
	const char *slash = strrchr(path, '/');
	if (!str_iprefix("postgresql://", uri) && !str_iprefix("postgres://", uri) &&
	    strcmp(path, ":memory:") != 0)
		return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	return xdg && *xdg ? xasprintf("%s/ucsh", xdg)
			   : xasprintf("%s/.local/share/ucsh", home ? home : "/tmp");
}
