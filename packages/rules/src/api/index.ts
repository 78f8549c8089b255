export * from './common.js';
export * from './virtual-service.js';
export * from './destination-rule.js';
export * from './gateway.js';
export * from './service-entry.js';
export * from './sidecar.js';
export * from './workload-entry.js';
export * from './resources.js';
