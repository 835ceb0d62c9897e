// Process captains as people (issue 35): who captains which process for the network, a region or
// a dealer, each with a weekly digest from a Temporal Schedule of its own; and a company
// customer's own counterpart per process. Set by the OEM; the rules are domain/kpis.ts's.
import { randomUUID } from 'node:crypto';
import { captainProblem, isTimeZone, type Scope } from '../domain/kpis.js';
import type { Process } from '../domain/processes.js';
import type { PrismaClient } from '../platform/db.js';
import { captainDigestScheduleIdOf } from '../workflows/definitions.js';
import type { DigestSchedules } from './digest-schedules.js';

/** A request the captains cannot take: the field and why (a 400). */
export class CaptainRefused extends Error {
  constructor(readonly field: string, message: string) { super(message); }
}

export interface CaptainView {
  captainId: string;
  process: Process;
  scope: Scope;
  person: { userId: string; name: string; email: string; role: string; dealerId: string | null };
  timeZone: string;
  digestPaused: boolean;
  /** The Temporal Schedule that sends the weekly digest (Monday 07:00 in `timeZone`). */
  digestScheduleId: string;
  updatedAt: string;
}

export interface CaptainInput { process: Process; scope: Scope; userId: string; timeZone?: string | undefined }

const DEFAULT_ZONE = 'Europe/Berlin';

/** The scope exists: the network, an active dealer, or a region some dealer belongs to. The dealer's zone. */
export async function checkScope(db: PrismaClient, scope: Scope): Promise<{ zone: string | null }> {
  if (scope.kind === 'NETWORK') {
    if (scope.id !== '') throw new CaptainRefused('scope.id', 'the network has no id');
    return { zone: null };
  }
  if (scope.kind === 'DEALER') {
    const dealer = await db.dealer.findUnique({ where: { id: scope.id }, select: { active: true, timeZone: true } });
    if (!dealer?.active) throw new CaptainRefused('scope.id', `no active dealer ${scope.id}`);
    return { zone: dealer.timeZone };
  }
  if (!(await db.dealer.findFirst({ where: { region: scope.id }, select: { id: true } }))) throw new CaptainRefused('scope.id', `no dealer is in region ${scope.id}`);
  return { zone: null };
}

export function processCaptains({ db, schedules }: { db: PrismaClient; schedules: DigestSchedules }) {
  const include = { user: { select: { id: true, name: true, email: true, role: true, dealerId: true } } } as const;
  type Row = NonNullable<Awaited<ReturnType<typeof db.processCaptain.findFirst<{ include: typeof include }>>>>;
  const view = (r: Row): CaptainView => ({
    captainId: r.id, process: r.process as Process, scope: { kind: r.scopeKind as Scope['kind'], id: r.scopeId },
    person: { userId: r.user.id, name: r.user.name, email: r.user.email, role: r.user.role, dealerId: r.user.dealerId },
    timeZone: r.timeZone, digestPaused: r.digestPaused, digestScheduleId: captainDigestScheduleIdOf(r.id), updatedAt: r.updatedAt.toISOString(),
  });
  const scheduleOf = (r: Row) => ({ captainId: r.id, timeZone: r.timeZone, paused: r.digestPaused, note: `${r.process} · ${r.scopeKind === 'NETWORK' ? 'network' : `${r.scopeKind.toLowerCase()} ${r.scopeId}`} · ${r.user.name}` });


  return {
    async list(filter: { dealerId?: string } = {}): Promise<CaptainView[]> {
      const rows = await db.processCaptain.findMany({
        include, orderBy: [{ process: 'asc' }, { scopeKind: 'asc' }, { scopeId: 'asc' }],
        ...(filter.dealerId ? { where: { scopeKind: 'DEALER', scopeId: filter.dealerId } } : {}),
      });
      return rows.map(view);
    },

    async get(captainId: string): Promise<CaptainView | null> {
      const row = await db.processCaptain.findUnique({ where: { id: captainId }, include });
      return row ? view(row) : null;
    },

    /**
     * Names the captain of a process for a scope (the one there is replaced) and makes sure its
     * digest is scheduled. The same request again changes nothing. The row is written before the
     * schedule: when Temporal is away the caller retries and the schedule follows.
     */
    async set(input: CaptainInput, setBy: string): Promise<CaptainView> {
      const { zone } = await checkScope(db, input.scope);
      const person = await db.userAccount.findUnique({ where: { id: input.userId }, select: { role: true, dealerId: true, active: true } });
      if (!person) throw new CaptainRefused('userId', `no workspace person ${input.userId}`);
      const problem = captainProblem(input.scope, person);
      if (problem) throw new CaptainRefused('userId', problem);
      if (input.timeZone !== undefined && !isTimeZone(input.timeZone)) throw new CaptainRefused('timeZone', `${input.timeZone} is not a time zone (IANA, e.g. Europe/Berlin)`);
      const timeZone = input.timeZone ?? zone ?? DEFAULT_ZONE;
      const key = { process: input.process, scopeKind: input.scope.kind, scopeId: input.scope.id };
      const existing = await db.processCaptain.findUnique({ where: { process_scopeKind_scopeId: key }, include });
      const unchanged = existing && existing.userId === input.userId && existing.timeZone === timeZone;
      const row = unchanged ? existing : await db.processCaptain.upsert({
        where: { process_scopeKind_scopeId: key },
        create: { id: randomUUID(), ...key, userId: input.userId, timeZone, setBy },
        update: { userId: input.userId, timeZone, setBy },
        include,
      });
      await schedules.ensure(scheduleOf(row));
      return view(row);
    },

    /** Pauses or resumes the captain's digest (its schedule too); by state, so a repeat answers the same. */
    async setDigestPaused(captainId: string, paused: boolean): Promise<CaptainView | null> {
      const found = await db.processCaptain.findUnique({ where: { id: captainId }, include });
      if (!found) return null;
      const row = found.digestPaused === paused ? found : await db.processCaptain.update({ where: { id: captainId }, data: { digestPaused: paused }, include });
      await schedules.ensure(scheduleOf(row));
      return view(row);
    },

    /** The schedule goes first: a digest never runs for a captain who is gone. False when there was none. */
    async remove(captainId: string): Promise<boolean> {
      await schedules.remove(captainId);
      return (await db.processCaptain.deleteMany({ where: { id: captainId } })).count > 0;
    },

    async triggerDigest(captainId: string): Promise<boolean> {
      const found = await db.processCaptain.findUnique({ where: { id: captainId }, include });
      if (!found) return false;
      await schedules.ensure(scheduleOf(found));
      await schedules.trigger(captainId);
      return true;
    },

    /** A company's counterpart for a process: one of the company's own contacts. */
    async setCounterpart(companyId: string, process: Process, contactId: string, setBy: string): Promise<void> {
      const company = await db.customer.findUnique({ where: { id: companyId }, select: { kind: true } });
      if (company?.kind !== 'COMPANY') throw new CaptainRefused('id', 'counterparts are named for company customers');
      if (!(await db.companyContact.findFirst({ where: { companyId, contactId }, select: { contactId: true } }))) {
        throw new CaptainRefused('contactId', "not one of the company's contacts (GET /v1/customers/{id}/people lists them)");
      }
      await db.customerCounterpart.upsert({ where: { companyId_process: { companyId, process } }, create: { companyId, process, contactId, setBy }, update: { contactId, setBy } });
    },
    async removeCounterpart(companyId: string, process: Process): Promise<void> {
      await db.customerCounterpart.deleteMany({ where: { companyId, process } });
    },
    async counterparts(companyId: string): Promise<{ process: Process; contactId: string }[]> {
      const rows = await db.customerCounterpart.findMany({ where: { companyId }, orderBy: { process: 'asc' } });
      return rows.map((r) => ({ process: r.process as Process, contactId: r.contactId }));
    },
  };
}
export type ProcessCaptains = ReturnType<typeof processCaptains>;
