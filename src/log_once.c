/*  =========================================================================
    log_once.c - a bounded set of what the broker has logged
    ========================================================================= */

#include <czmq.h>

#include "jbus.h"
#include "log_once.h"
#include "text.h"

struct jb__log_once {
    zhashx_t *seen;             //  descriptions logged, as a set
    size_t max;                 //  most descriptions held
    bool full;                  //  ... and the set reached it
    char *full_warning;         //  logged when it did
};

//  --------------------------------------------------------------------------

jb__log_once_t *
jb__log_once_new(size_t max, const char *full_warning)
{
    assert(full_warning);
    jb__log_once_t *self = (jb__log_once_t *) calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->max = max;
    self->seen = zhashx_new();
    self->full_warning = jb__strndup(full_warning, strlen(full_warning));
    if (!self->seen || !self->full_warning)
        jb__log_once_destroy(&self);
    return self;
}

//  --------------------------------------------------------------------------

void
jb__log_once_destroy(jb__log_once_t **self_p)
{
    assert(self_p);
    jb__log_once_t *self = *self_p;
    if (self) {
        zhashx_destroy(&self->seen);
        free(self->full_warning);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------

bool
jb__log_once_first(jb__log_once_t *self, const char *what)
{
    assert(self);
    assert(what);
    if (zhashx_lookup(self->seen, what))
        return false;
    if (zhashx_size(self->seen) >= self->max) {
        if (!self->full)
            jb_log(JB_LOG_WARN, "%s", self->full_warning);
        self->full = true;
        return false;
    }
    zhashx_insert(self->seen, what, self);     //  a set: any non-NULL item
    return true;
}

//  --------------------------------------------------------------------------

size_t
jb__log_once_size(const jb__log_once_t *self)
{
    assert(self);
    return zhashx_size(self->seen);
}

bool
jb__log_once_full(const jb__log_once_t *self)
{
    assert(self);
    return self->full;
}

//  --------------------------------------------------------------------------

void
jb__log_printable(const void *data, size_t size, char *text)
{
    const unsigned char *bytes = (const unsigned char *) data;
    size_t shown = size < JB__LOG_SHOWN_MAX? size: JB__LOG_SHOWN_MAX;
    for (size_t index = 0; index < shown; index++)
        text[index] = bytes[index] >= 0x20 && bytes[index] < 0x7f && bytes[index] != '"'?
                      (char) bytes[index]: '?';
    snprintf(text + shown, 4, "%s", size > shown? "...": "");
}
