/*  =========================================================================
    test_subscriber.c - receiving events by type, from raw ZeroMQ publishers

    No broker: the publishing side is a raw XPUB socket (bound on an
    ephemeral tcp port or a unique inproc name) standing in for the broker's
    subscriber side. An XPUB hands us each subscription as it arrives, so a
    test waits for that instead of sleeping, and then nothing it publishes is
    lost to a slow join. Every wait is bounded.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <unistd.h>
#include <czmq.h>

#include "testutil.h"
#include "testalarm.h"

//  Bound on every wait for something that should happen.
#define s_WAIT_MS 5000

//  Most handler calls one test records.
#define s_LOG_MAX 32

//  What the handlers and the reject callback of a test saw.
typedef struct {
    const char *calls [s_LOG_MAX];  //  names of the handlers called, in order
    size_t call_count;
    int reject_codes [s_LOG_MAX];   //  code of each rejection
    char reject_messages [s_LOG_MAX][JB_ERROR_MESSAGE_MAX];
    size_t reject_frames [s_LOG_MAX];
    size_t reject_count;
} s_log_t;

//  A raw XPUB "broker" and a subscriber connected to it.
typedef struct {
    zsock_t *xpub;
    char *endpoint;
    jb_subscriber_t *subscriber;
    s_log_t log;
} s_fixture_t;

//  --------------------------------------------------------------------------
//  Helpers

//  An XPUB bound to an ephemeral tcp port that passes every subscription
//  on (verbose), never drops, and its endpoint in *endpoint_p (zstr_free).
static zsock_t *
s_xpub_new(char **endpoint_p)
{
    zsock_t *xpub = zsock_new(ZMQ_XPUB);
    assert_non_null(xpub);
    zsock_set_xpub_verbose(xpub, 1);
    zsock_set_sndhwm(xpub, 0);
    assert_true(zsock_bind(xpub, "tcp://127.0.0.1:*") > 0);
    *endpoint_p = zsock_last_endpoint(xpub);
    assert_non_null(*endpoint_p);
    return xpub;
}

static jb_subscriber_t *
s_subscriber_new(const char *endpoint, const jb_subscriber_options_t *options)
{
    jb_error_t error;
    jb_subscriber_t *subscriber = jb_subscriber_new(endpoint, options, &error);
    if (!subscriber)
        fail_msg("subscriber on %s: %s", endpoint, error.message);
    return subscriber;
}

//  Read subscription messages off xpub until [subscribe? 1: 0][prefix]
//  arrives; fails the test when it has not within s_WAIT_MS.
static void
s_await_subscription(zsock_t *xpub, bool subscribe, const char *prefix)
{
    size_t size = strlen(prefix);
    int64_t deadline = zclock_mono() + s_WAIT_MS;
    while (true) {
        int64_t remaining = deadline - zclock_mono();
        if (remaining <= 0)
            fail_msg("no %s of \"%s\" reached the publisher", subscribe? "subscribe": "unsubscribe",
                     prefix);
        zsock_set_rcvtimeo(xpub, (int) remaining);
        zframe_t *frame = zframe_recv(xpub);
        if (!frame)
            continue;
        const unsigned char *bytes = zframe_data(frame);
        bool found = zframe_size(frame) == size + 1 && bytes[0] == (subscribe? 1: 0)
                  && memcmp(bytes + 1, prefix, size) == 0;
        zframe_destroy(&frame);
        if (found)
            return;
    }
}

//  Subscribe to filter, and wait until its ZeroMQ subscription (prefix) is
//  at the publisher.
static void
s_subscribe(s_fixture_t *fixture, const char *filter, const char *prefix)
{
    jb_error_t error;
    if (jb_subscriber_subscribe(fixture->subscriber, filter, &error))
        fail_msg("subscribe \"%s\": %s", filter, error.message);
    s_await_subscription(fixture->xpub, true, prefix);
}

//  Send count frames; sizes NULL means each is a C string.
static void
s_send_frames(zsock_t *socket, size_t count, const char *const frames [], const size_t sizes [])
{
    void *handle = zsock_resolve(socket);
    for (size_t index = 0; index < count; index++) {
        size_t size = sizes? sizes[index]: strlen(frames[index]);
        int flags = index + 1 < count? ZMQ_SNDMORE: 0;
        assert_int_equal(zmq_send(handle, frames[index], size, flags), (int) size);
    }
}

static void
s_send_event(zsock_t *socket, const jb_event_t *event, jb_mode_t mode)
{
    jb_message_t *message = jb_message_new();
    jb_error_t error;
    if (jb_message_encode(message, event, mode, &error))
        fail_msg("encode: %s", error.message);
    size_t count = jb_message_frame_count(message);
    const char *frames [3];
    size_t sizes [3];
    for (size_t index = 0; index < count; index++) {
        jb_frame_t frame = jb_message_frame(message, index);
        frames[index] = (const char *) frame.data;
        sizes[index] = frame.size;
    }
    s_send_frames(socket, count, frames, sizes);
    jb_message_destroy(&message);
}

//  Publish a binary-mode event of type.
static void
s_publish(zsock_t *socket, const char *type)
{
    jb_event_t *event = jb_event_new(type, "/jerry/test");
    assert_non_null(event);
    s_send_event(socket, event, JB_MODE_BINARY);
    jb_event_destroy(&event);
}

//  The type of the next event that recv returns within s_WAIT_MS, in a
//  buffer of the caller's; fails the test when there is none.
static const char *
s_recv_type(jb_subscriber_t *subscriber, char *type, size_t size)
{
    jb_event_t *event = NULL;
    jb_error_t error;
    if (jb_subscriber_recv(subscriber, s_WAIT_MS, &event, &error))
        fail_msg("recv: %s", error.message);
    snprintf(type, size, "%s", jb_event_type(event));
    jb_event_destroy(&event);
    return type;
}

static void
s_assert_stats(jb_subscriber_t *subscriber, uint64_t received, uint64_t delivered,
               uint64_t filtered, uint64_t rejected)
{
    jb_subscriber_stats_t stats;
    jb_subscriber_stats(subscriber, &stats);
    assert_int_equal(stats.received, received);
    assert_int_equal(stats.delivered, delivered);
    assert_int_equal(stats.filtered, filtered);
    assert_int_equal(stats.rejected, rejected);
}

static void
s_record_reject(const jb_frame_t *frames, size_t count, const jb_error_t *reason, void *arg)
{
    s_log_t *log = (s_log_t *) arg;
    assert_true(count == 0 || frames != NULL);
    for (size_t index = 0; index < count; index++)
        assert_true(frames[index].size == 0 || frames[index].data != NULL);
    if (log->reject_count < s_LOG_MAX) {
        log->reject_codes[log->reject_count] = reason->code;
        snprintf(log->reject_messages[log->reject_count], JB_ERROR_MESSAGE_MAX, "%s",
                 reason->message);
        log->reject_frames[log->reject_count] = count;
    }
    log->reject_count++;
}

static int
s_setup(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) calloc(1, sizeof(s_fixture_t));
    assert_non_null(fixture);
    fixture->xpub = s_xpub_new(&fixture->endpoint);
    fixture->subscriber = s_subscriber_new(fixture->endpoint, NULL);
    *state = fixture;
    return 0;
}

static int
s_teardown(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    jb_subscriber_destroy(&fixture->subscriber);
    zsock_destroy(&fixture->xpub);
    zstr_free(&fixture->endpoint);
    free(fixture);
    return 0;
}

//  --------------------------------------------------------------------------

static void
test_receive_an_event_example(void **state)
{
    (void) state;
    //  a stand-in for the broker's subscriber side
    char *endpoint;
    zsock_t *broker = s_xpub_new(&endpoint);

    jb_error_t error;
    jb_subscriber_t *subscriber = jb_subscriber_new(endpoint, NULL, &error);
    assert_non_null(subscriber);
    assert_string_equal(jb_subscriber_endpoint(subscriber), endpoint);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "jerry.work_tracking.", &error), 0);
    //  publish only once the subscription is there, or ZeroMQ drops the event
    s_await_subscription(broker, true, "jerry.work_tracking.");

    jb_event_t *sent = jb_event_new("jerry.work_tracking.task.completed", "/jerry/work-tracking");
    jb_event_set_subject(sent, "WORK-001");
    jb_event_set_data_json(sent, "{\"task_id\":\"WORK-001\"}", SIZE_MAX, NULL);
    s_send_event(broker, sent, JB_MODE_BINARY);

    jb_event_t *event = NULL;
    assert_int_equal(jb_subscriber_recv(subscriber, 5000, &event, &error), 0);
    assert_string_equal(jb_event_type(event), "jerry.work_tracking.task.completed");
    assert_string_equal(jb_event_subject(event), "WORK-001");
    assert_true(jb_event_equal(event, sent));
    jb_event_destroy(&event);

    jb_event_destroy(&sent);
    jb_subscriber_destroy(&subscriber);
    assert_null(subscriber);
    jb_subscriber_destroy(&subscriber);     //  safe twice
    zsock_destroy(&broker);
    zstr_free(&endpoint);
}

//  --------------------------------------------------------------------------

static void
test_recv_times_out_after_about_the_timeout(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    jb_event_t *event = NULL;
    jb_error_t error;

    int64_t start = zclock_mono();
    assert_int_equal(jb_subscriber_recv(fixture->subscriber, 0, &event, &error), JB_ETIMEDOUT);
    assert_true(zclock_mono() - start < 100);

    start = zclock_mono();
    assert_int_equal(jb_subscriber_recv(fixture->subscriber, 150, &event, &error), JB_ETIMEDOUT);
    int64_t elapsed = zclock_mono() - start;
    assert_true(elapsed >= 149);
    assert_true(elapsed < 2000);
    assert_int_equal(error.code, JB_ETIMEDOUT);
    assert_non_null(strstr(error.message, "150 ms"));
    assert_null(event);

    start = zclock_mono();
    assert_int_equal(jb_subscriber_dispatch(fixture->subscriber, 100, &error), JB_ETIMEDOUT);
    elapsed = zclock_mono() - start;
    assert_true(elapsed >= 99 && elapsed < 2000);
}

//  A signal ends recv and dispatch (the program may be stopping on
//  Ctrl-C), and says so: neither a timeout nor a socket failure.
static void
test_a_signal_ends_recv_and_dispatch_with_eintr(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    jb_event_t *event = NULL;
    jb_error_t error;

    int64_t start = zclock_mono();
    testutil_alarm_in(100);
    int rc = jb_subscriber_recv(fixture->subscriber, 10000, &event, &error);
    testutil_alarm_in(0);
    assert_int_equal(rc, JB_EINTR);
    assert_int_equal(error.code, JB_EINTR);
    assert_non_null(strstr(error.message, "signal"));
    assert_null(event);
    assert_true(zclock_mono() - start < 5000);

    testutil_alarm_in(100);
    rc = jb_subscriber_dispatch(fixture->subscriber, 10000, &error);
    testutil_alarm_in(0);
    assert_int_equal(rc, JB_EINTR);
}

static void
test_messages_skipped_do_not_extend_the_wait(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_subscribe(fixture, "", "");
    const char *garbage [] = { "jerry.x" };
    for (int index = 0; index < 3; index++)
        s_send_frames(fixture->xpub, 1, garbage, NULL);
    jb_event_t *event = NULL;
    int64_t start = zclock_mono();
    assert_int_equal(jb_subscriber_recv(fixture->subscriber, 300, &event, NULL), JB_ETIMEDOUT);
    int64_t elapsed = zclock_mono() - start;
    assert_true(elapsed >= 299 && elapsed < 2000);
    s_assert_stats(fixture->subscriber, 3, 0, 0, 3);
}

//  --------------------------------------------------------------------------

static void
test_new_rejects_bad_endpoints_and_options(void **state)
{
    (void) state;
    jb_error_t error;
    assert_null(jb_subscriber_new("nonsense", NULL, &error));
    assert_int_equal(error.code, JB_EINVAL);
    assert_non_null(strstr(error.message, "nonsense"));
    assert_null(jb_subscriber_new("", NULL, &error));
    assert_int_equal(error.code, JB_EINVAL);
    assert_null(jb_subscriber_new("bogus://x", NULL, &error));
    assert_int_equal(error.code, JB_EINVAL);
    assert_null(jb_subscriber_new("%s%n%d", NULL, &error));
    assert_int_equal(error.code, JB_EINVAL);

    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    assert_int_equal(options.rcvhwm, 100000);
    assert_false(options.bind);
    assert_null(options.known);
    options.rcvhwm = -1;
    assert_null(jb_subscriber_new("inproc://test-subscriber-bad-options", &options, &error));
    assert_int_equal(error.code, JB_EINVAL);

    //  binding a port that is taken is the environment's fault, not the input's
    jb_subscriber_options_defaults(&options);
    options.bind = true;
    jb_subscriber_t *first = s_subscriber_new("tcp://127.0.0.1:*", &options);
    assert_null(jb_subscriber_new(jb_subscriber_endpoint(first), &options, &error));
    assert_int_equal(error.code, JB_ESOCKET);
    assert_non_null(strstr(error.message, jb_subscriber_endpoint(first)));
    jb_subscriber_destroy(&first);
    assert_null(jb_subscriber_new("tcp://127.0.0.1:notaport", &options, &error));
    assert_int_equal(error.code, JB_EINVAL);
}

//  --------------------------------------------------------------------------

static void
test_prefix_filters_deliver_exactly_the_matching_types(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_subscribe(fixture, "jerry.work", "jerry.work");
    s_subscribe(fixture, "billing.", "billing.");
    s_subscribe(fixture, "end", "end");

    const char *types [] = {
        "jerry.work_tracking.task.created",     //  yes: bytes, not segments
        "jerry.wor",                            //  no
        "billing.invoice.paid",                 //  yes
        "billingx.invoice",                     //  no
        "jerry.work",                           //  yes
        "other.jerry.work",                     //  no
        "end"
    };
    for (size_t index = 0; index < sizeof types / sizeof types[0]; index++)
        s_publish(fixture->xpub, types[index]);
    char type [256];
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type),
                        "jerry.work_tracking.task.created");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type),
                        "billing.invoice.paid");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "jerry.work");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "end");
    //  ZeroMQ dropped the others before they reached us
    s_assert_stats(fixture->subscriber, 4, 4, 0, 0);
}

static void
test_patterns_deliver_exactly_the_matching_types(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_subscribe(fixture, "jerry.*.task.completed", "jerry.");
    s_subscribe(fixture, "jerry.work_tracking.>", "jerry.work_tracking.");
    s_subscribe(fixture, "end", "end");

    const char *types [] = {
        "jerry.work_tracking.task.completed",   //  yes, both patterns
        "jerry.billing.task.completed",         //  yes
        "jerry.a.b.task.completed",             //  no: "*" is one segment
        "jerry.task.completed",                 //  no: "*" needs its segment
        "jerry.work_tracking",                  //  no: ">" needs a segment
        "jerry.work_tracking.x",                //  yes
        "jerry.work_tracking.x.y.z",            //  yes
        "jerry.billing.task.created",           //  no
        "jerry.work_trackingx.y",               //  no
        "other.task.completed",                 //  no, and not even sent
        "end"
    };
    for (size_t index = 0; index < sizeof types / sizeof types[0]; index++)
        s_publish(fixture->xpub, types[index]);
    char type [256];
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type),
                        "jerry.work_tracking.task.completed");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type),
                        "jerry.billing.task.completed");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type),
                        "jerry.work_tracking.x");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type),
                        "jerry.work_tracking.x.y.z");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "end");
    //  five arrived through the patterns' prefix "jerry." and matched nothing
    s_assert_stats(fixture->subscriber, 10, 5, 5, 0);
}

static void
s_never_called(const jb_event_t *event, void *arg)
{
    (void) event;
    (void) arg;
    fail_msg("a handler on a rejected filter was called");
}

static void
test_malformed_patterns_are_rejected(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    const char *malformed [] = {
        "jerry.wor*", "jerry.>.x", "*x", "a.**", ">.", "a.>>", "a>", "jerry.*x.y", "a.*b.c",
        ">.>", "x.>.*"
    };
    for (size_t index = 0; index < sizeof malformed / sizeof malformed[0]; index++) {
        jb_error_t error;
        int rc = jb_subscriber_subscribe(fixture->subscriber, malformed[index], &error);
        if (rc != JB_EINVAL)
            fail_msg("\"%s\" was accepted", malformed[index]);
        assert_int_equal(error.code, JB_EINVAL);
        assert_non_null(strstr(error.message, malformed[index]));
        assert_int_equal(jb_subscriber_on(fixture->subscriber, malformed[index],
                                          s_never_called, NULL, NULL), JB_EINVAL);
        assert_int_equal(jb_subscriber_unsubscribe(fixture->subscriber, malformed[index], &error),
                         JB_ENOTFOUND);
    }
    jb_error_t error;
    assert_int_equal(jb_subscriber_subscribe(fixture->subscriber, "jerry.>.x", &error), JB_EINVAL);
    assert_non_null(strstr(error.message, "last segment"));
    assert_int_equal(jb_subscriber_subscribe(fixture->subscriber, "jerry.wor*", &error), JB_EINVAL);
    assert_non_null(strstr(error.message, "whole segment"));

    const char *valid [] = { "", "*", ">", "a.*.>", "*.*", "a.b.", "a..b", "*.x" };
    for (size_t index = 0; index < sizeof valid / sizeof valid[0]; index++)
        if (jb_subscriber_subscribe(fixture->subscriber, valid[index], &error))
            fail_msg("\"%s\": %s", valid[index], error.message);
    for (size_t index = 0; index < sizeof valid / sizeof valid[0]; index++)
        assert_int_equal(jb_subscriber_unsubscribe(fixture->subscriber, valid[index], NULL), 0);
}

static void
test_filter_matches_follows_the_rules(void **state)
{
    (void) state;
    static const struct {
        const char *filter;
        const char *type;
        bool matches;
    } cases [] = {
        { "",                       "jerry.anything",                       true },
        { "jerry.work",             "jerry.work_tracking.task.created",     true },
        { "jerry.work_tracking.",   "jerry.work_tracking.task.created",     true },
        { "jerry.work_tracking.",   "jerry.work_tracking",                  false },
        { "jerry.work_tracking",    "jerry.work_tracking",                  true },
        { "a.b",                    "a.",                                   false },
        { "jerry.*.task.completed", "jerry.work_tracking.task.completed",   true },
        { "jerry.*.task.completed", "jerry.a.b.task.completed",             false },
        { "jerry.*.task.completed", "jerry.task.completed",                 false },
        { "jerry.*.task.completed", "jerry..task.completed",                true },
        { "jerry.*.task.completed", "jerry.x.task.completed.more",          false },
        { "jerry.*.task.completed", "jerry.x.task.complete",                false },
        { "jerry.*.task.completed", "jerry.x.task.completedx",              false },
        { "jerry.work_tracking.>",  "jerry.work_tracking.task",             true },
        { "jerry.work_tracking.>",  "jerry.work_tracking.a.b.c",            true },
        { "jerry.work_tracking.>",  "jerry.work_tracking",                  false },
        { "jerry.work_tracking.>",  "jerry.work_tracking.",                 true },
        { "jerry.work_tracking.>",  "jerry.work_trackingx.a",               false },
        { "jerry.work_tracking.>",  "jerry",                                false },
        { "*",                      "jerry",                                true },
        { "*",                      "jerry.x",                              false },
        { ">",                      "jerry",                                true },
        { ">",                      "jerry.x.y",                            true },
        { "*.*",                    "a.b",                                  true },
        { "*.*",                    "a.b.c",                                false },
        { "*.>",                    "a",                                    false },
        { "*.>",                    "a.b.c",                                true },
        { "a.*.>",                  "a.b",                                  false },
        { "a.*.>",                  "a.b.c",                                true },
        { "*.x",                    "y.x",                                  true },
        { "*.x",                    "x",                                    false },
        { "jerry.*",                "jerry.",                               true },
        { "jerry.wor*",             "jerry.work",                           false },
        { "jerry.>.x",              "jerry.a.x",                            false },
        { "jerry.*x",               "jerry.*x",                             false },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++)
        if (jb_filter_matches(cases[index].filter, cases[index].type) != cases[index].matches)
            fail_msg("filter \"%s\", type \"%s\": expected %s", cases[index].filter,
                     cases[index].type, cases[index].matches? "a match": "no match");
}

//  --------------------------------------------------------------------------

static void
test_unsubscribe_stops_delivery(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_subscribe(fixture, "jerry.work_tracking.", "jerry.work_tracking.");
    s_subscribe(fixture, "end", "end");
    char type [256];
    s_publish(fixture->xpub, "jerry.work_tracking.task.created");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type),
                        "jerry.work_tracking.task.created");

    jb_error_t error;
    assert_int_equal(jb_subscriber_unsubscribe(fixture->subscriber, "jerry.work_tracking.",
                                               &error), 0);
    s_await_subscription(fixture->xpub, false, "jerry.work_tracking.");
    s_publish(fixture->xpub, "jerry.work_tracking.task.updated");
    s_publish(fixture->xpub, "end");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "end");
    jb_event_t *event = NULL;
    assert_int_equal(jb_subscriber_recv(fixture->subscriber, 0, &event, NULL), JB_ETIMEDOUT);

    assert_int_equal(jb_subscriber_unsubscribe(fixture->subscriber, "jerry.work_tracking.", &error),
                     JB_ENOTFOUND);
    assert_non_null(strstr(error.message, "jerry.work_tracking."));
    assert_int_equal(jb_subscriber_unsubscribe(fixture->subscriber, "never", NULL), JB_ENOTFOUND);
    s_assert_stats(fixture->subscriber, 2, 2, 0, 0);
}

static void
test_an_event_queued_before_unsubscribe_is_not_delivered(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_subscribe(fixture, "jerry.", "jerry.");
    s_subscribe(fixture, "end", "end");
    s_publish(fixture->xpub, "jerry.work_tracking.task.created");
    //  polling makes libzmq take the message in (matched) ahead of recv
    zpoller_t *poller = zpoller_new(jb_subscriber_socket(fixture->subscriber), NULL);
    assert_ptr_equal(zpoller_wait(poller, s_WAIT_MS), jb_subscriber_socket(fixture->subscriber));
    zpoller_destroy(&poller);
    assert_int_equal(jb_subscriber_unsubscribe(fixture->subscriber, "jerry.", NULL), 0);
    s_publish(fixture->xpub, "end");
    char type [256];
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "end");
    s_assert_stats(fixture->subscriber, 2, 1, 1, 0);
}

static void
test_subscribing_twice_needs_two_unsubscribes(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_subscribe(fixture, "end", "end");
    s_subscribe(fixture, "jerry.", "jerry.");
    s_subscribe(fixture, "jerry.", "jerry.");
    //  a pattern shares the ZeroMQ subscription "jerry." and counts there too
    s_subscribe(fixture, "jerry.*.x", "jerry.");

    char type [256];
    assert_int_equal(jb_subscriber_unsubscribe(fixture->subscriber, "jerry.", NULL), 0);
    s_publish(fixture->xpub, "jerry.a");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "jerry.a");

    assert_int_equal(jb_subscriber_unsubscribe(fixture->subscriber, "jerry.", NULL), 0);
    //  "jerry." is still subscribed at ZeroMQ for the pattern: filtered here
    s_publish(fixture->xpub, "jerry.b");
    s_publish(fixture->xpub, "jerry.c.x");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "jerry.c.x");

    assert_int_equal(jb_subscriber_unsubscribe(fixture->subscriber, "jerry.*.x", NULL), 0);
    s_await_subscription(fixture->xpub, false, "jerry.");
    s_publish(fixture->xpub, "jerry.d");
    s_publish(fixture->xpub, "end");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "end");
    assert_int_equal(jb_subscriber_unsubscribe(fixture->subscriber, "jerry.", NULL), JB_ENOTFOUND);
    s_assert_stats(fixture->subscriber, 4, 3, 1, 0);
}

//  --------------------------------------------------------------------------
//  Dispatch

//  A handler that logs its name.
typedef struct {
    const char *name;
    s_log_t *log;
    const char *expected_type;      //  or NULL
} s_named_t;

static void
s_named_handler(const jb_event_t *event, void *arg)
{
    s_named_t *named = (s_named_t *) arg;
    if (named->expected_type)
        assert_string_equal(jb_event_type(event), named->expected_type);
    if (named->log->call_count < s_LOG_MAX)
        named->log->calls[named->log->call_count] = named->name;
    named->log->call_count++;
}

static void
s_assert_calls(s_log_t *log, size_t count, const char *const names [])
{
    assert_int_equal(log->call_count, count);
    for (size_t index = 0; index < count; index++)
        assert_string_equal(log->calls[index], names[index]);
    log->call_count = 0;
}

static void
test_dispatch_calls_every_matching_handler_in_order(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    jb_subscriber_t *subscriber = fixture->subscriber;
    s_log_t *log = &fixture->log;
    s_named_t first = { "first", log, NULL }, pattern = { "pattern", log, NULL },
              billing = { "billing", log, NULL }, second = { "second", log, NULL },
              everything = { "everything", log, NULL };
    assert_int_equal(jb_subscriber_on(subscriber, "jerry.work_tracking.", s_named_handler,
                                      &first, NULL), 0);
    assert_int_equal(jb_subscriber_on(subscriber, "jerry.*.task.completed", s_named_handler,
                                      &pattern, NULL), 0);
    assert_int_equal(jb_subscriber_on(subscriber, "billing.", s_named_handler, &billing, NULL), 0);
    assert_int_equal(jb_subscriber_on(subscriber, "jerry.work_tracking.", s_named_handler,
                                      &second, NULL), 0);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "plain.", NULL), 0);
    s_await_subscription(fixture->xpub, true, "plain.");

    s_publish(fixture->xpub, "jerry.work_tracking.task.completed");
    assert_int_equal(jb_subscriber_dispatch(subscriber, s_WAIT_MS, NULL), 0);
    s_assert_calls(log, 3, (const char *[]) { "first", "pattern", "second" });

    //  through "jerry." with no handler, and "plain." with no handler:
    //  neither is dispatched, both are counted as filtered
    s_publish(fixture->xpub, "jerry.billing.task.created");
    s_publish(fixture->xpub, "plain.x");
    s_publish(fixture->xpub, "billing.invoice.paid");
    assert_int_equal(jb_subscriber_dispatch(subscriber, s_WAIT_MS, NULL), 0);
    s_assert_calls(log, 1, (const char *[]) { "billing" });

    //  a later "" handler comes last, and recv still sees plain subscriptions
    assert_int_equal(jb_subscriber_on(subscriber, "", s_named_handler, &everything, NULL), 0);
    s_await_subscription(fixture->xpub, true, "");
    s_publish(fixture->xpub, "jerry.billing.task.completed");
    assert_int_equal(jb_subscriber_dispatch(subscriber, s_WAIT_MS, NULL), 0);
    s_assert_calls(log, 2, (const char *[]) { "pattern", "everything" });
    s_publish(fixture->xpub, "jerry.work_tracking.x");
    assert_int_equal(jb_subscriber_dispatch(subscriber, s_WAIT_MS, NULL), 0);
    s_assert_calls(log, 3, (const char *[]) { "first", "second", "everything" });

    s_publish(fixture->xpub, "plain.y");
    char type [256];
    assert_string_equal(s_recv_type(subscriber, type, sizeof type), "plain.y");
    assert_int_equal(log->call_count, 0);
    s_assert_stats(subscriber, 7, 5, 2, 0);

    //  unsubscribing takes the handlers off the filter
    assert_int_equal(jb_subscriber_unsubscribe(subscriber, "", NULL), 0);
    assert_int_equal(jb_subscriber_unsubscribe(subscriber, "jerry.work_tracking.", NULL), 0);
    s_publish(fixture->xpub, "jerry.work_tracking.y");
    assert_int_equal(jb_subscriber_dispatch(subscriber, s_WAIT_MS, NULL), 0);
    s_assert_calls(log, 2, (const char *[]) { "first", "second" });
    assert_int_equal(jb_subscriber_unsubscribe(subscriber, "jerry.work_tracking.", NULL), 0);
    s_publish(fixture->xpub, "jerry.work_tracking.task.completed");
    assert_int_equal(jb_subscriber_dispatch(subscriber, s_WAIT_MS, NULL), 0);
    s_assert_calls(log, 1, (const char *[]) { "pattern" });
}

//  A handler that unsubscribes its own filter twice (taking every handler
//  on it away) and registers a new handler on it.
typedef struct {
    jb_subscriber_t *subscriber;
    s_named_t *replacement;
    s_log_t *log;
} s_rewire_t;

static void
s_rewiring_handler(const jb_event_t *event, void *arg)
{
    (void) event;
    s_rewire_t *rewire = (s_rewire_t *) arg;
    rewire->log->calls[rewire->log->call_count++] = "rewiring";
    assert_int_equal(jb_subscriber_unsubscribe(rewire->subscriber, "jerry.", NULL), 0);
    assert_int_equal(jb_subscriber_unsubscribe(rewire->subscriber, "jerry.", NULL), 0);
    assert_int_equal(jb_subscriber_on(rewire->subscriber, "jerry.", s_named_handler,
                                      rewire->replacement, NULL), 0);
    //  and many more, so that the subscriber's tables grow under the dispatch
    char filter [32];
    for (int index = 0; index < 200; index++) {
        snprintf(filter, sizeof filter, "grow.%d", index);
        assert_int_equal(jb_subscriber_on(rewire->subscriber, filter, s_named_handler,
                                          rewire->replacement, NULL), 0);
    }
}

static void
test_a_handler_can_change_subscriptions_during_dispatch(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_log_t *log = &fixture->log;
    s_named_t later = { "later", log, NULL }, replacement = { "replacement", log, NULL };
    s_rewire_t rewire = { fixture->subscriber, &replacement, log };
    assert_int_equal(jb_subscriber_on(fixture->subscriber, "jerry.", s_rewiring_handler,
                                      &rewire, NULL), 0);
    assert_int_equal(jb_subscriber_on(fixture->subscriber, "jerry.", s_named_handler,
                                      &later, NULL), 0);
    s_await_subscription(fixture->xpub, true, "jerry.");
    s_await_subscription(fixture->xpub, true, "jerry.");

    s_publish(fixture->xpub, "jerry.one");
    s_publish(fixture->xpub, "jerry.two");
    //  "later" was removed before its turn; "replacement" came too late
    assert_int_equal(jb_subscriber_dispatch(fixture->subscriber, s_WAIT_MS, NULL), 0);
    s_assert_calls(log, 1, (const char *[]) { "rewiring" });
    assert_int_equal(jb_subscriber_dispatch(fixture->subscriber, s_WAIT_MS, NULL), 0);
    s_assert_calls(log, 1, (const char *[]) { "replacement" });
}

//  --------------------------------------------------------------------------
//  Malformed messages

static void
test_malformed_messages_are_reported_and_skipped(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_log_t *log = &fixture->log;
    jb_subscriber_on_reject(fixture->subscriber, s_record_reject, log);
    s_subscribe(fixture, "jerry.", "jerry.");

    const char *one [] = { "jerry.x" };
    s_send_frames(fixture->xpub, 1, one, NULL);
    const char *five [] = { "jerry.x", "a", "b", "c", "d" };
    s_send_frames(fixture->xpub, 5, five, NULL);
    const char *garbage [] = { "jerry.x", "\x82\xa2id\xc1\xc1" };
    s_send_frames(fixture->xpub, 2, garbage, NULL);
    const char *other_type [] = {
        "jerry.x", JB_STRUCTURED_MEDIA_TYPE,
        "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"jerry.y\"}"
    };
    s_send_frames(fixture->xpub, 3, other_type, NULL);
    const char *bad_json [] = { "jerry.x", JB_STRUCTURED_MEDIA_TYPE, "{\"specversion\":\"1.0\"," };
    s_send_frames(fixture->xpub, 3, bad_json, NULL);
    const char *invalid [] = {
        "jerry.x", JB_STRUCTURED_MEDIA_TYPE, "{\"specversion\":\"1.0\",\"type\":\"jerry.x\"}"
    };
    s_send_frames(fixture->xpub, 3, invalid, NULL);
    s_publish(fixture->xpub, "jerry.valid");

    char type [256];
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "jerry.valid");
    assert_int_equal(log->reject_count, 6);
    static const int codes [] = {
        JB_EFRAME, JB_EFRAME, JB_EPARSE, JB_EFRAME, JB_EPARSE, JB_EINVALID
    };
    static const size_t frames [] = { 1, 4, 2, 3, 3, 3 };
    for (size_t index = 0; index < 6; index++) {
        assert_int_equal(log->reject_codes[index], codes[index]);
        assert_int_equal(log->reject_frames[index], frames[index]);
        assert_true(strlen(log->reject_messages[index]) > 0);
    }
    assert_non_null(strstr(log->reject_messages[0], "has 1"));
    assert_non_null(strstr(log->reject_messages[1], "has 5"));
    assert_non_null(strstr(log->reject_messages[3], "topic"));
    s_assert_stats(fixture->subscriber, 7, 1, 0, 6);

    //  dispatch skips them the same way
    s_named_t handler = { "handler", log, "jerry.after" };
    assert_int_equal(jb_subscriber_on(fixture->subscriber, "jerry.after", s_named_handler,
                                      &handler, NULL), 0);
    s_await_subscription(fixture->xpub, true, "jerry.after");
    s_send_frames(fixture->xpub, 1, one, NULL);
    s_publish(fixture->xpub, "jerry.after");
    assert_int_equal(jb_subscriber_dispatch(fixture->subscriber, s_WAIT_MS, NULL), 0);
    assert_int_equal(log->call_count, 1);
    assert_int_equal(log->reject_count, 7);

    //  without a callback they are still counted
    jb_subscriber_on_reject(fixture->subscriber, NULL, NULL);
    s_send_frames(fixture->xpub, 1, one, NULL);
    s_publish(fixture->xpub, "jerry.last");
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "jerry.last");
    assert_int_equal(log->reject_count, 7);
    s_assert_stats(fixture->subscriber, 11, 3, 0, 8);
}

static void
test_the_subscriber_survives_anything_a_peer_sends(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_log_t *log = &fixture->log;
    jb_subscriber_on_reject(fixture->subscriber, s_record_reject, log);
    s_subscribe(fixture, "", "");
    size_t sent = 0;

    //  an empty message: one empty frame
    const char *empty [] = { "" };
    s_send_frames(fixture->xpub, 1, empty, NULL);
    sent++;
    //  1,000 frames
    const char *many [1000];
    for (size_t index = 0; index < 1000; index++)
        many[index] = index == 0? "jerry.x": "\x80";
    s_send_frames(fixture->xpub, 1000, many, NULL);
    sent++;
    //  8 MB frames: msgpack, JSON nested deeper than anyone parses, NULs
    size_t big_size = 8 * 1024 * 1024;
    char *big = (char *) malloc(big_size);
    assert_non_null(big);
    memset(big, 0xdc, big_size);            //  msgpack map32 with a huge count
    const char *big_binary [] = { "jerry.x", big };
    size_t big_binary_sizes [] = { 7, big_size };
    s_send_frames(fixture->xpub, 2, big_binary, big_binary_sizes);
    sent++;
    memset(big, '[', big_size);
    const char *big_json [] = { "jerry.x", JB_STRUCTURED_MEDIA_TYPE, big };
    size_t big_json_sizes [] = { 7, strlen(JB_STRUCTURED_MEDIA_TYPE), big_size };
    s_send_frames(fixture->xpub, 3, big_json, big_json_sizes);
    sent++;
    memset(big, 0, big_size);
    const char *zeros [] = { big, big, big };
    size_t zeros_sizes [] = { big_size, big_size, big_size };
    s_send_frames(fixture->xpub, 3, zeros, zeros_sizes);
    sent++;
    free(big);
    //  empty frames, a topic with a NUL, a media type with a NUL, a map
    //  whose type frame is not text, every short msgpack prefix
    const char *empties [] = { "", "" };
    s_send_frames(fixture->xpub, 2, empties, NULL);
    sent++;
    const char *nul_topic [] = { "jerry\0x", "\x81\xa2id\xa1" "1" };
    size_t nul_topic_sizes [] = { 7, 5 };
    s_send_frames(fixture->xpub, 2, nul_topic, nul_topic_sizes);
    sent++;
    const char *nul_media [] = { "jerry.x", "application/cloudevents+json\0x", "{}" };
    size_t nul_media_sizes [] = { 7, 30, 2 };
    s_send_frames(fixture->xpub, 3, nul_media, nul_media_sizes);
    sent++;
    const char *other_media [] = { "jerry.x", "application/cloudevents-batch+json", "[]" };
    s_send_frames(fixture->xpub, 3, other_media, NULL);
    sent++;
    const char *huge_counts [] = { "jerry.x", "\xdf\xff\xff\xff\xff" };
    s_send_frames(fixture->xpub, 2, huge_counts, NULL);
    sent++;
    const char *huge_array [] = { "jerry.x", "\x81\xa2id\xdd\xff\xff\xff\xff" };
    s_send_frames(fixture->xpub, 2, huge_array, NULL);
    sent++;
    const char *invalid_utf8 [] = { "jerry.\xff", "\x80" };
    s_send_frames(fixture->xpub, 2, invalid_utf8, NULL);
    sent++;
    jb_event_t *event = jb_event_new("jerry.x", "/s");
    jb_message_t *message = jb_message_new();
    assert_int_equal(jb_message_encode(message, event, JB_MODE_BINARY, NULL), 0);
    jb_frame_t topic = jb_message_frame(message, 0), map = jb_message_frame(message, 1);
    for (size_t cut = 0; cut < map.size; cut++) {
        const char *truncated [] = { (const char *) topic.data, (const char *) map.data };
        size_t truncated_sizes [] = { topic.size, cut };
        s_send_frames(fixture->xpub, 2, truncated, truncated_sizes);
        sent++;
    }
    jb_message_destroy(&message);
    jb_event_destroy(&event);
    s_publish(fixture->xpub, "jerry.still.alive");

    char type [256];
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type), "jerry.still.alive");
    assert_int_equal(log->reject_count, sent);
    size_t reported = sent < s_LOG_MAX? sent: s_LOG_MAX;
    for (size_t index = 0; index < reported; index++)
        assert_true(strlen(log->reject_messages[index]) > 0);
    assert_non_null(strstr(log->reject_messages[1], "has 1000"));
    s_assert_stats(fixture->subscriber, sent + 1, 1, 0, sent);
}

//  --------------------------------------------------------------------------

static void
test_binary_and_structured_events_are_both_received(void **state)
{
    (void) state;
    static const jb_extension_def_t known [] = { { "exturi", JB_TYPE_URI }, { NULL, 0 } };
    char *endpoint;
    zsock_t *xpub = s_xpub_new(&endpoint);
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.known = known;
    jb_subscriber_t *subscriber = s_subscriber_new(endpoint, &options);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "jerry.", NULL), 0);
    s_await_subscription(xpub, true, "jerry.");

    jb_event_t *sent = jb_event_new("jerry.work_tracking.task.completed", "/jerry/work-tracking");
    jb_event_set_subject(sent, "WORK-001");
    jb_event_set_data_json(sent, "{\"task_id\":\"WORK-001\",\"hours\":2.5}", SIZE_MAX, NULL);
    jb_value_t value = jb_value_uri("https://jerry.example/tasks/1");
    assert_int_equal(jb_event_set_extension(sent, "exturi", &value, NULL), 0);
    value = jb_value_integer(42);
    assert_int_equal(jb_event_set_extension(sent, "extinteger", &value, NULL), 0);

    s_send_event(xpub, sent, JB_MODE_BINARY);
    s_send_event(xpub, sent, JB_MODE_STRUCTURED);
    for (int mode = 0; mode < 2; mode++) {
        jb_event_t *event = NULL;
        jb_error_t error;
        if (jb_subscriber_recv(subscriber, s_WAIT_MS, &event, &error))
            fail_msg("recv: %s", error.message);
        //  the URI extension comes back a URI in structured mode thanks to known
        assert_true(jb_event_equal(event, sent));
        jb_event_destroy(&event);
    }
    s_assert_stats(subscriber, 2, 2, 0, 0);
    jb_event_destroy(&sent);
    jb_subscriber_destroy(&subscriber);
    zsock_destroy(&xpub);
    zstr_free(&endpoint);
}

//  --------------------------------------------------------------------------

//  The next event that is not a probe, within s_WAIT_MS.
static void
s_assert_next_real_type(jb_subscriber_t *subscriber, const char *expected)
{
    char type [256];
    do
        s_recv_type(subscriber, type, sizeof type);
    while (strcmp(type, "probe") == 0);
    assert_string_equal(type, expected);
}

static void
test_a_bound_subscriber_receives_from_a_connecting_publisher(void **state)
{
    (void) state;
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.bind = true;
    jb_subscriber_t *subscriber = s_subscriber_new("tcp://127.0.0.1:*", &options);
    const char *endpoint = jb_subscriber_endpoint(subscriber);
    assert_true(strncmp(endpoint, "tcp://127.0.0.1:", 16) == 0);
    assert_null(strchr(endpoint, '*'));
    assert_true(atoi(endpoint + 16) > 0);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "probe", NULL), 0);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "jerry.", NULL), 0);

    //  a plain PUB cannot tell when the subscriptions are there: probe
    zsock_t *pub = zsock_new(ZMQ_PUB);
    assert_non_null(pub);
    assert_int_equal(zsock_connect(pub, "%s", endpoint), 0);
    int64_t deadline = zclock_mono() + s_WAIT_MS;
    bool joined = false;
    while (!joined && zclock_mono() < deadline) {
        s_publish(pub, "probe");
        jb_event_t *event = NULL;
        joined = jb_subscriber_recv(subscriber, 20, &event, NULL) == 0;
        jb_event_destroy(&event);
    }
    assert_true(joined);
    s_publish(pub, "other.x");
    s_publish(pub, "jerry.x");
    s_assert_next_real_type(subscriber, "jerry.x");
    zsock_destroy(&pub);
    jb_subscriber_destroy(&subscriber);
}

static void
test_a_bound_inproc_subscriber_receives_from_a_connecting_xpub(void **state)
{
    (void) state;
    char endpoint [64];
    snprintf(endpoint, sizeof endpoint, "inproc://test-subscriber-%d", (int) getpid());
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.bind = true;
    options.rcvhwm = 0;
    jb_subscriber_t *subscriber = s_subscriber_new(endpoint, &options);
    assert_string_equal(jb_subscriber_endpoint(subscriber), endpoint);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "jerry.*.x", NULL), 0);

    zsock_t *xpub = zsock_new(ZMQ_XPUB);
    assert_non_null(xpub);
    assert_int_equal(zsock_connect(xpub, "%s", endpoint), 0);
    //  a socket bound on inproc takes in a connection, and so sends its
    //  subscriptions, only when it is used: receive while waiting
    int64_t deadline = zclock_mono() + s_WAIT_MS;
    bool subscribed = false;
    zsock_set_rcvtimeo(xpub, 10);
    while (!subscribed && zclock_mono() < deadline) {
        jb_event_t *event = NULL;
        assert_int_equal(jb_subscriber_recv(subscriber, 0, &event, NULL), JB_ETIMEDOUT);
        zframe_t *frame = zframe_recv(xpub);
        subscribed = frame && zframe_streq(frame, "\001jerry.");
        zframe_destroy(&frame);
    }
    assert_true(subscribed);
    s_publish(xpub, "jerry.a.y");
    s_publish(xpub, "jerry.a.x");
    char type [256];
    assert_string_equal(s_recv_type(subscriber, type, sizeof type), "jerry.a.x");
    s_assert_stats(subscriber, 2, 1, 1, 0);
    zsock_destroy(&xpub);
    jb_subscriber_destroy(&subscriber);
}

//  --------------------------------------------------------------------------

static void
test_the_socket_works_with_zpoller_and_the_fd_with_poll(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_subscribe(fixture, "jerry.", "jerry.");
    void *socket = jb_subscriber_socket(fixture->subscriber);
    assert_true(zsock_is(socket));

    zpoller_t *poller = zpoller_new(socket, NULL);
    assert_non_null(poller);
    s_publish(fixture->xpub, "jerry.polled");
    assert_ptr_equal(zpoller_wait(poller, s_WAIT_MS), socket);
    jb_event_t *event = NULL;
    assert_int_equal(jb_subscriber_recv(fixture->subscriber, 0, &event, NULL), 0);
    assert_string_equal(jb_event_type(event), "jerry.polled");
    jb_event_destroy(&event);
    assert_int_equal(jb_subscriber_recv(fixture->subscriber, 0, &event, NULL), JB_ETIMEDOUT);
    zpoller_destroy(&poller);

    //  the fd is edge-triggered: drain with timeout 0 until JB_ETIMEDOUT,
    //  then poll
    int fd = jb_subscriber_fd(fixture->subscriber);
    assert_true(fd >= 0);
    s_publish(fixture->xpub, "jerry.one");
    s_publish(fixture->xpub, "jerry.two");
    size_t received = 0;
    int64_t deadline = zclock_mono() + s_WAIT_MS;
    while (received < 2 && zclock_mono() < deadline) {
        int rc;
        while ((rc = jb_subscriber_recv(fixture->subscriber, 0, &event, NULL)) == 0) {
            received++;
            jb_event_destroy(&event);
        }
        assert_int_equal(rc, JB_ETIMEDOUT);
        if (received < 2) {
            struct pollfd item = { fd, POLLIN, 0 };
            assert_true(poll(&item, 1, (int) (deadline - zclock_mono())) >= 0);
        }
    }
    assert_int_equal(received, 2);
}

//  --------------------------------------------------------------------------

#define s_PREFIXES 10000

static void
s_count_handler(const jb_event_t *event, void *arg)
{
    (void) event;
    (*(unsigned *) arg)++;
}

static unsigned
s_sum(const unsigned *counts)
{
    unsigned sum = 0;
    for (size_t index = 0; index < s_PREFIXES; index++)
        sum += counts[index];
    return sum;
}

static void
test_ten_thousand_prefix_filters_match_correctly(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    jb_subscriber_t *subscriber = fixture->subscriber;
    unsigned *counts = (unsigned *) calloc(s_PREFIXES, sizeof(unsigned));
    assert_non_null(counts);
    char filter [64];
    for (unsigned index = 0; index < s_PREFIXES; index++) {
        snprintf(filter, sizeof filter, "p%u.", index);
        assert_int_equal(jb_subscriber_on(subscriber, filter, s_count_handler, &counts[index],
                                          NULL), 0);
    }
    //  a short plain prefix over many of them, and a pattern, so that every
    //  event is matched here rather than trusted to ZeroMQ
    assert_int_equal(jb_subscriber_subscribe(subscriber, "p1", NULL), 0);
    s_subscribe(fixture, "q.*.z", "q.");

    int64_t start = zclock_mono();
    size_t events = 0;
    char type [64];
    for (unsigned index = 0; index < s_PREFIXES; index += 7) {
        snprintf(type, sizeof type, "p%u.event", index);
        s_publish(fixture->xpub, type);
        assert_int_equal(jb_subscriber_dispatch(subscriber, s_WAIT_MS, NULL), 0);
        assert_int_equal(counts[index], 1);
        events++;
    }
    assert_int_equal(s_sum(counts), events);

    //  recv: a type through the pattern's prefix that matches nothing is
    //  filtered; "p1x" matches only the plain "p1"
    s_publish(fixture->xpub, "q.a.y");
    s_publish(fixture->xpub, "p1x");
    char received [64];
    assert_string_equal(s_recv_type(subscriber, received, sizeof received), "p1x");

    //  take half the filters away, then check both halves again
    for (unsigned index = 0; index < s_PREFIXES; index += 2) {
        snprintf(filter, sizeof filter, "p%u.", index);
        assert_int_equal(jb_subscriber_unsubscribe(subscriber, filter, NULL), 0);
    }
    memset(counts, 0, s_PREFIXES * sizeof(unsigned));
    for (unsigned index = 0; index < s_PREFIXES; index += 5) {
        snprintf(type, sizeof type, "p%u.again", index);
        s_publish(fixture->xpub, type);
    }
    s_publish(fixture->xpub, "q.a.z");
    while (true) {
        jb_event_t *event = NULL;
        if (jb_subscriber_recv(subscriber, s_WAIT_MS, &event, NULL))
            fail_msg("q.a.z never arrived");
        bool last = strcmp(jb_event_type(event), "q.a.z") == 0;
        //  recv calls no handler; what it returns must match a filter
        unsigned number = (unsigned) atoi(jb_event_type(event) + 1);
        if (!last)
            assert_true(number % 2 == 1 || jb_event_type(event)[1] == '1');
        jb_event_destroy(&event);
        if (last)
            break;
    }
    assert_int_equal(s_sum(counts), 0);
    for (unsigned index = 0; index < s_PREFIXES; index += 5) {
        snprintf(type, sizeof type, "p%u.dispatched", index);
        s_publish(fixture->xpub, type);
    }
    s_publish(fixture->xpub, "p9999.end");
    while (counts[9999] == 0)
        assert_int_equal(jb_subscriber_dispatch(subscriber, s_WAIT_MS, NULL), 0);
    for (unsigned index = 0; index < s_PREFIXES; index++)
        assert_int_equal(counts[index], index % 2 == 1 && (index % 5 == 0 || index == 9999));
    print_message("10,000 prefix filters: %zu events matched in %d ms\n", events,
                  (int) (zclock_mono() - start));
    free(counts);
}

//  --------------------------------------------------------------------------

//  --------------------------------------------------------------------------
//  Loss detection: events stamped as a jbus publisher stamps them.

typedef struct {
    uint32_t gaps;
    uint32_t missed;
    char publisher [32];
} s_gap_log_t;

static void
s_record_gap(const char *publisher, const char *type, uint32_t count, void *arg)
{
    s_gap_log_t *log = (s_gap_log_t *) arg;
    assert_string_equal(type, "jerry.work_tracking.task.created");
    log->gaps++;
    log->missed += count;
    snprintf(log->publisher, sizeof log->publisher, "%s", publisher);
}

static void
s_send_stamped(zsock_t *socket, const char *publisher, int32_t sequence)
{
    jb_event_t *event = jb_event_new("jerry.work_tracking.task.created", "/jerry/test");
    jb_value_t value = jb_value_string(publisher);
    assert_int_equal(jb_event_set_extension(event, "jbuspub", &value, NULL), 0);
    value = jb_value_integer(sequence);
    assert_int_equal(jb_event_set_extension(event, "jbusseq", &value, NULL), 0);
    s_send_event(socket, event, JB_MODE_BINARY);
    jb_event_destroy(&event);
}

static void
test_gaps_in_sequence_numbers_are_reported_once_each(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_gap_log_t log = { 0, 0, "" };
    jb_subscriber_on_gap(fixture->subscriber, s_record_gap, &log);
    s_subscribe(fixture, "jerry.work_tracking.", "jerry.work_tracking.");
    //  publisher A: 1 2 5 (3 and 4 missed) 4 (late: no gap) 6;
    //  publisher B starts at 7 (joining mid-stream is no gap), then 8;
    //  C wraps from INT32_MAX - 1 to 1 with INT32_MAX missed; D jumps by
    //  2^30, 2^30 - 1 missed, the largest gap the binding counts (4.1), and
    //  E by 2^30 + 1, which is a late event
    struct { const char *publisher; int32_t sequence; } sent [] = {
        { "aaaaaaaaaaaaaaaa", 1 }, { "aaaaaaaaaaaaaaaa", 2 }, { "aaaaaaaaaaaaaaaa", 5 },
        { "aaaaaaaaaaaaaaaa", 4 }, { "aaaaaaaaaaaaaaaa", 6 },
        { "bbbbbbbbbbbbbbbb", 7 }, { "bbbbbbbbbbbbbbbb", 8 },
        { "cccccccccccccccc", INT32_MAX - 1 }, { "cccccccccccccccc", 1 },
        { "dddddddddddddddd", 1 }, { "dddddddddddddddd", (1 << 30) + 1 },
        { "eeeeeeeeeeeeeeee", 1 }, { "eeeeeeeeeeeeeeee", (1 << 30) + 2 },
    };
    size_t count = sizeof sent / sizeof sent[0];
    for (size_t index = 0; index < count; index++)
        s_send_stamped(fixture->xpub, sent[index].publisher, sent[index].sequence);
    for (size_t index = 0; index < count; index++) {
        jb_event_t *event = NULL;
        assert_int_equal(jb_subscriber_recv(fixture->subscriber, 5000, &event, NULL), 0);
        //  the stamp is transport: the application gets the event without it
        assert_null(jb_event_extension(event, "jbuspub"));
        assert_null(jb_event_extension(event, "jbusseq"));
        jb_event_destroy(&event);
    }
    //  3 and 4 of A, INT32_MAX of C, 2^30 - 1 of D
    assert_int_equal(log.gaps, 3);
    assert_int_equal(log.missed, 3 + (1 << 30) - 1);
    assert_string_equal(log.publisher, "dddddddddddddddd");
    jb_subscriber_stats_t stats;
    jb_subscriber_stats(fixture->subscriber, &stats);
    assert_int_equal(stats.gaps, 3);
    assert_int_equal(stats.missed, 3 + (1 << 30) - 1);
}

//  --------------------------------------------------------------------------
//  The subscriber's own bounds on a message (issue 10, item 1): more
//  bytes than max_message_bytes, all frames together, or more frames than
//  the binding has, is rejected undecoded, and the next event comes.
static void
test_a_message_past_the_subscribers_bounds_is_rejected_undecoded(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    jb_subscriber_destroy(&fixture->subscriber);
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.max_message_bytes = 1000;
    fixture->subscriber = s_subscriber_new(fixture->endpoint, &options);
    jb_subscriber_on_reject(fixture->subscriber, s_record_reject, &fixture->log);
    s_subscribe(fixture, "jerry.work_tracking.", "jerry.work_tracking.");
    //  a valid event of 1,200 bytes; one of 5 frames; then a small event
    jb_event_t *big = jb_event_new("jerry.work_tracking.task.created", "/jerry/test");
    char data [1200];
    memset(data, 'x', sizeof data);
    data[0] = '"';
    data[sizeof data - 1] = '"';
    assert_int_equal(jb_event_set_data_json(big, data, sizeof data, NULL), 0);
    s_send_event(fixture->xpub, big, JB_MODE_BINARY);
    jb_event_destroy(&big);
    const char *five [] = { "jerry.work_tracking.x", "a", "b", "c", "d" };
    s_send_frames(fixture->xpub, 5, five, NULL);
    s_publish(fixture->xpub, "jerry.work_tracking.task.done");
    char type [64];
    assert_string_equal(s_recv_type(fixture->subscriber, type, sizeof type),
                        "jerry.work_tracking.task.done");
    assert_int_equal(fixture->log.reject_count, 2);
    assert_non_null(strstr(fixture->log.reject_messages[0], "more than max_message_bytes (1000)"));
    assert_non_null(strstr(fixture->log.reject_messages[1], "too many frames"));
    jb_subscriber_stats_t stats;
    jb_subscriber_stats(fixture->subscriber, &stats);
    assert_int_equal(stats.rejected, 2);
}

//  A stamp that no jbus publisher writes (a jbuspub that is not a String,
//  a jbusseq below 1) counts no gap, and the event still comes without
//  either attribute, in both modes; a stamp attribute twice is a reject.
static void
test_odd_stamps_are_taken_off_and_count_no_gap(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_gap_log_t log = { 0, 0, "" };
    jb_subscriber_on_gap(fixture->subscriber, s_record_gap, &log);
    jb_subscriber_on_reject(fixture->subscriber, s_record_reject, &fixture->log);
    s_subscribe(fixture, "jerry.work_tracking.", "jerry.work_tracking.");
    jb_mode_t modes [] = { JB_MODE_BINARY, JB_MODE_STRUCTURED };
    for (size_t mode = 0; mode < 2; mode++)
        for (int32_t sequence = 0; sequence < 3; sequence++) {
            jb_event_t *event = jb_event_new("jerry.work_tracking.task.created", "/jerry/test");
            jb_value_t value = jb_value_integer(42);        //  not a String
            assert_int_equal(jb_event_set_extension(event, "jbuspub", &value, NULL), 0);
            value = jb_value_integer(sequence * 5);
            assert_int_equal(jb_event_set_extension(event, "jbusseq", &value, NULL), 0);
            value = jb_value_string("kept");
            assert_int_equal(jb_event_set_extension(event, "other", &value, NULL), 0);
            s_send_event(fixture->xpub, event, modes[mode]);
            jb_event_destroy(&event);
        }
    const char *duplicate =
        "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
        "\"type\":\"jerry.work_tracking.x\",\"jbuspub\":\"a\",\"jbuspub\":\"b\"}";
    const char *frames [] = { "jerry.work_tracking.x", JB_STRUCTURED_MEDIA_TYPE, duplicate };
    s_send_frames(fixture->xpub, 3, frames, NULL);
    for (size_t index = 0; index < 6; index++) {
        jb_event_t *event = NULL;
        assert_int_equal(jb_subscriber_recv(fixture->subscriber, s_WAIT_MS, &event, NULL), 0);
        assert_null(jb_event_extension(event, "jbuspub"));
        assert_null(jb_event_extension(event, "jbusseq"));
        assert_string_equal(jb_event_extension(event, "other")->as.string, "kept");
        jb_event_destroy(&event);
    }
    jb_event_t *event = NULL;
    assert_int_equal(jb_subscriber_recv(fixture->subscriber, 100, &event, NULL), JB_ETIMEDOUT);
    assert_int_equal(fixture->log.reject_count, 1);
    assert_non_null(strstr(fixture->log.reject_messages[0], "more than once"));
    assert_int_equal(log.gaps, 0);
    s_assert_stats(fixture->subscriber, 7, 6, 0, 1);
}

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_receive_an_event_example),
        cmocka_unit_test_setup_teardown(test_recv_times_out_after_about_the_timeout,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_a_signal_ends_recv_and_dispatch_with_eintr,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_messages_skipped_do_not_extend_the_wait,
                                        s_setup, s_teardown),
        cmocka_unit_test(test_new_rejects_bad_endpoints_and_options),
        cmocka_unit_test_setup_teardown(test_prefix_filters_deliver_exactly_the_matching_types,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_patterns_deliver_exactly_the_matching_types,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_patterns_are_rejected,
                                        s_setup, s_teardown),
        cmocka_unit_test(test_filter_matches_follows_the_rules),
        cmocka_unit_test_setup_teardown(test_unsubscribe_stops_delivery, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_gaps_in_sequence_numbers_are_reported_once_each,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_message_past_the_subscribers_bounds_is_rejected_undecoded, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(test_odd_stamps_are_taken_off_and_count_no_gap,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_an_event_queued_before_unsubscribe_is_not_delivered,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_subscribing_twice_needs_two_unsubscribes,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_dispatch_calls_every_matching_handler_in_order,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_a_handler_can_change_subscriptions_during_dispatch,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_messages_are_reported_and_skipped,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_the_subscriber_survives_anything_a_peer_sends,
                                        s_setup, s_teardown),
        cmocka_unit_test(test_binary_and_structured_events_are_both_received),
        cmocka_unit_test(test_a_bound_subscriber_receives_from_a_connecting_publisher),
        cmocka_unit_test(test_a_bound_inproc_subscriber_receives_from_a_connecting_xpub),
        cmocka_unit_test_setup_teardown(test_the_socket_works_with_zpoller_and_the_fd_with_poll,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_ten_thousand_prefix_filters_match_correctly,
                                        s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
