/**
 * V8 settings for a process whose main job is the relay (the `meshtrace relay` command; the edge, not
 * the library: `startRelay` in a test or in the local demo leaves its host process alone).
 *
 * Allocation-site pretenuring off. Measured (issue 3; BENCHMARKS.md, relay): with V8's default, once the
 * young generation reaches its maximum size (16 MB semi-spaces here) V8 starts allocating the objects of
 * the relay's per-request allocation sites (the exchange, its closures, parsed heads) straight into old
 * space. Those objects die a few milliseconds later but stay until the next full GC, and everything young
 * they point to (strings, arrays, buffers of later requests) then survives each scavenge and is promoted
 * in turn. Under `wrk -c50` every scavenge copied and promoted ~3 MB (`--trace-gc-nvp`: promoted 3.1–3.4
 * MB per scavenge, 8–13 ms pauses, 0.9–1.1 s of scavenge pauses in 8 s, plus a mark-compact every ~0.5 s).
 * With pretenuring off, ~0.1 MB survives a scavenge, pauses are 0.7–1 ms (90 ms in 8 s), no mark-compact
 * ran, and the hop served +18–43 % more requests (6 of 6 A/B pairs). A relay's only long-lived objects are
 * its sockets and pools, which gain nothing from pretenuring. A bigger young generation
 * (`--max-semi-space-size=24` and up) avoided it too, but costs memory and only moves the threshold.
 *
 * Set at start-up, before the hop allocates: V8 reads the flag when it decides on pretenuring, so it takes
 * effect for the rest of the process (checked with `--trace-gc-nvp` on the bundle).
 */
import { setFlagsFromString } from 'node:v8';

export const RELAY_V8_FLAGS = ['--no-allocation-site-pretenuring'] as const;

export function tuneRelayProcess(): void {
  for (const flag of RELAY_V8_FLAGS) setFlagsFromString(flag);
}
