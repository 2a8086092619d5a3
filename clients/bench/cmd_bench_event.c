/*  =========================================================================
    cmd_bench_event.c - jbus bench: the event every publisher sends, and
    --callgrind-publish, which only makes and publishes it

    Every event is made, stamped, encoded and published for real through
    the library (jb_event_new, jb_publisher_publish, jb_event_destroy).
    The stamp is the extension attribute "benchsent", a String of exactly
    20 decimal digits holding CLOCK_MONOTONIC in nanoseconds (a String
    because a CloudEvents Integer is 32 bits; fixed width so that every
    event has the same size on the wire).
    ========================================================================= */

#define _GNU_SOURCE

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbus.h"
#include "../cmd.h"
#include "bench_support.h"
#include "cmd_bench.h"

#define s_NAME CMD_BENCH_NAME

//  Subjects of data events: "WORK-" and 7 digits (control events start
//  with 'b', which is all a subscriber looks at on the hot path).
#define s_SUBJECT_DATA "WORK-"
#define s_SUBJECT_DIGITS 7

//  --------------------------------------------------------------------------

char *
cmd_bench_payload_new(size_t size)
{
    static const char head [] =
        "{\"task_id\":\"WORK-0000001\",\"title\":\"Write the CloudEvents binding\","
        "\"completed_by\":\"alice@example.com\",\"duration_minutes\":42,\"notes\":\"";
    static const char short_head [] = "{\"n\":\"";
    static const char tail [] = "\"}";
    const char *start = sizeof head - 1 + sizeof tail - 1 <= size? head: short_head;
    size_t start_size = strlen(start);
    assert(start_size + sizeof tail - 1 <= size);
    char *payload = (char *) malloc(size + 1);
    if (!payload)
        return NULL;
    memcpy(payload, start, start_size);
    memset(payload + start_size, 'x', size - start_size - (sizeof tail - 1));
    memcpy(payload + size - (sizeof tail - 1), tail, sizeof tail);
    return payload;
}

//  --------------------------------------------------------------------------

void
cmd_bench_data_subject(char *subject, uint64_t sequence)
{
    memcpy(subject, s_SUBJECT_DATA, sizeof s_SUBJECT_DATA - 1);
    bench_write_digits(subject + sizeof s_SUBJECT_DATA - 1, sequence, s_SUBJECT_DIGITS);
    subject[sizeof s_SUBJECT_DATA - 1 + s_SUBJECT_DIGITS] = '\0';
}

//  --------------------------------------------------------------------------

int
cmd_bench_event_make(const char *subject, const char *payload, size_t payload_size,
                     const uint64_t *stamp_ns, jb_event_t **event_p, jb_error_t *error)
{
    jb_event_t *event = jb_event_new(CMD_BENCH_TYPE, CMD_BENCH_SOURCE);
    if (!event) {
        snprintf(error->message, sizeof error->message, "out of memory");
        return JB_ENOMEM;
    }
    int rc = jb_event_set_subject(event, subject);
    if (rc == 0)
        rc = jb_event_set_data_json(event, payload, payload_size, error);
    if (rc == 0 && stamp_ns) {
        char stamp [BENCH_STAMP_DIGITS + 1];
        bench_write_digits(stamp, *stamp_ns, BENCH_STAMP_DIGITS);
        stamp[BENCH_STAMP_DIGITS] = '\0';
        jb_value_t value = jb_value_string(stamp);
        rc = jb_event_set_extension(event, CMD_BENCH_STAMP_NAME, &value, error);
    }
    if (rc) {
        if (rc == JB_ENOMEM)
            snprintf(error->message, sizeof error->message, "out of memory");
        jb_event_destroy(&event);
        return rc;
    }
    *event_p = event;
    return 0;
}

//  --------------------------------------------------------------------------

int
cmd_bench_publish_one(jb_publisher_t *publisher, const char *subject, const char *payload,
                      size_t payload_size, bool stamped, jb_error_t *error)
{
    jb_event_t *event = NULL;
    uint64_t now_ns = (uint64_t) bench_now_ns();
    int rc = cmd_bench_event_make(subject, payload, payload_size, stamped? &now_ns: NULL, &event,
                                  error);
    if (rc == 0)
        rc = jb_publisher_publish(publisher, event, error);
    jb_event_destroy(&event);
    return rc;
}

//  --------------------------------------------------------------------------
//  --callgrind-publish N: make, encode and publish N events to a bound
//  publisher that nobody subscribes to, so that the XPUB socket drops each
//  message as soon as it is handed over: the publishing side's cost
//  without the transport. The events are the run's without "benchsent",
//  which only serves the latency measurement. Prints "events=N wall_ns_per_event=W
//  cpu_ns_per_event=C" on stdout. Run it under valgrind --tool=callgrind,
//  twice with different N, and the difference of the instruction counts
//  over the difference of N is the cost per event without start-up.

int
cmd_bench_callgrind_publish(const cmd_bench_options_t *options)
{
    jb_error_t error;
    jb_error_clear(&error);
    jb_publisher_options_t publisher_options;
    jb_publisher_options_defaults(&publisher_options);
    publisher_options.mode = options->mode;
    publisher_options.bind = true;
    publisher_options.linger_ms = 0;
    jb_publisher_t *publisher = jb_publisher_new("tcp://127.0.0.1:*", &publisher_options, &error);
    char *payload = cmd_bench_payload_new((size_t) options->size);
    if (!publisher || !payload) {
        fprintf(stderr, "jbus " s_NAME ": %s\n", publisher? "out of memory": error.message);
        jb_publisher_destroy(&publisher);
        free(payload);
        return CMD_EXIT_FAILURE;
    }
    char subject [32];
    int rc = 0;
    int64_t wall_start = bench_now_ns(), cpu_start = bench_thread_cpu_ns();
    for (long sequence = 0; rc == 0 && sequence < options->callgrind_publish; sequence++) {
        cmd_bench_data_subject(subject, (uint64_t) sequence);
        rc = cmd_bench_publish_one(publisher, subject, payload, (size_t) options->size, false, &error);
    }
    int64_t wall_ns = bench_now_ns() - wall_start, cpu_ns = bench_thread_cpu_ns() - cpu_start;
    jb_publisher_destroy(&publisher);
    free(payload);
    if (rc) {
        fprintf(stderr, "jbus " s_NAME ": %s\n", error.message);
        return CMD_EXIT_FAILURE;
    }
    double count = options->callgrind_publish > 0? (double) options->callgrind_publish: 1;
    printf("events=%ld wall_ns_per_event=%.1f cpu_ns_per_event=%.1f\n",
           options->callgrind_publish, (double) wall_ns / count, (double) cpu_ns / count);
    return CMD_EXIT_OK;
}
