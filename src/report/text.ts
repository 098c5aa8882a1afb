/**
 * Terminal text helpers. Advisory summaries and package names come from outside, so they are
 * cleaned before they reach a terminal: an escape sequence in a summary could otherwise move
 * the cursor, rewrite earlier lines or change the window title.
 */

// C0 and C1 control characters, DEL, and the bidirectional overrides and isolates that can
// make text display in a different order than it is stored.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g;

// Whole ANSI escape sequences: CSI (`ESC [ … final byte`) and OSC (`ESC ] … BEL` or `ESC ] … ESC \\`).
const ESCAPE_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/**
 * Removes ANSI escape sequences, replaces other control characters and bidirectional controls
 * with a space, and collapses runs of spaces.
 */
export function sanitiseText(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(UNSAFE, ' ').replace(/ {2,}/g, ' ').trim();
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200d\ufe00-\ufe0f]$/u;

/**
 * Returns how many terminal cells a code point takes: 0 for combining marks and joiners, 2 for
 * East Asian wide and fullwidth characters and most emoji, 1 otherwise.
 *
 * NOTE: the wide ranges are a subset of Unicode's East Asian Width data, and emoji sequences
 * joined with U+200D count as the sum of their parts, which overstates their width.
 */
export function codePointWidth(char: string): number {
  if (ZERO_WIDTH.test(char)) return 0;
  const cp = char.codePointAt(0) ?? 0;
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

/** Returns the number of terminal cells `text` takes. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += codePointWidth(char);
  return width;
}

/** Cuts `text` to at most `width` cells, ending it with `…` when something was cut. */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';

  let out = '';
  let used = 0;
  for (const char of text) {
    const w = codePointWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

/** Cuts or pads `text` with spaces to exactly `width` cells. */
export function fitToWidth(text: string, width: number): string {
  const cut = truncateToWidth(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}
