/*
 * services: the services of this build. Adding one = its module and one
 * line here.
 */
#include "config.h"
#include "services.h"

#include "daemon.h"
#include "devupdate.h"
#include "registrar.h"
#include "sshd.h"

const struct service_ops *const service_table[] = {
	&registrar_service_ops,
	&devupdate_internal_ops,
	&devupdate_external_ops,
	&sshd_service_ops,
};
const size_t service_table_len = UCSH_ARRAY_LEN(service_table);

void services_register(struct daemon *d)
{
	for (size_t i = 0; i < service_table_len; i++)
		daemon_add_service(d, service_table[i], NULL);
}
