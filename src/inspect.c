/*  =========================================================================
    inspect.c - the broker's checks of one message, as decisions

    What the forwarder's inspected path asks of a message before it
    forwards it: does it fit the binding (strict mode), and, where CURVE
    rules judge its topic, is its event's type that topic. Each looks at
    frames received whole and returns a decision; the forwarder drops or
    forwards, counts and logs.
    ========================================================================= */

#include <string.h>

#include "jbus.h"
#include "inspect.h"
#include "announce.h"
#include "broker_config.h"
#include "json_check.h"

//  --------------------------------------------------------------------------
//  Strict mode's check, a decision: 0 when the count frames of a message
//  fit the binding (an event, or a well-formed announcement), else a JB_E* code with the reason in error. They are
//  decoded where they lie (jb_frame_t views into the zmq_msg_ts) into an
//  event that is thrown away. frames holds the message whole.

int
jb__inspect_binding(zmq_msg_t *frames, size_t count, jb_error_t *error)
{
    if (count > JB__INSPECT_FRAMES_MAX)
        return jb__broker_error(error, JB_EFRAME, NULL,
                                "a jbus message has 2 frames (binary mode) or 3 (structured "
                                "mode), this one has %zu", count);
    if (count == 3 && jb__announce_marks(zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]))) {
        jb__announcement_t announcement;
        return jb__announce_parse(zmq_msg_data(&frames[2]), zmq_msg_size(&frames[2]),
                                  &announcement, error);
    }
    jb_frame_t views [JB__INSPECT_FRAMES_MAX];
    for (size_t index = 0; index < count; index++) {
        views[index].data = zmq_msg_data(&frames[index]);
        views[index].size = zmq_msg_size(&frames[index]);
    }
    jb_event_t *event = NULL;
    int rc = jb_message_decode(views, count, NULL, &event, error);
    jb_event_destroy(&event);
    return rc;
}

//  --------------------------------------------------------------------------
//  With rules in force (CURVE), a decision made before the rule's: 0 when
//  the event's type is the topic the rule judges, else a JB_E* code with
//  the reason in error. In binary mode frame 0 is the type and nothing
//  else is: the binding refuses a `type` key in the map, and so do jbus's
//  decoders, so there is nothing to read. In structured mode (frame 1
//  starts with application/cloudevents) frame 2 is read as far as its
//  outline (jb__json_outline: one pass, no decode): the top level must be
//  an object with exactly one member named "type", name and value free of
//  escapes, the value a string equal to frame 0 byte for byte. So no
//  decoder can read another type from it: not jbus's, which refuses a
//  duplicate, nor one that takes the last duplicate, nor one that reads
//  "t\u0079pe" as "type". An escaped top-level name is refused outright:
//  CloudEvents names are lower-case letters and digits.

int
jb__inspect_type(zmq_msg_t *frames, size_t count, jb_error_t *error)
{
    //  No type holds a NUL: a topic with one is the broker's own (a
    //  refusal notice's, binding 3.5), which no publisher may forge
    if (memchr(zmq_msg_data(&frames[0]), '\0', zmq_msg_size(&frames[0])))
        return jb__broker_error(error, JB_EFRAME, NULL, "a topic with a NUL byte, which no "
                                "type has (the broker's notices use such topics)");
    if (count < 2)
        return 0;
    const char *media_type = (const char *) zmq_msg_data(&frames[1]);
    size_t media_type_size = zmq_msg_size(&frames[1]);
    //  A msgpack map (binary mode) starts at 0x80 or above; a media type
    //  with a letter.
    if (media_type_size == 0 || (unsigned char) media_type[0] >= 0x80
    ||  !jb_media_type_has_prefix(media_type, media_type_size, "application/cloudevents"))
        return 0;
    if (count != 3)
        return jb__broker_error(error, JB_EFRAME, NULL, "a structured-mode message has 3 "
                                "frames, this one has %zu", count);
    jb__json_outline_t outline;
    int rc = jb__json_outline((const char *) zmq_msg_data(&frames[2]), zmq_msg_size(&frames[2]),
                              0, &outline, error);
    size_t types = 0;
    const jb__json_member_t *type = NULL;
    for (size_t index = 1; rc == 0 && index < outline.count; index++) {
        const jb__json_member_t *member = &outline.entries[index];
        if (member->name_escaped)
            rc = jb__broker_error(error, JB_EPARSE, "type", "a top-level member name with an "
                                  "escape, which could stand for \"type\"");
        else
        if (member->name_end - member->name == 6 && memcmp(member->name, "\"type\"", 6) == 0) {
            types++;
            type = member;
        }
    }
    size_t topic_size = zmq_msg_size(&frames[0]);
    if (rc == 0 && types != 1)
        rc = jb__broker_error(error, JB_EINVALID, "type", "the event has %zu type members, "
                              "not one", types);
    else
    if (rc == 0 && (*type->value != '"' || type->value_escaped
                ||  (size_t) (type->value_end - type->value) != topic_size + 2
                ||  memcmp(type->value + 1, zmq_msg_data(&frames[0]), topic_size) != 0))
        rc = jb__broker_error(error, JB_EINVALID, "type", "the event's type is not the topic "
                              "(or is written with escapes)");
    jb__json_outline_free(&outline);
    return rc;
}
