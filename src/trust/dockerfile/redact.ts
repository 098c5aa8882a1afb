import { CREDENTIAL_FORMATS, looksLikeSecretName, looksLikeSecretValue } from './rules/secrets.js';

/** The text that replaces a redacted value or URL password. */
export const REDACTED = '***';

/** `scheme://user:password@` or `scheme://user@` at the start of a URL's authority. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"']*)@/gi;
/** `NAME=VALUE`, with the name optionally opening a quote (`"API_KEY=…"`) and the value quoted or bare. */
const ASSIGNMENT = /(^|[\s"';&|(])([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"?|'[^']*'?|[^\s"';&|)]*)/g;
/** The old `ENV NAME VALUE` form, where the rest of the line is the value. */
const ENV_OLD_FORM = /^(\s*(?:onbuild\s+)?(?:env|arg)\s+)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2(\s+)(\S.*)$/i;
/** Known token formats, found anywhere in a line, such as a header in a RUN command. */
const CREDENTIALS_ANYWHERE = CREDENTIAL_FORMATS.map((pattern) => new RegExp(pattern.source, 'g'));
/** A value that only names a variable (`$TOKEN`, `${TOKEN}`), which is not the secret itself. */
const VARIABLE_ONLY = /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/;

/**
 * Replaces the password of every URL in the text with `***`, keeping the user name:
 * `https://deploy:***@example.com/x`. A user name alone is replaced when it looks like a token.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, (match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon !== -1) return `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`;
    return looksLikeSecretValue(userinfo) ? `${scheme}${REDACTED}@` : match;
  });
}

/**
 * Redacts secret-looking values in one line of Dockerfile text, keeping the keys: assignments
 * whose name or value DF006 would flag (`ARG DB_PASSWORD=***`), the old `ENV NAME VALUE` form,
 * URL passwords, and well-known token formats anywhere. Lines of a continued instruction are
 * handled one at a time.
 */
export function redactDockerfileLine(line: string): string {
  const oldForm = ENV_OLD_FORM.exec(line);
  if (oldForm !== null && !oldForm[3]!.includes('=') && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(oldForm[5]!)) {
    const [, prefix, quote, name, blank, value] = oldForm as unknown as [string, string, string, string, string, string];
    if (isSecret(name, unquote(value))) return `${prefix}${quote}${name}${quote}${blank}${REDACTED}`;
  }
  const assignments = line.replace(ASSIGNMENT, (match, before: string, name: string, value: string) => {
    if (!isSecret(name, unquote(value))) return match;
    const quote = value.startsWith('"') || value.startsWith("'") ? value[0]! : '';
    const close = quote !== '' && value.length > 1 && value.endsWith(quote) ? quote : '';
    return `${before}${name}=${quote}${REDACTED}${close}`;
  });
  return CREDENTIALS_ANYWHERE.reduce((text, pattern) => text.replace(pattern, REDACTED), redactUrlCredentials(assignments));
}

/** Redacts every line of a text with `redactDockerfileLine`. */
export function redactDockerfileText(text: string): string {
  return text.split('\n').map(redactDockerfileLine).join('\n');
}

function isSecret(name: string, value: string): boolean {
  if (value === '' || VARIABLE_ONLY.test(value)) return false;
  return looksLikeSecretName(name) || looksLikeSecretValue(value);
}

function unquote(value: string): string {
  return value.replace(/^["']/, '').replace(/["']$/, '');
}
