/*  =========================================================================
    jbus/batch.h - an ordered list of events

    The JSON batch format decodes into a batch, and a publisher sends a
    batch all or nothing: every event is validated and encoded before the
    first is sent. A batch owns its events.
    ========================================================================= */

#ifndef JBUS_BATCH_H_INCLUDED
#define JBUS_BATCH_H_INCLUDED

#include <stddef.h>
#include "jbus/export.h"
#include "jbus/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jb_batch jb_batch_t;

//  Create an empty batch. Returns NULL when out of memory.
JB_EXPORT jb_batch_t *
    jb_batch_new(void);

//  Destroy the batch and its events; set *self_p to NULL. Accepts NULL.
JB_EXPORT void
    jb_batch_destroy(jb_batch_t **self_p);

//  Append an event, taking ownership: *event_p is set to NULL, also when
//  this fails (the event is then destroyed). Returns 0 or JB_ENOMEM.
JB_EXPORT int
    jb_batch_append(jb_batch_t *self, jb_event_t **event_p);

//  Number of events.
JB_EXPORT size_t
    jb_batch_size(const jb_batch_t *self);

//  The event at index (0 .. size-1), borrowed: the batch keeps it.
JB_EXPORT jb_event_t *
    jb_batch_at(const jb_batch_t *self, size_t index);

#ifdef __cplusplus
}
#endif

#endif
