// A dealer's recall repair task, as the API's action and the workspace's form both decide it:
// the car under the recall must be this journey's customer's and its task this dealer's; once the
// journey has taken the repair, the task closes (again harmlessly on a retry).
import type { PrismaClient } from '../platform/db.js';

export interface RecallTaskRef {
  recallId: string;
  vin: string;
}

export function recallTaskRules(db: PrismaClient) {
  return {
    async isDealersTask({ recallId, vin }: RecallTaskRef, journeyId: string, dealerId: string): Promise<boolean> {
      const task = await db.recallVehicle.findUnique({ where: { campaignId_vin: { campaignId: recallId, vin } } });
      return task !== null && task.journeyId === journeyId && task.dealerId === dealerId;
    },
    async close({ recallId, vin }: RecallTaskRef, repairedBy: string): Promise<void> {
      await db.recallVehicle.updateMany({ where: { campaignId: recallId, vin, status: 'OPEN' }, data: { status: 'REPAIRED', repairedAt: new Date(), repairedBy } });
    },
  };
}
