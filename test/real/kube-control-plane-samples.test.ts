/**
 * The other share of the configs of kube-control-plane.test.ts, against a second real control plane
 * (see that file for what each case checks; the shared code is test/real/support/kube-apply.ts).
 */
import { applyCase, casesOf, useControlPlane } from './support/kube-apply';

useControlPlane();

describe('the real API server (second share of the configs)', () => {
  describe.each(casesOf(1, 2))('%s', (label, load) => {
    test('applies server-side, re-applies as a no-op, owned by meshtrace, pods admitted at the claimed level', () =>
      applyCase(load, label));
  });
});
