/**
 * Bytes the receiver holds for request bodies that are still arriving or being decompressed, across
 * all requests: the bound that keeps many concurrent large posts from adding up without end.
 */
export class ByteBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  /** Takes `bytes` if they fit; false (nothing taken) when they do not. */
  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}
