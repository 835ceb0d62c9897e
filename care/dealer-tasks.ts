// A dealer's open work on its customers: the tasks journeys handed it (a service appointment a
// customer asked for, a complaint to follow up, a car that needs the workshop, an outcome to
// report), earliest due first — of the customers it serves now only (a task left from a customer
// who moved on is not its business any more). The dealer closes what it did by hand (the call
// back about an appointment, the workshop visit arranged); the others leave the list with their
// own action (the outcome reported, the complaint resolved).
import type { PrismaClient } from '../platform/db.js';

/** What a dealer's people see and close in their list. */
export const DEALER_TASK_KINDS = ['SERVICE_APPOINTMENT', 'COMPLAINT_FOLLOW_UP', 'VEHICLE_SERVICE', 'OUTCOME_CHASE'] as const;
/** What the dealer closes itself ("done"): the rest close when the journey hears of the outcome. */
export const CLOSED_BY_HAND: readonly string[] = ['SERVICE_APPOINTMENT', 'VEHICLE_SERVICE'];

export interface DealerTask {
  taskId: string;
  kind: string;
  detail: string | null;
  dueAt: Date;
  overdue: boolean;
  journeyId: string;
  customerId: string;
  customerName: string;
  closable: boolean;
}

export function dealerTasks(db: PrismaClient) {
  return {
    async open(dealerId: string, now = new Date()): Promise<DealerTask[]> {
      const rows = await db.$queryRaw<{ key: string; kind: string; detail: string | null; due_at: Date; journey_id: string; customer_id: string; first_name: string | null; last_name: string | null; company_name: string | null }[]>`
        SELECT t.key, t.kind, t.detail, t.due_at, j.id AS journey_id, j.customer_id::text, c.first_name, c.last_name, c.company_name
        FROM journey_task t JOIN journey j ON j.id = t.journey_id JOIN customer c ON c.id = j.customer_id
        WHERE t.assignee = ${dealerId} AND t.status = 'OPEN' AND t.kind = ANY(${[...DEALER_TASK_KINDS]}::text[])
          AND j.dealer_id = ${dealerId} AND j.stage IN ('IN_SALES', 'DEALER_OWNED')
          -- Done by their own action: the outcome reported (no longer in sales), the complaint resolved.
          AND (t.kind <> 'OUTCOME_CHASE' OR j.stage = 'IN_SALES')
          AND (t.kind <> 'COMPLAINT_FOLLOW_UP' OR EXISTS (
            SELECT 1 FROM aftersales_event o WHERE o.journey_id = j.id AND o.kind = 'COMPLAINT_OPENED'
              AND NOT EXISTS (SELECT 1 FROM aftersales_event r WHERE r.journey_id = j.id AND r.kind = 'COMPLAINT_RESOLVED' AND r.ref = o.ref)))
        ORDER BY t.due_at, t.key LIMIT 500`;
      return rows.map((r) => ({
        taskId: r.key, kind: r.kind, detail: r.detail, dueAt: r.due_at, overdue: r.due_at < now, journeyId: r.journey_id, customerId: r.customer_id,
        customerName: r.company_name ?? ([r.first_name, r.last_name].filter(Boolean).join(' ') || '(no name)'), closable: CLOSED_BY_HAND.includes(r.kind),
      }));
    },
    /** Closes the dealer's own task of a kind it closes by hand, on a customer it serves now; false when there is none such. Closing again is harmless. */
    async close(dealerId: string, taskId: string): Promise<boolean> {
      const closed = await db.$executeRaw`
        UPDATE journey_task t SET status = 'DONE' FROM journey j
        WHERE t.key = ${taskId} AND t.assignee = ${dealerId} AND t.status = 'OPEN' AND t.kind = ANY(${[...CLOSED_BY_HAND]}::text[])
          AND j.id = t.journey_id AND j.dealer_id = ${dealerId} AND j.stage IN ('IN_SALES', 'DEALER_OWNED')`;
      if (closed > 0) return true;
      // Closed before (a repeat, a double click): the same answer.
      return (await db.journeyTask.count({ where: { key: taskId, assignee: dealerId, status: 'DONE', kind: { in: [...CLOSED_BY_HAND] } } })) > 0;
    },
  };
}
export type DealerTasks = ReturnType<typeof dealerTasks>;
