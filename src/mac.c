/*
 * mac: parsing every common spelling of a MAC address into six bytes, and
 * the one canonical form ucsh shows. The parser first splits the input
 * into hex groups at its separator, then accepts only the group shapes
 * real tools print, so that a typo (a digit too many, a stray separator)
 * is an error that says what is wrong rather than another address.
 */
#include "config.h"
#include "mac.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAC_HINT "write it as 00-04-F2-AB-CD-EF, 00:04:f2:ab:cd:ef, 0004.f2ab.cdef or 0004f2abcdef"
#define MAX_GROUPS 6

/* The input as split at its separator. */
struct mac_groups {
	char sep;                 /* ':', '-', '.' or 0 for none */
	int n;                    /* groups */
	int len[MAX_GROUPS];      /* hex digits in each */
	const char *start[MAX_GROUPS];
	int digits;               /* in all */
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int bad(struct ucsh_err *err, const char *s, size_t n, const char *why)
{
	err_set(err, "'%.*s' is not a MAC address: %s", n > 60 ? 60 : (int)n, s, why);
	err_hint(err, MAC_HINT);
	return -1;
}

/* Split s[0..n) into groups of hex digits at one kind of separator. */
static int split(const char *s, size_t n, struct mac_groups *g, struct ucsh_err *err)
{
	char why[80];
	memset(g, 0, sizeof(*g));
	g->start[0] = s;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (hexval(c) >= 0) {
			g->len[g->n]++;
			g->digits++;
			continue;
		}
		if (c != ':' && c != '-' && c != '.') {
			snprintf(why, sizeof(why), isprint(c) ? "'%c' is not a hex digit"
							      : "byte 0x%02x is not a hex digit", c);
			return bad(err, s, n, why);
		}
		if (g->sep && c != g->sep)
			return bad(err, s, n, "it mixes separators");
		g->sep = (char)c;
		if (g->len[g->n] == 0)
			return bad(err, s, n, "a separator is not between two groups of digits");
		if (++g->n == MAX_GROUPS)
			return bad(err, s, n, "it has more than 6 groups");
		g->start[g->n] = s + i + 1;
	}
	if (g->len[g->n] == 0 && g->sep)
		return bad(err, s, n, "it ends with a separator");
	g->n++;
	return 0;
}

/* The shapes tools print; anything else is a typo. Fills why when not. */
static bool shape_ok(const struct mac_groups *g, char *why, size_t n)
{
	if (!g->sep) {
		snprintf(why, n, "it has %d hex digits; a MAC address has 12", g->digits);
		return g->digits == 12;
	}
	if (g->sep == '.') {
		bool fours = g->n == 3;
		for (int i = 0; i < g->n; i++)
			fours = fours && g->len[i] == 4;
		snprintf(why, n, "written with dots, it is 3 groups of 4 hex digits");
		return fours;
	}
	if (g->sep == '-' && g->n == 2 && g->len[0] == 6 && g->len[1] == 6)
		return true;
	if (g->n != 6) {
		snprintf(why, n, "it has %d groups of digits; a MAC address has 6", g->n);
		return false;
	}
	for (int i = 0; i < g->n; i++)
		if (g->len[i] > 2) {
			snprintf(why, n, "group %d ('%.*s') has more than 2 hex digits", i + 1,
				 g->len[i] > 12 ? 12 : g->len[i], g->start[i]);
			return false;
		}
	return true;
}

/* Read the groups into bytes; a short group of a 6-group spelling is one
 * byte (0:4:f2:... as BSD prints it). */
static void groups_to_bytes(const struct mac_groups *g, uint8_t out[MAC_LEN])
{
	if (g->n == 6) {
		for (int i = 0; i < 6; i++) {
			int v = 0;
			for (int j = 0; j < g->len[i]; j++)
				v = v * 16 + hexval((unsigned char)g->start[i][j]);
			out[i] = (uint8_t)v;
		}
		return;
	}
	int k = 0, hi = -1;
	for (int i = 0; i < g->n; i++)
		for (int j = 0; j < g->len[i]; j++) {
			int v = hexval((unsigned char)g->start[i][j]);
			if (hi < 0) {
				hi = v;
			} else {
				out[k++] = (uint8_t)(hi * 16 + v);
				hi = -1;
			}
		}
}

static int check_unicast(const char *s, size_t n, const uint8_t mac[MAC_LEN],
			 struct ucsh_err *err)
{
	static const uint8_t zero[MAC_LEN];
	if (memcmp(mac, zero, MAC_LEN) == 0)
		return bad(err, s, n, "all zeros names no device");
	if (mac[0] & 1)
		return bad(err, s, n, "it is a multicast or broadcast address, not a device's");
	return 0;
}

int mac_parse(const char *s, uint8_t out[MAC_LEN], struct ucsh_err *err)
{
	struct mac_groups g;
	if (!s)
		s = "";
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0) {
		err_set(err, "an empty MAC address");
		err_hint(err, MAC_HINT);
		return -1;
	}
	if (split(s, n, &g, err) < 0)
		return -1;
	char why[80];
	if (!shape_ok(&g, why, sizeof(why)))
		return bad(err, s, n, why);
	groups_to_bytes(&g, out);
	return check_unicast(s, n, out, err);
}

void mac_format(const uint8_t mac[MAC_LEN], char buf[MAC_STR_LEN])
{
	static const char hex[] = "0123456789ABCDEF";
	for (int i = 0; i < MAC_LEN; i++) {
		buf[i * 3] = hex[mac[i] >> 4];
		buf[i * 3 + 1] = hex[mac[i] & 15];
		buf[i * 3 + 2] = i + 1 < MAC_LEN ? '-' : '\0';
	}
}

int mac_canonical(const char *s, char buf[MAC_STR_LEN], struct ucsh_err *err)
{
	uint8_t mac[MAC_LEN];
	if (mac_parse(s, mac, err) < 0)
		return -1;
	mac_format(mac, buf);
	return 0;
}

uint64_t mac_to_u64(const uint8_t mac[MAC_LEN])
{
	uint64_t v = 0;
	for (int i = 0; i < MAC_LEN; i++)
		v = v << 8 | mac[i];
	return v;
}
