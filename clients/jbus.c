/*  =========================================================================
    jbus.c - the jbus command-line tool: dispatch to a subcommand

        jbus [--help | --version] COMMAND [OPTIONS] [ARGS...]

    Each command is a file clients/cmd_<name>.c with one function listed in
    the table below; this file only picks it and hands it its arguments.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbus.h"
#include "cmd.h"

//  One subcommand.
typedef struct {
    const char *name;           //  what the user types: "validate"
    cmd_fn_t *function;         //  runs it, returns an exit code
    const char *summary;        //  one line for the overview
} s_command_t;

static const s_command_t s_commands [] = {
    { "validate", cmd_validate, "check CloudEvents in the JSON format, print them normalized" },
    { "pub",      cmd_pub,      "publish events, from flags or JSON lines" },
    { "sub",      cmd_sub,      "print the events whose types match prefixes or patterns" },
    { "stats",    cmd_stats,    "ask a running broker for its counters" },
    { "journal",  cmd_journal,  "ask a running broker what its journal holds" },
    { "bench",    cmd_bench,    "measure throughput, latency, loss and CPU through a broker" },
    { "keygen",   cmd_keygen,   "make a CURVE key pair: a public and a secret certificate" },
};

#define s_COMMAND_COUNT (sizeof s_commands / sizeof s_commands[0])

//  Longest "jbus NAME" we build for a subcommand's argv[0].
#define s_PROGRAM_NAME_MAX 64

//  --------------------------------------------------------------------------

int
cmd_usage_hint(const char *name)
{
    fprintf(stderr, "Try 'jbus %s%s--help'.\n", name? name: "", name? " ": "");
    return CMD_EXIT_USAGE;
}

//  --------------------------------------------------------------------------

int
cmd_usage_error(const char *name, const char *format, ...)
{
    fprintf(stderr, "jbus%s%s: ", name? " ": "", name? name: "");
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    return cmd_usage_hint(name);
}

//  --------------------------------------------------------------------------
//  The overview, for --help (stdout) or a bad command line (stderr).

static void
s_print_overview(FILE *stream)
{
    fprintf(stream,
        "Usage: jbus [--help | --version] COMMAND [OPTIONS] [ARGS...]\n"
        "\n"
        "Work with CloudEvents v1.0 on the jbus ZeroMQ bus.\n"
        "\n"
        "Commands:\n");
    for (size_t index = 0; index < s_COMMAND_COUNT; index++)
        fprintf(stream, "  %-10s %s\n", s_commands[index].name, s_commands[index].summary);
    fprintf(stream,
        "  %-10s %s\n"
        "\n"
        "Options:\n"
        "  -h, --help     show this overview and exit\n"
        "  -V, --version  show the version and exit\n"
        "\n"
        "Exit codes:\n"
        "  0  success\n"
        "  1  failure: an input was invalid or could not be read\n"
        "  2  usage error: unknown command or option, bad argument\n"
        "\n"
        "Run 'jbus COMMAND --help' for the options of a command.\n",
        "help", "show this overview, or 'jbus help COMMAND' for a command's help");
}

//  --------------------------------------------------------------------------

static const s_command_t *
s_find_command(const char *name)
{
    for (size_t index = 0; index < s_COMMAND_COUNT; index++)
        if (strcmp(s_commands[index].name, name) == 0)
            return &s_commands[index];
    return NULL;
}

//  --------------------------------------------------------------------------
//  Run command with argv[0 .. argc-1], where argv[0] is the command's name.

static int
s_run_command(const s_command_t *command, int argc, char **argv)
{
    //  getopt_long's own messages start with argv[0]: make that "jbus validate"
    static char program_name [s_PROGRAM_NAME_MAX];
    snprintf(program_name, sizeof program_name, "jbus %s", command->name);
    argv[0] = program_name;
    //  The command scans a new argument vector, maybe with a different
    //  optstring; glibc re-initializes getopt only when optind is 0, not 1
    optind = 0;
    return command->function(argc, argv);
}

//  --------------------------------------------------------------------------

int
main(int argc, char **argv)
{
    static char program_name [] = "jbus";
    static const struct option options [] = {
        { "help",    no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    if (argc < 2) {
        s_print_overview(stderr);
        return CMD_EXIT_USAGE;
    }
    argv[0] = program_name;
    //  '+': stop at the command, whose options are its own
    int option;
    while ((option = getopt_long(argc, argv, "+hV", options, NULL)) != -1) {
        switch (option) {
            case 'h':
                s_print_overview(stdout);
                return CMD_EXIT_OK;
            case 'V':
                printf("jbus %d.%d.%d\n",
                       JBUS_VERSION_MAJOR, JBUS_VERSION_MINOR, JBUS_VERSION_PATCH);
                return CMD_EXIT_OK;
            default:
                return cmd_usage_hint(NULL);
        }
    }
    if (optind >= argc)
        return cmd_usage_error(NULL, "no command given");

    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        const char *topic = optind + 1 < argc? argv[optind + 1]: NULL;
        if (!topic || strcmp(topic, "--help") == 0 || strcmp(topic, "-h") == 0
        ||  strcmp(topic, "help") == 0) {
            s_print_overview(stdout);
            return CMD_EXIT_OK;
        }
        const s_command_t *command = s_find_command(argv[optind + 1]);
        if (!command)
            return cmd_usage_error(NULL, "unknown command '%s'", argv[optind + 1]);
        static char help_option [] = "--help";
        char *help_argv [] = { argv[optind + 1], help_option, NULL };
        return s_run_command(command, 2, help_argv);
    }
    const s_command_t *command = s_find_command(name);
    if (!command)
        return cmd_usage_error(NULL, "unknown command '%s'", name);
    return s_run_command(command, argc - optind, argv + optind);
}
