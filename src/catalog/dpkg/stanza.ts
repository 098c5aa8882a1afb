/** One RFC 822 style paragraph of a dpkg control file, with its first line number for messages. */
export interface Stanza {
  fields: Map<string, string>;
  line: number;
}

/** A line that is neither a field, a continuation nor a paragraph break. */
export interface StanzaProblem {
  line: number;
  text: string;
}

/**
 * Splits a dpkg control file (deb822(5)) into paragraphs. Blank lines separate paragraphs,
 * each field is `Name: value`, and a line that starts with a space or tab continues the
 * previous field. Field names are matched case-insensitively, so they are stored lower-cased.
 * A line that fits none of these is reported and skipped, and parsing goes on.
 */
export function parseStanzas(text: string): { stanzas: Stanza[]; problems: StanzaProblem[] } {
  const stanzas: Stanza[] = [];
  const problems: StanzaProblem[] = [];
  let current: Stanza | undefined;
  let lastField: string | undefined;

  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const lineNumber = index + 1;

    if (line.trim() === '') {
      current = undefined;
      lastField = undefined;
      continue;
    }
    if (line.startsWith('#')) continue;

    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current && lastField !== undefined) {
        current.fields.set(lastField, `${current.fields.get(lastField)}\n${line.slice(1)}`);
      } else {
        problems.push({ line: lineNumber, text: line });
      }
      continue;
    }

    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push({ line: lineNumber, text: line });
      continue;
    }
    if (!current) {
      current = { fields: new Map(), line: lineNumber };
      stanzas.push(current);
    }
    lastField = line.slice(0, colon).trim().toLowerCase();
    current.fields.set(lastField, line.slice(colon + 1).trim());
  }
  return { stanzas, problems };
}
