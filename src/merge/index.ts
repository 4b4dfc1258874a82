export { combineManifests, lastEnd, readShardManifests } from './merge-manifests.js';
export { mergeOutputs } from './merge-outputs.js';
