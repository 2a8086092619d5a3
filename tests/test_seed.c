/*  =========================================================================
    test_seed.c - the pattern document's tests (PAT-EVT-002), in C

    The seed pattern that jbus grew from ends with three Python tests. They
    are translated here one for one, keeping their intent and names, with
    the jbus API in place of the Python classes:
        CloudEvent(...)                 jb_event_new + setters
        to_dict() / from_dict()         jb_json_encode / jb_json_decode
        DomainToCloudEventConverter     jb_converter_t
        TaskCompleted(task_id=...)      jb_domain_event_t named "TaskCompleted"
    Where the pattern and the CloudEvents specification differ (see
    ../shared/seed/NOTES.md), these tests follow jbus: the id is a UUIDv4
    that jbus generates, and data is compared as JSON values.
    ========================================================================= */

#include "testutil.h"
#include <cjson/cJSON.h>

//  True when two texts are the same JSON value, as Python's == on dicts.
static bool
s_same_json(const char *a, const char *b)
{
    cJSON *tree_a = cJSON_Parse(a);
    cJSON *tree_b = cJSON_Parse(b);
    bool same = tree_a && tree_b && cJSON_Compare(tree_a, tree_b, true);
    cJSON_Delete(tree_a);
    cJSON_Delete(tree_b);
    return same;
}


//  --------------------------------------------------------------------------
//  """CloudEvent has all required fields per spec."""
//  An event made with a type, a source and data has the four required
//  attributes: specversion 1.0, type, source, and an id jbus generated.

static void
test_cloud_event_has_required_attributes(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("jerry.work_tracking.task.created", "/jerry/work-tracking");
    assert_non_null(event);
    assert_int_equal(jb_event_set_data_json(event, "{\"task_id\": \"WORK-001\"}", SIZE_MAX,
                                            NULL), 0);

    assert_string_equal(jb_event_specversion(event), "1.0");
    assert_string_equal(jb_event_type(event), "jerry.work_tracking.task.created");
    assert_string_equal(jb_event_source(event), "/jerry/work-tracking");
    assert_non_null(jb_event_id(event));
    assert_int_equal(strlen(jb_event_id(event)), 36);      //  a UUID, as in the pattern
    //  "per spec": the event is a valid CloudEvent as it stands.
    jb_error_t error;
    assert_int_equal(jb_event_validate(event, &error), 0);

    jb_event_destroy(&event);
}


//  --------------------------------------------------------------------------
//  """CloudEvent serializes and deserializes correctly."""
//  to_dict/from_dict become the CloudEvents JSON format, so the round trip
//  goes through the text that would travel on the bus.

static void
test_cloud_event_serialization_roundtrip(void **state)
{
    (void) state;
    jb_event_t *original = jb_event_new("jerry.work_tracking.task.completed",
                                        "/jerry/work-tracking");
    assert_non_null(original);
    assert_int_equal(jb_event_set_subject(original, "WORK-001"), 0);
    assert_int_equal(jb_event_set_data_json(original,
                                            "{\"completed_at\": \"2026-01-11T10:00:00Z\"}",
                                            SIZE_MAX, NULL), 0);

    jb_error_t error;
    char *serialized = NULL;
    size_t size = 0;
    int rc = jb_json_encode(original, &serialized, &size, &error);
    if (rc)
        print_error("encode: %s\n", error.message);
    assert_int_equal(rc, 0);
    jb_event_t *restored = NULL;
    rc = jb_json_decode(serialized, size, NULL, &restored, &error);
    if (rc)
        print_error("decode %s: %s\n", serialized, error.message);
    assert_int_equal(rc, 0);

    assert_string_equal(jb_event_type(restored), jb_event_type(original));
    assert_string_equal(jb_event_source(restored), jb_event_source(original));
    assert_string_equal(jb_event_subject(restored), jb_event_subject(original));
    assert_int_equal(jb_event_data_kind(restored), JB_DATA_JSON);
    assert_true(s_same_json(jb_event_data(restored, NULL), jb_event_data(original, NULL)));
    //  And, beyond what the pattern checks, nothing else changed either.
    assert_true(jb_event_equal(restored, original));

    free(serialized);
    jb_event_destroy(&restored);
    jb_event_destroy(&original);
}


//  --------------------------------------------------------------------------
//  """Domain events convert to CloudEvents correctly."""
//  TaskCompleted(task_id="WORK-001", completed_at=now) is a domain event
//  named TaskCompleted about aggregate WORK-001, with its fields as payload.

static void
test_domain_to_cloud_event_conversion(void **state)
{
    (void) state;
    jb_timestamp_t now = jb_timestamp_now();
    char completed_at [JB_TIMESTAMP_MAX];
    jb_timestamp_format(&now, completed_at);
    char payload [128];
    snprintf(payload, sizeof payload,
             "{\"task_id\": \"WORK-001\", \"completed_at\": \"%s\"}", completed_at);
    jb_domain_event_t domain_event = jb_domain_event("TaskCompleted", "WORK-001", payload);

    jb_error_t error;
    jb_converter_t *converter = jb_converter_new("/jerry/work-tracking", "work_tracking",
                                                 &error);
    assert_non_null(converter);
    jb_event_t *cloud_event = NULL;
    int rc = jb_converter_convert(converter, &domain_event, &cloud_event, &error);
    if (rc)
        print_error("convert: %s\n", error.message);
    assert_int_equal(rc, 0);

    assert_string_equal(jb_event_type(cloud_event), "jerry.work_tracking.task.completed");
    assert_string_equal(jb_event_source(cloud_event), "/jerry/work-tracking");
    assert_string_equal(jb_event_subject(cloud_event), "WORK-001");
    //  The pattern's converter also carries time and data across.
    assert_int_equal(jb_timestamp_compare(jb_event_time(cloud_event), &domain_event.timestamp), 0);
    assert_true(s_same_json(jb_event_data(cloud_event, NULL), payload));

    jb_event_destroy(&cloud_event);
    jb_converter_destroy(&converter);
}


//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cloud_event_has_required_attributes),
        cmocka_unit_test(test_cloud_event_serialization_roundtrip),
        cmocka_unit_test(test_domain_to_cloud_event_conversion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
