/*  =========================================================================
    bench_raw_options.c - bench_raw's command line and --help
    ========================================================================= */

#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_support.h"
#include "bench_raw.h"

#define s_DEFAULT_FILTER "jerry.work_tracking."
#define s_DEFAULT_COUNT 100000
#define s_DEFAULT_GRACE_MS 2000

static const char *s_forwarder_names [] = { "zmq_proxy", "zmq_proxy_process", "jbus-broker" };

enum { s_RATE = 256, s_HWM, s_FILTER, s_PREFIXES, s_FORWARDER, s_BROKER_PROGRAM_OPTION,
       s_IO_THREADS, s_GRACE, s_CSV, s_JSON };
static const struct option s_long_options [] = {
    { "frames",         required_argument, NULL, 'f' },
    { "pub",            required_argument, NULL, 'p' },
    { "sub",            required_argument, NULL, 's' },
    { "count",          required_argument, NULL, 'n' },
    { "duration",       required_argument, NULL, 'd' },
    { "rate",           required_argument, NULL, s_RATE },
    { "hwm",            required_argument, NULL, s_HWM },
    { "filter",         required_argument, NULL, s_FILTER },
    { "prefixes",       required_argument, NULL, s_PREFIXES },
    { "forwarder",      required_argument, NULL, s_FORWARDER },
    { "broker-program", required_argument, NULL, s_BROKER_PROGRAM_OPTION },
    { "io-threads",     required_argument, NULL, s_IO_THREADS },
    { "grace",          required_argument, NULL, s_GRACE },
    { "csv",            no_argument,       NULL, s_CSV },
    { "json",           no_argument,       NULL, s_JSON },
    { "quiet",          no_argument,       NULL, 'q' },
    { "help",           no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

//  --------------------------------------------------------------------------

static void
s_print_help(void)
{
    printf(
        "Usage: bench_raw --frames FILE [OPTIONS]\n"
        "\n"
        "The raw-libzmq baseline of jbus bench: send the frames of FILE (written by\n"
        "jbus bench --dump-frames) unchanged from publisher threads through a forwarder\n"
        "to subscriber threads over tcp loopback, and print jbus bench's figures.\n"
        "\n"
        "  -f, --frames FILE         the frames to send (required)\n"
        "  -p, --pub N               publishers (default 1)\n"
        "  -s, --sub N               subscribers (default 1)\n"
        "  -n, --count N             messages per publisher (default %d)\n"
        "  -d, --duration S          publish for S seconds instead\n"
        "      --rate R              messages/s per publisher, 0 = no limit (default 0)\n"
        "      --hwm N               high-water mark of every socket, 0 = unlimited (default 0)\n"
        "      --filter PREFIX       each subscriber's subscription (default " s_DEFAULT_FILTER ")\n"
        "      --prefixes N          extra never-matching prefixes per subscriber (default 0)\n"
        "      --forwarder NAME      zmq_proxy (default): in a thread of this program, on\n"
        "                            the publishers' and subscribers' ZeroMQ context;\n"
        "                            zmq_proxy_process: in a child process with its own;\n"
        "                            jbus-broker: the program --broker-program names\n"
        "      --broker-program PATH the jbus-broker program for --forwarder jbus-broker\n"
        "      --io-threads N        libzmq I/O threads (default 1)\n"
        "      --grace MS            when an end message is lost, stop receiving after MS\n"
        "                            without messages once publishers are done (default %d)\n"
        "      --csv                 one header line and one line of figures\n"
        "      --json                one JSON object\n"
        "  -q, --quiet               no progress line on stderr\n"
        "  -h, --help                show this help and exit\n"
        "\n"
        "Latency: publishers write CLOCK_MONOTONIC nanoseconds as 20 digits over the\n"
        "event's \"benchsent\" value (its place is in FILE), so frames keep their size.\n"
        "\n"
        "Exit codes:\n"
        "  0  the run completed (and nothing was lost with --hwm 0)\n"
        "  1  messages were lost with unlimited high-water marks, or the run failed\n"
        "  2  usage error\n",
        s_DEFAULT_COUNT, s_DEFAULT_GRACE_MS);
}

static int
s_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

static int
s_usage_error(const char *format, ...)
{
    fprintf(stderr, RAW_NAME ": ");
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nTry '" RAW_NAME " --help'.\n");
    return RAW_EXIT_USAGE;
}

//  A whole number in [minimum, maximum] for option; 0 or RAW_EXIT_USAGE.
static int
s_parse_number(const char *option, const char *text, long minimum, long maximum, long *value)
{
    char *end = NULL;
    errno = 0;
    long number = strtol(text, &end, 10);
    if (errno || !end || *end || end == text || number < minimum || number > maximum)
        return s_usage_error("bad %s '%s': a whole number from %ld to %ld", option, text,
                             minimum, maximum);
    *value = number;
    return 0;
}

//  One option and its value into options (given: the option as written,
//  for messages; count_given: --count was seen). Returns 0, -1 after
//  --help, or RAW_EXIT_USAGE after saying what is wrong.
static int
s_parse_option(int option, const char *value, const char *given, raw_options_t *options,
               bool *count_given)
{
    long number = 0;
    int rc = 0;
    switch (option) {
        case 'f': options->frames_path = value; break;
        case 'p':
            rc = s_parse_number("--pub", value, 1, 1000, &number);
            options->publishers = (int) number;
            break;
        case 's':
            rc = s_parse_number("--sub", value, 1, 1000, &number);
            options->subscribers = (int) number;
            break;
        case 'n':
            rc = s_parse_number("--count", value, 1, INT32_MAX, &options->count);
            *count_given = true;
            break;
        case 'd':
            if (!bench_parse_seconds(value, &options->duration_s))
                rc = s_usage_error("bad --duration '%s': seconds, more than 0", value);
            break;
        case s_RATE:
            rc = s_parse_number("--rate", value, 0, 100000000, &number);
            options->rate = (int) number;
            break;
        case s_HWM:
            rc = s_parse_number("--hwm", value, 0, INT32_MAX, &number);
            options->hwm = (int) number;
            break;
        case s_FILTER: options->filter = value; break;
        case s_PREFIXES:
            rc = s_parse_number("--prefixes", value, 0, 1000000, &number);
            options->prefixes = (int) number;
            break;
        case s_FORWARDER:
            if (strcmp(value, "zmq_proxy") == 0)
                options->forwarder = RAW_ZMQ_PROXY;
            else
            if (strcmp(value, "zmq_proxy_process") == 0)
                options->forwarder = RAW_ZMQ_PROXY_PROCESS;
            else
            if (strcmp(value, "jbus-broker") == 0)
                options->forwarder = RAW_JBUS_BROKER;
            else
                rc = s_usage_error("bad --forwarder '%s': zmq_proxy, zmq_proxy_process or "
                                   "jbus-broker", value);
            break;
        case s_BROKER_PROGRAM_OPTION: options->broker_program = value; break;
        case s_IO_THREADS:
            rc = s_parse_number("--io-threads", value, 1, 64, &number);
            options->io_threads = (int) number;
            break;
        case s_GRACE:
            rc = s_parse_number("--grace", value, 1, 3600000, &number);
            options->grace_ms = (int) number;
            break;
        case s_CSV: options->csv = true; break;
        case s_JSON: options->json = true; break;
        case 'q': options->quiet = true; break;
        case 'h': s_print_help(); return -1;
        case ':': return s_usage_error("option '%s' needs a value", given);
        default: return s_usage_error("unknown option '%s'", given);
    }
    return rc;
}

//  What the options say together, once every one is parsed. Returns 0, or
//  RAW_EXIT_USAGE after saying what is wrong.
static int
s_check(raw_options_t *options, bool count_given)
{
    if (!options->frames_path)
        return s_usage_error("--frames FILE is required (write one with jbus bench --dump-frames)");
    if (count_given && options->duration_s > 0)
        return s_usage_error("give either --count or --duration, not both");
    if (options->duration_s > 0)
        options->count = 0;
    if (options->csv && options->json)
        return s_usage_error("give either --csv or --json, not both");
    if ((options->forwarder == RAW_JBUS_BROKER) != (options->broker_program != NULL))
        return s_usage_error("--forwarder jbus-broker and --broker-program PATH go together");
    return 0;
}

//  --------------------------------------------------------------------------

int
raw_parse(int argc, char **argv, raw_options_t *options)
{
    memset(options, 0, sizeof *options);
    options->publishers = 1;
    options->subscribers = 1;
    options->count = s_DEFAULT_COUNT;
    options->filter = s_DEFAULT_FILTER;
    options->io_threads = 1;
    options->grace_ms = s_DEFAULT_GRACE_MS;
    bool count_given = false;
    int option, rc = 0;
    opterr = 0;
    while (rc == 0
       &&  (option = getopt_long(argc, argv, ":f:p:s:n:d:qh", s_long_options, NULL)) != -1)
        rc = s_parse_option(option, optarg, argv[optind - 1], options, &count_given);
    if (rc)
        return rc;
    if (optind < argc)
        return s_usage_error("unexpected argument '%s'", argv[optind]);
    return s_check(options, count_given);
}

const char *
raw_forwarder_name(raw_forwarder_kind_t kind)
{
    return s_forwarder_names[kind];
}
