/* SPDX-License-Identifier: MIT */
/* CurveZMQ key pairs for machines over tcp:// (docs/protocol.md, "Who may
 * connect"). Each host has its own pair, made by `shoal keygen FILE`: FILE
 * holds the public and the secret key and is the owner's alone (as ssh
 * insists for its keys), FILE.pub the public key, to hand to whoever must
 * know it. The memory server admits the clients whose public keys its
 * authorized-keys file lists (one per line, as ssh's authorized_keys);
 * a client knows the server by the server's public key. Keys are Z85 text,
 * 40 characters for 32 bytes, as libzmq's zmq_curve_keypair makes them. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interconnect/internal.h"

#define PAIR_MAX_BYTES 512
#define HEADER "# shoal CurveZMQ key pair: keep this file private; its .pub goes to others\n"

static gboolean fail_errno(GError **error, const char *what, const char *path)
{
    int err = errno;
    g_set_error(error, IC_ERROR, IC_ERROR_SECRET, "%s %s: %s", what, path, g_strerror(err));
    return FALSE;
}

gboolean ic_keypair_write_new(const char *path, GError **error)
{
    IcKeyPair pair;
    if (zmq_curve_keypair(pair.public_z85, pair.secret_z85) != 0) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET, "cannot make a CurveZMQ key pair: %s",
                    zmq_strerror(zmq_errno()));
        return FALSE;
    }
    g_autofree char *pub_path = g_strconcat(path, ".pub", NULL);
    g_autofree char *text =
        g_strdup_printf(HEADER "public %s\nsecret %s\n", pair.public_z85, pair.secret_z85);
    g_autofree char *pub = g_strdup_printf("%s\n", pair.public_z85);
    if (g_file_test(pub_path, G_FILE_TEST_EXISTS)) {
        errno = EEXIST;
        return fail_errno(error, "will not overwrite", pub_path);
    }
    if (!ic_key_file_write(path, text, 0600, FALSE, error))
        return FALSE;
    if (!ic_key_file_write(pub_path, pub, 0644, FALSE, error)) {
        unlink(path); /* a pair whose public half could not be written is no use */
        return FALSE;
    }
    return TRUE;
}

/* Whether @text is a Z85 key (40 characters that decode to 32 bytes). */
static gboolean is_z85_key(const char *text)
{
    guint8 raw[32];
    return strlen(text) == IC_Z85_KEY_LEN && zmq_z85_decode(raw, text) != NULL;
}

/* @path's contents, at most PAIR_MAX_BYTES, refusing what others may read
 * when @private (a secret others can read protects nothing). */
static char *read_small(const char *path, gboolean private, const char *what, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        fail_errno(error, what, path);
        return NULL;
    }
    struct stat st;
    char *text = g_malloc0(PAIR_MAX_BYTES + 1);
    ssize_t n = -1;
    if (fstat(fd, &st) != 0) {
        fail_errno(error, what, path);
    } else if (!S_ISREG(st.st_mode)) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET, "%s: not a regular file", path);
    } else if (private && (st.st_mode & 077)) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET,
                    "%s: others may read it (mode %04o); a secret key must be the owner's "
                    "alone (chmod 600)", path, (unsigned)(st.st_mode & 07777));
    } else if ((n = read(fd, text, PAIR_MAX_BYTES + 1)) < 0) {
        fail_errno(error, what, path);
    } else if (n > PAIR_MAX_BYTES) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET, "%s: too long for a key", path);
        n = -1;
    }
    close(fd);
    if (n < 0) {
        g_free(text);
        return NULL;
    }
    return text;
}

gboolean ic_keypair_read(const char *path, IcKeyPair *pair, GError **error)
{
    g_autofree char *text = read_small(path, TRUE, "cannot read the key pair", error);
    if (!text)
        return FALSE;
    gboolean have_public = FALSE, have_secret = FALSE;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        const char *line = g_strstrip(lines[i]);
        if (g_str_has_prefix(line, "public ") && is_z85_key(line + 7)) {
            g_strlcpy(pair->public_z85, line + 7, sizeof pair->public_z85);
            have_public = TRUE;
        } else if (g_str_has_prefix(line, "secret ") && is_z85_key(line + 7)) {
            g_strlcpy(pair->secret_z85, line + 7, sizeof pair->secret_z85);
            have_secret = TRUE;
        }
    }
    char derived[IC_Z85_KEY_LEN + 1];
    if (!have_public || !have_secret || zmq_curve_public(derived, pair->secret_z85) != 0 ||
        strcmp(derived, pair->public_z85) != 0) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET,
                    "%s: not a shoal key pair (\"public\" and \"secret\" lines of Z85 keys "
                    "that belong together; make one with `shoal keygen FILE`)", path);
        return FALSE;
    }
    return TRUE;
}

gboolean ic_public_key_read(const char *path, char public_z85[IC_Z85_KEY_LEN + 1],
                            GError **error)
{
    g_autofree char *text = read_small(path, FALSE, "cannot read the public key", error);
    if (!text)
        return FALSE;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        const char *line = g_strstrip(lines[i]);
        if (g_str_has_prefix(line, "public "))
            line += 7; /* a whole pair file: its public half */
        if (is_z85_key(line)) {
            g_strlcpy(public_z85, line, IC_Z85_KEY_LEN + 1);
            return TRUE;
        }
    }
    g_set_error(error, IC_ERROR, IC_ERROR_SECRET,
                "%s: no public key in it (a FILE.pub made by `shoal keygen FILE`)", path);
    return FALSE;
}

GHashTable *ic_authorized_keys_read(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    gsize len;
    g_autoptr(GError) read_error = NULL;
    if (!g_file_get_contents(path, &text, &len, &read_error)) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET, "cannot read the authorized keys: %s",
                    read_error->message);
        return NULL;
    }
    GHashTable *keys = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                             (GDestroyNotify)g_bytes_unref, NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        /* '#' is a Z85 digit: only a line that starts with it is a comment. */
        char *line = g_strstrip(lines[i]);
        if (*line == '\0' || *line == '#')
            continue;
        /* A key, then optionally a name for it (host-b.key.pub, alice). */
        char *space = strpbrk(line, " \t");
        if (space)
            *space = '\0';
        guint8 raw[32];
        if (!is_z85_key(line) || !zmq_z85_decode(raw, line)) {
            g_set_error(error, IC_ERROR, IC_ERROR_SECRET,
                        "%s:%u: not a public key (40 Z85 characters, as in a FILE.pub made "
                        "by `shoal keygen FILE`)", path, i + 1);
            g_hash_table_destroy(keys);
            return NULL;
        }
        g_hash_table_add(keys, g_bytes_new(raw, sizeof raw));
    }
    return keys;
}
