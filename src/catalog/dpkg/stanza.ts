/** One RFC 822 style paragraph of a dpkg control file, with its first line number for messages. */
export interface Stanza {
  fields: Map<string, string>;
  line: number;
}

/** A field cut at the max length, named once per paragraph. */
export interface TruncatedField {
  line: number;
  field: string;
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
 * A line that fits none of these is reported and skipped, and parsing goes on. A field stops
 * growing at `maxFieldChars` and is reported in `truncated`, which also keeps appending
 * continuation lines from turning quadratic.
 */
export function parseStanzas(text: string, maxFieldChars = Infinity): { stanzas: Stanza[]; problems: StanzaProblem[]; truncated: TruncatedField[] } {
  const stanzas: Stanza[] = [];
  const problems: StanzaProblem[] = [];
  const truncated: TruncatedField[] = [];
  const setField = (stanza: Stanza, field: string, value: string, lineNumber: number): void => {
    if (value.length <= maxFieldChars) {
      stanza.fields.set(field, value);
      return;
    }
    truncated.push({ line: lineNumber, field });
    stanza.fields.set(field, value.slice(0, maxFieldChars));
  };
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
        const previous = current.fields.get(lastField)!;
        if (previous.length < maxFieldChars) setField(current, lastField, `${previous}\n${line.slice(1)}`, lineNumber);
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
    current.fields.delete(lastField);
    setField(current, lastField, line.slice(colon + 1).trim(), lineNumber);
  }
  return { stanzas, problems, truncated };
}
