export * from './codes.js';
export * from './types.js';
export * from './codec.js';
export * from './json-limits.js';
export * from './protobuf/codec.js';
export * from './delta.js';
export * from './binary.js';
