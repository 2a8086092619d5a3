/*  =========================================================================
    test_terminal.c - what comes off the wire reaches no terminal as it is

    A raw XPUB stands in for the broker and sends `jbus sub` a message
    whose attribute name holds an escape sequence, and an event whose JSON
    data holds a C1 control (U+009B, a CSI): neither may reach the tool's
    stderr or stdout raw; nor may what a control endpoint answers `jbus
    stats`. And every library error message is escaped.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include "testproc.h"

//  True when text holds a byte a terminal acts on: C0 but newline, DEL,
//  or the UTF-8 form of a C1 control.
static bool
s_has_terminal_control(const char *text)
{
    const unsigned char *bytes = (const unsigned char *) text;
    for (size_t index = 0; bytes[index]; index++) {
        if ((bytes[index] < 0x20 && bytes[index] != '\n') || bytes[index] == 0x7F)
            return true;
        if (bytes[index] == 0xC2 && bytes[index + 1] >= 0x80 && bytes[index + 1] <= 0x9F)
            return true;
    }
    return false;
}

static void
test_library_error_messages_are_escaped(void **state)
{
    (void) state;
    const char *json = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\","
                       "\"time\":\"\\u001b[2J2018\"}";
    jb_event_t *event = NULL;
    jb_error_t error;
    assert_int_equal(jb_json_decode(json, strlen(json), NULL, &event, &error), JB_EINVALID);
    assert_false(s_has_terminal_control(error.message));
    assert_non_null(strstr(error.message, "\\x1b[2J2018"));
    assert_non_null(strstr(error.message, "attribute 'time'"));
}

//  Wait until xpub has a subscription (any), within the test's deadline.
static void
s_wait_for_subscription(zsock_t *xpub)
{
    zsock_set_rcvtimeo(xpub, TESTPROC_DEADLINE_MS);
    zframe_t *frame = zframe_recv(xpub);
    assert_non_null(frame);
    assert_int_equal(zframe_data(frame)[0], 1);
    zframe_destroy(&frame);
}

static void
test_jbus_sub_escapes_what_it_prints_from_the_wire(void **state)
{
    (void) state;
    zsock_t *xpub = zsock_new(ZMQ_XPUB);
    assert_non_null(xpub);
    assert_true(zsock_bind(xpub, "tcp://127.0.0.1:*") > 0);
    char *endpoint = zsock_last_endpoint(xpub);
    testproc_t sub;
    const char *args [] = { "sub", "-e", endpoint, "--count", "1", "--timeout", "20000", "", NULL };
    testproc_spawn(TESTPROC_JBUS, args, &sub);
    s_wait_for_subscription(xpub);

    //  binary mode, a map whose one key is "\e[2Jx": not a valid name
    const char hostile [] = "\x81\xa5\x1b[2Jx\x01";
    zsock_send(xpub, "sb", "jerry.test.hostile", hostile, sizeof hostile - 1);

    jb_event_t *event = jb_event_new("jerry.test.csi", "/test");
    assert_non_null(event);
    assert_int_equal(jb_event_set_data_json(event, "{\"a\":\"\xc2\x9b" "2J\"}", SIZE_MAX, NULL), 0);
    jb_message_t *message = jb_message_new();
    assert_int_equal(jb_message_encode(message, event, JB_MODE_BINARY, NULL), 0);
    jb_frame_t topic = jb_message_frame(message, 0), body = jb_message_frame(message, 1);
    zsock_send(xpub, "bb", topic.data, topic.size, body.data, body.size);

    testproc_outcome_t outcome;
    testproc_wait(&sub, TESTPROC_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    assert_non_null(strstr(outcome.err, "rejected"));
    assert_false(s_has_terminal_control(outcome.err));
    assert_non_null(strstr(outcome.err, "\\x1b[2Jx"));
    assert_false(s_has_terminal_control(outcome.out));
    assert_non_null(strstr(outcome.out, "\\u009b2J"));
    //  still the same JSON value
    jb_event_t *printed = NULL;
    char *newline = strchr(outcome.out, '\n');
    assert_non_null(newline);
    assert_int_equal(jb_json_decode(outcome.out, (size_t) (newline - outcome.out), NULL, &printed, NULL), 0);
    size_t size;
    const char *data = (const char *) jb_event_data(printed, &size);
    assert_int_equal(size, strlen("{\"a\":\"\\u009b2J\"}"));
    assert_memory_equal(data, "{\"a\":\"\\u009b2J\"}", size);

    jb_event_destroy(&printed);
    testproc_outcome_free(&outcome);
    jb_message_destroy(&message);
    jb_event_destroy(&event);
    zstr_free(&endpoint);
    zsock_destroy(&xpub);
}

//  A stand-in broker's control endpoint answers `jbus stats` with
//  answer, once; returns what the tool printed.
static void
s_stats_against(const char *answer, testproc_outcome_t *outcome)
{
    zsock_t *control = zsock_new(ZMQ_REP);
    assert_non_null(control);
    assert_true(zsock_bind(control, "tcp://127.0.0.1:*") > 0);
    char *endpoint = zsock_last_endpoint(control);
    testproc_t stats;
    const char *args [] = { "stats", "-e", endpoint, "--json", NULL };
    testproc_spawn(TESTPROC_JBUS, args, &stats);
    zsock_set_rcvtimeo(control, TESTPROC_DEADLINE_MS);
    char *request = zstr_recv(control);
    assert_non_null(request);
    assert_string_equal(request, "STATS");
    zstr_free(&request);
    zstr_send(control, answer);
    testproc_wait(&stats, TESTPROC_DEADLINE_MS, outcome);
    zstr_free(&endpoint);
    zsock_destroy(&control);
}

static void
test_jbus_stats_escapes_what_the_broker_answers(void **state)
{
    (void) state;
    testproc_outcome_t outcome;
    s_stats_against("\x1b[2Jforged", &outcome);
    assert_int_equal(outcome.status, 1);
    assert_false(s_has_terminal_control(outcome.err));
    assert_non_null(strstr(outcome.err, "\\x1b[2Jforged"));
    testproc_outcome_free(&outcome);

    s_stats_against("{\"uptime_ms\":1,\"x\":\"\xc2\x9b" "2J\"}", &outcome);
    assert_int_equal(outcome.status, 0);
    assert_false(s_has_terminal_control(outcome.out));
    assert_non_null(strstr(outcome.out, "\\u009b2J"));
    testproc_outcome_free(&outcome);
}

int
main(void)
{
    zsys_handler_set(NULL);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_library_error_messages_are_escaped),
        cmocka_unit_test_teardown(test_jbus_sub_escapes_what_it_prints_from_the_wire,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_jbus_stats_escapes_what_the_broker_answers,
                                  testproc_reap_children),
    };
    return cmocka_run_group_tests(tests, testproc_group_setup, testproc_group_teardown);
}
