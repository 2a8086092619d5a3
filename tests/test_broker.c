/*  =========================================================================
    test_broker.c - the jbus broker, embedded (jb_broker) and as a program

    The embedded tests drive the actor with raw CZMQ sockets; the program
    tests spawn bus/jbus-broker on tcp://127.0.0.1:* and read the bound
    endpoints from its ready line. Nothing here sleeps: a test waits for a
    condition (a subscription seen by an XPUB publisher, a message, a
    monitor event, end of file on a pipe), always with a deadline, and
    every process it starts is reaped, also when a test fails.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <czmq.h>
#include <cjson/cJSON.h>

#include "testutil.h"
#include "testproc.h"

//  Longest wait for anything; generous for sanitizer builds on a busy box.
#define s_DEADLINE_MS TESTPROC_DEADLINE_MS

//  --------------------------------------------------------------------------
//  Socket helpers. Every socket gets linger 0 so that a test's leftovers
//  never hold up zsys_shutdown, and a receive timeout so that no receive
//  waits forever.

static zsock_t *
s_socket(int type, const char *endpoint)
{
    zsock_t *socket = zsock_new(type);
    assert_non_null(socket);
    zsock_set_linger(socket, 0);
    zsock_set_rcvtimeo(socket, s_DEADLINE_MS);
    assert_int_equal(zsock_connect(socket, "%s", endpoint), 0);
    return socket;
}

//  A subscriber connected to endpoint and subscribed to prefix.
static zsock_t *
s_subscriber(const char *endpoint, const char *prefix)
{
    zsock_t *subscriber = s_socket(ZMQ_SUB, endpoint);
    zsock_set_subscribe(subscriber, prefix);
    return subscriber;
}

//  Wait until an XPUB publisher hears of a subscription (subscribe = 1) or
//  an unsubscription (0) of each of the count prefixes, in any order: then
//  the path through the broker is open (or closed) for them. Other
//  subscription messages are skipped.
static void
s_expect_subscriptions(zsock_t *publisher, int subscribe, const char **prefixes, size_t count)
{
    bool seen [8] = { false };
    assert_true(count <= sizeof seen / sizeof seen[0]);
    size_t missing = count;
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (missing > 0 && zclock_mono() < deadline) {
        zframe_t *frame = zframe_recv(publisher);
        if (!frame)
            break;
        for (size_t index = 0; index < count; index++) {
            size_t length = strlen(prefixes[index]);
            if (!seen[index] && zframe_size(frame) == length + 1
            &&  zframe_data(frame)[0] == subscribe
            &&  memcmp(zframe_data(frame) + 1, prefixes[index], length) == 0) {
                seen[index] = true;
                missing--;
            }
        }
        zframe_destroy(&frame);
    }
    for (size_t index = 0; index < count; index++)
        if (!seen[index])
            fail_msg("no %s of \"%s\" reached the publisher",
                     subscribe? "subscription": "unsubscription", prefixes[index]);
}

static void
s_expect_subscription(zsock_t *publisher, int subscribe, const char *prefix)
{
    s_expect_subscriptions(publisher, subscribe, &prefix, 1);
}

//  Receive one message and check it is the topic and body given.
static void
s_expect_message(zsock_t *subscriber, const char *topic, const char *body)
{
    zmsg_t *message = zmsg_recv(subscriber);
    assert_non_null(message);
    assert_int_equal(zmsg_size(message), 2);
    char *got_topic = zmsg_popstr(message);
    char *got_body = zmsg_popstr(message);
    assert_string_equal(got_topic, topic);
    assert_string_equal(got_body, body);
    free(got_topic);
    free(got_body);
    zmsg_destroy(&message);
}

//  Nothing more is waiting on the socket.
static void
s_expect_nothing(zsock_t *socket)
{
    zmq_pollitem_t item = { zsock_resolve(socket), 0, ZMQ_POLLIN, 0 };
    assert_int_equal(zmq_poll(&item, 1, 0), 0);
}

//  Ask the control endpoint for request; the reply, to free, or NULL.
static char *
s_control_ask(const char *endpoint, const char *request)
{
    zsock_t *client = s_socket(ZMQ_REQ, endpoint);
    assert_int_equal(zstr_send(client, request), 0);
    char *reply = zstr_recv(client);
    zsock_destroy(&client);
    return reply;
}

//  A number in the JSON answer to "STATS", e.g. "backend", "bytes_out".
static uint64_t
s_json_counter(const cJSON *root, const char *section, const char *name)
{
    const cJSON *object = section? cJSON_GetObjectItemCaseSensitive(root, section): root;
    const cJSON *number = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!cJSON_IsNumber(number))
        fail_msg("STATS reply has no number %s.%s", section? section: "", name);
    return (uint64_t) number->valuedouble;
}

//  A config for tests: tcp on any port of the loopback, no stats line.
static void
s_config_any_port(jb_broker_config_t *config)
{
    jb_broker_config_defaults(config);
    config->frontend = "tcp://127.0.0.1:*";
    config->backend = "tcp://127.0.0.1:*";
    config->control = "tcp://127.0.0.1:*";
    config->stats_interval_ms = 0;
}

//  --------------------------------------------------------------------------
//  The usage example: a broker in this process on inproc endpoints, a
//  publisher and a subscriber, a three-frame message through it.

static void
test_broker_forwards_multipart_messages_between_inproc_peers(void **state)
{
    (void) state;
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    config.frontend = "inproc://example-publishers";
    config.backend = "inproc://example-subscribers";
    config.control = NULL;
    jb_error_t error;
    jb_broker_t *broker = jb_broker_new(&config, &error);
    assert_non_null(broker);
    assert_string_equal(jb_broker_endpoint_frontend(broker), "inproc://example-publishers");
    assert_string_equal(jb_broker_endpoint_control(broker), "");

    zsock_t *publisher = s_socket(ZMQ_PUB, jb_broker_endpoint_frontend(broker));
    zsock_t *subscriber = s_subscriber(jb_broker_endpoint_backend(broker), "jerry.");
    zsock_set_rcvtimeo(subscriber, 20);

    //  A PUB socket drops what it publishes until the subscription has come
    //  through the broker, so publish again until a message arrives.
    zmsg_t *received = NULL;
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (!received && zclock_mono() < deadline) {
        zsock_send(publisher, "sss", "jerry.work_tracking.task.completed",
                   "application/cloudevents+json", "{\"specversion\":\"1.0\"}");
        received = zmsg_recv(subscriber);
    }
    assert_non_null(received);
    assert_int_equal(zmsg_size(received), 3);
    char *topic = zmsg_popstr(received);
    char *media_type = zmsg_popstr(received);
    char *body = zmsg_popstr(received);
    assert_string_equal(topic, "jerry.work_tracking.task.completed");
    assert_string_equal(media_type, "application/cloudevents+json");
    assert_string_equal(body, "{\"specversion\":\"1.0\"}");
    free(topic);
    free(media_type);
    free(body);
    zmsg_destroy(&received);

    zsock_destroy(&subscriber);
    zsock_destroy(&publisher);
    jb_broker_destroy(&broker);
    assert_null(broker);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------

static void
test_broker_binds_any_tcp_port_and_reports_it(void **state)
{
    (void) state;
    jb_broker_config_t config;
    s_config_any_port(&config);
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    const char *endpoints [] = { jb_broker_endpoint_frontend(broker),
                                 jb_broker_endpoint_backend(broker),
                                 jb_broker_endpoint_control(broker) };
    int ports [3];
    for (int index = 0; index < 3; index++) {
        const char *prefix = "tcp://127.0.0.1:";
        assert_memory_equal(endpoints[index], prefix, strlen(prefix));
        char *end;
        long port = strtol(endpoints[index] + strlen(prefix), &end, 10);
        assert_true(*end == '\0' && port > 0 && port < 65536);
        ports[index] = (int) port;
    }
    assert_true(ports[0] != ports[1] && ports[1] != ports[2] && ports[0] != ports[2]);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------

static void
test_broker_binds_ipc_endpoints(void **state)
{
    (void) state;
    char frontend [PATH_MAX + 16], backend [PATH_MAX + 16];
    testproc_format(frontend, sizeof frontend, "ipc://%s/publishers", testproc_directory);
    testproc_format(backend, sizeof backend, "ipc://%s/subscribers", testproc_directory);
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    config.frontend = frontend;
    config.backend = backend;
    config.control = NULL;
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    assert_string_equal(jb_broker_endpoint_frontend(broker), frontend);
    assert_string_equal(jb_broker_endpoint_backend(broker), backend);

    zsock_t *subscriber = s_subscriber(backend, "ipc.");
    zsock_t *publisher = s_socket(ZMQ_XPUB, frontend);
    s_expect_subscription(publisher, 1, "ipc.");
    assert_int_equal(zsock_send(publisher, "ss", "ipc.works", "yes"), 0);
    s_expect_message(subscriber, "ipc.works", "yes");
    zsock_destroy(&publisher);
    zsock_destroy(&subscriber);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------
//  Each subscriber gets exactly the topics under its prefix. One publisher
//  and one path per subscriber keep order, so when a subscriber has its
//  last message it has everything it will get.

static void
test_broker_routes_by_topic_prefix(void **state)
{
    (void) state;
    jb_broker_config_t config;
    s_config_any_port(&config);
    config.control = NULL;
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    zsock_t *tracking = s_subscriber(jb_broker_endpoint_backend(broker), "jerry.work_tracking.");
    zsock_t *billing = s_subscriber(jb_broker_endpoint_backend(broker), "jerry.billing.");
    zsock_t *publisher = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    const char *prefixes [] = { "jerry.work_tracking.", "jerry.billing." };
    s_expect_subscriptions(publisher, 1, prefixes, 2);

    const char *topics [] = { "jerry.work_tracking.task.created", "jerry.billing.invoice.sent",
                              "jerry.other.thing.happened", "jerry.work_tracking",
                              "jerry.work_tracking.task.completed", "jerry.billing.invoice.paid" };
    for (size_t index = 0; index < sizeof topics / sizeof topics[0]; index++)
        assert_int_equal(zsock_send(publisher, "ss", topics[index], "{}"), 0);

    s_expect_message(tracking, "jerry.work_tracking.task.created", "{}");
    s_expect_message(tracking, "jerry.work_tracking.task.completed", "{}");
    s_expect_message(billing, "jerry.billing.invoice.sent", "{}");
    s_expect_message(billing, "jerry.billing.invoice.paid", "{}");
    s_expect_nothing(tracking);
    s_expect_nothing(billing);

    zsock_destroy(&publisher);
    zsock_destroy(&billing);
    zsock_destroy(&tracking);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------
//  The counters are exact: the XPUB publisher only sends once it knows of
//  the subscription, so no message is lost and none is a retry.

static void
test_broker_counts_messages_and_bytes_exactly(void **state)
{
    (void) state;
    jb_broker_config_t config;
    s_config_any_port(&config);
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    zsock_t *subscriber = s_subscriber(jb_broker_endpoint_backend(broker), "count.");
    zsock_t *publisher = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    s_expect_subscription(publisher, 1, "count.");
    //  A second subscriber of the prefix: publishers hear of it once
    zsock_t *second = s_subscriber(jb_broker_endpoint_backend(broker), "count.");
    jb_broker_stats_t stats;
    int64_t deadline = zclock_mono() + 5000;
    while ((jb_broker_stats(broker, &stats), stats.subscriptions < 2)
    &&     zclock_mono() < deadline)
        zclock_sleep(10);
    zsock_set_rcvtimeo(publisher, 200);
    char *extra = zstr_recv(publisher);
    assert_null(extra);

    enum { s_MESSAGES = 25 };
    uint64_t bytes = 0;
    char body [s_MESSAGES + 1];
    for (int index = 0; index < s_MESSAGES; index++) {
        memset(body, 'x', (size_t) index);
        body[index] = '\0';
        assert_int_equal(zsock_send(publisher, "ss", "count.it", body), 0);
        bytes += strlen("count.it") + (uint64_t) index;
    }
    for (int index = 0; index < s_MESSAGES; index++) {
        memset(body, 'x', (size_t) index);
        body[index] = '\0';
        s_expect_message(subscriber, "count.it", body);
        s_expect_message(second, "count.it", body);
    }

    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.messages_in, s_MESSAGES);
    assert_int_equal(stats.bytes_in, bytes);
    //  Forwarded once each, delivered to both subscribers
    assert_int_equal(stats.messages_out, s_MESSAGES);
    assert_int_equal(stats.bytes_out, bytes);
    assert_int_equal(stats.deliveries, 2 * s_MESSAGES);
    assert_int_equal(stats.bytes_delivered, 2 * bytes);
    assert_int_equal(stats.publishers, 1);
    assert_int_equal(stats.subscribers, 2);
    assert_int_equal(stats.subscriptions, 2);
    assert_int_equal(stats.prefixes, 1);

    char *reply = s_control_ask(jb_broker_endpoint_control(broker), "STATS");
    assert_non_null(reply);
    cJSON *root = cJSON_Parse(reply);
    assert_non_null(root);
    assert_int_equal(s_json_counter(root, "frontend", "messages_in"), s_MESSAGES);
    assert_int_equal(s_json_counter(root, "frontend", "bytes_in"), bytes);
    assert_int_equal(s_json_counter(root, "frontend", "publishers"), 1);
    assert_int_equal(s_json_counter(root, "backend", "messages_out"), s_MESSAGES);
    assert_int_equal(s_json_counter(root, "backend", "bytes_out"), bytes);
    assert_int_equal(s_json_counter(root, "backend", "deliveries"), 2 * s_MESSAGES);
    assert_int_equal(s_json_counter(root, "backend", "subscribers"), 2);
    assert_int_equal(s_json_counter(root, "backend", "subscriptions"), 2);
    assert_int_equal(s_json_counter(root, "backend", "prefixes"), 1);
    assert_true(s_json_counter(root, NULL, "uptime_ms") >= stats.uptime_ms);
    cJSON_Delete(root);
    zstr_free(&reply);

    //  Each connection, with what it sent or was sent
    reply = s_control_ask(jb_broker_endpoint_control(broker), "CONNZ");
    assert_non_null(reply);
    root = cJSON_Parse(reply);
    assert_non_null(root);
    const cJSON *connections = cJSON_GetObjectItemCaseSensitive(root, "connections");
    assert_int_equal(cJSON_GetArraySize(connections), 3);
    const cJSON *connection;
    int publishers = 0, subscribers = 0;
    cJSON_ArrayForEach(connection, connections) {
        const char *side = cJSON_GetObjectItemCaseSensitive(connection, "side")->valuestring;
        const char *peer = cJSON_GetObjectItemCaseSensitive(connection, "peer")->valuestring;
        assert_true(strncmp(peer, "127.0.0.1:", 10) == 0);
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(connection, "messages")->valuedouble,
                         s_MESSAGES);
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(connection, "bytes")->valuedouble,
                         bytes);
        const cJSON *prefixes = cJSON_GetObjectItemCaseSensitive(connection, "subscriptions");
        if (streq(side, "publisher")) {
            publishers++;
            assert_int_equal(cJSON_GetArraySize(prefixes), 0);
        }
        else {
            subscribers++;
            assert_int_equal(cJSON_GetArraySize(prefixes), 1);
            assert_string_equal(cJSON_GetArrayItem(prefixes, 0)->valuestring, "count.");
        }
        assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(connection, "since")
                               ->valuestring, "T"));
    }
    assert_int_equal(publishers, 1);
    assert_int_equal(subscribers, 2);
    cJSON_Delete(root);
    zstr_free(&reply);
    reply = s_control_ask(jb_broker_endpoint_control(broker), "SUBSZ");
    assert_non_null(reply);
    assert_non_null(strstr(reply, "\"list\":[{\"prefix\":\"count.\",\"subscribers\":2}]"));
    zstr_free(&reply);

    //  One subscriber goes: a normal disconnect; publishers still hold
    //  the prefix for the other
    zsock_destroy(&second);
    deadline = zclock_mono() + 5000;
    while ((jb_broker_stats(broker, &stats), stats.subscribers > 1) && zclock_mono() < deadline)
        zclock_sleep(10);
    assert_int_equal(stats.subscribers, 1);
    assert_int_equal(stats.subscriptions, 1);
    assert_int_equal(stats.prefixes, 1);
    assert_int_equal(stats.subscriber_disconnects, 1);
    assert_int_equal(stats.cut, 0);
    extra = zstr_recv(publisher);
    assert_null(extra);

    //  The last unsubscribes: publishers hear of it
    zsock_set_unsubscribe(subscriber, "count.");
    s_expect_subscription(publisher, 0, "count.");
    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.subscriptions, 0);
    assert_int_equal(stats.prefixes, 0);
    assert_int_equal(stats.subscribers, 1);

    zsock_destroy(&publisher);
    zsock_destroy(&subscriber);
    //  destroy returns at once: linger applies when the context ends.
    int64_t started = zclock_mono();
    jb_broker_destroy(&broker);
    assert_true(zclock_mono() - started < config.linger_ms);
}

//  --------------------------------------------------------------------------

//  Publishers hear of a prefix once while anyone holds it, and of its end
//  once nobody does, however subscribers come and go: the upstream XSUB
//  counts subscriptions, so one told twice would never be withdrawn. A
//  subscriber that leaves as another subscribes is the race; a peer that
//  unsubscribes from a prefix it never held must not take it from others.

static void
test_broker_tells_publishers_of_a_prefix_once_through_churn(void **state)
{
    (void) state;
    jb_broker_config_t config;
    s_config_any_port(&config);
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    zsock_t *publisher = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    const char *backend = jb_broker_endpoint_backend(broker);
    enum { s_ROUNDS = 100 };
    for (int round = 0; round < s_ROUNDS; round++) {
        zsock_t *leaving = s_subscriber(backend, "churn.");
        if (round == 0)
            s_expect_subscription(publisher, 1, "churn.");
        zsock_t *coming = s_subscriber(backend, "churn.");
        zsock_destroy(&leaving);            //  as the next one subscribes
        zclock_sleep(round % 3);
        zsock_destroy(&coming);
        zsock_t *keeping = s_subscriber(backend, "churn.");
        zsock_destroy(&keeping);
    }
    //  Everyone has gone: publishers hear so, and nothing after it
    jb_broker_stats_t stats;
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while ((jb_broker_stats(broker, &stats), stats.subscribers > 0) && zclock_mono() < deadline)
        zclock_sleep(10);
    assert_int_equal(stats.subscribers, 0);
    int last = -1;
    zsock_set_rcvtimeo(publisher, 300);
    for (zframe_t *frame; (frame = zframe_recv(publisher)); zframe_destroy(&frame))
        if (zframe_size(frame) == 1 + strlen("churn."))
            last = zframe_data(frame)[0];
    assert_int_equal(last, 0);

    //  A raw peer unsubscribes from what it never held: the holder keeps it
    zsock_t *holder = s_subscriber(backend, "held.");
    zsock_set_rcvtimeo(publisher, s_DEADLINE_MS);
    s_expect_subscription(publisher, 1, "held.");
    zsock_t *stranger = s_socket(ZMQ_XSUB, backend);
    const char unsubscribe [] = "\0held.";
    assert_int_equal(zmq_send(zsock_resolve(stranger), unsubscribe, sizeof unsubscribe - 1, 0),
                     (int) sizeof unsubscribe - 1);
    zsock_set_rcvtimeo(publisher, 300);
    zframe_t *frame = zframe_recv(publisher);
    if (frame)
        fail_msg("publishers heard %s of \"held.\" from a peer that never held it",
                 zframe_data(frame)[0]? "a subscription": "an unsubscription");
    assert_int_equal(zsock_send(publisher, "ss", "held.it", "body"), 0);
    s_expect_message(holder, "held.it", "body");

    zsock_destroy(&stranger);
    zsock_destroy(&holder);
    zsock_destroy(&publisher);
    jb_broker_destroy(&broker);
}

static void
test_broker_reports_an_endpoint_in_use(void **state)
{
    (void) state;
    jb_broker_config_t config;
    s_config_any_port(&config);
    jb_broker_t *first = jb_broker_new(&config, NULL);
    assert_non_null(first);

    char endpoint [JB_BROKER_ENDPOINT_MAX];
    snprintf(endpoint, sizeof endpoint, "%s", jb_broker_endpoint_frontend(first));
    config.frontend = endpoint;
    jb_error_t error;
    assert_null(jb_broker_new(&config, &error));
    assert_int_equal(error.code, JB_ESOCKET);
    char expected [PATH_MAX + JB_ERROR_MESSAGE_MAX];
    testproc_format(expected, sizeof expected, "endpoint %s for publishers: Address already in use",
                    endpoint);
    assert_string_equal(error.message, expected);

    config.frontend = "tcp://127.0.0.1:*";
    config.backend = jb_broker_endpoint_backend(first);
    assert_null(jb_broker_new(&config, &error));
    assert_int_equal(error.code, JB_ESOCKET);
    assert_non_null(strstr(error.message, "for subscribers: Address already in use"));

    config.backend = "tcp://127.0.0.1:*";
    config.control = jb_broker_endpoint_control(first);
    assert_null(jb_broker_new(&config, &error));
    assert_non_null(strstr(error.message, "for control: Address already in use"));

    config.control = "bogus://nowhere";
    assert_null(jb_broker_new(&config, &error));
    assert_int_equal(error.code, JB_ESOCKET);
    assert_string_equal(error.message, "endpoint bogus://nowhere for control: Protocol not supported");

    //  Values set in code are checked as strictly as the config file's.
    config.control = "tcp://127.0.0.1:*";
    config.sndhwm = -1;
    assert_null(jb_broker_new(&config, &error));
    assert_int_equal(error.code, JB_ECONFIG);
    assert_string_equal(error.attribute, "sndhwm");
    config.sndhwm = 10;
    config.frontend = "";
    assert_null(jb_broker_new(&config, &error));
    assert_int_equal(error.code, JB_ECONFIG);
    assert_string_equal(error.message, "frontend: no endpoint given");

    jb_broker_destroy(&first);
}

//  --------------------------------------------------------------------------

static void
test_config_load_reads_every_key(void **state)
{
    (void) state;
    char path [PATH_MAX];
    testproc_write_file("every-key.cfg",
        "#   every key the broker knows\n"
        "broker\n"
        "    frontend = \"ipc:///tmp/jbus-front\"\n"
        "    backend = tcp://127.0.0.1:*\n"
        "    control = \"\"\n"
        "    sndhwm = 0\n"
        "    rcvhwm = 42\n"
        "    max_message_size = -1\n"
        "    linger = 250\n"
        "    stats_interval = 0\n"
        "    heartbeat_ivl = 0\n"
        "    heartbeat_timeout = 3000   # comment\n"
        "    max_frames = 12\n"
        "    max_message_bytes = -1\n"
        "    journal = /var/lib/jbus/journal\n"
        "    journal_filter = jerry.work_tracking.\n"
        "    journal_filter = jerry.billing.\n"
        "    journal_max_bytes = 2097152\n"
        "    journal_max_age = 0\n"
        "    journal_commit_ms = 50\n"
        "    journal_commit_count = 10\n"
        "    journal_sync = false\n"
        "    journal_queue = 1000\n", path);
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    jb_error_t error;
    assert_int_equal(jb_broker_config_load(&config, path, &error), 0);
    assert_string_equal(config.frontend, "ipc:///tmp/jbus-front");
    assert_string_equal(config.backend, "tcp://127.0.0.1:*");
    assert_string_equal(config.control, "");
    assert_int_equal(config.sndhwm, 0);
    assert_int_equal(config.rcvhwm, 42);
    assert_int_equal(config.max_message_size, -1);
    assert_int_equal(config.linger_ms, 250);
    assert_int_equal(config.stats_interval_ms, 0);
    assert_int_equal(config.heartbeat_ivl_ms, 0);
    assert_int_equal(config.heartbeat_timeout_ms, 3000);
    assert_int_equal(config.max_frames, 12);
    assert_int_equal(config.max_message_bytes, -1);
    assert_string_equal(config.journal, "/var/lib/jbus/journal");
    //  journal_filter is repeatable: one line each
    assert_string_equal(config.journal_filters, "jerry.work_tracking.\njerry.billing.");
    assert_int_equal(config.journal_max_bytes, 2097152);
    assert_int_equal(config.journal_max_age_ms, 0);
    assert_int_equal(config.journal_commit_ms, 50);
    assert_int_equal(config.journal_commit_count, 10);
    assert_false(config.journal_sync);
    assert_int_equal(config.journal_queue, 1000);
    assert_int_equal(jb_broker_config_set(&config, "journal_filter", "a\nb", &error),
                     JB_ECONFIG);
    assert_int_equal(jb_broker_config_set(&config, "journal_max_bytes", "1000", &error),
                     JB_ECONFIG);

    //  A second file changes only what it names.
    testproc_write_file("some-keys.cfg", "broker\n    rcvhwm = 7\n    frontend = inproc://x\n",
                        path);
    assert_int_equal(jb_broker_config_load(&config, path, &error), 0);
    assert_string_equal(config.frontend, "inproc://x");
    assert_string_equal(config.backend, "tcp://127.0.0.1:*");
    assert_int_equal(config.rcvhwm, 7);
    assert_int_equal(config.linger_ms, 250);
    jb_broker_config_reset(&config);
    assert_string_equal(config.frontend, JB_BROKER_FRONTEND_DEFAULT);

    //  The example shipped with the program holds the defaults.
    jb_broker_config_t defaults;
    jb_broker_config_defaults(&defaults);
    assert_int_equal(jb_broker_config_load(&config, JBUS_SOURCE_DIR "/bus/jbus-broker.cfg",
                                           &error), 0);
    assert_string_equal(config.frontend, defaults.frontend);
    assert_string_equal(config.backend, defaults.backend);
    assert_string_equal(config.control, defaults.control);
    assert_int_equal(config.sndhwm, defaults.sndhwm);
    assert_int_equal(config.rcvhwm, defaults.rcvhwm);
    assert_int_equal(config.max_message_size, defaults.max_message_size);
    assert_int_equal(config.linger_ms, defaults.linger_ms);
    assert_int_equal(config.announce_retain_ms, defaults.announce_retain_ms);
    assert_null(config.journal && *config.journal? config.journal: NULL);
    assert_null(config.journal_filters);
    assert_int_equal(config.journal_max_bytes, defaults.journal_max_bytes);
    assert_int_equal(config.journal_max_age_ms, defaults.journal_max_age_ms);
    assert_int_equal(config.journal_commit_ms, defaults.journal_commit_ms);
    assert_int_equal(config.journal_commit_count, defaults.journal_commit_count);
    assert_true(config.journal_sync == defaults.journal_sync);
    assert_int_equal(config.journal_queue, defaults.journal_queue);
    assert_string_equal(config.replay, defaults.replay);
    assert_int_equal(config.stats_interval_ms, defaults.stats_interval_ms);
    assert_int_equal(config.heartbeat_ivl_ms, defaults.heartbeat_ivl_ms);
    assert_int_equal(config.heartbeat_timeout_ms, defaults.heartbeat_timeout_ms);
    assert_int_equal(config.max_frames, defaults.max_frames);
    assert_int_equal(config.max_message_bytes, defaults.max_message_bytes);
    //  ... CURVE off: both keys documented, empty, and no rules
    assert_string_equal(config.curve_cert, "");
    assert_string_equal(config.curve_clients, "");
    assert_null(config.rules);
    jb_broker_config_reset(&config);
}

//  --------------------------------------------------------------------------

static void
test_config_load_rejects_an_unknown_key(void **state)
{
    (void) state;
    char path [PATH_MAX];
    testproc_write_file("unknown-key.cfg", "broker\n    linger = 5\n    sndwhm = 10\n", path);
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    jb_error_t error;
    assert_int_equal(jb_broker_config_load(&config, path, &error), JB_ECONFIG);
    char expected [PATH_MAX + JB_ERROR_MESSAGE_MAX];
    testproc_format(expected, sizeof expected, "config file %s: unknown key \"broker/sndwhm\"",
                    path);
    assert_string_equal(error.message, expected);
    assert_string_equal(error.attribute, "sndwhm");
    //  Nothing of a bad file is applied, not even the keys before the bad one.
    assert_int_equal(config.linger_ms, 1000);

    testproc_write_file("unknown-section.cfg", "server\n    linger = 5\n", path);
    assert_int_equal(jb_broker_config_load(&config, path, &error), JB_ECONFIG);
    assert_non_null(strstr(error.message, "unknown section \"server\""));
    assert_non_null(strstr(error.message, path));

    assert_int_equal(jb_broker_config_set(&config, "colour", "blue", &error), JB_ECONFIG);
    assert_string_equal(error.message, "unknown key \"colour\"");
    jb_broker_config_reset(&config);
}

//  --------------------------------------------------------------------------

static void
test_config_load_rejects_a_bad_number(void **state)
{
    (void) state;
    const struct {
        const char *line;
        const char *message;            //  after "config file PATH: "
    } cases [] = {
        { "sndhwm = lots",
          "broker/sndhwm: \"lots\" is not a whole number from 0 to 2147483647" },
        { "linger = -5",
          "broker/linger: \"-5\" is not a duration: a duration is a whole number and a unit: 500ms, 5s, 2m, 1h, 7d, or several (1m30s); a bare number is milliseconds" },
        { "rcvhwm = 0x10",
          "broker/rcvhwm: \"0x10\" is not a whole number from 0 to 2147483647" },
        { "stats_interval = 2147483648",
          "broker/stats_interval: 2147483648 is not from 0 ms to 2147483647 ms" },
        { "stats_interval = 25d", "broker/stats_interval: 25d is not from 0 ms to 2147483647 ms" },
        { "heartbeat_timeout = 5 s",
          "broker/heartbeat_timeout: \"5 s\" is not a duration: a duration is a whole number and a unit: 500ms, 5s, 2m, 1h, 7d, or several (1m30s); a bare number is milliseconds" },
        { "journal_max_age = 1.5h",
          "broker/journal_max_age: \"1.5h\" is not a duration: a duration is a whole number and a unit: 500ms, 5s, 2m, 1h, 7d, or several (1m30s); a bare number is milliseconds" },
        { "max_message_size = 99999999999999999999",
          "broker/max_message_size: \"99999999999999999999\" is not a whole number "
          "from -1 to 9223372036854775807" },
        { "max_message_size = -2",
          "broker/max_message_size: \"-2\" is not a whole number from -1 to 9223372036854775807" },
        { "heartbeat_ivl = \"\"",
          "broker/heartbeat_ivl: \"\" is not a duration: a duration is a whole number and a unit: 500ms, 5s, 2m, 1h, 7d, or several (1m30s); a bare number is milliseconds" },
        { "frontend = \"\"", "broker/frontend: \"\" is not an endpoint" },
        { "max_frames = 0", "broker/max_frames: \"0\" is not a whole number from 1 to 64" },
        { "max_frames = 65", "broker/max_frames: \"65\" is not a whole number from 1 to 64" },
        { "max_message_bytes = -2",
          "broker/max_message_bytes: \"-2\" is not a whole number from -1 to "
          "9223372036854775807" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        char text [256], path [PATH_MAX];
        snprintf(text, sizeof text, "broker\n    %s\n", cases[index].line);
        testproc_write_file("bad-number.cfg", text, path);
        jb_broker_config_t config;
        jb_broker_config_defaults(&config);
        jb_error_t error;
        assert_int_equal(jb_broker_config_load(&config, path, &error), JB_ECONFIG);
        char expected [PATH_MAX + JB_ERROR_MESSAGE_MAX];
        testproc_format(expected, sizeof expected, "config file %s: %s", path,
                        cases[index].message);
        assert_string_equal(error.message, expected);
        jb_broker_config_reset(&config);
    }
}

//  --------------------------------------------------------------------------
//  Every time in the config and on the command line is a duration; a bare
//  number keeps meaning milliseconds.

static void
test_config_times_are_durations(void **state)
{
    (void) state;
    char path [PATH_MAX];
    testproc_write_file("durations.cfg",
                        "broker\n"
                        "    announce_retain = 2m\n"
                        "    linger = 250ms\n"
                        "    stats_interval = 1m30s\n"
                        "    heartbeat_ivl = 5s\n"
                        "    heartbeat_timeout = 15000\n"
                        "    journal_max_age = 7d\n"
                        "    journal_commit_ms = 20ms\n", path);
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    jb_error_t error;
    assert_int_equal(jb_broker_config_load(&config, path, &error), 0);
    assert_int_equal(config.announce_retain_ms, 120000);
    assert_int_equal(config.linger_ms, 250);
    assert_int_equal(config.stats_interval_ms, 90000);
    assert_int_equal(config.heartbeat_ivl_ms, 5000);
    assert_int_equal(config.heartbeat_timeout_ms, 15000);
    assert_int_equal(config.journal_max_age_ms, 7LL * 86400000);
    assert_int_equal(config.journal_commit_ms, 20);
    assert_int_equal(jb_broker_config_set(&config, "linger", "2s", &error), 0);
    assert_int_equal(config.linger_ms, 2000);
    jb_broker_config_reset(&config);
    //  the program's flags go through the same
    const char *args [] = { "--stats-interval", "1h1s", "--linger", "soon", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_BROKER, args, &outcome);
    assert_int_equal(outcome.status, 2);
    assert_non_null(strstr(outcome.err, "--linger: \"soon\" is not a duration"));
    assert_non_null(strstr(outcome.err, "a bare number is milliseconds"));
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------

static void
test_config_load_reports_a_missing_file_and_bad_zpl(void **state)
{
    (void) state;
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    jb_error_t error;
    char path [PATH_MAX];
    testproc_format(path, sizeof path, "%s/no-such.cfg", testproc_directory);
    assert_int_equal(jb_broker_config_load(&config, path, &error), JB_EIO);
    char expected [PATH_MAX + JB_ERROR_MESSAGE_MAX];
    testproc_format(expected, sizeof expected, "config file %s: No such file or directory", path);
    assert_string_equal(error.message, expected);

    testproc_write_file("bad-zpl.cfg", "broker\n  linger = 5\n", path);
    assert_int_equal(jb_broker_config_load(&config, path, &error), JB_ECONFIG);
    assert_non_null(strstr(error.message, "not valid ZPL"));
    assert_non_null(strstr(error.message, path));
    jb_broker_config_reset(&config);
}

//  --------------------------------------------------------------------------
//  Strings set by key are the config's own copies, freed by reset.

static void
test_config_set_copies_what_it_is_given(void **state)
{
    (void) state;
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    char endpoint [64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:*");
    assert_int_equal(jb_broker_config_set(&config, "frontend", endpoint, NULL), 0);
    assert_int_equal(jb_broker_config_set(&config, "frontend", endpoint, NULL), 0);
    assert_int_equal(jb_broker_config_set(&config, "control", "", NULL), 0);
    assert_int_equal(jb_broker_config_set(&config, "max_message_size", "123", NULL), 0);
    endpoint[0] = 'X';
    assert_string_equal(config.frontend, "tcp://127.0.0.1:*");
    assert_string_equal(config.control, "");
    assert_int_equal(config.max_message_size, 123);

    char long_endpoint [JB_BROKER_ENDPOINT_MAX + 10];
    memset(long_endpoint, 'a', sizeof long_endpoint - 1);
    long_endpoint[sizeof long_endpoint - 1] = '\0';
    jb_error_t error;
    assert_int_equal(jb_broker_config_set(&config, "backend", long_endpoint, &error), JB_ECONFIG);
    assert_string_equal(error.attribute, "backend");
    assert_string_equal(config.backend, JB_BROKER_BACKEND_DEFAULT);
    jb_broker_config_reset(&config);
    assert_string_equal(config.frontend, JB_BROKER_FRONTEND_DEFAULT);
    assert_null(config.owned[0]);
}

//  --------------------------------------------------------------------------
//  Garbage on the control socket gets an error or nothing, and the broker
//  answers the next proper request.

static void
test_control_survives_garbage_requests(void **state)
{
    (void) state;
    jb_broker_config_t config;
    s_config_any_port(&config);
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    const char *control = jb_broker_endpoint_control(broker);

    char *reply = s_control_ask(control, "stats");
    assert_string_equal(reply, "{\"error\":\"unknown request\"}");
    zstr_free(&reply);
    reply = s_control_ask(control, "");
    assert_string_equal(reply, "{\"error\":\"unknown request\"}");
    zstr_free(&reply);

    //  A DEALER can send what a REQ would not.
    zsock_t *dealer = s_socket(ZMQ_DEALER, control);
    assert_int_equal(zsock_send(dealer, "zss", "STATS", "extra"), 0);
    char *delimiter = NULL;
    assert_int_equal(zsock_recv(dealer, "ss", &delimiter, &reply), 0);
    assert_string_equal(delimiter, "");
    assert_string_equal(reply, "{\"error\":\"unknown request\"}");
    zstr_free(&delimiter);
    zstr_free(&reply);
    //  No envelope: REP drops it. Binary bytes: an error.
    assert_int_equal(zsock_send(dealer, "ss", "no", "delimiter"), 0);
    assert_int_equal(zsock_send(dealer, "zb", "\x00\xff\x01STATS\n", (size_t) 9), 0);
    assert_int_equal(zsock_recv(dealer, "ss", &delimiter, &reply), 0);
    assert_string_equal(reply, "{\"error\":\"unknown request\"}");
    zstr_free(&delimiter);
    zstr_free(&reply);
    //  A frame above the control limit: libzmq drops the connection.
    size_t huge_size = 64 * 1024;
    char *huge = (char *) calloc(1, huge_size);
    assert_non_null(huge);
    assert_int_equal(zsock_send(dealer, "zb", huge, huge_size), 0);
    free(huge);
    //  One client that asks and leaves without reading the answer.
    zsock_t *rude = s_socket(ZMQ_REQ, control);
    assert_int_equal(zstr_send(rude, "STATS"), 0);
    zsock_destroy(&rude);

    reply = s_control_ask(control, "STATS");
    assert_non_null(reply);
    cJSON *root = cJSON_Parse(reply);
    assert_non_null(root);
    assert_int_equal(s_json_counter(root, "frontend", "messages_in"), 0);
    cJSON_Delete(root);
    zstr_free(&reply);
    zsock_destroy(&dealer);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------
//  A publisher that sends a frame above max_message_size is disconnected by
//  libzmq; its message goes nowhere and another publisher's still does.

static void
test_oversized_message_disconnects_only_its_publisher(void **state)
{
    (void) state;
    jb_broker_config_t config;
    s_config_any_port(&config);
    config.control = NULL;
    config.max_message_size = 1024;
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    zsock_t *subscriber = s_subscriber(jb_broker_endpoint_backend(broker), "size.");
    zsock_t *big = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    zsock_t *small = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    s_expect_subscription(big, 1, "size.");
    s_expect_subscription(small, 1, "size.");

    //  Watch the big publisher's connection from its side.
    assert_int_equal(zmq_socket_monitor(zsock_resolve(big), "inproc://test-broker-big-monitor",
                                        ZMQ_EVENT_DISCONNECTED), 0);
    zsock_t *monitor = s_socket(ZMQ_PAIR, "inproc://test-broker-big-monitor");

    char body [2000];
    memset(body, 'b', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    assert_int_equal(zsock_send(big, "ss", "size.big", body), 0);
    zmsg_t *event = zmsg_recv(monitor);
    assert_non_null(event);
    zframe_t *head = zmsg_first(event);
    assert_true(zframe_size(head) >= 2);
    uint16_t kind;
    memcpy(&kind, zframe_data(head), sizeof kind);
    assert_int_equal(kind, ZMQ_EVENT_DISCONNECTED);
    zmsg_destroy(&event);

    assert_int_equal(zsock_send(small, "ss", "size.small", "fits"), 0);
    s_expect_message(subscriber, "size.small", "fits");
    jb_broker_stats_t stats;
    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.messages_in, 1);
    assert_int_equal(stats.bytes_in, strlen("size.small") + strlen("fits"));

    zmq_socket_monitor(zsock_resolve(big), NULL, 0);
    zsock_destroy(&monitor);
    zsock_destroy(&small);
    zsock_destroy(&big);
    zsock_destroy(&subscriber);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------
//  The program, started and reaped through testproc.h.

//  A subscriber on the program's backend gets an event a publisher on its
//  frontend sends.
static void
s_program_forwards_an_event(const testproc_broker_t *program)
{
    zsock_t *subscriber = s_subscriber(program->backend, "jerry.");
    zsock_t *publisher = s_socket(ZMQ_XPUB, program->frontend);
    s_expect_subscription(publisher, 1, "jerry.");
    assert_int_equal(zsock_send(publisher, "ss", "jerry.work_tracking.task.completed", "{}"), 0);
    s_expect_message(subscriber, "jerry.work_tracking.task.completed", "{}");
    zsock_destroy(&publisher);
    zsock_destroy(&subscriber);
}

static void
test_program_forwards_and_stops_on_sigterm(void **state)
{
    (void) state;
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                            "--control", "tcp://127.0.0.1:*", "--linger", "500", NULL };
    testproc_broker_t program;
    testproc_broker_start(args, &program);

    s_program_forwards_an_event(&program);
    char *reply = s_control_ask(program.control, "STATS");
    assert_non_null(reply);
    cJSON *root = cJSON_Parse(reply);
    assert_non_null(root);
    assert_int_equal(s_json_counter(root, "frontend", "messages_in"), 1);
    assert_int_equal(s_json_counter(root, "backend", "deliveries"), 1);
    cJSON_Delete(root);
    zstr_free(&reply);

    int64_t stopping = zclock_mono();
    assert_int_equal(kill(program.process.pid, SIGTERM), 0);
    testproc_outcome_t outcome;
    testproc_wait(&program.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    //  Sanitizer builds take their time over the exit; plain ones do not.
    assert_true(zclock_mono() - stopping < s_DEADLINE_MS);
    assert_non_null(strstr(outcome.err, "SIGTERM received, stopping"));
    assert_non_null(strstr(outcome.err, "jbus broker stopped: "));
    assert_non_null(strstr(outcome.err, "; in 1 messages"));
    testproc_outcome_free(&outcome);
}

//  SIGHUP, SIGUSR1 and SIGUSR2 kill a process by default; the broker logs
//  each and goes on forwarding (SIGHUP reloads; the others are ignored).

static void
test_program_logs_and_ignores_sighup_and_sigusr(void **state)
{
    (void) state;
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                            "--no-control", "--stats-interval", "0", NULL };
    testproc_broker_t program;
    testproc_broker_start(args, &program);
    assert_int_equal(kill(program.process.pid, SIGHUP), 0);
    assert_int_equal(kill(program.process.pid, SIGUSR1), 0);
    assert_int_equal(kill(program.process.pid, SIGUSR2), 0);

    s_program_forwards_an_event(&program);

    assert_int_equal(kill(program.process.pid, SIGTERM), 0);
    testproc_outcome_t outcome;
    testproc_wait(&program.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    //  without CURVE a reload has no rules to apply; the broker goes on
    assert_non_null(strstr(outcome.err, "SIGHUP received, reloading (no config file: the flags)"));
    assert_null(strstr(outcome.err, "reload failed"));
    assert_non_null(strstr(outcome.err, "SIGUSR1 received"));
    assert_non_null(strstr(outcome.err, "SIGUSR2 received"));
    assert_non_null(strstr(outcome.err, "SIGTERM received, stopping"));
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------
//  A heartbeat timeout below the interval starts the broker, with a
//  warning; the defaults (5000, 15000) and an equal pair give none.

static void
test_program_warns_of_a_heartbeat_timeout_below_the_interval(void **state)
{
    (void) state;
    const struct {
        const char *ivl, *timeout;
        bool warned;
    } cases [] = {
        { "5000", "1000", true }, { "5000", "0", true }, { "5000", "5000", false },
        { "5000", "15000", false }, { "0", "0", false },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend",
                                "tcp://127.0.0.1:*", "--no-control", "--stats-interval", "0",
                                "--heartbeat-ivl", cases[index].ivl, "--heartbeat-timeout",
                                cases[index].timeout, NULL };
        testproc_broker_t program;
        testproc_broker_start(args, &program);
        assert_int_equal(kill(program.process.pid, SIGTERM), 0);
        testproc_outcome_t outcome;
        testproc_wait(&program.process, s_DEADLINE_MS, &outcome);
        assert_int_equal(outcome.status, 0);
        char expected [160];
        testproc_format(expected, sizeof expected, "heartbeat_timeout (%s ms) is below "
                        "heartbeat_ivl (%s ms)", cases[index].timeout, cases[index].ivl);
        bool warned = strstr(outcome.err, expected) != NULL;
        if (warned != cases[index].warned)
            fail_msg("ivl %s timeout %s: %s warning in: %s", cases[index].ivl,
                     cases[index].timeout, warned? "a": "no", outcome.err);
        testproc_outcome_free(&outcome);
    }
}

//  --------------------------------------------------------------------------
//  Flags win over the file, wherever they stand; --no-control wins over a
//  control endpoint in the file. SIGINT stops it as SIGTERM does.

static void
test_program_flags_override_the_config_file(void **state)
{
    (void) state;
    char path [PATH_MAX];
    testproc_write_file("program.cfg",
        "broker\n"
        "    frontend = \"bogus://nowhere\"\n"
        "    backend = \"tcp://127.0.0.1:*\"\n"
        "    control = \"tcp://127.0.0.1:*\"\n"
        "    stats_interval = 0\n", path);
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--config", path, "--no-control",
                            "--verbose", NULL };
    testproc_broker_t program;
    testproc_broker_start(args, &program);
    assert_non_null(strstr(program.frontend, "tcp://127.0.0.1:"));
    assert_non_null(strstr(program.backend, "tcp://127.0.0.1:"));
    assert_string_equal(program.control, "");

    assert_int_equal(kill(program.process.pid, SIGINT), 0);
    testproc_outcome_t outcome;
    testproc_wait(&program.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    assert_non_null(strstr(outcome.err, "SIGINT received, stopping"));
    assert_non_null(strstr(outcome.err, "stats_interval=0"));
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------

static void
test_program_rejects_bad_flags_with_exit_code_2(void **state)
{
    (void) state;
    const struct {
        const char *args [4];
        const char *message;
    } cases [] = {
        { { "--bogus", NULL }, "jbus-broker: unknown option '--bogus'" },
        { { "--frontend", NULL }, "jbus-broker: option '--frontend' needs a value" },
        { { "extra", NULL }, "jbus-broker: unexpected argument 'extra'" },
        { { "--sndhwm", "lots", NULL },
          "jbus-broker: --sndhwm: \"lots\" is not a whole number from 0 to 2147483647" },
        { { "--max-message-size", "-7", NULL },
          "jbus-broker: --max-message-size: \"-7\" is not a whole number" },
        { { "--backend", "", NULL }, "jbus-broker: --backend: \"\" is not an endpoint" },
        { { "--max-frames", "99", NULL },
          "jbus-broker: --max-frames: \"99\" is not a whole number from 1 to 64" },
        { { "--max-message-bytes", "-2", NULL },
          "jbus-broker: --max-message-bytes: \"-2\" is not a whole number" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        testproc_outcome_t outcome;
        testproc_run(TESTPROC_BROKER, cases[index].args, &outcome);
        assert_int_equal(outcome.status, 2);
        if (!strstr(outcome.err, cases[index].message))
            fail_msg("expected \"%s\" in stderr, got \"%s\"", cases[index].message, outcome.err);
        testproc_outcome_free(&outcome);
    }

    const char *help [] = { "--help", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_BROKER, help, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------
//  The log: ISO 8601 times with their zone, levels, a file.

static bool
s_log_line_is_iso(const char *line)
{
    //  2026-12-07T20:44:05.822+00:00 I jbus-broker: ...
    int year, month, day, hour, minute, second, millisecond, zone_hours, zone_minutes;
    char sign, level;
    return sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c%2d:%2d %c jbus-broker: ", &year, &month,
                  &day, &hour, &minute, &second, &millisecond, &sign, &zone_hours,
                  &zone_minutes, &level) == 11
        && (sign == '+' || sign == '-') && strchr("EWID", level);
}

static void
test_program_logs_iso_times_at_the_level_asked_to_a_file(void **state)
{
    (void) state;
    char log_path [PATH_MAX];
    testproc_format(log_path, sizeof log_path, "%s/broker.log", testproc_directory);
    const char *levels [] = { "-v", "-q", "--log-level=info" };
    for (size_t index = 0; index < 3; index++) {
        unlink(log_path);
        const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                                "--no-control", "--log-file", log_path, levels[index], NULL };
        testproc_broker_t program;
        testproc_broker_start(args, &program);
        assert_int_equal(kill(program.process.pid, SIGTERM), 0);
        testproc_outcome_t outcome;
        testproc_wait(&program.process, s_DEADLINE_MS, &outcome);
        assert_int_equal(outcome.status, 0);
        //  the file has the log, stderr nothing of it
        assert_null(strstr(outcome.err, "stopping"));
        testproc_outcome_free(&outcome);
        char *log = testutil_read_file(log_path, NULL);
        assert_non_null(log);
        size_t lines = 0;
        for (char *line = log; line && *line; line = strchr(line, '\n'), line = line? line + 1: NULL) {
            if (!s_log_line_is_iso(line))
                fail_msg("not an ISO 8601 log line: %.200s", line);
            lines++;
        }
        bool debug = strstr(log, " D jbus-broker: configuration: frontend=") != NULL;
        bool info = strstr(log, " I jbus-broker: SIGTERM received, stopping") != NULL;
        assert_int_equal(debug, index == 0);
        assert_int_equal(info, index != 1);
        assert_true(index == 1? lines == 0: lines >= 3);
        free(log);
    }
    unlink(log_path);
    const char *bad [][4] = {
        { "--log-level", "loud", NULL }, { "--log-file", "/nonexistent/dir/broker.log", NULL }
    };
    for (size_t index = 0; index < 2; index++) {
        testproc_outcome_t outcome;
        testproc_run(TESTPROC_BROKER, bad[index], &outcome);
        assert_int_equal(outcome.status, 2);
        assert_non_null(strstr(outcome.err, index == 0? "\"loud\" is not a log level"
                                                      : "cannot open the log file"));
        testproc_outcome_free(&outcome);
    }
}

//  --------------------------------------------------------------------------
//  The config's log_level, applied at start and again by a reload; a flag
//  wins over it.

static void
test_the_configs_log_level_applies_at_start_and_on_reload(void **state)
{
    (void) state;
    char path [PATH_MAX];
    testproc_write_file("log-level.cfg", "broker\n    log_level = \"warn\"\n", path);
    const char *args [] = { "--config", path, "--frontend", "tcp://127.0.0.1:*",
                            "--backend", "tcp://127.0.0.1:*", "--no-control", NULL };
    testproc_broker_t program;
    testproc_broker_start(args, &program);
    //  a reload at warn logs nothing; one at info, after the file says so,
    //  logs the next SIGHUP
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    assert_true(fputs("broker\n    log_level = \"info\"\n", file) >= 0);
    assert_int_equal(fclose(file), 0);
    assert_int_equal(kill(program.process.pid, SIGHUP), 0);
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    char *log = NULL;
    while (true) {
        assert_int_equal(kill(program.process.pid, SIGHUP), 0);
        zclock_sleep(100);
        free(log);
        log = testutil_read_file(program.process.err_path, NULL);
        if (log && strstr(log, " I jbus-broker: SIGHUP received, reloading"))
            break;
        assert_true(zclock_mono() < deadline);
    }
    //  at warn, the start was not logged
    assert_null(strstr(log, "jbus broker started"));
    free(log);
    assert_int_equal(kill(program.process.pid, SIGTERM), 0);
    testproc_outcome_t outcome;
    testproc_wait(&program.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    assert_non_null(strstr(outcome.err, "SIGTERM received, stopping"));
    testproc_outcome_free(&outcome);

    //  a flag wins; a bad level in the config is exit 2
    const char *quiet [] = { "--config", path, "--frontend", "tcp://127.0.0.1:*",
                             "--backend", "tcp://127.0.0.1:*", "--no-control", "-q", NULL };
    testproc_broker_start(quiet, &program);
    assert_int_equal(kill(program.process.pid, SIGTERM), 0);
    testproc_wait(&program.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    assert_null(strstr(outcome.err, "stopping"));
    testproc_outcome_free(&outcome);
    testproc_write_file("log-level.cfg", "broker\n    log_level = \"chatty\"\n", path);
    const char *bad [] = { "--config", path, NULL };
    testproc_run(TESTPROC_BROKER, bad, &outcome);
    assert_int_equal(outcome.status, 2);
    assert_non_null(strstr(outcome.err, "\"chatty\" is not a log level"));
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------

static void
test_program_rejects_a_bad_config_with_exit_code_2(void **state)
{
    (void) state;
    char path [PATH_MAX];
    testproc_write_file("program-bad.cfg", "broker\n    linger = soon\n", path);
    const char *args [] = { "--config", path, "--frontend", "tcp://127.0.0.1:*", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_BROKER, args, &outcome);
    assert_int_equal(outcome.status, 2);
    char expected [PATH_MAX + JB_ERROR_MESSAGE_MAX];
    testproc_format(expected, sizeof expected,
                    "jbus-broker: config file %s: broker/linger: \"soon\" is not a duration",
                    path);
    assert_non_null(strstr(outcome.err, expected));
    testproc_outcome_free(&outcome);

    char missing [PATH_MAX];
    testproc_format(missing, sizeof missing, "%s/missing.cfg", testproc_directory);
    const char *missing_args [] = { "--config", missing, NULL };
    testproc_run(TESTPROC_BROKER, missing_args, &outcome);
    assert_int_equal(outcome.status, 2);
    assert_non_null(strstr(outcome.err, "No such file or directory"));
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------

static void
test_program_reports_an_endpoint_in_use_with_exit_code_1(void **state)
{
    (void) state;
    jb_broker_config_t config;
    s_config_any_port(&config);
    config.control = NULL;
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    const char *args [] = { "--frontend", jb_broker_endpoint_frontend(broker),
                            "--backend", "tcp://127.0.0.1:*", "--no-control", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_BROKER, args, &outcome);
    assert_int_equal(outcome.status, 1);
    char expected [PATH_MAX + JB_ERROR_MESSAGE_MAX];
    testproc_format(expected, sizeof expected,
                    "jbus-broker: endpoint %s for publishers: Address already in use",
                    jb_broker_endpoint_frontend(broker));
    if (!strstr(outcome.err, expected))
        fail_msg("expected \"%s\" in stderr, got \"%s\"", expected, outcome.err);
    testproc_outcome_free(&outcome);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------
//  Strict mode. The tests send raw frames from an XPUB publisher, so that
//  they can send what no jbus publisher would, and use a sentinel: one
//  publisher and one path keep order, so when a valid event sent after the
//  bad ones arrives, the broker has dealt with everything before it, and
//  what the subscriber received up to then is all it will ever get of it.

#define s_STRICT_TYPE "jerry.strict.task.created"

//  One message as frames, and what is wrong with it.
typedef struct {
    const char *why;
    size_t count;
    jb_frame_t frames [12];
} s_raw_t;

#define s_TEXT(text) ((jb_frame_t) { (text), strlen(text) })

//  A valid event of type s_STRICT_TYPE, told apart by subject, encoded in
//  mode. Free with jb_message_destroy.
static jb_message_t *
s_encoded(const char *subject, jb_mode_t mode)
{
    jb_event_t *event = jb_event_new(s_STRICT_TYPE, "/jerry/tests");
    assert_non_null(event);
    assert_int_equal(jb_event_set_subject(event, subject), 0);
    assert_int_equal(jb_event_set_data_json(event, "{\"task_id\":\"WORK-001\"}", SIZE_MAX,
                                            NULL), 0);
    jb_message_t *message = jb_message_new();
    assert_non_null(message);
    assert_int_equal(jb_message_encode(message, event, mode, NULL), 0);
    jb_event_destroy(&event);
    return message;
}

//  The frames of an encoded message, as a raw message.
static s_raw_t
s_raw(const jb_message_t *message)
{
    s_raw_t raw = { "valid", jb_message_frame_count(message), { { NULL, 0 } } };
    for (size_t index = 0; index < raw.count; index++)
        raw.frames[index] = jb_message_frame(message, index);
    return raw;
}

static uint64_t
s_raw_bytes(const s_raw_t *raw)
{
    uint64_t bytes = 0;
    for (size_t index = 0; index < raw->count; index++)
        bytes += raw->frames[index].size;
    return bytes;
}

static void
s_send_raw(zsock_t *publisher, const s_raw_t *raw)
{
    void *handle = zsock_resolve(publisher);
    for (size_t index = 0; index < raw->count; index++) {
        int flags = index + 1 < raw->count? ZMQ_SNDMORE: 0;
        assert_int_equal(zmq_send(handle, raw->frames[index].data, raw->frames[index].size, flags),
                         (int) raw->frames[index].size);
    }
}

//  Receive one message and check it is raw, frame for frame.
static void
s_expect_raw(zsock_t *subscriber, const s_raw_t *raw)
{
    zmsg_t *message = zmsg_recv(subscriber);
    if (!message)
        fail_msg("nothing received where the %s message was expected", raw->why);
    bool same = zmsg_size(message) == raw->count;
    size_t index = 0;
    for (zframe_t *frame = zmsg_first(message); same && frame;
         frame = zmsg_next(message), index++)
        same = zframe_size(frame) == raw->frames[index].size
            && memcmp(zframe_data(frame), raw->frames[index].data, zframe_size(frame)) == 0;
    if (!same) {
        char *topic = zframe_strdup(zmsg_first(message));
        print_error("received %zu frames, topic \"%s\"\n", zmsg_size(message), topic);
        free(topic);
        zmsg_destroy(&message);
        fail_msg("received something other than the %s message that was expected", raw->why);
    }
    zmsg_destroy(&message);
}

//  Messages that do not fit the binding, made from a valid binary and a
//  valid structured message of s_STRICT_TYPE; all have topics a subscriber
//  to "jerry.strict." receives, and none has more than the default
//  max_frames, 3 (a message past it is refused whatever the mode, and its
//  publisher disconnected: see the bounds tests). Returns how many were
//  written to bad.
static size_t
s_bad_messages(const jb_message_t *binary, const jb_message_t *structured, s_raw_t *bad,
               size_t max)
{
    const s_raw_t good_binary = s_raw(binary);
    const s_raw_t good_structured = s_raw(structured);
    jb_frame_t topic = s_TEXT(s_STRICT_TYPE);
    jb_frame_t media_type = s_TEXT(JB_STRUCTURED_MEDIA_TYPE);
    //  Frame 1 of the valid binary message with a byte too many; this is
    //  static so that the frame outlives the call.
    static char trailing [1024];
    jb_frame_t map = good_binary.frames[1];
    assert_true(map.size < sizeof trailing);
    memcpy(trailing, map.data, map.size);
    trailing[map.size] = '\0';
    s_raw_t table [] = {
        { "one-frame", 1, { topic } },
        { "binary-plus-a-frame", 3, { topic, map, s_TEXT("extra") } },
        { "topic-not-the-type", 3, { s_TEXT("jerry.strict.other.type"), media_type,
                                     good_structured.frames[2] } },
        { "truncated-msgpack", 2, { topic, s_TEXT("\x83\xab" "specversion\xa3" "1.0\xa2") } },
        { "msgpack-garbage", 2, { topic, s_TEXT("\xde\xff\xff\xc1\xc1") } },
        { "msgpack-trailing-byte", 2, { topic, { trailing, map.size + 1 } } },
        { "bad-json", 3, { topic, media_type, s_TEXT("{\"specversion\":\"1.0\",\"id\":") } },
        { "specversion-0.3-json", 3, { topic, media_type,
          s_TEXT("{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"/s\",\"type\":\""
                 s_STRICT_TYPE "\"}") } },
        { "specversion-0.3-binary", 2, { topic,
          s_TEXT("\x83\xab" "specversion\xa3" "0.3\xa2" "id\xa1" "1\xa6" "source\xa2/s") } },
        { "no-source-json", 3, { topic, media_type,
          s_TEXT("{\"specversion\":\"1.0\",\"id\":\"1\",\"type\":\"" s_STRICT_TYPE "\"}") } },
        { "batch-format", 3, { topic, s_TEXT("application/cloudevents-batch+json"),
                               s_TEXT("[]") } },
        { "unknown-frame-1", 2, { topic, s_TEXT("hello") } },
        { "empty-frame-1", 2, { topic, s_TEXT("") } },
    };
    size_t count = sizeof table / sizeof table[0];
    assert_true(count <= max);
    memcpy(bad, table, sizeof table);
    return count;
}

//  A broker on any tcp port of the loopback, strict or not.
static jb_broker_t *
s_broker_new(bool strict)
{
    jb_broker_config_t config;
    s_config_any_port(&config);
    config.strict = strict;
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    return broker;
}

//  --------------------------------------------------------------------------

static void
test_strict_broker_forwards_valid_binary_and_structured_events(void **state)
{
    (void) state;
    jb_broker_t *broker = s_broker_new(true);
    zsock_t *subscriber = s_subscriber(jb_broker_endpoint_backend(broker), "jerry.strict.");
    zsock_t *publisher = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    s_expect_subscription(publisher, 1, "jerry.strict.");

    jb_message_t *binary = s_encoded("binary", JB_MODE_BINARY);
    jb_message_t *structured = s_encoded("structured", JB_MODE_STRUCTURED);
    s_raw_t messages [] = { s_raw(binary), s_raw(structured) };
    messages[0].why = "valid binary";
    messages[1].why = "valid structured";
    for (size_t index = 0; index < 2; index++)
        s_send_raw(publisher, &messages[index]);
    for (size_t index = 0; index < 2; index++)
        s_expect_raw(subscriber, &messages[index]);

    jb_broker_stats_t stats;
    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.messages_in, 2);
    assert_int_equal(stats.messages_out, 2);
    assert_int_equal(stats.bytes_out, s_raw_bytes(&messages[0]) + s_raw_bytes(&messages[1]));
    assert_int_equal(stats.rejected, 0);

    jb_message_destroy(&structured);
    jb_message_destroy(&binary);
    zsock_destroy(&publisher);
    zsock_destroy(&subscriber);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------
//  Bad messages among good ones: the subscriber gets the good ones, in
//  order, and nothing else; the counters say how many were rejected.

static void
test_strict_broker_drops_and_counts_what_does_not_fit_the_binding(void **state)
{
    (void) state;
    jb_broker_t *broker = s_broker_new(true);
    zsock_t *subscriber = s_subscriber(jb_broker_endpoint_backend(broker), "jerry.strict.");
    zsock_t *publisher = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    s_expect_subscription(publisher, 1, "jerry.strict.");

    jb_message_t *binary = s_encoded("good-binary", JB_MODE_BINARY);
    jb_message_t *structured = s_encoded("good-structured", JB_MODE_STRUCTURED);
    jb_message_t *last = s_encoded("sentinel", JB_MODE_BINARY);
    s_raw_t good [] = { s_raw(binary), s_raw(structured), s_raw(last) };
    good[0].why = "valid binary";
    good[1].why = "valid structured";
    good[2].why = "sentinel";
    s_raw_t bad [20];
    size_t bad_count = s_bad_messages(binary, structured, bad, 20);

    //  bad, good binary, half the bad, good structured, the rest, sentinel
    uint64_t bytes_in = 0;
    s_send_raw(publisher, &bad[0]);
    s_send_raw(publisher, &good[0]);
    for (size_t index = 1; index < bad_count; index++) {
        if (index == bad_count / 2)
            s_send_raw(publisher, &good[1]);
        s_send_raw(publisher, &bad[index]);
        bytes_in += s_raw_bytes(&bad[index]);
    }
    s_send_raw(publisher, &good[2]);
    bytes_in += s_raw_bytes(&bad[0]);
    uint64_t bytes_out = 0;
    for (size_t index = 0; index < 3; index++) {
        s_expect_raw(subscriber, &good[index]);
        bytes_out += s_raw_bytes(&good[index]);
    }
    s_expect_nothing(subscriber);

    jb_broker_stats_t stats;
    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.messages_in, bad_count + 3);
    assert_int_equal(stats.bytes_in, bytes_in + bytes_out);
    assert_int_equal(stats.rejected, bad_count);
    assert_int_equal(stats.messages_out, 3);
    assert_int_equal(stats.bytes_out, bytes_out);

    char *reply = s_control_ask(jb_broker_endpoint_control(broker), "STATS");
    assert_non_null(reply);
    cJSON *root = cJSON_Parse(reply);
    assert_non_null(root);
    assert_int_equal(s_json_counter(root, "frontend", "rejected"), bad_count);
    assert_int_equal(s_json_counter(root, "frontend", "messages_in"), bad_count + 3);
    assert_int_equal(s_json_counter(root, "backend", "messages_out"), 3);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "strict")));
    cJSON_Delete(root);
    zstr_free(&reply);

    jb_message_destroy(&last);
    jb_message_destroy(&structured);
    jb_message_destroy(&binary);
    zsock_destroy(&publisher);
    zsock_destroy(&subscriber);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------
//  Without strict mode the broker does not look: everything goes through.

static void
test_broker_without_strict_mode_forwards_everything(void **state)
{
    (void) state;
    jb_broker_t *broker = s_broker_new(false);
    zsock_t *subscriber = s_subscriber(jb_broker_endpoint_backend(broker), "jerry.strict.");
    zsock_t *publisher = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    s_expect_subscription(publisher, 1, "jerry.strict.");

    jb_message_t *binary = s_encoded("good-binary", JB_MODE_BINARY);
    jb_message_t *structured = s_encoded("good-structured", JB_MODE_STRUCTURED);
    s_raw_t bad [20];
    size_t bad_count = s_bad_messages(binary, structured, bad, 20);
    for (size_t index = 0; index < bad_count; index++)
        s_send_raw(publisher, &bad[index]);
    for (size_t index = 0; index < bad_count; index++)
        s_expect_raw(subscriber, &bad[index]);
    s_expect_nothing(subscriber);

    jb_broker_stats_t stats;
    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.messages_in, bad_count);
    assert_int_equal(stats.messages_out, bad_count);
    assert_int_equal(stats.rejected, 0);
    char *reply = s_control_ask(jb_broker_endpoint_control(broker), "STATS");
    assert_non_null(reply);
    cJSON *root = cJSON_Parse(reply);
    assert_non_null(root);
    assert_int_equal(s_json_counter(root, "frontend", "rejected"), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(root, "strict")));
    cJSON_Delete(root);
    zstr_free(&reply);

    jb_message_destroy(&structured);
    jb_message_destroy(&binary);
    zsock_destroy(&publisher);
    zsock_destroy(&subscriber);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------
//  Every publisher connection that ends is counted: one that libzmq drops
//  for a frame above max_message_size, one that leaves.

static void
test_broker_counts_publisher_disconnects(void **state)
{
    (void) state;
    jb_broker_config_t config;
    s_config_any_port(&config);
    config.max_message_size = 1024;
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    zsock_t *subscriber = s_subscriber(jb_broker_endpoint_backend(broker), "size.");
    zsock_t *big = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    s_expect_subscription(big, 1, "size.");
    jb_broker_stats_t stats;
    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.disconnects, 0);

    //  The broker's monitor hears of the disconnect before the publisher
    //  does, so once the publisher's own monitor reports it, it is counted.
    assert_int_equal(zmq_socket_monitor(zsock_resolve(big), "inproc://test-broker-disconnects",
                                        ZMQ_EVENT_DISCONNECTED), 0);
    zsock_t *monitor = s_socket(ZMQ_PAIR, "inproc://test-broker-disconnects");
    char body [2000];
    memset(body, 'b', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    assert_int_equal(zsock_send(big, "ss", "size.big", body), 0);
    zmsg_t *event = zmsg_recv(monitor);
    assert_non_null(event);
    zmsg_destroy(&event);
    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.disconnects, 1);
    assert_int_equal(stats.messages_in, 0);
    zmq_socket_monitor(zsock_resolve(big), NULL, 0);
    zsock_destroy(&monitor);
    zsock_destroy(&big);

    //  A publisher that closes: nothing tells this test when the broker
    //  notices, so wait for the count, with a deadline.
    zsock_t *leaving = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    s_expect_subscription(leaving, 1, "size.");
    zsock_destroy(&leaving);
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    do
        assert_int_equal(jb_broker_stats(broker, &stats), 0);
    while (stats.disconnects < 2 && zclock_mono() < deadline);
    assert_int_equal(stats.disconnects, 2);

    char *reply = s_control_ask(jb_broker_endpoint_control(broker), "STATS");
    assert_non_null(reply);
    cJSON *root = cJSON_Parse(reply);
    assert_non_null(root);
    assert_int_equal(s_json_counter(root, "frontend", "disconnects"), 2);
    cJSON_Delete(root);
    zstr_free(&reply);
    zsock_destroy(&subscriber);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------
//  Message bounds: a message of more than max_frames frames, or of more
//  than max_message_bytes bytes in all, is refused whole, in either mode,
//  counted as oversized (not rejected), and its publisher disconnected;
//  the publisher of messages within the bounds is unharmed.

static void
s_bounds_check(bool strict)
{
    jb_broker_config_t config;
    s_config_any_port(&config);
    config.strict = strict;
    config.max_frames = 4;
    config.max_message_bytes = 1000;
    jb_broker_t *broker = jb_broker_new(&config, NULL);
    assert_non_null(broker);
    zsock_t *subscriber = s_subscriber(jb_broker_endpoint_backend(broker), "jerry.strict.");
    zsock_t *good = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
    s_expect_subscription(good, 1, "jerry.strict.");
    jb_message_t *event = s_encoded("within-the-bounds", JB_MODE_BINARY);
    s_raw_t fits = s_raw(event);
    assert_true(s_raw_bytes(&fits) <= 1000);
    jb_frame_t topic = s_TEXT(s_STRICT_TYPE);
    static char filler [1001];
    memset(filler, 'x', sizeof filler);
    s_raw_t four = { "four-frame", 4, { topic, topic, topic, topic } };
    s_raw_t past [] = {
        { "five-frame", 5, { topic, topic, topic, topic, topic } },
        { "1001-byte", 2, { topic, { filler, 1001 - topic.size } } },
    };

    s_send_raw(good, &fits);
    s_expect_raw(subscriber, &fits);
    for (size_t index = 0; index < 2; index++) {
        zsock_t *bad = s_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker));
        s_expect_subscription(bad, 1, "jerry.strict.");
        char endpoint [64];
        snprintf(endpoint, sizeof endpoint, "inproc://test-broker-bounds-%d-%zu", strict, index);
        assert_int_equal(zmq_socket_monitor(zsock_resolve(bad), endpoint,
                                            ZMQ_EVENT_DISCONNECTED), 0);
        zsock_t *monitor = s_socket(ZMQ_PAIR, endpoint);
        s_send_raw(bad, &past[index]);
        testproc_expect_disconnect(monitor, s_DEADLINE_MS, past[index].why);
        zmq_socket_monitor(zsock_resolve(bad), NULL, 0);
        zsock_destroy(&monitor);
        zsock_destroy(&bad);
    }
    //  four frames are within the bounds: forwarded, or rejected by strict
    //  mode's binding check; then the sentinel
    s_send_raw(good, &four);
    s_send_raw(good, &fits);
    if (!strict)
        s_expect_raw(subscriber, &four);
    s_expect_raw(subscriber, &fits);
    s_expect_nothing(subscriber);

    jb_broker_stats_t stats;
    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.oversized, 2);
    assert_int_equal(stats.rejected, strict? 1: 0);
    assert_int_equal(stats.messages_in, 5);
    assert_int_equal(stats.messages_out, strict? 2: 3);
    assert_int_equal(stats.bytes_in, 2 * s_raw_bytes(&fits) + s_raw_bytes(&four)
                                     + s_raw_bytes(&past[0]) + s_raw_bytes(&past[1]));
    //  Cut by the broker, not disconnects of their own
    int64_t deadline = zclock_mono() + 5000;
    while ((jb_broker_stats(broker, &stats), stats.cut < 2) && zclock_mono() < deadline)
        zclock_sleep(10);
    assert_int_equal(stats.cut, 2);
    assert_int_equal(stats.disconnects, 0);
    char *reply = s_control_ask(jb_broker_endpoint_control(broker), "STATS");
    assert_non_null(reply);
    cJSON *root = cJSON_Parse(reply);
    assert_non_null(root);
    assert_int_equal(s_json_counter(root, "frontend", "oversized"), 2);
    cJSON_Delete(root);
    zstr_free(&reply);

    jb_message_destroy(&event);
    zsock_destroy(&good);
    zsock_destroy(&subscriber);
    jb_broker_destroy(&broker);
}

static void
test_broker_refuses_messages_past_its_bounds_and_disconnects_their_publishers(void **state)
{
    (void) state;
    s_bounds_check(false);
    s_bounds_check(true);
}

//  The defaults: the binding's most frames, max_message_size bytes.
static void
test_broker_bounds_default_to_the_binding_and_max_message_size(void **state)
{
    (void) state;
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    assert_int_equal(config.max_frames, 3);
    assert_int_equal(config.max_message_bytes, 0);
    jb_error_t error;
    config.max_frames = 0;
    assert_null(jb_broker_new(&config, &error));
    assert_int_equal(error.code, JB_ECONFIG);
    assert_string_equal(error.message, "max_frames: 0 is not from 1 to 64");
}

//  --------------------------------------------------------------------------
//  With CURVE rules, the broker checks that a structured event's JSON
//  type is its topic before the rule judges the topic: a publisher let
//  publish jerry.work_tracking. cannot pass off a billing event under a
//  work-tracking topic, however it writes the JSON. Keys made as
//  test_security.c makes them: a broker certificate, a clients directory
//  with the publisher's and the subscriber's public certificates.

typedef struct {
    jb_curve_cert_t broker, publisher, subscriber;
    char secret_path [PATH_MAX], clients_dir [PATH_MAX];
    char publisher_path [PATH_MAX], subscriber_path [PATH_MAX];
} s_keys_t;

static void
s_keys_make(s_keys_t *keys)
{
    testproc_format(keys->secret_path, PATH_MAX, "%s/type-broker_secret", testproc_directory);
    testproc_format(keys->clients_dir, PATH_MAX, "%s/type-clients", testproc_directory);
    testproc_format(keys->publisher_path, PATH_MAX, "%s/publisher", keys->clients_dir);
    testproc_format(keys->subscriber_path, PATH_MAX, "%s/subscriber", keys->clients_dir);
    assert_int_equal(mkdir(keys->clients_dir, 0700), 0);
    assert_int_equal(jb_curve_cert_generate(&keys->broker, NULL), 0);
    assert_int_equal(jb_curve_cert_generate(&keys->publisher, NULL), 0);
    assert_int_equal(jb_curve_cert_generate(&keys->subscriber, NULL), 0);
    assert_int_equal(jb_curve_cert_save(&keys->broker, keys->secret_path, "broker", true, NULL),
                     0);
    assert_int_equal(jb_curve_cert_save(&keys->publisher, keys->publisher_path, "publisher",
                                        false, NULL), 0);
    assert_int_equal(jb_curve_cert_save(&keys->subscriber, keys->subscriber_path, "subscriber",
                                        false, NULL), 0);
}

//  Remove the files (the group's teardown expects a flat directory).
static void
s_keys_remove(s_keys_t *keys)
{
    unlink(keys->publisher_path);
    unlink(keys->subscriber_path);
    rmdir(keys->clients_dir);
    unlink(keys->secret_path);
    jb_curve_cert_clear(&keys->broker);
    jb_curve_cert_clear(&keys->publisher);
    jb_curve_cert_clear(&keys->subscriber);
}

//  A CURVE client socket of type with cert's keys, connected to endpoint.
static zsock_t *
s_curve_socket(int type, const char *endpoint, const s_keys_t *keys, const jb_curve_cert_t *cert)
{
    zsock_t *socket = zsock_new(type);
    assert_non_null(socket);
    zsock_set_linger(socket, 0);
    zsock_set_rcvtimeo(socket, s_DEADLINE_MS);
    assert_int_equal(jb_curve_client_apply(socket, keys->broker.public_key, cert->public_key,
                                           cert->secret_key, NULL), 0);
    assert_int_equal(zsock_connect(socket, "%s", endpoint), 0);
    return socket;
}

//  A structured message of topic whose frame 2 is json.
static s_raw_t
s_structured(const char *why, const char *topic, const char *json)
{
    return (s_raw_t) { why, 3, { s_TEXT(topic), s_TEXT(JB_STRUCTURED_MEDIA_TYPE),
                                 s_TEXT(json) } };
}

#define s_WORK "jerry.work_tracking.task.created"
#define s_BILLING "jerry.billing.invoice.paid"
#define s_REST "\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\""

static void
test_curve_broker_refuses_a_structured_type_that_is_not_the_topic(void **state)
{
    (void) state;
    s_keys_t keys;
    s_keys_make(&keys);
    jb_broker_config_t config;
    s_config_any_port(&config);
    config.curve_cert = keys.secret_path;
    config.curve_clients = keys.clients_dir;
    config.control = NULL;
    assert_int_equal(jb_broker_config_allow(&config, keys.publisher.public_key, JB_BROKER_PUBLISH,
                                            "jerry.work_tracking.", NULL), 0);
    assert_int_equal(jb_broker_config_allow(&config, keys.subscriber.public_key,
                                            JB_BROKER_SUBSCRIBE, "jerry.", NULL), 0);
    jb_error_t error;
    jb_broker_t *broker = jb_broker_new(&config, &error);
    if (!broker)
        fail_msg("%s", error.message);
    zsock_t *subscriber = s_curve_socket(ZMQ_SUB, jb_broker_endpoint_backend(broker), &keys,
                                         &keys.subscriber);
    zsock_set_subscribe(subscriber, "jerry.work_tracking.");
    zsock_t *publisher = s_curve_socket(ZMQ_XPUB, jb_broker_endpoint_frontend(broker), &keys,
                                        &keys.publisher);
    s_expect_subscription(publisher, 1, "jerry.work_tracking.");

    s_raw_t forged [] = {
        s_structured("other-type", s_WORK, "{" s_REST ",\"type\":\"" s_BILLING "\"}"),
        s_structured("last-duplicate", s_WORK,
                     "{" s_REST ",\"type\":\"" s_WORK "\",\"type\":\"" s_BILLING "\"}"),
        s_structured("first-duplicate", s_WORK,
                     "{" s_REST ",\"type\":\"" s_BILLING "\",\"type\":\"" s_WORK "\"}"),
        s_structured("escaped-name", s_WORK,
                     "{" s_REST ",\"type\":\"" s_WORK "\",\"t\\u0079pe\":\"" s_BILLING "\"}"),
        s_structured("escaped-value", s_WORK,
                     "{" s_REST ",\"type\":\"jerry.work_tracking.task.created\\u0000\"}"),
        s_structured("no-type", s_WORK, "{" s_REST "}"),
        s_structured("type-not-a-string", s_WORK, "{" s_REST ",\"type\":7}"),
        s_structured("an-array", s_WORK, "[{\"type\":\"" s_WORK "\"}]"),
        s_structured("bad-json", s_WORK, "{\"type\":\"" s_WORK "\""),
    };
    size_t forged_count = sizeof forged / sizeof forged[0];
    s_raw_t nested = s_structured("nested-type", s_WORK, "{" s_REST ",\"type\":\"" s_WORK
                                  "\",\"data\":{\"type\":\"" s_BILLING "\"}}");
    s_raw_t good = s_structured("good", s_WORK, "{" s_REST ",\"type\":\"" s_WORK "\"}");
    jb_message_t *binary = jb_message_new();
    jb_event_t *event = jb_event_new(s_WORK, "/s");
    assert_int_equal(jb_message_encode(binary, event, JB_MODE_BINARY, NULL), 0);
    jb_event_destroy(&event);
    s_raw_t good_binary = s_raw(binary);
    for (size_t index = 0; index < forged_count; index++)
        s_send_raw(publisher, &forged[index]);
    s_send_raw(publisher, &nested);
    s_send_raw(publisher, &good_binary);
    s_send_raw(publisher, &good);
    s_expect_raw(subscriber, &nested);
    s_expect_raw(subscriber, &good_binary);
    s_expect_raw(subscriber, &good);
    s_expect_nothing(subscriber);

    jb_broker_stats_t stats;
    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.rejected, forged_count);
    assert_int_equal(stats.forbidden_messages, 0);
    assert_int_equal(stats.messages_out, 3);

    jb_message_destroy(&binary);
    zsock_destroy(&publisher);
    zsock_destroy(&subscriber);
    jb_broker_destroy(&broker);
    jb_broker_config_reset(&config);
    s_keys_remove(&keys);
}

//  --------------------------------------------------------------------------

static void
test_config_reads_strict_as_a_bool(void **state)
{
    (void) state;
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    assert_false(config.strict);
    const struct {
        const char *value;
        bool strict;
    } good [] = { { "true", true }, { "false", false }, { "1", true }, { "0", false } };
    for (size_t index = 0; index < sizeof good / sizeof good[0]; index++) {
        config.strict = !good[index].strict;
        assert_int_equal(jb_broker_config_set(&config, "strict", good[index].value, NULL), 0);
        assert_int_equal(config.strict, good[index].strict);
    }
    const char *bad [] = { "yes", "TRUE", "", "2", "true ", "on" };
    for (size_t index = 0; index < sizeof bad / sizeof bad[0]; index++) {
        jb_error_t error;
        config.strict = true;
        assert_int_equal(jb_broker_config_set(&config, "strict", bad[index], &error), JB_ECONFIG);
        assert_string_equal(error.attribute, "strict");
        assert_true(config.strict);
    }
    jb_error_t error;
    assert_int_equal(jb_broker_config_set(&config, "strict", "maybe", &error), JB_ECONFIG);
    assert_string_equal(error.message, "\"maybe\" is not one of true, false, 1, 0");

    char path [PATH_MAX];
    testproc_write_file("strict.cfg", "broker\n    strict = true\n", path);
    jb_broker_config_defaults(&config);
    assert_int_equal(jb_broker_config_load(&config, path, &error), 0);
    assert_true(config.strict);
    //  The example shipped with the program documents the key, off.
    assert_int_equal(jb_broker_config_load(&config, JBUS_SOURCE_DIR "/bus/jbus-broker.cfg",
                                           &error), 0);
    assert_false(config.strict);
    jb_broker_config_reset(&config);
}

//  --------------------------------------------------------------------------
//  The program with --strict: publishers on two addresses of the loopback
//  (libzmq's "tcp://source;destination") are two peers; the first rejected
//  message of each is logged, the others only counted.

static void
test_program_strict_logs_the_first_rejection_of_each_peer(void **state)
{
    (void) state;
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                            "--control", "tcp://127.0.0.1:*", "--stats-interval", "0",
                            "--strict", NULL };
    testproc_broker_t program;
    testproc_broker_start(args, &program);
    const char *host_port = program.frontend + strlen("tcp://");
    char second_endpoint [JB_BROKER_ENDPOINT_MAX + 32];
    testproc_format(second_endpoint, sizeof second_endpoint, "tcp://127.0.0.2:0;%s", host_port);

    zsock_t *subscriber = s_subscriber(program.backend, "jerry.strict.");
    zsock_t *publishers [2] = { s_socket(ZMQ_XPUB, program.frontend),
                                s_socket(ZMQ_XPUB, second_endpoint) };
    jb_message_t *sentinels [2] = { s_encoded("sentinel-1", JB_MODE_BINARY),
                                    s_encoded("sentinel-2", JB_MODE_STRUCTURED) };
    s_raw_t bad [20];
    size_t bad_count = s_bad_messages(sentinels[0], sentinels[1], bad, 20);
    assert_true(bad_count >= 3);
    //  One publisher after the other, each up to its sentinel.
    for (size_t index = 0; index < 2; index++) {
        s_expect_subscription(publishers[index], 1, "jerry.strict.");
        s_send_raw(publishers[index], &bad[index]);
        s_send_raw(publishers[index], &bad[index + 1]);
        s_raw_t sentinel = s_raw(sentinels[index]);
        s_send_raw(publishers[index], &sentinel);
        s_expect_raw(subscriber, &sentinel);
    }
    s_expect_nothing(subscriber);

    char *reply = s_control_ask(program.control, "STATS");
    assert_non_null(reply);
    cJSON *root = cJSON_Parse(reply);
    assert_non_null(root);
    assert_int_equal(s_json_counter(root, "frontend", "messages_in"), 6);
    assert_int_equal(s_json_counter(root, "frontend", "rejected"), 4);
    assert_int_equal(s_json_counter(root, "backend", "messages_out"), 2);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "strict")));
    cJSON_Delete(root);
    zstr_free(&reply);

    for (size_t index = 0; index < 2; index++) {
        zsock_destroy(&publishers[index]);
        jb_message_destroy(&sentinels[index]);
    }
    zsock_destroy(&subscriber);
    assert_int_equal(kill(program.process.pid, SIGTERM), 0);
    testproc_outcome_t outcome;
    testproc_wait(&program.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    const char *peers [] = { "127.0.0.1", "127.0.0.2" };
    for (size_t index = 0; index < 2; index++) {
        char line [128];
        snprintf(line, sizeof line, "strict: rejected a message from %s ", peers[index]);
        const char *first = strstr(outcome.err, line);
        if (!first)
            fail_msg("no \"%s\" in stderr: %s", line, outcome.err);
        assert_null(strstr(first + 1, line));
    }
    assert_non_null(strstr(outcome.err, "(topic \"" s_STRICT_TYPE "\"): a jbus message has 2 "
                                        "frames (binary mode) or 3 (structured mode), "
                                        "this one has 1"));
    assert_non_null(strstr(outcome.err, "strict: rejected 4 messages from 2 peers"));
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------
//  strict = true in the file turns it on, --strict wins over strict = false,
//  and a value that is not a bool stops the program with exit code 2.

static void
test_program_reads_strict_from_the_config_file(void **state)
{
    (void) state;
    const struct {
        const char *file;
        bool flag;
    } cases [] = { { "broker\n    strict = true\n", false },
                   { "broker\n    strict = false\n", true },
                   { "broker\n    strict = 0\n", false } };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        char path [PATH_MAX];
        testproc_write_file("strict-program.cfg", cases[index].file, path);
        const char *args [] = { "--config", path, "--frontend", "tcp://127.0.0.1:*",
                                "--backend", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*",
                                "--verbose", cases[index].flag? "--strict": NULL, NULL };
        bool strict = index < 2;
        testproc_broker_t program;
        testproc_broker_start(args, &program);
        char *reply = s_control_ask(program.control, "STATS");
        assert_non_null(reply);
        cJSON *root = cJSON_Parse(reply);
        assert_non_null(root);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "strict")), strict);
        cJSON_Delete(root);
        zstr_free(&reply);
        assert_int_equal(kill(program.process.pid, SIGTERM), 0);
        testproc_outcome_t outcome;
        testproc_wait(&program.process, s_DEADLINE_MS, &outcome);
        assert_int_equal(outcome.status, 0);
        assert_non_null(strstr(outcome.err, strict? "strict=true": "strict=false"));
        testproc_outcome_free(&outcome);
    }

    char path [PATH_MAX];
    testproc_write_file("strict-bad.cfg", "broker\n    strict = maybe\n", path);
    const char *args [] = { "--config", path, "--frontend", "tcp://127.0.0.1:*", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_BROKER, args, &outcome);
    assert_int_equal(outcome.status, 2);
    char expected [PATH_MAX + JB_ERROR_MESSAGE_MAX];
    testproc_format(expected, sizeof expected,
                    "jbus-broker: config file %s: broker/strict: \"maybe\" is not one of "
                    "true, false, 1, 0", path);
    if (!strstr(outcome.err, expected))
        fail_msg("expected \"%s\" in stderr, got \"%s\"", expected, outcome.err);
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_broker_forwards_multipart_messages_between_inproc_peers),
        cmocka_unit_test(test_broker_binds_any_tcp_port_and_reports_it),
        cmocka_unit_test(test_broker_binds_ipc_endpoints),
        cmocka_unit_test(test_broker_routes_by_topic_prefix),
        cmocka_unit_test(test_broker_counts_messages_and_bytes_exactly),
        cmocka_unit_test(test_broker_tells_publishers_of_a_prefix_once_through_churn),
        cmocka_unit_test(test_broker_reports_an_endpoint_in_use),
        cmocka_unit_test(test_config_load_reads_every_key),
        cmocka_unit_test(test_config_load_rejects_an_unknown_key),
        cmocka_unit_test(test_config_load_rejects_a_bad_number),
        cmocka_unit_test(test_config_times_are_durations),
        cmocka_unit_test_teardown(test_program_logs_iso_times_at_the_level_asked_to_a_file,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_the_configs_log_level_applies_at_start_and_on_reload,
                                  testproc_reap_children),
        cmocka_unit_test(test_config_load_reports_a_missing_file_and_bad_zpl),
        cmocka_unit_test(test_config_set_copies_what_it_is_given),
        cmocka_unit_test(test_control_survives_garbage_requests),
        cmocka_unit_test(test_oversized_message_disconnects_only_its_publisher),
        cmocka_unit_test(test_strict_broker_forwards_valid_binary_and_structured_events),
        cmocka_unit_test(test_strict_broker_drops_and_counts_what_does_not_fit_the_binding),
        cmocka_unit_test(test_broker_without_strict_mode_forwards_everything),
        cmocka_unit_test(test_broker_counts_publisher_disconnects),
        cmocka_unit_test(test_broker_refuses_messages_past_its_bounds_and_disconnects_their_publishers),
        cmocka_unit_test(test_broker_bounds_default_to_the_binding_and_max_message_size),
        cmocka_unit_test(test_curve_broker_refuses_a_structured_type_that_is_not_the_topic),
        cmocka_unit_test(test_config_reads_strict_as_a_bool),
        cmocka_unit_test_teardown(test_program_logs_and_ignores_sighup_and_sigusr,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_program_forwards_and_stops_on_sigterm,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_program_flags_override_the_config_file,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_program_rejects_bad_flags_with_exit_code_2,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_program_rejects_a_bad_config_with_exit_code_2,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_program_reports_an_endpoint_in_use_with_exit_code_1,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_program_strict_logs_the_first_rejection_of_each_peer,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_program_warns_of_a_heartbeat_timeout_below_the_interval,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_program_reads_strict_from_the_config_file,
                                  testproc_reap_children),
    };
    //  The broker logs through zsys; keep stdout for cmocka's report.
    zsys_set_logstream(stderr);
    int failed = cmocka_run_group_tests(tests, testproc_group_setup, testproc_group_teardown);
    zsys_shutdown();
    return failed;
}
