import type { Manifest } from '../manifest.js';

// Athena bills scanned bytes per query, rounded up to 10 MB, at this price per TB unless the manifest says.
const DEFAULT_PRICE_PER_TB = 5;
const MIN_BILLED_BYTES = 10 * 1024 * 1024;

/** Estimated Athena cost of the run in USD: the manifest's own figure when it has one. */
export function estimatedCostUsd(manifest: Manifest): number {
  const own = manifest.totals.estimatedCostUSD;
  if (typeof own === 'number') return own;
  let bytes = 0;
  for (const u of manifest.units) {
    if (u.dataScannedInBytes !== undefined) bytes += Math.max(u.dataScannedInBytes, MIN_BILLED_BYTES);
  }
  return (bytes / 1e12) * DEFAULT_PRICE_PER_TB;
}
