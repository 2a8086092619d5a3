/*  =========================================================================
    test_timestamp.c - RFC 3339 timestamps: parse, format, compare, now
    ========================================================================= */

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "jbus/error.h"
#include "jbus/timestamp.h"

//  Parse a NUL-terminated text.
static int
s_parse(const char *text, jb_timestamp_t *timestamp)
{
    return jb_timestamp_parse(text, strlen(text), timestamp);
}

//  The text as format writes it: "T" and "Z" upper case.
static void
s_upper(const char *text, char *upper)
{
    size_t index;
    for (index = 0; text[index]; index++)
        upper[index] = (char) toupper((unsigned char) text[index]);
    upper[index] = '\0';
}


//  --------------------------------------------------------------------------
//  How a codec uses the module: parse the "time" attribute, keep the value,
//  write it back exactly as it came.

static void
test_timestamp_usage_example(void **state)
{
    (void) state;
    const char *text = "2018-04-05T18:31:00.250+01:00";
    jb_timestamp_t time;
    assert_int_equal(jb_timestamp_parse(text, strlen(text), &time), 0);

    //  The instant is 17:31:00.25 UTC; the offset and digits are kept
    assert_int_equal(time.seconds, 1522949460);
    assert_int_equal(time.nanoseconds, 250000000);
    assert_int_equal(time.offset_minutes, 60);
    assert_int_equal(time.offset_style, JB_OFFSET_NUMERIC);
    assert_int_equal(time.fraction_digits, 3);

    char buffer[JB_TIMESTAMP_MAX];
    size_t length = jb_timestamp_format(&time, buffer);
    assert_string_equal(buffer, text);
    assert_int_equal(length, strlen(text));

    //  The same instant written in UTC compares equal
    jb_timestamp_t utc;
    assert_int_equal(s_parse("2018-04-05T17:31:00.25Z", &utc), 0);
    assert_int_equal(jb_timestamp_compare(&time, &utc), 0);

    //  Timestamps made by the publisher
    jb_timestamp_t now = jb_timestamp_now();
    assert_true(jb_timestamp_compare(&now, &time) > 0);
    jb_timestamp_t epoch = jb_timestamp_from_unix(0, 0, 0);
    jb_timestamp_format(&epoch, buffer);
    assert_string_equal(buffer, "1970-01-01T00:00:00Z");
}


//  --------------------------------------------------------------------------

typedef struct {
    const char *text;
    int64_t seconds;
    int32_t nanoseconds;
    int offset_minutes;
    jb_offset_style_t offset_style;
    int fraction_digits;
    bool leap_second;
} valid_case_t;

static const valid_case_t s_valid_cases[] = {
    //  The conformance instants: all equal
    { "2018-04-05T17:31:00Z",            1522949460, 0,   0, JB_OFFSET_Z,       0, false },
    { "2018-04-05T17:31:00.000000000Z",  1522949460, 0,   0, JB_OFFSET_Z,       9, false },
    { "2018-04-05T18:31:00+01:00",       1522949460, 0,  60, JB_OFFSET_NUMERIC, 0, false },
    { "2018-04-05T16:31:00-01:00",       1522949460, 0, -60, JB_OFFSET_NUMERIC, 0, false },
    //  Lower-case "t" and "z"
    { "2018-04-05t17:31:00z",            1522949460, 0,   0, JB_OFFSET_Z,       0, false },
    { "2018-04-05t17:31:00.5z",          1522949460, 500000000, 0, JB_OFFSET_Z, 1, false },
    //  "+00:00" is a numeric offset, "-00:00" an unknown one
    { "2018-04-05T17:31:00+00:00",       1522949460, 0,   0, JB_OFFSET_NUMERIC, 0, false },
    { "2018-04-05T17:31:00-00:00",       1522949460, 0,   0, JB_OFFSET_UNKNOWN, 0, false },
    //  Fractions of every width
    { "2018-04-05T17:31:00.1Z",          1522949460, 100000000, 0, JB_OFFSET_Z, 1, false },
    { "2018-04-05T17:31:00.12Z",         1522949460, 120000000, 0, JB_OFFSET_Z, 2, false },
    { "2018-04-05T17:31:00.123Z",        1522949460, 123000000, 0, JB_OFFSET_Z, 3, false },
    { "2018-04-05T17:31:00.000001Z",     1522949460,      1000, 0, JB_OFFSET_Z, 6, false },
    { "2018-04-05T17:31:00.123456789Z",  1522949460, 123456789, 0, JB_OFFSET_Z, 9, false },
    { "2018-04-05T17:31:00.000000001Z",  1522949460,         1, 0, JB_OFFSET_Z, 9, false },
    //  Odd offsets, and the widest
    { "2018-04-05T23:01:00+05:30",       1522949460, 0, 330, JB_OFFSET_NUMERIC, 0, false },
    { "2018-04-05T12:01:00-05:30",       1522949460, 0, -330, JB_OFFSET_NUMERIC, 0, false },
    { "2018-04-06T17:30:00+23:59",       1522949460, 0, 1439, JB_OFFSET_NUMERIC, 0, false },
    { "2018-04-04T17:32:00-23:59",       1522949460, 0, -1439, JB_OFFSET_NUMERIC, 0, false },
    //  Leap days, including the 400-year rule
    { "2024-02-29T12:00:00Z",            1709208000, 0,   0, JB_OFFSET_Z,       0, false },
    { "2000-02-29T00:00:00Z",             951782400, 0,   0, JB_OFFSET_Z,       0, false },
    //  Leap seconds: stored as the instant after them
    { "2016-12-31T23:59:60Z",            1483228800, 0,   0, JB_OFFSET_Z,       0, true },
    { "2017-01-01T00:59:60+01:00",       1483228800, 0,  60, JB_OFFSET_NUMERIC, 0, true },
    { "2016-12-31T18:29:60-05:30",       1483228800, 0, -330, JB_OFFSET_NUMERIC, 0, true },
    { "2016-12-31T23:59:60.999999999-00:00", 1483228800, 999999999, 0, JB_OFFSET_UNKNOWN, 9, true },
    { "2015-06-30T23:59:60.5Z",          1435708800, 500000000, 0, JB_OFFSET_Z, 1, true },
    //  Around the Unix epoch
    { "1970-01-01T00:00:00Z",                     0, 0,   0, JB_OFFSET_Z,       0, false },
    { "1969-12-31T23:59:59.999999999Z",          -1, 999999999, 0, JB_OFFSET_Z, 9, false },
    //  The extremes of RFC 3339's four-digit years, also where UTC leaves them
    { "0000-01-01T00:00:00Z",          -62167219200LL, 0,  0, JB_OFFSET_Z,       0, false },
    { "0000-01-01T00:00:00+23:59",     -62167305540LL, 0, 1439, JB_OFFSET_NUMERIC, 0, false },
    { "0000-02-29T00:00:00Z",          -62162121600LL, 0,  0, JB_OFFSET_Z,       0, false },
    { "9999-12-31T23:59:59.999999999Z", 253402300799LL, 999999999, 0, JB_OFFSET_Z, 9, false },
    { "9999-12-31T23:59:59-23:59",      253402387139LL, 0, -1439, JB_OFFSET_NUMERIC, 0, false },
    { "9999-12-31T23:59:60Z",           253402300800LL, 0,  0, JB_OFFSET_Z,       0, true },
};

//  Each valid text parses to the expected instant and style, and formats back
//  to the same text.
static void
test_parse_accepts_valid_timestamps_and_format_writes_them_back(void **state)
{
    (void) state;
    for (size_t index = 0; index < sizeof s_valid_cases / sizeof s_valid_cases[0]; index++) {
        const valid_case_t *expected = &s_valid_cases[index];
        jb_timestamp_t timestamp;
        if (s_parse(expected->text, &timestamp) != 0)
            fail_msg("rejected \"%s\"", expected->text);
        if (timestamp.seconds != expected->seconds
        ||  timestamp.nanoseconds != expected->nanoseconds
        ||  timestamp.offset_minutes != expected->offset_minutes
        ||  timestamp.offset_style != expected->offset_style
        ||  timestamp.fraction_digits != expected->fraction_digits
        ||  timestamp.leap_second != expected->leap_second)
            fail_msg("\"%s\": got %lld.%09d offset %d style %d digits %d leap %d",
                     expected->text, (long long) timestamp.seconds,
                     (int) timestamp.nanoseconds, (int) timestamp.offset_minutes,
                     (int) timestamp.offset_style, (int) timestamp.fraction_digits,
                     (int) timestamp.leap_second);

        char buffer[JB_TIMESTAMP_MAX];
        char upper[JB_TIMESTAMP_MAX];
        s_upper(expected->text, upper);
        size_t length = jb_timestamp_format(&timestamp, buffer);
        assert_string_equal(buffer, upper);
        assert_int_equal(length, strlen(upper));
    }
}


//  --------------------------------------------------------------------------

static const char *s_invalid_cases[] = {
    "lunchtime",
    "",
    //  Missing or malformed fields
    "2018-04-05T18:31Z",
    "2018-04-05",
    "2018-04-05T18:31:00",
    "18:31:00Z",
    "2018-4-05T18:31:00Z",
    "2018-04-5T18:31:00Z",
    "18-04-05T18:31:00Z",
    "+2018-04-05T18:31:00Z",
    "20180405T183100Z",
    "2018/04/05T18:31:00Z",
    "2018-04-05 18:31:00Z",
    "2018-04-05_18:31:00Z",
    "2018-04-05T18.31.00Z",
    "2018-04-05T1a:31:00Z",
    "2018-04-05T18:31:0Z",
    "2018-04-05T18:31:000Z",
    "2018-04-05T18:31:00.Z",
    "2018-04-05T18:31:00,5Z",
    "2018-04-05T18:31:00.12a4Z",
    "2018-04-05T18:31:00.1234567891a1Z",
    "2018-04-05T18:31:00.1234567891",
    //  Offsets
    "2018-04-05T18:31:00X",
    "2018-04-05T18:31:00UTC",
    "2018-04-05T18:31:00ZZ",
    "2018-04-05T18:31:00+25:00",
    "2018-04-05T18:31:00+24:00",
    "2018-04-05T18:31:00+23:60",
    "2018-04-05T18:31:00+xx:00",
    "2018-04-05T18:31:00+05",
    "2018-04-05T18:31:00+0500",
    "2018-04-05T18:31:00+5:00",
    "2018-04-05T18:31:00+05:0",
    "2018-04-05T18:31:00+05:000",
    "2018-04-05T18:31:00 +05:00",
    //  Calendar
    "2019-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2100-02-29T00:00:00Z",
    "2018-04-31T00:00:00Z",
    "2018-06-31T00:00:00Z",
    "2018-01-32T00:00:00Z",
    "2018-04-00T00:00:00Z",
    "2018-13-01T00:00:00Z",
    "2018-00-01T00:00:00Z",
    //  Clock
    "2018-04-05T24:00:00Z",
    "2018-04-05T23:60:00Z",
    "2018-04-05T23:59:61Z",
    "2018-04-05T23:59:99Z",
    //  Leap seconds anywhere but 23:59:60 UTC on the last day of a month
    "2018-04-05T23:59:60Z",
    "2016-12-31T23:58:60Z",
    "2016-12-31T23:59:60+01:00",
    "2017-01-01T00:59:60Z",
    "2016-12-30T23:59:60Z",
    "2016-12-31T23:59:60-00:01",
    //  Stray bytes
    " 2018-04-05T18:31:00Z",
    "2018-04-05T18:31:00Z ",
    "2018-04-05T18:31:00Z\n",
    "2018-04-05T18:31:00+01:00 ",
    "\xef\xbb\xbf" "2018-04-05T18:31:00Z",
    "\xd9\xa2" "018-04-05T18:31:00Z",
};

//  Each invalid text is JB_EPARSE and leaves the output as it was.
static void
test_parse_rejects_malformed_timestamps(void **state)
{
    (void) state;
    for (size_t index = 0; index < sizeof s_invalid_cases / sizeof s_invalid_cases[0]; index++) {
        jb_timestamp_t timestamp, untouched;
        memset(&timestamp, 0xA5, sizeof timestamp);
        memcpy(&untouched, &timestamp, sizeof timestamp);
        if (s_parse(s_invalid_cases[index], &timestamp) != JB_EPARSE)
            fail_msg("accepted \"%s\"", s_invalid_cases[index]);
        assert_memory_equal(&timestamp, &untouched, sizeof timestamp);
    }
}


//  --------------------------------------------------------------------------

static void
test_parse_rejects_offset_out_of_range(void **state)
{
    (void) state;
    jb_timestamp_t timestamp;
    assert_int_equal(s_parse("2018-04-05T18:31:00+23:59", &timestamp), 0);
    assert_int_equal(s_parse("2018-04-05T18:31:00-23:59", &timestamp), 0);
    assert_int_equal(s_parse("2018-04-05T18:31:00+24:00", &timestamp), JB_EPARSE);
    assert_int_equal(s_parse("2018-04-05T18:31:00-24:00", &timestamp), JB_EPARSE);
    assert_int_equal(s_parse("2018-04-05T18:31:00+00:60", &timestamp), JB_EPARSE);
    assert_int_equal(s_parse("2018-04-05T18:31:00+99:99", &timestamp), JB_EPARSE);
}


//  --------------------------------------------------------------------------
//  RFC 3339 allows any number of fraction digits and we keep nanoseconds:
//  a finer fraction is accepted and truncated (never rounded) to nine
//  digits, which is what it then formats as, compares as, and reads back as.

//  A text with a fraction finer than nanoseconds, and the nine-digit text
//  it stands for.
typedef struct {
    const char *text;
    const char *truncated;
} fine_case_t;

static const fine_case_t s_fine_cases[] = {
    { "2018-04-05T18:31:00.1234567891Z",  "2018-04-05T18:31:00.123456789Z" },
    { "2018-04-05T18:31:00.1234567899Z",  "2018-04-05T18:31:00.123456789Z" },
    { "2018-04-05T18:31:00.0000000000Z",  "2018-04-05T18:31:00.000000000Z" },
    { "2018-04-05T18:31:00.0000000009z",  "2018-04-05T18:31:00.000000000Z" },
    { "2018-04-05T18:31:00.00000000000000000000000000000000000000000000Z",
      "2018-04-05T18:31:00.000000000Z" },
    { "2018-04-05T18:31:00.12345678912345678912345+05:30",
      "2018-04-05T18:31:00.123456789+05:30" },
    { "2018-04-05T18:31:00.5000000000-00:00", "2018-04-05T18:31:00.500000000-00:00" },
    //  Rounding would carry into the next second, day, year, or past 9999
    { "1969-12-31T23:59:59.99999999999Z", "1969-12-31T23:59:59.999999999Z" },
    { "2018-12-31T23:59:59.9999999999+01:00", "2018-12-31T23:59:59.999999999+01:00" },
    { "9999-12-31T23:59:59.9999999999Z",  "9999-12-31T23:59:59.999999999Z" },
    //  A leap second stays one
    { "2016-12-31T23:59:60.9999999999Z",  "2016-12-31T23:59:60.999999999Z" },
};

static void
test_parse_truncates_a_fraction_finer_than_nanoseconds(void **state)
{
    (void) state;
    jb_timestamp_t timestamp;
    assert_int_equal(s_parse("2018-04-05T18:31:00.123456789Z", &timestamp), 0);
    for (size_t index = 0; index < sizeof s_fine_cases / sizeof s_fine_cases[0]; index++) {
        const fine_case_t *fine = &s_fine_cases[index];
        jb_timestamp_t expected;
        if (s_parse(fine->text, &timestamp) != 0)
            fail_msg("rejected \"%s\"", fine->text);
        assert_int_equal(s_parse(fine->truncated, &expected), 0);
        //  The value of the nine-digit text, which is what it formats as
        bool same = timestamp.seconds == expected.seconds
                 && timestamp.nanoseconds == expected.nanoseconds
                 && timestamp.offset_minutes == expected.offset_minutes
                 && timestamp.offset_style == expected.offset_style
                 && timestamp.fraction_digits == 9
                 && timestamp.leap_second == expected.leap_second;
        char buffer[JB_TIMESTAMP_MAX];
        jb_timestamp_format(&timestamp, buffer);
        if (!same || strcmp(buffer, fine->truncated) != 0)
            fail_msg("\"%s\" reads as \"%s\" (%lld.%09d, %d digits), not as \"%s\"",
                     fine->text, buffer, (long long) timestamp.seconds,
                     (int) timestamp.nanoseconds, (int) timestamp.fraction_digits,
                     fine->truncated);
        assert_int_equal(jb_timestamp_compare(&timestamp, &expected), 0);
    }

    //  Digits past the ninth do not order instants; the ninth does
    jb_timestamp_t low, high, next;
    assert_int_equal(s_parse("2018-04-05T18:31:00.1234567891Z", &low), 0);
    assert_int_equal(s_parse("2018-04-05T18:31:00.1234567899Z", &high), 0);
    assert_int_equal(s_parse("2018-04-05T18:31:00.123456790Z", &next), 0);
    assert_int_equal(jb_timestamp_compare(&low, &high), 0);
    assert_true(jb_timestamp_compare(&high, &next) < 0);

    //  However long the fraction, only digits until the offset
    size_t digits = 100000;
    char *long_text = (char *) malloc(19 + 1 + digits + 2);
    assert_non_null(long_text);
    memcpy(long_text, "2018-04-05T18:31:00.", 20);
    memset(long_text + 20, '7', digits);
    memcpy(long_text + 20 + digits, "Z", 2);
    assert_int_equal(s_parse(long_text, &timestamp), 0);
    assert_int_equal(timestamp.nanoseconds, 777777777);
    long_text[20 + digits / 2] = 'x';
    assert_int_equal(s_parse(long_text, &timestamp), JB_EPARSE);
    free(long_text);
}


//  --------------------------------------------------------------------------
//  size bounds the text: an embedded NUL is a byte like any other, and no
//  byte past size is read (ASan checks the copies below).

static void
test_parse_reads_exactly_size_bytes(void **state)
{
    (void) state;
    jb_timestamp_t timestamp;
    const char with_nul[] = "2018-04-05T18:31:00Z\0";
    assert_int_equal(jb_timestamp_parse(with_nul, sizeof with_nul - 1, &timestamp), JB_EPARSE);
    const char nul_inside[] = "2018-04-05\0T18:31:00Z";
    assert_int_equal(jb_timestamp_parse(nul_inside, sizeof nul_inside - 1, &timestamp), JB_EPARSE);
    const char nul_in_fraction[] = "2018-04-05T18:31:00.1\0" "2Z";
    assert_int_equal(jb_timestamp_parse(nul_in_fraction, sizeof nul_in_fraction - 1, &timestamp),
                     JB_EPARSE);

    //  A valid timestamp followed by more text: only size bytes count
    const char longer[] = "2018-04-05T18:31:00Zgarbage";
    assert_int_equal(jb_timestamp_parse(longer, 20, &timestamp), 0);
    assert_int_equal(timestamp.seconds, 1522949460 + 3600);

    assert_int_equal(jb_timestamp_parse(NULL, 0, &timestamp), JB_EPARSE);
}


//  --------------------------------------------------------------------------
//  Every proper prefix of a valid timestamp is rejected, read from an exact
//  heap copy so that reading one byte too far is caught.

static void
test_parse_rejects_every_truncated_prefix(void **state)
{
    (void) state;
    const char *texts[] = {
        "2018-04-05T17:31:00.123456789+01:00",
        "2018-04-05T17:31:00.5-00:00",
        "2018-04-05T17:31:00Z",
    };
    for (size_t text_index = 0; text_index < sizeof texts / sizeof texts[0]; text_index++) {
        size_t size = strlen(texts[text_index]);
        for (size_t prefix = 0; prefix <= size; prefix++) {
            char *copy = test_malloc(prefix + 1);
            memcpy(copy, texts[text_index], prefix);
            jb_timestamp_t timestamp;
            int rc = jb_timestamp_parse(copy, prefix, &timestamp);
            test_free(copy);
            assert_int_equal(rc, prefix == size? 0: JB_EPARSE);
        }
    }
}


//  --------------------------------------------------------------------------
//  Whatever one changed byte does to a valid text, parse either rejects it
//  or accepts something format writes back unchanged.

static void
test_parse_and_format_agree_on_every_one_byte_change(void **state)
{
    (void) state;
    const char *texts[] = {
        "2016-12-31T23:59:60.123456789+00:00",
        "2024-02-29T18:31:00.5-05:30",
        "0000-01-01T00:00:00Z",
    };
    int accepted = 0;
    for (size_t text_index = 0; text_index < sizeof texts / sizeof texts[0]; text_index++) {
        size_t size = strlen(texts[text_index]);
        for (size_t position = 0; position < size; position++) {
            for (int byte = 0; byte < 256; byte++) {
                char *text = test_malloc(size);
                memcpy(text, texts[text_index], size);
                text[position] = (char) byte;
                jb_timestamp_t timestamp;
                if (jb_timestamp_parse(text, size, &timestamp) == 0) {
                    char buffer[JB_TIMESTAMP_MAX];
                    char upper[JB_TIMESTAMP_MAX];
                    char original[JB_TIMESTAMP_MAX];
                    memcpy(original, text, size);
                    original[size] = '\0';
                    s_upper(original, upper);
                    jb_timestamp_format(&timestamp, buffer);
                    assert_string_equal(buffer, upper);
                    accepted++;
                }
                test_free(text);
            }
        }
    }
    assert_true(accepted > 100);
}


//  --------------------------------------------------------------------------
//  Walk every day of years 0000..9999: each parses to exactly one day after
//  the one before, and formats back. This checks the calendar arithmetic
//  against the days-per-month rule end to end.

static void
test_parse_counts_every_day_of_every_year(void **state)
{
    (void) state;
    static const int days_in_month[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int64_t expected = -62167219200LL;
    for (int year = 0; year <= 9999; year++) {
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        for (int month = 1; month <= 12; month++) {
            int last = days_in_month[month - 1] + (month == 2 && leap);
            for (int day = 1; day <= last; day++) {
                char text[32];
                snprintf(text, sizeof text, "%04d-%02d-%02dT00:00:00Z", year, month, day);
                jb_timestamp_t timestamp;
                assert_int_equal(s_parse(text, &timestamp), 0);
                assert_int_equal(timestamp.seconds, expected);
                char buffer[JB_TIMESTAMP_MAX];
                jb_timestamp_format(&timestamp, buffer);
                assert_string_equal(buffer, text);
                expected += 86400;
            }
            //  The day after the last does not exist
            char text[32];
            snprintf(text, sizeof text, "%04d-%02d-%02dT00:00:00Z", year, month, last + 1);
            jb_timestamp_t timestamp;
            assert_int_equal(s_parse(text, &timestamp), JB_EPARSE);
        }
    }
    assert_int_equal(expected, 253402300800LL);
}


//  --------------------------------------------------------------------------

static void
test_format_writes_own_offset_and_fraction_digits(void **state)
{
    (void) state;
    char buffer[JB_TIMESTAMP_MAX];

    jb_timestamp_t timestamp = jb_timestamp_from_unix(1522949460, 0, 9);
    assert_int_equal(jb_timestamp_format(&timestamp, buffer), 30);
    assert_string_equal(buffer, "2018-04-05T17:31:00.000000000Z");

    timestamp = jb_timestamp_from_unix(1522949460, 123000000, 3);
    jb_timestamp_format(&timestamp, buffer);
    assert_string_equal(buffer, "2018-04-05T17:31:00.123Z");

    //  Finer digits than fraction_digits are truncated, never rounded up
    timestamp = jb_timestamp_from_unix(1522949460, 999999999, 2);
    jb_timestamp_format(&timestamp, buffer);
    assert_string_equal(buffer, "2018-04-05T17:31:00.99Z");

    timestamp = jb_timestamp_from_unix(1522949460, 999999999, 0);
    jb_timestamp_format(&timestamp, buffer);
    assert_string_equal(buffer, "2018-04-05T17:31:00Z");

    //  The same instant in another offset
    timestamp.offset_style = JB_OFFSET_NUMERIC;
    timestamp.offset_minutes = -90;
    jb_timestamp_format(&timestamp, buffer);
    assert_string_equal(buffer, "2018-04-05T16:01:00-01:30");

    timestamp.offset_minutes = 0;
    jb_timestamp_format(&timestamp, buffer);
    assert_string_equal(buffer, "2018-04-05T17:31:00+00:00");

    timestamp.offset_style = JB_OFFSET_UNKNOWN;
    jb_timestamp_format(&timestamp, buffer);
    assert_string_equal(buffer, "2018-04-05T17:31:00-00:00");
}


//  --------------------------------------------------------------------------
//  The longest text fits a buffer of exactly JB_TIMESTAMP_MAX bytes.

static void
test_format_fits_the_longest_text_in_timestamp_max(void **state)
{
    (void) state;
    const char *text = "2016-12-31T23:59:60.999999999-00:00";
    assert_int_equal(strlen(text) + 1, JB_TIMESTAMP_MAX);
    jb_timestamp_t timestamp;
    assert_int_equal(s_parse(text, &timestamp), 0);
    char *buffer = test_malloc(JB_TIMESTAMP_MAX);
    assert_int_equal(jb_timestamp_format(&timestamp, buffer), JB_TIMESTAMP_MAX - 1);
    assert_string_equal(buffer, text);
    test_free(buffer);
}


//  --------------------------------------------------------------------------

typedef struct {
    const char *earlier;
    const char *later;
} order_case_t;

static const order_case_t s_order_cases[] = {
    { "2018-04-05T17:31:00Z",            "2018-04-05T17:31:00.000000001Z" },
    { "2018-04-05T17:31:00.999999999Z",  "2018-04-05T17:31:01Z" },
    { "2018-04-05T18:31:00+01:00",       "2018-04-05T17:31:01Z" },
    { "2018-04-05T17:31:00Z",            "2018-04-05T16:31:00-01:01" },
    { "1969-12-31T23:59:59.999999999Z",  "1970-01-01T00:00:00Z" },
    { "0000-01-01T00:00:00Z",            "9999-12-31T23:59:59Z" },
    { "2016-12-31T23:59:59.999999999Z",  "2016-12-31T23:59:60Z" },
};

static void
test_compare_orders_instants_whatever_their_offset(void **state)
{
    (void) state;
    for (size_t index = 0; index < sizeof s_order_cases / sizeof s_order_cases[0]; index++) {
        jb_timestamp_t earlier, later;
        assert_int_equal(s_parse(s_order_cases[index].earlier, &earlier), 0);
        assert_int_equal(s_parse(s_order_cases[index].later, &later), 0);
        if (jb_timestamp_compare(&earlier, &later) >= 0
        ||  jb_timestamp_compare(&later, &earlier) <= 0
        ||  jb_timestamp_compare(&earlier, &earlier) != 0)
            fail_msg("not %s < %s", s_order_cases[index].earlier, s_order_cases[index].later);
    }

    //  Equal instants written four ways, plus the leap second and the
    //  instant after it, which share one value
    const char *equal[] = {
        "2018-04-05T17:31:00Z", "2018-04-05T17:31:00.000000000Z",
        "2018-04-05T18:31:00+01:00", "2018-04-05T16:31:00-01:00",
        "2018-04-05t17:31:00-00:00",
    };
    jb_timestamp_t first;
    assert_int_equal(s_parse(equal[0], &first), 0);
    for (size_t index = 1; index < sizeof equal / sizeof equal[0]; index++) {
        jb_timestamp_t other;
        assert_int_equal(s_parse(equal[index], &other), 0);
        assert_int_equal(jb_timestamp_compare(&first, &other), 0);
    }
    jb_timestamp_t leap, after;
    assert_int_equal(s_parse("2016-12-31T23:59:60Z", &leap), 0);
    assert_int_equal(s_parse("2017-01-01T00:00:00Z", &after), 0);
    assert_int_equal(jb_timestamp_compare(&leap, &after), 0);
}


//  --------------------------------------------------------------------------

static void
test_now_is_utc_with_microseconds(void **state)
{
    (void) state;
    time_t before = time(NULL);
    jb_timestamp_t now = jb_timestamp_now();
    time_t after = time(NULL);

    assert_true(now.seconds >= (int64_t) before - 1);
    assert_true(now.seconds <= (int64_t) after + 1);
    assert_int_equal(now.nanoseconds % 1000, 0);
    assert_true(now.nanoseconds >= 0 && now.nanoseconds <= 999999999);
    assert_int_equal(now.fraction_digits, 6);
    assert_int_equal(now.offset_style, JB_OFFSET_Z);
    assert_int_equal(now.offset_minutes, 0);
    assert_false(now.leap_second);

    //  "YYYY-MM-DDTHH:MM:SS.uuuuuuZ", and it parses back to the same value
    char buffer[JB_TIMESTAMP_MAX];
    assert_int_equal(jb_timestamp_format(&now, buffer), 27);
    assert_int_equal(buffer[19], '.');
    assert_int_equal(buffer[26], 'Z');
    jb_timestamp_t parsed;
    assert_int_equal(s_parse(buffer, &parsed), 0);
    assert_int_equal(jb_timestamp_compare(&parsed, &now), 0);
    assert_int_equal(parsed.fraction_digits, 6);
    assert_int_equal(parsed.offset_style, JB_OFFSET_Z);
}


//  --------------------------------------------------------------------------

static void
test_from_unix_makes_utc_timestamps(void **state)
{
    (void) state;
    char buffer[JB_TIMESTAMP_MAX];
    jb_timestamp_t timestamp = jb_timestamp_from_unix(-1, 500000000, 1);
    assert_int_equal(timestamp.seconds, -1);
    assert_int_equal(timestamp.nanoseconds, 500000000);
    assert_int_equal(timestamp.fraction_digits, 1);
    assert_int_equal(timestamp.offset_style, JB_OFFSET_Z);
    assert_int_equal(timestamp.offset_minutes, 0);
    assert_false(timestamp.leap_second);
    jb_timestamp_format(&timestamp, buffer);
    assert_string_equal(buffer, "1969-12-31T23:59:59.5Z");

    timestamp = jb_timestamp_from_unix(-62167219200LL, 0, 0);
    jb_timestamp_format(&timestamp, buffer);
    assert_string_equal(buffer, "0000-01-01T00:00:00Z");

    timestamp = jb_timestamp_from_unix(253402300799LL, 999999999, 9);
    jb_timestamp_format(&timestamp, buffer);
    assert_string_equal(buffer, "9999-12-31T23:59:59.999999999Z");

    timestamp = jb_timestamp_from_unix(1483228800, 1000, 6);
    jb_timestamp_format(&timestamp, buffer);
    assert_string_equal(buffer, "2017-01-01T00:00:00.000001Z");
}


//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamp_usage_example),
        cmocka_unit_test(test_parse_accepts_valid_timestamps_and_format_writes_them_back),
        cmocka_unit_test(test_parse_rejects_malformed_timestamps),
        cmocka_unit_test(test_parse_rejects_offset_out_of_range),
        cmocka_unit_test(test_parse_truncates_a_fraction_finer_than_nanoseconds),
        cmocka_unit_test(test_parse_reads_exactly_size_bytes),
        cmocka_unit_test(test_parse_rejects_every_truncated_prefix),
        cmocka_unit_test(test_parse_and_format_agree_on_every_one_byte_change),
        cmocka_unit_test(test_parse_counts_every_day_of_every_year),
        cmocka_unit_test(test_format_writes_own_offset_and_fraction_digits),
        cmocka_unit_test(test_format_fits_the_longest_text_in_timestamp_max),
        cmocka_unit_test(test_compare_orders_instants_whatever_their_offset),
        cmocka_unit_test(test_now_is_utc_with_microseconds),
        cmocka_unit_test(test_from_unix_makes_utc_timestamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
