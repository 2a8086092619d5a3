/*  =========================================================================
    guard.c - the broker's security: who may connect, publish, subscribe

    The guard holds the parts and the state they share: its own copy of
    the rules, the set of refusals logged (so that a peer that keeps
    retrying fills the log once, whichever part refuses it), the ZAP
    handler (zap.c: authentication) and the subscription ledger (ledger.c:
    authorisation of subscribing). Authorisation of publishing is here: a
    prefix test on frame 0 of each message against the publisher's rule.
    ========================================================================= */

#include <czmq.h>

#include "jbus.h"
#include "guard.h"
#include "error.h"

//  Distinct refusals logged in full before the rest are only counted.
#define s_LOGGED_MAX 10000

struct jb__guard {
    jb__rules_t *rules;             //  who may publish and subscribe what
    jb__log_once_t *refusals;       //  refusals logged, shared by the parts
    jb__zap_t *zap;                 //  authentication
    jb__ledger_t *ledger;           //  authorisation of subscribing
    char last_publisher [JB__ZAP_USER_ID_MAX];  //  the User-Id last checked
    const jb__rule_t *last_rule;                //  and its rule
};

//  --------------------------------------------------------------------------

jb__guard_t *
jb__guard_new(const char *cert_path, const char *clients_dir, const jb__rules_t *rules,
              jb_error_t *error)
{
    assert(cert_path);
    assert(clients_dir);
    jb__guard_t *self = (jb__guard_t *) calloc(1, sizeof *self);
    char full_warning [160];
    snprintf(full_warning, sizeof full_warning, "curve: %d distinct refusals "
             "logged; further ones are counted, not logged", s_LOGGED_MAX);
    if (self) {
        self->rules = rules? jb__rules_dup(rules): jb__rules_new();
        self->refusals = jb__log_once_new(s_LOGGED_MAX, full_warning);
    }
    if (self && self->rules && self->refusals)
        self->ledger = jb__ledger_new(self->rules, self->refusals);
    if (!self || !self->ledger) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        jb__guard_destroy(&self);
        return NULL;
    }
    self->zap = jb__zap_new(cert_path, clients_dir, self->rules, self->refusals, error);
    if (!self->zap)
        jb__guard_destroy(&self);
    return self;
}

//  --------------------------------------------------------------------------

void
jb__guard_destroy(jb__guard_t **self_p)
{
    assert(self_p);
    jb__guard_t *self = *self_p;
    if (self) {
        jb__zap_destroy(&self->zap);
        jb__ledger_destroy(&self->ledger);
        jb__log_once_destroy(&self->refusals);
        jb__rules_destroy(&self->rules);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------

jb__zap_t *
jb__guard_zap(jb__guard_t *self)
{
    assert(self);
    return self->zap;
}

jb__ledger_t *
jb__guard_ledger(jb__guard_t *self)
{
    assert(self);
    return self->ledger;
}

const jb__rules_t *
jb__guard_rules(jb__guard_t *self)
{
    assert(self);
    return self->rules;
}

void
jb__guard_describe(jb__guard_t *self, char *buffer, size_t capacity)
{
    assert(self);
    snprintf(buffer, capacity, "%zu client certificates in %s, %zu rules",
             jb__zap_clients(self->zap), jb__zap_clients_dir(self->zap),
             jb__rules_size(self->rules));
}

//  --------------------------------------------------------------------------
//  A stream of messages from one publisher costs one rule lookup: the
//  rule of the last User-Id seen is kept.

bool
jb__guard_may_publish(jb__guard_t *self, zmq_msg_t *first)
{
    assert(self);
    const char *user_id = zmq_msg_gets(first, "User-Id");
    const jb__rule_t *rule = NULL;
    if (user_id && streq(user_id, self->last_publisher))
        rule = self->last_rule;
    else
    if (user_id && strlen(user_id) >= JB_CURVE_KEY_SIZE) {
        rule = jb__rules_find(self->rules, user_id);
        snprintf(self->last_publisher, sizeof self->last_publisher, "%s", user_id);
        self->last_rule = rule;
    }
    const void *topic = zmq_msg_data(first);
    size_t size = zmq_msg_size(first);
    if (jb__rule_allows(rule, JB_BROKER_PUBLISH, topic, size))
        return true;
    const char *key = user_id && strlen(user_id) >= JB_CURVE_KEY_SIZE? user_id: "(unknown)";
    char what [64];
    snprintf(what, sizeof what, "p|%.40s", key);
    if (jb__log_once_first(self->refusals, what)) {
        char client [128], shown [JB__LOG_SHOWN_MAX + 4], prefixes [256];
        jb__rule_client(rule, key, client, sizeof client);
        jb__log_printable(topic, size, shown);
        jb__rule_describe(rule, JB_BROKER_PUBLISH, prefixes, sizeof prefixes);
        jb_log(JB_LOG_WARN, "curve: dropped a message of type \"%s\" from publisher %s: "
                     "it may publish %s; later ones from this client are counted, not logged",
                     shown, client, prefixes);
    }
    return false;
}

//  --------------------------------------------------------------------------

void
jb__guard_reload(jb__guard_t *self, jb__rules_t **rules_p)
{
    assert(self);
    assert(rules_p && *rules_p);
    //  the ledger and the ZAP handler borrow self->rules: its contents
    //  change, not the pointer; what was cached of the old goes
    jb__rules_swap(self->rules, *rules_p);
    jb__rules_destroy(rules_p);
    self->last_publisher[0] = '\0';
    self->last_rule = NULL;
    jb__ledger_rules_changed(self->ledger);
    jb__zap_reread(self->zap);
}
