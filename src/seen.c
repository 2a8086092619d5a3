/*  =========================================================================
    seen.c - the events a subscriber has had lately, by source and id

    A CZMQ hash of the keys, and a ring of the same keys in the order
    noted, which says which to forget first. The ring owns the keys; the
    hash only points at them.
    ========================================================================= */

#include <czmq.h>

#include "seen.h"

struct jb__seen {
    zhashx_t *keys;             //  key -> the key's slot in the ring, + 1
    char **ring;                //  JB__SEEN_MAX keys, owned
    size_t next;                //  the slot the next key goes to
};

jb__seen_t *
jb__seen_new(void)
{
    jb__seen_t *self = (jb__seen_t *) calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->keys = zhashx_new();
    self->ring = (char **) calloc(JB__SEEN_MAX, sizeof(char *));
    if (!self->keys || !self->ring) {
        jb__seen_destroy(&self);
        return NULL;
    }
    zhashx_set_key_duplicator(self->keys, NULL);
    zhashx_set_key_destructor(self->keys, NULL);
    return self;
}

void
jb__seen_destroy(jb__seen_t **self_p)
{
    assert(self_p);
    jb__seen_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy(&self->keys);
    for (size_t slot = 0; self->ring && slot < JB__SEEN_MAX; slot++)
        free(self->ring[slot]);
    free(self->ring);
    free(self);
    *self_p = NULL;
}

bool
jb__seen_repeated(jb__seen_t *self, const char *source, const char *id)
{
    assert(self);
    //  the length first, so that no two (source, id) make one key
    char *key = zsys_sprintf("%zu:%s%s", strlen(source), source, id);
    if (!key)
        return false;
    if (zhashx_lookup(self->keys, key)) {
        zstr_free(&key);
        return true;
    }
    char **slot = &self->ring[self->next];
    if (*slot) {
        zhashx_delete(self->keys, *slot);
        zstr_free(slot);
    }
    if (zhashx_insert(self->keys, key, (void *) (uintptr_t) (self->next + 1)) == 0)
        *slot = key;
    else
        zstr_free(&key);
    self->next = (self->next + 1) % JB__SEEN_MAX;
    return false;
}
