import { setFlagsFromString } from 'node:v8';

/**
 * How far the server's heap may grow past what the last full collection kept before the next one
 * (TIENDO_HEAP_GROWTH_PERCENT). V8 lets a busy process's heap reach up to four times its live size
 * between full collections: at 1,000,000 events the server keeps ~210 MB (the read model, the tasks'
 * history memo) and its heap reached ~820 MB, mostly garbage, under load (bench/README.md). V8 reads
 * the factor at every full collection, so setting it once the process runs takes effect; 0 leaves
 * V8's own choice. More frequent full collections are the price: each marks the whole live heap.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`${HEAP_GROWTH_FLAG}=${percent}`);
}

/** V8's name for it: setFlagsFromString ignores a name V8 does not have, so a test checks this one. */
export const HEAP_GROWTH_FLAG = '--heap-growing-percent';
