// The valid rest of a spec that failed its schema, so semantic validation can still run on it.
import type { z } from 'zod';

type ZodIssue = z.core.$ZodIssue;

/**
 * The spec with every field that failed the schema removed, or undefined if that does not make
 * it valid. Lets validation report the semantic problems of the rest in the same run, the way a
 * user wants all their mistakes at once rather than one per try.
 */
export function pruneToValid(
  schema: z.ZodType,
  spec: unknown,
  issues: readonly ZodIssue[],
): unknown {
  const current: unknown = structuredClone(spec);
  let pending = issues;
  for (let round = 0; round < 3; round++) {
    for (const issue of pending) {
      const path = issue.code === 'unrecognized_keys' ? issue.path : issue.path.slice(0, -1);
      const parent = path.reduce<unknown>(
        (node, key) => (isRecord(node) || Array.isArray(node) ? (node as never)[key] : undefined),
        current,
      );
      if (issue.code === 'unrecognized_keys') {
        if (isRecord(parent)) for (const key of issue.keys) delete parent[key];
      } else if (issue.path.length === 0) {
        return undefined;
      } else if (isRecord(parent)) {
        delete parent[String(issue.path[issue.path.length - 1])];
      } else if (Array.isArray(parent)) {
        // Keep indexes stable so later paths still point at the same elements.
        parent[Number(issue.path[issue.path.length - 1])] = undefined;
      }
    }
    const retry = schema.safeParse(current);
    if (retry.success) return retry.data;
    pending = retry.error.issues;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
