// Istio's MeshConfig, the part of it that mesh honours: the access log and tracing switches.
// Users bring the `mesh` text of their istio ConfigMap (or the whole ConfigMap); fields we do not
// implement are named in warnings and ignored, so a real Istio mesh config loads as it is, while
// a known field with a wrong type or range is an error naming the field path.
import { parse } from 'yaml';

export interface MeshSettings {
  /** Where access-log lines go: '' for none, `/dev/stdout`, or a file appended to. */
  readonly accessLogFile: string;
  /** Lines are JSON (Istio's TEXT format is not implemented). */
  readonly accessLogEncoding: 'JSON';
  /** Whether sidecars record and propagate trace spans (Istio's default: true). */
  readonly enableTracing: boolean;
  /** Percentage of new traces sampled, 0-100 (`defaultConfig.tracing.sampling`, default 1). */
  readonly samplingPercent: number;
}

/** Istio's defaults, except the encoding: mesh writes JSON only. */
export const DEFAULT_MESH_SETTINGS: MeshSettings = Object.freeze({
  accessLogFile: '',
  accessLogEncoding: 'JSON',
  enableTracing: true,
  samplingPercent: 1,
});

export type MeshConfigResult =
  | { readonly ok: true; readonly settings: MeshSettings; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

const HONOURED = new Set(['accessLogFile', 'accessLogEncoding', 'enableTracing', 'defaultConfig']);

/** `source` names the input in messages, e.g. the file path. */
export function parseMeshConfig(text: string, source = 'mesh config'): MeshConfigResult {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { ok: false, errors: [`${source}: not YAML: ${(err as Error).message}`] };
  }
  if (doc === null || doc === undefined)
    return { ok: true, settings: DEFAULT_MESH_SETTINGS, warnings: [] };
  let prefix = '';
  // The istio ConfigMap itself: its data.mesh holds the MeshConfig as text.
  if (isRecord(doc) && doc['kind'] === 'ConfigMap') {
    const mesh = isRecord(doc['data']) ? doc['data']['mesh'] : undefined;
    if (typeof mesh !== 'string')
      return {
        ok: false,
        errors: [
          `${source}: data.mesh: a ConfigMap must carry the MeshConfig as text in data.mesh`,
        ],
      };
    prefix = 'data.mesh.';
    try {
      doc = parse(mesh) ?? {};
    } catch (err) {
      return { ok: false, errors: [`${source}: data.mesh: not YAML: ${(err as Error).message}`] };
    }
  }
  if (!isRecord(doc))
    return { ok: false, errors: [`${source}: expected a mapping of MeshConfig fields`] };

  const errors: string[] = [];
  const warnings: string[] = [];
  const at = (path: string) => `${source}: ${prefix}${path}`;
  for (const key of Object.keys(doc)) {
    if (!HONOURED.has(key)) warnings.push(`${at(key)}: not implemented by mesh; ignored`);
  }

  let accessLogFile = DEFAULT_MESH_SETTINGS.accessLogFile;
  const file = doc['accessLogFile'];
  if (file !== undefined && file !== null) {
    if (typeof file !== 'string')
      errors.push(
        `${at('accessLogFile')}: must be a path string ('' for no access log), got ${show(file)}`,
      );
    else accessLogFile = file;
  }
  const encoding = doc['accessLogEncoding'];
  if (encoding !== undefined && encoding !== null) {
    if (encoding === 'TEXT')
      warnings.push(
        `${at('accessLogEncoding')}: TEXT is not implemented; access logs are written as JSON`,
      );
    else if (encoding !== 'JSON')
      errors.push(`${at('accessLogEncoding')}: must be JSON or TEXT, got ${show(encoding)}`);
  }
  let enableTracing = DEFAULT_MESH_SETTINGS.enableTracing;
  const tracing = doc['enableTracing'];
  if (tracing !== undefined && tracing !== null) {
    if (typeof tracing !== 'boolean')
      errors.push(`${at('enableTracing')}: must be true or false, got ${show(tracing)}`);
    else enableTracing = tracing;
  }
  let samplingPercent = DEFAULT_MESH_SETTINGS.samplingPercent;
  const defaults = doc['defaultConfig'];
  if (defaults !== undefined && defaults !== null) {
    if (!isRecord(defaults))
      errors.push(`${at('defaultConfig')}: must be a mapping, got ${show(defaults)}`);
    else {
      for (const key of Object.keys(defaults)) {
        if (key !== 'tracing')
          warnings.push(`${at(`defaultConfig.${key}`)}: not implemented by mesh; ignored`);
      }
      const t = defaults['tracing'];
      if (t !== undefined && t !== null) {
        if (!isRecord(t))
          errors.push(`${at('defaultConfig.tracing')}: must be a mapping, got ${show(t)}`);
        else {
          for (const key of Object.keys(t)) {
            if (key !== 'sampling')
              warnings.push(
                `${at(`defaultConfig.tracing.${key}`)}: not implemented by mesh; ignored`,
              );
          }
          const s = t['sampling'];
          if (s !== undefined && s !== null) {
            if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > 100)
              errors.push(
                `${at('defaultConfig.tracing.sampling')}: must be a percentage from 0 to 100, got ${show(s)}`,
              );
            else samplingPercent = s;
          }
        }
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: { accessLogFile, accessLogEncoding: 'JSON', enableTracing, samplingPercent },
    warnings,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}
