// route(): request -> RouteDecision | NoRoute, from a CompiledConfig.
export { route, routeL4 } from './route.js';
export type {
  RouteRequest,
  RouteRef,
  RouteDecision,
  ForwardDecision,
  RedirectDecision,
  DirectResponseDecision,
  MirrorDecision,
  NoRoute,
  NoRouteReason,
  RouteResult,
  L4RouteRequest,
  L4RouteDecision,
  L4RouteResult,
} from './types.js';
