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

#endif
