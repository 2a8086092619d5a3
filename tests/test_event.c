/*  =========================================================================
    test_event.c - the CloudEvent model and its validation
    ========================================================================= */

#include "testutil.h"
#include <cjson/cJSON.h>

static void
test_make_an_event_to_publish_example(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("jerry.work_tracking.task.created", "/jerry/work-tracking");
    assert_non_null(event);
    assert_int_equal(jb_event_set_subject(event, "WORK-001"), 0);
    assert_int_equal(jb_event_set_data_json(event, "{\"task_id\":\"WORK-001\"}", SIZE_MAX, NULL), 0);
    jb_error_t error;
    assert_int_equal(jb_event_validate(event, &error), 0);

    assert_string_equal(jb_event_specversion(event), "1.0");
    assert_string_equal(jb_event_type(event), "jerry.work_tracking.task.created");
    assert_string_equal(jb_event_source(event), "/jerry/work-tracking");
    assert_non_null(jb_event_id(event));
    assert_non_null(jb_event_time(event));
    jb_event_destroy(&event);
    assert_null(event);
    jb_event_destroy(&event);                       //  safe twice
}

static bool
s_is_uuid_v4(const char *id)
{
    if (strlen(id) != 36)
        return false;
    for (int index = 0; index < 36; index++) {
        char c = id[index];
        bool dash = index == 8 || index == 13 || index == 18 || index == 23;
        if (dash? c != '-': !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return id[14] == '4' && strchr("89ab", id[19]) != NULL;
}

static void
test_new_event_gets_specversion_uuid_and_current_utc_time(void **state)
{
    (void) state;
    jb_timestamp_t before = jb_timestamp_now();
    jb_event_t *first = jb_event_new("t", "/s");
    jb_event_t *second = jb_event_new("t", "/s");
    jb_timestamp_t after = jb_timestamp_now();
    assert_true(s_is_uuid_v4(jb_event_id(first)));
    assert_true(s_is_uuid_v4(jb_event_id(second)));
    assert_string_not_equal(jb_event_id(first), jb_event_id(second));
    const jb_timestamp_t *time = jb_event_time(first);
    assert_int_equal(time->offset_style, JB_OFFSET_Z);
    assert_int_equal(time->fraction_digits, 6);
    assert_true(jb_timestamp_compare(&before, time) <= 0);
    assert_true(jb_timestamp_compare(time, &after) <= 0);
    jb_event_destroy(&first);
    jb_event_destroy(&second);
}

static void
test_caller_values_replace_generated_ones(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("t", "/s");
    assert_int_equal(jb_event_set_id(event, "order-17"), 0);
    assert_int_equal(jb_event_set_time_text(event, "2018-04-05T17:31:00.123456789+02:00", NULL), 0);
    assert_string_equal(jb_event_id(event), "order-17");
    char text [JB_TIMESTAMP_MAX];
    jb_timestamp_format(jb_event_time(event), text);
    assert_string_equal(text, "2018-04-05T17:31:00.123456789+02:00");
    jb_error_t error;
    assert_int_equal(jb_event_set_time_text(event, "2018-04-05T18:31Z", &error), JB_EINVALID);
    assert_string_equal(error.message, "attribute 'time': not an RFC 3339 timestamp: \"2018-04-05T18:31Z\"");
    jb_timestamp_format(jb_event_time(event), text);
    assert_string_equal(text, "2018-04-05T17:31:00.123456789+02:00");   //  unchanged
    jb_event_set_time(event, NULL);
    assert_null(jb_event_time(event));
    assert_int_equal(jb_event_set_subject(event, NULL), 0);
    assert_null(jb_event_subject(event));
    jb_event_destroy(&event);
}

static void
test_empty_event_has_no_attributes(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new_empty();
    assert_null(jb_event_id(event));
    assert_null(jb_event_specversion(event));
    assert_null(jb_event_time(event));
    assert_int_equal(jb_event_data_kind(event), JB_DATA_NONE);
    assert_null(jb_event_data(event, NULL));
    jb_error_t error;
    assert_int_equal(jb_event_validate(event, &error), JB_EINVALID);
    assert_string_equal(error.attribute, "specversion");
    jb_event_destroy(&event);
}

static void
test_extensions_keep_order_and_can_be_replaced_and_removed(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("t", "/s");
    jb_value_t value = jb_value_string("first");
    assert_int_equal(jb_event_set_extension(event, "zeta", &value, NULL), 0);
    value = jb_value_integer(7);
    assert_int_equal(jb_event_set_extension(event, "alpha", &value, NULL), 0);
    value = jb_value_binary("\0\1", 2);
    assert_int_equal(jb_event_set_extension(event, "zeta", &value, NULL), 0);     //  replace
    assert_int_equal(jb_event_extension_count(event), 2);
    const char *name;
    const jb_value_t *got = jb_event_extension_at(event, 0, &name);
    assert_string_equal(name, "zeta");
    assert_int_equal(got->type, JB_TYPE_BINARY);
    assert_memory_equal(got->as.binary.bytes, "\0\1", 2);
    jb_event_extension_at(event, 1, &name);
    assert_string_equal(name, "alpha");
    assert_int_equal(jb_event_set_extension(event, "zeta", NULL, NULL), 0);       //  remove
    assert_int_equal(jb_event_extension_count(event), 1);
    assert_null(jb_event_extension(event, "zeta"));
    assert_int_equal(jb_event_extension(event, "alpha")->as.integer, 7);
    assert_int_equal(jb_event_set_extension(event, "absent", NULL, NULL), 0);
    jb_event_destroy(&event);
}

static void
test_extension_names_follow_the_specification(void **state)
{
    (void) state;
    const char *bad [] = {
        "", "MyExtension", "my.extension", "my_extension", "my-ext", "ext ension", "é",
        "id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject",
        "time", "data", "data_base64",
    };
    jb_event_t *event = jb_event_new("t", "/s");
    jb_value_t value = jb_value_boolean(true);
    for (size_t index = 0; index < sizeof bad / sizeof bad[0]; index++) {
        jb_error_t error;
        jb_error_clear(&error);
        if (jb_event_set_extension(event, bad[index], &value, &error) != JB_EINVALID)
            fail_msg("accepted extension name '%s'", bad[index]);
        assert_string_equal(error.attribute, bad[index]);
    }
    const char *good [] = { "a", "ext1", "0", "comexampleextension1", "averyveryverylongname" };
    for (size_t index = 0; index < sizeof good / sizeof good[0]; index++)
        assert_int_equal(jb_event_set_extension(event, good[index], &value, NULL), 0);
    assert_int_equal(jb_event_extension_count(event), 5);
    assert_int_equal(jb_event_validate(event, NULL), 0);
    jb_event_destroy(&event);
}

//  --------------------------------------------------------------------------
//  Validation, table-driven: a change to a valid event, and the attribute
//  the error must name ("" when the change keeps it valid).

typedef void (*mutate_fn) (jb_event_t *event);

static void s_no_change(jb_event_t *e) { (void) e; }
static void s_unset_specversion(jb_event_t *e) { jb_event_set_specversion(e, NULL); }
static void s_specversion_0_3(jb_event_t *e) { jb_event_set_specversion(e, "0.3"); }
static void s_unset_id(jb_event_t *e) { jb_event_set_id(e, NULL); }
static void s_empty_id(jb_event_t *e) { jb_event_set_id(e, ""); }
static void s_control_id(jb_event_t *e) { jb_event_set_id(e, "line\nbreak"); }
static void s_c1_control_type(jb_event_t *e) { jb_event_set_type(e, "t\xc2\x9f"); }
static void s_invalid_utf8_type(jb_event_t *e) { jb_event_set_type(e, "t\xe2\x82"); }
static void s_unset_source(jb_event_t *e) { jb_event_set_source(e, NULL); }
static void s_bad_source(jb_event_t *e) { jb_event_set_source(e, "http://exa mple.com"); }
static void s_relative_source(jb_event_t *e) { jb_event_set_source(e, "1-555-123-4567"); }
static void s_unset_type(jb_event_t *e) { jb_event_set_type(e, NULL); }
static void s_bad_content_type(jb_event_t *e) { jb_event_set_datacontenttype(e, "text"); }
static void s_good_content_type(jb_event_t *e) { jb_event_set_datacontenttype(e, "text/plain; charset=utf-8"); }
static void s_relative_schema(jb_event_t *e) { jb_event_set_dataschema(e, "schemas/task"); }
static void s_urn_schema(jb_event_t *e) { jb_event_set_dataschema(e, "urn:jerry:schema:task:1"); }
static void s_empty_subject(jb_event_t *e) { jb_event_set_subject(e, ""); }
static void s_nonchar_subject(jb_event_t *e) { jb_event_set_subject(e, "\xef\xbf\xbf"); }
static void s_unicode_subject(jb_event_t *e) { jb_event_set_subject(e, "Überprüfung ✓ 😀"); }
static void s_bad_uri_extension(jb_event_t *e)
    { jb_value_t v = jb_value_uri("#frag"); jb_event_set_extension(e, "link", &v, NULL); }
static void s_bad_uri_ref_extension(jb_event_t *e)
    { jb_value_t v = jb_value_uri_ref("a b"); jb_event_set_extension(e, "ref", &v, NULL); }
static void s_bad_string_extension(jb_event_t *e)
    { jb_value_t v = jb_value_string("bell\a"); jb_event_set_extension(e, "note", &v, NULL); }
static void s_text_under_json_type(jb_event_t *e)
    { jb_event_set_datacontenttype(e, "application/json"); jb_event_set_data_text(e, "hi", 2); }
static void s_text_gets_text_plain(jb_event_t *e) { jb_event_set_data_text(e, "hi", 2); }
static void s_text_not_utf8(jb_event_t *e) { jb_event_set_data_text(e, "\xff", 1); }
static void s_json_under_text_type(jb_event_t *e)
    { jb_event_set_data_json(e, "{}", 2, NULL); jb_event_set_datacontenttype(e, "text/csv"); }
static void s_binary_under_any_type(jb_event_t *e)
    { jb_event_set_datacontenttype(e, "application/json"); jb_event_set_data_binary(e, "\xff", 1); }
static void s_empty_string_extension(jb_event_t *e)
    { jb_value_t v = jb_value_string(""); jb_event_set_extension(e, "note", &v, NULL); }

static const struct {
    const char *what;
    mutate_fn mutate;
    const char *attribute;
} validate_cases [] = {
    { "unchanged", s_no_change, "" },
    { "no specversion", s_unset_specversion, "specversion" },
    { "specversion 0.3", s_specversion_0_3, "specversion" },
    { "no id", s_unset_id, "id" },
    { "empty id", s_empty_id, "id" },
    { "newline in id", s_control_id, "id" },
    { "C1 control in type", s_c1_control_type, "type" },
    { "truncated UTF-8 in type", s_invalid_utf8_type, "type" },
    { "no source", s_unset_source, "source" },
    { "space in source", s_bad_source, "source" },
    { "relative source", s_relative_source, "" },
    { "no type", s_unset_type, "type" },
    { "content type without subtype", s_bad_content_type, "datacontenttype" },
    { "content type with parameter", s_good_content_type, "" },
    { "relative dataschema", s_relative_schema, "dataschema" },
    { "URN dataschema", s_urn_schema, "" },
    { "empty subject", s_empty_subject, "subject" },
    { "noncharacter in subject", s_nonchar_subject, "subject" },
    { "non-ASCII subject", s_unicode_subject, "" },
    { "URI extension with only a fragment", s_bad_uri_extension, "link" },
    { "URI-reference extension with a space", s_bad_uri_ref_extension, "ref" },
    { "String extension with BEL", s_bad_string_extension, "note" },
    { "empty String extension", s_empty_string_extension, "" },
    { "text data under a JSON content type", s_text_under_json_type, "data" },
    { "text data with no content type gets text/plain", s_text_gets_text_plain, "" },
    { "text data that is not UTF-8", s_text_not_utf8, "data" },
    { "JSON data under a text content type", s_json_under_text_type, "data" },
    { "bytes under any content type", s_binary_under_any_type, "" },
};

static void
test_validate_checks_every_rule(void **state)
{
    (void) state;
    for (size_t index = 0; index < sizeof validate_cases / sizeof validate_cases[0]; index++) {
        jb_event_t *event = jb_event_new("jerry.work_tracking.task.created", "/jerry/work-tracking");
        validate_cases[index].mutate(event);
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_event_validate(event, &error);
        bool expect_valid = *validate_cases[index].attribute == '\0';
        if (expect_valid? rc != 0: rc != JB_EINVALID
        ||  strcmp(error.attribute, validate_cases[index].attribute) != 0)
            fail_msg("%s: rc %d, '%s'", validate_cases[index].what, rc, error.message);
        if (!expect_valid) {
            char prefix [128];
            snprintf(prefix, sizeof prefix, "attribute '%s': ", validate_cases[index].attribute);
            assert_memory_equal(error.message, prefix, strlen(prefix));
        }
        jb_event_destroy(&event);
    }
}

static void
test_set_data_json_accepts_only_one_json_value(void **state)
{
    (void) state;
    jb_event_t *event = jb_event_new("t", "/s");
    const char *good [] = { "{}", "[1,2]", "\"s\"", "42", "null", " true ", "{\"a\":{\"b\":[]}}" };
    for (size_t index = 0; index < sizeof good / sizeof good[0]; index++)
        assert_int_equal(jb_event_set_data_json(event, good[index], SIZE_MAX, NULL), 0);
    const char *bad [] = { "", "{", "{} {}", "nope", "{\"a\":1,}", "\"\xff\"", "[1] x" };
    for (size_t index = 0; index < sizeof bad / sizeof bad[0]; index++) {
        jb_error_t error;
        if (jb_event_set_data_json(event, bad[index], SIZE_MAX, &error) != JB_EPARSE)
            fail_msg("accepted JSON data '%s'", bad[index]);
        assert_string_equal(error.attribute, "data");
    }
    size_t size;
    assert_string_equal((const char *) jb_event_data(event, &size), "{\"a\":{\"b\":[]}}");
    assert_int_equal(jb_event_data_kind(event), JB_DATA_JSON);
    //  a size shorter than the string takes only that part
    assert_int_equal(jb_event_set_data_json(event, "[1]garbage", 3, NULL), 0);
    assert_string_equal((const char *) jb_event_data(event, &size), "[1]");
    jb_event_clear_data(event);
    assert_int_equal(jb_event_data_kind(event), JB_DATA_NONE);
    jb_event_destroy(&event);
}

static void
test_equal_compares_instants_json_values_and_extensions_in_any_order(void **state)
{
    (void) state;
    jb_event_t *a = jb_event_new("t", "/s");
    jb_event_set_id(a, "same");
    jb_event_set_time_text(a, "2018-04-05T17:31:00Z", NULL);
    jb_event_set_data_json(a, "{\"x\":1,\"y\":[true]}", SIZE_MAX, NULL);
    jb_value_t one = jb_value_integer(1), yes = jb_value_boolean(true);
    jb_event_set_extension(a, "one", &one, NULL);
    jb_event_set_extension(a, "yes", &yes, NULL);

    jb_event_t *b = jb_event_dup(a);
    assert_true(jb_event_equal(a, b));
    jb_event_set_time_text(b, "2018-04-05T18:31:00.000+01:00", NULL);
    jb_event_set_data_json(b, "{ \"x\" : 1, \"y\" : [ true ] }", SIZE_MAX, NULL);
    jb_event_set_extension(b, "one", NULL, NULL);
    jb_event_set_extension(b, "one", &one, NULL);           //  now after "yes"
    assert_true(jb_event_equal(a, b));

    jb_event_set_time_text(b, "2018-04-05T17:31:00.000000001Z", NULL);
    assert_false(jb_event_equal(a, b));
    jb_event_set_time_text(b, "2018-04-05T17:31:00Z", NULL);
    jb_event_set_data_json(b, "{\"x\":2,\"y\":[true]}", SIZE_MAX, NULL);
    assert_false(jb_event_equal(a, b));
    jb_event_set_data_json(b, "{\"x\":1,\"y\":[true]}", SIZE_MAX, NULL);
    jb_value_t other = jb_value_string("1");
    jb_event_set_extension(b, "one", &other, NULL);         //  same text, other type
    assert_false(jb_event_equal(a, b));
    jb_event_set_extension(b, "one", &one, NULL);
    jb_event_set_subject(b, "extra");
    assert_false(jb_event_equal(a, b));
    jb_event_set_subject(b, NULL);
    assert_true(jb_event_equal(a, b));
    jb_event_set_data_text(b, "{\"x\":1,\"y\":[true]}", SIZE_MAX);     //  text is not JSON
    assert_false(jb_event_equal(a, b));
    jb_event_destroy(&a);
    jb_event_destroy(&b);
}

static void
test_type_names_follow_the_specification(void **state)
{
    (void) state;
    assert_string_equal(jb_type_name(JB_TYPE_BOOLEAN), "Boolean");
    assert_string_equal(jb_type_name(JB_TYPE_INTEGER), "Integer");
    assert_string_equal(jb_type_name(JB_TYPE_STRING), "String");
    assert_string_equal(jb_type_name(JB_TYPE_BINARY), "Binary");
    assert_string_equal(jb_type_name(JB_TYPE_URI), "URI");
    assert_string_equal(jb_type_name(JB_TYPE_URI_REF), "URI-reference");
    assert_string_equal(jb_type_name(JB_TYPE_TIMESTAMP), "Timestamp");
}

static void
test_error_codes_have_names_and_texts(void **state)
{
    (void) state;
    assert_string_equal(jb_error_name(JB_EPARSE), "JB_EPARSE");
    assert_string_equal(jb_strerror(JB_EPARSE), "malformed input");
    assert_string_equal(jb_error_name(JB_EINVALID), "JB_EINVALID");
    assert_string_equal(jb_error_name(0), "JB_OK");
    assert_string_equal(jb_error_name(-9999), "JB_UNKNOWN");
    assert_string_equal(jb_strerror(-9999), "unknown error");
    assert_true(JB_EINVAL < 0 && JB_ENOMEM < 0 && JB_ETIMEDOUT < 0);
    jb_error_t error;
    jb_error_clear(&error);
    assert_int_equal(error.code, 0);
    assert_string_equal(error.message, "");
    jb_error_clear(NULL);
}

//  JSON data is checked by jbus's own scanner (json_check.c): a table of
//  edge cases, then random texts compared with cJSON's verdict.
static void
test_json_data_check_follows_rfc_8259(void **state)
{
    (void) state;
    const char *valid [] = {
        "0", "-0", "1.5", "-1.5e+10", "1E-2", "123456789012345678901234567890", "true",
        "false", "null", "\"\"", "\"\\u00e9\\ud83d\\ude00\\n\\/\"", "\"é😀\"", "[]", "{}",
        " [ 1 , [ ] , { } ] ", "{\"a\":{\"b\":[null,{\"c\":\"d\"}]}}", "\t\r\n 7 \n",
    };
    const char *invalid [] = {
        "", " ", "01", "1.", ".5", "-", "1e", "1e+", "+1", "0x10", "NaN", "tru", "nul",
        "[1,]", "[,1]", "{\"a\" 1}", "{\"a\":}", "{,}", "{\"a\":1,}", "{1:2}", "[1 2]",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\tb\"",
        "\"\xff\"", "\"\xc3\"", "\xef\xbb\xbf{}", "[]]", "{}{}", "[1]x", "'a'",
    };
    jb_event_t *event = jb_event_new("t", "/s");
    for (size_t index = 0; index < sizeof valid / sizeof valid[0]; index++)
        if (jb_event_set_data_json(event, valid[index], SIZE_MAX, NULL))
            fail_msg("rejected valid JSON: %s", valid[index]);
    for (size_t index = 0; index < sizeof invalid / sizeof invalid[0]; index++) {
        jb_error_t error;
        if (jb_event_set_data_json(event, invalid[index], SIZE_MAX, &error) != JB_EPARSE)
            fail_msg("accepted invalid JSON: %s", invalid[index]);
        assert_non_null(strstr(error.message, "byte"));
    }
    //  nesting: 1000 levels are fine, 1001 are not
    char deep [2004];
    memset(deep, '[', 1000);
    memset(deep + 1000, ']', 1000);
    assert_int_equal(jb_event_set_data_json(event, deep, 2000, NULL), 0);
    memset(deep, '[', 1001);
    memset(deep + 1001, ']', 1001);
    assert_int_equal(jb_event_set_data_json(event, deep, 2002, NULL), JB_EPARSE);

    //  random ASCII texts without escapes, where cJSON and RFC 8259 agree
    const char alphabet [] = "{}[]\",:01-.eE+ ntruefalsx";
    uint32_t random = 2654435761u;
    char text [25];
    for (int round = 0; round < 200000; round++) {
        size_t size = 1 + round % (sizeof text - 1);
        for (size_t index = 0; index < size; index++) {
            random ^= random << 13; random ^= random >> 17; random ^= random << 5;
            text[index] = alphabet[random % (sizeof alphabet - 1)];
        }
        text[size] = '\0';
        const char *end = NULL;
        cJSON *tree = cJSON_ParseWithLengthOpts(text, size, &end, false);
        bool cjson_accepts = tree != NULL;
        while (cjson_accepts && end < text + size)
            if (*end++ != ' ')
                cjson_accepts = false;
        cJSON_Delete(tree);
        bool jbus_accepts = jb_event_set_data_json(event, text, size, NULL) == 0;
        //  jbus is never more lenient; cJSON also takes numbers RFC 8259
        //  forbids ("00", "1.", "-.5" through strtod), the only difference
        bool has_digit = strpbrk(text, "0123456789") && memchr(text, '\0', size) == NULL;
        if ((jbus_accepts && !cjson_accepts) || (cjson_accepts && !jbus_accepts && !has_digit))
            fail_msg("'%.*s': cJSON %d, jbus %d", (int) size, text, cjson_accepts, jbus_accepts);
    }
    jb_event_destroy(&event);
}

static void
test_extensions_convert_from_their_canonical_string_encoding(void **state)
{
    (void) state;
    struct {
        jb_type_t type;
        const char *text;
        bool valid;
    } cases [] = {
        { JB_TYPE_BOOLEAN, "true", true }, { JB_TYPE_BOOLEAN, "false", true },
        { JB_TYPE_BOOLEAN, "True", false }, { JB_TYPE_BOOLEAN, "1", false },
        { JB_TYPE_INTEGER, "0", true }, { JB_TYPE_INTEGER, "-0", true },
        { JB_TYPE_INTEGER, "2147483647", true }, { JB_TYPE_INTEGER, "-2147483648", true },
        { JB_TYPE_INTEGER, "2147483648", false }, { JB_TYPE_INTEGER, "+1", false },
        { JB_TYPE_INTEGER, "01", false }, { JB_TYPE_INTEGER, "1.0", false },
        { JB_TYPE_INTEGER, "", false }, { JB_TYPE_INTEGER, "-", false },
        { JB_TYPE_INTEGER, "99999999999", false },
        { JB_TYPE_BINARY, "TWE=", true }, { JB_TYPE_BINARY, "", true },
        { JB_TYPE_BINARY, "TWE", false }, { JB_TYPE_BINARY, "T W E=", false },
        { JB_TYPE_TIMESTAMP, "2023-03-31T15:12:00Z", true },
        { JB_TYPE_TIMESTAMP, "2023-03-31", false },
        { JB_TYPE_STRING, "anything", true }, { JB_TYPE_URI, "https://x.io", true },
        { JB_TYPE_URI_REF, "#f", true },
    };
    jb_event_t *event = jb_event_new("t", "/s");
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_event_set_extension_text(event, "ext", cases[index].type, cases[index].text, &error);
        if ((rc == 0) != cases[index].valid)
            fail_msg("%s \"%s\": rc %d %s", jb_type_name(cases[index].type), cases[index].text,
                     rc, error.message);
        if (rc == 0)
            assert_int_equal(jb_event_extension(event, "ext")->type, cases[index].type);
        else
            assert_string_equal(error.attribute, "ext");
    }
    assert_int_equal(jb_event_set_extension_text(event, "ext", JB_TYPE_INTEGER, "-42", NULL), 0);
    assert_int_equal(jb_event_extension(event, "ext")->as.integer, -42);
    assert_int_equal(jb_event_set_extension_text(event, "ext", JB_TYPE_BINARY, "TWE=", NULL), 0);
    assert_memory_equal(jb_event_extension(event, "ext")->as.binary.bytes, "Ma", 2);
    assert_int_equal(jb_event_set_extension_text(event, "Bad", JB_TYPE_STRING, "x", NULL), JB_EINVALID);
    jb_event_destroy(&event);
}

//  --------------------------------------------------------------------------
//  A value borrowed from the event itself can be set as another extension,
//  also when the table must grow (and the arena is full, so the old table
//  goes back to the heap): a use after free once.

static void
test_an_extension_value_of_the_event_itself_can_be_copied(void **state)
{
    (void) state;
    char source [701];
    memset(source, 's', sizeof source - 1);
    source[0] = '/';
    source[sizeof source - 1] = '\0';
    jb_event_t *event = jb_event_new("jerry.test.thing.happened", source);
    assert_non_null(event);
    const char *names [] = { "a", "b", "c", "d", "e", "f", "g", "h", "i" };
    for (size_t index = 0; index < 4; index++) {
        jb_value_t value = jb_value_string(names[index]);
        assert_int_equal(jb_event_set_extension(event, names[index], &value, NULL), 0);
    }
    //  each call may grow the table that its value points into
    for (size_t index = 4; index < 9; index++)
        assert_int_equal(jb_event_set_extension(event, names[index],
                                                jb_event_extension(event, names[index - 4]),
                                                NULL), 0);
    for (size_t index = 4; index < 9; index++) {
        const jb_value_t *value = jb_event_extension(event, names[index]);
        assert_non_null(value);
        assert_int_equal(value->type, JB_TYPE_STRING);
        //  i copies e, which copied a
        assert_string_equal(value->as.string, names[(index - 4) % 4]);
    }
    assert_int_equal(jb_event_validate(event, NULL), 0);
    jb_event_destroy(&event);
}

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_make_an_event_to_publish_example),
        cmocka_unit_test(test_new_event_gets_specversion_uuid_and_current_utc_time),
        cmocka_unit_test(test_caller_values_replace_generated_ones),
        cmocka_unit_test(test_empty_event_has_no_attributes),
        cmocka_unit_test(test_extensions_keep_order_and_can_be_replaced_and_removed),
        cmocka_unit_test(test_extension_names_follow_the_specification),
        cmocka_unit_test(test_validate_checks_every_rule),
        cmocka_unit_test(test_set_data_json_accepts_only_one_json_value),
        cmocka_unit_test(test_json_data_check_follows_rfc_8259),
        cmocka_unit_test(test_extensions_convert_from_their_canonical_string_encoding),
        cmocka_unit_test(test_equal_compares_instants_json_values_and_extensions_in_any_order),
        cmocka_unit_test(test_type_names_follow_the_specification),
        cmocka_unit_test(test_error_codes_have_names_and_texts),
        cmocka_unit_test(test_an_extension_value_of_the_event_itself_can_be_copied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
