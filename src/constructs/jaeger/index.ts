export * from './jaeger-ports';
export * from './jaeger-config';
export * from './jaeger-collector';
export * from './jaeger-query';
export * from './jaeger-all-in-one';
export * from './jaeger-remote-storage';
export * from './opensearch-single-node';
export * from './jaeger';
