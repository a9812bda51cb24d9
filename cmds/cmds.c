/*
 * cmds: the table of every cmdlet. Adding a cmdlet = its entry in the file
 * of its noun, its extern in cmds.h, and one line here (kept sorted by
 * name, which Get-Command and the generated files rely on).
 */
#include "config.h"

#include "cmds.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_convertfrom_json_entry,
	&cmd_convertto_json_entry,
	&cmd_disable_csuser_entry,
	&cmd_enable_csuser_entry,
	&cmd_export_csv_entry,
	&cmd_foreach_object_entry,
	&cmd_format_list_entry,
	&cmd_format_table_entry,
	&cmd_get_command_entry,
	&cmd_get_csclientpininfo_entry,
	&cmd_get_cscommonareaphone_entry,
	&cmd_get_csdeviceupdateconfiguration_entry,
	&cmd_get_cspinpolicy_entry,
	&cmd_get_cspool_entry,
	&cmd_get_csregistrarconfiguration_entry,
	&cmd_get_csucphoneconfiguration_entry,
	&cmd_get_csuser_entry,
	&cmd_get_help_entry,
	&cmd_get_member_entry,
	&cmd_group_object_entry,
	&cmd_import_csv_entry,
	&cmd_lock_csclientpin_entry,
	&cmd_measure_object_entry,
	&cmd_new_cscommonareaphone_entry,
	&cmd_new_csdeviceupdateconfiguration_entry,
	&cmd_new_cspinpolicy_entry,
	&cmd_new_cspool_entry,
	&cmd_new_csregistrarconfiguration_entry,
	&cmd_new_csucphoneconfiguration_entry,
	&cmd_new_csuser_entry,
	&cmd_out_file_entry,
	&cmd_out_null_entry,
	&cmd_remove_cscommonareaphone_entry,
	&cmd_remove_csdeviceupdateconfiguration_entry,
	&cmd_remove_cspinpolicy_entry,
	&cmd_remove_cspool_entry,
	&cmd_remove_csregistrarconfiguration_entry,
	&cmd_remove_csucphoneconfiguration_entry,
	&cmd_remove_csuser_entry,
	&cmd_select_object_entry,
	&cmd_set_csclientpin_entry,
	&cmd_set_cscommonareaphone_entry,
	&cmd_set_csdeviceupdateconfiguration_entry,
	&cmd_set_cspinpolicy_entry,
	&cmd_set_cspool_entry,
	&cmd_set_csregistrarconfiguration_entry,
	&cmd_set_csucphoneconfiguration_entry,
	&cmd_set_csuser_entry,
	&cmd_sort_object_entry,
	&cmd_unlock_csclientpin_entry,
	&cmd_where_object_entry,
	&cmd_write_error_entry,
	&cmd_write_host_entry,
	&cmd_write_output_entry,
	&cmd_write_warning_entry,
};

const size_t cmd_table_len = sizeof(cmd_table) / sizeof(cmd_table[0]);
