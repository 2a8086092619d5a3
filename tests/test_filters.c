/*  =========================================================================
    test_filters.c - a subscriber's filters and handlers, without sockets

    src/filters.c is compiled into this test (its functions are internal to
    the library), so the matching is checked on its own: no ZeroMQ, no wait.
    ========================================================================= */

#include "testutil.h"
#include "filters.h"

//  What the handlers of a test saw: the arg of each call, in order.
#define s_CALLS_MAX 64

typedef struct {
    const char *calls [s_CALLS_MAX];
    size_t count;
} s_log_t;

static s_log_t s_log;

static void
s_record(const jb_event_t *event, void *arg)
{
    (void) event;
    assert_true(s_log.count < s_CALLS_MAX);
    s_log.calls[s_log.count++] = (const char *) arg;
}

static int
s_reset(void **state)
{
    (void) state;
    memset(&s_log, 0, sizeof s_log);
    return 0;
}

//  Collect and call the handlers for type; how many matched.
static size_t
s_dispatch(jb__filters_t *filters, const char *type)
{
    jb_event_t *event = jb_event_new(type, "/test");
    assert_non_null(event);
    size_t count = 99;
    assert_int_equal(jb__filters_collect(filters, type, &count), 0);
    jb__filters_call(filters, event, count);
    jb_event_destroy(&event);
    return count;
}

static void
s_add(jb__filters_t *filters, const char *filter, jb_handler_fn *handler, void *arg)
{
    size_t subscription_size;
    jb_error_t error;
    if (jb__filters_add(filters, filter, handler, arg, &subscription_size, &error))
        fail_msg("add \"%s\": %s", filter, error.message);
}

//  --------------------------------------------------------------------------

static void
test_filters_example(void **state)
{
    (void) state;
    jb__filters_t *filters = jb__filters_new();
    assert_non_null(filters);

    //  a prefix, subscribed at ZeroMQ as itself, with a handler
    size_t subscription_size;
    assert_int_equal(jb__filters_add(filters, "jerry.work_tracking.", s_record, "prefix",
                                     &subscription_size, NULL), 0);
    assert_int_equal(subscription_size, strlen("jerry.work_tracking."));
    //  a pattern, subscribed at ZeroMQ as the text before its wildcard
    assert_int_equal(jb__filters_add(filters, "jerry.*.task.completed", s_record, "pattern",
                                     &subscription_size, NULL), 0);
    assert_int_equal(subscription_size, strlen("jerry."));

    assert_true(jb__filters_match_any(filters, "jerry.work_tracking.task.created"));
    assert_false(jb__filters_match_any(filters, "jerry.billing.task.created"));
    //  both match, called in the order they were registered
    assert_int_equal(s_dispatch(filters, "jerry.work_tracking.task.completed"), 2);
    assert_int_equal(s_log.count, 2);
    assert_string_equal(s_log.calls[0], "prefix");
    assert_string_equal(s_log.calls[1], "pattern");

    jb__filters_destroy(&filters);
    assert_null(filters);
    jb__filters_destroy(&filters);          //  safe twice
}

//  --------------------------------------------------------------------------

static void
test_parse_rejects_partial_and_inner_wildcards(void **state)
{
    (void) state;
    static const char *const malformed [] = {
        "jerry.wor*", "jerry.*x.y", "jerry.>.x", "jerry.>>", "a.b>"
    };
    for (size_t index = 0; index < sizeof malformed / sizeof malformed[0]; index++) {
        bool is_pattern;
        size_t subscription_size;
        jb_error_t error;
        jb_error_clear(&error);
        assert_int_equal(jb__filter_parse(malformed[index], &is_pattern, &subscription_size,
                                          &error), JB_EINVAL);
        assert_non_null(strstr(error.message, malformed[index]));
    }
    jb__filters_t *filters = jb__filters_new();
    size_t subscription_size;
    assert_int_equal(jb__filters_add(filters, "jerry.wor*", NULL, NULL, &subscription_size,
                                     NULL), JB_EINVAL);
    assert_false(jb__filters_find(filters, "jerry.wor*", &subscription_size));
    jb__filters_destroy(&filters);
}

static void
test_parse_tells_prefixes_from_patterns(void **state)
{
    (void) state;
    struct {
        const char *filter;
        bool is_pattern;
        size_t subscription_size;
    } cases [] = {
        { "", false, 0 },
        { "jerry.", false, 6 },
        { "*", true, 0 },
        { ">", true, 0 },
        { "jerry.*", true, 6 },
        { "jerry.work.>", true, 11 },
        { "a.*.b.*", true, 2 },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases[0]; index++) {
        bool is_pattern;
        size_t subscription_size;
        assert_int_equal(jb__filter_parse(cases[index].filter, &is_pattern, &subscription_size,
                                          NULL), 0);
        assert_int_equal(is_pattern, cases[index].is_pattern);
        assert_int_equal(subscription_size, cases[index].subscription_size);
    }
}

static void
test_match_any_follows_prefixes_and_patterns(void **state)
{
    (void) state;
    jb__filters_t *filters = jb__filters_new();
    assert_false(jb__filters_match_any(filters, "anything"));
    assert_false(jb__filters_has_patterns(filters));
    s_add(filters, "a.b", NULL, NULL);
    s_add(filters, "x.*.z", NULL, NULL);
    assert_true(jb__filters_has_patterns(filters));
    assert_true(jb__filters_match_any(filters, "a.b"));
    assert_true(jb__filters_match_any(filters, "a.bc"));        //  bytes, as ZeroMQ
    assert_false(jb__filters_match_any(filters, "a."));
    assert_true(jb__filters_match_any(filters, "x.y.z"));
    assert_false(jb__filters_match_any(filters, "x.y.z.w"));
    assert_false(jb__filters_match_any(filters, "x.z"));
    //  a type that holds the pattern's text literally is no prefix match
    assert_false(jb__filters_match_any(filters, "x.*.zz"));
    s_add(filters, "", NULL, NULL);
    assert_true(jb__filters_match_any(filters, "anything"));
    jb__filters_destroy(&filters);
}

static void
test_collect_keeps_registration_order_across_filters(void **state)
{
    (void) state;
    jb__filters_t *filters = jb__filters_new();
    s_add(filters, "a.", s_record, "1");
    s_add(filters, "a.*", s_record, "2");
    s_add(filters, "a.b", s_record, "3");
    s_add(filters, "a.", s_record, "4");
    s_add(filters, "a.>", s_record, "5");
    s_add(filters, "b.", s_record, "never");
    s_add(filters, "a.b.c", NULL, NULL);        //  no handler: not collected
    assert_int_equal(s_dispatch(filters, "a.b"), 5);
    static const char *const expected [] = { "1", "2", "3", "4", "5" };
    for (size_t index = 0; index < 5; index++)
        assert_string_equal(s_log.calls[index], expected[index]);
    assert_int_equal(s_dispatch(filters, "a.b.c"), 4);     //  1, 3, 4, 5
    assert_int_equal(s_dispatch(filters, "c"), 0);
    jb__filters_destroy(&filters);
}

static void
test_each_add_needs_its_own_remove(void **state)
{
    (void) state;
    jb__filters_t *filters = jb__filters_new();
    size_t subscription_size = 0;
    s_add(filters, "a.", s_record, "first");
    s_add(filters, "a.", NULL, NULL);
    assert_true(jb__filters_find(filters, "a.", &subscription_size));
    assert_int_equal(subscription_size, 2);
    jb__filters_remove(filters, "a.");
    assert_int_equal(s_dispatch(filters, "a.x"), 1);
    jb__filters_remove(filters, "a.");
    assert_false(jb__filters_find(filters, "a.", &subscription_size));
    assert_int_equal(s_dispatch(filters, "a.x"), 0);
    assert_false(jb__filters_match_any(filters, "a.x"));
    jb__filters_destroy(&filters);
}

static void
test_undo_add_takes_back_the_handler_and_the_filter(void **state)
{
    (void) state;
    jb__filters_t *filters = jb__filters_new();
    size_t subscription_size;
    s_add(filters, "a.", s_record, "kept");
    s_add(filters, "a.", s_record, "undone");
    jb__filters_undo_add(filters, "a.", true);
    assert_int_equal(s_dispatch(filters, "a.x"), 1);
    assert_string_equal(s_log.calls[0], "kept");
    s_add(filters, "p.*", NULL, NULL);
    jb__filters_undo_add(filters, "p.*", false);
    assert_false(jb__filters_find(filters, "p.*", &subscription_size));
    assert_false(jb__filters_has_patterns(filters));
    jb__filters_destroy(&filters);
}

//  A handler that removes a filter while the handlers are being called.
static jb__filters_t *s_rewired;

static void
s_remove_b(const jb_event_t *event, void *arg)
{
    s_record(event, arg);
    jb__filters_remove(s_rewired, "a.b");
    s_add(s_rewired, "a.", s_record, "added");
}

static void
test_a_handler_removed_during_the_calls_is_not_called(void **state)
{
    (void) state;
    s_rewired = jb__filters_new();
    s_add(s_rewired, "a.", s_remove_b, "remover");
    s_add(s_rewired, "a.b", s_record, "removed");
    assert_int_equal(s_dispatch(s_rewired, "a.b"), 2);
    //  the removed handler was skipped; the one added waits for the next event
    assert_int_equal(s_log.count, 1);
    assert_string_equal(s_log.calls[0], "remover");
    assert_false(jb__filters_match_any(s_rewired, "a"));
    jb__filters_destroy(&s_rewired);
}

static void
test_ten_thousand_prefixes_match_by_table(void **state)
{
    (void) state;
    jb__filters_t *filters = jb__filters_new();
    char filter [32];
    for (unsigned index = 0; index < 10000; index++) {
        snprintf(filter, sizeof filter, "p%u.", index);
        s_add(filters, filter, NULL, NULL);
    }
    s_add(filters, "q.*", NULL, NULL);
    assert_true(jb__filters_match_any(filters, "p0.x"));
    assert_true(jb__filters_match_any(filters, "p9999.x"));
    assert_false(jb__filters_match_any(filters, "p10000.x"));
    assert_false(jb__filters_match_any(filters, "p1x"));
    for (unsigned index = 0; index < 10000; index += 2) {
        snprintf(filter, sizeof filter, "p%u.", index);
        jb__filters_remove(filters, filter);
    }
    for (unsigned index = 0; index < 10000; index++) {
        snprintf(filter, sizeof filter, "p%u.type", index);
        if (jb__filters_match_any(filters, filter) != (index % 2 == 1))
            fail_msg("\"%s\" after removing the even prefixes", filter);
    }
    jb__filters_destroy(&filters);
}

//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup(test_filters_example, s_reset),
        cmocka_unit_test(test_parse_rejects_partial_and_inner_wildcards),
        cmocka_unit_test(test_parse_tells_prefixes_from_patterns),
        cmocka_unit_test(test_match_any_follows_prefixes_and_patterns),
        cmocka_unit_test_setup(test_collect_keeps_registration_order_across_filters, s_reset),
        cmocka_unit_test_setup(test_each_add_needs_its_own_remove, s_reset),
        cmocka_unit_test_setup(test_undo_add_takes_back_the_handler_and_the_filter, s_reset),
        cmocka_unit_test_setup(test_a_handler_removed_during_the_calls_is_not_called, s_reset),
        cmocka_unit_test(test_ten_thousand_prefixes_match_by_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
