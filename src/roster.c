/*  =========================================================================
    roster.c - the broker's connections as they are now

    Connections live in an array indexed by their descriptor, so that the
    forwarding path finds a publisher's in one step: the kernel hands out
    the lowest free descriptor, so the array stays as small as the number
    of open files. Subscribers' prefixes are byte strings (a foreign
    subscriber may send any bytes), kept as sized keys in CZMQ hash tables:
    one per connection, and one with the number of subscribers of each.

    Deliveries are counted per topic: the first message of a topic finds
    the subscribers whose prefixes match it and keeps their descriptors;
    later ones reuse the list until a subscription or a connection
    changes. A stream of one type, the common case, skips even the table:
    the last topic is compared first.
    ========================================================================= */

#define _GNU_SOURCE                     //  struct ucred, SO_PEERCRED

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <czmq.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "jbus.h"
#include "roster.h"
#include "log.h"
#include "text.h"

//  Most descriptors the roster indexes: past this, a connection is not
//  listed (it still works). Far above any RLIMIT_NOFILE a broker is given.
#define s_FD_MAX (1 << 20)

//  Most topics whose subscribers are kept; past it the lists start again,
//  so that a stream of ever new types cannot grow them. Each new topic,
//  and each topic after a change of who subscribes to what, costs one pass
//  over the subscribers' prefixes on the forwarding path.
#define s_TOPICS_MAX 4096

//  Most descriptors the topics' lists hold together before they start
//  again: 4 MB, whatever the number of subscribers.
#define s_CACHED_MAX (1 << 20)

//  The pseudo-connection of every inproc subscriber, apart from the array.
#define s_INPROC (-1)

//  A key of the tables: sized bytes. A stored key has its bytes after it.
typedef struct {
    size_t size;
    const unsigned char *data;
} s_bytes_t;

typedef struct {
    int fd;                     //  s_INPROC for the inproc subscribers
    jb__role_t role;
    char peer [INET6_ADDRSTRLEN + 16];
    int64_t since_ms;
    char key [41];              //  CURVE key, "" when none (yet)
    bool key_read;              //  User-Id looked at: it is read once
    jb__roster_end_t end;       //  how it will have ended, if it ends now
    uint64_t messages, bytes;   //  published, or delivered to it
    zhashx_t *prefixes;         //  s_bytes_t -> (void *) 1, subscribers'
} s_connection_t;

typedef struct {
    s_bytes_t *key;             //  its topic, a copy
    uint64_t generation;        //  the roster's when the list was made
    size_t count;
    int *fds;
} s_topic_t;

struct jb__roster {
    s_connection_t **connections;   //  by descriptor, NULL where none
    size_t capacity;
    s_connection_t *inproc;         //  NULL until an inproc subscriber
    jb__roster_counts_t counts;
    zhashx_t *prefix_counts;        //  s_bytes_t -> subscribers, as uintptr_t
    zhashx_t *told;                 //  s_bytes_t, the prefixes publishers
                                    //  were told of (a set)
    zhashx_t *topics;               //  s_bytes_t -> s_topic_t
    uint64_t generation;            //  bumped at every change of who
                                    //  subscribes to what
    s_topic_t *last_topic;          //  the last one looked up
    size_t cached;                  //  descriptors the topics' lists hold
};

//  --------------------------------------------------------------------------
//  Sized keys for zhashx: FNV-1a over the bytes.

static size_t
s_bytes_hash(const void *item)
{
    const s_bytes_t *key = (const s_bytes_t *) item;
    uint64_t hash = 14695981039346656037ULL;
    for (size_t index = 0; index < key->size; index++)
        hash = (hash ^ key->data[index]) * 1099511628211ULL;
    return (size_t) hash;
}

static int
s_bytes_compare(const void *item1, const void *item2)
{
    const s_bytes_t *a = (const s_bytes_t *) item1;
    const s_bytes_t *b = (const s_bytes_t *) item2;
    if (a->size != b->size)
        return a->size < b->size? -1: 1;
    return a->size? memcmp(a->data, b->data, a->size): 0;
}

static void *
s_bytes_dup(const void *item)
{
    const s_bytes_t *key = (const s_bytes_t *) item;
    s_bytes_t *copy = (s_bytes_t *) malloc(sizeof *copy + key->size + 1);
    if (copy) {
        unsigned char *data = (unsigned char *) (copy + 1);
        if (key->size)
            memcpy(data, key->data, key->size);
        data[key->size] = 0;
        copy->size = key->size;
        copy->data = data;
    }
    return copy;
}

static void
s_bytes_free(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

static zhashx_t *
s_table_new(void)
{
    zhashx_t *table = zhashx_new();
    if (table) {
        zhashx_set_key_hasher(table, s_bytes_hash);
        zhashx_set_key_comparator(table, s_bytes_compare);
        zhashx_set_key_duplicator(table, s_bytes_dup);
        zhashx_set_key_destructor(table, s_bytes_free);
    }
    return table;
}

static void
s_topic_free(void **item_p)
{
    s_topic_t *topic = (s_topic_t *) *item_p;
    if (topic) {
        free(topic->key);
        free(topic->fds);
        free(topic);
        *item_p = NULL;
    }
}

//  --------------------------------------------------------------------------

jb__roster_t *
jb__roster_new(void)
{
    jb__roster_t *self = (jb__roster_t *) calloc(1, sizeof *self);
    if (self) {
        self->prefix_counts = s_table_new();
        self->told = s_table_new();
        self->topics = s_table_new();
        if (self->topics)
            zhashx_set_destructor(self->topics, s_topic_free);
        if (!self->prefix_counts || !self->told || !self->topics)
            jb__roster_destroy(&self);
    }
    return self;
}

static void
s_connection_free(s_connection_t **connection_p)
{
    if (*connection_p) {
        zhashx_destroy(&(*connection_p)->prefixes);
        free(*connection_p);
        *connection_p = NULL;
    }
}

void
jb__roster_destroy(jb__roster_t **self_p)
{
    assert(self_p);
    jb__roster_t *self = *self_p;
    if (self) {
        for (size_t fd = 0; fd < self->capacity; fd++)
            s_connection_free(&self->connections[fd]);
        free(self->connections);
        s_connection_free(&self->inproc);
        zhashx_destroy(&self->prefix_counts);
        zhashx_destroy(&self->told);
        zhashx_destroy(&self->topics);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------

static s_connection_t *
s_find(const jb__roster_t *self, int fd)
{
    return fd >= 0 && (size_t) fd < self->capacity? self->connections[fd]: NULL;
}

//  The peer's address: "ip:port" for tcp, "pid N" for ipc (its process).
static void
s_peer_read(int fd, char *peer, size_t capacity)
{
    struct sockaddr_storage address;
    socklen_t size = sizeof address;
    snprintf(peer, capacity, "unknown");
    if (getpeername(fd, (struct sockaddr *) &address, &size) == -1)
        return;
    char host [INET6_ADDRSTRLEN] = "";
    if (address.ss_family == AF_INET) {
        const struct sockaddr_in *ip = (const struct sockaddr_in *) &address;
        inet_ntop(AF_INET, &ip->sin_addr, host, sizeof host);
        snprintf(peer, capacity, "%s:%u", host, ntohs(ip->sin_port));
    }
    else
    if (address.ss_family == AF_INET6) {
        const struct sockaddr_in6 *ip = (const struct sockaddr_in6 *) &address;
        inet_ntop(AF_INET6, &ip->sin6_addr, host, sizeof host);
        snprintf(peer, capacity, "[%s]:%u", host, ntohs(ip->sin6_port));
    }
    else
    if (address.ss_family == AF_UNIX) {
        struct ucred credentials;
        socklen_t credentials_size = sizeof credentials;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &credentials_size) == 0)
            snprintf(peer, capacity, "pid %ld", (long) credentials.pid);
        else
            snprintf(peer, capacity, "ipc");
    }
}

static jb__roster_end_t
    s_forget(jb__roster_t *self, int fd);

static s_connection_t *
s_connection_new(int fd, jb__role_t role, int64_t now_ms)
{
    s_connection_t *connection = (s_connection_t *) calloc(1, sizeof *connection);
    if (!connection)
        return NULL;
    connection->fd = fd;
    connection->role = role;
    connection->since_ms = now_ms;
    connection->end = JB__ROSTER_NORMAL;
    if (fd >= 0)
        s_peer_read(fd, connection->peer, sizeof connection->peer);
    else
        snprintf(connection->peer, sizeof connection->peer, "inproc");
    if (role == JB__ROLE_SUBSCRIBERS && !(connection->prefixes = s_table_new()))
        s_connection_free(&connection);
    return connection;
}

jb__roster_end_t
jb__roster_accepted(jb__roster_t *self, int fd, jb__role_t role, int64_t now_ms)
{
    assert(self);
    if (fd < 0 || fd >= s_FD_MAX
    ||  (role != JB__ROLE_PUBLISHERS && role != JB__ROLE_SUBSCRIBERS))
        return JB__ROSTER_UNKNOWN;
    if ((size_t) fd >= self->capacity) {
        size_t capacity = self->capacity? self->capacity: 64;
        while (capacity <= (size_t) fd)
            capacity *= 2;
        s_connection_t **grown = (s_connection_t **) realloc(self->connections,
                                                             capacity * sizeof *grown);
        if (!grown)
            return JB__ROSTER_UNKNOWN;
        memset(grown + self->capacity, 0, (capacity - self->capacity) * sizeof *grown);
        self->connections = grown;
        self->capacity = capacity;
    }
    //  A descriptor the other socket's connection had, whose end that
    //  socket's monitor has not told yet (each monitor tells its own
    //  socket's events in order): it has ended
    jb__roster_end_t displaced = JB__ROSTER_UNKNOWN;
    if (self->connections[fd])
        displaced = s_forget(self, fd);
    self->connections[fd] = s_connection_new(fd, role, now_ms);
    if (self->connections[fd]) {
        if (role == JB__ROLE_PUBLISHERS)
            self->counts.publishers++;
        else
            self->counts.subscribers++;
    }
    return displaced;
}

void
jb__roster_refused(jb__roster_t *self, int fd)
{
    assert(self);
    s_connection_t *connection = s_find(self, fd);
    if (connection)
        connection->end = JB__ROSTER_REFUSED;
}

//  --------------------------------------------------------------------------
//  Prefix counts.

static uintptr_t
s_prefix_count(jb__roster_t *self, const s_bytes_t *key)
{
    return (uintptr_t) zhashx_lookup(self->prefix_counts, key);
}

static void
s_prefix_count_set(jb__roster_t *self, const s_bytes_t *key, uintptr_t count)
{
    uintptr_t before = s_prefix_count(self, key);
    if (count == before)
        return;
    if (count == 0)
        zhashx_delete(self->prefix_counts, key);
    else
    if (before == 0) {
        if (zhashx_insert(self->prefix_counts, key, (void *) count))
            return;         //  out of memory: not counted
    }
    else
        zhashx_update(self->prefix_counts, key, (void *) count);
    self->counts.prefixes = zhashx_size(self->prefix_counts);
    self->counts.subscriptions += count;
    self->counts.subscriptions -= before;
    self->generation++;
}

//  A connection's prefixes leave the counts (it ended).
static void
s_prefixes_release(jb__roster_t *self, s_connection_t *connection)
{
    if (!connection->prefixes)
        return;
    for (void *item = zhashx_first(connection->prefixes); item;
         item = zhashx_next(connection->prefixes)) {
        const s_bytes_t *key = (const s_bytes_t *) zhashx_cursor(connection->prefixes);
        uintptr_t count = s_prefix_count(self, key);
        if (count)
            s_prefix_count_set(self, key, count - 1);
    }
    zhashx_purge(connection->prefixes);
    self->generation++;
}

//  Forget the connection at fd (there is one) and say how it ended.
static jb__roster_end_t
s_forget(jb__roster_t *self, int fd)
{
    s_connection_t *connection = self->connections[fd];
    jb__roster_end_t end = connection->end;
    s_prefixes_release(self, connection);
    if (connection->role == JB__ROLE_PUBLISHERS)
        self->counts.publishers--;
    else
        self->counts.subscribers--;
    s_connection_free(&self->connections[fd]);
    return end;
}

jb__roster_end_t
jb__roster_disconnected(jb__roster_t *self, int fd, jb__role_t role)
{
    assert(self);
    s_connection_t *connection = s_find(self, fd);
    if (!connection)
        return JB__ROSTER_UNKNOWN;
    if (connection->role != role)
        return JB__ROSTER_DISPLACED;    //  the descriptor is another's now
    return s_forget(self, fd);
}

//  --------------------------------------------------------------------------
//  The connection a message came from, by its metadata, and its CURVE key
//  the first time. libzmq keeps the descriptor as the "__fd" property
//  (what ZMQ_SRCFD reads); inproc messages have no metadata.

static s_connection_t *
s_sender(jb__roster_t *self, zmq_msg_t *msg, jb__role_t role, bool subscribing)
{
    const char *fd_text = zmq_msg_gets(msg, "__fd");
    s_connection_t *connection;
    if (fd_text) {
        //  Digits by hand: atoi's strtol cost half again what the lookup did
        int fd = 0;
        for (const char *digit = fd_text; *digit >= '0' && *digit <= '9' && fd < s_FD_MAX;
             digit++)
            fd = fd * 10 + (*digit - '0');
        connection = s_find(self, fd);
    }
    else {
        //  An inproc subscriber's, or (unsubscribing) one of a connection
        //  that ended
        if (role != JB__ROLE_SUBSCRIBERS || (!subscribing && !self->inproc))
            return NULL;
        if (!self->inproc)
            self->inproc = s_connection_new(s_INPROC, JB__ROLE_SUBSCRIBERS, zclock_time());
        connection = self->inproc;
    }
    if (connection && !connection->key_read) {
        connection->key_read = true;
        const char *user_id = zmq_msg_gets(msg, "User-Id");
        if (user_id && strlen(user_id) >= 40) {
            memcpy(connection->key, user_id, 40);
            connection->key[40] = '\0';
        }
    }
    return connection && connection->role == role? connection: NULL;
}

bool
jb__roster_published(jb__roster_t *self, zmq_msg_t *first, uint64_t bytes)
{
    s_connection_t *connection = s_sender(self, first, JB__ROLE_PUBLISHERS, false);
    if (connection) {
        connection->messages++;
        connection->bytes += bytes;
        return true;
    }
    //  An inproc publisher has no descriptor: nothing more to learn. A
    //  descriptor the roster does not know may be a new connection whose
    //  accept is still unread: false, so that the caller reads it
    return !zmq_msg_gets(first, "__fd");
}

bool
jb__roster_subscribe(jb__roster_t *self, zmq_msg_t *msg, const void *prefix, size_t size)
{
    assert(self);
    s_bytes_t key = { size, (const unsigned char *) prefix };
    s_connection_t *connection = s_sender(self, msg, JB__ROLE_SUBSCRIBERS, true);
    if (connection && !zhashx_lookup(connection->prefixes, &key)
    &&  zhashx_insert(connection->prefixes, &key, (void *) 1) == 0)
        s_prefix_count_set(self, &key, s_prefix_count(self, &key) + 1);
    //  Publishers hear of a prefix once, whoever holds it
    if (zhashx_lookup(self->told, &key))
        return false;
    zhashx_insert(self->told, &key, (void *) 1);
    return true;
}

bool
jb__roster_unsubscribe(jb__roster_t *self, zmq_msg_t *msg, const void *prefix, size_t size,
                       bool last)
{
    assert(self);
    s_bytes_t key = { size, (const unsigned char *) prefix };
    s_connection_t *connection = s_sender(self, msg, JB__ROLE_SUBSCRIBERS, false);
    if (connection) {
        if (zhashx_lookup(connection->prefixes, &key)) {
            zhashx_delete(connection->prefixes, &key);
            uintptr_t count = s_prefix_count(self, &key);
            if (count)
                s_prefix_count_set(self, &key, count - 1);
        }
        else
        if (s_prefix_count(self, &key) > 0)
            //  libzmq passes an unsubscription from a prefix the
            //  connection never held too: it must not take the prefix
            //  from those who hold it
            return false;
    }
    if (!last)
        return false;
    //  libzmq's (or the ledger's) word: nobody holds it
    for (size_t fd = 0; fd < self->capacity; fd++)
        if (self->connections[fd] && self->connections[fd]->prefixes)
            zhashx_delete(self->connections[fd]->prefixes, &key);
    if (self->inproc)
        zhashx_delete(self->inproc->prefixes, &key);
    s_prefix_count_set(self, &key, 0);
    zhashx_delete(self->told, &key);
    return true;
}

//  --------------------------------------------------------------------------
//  Deliveries.

static bool
s_connection_wants(const s_connection_t *connection, const s_bytes_t *topic)
{
    for (void *item = zhashx_first(connection->prefixes); item;
         item = zhashx_next(connection->prefixes)) {
        const s_bytes_t *prefix = (const s_bytes_t *) zhashx_cursor(connection->prefixes);
        if (prefix->size <= topic->size
        &&  (prefix->size == 0 || memcmp(prefix->data, topic->data, prefix->size) == 0))
            return true;
    }
    return false;
}

//  The subscribers of topic as of now: fds, and s_INPROC for the inproc.
//  Two passes, so that the list holds only what matched.
static int
s_topic_fill(jb__roster_t *self, s_topic_t *topic, const s_bytes_t *key)
{
    size_t count = 0;
    for (size_t fd = 0; fd < self->capacity; fd++) {
        s_connection_t *connection = self->connections[fd];
        count += connection && connection->prefixes && s_connection_wants(connection, key);
    }
    bool inproc = self->inproc && s_connection_wants(self->inproc, key);
    int *fds = (int *) malloc((count + inproc + 1) * sizeof *fds);
    if (!fds)
        return -1;
    size_t filled = 0;
    for (size_t fd = 0; fd < self->capacity && filled < count; fd++) {
        s_connection_t *connection = self->connections[fd];
        if (connection && connection->prefixes && s_connection_wants(connection, key))
            fds[filled++] = (int) fd;
    }
    if (inproc)
        fds[filled++] = s_INPROC;
    self->cached -= topic->count;
    self->cached += filled;
    free(topic->fds);
    topic->fds = fds;
    topic->count = filled;
    topic->generation = self->generation;
    return 0;
}

static s_topic_t *
s_topic_find(jb__roster_t *self, const s_bytes_t *key)
{
    if (self->last_topic && s_bytes_compare(self->last_topic->key, key) == 0)
        return self->last_topic;
    s_topic_t *topic = (s_topic_t *) zhashx_lookup(self->topics, key);
    if (!topic) {
        if (zhashx_size(self->topics) >= s_TOPICS_MAX || self->cached >= s_CACHED_MAX) {
            self->last_topic = NULL;
            zhashx_purge(self->topics);
            self->cached = 0;
        }
        topic = (s_topic_t *) calloc(1, sizeof *topic);
        if (!topic)
            return NULL;
        topic->key = (s_bytes_t *) s_bytes_dup(key);
        topic->generation = self->generation - 1;       //  to be filled
        if (!topic->key || zhashx_insert(self->topics, key, topic)) {
            void *item = topic;
            s_topic_free(&item);
            return NULL;
        }
    }
    self->last_topic = topic;
    return topic;
}

uint64_t
jb__roster_delivered(jb__roster_t *self, const void *topic_data, size_t size, uint64_t bytes)
{
    s_bytes_t key = { size, (const unsigned char *) topic_data };
    s_topic_t *topic = s_topic_find(self, &key);
    if (!topic)
        return 0;
    if (topic->generation != self->generation && s_topic_fill(self, topic, &key)) {
        self->last_topic = NULL;
        return 0;
    }
    for (size_t index = 0; index < topic->count; index++) {
        s_connection_t *connection = topic->fds[index] == s_INPROC? self->inproc
                                   : s_find(self, topic->fds[index]);
        if (connection) {
            connection->messages++;
            connection->bytes += bytes;
        }
    }
    return topic->count;
}

//  --------------------------------------------------------------------------

static bool
s_connection_kept(const s_connection_t *connection, const jb__roster_policy_t *policy)
{
    if (!policy->key_kept(connection->key, connection->role, policy->arg))
        return false;
    if (!connection->prefixes)
        return true;
    for (void *item = zhashx_first(connection->prefixes); item;
         item = zhashx_next(connection->prefixes)) {
        const s_bytes_t *prefix = (const s_bytes_t *) zhashx_cursor(connection->prefixes);
        if (!policy->prefix_kept(connection->key, prefix->data, prefix->size, policy->arg))
            return false;
    }
    return true;
}

//  Shut the connection down, as libzmq does a peer that breaks a limit:
//  libzmq owns the descriptor, so it is shut down, never closed, and then
//  seen to end. Only while the descriptor is still this connection's (the
//  same peer): libzmq may have closed it and the number gone to another
//  since the roster last heard. Its end then counts as a cut.
static bool
s_shut_down(s_connection_t *connection)
{
    char peer [sizeof connection->peer];
    s_peer_read(connection->fd, peer, sizeof peer);
    if (!streq(peer, connection->peer) || shutdown(connection->fd, SHUT_RDWR) == -1)
        return false;
    connection->end = JB__ROSTER_CUT;
    return true;
}

bool
jb__roster_disconnect(jb__roster_t *self, zmq_msg_t *first)
{
    assert(self);
    s_connection_t *connection = s_sender(self, first, JB__ROLE_PUBLISHERS, false);
    return connection && s_shut_down(connection);
}

size_t
jb__roster_cut_unkept(jb__roster_t *self, const jb__roster_policy_t *policy)
{
    assert(self);
    assert(policy);
    size_t cut = 0;
    for (size_t fd = 0; fd < self->capacity; fd++) {
        s_connection_t *connection = self->connections[fd];
        if (connection && *connection->key && !s_connection_kept(connection, policy)
        &&  s_shut_down(connection))
            cut++;
    }
    return cut;
}

jb__roster_counts_t
jb__roster_counts(const jb__roster_t *self)
{
    assert(self);
    return self->counts;
}

//  --------------------------------------------------------------------------
//  JSON. Prefixes and keys are what peers sent: cJSON escapes them.

static cJSON *
s_prefix_json(const s_bytes_t *prefix)
{
    const char *data = (const char *) prefix->data;
    if (jb__utf8_is_valid(data, prefix->size) && !memchr(data, 0, prefix->size))
        return cJSON_CreateString(data);        //  stored keys end in a NUL
    //  Bytes that are not text show as \xNN
    char *text = (char *) malloc(prefix->size * 4 + 1);
    if (!text)
        return NULL;
    size_t used = 0;
    for (size_t index = 0; index < prefix->size; index++) {
        unsigned char byte = prefix->data[index];
        if (byte >= 0x20 && byte < 0x7F && byte != '\\')
            text[used++] = (char) byte;
        else
            used += (size_t) sprintf(text + used, "\\x%02x", byte);
    }
    text[used] = '\0';
    cJSON *item = cJSON_CreateString(text);
    free(text);
    return item;
}

static cJSON *
s_connection_json(const s_connection_t *connection, const jb__rules_t *rules)
{
    cJSON *item = cJSON_CreateObject();
    if (!item)
        return NULL;
    char since [40];
    jb__log_time(connection->since_ms, since, sizeof since);
    const jb__rule_t *rule = rules && *connection->key? jb__rules_find(rules, connection->key)
                                                      : NULL;
    //  Only a rule of its own names a key; "*" is everybody's
    const char *name = rule && streq(jb__rule_key(rule), connection->key)?
                       jb__rule_name(rule): NULL;
    cJSON_AddStringToObject(item, "side", connection->role == JB__ROLE_PUBLISHERS? "publisher"
                                                                                 : "subscriber");
    cJSON_AddStringToObject(item, "peer", connection->peer);
    if (*connection->key)
        cJSON_AddStringToObject(item, "key", connection->key);
    else
        cJSON_AddNullToObject(item, "key");
    if (name && *name)
        cJSON_AddStringToObject(item, "name", name);
    else
        cJSON_AddNullToObject(item, "name");
    cJSON_AddNumberToObject(item, "messages", (double) connection->messages);
    cJSON_AddNumberToObject(item, "bytes", (double) connection->bytes);
    cJSON *prefixes = cJSON_AddArrayToObject(item, "subscriptions");
    if (prefixes && connection->prefixes)
        for (void *entry = zhashx_first(connection->prefixes); entry;
             entry = zhashx_next(connection->prefixes)) {
            cJSON *prefix = s_prefix_json((const s_bytes_t *)
                                          zhashx_cursor(connection->prefixes));
            if (prefix)
                cJSON_AddItemToArray(prefixes, prefix);
        }
    cJSON_AddStringToObject(item, "since", since);
    cJSON_AddNumberToObject(item, "since_ms", (double) connection->since_ms);
    return item;
}

static char *
s_print(cJSON *root)
{
    char *text = root? cJSON_PrintUnformatted(root): NULL;
    cJSON_Delete(root);
    return text;
}

char *
jb__roster_connections_json(const jb__roster_t *self, const jb__rules_t *rules, int64_t now_ms)
{
    assert(self);
    cJSON *root = cJSON_CreateObject();
    cJSON *list = root? cJSON_AddArrayToObject(root, "connections"): NULL;
    if (!list) {
        cJSON_Delete(root);
        return NULL;
    }
    cJSON_AddNumberToObject(root, "now_ms", (double) now_ms);
    size_t count = 0;
    for (size_t fd = 0; fd <= self->capacity; fd++) {
        const s_connection_t *connection = fd < self->capacity? self->connections[fd]
                                                              : self->inproc;
        cJSON *item = connection? s_connection_json(connection, rules): NULL;
        if (item) {
            cJSON_AddItemToArray(list, item);
            count++;
        }
    }
    cJSON_AddNumberToObject(root, "count", (double) count);
    return s_print(root);
}

char *
jb__roster_subscriptions_json(const jb__roster_t *self, int64_t now_ms)
{
    assert(self);
    cJSON *root = cJSON_CreateObject();
    cJSON *list = root? cJSON_CreateArray(): NULL;
    if (!list) {
        cJSON_Delete(root);
        return NULL;
    }
    cJSON_AddNumberToObject(root, "now_ms", (double) now_ms);
    cJSON_AddNumberToObject(root, "prefixes", (double) self->counts.prefixes);
    cJSON_AddNumberToObject(root, "subscriptions", (double) self->counts.subscriptions);
    for (void *count = zhashx_first(self->prefix_counts); count;
         count = zhashx_next(self->prefix_counts)) {
        cJSON *entry = cJSON_CreateObject();
        cJSON *prefix = s_prefix_json((const s_bytes_t *) zhashx_cursor(self->prefix_counts));
        if (entry && prefix) {
            cJSON_AddItemToObject(entry, "prefix", prefix);
            cJSON_AddNumberToObject(entry, "subscribers", (double) (uintptr_t) count);
            cJSON_AddItemToArray(list, entry);
        }
        else {
            cJSON_Delete(entry);
            cJSON_Delete(prefix);
        }
    }
    cJSON_AddItemToObject(root, "list", list);
    return s_print(root);
}
