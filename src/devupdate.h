/*
 * devupdate: ucshd's Device Update web service, the two sites of
 * DEVICE-UPDATE.md on the pool's web ports:
 *
 *   DeviceUpdateInternal  http(s)://InternalWebFqdn/RequestHandler/...
 *                         anonymous, as in Lync: the network is trusted
 *   DeviceUpdateExternal  http(s)://ExternalWebFqdn/RequestHandlerExt/...
 *                         every request signs in (HTTP Digest, the SIP
 *                         credentials: extension or user and PIN)
 *
 * Both serve the update check (POST .../ucdevice.upx), image downloads
 * (GET/HEAD .../Files/<UpdateType>/<Brand>/<Model>/<Revision>/<Locale>/
 * <Version>/<file>, only files an imported image lists, with Range, ETag
 * and If-None-Match), log uploads (PUT .../Logs/<MAC>/<file>[?type=T]) and
 * the pool's root certificate (GET /CertProv/ucsh-ca.pem, ucsh-ca.crt).
 *
 * What a device is offered: a test device gets the rule's
 * PendingVersion when there is one; a rule under a staged rollout gives its
 * version only to the devices of the waves started so far (rollout.h);
 * every other device gets ApprovedVersion; a device running the offered
 * version gets "no update". Rules, images, test devices, rollouts and
 * configurations are read once and again when the store says they changed,
 * so a check costs no store read. Check-ins refresh the phone inventory in
 * batches, one transaction a second at most.
 */
#ifndef UCSH_DEVUPDATE_H
#define UCSH_DEVUPDATE_H

#include "daemon.h"

extern const struct service_ops devupdate_internal_ops;
extern const struct service_ops devupdate_external_ops;

#endif
