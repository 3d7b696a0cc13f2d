// helmet's security headers, fitted to how the gateway is reached. `upgrade-insecure-requests` and HSTS tell
// a browser to use HTTPS from then on: sent over plain HTTP (a VM, a LAN address), they make it ask for the
// docs page's assets over HTTPS, which nothing serves, and the page stays blank. So they go out only when
// the public URL is https.
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export function securityHeaders(publicUrl: string): RequestHandler {
  const https = new URL(publicUrl).protocol === 'https:';
  return helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: https ? [] : null } },
    strictTransportSecurity: https,
  }) as RequestHandler;
}
