/*  =========================================================================
    curve.c - CURVE keys and certificates for an authenticated bus

    Certificates are read with CZMQ's ZPL parser but checked here, key by
    key, so that a bad file is refused with its name and the reason rather
    than half-loaded (zcert_load skips a malformed key silently). They are
    written here rather than by zcert_save, which creates the secret file
    with the process's umask, usually readable by everyone.

    Keys go to libzmq as their 32 decoded bytes: the Z85 text has been
    checked already, and libzmq would otherwise decode it again.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "jbus.h"
#include "curve.h"
#include "error.h"
#include "file.h"

//  Bytes of a key, decoded.
#define s_KEY_BYTES 32

//  Characters of a key in Z85.
#define s_KEY_TEXT 40

//  The largest certificate read; a real one is a few hundred bytes.
#define s_CERT_FILE_MAX (64 * 1024)

//  The Z85 alphabet (ZeroMQ RFC 32).
static const char s_z85 [] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

//  --------------------------------------------------------------------------
//  Overwrite size bytes at data with zeros in a way the compiler keeps:
//  secrets must not outlive their use in freed or reused memory.

void
jb__curve_wipe(void *data, size_t size)
{
    volatile unsigned char *bytes = (volatile unsigned char *) data;
    while (size--)
        *bytes++ = 0;
}

//  --------------------------------------------------------------------------
//  Decode a checked key into bytes. Returns 0 or JB_EINVAL.

static int
s_decode(const char *text, uint8_t *bytes, const char *what, jb_error_t *error)
{
    if (jb_curve_key_check(text, error)) {
        if (error) {
            char reason [JB_ERROR_MESSAGE_MAX];
            snprintf(reason, sizeof reason, "%s", error->message);
            jb__error(error, JB_EINVAL, NULL, "%s: %s", what, reason);
        }
        return JB_EINVAL;
    }
    zmq_z85_decode(bytes, text);
    return 0;
}

//  --------------------------------------------------------------------------

int
jb_curve_key_check(const char *text, jb_error_t *error)
{
    assert(text);
    size_t size = strlen(text);
    if (size != s_KEY_TEXT)
        return jb__error(error, JB_EINVAL, NULL,
                         "not a CURVE key: %zu characters where a key has 40 of Z85", size);
    size_t good = strspn(text, s_z85);
    if (good != s_KEY_TEXT)
        return jb__error(error, JB_EINVAL, NULL,
                         "not a CURVE key: character %zu is not in the Z85 alphabet", good + 1);
    uint8_t bytes [s_KEY_BYTES];
    bool decoded = zmq_z85_decode(bytes, text) != NULL;
    jb__curve_wipe(bytes, sizeof bytes);
    if (!decoded)
        return jb__error(error, JB_EINVAL, NULL, "not a CURVE key: not valid Z85");
    return 0;
}

//  --------------------------------------------------------------------------

int
jb_curve_cert_generate(jb_curve_cert_t *cert, jb_error_t *error)
{
    assert(cert);
    jb_curve_cert_clear(cert);
    if (!zmq_has("curve"))
        return jb__error(error, JB_EINVAL, NULL, "this libzmq was built without CURVE");
    if (zmq_curve_keypair(cert->public_key, cert->secret_key) == -1) {
        jb_curve_cert_clear(cert);
        return jb__error(error, JB_EINVAL, NULL, "cannot make a CURVE key pair: %s",
                         zmq_strerror(zmq_errno()));
    }
    return 0;
}

//  --------------------------------------------------------------------------

void
jb_curve_cert_clear(jb_curve_cert_t *cert)
{
    if (cert)
        jb__curve_wipe(cert, sizeof *cert);
}

//  --------------------------------------------------------------------------
//  Read the whole certificate at path, at most s_CERT_FILE_MAX bytes, into
//  a new NUL-terminated buffer; *mode_p gets its permission bits. Returns
//  0, JB_EIO, JB_EPARSE (too large) or JB_ENOMEM.

static int
s_read_file(const char *path, char **text_p, unsigned *mode_p, jb_error_t *error)
{
    size_t size;
    int read_errno = jb__file_read_mode(path, s_CERT_FILE_MAX, text_p, &size, mode_p);
    if (read_errno == ENOMEM)
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    if (read_errno == EFBIG)
        return jb__error(error, JB_EPARSE, NULL, "certificate %s: larger than %d bytes", path,
                         s_CERT_FILE_MAX);
    if (read_errno)
        return jb__error(error, JB_EIO, NULL, "certificate %s: %s", path, strerror(read_errno));
    return 0;
}

//  Copy the key at path in root into key after checking it. Returns 0,
//  JB_NOTFOUND when it is missing, or JB_EPARSE.
static int
s_cert_key(zconfig_t *root, const char *path, const char *file, char *key, jb_error_t *error)
{
    const char *text = zconfig_get(root, path, NULL);
    if (!text)
        return JB_ENOTFOUND;
    jb_error_t reason;
    if (jb_curve_key_check(text, &reason))
        return jb__error(error, JB_EPARSE, NULL, "certificate %s: %s is %s", file, path + 1,
                         reason.message);
    memcpy(key, text, JB_CURVE_KEY_SIZE);
    return 0;
}

//  What s_cert_read reads of a certificate.
typedef enum {
    s_BOTH_KEYS,                //  the public key, and the secret one if there
    s_PUBLIC_KEY_ONLY           //  the public key; a secret one is noted, not read
} s_keys_t;

//  Read the certificate at path into cert (cleared on failure). With
//  s_PUBLIC_KEY_ONLY a secret key in the file is never copied out nor
//  checked: *secret_seen_p says it was there. *mode_p gets the file's
//  permission bits. Returns 0, JB_EIO, JB_EPARSE or JB_ENOMEM.
static int
s_cert_read(jb_curve_cert_t *cert, const char *path, s_keys_t keys, bool *secret_seen_p,
            unsigned *mode_p, jb_error_t *error)
{
    jb_curve_cert_clear(cert);
    *secret_seen_p = false;
    char *text = NULL;
    int rc = s_read_file(path, &text, mode_p, error);
    if (rc)
        return rc;
    zconfig_t *root = zconfig_str_load(text);
    jb__curve_wipe(text, strlen(text));
    free(text);
    if (!root)
        return jb__error(error, JB_EPARSE, NULL, "certificate %s: not a ZPL file", path);
    rc = s_cert_key(root, "/curve/public-key", path, cert->public_key, error);
    if (rc == JB_ENOTFOUND)
        rc = jb__error(error, JB_EPARSE, NULL, "certificate %s: no curve/public-key", path);
    //  zconfig keeps its own copies of the values, the secret among them
    const char *secret = zconfig_get(root, "/curve/secret-key", NULL);
    *secret_seen_p = secret != NULL;
    if (rc == 0 && keys == s_BOTH_KEYS) {
        rc = s_cert_key(root, "/curve/secret-key", path, cert->secret_key, error);
        if (rc == JB_ENOTFOUND)
            rc = 0;
    }
    if (secret)
        jb__curve_wipe((char *) secret, strlen(secret));
    zconfig_destroy(&root);
    if (rc == 0 && *cert->secret_key) {
        char derived [JB_CURVE_KEY_SIZE];
        if (zmq_curve_public(derived, cert->secret_key) == -1 || !streq(derived, cert->public_key))
            rc = jb__error(error, JB_EPARSE, NULL,
                           "certificate %s: its public key does not belong to its secret key",
                           path);
    }
    if (rc)
        jb_curve_cert_clear(cert);
    return rc;
}

int
jb_curve_cert_load(jb_curve_cert_t *cert, const char *path, jb_error_t *error)
{
    assert(cert);
    assert(path);
    bool secret_seen;
    unsigned mode;
    return s_cert_read(cert, path, s_BOTH_KEYS, &secret_seen, &mode, error);
}

//  --------------------------------------------------------------------------
//  Refused rather than warned about, as ssh refuses such a private key: a
//  secret key that others could read may already be theirs, and a broker
//  or client that went on with it would be secure in name only. The fix is
//  one chmod, which the message gives.

int
jb_curve_cert_load_secret(jb_curve_cert_t *cert, const char *path, jb_error_t *error)
{
    assert(cert);
    assert(path);
    bool secret_seen;
    unsigned mode;
    int rc = s_cert_read(cert, path, s_BOTH_KEYS, &secret_seen, &mode, error);
    if (rc)
        return rc;
    if (!*cert->secret_key) {
        jb_curve_cert_clear(cert);
        return jb__error(error, JB_EPARSE, NULL,
                         "certificate %s holds no secret key: give the secret certificate (the "
                         "_secret file of jbus keygen)", path);
    }
    if (mode & 077) {
        jb_curve_cert_clear(cert);
        return jb__error(error, JB_EINVAL, NULL,
                         "certificate %s holds a secret key but is open to others than its "
                         "owner (mode %04o): run chmod 600 %s", path, mode, path);
    }
    return 0;
}

//  --------------------------------------------------------------------------

int
jb_curve_cert_save(const jb_curve_cert_t *cert, const char *path, const char *name, bool secret,
                   jb_error_t *error)
{
    assert(cert);
    assert(path);
    if (jb_curve_key_check(cert->public_key, NULL)
    ||  (secret && jb_curve_key_check(cert->secret_key, NULL)))
        return jb__error(error, JB_EINVAL, NULL, "certificate %s: the %s key is not a CURVE key",
                         path, secret? "secret": "public");
    //  The name is written inside quotes; what would end them is left out
    char quoted [128] = "";
    if (name) {
        size_t used = 0;
        for (const char *at = name; *at && used + 1 < sizeof quoted; at++)
            if (*at != '"' && (unsigned char) *at >= 0x20)
                quoted[used++] = *at;
        quoted[used] = '\0';
    }
    char stamp [32] = "";
    time_t now = time(NULL);
    struct tm utc;
    if (gmtime_r(&now, &utc))
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    char text [1024];
    int size = snprintf(text, sizeof text,
        "#   ****  Generated on %s by jbus  ****\n"
        "#   ZeroMQ CURVE %s Certificate\n"
        "#   %s\n"
        "\n"
        "metadata\n"
        "%s%s%s"
        "curve\n"
        "    public-key = \"%s\"\n"
        "%s%s%s",
        stamp, secret? "**Secret**": "Public",
        secret? "DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions."
              : "Exchange securely, or use a secure mechanism to verify the contents of this file.",
        name? "    name = \"": "", name? quoted: "", name? "\"\n": "",
        cert->public_key,
        secret? "    secret-key = \"": "", secret? cert->secret_key: "", secret? "\"\n": "");
    assert(size > 0 && (size_t) size < sizeof text);
    //  O_EXCL: an existing certificate, above all a secret one, is never
    //  replaced by accident
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, secret? 0600: 0644);
    if (fd == -1) {
        jb__curve_wipe(text, sizeof text);
        return jb__error(error, JB_EIO, NULL, "certificate %s: %s", path, strerror(errno));
    }
    size_t written = 0;
    int write_errno = 0;
    while (written < (size_t) size) {
        ssize_t done = write(fd, text + written, (size_t) size - written);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0) {
            write_errno = done < 0? errno: EIO;
            break;
        }
        written += (size_t) done;
    }
    jb__curve_wipe(text, sizeof text);
    if (close(fd) == -1 && !write_errno)
        write_errno = errno;
    if (write_errno) {
        unlink(path);
        return jb__error(error, JB_EIO, NULL, "certificate %s: %s", path, strerror(write_errno));
    }
    return 0;
}

//  --------------------------------------------------------------------------

int
jb_curve_key_read(const char *key_or_path, char key [JB_CURVE_KEY_SIZE], jb_error_t *error)
{
    bool secret_given;
    return jb_curve_server_key_read(key_or_path, key, &secret_given, error);
}

int
jb_curve_server_key_read(const char *key_or_path, char key [JB_CURVE_KEY_SIZE],
                         bool *secret_given_p, jb_error_t *error)
{
    assert(key_or_path);
    assert(key);
    assert(secret_given_p);
    *secret_given_p = false;
    if (jb_curve_key_check(key_or_path, NULL) == 0) {
        memcpy(key, key_or_path, JB_CURVE_KEY_SIZE);
        return 0;
    }
    //  Only the public key is read: a secret one given by mistake is never
    //  copied out of the file's text, which is wiped
    jb_curve_cert_t cert;
    jb_error_t reason;
    unsigned mode;
    if (s_cert_read(&cert, key_or_path, s_PUBLIC_KEY_ONLY, secret_given_p, &mode, &reason)) {
        key[0] = '\0';
        *secret_given_p = false;
        return jb__error(error, JB_EINVAL, NULL,
                         "\"%.60s\" is neither a CURVE public key (40 characters of Z85) nor a "
                         "certificate: %s", key_or_path, reason.message);
    }
    memcpy(key, cert.public_key, JB_CURVE_KEY_SIZE);
    jb_curve_cert_clear(&cert);
    return 0;
}

//  --------------------------------------------------------------------------

int
jb_curve_client_apply(void *socket, const char *server_key, const char *public_key,
                      const char *secret_key, jb_error_t *error)
{
    assert(socket);
    if (!server_key && !public_key && !secret_key)
        return 0;
    if (!server_key)
        return jb__error(error, JB_EINVAL, NULL,
                         "CURVE: a client key pair but no server key: give the broker's public "
                         "key too, or no keys at all");
    if (!public_key || !secret_key)
        return jb__error(error, JB_EINVAL, NULL,
                         "CURVE: a server key but no client %s key: a CURVE client needs its "
                         "own key pair", public_key? "secret": "public");
    if (!zmq_has("curve"))
        return jb__error(error, JB_EINVAL, NULL, "CURVE: this libzmq was built without CURVE");
    uint8_t keys [3][s_KEY_BYTES];
    int rc = s_decode(server_key, keys[0], "CURVE server key", error);
    if (rc == 0)
        rc = s_decode(public_key, keys[1], "CURVE public key", error);
    if (rc == 0)
        rc = s_decode(secret_key, keys[2], "CURVE secret key", error);
    if (rc == 0) {
        char derived [JB_CURVE_KEY_SIZE];
        if (zmq_curve_public(derived, secret_key) == -1 || !streq(derived, public_key))
            rc = jb__error(error, JB_EINVAL, NULL,
                           "CURVE: the public key does not belong to the secret key");
    }
    //  The server key last: setting it is what makes the socket a client
    void *handle = zsock_resolve(socket);
    if (rc == 0
    &&  (zmq_setsockopt(handle, ZMQ_CURVE_PUBLICKEY, keys[1], s_KEY_BYTES) == -1
    ||   zmq_setsockopt(handle, ZMQ_CURVE_SECRETKEY, keys[2], s_KEY_BYTES) == -1
    ||   zmq_setsockopt(handle, ZMQ_CURVE_SERVERKEY, keys[0], s_KEY_BYTES) == -1))
        rc = jb__error(error, JB_EINVAL, NULL, "CURVE: %s", zmq_strerror(zmq_errno()));
    jb__curve_wipe(keys, sizeof keys);
    return rc;
}

//  --------------------------------------------------------------------------

int
jb__curve_server_apply(void *socket, const jb_curve_cert_t *cert, const char *domain,
                       jb_error_t *error)
{
    assert(socket);
    assert(cert);
    assert(domain && *domain);
    uint8_t secret [s_KEY_BYTES];
    if (s_decode(cert->secret_key, secret, "CURVE secret key", error))
        return JB_EINVAL;
    int on = 1;
    //  The domain makes libzmq ask our ZAP handler about every connection;
    //  libzmq 4.3 has no stable ZMQ_ZAP_ENFORCE_DOMAIN, so the handler is
    //  bound before any server socket and outlives them all.
    int rc = zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, domain, strlen(domain));
    if (rc == 0)
        rc = zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, secret, sizeof secret);
    if (rc == 0)
        rc = zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &on, sizeof on);
    jb__curve_wipe(secret, sizeof secret);
    if (rc == -1)
        return jb__error(error, JB_ESOCKET, NULL, "CURVE: %s", zmq_strerror(zmq_errno()));
    return 0;
}
