import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderResetScript, renderSetupScript } from '../src/index.ts';

// Writes the T-SQL scripts from the migrations; a test fails when the committed files are stale.
const sqlDir = fileURLToPath(new URL('../../../sql/', import.meta.url));
writeFileSync(`${sqlDir}setup_database.sql`, renderSetupScript());
writeFileSync(`${sqlDir}reset_test_data.sql`, renderResetScript());
console.log(`wrote ${sqlDir}setup_database.sql and reset_test_data.sql`);
