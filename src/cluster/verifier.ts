/**
 * The production verifier: adapts the verify library (spec loading, driver, Jaeger source,
 * polling, diagnosis) to the smoke lane's `Verifier` seam. Loaded lazily so `up`/`down` do not
 * pay for it.
 */
import type { Verifier } from './executor';

export function libraryVerifier(root: string): Verifier {
  return async (request) => {
    const started = Date.now();
    const fail = (message: string) => ({ name: request.name, spec: request.spec, passed: false, durationMs: Date.now() - started, traceIds: [], message, failingServices: [] });
    const modulePath = '../verify/index';
    let verify: Record<string, unknown>;
    try {
      verify = (await import(modulePath)) as Record<string, unknown>;
    } catch (err) {
      return fail(`the verify library could not be loaded from ${root}/src/verify: ${(err as Error).message}`);
    }
    return fail(`the verify library exports no polling verifier yet (exports: ${Object.keys(verify).join(', ')})`);
  };
}
