/**
 * Body bytes being decoded at once, across requests. Decoding runs in slices (../stepwise.ts), so
 * several bodies could otherwise decode side by side, each growing a span model of up to ~14× its
 * bytes; the gate keeps that to one body limit's worth, the bound of decoding one body at a time. A
 * body that fits beside those being decoded starts at once, so a small export never waits for a big
 * one; one that does not waits for room, and always gets in once nothing else is decoding.
 */
export class DecodeGate {
  private decoding = 0;
  private readonly waiting: { readonly bytes: number; readonly start: () => void }[] = [];

  constructor(readonly capacity: number) {}

  /** Resolves once `bytes` may be decoded; the caller then owes `leave(bytes)`. */
  enter(bytes: number): Promise<void> {
    if (this.fits(bytes)) {
      this.decoding += bytes;
      return Promise.resolve();
    }
    return new Promise((start) => this.waiting.push({ bytes, start }));
  }

  leave(bytes: number): void {
    this.decoding -= bytes;
    // In arrival order, every waiter that now fits.
    for (let i = 0; i < this.waiting.length;) {
      const next = this.waiting[i]!;
      if (!this.fits(next.bytes)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.decoding += next.bytes;
      next.start();
    }
  }

  /** Body bytes being decoded right now. */
  get inUse(): number {
    return this.decoding;
  }

  private fits(bytes: number): boolean {
    return this.decoding === 0 || this.decoding + bytes <= this.capacity;
  }
}
