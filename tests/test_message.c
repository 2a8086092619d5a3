/*  =========================================================================
    test_message.c - the jbus ZeroMQ binding: events as multipart frames

    Both content modes round trip every attribute type and data kind, and
    every malformed message is rejected with its reason, never a crash.
    ========================================================================= */

#include "testutil.h"
#include <msgpack.h>

static void
test_encode_and_decode_a_message_example(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("jerry.work_tracking.task.completed", "/jerry/work-tracking");
    jb_event_set_subject(event, "WORK-001");
    jb_event_set_data_json(event, "{\"task_id\":\"WORK-001\"}", SIZE_MAX, NULL);

    jb_message_t *message = jb_message_new();
    jb_error_t error;
    assert_int_equal(jb_message_encode(message, event, JB_MODE_BINARY, &error), 0);
    assert_int_equal(jb_message_frame_count(message), 2);
    jb_frame_t topic = jb_message_frame(message, 0);
    assert_int_equal(topic.size, strlen("jerry.work_tracking.task.completed"));
    assert_memory_equal(topic.data, "jerry.work_tracking.task.completed", topic.size);

    jb_frame_t frames [2] = { jb_message_frame(message, 0), jb_message_frame(message, 1) };
    jb_event_t *received = NULL;
    assert_int_equal(jb_message_decode(frames, 2, NULL, &received, &error), 0);
    assert_true(jb_event_equal(event, received));
    jb_event_destroy(&received);
    jb_message_destroy(&message);
    jb_event_destroy(&event);
}

//  --------------------------------------------------------------------------

static jb_event_t *
s_full_event(void)
{
    jb_event_t *event = jb_event_new("jerry.work_tracking.task.completed", "/jerry/work-tracking");
    jb_event_set_subject(event, "WORK-001");
    jb_event_set_dataschema(event, "https://jerry.example/schemas/task");
    jb_event_set_time_text(event, "2016-12-31T23:59:60.5+00:00", NULL);
    jb_value_t value = jb_value_integer(-2147483647 - 1);
    jb_event_set_extension(event, "extinteger", &value, NULL);
    value = jb_value_integer(2147483647);
    jb_event_set_extension(event, "extmax", &value, NULL);
    value = jb_value_boolean(false);
    jb_event_set_extension(event, "extboolean", &value, NULL);
    value = jb_value_string("é text");
    jb_event_set_extension(event, "extstring", &value, NULL);
    value = jb_value_binary("\0\1\2", 3);
    jb_event_set_extension(event, "extbinary", &value, NULL);
    jb_timestamp_t timestamp;
    assert_int_equal(jb_timestamp_parse("0001-01-01T00:00:00.000000001-23:59", 35, &timestamp), 0);
    value = jb_value_timestamp(timestamp);
    jb_event_set_extension(event, "exttimestamp", &value, NULL);
    value = jb_value_uri("urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66");
    jb_event_set_extension(event, "exturi", &value, NULL);
    value = jb_value_uri_ref("#fragment");
    jb_event_set_extension(event, "exturiref", &value, NULL);
    assert_int_equal(jb_event_validate(event, NULL), 0);
    return event;
}

static jb_event_t *
s_round_trip(const jb_event_t *event, jb_mode_t mode)
{
    static const jb_extension_def_t known [] = {
        { "extbinary", JB_TYPE_BINARY }, { "exttimestamp", JB_TYPE_TIMESTAMP },
        { "exturi", JB_TYPE_URI }, { "exturiref", JB_TYPE_URI_REF }, { NULL, 0 }
    };
    jb_message_t *message = jb_message_new();
    jb_error_t error;
    if (jb_message_encode(message, event, mode, &error))
        fail_msg("encode: %s", error.message);
    jb_frame_t frames [3];
    size_t count = jb_message_frame_count(message);
    for (size_t index = 0; index < count; index++)
        frames[index] = jb_message_frame(message, index);
    jb_event_t *decoded = NULL;
    if (jb_message_decode(frames, count, known, &decoded, &error))
        fail_msg("decode: %s", error.message);
    jb_message_destroy(&message);
    return decoded;
}

static void
test_both_modes_round_trip_every_type_and_data_kind(void **state)
{
    (void) state;
    jb_event_t *event = s_full_event();
    for (int pass = 0; pass < 5; pass++) {
        if (pass == 1)
            jb_event_set_data_json(event, "[1, {\"a\": null}]", SIZE_MAX, NULL);
        if (pass == 2) {
            jb_event_set_datacontenttype(event, "text/plain");
            jb_event_set_data_text(event, "plain\0text", 10);
        }
        if (pass == 3) {
            jb_event_set_datacontenttype(event, "application/octet-stream");
            jb_event_set_data_binary(event, "\xff\x00\x80", 3);
        }
        if (pass == 4)
            jb_event_set_data_binary(event, "", 0);
        for (jb_mode_t mode = JB_MODE_BINARY; mode <= JB_MODE_STRUCTURED; mode++) {
            jb_event_t *decoded = s_round_trip(event, mode);
            if (!jb_event_equal(event, decoded))
                fail_msg("pass %d mode %d: the event changed", pass, mode);
            jb_event_destroy(&decoded);
        }
    }
    jb_event_destroy(&event);
}

static void
test_binary_mode_keeps_the_written_form_of_timestamps(void **state)
{
    (void) state;
    jb_event_t *event = s_full_event();
    jb_event_t *decoded = s_round_trip(event, JB_MODE_BINARY);
    char text [JB_TIMESTAMP_MAX];
    jb_timestamp_format(jb_event_time(decoded), text);
    assert_string_equal(text, "2016-12-31T23:59:60.5+00:00");
    jb_timestamp_format(&jb_event_extension(decoded, "exttimestamp")->as.timestamp, text);
    assert_string_equal(text, "0001-01-01T00:00:00.000000001-23:59");
    jb_event_destroy(&decoded);
    jb_event_destroy(&event);
}

static void
test_structured_mode_is_the_json_event_format(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("io.cloudevents.test", "https://cloudevents.io");
    jb_event_set_id(event, "1");
    jb_event_set_time(event, NULL);
    jb_message_t *message = jb_message_new();
    assert_int_equal(jb_message_encode(message, event, JB_MODE_STRUCTURED, NULL), 0);
    assert_int_equal(jb_message_frame_count(message), 3);
    jb_frame_t frame = jb_message_frame(message, 1);
    assert_int_equal(frame.size, strlen(JB_STRUCTURED_MEDIA_TYPE));
    assert_memory_equal(frame.data, JB_STRUCTURED_MEDIA_TYPE, frame.size);
    frame = jb_message_frame(message, 2);
    const char *expected = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"https://cloudevents.io\","
                           "\"type\":\"io.cloudevents.test\"}";
    assert_int_equal(frame.size, strlen(expected));
    assert_memory_equal(frame.data, expected, frame.size);
    //  reusing the message for another event replaces its frames
    assert_int_equal(jb_message_encode(message, event, JB_MODE_BINARY, NULL), 0);
    assert_int_equal(jb_message_frame_count(message), 2);
    jb_message_destroy(&message);
    jb_message_destroy(&message);
    jb_event_destroy(&event);
}

static void
test_encode_rejects_an_invalid_event_and_leaves_no_frames(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("t", "not a uri");
    jb_message_t *message = jb_message_new();
    jb_error_t error;
    assert_int_equal(jb_message_encode(message, event, JB_MODE_BINARY, &error), JB_EINVALID);
    assert_string_equal(error.attribute, "source");
    assert_int_equal(jb_message_frame_count(message), 0);
    jb_message_destroy(&message);
    jb_event_destroy(&event);
}

//  --------------------------------------------------------------------------
//  Malformed messages, table-driven. Binary-mode bodies are packed here with
//  msgpack-c, as a foreign peer would.

typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer packer;
} packing_t;

static void
s_pack_begin(packing_t *packing, size_t members)
{
    msgpack_sbuffer_init(&packing->buffer);
    msgpack_packer_init(&packing->packer, &packing->buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&packing->packer, members);
}

static void
s_pack_str(packing_t *packing, const char *text)
{
    msgpack_pack_str(&packing->packer, strlen(text));
    msgpack_pack_str_body(&packing->packer, text, strlen(text));
}

//  The three attributes every event needs (3 members).
static void
s_pack_required(packing_t *packing)
{
    s_pack_str(packing, "specversion"); s_pack_str(packing, "1.0");
    s_pack_str(packing, "id"); s_pack_str(packing, "1");
    s_pack_str(packing, "source"); s_pack_str(packing, "/s");
}

static int
s_decode_binary(packing_t *packing, const char *topic, jb_error_t *error)
{
    jb_frame_t frames [2] = {
        { topic, strlen(topic) }, { packing->buffer.data, packing->buffer.size }
    };
    jb_event_t *event = NULL;
    jb_error_clear(error);
    int rc = jb_message_decode(frames, 2, NULL, &event, error);
    if (rc == 0)
        jb_event_destroy(&event);
    else
        assert_null(event);
    msgpack_sbuffer_destroy(&packing->buffer);
    return rc;
}

static void
test_binary_mode_rejects_wrong_types_and_shapes(void **state)
{
    (void) state;
    jb_error_t error;
    packing_t packing;

    s_pack_begin(&packing, 3);
    s_pack_required(&packing);
    assert_int_equal(s_decode_binary(&packing, "t", &error), 0);

    s_pack_begin(&packing, 4);                          //  an extension of a wrong type
    s_pack_required(&packing);
    s_pack_str(&packing, "extfloat");
    msgpack_pack_double(&packing.packer, 1.5);
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "extfloat");

    s_pack_begin(&packing, 4);                          //  Integer beyond int32
    s_pack_required(&packing);
    s_pack_str(&packing, "extbig");
    msgpack_pack_int64(&packing.packer, 2147483648LL);
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "extbig");

    s_pack_begin(&packing, 4);                          //  a core attribute of a wrong type
    s_pack_required(&packing);
    s_pack_str(&packing, "subject");
    msgpack_pack_int(&packing.packer, 5);
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "subject");

    s_pack_begin(&packing, 4);                          //  time that is not ext 3
    s_pack_required(&packing);
    s_pack_str(&packing, "time");
    s_pack_str(&packing, "2018-04-05T17:31:00Z");
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "time");

    s_pack_begin(&packing, 4);                          //  a Timestamp out of range
    s_pack_required(&packing);
    s_pack_str(&packing, "time");
    msgpack_pack_ext(&packing.packer, 16, 3);
    msgpack_pack_ext_body(&packing.packer, "\x7f\xff\xff\xff\xff\xff\xff\xff\0\0\0\0\0\0\0\0", 16);
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "time");

    s_pack_begin(&packing, 4);                          //  type belongs in frame 0
    s_pack_required(&packing);
    s_pack_str(&packing, "type"); s_pack_str(&packing, "t");
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EFRAME);

    s_pack_begin(&packing, 4);                          //  duplicate member
    s_pack_required(&packing);
    s_pack_str(&packing, "id"); s_pack_str(&packing, "2");
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "id");

    s_pack_begin(&packing, 5);                          //  duplicate after a nil
    s_pack_required(&packing);
    s_pack_str(&packing, "ext"); msgpack_pack_nil(&packing.packer);
    s_pack_str(&packing, "ext"); s_pack_str(&packing, "x");
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "ext");

    s_pack_begin(&packing, 4);                          //  a long name is a valid name
    s_pack_required(&packing);
    s_pack_str(&packing, "averyveryveryveryveryveryveryveryveryveryveryverylongextensionname1");
    s_pack_str(&packing, "x");
    assert_int_equal(s_decode_binary(&packing, "t", &error), 0);

    s_pack_begin(&packing, 5);                          //  text data must be UTF-8
    s_pack_required(&packing);
    s_pack_str(&packing, "datacontenttype"); s_pack_str(&packing, "text/plain");
    s_pack_str(&packing, "data"); s_pack_str(&packing, "\xff\xfe");
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "data");

    s_pack_begin(&packing, 4);                          //  text data under a JSON type
    s_pack_required(&packing);
    s_pack_str(&packing, "data"); s_pack_str(&packing, "hello");
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "data");

    s_pack_begin(&packing, 4);                          //  JSON data that is not JSON
    s_pack_required(&packing);
    s_pack_str(&packing, "data");
    msgpack_pack_ext(&packing.packer, 3, 4);
    msgpack_pack_ext_body(&packing.packer, "{x}", 3);
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EPARSE);
    assert_string_equal(error.attribute, "data");

    s_pack_begin(&packing, 4);                          //  unknown ext type
    s_pack_required(&packing);
    s_pack_str(&packing, "extodd");
    msgpack_pack_ext(&packing.packer, 1, 99);
    msgpack_pack_ext_body(&packing.packer, "x", 1);
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);

    s_pack_begin(&packing, 4);                          //  a bad extension name
    s_pack_required(&packing);
    s_pack_str(&packing, "Bad.Name"); s_pack_str(&packing, "x");
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "Bad.Name");

    s_pack_begin(&packing, 4);                          //  a non-string key
    s_pack_required(&packing);
    msgpack_pack_int(&packing.packer, 1); s_pack_str(&packing, "x");
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EPARSE);

    s_pack_begin(&packing, 2);                          //  required attributes missing
    s_pack_str(&packing, "specversion"); s_pack_str(&packing, "1.0");
    s_pack_str(&packing, "id"); s_pack_str(&packing, "1");
    assert_int_equal(s_decode_binary(&packing, "t", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "source");

    s_pack_begin(&packing, 3);                          //  an empty topic is no type
    s_pack_required(&packing);
    assert_int_equal(s_decode_binary(&packing, "", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "type");

    s_pack_begin(&packing, 3);                          //  a topic with a control character
    s_pack_required(&packing);
    assert_int_equal(s_decode_binary(&packing, "t\n", &error), JB_EINVALID);
    assert_string_equal(error.attribute, "type");
}

static void
test_malformed_frames_are_rejected_with_a_reason(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("jerry.x.task.done", "/s");
    jb_message_t *binary = jb_message_new();
    jb_message_t *structured = jb_message_new();
    assert_int_equal(jb_message_encode(binary, event, JB_MODE_BINARY, NULL), 0);
    assert_int_equal(jb_message_encode(structured, event, JB_MODE_STRUCTURED, NULL), 0);
    jb_frame_t topic = jb_message_frame(binary, 0);
    jb_frame_t body = jb_message_frame(binary, 1);
    jb_frame_t media = jb_message_frame(structured, 1);
    jb_frame_t json = jb_message_frame(structured, 2);
    jb_frame_t other_topic = { "jerry.x.task.undone", 19 };
    jb_frame_t truncated = { body.data, body.size - 3 };
    jb_frame_t trailing_bytes = { NULL, body.size + 1 };
    char *padded = (char *) malloc(body.size + 1);
    memcpy(padded, body.data, body.size);
    padded[body.size] = 0;
    trailing_bytes.data = padded;
    jb_frame_t bad_json = { "{\"specversion\":", 15 };
    jb_frame_t batch_type = { "application/cloudevents-batch+json", 34 };
    jb_frame_t upper_type = { "Application/CloudEvents+JSON; charset=utf-8", 43 };
    jb_frame_t avro_type = { "application/cloudevents+avro", 28 };
    jb_frame_t text_type = { "text/plain", 10 };
    jb_frame_t empty = { "", 0 };
    jb_frame_t garbage = { "\xc1\xff\x00", 3 };
    jb_frame_t huge_map = { "\xdf\xff\xff\xff\xff", 5 };                //  2^32 members declared
    jb_frame_t huge_string = { "\x81\xdb\xff\xff\xff\xff", 6 };

    struct {
        const char *what;
        jb_frame_t frames [4];
        size_t count;
        int code;
    } cases [] = {
        { "binary", { topic, body }, 2, 0 },
        { "structured", { topic, media, json }, 3, 0 },
        { "structured, media type with parameters and capitals", { topic, upper_type, json }, 3, 0 },
        { "no frames", { topic }, 0, JB_EFRAME },
        { "topic only", { topic }, 1, JB_EFRAME },
        { "binary with an extra frame", { topic, body, body }, 3, JB_EFRAME },
        { "structured without its body", { topic, media }, 2, JB_EFRAME },
        { "structured with an extra frame", { topic, media, json, json }, 4, JB_EFRAME },
        { "structured topic differs from type", { other_topic, media, json }, 3, JB_EFRAME },
        { "truncated msgpack", { topic, truncated }, 2, JB_EPARSE },
        { "msgpack with trailing bytes", { topic, trailing_bytes }, 2, JB_EPARSE },
        { "msgpack that is not a map", { topic, garbage }, 2, JB_EPARSE },
        { "msgpack declaring a huge map", { topic, huge_map }, 2, JB_EPARSE },
        { "msgpack declaring a huge string", { topic, huge_string }, 2, JB_EPARSE },
        { "bad JSON", { topic, media, bad_json }, 3, JB_EPARSE },
        { "batch media type", { topic, batch_type, json }, 3, JB_EFRAME },
        { "unsupported event format", { topic, avro_type, json }, 3, JB_EFRAME },
        { "unknown frame 1", { topic, text_type, json }, 3, JB_EFRAME },
        { "empty frame 1", { topic, empty }, 2, JB_EFRAME },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        jb_event_t *decoded = NULL;
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_message_decode(cases[index].frames, cases[index].count, NULL, &decoded, &error);
        if (rc != cases[index].code)
            fail_msg("%s: %s (%s)", cases[index].what, jb_error_name(rc), error.message);
        if (rc) {
            assert_null(decoded);
            assert_true(strlen(error.message) > 0);
        }
        jb_event_destroy(&decoded);
    }
    free(padded);
    jb_message_destroy(&binary);
    jb_message_destroy(&structured);
    jb_event_destroy(&event);
}

//  Random mutations of both modes' frames: never a crash or a leak, and
//  whatever decodes is a valid event.
static void
test_decode_survives_mutated_frames(void **state)
{
    (void) state;
    jb_event_t *event = s_full_event();
    jb_event_set_data_json(event, "{\"k\":[1,2,3]}", SIZE_MAX, NULL);
    jb_message_t *messages [2] = { jb_message_new(), jb_message_new() };
    assert_int_equal(jb_message_encode(messages[0], event, JB_MODE_BINARY, NULL), 0);
    assert_int_equal(jb_message_encode(messages[1], event, JB_MODE_STRUCTURED, NULL), 0);
    uint32_t random = 88172645u;
    for (int round = 0; round < 20000; round++) {
        jb_message_t *message = messages[round % 2];
        size_t count = jb_message_frame_count(message);
        size_t body_index = count - 1;
        jb_frame_t body = jb_message_frame(message, body_index);
        uint8_t *copy = (uint8_t *) malloc(body.size);
        memcpy(copy, body.data, body.size);
        size_t size = body.size;
        for (int edit = 0; edit < 1 + round % 3; edit++) {
            random ^= random << 13; random ^= random >> 17; random ^= random << 5;
            size_t at = random % size;
            if ((random >> 24) % 5 == 0)
                size = at + 1;                              //  truncate
            else
                copy[at] = (uint8_t) (random >> 8);         //  any byte
        }
        jb_frame_t frames [3];
        for (size_t index = 0; index < count; index++)
            frames[index] = jb_message_frame(message, index);
        frames[body_index].data = copy;
        frames[body_index].size = size;
        jb_event_t *decoded = NULL;
        if (jb_message_decode(frames, count, NULL, &decoded, NULL) == 0) {
            assert_int_equal(jb_event_validate(decoded, NULL), 0);
            jb_event_destroy(&decoded);
        }
        free(copy);
    }
    jb_message_destroy(&messages[0]);
    jb_message_destroy(&messages[1]);
    jb_event_destroy(&event);
}

//  jb_message_decode is the public decoder: the loss-detection stamp's
//  attributes are ordinary extensions to it, where the event had them.
static void
test_decode_returns_stamp_attributes_as_extensions(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("jerry.work_tracking.task.created", "/jerry/test");
    jb_value_t value = jb_value_string("0123456789abcdef");
    assert_int_equal(jb_event_set_extension(event, "jbuspub", &value, NULL), 0);
    value = jb_value_integer(7);
    assert_int_equal(jb_event_set_extension(event, "jbusseq", &value, NULL), 0);
    value = jb_value_boolean(true);
    assert_int_equal(jb_event_set_extension(event, "urgent", &value, NULL), 0);
    for (jb_mode_t mode = JB_MODE_BINARY; mode <= JB_MODE_STRUCTURED; mode++) {
        jb_event_t *decoded = s_round_trip(event, mode);
        assert_true(jb_event_equal(event, decoded));
        assert_int_equal(jb_event_extension_count(decoded), 3);
        const char *name;
        jb_event_extension_at(decoded, 0, &name);
        assert_string_equal(name, "jbuspub");
        assert_string_equal(jb_event_extension(decoded, "jbuspub")->as.string,
                            "0123456789abcdef");
        assert_int_equal(jb_event_extension(decoded, "jbusseq")->as.integer, 7);
        jb_event_destroy(&decoded);
    }
    jb_event_destroy(&event);
}

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_encode_and_decode_a_message_example),
        cmocka_unit_test(test_both_modes_round_trip_every_type_and_data_kind),
        cmocka_unit_test(test_binary_mode_keeps_the_written_form_of_timestamps),
        cmocka_unit_test(test_structured_mode_is_the_json_event_format),
        cmocka_unit_test(test_encode_rejects_an_invalid_event_and_leaves_no_frames),
        cmocka_unit_test(test_binary_mode_rejects_wrong_types_and_shapes),
        cmocka_unit_test(test_malformed_frames_are_rejected_with_a_reason),
        cmocka_unit_test(test_decode_survives_mutated_frames),
        cmocka_unit_test(test_decode_returns_stamp_attributes_as_extensions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
