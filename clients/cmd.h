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

#include <stdbool.h>
#include <stdio.h>
#include <czmq.h>
#include "jbus.h"
#include "jbus/curve.h"

//  Exit codes, the same for every subcommand.
enum {
    CMD_EXIT_OK = 0,            //  success: every input valid, every event sent
    CMD_EXIT_FAILURE = 1,       //  an input was invalid or could not be read
    CMD_EXIT_USAGE = 2          //  bad command line
};

//  How long the client subcommands wait for the broker at the start
//  (--connect-timeout), as the NATS clients do: long enough for a broker
//  that is starting, short enough to say soon that none is there.
#define CMD_CONNECT_TIMEOUT_MS 2000

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

//  cmd_common.c: add the extension declaration "NAME=TYPE" (--ext of
//  validate and sub) to known, which has room for one more after
//  *known_count entries; the name is allocated and owned by known. Returns
//  0, or CMD_EXIT_USAGE after reporting the problem.
int
    cmd_add_extension_def(const char *command, jb_extension_def_t *known, size_t *known_count,
                          const char *definition);

//  cmd_common.c: read all of stream into *data_p (free with free()) of
//  *size_p bytes. Returns 0 or an errno value.
int
    cmd_read_stream(FILE *stream, char **data_p, size_t *size_p);

//  cmd_common.c: parse a whole decimal number in [minimum, maximum] for
//  option. Returns 0, or CMD_EXIT_USAGE after reporting the problem.
int
    cmd_parse_int(const char *command, const char *option, const char *text, long minimum,
                  long maximum, int *value);

//  cmd_common.c: parse a duration ("500ms", "5s", "2m", "1h", "1m30s"; a
//  bare number is milliseconds) in [minimum_ms, maximum_ms] for option,
//  into *value_ms. Returns 0, or CMD_EXIT_USAGE after reporting it.
int
    cmd_parse_duration(const char *command, const char *option, const char *text,
                       int minimum_ms, int maximum_ms, int *value_ms);

//  The line every --help with durations carries.
#define CMD_DURATION_HELP \
    "A DURATION is a whole number and a unit: 500ms, 5s, 2m, 1h, 7d, or several\n" \
    "(1m30s); a bare number is milliseconds.\n"

//  cmd_common.c: CURVE client keys, from --curve-cert FILE (our secret
//  certificate) and --curve-server KEY|FILE (the broker's public key or
//  certificate), or where a flag is not given the environment variables
//  JBUS_CURVE_CERT and JBUS_CURVE_SERVER.
typedef struct {
    bool on;                                //  keys were given
    jb_curve_cert_t cert;                   //  ours, with the secret key
    char server_key [JB_CURVE_KEY_SIZE];    //  the broker's
} cmd_curve_t;

//  Load curve from cert_path and server (NULL: the environment's). Both
//  missing is no CURVE; one without the other, an unreadable file, a bad
//  key or a secret certificate open to others than its owner is a usage
//  error. A secret certificate given as the server's is used for its
//  public key, with a warning on stderr. Returns 0, or CMD_EXIT_USAGE
//  after reporting the problem.
int
    cmd_curve_load(const char *command, const char *cert_path, const char *server,
                   cmd_curve_t *curve);

//  Wipe the keys in curve.
void
    cmd_curve_clear(cmd_curve_t *curve);

//  cmd_common.c: the options of a subcommand that asks a broker something
//  (jbus stats, jbus journal).
typedef struct {
    const char *endpoint;       //  -e, --ENDPOINT_FLAG EP; the default given
    int timeout_ms;             //  -t, --timeout MS; default 2000
    const char *curve_cert;     //  --curve-cert FILE, NULL when not given
    const char *curve_server;   //  --curve-server KEY, NULL when not given
    bool json;                  //  --json, where the subcommand takes it
    bool watch;                 //  --watch, where the subcommand takes it
    int interval_ms;            //  --interval DURATION; default 1000
    int samples;                //  --count N with --watch; 0: until Ctrl-C
} cmd_client_options_t;

//  What cmd_client_parse takes besides the common options.
#define CMD_CLIENT_JSON  1      //  --json
#define CMD_CLIENT_WATCH 2      //  --watch, --interval, --count

//  Parse argv into options: the endpoint under --endpoint_flag (and -e),
//  starting at default_endpoint; --json, --watch... only where extras
//  (CMD_CLIENT_*) say. Returns -1 to go on, or an exit code: CMD_EXIT_OK
//  after help() for --help, CMD_EXIT_USAGE after saying what is wrong.
int
    cmd_client_parse(const char *command, int argc, char **argv, const char *endpoint_flag,
                     const char *default_endpoint, int extras, void (*help)(void),
                     cmd_client_options_t *options);

//  cmd_common.c: a socket of type that asks a broker something (jbus stats,
//  jbus journal): CURVE keys from cert_path and server as cmd_curve_load
//  takes them, linger 0, send and receive timeouts of timeout_ms,
//  connected to endpoint; *curve_on_p says whether CURVE is on. NULL after
//  saying why, with *exit_code_p CMD_EXIT_USAGE (bad keys or endpoint) or
//  CMD_EXIT_FAILURE.
zsock_t *
    cmd_client_socket(const char *command, int type, const char *endpoint, const char *cert_path,
                      const char *server, int timeout_ms, bool *curve_on_p, int *exit_code_p);

int cmd_validate(int argc, char **argv);
int cmd_pub(int argc, char **argv);
int cmd_sub(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_keygen(int argc, char **argv);

#endif
