/*  =========================================================================
    test_media_type.c - media type syntax and classification
    ========================================================================= */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "jbus/media_type.h"

//  One row of a table: an input and the answer expected for it.
typedef struct {
    const char *text;
    bool expected;
} media_case_t;

//  --------------------------------------------------------------------------
//  Run check over a table and report every row that disagrees, so one run
//  shows the whole picture.

static void
s_check_table(const char *what, bool (*check)(const char *),
              const media_case_t *cases, size_t count)
{
    int failures = 0;
    for (size_t i = 0; i < count; i++) {
        bool actual = check(cases[i].text);
        if (actual != cases[i].expected) {
            print_error("%s(\"%s\") is %d, expected %d\n",
                        what, cases[i].text? cases[i].text: "(null)",
                        actual, cases[i].expected);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

#define CHECK_TABLE(check, cases) \
    s_check_table(#check, check, cases, sizeof(cases) / sizeof(cases[0]))


//  --------------------------------------------------------------------------
//  How an event codec uses the module: validate datacontenttype, decide
//  whether data is stored as JSON, and recognise a structured-mode message
//  from its content type.

static void
test_media_type_classifies_a_cloudevents_content_type(void **state)
{
    (void) state;
    const char *content_type = "application/cloudevents+json; charset=utf-8";
    assert_true(jb_media_type_is_valid(content_type));
    //  The "+json" suffix makes it JSON for the data attribute
    assert_true(jb_media_type_is_json(content_type));
    //  Parameters do not take part in an essence comparison
    assert_true(jb_media_type_matches(content_type, "application/cloudevents+json"));
    //  A transport header need not be NUL-terminated: give the size
    assert_true(jb_media_type_has_prefix(content_type, strlen(content_type),
                                         "application/cloudevents"));

    //  No content type at all means JSON in the CloudEvents JSON format
    assert_true(jb_media_type_is_json(NULL));
    assert_false(jb_media_type_is_json("text/plain"));
    assert_false(jb_media_type_is_valid("text/plain;"));
}


//  --------------------------------------------------------------------------

static void
test_media_type_accepts_valid_syntax(void **state)
{
    (void) state;
    static const media_case_t cases[] = {
        { "application/json", true },
        { "text/plain", true },
        { "application/cloudevents+json; charset=utf-8", true },
        { "text/plain;charset=\"utf-8\"", true },
        { "application/vnd.apache.thrift.binary", true },
        { "application/cloudevents-batch+json", true },
        { "application/octet-stream", true },
        { "image/svg+xml", true },
        { "TEXT/HTML; Charset=UTF-8", true },
        { "multipart/form-data; boundary=something", true },
        { "text/plain;charset=utf-8", true },
        { "text/plain ;charset=utf-8", true },
        { "text/plain\t;\tcharset=utf-8", true },
        { "text/plain  ;  charset=utf-8", true },
        { "text/plain; a=1; b=2;c=3", true },
        { "text/plain; a=\"\"", true },                 //  empty quoted value
        { "text/plain; a=\"x y\"", true },
        { "text/plain; a=\"semi;colon\"", true },
        { "text/plain; a=\"a\\\"b\"", true },           //  escaped quote
        { "text/plain; a=\"a\\\\b\"", true },           //  escaped backslash
        { "text/plain; a=\"tab\there\"", true },
        { "text/plain; a=\"\\\t\"", true },
        { "text/plain; a=\"caf\xC3\xA9\"", true },      //  obs-text
        { "text/plain; a=\"\\\xFF\"", true },
        { "!#$%&'*+-.^_`|~/!#$%&'*+-.^_`|~", true },    //  every tchar
        { "a/b", true },
        { "0/9", true },
        { "*/*", true },
        { "a/b; !#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~", true },
    };
    CHECK_TABLE(jb_media_type_is_valid, cases);
}


//  --------------------------------------------------------------------------

static void
test_media_type_rejects_invalid_syntax(void **state)
{
    (void) state;
    static const media_case_t cases[] = {
        { NULL, false },
        { "xyz", false },
        { "", false },
        { "/", false },
        { "text/", false },
        { "/json", false },
        { "text/plain;", false },
        { "text/plain; ", false },
        { "text/plain;;charset=utf-8", false },
        { "text/plain; charset", false },
        { "text/plain; charset=", false },
        { "text/plain; =utf-8", false },
        { "text/plain; charset = utf-8", false },
        { "text/plain; charset=utf 8", false },
        { "text/plain charset=utf-8", false },
        { "text /plain", false },
        { "text/ plain", false },
        { " text/plain", false },
        { "text/plain ", false },
        { "text/plain\t", false },
        { "text/plain/x", false },
        { "text//plain", false },
        { "text/pl(ain", false },
        { "te,xt/plain", false },
        { "text/pl@in", false },
        { "text/plain; a=b=c", false },
        { "text/plain; a=\"unterminated", false },
        { "text/plain; a=\"x\"y", false },
        { "text/plain; a=\"x\"\"", false },
        { "text/plain; a=\"trailing\\", false },        //  quoted-pair cut short
        { "text/plain; a=\"bad\\\x01\"", false },
        { "text/plain; a=\"bad\x01\"", false },
        { "text/plain; a=\"del\x7F\"", false },
        { "text/plain; a=\"nl\n\"", false },
        { "text/plain; a=b\"c\"", false },
        { "text/plain\r\n", false },
        { "text/pl\xC3\xA1in", false },                 //  obs-text only in quotes
        { "text/plain; a=caf\xC3\xA9", false },
        { "text/plain; a=\"x\" ;", false },
    };
    CHECK_TABLE(jb_media_type_is_valid, cases);
}


//  --------------------------------------------------------------------------

static void
test_is_json_accepts_json_and_json_suffix(void **state)
{
    (void) state;
    static const media_case_t cases[] = {
        { NULL, true },
        { "application/json", true },
        { "APPLICATION/JSON", true },
        { "Application/Json", true },
        { "application/cloudevents+json", true },
        { "application/cloudevents+JSON", true },
        { "application/cloudevents-batch+json", true },
        { "application/ld+json", true },
        { "application/vnd.api+json; charset=utf-8", true },
        { "text/json; charset=utf-8", true },
        { "text/json", true },
        { "application/json;charset=utf-8", true },
        { "application/json ; charset=utf-8", true },
        { " application/json", true },
        { "application/json ", true },
        { "foo/json", true },
    };
    CHECK_TABLE(jb_media_type_is_json, cases);
}


//  --------------------------------------------------------------------------

static void
test_is_json_rejects_other_types(void **state)
{
    (void) state;
    static const media_case_t cases[] = {
        { "", false },
        { "json", false },
        { "/json", false },
        { "text/plain", false },
        { "application/jsonx", false },
        { "application/json-seq", false },
        { "application/xjson", false },
        { "application/+json", false },         //  a suffix needs a name
        { "application/json+xml", false },
        { "application/cloudevents+json5", false },
        { "application/octet-stream", false },
        { "application/xml; note=json", false },
        { "application/xml; a=\"+json\"", false },
        { "application/js on", false },
        { "text/plain; charset=json", false },
    };
    CHECK_TABLE(jb_media_type_is_json, cases);
}


//  --------------------------------------------------------------------------

static void
test_matches_compares_essence_ignoring_case_and_parameters(void **state)
{
    (void) state;
    static const char *essence = "application/cloudevents+json";
    static const media_case_t cases[] = {
        { NULL, false },
        { "", false },
        { "application/cloudevents+json", true },
        { "Application/CloudEvents+JSON", true },
        { "application/cloudevents+json; charset=utf-8", true },
        { "application/cloudevents+json;charset=utf-8", true },
        { "application/cloudevents+json ; charset=utf-8", true },
        { "application/cloudevents+json ", true },
        { "application/cloudevents", false },
        { "application/cloudevents+jsonx", false },
        { "application/cloudevents-batch+json", false },
        { "application/json", false },
        { "xapplication/cloudevents+json", false },
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool actual = jb_media_type_matches(cases[i].text, essence);
        if (actual != cases[i].expected) {
            print_error("matches(\"%s\") is %d, expected %d\n",
                        cases[i].text? cases[i].text: "(null)", actual, cases[i].expected);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
    assert_true(jb_media_type_matches("TEXT/plain", "text/PLAIN"));
}


//  --------------------------------------------------------------------------

static void
test_has_prefix_compares_the_first_size_bytes_ignoring_case(void **state)
{
    (void) state;
    const char *prefix = "application/cloudevents";
    const char *batch = "application/cloudevents-batch+json";
    assert_true(jb_media_type_has_prefix(batch, strlen(batch), prefix));
    assert_true(jb_media_type_has_prefix("APPLICATION/CloudEvents+json", 28, prefix));
    assert_true(jb_media_type_has_prefix(prefix, strlen(prefix), prefix));
    assert_false(jb_media_type_has_prefix("application/json", 16, prefix));
    assert_false(jb_media_type_has_prefix("application/cloud", 17, prefix));
    assert_false(jb_media_type_has_prefix(NULL, 0, prefix));
    //  Only size bytes count, even when more follow
    assert_false(jb_media_type_has_prefix(batch, strlen(prefix) - 1, prefix));
    assert_true(jb_media_type_has_prefix(batch, strlen(prefix), prefix));
    //  An empty prefix is a prefix of anything
    assert_true(jb_media_type_has_prefix("", 0, ""));
    //  A NUL inside the span does not end it early, it just fails to match
    static const char with_nul[] = "application/\0cloudevents";
    assert_false(jb_media_type_has_prefix(with_nul, sizeof(with_nul) - 1, prefix));

    //  The text is an exact-size heap copy without a terminator, so ASan
    //  would catch a read past size
    size_t size = strlen(prefix);
    char *exact = test_malloc(size);
    memcpy(exact, prefix, size);
    assert_true(jb_media_type_has_prefix(exact, size, prefix));
    assert_false(jb_media_type_has_prefix(exact, size, "application/cloudevents+json"));
    test_free(exact);
}


//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_media_type_classifies_a_cloudevents_content_type),
        cmocka_unit_test(test_media_type_accepts_valid_syntax),
        cmocka_unit_test(test_media_type_rejects_invalid_syntax),
        cmocka_unit_test(test_is_json_accepts_json_and_json_suffix),
        cmocka_unit_test(test_is_json_rejects_other_types),
        cmocka_unit_test(test_matches_compares_essence_ignoring_case_and_parameters),
        cmocka_unit_test(test_has_prefix_compares_the_first_size_bytes_ignoring_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
