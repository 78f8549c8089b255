// Zod's issues in the words of this project: the field path and what was expected and found.
import type { z } from 'zod';
import { knownFieldsAt } from './api/fields.js';
import { formatPath, type PathSegment } from './diagnostics.js';
import { closest } from './suggest.js';

type ZodIssue = z.core.$ZodIssue;

export function pushIssue(
  issue: ZodIssue,
  schema: z.ZodType,
  push: (path: string, message: string) => void,
): void {
  if (issue.code === 'unrecognized_keys') {
    const known = knownFieldsAt(schema, issue.path);
    for (const key of issue.keys) {
      const guess = closest(key, known);
      push(
        zodPath(['spec', ...issue.path, key]),
        `unknown field "${key}"${guess ? `; did you mean "${guess}"?` : ''}`,
      );
    }
    return;
  }
  push(zodPath(['spec', ...issue.path]), zodMessage(issue));
}

export function zodPath(path: readonly PropertyKey[]): string {
  return formatPath(path.map((p) => (typeof p === 'number' ? p : String(p))) as PathSegment[]);
}

export function zodMessage(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      // Schemas with their own wording (durations) say what they expect better than a type name.
      const expected = issue.message.startsWith('expected ')
        ? issue.message
        : `expected ${article(issue.expected)}`;
      return `${expected}${issue.input === undefined ? '' : `, got ${describe(issue.input)}`}`;
    }
    case 'too_small':
      return `must be at least ${String(issue.minimum)}${'input' in issue && issue.input !== undefined ? `, got ${String(issue.input)}` : ''}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${'input' in issue && issue.input !== undefined ? `, got ${String(issue.input)}` : ''}`;
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'object':
    case 'array':
      return `an ${expected}`;
    case 'record':
      return 'a map';
    default:
      return `a ${expected}`;
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number')
    return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  return `${typeof value} ${String(value)}`;
}
