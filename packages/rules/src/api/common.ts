// Shapes shared by several Istio kinds. Schemas check structure and types only (unknown fields,
// wrong types); the semantic rules of Istio's admission webhook live in ../validate.
import { z } from 'zod';

export const uint32 = z.number().int().min(0).max(4294967295);
export const int32 = z.number().int().min(-2147483648).max(2147483647);
/**
 * uint64: protobuf JSON allows a number or a decimal string ("1024"); either way it is a number
 * here. Values past 2^53 lose precision, far beyond any size Istio uses these for.
 */
export const uint64 = z.union(
  [
    z.number().int().min(0),
    z
      .string()
      .regex(/^\d+$/)
      .transform((v) => Number(v)),
  ],
  { error: 'expected a non-negative integer (a number or a decimal string)' },
);
/** A duration in Go/CEL syntax ("1.5s", "100ms", "1h2m"); checked by parseDuration in validation. */
export const durationString = z.string({
  error: 'expected a duration string such as "1.5s" or "250ms"',
});
export const stringMap = z.record(z.string(), z.string());

export const stringMatch = z.strictObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  regex: z.string().optional(),
});
export type StringMatch = z.infer<typeof stringMatch>;

export const percent = z.strictObject({ value: z.number().optional() });
export type Percent = z.infer<typeof percent>;

export const portSelector = z.strictObject({ number: uint32.optional() });
export type PortSelector = z.infer<typeof portSelector>;

export const destination = z.strictObject({
  host: z.string().optional(),
  subset: z.string().optional(),
  port: portSelector.optional(),
});
export type Destination = z.infer<typeof destination>;

export const headerOperations = z.strictObject({
  set: stringMap.optional(),
  add: stringMap.optional(),
  remove: z.array(z.string()).optional(),
});
export type HeaderOperations = z.infer<typeof headerOperations>;

export const headers = z.strictObject({
  request: headerOperations.optional(),
  response: headerOperations.optional(),
});
export type Headers = z.infer<typeof headers>;

/** A service port as ServiceEntry, Gateway and Sidecar declare it. */
export const port = z.strictObject({
  number: uint32.optional(),
  protocol: z.string().optional(),
  name: z.string().optional(),
  targetPort: uint32.optional(),
});
export type Port = z.infer<typeof port>;

export const workloadSelector = z.strictObject({ labels: stringMap.optional() });
export type WorkloadSelector = z.infer<typeof workloadSelector>;

export const metadata = z.looseObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().optional(),
});
export type Metadata = z.infer<typeof metadata>;
