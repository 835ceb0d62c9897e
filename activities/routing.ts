import type { BusinessHours } from '../domain/business-hours.js';
import { chooseDealer, type RoutingChoice } from '../domain/routing.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export interface RoutingDeps {
  db: PrismaClient;
}

export interface RouteHandoffInput {
  customerId: string;
  preferredDealerId: string | null;
  alreadyTried: string[];
}

/**
 * Picks the dealer for a hand-off with the pure routing rules, from the dealers,
 * their open sales load and the rotation record in the database. The rotation is
 * updated in the same transaction, dealers locked, so concurrent journeys rotate fairly.
 */
export function createRoutingActivities({ db }: RoutingDeps) {
  return {
    async routeHandoff(input: RouteHandoffInput): Promise<RoutingChoice & { acceptanceSlaMs?: number; businessHours?: BusinessHours }> {
      return db.$transaction(async (tx) => {
        const customer = await tx.customer.findUnique({ where: { id: input.customerId }, select: { postalCode: true } });
        await tx.$executeRaw`SELECT id FROM dealer WHERE active ORDER BY id FOR UPDATE`;
        const dealers = await tx.dealer.findMany({ where: { active: true } });
        const load = await tx.journey.groupBy({ by: ['dealerId'], where: { stage: 'IN_SALES', dealerId: { not: null } }, _count: { _all: true } });
        const openLoad = new Map(load.map((l) => [l.dealerId, l._count._all]));
        const choice = chooseDealer(
          dealers.map((d) => ({
            id: d.id, active: d.active, territory: d.territory, capacity: d.capacity,
            openLoad: openLoad.get(d.id) ?? 0, lastOfferedAt: d.lastOfferedAt?.toISOString() ?? null,
          })),
          { postalCode: customer?.postalCode ?? null, preferredDealerId: input.preferredDealerId, alreadyTried: input.alreadyTried },
        );
        if (!choice.dealerId) return choice;
        const chosen = await tx.dealer.update({ where: { id: choice.dealerId }, data: { lastOfferedAt: new Date() } });
        // A dealer's own acceptance SLA replaces the OEM's for offers to that dealer; with
        // opening hours, the journey counts the SLA in open time only.
        const weekly = chosen.businessHours as BusinessHours['weekly'] | null;
        return {
          ...choice,
          ...(chosen.acceptanceSlaMinutes ? { acceptanceSlaMs: chosen.acceptanceSlaMinutes * 60_000 } : {}),
          ...(weekly ? { businessHours: { timeZone: chosen.timeZone, weekly, ...(chosen.closedOn.length ? { closedOn: chosen.closedOn } : {}) } } : {}),
        };
      });
    },
  };
}
