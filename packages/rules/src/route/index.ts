// Filled in by the route module.
export {};
