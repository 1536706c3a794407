/** Config section `namespaces`: where each part of the stack lives. */
import { z } from 'zod';
import { dnsLabel } from './common';

export const namespacesSchema = z.strictObject({
  /** Jaeger (collector, query, storage). Never sidecar-injected. */
  observability: dnsLabel.default('observability'),
  /** Bookinfo demo app, labelled `istio-injection=enabled`. */
  bookinfo: dnsLabel.default('bookinfo'),
  /** The relay hops (meshtrace relay chain). */
  relay: dnsLabel.default('relay'),
  /** Istio's root namespace: the mesh-wide Telemetry goes here (Istio creates it; we do not). */
  istioSystem: dnsLabel.default('istio-system'),
});
export type NamespacesConfig = z.infer<typeof namespacesSchema>;
