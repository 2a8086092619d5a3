/*  =========================================================================
    security_internal.h - the broker's security, between jbus sources

    curve.c: socket options and wiping secrets. rules.c: the authorisation
    table, who may publish and subscribe to which type prefixes. guard.c:
    the broker's guard, which runs the ZAP handler (authentication) and
    applies the rules to every message and subscription (authorisation).
    Not installed; names are jb__ as in internal.h.
    ========================================================================= */

#ifndef JBUS_SECURITY_INTERNAL_H_INCLUDED
#define JBUS_SECURITY_INTERNAL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "jbus.h"
#include "jbus/curve.h"

//  curve.c: overwrite size bytes at data with zeros, in a way the compiler
//  keeps.
void
    jb__curve_wipe(void *data, size_t size);

//  curve.c: make socket (a libzmq handle, not yet bound) a CURVE server
//  with the secret key of cert, asking the ZAP handler about every peer
//  under domain. Returns 0, JB_EINVAL (a bad key) or JB_ESOCKET.
int
    jb__curve_server_apply(void *socket, const jb_curve_cert_t *cert, const char *domain,
                           jb_error_t *error);

//  --------------------------------------------------------------------------
//  rules.c: the authorisation table. One rule per client key (or "*" for
//  every client without a rule of its own), each with the type prefixes
//  the client may publish and those it may subscribe to. A client that no
//  rule names may do neither. Built once, then read only.

typedef struct jb_broker_rules jb__rules_t;
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

//  The rule's key (JB__RULES_ANY for the catch-all) and name ("" when it
//  has none). Borrowed from the table.
const char *
    jb__rule_key(const jb__rule_t *rule);
const char *
    jb__rule_name(const jb__rule_t *rule);

//  The rule's prefixes for right, as one line for the log, e.g.
//  "\"jerry.work_tracking.\", \"jerry.billing.\"" or "none", written into
//  buffer (truncated with "..." when it does not fit).
void
    jb__rule_describe(const jb__rule_t *rule, int right, char *buffer, size_t capacity);

//  --------------------------------------------------------------------------
//  guard.c: the broker's security, owned and used by the broker's actor.

typedef struct jb__guard jb__guard_t;

//  The broker's sockets, for ZAP domains and the log.
typedef enum {
    JB__ROLE_PUBLISHERS,        //  the frontend, XSUB
    JB__ROLE_SUBSCRIBERS,       //  the backend, XPUB
    JB__ROLE_CONTROL,           //  the control endpoint, REP
    JB__ROLE_COUNT
} jb__role_t;

//  Read the broker's certificate at cert_path (it must hold the secret
//  key), the allowed clients' certificates in the directory clients_dir,
//  copy rules (may be NULL: no client may publish or subscribe), and bind
//  the ZAP handler of the process's ZeroMQ context. Logs a warning for
//  each file in clients_dir that is not a certificate and for each rule
//  whose key has no certificate there. Returns the guard, or NULL with
//  error: JB_ECONFIG for a certificate or directory that will not do,
//  JB_ESOCKET when the ZAP handler cannot be bound (another one runs in
//  this process), JB_ENOMEM.
jb__guard_t *
    jb__guard_new(const char *cert_path, const char *clients_dir, const jb__rules_t *rules,
                  jb_error_t *error);

//  Unbind and close the ZAP handler and free the guard; set *self_p to
//  NULL; accepts NULL. Destroy the guard only after every socket it
//  secured is closed: libzmq lets any key in when no handler answers.
void
    jb__guard_destroy(jb__guard_t **self_p);

//  Make socket, not yet bound, a CURVE server for role. Returns 0 or a
//  JB_E* code with error filled.
int
    jb__guard_secure(jb__guard_t *self, void *socket, jb__role_t role, jb_error_t *error);

//  The ZAP handler's socket, to poll, and a summary for the log
//  ("3 client certificates, 2 rules").
void *
    jb__guard_zap_handle(jb__guard_t *self);
void
    jb__guard_describe(jb__guard_t *self, char *buffer, size_t capacity);

//  Answer the ZAP requests waiting (at most a batch): a peer whose key has
//  a certificate in the clients directory is let in, any other is refused,
//  counted in stats->auth_failures and logged (the first time for each
//  socket, address and key).
void
    jb__guard_zap_serve(jb__guard_t *self, jb_broker_stats_t *stats);

//  A monitor event of socket role: a failed handshake (a peer without
//  CURVE, or with the wrong server key) is counted and logged, at most
//  once a minute for each socket and reason.
void
    jb__guard_monitor_event(jb__guard_t *self, jb__role_t role, uint16_t event, uint32_t value,
                            jb_broker_stats_t *stats);

//  True when the message whose frame 0 is first (received from the
//  frontend) may be forwarded: its publisher's rule lets it publish the
//  topic. Otherwise counts it in stats->forbidden_messages and logs the
//  first of each client.
bool
    jb__guard_may_publish(jb__guard_t *self, zmq_msg_t *first, jb_broker_stats_t *stats);

//  Handle one message just received from backend, the XPUB in manual
//  mode: a subscription is granted on the subscriber's connection (and
//  forwarded to frontend when it is the first for its prefix) or refused
//  (counted, logged); an unsubscription is undone likewise. Call it right
//  after the receive, before any other call on backend. Returns 0, or -1
//  when the context is gone.
int
    jb__guard_subscription(jb__guard_t *self, zmq_msg_t *message, void *backend, void *frontend,
                           jb_broker_stats_t *stats);

//  Tell the guard that backend had nothing more to read.
void
    jb__guard_subscriptions_drained(jb__guard_t *self);

#endif
