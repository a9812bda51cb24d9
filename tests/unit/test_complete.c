/*
 * test_complete: complete_line against a cmdlet table of the test's own,
 * so that the cases do not change whenever the shipping cmdlets do. What
 * the command line cannot show is checked here: where the completed word
 * begins, NULL (a file name) as distinct from nothing, positional values,
 * and the variables of a session.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "complete.h"
#include "shell.h"

static int hook_calls;
static struct shell *last_hook_shell;

/* A live hook as a store-backed cmdlet has one: identities by prefix. */
static json_t *phone_identities(struct shell *sh, const char *prefix)
{
	static const char *const ids[] = { "00-04-F2-AB-CD-EF", "00-04-F2-00-00-01",
					   "Lobby phone", NULL };
	json_t *out = json_array();
	hook_calls++;
	last_hook_shell = sh;
	for (const char *const *id = ids; *id; id++)
		if (str_iprefix(prefix, *id))
			json_array_append_new(out, json_string(*id));
	return out;
}

static const struct cmd_param set_phone_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .complete = phone_identities,
	  .help = "The phone." },
	{ .name = "Mode", .type = PT_ENUM, .position = 1, .flags = PF_ARRAY,
	  .values = (const char *const[]){ "Desk", "CommonArea", "Conference", NULL },
	  .help = "What kind of phone it is." },
	{ .name = "Path", .type = PT_STRING, .position = POS_NAMED, .help = "A file." },
	{ .name = "Enabled", .type = PT_BOOL, .position = POS_NAMED, .help = "On or off." },
	{ .name = "Locked", .type = PT_SWITCH, .position = POS_NAMED, .help = "Locks it." },
	{ 0 },
};

static const struct cmd_entry set_phone = {
	.name = "Set-TestPhone",
	.aliases = (const char *const[]){ "stp", NULL },
	.synopsis = "Changes a test phone.",
	.params = set_phone_params,
	.examples = (const struct cmd_example[]){ { "Set-TestPhone x", "x" }, { 0 } },
	.flags = CMD_CHANGES_STATE,
};

static const struct cmd_entry get_phone = {
	.name = "Get-TestPhone",
	.synopsis = "Lists test phones.",
	.examples = (const struct cmd_example[]){ { "Get-TestPhone", "all" }, { 0 } },
};

const struct cmd_entry *const cmd_table[] = { &get_phone, &set_phone };
const size_t cmd_table_len = 2;

/* The candidates as one string "a|b|c", or "NULL"; checks word_start too. */
static void expect(struct shell *sh, const char *line, const char *want, size_t want_start)
{
	size_t start = 12345;
	json_t *c = complete_line(sh, line, strlen(line), &start), *it;
	struct strbuf got = STRBUF_INIT;
	size_t i;
	if (!c)
		sb_adds(&got, "NULL");
	json_array_foreach(c, i, it)
		sb_addf(&got, "%s%s", i ? "|" : "", json_string_value(it));
	json_decref(c);
	if (strcmp(sb_str(&got), want) != 0)
		fail_msg("line \"%s\": got \"%s\", want \"%s\"", line, sb_str(&got), want);
	if (start != want_start)
		fail_msg("line \"%s\": the word begins at %zu, not %zu", line, start, want_start);
	sb_free(&got);
}

static void test_command_names(void **state)
{
	(void)state;
	expect(NULL, "", "Get-TestPhone|Set-TestPhone|stp", 0);
	expect(NULL, "set-t", "Set-TestPhone", 0);
	expect(NULL, "*-Test*", "Get-TestPhone|Set-TestPhone", 0);
	expect(NULL, "Get-TestPhone | s", "Set-TestPhone|stp", 16);
	expect(NULL, "if ($x) { Get-T", "Get-TestPhone", 10);
	expect(NULL, "Get-Nothing -", "", 12);
}

static void test_parameter_names(void **state)
{
	(void)state;
	expect(NULL, "Set-TestPhone -", "-Identity|-Mode|-Path|-Enabled|-Locked|-Verbose|"
		     "-ErrorAction|-WhatIf|-Confirm|-Force", 14);
	expect(NULL, "stp -Locked -l", "", 12);
	expect(NULL, "Get-TestPhone -w", "", 14); /* no -WhatIf: it changes nothing */
}

static void test_positional_values(void **state)
{
	(void)state;
	hook_calls = 0;
	expect(NULL, "Set-TestPhone 00-04-F2-A", "00-04-F2-AB-CD-EF", 14);
	assert_int_equal(hook_calls, 1);
	expect(NULL, "Set-TestPhone x ", "CommonArea|Conference|Desk", 16);
	expect(NULL, "Set-TestPhone -Identity x ", "CommonArea|Conference|Desk", 26);
	expect(NULL, "Set-TestPhone -Locked l", "'Lobby phone'", 22);
	expect(NULL, "Set-TestPhone x Desk,Co", "CommonArea|Conference", 21);
	expect(NULL, "Set-TestPhone x Desk ", "", 21);
}

static void test_named_values(void **state)
{
	(void)state;
	expect(NULL, "Set-TestPhone -Mode c", "CommonArea|Conference", 20);
	expect(NULL, "Set-TestPhone -Mode \"Co", "\"CommonArea\"|\"Conference\"", 20);
	expect(NULL, "Set-TestPhone -Enabled ", "$false|$true", 23);
	expect(NULL, "Set-TestPhone -Mode:D", "-Mode:Desk", 14);
	expect(NULL, "Set-TestPhone -Path ", "NULL", 20);
	expect(NULL, "Set-TestPhone -Path:x", "", 14);
	expect(NULL, "Get-TestPhone >> ", "NULL", 17);
	expect(NULL, "Set-TestPhone -Mode 'Desk", "'Desk'", 20);
}

/* The hook looks in the store of the session that asks. */
static void test_hook_gets_the_session(void **state)
{
	struct shell sh;
	(void)state;
	shell_init(&sh);
	expect(&sh, "Set-TestPhone Lob", "'Lobby phone'", 14);
	assert_ptr_equal(last_hook_shell, &sh);
	shell_free(&sh);
}

static void test_variables(void **state)
{
	struct shell sh;
	(void)state;
	shell_init(&sh);
	shell_var_set(&sh, "PhoneList", json_array());
	/* names are kept in lower case: the candidate keeps what was typed */
	expect(&sh, "Set-TestPhone $Pho", "$Phonelist", 14);
	expect(&sh, "$pho", "$phonelist", 0);
	expect(&sh, "$Error", "$ErrorActionPreference", 0);
	expect(&sh, "$PhoneList.Co", "", 0);
	expect(NULL, "$Pho", "", 0);
	shell_free(&sh);
}

static void test_quotes_comments_and_escapes(void **state)
{
	(void)state;
	expect(NULL, "Set-TestPhone 'a|b' -Lo", "-Locked", 20);
	expect(NULL, "Set-TestPhone 'it''s' D", "Desk", 22);
	expect(NULL, "Get-TestPhone # Set-T", "", 21);
	expect(NULL, "Get-TestPhone # x\nSet-T", "Set-TestPhone", 18);
	expect(NULL, "'Set-T", "", 0);
}

/* Completion at the cursor, not at the end of the line. */
static void test_point_inside_the_line(void **state)
{
	size_t start;
	(void)state;
	const char *line = "Set-T -Mode Desk";
	json_t *c = complete_line(NULL, line, 5, &start);
	assert_int_equal(json_array_size(c), 1);
	assert_string_equal(json_string_value(json_array_get(c, 0)), "Set-TestPhone");
	assert_int_equal(start, 0);
	json_decref(c);
}

static void test_scripts_come_from_the_table(void **state)
{
	(void)state;
	char *bash = complete_script(COMPLETE_BASH);
	char *zsh = complete_script(COMPLETE_ZSH);
	char *fish = complete_script(COMPLETE_FISH);
	assert_non_null(strstr(bash, "set-testphone) _ucsh_reply=(-Identity -Mode -Path"));
	assert_non_null(strstr(bash, "\"set-testphone -mode\") _ucsh_reply=(Desk CommonArea "
				     "Conference) ;;"));
	assert_non_null(strstr(bash, "\"set-testphone -identity\") _ucsh_reply=(@live) ;;"));
	assert_non_null(strstr(bash, "\"set-testphone -path\") _ucsh_reply=(@file) ;;"));
	assert_non_null(strstr(bash, "stp) _ucsh_cmd=set-testphone ;;"));
	assert_non_null(strstr(bash, "\t\"set-testphone #1\") _ucsh_reply=(@param -Mode) ;;"));
	assert_non_null(strstr(zsh, "\t'Set-TestPhone:Changes a test phone.'\n"));
	assert_non_null(strstr(fish, "printf '%s\\t%s\\n' Get-TestPhone 'Lists test phones.'"));
	assert_true(strncmp(zsh, "#compdef ucsh\n", 14) == 0);
	free(bash);
	free(zsh);
	free(fish);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_names),
		cmocka_unit_test(test_parameter_names),
		cmocka_unit_test(test_positional_values),
		cmocka_unit_test(test_named_values),
		cmocka_unit_test(test_hook_gets_the_session),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_quotes_comments_and_escapes),
		cmocka_unit_test(test_point_inside_the_line),
		cmocka_unit_test(test_scripts_come_from_the_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
