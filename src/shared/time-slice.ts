/**
 * Long work on the thread that serves requests, cut into slices: `due()` is true once the slice has
 * run `sliceMs`, and `pass()` lets the event loop answer what queued meanwhile before the next one.
 * An asOf restore of a national read model is about half a second of work (bench/README.md): in one
 * piece it held every other request that long, and ten dates browsed in a row held them five seconds.
 */
export class TimeSlice {
  private startedAt = performance.now();

  constructor(private readonly sliceMs = 8) {}

  due(): boolean {
    return performance.now() - this.startedAt >= this.sliceMs;
  }

  async pass(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.startedAt = performance.now();
  }
}
