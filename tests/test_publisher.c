/*  =========================================================================
    test_publisher.c - publishing events, checked with raw ZeroMQ subscribers
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include "testutil.h"
#include "testalarm.h"
#include <czmq.h>

//  A raw SUB socket connected to the publisher, subscribed to prefix.
static zsock_t *
s_raw_subscriber(const char *endpoint, const char *prefix)
{
    zsock_t *subscriber = zsock_new(ZMQ_SUB);
    assert_non_null(subscriber);
    zsock_set_rcvhwm(subscriber, 0);
    zsock_set_subscribe(subscriber, prefix);
    assert_int_equal(zsock_connect(subscriber, "%s", endpoint), 0);
    return subscriber;
}

//  Receive one message within timeout_ms and decode it; NULL on timeout.
static jb_event_t *
s_receive(zsock_t *subscriber, int timeout_ms, size_t *frame_count_p)
{
    zsock_set_rcvtimeo(subscriber, timeout_ms);
    zmsg_t *message = zmsg_recv(subscriber);
    if (!message)
        return NULL;
    jb_frame_t frames [8];
    size_t count = 0;
    for (zframe_t *frame = zmsg_first(message); frame && count < 8; frame = zmsg_next(message)) {
        frames[count].data = zframe_data(frame);
        frames[count].size = zframe_size(frame);
        count++;
    }
    if (frame_count_p)
        *frame_count_p = count;
    jb_event_t *event = NULL;
    jb_error_t error;
    if (jb_message_decode(frames, count, NULL, &event, &error))
        fail_msg("received a message that does not decode: %s", error.message);
    zmsg_destroy(&message);
    testutil_take_stamp(event);
    return event;
}

static jb_publisher_t *
s_bound_publisher(jb_mode_t mode)
{
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.bind = true;
    options.mode = mode;
    jb_error_t error;
    jb_publisher_t *publisher = jb_publisher_new("tcp://127.0.0.1:*", &options, &error);
    if (!publisher)
        fail_msg("publisher: %s", error.message);
    return publisher;
}

static jb_event_t *
s_event(const char *type, const char *id)
{
    jb_event_t *event = jb_event_new(type, "/jerry/work-tracking");
    jb_event_set_id(event, id);
    return event;
}

//  --------------------------------------------------------------------------

static void
test_publish_an_event_example(void **state)
{
    (void) state;
    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_BINARY);
    zsock_t *subscriber = s_raw_subscriber(jb_publisher_endpoint(publisher), "jerry.work_tracking.");
    //  the subscription reaches the publisher: no event is lost to a slow join
    assert_int_equal(jb_publisher_wait_ready(publisher, 5000, NULL), 0);

    jb_event_t *event = s_event("jerry.work_tracking.task.created", "1");
    jb_event_set_data_json(event, "{\"task_id\":\"WORK-001\"}", SIZE_MAX, NULL);
    jb_error_t error;
    assert_int_equal(jb_publisher_publish(publisher, event, &error), 0);

    size_t frames;
    jb_event_t *received = s_receive(subscriber, 5000, &frames);
    assert_non_null(received);
    assert_int_equal(frames, 2);
    assert_true(jb_event_equal(event, received));
    jb_event_destroy(&received);
    jb_event_destroy(&event);
    zsock_destroy(&subscriber);
    jb_publisher_destroy(&publisher);
    jb_publisher_destroy(&publisher);
}

static void
test_structured_publisher_sends_the_json_event_format(void **state)
{
    (void) state;
    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_STRUCTURED);
    zsock_t *subscriber = s_raw_subscriber(jb_publisher_endpoint(publisher), "");
    assert_int_equal(jb_publisher_wait_ready(publisher, 5000, NULL), 0);
    jb_event_t *event = s_event("jerry.work_tracking.task.created", "1");
    assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
    zsock_set_rcvtimeo(subscriber, 5000);
    char *topic = NULL, *media_type = NULL, *json = NULL;
    assert_int_equal(zsock_recv(subscriber, "sss", &topic, &media_type, &json), 0);
    assert_string_equal(topic, "jerry.work_tracking.task.created");
    assert_string_equal(media_type, "application/cloudevents+json");
    jb_event_t *decoded = NULL;
    assert_int_equal(jb_json_decode(json, strlen(json), NULL, &decoded, NULL), 0);
    assert_int_equal(testutil_take_stamp(decoded), 1);
    assert_true(jb_event_equal(event, decoded));
    zstr_free(&topic);
    zstr_free(&media_type);
    zstr_free(&json);
    jb_event_destroy(&decoded);
    jb_event_destroy(&event);
    zsock_destroy(&subscriber);
    jb_publisher_destroy(&publisher);
}

static void
test_wait_ready_times_out_without_subscribers(void **state)
{
    (void) state;
    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_BINARY);
    int64_t start = zclock_mono();
    jb_error_t error;
    assert_int_equal(jb_publisher_wait_ready(publisher, 200, &error), JB_ETIMEDOUT);
    int64_t elapsed = zclock_mono() - start;
    assert_true(elapsed >= 190 && elapsed < 3000);
    assert_non_null(strstr(error.message, "no subscriber"));
    assert_int_equal(jb_publisher_subscription_count(publisher), 0);
    jb_publisher_destroy(&publisher);
}

//  A signal ends the wait (the caller may be stopping on Ctrl-C), and says
//  so: neither a timeout nor a socket failure.
static void
test_a_signal_ends_wait_for_with_eintr(void **state)
{
    (void) state;
    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_BINARY);
    jb_error_t error;
    int64_t start = zclock_mono();
    testutil_alarm_in(100);
    int rc = jb_publisher_wait_for(publisher, "jerry.work_tracking.", 10000, &error);
    testutil_alarm_in(0);
    assert_int_equal(rc, JB_EINTR);
    assert_int_equal(error.code, JB_EINTR);
    assert_non_null(strstr(error.message, "signal"));
    assert_true(zclock_mono() - start < 5000);
    jb_publisher_destroy(&publisher);
}

static void
test_wait_for_a_type_ignores_other_subscriptions(void **state)
{
    (void) state;
    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_BINARY);
    zsock_t *other = s_raw_subscriber(jb_publisher_endpoint(publisher), "jerry.session_management.");
    assert_int_equal(jb_publisher_wait_ready(publisher, 5000, NULL), 0);
    jb_error_t error;
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.work_tracking.task.created", 100,
                                           &error), JB_ETIMEDOUT);
    assert_non_null(strstr(error.message, "jerry.work_tracking.task.created"));
    zsock_t *matching = s_raw_subscriber(jb_publisher_endpoint(publisher), "jerry.work_tracking.");
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.work_tracking.task.created", 5000,
                                           NULL), 0);
    zsock_destroy(&matching);
    zsock_destroy(&other);
    jb_publisher_destroy(&publisher);
}

static void
test_subscriptions_are_tracked_as_they_come_and_go(void **state)
{
    (void) state;
    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_BINARY);
    zsock_t *subscriber = s_raw_subscriber(jb_publisher_endpoint(publisher), "jerry.a.");
    zsock_set_subscribe(subscriber, "jerry.b.");
    int64_t deadline = zclock_mono() + 5000;
    while (jb_publisher_subscription_count(publisher) < 2 && zclock_mono() < deadline)
        jb_publisher_wait_ready(publisher, 50, NULL);
    assert_int_equal(jb_publisher_subscription_count(publisher), 2);
    zsock_set_unsubscribe(subscriber, "jerry.a.");
    while (jb_publisher_subscription_count(publisher) > 1 && zclock_mono() < deadline) {
        zmq_pollitem_t item = { zsock_resolve(subscriber), 0, ZMQ_POLLIN, 0 };
        zmq_poll(&item, 1, 20);                 //  a bounded pause between checks
    }
    assert_int_equal(jb_publisher_subscription_count(publisher), 1);
    zsock_destroy(&subscriber);
    jb_publisher_destroy(&publisher);
}

//  An invalid event is refused and nothing goes out: the next message the
//  subscriber sees is the valid marker sent after it.
static void
test_invalid_event_is_refused_and_not_sent(void **state)
{
    (void) state;
    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_BINARY);
    zsock_t *subscriber = s_raw_subscriber(jb_publisher_endpoint(publisher), "");
    assert_int_equal(jb_publisher_wait_ready(publisher, 5000, NULL), 0);
    jb_event_t *invalid = s_event("jerry.work_tracking.task.created", "bad");
    jb_event_set_source(invalid, "not a uri");
    jb_error_t error;
    assert_int_equal(jb_publisher_publish(publisher, invalid, &error), JB_EINVALID);
    assert_string_equal(error.attribute, "source");
    jb_event_t *marker = s_event("jerry.work_tracking.task.created", "marker");
    assert_int_equal(jb_publisher_publish(publisher, marker, NULL), 0);
    jb_event_t *received = s_receive(subscriber, 5000, NULL);
    assert_non_null(received);
    assert_string_equal(jb_event_id(received), "marker");
    jb_publisher_stats_t stats;
    jb_publisher_stats(publisher, &stats);
    assert_int_equal(stats.events, 1);
    assert_int_equal(stats.rejected, 1);
    assert_true(stats.bytes > 0);
    jb_event_destroy(&received);
    jb_event_destroy(&marker);
    jb_event_destroy(&invalid);
    zsock_destroy(&subscriber);
    jb_publisher_destroy(&publisher);
}

static void
test_batch_is_sent_in_order_or_not_at_all(void **state)
{
    (void) state;
    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_BINARY);
    zsock_t *subscriber = s_raw_subscriber(jb_publisher_endpoint(publisher), "");
    assert_int_equal(jb_publisher_wait_ready(publisher, 5000, NULL), 0);

    jb_batch_t *bad = jb_batch_new();
    for (int index = 0; index < 3; index++) {
        char id [8];
        snprintf(id, sizeof id, "bad%d", index);
        jb_event_t *event = s_event("jerry.work_tracking.task.created", id);
        if (index == 1)
            jb_event_set_specversion(event, "0.3");
        assert_int_equal(jb_batch_append(bad, &event), 0);
    }
    jb_error_t error;
    assert_int_equal(jb_publisher_publish_batch(publisher, bad, &error), JB_EINVALID);
    assert_non_null(strstr(error.message, "(event 2 of the batch)"));
    assert_string_equal(error.attribute, "specversion");

    jb_batch_t *good = jb_batch_new();
    for (int index = 0; index < 50; index++) {
        char id [8];
        snprintf(id, sizeof id, "%d", index);
        jb_event_t *event = s_event(index % 2? "jerry.work_tracking.task.created"
                                             : "jerry.work_tracking.task.completed", id);
        assert_int_equal(jb_batch_append(good, &event), 0);
    }
    assert_int_equal(jb_publisher_publish_batch(publisher, good, &error), 0);
    for (int index = 0; index < 50; index++) {
        jb_event_t *received = s_receive(subscriber, 5000, NULL);
        assert_non_null(received);
        char id [8];
        snprintf(id, sizeof id, "%d", index);
        assert_string_equal(jb_event_id(received), id);       //  none of "bad*", in order
        assert_true(jb_event_equal(received, jb_batch_at(good, (size_t) index)));
        jb_event_destroy(&received);
    }
    jb_batch_destroy(&bad);
    jb_batch_destroy(&good);
    zsock_destroy(&subscriber);
    jb_publisher_destroy(&publisher);
}

//  A publisher that publishes and closes at once still delivers everything
//  within its linger period.
static void
test_destroy_flushes_queued_events(void **state)
{
    (void) state;
    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_BINARY);
    zsock_t *subscriber = s_raw_subscriber(jb_publisher_endpoint(publisher), "");
    assert_int_equal(jb_publisher_wait_ready(publisher, 5000, NULL), 0);
    jb_event_t *event = s_event("jerry.work_tracking.task.created", "1");
    for (int index = 0; index < 2000; index++)
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
    jb_publisher_destroy(&publisher);
    int received = 0;
    jb_event_t *got;
    while (received < 2000 && (got = s_receive(subscriber, 5000, NULL))) {
        jb_event_destroy(&got);
        received++;
    }
    assert_int_equal(received, 2000);
    jb_event_destroy(&event);
    zsock_destroy(&subscriber);
}

static void
test_bad_endpoints_and_options_give_clear_errors(void **state)
{
    (void) state;
    jb_error_t error;
    assert_null(jb_publisher_new("nonsense", NULL, &error));
    assert_int_equal(error.code, JB_EINVAL);
    assert_non_null(strstr(error.message, "nonsense"));

    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_BINARY);
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.bind = true;
    assert_null(jb_publisher_new(jb_publisher_endpoint(publisher), &options, &error));
    assert_int_equal(error.code, JB_ESOCKET);
    assert_non_null(strstr(error.message, "cannot bind"));

    options.sndhwm = -1;
    assert_null(jb_publisher_new("tcp://127.0.0.1:*", &options, &error));
    assert_int_equal(error.code, JB_EINVAL);
    jb_publisher_destroy(&publisher);

    //  connecting while nobody listens is fine: ZeroMQ retries in the background
    jb_publisher_options_defaults(&options);
    options.linger_ms = 0;
    //  a port that was free a moment ago: bound, read back, released
    zsock_t *placeholder = zsock_new(ZMQ_PUB);
    assert_non_null(placeholder);
    int port = zsock_bind(placeholder, "tcp://127.0.0.1:*");
    assert_true(port > 0);
    zsock_destroy(&placeholder);
    char endpoint [64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    publisher = jb_publisher_new(endpoint, &options, &error);
    assert_non_null(publisher);
    jb_event_t *event = s_event("jerry.x.y.z", "1");
    assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);     //  never blocks
    jb_event_destroy(&event);
    jb_publisher_destroy(&publisher);
}

//  Each event carries the publisher's id and a number per type; an event
//  refused by validation, or a refused batch, uses up no number.
static void
test_events_are_numbered_per_type_without_holes(void **state)
{
    (void) state;
    jb_publisher_t *publisher = s_bound_publisher(JB_MODE_BINARY);
    zsock_t *subscriber = s_raw_subscriber(jb_publisher_endpoint(publisher), "");
    assert_int_equal(jb_publisher_wait_ready(publisher, 5000, NULL), 0);
    jb_event_t *created = s_event("jerry.work_tracking.task.created", "1");
    jb_event_t *completed = s_event("jerry.work_tracking.task.completed", "2");
    jb_event_t *invalid = s_event("jerry.work_tracking.task.created", "3");
    jb_event_set_specversion(invalid, "0.3");
    assert_int_equal(jb_publisher_publish(publisher, created, NULL), 0);
    assert_int_equal(jb_publisher_publish(publisher, invalid, NULL), JB_EINVALID);
    jb_batch_t *batch = jb_batch_new();
    jb_event_t *copy = jb_event_dup(created);
    assert_int_equal(jb_batch_append(batch, &copy), 0);
    copy = jb_event_dup(invalid);
    assert_int_equal(jb_batch_append(batch, &copy), 0);
    assert_int_equal(jb_publisher_publish_batch(publisher, batch, NULL), JB_EINVALID);
    assert_int_equal(jb_publisher_publish(publisher, completed, NULL), 0);
    assert_int_equal(jb_publisher_publish(publisher, created, NULL), 0);

    int32_t expected [] = { 1, 1, 2 };          //  created, completed, created
    char first_publisher [17] = "";
    for (size_t index = 0; index < 3; index++) {
        zsock_set_rcvtimeo(subscriber, 5000);
        zmsg_t *message = zmsg_recv(subscriber);
        assert_non_null(message);
        jb_frame_t frames [2];
        zframe_t *frame = zmsg_first(message);
        for (size_t part = 0; part < 2; part++, frame = zmsg_next(message)) {
            frames[part].data = zframe_data(frame);
            frames[part].size = zframe_size(frame);
        }
        jb_event_t *event = NULL;
        assert_int_equal(jb_message_decode(frames, 2, NULL, &event, NULL), 0);
        const char *instance = jb_event_extension(event, "jbuspub")->as.string;
        if (index == 0)
            snprintf(first_publisher, sizeof first_publisher, "%s", instance);
        assert_string_equal(instance, first_publisher);
        assert_int_equal(testutil_take_stamp(event), expected[index]);
        jb_event_destroy(&event);
        zmsg_destroy(&message);
    }
    //  another publisher instance has another id
    jb_publisher_t *second = s_bound_publisher(JB_MODE_BINARY);
    zsock_t *listener = s_raw_subscriber(jb_publisher_endpoint(second), "");
    assert_int_equal(jb_publisher_wait_ready(second, 5000, NULL), 0);
    assert_int_equal(jb_publisher_publish(second, created, NULL), 0);
    jb_event_t *event = s_receive(listener, 5000, NULL);     //  checks and strips the stamp
    assert_non_null(event);
    jb_event_destroy(&event);
    zsock_destroy(&listener);
    jb_publisher_destroy(&second);

    jb_batch_destroy(&batch);
    jb_event_destroy(&created);
    jb_event_destroy(&completed);
    jb_event_destroy(&invalid);
    zsock_destroy(&subscriber);
    jb_publisher_destroy(&publisher);
}


int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_publish_an_event_example),
        cmocka_unit_test(test_structured_publisher_sends_the_json_event_format),
        cmocka_unit_test(test_wait_ready_times_out_without_subscribers),
        cmocka_unit_test(test_wait_for_a_type_ignores_other_subscriptions),
        cmocka_unit_test(test_a_signal_ends_wait_for_with_eintr),
        cmocka_unit_test(test_subscriptions_are_tracked_as_they_come_and_go),
        cmocka_unit_test(test_invalid_event_is_refused_and_not_sent),
        cmocka_unit_test(test_batch_is_sent_in_order_or_not_at_all),
        cmocka_unit_test(test_events_are_numbered_per_type_without_holes),
        cmocka_unit_test(test_destroy_flushes_queued_events),
        cmocka_unit_test(test_bad_endpoints_and_options_give_clear_errors),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    zsys_shutdown();
    return failed;
}
