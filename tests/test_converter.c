/*  =========================================================================
    test_converter.c - domain events to CloudEvents at a context's boundary
    ========================================================================= */

#include "testutil.h"

#define SOURCE  "/jerry/work-tracking"
#define CONTEXT "work_tracking"
#define PAYLOAD "{\"task_id\":\"WORK-001\",\"completed_by\":\"jerry\"}"

//  A pointer that no conversion returns, to show *event_p was not touched.
static char s_sentinel;
#define UNTOUCHED ((jb_event_t *) &s_sentinel)

//  True when id is a canonical UUIDv4: 8-4-4-4-12 lower-case hex digits,
//  version nibble 4, variant 10xx (8, 9, a or b).
static bool
s_is_uuid_v4(const char *id)
{
    if (!id || strlen(id) != 36)
        return false;
    for (size_t index = 0; index < 36; index++) {
        char c = id[index];
        if (index == 8 || index == 13 || index == 18 || index == 23) {
            if (c != '-')
                return false;
        }
        else
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return id[14] == '4' && strchr("89ab", id[19]) != NULL;
}

//  A TaskCompleted domain event at a fixed instant, 2026-01-11T10:00:00.123456Z,
//  so that a test can tell it from "now".
static jb_domain_event_t
s_task_completed(void)
{
    jb_domain_event_t domain_event = jb_domain_event("TaskCompleted", "WORK-001", PAYLOAD);
    domain_event.timestamp = jb_timestamp_from_unix(1768125600, 123456000, 6);
    return domain_event;
}

//  A converter for work tracking; the test fails if it cannot be made.
static jb_converter_t *
s_converter(void)
{
    jb_error_t error;
    jb_converter_t *converter = jb_converter_new(SOURCE, CONTEXT, &error);
    if (!converter)
        print_error("jb_converter_new: %s\n", error.message);
    assert_non_null(converter);
    return converter;
}


//  --------------------------------------------------------------------------
//  How a bounded context uses the module: one converter at its boundary
//  turns each domain event into a CloudEvent ready to publish.

static void
test_converter_usage_example(void **state)
{
    (void) state;
    jb_error_t error;
    jb_converter_t *converter = jb_converter_new("/jerry/work-tracking", "work_tracking",
                                                 &error);
    assert_non_null(converter);

    jb_domain_event_t completed =
        jb_domain_event("TaskCompleted", "WORK-001", "{\"task_id\":\"WORK-001\"}");
    jb_event_t *event = NULL;
    int rc = jb_converter_convert(converter, &completed, &event, &error);
    assert_int_equal(rc, 0);
    assert_string_equal(jb_event_type(event), "jerry.work_tracking.task.completed");
    assert_string_equal(jb_event_source(event), "/jerry/work-tracking");
    assert_string_equal(jb_event_subject(event), "WORK-001");
    assert_string_equal(jb_event_data(event, NULL), "{\"task_id\":\"WORK-001\"}");

    jb_event_destroy(&event);
    jb_converter_destroy(&converter);
    assert_null(converter);
}


//  --------------------------------------------------------------------------
//  The source must be a non-empty URI-reference: it becomes the `source`
//  of every event, so a bad one is refused once, up front.

static void
test_new_rejects_a_source_that_is_not_a_uri_reference(void **state)
{
    (void) state;
    static const char *sources [] = {
        "",
        "not a uri with spaces",
        "/jerry/work tracking",
        "/jerry/work\ttracking",
        "/jerry/work-tracking\n",
        "/jerry/%zz",
        "/jerry/\"work\"",
        "/jerry/w\xc3\xb6rk",
    };
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        jb_error_t error;
        jb_error_clear(&error);
        jb_converter_t *converter = jb_converter_new(sources[i], CONTEXT, &error);
        if (converter)
            print_error("source \"%s\" was accepted\n", sources[i]);
        assert_null(converter);
        assert_int_equal(error.code, JB_EINVAL);
        assert_string_equal(error.attribute, "source");
        assert_non_null(strstr(error.message, "URI-reference"));
    }
}


//  --------------------------------------------------------------------------
//  The context is the snake_case segment of every type; the source's
//  kebab-case spelling is not one.

static void
test_new_rejects_a_context_that_is_not_snake_case(void **state)
{
    (void) state;
    static const char *contexts [] = {
        "Work-Tracking", "work-tracking", "WorkTracking", "work.tracking", "",
        "work_tracking_", "_work_tracking", "work__tracking", "2work",
    };
    for (size_t i = 0; i < sizeof contexts / sizeof contexts[0]; i++) {
        jb_error_t error;
        jb_error_clear(&error);
        jb_converter_t *converter = jb_converter_new(SOURCE, contexts[i], &error);
        if (converter)
            print_error("context \"%s\" was accepted\n", contexts[i]);
        assert_null(converter);
        assert_int_equal(error.code, JB_EINVAL);
        char quoted [64];
        snprintf(quoted, sizeof quoted, "context \"%s\"", contexts[i]);
        assert_non_null(strstr(error.message, quoted));
        assert_non_null(strstr(error.message, "snake_case"));
    }
}


//  --------------------------------------------------------------------------

static void
test_new_accepts_any_uri_reference_and_copies_its_arguments(void **state)
{
    (void) state;
    static const char *sources [] = {
        "/jerry/work-tracking",
        "https://jerry.example.com/work-tracking",
        "urn:jerry:work-tracking",
        "work-tracking",
        "/jerry/work-tracking?region=eu#main",
    };
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        char source [64];
        char context [] = "session_management";
        snprintf(source, sizeof source, "%s", sources[i]);
        jb_converter_t *converter = jb_converter_new(source, context, NULL);
        assert_non_null(converter);
        //  Overwrite the arguments: the converter kept copies.
        memset(source, 'x', strlen(source));
        memset(context, 'x', strlen(context));
        assert_string_equal(jb_converter_source(converter), sources[i]);
        assert_string_equal(jb_converter_context(converter), "session_management");
        jb_converter_destroy(&converter);
    }
}


//  --------------------------------------------------------------------------

static void
test_destroy_accepts_null_and_is_safe_twice(void **state)
{
    (void) state;
    jb_converter_t *converter = NULL;
    jb_converter_destroy(&converter);
    assert_null(converter);
    converter = s_converter();
    jb_converter_destroy(&converter);
    assert_null(converter);
    jb_converter_destroy(&converter);
    assert_null(converter);
}


//  --------------------------------------------------------------------------
//  Every attribute of the CloudEvent, and where it comes from.

static void
test_convert_fills_every_attribute_from_the_domain_event(void **state)
{
    (void) state;
    jb_converter_t *converter = s_converter();
    jb_domain_event_t domain_event = s_task_completed();
    jb_event_t *event = NULL;
    jb_error_t error;
    int rc = jb_converter_convert(converter, &domain_event, &event, &error);
    if (rc)
        print_error("%s\n", error.message);
    assert_int_equal(rc, 0);
    assert_non_null(event);

    assert_string_equal(jb_event_specversion(event), "1.0");
    assert_string_equal(jb_event_type(event), "jerry.work_tracking.task.completed");
    assert_string_equal(jb_event_source(event), "/jerry/work-tracking");
    assert_string_equal(jb_event_subject(event), "WORK-001");
    assert_true(s_is_uuid_v4(jb_event_id(event)));

    //  The time is when the domain event happened, not when it was converted.
    const jb_timestamp_t *time = jb_event_time(event);
    assert_non_null(time);
    assert_int_equal(jb_timestamp_compare(time, &domain_event.timestamp), 0);
    char text [JB_TIMESTAMP_MAX];
    jb_timestamp_format(time, text);
    assert_string_equal(text, "2026-01-11T10:00:00.123456Z");

    assert_int_equal(jb_event_data_kind(event), JB_DATA_JSON);
    size_t size = 0;
    const char *data = (const char *) jb_event_data(event, &size);
    assert_non_null(data);
    assert_int_equal(size, strlen(PAYLOAD));
    assert_string_equal(data, PAYLOAD);
    assert_string_equal(jb_event_datacontenttype(event), "application/json");

    //  Nothing else is invented.
    assert_null(jb_event_dataschema(event));
    assert_int_equal(jb_event_extension_count(event), 0);
    assert_int_equal(jb_event_validate(event, &error), 0);

    jb_event_destroy(&event);
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------
//  source + id identify an event: converting the same domain event twice
//  gives two events, with two ids.

static void
test_convert_gives_every_event_a_fresh_id(void **state)
{
    (void) state;
    jb_converter_t *converter = s_converter();
    jb_domain_event_t domain_event = s_task_completed();
    enum { COUNT = 64 };
    char ids [COUNT][37];
    for (int index = 0; index < COUNT; index++) {
        jb_event_t *event = NULL;
        assert_int_equal(jb_converter_convert(converter, &domain_event, &event, NULL), 0);
        const char *id = jb_event_id(event);
        assert_true(s_is_uuid_v4(id));
        for (int earlier = 0; earlier < index; earlier++)
            assert_string_not_equal(id, ids[earlier]);
        snprintf(ids[index], sizeof ids[index], "%s", id);
        jb_event_destroy(&event);
    }
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------
//  The pattern's data is an object, but any JSON value is data.

static void
test_convert_takes_any_json_value_as_payload(void **state)
{
    (void) state;
    static const char *payloads [] = {
        "{}", "[1,2,3]", "\"done\"", "42", "true", "null",
        "{ \"nested\" : { \"list\" : [ 1.5e3, null ] } }\n",
        "{\"name\":\"J\xc3\xa9r\xc3\xb4me\"}",
    };
    jb_converter_t *converter = s_converter();
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        jb_domain_event_t domain_event = jb_domain_event("TaskCompleted", "WORK-001",
                                                         payloads[i]);
        jb_event_t *event = NULL;
        jb_error_t error;
        int rc = jb_converter_convert(converter, &domain_event, &event, &error);
        if (rc)
            print_error("payload %s: %s\n", payloads[i], error.message);
        assert_int_equal(rc, 0);
        assert_int_equal(jb_event_data_kind(event), JB_DATA_JSON);
        assert_string_equal(jb_event_data(event, NULL), payloads[i]);
        assert_string_equal(jb_event_datacontenttype(event), "application/json");
        jb_event_destroy(&event);
    }
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------
//  No payload, no data: and then no datacontenttype either, since there is
//  no content to describe.

static void
test_convert_without_payload_gives_an_event_without_data(void **state)
{
    (void) state;
    jb_converter_t *converter = s_converter();
    jb_domain_event_t domain_event = jb_domain_event("ProjectActivated", "PROJ-7", NULL);
    jb_event_t *event = NULL;
    assert_int_equal(jb_converter_convert(converter, &domain_event, &event, NULL), 0);
    assert_string_equal(jb_event_type(event), "jerry.work_tracking.project.activated");
    assert_int_equal(jb_event_data_kind(event), JB_DATA_NONE);
    size_t size = 99;
    assert_null(jb_event_data(event, &size));
    assert_null(jb_event_datacontenttype(event));
    assert_int_equal(jb_event_validate(event, NULL), 0);
    jb_event_destroy(&event);
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------
//  subject is optional: a domain event with no aggregate id has none.

static void
test_convert_without_aggregate_id_gives_an_event_without_subject(void **state)
{
    (void) state;
    jb_converter_t *converter = s_converter();
    jb_domain_event_t domain_event = jb_domain_event("TaskCompleted", NULL, PAYLOAD);
    jb_event_t *event = NULL;
    assert_int_equal(jb_converter_convert(converter, &domain_event, &event, NULL), 0);
    assert_null(jb_event_subject(event));
    assert_int_equal(jb_event_validate(event, NULL), 0);
    jb_event_destroy(&event);
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------
//  A domain event that names its aggregate keeps it, whatever the name.

static void
test_convert_uses_an_explicit_aggregate(void **state)
{
    (void) state;
    jb_converter_t *converter = s_converter();
    jb_domain_event_t domain_event = jb_domain_event("Completed", "ITEM-3", NULL);
    domain_event.aggregate = "work_item";
    jb_event_t *event = NULL;
    assert_int_equal(jb_converter_convert(converter, &domain_event, &event, NULL), 0);
    assert_string_equal(jb_event_type(event), "jerry.work_tracking.work_item.completed");
    jb_event_destroy(&event);

    domain_event.name = "TaskStatusChanged";
    domain_event.aggregate = "task";
    assert_int_equal(jb_converter_convert(converter, &domain_event, &event, NULL), 0);
    assert_string_equal(jb_event_type(event), "jerry.work_tracking.task.status_changed");
    jb_event_destroy(&event);
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------
//  A payload that is not one JSON value is JB_EPARSE on "data", and the
//  caller's pointer is left as it was.

static void
test_convert_rejects_a_payload_that_is_not_json(void **state)
{
    (void) state;
    static const char *payloads [] = {
        "", "{", "not json", "{\"a\":1} trailing", "{\"a\":1}{\"b\":2}", "{'a':1}",
        "{\"a\":\"\xff\"}",
    };
    jb_converter_t *converter = s_converter();
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        jb_domain_event_t domain_event = jb_domain_event("TaskCompleted", "WORK-001",
                                                         payloads[i]);
        jb_event_t *event = UNTOUCHED;
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_converter_convert(converter, &domain_event, &event, &error);
        if (rc != JB_EPARSE)
            print_error("payload \"%s\": %s\n", payloads[i], jb_error_name(rc));
        assert_int_equal(rc, JB_EPARSE);
        assert_ptr_equal(event, UNTOUCHED);
        assert_int_equal(error.code, JB_EPARSE);
        assert_string_equal(error.attribute, "data");
    }
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------
//  The aggregate id becomes subject, a CloudEvents String: control
//  characters and an empty string make the event invalid.

static void
test_convert_rejects_an_aggregate_id_that_is_no_valid_subject(void **state)
{
    (void) state;
    static const char *aggregate_ids [] = {
        "WORK\x01" "001", "WORK-001\n", "\tWORK-001", "WORK\x7f", "WORK\xc2\x80",
        "WORK\xff", "",
    };
    jb_converter_t *converter = s_converter();
    for (size_t i = 0; i < sizeof aggregate_ids / sizeof aggregate_ids[0]; i++) {
        jb_domain_event_t domain_event = jb_domain_event("TaskCompleted", aggregate_ids[i],
                                                         PAYLOAD);
        jb_event_t *event = UNTOUCHED;
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_converter_convert(converter, &domain_event, &event, &error);
        if (rc != JB_EINVALID)
            print_error("aggregate id %zu: %s\n", i, jb_error_name(rc));
        assert_int_equal(rc, JB_EINVALID);
        assert_ptr_equal(event, UNTOUCHED);
        assert_string_equal(error.attribute, "subject");
    }
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------
//  A name that yields no type is JB_ECONVERT, with the builder's reason.

static void
test_convert_rejects_a_name_that_yields_no_type(void **state)
{
    (void) state;
    static const struct {
        const char *name;
        const char *reason;
    } cases [] = {
        { "Completed",      "has no aggregate" },
        { "task_completed", "is not CamelCase" },
        { "",               "needs a name" },
        { NULL,             "needs a name" },
    };
    jb_converter_t *converter = s_converter();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jb_domain_event_t domain_event = jb_domain_event(cases[i].name, "WORK-001", PAYLOAD);
        jb_event_t *event = UNTOUCHED;
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_converter_convert(converter, &domain_event, &event, &error);
        assert_int_equal(rc, JB_ECONVERT);
        assert_ptr_equal(event, UNTOUCHED);
        assert_non_null(strstr(error.message, cases[i].reason));
    }
    //  A bad explicit aggregate is the domain event's fault too.
    jb_domain_event_t domain_event = jb_domain_event("Completed", "WORK-001", PAYLOAD);
    domain_event.aggregate = "Work-Item";
    jb_event_t *event = UNTOUCHED;
    assert_int_equal(jb_converter_convert(converter, &domain_event, &event, NULL), JB_ECONVERT);
    assert_ptr_equal(event, UNTOUCHED);
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------
//  What the converter makes survives the wire: encoded in the JSON event
//  format and decoded again, it is the same event.

static void
test_converted_event_round_trips_through_the_json_format(void **state)
{
    (void) state;
    jb_converter_t *converter = s_converter();
    jb_domain_event_t domain_event = s_task_completed();
    jb_event_t *event = NULL;
    jb_error_t error;
    assert_int_equal(jb_converter_convert(converter, &domain_event, &event, &error), 0);

    char *json = NULL;
    size_t size = 0;
    int rc = jb_json_encode(event, &json, &size, &error);
    if (rc)
        print_error("encode: %s\n", error.message);
    assert_int_equal(rc, 0);
    assert_non_null(json);
    assert_int_equal(size, strlen(json));

    jb_event_t *decoded = NULL;
    rc = jb_json_decode(json, size, NULL, &decoded, &error);
    if (rc)
        print_error("decode %s: %s\n", json, error.message);
    assert_int_equal(rc, 0);
    assert_true(jb_event_equal(event, decoded));
    assert_string_equal(jb_event_id(decoded), jb_event_id(event));
    assert_string_equal(jb_event_type(decoded), "jerry.work_tracking.task.completed");
    assert_string_equal(jb_event_subject(decoded), "WORK-001");
    assert_int_equal(jb_timestamp_compare(jb_event_time(decoded), &domain_event.timestamp), 0);

    free(json);
    jb_event_destroy(&decoded);
    jb_event_destroy(&event);
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------
//  jb_domain_event stamps the event with the current UTC time and names no
//  aggregate; its strings are the caller's, not copies.

static void
test_domain_event_happened_now(void **state)
{
    (void) state;
    jb_timestamp_t before = jb_timestamp_now();
    const char *name = "TaskCompleted";
    jb_domain_event_t domain_event = jb_domain_event(name, "WORK-001", PAYLOAD);
    jb_timestamp_t after = jb_timestamp_now();
    assert_true(jb_timestamp_compare(&before, &domain_event.timestamp) <= 0);
    assert_true(jb_timestamp_compare(&domain_event.timestamp, &after) <= 0);
    assert_int_equal(domain_event.timestamp.offset_style, JB_OFFSET_Z);
    assert_ptr_equal(domain_event.name, name);
    assert_string_equal(domain_event.aggregate_id, "WORK-001");
    assert_string_equal(domain_event.payload, PAYLOAD);
    assert_null(domain_event.aggregate);
}


//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_converter_usage_example),
        cmocka_unit_test(test_new_rejects_a_source_that_is_not_a_uri_reference),
        cmocka_unit_test(test_new_rejects_a_context_that_is_not_snake_case),
        cmocka_unit_test(test_new_accepts_any_uri_reference_and_copies_its_arguments),
        cmocka_unit_test(test_destroy_accepts_null_and_is_safe_twice),
        cmocka_unit_test(test_convert_fills_every_attribute_from_the_domain_event),
        cmocka_unit_test(test_convert_gives_every_event_a_fresh_id),
        cmocka_unit_test(test_convert_takes_any_json_value_as_payload),
        cmocka_unit_test(test_convert_without_payload_gives_an_event_without_data),
        cmocka_unit_test(test_convert_without_aggregate_id_gives_an_event_without_subject),
        cmocka_unit_test(test_convert_uses_an_explicit_aggregate),
        cmocka_unit_test(test_convert_rejects_a_payload_that_is_not_json),
        cmocka_unit_test(test_convert_rejects_an_aggregate_id_that_is_no_valid_subject),
        cmocka_unit_test(test_convert_rejects_a_name_that_yields_no_type),
        cmocka_unit_test(test_converted_event_round_trips_through_the_json_format),
        cmocka_unit_test(test_domain_event_happened_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
