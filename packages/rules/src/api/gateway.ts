import { z } from 'zod';
import { port, stringMap } from './common.js';

export const serverTLSSettings = z.strictObject({
  httpsRedirect: z.boolean().optional(),
  mode: z.string().optional(),
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  caCrl: z.string().optional(),
  credentialName: z.string().optional(),
  credentialNames: z.array(z.string()).optional(),
  // Secret or ConfigMap holding the CA certificates for mutual TLS (Istio 1.28).
  caCertCredentialName: z.string().optional(),
  tlsCertificates: z
    .array(
      z.strictObject({
        serverCertificate: z.string().optional(),
        privateKey: z.string().optional(),
        caCertificates: z.string().optional(),
      }),
    )
    .optional(),
  subjectAltNames: z.array(z.string()).optional(),
  verifyCertificateSpki: z.array(z.string()).optional(),
  verifyCertificateHash: z.array(z.string()).optional(),
  minProtocolVersion: z.string().optional(),
  maxProtocolVersion: z.string().optional(),
  cipherSuites: z.array(z.string()).optional(),
});
export type ServerTLSSettings = z.infer<typeof serverTLSSettings>;

export const server = z.strictObject({
  port: port.optional(),
  bind: z.string().optional(),
  hosts: z.array(z.string()).optional(),
  tls: serverTLSSettings.optional(),
  defaultEndpoint: z.string().optional(),
  name: z.string().optional(),
});
export type Server = z.infer<typeof server>;

export const gatewaySpec = z.strictObject({
  servers: z.array(server).optional(),
  selector: stringMap.optional(),
});
export type GatewaySpec = z.infer<typeof gatewaySpec>;
