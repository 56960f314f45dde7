import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { postgres, type EngineDatabase } from '../helpers/engines.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { createCertificate, TestUpstream } from '../relay/upstream.js';

/** Sluice instances on one new PostgreSQL database, relaying `*@relay.test` to one upstream. */
export interface RelayCluster {
  readonly database: EngineDatabase;
  readonly upstream: TestUpstream;
  readonly sluices: readonly TestSluice[];
  close(): Promise<void>;
}

export async function startRelayCluster(options: {
  readonly instances: number;
  /** How long the upstream takes to answer DATA. */
  readonly replyDelayMs?: number;
  /** More arguments for every instance. */
  readonly args?: readonly string[];
}): Promise<RelayCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-relay-cluster-'));
  const database = await postgres.create();
  const upstream = await TestUpstream.start({
    certificate: await createCertificate(),
    replyDelayMs: options.replyDelayMs,
  });
  const config = join(dir, 'relay.yaml');
  writeFileSync(
    config,
    stringify({
      relay: {
        upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
        rules: [{ match: { recipient: '*@relay.test' }, action: 'relay' }],
      },
    }),
  );
  const sluices: TestSluice[] = [];
  for (let n = 0; n < options.instances; n++) {
    sluices.push(await startSluice(['--config', config, ...(options.args ?? [])], { database }));
  }
  return {
    database,
    upstream,
    sluices,
    async close() {
      for (const sluice of sluices) await sluice.close();
      await upstream.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
