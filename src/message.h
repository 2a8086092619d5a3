/*  =========================================================================
    message.h - encoding with a loss-detection stamp (private to the library;
    the public API is jbus/message.h)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_MESSAGE_PRIVATE_H_INCLUDED
#define JBUS_MESSAGE_PRIVATE_H_INCLUDED

#include "sequence.h"
#include "jbus/message.h"

//  Jb_message_encode, with the stamp's attributes when stamp is
//  not NULL.
int
    jb__message_encode(jb_message_t *self, const jb_event_t *event, jb_mode_t mode,
                       const jb__stamp_t *stamp, jb_error_t *error);

#endif
