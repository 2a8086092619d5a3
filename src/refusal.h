/*  =========================================================================
    refusal.h - the broker's notice to a subscriber that it refused one of
    its subscriptions (private to the library)

    docs/zeromq-binding.md, section 3.5. Under CURVE rules the broker
    refuses a subscription outside the subscriber's prefixes; without a
    word, the subscriber would wait for events that never come. So the
    broker sends the refused connection, and it alone, a notice of three
    frames: JB__REFUSAL_TOPIC, JB__REFUSAL_MEDIA_TYPE, and the text "KEY
    PREFIX": the subscriber's public key (Z85, 40 characters), a space,
    and the refused subscription's bytes.

    The topic starts with a NUL byte, which no CloudEvents type has, so no
    event subscription but "" matches it. A jbus subscriber with CURVE
    subscribes to it; the broker never applies that subscription (the
    ledger takes it aside), so notices reach a subscriber only when the
    broker sends one to its connection alone: applied to the connection
    just read (manual XPUB), sent, and withdrawn again.

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_REFUSAL_PRIVATE_H_INCLUDED
#define JBUS_REFUSAL_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "jbus/curve.h"

//  Frame 0, the topic, with its NUL: 13 bytes.
#define JB__REFUSAL_TOPIC "\0jbus.refusal"
#define JB__REFUSAL_TOPIC_SIZE (sizeof JB__REFUSAL_TOPIC - 1)

//  Frame 1.
#define JB__REFUSAL_MEDIA_TYPE "application/vnd.jbus.refusal"
#define JB__REFUSAL_MEDIA_TYPE_SIZE (sizeof JB__REFUSAL_MEDIA_TYPE - 1)

//  True when a subscription's prefix (data, size bytes) is the notices'
//  topic.
static inline bool
jb__refusal_is_topic(const void *data, size_t size)
{
    return size == JB__REFUSAL_TOPIC_SIZE
        && memcmp(data, JB__REFUSAL_TOPIC, JB__REFUSAL_TOPIC_SIZE) == 0;
}

//  True when frame 1 of a message (data, size bytes) marks a notice.
static inline bool
jb__refusal_marks(const void *data, size_t size)
{
    return size == JB__REFUSAL_MEDIA_TYPE_SIZE
        && memcmp(data, JB__REFUSAL_MEDIA_TYPE, JB__REFUSAL_MEDIA_TYPE_SIZE) == 0;
}

//  Frame 2 (data, size bytes) read: true when it is "KEY PREFIX" with KEY
//  equal to key (Z85); then *prefix_p and *prefix_size_p are the refused
//  subscription, borrowed from data.
static inline bool
jb__refusal_for(const void *data, size_t size, const char *key, const char **prefix_p,
                size_t *prefix_size_p)
{
    const char *text = (const char *) data;
    size_t key_size = JB_CURVE_KEY_SIZE - 1;
    if (size <= key_size || text[key_size] != ' ' || memcmp(text, key, key_size) != 0)
        return false;
    *prefix_p = text + key_size + 1;
    *prefix_size_p = size - key_size - 1;
    return true;
}

#endif
