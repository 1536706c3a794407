import { formatSize, parseSizeBytes } from '../../src/verify/size';
import { receiverLimits } from '../../src/cli/receiver-limits';
import { RECEIVER_DEFAULTS } from '../../src/verify/sources/otlp-receiver';

describe('sizes in flags', () => {
  test.each([
    ['4096', 4096],
    ['4096B', 4096],
    ['512KiB', 512 * 1024],
    ['20MiB', 20 * 1024 * 1024],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['20MB', 20_000_000],
    [' 64 mib ', 64 * 1024 * 1024],
  ])('%j is %d bytes', (text, bytes) => {
    expect(parseSizeBytes(text)).toBe(bytes);
  });

  test.each(['', 'MiB', '20 furlongs', '-1MiB', '1e6'])('%j is not a size', (text) => {
    expect(parseSizeBytes(text)).toBeUndefined();
  });

  test('formatSize picks the largest binary unit', () => {
    expect(formatSize(RECEIVER_DEFAULTS.maxBodyBytes)).toBe('20 MiB');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(100)).toBe('100 B');
  });

  test('receiver flags become receiver options; absent flags keep the defaults', () => {
    expect(receiverLimits({ otlpMaxBody: '1MiB', otlpMaxInflight: '4MiB', otlpMaxSpans: '10', otlpMaxStored: '2MiB' })).toEqual({
      maxBodyBytes: 1024 ** 2,
      maxInflightBytes: 4 * 1024 ** 2,
      maxSpans: 10,
      maxStoredBytes: 2 * 1024 ** 2,
    });
    expect(receiverLimits({})).toEqual({});
  });

  test('--otlp-body-timeout takes a duration; zero or a bare word is refused naming the flag and the forms', () => {
    expect(receiverLimits({ otlpBodyTimeout: '30s' })).toEqual({ bodyIdleTimeoutMs: 30_000 });
    expect(receiverLimits({ otlpBodyTimeout: '250ms' })).toEqual({ bodyIdleTimeoutMs: 250 });
    expect(() => receiverLimits({ otlpBodyTimeout: '0s' })).toThrow(
      /--otlp-body-timeout: invalid duration "0s"; use a number with a unit: 500ms, 30s/,
    );
    expect(() => receiverLimits({ otlpBodyTimeout: 'soon' })).toThrow(/--otlp-body-timeout: invalid duration "soon"/);
  });
});
