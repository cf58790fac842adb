/* outfile.c - atomic output files for every WRITER: write to a mkstemp()
 * file beside the target, then fflush/fsync/rename.  A small registry of
 * open temp paths lets a SIGINT/SIGTERM/SIGHUP handler unlink them before
 * the process dies. */
#include "outfile.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct outfile {
    FILE *fp;
    char *path;      /* final path, "-" for stdout */
    char *tmp;       /* temp path, NULL for stdout and devices */
    int slot;        /* registry slot, -1 if none */
    int direct;      /* a device or FIFO (/dev/null, /dev/stdout): no temp */
};

/* The registry is process-global by necessity: a signal handler can see
 * nothing else.  Slots hold malloc'd paths that stay valid while set. */
#define OUTFILE_SLOTS 256
static char *volatile tmp_slots[OUTFILE_SLOTS];
static volatile sig_atomic_t handlers_installed;

static void outfile_on_signal(int sig)
{
    for (int i = 0; i < OUTFILE_SLOTS; i++) {
        char *p = tmp_slots[i];
        if (p)
            unlink(p);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void install_handlers(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    if (handlers_installed)
        return;
    handlers_installed = 1;
    for (size_t i = 0; i < SF_ARRAY_SIZE(sigs); i++) {
        struct sigaction old, sa;
        /* Respect a caller that chose to ignore the signal. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = outfile_on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

static int registry_add(char *path)
{
    sigset_t old;
    int slot = -1;
    install_handlers();
    block_signals(&old);
    for (int i = 0; i < OUTFILE_SLOTS; i++) {
        if (!tmp_slots[i]) {
            tmp_slots[i] = path;
            slot = i;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return slot;
}

static void registry_remove(int slot)
{
    sigset_t old;
    if (slot < 0)
        return;
    block_signals(&old);
    tmp_slots[slot] = NULL;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static int is_stdout(const char *path)
{
    return !path || !strcmp(path, "-");
}

/* mkstemp creates files 0600; give the result the mode open() would. */
static mode_t default_mode(void)
{
    static mode_t mode;
    static int known;
    if (!known) {
        mode_t mask = umask(022);
        umask(mask);
        mode = 0666 & ~mask;
        known = 1;
    }
    return mode;
}

struct outfile *outfile_open(const char *path, struct sf_err *err)
{
    struct outfile *o = xcalloc(1, sizeof(*o));
    o->slot = -1;
    if (is_stdout(path)) {
        o->fp = stdout;
        o->path = xstrdup("-");
        return o;
    }
    if (!*path) {
        free(o);
        sf_error(err, "empty output path");
        return NULL;
    }
    o->path = xstrdup(path);
    /* A device or FIFO cannot be replaced by rename(): write to it. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            sf_error(err, "'%s': is a directory", path);
            goto fail;
        }
        o->fp = fopen(path, "w");
        if (!o->fp) {
            sf_error(err, "'%s': %s", path, strerror(errno));
            goto fail;
        }
        o->direct = 1;
        return o;
    }
    /* Temp name in the same directory: ".NAME.XXXXXX" beside NAME. */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    struct sbuf sb = SBUF_INIT;
    sbuf_add(&sb, path, dirlen);
    sbuf_addf(&sb, ".%s.XXXXXX", path + dirlen);
    o->tmp = sbuf_detach(&sb);

    sigset_t old;
    block_signals(&old);
    int fd = mkstemp(o->tmp);
    int saved = errno;
    if (fd >= 0)
        o->slot = registry_add(o->tmp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        sf_error(err, "'%s': cannot create temporary file: %s", path, strerror(saved));
        goto fail;
    }
    fchmod(fd, default_mode());
    o->fp = fdopen(fd, "w");
    if (!o->fp) {
        saved = errno;
        close(fd);
        unlink(o->tmp);
        sf_error(err, "'%s': %s", path, strerror(saved));
        goto fail;
    }
    return o;
fail:
    registry_remove(o->slot);
    free(o->tmp);
    free(o->path);
    free(o);
    return NULL;
}

FILE *outfile_fp(struct outfile *o)
{
    return o->fp;
}

const char *outfile_path(const struct outfile *o)
{
    return o->path;
}

static void outfile_free(struct outfile *o)
{
    registry_remove(o->slot);
    free(o->tmp);
    free(o->path);
    free(o);
}

int outfile_commit(struct outfile *o, struct sf_err *err)
{
    int rc = 0;
    if (o->direct) {
        if (fflush(o->fp) != 0 || ferror(o->fp))
            rc = sf_error(err, "'%s': write error: %s", o->path,
                          errno ? strerror(errno) : "I/O error");
        if (fclose(o->fp) != 0 && rc == 0)
            rc = sf_error(err, "'%s': close: %s", o->path, strerror(errno));
        outfile_free(o);
        return rc;
    }
    if (!o->tmp) {
        /* stdout: report a failed flush, but a closed pipe is the
         * reader's choice, not our failure. */
        if ((fflush(o->fp) != 0 || ferror(o->fp)) && errno != EPIPE)
            rc = sf_error(err, "error writing standard output: %s", strerror(errno));
        outfile_free(o);
        return rc;
    }
    if (fflush(o->fp) != 0 || ferror(o->fp)) {
        rc = sf_error(err, "'%s': write error: %s", o->path,
                      errno ? strerror(errno) : "I/O error");
    } else if (fsync(fileno(o->fp)) != 0 && errno != EINVAL && errno != EROFS) {
        rc = sf_error(err, "'%s': fsync: %s", o->path, strerror(errno));
    }
    if (fclose(o->fp) != 0 && rc == 0)
        rc = sf_error(err, "'%s': close: %s", o->path, strerror(errno));
    o->fp = NULL;
    if (rc == 0 && rename(o->tmp, o->path) != 0)
        rc = sf_error(err, "'%s': cannot rename temporary file into place: %s",
                      o->path, strerror(errno));
    if (rc != 0)
        unlink(o->tmp);
    outfile_free(o);
    return rc;
}

void outfile_abort(struct outfile *o)
{
    if (!o)
        return;
    if (o->direct) {
        fclose(o->fp);
    } else if (o->tmp) {
        if (o->fp)
            fclose(o->fp);
        unlink(o->tmp);
    }
    outfile_free(o);
}

/* Is the folder `dir` (its stat) `path` itself or one of its parents? */
static int folder_holds(const struct stat *dir, const char *path)
{
    char *real = realpath(path, NULL);
    if (!real)
        return 0;
    int found = 0;
    for (char *slash; !found && (slash = strrchr(real, '/')) != NULL;) {
        slash[slash == real] = '\0';      /* "/a/b" -> "/a" -> "/" */
        struct stat st;
        found = stat(real, &st) == 0 && st.st_dev == dir->st_dev && st.st_ino == dir->st_ino;
        if (slash == real)
            break;
    }
    free(real);
    return found;
}

int outfile_check_inputs(const char *output, const char *const *paths, size_t n,
                         struct sf_err *err)
{
    struct stat out;
    if (is_stdout(output) || stat(output, &out) != 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        struct stat in;
        int std_in = !strcmp(paths[i], "-");
        if ((std_in ? fstat(STDIN_FILENO, &in) : stat(paths[i], &in)) != 0)
            continue;
        if (in.st_dev == out.st_dev && in.st_ino == out.st_ino && std_in)
            return sf_error(err, "'%s': is the standard input, which the output would "
                            "overwrite; write the output elsewhere", output);
        if (in.st_dev == out.st_dev && in.st_ino == out.st_ino && !strcmp(paths[i], output))
            return sf_error(err, "'%s': is an input too, which the output would overwrite; "
                            "write the output elsewhere", output);
        if (in.st_dev == out.st_dev && in.st_ino == out.st_ino)
            return sf_error(err, "'%s': is the input '%s' (the same file), which the output "
                            "would overwrite; write the output elsewhere", output, paths[i]);
        if (S_ISDIR(out.st_mode) && !std_in && folder_holds(&out, paths[i]))
            return sf_error(err, "'%s': holds the input '%s', which writing this folder would "
                            "remove; choose another folder", output, paths[i]);
    }
    return 0;
}
