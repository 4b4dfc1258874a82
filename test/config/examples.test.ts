import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { parseConfig } from '../../src/config/index.js';
import { repoRoot } from '../helpers/cli.js';

const files = [
  'examples/kubernetes/cronjob-irsa.yaml',
  'examples/kubernetes/indexed-job-shards.yaml',
  'examples/kubernetes/schedule-deployment.yaml',
  'examples/ci/github-actions.yml',
  'examples/kubernetes/indexed-job-shards-s3.yaml',
];

async function docs(file: string): Promise<Record<string, unknown>[]> {
  const all = parseAllDocuments(await readFile(`${repoRoot}${file}`, 'utf8'));
  for (const d of all) expect(d.errors, file).toEqual([]);
  return all.map((d) => d.toJS() as Record<string, unknown>);
}

describe('examples/', () => {
  it('the overrides example is a valid pipeline config', async () => {
    const text = await readFile(`${repoRoot}examples/overrides/pipeline.config.yaml`, 'utf8');
    const result = parseConfig(parse(text), { source: text, env: { FANOUT_EXTERNAL_ID: 'ext-123456' } });
    expect(result.ok ? result.config.overrides.map((o) => o.field) : result.issues).toEqual([
      'overrides.0',
      'overrides.1',
      'overrides.2',
      'overrides.3',
    ]);
  });

  it('are well-formed YAML', async () => {
    for (const f of files) expect((await docs(f)).length).toBeGreaterThan(0);
  });

  it("the CronJob's embedded config is a valid pipeline config", async () => {
    const cm = (await docs(files[0]!)).find((d) => d.kind === 'ConfigMap') as {
      data: Record<string, string>;
    };
    const text = cm.data['pipeline.config.yaml']!;
    const result = parseConfig(parse(text), {
      source: text,
      env: {
        FANOUT_EXTERNAL_ID: 'ext-123456',
        ALERT_WEBHOOK_URL: 'https://hooks.example.com/services/T0/B0/x',
      },
    });
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it('the Indexed Job gives every shard the count and a shared run id', async () => {
    const job = (await docs(files[1]!))[0] as {
      spec: {
        completions: number;
        completionMode: string;
        template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
      };
    };
    expect(job.spec.completionMode).toBe('Indexed');
    const env = job.spec.template.spec.containers[0]!.env;
    expect(env.find((e) => e.name === 'SHARD_COUNT')?.value).toBe(String(job.spec.completions));
    expect(env.some((e) => e.name === 'ATHENA_FANOUT_RUN_ID')).toBe(true);
  });

  it("merges the Indexed Job's run only after that Job has finished, completed or failed", async () => {
    const [shards, merge, role, binding] = (await docs(files[1]!)) as {
      kind: string;
      metadata: { name: string };
      spec: {
        template: {
          spec: {
            serviceAccountName: string;
            initContainers: { command: string[] }[];
            containers: { args: string[] }[];
          };
        };
      };
      rules?: { resources: string[]; verbs: string[] }[];
      subjects?: { name: string }[];
    }[];
    const name = shards!.metadata.name;
    const pod = merge!.spec.template.spec;
    expect(pod.containers[0]!.args.slice(0, 3)).toEqual(['merge', '--run', name]);
    const wait = pod.initContainers[0]!.command.join(' ');
    expect(wait).toContain(`kubectl get job ${name} `);
    expect(wait).toMatch(/Complete\|Failed/);
    expect(role!.rules![0]).toMatchObject({ resources: ['jobs'], verbs: ['get'] });
    expect(binding!.subjects![0]!.name).toBe(pod.serviceAccountName);
  });

  it('the Indexed Job without a shared volume: a valid config with its manifest and sinks on S3', async () => {
    const [cm, shards] = (await docs(files[4]!)) as {
      data?: Record<string, string>;
      spec?: { template: { spec: { volumes: Record<string, unknown>[] } } };
    }[];
    const text = cm!.data!['pipeline.config.yaml']!;
    const result = parseConfig(parse(text), { source: text, env: { FANOUT_EXTERNAL_ID: 'ext-123456' } });
    expect(result.ok ? [] : result.issues).toEqual([]);
    if (!result.ok) return;
    expect(result.config.manifest).toMatch(/^s3:\/\//);
    for (const sink of result.config.sinks) expect(sink.path).toMatch(/^s3:\/\//);
    for (const v of shards!.spec!.template.spec.volumes)
      expect(v).not.toHaveProperty('persistentVolumeClaim');
  });

  it('the CI workflow asks for an OIDC token and never two runs at once', async () => {
    const wf = (await docs(files[3]!))[0] as {
      permissions: Record<string, string>;
      concurrency: { 'cancel-in-progress': boolean };
      jobs: { run: { steps: { uses?: string; with?: Record<string, unknown> }[] } };
    };
    expect(wf.permissions['id-token']).toBe('write');
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
    const creds = wf.jobs.run.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
    expect(creds?.with?.['role-to-assume']).toMatch(/^arn:aws:iam::\d{12}:role\//);
  });
});
