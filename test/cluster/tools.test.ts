import { detectTools, missingTools, parseToolVersion, sameRelease } from '../../src/cluster/tools';
import { RecordingRunner, ok, toolsInstalled } from './support/fake-runner';

describe('parseToolVersion', () => {
  test.each([
    ['kind', 'kind v0.32.0 go1.25.1 linux/amd64\n', 'v0.32.0'],
    ['helm', 'v3.19.0+g3d8990f\n', 'v3.19.0'],
    ['istioctl', '1.30.3\n', '1.30.3'],
    ['docker', '28.2.2\n', '28.2.2'],
    ['kubectl', '{"clientVersion":{"gitVersion":"v1.36.1","major":"1"}}', 'v1.36.1'],
    ['kubectl', 'Client Version: v1.32.4-dispatcher\n', 'v1.32.4-dispatcher'],
  ] as const)('%s prints %j → %s', (tool, out, want) => {
    expect(parseToolVersion(tool, out)).toBe(want);
  });

  test('no version in the output gives undefined', () => {
    expect(parseToolVersion('kind', 'garbage')).toBeUndefined();
  });
});

describe('detectTools', () => {
  test('reports versions, absent binaries and a Docker client whose daemon is down', async () => {
    // GIVEN kind and kubectl installed, helm and istioctl absent, docker client without daemon
    const runner = new RecordingRunner()
      .on('kind version', ok('kind v0.31.0 go1.24 linux/amd64'))
      .on('kubectl version', ok('{"clientVersion":{"gitVersion":"v1.35.0"}}'))
      .on('docker version', {
        exitCode: 1,
        stdout: '',
        stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
      });
    // WHEN the tools are probed
    const tools = await detectTools(runner);
    // THEN each is reported as it is
    expect(tools.kind).toEqual({ found: true, version: 'v0.31.0' });
    expect(tools.helm).toEqual({ found: false });
    expect(tools.docker.problem).toBe(
      'the Docker daemon is not reachable (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?)',
    );
    // AND every probe has a timeout so a hung tool cannot hang the CLI
    expect(runner.calls.every((c) => (c.options?.timeoutMs ?? 0) > 0)).toBe(true);
  });

  test('missingTools names each missing tool with how to install it', async () => {
    const runner = new RecordingRunner()
      .on('kind version', ok('kind v0.32.0'))
      .on('docker version', { exitCode: 1, stdout: '', stderr: 'Cannot connect to the Docker daemon' });
    const missing = missingTools(await detectTools(runner), ['docker', 'kind', 'kubectl', 'helm']);
    expect(missing).toHaveLength(3);
    expect(missing[0]).toMatch(/^docker: the Docker daemon is not reachable .* — Docker Engine or Docker Desktop, running/);
    expect(missing[1]).toMatch(/^kubectl is not installed — install kubectl v1\.36: https:\/\/kubernetes\.io\/docs\/tasks\/tools\//);
    expect(missing[2]).toMatch(/^helm is not installed — install Helm 3\.9 or newer: https:\/\/helm\.sh\/docs\/intro\/install\//);
  });

  test('all tools present: nothing missing', async () => {
    const tools = await detectTools(toolsInstalled(new RecordingRunner()));
    expect(missingTools(tools, ['docker', 'kind', 'kubectl', 'helm'])).toEqual([]);
  });
});

test('sameRelease ignores a leading v only', () => {
  expect(sameRelease('v1.30.3', '1.30.3')).toBe(true);
  expect(sameRelease('1.30.30', '1.30.3')).toBe(false);
  expect(sameRelease(undefined, '1.30.3')).toBe(false);
});
