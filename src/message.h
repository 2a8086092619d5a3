/*  =========================================================================
    message.h - encoding and decoding with the loss-detection stamp (private
    to the library; the public API is jbus/message.h)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_MESSAGE_PRIVATE_H_INCLUDED
#define JBUS_MESSAGE_PRIVATE_H_INCLUDED

#include "sequence.h"
#include "jbus/message.h"

//  Jb_message_encode, with the stamp's attributes after the event's
//  extensions when stamp is not NULL (in place of any of the same name).
int
    jb__message_encode(jb_message_t *self, const jb_event_t *event, jb_mode_t mode,
                       const jb__stamp_t *stamp, jb_error_t *error);

//  Jb_message_decode, with the stamp's attributes read into *stamp instead
//  of into the event: a subscriber's way, which never sees them as
//  extensions. *stamp is filled also on failure (then not stamped).
int
    jb__message_decode_stamped(const jb_frame_t *frames, size_t count,
                               const jb_extension_def_t *known, jb_event_t **event_p,
                               jb__received_stamp_t *stamp, jb_error_t *error);

#endif
