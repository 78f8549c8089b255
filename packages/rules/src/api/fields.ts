// Field names a schema accepts at a path, for "did you mean" on unknown fields.
import type { z } from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Keys of the object schema found by following `path` (list indexes and map keys included). */
export function knownFieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    if (!node) return [];
    const def = defOf(node);
    if (def.type === 'object') node = def.shape?.[String(key)];
    else if (def.type === 'array') node = def.element;
    else if (def.type === 'record') node = def.valueType;
    else return [];
    node = node && unwrap(node);
  }
  if (!node) return [];
  const def = defOf(node);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (let def = defOf(node); def.innerType; def = defOf(node)) node = def.innerType;
  return node;
}
