/* SPDX-License-Identifier: MIT */
/* The machine's secret: IC_SECRET_LEN random bytes that every Hello must
 * carry, so a process that was not given them gets nothing but an Error
 * (docs/protocol.md, "Who may connect"). The memory server writes a new one
 * into the private run directory for each run, before it listens, so it
 * serves machines on one host (ipc://); over tcp:// each host has a
 * CurveZMQ key pair instead (keypair.c). On disk: the bytes in hex and a
 * newline, readable by the owner only, as ssh insists for its keys: a
 * secret others can read protects nothing. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interconnect/internal.h"

#define SECRET_FILE "secret"
#define HEX_LEN (2 * IC_SECRET_LEN)

char *ic_secret_path(const CfgMachine *machine, const char *run_dir)
{
    /* Next to the ipc:// socket: whoever may reach one may read the other. */
    g_autofree char *endpoint = ic_msrv_endpoint(machine, run_dir, NULL);
    if (!endpoint || !g_str_has_prefix(endpoint, "ipc://"))
        return NULL; /* tcp://: CurveZMQ keys, or plain-tcp = on and open to anyone */
    g_autofree char *dir = g_path_get_dirname(endpoint + strlen("ipc://"));
    return g_build_filename(dir, SECRET_FILE, NULL);
}

static gboolean fail_errno(GError **error, const char *what, const char *path)
{
    int err = errno;
    g_set_error(error, IC_ERROR, IC_ERROR_SECRET, "%s %s: %s", what, path, g_strerror(err));
    return FALSE;
}

GBytes *ic_secret_random(gsize len)
{
    guint8 *bytes = g_malloc(len);
    /* getrandom(2) only fails short for more than 256 bytes or with no
     * entropy pool yet, which a running Linux with a user space has. */
    if (getrandom(bytes, len, 0) != (ssize_t)len)
        g_error("getrandom: %s", g_strerror(errno));
    return g_bytes_new_take(bytes, len);
}

gboolean ic_key_file_write(const char *path, const char *text, mode_t mode, gboolean replace,
                           GError **error)
{
    /* Written whole under another name, then put in place: a reader never
     * sees half a key, and with @replace no window shows the old one with
     * other permissions. */
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, (int)mode);
    if (fd < 0)
        return fail_errno(error, "cannot write the key", path);
    gsize len = strlen(text);
    gboolean ok = fchmod(fd, mode) == 0 && write(fd, text, len) == (ssize_t)len &&
                  fsync(fd) == 0 && (replace ? rename(tmp, path) : link(tmp, path)) == 0;
    int err = errno; /* of the call that failed, before close and unlink touch it */
    close(fd);
    unlink(tmp); /* gone after a rename; the second name after a link */
    if (!ok) {
        errno = err;
        return fail_errno(error, err == EEXIST ? "will not overwrite" : "cannot write the key",
                          path);
    }
    return TRUE;
}

gboolean ic_secret_write_new(const char *path, gboolean replace, GError **error)
{
    g_autoptr(GBytes) secret = ic_secret_random(IC_SECRET_LEN);
    const guint8 *bytes = g_bytes_get_data(secret, NULL);
    char text[HEX_LEN + 2];
    for (guint i = 0; i < IC_SECRET_LEN; i++)
        g_snprintf(text + 2 * i, 3, "%02x", bytes[i]);
    text[HEX_LEN] = '\n';
    text[HEX_LEN + 1] = '\0';
    return ic_key_file_write(path, text, 0600, replace, error);
}

static gboolean parse_hex(const char *text, gsize len, guint8 *out)
{
    if (len == HEX_LEN + 1 && text[HEX_LEN] == '\n')
        len--;
    if (len != HEX_LEN)
        return FALSE;
    for (guint i = 0; i < IC_SECRET_LEN; i++) {
        int hi = g_ascii_xdigit_value(text[2 * i]), lo = g_ascii_xdigit_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return FALSE;
        out[i] = (guint8)(hi << 4 | lo);
    }
    return TRUE;
}

GBytes *ic_secret_read(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        fail_errno(error, "cannot read the machine's secret", path);
        return NULL;
    }
    struct stat st;
    char text[HEX_LEN + 2];
    guint8 bytes[IC_SECRET_LEN];
    ssize_t n;
    GBytes *secret = NULL;
    if (fstat(fd, &st) != 0) {
        fail_errno(error, "cannot read the machine's secret", path);
    } else if (!S_ISREG(st.st_mode)) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET, "%s: not a regular file", path);
    } else if (st.st_mode & 077) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET,
                    "%s: others may read it (mode %04o); a secret must be the owner's alone "
                    "(chmod 600)", path, (unsigned)(st.st_mode & 07777));
    } else if ((n = read(fd, text, sizeof text)) < 0) {
        fail_errno(error, "cannot read the machine's secret", path);
    } else if (!parse_hex(text, (gsize)n, bytes)) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET,
                    "%s: not a shoal key (%u hex digits and a newline; make one with "
                    "`shoal keygen FILE`)", path, HEX_LEN);
    } else {
        secret = g_bytes_new(bytes, sizeof bytes);
    }
    close(fd);
    return secret;
}

gboolean ic_secret_matches(GBytes *secret, const guint8 *data, gsize len)
{
    gsize want_len;
    const guint8 *want = g_bytes_get_data(secret, &want_len);
    if (len != want_len)
        return FALSE;
    /* Every byte looked at, whatever the first difference: the time taken
     * tells a guesser nothing. */
    guint8 diff = 0;
    for (gsize i = 0; i < len; i++)
        diff |= want[i] ^ data[i];
    return diff == 0;
}
