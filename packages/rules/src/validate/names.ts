// Kubernetes name rules (RFC 1123), as the API server applies them to metadata and as Istio
// applies them to subset and port names. Each check returns a problem in plain words, or undefined.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Istio's own label check (pkg/config/labels) is case-insensitive, unlike the API server's:
// subset names such as "V1" are accepted by the webhook, so we must accept them too.
const ISTIO_DNS_LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
// Label keys: optional DNS prefix and '/', then a qualified name; values: qualified name or empty.
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_KEY_PREFIX =
  /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/;

export function checkDns1123Label(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 63) return `"${value}" is longer than 63 characters`;
  if (!DNS1123_LABEL.test(value)) {
    return `"${value}" is not a DNS label: use lower-case letters, digits and '-', starting and ending with a letter or digit`;
  }
  return undefined;
}

export function checkDns1123Subdomain(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 253) return `"${value}" is longer than 253 characters`;
  for (const label of value.split('.')) {
    if (!DNS1123_LABEL.test(label)) {
      return `"${value}" is not a DNS subdomain: use lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit`;
    }
  }
  return undefined;
}

/** Istio's DNS label rule: letters (either case), digits and '-', at most 63 characters. */
export function isIstioDnsLabel(value: string): boolean {
  return value.length > 0 && value.length <= 63 && ISTIO_DNS_LABEL.test(value);
}

export function checkIstioDnsLabel(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 63) return `"${value}" is longer than 63 characters`;
  if (!ISTIO_DNS_LABEL.test(value)) {
    return `"${value}" is not a DNS label: use letters, digits and '-', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** A Kubernetes label key (`app`, `example.com/tier`), or the problem with it. */
export function checkLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? '' : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (
    slash !== -1 &&
    (prefix.length === 0 || prefix.length > 253 || !LABEL_KEY_PREFIX.test(prefix))
  ) {
    return `label key "${key}" has an invalid prefix: use a DNS subdomain before '/'`;
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `label key "${key}" is invalid: use letters, digits, '-', '_' and '.', starting and ending with a letter or digit (at most 63)`;
  }
  return undefined;
}

/** A Kubernetes label value: empty, or a qualified name. */
export function checkLabelValue(value: string): string | undefined {
  if (value === '') return undefined;
  if (!QUALIFIED_NAME.test(value)) {
    return `label value "${value}" is invalid: use letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
  }
  return undefined;
}
