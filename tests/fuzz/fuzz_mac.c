/*
 * fuzz_mac: the MAC address parser on any bytes. Every input is either
 * refused with a message or gives six bytes; for those, the canonical form
 * must parse back to the same bytes and be its own canonical form, so that
 * a phone stored under it is found again by it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint8_t mac[MAC_LEN], again[MAC_LEN];
	char canon[MAC_STR_LEN], twice[MAC_STR_LEN];
	struct ucsh_err err;
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err_clear(&err);
	if (mac_parse(s, mac, &err) == 0) {
		mac_format(mac, canon);
		if (mac_parse(canon, again, &err) != 0 || memcmp(mac, again, MAC_LEN) != 0 ||
		    mac_canonical(canon, twice, &err) != 0 || strcmp(canon, twice) != 0)
			abort();
	} else if (!err.msg[0] || strlen(err.msg) >= sizeof(err.msg)) {
		abort();
	}
	free(s);
	return 0;
}
