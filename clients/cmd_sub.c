/*  =========================================================================
    cmd_sub.c - jbus sub: print the events published on the bus

        jbus sub [OPTIONS] FILTER...

    Each FILTER is a type prefix ("jerry.work_tracking.") or a segment
    pattern ("jerry.*.task.completed", "jerry.work_tracking.>"). Every event
    that matches one is printed as one line of JSON (the JSON event format),
    flushed at once, so the output can be piped. Malformed messages and
    events missed (gaps in a publisher's sequence numbers) are reported on
    stderr.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <czmq.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbus.h"
#include "cmd.h"
#include "terminal.h"

#define s_NAME "sub"

typedef struct {
    const char *endpoint;
    jb_subscriber_options_t subscriber;
    jb_extension_def_t *known;  //  --ext declarations, ended by { NULL }
    size_t known_count;
    int count;                  //  stop after this many events, 0 = never
    int timeout_ms;             //  stop after this long, -1 = never
    bool stats;                 //  print counters on exit
    bool quiet;                 //  no rejected-message warnings
    const char *curve_cert, *curve_server;      //  CURVE flags, NULL when not given
    char replay_start [64];     //  --from-start, --from-seq, --since as a
                                //  replay start; "" for live only
    bool replay_given;          //  --replay: repair gaps from its journal
    int ack_every;              //  --ack-every
} s_options_t;

//  --------------------------------------------------------------------------

static void
s_print_help(void)
{
    printf(
        "Usage: jbus sub [OPTIONS] FILTER...\n"
        "\n"
        "Subscribe to a jbus broker and print each event whose type matches a FILTER\n"
        "as one line of JSON (the CloudEvents JSON event format). A FILTER is a type\n"
        "prefix, e.g. jerry.work_tracking. (matched byte by byte; \"\" for every\n"
        "event), or a pattern of dot-separated segments where * is exactly one\n"
        "segment and > one or more trailing segments, e.g. jerry.*.task.completed or\n"
        "jerry.work_tracking.>. Malformed messages are reported on stderr and skipped.\n"
        "\n"
        "Options:\n"
        "  -e, --endpoint EP     the broker's subscriber endpoint\n"
        "                        (default " JB_DEFAULT_SUBSCRIBE_ENDPOINT ")\n"
        "      --bind            bind EP instead of connecting (no broker)\n"
        "      --connect-timeout DURATION\n"
        "                        how long to wait for the broker at the start: no\n"
        "                        broker there, a peer that is not its subscriber\n"
        "                        endpoint, or a CURVE key it refuses is then an error\n"
        "                        (default 2s; 0 = wait in the background, silently)\n"
        "  -n, --count N         exit after N events\n"
        "  -t, --timeout DURATION\n"
        "                        exit after this long\n"
        "      --ext NAME=TYPE   declare the type of an extension that structured-mode\n"
        "                        JSON cannot express (Binary, URI, URI-reference,\n"
        "                        Timestamp, ...). Repeatable.\n"
        "      --hwm N           high-water mark, 0 = unlimited (default 100000)\n"
        "      --from-start      first print what the broker's journal holds of the FILTERs,\n"
        "                        from its first event, then go on live, without a\n"
        "                        duplicate or a gap at the seam (the broker needs\n"
        "                        --journal; docs/replay.md)\n"
        "      --from-seq N      likewise, from the journal's sequence N\n"
        "      --since WHEN      likewise, from a time: a duration back from now (30s,\n"
        "                        10m, 2h, 7d) or an RFC 3339 timestamp\n"
        "      --durable NAME    read as the broker journal's durable consumer NAME:\n"
        "                        every event the FILTERs match, from after the last\n"
        "                        one acknowledged under NAME (the first held for a\n"
        "                        new NAME, or where --from-start, --from-seq or\n"
        "                        --since say), then each as it is journaled;\n"
        "                        restarted under the same NAME, nothing is lost (at\n"
        "                        least once)\n"
        "      --ack-every N     with --durable, acknowledge every N events printed\n"
        "                        (and before waiting, and on exit): a restart after\n"
        "                        a crash prints at most N again (default 100)\n"
        "      --replay EP       the broker's replay endpoint for these\n"
        "                        (default " JB_BROKER_REPLAY_DEFAULT "). Given, or with\n"
        "                        the options above, a gap in the live stream (a\n"
        "                        subscriber too slow, a broker restarted) is repaired\n"
        "                        from the journal: only what it lacks is reported lost\n"
        "      --no-repair       report gaps without repairing them\n"
        "      --stats           print the counters on stderr on exit: messages received,\n"
        "                        events delivered, filtered and rejected, the gaps in\n"
        "                        publishers' sequence numbers with the events missed,\n"
        "                        and of those the repaired and the unrecoverable\n"
        "      --curve-cert FILE\n"
        "                        CURVE: our secret certificate (the _secret file of\n"
        "                        jbus keygen); default $JBUS_CURVE_CERT\n"
        "      --curve-server KEY\n"
        "                        CURVE: the broker's public key, or its public\n"
        "                        certificate; default $JBUS_CURVE_SERVER. Both or\n"
        "                        neither (docs/security.md). The broker refuses a\n"
        "                        FILTER its rules do not allow us, a shorter prefix\n"
        "                        than an allowed one too, and tells us: exit 1\n"
        "  -q, --quiet           do not report rejected messages and missed events\n"
        "  -h, --help            show this help and exit\n"
        "\n"
        CMD_DURATION_HELP
        "\n"
        "Exit codes:\n"
        "  0  --count events received, or stopped by --timeout or Ctrl-C without --count\n"
        "  1  --timeout passed before --count events; no broker, or not one that\n"
        "     takes subscribers, at EP within --connect-timeout; the broker refused\n"
        "     our CURVE key or a FILTER\n"
        "  2  usage error, a malformed endpoint among them\n"
        "\n"
        "Examples:\n"
        "  jbus sub jerry.work_tracking.\n"
        "  jbus sub --count 1 --timeout 5000 'jerry.*.task.completed'\n");
}

//  --------------------------------------------------------------------------
//  Report a rejected message on stderr.

static void
s_on_reject(const jb_frame_t *frames, size_t count, const jb_error_t *reason, void *arg)
{
    (void) frames;
    (void) count;
    if (!*(bool *) arg)
        fprintf(stderr, "jbus " s_NAME ": rejected a message: %s\n", reason->message);
}

//  Report a detected loss on stderr.

static void
s_on_gap(const char *publisher, const char *type, uint32_t count, void *arg)
{
    if (!*(bool *) arg)
        fprintf(stderr, "jbus " s_NAME ": missed %u event%s of %s from publisher %s\n",
                count, count == 1? "": "s", type, publisher);
}

//  --------------------------------------------------------------------------
//  --since: a duration back from now ("90s", "10m", "2h", "7d") or an RFC
//  3339 timestamp, as the replay start "time:MS" in start (64 bytes).
//  Returns 0, or CMD_EXIT_USAGE after saying why.

static int
s_since(const char *text, char *start)
{
    int64_t ago = 0;
    if (jb_duration_parse(text, 1, &ago, NULL) == 0 && ago <= zclock_time()) {
        snprintf(start, 64, "time:%lld", (long long) (zclock_time() - ago));
        return 0;
    }
    jb_timestamp_t timestamp;
    if (jb_timestamp_parse(text, strlen(text), &timestamp) == 0 && timestamp.seconds >= 0) {
        snprintf(start, 64, "time:%lld", (long long) timestamp.seconds * 1000
                 + timestamp.nanoseconds / 1000000);
        return 0;
    }
    return cmd_usage_error(s_NAME, "bad --since '%s': a duration back from now (30s, 10m, "
                           "2h, 7d, 1h30m) or an RFC 3339 timestamp", text);
}

//  --------------------------------------------------------------------------

static int
s_parse(int argc, char **argv, s_options_t *options)
{
    enum { s_BIND = 256, s_EXT, s_HWM, s_STATS, s_CURVE_CERT, s_CURVE_SERVER, s_CONNECT,
           s_FROM_START, s_FROM_SEQ, s_SINCE, s_REPLAY, s_DURABLE, s_ACK_EVERY, s_NO_REPAIR };
    static const struct option long_options [] = {
        { "endpoint", required_argument, NULL, 'e' },
        { "bind",     no_argument,       NULL, s_BIND },
        { "connect-timeout", required_argument, NULL, s_CONNECT },
        { "from-start", no_argument,     NULL, s_FROM_START },
        { "from-seq", required_argument, NULL, s_FROM_SEQ },
        { "since",    required_argument, NULL, s_SINCE },
        { "replay",   required_argument, NULL, s_REPLAY },
        { "durable",  required_argument, NULL, s_DURABLE },
        { "ack-every", required_argument, NULL, s_ACK_EVERY },
        { "no-repair", no_argument,      NULL, s_NO_REPAIR },
        { "count",    required_argument, NULL, 'n' },
        { "timeout",  required_argument, NULL, 't' },
        { "ext",      required_argument, NULL, s_EXT },
        { "hwm",      required_argument, NULL, s_HWM },
        { "stats",    no_argument,       NULL, s_STATS },
        { "curve-cert", required_argument, NULL, s_CURVE_CERT },
        { "curve-server", required_argument, NULL, s_CURVE_SERVER },
        { "quiet",    no_argument,       NULL, 'q' },
        { "help",     no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int option, rc = 0;
    while (rc == 0 && (option = getopt_long(argc, argv, "e:n:t:qh", long_options, NULL)) != -1) {
        switch (option) {
            case 'e': options->endpoint = optarg; break;
            case s_BIND: options->subscriber.bind = true; break;
            case s_CONNECT:
                rc = cmd_parse_duration(s_NAME, "--connect-timeout", optarg, 0, INT32_MAX,
                                   &options->subscriber.connect_timeout_ms);
                break;
            case s_FROM_START:
                snprintf(options->replay_start, sizeof options->replay_start, "first");
                break;
            case s_FROM_SEQ: {
                int sequence = 0;
                rc = cmd_parse_int(s_NAME, "--from-seq", optarg, 1, INT32_MAX, &sequence);
                snprintf(options->replay_start, sizeof options->replay_start, "seq:%d",
                         sequence);
                break;
            }
            case s_SINCE: rc = s_since(optarg, options->replay_start); break;
            case s_REPLAY:
                options->subscriber.replay_endpoint = optarg;
                options->replay_given = true;
                break;
            case s_DURABLE: options->subscriber.durable = optarg; break;
            case s_ACK_EVERY:
                rc = cmd_parse_int(s_NAME, "--ack-every", optarg, 1, 1000000, &options->ack_every);
                break;
            case s_NO_REPAIR: options->subscriber.repair = false; break;
            case 'n': rc = cmd_parse_int(s_NAME, "--count", optarg, 1, INT32_MAX, &options->count); break;
            case 't':
                rc = cmd_parse_duration(s_NAME, "--timeout", optarg, 0, INT32_MAX,
                                        &options->timeout_ms);
                break;
            case s_EXT:
                rc = cmd_add_extension_def(s_NAME, options->known, &options->known_count, optarg);
                break;
            case s_HWM:
                rc = cmd_parse_int(s_NAME, "--hwm", optarg, 0, INT32_MAX, &options->subscriber.rcvhwm);
                break;
            case s_STATS: options->stats = true; break;
            case s_CURVE_CERT: options->curve_cert = optarg; break;
            case s_CURVE_SERVER: options->curve_server = optarg; break;
            case 'q': options->quiet = true; break;
            case 'h': s_print_help(); return -1;
            default: return cmd_usage_hint(s_NAME);
        }
    }
    if (rc == 0 && optind >= argc)
        rc = cmd_usage_error(s_NAME, "give at least one FILTER (\"\" for every event)");
    if (rc == 0 && options->ack_every && !options->subscriber.durable)
        rc = cmd_usage_error(s_NAME, "--ack-every is for a --durable subscriber");
    return rc;
}

//  --------------------------------------------------------------------------

int
cmd_sub(int argc, char **argv)
{
    s_options_t options;
    memset(&options, 0, sizeof options);
    options.endpoint = JB_DEFAULT_SUBSCRIBE_ENDPOINT;
    jb_subscriber_options_defaults(&options.subscriber);
    options.subscriber.connect_timeout_ms = CMD_CONNECT_TIMEOUT_MS;
    options.timeout_ms = -1;
    options.known = (jb_extension_def_t *) calloc((size_t) argc + 1, sizeof *options.known);
    if (!options.known)
        return cmd_usage_error(s_NAME, "out of memory");
    int exit_code = s_parse(argc, argv, &options);
    options.subscriber.known = options.known;
    if (options.ack_every)
        options.subscriber.ack_every = (uint32_t) options.ack_every;
    if (options.replay_start[0])
        options.subscriber.replay_start = options.replay_start;
    //  the journal is asked only when an option says there is one: a gap
    //  would otherwise wait for a replay endpoint that is not there
    if (options.replay_start[0] || options.subscriber.durable || options.replay_given) {
        if (!options.subscriber.replay_endpoint)
            options.subscriber.replay_endpoint = JB_BROKER_REPLAY_DEFAULT;
    }
    else
        options.subscriber.replay_endpoint = NULL;
    cmd_curve_t curve;
    memset(&curve, 0, sizeof curve);
    if (exit_code == 0)
        exit_code = cmd_curve_load(s_NAME, options.curve_cert, options.curve_server, &curve);
    if (curve.on) {
        options.subscriber.curve_server_key = curve.server_key;
        options.subscriber.curve_public_key = curve.cert.public_key;
        options.subscriber.curve_secret_key = curve.cert.secret_key;
    }

    jb_subscriber_t *subscriber = NULL;
    jb_error_t error;
    if (exit_code == 0) {
        subscriber = jb_subscriber_new(options.endpoint, &options.subscriber, &error);
        if (!subscriber && error.code == JB_EINVAL)
            exit_code = cmd_usage_error(s_NAME, "%s", error.message);
        else
        if (!subscriber && error.code == JB_EINTR)
            exit_code = -1;                     //  Ctrl-C while waiting: exit 0
        else
        if (!subscriber) {
            fprintf(stderr, "jbus " s_NAME ": %s\n", error.message);
            exit_code = CMD_EXIT_FAILURE;
        }
    }
    //  the subscriber holds its own copies of the keys now
    cmd_curve_clear(&curve);
    for (int index = optind; exit_code == 0 && index < argc; index++)
        if (jb_subscriber_subscribe(subscriber, argv[index], &error))
            exit_code = cmd_usage_error(s_NAME, "bad FILTER '%s': %s", argv[index], error.message);
    if (exit_code == 0) {
        jb_subscriber_on_reject(subscriber, s_on_reject, &options.quiet);
        jb_subscriber_on_gap(subscriber, s_on_gap, &options.quiet);
    }

    int64_t deadline = options.timeout_ms >= 0? zclock_mono() + options.timeout_ms: -1;
    int received = 0;
    //  a signal that came while we printed, not while recv waited, ends the
    //  loop here: recv would not see it
    while (exit_code == 0 && !zsys_interrupted
       &&  (options.count == 0 || received < options.count)) {
        int wait = -1;
        if (deadline >= 0) {
            int64_t remaining = deadline - zclock_mono();
            if (remaining <= 0)
                break;
            wait = (int) remaining;
        }
        jb_event_t *event = NULL;
        int rc = jb_subscriber_recv(subscriber, wait, &event, &error);
        if (rc == JB_ETIMEDOUT)
            break;
        //  catching up or a repair failed (the library goes on live), or
        //  a durable consumer's broker went silent (it follows anew): say
        //  so, go on
        if (rc == JB_ECONNECT || rc == JB_EIO) {
            fprintf(stderr, "jbus " s_NAME ": %s\n", error.message);
            continue;
        }
        if (rc) {
            if (!zsys_interrupted)
                fprintf(stderr, "jbus " s_NAME ": %s\n", error.message);
            //  a refused FILTER would never bring an event: stop, and say so
            if (rc == JB_EDENIED)
                exit_code = CMD_EXIT_FAILURE;
            break;                              //  Ctrl-C, or the socket failed
        }
        char *json = NULL;
        size_t size = 0;
        if (jb_json_encode(event, &json, &size, &error) == 0) {
            cmd_terminal_write_json(stdout, json, size);
            fputc('\n', stdout);
            fflush(stdout);
            received++;
        }
        else
            fprintf(stderr, "jbus " s_NAME ": cannot print an event: %s\n", error.message);
        free(json);
        jb_event_destroy(&event);
    }
    if (exit_code == 0 && options.count > 0 && received < options.count && !zsys_interrupted) {
        fprintf(stderr, "jbus " s_NAME ": %d of %d events before the timeout\n",
                received, options.count);
        exit_code = CMD_EXIT_FAILURE;
    }
    if (subscriber && options.stats) {
        jb_subscriber_stats_t stats;
        jb_subscriber_stats(subscriber, &stats);
        fprintf(stderr, "jbus " s_NAME ": received %llu, delivered %llu, filtered %llu, "
                "rejected %llu, gaps %llu, missed %llu, repaired %llu, unrecoverable %llu, "
                "replayed %llu, duplicates %llu\n",
                (unsigned long long) stats.received,
                (unsigned long long) stats.delivered, (unsigned long long) stats.filtered,
                (unsigned long long) stats.rejected, (unsigned long long) stats.gaps,
                (unsigned long long) stats.missed, (unsigned long long) stats.repaired,
                (unsigned long long) stats.unrecoverable, (unsigned long long) stats.replayed,
                (unsigned long long) stats.duplicates);
    }
    jb_subscriber_destroy(&subscriber);
    for (size_t index = 0; index < options.known_count; index++)
        free((char *) options.known[index].name);
    free(options.known);
    return exit_code == -1? CMD_EXIT_OK: exit_code;
}
