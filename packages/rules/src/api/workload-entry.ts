import { z } from 'zod';
import { stringMap, uint32 } from './common.js';

export const workloadEntrySpec = z.strictObject({
  address: z.string().optional(),
  ports: z.record(z.string(), uint32).optional(),
  labels: stringMap.optional(),
  network: z.string().optional(),
  locality: z.string().optional(),
  weight: uint32.optional(),
  serviceAccount: z.string().optional(),
});
export type WorkloadEntrySpec = z.infer<typeof workloadEntrySpec>;
