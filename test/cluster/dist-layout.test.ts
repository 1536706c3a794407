import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layoutFromFiles, readDistLayout } from '../../src/cluster/dist-layout';
import { DIST_FILES, INSTALL_FILES } from './support/fixtures';

describe('layoutFromFiles', () => {
  test('finds workloads, namespaces and each installer input', () => {
    // GIVEN synthesized files WHEN read THEN the plan gets what it needs
    const layout = layoutFromFiles('dist', DIST_FILES, INSTALL_FILES);
    expect(layout.manifests).toEqual(['dist/0000-namespaces.k8s.yaml', 'dist/0100-jaeger.k8s.yaml', 'dist/0200-bookinfo.k8s.yaml']);
    expect(layout.namespaces).toEqual(['bookinfo', 'observability']);
    expect(layout.workloads).toEqual([
      { kind: 'Deployment', namespace: 'observability', name: 'jaeger' },
      { kind: 'Deployment', namespace: 'bookinfo', name: 'productpage-v1' },
      { kind: 'StatefulSet', namespace: 'bookinfo', name: 'ratings-db' },
    ]);
    expect(layout.services).toEqual([{ namespace: 'observability', name: 'jaeger-query' }]);
    expect(layout).toMatchObject({
      kindConfig: 'dist/install/kind.yaml',
      kindNodeImage: 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5',
      istioOperator: 'dist/install/istio-operator.yaml',
      istiodValues: 'dist/install/istiod-values.yaml',
      traefikValues: 'dist/install/traefik-values.yaml',
    });
    expect(layout.istioGatewayValues).toBeUndefined();
  });

  test('host ports: the kind mapping whose containerPort is the entry point NodePort', () => {
    const kind = {
      path: 'd/install/kind.yaml',
      text: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraPortMappings:\n  - {containerPort: 30080, hostPort: 8000}\n  - {containerPort: 30081, hostPort: 8081}\n',
    };
    const traefik = { path: 'd/install/traefik-values.yaml', text: 'ports:\n  web: {nodePort: 30080}\n' };
    const gateway = {
      path: 'd/install/istio-ingressgateway-values.yaml',
      text: 'service:\n  ports:\n  - {name: status-port, port: 15021}\n  - {name: http2, port: 80, nodePort: 30081}\n',
    };
    expect(layoutFromFiles('d', [], [kind, traefik, gateway]).hostPorts).toEqual({ traefikWeb: 8000, istioIngressHttp: 8081 });
    expect(layoutFromFiles('d', [], [kind]).hostPorts).toEqual({});
  });

  test('a manifest that is not YAML is named in the error', () => {
    expect(() => layoutFromFiles('dist', [{ path: 'dist/bad.yaml', text: 'a: [unclosed' }], [])).toThrow(
      /^dist\/bad\.yaml:1:\d+: is not valid YAML: .*; allowed: /,
    );
  });
});

test('readDistLayout reads a folder from disk, top level only for manifests', () => {
  const root = mkdtempSync(join(tmpdir(), 'layout-'));
  try {
    mkdirSync(join(root, 'out', 'install'), { recursive: true });
    for (const f of DIST_FILES) writeFileSync(join(root, f.path.replace(/^dist/, 'out')), f.text);
    for (const f of INSTALL_FILES) writeFileSync(join(root, f.path.replace(/^dist/, 'out')), f.text);
    const layout = readDistLayout(root, 'out');
    expect(layout.manifests).toEqual(['out/0000-namespaces.k8s.yaml', 'out/0100-jaeger.k8s.yaml', 'out/0200-bookinfo.k8s.yaml']);
    expect(layout.kindConfig).toBe('out/install/kind.yaml');
    expect(readDistLayout(root, 'missing').manifests).toEqual([]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
