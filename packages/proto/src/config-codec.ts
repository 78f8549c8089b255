// ConfigService messages <-> plain domain types. Diagnostics decode to @mesh/rules' Diagnostic
// itself, so the CLI prints a remote diagnostic exactly as a local one.
import type { Diagnostic, Severity } from '@mesh/rules';
import { isTypeUrl } from './discovery-codec.js';
import type { TypeUrl } from './discovery-codec.js';
import { WireDecodeError } from './errors.js';
import type {
  ApplyRequest as WApplyReqIn,
  ApplyRequest__Output as WApplyReq,
} from './generated/mesh/v1/ApplyRequest.js';
import type {
  ApplyResponse as WApplyResIn,
  ApplyResponse__Output as WApplyRes,
} from './generated/mesh/v1/ApplyResponse.js';
import type {
  ConfigEvent as WEventIn,
  ConfigEvent__Output as WEvent,
} from './generated/mesh/v1/ConfigEvent.js';
import type {
  DeleteRequest as WDeleteReqIn,
  DeleteRequest__Output as WDeleteReq,
} from './generated/mesh/v1/DeleteRequest.js';
import type {
  DeleteResponse as WDeleteResIn,
  DeleteResponse__Output as WDeleteRes,
} from './generated/mesh/v1/DeleteResponse.js';
import type {
  Diagnostic as WDiagIn,
  Diagnostic__Output as WDiag,
} from './generated/mesh/v1/Diagnostic.js';
import type { Document as WDocIn, Document__Output as WDoc } from './generated/mesh/v1/Document.js';
import type {
  DocumentResult as WResultIn,
  DocumentResult__Output as WResult,
} from './generated/mesh/v1/DocumentResult.js';
import type {
  GetRequest as WGetReqIn,
  GetRequest__Output as WGetReq,
} from './generated/mesh/v1/GetRequest.js';
import type {
  GetResponse as WGetResIn,
  GetResponse__Output as WGetRes,
} from './generated/mesh/v1/GetResponse.js';
import type {
  ListRequest as WListReqIn,
  ListRequest__Output as WListReq,
} from './generated/mesh/v1/ListRequest.js';
import type {
  ListResponse as WListResIn,
  ListResponse__Output as WListRes,
} from './generated/mesh/v1/ListResponse.js';
import type {
  ProxyStatusRequest as WPsReqIn,
  ProxyStatusRequest__Output as WPsReq,
} from './generated/mesh/v1/ProxyStatusRequest.js';
import type {
  ProxyStatusResponse as WPsResIn,
  ProxyStatusResponse__Output as WPsRes,
} from './generated/mesh/v1/ProxyStatusResponse.js';
import type {
  ValidateRequest as WValReqIn,
  ValidateRequest__Output as WValReq,
} from './generated/mesh/v1/ValidateRequest.js';
import type {
  ValidateResponse as WValResIn,
  ValidateResponse__Output as WValRes,
} from './generated/mesh/v1/ValidateResponse.js';
import type {
  WatchRequest as WWatchReqIn,
  WatchRequest__Output as WWatchReq,
} from './generated/mesh/v1/WatchRequest.js';

// --- domain types ---------------------------------------------------------------------------

/** One Istio resource as text plus the fields that name it (see config.proto Document). */
export interface ConfigDocument {
  readonly kind: string;
  /** '' = "default" (the server defaults it). */
  readonly namespace: string;
  readonly name: string;
  /** Apply/Delete: the version read ('' = no precondition). Reads: the stored version. */
  readonly resourceVersion: string;
  /** YAML or JSON, one document. */
  readonly text: string;
  /** Where the text came from; copied into diagnostics. */
  readonly source?: { readonly file?: string; readonly document?: number };
}

export type Outcome = 'created' | 'configured' | 'unchanged' | 'deleted';

export interface DocumentResult {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly outcome: Outcome;
  readonly resourceVersion: string;
}

/** An etcd revision as decimal text: int64 travels as a String (LOADER_OPTIONS.longs). */
export type Revision = string;

export interface ValidateRequest {
  readonly documents: readonly ConfigDocument[];
  /** FQDNs the client knows exist outside the store (Kubernetes Services it read). */
  readonly knownHosts?: readonly string[];
}
export interface ValidateResponse {
  readonly valid: boolean;
  readonly diagnostics: readonly Diagnostic[];
}
export interface ApplyRequest {
  readonly documents: readonly ConfigDocument[];
  readonly dryRun: boolean;
  /** As ValidateRequest.knownHosts. */
  readonly knownHosts?: readonly string[];
}
export interface ApplyResponse {
  readonly results: readonly DocumentResult[];
  readonly diagnostics: readonly Diagnostic[];
  readonly revision: Revision;
}
export interface ResourceKey {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}
export type GetRequest = ResourceKey;
export interface GetResponse {
  readonly document: ConfigDocument;
  readonly revision: Revision;
}
export interface ListRequest {
  /** '' = every kind. */
  readonly kind: string;
  readonly namespace: string;
  readonly allNamespaces: boolean;
}
export interface ListResponse {
  readonly documents: readonly ConfigDocument[];
  readonly revision: Revision;
}
export interface DeleteRequest extends ResourceKey {
  readonly resourceVersion: string;
}
export interface DeleteResponse {
  readonly result: DocumentResult;
  readonly revision: Revision;
}
export interface WatchRequest {
  /** '0' = from now on. */
  readonly fromRevision: Revision;
  readonly kind: string;
  readonly namespace: string;
}
export interface ConfigEvent {
  readonly type: 'put' | 'delete';
  readonly document: ConfigDocument;
  readonly revision: Revision;
}
export interface ProxyStatusRequest {
  readonly namespace: string;
  readonly proxyId: string;
}
export type SyncState = 'SYNCED' | 'STALE' | 'NOT_SENT' | 'ERROR';
export interface TypeSyncStatus {
  readonly typeUrl: TypeUrl;
  readonly state: SyncState;
  readonly sentVersion: string;
  readonly sentNonce: string;
  readonly ackedVersion: string;
  readonly lastError: string;
}
export interface ProxyStatusRow {
  readonly proxyId: string;
  readonly workload: string;
  readonly namespace: string;
  /** Replica name of the control plane the proxy is connected to. */
  readonly controlPlane: string;
  readonly types: readonly TypeSyncStatus[];
}
export interface ProxyStatusResponse {
  readonly proxies: readonly ProxyStatusRow[];
}

// --- enum tables ----------------------------------------------------------------------------

// Explicit tables rather than string surgery, so a new enum value fails to type-check here.
const SEVERITY_TO_WIRE = {
  error: 'SEVERITY_ERROR',
  warning: 'SEVERITY_WARNING',
  info: 'SEVERITY_INFO',
} as const satisfies Record<Severity, string>;
const OUTCOME_TO_WIRE = {
  created: 'OUTCOME_CREATED',
  configured: 'OUTCOME_CONFIGURED',
  unchanged: 'OUTCOME_UNCHANGED',
  deleted: 'OUTCOME_DELETED',
} as const satisfies Record<Outcome, string>;
const EVENT_TO_WIRE = {
  put: 'EVENT_TYPE_PUT',
  delete: 'EVENT_TYPE_DELETE',
} as const satisfies Record<ConfigEvent['type'], string>;
const SYNC_TO_WIRE = {
  SYNCED: 'SYNC_STATE_SYNCED',
  STALE: 'SYNC_STATE_STALE',
  NOT_SENT: 'SYNC_STATE_NOT_SENT',
  ERROR: 'SYNC_STATE_ERROR',
} as const satisfies Record<SyncState, string>;

function fromWireEnum<D extends string>(
  table: Record<D, string>,
  value: string,
  messageType: string,
  field: string,
): D {
  for (const [domain, wire] of Object.entries(table) as [D, string][]) {
    if (wire === value) return domain;
  }
  // UNSPECIFIED (0), or a number from a newer peer that this build does not know.
  throw new WireDecodeError(
    messageType,
    field,
    'invalid',
    `${JSON.stringify(value)} is not a known value`,
  );
}

// --- field helpers --------------------------------------------------------------------------

function required(messageType: string, field: string, value: string): string {
  if (!value) throw new WireDecodeError(messageType, field, 'missing', 'is required');
  return value;
}

function revision(messageType: string, field: string, value: string): Revision {
  // longs: String gives decimal text; a negative revision means a broken peer.
  if (!/^\d+$/.test(value)) {
    throw new WireDecodeError(messageType, field, 'invalid', `"${value}" is not a revision`);
  }
  return value;
}

function checkRevision(field: string, value: Revision): string {
  // Encoding a non-numeric revision would make protobufjs throw a message naming no field.
  if (!/^\d+$/.test(value)) throw new TypeError(`${field}: "${value}" is not a revision`);
  return value;
}

// --- documents, results, diagnostics --------------------------------------------------------

export function decodeDocument(wire: WDoc, messageType = 'Document', at = ''): ConfigDocument {
  const p = at ? `${at}.` : '';
  const doc = {
    kind: required(messageType, `${p}kind`, wire.kind),
    namespace: wire.namespace,
    name: required(messageType, `${p}name`, wire.name),
    resourceVersion: wire.resourceVersion,
    text: required(messageType, `${p}text`, wire.text),
  };
  const hasDocument =
    wire.sourceDocument !== undefined && wire._sourceDocument === 'sourceDocument';
  if (!wire.sourceFile && !hasDocument) return doc;
  return {
    ...doc,
    source: {
      ...(wire.sourceFile ? { file: wire.sourceFile } : {}),
      ...(hasDocument ? { document: wire.sourceDocument } : {}),
    },
  };
}

export function encodeDocument(doc: ConfigDocument): WDocIn {
  return {
    kind: doc.kind,
    namespace: doc.namespace,
    name: doc.name,
    resourceVersion: doc.resourceVersion,
    text: doc.text,
    sourceFile: doc.source?.file ?? '',
    ...(doc.source?.document !== undefined ? { sourceDocument: doc.source.document } : {}),
  };
}

function decodeDocuments(messageType: string, docs: WDoc[]): ConfigDocument[] {
  return docs.map((d, i) => decodeDocument(d, messageType, `documents[${i}]`));
}

export function decodeDiagnostic(wire: WDiag, messageType = 'Diagnostic', at = ''): Diagnostic {
  const p = at ? `${at}.` : '';
  const d: Diagnostic = {
    severity: fromWireEnum(SEVERITY_TO_WIRE, wire.severity, messageType, `${p}severity`),
    code: wire.code,
    kind: wire.kind,
    namespace: wire.namespace,
    name: wire.name,
    path: wire.path,
    message: required(messageType, `${p}message`, wire.message),
  };
  if (wire.hint) d.hint = wire.hint;
  const hasDocument =
    wire.sourceDocument !== undefined && wire._sourceDocument === 'sourceDocument';
  if (wire.sourceFile || hasDocument) {
    d.source = {
      ...(wire.sourceFile ? { file: wire.sourceFile } : {}),
      ...(hasDocument ? { document: wire.sourceDocument } : {}),
    };
  }
  return d;
}

export function encodeDiagnostic(d: Diagnostic): WDiagIn {
  return {
    severity: SEVERITY_TO_WIRE[d.severity],
    code: d.code,
    kind: d.kind,
    namespace: d.namespace,
    name: d.name,
    path: d.path,
    message: d.message,
    hint: d.hint ?? '',
    sourceFile: d.source?.file ?? '',
    ...(d.source?.document !== undefined ? { sourceDocument: d.source.document } : {}),
  };
}

function decodeDiagnostics(messageType: string, list: WDiag[]): Diagnostic[] {
  return list.map((d, i) => decodeDiagnostic(d, messageType, `diagnostics[${i}]`));
}

function decodeResult(messageType: string, wire: WResult | null, at: string): DocumentResult {
  if (!wire) throw new WireDecodeError(messageType, at, 'missing', 'is required');
  return {
    kind: required(messageType, `${at}.kind`, wire.kind),
    namespace: wire.namespace,
    name: required(messageType, `${at}.name`, wire.name),
    outcome: fromWireEnum(OUTCOME_TO_WIRE, wire.outcome, messageType, `${at}.outcome`),
    resourceVersion: wire.resourceVersion,
  };
}

function encodeResult(r: DocumentResult): WResultIn {
  return { ...r, outcome: OUTCOME_TO_WIRE[r.outcome] };
}

// --- Validate -------------------------------------------------------------------------------

export function decodeValidateRequest(wire: WValReq): ValidateRequest {
  return {
    documents: decodeDocuments('ValidateRequest', wire.documents),
    knownHosts: [...wire.knownHosts],
  };
}
export function encodeValidateRequest(req: ValidateRequest): WValReqIn {
  return { documents: req.documents.map(encodeDocument), knownHosts: [...(req.knownHosts ?? [])] };
}
export function decodeValidateResponse(wire: WValRes): ValidateResponse {
  return {
    valid: wire.valid,
    diagnostics: decodeDiagnostics('ValidateResponse', wire.diagnostics),
  };
}
export function encodeValidateResponse(res: ValidateResponse): WValResIn {
  return { valid: res.valid, diagnostics: res.diagnostics.map(encodeDiagnostic) };
}

// --- Apply ----------------------------------------------------------------------------------

export function decodeApplyRequest(wire: WApplyReq): ApplyRequest {
  const documents = decodeDocuments('ApplyRequest', wire.documents);
  // One transaction cannot write the same resource twice; which copy wins would be arbitrary.
  const seen = new Set<string>();
  documents.forEach((d, i) => {
    const key = `${d.kind}/${d.namespace}/${d.name}`;
    if (seen.has(key)) {
      throw new WireDecodeError(
        'ApplyRequest',
        `documents[${i}]`,
        'invalid',
        `${key} appears twice`,
      );
    }
    seen.add(key);
  });
  return { documents, dryRun: wire.dryRun, knownHosts: [...wire.knownHosts] };
}
export function encodeApplyRequest(req: ApplyRequest): WApplyReqIn {
  return {
    documents: req.documents.map(encodeDocument),
    dryRun: req.dryRun,
    knownHosts: [...(req.knownHosts ?? [])],
  };
}
export function decodeApplyResponse(wire: WApplyRes): ApplyResponse {
  const T = 'ApplyResponse';
  return {
    results: wire.results.map((r, i) => decodeResult(T, r, `results[${i}]`)),
    diagnostics: decodeDiagnostics(T, wire.diagnostics),
    revision: revision(T, 'revision', wire.revision),
  };
}
export function encodeApplyResponse(res: ApplyResponse): WApplyResIn {
  return {
    results: res.results.map(encodeResult),
    diagnostics: res.diagnostics.map(encodeDiagnostic),
    revision: checkRevision('ApplyResponse.revision', res.revision),
  };
}

// --- Get / List / Delete --------------------------------------------------------------------

export function decodeGetRequest(wire: WGetReq): GetRequest {
  return {
    kind: required('GetRequest', 'kind', wire.kind),
    namespace: wire.namespace,
    name: required('GetRequest', 'name', wire.name),
  };
}
export function encodeGetRequest(req: GetRequest): WGetReqIn {
  return { kind: req.kind, namespace: req.namespace, name: req.name };
}
export function decodeGetResponse(wire: WGetRes): GetResponse {
  const T = 'GetResponse';
  if (!wire.document) throw new WireDecodeError(T, 'document', 'missing', 'is required');
  return {
    document: decodeDocument(wire.document, T, 'document'),
    revision: revision(T, 'revision', wire.revision),
  };
}
export function encodeGetResponse(res: GetResponse): WGetResIn {
  return {
    document: encodeDocument(res.document),
    revision: checkRevision('GetResponse.revision', res.revision),
  };
}
export function decodeListRequest(wire: WListReq): ListRequest {
  return { kind: wire.kind, namespace: wire.namespace, allNamespaces: wire.allNamespaces };
}
export function encodeListRequest(req: ListRequest): WListReqIn {
  return { ...req };
}
export function decodeListResponse(wire: WListRes): ListResponse {
  return {
    documents: decodeDocuments('ListResponse', wire.documents),
    revision: revision('ListResponse', 'revision', wire.revision),
  };
}
export function encodeListResponse(res: ListResponse): WListResIn {
  return {
    documents: res.documents.map(encodeDocument),
    revision: checkRevision('ListResponse.revision', res.revision),
  };
}
export function decodeDeleteRequest(wire: WDeleteReq): DeleteRequest {
  return {
    kind: required('DeleteRequest', 'kind', wire.kind),
    namespace: wire.namespace,
    name: required('DeleteRequest', 'name', wire.name),
    resourceVersion: wire.resourceVersion,
  };
}
export function encodeDeleteRequest(req: DeleteRequest): WDeleteReqIn {
  return { ...req };
}
export function decodeDeleteResponse(wire: WDeleteRes): DeleteResponse {
  const T = 'DeleteResponse';
  return {
    result: decodeResult(T, wire.result, 'result'),
    revision: revision(T, 'revision', wire.revision),
  };
}
export function encodeDeleteResponse(res: DeleteResponse): WDeleteResIn {
  return {
    result: encodeResult(res.result),
    revision: checkRevision('DeleteResponse.revision', res.revision),
  };
}

// --- Watch ----------------------------------------------------------------------------------

export function decodeWatchRequest(wire: WWatchReq): WatchRequest {
  return {
    fromRevision: revision('WatchRequest', 'fromRevision', wire.fromRevision),
    kind: wire.kind,
    namespace: wire.namespace,
  };
}
export function encodeWatchRequest(req: WatchRequest): WWatchReqIn {
  return { ...req, fromRevision: checkRevision('WatchRequest.fromRevision', req.fromRevision) };
}
export function decodeConfigEvent(wire: WEvent): ConfigEvent {
  const T = 'ConfigEvent';
  if (!wire.document) throw new WireDecodeError(T, 'document', 'missing', 'is required');
  return {
    type: fromWireEnum(EVENT_TO_WIRE, wire.type, T, 'type'),
    document: decodeDocument(wire.document, T, 'document'),
    revision: revision(T, 'revision', wire.revision),
  };
}
export function encodeConfigEvent(ev: ConfigEvent): WEventIn {
  return {
    type: EVENT_TO_WIRE[ev.type],
    document: encodeDocument(ev.document),
    revision: checkRevision('ConfigEvent.revision', ev.revision),
  };
}

// --- ProxyStatus ----------------------------------------------------------------------------

export function decodeProxyStatusRequest(wire: WPsReq): ProxyStatusRequest {
  return { namespace: wire.namespace, proxyId: wire.proxyId };
}
export function encodeProxyStatusRequest(req: ProxyStatusRequest): WPsReqIn {
  return { ...req };
}
export function decodeProxyStatusResponse(wire: WPsRes): ProxyStatusResponse {
  const T = 'ProxyStatusResponse';
  return {
    proxies: wire.proxies.map((row, i) => {
      const at = `proxies[${i}]`;
      return {
        proxyId: required(T, `${at}.proxyId`, row.proxyId),
        workload: row.workload,
        namespace: row.namespace,
        controlPlane: row.controlPlane,
        types: row.types.map((t, j) => {
          const tat = `${at}.types[${j}]`;
          if (!isTypeUrl(t.typeUrl)) {
            throw new WireDecodeError(
              T,
              `${tat}.typeUrl`,
              'unknown-type-url',
              `unknown type URL "${t.typeUrl}"`,
            );
          }
          return {
            typeUrl: t.typeUrl,
            state: fromWireEnum(SYNC_TO_WIRE, t.state, T, `${tat}.state`),
            sentVersion: t.sentVersion,
            sentNonce: t.sentNonce,
            ackedVersion: t.ackedVersion,
            lastError: t.lastError,
          };
        }),
      };
    }),
  };
}
export function encodeProxyStatusResponse(res: ProxyStatusResponse): WPsResIn {
  return {
    proxies: res.proxies.map((row) => ({
      ...row,
      types: row.types.map((t) => ({ ...t, state: SYNC_TO_WIRE[t.state] })),
    })),
  };
}
