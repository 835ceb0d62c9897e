-- AlterTable
ALTER TABLE "lead" ADD COLUMN     "preferred_dealer_id" TEXT;
