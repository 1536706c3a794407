/**
 * Pod Security Standards, mirroring the admission plugin's checks
 * (kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_*.go).
 *
 * Levels applied (decision, see docs/check.md):
 * - kit-owned pods (`app.kubernetes.io/managed-by: meshtrace` or `app.kubernetes.io/part-of: meshtrace[-*]`
 *   on the workload or its pod template) must meet `restricted`: violations are errors;
 * - any pod may declare an exception with the annotation `meshtrace.dev/pod-security-exception: "<reason>"`
 *   (on the workload or the pod template); it must still meet `baseline`, and its `restricted`
 *   violations are reported as info with the reason;
 * - other (third-party, user) pods: `baseline` violations are errors, `restricted` ones warnings.
 */
import type { Finding } from './finding';
import { findingFor, type CheckContext } from './context';
import {
  annotationsOf,
  asArray,
  asString,
  containersOf,
  isRecord,
  labelsOf,
  type ContainerRef,
  type Obj,
  type PodTemplate,
} from './objects';

export const EXCEPTION_ANNOTATION = 'meshtrace.dev/pod-security-exception';
const PSS_LINK = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

/** Capabilities baseline allows to add (check_capabilities_baseline.go). */
const BASELINE_CAPS = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

interface Violation {
  readonly level: 'baseline' | 'restricted';
  readonly rule: string;
  readonly field: string;
  readonly message: string;
  readonly fix: string;
}

export function isKitOwned(template: PodTemplate): boolean {
  const labels = { ...labelsOf(template.owner), ...template.labels };
  const partOf = labels['app.kubernetes.io/part-of'] ?? '';
  // The relay chain labels its pods `part-of: meshtrace-relay`: any `meshtrace-*` part is the kit's.
  return labels['app.kubernetes.io/managed-by'] === 'meshtrace' || partOf === 'meshtrace' || partOf.startsWith('meshtrace-');
}

export function exceptionReason(template: PodTemplate): string | undefined {
  const reason = template.annotations[EXCEPTION_ANNOTATION] ?? annotationsOf(template.owner)[EXCEPTION_ANNOTATION];
  return reason?.trim() ? reason.trim() : undefined;
}

type AddViolation = (level: Violation['level'], rule: string, field: string, message: string, fix: string) => void;

/** Host namespaces, volume types and sysctls of the pod spec at `p`. */
function podSpecViolations(spec: Obj, podSc: Obj, p: string, v: AddViolation): void {
  for (const ns of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[ns] === true)
      v('baseline', 'host-namespaces', `${p}.${ns}`, `${ns} is true: the pod shares the node's namespace`, `remove ${ns}`);
  }
  asArray(spec.volumes).forEach((vol, i) => {
    if (!isRecord(vol)) return;
    if (vol.hostPath !== undefined)
      v(
        'baseline',
        'host-path',
        `${p}.volumes[${i}].hostPath`,
        `volume "${String(vol.name)}" mounts a hostPath`,
        'use an emptyDir, configMap or persistentVolumeClaim',
      );
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (type && type !== 'hostPath' && !RESTRICTED_VOLUMES.has(type))
      v(
        'restricted',
        'volume-types',
        `${p}.volumes[${i}].${type}`,
        `volume type "${type}" is not allowed`,
        `use one of ${[...RESTRICTED_VOLUMES].join(', ')}`,
      );
  });
  asArray(podSc.sysctls).forEach((s, i) => {
    const name = isRecord(s) ? String(s.name) : '';
    if (!SAFE_SYSCTLS.has(name))
      v('baseline', 'sysctls', `${p}.securityContext.sysctls[${i}].name`, `sysctl "${name}" is not in the safe set`, 'remove the sysctl');
  });
}

/** SELinux options, seccomp and AppArmor profile types of a pod or container securityContext at `base`. */
function seLinuxAndSeccompViolations(sc: Obj, base: string, v: AddViolation): void {
  const se = sc.seLinuxOptions;
  if (isRecord(se)) {
    if (!SELINUX_TYPES.has(String(se.type ?? '')))
      v(
        'baseline',
        'selinux',
        `${base}.seLinuxOptions.type`,
        `SELinux type "${String(se.type)}" is not allowed`,
        'drop seLinuxOptions.type or use container_t',
      );
    for (const k of ['user', 'role'])
      if (se[k])
        v(
          'baseline',
          'selinux',
          `${base}.seLinuxOptions.${k}`,
          `SELinux ${k} must not be set (got "${String(se[k])}")`,
          `remove seLinuxOptions.${k}`,
        );
  }
  const seccomp = asString(isRecord(sc.seccompProfile) ? sc.seccompProfile.type : undefined);
  if (seccomp === 'Unconfined')
    v('baseline', 'seccomp', `${base}.seccompProfile.type`, 'seccompProfile.type is Unconfined', 'use RuntimeDefault');
  const apparmor = asString(isRecord(sc.appArmorProfile) ? sc.appArmorProfile.type : undefined);
  if (apparmor === 'Unconfined')
    v('baseline', 'apparmor', `${base}.appArmorProfile.type`, 'appArmorProfile.type is Unconfined', 'use RuntimeDefault');
}

/** AppArmor through the (pre-1.30) annotations: only runtime/default and localhost/* are baseline. */
function appArmorAnnotationViolations(t: PodTemplate, p: string, v: AddViolation): void {
  for (const [key, value] of Object.entries(t.annotations)) {
    if (
      key.startsWith('container.apparmor.security.beta.kubernetes.io/') &&
      value !== 'runtime/default' &&
      !value.startsWith('localhost/')
    ) {
      v(
        'baseline',
        'apparmor',
        `${p.replace(/\.spec$/, '')}.metadata.annotations.${key}`,
        `AppArmor profile "${value}" for container ${key.split('/').pop()}`,
        'use runtime/default',
      );
    }
  }
}

/** Baseline checks on one container's securityContext and ports. */
function containerBaselineViolations(c: ContainerRef, sc: Obj, base: string, who: string, v: AddViolation): void {
  if (sc.privileged === true)
    v('baseline', 'privileged', `${base}.privileged`, `${who} is privileged: it has full access to the node`, 'remove privileged: true');
  if (sc.procMount !== undefined && sc.procMount !== 'Default')
    v('baseline', 'proc-mount', `${base}.procMount`, `${who} sets procMount ${String(sc.procMount)}`, 'remove procMount');
  if (isRecord(sc.windowsOptions) && sc.windowsOptions.hostProcess === true)
    v('baseline', 'host-process', `${base}.windowsOptions.hostProcess`, `${who} is a Windows host process`, 'remove hostProcess');
  asArray(c.container.ports).forEach((port, i) => {
    if (isRecord(port) && typeof port.hostPort === 'number' && port.hostPort !== 0)
      v(
        'baseline',
        'host-ports',
        `${c.path}.ports[${i}].hostPort`,
        `${who} binds hostPort ${port.hostPort}`,
        'remove hostPort; use a Service (NodePort) instead',
      );
  });
  seLinuxAndSeccompViolations(sc, base, v);
}

/** Added capabilities (baseline set, restricted NET_BIND_SERVICE only) and the restricted drop of ALL. */
function capabilityViolations(sc: Obj, base: string, who: string, v: AddViolation): void {
  const caps = isRecord(sc.capabilities) ? sc.capabilities : {};
  const added = asArray(caps.add).map(String);
  added.forEach((cap, i) => {
    if (!BASELINE_CAPS.has(cap))
      v('baseline', 'capabilities', `${base}.capabilities.add[${i}]`, `${who} adds capability ${cap}`, 'remove it from capabilities.add');
    else if (cap !== 'NET_BIND_SERVICE')
      v(
        'restricted',
        'capabilities',
        `${base}.capabilities.add[${i}]`,
        `${who} adds capability ${cap}; restricted allows only NET_BIND_SERVICE`,
        'remove it from capabilities.add',
      );
  });
  if (!asArray(caps.drop).map(String).includes('ALL'))
    v(
      'restricted',
      'capabilities',
      `${base}.capabilities.drop`,
      `${who} does not drop ALL capabilities (the check is case-sensitive: "ALL")`,
      'set capabilities.drop: ["ALL"]',
    );
}

/** Restricted checks on one container: privilege escalation, non-root, UID and the effective seccomp profile. */
function containerRestrictedViolations(sc: Obj, base: string, who: string, podSc: Obj, v: AddViolation): void {
  const podNonRoot = podSc.runAsNonRoot;
  const podSeccomp = asString(isRecord(podSc.seccompProfile) ? podSc.seccompProfile.type : undefined);
  if (sc.allowPrivilegeEscalation !== false)
    v(
      'restricted',
      'allow-privilege-escalation',
      `${base}.allowPrivilegeEscalation`,
      `${who} does not set allowPrivilegeEscalation: false (got ${JSON.stringify(sc.allowPrivilegeEscalation ?? null)})`,
      'set allowPrivilegeEscalation: false',
    );
  if (sc.runAsNonRoot === false)
    v('restricted', 'run-as-non-root', `${base}.runAsNonRoot`, `${who} sets runAsNonRoot: false`, 'set runAsNonRoot: true');
  else if (sc.runAsNonRoot !== true && podNonRoot !== true)
    v(
      'restricted',
      'run-as-non-root',
      `${base}.runAsNonRoot`,
      `${who} may run as root: runAsNonRoot is set neither on the pod nor on the container`,
      'set securityContext.runAsNonRoot: true on the pod',
    );
  if (sc.runAsUser === 0) v('restricted', 'run-as-user', `${base}.runAsUser`, `${who} runs as UID 0`, 'set a non-zero runAsUser');
  const cSeccomp = asString(isRecord(sc.seccompProfile) ? sc.seccompProfile.type : undefined);
  const effective = cSeccomp ?? podSeccomp;
  if (effective !== 'RuntimeDefault' && effective !== 'Localhost')
    v(
      'restricted',
      'seccomp',
      `${base}.seccompProfile.type`,
      `${who} has no RuntimeDefault/Localhost seccomp profile (got ${JSON.stringify(effective ?? null)})`,
      'set securityContext.seccompProfile.type: RuntimeDefault on the pod',
    );
}

export function podSecurityViolations(t: PodTemplate): Violation[] {
  const out: Violation[] = [];
  const spec = t.spec;
  const p = t.specPath;
  const podSc = isRecord(spec.securityContext) ? spec.securityContext : {};
  const v: AddViolation = (level, rule, field, message, fix) => {
    out.push({ level, rule, field, message, fix });
  };

  // ---- baseline
  podSpecViolations(spec, podSc, p, v);
  seLinuxAndSeccompViolations(podSc, `${p}.securityContext`, v);
  appArmorAnnotationViolations(t, p, v);

  // ---- restricted, pod level
  if (podSc.runAsNonRoot === false)
    v('restricted', 'run-as-non-root', `${p}.securityContext.runAsNonRoot`, 'runAsNonRoot is false', 'set runAsNonRoot: true');
  if (podSc.runAsUser === 0)
    v('restricted', 'run-as-user', `${p}.securityContext.runAsUser`, 'runAsUser is 0 (root)', 'set a non-zero runAsUser');

  for (const c of containersOf(t)) {
    const sc = isRecord(c.container.securityContext) ? c.container.securityContext : {};
    const base = `${c.path}.securityContext`;
    const who = `container "${c.name}"`;
    containerBaselineViolations(c, sc, base, who, v);
    capabilityViolations(sc, base, who, v);
    containerRestrictedViolations(sc, base, who, podSc, v);
  }
  return out;
}

export function checkPodSecurity(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const t of ctx.templates) {
    const kit = isKitOwned(t);
    const reason = exceptionReason(t);
    for (const vio of podSecurityViolations(t)) {
      let severity: Finding['severity'];
      let suffix = '';
      if (vio.level === 'baseline') severity = 'error';
      else if (reason) {
        severity = 'info';
        suffix = ` (exception: ${reason})`;
      } else severity = kit ? 'error' : 'warning';
      out.push(
        findingFor(t.doc, {
          rule: `pod-security/${vio.rule}`,
          severity,
          field: vio.field,
          message: `${vio.message}: violates Pod Security "${vio.level}"${kit && vio.level === 'restricted' ? ' (required for kit-owned pods)' : ''}${suffix}`,
          fix:
            vio.level === 'restricted' && !kit && !reason
              ? `${vio.fix}, or annotate the pod template with ${EXCEPTION_ANNOTATION}: "<reason>"`
              : vio.fix,
          link: PSS_LINK,
        }),
      );
    }
    const rawReason = t.annotations[EXCEPTION_ANNOTATION] ?? annotationsOf(t.owner)[EXCEPTION_ANNOTATION];
    if (rawReason !== undefined && !reason) {
      out.push(
        findingFor(t.doc, {
          rule: 'pod-security/exception-reason',
          severity: 'error',
          field: `metadata.annotations.${EXCEPTION_ANNOTATION}`,
          message: 'pod-security exception has an empty reason',
          fix: 'write why the pod cannot run restricted (e.g. "image runs as root: FROM scratch, no USER")',
          link: PSS_LINK,
        }),
      );
    }
  }
  return out;
}
