/*  =========================================================================
    test_faults.c - the bus under bad conditions, through the real broker

    A stalled subscriber, a broker killed under steady publishing, a
    subscriber that leaves and comes back, a publisher flooding past every
    high-water mark, a peer sending random frames, and a message far past
    the broker's bounds: the healthy parts of the bus keep working, nothing
    crashes, and loss is detected, not silent.
    ========================================================================= */

#define _GNU_SOURCE
#include "testutil.h"
#include "testproc.h"
#include <czmq.h>

//  Bound on every wait for an event.
#define s_WAIT_MS 10000

static jb_publisher_t *
s_publisher(const char *endpoint, int sndhwm)
{
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.sndhwm = sndhwm;
    options.linger_ms = 0;
    jb_error_t error;
    jb_publisher_t *publisher = jb_publisher_new(endpoint, &options, &error);
    if (!publisher)
        fail_msg("publisher: %s", error.message);
    return publisher;
}

static jb_subscriber_t *
s_subscriber(const char *endpoint, const char *filter, int rcvhwm)
{
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.rcvhwm = rcvhwm;
    jb_error_t error;
    jb_subscriber_t *subscriber = jb_subscriber_new(endpoint, &options, &error);
    if (!subscriber)
        fail_msg("subscriber: %s", error.message);
    assert_int_equal(jb_subscriber_subscribe(subscriber, filter, NULL), 0);
    return subscriber;
}

//  An event of type carrying size bytes of JSON data.
static jb_event_t *
s_event(const char *type, size_t size)
{
    jb_event_t *event = jb_event_new(type, "/jerry/faults");
    char *data = (char *) malloc(size + 16);
    size_t used = (size_t) sprintf(data, "{\"pad\":\"");
    memset(data + used, 'x', size);
    strcpy(data + used + size, "\"}");
    assert_int_equal(jb_event_set_data_json(event, data, SIZE_MAX, NULL), 0);
    free(data);
    return event;
}

//  Receive events until none comes within quiet_ms; returns how many.
static size_t
s_drain(jb_subscriber_t *subscriber, int quiet_ms)
{
    size_t count = 0;
    jb_event_t *event = NULL;
    while (jb_subscriber_recv(subscriber, quiet_ms, &event, NULL) == 0) {
        jb_event_destroy(&event);
        count++;
    }
    return count;
}

static void
s_broker_stop(testproc_broker_t *broker)
{
    kill(broker->process.pid, SIGTERM);
    testproc_outcome_t outcome;
    testproc_wait(&broker->process, s_WAIT_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);
}

//  A counter in the broker's answer to "STATS" on its control endpoint.
static uint64_t
s_stats_counter(const char *control, const char *section, const char *name)
{
    zsock_t *client = zsock_new(ZMQ_REQ);
    assert_non_null(client);
    zsock_set_linger(client, 0);
    zsock_set_rcvtimeo(client, s_WAIT_MS);
    assert_int_equal(zsock_connect(client, "%s", control), 0);
    assert_int_equal(zstr_send(client, "STATS"), 0);
    char *reply = zstr_recv(client);
    zsock_destroy(&client);
    assert_non_null(reply);
    //  "name":N inside "section":{...}
    char *inside = strstr(reply, section);
    assert_non_null(inside);
    char key [64];
    snprintf(key, sizeof key, "\"%s\":", name);
    char *found = strstr(inside, key);
    if (!found)
        fail_msg("STATS has no %s.%s: %s", section, name, reply);
    uint64_t value = strtoull(found + strlen(key), NULL, 10);
    zstr_free(&reply);
    return value;
}

//  --------------------------------------------------------------------------
//  One stalled subscriber and one healthy one on the same prefix: the
//  broker's high-water mark drops for the stalled one alone, the healthy
//  one gets everything, and the stalled one is told what it missed.

static void
test_a_stalled_subscriber_loses_alone_and_is_told_so(void **state)
{
    (void) state;
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                            "--no-control", "--stats-interval", "0", "--sndhwm", "1000", NULL };
    testproc_broker_t broker;
    testproc_broker_start(args, &broker);
    jb_subscriber_t *stalled = s_subscriber(broker.backend, "jerry.faults.", 100);
    jb_subscriber_t *healthy = s_subscriber(broker.backend, "jerry.faults.", 0);
    jb_publisher_t *publisher = s_publisher(broker.frontend, 0);
    //  both subscriptions are one prefix at the publisher: wait for it,
    //  then make sure both subscribers are attached with a first event each
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.faults.", s_WAIT_MS, NULL), 0);
    jb_event_t *event = s_event("jerry.faults.load.sent", 2000);
    jb_event_t *received = NULL;
    int64_t deadline = zclock_mono() + s_WAIT_MS;
    bool stalled_in = false, healthy_in = false;
    while ((!stalled_in || !healthy_in) && zclock_mono() < deadline) {
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        if (jb_subscriber_recv(stalled, 20, &received, NULL) == 0)
            stalled_in = true;
        jb_event_destroy(&received);
        if (jb_subscriber_recv(healthy, 20, &received, NULL) == 0)
            healthy_in = true;
        jb_event_destroy(&received);
    }
    assert_true(stalled_in && healthy_in);
    s_drain(stalled, 200);
    s_drain(healthy, 200);

    //  40 MB in chunks the healthy subscriber keeps up with; the stalled
    //  one reads nothing meanwhile
    size_t chunks = 40, chunk = 500;
    for (size_t round = 0; round < chunks; round++) {
        for (size_t index = 0; index < chunk; index++)
            assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        for (size_t index = 0; index < chunk; index++) {
            if (jb_subscriber_recv(healthy, s_WAIT_MS, &received, NULL))
                fail_msg("the healthy subscriber lost event %zu of chunk %zu", index, round);
            jb_event_destroy(&received);
        }
    }
    jb_subscriber_stats_t stats;
    jb_subscriber_stats(healthy, &stats);
    assert_int_equal(stats.missed, 0);
    assert_int_equal(stats.gaps, 0);

    //  the stalled one: what was queued, then one more event after the loss
    size_t queued = s_drain(stalled, 500);
    assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
    assert_int_equal(jb_subscriber_recv(stalled, s_WAIT_MS, &received, NULL), 0);
    jb_event_destroy(&received);
    jb_subscriber_stats(stalled, &stats);
    print_message("stalled subscriber: %zu of %zu queued, %llu missed in %llu gap(s)\n",
                  queued, chunks * chunk, (unsigned long long) stats.missed,
                  (unsigned long long) stats.gaps);
    assert_true(queued < chunks * chunk);
    assert_true(stats.gaps >= 1);
    assert_int_equal(queued + stats.missed, chunks * chunk);

    jb_event_destroy(&event);
    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&stalled);
    jb_subscriber_destroy(&healthy);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  The tail of a stream (issue 10, item 2). A subscriber stalls while a
//  publisher sends s_TAIL_EVENTS events, so that the broker's queue to it
//  overflows and drops the last of them; no later event of that stream
//  comes to show the jump. Publishers' announcements (binding 4.2) must
//  tell it within s_TAIL_BOUND_MS of it reading again: a live publisher's
//  while the type is quiet, a closed publisher's final ones as the broker
//  sends them again. Every event is then received or reported missed.

#define s_TAIL_PREFIX "jerry.faults.tail."
#define s_TAIL_TYPE s_TAIL_PREFIX "load.sent"
#define s_TAIL_EVENTS 20000

//  The bound: an announcement once a second (the publisher's period and
//  the broker's, JB__RETAINED_IVL_MS), after the subscriber has read what
//  was queued for it, with room for a sanitizer build on a busy machine.
#define s_TAIL_BOUND_MS 3000

//  A counter of the broker's STATS, once it is at least value, polled
//  until s_WAIT_MS have passed. Returns the last value read.
static uint64_t
s_stats_wait(const char *control, const char *section, const char *name, uint64_t value)
{
    int64_t deadline = zclock_mono() + s_WAIT_MS;
    uint64_t counter = s_stats_counter(control, section, name);
    while (counter < value && zclock_mono() < deadline) {
        zclock_sleep(10);           //  the counters are polled: nothing signals them
        counter = s_stats_counter(control, section, name);
    }
    if (counter < value)
        fail_msg("the broker's %s.%s stayed at %llu, below %llu, for %d ms", section, name,
                 (unsigned long long) counter, (unsigned long long) value, s_WAIT_MS);
    return counter;
}

//  The library's side: subscriber and publisher in this process, the
//  broker program between them. With publisher_closes, the publisher is
//  destroyed once its events are out (its final announcements go to the
//  broker, which keeps them); otherwise it stays alive and quiet.
static void
s_tail_loss_is_reported(bool publisher_closes)
{
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                            "--control", "tcp://127.0.0.1:*", "--stats-interval", "0",
                            "--sndhwm", "1000", NULL };
    testproc_broker_t broker;
    testproc_broker_start(args, &broker);
    jb_subscriber_t *subscriber = s_subscriber(broker.backend, s_TAIL_PREFIX, 100);
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.sndhwm = 0;                 //  the loss is the broker's, not ours
    jb_error_t error;
    jb_publisher_t *publisher = jb_publisher_new(broker.frontend, &options, &error);
    if (!publisher)
        fail_msg("publisher: %s", error.message);
    assert_int_equal(jb_publisher_wait_for(publisher, s_TAIL_PREFIX, s_WAIT_MS, NULL), 0);

    //  attached: the stream starts with the first event the subscriber
    //  gets, so what went before it is never counted
    jb_event_t *event = s_event(s_TAIL_TYPE, 2000);
    jb_event_t *received = NULL;
    size_t attaching = 0;
    int64_t deadline = zclock_mono() + s_WAIT_MS;
    bool attached = false;
    while (!attached && zclock_mono() < deadline) {
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        attaching++;
        attached = jb_subscriber_recv(subscriber, 20, &received, NULL) == 0;
        jb_event_destroy(&received);
    }
    assert_true(attached);
    s_drain(subscriber, 200);
    jb_subscriber_stats_t before;
    jb_subscriber_stats(subscriber, &before);

    //  the subscriber reads nothing while the events go out, and until
    //  the broker has forwarded (or, for it, dropped) every one
    for (size_t index = 0; index < s_TAIL_EVENTS; index++)
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
    s_stats_wait(broker.control, "backend", "messages_out", attaching + s_TAIL_EVENTS);
    //  and until an announcement has gone into its full queue and been
    //  lost there, so that only a later one can tell it
    if (publisher_closes) {
        //  the final one, which the broker kept and has sent again
        jb_publisher_destroy(&publisher);
        s_stats_wait(broker.control, "backend", "reannounced", 1);
    }
    else {
        //  the publisher's own, now that the type is quiet
        uint64_t announced = s_stats_counter(broker.control, "frontend", "announcements");
        s_stats_wait(broker.control, "frontend", "announcements", announced + 1);
    }

    //  reading again: the queued events, then, within the bound, the loss;
    //  what is reported missed after the last event is the tail's
    int64_t resumed = zclock_mono();
    int64_t reported = -1;
    size_t delivered = 0;
    jb_subscriber_stats_t stats = before;
    uint64_t missed_before_tail = before.missed;
    deadline = resumed + s_WAIT_MS;
    while (reported < 0 && zclock_mono() < deadline) {
        bool got = jb_subscriber_recv(subscriber, 50, &received, NULL) == 0;
        jb_event_destroy(&received);
        jb_subscriber_stats(subscriber, &stats);
        if (got) {
            delivered++;
            missed_before_tail = stats.missed;
        }
        if (delivered + stats.missed - before.missed >= s_TAIL_EVENTS)
            reported = zclock_mono();
    }
    print_message("tail loss, publisher %s: %zu of %d delivered, %llu missed in %llu gap(s), "
                  "%llu announcement(s); reported %lld ms after the subscriber read again\n",
                  publisher_closes? "closed": "alive and quiet", delivered, s_TAIL_EVENTS,
                  (unsigned long long) (stats.missed - before.missed),
                  (unsigned long long) (stats.gaps - before.gaps),
                  (unsigned long long) stats.announcements,
                  (long long) (reported < 0? -1: reported - resumed));
    if (reported < 0)
        fail_msg("the loss of the tail was not reported within %d ms: %zu delivered, "
                 "%llu missed of %d", s_WAIT_MS, delivered,
                 (unsigned long long) (stats.missed - before.missed), s_TAIL_EVENTS);
    assert_true(delivered < s_TAIL_EVENTS);
    assert_int_equal(delivered + stats.missed - before.missed, s_TAIL_EVENTS);
    assert_true(stats.missed > missed_before_tail);
    assert_true(stats.gaps > before.gaps);
    assert_true(stats.announcements > 0);
    assert_true(reported - resumed <= s_TAIL_BOUND_MS);

    jb_event_destroy(&event);
    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&subscriber);
    s_broker_stop(&broker);
}

static void
test_a_quiet_publisher_announces_the_tail_a_stalled_subscriber_lost(void **state)
{
    (void) state;
    s_tail_loss_is_reported(false);
}

static void
test_a_closed_publishers_last_numbers_reach_a_stalled_subscriber_through_the_broker(void **state)
{
    (void) state;
    s_tail_loss_is_reported(true);
}

//  --------------------------------------------------------------------------
//  The issue's own scenario with the real programs: two jbus sub --stats
//  on one broker, one stopped (SIGSTOP) while jbus pub sends its events
//  and exits, then continued. The stopped one must report what it lost
//  within the bound, on stderr and in its --stats line. The broker's
//  queue for each subscriber holds a tenth of the events: the other one
//  gets them all unless a burst outruns its queue too, and then it is
//  told what it lost as well.

//  A jbus sub as the test reads it: its events counted as they come.
typedef struct {
    testproc_t process;
    size_t delivered;           //  lines of s_TAIL_TYPE read from stdout
    int64_t delivered_at;       //  when the last of them was read
} s_tail_sub_t;

//  Read and count the event lines sub has printed, until none comes for
//  quiet_ms.
static void
s_tail_sub_read(s_tail_sub_t *sub, int quiet_ms)
{
    char *line;
    while ((line = testproc_read_line(&sub->process, zclock_mono() + quiet_ms))) {
        if (strstr(line, "\"type\":\"" s_TAIL_TYPE "\"")) {
            sub->delivered++;
            sub->delivered_at = zclock_mono();
        }
        free(line);
    }
}

//  The events of s_TAIL_TYPE that sub has reported missed so far, on the
//  stderr it is still writing: "jbus sub: missed N event(s) of TYPE ...".
static uint64_t
s_tail_sub_missed(const s_tail_sub_t *sub)
{
    char *text = testutil_read_file(sub->process.err_path, NULL);
    assert_non_null(text);
    uint64_t missed = 0;
    for (char *line = text, *end; (end = strchr(line, '\n')); line = end + 1) {
        unsigned count;
        char type [256];
        *end = '\0';
        if (sscanf(line, "jbus sub: missed %u %*s of %255s ", &count, type) == 2
        &&  streq(type, s_TAIL_TYPE))
            missed += count;
    }
    free(text);
    return missed;
}

//  Read sub's events until it has printed or reported missed every one,
//  for at most s_WAIT_MS. Returns when it had, or -1; *missed_p gets the
//  events it reported missed.
static int64_t
s_tail_sub_account(s_tail_sub_t *sub, uint64_t *missed_p)
{
    int64_t deadline = zclock_mono() + s_WAIT_MS;
    while (zclock_mono() < deadline) {
        s_tail_sub_read(sub, 20);
        *missed_p = s_tail_sub_missed(sub);
        if (sub->delivered + *missed_p >= s_TAIL_EVENTS)
            return zclock_mono();
    }
    return -1;
}

//  Stop sub with SIGINT, as Ctrl-C does, and read its --stats line.
static void
s_tail_sub_stop(s_tail_sub_t *sub, unsigned long long *delivered_p, unsigned long long *gaps_p,
                unsigned long long *missed_p)
{
    kill(sub->process.pid, SIGINT);
    testproc_outcome_t outcome;
    testproc_wait(&sub->process, s_WAIT_MS, &outcome);
    for (char *line = outcome.out, *end; (end = strchr(line, '\n')); line = end + 1)
        if (memmem(line, (size_t) (end - line), "\"type\":\"" s_TAIL_TYPE "\"",
                   strlen("\"type\":\"" s_TAIL_TYPE "\"")))
            sub->delivered++;
    const char *stats = strstr(outcome.err, "jbus sub: received ");
    if (outcome.status != 0 || !stats
    ||  sscanf(stats, "jbus sub: received %*u, delivered %llu, filtered %*u, rejected %*u, "
               "gaps %llu, missed %llu", delivered_p, gaps_p, missed_p) != 3)
        fail_msg("jbus sub ended with %d and no --stats line: %s", outcome.status, outcome.err);
    testproc_outcome_free(&outcome);
}

static void
test_a_stopped_jbus_sub_reports_the_tail_it_lost_soon_after_it_is_continued(void **state)
{
    (void) state;
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                            "--no-control", "--stats-interval", "0", "--sndhwm", "2000", NULL };
    testproc_broker_t broker;
    testproc_broker_start(args, &broker);
    zsock_t *observer = zsock_new(ZMQ_XPUB);
    assert_non_null(observer);
    zsock_set_linger(observer, 0);
    zsock_set_rcvtimeo(observer, s_WAIT_MS);
    assert_int_equal(zsock_connect(observer, "%s", broker.frontend), 0);

    //  two prefixes, so that the broker forwards each subscriber's; the
    //  stopped one's own queue is small, so that the broker's overflows
    s_tail_sub_t stopped, running;
    memset(&stopped, 0, sizeof stopped);
    memset(&running, 0, sizeof running);
    const char *stopped_args [] = { "sub", "-e", broker.backend, "--stats", "--hwm", "100",
                                    s_TAIL_PREFIX, NULL };
    testproc_spawn(TESTPROC_JBUS, stopped_args, &stopped.process);
    testproc_expect_subscription(observer, s_TAIL_PREFIX, s_WAIT_MS);
    const char *running_args [] = { "sub", "-e", broker.backend, "--stats", s_TAIL_TYPE, NULL };
    testproc_spawn(TESTPROC_JBUS, running_args, &running.process);
    testproc_expect_subscription(observer, s_TAIL_TYPE, s_WAIT_MS);
    zsock_destroy(&observer);

    assert_int_equal(kill(stopped.process.pid, SIGSTOP), 0);
    int status;
    assert_int_equal(waitpid(stopped.process.pid, &status, WUNTRACED), stopped.process.pid);
    assert_true(WIFSTOPPED(status));
    char count [16], data [2048];
    testproc_format(count, sizeof count, "%d", s_TAIL_EVENTS);
    testproc_format(data, sizeof data, "{\"pad\":\"%0*d\"}", 2000, 0);
    const char *pub_args [] = { "pub", "-e", broker.frontend, "-t", s_TAIL_TYPE,
                                "-s", "/jerry/faults", "-n", count, "-d", data, "-q", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, pub_args, &outcome);
    if (outcome.status != 0)
        fail_msg("jbus pub exited with %d: %s", outcome.status, outcome.err);
    testproc_outcome_free(&outcome);
    uint64_t running_missed = 0;
    if (s_tail_sub_account(&running, &running_missed) < 0)
        fail_msg("the running jbus sub accounted for %zu printed and %llu missed of %d",
                 running.delivered, (unsigned long long) running_missed, s_TAIL_EVENTS);

    //  continued: it prints what was queued for it, then learns the rest
    assert_int_equal(kill(stopped.process.pid, SIGCONT), 0);
    int64_t resumed = zclock_mono();
    uint64_t missed = 0;
    int64_t reported = s_tail_sub_account(&stopped, &missed);
    print_message("tail loss, jbus sub stopped and continued: %zu of %d printed, %llu reported "
                  "missed on stderr %lld ms after SIGCONT, %lld ms after its last event "
                  "(the other: %zu printed, %llu missed)\n", stopped.delivered, s_TAIL_EVENTS,
                  (unsigned long long) missed, (long long) (reported < 0? -1: reported - resumed),
                  (long long) (reported < 0? -1: reported - stopped.delivered_at),
                  running.delivered, (unsigned long long) running_missed);
    if (reported < 0)
        fail_msg("the loss of the tail was not reported within %d ms: %zu printed, %llu "
                 "missed of %d", s_WAIT_MS, stopped.delivered, (unsigned long long) missed,
                 s_TAIL_EVENTS);
    assert_true(reported - resumed <= s_TAIL_BOUND_MS);

    unsigned long long delivered, gaps, total_missed;
    s_tail_sub_stop(&stopped, &delivered, &gaps, &total_missed);
    assert_int_equal(delivered, stopped.delivered);
    assert_true(delivered < s_TAIL_EVENTS);
    assert_true(gaps >= 1);
    assert_int_equal(total_missed, missed);
    assert_int_equal(delivered + total_missed, s_TAIL_EVENTS);
    s_tail_sub_stop(&running, &delivered, &gaps, &total_missed);
    assert_int_equal(delivered, running.delivered);
    assert_int_equal(total_missed, running_missed);
    assert_int_equal(delivered + total_missed, s_TAIL_EVENTS);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  The broker killed with SIGKILL and restarted while a publisher keeps
//  publishing: both sides reconnect, the subscription is restored, and every
//  event is either received or reported missing. While the broker is down
//  the publisher's connection keeps its queue, so what is sent then waits
//  and arrives after the restart, up to the high-water mark; here that is
//  10 messages, so most of the 100 sent meanwhile are dropped, and the
//  subscriber must report them as a gap.

static void
test_the_broker_killed_under_steady_publishing_comes_back(void **state)
{
    (void) state;
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                            "--no-control", "--stats-interval", "0", NULL };
    testproc_broker_t broker;
    testproc_broker_start(args, &broker);
    jb_subscriber_t *subscriber = s_subscriber(broker.backend, "jerry.faults.", 0);
    jb_publisher_t *publisher = s_publisher(broker.frontend, 10);
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.faults.", s_WAIT_MS, NULL), 0);
    jb_event_t *event = s_event("jerry.faults.tick.sent", 100);
    jb_event_t *received = NULL;
    size_t published = 0, delivered = 0;

    //  a first event makes sure the subscriber is attached: the stream
    //  starts with it, so nothing before it counts
    int64_t deadline = zclock_mono() + s_WAIT_MS;
    while (delivered == 0 && zclock_mono() < deadline) {
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        if (jb_subscriber_recv(subscriber, 10, &received, NULL) == 0)
            delivered++;
        jb_event_destroy(&received);
    }
    assert_int_equal(delivered, 1);
    delivered = 0;
    //  steady traffic, then the kill
    while (delivered < 200 && zclock_mono() < deadline) {
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        published++;
        if (jb_subscriber_recv(subscriber, 10, &received, NULL) == 0)
            delivered++;
        jb_event_destroy(&received);
    }
    kill(broker.process.pid, SIGKILL);
    testproc_outcome_t outcome;
    testproc_wait(&broker.process, s_WAIT_MS, &outcome);
    testproc_outcome_free(&outcome);
    //  publishing goes on while the broker is down, and never blocks
    for (int index = 0; index < 100; index++) {
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        published++;
    }
    char frontend [JB_BROKER_ENDPOINT_MAX], backend [JB_BROKER_ENDPOINT_MAX];
    snprintf(frontend, sizeof frontend, "%s", broker.frontend);
    snprintf(backend, sizeof backend, "%s", broker.backend);
    const char *same [] = { "--frontend", frontend, "--backend", backend, "--no-control",
                            "--stats-interval", "0", NULL };
    if (!testproc_broker_try_start(same, &broker, &outcome)) {
        print_message("skipped: a port of the killed broker was taken: %s", outcome.err);
        testproc_outcome_free(&outcome);
        jb_event_destroy(&event);
        jb_publisher_destroy(&publisher);
        jb_subscriber_destroy(&subscriber);
        skip();
    }
    //  traffic resumes
    size_t resumed = 0;
    deadline = zclock_mono() + 2 * s_WAIT_MS;
    while (resumed < 200 && zclock_mono() < deadline) {
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        published++;
        if (jb_subscriber_recv(subscriber, 10, &received, NULL) == 0) {
            delivered++;
            resumed++;
        }
        jb_event_destroy(&received);
    }
    assert_int_equal(resumed, 200);
    delivered += s_drain(subscriber, 500);
    jb_subscriber_stats_t stats;
    jb_subscriber_stats(subscriber, &stats);
    print_message("restart: %zu published, %zu delivered, %llu missed in %llu gap(s)\n",
                  published, delivered, (unsigned long long) stats.missed,
                  (unsigned long long) stats.gaps);
    assert_int_equal(delivered + stats.missed, published);
    //  at most the queue's 10 of the 100 sent during the outage got through
    assert_true(stats.missed >= 90);
    assert_true(stats.gaps >= 1);

    jb_event_destroy(&event);
    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&subscriber);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  A subscriber that leaves and a new one that comes back; a publisher that
//  floods past every high-water mark without blocking; a peer that sends
//  random frames. Afterwards, a clean event still goes through.

static void
test_leavers_floods_and_garbage_harm_nobody(void **state)
{
    (void) state;
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                            "--no-control", "--stats-interval", "0", "--sndhwm", "10",
                            "--rcvhwm", "10", NULL };
    testproc_broker_t broker;
    testproc_broker_start(args, &broker);
    jb_publisher_t *publisher = s_publisher(broker.frontend, 10);
    jb_event_t *event = s_event("jerry.faults.flood.sent", 1000);

    //  a subscriber comes and goes, and another comes back
    jb_subscriber_t *subscriber = s_subscriber(broker.backend, "jerry.faults.", 10);
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.faults.", s_WAIT_MS, NULL), 0);
    jb_subscriber_destroy(&subscriber);
    subscriber = s_subscriber(broker.backend, "", 10);

    //  the flood: 100,000 events at HWM 10 everywhere, in bounded time
    int64_t start = zclock_mono();
    for (int index = 0; index < 100000; index++)
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
    print_message("flood: 100000 events published in %lld ms\n",
                  (long long) (zclock_mono() - start));

    //  random frames from a raw peer, every one rejected by the subscriber
    zsock_t *peer = zsock_new(ZMQ_PUB);
    assert_non_null(peer);
    zsock_set_linger(peer, 0);
    assert_int_equal(zsock_connect(peer, "%s", broker.frontend), 0);
    uint32_t random = 123456789u;
    uint8_t bytes [64];

    //  the new subscriber, the flood's survivors drained, still gets a clean
    //  event and rejects garbage without stopping
    s_drain(subscriber, 200);
    jb_event_t *received = NULL;
    jb_subscriber_stats_t stats;
    int64_t deadline = zclock_mono() + 2 * s_WAIT_MS;
    bool clean = false;
    stats.rejected = 0;
    while ((!clean || stats.rejected == 0) && zclock_mono() < deadline) {
        for (int message = 0; message < 20; message++) {
            //  1 to 3 frames: more is past the broker's max_frames,
            //  which refuses the message and disconnects the peer
            int frames = 1 + (int) (random % 3);
            for (int frame = 0; frame < frames; frame++) {
                random ^= random << 13; random ^= random >> 17; random ^= random << 5;
                size_t size = random % sizeof bytes;
                for (size_t index = 0; index < size; index++)
                    bytes[index] = (uint8_t) (random >> (index % 24));
                zmq_send(zsock_resolve(peer), bytes, size, frame + 1 < frames? ZMQ_SNDMORE: 0);
            }
        }
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        while (jb_subscriber_recv(subscriber, 20, &received, NULL) == 0) {
            clean = clean || strcmp(jb_event_type(received), "jerry.faults.flood.sent") == 0;
            jb_event_destroy(&received);
        }
        jb_subscriber_stats(subscriber, &stats);
    }
    assert_true(clean);
    jb_subscriber_stats(subscriber, &stats);
    print_message("garbage: %llu messages rejected\n", (unsigned long long) stats.rejected);
    assert_true(stats.rejected > 0);

    zsock_destroy(&peer);
    jb_event_destroy(&event);
    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&subscriber);
    s_broker_stop(&broker);                     //  alive, and stops cleanly
}

//  --------------------------------------------------------------------------
//  Message bounds. A raw publisher (an XPUB, as jbus publishers are) sends
//  one message of 501 frames, the type then 500 frames of frame_size
//  bytes, without copying them: every frame points at one static buffer.

#define s_BIG_FRAMES 501
#define s_MIB (1024 * 1024)

static char s_big_frame [s_MIB];

//  A raw publisher connected to endpoint, once it has heard of prefix.
static zsock_t *
s_raw_publisher(const char *endpoint, const char *prefix)
{
    zsock_t *publisher = zsock_new(ZMQ_XPUB);
    assert_non_null(publisher);
    zsock_set_linger(publisher, 0);
    zsock_set_sndhwm(publisher, 0);
    zsock_set_rcvtimeo(publisher, s_WAIT_MS);
    assert_int_equal(zsock_connect(publisher, "%s", endpoint), 0);
    size_t length = strlen(prefix);
    while (true) {
        zframe_t *frame = zframe_recv(publisher);
        assert_non_null(frame);
        bool heard = zframe_size(frame) == length + 1 && zframe_data(frame)[0] == 1
                  && memcmp(zframe_data(frame) + 1, prefix, length) == 0;
        zframe_destroy(&frame);
        if (heard)
            return publisher;
    }
}

//  Send the big message: topic, then s_BIG_FRAMES - 1 frames of
//  frame_size bytes of s_big_frame, handed to libzmq without a copy.
static void
s_send_big(zsock_t *publisher, const char *topic, size_t frame_size)
{
    void *handle = zsock_resolve(publisher);
    assert_int_equal(zmq_send(handle, topic, strlen(topic), ZMQ_SNDMORE), (int) strlen(topic));
    for (int index = 1; index < s_BIG_FRAMES; index++) {
        zmq_msg_t frame;
        assert_int_equal(zmq_msg_init_data(&frame, s_big_frame, frame_size, NULL, NULL), 0);
        assert_true(zmq_msg_send(&frame, handle,
                                 index + 1 < s_BIG_FRAMES? ZMQ_SNDMORE: 0) == (int) frame_size);
    }
}

//  The broker's peak resident set, in kB (VmHWM in /proc/PID/status).
static long
s_peak_rss_kb(pid_t pid)
{
    char path [64];
    snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    char line [256];
    long peak = -1;
    while (fgets(line, sizeof line, file))
        if (sscanf(line, "VmHWM: %ld kB", &peak) == 1)
            break;
    fclose(file);
    return peak;
}

//  The big message from one publisher, a clean event from another: the
//  broker refuses the big one, counts it as oversized, disconnects its
//  sender, and forwards the clean one. Returns the broker's peak RSS.
static long
s_big_message_refused(const char *config_text, size_t frame_size)
{
    char path [PATH_MAX];
    testproc_write_file("bounds.cfg", config_text, path);
    const char *args [] = { "--config", path, "--frontend", "tcp://127.0.0.1:*",
                            "--backend", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*",
                            "--stats-interval", "0", NULL };
    testproc_broker_t broker;
    testproc_broker_start(args, &broker);
    long peak_before = s_peak_rss_kb(broker.process.pid);
    jb_subscriber_t *subscriber = s_subscriber(broker.backend, "jerry.faults.", 0);
    zsock_t *big = s_raw_publisher(broker.frontend, "jerry.faults.");
    assert_int_equal(zmq_socket_monitor(zsock_resolve(big), "inproc://test-faults-big",
                                        ZMQ_EVENT_DISCONNECTED), 0);
    zsock_t *monitor = zsock_new(ZMQ_PAIR);
    assert_non_null(monitor);
    assert_int_equal(zsock_connect(monitor, "inproc://test-faults-big"), 0);

    s_send_big(big, "jerry.faults.big.sent", frame_size);
    //  half a gigabyte over loopback takes its time in a sanitizer build
    testproc_expect_disconnect(monitor, TESTPROC_DEADLINE_MS,
                               "the publisher of the oversized message");
    int64_t deadline = zclock_mono() + s_WAIT_MS;
    while (s_stats_counter(broker.control, "frontend", "oversized") == 0
       &&  zclock_mono() < deadline)
        ;
    assert_int_equal(s_stats_counter(broker.control, "frontend", "oversized"), 1);
    assert_int_equal(s_stats_counter(broker.control, "backend", "messages_out"), 0);

    //  a well-behaved publisher's events still go through, and nothing of
    //  the big message ever arrives
    jb_publisher_t *publisher = s_publisher(broker.frontend, 0);
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.faults.", s_WAIT_MS, NULL), 0);
    jb_event_t *event = s_event("jerry.faults.clean.sent", 10);
    assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
    jb_event_t *received = NULL;
    assert_int_equal(jb_subscriber_recv(subscriber, s_WAIT_MS, &received, NULL), 0);
    assert_string_equal(jb_event_type(received), "jerry.faults.clean.sent");
    jb_event_destroy(&received);
    jb_subscriber_stats_t stats;
    jb_subscriber_stats(subscriber, &stats);
    assert_int_equal(stats.rejected, 0);

    long peak = s_peak_rss_kb(broker.process.pid);
    print_message("oversized message of %d frames of %zu bytes: broker peak RSS %ld kB "
                  "(%ld kB before it)\n", s_BIG_FRAMES, frame_size, peak, peak_before);
    zmq_socket_monitor(zsock_resolve(big), NULL, 0);
    zsock_destroy(&monitor);
    zsock_destroy(&big);
    jb_event_destroy(&event);
    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&subscriber);
    s_broker_stop(&broker);
    return peak;
}

//  With small bounds, quickly: 501 frames of 4 KiB against 8 frames and
//  64 KiB.
static void
test_a_message_past_the_bounds_is_refused_and_its_sender_disconnected(void **state)
{
    (void) state;
    s_big_message_refused("broker\n    max_frames = 8\n    max_message_bytes = 65536\n", 4096);
}

//  At the default bounds, 501 frames of 1 MiB. libzmq 4.3.4 hands over the
//  first frame of a message only once its last is in, so the broker's
//  peak holds the message once, whatever it does (docs/zeromq-binding.md,
//  "Message Bounds"); it must never hold it twice, and must let it go.
static void
test_a_half_gigabyte_message_is_refused_at_the_default_bounds(void **state)
{
    (void) state;
    long peak = s_big_message_refused("broker\n", s_MIB);
    assert_true(peak > 0);
    //  once, with room for the allocator (and ASan's redzones: 596 MB
    //  measured), never twice
    assert_true(peak < (long) (s_BIG_FRAMES * (s_MIB / 1024)) * 3 / 2);
}

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_teardown(test_a_stalled_subscriber_loses_alone_and_is_told_so,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_a_quiet_publisher_announces_the_tail_a_stalled_subscriber_lost,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_a_closed_publishers_last_numbers_reach_a_stalled_subscriber_through_the_broker,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_a_stopped_jbus_sub_reports_the_tail_it_lost_soon_after_it_is_continued,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_the_broker_killed_under_steady_publishing_comes_back,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_leavers_floods_and_garbage_harm_nobody,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_a_message_past_the_bounds_is_refused_and_its_sender_disconnected,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_a_half_gigabyte_message_is_refused_at_the_default_bounds,
                                  testproc_reap_children),
    };
    int failed = cmocka_run_group_tests(tests, testproc_group_setup, testproc_group_teardown);
    zsys_shutdown();
    return failed;
}
