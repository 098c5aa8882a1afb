import { withKeyword, type ParsedInstruction } from '../instruction.js';
import type { AuditRule, RuleHit } from './types.js';

/** Name words that mark a secret on their own. */
const SECRET_WORDS = new Set(['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'credential', 'credentials', 'privatekey']);
/** Adjacent name words that together mark a secret: API_KEY, PRIVATE_KEY, ACCESS_KEY. */
const SECRET_PAIRS = new Set(['api key', 'private key', 'access key', 'secret key', 'auth key', 'client secret']);
/**
 * A last name word that makes the variable a pointer to a secret, or a setting about one,
 * rather than the secret: PASSWORD_FILE, TOKEN_URL, SECRET_NAME.
 */
const NOT_SECRET_SUFFIXES = new Set(['file', 'path', 'dir', 'directory', 'url', 'uri', 'endpoint', 'host', 'port', 'length', 'len', 'size', 'type', 'name', 'id', 'env', 'mode', 'enabled', 'version', 'header', 'policy']);

/** Value formats of well-known credentials. */
export const CREDENTIAL_FORMATS: RegExp[] = [
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key ID
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,}\b/,
  /\bxox[baprs]-[A-Za-z0-9-]{10,}/, // Slack
  /\bglpat-[A-Za-z0-9_-]{20,}\b/, // GitLab
  /\bsk_live_[A-Za-z0-9]{20,}\b/, // Stripe
  /\bAIza[0-9A-Za-z_-]{35}\b/, // Google API key
  /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/,
];

/** Splits a variable name into lowercase words: `dbPassword`, `DB_PASSWORD` → db, password. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

export function looksLikeSecretName(name: string): boolean {
  const words = nameWords(name);
  if (words.length === 0 || NOT_SECRET_SUFFIXES.has(words[words.length - 1]!)) return false;
  if (words.some((word) => SECRET_WORDS.has(word))) return true;
  return words.slice(1).some((word, i) => SECRET_PAIRS.has(`${words[i]} ${word}`));
}

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Reports whether a value looks like a credential: a known token format, or a long
 * random-looking string. Hex strings (checksums, GPG fingerprints), paths, URLs and values with blanks or
 * variables are left out, because those are common and not secret in Dockerfiles.
 */
export function looksLikeSecretValue(value: string): boolean {
  if (CREDENTIAL_FORMATS.some((pattern) => pattern.test(value))) return true;
  if (value.length < 20 || /[\s$]/.test(value) || value.includes('://') || value.startsWith('/')) return false;
  if (/^[0-9a-fA-F]+$/.test(value) || /^[\w.-]*\d+\.\d+/.test(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((pattern) => pattern.test(value)).length;
  return classes === 3 && entropy(value) >= 4;
}

function propertiesOf(instruction: ParsedInstruction): { keyword: string; properties: ParsedInstruction['properties'] } | undefined {
  const inner = withKeyword(instruction, 'ENV', 'ARG');
  if (!inner) return undefined;
  return { keyword: instruction.keyword === 'ONBUILD' ? `ONBUILD ${inner.keyword}` : inner.keyword, properties: inner.properties };
}

export const secretRule: AuditRule = {
  id: 'BOSUN-DF006',
  severity: 'medium',
  why: 'ENV values are stored in the image config and ARG values in its build history, so anyone who can pull the image can read them. Use RUN --mount=type=secret instead.',
  check(context) {
    const hits: RuleHit[] = [];
    for (const { instruction, inheritedTrigger } of context.instructions) {
      const found = inheritedTrigger ? undefined : propertiesOf(instruction);
      if (!found) continue;
      for (const { name, value } of found.properties) {
        // The value is never put in the message: it may be the secret.
        if (value !== undefined && looksLikeSecretValue(value)) {
          hits.push({ line: instruction.line, message: `${found.keyword} ${name} has a value that looks like a credential`, severity: 'high' });
        } else if (looksLikeSecretName(name)) {
          hits.push({ line: instruction.line, message: `${found.keyword} ${name} looks like it carries a secret` });
        }
      }
    }
    return hits;
  },
};
