/**
 * The known key a mistyped one most likely meant, or undefined when none is close. A key written
 * as its flag (`send-rate`), its variable (`CHAT_SEND_RATE`) or in another case is matched
 * exactly; otherwise the closest by edit distance, within about half the key's length, ties
 * going to the longer common prefix (`sendRate` -> `sendRateLimit` before `sendBurst`).
 */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const plain = (text: string) =>
    text
      .replace(/^chat_/i, '')
      .replace(/[-_]/g, '')
      .toLowerCase();
  const exact = known.find((candidate) => plain(candidate) === plain(key));
  if (exact) return exact;
  const lower = key.toLowerCase();
  const limit = Math.max(2, Math.floor(key.length / 2));
  let best: { key: string; distance: number; prefix: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance > limit) continue;
    const prefix = commonPrefix(lower, candidate.toLowerCase());
    if (!best || distance < best.distance || (distance === best.distance && prefix > best.prefix))
      best = { key: candidate, distance, prefix };
  }
  return best?.key;
}

/** Levenshtein distance: insertions, deletions and substitutions, one row at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
