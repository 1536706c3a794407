import { layoutFromFiles } from '../../../src/cluster/dist-layout';
import type { DistLayout, LaneInput } from '../../../src/cluster/plan';
import type { DetectedTools } from '../../../src/cluster/tools';
import { DEFAULT_VERSIONS } from '../../../src/cluster/versions';

/** A small synthesized output in the shape synth writes (namespaces first, installer inputs under install/). */
export const DIST_FILES = [
  {
    path: 'dist/0000-namespaces.k8s.yaml',
    text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: observability}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: bookinfo}\n',
  },
  {
    path: 'dist/0100-jaeger.k8s.yaml',
    text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: jaeger, namespace: observability}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: jaeger-query, namespace: observability}\n',
  },
  {
    path: 'dist/0200-bookinfo.k8s.yaml',
    text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: productpage-v1, namespace: bookinfo}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: ratings-db, namespace: bookinfo}\n',
  },
  { path: 'dist/README.txt', text: 'not applied by kubectl' },
];

export const INSTALL_FILES = [
  {
    path: 'dist/install/kind.yaml',
    text: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: meshtrace\nnodes:\n- role: control-plane\n  image: kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5\n',
  },
  { path: 'dist/install/istio-operator.yaml', text: 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec: {profile: demo}\n' },
  { path: 'dist/install/istiod-values.yaml', text: 'traceSampling: 100\nmeshConfig: {enableTracing: true}\n' },
  { path: 'dist/install/traefik-values.yaml', text: 'tracing: {otlp: {enabled: true}}\n' },
];

export function fixtureLayout(): DistLayout {
  return layoutFromFiles('dist', DIST_FILES, INSTALL_FILES);
}

export function tools(overrides: Partial<DetectedTools> = {}): DetectedTools {
  return {
    docker: { found: true, version: '28.2.2' },
    kind: { found: true, version: 'v0.32.0' },
    kubectl: { found: true, version: 'v1.36.1' },
    helm: { found: true, version: 'v3.19.0' },
    istioctl: { found: false },
    ...overrides,
  };
}

export function laneInput(overrides: Partial<LaneInput> = {}): LaneInput {
  return {
    profile: 'lab',
    clusterName: 'meshtrace',
    versions: DEFAULT_VERSIONS,
    tools: tools(),
    cluster: { exists: false, ownedByKit: false },
    dist: fixtureLayout(),
    ...overrides,
  };
}
