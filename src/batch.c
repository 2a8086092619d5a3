/*  =========================================================================
    batch.c - an ordered list of events that owns them
    ========================================================================= */

#include <assert.h>
#include <stdlib.h>

#include "jbus.h"

struct jb_batch {
    jb_event_t **events;        //  owned, in order
    size_t size;
    size_t capacity;
};

jb_batch_t *
jb_batch_new(void)
{
    return (jb_batch_t *) calloc(1, sizeof(jb_batch_t));
}

void
jb_batch_destroy(jb_batch_t **self_p)
{
    assert(self_p);
    jb_batch_t *self = *self_p;
    if (!self)
        return;
    for (size_t index = 0; index < self->size; index++)
        jb_event_destroy(&self->events[index]);
    free(self->events);
    free(self);
    *self_p = NULL;
}

int
jb_batch_append(jb_batch_t *self, jb_event_t **event_p)
{
    assert(self);
    assert(event_p && *event_p);
    if (self->size == self->capacity) {
        size_t capacity = self->capacity? self->capacity * 2: 8;
        jb_event_t **grown = (jb_event_t **) realloc(self->events, capacity * sizeof(jb_event_t *));
        if (!grown) {
            jb_event_destroy(event_p);
            return JB_ENOMEM;
        }
        self->events = grown;
        self->capacity = capacity;
    }
    self->events[self->size++] = *event_p;
    *event_p = NULL;
    return 0;
}

size_t
jb_batch_size(const jb_batch_t *self)
{
    assert(self);
    return self->size;
}

jb_event_t *
jb_batch_at(const jb_batch_t *self, size_t index)
{
    assert(self);
    assert(index < self->size);
    return self->events[index];
}
