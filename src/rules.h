/*  =========================================================================
    rules.h - the broker's authorisation table, between jbus sources

    One rule per client key (or "*" for every client without a rule of its
    own), each with the type prefixes the client may publish and those it
    may subscribe to. A client that no rule names may do neither. Built
    once, then read only. Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_RULES_H_INCLUDED
#define JBUS_PRIVATE_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "jbus.h"

typedef struct jb__rules jb__rules_t;
typedef struct jb__rule jb__rule_t;

//  The key that stands for every client without a rule of its own.
#define JB__RULES_ANY "*"

//  A new empty table, or NULL when out of memory.
jb__rules_t *
    jb__rules_new(void);

//  Free the table and set *self_p to NULL; accepts NULL.
void
    jb__rules_destroy(jb__rules_t **self_p);

//  A copy of self, or NULL when out of memory.
jb__rules_t *
    jb__rules_dup(const jb__rules_t *self);

//  Exchange the rules that a and b hold: what borrows a sees b's from now.
void
    jb__rules_swap(jb__rules_t *a, jb__rules_t *b);

//  Add a rule for key (a client's public key in Z85, or JB__RULES_ANY)
//  named name (for the log; NULL: none). Returns 0, JB_ECONFIG when key
//  is not a key or already has a rule, or JB_ENOMEM.
int
    jb__rules_add_client(jb__rules_t *self, const char *key, const char *name,
                         jb_error_t *error);

//  Let the client with key (adding its rule when there is none) publish
//  (right JB_BROKER_PUBLISH) or subscribe (JB_BROKER_SUBSCRIBE) to every
//  type that starts with prefix ("" for every type). Returns 0,
//  JB_ECONFIG for a bad key or right, or JB_ENOMEM.
int
    jb__rules_allow(jb__rules_t *self, const char *key, int right, const char *prefix,
                    jb_error_t *error);

//  How many rules there are.
size_t
    jb__rules_size(const jb__rules_t *self);

//  The rule for key (40 characters of Z85, not necessarily NUL-terminated
//  after them): its own, else the JB__RULES_ANY rule, else NULL.
const jb__rule_t *
    jb__rules_find(const jb__rules_t *self, const char *key);

//  Rule index (below jb__rules_size), in the order they were added.
const jb__rule_t *
    jb__rules_at(const jb__rules_t *self, size_t index);

//  True when rule (may be NULL: nothing is allowed) lets its client
//  publish or subscribe (right) to the size bytes at name: a type, or a
//  subscription prefix, which must start with one of the rule's prefixes.
bool
    jb__rule_allows(const jb__rule_t *rule, int right, const void *name, size_t size);

//  True when rule (may be NULL) lets its client publish or subscribe
//  (right) at all: it has at least one prefix for it.
bool
    jb__rule_has_right(const jb__rule_t *rule, int right);

//  The rule's key (JB__RULES_ANY for the catch-all). Borrowed from the
//  table.
const char *
    jb__rule_key(const jb__rule_t *rule);

//  The rule's name, "" when it has none. Borrowed from the table.
const char *
    jb__rule_name(const jb__rule_t *rule);

//  The client for the log, from its rule (may be NULL) and the key seen:
//  "name (key K)", or "key K" when the rule has no name, written into
//  text (truncated to capacity).
void
    jb__rule_client(const jb__rule_t *rule, const char *key, char *text, size_t capacity);

//  The rule's prefixes for right, as one line for the log, e.g.
//  "\"jerry.work_tracking.\", \"jerry.billing.\"" or "none", written into
//  buffer (truncated with "..." when it does not fit).
void
    jb__rule_describe(const jb__rule_t *rule, int right, char *buffer, size_t capacity);

#endif
