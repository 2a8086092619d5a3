/*  =========================================================================
    announce.h - the announcement: a publisher's latest sequence number of
    one type, sent when the type goes quiet (private to the library)

    docs/zeromq-binding.md, section 4.2. An announcement is a message of
    three frames: the type, JB__ANNOUNCE_MEDIA_TYPE, and the text
    "PUBLISHER SEQUENCE", with " final" after it when the publisher is
    closing. It travels on the publisher's socket behind the events it
    counts, so a subscriber that reads it has read every event of the
    stream that reached it.

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_ANNOUNCE_PRIVATE_H_INCLUDED
#define JBUS_ANNOUNCE_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jbus/error.h"
#include "sequence.h"

//  Frame 1 of an announcement, byte for byte.
#define JB__ANNOUNCE_MEDIA_TYPE "application/vnd.jbus.announcement"
#define JB__ANNOUNCE_MEDIA_TYPE_SIZE (sizeof JB__ANNOUNCE_MEDIA_TYPE - 1)

//  Room for frame 2: the longest publisher id kept, a space, ten digits
//  and " final".
#define JB__ANNOUNCE_TEXT_MAX (JB__RECEIVED_PUBLISHER_MAX + 24)

//  Frame 2, read.
typedef struct {
    char publisher [JB__RECEIVED_PUBLISHER_MAX];    //  NUL-terminated
    size_t publisher_size;
    int32_t sequence;           //  1 .. INT32_MAX
    bool final;                 //  the publisher is closing
} jb__announcement_t;

//  True when frame 1 of a message (data, size bytes) marks an
//  announcement.
static inline bool
jb__announce_marks(const void *data, size_t size)
{
    return size == JB__ANNOUNCE_MEDIA_TYPE_SIZE
        && memcmp(data, JB__ANNOUNCE_MEDIA_TYPE, JB__ANNOUNCE_MEDIA_TYPE_SIZE) == 0;
}

//  Write frame 2 for publisher (publisher_size bytes, fewer than
//  JB__RECEIVED_PUBLISHER_MAX) and sequence into text, which has room for
//  JB__ANNOUNCE_TEXT_MAX bytes. Returns its size (no NUL is counted).
size_t
    jb__announce_format(char *text, const char *publisher, size_t publisher_size,
                        int32_t sequence, bool final);

//  Read frame 2 (data, size bytes) into announcement. Returns 0, or
//  JB_EPARSE with the reason in error when it is not one.
int
    jb__announce_parse(const void *data, size_t size, jb__announcement_t *announcement,
                       jb_error_t *error);

#endif
