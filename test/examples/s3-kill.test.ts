import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempFiles } from '../helpers/paths.js';
import { kill, md5, send, startDemoServer, type Answer, type DemoServer } from '../helpers/s3-demo.js';

/**
 * The S3 demo server under concurrent clients and SIGKILL at random moments: clients PUT, GET
 * and DELETE the same and different keys while the server is killed and restarted on the same
 * data. Every complete GET answers a whole version some client PUT (MD5 equal to its ETag and
 * Content-Length), or 404 — never a mix of two versions, never a short body; no temporary file
 * survives a restart. Bounded: 12 clients, about 8 seconds, 6 kills.
 */

const files = tempFiles('s3-kill');
let server: DemoServer | undefined;
after(async () => {
  if (server) await kill(server);
  files.remove();
});

const SIZES = [0, 1, 1000, 65_543, 300_000];
const CLIENTS = 12;
const KILLS = 6;

interface Tally {
  puts: number;
  gets: number;
  deletes: number;
  notFound: number;
  refused: number;
  cut: number;
  bad: string[];
}

test('concurrent PUT/GET/DELETE while the server is SIGKILLed and restarted: every GET a whole version or a 404', async () => {
  const data = join(files.dir, 'data');
  server = await startDemoServer(data, ['--no-instrument']);
  assert.equal((await send(server.url, 'PUT', '/race')).status, 200);
  /** Every version a client sent (whether or not the answer arrived), by key: MD5s. */
  const versions = new Map<string, Set<string>>();
  const tally: Tally = { puts: 0, gets: 0, deletes: 0, notFound: 0, refused: 0, cut: 0, bad: [] };
  let running = true;

  const check = (key: string, got: Answer, when: string) => {
    if (got.status === 404) return void tally.notFound++;
    if (got.cut) return void tally.cut++; // the connection ended before Content-Length: the client knows
    const sum = md5(got.body);
    if (got.status !== 200) tally.bad.push(`${when} GET ${key}: ${got.status} ${got.body.toString().slice(0, 200)}`);
    else if (
      got.headers.etag !== `"${sum}"` ||
      Number(got.headers['content-length']) !== got.body.length ||
      !versions.get(key)?.has(sum)
    ) {
      tally.bad.push(
        `${when} GET ${key}: ${got.body.length} bytes, MD5 ${sum}, ETag ${got.headers.etag}, Content-Length ${got.headers['content-length']}`,
      );
    } else tally.gets++;
  };

  async function client(id: number): Promise<void> {
    const keys = ['shared', `shared-${id % 3}`, `own-${id}`];
    while (running) {
      const key = keys[Math.floor(Math.random() * keys.length)];
      const url = server!.url;
      const op = Math.random();
      try {
        if (op < 0.45) {
          const body = randomBytes(SIZES[Math.floor(Math.random() * SIZES.length)]);
          if (!versions.has(key)) versions.set(key, new Set());
          versions.get(key)!.add(md5(body)); // before sending: the server may store it even if the answer is lost
          const put = await send(url, 'PUT', `/race/${key}`, { body, timeout: 5000 });
          if (put.status === 200) tally.puts++;
          else tally.bad.push(`PUT ${key}: ${put.status} ${put.body.toString().slice(0, 200)}`);
        } else if (op < 0.9) check(key, await send(url, 'GET', `/race/${key}`, { timeout: 5000 }), 'during');
        else {
          const del = await send(url, 'DELETE', `/race/${key}`, { timeout: 5000 });
          if (del.status === 204) tally.deletes++;
          else tally.bad.push(`DELETE ${key}: ${del.status}`);
        }
      } catch {
        tally.refused++; // killed or restarting: no answer at all
        await sleep(20);
      }
    }
  }

  const clients = Array.from({ length: CLIENTS }, (_, i) => client(i));
  for (let k = 0; k < KILLS; k++) {
    await sleep(400 + Math.random() * 900);
    await kill(server);
    server = await startDemoServer(data, ['--no-instrument']);
    const left = readdirSync(join(data, 'race')).filter((f) => f.startsWith('.tmp-'));
    assert.deepEqual(left, [], `after restart ${k + 1}: no temporary file of the killed server is left`);
  }
  await sleep(500);
  running = false;
  await Promise.all(clients);

  for (const key of versions.keys()) check(key, await send(server.url, 'GET', `/race/${key}`), 'after');
  const listed = (await send(server.url, 'GET', '/race?list-type=2')).body.toString();
  for (const [, key] of listed.matchAll(/<Key>([^<]*)<\/Key>/g)) {
    assert.ok(versions.has(key), `LIST names only keys clients wrote: ${key}`);
    const got = await send(server.url, 'GET', `/race/${key}`);
    assert.equal(got.status, 200, `a listed key reads: ${key}`);
    check(key, got, 'listed');
  }
  assert.deepEqual(
    tally.bad,
    [],
    `every answer whole and consistent (${JSON.stringify({ ...tally, bad: tally.bad.length })})`,
  );
  assert.ok(
    tally.puts > 50 && tally.gets > 50 && tally.deletes > 5,
    `enough traffic: ${JSON.stringify({ ...tally, bad: undefined })}`,
  );
});
