// Build one JS plugin into a component with the componentize-js API (not `jco componentize`:
// jco 1.35.0's default path is broken, see the host notes). Copied next to the pinned
// node_modules by build.sh and run from there.
//
//   node componentize.mjs <source.js> <wit dir> <world> <out.wasm>
import { componentize } from '@bytecodealliance/componentize-js';
import { writeFile, rename } from 'node:fs/promises';

const [sourcePath, witPath, worldName, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node componentize.mjs <source.js> <wit dir> <world> <out.wasm>');
  process.exit(2);
}
const { component } = await componentize({
  sourcePath,
  witPath,
  worldName,
  // No fetch(): without these the component imports wasi:http, which the host does not link
  // (and cluster access must only go through lifeguard:plugin/cluster anyway).
  disableFeatures: ['http', 'fetch-event'],
});
const tmp = `${out}.tmp.${process.pid}`;
await writeFile(tmp, component);
await rename(tmp, out); // atomic: the host's hot reload never sees half a file
