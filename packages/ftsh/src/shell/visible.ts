/**
 * Text in messages with its invisible characters shown. A no-break space (often pasted from a web
 * page or typed with Alt-Space) is not a blank, so `ls -l` written with one is a single word, and
 * "ls -l could not be started" looked like a bug in ftsh.
 */

const invisibleNames: Record<string, string> = {
  "\u00a0": "a no-break space",
  "\u2007": "a figure space",
  "\u202f": "a narrow no-break space",
  "\u200b": "a zero-width space",
  "\u200c": "a zero-width non-joiner",
  "\u200d": "a zero-width joiner",
  "\u2060": "a word joiner",
  "\ufeff": "a zero-width no-break space (byte-order mark)",
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are among what it shows
const invisible = /[\u00a0\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]|[\u0000-\u0008\u000b-\u001f\u007f]/gu;

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** `text` with invisible characters as <U+00A0>, and a note naming the first, or `text` as is. */
export function visible(text: string): { text: string; note: string } {
  const first = text.match(invisible)?.[0];
  if (first === undefined) return { text, note: "" };
  const shown = text.replace(invisible, (char) => `<${codePoint(char)}>`);
  const name = invisibleNames[first] ?? "an invisible character";
  return { text: shown, note: ` (the name contains ${name}, ${codePoint(first)}, which is not a blank)` };
}
