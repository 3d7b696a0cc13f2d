// Serves the SSO pages' stylesheet and script at /sso/assets/. They are not TypeScript, so the build does not
// copy them: they are read from the project folder (gateway/sso/pages/assets/) at run time.
import path from 'node:path';
import express, { Router } from 'express';
import { projectFolder } from '../../model/project-folder.js';
import { ASSETS_PATH } from './html.js';

export function ssoPageRoutes(): Router {
  const folder = path.join(projectFolder('gateway', 'sso/pages/assets/sso.css'), 'sso', 'pages', 'assets');
  const router = Router();
  // no-cache: revalidated by ETag on each page, so a changed file is seen at once despite its fixed name.
  router.use(ASSETS_PATH, express.static(folder, {
    index: false, redirect: false, fallthrough: false, dotfiles: 'ignore',
    setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
  }));
  return router;
}
