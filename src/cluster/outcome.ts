/**
 * What running a plan produces: per-step outcomes and per-spec verifications. Its own module
 * because the executor, the artifact collector and the report writer all speak it, and the
 * executor calls the other two: the types living in the executor made an import cycle.
 */
import type { Step } from './plan';

export interface VerifyRequest {
  readonly name: string;
  /** Path of the spec file (relative to root). */
  readonly spec: string;
  /** Full URL of the triggering request (the entry point's port-forward + path). */
  readonly triggerUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Base URL of jaeger-query (its port-forward). */
  readonly jaegerUrl: string;
  readonly timeoutMs: number;
}

export interface VerifyOutcome {
  readonly name: string;
  readonly spec: string;
  readonly passed: boolean;
  readonly durationMs: number;
  readonly traceIds: readonly string[];
  /** One-paragraph result (what matched or what did not). */
  readonly message: string;
  /** The diagnosis: why and where a trace is broken. */
  readonly diagnosis?: string;
  /** Services (Jaeger service names) of the hops the diagnosis blames, for log collection. */
  readonly failingServices: readonly string[];
}

export type Verifier = (request: VerifyRequest) => Promise<VerifyOutcome>;

export type StepStatus = 'ok' | 'failed' | 'broken' | 'error' | 'skipped';

export interface StepOutcome {
  readonly step: Step;
  readonly status: StepStatus;
  readonly message?: string;
  readonly durationMs: number;
}
