// The local authorities' occupancy page: GET /occupancy serves a static HTML page whose script signs in with
// the authority's API client and reads the occupancy and heating feeds. Its files are not TypeScript, so the
// build does not copy them: they are read from the project folder (gateway/pages/occupancy/) at run time.
import path from 'node:path';
import express, { Router } from 'express';
import { projectFolder } from '../model/project-folder.js';

export function occupancyPageRoutes(): Router {
  const folder = path.join(projectFolder('gateway', 'pages/occupancy/index.html'), 'pages', 'occupancy');
  // Strict: the page's relative links (occupancy/occupancy.js, v1/…, oauth/token) resolve from `/occupancy`
  // only, so `/occupancy/` and `/occupancy/index.html` are sent there rather than served. A relative redirect
  // keeps a path prefix (a gateway published below `https://host/passerelle/`).
  const router = Router({ strict: true });
  router.get('/occupancy', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile('index.html', { root: folder });
  });
  router.get(['/occupancy/', '/occupancy/index.html'], (_req, res) => res.redirect(301, '../occupancy'));
  router.use('/occupancy', express.static(folder, { index: false, redirect: false, fallthrough: true, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  return router;
}
