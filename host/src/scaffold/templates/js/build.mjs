// Turn app.js into a component with the componentize-js API. build.sh copies this file next
// to the pinned node_modules (in the tools directory) and runs it from there, so that the
// import below resolves without a node_modules in the project.
//
//   node build.mjs <app.js> <wit dir> <out.wasm>
import { componentize } from '@bytecodealliance/componentize-js';
import { rename, writeFile } from 'node:fs/promises';

const [sourcePath, witPath, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node build.mjs <app.js> <wit dir> <out.wasm>');
  process.exit(2);
}
const { component } = await componentize({
  sourcePath,
  witPath,
  worldName: 'plugin',
  // No fetch(): without these the component imports wasi:http, which the host does not link
  // (cluster access goes through lifeguard:plugin/cluster, where the tenant's grant applies).
  disableFeatures: ['http', 'fetch-event'],
});
// Write, then rename: a host watching the directory never loads a half-written file.
const tmp = `${out}.tmp.${process.pid}`;
await writeFile(tmp, component);
await rename(tmp, out);
console.log(`wrote ${out}`);
