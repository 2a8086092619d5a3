/*  =========================================================================
    cmd_bench.c - jbus bench: publishers and subscribers through a broker,
    measured end to end

        jbus bench [--pub N] [--sub N] [--count N | --duration S] [OPTIONS]

    In the spirit of `nats bench`. Every event is made, encoded, sent,
    forwarded, received and decoded for real through the library
    (jb_event_new, jb_publisher_publish, the broker, jb_subscriber_recv,
    jb_event_destroy); the tool prints what was delivered per second, the
    one-way latency, what was lost, and the CPU and memory each role used.

    Publishers and subscribers are threads of this process, each with its
    own jb_publisher_t or jb_subscriber_t (there is no mode that forks
    them into processes). The broker is embedded (a
    jb_broker_t on tcp://127.0.0.1:* in its own thread), a program this tool
    starts (--broker-program), or one already running (--frontend and
    --backend). Embedded, the broker's sockets share the process's ZeroMQ
    context, and so its I/O threads, with the publishers and subscribers,
    exactly as tests/bench_raw.c shares one context with zmq_proxy.

    How a run goes, with no sleep anywhere as synchronisation:
      1. Subscribers connect, subscribe to the --prefixes extra prefixes
         and then to --filter, and wait for events.
      2. Each publisher connects and waits until the broker has forwarded
         the last extra prefix of every subscriber and a subscription that
         matches the event type. A subscriber's subscriptions travel in
         order, so once its last prefix is here all of its prefixes are.
      3. Subscriptions of several subscribers to the same filter reach the
         publishers as one, so the main thread also sends probe events
         (subject "bench-probe") through its own publisher until every
         subscriber has received one: then the broker routes to all of
         them. The probe is re-sent every s_PROBE_INTERVAL_MS until then.
      4. The publishers start together. Each ends with a sentinel event
         (subject "bench-end-N"); a subscriber stops when it has every
         publisher's sentinel or, when one was dropped, once every
         publisher has finished and nothing has arrived for --grace ms.

    Latency: the publisher stamps each event, right before encoding it,
    with the extension attribute "benchsent", a String of exactly 20
    decimal digits holding CLOCK_MONOTONIC in nanoseconds (a String because
    a CloudEvents Integer is 32 bits; fixed width so that every event has
    the same size on the wire). The subscriber subtracts it from its own
    clock once the event is decoded. Both run on one machine, one clock.
    Latencies go into a log-linear histogram (256 linear buckets, then 128
    per power of two: under 0.8% error), so any run length fits in 58 KiB.

    --dump-frames FILE captures off a real socket the frames of one event
    as a publisher sends it, whatever the library adds on the way, after
    s_DUMP_WARMUP others so that numbers it counts per event have their
    steady-state width; tests/bench_raw.c sends those bytes. The file's
    format is in bench_frames.h.
    ========================================================================= */

#define _GNU_SOURCE

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <czmq.h>

#include "jbus.h"
#include "../cmd.h"
#include "bench_support.h"
#include "bench_frames.h"
#include "bench_report.h"
#include "bench_run.h"

#define s_NAME "bench"

//  The event every publisher sends: a typical work-tracking event.
#define s_TYPE "jerry.work_tracking.task.completed"
#define s_SOURCE "/jerry/work-tracking"
#define s_DEFAULT_FILTER "jerry.work_tracking."
#define s_STAMP_NAME "benchsent"
//  Subjects: data events are "WORK-" and 7 digits; control events start
//  with 'b', which is all a subscriber looks at on the hot path.
#define s_SUBJECT_DATA "WORK-"
#define s_SUBJECT_DIGITS 7
#define s_SUBJECT_PROBE "bench-probe"
#define s_SUBJECT_END "bench-end-"
//  Extra prefixes that never match the event type: "jerry.other_000042."
#define s_PREFIX_FORMAT "jerry.other_%06ld."

//  Defaults of the options.
#define s_DEFAULT_COUNT 100000
#define s_DEFAULT_SIZE 150      //  bytes of data: a typical work-tracking payload
#define s_DEFAULT_GRACE_MS 2000

//  How long publishers and subscribers may take to connect and see each
//  other's subscriptions before the run is abandoned.
#define s_SETUP_TIMEOUT_MS 30000
//  Between two probes while some subscriber has not received one.
#define s_PROBE_INTERVAL_MS 10
//  A subscriber's receive timeout, after which it checks whether to stop.
#define s_RECV_SLICE_MS 100
//  Longest endpoint we keep.
#define s_ENDPOINT_MAX 256
//  How long a spawned broker may take to print its ready line, and to exit.
#define s_BROKER_START_MS 10000
#define s_BROKER_STOP_MS 5000


//  --dump-frames: events published before the one captured, and how long
//  capturing may take.
#define s_DUMP_WARMUP 70000
#define s_DUMP_TIMEOUT_MS 5000

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
} s_options_t;

typedef struct s_bench s_bench_t;

//  One publisher thread. Results are written by the thread and read by
//  the main thread after the thread has finished.
typedef struct {
    s_bench_t *bench;
    int index;
    uint64_t published;         //  data events sent
    uint64_t bytes;             //  bytes of every frame sent, sentinel included
    uint64_t messages;          //  messages sent, sentinel included
    int64_t cpu_ns;             //  thread CPU from go to the sentinel
    int error;                  //  JB_E* when the publisher failed
    char message [JB_ERROR_MESSAGE_MAX];
} s_publisher_t;

//  One subscriber thread; as for publishers.
typedef struct {
    s_bench_t *bench;
    int index;
    uint64_t received;          //  data events received and decoded
    uint64_t sentinels;         //  publishers' end events received
    uint64_t unstamped;         //  data events without a readable stamp
    int64_t last_receive_ns;    //  when the last data event was decoded
    int64_t cpu_ns;             //  thread CPU from its first probe to the end
    bench_latency_t *latency;
    int error;
    char message [JB_ERROR_MESSAGE_MAX];
} s_subscriber_t;

//  What the threads share.
struct s_bench {
    const s_options_t *options;
    const char *frontend;       //  where publishers connect
    const char *backend;        //  where subscribers connect
    char *payload;              //  the JSON data, options->size bytes
    s_publisher_t *publishers;
    s_subscriber_t *subscribers;
    bench_run_t *run;           //  how the threads start together and stop
};

//  A broker program we started.
typedef struct {
    pid_t pid;                  //  0 when none
    char frontend [s_ENDPOINT_MAX];
    char backend [s_ENDPOINT_MAX];
    struct rusage usage;        //  its resource use, once it has exited
    bool exited;
} s_child_t;

//  --------------------------------------------------------------------------
//  Clocks (the others are in bench_support.h).

static int64_t
s_thread_cpu_ns(void)
{
    return bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

//  --------------------------------------------------------------------------
//  The event.

//  A JSON object of exactly size bytes (size >= 8), which the caller frees:
//  a work-tracking payload, padded in its "notes" member; below the size of
//  that payload, {"n":"xxx..."}.
static char *
s_payload_new(size_t size)
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

//  Make one event of the run into *event_p (free with jb_event_destroy): a
//  fresh id and time, subject, the payload as JSON data, and, unless
//  stamp_ns is NULL, "benchsent" stamped with *stamp_ns. Returns 0, or a
//  JB_E* code with error filled.
static int
s_event_make(const char *subject, const char *payload, size_t payload_size,
             const uint64_t *stamp_ns, jb_event_t **event_p, jb_error_t *error)
{
    jb_event_t *event = jb_event_new(s_TYPE, s_SOURCE);
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
        rc = jb_event_set_extension(event, s_STAMP_NAME, &value, error);
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

//  Make, stamp (when stamped) and publish one event, then destroy it: what
//  a publisher does per event, also under --callgrind-publish. The stamp is
//  the time right before encoding. Returns 0 or a JB_E* code.
static int
s_publish_one(jb_publisher_t *publisher, const char *subject, const char *payload,
              size_t payload_size, bool stamped, jb_error_t *error)
{
    jb_event_t *event = NULL;
    uint64_t now_ns = (uint64_t) bench_now_ns();
    int rc = s_event_make(subject, payload, payload_size, stamped? &now_ns: NULL, &event, error);
    if (rc == 0)
        rc = jb_publisher_publish(publisher, event, error);
    jb_event_destroy(&event);
    return rc;
}

//  The subject of data event sequence: "WORK-" and 7 digits.
static void
s_data_subject(char *subject, uint64_t sequence)
{
    memcpy(subject, s_SUBJECT_DATA, sizeof s_SUBJECT_DATA - 1);
    bench_write_digits(subject + sizeof s_SUBJECT_DATA - 1, sequence, s_SUBJECT_DIGITS);
    subject[sizeof s_SUBJECT_DATA - 1 + s_SUBJECT_DIGITS] = '\0';
}

//  Extra prefix number of subscriber subscriber, into prefix.
static void
s_extra_prefix(char *prefix, size_t size, const s_options_t *options, int subscriber, int number)
{
    snprintf(prefix, size, s_PREFIX_FORMAT, (long) subscriber * options->prefixes + number);
}

//  --------------------------------------------------------------------------
//  Wait, until deadline_ns, for every subscription of the run to reach
//  publisher: each subscriber's last extra prefix (which travels after its
//  others) and one that matches the event type. Returns 0 or JB_ETIMEDOUT.

static int
s_wait_subscriptions(jb_publisher_t *publisher, const s_options_t *options, int64_t deadline_ns,
                     jb_error_t *error)
{
    for (int subscriber = 0; options->prefixes > 0 && subscriber < options->subscribers;
         subscriber++) {
        char type [64];
        s_extra_prefix(type, sizeof type, options, subscriber, options->prefixes - 1);
        strcat(type, "x");              //  a type that prefix matches
        int remaining_ms = (int) ((deadline_ns - bench_now_ns()) / 1000000);
        int rc = jb_publisher_wait_for(publisher, type, remaining_ms > 0? remaining_ms: 0, error);
        if (rc)
            return rc;
    }
    int remaining_ms = (int) ((deadline_ns - bench_now_ns()) / 1000000);
    return jb_publisher_wait_for(publisher, s_TYPE, remaining_ms > 0? remaining_ms: 0, error);
}

//  --------------------------------------------------------------------------
//  Record a thread's failure in its message buffer.

static void
s_fail(int *error_p, char *message, size_t size, int code, const char *format, ...) JB_PRINTF(5, 6);

static void
s_fail(int *error_p, char *message, size_t size, int code, const char *format, ...)
{
    *error_p = code? code: JB_EINVAL;
    va_list args;
    va_start(args, format);
    vsnprintf(message, size, format, args);
    va_end(args);
}

//  --------------------------------------------------------------------------
//  A publisher thread: connect, wait for the subscriptions, wait for go,
//  publish --count events (or for --duration) at --rate, send the
//  sentinel, and keep the socket open until the run is over so that
//  nothing queued is cut off.

static void *
s_publisher_run(void *argument)
{
    s_publisher_t *self = (s_publisher_t *) argument;
    s_bench_t *bench = self->bench;
    const s_options_t *options = bench->options;
    char name [16];
    snprintf(name, sizeof name, "bench-pub-%d", self->index);
    pthread_setname_np(pthread_self(), name);

    jb_error_t error;
    jb_error_clear(&error);
    jb_publisher_options_t publisher_options;
    jb_publisher_options_defaults(&publisher_options);
    publisher_options.mode = options->mode;
    publisher_options.sndhwm = options->hwm;
    jb_publisher_t *publisher = jb_publisher_new(bench->frontend, &publisher_options, &error);
    if (!publisher)
        s_fail(&self->error, self->message, sizeof self->message, error.code,
               "publisher %d: %s", self->index, error.message);
    else {
        int rc = s_wait_subscriptions(publisher, options,
                                      bench_now_ns() + (int64_t) s_SETUP_TIMEOUT_MS * 1000000, &error);
        if (rc)
            s_fail(&self->error, self->message, sizeof self->message, rc,
                   "publisher %d: not every subscription arrived: %s", self->index, error.message);
    }
    int64_t go_ns = 0;
    if (bench_run_publisher_ready(bench->run, self->error != 0, &go_ns)) {
        int64_t cpu_start = s_thread_cpu_ns();
        bench_pace_t pace;
        bench_pace_init(&pace, options->count, options->duration_s, options->rate, go_ns);
        size_t payload_size = (size_t) options->size;
        char subject [32];
        uint64_t sequence = 0;
        while (bench_pace_next(&pace, sequence)) {
            s_data_subject(subject, sequence);
            int rc = s_publish_one(publisher, subject, bench->payload, payload_size, true, &error);
            if (rc) {
                s_fail(&self->error, self->message, sizeof self->message, rc,
                       "publisher %d: event %" PRIu64 ": %s", self->index, sequence + 1,
                       error.message);
                break;
            }
            sequence++;
            if ((sequence & (BENCH_PROGRESS_EVERY - 1)) == 0)
                bench_run_publisher_progress(bench->run, self->index, sequence);
        }
        self->published = sequence;
        bench_run_publisher_progress(bench->run, self->index, sequence);
        snprintf(subject, sizeof subject, s_SUBJECT_END "%d", self->index);
        int rc = s_publish_one(publisher, subject, bench->payload, payload_size, true, &error);
        if (rc && !self->error)
            s_fail(&self->error, self->message, sizeof self->message, rc,
                   "publisher %d: the end event: %s", self->index, error.message);
        self->cpu_ns = s_thread_cpu_ns() - cpu_start;
        jb_publisher_stats_t stats;
        jb_publisher_stats(publisher, &stats);
        self->bytes = stats.bytes;
        self->messages = stats.events;
    }
    bench_run_publisher_finished(bench->run);
    jb_publisher_destroy(&publisher);
    return NULL;
}

//  --------------------------------------------------------------------------
//  Handle one control event (subject "bench-..."). Returns true when the
//  subscriber has every publisher's sentinel and is done.

static bool
s_subscriber_control(s_subscriber_t *self, const char *subject, bool *probed, int64_t *cpu_start)
{
    s_bench_t *bench = self->bench;
    if (strcmp(subject, s_SUBJECT_PROBE) == 0) {
        if (!*probed) {
            *probed = true;
            *cpu_start = s_thread_cpu_ns();
            bench_run_subscriber_probed(bench->run);
        }
        return false;
    }
    if (strncmp(subject, s_SUBJECT_END, sizeof s_SUBJECT_END - 1) == 0)
        self->sentinels++;
    return self->sentinels >= (uint64_t) bench->options->publishers;
}

//  A subscriber thread: subscribe, confirm the first probe, then receive
//  and decode until done.

static void *
s_subscriber_run(void *argument)
{
    s_subscriber_t *self = (s_subscriber_t *) argument;
    s_bench_t *bench = self->bench;
    const s_options_t *options = bench->options;
    char name [16];
    snprintf(name, sizeof name, "bench-sub-%d", self->index);
    pthread_setname_np(pthread_self(), name);

    jb_error_t error;
    jb_error_clear(&error);
    jb_subscriber_options_t subscriber_options;
    jb_subscriber_options_defaults(&subscriber_options);
    subscriber_options.rcvhwm = options->hwm;
    jb_subscriber_t *subscriber = jb_subscriber_new(bench->backend, &subscriber_options, &error);
    if (!subscriber)
        s_fail(&self->error, self->message, sizeof self->message, error.code,
               "subscriber %d: %s", self->index, error.message);
    //  the extra prefixes first: the filter's subscription, last, is the
    //  one a probe proves has arrived
    for (int number = 0; subscriber && !self->error && number < options->prefixes; number++) {
        char prefix [64];
        s_extra_prefix(prefix, sizeof prefix, options, self->index, number);
        int rc = jb_subscriber_subscribe(subscriber, prefix, &error);
        if (rc)
            s_fail(&self->error, self->message, sizeof self->message, rc,
                   "subscriber %d: %s", self->index, error.message);
    }
    if (subscriber && !self->error) {
        int rc = jb_subscriber_subscribe(subscriber, options->filter, &error);
        if (rc)
            s_fail(&self->error, self->message, sizeof self->message, rc,
                   "subscriber %d: %s", self->index, error.message);
    }
    if (self->error) {
        bench_run_subscriber_failed(bench->run);
        jb_subscriber_destroy(&subscriber);
        return NULL;
    }

    bool probed = false;
    int64_t cpu_start = s_thread_cpu_ns();
    int64_t last_activity_ns = bench_now_ns();
    while (true) {
        jb_event_t *event = NULL;
        int rc = jb_subscriber_recv(subscriber, s_RECV_SLICE_MS, &event, &error);
        if (rc == JB_ETIMEDOUT) {
            if (bench_run_subscriber_should_stop(bench->run, last_activity_ns))
                break;
            continue;
        }
        if (rc) {
            s_fail(&self->error, self->message, sizeof self->message, rc,
                   "subscriber %d: %s", self->index, error.message);
            break;
        }
        int64_t now_ns = bench_now_ns();
        last_activity_ns = now_ns;
        const char *subject = jb_event_subject(event);
        if (subject && subject[0] == 'b') {
            bool done = s_subscriber_control(self, subject, &probed, &cpu_start);
            jb_event_destroy(&event);
            if (done)
                break;
            continue;
        }
        const jb_value_t *stamp = jb_event_extension(event, s_STAMP_NAME);
        uint64_t sent_ns;
        if (stamp && stamp->type == JB_TYPE_STRING
        &&  bench_read_digits(stamp->as.string, BENCH_STAMP_DIGITS, &sent_ns))
            bench_latency_add(self->latency, now_ns - (int64_t) sent_ns);
        else
            self->unstamped++;
        jb_event_destroy(&event);
        self->last_receive_ns = now_ns;
        if ((++self->received & (BENCH_PROGRESS_EVERY - 1)) == 0)
            bench_run_subscriber_progress(bench->run, self->index, self->received);
    }
    self->cpu_ns = s_thread_cpu_ns() - cpu_start;
    bench_run_subscriber_progress(bench->run, self->index, self->received);
    bench_run_subscriber_finished(bench->run, probed);
    jb_subscriber_destroy(&subscriber);
    return NULL;
}

//  --------------------------------------------------------------------------
//  The broker program: start it on free loopback ports and read its ready
//  line, "jbus-broker: ready frontend=EP backend=EP control=none". Returns
//  0, or CMD_EXIT_FAILURE after saying why.

static int
s_child_start(s_child_t *child, const s_options_t *options)
{
    int fd = -1;
    int rc = bench_broker_spawn(options->broker_program, options->hwm, options->quiet,
                                &child->pid, &fd);
    if (rc) {
        fprintf(stderr, "jbus " s_NAME ": cannot start %s: %s\n", options->broker_program,
                strerror(rc));
        return CMD_EXIT_FAILURE;
    }
    char line [1024];
    if (!bench_read_ready(fd, s_BROKER_START_MS, child->frontend, child->backend,
                          sizeof child->frontend, line, sizeof line)) {
        fprintf(stderr, "jbus " s_NAME ": %s did not print its ready line within %d ms%s%s\n",
                options->broker_program, s_BROKER_START_MS, *line? ": ": "", line);
        return CMD_EXIT_FAILURE;
    }
    return 0;
}

//  Stop the broker program with SIGTERM and collect its resource use; it
//  gets s_BROKER_STOP_MS before SIGKILL. Accepts a child never started.
static void
s_child_stop(s_child_t *child)
{
    if (child->pid <= 0)
        return;
    bench_process_stop(child->pid, s_BROKER_STOP_MS, &child->usage);
    child->exited = true;
    child->pid = 0;
}

//  --------------------------------------------------------------------------
//  Sample the CPU of this process, of the broker and of the ZeroMQ I/O
//  threads.

static bench_cpu_sample_t
s_cpu_sample(pid_t broker_tid, const s_child_t *child)
{
    bench_cpu_sample_t sample;
    bench_cpu_sample(&sample);
    sample.broker_ns = broker_tid > 0? bench_task_cpu_ns(getpid(), broker_tid)
                     : child->pid > 0? bench_tasks_cpu_ns(child->pid, NULL): -1;
    return sample;
}

//  --------------------------------------------------------------------------
//  The report of a run.

//  What the report says the forwarder was: its --csv/--json name, and
//  words for people.
static const char *
s_forwarder_name(const s_options_t *options)
{
    return options->broker_program? "jbus-broker"
         : options->frontend? "external": "jbus-broker-embedded";
}

static const char *
s_forwarder_words(const s_options_t *options)
{
    return options->broker_program? "jbus-broker program"
         : options->frontend? "running broker": "embedded jbus broker";
}

//  The figures the options decide, into report.
static void
s_report_describe(const s_options_t *options, bench_report_t *report)
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

static void
s_print_human(const s_options_t *options, const bench_report_t *report)
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

//  --------------------------------------------------------------------------
//  --dump-frames: write one event's frames for tests/bench_raw.c. Returns
//  an exit code.

//  Publish the marker event through a real publisher and capture its
//  frames with a plain SUB socket, so that the file holds exactly what
//  publishers send, whatever the library adds to an event on the way
//  (such as its own extension attributes). Publishes s_DUMP_WARMUP events
//  nobody receives first, so that numbers the library counts per event
//  have the width they have in the steady state of a run. On success
//  returns 0 with the frames in parts[0 .. *count_p - 1] (close each with
//  zmq_msg_close); otherwise an exit code, after saying why.

static int
s_capture_frames(const s_options_t *options, uint64_t marker, zmq_msg_t *parts,
                 size_t max, size_t *count_p)
{
    jb_error_t error;
    jb_error_clear(&error);
    jb_publisher_options_t publisher_options;
    jb_publisher_options_defaults(&publisher_options);
    publisher_options.mode = options->mode;
    publisher_options.bind = true;
    publisher_options.linger_ms = 0;
    publisher_options.sndhwm = 0;
    jb_publisher_t *publisher = jb_publisher_new("inproc://jbus-bench-dump", &publisher_options,
                                                 &error);
    char *payload = s_payload_new((size_t) options->size);
    zsock_t *capture = zsock_new(ZMQ_SUB);
    char subject [32];
    s_data_subject(subject, 0);
    int rc = publisher && payload && capture? 0: JB_ENOMEM;
    if (!publisher)
        rc = error.code;
    for (int sequence = 0; rc == 0 && sequence < s_DUMP_WARMUP; sequence++)
        rc = s_publish_one(publisher, subject, payload, (size_t) options->size, true, &error);
    if (rc == 0) {
        zsock_set_rcvtimeo(capture, s_DUMP_TIMEOUT_MS);
        zsock_set_subscribe(capture, s_TYPE);
        if (zsock_connect(capture, "inproc://jbus-bench-dump") == -1)
            rc = JB_ESOCKET;
    }
    if (rc == 0)
        rc = jb_publisher_wait_for(publisher, s_TYPE, s_DUMP_TIMEOUT_MS, &error);
    jb_event_t *event = NULL;
    if (rc == 0)
        rc = s_event_make(subject, payload, (size_t) options->size, &marker, &event, &error);
    if (rc == 0)
        rc = jb_publisher_publish(publisher, event, &error);
    size_t count = 0;
    bool more = rc == 0;
    while (more && count < max) {
        zmq_msg_init(&parts[count]);
        if (zmq_msg_recv(&parts[count], zsock_resolve(capture), 0) == -1) {
            zmq_msg_close(&parts[count]);
            snprintf(error.message, sizeof error.message, "the event did not come back: %s",
                     zmq_strerror(zmq_errno()));
            rc = JB_ESOCKET;
            break;
        }
        more = zmq_msg_more(&parts[count++]);
    }
    if (rc == 0 && more) {
        snprintf(error.message, sizeof error.message, "more than %zu frames", max);
        rc = JB_EFRAME;
    }
    if (rc) {
        fprintf(stderr, "jbus " s_NAME ": cannot capture an event's frames: %s\n",
                error.message[0]? error.message: jb_strerror(rc));
        while (count > 0)
            zmq_msg_close(&parts[--count]);
    }
    jb_event_destroy(&event);
    zsock_destroy(&capture);
    jb_publisher_destroy(&publisher);
    free(payload);
    *count_p = count;
    return rc? CMD_EXIT_FAILURE: CMD_EXIT_OK;
}

//  --dump-frames: write one event's frames for tests/bench_raw.c. Returns
//  an exit code.

static int
s_dump_frames(const s_options_t *options)
{
    //  a stamp whose digits are easy to find, and found once only
    const uint64_t marker = UINT64_C(12345678901234567890);
    char marker_text [BENCH_STAMP_DIGITS + 1];
    bench_write_digits(marker_text, marker, BENCH_STAMP_DIGITS);
    marker_text[BENCH_STAMP_DIGITS] = '\0';

    zmq_msg_t parts [BENCH_FRAMES_MAX];
    size_t count = 0;
    int exit_code = s_capture_frames(options, marker, parts, BENCH_FRAMES_MAX, &count);
    if (exit_code)
        return exit_code;
    size_t stamp_frame = count - 1;
    const char *last = (const char *) zmq_msg_data(&parts[stamp_frame]);
    size_t last_size = zmq_msg_size(&parts[stamp_frame]);
    const char *found = (const char *) memmem(last, last_size, marker_text, BENCH_STAMP_DIGITS);
    const char *again = found? (const char *) memmem(found + 1, last_size - (size_t) (found + 1
                                                     - last), marker_text, BENCH_STAMP_DIGITS)
                             : NULL;
    bench_frames_t frames;
    memset(&frames, 0, sizeof frames);
    frames.mode = (uint32_t) options->mode;
    frames.data_bytes = (uint32_t) options->size;
    frames.count = count;
    frames.stamp_frame = stamp_frame;
    frames.stamp_offset = found? (size_t) (found - last): 0;
    for (size_t index = 0; index < count; index++) {
        frames.frames[index] = (unsigned char *) zmq_msg_data(&parts[index]);
        frames.sizes[index] = zmq_msg_size(&parts[index]);
        frames.total += frames.sizes[index];
    }
    int rc = found && !again? bench_frames_write(options->dump_frames, &frames): 0;
    if (!found || again) {
        fprintf(stderr, "jbus " s_NAME ": cannot locate the stamp in the encoded event\n");
        exit_code = CMD_EXIT_FAILURE;
    }
    else
    if (rc) {
        fprintf(stderr, "jbus " s_NAME ": %s: cannot write: %s\n", options->dump_frames,
                strerror(rc));
        exit_code = CMD_EXIT_FAILURE;
    }
    else
    if (!options->quiet) {
        fprintf(stderr, "jbus " s_NAME ": wrote %zu frames (", count);
        for (size_t index = 0; index < count; index++)
            fprintf(stderr, "%s%zu", index? " + ": "", frames.sizes[index]);
        fprintf(stderr, " = %zu bytes) of a %s-mode event to %s\n", frames.total,
                options->mode == JB_MODE_BINARY? "binary": "structured", options->dump_frames);
    }
    for (size_t index = 0; index < count; index++)
        zmq_msg_close(&parts[index]);
    return exit_code;
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

static int
s_callgrind_publish(const s_options_t *options)
{
    jb_error_t error;
    jb_error_clear(&error);
    jb_publisher_options_t publisher_options;
    jb_publisher_options_defaults(&publisher_options);
    publisher_options.mode = options->mode;
    publisher_options.bind = true;
    publisher_options.linger_ms = 0;
    jb_publisher_t *publisher = jb_publisher_new("tcp://127.0.0.1:*", &publisher_options, &error);
    char *payload = s_payload_new((size_t) options->size);
    if (!publisher || !payload) {
        fprintf(stderr, "jbus " s_NAME ": %s\n", publisher? "out of memory": error.message);
        jb_publisher_destroy(&publisher);
        free(payload);
        return CMD_EXIT_FAILURE;
    }
    char subject [32];
    int rc = 0;
    int64_t wall_start = bench_now_ns(), cpu_start = s_thread_cpu_ns();
    for (long sequence = 0; rc == 0 && sequence < options->callgrind_publish; sequence++) {
        s_data_subject(subject, (uint64_t) sequence);
        rc = s_publish_one(publisher, subject, payload, (size_t) options->size, false, &error);
    }
    int64_t wall_ns = bench_now_ns() - wall_start, cpu_ns = s_thread_cpu_ns() - cpu_start;
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

//  --------------------------------------------------------------------------
//  A probe of the main thread: through its own publisher, an event with the
//  subject "bench-probe".

typedef struct {
    s_bench_t *bench;
    jb_publisher_t *prober;
    jb_error_t *error;
} s_probe_t;

static int
s_send_probe(void *argument)
{
    s_probe_t *probe = (s_probe_t *) argument;
    int rc = s_publish_one(probe->prober, s_SUBJECT_PROBE, probe->bench->payload,
                           (size_t) probe->bench->options->size, true, probe->error);
    if (rc)
        fprintf(stderr, "jbus " s_NAME ": probe: %s\n", probe->error->message);
    return rc;
}

//  --------------------------------------------------------------------------
//  Set up, run and tear down one measured run with the broker at
//  frontend/backend. broker_tid is the embedded broker's thread (0 when
//  not embedded), child the broker program (pid 0 when not ours). Fills
//  results; returns an exit code.

static int
s_run(s_bench_t *bench, pid_t broker_tid, const s_child_t *child, bench_report_t *report)
{
    const s_options_t *options = bench->options;
    int exit_code = CMD_EXIT_OK;
    for (int index = 0; index < options->subscribers; index++)
        if (!bench_run_start_subscriber(bench->run, index, s_subscriber_run,
                                        &bench->subscribers[index])) {
            fprintf(stderr, "jbus " s_NAME ": cannot start subscriber thread %d\n", index);
            exit_code = CMD_EXIT_FAILURE;
            break;
        }
    for (int index = 0; exit_code == 0 && index < options->publishers; index++)
        if (!bench_run_start_publisher(bench->run, index, s_publisher_run,
                                       &bench->publishers[index])) {
            fprintf(stderr, "jbus " s_NAME ": cannot start publisher thread %d\n", index);
            exit_code = CMD_EXIT_FAILURE;
        }

    //  Probe until every subscriber has received a probe.
    int64_t deadline_ns = bench_now_ns() + (int64_t) s_SETUP_TIMEOUT_MS * 1000000;
    jb_error_t error;
    jb_error_clear(&error);
    jb_publisher_t *prober = NULL;
    if (exit_code == 0) {
        jb_publisher_options_t prober_options;
        jb_publisher_options_defaults(&prober_options);
        prober_options.mode = options->mode;
        prober_options.sndhwm = options->hwm;
        prober_options.linger_ms = 0;
        prober = jb_publisher_new(bench->frontend, &prober_options, &error);
        if (!prober || s_wait_subscriptions(prober, options, deadline_ns, &error)) {
            fprintf(stderr, "jbus " s_NAME ": the subscriptions did not reach a publisher at %s: "
                    "%s\n", bench->frontend, error.message);
            exit_code = CMD_EXIT_FAILURE;
        }
    }
    s_probe_t probe = { bench, prober, &error };
    int missing = exit_code? 0: bench_run_probe(bench->run, s_send_probe, &probe,
                                                s_PROBE_INTERVAL_MS, deadline_ns);
    if (missing > 0)
        fprintf(stderr, "jbus " s_NAME ": %d of %d subscribers received no probe within %d ms\n",
                missing, options->subscribers, s_SETUP_TIMEOUT_MS);
    if (missing || (exit_code == 0 && !bench_run_await_setup(bench->run)))
        exit_code = CMD_EXIT_FAILURE;
    jb_publisher_destroy(&prober);

    //  Go, and wait for the subscribers, with a progress line every second.
    bench_cpu_sample_t start = s_cpu_sample(broker_tid, child);
    bench_run_go(bench->run, exit_code != 0);
    bench_run_await_subscribers(bench->run, options->quiet? NULL: "jbus " s_NAME);
    bench_cpu_sample_t end = s_cpu_sample(broker_tid, child);
    bench_run_finish(bench->run);

    //  What happened.
    int64_t go_ns = bench_run_go_ns(bench->run);
    int64_t last_ns = go_ns;
    uint64_t bytes = 0, messages = 0;
    for (int index = 0; index < options->publishers; index++) {
        s_publisher_t *publisher = &bench->publishers[index];
        if (publisher->error) {
            fprintf(stderr, "jbus " s_NAME ": %s\n", publisher->message);
            exit_code = CMD_EXIT_FAILURE;
        }
        report->published += publisher->published;
        report->cpu_publishers_s += (double) publisher->cpu_ns / 1e9;
        bytes += publisher->bytes;
        messages += publisher->messages;
    }
    for (int index = 0; index < options->subscribers; index++) {
        s_subscriber_t *subscriber = &bench->subscribers[index];
        if (subscriber->error) {
            fprintf(stderr, "jbus " s_NAME ": %s\n", subscriber->message);
            exit_code = CMD_EXIT_FAILURE;
        }
        if (subscriber->unstamped) {
            fprintf(stderr, "jbus " s_NAME ": subscriber %d: %" PRIu64 " events without a "
                    "readable " s_STAMP_NAME "\n", index, subscriber->unstamped);
            exit_code = CMD_EXIT_FAILURE;
        }
        report->delivered += subscriber->received;
        report->cpu_subscribers_s += (double) subscriber->cpu_ns / 1e9;
        bench_latency_merge(report->latency, subscriber->latency);
        if (subscriber->last_receive_ns > last_ns)
            last_ns = subscriber->last_receive_ns;
    }
    report->message_bytes = messages? (double) bytes / (double) messages: 0;
    bench_report_finish(report, go_ns, last_ns, &start, &end, child->pid > 0);
    return exit_code;
}

//  --------------------------------------------------------------------------

static void
s_print_help(void)
{
    printf(
        "Usage: jbus bench [--pub N] [--sub N] [--count N | --duration S] [OPTIONS]\n"
        "       jbus bench --dump-frames FILE [--mode MODE] [--size BYTES]\n"
        "       jbus bench --callgrind-publish N [--mode MODE] [--size BYTES]\n"
        "\n"
        "Measure the bus end to end: publishers make, encode and publish events of type\n"
        s_TYPE " through a broker to subscribers, which\n"
        "receive and decode them. Prints events delivered per second, MB/s, one-way\n"
        "latency percentiles, events lost, and the CPU time and peak memory of each role.\n"
        "Publishers and subscribers are threads of this process; unless told otherwise the\n"
        "broker is embedded too, on tcp://127.0.0.1 with free ports.\n"
        "\n"
        "Load:\n"
        "  -p, --pub N               publishers (default 1)\n"
        "  -s, --sub N               subscribers (default 1)\n"
        "  -n, --count N             events per publisher (default %d)\n"
        "  -d, --duration S          publish for S seconds instead of --count events\n"
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
        "      --grace MS            when an end event is lost, stop receiving after MS\n"
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
        "      --callgrind-publish N make, encode and publish N events (without " s_STAMP_NAME ")\n"
        "                            with no subscriber (the socket drops them) and print the\n"
        "                            time per event; run it under valgrind --tool=callgrind\n"
        "                            for instructions per event\n"
        "  -h, --help                show this help and exit\n"
        "\n"
        "On a 2-core machine one publisher, one subscriber and the broker already saturate\n"
        "both cores: throughput there is bought with CPU per event, reported per role.\n"
        "\n"
        "Latency is measured from right before an event is encoded to right after it is\n"
        "decoded: publishers stamp each event with the extension attribute \"" s_STAMP_NAME "\",\n"
        "a String of %d digits holding CLOCK_MONOTONIC in nanoseconds.\n"
        "\n"
        "Exit codes:\n"
        "  0  the run completed (and nothing was lost with --hwm 0)\n"
        "  1  events were lost although every high-water mark was unlimited (a bug), or\n"
        "     the run could not be set up or failed\n"
        "  2  usage error\n"
        "\n"
        "Examples:\n"
        "  jbus bench --count 100000\n"
        "  jbus bench --pub 1 --sub 8 --mode structured --size 1024\n"
        "  jbus bench --rate 2000 --count 20000          latency at 2,000 events/s\n",
        s_DEFAULT_COUNT, s_DEFAULT_SIZE, s_DEFAULT_GRACE_MS, BENCH_STAMP_DIGITS);
}

//  --------------------------------------------------------------------------
//  Parse the command line into options. Returns 0, -1 after --help, or
//  CMD_EXIT_USAGE after saying what is wrong.

static int
s_parse(int argc, char **argv, s_options_t *options)
{
    enum {
        s_SIZE = 256, s_RATE, s_HWM, s_FILTER, s_PREFIXES, s_IO_THREADS, s_GRACE,
        s_BROKER_PROGRAM, s_FRONTEND, s_BACKEND, s_CSV, s_JSON, s_DUMP, s_CALLGRIND
    };
    static const struct option long_options [] = {
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
    bool count_given = false;
    int number = 0;
    int option, rc = 0;
    while (rc == 0 && (option = getopt_long(argc, argv, "p:s:n:d:m:qh", long_options, NULL)) != -1) {
        switch (option) {
            case 'p': rc = cmd_parse_int(s_NAME, "--pub", optarg, 1, 1000, &options->publishers); break;
            case 's': rc = cmd_parse_int(s_NAME, "--sub", optarg, 1, 1000, &options->subscribers); break;
            case 'n':
                rc = cmd_parse_int(s_NAME, "--count", optarg, 1, INT32_MAX, &number);
                options->count = number;
                count_given = true;
                break;
            case 'd':
                if (!bench_parse_seconds(optarg, &options->duration_s))
                    rc = cmd_usage_error(s_NAME, "bad --duration '%s': seconds, more than 0",
                                         optarg);
                break;
            case s_SIZE: rc = cmd_parse_int(s_NAME, "--size", optarg, 8, 64 * 1024 * 1024, &options->size); break;
            case 'm':
                if (strcmp(optarg, "binary") == 0)
                    options->mode = JB_MODE_BINARY;
                else
                if (strcmp(optarg, "structured") == 0)
                    options->mode = JB_MODE_STRUCTURED;
                else
                    rc = cmd_usage_error(s_NAME, "bad --mode '%s': binary or structured", optarg);
                break;
            case s_RATE: rc = cmd_parse_int(s_NAME, "--rate", optarg, 0, 100000000, &options->rate); break;
            case s_HWM: rc = cmd_parse_int(s_NAME, "--hwm", optarg, 0, INT32_MAX, &options->hwm); break;
            case s_FILTER: options->filter = optarg; break;
            case s_PREFIXES:
                rc = cmd_parse_int(s_NAME, "--prefixes", optarg, 0, 1000000, &options->prefixes);
                break;
            case s_IO_THREADS:
                rc = cmd_parse_int(s_NAME, "--io-threads", optarg, 1, 64, &options->io_threads);
                break;
            case s_GRACE: rc = cmd_parse_int(s_NAME, "--grace", optarg, 1, 3600000, &options->grace_ms); break;
            case s_BROKER_PROGRAM: options->broker_program = optarg; break;
            case s_FRONTEND: options->frontend = optarg; break;
            case s_BACKEND: options->backend = optarg; break;
            case s_CSV: options->csv = true; break;
            case s_JSON: options->json = true; break;
            case 'q': options->quiet = true; break;
            case s_DUMP: options->dump_frames = optarg; break;
            case s_CALLGRIND:
                rc = cmd_parse_int(s_NAME, "--callgrind-publish", optarg, 0, INT32_MAX, &number);
                options->callgrind_publish = number;
                break;
            case 'h': s_print_help(); return -1;
            default: return cmd_usage_hint(s_NAME);
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return cmd_usage_error(s_NAME, "unexpected argument '%s'", argv[optind]);
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
    if (!jb_filter_matches(options->filter, s_TYPE)) {
        //  a malformed pattern also lands here; say which it may be
        bool is_pattern = strchr(options->filter, '*') || strchr(options->filter, '>');
        return cmd_usage_error(s_NAME, "bad --filter '%s': %s", options->filter,
                               is_pattern? "not a valid pattern, or it does not match " s_TYPE
                                         : "it does not match the event type " s_TYPE);
    }
    return 0;
}

//  --------------------------------------------------------------------------

int
cmd_bench(int argc, char **argv)
{
    s_options_t options;
    memset(&options, 0, sizeof options);
    options.publishers = 1;
    options.subscribers = 1;
    options.count = s_DEFAULT_COUNT;
    options.size = s_DEFAULT_SIZE;
    options.mode = JB_MODE_BINARY;
    options.filter = s_DEFAULT_FILTER;
    options.io_threads = 1;
    options.grace_ms = s_DEFAULT_GRACE_MS;
    options.callgrind_publish = -1;
    int exit_code = s_parse(argc, argv, &options);
    if (exit_code)
        return exit_code == -1? CMD_EXIT_OK: exit_code;

    //  No CZMQ signal handlers (Ctrl-C ends the process, and the broker
    //  program with it: same process group) and no CZMQ log lines: the
    //  embedded broker's "started" line would only interleave with ours.
    zsys_handler_set(NULL);
    zsys_set_logstream(NULL);
    zsys_set_io_threads((size_t) options.io_threads);
    if (options.dump_frames)
        return s_dump_frames(&options);
    if (options.callgrind_publish >= 0)
        return s_callgrind_publish(&options);

    s_bench_t bench;
    memset(&bench, 0, sizeof bench);
    bench.options = &options;
    s_child_t child;
    memset(&child, 0, sizeof child);
    jb_broker_t *broker = NULL;
    pid_t broker_tid = 0;
    bench_latency_t *latency = (bench_latency_t *) calloc(1, sizeof(bench_latency_t));
    bench_report_t report;
    bench_report_init(&report, "jbus", latency);
    s_report_describe(&options, &report);

    //  The broker, first of all: a program is spawned before this process
    //  has any ZeroMQ socket or thread.
    if (options.broker_program) {
        exit_code = s_child_start(&child, &options);
        bench.frontend = child.frontend;
        bench.backend = child.backend;
    }
    else
    if (options.frontend) {
        bench.frontend = options.frontend;
        bench.backend = options.backend;
    }
    else {
        //  The broker's thread is the one that appears with it (besides
        //  libzmq's own, which its first socket starts).
        pid_t before [1024], after [1024];
        size_t before_count = bench_list_tasks(getpid(), before, 1024);
        jb_broker_config_t config;
        jb_broker_config_defaults(&config);
        config.frontend = "tcp://127.0.0.1:*";
        config.backend = "tcp://127.0.0.1:*";
        config.control = NULL;
        config.sndhwm = options.hwm;
        config.rcvhwm = options.hwm;
        config.max_message_size = -1;
        config.stats_interval_ms = 0;
        jb_error_t error;
        broker = jb_broker_new(&config, &error);
        if (!broker) {
            fprintf(stderr, "jbus " s_NAME ": cannot start the broker: %s\n", error.message);
            exit_code = CMD_EXIT_FAILURE;
        }
        else {
            bench.frontend = jb_broker_endpoint_frontend(broker);
            bench.backend = jb_broker_endpoint_backend(broker);
            size_t after_count = bench_list_tasks(getpid(), after, 1024);
            for (size_t index = 0; index < after_count; index++) {
                bool old = false;
                for (size_t other = 0; other < before_count; other++)
                    old = old || before[other] == after[index];
                char name [64];
                bench_task_name(getpid(), after[index], name, sizeof name);
                if (!old && strncmp(name, "ZMQbg", 5) != 0)
                    broker_tid = after[index];
            }
        }
    }

    if (exit_code == 0) {
        bench.payload = s_payload_new((size_t) options.size);
        bench.publishers = (s_publisher_t *) calloc((size_t) options.publishers,
                                                    sizeof(s_publisher_t));
        bench.subscribers = (s_subscriber_t *) calloc((size_t) options.subscribers,
                                                      sizeof(s_subscriber_t));
        bench.run = bench_run_new(options.publishers, options.subscribers, options.grace_ms);
        bool allocated = bench.payload && bench.publishers && bench.subscribers && latency
                      && bench.run;
        for (int index = 0; allocated && index < options.subscribers; index++) {
            bench.subscribers[index].bench = &bench;
            bench.subscribers[index].index = index;
            bench.subscribers[index].latency = (bench_latency_t *) calloc(1, sizeof(bench_latency_t));
            allocated = bench.subscribers[index].latency != NULL;
        }
        for (int index = 0; allocated && index < options.publishers; index++) {
            bench.publishers[index].bench = &bench;
            bench.publishers[index].index = index;
        }
        if (!allocated) {
            fprintf(stderr, "jbus " s_NAME ": out of memory\n");
            exit_code = CMD_EXIT_FAILURE;
        }
    }
    if (exit_code == 0)
        exit_code = s_run(&bench, broker_tid, &child, &report);

    //  The broker program's CPU was sampled; its peak memory comes as it exits.
    s_child_stop(&child);
    if (child.exited)
        report.rss_broker_kb = child.usage.ru_maxrss;
    jb_broker_destroy(&broker);

    if (exit_code == 0 || report.published > 0) {
        if (options.csv || options.json)
            bench_report_print_machine(&report, options.json);
        else
            s_print_human(&options, &report);
        fflush(stdout);
    }
    if (exit_code == 0 && report.lost > 0 && options.hwm == 0) {
        fprintf(stderr, "jbus " s_NAME ": %" PRId64 " of %" PRIu64 " events lost although every "
                "high-water mark was unlimited: that is a bug\n", report.lost, report.expected);
        exit_code = CMD_EXIT_FAILURE;
    }
    for (int index = 0; bench.subscribers && index < options.subscribers; index++)
        free(bench.subscribers[index].latency);
    free(bench.subscribers);
    free(bench.publishers);
    free(bench.payload);
    bench_run_destroy(&bench.run);
    free(latency);
    return exit_code;
}
