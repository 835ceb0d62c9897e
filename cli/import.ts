// `npm run import`: a fair or road-show file of leads (cli/import-leads.ts), or with --customers
// the OEM's customer base (cli/import-customers.ts).
await import(process.argv.includes('--customers') ? './import-customers.js' : './import-leads.js');
