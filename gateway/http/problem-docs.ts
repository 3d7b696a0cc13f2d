// The documentation a problem's `type` URI points at: GET /problems lists every kind of problem, GET
// /problems/<slug> describes one, as HTML for a browser or JSON when asked for. Both are read from PROBLEM_TYPES.
import { Router, type Request, type Response } from 'express';
import { NotFoundProblem } from '../errors/problems.js';
import { isProblemSlug, PROBLEM_TYPES, problemTypeUri, type ProblemSlug } from '../errors/problem-types.js';

function described(publicUrl: string, slug: ProblemSlug) {
  const { status, title, description } = PROBLEM_TYPES[slug];
  return { type: problemTypeUri(publicUrl, slug), slug, status, title, description };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escaped, with `code` spans kept as code. */
function prose(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body>${body}</body></html>\n`;
}

function section(type: ReturnType<typeof described>, heading: 'h1' | 'h2'): string {
  return `<section id="${type.slug}"><${heading}>${escapeHtml(type.title)}</${heading}>` +
    `<p>HTTP status <strong>${type.status}</strong>; <code>type</code>: <code>${escapeHtml(type.type)}</code></p>` +
    `<p>${prose(type.description)}</p></section>`;
}

function answer(req: Request, res: Response, json: unknown, html: () => string): void {
  if (req.accepts(['text/html', 'application/json']) === 'application/json') res.json(json);
  else res.type('text/html; charset=utf-8').send(html());
}

export function problemDocsRoutes(publicUrl: string): Router {
  const router = Router();
  const slugs = Object.keys(PROBLEM_TYPES) as ProblemSlug[];

  router.get('/problems', (req, res) => {
    const types = slugs.map((slug) => described(publicUrl, slug));
    answer(req, res, { problems: types }, () => page('Problem types', '<h1>Problem types</h1>' +
      '<p>Every error is <code>application/problem+json</code> (RFC 9457); its <code>type</code> is one of these.</p>' +
      `<ul>${types.map((t) => `<li><a href="problems/${t.slug}">${escapeHtml(t.slug)}</a>: ${t.status} ${escapeHtml(t.title)}</li>`).join('')}</ul>` +
      types.map((t) => section(t, 'h2')).join('')));
  });

  router.get('/problems/:slug', (req, res) => {
    const slug = req.params.slug as string;
    if (!isProblemSlug(slug)) throw new NotFoundProblem(`no problem type ${slug}: GET /problems lists them`);
    const type = described(publicUrl, slug);
    answer(req, res, type, () => page(type.title, section(type, 'h1') + '<p><a href="../problems">Every problem type</a></p>'));
  });
  return router;
}
