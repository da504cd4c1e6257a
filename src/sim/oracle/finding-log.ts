/**
 * Counts every finding by kind and keeps the first `limit` of them. A lost message in a big
 * room is one missing delivery per member device, so callers ask `listing()` before they
 * build a finding's detail text, and only `count()` the rest.
 */
export class FindingLog<K extends string, F extends { kind: K }> {
  readonly listed: F[] = [];
  readonly counts: Record<K, number>;
  private countedTotal = 0;

  constructor(
    kinds: readonly K[],
    private readonly limit: number,
  ) {
    this.counts = Object.fromEntries(kinds.map((kind) => [kind, 0])) as Record<K, number>;
  }

  /** Whether the next finding would be listed (otherwise only counting it is enough). */
  listing(): boolean {
    return this.listed.length < this.limit;
  }

  add(finding: F): void {
    this.count(finding.kind);
    if (this.listed.length < this.limit) this.listed.push(finding);
  }

  /** Counts `n` findings of `kind` without listing them. */
  count(kind: K, n = 1): void {
    this.counts[kind] += n;
    this.countedTotal += n;
  }

  get total(): number {
    return this.countedTotal;
  }
}
