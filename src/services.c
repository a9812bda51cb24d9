/*
 * services: the services of this build. Adding one = its module and one
 * line here.
 */
#include "config.h"
#include "services.h"

#include "daemon.h"

const struct service_ops *const service_table[] = {
	NULL, /* keeps the array well-formed while a build has no service */
};
const size_t service_table_len = 0;

void services_register(struct daemon *d)
{
	for (size_t i = 0; i < service_table_len; i++)
		daemon_add_service(d, service_table[i], NULL);
}
