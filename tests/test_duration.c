/*  =========================================================================
    test_duration.c - durations as people write them (jbus/duration.h)
    ========================================================================= */

#include "testutil.h"

static int64_t
s_parse(const char *text, int64_t bare_unit_ms)
{
    int64_t ms = -1;
    jb_error_t error;
    int rc = jb_duration_parse(text, bare_unit_ms, &ms, &error);
    if (rc)
        fail_msg("\"%s\" refused: %s", text, error.message);
    return ms;
}

static void
test_each_unit_and_a_bare_number(void **state)
{
    (void) state;
    assert_int_equal(s_parse("500ms", 1), 500);
    assert_int_equal(s_parse("5s", 1), 5000);
    assert_int_equal(s_parse("2m", 1), 120000);
    assert_int_equal(s_parse("1h", 1), 3600000);
    assert_int_equal(s_parse("7d", 1), 7LL * 86400000);
    assert_int_equal(s_parse("0s", 1), 0);
    //  a bare number keeps the option's unit
    assert_int_equal(s_parse("250", 1), 250);
    assert_int_equal(s_parse("30", 1000), 30000);
    assert_int_equal(s_parse("0", 1), 0);
}

static void
test_several_units_add_up(void **state)
{
    (void) state;
    assert_int_equal(s_parse("1m30s", 1), 90000);
    assert_int_equal(s_parse("1h1m1s1ms", 1), 3661001);
    assert_int_equal(s_parse("2d12h", 1), 60LL * 3600000);
}

static void
test_what_is_not_a_duration_is_refused_with_the_reason(void **state)
{
    (void) state;
    const char *bad [] = {
        "", "s", "-5s", "+5s", "1.5s", "5 s", " 5s", "5s ", "5x", "5sec", "5S", "ms",
        "1s2s", "5s10", "10 ", "1m1m", "99999999999999999999", "9223372036854775807s",
        "5s\x1b[2J"
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad[0]; index++) {
        int64_t ms = 42;
        jb_error_t error;
        if (jb_duration_parse(bad[index], 1, &ms, &error) != JB_EINVAL)
            fail_msg("\"%s\" was taken as %lld ms", bad[index], (long long) ms);
        assert_int_equal(ms, 42);           //  untouched
        assert_true(strlen(error.message) > 0);
        //  the reason may reach a terminal: no control bytes
        for (const char *cursor = error.message; *cursor; cursor++)
            assert_true(*cursor >= ' ' && *cursor < 0x7f);
    }
    jb_error_t error;
    int64_t ms;
    assert_int_equal(jb_duration_parse("5x", 1, &ms, &error), JB_EINVAL);
    assert_non_null(strstr(error.message, "a bare number is milliseconds"));
    assert_int_equal(jb_duration_parse("5x", 1000, &ms, &error), JB_EINVAL);
    assert_non_null(strstr(error.message, "a bare number is seconds"));
}

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_each_unit_and_a_bare_number),
        cmocka_unit_test(test_several_units_add_up),
        cmocka_unit_test(test_what_is_not_a_duration_is_refused_with_the_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
