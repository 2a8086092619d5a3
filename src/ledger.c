/*  =========================================================================
    ledger.c - the broker's subscription ledger: who may subscribe to what,
    and who holds what

    Authorisation of subscribing relies on the backend being an XPUB in
    manual mode (ZMQ_XPUB_MANUAL): libzmq passes every subscription up
    without applying it, and a ZMQ_SUBSCRIBE on the XPUB right after the
    receive applies it to the connection it came from. The ledger grants a
    subscription that starts with one of the subscriber's prefixes and
    refuses any other, a shorter one ("jerry." for a subscriber allowed
    "jerry.work_tracking.", or "") included: it is never widened or
    narrowed, so what a subscriber holds is always what it asked for.

    Publishers must still hear of each prefix once, as the plain broker
    tells them, so the ledger counts the connections holding each granted
    prefix and has the broker forward the first subscription and the last
    unsubscription. That needs each connection's set of subscriptions,
    kept under its User-Id. When a subscriber goes away, libzmq queues an
    unsubscription for each prefix it held, but without metadata: which
    connection ended is unknown. The ledger then takes the prefix from some
    connection that holds it, one that was refused it when there is one (a
    wrong guess then changes no count), else one that was granted it (any
    such guess keeps the count right, as every holder was granted it),
    preferring the connection the previous such unsubscription came from
    (they arrive in a run). A wrong guess can only leave a count too high,
    which keeps a prefix subscribed upstream for nothing, never too low,
    which would cost a subscriber its events.

    A refused subscription is answered (jb__ledger_decision_t.notify): the
    broker publishes a notice on the topic of the subscriber's key
    (refusal.h), so that the subscriber is told instead of waiting for
    events that never come. A connection may subscribe to its own key's
    notice topic and to no other's.

    One more trap of manual mode in libzmq 4.3: a message on the XPUB that
    is not a subscription (only a raw XSUB peer sends one) shifts the
    connection that later subscriptions are applied to, until the XPUB has
    been read dry. Subscriptions read in between are refused (logged),
    never applied to the wrong subscriber.
    ========================================================================= */

#include <czmq.h>

#include "jbus.h"
#include "ledger.h"
#include "refusal.h"
#include "text.h"

//  A subscription's state on its connection. Stored as the item of a
//  zhashx, so neither is 0.
#define s_GRANTED ((void *) 1)
#define s_REFUSED ((void *) 2)

//  Refused prefixes noted per subscriber connection (see
//  s_note_subscribe).
#define s_REFUSED_MAX 1000

//  One subscriber connection that holds subscriptions.
typedef struct {
    char *user_id;                  //  its User-Id, the key of ledger->subscribers
    const jb__rule_t *rule;         //  its rights (NULL: none), borrowed
    zhashx_t *requested;            //  prefix -> s_GRANTED or s_REFUSED
} s_subscriber_t;

struct jb__ledger {
    const jb__rules_t *rules;       //  who may subscribe to what, borrowed
    jb__log_once_t *refusals;       //  refusals logged once, borrowed
    zhashx_t *subscribers;          //  User-Id -> s_subscriber_t
    zhashx_t *holders;              //  granted prefix -> connections holding
                                    //  it, as a pointer-sized count
    s_subscriber_t *last_withdrawn; //  took the last ownerless unsubscription
    bool tainted;                   //  a non-subscription was read from the
                                    //  XPUB since it was last read dry
};

//  --------------------------------------------------------------------------

static void
s_subscriber_destroy(void **item)
{
    s_subscriber_t *subscriber = (s_subscriber_t *) *item;
    if (subscriber) {
        zhashx_destroy(&subscriber->requested);
        free(subscriber->user_id);
        free(subscriber);
        *item = NULL;
    }
}

//  --------------------------------------------------------------------------

jb__ledger_t *
jb__ledger_new(const jb__rules_t *rules, jb__log_once_t *refusals)
{
    assert(rules);
    assert(refusals);
    jb__ledger_t *self = (jb__ledger_t *) calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->rules = rules;
    self->refusals = refusals;
    self->subscribers = zhashx_new();
    self->holders = zhashx_new();
    if (!self->subscribers || !self->holders) {
        jb__ledger_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->subscribers, s_subscriber_destroy);
    return self;
}

//  --------------------------------------------------------------------------

void
jb__ledger_destroy(jb__ledger_t **self_p)
{
    assert(self_p);
    jb__ledger_t *self = *self_p;
    if (self) {
        zhashx_destroy(&self->subscribers);
        zhashx_destroy(&self->holders);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  Count one more (subscribe) or one fewer connection holding the granted
//  prefix. True when publishers must hear of it: the first holder came,
//  or the last one went.

static bool
s_holders_update(jb__ledger_t *self, const char *prefix, bool subscribe)
{
    uintptr_t holders = (uintptr_t) zhashx_lookup(self->holders, prefix);
    if (subscribe) {
        zhashx_update(self->holders, prefix, (void *) (holders + 1));
        return holders == 0;
    }
    if (holders == 0)
        return false;
    if (holders > 1) {
        zhashx_update(self->holders, prefix, (void *) (holders - 1));
        return false;
    }
    zhashx_delete(self->holders, prefix);
    return true;
}

//  Take prefix from subscriber, and forget the subscriber when it holds no
//  more. Returns as s_holders_update.
static bool
s_withdraw(jb__ledger_t *self, s_subscriber_t *subscriber, const char *prefix)
{
    void *state = zhashx_lookup(subscriber->requested, prefix);
    zhashx_delete(subscriber->requested, prefix);
    if (zhashx_size(subscriber->requested) == 0) {
        if (self->last_withdrawn == subscriber)
            self->last_withdrawn = NULL;
        zhashx_delete(self->subscribers, subscriber->user_id);
    }
    return state == s_GRANTED && s_holders_update(self, prefix, false);
}

//  An unsubscription from a connection that ended: which one is unknown
//  (see the file comment for the choice). Returns as s_holders_update.
static bool
s_withdraw_ownerless(jb__ledger_t *self, const char *prefix)
{
    s_subscriber_t *chosen [2] = { NULL, NULL };      //  refused, granted
    for (s_subscriber_t *subscriber = (s_subscriber_t *) zhashx_first(self->subscribers);
         subscriber; subscriber = (s_subscriber_t *) zhashx_next(self->subscribers)) {
        void *state = zhashx_lookup(subscriber->requested, prefix);
        if (!state)
            continue;
        int side = state == s_REFUSED? 0: 1;
        if (!chosen[side] || subscriber == self->last_withdrawn)
            chosen[side] = subscriber;
    }
    s_subscriber_t *subscriber = chosen[0]? chosen[0]: chosen[1];
    if (!subscriber)
        return false;
    self->last_withdrawn = subscriber;
    return s_withdraw(self, subscriber, prefix);
}

//  The connection's record, made when it has none. NULL when out of memory.
static s_subscriber_t *
s_subscriber_record(jb__ledger_t *self, const char *user_id, const jb__rule_t *rule)
{
    s_subscriber_t *subscriber = (s_subscriber_t *) zhashx_lookup(self->subscribers, user_id);
    if (subscriber)
        return subscriber;
    subscriber = (s_subscriber_t *) calloc(1, sizeof *subscriber);
    if (!subscriber)
        return NULL;
    subscriber->user_id = jb__strndup(user_id, strlen(user_id));
    subscriber->requested = zhashx_new();
    subscriber->rule = rule;
    if (!subscriber->user_id || !subscriber->requested
    ||  zhashx_insert(self->subscribers, user_id, subscriber) != 0) {
        void *item = subscriber;
        s_subscriber_destroy(&item);
        return NULL;
    }
    return subscriber;
}

//  Note a subscription to prefix, granted or not, on the connection of
//  user_id. Refused prefixes are noted only up to a bound, so that a
//  client cannot grow the table for ever; one not noted only makes the
//  guess at its disconnect less exact, never a count too low. Returns as
//  s_holders_update.
static bool
s_note_subscribe(jb__ledger_t *self, const char *user_id, const jb__rule_t *rule,
                 const char *prefix, bool granted)
{
    s_subscriber_t *subscriber = s_subscriber_record(self, user_id, rule);
    if (!subscriber)
        return false;
    void *state = zhashx_lookup(subscriber->requested, prefix);
    if (state == s_GRANTED || (!granted && state)
    ||  (!granted && zhashx_size(subscriber->requested) >= s_REFUSED_MAX))
        return false;
    zhashx_update(subscriber->requested, prefix, granted? s_GRANTED: s_REFUSED);
    return granted && s_holders_update(self, prefix, true);
}

//  Note an unsubscription from prefix by the connection of user_id.
//  Returns as s_holders_update.
static bool
s_note_unsubscribe(jb__ledger_t *self, const char *user_id, const char *prefix)
{
    s_subscriber_t *subscriber = (s_subscriber_t *) zhashx_lookup(self->subscribers, user_id);
    if (!subscriber || !zhashx_lookup(subscriber->requested, prefix))
        return false;
    if (self->tainted)
        //  The subscription stays on the connection, so it stays counted
        zhashx_update(subscriber->requested, prefix, s_REFUSED);
    return s_withdraw(self, subscriber, prefix);
}

//  --------------------------------------------------------------------------
//  Log a refused subscription, the first time for its client and prefix.

static void
s_log_refusal(jb__ledger_t *self, const jb__rule_t *rule, const char *user_id,
              const void *prefix, size_t size, const char *why)
{
    char shown [JB__LOG_SHOWN_MAX + 4];
    jb__log_printable(prefix, size, shown);
    char what [JB__LOG_SHOWN_MAX + 64];
    snprintf(what, sizeof what, "s|%.40s|%s", user_id, shown);
    if (!jb__log_once_first(self->refusals, what))
        return;
    char client [128], prefixes [256];
    jb__rule_client(rule, user_id, client, sizeof client);
    jb__rule_describe(rule, JB_BROKER_SUBSCRIBE, prefixes, sizeof prefixes);
    jb_log(JB_LOG_WARN, "curve: refused subscription \"%s\" of subscriber %s: %s "
                 "(it may subscribe to %s and longer prefixes of them); not forwarded",
                 shown, client, why, prefixes);
}

//  A message that is not a subscription: see the file comment.
static void
s_note_stranger(jb__ledger_t *self, const char *user_id)
{
    self->tainted = true;
    char what [64];
    snprintf(what, sizeof what, "u|%.40s", user_id? user_id: "");
    if (jb__log_once_first(self->refusals, what))
        jb_log(JB_LOG_WARN, "curve: a client (key %.40s) sent the subscriber "
                     "endpoint a message that is not a subscription; subscriptions "
                     "received right after it are refused", user_id? user_id: "unknown");
}

//  --------------------------------------------------------------------------

jb__ledger_decision_t
jb__ledger_decide(jb__ledger_t *self, const void *data, size_t size, const char *user_id)
{
    assert(self);
    jb__ledger_decision_t decision = { 0, false, false, false };
    const uint8_t *bytes = (const uint8_t *) data;
    if (size == 0 || bytes[0] > 1) {
        s_note_stranger(self, user_id);
        return decision;
    }
    bool subscribe = bytes[0] == 1;
    const char *prefix = (const char *) bytes + 1;
    size_t prefix_size = size - 1;
    //  Prefixes are table keys, C strings: one with a NUL, which no type
    //  has, could pass for a shorter one
    bool has_nul = memchr(prefix, '\0', prefix_size) != NULL;
    if (!user_id) {
        if (!subscribe && !has_nul) {
            char *copy = jb__strndup(prefix, prefix_size);
            decision.forward = copy && s_withdraw_ownerless(self, copy);
            free(copy);
        }
        return decision;
    }
    if (strlen(user_id) < JB_CURVE_KEY_SIZE)
        return decision;                //  not one of ours: CURVE sets it
    //  A notice topic (refusal.h): the connection's own key's is applied to
    //  it, neither forwarded nor counted; another key's is not applied
    if (jb__refusal_is_topic(prefix, prefix_size)) {
        if (!self->tainted && jb__refusal_is_topic_of(prefix, prefix_size, user_id))
            decision.option = subscribe? ZMQ_SUBSCRIBE: ZMQ_UNSUBSCRIBE;
        return decision;
    }
    const jb__rule_t *rule = jb__rules_find(self->rules, user_id);
    bool granted = subscribe && !self->tainted && !has_nul
                && jb__rule_allows(rule, JB_BROKER_SUBSCRIBE, prefix, prefix_size);
    if (granted)
        decision.option = ZMQ_SUBSCRIBE;
    else
    if (!subscribe && !self->tainted)
        decision.option = ZMQ_UNSUBSCRIBE;
    if (subscribe && !granted) {
        decision.refused = true;
        decision.notify = true;
        s_log_refusal(self, rule, user_id, prefix, prefix_size,
                      self->tainted? "it came right after a message that is not a subscription"
                      : has_nul? "it holds a NUL byte, which no type has"
                      : "outside its subscribe prefixes");
    }
    char *copy = has_nul? NULL: jb__strndup(prefix, prefix_size);
    if (copy)
        decision.forward = subscribe? s_note_subscribe(self, user_id, rule, copy, granted)
                                    : s_note_unsubscribe(self, user_id, copy);
    free(copy);
    return decision;
}

//  --------------------------------------------------------------------------

void
jb__ledger_drained(jb__ledger_t *self)
{
    assert(self);
    self->tainted = false;
}

//  --------------------------------------------------------------------------

void
jb__ledger_rules_changed(jb__ledger_t *self)
{
    assert(self);
    for (s_subscriber_t *subscriber = (s_subscriber_t *) zhashx_first(self->subscribers);
         subscriber; subscriber = (s_subscriber_t *) zhashx_next(self->subscribers))
        subscriber->rule = jb__rules_find(self->rules, subscriber->user_id);
}
