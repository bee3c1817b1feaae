/**
 * A failing task's output comes back from the worker to be printed under its failure line
 * (`  | …`). It is whatever the command printed: NUL bytes from `head -c N /dev/zero`, a
 * terminal's escape sequences, carriage returns of a progress bar. Printed as they are, 4 KiB
 * of NULs made a wide blank line, and escape sequences could move the cursor over the master's
 * own lines. So every control character except the newline and the tab is shown escaped, as
 * JSON writes it (`\u0000`, `\r`), the way the rest of skein flow names odd characters; a run of
 * the same one is shown once with its count (`\u0000 ×4096`), so it stays one short line.
 * A carriage return before a newline (Windows line ends) is dropped.
 */

/** A run of the same control character longer than this is shown once, with its count. */
export const repeatedControlShownMax = 3;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const controls = /([\u0000-\u0008\u000b-\u001f\u007f-\u009f])\1*/g;

/** JSON's short escapes of control characters. */
const shortEscapes: Record<string, string> = { "\b": "\\b", "\f": "\\f", "\r": "\\r" };

/** `text` with its control characters (other than newline and tab) escaped. */
export function shownOutput(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(controls, (run: string, char: string) => {
    const escaped = shortEscapes[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
    return run.length > repeatedControlShownMax ? `${escaped} ×${run.length}` : escaped.repeat(run.length);
  });
}
