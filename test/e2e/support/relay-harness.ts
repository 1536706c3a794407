/**
 * Plays the W3C suite's harness against a live relay over real HTTP on loopback: sends a vector's
 * exact inbound header lines (order, casing, duplicates, OWS kept) on a raw socket, and records,
 * with capture servers standing in for the suite's callback endpoints, the headers the relay sent
 * upstream.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { HeaderPairs } from './w3c-suite';

/** An upstream that records the raw headers of every request and answers 200. */
export interface CaptureServer {
  readonly url: string;
  /** Requests received, oldest first, as raw header pairs. */
  readonly received: HeaderPairs[];
  close(): Promise<void>;
}

function pairs(raw: readonly string[]): HeaderPairs {
  const out: HeaderPairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const received: HeaderPairs[] = [];
  const server: Server = createServer((req, res) => {
    received.push(pairs(req.rawHeaders));
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends `POST /` with exactly these header lines (plus Host, Content-Length and
 * `Connection: close`) on a fresh socket; resolves to the response status.
 * The body mimics the suite's callback list; the relay forwards it unchanged.
 */
export function sendRawRequest(baseUrl: string, headers: HeaderPairs, timeoutMs = 10_000): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  const body = '[]';
  let head = `POST / HTTP/1.1\r\nHost: ${hostname}:${port}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  head += `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let response = '';
    const timer = setTimeout(() => socket.destroy(new Error(`no response from ${baseUrl} within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(head + body));
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(response);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`malformed response from ${baseUrl}: ${JSON.stringify(response.slice(0, 200))}`));
    });
  });
}
