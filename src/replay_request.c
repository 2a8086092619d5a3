/*  =========================================================================
    replay_request.c - a replay client's request, parsed from its frames
    (docs/replay.md 2)
    ========================================================================= */

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_request.h"
#include "filters.h"

#define streq(a, b) (strcmp((a), (b)) == 0)

static bool
s_refuse(char *reason, size_t reason_size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(reason, reason_size, format, args);
    va_end(args);
    //  the reason goes back to the client and may reach a terminal: no
    //  byte of a request outside printable ASCII is echoed
    for (char *cursor = reason; *cursor; cursor++)
        if (*cursor < ' ' || *cursor > '~')
            *cursor = '?';
    return false;
}

//  A frame as a C string in text (JB__REPLAY_FIELD_MAX bytes): false when
//  it is too long or holds a NUL.
static bool
s_text(const jb_frame_t *frame, char *text)
{
    if (frame->size >= JB__REPLAY_FIELD_MAX || memchr(frame->data, '\0', frame->size))
        return false;
    memcpy(text, frame->data, frame->size);
    text[frame->size] = '\0';
    return true;
}

//  A decimal number in 0 .. max, the whole of text, without a sign.
static bool
s_number(const char *text, uint64_t max, uint64_t *number)
{
    size_t length = strlen(text);
    if (length == 0 || length > 19 || strspn(text, "0123456789") != length)
        return false;
    *number = strtoull(text, NULL, 10);
    return *number <= max;
}

bool
jb__replay_name_valid(const char *text)
{
    size_t length = strlen(text);
    if (length == 0 || length > JB__REPLAY_NAME_MAX)
        return false;
    for (const char *cursor = text; *cursor; cursor++)
        if (*cursor <= ' ' || *cursor >= 0x7f)
            return false;
    return true;
}

static bool
s_filter(const jb_frame_t *frame, jb__replay_filter_t *filter, char *reason, size_t reason_size)
{
    if (!s_text(frame, filter->text))
        return s_refuse(reason, reason_size, "bad filter: longer than %d bytes, or holding a NUL",
                        JB__REPLAY_FIELD_MAX - 1);
    jb_error_t error;
    if (jb__filter_parse(filter->text, &filter->is_pattern, &filter->subscription_size, &error))
        return s_refuse(reason, reason_size, "bad filter \"%.64s\": %s", filter->text,
                        error.message);
    return true;
}

//  "first", "seq:N" or "time:MS" in text: its kind and number.
static bool
s_plain_start(const char *text, jb__replay_start_kind_t *kind, uint64_t *number)
{
    if (streq(text, "first")) {
        *kind = JB__REPLAY_START_FIRST;
        return true;
    }
    if (strncmp(text, "seq:", 4) == 0 && s_number(text + 4, UINT64_MAX / 2, number)) {
        *kind = JB__REPLAY_START_SEQUENCE;
        return true;
    }
    if (strncmp(text, "time:", 5) == 0 && s_number(text + 5, INT64_MAX, number)) {
        *kind = JB__REPLAY_START_TIME;
        return true;
    }
    return false;
}

//  "first", "seq:N", "time:MS", "durable:NAME" (or "durable:NAME START",
//  START a plain one for a name without a position) or
//  "after:NUMBER:PUBLISHER".
static bool
s_start(const jb_frame_t *frame, jb__replay_request_t *request, char *reason, size_t reason_size)
{
    char text [JB__REPLAY_FIELD_MAX];
    bool valid = s_text(frame, text);
    if (valid && s_plain_start(text, &request->start, &request->number))
        ;
    else
    if (valid && strncmp(text, "durable:", 8) == 0) {
        //  a name has no space: one ends it, and the fallback follows
        char *space = strchr(text + 8, ' ');
        if (space)
            *space = '\0';
        valid = jb__replay_name_valid(text + 8)
             && (!space || s_plain_start(space + 1, &request->fallback, &request->fallback_number));
        if (valid) {
            request->start = JB__REPLAY_START_DURABLE;
            strcpy(request->name, text + 8);
        }
    }
    else
    if (valid && strncmp(text, "after:", 6) == 0) {
        //  after:NUMBER:PUBLISHER, a publisher's sequence number (1 ..
        //  INT32_MAX, binding 4.1) and its instance id
        char *colon = strchr(text + 6, ':');
        if (colon)
            *colon = '\0';
        valid = colon && s_number(text + 6, INT32_MAX, &request->number) && request->number > 0
             && jb__replay_name_valid(colon + 1);
        if (valid) {
            request->start = JB__REPLAY_START_AFTER;
            strcpy(request->name, colon + 1);
        }
    }
    else
        valid = false;
    if (!valid) {
        snprintf(text, sizeof text, "%.*s", (int) (frame->size < 64? frame->size: 64),
                 (const char *) frame->data);
        return s_refuse(reason, reason_size, "a start is first, seq:N, time:MS, durable:NAME "
                        "(then, for a new NAME, one of the first three), or "
                        "after:NUMBER:PUBLISHER, not \"%s\"", text);
    }
    return true;
}

static bool
s_window(const jb_frame_t *frame, jb__replay_request_t *request, char *reason,
         size_t reason_size)
{
    char text [JB__REPLAY_FIELD_MAX];
    uint64_t window = 0;
    if (!s_text(frame, text) || !s_number(text, JB__REPLAY_WINDOW_MAX, &window) || window == 0)
        return s_refuse(reason, reason_size, "a window is 1 to %d events", JB__REPLAY_WINDOW_MAX);
    request->window = (uint32_t) window;
    return true;
}

//  --------------------------------------------------------------------------

bool
jb__replay_request_parse(const jb_frame_t *frames, size_t count, jb__replay_request_t *request,
                         char *reason, size_t reason_size)
{
    assert(request);
    assert(reason && reason_size > 0);
    memset(request, 0, sizeof *request);
    char command [16] = "";
    if (count >= 1 && frames[0].size < sizeof command && !memchr(frames[0].data, '\0', frames[0].size)) {
        memcpy(command, frames[0].data, frames[0].size);
        command[frames[0].size] = '\0';
    }
    if (streq(command, "REPLAY")) {
        request->command = JB__REPLAY_REQUEST_REPLAY;
        if (count != 4)
            return s_refuse(reason, reason_size, "REPLAY takes FILTER START WINDOW");
        request->filter_count = 1;
        return s_filter(&frames[1], &request->filters[0], reason, reason_size)
            && s_start(&frames[2], request, reason, reason_size)
            && s_window(&frames[3], request, reason, reason_size);
    }
    if (streq(command, "FOLLOW")) {
        request->command = JB__REPLAY_REQUEST_FOLLOW;
        if (count < 4 || count > 3 + JB__REPLAY_FILTERS_MAX)
            return s_refuse(reason, reason_size, "FOLLOW takes START WINDOW and 1 to %d filters",
                            JB__REPLAY_FILTERS_MAX);
        if (!s_start(&frames[1], request, reason, reason_size)
        ||  !s_window(&frames[2], request, reason, reason_size))
            return false;
        for (size_t index = 3; index < count; index++)
            if (!s_filter(&frames[index], &request->filters[request->filter_count++], reason,
                          reason_size))
                return false;
        return true;
    }
    if (streq(command, "CREDIT")) {
        request->command = JB__REPLAY_REQUEST_CREDIT;
        char text [JB__REPLAY_FIELD_MAX];
        uint64_t credit = 0;
        if (count != 2 || !s_text(&frames[1], text) || !s_number(text, UINT32_MAX, &credit))
            return s_refuse(reason, reason_size, "CREDIT takes a number of events");
        request->credit = (uint32_t) credit;
        return true;
    }
    if (streq(command, "CANCEL") || streq(command, "INFO")) {
        request->command = streq(command, "INFO")? JB__REPLAY_REQUEST_INFO
                                                 : JB__REPLAY_REQUEST_CANCEL;
        if (count != 1)
            return s_refuse(reason, reason_size, "%s takes nothing more", command);
        return true;
    }
    if (streq(command, "ACK")) {
        request->command = JB__REPLAY_REQUEST_ACK;
        char sequence [JB__REPLAY_FIELD_MAX];
        if (count != 3 || !s_text(&frames[2], sequence))
            return s_refuse(reason, reason_size, "ACK takes NAME SEQUENCE");
        if (!s_text(&frames[1], request->name) || !jb__replay_name_valid(request->name))
            return s_refuse(reason, reason_size, "a durable consumer's name is 1 to %d printable "
                            "ASCII characters", JB__REPLAY_NAME_MAX);
        if (!s_number(sequence, UINT64_MAX / 2, &request->number))
            return s_refuse(reason, reason_size, "ACK's sequence is a number up to the "
                            "journal's last");
        return true;
    }
    return s_refuse(reason, reason_size, "unknown request \"%s\" (REPLAY, FOLLOW, CREDIT, "
                    "CANCEL, ACK, INFO)", command);
}
