/*  =========================================================================
    cmd_stats.c - jbus stats: ask a running broker for its counters

        jbus stats [--endpoint EP] [--timeout MS] [--curve-cert FILE --curve-server KEY]

    Sends "STATS" to the broker's control endpoint (a REP socket) and prints
    the JSON object it answers with, one line. A broker with CURVE answers
    only clients it lets in.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <czmq.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "jbus.h"
#include "cmd.h"
#include "terminal.h"

#define s_NAME "stats"

static void
s_print_help(void)
{
    printf(
        "Usage: jbus stats [OPTIONS]\n"
        "\n"
        "Ask a running jbus broker for its counters and print them as one line of\n"
        "JSON: messages and bytes in from publishers and out to subscribers, the\n"
        "subscriptions forwarded, the broker's uptime, the messages refused for being\n"
        "past the broker's bounds (frontend.oversized; their publishers were\n"
        "disconnected); in strict mode the messages rejected, and with CURVE the\n"
        "refused handshakes (auth_failures), the messages dropped (frontend.forbidden)\n"
        "and the subscriptions refused (backend.forbidden) by the broker's rules.\n"
        "\n"
        "Options:\n"
        "  -e, --endpoint EP   the broker's control endpoint\n"
        "                      (default " JB_BROKER_CONTROL_DEFAULT ")\n"
        "  -t, --timeout DURATION\n"
        "                      how long to wait for the answer (default 2s)\n"
        "      --curve-cert FILE\n"
        "                      CURVE: our secret certificate (the _secret file of\n"
        "                      jbus keygen); default $JBUS_CURVE_CERT\n"
        "      --curve-server KEY\n"
        "                      CURVE: the broker's public key, or its public\n"
        "                      certificate; default $JBUS_CURVE_SERVER. Both or\n"
        "                      neither (docs/security.md)\n"
        "  -h, --help          show this help and exit\n"
        "\n"
        CMD_DURATION_HELP
        "\n"
        "Exit codes:\n"
        "  0  the counters were printed\n"
        "  1  no answer within the timeout, or a bad answer\n"
        "  2  usage error\n");
}

int
cmd_stats(int argc, char **argv)
{
    cmd_client_options_t options;
    int parsed = cmd_client_parse(s_NAME, argc, argv, "endpoint", JB_BROKER_CONTROL_DEFAULT,
                                  false, s_print_help, &options);
    if (parsed >= 0)
        return parsed;
    const char *endpoint = options.endpoint;
    int timeout_ms = options.timeout_ms;
    bool curve_on = false;
    int exit_code;
    zsock_t *request = cmd_client_socket(s_NAME, ZMQ_REQ, endpoint, options.curve_cert,
                                         options.curve_server, timeout_ms, &curve_on,
                                         &exit_code);
    if (!request)
        return exit_code;
    exit_code = CMD_EXIT_FAILURE;
    char *reply = NULL;
    if (zstr_send(request, "STATS") == -1 || !(reply = zstr_recv(request)))
        fprintf(stderr, "jbus " s_NAME ": no answer from %s within %d ms%s\n", endpoint, timeout_ms,
                curve_on? " (with CURVE, check that the broker lets our key in and that "
                "--curve-server is its key)": "");
    else
    if (reply[0] != '{') {
        fprintf(stderr, "jbus " s_NAME ": unexpected answer from %s: ", endpoint);
        cmd_terminal_write_text(stderr, reply, 200);
        fputc('\n', stderr);
    }
    else {
        cmd_terminal_write_json(stdout, reply, strlen(reply));
        fputc('\n', stdout);
        exit_code = CMD_EXIT_OK;
    }
    zstr_free(&reply);
    zsock_destroy(&request);
    return exit_code;
}
