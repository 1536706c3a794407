export * from './kind-cluster-config';
