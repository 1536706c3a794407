export * from './names';
export * from './tracing';
export * from './bootstrap';
export * from './bookinfo-mesh';
export * from './envoy-binary';
