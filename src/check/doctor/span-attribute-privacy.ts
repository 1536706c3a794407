/**
 * Part of MT012 (credentials-in-spans) for the sources the header rules do not cover: relay hops'
 * `--span-attribute key=value` flags and Istio customTags `literal` values. Either puts a fixed
 * string on every span; a credential, e-mail or card number there ends up in the trace store.
 * Uses the verifier's classifier, so check and `noSensitiveData` agree on what is sensitive.
 */
import type { Finding } from '../finding';
import type { CheckContext } from '../context';
import { classifySensitive } from '../../sensitive-data';
import { doctor, SENSITIVE_HEADER, telemetryTracing } from './helpers';
import { argFlagsOf, asString, containersOf, getPath, isRecord } from '../objects';

const HEADER_ATTRIBUTE = /^http\.(request|response)\.header\.(.+)$/;

/** Why a fixed span attribute is sensitive, or undefined. */
export function sensitiveAttribute(key: string, value: string): string | undefined {
  const header = HEADER_ATTRIBUTE.exec(key)?.[2];
  if (header && SENSITIVE_HEADER.test(header)) return `it names the ${header} header`;
  const found = classifySensitive(key, value)[0];
  return found
    ? `its value looks like ${found.what === 'credential' ? 'a credential' : found.what === 'email' ? 'an e-mail address' : 'a card number'} (${found.masked})`
    : undefined;
}

export function spanAttributePrivacyFindings(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const t of ctx.templates) {
    for (const c of containersOf(t, ['containers'])) {
      for (const flag of argFlagsOf(c.container).filter((a) => a.flag === '--span-attribute')) {
        const eq = flag.value.indexOf('=');
        if (eq <= 0) continue;
        const key = flag.value.slice(0, eq);
        const why = sensitiveAttribute(key, flag.value.slice(eq + 1));
        if (why)
          out.push(
            doctor(
              'MT012',
              t.doc,
              'error',
              `${c.path}.${flag.list}[${flag.index}]`,
              `relay span attribute "${key}" is written on every span of ${String(t.owner.kind)} ${String(getPath(t.owner, 'metadata.name'))}, and ${why}: it ends up in the trace store`,
              'remove the attribute (relay.hops[].spanAttributes), or put a non-secret identifier there',
            ),
          );
      }
    }
  }
  for (const tt of telemetryTracing(ctx)) {
    const tags = tt.entry.customTags;
    if (!isRecord(tags)) continue;
    for (const [tag, value] of Object.entries(tags)) {
      const literal = asString(getPath(value, 'literal.value'));
      if (literal === undefined) continue;
      const why = sensitiveAttribute(tag, literal);
      if (why)
        out.push(
          doctor(
            'MT012',
            tt.doc,
            'error',
            `${tt.field}.customTags.${tag}.literal.value`,
            `literal custom tag "${tag}" is written on every span, and ${why}: it ends up in the trace store`,
            'remove the tag or use a non-secret value',
          ),
        );
    }
  }
  return out;
}
