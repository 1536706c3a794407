import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { isProcessAlive, ProcessStartError, ProcessSupervisor } from '../../src/demo/supervisor';

const node = process.execPath;

/** Waits until none of the pids exists any more (a killed process may need a moment to be reaped). */
async function expectAllGone(pids: number[], withinMs = 3000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (pids.some(isProcessAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(pids.filter(isProcessAlive)).toEqual([]);
}

describe('ProcessSupervisor', () => {
  test('starts children, returns the ready line match, and stops every child and grandchild', async () => {
    // GIVEN a supervisor and two children, the second of which starts a grandchild
    const supervisor = new ProcessSupervisor({ killGraceMs: 1000 });
    try {
      const a = await supervisor.start({
        name: 'a',
        command: node,
        args: ['-e', "console.log('listening on http://127.0.0.1:1234'); setInterval(() => {}, 1000)"],
        readyPattern: /listening on (\S+)/,
      });
      const b = await supervisor.start({
        name: 'b',
        command: node,
        args: [
          '-e',
          "const g = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.error('ready ' + g.pid); setInterval(() => {}, 1000)",
        ],
        readyPattern: /^ready (\d+)/,
      });
      const grandchild = Number(b.ready[1]);
      // THEN the ready lines were read (from stdout and from stderr) and all three processes run
      expect(a.ready[1]).toBe('http://127.0.0.1:1234');
      expect([a.pid, b.pid, grandchild].every(isProcessAlive)).toBe(true);
      expect(supervisor.pids).toEqual([a.pid, b.pid]);
      // WHEN the group is stopped
      await supervisor.stopAll();
      // THEN no process is left, grandchild included
      await expectAllGone([a.pid, b.pid, grandchild]);
    } finally {
      await supervisor.stopAll();
    }
  });

  test('a child that ignores SIGTERM is killed after the grace period', async () => {
    // GIVEN a child that ignores SIGTERM
    const supervisor = new ProcessSupervisor({ killGraceMs: 300 });
    const c = await supervisor.start({
      name: 'stubborn',
      command: node,
      args: ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
      readyPattern: /^ready/,
    });
    // WHEN stopped THEN it is gone anyway
    await supervisor.stopAll();
    await expectAllGone([c.pid]);
  });

  test('a child that exits before its ready line fails with its output', async () => {
    // GIVEN a child that prints an error and exits 3
    const supervisor = new ProcessSupervisor();
    try {
      // WHEN started THEN the error names the child, the exit code and carries its last lines
      const started = supervisor.start({
        name: 'broken',
        command: node,
        args: ['-e', "console.error('bad flag --x'); process.exit(3)"],
        readyPattern: /^ready/,
      });
      await expect(started).rejects.toThrow(ProcessStartError);
      await expect(started).rejects.toThrow('broken exited (code 3) before it was ready');
      const err = (await started.catch((e: unknown) => e)) as ProcessStartError;
      expect(err.recentOutput).toContain('bad flag --x');
    } finally {
      await supervisor.stopAll();
    }
  });

  test("a child's last words that reach the pipe after its 'exit' are in the error", async () => {
    // GIVEN a child whose reason to stop is written 200 ms after it exited (by a grandchild holding its
    // stderr: the order a loaded machine can show for any child, whose 'exit' may come before its output)
    const supervisor = new ProcessSupervisor();
    try {
      const started = supervisor.start({
        name: 'squatted',
        command: node,
        args: [
          '-e',
          "require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => console.error(\"bind: Address already in use\"), 200)'], { stdio: 'inherit' }); process.exit(1)",
        ],
        readyPattern: /^ready$/,
      });
      // WHEN it fails THEN the error carries those words (the start waits for the pipes to close)
      const err = (await started.catch((e: unknown) => e)) as ProcessStartError;
      expect([err.message, err.recentOutput]).toEqual(['squatted exited (code 1) before it was ready', ['bind: Address already in use']]);
    } finally {
      await supervisor.stopAll();
    }
  });

  test('a child that exits while a grandchild keeps its output open fails without waiting for it, and the grandchild is stopped', async () => {
    const supervisor = new ProcessSupervisor();
    try {
      const started = supervisor.start({
        name: 'parent-of-sleeper',
        command: node,
        args: [
          '-e',
          "const g = require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'inherit' }); console.error('grandchild ' + g.pid); process.exit(4)",
        ],
        readyPattern: /^ready$/,
      });
      const err = (await started.catch((e: unknown) => e)) as ProcessStartError;
      expect(err.message).toBe('parent-of-sleeper exited (code 4) before it was ready');
      const grandchild = Number(/^grandchild (\d+)$/m.exec(err.recentOutput.join('\n'))?.[1]);
      expect(grandchild).toBeGreaterThan(0);
      await expectAllGone([grandchild]);
    } finally {
      await supervisor.stopAll();
    }
  });

  test('a child that never becomes ready fails at the deadline and is killed', async () => {
    // GIVEN a child that runs but never prints the ready line
    const supervisor = new ProcessSupervisor();
    try {
      const started = supervisor.start({
        name: 'silent',
        command: node,
        args: ['-e', 'setInterval(() => {}, 1000)'],
        readyPattern: /^ready/,
        readyTimeoutMs: 500,
      });
      // WHEN the deadline passes THEN start rejects and the child is gone
      await expect(started).rejects.toThrow('silent did not print its ready line within 500 ms');
      await expectAllGone(supervisor.pids);
    } finally {
      await supervisor.stopAll();
    }
  });

  test('a command that does not exist fails with a clear error', async () => {
    const supervisor = new ProcessSupervisor();
    try {
      await expect(
        supervisor.start({ name: 'ghost', command: '/nonexistent/bin/relay', args: [], readyPattern: /^ready/ }),
      ).rejects.toThrow(/ghost could not be started \(\/nonexistent\/bin\/relay\): .*ENOENT/);
    } finally {
      await supervisor.stopAll();
    }
  });

  test('SIGINT to the supervising process stops every child it started', async () => {
    // GIVEN a process supervising two children and a grandchild
    const fixture = join(REPO_ROOT, 'test', 'demo', 'fixtures', 'supervise-and-wait.ts');
    const parent = spawn(node, ['--import', 'tsx', fixture], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: parent.stdout! })[Symbol.asyncIterator]();
      const first = await lines.next();
      const { pids } = JSON.parse(String(first.value)) as { pids: number[] };
      expect(pids.every(isProcessAlive)).toBe(true);
      // WHEN it gets SIGINT (Ctrl-C)
      parent.kill('SIGINT');
      const [code] = await once(parent, 'exit');
      // THEN it stopped its children before exiting with "could not check"
      expect(code).toBe(2);
      await expectAllGone(pids);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('a demo hop whose demo was SIGKILLed', () => {
  test('notices the demo is gone and stops by itself', async () => {
    // GIVEN a process that started a hop through the demo's hop entry
    const fixture = join(REPO_ROOT, 'test', 'demo', 'fixtures', 'start-hop-and-wait.ts');
    const parent = spawn(node, ['--import', 'tsx', fixture], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: parent.stdout! })[Symbol.asyncIterator]();
      const { pid } = JSON.parse(String((await lines.next()).value)) as { pid: number };
      expect(isProcessAlive(pid)).toBe(true);
      // WHEN the demo process is killed without any chance to clean up
      parent.kill('SIGKILL');
      await once(parent, 'exit');
      // THEN the hop stops within a few seconds on its own
      await expectAllGone([pid], 8000);
    } finally {
      parent.kill('SIGKILL');
    }
  }, 60_000);
});
