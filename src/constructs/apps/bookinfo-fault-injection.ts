import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { BOOKINFO_SERVICES, type BookinfoService } from './bookinfo-images';

/** Header productpage sets on its calls once a user has signed in (Istio's tasks match on it). */
export const BOOKINFO_USER_HEADER = 'end-user';

/**
 * One Istio fault on the calls to a Bookinfo Service: a fixed delay and/or an HTTP abort, for
 * everyone or only for one signed-in user.
 * @see https://istio.io/latest/docs/tasks/traffic-management/fault-injection/
 */
export interface BookinfoFault {
  /** The Service whose callers see the fault. */
  readonly service: BookinfoService;
  /**
   * Only requests whose `end-user` header is this user (productpage sets it after sign-in).
   * @default - every request
   */
  readonly user?: string;
  /**
   * A fixed delay before the call is forwarded.
   * @default - none
   */
  readonly delay?: {
    /** Istio duration: whole ms or s, e.g. `7s`, `300ms`. */
    readonly fixedDelay: string;
    /** Percent of matching requests delayed. @default 100 */
    readonly percentage?: number;
  };
  /**
   * Answer with this HTTP status instead of forwarding.
   * @default - none
   */
  readonly abort?: {
    /** HTTP status, 200-599. */
    readonly httpStatus: number;
    /** Percent of matching requests aborted. @default 100 */
    readonly percentage?: number;
  };
}

export interface BookinfoFaultInjectionProps {
  /**
   * Faults, one per Bookinfo Service: a fixed delay and/or an abort, for everyone or one user.
   * @default - none (the construct then creates nothing)
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection
   */
  readonly faults?: readonly BookinfoFault[];
}

/** Istio `HTTPFaultInjection` for one fault (percentages as Istio's `Percent` objects). */
export function httpFault(fault: BookinfoFault): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (fault.delay) out.delay = { percentage: { value: fault.delay.percentage ?? 100 }, fixedDelay: fault.delay.fixedDelay };
  if (fault.abort) out.abort = { percentage: { value: fault.abort.percentage ?? 100 }, httpStatus: fault.abort.httpStatus };
  return out;
}

/**
 * Istio fault injection on calls to Bookinfo Services, as in Istio's fault-injection task: one mesh
 * `VirtualService` (networking.istio.io/v1) per faulty Service, named after it. With a `user`, the
 * fault applies only to requests whose `end-user` header is that user and a second rule routes
 * everyone else unchanged; without one, every request gets the fault.
 *
 * Unlike the upstream task, the route goes to the Service host without a `subset`: the upstream
 * files need the `destination-rule-all.yaml` subsets, and a fault does not need version routing.
 * The fault is applied by the CALLER's sidecar (reviews' for ratings), so in a trace the delay is
 * the self time of the caller's client span and an abort is an error client span with no server child.
 * @see https://istio.io/latest/docs/tasks/traffic-management/fault-injection/
 */
export class BookinfoFaultInjection extends Construct {
  readonly virtualServices: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: BookinfoFaultInjectionProps = {}) {
    super(scope, id);
    const faults = props.faults ?? [];
    const seen = new Set<string>();
    const virtualServices: ApiObject[] = [];
    faults.forEach((fault, i) => {
      if (!(BOOKINFO_SERVICES as readonly string[]).includes(fault.service)) {
        throw new Error(
          `BookinfoFaultInjection: faults[${i}].service ${JSON.stringify(fault.service)} is not a Bookinfo Service; allowed: ${BOOKINFO_SERVICES.join(', ')}`,
        );
      }
      if (seen.has(fault.service)) {
        throw new Error(
          `BookinfoFaultInjection: faults[${i}].service ${JSON.stringify(fault.service)} has a fault already; allowed: one entry per Service`,
        );
      }
      seen.add(fault.service);
      if (!fault.delay && !fault.abort) {
        throw new Error(
          `BookinfoFaultInjection: faults[${i}] (${fault.service}) has neither delay nor abort; allowed: delay, abort, or both`,
        );
      }
      const route = [{ destination: { host: fault.service } }];
      const faulty: Record<string, unknown> = { fault: httpFault(fault), route };
      const http = fault.user
        ? [{ match: [{ headers: { [BOOKINFO_USER_HEADER]: { exact: fault.user } } }], ...faulty }, { route }]
        : [faulty];
      virtualServices.push(
        new ApiObject(this, fault.service, {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: fault.service, labels: { 'app.kubernetes.io/part-of': 'meshtrace', 'meshtrace.dev/lab': 'fault-injection' } },
          spec: { hosts: [fault.service], http },
        }),
      );
    });
    this.virtualServices = virtualServices;
  }
}
