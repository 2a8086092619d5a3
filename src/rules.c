/*  =========================================================================
    rules.c - the broker's authorisation table: who may publish and
    subscribe to which type prefixes

    One rule per client key, found by a hash lookup, and one optional
    catch-all rule ("*") for every client without a rule of its own. A rule
    holds two short lists of prefixes, tested one by one: clients have a
    handful each, and the guard remembers the rule of the last publisher,
    so that a stream of messages from one publisher costs one lookup.
    ========================================================================= */

#include <czmq.h>

#include "jbus.h"
#include "rules.h"
#include "error.h"
#include "text.h"

//  Index of a right's prefixes in a rule.
#define s_SIDE(right) ((right) == JB_BROKER_PUBLISH? 0: 1)

//  The longest prefix accepted in a rule: far longer than any type.
#define s_PREFIX_MAX 1024

struct jb__rule {
    char key [JB_CURVE_KEY_SIZE];   //  the client's public key, or "*"
    char *name;                     //  for the log; "" when none
    char **prefixes [2];            //  publish, subscribe
    size_t counts [2];
    size_t capacities [2];
};

struct jb__rules {
    jb__rule_t **rules;             //  in the order they were added
    size_t count;
    size_t capacity;
    zhashx_t *by_key;               //  key -> rule, borrowed from rules
    jb__rule_t *any;                //  the "*" rule, or NULL
};

//  --------------------------------------------------------------------------

static void
s_rule_free(jb__rule_t *rule)
{
    if (!rule)
        return;
    for (int side = 0; side < 2; side++) {
        for (size_t index = 0; index < rule->counts[side]; index++)
            free(rule->prefixes[side][index]);
        free(rule->prefixes[side]);
    }
    free(rule->name);
    free(rule);
}

//  --------------------------------------------------------------------------

jb__rules_t *
jb__rules_new(void)
{
    jb__rules_t *self = (jb__rules_t *) calloc(1, sizeof *self);
    if (self)
        self->by_key = zhashx_new();
    if (self && !self->by_key) {
        free(self);
        self = NULL;
    }
    return self;
}

//  --------------------------------------------------------------------------

void
jb__rules_destroy(jb__rules_t **self_p)
{
    assert(self_p);
    jb__rules_t *self = *self_p;
    if (!self)
        return;
    for (size_t index = 0; index < self->count; index++)
        s_rule_free(self->rules[index]);
    free(self->rules);
    zhashx_destroy(&self->by_key);
    free(self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Find the rule of key (NUL-terminated), its own only.

static jb__rule_t *
s_lookup(const jb__rules_t *self, const char *key)
{
    if (streq(key, JB__RULES_ANY))
        return self->any;
    return (jb__rule_t *) zhashx_lookup(self->by_key, key);
}

//  --------------------------------------------------------------------------

int
jb__rules_add_client(jb__rules_t *self, const char *key, const char *name, jb_error_t *error)
{
    assert(self);
    assert(key);
    if (!streq(key, JB__RULES_ANY)) {
        jb_error_t reason;
        if (jb_curve_key_check(key, &reason))
            return jb__error(error, JB_ECONFIG, NULL, "client key \"%.60s\": %s", key,
                             reason.message);
    }
    if (s_lookup(self, key))
        return jb__error(error, JB_ECONFIG, NULL, "client key \"%s\" has two rules", key);
    if (self->count == self->capacity) {
        size_t capacity = self->capacity? self->capacity * 2: 8;
        jb__rule_t **grown = (jb__rule_t **) realloc(self->rules, capacity * sizeof *grown);
        if (!grown)
            return jb__error(error, JB_ENOMEM, NULL, "out of memory");
        self->rules = grown;
        self->capacity = capacity;
    }
    jb__rule_t *rule = (jb__rule_t *) calloc(1, sizeof *rule);
    if (rule)
        rule->name = jb__strndup(name? name: "", name? strlen(name): 0);
    if (!rule || !rule->name) {
        s_rule_free(rule);
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    }
    snprintf(rule->key, sizeof rule->key, "%s", key);
    if (streq(key, JB__RULES_ANY))
        self->any = rule;
    else
    if (zhashx_insert(self->by_key, rule->key, rule) != 0) {
        s_rule_free(rule);
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    }
    self->rules[self->count++] = rule;
    return 0;
}

//  --------------------------------------------------------------------------

int
jb__rules_allow(jb__rules_t *self, const char *key, int right, const char *prefix,
                jb_error_t *error)
{
    assert(self);
    assert(key);
    assert(prefix);
    if (right != JB_BROKER_PUBLISH && right != JB_BROKER_SUBSCRIBE)
        return jb__error(error, JB_ECONFIG, NULL, "unknown right %d (publish or subscribe)",
                         right);
    size_t size = strlen(prefix);
    if (size > s_PREFIX_MAX)
        return jb__error(error, JB_ECONFIG, NULL, "prefix \"%.60s...\" is longer than %d bytes",
                         prefix, s_PREFIX_MAX);
    jb__rule_t *rule = s_lookup(self, key);
    if (!rule) {
        int rc = jb__rules_add_client(self, key, NULL, error);
        if (rc)
            return rc;
        rule = s_lookup(self, key);
    }
    int side = s_SIDE(right);
    for (size_t index = 0; index < rule->counts[side]; index++)
        if (streq(rule->prefixes[side][index], prefix))
            return 0;                   //  already there
    if (rule->counts[side] == rule->capacities[side]) {
        size_t capacity = rule->capacities[side]? rule->capacities[side] * 2: 4;
        char **grown = (char **) realloc(rule->prefixes[side], capacity * sizeof *grown);
        if (!grown)
            return jb__error(error, JB_ENOMEM, NULL, "out of memory");
        rule->prefixes[side] = grown;
        rule->capacities[side] = capacity;
    }
    char *copy = jb__strndup(prefix, size);
    if (!copy)
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    rule->prefixes[side][rule->counts[side]++] = copy;
    return 0;
}

//  --------------------------------------------------------------------------

void
jb__rules_swap(jb__rules_t *a, jb__rules_t *b)
{
    assert(a);
    assert(b);
    jb__rules_t held = *a;
    *a = *b;
    *b = held;
}

jb__rules_t *
jb__rules_dup(const jb__rules_t *self)
{
    assert(self);
    jb__rules_t *copy = jb__rules_new();
    for (size_t index = 0; copy && index < self->count; index++) {
        const jb__rule_t *rule = self->rules[index];
        int rc = jb__rules_add_client(copy, rule->key, rule->name, NULL);
        for (int side = 0; rc == 0 && side < 2; side++)
            for (size_t prefix = 0; rc == 0 && prefix < rule->counts[side]; prefix++)
                rc = jb__rules_allow(copy, rule->key,
                                     side == 0? JB_BROKER_PUBLISH: JB_BROKER_SUBSCRIBE,
                                     rule->prefixes[side][prefix], NULL);
        if (rc)
            jb__rules_destroy(&copy);
    }
    return copy;
}

//  --------------------------------------------------------------------------

size_t
jb__rules_size(const jb__rules_t *self)
{
    assert(self);
    return self->count;
}

const jb__rule_t *
jb__rules_at(const jb__rules_t *self, size_t index)
{
    assert(self);
    assert(index < self->count);
    return self->rules[index];
}

//  --------------------------------------------------------------------------

const jb__rule_t *
jb__rules_find(const jb__rules_t *self, const char *key)
{
    assert(self);
    assert(key);
    char text [JB_CURVE_KEY_SIZE];
    memcpy(text, key, JB_CURVE_KEY_SIZE - 1);
    text[JB_CURVE_KEY_SIZE - 1] = '\0';
    const jb__rule_t *rule = (const jb__rule_t *) zhashx_lookup(self->by_key, text);
    return rule? rule: self->any;
}

//  --------------------------------------------------------------------------

bool
jb__rule_allows(const jb__rule_t *rule, int right, const void *name, size_t size)
{
    if (!rule)
        return false;
    int side = s_SIDE(right);
    for (size_t index = 0; index < rule->counts[side]; index++) {
        const char *prefix = rule->prefixes[side][index];
        size_t length = strlen(prefix);
        if (length <= size && memcmp(name, prefix, length) == 0)
            return true;
    }
    return false;
}

bool
jb__rule_has_right(const jb__rule_t *rule, int right)
{
    return rule && rule->counts[s_SIDE(right)] > 0;
}

const char *
jb__rule_key(const jb__rule_t *rule)
{
    assert(rule);
    return rule->key;
}

const char *
jb__rule_name(const jb__rule_t *rule)
{
    assert(rule);
    return rule->name;
}

void
jb__rule_client(const jb__rule_t *rule, const char *key, char *text, size_t capacity)
{
    assert(key);
    const char *name = rule? rule->name: "";
    snprintf(text, capacity, "%s%skey %.40s%s", name, *name? " (": "", key, *name? ")": "");
}

//  --------------------------------------------------------------------------

void
jb__rule_describe(const jb__rule_t *rule, int right, char *buffer, size_t capacity)
{
    assert(buffer && capacity > 4);
    int side = s_SIDE(right);
    size_t count = rule? rule->counts[side]: 0;
    size_t used = 0;
    buffer[0] = '\0';
    if (count == 0)
        snprintf(buffer, capacity, "none");
    for (size_t index = 0; index < count; index++) {
        int length = snprintf(buffer + used, capacity - used, "%s\"%s\"", index? ", ": "",
                              rule->prefixes[side][index]);
        if (length < 0 || (size_t) length >= capacity - used) {
            snprintf(buffer + capacity - 4, 4, "...");
            return;
        }
        used += (size_t) length;
    }
}
