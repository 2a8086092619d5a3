/*  =========================================================================
    bench_report.h - the report of a benchmark run, for people and machines

    Part of the jbus_bench_support library (see bench_support.h): `jbus
    bench` and tests/bench_raw.c work their figures out and print them
    here, in the same --csv columns and --json keys.
    ========================================================================= */

#ifndef JBUS_BENCH_REPORT_H_INCLUDED
#define JBUS_BENCH_REPORT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_support.h"

//  --------------------------------------------------------------------------
//  The report of a run: what both programs print, in the same --csv columns
//  and --json keys, so that scripts/bench can set every jbus figure beside
//  its raw baseline.

typedef struct {
    const char *tool;           //  "jbus" or "raw"
    const char *forwarder;      //  "jbus-broker-embedded", "zmq_proxy", ...
    const char *mode;           //  "binary" or "structured"
    int publishers, subscribers;
    long data_bytes;            //  of the event's data
    double message_bytes;       //  on the wire per message, every frame
    int frames;                 //  per message
    int rate;                   //  per publisher, 0 = no limit
    int hwm;                    //  0 = unlimited
    int prefixes;               //  extra prefixes per subscriber
    uint64_t published;         //  data messages, all publishers
    uint64_t delivered;         //  data messages, all subscribers
    uint64_t expected;          //  published * subscribers
    int64_t lost;               //  expected - delivered
    double seconds;             //  go to the last delivery
    double msgs_per_s;          //  delivered per second
    double mb_per_s;
    bench_latency_t *latency;   //  every subscriber's; the caller's
    double cpu_publishers_s, cpu_subscribers_s;
    double cpu_broker_s;        //  -1 when not measured
    double cpu_io_s;            //  this process's libzmq I/O threads
    double cpu_total_s;         //  this process and a broker process of ours
    long rss_bench_kb;          //  this process's peak
    long rss_broker_kb;         //  the broker process's, -1 when not ours
} bench_report_t;

//  CPU time of what is not a publisher or subscriber thread, sampled at go
//  and at the end of a run.
typedef struct {
    int64_t process_ns;         //  this process, every thread
    int64_t broker_ns;          //  the broker's thread or process; -1 unknown
    int64_t io_ns;              //  this process's libzmq I/O threads; -1 unknown
} bench_cpu_sample_t;

//  Make self a report of tool ("jbus", "raw") with no figures yet, its
//  latencies in latency (the caller's, zeroed), and no broker process.
void
    bench_report_init(bench_report_t *self, const char *tool, bench_latency_t *latency);

//  Sample process_ns and io_ns of this process into sample; broker_ns is
//  the caller's.
void
    bench_cpu_sample(bench_cpu_sample_t *sample);

//  Work out the figures that follow from published, delivered, subscribers
//  and message_bytes: expected, lost, seconds (go_ns to last_ns), rates;
//  the CPU of the broker, of the I/O threads and in all from the samples
//  at start and end (the broker's counts in all when broker_is_process),
//  and this process's peak memory.
void
    bench_report_finish(bench_report_t *self, int64_t go_ns, int64_t last_ns,
                        const bench_cpu_sample_t *start, const bench_cpu_sample_t *end,
                        bool broker_is_process);

//  CPU of every role per delivered message, in microseconds; 0 when nothing
//  was delivered.
double
    bench_report_cpu_us_per_message(const bench_report_t *self);

//  Print the report for machines on stdout: the --json object, one line,
//  when json, else the --csv header line and the line of figures.
void
    bench_report_print_machine(const bench_report_t *self, bool json);

//  Print the "delivered", "lost" and "latency" lines of the report for
//  people, counting noun ("events", "messages"); latency_note ends the
//  latency line.
void
    bench_report_print_deliveries(const bench_report_t *self, const char *noun,
                                  const char *latency_note);

//  Print the report's "peak memory" line.
void
    bench_report_print_memory(const bench_report_t *self);

//  "high-water marks unlimited" or "high-water marks N" into text.
void
    bench_describe_hwm(int hwm, char *text, size_t size);

#endif
