// The HTML every SSO page shares: escaping, the links a page may carry, and the French page layout with its
// stylesheet and (for the SAML POST binding only) its one script, both served by the gateway under
// /sso/assets/: the pages carry no inline style or script and load nothing from another site.

/** Where ssoPageRoutes serves the stylesheet and the auto-submit script. */
export const ASSETS_PATH = '/sso/assets';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for an element's content or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

/**
 * Whether a link or form target may be written into a page: a path on this site (not `//host`) or an http(s) URL.
 * Anything else (`javascript:`, `data:`) would run or show content the gateway did not write.
 */
export function isSafeTarget(href: string): boolean {
  if (href.startsWith('/')) return !href.startsWith('//') && !href.startsWith('/\\');
  try {
    const { protocol } = new URL(href);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** `href`, or a TypeError naming `what` when it is not a safe target (a caller's mistake, not a visitor's). */
export function safeTarget(href: string, what: string): string {
  if (!isSafeTarget(href)) throw new TypeError(`${what} must be a path or an http(s) URL`);
  return href;
}

export interface Layout {
  /** The page's title and its single h1 (plain text, escaped here). */
  readonly title: string;
  /** The content of <main> after the h1: HTML already escaped by the caller. */
  readonly body: string;
  /** Load the auto-submit script (the SAML POST binding page only). */
  readonly autosubmit?: boolean;
}

export function layout({ title, body, autosubmit = false }: Layout): string {
  const script = autosubmit ? `\n<script src="${ASSETS_PATH}/autosubmit.js" defer></script>` : '';
  return `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${ASSETS_PATH}/sso.css">${script}
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}
