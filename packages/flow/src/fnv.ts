/**
 * FNV-1a, 32 bits, over a string's UTF-16 code units, as 8 hex digits. A cheap content key
 * (rule hashes in the transaction log, the launcher's build cache), not a defence against
 * forgery. `offsetBasis` other than the standard one gives an independent second hash.
 */
export function fnv1a32(text: string, offsetBasis = 0x811c9dc5): string {
  let hash = offsetBasis;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, "0");
}
