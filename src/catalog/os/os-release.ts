/**
 * Parses an os-release(5) file into its variables. The format is a restricted shell
 * assignment list: `KEY=value`, with the value optionally in double quotes (backslash escapes
 * `\\`, `\"`, `\$` and `` \` ``) or single quotes (no escapes). Comment and blank lines are
 * skipped. Lines that are not assignments are skipped too, because distributions ship files
 * that stray from the format and the remaining variables are still useful.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const variables = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;

    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    variables.set(match[1]!, unquote(match[2]!));
  }
  return variables;
}

const DOUBLE_QUOTE_ESCAPES = ['\\', '"', '$', '`'];

/** Decodes one value. An unterminated quote takes the rest of the line. */
function unquote(raw: string): string {
  const first = raw[0];
  if (first === "'") {
    const end = raw.indexOf("'", 1);
    return end < 0 ? raw.slice(1) : raw.slice(1, end);
  }

  const quoted = first === '"';
  let value = '';
  for (let i = quoted ? 1 : 0; i < raw.length; i++) {
    const char = raw[i]!;
    if (quoted && char === '"') break;
    const next = raw[i + 1];
    // In double quotes a shell keeps the backslash before any other character.
    if (char === '\\' && next !== undefined && (!quoted || DOUBLE_QUOTE_ESCAPES.includes(next))) {
      value += next;
      i++;
      continue;
    }
    value += char;
  }
  return quoted ? value : value.trim();
}
