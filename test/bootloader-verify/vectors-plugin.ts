// An esbuild plugin giving bytecode test programs the imgtool vectors: `import vectors from
// 'zw-vectors:imgtool'` → { images: {name: hex}, keys: {file: hex} }, read at bundle time from
// ../shared/vectors/imgtool (never copied into the repository).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';

export function imgtoolVectorsPlugin(dir: string): Plugin {
  return {
    name: 'zw-vectors-imgtool',
    setup(b) {
      b.onResolve({ filter: /^zw-vectors:imgtool$/ }, (a) => ({ path: a.path, namespace: 'zw-vectors' }));
      b.onLoad({ filter: /.*/, namespace: 'zw-vectors' }, () => {
        const images = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.bin')).map((f) => [f, readFileSync(join(dir, f)).toString('hex')]));
        const keys = Object.fromEntries(readdirSync(join(dir, 'keys')).filter((f) => f.endsWith('.der')).map((f) => [f, readFileSync(join(dir, 'keys', f)).toString('hex')]));
        return { contents: `export default ${JSON.stringify({ images, keys })};`, loader: 'js' };
      });
    },
  };
}
