/*  =========================================================================
    bench_report.c - the report of a benchmark run, for people and machines

    The contracts are in bench_report.h.
    ========================================================================= */

#define _GNU_SOURCE

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_support.h"
#include "bench_report.h"

//  --------------------------------------------------------------------------
//  The report of a run.

//  The columns of --csv, the keys of --json, in order.
static const char *s_columns =
    "tool,forwarder,mode,publishers,subscribers,data_bytes,message_bytes,frames,rate,hwm,"
    "prefixes,published,delivered,lost,seconds,msgs_per_s,mb_per_s,p50_us,p90_us,p99_us,"
    "p999_us,max_us,cpu_publishers_s,cpu_subscribers_s,cpu_broker_s,cpu_io_s,cpu_total_s,"
    "cpu_us_per_msg,rss_bench_kb,rss_broker_kb";

void
bench_report_init(bench_report_t *self, const char *tool, bench_latency_t *latency)
{
    memset(self, 0, sizeof *self);
    self->tool = tool;
    self->latency = latency;
    self->rss_broker_kb = -1;
}

void
bench_cpu_sample(bench_cpu_sample_t *sample)
{
    sample->process_ns = bench_process_cpu_ns();
    sample->io_ns = bench_tasks_cpu_ns(getpid(), "ZMQbg/IO");
}

void
bench_report_finish(bench_report_t *self, int64_t go_ns, int64_t last_ns,
                    const bench_cpu_sample_t *start, const bench_cpu_sample_t *end,
                    bool broker_is_process)
{
    self->expected = self->published * (uint64_t) self->subscribers;
    self->lost = (int64_t) self->expected - (int64_t) self->delivered;
    self->seconds = (double) (last_ns - go_ns) / 1e9;
    self->msgs_per_s = self->seconds > 0? (double) self->delivered / self->seconds: 0;
    self->mb_per_s = self->msgs_per_s * self->message_bytes / 1e6;
    self->cpu_broker_s = start->broker_ns >= 0 && end->broker_ns >= 0
                       ? (double) (end->broker_ns - start->broker_ns) / 1e9: -1;
    self->cpu_io_s = start->io_ns >= 0 && end->io_ns >= 0
                   ? (double) (end->io_ns - start->io_ns) / 1e9: 0;
    self->cpu_total_s = (double) (end->process_ns - start->process_ns) / 1e9;
    if (broker_is_process && self->cpu_broker_s > 0)
        self->cpu_total_s += self->cpu_broker_s;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    self->rss_bench_kb = usage.ru_maxrss;
}

double
bench_report_cpu_us_per_message(const bench_report_t *self)
{
    return self->delivered? self->cpu_total_s * 1e6 / (double) self->delivered: 0;
}

//  The figures in the columns' order, with format one of the two literals
//  of bench_report_print_machine.
static void
s_report_print_figures(const bench_report_t *self, const char *format)
{
    const bench_latency_t *latency = self->latency;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    printf(format, self->tool, self->forwarder, self->mode, self->publishers, self->subscribers,
           self->data_bytes, self->message_bytes, self->frames, self->rate, self->hwm,
           self->prefixes, self->published, self->delivered, self->lost, self->seconds,
           self->msgs_per_s, self->mb_per_s,
           bench_us(bench_latency_percentile(latency, 0.50)),
           bench_us(bench_latency_percentile(latency, 0.90)),
           bench_us(bench_latency_percentile(latency, 0.99)),
           bench_us(bench_latency_percentile(latency, 0.999)), bench_us(latency->max),
           self->cpu_publishers_s, self->cpu_subscribers_s, self->cpu_broker_s, self->cpu_io_s,
           self->cpu_total_s, bench_report_cpu_us_per_message(self), self->rss_bench_kb,
           self->rss_broker_kb);
#pragma GCC diagnostic pop
}

void
bench_report_print_machine(const bench_report_t *self, bool json)
{
    if (json)
        s_report_print_figures(self,
            "{\"tool\":\"%s\",\"forwarder\":\"%s\",\"mode\":\"%s\",\"publishers\":%d,"
            "\"subscribers\":%d,\"data_bytes\":%ld,\"message_bytes\":%.0f,\"frames\":%d,"
            "\"rate\":%d,\"hwm\":%d,\"prefixes\":%d,\"published\":%" PRIu64 ","
            "\"delivered\":%" PRIu64 ",\"lost\":%" PRId64 ",\"seconds\":%.6f,"
            "\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f,\"p50_us\":%.1f,\"p90_us\":%.1f,"
            "\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,\"cpu_publishers_s\":%.6f,"
            "\"cpu_subscribers_s\":%.6f,\"cpu_broker_s\":%.6f,\"cpu_io_s\":%.6f,"
            "\"cpu_total_s\":%.6f,\"cpu_us_per_msg\":%.3f,\"rss_bench_kb\":%ld,"
            "\"rss_broker_kb\":%ld}\n");
    else {
        printf("%s\n", s_columns);
        s_report_print_figures(self,
            "%s,%s,%s,%d,%d,%ld,%.0f,%d,%d,%d,%d,%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%.6f,%.1f,"
            "%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f,%ld,%ld\n");
    }
}

void
bench_report_print_deliveries(const bench_report_t *self, const char *noun,
                              const char *latency_note)
{
    const bench_latency_t *latency = self->latency;
    printf("  delivered    %" PRIu64 " %s in %.3f s: %.0f %s/s, %.1f MB/s\n", self->delivered,
           noun, self->seconds, self->msgs_per_s, noun, self->mb_per_s);
    printf("  lost         %" PRId64 " of %" PRIu64 "\n", self->lost, self->expected);
    printf("  latency      p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us%s\n",
           bench_us(bench_latency_percentile(latency, 0.50)),
           bench_us(bench_latency_percentile(latency, 0.90)),
           bench_us(bench_latency_percentile(latency, 0.99)),
           bench_us(bench_latency_percentile(latency, 0.999)), bench_us(latency->max),
           latency_note);
}

void
bench_report_print_memory(const bench_report_t *self)
{
    printf("  peak memory  bench process %.1f MB", (double) self->rss_bench_kb / 1024.0);
    if (self->rss_broker_kb >= 0)
        printf(", broker process %.1f MB", (double) self->rss_broker_kb / 1024.0);
    printf("\n");
}

void
bench_describe_hwm(int hwm, char *text, size_t size)
{
    if (hwm)
        snprintf(text, size, "high-water marks %d", hwm);
    else
        snprintf(text, size, "high-water marks unlimited");
}
