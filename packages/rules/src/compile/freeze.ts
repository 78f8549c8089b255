// Compiled config is shared between requests (and threads of a proxy); freezing it makes any
// accidental mutation fail loudly instead of leaking between requests.
export function deepFreeze<T>(value: T): T {
  freezeInto(value, new Set());
  return value;
}

function freezeInto(value: unknown, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  // Only plain data (objects whose prototype is a root, arrays) is walked; RE2 objects and other
  // class instances stay as they are. Checked structurally so objects from another realm count.
  const proto: unknown = Object.getPrototypeOf(value);
  const plain = Array.isArray(value) || proto === null || Object.getPrototypeOf(proto) === null;
  if (!plain) return;
  for (const key of Object.keys(value)) freezeInto((value as Record<string, unknown>)[key], seen);
  Object.freeze(value);
}
