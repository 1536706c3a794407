// Bundle-only stand-in for `undici`: the relay needs Pool (+ the request API for fan-out), not
// undici's fetch, WebSocket, cache or mock layers (535 KB of the full bundle). esbuild aliases
// `undici` to this file when the relay is bundled for the Kubernetes ConfigMap; `index.js` of undici
// does the same `Object.assign` for every dispatcher.
import Pool from '../../../node_modules/undici/lib/dispatcher/pool.js';
import Dispatcher from '../../../node_modules/undici/lib/dispatcher/dispatcher.js';
import api from '../../../node_modules/undici/lib/api/index.js';

Object.assign(Dispatcher.prototype, api);

export { Pool };
