// Resource type names as kubectl users type them (`vs`, `destinationrules`, `Gateway`,
// `serviceentries.networking.istio.io`) and as kubectl prints them
// (`virtualservice.networking.istio.io/reviews`).
import { API_GROUP, KINDS, type Kind } from '@mesh/rules';
import { InputError } from './inputs.js';

/** Lower-case names per kind: singular, plural, then the short names Istio's CRDs declare. */
export const KIND_NAMES: Readonly<Record<Kind, readonly string[]>> = {
  VirtualService: ['virtualservice', 'virtualservices', 'vs'],
  DestinationRule: ['destinationrule', 'destinationrules', 'dr'],
  Gateway: ['gateway', 'gateways', 'gw'],
  ServiceEntry: ['serviceentry', 'serviceentries', 'se'],
  Sidecar: ['sidecar', 'sidecars'],
  WorkloadEntry: ['workloadentry', 'workloadentries', 'we'],
};

const BY_NAME = new Map<string, Kind>(
  KINDS.flatMap((kind) => KIND_NAMES[kind].map((name) => [name, kind] as const)),
);

const GROUP_SUFFIX = `.${API_GROUP}`;

/** One kind from any of its names, case-insensitively; undefined when it names none. */
export function kindFromName(text: string): Kind | undefined {
  let name = text.trim().toLowerCase();
  if (name.endsWith(GROUP_SUFFIX)) name = name.slice(0, -GROUP_SUFFIX.length);
  return BY_NAME.get(name);
}

export interface KindSelection {
  /** The kinds in the order given, without repeats. */
  kinds: Kind[];
  /** `all`: every kind the control plane stores. */
  all: boolean;
}

const ONE_TYPE =
  'virtualservice (vs), destinationrule (dr), gateway (gw), serviceentry (se), sidecar, workloadentry (we)';

export const KNOWN_TYPES =
  'virtualservices (vs), destinationrules (dr), gateways (gw), serviceentries (se), sidecars, workloadentries (we), or all';

/** `vs`, `vs,dr` or `all`, as the first argument of get. */
export function parseKinds(text: string): KindSelection {
  const names = text.split(',').map((n) => n.trim());
  if (names.some((n) => n.toLowerCase() === 'all')) {
    if (names.length > 1) throw new InputError(`"all" cannot be combined with other types`);
    return { kinds: [...KINDS], all: true };
  }
  const kinds: Kind[] = [];
  for (const name of names) {
    const kind = kindFromName(name);
    if (!kind)
      throw new InputError(
        name === ''
          ? `empty resource type in "${text}"`
          : `unknown resource type "${name}"; meshctl serves ${KNOWN_TYPES}`,
      );
    if (!kinds.includes(kind)) kinds.push(kind);
  }
  return { kinds, all: false };
}

/** One kind, for commands that act on named resources (delete, get NAME). */
export function parseKind(text: string): Kind {
  if (text.trim().toLowerCase() === 'all')
    throw new InputError(`"all" is not one type; a resource name needs one of ${ONE_TYPE}`);
  const { kinds } = parseKinds(text);
  if (kinds.length !== 1)
    throw new InputError(`a resource name needs exactly one type, got "${text}"`);
  return kinds[0]!;
}

/** `virtualservice.networking.istio.io`, kubectl's name for the type in its output. */
export function resourceType(kind: string): string {
  return `${kind.toLowerCase()}${GROUP_SUFFIX}`;
}
