/*
 * mac: MAC addresses as people and devices write them. A phone is known by
 * its MAC, and the same address reaches ucsh spelt many ways: printed on
 * the label (00-04-F2-AB-CD-EF), by Linux (00:04:f2:ab:cd:ef), by a switch
 * (0004.f2ab.cdef, 0004f2-abcdef), in a provisioning file name
 * (0004f2abcdef). All of them mean one address, which ucsh shows and
 * stores in one canonical form, "00-04-F2-AB-CD-EF" (Lync's), so that a
 * lookup never misses for a spelling.
 */
#ifndef UCSH_MAC_H
#define UCSH_MAC_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

#define MAC_LEN 6
#define MAC_STR_LEN 18 /* "00-04-F2-AB-CD-EF" + NUL */

/*
 * Parse s (surrounding blanks ignored) in any of these spellings:
 *   00-04-F2-AB-CD-EF  00:04:f2:ab:cd:ef  (1 or 2 hex digits per group)
 *   0004.f2ab.cdef     0004f2-abcdef      0004f2abcdef
 * in any case. A group, multicast or broadcast address names no single
 * device and is refused. 0, or -1 with err naming the input and what is
 * wrong with it.
 */
int mac_parse(const char *s, uint8_t out[MAC_LEN], struct ucsh_err *err);
/* The canonical form of mac into buf. */
void mac_format(const uint8_t mac[MAC_LEN], char buf[MAC_STR_LEN]);
/* mac_parse then mac_format. */
int mac_canonical(const char *s, char buf[MAC_STR_LEN], struct ucsh_err *err);
/* The address as a number (the first byte most significant): a hash key. */
uint64_t mac_to_u64(const uint8_t mac[MAC_LEN]);

#endif
