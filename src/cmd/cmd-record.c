/* cmd-record.c - 'sysflame record -o DIR -- go test ...' (or -- PROGRAM
 * ARGS): runs perf with the options sysflame needs and writes a record
 * folder (record.h) that every other command reads as one input.
 *
 * Under go test, perf runs around each test binary only: go's -exec hook
 * runs `sysflame record --go-exec pkg.test ARGS` in the package's folder
 * (the exec child), which copies the binary into DIR before go deletes it
 * and runs perf around it with -test.v added; it tees the binary's output
 * to `go tool test2json` (the package's events.json) and, without the -v
 * lines go did not ask for (record_quiet), to go, and exits with the
 * binary's status.  go itself runs unchanged but for -exec and -count=1,
 * so its output, ordering and exit status are its own.  The parent then
 * writes the manifest and exits with go test's status.
 *
 * Processes: the child (go, or perf) runs in a process group of its own
 * that gets the terminal, so Ctrl-C reaches go, the exec children, perf and
 * the tests, never our own pipeline; perf then finishes its file.  The
 * parent forwards SIGINT/SIGTERM it gets itself to that group, and is a
 * child subreaper, so it waits for every exec child even when go died
 * first. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "cmd.h"
#include "json.h"
#include "options.h"
#include "outfile.h"
#include "record.h"
#include "writer.h"

#define ENV_DIR "SYSFLAME_RECORD_DIR"
#define ENV_GO "SYSFLAME_RECORD_GO"
#define STATE_DIR ".record"

static const char usage[] =
    "usage: sysflame record [options] [-o DIR] -- go test [go test flags] [packages]\n"
    "       sysflame record [options] [-o DIR] -- PROGRAM [ARGS]\n"
    "\n"
    "Records syscalls with perf into a self-contained folder DIR (default\n"
    "sysflame.rec) that every sysflame command reads as one input, with no\n"
    "binary to name (sysflame top DIR): per Go package (or for PROGRAM) the capture,\n"
    "the binary it ran, go test's -json events, and a manifest.  Under go test,\n"
    "perf runs around each test binary only (through go's -exec hook), go test's\n"
    "output and exit status pass through, and each test's wall time is kept.\n"
    "\n"
    "record options:\n"
    "  -o, --output DIR       the folder to create (default sysflame.rec)\n"
    "      --force            replace DIR if it is an earlier record folder\n"
    "      --latency          also record sys_exit_* (latencies and errors)\n"
    "      --stack-size N     bytes of user stack copied per sample (default 8192)\n"
    "      --mmap-pages N     perf's ring buffer, pages per CPU (default 8192)\n"
    "      --no-compress      do not compress the capture (perf -z is the default)\n"
    "  -q, --quiet            no summary on standard error\n"
    "  -h, --help             this text\n";

enum { OPT_FORCE = OPT_COMMAND_BASE, OPT_LATENCY, OPT_STACK_SIZE, OPT_MMAP_PAGES,
       OPT_NO_COMPRESS, OPT_GO_EXEC, OPT_R_HELP };

static const struct option record_options[] = {
    { "output", required_argument, NULL, 'o' },
    { "force", no_argument, NULL, OPT_FORCE },
    { "latency", no_argument, NULL, OPT_LATENCY },
    { "stack-size", required_argument, NULL, OPT_STACK_SIZE },
    { "mmap-pages", required_argument, NULL, OPT_MMAP_PAGES },
    { "no-compress", no_argument, NULL, OPT_NO_COMPRESS },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    /* internal: the program go test -exec runs */
    { "go-exec", no_argument, NULL, OPT_GO_EXEC },
    { NULL, 0, NULL, 0 },
};

struct rec {
    struct record_opts ro;
    const char *dir;
    char *abs_dir;
    int force, quiet, go_exec;
    char **cmd;                  /* after "--" */
    size_t nr_cmd;
    char *perf, *prog;           /* found executables */
    struct argvec perf_args;     /* up to before -o */
    struct record_clock clock;
    int64_t started_ns;
};

/* ---- signals and children ---- */

static volatile sig_atomic_t child_pgid;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
    if (child_pgid > 0)
        kill(-(pid_t)child_pgid, sig);
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
}

static int tty_owner = -1;       /* our group owned the terminal */

/* Starts argv in a new process group that gets the terminal.  stdout_fd
 * (-1 = inherit) becomes its standard output; `env_dir` and `env_go` (when
 * not NULL) are exported as ENV_DIR and ENV_GO.  Returns the pid or -1
 * (errno). */
static pid_t spawn(char *const *argv, int stdout_fd, int close_fd, const char *env_dir,
                   const char *env_go)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        signal(SIGTTOU, SIG_DFL);
        if (stdout_fd >= 0) {
            dup2(stdout_fd, STDOUT_FILENO);
            close(stdout_fd);
        }
        if (close_fd >= 0)
            close(close_fd);
        if (env_dir)
            setenv(ENV_DIR, env_dir, 1);
        if (env_go)
            setenv(ENV_GO, env_go, 1);
        execvp(argv[0], argv);
        cmd_error("'%s': cannot run: %s", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    child_pgid = pid;
    if (tty_owner < 0)
        tty_owner = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
    if (tty_owner)
        tcsetpgrp(STDIN_FILENO, pid);
    return pid;
}

static void take_tty_back(void)
{
    if (tty_owner != 1)
        return;
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTTOU);
    sigprocmask(SIG_BLOCK, &set, &old);
    tcsetpgrp(STDIN_FILENO, getpgrp());
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static int wait_status(pid_t pid, int *status)
{
    for (;;) {
        if (waitpid(pid, status, 0) == pid)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* Waits for every remaining descendant (we are their subreaper). */
static void reap_all(void)
{
    int st;
    for (;;) {
        pid_t p = waitpid(-1, &st, 0);
        if (p < 0 && errno == EINTR)
            continue;
        if (p < 0)
            break;
    }
}

static int exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

/* Runs argv to completion with its standard output (and error, if
 * err_path) into files; returns the exit code, or -1 if it could not run. */
static int run_capture(char *const *argv, const char *out_path, const char *err_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            if (!err_path)
                dup2(fd, STDERR_FILENO);
            close(fd);
        }
        if (err_path) {
            fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                dup2(fd, STDERR_FILENO);
                close(fd);
            }
        }
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0) {
            dup2(nul, STDIN_FILENO);
            close(nul);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (wait_status(pid, &st) < 0)
        return -1;
    return exit_code(st);
}

/* The first line of a small file, trimmed (malloc'd; "" if none). */
static char *first_line(const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    if (f) {
        ssize_t n;
        while ((n = getline(&line, &cap, f)) >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
                line[--n] = 0;
            if (n > 0)
                break;
        }
        fclose(f);
    }
    if (!line || !*line) {
        free(line);
        return xstrdup("");
    }
    return line;
}

static char *state_path(const struct rec *r, const char *name)
{
    struct sbuf sb = SBUF_INIT;
    sbuf_addf(&sb, "%s/" STATE_DIR "/%s", r->abs_dir, name);
    return sbuf_detach(&sb);
}

/* Starts a process outside our tree (so that nobody waits for it) that
 * keeps the syscall tracepoints registered until we exit
 * (record_hold_tracepoints): then no perf run pays for unregistering them,
 * and the one unregistration left happens after we are gone. */
static int holder_fd = -1;

static void start_holder(int exits)
{
    int life[2], ready[2];
    if (pipe2(life, O_CLOEXEC) < 0)
        return;
    if (pipe2(ready, O_CLOEXEC) < 0) {
        close(life[0]);
        close(life[1]);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (fork() != 0)
            _exit(0);
        setsid();
        signal(SIGINT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, STDIN_FILENO);
            dup2(nul, STDOUT_FILENO);
            dup2(nul, STDERR_FILENO);
            close(nul);
        }
        close(life[1]);
        close(ready[0]);
        int *fds;
        record_hold_tracepoints(exits, &fds);
        ssize_t w = write(ready[1], "", 1);
        (void)w;
        close(ready[1]);
        char c;
        while (read(life[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(life[0]);
    close(ready[1]);
    if (pid > 0) {
        int st;
        wait_status(pid, &st);
        char c;
        while (read(ready[0], &c, 1) < 0 && errno == EINTR)
            ;
        holder_fd = life[1];
    } else {
        close(life[1]);
    }
    close(ready[0]);
}

/* ---- JSON helpers ---- */

static void json_argv(struct jsonw *j, const char *name, char *const *v, size_t n)
{
    jsonw_name(j, name);
    jsonw_start_array(j);
    for (size_t i = 0; i < n; i++)
        jsonw_string(j, v[i]);
    jsonw_end_array(j);
}

static void json_clock(struct jsonw *j, const struct record_clock *c)
{
    jsonw_name(j, "clock");
    jsonw_start_object(j);
    jsonw_string_field(j, "perf_clock", "CLOCK_MONOTONIC");
    jsonw_int_field(j, "realtime_ns", c->realtime_ns);
    jsonw_int_field(j, "monotonic_ns", c->monotonic_ns);
    jsonw_end_object(j);
}

static void iso_time(int64_t ns, char *buf, size_t n)
{
    time_t t = (time_t)(ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((ns / 1000) % 1000000));
}

/* ---- the exec child (go test -exec) ---- */

struct run_info {
    const char *folder, *package, *binary, *recorded, *cwd;
    int added_v;                 /* -test.v=true added for the events */
    char *const *args; size_t nr_args;
    struct record_clock clock;
    int64_t start_ns, end_ns;
    int status;
};

static int write_run_json(FILE *f, void *arg, struct sf_err *err)
{
    const struct run_info *ri = arg;
    (void)err;
    struct jsonw *j = jsonw_new(f, 1);
    jsonw_start_object(j);
    jsonw_string_field(j, "name", ri->folder);
    if (ri->package)
        jsonw_string_field(j, "package", ri->package);
    jsonw_string_field(j, "capture", RECORD_CAPTURE);
    jsonw_string_field(j, "binary", ri->binary);
    jsonw_string_field(j, "binary_recorded", ri->recorded);
    jsonw_string_field(j, "dir", ri->cwd);
    json_argv(j, "args", ri->args, ri->nr_args);
    jsonw_bool_field(j, "added_test_v", ri->added_v);
    json_clock(j, &ri->clock);
    jsonw_int_field(j, "start_ns", ri->start_ns);
    jsonw_int_field(j, "end_ns", ri->end_ns);
    if (WIFSIGNALED(ri->status)) {
        jsonw_int_field(j, "exit_status", 128 + WTERMSIG(ri->status));
        jsonw_int_field(j, "signal", WTERMSIG(ri->status));
    } else {
        jsonw_int_field(j, "exit_status", exit_code(ri->status));
    }
    jsonw_end_object(j);
    jsonw_free(j);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

/* Creates DIR/NAME, or NAME-2, NAME-3... when taken (go runs packages with
 * the same base name side by side).  Returns the folder name. */
static char *make_folder(const char *dir, const char *base, struct sf_err *err)
{
    struct sbuf path = SBUF_INIT, name = SBUF_INIT;
    for (int i = 1; i < 10000; i++) {
        sbuf_reset(&name);
        if (i == 1)
            sbuf_addstr(&name, base);
        else
            sbuf_addf(&name, "%s-%d", base, i);
        sbuf_reset(&path);
        sbuf_addf(&path, "%s/%s", dir, sbuf_str(&name));
        if (mkdir(sbuf_str(&path), 0755) == 0) {
            sbuf_release(&path);
            return sbuf_detach(&name);
        }
        if (errno != EEXIST) {
            sf_error(err, "'%s': cannot create folder: %s", sbuf_str(&path), strerror(errno));
            break;
        }
    }
    sbuf_release(&path);
    sbuf_release(&name);
    return NULL;
}

/* The Go import path of the package in the current folder (go list), or
 * NULL. */
static char *import_path(const char *go, const char *scratch)
{
    char *argv[] = { (char *)go, "list", "-f", "{{.ImportPath}}", ".", NULL };
    if (run_capture(argv, scratch, "/dev/null") != 0) {
        unlink(scratch);
        return NULL;
    }
    char *line = first_line(scratch);
    unlink(scratch);
    if (!*line) {
        free(line);
        return NULL;
    }
    return line;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;          /* reader gone (go interrupted): drop */
        p += w;
        n -= (size_t)w;
    }
}

static void on_sigpipe(int sig)
{
    (void)sig;
}

/* Under go test: the test binary runs with -test.v, its output goes through
 * us to `go tool test2json` (the package's events) and, made quiet again
 * unless go asked for -v, to go.  Returns perf's wait status, -1 if perf
 * could not start. */
static int run_teed(char *const *perf_argv, const char *go, const char *package,
                    const char *events_path, int quiet)
{
    int out[2], t2j[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(t2j, O_CLOEXEC) < 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigpipe;
    sigaction(SIGPIPE, &sa, NULL);

    pid_t conv = fork();
    if (conv == 0) {
        /* its own group: Ctrl-C stops the tests, not the record of them */
        setpgid(0, 0);
        int fd = open(events_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            _exit(127);
        dup2(t2j[0], STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        close(fd);
        execl(go, go, "tool", "test2json", "-t", "-p", package, (char *)NULL);
        _exit(127);
    }
    close(t2j[0]);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(out[1], STDERR_FILENO);
        execv(perf_argv[0], perf_argv);
        cmd_error("'%s': cannot run: %s", perf_argv[0], strerror(errno));
        _exit(127);
    }
    close(out[1]);
    if (pid < 0) {
        close(out[0]);
        close(t2j[1]);
        if (conv > 0)
            waitpid(conv, NULL, 0);
        return -1;
    }
    struct record_quiet *q = quiet ? record_quiet_new() : NULL;
    struct sbuf line = SBUF_INIT, shown = SBUF_INIT;
    char buf[65536];
    for (;;) {
        ssize_t n = read(out[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (conv > 0)
            write_all(t2j[1], buf, (size_t)n);
        if (!q) {
            write_all(STDOUT_FILENO, buf, (size_t)n);
            continue;
        }
        for (ssize_t i = 0; i < n; i++) {
            sbuf_addch(&line, buf[i]);
            if (buf[i] == '\n') {
                record_quiet_line(q, sbuf_str(&line), line.len, &shown);
                sbuf_reset(&line);
            }
        }
        write_all(STDOUT_FILENO, sbuf_str(&shown), shown.len);
        sbuf_reset(&shown);
    }
    if (q) {
        if (line.len)
            record_quiet_line(q, sbuf_str(&line), line.len, &shown);
        record_quiet_end(q, &shown);
        write_all(STDOUT_FILENO, sbuf_str(&shown), shown.len);
        record_quiet_free(q);
    }
    sbuf_release(&line);
    sbuf_release(&shown);
    close(out[0]);
    close(t2j[1]);
    int status = 0;
    wait_status(pid, &status);
    if (conv > 0) {
        int cst;
        wait_status(conv, &cst);
    }
    return status;
}

/* Runs perf around argv[0..] into DIR/<folder>/, with a copy of the binary;
 * fills ri.  With `go` (under go test -exec) the output is teed as
 * run_teed says.  Returns perf's wait status, or -1 (err). */
static int record_one(const struct argvec *perf_args, const char *dir, const char *prog,
                      char *const *argv, size_t argc, const char *go, struct run_info *ri,
                      char **folder_out, struct sf_err *err)
{
    char *base = record_folder_name(prog);
    char *folder = make_folder(dir, base, err);
    free(base);
    if (!folder)
        return -1;
    *folder_out = folder;
    const char *bin_base = strrchr(prog, '/');
    bin_base = bin_base ? bin_base + 1 : prog;
    struct sbuf sb = SBUF_INIT;
    sbuf_addf(&sb, "%s/%s/%s", dir, folder, bin_base);
    int rc = record_copy_file(prog, sbuf_str(&sb), err);
    sbuf_release(&sb);
    if (rc < 0)
        return -1;

    int quiet = 0;
    char *package = NULL;
    if (go) {
        sb = (struct sbuf)SBUF_INIT;
        sbuf_addf(&sb, "%s/%s/.import-path", dir, folder);
        package = import_path(go, sbuf_str(&sb));
        sbuf_release(&sb);
        quiet = !record_args_verbose(argv + 1, argc - 1);
    }
    struct argvec a = { 0 };
    for (size_t i = 0; i < perf_args->n; i++)
        argvec_push(&a, perf_args->v[i]);
    argvec_push(&a, "-o");
    argvec_pushf(&a, "%s/%s/" RECORD_CAPTURE, dir, folder);
    argvec_push(&a, "--");
    argvec_push(&a, argv[0]);
    if (quiet)
        argvec_push(&a, "-test.v=true");
    for (size_t i = 1; i < argc; i++)
        argvec_push(&a, argv[i]);

    /* the path the capture's mappings will name */
    char *recorded = realpath(prog, NULL);
    ri->folder = folder;
    ri->package = package;
    ri->binary = bin_base;
    ri->recorded = recorded ? recorded : prog;
    ri->args = argv;
    ri->nr_args = argc;
    ri->added_v = quiet;
    record_clock_now(&ri->clock);
    ri->start_ns = ri->clock.realtime_ns;
    int status = 0;
    if (go) {
        sb = (struct sbuf)SBUF_INIT;
        sbuf_addf(&sb, "%s/%s/" RECORD_EVENTS, dir, folder);
        status = run_teed(a.v, go, package ? package : folder, sbuf_str(&sb), quiet);
        sbuf_release(&sb);
        if (status < 0)
            sf_error(err, "'%s': cannot run: %s", a.v[0], strerror(errno));
    } else {
        pid_t pid = spawn(a.v, -1, -1, NULL, NULL);
        if (pid < 0)
            status = sf_error(err, "'%s': cannot run: %s", a.v[0], strerror(errno));
        else
            wait_status(pid, &status);
        child_pgid = 0;
    }
    argvec_release(&a);
    if (status < 0) {
        free(package);
        free(recorded);
        return -1;
    }
    struct record_clock end;
    record_clock_now(&end);
    ri->end_ns = end.realtime_ns;
    ri->status = status;
    /* perf writes its file for its user only (0600); the folder is meant
     * to be uploaded and read elsewhere: the umask decides, as for the
     * other files */
    mode_t um = umask(0);
    umask(um);
    sb = (struct sbuf)SBUF_INIT;
    sbuf_addf(&sb, "%s/%s/" RECORD_CAPTURE, dir, folder);
    chmod(sbuf_str(&sb), 0666 & ~um);
    sbuf_release(&sb);

    sb = (struct sbuf)SBUF_INIT;
    sbuf_addf(&sb, "%s/%s/" RECORD_RUN, dir, folder);
    struct outfile *of = outfile_open(sbuf_str(&sb), err);
    sbuf_release(&sb);
    rc = 0;
    if (!of) {
        rc = -1;
    } else if (write_run_json(outfile_fp(of), ri, err) < 0) {
        outfile_abort(of);
        rc = sf_error(err, "'%s/%s/" RECORD_RUN "': write error", dir, folder);
    } else if (outfile_commit(of, err) < 0) {
        rc = -1;
    }
    free(package);
    free(recorded);
    ri->package = NULL;
    ri->recorded = NULL;
    return rc < 0 ? -1 : status;
}

static int go_exec_main(int argc, char **argv)
{
    struct sf_err err = { { 0 } };
    const char *dir = getenv(ENV_DIR);
    if (!dir || !*dir || argc < 1) {
        return cmd_usage_error("record", "--go-exec is for go test -exec, as 'sysflame "
                               "record -- go test ...' sets it up");
    }
    struct argvec perf_args = { 0 };
    struct sbuf sb = SBUF_INIT;
    sbuf_addf(&sb, "%s/" STATE_DIR "/perf-args", dir);
    int rc = record_lines_read(sbuf_str(&sb), &perf_args, &err);
    sbuf_release(&sb);
    if (rc < 0) {
        cmd_error("%s", err.msg);
        return SF_EXIT_FAIL;
    }
    /* Outlive perf on Ctrl-C (it goes to the whole group): perf finishes
     * its file, then we write run.json. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);

    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        strcpy(cwd, ".");
    struct run_info ri;
    memset(&ri, 0, sizeof(ri));
    ri.cwd = cwd;
    char *folder = NULL;
    const char *go = getenv(ENV_GO);
    int st = record_one(&perf_args, dir, argv[0], argv, (size_t)argc, go && *go ? go : "go",
                        &ri, &folder, &err);
    argvec_release(&perf_args);
    free(folder);
    if (st < 0) {
        cmd_error("%s", err.msg);
        return SF_EXIT_FAIL;
    }
    return exit_code(st);
}

/* ---- the parent: checks, runs, manifest ---- */

static int is_record_folder(const char *dir)
{
    struct sbuf sb = SBUF_INIT;
    struct stat st;
    sbuf_addf(&sb, "%s/" RECORD_MANIFEST, dir);
    int yes = stat(sbuf_str(&sb), &st) == 0;
    sbuf_reset(&sb);
    sbuf_addf(&sb, "%s/" STATE_DIR, dir);
    yes = yes || stat(sbuf_str(&sb), &st) == 0;
    sbuf_release(&sb);
    if (yes)
        return 1;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    int empty = 1;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            empty = 0;
    closedir(d);
    return empty;
}

static int prepare_dir(struct rec *r)
{
    struct sf_err err = { { 0 } };
    struct stat st;
    if (lstat(r->dir, &st) == 0) {
        if (!r->force) {
            cmd_error("'%s': already exists; pass --force to replace it", r->dir);
            return SF_EXIT_FAIL;
        }
        if (!S_ISDIR(st.st_mode) || !is_record_folder(r->dir)) {
            cmd_error("'%s': exists and is not a sysflame record folder; "
                      "not replacing it, even with --force", r->dir);
            return SF_EXIT_FAIL;
        }
        if (record_remove_tree(r->dir, &err) < 0) {
            cmd_error("%s", err.msg);
            return SF_EXIT_FAIL;
        }
    }
    if (mkdir(r->dir, 0755) < 0) {
        cmd_error("'%s': cannot create folder: %s", r->dir, strerror(errno));
        return SF_EXIT_FAIL;
    }
    r->abs_dir = realpath(r->dir, NULL);
    if (!r->abs_dir) {
        cmd_error("'%s': %s", r->dir, strerror(errno));
        return SF_EXIT_FAIL;
    }
    char *state = state_path(r, "");
    int rc = mkdir(state, 0755);
    free(state);
    if (rc < 0) {
        cmd_error("'%s': cannot create folder: %s", r->dir, strerror(errno));
        return SF_EXIT_FAIL;
    }
    return 0;
}

/* Everything that can be known wrong before anything runs. */
static int preflight(struct rec *r, int go_test)
{
    struct sf_err err = { { 0 } };
    r->perf = record_which("perf");
    if (!r->perf) {
        cmd_error("perf not found on PATH: install it (Debian and Ubuntu: "
                    "apt-get install linux-perf; Fedora: dnf install perf)");
        return SF_EXIT_FAIL;
    }
    if (record_check_permission(&err) < 0) {
        cmd_error("%s", err.msg);
        return SF_EXIT_FAIL;
    }
    int m = record_check_tracefs(geteuid() == 0, &err);
    if (m < 0) {
        cmd_error("%s", err.msg);
        return SF_EXIT_FAIL;
    }
    if (m > 0)
        cmd_warn(r->quiet, "tracefs was not mounted: mounted it at /sys/kernel/tracing");
    r->prog = record_which(r->cmd[0]);
    if (!r->prog) {
        if (go_test)
            cmd_error("go not found on PATH: install Go (Debian: apt-get install "
                      "golang-go) or put its bin folder on PATH");
        else
            cmd_error("'%s': command not found", r->cmd[0]);
        return SF_EXIT_FAIL;
    }
    return 0;
}

/* A short perf run, so that a perf that cannot record says why in one line
 * instead of in every package's test output. */
static int probe_perf(struct rec *r)
{
    struct argvec a = { 0 };
    for (size_t i = 0; i < r->perf_args.n; i++)
        argvec_push(&a, r->perf_args.v[i]);
    char *data = state_path(r, "probe.data"), *out = state_path(r, "probe.out"),
         *errp = state_path(r, "probe.err");
    argvec_push(&a, "-o");
    argvec_push(&a, data);
    argvec_push(&a, "--");
    argvec_push(&a, "true");
    int rc = run_capture(a.v, out, errp);
    int status = 0;
    if (rc != 0) {
        char *line = first_line(errp);
        cmd_error("perf cannot record: %s", *line ? line : "it failed without a message");
        free(line);
        status = SF_EXIT_FAIL;
    }
    unlink(data);
    unlink(out);
    unlink(errp);
    free(data);
    free(out);
    free(errp);
    argvec_release(&a);
    return status;
}

static char *tool_version(char *const *argv, const struct rec *r)
{
    char *out = state_path(r, "version.out");
    run_capture(argv, out, NULL);
    char *line = first_line(out);
    unlink(out);
    free(out);
    return line;
}

struct manifest_job {
    const struct rec *r;
    const char *go_version, *perf_version;
    int exit_status, interrupted, go_test;
    struct events *ev;
    uint64_t samples, lost_events, lost_samples, lost;
    size_t packages;
    char **unreadable;          /* why a capture could not be counted */
    size_t nr_unreadable, unreadable_cap;
};

static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    struct sbuf sb = SBUF_INIT;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sbuf_add(&sb, buf, n);
    fclose(f);
    *len = sb.len;
    *out = sbuf_detach(&sb);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void manifest_package(struct manifest_job *m, struct jsonw *j, const char *folder)
{
    const struct rec *r = m->r;
    struct sbuf sb = SBUF_INIT;
    sbuf_addf(&sb, "%s/%s/" RECORD_RUN, r->abs_dir, folder);
    char *text = NULL;
    size_t len = 0;
    struct json run = { 0 };
    if (read_file(sbuf_str(&sb), &text, &len) < 0 || json_parse(text, len, &run, NULL) < 0)
        memset(&run, 0, sizeof(run));
    free(text);
    jsonw_start_object(j);
    jsonw_string_field(j, "name", folder);
    const char *package = json_str(json_get(&run, "package"));
    if (package)
        jsonw_string_field(j, "package", package);
    else
        jsonw_null_field(j, "package");
    sbuf_reset(&sb);
    sbuf_addf(&sb, "%s/" RECORD_CAPTURE, folder);
    jsonw_string_field(j, "capture", sbuf_str(&sb));
    const char *bin = json_str(json_get(&run, "binary"));
    if (bin) {
        sbuf_reset(&sb);
        sbuf_addf(&sb, "%s/%s", folder, bin);
        jsonw_string_field(j, "binary", sbuf_str(&sb));
    } else {
        jsonw_null_field(j, "binary");
    }
    const char *s = json_str(json_get(&run, "binary_recorded"));
    if (s)
        jsonw_string_field(j, "binary_recorded", s);
    if ((s = json_str(json_get(&run, "dir"))))
        jsonw_string_field(j, "dir", s);
    sbuf_reset(&sb);
    sbuf_addf(&sb, "%s/%s/" RECORD_EVENTS, r->abs_dir, folder);
    struct stat st;
    if (stat(sbuf_str(&sb), &st) == 0) {
        sbuf_reset(&sb);
        sbuf_addf(&sb, "%s/" RECORD_EVENTS, folder);
        jsonw_string_field(j, "events", sbuf_str(&sb));
    } else {
        jsonw_null_field(j, "events");
    }
    sbuf_reset(&sb);
    sbuf_addf(&sb, "%s/" RECORD_RUN, folder);
    jsonw_string_field(j, "run", sbuf_str(&sb));
    double d;
    if (json_num(json_get(&run, "exit_status"), &d) == 0)
        jsonw_int_field(j, "exit_status", (int64_t)d);
    else
        jsonw_null_field(j, "exit_status");   /* interrupted before perf ended */

    sbuf_reset(&sb);
    sbuf_addf(&sb, "%s/%s/" RECORD_CAPTURE, r->abs_dir, folder);
    struct record_capture cap;
    struct sf_err err = { { 0 } };
    if (record_capture_read(sbuf_str(&sb), &cap, &err) == 0) {
        jsonw_uint_field(j, "samples", cap.samples);
        jsonw_uint_field(j, "lost_events", cap.lost_events);
        jsonw_uint_field(j, "lost_samples", cap.lost_samples);
        jsonw_uint_field(j, "lost", cap.lost);
        m->samples += cap.samples;
        m->lost += cap.lost;
        m->lost_events += cap.lost_events;
        m->lost_samples += cap.lost_samples;
    } else {
        jsonw_string_field(j, "capture_error", err.msg);
        m->unreadable = xgrow(m->unreadable, sizeof(*m->unreadable), m->nr_unreadable + 1,
                              &m->unreadable_cap);
        m->unreadable[m->nr_unreadable++] = xstrdup(err.msg);
    }
    const struct json *clock = json_get(&run, "clock");
    double rt, mono;
    if (json_num(json_get(clock, "realtime_ns"), &rt) == 0 &&
        json_num(json_get(clock, "monotonic_ns"), &mono) == 0) {
        /* a double holds ns since the epoch to within 256 ns: enough */
        struct record_clock c = { (int64_t)rt, (int64_t)mono };
        json_clock(j, &c);
    }
    jsonw_end_object(j);
    json_release(&run);
    sbuf_release(&sb);
    m->packages++;
}

static int write_manifest(FILE *f, void *arg, struct sf_err *err)
{
    struct manifest_job *m = arg;
    const struct rec *r = m->r;
    (void)err;
    struct utsname u;
    memset(&u, 0, sizeof(u));
    uname(&u);
    char when[64];
    iso_time(r->started_ns, when, sizeof(when));
    struct jsonw *j = jsonw_new(f, 1);
    jsonw_start_object(j);
    jsonw_string_field(j, "format", "sysflame-record");
    jsonw_int_field(j, "version", 1);
    jsonw_string_field(j, "sysflame", PACKAGE_VERSION);
    jsonw_string_field(j, "started", when);
    jsonw_string_field(j, "host", u.nodename);
    struct sbuf sb = SBUF_INIT;
    sbuf_addf(&sb, "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
    jsonw_string_field(j, "kernel", sbuf_str(&sb));
    sbuf_release(&sb);
    if (m->go_version)
        jsonw_string_field(j, "go", m->go_version);
    else
        jsonw_null_field(j, "go");
    jsonw_string_field(j, "perf", m->perf_version);
    json_argv(j, "command", r->cmd, r->nr_cmd);
    json_argv(j, "perf_command", r->perf_args.v, r->perf_args.n);
    json_clock(j, &r->clock);
    jsonw_int_field(j, "exit_status", m->exit_status);
    jsonw_bool_field(j, "interrupted", m->interrupted);

    /* the folders that hold a run, in name order */
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir(r->abs_dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        struct sbuf p = SBUF_INIT;
        struct stat st;
        sbuf_addf(&p, "%s/%s/" RECORD_CAPTURE, r->abs_dir, de->d_name);
        if (stat(sbuf_str(&p), &st) == 0) {
            names = xgrow(names, sizeof(*names), n + 1, &cap);
            names[n++] = xstrdup(de->d_name);
        }
        sbuf_release(&p);
    }
    if (d)
        closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    jsonw_name(j, "packages");
    jsonw_start_array(j);
    for (size_t i = 0; i < n; i++) {
        manifest_package(m, j, names[i]);
        free(names[i]);
    }
    free(names);
    jsonw_end_array(j);
    jsonw_uint_field(j, "samples", m->samples);
    jsonw_uint_field(j, "lost_events", m->lost_events);
    jsonw_uint_field(j, "lost_samples", m->lost_samples);
    jsonw_uint_field(j, "lost", m->lost);
    jsonw_end_object(j);
    jsonw_free(j);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

/* go test ARGS with -exec (this program, --go-exec) and -count=1 (a cached
 * result would run nothing) after "test". */
static int go_argv(struct rec *r, struct argvec *a)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        cmd_error("cannot find the sysflame executable (/proc/self/exe)");
        return -1;
    }
    self[n] = 0;
    char *q = record_exec_quote(self);
    if (!q) {
        cmd_error("'%s': go's -exec cannot run a path with both kinds of quotes", self);
        return -1;
    }
    int has_count = 0;
    for (size_t i = 2; i < r->nr_cmd; i++) {
        if (!strcmp(r->cmd[i], "-args") || !strcmp(r->cmd[i], "--args"))
            break;
        if (!strncmp(r->cmd[i], "-count", 6) || !strncmp(r->cmd[i], "--count", 7))
            has_count = 1;
    }
    argvec_push(a, r->prog);
    argvec_push(a, "test");
    argvec_pushf(a, "-exec=%s record --go-exec", q);
    free(q);
    if (!has_count)
        argvec_push(a, "-count=1");
    for (size_t i = 2; i < r->nr_cmd; i++)
        argvec_push(a, r->cmd[i]);
    return 0;
}

static int run_go_test(struct rec *r, int *status)
{
    struct argvec a = { 0 };
    if (go_argv(r, &a) < 0)
        return -1;
    pid_t pid = spawn(a.v, -1, -1, r->abs_dir, r->prog);
    argvec_release(&a);
    if (pid < 0) {
        cmd_error("'%s': cannot run: %s", r->prog, strerror(errno));
        return -1;
    }
    wait_status(pid, status);
    return 0;
}

static int record_main(struct rec *r)
{
    int go_test = record_is_go_test(r->cmd, r->nr_cmd);
    struct go_test_flags fl;
    memset(&fl, 0, sizeof(fl));
    if (go_test) {
        record_go_test_flags(r->cmd, r->nr_cmd, &fl);
        if (fl.has_exec) {
            return cmd_usage_error("record", "go test's -exec is how record runs perf around "
                                   "each test binary; it cannot take another -exec");
        }
        if (fl.compile_only) {
            return cmd_usage_error("record", "go test -c runs no test: nothing to record");
        }
    }
    int rc = preflight(r, go_test);
    if (rc)
        return rc;
    if ((rc = prepare_dir(r)))
        return rc;
    record_perf_args(&r->ro, r->perf, NULL, &r->perf_args);
    start_holder(r->ro.latency);
    if ((rc = probe_perf(r)))
        goto fail_cleanup;
    struct sf_err err = { { 0 } };
    char *args_path = state_path(r, "perf-args");
    rc = record_lines_write(args_path, r->perf_args.v, r->perf_args.n, &err);
    free(args_path);
    if (rc < 0) {
        cmd_error("%s", err.msg);
        rc = SF_EXIT_FAIL;
        goto fail_cleanup;
    }
    char *perf_version = NULL, *go_version = NULL;
    {
        char *pv[] = { r->perf, "version", NULL };
        perf_version = tool_version(pv, r);
        if (go_test) {
            char *gv[] = { r->prog, "version", NULL };
            go_version = tool_version(gv, r);
        }
    }

    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    catch_signals();
    record_clock_now(&r->clock);
    r->started_ns = r->clock.realtime_ns;
    int status = 0;
    if (go_test) {
        if (run_go_test(r, &status) < 0)
            status = 1 << 8;
    } else {
        struct run_info ri;
        memset(&ri, 0, sizeof(ri));
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)))
            strcpy(cwd, ".");
        ri.cwd = cwd;
        char *folder = NULL;
        status = record_one(&r->perf_args, r->abs_dir, r->prog, r->cmd, r->nr_cmd, NULL, &ri,
                            &folder, &err);
        free(folder);
        if (status < 0) {
            cmd_error("%s", err.msg);
            status = 1 << 8;
        }
    }
    child_pgid = 0;
    take_tty_back();
    reap_all();

    int code = exit_code(status);
    int interrupted = got_signal != 0 || (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
    struct manifest_job m = { .r = r, .go_version = go_version, .perf_version = perf_version,
                              .exit_status = code, .interrupted = interrupted,
                              .go_test = go_test };
    char *mpath = NULL;
    {
        struct sbuf sb = SBUF_INIT;
        sbuf_addf(&sb, "%s/" RECORD_MANIFEST, r->abs_dir);
        mpath = sbuf_detach(&sb);
    }
    int wrc = cmd_write_output(mpath, write_manifest, &m);
    free(mpath);
    char *state = state_path(r, "");
    record_remove_tree(state, NULL);
    free(state);
    if (wrc != 0)
        code = code ? code : SF_EXIT_FAIL;
    /* A capture perf wrote but we cannot read: its samples are missing
     * from the manifest's counts, which reports and CI gates compare. */
    for (size_t i = 0; i < m.nr_unreadable; i++) {
        cmd_warn(0, "%s; the manifest does not count its samples", m.unreadable[i]);
        free(m.unreadable[i]);
    }
    free(m.unreadable);
    uint64_t lost = m.lost;
    if (interrupted)
        cmd_error("interrupted: '%s' holds the %zu capture%s recorded so far, complete and "
                  "readable", r->dir, m.packages, m.packages == 1 ? "" : "s");
    if (lost)
        cmd_warn(0, "perf lost %llu of %llu samples (%.2f%%): record with more "
                 "--mmap-pages (now %lu)", (unsigned long long)lost,
                (unsigned long long)(m.samples + lost),
                100.0 * (double)lost / (double)(m.samples + lost), r->ro.mmap_pages);
    cmd_note(r->quiet, "recorded %zu capture%s into '%s': %llu samples, %llu lost",
             m.packages, m.packages == 1 ? "" : "s", r->dir,
                (unsigned long long)m.samples, (unsigned long long)lost);
    free(perf_version);
    free(go_version);
    return code;

fail_cleanup:
    record_remove_tree(r->abs_dir, NULL);
    return rc;
}

int cmd_record(int argc, char **argv)
{
    struct rec r;
    memset(&r, 0, sizeof(r));
    struct record_opts ro = RECORD_OPTS_INIT;
    r.ro = ro;
    r.dir = "sysflame.rec";
    int c;
    unsigned long long v;
    optind = 1;
    opterr = 0;
    /* '+': stop at the first non-option, the command to record */
    while ((c = getopt_long(argc, argv, "+o:qh", record_options, NULL)) != -1) {
        switch (c) {
        case 'o': r.dir = optarg; break;
        case 'q': r.quiet = 1; break;
        case 'h':
            fputs(usage, stdout);
            return SF_EXIT_OK;
        case OPT_FORCE: r.force = 1; break;
        case OPT_LATENCY: r.ro.latency = 1; break;
        case OPT_NO_COMPRESS: r.ro.compress = 0; break;
        case OPT_GO_EXEC: r.go_exec = 1; break;
        case OPT_STACK_SIZE:
            /* perf takes up to 65528, in multiples of 8 */
            if (options_parse_uint(optarg, 65528, &v) < 0 || v < 8 || v % 8) {
                return cmd_usage_error("record", "--stack-size: '%s' is not a multiple of 8 "
                                       "from 8 to 65528", optarg);
            }
            r.ro.stack_size = (unsigned long)v;
            break;
        case OPT_MMAP_PAGES:
            if (options_parse_uint(optarg, 1ULL << 30, &v) < 0 || v == 0 || (v & (v - 1))) {
                return cmd_usage_error("record", "--mmap-pages: '%s' is not a power of two",
                                       optarg);
            }
            r.ro.mmap_pages = (unsigned long)v;
            break;
        default:
            return cmd_usage_error("record", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (r.go_exec)
        return go_exec_main(argc - optind, argv + optind);
    if (optind < argc && !strcmp(argv[optind], "--"))
        optind++;
    if (optind >= argc) {
        return cmd_usage_error("record", "no command to record");
    }
    r.cmd = argv + optind;
    r.nr_cmd = (size_t)(argc - optind);
    int rc = record_main(&r);
    free(r.perf);
    free(r.prog);
    free(r.abs_dir);
    argvec_release(&r.perf_args);
    return rc;
}
