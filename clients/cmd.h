/*  =========================================================================
    cmd.h - what the jbus subcommands share with the dispatcher (jbus.c)

    Each subcommand lives in its own clients/cmd_<name>.c and exports one
    function, cmd_<name>(argc, argv), listed in the table in jbus.c. It is
    called with argv[0] set to "jbus <name>" (so getopt_long's messages name
    the subcommand) and getopt reset, parses its own options, and returns
    the process exit code.
    ========================================================================= */

#ifndef JBUS_CLIENTS_CMD_H_INCLUDED
#define JBUS_CLIENTS_CMD_H_INCLUDED

//  Exit codes, the same for every subcommand.
enum {
    CMD_EXIT_OK = 0,            //  success: every input valid, every event sent
    CMD_EXIT_FAILURE = 1,       //  an input was invalid or could not be read
    CMD_EXIT_USAGE = 2          //  bad command line
};

//  A subcommand: run it with its own arguments; return an exit code.
typedef int (cmd_fn_t) (int argc, char **argv);

//  Print "jbus NAME: MESSAGE" and the hint "Try 'jbus NAME --help'." to
//  stderr and return CMD_EXIT_USAGE, so that a subcommand can write
//      return cmd_usage_error("validate", "bad --ext '%s'", arg);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int
    cmd_usage_error(const char *name, const char *format, ...);

//  Print the hint "Try 'jbus NAME --help'." to stderr and return
//  CMD_EXIT_USAGE, after getopt_long has already reported the problem.
int
    cmd_usage_hint(const char *name);

int cmd_validate(int argc, char **argv);

#endif
