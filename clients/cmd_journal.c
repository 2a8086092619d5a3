/*  =========================================================================
    cmd_journal.c - jbus journal: what a broker's journal holds

        jbus journal [--replay EP] [--json] [--timeout MS] [CURVE flags]

    Asks the broker's replay endpoint for INFO (docs/replay.md) and prints
    the journal's first and last sequence, its events and bytes, the
    oldest event's time, each durable consumer with its position and lag,
    and the journal writer's commit and loss counters; as text, or the
    broker's JSON with --json.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <cjson/cJSON.h>
#include <czmq.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jbus.h"
#include "cmd.h"
#include "terminal.h"

#define s_NAME "journal"

static void
s_print_help(void)
{
    printf(
        "Usage: jbus journal [OPTIONS]\n"
        "\n"
        "Ask a running jbus broker what its journal holds (jbus-broker --journal):\n"
        "the first and last sequence, the events and bytes held, the oldest event's\n"
        "time, each durable consumer with its acknowledged position and its lag\n"
        "behind the last sequence, and the journal's commits, losses (a full disk)\n"
        "and events removed by retention since the broker started.\n"
        "\n"
        "Options:\n"
        "  -e, --replay EP     the broker's replay endpoint\n"
        "                      (default " JB_BROKER_REPLAY_DEFAULT ")\n"
        "      --json          print the broker's answer as one line of JSON\n"
        "  -t, --timeout DURATION\n"
        "                      how long to wait for the answer (default 2s)\n"
        "      --curve-cert FILE\n"
        "                      CURVE: our secret certificate; default $JBUS_CURVE_CERT\n"
        "      --curve-server KEY\n"
        "                      CURVE: the broker's public key or certificate; default\n"
        "                      $JBUS_CURVE_SERVER (docs/security.md)\n"
        "  -h, --help          show this help and exit\n"
        "\n"
        CMD_DURATION_HELP
        "\n"
        "Exit codes:\n"
        "  0  the journal was described\n"
        "  1  no broker, no answer within the timeout, or an error from the broker\n"
        "  2  usage error\n");
}

//  A number member of root, 0 when it has none.
static uint64_t
s_number(const cJSON *root, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, name);
    return cJSON_IsNumber(item) && item->valuedouble > 0? (uint64_t) item->valuedouble: 0;
}

static void
s_print_text(const cJSON *root, const char *endpoint)
{
    uint64_t first = s_number(root, "first"), last = s_number(root, "last");
    printf("journal at %s\n", endpoint);
    if (s_number(root, "count") == 0)
        printf("  events      none held; the last sequence given is %" PRIu64 "\n", last);
    else
        printf("  events      %" PRIu64 " (sequences %" PRIu64 " to %" PRIu64 "), %" PRIu64
               " bytes, within a map of %" PRIu64 " bytes\n", s_number(root, "count"), first,
               last, s_number(root, "bytes"), s_number(root, "map_bytes"));
    uint64_t oldest_ms = s_number(root, "oldest_ms");
    if (oldest_ms) {
        time_t seconds = (time_t) (oldest_ms / 1000);
        struct tm utc;
        char text [32] = "";
        if (gmtime_r(&seconds, &utc))
            strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
        printf("  oldest      %s.%03dZ\n", text, (int) (oldest_ms % 1000));
    }
    printf("  writer      %" PRIu64 " events committed in %" PRIu64 " commits, %" PRIu64
           " lost, %" PRIu64 " removed by retention, since the broker started\n",
           s_number(root, "committed"), s_number(root, "commits"), s_number(root, "lost"),
           s_number(root, "trimmed"));
    const cJSON *consumers = cJSON_GetObjectItemCaseSensitive(root, "consumers");
    if (cJSON_GetArraySize(consumers) == 0)
        printf("  consumers   none\n");
    const cJSON *consumer;
    cJSON_ArrayForEach(consumer, consumers) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(consumer, "name");
        uint64_t position = s_number(consumer, "position");
        printf("  consumer    ");
        if (cJSON_IsString(name))
            cmd_terminal_write_text(stdout, name->valuestring, 128);
        printf(" at %" PRIu64 ", %" PRIu64 " behind\n", position,
               last > position? last - position: 0);
    }
}

int
cmd_journal(int argc, char **argv)
{
    cmd_client_options_t options;
    int parsed = cmd_client_parse(s_NAME, argc, argv, "replay", JB_BROKER_REPLAY_DEFAULT,
                                  CMD_CLIENT_JSON, s_print_help, &options);
    if (parsed >= 0)
        return parsed;
    const char *endpoint = options.endpoint;
    int timeout_ms = options.timeout_ms;
    bool curve_on = false;
    int exit_code;
    zsock_t *client = cmd_client_socket(s_NAME, ZMQ_DEALER, endpoint, options.curve_cert,
                                        options.curve_server, timeout_ms, &curve_on, &exit_code);
    if (!client)
        return exit_code;
    exit_code = CMD_EXIT_FAILURE;
    zmsg_t *reply = NULL;
    if (zstr_send(client, "INFO") == -1 || !(reply = zmsg_recv(client)))
        fprintf(stderr, "jbus " s_NAME ": no answer from %s within %d ms (is the broker's "
                "journal on, and is this its replay endpoint?%s)\n", endpoint, timeout_ms,
                curve_on? " With CURVE, check that the broker lets our key in and that "
                "--curve-server is its key": "");
    else {
        char *command = zmsg_popstr(reply);
        char *text = zmsg_popstr(reply);
        cJSON *root = command && text && streq(command, "INFO")? cJSON_Parse(text): NULL;
        if (!root) {
            fprintf(stderr, "jbus " s_NAME ": %s from %s: ", command && streq(command, "ERROR")?
                    "an error": "an unexpected answer", endpoint);
            cmd_terminal_write_text(stderr, text? text: "", 300);
            fputc('\n', stderr);
        }
        else {
            if (options.json) {
                cmd_terminal_write_json(stdout, text, strlen(text));
                fputc('\n', stdout);
            }
            else
                s_print_text(root, endpoint);
            exit_code = CMD_EXIT_OK;
        }
        cJSON_Delete(root);
        free(command);
        free(text);
    }
    zmsg_destroy(&reply);
    zsock_destroy(&client);
    return exit_code;
}
