export interface CoalescerOptions<I> {
  /** Calls of `run` at once (default 2). */
  maxInFlight?: number;
  /** Largest total weight of one call (default: unbounded); a single heavier input still goes alone. */
  maxWeight?: number;
  /** An input's share of maxWeight (default 1). */
  weight?: (input: I) => number;
  /**
   * 'turn': an idle coalescer waits for the end of the event loop's turn (setImmediate) before its
   * call, so inputs that one event releases together (the partitions of one committed statement,
   * each a few promise hops behind the other) share the call instead of the first going alone.
   * Default 'none': an idle coalescer calls at once.
   */
  gather?: 'none' | 'turn';
}

interface Waiting<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for round trips: inputs submitted while `maxInFlight` calls are running wait and
 * then go together in the next call. An idle coalescer runs an input at once (no added latency),
 * or at the end of the turn with `gather: 'turn'`;
 * a busy one batches deeper the busier it is, so a call's fixed cost (a statement, a commit, a
 * round trip) is shared. `run` answers each input, in input order, with its output or an Error
 * that rejects that input alone; a throw from `run` rejects every input of the call.
 */
export class Coalescer<I, O> {
  private readonly waiting: Array<Waiting<I, O>> = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxWeight: number;
  private readonly weight: (input: I) => number;
  private readonly gather: 'none' | 'turn';
  private gathering = false;

  constructor(
    private readonly run: (inputs: I[]) => Promise<Array<O | Error>>,
    options: CoalescerOptions<I> = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxWeight = options.maxWeight ?? Number.POSITIVE_INFINITY;
    this.weight = options.weight ?? (() => 1);
    this.gather = options.gather ?? 'none';
  }

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (this.gather === 'none' || this.inFlight > 0) this.pump();
      else if (!this.gathering) {
        this.gathering = true;
        setImmediate(() => {
          this.gathering = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const call = this.takeCall();
      this.inFlight++;
      void this.execute(call).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private takeCall(): Array<Waiting<I, O>> {
    let total = 0;
    let count = 0;
    while (count < this.waiting.length) {
      const next = this.weight(this.waiting[count]!.input);
      if (count > 0 && total + next > this.maxWeight) break;
      total += next;
      count++;
    }
    return this.waiting.splice(0, count);
  }

  private async execute(call: Array<Waiting<I, O>>): Promise<void> {
    try {
      const outputs = await this.run(call.map((waiting) => waiting.input));
      call.forEach((waiting, index) => {
        const output = outputs[index];
        if (output instanceof Error) waiting.reject(output);
        else if (outputs.length !== call.length)
          waiting.reject(new Error(`coalesced call answered ${outputs.length} of ${call.length} inputs`));
        else waiting.resolve(output as O);
      });
    } catch (error) {
      for (const waiting of call) waiting.reject(error);
    }
  }
}

/** A caught value as the Error a coalesced call answers an input with (`run`'s outputs are `O | Error`). */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
