import { z } from 'zod';
import { port, workloadSelector } from './common.js';
import { workloadEntrySpec } from './workload-entry.js';

export const serviceEntrySpec = z.strictObject({
  hosts: z.array(z.string()).optional(),
  addresses: z.array(z.string()).optional(),
  ports: z.array(port).optional(),
  location: z.string().optional(),
  resolution: z.string().optional(),
  endpoints: z.array(workloadEntrySpec).optional(),
  workloadSelector: workloadSelector.optional(),
  exportTo: z.array(z.string()).optional(),
  subjectAltNames: z.array(z.string()).optional(),
});
export type ServiceEntrySpec = z.infer<typeof serviceEntrySpec>;
