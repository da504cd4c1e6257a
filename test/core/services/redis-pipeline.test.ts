import { describe, expect, it } from 'vitest';
import { pipelineReplies } from '../../../src/core/services/redis-pipeline.js';
import { useRedisNamespace } from '../../support/redis-namespace.js';

const { namespace, redis } = useRedisNamespace('trp');

describe('redis pipeline replies', () => {
  it("answers every command's reply in order, and throws the error of a command that failed", async () => {
    const key = `${namespace}:plain`;
    expect(await pipelineReplies(redis().pipeline().set(key, 'a').get(key).incr(`${namespace}:n`))).toEqual(['OK', 'a', 1]);
    await expect(pipelineReplies(redis().pipeline().get(key).hset(key, 'field', 'x'))).rejects.toThrow(/WRONGTYPE/);
  });
});
