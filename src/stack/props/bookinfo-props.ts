/** Config section `bookinfo` → the Bookinfo constructs' props. */
import type { MeshtraceConfig } from '../../config/schema';
import type { BookinfoProps } from '../../constructs/apps/bookinfo';
import type { BookinfoFaultInjectionProps } from '../../constructs/apps/bookinfo-fault-injection';

export function bookinfoProps(config: MeshtraceConfig): BookinfoProps {
  const b = config.bookinfo;
  return {
    registry: b.registry,
    tag: b.tag,
    reviewsVersions: b.reviewsVersions,
    gateway: b.gateway,
    gatewaySelector: b.gatewaySelector,
    resources: b.resources,
    reviewsResources: b.reviewsResources,
  };
}

/** The fault-injection props, or undefined when the config injects no fault (no construct then). */
export function bookinfoFaultProps(config: MeshtraceConfig): BookinfoFaultInjectionProps | undefined {
  return config.bookinfo.faults.length > 0 ? { faults: config.bookinfo.faults } : undefined;
}
