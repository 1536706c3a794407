/**
 * A failed demo says why in one line that matches what happened, and "try next" names the spec
 * written for each fault (issue 19: a status fault was reported as a broken trace).
 */
import { failReason, tryNext } from '../../src/cli/demo';
import type { DemoOutcome } from '../../src/demo/run-demo';
import type { VerifyResult } from '../../src/verify/verify-traces';

const hop = (name: string, faults: string[] = [], propagate: string[] = []) => ({
  name,
  pid: 1,
  url: 'http://127.0.0.1:1',
  command: '',
  startMs: 1,
  faults,
  propagate,
});

function outcome(
  result: Partial<VerifyResult>,
  hops = [hop('edge')],
  exitCode: 0 | 1 = 1,
  specPath = 'samples/expectations/relay-demo.yaml',
): DemoOutcome {
  const full = {
    spec: 'relay-demo',
    passed: exitCode === 0,
    match: 'every',
    traces: [],
    assertions: [],
    missingTraceIds: [],
    diagnoses: [],
    tracesSeen: 1,
    spansSeen: 9,
    ...result,
  } as VerifyResult;
  return {
    exitCode,
    hops,
    requests: [],
    result: full,
    traces: [],
    pool: [],
    polls: 1,
    timings: { totalMs: 1, startMs: 1, driveMs: 1, pollMs: 1, stopMs: 1 },
    pids: [],
    leftRunning: [],
    specPath,
  } as unknown as DemoOutcome;
}

describe('the demo verdict', () => {
  test('error status: the trace is whole, services answered errors (not "the trace is broken")', () => {
    const o = outcome(
      {
        traces: [
          {
            traceId: 't',
            passed: false,
            matches: {},
            spanCount: 9,
            services: [],
            durationUs: 1,
            assertions: [
              {
                category: 'rule',
                text: 'noErrors: no span has status ERROR',
                passed: false,
                detail: '5 error span(s): details "GET" (aa) "fault injected: status 500"; edge "GET" (bb) "HTTP 502"',
              },
            ],
          },
        ] as unknown as VerifyResult['traces'],
      },
      [hop('details', ['status=500'])],
    );
    expect(failReason(o)).toBe(
      'FAIL (the trace is whole, but services answered errors — 5 error span(s): details "GET" (aa) "fault injected: status 500", … — and this spec allows none)',
    );
    expect(tryNext(o)).toBe(
      'try next: the same flags with --spec samples/expectations/relay-demo-errors.yaml (details:status=500: assert where the error goes)',
    );
  });

  test('a broken trace points at the diagnosis; no trace says so', () => {
    expect(
      failReason(
        outcome({
          diagnoses: [
            { kind: 'split-trace', title: 'reviews → ratings lost context', evidence: [] },
          ] as unknown as VerifyResult['diagnoses'],
        }),
      ),
    ).toBe('FAIL (the trace is broken: see the diagnosis above)');
    expect(
      failReason(
        outcome({
          diagnoses: [{ kind: 'no-trace', title: 'no spans at all arrived', evidence: [] }] as unknown as VerifyResult['diagnoses'],
        }),
      ),
    ).toBe('FAIL (no trace: no spans at all arrived)');
  });

  test('try next: a delay names the delay spec, a bridge the bridging spec, nothing once that spec is used', () => {
    expect(tryNext(outcome({}, [hop('ratings', ['delay=300ms'])]))).toContain(
      '--spec samples/expectations/relay-demo-delay.yaml (ratings:delay=300ms: assert the bottleneck moved)',
    );
    expect(tryNext(outcome({}, [hop('reviews', [], ['b3multi'])]))).toContain(
      '--spec samples/expectations/relay-demo-bridging.yaml (reviews writes b3multi',
    );
    expect(tryNext(outcome({}, [hop('details', ['status=500'])], 0, 'samples/expectations/relay-demo-errors.yaml'))).toBeUndefined();
    // a plain pass lists the faults to try, the status fault among them
    expect(tryNext(outcome({}, [hop('edge')], 0))).toContain('--fault details:status=500 (error spans)');
  });
});
