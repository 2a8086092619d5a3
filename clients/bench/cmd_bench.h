/*  =========================================================================
    cmd_bench.h - what the files of `jbus bench` share

    The command is cmd_bench() in cmd_bench.c (the broker, and the order of
    things); the other files each do one job:
        cmd_bench_options.c     the command line and --help
        cmd_bench_event.c       the event publishers send; --callgrind-publish
        cmd_bench_frames.c      --dump-frames
        cmd_bench_roles.c       the publisher and subscriber threads of a run
        cmd_bench_report.c      the report for people
    What jbus bench shares with tests/bench_raw.c is in bench_support.h,
    bench_run.h, bench_report.h and bench_frames.h.
    ========================================================================= */

#ifndef JBUS_CLIENTS_CMD_BENCH_H_INCLUDED
#define JBUS_CLIENTS_CMD_BENCH_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jbus.h"
#include "bench_report.h"

//  The name in messages: "jbus bench: ...".
#define CMD_BENCH_NAME "bench"

//  The event every publisher sends: a typical work-tracking event.
#define CMD_BENCH_TYPE "jerry.work_tracking.task.completed"
#define CMD_BENCH_SOURCE "/jerry/work-tracking"
#define CMD_BENCH_STAMP_NAME "benchsent"
//  Subjects of the control events; data events are "WORK-" and 7 digits.
#define CMD_BENCH_SUBJECT_PROBE "bench-probe"
#define CMD_BENCH_SUBJECT_END "bench-end-"

typedef struct {
    int publishers;             //  --pub
    int subscribers;            //  --sub
    long count;                 //  --count, events per publisher; 0 with --duration
    double duration_s;          //  --duration, 0 with --count
    int size;                   //  --size, bytes of JSON data
    jb_mode_t mode;             //  --mode
    int rate;                   //  --rate, events/s per publisher, 0 = no limit
    int hwm;                    //  --hwm, 0 = unlimited
    const char *filter;         //  --filter
    int prefixes;               //  --prefixes, per subscriber
    int io_threads;             //  --io-threads
    int grace_ms;               //  --grace
    const char *broker_program; //  --broker-program
    const char *frontend;       //  --frontend
    const char *backend;        //  --backend
    const char *dump_frames;    //  --dump-frames
    long callgrind_publish;     //  --callgrind-publish, -1 when not given
    bool csv, json, quiet;
} cmd_bench_options_t;

//  The broker of a run: where to connect, and whose CPU is the broker's.
typedef struct {
    const char *frontend;       //  where publishers connect
    const char *backend;        //  where subscribers connect
    pid_t thread;               //  the embedded broker's thread; 0 when not embedded
    pid_t process;              //  the broker program we started; 0 when not ours
} cmd_bench_broker_t;

//  --------------------------------------------------------------------------
//  cmd_bench_options.c

//  Parse the command line into options, defaults first. Returns 0, -1
//  after --help, or CMD_EXIT_USAGE after saying what is wrong.
int
    cmd_bench_parse(int argc, char **argv, cmd_bench_options_t *options);

//  --------------------------------------------------------------------------
//  cmd_bench_event.c

//  A JSON object of exactly size bytes (size >= 8), which the caller frees
//  with free(): a work-tracking payload, padded; NULL when out of memory.
char *
    cmd_bench_payload_new(size_t size);

//  The subject of data event sequence, "WORK-" and 7 digits, into subject
//  (room for 13 bytes).
void
    cmd_bench_data_subject(char *subject, uint64_t sequence);

//  Make one event of the run into *event_p (free with jb_event_destroy): a
//  fresh id and time, subject, the payload as JSON data, and, unless
//  stamp_ns is NULL, "benchsent" stamped with *stamp_ns. Returns 0, or a
//  JB_E* code with error filled.
int
    cmd_bench_event_make(const char *subject, const char *payload, size_t payload_size,
                         const uint64_t *stamp_ns, jb_event_t **event_p, jb_error_t *error);

//  Make, stamp (when stamped) and publish one event, then destroy it: what
//  a publisher does per event. The stamp is the time right before
//  encoding. Returns 0 or a JB_E* code with error filled.
int
    cmd_bench_publish_one(jb_publisher_t *publisher, const char *subject, const char *payload,
                          size_t payload_size, bool stamped, jb_error_t *error);

//  --callgrind-publish N: publish N events to nobody and print the time
//  per event. Returns an exit code.
int
    cmd_bench_callgrind_publish(const cmd_bench_options_t *options);

//  --------------------------------------------------------------------------
//  cmd_bench_frames.c

//  --dump-frames FILE: write one event's frames for tests/bench_raw.c.
//  Returns an exit code.
int
    cmd_bench_dump_frames(const cmd_bench_options_t *options);

//  --------------------------------------------------------------------------
//  cmd_bench_roles.c

//  Set up, run and tear down one measured run through broker. Adds the
//  counts, the CPU and the figures that follow to report (its latency
//  histogram included). Returns an exit code, after saying what failed.
int
    cmd_bench_run(const cmd_bench_options_t *options, const cmd_bench_broker_t *broker,
                  bench_report_t *report);

//  --------------------------------------------------------------------------
//  cmd_bench_report.c

//  The figures the options decide, into report.
void
    cmd_bench_report_describe(const cmd_bench_options_t *options, bench_report_t *report);

//  Print report for people on stdout.
void
    cmd_bench_report_print_human(const cmd_bench_options_t *options,
                                 const bench_report_t *report);

#endif
