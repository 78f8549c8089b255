import { z } from 'zod';
import { destination, port, workloadSelector } from './common.js';
import { connectionPoolSettings } from './destination-rule.js';
import { serverTLSSettings } from './gateway.js';

export const istioIngressListener = z.strictObject({
  port: port.optional(),
  bind: z.string().optional(),
  captureMode: z.string().optional(),
  defaultEndpoint: z.string().optional(),
  tls: serverTLSSettings.optional(),
  connectionPool: connectionPoolSettings.optional(),
});
export type IstioIngressListener = z.infer<typeof istioIngressListener>;

export const istioEgressListener = z.strictObject({
  port: port.optional(),
  bind: z.string().optional(),
  captureMode: z.string().optional(),
  hosts: z.array(z.string()).optional(),
});
export type IstioEgressListener = z.infer<typeof istioEgressListener>;

export const sidecarSpec = z.strictObject({
  workloadSelector: workloadSelector.optional(),
  ingress: z.array(istioIngressListener).optional(),
  egress: z.array(istioEgressListener).optional(),
  outboundTrafficPolicy: z
    .strictObject({
      mode: z.string().optional(),
      egressProxy: destination.optional(),
    })
    .optional(),
  inboundConnectionPool: connectionPoolSettings.optional(),
});
export type SidecarSpec = z.infer<typeof sidecarSpec>;
