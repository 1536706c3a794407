/**
 * Labs 02-intermediate/03-performance and 04-errors, locally: the demo's real relay hops with a
 * fault, verified against the lab's shipped spec. Run through the CLI entry (`main`, in process) so
 * what is asserted is what a student reads.
 */
import { runCliInProcess } from '../support/run-cli';

const demo = (args: string[]) => runCliInProcess(['demo', '--no-color', ...args]);

/** The exit code, with what the demo printed when it is not the one expected. */
function expectExit(r: { code: number; stdout: string; stderr: string }, code: number): void {
  expect([r.code, r.code === code ? '' : `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`]).toEqual([code, '']);
}

describe('lab 03-performance: a delay at ratings moves the bottleneck there', () => {
  test('relay-demo-delay passes with --fault ratings:delay=300ms; the tree marks ratings with its self time and share', async () => {
    // WHEN
    const r = await demo(['--fault', 'ratings:delay=300ms', '--spec', 'samples/expectations/relay-demo-delay.yaml', '--requests', '2']);
    // THEN
    expectExit(r, 0);
    expect(r.stdout).toContain('✓ relay-demo-delay: PASS');
    expect(r.stdout).toMatch(/ratings {2}GET \(3\d\dms\) server ◀ BOTTLENECK 3\d\dms self \((\d+)%\)/);
    const share = Number(/ratings {2}GET \(\d+ms\) server ◀ BOTTLENECK \d+ms self \((\d+)%\)/.exec(r.stdout)![1]);
    expect(share).toBeGreaterThanOrEqual(50);
    expect(r.stdout).toMatch(
      /✓ bottleneck: ratings with ≥ 50% of the time\n\s+bottleneck is ratings "GET" \([0-9a-f]{16}\): 3\d\dms self time, \d+%/,
    );
  }, 120_000);

  test('without the delay the same spec fails: the bottleneck rule names where the time went instead', async () => {
    const r = await demo(['--spec', 'samples/expectations/relay-demo-delay.yaml', '--requests', '1']);
    expectExit(r, 1);
    expect(r.stdout).toMatch(/✗ ratings: duration ≥ 300ms/);
    expect(r.stdout).toMatch(/✗ bottleneck: ratings with ≥ 50% of the time\n\s+bottleneck is (?!ratings)\w+ "GET"/);
  }, 120_000);
});

describe('lab 04-errors: a 500 at details is an error there and propagates up as 502', () => {
  test('relay-demo-errors passes with --fault details:status=500; the error spans are details, productpage and edge', async () => {
    const r = await demo(['--fault', 'details:status=500', '--spec', 'samples/expectations/relay-demo-errors.yaml', '--requests', '2']);
    expectExit(r, 0);
    expect(r.stdout).toContain('✓ relay-demo-errors: PASS');
    expect(r.stderr).toMatch(/request 1\/2 {2}trace [0-9a-f]{32} {2}HTTP 502/);
    expect(r.stdout).toMatch(/details {2}GET \([^)]+\) server ✗ ERROR "fault injected: status 500"/);
    expect(r.stdout).toMatch(/productpage {2}GET \([^)]+\) client ✗ ERROR "HTTP 500"/);
    expect(r.stdout).toMatch(/productpage {2}GET \([^)]+\) server ✗ ERROR "upstream http:\/\/127\.0\.0\.1:\d+\/ failed \(500\)"/);
    expect(r.stdout).toMatch(/✓ reviews: no error spans/);
  }, 120_000);

  test('the same spec fails when the error is somewhere else (ratings): wrong service, and errors where none are allowed', async () => {
    const r = await demo(['--fault', 'ratings:status=500', '--spec', 'samples/expectations/relay-demo-errors.yaml', '--requests', '1']);
    expectExit(r, 1);
    expect(r.stdout).toMatch(/✗ details: has an error span/);
    expect(r.stdout).toMatch(/✗ ratings: no error spans/);
  }, 120_000);
});
