// Filled in by the compile module.
export {};
