import { readFileSync } from 'node:fs';
import { Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Bookinfo } from '../../../src/constructs/apps/bookinfo';
import { referencePath } from '../../../src/paths';

/** Every document of a YAML stream as plain data. */
const loadAll = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS());

type Obj = Record<string, any>;

const upstream = (...parts: string[]): Obj[] =>
  (loadAll(readFileSync(referencePath('istio', 'samples', 'bookinfo', ...parts), 'utf8')) as Obj[]).filter(Boolean);
const key = (o: Obj) => `${o.kind}/${o.metadata.name}`;

function synth(props: ConstructorParameters<typeof Bookinfo>[2] = {}): Obj[] {
  const chart = Testing.chart();
  new Bookinfo(chart, 'Bookinfo', props);
  return Testing.synth(chart) as Obj[];
}

describe('Bookinfo against upstream samples/bookinfo/platform/kube/bookinfo.yaml (Istio 1.30.3)', () => {
  const ours = new Map(synth({ gateway: 'none' }).map((o) => [key(o), o]));
  const theirs = upstream('platform', 'kube', 'bookinfo.yaml');

  test('the same objects: 4 Services, 4 ServiceAccounts, 6 Deployments, nothing else', () => {
    expect([...ours.keys()].sort()).toEqual(theirs.map(key).sort());
    expect(theirs).toHaveLength(14);
  });

  test.each(theirs.filter((o) => o.kind === 'Service').map((o) => [o.metadata.name, o]))(
    'Service %s: labels, ports and selector match',
    (name, svc) => {
      const mine = ours.get(`Service/${name}`)!;
      expect(mine.metadata.labels).toEqual(svc.metadata.labels);
      expect(mine.spec.selector).toEqual(svc.spec.selector);
      expect(mine.spec.ports.map((p: Obj) => ({ port: p.port, name: p.name }))).toEqual(svc.spec.ports);
      expect(mine.spec.ports[0].targetPort).toBe(9080);
    },
  );

  test.each(theirs.filter((o) => o.kind === 'ServiceAccount').map((o) => [o.metadata.name, o]))(
    'ServiceAccount %s: labels match',
    (name, sa) => {
      expect(ours.get(`ServiceAccount/${name}`)!.metadata.labels).toEqual(sa.metadata.labels);
    },
  );

  test.each(theirs.filter((o) => o.kind === 'Deployment').map((o) => [o.metadata.name, o]))(
    'Deployment %s: labels, selector, SA, image, ports, env, volumes match',
    (name, dep) => {
      const mine = ours.get(`Deployment/${name}`)!;
      expect(mine.metadata.labels).toEqual(dep.metadata.labels);
      expect(mine.spec.replicas).toBe(dep.spec.replicas);
      expect(mine.spec.selector).toEqual(dep.spec.selector);
      expect(mine.spec.template.metadata.labels).toEqual(dep.spec.template.metadata.labels);
      expect(mine.spec.template.metadata.annotations).toEqual(dep.spec.template.metadata.annotations);
      expect(mine.spec.template.spec.serviceAccountName).toBe(dep.spec.template.spec.serviceAccountName);
      const [c] = mine.spec.template.spec.containers;
      const [u] = dep.spec.template.spec.containers;
      expect(mine.spec.template.spec.containers).toHaveLength(1);
      expect({ name: c.name, image: c.image, imagePullPolicy: c.imagePullPolicy, ports: c.ports, env: c.env }).toEqual({
        name: u.name,
        image: u.image,
        imagePullPolicy: u.imagePullPolicy,
        ports: u.ports,
        env: u.env,
      });
      const mounts = (m: Obj[] | undefined) => (m ?? []).map((v) => `${v.name}:${v.mountPath}`).sort();
      expect(mounts(c.volumeMounts)).toEqual(mounts(u.volumeMounts));
      const volumes = (v: Obj[] | undefined) =>
        (v ?? [])
          .map(
            (x) =>
              `${x.name}:${Object.keys(x)
                .filter((k) => k !== 'name')
                .join()}`,
          )
          .sort();
      expect(volumes(mine.spec.template.spec.volumes)).toEqual(volumes(dep.spec.template.spec.volumes));
    },
  );
});

describe('Bookinfo hardening', () => {
  const deployments = synth().filter((o) => o.kind === 'Deployment');

  test.each(deployments.map((d) => [d.metadata.name, d]))(
    '%s: non-root numeric UID, no capabilities, RuntimeDefault seccomp, requests and limits',
    (_name, dep) => {
      const pod = dep.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
        expect(c.image).toMatch(/:1\.20\.3$/);
      }
    },
  );

  test('reviews keeps a writable root filesystem (the Liberty image writes outside its volumes); the others are read-only', () => {
    for (const dep of deployments) {
      const ro = dep.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem;
      expect([dep.metadata.name, ro]).toEqual([dep.metadata.name, !dep.metadata.name.startsWith('reviews')]);
    }
  });
});

describe('Bookinfo options', () => {
  test('reviewsVersions selects the reviews Deployments', () => {
    const names = synth({ reviewsVersions: ['v2'], gateway: 'none' })
      .filter((o) => o.kind === 'Deployment')
      .map((o) => o.metadata.name);
    expect(names.sort()).toEqual(['details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v2']);
  });

  test('an empty reviewsVersions is refused with what is allowed', () => {
    expect(() => synth({ reviewsVersions: [] })).toThrow('Bookinfo: reviewsVersions is empty; allowed: one or more of v1, v2, v3');
  });

  test('registry and tag move every image together', () => {
    const images = synth({ registry: 'docker.io/istio', tag: '1.20.2', gateway: 'none' })
      .filter((o) => o.kind === 'Deployment')
      .map((o) => o.spec.template.spec.containers[0].image);
    expect(images).toHaveLength(6);
    for (const image of images) expect(image).toMatch(/^docker\.io\/istio\/examples-bookinfo-[a-z]+-v[123]:1\.20\.2$/);
  });

  test('Istio gateway flavor equals upstream networking/bookinfo-gateway.yaml', () => {
    const mine = synth().filter((o) => o.apiVersion === 'networking.istio.io/v1');
    const theirs = upstream('networking', 'bookinfo-gateway.yaml');
    expect(mine.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name }, spec: o.spec }))).toEqual(
      theirs,
    );
  });

  test('Gateway API flavor equals upstream gateway-api/bookinfo-gateway.yaml', () => {
    const mine = synth({ gateway: 'gatewayApi' }).filter((o) => o.apiVersion === 'gateway.networking.k8s.io/v1');
    const theirs = upstream('gateway-api', 'bookinfo-gateway.yaml');
    expect(mine.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name }, spec: o.spec }))).toEqual(
      theirs,
    );
  });

  test('gatewaySelector targets a Helm-installed gateway', () => {
    const gw = synth({ gatewaySelector: { istio: 'ingress' } }).find((o) => o.kind === 'Gateway')!;
    expect(gw.spec.selector).toEqual({ istio: 'ingress' });
  });

  test('defaults snapshot', () => {
    expect(synth()).toMatchSnapshot();
  });
});
