/*  =========================================================================
    seen.h - the events a subscriber has had lately, by source and id, for
    the events that carry no jbus stamp (private to the library)

    A jbus publisher's events are deduplicated by their stamp (sequence.c).
    A foreign publisher's are not stamped; CloudEvents makes source and id
    unique per event, so at the seam between a replay and the live stream
    a subscriber drops one whose (source, id) it had. The memory is
    bounded: the last JB__SEEN_MAX keys, the oldest forgotten first.

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_SEEN_PRIVATE_H_INCLUDED
#define JBUS_SEEN_PRIVATE_H_INCLUDED

#include <stdbool.h>

//  How many (source, id) keys are remembered.
#define JB__SEEN_MAX 65536

typedef struct jb__seen jb__seen_t;

jb__seen_t *
    jb__seen_new(void);

void
    jb__seen_destroy(jb__seen_t **self_p);

//  True when (source, id) was noted already; else note it (forgetting the
//  oldest when JB__SEEN_MAX are kept) and return false. Out of memory, it
//  notes nothing and returns false: a duplicate may then pass, never a
//  new event be dropped.
bool
    jb__seen_repeated(jb__seen_t *self, const char *source, const char *id);

#endif
