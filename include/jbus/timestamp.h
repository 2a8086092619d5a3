/*  =========================================================================
    jbus/timestamp.h - RFC 3339 timestamps, the CloudEvents Timestamp type

    A jb_timestamp_t is a plain value: an instant (Unix seconds + nanoseconds)
    plus how it was written (the local offset, the number of fraction digits,
    whether the offset was "Z", "-00:00" or a leap second ":60"), so that a
    decoded timestamp is written back exactly as it came, at full precision
    (down to the nanosecond: see jb_timestamp_parse for finer fractions).
    Two timestamps compare as instants: "2018-04-05T18:31:00+01:00" equals
    "2018-04-05T17:31:00Z" and "2018-04-05T17:31:00.000000000Z".
    ========================================================================= */

#ifndef JBUS_TIMESTAMP_H_INCLUDED
#define JBUS_TIMESTAMP_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "jbus/export.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Longest text jb_timestamp_format writes, with its terminating NUL:
//  "9999-12-31T23:59:60.999999999+23:59"
#define JB_TIMESTAMP_MAX 36

//  How the offset was written.
typedef enum {
    JB_OFFSET_Z = 0,            //  "Z" (or "z"): UTC
    JB_OFFSET_NUMERIC = 1,      //  "+hh:mm" or "-hh:mm", including "+00:00"
    JB_OFFSET_UNKNOWN = 2       //  "-00:00": UTC, local offset unknown (RFC 3339 4.3)
} jb_offset_style_t;

typedef struct {
    int64_t seconds;            //  the instant, seconds since 1970-01-01T00:00:00Z
    int32_t nanoseconds;        //  0 .. 999,999,999
    int16_t offset_minutes;     //  local offset from UTC, -1439 .. +1439
    uint8_t offset_style;       //  a jb_offset_style_t
    uint8_t fraction_digits;    //  digits written after the seconds' dot, 0 .. 9
    bool leap_second;           //  written as second 60; seconds holds the
                                //  instant right after it (the next minute)
} jb_timestamp_t;

//  Parse an RFC 3339 date-time ("2018-04-05T17:31:00Z", "...00.123+01:00",
//  lower-case "t" and "z" included) of size bytes (text need not be
//  NUL-terminated). Checks a real calendar date (leap years, days per month),
//  hours 00-23, minutes 00-59, seconds 00-59 (60 only at 23:59 UTC on the
//  last day of a month, the only place a leap second occurs), at least one
//  fraction digit after a dot, and an offset of at most 23:59. Returns 0 and
//  fills *timestamp, or JB_EPARSE and leaves it unchanged.
//
//  RFC 3339 allows any number of fraction digits; a timestamp keeps
//  nanoseconds. Digits past the ninth are checked and then dropped, never
//  rounded: the instant is truncated towards the past, fraction_digits is 9,
//  and the timestamp is written back with 9 digits and compares equal to
//  that text: "...:00.1234567899Z" is "...:00.123456789Z". Truncating keeps
//  the first nine digits as they were written, where rounding could carry
//  into the seconds (".9999999999" into the next second, day or year).
JB_EXPORT int
    jb_timestamp_parse(const char *text, size_t size, jb_timestamp_t *timestamp);

//  Write timestamp as RFC 3339 into buffer (at least JB_TIMESTAMP_MAX bytes),
//  in its own offset and with its own number of fraction digits, with an
//  upper-case "T" and "Z". Returns the length written, without the NUL.
JB_EXPORT size_t
    jb_timestamp_format(const jb_timestamp_t *timestamp, char *buffer);

//  Compare two timestamps as instants: <0, 0 or >0.
JB_EXPORT int
    jb_timestamp_compare(const jb_timestamp_t *a, const jb_timestamp_t *b);

//  The current time in UTC ("Z") with microsecond precision.
JB_EXPORT jb_timestamp_t
    jb_timestamp_now(void);

//  A UTC ("Z") timestamp from Unix seconds and nanoseconds (0..999999999),
//  written with fraction_digits digits (0..9; finer digits are truncated).
//  seconds must lie in years 0000..9999 UTC, the only ones RFC 3339 can
//  write: -62167219200 (0000-01-01T00:00:00Z) .. 253402300799
//  (9999-12-31T23:59:59Z). Arguments out of range are asserted.
JB_EXPORT jb_timestamp_t
    jb_timestamp_from_unix(int64_t seconds, int32_t nanoseconds, int fraction_digits);

#ifdef __cplusplus
}
#endif

#endif
