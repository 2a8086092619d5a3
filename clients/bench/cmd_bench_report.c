/*  =========================================================================
    cmd_bench_report.c - jbus bench: what the report says about the run's
    set-up, and the report for people (--csv and --json are in
    bench_report.c, shared with tests/bench_raw.c)
    ========================================================================= */

#include <inttypes.h>
#include <stdio.h>

#include "jbus.h"
#include "bench_report.h"
#include "cmd_bench.h"

//  What the report says the forwarder was: its --csv/--json name, and
//  words for people.
static const char *
s_forwarder_name(const cmd_bench_options_t *options)
{
    return options->broker_program? "jbus-broker"
         : options->frontend? "external": "jbus-broker-embedded";
}

static const char *
s_forwarder_words(const cmd_bench_options_t *options)
{
    return options->broker_program? "jbus-broker program"
         : options->frontend? "running broker": "embedded jbus broker";
}

//  --------------------------------------------------------------------------

void
cmd_bench_report_describe(const cmd_bench_options_t *options, bench_report_t *report)
{
    report->forwarder = s_forwarder_name(options);
    report->mode = options->mode == JB_MODE_BINARY? "binary": "structured";
    report->publishers = options->publishers;
    report->subscribers = options->subscribers;
    report->data_bytes = options->size;
    report->frames = options->mode == JB_MODE_BINARY? 2: 3;
    report->rate = options->rate;
    report->hwm = options->hwm;
    report->prefixes = options->prefixes;
}

//  --------------------------------------------------------------------------

void
cmd_bench_report_print_human(const cmd_bench_options_t *options,
                             const bench_report_t *report)
{
    char hwm [48];
    bench_describe_hwm(options->hwm, hwm, sizeof hwm);
    printf("jbus bench: %d publisher%s -> %s -> %d subscriber%s, %s mode, "
           "%d bytes of data (%.0f bytes and %d frames on the wire), %s, %s, %s\n",
           options->publishers, options->publishers == 1? "": "s", s_forwarder_words(options),
           options->subscribers, options->subscribers == 1? "": "s", report->mode,
           options->size, report->message_bytes, report->frames,
           options->count? "counted": "timed",
           options->rate? "rate-limited": "as fast as possible", hwm);
    printf("  published    %" PRIu64 " events", report->published);
    if (options->rate)
        printf(" at %d/s per publisher", options->rate);
    if (options->prefixes)
        printf(", %d extra prefixes per subscriber", options->prefixes);
    printf("\n");
    bench_report_print_deliveries(report, "events", " (one-way, publish call to decoded event)");
    double per_event = report->delivered? 1e6 / (double) report->delivered: 0;
    printf("  CPU          publishers %.3f s, subscribers %.3f s, broker ", report->cpu_publishers_s,
           report->cpu_subscribers_s);
    if (report->cpu_broker_s >= 0)
        printf("%.3f s", report->cpu_broker_s);
    else
        printf("not measured");
    printf(", ZeroMQ I/O threads %.3f s; all %.3f s = %.2f us per delivered event\n",
           report->cpu_io_s, report->cpu_total_s, report->cpu_total_s * per_event);
    bench_report_print_memory(report);
}
