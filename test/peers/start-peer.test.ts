/**
 * startPeerOnFreePorts (test/support/peers.ts), which every real-program suite starts its programs
 * with: a port taken between freePorts and the program's bind starts the program again on fresh
 * ports; any other failure is the test's to see.
 */
import { createServer, type Server } from 'node:net';
import { startPeerOnFreePorts, type PeerProcess } from '../support/peers';

/** A program that binds its port as the real ones do, and exits with Node's EADDRINUSE when it cannot. */
const listener = (port: number) => `require('node:http').createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1')`;

describe('startPeerOnFreePorts', () => {
  let squatter: Server | undefined;
  let peer: PeerProcess | undefined;
  afterEach(async () => {
    await peer?.stop();
    if (squatter) await new Promise((r) => squatter!.close(r));
    peer = squatter = undefined;
  });

  test('a port taken before the program binds it: started again on fresh ports, and the ports returned are the ones it runs on', async () => {
    // GIVEN the first ports handed out are taken by someone else before the program starts
    const attempts: number[][] = [];
    const started = await startPeerOnFreePorts(1, async ([port]) => {
      attempts.push([port!]);
      if (attempts.length === 1) {
        squatter = createServer((socket) => socket.destroy());
        await new Promise<void>((resolve) => squatter!.listen(port, '127.0.0.1', resolve));
      }
      return { name: 'listener', program: process.execPath, args: ['-e', listener(port!)], healthUrl: `http://127.0.0.1:${port}/` };
    });
    peer = started.peer;
    // THEN it took a second start, on another port, and that one answers
    expect(attempts.length).toBe(2);
    expect(started.ports).toEqual(attempts[1]);
    expect(started.ports[0]).not.toBe(attempts[0]![0]);
    expect(await (await fetch(`http://127.0.0.1:${started.ports[0]}/`)).text()).toBe('ok');
  });

  test('a program that fails for another reason is not started again: its error and log come through', async () => {
    let calls = 0;
    const start = startPeerOnFreePorts(1, ([port]) => {
      calls += 1;
      return {
        name: 'broken',
        program: process.execPath,
        args: ['-e', 'console.error("bad config"); process.exit(3)'],
        healthUrl: `http://127.0.0.1:${port}/`,
      };
    });
    await expect(start).rejects.toThrow(/broken .* ended before it was ready \(exit code 3\)[^]*bad config/);
    expect(calls).toBe(1);
  });
});
