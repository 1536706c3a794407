/**
 * A real Kubernetes control plane without nodes, for suites that need the API server's own
 * answers: etcd, kube-apiserver and kube-controller-manager (from `npm run peers -- kube`) as plain
 * processes on loopback, on free ports, with a temporary data folder and certificates made for the
 * run (openssl). Pods the controller manager creates stay Pending (no nodes), but admission
 * (PodSecurity included) judges every one of them. Start it once per jest file: it costs ~10–30 s.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { peerPath, peerTempDir, startPeer, startPeerOnFreePorts, stopPeers, waitFor, type PeerProcess } from './peers';

export interface ControlPlane {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** A kubeconfig with one context, `context`, as the admin (group system:masters). */
  readonly kubeconfig: string;
  readonly context: string;
  /** The same, loaded for @kubernetes/client-node. */
  readonly config: KubeConfig;
  /** Folder holding the control plane's certificates, data and logs. */
  readonly dir: string;
  readonly peers: readonly PeerProcess[];
  /** GET/POST/… against the API server as the admin; `body` is JSON. */
  api(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, the API server's serving certificate (127.0.0.1, localhost), an admin client certificate and a service-account key pair. */
function makeCertificates(dir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=meshtrace-test-ca']);
  const leaf = (name: string, subject: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ]);
  };
  leaf('apiserver', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('admin', '/O=system:masters/CN=meshtrace-test-admin', 'extendedKeyUsage=clientAuth\n');
  openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key']);
  openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function writeKubeconfig(dir: string, server: string, context: string): string {
  const b64 = (f: string) => readFileSync(join(dir, f)).toString('base64');
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: context, cluster: { server, 'certificate-authority-data': b64('ca.crt') } }],
      users: [{ name: 'admin', user: { 'client-certificate-data': b64('admin.crt'), 'client-key-data': b64('admin.key') } }],
      contexts: [{ name: context, context: { cluster: context, user: 'admin' } }],
      'current-context': context,
    }),
  );
  return path;
}

/** The controllers the suites need: workloads into pods, namespaces deleted (with what holds them), default service accounts (pods need one to be admitted). */
const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'garbage-collector-controller',
  // a PersistentVolumeClaim keeps its namespace from going away until this one drops its finalizer
  'persistentvolumeclaim-protection-controller',
];

export async function startControlPlane(options: { readonly context?: string } = {}): Promise<ControlPlane> {
  const context = options.context ?? 'kind-meshtrace';
  const dir = join(peerTempDir(), `kube-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  makeCertificates(dir);
  // Set by the API server's start, on the port it got (a port taken meanwhile: a start on fresh ones).
  let server = '';
  let kubeconfig = '';
  const ca = readFileSync(join(dir, 'ca.crt'));
  const cert = readFileSync(join(dir, 'admin.crt'));
  const key = readFileSync(join(dir, 'admin.key'));

  const api: ControlPlane['api'] = (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = httpsRequest(
        `${server}${path}`,
        { method, ca, cert, key, timeout: 30_000, headers: payload === undefined ? {} : { 'content-type': contentType } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // /readyz and friends answer plain text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
      req.on('error', reject);
      req.end(payload);
    });

  const peers: PeerProcess[] = [];
  try {
    const etcd = await startPeerOnFreePorts(2, ([client, peer]) => ({
      name: 'etcd',
      program: peerPath('etcd'),
      args: [
        // a data folder per attempt: a failed start's data is no cluster of this one
        `--data-dir=${join(dir, `etcd-${client}`)}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=default=http://127.0.0.1:${peer}`,
        // a test's data is thrown away: no fsync wait on a shared disk
        '--unsafe-no-fsync',
      ],
      healthUrl: `http://127.0.0.1:${client}/health`,
    }));
    peers.push(etcd.peer);
    const etcdClient = etcd.ports[0]!;
    const apiServer = await startPeerOnFreePorts(1, ([apiPort]) => {
      server = `https://127.0.0.1:${apiPort}`;
      kubeconfig = writeKubeconfig(dir, server, context);
      return {
        name: 'kube-apiserver',
        program: peerPath('kube-apiserver'),
        args: [
          `--etcd-servers=http://127.0.0.1:${etcdClient}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--tls-cert-file=${join(dir, 'apiserver.crt')}`,
          `--tls-private-key-file=${join(dir, 'apiserver.key')}`,
          `--client-ca-file=${join(dir, 'ca.crt')}`,
          `--cert-dir=${join(dir, 'apiserver-certs')}`,
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${join(dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
          '--service-cluster-ip-range=10.96.0.0/16',
          '--authorization-mode=Node,RBAC',
          // PodSecurity is on by default; named here so the suite's claim does not rest on a default
          '--enable-admission-plugins=PodSecurity',
          // as kubeadm (and so kind) sets it: a privileged pod is judged by PodSecurity, not refused by validation first
          '--allow-privileged=true',
          // no nodes, and the loopback address may not be an Endpoints address
          '--endpoint-reconciler-type=none',
          '--profiling=false',
        ],
        ready: async () => (await api('GET', '/readyz').catch(() => ({ status: 0 }))).status === 200,
        startTimeoutMs: 120_000,
      };
    });
    peers.push(apiServer.peer);
    peers.push(
      await startPeer({
        name: 'kube-controller-manager',
        program: peerPath('kube-controller-manager'),
        args: [
          `--kubeconfig=${kubeconfig}`,
          '--bind-address=127.0.0.1',
          // no serving port: readiness is the default ServiceAccount it creates (below)
          '--secure-port=0',
          '--leader-elect=false',
          `--controllers=${CONTROLLERS.join(',')}`,
          `--service-account-private-key-file=${join(dir, 'sa.key')}`,
          `--root-ca-file=${join(dir, 'ca.crt')}`,
          '--profiling=false',
        ],
        ready: async () =>
          (await api('GET', '/api/v1/namespaces/default/serviceaccounts/default').catch(() => ({ status: 0 }))).status === 200,
        startTimeoutMs: 120_000,
      }),
    );
  } catch (err) {
    await stopPeers(peers);
    throw err;
  }
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  return { server, kubeconfig, context, config, dir, peers, api, stop: () => stopPeers(peers) };
}

/** Polls until `path` answers 404 (an object deleted, a namespace finalized). */
export async function waitGone(cp: ControlPlane, path: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(`${path} to be gone`, async () => ((await cp.api('GET', path)).status === 404 ? true : undefined), timeoutMs, 250);
}
