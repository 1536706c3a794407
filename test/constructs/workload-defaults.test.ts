import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { containerDefaults, cpu, finishWorkload, labeledService, memory, podDefaults } from '../../src/constructs/workload-defaults';

type Obj = Record<string, any>;

describe('workload defaults (deliberate cdk8s-plus overrides)', () => {
  const chart = Testing.chart();
  const dep = new kplus.Deployment(chart, 'D', {
    metadata: { name: 'demo' },
    replicas: 1,
    ...podDefaults({ user: 1234 }),
    containers: [
      {
        name: 'app',
        image: 'example/app:1.0',
        portNumber: 8080,
        ...containerDefaults({ resources: { cpuRequest: '10m', cpuLimit: '0.5', memoryRequest: '32Mi', memoryLimit: '1Gi' }, user: 1234 }),
      },
    ],
  });
  finishWorkload(dep, { app: 'demo' });
  labeledService(chart, 'S', { name: 'demo', selector: { app: 'demo' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  const [deployment, service] = Testing.synth(chart) as Obj[];

  test('Pod Security restricted at pod and container level, numeric UID/GID, no token', () => {
    const pod = deployment!.spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1234,
      runAsGroup: 1234,
      fsGroup: 1234,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1234,
      runAsGroup: 1234,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('IfNotPresent, requests AND limits exactly as given', () => {
    const c = deployment!.spec.template.spec.containers[0];
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '0.5', memory: '1024Mi' } });
  });

  test('selection by explicit labels; no generated address label anywhere; replicas as given', () => {
    expect(deployment!.spec.replicas).toBe(1);
    expect(deployment!.spec.selector).toEqual({ matchLabels: { app: 'demo' } });
    expect(deployment!.spec.template.metadata.labels).toEqual({ app: 'demo' });
    expect(JSON.stringify(deployment)).not.toContain('cdk8s.io/metadata.addr');
    expect(service!.spec).toMatchObject({
      type: 'ClusterIP',
      selector: { app: 'demo' },
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    });
  });

  test('quantity conversion', () => {
    expect(cpu('250m').amount).toBe('250m');
    expect(cpu('2').amount).toBe('2');
    expect(memory('1Gi').toMebibytes()).toBe(1024);
    expect(() => memory('1G')).toThrow(/not supported; allowed: a whole number of Mi or Gi/);
  });
});
