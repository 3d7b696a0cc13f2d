// The Kubernetes manifests in deploy/kubernetes/: every document valid against its API schema (the official
// OpenAPI schemas from kubernetes-models, the CloudNativePG CRD from @kubernetes-models/cloudnative-pg), and the
// deployment's rules kept: non-root containers on read-only root filesystems, probes, resources, pinned images,
// placeholder secrets, a default-deny network, and budgets and autoscaling aimed at the right pods.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const FOLDER = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const SECRET_EXAMPLE = 'secret.example.yaml';
const GATEWAY_IMAGE = 'registry.example.fr/passerelle';
const PLACEHOLDER = 'change-me';

type Labels = Record<string, string>;
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
  spec?: unknown;
}
interface Manifest {
  file: string;
  resource: Resource;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  securityContext?: { runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Labels };
  spec: {
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
    containers: Container[];
    initContainers?: Container[];
    topologySpreadConstraints?: { topologyKey: string }[];
  };
}
interface Workload extends Resource {
  spec: { replicas?: number; selector?: { matchLabels: Labels }; template: PodTemplate };
}
interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
}
interface NetworkPolicyPeer {
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: { matchLabels?: Labels };
}
interface NetworkPolicy extends Resource {
  spec: {
    podSelector: { matchLabels?: Labels };
    policyTypes?: string[];
    ingress?: { from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
    egress?: { to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
  };
}

function loadManifests(): Manifest[] {
  return fs.readdirSync(FOLDER).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml').sort().flatMap((file) => {
    const documents = parseAllDocuments(fs.readFileSync(path.join(FOLDER, file), 'utf8'));
    return documents.map((document) => {
      expect(document.errors, file).toEqual([]);
      return { file, resource: document.toJS() as Resource };
    });
  });
}

const manifests = loadManifests();
const kustomization = parseAllDocuments(fs.readFileSync(path.join(FOLDER, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as {
  resources: string[];
  images?: { name: string; newTag?: string }[];
};

function ofKind<T extends Resource>(kind: string): T[] {
  return manifests.filter((m) => m.resource.kind === kind).map((m) => m.resource as T);
}

function named<T extends Resource>(kind: string, name: string): T {
  const found = ofKind<T>(kind).find((r) => r.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name} in deploy/kubernetes`);
  return found;
}

const workloads = [...ofKind<Workload>('Deployment'), ...ofKind<Workload>('Job')];
const containersOf = (w: Workload) => [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers];
const passerelleContainers = workloads.flatMap(containersOf).filter((c) => c.image.startsWith(`${GATEWAY_IMAGE}:`));
const gateway = named<Workload>('Deployment', 'passerelle');
const worker = named<Workload>('Deployment', 'passerelle-worker');
const migrate = named<Workload>('Job', 'passerelle-migrate');

const selects = (selector: Labels | undefined, labels: Labels) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

// The schema models (kubernetes-models and the CloudNativePG models, dev dependencies) are looked up by apiVersion.
const MODEL_MODULES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'postgresql.cnpg.io/v1': '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1',
};
type Model = new (data: Resource) => { validate(): void };

async function modelOf(resource: Resource): Promise<Model> {
  const specifier = MODEL_MODULES[resource.apiVersion];
  if (!specifier) throw new Error(`no schema module known for ${resource.apiVersion}`);
  const Model = ((await import(specifier)) as Record<string, Model | undefined>)[resource.kind];
  if (!Model) throw new Error(`${specifier} has no model of ${resource.kind}`);
  return Model;
}

describe('the manifests', () => {
  it('are all named by kustomization.yaml, except the Secret example, which never leaves Git', () => {
    const files = [...new Set(manifests.map((m) => m.file))];
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== SECRET_EXAMPLE));
    expect(files).toContain(SECRET_EXAMPLE);
  });

  for (const { file, resource } of manifests) {
    it(`${file}: ${resource.kind} ${resource.metadata.name} is valid against its schema`, async () => {
      const Model = await modelOf(resource);
      expect(() => new Model(resource).validate()).not.toThrow();
    });
  }
});

describe('the PostgreSQL cluster (CloudNativePG)', () => {
  const cluster = named<Resource & {
    spec: { instances: number; imageName: string; storage: { size: string }; bootstrap: { initdb: { database: string; owner: string } } };
  }>('Cluster', 'passerelle-db');

  it('runs a primary and a replica on storage of their own, with a database the application user owns', () => {
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec.instances).toBe(2);
    expect(cluster.spec.storage.size).toMatch(/^\d+[GT]i$/);
    expect(cluster.spec.bootstrap.initdb).toMatchObject({ database: 'passerelle', owner: 'passerelle' });
    expect(cluster.spec.imageName).toMatch(/:\d+(\.\d+)*$/);
  });

  it('is what every Passerelle container reaches, through the Secret the operator writes (passerelle-db-app, key uri)', () => {
    expect(passerelleContainers.map((c) => c.name).sort()).toEqual(['gateway', 'migrate', 'worker']);
    for (const container of passerelleContainers) {
      const databaseUrl = container.env?.find((e) => e.name === 'DATABASE_URL');
      expect(databaseUrl?.valueFrom?.secretKeyRef, container.name).toEqual({ name: `${cluster.metadata.name}-app`, key: 'uri' });
    }
  });

  it('serves the gateway\'s reads from its replicas (the -ro Service), as the application user', () => {
    const [container] = containersOf(gateway);
    const env = new Map(container.env?.map((e) => [e.name, e]));
    expect(new URL(env.get('DATABASE_READ_URL')?.value ?? '').host).toBe(`${cluster.metadata.name}-ro:5432`);
    expect(env.get('PGUSER')?.valueFrom?.secretKeyRef).toEqual({ name: `${cluster.metadata.name}-app`, key: 'username' });
    expect(env.get('PGPASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: `${cluster.metadata.name}-app`, key: 'password' });
  });
});

describe('every container', () => {
  const all = workloads.flatMap((w) => containersOf(w).map((c) => ({ workload: w, container: c })));

  it('runs as a non-root user on a read-only root filesystem, without privilege escalation or capabilities', () => {
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const { workload, container } of all) {
      const where = `${workload.metadata.name}/${container.name}`;
      const pod = workload.spec.template.spec.securityContext;
      expect(container.securityContext?.runAsNonRoot ?? pod?.runAsNonRoot, where).toBe(true);
      expect(pod?.runAsUser, where).toBeGreaterThan(0);
      expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
      expect(container.securityContext?.allowPrivilegeEscalation, where).toBe(false);
      expect(container.securityContext?.capabilities?.drop, where).toEqual(['ALL']);
    }
  });

  it('of Passerelle has a writable /tmp apart from the read-only root', () => {
    for (const container of passerelleContainers) expect(container.volumeMounts?.map((v) => v.mountPath), container.name).toContain('/tmp');
  });

  it('requests CPU and memory and has a memory limit', () => {
    for (const { workload, container } of all) {
      const where = `${workload.metadata.name}/${container.name}`;
      expect(container.resources?.requests, where).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources?.limits?.memory, where).toEqual(expect.any(String));
    }
  });

  it('runs a pinned image, never :latest', () => {
    for (const { container } of all) {
      const tag = /:([^/:@]+)$/.exec(container.image)?.[1];
      expect(tag, container.image).toBeDefined();
      expect(tag).not.toBe('latest');
    }
    for (const image of kustomization.images ?? []) expect(image.newTag ?? '', image.name).not.toMatch(/^(latest)?$/);
  });
});

describe('the gateway', () => {
  const [container] = gateway.spec.template.spec.containers;

  it('runs `passerelle serve` in at least two replicas spread over nodes', () => {
    expect(container!.command).toEqual(['node', 'dist/gateway/main.js', 'serve']);
    expect(gateway.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(gateway.spec.template.spec.topologySpreadConstraints?.map((t) => t.topologyKey)).toContain('kubernetes.io/hostname');
  });

  it('is probed: started and alive on /health, ready on /ready', () => {
    expect(container!.startupProbe?.httpGet?.path).toBe('/health');
    expect(container!.livenessProbe?.httpGet?.path).toBe('/health');
    expect(container!.readinessProbe?.httpGet?.path).toBe('/ready');
  });

  it('is what the Service, the HorizontalPodAutoscaler and a PodDisruptionBudget aim at', () => {
    const labels = gateway.spec.template.metadata.labels;
    const service = named<Resource & { spec: { selector: Labels } }>('Service', 'passerelle');
    expect(selects(service.spec.selector, labels)).toBe(true);
    expect(selects(service.spec.selector, worker.spec.template.metadata.labels)).toBe(false);

    const hpa = named<Resource & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; metrics: { resource?: { name: string } }[] } }>(
      'HorizontalPodAutoscaler', 'passerelle');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: gateway.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.metrics.map((m) => m.resource?.name)).toContain('cpu');

    const budgets = ofKind<Resource & { spec: { selector: { matchLabels: Labels } } }>('PodDisruptionBudget');
    const gatewayBudgets = budgets.filter((b) => selects(b.spec.selector.matchLabels, labels));
    expect(gatewayBudgets.map((b) => b.metadata.name)).toEqual(['passerelle']);
    expect(gatewayBudgets[0]!.spec.selector.matchLabels).toEqual(gateway.spec.selector?.matchLabels);
    expect(budgets.some((b) => selects(b.spec.selector.matchLabels, worker.spec.template.metadata.labels))).toBe(true);
  });
});

describe('the worker and the migrations', () => {
  it('run `passerelle worker` and `passerelle migrate` from the same image as the gateway', () => {
    const [workerContainer] = worker.spec.template.spec.containers;
    const [migrateContainer] = migrate.spec.template.spec.containers;
    expect(workerContainer!.command?.slice(-2)).toEqual(['dist/gateway/main.js', 'worker']);
    expect(migrateContainer!.command).toEqual(['node', 'dist/gateway/main.js', 'migrate']);
    expect(new Set(passerelleContainers.map((c) => c.image)).size).toBe(1);
  });
});

describe('the Secret example', () => {
  it('is the only Secret here, and holds placeholders only', () => {
    const secrets = manifests.filter((m) => m.resource.kind === 'Secret');
    expect(secrets.map((m) => m.file)).toEqual([SECRET_EXAMPLE]);
    const secret = secrets[0]!.resource as Resource & { data?: unknown; stringData: Record<string, string> };
    expect(secret.data).toBeUndefined();
    for (const [key, value] of Object.entries(secret.stringData)) expect(value, key).toBe(PLACEHOLDER);
  });
});

describe('the network policies', () => {
  const policies = ofKind<NetworkPolicy>('NetworkPolicy');
  const applying = (labels: Labels) => policies.filter((p) => selects(p.spec.podSelector.matchLabels, labels));
  const ports = (rules: { ports?: NetworkPolicyPort[] }[] | undefined) => (rules ?? []).flatMap((r) => (r.ports ?? []).map((p) => Number(p.port)));
  const egressPorts = (labels: Labels) => new Set(applying(labels).flatMap((p) => ports(p.spec.egress)));
  const ingressPorts = (labels: Labels) => new Set(applying(labels).flatMap((p) => ports(p.spec.ingress)));

  it('deny all traffic, in and out, to every pod unless another policy allows it', () => {
    const denyAll = policies.filter((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0 && !p.spec.ingress && !p.spec.egress);
    expect(denyAll.map((p) => [...(p.spec.policyTypes ?? [])].sort())).toContainEqual(['Egress', 'Ingress']);
  });

  it('let the gateway be reached on 8080 from the ingress controller namespace only', () => {
    const rules = applying(gateway.spec.template.metadata.labels).flatMap((p) => p.spec.ingress ?? []);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(ports([rule])).toEqual([8080]);
      expect(rule.from?.every((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'])).toBe(true);
    }
  });

  it('let each component out only where it needs: DNS, PostgreSQL, Redis, and HTTPS or SFTP', () => {
    expect(egressPorts(gateway.spec.template.metadata.labels)).toEqual(new Set([53, 5432, 6379, 443]));
    expect(egressPorts(worker.spec.template.metadata.labels)).toEqual(new Set([53, 5432, 6379, 22, 443]));
    expect(egressPorts(migrate.spec.template.metadata.labels)).toEqual(new Set([53, 5432]));
    expect(ingressPorts(worker.spec.template.metadata.labels)).toEqual(new Set());
  });

  it('let Redis be reached by the gateway and the workers only', () => {
    const redis = named<Workload>('Deployment', 'passerelle-redis').spec.template.metadata.labels;
    const peers = applying(redis).flatMap((p) => (p.spec.ingress ?? []).flatMap((r) => r.from ?? []));
    expect(ingressPorts(redis)).toEqual(new Set([6379]));
    expect(peers.map((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/component']).sort()).toEqual(['gateway', 'worker']);
  });
});
