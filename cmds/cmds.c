/*
 * cmds: the table of every cmdlet. Adding a cmdlet = its entry in the file
 * of its noun, its extern in cmds.h, and one line here (kept sorted by
 * name, which Get-Command and the generated files rely on).
 */
#include "config.h"

#include "cmds.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_out_file_entry,
	&cmd_out_null_entry,
	&cmd_write_error_entry,
	&cmd_write_host_entry,
	&cmd_write_output_entry,
	&cmd_write_warning_entry,
};

const size_t cmd_table_len = sizeof(cmd_table) / sizeof(cmd_table[0]);
