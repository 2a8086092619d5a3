/*  =========================================================================
    test_connection.c - a client that cannot reach the broker says so, and
    why, within its connect timeout

    ZeroMQ connects in the background and retries for ever without a word.
    With connect_timeout_ms, jb_publisher_new and jb_subscriber_new wait for
    the broker's handshake and fail with the reason; jbus pub and jbus sub
    do so by default (--connect-timeout 2000) and exit 1. A malformed
    endpoint is the caller's error: JB_EINVAL, and exit 2 from the tools.
    The CURVE failures (a key refused, a subscription refused, a wrong
    broker key) are in test_security.c, beside the keys they need.

    Every broker is the real program on tcp://127.0.0.1:*; "nothing
    listening" is a port that this test bound and closed again.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <czmq.h>

#include "testutil.h"
#include "testproc.h"

//  The connect timeout used here, and what a failure may take beyond it
//  (a sanitizer build on a busy machine is slow to start a try).
#define s_CONNECT_MS 1000
#define s_SLACK_MS 2000

//  --------------------------------------------------------------------------

static void
s_broker_start(testproc_broker_t *broker)
{
    const char *args [] = { "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                            "--no-control", "--stats-interval", "0", NULL };
    testproc_broker_start(args, broker);
}

static void
s_broker_stop(testproc_broker_t *broker)
{
    assert_int_equal(kill(broker->process.pid, SIGTERM), 0);
    testproc_outcome_t outcome;
    testproc_wait(&broker->process, TESTPROC_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);
}

//  An endpoint where nothing listens: a loopback port that this test could
//  bind, closed again. It is below the kernel's range of ephemeral ports:
//  a closed ephemeral port is one that a connecting socket, retrying, may
//  be given as its own and so connect to itself (TCP's simultaneous open).
static void
s_dead_endpoint(char *endpoint, size_t capacity)
{
    unsigned ephemeral_low = 32768;
    FILE *range = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (range) {
        if (fscanf(range, "%u", &ephemeral_low) != 1)
            ephemeral_low = 32768;
        fclose(range);
    }
    assert_true(ephemeral_low > 10000);
    unsigned port = 10000 + (unsigned) getpid() % (ephemeral_low - 10000);
    for (unsigned tried = 0; tried < 1000; tried++) {
        port = port + 1 < ephemeral_low? port + 1: 10000;
        int probe = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(probe >= 0);
        struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int bound = bind(probe, (struct sockaddr *) &address, sizeof address);
        close(probe);
        if (bound == 0) {
            snprintf(endpoint, capacity, "tcp://127.0.0.1:%u", port);
            return;
        }
    }
    fail_msg("no free loopback port below %u", ephemeral_low);
}

//  A TCP listener on loopback that takes connections (the kernel does,
//  from its backlog) and never says a word: not ZeroMQ. Returns its
//  descriptor; the endpoint in endpoint.
static int
s_mute_listener(char *endpoint, size_t capacity)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(listener >= 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = 0 };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(listener, (struct sockaddr *) &address, sizeof address), 0);
    assert_int_equal(listen(listener, 8), 0);
    socklen_t size = sizeof address;
    assert_int_equal(getsockname(listener, (struct sockaddr *) &address, &size), 0);
    snprintf(endpoint, capacity, "tcp://127.0.0.1:%u", ntohs(address.sin_port));
    return listener;
}

static jb_subscriber_t *
s_subscriber(const char *endpoint, int connect_timeout_ms, jb_error_t *error)
{
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.connect_timeout_ms = connect_timeout_ms;
    return jb_subscriber_new(endpoint, &options, error);
}

static jb_publisher_t *
s_publisher(const char *endpoint, int connect_timeout_ms, jb_error_t *error)
{
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.connect_timeout_ms = connect_timeout_ms;
    options.linger_ms = 0;
    return jb_publisher_new(endpoint, &options, error);
}

static void
s_expect_in(const char *text, const char *expected)
{
    if (!strstr(text, expected))
        fail_msg("expected \"%s\" in \"%s\"", expected, text);
}

//  --------------------------------------------------------------------------
//  The example: with a connect timeout, a subscriber and a publisher come
//  back from _new connected to a broker that is there, at once, and
//  events flow between them.

static void
test_clients_with_a_connect_timeout_start_connected_to_a_running_broker(void **state)
{
    (void) state;
    testproc_broker_t broker;
    s_broker_start(&broker);
    jb_error_t error;
    int64_t started = zclock_mono();
    jb_subscriber_t *subscriber = s_subscriber(broker.backend, 5000, &error);
    if (!subscriber)
        fail_msg("subscriber: %s", error.message);
    jb_publisher_t *publisher = s_publisher(broker.frontend, 5000, &error);
    if (!publisher)
        fail_msg("publisher: %s", error.message);
    assert_true(zclock_mono() - started < 5000);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "jerry.connection.", NULL), 0);
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.connection.", TESTPROC_DEADLINE_MS,
                                           NULL), 0);
    jb_event_t *event = jb_event_new("jerry.connection.link.made", "/jerry/connection");
    assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
    jb_event_t *received = NULL;
    assert_int_equal(jb_subscriber_recv(subscriber, TESTPROC_DEADLINE_MS, &received, NULL), 0);
    assert_string_equal(jb_event_type(received), "jerry.connection.link.made");
    jb_event_destroy(&received);
    jb_event_destroy(&event);
    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&subscriber);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  No broker: JB_ECONNECT after the timeout, not before (a broker that is
//  starting gets the whole of it), naming the endpoint. Without a timeout,
//  _new succeeds and ZeroMQ keeps trying in the background, as ever.

static void
test_no_broker_is_jb_econnect_after_the_connect_timeout(void **state)
{
    (void) state;
    char endpoint [64];
    s_dead_endpoint(endpoint, sizeof endpoint);
    jb_error_t error;
    int64_t started = zclock_mono();
    assert_null(s_subscriber(endpoint, s_CONNECT_MS, &error));
    int64_t took = zclock_mono() - started;
    assert_int_equal(error.code, JB_ECONNECT);
    s_expect_in(error.message, "no broker at ");
    s_expect_in(error.message, endpoint);
    assert_true(took >= s_CONNECT_MS && took < s_CONNECT_MS + s_SLACK_MS);

    started = zclock_mono();
    assert_null(s_publisher(endpoint, s_CONNECT_MS, &error));
    took = zclock_mono() - started;
    assert_int_equal(error.code, JB_ECONNECT);
    s_expect_in(error.message, endpoint);
    assert_true(took >= s_CONNECT_MS && took < s_CONNECT_MS + s_SLACK_MS);

    jb_subscriber_t *background = s_subscriber(endpoint, 0, &error);
    assert_non_null(background);
    jb_subscriber_destroy(&background);
}

//  --------------------------------------------------------------------------
//  The broker's other endpoint: a subscriber at the publishers' XSUB, or a
//  publisher at the subscribers' XPUB, is turned away by libzmq during the
//  handshake, at once; the error says which endpoint the client needs.

static void
test_the_wrong_endpoint_of_the_broker_fails_at_once_and_says_which_is_right(void **state)
{
    (void) state;
    testproc_broker_t broker;
    s_broker_start(&broker);
    jb_error_t error;
    int64_t started = zclock_mono();
    assert_null(s_subscriber(broker.frontend, TESTPROC_DEADLINE_MS, &error));
    assert_int_equal(error.code, JB_ECONNECT);
    s_expect_in(error.message, "ended the connection during the ZeroMQ handshake");
    s_expect_in(error.message, "a broker's subscriber endpoint (its backend");
    assert_null(s_publisher(broker.backend, TESTPROC_DEADLINE_MS, &error));
    assert_int_equal(error.code, JB_ECONNECT);
    s_expect_in(error.message, "a broker's publisher endpoint (its frontend");
    //  both well before the deadline: a handshake failure is final
    assert_true(zclock_mono() - started < TESTPROC_DEADLINE_MS);
    s_broker_stop(&broker);
}

//  --------------------------------------------------------------------------
//  A peer that takes the connection and never speaks ZeroMQ.

static void
test_a_peer_that_does_not_speak_zeromq_is_named_after_the_timeout(void **state)
{
    (void) state;
    char endpoint [64];
    int listener = s_mute_listener(endpoint, sizeof endpoint);
    jb_error_t error;
    assert_null(s_subscriber(endpoint, s_CONNECT_MS, &error));
    assert_int_equal(error.code, JB_ECONNECT);
    s_expect_in(error.message, "did not complete a ZeroMQ handshake");
    close(listener);
}

//  --------------------------------------------------------------------------
//  A malformed endpoint is the caller's mistake, told apart from a broker
//  that is not there.

static void
test_a_malformed_endpoint_is_jb_einval_naming_it(void **state)
{
    (void) state;
    //  endpoints that are refused before any connect: no port is used
    const char *malformed [] = { "tcp://127.0.0.1", "nonsense", "foo://bar", "tcp://:x",
                                 "tcp://127.0.0.1:99999", "tcp://127.0.0.1:0" };
    for (size_t index = 0; index < sizeof malformed / sizeof malformed[0]; index++) {
        jb_error_t error;
        assert_null(s_subscriber(malformed[index], s_CONNECT_MS, &error));
        assert_int_equal(error.code, JB_EINVAL);
        s_expect_in(error.message, malformed[index]);
        s_expect_in(error.message, "not an endpoint");
        assert_null(s_publisher(malformed[index], s_CONNECT_MS, &error));
        assert_int_equal(error.code, JB_EINVAL);
        s_expect_in(error.message, malformed[index]);
    }
}

//  --------------------------------------------------------------------------
//  The tools, as a user meets them: exit 1 with the reason on stderr
//  within the timeout, and jbus pub sends nothing and says it published
//  nothing; a malformed endpoint is a usage error, exit 2.

static void
s_run_expecting(const char *const *args, int status, const char *expected)
{
    testproc_outcome_t outcome;
    int64_t started = zclock_mono();
    testproc_run(TESTPROC_JBUS, args, &outcome);
    if (outcome.status != status || !strstr(outcome.err, expected))
        fail_msg("jbus %s exited with %d (expected %d), stderr: %s", args[0], outcome.status,
                 status, outcome.err);
    assert_true(zclock_mono() - started < TESTPROC_DEADLINE_MS);
    assert_null(strstr(outcome.err, "published"));
    testproc_outcome_free(&outcome);
}

static void
test_jbus_sub_and_pub_exit_1_without_a_broker_and_2_for_a_malformed_endpoint(void **state)
{
    (void) state;
    char dead [64];
    s_dead_endpoint(dead, sizeof dead);
    const char *sub_dead [] = { "sub", "--endpoint", dead, "--connect-timeout", "500",
                                "jerry.", NULL };
    s_run_expecting(sub_dead, 1, "jbus sub: no broker at ");
    const char *pub_dead [] = { "pub", "--endpoint", dead, "--connect-timeout", "500",
                                "-t", "jerry.connection.link.made", NULL };
    s_run_expecting(pub_dead, 1, "jbus pub: no broker at ");

    testproc_broker_t broker;
    s_broker_start(&broker);
    const char *sub_frontend [] = { "sub", "--endpoint", broker.frontend, "jerry.", NULL };
    s_run_expecting(sub_frontend, 1, "it is not a broker's subscriber endpoint");
    const char *pub_backend [] = { "pub", "--endpoint", broker.backend,
                                   "-t", "jerry.connection.link.made", NULL };
    s_run_expecting(pub_backend, 1, "it is not a broker's publisher endpoint");
    s_broker_stop(&broker);

    const char *sub_malformed [] = { "sub", "--endpoint", "tcp://127.0.0.1", "jerry.", NULL };
    s_run_expecting(sub_malformed, 2, "\"tcp://127.0.0.1\": not an endpoint");
    const char *pub_malformed [] = { "pub", "--endpoint", "tcp//localhost:7780",
                                     "-t", "jerry.connection.link.made", NULL };
    s_run_expecting(pub_malformed, 2, "\"tcp//localhost:7780\": not an endpoint");

    //  --connect-timeout 0 is the background connection: no error, and
    //  jbus sub ends at its --timeout as before
    const char *sub_background [] = { "sub", "--endpoint", dead, "--connect-timeout", "0",
                                      "--timeout", "200", "jerry.", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, sub_background, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------
//  Every time the tools take is a duration; a bare number is milliseconds,
//  and what is not a duration is a usage error that says what one is.

static void
test_the_tools_take_durations_and_refuse_what_is_not_one(void **state)
{
    (void) state;
    char dead [64];
    s_dead_endpoint(dead, sizeof dead);
    //  "300ms" and "1s" as times: jbus sub ends at its timeout, exit 0
    const char *sub_units [] = { "sub", "--endpoint", dead, "--connect-timeout", "0",
                                 "--timeout", "300ms", "jerry.", NULL };
    int64_t began = zclock_mono();
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, sub_units, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);
    assert_true(zclock_mono() - began < 5000);
    const char *stats_units [] = { "stats", "--endpoint", dead, "--timeout", "1s", NULL };
    s_run_expecting(stats_units, 1, "within 1000 ms");
    const char *bad [][8] = {
        { "sub", "--timeout", "1.5s", "jerry.", NULL },
        { "sub", "--connect-timeout", "soon", "jerry.", NULL },
        { "pub", "--linger", "2 s", "-t", "jerry.a.b", NULL },
        { "pub", "--wait", "-1s", "-t", "jerry.a.b", NULL },
        { "stats", "--timeout", "5x", NULL },
        { "journal", "--timeout", "", NULL },
        { "bench", "--grace", "1h1h", NULL },
        { "sub", "--since", "yesterday", "jerry.", NULL },
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad[0]; index++)
        s_run_expecting(bad[index], 2, index == 7? "a duration back from now"
                                                : "a bare number is milliseconds");
}

//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_teardown(
            test_clients_with_a_connect_timeout_start_connected_to_a_running_broker,
            testproc_reap_children),
        cmocka_unit_test(test_no_broker_is_jb_econnect_after_the_connect_timeout),
        cmocka_unit_test_teardown(
            test_the_wrong_endpoint_of_the_broker_fails_at_once_and_says_which_is_right,
            testproc_reap_children),
        cmocka_unit_test(test_a_peer_that_does_not_speak_zeromq_is_named_after_the_timeout),
        cmocka_unit_test(test_a_malformed_endpoint_is_jb_einval_naming_it),
        cmocka_unit_test(test_the_tools_take_durations_and_refuse_what_is_not_one),
        cmocka_unit_test_teardown(
            test_jbus_sub_and_pub_exit_1_without_a_broker_and_2_for_a_malformed_endpoint,
            testproc_reap_children),
    };
    zsys_set_logstream(stderr);
    int failed = cmocka_run_group_tests(tests, testproc_group_setup, testproc_group_teardown);
    zsys_shutdown();
    return failed;
}
