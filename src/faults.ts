/**
 * Fault injection for labs and for the verifier's tests. Pure: parsing and the per-request
 * decision; the relay applies the decision. A leaf module (imports nothing): the relay, the
 * config schema, the relay-chain construct and the demo all read this one grammar.
 *
 * Grammar (`--fault`, repeatable): `drop-context`, `delay=<duration>`, `status=<200..599>`, `reset`,
 * each optionally followed by `@<fraction 0..1>` (default 1: every request).
 */

export type Fault =
  /** forward without any trace-context header: the classic broken propagation */
  | { readonly kind: 'drop-context'; readonly fraction: number }
  /** wait before handling the request */
  | { readonly kind: 'delay'; readonly ms: number; readonly fraction: number }
  /** answer this status without calling upstream */
  | { readonly kind: 'status'; readonly status: number; readonly fraction: number }
  /** close the client connection without a response */
  | { readonly kind: 'reset'; readonly fraction: number };

/** What a request gets: at most one of each kind. */
export interface FaultDecision {
  readonly dropContext: boolean;
  readonly delayMs: number;
  readonly status?: number;
  readonly reset: boolean;
}

export const NO_FAULT: FaultDecision = Object.freeze({ dropContext: false, delayMs: 0, reset: false });

const ALLOWED =
  'one of drop-context, delay=<duration e.g. 200ms>, status=<200..599>, reset; optionally followed by @<fraction 0..1>, e.g. status=500@0.2';

/** A fault flag that does not parse. */
export class FaultSyntaxError extends Error {
  constructor(value: string, reason: string) {
    super(`--fault: invalid value ${JSON.stringify(value)} (${reason}); expected ${ALLOWED}`);
    this.name = 'FaultSyntaxError';
  }
}

/** Parses one `--fault` value. Throws `FaultSyntaxError` with the value and the grammar. */
export function parseFault(value: string): Fault {
  const text = value.trim();
  const at = text.lastIndexOf('@');
  const body = at >= 0 ? text.slice(0, at) : text;
  let fraction = 1;
  if (at >= 0) {
    const f = text.slice(at + 1);
    fraction = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(f) ? Number(f) : NaN;
    if (Number.isNaN(fraction)) throw new FaultSyntaxError(value, `fraction ${JSON.stringify(f)} is not a number 0..1`);
  }
  const eq = body.indexOf('=');
  const name = (eq >= 0 ? body.slice(0, eq) : body).toLowerCase();
  const arg = eq >= 0 ? body.slice(eq + 1) : undefined;
  switch (name) {
    case 'drop-context':
    case 'reset':
      if (arg !== undefined) throw new FaultSyntaxError(value, `${name} takes no value`);
      return { kind: name, fraction };
    case 'delay': {
      const m = arg === undefined ? null : /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(arg);
      if (!m) throw new FaultSyntaxError(value, 'delay needs a duration such as 200ms or 1.5s');
      const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
      if (ms > 600_000) throw new FaultSyntaxError(value, 'delay is limited to 10m');
      return { kind: 'delay', ms, fraction };
    }
    case 'status': {
      const status = arg !== undefined && /^\d{3}$/.test(arg) ? Number(arg) : NaN;
      // Not 1xx: an informational status is never a final answer, so no client could end the exchange.
      if (!(status >= 200 && status <= 599)) throw new FaultSyntaxError(value, 'status needs a 3-digit HTTP status 200..599');
      return { kind: 'status', status, fraction };
    }
    default:
      throw new FaultSyntaxError(value, `unknown fault ${JSON.stringify(name)}`);
  }
}

/** Rolls each configured fault for one request. `random()` returns [0, 1). */
export function decideFaults(faults: readonly Fault[], random: () => number): FaultDecision {
  if (faults.length === 0) return NO_FAULT;
  let dropContext = false;
  let delayMs = 0;
  let status: number | undefined;
  let reset = false;
  for (const fault of faults) {
    if (fault.fraction < 1 && !(random() < fault.fraction)) continue;
    switch (fault.kind) {
      case 'drop-context':
        dropContext = true;
        break;
      case 'delay':
        delayMs += fault.ms;
        break;
      case 'status':
        status ??= fault.status;
        break;
      case 'reset':
        reset = true;
        break;
    }
  }
  return { dropContext, delayMs, status, reset };
}

/** The fault's flag form, for logs and the start-up line. */
export function formatFault(fault: Fault): string {
  const suffix = fault.fraction < 1 ? `@${fault.fraction}` : '';
  switch (fault.kind) {
    case 'delay':
      return `delay=${fault.ms}ms${suffix}`;
    case 'status':
      return `status=${fault.status}${suffix}`;
    default:
      return `${fault.kind}${suffix}`;
  }
}
