/* test_unwind.c - unwinder tests: synthetic Go stacks built from the real
 * pclntab of testdata/bin/oracle.test, synthetic CFI stacks on the C test
 * programs (rows checked by hand against `readelf -wF`), truncation and
 * hostile values, and the end-to-end oracle: the marker samples of
 * rec/go-oracle.data unwound, symbolized with the inline tree, and compared
 * with the runtime.Callers stacks in rec/go-oracle.oracle. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "unwind.h"
#include "gosym.h"
#include "session.h"
#include "../../src/unwind_int.h"

/* ---- Binaries: the real binary cache, with every testdata/bin file
 * given as --binary so recorded /tmp/sfrec/<name> paths resolve. ---- */
static struct binary_cache *test_bc;

static struct binary_cache *bc_get(void)
{
    static const char *names[] = {
        "bin/oracle.test", "bin/cprog-fp", "bin/cprog-nofp", "bin/cgo", "bin/esbuild",
    };
    static char paths[SF_ARRAY_SIZE(names)][4096];
    static const char *bins[SF_ARRAY_SIZE(names)];
    if (test_bc)
        return test_bc;
    struct binary_opts o;
    memset(&o, 0, sizeof(o));
    for (size_t i = 0; i < SF_ARRAY_SIZE(names); i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s", testdata_path(names[i]));
        if (access(paths[i], R_OK) == 0)
            bins[o.nr_binaries++] = paths[i];
    }
    o.binaries = bins;
    test_bc = binary_cache_new(&o);
    return test_bc;
}

/* The Go table of a testdata binary, through a mapping of its text. */
static struct gosym_table *gosym_of(const struct sess_map *m)
{
    struct binary *b = binary_for_map(bc_get(), m);
    return b ? binary_gosym(b) : NULL;
}

/* ---- Synthetic samples ---- */
struct synth {
    struct sess_map map[2];
    const struct sess_map *mapp[2];
    struct sess_maps maps;
    struct ev_sample ev;
    struct sess_sample ss;
    uint8_t stack[4096];
};

/* One executable mapping [start, end) of `file` at file offset pgoff. */
static void synth_init(struct synth *s, const char *file, uint64_t start, uint64_t end,
                       uint64_t pgoff, uint64_t sp, uint64_t ip, uint64_t bp)
{
    memset(s, 0, sizeof(*s));
    s->map[0].start = start;
    s->map[0].end = end;
    s->map[0].pgoff = pgoff;
    s->map[0].prot = PROT_READ | PROT_EXEC;
    s->map[0].filename = file;
    s->mapp[0] = &s->map[0];
    s->maps.refcount = 1;
    s->maps.nr = 1;
    s->maps.maps = s->mapp;
    s->ev.regs_abi = 2;
    s->ev.regs_mask = (1ull << EV_X86_SP) | (1ull << EV_X86_IP) | (1ull << EV_X86_BP);
    s->ev.regs[EV_X86_SP] = sp;
    s->ev.regs[EV_X86_IP] = ip;
    s->ev.regs[EV_X86_BP] = bp;
    s->ev.stack = s->stack;
    s->ev.stack_size = sizeof(s->stack);
    s->ev.stack_dyn_size = sizeof(s->stack);
    s->ss.sample = &s->ev;
    s->ss.maps = &s->maps;
    s->ss.event_name = "syscalls:sys_enter_write";
}

/* A second, read-only mapping of the same file above the first. */
static void synth_add_map(struct synth *s, uint64_t start, uint64_t end, uint64_t pgoff)
{
    s->map[1] = s->map[0];
    s->map[1].start = start;
    s->map[1].end = end;
    s->map[1].pgoff = pgoff;
    s->map[1].prot = PROT_READ;
    s->mapp[1] = &s->map[1];
    s->maps.nr = 2;
}

static void put8(struct synth *s, uint64_t off, uint64_t v)
{
    assert_true(off + 8 <= sizeof(s->stack));
    for (int i = 0; i < 8; i++)
        s->stack[off + i] = (uint8_t)(v >> (8 * i));
}

#define SP0 0x7ffd00001000ull

/* ---- Go: stacks from the pclntab of oracle.test ---- */
#define GO_FILE "/tmp/sfrec/oracle.test"
#define GO_START 0x400000ull
#define GO_END 0x542000ull      /* the R+X PT_LOAD */
#define GO_RO_END 0x679000ull   /* the R PT_LOAD (.rodata) */

static struct gosym_table *oracle_table(void)
{
    static struct sess_map m = {
        .start = GO_START, .end = GO_END, .prot = PROT_READ | PROT_EXEC, .filename = GO_FILE,
    };
    return gosym_of(&m);
}

/* A pc inside `name` where the frame is fully set up (largest pcsp value)
 * and its delta; the entry pc when want_delta0. */
static uint64_t go_pc(struct gosym_table *t, const char *name, int32_t *delta)
{
    for (size_t i = 0; i < gosym_nfunc(t); i++) {
        struct gosym_func f;
        if (gosym_func_at(t, i, &f) < 0 || strcmp(f.name, name) != 0)
            continue;
        uint64_t best = f.entry;
        int32_t bd = 0, d;
        for (uint64_t pc = f.entry + 1; pc < f.end; pc++)
            if (gosym_sp_delta(t, &f, pc, &d) == 0 && d > bd) {
                bd = d;
                best = pc;
            }
        *delta = bd;
        return best;
    }
    fail_msg("function %s not in oracle.test", name);
    return 0;
}

/* Lays out frames: names[0] innermost; returns the sp after the last. */
static uint64_t go_layout(struct synth *s, struct gosym_table *t, const char *const *names,
                          size_t n, uint64_t *pcs)
{
    int32_t d;
    uint64_t sp = SP0;
    for (size_t i = 0; i < n; i++)
        pcs[i] = go_pc(t, names[i], &d);
    for (size_t i = 0; i + 1 < n; i++) {
        go_pc(t, names[i], &d);
        sp += (uint64_t)d;
        put8(s, sp - SP0, pcs[i + 1]);   /* return address into the caller */
        sp += 8;
    }
    return sp;
}

static void test_go_to_goexit(void **state)
{
    (void)state;
    struct gosym_table *t = oracle_table();
    if (!t)
        skip();
    static const char *const names[] = {
        "runtime/internal/syscall.Syscall6", "syscall.RawSyscall6", "syscall.Syscall",
        "oracle.marker", "oracle.TestDirect", "testing.tRunner", "runtime.goexit",
    };
    uint64_t pcs[7];
    struct synth *s = xcalloc(1, sizeof(*s));
    synth_init(s, GO_FILE, GO_START, GO_END, 0, SP0, 0, 0);
    go_layout(s, t, names, 7, pcs);
    s->ev.regs[EV_X86_IP] = pcs[0];

    struct unwind_ctx *u = unwind_ctx_new(bc_get());
    struct unwind_result res = { 0 };
    for (int round = 0; round < 2; round++) {   /* second round: cached rules */
        assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
        assert_int_equal(res.stop, UNWIND_STOP_ROOT);
        assert_int_equal(res.nr, 7);
        for (size_t i = 0; i < 7; i++) {
            assert_int_equal(res.frames[i].pc, pcs[i]);
            assert_int_equal(res.frames[i].vaddr, pcs[i]);
            assert_int_equal(res.frames[i].how, i ? UNWIND_HOW_GO : UNWIND_HOW_IP);
            assert_int_equal(res.frames[i].is_return, 1);
            assert_int_equal(res.frames[i].elide, 0);
            assert_non_null(res.frames[i].bin);
        }
        assert_int_equal(res.go_steps, 6);
        assert_int_equal(res.fp_steps, 0);
    }

    /* Depth bound. */
    assert_int_equal(unwind_sample(u, &s->ss, &res, 3), 0);
    assert_int_equal(res.stop, UNWIND_STOP_MAX_DEPTH);
    assert_int_equal(res.nr, 3);

    /* The copy ends right after oracle.marker's return address slot:
     * TestDirect's return address is not there, so stop at TestDirect. */
    int32_t d;
    uint64_t cut = 0;
    for (size_t i = 0; i < 4; i++) {
        go_pc(t, names[i], &d);
        cut += (uint64_t)d + 8;
    }
    s->ev.stack_dyn_size = cut;   /* covers up to and incl. RA of TestDirect */
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_TRUNCATED);
    assert_int_equal(res.nr, 5);
    assert_int_equal(res.frames[4].pc, pcs[4]);
    s->ev.stack_dyn_size = cut - 1;
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_TRUNCATED);
    assert_int_equal(res.nr, 4);

    /* No user registers: only what the callchain says. */
    s->ev.regs_abi = 0;
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_NO_REGS);
    assert_int_equal(res.nr, 0);

    unwind_result_release(&res);
    unwind_ctx_free(u);
    free(s);
}

static void test_go_switch_and_wrappers(void **state)
{
    (void)state;
    struct gosym_table *t = oracle_table();
    if (!t)
        skip();
    /* A wrapper: the first function flagged as one. */
    const char *wrapper = NULL;
    for (size_t i = 0; i < gosym_nfunc(t) && !wrapper; i++) {
        struct gosym_func f;
        if (gosym_func_at(t, i, &f) == 0 && f.is_wrapper && strncmp(f.name, "oracle.", 7) == 0)
            wrapper = f.name;
    }
    assert_non_null(wrapper);

    struct unwind_ctx *u = unwind_ctx_new(bc_get());
    struct unwind_result res = { 0 };
    struct synth *s = xcalloc(1, sizeof(*s));
    uint64_t pcs[4];

    /* callee normal -> wrapper elided; then systemstack stops the walk. */
    const char *const a[] = { "oracle.marker", wrapper, "runtime.systemstack", "runtime.goexit" };
    synth_init(s, GO_FILE, GO_START, GO_END, 0, SP0, 0, 0);
    go_layout(s, t, a, 4, pcs);
    s->ev.regs[EV_X86_IP] = pcs[0];
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_SYSTEMSTACK);
    assert_int_equal(res.nr, 3);
    assert_int_equal(res.frames[0].elide, 0);
    assert_int_equal(res.frames[1].elide, 1);
    assert_int_equal(res.frames[2].pc, pcs[2]);

    /* A wrapper that called a panic stays; sigpanic's caller pc is a
     * faulting pc, not a return address. */
    const char *const b[] = { "runtime.gopanic", wrapper, "runtime.goexit" };
    synth_init(s, GO_FILE, GO_START, GO_END, 0, SP0, 0, 0);
    go_layout(s, t, b, 3, pcs);
    s->ev.regs[EV_X86_IP] = pcs[0];
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_ROOT);
    assert_int_equal(res.nr, 3);
    assert_int_equal(res.frames[1].elide, 0);
    assert_int_equal(res.frames[1].is_return, 1);

    const char *const c[] = { "runtime.sigpanic", "oracle.marker", "runtime.goexit" };
    synth_init(s, GO_FILE, GO_START, GO_END, 0, SP0, 0, 0);
    go_layout(s, t, c, 3, pcs);
    s->ev.regs[EV_X86_IP] = pcs[0];
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_ROOT);
    assert_int_equal(res.nr, 3);
    assert_int_equal(res.frames[1].is_return, 0);
    assert_int_equal(res.frames[2].is_return, 1);

    unwind_result_release(&res);
    unwind_ctx_free(u);
    free(s);
}

/* A function that popped its own return address (pcsp -8) keeps it in
 * the register its POP names: POPQ R12 (41 5C, rawVforkSyscall), POPQ RBX
 * (5B), POPQ R15 (41 5F); POPQ RSP or no POP at all is no rule. */
static void test_go_pop_reg(void **state)
{
    (void)state;
    static const uint8_t r12[2] = { 0x41, 0x5C }, rbx[2] = { 0x90, 0x5B },
                         r15[2] = { 0x41, 0x5F }, rdx[2] = { 0x00, 0x5A },
                         rsp[2] = { 0x90, 0x5C }, none[2] = { 0x0F, 0x05 };
    assert_int_equal(uw_go_pop_reg(r12), 12);
    assert_int_equal(uw_go_pop_reg(rbx), 3);
    assert_int_equal(uw_go_pop_reg(r15), 15);
    assert_int_equal(uw_go_pop_reg(rdx), 1);
    assert_int_equal(uw_go_pop_reg(rsp), -1);
    assert_int_equal(uw_go_pop_reg(none), -1);
}

static void test_go_hostile(void **state)
{
    (void)state;
    struct gosym_table *t = oracle_table();
    if (!t)
        skip();
    struct unwind_ctx *u = unwind_ctx_new(bc_get());
    struct unwind_result res = { 0 };
    struct synth *s = xcalloc(1, sizeof(*s));
    int32_t d;
    uint64_t pc = go_pc(t, "oracle.marker", &d);

    /* Return address into no mapping: the frame is reported, then stop. */
    synth_init(s, GO_FILE, GO_START, GO_END, 0, SP0, pc, 0);
    synth_add_map(s, GO_END, GO_RO_END, GO_END - GO_START);
    put8(s, (uint64_t)d, 0xdeadbeef000ull);
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_UNKNOWN_PC);
    assert_int_equal(res.nr, 2);
    assert_null(res.frames[1].map);

    /* Return address in the binary but outside any function, with a
     * frame pointer that points below SP: no frame is invented. */
    put8(s, (uint64_t)d, 0x550000);   /* .rodata */
    put8(s, (uint64_t)d - 8, SP0 - 64);   /* marker's saved BP */
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.nr, 2);
    assert_int_equal(res.stop, UNWIND_STOP_UNPROVEN);
    /* A zero frame pointer there ends the chain (the ABI's outermost
     * mark), but .rodata is no outermost function, and a zero read by
     * the frame-pointer fallback proves no caller: not proven. */
    put8(s, (uint64_t)d - 8, 0);
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.nr, 2);
    assert_int_equal(res.stop, UNWIND_STOP_UNPROVEN);

    /* A frame-pointer chain whose return address (.rodata again) follows
     * no call instruction: the guess is not taken. */
    uint64_t bpoff = (uint64_t)d + 64;
    put8(s, bpoff, SP0 + bpoff);       /* saved BP = itself */
    put8(s, bpoff + 8, 0x550010);      /* return address, again .rodata */
    s->ev.regs[EV_X86_BP] = SP0 + bpoff;
    /* Go frame's saved BP slot (fp-16) must lead to our chain */
    if (d >= 8)
        put8(s, (uint64_t)d - 8, SP0 + bpoff);
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.nr, 2);
    assert_int_equal(res.fp_steps, 0);
    assert_int_equal(res.stop, UNWIND_STOP_UNPROVEN);

    /* Sample IP in no mapping at all. */
    s->ev.regs[EV_X86_IP] = 0x10;
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.nr, 1);
    assert_int_equal(res.stop, UNWIND_STOP_UNKNOWN_PC);

    /* Mapping whose binary is missing. */
    synth_init(s, "/tmp/nonexistent/x.test", GO_START, GO_END, 0, SP0, pc, 0);
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.nr, 1);
    assert_int_equal(res.stop, UNWIND_STOP_NO_BINARY);
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    uint64_t missing = 0;
    for (size_t i = 0; i < binary_cache_nr_missing(bc_get()); i++) {
        const struct binary_missing *bm = binary_cache_missing(bc_get(), i);
        if (strcmp(bm->recorded_path, "/tmp/nonexistent/x.test") == 0)
            missing = bm->samples;
    }
    assert_int_equal(missing, 2);   /* counted per sample */

    /* Empty stack copy. */
    synth_init(s, GO_FILE, GO_START, GO_END, 0, SP0, pc, 0);
    s->ev.stack_dyn_size = 0;
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.nr, 1);
    assert_int_equal(res.stop, UNWIND_STOP_TRUNCATED);

    unwind_result_release(&res);
    unwind_ctx_free(u);
    free(s);
}

/* ---- C: CFI rows from readelf -wF, checked by hand:
 * cprog-nofp open_c 0x11d0..: CFA rsp+16 from 0x11d4; open_b 0x1200..:
 * rsp+16 from 0x1204 (call at 0x1204 returns to 0x1209); open_a 0x1220..:
 * rsp+16 from 0x1224 (returns to 0x1229).
 * cprog-fp open_c: CFA rbp+16 from 0x11e3, rbp at c-16; open_b: rbp+16
 * from 0x1204, returns to 0x1209. */
#define C_BASE 0x555555554000ull

static void test_cfi_nofp(void **state)
{
    (void)state;
    if (access(testdata_path("bin/cprog-nofp"), R_OK) != 0)
        skip();
    struct unwind_ctx *u = unwind_ctx_new(bc_get());
    struct unwind_result res = { 0 };
    struct synth *s = xcalloc(1, sizeof(*s));

    synth_init(s, "/tmp/sfrec/cprog-nofp", C_BASE + 0x1000, C_BASE + 0x2000, 0x1000, SP0, C_BASE + 0x11e0, 0);
    put8(s, 8, C_BASE + 0x1209);    /* open_c: CFA = sp+16, RA at sp+8 */
    put8(s, 24, C_BASE + 0x1229);   /* open_b: CFA = sp+32 */
    put8(s, 40, 0);                 /* open_a: RA 0 = end of chain */
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    /* the chain ends in open_a, which is no outermost function */
    assert_int_equal(res.stop, UNWIND_STOP_NOT_ROOT);
    assert_int_equal(res.nr, 3);
    assert_int_equal(res.frames[0].pc, C_BASE + 0x11e0);
    assert_int_equal(res.frames[1].pc, C_BASE + 0x1209);
    assert_int_equal(res.frames[1].vaddr, 0x1209);
    assert_int_equal(res.frames[1].how, UNWIND_HOW_CFI);
    assert_int_equal(res.frames[2].pc, C_BASE + 0x1229);
    assert_int_equal(res.cfi_steps, 3);

    s->ev.stack_dyn_size = 32;      /* open_b's RA slot at 24..31 is in */
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_TRUNCATED);
    assert_int_equal(res.nr, 3);
    s->ev.stack_dyn_size = 31;
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_TRUNCATED);
    assert_int_equal(res.nr, 2);

    unwind_result_release(&res);
    unwind_ctx_free(u);
    free(s);
}

static void test_cfi_fp_rbp(void **state)
{
    (void)state;
    if (access(testdata_path("bin/cprog-fp"), R_OK) != 0)
        skip();
    struct unwind_ctx *u = unwind_ctx_new(bc_get());
    struct unwind_result res = { 0 };
    struct synth *s = xcalloc(1, sizeof(*s));

    /* open_c at 0x11e5: CFA = rbp+16.  rbp = sp+16: RA at sp+24, saved
     * rbp at sp+16 -> sp+48; open_b: CFA = sp+64, RA at sp+56. */
    synth_init(s, "/tmp/sfrec/cprog-fp", C_BASE + 0x1000, C_BASE + 0x2000, 0x1000, SP0, C_BASE + 0x11e5, SP0 + 16);
    put8(s, 16, SP0 + 48);
    put8(s, 24, C_BASE + 0x1209);
    put8(s, 48, SP0 + 200);
    put8(s, 56, 0);
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_NOT_ROOT);   /* open_b is no root */
    assert_int_equal(res.nr, 2);
    assert_int_equal(res.frames[1].pc, C_BASE + 0x1209);

    /* Hostile rbp below sp: the CFA would go backwards. */
    s->ev.regs[EV_X86_BP] = SP0 - 64;
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_BAD_FRAME);
    assert_int_equal(res.nr, 1);

    /* rbp equal to sp with a self-pointing saved rbp: each step must move
     * SP up, so the loop ends within the copy. */
    s->ev.regs[EV_X86_BP] = SP0;
    put8(s, 0, SP0);
    put8(s, 8, C_BASE + 0x11e5);
    assert_int_equal(unwind_sample(u, &s->ss, &res, 64), 0);
    assert_int_equal(res.stop, UNWIND_STOP_BAD_FRAME);
    assert_int_equal(res.nr, 2);

    unwind_result_release(&res);
    unwind_ctx_free(u);
    free(s);
}

/* ---- End to end: marker samples of rec/go-oracle.data vs the oracle ---- */
struct oracle_site {
    int id;
    size_t nframes;
    char *frames[640];  /* "Function\tfile:line"; marker 44 recurses 500 deep */
};

struct oracle_run {
    struct oracle_site sites[128];
    size_t nsites;
    struct unwind_ctx *u;
    struct unwind_result res;
    unsigned markers, matched, prefix, printed;
    unsigned stops[UNWIND_STOP_NR];
};

static size_t oracle_load(const char *path, struct oracle_run *o)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    struct oracle_site *cur = NULL;
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        int id, count;
        if (sscanf(line, "marker %d %d", &id, &count) == 2 && o->nsites < SF_ARRAY_SIZE(o->sites)) {
            cur = &o->sites[o->nsites++];
            cur->id = id;
        } else if (line[0] == '\t' && cur && cur->nframes < SF_ARRAY_SIZE(cur->frames)) {
            cur->frames[cur->nframes++] = xstrdup(line + 1);
        }
    }
    fclose(f);
    return o->nsites;
}

static int oracle_sample(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    struct oracle_run *o = arg;
    const struct ev_sample *e = ss->sample;
    (void)err;
    if (!ss->event_name || strcmp(ss->event_name, "syscalls:sys_enter_prctl") != 0 ||
        e->raw_size < 24)
        return 0;
    uint64_t option;
    memcpy(&option, e->raw + 16, 8);
    if ((option & 0xffff0000u) != 0x5f5f0000u)
        return 0;
    int id = (int)(option & 0xffff);
    struct oracle_site *site = NULL;
    for (size_t i = 0; i < o->nsites; i++)
        if (o->sites[i].id == id)
            site = &o->sites[i];
    o->markers++;
    assert_int_equal(unwind_sample(o->u, ss, &o->res, 256), 0);
    o->stops[o->res.stop]++;

    /* Symbolize: Go frames through the inline tree, wrappers elided. */
    static char got[1024][512];
    size_t ngot = 0;
    for (size_t i = 0; i < o->res.nr && ngot < SF_ARRAY_SIZE(got); i++) {
        const struct unwind_frame *fr = &o->res.frames[i];
        struct gosym_table *t = fr->bin ? binary_gosym(fr->bin) : NULL;
        struct gosym_frame gf[16];
        int n = 0;
        if (fr->elide)
            continue;
        if (t)
            n = gosym_frames(t, fr->vaddr - (uint64_t)fr->is_return, 0, gf, 16);
        if (n <= 0) {
            snprintf(got[ngot++], sizeof(got[0]), "?%#llx", (unsigned long long)fr->pc);
            continue;
        }
        for (int k = 0; k < n && ngot < SF_ARRAY_SIZE(got); k++)
            snprintf(got[ngot++], sizeof(got[0]), "%s\t%s:%d", gf[k].function, gf[k].file,
                     gf[k].line);
    }
    size_t start = 0;
    while (start < ngot && strncmp(got[start], "oracle.marker\t", 14) != 0)
        start++;
    /* Complete stacks must equal the oracle; a truncated one (the 8 KiB
     * copy ends inside deep recursion) must be a strict prefix of it. */
    int truncated = o->res.stop == UNWIND_STOP_TRUNCATED;
    size_t len = ngot - start;
    int ok = site && start < ngot &&
             (truncated ? len < site->nframes : len == site->nframes);
    for (size_t k = 0; ok && k < len; k++)
        ok = strcmp(got[start + k], site->frames[k]) == 0;
    if (ok && truncated) {
        o->prefix++;
    } else if (ok) {
        o->matched++;
    } else if (o->printed++ < 5 && getenv("UNWIND_VERBOSE")) {
        fprintf(stderr, "marker %d: stop %s, got:\n", id, unwind_stop_name(o->res.stop));
        for (size_t k = 0; k < ngot; k++)
            fprintf(stderr, "  %s\n", got[k]);
        if (site)
            for (size_t k = 0; k < site->nframes; k++)
                fprintf(stderr, "  want %s\n", site->frames[k]);
    }
    return 0;
}

static void run_oracle(const char *rec, const char *oracle, double min_rate)
{
    struct oracle_run *o = xcalloc(1, sizeof(*o));
    if (access(testdata_path(rec), R_OK) != 0 || !oracle_load(testdata_path(oracle), o)) {
        free(o);
        skip();
    }
    struct session *sess;
    struct sf_err err;
    if (session_open(testdata_path(rec), &sess, &err) < 0)
        fail_msg("%s", err.msg);
    o->u = unwind_ctx_new(bc_get());
    struct sess_ops ops = { oracle_sample, o };
    if (session_run(sess, &ops, &err) < 0)
        fail_msg("%s", err.msg);
    fprintf(stderr, "oracle %s: %u/%u marker samples match, %u truncated prefixes (%zu sites);"
            " stops:", rec, o->matched, o->markers, o->prefix, o->nsites);
    for (int i = 0; i < UNWIND_STOP_NR; i++)
        if (o->stops[i])
            fprintf(stderr, " %s=%u", unwind_stop_name(i), o->stops[i]);
    fprintf(stderr, "\n");
    assert_true(o->markers >= o->nsites);
    assert_true(o->matched + o->prefix >= min_rate * o->markers);
    assert_true(o->prefix <= 2);   /* only markers 43 and 44 are that deep */
    unwind_result_release(&o->res);
    unwind_ctx_free(o->u);
    session_free(sess);
    for (size_t i = 0; i < o->nsites; i++)
        for (size_t k = 0; k < o->sites[i].nframes; k++)
            free(o->sites[i].frames[k]);
    free(o);
}

static void test_oracle(void **state)
{
    (void)state;
    run_oracle("rec/go-oracle.data", "rec/go-oracle.oracle", 1.0);
}

static void test_oracle_plain(void **state)
{
    (void)state;
    run_oracle("rec/go-oracle-plain.data", "rec/go-oracle-plain.oracle", 1.0);
}

/* ---- Whole captures: every sample unwinds, and the stop reasons are the
 * expected ones: Go stacks reach a root or a stack switch, C programs
 * reach the root of their thread. ---- */
struct capture_run {
    struct unwind_ctx *u;
    struct unwind_result res;
    unsigned samples, frames, fp;
    unsigned stops[UNWIND_STOP_NR];
};

static int capture_sample(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    struct capture_run *c = arg;
    (void)err;
    assert_int_equal(unwind_sample(c->u, ss, &c->res, 512), 0);
    /* UNWIND_BENCH=N: unwind each sample N more times (warm caches) */
    for (long n = getenv("UNWIND_BENCH") ? atol(getenv("UNWIND_BENCH")) : 0; n > 0; n--)
        unwind_sample(c->u, ss, &c->res, 512);
    c->samples++;
    c->frames += (unsigned)c->res.nr;
    c->fp += c->res.fp_steps;
    c->stops[c->res.stop]++;
    if (getenv("UNWIND_VERBOSE") && c->res.stop != UNWIND_STOP_ROOT &&
        c->res.stop != UNWIND_STOP_SYSTEMSTACK) {
        fprintf(stderr, "sample %llu %s (dyn %llu): stop %s:", (unsigned long long)ss->seq,
                ss->event_name, (unsigned long long)ss->sample->stack_dyn_size,
                unwind_stop_name(c->res.stop));
        for (size_t i = 0; i < c->res.nr; i++)
            fprintf(stderr, " %#llx(%s)", (unsigned long long)c->res.frames[i].vaddr,
                    c->res.frames[i].map ? strrchr(c->res.frames[i].map->filename, '/') ? strrchr(c->res.frames[i].map->filename, '/') + 1 : c->res.frames[i].map->filename : "-");
        fprintf(stderr, "\n");
    }
    return 0;
}

static void run_capture(const char *rec, struct capture_run *c)
{
    struct session *sess;
    struct sf_err err;
    memset(c, 0, sizeof(*c));
    if (access(testdata_path(rec), R_OK) != 0)
        skip();
    if (session_open(testdata_path(rec), &sess, &err) < 0)
        fail_msg("%s", err.msg);
    c->u = unwind_ctx_new(bc_get());
    struct sess_ops ops = { capture_sample, c };
    if (session_run(sess, &ops, &err) < 0)
        fail_msg("%s", err.msg);
    fprintf(stderr, "%s: %u samples, %.1f frames/sample, %u fp steps; stops:", rec, c->samples,
            c->samples ? (double)c->frames / c->samples : 0.0, c->fp);
    for (int i = 0; i < UNWIND_STOP_NR; i++)
        if (c->stops[i])
            fprintf(stderr, " %s=%u", unwind_stop_name(i), c->stops[i]);
    fprintf(stderr, "\n");
    unwind_result_release(&c->res);
    unwind_ctx_free(c->u);
    session_free(sess);
}

static void test_capture_c(void **state)
{
    (void)state;
    struct capture_run c;
    run_capture("rec/cprog-nofp.data", &c);
    assert_true(c.samples > 0);
    assert_int_equal(c.stops[UNWIND_STOP_ROOT], c.samples);
    run_capture("rec/cprog-fp.data", &c);
    assert_int_equal(c.stops[UNWIND_STOP_ROOT], c.samples);
}

/* Go captures: every stack ends at a goroutine/thread root or a stack
 * switch, or is truncated by the 8 KiB copy (getproccount's 8 KiB buffer,
 * the deep recursion markers): never an unknown pc or a bad frame. */
static void check_go_capture(const char *rec, unsigned max_truncated)
{
    struct capture_run c;
    run_capture(rec, &c);
    assert_true(c.samples > 0);
    assert_int_equal(c.stops[UNWIND_STOP_UNKNOWN_PC], 0);
    assert_int_equal(c.stops[UNWIND_STOP_BAD_FRAME], 0);
    assert_int_equal(c.stops[UNWIND_STOP_NO_BINARY], 0);
    assert_true(c.stops[UNWIND_STOP_TRUNCATED] <= max_truncated);
    assert_int_equal(c.fp, 0);
}

static void test_capture_go(void **state)
{
    (void)state;
    check_go_capture("rec/go-enterexit.data", 6);
    check_go_capture("rec/go-oracle.data", 6);
}

static void test_capture_cgo(void **state)
{
    (void)state;
    struct capture_run c;
    /* Go -> C stacks stop at asmcgocall (g0), C -> Go ones continue
     * through cgocallback to the goroutine's root. */
    run_capture("rec/cgo.data", &c);
    assert_int_equal(c.stops[UNWIND_STOP_UNKNOWN_PC], 0);
    assert_int_equal(c.stops[UNWIND_STOP_BAD_FRAME], 0);
    assert_true(c.stops[UNWIND_STOP_TRUNCATED] <= 3);   /* libc signal returns */
    run_capture("rec/esbuild.data", &c);
    assert_int_equal(c.stops[UNWIND_STOP_UNKNOWN_PC], 0);
    assert_int_equal(c.stops[UNWIND_STOP_BAD_FRAME], 0);
}

static int teardown(void **state)
{
    (void)state;
    binary_cache_free(test_bc);
    test_bc = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_to_goexit),
        cmocka_unit_test(test_go_switch_and_wrappers),
        cmocka_unit_test(test_go_hostile),
        cmocka_unit_test(test_go_pop_reg),
        cmocka_unit_test(test_cfi_nofp),
        cmocka_unit_test(test_cfi_fp_rbp),
        cmocka_unit_test(test_oracle),
        cmocka_unit_test(test_oracle_plain),
        cmocka_unit_test(test_capture_c),
        cmocka_unit_test(test_capture_go),
        cmocka_unit_test(test_capture_cgo),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
