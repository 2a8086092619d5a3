/*  =========================================================================
    fuzz_replay_request.c - fuzz target: the replay request parser

    Input: byte 0 says how many frames (its low 7 bits modulo 37: 0 to 36,
    one more than the longest FOLLOW) and, in bit 7, whether the reason
    buffer is a small one (s_REASON_SMALL bytes) rather than the broker's
    (s_REASON_BROKER). Every frame but the last is then one length byte and
    that many bytes (fewer when the input ends first); a length byte of
    0xFF is followed by a second one that adds to it, so that a frame in
    the middle can reach the field limit (JB__REPLAY_FIELD_MAX). The last
    frame is the rest of the input. So "\x04" "\x06" "REPLAY" "\x06"
    "jerry." "\x05" "first" "10" is the request [REPLAY] [jerry.] [first]
    [10].

    What it does: jb__replay_request_parse (src/replay_request.c) on those
    frames, each copied into a heap block of its own size, with a reason
    buffer of exactly its size, as the replay thread does with a client's
    message (docs/replay.md 2).

    What must hold, besides no crash, leak or undefined behaviour:
      - an accepted request is the command that frame 0 names, with that
        command's number of frames; REPLAY has 1 filter, FOLLOW 1 to
        JB__REPLAY_FILTERS_MAX, each the bytes of its frame, NUL-terminated
        within JB__REPLAY_FIELD_MAX, and accepted by jb__filter_parse
        (src/filters.h) with the same is_pattern and subscription_size; a
        window is 1 to JB__REPLAY_WINDOW_MAX; a start is the kind its frame
        spells, with its number (seq:N and ACK's sequence up to
        UINT64_MAX / 2, time:MS up to INT64_MAX, after:NUMBER 1 to
        INT32_MAX) and its name (durable:NAME, after:..:PUBLISHER, ACK's
        NAME: 1 to JB__REPLAY_NAME_MAX printable ASCII characters, no
        space); numbers are the decimal value of their text;
      - a refused request leaves in reason a NUL-terminated, non-empty text
        of printable ASCII only, within the buffer: the broker sends it
        back to the client in an ERROR, so no control byte and no byte
        outside ASCII, whatever the client sent;
      - CANCEL and INFO alone are never refused.

    Seeds: tests/fuzz/corpus/fuzz_replay_request/, valid and invalid
    requests of every command (tests/fuzz/make_seeds.c). Run it with
    scripts/fuzz; reproduce a saved input with
        build-fuzz/tests/fuzz_replay_request FILE
    ========================================================================= */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
//  private headers of the library (src/ is not on the tests' include path)
#include "../../src/filters.h"
#include "../../src/replay_request.h"

//  One more frame than the longest FOLLOW takes.
#define s_FRAMES_MAX (3 + JB__REPLAY_FILTERS_MAX + 1)

//  The reason buffer of the replay thread (src/replay.c, s_REASON_MAX),
//  and a small one, where every reason is cut short.
#define s_REASON_BROKER 512
#define s_REASON_SMALL 20

//  --------------------------------------------------------------------------
//  The oracle: each field checked against its frame, independently of the
//  parser's own helpers.

static bool
s_frame_is(const jb_frame_t *frame, const char *text)
{
    size_t length = strlen(text);
    return frame->size == length && memcmp(frame->data, text, length) == 0;
}

//  size bytes at data are all decimal digits (at least one), and their
//  value, without overflowing, is *value_p.
static bool
s_decimal(const char *data, size_t size, uint64_t *value_p)
{
    if (size == 0)
        return false;
    uint64_t value = 0;
    for (size_t index = 0; index < size; index++) {
        if (data[index] < '0' || data[index] > '9')
            return false;
        unsigned digit = (unsigned) (data[index] - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *value_p = value;
    return true;
}

//  The whole frame is the decimal value.
static bool
s_frame_is_number(const jb_frame_t *frame, uint64_t value)
{
    uint64_t parsed;
    return s_decimal((const char *) frame->data, frame->size, &parsed) && parsed == value;
}

//  A text field: NUL-terminated within JB__REPLAY_FIELD_MAX bytes.
static bool
s_terminated(const char *field)
{
    return memchr(field, '\0', JB__REPLAY_FIELD_MAX) != NULL;
}

//  A durable consumer's or a publisher's name.
static bool
s_valid_name(const char *name)
{
    if (!s_terminated(name))
        return false;
    size_t length = strlen(name);
    if (length == 0 || length > JB__REPLAY_NAME_MAX)
        return false;
    for (size_t index = 0; index < length; index++)
        if ((unsigned char) name[index] <= 0x20 || (unsigned char) name[index] >= 0x7F)
            return false;
    return true;
}

static const char *
s_check_filter(const jb__replay_filter_t *filter, const jb_frame_t *frame)
{
    if (!s_terminated(filter->text))
        return "an accepted filter is not NUL-terminated within JB__REPLAY_FIELD_MAX";
    if (strlen(filter->text) != frame->size || memcmp(filter->text, frame->data, frame->size) != 0)
        return "an accepted filter is not the bytes of its frame";
    bool is_pattern = false;
    size_t subscription_size = 0;
    if (jb__filter_parse(filter->text, &is_pattern, &subscription_size, NULL) != 0)
        return "an accepted filter is refused by jb__filter_parse";
    if (is_pattern != filter->is_pattern || subscription_size != filter->subscription_size)
        return "an accepted filter's is_pattern or subscription_size is not jb__filter_parse's";
    return NULL;
}

static const char *
s_check_window(const jb__replay_request_t *request, const jb_frame_t *frame)
{
    if (request->window < 1 || request->window > JB__REPLAY_WINDOW_MAX)
        return "an accepted window is not 1 to JB__REPLAY_WINDOW_MAX";
    if (!s_frame_is_number(frame, request->window))
        return "an accepted window is not the decimal value of its frame";
    return NULL;
}

//  frame is prefix, then what rest_size bytes at *rest_p are.
static bool
s_prefixed(const jb_frame_t *frame, const char *prefix, const char **rest_p, size_t *rest_size_p)
{
    size_t length = strlen(prefix);
    if (frame->size < length || memcmp(frame->data, prefix, length) != 0)
        return false;
    *rest_p = (const char *) frame->data + length;
    *rest_size_p = frame->size - length;
    return true;
}

static const char *
s_check_start(const jb__replay_request_t *request, const jb_frame_t *frame)
{
    const char *rest = NULL;
    size_t rest_size = 0;
    uint64_t value = 0;
    switch (request->start) {
        case JB__REPLAY_START_FIRST:
            return s_frame_is(frame, "first")? NULL: "an accepted start \"first\" is not its frame";
        case JB__REPLAY_START_SEQUENCE:
            if (request->number > UINT64_MAX / 2)
                return "an accepted seq:N is above UINT64_MAX / 2";
            if (!s_prefixed(frame, "seq:", &rest, &rest_size)
            ||  !s_decimal(rest, rest_size, &value) || value != request->number)
                return "an accepted seq:N is not its frame";
            return NULL;
        case JB__REPLAY_START_TIME:
            if (request->number > INT64_MAX)
                return "an accepted time:MS is above INT64_MAX";
            if (!s_prefixed(frame, "time:", &rest, &rest_size)
            ||  !s_decimal(rest, rest_size, &value) || value != request->number)
                return "an accepted time:MS is not its frame";
            return NULL;
        case JB__REPLAY_START_DURABLE:
            if (!s_valid_name(request->name))
                return "an accepted durable:NAME has a name that is not 1 to "
                       "JB__REPLAY_NAME_MAX printable ASCII characters without space";
            if (!s_prefixed(frame, "durable:", &rest, &rest_size)
            ||  rest_size < strlen(request->name)
            ||  memcmp(rest, request->name, strlen(request->name)) != 0)
                return "an accepted durable:NAME is not its frame";
            if (rest_size == strlen(request->name))
                return request->fallback == JB__REPLAY_START_FIRST
                    ? NULL: "an accepted durable:NAME without a start has a fallback";
            //  durable:NAME START: the fallback is START, as a start of its own
            {
                jb__replay_request_t fallback = *request;
                fallback.start = request->fallback;
                fallback.number = request->fallback_number;
                size_t skip = 8 + strlen(request->name) + 1;
                jb_frame_t rest_frame = { (const char *) frame->data + skip, frame->size - skip };
                if (((const char *) frame->data)[skip - 1] != ' '
                ||  fallback.start == JB__REPLAY_START_DURABLE
                ||  fallback.start == JB__REPLAY_START_AFTER)
                    return "an accepted durable:NAME START is not its frame";
                return s_check_start(&fallback, &rest_frame);
            }
        case JB__REPLAY_START_AFTER: {
            if (request->number < 1 || request->number > INT32_MAX)
                return "an accepted after:NUMBER:PUBLISHER has a number not 1 to INT32_MAX";
            if (!s_valid_name(request->name))
                return "an accepted after:NUMBER:PUBLISHER has a publisher that is not 1 to "
                       "JB__REPLAY_NAME_MAX printable ASCII characters without space";
            if (!s_prefixed(frame, "after:", &rest, &rest_size))
                return "an accepted after:NUMBER:PUBLISHER is not its frame";
            const char *colon = (const char *) memchr(rest, ':', rest_size);
            size_t digits = colon? (size_t) (colon - rest): 0;
            size_t name_size = colon? rest_size - digits - 1: 0;
            if (!colon || !s_decimal(rest, digits, &value) || value != request->number
            ||  name_size != strlen(request->name) || memcmp(colon + 1, request->name, name_size) != 0)
                return "an accepted after:NUMBER:PUBLISHER is not its frame";
            return NULL;
        }
        default:
            return "an accepted start is none of jb__replay_start_kind_t";
    }
}

//  An accepted request of count frames.
static const char *
s_check_accepted(const jb__replay_request_t *request, const jb_frame_t *frames, size_t count)
{
    const char *problem = NULL;
    switch (request->command) {
        case JB__REPLAY_REQUEST_REPLAY:
            if (count != 4 || !s_frame_is(&frames[0], "REPLAY"))
                return "an accepted REPLAY is not [REPLAY] FILTER START WINDOW";
            if (request->filter_count != 1)
                return "an accepted REPLAY has not 1 filter";
            problem = s_check_filter(&request->filters[0], &frames[1]);
            if (!problem)
                problem = s_check_start(request, &frames[2]);
            if (!problem)
                problem = s_check_window(request, &frames[3]);
            return problem;
        case JB__REPLAY_REQUEST_FOLLOW:
            if (count < 4 || count > 3 + JB__REPLAY_FILTERS_MAX || !s_frame_is(&frames[0], "FOLLOW"))
                return "an accepted FOLLOW is not [FOLLOW] START WINDOW and 1 to "
                       "JB__REPLAY_FILTERS_MAX filters";
            if (request->filter_count < 1 || request->filter_count > JB__REPLAY_FILTERS_MAX
            ||  request->filter_count != count - 3)
                return "an accepted FOLLOW's filter_count is not its number of filter frames";
            problem = s_check_start(request, &frames[1]);
            if (!problem)
                problem = s_check_window(request, &frames[2]);
            for (size_t index = 0; !problem && index < request->filter_count; index++)
                problem = s_check_filter(&request->filters[index], &frames[3 + index]);
            return problem;
        case JB__REPLAY_REQUEST_CREDIT:
            if (count != 2 || !s_frame_is(&frames[0], "CREDIT"))
                return "an accepted CREDIT is not [CREDIT] N";
            if (!s_frame_is_number(&frames[1], request->credit))
                return "an accepted CREDIT's credit is not the decimal value of its frame";
            return NULL;
        case JB__REPLAY_REQUEST_CANCEL:
            if (count != 1 || !s_frame_is(&frames[0], "CANCEL"))
                return "an accepted CANCEL is not [CANCEL] alone";
            return NULL;
        case JB__REPLAY_REQUEST_ACK:
            if (count != 3 || !s_frame_is(&frames[0], "ACK"))
                return "an accepted ACK is not [ACK] NAME SEQUENCE";
            if (!s_valid_name(request->name))
                return "an accepted ACK's name is not 1 to JB__REPLAY_NAME_MAX printable ASCII "
                       "characters without space";
            if (!s_frame_is(&frames[1], request->name))
                return "an accepted ACK's name is not its frame";
            if (request->number > UINT64_MAX / 2)
                return "an accepted ACK's sequence is above UINT64_MAX / 2";
            if (!s_frame_is_number(&frames[2], request->number))
                return "an accepted ACK's sequence is not the decimal value of its frame";
            return NULL;
        case JB__REPLAY_REQUEST_INFO:
            if (count != 1 || !s_frame_is(&frames[0], "INFO"))
                return "an accepted INFO is not [INFO] alone";
            return NULL;
        default:
            return "an accepted request's command is none of jb__replay_command_t";
    }
}

//  A refused request: reason, reason_size bytes, holds a text for ERROR.
static const char *
s_check_refused(const char *reason, size_t reason_size, const jb_frame_t *frames, size_t count)
{
    const char *end = (const char *) memchr(reason, '\0', reason_size);
    if (!end)
        return "a refusal's reason is not NUL-terminated within its buffer";
    if (end == reason)
        return "a refusal's reason is empty";
    for (const char *cursor = reason; cursor < end; cursor++)
        if ((unsigned char) *cursor < 0x20 || (unsigned char) *cursor > 0x7E)
            return "a refusal's reason holds a byte that is not printable ASCII";
    if (count == 1 && (s_frame_is(&frames[0], "CANCEL") || s_frame_is(&frames[0], "INFO")))
        return "CANCEL or INFO alone was refused";
    return NULL;
}

//  --------------------------------------------------------------------------

const char *
fuzz_replay_request(const uint8_t *data, size_t size)
{
    if (size == 0)
        return NULL;
    size_t count = (size_t) (data[0] & 0x7F) % (s_FRAMES_MAX + 1);
    size_t reason_size = data[0] & 0x80? s_REASON_SMALL: s_REASON_BROKER;
    jb_frame_t frames [s_FRAMES_MAX] = { { NULL, 0 } };
    size_t at = 1;
    const char *problem = NULL;
    for (size_t index = 0; index < count; index++) {
        size_t frame_size = size - at;
        if (index + 1 < count && at < size) {
            size_t declared = data[at++];
            if (declared == 0xFF && at < size)
                declared += data[at++];
            frame_size = declared < size - at? declared: size - at;
        }
        frames[index].data = fuzz_copy(data + at, frame_size);
        frames[index].size = frame_size;
        at += frame_size;
        if (!frames[index].data)
            problem = "the harness ran out of memory";
    }
    //  the request and the reason in blocks of their exact size, and the
    //  reason filled with a byte that is not text, so that a write past
    //  either, or a reason left unterminated, is seen
    jb__replay_request_t *request = (jb__replay_request_t *) malloc(sizeof *request);
    char *reason = (char *) malloc(reason_size);
    if (!request || !reason)
        problem = "the harness ran out of memory";
    if (!problem) {
        memset(reason, 0xA5, reason_size);
        if (jb__replay_request_parse(frames, count, request, reason, reason_size))
            problem = s_check_accepted(request, frames, count);
        else
            problem = s_check_refused(reason, reason_size, frames, count);
    }
    free(request);
    free(reason);
    for (size_t index = 0; index < count; index++)
        free((void *) frames[index].data);
    return problem;
}

#ifdef JB_FUZZ_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_verdict("fuzz_replay_request", fuzz_replay_request(data, size));
    return 0;
}
#endif
