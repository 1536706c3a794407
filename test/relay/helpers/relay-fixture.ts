/**
 * The common setup of the relay's loopback tests: per test an echo upstream, an OTLP/HTTP JSON
 * receiver, and `relay()` to start hops that export to it; all of them closed after each test.
 */
import { afterEach, beforeEach } from '@jest/globals';
import { startRelay, type RelayOptions, type RunningRelay } from '../../../src/relay';
import { startJsonReceiver, type JsonReceiver } from './otlp-json-receiver';
import { startEchoUpstream, type EchoOptions, type TestUpstream } from './upstreams';

export interface RelayFixture {
  /** the echo upstream of the current test */
  readonly upstream: TestUpstream;
  /** the OTLP receiver of the current test */
  readonly receiver: JsonReceiver;
  /** Starts a hop exporting OTLP/JSON to `receiver` every 20 ms (closed after the test). */
  relay(options: RelayOptions): Promise<RunningRelay>;
}

/** Registers the per-test setup and teardown; call it in a `describe` body. */
export function useRelayFixture(echo: EchoOptions = {}): RelayFixture {
  const relays: RunningRelay[] = [];
  let upstream: TestUpstream | undefined;
  let receiver: JsonReceiver | undefined;
  beforeEach(async () => {
    upstream = await startEchoUpstream(echo);
    receiver = await startJsonReceiver();
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.close()));
    await upstream?.close();
    await receiver?.close();
  });
  return {
    get upstream() {
      return upstream!;
    },
    get receiver() {
      return receiver!;
    },
    async relay(options) {
      const r = await startRelay({ otlpEndpoint: receiver!.url, otlpProtocol: 'http/json', spanFlushIntervalMs: 20, ...options });
      relays.push(r);
      return r;
    },
  };
}
