/*  =========================================================================
    retained.h - the broker's memory of publishers' final announcements
    (private to the library)

    A publisher that closes announces, marked final, how far each of its
    types got (announce.h). A subscriber that is behind, its queue at the
    broker full, loses that announcement as it lost the events, and the
    publisher is gone and will not say it again. So the broker keeps each
    final announcement for a while and sends it again once a second: once
    the subscriber has caught up, the next one gets through and reports
    the tail it lost (docs/zeromq-binding.md 4.2).

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_RETAINED_PRIVATE_H_INCLUDED
#define JBUS_RETAINED_PRIVATE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  How often the broker sends its retained announcements again, in ms:
//  a publisher's period (jb_publisher_options_t.announce_ivl_ms).
#define JB__RETAINED_IVL_MS 1000

//  Most announcements retained; past that the oldest go first.
#define JB__RETAINED_MAX 10000

typedef struct jb__retained jb__retained_t;

//  Called to send one announcement: its topic and frame 2.
typedef void (jb__retained_send_fn)(const void *topic, size_t topic_size, const void *text,
                                    size_t text_size, void *arg);

//  A store that keeps announcements for retain_ms (more than 0); NULL
//  when out of memory.
jb__retained_t *
    jb__retained_new(int retain_ms);
//  Free it; set *self_p to NULL. Accepts NULL.
void
    jb__retained_destroy(jb__retained_t **self_p);
//  Keep an announcement (topic, and frame 2 as text) from now (ms of
//  zclock_mono) for retain_ms. Copies both; out of memory, it is not kept.
void
    jb__retained_keep(jb__retained_t *self, const void *topic, size_t topic_size,
                      const void *text, size_t text_size, int64_t now);
//  When it is time (every JB__RETAINED_IVL_MS), forget what has been kept
//  for retain_ms and send the rest through send. Returns how many were
//  sent.
size_t
    jb__retained_tick(jb__retained_t *self, int64_t now, jb__retained_send_fn *send, void *arg);
//  When the next tick is due (ms of zclock_mono), or -1 while nothing is
//  kept.
int64_t
    jb__retained_next_tick(const jb__retained_t *self);
//  How many announcements are kept.
size_t
    jb__retained_size(const jb__retained_t *self);

#endif
