/*  =========================================================================
    guard.c - the broker's security: who may connect, publish, subscribe

    Authentication. libzmq asks the ZAP handler of its context (RFC 27, a
    REP socket at inproc://zeromq.zap.01) about every CURVE connection to
    a socket that has a ZAP domain. The guard is that handler: a peer is
    let in when a certificate with its public key lies in the clients
    directory, which is read again whenever it changes. libzmq 4.3 lets
    any key in when no handler is bound (ZMQ_ZAP_ENFORCE_DOMAIN is a draft
    API Debian does not build), so the handler is bound before the
    broker's sockets, fails the broker when it cannot be, and goes last.

    The User-Id the handler gives a connection is its key, a space and a
    number that no other connection gets, "<key> <n>"; libzmq attaches it
    to every message from that connection (zmq_msg_gets "User-Id"). The key
    finds the client's rule; the whole id tells connections apart.

    Authorisation of publishing is a prefix test on frame 0 of each
    message against the publisher's rule.

    Authorisation of subscribing relies on the backend being an XPUB in
    manual mode (ZMQ_XPUB_MANUAL): libzmq passes every subscription up
    without applying it, and a ZMQ_SUBSCRIBE on the XPUB right after the
    receive applies it to the connection it came from. The guard grants a
    subscription that starts with one of the subscriber's prefixes and
    refuses any other, a shorter one ("jerry." for a subscriber allowed
    "jerry.work_tracking.", or "") included: it is never widened or
    narrowed, so what a subscriber holds is always what it asked for.

    Publishers must still hear of each prefix once, as the plain broker
    tells them, so the guard counts the connections holding each granted
    prefix and forwards the first subscription and the last unsubscription.
    That needs each connection's set of subscriptions, kept under its
    User-Id. When a subscriber goes away, libzmq queues an unsubscription
    for each prefix it held, but without metadata: which connection ended
    is unknown. The guard then takes the prefix from some connection that
    holds it, one that was refused it when there is one (a wrong guess
    then changes no count), else one that was granted it (any such guess
    keeps the count right, as every holder was granted it), preferring the
    connection the previous such unsubscription came from (they arrive in
    a run). A wrong guess can only leave a count too high, which keeps a
    prefix subscribed upstream for nothing, never too low, which would
    cost a subscriber its events.

    One more trap of manual mode in libzmq 4.3: a message on the XPUB that
    is not a subscription (only a raw XSUB peer sends one) shifts the
    connection that later subscriptions are applied to, until the XPUB has
    been read dry. Subscriptions read in between are refused (logged),
    never applied to the wrong subscriber.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L


#include "jbus.h"
#include "error.h"
#include "text.h"
#include "security_internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <czmq.h>

//  The endpoint of a context's ZAP handler (RFC 27).
#define s_ZAP_ENDPOINT "inproc://zeromq.zap.01"

//  ZAP requests answered before the broker's loop polls again.
#define s_ZAP_BATCH 100

//  Frames of a ZAP request for CURVE (RFC 27), and one more to take the
//  rest of a longer one.
#define s_ZAP_FRAMES 7

//  Longest User-Id the guard hands out: a key, a space, a 64-bit number.
#define s_USER_ID_MAX 64

//  Distinct refusals logged in full before the rest are only counted.
#define s_LOGGED_MAX 10000

//  A failed handshake tells no peer address: of those, one line per
//  socket and reason at most this often.
#define s_HANDSHAKE_LOG_MS 60000

//  Bytes of a type or prefix shown in a log line.
#define s_SHOWN_MAX 80

//  A subscription's state on its connection. Stored as the item of a
//  zhashx, so neither is 0.
#define s_GRANTED ((void *) 1)
#define s_REFUSED ((void *) 2)

//  Why a handshake failed, as the monitor tells it.
enum { s_NOT_CURVE, s_WRONG_KEY, s_BROKEN_OFF, s_OTHER, s_REASONS };

static const char *s_domains [JB__ROLE_COUNT] = {
    "jbus.publishers", "jbus.subscribers", "jbus.control"
};
//  Refused prefixes noted per subscriber connection (see
//  jb__guard_subscription).
#define s_REFUSED_MAX 1000

static const char *s_peers [JB__ROLE_COUNT] = {
    "publisher", "subscriber", "control client"
};

//  One subscriber connection that holds subscriptions.
typedef struct {
    char *user_id;                  //  its User-Id, the key of guard->subscribers
    const jb__rule_t *rule;         //  its rights (NULL: none), borrowed
    zhashx_t *requested;            //  prefix -> s_GRANTED or s_REFUSED
} s_subscriber_t;

struct jb__guard {
    jb_curve_cert_t cert;           //  the broker's key pair
    char *clients_dir;              //  directory of allowed certificates
    zhashx_t *keys;                 //  their public keys (a set)
    struct timespec clients_mtime;  //  of the directory when it was read
    jb__rules_t *rules;             //  who may publish and subscribe what
    zsock_t *zap;                   //  REP, the context's ZAP handler
    void *zap_handle;
    uint64_t connections;           //  connections let in, for User-Ids

    char last_publisher [s_USER_ID_MAX];        //  the User-Id last checked
    const jb__rule_t *last_rule;                //  and its rule

    zhashx_t *subscribers;          //  User-Id -> s_subscriber_t
    zhashx_t *upstream;             //  granted prefix -> connections holding
                                    //  it, as a pointer-sized count
    s_subscriber_t *last_released;  //  took the last ownerless unsubscription
    bool tainted;                   //  a non-subscription was read from the
                                    //  XPUB since it was last read dry

    zhashx_t *logged;               //  refusals logged once, as a set
    bool logged_full;               //  ... and it reached s_LOGGED_MAX
    int64_t handshake_logged [JB__ROLE_COUNT][s_REASONS];   //  zclock_mono()
    uint64_t handshake_unlogged [JB__ROLE_COUNT][s_REASONS];
};

//  --------------------------------------------------------------------------
//  Printable ASCII of size bytes at data, at most s_SHOWN_MAX of them, with
//  "..." when cut, into text (s_SHOWN_MAX + 4 bytes).

static void
s_printable(const void *data, size_t size, char *text)
{
    const unsigned char *bytes = (const unsigned char *) data;
    size_t shown = size < s_SHOWN_MAX? size: s_SHOWN_MAX;
    for (size_t index = 0; index < shown; index++)
        text[index] = bytes[index] >= 0x20 && bytes[index] < 0x7f && bytes[index] != '"'?
                      (char) bytes[index]: '?';
    snprintf(text + shown, 4, "%s", size > shown? "...": "");
}

//  "name (key K)" or "key K" for the log, from a rule and the key seen.
static void
s_client(const jb__rule_t *rule, const char *key, char *text, size_t capacity)
{
    const char *name = rule? jb__rule_name(rule): "";
    snprintf(text, capacity, "%s%skey %.40s%s", name, *name? " (": "", key, *name? ")": "");
}

//  True the first time what is asked (a refusal's description), so that a
//  peer that keeps retrying fills the log once, not every 100 ms.
static bool
s_first_time(jb__guard_t *self, const char *what)
{
    if (zhashx_lookup(self->logged, what))
        return false;
    if (zhashx_size(self->logged) >= s_LOGGED_MAX) {
        if (!self->logged_full)
            zsys_warning("jbus broker: curve: %d distinct refusals logged; further ones are "
                         "counted, not logged", s_LOGGED_MAX);
        self->logged_full = true;
        return false;
    }
    zhashx_insert(self->logged, what, self);       //  a set: any non-NULL item
    return true;
}

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
                zsys_warning("jbus broker: curve_clients: skipping %s", reason.message);
            else {
                if (*cert.secret_key)
                    zsys_warning("jbus broker: curve_clients: %s holds a secret key; only "
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
s_keys_refresh(jb__guard_t *self)
{
    struct stat status;
    bool same = stat(self->clients_dir, &status) == 0
             && status.st_mtim.tv_sec == self->clients_mtime.tv_sec
             && status.st_mtim.tv_nsec == self->clients_mtime.tv_nsec;
    if (same)
        return;
    jb_error_t error;
    if (s_keys_read(self->clients_dir, &self->keys, &self->clients_mtime, &error)) {
        if (s_first_time(self, error.message))
            zsys_error("jbus broker: %s; no client can connect until it can be read again",
                       error.message);
        zhashx_purge(self->keys);
        memset(&self->clients_mtime, 0, sizeof self->clients_mtime);
    }
    else
        zsys_info("jbus broker: curve_clients %s read again: %zu client certificates",
                  self->clients_dir, zhashx_size(self->keys));
}

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

jb__guard_t *
jb__guard_new(const char *cert_path, const char *clients_dir, const jb__rules_t *rules,
              jb_error_t *error)
{
    assert(cert_path);
    assert(clients_dir);
    if (!zmq_has("curve")) {
        jb__error(error, JB_ECONFIG, NULL, "curve_cert: this libzmq was built without CURVE");
        return NULL;
    }
    jb__guard_t *self = (jb__guard_t *) calloc(1, sizeof *self);
    if (!self) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    jb_error_t reason;
    if (jb_curve_cert_load(&self->cert, cert_path, &reason)) {
        jb__error(error, JB_ECONFIG, NULL, "curve_cert: %s", reason.message);
        jb__guard_destroy(&self);
        return NULL;
    }
    if (!*self->cert.secret_key) {
        jb__error(error, JB_ECONFIG, NULL,
                  "curve_cert: certificate %s holds no secret key: give the broker's secret "
                  "certificate (the _secret file of jbus keygen)", cert_path);
        jb__guard_destroy(&self);
        return NULL;
    }
    self->clients_dir = jb__strndup(clients_dir, strlen(clients_dir));
    self->rules = rules? jb__rules_dup(rules): jb__rules_new();
    self->subscribers = zhashx_new();
    self->upstream = zhashx_new();
    self->logged = zhashx_new();
    if (!self->clients_dir || !self->rules || !self->subscribers || !self->upstream
    ||  !self->logged) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        jb__guard_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->subscribers, s_subscriber_destroy);
    if (s_keys_read(clients_dir, &self->keys, &self->clients_mtime, error)) {
        jb__guard_destroy(&self);
        return NULL;
    }
    if (zhashx_size(self->keys) == 0)
        zsys_warning("jbus broker: curve_clients %s holds no client certificate: no client "
                     "can connect until one is added", clients_dir);
    for (size_t index = 0; index < jb__rules_size(self->rules); index++) {
        const jb__rule_t *rule = jb__rules_at(self->rules, index);
        const char *key = jb__rule_key(rule);
        if (!streq(key, JB__RULES_ANY) && !zhashx_lookup(self->keys, key)) {
            char client [128];
            s_client(rule, key, client, sizeof client);
            zsys_warning("jbus broker: the rule for client %s has no certificate in %s: that "
                         "client cannot connect", client, clients_dir);
        }
    }
    self->zap = zsock_new(ZMQ_REP);
    if (!self->zap || zmq_bind(zsock_resolve(self->zap), s_ZAP_ENDPOINT) == -1) {
        jb__error(error, JB_ESOCKET, NULL,
                  "CURVE: cannot start the authentication (ZAP) handler at " s_ZAP_ENDPOINT
                  ": %s (only one CURVE broker, or zauth actor, can run in a process)",
                  zmq_strerror(zmq_errno()));
        jb__guard_destroy(&self);
        return NULL;
    }
    self->zap_handle = zsock_resolve(self->zap);
    zsock_set_linger(self->zap, 0);
    return self;
}

//  --------------------------------------------------------------------------

void
jb__guard_destroy(jb__guard_t **self_p)
{
    assert(self_p);
    jb__guard_t *self = *self_p;
    if (!self)
        return;
    //  Unbound first: an inproc name is freed at once by unbind, only
    //  later by close, and the next broker of this process needs it.
    if (self->zap_handle)
        zmq_unbind(self->zap_handle, s_ZAP_ENDPOINT);
    zsock_destroy(&self->zap);
    jb_curve_cert_clear(&self->cert);
    free(self->clients_dir);
    zhashx_destroy(&self->keys);
    jb__rules_destroy(&self->rules);
    zhashx_destroy(&self->subscribers);
    zhashx_destroy(&self->upstream);
    zhashx_destroy(&self->logged);
    free(self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------

int
jb__guard_secure(jb__guard_t *self, void *socket, jb__role_t role, jb_error_t *error)
{
    assert(self);
    assert(role < JB__ROLE_COUNT);
    return jb__curve_server_apply(socket, &self->cert, s_domains[role], error);
}

void *
jb__guard_zap_handle(jb__guard_t *self)
{
    assert(self);
    return self->zap_handle;
}

void
jb__guard_describe(jb__guard_t *self, char *buffer, size_t capacity)
{
    assert(self);
    snprintf(buffer, capacity, "%zu client certificates in %s, %zu rules",
             zhashx_size(self->keys), self->clients_dir, jb__rules_size(self->rules));
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

//  Send the reply to a ZAP request whose id is in frame 1 of request.
static void
s_zap_reply(jb__guard_t *self, zmq_msg_t *request, size_t count, const char *status,
            const char *text, const char *user_id)
{
    const void *id = count > 1? zmq_msg_data(&request[1]): "";
    size_t id_size = count > 1? zmq_msg_size(&request[1]): 0;
    struct {
        const void *data;
        size_t size;
    } reply [6] = {
        { "1.0", 3 }, { id, id_size }, { status, strlen(status) }, { text, strlen(text) },
        { user_id, strlen(user_id) }, { "", 0 }
    };
    for (size_t index = 0; index < 6; index++) {
        int rc;
        do
            rc = zmq_send(self->zap_handle, reply[index].data, reply[index].size,
                          ZMQ_DONTWAIT | (index < 5? ZMQ_SNDMORE: 0));
        while (rc == -1 && zmq_errno() == EINTR);
        if (rc == -1)
            return;
    }
}

//  Decide one request of count frames; see RFC 27 for their order.
static void
s_zap_decide(jb__guard_t *self, zmq_msg_t *request, size_t count, jb_broker_stats_t *stats)
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
    if (count != s_ZAP_FRAMES || !streq(version, "1.0")) {
        s_zap_reply(self, request, count, "500", "malformed ZAP request", "");
        return;
    }
    //  Only the broker's sockets have these domains, and they are CURVE
    //  servers; anything else in this process is not ours to let in
    if (role < 0 || !streq(mechanism, "CURVE") || zmq_msg_size(&request[6]) != 32) {
        char what [160];
        snprintf(what, sizeof what, "d|%s|%s", domain, mechanism);
        if (s_first_time(self, what))
            zsys_warning("jbus broker: curve: refused a %s connection from %s to ZAP domain "
                         "\"%s\", which is not one of the broker's", mechanism, address,
                         domain);
        s_zap_reply(self, request, count, "400", "not a jbus broker socket", "");
        return;
    }
    char key [JB_CURVE_KEY_SIZE];
    zmq_z85_encode(key, (const uint8_t *) zmq_msg_data(&request[6]), 32);
    s_keys_refresh(self);
    if (!zhashx_lookup(self->keys, key)) {
        stats->auth_failures++;
        char what [160];
        snprintf(what, sizeof what, "a|%d|%s|%s", role, address, key);
        if (s_first_time(self, what))
            zsys_warning("jbus broker: curve: refused a %s at %s: key %s has no certificate in "
                         "%s; later refusals of this key at this address are counted, not "
                         "logged", s_peers[role], address, key, self->clients_dir);
        s_zap_reply(self, request, count, "400", "client key not allowed", "");
        return;
    }
    //  A key with no right on this socket is refused at the handshake: a
    //  peer that may not subscribe has no business on the subscriber
    //  endpoint, where messages that are not subscriptions would throw
    //  libzmq's manual mode off for everyone (see jb__guard_subscription),
    //  nor one that may not publish on the publisher endpoint. Every client
    //  let in may ask for STATS.
    int right = role == JB__ROLE_PUBLISHERS? JB_BROKER_PUBLISH
              : role == JB__ROLE_SUBSCRIBERS? JB_BROKER_SUBSCRIBE: 0;
    if (right && !jb__rule_has_right(jb__rules_find(self->rules, key), right)) {
        stats->auth_failures++;
        char what [160];
        snprintf(what, sizeof what, "r|%d|%s|%s", role, address, key);
        if (s_first_time(self, what))
            zsys_warning("jbus broker: curve: refused a %s at %s: key %s may not %s "
                         "anything; later refusals of this key at this address are "
                         "counted, not logged", s_peers[role], address, key,
                         right == JB_BROKER_PUBLISH? "publish": "subscribe to");
        s_zap_reply(self, request, count, "400", "client key has no right here", "");
        return;
    }
    char user_id [s_USER_ID_MAX];
    snprintf(user_id, sizeof user_id, "%s %" PRIu64, key, ++self->connections);
    s_zap_reply(self, request, count, "200", "OK", user_id);
}

void
jb__guard_zap_serve(jb__guard_t *self, jb_broker_stats_t *stats)
{
    assert(self);
    zmq_msg_t request [s_ZAP_FRAMES + 1];
    for (size_t index = 0; index < s_ZAP_FRAMES + 1; index++)
        zmq_msg_init(&request[index]);
    for (int served = 0; served < s_ZAP_BATCH; served++) {
        int rc;
        do
            rc = zmq_msg_recv(&request[0], self->zap_handle, ZMQ_DONTWAIT);
        while (rc == -1 && zmq_errno() == EINTR);
        if (rc == -1)
            break;
        //  The frames of a message arrive together; frames past the last
        //  expected one all land in the spare and make the request too long
        size_t count = 1;
        bool more = zmq_msg_more(&request[0]);
        while (more) {
            zmq_msg_t *frame = &request[count < s_ZAP_FRAMES? count: s_ZAP_FRAMES];
            do
                rc = zmq_msg_recv(frame, self->zap_handle, ZMQ_DONTWAIT);
            while (rc == -1 && zmq_errno() == EINTR);
            if (rc == -1)
                break;
            count++;
            more = zmq_msg_more(frame);
        }
        if (!more)
            s_zap_decide(self, request, count, stats);
    }
    for (size_t index = 0; index < s_ZAP_FRAMES + 1; index++)
        zmq_msg_close(&request[index]);
}

//  --------------------------------------------------------------------------

void
jb__guard_monitor_event(jb__guard_t *self, jb__role_t role, uint16_t event, uint32_t value,
                        jb_broker_stats_t *stats)
{
    assert(self);
    assert(role < JB__ROLE_COUNT);
    //  A refusal by the ZAP handler (HANDSHAKE_FAILED_AUTH) was counted and
    //  logged there, with the key and the address this event lacks
    if (event != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && event != ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        return;
    stats->auth_failures++;
    int reason = event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL? s_BROKEN_OFF
               : value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH? s_NOT_CURVE
               : value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC? s_WRONG_KEY: s_OTHER;
    int64_t now = zclock_mono();
    int64_t *logged = &self->handshake_logged[role][reason];
    uint64_t *unlogged = &self->handshake_unlogged[role][reason];
    if (*logged && now - *logged < s_HANDSHAKE_LOG_MS) {
        (*unlogged)++;
        return;
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
    zsys_warning("jbus broker: curve: refused a %s connection: %s%s; such refusals are logged "
                 "at most once a minute", s_peers[role],
                 reason == s_NOT_CURVE? "the peer does not speak CURVE (no keys, or the NULL "
                                        "or PLAIN mechanism)":
                 reason == s_WRONG_KEY? "its CURVE handshake failed (the wrong server key, or "
                                        "a retry after a refusal)": detail, since);
    *logged = now;
    *unlogged = 0;
}

//  --------------------------------------------------------------------------

bool
jb__guard_may_publish(jb__guard_t *self, zmq_msg_t *first, jb_broker_stats_t *stats)
{
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
    stats->forbidden_messages++;
    const char *key = user_id && strlen(user_id) >= JB_CURVE_KEY_SIZE? user_id: "(unknown)";
    char what [64];
    snprintf(what, sizeof what, "p|%.40s", key);
    if (s_first_time(self, what)) {
        char client [128], shown [s_SHOWN_MAX + 4], prefixes [256];
        s_client(rule, key, client, sizeof client);
        s_printable(topic, size, shown);
        jb__rule_describe(rule, JB_BROKER_PUBLISH, prefixes, sizeof prefixes);
        zsys_warning("jbus broker: curve: dropped a message of type \"%s\" from publisher %s: "
                     "it may publish %s; later ones from this client are counted, not logged",
                     shown, client, prefixes);
    }
    return false;
}

//  --------------------------------------------------------------------------
//  Tell publishers of the subscription or unsubscription in message
//  (byte 0 is 1 or 0, then the prefix) when it is the first or the last
//  for its prefix. Returns 0, or -1 when the context is gone.

static int
s_upstream(jb__guard_t *self, zmq_msg_t *message, const char *prefix, void *frontend,
           jb_broker_stats_t *stats)
{
    bool subscribe = *(const uint8_t *) zmq_msg_data(message) == 1;
    uintptr_t holders = (uintptr_t) zhashx_lookup(self->upstream, prefix);
    if (subscribe) {
        zhashx_update(self->upstream, prefix, (void *) (holders + 1));
        if (holders > 0)
            return 0;
    }
    else {
        if (holders == 0)
            return 0;
        if (holders > 1) {
            zhashx_update(self->upstream, prefix, (void *) (holders - 1));
            return 0;
        }
        zhashx_delete(self->upstream, prefix);
    }
    int rc;
    do
        rc = zmq_send(frontend, zmq_msg_data(message), zmq_msg_size(message), ZMQ_DONTWAIT);
    while (rc == -1 && zmq_errno() == EINTR);
    if (rc == -1)
        return zmq_errno() == ETERM? -1: 0;
    if (subscribe)
        stats->subscriptions++;
    else
        stats->unsubscriptions++;
    return 0;
}

//  Take prefix from subscriber; forget the subscriber when it holds no
//  more. Returns as s_upstream.
static int
s_take(jb__guard_t *self, s_subscriber_t *subscriber, const char *prefix, zmq_msg_t *message,
       void *frontend, jb_broker_stats_t *stats)
{
    void *state = zhashx_lookup(subscriber->requested, prefix);
    zhashx_delete(subscriber->requested, prefix);
    if (zhashx_size(subscriber->requested) == 0) {
        if (self->last_released == subscriber)
            self->last_released = NULL;
        zhashx_delete(self->subscribers, subscriber->user_id);
    }
    return state == s_GRANTED? s_upstream(self, message, prefix, frontend, stats): 0;
}

//  An unsubscription from a connection that ended: which one is unknown
//  (see the file comment for the choice).
static int
s_release(jb__guard_t *self, const char *prefix, zmq_msg_t *message, void *frontend,
          jb_broker_stats_t *stats)
{
    s_subscriber_t *chosen [2] = { NULL, NULL };      //  refused, granted
    for (s_subscriber_t *subscriber = (s_subscriber_t *) zhashx_first(self->subscribers);
         subscriber; subscriber = (s_subscriber_t *) zhashx_next(self->subscribers)) {
        void *state = zhashx_lookup(subscriber->requested, prefix);
        if (!state)
            continue;
        int side = state == s_REFUSED? 0: 1;
        if (!chosen[side] || subscriber == self->last_released)
            chosen[side] = subscriber;
    }
    s_subscriber_t *subscriber = chosen[0]? chosen[0]: chosen[1];
    if (!subscriber)
        return 0;
    self->last_released = subscriber;
    return s_take(self, subscriber, prefix, message, frontend, stats);
}

//  The connection's record, made when it has none. NULL when out of memory.
static s_subscriber_t *
s_subscriber(jb__guard_t *self, const char *user_id, const jb__rule_t *rule)
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

//  Log a refused subscription, the first time for its client and prefix.
static void
s_log_refusal(jb__guard_t *self, const jb__rule_t *rule, const char *user_id,
              const void *prefix, size_t size, const char *why)
{
    char shown [s_SHOWN_MAX + 4];
    s_printable(prefix, size, shown);
    char what [s_SHOWN_MAX + 64];
    snprintf(what, sizeof what, "s|%.40s|%s", user_id, shown);
    if (!s_first_time(self, what))
        return;
    char client [128], prefixes [256];
    s_client(rule, user_id, client, sizeof client);
    jb__rule_describe(rule, JB_BROKER_SUBSCRIBE, prefixes, sizeof prefixes);
    zsys_warning("jbus broker: curve: refused subscription \"%s\" of subscriber %s: %s "
                 "(it may subscribe to %s and longer prefixes of them); not forwarded",
                 shown, client, why, prefixes);
}

int
jb__guard_subscription(jb__guard_t *self, zmq_msg_t *message, void *backend, void *frontend,
                       jb_broker_stats_t *stats)
{
    assert(self);
    size_t size = zmq_msg_size(message);
    const uint8_t *data = (const uint8_t *) zmq_msg_data(message);
    const char *user_id = zmq_msg_gets(message, "User-Id");
    if (size == 0 || data[0] > 1) {
        //  Not a subscription: see the file comment
        self->tainted = true;
        char what [64];
        snprintf(what, sizeof what, "u|%.40s", user_id? user_id: "");
        if (s_first_time(self, what))
            zsys_warning("jbus broker: curve: a client (key %.40s) sent the subscriber "
                         "endpoint a message that is not a subscription; subscriptions "
                         "received right after it are refused", user_id? user_id: "unknown");
        return 0;
    }
    bool subscribe = data[0] == 1;
    const void *bytes = data + 1;
    size_t prefix_size = size - 1;
    //  Prefixes are table keys, C strings: one with a NUL, which no type
    //  has, could pass for a shorter one
    bool has_nul = memchr(bytes, '\0', prefix_size) != NULL;
    if (!user_id) {
        if (!subscribe && !has_nul) {
            char *prefix = jb__strndup((const char *) bytes, prefix_size);
            int rc = prefix? s_release(self, prefix, message, frontend, stats): 0;
            free(prefix);
            return rc;
        }
        return 0;
    }
    if (strlen(user_id) < JB_CURVE_KEY_SIZE)
        return 0;                       //  not one of ours: CURVE sets it
    const jb__rule_t *rule = jb__rules_find(self->rules, user_id);
    bool granted = subscribe && !self->tainted && !has_nul
                && jb__rule_allows(rule, JB_BROKER_SUBSCRIBE, bytes, prefix_size);
    //  Before any other call on the XPUB, which could move its notion of
    //  the last connection read
    if (granted)
        zmq_setsockopt(backend, ZMQ_SUBSCRIBE, bytes, prefix_size);
    else
    if (!subscribe && !self->tainted)
        zmq_setsockopt(backend, ZMQ_UNSUBSCRIBE, bytes, prefix_size);
    if (subscribe && !granted) {
        stats->forbidden_subscriptions++;
        s_log_refusal(self, rule, user_id, bytes, prefix_size,
                      self->tainted? "it came right after a message that is not a subscription"
                      : has_nul? "it holds a NUL byte, which no type has"
                      : "outside its subscribe prefixes");
    }
    if (has_nul)
        return 0;
    char *prefix = jb__strndup((const char *) bytes, prefix_size);
    if (!prefix)
        return 0;
    int rc = 0;
    s_subscriber_t *subscriber = (s_subscriber_t *) zhashx_lookup(self->subscribers, user_id);
    if (subscribe) {
        subscriber = s_subscriber(self, user_id, rule);
        void *state = subscriber? zhashx_lookup(subscriber->requested, prefix): NULL;
        //  Refused prefixes are noted only up to a bound, so that a client
        //  cannot grow the table for ever; one not noted only makes the
        //  guess at its disconnect less exact, never a count too low
        if (subscriber && state != s_GRANTED && (granted || !state)
        &&  (granted || zhashx_size(subscriber->requested) < s_REFUSED_MAX)) {
            zhashx_update(subscriber->requested, prefix, granted? s_GRANTED: s_REFUSED);
            if (granted)
                rc = s_upstream(self, message, prefix, frontend, stats);
        }
    }
    else
    if (subscriber && zhashx_lookup(subscriber->requested, prefix)) {
        if (self->tainted)
            //  The subscription stays on the connection, so it stays counted
            zhashx_update(subscriber->requested, prefix, s_REFUSED);
        rc = s_take(self, subscriber, prefix, message, frontend, stats);
    }
    free(prefix);
    return rc;
}

//  --------------------------------------------------------------------------

void
jb__guard_subscriptions_drained(jb__guard_t *self)
{
    assert(self);
    self->tainted = false;
}
