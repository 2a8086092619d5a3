/*  =========================================================================
    cmd_stats.c - jbus stats: ask a running broker for its counters

        jbus stats [--endpoint EP] [--timeout DURATION] [--json]
                   [--watch [--interval DURATION] [--count N]] [CURVE flags]

    Sends "STATS" to the broker's control endpoint (a REP socket). Prints
    the counters as a table for a person, or the JSON object the broker
    answers with (--json). With --watch, asks again every interval and
    prints the rates since the last answer, one line each, as nats-top
    does (with --json, each answer as one line). A broker with CURVE
    answers only clients it lets in.
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

#define s_NAME "stats"

//  A header line again after this many lines of rates.
#define s_HEADER_EVERY 20

static void
s_print_help(void)
{
    printf(
        "Usage: jbus stats [OPTIONS]\n"
        "\n"
        "Ask a running jbus broker for its counters and print them: messages and bytes\n"
        "in from publishers and out to subscribers, the subscriptions forwarded, the\n"
        "broker's uptime, the messages refused for being past the broker's bounds\n"
        "(oversized; their publishers were disconnected); in strict mode the messages\n"
        "rejected, and with CURVE the refused handshakes (auth failures), the messages\n"
        "dropped and the subscriptions refused (forbidden) by the broker's rules; with a\n"
        "journal, what it committed, dropped and lost, and the replays it served.\n"
        "\n"
        "Options:\n"
        "  -e, --endpoint EP   the broker's control endpoint\n"
        "                      (default " JB_BROKER_CONTROL_DEFAULT ")\n"
        "  -t, --timeout DURATION\n"
        "                      how long to wait for each answer (default 2s)\n"
        "      --json          print the broker's answer, one line of JSON, instead of\n"
        "                      a table\n"
        "      --watch         ask again every --interval and print the rates since\n"
        "                      the last answer, a line each, until Ctrl-C (with --json,\n"
        "                      each answer as a line of JSON)\n"
        "      --interval DURATION\n"
        "                      with --watch, how often (default 1s)\n"
        "      --count N       with --watch, stop after N answers\n"
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
        "  0  the counters were printed (with --watch: Ctrl-C, or --count answers)\n"
        "  1  no answer within the timeout, or a bad answer\n"
        "  2  usage error\n");
}

//  --------------------------------------------------------------------------
//  The counters of one answer.

typedef struct {
    uint64_t in, bytes_in, publishers, rejected, disconnects, oversized, in_forbidden;
    uint64_t announcements, out, bytes_out, deliveries, bytes_delivered, subscribers;
    uint64_t subscriptions, prefixes, subscriber_disconnects, out_forbidden, reannounced;
    uint64_t retained, auth_failures, cut, uptime_ms;
    bool strict, curve, journal;
    uint64_t committed, dropped, lost, commits, trimmed, last, replays, replayed;
} s_counters_t;

static uint64_t
s_number(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsNumber(item) && item->valuedouble > 0? (uint64_t) item->valuedouble: 0;
}

//  False when text is not a STATS answer.
static bool
s_counters_read(const char *text, s_counters_t *counters)
{
    memset(counters, 0, sizeof *counters);
    cJSON *root = cJSON_Parse(text);
    const cJSON *frontend = cJSON_GetObjectItemCaseSensitive(root, "frontend");
    const cJSON *backend = cJSON_GetObjectItemCaseSensitive(root, "backend");
    const cJSON *journal = cJSON_GetObjectItemCaseSensitive(root, "journal");
    bool valid = cJSON_IsObject(frontend) && cJSON_IsObject(backend);
    if (valid) {
        counters->in = s_number(frontend, "messages_in");
        counters->bytes_in = s_number(frontend, "bytes_in");
        counters->publishers = s_number(frontend, "publishers");
        counters->rejected = s_number(frontend, "rejected");
        counters->disconnects = s_number(frontend, "disconnects");
        counters->oversized = s_number(frontend, "oversized");
        counters->in_forbidden = s_number(frontend, "forbidden");
        counters->announcements = s_number(frontend, "announcements");
        counters->out = s_number(backend, "messages_out");
        counters->bytes_out = s_number(backend, "bytes_out");
        counters->deliveries = s_number(backend, "deliveries");
        counters->bytes_delivered = s_number(backend, "bytes_delivered");
        counters->subscribers = s_number(backend, "subscribers");
        counters->subscriptions = s_number(backend, "subscriptions");
        counters->prefixes = s_number(backend, "prefixes");
        counters->subscriber_disconnects = s_number(backend, "disconnects");
        counters->out_forbidden = s_number(backend, "forbidden");
        counters->reannounced = s_number(backend, "reannounced");
        counters->retained = s_number(backend, "retained");
        counters->auth_failures = s_number(root, "auth_failures");
        counters->cut = s_number(root, "cut");
        counters->uptime_ms = s_number(root, "uptime_ms");
        counters->strict = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "strict"));
        counters->curve = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "curve"));
        counters->journal = cJSON_IsObject(journal);
        counters->committed = s_number(journal, "committed");
        counters->dropped = s_number(journal, "dropped");
        counters->lost = s_number(journal, "lost");
        counters->commits = s_number(journal, "commits");
        counters->trimmed = s_number(journal, "trimmed");
        counters->last = s_number(journal, "last");
        counters->replays = s_number(journal, "replays");
        counters->replayed = s_number(journal, "replayed");
    }
    cJSON_Delete(root);
    return valid;
}

//  A count with thousands separated: "1,234,567" into text (32 bytes).
static const char *
s_grouped(uint64_t value, char *text)
{
    char digits [24];
    int length = snprintf(digits, sizeof digits, "%" PRIu64, value);
    int out = 0;
    for (int index = 0; index < length; index++) {
        if (index > 0 && (length - index) % 3 == 0)
            text[out++] = ',';
        text[out++] = digits[index];
    }
    text[out] = '\0';
    return text;
}

//  A rate for a narrow column: "950", "12.3k", "4.1M".
static const char *
s_rate(double value, char *text, size_t size)
{
    if (value < 10000)
        snprintf(text, size, "%.0f", value);
    else
    if (value < 10e6)
        snprintf(text, size, "%.1fk", value / 1e3);
    else
        snprintf(text, size, "%.1fM", value / 1e6);
    return text;
}

static void
s_table_print(const char *endpoint, const s_counters_t *c)
{
    char a [32], b [32], d [32], e [32], f [32];
    uint64_t seconds = c->uptime_ms / 1000;
    printf("broker       ");
    cmd_terminal_write_text(stdout, endpoint, 256);
    printf(", up %" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s, strict %s, CURVE %s\n", seconds / 3600,
           seconds / 60 % 60, seconds % 60, c->strict? "on": "off", c->curve? "on": "off");
    printf("connected    %" PRIu64 " publishers, %" PRIu64 " subscribers (%" PRIu64
           " subscriptions to %" PRIu64 " prefixes)\n", c->publishers, c->subscribers,
           c->subscriptions, c->prefixes);
    printf("in           %s messages, %s bytes; rejected %s, oversized %s, forbidden %s, "
           "announcements %" PRIu64 "\n",
           s_grouped(c->in, a), s_grouped(c->bytes_in, b), s_grouped(c->rejected, d),
           s_grouped(c->oversized, e), s_grouped(c->in_forbidden, f), c->announcements);
    printf("out          %s messages, %s bytes, once each; forbidden %" PRIu64 ", "
           "announcements sent again %" PRIu64 " (%" PRIu64 " kept)\n", s_grouped(c->out, a),
           s_grouped(c->bytes_out, b), c->out_forbidden, c->reannounced, c->retained);
    printf("delivered    %s messages, %s bytes to subscribers\n", s_grouped(c->deliveries, a),
           s_grouped(c->bytes_delivered, b));
    printf("ended        %" PRIu64 " publishers and %" PRIu64 " subscribers disconnected; "
           "%" PRIu64 " cut by the broker, %" PRIu64 " handshakes refused\n", c->disconnects,
           c->subscriber_disconnects, c->cut, c->auth_failures);
    if (c->journal)
        printf("journal      %s committed (last %s) in %s commits; dropped %s, lost %s, "
               "trimmed %" PRIu64 "; %" PRIu64 " replays, %" PRIu64 " events replayed\n",
               s_grouped(c->committed, a), s_grouped(c->last, b), s_grouped(c->commits, d),
               s_grouped(c->dropped, e), s_grouped(c->lost, f), c->trimmed, c->replays,
               c->replayed);
}

//  One line of --watch: the rates between two answers seconds apart.
static void
s_watch_line(const s_counters_t *before, const s_counters_t *now, double seconds, bool header)
{
    if (header)
        printf("%-8s %9s %9s %9s %9s %9s %5s %5s %9s %8s %8s\n", "time", "in/s", "in B/s",
               "out/s", "out B/s", "deliver/s", "pubs", "subs", "journal/s", "dropped",
               "refused");
    char time_text [16];
    time_t wall = time(NULL);
    struct tm local;
    localtime_r(&wall, &local);
    strftime(time_text, sizeof time_text, "%H:%M:%S", &local);
    char r1 [16], r2 [16], r3 [16], r4 [16], r5 [16], r6 [16];
    double span = seconds > 0? seconds: 1;
    //  counters that went back: the broker restarted; rates from zero
    #define s_DELTA(field) (now->field >= before->field? now->field - before->field: now->field)
    printf("%-8s %9s %9s %9s %9s %9s %5" PRIu64 " %5" PRIu64 " %9s %8" PRIu64 " %8" PRIu64
           "\n", time_text,
           s_rate((double) s_DELTA(in) / span, r1, sizeof r1),
           s_rate((double) s_DELTA(bytes_in) / span, r2, sizeof r2),
           s_rate((double) s_DELTA(out) / span, r3, sizeof r3),
           s_rate((double) s_DELTA(bytes_out) / span, r4, sizeof r4),
           s_rate((double) s_DELTA(deliveries) / span, r6, sizeof r6),
           now->publishers, now->subscribers,
           s_rate((double) s_DELTA(committed) / span, r5, sizeof r5),
           s_DELTA(dropped) + s_DELTA(lost),
           s_DELTA(rejected) + s_DELTA(oversized) + s_DELTA(in_forbidden)
           + s_DELTA(out_forbidden) + s_DELTA(auth_failures) + s_DELTA(cut));
    #undef s_DELTA
    fflush(stdout);
}

//  --------------------------------------------------------------------------

//  Ask once: the answer (to free) or NULL after saying why.
static char *
s_ask(zsock_t *request, const char *endpoint, int timeout_ms, bool curve_on)
{
    char *reply = NULL;
    if (zstr_send(request, "STATS") == -1 || !(reply = zstr_recv(request))) {
        if (!zsys_interrupted)
            fprintf(stderr, "jbus " s_NAME ": no answer from %s within %d ms%s\n", endpoint,
                    timeout_ms, curve_on? " (with CURVE, check that the broker lets our key in "
                    "and that --curve-server is its key)": "");
        return NULL;
    }
    if (reply[0] != '{') {
        fprintf(stderr, "jbus " s_NAME ": unexpected answer from %s: ", endpoint);
        cmd_terminal_write_text(stderr, reply, 200);
        fputc('\n', stderr);
        zstr_free(&reply);
    }
    return reply;
}

int
cmd_stats(int argc, char **argv)
{
    cmd_client_options_t options;
    int parsed = cmd_client_parse(s_NAME, argc, argv, "endpoint", JB_BROKER_CONTROL_DEFAULT,
                                  CMD_CLIENT_JSON | CMD_CLIENT_WATCH, s_print_help, &options);
    if (parsed >= 0)
        return parsed;
    const char *endpoint = options.endpoint;
    bool curve_on = false;
    int exit_code;
    zsock_t *request = cmd_client_socket(s_NAME, ZMQ_REQ, endpoint, options.curve_cert,
                                         options.curve_server, options.timeout_ms, &curve_on,
                                         &exit_code);
    if (!request)
        return exit_code;
    exit_code = CMD_EXIT_OK;
    s_counters_t before = { 0 }, now = { 0 };
    int64_t asked_before = 0;
    for (int sample = 0; !zsys_interrupted; sample++) {
        int64_t asked = zclock_mono();
        char *reply = s_ask(request, endpoint, options.timeout_ms, curve_on);
        if (!reply) {
            exit_code = zsys_interrupted && options.watch? CMD_EXIT_OK: CMD_EXIT_FAILURE;
            break;
        }
        if (!options.json && !s_counters_read(reply, &now)) {
            fprintf(stderr, "jbus " s_NAME ": an answer from %s without the counters\n",
                    endpoint);
            zstr_free(&reply);
            exit_code = CMD_EXIT_FAILURE;
            break;
        }
        if (options.json) {
            cmd_terminal_write_json(stdout, reply, strlen(reply));
            fputc('\n', stdout);
            fflush(stdout);
        }
        else
        if (!options.watch)
            s_table_print(endpoint, &now);
        else
        if (sample > 0)
            s_watch_line(&before, &now, (double) (asked - asked_before) / 1000.0,
                         (sample - 1) % s_HEADER_EVERY == 0);
        zstr_free(&reply);
        before = now;
        asked_before = asked;
        //  the first answer of --watch only starts the rates
        bool done = !options.watch
                 || (options.samples > 0 && sample + 1 >= options.samples + (options.json? 0: 1));
        if (done)
            break;
        int64_t due = asked + options.interval_ms;
        while (!zsys_interrupted && zclock_mono() < due)
            zmq_poll(NULL, 0, (long) (due - zclock_mono()));
    }
    zsock_destroy(&request);
    return exit_code;
}
