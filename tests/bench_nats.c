/*  =========================================================================
    bench_nats.c - the NATS peer of `jbus bench`: the same bytes, over NATS

        bench_nats sub --url URL --frames FILE --count N [--timeout S]
        bench_nats pub --url URL --frames FILE --count N

    A benchmark program, not a test, and no jbus code: nats.c only (Debian's
    libnats-dev, against Debian's nats-server). It carries what a jbus
    publisher sends, byte for byte, as NATS carries an event: the frames
    file that `jbus bench --dump-frames FILE` captured gives the subject
    (frame 0, the event's type) and the payload (every other frame, one
    after another). Each role is a process of its own, as bounded contexts
    run, so that it compares with bench_raw and jbus bench run the same way.

      - sub subscribes to the subject with a callback (nats.c's fast way),
        with no pending limit (a slow subscriber queues rather than
        drops), flushes so that the server
        has the subscription, prints "bench_nats: ready" on stdout, then
        receives count messages and prints one line of figures: events,
        seconds from the first to the last, events/s, this process's CPU in
        µs per event, and one-way latency p50/p99 in µs from the stamp.
      - pub sends count messages as fast as nats.c takes them, writing
        CLOCK_MONOTONIC in nanoseconds into the event's "benchsent" digits
        (where the frames file says they are) right before each, flushes,
        and prints its CPU in µs per event.

    Start sub first and wait for its ready line, then pub; scripts/bench
    and tests/test_bench_nats.sh do.

    Exit codes: 0 success; 1 a connection failed, or sub did not receive
    every message before the timeout (NATS core drops what a slow consumer
    cannot take: that is loss, and it is reported); 2 usage error.
    ========================================================================= */

#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <nats/nats.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_frames.h"
#include "bench_support.h"

#define s_NAME "bench_nats"

//  The digits of "benchsent" (bench_frames.h).
#define s_STAMP_DIGITS 20

typedef struct {
    bool publish;
    const char *url;
    const char *frames_path;
    long count;
    double timeout_s;
} s_options_t;

//  The message: subject and payload, and where the stamp's digits are.
typedef struct {
    char *subject;
    unsigned char *payload;
    size_t payload_size;
    size_t stamp_offset;        //  in payload; SIZE_MAX when there is none
} s_message_t;

static void
s_usage(FILE *stream)
{
    fprintf(stream, "Usage: " s_NAME " sub|pub --url URL --frames FILE --count N "
            "[--timeout SECONDS]\n"
            "Send or receive the bytes of a jbus event (a frames file from jbus bench\n"
            "--dump-frames) over NATS: subject = frame 0, payload = the other frames.\n"
            "Start sub first; it prints \"" s_NAME ": ready\" once subscribed.\n");
}

static int
s_options_parse(int argc, char **argv, s_options_t *options)
{
    *options = (s_options_t) { .timeout_s = 60 };
    if (argc < 2 || (strcmp(argv[1], "sub") != 0 && strcmp(argv[1], "pub") != 0)) {
        s_usage(argc > 1 && strcmp(argv[1], "--help") == 0? stdout: stderr);
        return argc > 1 && strcmp(argv[1], "--help") == 0? 0: 2;
    }
    options->publish = strcmp(argv[1], "pub") == 0;
    for (int index = 2; index < argc; index++) {
        const char *flag = argv[index];
        const char *value = index + 1 < argc? argv[index + 1]: NULL;
        if (!value) {
            fprintf(stderr, s_NAME ": %s needs a value\n", flag);
            return 2;
        }
        index++;
        char *end = NULL;
        if (strcmp(flag, "--url") == 0)
            options->url = value;
        else
        if (strcmp(flag, "--frames") == 0)
            options->frames_path = value;
        else
        if (strcmp(flag, "--count") == 0) {
            options->count = strtol(value, &end, 10);
            if (*end || options->count <= 0) {
                fprintf(stderr, s_NAME ": --count: \"%s\" is not a positive number\n", value);
                return 2;
            }
        }
        else
        if (strcmp(flag, "--timeout") == 0) {
            if (!bench_parse_seconds(value, &options->timeout_s)) {
                fprintf(stderr, s_NAME ": --timeout: \"%s\" is not a number of seconds\n",
                        value);
                return 2;
            }
        }
        else {
            fprintf(stderr, s_NAME ": unknown flag %s\n", flag);
            s_usage(stderr);
            return 2;
        }
    }
    if (!options->url || !options->frames_path || options->count <= 0) {
        fprintf(stderr, s_NAME ": --url, --frames and --count are required\n");
        return 2;
    }
    return -1;
}

//  The frames file as a NATS message. Returns false after saying why.
static bool
s_message_load(const char *path, s_message_t *message)
{
    bench_frames_t frames;
    char problem [256];
    bool loaded = bench_frames_load(path, &frames, problem, sizeof problem);
    if (!loaded || frames.count < 2) {
        fprintf(stderr, s_NAME ": %s: %s\n", path, loaded? "fewer than 2 frames": problem);
        bench_frames_free(&frames);
        return false;
    }
    message->subject = strndup((const char *) frames.frames[0], frames.sizes[0]);
    message->payload_size = frames.total - frames.sizes[0];
    message->payload = malloc(message->payload_size);
    message->stamp_offset = SIZE_MAX;
    size_t used = 0;
    for (size_t index = 1; message->payload && index < frames.count; index++) {
        if (index == frames.stamp_frame)
            message->stamp_offset = used + frames.stamp_offset;
        memcpy(message->payload + used, frames.frames[index], frames.sizes[index]);
        used += frames.sizes[index];
    }
    bench_frames_free(&frames);
    return message->subject && message->payload;
}

static natsConnection *
s_connect(const char *url)
{
    natsConnection *connection = NULL;
    natsStatus status = natsConnection_ConnectTo(&connection, url);
    if (status != NATS_OK) {
        fprintf(stderr, s_NAME ": cannot connect to %s: %s\n", url, natsStatus_GetText(status));
        return NULL;
    }
    return connection;
}

//  --------------------------------------------------------------------------

//  What the subscription's callback, in nats.c's delivery thread, counts.
typedef struct {
    const s_message_t *message;
    long wanted;
    atomic_long received;       //  read by the main thread as it waits
    int64_t first_ns, last_ns;
    bench_latency_t latency;
} s_receipt_t;

static void
s_on_message(natsConnection *connection, natsSubscription *subscription, natsMsg *msg,
             void *closure)
{
    (void) connection;
    (void) subscription;
    s_receipt_t *receipt = (s_receipt_t *) closure;
    int64_t now = bench_now_ns();
    size_t offset = receipt->message->stamp_offset;
    uint64_t sent = 0;
    if (offset != SIZE_MAX && (size_t) natsMsg_GetDataLength(msg) >= offset + s_STAMP_DIGITS
    &&  bench_read_digits(natsMsg_GetData(msg) + offset, s_STAMP_DIGITS, &sent))
        bench_latency_add(&receipt->latency, now - (int64_t) sent);
    natsMsg_Destroy(msg);
    if (atomic_load(&receipt->received) == 0)
        receipt->first_ns = now;
    receipt->last_ns = now;
    atomic_fetch_add(&receipt->received, 1);
}

//  Subscribe with a callback, nats.c's fast way (as the NATS measurements
//  in MEASUREMENTS.md were taken), and wait for count messages.
static int
s_subscribe(const s_options_t *options, const s_message_t *message)
{
    natsConnection *connection = s_connect(options->url);
    if (!connection)
        return 1;
    static s_receipt_t receipt;             //  its histogram is large
    receipt.message = message;
    receipt.wanted = options->count;
    natsSubscription *subscription = NULL;
    natsStatus status = natsConnection_Subscribe(&subscription, connection, message->subject,
                                          s_on_message, &receipt);
    if (status == NATS_OK)
        status = natsSubscription_SetPendingLimits(subscription, -1, -1);
    if (status == NATS_OK)
        status = natsConnection_Flush(connection);
    if (status != NATS_OK) {
        fprintf(stderr, s_NAME ": cannot subscribe: %s\n", natsStatus_GetText(status));
        natsSubscription_Destroy(subscription);
        natsConnection_Destroy(connection);
        return 1;
    }
    printf(s_NAME ": ready\n");
    fflush(stdout);
    uint64_t cpu_before = bench_process_cpu_ns();
    //  The callback's thread does the work; this one looks every 10 ms
    int64_t deadline = nats_Now() + (int64_t) (options->timeout_s * 1000);
    while (atomic_load(&receipt.received) < receipt.wanted && nats_Now() < deadline)
        nats_Sleep(10);
    natsSubscription_Unsubscribe(subscription);     //  no more callbacks after
    uint64_t cpu_ns = bench_process_cpu_ns() - cpu_before;
    long received = atomic_load(&receipt.received);
    double seconds = (double) (receipt.last_ns - receipt.first_ns) / 1e9;
    printf(s_NAME ": sub events=%ld lost=%ld seconds=%.3f events_per_s=%.0f "
           "cpu_us_per_event=%.3f latency_p50_us=%.1f latency_p99_us=%.1f\n",
           received, options->count - received, seconds,
           seconds > 0? (double) received / seconds: 0,
           received? (double) cpu_ns / 1e3 / (double) received: 0,
           (double) bench_latency_percentile(&receipt.latency, 0.50) / 1e3,
           (double) bench_latency_percentile(&receipt.latency, 0.99) / 1e3);
    natsSubscription_Destroy(subscription);
    natsConnection_Destroy(connection);
    if (received < options->count) {
        fprintf(stderr, s_NAME ": %ld of %ld messages did not come within %.0f s\n",
                options->count - received, options->count, options->timeout_s);
        return 1;
    }
    return 0;
}

static int
s_publish(const s_options_t *options, s_message_t *message)
{
    natsConnection *connection = s_connect(options->url);
    if (!connection)
        return 1;
    uint64_t cpu_before = bench_process_cpu_ns();
    int64_t started = bench_now_ns();
    natsStatus status = NATS_OK;
    for (long sent = 0; sent < options->count && status == NATS_OK; sent++) {
        if (message->stamp_offset != SIZE_MAX)
            bench_write_digits((char *) message->payload + message->stamp_offset,
                               (uint64_t) bench_now_ns(), s_STAMP_DIGITS);
        status = natsConnection_Publish(connection, message->subject, message->payload,
                                        (int) message->payload_size);
    }
    if (status == NATS_OK)
        status = natsConnection_FlushTimeout(connection, (int64_t) (options->timeout_s * 1000));
    double seconds = (double) (bench_now_ns() - started) / 1e9;
    uint64_t cpu_ns = bench_process_cpu_ns() - cpu_before;
    natsConnection_Destroy(connection);
    if (status != NATS_OK) {
        fprintf(stderr, s_NAME ": publishing failed: %s\n", natsStatus_GetText(status));
        return 1;
    }
    printf(s_NAME ": pub events=%ld seconds=%.3f cpu_us_per_event=%.3f\n", options->count,
           seconds, (double) cpu_ns / 1e3 / (double) options->count);
    return 0;
}

int
main(int argc, char **argv)
{
    s_options_t options;
    int code = s_options_parse(argc, argv, &options);
    if (code >= 0)
        return code;
    s_message_t message;
    memset(&message, 0, sizeof message);
    if (!s_message_load(options.frames_path, &message))
        return 1;
    code = options.publish? s_publish(&options, &message): s_subscribe(&options, &message);
    free(message.subject);
    free(message.payload);
    nats_Close();
    return code;
}
