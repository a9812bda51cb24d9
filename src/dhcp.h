/*
 * dhcp: the DHCP option values phones bootstrap from, and the same values
 * as configuration for the DHCP servers admins run. Option 120 (RFC 3361)
 * names the SIP server: an encoding byte 0, then the names in DNS wire
 * format. Option 43 for the vendor class "MS-UC-Client" (Lync Phone
 * Edition) carries sub-options that make up the certificate provisioning
 * URL: 1 the UC identifier "MS-UC-Client", 2 the URL scheme, 3 the web
 * server's FQDN, 4 its port (as text), 5 the service's relative path.
 * Pure functions, so that the encodings are unit-tested byte by byte.
 */
#ifndef UCSH_DHCP_H
#define UCSH_DHCP_H

#include <stddef.h>

#include "util.h"

#define DHCP_OPTION_MAX 255 /* one option's value, in bytes */
#define DHCP_UC_VENDOR_CLASS "MS-UC-Client"
#define DHCP_CERTPROV_PATH "/CertProv/CertProvisioningService.svc"

/* Option 120 for the SIP servers names[0..n). Bytes in out (at least
 * DHCP_OPTION_MAX), length in *len. 0, or -1 with err. */
int dhcp_option120(const char *const *names, size_t n, unsigned char *out, size_t *len,
		   struct ucsh_err *err);

/* Option 43 for MS-UC-Client: scheme://fqdn:port path. 0, or -1 with err. */
int dhcp_option43(const char *scheme, const char *fqdn, unsigned port, const char *path,
		  unsigned char *out, size_t *len, struct ucsh_err *err);

/* bytes as hex, sep between bytes ("" or ":"), appended to out. */
void dhcp_hex(const unsigned char *bytes, size_t n, const char *sep, struct strbuf *out);

/* Ready configuration for both options, appended to out. what names the
 * SIP server for the comments. */
void dhcp_config_isc(const unsigned char *o120, size_t n120, const unsigned char *o43,
		     size_t n43, const char *what, struct strbuf *out);
void dhcp_config_kea(const unsigned char *o120, size_t n120, const unsigned char *o43,
		     size_t n43, struct strbuf *out);
void dhcp_config_dnsmasq(const unsigned char *o120, size_t n120, const unsigned char *o43,
			 size_t n43, const char *what, struct strbuf *out);

#endif
