import { Testing } from 'cdk8s';
import { IngressRoute } from '@kubernetes-models/traefik/traefik.io/v1alpha1/IngressRoute';
import { TraefikIngressRoute } from '../../../src/constructs/traefik';
import { ingressRouteCrdErrors } from './crd-schema';

describe('TraefikIngressRoute', () => {
  test('defaults: Host rule on the web entrypoint to one Service port, no observability block', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    new TraefikIngressRoute(chart, 'whoami', { namespace: 'demo', host: 'whoami.localhost', serviceName: 'whoami', servicePort: 80 });
    const [obj] = Testing.synth(chart);
    // THEN
    expect(obj).toEqual({
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: 'whoami', namespace: 'demo' },
      spec: {
        entryPoints: ['web'],
        routes: [{ kind: 'Rule', match: 'Host(`whoami.localhost`)', services: [{ name: 'whoami', port: 80 }] }],
      },
    });
  });

  test('validates with @kubernetes-models/traefik and against the CRD openAPIV3Schema (strict)', () => {
    const chart = Testing.chart();
    new TraefikIngressRoute(chart, 'r', {
      serviceName: 's',
      servicePort: 'http',
      pathPrefix: '/api',
      traceVerbosity: 'detailed',
      labels: { team: 'x' },
    });
    const [obj] = Testing.synth(chart);
    expect(() => new IngressRoute(obj).validate()).not.toThrow();
    expect(ingressRouteCrdErrors(obj)).toEqual([]);
    expect(obj.spec.routes[0].match).toBe('Host(`localhost`) && PathPrefix(`/api`)');
    // The CRD defaults traceVerbosity to minimal inside an observability block: we always write it.
    expect(obj.spec.routes[0].observability).toEqual({ tracing: true, traceVerbosity: 'detailed' });
  });

  test('the CRD check really catches a typo and a wrong kind (guards the helper itself)', () => {
    const chart = Testing.chart();
    new TraefikIngressRoute(chart, 'r', { serviceName: 's', servicePort: 80 });
    const [obj] = Testing.synth(chart);
    obj.spec.routes[0].kind = 'Route';
    obj.spec.routes[0].servcies = [];
    const errors = ingressRouteCrdErrors(obj);
    expect(errors).toContain('/spec/routes/0/kind must be equal to one of the allowed values');
    expect(errors).toContain('/spec/routes/0 must NOT have additional properties (servcies)');
    expect(() => new IngressRoute(obj).validate()).toThrow(/kind/);
  });

  test.each([
    [{ host: 'http://x.localhost', serviceName: 's', servicePort: 80 }, /host "http:\/\/x.localhost" is not a DNS host name/],
    [{ host: 'x.localhost', pathPrefix: 'api', serviceName: 's', servicePort: 80 }, /pathPrefix "api" must start with "\/"/],
    [{ serviceName: '', servicePort: 80 }, /serviceName is required/],
    [{ serviceName: 's', servicePort: 70000 }, /servicePort 70000 is not a port number/],
    [{ serviceName: 's', servicePort: 80, entryPoints: [] }, /entryPoints is empty/],
  ])('rejects %j', (props, message) => {
    expect(() => new TraefikIngressRoute(Testing.chart(), 'bad', props)).toThrow(message);
  });
});
