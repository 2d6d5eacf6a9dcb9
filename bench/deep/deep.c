/* heapflame benchmark input: a large heaptrack recording with DEEP stacks.
 *
 * Build: gcc -g -O0 -fno-omit-frame-pointer -o deep deep.c
 * Usage: ./deep [N_OPS]   (default 7300000; see bench/make-recording.sh)
 *
 * Shape of the call graph
 *   96 distinct noinline functions (parse_NN, eval_NN, visit_NN; macro-made below) call one
 *   another through a function-pointer table, each from two call sites.  A call chain is driven
 *   by a 64-bit "path" word that is advanced with an LCG at every level, so the chain is a
 *   deterministic function of the path.  NPATHS (1024) paths are drawn once at start-up, each
 *   with its own dispatch depth (23..48 step frames) and a real self-recursion of 0..5 levels
 *   (walk_recursive) somewhere in the middle, so allocation stacks are 30-60 frames deep,
 *   counting the allocation site, leaf, run_path, main and 3 libc start-up frames.  (Keep the
 *   maximum at or below 62: heaptrack records at most 62 frames of a stack and silently drops
 *   the outermost ones.)
 *   Every chain ends in leaf(), which picks one of five allocation sites (five distinct noinline
 *   functions) => a few thousand distinct allocation stacks, ~tens of thousands of trace nodes.
 *
 * Allocation mix (per op; N_OPS ops => ~1.34 N_OPS allocation calls, reallocs included)
 *   ~58%  temporary: malloc + free at once (heaptrack's "temporary" allocations), two call sites
 *   ~30%  kept: stored in a 32768-slot ring, freed when the slot is reused (long-lived then freed)
 *   ~11%  grown: malloc + 1..3 reallocs, the result goes into the ring (freed later)
 *   ~0.4% burst (~5% of allocations): 16 objects held together for a moment, then freed in reverse order
 *   ~0.6% leaked: calloc, never freed
 *   plus one "peak phase" in the middle that holds 60000 objects (~30 MB) at once.
 *
 * Sizes depend on the path (base size spread over 16..8015 B) and on a counter (2..4 variants
 * per call site): ~5900 distinct sizes, ~23k distinct (size, trace) pairs.
 * CAUTION: heaptrack_interpret 1.4.0 keeps (size, trace) pairs in a tsl::robin_set with a weak
 * hash (roughly 65*size + trace); when many pairs fall into a narrow range (few or clustered
 * sizes over many traces, or too many variants per trace) the probe distance passes the set's
 * limit, it grows again and again and dies with std::bad_alloc after eating tens of GB.
 * An earlier version of this file (sizes multiples of 8 in 16..4100, 8 variants per site,
 * ~75k pairs) did exactly that at 1M ops.  Check changes with a small N first, watching RSS.
 *
 * The program is deterministic (fixed PRNG seed); only addresses differ between recordings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))
#define NPATHS 1024u
#define RING 32768u
#define NFUNCS 96u

typedef struct {
    unsigned long long path; /* drives the dispatch chain */
    unsigned depth;          /* number of dispatch levels */
    unsigned rec_at;         /* level at which walk_recursive is entered */
    unsigned rec_n;          /* self-recursion depth of walk_recursive (0 = none) */
    unsigned base;           /* base allocation size of this path */
} path_t;

typedef void (*step_fn)(const path_t* p, unsigned level, unsigned long long h, unsigned long i);

static path_t paths[NPATHS];
static void* ring[RING];
static void* volatile sink;
static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static unsigned next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}
static unsigned long long advance(unsigned long long h, unsigned k)
{
    return h * 6364136223846793005ULL + 1442695040888963407ULL + k;
}

static void touch(void* q, size_t n)
{
    if (q) memset(q, 0xa5, n < 32 ? n : 32);
    sink = q;
}

/* ---- allocation sites (distinct functions => distinct leaf frames) ----
 * Each site uses only a few size variants per path (the number of distinct (size, trace) pairs
 * stays around 23k) and the per-path base sizes are spread over 16..8015 B; see the note at the
 * top of the file about heaptrack_interpret. */
NOINLINE void alloc_temporary(const path_t* p, unsigned long i)
{
    size_t n = p->base + 8u * (unsigned)(i % 4u);
    char* q = malloc(n);
    touch(q, n);
    free(q);
}

NOINLINE void alloc_kept(const path_t* p, unsigned long i)
{
    size_t n = p->base / 2u + 16u + 8u * (unsigned)(i % 4u);
    unsigned slot = next_rand() % RING;
    free(ring[slot]);
    ring[slot] = malloc(n);
    touch(ring[slot], n);
}

NOINLINE void alloc_grown(const path_t* p, unsigned long i)
{
    size_t n = p->base / 4u + 8u;
    char* q = malloc(n);
    unsigned steps = 1 + (unsigned)(i % 3u);
    for (unsigned s = 0; s < steps; ++s) {
        n = n * 2 + 8;
        q = realloc(q, n);
        touch(q, n);
    }
    unsigned slot = next_rand() % RING;
    free(ring[slot]);
    ring[slot] = q;
}

NOINLINE void alloc_burst(const path_t* p, unsigned long i)
{
    (void)i;
    void* held[16];
    for (unsigned k = 0; k < 16; ++k) {
        size_t n = 16 + (p->base + 40u * (k % 4u)) % 2000u;
        held[k] = malloc(n);
        touch(held[k], n);
    }
    for (unsigned k = 16; k-- > 0;) free(held[k]);
}

NOINLINE void alloc_leaked(const path_t* p, unsigned long i)
{
    size_t n = p->base / 2u + 24u + 8u * (unsigned)(i % 2u);
    sink = calloc(1, n);
}

NOINLINE void leaf(const path_t* p, unsigned long i)
{
    unsigned r = next_rand() % 1000u;
    if (r < 520) alloc_temporary(p, i);
    else if (r < 820) alloc_kept(p, i);
    else if (r < 930) alloc_grown(p, i);
    else if (r < 934) alloc_burst(p, i); /* 16 allocations each => ~5% of all allocations */
    else if (r < 940) alloc_leaked(p, i);
    else alloc_temporary(p, i + 1);      /* second call site => second trace per path */
}

/* ---- the dispatch graph ---- */
static const step_fn table[NFUNCS];
NOINLINE void walk_recursive(const path_t* p, unsigned level, unsigned long long h, unsigned long i,
                             unsigned n);

/* Each step function: at the end of the chain call leaf(); at the recursion point enter
 * walk_recursive(); otherwise call the next function, chosen by the top bits of the advanced
 * path word, from one of two call sites. */
#define STEP_BODY(K)                                                                              \
    {                                                                                             \
        if (level >= p->depth) {                                                                  \
            leaf(p, i);                                                                           \
            return;                                                                               \
        }                                                                                         \
        unsigned long long nh = advance(h, (K));                                                  \
        if (level == p->rec_at && p->rec_n) {                                                     \
            walk_recursive(p, level + 1, nh, i, p->rec_n);                                        \
            return;                                                                               \
        }                                                                                         \
        unsigned next = (unsigned)((nh >> 40) % NFUNCS);                                          \
        if (nh >> 63)                                                                             \
            table[next](p, level + 1, nh, i);                                                     \
        else                                                                                      \
            table[(next + (K)) % NFUNCS](p, level + 1, nh, i);                                    \
    }
#define DEF3(K)                                                                                   \
    NOINLINE void parse_##K(const path_t* p, unsigned level, unsigned long long h, unsigned long i) \
        STEP_BODY(K##u)                                                                           \
    NOINLINE void eval_##K(const path_t* p, unsigned level, unsigned long long h, unsigned long i)  \
        STEP_BODY(K##u + 32u)                                                                     \
    NOINLINE void visit_##K(const path_t* p, unsigned level, unsigned long long h, unsigned long i) \
        STEP_BODY(K##u + 64u)
#define DEF8(A) DEF3(A##0) DEF3(A##1) DEF3(A##2) DEF3(A##3) DEF3(A##4) DEF3(A##5) DEF3(A##6) DEF3(A##7)
DEF8(1) DEF8(2) DEF8(3) DEF8(4) /* parse_10..parse_47, eval_.., visit_.. (octal-looking names, 96 functions) */

#define ENT3(K) parse_##K, eval_##K, visit_##K,
#define ENT8(A) ENT3(A##0) ENT3(A##1) ENT3(A##2) ENT3(A##3) ENT3(A##4) ENT3(A##5) ENT3(A##6) ENT3(A##7)
static const step_fn table[NFUNCS] = {ENT8(1) ENT8(2) ENT8(3) ENT8(4)};

NOINLINE void walk_recursive(const path_t* p, unsigned level, unsigned long long h, unsigned long i,
                             unsigned n)
{
    if (n > 1) {
        walk_recursive(p, level, h, i, n - 1);
        return;
    }
    table[(unsigned)(h >> 40) % NFUNCS](p, level, h, i);
}

NOINLINE void run_path(const path_t* p, unsigned long i)
{
    table[(unsigned)(p->path >> 40) % NFUNCS](p, 0, p->path, i);
}

NOINLINE void peak_phase(void)
{
    enum { N = 60000 };
    void** keep = malloc(N * sizeof(void*));
    for (int j = 0; j < N; ++j) {
        keep[j] = malloc(200 + (j % 613));
        touch(keep[j], 16);
    }
    for (int j = 0; j < N; ++j) free(keep[j]);
    free(keep);
}

NOINLINE void init_paths(void)
{
    for (unsigned k = 0; k < NPATHS; ++k) {
        path_t* p = &paths[k];
        p->path = ((unsigned long long)next_rand() << 32) ^ next_rand() ^ k;
        p->depth = 22 + next_rand() % 26; /* 22..47 => 23..48 step frames */
        p->rec_n = (next_rand() % 3 == 0) ? 0 : 1 + next_rand() % 5;
        p->rec_at = 4 + next_rand() % 16;
        p->base = 16 + next_rand() % 8000; /* 16..8015 B */
    }
}

int main(int argc, char** argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 7300000UL;
    init_paths();
    for (unsigned long i = 0; i < n; ++i) {
        /* skewed choice: a few hot paths, a long tail */
        unsigned r = next_rand();
        unsigned k = (r & 1) ? (r >> 1) % 64u : (r >> 1) % NPATHS;
        run_path(&paths[k], i);
        if (i == n / 2) peak_phase();
    }
    for (unsigned j = 0; j < RING; ++j) free(ring[j]);
    printf("deep: %lu ops over %u paths\n", n, NPATHS);
    return 0;
}
