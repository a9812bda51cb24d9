/*
 * dhcp: encoders for options 120 and 43 and their rendering as ISC dhcpd,
 * Kea and dnsmasq configuration (see dhcp.h). Every value is bounded by the
 * 255 bytes a DHCP option can hold; a name that does not fit is an error,
 * not a truncated option.
 */
#include "config.h"
#include "dhcp.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

/* Append name in DNS wire format (labels, then 0). -1 when it does not fit. */
static int put_name(const char *name, unsigned char *out, size_t *len)
{
	const char *p = name;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || *len + 1 + l > DHCP_OPTION_MAX)
			return -1;
		out[(*len)++] = (unsigned char)l;
		memcpy(out + *len, p, l);
		*len += l;
		p += l + (dot ? 1 : 0);
	}
	if (*len + 1 > DHCP_OPTION_MAX)
		return -1;
	out[(*len)++] = 0;
	return 0;
}

int dhcp_option120(const char *const *names, size_t n, unsigned char *out, size_t *len,
		   struct ucsh_err *err)
{
	*len = 0;
	if (n == 0)
		return err_set(err, "option 120 needs at least one SIP server name");
	out[(*len)++] = 0; /* encoding 0: domain names */
	for (size_t i = 0; i < n; i++) {
		if (!dns_name_valid(names[i]))
			return err_set(err, "'%s' is not a DNS name", names[i]);
		if (put_name(names[i], out, len))
			return err_set(err, "option 120 is full: the names take more than %d bytes",
				       DHCP_OPTION_MAX);
	}
	return 0;
}

/* One sub-option: code, length, value. -1 when it does not fit. */
static int put_sub(unsigned code, const char *value, unsigned char *out, size_t *len)
{
	size_t l = strlen(value);
	if (l > 255 || *len + 2 + l > DHCP_OPTION_MAX)
		return -1;
	out[(*len)++] = (unsigned char)code;
	out[(*len)++] = (unsigned char)l;
	memcpy(out + *len, value, l);
	*len += l;
	return 0;
}

int dhcp_option43(const char *scheme, const char *fqdn, unsigned port, const char *path,
		  unsigned char *out, size_t *len, struct ucsh_err *err)
{
	char ports[8];
	*len = 0;
	if (!dns_name_valid(fqdn))
		return err_set(err, "'%s' is not a DNS name", fqdn);
	if (port < 1 || port > 65535)
		return err_set(err, "%u is not a port number", port);
	snprintf(ports, sizeof(ports), "%u", port);
	if (put_sub(1, DHCP_UC_VENDOR_CLASS, out, len) || put_sub(2, scheme, out, len) ||
	    put_sub(3, fqdn, out, len) || put_sub(4, ports, out, len) || put_sub(5, path, out, len))
		return err_set(err, "option 43 would take more than %d bytes", DHCP_OPTION_MAX);
	return 0;
}

void dhcp_hex(const unsigned char *bytes, size_t n, const char *sep, struct strbuf *out)
{
	for (size_t i = 0; i < n; i++)
		sb_addf(out, "%s%02x", i ? sep : "", bytes[i]);
}

void dhcp_config_isc(const unsigned char *o120, size_t n120, const unsigned char *o43,
		     size_t n43, const char *what, struct strbuf *out)
{
	sb_addf(out, "# option 120 (RFC 3361): SIP server %s\n"
		"option ms-uc-sip-server code 120 = string;\noption ms-uc-sip-server ", what);
	dhcp_hex(o120, n120, ":", out);
	sb_adds(out, ";\n# option 43 for phones of vendor class " DHCP_UC_VENDOR_CLASS "\n"
		"class \"" DHCP_UC_VENDOR_CLASS "\" {\n"
		"\tmatch if option vendor-class-identifier = \"" DHCP_UC_VENDOR_CLASS "\";\n"
		"\toption vendor-encapsulated-options ");
	dhcp_hex(o43, n43, ":", out);
	sb_adds(out, ";\n}\n");
}

void dhcp_config_kea(const unsigned char *o120, size_t n120, const unsigned char *o43,
		     size_t n43, struct strbuf *out)
{
	struct strbuf h120 = STRBUF_INIT, h43 = STRBUF_INIT;
	dhcp_hex(o120, n120, "", &h120);
	dhcp_hex(o43, n43, "", &h43);
	json_t *doc = json_pack(
		"{s:{s:[{s:i,s:s,s:b,s:s}],s:[{s:s,s:s,s:[{s:s,s:i,s:b,s:s}]}]}}", "Dhcp4",
		"option-data", "code", 120, "space", "dhcp4", "csv-format", 0, "data", sb_str(&h120),
		"client-classes", "name", DHCP_UC_VENDOR_CLASS,
		"test", "option[60].text == '" DHCP_UC_VENDOR_CLASS "'", "option-data",
		"name", "vendor-encapsulated-options", "code", 43, "csv-format", 0, "data",
		sb_str(&h43));
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	sb_adds(out, text);
	sb_addc(out, '\n');
	free(text);
	json_decref(doc);
	sb_free(&h120);
	sb_free(&h43);
}

void dhcp_config_dnsmasq(const unsigned char *o120, size_t n120, const unsigned char *o43,
			 size_t n43, const char *what, struct strbuf *out)
{
	sb_addf(out, "# option 120 (RFC 3361): SIP server %s\ndhcp-option=120,", what);
	dhcp_hex(o120, n120, ":", out);
	sb_adds(out, "\n# option 43 for phones of vendor class " DHCP_UC_VENDOR_CLASS "\n"
		"dhcp-vendorclass=set:ms-uc-client," DHCP_UC_VENDOR_CLASS "\n"
		"dhcp-option=tag:ms-uc-client,43,");
	dhcp_hex(o43, n43, ":", out);
	sb_addc(out, '\n');
}
