/*  =========================================================================
    test_bus.c - the whole bus: the real broker program, the library, the
    jbus tool and the example contexts

    Every test starts bus/jbus-broker on tcp://127.0.0.1:* and reads its
    ports from the ready line; publishers and subscribers of the library run
    in this process, the jbus tool and the example programs as processes.

    Nothing here waits by the clock. A test knows a subscriber is attached
    when its subscription has reached a publisher (jb_publisher_wait_ready,
    or a raw XPUB socket on the broker's frontend that sees what the broker
    forwards). It knows that nothing else is coming when a sentinel event,
    published last, has arrived: one publisher's events arrive in the order
    they were sent. Every wait has a deadline, and every process started is
    reaped, also when a test fails.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <czmq.h>
#include <cjson/cJSON.h>

#include "testutil.h"
#include "testproc.h"

//  Longest wait for anything; generous for sanitizer builds on a busy box.
#define s_DEADLINE_MS TESTPROC_DEADLINE_MS

//  The example programs.
#define s_CONTEXT    TESTPROC_EXAMPLES "/work_tracking_context"
#define s_SUBSCRIBER TESTPROC_EXAMPLES "/work_tracking_subscriber"

//  How long SIGTERM may take to stop the broker.
#define s_STOP_MS 5000

//  --------------------------------------------------------------------------
//  The broker program on free loopback ports, with a control endpoint and
//  no periodic stats line.

static void
s_broker_start(testproc_broker_t *broker)
{
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                            "--control", "tcp://127.0.0.1:*", "--stats-interval", "0", NULL };
    testproc_broker_start(args, broker);
}

//  Stop the broker with SIGTERM and check that it stopped cleanly.
static void
s_broker_stop(testproc_broker_t *broker)
{
    assert_int_equal(kill(broker->process.pid, SIGTERM), 0);
    testproc_outcome_t outcome;
    testproc_wait(&broker->process, s_DEADLINE_MS, &outcome);
    if (outcome.status != 0)
        fail_msg("jbus-broker exited with %d: %s", outcome.status, outcome.err);
    testproc_outcome_free(&outcome);
}

//  One counter of the broker's answer to "STATS", e.g. ("frontend",
//  "messages_in"); section NULL for the top level.
static uint64_t
s_broker_counter(const testproc_broker_t *broker, const char *section, const char *name)
{
    zsock_t *client = zsock_new(ZMQ_REQ);
    assert_non_null(client);
    zsock_set_linger(client, 0);
    zsock_set_rcvtimeo(client, s_DEADLINE_MS);
    assert_int_equal(zsock_connect(client, "%s", broker->control), 0);
    assert_int_equal(zstr_send(client, "STATS"), 0);
    char *reply = zstr_recv(client);
    zsock_destroy(&client);
    if (!reply)
        fail_msg("no answer to STATS from %s", broker->control);
    cJSON *root = cJSON_Parse(reply);
    zstr_free(&reply);
    assert_non_null(root);
    const cJSON *object = section? cJSON_GetObjectItemCaseSensitive(root, section): root;
    const cJSON *number = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!cJSON_IsNumber(number)) {
        cJSON_Delete(root);
        fail_msg("STATS reply has no number %s.%s", section? section: "", name);
    }
    uint64_t value = (uint64_t) number->valuedouble;
    cJSON_Delete(root);
    return value;
}

//  --------------------------------------------------------------------------
//  The library's publishers and subscribers, failing the test on error.

static jb_publisher_t *
s_publisher(const char *endpoint, jb_mode_t mode)
{
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.mode = mode;
    jb_error_t error;
    jb_publisher_t *publisher = jb_publisher_new(endpoint, &options, &error);
    if (!publisher)
        fail_msg("jb_publisher_new %s: %s", endpoint, error.message);
    return publisher;
}

//  Wait until the publisher has heard of count distinct subscription
//  prefixes. wait_ready blocks until the first; the rest come in the same
//  burst from the broker, so the loop after it rarely turns.
static void
s_await_subscriptions(jb_publisher_t *publisher, size_t count)
{
    jb_error_t error;
    if (jb_publisher_wait_ready(publisher, s_DEADLINE_MS, &error))
        fail_msg("%s", error.message);
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (jb_publisher_subscription_count(publisher) < count)
        if (zclock_mono() > deadline)
            fail_msg("the publisher has %zu subscriptions, not %zu",
                     jb_publisher_subscription_count(publisher), count);
}

static jb_subscriber_t *
s_subscriber(const char *endpoint, const jb_extension_def_t *known)
{
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.known = known;
    jb_error_t error;
    jb_subscriber_t *subscriber = jb_subscriber_new(endpoint, &options, &error);
    if (!subscriber)
        fail_msg("jb_subscriber_new %s: %s", endpoint, error.message);
    return subscriber;
}

static void
s_subscribe(jb_subscriber_t *subscriber, const char *filter)
{
    jb_error_t error;
    if (jb_subscriber_subscribe(subscriber, filter, &error))
        fail_msg("subscribe \"%s\": %s", filter, error.message);
}

//  An event of type with subject, its data naming the subject too.
static jb_event_t *
s_event(const char *type, const char *subject)
{
    jb_event_t *event = jb_event_new(type, "/jerry/test");
    assert_non_null(event);
    assert_int_equal(jb_event_set_subject(event, subject), 0);
    char data [128];
    testproc_format(data, sizeof data, "{\"subject\":\"%s\"}", subject);
    assert_int_equal(jb_event_set_data_json(event, data, SIZE_MAX, NULL), 0);
    return event;
}

static void
s_publish(jb_publisher_t *publisher, const char *type, const char *subject)
{
    jb_event_t *event = s_event(type, subject);
    jb_error_t error;
    if (jb_publisher_publish(publisher, event, &error))
        fail_msg("publish %s: %s", type, error.message);
    jb_event_destroy(&event);
}

//  The next event, which must come within the deadline.
static jb_event_t *
s_receive(jb_subscriber_t *subscriber)
{
    jb_event_t *event = NULL;
    jb_error_t error;
    int rc = jb_subscriber_recv(subscriber, s_DEADLINE_MS, &event, &error);
    if (rc)
        fail_msg("no event within %d ms: %s", s_DEADLINE_MS, error.message);
    return event;
}

//  The next event must be type with subject.
static void
s_expect_event(jb_subscriber_t *subscriber, const char *type, const char *subject)
{
    jb_event_t *event = s_receive(subscriber);
    assert_string_equal(jb_event_type(event), type);
    assert_string_equal(jb_event_subject(event), subject);
    jb_event_destroy(&event);
}

//  Fail, showing both, unless the events are equal.
static void
s_assert_events_equal(const jb_event_t *got, const jb_event_t *sent)
{
    if (jb_event_equal(got, sent))
        return;
    char *got_json = NULL, *sent_json = NULL;
    jb_json_encode(got, &got_json, NULL, NULL);
    jb_json_encode(sent, &sent_json, NULL, NULL);
    print_error("sent: %s\ngot:  %s\n", sent_json? sent_json: "?", got_json? got_json: "?");
    free(got_json);
    free(sent_json);
    fail_msg("the event received differs from the one sent");
}

//  --------------------------------------------------------------------------
//  A raw XPUB socket on the broker's frontend sees every subscription the
//  broker forwards: when it sees a prefix, a subscriber to that prefix is
//  attached at the broker.

static zsock_t *
s_observer(const char *frontend)
{
    zsock_t *observer = zsock_new(ZMQ_XPUB);
    assert_non_null(observer);
    zsock_set_linger(observer, 0);
    zsock_set_rcvtimeo(observer, s_DEADLINE_MS);
    assert_int_equal(zsock_connect(observer, "%s", frontend), 0);
    return observer;
}

//  --------------------------------------------------------------------------
//  The usage example. Five subscribers, one per kind of filter, get a
//  fixed set of types through the broker program: each gets exactly the
//  types its filter matches, in the order they were sent, and nothing else.
//
//  Each subscriber also subscribes to a sentinel type of its own, after its
//  filter. The publisher waits until it has heard of all the prefixes
//  (then every subscriber is attached and every type has somewhere to go),
//  publishes the events, then the sentinels. A subscriber that has its
//  sentinel has everything the publisher sent before it.

static void
test_filters_deliver_exactly_the_matching_types_through_the_broker(void **state)
{
    (void) state;
    testproc_broker_t broker;
    s_broker_start(&broker);

    enum { s_FILTERS = 5 };
    const char *filters [s_FILTERS] = {
        "jerry.work_tracking.",         //  a prefix, as ZeroMQ matches it
        "jerry.*.task.completed",       //  * is one segment
        "jerry.work_tracking.>",        //  > is one or more trailing segments
        "",                             //  everything
        "jerry.work",                   //  bytes, not segments
    };
    //  Which filters match each type: an x in the filter's column.
    const struct {
        const char *type;
        const char *matches;
    } events [] = {
        { "jerry.work_tracking.task.created",               "x.xxx" },
        { "jerry.work_tracking.task.completed",             "xxxxx" },
        { "jerry.work_tracking.phase.started",              "x.xxx" },
        { "jerry.session_management.project.activated",    "...x." },
        { "jerry.problem_solving.problem.solved",           "...x." },
        { "jerry.problem_solving.task.completed",           ".x.x." },
        { "jerry.work_trackingx.task.created",              "...xx" },
        { "jerry.work_tracking",                            "...xx" },
        { "jerry.work_tracking.task.completed_v2",          "x.xxx" },
        { "jerry.work_tracking.task.completed.undone",      "x.xxx" },
        { "jerry.task.completed",                           "...x." },
        { "acme.work_tracking.task.completed",              "...x." },
        { "jerry.work_tracking.task.created",               "x.xxx" },
    };
    const size_t event_count = sizeof events / sizeof events[0];

    jb_subscriber_t *subscribers [s_FILTERS];
    char sentinels [s_FILTERS][32];
    for (size_t index = 0; index < s_FILTERS; index++) {
        subscribers[index] = s_subscriber(broker.backend, NULL);
        s_subscribe(subscribers[index], filters[index]);
        testproc_format(sentinels[index], sizeof sentinels[index], "test.sentinel.%zu", index);
        s_subscribe(subscribers[index], sentinels[index]);
    }
    jb_publisher_t *publisher = s_publisher(broker.frontend, JB_MODE_BINARY);
    //  The broker forwards each prefix once: "jerry.work_tracking." (two
    //  filters), "jerry." (the pattern's), "", "jerry.work", and 5 sentinels.
    s_await_subscriptions(publisher, 4 + s_FILTERS);

    for (size_t index = 0; index < event_count; index++) {
        char subject [16];
        testproc_format(subject, sizeof subject, "E%02zu", index + 1);
        s_publish(publisher, events[index].type, subject);
    }
    for (size_t index = 0; index < s_FILTERS; index++)
        s_publish(publisher, sentinels[index], "sentinel");

    for (size_t column = 0; column < s_FILTERS; column++) {
        char expected [256] = "", got [256] = "";
        for (size_t index = 0; index < event_count; index++)
            if (events[index].matches[column] == 'x') {
                size_t length = strlen(expected);
                snprintf(expected + length, sizeof expected - length, " E%02zu", index + 1);
            }
        while (true) {
            jb_event_t *event = s_receive(subscribers[column]);
            const char *type = jb_event_type(event);
            bool done = streq(type, sentinels[column]);
            if (!done && strncmp(type, "test.sentinel.", 14) != 0) {
                //  The subject says which event it is; its type must be that one's.
                const char *subject = jb_event_subject(event);
                int number = atoi(subject + 1);
                assert_true(number >= 1 && (size_t) number <= event_count);
                assert_string_equal(type, events[number - 1].type);
                size_t length = strlen(got);
                snprintf(got + length, sizeof got - length, " %s", subject);
            }
            jb_event_destroy(&event);
            if (done)
                break;
        }
        if (!streq(got, expected))
            fail_msg("filter \"%s\": expected%s, got%s", filters[column], expected, got);
    }

    jb_publisher_destroy(&publisher);
    for (size_t index = 0; index < s_FILTERS; index++)
        jb_subscriber_destroy(&subscribers[index]);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  A batch goes out whole and in order; a batch with an invalid event
//  goes out not at all: the sentinel published after it is the very next
//  event, and the broker counted nothing more.

static void
test_a_batch_arrives_in_order_and_an_invalid_batch_sends_nothing(void **state)
{
    (void) state;
    testproc_broker_t broker;
    s_broker_start(&broker);
    jb_subscriber_t *subscriber = s_subscriber(broker.backend, NULL);
    s_subscribe(subscriber, "jerry.batch_test.");
    jb_publisher_t *publisher = s_publisher(broker.frontend, JB_MODE_BINARY);
    s_await_subscriptions(publisher, 1);

    enum { s_BATCH = 50 };
    jb_batch_t *batch = jb_batch_new();
    assert_non_null(batch);
    for (int index = 0; index < s_BATCH; index++) {
        char subject [16];
        testproc_format(subject, sizeof subject, "B%03d", index);
        jb_event_t *event = s_event("jerry.batch_test.item.added", subject);
        assert_int_equal(jb_batch_append(batch, &event), 0);
    }
    jb_error_t error;
    assert_int_equal(jb_publisher_publish_batch(publisher, batch, &error), 0);
    for (size_t index = 0; index < s_BATCH; index++) {
        jb_event_t *event = s_receive(subscriber);
        s_assert_events_equal(event, jb_batch_at(batch, index));
        jb_event_destroy(&event);
    }
    jb_batch_destroy(&batch);

    //  Five events, the third of them invalid.
    batch = jb_batch_new();
    assert_non_null(batch);
    for (int index = 0; index < 5; index++) {
        char subject [16];
        testproc_format(subject, sizeof subject, "X%03d", index);
        jb_event_t *event = s_event("jerry.batch_test.item.added", subject);
        if (index == 2)
            assert_int_equal(jb_event_set_specversion(event, "0.3"), 0);
        assert_int_equal(jb_batch_append(batch, &event), 0);
    }
    assert_int_equal(jb_publisher_publish_batch(publisher, batch, &error), JB_EINVALID);
    if (!strstr(error.message, "(event 3 of the batch)"))
        fail_msg("the error does not name event 3: %s", error.message);
    jb_batch_destroy(&batch);

    s_publish(publisher, "jerry.batch_test.sentinel", "sentinel");
    s_expect_event(subscriber, "jerry.batch_test.sentinel", "sentinel");
    jb_publisher_stats_t stats;
    jb_publisher_stats(publisher, &stats);
    assert_int_equal(stats.events, s_BATCH + 1);
    assert_int_equal(s_broker_counter(&broker, "frontend", "messages_in"), s_BATCH + 1);

    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&subscriber);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  A binary-mode and a structured-mode publisher send the same events,
//  with every kind of data and every type of extension; the subscriber
//  gets them equal to what was sent. It declares the extension types that
//  the JSON format cannot carry.

static void
test_binary_and_structured_publishers_deliver_equal_events(void **state)
{
    (void) state;
    testproc_broker_t broker;
    s_broker_start(&broker);
    static const jb_extension_def_t known [] = {
        { "origin", JB_TYPE_URI }, { "trace", JB_TYPE_URI_REF },
        { "deadline", JB_TYPE_TIMESTAMP }, { "blob", JB_TYPE_BINARY }, { NULL, 0 }
    };
    jb_subscriber_t *subscriber = s_subscriber(broker.backend, known);
    s_subscribe(subscriber, "jerry.modes_test.");

    enum { s_EVENTS = 4 };
    jb_event_t *events [s_EVENTS];
    //  JSON data and one extension of each type.
    events[0] = s_event("jerry.modes_test.task.completed", "WORK-001");
    jb_event_t *event = events[0];
    assert_int_equal(jb_event_set_dataschema(event, "https://example.com/schema/task"), 0);
    jb_timestamp_t deadline;
    const char *deadline_text = "2018-04-05T17:31:00.120-05:30";
    assert_int_equal(jb_timestamp_parse(deadline_text, strlen(deadline_text), &deadline), 0);
    const uint8_t blob [] = { 0x00, 0x01, 0x80, 0xff };
    const jb_value_t values [] = {
        jb_value_integer(-42), jb_value_boolean(true), jb_value_string("ada"),
        jb_value_uri("https://example.com/origin"), jb_value_uri_ref("/trace/1#step"),
        jb_value_timestamp(deadline), jb_value_binary(blob, sizeof blob)
    };
    const char *names [] = { "seq", "urgent", "owner", "origin", "trace", "deadline", "blob" };
    for (size_t index = 0; index < sizeof values / sizeof values[0]; index++)
        assert_int_equal(jb_event_set_extension(event, names[index], &values[index], NULL), 0);
    //  Text data.
    events[1] = jb_event_new("jerry.modes_test.note.added", "/jerry/test");
    assert_non_null(events[1]);
    assert_int_equal(jb_event_set_datacontenttype(events[1], "text/plain; charset=utf-8"), 0);
    assert_int_equal(jb_event_set_data_text(events[1], "caf\xc3\xa9 \"quoted\"\n", SIZE_MAX), 0);
    //  Bytes.
    events[2] = jb_event_new("jerry.modes_test.file.attached", "/jerry/test");
    assert_non_null(events[2]);
    assert_int_equal(jb_event_set_datacontenttype(events[2], "application/octet-stream"), 0);
    assert_int_equal(jb_event_set_data_binary(events[2], blob, sizeof blob), 0);
    //  No data at all.
    events[3] = jb_event_new("jerry.modes_test.task.archived", "/jerry/test");
    assert_non_null(events[3]);

    const jb_mode_t modes [] = { JB_MODE_BINARY, JB_MODE_STRUCTURED };
    for (size_t mode = 0; mode < 2; mode++) {
        jb_publisher_t *publisher = s_publisher(broker.frontend, modes[mode]);
        s_await_subscriptions(publisher, 1);
        jb_error_t error;
        for (size_t index = 0; index < s_EVENTS; index++)
            if (jb_publisher_publish(publisher, events[index], &error))
                fail_msg("publish %s: %s", jb_event_type(events[index]), error.message);
        for (size_t index = 0; index < s_EVENTS; index++) {
            jb_event_t *received = s_receive(subscriber);
            s_assert_events_equal(received, events[index]);
            jb_event_destroy(&received);
        }
        jb_publisher_destroy(&publisher);
    }
    jb_subscriber_stats_t stats;
    jb_subscriber_stats(subscriber, &stats);
    assert_int_equal(stats.rejected, 0);

    for (size_t index = 0; index < s_EVENTS; index++)
        jb_event_destroy(&events[index]);
    jb_subscriber_destroy(&subscriber);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  The slow joiner: a subscriber is attached first; a publisher that
//  starts, waits for it (bounded), publishes and is destroyed at once
//  loses none of its events.

static void
test_a_short_lived_publisher_loses_nothing_to_a_subscriber_attached_first(void **state)
{
    (void) state;
    testproc_broker_t broker;
    s_broker_start(&broker);
    jb_subscriber_t *subscriber = s_subscriber(broker.backend, NULL);
    s_subscribe(subscriber, "jerry.slow_joiner.");

    enum { s_EVENTS = 100 };
    jb_publisher_t *publisher = s_publisher(broker.frontend, JB_MODE_BINARY);
    jb_error_t error;
    if (jb_publisher_wait_ready(publisher, s_DEADLINE_MS, &error))
        fail_msg("%s", error.message);
    for (int index = 0; index < s_EVENTS; index++) {
        char subject [16];
        testproc_format(subject, sizeof subject, "T%03d", index);
        s_publish(publisher, "jerry.slow_joiner.tick.counted", subject);
    }
    jb_publisher_destroy(&publisher);

    for (int index = 0; index < s_EVENTS; index++) {
        char subject [16];
        testproc_format(subject, sizeof subject, "T%03d", index);
        s_expect_event(subscriber, "jerry.slow_joiner.tick.counted", subject);
    }
    jb_subscriber_destroy(&subscriber);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  The same with the example programs: the subscriber context is started
//  first, then the work-tracking context, whose publisher waits for it.
//  All 6 events arrive, and the completed-task handler runs for each
//  completed task.

static void
test_the_example_subscriber_gets_every_event_of_the_example_context(void **state)
{
    (void) state;
    testproc_broker_t broker;
    s_broker_start(&broker);
    const char *subscriber_args [] = { "--endpoint", broker.backend, "--count", "6",
                                       "--timeout", "20000", NULL };
    testproc_t subscriber;
    testproc_spawn(s_SUBSCRIBER, subscriber_args, &subscriber);

    const char *context_args [] = { "--endpoint", broker.frontend, "--tasks", "3",
                                    "--wait", "20000", NULL };
    testproc_outcome_t outcome;
    testproc_run(s_CONTEXT, context_args, &outcome);
    if (outcome.status != 0 || strstr(outcome.err, "no subscriber"))
        fail_msg("work_tracking_context exited with %d: %s", outcome.status, outcome.err);
    testproc_outcome_free(&outcome);

    testproc_wait(&subscriber, s_DEADLINE_MS, &outcome);
    if (outcome.status != 0)
        fail_msg("work_tracking_subscriber exited with %d: %s", outcome.status, outcome.err);
    assert_string_equal(outcome.out,
        "jerry.work_tracking.task.created WORK-001\n"
        "jerry.work_tracking.task.completed WORK-001\n"
        "  completed: WORK-001\n"
        "jerry.work_tracking.task.created WORK-002\n"
        "jerry.work_tracking.task.completed WORK-002\n"
        "  completed: WORK-002\n"
        "jerry.work_tracking.task.created WORK-003\n"
        "jerry.work_tracking.task.completed WORK-003\n"
        "  completed: WORK-003\n");
    testproc_outcome_free(&outcome);
    assert_int_equal(s_broker_counter(&broker, "frontend", "messages_in"), 6);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  jbus sub on the work-tracking prefix prints exactly the context's
//  events. Events of other contexts (and types that only look alike) go
//  through the broker while it is attached: a witness subscriber on ""
//  receives them, and the broker counts them, but jbus sub does not print
//  them. It stops after 6 events, so one of those would push out the
//  context's last.

static void
test_jbus_sub_prints_exactly_the_work_tracking_events(void **state)
{
    (void) state;
    testproc_broker_t broker;
    s_broker_start(&broker);
    zsock_t *observer = s_observer(broker.frontend);
    jb_subscriber_t *witness = s_subscriber(broker.backend, NULL);
    s_subscribe(witness, "");
    testproc_expect_subscription(observer, "", s_DEADLINE_MS);

    const char *sub_args [] = { "sub", "--endpoint", broker.backend, "--count", "6",
                                "--timeout", "20000", "jerry.work_tracking.", NULL };
    testproc_t sub;
    testproc_spawn(TESTPROC_JBUS, sub_args, &sub);
    testproc_expect_subscription(observer, "jerry.work_tracking.", s_DEADLINE_MS);

    //  Other contexts, and the prefix without its dot. jbus pub waits for a
    //  subscriber: the witness's "" reaches it first (the broker sends its
    //  subscriptions in order), so nothing is dropped at the source.
    char path [PATH_MAX];
    testproc_write_file("other-contexts.jsonl",
        "{\"specversion\":\"1.0\",\"id\":\"o1\",\"source\":\"/jerry/session-management\","
        "\"type\":\"jerry.session_management.project.activated\",\"subject\":\"PROJ-001\"}\n"
        "{\"specversion\":\"1.0\",\"id\":\"o2\",\"source\":\"/jerry/problem-solving\","
        "\"type\":\"jerry.problem_solving.problem.solved\",\"subject\":\"PROB-001\"}\n"
        "{\"specversion\":\"1.0\",\"id\":\"o3\",\"source\":\"/jerry/test\","
        "\"type\":\"jerry.work_trackingx.task.created\",\"subject\":\"WORK-900\"}\n"
        "{\"specversion\":\"1.0\",\"id\":\"o4\",\"source\":\"/jerry/test\","
        "\"type\":\"jerry.work_tracking\",\"subject\":\"WORK-901\"}\n", path);
    const char *pub_args [] = { "pub", "--endpoint", broker.frontend, "--wait", "20000",
                                path, NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, pub_args, &outcome);
    if (outcome.status != 0 || !strstr(outcome.err, "published 4 events"))
        fail_msg("jbus pub exited with %d: %s", outcome.status, outcome.err);
    testproc_outcome_free(&outcome);
    const char *structured_args [] = { "pub", "--endpoint", broker.frontend, "--wait", "20000",
                                       "--mode", "structured",
                                       "-t", "jerry.problem_solving.problem.opened",
                                       "--subject", "PROB-002", NULL };
    testproc_run(TESTPROC_JBUS, structured_args, &outcome);
    if (outcome.status != 0)
        fail_msg("jbus pub exited with %d: %s", outcome.status, outcome.err);
    testproc_outcome_free(&outcome);
    s_expect_event(witness, "jerry.session_management.project.activated", "PROJ-001");
    s_expect_event(witness, "jerry.problem_solving.problem.solved", "PROB-001");
    s_expect_event(witness, "jerry.work_trackingx.task.created", "WORK-900");
    s_expect_event(witness, "jerry.work_tracking", "WORK-901");
    s_expect_event(witness, "jerry.problem_solving.problem.opened", "PROB-002");

    const char *context_args [] = { "--endpoint", broker.frontend, "--tasks", "3",
                                    "--wait", "20000", NULL };
    testproc_run(s_CONTEXT, context_args, &outcome);
    if (outcome.status != 0)
        fail_msg("work_tracking_context exited with %d: %s", outcome.status, outcome.err);
    testproc_outcome_free(&outcome);

    testproc_wait(&sub, s_DEADLINE_MS, &outcome);
    if (outcome.status != 0)
        fail_msg("jbus sub exited with %d: %s", outcome.status, outcome.err);
    const char *verbs [] = { "created", "completed" };
    char *line = outcome.out;
    for (int index = 0; index < 6; index++) {
        char *newline = strchr(line, '\n');
        if (!newline)
            fail_msg("jbus sub printed %d lines, not 6:\n%s", index, outcome.out);
        jb_event_t *event = NULL;
        jb_error_t error;
        if (jb_json_decode(line, (size_t) (newline - line), NULL, &event, &error))
            fail_msg("line %d of jbus sub is not an event: %s", index + 1, error.message);
        char type [64], subject [16], data [64];
        testproc_format(type, sizeof type, "jerry.work_tracking.task.%s", verbs[index % 2]);
        testproc_format(subject, sizeof subject, "WORK-%03d", index / 2 + 1);
        testproc_format(data, sizeof data, "\"task_id\":\"%s\"", subject);
        assert_string_equal(jb_event_type(event), type);
        assert_string_equal(jb_event_subject(event), subject);
        assert_string_equal(jb_event_source(event), "/jerry/work-tracking");
        assert_int_equal(jb_event_data_kind(event), JB_DATA_JSON);
        assert_non_null(strstr((const char *) jb_event_data(event, NULL), data));
        jb_event_destroy(&event);
        line = newline + 1;
    }
    assert_string_equal(line, "");
    testproc_outcome_free(&outcome);

    for (int index = 0; index < 6; index++) {
        jb_event_t *event = s_receive(witness);
        assert_non_null(strstr(jb_event_type(event), "jerry.work_tracking.task."));
        jb_event_destroy(&event);
    }
    assert_int_equal(s_broker_counter(&broker, "frontend", "messages_in"), 5 + 6);
    jb_subscriber_destroy(&witness);
    zsock_destroy(&observer);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  The broker dies (SIGKILL) under a connected publisher and subscriber
//  and is started again on the same ports: both reconnect by themselves,
//  the subscriber's subscriptions are sent again, and events flow again.
//  The publisher keeps publishing probes until one arrives.

static void
test_traffic_resumes_after_the_broker_is_killed_and_restarted(void **state)
{
    (void) state;
    const char *any_args [] = { "--frontend", "tcp://127.0.0.1:*",
                                "--backend", "tcp://127.0.0.1:*", "--no-control",
                                "--stats-interval", "0", NULL };
    testproc_broker_t broker;
    testproc_broker_start(any_args, &broker);
    jb_subscriber_t *subscriber = s_subscriber(broker.backend, NULL);
    s_subscribe(subscriber, "jerry.restart_test.");
    jb_publisher_t *publisher = s_publisher(broker.frontend, JB_MODE_BINARY);
    s_await_subscriptions(publisher, 1);
    s_publish(publisher, "jerry.restart_test.probe.sent", "before");
    s_expect_event(subscriber, "jerry.restart_test.probe.sent", "before");

    assert_int_equal(kill(broker.process.pid, SIGKILL), 0);
    testproc_outcome_t outcome;
    testproc_wait(&broker.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 128 + SIGKILL);
    testproc_outcome_free(&outcome);

    char frontend [JB_BROKER_ENDPOINT_MAX], backend [JB_BROKER_ENDPOINT_MAX];
    snprintf(frontend, sizeof frontend, "%s", broker.frontend);
    snprintf(backend, sizeof backend, "%s", broker.backend);
    const char *same_args [] = { "--frontend", frontend, "--backend", backend, "--no-control",
                                 "--stats-interval", "0", NULL };
    if (!testproc_broker_try_start(same_args, &broker, &outcome)) {
        bool taken = strstr(outcome.err, "Address already in use") != NULL;
        if (!taken)
            fail_msg("jbus-broker did not restart (exit status %d): %s", outcome.status,
                     outcome.err);
        print_message("skipped: a port of the killed broker was taken meanwhile: %s",
                      outcome.err);
        testproc_outcome_free(&outcome);
        jb_publisher_destroy(&publisher);
        jb_subscriber_destroy(&subscriber);
        skip();
    }
    assert_string_equal(broker.frontend, frontend);
    assert_string_equal(broker.backend, backend);

    //  Until the subscriber's subscription has come back through the new
    //  broker, the publisher drops its probes; each round waits a little
    //  for one to arrive.
    int64_t restarted = zclock_mono();
    int64_t deadline = restarted + s_DEADLINE_MS;
    jb_event_t *event = NULL;
    int probes = 0;
    while (!event && zclock_mono() < deadline) {
        char subject [16];
        testproc_format(subject, sizeof subject, "after-%d", ++probes);
        s_publish(publisher, "jerry.restart_test.probe.sent", subject);
        int rc = jb_subscriber_recv(subscriber, 100, &event, NULL);
        assert_true(rc == 0 || rc == JB_ETIMEDOUT);
    }
    if (!event)
        fail_msg("no probe arrived within %d ms of the restart (%d sent)", s_DEADLINE_MS, probes);
    assert_string_equal(jb_event_type(event), "jerry.restart_test.probe.sent");
    assert_non_null(strstr(jb_event_subject(event), "after-"));
    jb_event_destroy(&event);

    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&subscriber);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  SIGTERM stops the broker promptly and cleanly, peers still connected:
//  exit status 0 and the stop lines on stderr, with the counters.

static void
test_sigterm_stops_the_broker_cleanly(void **state)
{
    (void) state;
    testproc_broker_t broker;
    s_broker_start(&broker);
    jb_subscriber_t *subscriber = s_subscriber(broker.backend, NULL);
    s_subscribe(subscriber, "jerry.stop_test.");
    jb_publisher_t *publisher = s_publisher(broker.frontend, JB_MODE_BINARY);
    s_await_subscriptions(publisher, 1);
    s_publish(publisher, "jerry.stop_test.thing.happened", "S-1");
    s_expect_event(subscriber, "jerry.stop_test.thing.happened", "S-1");

    int64_t stopping = zclock_mono();
    assert_int_equal(kill(broker.process.pid, SIGTERM), 0);
    testproc_outcome_t outcome;
    testproc_wait(&broker.process, s_STOP_MS, &outcome);
    int64_t took = zclock_mono() - stopping;
    if (outcome.status != 0)
        fail_msg("jbus-broker exited with %d after %d ms: %s", outcome.status, (int) took,
                 outcome.err);
    assert_true(took < s_STOP_MS);
    assert_non_null(strstr(outcome.err, "SIGTERM received, stopping"));
    if (!strstr(outcome.err, "jbus broker stopped: ") || !strstr(outcome.err, "; in 1 messages"))
        fail_msg("no stop line with the counters in: %s", outcome.err);
    testproc_outcome_free(&outcome);

    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&subscriber);
}

//  --------------------------------------------------------------------------
//  jbus pub sends what the flags or a file describe, in binary or
//  structured mode as asked (seen on the wire by a raw ZeroMQ subscriber),
//  and jbus stats reports the broker's counters: every message and byte
//  that subscriber received.

//  True when message is a publisher's announcement: 3 frames, frame 1
//  its media type.
static bool
s_is_announcement(zmsg_t *message)
{
    if (zmsg_size(message) != 3)
        return false;
    zmsg_first(message);
    return zframe_streq(zmsg_next(message), "application/vnd.jbus.announcement");
}

//  Receive one event's message on a raw SUB socket and decode it;
//  *wire_size_p grows by its bytes, every frame counted. Publishers'
//  announcements are skipped, as a raw receiver that does not track loss
//  does (binding 4.2), and not counted: the broker counts them apart.
//  Returns the event, to destroy.
static jb_event_t *
s_receive_raw(zsock_t *subscriber, jb_mode_t mode, uint64_t *wire_size_p)
{
    zmsg_t *message = zmsg_recv(subscriber);
    while (message && s_is_announcement(message)) {
        zmsg_destroy(&message);
        message = zmsg_recv(subscriber);
    }
    if (!message)
        fail_msg("no message within %d ms", s_DEADLINE_MS);
    jb_frame_t frames [4];
    size_t count = 0;
    for (zframe_t *frame = zmsg_first(message); frame && count < 4; frame = zmsg_next(message)) {
        frames[count].data = zframe_data(frame);
        frames[count].size = zframe_size(frame);
        *wire_size_p += zframe_size(frame);
        count++;
    }
    if (mode == JB_MODE_BINARY) {
        assert_int_equal(count, 2);
        assert_true(((const uint8_t *) frames[1].data)[0] >= 0x80);
    }
    else {
        assert_int_equal(count, 3);
        assert_int_equal(frames[1].size, strlen(JB_STRUCTURED_MEDIA_TYPE));
        assert_memory_equal(frames[1].data, JB_STRUCTURED_MEDIA_TYPE, frames[1].size);
    }
    jb_event_t *event = NULL;
    jb_error_t error;
    if (jb_message_decode(frames, count, NULL, &event, &error))
        fail_msg("cannot decode the message: %s", error.message);
    zmsg_destroy(&message);
    testutil_take_stamp(event);
    return event;
}

static void
test_jbus_pub_in_both_modes_and_jbus_stats_agree_with_the_wire(void **state)
{
    (void) state;
    testproc_broker_t broker;
    s_broker_start(&broker);
    zsock_t *subscriber = zsock_new(ZMQ_SUB);
    assert_non_null(subscriber);
    zsock_set_linger(subscriber, 0);
    zsock_set_rcvtimeo(subscriber, s_DEADLINE_MS);
    zsock_set_subscribe(subscriber, "jerry.cli_test.");
    assert_int_equal(zsock_connect(subscriber, "%s", broker.backend), 0);
    uint64_t wire_size = 0;

    //  Binary mode, from flags, twice: a fresh id each time.
    const char *binary_args [] = { "pub", "--endpoint", broker.frontend, "--wait", "20000",
                                   "--mode", "binary", "-t", "jerry.cli_test.item.added",
                                   "-s", "/jerry/cli-test", "--subject", "ITEM-1",
                                   "-d", "{\"n\":1}", "--ext", "seq=7", "--count", "2", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, binary_args, &outcome);
    if (outcome.status != 0 || !strstr(outcome.err, "published 2 events"))
        fail_msg("jbus pub exited with %d: %s", outcome.status, outcome.err);
    testproc_outcome_free(&outcome);
    char first_id [64] = "";
    for (int index = 0; index < 2; index++) {
        jb_event_t *event = s_receive_raw(subscriber, JB_MODE_BINARY, &wire_size);
        assert_string_equal(jb_event_type(event), "jerry.cli_test.item.added");
        assert_string_equal(jb_event_source(event), "/jerry/cli-test");
        assert_string_equal(jb_event_subject(event), "ITEM-1");
        assert_string_equal(jb_event_datacontenttype(event), "application/json");
        assert_string_equal((const char *) jb_event_data(event, NULL), "{\"n\":1}");
        const jb_value_t *seq = jb_event_extension(event, "seq");
        assert_non_null(seq);
        assert_int_equal(seq->type, JB_TYPE_INTEGER);
        assert_int_equal(seq->as.integer, 7);
        if (index == 0)
            snprintf(first_id, sizeof first_id, "%s", jb_event_id(event));
        else
            assert_string_not_equal(jb_event_id(event), first_id);
        jb_event_destroy(&event);
    }

    //  Structured mode, from a file of JSON lines: an event, then a batch.
    const char *lines =
        "{\"specversion\":\"1.0\",\"id\":\"c1\",\"source\":\"/jerry/cli-test\","
        "\"type\":\"jerry.cli_test.item.removed\",\"subject\":\"ITEM-1\",\"data\":[1,2]}\n"
        "[{\"specversion\":\"1.0\",\"id\":\"c2\",\"source\":\"/jerry/cli-test\","
        "\"type\":\"jerry.cli_test.item.added\",\"time\":\"2018-04-05T17:31:00Z\"},"
        "{\"specversion\":\"1.0\",\"id\":\"c3\",\"source\":\"/jerry/cli-test\","
        "\"type\":\"jerry.cli_test.item.added\",\"datacontenttype\":\"text/plain\","
        "\"data\":\"three\",\"priority\":2}]\n";
    char path [PATH_MAX];
    testproc_write_file("cli-test.jsonl", lines, path);
    const char *structured_args [] = { "pub", "--endpoint", broker.frontend, "--wait", "20000",
                                       "--mode", "structured", path, NULL };
    testproc_run(TESTPROC_JBUS, structured_args, &outcome);
    if (outcome.status != 0 || !strstr(outcome.err, "published 3 events"))
        fail_msg("jbus pub exited with %d: %s", outcome.status, outcome.err);
    testproc_outcome_free(&outcome);
    const char *newline = strchr(lines, '\n');
    jb_event_t *single = NULL;
    jb_batch_t *batch = NULL;
    assert_int_equal(jb_json_decode(lines, (size_t) (newline - lines), NULL, &single, NULL), 0);
    assert_int_equal(jb_json_decode_batch(newline + 1, strlen(newline + 1), NULL, &batch, NULL),
                     0);
    const jb_event_t *sent [] = { single, jb_batch_at(batch, 0), jb_batch_at(batch, 1) };
    for (int index = 0; index < 3; index++) {
        jb_event_t *event = s_receive_raw(subscriber, JB_MODE_STRUCTURED, &wire_size);
        s_assert_events_equal(event, sent[index]);
        jb_event_destroy(&event);
    }
    jb_event_destroy(&single);
    jb_batch_destroy(&batch);

    const char *stats_args [] = { "stats", "--endpoint", broker.control, "--json", NULL };
    testproc_run(TESTPROC_JBUS, stats_args, &outcome);
    if (outcome.status != 0)
        fail_msg("jbus stats exited with %d: %s", outcome.status, outcome.err);
    cJSON *root = cJSON_Parse(outcome.out);
    if (!root)
        fail_msg("jbus stats printed no JSON: %s", outcome.out);
    const cJSON *frontend = cJSON_GetObjectItemCaseSensitive(root, "frontend");
    const cJSON *backend = cJSON_GetObjectItemCaseSensitive(root, "backend");
    const struct {
        const cJSON *object;
        const char *name;
        double expected;
    } counters [] = {
        { frontend, "messages_in", 5 }, { frontend, "bytes_in", (double) wire_size },
        { backend, "messages_out", 5 }, { backend, "bytes_out", (double) wire_size },
        { backend, "deliveries", 5 }, { backend, "subscriptions", 1 },
        { backend, "subscribers", 1 }, { backend, "prefixes", 1 },
    };
    for (size_t index = 0; index < sizeof counters / sizeof counters[0]; index++) {
        const cJSON *number = cJSON_GetObjectItemCaseSensitive(counters[index].object,
                                                              counters[index].name);
        if (!cJSON_IsNumber(number) || number->valuedouble != counters[index].expected)
            fail_msg("jbus stats: %s is not %.0f in %s", counters[index].name,
                     counters[index].expected, outcome.out);
    }
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "uptime_ms")));
    cJSON_Delete(root);
    testproc_outcome_free(&outcome);

    //  for a person, by default: a table of the same counters
    const char *table_args [] = { "stats", "--endpoint", broker.control, NULL };
    testproc_run(TESTPROC_JBUS, table_args, &outcome);
    assert_int_equal(outcome.status, 0);
    if (!strstr(outcome.out, "in           5 messages, ")
    ||  !strstr(outcome.out, "out          5 messages, ")
    ||  !strstr(outcome.out, "delivered    5 messages, ")
    ||  !strstr(outcome.out, "1 subscribers (1 subscriptions to 1 prefixes)"))
        fail_msg("jbus stats printed no table of the counters: %s", outcome.out);
    testproc_outcome_free(&outcome);
    //  --watch: a header, then a line of rates per interval, --count times
    const char *watch_args [] = { "stats", "--endpoint", broker.control, "--watch",
                                  "--interval", "100ms", "--count", "3", NULL };
    testproc_run(TESTPROC_JBUS, watch_args, &outcome);
    assert_int_equal(outcome.status, 0);
    size_t watch_lines = 0;
    for (const char *cursor = outcome.out; (cursor = strchr(cursor, '\n')); cursor++)
        watch_lines++;
    if (watch_lines != 4 || strncmp(outcome.out, "time ", 5) != 0)
        fail_msg("jbus stats --watch printed: %s", outcome.out);
    testproc_outcome_free(&outcome);
    //  --interval without --watch is a usage error
    const char *bad_args [] = { "stats", "--endpoint", broker.control, "--interval", "1s", NULL };
    testproc_run(TESTPROC_JBUS, bad_args, &outcome);
    assert_int_equal(outcome.status, 2);
    testproc_outcome_free(&outcome);

    zsock_destroy(&subscriber);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_teardown(
            test_filters_deliver_exactly_the_matching_types_through_the_broker,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_a_batch_arrives_in_order_and_an_invalid_batch_sends_nothing,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_binary_and_structured_publishers_deliver_equal_events,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_a_short_lived_publisher_loses_nothing_to_a_subscriber_attached_first,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_the_example_subscriber_gets_every_event_of_the_example_context,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_jbus_sub_prints_exactly_the_work_tracking_events,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_traffic_resumes_after_the_broker_is_killed_and_restarted,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_sigterm_stops_the_broker_cleanly,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_jbus_pub_in_both_modes_and_jbus_stats_agree_with_the_wire,
            testproc_reap_children),
    };
    zsys_set_logstream(stderr);
    int failed = cmocka_run_group_tests(tests, testproc_group_setup, testproc_group_teardown);
    zsys_shutdown();
    return failed;
}
