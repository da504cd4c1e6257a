import type { ChainableCommander } from 'ioredis';

/**
 * Runs a pipeline and answers each command's reply, in order. A command that failed fails the
 * lot (its error is thrown), and so does an answer that lacks some commands' replies.
 */
export async function pipelineReplies(pipeline: ChainableCommander): Promise<unknown[]> {
  const expected = pipeline.length;
  const results = (await pipeline.exec()) ?? [];
  if (results.length !== expected) throw new Error(`Redis answered ${results.length} of ${expected} pipelined commands`);
  return results.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
