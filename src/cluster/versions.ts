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
  /** Traefik Helm chart version (chart 41.x ships Traefik v3.7). @default '41.3.0' */
  readonly traefikChart: string;
}

export const DEFAULT_VERSIONS: LaneVersions = {
  kind: 'v0.32.0',
  kindNodeImage: 'kindest/node:v1.36.1',
  istio: '1.30.3',
  traefikChart: '41.3.0',
};

/**
 * Chart repositories, passed with `--repo` so the plan never edits the user's `helm repo` list.
 * @see https://istio.io/latest/docs/setup/install/helm/
 * @see https://traefik.github.io/charts
 */
export const ISTIO_CHART_REPO = 'https://istio-release.storage.googleapis.com/charts';
export const TRAEFIK_CHART_REPO = 'https://traefik.github.io/charts';
