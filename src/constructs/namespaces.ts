import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';

/** Pod Security Standards level. @see https://kubernetes.io/docs/concepts/security/pod-security-standards/ */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export interface MeshNamespaceProps {
  /**
   * Namespace name.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Istio sidecar injection: `enabled` labels it `istio-injection=enabled`, `disabled` labels it
   * `istio-injection=disabled` (an explicit "never", e.g. for Jaeger), `unset` leaves no label.
   * @default 'unset'
   * @see https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/
   */
  readonly sidecarInjection?: 'enabled' | 'disabled' | 'unset';
  /**
   * Pod Security level enforced by admission.
   * @default - none enforced
   */
  readonly enforce?: PodSecurityLevel;
  /**
   * Pod Security level that only warns (kubectl prints warnings, nothing is rejected).
   * @default - same as `enforce`, else 'restricted'
   */
  readonly warn?: PodSecurityLevel;
  /**
   * Extra labels.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * A namespace with its mesh and Pod Security labels.
 *
 * Meshed namespaces should not `enforce` baseline unless Istio CNI is installed: the injected
 * `istio-init` container needs NET_ADMIN/NET_RAW, which baseline rejects — warn instead.
 */
export class MeshNamespace extends Construct {
  readonly name: string;
  readonly namespace: kplus.Namespace;

  constructor(scope: Construct, id: string, props: MeshNamespaceProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(this.name) || this.name.length > 63) {
      throw new Error(
        `MeshNamespace: name ${JSON.stringify(this.name)} is not an RFC 1123 label; allowed: lower-case a-z, 0-9 and "-", 1-63 characters`,
      );
    }
    if (props.sidecarInjection === 'enabled' && props.enforce && props.enforce !== 'privileged') {
      throw new Error(
        `MeshNamespace ${this.name}: enforce ${JSON.stringify(props.enforce)} rejects the injected istio-init container (NET_ADMIN); allowed with sidecarInjection enabled: no enforce (use warn), or 'privileged'`,
      );
    }
    const labels: Record<string, string> = { 'app.kubernetes.io/part-of': 'meshtrace', ...props.labels };
    if (props.sidecarInjection === 'enabled' || props.sidecarInjection === 'disabled') labels['istio-injection'] = props.sidecarInjection;
    if (props.enforce) labels['pod-security.kubernetes.io/enforce'] = props.enforce;
    labels['pod-security.kubernetes.io/warn'] = props.warn ?? props.enforce ?? 'restricted';
    this.namespace = new kplus.Namespace(this, 'Resource', { metadata: { name: this.name, labels } });
  }
}
