import { createServer, type Server } from 'node:net';
import { allocatePorts, startTopology } from '../../src/demo/start-topology';
import { isProcessAlive, ProcessSupervisor } from '../../src/demo/supervisor';
import { buildTopology } from '../../src/demo/topology';
import { startOtlpReceiver } from '../../src/verify/sources/otlp-receiver';

async function expectAllGone(pids: readonly number[], withinMs = 3000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (pids.some(isProcessAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(pids.filter(isProcessAlive)).toEqual([]);
}

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

describe('allocatePorts', () => {
  test('returns distinct free loopback ports', async () => {
    const ports = await allocatePorts('127.0.0.1', 5);
    expect(new Set(ports).size).toBe(5);
    // each can be bound right away
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
      await new Promise((r) => server.close(r));
    }
  });
});

describe('startTopology (real relay processes)', () => {
  test('a port taken between probe and bind: the start is retried on fresh ports and the topology works', async () => {
    // GIVEN a port source whose first answer includes a port someone else holds
    const squatter = await listen();
    let calls = 0;
    const allocate = async (host: string, count: number): Promise<number[]> => {
      calls += 1;
      const fresh = await allocatePorts(host, count);
      return calls === 1 ? [squatter.port, ...fresh.slice(1)] : fresh;
    };
    const receiver = await startOtlpReceiver({ port: 0 });
    const supervisor = new ProcessSupervisor();
    try {
      // WHEN the topology starts
      const hops = await startTopology(buildTopology(), supervisor, { otlpEndpoint: receiver.url, allocate, readyTimeoutMs: 30_000 });
      // THEN it took a second allocation, every hop is up on its own port, and a request crosses all five
      expect(calls).toBe(2);
      expect(new Set(Object.values(hops).map((h) => h.url)).size).toBe(5);
      expect(Object.values(hops).some((h) => h.url.endsWith(`:${squatter.port}`))).toBe(false);
      const response = await fetch(`${hops.edge.url}/productpage`);
      expect(response.status).toBe(200);
      // the first attempt's processes are gone already; only the second set runs
      const running = supervisor.pids.filter(isProcessAlive);
      expect(running.sort()).toEqual(
        Object.values(hops)
          .map((h) => h.pid)
          .sort(),
      );
      expect(supervisor.pids.length).toBeGreaterThan(5);
    } finally {
      await supervisor.stopAll();
      await receiver.close();
      await new Promise((r) => squatter.server.close(r));
    }
    await expectAllGone(supervisor.pids);
  }, 90_000);
});
