/**
 * V8 settings for a process whose main job is the relay (the `meshtrace relay` command; the edge, not
 * the library: `startRelay` in a test or in the local demo leaves its host process alone).
 *
 * Allocation-site pretenuring off. With V8's default, once the young generation reaches its maximum size
 * V8 starts allocating the objects of the relay's per-request allocation sites (the exchange, its
 * closures, parsed heads) straight into old space. Those objects die a few milliseconds later but stay
 * until the next full GC, and everything young they point to (strings, arrays, buffers of later
 * requests) then survives each scavenge and is promoted in turn: long scavenge pauses and frequent
 * mark-compacts under load (the `--trace-gc-nvp` numbers and the A/B runs are in BENCHMARKS.md, Relay,
 * "V8 pretenuring off"). A relay's only long-lived objects are its sockets and pools, which gain nothing
 * from pretenuring. A bigger young generation (`--max-semi-space-size`) avoids it too, but costs memory
 * and only moves the threshold.
 *
 * Set at start-up, before the hop allocates: V8 reads the flag when it decides on pretenuring, so it takes
 * effect for the rest of the process (checked with `--trace-gc-nvp` on the bundle).
 */
import { setFlagsFromString } from 'node:v8';

export const RELAY_V8_FLAGS = ['--no-allocation-site-pretenuring'] as const;

export function tuneRelayProcess(): void {
  for (const flag of RELAY_V8_FLAGS) setFlagsFromString(flag);
}
