/**
 * Password proof: the master sends a random nonce, the worker answers HMAC-SHA256(password,
 * nonce). The password never crosses the wire, and a recorded answer is useless for another
 * nonce. No password on either side means no proof is asked.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export function passwordProof(password: string, nonce: string): string {
  return createHmac("sha256", password).update(nonce).digest("hex");
}

export function proofIsValid(password: string | undefined, nonce: string, proof: unknown): boolean {
  if (password === undefined) return true;
  if (typeof proof !== "string") return false;
  const expected = Buffer.from(passwordProof(password, nonce));
  const given = Buffer.from(proof);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
