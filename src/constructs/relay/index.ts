export * from './relay-chain';
