/*
 * phone: what the phone cmdlets (phone.c), Import-CsPhone (phoneimport.c)
 * and the test devices share: the checks and normal forms of a phone's
 * properties, so that a phone typed on the command line and one read from
 * a CSV file of a million are held to the same rules and stored alike.
 */
#ifndef UCSH_CMDS_PHONE_H
#define UCSH_CMDS_PHONE_H

#include <jansson.h>
#include <stdbool.h>

#include "store.h"
#include "util.h"

/*
 * What checking a phone needs from the store, read once per cmdlet call
 * (an import checks a million rows against the same few sites and models).
 */
struct phone_refs {
	struct store *st; /* borrowed: where owners are looked up */
	json_t *models;   /* the PhoneModel objects of the catalogue */
	json_t *sites;    /* lower-cased site identity -> the identity as stored */
};

/* Read the catalogue and the sites. 0, or -1 with err filled. Free with
 * phone_refs_free (also after a failure). */
int phone_refs_load(struct store *st, struct phone_refs *refs, struct ucsh_err *err);
void phone_refs_free(struct phone_refs *refs);

/* The catalogue entry of model (any case), preferring brand's when given:
 * borrowed, or NULL when the catalogue has no such model. */
const json_t *phone_model_find(const struct phone_refs *refs, const char *brand,
			       const char *model);

/* "Redmond", "site:Redmond" -> "Site:Redmond" (caller frees). */
char *phone_site_key(const char *site);

/*
 * Check and normalise, in place, the phone properties present in obj (keys
 * spelt as the store spells them): empty strings become null, MacAddress
 * takes its canonical form, IPAddress is an IPv4 or IPv6 address (in its
 * canonical text), FirmwareVersion a dotted version, Site an existing
 * site, Owner the SIP address of an existing user or common area phone
 * (see principal.h; the "sip:" may be left out); Model takes the
 * catalogue's spelling and,
 * when fill_brand, Brand is set from the catalogue. *generic is set when
 * Model is not in the catalogue (Brand is then "Generic" unless given).
 * 0, or -1 with err naming the property and the bad value.
 */
int phone_normalize(const struct phone_refs *refs, json_t *obj, bool fill_brand, bool *generic,
		    struct ucsh_err *err);

/* The words of the warning about a model that is not in the catalogue. */
#define PHONE_GENERIC_HINT "Get-CsPhoneModel lists the catalogue"

#endif
