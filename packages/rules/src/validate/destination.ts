// Destinations and weighted destination lists shared by http, tcp and tls routes and mirrors.
import type { Destination } from '../api/common.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';
import { checkWildcardHost } from './host-names.js';
import { checkIstioDnsLabel } from './names.js';
import { checkPort } from './ports.js';

export function checkDestination(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  d: Destination,
): void {
  if (d.host === undefined || d.host === '') {
    ctx.error([...path, 'host'], 'destination host is required');
  } else if (d.host === '*') {
    ctx.error([...path, 'host'], 'destination host "*" is not a service: name one host');
  } else {
    const problem = checkWildcardHost(d.host);
    if (problem) ctx.error([...path, 'host'], problem);
  }
  if (d.subset !== undefined) {
    const problem = checkIstioDnsLabel(d.subset);
    if (problem) ctx.error([...path, 'subset'], `subset ${problem}`);
  }
  if (d.port) checkPort(ctx, [...path, 'port', 'number'], d.port.number ?? 0);
}

/**
 * Weights are relative (they need not sum to 100) and default to 0; Istio only rejects negative
 * weights, and a list of several destinations that are all weighted 0.
 */
export function checkWeightedDestinations(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  routes: readonly { destination?: Destination | undefined; weight?: number | undefined }[],
): void {
  let total = 0;
  routes.forEach((r, i) => {
    if (!r.destination) ctx.error([...path, i, 'destination'], 'destination is required');
    else checkDestination(ctx, [...path, i, 'destination'], r.destination);
    const w = r.weight ?? 0;
    if (w < 0) ctx.error([...path, i, 'weight'], `weight ${w} is negative`);
    total += w;
  });
  if (routes.length > 1 && total === 0) {
    ctx.error(
      path,
      `all ${routes.length} destinations have weight 0: give at least one a positive weight`,
    );
  }
}
