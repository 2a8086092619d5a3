/*  =========================================================================
    bench_nats.c - the NATS peer of `jbus bench`: the same bytes, over NATS

        bench_nats sub --url URL --frames FILE --count N [--timeout S]
        bench_nats pub --url URL --frames FILE --count N
        bench_nats run --frames FILE --count N [--server PROGRAM] [--csv] [-q]

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

    Start sub first and wait for its ready line, then pub; run does it all
    for scripts/bench: it starts nats-server (--server, default from PATH)
    on a free loopback port, sub and pub as processes of their own, and
    prints the figures as `jbus bench` and bench_raw do, the same --csv
    columns (tool "nats", forwarder "nats-server"; CPU per role from each
    process's resource use, the server's as the broker's). The server's
    log goes nowhere; -q is taken, for scripts/bench, and changes nothing.

    Exit codes: 0 success; 1 a connection failed, or sub did not receive
    every message before the timeout (NATS core drops what a slow consumer
    cannot take: that is loss, and it is reported); 2 usage error.
    ========================================================================= */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
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

typedef enum { s_SUB, s_PUB, s_RUN } s_role_t;

typedef struct {
    s_role_t role;
    bool csv, quiet;
    const char *server;
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
    const char *mode;           //  the jbus mode the frames were sent in
} s_message_t;

static void
s_usage(FILE *stream)
{
    fprintf(stream, "Usage: " s_NAME " sub|pub --url URL --frames FILE --count N "
            "[--timeout SECONDS]\n"
            "       " s_NAME " run --frames FILE --count N [--server PROGRAM] [--csv] [-q]\n"
            "Send or receive the bytes of a jbus event (a frames file from jbus bench\n"
            "--dump-frames) over NATS: subject = frame 0, payload = the other frames.\n"
            "Start sub first; it prints \"" s_NAME ": ready\" once subscribed.\n");
}

static int
s_options_parse(int argc, char **argv, s_options_t *options)
{
    *options = (s_options_t) { .timeout_s = 60, .server = "nats-server" };
    const char *roles [] = { "sub", "pub", "run" };
    int role = 0;
    while (argc >= 2 && role < 3 && strcmp(argv[1], roles[role]) != 0)
        role++;
    if (argc < 2 || role == 3) {
        s_usage(argc > 1 && strcmp(argv[1], "--help") == 0? stdout: stderr);
        return argc > 1 && strcmp(argv[1], "--help") == 0? 0: 2;
    }
    options->role = (s_role_t) role;
    for (int index = 2; index < argc; index++) {
        const char *flag = argv[index];
        if (strcmp(flag, "--csv") == 0 || strcmp(flag, "-q") == 0) {
            *(strcmp(flag, "--csv") == 0? &options->csv: &options->quiet) = true;
            continue;
        }
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
        if (strcmp(flag, "--server") == 0)
            options->server = value;
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
    if ((!options->url && options->role != s_RUN) || !options->frames_path
    ||  options->count <= 0) {
        fprintf(stderr, s_NAME ": --frames, --count and (but for run) --url are required\n");
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
    message->mode = frames.mode == 2? "structured": "binary";
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

//  --------------------------------------------------------------------------
//  run: nats-server, sub and pub, each a process, and one report.

//  Start argv with its stdout on a pipe, *fd_p, and its stderr on ours or,
//  when quiet, nowhere. Returns the pid, or -1.
static pid_t
s_spawn(char *const argv [], bool quiet, int *fd_p)
{
    int pipe_fds [2];
    if (pipe(pipe_fds) == -1)
        return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    if (quiet)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    extern char **environ;
    int rc = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (rc) {
        close(pipe_fds[0]);
        fprintf(stderr, s_NAME ": cannot start %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    *fd_p = pipe_fds[0];
    return pid;
}

//  Read from fd until a line holding what has come, at most timeout_ms:
//  true with the line in line (size bytes).
static bool
s_read_until(int fd, const char *what, int timeout_ms, char *line, size_t size)
{
    size_t used = 0;
    int64_t deadline = bench_now_ns() + (int64_t) timeout_ms * 1000000;
    line[0] = '\0';
    while (true) {
        char *found = strstr(line, what);
        char *end = found? strchr(found, '\n'): NULL;
        if (end) {
            *end = '\0';
            memmove(line, found, strlen(found) + 1);
            return true;
        }
        int64_t left = (deadline - bench_now_ns()) / 1000000;
        struct pollfd item = { fd, POLLIN, 0 };
        if (left <= 0 || poll(&item, 1, (int) left) <= 0 || used + 1 >= size)
            return false;
        ssize_t got = read(fd, line + used, size - used - 1);
        if (got <= 0)
            return false;
        used += (size_t) got;
        line[used] = '\0';
    }
}

//  The number after "key=" in line, or -1.
static double
s_field(const char *line, const char *key)
{
    char pattern [64];
    snprintf(pattern, sizeof pattern, " %s=", key);
    const char *found = strstr(line, pattern);
    return found? strtod(found + strlen(pattern), NULL): -1;
}

static double
s_cpu_s(const struct rusage *usage)
{
    return (double) usage->ru_utime.tv_sec + (double) usage->ru_utime.tv_usec / 1e6
         + (double) usage->ru_stime.tv_sec + (double) usage->ru_stime.tv_usec / 1e6;
}

static int
s_run(const s_options_t *options, const s_message_t *message, const char *self_path)
{
    char directory [] = "/tmp/bench-nats.XXXXXX";
    if (!mkdtemp(directory)) {
        fprintf(stderr, s_NAME ": mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    char *server_argv [] = { (char *) options->server, "-a", "127.0.0.1", "-p", "-1",
                             "--ports_file_dir", directory, NULL };
    int server_fd = -1, sub_fd = -1, pub_fd = -1;
    pid_t server = s_spawn(server_argv, true, &server_fd), sub = -1, pub = -1;
    char url [128] = "", line [4096], sub_line [4096] = "", pub_line [4096] = "";
    int code = 1;
    //  The server writes its ports file once it listens: 10 s at most
    for (int tries = 0; server > 0 && !*url && tries < 100; tries++) {
        char path [PATH_MAX];
        snprintf(path, sizeof path, "%s/%s_%d.ports", directory,
                 strrchr(options->server, '/')? strrchr(options->server, '/') + 1
                                              : options->server, (int) server);
        FILE *file = fopen(path, "r");
        if (file) {
            size_t got = fread(line, 1, sizeof line - 1, file);
            fclose(file);
            line[got] = '\0';
            char *start = strstr(line, "nats://");
            if (start)
                snprintf(url, sizeof url, "%.*s", (int) strcspn(start, "\"]"), start);
        }
        if (!*url)
            nats_Sleep(100);
    }
    char count [32];
    snprintf(count, sizeof count, "%ld", options->count);
    char timeout [32];
    snprintf(timeout, sizeof timeout, "%.0f", options->timeout_s);
    char *sub_argv [] = { (char *) self_path, "sub", "--url", url, "--frames",
                          (char *) options->frames_path, "--count", count, "--timeout", timeout,
                          NULL };
    char *pub_argv [] = { (char *) self_path, "pub", "--url", url, "--frames",
                          (char *) options->frames_path, "--count", count, NULL };
    if (!*url)
        fprintf(stderr, s_NAME ": %s did not say where it listens\n", options->server);
    else
    if ((sub = s_spawn(sub_argv, false, &sub_fd)) > 0
    &&  s_read_until(sub_fd, s_NAME ": ready", 10000, line, sizeof line)
    &&  (pub = s_spawn(pub_argv, false, &pub_fd)) > 0
    &&  s_read_until(pub_fd, "pub events=", (int) (options->timeout_s * 1000), pub_line,
                     sizeof pub_line)
    &&  s_read_until(sub_fd, "sub events=", (int) (options->timeout_s * 1000), sub_line,
                     sizeof sub_line))
        code = 0;
    struct rusage pub_usage = { 0 }, sub_usage = { 0 }, server_usage = { 0 };
    if (pub > 0)
        bench_process_stop(pub, 5000, &pub_usage);
    if (sub > 0)
        bench_process_stop(sub, 5000, &sub_usage);
    if (server > 0)
        bench_process_stop(server, 5000, &server_usage);
    int fds [] = { server_fd, sub_fd, pub_fd };
    for (size_t index = 0; index < 3; index++)
        if (fds[index] >= 0)
            close(fds[index]);
    char path [PATH_MAX];
    snprintf(path, sizeof path, "%s/%s_%d.ports", directory,
             strrchr(options->server, '/')? strrchr(options->server, '/') + 1: options->server,
             (int) server);
    unlink(path);
    rmdir(directory);
    if (code) {
        fprintf(stderr, s_NAME ": the run did not finish: sub said \"%s\", pub \"%s\"\n",
                sub_line, pub_line);
        return 1;
    }
    double delivered = s_field(sub_line, "events"), lost = s_field(sub_line, "lost");
    double seconds = s_field(sub_line, "seconds"), rate = s_field(sub_line, "events_per_s");
    double p50 = s_field(sub_line, "latency_p50_us"), p99 = s_field(sub_line, "latency_p99_us");
    double cpu_pub = s_cpu_s(&pub_usage), cpu_sub = s_cpu_s(&sub_usage);
    double cpu_server = s_cpu_s(&server_usage), cpu_total = cpu_pub + cpu_sub + cpu_server;
    size_t bytes = strlen(message->subject) + message->payload_size;
    double cpu_us = delivered > 0? cpu_total * 1e6 / delivered: 0;
    if (options->csv) {
        //  The columns of jbus bench --csv (clients/bench/bench_report.c);
        //  latency past p50 and p99 is not kept, so p90, p999 and max are -1
        printf("tool,forwarder,mode,publishers,subscribers,data_bytes,message_bytes,frames,"
               "rate,hwm,prefixes,published,delivered,lost,seconds,msgs_per_s,mb_per_s,p50_us,"
               "p90_us,p99_us,p999_us,max_us,cpu_publishers_s,cpu_subscribers_s,cpu_broker_s,"
               "cpu_io_s,cpu_total_s,cpu_us_per_msg,rss_bench_kb,rss_broker_kb\n");
        printf("nats,nats-server,%s,1,1,%zu,%zu,2,0,0,0,%ld,%.0f,%.0f,%.3f,%.0f,%.2f,%.1f,-1,"
               "%.1f,-1,-1,%.3f,%.3f,%.3f,0,%.3f,%.3f,-1,-1\n",
               message->mode, message->payload_size, bytes, options->count, delivered, lost,
               seconds, rate,
               rate * (double) bytes / 1e6, p50, p99, cpu_pub, cpu_sub, cpu_server, cpu_total,
               cpu_us);
    }
    else
        printf(s_NAME ": %.0f of %ld events through nats-server in %.3f s: %.0f events/s, "
               "p50 %.1f us, p99 %.1f us; CPU per event %.3f us (pub %.3f s, sub %.3f s, "
               "server %.3f s)\n", delivered, options->count, seconds, rate, p50, p99, cpu_us,
               cpu_pub, cpu_sub, cpu_server);
    return lost > 0? 1: 0;
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
    code = options.role == s_PUB? s_publish(&options, &message)
         : options.role == s_SUB? s_subscribe(&options, &message)
         : s_run(&options, &message, argv[0]);
    free(message.subject);
    free(message.payload);
    nats_Close();
    return code;
}
