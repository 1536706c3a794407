/**
 * The shapes of Jaeger query API answers, as zod schemas: what the sources read from `/api/v3/*`
 * (OTLP/JSON in `{"result": …}`, proto3 JSON: 64-bit numbers as decimal strings, enums as numbers or
 * names, every default-valued field left out) and from the UI API `/api/*` (`{"data": …, "errors": …}`).
 * Objects are loose: fields Jaeger adds in a later version pass through. An answer that does not
 * fit is a JaegerResponseError naming the field path, the value found and what is allowed, so a
 * wrong `--jaeger-url` (another service answering JSON) or a broken proxy is told apart from
 * "no trace yet". Attribute values are checked one level deep; the OTLP parser bounds the rest.
 * @see shared/reference/jaeger/query-api-fixtures/jaeger-idl_swagger_api_v3_query_service.openapi.yaml
 */
import { z } from 'zod';
import { issuesToProblems, problemLine } from '../../config/problems';
import { BackendUnreachableError } from './http-get';

/**
 * A Jaeger answer that is JSON of the wrong shape (or not JSON): "could not check", like an unreachable
 * backend, but not retried: the server answered, so the URL points at something that is not Jaeger's
 * query API (the Zipkin source stops at once for the same reason).
 */
export class JaegerResponseError extends BackendUnreachableError {
  constructor(url: string, message: string) {
    super(url, message, false);
    this.name = 'JaegerResponseError';
  }
}

/** Problem lines shown in the error; the rest are counted. */
const SHOWN_PROBLEMS = 3;

const text = z.string();
/** proto3 JSON writes (u)int64 as a decimal string; a number is accepted too, as protojson does. */
const INT64_ALLOWED = 'is not an integer; allowed: an integer or a string of decimal digits';
const int64 = z.union([z.string().regex(/^-?\d+$/, { error: INT64_ALLOWED }), z.number().int()], { error: INT64_ALLOWED });
/** An enum as its number or its name (`2`, `"SPAN_KIND_SERVER"`). */
const protoEnum = z.union([z.number().int(), z.string()], { error: 'is not an enum value; allowed: an integer or an enum name' });
const list = <T extends z.ZodType>(item: T) => z.array(item);

const anyValue = z.looseObject({
  stringValue: text.optional(),
  boolValue: z.boolean().optional(),
  intValue: int64.optional(),
  doubleValue: z.union([z.number(), z.string()]).optional(),
  bytesValue: text.optional(),
  arrayValue: z.looseObject({}).optional(),
  kvlistValue: z.looseObject({}).optional(),
});
const keyValue = z.looseObject({ key: text, value: anyValue.optional() });
const attributes = list(keyValue).optional();

const otlpSpan = z.looseObject({
  traceId: text,
  spanId: text,
  parentSpanId: text.optional(),
  traceState: text.optional(),
  flags: z.number().int().optional(),
  name: text.optional(),
  kind: protoEnum.optional(),
  startTimeUnixNano: int64.optional(),
  endTimeUnixNano: int64.optional(),
  attributes,
  events: list(z.looseObject({ timeUnixNano: int64.optional(), name: text.optional(), attributes })).optional(),
  links: list(z.looseObject({ traceId: text, spanId: text, traceState: text.optional(), attributes })).optional(),
  status: z.looseObject({ code: protoEnum.optional(), message: text.optional() }).optional(),
});

const tracesData = z.looseObject({
  resourceSpans: list(
    z.looseObject({
      resource: z.looseObject({ attributes }).optional(),
      scopeSpans: list(
        z.looseObject({
          scope: z.looseObject({ name: text.optional(), version: text.optional(), attributes }).optional(),
          spans: list(otlpSpan).optional(),
        }),
      ).optional(),
    }),
  ).optional(),
});

/** `GET /api/v3/traces/{id}` and `GET /api/v3/traces?query.*`. */
export const v3TracesResponse = z.looseObject({ result: tracesData });
/** `GET /api/v3/services` (an empty list is left out, as proto3 JSON does). */
export const v3ServicesResponse = z.looseObject({ services: list(text).optional() });

/** A UI-model tag or log field: `value` is typed by `type` (int64 past 2^53 may be a string). */
const legacyTag = z.looseObject({ key: text, type: text.optional(), value: z.unknown() });
const legacyTags = list(legacyTag).nullish();
const legacyProcess = z.looseObject({ serviceName: text, tags: legacyTags });
const legacySpan = z.looseObject({
  traceID: text.optional(),
  spanID: text,
  operationName: text.optional(),
  references: list(z.looseObject({ refType: text, traceID: text, spanID: text })).nullish(),
  startTime: z.number().optional(),
  duration: z.number().optional(),
  tags: legacyTags,
  logs: list(z.looseObject({ timestamp: z.number(), fields: legacyTags })).nullish(),
  processID: text.optional(),
  process: legacyProcess.optional(),
  warnings: list(text).nullish(),
});
const legacyTrace = z.looseObject({
  traceID: text,
  spans: list(legacySpan),
  processes: z.record(z.string(), legacyProcess).optional(),
  warnings: list(text).nullish(),
});
const legacyErrors = list(z.looseObject({ code: z.number().int().optional(), msg: text.optional(), traceID: text.optional() })).nullish();

/** `GET /api/traces/{id}` and `GET /api/traces?service=`. */
export const legacyTracesResponse = z.looseObject({ data: list(legacyTrace).nullish(), errors: legacyErrors });
/** `GET /api/services`. */
export const legacyServicesResponse = z.looseObject({ data: list(text).nullish(), errors: legacyErrors });

/**
 * The body checked against `schema`, or JaegerResponseError: `<url>: not a Jaeger <what> answer:
 * <path>: <value> <what is wrong>; …`. `body` is undefined when the text was not JSON.
 */
export function parseJaegerResponse<S extends z.ZodType>(
  schema: S,
  body: unknown,
  responseText: string,
  url: string,
  what: string,
): z.output<S> {
  if (body === undefined) {
    const start = responseText.slice(0, 120).trim();
    throw new JaegerResponseError(
      url,
      `${url}: not a Jaeger ${what} answer: the body is not JSON (${start ? `starts ${JSON.stringify(start)}` : 'empty'})`,
    );
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = issuesToProblems(parsed.error.issues, body, schema);
  const shown = problems.slice(0, SHOWN_PROBLEMS).map(problemLine);
  const more = problems.length - shown.length;
  throw new JaegerResponseError(
    url,
    `${url}: not a Jaeger ${what} answer: ${shown.join('; ')}${more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''}`,
  );
}
