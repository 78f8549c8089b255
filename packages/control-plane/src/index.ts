// @mesh/control-plane: stores config, knows the workloads, and pushes each proxy what it needs.
export type * from './model.js';
