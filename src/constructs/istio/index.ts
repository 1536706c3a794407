export * from './tracing-provider';
export * from './mesh-telemetry';
export * from './installer-inputs';
