import { parse as load } from 'yaml';
import { readFileSync } from 'node:fs';
import { buildKindClusterConfig, renderKindClusterConfig, DEFAULT_KIND_NODE_IMAGE } from '../../../src/constructs/kind';
import { buildTraefikV3Values } from '../../../src/constructs/traefik';
import { referencePath } from '../../../src/paths';

describe('buildKindClusterConfig', () => {
  test('defaults: one control-plane node on kindest/node v1.36.1 pinned by digest', () => {
    const config = buildKindClusterConfig();
    expect(config).toEqual({
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      name: 'meshtrace',
      nodes: [{ role: 'control-plane', image: DEFAULT_KIND_NODE_IMAGE }],
    });
    expect(DEFAULT_KIND_NODE_IMAGE).toMatch(/^kindest\/node:v1\.36\.1@sha256:[0-9a-f]{64}$/);
  });

  test("has the shape of kind's own port-mapping example", () => {
    // GIVEN kind's upstream example (kubernetes-sigs/kind site/static/examples/config-with-port-mapping.yaml)
    const upstream = load(readFileSync(referencePath('traefik', 'kind-config-with-port-mapping.yaml'), 'utf8')) as any;
    // WHEN
    const ours = buildKindClusterConfig({ portMappings: [{ name: 'traefik web', nodePort: 30080, hostPort: 8000 }] });
    // THEN same kind/apiVersion and the same keys on a mapping
    expect([ours.kind, ours.apiVersion]).toEqual([upstream.kind, upstream.apiVersion]);
    expect(Object.keys(ours.nodes[0]!.extraPortMappings![0]!).sort()).toEqual(Object.keys(upstream.nodes[0].extraPortMappings[0]).sort());
    expect(ours.nodes[0]!.role).toBe(upstream.nodes[0].role);
  });

  test('each mapping publishes a node port on 127.0.0.1; containerPort = the Traefik web nodePort', () => {
    const traefik = buildTraefikV3Values();
    const config = buildKindClusterConfig({
      portMappings: [
        { name: 'traefik web', nodePort: traefik.ports.web.nodePort!, hostPort: 8000 },
        { name: 'istio ingress gateway http2', nodePort: 30081, hostPort: 8081 },
        { name: 'jaeger query', nodePort: 31686, hostPort: 16686 },
      ],
    });
    const mappings = config.nodes[0]!.extraPortMappings!;
    expect(mappings.map((m) => m.containerPort)).toEqual([30080, 30081, 31686]);
    expect(mappings.every((m) => m.listenAddress === '127.0.0.1' && m.protocol === 'TCP')).toBe(true);
  });

  test('workers reuse the pinned image', () => {
    const config = buildKindClusterConfig({ workers: 2 });
    expect(config.nodes.map((n) => [n.role, n.image])).toEqual([
      ['control-plane', DEFAULT_KIND_NODE_IMAGE],
      ['worker', DEFAULT_KIND_NODE_IMAGE],
      ['worker', DEFAULT_KIND_NODE_IMAGE],
    ]);
  });

  test.each([
    [{ portMappings: [{ name: 'web', nodePort: 80, hostPort: 80 }] }, /"web": nodePort 80 is outside the NodePort range 30000-32767/],
    [{ portMappings: [{ name: 'web', nodePort: 30080, hostPort: 70000 }] }, /hostPort 70000/],
    [
      {
        portMappings: [
          { name: 'a', nodePort: 30080, hostPort: 8000 },
          { name: 'b', nodePort: 30080, hostPort: 8001 },
        ],
      },
      /"a" and "b" both use nodePort 30080/,
    ],
    [
      {
        portMappings: [
          { name: 'a', nodePort: 30080, hostPort: 8000 },
          { name: 'b', nodePort: 30081, hostPort: 8000 },
        ],
      },
      /"a" and "b" both bind host 127.0.0.1:8000\/TCP/,
    ],
    [
      { portMappings: [{ name: 'a', nodePort: 30080, hostPort: 8000, listenAddress: 'localhost' }] },
      /listenAddress "localhost" must be an IP address/,
    ],
    [{ name: 'Mesh_Trace' }, /name "Mesh_Trace" is not a valid cluster name/],
    [{ nodeImage: 'kindest/node' }, /nodeImage "kindest\/node" is not a pinned image reference/],
    [{ workers: -1 }, /workers -1/],
  ])('rejects %j', (props, message) => {
    expect(() => buildKindClusterConfig(props as never)).toThrow(message);
  });

  test('renders YAML that round-trips, with the create command and one comment per mapping', () => {
    const config = buildKindClusterConfig({ portMappings: [{ name: 'traefik web', nodePort: 30080, hostPort: 8000 }] });
    const yaml = renderKindClusterConfig(config, ['traefik web']);
    expect(yaml).toContain('kind create cluster --config dist/install/kind.yaml');
    expect(yaml).toContain('#   127.0.0.1:8000 -> node 30080/TCP  (traefik web)');
    expect(load(yaml)).toEqual(JSON.parse(JSON.stringify(config)));
  });
});
