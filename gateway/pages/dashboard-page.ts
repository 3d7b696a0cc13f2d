// The ministry's shared dashboard: GET /dashboard serves a static HTML page whose script signs in, with an API
// client holding aggregates.read or a person's login through the gateway's SSO at a dashboard party (listed at
// /dashboard/sso.json), and reads the aggregates feed. Its files are read from the project folder
// (gateway/pages/dashboard/) at run time; the chart library, uPlot, is served from node_modules as installed,
// never copied into the repository nor fetched from a CDN (the CSP allows same-origin scripts only).
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import type { Kysely } from 'kysely';
import { dashboardsAt } from '../auth/clients.js';
import { projectFolder } from '../model/project-folder.js';
import type { Database } from '../store/tables.js';

/** The only files of uPlot's dist/ the page needs: the browser build and its stylesheet. */
const VENDOR_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'];

export function dashboardPageRoutes(db: Kysely<Database>, publicUrl: string): Router {
  const folder = path.join(projectFolder('gateway', 'pages/dashboard/index.html'), 'pages', 'dashboard');
  const uplot = path.join(path.dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
  const noCache = (res: express.Response) => res.setHeader('Cache-Control', 'no-cache');
  // Strict, as /occupancy: the page's relative links resolve from `/dashboard` only.
  const router = Router({ strict: true });
  router.get('/dashboard', (_req, res) => {
    noCache(res);
    res.sendFile('index.html', { root: folder });
  });
  // The dashboard parties that come back to this page: their ids are public (no secret), their names are what
  // people choose between when there are several.
  router.get('/dashboard/sso.json', async (_req, res) => {
    noCache(res);
    res.json({ parties: await dashboardsAt(db, `${publicUrl}/dashboard`) });
  });
  router.get(['/dashboard/', '/dashboard/index.html'], (_req, res) => res.redirect(301, '../dashboard'));
  router.get('/dashboard/vendor/:file', (req, res, next) => {
    if (!VENDOR_FILES.includes(req.params.file)) return next();
    noCache(res);
    res.sendFile(req.params.file, { root: uplot });
  });
  router.use('/dashboard', express.static(folder, { index: false, redirect: false, fallthrough: true, setHeaders: noCache }));
  return router;
}
