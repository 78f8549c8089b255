// The four discovery types by the names the proxy uses for them: the field of HeldConfig that
// holds each, and the label that starts NACK messages and log lines.
import { TYPE_URLS, type TypeUrl } from '@mesh/proto';
import type { HeldConfig } from './types.js';

export const HELD_KEYS: Readonly<Record<TypeUrl, keyof HeldConfig>> = {
  [TYPE_URLS.listeners]: 'listeners',
  [TYPE_URLS.routes]: 'routes',
  [TYPE_URLS.clusters]: 'clusters',
  [TYPE_URLS.endpoints]: 'endpoints',
};

export const TYPE_LABELS: Readonly<Record<TypeUrl, string>> = {
  [TYPE_URLS.listeners]: 'Listener',
  [TYPE_URLS.routes]: 'RouteTable',
  [TYPE_URLS.clusters]: 'Cluster',
  [TYPE_URLS.endpoints]: 'Endpoints',
};

export const ALL_TYPES = Object.keys(HELD_KEYS) as TypeUrl[];
