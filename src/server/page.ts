import { bosunVersion } from '../common/version.js';

/**
 * The page at `/`: where the API, its OpenAPI document and the feeds are. It contains no data, so
 * it needs no token. The dashboard replaces it later.
 */
export function indexPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bosun</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f3f3;padding:0 .25rem}</style>
</head>
<body>
<h1>Bosun ${escapeHtml(bosunVersion)}</h1>
<p>This is the Bosun service. It has no dashboard yet; use the API, the feeds or the command line.</p>
<ul>
<li>REST API: <code>/api/v1/…</code>, with <code>Authorization: Bearer TOKEN</code>. The OpenAPI 3.1 document is at <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a> (it needs the token too).</li>
<li>Atom feed of all notices: <code>/feed.atom?token=FEED_TOKEN</code>; one engine: <code>/feed/endpoint/NAME.atom?token=FEED_TOKEN</code>.</li>
<li>Prometheus metrics: <code>/metrics</code>, with an <code>api</code> or <code>metrics</code> token.</li>
<li>Liveness: <a href="/healthz"><code>/healthz</code></a>.</li>
</ul>
<p>Create tokens with <code>bosun token create --scope api|metrics|feed:all|feed:endpoint:NAME --name NAME</code>.</p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
