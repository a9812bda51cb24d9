/*
 * cmds: the entries of every cmdlet, one `const struct cmd_entry` each,
 * defined in the file of their noun and listed in cmd_table (cmds.c).
 */
#ifndef UCSH_CMDS_H
#define UCSH_CMDS_H

#include "cmd.h"

/* output.c */
extern const struct cmd_entry cmd_write_output_entry;
extern const struct cmd_entry cmd_write_host_entry;
extern const struct cmd_entry cmd_write_warning_entry;
extern const struct cmd_entry cmd_write_error_entry;
extern const struct cmd_entry cmd_out_file_entry;
extern const struct cmd_entry cmd_out_null_entry;

/* object.c */
extern const struct cmd_entry cmd_where_object_entry;
extern const struct cmd_entry cmd_select_object_entry;
extern const struct cmd_entry cmd_sort_object_entry;
extern const struct cmd_entry cmd_group_object_entry;
extern const struct cmd_entry cmd_measure_object_entry;
extern const struct cmd_entry cmd_foreach_object_entry;

/* formatting.c */
extern const struct cmd_entry cmd_format_table_entry;
extern const struct cmd_entry cmd_format_list_entry;

/* convert.c */
extern const struct cmd_entry cmd_convertto_json_entry;
extern const struct cmd_entry cmd_convertfrom_json_entry;

/* csvfile.c */
extern const struct cmd_entry cmd_export_csv_entry;
extern const struct cmd_entry cmd_import_csv_entry;

/* help.c */
extern const struct cmd_entry cmd_get_help_entry;
extern const struct cmd_entry cmd_get_command_entry;
extern const struct cmd_entry cmd_get_member_entry;

/* site.c */
extern const struct cmd_entry cmd_get_cssite_entry;
extern const struct cmd_entry cmd_new_cssite_entry;
extern const struct cmd_entry cmd_set_cssite_entry;
extern const struct cmd_entry cmd_remove_cssite_entry;

/* service.c */
extern const struct cmd_entry cmd_get_csservice_entry;
extern const struct cmd_entry cmd_start_csservice_entry;
extern const struct cmd_entry cmd_stop_csservice_entry;

/* pool.c */
extern const struct cmd_entry cmd_get_cspool_entry;
extern const struct cmd_entry cmd_new_cspool_entry;
extern const struct cmd_entry cmd_set_cspool_entry;
extern const struct cmd_entry cmd_remove_cspool_entry;

/* config.c */
extern const struct cmd_entry cmd_get_csregistrarconfiguration_entry;
extern const struct cmd_entry cmd_set_csregistrarconfiguration_entry;
extern const struct cmd_entry cmd_new_csregistrarconfiguration_entry;
extern const struct cmd_entry cmd_remove_csregistrarconfiguration_entry;
extern const struct cmd_entry cmd_get_cspinpolicy_entry;
extern const struct cmd_entry cmd_set_cspinpolicy_entry;
extern const struct cmd_entry cmd_new_cspinpolicy_entry;
extern const struct cmd_entry cmd_remove_cspinpolicy_entry;
extern const struct cmd_entry cmd_get_csucphoneconfiguration_entry;
extern const struct cmd_entry cmd_set_csucphoneconfiguration_entry;
extern const struct cmd_entry cmd_new_csucphoneconfiguration_entry;
extern const struct cmd_entry cmd_remove_csucphoneconfiguration_entry;
extern const struct cmd_entry cmd_get_csdeviceupdateconfiguration_entry;
extern const struct cmd_entry cmd_set_csdeviceupdateconfiguration_entry;
extern const struct cmd_entry cmd_new_csdeviceupdateconfiguration_entry;
extern const struct cmd_entry cmd_remove_csdeviceupdateconfiguration_entry;

/* user.c */
extern const struct cmd_entry cmd_disable_csuser_entry;
extern const struct cmd_entry cmd_enable_csuser_entry;
extern const struct cmd_entry cmd_get_csuser_entry;
extern const struct cmd_entry cmd_new_csuser_entry;
extern const struct cmd_entry cmd_remove_csuser_entry;
extern const struct cmd_entry cmd_set_csuser_entry;

/* pin.c */
extern const struct cmd_entry cmd_get_csclientpininfo_entry;
extern const struct cmd_entry cmd_lock_csclientpin_entry;
extern const struct cmd_entry cmd_set_csclientpin_entry;
extern const struct cmd_entry cmd_unlock_csclientpin_entry;

/* commonarea.c (identities resolved by principal.c) */
extern const struct cmd_entry cmd_get_cscommonareaphone_entry;
extern const struct cmd_entry cmd_new_cscommonareaphone_entry;
extern const struct cmd_entry cmd_remove_cscommonareaphone_entry;
extern const struct cmd_entry cmd_set_cscommonareaphone_entry;

/* phone.c */
extern const struct cmd_entry cmd_get_csphone_entry;
extern const struct cmd_entry cmd_new_csphone_entry;
extern const struct cmd_entry cmd_set_csphone_entry;
extern const struct cmd_entry cmd_remove_csphone_entry;
extern const struct cmd_entry cmd_get_csphonemodel_entry;

/* phoneimport.c */
extern const struct cmd_entry cmd_import_csphone_entry;

/* certificate.c */
extern const struct cmd_entry cmd_get_cscertificate_entry;
extern const struct cmd_entry cmd_request_cscertificate_entry;
extern const struct cmd_entry cmd_import_cscertificate_entry;
extern const struct cmd_entry cmd_set_cscertificate_entry;
extern const struct cmd_entry cmd_revoke_cscertificate_entry;
extern const struct cmd_entry cmd_export_cscertificate_entry;

/* testdevice.c */
extern const struct cmd_entry cmd_get_cstestdevice_entry;
extern const struct cmd_entry cmd_new_cstestdevice_entry;
extern const struct cmd_entry cmd_set_cstestdevice_entry;
extern const struct cmd_entry cmd_remove_cstestdevice_entry;

/* registration.c */
extern const struct cmd_entry cmd_get_csregistration_entry;
extern const struct cmd_entry cmd_remove_csregistration_entry;
extern const struct cmd_entry cmd_test_csregistration_entry;

/* rollout.c */
extern const struct cmd_entry cmd_new_csdevicerollout_entry;
extern const struct cmd_entry cmd_get_csdevicerollout_entry;
extern const struct cmd_entry cmd_suspend_csdevicerollout_entry;
extern const struct cmd_entry cmd_resume_csdevicerollout_entry;
extern const struct cmd_entry cmd_stop_csdevicerollout_entry;
/* deviceupdate.c */
extern const struct cmd_entry cmd_import_csdeviceupdate_entry;
extern const struct cmd_entry cmd_get_csdeviceupdaterule_entry;
extern const struct cmd_entry cmd_approve_csdeviceupdaterule_entry;
extern const struct cmd_entry cmd_reset_csdeviceupdaterule_entry;
extern const struct cmd_entry cmd_restore_csdeviceupdaterule_entry;
extern const struct cmd_entry cmd_remove_csdeviceupdaterule_entry;
extern const struct cmd_entry cmd_get_csdeviceupdatelog_entry;
/* administrator.c */
extern const struct cmd_entry cmd_get_csadministrator_entry;
extern const struct cmd_entry cmd_new_csadministrator_entry;
extern const struct cmd_entry cmd_set_csadministrator_entry;
extern const struct cmd_entry cmd_remove_csadministrator_entry;

/* auditlog.c */
extern const struct cmd_entry cmd_get_csauditlog_entry;
/* dns.c */
extern const struct cmd_entry cmd_get_csdhcpoption_entry;
extern const struct cmd_entry cmd_get_csdnsrecord_entry;
extern const struct cmd_entry cmd_test_csdnspublication_entry;

/* bootstrap.c */
extern const struct cmd_entry cmd_test_csphonebootstrap_entry;

#endif
