import { dirname, relative, resolve, sep } from 'node:path';

/** Where a JSON report's page goes by default: beside it, `.html` for `.json`. */
export function htmlPathOf(reportPath: string): string {
  return reportPath.replace(/(\.json)?$/i, '.html');
}

/**
 * A link from one page to another file, relative to the page's folder, each segment
 * percent-encoded: a name from a report cannot become markup or a `javascript:` URL.
 */
export function relativeHref(fromPage: string, to: string): string {
  const path = relative(dirname(resolve(fromPage)), resolve(to));
  return path.split(sep).map(encodeURIComponent).join('/');
}
