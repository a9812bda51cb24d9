/*
 * services: the list of the services ucshd runs. Each service module
 * registers itself here, so that ucshd.c knows none of them by name.
 */
#ifndef UCSH_SERVICES_H
#define UCSH_SERVICES_H

#include <stddef.h>

struct daemon;
struct service_ops;

/* Every service of this build, in start order. */
extern const struct service_ops *const service_table[];
extern const size_t service_table_len;

/* Register every service of this build with d (not started yet). */
void services_register(struct daemon *d);

#endif
