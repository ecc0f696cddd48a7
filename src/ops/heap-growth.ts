import { setFlagsFromString } from 'node:v8';
import type { Config } from '../config.js';

/**
 * The server's V8 settings, in one place: `serve` applies them first thing, and so does the bench's
 * process that measures the command path (bench/generate.ts), which stands for the server's.
 */
export function tuneHeap(config: Pick<Config, 'TIENDO_HEAP_GROWTH_PERCENT'>): void {
  limitHeapGrowth(config.TIENDO_HEAP_GROWTH_PERCENT);
  keepAllocationsYoung();
}

/**
 * How far the server's heap may grow past what the last full collection kept before the next one
 * (TIENDO_HEAP_GROWTH_PERCENT). V8 lets a busy process's heap reach up to four times its live size
 * between full collections: at 1,000,000 events the server keeps ~210 MB (the read model, the tasks'
 * history memo) and its heap reached ~820 MB, mostly garbage, under load (bench/README.md). V8 reads
 * the factor at every full collection, so setting it once the process runs takes effect; 0 leaves
 * V8's own choice. More frequent full collections are the price: each marks the whole live heap.
 */
function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`${HEAP_GROWTH_FLAG}=${percent}`);
}

/**
 * Turns off V8's allocation-site pretenuring in the server. V8 watches how many objects of each
 * allocation site survive a scavenge and, past a threshold, allocates that site's objects straight
 * in the old generation. Under mutations a request lives through a group commit and the read
 * model's catch-up, long enough for the sites of node's HTTP parser, fastify and the GraphQL
 * execution to be tenured — after which every request's objects were old-generation garbage
 * (a heap profile: ~10 KB a mutation) and a full collection ran every second. Off: 10–11 full
 * collections in 10 s of mutations became 3–5, the rate rose ~10 %, p99 44–49 → 35–36 ms
 * (bench/README.md, session 11). V8 decides at each scavenge, so setting it once the process runs
 * takes effect for every decision after.
 */
function keepAllocationsYoung(): void {
  setFlagsFromString(PRETENURING_OFF_FLAG);
}

/** V8's names for them: setFlagsFromString ignores a name V8 does not have, so a test checks these. */
export const HEAP_GROWTH_FLAG = '--heap-growing-percent';
export const PRETENURING_OFF_FLAG = '--no-allocation-site-pretenuring';
