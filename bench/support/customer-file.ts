// The OEM's customer file for benchmarks (bench:onboarding, bench:actions during an onboarding).
/** A CRM export: owners with a car, a dealer, a last service, a newsletter consent with its proof; one in ten a prospect. */
export function customerCsv(count: number, tag: string, dealerIds: readonly string[]): string {
  const lines = ['Kundennummer;Vorname;Nachname;E-Mail;PLZ;Newsletter;Einwilligungstext;Einwilligungsquelle;Einwilligungsdatum;FIN;Modell;Kaufdatum;Verkaufshändler;Letzter Service;Wunschmodell'];
  for (let i = 0; i < count; i++) {
    const dealer = dealerIds[i % dealerIds.length];
    const vin = `WVW${tag}${String(i).padStart(8, '0')}`.replace(/[IOQ]/g, 'X');
    const year = 2018 + (i % 8);
    lines.push(i % 10 === 9
      ? `K-${i};Kim;Kunde${i};kunde.${i}.${tag}@example.com;${10000 + (i % 80000)};;;;;;;;;;ID.7`
      : `K-${i};Kim;Kunde${i};kunde.${i}.${tag}@example.com;${10000 + (i % 80000)};ja;crm-2023;Kaufvertrag;${year}-03-01;${vin};Golf;${year}-03-01;${dealer};2026-09-01;`);
  }
  return `${lines.join('\n')}\n`;
}
