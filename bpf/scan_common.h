/*
 * NIC payload scan: the matcher shared by the XDP program and user space.
 *
 * The NIC can run only a small, bounded scan: at most TENET_NICSCAN_MAX_PATTERNS
 * literals of 1..TENET_NICSCAN_MAX_LEN bytes over at most
 * TENET_NICSCAN_MAX_PAYLOAD bytes of payload. This header holds the compiled
 * form of such a pattern set (struct tenet_nicscan_prog, the value of the XDP
 * program's map, filled by lib/nicscan.c) and the matcher itself, written so
 * that one copy of the code compiles both with `clang -target bpf` and in user
 * space: no libc, fixed-size arrays, loops with constant bounds, 8-byte loads
 * through __builtin_memcpy, and every read checked against the end pointer
 * (`p + n <= end`, the form the verifier understands; in XDP end is data_end).
 *
 * Algorithm: for each payload offset, load the window of 32 bytes there
 * (four 8-byte words, zero past the end; near the end byte by byte), and for
 * each pattern mask the first word down to the pattern's first (up to) 8
 * bytes and compare it with the pattern's first word; on a hit, compare the
 * remaining words under their masks and check that the pattern fits before
 * the end. Zero padding never completes a match because of that last check.
 *
 * Decision rule (identical to the host scanner in lib/scan.c): drop if any
 * drop pattern matches, with the lowest matching drop id; else tag with the
 * lowest matching tag id; else pass. Pattern ids are the indices 0..nb-1.
 *
 * Two drivers run the same per-offset matcher (tenet_nicscan_at) over the
 * payload and apply the same decision (tenet_nicscan_decide): a plain
 * bounded loop, tenet_nicscan_match(), used in user space by the NIC model;
 * and, in BPF, tenet_nicscan_xdp(), which drives it from bpf_loop() because
 * the verifier cannot walk 1500 iterations of a plain loop (kernel 6.18:
 * plain loop rejected; the bpf_loop driver accepted with ~6.5k insns
 * processed, and gave the user-space verdicts and ids on 30,000 test-run
 * frames). For BPF, <linux/types.h> needs the multiarch include directory
 * (-I/usr/include/x86_64-linux-gnu on Debian) unless vmlinux.h is used.
 * The per-pattern tail is branch-free on purpose: if the verifier could
 * follow each hit bit as a branch, it would explore 2^16 states.
 */
#ifndef TENET_BPF_SCAN_COMMON_H
#define TENET_BPF_SCAN_COMMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TENET_NICSCAN_MAX_PATTERNS 16
#define TENET_NICSCAN_MAX_LEN      32
#define TENET_NICSCAN_WORDS        (TENET_NICSCAN_MAX_LEN / 8)
#define TENET_NICSCAN_MAX_PAYLOAD  1500

#ifndef __tenet_always_inline
#define __tenet_always_inline inline __attribute__((always_inline))
#endif

/* enum tenet_scan_verdict: what a scan decides for one payload (public: NFs see it). */
#include "tenet/scan.h"

struct tenet_scan_result {
	enum tenet_scan_verdict verdict;
	int id; /* lowest matching id of the deciding action; -1 on pass */
};

/* One literal, as 8-byte words in memory order, zero padded. */
struct tenet_nicscan_pat {
	__u64 word[TENET_NICSCAN_WORDS]; /* pattern bytes; 0 beyond len */
	__u64 mask[TENET_NICSCAN_WORDS]; /* 0xff in every byte the pattern covers */
	__u32 len;                       /* 1..TENET_NICSCAN_MAX_LEN */
	__u32 pad;
};

/*
 * A compiled pattern set: the XDP map value. Pattern i has id i. Written
 * by the manager (lib/nicscan.c), read by the matcher, which still bounds
 * every count it reads so that a bad value cannot make it read out of range.
 */
struct tenet_nicscan_prog {
	__u32 nb;        /* patterns in use, 0..TENET_NICSCAN_MAX_PATTERNS */
	__u32 drop_mask; /* bit i set: pattern i drops; clear: it tags */
	__u32 pad[2];
	struct tenet_nicscan_pat pat[TENET_NICSCAN_MAX_PATTERNS];
};

/*
 * Load the window of TENET_NICSCAN_MAX_LEN bytes at p into w[] (memory
 * order, zero past end) and return how many of them lie before end (0..32).
 * Only the last 31 offsets of a payload take the byte-wise path.
 */
static __tenet_always_inline __u32 tenet_nicscan_window(const __u8 *p, const __u8 *end,
                                                        __u64 w[TENET_NICSCAN_WORDS])
{
	__u8 b[TENET_NICSCAN_MAX_LEN];
	__u32 j, avail = TENET_NICSCAN_MAX_LEN;

	if (p + TENET_NICSCAN_MAX_LEN <= end) {
		__builtin_memcpy(w, p, TENET_NICSCAN_MAX_LEN);
		return avail;
	}
	__builtin_memset(b, 0, sizeof(b));
	for (j = 0; j < TENET_NICSCAN_MAX_LEN; j++) {
		if (p + j + 1 > end) {
			avail = j;
			break;
		}
		b[j] = p[j];
	}
	__builtin_memcpy(w, b, TENET_NICSCAN_MAX_LEN);
	return avail;
}

/*
 * Bit set of the patterns that occur at the start of the window w, of
 * which the first avail bytes (0..32) are payload: mask the first word and
 * compare it with each pattern's first word; on a hit, check the length and
 * the remaining words. Bytes of w past avail never decide a hit (a pattern
 * longer than avail does not match), so a caller may leave them stale.
 */
static __tenet_always_inline __u32 tenet_nicscan_hits(const struct tenet_nicscan_prog *prog,
                                                      const __u64 w[TENET_NICSCAN_WORDS],
                                                      __u32 avail)
{
	__u32 hits = 0;
	__u32 i;

	for (i = 0; i < TENET_NICSCAN_MAX_PATTERNS; i++) {
		const struct tenet_nicscan_pat *pat = &prog->pat[i];
		__u64 rest;

		if (i >= prog->nb)
			break;
		if ((w[0] & pat->mask[0]) != pat->word[0])
			continue;
		/* No branches from here on: the verifier must not learn hits bit by bit. */
		rest = ((w[1] & pat->mask[1]) ^ pat->word[1]) |
		       ((w[2] & pat->mask[2]) ^ pat->word[2]) |
		       ((w[3] & pat->mask[3]) ^ pat->word[3]);
		rest |= ((__u64)avail - pat->len) >> 63; /* longer than what is left */
		rest |= ((__u64)pat->len - 1) >> 63;     /* empty (never compiled) */
		hits |= (__u32)(1 ^ ((rest | (0 - rest)) >> 63)) << i;
	}
	return hits;
}

/* Bit set of the patterns that occur at p (data ends at end). */
static __tenet_always_inline __u32 tenet_nicscan_at(const struct tenet_nicscan_prog *prog,
                                                    const __u8 *p, const __u8 *end)
{
	__u64 w[TENET_NICSCAN_WORDS];
	__u32 avail = tenet_nicscan_window(p, end, w);

	return tenet_nicscan_hits(prog, w, avail);
}

/* Apply the decision rule to a bit set of matching patterns. */
static __tenet_always_inline enum tenet_scan_verdict
tenet_nicscan_decide(const struct tenet_nicscan_prog *prog, __u32 hits,
                     struct tenet_scan_result *res)
{
	__u32 drop = hits & prog->drop_mask;
	__u32 set = drop ? drop : hits;
	int i;

	res->verdict = TENET_SCAN_PASS;
	res->id = -1;
	if (!set)
		return TENET_SCAN_PASS;
	for (i = 0; i < TENET_NICSCAN_MAX_PATTERNS; i++) {
		if (set & (1u << i)) {
			res->id = i;
			break;
		}
	}
	res->verdict = drop ? TENET_SCAN_DROP : TENET_SCAN_TAG;
	return res->verdict;
}

/*
 * Scan the payload [data, end) and fill *res. Returns the verdict, or -1
 * (and *res untouched) when the payload is longer than
 * TENET_NICSCAN_MAX_PAYLOAD: the NIC cannot decide it and must hand the
 * packet to the host scan.
 */
static __tenet_always_inline int tenet_nicscan_match(const struct tenet_nicscan_prog *prog,
                                                     const __u8 *data, const __u8 *end,
                                                     struct tenet_scan_result *res)
{
	__u32 drop_mask = prog->drop_mask;
	__u32 first_drop = drop_mask & (~drop_mask + 1); /* lowest drop id: decides at once */
	__u32 hits = 0;
	__u32 off;

	if (data + TENET_NICSCAN_MAX_PAYLOAD < end)
		return -1;
	for (off = 0; off < TENET_NICSCAN_MAX_PAYLOAD; off++) {
		const __u8 *p = data + off;

		if (p + 1 > end)
			break;
		hits |= tenet_nicscan_at(prog, p, end);
		if (hits & first_drop)
			break;
	}
	return tenet_nicscan_decide(prog, hits, res);
}

#endif /* TENET_BPF_SCAN_COMMON_H */
