import { Testing } from 'cdk8s';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { BookinfoFaultInjection, httpFault } from '../../../src/constructs/apps/bookinfo-fault-injection';
import { ConfigError, parseConfig } from '../../../src/config/load';
import { buildStack } from '../../../src/stack';
import { checkManifests } from '../../../src/check';

type Obj = Record<string, any>;

function synth(props: ConstructorParameters<typeof BookinfoFaultInjection>[2]): Obj[] {
  const chart = Testing.chart();
  new BookinfoFaultInjection(chart, 'F', props);
  return Testing.synth(chart) as Obj[];
}

describe('BookinfoFaultInjection', () => {
  test('a delay for one user: the fault rule matches end-user exactly, everyone else is routed unchanged (Istio task shape)', () => {
    // GIVEN Istio's fault-injection task: ratings delayed for jason
    // WHEN
    const [vs, ...rest] = synth({ faults: [{ service: 'ratings', user: 'jason', delay: { fixedDelay: '7s', percentage: 100 } }] });
    // THEN one VirtualService named after the host, valid against the Istio model
    expect(rest).toHaveLength(0);
    expect(vs).toMatchObject({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'ratings' } });
    expect(vs!.spec).toEqual({
      hosts: ['ratings'],
      http: [
        {
          match: [{ headers: { 'end-user': { exact: 'jason' } } }],
          fault: { delay: { percentage: { value: 100 }, fixedDelay: '7s' } },
          route: [{ destination: { host: 'ratings' } }],
        },
        { route: [{ destination: { host: 'ratings' } }] },
      ],
    });
    expect(() => new VirtualService(vs as never).validate()).not.toThrow();
  });

  test('an abort for everyone: one rule, no match, httpStatus and percentage as Istio expects', () => {
    const [vs] = synth({ faults: [{ service: 'details', abort: { httpStatus: 503, percentage: 50 } }] });
    expect(vs!.spec.http).toEqual([
      { fault: { abort: { percentage: { value: 50 }, httpStatus: 503 } }, route: [{ destination: { host: 'details' } }] },
    ]);
    expect(() => new VirtualService(vs as never).validate()).not.toThrow();
  });

  test('delay and abort together in one fault', () => {
    expect(
      httpFault({ service: 'ratings', delay: { fixedDelay: '300ms', percentage: 10 }, abort: { httpStatus: 500, percentage: 20 } }),
    ).toEqual({
      delay: { percentage: { value: 10 }, fixedDelay: '300ms' },
      abort: { percentage: { value: 20 }, httpStatus: 500 },
    });
  });

  test('no faults: nothing is created', () => {
    expect(synth({})).toEqual([]);
  });

  test('bad props are refused with the field, the value and what is allowed', () => {
    expect(() => synth({ faults: [{ service: 'mysql' as never, delay: { fixedDelay: '1s', percentage: 100 } }] })).toThrow(
      /faults\[0\]\.service "mysql" is not a Bookinfo Service; allowed: productpage, details, reviews, ratings/,
    );
    expect(() =>
      synth({
        faults: [
          { service: 'ratings', abort: { httpStatus: 500, percentage: 100 } },
          { service: 'ratings', abort: { httpStatus: 503, percentage: 100 } },
        ],
      }),
    ).toThrow(/faults\[1\]\.service "ratings" has a fault already/);
    expect(() => synth({ faults: [{ service: 'ratings' } as never] })).toThrow(/neither delay nor abort/);
  });
});

describe('config bookinfo.faults', () => {
  test('defaults: percentage 100; the stack writes the VirtualService into the bookinfo chart and check passes', async () => {
    // GIVEN
    const config = parseConfig({ bookinfo: { faults: [{ service: 'ratings', user: 'jason', delay: { fixedDelay: '2s' } }] } });
    expect(config.bookinfo.faults[0]!.delay!.percentage).toBe(100);
    // WHEN
    const stack = buildStack(config);
    // THEN
    const vs = stack.docs.find((d) => d.object.kind === 'VirtualService' && (d.object as Obj).metadata.name === 'ratings');
    expect(vs?.file).toMatch(/bookinfo/);
    expect((vs!.object as Obj).metadata.namespace).toBe('bookinfo');
    const findings = await checkManifests(stack.docs, { installDocs: stack.installDocs });
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  test.each([
    [
      { service: 'mysql', delay: { fixedDelay: '1s' } },
      /bookinfo\.faults\[0\]\.service: "mysql" is not allowed; allowed: "productpage", "details", "reviews", "ratings"/,
    ],
    [{ service: 'ratings' }, /neither delay nor abort/],
    [{ service: 'ratings', delay: { fixedDelay: '1.5s' } }, /is not a fixed delay; allowed: a whole number of ms or s/],
    [
      { service: 'ratings', abort: { httpStatus: 700 } },
      /bookinfo\.faults\[0\]\.abort\.httpStatus: 700 is too large; allowed: at most 599/,
    ],
    [
      { service: 'ratings', abort: { httpStatus: 500, percentage: 0 } },
      /bookinfo\.faults\[0\]\.abort\.percentage: 0 is too small; allowed: above 0/,
    ],
    [{ service: 'ratings', user: 'ja son', abort: { httpStatus: 500 } }, /is not a Bookinfo user name/],
  ])('bad fault %j is a config error naming the field and what is allowed', (fault, message) => {
    expect(() => parseConfig({ bookinfo: { faults: [fault] } })).toThrow(ConfigError);
    expect(() => parseConfig({ bookinfo: { faults: [fault] } })).toThrow(message);
  });

  test('two faults on one Service are refused (one VirtualService per host)', () => {
    expect(() =>
      parseConfig({
        bookinfo: {
          faults: [
            { service: 'ratings', delay: { fixedDelay: '1s' } },
            { service: 'ratings', abort: { httpStatus: 500 } },
          ],
        },
      }),
    ).toThrow(/bookinfo\.faults\[1\]\.service: "ratings" has a fault already; allowed: one entry per Service/);
  });
});
