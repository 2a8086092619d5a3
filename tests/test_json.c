/*  =========================================================================
    test_json.c - the CloudEvents JSON event format and batch format

    Table-driven decode and encode cases, the upstream CloudEvents
    conformance vectors (when JBUS_CONFORMANCE_DIR exists), and a
    deterministic mutation run over arbitrary bytes for the sanitizers.
    ========================================================================= */

#include "testutil.h"
#include <cjson/cJSON.h>

//  --------------------------------------------------------------------------
//  The first test reads as an example of the module.

static void
test_decode_and_encode_an_event_example(void **state)
{
    (void) state;
    const char *json =
        "{\"specversion\":\"1.0\",\"id\":\"A234-1234-1234\",\"source\":\"/jerry/work-tracking\","
        "\"type\":\"jerry.work_tracking.task.completed\",\"subject\":\"WORK-001\","
        "\"time\":\"2026-01-11T10:00:00Z\",\"datacontenttype\":\"application/json\","
        "\"data\":{\"task_id\":\"WORK-001\"}}";
    jb_event_t *event = NULL;
    jb_error_t error;
    assert_int_equal(jb_json_decode(json, strlen(json), NULL, &event, &error), 0);
    assert_string_equal(jb_event_subject(event), "WORK-001");
    assert_int_equal(jb_event_data_kind(event), JB_DATA_JSON);
    assert_string_equal((const char *) jb_event_data(event, NULL), "{\"task_id\":\"WORK-001\"}");

    char *encoded = NULL;
    size_t size = 0;
    assert_int_equal(jb_json_encode(event, &encoded, &size, &error), 0);
    assert_string_equal(encoded,
        "{\"specversion\":\"1.0\",\"id\":\"A234-1234-1234\",\"source\":\"/jerry/work-tracking\","
        "\"type\":\"jerry.work_tracking.task.completed\",\"datacontenttype\":\"application/json\","
        "\"subject\":\"WORK-001\",\"time\":\"2026-01-11T10:00:00Z\","
        "\"data\":{\"task_id\":\"WORK-001\"}}");
    assert_int_equal(size, strlen(encoded));
    free(encoded);
    jb_event_destroy(&event);
}

//  --------------------------------------------------------------------------
//  Decoding, table-driven: input, expected code, attribute named in the error.

#define MINIMAL "\"specversion\":\"1.0\",\"id\":\"x\",\"type\":\"t\",\"source\":\"/s\""

typedef struct {
    const char *json;
    int code;
    const char *attribute;      //  expected error->attribute, "" for none
} decode_case_t;

static const decode_case_t decode_cases [] = {
    //  accepted
    { "{" MINIMAL "}", 0, "" },
    { " \n\t{" MINIMAL "} \r\n", 0, "" },
    { "\xEF\xBB\xBF{" MINIMAL "}", 0, "" },
    { "{" MINIMAL ",\"subject\":null,\"time\":null,\"dataschema\":null}", 0, "" },
    { "{" MINIMAL ",\"ext1\":10,\"ext2\":true,\"ext3\":\"text\",\"ext4\":null}", 0, "" },
    { "{" MINIMAL ",\"myint\":2147483647,\"myneg\":-2147483648,\"zero\":-0}", 0, "" },
    { "{" MINIMAL ",\"data\":null}", 0, "" },
    { "{" MINIMAL ",\"data_base64\":null}", 0, "" },
    { "{" MINIMAL ",\"data\":\"text\",\"data_base64\":null}", 0, "" },
    { "{" MINIMAL ",\"data_base64\":\"\"}", 0, "" },
    { "{" MINIMAL ",\"subject\":\"\\ud83d\\ude00 paired surrogates\"}", 0, "" },
    { "{" MINIMAL ",\"time\":\"1985-04-12T23:20:50.52Z\"}", 0, "" },
    { "{\"\\u0069d\":\"x\",\"specversion\":\"1.0\",\"type\":\"t\",\"source\":\"/s\"}", 0, "" },
    //  not one UTF-8 JSON object
    { "", JB_EPARSE, "" },
    { "   ", JB_EPARSE, "" },
    { "{", JB_EPARSE, "" },
    { "{" MINIMAL, JB_EPARSE, "" },
    { "{" MINIMAL "}}", JB_EPARSE, "" },
    { "{" MINIMAL "} x", JB_EPARSE, "" },
    { "{" MINIMAL ",}", JB_EPARSE, "" },
    { "nul", JB_EPARSE, "" },
    { "\"a string\"", JB_EPARSE, "" },
    { "42", JB_EPARSE, "" },
    { "[{" MINIMAL "}]", JB_EPARSE, "" },
    { "{\"specversion\":\"1.0\",\"id\":\"\xff\",\"type\":\"t\",\"source\":\"/s\"}", JB_EPARSE, "" },
    { "{\"specversion\":\"1.0\",\"id\":\"\xc0\xaf\",\"type\":\"t\",\"source\":\"/s\"}", JB_EPARSE, "" },
    { "{\"specversion\":\"1.0\",\"id\":\"\xed\xa0\x80\",\"type\":\"t\",\"source\":\"/s\"}", JB_EPARSE, "" },
    { "{\"specversion\":\"1.0\",\"id\":\"tab\there\",\"type\":\"t\",\"source\":\"/s\"}", JB_EPARSE, "" },
    { "{" MINIMAL ",\"data\":{\"a\":\"raw\nnewline\"}}", JB_EPARSE, "" },
    { "{" MINIMAL ",\"subject\":\"\\ud800 unpaired\"}", JB_EPARSE, "" },
    { "{" MINIMAL ",\"subject\":\"\\udead\"}", JB_EPARSE, "" },
    //  wrong JSON types
    { "{\"specversion\":\"1.0\",\"id\":25,\"type\":\"t\",\"source\":\"/s\"}", JB_EINVALID, "id" },
    { "{\"specversion\":1.0,\"id\":\"x\",\"type\":\"t\",\"source\":\"/s\"}", JB_EINVALID, "specversion" },
    { "{\"specversion\":\"1.0\",\"id\":\"x\",\"type\":[],\"source\":\"/s\"}", JB_EINVALID, "type" },
    { "{\"specversion\":\"1.0\",\"id\":\"x\",\"type\":\"t\",\"source\":true}", JB_EINVALID, "source" },
    { "{" MINIMAL ",\"time\":1523000000}", JB_EINVALID, "time" },
    { "{" MINIMAL ",\"subject\":{}}", JB_EINVALID, "subject" },
    { "{" MINIMAL ",\"data_base64\":123}", JB_EINVALID, "data_base64" },
    { "{" MINIMAL ",\"myext\":{\"a\":1}}", JB_EINVALID, "myext" },
    { "{" MINIMAL ",\"myext\":[1]}", JB_EINVALID, "myext" },
    //  Integer extensions: whole numbers in int32 only
    { "{" MINIMAL ",\"myext\":1.5}", JB_EINVALID, "myext" },
    { "{" MINIMAL ",\"myext\":10.0}", JB_EINVALID, "myext" },
    { "{" MINIMAL ",\"myext\":1e3}", JB_EINVALID, "myext" },
    { "{" MINIMAL ",\"myext\":2147483648}", JB_EINVALID, "myext" },
    { "{" MINIMAL ",\"myext\":-2147483649}", JB_EINVALID, "myext" },
    { "{" MINIMAL ",\"myext\":123456789012345678901234567890}", JB_EINVALID, "myext" },
    //  required attributes
    { "{\"id\":\"x\",\"type\":\"t\",\"source\":\"/s\"}", JB_EINVALID, "specversion" },
    { "{\"specversion\":\"1.0\",\"type\":\"t\",\"source\":\"/s\"}", JB_EINVALID, "id" },
    { "{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"/s\"}", JB_EINVALID, "type" },
    { "{\"specversion\":\"1.0\",\"id\":\"x\",\"type\":\"t\"}", JB_EINVALID, "source" },
    { "{\"specversion\":\"1.0\",\"id\":null,\"type\":\"t\",\"source\":\"/s\"}", JB_EINVALID, "id" },
    { "{}", JB_EINVALID, "specversion" },
    { "{\"specversion\":\"1.0\",\"id\":\"\",\"type\":\"t\",\"source\":\"/s\"}", JB_EINVALID, "id" },
    { "{\"specversion\":\"1.1\",\"id\":\"x\",\"type\":\"t\",\"source\":\"/s\"}", JB_EINVALID, "specversion" },
    { "{\"specversion\":\"1.0 \",\"id\":\"x\",\"type\":\"t\",\"source\":\"/s\"}", JB_EINVALID, "specversion" },
    //  attribute rules
    { "{\"specversion\":\"1.0\",\"id\":\"x\",\"type\":\"t\",\"source\":\"not a uri\"}", JB_EINVALID, "source" },
    { "{\"specversion\":\"1.0\",\"id\":\"\\u0001\",\"type\":\"t\",\"source\":\"/s\"}", JB_EINVALID, "id" },
    { "{\"specversion\":\"1.0\",\"id\":\"a\\u0000b\",\"type\":\"t\",\"source\":\"/s\"}", JB_EINVALID, "id" },
    { "{\"specversion\":\"1.0\",\"id\":\"x\",\"type\":\"\\u0085\",\"source\":\"/s\"}", JB_EINVALID, "type" },
    { "{" MINIMAL ",\"subject\":\"\\ufffe\"}", JB_EINVALID, "subject" },
    { "{" MINIMAL ",\"subject\":\"\\ufdd0\"}", JB_EINVALID, "subject" },
    { "{" MINIMAL ",\"subject\":\"\"}", JB_EINVALID, "subject" },
    { "{" MINIMAL ",\"dataschema\":\"/relative\"}", JB_EINVALID, "dataschema" },
    { "{" MINIMAL ",\"dataschema\":\"https://x.io/s#fragment\"}", JB_EINVALID, "dataschema" },
    { "{" MINIMAL ",\"datacontenttype\":\"json\"}", JB_EINVALID, "datacontenttype" },
    { "{" MINIMAL ",\"time\":\"2018-02-30T00:00:00Z\"}", JB_EINVALID, "time" },
    { "{" MINIMAL ",\"time\":\"2018-04-05 17:31:00Z\"}", JB_EINVALID, "time" },
    { "{" MINIMAL ",\"My\":\"x\"}", JB_EINVALID, "My" },
    { "{" MINIMAL ",\"my_ext\":\"x\"}", JB_EINVALID, "my_ext" },
    { "{" MINIMAL ",\"\":\"x\"}", JB_EINVALID, "" },
    { "{" MINIMAL ",\"ext\":\"\\u0007\"}", JB_EINVALID, "ext" },
    //  duplicates and data
    { "{" MINIMAL ",\"id\":\"y\"}", JB_EINVALID, "id" },
    { "{" MINIMAL ",\"time\":null,\"time\":null}", JB_EINVALID, "time" },
    { "{" MINIMAL ",\"ext\":1,\"ext\":2}", JB_EINVALID, "ext" },
    { "{" MINIMAL ",\"data\":1,\"data\":2}", JB_EINVALID, "data" },
    { "{" MINIMAL ",\"data\":\"a\",\"data_base64\":\"YQ==\"}", JB_EINVALID, "data_base64" },
    { "{" MINIMAL ",\"data\":null,\"data_base64\":\"YQ==\"}", JB_EINVALID, "data_base64" },
    { "{" MINIMAL ",\"data_base64\":\"YQ\"}", JB_EINVALID, "data_base64" },
    { "{" MINIMAL ",\"data_base64\":\"Y Q==\"}", JB_EINVALID, "data_base64" },
    { "{" MINIMAL ",\"data_base64\":\"YR==\"}", JB_EINVALID, "data_base64" },
    //  a non-JSON content type takes text, as a string (the format's MAY fail)
    { "{" MINIMAL ",\"datacontenttype\":\"text/plain\",\"data\":7}", JB_EINVALID, "data" },
    { "{" MINIMAL ",\"datacontenttype\":\"text/plain\",\"data\":{}}", JB_EINVALID, "data" },
};

static void
test_decode_accepts_and_rejects_table(void **state)
{
    (void) state;
    size_t count = sizeof decode_cases / sizeof decode_cases[0];
    for (size_t index = 0; index < count; index++) {
        const decode_case_t *entry = &decode_cases[index];
        jb_event_t *event = NULL;
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_json_decode(entry->json, strlen(entry->json), NULL, &event, &error);
        if (rc != entry->code || strcmp(error.attribute, entry->attribute) != 0)
            fail_msg("case %zu %s: rc %s attribute '%s' (expected %s '%s'): %s", index,
                     entry->json, jb_error_name(rc), error.attribute,
                     jb_error_name(entry->code), entry->attribute, error.message);
        if (rc == 0) {
            assert_non_null(event);
            assert_int_equal(jb_event_validate(event, NULL), 0);
        }
        else {
            assert_null(event);
            assert_true(strlen(error.message) > 0);
            assert_int_equal(error.code, rc);
        }
        jb_event_destroy(&event);
    }
}

//  --------------------------------------------------------------------------

static jb_event_t *
s_decode(const char *json)
{
    jb_event_t *event = NULL;
    jb_error_t error;
    if (jb_json_decode(json, strlen(json), NULL, &event, &error))
        fail_msg("decode %s: %s", json, error.message);
    return event;
}

static void
test_error_message_names_attribute_and_value(void **state)
{
    (void) state;
    const char *json = "{" MINIMAL ",\"time\":\"2018-04-05T18:31Z\"}";
    jb_event_t *event = NULL;
    jb_error_t error;
    assert_int_equal(jb_json_decode(json, strlen(json), NULL, &event, &error), JB_EINVALID);
    assert_string_equal(error.message,
                        "attribute 'time': not an RFC 3339 timestamp: \"2018-04-05T18:31Z\"");
    assert_string_equal(error.attribute, "time");
}

static void
test_decode_maps_data_by_content_type(void **state)
{
    (void) state;
    struct {
        const char *members;
        jb_data_kind_t kind;
        const char *data;
        size_t size;
    } cases [] = {
        { "\"data\":{\"a\": [1, 2]}", JB_DATA_JSON, "{\"a\": [1, 2]}", 13 },
        { "\"datacontenttype\":\"application/json\",\"data\":\"str\"", JB_DATA_JSON, "\"str\"", 5 },
        { "\"data\":\"I'm just a string\"", JB_DATA_JSON, "\"I'm just a string\"", 19 },
        { "\"data\":null", JB_DATA_JSON, "null", 4 },
        { "\"datacontenttype\":\"text/json; charset=utf-8\",\"data\":\"s\"", JB_DATA_JSON, "\"s\"", 3 },
        { "\"datacontenttype\":\"application/vnd.x+JSON\",\"data\":[]", JB_DATA_JSON, "[]", 2 },
        { "\"datacontenttype\":\"text/plain\",\"data\":\"Simple text\"", JB_DATA_TEXT, "Simple text", 11 },
        { "\"datacontenttype\":\"application/xml\",\"data\":\"<much wow=\\\"xml\\\"/>\"",
          JB_DATA_TEXT, "<much wow=\"xml\"/>", 17 },
        { "\"datacontenttype\":\"text/plain\",\"data\":\"a\\u0000b\"", JB_DATA_TEXT, "a\0b", 3 },
        { "\"datacontenttype\":\"text/plain\",\"data\":\"\\u00e9\\ud83d\\ude00\"", JB_DATA_TEXT,
          "\xc3\xa9\xf0\x9f\x98\x80", 6 },
        { "\"data_base64\":\"TWE=\"", JB_DATA_BINARY, "Ma", 2 },
        { "\"datacontenttype\":\"application/json\",\"data_base64\":\"e30=\"", JB_DATA_BINARY, "{}", 2 },
        { "\"datacontenttype\":\"text/plain\"", JB_DATA_NONE, NULL, 0 },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        char json [512];
        snprintf(json, sizeof json, "{" MINIMAL ",%s}", cases[index].members);
        jb_event_t *event = s_decode(json);
        size_t size;
        const void *data = jb_event_data(event, &size);
        if (jb_event_data_kind(event) != cases[index].kind)
            fail_msg("case %zu %s: kind %d", index, json, jb_event_data_kind(event));
        assert_int_equal(size, cases[index].size);
        if (cases[index].data)
            assert_memory_equal(data, cases[index].data, size);
        else
            assert_null(data);
        jb_event_destroy(&event);
    }
}

static void
test_decode_does_not_invent_attributes(void **state)
{
    (void) state;
    jb_event_t *event = s_decode("{" MINIMAL "}");
    assert_null(jb_event_time(event));
    assert_null(jb_event_datacontenttype(event));
    assert_null(jb_event_subject(event));
    assert_null(jb_event_dataschema(event));
    assert_int_equal(jb_event_extension_count(event), 0);
    assert_int_equal(jb_event_data_kind(event), JB_DATA_NONE);
    assert_string_equal(jb_event_id(event), "x");
    jb_event_destroy(&event);
}

static void
test_decode_maps_extension_types_from_json(void **state)
{
    (void) state;
    jb_event_t *event = s_decode("{" MINIMAL ",\"extinteger\":-10,\"extboolean\":false,"
                                 "\"extstring\":\"TWE=\",\"extnull\":null}");
    const jb_value_t *value = jb_event_extension(event, "extinteger");
    assert_non_null(value);
    assert_int_equal(value->type, JB_TYPE_INTEGER);
    assert_int_equal(value->as.integer, -10);
    value = jb_event_extension(event, "extboolean");
    assert_int_equal(value->type, JB_TYPE_BOOLEAN);
    assert_false(value->as.boolean);
    value = jb_event_extension(event, "extstring");
    assert_int_equal(value->type, JB_TYPE_STRING);
    assert_string_equal(value->as.string, "TWE=");
    assert_null(jb_event_extension(event, "extnull"));
    assert_int_equal(jb_event_extension_count(event), 3);
    jb_event_destroy(&event);
}

static const jb_extension_def_t s_sample_extensions [] = {
    { "extinteger", JB_TYPE_INTEGER },
    { "extboolean", JB_TYPE_BOOLEAN },
    { "extstring", JB_TYPE_STRING },
    { "extbinary", JB_TYPE_BINARY },
    { "exttimestamp", JB_TYPE_TIMESTAMP },
    { "exturi", JB_TYPE_URI },
    { "exturiref", JB_TYPE_URI_REF },
    { NULL, 0 }
};

static void
test_decode_converts_known_extension_types(void **state)
{
    (void) state;
    const char *json = "{" MINIMAL ",\"extbinary\":\"TWE=\",\"exttimestamp\":\"2023-03-31T16:12:00+01:00\","
                       "\"exturi\":\"https://cloudevents.io\",\"exturiref\":\"//authority/path\"}";
    jb_event_t *event = NULL;
    jb_error_t error;
    assert_int_equal(jb_json_decode(json, strlen(json), s_sample_extensions, &event, &error), 0);
    const jb_value_t *value = jb_event_extension(event, "extbinary");
    assert_int_equal(value->type, JB_TYPE_BINARY);
    assert_int_equal(value->as.binary.size, 2);
    assert_memory_equal(value->as.binary.bytes, "Ma", 2);
    value = jb_event_extension(event, "exttimestamp");
    assert_int_equal(value->type, JB_TYPE_TIMESTAMP);
    jb_timestamp_t expected;
    assert_int_equal(jb_timestamp_parse("2023-03-31T15:12:00Z", 20, &expected), 0);
    assert_int_equal(jb_timestamp_compare(&value->as.timestamp, &expected), 0);
    assert_int_equal(jb_event_extension(event, "exturi")->type, JB_TYPE_URI);
    assert_int_equal(jb_event_extension(event, "exturiref")->type, JB_TYPE_URI_REF);
    jb_event_destroy(&event);

    struct { const char *members; const char *attribute; } bad [] = {
        { "\"extbinary\":\"TWE\"", "extbinary" },
        { "\"exttimestamp\":\"yesterday\"", "exttimestamp" },
        { "\"exturi\":\"/relative\"", "exturi" },
        { "\"exturiref\":\"a b\"", "exturiref" },
        { "\"extinteger\":\"10\"", "extinteger" },
        { "\"extboolean\":\"true\"", "extboolean" },
        { "\"extboolean\":1", "extboolean" },
        { "\"extstring\":1", "extstring" },
        { "\"extbinary\":true", "extbinary" },
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad[0]; index++) {
        char text [256];
        snprintf(text, sizeof text, "{" MINIMAL ",%s}", bad[index].members);
        jb_error_clear(&error);
        int rc = jb_json_decode(text, strlen(text), s_sample_extensions, &event, &error);
        if (rc != JB_EINVALID || strcmp(error.attribute, bad[index].attribute) != 0)
            fail_msg("case %s: %s", text, error.message);
    }
}

//  --------------------------------------------------------------------------
//  Encoding

static jb_event_t *
s_full_event(void)
{
    jb_event_t *event = jb_event_new("jerry.work_tracking.task.completed", "/jerry/work-tracking");
    assert_non_null(event);
    assert_int_equal(jb_event_set_subject(event, "WORK-001 \"quoted\" \\ é"), 0);
    assert_int_equal(jb_event_set_dataschema(event, "https://jerry.example/schemas/task"), 0);
    assert_int_equal(jb_event_set_time_text(event, "2026-01-11T10:00:00.123456789+05:30", NULL), 0);
    jb_value_t value = jb_value_integer(-2147483647 - 1);
    assert_int_equal(jb_event_set_extension(event, "extinteger", &value, NULL), 0);
    value = jb_value_boolean(true);
    assert_int_equal(jb_event_set_extension(event, "extboolean", &value, NULL), 0);
    value = jb_value_string("line one");
    assert_int_equal(jb_event_set_extension(event, "extstring", &value, NULL), 0);
    value = jb_value_binary("\x00\x01\xfe\xff", 4);
    assert_int_equal(jb_event_set_extension(event, "extbinary", &value, NULL), 0);
    jb_timestamp_t timestamp;
    assert_int_equal(jb_timestamp_parse("2023-03-31T15:12:00Z", 20, &timestamp), 0);
    value = jb_value_timestamp(timestamp);
    assert_int_equal(jb_event_set_extension(event, "exttimestamp", &value, NULL), 0);
    value = jb_value_uri("https://cloudevents.io");
    assert_int_equal(jb_event_set_extension(event, "exturi", &value, NULL), 0);
    value = jb_value_uri_ref("//authority/path");
    assert_int_equal(jb_event_set_extension(event, "exturiref", &value, NULL), 0);
    return event;
}

static void
s_assert_round_trip(const jb_event_t *event)
{
    char *json = NULL;
    size_t size;
    jb_error_t error;
    if (jb_json_encode(event, &json, &size, &error))
        fail_msg("encode: %s", error.message);
    jb_event_t *decoded = NULL;
    if (jb_json_decode(json, size, s_sample_extensions, &decoded, &error))
        fail_msg("decode %s: %s", json, error.message);
    if (!jb_event_equal(event, decoded))
        fail_msg("round trip changed the event: %s", json);
    //  and the normalized text is stable
    char *again = NULL;
    assert_int_equal(jb_json_encode(decoded, &again, NULL, NULL), 0);
    assert_string_equal(json, again);
    free(again);
    free(json);
    jb_event_destroy(&decoded);
}

static void
test_round_trip_keeps_every_attribute_and_data_kind(void **state)
{
    (void) state;
    jb_event_t *event = s_full_event();
    s_assert_round_trip(event);                             //  no data

    assert_int_equal(jb_event_set_data_json(event, "{\"n\": [1, 2.5, \"x\", null, true]}",
                                            SIZE_MAX, NULL), 0);
    s_assert_round_trip(event);                             //  JSON, implied type
    assert_int_equal(jb_event_set_datacontenttype(event, "application/cloudevents+json"), 0);
    s_assert_round_trip(event);                             //  JSON, +json type

    assert_int_equal(jb_event_set_datacontenttype(event, "text/plain; charset=utf-8"), 0);
    assert_int_equal(jb_event_set_data_text(event, "text with \"quotes\"\n\ttabs and \0 nul", 31), 0);
    s_assert_round_trip(event);                             //  text

    assert_int_equal(jb_event_set_datacontenttype(event, "application/octet-stream"), 0);
    uint8_t bytes [256];
    for (size_t index = 0; index < sizeof bytes; index++)
        bytes[index] = (uint8_t) index;
    for (size_t size = 0; size <= 5; size++) {              //  every padding case
        assert_int_equal(jb_event_set_data_binary(event, bytes, size), 0);
        s_assert_round_trip(event);
    }
    assert_int_equal(jb_event_set_data_binary(event, bytes, sizeof bytes), 0);
    s_assert_round_trip(event);                             //  bytes
    jb_event_destroy(&event);
}

static void
test_encode_writes_binary_data_as_base64(void **state)
{
    (void) state;
    jb_event_t *event = s_decode("{" MINIMAL "}");
    assert_int_equal(jb_event_set_data_binary(event, "Ma", 2), 0);
    char *json = NULL;
    assert_int_equal(jb_json_encode(event, &json, NULL, NULL), 0);
    assert_string_equal(json, "{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"/s\","
                              "\"type\":\"t\",\"data_base64\":\"TWE=\"}");
    free(json);
    jb_event_destroy(&event);
}

static void
test_encode_rejects_an_invalid_event(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("t", NULL);
    char *json = NULL;
    jb_error_t error;
    assert_int_equal(jb_json_encode(event, &json, NULL, &error), JB_EINVALID);
    assert_null(json);
    assert_string_equal(error.attribute, "source");
    jb_event_destroy(&event);
}

//  --------------------------------------------------------------------------
//  Batches

static void
test_batch_decodes_in_order_and_encodes_back(void **state)
{
    (void) state;
    const char *json = "[ {" MINIMAL ",\"id\":\"a\"} ]";
    jb_batch_t *batch = NULL;
    jb_error_t error;
    //  duplicate id in one element: the batch is rejected whole
    assert_int_equal(jb_json_decode_batch(json, strlen(json), NULL, &batch, &error), JB_EINVALID);
    assert_null(batch);
    assert_non_null(strstr(error.message, "(event 1 of the batch)"));

    json = "[{\"specversion\":\"1.0\",\"id\":\"1\",\"type\":\"t\",\"source\":\"/s\"},"
           " {\"specversion\":\"1.0\",\"id\":\"2\",\"type\":\"t\",\"source\":\"/s\",\"data\":[1]}]";
    assert_int_equal(jb_json_decode_batch(json, strlen(json), NULL, &batch, &error), 0);
    assert_int_equal(jb_batch_size(batch), 2);
    assert_string_equal(jb_event_id(jb_batch_at(batch, 0)), "1");
    assert_string_equal(jb_event_id(jb_batch_at(batch, 1)), "2");
    char *encoded = NULL;
    assert_int_equal(jb_json_encode_batch(batch, &encoded, NULL, &error), 0);
    assert_string_equal(encoded,
        "[{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"},"
        "{\"specversion\":\"1.0\",\"id\":\"2\",\"source\":\"/s\",\"type\":\"t\",\"data\":[1]}]");
    free(encoded);
    jb_batch_destroy(&batch);

    assert_int_equal(jb_json_decode_batch("[]", 2, NULL, &batch, &error), 0);
    assert_int_equal(jb_batch_size(batch), 0);
    assert_int_equal(jb_json_encode_batch(batch, &encoded, NULL, &error), 0);
    assert_string_equal(encoded, "[]");
    free(encoded);
    jb_batch_destroy(&batch);
}

static void
test_batch_rejects_non_arrays_and_bad_elements(void **state)
{
    (void) state;
    const char *cases [] = {
        "{" MINIMAL "}", "", "[", "[{" MINIMAL "},]", "[1]", "[\"x\"]", "[[]]", "[null]",
        "[{" MINIMAL "}, {\"specversion\":\"0.9\",\"id\":\"x\",\"type\":\"t\",\"source\":\"/s\"}]",
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        jb_batch_t *batch = NULL;
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_json_decode_batch(cases[index], strlen(cases[index]), NULL, &batch, &error);
        if (rc == 0)
            fail_msg("accepted %s", cases[index]);
        assert_null(batch);
        assert_true(strlen(error.message) > 0);
    }
    jb_batch_t *batch = jb_batch_new();
    jb_event_t *event = jb_event_new("t", "/s");
    assert_int_equal(jb_batch_append(batch, &event), 0);
    event = jb_event_new("t", NULL);                        //  invalid: no source
    assert_int_equal(jb_batch_append(batch, &event), 0);
    assert_null(event);
    char *json = NULL;
    jb_error_t error;
    assert_int_equal(jb_json_encode_batch(batch, &json, NULL, &error), JB_EINVALID);
    assert_null(json);
    assert_non_null(strstr(error.message, "(event 2 of the batch)"));
    jb_batch_destroy(&batch);
    jb_batch_destroy(&batch);                               //  safe twice
}

//  --------------------------------------------------------------------------
//  Arbitrary bytes: nesting, truncation and random mutations never crash,
//  never leak (the sanitizer build checks), and whatever decodes is valid
//  and survives a round trip.

static void
s_decode_anything(const char *text, size_t size)
{
    //  an exact-size heap copy, so that reading past the end is caught
    char *copy = (char *) malloc(size? size: 1);
    memcpy(copy, text, size);
    jb_event_t *event = NULL;
    jb_error_t error;
    if (jb_json_decode(copy, size, s_sample_extensions, &event, &error) == 0) {
        assert_int_equal(jb_event_validate(event, NULL), 0);
        s_assert_round_trip(event);
        jb_event_destroy(&event);
    }
    else
        assert_null(event);
    jb_batch_t *batch = NULL;
    if (jb_json_decode_batch(copy, size, NULL, &batch, &error) == 0)
        jb_batch_destroy(&batch);
    else
        assert_null(batch);
    free(copy);
}

//  The decoder reads members from an outline that the JSON check records,
//  kept on the stack up to a size: larger events and batches take the
//  allocated path, and escaped names and values the unescaping one.
static void
test_decode_reads_events_and_batches_past_the_outline_on_stack(void **state)
{
    (void) state;
    char json [8192];
    size_t used = (size_t) snprintf(json, sizeof json, "{" MINIMAL);
    for (int index = 0; index < 40; index++)
        used += (size_t) snprintf(json + used, sizeof json - used,
                                  ",\"ext%d\":\"v\\u00e9%d\",\"e\\u0078t%dn\":%d",
                                  index, index, index, index);
    used += (size_t) snprintf(json + used, sizeof json - used, "}");
    jb_event_t *event = NULL;
    jb_error_t error;
    assert_int_equal(jb_json_decode(json, used, NULL, &event, &error), 0);
    assert_int_equal(jb_event_extension_count(event), 80);
    assert_string_equal(jb_event_extension(event, "ext39")->as.string, "v\xc3\xa9" "39");
    assert_int_equal(jb_event_extension(event, "ext39n")->as.integer, 39);
    jb_event_destroy(&event);

    used = (size_t) snprintf(json, sizeof json, "[");
    for (int index = 0; index < 20; index++)
        used += (size_t) snprintf(json + used, sizeof json - used, "%s{" MINIMAL ",\"n\":%d}",
                                  index? " , ": "", index);
    used += (size_t) snprintf(json + used, sizeof json - used, "]");
    jb_batch_t *batch = NULL;
    assert_int_equal(jb_json_decode_batch(json, used, NULL, &batch, &error), 0);
    assert_int_equal(jb_batch_size(batch), 20);
    assert_int_equal(jb_event_extension(jb_batch_at(batch, 19), "n")->as.integer, 19);
    jb_batch_destroy(&batch);
    //  an error in the last event names it
    memcpy(json + used - 4, "{}}]", 4);                     //  "n":{}
    assert_int_equal(jb_json_decode_batch(json, used, NULL, &batch, &error), JB_EINVALID);
    assert_non_null(strstr(error.message, "event 20 of the batch"));
}

static void
test_decode_survives_deep_nesting(void **state)
{
    (void) state;
    size_t depth = 100000;
    char *text = (char *) malloc(depth * 2 + 200);
    int length = sprintf(text, "{" MINIMAL ",\"data\":");
    memset(text + length, '[', depth);
    memset(text + length + depth, ']', depth);
    strcpy(text + length + 2 * depth, "}");
    jb_event_t *event = NULL;
    assert_int_equal(jb_json_decode(text, strlen(text), NULL, &event, NULL), JB_EPARSE);
    //  moderate nesting is fine and kept exactly
    depth = 200;
    memset(text + length, '[', depth);
    memset(text + length + depth, ']', depth);
    strcpy(text + length + 2 * depth, "}");
    assert_int_equal(jb_json_decode(text, strlen(text), NULL, &event, NULL), 0);
    size_t size;
    jb_event_data(event, &size);
    assert_int_equal(size, 2 * depth);
    jb_event_destroy(&event);
    free(text);
}

static void
test_decode_survives_truncation_and_mutation(void **state)
{
    (void) state;
    const char *seeds [] = {
        "{" MINIMAL ",\"time\":\"2018-04-05T17:31:00Z\",\"subject\":\"s\\u00e9\",\"ext\":10,"
        "\"datacontenttype\":\"application/json\",\"data\":{\"k\":[1,\"v\",true,null]}}",
        "{" MINIMAL ",\"datacontenttype\":\"text/plain\",\"data\":\"hi\\n\",\"extbinary\":\"TWE=\"}",
        "{" MINIMAL ",\"data_base64\":\"AAEC\",\"exttimestamp\":\"2023-03-31T15:12:00Z\"}",
        "[{" MINIMAL "},{" MINIMAL ",\"flag\":false}]",
    };
    for (size_t seed = 0; seed < sizeof seeds / sizeof seeds[0]; seed++) {
        size_t size = strlen(seeds[seed]);
        for (size_t cut = 0; cut <= size; cut++)
            s_decode_anything(seeds[seed], cut);
    }
    //  deterministic xorshift, so a failure reproduces
    uint32_t random = 2463534242u;
    char buffer [512];
    for (int round = 0; round < 20000; round++) {
        const char *seed = seeds[round % 4];
        size_t size = strlen(seed);
        memcpy(buffer, seed, size);
        int edits = 1 + round % 4;
        for (int edit = 0; edit < edits; edit++) {
            random ^= random << 13; random ^= random >> 17; random ^= random << 5;
            size_t at = random % size;
            switch ((random >> 8) % 4) {
                case 0: buffer[at] = (char) (random >> 16); break;          //  any byte
                case 1: buffer[at] = "{}[]\",:\\0e.-nu"[(random >> 16) % 15]; break;
                case 2: size = at; break;                                   //  truncate
                default:
                    if (size < sizeof buffer - 1) {                         //  insert
                        memmove(buffer + at + 1, buffer + at, size - at);
                        buffer[at] = (char) (random >> 20);
                        size++;
                    }
            }
            if (size == 0)
                break;
        }
        s_decode_anything(buffer, size);
    }
}

//  --------------------------------------------------------------------------
//  CloudEvents conformance vectors: the golden sample events, in code, as
//  ../shared/conformance/README.upstream.md describes them.

static jb_event_t *
s_sample_minimal(const char *id)
{
    jb_event_t *event = jb_event_new_empty();
    jb_event_set_specversion(event, "1.0");
    jb_event_set_id(event, id);
    jb_event_set_type(event, "io.cloudevents.test");
    jb_event_set_source(event, "https://cloudevents.io");
    return event;
}

static jb_event_t *
s_sample(const char *sample_id)
{
    jb_event_t *event = NULL;
    if (strcmp(sample_id, "minimal") == 0)
        event = s_sample_minimal("minimal");
    else
    if (strcmp(sample_id, "minimalWithTime") == 0) {
        event = s_sample_minimal("minimalWithTime");
        assert_int_equal(jb_event_set_time_text(event, "2018-04-05T17:31:00Z", NULL), 0);
    }
    else
    if (strcmp(sample_id, "minimalWithRelativeSource") == 0) {
        event = s_sample_minimal("minimalWithRelativeSource");
        jb_event_set_source(event, "#fragment");
    }
    else
    if (strcmp(sample_id, "allCore") == 0) {
        event = s_sample_minimal("allCore");
        jb_event_set_datacontenttype(event, "text/plain");
        jb_event_set_dataschema(event, "https://cloudevents.io/dataschema");
        jb_event_set_subject(event, "tests");
        assert_int_equal(jb_event_set_time_text(event, "2018-04-05T17:31:00Z", NULL), 0);
    }
    else
    if (strcmp(sample_id, "simpleTextData") == 0) {
        //  The upstream description says id "simpleData", but its only
        //  vector (validSimpleTextData) carries "simpleTextData"; the vector
        //  is the concrete text, so the golden event follows it.
        event = s_sample_minimal("simpleTextData");
        jb_event_set_datacontenttype(event, "text/plain");
        jb_event_set_data_text(event, "Simple text", SIZE_MAX);
    }
    else
    if (strcmp(sample_id, "allExtensionTypes") == 0) {
        event = s_sample_minimal("allExtensionTypes");
        jb_value_t value = jb_value_integer(10);
        jb_event_set_extension(event, "extinteger", &value, NULL);
        value = jb_value_boolean(true);
        jb_event_set_extension(event, "extboolean", &value, NULL);
        value = jb_value_string("text");
        jb_event_set_extension(event, "extstring", &value, NULL);
        value = jb_value_binary("\x4d\x61", 2);
        jb_event_set_extension(event, "extbinary", &value, NULL);
        jb_timestamp_t timestamp;
        assert_int_equal(jb_timestamp_parse("2023-03-31T15:12:00Z", 20, &timestamp), 0);
        value = jb_value_timestamp(timestamp);
        jb_event_set_extension(event, "exttimestamp", &value, NULL);
        value = jb_value_uri("https://cloudevents.io");
        jb_event_set_extension(event, "exturi", &value, NULL);
        value = jb_value_uri_ref("//authority/path");
        jb_event_set_extension(event, "exturiref", &value, NULL);
    }
    if (!event)
        fail_msg("unknown golden sample event '%s'", sample_id);
    assert_int_equal(jb_event_validate(event, NULL), 0);
    return event;
}

//  A golden batch as a list of sample ids, NULL-terminated.
static const char **
s_sample_batch(const char *sample_id)
{
    static const char *empty [] = { NULL };
    static const char *minimal [] = { "minimal", NULL };
    static const char *minimal2 [] = { "minimal", "minimal", NULL };
    static const char *minimal_and_all_core [] = { "minimal", "allCore", NULL };
    static const char *minimal_and_all_extension_types [] = { "minimal", "allExtensionTypes", NULL };
    if (strcmp(sample_id, "empty") == 0) return empty;
    if (strcmp(sample_id, "minimal") == 0) return minimal;
    if (strcmp(sample_id, "minimal2") == 0) return minimal2;
    if (strcmp(sample_id, "minimalAndAllCore") == 0) return minimal_and_all_core;
    if (strcmp(sample_id, "minimalAndAllExtensionTypes") == 0) return minimal_and_all_extension_types;
    fail_msg("unknown golden sample batch '%s'", sample_id);
    return NULL;
}

//  Load one conformance file; skip the test when the vectors are absent.
static cJSON *
s_load_vectors(const char *file)
{
    char path [1024];
    snprintf(path, sizeof path, "%s/%s", JBUS_CONFORMANCE_DIR, file);
    char *text = testutil_read_file(path, NULL);
    if (!text) {
        print_message("conformance vectors not found at %s: skipped "
                      "(set -DJBUS_CONFORMANCE_DIR=...)\n", path);
        return NULL;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    return root;
}

static void
s_run_vectors(const char *file, size_t *passed)
{
    cJSON *root = s_load_vectors(file);
    if (!root) {
        skip();
        return;
    }
    const char *file_type = cJSON_GetObjectItemCaseSensitive(root, "testType")->valuestring;
    cJSON *test;
    cJSON_ArrayForEach(test, cJSON_GetObjectItemCaseSensitive(root, "tests")) {
        const char *test_id = cJSON_GetObjectItemCaseSensitive(test, "id")->valuestring;
        cJSON *type_item = cJSON_GetObjectItemCaseSensitive(test, "testType");
        const char *test_type = cJSON_IsString(type_item)? type_item->valuestring: file_type;
        bool known = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(test, "sampleExtensionAttributes"));
        bool is_batch = strstr(test_type, "Batch") != NULL;
        bool valid = strncmp(test_type, "Valid", 5) == 0;
        char *text = cJSON_PrintUnformatted(
            cJSON_GetObjectItemCaseSensitive(test, is_batch? "batch": "event"));
        assert_non_null(text);
        jb_error_t error;
        jb_error_clear(&error);
        const jb_extension_def_t *definitions = known? s_sample_extensions: NULL;
        if (is_batch) {
            jb_batch_t *batch = NULL;
            int rc = jb_json_decode_batch(text, strlen(text), definitions, &batch, &error);
            if (valid) {
                if (rc)
                    fail_msg("%s: %s", test_id, error.message);
                const char *sample_id = cJSON_GetObjectItemCaseSensitive(test, "sampleId")->valuestring;
                const char **samples = s_sample_batch(sample_id);
                size_t index = 0;
                for (; samples[index]; index++) {
                    assert_true(index < jb_batch_size(batch));
                    jb_event_t *expected = s_sample(samples[index]);
                    if (!jb_event_equal(jb_batch_at(batch, index), expected))
                        fail_msg("%s: event %zu differs from sample %s", test_id, index, samples[index]);
                    jb_event_destroy(&expected);
                }
                assert_int_equal(index, jb_batch_size(batch));
                jb_batch_destroy(&batch);
            }
            else
            if (rc == 0)
                fail_msg("%s: invalid batch accepted", test_id);
        }
        else {
            jb_event_t *event = NULL;
            int rc = jb_json_decode(text, strlen(text), definitions, &event, &error);
            if (valid) {
                if (rc)
                    fail_msg("%s: %s", test_id, error.message);
                jb_event_t *expected =
                    s_sample(cJSON_GetObjectItemCaseSensitive(test, "sampleId")->valuestring);
                if (!jb_event_equal(event, expected))
                    fail_msg("%s: differs from its golden sample", test_id);
                s_assert_round_trip(event);
                jb_event_destroy(&expected);
                jb_event_destroy(&event);
            }
            else {
                if (rc == 0)
                    fail_msg("%s: invalid event accepted", test_id);
                //  every invalid single-event vector is about one attribute
                if (strlen(error.attribute) == 0)
                    fail_msg("%s: error names no attribute: %s", test_id, error.message);
                print_message("  %-36s rejected: %s\n", test_id, error.message);
            }
        }
        free(text);
        (*passed)++;
    }
    cJSON_Delete(root);
}

static void
test_conformance_valid_events_equal_their_samples(void **state)
{
    (void) state;
    size_t passed = 0;
    s_run_vectors("valid-events.json", &passed);
    assert_true(passed >= 10);
}

static void
test_conformance_invalid_events_are_rejected(void **state)
{
    (void) state;
    size_t passed = 0;
    s_run_vectors("invalid-events.json", &passed);
    assert_true(passed >= 25);
}

static void
test_conformance_valid_batches_equal_their_samples(void **state)
{
    (void) state;
    size_t passed = 0;
    s_run_vectors("valid-batches.json", &passed);
    assert_true(passed >= 5);
}

static void
test_conformance_invalid_batches_are_rejected(void **state)
{
    (void) state;
    size_t passed = 0;
    s_run_vectors("invalid-batches.json", &passed);
    assert_true(passed >= 3);
}

//  Upstream's invalidNonIntegerExtensionValue uses the name "my.extension",
//  so it fails on the name before the value is looked at; this is the same
//  case with a valid name.
static void
test_conformance_extra_non_integer_extension_value_is_rejected(void **state)
{
    (void) state;
    const char *json = "{\"id\":\"invalid\",\"specversion\":\"1.0\",\"type\":\"io.cloudevents.test\","
                       "\"source\":\"https://cloudevents.io\",\"myextension\":1.5}";
    jb_event_t *event = NULL;
    jb_error_t error;
    assert_int_equal(jb_json_decode(json, strlen(json), NULL, &event, &error), JB_EINVALID);
    assert_string_equal(error.attribute, "myextension");
    assert_non_null(strstr(error.message, "not an Integer: 1.5"));
}

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_decode_and_encode_an_event_example),
        cmocka_unit_test(test_decode_accepts_and_rejects_table),
        cmocka_unit_test(test_error_message_names_attribute_and_value),
        cmocka_unit_test(test_decode_maps_data_by_content_type),
        cmocka_unit_test(test_decode_does_not_invent_attributes),
        cmocka_unit_test(test_decode_maps_extension_types_from_json),
        cmocka_unit_test(test_decode_converts_known_extension_types),
        cmocka_unit_test(test_round_trip_keeps_every_attribute_and_data_kind),
        cmocka_unit_test(test_encode_writes_binary_data_as_base64),
        cmocka_unit_test(test_encode_rejects_an_invalid_event),
        cmocka_unit_test(test_batch_decodes_in_order_and_encodes_back),
        cmocka_unit_test(test_batch_rejects_non_arrays_and_bad_elements),
        cmocka_unit_test(test_decode_reads_events_and_batches_past_the_outline_on_stack),
        cmocka_unit_test(test_decode_survives_deep_nesting),
        cmocka_unit_test(test_decode_survives_truncation_and_mutation),
        cmocka_unit_test(test_conformance_valid_events_equal_their_samples),
        cmocka_unit_test(test_conformance_invalid_events_are_rejected),
        cmocka_unit_test(test_conformance_valid_batches_equal_their_samples),
        cmocka_unit_test(test_conformance_invalid_batches_are_rejected),
        cmocka_unit_test(test_conformance_extra_non_integer_extension_value_is_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
