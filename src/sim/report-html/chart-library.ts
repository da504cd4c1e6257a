import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The chart library the report pages inline: uPlot (MIT, ~50 KB minified, canvas line and bar
 * charts with log scales and a second axis). Read from the installed package when a page is
 * written, so the page needs no network and shows the version it was made with.
 */
export interface ChartLibrary {
  name: string;
  version: string;
  /** The minified browser build (an IIFE that sets `uPlot`). */
  script: string;
  css: string;
  /** The package's copyright line, kept with the inlined code as its license asks. */
  notice: string;
}

let loaded: ChartLibrary | undefined;

export function chartLibrary(): ChartLibrary {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('uplot/package.json'));
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const version = (JSON.parse(read('package.json')) as { version: string }).version;
  const copyright =
    read('LICENSE')
      .split('\n')
      .find((line) => line.startsWith('Copyright')) ?? '';
  loaded = {
    name: 'uPlot',
    version,
    script: read('dist/uPlot.iife.min.js'),
    css: read('dist/uPlot.min.css'),
    notice: `uPlot ${version}, MIT License. ${copyright.trim()}`,
  };
  return loaded;
}
