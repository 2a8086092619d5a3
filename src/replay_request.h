/*  =========================================================================
    replay_request.h - a replay client's request, parsed from its frames
    (docs/replay.md 2) (private to the library)

    The parsing is apart from the replay thread so that it can be fuzzed
    without sockets (tests/fuzz/fuzz_replay_request.c): it checks the
    syntax of every field; what needs the journal, the rules or the
    sessions (a durable name's position, a key's rights) is the replay
    thread's.

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_REPLAY_REQUEST_PRIVATE_H_INCLUDED
#define JBUS_REPLAY_REQUEST_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jbus/message.h"

//  Most events a replay has in flight.
#define JB__REPLAY_WINDOW_MAX 1000

//  Most filters of one FOLLOW.
#define JB__REPLAY_FILTERS_MAX 32

//  Longest filter, durable name, publisher or start, with its NUL.
#define JB__REPLAY_FIELD_MAX 256

//  Longest durable consumer name (as the journal keeps them).
#define JB__REPLAY_NAME_MAX 128

typedef enum {
    JB__REPLAY_REQUEST_REPLAY,      //  REPLAY FILTER START WINDOW
    JB__REPLAY_REQUEST_FOLLOW,      //  FOLLOW START WINDOW FILTER...
    JB__REPLAY_REQUEST_CREDIT,      //  CREDIT N
    JB__REPLAY_REQUEST_CANCEL,      //  CANCEL
    JB__REPLAY_REQUEST_ACK,         //  ACK NAME SEQUENCE
    JB__REPLAY_REQUEST_INFO         //  INFO
} jb__replay_command_t;

typedef enum {
    JB__REPLAY_START_FIRST,         //  first
    JB__REPLAY_START_SEQUENCE,      //  seq:N
    JB__REPLAY_START_TIME,          //  time:MS
    JB__REPLAY_START_DURABLE,       //  durable:NAME, or durable:NAME START
    JB__REPLAY_START_AFTER          //  after:NUMBER:PUBLISHER
} jb__replay_start_kind_t;

typedef struct {
    char text [JB__REPLAY_FIELD_MAX];
    bool is_pattern;
    size_t subscription_size;       //  the text before the first wildcard
} jb__replay_filter_t;

typedef struct {
    jb__replay_command_t command;
    //  REPLAY and FOLLOW
    jb__replay_filter_t filters [JB__REPLAY_FILTERS_MAX];
    size_t filter_count;            //  1 for REPLAY
    jb__replay_start_kind_t start;
    uint64_t number;                //  seq:N, time:MS, after:NUMBER
    jb__replay_start_kind_t fallback;   //  durable:NAME START: where a name
    uint64_t fallback_number;       //  without a position starts (first,
                                    //  seq:N or time:MS; first when none)
    char name [JB__REPLAY_FIELD_MAX];   //  durable:NAME, after:..:PUBLISHER
    uint32_t window;                //  1 .. JB__REPLAY_WINDOW_MAX
    //  CREDIT
    uint32_t credit;
    //  ACK: name, and the sequence in number
} jb__replay_request_t;

//  True when text is a durable consumer's or a publisher's name as the
//  protocol takes them: 1 .. JB__REPLAY_NAME_MAX printable ASCII
//  characters, no space.
bool
    jb__replay_name_valid(const char *text);

//  Parse a request of count frames (without the ROUTER's identity) into
//  *request. Returns true, or false with why in reason (reason_size
//  bytes, NUL-terminated), the text an ERROR reply carries.
bool
    jb__replay_request_parse(const jb_frame_t *frames, size_t count,
                             jb__replay_request_t *request, char *reason, size_t reason_size);

#endif
