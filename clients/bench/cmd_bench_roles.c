/*  =========================================================================
    cmd_bench_roles.c - jbus bench: the publisher and subscriber threads of
    a run, and the main thread's part in it

    Publishers and subscribers are threads of this process, each with its
    own jb_publisher_t or jb_subscriber_t (there is no mode that forks
    them into processes).

    How a run goes, with no sleep anywhere as synchronisation (bench_run.h
    does the hand-overs):
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

    Latency: the publisher stamps each event right before encoding it (see
    cmd_bench_event.c); the subscriber subtracts the stamp from its own
    clock once the event is decoded. Both run on one machine, one clock.
    Latencies go into a log-linear histogram (256 linear buckets, then 128
    per power of two: under 0.8% error), so any run length fits in 58 KiB.
    ========================================================================= */

#define _GNU_SOURCE

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jbus.h"
#include "../cmd.h"
#include "bench_support.h"
#include "bench_report.h"
#include "bench_run.h"
#include "cmd_bench.h"

#define s_NAME CMD_BENCH_NAME

//  Extra prefixes that never match the event type: "jerry.other_000042."
#define s_PREFIX_FORMAT "jerry.other_%06ld."
//  How long publishers and subscribers may take to connect and see each
//  other's subscriptions before the run is abandoned.
#define s_SETUP_TIMEOUT_MS 30000
//  Between two probes while some subscriber has not received one.
#define s_PROBE_INTERVAL_MS 10
//  A subscriber's receive timeout, after which it checks whether to stop.
#define s_RECV_SLICE_MS 100

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
    bench_latency_t *latency;   //  the run's
    int error;
    char message [JB_ERROR_MESSAGE_MAX];
} s_subscriber_t;

//  What the threads share.
struct s_bench {
    const cmd_bench_options_t *options;
    const cmd_bench_broker_t *broker;
    char *payload;              //  the JSON data, options->size bytes
    s_publisher_t *publishers;
    s_subscriber_t *subscribers;
    bench_run_t *run;           //  how the threads start together and stop
};

//  --------------------------------------------------------------------------
//  Extra prefix number of subscriber subscriber, into prefix.

static void
s_extra_prefix(char *prefix, size_t size, const cmd_bench_options_t *options, int subscriber,
               int number)
{
    snprintf(prefix, size, s_PREFIX_FORMAT, (long) subscriber * options->prefixes + number);
}

//  --------------------------------------------------------------------------
//  Wait, until deadline_ns, for every subscription of the run to reach
//  publisher: each subscriber's last extra prefix (which travels after its
//  others) and one that matches the event type. Returns 0 or JB_ETIMEDOUT.

static int
s_wait_subscriptions(jb_publisher_t *publisher, const cmd_bench_options_t *options,
                     int64_t deadline_ns, jb_error_t *error)
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
    return jb_publisher_wait_for(publisher, CMD_BENCH_TYPE, remaining_ms > 0? remaining_ms: 0,
                                 error);
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

//  Connect and wait for the subscriptions. Returns the publisher, or NULL
//  with the failure recorded in self; may also return a publisher with a
//  failure recorded.
static jb_publisher_t *
s_publisher_connect(s_publisher_t *self, jb_error_t *error)
{
    const cmd_bench_options_t *options = self->bench->options;
    jb_publisher_options_t publisher_options;
    jb_publisher_options_defaults(&publisher_options);
    publisher_options.mode = options->mode;
    publisher_options.sndhwm = options->hwm;
    jb_publisher_t *publisher = jb_publisher_new(self->bench->broker->frontend,
                                                 &publisher_options, error);
    if (!publisher)
        s_fail(&self->error, self->message, sizeof self->message, error->code,
               "publisher %d: %s", self->index, error->message);
    else {
        int rc = s_wait_subscriptions(publisher, options,
                                      bench_now_ns() + (int64_t) s_SETUP_TIMEOUT_MS * 1000000,
                                      error);
        if (rc)
            s_fail(&self->error, self->message, sizeof self->message, rc,
                   "publisher %d: not every subscription arrived: %s", self->index,
                   error->message);
    }
    return publisher;
}

//  From go at go_ns: the events, then the sentinel, and what they cost.
static void
s_publisher_publish(s_publisher_t *self, jb_publisher_t *publisher, int64_t go_ns,
                    jb_error_t *error)
{
    s_bench_t *bench = self->bench;
    const cmd_bench_options_t *options = bench->options;
    int64_t cpu_start = bench_thread_cpu_ns();
    bench_pace_t pace;
    bench_pace_init(&pace, options->count, options->duration_s, options->rate, go_ns);
    size_t payload_size = (size_t) options->size;
    char subject [32];
    uint64_t sequence = 0;
    while (bench_pace_next(&pace, sequence)) {
        cmd_bench_data_subject(subject, sequence);
        int rc = cmd_bench_publish_one(publisher, subject, bench->payload, payload_size, true,
                                       error);
        if (rc) {
            s_fail(&self->error, self->message, sizeof self->message, rc,
                   "publisher %d: event %" PRIu64 ": %s", self->index, sequence + 1,
                   error->message);
            break;
        }
        sequence++;
        if ((sequence & (BENCH_PROGRESS_EVERY - 1)) == 0)
            bench_run_publisher_progress(bench->run, self->index, sequence);
    }
    self->published = sequence;
    bench_run_publisher_progress(bench->run, self->index, sequence);
    snprintf(subject, sizeof subject, CMD_BENCH_SUBJECT_END "%d", self->index);
    int rc = cmd_bench_publish_one(publisher, subject, bench->payload, payload_size, true, error);
    if (rc && !self->error)
        s_fail(&self->error, self->message, sizeof self->message, rc,
               "publisher %d: the end event: %s", self->index, error->message);
    self->cpu_ns = bench_thread_cpu_ns() - cpu_start;
    jb_publisher_stats_t stats;
    jb_publisher_stats(publisher, &stats);
    self->bytes = stats.bytes;
    self->messages = stats.events;
}

static void *
s_publisher_run(void *argument)
{
    s_publisher_t *self = (s_publisher_t *) argument;
    char name [16];
    snprintf(name, sizeof name, "bench-pub-%d", self->index);
    pthread_setname_np(pthread_self(), name);

    jb_error_t error;
    jb_error_clear(&error);
    jb_publisher_t *publisher = s_publisher_connect(self, &error);
    int64_t go_ns = 0;
    if (bench_run_publisher_ready(self->bench->run, self->error != 0, &go_ns))
        s_publisher_publish(self, publisher, go_ns, &error);
    bench_run_publisher_finished(self->bench->run);
    jb_publisher_destroy(&publisher);
    return NULL;
}

//  --------------------------------------------------------------------------
//  A subscriber thread: subscribe, confirm the first probe, then receive
//  and decode until done.

//  Connect and subscribe: the extra prefixes first, the filter's
//  subscription last, which is the one a probe proves has arrived. Returns
//  the subscriber, or NULL with the failure recorded in self.
static jb_subscriber_t *
s_subscriber_connect(s_subscriber_t *self, jb_error_t *error)
{
    const cmd_bench_options_t *options = self->bench->options;
    jb_subscriber_options_t subscriber_options;
    jb_subscriber_options_defaults(&subscriber_options);
    subscriber_options.rcvhwm = options->hwm;
    jb_subscriber_t *subscriber = jb_subscriber_new(self->bench->broker->backend,
                                                    &subscriber_options, error);
    if (!subscriber)
        s_fail(&self->error, self->message, sizeof self->message, error->code,
               "subscriber %d: %s", self->index, error->message);
    for (int number = 0; subscriber && !self->error && number < options->prefixes; number++) {
        char prefix [64];
        s_extra_prefix(prefix, sizeof prefix, options, self->index, number);
        int rc = jb_subscriber_subscribe(subscriber, prefix, error);
        if (rc)
            s_fail(&self->error, self->message, sizeof self->message, rc,
                   "subscriber %d: %s", self->index, error->message);
    }
    if (subscriber && !self->error) {
        int rc = jb_subscriber_subscribe(subscriber, options->filter, error);
        if (rc)
            s_fail(&self->error, self->message, sizeof self->message, rc,
                   "subscriber %d: %s", self->index, error->message);
    }
    if (self->error)
        jb_subscriber_destroy(&subscriber);
    return subscriber;
}

//  Handle one control event (subject "bench-..."). Returns true when the
//  subscriber has every publisher's sentinel and is done.
static bool
s_subscriber_control(s_subscriber_t *self, const char *subject, bool *probed, int64_t *cpu_start)
{
    s_bench_t *bench = self->bench;
    if (strcmp(subject, CMD_BENCH_SUBJECT_PROBE) == 0) {
        if (!*probed) {
            *probed = true;
            *cpu_start = bench_thread_cpu_ns();
            bench_run_subscriber_probed(bench->run);
        }
        return false;
    }
    if (strncmp(subject, CMD_BENCH_SUBJECT_END, sizeof CMD_BENCH_SUBJECT_END - 1) == 0)
        self->sentinels++;
    return self->sentinels >= (uint64_t) bench->options->publishers;
}

//  The thread's entry. Its name is measured by callgrind
//  (--toggle-collect=s_subscriber_run): keep it.
static void *
s_subscriber_run(void *argument)
{
    s_subscriber_t *self = (s_subscriber_t *) argument;
    s_bench_t *bench = self->bench;
    char name [16];
    snprintf(name, sizeof name, "bench-sub-%d", self->index);
    pthread_setname_np(pthread_self(), name);

    jb_error_t error;
    jb_error_clear(&error);
    jb_subscriber_t *subscriber = s_subscriber_connect(self, &error);
    if (!subscriber) {
        bench_run_subscriber_failed(bench->run);
        return NULL;
    }
    bool probed = false;
    int64_t cpu_start = bench_thread_cpu_ns();
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
        const jb_value_t *stamp = jb_event_extension(event, CMD_BENCH_STAMP_NAME);
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
    self->cpu_ns = bench_thread_cpu_ns() - cpu_start;
    bench_run_subscriber_progress(bench->run, self->index, self->received);
    bench_run_subscriber_finished(bench->run, probed);
    jb_subscriber_destroy(&subscriber);
    return NULL;
}

//  --------------------------------------------------------------------------
//  The main thread's part.

//  Destroy *bench_p and set it to NULL; accepts NULL.
static void
s_bench_destroy(s_bench_t **bench_p)
{
    s_bench_t *bench = *bench_p;
    if (!bench)
        return;
    free(bench->subscribers);
    free(bench->publishers);
    free(bench->payload);
    bench_run_destroy(&bench->run);
    free(bench);
    *bench_p = NULL;
}

//  The threads' records and what they share, for options; NULL when out
//  of memory.
static s_bench_t *
s_bench_new(const cmd_bench_options_t *options, const cmd_bench_broker_t *broker)
{
    s_bench_t *bench = (s_bench_t *) calloc(1, sizeof(s_bench_t));
    if (!bench)
        return NULL;
    bench->options = options;
    bench->broker = broker;
    bench->payload = cmd_bench_payload_new((size_t) options->size);
    bench->publishers = (s_publisher_t *) calloc((size_t) options->publishers,
                                                 sizeof(s_publisher_t));
    bench->subscribers = (s_subscriber_t *) calloc((size_t) options->subscribers,
                                                   sizeof(s_subscriber_t));
    bench->run = bench_run_new(options->publishers, options->subscribers, options->grace_ms);
    bool allocated = bench->payload && bench->publishers && bench->subscribers && bench->run;
    for (int index = 0; allocated && index < options->subscribers; index++) {
        bench->subscribers[index].bench = bench;
        bench->subscribers[index].index = index;
        bench->subscribers[index].latency = bench_run_subscriber_latency(bench->run, index);
    }
    for (int index = 0; allocated && index < options->publishers; index++) {
        bench->publishers[index].bench = bench;
        bench->publishers[index].index = index;
    }
    if (!allocated)
        s_bench_destroy(&bench);
    return bench;
}

//  Start the subscriber threads, then the publishers. Returns an exit code.
static int
s_start_threads(s_bench_t *bench)
{
    const cmd_bench_options_t *options = bench->options;
    for (int index = 0; index < options->subscribers; index++)
        if (!bench_run_start_subscriber(bench->run, index, s_subscriber_run,
                                        &bench->subscribers[index])) {
            fprintf(stderr, "jbus " s_NAME ": cannot start subscriber thread %d\n", index);
            return CMD_EXIT_FAILURE;
        }
    for (int index = 0; index < options->publishers; index++)
        if (!bench_run_start_publisher(bench->run, index, s_publisher_run,
                                       &bench->publishers[index])) {
            fprintf(stderr, "jbus " s_NAME ": cannot start publisher thread %d\n", index);
            return CMD_EXIT_FAILURE;
        }
    return CMD_EXIT_OK;
}

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
    int rc = cmd_bench_publish_one(probe->prober, CMD_BENCH_SUBJECT_PROBE, probe->bench->payload,
                                   (size_t) probe->bench->options->size, true, probe->error);
    if (rc)
        fprintf(stderr, "jbus " s_NAME ": probe: %s\n", probe->error->message);
    return rc;
}

//  Probe until every subscriber has received a probe, then wait for the
//  publishers. Returns an exit code.
static int
s_set_up(s_bench_t *bench)
{
    const cmd_bench_options_t *options = bench->options;
    int64_t deadline_ns = bench_now_ns() + (int64_t) s_SETUP_TIMEOUT_MS * 1000000;
    jb_error_t error;
    jb_error_clear(&error);
    jb_publisher_options_t prober_options;
    jb_publisher_options_defaults(&prober_options);
    prober_options.mode = options->mode;
    prober_options.sndhwm = options->hwm;
    prober_options.linger_ms = 0;
    jb_publisher_t *prober = jb_publisher_new(bench->broker->frontend, &prober_options, &error);
    if (!prober || s_wait_subscriptions(prober, options, deadline_ns, &error)) {
        fprintf(stderr, "jbus " s_NAME ": the subscriptions did not reach a publisher at %s: "
                "%s\n", bench->broker->frontend, error.message);
        jb_publisher_destroy(&prober);
        return CMD_EXIT_FAILURE;
    }
    s_probe_t probe = { bench, prober, &error };
    int missing = bench_run_probe(bench->run, s_send_probe, &probe, s_PROBE_INTERVAL_MS,
                                  deadline_ns);
    if (missing > 0)
        fprintf(stderr, "jbus " s_NAME ": %d of %d subscribers received no probe within %d ms\n",
                missing, options->subscribers, s_SETUP_TIMEOUT_MS);
    int exit_code = missing || !bench_run_await_setup(bench->run)
                  ? CMD_EXIT_FAILURE: CMD_EXIT_OK;
    jb_publisher_destroy(&prober);
    return exit_code;
}

//  The CPU of this process, of its ZeroMQ I/O threads and of the broker.
static bench_cpu_sample_t
s_cpu_sample(const cmd_bench_broker_t *broker)
{
    bench_cpu_sample_t sample;
    bench_cpu_sample(&sample);
    sample.broker_ns = broker->thread > 0? bench_task_cpu_ns(getpid(), broker->thread)
                     : broker->process > 0? bench_tasks_cpu_ns(broker->process, NULL): -1;
    return sample;
}

//  What happened, once every thread has been joined: failures (said on
//  stderr), counts and CPU into report. Returns an exit code.
static int
s_collect(s_bench_t *bench, bench_report_t *report, int64_t *last_ns)
{
    const cmd_bench_options_t *options = bench->options;
    int exit_code = CMD_EXIT_OK;
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
                    "readable " CMD_BENCH_STAMP_NAME "\n", index, subscriber->unstamped);
            exit_code = CMD_EXIT_FAILURE;
        }
        report->delivered += subscriber->received;
        report->cpu_subscribers_s += (double) subscriber->cpu_ns / 1e9;
        bench_latency_merge(report->latency, subscriber->latency);
        if (subscriber->last_receive_ns > *last_ns)
            *last_ns = subscriber->last_receive_ns;
    }
    report->message_bytes = messages? (double) bytes / (double) messages: 0;
    return exit_code;
}

//  --------------------------------------------------------------------------

int
cmd_bench_run(const cmd_bench_options_t *options, const cmd_bench_broker_t *broker,
              bench_report_t *report)
{
    s_bench_t *bench = s_bench_new(options, broker);
    if (!bench) {
        fprintf(stderr, "jbus " s_NAME ": out of memory\n");
        return CMD_EXIT_FAILURE;
    }
    int exit_code = s_start_threads(bench);
    if (exit_code == 0)
        exit_code = s_set_up(bench);

    //  Go, and wait for the subscribers, with a progress line every second.
    bench_cpu_sample_t start = s_cpu_sample(broker);
    bench_run_go(bench->run, exit_code != 0);
    bench_run_await_subscribers(bench->run, options->quiet? NULL: "jbus " s_NAME);
    bench_cpu_sample_t end = s_cpu_sample(broker);
    bench_run_finish(bench->run);

    int64_t go_ns = bench_run_go_ns(bench->run);
    int64_t last_ns = go_ns;
    int collected = s_collect(bench, report, &last_ns);
    if (exit_code == 0)
        exit_code = collected;
    bench_report_finish(report, go_ns, last_ns, &start, &end, broker->process > 0);
    s_bench_destroy(&bench);
    return exit_code;
}
