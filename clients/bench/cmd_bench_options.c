/*  =========================================================================
    cmd_bench_options.c - jbus bench: the command line and --help
    ========================================================================= */

#define _GNU_SOURCE

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jbus.h"
#include "../cmd.h"
#include "bench_support.h"
#include "cmd_bench.h"

#define s_NAME CMD_BENCH_NAME

//  Defaults of the options.
#define s_DEFAULT_COUNT 100000
#define s_DEFAULT_SIZE 150      //  bytes of data: a typical work-tracking payload
#define s_DEFAULT_GRACE_MS 2000
#define s_DEFAULT_FILTER "jerry.work_tracking."

enum {
    s_SIZE = 256, s_RATE, s_HWM, s_FILTER, s_PREFIXES, s_IO_THREADS, s_GRACE,
    s_BROKER_PROGRAM, s_FRONTEND, s_BACKEND, s_CSV, s_JSON, s_DUMP, s_CALLGRIND
};
static const struct option s_long_options [] = {
    { "pub",               required_argument, NULL, 'p' },
    { "sub",               required_argument, NULL, 's' },
    { "count",             required_argument, NULL, 'n' },
    { "duration",          required_argument, NULL, 'd' },
    { "size",              required_argument, NULL, s_SIZE },
    { "mode",              required_argument, NULL, 'm' },
    { "rate",              required_argument, NULL, s_RATE },
    { "hwm",               required_argument, NULL, s_HWM },
    { "filter",            required_argument, NULL, s_FILTER },
    { "prefixes",          required_argument, NULL, s_PREFIXES },
    { "io-threads",        required_argument, NULL, s_IO_THREADS },
    { "grace",             required_argument, NULL, s_GRACE },
    { "broker-program",    required_argument, NULL, s_BROKER_PROGRAM },
    { "frontend",          required_argument, NULL, s_FRONTEND },
    { "backend",           required_argument, NULL, s_BACKEND },
    { "csv",               no_argument,       NULL, s_CSV },
    { "json",              no_argument,       NULL, s_JSON },
    { "quiet",             no_argument,       NULL, 'q' },
    { "dump-frames",       required_argument, NULL, s_DUMP },
    { "callgrind-publish", required_argument, NULL, s_CALLGRIND },
    { "help",              no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

//  --------------------------------------------------------------------------

static void
s_print_help(void)
{
    printf(
        "Usage: jbus bench [--pub N] [--sub N] [--count N | --duration DURATION] [OPTIONS]\n"
        "       jbus bench --dump-frames FILE [--mode MODE] [--size BYTES]\n"
        "       jbus bench --callgrind-publish N [--mode MODE] [--size BYTES]\n"
        "\n"
        "Measure the bus end to end: publishers make, encode and publish events of type\n"
        CMD_BENCH_TYPE " through a broker to subscribers, which\n"
        "receive and decode them. Prints events delivered per second, MB/s, one-way\n"
        "latency percentiles, events lost, and the CPU time and peak memory of each role.\n"
        "Publishers and subscribers are threads of this process; unless told otherwise the\n"
        "broker is embedded too, on tcp://127.0.0.1 with free ports.\n"
        "\n"
        "Load:\n"
        "  -p, --pub N               publishers (default 1)\n"
        "  -s, --sub N               subscribers (default 1)\n"
        "  -n, --count N             events per publisher (default %d)\n"
        "  -d, --duration DURATION   publish this long instead of --count events (30s, 2m;\n"
        "                            here a bare number is seconds)\n"
        "      --size BYTES          size of the event's JSON data (default %d, a typical\n"
        "                            work-tracking payload), at least 8\n"
        "  -m, --mode MODE           binary (default) or structured\n"
        "      --rate R              events/s per publisher, for latency runs\n"
        "                            (default 0: as fast as possible)\n"
        "      --hwm N               high-water mark of every socket, 0 = unlimited (default 0)\n"
        "      --filter FILTER       each subscriber's subscription, a prefix or pattern that\n"
        "                            matches the event type (default " s_DEFAULT_FILTER ")\n"
        "      --prefixes N          also subscribe each subscriber to N distinct prefixes that\n"
        "                            never match (\"jerry.other_000042.\"), to measure the cost\n"
        "                            of many subscriptions (default 0)\n"
        "      --io-threads N        libzmq I/O threads of this process (default 1)\n"
        "      --grace DURATION      when an end event is lost, stop receiving after this\n"
        "                            without events once publishers are done (default %d)\n"
        "\n"
        "Broker (default: embedded in this process):\n"
        "      --broker-program PATH start this jbus-broker program on free ports instead\n"
        "      --frontend EP         use a running broker: its publisher endpoint\n"
        "      --backend EP          and its subscriber endpoint (both needed)\n"
        "\n"
        "Output:\n"
        "      --csv                 one header line and one line of figures on stdout\n"
        "      --json                one JSON object on stdout\n"
        "  -q, --quiet               no progress line on stderr\n"
        "\n"
        "Other modes:\n"
        "      --dump-frames FILE    write the frames of one event as publishers send it, for\n"
        "                            tests/bench_raw.c, and exit (format:\n"
        "                            clients/bench/bench_frames.h)\n"
        "      --callgrind-publish N make, encode and publish N events (without " CMD_BENCH_STAMP_NAME ")\n"
        "                            with no subscriber (the socket drops them) and print the\n"
        "                            time per event; run it under valgrind --tool=callgrind\n"
        "                            for instructions per event\n"
        "  -h, --help                show this help and exit\n"
        "\n"
        "On a 2-core machine one publisher, one subscriber and the broker already saturate\n"
        "both cores: throughput there is bought with CPU per event, reported per role.\n"
        "\n"
        "Latency is measured from right before an event is encoded to right after it is\n"
        "decoded: publishers stamp each event with the extension attribute \"" CMD_BENCH_STAMP_NAME "\",\n"
        "a String of %d digits holding CLOCK_MONOTONIC in nanoseconds.\n"
        "\n"
        CMD_DURATION_HELP
        "\n"
        "Exit codes:\n"
        "  0  the run completed (and nothing was lost with --hwm 0)\n"
        "  1  events were lost although every high-water mark was unlimited (a bug), the\n"
        "     broker program ended during the run, or the run could not be set up or failed\n"
        "  2  usage error\n"
        "\n"
        "Examples:\n"
        "  jbus bench --count 100000\n"
        "  jbus bench --pub 1 --sub 8 --mode structured --size 1024\n"
        "  jbus bench --rate 2000 --count 20000          latency at 2,000 events/s\n",
        s_DEFAULT_COUNT, s_DEFAULT_SIZE, s_DEFAULT_GRACE_MS, BENCH_STAMP_DIGITS);
}

//  --------------------------------------------------------------------------
//  One option and its value into options (count_given: --count was seen).
//  Returns 0, -1 after --help, or CMD_EXIT_USAGE after saying what is
//  wrong.

static int
s_parse_option(int option, const char *value, cmd_bench_options_t *options, bool *count_given)
{
    int number = 0;
    int64_t duration_ms = 0;
    int rc = 0;
    switch (option) {
        case 'p': rc = cmd_parse_int(s_NAME, "--pub", value, 1, 1000, &options->publishers); break;
        case 's': rc = cmd_parse_int(s_NAME, "--sub", value, 1, 1000, &options->subscribers); break;
        case 'n':
            rc = cmd_parse_int(s_NAME, "--count", value, 1, INT32_MAX, &number);
            options->count = number;
            *count_given = true;
            break;
        case 'd':
            //  a duration ("30s", "2m"), or, bare, seconds (fractions too)
            if (jb_duration_parse(value, 1000, &duration_ms, NULL) == 0 && duration_ms > 0
            &&  duration_ms <= 1000000000LL)
                options->duration_s = (double) duration_ms / 1000.0;
            else
            if (!bench_parse_seconds(value, &options->duration_s))
                rc = cmd_usage_error(s_NAME, "bad --duration '%s': a duration (30s, 2m) or, "
                                     "bare, seconds; more than 0", value);
            break;
        case s_SIZE: rc = cmd_parse_int(s_NAME, "--size", value, 8, 64 * 1024 * 1024, &options->size); break;
        case 'm':
            if (strcmp(value, "binary") == 0)
                options->mode = JB_MODE_BINARY;
            else
            if (strcmp(value, "structured") == 0)
                options->mode = JB_MODE_STRUCTURED;
            else
                rc = cmd_usage_error(s_NAME, "bad --mode '%s': binary or structured", value);
            break;
        case s_RATE: rc = cmd_parse_int(s_NAME, "--rate", value, 0, 100000000, &options->rate); break;
        case s_HWM: rc = cmd_parse_int(s_NAME, "--hwm", value, 0, INT32_MAX, &options->hwm); break;
        case s_FILTER: options->filter = value; break;
        case s_PREFIXES:
            rc = cmd_parse_int(s_NAME, "--prefixes", value, 0, 1000000, &options->prefixes);
            break;
        case s_IO_THREADS:
            rc = cmd_parse_int(s_NAME, "--io-threads", value, 1, 64, &options->io_threads);
            break;
        case s_GRACE:
            rc = cmd_parse_duration(s_NAME, "--grace", value, 1, 3600000, &options->grace_ms);
            break;
        case s_BROKER_PROGRAM: options->broker_program = value; break;
        case s_FRONTEND: options->frontend = value; break;
        case s_BACKEND: options->backend = value; break;
        case s_CSV: options->csv = true; break;
        case s_JSON: options->json = true; break;
        case 'q': options->quiet = true; break;
        case s_DUMP: options->dump_frames = value; break;
        case s_CALLGRIND:
            rc = cmd_parse_int(s_NAME, "--callgrind-publish", value, 0, INT32_MAX, &number);
            options->callgrind_publish = number;
            break;
        case 'h': s_print_help(); return -1;
        default: return cmd_usage_hint(s_NAME);
    }
    return rc;
}

//  --------------------------------------------------------------------------
//  What the options say together, once every one is parsed. Returns 0, or
//  CMD_EXIT_USAGE after saying what is wrong.

static int
s_check(cmd_bench_options_t *options, bool count_given)
{
    if (count_given && options->duration_s > 0)
        return cmd_usage_error(s_NAME, "give either --count or --duration, not both");
    if (options->duration_s > 0)
        options->count = 0;
    if (options->csv && options->json)
        return cmd_usage_error(s_NAME, "give either --csv or --json, not both");
    if ((options->frontend != NULL) != (options->backend != NULL))
        return cmd_usage_error(s_NAME, "--frontend and --backend go together");
    if (options->frontend && options->broker_program)
        return cmd_usage_error(s_NAME, "give either --broker-program or --frontend/--backend");
    if (options->dump_frames && options->callgrind_publish >= 0)
        return cmd_usage_error(s_NAME, "give either --dump-frames or --callgrind-publish");
    if (!jb_filter_matches(options->filter, CMD_BENCH_TYPE)) {
        //  a malformed pattern also lands here; say which it may be
        bool is_pattern = strchr(options->filter, '*') || strchr(options->filter, '>');
        return cmd_usage_error(s_NAME, "bad --filter '%s': %s", options->filter,
                               is_pattern? "not a valid pattern, or it does not match " CMD_BENCH_TYPE
                                         : "it does not match the event type " CMD_BENCH_TYPE);
    }
    return 0;
}

//  --------------------------------------------------------------------------

int
cmd_bench_parse(int argc, char **argv, cmd_bench_options_t *options)
{
    memset(options, 0, sizeof *options);
    options->publishers = 1;
    options->subscribers = 1;
    options->count = s_DEFAULT_COUNT;
    options->size = s_DEFAULT_SIZE;
    options->mode = JB_MODE_BINARY;
    options->filter = s_DEFAULT_FILTER;
    options->io_threads = 1;
    options->grace_ms = s_DEFAULT_GRACE_MS;
    options->callgrind_publish = -1;
    bool count_given = false;
    int option, rc = 0;
    while (rc == 0 && (option = getopt_long(argc, argv, "p:s:n:d:m:qh", s_long_options, NULL)) != -1)
        rc = s_parse_option(option, optarg, options, &count_given);
    if (rc)
        return rc;
    if (optind < argc)
        return cmd_usage_error(s_NAME, "unexpected argument '%s'", argv[optind]);
    return s_check(options, count_given);
}
