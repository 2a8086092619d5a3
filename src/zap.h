/*  =========================================================================
    zap.h - the broker's authentication: the ZAP handler, between jbus
    sources

    Who may connect: the handler of the ZeroMQ context's ZAP requests (RFC
    27) for the broker's CURVE sockets, and the log of handshakes that fail
    before a request is made. Owned by the guard (guard.h), polled by the
    broker's actor. Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_ZAP_H_INCLUDED
#define JBUS_PRIVATE_ZAP_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jbus.h"
#include "log_once.h"
#include "rules.h"

typedef struct jb__zap jb__zap_t;

//  Longest User-Id the handler hands out, "<key> <n>": a key, a space, a
//  64-bit number, and the NUL.
#define JB__ZAP_USER_ID_MAX 64

//  The broker's sockets, for ZAP domains and the log.
typedef enum {
    JB__ROLE_PUBLISHERS,        //  the frontend, XSUB
    JB__ROLE_SUBSCRIBERS,       //  the backend, XPUB
    JB__ROLE_CONTROL,           //  the control endpoint, REP
    JB__ROLE_COUNT
} jb__role_t;

//  Read the broker's certificate at cert_path (it must hold the secret
//  key and be open to its owner only: jb_curve_cert_load_secret) and the allowed clients' certificates in the directory
//  clients_dir, then bind the ZAP handler of the process's ZeroMQ context.
//  rules (who has a right on which socket) and refusals (the log's set)
//  are borrowed and must outlive the handler. Logs a warning for each file
//  in clients_dir that is not a certificate and for each rule whose key
//  has no certificate there. Returns the handler, or NULL with error:
//  JB_ECONFIG for a certificate or directory that will not do, JB_ESOCKET
//  when the ZAP endpoint cannot be bound (another handler runs in this
//  process), JB_ENOMEM.
jb__zap_t *
    jb__zap_new(const char *cert_path, const char *clients_dir, const jb__rules_t *rules,
                jb__log_once_t *refusals, jb_error_t *error);

//  Unbind and close the handler and free it; set *self_p to NULL; accepts
//  NULL. Destroy it only after every socket it secured is closed: libzmq
//  lets any key in when no handler answers.
void
    jb__zap_destroy(jb__zap_t **self_p);

//  Read the clients directory again at the next handshake, whether or not
//  it looks changed (a reload).
void
    jb__zap_reread(jb__zap_t *self);

//  True when key (40 characters of Z85) has a certificate in the clients
//  directory as last read.
bool
    jb__zap_knows(const jb__zap_t *self, const char *key);

//  Make socket (a libzmq handle, not yet bound) a CURVE server for role,
//  with the broker's key, under the domain this handler answers for.
//  Returns 0 or a JB_E* code with error filled.
int
    jb__zap_secure(jb__zap_t *self, void *socket, jb__role_t role, jb_error_t *error);

//  The handler's socket, to poll.
void *
    jb__zap_handle(jb__zap_t *self);

//  How many client certificates were read, and from where (borrowed).
size_t
    jb__zap_clients(jb__zap_t *self);
const char *
    jb__zap_clients_dir(const jb__zap_t *self);

//  Answer the ZAP requests waiting on the handler's socket (at most a
//  batch): a peer whose key has a certificate in the clients directory
//  and a right on the socket it connects to is let in, any other is
//  refused and logged (the first time for each socket, address and key).
//  Returns how many peers were refused for their key (for
//  stats.auth_failures).
uint64_t
    jb__zap_serve(jb__zap_t *self);

//  A monitor event of the socket of role: true when it is a failed
//  handshake (a peer without CURVE, or with the wrong server key), which
//  counts as an authentication failure; it is then logged, at most once a
//  minute for each socket and reason. A refusal by the handler itself is
//  counted by jb__zap_serve, not here.
bool
    jb__zap_handshake_failed(jb__zap_t *self, jb__role_t role, uint16_t event, uint32_t value);

#endif
