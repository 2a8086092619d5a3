/*  =========================================================================
    zap.c - the broker's authentication: who may connect

    libzmq asks the ZAP handler of its context (RFC 27, a REP socket at
    inproc://zeromq.zap.01) about every CURVE connection to a socket that
    has a ZAP domain. This is that handler: a peer is let in when a
    certificate with its public key lies in the clients directory, which
    is read again whenever it changes. libzmq 4.3 lets any key in when no
    handler is bound (ZMQ_ZAP_ENFORCE_DOMAIN is a draft API Debian does
    not build), so the handler is bound before the broker's sockets, fails
    the broker when it cannot be, and goes last.

    The User-Id the handler gives a connection is its key, a space and a
    number that no other connection gets, "<key> <n>"; libzmq attaches it
    to every message from that connection (zmq_msg_gets "User-Id"). The key
    finds the client's rule; the whole id tells connections apart.

    The handler owns its socket and answers on it; what it refuses it
    returns as a count, for the broker's counters.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "jbus.h"
#include "zap.h"
#include "curve.h"
#include "error.h"
#include "text.h"

//  The endpoint of a context's ZAP handler (RFC 27).
#define s_ZAP_ENDPOINT "inproc://zeromq.zap.01"

//  ZAP requests answered before the broker's loop polls again.
#define s_ZAP_BATCH 100

//  Frames of a ZAP request for CURVE (RFC 27), and one more to take the
//  rest of a longer one.
#define s_ZAP_FRAMES 7

//  A failed handshake tells no peer address: of those, one line per
//  socket and reason at most this often.
#define s_HANDSHAKE_LOG_MS 60000

//  Why a handshake failed, as the monitor tells it.
enum { s_NOT_CURVE, s_WRONG_KEY, s_BROKEN_OFF, s_OTHER, s_REASONS };

//  The ZAP domain of each socket, and who connects there, for the log.
static const char *s_domains [JB__ROLE_COUNT] = {
    "jbus.publishers", "jbus.subscribers", "jbus.control"
};

static const char *s_peers [JB__ROLE_COUNT] = {
    "publisher", "subscriber", "control client"
};

struct jb__zap {
    jb_curve_cert_t cert;           //  the broker's key pair
    char *clients_dir;              //  directory of allowed certificates
    zhashx_t *keys;                 //  their public keys (a set)
    struct timespec clients_mtime;  //  of the directory when it was read
    const jb__rules_t *rules;       //  who has a right where, borrowed
    jb__log_once_t *refusals;       //  refusals logged once, borrowed
    zsock_t *socket;                //  REP, the context's ZAP handler
    void *handle;
    uint64_t connections;           //  connections let in, for User-Ids
    int64_t handshake_logged [JB__ROLE_COUNT][s_REASONS];   //  zclock_mono()
    uint64_t handshake_unlogged [JB__ROLE_COUNT][s_REASONS];
};

//  --------------------------------------------------------------------------
//  The clients directory: read it into a new set of keys. Files that are
//  not certificates are skipped with a warning. Returns 0, or JB_ECONFIG
//  when the directory cannot be read.

static int
s_keys_read(const char *directory, zhashx_t **keys_p, struct timespec *mtime, jb_error_t *error)
{
    struct stat status;
    DIR *listing = opendir(directory);
    if (!listing || fstat(dirfd(listing), &status) == -1) {
        int code = errno;
        if (listing)
            closedir(listing);
        return jb__error(error, JB_ECONFIG, NULL, "curve_clients %s: %s", directory,
                         strerror(code));
    }
    zhashx_t *keys = zhashx_new();
    if (!keys) {
        closedir(listing);
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    }
    struct dirent *entry;
    while ((entry = readdir(listing))) {
        if (entry->d_name[0] == '.')
            continue;
        char *path = zsys_sprintf("%s/%s", directory, entry->d_name);
        struct stat file_status;
        if (path && stat(path, &file_status) == 0 && S_ISREG(file_status.st_mode)) {
            jb_curve_cert_t cert;
            jb_error_t reason;
            if (jb_curve_cert_load(&cert, path, &reason))
                jb_log(JB_LOG_WARN, "curve_clients: skipping %s", reason.message);
            else {
                if (*cert.secret_key)
                    jb_log(JB_LOG_WARN, "curve_clients: %s holds a secret key; only "
                                 "its public key is used, and the secret one should not be "
                                 "here", path);
                zhashx_update(keys, cert.public_key, keys);
            }
            jb_curve_cert_clear(&cert);
        }
        zstr_free(&path);
    }
    closedir(listing);
    zhashx_destroy(keys_p);
    *keys_p = keys;
    *mtime = status.st_mtim;
    return 0;
}

//  Read the directory again when it changed since it was read (a file
//  added, removed or renamed into it). A directory that can no longer be
//  read lets nobody in.
static void
s_keys_refresh(jb__zap_t *self)
{
    struct stat status;
    bool same = stat(self->clients_dir, &status) == 0
             && status.st_mtim.tv_sec == self->clients_mtime.tv_sec
             && status.st_mtim.tv_nsec == self->clients_mtime.tv_nsec;
    if (same)
        return;
    jb_error_t error;
    if (s_keys_read(self->clients_dir, &self->keys, &self->clients_mtime, &error)) {
        if (jb__log_once_first(self->refusals, error.message))
            jb_log(JB_LOG_ERROR, "%s; no client can connect until it can be read again",
                       error.message);
        zhashx_purge(self->keys);
        memset(&self->clients_mtime, 0, sizeof self->clients_mtime);
    }
    else
        jb_log(JB_LOG_INFO, "curve_clients %s read again: %zu client certificates",
                  self->clients_dir, zhashx_size(self->keys));
}

//  --------------------------------------------------------------------------

jb__zap_t *
jb__zap_new(const char *cert_path, const char *clients_dir, const jb__rules_t *rules,
            jb__log_once_t *refusals, jb_error_t *error)
{
    assert(cert_path);
    assert(clients_dir);
    assert(rules);
    assert(refusals);
    if (!zmq_has("curve")) {
        jb__error(error, JB_ECONFIG, NULL, "curve_cert: this libzmq was built without CURVE");
        return NULL;
    }
    jb__zap_t *self = (jb__zap_t *) calloc(1, sizeof *self);
    if (!self) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    self->rules = rules;
    self->refusals = refusals;
    jb_error_t reason;
    //  A secret key others may read is refused: see jb_curve_cert_load_secret
    if (jb_curve_cert_load_secret(&self->cert, cert_path, &reason)) {
        jb__error(error, JB_ECONFIG, NULL, "curve_cert: %s", reason.message);
        goto failed;
    }
    if (!(self->clients_dir = jb__strndup(clients_dir, strlen(clients_dir)))) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        goto failed;
    }
    if (s_keys_read(clients_dir, &self->keys, &self->clients_mtime, error))
        goto failed;
    if (zhashx_size(self->keys) == 0)
        jb_log(JB_LOG_WARN, "curve_clients %s holds no client certificate: no client "
                     "can connect until one is added", clients_dir);
    for (size_t index = 0; index < jb__rules_size(rules); index++) {
        const jb__rule_t *rule = jb__rules_at(rules, index);
        const char *key = jb__rule_key(rule);
        if (!streq(key, JB__RULES_ANY) && !zhashx_lookup(self->keys, key)) {
            char client [128];
            jb__rule_client(rule, key, client, sizeof client);
            jb_log(JB_LOG_WARN, "the rule for client %s has no certificate in %s: that "
                         "client cannot connect", client, clients_dir);
        }
    }
    self->socket = zsock_new(ZMQ_REP);
    if (!self->socket || zmq_bind(zsock_resolve(self->socket), s_ZAP_ENDPOINT) == -1) {
        jb__error(error, JB_ESOCKET, NULL,
                  "CURVE: cannot start the authentication (ZAP) handler at " s_ZAP_ENDPOINT
                  ": %s (only one CURVE broker, or zauth actor, can run in a process)",
                  zmq_strerror(zmq_errno()));
        goto failed;
    }
    self->handle = zsock_resolve(self->socket);
    zsock_set_linger(self->socket, 0);
    return self;

failed:
    jb__zap_destroy(&self);
    return NULL;
}

//  --------------------------------------------------------------------------

void
jb__zap_destroy(jb__zap_t **self_p)
{
    assert(self_p);
    jb__zap_t *self = *self_p;
    if (!self)
        return;
    //  Unbound first: an inproc name is freed at once by unbind, only
    //  later by close, and the next broker of this process needs it.
    if (self->handle)
        zmq_unbind(self->handle, s_ZAP_ENDPOINT);
    zsock_destroy(&self->socket);
    jb_curve_cert_clear(&self->cert);
    free(self->clients_dir);
    zhashx_destroy(&self->keys);
    free(self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------

int
jb__zap_secure(jb__zap_t *self, void *socket, jb__role_t role, jb_error_t *error)
{
    assert(self);
    assert(role < JB__ROLE_COUNT);
    return jb__curve_server_apply(socket, &self->cert, s_domains[role], error);
}

void *
jb__zap_handle(jb__zap_t *self)
{
    assert(self);
    return self->handle;
}

size_t
jb__zap_clients(jb__zap_t *self)
{
    assert(self);
    return zhashx_size(self->keys);
}

const char *
jb__zap_clients_dir(const jb__zap_t *self)
{
    assert(self);
    return self->clients_dir;
}

//  --------------------------------------------------------------------------
//  Frame index of a ZAP request as NUL-terminated printable text.

static void
s_frame_text(zmq_msg_t *frames, size_t count, size_t index, char *text, size_t capacity)
{
    text[0] = '\0';
    if (index >= count)
        return;
    size_t size = zmq_msg_size(&frames[index]);
    const unsigned char *bytes = (const unsigned char *) zmq_msg_data(&frames[index]);
    size_t used = 0;
    for (size_t at = 0; at < size && used + 1 < capacity; at++)
        text[used++] = bytes[at] >= 0x20 && bytes[at] < 0x7f? (char) bytes[at]: '?';
    text[used] = '\0';
}

//  The handler's answer to one ZAP request.
typedef struct {
    const char *status;             //  "200" lets the peer in, "400" and
    const char *text;               //  "500" refuse it (RFC 27)
    char user_id [JB__ZAP_USER_ID_MAX];   //  for a peer let in, else ""
    bool counted;                   //  a refusal of the peer's key, for
                                    //  stats.auth_failures
} s_answer_t;

static s_answer_t
s_answer(const char *status, const char *text, bool counted)
{
    s_answer_t answer = { status, text, "", counted };
    return answer;
}

//  Decide one request of count frames; see RFC 27 for their order.
static s_answer_t
s_zap_decide(jb__zap_t *self, zmq_msg_t *request, size_t count)
{
    char version [8], domain [64], address [64], mechanism [16];
    s_frame_text(request, count, 0, version, sizeof version);
    s_frame_text(request, count, 2, domain, sizeof domain);
    s_frame_text(request, count, 3, address, sizeof address);
    s_frame_text(request, count, 5, mechanism, sizeof mechanism);
    int role = -1;
    for (int index = 0; index < JB__ROLE_COUNT; index++)
        if (streq(domain, s_domains[index]))
            role = index;
    if (count != s_ZAP_FRAMES || !streq(version, "1.0"))
        return s_answer("500", "malformed ZAP request", false);
    //  Only the broker's sockets have these domains, and they are CURVE
    //  servers; anything else in this process is not ours to let in
    if (role < 0 || !streq(mechanism, "CURVE") || zmq_msg_size(&request[6]) != 32) {
        char what [160];
        snprintf(what, sizeof what, "d|%s|%s", domain, mechanism);
        if (jb__log_once_first(self->refusals, what))
            jb_log(JB_LOG_WARN, "curve: refused a %s connection from %s to ZAP domain "
                         "\"%s\", which is not one of the broker's", mechanism, address,
                         domain);
        return s_answer("400", "not a jbus broker socket", false);
    }
    char key [JB_CURVE_KEY_SIZE];
    zmq_z85_encode(key, (const uint8_t *) zmq_msg_data(&request[6]), 32);
    s_keys_refresh(self);
    if (!zhashx_lookup(self->keys, key)) {
        char what [160];
        snprintf(what, sizeof what, "a|%d|%s|%s", role, address, key);
        if (jb__log_once_first(self->refusals, what))
            jb_log(JB_LOG_WARN, "curve: refused a %s at %s: key %s has no certificate in "
                         "%s; later refusals of this key at this address are counted, not "
                         "logged", s_peers[role], address, key, self->clients_dir);
        return s_answer("400", "client key not allowed", true);
    }
    //  A key with no right on this socket is refused at the handshake: a
    //  peer that may not subscribe has no business on the subscriber
    //  endpoint, where messages that are not subscriptions would throw
    //  libzmq's manual mode off for everyone (see ledger.c), nor one that
    //  may not publish on the publisher endpoint. Every client let in may
    //  ask for STATS.
    int right = role == JB__ROLE_PUBLISHERS? JB_BROKER_PUBLISH
              : role == JB__ROLE_SUBSCRIBERS? JB_BROKER_SUBSCRIBE: 0;
    if (right && !jb__rule_has_right(jb__rules_find(self->rules, key), right)) {
        char what [160];
        snprintf(what, sizeof what, "r|%d|%s|%s", role, address, key);
        if (jb__log_once_first(self->refusals, what))
            jb_log(JB_LOG_WARN, "curve: refused a %s at %s: key %s may not %s "
                         "anything; later refusals of this key at this address are "
                         "counted, not logged", s_peers[role], address, key,
                         right == JB_BROKER_PUBLISH? "publish": "subscribe to");
        return s_answer("400", "client key has no right here", true);
    }
    s_answer_t answer = s_answer("200", "OK", false);
    snprintf(answer.user_id, sizeof answer.user_id, "%s %" PRIu64, key, ++self->connections);
    return answer;
}

//  Send answer to a ZAP request whose id is in frame 1 of request.
static void
s_zap_reply(jb__zap_t *self, zmq_msg_t *request, size_t count, const s_answer_t *answer)
{
    const void *id = count > 1? zmq_msg_data(&request[1]): "";
    size_t id_size = count > 1? zmq_msg_size(&request[1]): 0;
    struct {
        const void *data;
        size_t size;
    } reply [6] = {
        { "1.0", 3 }, { id, id_size }, { answer->status, strlen(answer->status) },
        { answer->text, strlen(answer->text) }, { answer->user_id, strlen(answer->user_id) },
        { "", 0 }
    };
    for (size_t index = 0; index < 6; index++) {
        int rc;
        do
            rc = zmq_send(self->handle, reply[index].data, reply[index].size,
                          ZMQ_DONTWAIT | (index < 5? ZMQ_SNDMORE: 0));
        while (rc == -1 && zmq_errno() == EINTR);
        if (rc == -1)
            return;
    }
}

//  Receive the frames of a request after its first, which is in
//  request[0]; frames past the last one expected all land in the spare,
//  request[s_ZAP_FRAMES], and make the request too long. The frames of a
//  message arrive together. Returns how many there were, or 0 when the
//  request could not be read whole.
static size_t
s_zap_receive_rest(jb__zap_t *self, zmq_msg_t *request)
{
    size_t count = 1;
    bool more = zmq_msg_more(&request[0]);
    while (more) {
        zmq_msg_t *frame = &request[count < s_ZAP_FRAMES? count: s_ZAP_FRAMES];
        int rc;
        do
            rc = zmq_msg_recv(frame, self->handle, ZMQ_DONTWAIT);
        while (rc == -1 && zmq_errno() == EINTR);
        if (rc == -1)
            return 0;
        count++;
        more = zmq_msg_more(frame);
    }
    return count;
}

//  --------------------------------------------------------------------------

uint64_t
jb__zap_serve(jb__zap_t *self)
{
    assert(self);
    uint64_t refused = 0;
    zmq_msg_t request [s_ZAP_FRAMES + 1];
    for (size_t index = 0; index < s_ZAP_FRAMES + 1; index++)
        zmq_msg_init(&request[index]);
    for (int served = 0; served < s_ZAP_BATCH; served++) {
        int rc;
        do
            rc = zmq_msg_recv(&request[0], self->handle, ZMQ_DONTWAIT);
        while (rc == -1 && zmq_errno() == EINTR);
        if (rc == -1)
            break;
        size_t count = s_zap_receive_rest(self, request);
        if (count == 0)
            continue;
        s_answer_t answer = s_zap_decide(self, request, count);
        s_zap_reply(self, request, count, &answer);
        if (answer.counted)
            refused++;
    }
    for (size_t index = 0; index < s_ZAP_FRAMES + 1; index++)
        zmq_msg_close(&request[index]);
    return refused;
}

//  --------------------------------------------------------------------------

bool
jb__zap_handshake_failed(jb__zap_t *self, jb__role_t role, uint16_t event, uint32_t value)
{
    assert(self);
    assert(role < JB__ROLE_COUNT);
    //  A refusal by the ZAP handler (HANDSHAKE_FAILED_AUTH) was counted and
    //  logged there, with the key and the address this event lacks
    if (event != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
    &&  event != ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        return false;
    int reason = event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL? s_BROKEN_OFF
               : value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH? s_NOT_CURVE
               : value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC? s_WRONG_KEY: s_OTHER;
    int64_t now = zclock_mono();
    int64_t *logged = &self->handshake_logged[role][reason];
    uint64_t *unlogged = &self->handshake_unlogged[role][reason];
    if (*logged && now - *logged < s_HANDSHAKE_LOG_MS) {
        (*unlogged)++;
        return true;
    }
    //  A peer that finds the broker speaks CURVE, and it does not, or
    //  cannot, often hangs up first: the broker then sees only that
    char detail [160];
    if (reason == s_BROKEN_OFF)
        snprintf(detail, sizeof detail, "the peer broke off the handshake (%s), as one without "
                 "keys or with the wrong server key does", strerror((int) value));
    else
        snprintf(detail, sizeof detail, "handshake failed (protocol error 0x%" PRIx32 ")",
                 value);
    char since [96] = "";
    if (*unlogged)
        snprintf(since, sizeof since, "; %" PRIu64 " more since the last such line", *unlogged);
    jb_log(JB_LOG_WARN, "curve: refused a %s connection: %s%s; such refusals are logged "
                 "at most once a minute", s_peers[role],
                 reason == s_NOT_CURVE? "the peer does not speak CURVE (no keys, or the NULL "
                                        "or PLAIN mechanism)":
                 reason == s_WRONG_KEY? "its CURVE handshake failed (the wrong server key, or "
                                        "a retry after a refusal)": detail, since);
    *logged = now;
    *unlogged = 0;
    return true;
}

//  --------------------------------------------------------------------------

bool
jb__zap_knows(const jb__zap_t *self, const char *key)
{
    assert(self);
    assert(key);
    return zhashx_lookup(self->keys, key) != NULL;
}

void
jb__zap_reread(jb__zap_t *self)
{
    assert(self);
    memset(&self->clients_mtime, 0, sizeof self->clients_mtime);
    s_keys_refresh(self);
}
