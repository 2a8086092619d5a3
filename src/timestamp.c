/*  =========================================================================
    timestamp.c - RFC 3339 timestamps, the CloudEvents Timestamp type

    Parsing is strict: exactly "YYYY-MM-DDTHH:MM:SS[.f+](Z|+HH:MM|-HH:MM)",
    a real calendar date, and a leap second only where one can occur.
    Calendar arithmetic is our own (days from and to a civil date, after
    Howard Hinnant's algorithms), so the result never depends on the C
    library's time zone, locale or the TZ environment, and works for every
    year 0000..9999. Formatting writes digits by hand: it runs once per
    published event.
    ========================================================================= */

//  clock_gettime is POSIX, not C11; the build may not ask for POSIX itself.
#ifndef _POSIX_C_SOURCE
#   define _POSIX_C_SOURCE 200809L
#endif

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "jbus/error.h"
#include "jbus/timestamp.h"

#define S_SECONDS_PER_DAY 86400

//  The instants of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range
//  of jb_timestamp_from_unix, whose timestamps are written in UTC.
#define S_UNIX_MIN (-62167219200LL)
#define S_UNIX_MAX 253402300799LL

//  10^(9 - digits): what a fraction of that many digits counts in nanoseconds.
static const int32_t s_fraction_scale[10] = {
    1000000000, 100000000, 10000000, 1000000, 100000,
    10000, 1000, 100, 10, 1
};

//  "00".."99" as character pairs, so formatting needs one division per pair.
static const char s_digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";


//  --------------------------------------------------------------------------
//  Floor division and its remainder: time before 1970 (and local time before
//  its offset is applied) is negative, and C division truncates towards zero.

static int64_t
s_floor_div(int64_t value, int64_t divisor)
{
    int64_t quotient = value / divisor;
    if (value % divisor < 0)
        quotient--;
    return quotient;
}

static int64_t
s_floor_mod(int64_t value, int64_t divisor)
{
    int64_t remainder = value % divisor;
    return remainder < 0? remainder + divisor: remainder;
}


//  --------------------------------------------------------------------------
//  Gregorian leap year rule, proleptic before 1582 as RFC 3339 requires.

static bool
s_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
s_days_in_month(int year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return month == 2 && s_is_leap_year(year)? 29: days[month - 1];
}


//  --------------------------------------------------------------------------
//  Days since 1970-01-01 of a civil date. Counting years from March puts the
//  leap day last, so a day of the year needs no table; 400-year eras make it
//  exact for negative years too (UTC can fall in year -1 for "0000-...+01:00").

static int64_t
s_days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = s_floor_div(year, 400);
    int64_t year_of_era = year - era * 400;                     //  0..399
    int64_t day_of_year = (153 * (month > 2? month - 3: month + 9) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100
                       + day_of_year;                           //  0..146096
    return era * 146097 + day_of_era - 719468;
}


//  --------------------------------------------------------------------------
//  The civil date of a count of days since 1970-01-01: the inverse of
//  s_days_from_civil.

static void
s_civil_from_days(int64_t days, int64_t *year_p, int *month_p, int *day_p)
{
    days += 719468;
    int64_t era = s_floor_div(days, 146097);
    int64_t day_of_era = days - era * 146097;                   //  0..146096
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524
                        - day_of_era / 146096) / 365;          //  0..399
    int64_t day_of_year = day_of_era
                        - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153;     //  0..11
    int month = (int) (month_from_march < 10? month_from_march + 3: month_from_march - 9);
    *day_p = (int) (day_of_year - (153 * month_from_march + 2) / 5 + 1);
    *month_p = month;
    *year_p = year_of_era + era * 400 + (month <= 2);
}


//  --------------------------------------------------------------------------
//  Read exactly count decimal digits; false when any byte is not one.

static bool
s_read_digits(const char *text, int count, int *value_p)
{
    int value = 0;
    for (int index = 0; index < count; index++) {
        if (text[index] < '0' || text[index] > '9')
            return false;
        value = value * 10 + (text[index] - '0');
    }
    *value_p = value;
    return true;
}


//  --------------------------------------------------------------------------
//  Parse an RFC 3339 date-time. Every field has a fixed width, so the
//  only positions that vary are those after an optional fraction.

int
jb_timestamp_parse(const char *text, size_t size, jb_timestamp_t *timestamp)
{
    assert(timestamp);
    assert(text || size == 0);

    //  "YYYY-MM-DDTHH:MM:SS" and at least a one-byte offset
    if (size < 20)
        return JB_EPARSE;

    int year, month, day, hour, minute, second;
    if (!s_read_digits(text, 4, &year)
    ||  text[4] != '-' || !s_read_digits(text + 5, 2, &month)
    ||  text[7] != '-' || !s_read_digits(text + 8, 2, &day)
    ||  (text[10] != 'T' && text[10] != 't')
    ||  !s_read_digits(text + 11, 2, &hour)
    ||  text[13] != ':' || !s_read_digits(text + 14, 2, &minute)
    ||  text[16] != ':' || !s_read_digits(text + 17, 2, &second))
        return JB_EPARSE;

    if (month < 1 || month > 12 || day < 1 || day > s_days_in_month(year, month)
    ||  hour > 23 || minute > 59 || second > 60)
        return JB_EPARSE;

    //  RFC 3339 allows any number of fraction digits; we keep nanoseconds.
    //  Digits past the ninth are read and dropped (truncated towards the
    //  past, as formatting truncates): rounding up could carry into the
    //  seconds, the day, or past 9999-12-31T23:59:59.999999999.
    size_t position = 19;
    int fraction_digits = 0;
    int32_t nanoseconds = 0;
    if (text[position] == '.') {
        position++;
        size_t first = position;
        while (position < size && text[position] >= '0' && text[position] <= '9') {
            if (fraction_digits < 9) {
                nanoseconds = nanoseconds * 10 + (text[position] - '0');
                fraction_digits++;
            }
            position++;
        }
        if (position == first)
            return JB_EPARSE;
        nanoseconds *= s_fraction_scale[fraction_digits];
    }

    int offset_minutes = 0;
    jb_offset_style_t offset_style;
    if (position >= size)
        return JB_EPARSE;
    if (text[position] == 'Z' || text[position] == 'z') {
        offset_style = JB_OFFSET_Z;
        position++;
    }
    else
    if (text[position] == '+' || text[position] == '-') {
        int offset_hour, offset_minute;
        if (size - position < 6
        ||  !s_read_digits(text + position + 1, 2, &offset_hour)
        ||  text[position + 3] != ':'
        ||  !s_read_digits(text + position + 4, 2, &offset_minute)
        ||  offset_hour > 23 || offset_minute > 59)
            return JB_EPARSE;
        offset_minutes = offset_hour * 60 + offset_minute;
        if (text[position] == '-')
            offset_minutes = -offset_minutes;
        //  RFC 3339 4.3: "-00:00" is UTC with the local offset unknown
        offset_style = text[position] == '-' && offset_minutes == 0?
                       JB_OFFSET_UNKNOWN: JB_OFFSET_NUMERIC;
        position += 6;
    }
    else
        return JB_EPARSE;
    if (position != size)
        return JB_EPARSE;

    //  Second 60 counts on into the next minute, which is exactly the
    //  instant we store for a leap second.
    int64_t local = s_days_from_civil(year, month, day) * S_SECONDS_PER_DAY
                  + hour * 3600 + minute * 60 + second;
    int64_t seconds = local - (int64_t) offset_minutes * 60;

    //  A leap second is inserted only at 23:59:60 UTC on the last day of a
    //  month, so the instant after it must be midnight UTC on a first day.
    if (second == 60) {
        int64_t utc_year;
        int utc_month, utc_day;
        if (s_floor_mod(seconds, S_SECONDS_PER_DAY) != 0)
            return JB_EPARSE;
        s_civil_from_days(s_floor_div(seconds, S_SECONDS_PER_DAY),
                          &utc_year, &utc_month, &utc_day);
        if (utc_day != 1)
            return JB_EPARSE;
    }

    timestamp->seconds = seconds;
    timestamp->nanoseconds = nanoseconds;
    timestamp->offset_minutes = (int16_t) offset_minutes;
    timestamp->offset_style = (uint8_t) offset_style;
    timestamp->fraction_digits = (uint8_t) fraction_digits;
    timestamp->leap_second = second == 60;
    return 0;
}


//  --------------------------------------------------------------------------
//  Write value (0..99) as two digits.

static char *
s_write_2(char *cursor, int value)
{
    memcpy(cursor, s_digit_pairs + 2 * value, 2);
    return cursor + 2;
}


//  --------------------------------------------------------------------------
//  Write timestamp as RFC 3339 in its own offset. A leap second is stored as
//  the instant after it, so we write the second before (hh:mm:59 local) and
//  show it as ":60".

size_t
jb_timestamp_format(const jb_timestamp_t *timestamp, char *buffer)
{
    assert(timestamp);
    assert(buffer);
    assert(timestamp->nanoseconds >= 0 && timestamp->nanoseconds <= 999999999);
    assert(timestamp->fraction_digits <= 9);
    assert(timestamp->offset_style == JB_OFFSET_Z
        || timestamp->offset_style == JB_OFFSET_NUMERIC
        || timestamp->offset_style == JB_OFFSET_UNKNOWN);

    //  "Z" and "-00:00" are UTC whatever offset_minutes says
    int offset_minutes = timestamp->offset_style == JB_OFFSET_NUMERIC?
                         timestamp->offset_minutes: 0;
    assert(offset_minutes >= -1439 && offset_minutes <= 1439);

    int64_t local = timestamp->seconds + (int64_t) offset_minutes * 60
                  - (timestamp->leap_second? 1: 0);
    int64_t days = s_floor_div(local, S_SECONDS_PER_DAY);
    int second_of_day = (int) (local - days * S_SECONDS_PER_DAY);
    int64_t year;
    int month, day;
    s_civil_from_days(days, &year, &month, &day);
    //  RFC 3339 has four-digit years only; a timestamp outside them was
    //  built by hand, since parse and from_unix never make one.
    assert(year >= 0 && year <= 9999);

    char *cursor = buffer;
    cursor = s_write_2(cursor, (int) (year / 100));
    cursor = s_write_2(cursor, (int) (year % 100));
    *cursor++ = '-';
    cursor = s_write_2(cursor, month);
    *cursor++ = '-';
    cursor = s_write_2(cursor, day);
    *cursor++ = 'T';
    cursor = s_write_2(cursor, second_of_day / 3600);
    *cursor++ = ':';
    cursor = s_write_2(cursor, second_of_day / 60 % 60);
    *cursor++ = ':';
    cursor = s_write_2(cursor, timestamp->leap_second? 60: second_of_day % 60);

    int fraction_digits = timestamp->fraction_digits;
    if (fraction_digits > 0) {
        //  Digits beyond fraction_digits are truncated, not rounded: rounding
        //  could carry into the seconds and change the instant written.
        int32_t fraction = timestamp->nanoseconds / s_fraction_scale[fraction_digits];
        *cursor++ = '.';
        for (int index = fraction_digits; index > 0; index--) {
            cursor[index - 1] = (char) ('0' + fraction % 10);
            fraction /= 10;
        }
        cursor += fraction_digits;
    }

    if (timestamp->offset_style == JB_OFFSET_Z)
        *cursor++ = 'Z';
    else {
        int magnitude = offset_minutes < 0? -offset_minutes: offset_minutes;
        *cursor++ = timestamp->offset_style == JB_OFFSET_UNKNOWN || offset_minutes < 0?
                    '-': '+';
        cursor = s_write_2(cursor, magnitude / 60);
        *cursor++ = ':';
        cursor = s_write_2(cursor, magnitude % 60);
    }
    *cursor = '\0';
    return (size_t) (cursor - buffer);
}


//  --------------------------------------------------------------------------
//  Compare as instants; how each was written does not matter.

int
jb_timestamp_compare(const jb_timestamp_t *a, const jb_timestamp_t *b)
{
    assert(a);
    assert(b);
    if (a->seconds != b->seconds)
        return a->seconds < b->seconds? -1: 1;
    if (a->nanoseconds != b->nanoseconds)
        return a->nanoseconds < b->nanoseconds? -1: 1;
    return 0;
}


//  --------------------------------------------------------------------------
//  The current time. Microseconds are what most consumers' clocks and
//  languages keep; nanoseconds would only add digits of noise to each event.

jb_timestamp_t
jb_timestamp_now(void)
{
    struct timespec now;
    int rc = clock_gettime(CLOCK_REALTIME, &now);
    //  CLOCK_REALTIME always exists and &now is valid: it cannot fail
    assert(rc == 0);
    (void) rc;
    return jb_timestamp_from_unix((int64_t) now.tv_sec,
                                  (int32_t) (now.tv_nsec / 1000 * 1000), 6);
}


//  --------------------------------------------------------------------------
//  A UTC timestamp from Unix time. The seconds must lie in years 0000..9999,
//  the only ones RFC 3339 can write; checking here catches the mistake where
//  it is made, not when the timestamp is formatted later.

jb_timestamp_t
jb_timestamp_from_unix(int64_t seconds, int32_t nanoseconds, int fraction_digits)
{
    assert(seconds >= S_UNIX_MIN && seconds <= S_UNIX_MAX);
    assert(nanoseconds >= 0 && nanoseconds <= 999999999);
    assert(fraction_digits >= 0 && fraction_digits <= 9);

    jb_timestamp_t timestamp = {
        .seconds = seconds,
        .nanoseconds = nanoseconds,
        .offset_minutes = 0,
        .offset_style = JB_OFFSET_Z,
        .fraction_digits = (uint8_t) fraction_digits,
        .leap_second = false
    };
    return timestamp;
}
