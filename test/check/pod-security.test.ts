import { checkPodSecurity, podSecurityViolations, EXCEPTION_ANNOTATION } from '../../src/check/pod-security';
import { buildContext } from '../../src/check/context';
import { podTemplateOf } from '../../src/check/objects';
import type { ManifestDoc } from '../../src/check';

const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
const RESTRICTED_POD = { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } };

function workload(
  opts: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    podSc?: unknown;
    sc?: unknown;
    extra?: Record<string, unknown>;
  } = {},
): ManifestDoc {
  return {
    file: 'w.yaml',
    index: 0,
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'w', namespace: 'ns', labels: opts.labels ?? {} },
      spec: {
        selector: { matchLabels: { app: 'w' } },
        template: {
          metadata: { labels: { app: 'w', ...(opts.labels ?? {}) }, annotations: opts.annotations ?? {} },
          spec: {
            securityContext: opts.podSc ?? RESTRICTED_POD,
            containers: [{ name: 'c', image: 'i:1', securityContext: opts.sc ?? RESTRICTED_CONTAINER }],
            ...(opts.extra ?? {}),
          },
        },
      },
    },
  };
}

const KIT = { 'app.kubernetes.io/part-of': 'meshtrace' };
const run = (d: ManifestDoc) => checkPodSecurity(buildContext([d], []));

describe('pod security', () => {
  test('a restricted kit-owned pod passes', () => {
    expect(run(workload({ labels: KIT }))).toEqual([]);
  });

  test('pod-level runAsNonRoot and seccomp cover every container (as PSA does)', () => {
    const t = podTemplateOf(workload({ sc: RESTRICTED_CONTAINER }))!;
    expect(podSecurityViolations(t)).toEqual([]);
  });

  test('each restricted rule is an error for kit-owned pods', () => {
    // GIVEN a kit-owned pod with nothing hardened
    const findings = run(workload({ labels: KIT, podSc: {}, sc: {} }));
    // THEN one error per restricted rule, each at the container field
    expect(findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
      ['pod-security/capabilities', 'error', 'spec.template.spec.containers[0].securityContext.capabilities.drop'],
      ['pod-security/allow-privilege-escalation', 'error', 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation'],
      ['pod-security/run-as-non-root', 'error', 'spec.template.spec.containers[0].securityContext.runAsNonRoot'],
      ['pod-security/seccomp', 'error', 'spec.template.spec.containers[0].securityContext.seccompProfile.type'],
    ]);
  });

  test('lower-case "all" does not count as dropping ALL (the check is case-sensitive)', () => {
    const findings = run(workload({ labels: KIT, sc: { allowPrivilegeEscalation: false, capabilities: { drop: ['all'] } } }));
    expect(findings.map((f) => f.rule)).toEqual(['pod-security/capabilities']);
  });

  test('third-party pods: restricted gaps are warnings, baseline violations errors', () => {
    const findings = run(
      workload({ podSc: {}, sc: { privileged: true }, extra: { hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/var' } }] } }),
    );
    const errors = findings.filter((f) => f.severity === 'error').map((f) => f.rule);
    expect(errors).toEqual(['pod-security/host-namespaces', 'pod-security/host-path', 'pod-security/privileged']);
    expect(findings.filter((f) => f.severity === 'warning').length).toBeGreaterThan(0);
  });

  test('an exception annotation turns restricted gaps into info with the reason, baseline still errors', () => {
    const reason = 'image runs as root: FROM scratch, no USER';
    const findings = run(
      workload({ labels: KIT, annotations: { [EXCEPTION_ANNOTATION]: reason }, podSc: {}, sc: { capabilities: { add: ['SYS_ADMIN'] } } }),
    );
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.rule)).toEqual(['pod-security/capabilities']);
    const info = findings.filter((f) => f.severity === 'info');
    expect(info.length).toBeGreaterThan(0);
    expect(info.every((f) => f.message.includes(reason))).toBe(true);
  });

  test('an exception without a reason is an error', () => {
    const findings = run(workload({ annotations: { [EXCEPTION_ANNOTATION]: ' ' } }));
    expect(findings.map((f) => f.rule)).toEqual(['pod-security/exception-reason']);
  });

  test('runAsUser 0 and hostPort are caught', () => {
    const d = workload({ labels: KIT, podSc: { ...RESTRICTED_POD, runAsUser: 0 } });
    (d.object.spec as any).template.spec.containers[0].ports = [{ containerPort: 80, hostPort: 80 }];
    expect(
      run(d)
        .map((f) => f.rule)
        .sort(),
    ).toEqual(['pod-security/host-ports', 'pod-security/run-as-user']);
  });

  test('an unconfined AppArmor annotation is a baseline error', () => {
    const findings = run(workload({ labels: KIT, annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' } }));
    expect(findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
      ['pod-security/apparmor', 'error', 'spec.template.metadata.annotations.container.apparmor.security.beta.kubernetes.io/c'],
    ]);
  });
});
