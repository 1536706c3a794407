/**
 * Cross-check with the upstream W3C Trace Context harness (Python), outside `npm test`:
 *
 *   harness ──► ingress relay ──► test app ──(one call per callback)──► egress relay ──► harness
 *
 * The test app is the "service under test" the suite's protocol asks for: it reads the callback
 * list from the body and makes each callback through the egress relay, carrying the trace headers
 * it received (as an app that forwards context does). So the suite judges two real relay hops.
 *
 *   npx tsx scripts/w3c-upstream-suite.ts --suite PATH/TO/trace-context/test [--python python3] [--harness-port 7777]
 *
 * Needs a checkout of w3c/trace-context and Python 3 with aiohttp (Debian: `apt-get install
 * python3-aiohttp`, then `--python /usr/bin/python3`). Exits with the harness's exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startRelay } from '../src/relay/index';

function option(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) {
    console.error(`--${name} is required (see the header of scripts/w3c-upstream-suite.ts)`);
    process.exit(2);
  }
  return value;
}

const suiteDir = option('suite');
const python = option('python', 'python3');
const harnessPort = Number(option('harness-port', '7777'));
if (!existsSync(join(suiteDir, 'test.py'))) {
  console.error(
    `--suite: invalid value ${JSON.stringify(suiteDir)}; expected the test/ folder of a w3c/trace-context checkout (holding test.py)`,
  );
  process.exit(2);
}
if (!Number.isInteger(harnessPort) || harnessPort < 1 || harnessPort > 65535) {
  console.error(`--harness-port: invalid value ${JSON.stringify(harnessPort)}; expected a port 1..65535`);
  process.exit(2);
}

/** POSTs `body` to `url` with `headers`; resolves when the response has ended. */
function post(url: URL, headers: Record<string, string>, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const egress = await startRelay({ listen: '127.0.0.1:0', upstreams: [`http://127.0.0.1:${harnessPort}`], serviceName: 'w3c-egress' });
const app = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', async () => {
    // The context this app forwards: the trace headers the ingress relay sent it, unchanged.
    const trace: Record<string, string> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (name === 'traceparent' || name === 'tracestate')
        trace[name] = trace[name] ? `${trace[name]},${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1];
    }
    try {
      for (const item of JSON.parse(body || '[]') as Array<{ url: string; arguments: unknown }>) {
        await post(new URL(new URL(item.url).pathname, egress.url), trace, JSON.stringify(item.arguments));
      }
      res.end('ok');
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
});
await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
const ingress = await startRelay({ listen: '127.0.0.1:0', upstreams: [appUrl], serviceName: 'w3c-ingress' });

console.log(`ingress relay ${ingress.url} → test app ${appUrl} → egress relay ${egress.url} → harness 127.0.0.1:${harnessPort}`);
const code = await new Promise<number>((resolve) => {
  const child = spawn(python, ['test.py', `${ingress.url}/test`], {
    cwd: suiteDir,
    stdio: 'inherit',
    env: { ...process.env, SPEC_LEVEL: '2', STRICT_LEVEL: '2', HARNESS_PORT: String(harnessPort) },
  });
  child.on('error', (err) => {
    console.error(`could not run ${python}: ${err.message}`);
    resolve(2);
  });
  child.on('exit', (c) => resolve(c ?? 2));
});
await Promise.all([ingress.close(), egress.close()]);
app.closeAllConnections();
app.close();
process.exit(code);
