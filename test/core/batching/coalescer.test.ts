import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../../src/core/batching/coalescer.js';

/** A run function whose calls the test completes by hand. */
function manualRun() {
  const calls: Array<{
    inputs: number[];
    finish: (outputs?: Array<number | Error>) => void;
    fail: (error: Error) => void;
  }> = [];
  const run = (inputs: number[]) =>
    new Promise<Array<number | Error>>((resolve, reject) => {
      calls.push({ inputs, finish: (outputs) => resolve(outputs ?? inputs.map((n) => n * 10)), fail: reject });
    });
  return { calls, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('core - coalescer', () => {
  it('an idle coalescer runs an input at once, alone', async () => {
    const { calls, run } = manualRun();
    const coalescer = new Coalescer(run, { maxInFlight: 1 });
    const answer = coalescer.submit(7);
    expect(calls.map((c) => c.inputs)).toEqual([[7]]);
    calls[0]!.finish();
    expect(await answer).toBe(70);
  });

  it("with gather 'turn', an idle coalescer calls at the end of the turn with every input of it", async () => {
    const { calls, run } = manualRun();
    const coalescer = new Coalescer(run, { maxInFlight: 1, gather: 'turn' });
    const first = coalescer.submit(1);
    // Inputs a few promise hops behind the first, as the partitions of one committed statement are.
    const later = Promise.resolve()
      .then(() => Promise.resolve())
      .then(() => [coalescer.submit(2), coalescer.submit(3)]);
    expect(calls).toEqual([]);
    await tick();
    expect(calls.map((c) => c.inputs)).toEqual([[1, 2, 3]]);
    // While a call is in flight, what arrives waits for it, as without gather.
    const fourth = coalescer.submit(4);
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    expect(await first).toBe(10);
    expect(await Promise.all(await later)).toEqual([20, 30]);
    await tick();
    expect(calls.map((c) => c.inputs)).toEqual([[1, 2, 3], [4]]);
    calls[1]!.finish();
    expect(await fourth).toBe(40);
  });

  it('inputs that arrive while calls are in flight go together in the next call, in order', async () => {
    const { calls, run } = manualRun();
    const coalescer = new Coalescer(run, { maxInFlight: 2 });
    const answers = [1, 2, 3, 4, 5].map((n) => coalescer.submit(n));
    expect(calls.map((c) => c.inputs)).toEqual([[1], [2]]);
    calls[1]!.finish();
    await tick();
    expect(calls.map((c) => c.inputs)).toEqual([[1], [2], [3, 4, 5]]);
    calls[0]!.finish();
    calls[2]!.finish();
    expect(await Promise.all(answers)).toEqual([10, 20, 30, 40, 50]);
  });

  it('a call carries at most maxWeight, but a heavier input still goes alone', async () => {
    const { calls, run } = manualRun();
    const coalescer = new Coalescer(run, { maxInFlight: 1, maxWeight: 10, weight: (n: number) => n });
    const answers = [1, 4, 5, 3, 20, 2].map((n) => coalescer.submit(n));
    for (let i = 0; i < 5; i++) {
      calls[i]!.finish();
      await tick();
    }
    expect(await Promise.all(answers)).toEqual([10, 40, 50, 30, 200, 20]);
    expect(calls.map((c) => c.inputs)).toEqual([[1], [4, 5], [3], [20], [2]]);
  });

  it('an Error answer rejects its input alone; a failed call rejects every input of it', async () => {
    const { calls, run } = manualRun();
    const coalescer = new Coalescer(run, { maxInFlight: 1 });
    const first = coalescer.submit(1);
    const [a, b] = [coalescer.submit(2), coalescer.submit(3)];
    calls[0]!.finish();
    await tick();
    calls[1]!.finish([new Error('bad 2'), 30]);
    await expect(a).rejects.toThrow('bad 2');
    expect(await b).toBe(30);
    expect(await first).toBe(10);
    const [c, d] = [coalescer.submit(4), coalescer.submit(5)];
    calls[2]!.fail(new Error('down'));
    await expect(c).rejects.toThrow('down');
    await tick();
    calls[3]!.fail(new Error('down again'));
    await expect(d).rejects.toThrow('down again');
  });
});
