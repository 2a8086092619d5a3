/*  =========================================================================
    refusal.h - the broker's notice to a subscriber that it refused one of
    its subscriptions (private to the library)

    docs/zeromq-binding.md, section 3.5. Under CURVE rules the broker
    refuses a subscription outside the subscriber's prefixes; without a
    word, the subscriber would wait for events that never come. So the
    broker publishes a notice of three frames on the topic of the refused
    subscriber's key: JB__REFUSAL_TOPIC, a space and the key (Z85, 40
    characters); JB__REFUSAL_MEDIA_TYPE; and the text "KEY PREFIX", the
    key again and the refused subscription's bytes.

    The topic starts with a NUL byte, which no CloudEvents type has, so no
    event subscription but "" matches it. A jbus subscriber with CURVE
    subscribes to its own key's topic, and the broker grants that
    subscription only to a connection of that key: a client hears of its
    own refusals (every connection of its key does), never of another's,
    but where it holds "" (its rights cover every type). The notice is an
    ordinary message on an ordinary subscription: nothing depends on which
    connection the broker read last.

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_REFUSAL_PRIVATE_H_INCLUDED
#define JBUS_REFUSAL_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "jbus/curve.h"

//  The start of every notice topic, with its NUL: 13 bytes.
#define JB__REFUSAL_TOPIC "\0jbus.refusal"
#define JB__REFUSAL_TOPIC_SIZE (sizeof JB__REFUSAL_TOPIC - 1)

//  A key's notice topic: the start, a space, the key.
#define JB__REFUSAL_KEY_SIZE (JB_CURVE_KEY_SIZE - 1)
#define JB__REFUSAL_KEY_TOPIC_SIZE (JB__REFUSAL_TOPIC_SIZE + 1 + JB__REFUSAL_KEY_SIZE)

//  Frame 1.
#define JB__REFUSAL_MEDIA_TYPE "application/vnd.jbus.refusal"
#define JB__REFUSAL_MEDIA_TYPE_SIZE (sizeof JB__REFUSAL_MEDIA_TYPE - 1)

//  Write key's notice topic (key: JB__REFUSAL_KEY_SIZE bytes of Z85) into
//  topic, which has room for JB__REFUSAL_KEY_TOPIC_SIZE bytes.
static inline void
jb__refusal_topic(char *topic, const char *key)
{
    memcpy(topic, JB__REFUSAL_TOPIC, JB__REFUSAL_TOPIC_SIZE);
    topic[JB__REFUSAL_TOPIC_SIZE] = ' ';
    memcpy(topic + JB__REFUSAL_TOPIC_SIZE + 1, key, JB__REFUSAL_KEY_SIZE);
}

//  True when a topic or subscription (data, size bytes) starts as notice
//  topics do.
static inline bool
jb__refusal_is_topic(const void *data, size_t size)
{
    return size >= JB__REFUSAL_TOPIC_SIZE
        && memcmp(data, JB__REFUSAL_TOPIC, JB__REFUSAL_TOPIC_SIZE) == 0;
}

//  True when data (size bytes) is key's notice topic exactly.
static inline bool
jb__refusal_is_topic_of(const void *data, size_t size, const char *key)
{
    char topic [JB__REFUSAL_KEY_TOPIC_SIZE];
    jb__refusal_topic(topic, key);
    return size == JB__REFUSAL_KEY_TOPIC_SIZE && memcmp(data, topic, size) == 0;
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
    size_t key_size = JB__REFUSAL_KEY_SIZE;
    if (size <= key_size || text[key_size] != ' ' || memcmp(text, key, key_size) != 0)
        return false;
    *prefix_p = text + key_size + 1;
    *prefix_size_p = size - key_size - 1;
    return true;
}

#endif
