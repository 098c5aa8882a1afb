import type { Store } from '../store/index.js';

/** One source of an ecosystem's advisories. */
export interface SourceStatus {
  source: string;
  /** Records the source provided at its last import. */
  records: number;
  updatedAt: string;
}

export interface EcosystemStatus {
  /** The OSV ecosystem as advisories write it: `Debian:12`, `Go`. */
  ecosystem: string;
  /** Stored advisories with an affected entry in this ecosystem, withdrawn ones included. */
  advisories: number;
  sources: SourceStatus[];
  /** The latest import of any of its sources. */
  lastUpdated: string | undefined;
}

export interface AdvisoryStatus {
  /** Stored advisories, withdrawn ones included. */
  total: number;
  withdrawn: number;
  ecosystems: EcosystemStatus[];
  lastUpdated: string | undefined;
}

/** Summarises the stored advisories: counts per ecosystem and when each was last imported. */
export async function advisoryStatus(store: Store): Promise<AdvisoryStatus> {
  const totals = await store.db
    .selectFrom('advisories')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('withdrawn').as('withdrawn')])
    .executeTakeFirstOrThrow();
  const counts = await store.db
    .selectFrom('advisory_affected')
    .select((eb) => ['ecosystem', eb.fn.count<number>('advisory_id').distinct().as('advisories')])
    .groupBy('ecosystem')
    .orderBy('ecosystem')
    .execute();
  const sources = await store.db.selectFrom('advisory_sources').selectAll().orderBy('ecosystem').orderBy('source').execute();

  const ecosystems = new Map<string, EcosystemStatus>();
  const entry = (ecosystem: string) => {
    let status = ecosystems.get(ecosystem);
    if (!status) {
      status = { ecosystem, advisories: 0, sources: [], lastUpdated: undefined };
      ecosystems.set(ecosystem, status);
    }
    return status;
  };
  for (const row of counts) entry(row.ecosystem).advisories = Number(row.advisories);
  for (const row of sources) {
    const status = entry(row.ecosystem);
    status.sources.push({ source: row.source, records: Number(row.records), updatedAt: row.updated_at });
    status.lastUpdated = latest(status.lastUpdated, row.updated_at);
  }

  const list = [...ecosystems.values()].sort((a, b) => a.ecosystem.localeCompare(b.ecosystem));
  return {
    total: Number(totals.total),
    withdrawn: Number(totals.withdrawn),
    ecosystems: list,
    lastUpdated: list.reduce<string | undefined>((last, status) => latest(last, status.lastUpdated), undefined),
  };
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
