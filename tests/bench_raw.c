/*  =========================================================================
    bench_raw.c - the raw-libzmq baseline for `jbus bench`

        bench_raw --frames FILE [--pub N] [--sub N] [--count N | --duration S]
                  [--forwarder zmq_proxy | zmq_proxy_process
                   | --forwarder jbus-broker --broker-program PATH]

    A benchmark program, not a test, and no jbus code: libzmq only. It sends
    the frames that `jbus bench --dump-frames FILE` captured from a real
    jbus publisher, byte for byte, from publisher threads through a
    forwarder to subscriber threads over tcp loopback, and prints the same
    figures as `jbus bench`, in the same --csv and --json columns, so that
    scripts/bench can put every jbus figure beside its raw baseline:

      - the forwarder is zmq_proxy (XSUB/XPUB) in a thread of this program,
        on one ZeroMQ context with the publishers and subscribers, as the
        embedded jbus broker shares one with jbus bench's; or zmq_proxy in a
        child process with a context of its own (zmq_proxy_process), as a
        broker program has; or the jbus-broker program itself (--forwarder
        jbus-broker), started on free ports, whose ready line gives its
        endpoints: beside zmq_proxy_process, that compares jbus-broker's
        forwarding with zmq_proxy's on the same frames and the same layout;
      - publishers are XPUB sockets, like jbus publishers, and send with
        zmq_send(ZMQ_DONTWAIT) as jbus does; subscribers are SUB sockets
        reading frames with zmq_msg_recv; neither makes, encodes or decodes
        anything: that is the point;
      - the run is set up as jbus bench sets it up, without sleeps: each
        subscriber subscribes to --prefixes prefixes that never match
        ("jerry.other_000042.") and then to --filter; each publisher waits
        until it has seen 1 + prefixes * subscribers subscriptions; the main
        thread sends probes ([topic]["jbus-bench-probe"]) until every
        subscriber has received one; publishers start together and end with
        a sentinel ([topic]["jbus-bench-end:N"]).

    Latency without changing a frame's size: the frames file says where the
    event's "benchsent" attribute holds its 20 decimal digits (in the last
    frame). Each publisher overwrites those 20 bytes with CLOCK_MONOTONIC in
    nanoseconds right before sending, and the subscriber reads them back on
    receipt: the same stamp, in the same place, as a jbus event carries.

    The frames file is described in clients/bench/bench_frames.h.

    Exit codes: 0 success; 1 events lost although every high-water mark was
    unlimited, or the run failed; 2 usage error.
    ========================================================================= */

#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

//  clocks, histograms, stamps, the run's hand-overs and the report: the
//  same as jbus bench's
#include "bench_support.h"
#include "bench_frames.h"
#include "bench_report.h"
#include "bench_run.h"
#include "bench_raw.h"

#define s_NAME RAW_NAME

#define s_PREFIX_FORMAT "jerry.other_%06ld."
#define s_PROBE "jbus-bench-probe"
#define s_END "jbus-bench-end:"
#define s_SETUP_TIMEOUT_MS 30000
#define s_PROBE_INTERVAL_MS 10
#define s_RECV_SLICE_MS 100
//  Room for an error message, which may quote an endpoint.
#define s_ERROR_MAX 1024
//  Frames of a message a subscriber keeps; the rest are read and dropped.
#define s_PARTS_MAX 4

typedef struct s_bench s_bench_t;

typedef struct {
    s_bench_t *bench;
    int index;
    uint64_t published;
    int64_t cpu_ns;
    char error [s_ERROR_MAX];   //  "" when none
} s_publisher_t;

typedef struct {
    s_bench_t *bench;
    int index;
    uint64_t received, sentinels, unknown;
    int64_t last_receive_ns;
    int64_t cpu_ns;
    bench_latency_t *latency;
    char error [s_ERROR_MAX];
} s_subscriber_t;

struct s_bench {
    const raw_options_t *options;
    const bench_frames_t *frames;
    raw_forwarder_t forwarder;  //  and this process's ZeroMQ context
    s_publisher_t *publishers;
    s_subscriber_t *subscribers;
    bench_run_t *run;           //  how the threads start together and stop
};

//  --------------------------------------------------------------------------
//  Waiting and CPU time (clocks are in bench_support.h).

//  CPU of one of our threads, through its CPU clock; -1 when unknown.
static int64_t
s_thread_cpu_of(pthread_t thread)
{
    clockid_t clock;
    if (pthread_getcpuclockid(thread, &clock) != 0)
        return -1;
    return bench_clock_ns(clock);
}

//  The CPU of this process and its I/O threads, and of the forwarder: its
//  process, or else its thread.
static bench_cpu_sample_t
s_cpu_sample(const raw_forwarder_t *forwarder)
{
    bench_cpu_sample_t sample;
    bench_cpu_sample(&sample);
    sample.broker_ns = forwarder->pid? bench_tasks_cpu_ns(forwarder->pid, NULL)
                                     : s_thread_cpu_of(forwarder->thread);
    return sample;
}

//  --------------------------------------------------------------------------
//  Sockets.

//  Set an int socket option; false on failure.
static bool
s_set_int(void *socket, int option, int value)
{
    return zmq_setsockopt(socket, option, &value, sizeof value) == 0;
}

//  Send a two-frame control message [topic][text]. Returns 0 or -1.
static int
s_send_control(void *socket, const bench_frames_t *frames, const char *text)
{
    if (zmq_send(socket, frames->frames[0], frames->sizes[0], ZMQ_DONTWAIT | ZMQ_SNDMORE) == -1
    ||  zmq_send(socket, text, strlen(text), ZMQ_DONTWAIT) == -1)
        return -1;
    return 0;
}

//  Wait until the XPUB socket has received `expected` subscribe messages
//  (the forwarder passes each distinct prefix once), or deadline_ns.
//  Returns 0 or -1 (timed out or failed).
static int
s_wait_subscriptions(void *socket, size_t expected, int64_t deadline_ns)
{
    size_t seen = 0;
    while (seen < expected) {
        int64_t remaining_ms = (deadline_ns - bench_now_ns()) / 1000000;
        if (remaining_ms <= 0)
            return -1;
        zmq_pollitem_t item = { socket, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, (long) remaining_ms) == -1 && zmq_errno() != EINTR)
            return -1;
        zmq_msg_t message;
        zmq_msg_init(&message);
        while (zmq_msg_recv(&message, socket, ZMQ_DONTWAIT) >= 0)
            if (zmq_msg_size(&message) >= 1 && *(const unsigned char *) zmq_msg_data(&message) == 1)
                seen++;
        zmq_msg_close(&message);
    }
    return 0;
}

//  A publisher socket connected to the forwarder, or NULL with error set.
static void *
s_publisher_socket(s_bench_t *bench, char *error, size_t size)
{
    void *socket = zmq_socket(bench->forwarder.context, ZMQ_XPUB);
    if (!socket
    ||  !s_set_int(socket, ZMQ_SNDHWM, bench->options->hwm)
    ||  !s_set_int(socket, ZMQ_LINGER, 0)
    ||  zmq_connect(socket, bench->forwarder.frontend) == -1) {
        snprintf(error, size, "publisher socket at %s: %s", bench->forwarder.frontend,
                 zmq_strerror(zmq_errno()));
        if (socket)
            zmq_close(socket);
        return NULL;
    }
    return socket;
}

//  --------------------------------------------------------------------------
//  A publisher thread: the same steps as jbus bench's, on raw frames.

static void *
s_publisher_run(void *argument)
{
    s_publisher_t *self = (s_publisher_t *) argument;
    s_bench_t *bench = self->bench;
    const raw_options_t *options = bench->options;
    const bench_frames_t *frames = bench->frames;
    char name [16];
    snprintf(name, sizeof name, "raw-pub-%d", self->index);
    pthread_setname_np(pthread_self(), name);

    //  our own copy of the frame that carries the stamp
    unsigned char *stamped = (unsigned char *) malloc(frames->sizes[frames->stamp_frame] + 1);
    void *socket = stamped? s_publisher_socket(bench, self->error, sizeof self->error): NULL;
    if (!stamped)
        snprintf(self->error, sizeof self->error, "out of memory");
    else
        memcpy(stamped, frames->frames[frames->stamp_frame], frames->sizes[frames->stamp_frame]);
    size_t expected = 1 + (size_t) options->prefixes * (size_t) options->subscribers;
    if (socket && s_wait_subscriptions(socket, expected,
                                       bench_now_ns() + (int64_t) s_SETUP_TIMEOUT_MS * 1000000))
        snprintf(self->error, sizeof self->error, "publisher %d: not every subscription arrived "
                 "within %d ms", self->index, s_SETUP_TIMEOUT_MS);
    int64_t go_ns = 0;
    if (bench_run_publisher_ready(bench->run, self->error[0] != '\0', &go_ns)) {
        int64_t cpu_start = bench_thread_cpu_ns();
        bench_pace_t pace;
        bench_pace_init(&pace, options->count, options->duration_s, options->rate, go_ns);
        char *stamp = (char *) stamped + frames->stamp_offset;
        size_t last = frames->count - 1;
        uint64_t sequence = 0;
        while (bench_pace_next(&pace, sequence)) {
            bench_write_digits(stamp, (uint64_t) bench_now_ns(), BENCH_STAMP_DIGITS);
            bool failed = false;
            for (size_t index = 0; !failed && index <= last; index++) {
                const void *data = index == frames->stamp_frame? stamped: frames->frames[index];
                failed = zmq_send(socket, data, frames->sizes[index],
                                  ZMQ_DONTWAIT | (index < last? ZMQ_SNDMORE: 0)) == -1;
            }
            if (failed) {
                snprintf(self->error, sizeof self->error, "publisher %d: send: %s", self->index,
                         zmq_strerror(zmq_errno()));
                break;
            }
            sequence++;
            if ((sequence & (BENCH_PROGRESS_EVERY - 1)) == 0)
                bench_run_publisher_progress(bench->run, self->index, sequence);
        }
        self->published = sequence;
        bench_run_publisher_progress(bench->run, self->index, sequence);
        char end [64];
        snprintf(end, sizeof end, s_END "%d", self->index);
        if (s_send_control(socket, frames, end) == -1 && !self->error[0])
            snprintf(self->error, sizeof self->error, "publisher %d: the end message: %s",
                     self->index, zmq_strerror(zmq_errno()));
        self->cpu_ns = bench_thread_cpu_ns() - cpu_start;
    }
    bench_run_publisher_finished(bench->run);
    if (socket)
        zmq_close(socket);
    free(stamped);
    return NULL;
}

//  --------------------------------------------------------------------------
//  A subscriber thread.

static bool
s_starts_with(const zmq_msg_t *part, const char *text)
{
    size_t size = strlen(text);
    return zmq_msg_size((zmq_msg_t *) part) >= size
        && memcmp(zmq_msg_data((zmq_msg_t *) part), text, size) == 0;
}

//  A SUB socket connected to the forwarder and subscribed: the extra
//  prefixes first, the filter last. Returns it, or NULL with self->error
//  set.
static void *
s_subscriber_socket(s_subscriber_t *self)
{
    s_bench_t *bench = self->bench;
    const raw_options_t *options = bench->options;
    void *socket = zmq_socket(bench->forwarder.context, ZMQ_SUB);
    if (!socket
    ||  !s_set_int(socket, ZMQ_RCVHWM, options->hwm)
    ||  !s_set_int(socket, ZMQ_SNDHWM, 0)       //  subscriptions are never dropped
    ||  !s_set_int(socket, ZMQ_LINGER, 0)
    ||  !s_set_int(socket, ZMQ_RCVTIMEO, s_RECV_SLICE_MS)
    ||  zmq_connect(socket, bench->forwarder.backend) == -1)
        snprintf(self->error, sizeof self->error, "subscriber %d at %s: %s", self->index,
                 bench->forwarder.backend, zmq_strerror(zmq_errno()));
    for (int number = 0; !self->error[0] && number < options->prefixes; number++) {
        char prefix [64];
        snprintf(prefix, sizeof prefix, s_PREFIX_FORMAT,
                 (long) self->index * options->prefixes + number);
        if (zmq_setsockopt(socket, ZMQ_SUBSCRIBE, prefix, strlen(prefix)) == -1)
            snprintf(self->error, sizeof self->error, "subscriber %d: subscribe: %s",
                     self->index, zmq_strerror(zmq_errno()));
    }
    if (!self->error[0]
    &&  zmq_setsockopt(socket, ZMQ_SUBSCRIBE, options->filter, strlen(options->filter)) == -1)
        snprintf(self->error, sizeof self->error, "subscriber %d: subscribe: %s", self->index,
                 zmq_strerror(zmq_errno()));
    if (self->error[0] && socket) {
        zmq_close(socket);
        socket = NULL;
    }
    return socket;
}

//  The rest of a message whose first frame is parts[0]: its frames arrive
//  together, so they are there. Keeps s_PARTS_MAX frames in parts and
//  reads the others into extra. Returns how many frames the message has.
static size_t
s_receive_rest(void *socket, zmq_msg_t *parts, zmq_msg_t *extra)
{
    size_t count = 1;
    bool more = zmq_msg_more(&parts[0]);
    while (more) {
        zmq_msg_t *part = count < s_PARTS_MAX? &parts[count]: extra;
        if (zmq_msg_recv(part, socket, 0) == -1)
            break;
        more = zmq_msg_more(part);
        count++;
    }
    return count;
}

static void *
s_subscriber_run(void *argument)
{
    s_subscriber_t *self = (s_subscriber_t *) argument;
    s_bench_t *bench = self->bench;
    const raw_options_t *options = bench->options;
    const bench_frames_t *frames = bench->frames;
    char name [16];
    snprintf(name, sizeof name, "raw-sub-%d", self->index);
    pthread_setname_np(pthread_self(), name);

    void *socket = s_subscriber_socket(self);
    if (!socket) {
        bench_run_subscriber_failed(bench->run);
        return NULL;
    }
    zmq_msg_t parts [s_PARTS_MAX];
    for (size_t index = 0; index < s_PARTS_MAX; index++)
        zmq_msg_init(&parts[index]);
    zmq_msg_t extra;
    zmq_msg_init(&extra);
    bool probed = false;
    int64_t cpu_start = bench_thread_cpu_ns();
    int64_t last_activity_ns = bench_now_ns();
    size_t stamp_frame_size = frames->sizes[frames->stamp_frame];
    while (true) {
        if (zmq_msg_recv(&parts[0], socket, 0) == -1) {
            if (zmq_errno() == EAGAIN || zmq_errno() == EINTR) {
                if (bench_run_subscriber_should_stop(bench->run, last_activity_ns))
                    break;
                continue;
            }
            snprintf(self->error, sizeof self->error, "subscriber %d: receive: %s", self->index,
                     zmq_strerror(zmq_errno()));
            break;
        }
        size_t count = s_receive_rest(socket, parts, &extra);
        int64_t now_ns = bench_now_ns();
        last_activity_ns = now_ns;
        if (count == frames->count && zmq_msg_size(&parts[frames->stamp_frame]) == stamp_frame_size) {
            uint64_t sent_ns;
            const char *stamp = (const char *) zmq_msg_data(&parts[frames->stamp_frame])
                              + frames->stamp_offset;
            if (bench_read_digits(stamp, BENCH_STAMP_DIGITS, &sent_ns))
                bench_latency_add(self->latency, now_ns - (int64_t) sent_ns);
            else
                self->unknown++;
            self->last_receive_ns = now_ns;
            if ((++self->received & (BENCH_PROGRESS_EVERY - 1)) == 0)
                bench_run_subscriber_progress(bench->run, self->index, self->received);
        }
        else
        if (count == 2 && s_starts_with(&parts[1], s_PROBE)) {
            if (!probed) {
                probed = true;
                cpu_start = bench_thread_cpu_ns();
                bench_run_subscriber_probed(bench->run);
            }
        }
        else
        if (count == 2 && s_starts_with(&parts[1], s_END)) {
            if (++self->sentinels >= (uint64_t) options->publishers)
                break;
        }
        else
            self->unknown++;
    }
    self->cpu_ns = bench_thread_cpu_ns() - cpu_start;
    bench_run_subscriber_progress(bench->run, self->index, self->received);
    for (size_t index = 0; index < s_PARTS_MAX; index++)
        zmq_msg_close(&parts[index]);
    zmq_msg_close(&extra);
    bench_run_subscriber_finished(bench->run, probed);
    zmq_close(socket);
    return NULL;
}

//  --------------------------------------------------------------------------
//  Output: the figures, columns and keys of jbus bench (bench_support.h).

//  The figures the options and the frames decide, into report.
static void
s_report_describe(const raw_options_t *options, const bench_frames_t *frames, bench_report_t *report)
{
    report->forwarder = raw_forwarder_name(options->forwarder);
    report->mode = frames->mode == 1? "binary": "structured";
    report->publishers = options->publishers;
    report->subscribers = options->subscribers;
    report->data_bytes = frames->data_bytes;
    report->message_bytes = (double) frames->total;
    report->frames = (int) frames->count;
    report->rate = options->rate;
    report->hwm = options->hwm;
    report->prefixes = options->prefixes;
}

static void
s_print_human(const raw_options_t *options, const bench_frames_t *frames, const bench_report_t *report)
{
    char hwm [48];
    bench_describe_hwm(options->hwm, hwm, sizeof hwm);
    printf("bench_raw: %d publisher%s -> %s -> %d subscriber%s, frames of a %s-mode event "
           "(%zu bytes, %zu frames), %s\n", options->publishers,
           options->publishers == 1? "": "s", report->forwarder, options->subscribers,
           options->subscribers == 1? "": "s", report->mode, frames->total, frames->count, hwm);
    printf("  published    %" PRIu64 " messages\n", report->published);
    bench_report_print_deliveries(report, "messages", "");
    printf("  CPU          publishers %.3f s, subscribers %.3f s, forwarder %.3f s, ZeroMQ I/O "
           "threads %.3f s; all %.3f s = %.2f us per delivered message\n",
           report->cpu_publishers_s, report->cpu_subscribers_s, report->cpu_broker_s,
           report->cpu_io_s, report->cpu_total_s, bench_report_cpu_us_per_message(report));
    bench_report_print_memory(report);
}

//  --------------------------------------------------------------------------
//  A probe of the main thread, through its own publisher socket.

typedef struct {
    s_bench_t *bench;
    void *prober;
} s_probe_t;

static int
s_send_probe(void *argument)
{
    s_probe_t *probe = (s_probe_t *) argument;
    int rc = s_send_control(probe->prober, probe->bench->frames, s_PROBE);
    if (rc)
        fprintf(stderr, s_NAME ": probe: %s\n", zmq_strerror(zmq_errno()));
    return rc;
}

//  --------------------------------------------------------------------------
//  One run, with the forwarder up.

//  Start the subscriber threads, then the publishers. Returns an exit code.
static int
s_start_threads(s_bench_t *bench)
{
    const raw_options_t *options = bench->options;
    int exit_code = RAW_EXIT_OK;
    for (int index = 0; index < options->subscribers; index++)
        if (!bench_run_start_subscriber(bench->run, index, s_subscriber_run,
                                        &bench->subscribers[index])) {
            exit_code = RAW_EXIT_FAILURE;
            break;
        }
    for (int index = 0; exit_code == 0 && index < options->publishers; index++)
        if (!bench_run_start_publisher(bench->run, index, s_publisher_run,
                                       &bench->publishers[index]))
            exit_code = RAW_EXIT_FAILURE;
    if (exit_code)
        fprintf(stderr, s_NAME ": cannot start a thread\n");
    return exit_code;
}

//  Probe until every subscriber has received a probe, then wait for the
//  publishers. Returns an exit code.
static int
s_set_up(s_bench_t *bench)
{
    const raw_options_t *options = bench->options;
    int64_t deadline_ns = bench_now_ns() + (int64_t) s_SETUP_TIMEOUT_MS * 1000000;
    char error [s_ERROR_MAX] = "";
    void *prober = s_publisher_socket(bench, error, sizeof error);
    size_t expected = 1 + (size_t) options->prefixes * (size_t) options->subscribers;
    if (!prober || s_wait_subscriptions(prober, expected, deadline_ns)) {
        fprintf(stderr, s_NAME ": the subscriptions did not reach a publisher at %s%s%s\n",
                bench->forwarder.frontend, error[0]? ": ": "", error);
        if (prober)
            zmq_close(prober);
        return RAW_EXIT_FAILURE;
    }
    s_probe_t probe = { bench, prober };
    int missing = bench_run_probe(bench->run, s_send_probe, &probe, s_PROBE_INTERVAL_MS,
                                  deadline_ns);
    if (missing > 0)
        fprintf(stderr, s_NAME ": %d of %d subscribers received no probe within %d ms\n",
                missing, options->subscribers, s_SETUP_TIMEOUT_MS);
    int exit_code = missing || !bench_run_await_setup(bench->run)
                  ? RAW_EXIT_FAILURE: RAW_EXIT_OK;
    zmq_close(prober);
    return exit_code;
}

//  What happened, once every thread has been joined: failures (said on
//  stderr), counts and CPU into report. Returns an exit code.
static int
s_collect(s_bench_t *bench, bench_report_t *report, int64_t *last_ns)
{
    const raw_options_t *options = bench->options;
    int exit_code = RAW_EXIT_OK;
    for (int index = 0; index < options->publishers; index++) {
        s_publisher_t *publisher = &bench->publishers[index];
        if (publisher->error[0]) {
            fprintf(stderr, s_NAME ": %s\n", publisher->error);
            exit_code = RAW_EXIT_FAILURE;
        }
        report->published += publisher->published;
        report->cpu_publishers_s += (double) publisher->cpu_ns / 1e9;
    }
    for (int index = 0; index < options->subscribers; index++) {
        s_subscriber_t *subscriber = &bench->subscribers[index];
        if (subscriber->error[0]) {
            fprintf(stderr, s_NAME ": %s\n", subscriber->error);
            exit_code = RAW_EXIT_FAILURE;
        }
        if (subscriber->unknown) {
            fprintf(stderr, s_NAME ": subscriber %d: %" PRIu64 " unexpected messages\n", index,
                    subscriber->unknown);
            exit_code = RAW_EXIT_FAILURE;
        }
        report->delivered += subscriber->received;
        report->cpu_subscribers_s += (double) subscriber->cpu_ns / 1e9;
        bench_latency_merge(report->latency, subscriber->latency);
        if (subscriber->last_receive_ns > *last_ns)
            *last_ns = subscriber->last_receive_ns;
    }
    return exit_code;
}

//  Returns an exit code; fills report.
static int
s_run(s_bench_t *bench, bench_report_t *report)
{
    int exit_code = s_start_threads(bench);
    if (exit_code == 0)
        exit_code = s_set_up(bench);

    //  Go, and wait for the subscribers.
    bench_cpu_sample_t start = s_cpu_sample(&bench->forwarder);
    bench_run_go(bench->run, exit_code != 0);
    bench_run_await_subscribers(bench->run, bench->options->quiet? NULL: s_NAME);
    bench_cpu_sample_t end = s_cpu_sample(&bench->forwarder);
    bench_run_finish(bench->run);

    int64_t go_ns = bench_run_go_ns(bench->run);
    int64_t last_ns = go_ns;
    int collected = s_collect(bench, report, &last_ns);
    if (exit_code == 0)
        exit_code = collected;
    bench_report_finish(report, go_ns, last_ns, &start, &end, bench->forwarder.pid != 0);
    return exit_code;
}

//  --------------------------------------------------------------------------
//  The threads' records, for options and frames; false when out of memory
//  (free what was made with s_bench_free either way).

static bool
s_bench_init(s_bench_t *bench, const raw_options_t *options, const bench_frames_t *frames)
{
    memset(bench, 0, sizeof *bench);
    bench->options = options;
    bench->frames = frames;
    bench->publishers = (s_publisher_t *) calloc((size_t) options->publishers,
                                                 sizeof(s_publisher_t));
    bench->subscribers = (s_subscriber_t *) calloc((size_t) options->subscribers,
                                                   sizeof(s_subscriber_t));
    bench->run = bench_run_new(options->publishers, options->subscribers, options->grace_ms);
    bool allocated = bench->publishers && bench->subscribers && bench->run;
    for (int index = 0; allocated && index < options->subscribers; index++) {
        bench->subscribers[index].bench = bench;
        bench->subscribers[index].index = index;
        bench->subscribers[index].latency = bench_run_subscriber_latency(bench->run, index);
    }
    for (int index = 0; allocated && index < options->publishers; index++) {
        bench->publishers[index].bench = bench;
        bench->publishers[index].index = index;
    }
    return allocated;
}

static void
s_bench_free(s_bench_t *bench)
{
    free(bench->subscribers);
    free(bench->publishers);
    bench_run_destroy(&bench->run);
}

//  Print the report (when the run got far enough to have one) and say
//  whether anything was lost that should not have been. Returns the exit
//  code.
static int
s_report(const raw_options_t *options, const bench_frames_t *frames,
         const bench_report_t *report, int exit_code)
{
    if (exit_code == 0 || report->published > 0) {
        if (options->csv || options->json)
            bench_report_print_machine(report, options->json);
        else
            s_print_human(options, frames, report);
        fflush(stdout);
    }
    if (exit_code == 0 && report->lost > 0 && options->hwm == 0) {
        fprintf(stderr, s_NAME ": %" PRId64 " of %" PRIu64 " messages lost although every "
                "high-water mark was unlimited\n", report->lost, report->expected);
        exit_code = RAW_EXIT_FAILURE;
    }
    return exit_code;
}

//  --------------------------------------------------------------------------

int
main(int argc, char **argv)
{
    raw_options_t options;
    int exit_code = raw_parse(argc, argv, &options);
    if (exit_code)
        return exit_code == -1? RAW_EXIT_OK: exit_code;
    bench_frames_t frames;
    char problem [s_ERROR_MAX];
    if (!bench_frames_load(options.frames_path, &frames, problem, sizeof problem)) {
        fprintf(stderr, s_NAME ": %s: %s\n", options.frames_path, problem);
        bench_frames_free(&frames);
        return RAW_EXIT_FAILURE;
    }

    bench_latency_t *latency = (bench_latency_t *) calloc(1, sizeof(bench_latency_t));
    bench_report_t report;
    bench_report_init(&report, "raw", latency);
    s_report_describe(&options, &frames, &report);
    s_bench_t bench;
    if (!s_bench_init(&bench, &options, &frames) || !latency) {
        fprintf(stderr, s_NAME ": out of memory\n");
        exit_code = RAW_EXIT_FAILURE;
    }
    //  A forwarder process starts before this process has any thread.
    if (exit_code == 0)
        exit_code = raw_forwarder_start(&bench.forwarder, &options);
    if (exit_code == 0)
        exit_code = s_run(&bench, &report);
    raw_forwarder_stop(&bench.forwarder, &report.rss_broker_kb);
    if (latency)
        exit_code = s_report(&options, &frames, &report, exit_code);
    s_bench_free(&bench);
    free(latency);
    bench_frames_free(&frames);
    return exit_code;
}
