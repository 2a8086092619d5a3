/*  =========================================================================
    cmd_stats.c - jbus stats: ask a running broker for its counters

        jbus stats [--endpoint EP] [--timeout MS]

    Sends "STATS" to the broker's control endpoint (a REP socket) and prints
    the JSON object it answers with, one line.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <czmq.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "jbus.h"
#include "cmd.h"

#define s_NAME "stats"

static void
s_print_help(void)
{
    printf(
        "Usage: jbus stats [OPTIONS]\n"
        "\n"
        "Ask a running jbus broker for its counters and print them as one line of\n"
        "JSON: messages and bytes in from publishers and out to subscribers, the\n"
        "subscriptions forwarded, and the broker's uptime.\n"
        "\n"
        "Options:\n"
        "  -e, --endpoint EP   the broker's control endpoint\n"
        "                      (default " JB_BROKER_CONTROL_DEFAULT ")\n"
        "  -t, --timeout MS    how long to wait for the answer (default 2000)\n"
        "  -h, --help          show this help and exit\n"
        "\n"
        "Exit codes:\n"
        "  0  the counters were printed\n"
        "  1  no answer within the timeout, or a bad answer\n"
        "  2  usage error\n");
}

int
cmd_stats(int argc, char **argv)
{
    static const struct option long_options [] = {
        { "endpoint", required_argument, NULL, 'e' },
        { "timeout",  required_argument, NULL, 't' },
        { "help",     no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *endpoint = JB_BROKER_CONTROL_DEFAULT;
    int timeout_ms = 2000;
    int option, rc = 0;
    while (rc == 0 && (option = getopt_long(argc, argv, "e:t:h", long_options, NULL)) != -1) {
        switch (option) {
            case 'e': endpoint = optarg; break;
            case 't': rc = cmd_parse_int(s_NAME, "--timeout", optarg, 1, INT32_MAX, &timeout_ms); break;
            case 'h': s_print_help(); return CMD_EXIT_OK;
            default: return cmd_usage_hint(s_NAME);
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return cmd_usage_error(s_NAME, "unexpected argument '%s'", argv[optind]);

    zsock_t *request = zsock_new(ZMQ_REQ);
    if (!request) {
        fprintf(stderr, "jbus " s_NAME ": cannot create a socket\n");
        return CMD_EXIT_FAILURE;
    }
    zsock_set_linger(request, 0);
    zsock_set_sndtimeo(request, timeout_ms);
    zsock_set_rcvtimeo(request, timeout_ms);
    int exit_code = CMD_EXIT_FAILURE;
    char *reply = NULL;
    if (zsock_connect(request, "%s", endpoint) == -1)
        fprintf(stderr, "jbus " s_NAME ": cannot connect to %s: %s\n", endpoint,
                zmq_strerror(zmq_errno()));
    else
    if (zstr_send(request, "STATS") == -1 || !(reply = zstr_recv(request)))
        fprintf(stderr, "jbus " s_NAME ": no answer from %s within %d ms\n", endpoint, timeout_ms);
    else
    if (reply[0] != '{')
        fprintf(stderr, "jbus " s_NAME ": unexpected answer from %s: %.200s\n", endpoint, reply);
    else {
        printf("%s\n", reply);
        exit_code = CMD_EXIT_OK;
    }
    zstr_free(&reply);
    zsock_destroy(&request);
    return exit_code;
}
