/*  =========================================================================
    retained.c - the broker's memory of publishers' final announcements

    A list in arrival order: every entry is kept for the same time, so the
    oldest is always the first to go, and a tick walks the list once.
    ========================================================================= */

#include <czmq.h>

#include "jbus.h"
#include "retained.h"

typedef struct {
    int64_t kept_at;            //  zclock_mono() when it came in
    size_t topic_size;
    size_t text_size;
    char bytes [];              //  the topic, then the text
} s_entry_t;

struct jb__retained {
    zlistx_t *entries;          //  s_entry_t *, oldest first
    int retain_ms;
    int64_t next_tick;          //  when the next tick is due; -1 when empty
};

//  --------------------------------------------------------------------------

jb__retained_t *
jb__retained_new(int retain_ms)
{
    assert(retain_ms > 0);
    jb__retained_t *self = (jb__retained_t *) calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->entries = zlistx_new();
    if (!self->entries) {
        free(self);
        return NULL;
    }
    zlistx_set_destructor(self->entries, (zlistx_destructor_fn *) zstr_free);
    self->retain_ms = retain_ms;
    self->next_tick = -1;
    return self;
}

void
jb__retained_destroy(jb__retained_t **self_p)
{
    assert(self_p);
    jb__retained_t *self = *self_p;
    if (self) {
        zlistx_destroy(&self->entries);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------

void
jb__retained_keep(jb__retained_t *self, const void *topic, size_t topic_size, const void *text,
                  size_t text_size, int64_t now)
{
    assert(self);
    if (zlistx_size(self->entries) >= JB__RETAINED_MAX) {
        zlistx_first(self->entries);
        zlistx_delete(self->entries, zlistx_cursor(self->entries));
    }
    s_entry_t *entry = (s_entry_t *) malloc(sizeof *entry + topic_size + text_size);
    if (!entry)
        return;
    entry->kept_at = now;
    entry->topic_size = topic_size;
    entry->text_size = text_size;
    memcpy(entry->bytes, topic, topic_size);
    memcpy(entry->bytes + topic_size, text, text_size);
    if (!zlistx_add_end(self->entries, entry)) {
        free(entry);
        return;
    }
    //  the first tick a full period after the announcement went out, as
    //  the publisher's next one would have
    if (self->next_tick < 0)
        self->next_tick = now + JB__RETAINED_IVL_MS;
}

//  --------------------------------------------------------------------------

size_t
jb__retained_tick(jb__retained_t *self, int64_t now, jb__retained_send_fn *send, void *arg)
{
    assert(self);
    if (self->next_tick < 0 || now < self->next_tick)
        return 0;
    size_t sent = 0;
    s_entry_t *entry = (s_entry_t *) zlistx_first(self->entries);
    while (entry && now - entry->kept_at >= self->retain_ms) {
        zlistx_delete(self->entries, zlistx_cursor(self->entries));
        entry = (s_entry_t *) zlistx_first(self->entries);
    }
    for (; entry; entry = (s_entry_t *) zlistx_next(self->entries), sent++)
        send(entry->bytes, entry->topic_size, entry->bytes + entry->topic_size,
             entry->text_size, arg);
    //  a late tick does not bring a burst to catch up
    self->next_tick = zlistx_size(self->entries) == 0? -1: now + JB__RETAINED_IVL_MS;
    return sent;
}

int64_t
jb__retained_next_tick(const jb__retained_t *self)
{
    assert(self);
    return self->next_tick;
}

size_t
jb__retained_size(const jb__retained_t *self)
{
    assert(self);
    return zlistx_size(self->entries);
}
