/*  =========================================================================
    duration.c - durations as people write them
    ========================================================================= */

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "jbus/duration.h"
#include "error.h"
#include "text.h"

//  The units, longest name first where one is a prefix of another ("ms"
//  before "m").
static const struct {
    const char *name;
    int64_t ms;
} s_units [] = {
    { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 }
};
#define s_UNIT_COUNT (sizeof s_units / sizeof s_units[0])

//  Refuse text for reason, and say what a duration is.
static int
s_refuse(jb_error_t *error, const char *reason, const char *text, int64_t bare_unit_ms)
{
    char shown [72];
    jb__text_escape(text, shown, sizeof shown);      //  it may reach a terminal
    return jb__error(error, JB_EINVAL, NULL, "\"%s\" %s: a duration is a whole number and a "
                     "unit: 500ms, 5s, 2m, 1h, 7d, or several (1m30s); a bare number is %s",
                     shown, reason, bare_unit_ms == 1? "milliseconds"
                                   : bare_unit_ms == 1000? "seconds": "the option's unit");
}

int
jb_duration_parse(const char *text, int64_t bare_unit_ms, int64_t *ms_p, jb_error_t *error)
{
    assert(text);
    assert(ms_p);
    assert(bare_unit_ms > 0);
    int64_t total = 0;
    bool used [s_UNIT_COUNT] = { false };
    const char *cursor = text;
    size_t parts = 0;
    while (*cursor) {
        if (!isdigit((unsigned char) *cursor))
            break;
        int64_t number = 0;
        for (; isdigit((unsigned char) *cursor); cursor++) {
            int digit = *cursor - '0';
            if (number > (INT64_MAX - digit) / 10)
                return s_refuse(error, "is too long", text, bare_unit_ms);
            number = number * 10 + digit;
        }
        size_t unit = s_UNIT_COUNT;
        for (size_t index = 0; index < s_UNIT_COUNT; index++) {
            size_t length = strlen(s_units[index].name);
            if (strncmp(cursor, s_units[index].name, length) == 0
            &&  !isalpha((unsigned char) cursor[length])) {
                unit = index;
                cursor += length;
                break;
            }
        }
        int64_t scale = unit < s_UNIT_COUNT? s_units[unit].ms: bare_unit_ms;
        if (unit == s_UNIT_COUNT && (*cursor || parts > 0)) {
            parts = 0;                      //  a bare number stands alone
            break;
        }
        if (unit < s_UNIT_COUNT && used[unit])
            return s_refuse(error, "gives a unit twice", text, bare_unit_ms);
        if (unit < s_UNIT_COUNT)
            used[unit] = true;
        if (number > (INT64_MAX - total) / scale)
            return s_refuse(error, "is too long", text, bare_unit_ms);
        total += number * scale;
        parts++;
    }
    if (*cursor || parts == 0)
        return s_refuse(error, "is not a duration", text, bare_unit_ms);
    *ms_p = total;
    return 0;
}
