/*  =========================================================================
    bench_run.c - how the threads of a benchmark run start together and stop

    The contracts are in bench_run.h.
    ========================================================================= */

#define _GNU_SOURCE

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_support.h"
#include "bench_run.h"

//  --------------------------------------------------------------------------
//  A run.

//  A thread of the run.
typedef struct {
    pthread_t thread;
    bool started;               //  thread was created
} s_thread_t;

//  Fields below the mutex change only under it.
struct bench_run {
    int publishers;             //  threads of each kind in the run
    int subscribers;
    s_thread_t *publisher_threads;
    s_thread_t *subscriber_threads;
    bench_latency_t *latencies; //  per subscriber
    int grace_ms;               //  see bench_run_subscriber_should_stop
    bool initialised;           //  the mutex and condition were made
    atomic_uint_fast64_t *published;    //  per publisher, every BENCH_PROGRESS_EVERY
    atomic_uint_fast64_t *received;     //  per subscriber, likewise
    pthread_mutex_t mutex;
    pthread_cond_t changed;     //  signalled whenever a count or flag below moves
    int subscribers_ready;      //  received a probe, or failed
    int publishers_ready;       //  saw every subscription, or failed
    int publishers_finished;    //  sent their end message, or failed
    int subscribers_finished;
    int setup_failures;         //  threads that could not connect or subscribe
    bool go;                    //  publishers may start
    bool stop;                  //  the run is over: publishers may close
    bool abort;                 //  setup failed: everybody leaves
    int64_t go_ns;              //  CLOCK_MONOTONIC when go was given
};

bench_run_t *
bench_run_new(int publishers, int subscribers, int grace_ms)
{
    bench_run_t *self = (bench_run_t *) calloc(1, sizeof(bench_run_t));
    if (!self)
        return NULL;
    self->publishers = publishers;
    self->subscribers = subscribers;
    self->grace_ms = grace_ms;
    self->published = (atomic_uint_fast64_t *) calloc((size_t) publishers,
                                                      sizeof(atomic_uint_fast64_t));
    self->received = (atomic_uint_fast64_t *) calloc((size_t) subscribers,
                                                     sizeof(atomic_uint_fast64_t));
    self->publisher_threads = (s_thread_t *) calloc((size_t) publishers, sizeof(s_thread_t));
    self->subscriber_threads = (s_thread_t *) calloc((size_t) subscribers, sizeof(s_thread_t));
    self->latencies = (bench_latency_t *) calloc((size_t) subscribers, sizeof(bench_latency_t));
    if (!self->published || !self->received || !self->publisher_threads
    ||  !self->subscriber_threads || !self->latencies) {
        bench_run_destroy(&self);
        return NULL;
    }
    for (int index = 0; index < publishers; index++)
        atomic_init(&self->published[index], 0);
    for (int index = 0; index < subscribers; index++)
        atomic_init(&self->received[index], 0);
    //  CLOCK_MONOTONIC, for bench_cond_wait_until
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&self->changed, &attributes);
    pthread_condattr_destroy(&attributes);
    pthread_mutex_init(&self->mutex, NULL);
    self->initialised = true;
    return self;
}

void
bench_run_destroy(bench_run_t **self_p)
{
    bench_run_t *self = *self_p;
    if (!self)
        return;
    if (self->initialised) {
        pthread_cond_destroy(&self->changed);
        pthread_mutex_destroy(&self->mutex);
    }
    free(self->published);
    free(self->received);
    free(self->publisher_threads);
    free(self->subscriber_threads);
    free(self->latencies);
    free(self);
    *self_p = NULL;
}

bench_latency_t *
bench_run_subscriber_latency(bench_run_t *self, int index)
{
    return &self->latencies[index];
}

static bool
s_thread_start(s_thread_t *thread, void *(*run) (void *), void *argument)
{
    thread->started = pthread_create(&thread->thread, NULL, run, argument) == 0;
    return thread->started;
}

bool
bench_run_start_subscriber(bench_run_t *self, int index, void *(*run) (void *), void *argument)
{
    return s_thread_start(&self->subscriber_threads[index], run, argument);
}

bool
bench_run_start_publisher(bench_run_t *self, int index, void *(*run) (void *), void *argument)
{
    return s_thread_start(&self->publisher_threads[index], run, argument);
}

int64_t
bench_run_go_ns(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    int64_t go_ns = self->go_ns;
    pthread_mutex_unlock(&self->mutex);
    return go_ns;
}

bool
bench_run_publisher_ready(bench_run_t *self, bool failed, int64_t *go_ns)
{
    pthread_mutex_lock(&self->mutex);
    self->publishers_ready++;
    self->setup_failures += failed;
    pthread_cond_broadcast(&self->changed);
    while (!self->go && !self->abort)
        pthread_cond_wait(&self->changed, &self->mutex);
    bool run = self->go && !self->abort && !failed;
    *go_ns = self->go_ns;
    pthread_mutex_unlock(&self->mutex);
    return run;
}

void
bench_run_publisher_progress(bench_run_t *self, int index, uint64_t published)
{
    atomic_store_explicit(&self->published[index], published, memory_order_relaxed);
}

void
bench_run_publisher_finished(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    self->publishers_finished++;
    pthread_cond_broadcast(&self->changed);
    while (!self->stop && !self->abort)
        pthread_cond_wait(&self->changed, &self->mutex);
    pthread_mutex_unlock(&self->mutex);
}

void
bench_run_subscriber_failed(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    self->subscribers_ready++;
    self->subscribers_finished++;
    self->setup_failures++;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->mutex);
}

void
bench_run_subscriber_probed(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    self->subscribers_ready++;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->mutex);
}

void
bench_run_subscriber_progress(bench_run_t *self, int index, uint64_t received)
{
    atomic_store_explicit(&self->received[index], received, memory_order_relaxed);
}

bool
bench_run_subscriber_should_stop(bench_run_t *self, int64_t last_activity_ns)
{
    pthread_mutex_lock(&self->mutex);
    bool stop = self->abort
             || (self->publishers_finished == self->publishers
             &&  bench_now_ns() - last_activity_ns >= (int64_t) self->grace_ms * 1000000);
    pthread_mutex_unlock(&self->mutex);
    return stop;
}

void
bench_run_subscriber_finished(bench_run_t *self, bool probed)
{
    pthread_mutex_lock(&self->mutex);
    if (!probed)
        self->subscribers_ready++;
    self->subscribers_finished++;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->mutex);
}

int
bench_run_probe(bench_run_t *self, bench_probe_fn *send_probe, void *argument,
                int interval_ms, int64_t deadline_ns)
{
    int result = 0;
    pthread_mutex_lock(&self->mutex);
    while (result == 0 && self->subscribers_ready < self->subscribers) {
        pthread_mutex_unlock(&self->mutex);
        int rc = send_probe(argument);
        pthread_mutex_lock(&self->mutex);
        if (rc) {
            result = -1;
            break;
        }
        int64_t next_probe_ns = bench_now_ns() + (int64_t) interval_ms * 1000000;
        int ready = self->subscribers_ready;
        while (self->subscribers_ready == ready
           &&  bench_cond_wait_until(&self->changed, &self->mutex, next_probe_ns))
            ;
        if (bench_now_ns() >= deadline_ns && self->subscribers_ready < self->subscribers)
            result = self->subscribers - self->subscribers_ready;
    }
    pthread_mutex_unlock(&self->mutex);
    return result;
}

bool
bench_run_await_setup(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    while (self->publishers_ready < self->publishers)
        pthread_cond_wait(&self->changed, &self->mutex);
    bool set_up = self->setup_failures == 0;
    pthread_mutex_unlock(&self->mutex);
    return set_up;
}

void
bench_run_go(bench_run_t *self, bool abandon)
{
    pthread_mutex_lock(&self->mutex);
    if (abandon)
        self->abort = true;
    else {
        self->go = true;
        self->go_ns = bench_now_ns();
    }
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->mutex);
}

//  The progress line: what has been published and received so far.
static void
s_run_print_progress(bench_run_t *self, const char *progress_name, double seconds,
                     uint64_t *last_received)
{
    uint64_t published = 0, received = 0;
    for (int index = 0; index < self->publishers; index++)
        published += atomic_load_explicit(&self->published[index], memory_order_relaxed);
    for (int index = 0; index < self->subscribers; index++)
        received += atomic_load_explicit(&self->received[index], memory_order_relaxed);
    fprintf(stderr, "%s: %5.1f s  published %" PRIu64 "  delivered %" PRIu64 "  (%" PRIu64
            "/s)\n", progress_name, seconds, published, received, received - *last_received);
    *last_received = received;
}

void
bench_run_await_subscribers(bench_run_t *self, const char *progress_name)
{
    int started = 0;
    for (int index = 0; index < self->subscribers; index++)
        started += self->subscriber_threads[index].started;
    pthread_mutex_lock(&self->mutex);
    int64_t next_progress_ns = self->go_ns + 1000000000;
    uint64_t last_received = 0;
    while (self->subscribers_finished < started) {
        if (bench_cond_wait_until(&self->changed, &self->mutex, next_progress_ns))
            continue;
        if (progress_name && !self->abort) {
            pthread_mutex_unlock(&self->mutex);
            s_run_print_progress(self, progress_name,
                                 (double) (next_progress_ns - self->go_ns) / 1e9, &last_received);
            pthread_mutex_lock(&self->mutex);
        }
        next_progress_ns += 1000000000;
    }
    pthread_mutex_unlock(&self->mutex);
}

void
bench_run_finish(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    self->stop = true;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->mutex);
    for (int index = 0; index < self->publishers; index++)
        if (self->publisher_threads[index].started)
            pthread_join(self->publisher_threads[index].thread, NULL);
    for (int index = 0; index < self->subscribers; index++)
        if (self->subscriber_threads[index].started)
            pthread_join(self->subscriber_threads[index].thread, NULL);
}
