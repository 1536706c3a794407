import { join } from 'node:path';
import { REPO_ROOT } from '../paths';

/** The spec the demo verifies unless told otherwise (shipped in the package: samples/expectations). */
export const DEFAULT_DEMO_SPEC = join(REPO_ROOT, 'samples', 'expectations', 'relay-demo.yaml');

/** The spec `demo --sidecars envoy` verifies unless told otherwise: the Bookinfo spec Istio's traces meet. */
export const DEFAULT_ENVOY_DEMO_SPEC = join(REPO_ROOT, 'samples', 'expectations', 'bookinfo.yaml');
