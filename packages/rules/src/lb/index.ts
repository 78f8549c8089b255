// Filled in by the lb module.
export {};
