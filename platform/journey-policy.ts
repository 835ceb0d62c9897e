// The journey policy's one owner: a versioned record in the database. Every change is a
// new version saying who changed what and why; new journeys start with the newest, and
// running journeys learn of a change when the OEM asks for it (a signal to each).
import { DEFAULT_POLICY, resolvePolicy, SETTING_STAGES, type JourneyPolicy } from '../domain/policy.js';
import { isUniqueViolation, type PrismaClient } from './db.js';

export interface PolicyVersion {
  /** 0: the built-in defaults, before anyone changed anything. */
  version: number;
  policy: JourneyPolicy;
  changes: Partial<JourneyPolicy>;
  changedBy: string;
  reason: string;
  appliedToRunning: boolean;
  createdAt: string;
}

/** What a policy change would reach among running journeys. */
export interface PolicyImpact {
  runningJourneys: number;
  /** Deadlines already set keep their time; the next ones use the new value. */
  deadlinesAlreadySet: 'kept';
  settings: { setting: string; from: number | string; to: number | string; stages: string[] | 'ALL'; journeys: number }[];
}

const DEFAULTS: PolicyVersion = { version: 0, policy: DEFAULT_POLICY, changes: {}, changedBy: 'defaults', reason: 'built-in defaults', appliedToRunning: false, createdAt: new Date(0).toISOString() };

/** How long a process trusts the version it read last (another process may have written a newer one). */
const CACHE_MS = 5_000;

export function createJourneyPolicyStore(db: PrismaClient) {
  let cached: { at: number; version: PolicyVersion } | null = null;
  const toView = (row: { version: number; policy: unknown; changes: unknown; changedBy: string; reason: string; appliedToRunning: boolean; createdAt: Date }): PolicyVersion => ({
    version: row.version,
    // Settings added to the code after this version was written take their defaults.
    policy: { ...DEFAULT_POLICY, ...(row.policy as Partial<JourneyPolicy>) },
    changes: row.changes as Partial<JourneyPolicy>,
    changedBy: row.changedBy, reason: row.reason, appliedToRunning: row.appliedToRunning, createdAt: row.createdAt.toISOString(),
  });

  async function latest(): Promise<PolicyVersion> {
    const row = await db.journeyPolicyVersion.findFirst({ orderBy: { version: 'desc' } });
    return row ? toView(row) : DEFAULTS;
  }

  return {
    /** The policy new journeys start with (read at most every few seconds per process). */
    async current(): Promise<PolicyVersion> {
      if (cached && Date.now() - cached.at < CACHE_MS) return cached.version;
      const version = await latest();
      cached = { at: Date.now(), version };
      return version;
    },

    async find(version: number): Promise<PolicyVersion | null> {
      const row = await db.journeyPolicyVersion.findUnique({ where: { version } });
      return row ? toView(row) : null;
    },

    /** Newest first. */
    async history(limit = 50): Promise<PolicyVersion[]> {
      return (await db.journeyPolicyVersion.findMany({ orderBy: { version: 'desc' }, take: limit })).map(toView);
    },

    /**
     * A new version: the newest policy with `changes` applied (InvalidPolicy names a bad
     * setting). Two changes racing for the same version number: the loser tries again on
     * top of the winner.
     */
    async change(input: { changes: Record<string, unknown>; changedBy: string; reason: string; applyToRunning: boolean }): Promise<PolicyVersion> {
      for (let attempt = 1; ; attempt++) {
        const base = await latest();
        const policy = resolvePolicy(input.changes, base.policy);
        try {
          const row = await db.journeyPolicyVersion.create({
            data: { version: base.version + 1, policy: policy as object, changes: input.changes as object, changedBy: input.changedBy, reason: input.reason, appliedToRunning: input.applyToRunning },
          });
          cached = null;
          return toView(row);
        } catch (error) {
          if (!isUniqueViolation(error) || attempt >= 5) throw error;
        }
      }
    },

    /** What a change would give (the newest policy with `changes` applied), stored nowhere; InvalidPolicy names a bad setting. */
    async preview(changes: Record<string, unknown>): Promise<{ base: PolicyVersion; policy: JourneyPolicy }> {
      const base = await latest();
      return { base, policy: resolvePolicy(changes, base.policy) };
    },

    /**
     * A change's reach among running journeys (the read model): how many run, and per changed
     * setting how many set their next deadline of that kind with it (domain/policy.ts SETTING_STAGES).
     */
    async impact(base: JourneyPolicy, changes: Record<string, unknown>): Promise<PolicyImpact> {
      const rows = await db.journey.groupBy({ by: ['stage'], where: { stage: { notIn: ['ERASED'] } }, _count: { _all: true } });
      const byStage = new Map(rows.map((r) => [r.stage, r._count._all]));
      const running = [...byStage.values()].reduce((a, b) => a + b, 0);
      return {
        runningJourneys: running,
        deadlinesAlreadySet: 'kept',
        settings: Object.entries(changes).map(([setting, to]) => {
          const stages = SETTING_STAGES[setting as keyof JourneyPolicy] ?? null;
          return {
            setting, from: base[setting as keyof JourneyPolicy] as number | string, to: to as number | string,
            stages: stages ? [...stages] : 'ALL',
            journeys: stages ? stages.reduce((n, stage) => n + (byStage.get(stage) ?? 0), 0) : running,
          };
        }),
      };
    },

    /**
     * JOURNEY_POLICY at process start (the dev stack's knob): recorded as a version when it
     * differs from the newest, so the database stays the one owner.
     */
    async adopt(overrides: JourneyPolicy, changedBy: string): Promise<PolicyVersion> {
      const base = await latest();
      const changes = Object.fromEntries(Object.entries(overrides).filter(([k, v]) => base.policy[k as keyof JourneyPolicy] !== v));
      if (Object.keys(changes).length === 0) return base;
      return this.change({ changes, changedBy, reason: `${changedBy} at start-up`, applyToRunning: false });
    },
  };
}

export type JourneyPolicyStore = ReturnType<typeof createJourneyPolicyStore>;
