// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/discovery.proto

import type {
  Resource as _mesh_v1_Resource,
  Resource__Output as _mesh_v1_Resource__Output,
} from '../../mesh/v1/Resource.js';

/**
 * Control plane -> proxy: the complete current set of one type's resources for this proxy
 * (state of the world), or a change to it.
 */
export interface DiscoveryResponse {
  /**
   * The resource type of every entry in resources.
   */
  typeUrl?: string;
  /**
   * Version of this type's config as a whole; the proxy echoes it in its ACK.
   */
  versionInfo?: string;
  /**
   * Unique per response on a stream; the proxy echoes it so replies match responses.
   */
  nonce?: string;
  /**
   * The resources of this type for this proxy. For a state-of-the-world response, every
   * resource the proxy should hold; resources it holds and that are absent here are dropped.
   */
  resources?: _mesh_v1_Resource[];
  /**
   * Names of resources to drop. Only in an incremental response; a state-of-the-world response
   * leaves it empty.
   */
  removedResources?: string[];
  /**
   * False (the default): state of the world, resources is the complete set. True: resources are
   * the ones added or changed since the set the proxy last ACKed, removed_resources the ones to
   * drop; applying both to what the proxy holds gives the complete set whose version is
   * version_info. The first response of a type on a stream is never incremental.
   */
  incremental?: boolean;
}

/**
 * Control plane -> proxy: the complete current set of one type's resources for this proxy
 * (state of the world), or a change to it.
 */
export interface DiscoveryResponse__Output {
  /**
   * The resource type of every entry in resources.
   */
  typeUrl: string;
  /**
   * Version of this type's config as a whole; the proxy echoes it in its ACK.
   */
  versionInfo: string;
  /**
   * Unique per response on a stream; the proxy echoes it so replies match responses.
   */
  nonce: string;
  /**
   * The resources of this type for this proxy. For a state-of-the-world response, every
   * resource the proxy should hold; resources it holds and that are absent here are dropped.
   */
  resources: _mesh_v1_Resource__Output[];
  /**
   * Names of resources to drop. Only in an incremental response; a state-of-the-world response
   * leaves it empty.
   */
  removedResources: string[];
  /**
   * False (the default): state of the world, resources is the complete set. True: resources are
   * the ones added or changed since the set the proxy last ACKed, removed_resources the ones to
   * drop; applying both to what the proxy holds gives the complete set whose version is
   * version_info. The first response of a type on a stream is never incremental.
   */
  incremental: boolean;
}
