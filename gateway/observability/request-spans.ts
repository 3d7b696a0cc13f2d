// One server span per HTTP request, the parent of what the request does (its SQL statements, the jobs it
// submits). It continues the trace an incoming W3C `traceparent` names, and is named by the route the request
// matched (`GET /v1/roster/establishments/:uai`), never by its raw path, which holds identifiers.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_SCHEME } from '@opentelemetry/semantic-conventions';
import { matchedRoute } from './matched-route.js';
import { tracer } from './spans.js';

/** Installed only when tracing is on. Comes after `requestLogger`: the span carries the request id its log line has. */
export function requestSpans(): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer().startSpan(req.method, {
      kind: SpanKind.SERVER,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_SCHEME]: req.protocol, ...(req.id ? { 'passerelle.request_id': req.id } : {}) },
    }, parent);
    const active = trace.setSpan(parent, span);
    const ended = () => {
      res.off('finish', ended);
      res.off('close', ended);
      const route = matchedRoute(req);
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, route);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      else if (!res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'closed before the response was sent' });
      span.end();
    };
    res.on('finish', ended);
    res.on('close', ended);
    context.with(active, next);
  };
}
