/*  =========================================================================
    announce.c - the announcement's frame 2: "PUBLISHER SEQUENCE[ final]"

    Text, not msgpack, so that a foreign client reads it with a split and
    an integer parse; it is one small message per quiet type and second,
    never on the path of events. The reader is strict, as for events: one
    space between the parts, a publisher id of printable ASCII, a decimal
    number without a sign or leading zeros in 1 .. 2147483647.
    ========================================================================= */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jbus.h"
#include "announce.h"
#include "error.h"

#define s_FINAL " final"
#define s_FINAL_SIZE (sizeof s_FINAL - 1)

//  --------------------------------------------------------------------------

size_t
jb__announce_format(char *text, const char *publisher, size_t publisher_size, int32_t sequence,
                    bool final)
{
    assert(publisher_size < JB__RECEIVED_PUBLISHER_MAX);
    assert(sequence >= 1);
    memcpy(text, publisher, publisher_size);
    int digits = snprintf(text + publisher_size, JB__ANNOUNCE_TEXT_MAX - publisher_size,
                          " %" PRId32 "%s", sequence, final? s_FINAL: "");
    assert(digits > 0);
    return publisher_size + (size_t) digits;
}

//  --------------------------------------------------------------------------

int
jb__announce_parse(const void *data, size_t size, jb__announcement_t *announcement,
                   jb_error_t *error)
{
    const char *text = (const char *) data;
    announcement->final = size > s_FINAL_SIZE
                       && memcmp(text + size - s_FINAL_SIZE, s_FINAL, s_FINAL_SIZE) == 0;
    if (announcement->final)
        size -= s_FINAL_SIZE;
    const char *space = (const char *) memchr(text, ' ', size);
    if (!space || space == text)
        return jb__error(error, JB_EPARSE, NULL, "an announcement is \"PUBLISHER SEQUENCE\"");
    size_t publisher_size = (size_t) (space - text);
    if (publisher_size >= JB__RECEIVED_PUBLISHER_MAX)
        return jb__error(error, JB_EPARSE, NULL, "an announcement's publisher id has %zu bytes, "
                         "at most %d are read", publisher_size, JB__RECEIVED_PUBLISHER_MAX - 1);
    for (size_t index = 0; index < publisher_size; index++)
        if (text[index] <= ' ' || text[index] > '~')
            return jb__error(error, JB_EPARSE, NULL, "an announcement's publisher id is "
                             "printable ASCII");
    const char *digits = space + 1;
    size_t digit_count = size - publisher_size - 1;
    if (digit_count == 0 || digit_count > 10 || digits[0] == '0')
        return jb__error(error, JB_EPARSE, NULL, "an announcement's sequence is 1 .. 2147483647");
    int64_t sequence = 0;
    for (size_t index = 0; index < digit_count; index++) {
        if (digits[index] < '0' || digits[index] > '9')
            return jb__error(error, JB_EPARSE, NULL, "an announcement's sequence is a decimal "
                             "number");
        sequence = sequence * 10 + (digits[index] - '0');
    }
    if (sequence > INT32_MAX)
        return jb__error(error, JB_EPARSE, NULL, "an announcement's sequence is 1 .. 2147483647");
    memcpy(announcement->publisher, text, publisher_size);
    announcement->publisher[publisher_size] = '\0';
    announcement->publisher_size = publisher_size;
    announcement->sequence = (int32_t) sequence;
    return 0;
}
