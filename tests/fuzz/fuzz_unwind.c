/* fuzz_unwind.c - fuzz harness for the UNWINDER stage: one step-by-step
 * unwind of a fake sample whose registers and stack copy come from the
 * input, against real binaries loaded once (testdata/bin/oracle.test for Go
 * pclntab steps, testdata/bin/cprog-fp for DWARF CFI and frame pointers).
 *
 * Input: byte 0 flags (bits 0-1: ip base 0 = Go text, 1 = C text, 2/3 =
 * raw; bit 2: no BP register; bit 3: dyn_size shorter than the dump),
 * then u64 ip, u64 sp, u64 bp, u64 extra register-mask bits, one byte
 * count of kernel callchain words (low 4 bits) followed by those words;
 * the rest is the stack copy starting at sp. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "unwind.h"
#include "binary.h"
#include "session.h"

#ifndef SF_TESTDATA
#define SF_TESTDATA "testdata"
#endif

#define GO_FILE "/tmp/sfrec/oracle.test"
#define GO_TEXT 0x400000ull
#define GO_TEXT_LEN 0x1418eaull
#define C_FILE "/tmp/sfrec/cprog-fp"
#define C_BASE 0x555555554000ull
#define C_TEXT (C_BASE + 0x1000)
#define C_TEXT_LEN 0x58dull

static struct binary_cache *bc;
static struct unwind_ctx *uctx;
static struct sess_map maps_store[4];
static const struct sess_map *maps_ptrs[4];
static struct sess_maps maps;
static volatile uint64_t sink;

static const char *td_path(char *buf, size_t n, const char *rel)
{
    const char *d = getenv("TESTDATA");
    snprintf(buf, n, "%s/%s", d ? d : SF_TESTDATA, rel);
    return buf;
}

static void setup(void)
{
    static char go_path[4096], c_path[4096];
    static const char *bins[2];
    struct binary_opts o;

    memset(&o, 0, sizeof(o));
    bins[0] = td_path(go_path, sizeof(go_path), "bin/oracle.test");
    bins[1] = td_path(c_path, sizeof(c_path), "bin/cprog-fp");
    o.binaries = bins;
    o.nr_binaries = 2;
    bc = binary_cache_new(&o);
    uctx = unwind_ctx_new(bc);

    /* sorted by start, as the session keeps them */
    struct sess_map m[4] = {
        { .start = GO_TEXT, .end = 0x542000, .pgoff = 0, .filename = GO_FILE,
          .prot = PROT_READ | PROT_EXEC },
        { .start = 0x542000, .end = 0x67a000, .pgoff = 0x142000, .filename = GO_FILE,
          .prot = PROT_READ },
        { .start = C_BASE, .end = C_BASE + 0x1000, .pgoff = 0, .filename = C_FILE,
          .prot = PROT_READ },
        { .start = C_TEXT, .end = C_TEXT + 0x1000, .pgoff = 0x1000, .filename = C_FILE,
          .prot = PROT_READ | PROT_EXEC },
    };
    for (int i = 0; i < 4; i++) {
        maps_store[i] = m[i];
        maps_ptrs[i] = &maps_store[i];
    }
    maps.refcount = 1;
    maps.nr = 4;
    maps.maps = maps_ptrs;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ev_sample ev;
    static uint64_t chain[16];
    struct sess_sample ss;
    struct unwind_result res;

    if (!bc)
        setup();
    if (size < 34)
        return 0;
    uint8_t flags = data[0];
    uint64_t ip = rd64(data + 1), sp = rd64(data + 9), bp = rd64(data + 17);
    uint64_t extra = rd64(data + 25);
    size_t nchain = data[33] & 15, off = 34;
    if (size < off + nchain * 8)
        return 0;
    for (size_t i = 0; i < nchain; i++)
        chain[i] = rd64(data + off + 8 * i);
    off += nchain * 8;

    switch (flags & 3) {
    case 0: ip = GO_TEXT + ip % GO_TEXT_LEN; break;
    case 1: ip = C_TEXT + ip % C_TEXT_LEN; break;
    default: break;
    }
    memset(&ev, 0, sizeof(ev));
    ev.regs_abi = 2;
    ev.regs_mask = (1ull << EV_X86_SP) | (1ull << EV_X86_IP) | extra;
    if (!(flags & 4))
        ev.regs_mask |= 1ull << EV_X86_BP;
    for (int r = 0; r < 64; r++)
        ev.regs[r] = rd64(data + 1 + 8 * (r % 4)) ^ (uint64_t)r;
    ev.regs[EV_X86_IP] = ip;
    ev.regs[EV_X86_SP] = sp;
    ev.regs[EV_X86_BP] = bp;
    ev.ip = ip;
    ev.misc = 2;                    /* user mode */
    ev.callchain = chain;
    ev.nr_callchain = nchain;
    ev.stack = data + off;
    ev.stack_size = size - off;
    ev.stack_dyn_size = ev.stack_size;
    if ((flags & 8) && ev.stack_dyn_size)
        ev.stack_dyn_size = (uint64_t)data[0] * 8 % ev.stack_size;

    memset(&ss, 0, sizeof(ss));
    ss.sample = &ev;
    ss.comm = "fuzz";
    ss.maps = &maps;
    ss.event_name = "syscalls:sys_enter_write";
    memset(&res, 0, sizeof(res));
    unwind_sample(uctx, &ss, &res, 256);
    if (res.nr > 256 || res.stop >= UNWIND_STOP_NR)
        abort();                    /* depth bound or stop reason broken */
    for (size_t i = 0; i < res.nr; i++)
        sink += res.frames[i].pc + res.frames[i].vaddr;
    sink += strlen(unwind_stop_name(res.stop));
    unwind_result_release(&res);
    return 0;
}
