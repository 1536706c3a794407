/**
 * Pinned versions and sources of everything the kind lane installs. Each is a default that a
 * config or flag may override; the plan prints the value it used so a run is reproducible.
 * Sources: shared/notes/traefik-kind.md §0/§5, istio.md §0, DESIGN.md "Pinned upstream versions".
 */
export interface LaneVersions {
  /** kind release the plan is written for (`kind version` is compared against it). @default 'v0.32.0' */
  readonly kind: string;
  /** Node image kind.yaml is expected to name (synth pins it by digest; the plan prints what kind.yaml says). @default 'kindest/node:v1.36.1' (kind v0.32.0's default) */
  readonly kindNodeImage: string;
  /** Istio release: Helm chart version and the istioctl client version the plan accepts. @default '1.30.3' */
  readonly istio: string;
  /**
   * Traefik Helm chart version for v3 values (chart 41.x ships Traefik v3.7). Values written for
   * another chart (Traefik v2 mode: chart 27.0.2) are installed with the chart they name instead.
   * @default '41.3.0'
   */
  readonly traefikChart: string;
  /**
   * Gateway API release whose standard-channel CRDs `up` installs when the manifests use
   * `gateway.networking.k8s.io` (neither Istio's base chart nor Traefik's chart installs them).
   * @default 'v1.6.1'
   */
  readonly gatewayApi: string;
}

export const DEFAULT_VERSIONS: LaneVersions = {
  kind: 'v0.32.0',
  kindNodeImage: 'kindest/node:v1.36.1',
  istio: '1.30.3',
  traefikChart: '41.3.0',
  gatewayApi: 'v1.6.1',
};

/**
 * The Gateway API standard channel, as its project publishes it per release.
 * @see https://gateway-api.sigs.k8s.io/guides/#installing-gateway-api
 */
export function gatewayApiStandardInstall(version: string): string {
  return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${version}/standard-install.yaml`;
}

/**
 * Chart repositories, passed with `--repo` so the plan never edits the user's `helm repo` list.
 * @see https://istio.io/latest/docs/setup/install/helm/
 * @see https://traefik.github.io/charts
 */
export const ISTIO_CHART_REPO = 'https://istio-release.storage.googleapis.com/charts';
export const TRAEFIK_CHART_REPO = 'https://traefik.github.io/charts';
