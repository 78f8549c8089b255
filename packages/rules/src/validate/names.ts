// Kubernetes name rules (RFC 1123), as the API server applies them to metadata and as Istio
// applies them to subset and port names. Each check returns a problem in plain words, or undefined.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

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
