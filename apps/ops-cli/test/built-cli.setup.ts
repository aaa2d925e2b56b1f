import { ensureBuilt } from '../../../scripts/ensure-built.mjs';

// The CLI tests run bin/ocr-ops.mjs, which runs dist/: build it first when the sources changed,
// so a test never passes or fails on yesterday's JavaScript.
export default async function setup(): Promise<void> {
  await ensureBuilt(['@invoicegw/ops-cli']);
}
