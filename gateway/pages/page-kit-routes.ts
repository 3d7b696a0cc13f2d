// What the gateway's pages share (/occupancy, /dashboard): the API client, the status area, DOM and French
// formatting helpers, the base stylesheet, served from gateway/pages/page-kit/ at /page-kit/.
import path from 'node:path';
import express, { Router } from 'express';
import { projectFolder } from '../model/project-folder.js';

export function pageKitRoutes(): Router {
  const folder = path.join(projectFolder('gateway', 'pages/page-kit/client.js'), 'pages', 'page-kit');
  const router = Router();
  router.use('/page-kit', express.static(folder, { index: false, redirect: false, fallthrough: true, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  return router;
}
