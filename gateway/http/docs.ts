// The API's documentation: the bundled OpenAPI document at /openapi.json and Swagger UI at /docs, every asset
// served from node_modules (no CDN, no call to the online validator), so it works offline and under
// helmet's default Content-Security-Policy (the page loads only same-origin script files).
import express, { type Router } from 'express';
import swaggerUi from 'swagger-ui-express';

export function docsRouter(document: Record<string, unknown>): Router {
  const router = express.Router();
  const json = JSON.stringify(document);

  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });

  // The root has nothing of its own: a browser pointed at the gateway lands on its documentation.
  router.get('/', (_req, res) => res.redirect(302, 'docs/'));

  // The page loads its assets relatively (./swagger-ui.css), so it must be read as /docs/, not /docs.
  router.get('/docs', (req, res, next) => {
    if (req.originalUrl.split('?')[0].endsWith('/')) return next();
    res.redirect(301, 'docs/');
  });
  const options: swaggerUi.SwaggerUiOptions = {
    customSiteTitle: 'Passerelle API',
    swaggerOptions: {
      validatorUrl: null,
      // Keep secrets typed into "Authorize" out of the browser's storage.
      persistAuthorization: false,
      displayRequestDuration: true,
    },
  };
  router.use('/docs', swaggerUi.serveFiles(document, options), swaggerUi.setup(document, options));
  return router;
}
