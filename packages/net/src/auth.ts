/**
 * Cluster authentication: peers share a secret and prove they know it without sending it.
 * Each side sends a fresh 16-byte nonce; each answers the other's nonce with
 * `HMAC-SHA256(secret, role | nonce | own id)`. The role label ("accept" / "connect") keeps a
 * proof made by one side from being reflected back as the other's, and the id binds the proof
 * to the node that claims it. Comparison is constant-time.
 *
 * Without a secret the handshake still runs (with an empty key) so versions and node ids are
 * checked, but anyone who speaks the protocol is admitted: the node warns at start.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Environment variable read when no `secret` option is given. */
export const CLUSTER_SECRET_ENV = "SKEIN_CLUSTER_SECRET";

export type ProofRole = "accept" | "connect";

export function freshNonce(): Uint8Array {
  return randomBytes(16);
}

/** A node process's incarnation id (see `HelloBody.incarnation`). */
export function freshIncarnation(): Uint8Array {
  return randomBytes(8);
}

/** The proof a node with id `node` gives for `nonce` in `role`. */
export function proveKnowledge(secret: string, role: ProofRole, nonce: Uint8Array, node: string): Uint8Array {
  return createHmac("sha256", secret).update(role).update("|").update(nonce).update("|").update(node).digest();
}

/** True if `proof` is the right answer, compared in constant time. */
export function verifyProof(secret: string, role: ProofRole, nonce: Uint8Array, node: string, proof: Uint8Array): boolean {
  const expected = proveKnowledge(secret, role, nonce, node);
  return proof.length === expected.length && timingSafeEqual(expected, proof);
}
