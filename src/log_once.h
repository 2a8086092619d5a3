/*  =========================================================================
    log_once.h - a bounded set of what the broker has logged, between jbus
    sources

    A peer that keeps sending what the broker refuses must fill the log
    once, not once a message: the broker logs a refusal only the first time
    its description (a peer address, a key and a prefix, ...) is seen. The
    set is bounded, so that a stream of new peers cannot grow it for ever:
    past its bound, one warning says so and later refusals are only
    counted. Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_LOG_ONCE_H_INCLUDED
#define JBUS_PRIVATE_LOG_ONCE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

//  Bytes of what a peer sent (a type, a topic, a prefix) shown in a line.
#define JB__LOG_SHOWN_MAX 80

typedef struct jb__log_once jb__log_once_t;

//  A new empty set of at most max descriptions; full_warning (copied) is
//  logged (zsys_warning) the first time one more is asked about. NULL
//  when out of memory.
jb__log_once_t *
    jb__log_once_new(size_t max, const char *full_warning);

//  Free the set and set *self_p to NULL; accepts NULL.
void
    jb__log_once_destroy(jb__log_once_t **self_p);

//  True the first time what (a description, copied) is asked about, while
//  the set has room: the caller then logs it. False when it was asked
//  before, or the set is full.
bool
    jb__log_once_first(jb__log_once_t *self, const char *what);

//  How many descriptions the set holds, and whether it reached its bound.
size_t
    jb__log_once_size(const jb__log_once_t *self);
bool
    jb__log_once_full(const jb__log_once_t *self);

//  Printable ASCII of the size bytes at data, at most JB__LOG_SHOWN_MAX of
//  them (others, and '"', as '?'), with "..." when cut, into text, which
//  has room for JB__LOG_SHOWN_MAX + 4 bytes.
void
    jb__log_printable(const void *data, size_t size, char *text);

#endif
