/** Link to a trace in the Jaeger UI: `<ui base>/trace/<id>` (the base carries any `/jaeger` prefix). */
export function jaegerTraceUrl(uiBase: string, traceId: string): string {
  return `${uiBase.replace(/\/+$/, '')}/trace/${traceId}`;
}
