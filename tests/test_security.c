/*  =========================================================================
    test_security.c - CURVE authentication and authorisation by type prefix

    Real keys, made once for the group: the broker's, four clients' whose
    public certificates are in the broker's clients directory (alice may
    publish jerry.work_tracking.; bob may subscribe to it; carol may
    publish anything and subscribe to jerry.; dave may subscribe to
    jerry.billing.), and mallory's, which is a valid key pair the broker
    has never heard of. Brokers are the real program on tcp://127.0.0.1:*
    (or, in the first tests, the library's); every receive is bounded, a
    refused peer is waited for on its own socket monitor, and every
    program is reaped, also when a test fails.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <czmq.h>
#include <inttypes.h>
#include <cjson/cJSON.h>

#include "testutil.h"
#include "testproc.h"

//  Longest wait for anything; generous for sanitizer builds on a busy box.
#define s_DEADLINE_MS TESTPROC_DEADLINE_MS

//  A wait for something that must not come: what was sent before it has
//  already been shown to arrive, so this only catches stragglers.
#define s_QUIET_MS 200

//  The clients and their certificates.
enum { s_ALICE, s_BOB, s_CAROL, s_DAVE, s_MALLORY, s_CLIENTS };
static const char *s_names [s_CLIENTS] = { "alice", "bob", "carol", "dave", "mallory" };
static jb_curve_cert_t s_certs [s_CLIENTS];
static char s_secret_paths [s_CLIENTS][PATH_MAX];       //  their _secret files
static jb_curve_cert_t s_broker_cert;
static char s_broker_secret [PATH_MAX];                 //  the broker's _secret file
static char s_broker_public [PATH_MAX];                 //  ... and its public one
static char s_clients_dir [PATH_MAX];                   //  alice .. dave, public
static char s_config [PATH_MAX];                        //  the rules below

//  --------------------------------------------------------------------------
//  Fixtures: the keys, certificates and config, made once; the clients
//  directory is removed before testproc's teardown, which expects files.

//  A path (PATH_MAX) from format; false when it does not fit.
static bool
s_path(char *path, const char *format, ...) JB_PRINTF(2, 3);

static bool
s_path(char *path, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int length = vsnprintf(path, PATH_MAX, format, args);
    va_end(args);
    return length > 0 && length < PATH_MAX;
}

static int
s_group_setup(void **state)
{
    if (testproc_group_setup(state))
        return -1;
    if (!s_path(s_clients_dir, "%s/clients", testproc_directory)
    ||  !s_path(s_broker_public, "%s/broker", testproc_directory)
    ||  !s_path(s_broker_secret, "%s/broker_secret", testproc_directory)
    ||  !s_path(s_config, "%s/broker.cfg", testproc_directory)
    ||  mkdir(s_clients_dir, 0700) == -1)
        return -1;
    jb_error_t error;
    if (jb_curve_cert_generate(&s_broker_cert, &error)
    ||  jb_curve_cert_save(&s_broker_cert, s_broker_public, "broker", false, &error)
    ||  jb_curve_cert_save(&s_broker_cert, s_broker_secret, "broker", true, &error)) {
        print_error("%s\n", error.message);
        return -1;
    }
    for (int client = 0; client < s_CLIENTS; client++) {
        char public_path [PATH_MAX];
        if (!s_path(public_path, "%s/%s", s_clients_dir, s_names[client])
        ||  !s_path(s_secret_paths[client], "%s/%s_secret", testproc_directory, s_names[client]))
            return -1;
        if (jb_curve_cert_generate(&s_certs[client], &error)
        ||  jb_curve_cert_save(&s_certs[client], s_secret_paths[client], s_names[client], true,
                               &error)
        ||  (client != s_MALLORY
        &&   jb_curve_cert_save(&s_certs[client], public_path, s_names[client], false,
                                &error))) {
            print_error("%s\n", error.message);
            return -1;
        }
    }
    char *text = zsys_sprintf(
        "broker\n"
        "    curve_cert = \"%s\"\n"
        "    curve_clients = \"%s\"\n"
        "clients\n"
        "    alice\n"
        "        key = \"%s\"\n"
        "        publish = \"jerry.work_tracking.\"\n"
        "    bob\n"
        "        key = \"%s\"\n"
        "        subscribe = \"jerry.work_tracking.\"\n"
        "    carol\n"
        "        key = \"%s\"\n"
        "        publish = \"\"\n"
        "        subscribe = \"jerry.\"\n"
        "    dave\n"
        "        key = \"%s\"\n"
        "        subscribe = \"jerry.billing.\"\n",
        s_broker_secret, s_clients_dir, s_certs[s_ALICE].public_key, s_certs[s_BOB].public_key,
        s_certs[s_CAROL].public_key, s_certs[s_DAVE].public_key);
    FILE *file = fopen(s_config, "w");
    bool written = file && fputs(text, file) >= 0;
    if (file)
        fclose(file);
    zstr_free(&text);
    return written? 0: -1;
}

static int
s_group_teardown(void **state)
{
    for (int client = 0; client < s_CLIENTS; client++) {
        char path [PATH_MAX];
        if (s_path(path, "%s/%s", s_clients_dir, s_names[client]))
            unlink(path);
        jb_curve_cert_clear(&s_certs[client]);
    }
    rmdir(s_clients_dir);
    jb_curve_cert_clear(&s_broker_cert);
    return testproc_group_teardown(state);
}

//  --------------------------------------------------------------------------
//  Sockets. Each gets linger 0 and a receive timeout; a CURVE client gets
//  the keys of client (s_CLIENTS for none) and server_key (NULL: the
//  broker's). With monitor_p, its monitor reports failed handshakes there.

static zsock_t *
s_socket(int type, const char *endpoint, int client, const char *server_key,
         zsock_t **monitor_p)
{
    static int monitors = 0;
    zsock_t *socket = zsock_new(type);
    assert_non_null(socket);
    zsock_set_linger(socket, 0);
    zsock_set_rcvtimeo(socket, s_DEADLINE_MS);
    if (client < s_CLIENTS)
        assert_int_equal(jb_curve_client_apply(socket,
                                               server_key? server_key: s_broker_cert.public_key,
                                               s_certs[client].public_key,
                                               s_certs[client].secret_key, NULL), 0);
    if (monitor_p) {
        char endpoint_monitor [64];
        snprintf(endpoint_monitor, sizeof endpoint_monitor, "inproc://test-security-monitor-%d",
                 ++monitors);
        assert_int_equal(zmq_socket_monitor(zsock_resolve(socket), endpoint_monitor,
                                            ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                                            | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                            | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH), 0);
        *monitor_p = zsock_new(ZMQ_PAIR);
        assert_non_null(*monitor_p);
        zsock_set_rcvtimeo(*monitor_p, s_DEADLINE_MS);
        assert_int_equal(zsock_connect(*monitor_p, "%s", endpoint_monitor), 0);
    }
    assert_int_equal(zsock_connect(socket, "%s", endpoint), 0);
    return socket;
}

//  Wait until the monitor reports that the broker refused the handshake.
static void
s_expect_refused(zsock_t *monitor, const char *who)
{
    zmsg_t *event = zmsg_recv(monitor);
    if (!event)
        fail_msg("%s: no refused handshake within %d ms", who, s_DEADLINE_MS);
    zmsg_destroy(&event);
}

static void
s_monitor_stop(zsock_t *socket, zsock_t **monitor_p)
{
    zmq_socket_monitor(zsock_resolve(socket), NULL, 0);
    zsock_destroy(monitor_p);
}

//  Wait until an XPUB publisher hears of a subscription (subscribe = 1) or
//  an unsubscription (0) of prefix; others are skipped.
static void
s_expect_subscription(zsock_t *publisher, int subscribe, const char *prefix)
{
    size_t length = strlen(prefix);
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (zclock_mono() < deadline) {
        zframe_t *frame = zframe_recv(publisher);
        if (!frame)
            break;
        bool found = zframe_size(frame) == length + 1 && zframe_data(frame)[0] == subscribe
                  && memcmp(zframe_data(frame) + 1, prefix, length) == 0;
        zframe_destroy(&frame);
        if (found)
            return;
    }
    fail_msg("no %s of \"%s\" reached the publisher", subscribe? "subscription": "unsubscription",
             prefix);
}

//  The next subscription message an XPUB publisher hears is exactly this
//  one: subscribe (1) or unsubscribe (0) of prefix.
static void
s_expect_next_subscription(zsock_t *publisher, int subscribe, const char *prefix)
{
    zframe_t *frame = zframe_recv(publisher);
    if (!frame)
        fail_msg("no %s of \"%s\" reached the publisher",
                 subscribe? "subscription": "unsubscription", prefix);
    bool same = zframe_size(frame) == strlen(prefix) + 1 && zframe_data(frame)[0] == subscribe
             && memcmp(zframe_data(frame) + 1, prefix, strlen(prefix)) == 0;
    if (!same) {
        char *text = zframe_strdup(frame);
        print_error("heard %d \"%s\"\n", text[0], text + 1);
        free(text);
    }
    zframe_destroy(&frame);
    if (!same)
        fail_msg("the publisher heard something other than the %s of \"%s\"",
                 subscribe? "subscription": "unsubscription", prefix);
}

//  Receive one message and check its topic.
static void
s_expect_topic(zsock_t *subscriber, const char *topic)
{
    zmsg_t *message = zmsg_recv(subscriber);
    if (!message)
        fail_msg("nothing received where \"%s\" was expected", topic);
    char *got = zmsg_popstr(message);
    if (!streq(got, topic)) {
        print_error("received \"%s\"\n", got);
        free(got);
        zmsg_destroy(&message);
        fail_msg("received something other than the \"%s\" expected", topic);
    }
    free(got);
    zmsg_destroy(&message);
}

//  The topic of the broker's notices to client's key (binding 3.5): a
//  NUL, "jbus.refusal", a space and the key; 54 bytes, in topic.
static void
s_notice_topic(int client, char topic [54])
{
    memcpy(topic, "\0jbus.refusal ", 14);
    memcpy(topic + 14, s_certs[client].public_key, 40);
}

//  Receive the broker's notice that it refused client's subscription to
//  prefix: three frames, the topic of client's key, the notices' media
//  type, and "KEY PREFIX".
static void
s_expect_refusal(zsock_t *subscriber, int client, const char *prefix)
{
    zmsg_t *message = zmsg_recv(subscriber);
    if (!message)
        fail_msg("no notice of the refused \"%s\" within %d ms", prefix, s_DEADLINE_MS);
    assert_int_equal(zmsg_size(message), 3);
    zframe_t *topic = zmsg_first(message);
    char expected [54];
    s_notice_topic(client, expected);
    assert_int_equal(zframe_size(topic), 54);
    assert_memory_equal(zframe_data(topic), expected, 54);
    assert_true(zframe_streq(zmsg_next(message), "application/vnd.jbus.refusal"));
    char text [128];
    testproc_format(text, sizeof text, "%s %s", s_certs[client].public_key, prefix);
    if (!zframe_streq(zmsg_next(message), text))
        fail_msg("the notice is not \"%s\"", text);
    zmsg_destroy(&message);
}

//  Nothing (more) arrives on the socket.
static void
s_expect_nothing(zsock_t *socket, const char *who)
{
    zmq_pollitem_t item = { zsock_resolve(socket), 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&item, 1, s_QUIET_MS) != 0) {
        zframe_t *frame = zframe_recv(socket);
        char *text = frame? zframe_strdup(frame): NULL;
        print_error("%s received \"%s\"\n", who, text? text: "");
        free(text);
        zframe_destroy(&frame);
        fail_msg("%s received what it must not", who);
    }
}

//  Ask the control endpoint for command (STATS, CONNZ) as client
//  (s_CLIENTS: without keys); the parsed answer, or NULL when none came
//  within timeout_ms.
static cJSON *
s_ask(const char *endpoint, int client, const char *command, int timeout_ms)
{
    zsock_t *request = s_socket(ZMQ_REQ, endpoint, client, NULL, NULL);
    zsock_set_rcvtimeo(request, timeout_ms);
    assert_int_equal(zstr_send(request, command), 0);
    char *reply = zstr_recv(request);
    zsock_destroy(&request);
    cJSON *root = reply? cJSON_Parse(reply): NULL;
    if (reply)
        assert_non_null(root);
    zstr_free(&reply);
    return root;
}

static cJSON *
s_stats(const char *endpoint, int client, int timeout_ms)
{
    return s_ask(endpoint, client, "STATS", timeout_ms);
}

static uint64_t
s_counter(cJSON *root, const char *object, const char *name)
{
    cJSON *parent = object? cJSON_GetObjectItemCaseSensitive(root, object): root;
    cJSON *item = cJSON_GetObjectItemCaseSensitive(parent, name);
    if (!cJSON_IsNumber(item))
        fail_msg("no counter %s.%s", object? object: "", name);
    return (uint64_t) item->valuedouble;
}

//  Start the broker program on the group's config and any free ports.
static void
s_broker_start(testproc_broker_t *broker)
{
    const char *args [] = { "--config", s_config, "--frontend", "tcp://127.0.0.1:*",
                            "--backend", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*",
                            "--stats-interval", "0", NULL };
    testproc_broker_start(args, broker);
}

//  Stop it and return its stderr (to free).
static char *
s_broker_stop(testproc_broker_t *broker)
{
    assert_int_equal(kill(broker->process.pid, SIGTERM), 0);
    testproc_outcome_t outcome;
    testproc_wait(&broker->process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    free(outcome.out);
    return outcome.err;
}

static void
s_expect_in(const char *text, const char *expected)
{
    if (!strstr(text, expected)) {
        fprintf(stderr, "%s\n", text);         //  print_error cuts it short
        fail_msg("expected \"%s\" in the text above", expected);
    }
}

//  --------------------------------------------------------------------------
//  The example: a broker that lets alice publish and bob subscribe to the
//  work-tracking context, embedded, and the two through the library.

static void
test_curve_lets_an_allowed_publisher_reach_an_allowed_subscriber(void **state)
{
    (void) state;
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    config.frontend = "tcp://127.0.0.1:*";
    config.backend = "tcp://127.0.0.1:*";
    config.control = NULL;
    config.curve_cert = s_broker_secret;             //  the broker's key pair
    config.curve_clients = s_clients_dir;           //  whom it lets in
    jb_error_t error;
    assert_int_equal(jb_broker_config_allow(&config, s_certs[s_ALICE].public_key,
                                            JB_BROKER_PUBLISH, "jerry.work_tracking.", &error), 0);
    assert_int_equal(jb_broker_config_allow(&config, s_certs[s_BOB].public_key,
                                            JB_BROKER_SUBSCRIBE, "jerry.work_tracking.", &error),
                     0);
    jb_broker_t *broker = jb_broker_new(&config, &error);
    jb_broker_config_reset(&config);
    assert_non_null(broker);

    //  Each client: its certificate, and the broker's public key.
    jb_curve_cert_t bob, alice;
    char server_key [JB_CURVE_KEY_SIZE];
    assert_int_equal(jb_curve_cert_load(&bob, s_secret_paths[s_BOB], &error), 0);
    assert_int_equal(jb_curve_cert_load(&alice, s_secret_paths[s_ALICE], &error), 0);
    assert_int_equal(jb_curve_key_read(s_broker_public, server_key, &error), 0);

    jb_subscriber_options_t subscriber_options;
    jb_subscriber_options_defaults(&subscriber_options);
    subscriber_options.curve_server_key = server_key;
    subscriber_options.curve_public_key = bob.public_key;
    subscriber_options.curve_secret_key = bob.secret_key;
    jb_subscriber_t *subscriber = jb_subscriber_new(jb_broker_endpoint_backend(broker),
                                                    &subscriber_options, &error);
    assert_non_null(subscriber);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "jerry.work_tracking.*.completed",
                                             &error), 0);

    jb_publisher_options_t publisher_options;
    jb_publisher_options_defaults(&publisher_options);
    publisher_options.curve_server_key = server_key;
    publisher_options.curve_public_key = alice.public_key;
    publisher_options.curve_secret_key = alice.secret_key;
    jb_publisher_t *publisher = jb_publisher_new(jb_broker_endpoint_frontend(broker),
                                                 &publisher_options, &error);
    assert_non_null(publisher);
    jb_curve_cert_clear(&alice);
    jb_curve_cert_clear(&bob);
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.work_tracking.task.completed",
                                           s_DEADLINE_MS, &error), 0);

    jb_event_t *event = jb_event_new("jerry.work_tracking.task.completed", "/jerry/work-tracking");
    assert_non_null(event);
    assert_int_equal(jb_event_set_subject(event, "WORK-001"), 0);
    assert_int_equal(jb_publisher_publish(publisher, event, &error), 0);
    jb_event_destroy(&event);
    assert_int_equal(jb_subscriber_recv(subscriber, s_DEADLINE_MS, &event, &error), 0);
    assert_string_equal(jb_event_subject(event), "WORK-001");
    jb_event_destroy(&event);

    jb_broker_stats_t stats;
    assert_int_equal(jb_broker_stats(broker, &stats), 0);
    assert_int_equal(stats.messages_out, 1);
    assert_int_equal(stats.forbidden_messages, 0);
    assert_int_equal(stats.forbidden_subscriptions, 0);
    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&subscriber);
    jb_broker_destroy(&broker);
}

//  --------------------------------------------------------------------------
//  Keys, certificates and client options refuse what will not do.

static void
test_curve_keys_and_certificates_refuse_bad_input(void **state)
{
    (void) state;
    jb_error_t error;
    assert_int_equal(jb_curve_key_check(s_certs[s_ALICE].public_key, &error), 0);
    assert_int_equal(jb_curve_key_check("short", &error), JB_EINVAL);
    assert_non_null(strstr(error.message, "5 characters where a key has 40"));
    char bad [JB_CURVE_KEY_SIZE];
    memcpy(bad, s_certs[s_ALICE].public_key, sizeof bad);
    bad[7] = '"';
    assert_int_equal(jb_curve_key_check(bad, &error), JB_EINVAL);
    assert_non_null(strstr(error.message, "character 8 is not in the Z85 alphabet"));

    jb_curve_cert_t cert;
    char path [PATH_MAX];
    testproc_format(path, sizeof path, "%s/missing-cert", testproc_directory);
    assert_int_equal(jb_curve_cert_load(&cert, path, &error), JB_EIO);
    assert_non_null(strstr(error.message, "No such file or directory"));
    testproc_write_file("no-key.cert", "metadata\n    name = \"x\"\n", path);
    assert_int_equal(jb_curve_cert_load(&cert, path, &error), JB_EPARSE);
    assert_non_null(strstr(error.message, "no curve/public-key"));
    testproc_write_file("bad-key.cert", "curve\n    public-key = \"abc\"\n", path);
    assert_int_equal(jb_curve_cert_load(&cert, path, &error), JB_EPARSE);
    assert_non_null(strstr(error.message, "curve/public-key is not a CURVE key"));
    char *mixed = zsys_sprintf("curve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n",
                               s_certs[s_ALICE].public_key, s_certs[s_BOB].secret_key);
    testproc_write_file("mixed.cert", mixed, path);
    zstr_free(&mixed);
    assert_int_equal(jb_curve_cert_load(&cert, path, &error), JB_EPARSE);
    assert_non_null(strstr(error.message, "does not belong to its secret key"));
    assert_string_equal(cert.secret_key, "");
    //  Never replaces a certificate
    assert_int_equal(jb_curve_cert_save(&s_certs[s_ALICE], s_secret_paths[s_ALICE], NULL, true,
                                        &error), JB_EIO);
    assert_non_null(strstr(error.message, "File exists"));
    assert_int_equal(jb_curve_key_read("nonsense", bad, &error), JB_EINVAL);
    assert_non_null(strstr(error.message, "neither a CURVE public key"));
    assert_int_equal(jb_curve_key_read(s_broker_public, bad, &error), 0);
    assert_string_equal(bad, s_broker_cert.public_key);

    //  Half a CURVE setup is refused, never taken for none
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.curve_public_key = s_certs[s_ALICE].public_key;
    options.curve_secret_key = s_certs[s_ALICE].secret_key;
    assert_null(jb_publisher_new("tcp://127.0.0.1:9", &options, &error));
    assert_int_equal(error.code, JB_EINVAL);
    assert_non_null(strstr(error.message, "no server key"));
    options.curve_server_key = s_broker_cert.public_key;
    options.curve_secret_key = NULL;
    assert_null(jb_publisher_new("tcp://127.0.0.1:9", &options, &error));
    assert_non_null(strstr(error.message, "no client secret key"));
    options.curve_secret_key = s_certs[s_BOB].secret_key;
    assert_null(jb_publisher_new("tcp://127.0.0.1:9", &options, &error));
    assert_non_null(strstr(error.message, "does not belong to the secret key"));
    jb_subscriber_options_t subscriber_options;
    jb_subscriber_options_defaults(&subscriber_options);
    subscriber_options.curve_server_key = s_broker_cert.public_key;
    subscriber_options.curve_public_key = s_certs[s_BOB].public_key;
    subscriber_options.curve_secret_key = s_certs[s_BOB].secret_key;
    subscriber_options.bind = true;
    assert_null(jb_subscriber_new("tcp://127.0.0.1:*", &subscriber_options, &error));
    assert_int_equal(error.code, JB_EINVAL);
    subscriber_options.bind = false;
    subscriber_options.curve_server_key = "not a key";
    assert_null(jb_subscriber_new("tcp://127.0.0.1:9", &subscriber_options, &error));
    assert_non_null(strstr(error.message, "CURVE server key: not a CURVE key"));
}

//  --------------------------------------------------------------------------
//  The config's rules and the checks jb_broker_new makes of a CURVE setup.

static void
test_curve_config_is_all_or_nothing(void **state)
{
    (void) state;
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    jb_error_t error;
    assert_int_equal(jb_broker_config_load(&config, s_config, &error), 0);
    assert_string_equal(config.curve_cert, s_broker_secret);
    assert_string_equal(config.curve_clients, s_clients_dir);
    assert_non_null(config.rules);
    config.frontend = "inproc://security-frontend";
    assert_null(jb_broker_new(&config, &error));
    assert_int_equal(error.code, JB_ECONFIG);
    assert_non_null(strstr(error.message, "inproc:// has no security mechanism"));
    config.frontend = JB_BROKER_FRONTEND_DEFAULT;
    assert_int_equal(jb_broker_config_set(&config, "curve_clients", "", &error), 0);
    assert_null(jb_broker_new(&config, &error));
    assert_int_equal(error.code, JB_ECONFIG);
    assert_string_equal(error.message, "curve_cert is set but curve_clients is not: CURVE needs "
                        "both the broker's secret certificate and the directory of the clients "
                        "it lets in");
    assert_int_equal(jb_broker_config_set(&config, "curve_cert", "", &error), 0);
    assert_null(jb_broker_new(&config, &error));
    assert_non_null(strstr(error.message, "rules about client keys need CURVE"));
    jb_broker_config_reset(&config);

    const struct {
        const char *text;
        const char *message;
    } cases [] = {
        { "clients\n    x\n        publish = \"a.\"\n", "clients/x: no key" },
        { "clients\n    x\n        key = \"*\"\n        key = \"*\"\n", "more than one key" },
        { "clients\n    x\n        key = \"*\"\n        read = \"a.\"\n",
          "clients/x/read: unknown key" },
        { "clients\n    x\n        key = \"abc\"\n", "client key \"abc\": not a CURVE key" },
        { "clients\n    x\n        key = \"*\"\n    y\n        key = \"*\"\n",
          "has two rules" },
        { "clients\n    x = 1\n", "a client is a subsection" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        char path [PATH_MAX];
        testproc_write_file("rules.cfg", cases[index].text, path);
        jb_broker_config_defaults(&config);
        assert_int_equal(jb_broker_config_load(&config, path, &error), JB_ECONFIG);
        s_expect_in(error.message, cases[index].message);
        assert_null(config.rules);                      //  unchanged on failure
        jb_broker_config_reset(&config);
    }
    assert_int_equal(jb_broker_config_allow(&config, "abc", JB_BROKER_PUBLISH, "", &error),
                     JB_ECONFIG);
    assert_null(config.rules);
}

//  --------------------------------------------------------------------------
//  ZeroMQ has one authentication handler per context: a second CURVE
//  broker in the process is refused, and the handler is free again once
//  the first is gone.

static void
test_curve_brokers_take_turns_in_a_process(void **state)
{
    (void) state;
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    config.frontend = "tcp://127.0.0.1:*";
    config.backend = "tcp://127.0.0.1:*";
    config.control = NULL;
    config.curve_cert = s_broker_secret;
    config.curve_clients = s_clients_dir;
    jb_error_t error;
    for (int round = 0; round < 2; round++) {
        jb_broker_t *first = jb_broker_new(&config, &error);
        assert_non_null(first);
        jb_broker_t *second = jb_broker_new(&config, &error);
        assert_null(second);
        assert_int_equal(error.code, JB_ESOCKET);
        assert_non_null(strstr(error.message, "cannot start the authentication (ZAP) handler"));
        jb_broker_destroy(&first);
    }
}

//  --------------------------------------------------------------------------
//  A peer with no keys, the wrong server key, or a key the broker does not
//  know is refused on every socket: it can neither publish nor subscribe,
//  nor read the counters, and the broker logs each refusal.

static void
test_peers_without_an_allowed_key_can_neither_publish_nor_subscribe(void **state)
{
    (void) state;
    testproc_broker_t program;
    s_broker_start(&program);

    //  The allowed pair, for comparison
    zsock_t *subscriber = s_socket(ZMQ_SUB, program.backend, s_BOB, NULL, NULL);
    zsock_set_subscribe(subscriber, "jerry.work_tracking.");
    zsock_t *publisher = s_socket(ZMQ_XPUB, program.frontend, s_ALICE, NULL, NULL);
    s_expect_subscription(publisher, 1, "jerry.work_tracking.");

    //  Three bad publishers and three bad subscribers to everything, each
    //  waited for until the broker has turned it away
    struct {
        const char *why;
        int client;
        const char *server_key;
    } bad [] = {
        { "no keys", s_CLIENTS, NULL },
        { "the wrong server key", s_BOB, s_certs[s_MALLORY].public_key },
        { "a key the broker does not know", s_MALLORY, NULL },
    };
    zsock_t *bad_publishers [3], *bad_subscribers [3];
    for (size_t index = 0; index < 3; index++) {
        zsock_t *monitor;
        bad_publishers[index] = s_socket(ZMQ_XPUB, program.frontend, bad[index].client,
                                         bad[index].server_key, &monitor);
        s_expect_refused(monitor, bad[index].why);
        s_monitor_stop(bad_publishers[index], &monitor);
        bad_subscribers[index] = s_socket(ZMQ_SUB, program.backend, bad[index].client,
                                          bad[index].server_key, &monitor);
        zsock_set_subscribe(bad_subscribers[index], "");
        s_expect_refused(monitor, bad[index].why);
        s_monitor_stop(bad_subscribers[index], &monitor);
        //  What a refused publisher sends goes nowhere
        assert_int_equal(zsock_send(bad_publishers[index], "ss",
                                    "jerry.work_tracking.task.forged", "{}"), 0);
    }
    //  One publisher, one path: the sentinel comes after anything else
    assert_int_equal(zsock_send(publisher, "ss", "jerry.work_tracking.task.created", "{}"), 0);
    s_expect_topic(subscriber, "jerry.work_tracking.task.created");
    s_expect_nothing(subscriber, "the allowed subscriber");
    for (size_t index = 0; index < 3; index++)
        s_expect_nothing(bad_subscribers[index], bad[index].why);

    //  The counters: only to a client the broker lets in
    assert_null(s_stats(program.control, s_CLIENTS, s_QUIET_MS));
    assert_null(s_stats(program.control, s_MALLORY, s_QUIET_MS));
    cJSON *root = s_stats(program.control, s_CAROL, s_DEADLINE_MS);
    assert_non_null(root);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "curve")));
    assert_int_equal(s_counter(root, "frontend", "messages_in"), 1);
    assert_int_equal(s_counter(root, "backend", "messages_out"), 1);
    assert_true(s_counter(root, NULL, "auth_failures") >= 6);
    cJSON_Delete(root);

    for (size_t index = 0; index < 3; index++) {
        zsock_destroy(&bad_publishers[index]);
        zsock_destroy(&bad_subscribers[index]);
    }
    zsock_destroy(&publisher);
    zsock_destroy(&subscriber);
    char *log = s_broker_stop(&program);
    //  A peer without keys is refused for not speaking CURVE, or hangs up
    //  first when it sees that the broker does
    const char *roles [] = { "publisher", "subscriber", "control client" };
    for (size_t index = 0; index < 3; index++) {
        char line [256];
        testproc_format(line, sizeof line, "curve: refused a %s connection: ", roles[index]);
        s_expect_in(log, line);
        testproc_format(line, sizeof line, "curve: refused a %s at 127.0.0.1: key %s has no "
                        "certificate in %s", roles[index], s_certs[s_MALLORY].public_key,
                        s_clients_dir);
        s_expect_in(log, line);
    }
    s_expect_in(log, "curve: refused a publisher connection: its CURVE handshake failed (the "
                     "wrong server key");
    s_expect_in(log, "curve: refused a subscriber connection: its CURVE handshake failed (the "
                     "wrong server key");
    free(log);
}

//  --------------------------------------------------------------------------
//  A key is let in only where it has a right: alice (publish only) not on
//  the subscriber endpoint, bob (subscribe only) not on the publisher
//  endpoint. So a client that may not subscribe cannot send the subscriber
//  endpoint messages that are not subscriptions, which would throw libzmq's
//  manual mode off and get other clients' subscriptions refused.

static void
test_a_key_is_let_in_only_where_it_has_a_right(void **state)
{
    (void) state;
    testproc_broker_t program;
    s_broker_start(&program);
    zsock_t *monitor;
    zsock_t *alice_upstream = s_socket(ZMQ_XSUB, program.backend, s_ALICE, NULL, &monitor);
    s_expect_refused(monitor, "alice on the subscriber endpoint");
    s_monitor_stop(alice_upstream, &monitor);
    zsock_t *bob_publisher = s_socket(ZMQ_XPUB, program.frontend, s_BOB, NULL, &monitor);
    s_expect_refused(monitor, "bob on the publisher endpoint");
    s_monitor_stop(bob_publisher, &monitor);

    //  alice keeps sending junk upstream while bob's subscribers come
    enum { s_SUBSCRIBERS = 10 };
    for (int index = 0; index < 100; index++)
        zstr_send(alice_upstream, "\x02junk");
    zsock_t *subscribers [s_SUBSCRIBERS];
    for (int index = 0; index < s_SUBSCRIBERS; index++) {
        subscribers[index] = s_socket(ZMQ_SUB, program.backend, s_BOB, NULL, NULL);
        zsock_set_subscribe(subscribers[index], "jerry.work_tracking.");
        zstr_send(alice_upstream, "\x02junk");
    }
    zsock_t *publisher = s_socket(ZMQ_XPUB, program.frontend, s_ALICE, NULL, NULL);
    s_expect_subscription(publisher, 1, "jerry.work_tracking.");

    //  every subscriber gets the events: publish until each has one
    //  (an event sent before a subscription is applied is not delivered:
    //  each round waits for any subscriber to be readable, then sends again)
    bool received [s_SUBSCRIBERS] = { false };
    zmq_pollitem_t items [s_SUBSCRIBERS];
    for (int index = 0; index < s_SUBSCRIBERS; index++)
        items[index] = (zmq_pollitem_t) { zsock_resolve(subscribers[index]), 0, ZMQ_POLLIN, 0 };
    int count = 0;
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (count < s_SUBSCRIBERS && zclock_mono() < deadline) {
        zstr_send(alice_upstream, "\x02junk");
        assert_int_equal(zsock_send(publisher, "ss", "jerry.work_tracking.task.created", "{}"), 0);
        if (zmq_poll(items, s_SUBSCRIBERS, 20) <= 0)
            continue;
        for (int index = 0; index < s_SUBSCRIBERS; index++) {
            char topic [64];
            while (zmq_recv(items[index].socket, topic, sizeof topic, ZMQ_DONTWAIT) >= 0)
                if (!received[index]) {
                    received[index] = true;
                    count++;
                }
        }
    }
    assert_int_equal(count, s_SUBSCRIBERS);

    cJSON *root = s_stats(program.control, s_CAROL, s_DEADLINE_MS);
    assert_non_null(root);
    assert_int_equal(s_counter(root, "backend", "forbidden"), 0);
    assert_true(s_counter(root, NULL, "auth_failures") >= 2);
    cJSON_Delete(root);

    for (int index = 0; index < s_SUBSCRIBERS; index++)
        zsock_destroy(&subscribers[index]);
    zsock_destroy(&publisher);
    zsock_destroy(&bob_publisher);
    zsock_destroy(&alice_upstream);
    char *log = s_broker_stop(&program);
    char line [256];
    testproc_format(line, sizeof line, "curve: refused a subscriber at 127.0.0.1: key %s may "
                    "not subscribe to anything", s_certs[s_ALICE].public_key);
    s_expect_in(log, line);
    testproc_format(line, sizeof line, "curve: refused a publisher at 127.0.0.1: key %s may "
                    "not publish anything", s_certs[s_BOB].public_key);
    s_expect_in(log, line);
    free(log);
}

//  --------------------------------------------------------------------------
//  alice may publish only jerry.work_tracking.: her other types are
//  dropped at the broker, counted in STATS and `jbus stats`, and logged.

static void
test_a_message_outside_the_publishers_prefixes_is_dropped_and_counted(void **state)
{
    (void) state;
    testproc_broker_t program;
    s_broker_start(&program);
    //  carol may subscribe to all of jerry., so alice hears of it
    zsock_t *subscriber = s_socket(ZMQ_SUB, program.backend, s_CAROL, NULL, NULL);
    zsock_set_subscribe(subscriber, "jerry.");
    zsock_t *publisher = s_socket(ZMQ_XPUB, program.frontend, s_ALICE, NULL, NULL);
    s_expect_subscription(publisher, 1, "jerry.");
    assert_int_equal(zsock_send(publisher, "ss", "jerry.billing.invoice.paid", "{}"), 0);
    assert_int_equal(zsock_send(publisher, "ss", "jerry.work_trackingX.forged", "{}"), 0);
    assert_int_equal(zsock_send(publisher, "ss", "jerry.work_tracking.task.created", "{}"), 0);
    s_expect_topic(subscriber, "jerry.work_tracking.task.created");
    s_expect_nothing(subscriber, "carol");

    cJSON *root = s_stats(program.control, s_CAROL, s_DEADLINE_MS);
    assert_non_null(root);
    assert_int_equal(s_counter(root, "frontend", "messages_in"), 3);
    assert_int_equal(s_counter(root, "frontend", "forbidden"), 2);
    assert_int_equal(s_counter(root, "backend", "messages_out"), 1);
    cJSON_Delete(root);

    //  The same through the tool, with carol's certificate and the
    //  broker's public certificate
    const char *args [] = { "stats", "--endpoint", program.control,
                            "--curve-cert", s_secret_paths[s_CAROL],
                            "--curve-server", s_broker_public, "--json", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, args, &outcome);
    assert_int_equal(outcome.status, 0);
    s_expect_in(outcome.out, "\"frontend\":{\"messages_in\":3,");
    s_expect_in(outcome.out, "\"forbidden\":2,");
    testproc_outcome_free(&outcome);
    //  and without keys, no answer
    const char *no_keys [] = { "stats", "--endpoint", program.control, "--timeout", "200", NULL };
    testproc_run(TESTPROC_JBUS, no_keys, &outcome);
    assert_int_equal(outcome.status, 1);
    s_expect_in(outcome.err, "no answer");
    testproc_outcome_free(&outcome);

    zsock_destroy(&publisher);
    zsock_destroy(&subscriber);
    char *log = s_broker_stop(&program);
    char line [256];
    testproc_format(line, sizeof line, "curve: dropped a message of type "
                    "\"jerry.billing.invoice.paid\" from publisher alice (key %s): it may "
                    "publish \"jerry.work_tracking.\"", s_certs[s_ALICE].public_key);
    s_expect_in(log, line);
    s_expect_in(log, "dropped 2 messages");
    free(log);
}

//  --------------------------------------------------------------------------
//  A valid binary-mode event of type from alice, sent on publisher.

static void
s_send_event(zsock_t *publisher, const char *type)
{
    jb_event_t *event = jb_event_new(type, "/jerry/tests");
    assert_non_null(event);
    assert_int_equal(jb_event_set_data_json(event, "{\"task_id\":\"WORK-001\"}", SIZE_MAX,
                                            NULL), 0);
    jb_message_t *message = jb_message_new();
    assert_non_null(message);
    assert_int_equal(jb_message_encode(message, event, JB_MODE_BINARY, NULL), 0);
    size_t count = jb_message_frame_count(message);
    for (size_t index = 0; index < count; index++) {
        jb_frame_t frame = jb_message_frame(message, index);
        assert_int_equal(zmq_send(zsock_resolve(publisher), frame.data, frame.size,
                                  index + 1 < count? ZMQ_SNDMORE: 0), (int) frame.size);
    }
    jb_message_destroy(&message);
    jb_event_destroy(&event);
}

//  With CURVE and strict mode, each message is checked against its
//  publisher's prefixes first, then against the binding: one outside
//  alice's prefixes is forbidden whether or not it fits, one inside that
//  does not fit is rejected, and only a valid one inside goes through.

static void
test_with_curve_and_strict_a_message_passes_the_publish_rule_then_the_binding(void **state)
{
    (void) state;
    testproc_broker_t program;
    const char *args [] = { "--config", s_config, "--strict", "--frontend", "tcp://127.0.0.1:*",
                            "--backend", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*",
                            "--stats-interval", "0", NULL };
    testproc_broker_start(args, &program);
    zsock_t *subscriber = s_socket(ZMQ_SUB, program.backend, s_CAROL, NULL, NULL);
    zsock_set_subscribe(subscriber, "jerry.");
    zsock_t *publisher = s_socket(ZMQ_XPUB, program.frontend, s_ALICE, NULL, NULL);
    s_expect_subscription(publisher, 1, "jerry.");
    s_send_event(publisher, "jerry.billing.invoice.paid");
    assert_int_equal(zsock_send(publisher, "ss", "jerry.billing.invoice.sent", "{}"), 0);
    assert_int_equal(zsock_send(publisher, "ss", "jerry.work_tracking.task.forged", "{}"), 0);
    s_send_event(publisher, "jerry.work_tracking.task.created");
    s_expect_topic(subscriber, "jerry.work_tracking.task.created");
    s_expect_nothing(subscriber, "carol");

    cJSON *root = s_stats(program.control, s_CAROL, s_DEADLINE_MS);
    assert_non_null(root);
    assert_int_equal(s_counter(root, "frontend", "messages_in"), 4);
    assert_int_equal(s_counter(root, "frontend", "forbidden"), 2);
    assert_int_equal(s_counter(root, "frontend", "rejected"), 1);
    assert_int_equal(s_counter(root, "backend", "messages_out"), 1);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "strict")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "curve")));
    cJSON_Delete(root);

    zsock_destroy(&publisher);
    zsock_destroy(&subscriber);
    char *log = s_broker_stop(&program);
    s_expect_in(log, "curve: dropped a message of type \"jerry.billing.invoice.paid\"");
    s_expect_in(log, "strict: rejected a message from ");
    s_expect_in(log, "(topic \"jerry.work_tracking.task.forged\")");
    s_expect_in(log, "dropped 2 messages");
    free(log);
}

//  --------------------------------------------------------------------------
//  bob may subscribe only to jerry.work_tracking.: his subscriptions to
//  jerry.billing., and to the shorter jerry. and "", are refused, reach no
//  publisher, and bring him nothing, while dave's jerry.billing. works.
//  bob is a raw SUB that did not ask for the broker's notices (binding
//  3.5): none reaches him.

static void
test_a_subscription_outside_the_subscribers_prefixes_is_not_forwarded(void **state)
{
    (void) state;
    testproc_broker_t program;
    s_broker_start(&program);
    zsock_t *publisher = s_socket(ZMQ_XPUB, program.frontend, s_CAROL, NULL, NULL);
    zsock_t *bob = s_socket(ZMQ_SUB, program.backend, s_BOB, NULL, NULL);
    zsock_set_subscribe(bob, "jerry.billing.");
    zsock_set_subscribe(bob, "jerry.");
    zsock_set_subscribe(bob, "");
    zsock_set_subscribe(bob, "jerry.work_tracking.");
    //  In order on bob's connection: when the last arrives, the broker has
    //  dealt with the others, and none of them came through
    s_expect_next_subscription(publisher, 1, "jerry.work_tracking.");
    s_expect_nothing(publisher, "the publisher");

    zsock_t *dave = s_socket(ZMQ_SUB, program.backend, s_DAVE, NULL, NULL);
    zsock_set_subscribe(dave, "jerry.billing.");
    s_expect_subscription(publisher, 1, "jerry.billing.");
    assert_int_equal(zsock_send(publisher, "ss", "jerry.billing.invoice.paid", "{}"), 0);
    assert_int_equal(zsock_send(publisher, "ss", "jerry.other.thing.done", "{}"), 0);
    assert_int_equal(zsock_send(publisher, "ss", "jerry.work_tracking.task.created", "{}"), 0);
    s_expect_topic(dave, "jerry.billing.invoice.paid");
    s_expect_topic(bob, "jerry.work_tracking.task.created");
    s_expect_nothing(bob, "bob");
    s_expect_nothing(dave, "dave");

    cJSON *root = s_stats(program.control, s_CAROL, s_DEADLINE_MS);
    assert_non_null(root);
    assert_int_equal(s_counter(root, "backend", "forbidden"), 3);
    assert_int_equal(s_counter(root, "backend", "subscriptions"), 2);
    cJSON_Delete(root);

    zsock_destroy(&dave);
    zsock_destroy(&bob);
    zsock_destroy(&publisher);
    char *log = s_broker_stop(&program);
    const char *refused [] = { "jerry.billing.", "jerry.", "" };
    for (size_t index = 0; index < 3; index++) {
        char line [256];
        testproc_format(line, sizeof line, "curve: refused subscription \"%s\" of subscriber "
                        "bob (key %s): outside its subscribe prefixes", refused[index],
                        s_certs[s_BOB].public_key);
        s_expect_in(log, line);
    }
    free(log);
}

//  --------------------------------------------------------------------------
//  Publishers still hear of a prefix once: the first subscriber's
//  subscription and the last one's leaving, whether it unsubscribes or its
//  connection ends, also when it subscribed twice.

static void
test_publishers_hear_of_the_first_subscription_and_the_last_leaving(void **state)
{
    (void) state;
    testproc_broker_t program;
    s_broker_start(&program);
    zsock_t *publisher = s_socket(ZMQ_XPUB, program.frontend, s_CAROL, NULL, NULL);
    zsock_set_xpub_verbose(publisher, 1);
    //  The publisher is verbose: it would hear a second subscription to a
    //  prefix, which the broker must not send
    zsock_t *first = s_socket(ZMQ_SUB, program.backend, s_BOB, NULL, NULL);
    zsock_set_subscribe(first, "jerry.work_tracking.");
    zsock_set_subscribe(first, "jerry.work_tracking.");
    zsock_set_subscribe(first, "jerry.work_tracking.first.");
    s_expect_next_subscription(publisher, 1, "jerry.work_tracking.");
    s_expect_next_subscription(publisher, 1, "jerry.work_tracking.first.");
    zsock_t *second = s_socket(ZMQ_SUB, program.backend, s_BOB, NULL, NULL);
    zsock_set_subscribe(second, "jerry.work_tracking.");
    zsock_set_subscribe(second, "jerry.work_tracking.task.");
    s_expect_next_subscription(publisher, 1, "jerry.work_tracking.task.");

    //  The first goes away; the second still holds jerry.work_tracking.
    zsock_destroy(&first);
    s_expect_next_subscription(publisher, 0, "jerry.work_tracking.first.");
    zsock_set_unsubscribe(second, "jerry.work_tracking.task.");
    s_expect_next_subscription(publisher, 0, "jerry.work_tracking.task.");
    s_expect_nothing(publisher, "the publisher, after the first left");
    assert_int_equal(zsock_send(publisher, "ss", "jerry.work_tracking.task.created", "{}"), 0);
    s_expect_topic(second, "jerry.work_tracking.task.created");
    //  The last one leaves
    zsock_destroy(&second);
    s_expect_subscription(publisher, 0, "jerry.work_tracking.");

    zsock_destroy(&publisher);
    free(s_broker_stop(&program));
}

//  --------------------------------------------------------------------------
//  A config that asks for CURVE but misses a piece never starts the broker:
//  exit code 2, a message that says what is missing, no ready line.

static void
test_program_refuses_an_incomplete_curve_config_with_exit_code_2(void **state)
{
    (void) state;
    char missing [PATH_MAX], not_a_directory [PATH_MAX], rules_only [PATH_MAX];
    testproc_format(missing, sizeof missing, "%s/no-such-thing", testproc_directory);
    testproc_write_file("not-a-directory", "", not_a_directory);
    testproc_write_file("rules-only.cfg", "clients\n    x\n        key = \"*\"\n"
                        "        publish = \"\"\n", rules_only);
    char bad_rule [PATH_MAX];
    testproc_write_file("bad-rule.cfg", "clients\n    x\n        key = \"k\"\n", bad_rule);
    char garbage [PATH_MAX];
    testproc_write_file("garbage.cert", "curve\n    secret-key = 1\n", garbage);
    char public_only [PATH_MAX];
    char clients_public [PATH_MAX];
    testproc_format(clients_public, sizeof clients_public, "%s/alice", s_clients_dir);
    snprintf(public_only, sizeof public_only, "%s", clients_public);
    const struct {
        const char *args [6];
        const char *message;
    } cases [] = {
        { { "--curve-cert", s_broker_secret, NULL },
          "curve_cert is set but curve_clients is not" },
        { { "--curve-clients", s_clients_dir, NULL },
          "curve_clients is set but curve_cert is not" },
        { { "--curve-cert", public_only, "--curve-clients", s_clients_dir, NULL },
          "holds no secret key" },
        { { "--curve-cert", missing, "--curve-clients", s_clients_dir, NULL },
          "curve_cert: certificate" },
        { { "--curve-cert", garbage, "--curve-clients", s_clients_dir, NULL },
          "no curve/public-key" },
        { { "--curve-cert", s_broker_secret, "--curve-clients", missing, NULL },
          "No such file or directory" },
        { { "--curve-cert", s_broker_secret, "--curve-clients", not_a_directory, NULL },
          "Not a directory" },
        { { "--config", rules_only, NULL }, "rules about client keys need CURVE" },
        { { "--config", bad_rule, NULL }, "client key \"k\": not a CURVE key" },
        { { "--config", s_config, "--curve-cert", "", NULL },
          "curve_clients is set but curve_cert is not" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        const char *args [12];
        size_t count = 0;
        const char *ports [] = { "--frontend", "tcp://127.0.0.1:*", "--backend",
                                 "tcp://127.0.0.1:*", "--no-control" };
        for (size_t port = 0; port < 5; port++)
            args[count++] = ports[port];
        for (size_t arg = 0; cases[index].args[arg]; arg++)
            args[count++] = cases[index].args[arg];
        args[count] = NULL;
        testproc_outcome_t outcome;
        testproc_run(TESTPROC_BROKER, args, &outcome);
        if (outcome.status != 2)
            fail_msg("case %zu: exit status %d, stderr: %s", index, outcome.status, outcome.err);
        s_expect_in(outcome.err, cases[index].message);
        assert_string_equal(outcome.out, "");   //  it never said ready
        testproc_outcome_free(&outcome);
    }
}

//  --------------------------------------------------------------------------
//  jbus keygen writes a key pair that works, never replaces one by
//  accident, and says what is wrong with its command line.

static void
test_keygen_writes_a_key_pair_and_refuses_to_replace_one(void **state)
{
    (void) state;
    char path [PATH_MAX], secret_path [PATH_MAX];
    testproc_format(path, sizeof path, "%s/made-by-keygen", testproc_directory);
    testproc_format(secret_path, sizeof secret_path, "%s_secret", path);
    const char *args [] = { "keygen", "--name", "someone", path, NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, args, &outcome);
    assert_int_equal(outcome.status, 0);
    jb_curve_cert_t public_cert, secret_cert;
    jb_error_t error;
    assert_int_equal(jb_curve_cert_load(&public_cert, path, &error), 0);
    assert_int_equal(jb_curve_cert_load(&secret_cert, secret_path, &error), 0);
    assert_string_equal(public_cert.secret_key, "");
    assert_string_equal(public_cert.public_key, secret_cert.public_key);
    assert_int_equal(jb_curve_key_check(secret_cert.secret_key, NULL), 0);
    char printed [64];
    testproc_format(printed, sizeof printed, "%s\n", public_cert.public_key);
    assert_string_equal(outcome.out, printed);
    testproc_outcome_free(&outcome);
    struct stat status;
    assert_int_equal(stat(secret_path, &status), 0);
    assert_int_equal(status.st_mode & 0777, 0600);
    char *text = testutil_read_file(path, NULL);
    assert_non_null(text);
    s_expect_in(text, "name = \"someone\"");
    free(text);

    //  Again: refused, the pair untouched; with --force, a new pair
    testproc_run(TESTPROC_JBUS, args, &outcome);
    assert_int_equal(outcome.status, 1);
    s_expect_in(outcome.err, "File exists");
    s_expect_in(outcome.err, "--force");
    testproc_outcome_free(&outcome);
    jb_curve_cert_t again;
    assert_int_equal(jb_curve_cert_load(&again, secret_path, &error), 0);
    assert_string_equal(again.secret_key, secret_cert.secret_key);
    const char *force [] = { "keygen", "--force", "--quiet", path, NULL };
    testproc_run(TESTPROC_JBUS, force, &outcome);
    assert_int_equal(outcome.status, 0);
    assert_string_equal(outcome.out, "");
    testproc_outcome_free(&outcome);
    assert_int_equal(jb_curve_cert_load(&again, secret_path, &error), 0);
    assert_string_not_equal(again.public_key, secret_cert.public_key);
    jb_curve_cert_clear(&again);
    jb_curve_cert_clear(&secret_cert);
    unlink(path);
    unlink(secret_path);

    const struct {
        const char *args [4];
        int status;
        const char *message;
    } cases [] = {
        { { "keygen", NULL }, 2, "give the FILE to write" },
        { { "keygen", "a", "b", NULL }, 2, "unexpected argument 'b'" },
        { { "keygen", "--bogus", "a", NULL }, 2, "Try 'jbus keygen --help'" },
        { { "keygen", "/nonexistent-dir/key", NULL }, 1, "No such file or directory" },
        { { "keygen", "--help", NULL }, 0, "" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        testproc_run(TESTPROC_JBUS, cases[index].args, &outcome);
        if (outcome.status != cases[index].status)
            fail_msg("case %zu: exit status %d, stderr: %s", index, outcome.status, outcome.err);
        s_expect_in(outcome.err, cases[index].message);
        testproc_outcome_free(&outcome);
    }
}

//  --------------------------------------------------------------------------
//  jbus pub and sub and the example contexts take their keys from flags or
//  the environment, and half a setup is a usage error.

static void
test_tools_and_examples_talk_curve_with_keys_from_flags_or_the_environment(void **state)
{
    (void) state;
    testproc_broker_t program;
    s_broker_start(&program);

    //  jbus sub as bob, keys from the environment; jbus pub as alice, keys
    //  from flags (the server's as text), waits until bob is subscribed
    setenv("JBUS_CURVE_CERT", s_secret_paths[s_BOB], 1);
    setenv("JBUS_CURVE_SERVER", s_broker_public, 1);
    const char *sub_args [] = { "sub", "--endpoint", program.backend, "--count", "1",
                                "--timeout", "20000", "jerry.work_tracking.", NULL };
    testproc_t sub;
    testproc_spawn(TESTPROC_JBUS, sub_args, &sub);
    unsetenv("JBUS_CURVE_CERT");
    unsetenv("JBUS_CURVE_SERVER");
    const char *pub_args [] = { "pub", "--endpoint", program.frontend,
                                "--curve-cert", s_secret_paths[s_ALICE],
                                "--curve-server", s_broker_cert.public_key,
                                "-t", "jerry.work_tracking.task.created", "-s", "/jerry/tests",
                                "--subject", "WORK-CLI", "--wait", "20000", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, pub_args, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);
    testproc_wait(&sub, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    s_expect_in(outcome.out, "\"subject\":\"WORK-CLI\"");
    testproc_outcome_free(&outcome);

    //  The examples: the subscriber as bob, the context as alice
    char subscriber_path [PATH_MAX], context_path [PATH_MAX];
    testproc_format(subscriber_path, sizeof subscriber_path, "%s/work_tracking_subscriber",
                    TESTPROC_EXAMPLES);
    testproc_format(context_path, sizeof context_path, "%s/work_tracking_context",
                    TESTPROC_EXAMPLES);
    const char *listener_args [] = { "--endpoint", program.backend, "--count", "2",
                                     "--timeout", "20000", "--curve-cert", s_secret_paths[s_BOB],
                                     "--curve-server", s_broker_public, NULL };
    testproc_t listener;
    testproc_spawn(subscriber_path, listener_args, &listener);
    const char *context_args [] = { "--endpoint", program.frontend, "--tasks", "1",
                                    "--wait", "20000", "--curve-cert", s_secret_paths[s_ALICE],
                                    "--curve-server", s_broker_public, NULL };
    testproc_run(context_path, context_args, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);
    testproc_wait(&listener, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    s_expect_in(outcome.out, "jerry.work_tracking.task.completed WORK-001");
    testproc_outcome_free(&outcome);
    free(s_broker_stop(&program));

    //  Half a setup, or a bad file, is a usage error
    const char *one_half [] = { "pub", "--curve-cert", s_secret_paths[s_ALICE], "-t", "a.b",
                                NULL };
    testproc_run(TESTPROC_JBUS, one_half, &outcome);
    assert_int_equal(outcome.status, 2);
    s_expect_in(outcome.err, "--curve-cert is given but --curve-server is not");
    testproc_outcome_free(&outcome);
    const char *public_cert [] = { "sub", "--curve-cert", s_broker_public,
                                   "--curve-server", s_broker_public, "x", NULL };
    testproc_run(TESTPROC_JBUS, public_cert, &outcome);
    assert_int_equal(outcome.status, 2);
    s_expect_in(outcome.err, "holds no secret key");
    testproc_outcome_free(&outcome);
    const char *bad_server [] = { "stats", "--curve-cert", s_secret_paths[s_CAROL],
                                  "--curve-server", "nonsense", NULL };
    testproc_run(TESTPROC_JBUS, bad_server, &outcome);
    assert_int_equal(outcome.status, 2);
    s_expect_in(outcome.err, "bad --curve-server: \"nonsense\" is neither a CURVE public key");
    testproc_outcome_free(&outcome);
    setenv("JBUS_CURVE_SERVER", s_broker_public, 1);
    const char *environment_half [] = { "sub", "x", NULL };
    testproc_run(TESTPROC_JBUS, environment_half, &outcome);
    unsetenv("JBUS_CURVE_SERVER");
    assert_int_equal(outcome.status, 2);
    s_expect_in(outcome.err, "JBUS_CURVE_SERVER is given but --curve-cert is not");
    testproc_outcome_free(&outcome);
    const char *example_half [] = { "--curve-cert", s_secret_paths[s_ALICE], NULL };
    testproc_run(context_path, example_half, &outcome);
    assert_int_equal(outcome.status, 2);
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------
//  A secret certificate that others than its owner may read or change is
//  refused, as ssh refuses such a private key: by the library's loader for
//  secret certificates, by the broker program (exit code 2, naming the
//  file, its mode and the chmod that fixes it) and by the jbus tool.

static void
test_a_secret_certificate_open_to_others_is_refused(void **state)
{
    (void) state;
    char open_secret [PATH_MAX], open_client [PATH_MAX];
    testproc_format(open_secret, sizeof open_secret, "%s/open_broker_secret",
                    testproc_directory);
    testproc_format(open_client, sizeof open_client, "%s/open_alice_secret", testproc_directory);
    jb_error_t error;
    assert_int_equal(jb_curve_cert_save(&s_broker_cert, open_secret, "broker", true, &error), 0);
    assert_int_equal(jb_curve_cert_save(&s_certs[s_ALICE], open_client, "alice", true, &error),
                     0);

    const mode_t refused [] = { 0644, 0640, 0604, 0660, 0620, 0602, 0610, 0666 };
    for (size_t index = 0; index < sizeof refused / sizeof refused[0]; index++) {
        assert_int_equal(chmod(open_secret, refused[index]), 0);
        jb_curve_cert_t cert;
        if (jb_curve_cert_load_secret(&cert, open_secret, &error) != JB_EINVAL)
            fail_msg("mode %04o: not refused", (unsigned) refused[index]);
        char expected [PATH_MAX + 64];
        testproc_format(expected, sizeof expected, "certificate %s holds a secret key but is "
                        "open to others than its owner (mode %04o): run chmod 600 %s",
                        open_secret, (unsigned) refused[index], open_secret);
        assert_string_equal(error.message, expected);
        assert_string_equal(cert.public_key, "");
        assert_string_equal(cert.secret_key, "");
    }
    const mode_t accepted [] = { 0600, 0400, 0700 };
    for (size_t index = 0; index < sizeof accepted / sizeof accepted[0]; index++) {
        assert_int_equal(chmod(open_secret, accepted[index]), 0);
        jb_curve_cert_t cert;
        if (jb_curve_cert_load_secret(&cert, open_secret, &error))
            fail_msg("mode %04o: %s", (unsigned) accepted[index], error.message);
        assert_string_equal(cert.secret_key, s_broker_cert.secret_key);
        jb_curve_cert_clear(&cert);
    }
    //  A public certificate is no secret one, whatever its mode; the plain
    //  loader, which also reads public certificates, judges no mode
    jb_curve_cert_t cert;
    assert_int_equal(jb_curve_cert_load_secret(&cert, s_broker_public, &error), JB_EPARSE);
    s_expect_in(error.message, "holds no secret key");
    assert_string_equal(cert.public_key, "");           //  cleared on failure, as promised
    assert_int_equal(chmod(open_secret, 0644), 0);
    assert_int_equal(jb_curve_cert_load(&cert, open_secret, &error), 0);
    jb_curve_cert_clear(&cert);

    //  The broker program never starts on it
    char mode_text [PATH_MAX + 64];
    testproc_format(mode_text, sizeof mode_text, "certificate %s holds a secret key but is "
                    "open to others than its owner (mode 0644): run chmod 600 %s",
                    open_secret, open_secret);
    const char *broker_args [] = { "--frontend", "tcp://127.0.0.1:*",
                                   "--backend", "tcp://127.0.0.1:*", "--no-control",
                                   "--curve-cert", open_secret, "--curve-clients", s_clients_dir,
                                   NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_BROKER, broker_args, &outcome);
    if (outcome.status != 2)
        fail_msg("jbus-broker: exit status %d, stderr: %s", outcome.status, outcome.err);
    s_expect_in(outcome.err, mode_text);
    assert_string_equal(outcome.out, "");
    testproc_outcome_free(&outcome);

    //  Nor does a client use its own secret key when others can read it
    assert_int_equal(chmod(open_client, 0644), 0);
    testproc_format(mode_text, sizeof mode_text, "bad --curve-cert: certificate %s holds a "
                    "secret key but is open to others than its owner (mode 0644): run "
                    "chmod 600 %s", open_client, open_client);
    const char *client_args [] = { "stats", "--curve-cert", open_client,
                                   "--curve-server", s_broker_public, NULL };
    testproc_run(TESTPROC_JBUS, client_args, &outcome);
    assert_int_equal(outcome.status, 2);
    s_expect_in(outcome.err, mode_text);
    testproc_outcome_free(&outcome);
    unlink(open_secret);
    unlink(open_client);
}

//  --------------------------------------------------------------------------
//  The broker's secret certificate given where its public key is asked for
//  (--curve-server) still works, for its public key alone, and the client
//  warns, naming the file: that file belongs with the broker only.

static void
test_the_brokers_secret_certificate_as_server_key_gives_its_public_key_and_a_warning(
    void **state)
{
    (void) state;
    char key [JB_CURVE_KEY_SIZE];
    bool secret_given = true;
    jb_error_t error;
    assert_int_equal(jb_curve_server_key_read(s_broker_secret, key, &secret_given, &error), 0);
    assert_string_equal(key, s_broker_cert.public_key);
    assert_true(secret_given);
    assert_int_equal(jb_curve_server_key_read(s_broker_public, key, &secret_given, &error), 0);
    assert_string_equal(key, s_broker_cert.public_key);
    assert_false(secret_given);
    assert_int_equal(jb_curve_server_key_read(s_broker_cert.public_key, key, &secret_given,
                                              &error), 0);
    assert_false(secret_given);
    assert_int_equal(jb_curve_key_read(s_broker_secret, key, &error), 0);
    assert_string_equal(key, s_broker_cert.public_key);

    testproc_broker_t program;
    s_broker_start(&program);
    char warning [PATH_MAX + 64];
    testproc_format(warning, sizeof warning, "jbus stats: warning: --curve-server %s is the "
                    "broker's secret certificate: only its public key is used", s_broker_secret);
    const char *args [] = { "stats", "--endpoint", program.control,
                            "--curve-cert", s_secret_paths[s_CAROL],
                            "--curve-server", s_broker_secret, "--timeout", "20000", "--json", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, args, &outcome);
    if (outcome.status != 0)
        fail_msg("jbus stats: exit status %d, stderr: %s", outcome.status, outcome.err);
    s_expect_in(outcome.err, warning);
    s_expect_in(outcome.out, "\"curve\":true");
    testproc_outcome_free(&outcome);

    //  The public certificate gets no warning
    const char *public_args [] = { "stats", "--endpoint", program.control,
                                   "--curve-cert", s_secret_paths[s_CAROL],
                                   "--curve-server", s_broker_public, "--timeout", "20000", NULL };
    testproc_run(TESTPROC_JBUS, public_args, &outcome);
    assert_int_equal(outcome.status, 0);
    assert_string_equal(outcome.err, "");
    testproc_outcome_free(&outcome);
    free(s_broker_stop(&program));
}

//  --------------------------------------------------------------------------
//  A client with a connect timeout learns at once why the broker will not
//  have it (issue 10, item 4): a key it does not know, or one without the
//  right (alice may only publish), is "Authorization Violation"
//  (JB_EDENIED); the wrong broker key, or no CURVE at all, is JB_ECONNECT
//  with the reason. The tools exit 1 and say the same.

static jb_subscriber_t *
s_jbus_subscriber(const char *endpoint, int client, const char *server_key, jb_error_t *error)
{
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    if (client < s_CLIENTS) {
        options.curve_server_key = server_key;
        options.curve_public_key = s_certs[client].public_key;
        options.curve_secret_key = s_certs[client].secret_key;
    }
    return jb_subscriber_new(endpoint, &options, error);
}

static void
test_a_refused_key_is_told_at_once_as_an_authorization_violation(void **state)
{
    (void) state;
    testproc_broker_t program;
    s_broker_start(&program);
    jb_error_t error;
    int64_t started = zclock_mono();
    const int refused [] = { s_MALLORY, s_ALICE };
    for (size_t index = 0; index < 2; index++) {
        assert_null(s_jbus_subscriber(program.backend, refused[index], s_broker_cert.public_key,
                                      &error));
        assert_int_equal(error.code, JB_EDENIED);
        s_expect_in(error.message, "Authorization Violation: the broker at ");
        s_expect_in(error.message, "refused our CURVE key (ZAP status 400)");
    }
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    options.curve_server_key = s_broker_cert.public_key;
    options.curve_public_key = s_certs[s_MALLORY].public_key;
    options.curve_secret_key = s_certs[s_MALLORY].secret_key;
    assert_null(jb_publisher_new(program.frontend, &options, &error));
    assert_int_equal(error.code, JB_EDENIED);
    //  a refusal is final: no waiting out the timeout
    assert_true(zclock_mono() - started < s_DEADLINE_MS);

    assert_null(s_jbus_subscriber(program.backend, s_BOB, s_certs[s_CAROL].public_key, &error));
    assert_int_equal(error.code, JB_ECONNECT);
    s_expect_in(error.message, "the broker's public key we have is not the right one");
    assert_null(s_jbus_subscriber(program.backend, s_CLIENTS, NULL, &error));
    assert_int_equal(error.code, JB_ECONNECT);
    //  a mismatch of mechanisms, unless the broker hung up before we read
    //  that it was one
    s_expect_in(error.message, "requires CURVE");

    const char *sub_args [] = { "sub", "--endpoint", program.backend,
                                "--curve-cert", s_secret_paths[s_MALLORY],
                                "--curve-server", s_broker_public, "jerry.work_tracking.", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, sub_args, &outcome);
    assert_int_equal(outcome.status, 1);
    s_expect_in(outcome.err, "jbus sub: Authorization Violation");
    testproc_outcome_free(&outcome);
    const char *pub_args [] = { "pub", "--endpoint", program.frontend,
                                "--curve-cert", s_secret_paths[s_MALLORY],
                                "--curve-server", s_broker_public,
                                "-t", "jerry.work_tracking.task.created", NULL };
    testproc_run(TESTPROC_JBUS, pub_args, &outcome);
    assert_int_equal(outcome.status, 1);
    s_expect_in(outcome.err, "jbus pub: Authorization Violation");
    assert_null(strstr(outcome.err, "published"));
    testproc_outcome_free(&outcome);
    free(s_broker_stop(&program));
}

//  --------------------------------------------------------------------------
//  SIGHUP reloads the rules: dave, refused jerry.audit. under the first
//  config, may subscribe to it once the config says so and the broker has
//  reloaded; a config that fails to load is logged, and the rules in use
//  stay.

static void
s_write_dave_config(const char *path, const char *dave_prefix, bool broken)
{
    char *text = zsys_sprintf(
        "broker\n"
        "    curve_cert = \"%s\"\n"
        "    curve_clients = \"%s\"\n"
        "%s"
        "clients\n"
        "    carol\n"
        "        key = \"%s\"\n"
        "        publish = \"\"\n"
        "    dave\n"
        "        key = \"%s\"\n"
        "        subscribe = \"%s\"\n",
        s_broker_secret, s_clients_dir, broken? "    linger = soon\n": "",
        s_certs[s_CAROL].public_key, s_certs[s_DAVE].public_key, dave_prefix);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    assert_true(fputs(text, file) >= 0);
    fclose(file);
    zstr_free(&text);
}

//  Wait until the broker's log (its stderr, a file) has text, n times.
static void
s_expect_logged(const testproc_broker_t *broker, const char *text, int times)
{
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (true) {
        char *log = testutil_read_file(broker->process.err_path, NULL);
        int found = 0;
        for (const char *cursor = log; cursor && (cursor = strstr(cursor, text)); cursor++)
            found++;
        free(log);
        if (found >= times)
            return;
        if (zclock_mono() > deadline)
            fail_msg("the broker did not log \"%s\" %d times", text, times);
        zclock_sleep(20);       //  polling a file: nothing to wait on
    }
}

//  carol's publisher on program's frontend, with her keys.
static jb_publisher_t *
s_carol_publisher(const testproc_broker_t *program)
{
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    options.linger_ms = 0;
    options.curve_server_key = s_broker_cert.public_key;
    options.curve_public_key = s_certs[s_CAROL].public_key;
    options.curve_secret_key = s_certs[s_CAROL].secret_key;
    jb_error_t error;
    jb_publisher_t *carol = jb_publisher_new(program->frontend, &options, &error);
    if (!carol)
        fail_msg("carol: %s", error.message);
    return carol;
}

//  dave subscribes to prefix on a new connection and waits for carol's
//  event of type: 0 when it came, JB_EDENIED when the broker refused it.
static int
s_dave_hears(const testproc_broker_t *program, jb_publisher_t *carol, const char *prefix,
             const char *type)
{
    jb_error_t error;
    jb_subscriber_t *dave = s_jbus_subscriber(program->backend, s_DAVE,
                                              s_broker_cert.public_key, &error);
    if (!dave)
        fail_msg("dave: %s", error.message);
    assert_int_equal(jb_subscriber_subscribe(dave, prefix, NULL), 0);
    int rc = JB_ETIMEDOUT;
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (rc == JB_ETIMEDOUT && zclock_mono() < deadline) {
        jb_event_t *event = jb_event_new(type, "/jerry/audit");
        assert_int_equal(jb_publisher_publish(carol, event, NULL), 0);
        jb_event_destroy(&event);
        jb_event_t *received = NULL;
        rc = jb_subscriber_recv(dave, 100, &received, &error);
        jb_event_destroy(&received);
    }
    jb_subscriber_destroy(&dave);
    return rc;
}

static void
test_sighup_reloads_the_rules_and_a_bad_config_keeps_them(void **state)
{
    (void) state;
    char path [PATH_MAX];
    testproc_format(path, sizeof path, "%s/reload.cfg", testproc_directory);
    s_write_dave_config(path, "jerry.billing.", false);
    const char *args [] = { "--config", path, "--frontend", "tcp://127.0.0.1:*",
                            "--backend", "tcp://127.0.0.1:*", "--no-control",
                            "--stats-interval", "0", NULL };
    testproc_broker_t program;
    testproc_broker_start(args, &program);
    jb_publisher_t *carol = s_carol_publisher(&program);
    assert_int_equal(s_dave_hears(&program, carol, "jerry.audit.", "jerry.audit.entry.made"),
                     JB_EDENIED);

    s_write_dave_config(path, "jerry.audit.", false);
    assert_int_equal(kill(program.process.pid, SIGHUP), 0);
    s_expect_logged(&program, "reloaded: 2 client rules", 1);
    assert_int_equal(s_dave_hears(&program, carol, "jerry.audit.", "jerry.audit.entry.made"), 0);
    //  and what the new rules no longer give is refused
    assert_int_equal(s_dave_hears(&program, carol, "jerry.billing.", "jerry.billing.invoice.sent"),
                     JB_EDENIED);

    s_write_dave_config(path, "jerry.billing.", true);
    assert_int_equal(kill(program.process.pid, SIGHUP), 0);
    s_expect_logged(&program, "reload failed: ", 1);
    s_expect_logged(&program, "broker/linger: \"soon\" is not a duration", 1);
    //  the rules of the last good reload stay
    assert_int_equal(s_dave_hears(&program, carol, "jerry.audit.", "jerry.audit.entry.made"), 0);

    jb_publisher_destroy(&carol);
    free(s_broker_stop(&program));
    unlink(path);
}

//  --------------------------------------------------------------------------
//  A reload applies to connections already made: dave's subscriber, which
//  holds jerry.audit., is cut when the rules take that right away, and
//  its reconnection is refused the prefix; once his certificate leaves
//  the clients directory, a reload cuts him again and he is let in no
//  more. /connz names each connection by its key's rule.

//  The connection of key in CONNZ (to delete with root), or NULL.
static const cJSON *
s_connection_of(const cJSON *root, const char *key)
{
    const cJSON *connection;
    cJSON_ArrayForEach(connection, cJSON_GetObjectItemCaseSensitive(root, "connections")) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(connection, "key");
        if (cJSON_IsString(item) && streq(item->valuestring, key))
            return connection;
    }
    return NULL;
}

//  Wait until STATS' counter name (top level) reaches at least value.
static void
s_counter_wait(const char *control, const char *name, uint64_t value)
{
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (true) {
        cJSON *root = s_stats(control, s_CAROL, s_DEADLINE_MS);
        assert_non_null(root);
        uint64_t now = s_counter(root, NULL, name);
        cJSON_Delete(root);
        if (now >= value)
            return;
        if (zclock_mono() > deadline)
            fail_msg("%s stayed at %" PRIu64 ", below %" PRIu64, name, now, value);
        zclock_sleep(20);
    }
}

static void
test_a_reload_cuts_the_connections_the_new_rules_no_longer_allow(void **state)
{
    (void) state;
    char path [PATH_MAX];
    testproc_format(path, sizeof path, "%s/cut.cfg", testproc_directory);
    s_write_dave_config(path, "jerry.audit.", false);
    const char *args [] = { "--config", path, "--frontend", "tcp://127.0.0.1:*",
                            "--backend", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*",
                            "--stats-interval", "0", NULL };
    testproc_broker_t program;
    testproc_broker_start(args, &program);
    jb_error_t error;
    jb_publisher_t *carol = s_carol_publisher(&program);
    jb_subscriber_t *dave = s_jbus_subscriber(program.backend, s_DAVE, s_broker_cert.public_key,
                                              &error);
    if (!dave)
        fail_msg("dave: %s", error.message);
    assert_int_equal(jb_subscriber_subscribe(dave, "jerry.audit.", NULL), 0);
    int rc = JB_ETIMEDOUT;
    for (int64_t deadline = zclock_mono() + s_DEADLINE_MS;
         rc == JB_ETIMEDOUT && zclock_mono() < deadline; ) {
        jb_event_t *event = jb_event_new("jerry.audit.entry.made", "/jerry/audit");
        assert_int_equal(jb_publisher_publish(carol, event, NULL), 0);
        jb_event_destroy(&event);
        jb_event_t *received = NULL;
        rc = jb_subscriber_recv(dave, 100, &received, &error);
        jb_event_destroy(&received);
    }
    assert_int_equal(rc, 0);

    //  /connz's view over control: both, named by their rules
    cJSON *connz = s_ask(program.control, s_CAROL, "CONNZ", s_DEADLINE_MS);
    assert_non_null(connz);
    const cJSON *connection = s_connection_of(connz, s_certs[s_DAVE].public_key);
    assert_non_null(connection);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(connection, "name")->valuestring, "dave");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(connection, "side")->valuestring,
                        "subscriber");
    connection = s_connection_of(connz, s_certs[s_CAROL].public_key);
    assert_non_null(connection);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(connection, "name")->valuestring,
                        "carol");
    cJSON_Delete(connz);

    //  The rules take jerry.audit. away: dave's connection is cut, and
    //  when he comes back the prefix is refused
    s_write_dave_config(path, "jerry.billing.", false);
    assert_int_equal(kill(program.process.pid, SIGHUP), 0);
    s_expect_logged(&program, "reload: cut 1 connections", 1);
    s_counter_wait(program.control, "cut", 1);
    rc = JB_ETIMEDOUT;
    for (int64_t deadline = zclock_mono() + s_DEADLINE_MS;
         rc != JB_EDENIED && zclock_mono() < deadline; ) {
        jb_event_t *event = jb_event_new("jerry.audit.entry.made", "/jerry/audit");
        assert_int_equal(jb_publisher_publish(carol, event, NULL), 0);
        jb_event_destroy(&event);
        jb_event_t *received = NULL;
        rc = jb_subscriber_recv(dave, 100, &received, &error);
        jb_event_destroy(&received);
        //  events queued before the cut may still arrive
        assert_true(rc == 0 || rc == JB_ETIMEDOUT || rc == JB_EDENIED);
    }
    assert_int_equal(rc, JB_EDENIED);

    //  His certificate leaves the directory: cut again, and let in no more
    char certificate [PATH_MAX];
    testproc_format(certificate, sizeof certificate, "%s/%s", s_clients_dir, s_names[s_DAVE]);
    assert_int_equal(unlink(certificate), 0);
    assert_int_equal(kill(program.process.pid, SIGHUP), 0);
    s_expect_logged(&program, "reloaded: 2 client rules", 2);
    s_counter_wait(program.control, "cut", 2);
    s_counter_wait(program.control, "auth_failures", 1);
    connz = s_ask(program.control, s_CAROL, "CONNZ", s_DEADLINE_MS);
    assert_non_null(connz);
    assert_null(s_connection_of(connz, s_certs[s_DAVE].public_key));
    cJSON_Delete(connz);

    jb_subscriber_destroy(&dave);
    jb_publisher_destroy(&carol);
    free(s_broker_stop(&program));
    unlink(path);
    if (jb_curve_cert_save(&s_certs[s_DAVE], certificate, s_names[s_DAVE], false, &error))
        fail_msg("dave's certificate back: %s", error.message);
}

//  --------------------------------------------------------------------------
//  bob subscribes to jerry.work_tracking. (his right) and jerry.billing.
//  (not his): recv returns JB_EDENIED naming jerry.billing., once, and
//  then his events; dave, subscribed to jerry.billing. (his right), hears
//  nothing of it. jbus sub with a refused FILTER exits 1 and says so.

static void
test_a_refused_subscription_is_told_to_its_subscriber_alone(void **state)
{
    (void) state;
    testproc_broker_t program;
    s_broker_start(&program);
    jb_error_t error;
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    options.linger_ms = 0;
    options.curve_server_key = s_broker_cert.public_key;
    options.curve_public_key = s_certs[s_CAROL].public_key;
    options.curve_secret_key = s_certs[s_CAROL].secret_key;
    jb_publisher_t *carol = jb_publisher_new(program.frontend, &options, &error);
    if (!carol)
        fail_msg("carol: %s", error.message);
    //  Listeners on bob's notice topic, each known to be in place when a
    //  later subscription of its connection reaches the publisher: a raw
    //  SUB with bob's key, which gets the notices, and one with carol's,
    //  which may not have them
    char bob_topic [54];
    s_notice_topic(s_BOB, bob_topic);
    zsock_t *bob_listener = s_socket(ZMQ_SUB, program.backend, s_BOB, NULL, NULL);
    zmq_setsockopt(zsock_resolve(bob_listener), ZMQ_SUBSCRIBE, bob_topic, sizeof bob_topic);
    zsock_set_subscribe(bob_listener, "jerry.work_tracking.bob_listener.");
    zsock_t *carol_listener = s_socket(ZMQ_SUB, program.backend, s_CAROL, NULL, NULL);
    zmq_setsockopt(zsock_resolve(carol_listener), ZMQ_SUBSCRIBE, bob_topic, sizeof bob_topic);
    zsock_set_subscribe(carol_listener, "jerry.carol_listener.");
    assert_int_equal(jb_publisher_wait_for(carol, "jerry.work_tracking.bob_listener.",
                                           s_DEADLINE_MS, NULL), 0);
    assert_int_equal(jb_publisher_wait_for(carol, "jerry.carol_listener.", s_DEADLINE_MS, NULL),
                     0);
    jb_subscriber_t *dave = s_jbus_subscriber(program.backend, s_DAVE,
                                              s_broker_cert.public_key, &error);
    if (!dave)
        fail_msg("dave: %s", error.message);
    assert_int_equal(jb_subscriber_subscribe(dave, "jerry.billing.", NULL), 0);
    //  another connection of bob's key, which asks for nothing refused: it
    //  hears the notice on its key's topic, and knows it is not its own
    jb_subscriber_t *bob_too = s_jbus_subscriber(program.backend, s_BOB,
                                                 s_broker_cert.public_key, &error);
    if (!bob_too)
        fail_msg("bob_too: %s", error.message);
    assert_int_equal(jb_subscriber_subscribe(bob_too, "jerry.work_tracking.", NULL), 0);
    jb_subscriber_t *bob = s_jbus_subscriber(program.backend, s_BOB, s_broker_cert.public_key,
                                             &error);
    if (!bob)
        fail_msg("bob: %s", error.message);
    assert_int_equal(jb_subscriber_subscribe(bob, "jerry.work_tracking.", NULL), 0);
    assert_int_equal(jb_subscriber_subscribe(bob, "jerry.billing.", NULL), 0);
    jb_event_t *event = NULL;
    assert_int_equal(jb_subscriber_recv(bob, s_DEADLINE_MS, &event, &error), JB_EDENIED);
    assert_int_equal(error.code, JB_EDENIED);
    assert_string_equal(error.message, "Permissions Violation for Subscription to "
                        "\"jerry.billing.\": the broker's rules do not let our key subscribe "
                        "to it (docs/security.md)");
    jb_subscriber_stats_t stats;
    jb_subscriber_stats(bob, &stats);
    assert_int_equal(stats.refused, 1);

    //  the raw listener with bob's key has the notice; carol's has none
    s_expect_refusal(bob_listener, s_BOB, "jerry.billing.");
    s_expect_nothing(carol_listener, "carol's listener on bob's notices");

    //  bob's other subscription works; bob_too and dave got no refusal
    assert_int_equal(jb_publisher_wait_for(carol, "jerry.work_tracking.", s_DEADLINE_MS, NULL), 0);
    assert_int_equal(jb_publisher_wait_for(carol, "jerry.billing.", s_DEADLINE_MS, NULL), 0);
    const char *types [] = { "jerry.work_tracking.task.created", "jerry.billing.invoice.paid" };
    for (size_t index = 0; index < 2; index++) {
        jb_event_t *sent = jb_event_new(types[index], "/jerry/tests");
        assert_int_equal(jb_publisher_publish(carol, sent, NULL), 0);
        jb_event_destroy(&sent);
    }
    assert_int_equal(jb_subscriber_recv(bob, s_DEADLINE_MS, &event, &error), 0);
    assert_string_equal(jb_event_type(event), types[0]);
    jb_event_destroy(&event);
    assert_int_equal(jb_subscriber_recv(dave, s_DEADLINE_MS, &event, &error), 0);
    assert_string_equal(jb_event_type(event), types[1]);
    jb_event_destroy(&event);
    jb_subscriber_stats(dave, &stats);
    assert_int_equal(stats.refused, 0);
    assert_int_equal(stats.rejected, 0);
    assert_int_equal(jb_subscriber_recv(bob_too, s_DEADLINE_MS, &event, &error), 0);
    assert_string_equal(jb_event_type(event), types[0]);
    jb_event_destroy(&event);
    jb_subscriber_stats(bob_too, &stats);
    assert_int_equal(stats.refused, 0);
    assert_int_equal(stats.rejected, 0);
    zsock_destroy(&bob_listener);
    zsock_destroy(&carol_listener);
    jb_subscriber_destroy(&bob_too);
    jb_publisher_destroy(&carol);
    jb_subscriber_destroy(&bob);
    jb_subscriber_destroy(&dave);

    const char *sub_args [] = { "sub", "--endpoint", program.backend,
                                "--curve-cert", s_secret_paths[s_BOB],
                                "--curve-server", s_broker_public,
                                "jerry.work_tracking.", "jerry.billing.", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, sub_args, &outcome);
    assert_int_equal(outcome.status, 1);
    s_expect_in(outcome.err, "jbus sub: Permissions Violation for Subscription to "
                "\"jerry.billing.\"");
    testproc_outcome_free(&outcome);
    free(s_broker_stop(&program));
}

//  --------------------------------------------------------------------------
//  No publisher can forge the broker's notices: a topic with a NUL byte is
//  no type, and under CURVE the broker drops it (counted as rejected),
//  even from carol, who may publish every type, and even when the broker
//  subscribes upstream to everything (a journal of every type), so that
//  publishers send it all.

static void
test_a_publisher_cannot_forge_the_brokers_notices(void **state)
{
    (void) state;
    char journal [PATH_MAX];
    testproc_format(journal, sizeof journal, "%s/forge-journal", testproc_directory);
    const char *args [] = { "--config", s_config, "--frontend", "tcp://127.0.0.1:*",
                            "--backend", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*",
                            "--stats-interval", "0", "--journal", journal,
                            "--replay", "tcp://127.0.0.1:*", NULL };
    testproc_broker_t program;
    testproc_broker_start(args, &program);
    jb_error_t error;
    jb_subscriber_t *dave = s_jbus_subscriber(program.backend, s_DAVE,
                                              s_broker_cert.public_key, &error);
    if (!dave)
        fail_msg("dave: %s", error.message);
    assert_int_equal(jb_subscriber_subscribe(dave, "jerry.billing.", NULL), 0);
    zsock_t *forger = s_socket(ZMQ_XPUB, program.frontend, s_CAROL, NULL, NULL);
    //  the journal's "" reaches the forger: from then on it sends everything
    s_expect_subscription(forger, 1, "");
    s_expect_subscription(forger, 1, "jerry.billing.");
    char topic [54];
    s_notice_topic(s_DAVE, topic);
    char text [128];
    testproc_format(text, sizeof text, "%s jerry.billing.", s_certs[s_DAVE].public_key);
    zmsg_t *forged = zmsg_new();
    zmsg_addmem(forged, topic, sizeof topic);
    zmsg_addstr(forged, "application/vnd.jbus.refusal");
    zmsg_addstr(forged, text);
    assert_int_equal(zmsg_send(&forged, forger), 0);
    assert_int_equal(zsock_send(forger, "ss", "jerry.billing.invoice.paid", "{}"), 0);
    //  dave sees the event after it, never the forgery: the raw event is
    //  no jbus event, so it is rejected, which is how it shows
    jb_event_t *event = NULL;
    assert_int_equal(jb_subscriber_recv(dave, 1000, &event, &error), JB_ETIMEDOUT);
    jb_subscriber_stats_t stats;
    jb_subscriber_stats(dave, &stats);
    assert_int_equal(stats.refused, 0);
    assert_int_equal(stats.rejected, 1);
    cJSON *root = s_stats(program.control, s_CAROL, s_DEADLINE_MS);
    assert_non_null(root);
    assert_int_equal(s_counter(root, "frontend", "rejected"), 1);
    cJSON_Delete(root);

    //  The replay endpoint keeps the subscribe rules (docs/replay.md 3.6):
    //  dave may replay jerry.billing., not jerry., nor jerry.*.x; alice,
    //  who may only publish, is not let in; a client without keys neither
    zsock_t *replayer = s_socket(ZMQ_DEALER, program.replay, s_DAVE, NULL, NULL);
    const char *refused [] = { "jerry.", "jerry.*.invoice.paid", "" };
    for (size_t index = 0; index < 3; index++) {
        assert_int_equal(zsock_send(replayer, "ssss", "REPLAY", refused[index], "first", "10"),
                         0);
        char *command = NULL, *reason = NULL;
        assert_int_equal(zsock_recv(replayer, "ss", &command, &reason), 0);
        assert_string_equal(command, "ERROR");
        s_expect_in(reason, "Permissions Violation for Replay of");
        free(command);
        free(reason);
    }
    assert_int_equal(zsock_send(replayer, "ssss", "REPLAY", "jerry.billing.", "first", "10"), 0);
    zmsg_t *message = zmsg_recv(replayer);
    assert_non_null(message);
    char *command = zmsg_popstr(message);
    char *sequence = zmsg_popstr(message);
    char *type = zmsg_popstr(message);
    assert_string_equal(command, "EVENT");
    assert_string_equal(type, "jerry.billing.invoice.paid");
    free(command);
    free(sequence);
    free(type);
    zmsg_destroy(&message);
    zsock_destroy(&replayer);
    zsock_t *monitor = NULL;
    zsock_t *alice = s_socket(ZMQ_DEALER, program.replay, s_ALICE, NULL, &monitor);
    s_expect_refused(monitor, "alice on the replay endpoint");
    s_monitor_stop(alice, &monitor);
    zsock_destroy(&alice);
    jb_subscriber_destroy(&dave);
    zsock_destroy(&forger);
    free(s_broker_stop(&program));
    char path [PATH_MAX];
    testproc_format(path, sizeof path, "%s/data.mdb", journal);
    unlink(path);
    testproc_format(path, sizeof path, "%s/lock.mdb", journal);
    unlink(path);
    testproc_format(path, sizeof path, "%s/jbus.lock", journal);
    unlink(path);
    rmdir(journal);
}

//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_curve_lets_an_allowed_publisher_reach_an_allowed_subscriber),
        cmocka_unit_test(test_curve_keys_and_certificates_refuse_bad_input),
        cmocka_unit_test(test_curve_config_is_all_or_nothing),
        cmocka_unit_test(test_curve_brokers_take_turns_in_a_process),
        cmocka_unit_test_teardown(
            test_peers_without_an_allowed_key_can_neither_publish_nor_subscribe,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_a_message_outside_the_publishers_prefixes_is_dropped_and_counted,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_with_curve_and_strict_a_message_passes_the_publish_rule_then_the_binding,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_a_subscription_outside_the_subscribers_prefixes_is_not_forwarded,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_publishers_hear_of_the_first_subscription_and_the_last_leaving,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_program_refuses_an_incomplete_curve_config_with_exit_code_2,
            testproc_reap_children),
        cmocka_unit_test_teardown(test_a_key_is_let_in_only_where_it_has_a_right,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_keygen_writes_a_key_pair_and_refuses_to_replace_one,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(
            test_tools_and_examples_talk_curve_with_keys_from_flags_or_the_environment,
            testproc_reap_children),
        cmocka_unit_test_teardown(test_a_secret_certificate_open_to_others_is_refused,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(
            test_the_brokers_secret_certificate_as_server_key_gives_its_public_key_and_a_warning,
            testproc_reap_children),
        cmocka_unit_test_teardown(test_a_refused_key_is_told_at_once_as_an_authorization_violation,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(
            test_a_reload_cuts_the_connections_the_new_rules_no_longer_allow,
            testproc_reap_children),
        cmocka_unit_test_teardown(test_sighup_reloads_the_rules_and_a_bad_config_keeps_them,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_a_refused_subscription_is_told_to_its_subscriber_alone,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_a_publisher_cannot_forge_the_brokers_notices,
                                  testproc_reap_children),
    };
    //  The broker logs through zsys; keep stdout for cmocka's report.
    zsys_set_logstream(stderr);
    int failed = cmocka_run_group_tests(tests, s_group_setup, s_group_teardown);
    zsys_shutdown();
    return failed;
}
