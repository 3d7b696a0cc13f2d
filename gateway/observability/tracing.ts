// OpenTelemetry traces for a process (the gateway or a worker): registers the SDK's tracer provider, W3C trace
// context propagation and the async context manager, when the configuration names an exporter. Off, nothing is
// registered: the spans the code starts come from the API's no-op tracer, and the SDK is not even loaded.
import { context, propagation, trace, type ProxyTracerProvider } from '@opentelemetry/api';
import type { TracingConfig } from '../config/config.js';

export interface Tracing {
  /** Whether spans are recorded and exported. */
  readonly enabled: boolean;
  /** Exports the spans still buffered and unregisters the provider: the last thing a process closes. */
  close(): Promise<void>;
}

/**
 * An SQL statement's text can be long (a bulk insert's placeholders): attribute values are cut at this length.
 */
const ATTRIBUTE_VALUE_LIMIT = 4096;

const OFF: Tracing = { enabled: false, close: async () => undefined };

/**
 * The API holds one provider per process: a second gateway started in the same process while the first one traces
 * (tests) is not traced itself, and leaves the first one's tracing on when it closes.
 */
export async function startTracing(config: TracingConfig, defaultServiceName: string): Promise<Tracing> {
  if (config.exporters.length === 0) return OFF;
  const [sdk, { OTLPTraceExporter }, { defaultResource, resourceFromAttributes }, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const ratio = new sdk.TraceIdRatioBasedSampler(config.samplerRatio);
  const samplers = {
    always_on: () => new sdk.AlwaysOnSampler(),
    always_off: () => new sdk.AlwaysOffSampler(),
    traceidratio: () => ratio,
    parentbased_always_on: () => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() }),
    parentbased_always_off: () => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() }),
    parentbased_traceidratio: () => new sdk.ParentBasedSampler({ root: ratio }),
  } satisfies Record<TracingConfig['sampler'], () => unknown>;
  const exporterOf = (name: TracingConfig['exporters'][number]) =>
    name === 'otlp' ? new OTLPTraceExporter({ url: config.otlpTracesUrl }) : new sdk.ConsoleSpanExporter();
  const provider = new sdk.NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName ?? defaultServiceName })),
    sampler: samplers[config.sampler](),
    spanLimits: { attributeValueLengthLimit: ATTRIBUTE_VALUE_LIMIT },
    spanProcessors: config.exporters.map((name) => new sdk.BatchSpanProcessor(exporterOf(name))),
  });
  provider.register();
  if ((trace.getTracerProvider() as ProxyTracerProvider).getDelegate() !== provider) {
    await provider.shutdown();
    return OFF;
  }
  return {
    enabled: true,
    async close() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
